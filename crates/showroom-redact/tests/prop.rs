//! Property: a valid card number embedded in a sentence, written as digits or spoken as words,
//! never survives redaction as a run of six or more of its digits.

use proptest::prelude::*;
use showroom_redact::{Policy, redact};

/// A Luhn-valid card number with a real-looking prefix and length.
fn card() -> impl Strategy<Value = Vec<u8>> {
    let issuers: Vec<(&'static str, usize)> = vec![
        ("4", 16),
        ("4", 13),
        ("51", 16),
        ("55", 16),
        ("2221", 16),
        ("34", 15),
        ("37", 15),
        ("6011", 16),
        ("35", 16),
        ("62", 19),
    ];
    (
        proptest::sample::select(issuers),
        proptest::collection::vec(0u8..10, 18),
    )
        .prop_map(|((prefix, len), body)| {
            let mut digits: Vec<u8> = prefix.bytes().map(|b| b - b'0').collect();
            digits.extend(body.into_iter().take(len - 1 - digits.len()));
            digits.push(check_digit(&digits));
            digits
        })
}

fn check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

const WORDS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

/// How the card is said: 0 digits in groups of four, 1 digits ungrouped, 2 digits with
/// dashes, 3 word per digit, 4 words with "double"/"triple" and "oh", 5 groups mixing digits
/// and words, 6 words with commas between groups of four.
fn render(card: &[u8], style: u8, flips: &[bool]) -> String {
    let digit = |d: u8| char::from(b'0' + d).to_string();
    match style {
        0 | 2 => {
            let sep = if style == 0 { " " } else { "-" };
            card.chunks(4)
                .map(|c| c.iter().map(|&d| digit(d)).collect::<String>())
                .collect::<Vec<_>>()
                .join(sep)
        }
        1 => card.iter().map(|&d| digit(d)).collect(),
        3 => card
            .iter()
            .map(|&d| WORDS[d as usize])
            .collect::<Vec<_>>()
            .join(" "),
        4 => {
            let mut out = Vec::new();
            let mut i = 0;
            while i < card.len() {
                let d = card[i];
                let mut n = 1;
                while i + n < card.len() && card[i + n] == d && n < 3 {
                    n += 1;
                }
                let word = if d == 0 { "oh" } else { WORDS[d as usize] };
                match n {
                    3 => out.push(format!("triple {word}")),
                    2 => out.push(format!("double {word}")),
                    _ => out.push(word.to_string()),
                }
                i += n;
            }
            out.join(" ")
        }
        5 => card
            .chunks(4)
            .zip(flips.iter().cycle())
            .map(|(c, &as_words)| {
                if as_words {
                    c.iter()
                        .map(|&d| WORDS[d as usize])
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    c.iter().map(|&d| digit(d)).collect()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => card
            .chunks(4)
            .map(|c| {
                c.iter()
                    .map(|&d| WORDS[d as usize])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Words of ordinary support talk; none of them is a number word.
const VOCAB: &[&str] = &[
    "yes", "so", "the", "I", "it", "is", "my", "okay", "please", "thanks", "order", "delivery",
    "package", "was", "late", "and", "then", "they", "said", "refund", "hello", "sorry", "can",
    "you", "help", "with", "this", "account", "phone", "email", "address", "well", "uh", "um",
    "right", "sure", "at", "dot", "com", "number", "is:", "here", "it's", "let", "me", "check",
    "again", "code", "on", "back", "expiry",
];

/// Cue phrases that may precede the card, or none.
const CUES: &[&str] = &[
    "",
    "",
    "my card number is",
    "visa",
    "the long number on the card is",
    "it's",
    "card:",
];

fn sentence() -> impl Strategy<Value = (Vec<&'static str>, &'static str, Vec<&'static str>, bool)> {
    (
        proptest::collection::vec(proptest::sample::select(VOCAB), 0..8),
        proptest::sample::select(CUES),
        proptest::collection::vec(proptest::sample::select(VOCAB), 0..8),
        any::<bool>(),
    )
}

/// Digit sequences of a text as an independent reader hears them: digits and digit words
/// (with "oh", "double", "triple"), joined across spaces, commas, dashes and full stops.
fn heard_digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    let mut repeat = 1;
    let flush = |cur: &mut String, runs: &mut Vec<String>| {
        if !cur.is_empty() {
            runs.push(std::mem::take(cur));
        }
    };
    let mut word = String::new();
    let mut tokens = Vec::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            if !matches!(c, ' ' | ',' | '-' | '.') {
                tokens.push(c.to_string());
            }
        }
    }
    for t in tokens {
        let lower = t.to_lowercase();
        if lower.chars().all(|c| c.is_ascii_digit()) {
            cur.push_str(&lower);
        } else if let Some(d) = WORDS
            .iter()
            .position(|w| *w == lower)
            .or((lower == "oh").then_some(0))
        {
            for _ in 0..repeat {
                cur.push(char::from(b'0' + d as u8));
            }
            repeat = 1;
        } else if lower == "double" {
            repeat = 2;
        } else if lower == "triple" {
            repeat = 3;
        } else {
            flush(&mut cur, &mut runs);
        }
    }
    flush(&mut cur, &mut runs);
    runs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_six_card_digits_survive(
        card in card(),
        style in 0u8..7,
        flips in proptest::collection::vec(any::<bool>(), 5),
        (before, cue, after, trailing_stop) in sentence(),
        keep_last4 in any::<bool>(),
    ) {
        let said = render(&card, style, &flips);
        let mut parts: Vec<String> = before.iter().map(|w| w.to_string()).collect();
        if !cue.is_empty() {
            parts.push(cue.to_string());
        }
        parts.push(said);
        if trailing_stop {
            parts.push(".".to_string());
        }
        parts.extend(after.iter().map(|w| w.to_string()));
        let text = parts.join(" ");
        let policy = Policy { keep_last4, ..Policy::default() };
        let out = redact(&text, &policy).text;
        let digits: String = card.iter().map(|&d| char::from(b'0' + d)).collect();
        for run in heard_digit_runs(&out) {
            for w in digits.as_bytes().windows(6) {
                let w = std::str::from_utf8(w).unwrap();
                prop_assert!(!run.contains(w), "card digits {w} survive in {out:?} (input {text:?})");
            }
        }
        // And a second pass changes nothing.
        prop_assert_eq!(redact(&out, &policy).text, out);
    }
}

/// Stray number words glued to the card ("I have two 4111 …", "… 1111 oh"), no cue word:
/// 16-digit cards are still found. (For other lengths a stray outside card context is a known
/// limit, see README.md, and so is a tens word: "twenty five five …" reads as 25, 5, ….)
const STRAYS: &[&str] = &["", "two", "oh", "one", "five", "nine", "7", "42"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn stray_digits_beside_a_16_digit_card(
        card in card().prop_filter("16 digits", |c| c.len() == 16),
        style in 0u8..7,
        flips in proptest::collection::vec(any::<bool>(), 5),
        lead in proptest::sample::select(STRAYS),
        trail in proptest::sample::select(STRAYS),
        (before, _cue, after, _stop) in sentence(),
    ) {
        let said = render(&card, style, &flips);
        let text = [before.join(" "), lead.to_string(), said, trail.to_string(), after.join(" ")].join(" ");
        let out = redact(&text, &Policy::default()).text;
        let digits: String = card.iter().map(|&d| char::from(b'0' + d)).collect();
        for run in heard_digit_runs(&out) {
            for w in digits.as_bytes().windows(6) {
                let w = std::str::from_utf8(w).unwrap();
                prop_assert!(!run.contains(w), "card digits {w} survive in {out:?} (input {text:?})");
            }
        }
    }
}

/// Words and symbols that exercise every path: digits, number words, cues, address parts.
const SOUP: &[&str] = &[
    "4111",
    "1111",
    "1",
    "12",
    "123",
    "2671",
    "415",
    "555",
    "+",
    "(",
    ")",
    "-",
    ".",
    ",",
    "/",
    ":",
    "@",
    "$",
    "%",
    "[",
    "]",
    "•",
    "one",
    "oh",
    "double",
    "twenty",
    "hundred",
    "thousand",
    "and",
    "card",
    "cvv",
    "code",
    "expiry",
    "order",
    "phone",
    "email",
    "at",
    "dot",
    "com",
    "gmail",
    "john",
    "is",
    "the",
    "uh",
    "12/27",
    "1,299.99",
    "10:30",
    "[card ••••1111]",
    "[email]",
    "é",
    "日本",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Any mix of tokens: no panic, text outside masks kept, and a second pass changes nothing.
    #[test]
    fn any_text_is_redacted_idempotently(
        words in proptest::collection::vec(proptest::sample::select(SOUP), 0..40),
        spaces in proptest::collection::vec(any::<bool>(), 40),
        split in 0usize..40,
    ) {
        let text: String = words
            .iter()
            .zip(&spaces)
            .map(|(w, &space)| if space { format!("{w} ") } else { w.to_string() })
            .collect();
        let policy = Policy::default();
        let once = redact(&text, &policy);
        let twice = redact(&once.text, &policy);
        prop_assert_eq!(&twice.text, &once.text, "input {:?}", text);
        // Spans are in order, inside the text, and cover masks.
        let mut end = 0;
        for span in &once.spans {
            prop_assert!(span.range.start >= end && span.range.end <= once.text.len());
            prop_assert!(once.text[span.range.clone()].starts_with('['));
            end = span.range.end;
        }
        // Split anywhere into two segments: still no panic, one output per segment.
        let cut = (0..=split.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let (a, b) = text.split_at(cut);
        prop_assert_eq!(showroom_redact::redact_segments(&[a, b], &policy).len(), 2);
    }
}
