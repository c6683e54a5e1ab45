//! Text normalisation and word error rate, for scoring transcripts against references.
//!
//! [`normalise`] makes two renderings of the same speech compare equal: lowercase, punctuation
//! removed (apostrophes join: "don't" → "dont"), hyphens split ("sixty-one" → "sixty one"),
//! digits spelled out ("1961" → "nineteen sixty one", "21st" → "twenty first", "3.5" → "three
//! point five", "50%" → "fifty percent"), a few abbreviations expanded ("mr" → "mister") and
//! whitespace collapsed. [`word_errors`] aligns reference and hypothesis words with a Levenshtein
//! distance and counts substitutions, deletions and insertions; [`word_error_rate`] divides by
//! the number of reference words.
//!
//! Numbers go one way only (digits → words), so a reference written in words and a hypothesis
//! in digits meet in the middle. Four-digit numbers from 1100 to 2099 that are not whole hundreds
//! read as years ("1961" → "nineteen sixty one", "2024" → "twenty twenty four", but "2005" → "two
//! thousand five"), which is how Whisper's digits are usually spoken.

use std::ops::{Add, AddAssign};

/// `text` as lowercase words separated by single spaces; see the module docs.
pub fn normalise(text: &str) -> String {
    normalised_words(text).join(" ")
}

/// The words of [`normalise`].
pub fn normalised_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for token in clean(text).split_whitespace() {
        push_token(token, &mut words);
    }
    words
}

/// Lowercases and replaces everything but letters, digits and number-internal '.' with spaces;
/// '%' and '&' become words.
fn clean(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let digit_at = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(char::is_ascii_digit)
    };
    let letter_at = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(|c| c.is_alphabetic())
    };
    for (i, &c) in chars.iter().enumerate() {
        let around = |f: &dyn Fn(Option<usize>) -> bool| f(i.checked_sub(1)) && f(Some(i + 1));
        match c {
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            // Thousands separator: "1,000" (kept: it also says "not a year").
            ',' if around(&digit_at) => out.push(','),
            // Decimal point: "3.5" → "3 point 5".
            '.' if around(&digit_at) => out.push_str(" point "),
            // Apostrophes inside words join them: "don't" → "dont".
            '\'' | '\u{2019}' if around(&letter_at) => {}
            '%' => out.push_str(" percent "),
            '&' => out.push_str(" and "),
            _ => out.push(' '),
        }
    }
    out
}

/// One whitespace-free lowercase token of letters and digits → normalised words.
fn push_token(token: &str, words: &mut Vec<String>) {
    // "21st", "3rd", "100th": ordinals.
    let digits_end = token
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(token.len());
    if digits_end > 0
        && matches!(&token[digits_end..], "st" | "nd" | "rd" | "th")
        && let Ok(n) = token[..digits_end].parse::<u64>()
    {
        words.extend(ordinal_words(n).split(' ').map(str::to_owned));
        return;
    }
    // Otherwise split into runs of digits and of letters: "mp3" → "mp" "three".
    let numeric = |c: char| c.is_ascii_digit() || c == ',';
    let mut rest = token;
    while let Some(first) = rest.chars().next() {
        let is_digit = numeric(first);
        let end = rest
            .find(|c: char| numeric(c) != is_digit)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        if is_digit {
            words.extend(digits_to_words(run).split(' ').map(str::to_owned));
        } else {
            words.push(expand_abbreviation(run).to_owned());
        }
        rest = tail;
    }
}

fn expand_abbreviation(word: &str) -> &str {
    match word {
        "mr" => "mister",
        "mrs" => "missus",
        "dr" => "doctor",
        "vs" => "versus",
        "ok" => "okay",
        _ => word,
    }
}

/// A run of ASCII digits (and grouping commas) in words: as a number, or digit by digit when it has a leading zero
/// or is too long to be read as one ("007", phone numbers).
fn digits_to_words(digits: &str) -> String {
    if digits.contains(',') {
        // "1,250": a grouped number, never a year.
        let digits = digits.replace(',', "");
        return match digits.parse::<u64>() {
            Ok(n) => cardinal_words(n),
            Err(_) => digits_to_words(&digits),
        };
    }
    let as_number = digits.len() <= 15 && (digits.len() == 1 || !digits.starts_with('0'));
    match digits.parse::<u64>() {
        Ok(n) if as_number => number_to_words(n),
        _ => digits
            .bytes()
            .map(|d| ONES[usize::from(d - b'0')])
            .collect::<Vec<_>>()
            .join(" "),
    }
}

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const SCALES: [(u64, &str); 5] = [
    (1_000_000_000_000_000, "quadrillion"),
    (1_000_000_000_000, "trillion"),
    (1_000_000_000, "billion"),
    (1_000_000, "million"),
    (1_000, "thousand"),
];

/// `n` in English words, without "and" or hyphens: 1961 → "nineteen sixty one" (year style, see
/// the module docs), 2005 → "two thousand five", 342 → "three hundred forty two".
pub fn number_to_words(n: u64) -> String {
    let year_style =
        (1100..=2099).contains(&n) && !n.is_multiple_of(100) && !(2000..2010).contains(&n);
    if year_style {
        let (century, rest) = (n / 100, n % 100);
        let rest = if rest < 10 {
            format!("oh {}", ONES[rest as usize])
        } else {
            below_hundred(rest)
        };
        return format!("{} {rest}", below_hundred(century));
    }
    cardinal_words(n)
}

fn cardinal_words(n: u64) -> String {
    if n == 0 {
        return ONES[0].to_owned();
    }
    let mut parts = Vec::new();
    let mut rest = n;
    for (scale, name) in SCALES {
        if rest >= scale {
            parts.push(format!("{} {name}", cardinal_words(rest / scale)));
            rest %= scale;
        }
    }
    if rest >= 100 {
        parts.push(format!("{} hundred", ONES[(rest / 100) as usize]));
        rest %= 100;
    }
    if rest > 0 {
        parts.push(below_hundred(rest));
    }
    parts.join(" ")
}

fn below_hundred(n: u64) -> String {
    debug_assert!(n < 100);
    match n {
        0..20 => ONES[n as usize].to_owned(),
        _ if n.is_multiple_of(10) => TENS[(n / 10) as usize].to_owned(),
        _ => format!("{} {}", TENS[(n / 10) as usize], ONES[(n % 10) as usize]),
    }
}

/// `n` as an ordinal: 1 → "first", 21 → "twenty first", 100 → "one hundredth".
fn ordinal_words(n: u64) -> String {
    let cardinal = cardinal_words(n);
    let (head, last) = match cardinal.rsplit_once(' ') {
        Some((head, last)) => (format!("{head} "), last),
        None => (String::new(), cardinal.as_str()),
    };
    let last = match last {
        "one" => "first".to_owned(),
        "two" => "second".to_owned(),
        "three" => "third".to_owned(),
        "five" => "fifth".to_owned(),
        "eight" => "eighth".to_owned(),
        "nine" => "ninth".to_owned(),
        "twelve" => "twelfth".to_owned(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    };
    format!("{head}{last}")
}

/// Word-level edit counts of a hypothesis against a reference. Add them up over a test set and
/// take [`WordErrors::rate`] for the corpus WER (not the mean of per-clip rates).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WordErrors {
    pub substitutions: usize,
    pub deletions: usize,
    pub insertions: usize,
    pub reference_words: usize,
}

impl WordErrors {
    pub fn errors(&self) -> usize {
        self.substitutions + self.deletions + self.insertions
    }

    /// Errors per reference word. With an empty reference: 0 when there are no errors, else 1.
    pub fn rate(&self) -> f64 {
        match self.reference_words {
            0 => f64::from(u8::from(self.errors() > 0)),
            n => self.errors() as f64 / n as f64,
        }
    }
}

impl Add for WordErrors {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            substitutions: self.substitutions + other.substitutions,
            deletions: self.deletions + other.deletions,
            insertions: self.insertions + other.insertions,
            reference_words: self.reference_words + other.reference_words,
        }
    }
}

impl AddAssign for WordErrors {
    fn add_assign(&mut self, other: Self) {
        *self = *self + other;
    }
}

impl std::iter::Sum for WordErrors {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), Add::add)
    }
}

/// Minimal edits turning the normalised reference into the normalised hypothesis.
pub fn word_errors(reference: &str, hypothesis: &str) -> WordErrors {
    let reference = normalised_words(reference);
    let hypothesis = normalised_words(hypothesis);
    align(&reference, &hypothesis)
}

/// (substitutions + deletions + insertions) / reference words, after [`normalise`].
pub fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    word_errors(reference, hypothesis).rate()
}

/// Levenshtein over words, keeping the kind of each edit of one cheapest alignment.
fn align(reference: &[String], hypothesis: &[String]) -> WordErrors {
    // row[j]: best alignment of reference[..i] with hypothesis[..j].
    let mut row: Vec<WordErrors> = (0..=hypothesis.len())
        .map(|j| WordErrors {
            insertions: j,
            ..WordErrors::default()
        })
        .collect();
    for (i, r) in reference.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = WordErrors {
            deletions: i + 1,
            ..WordErrors::default()
        };
        for (j, h) in hypothesis.iter().enumerate() {
            let substitute = WordErrors {
                substitutions: diagonal.substitutions + usize::from(r != h),
                ..diagonal
            };
            let delete = WordErrors {
                deletions: row[j + 1].deletions + 1,
                ..row[j + 1]
            };
            let insert = WordErrors {
                insertions: row[j].insertions + 1,
                ..row[j]
            };
            diagonal = row[j + 1];
            row[j + 1] = [substitute, delete, insert]
                .into_iter()
                .min_by_key(WordErrors::errors)
                .expect("three candidates");
        }
    }
    let mut last = row[hypothesis.len()];
    last.reference_words = reference.len();
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_table() {
        let cases = [
            ("  Hello,   WORLD! ", "hello world"),
            (
                "And so, my fellow Americans: ask not…",
                "and so my fellow americans ask not",
            ),
            ("Don't stop — it’s fine.", "dont stop its fine"),
            ("cold-hearted", "cold hearted"),
            ("In 1961.", "in nineteen sixty one"),
            ("nineteen sixty-one", "nineteen sixty one"),
            ("1905", "nineteen oh five"),
            ("2005 and 2024", "two thousand five and twenty twenty four"),
            ("1900", "one thousand nine hundred"),
            (
                "It costs 1,250 dollars",
                "it costs one thousand two hundred fifty dollars",
            ),
            (
                "1,961 people, 2 ways",
                "one thousand nine hundred sixty one people two ways",
            ),
            ("3.5 or 50%", "three point five or fifty percent"),
            (
                "the 21st and 3rd and 100th",
                "the twenty first and third and one hundredth",
            ),
            ("call 007 now", "call zero zero seven now"),
            ("mp3", "mp three"),
            (
                "Mr. Dashwood & Mrs. Dashwood",
                "mister dashwood and missus dashwood",
            ),
            ("OK.", "okay"),
            ("Grüße, Señor", "grüße señor"),
            ("", ""),
            ("?!.", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise(input), expected, "{input:?}");
        }
    }

    #[test]
    fn numbers_table() {
        let cases = [
            (0, "zero"),
            (7, "seven"),
            (13, "thirteen"),
            (40, "forty"),
            (99, "ninety nine"),
            (100, "one hundred"),
            (101, "one hundred one"),
            (999, "nine hundred ninety nine"),
            (1000, "one thousand"),
            (1099, "one thousand ninety nine"),
            (1100, "one thousand one hundred"),
            (1101, "eleven oh one"),
            (1961, "nineteen sixty one"),
            (2000, "two thousand"),
            (2009, "two thousand nine"),
            (2010, "twenty ten"),
            (2100, "two thousand one hundred"),
            (12_345, "twelve thousand three hundred forty five"),
            (1_000_001, "one million one"),
        ];
        for (n, expected) in cases {
            assert_eq!(number_to_words(n), expected, "{n}");
        }
        // Beyond the largest scale word: still words, never a panic.
        assert!(
            number_to_words(u64::MAX)
                .starts_with("eighteen thousand four hundred forty six quadrillion")
        );
    }

    #[test]
    fn word_errors_table() {
        let e = |s, d, i, n| WordErrors {
            substitutions: s,
            deletions: d,
            insertions: i,
            reference_words: n,
        };
        let cases = [
            ("a b c", "a b c", e(0, 0, 0, 3)),
            ("a b c", "a x c", e(1, 0, 0, 3)),
            ("a b c", "a c", e(0, 1, 0, 3)),
            ("a b c", "a b b c", e(0, 0, 1, 3)),
            ("a b c", "", e(0, 3, 0, 3)),
            ("", "a b", e(0, 0, 2, 0)),
            ("", "", e(0, 0, 0, 0)),
            ("the cat sat", "cat sat down", e(0, 1, 1, 3)),
            (
                "In 1961, Mr. Kennedy",
                "in nineteen sixty-one mister kennedy",
                e(0, 0, 0, 6),
            ),
        ];
        for (reference, hypothesis, expected) in cases {
            assert_eq!(
                word_errors(reference, hypothesis),
                expected,
                "{reference:?} vs {hypothesis:?}"
            );
        }
    }

    #[test]
    fn rates_and_sums() {
        assert_eq!(word_error_rate("a b c d", "a x c d"), 0.25);
        assert_eq!(word_error_rate("a b", "a b c d"), 1.0);
        assert_eq!(word_error_rate("", ""), 0.0);
        assert_eq!(word_error_rate("", "hello"), 1.0);
        let total: WordErrors = [word_errors("a b c d", "a b c"), word_errors("e f", "e f")]
            .into_iter()
            .sum();
        assert_eq!(total.errors(), 1);
        assert!((total.rate() - 1.0 / 6.0).abs() < 1e-12);
    }
}
