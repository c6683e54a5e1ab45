//! The token list from CTranslate2's `vocabulary.txt`.
//!
//! Each line is one token in GPT-2's byte-level encoding, where every byte is shown as a printable
//! character (`Ġ` for a space, `Ċ` for a newline). whisper.cpp wants the raw bytes of the ordinary
//! tokens, i.e. those before `<|endoftext|>`; it derives the special tokens from `n_vocab` itself.

use std::path::Path;

use crate::error::{Error, IoContext, Result};

/// The end-of-text token, whose id is the number of ordinary tokens.
pub const END_OF_TEXT: &str = "<|endoftext|>";

/// Tokens of a Whisper model in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    tokens: Vec<String>,
    eot_id: usize,
}

impl Vocabulary {
    /// Parses the contents of vocabulary.txt (one token per line).
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.strip_suffix('\n').unwrap_or(text);
        Self::from_tokens(
            text.split('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t).to_owned())
                .collect(),
        )
    }

    /// Reads and parses a vocabulary.txt file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).at("reading", path)?;
        Self::parse(&text)
    }

    /// Builds a vocabulary from tokens in id order; `<|endoftext|>` must be among them.
    pub fn from_tokens(tokens: Vec<String>) -> Result<Self> {
        let eot_id = tokens
            .iter()
            .position(|t| t == END_OF_TEXT)
            .ok_or_else(|| {
                Error::Vocabulary(format!(
                    "no {END_OF_TEXT} token among {} lines",
                    tokens.len()
                ))
            })?;
        let vocab = Self { tokens, eot_id };
        for id in 0..eot_id {
            vocab.token_bytes(id)?;
        }
        Ok(vocab)
    }

    /// Number of tokens, special ones included (equals the model's `n_vocab`).
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Id of `<|endoftext|>`: 50256 for English-only models, 50257 for multilingual ones.
    pub fn eot_id(&self) -> usize {
        self.eot_id
    }

    /// The token as stored in vocabulary.txt.
    pub fn token(&self, id: usize) -> Option<&str> {
        self.tokens.get(id).map(String::as_str)
    }

    /// The raw bytes of an ordinary token (GPT-2 byte-level encoding inverted).
    pub fn token_bytes(&self, id: usize) -> Result<Vec<u8>> {
        let token = self
            .token(id)
            .ok_or_else(|| Error::Vocabulary(format!("no token {id}")))?;
        token
            .chars()
            .map(|c| {
                unicode_to_byte(c).ok_or_else(|| {
                    Error::Vocabulary(format!(
                        "token {id} {token:?} has character {c:?} outside GPT-2's byte map"
                    ))
                })
            })
            .collect()
    }
}

/// Inverse of GPT-2's `bytes_to_unicode`: printable Latin-1 bytes map to themselves, the other 68
/// bytes (in increasing order) to U+0100, U+0101, …
pub fn unicode_to_byte(c: char) -> Option<u8> {
    let code = u32::from(c);
    if is_printable_byte(code) {
        return u8::try_from(code).ok();
    }
    let n = code.checked_sub(256)?;
    (0u32..256)
        .filter(|&b| !is_printable_byte(b))
        .nth(usize::try_from(n).ok()?)
        .map(|b| b as u8)
}

/// GPT-2's `bytes_to_unicode`.
pub fn byte_to_unicode(b: u8) -> char {
    let code = u32::from(b);
    if is_printable_byte(code) {
        return char::from(b);
    }
    let n = (0..code).filter(|&x| !is_printable_byte(x)).count() as u32;
    char::from_u32(256 + n).expect("below U+0200")
}

fn is_printable_byte(code: u32) -> bool {
    matches!(code, 0x21..=0x7e | 0xa1..=0xac | 0xae..=0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_map_is_a_bijection_with_known_points() {
        for b in 0..=255u8 {
            assert_eq!(unicode_to_byte(byte_to_unicode(b)), Some(b));
        }
        assert_eq!(byte_to_unicode(b' '), 'Ġ');
        assert_eq!(byte_to_unicode(b'\n'), 'Ċ');
        assert_eq!(byte_to_unicode(0), 'Ā');
        assert_eq!(byte_to_unicode(b'a'), 'a');
        assert_eq!(unicode_to_byte('あ'), None);
    }

    #[test]
    fn parses_tokens_and_finds_end_of_text() {
        let v = Vocabulary::parse("!\nĠthe\nÃ©\n<|endoftext|>\n<|startoftranscript|>\n").unwrap();
        assert_eq!(v.len(), 5);
        assert_eq!(v.eot_id(), 3);
        assert_eq!(v.token_bytes(1).unwrap(), b" the");
        assert_eq!(v.token_bytes(2).unwrap(), "é".as_bytes());
    }

    #[test]
    fn rejects_missing_end_of_text_and_unmappable_tokens() {
        assert!(matches!(
            Vocabulary::parse("a\nb\n"),
            Err(Error::Vocabulary(_))
        ));
        assert!(matches!(
            Vocabulary::parse("a b\n<|endoftext|>"),
            Err(Error::Vocabulary(_))
        ));
    }
}
