//! The one tokenizer behind the search index, the query parser and the highlighter, so a word
//! matches the same way on SQLite and PostgreSQL and is highlighted where it matched.
//!
//! A token is a maximal run of letters and digits, lower-cased with diacritics removed
//! ("Café" → "cafe"); each Han, Kana or Hangul character is a token by itself, so a CJK word in
//! a query becomes a phrase of characters (no dictionary needed). Both engines index the
//! normalised token string, never the raw text, so their own tokenizers only split on spaces.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Separates two segments in a call's search document: a phrase never matches across it.
pub(crate) const SEGMENT_BREAK: &str = "zqsegbreakzq";

/// One token and the byte range of the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF       // Hiragana, Katakana
        | 0x3400..=0x4DBF     // CJK Extension A
        | 0x4E00..=0x9FFF     // CJK Unified Ideographs
        | 0xAC00..=0xD7AF     // Hangul syllables
        | 0xF900..=0xFAFF     // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F)  // Extensions B–F, compatibility supplement
}

/// Lower case without diacritics: what a token is compared as.
pub fn fold(word: &str) -> String {
    word.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// The tokens of `text`, with byte offsets into it.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let flush = |out: &mut Vec<Token>, from: usize, to: usize| {
        let text = fold(&text[from..to]);
        if !text.is_empty() {
            out.push(Token { text, start: from, end: to });
        }
    };
    for (i, c) in text.char_indices() {
        if is_cjk(c) {
            if let Some(s) = start.take() {
                flush(&mut out, s, i);
            }
            flush(&mut out, i, i + c.len_utf8());
        } else if c.is_alphanumeric() || (is_combining_mark(c) && start.is_some()) {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            flush(&mut out, s, i);
        }
    }
    if let Some(s) = start {
        flush(&mut out, s, text.len());
    }
    out
}

/// The text the engines index for one call: its segments' tokens, segments separated by
/// [`SEGMENT_BREAK`].
pub fn call_document<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    let mut doc = String::new();
    for (i, text) in segments.into_iter().enumerate() {
        if i > 0 {
            doc.push(' ');
            doc.push_str(SEGMENT_BREAK);
        }
        for t in tokens(text) {
            doc.push(' ');
            doc.push_str(&t.text);
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn tokens_are_folded_runs_of_letters_and_digits() {
        assert_eq!(words("Hello, World! Order #A-1234."), ["hello", "world", "order", "a", "1234"]);
        assert_eq!(words("Café crème, naïve"), ["cafe", "creme", "naive"]);
        assert_eq!(words("Größe STRAßE"), ["große", "straße"]);
        assert_eq!(words("  "), Vec::<String>::new());
        // Decomposed input (e + combining acute) folds like the composed form.
        assert_eq!(words("cafe\u{301} ok"), ["cafe", "ok"]);
    }

    #[test]
    fn cjk_characters_are_tokens_of_their_own() {
        assert_eq!(words("我要退货 please"), ["我", "要", "退", "货", "please"]);
        assert_eq!(words("返品したい"), ["返", "品", "し", "た", "い"]);
    }

    #[test]
    fn offsets_point_at_the_original_text() {
        let text = "Ça va? Très bien";
        for t in tokens(text) {
            assert_eq!(fold(&text[t.start..t.end]), t.text);
        }
    }

    #[test]
    fn documents_separate_segments() {
        assert_eq!(call_document(["Hi there", "Bye"]), format!(" hi there {SEGMENT_BREAK} bye"));
    }
}
