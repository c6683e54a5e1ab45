//! Splits the segments of one speaker into tokens that keep their place in the input.
//!
//! Tokens never leave the crate, and none of their types implements `Debug`: they hold the
//! unredacted text.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::words;

/// One token of the input: a word, a number literal (or one digit group of it), a symbol,
/// a written e-mail address or a mask left by an earlier redaction.
pub(crate) struct Token<'a> {
    /// Index of the segment the token is in.
    pub seg: usize,
    /// Byte range in that segment.
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
    /// Lowercase text for words, the text itself for everything else.
    pub key: Cow<'a, str>,
    pub kind: Kind,
    /// Whitespace (or a segment boundary) separates this token from the previous one.
    pub space_before: bool,
    /// Number of counted words before this token (see [`assign_ords`]): distances between a
    /// cue and a number are measured in these.
    pub ord: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Num(NumClass),
    Sym(char),
    /// A written e-mail address (`name@domain.tld`).
    Email,
    /// A mask we wrote earlier (`[card ••••1111]`, `[email]` …): opaque, so redaction is idempotent.
    Mask,
}

/// What a number literal looks like as a whole, before any context is applied.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumClass {
    /// One group of digits; a literal like `4111-1111` becomes two groups with a `-` between.
    Digits,
    /// A decimal, fraction or thousands-grouped figure (`1,299.99`, `1.5`, `1,200`, `24/7`).
    Quantity,
    /// A figure with a currency sign before it or `%` after it (`$1299`, `45%`).
    Money,
    /// `2024-05-12`, `05/12/2024`, `12.05.24`.
    Date,
    /// `10:30`, `9:05:12`.
    Time,
    /// `MM/YY` or `MM/YYYY`: an expiry date if said in card context.
    ExpiryLike,
}

impl Token<'_> {
    pub fn is_word(&self, w: &str) -> bool {
        self.kind == Kind::Word && self.key == w
    }

    pub fn is_sym(&self, c: char) -> bool {
        self.kind == Kind::Sym(c)
    }
}

static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        // mask | e-mail | number literal | word | any other symbol
        r"\[(?:card|cvv|expiry|email|phone|redacted)(?: ••••[0-9]{4})?\]",
        r"|[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
        r"|[0-9]+(?:[.,/:\-][0-9]+)*",
        r"|[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*",
        r"|\S",
    ))
    .expect("token regex")
});

static TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?$").expect("time regex"));
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}([/.\-])[0-9]{1,2}([/.\-])(?:[0-9]{2}|[0-9]{4}))$")
        .expect("date regex")
});
static EXPIRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:0?[1-9]|1[0-2])/(?:[0-9]{2}|[0-9]{4})$").expect("expiry regex")
});
/// `1,299` `1,299.99` `1,234,567` and the European `1.299` `1.299,99`.
static GROUPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?)$")
        .expect("grouped regex")
});

const CURRENCY: &[char] = &['$', '€', '£', '¥', '₹', '₩', '₽', '¢'];

/// Tokenizes the segments in order; tokens of segment `i + 1` follow those of segment `i`.
pub(crate) fn tokenize<'a>(segs: &[&'a str]) -> Vec<Token<'a>> {
    let mut toks: Vec<Token<'a>> = Vec::with_capacity(segs.iter().map(|s| s.len() / 4 + 1).sum());
    for (seg, text) in segs.iter().enumerate() {
        let mut prev_end = 0usize;
        // `find_iter` rather than captures (several times faster); the alternative that
        // matched is told by the match itself.
        for m in TOKEN.find_iter(text) {
            let space_before = prev_end == 0 || m.start() > prev_end;
            prev_end = m.end();
            let base = Token {
                seg,
                start: m.start(),
                end: m.end(),
                text: m.as_str(),
                key: Cow::Borrowed(m.as_str()),
                kind: Kind::Word,
                space_before,
                ord: 0,
            };
            let first = m.as_str().chars().next().expect("non-empty match");
            let long = m.len() > first.len_utf8();
            if first == '[' && long {
                toks.push(Token {
                    kind: Kind::Mask,
                    ..base
                });
            } else if long && m.as_str().contains('@') {
                toks.push(Token {
                    kind: Kind::Email,
                    ..base
                });
            } else if first.is_ascii_digit() {
                push_number(&mut toks, base, text);
            } else if first.is_alphabetic() || long {
                let key = if m.as_str().chars().any(|c| c.is_uppercase()) {
                    Cow::Owned(m.as_str().to_lowercase())
                } else {
                    Cow::Borrowed(m.as_str())
                };
                toks.push(Token {
                    key,
                    kind: Kind::Word,
                    ..base
                });
            } else {
                toks.push(Token {
                    kind: Kind::Sym(first),
                    ..base
                });
            }
        }
    }
    toks
}

fn push_number<'a>(toks: &mut Vec<Token<'a>>, lit: Token<'a>, seg_text: &'a str) {
    let s = lit.text;
    let seps = s.bytes().filter(|b| !b.is_ascii_digit()).count();
    let after = seg_text[lit.end..].chars().next();
    let before_currency = toks.last().is_some_and(|t| {
        t.seg == lit.seg
            && matches!(t.kind, Kind::Sym(c) if CURRENCY.contains(&c))
            && lit.start - t.end <= 1
    });
    let class = if before_currency || after == Some('%') {
        Some(NumClass::Money)
    } else if s.contains(':') {
        TIME.is_match(s).then_some(NumClass::Time)
    } else if EXPIRY.is_match(s) {
        Some(NumClass::ExpiryLike)
    } else if DATE.is_match(s) {
        Some(NumClass::Date)
    } else if seps == 1 && (s.contains('.') || s.contains(',') || s.contains('/')) {
        // `1.5`, `2,5`, `24/7`: a decimal or a fraction.
        Some(NumClass::Quantity)
    } else if seps > 1 && GROUPED.is_match(s) {
        Some(NumClass::Quantity)
    } else {
        None
    };
    if let Some(class) = class {
        toks.push(Token {
            kind: Kind::Num(class),
            ..lit
        });
        return;
    }
    // Digit groups with the separators between them as symbols (`4111-1111`, `06.12.34.56.78`).
    let mut group_start = 0usize;
    let bytes = s.as_bytes();
    for i in 0..=bytes.len() {
        if i < bytes.len() && bytes[i].is_ascii_digit() {
            continue;
        }
        let group = &s[group_start..i];
        toks.push(Token {
            start: lit.start + group_start,
            end: lit.start + i,
            text: group,
            key: Cow::Borrowed(group),
            kind: Kind::Num(NumClass::Digits),
            space_before: group_start == 0 && lit.space_before,
            ..lit
        });
        if i < bytes.len() {
            let sym = &s[i..i + 1];
            toks.push(Token {
                start: lit.start + i,
                end: lit.start + i + 1,
                text: sym,
                key: Cow::Borrowed(sym),
                kind: Kind::Sym(bytes[i] as char),
                space_before: false,
                ..lit
            });
            group_start = i + 1;
        }
    }
}

/// Numbers every token by the count of plain words before it, skipping `skip`ped tokens
/// (found addresses), numbers, number words, hesitations and masks: exactly what a redaction
/// pass replaces or ignores. So a cue is as far from a number before redaction as after it,
/// and a second pass judges what is left exactly as the first did.
pub(crate) fn assign_ords(toks: &mut [Token<'_>], skip: &[bool]) {
    let mut ord = 0;
    for (t, &skipped) in toks.iter_mut().zip(skip) {
        t.ord = ord;
        let counted = !skipped && t.kind == Kind::Word && !words::is_number_word(&t.key);
        if counted {
            ord += 1;
        }
    }
}
