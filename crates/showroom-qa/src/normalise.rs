//! Text normalisation that makes ASR output and rubric phrases meet.
//!
//! Lowercase; accents folded ("está" → "esta", "ß" → "ss"); every character that is not a
//! letter or digit separates words, except an apostrophe inside a word, which joins it ("don't"
//! → "dont"); and numbers become digits: a run of number words and digit groups is one token of
//! digits ("one two three" → "123", "12 34 56" → "123456", "four oh seven" → "407", "double
//! five" → "55", "twenty three" → "23", "one hundred and five" → "105", "nineteen ninety nine" →
//! "1999"). English number words are always read; Spanish and German digit words ("cinco",
//! "fünf") only in text of that language, so an English "once" stays a word.
//!
//! Digits go this way (words → digits) because the things rubrics look for in numbers (order
//! numbers, read-backs) are digit strings, and a spoken "one two three" must equal a written
//! "123".

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// One word of a segment's text: folded lowercase, and where it sits in the original text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawWord {
    pub text: String,
    /// Index of the segment (in the caller's list) the word comes from.
    pub seg: usize,
    /// Byte range of the word in that segment's original text.
    pub start: usize,
    pub end: usize,
}

/// A normalised token and the raw words it stands for (`first..=last`; several for numbers).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub text: String,
    pub first: usize,
    pub last: usize,
}

/// `text` normalised (see the module docs) as words separated by single spaces. `language` is
/// a language tag ("en", "es-MX"); it only decides which non-English digit words are read.
pub fn normalise(text: &str, language: Option<&str>) -> String {
    let mut raw = Vec::new();
    split_words(text, 0, &mut raw);
    let lang = language.map(crate::call::primary_language);
    tokens(&raw, lang.as_deref())
        .into_iter()
        .map(|t| t.text)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Appends the words of `text` (segment `seg`) to `out`.
pub(crate) fn split_words(text: &str, seg: usize, out: &mut Vec<RawWord>) {
    let mut current: Option<RawWord> = None;
    let mut chars = text.char_indices().peekable();
    let mut prev_alpha = false;
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() {
            let word = current.get_or_insert_with(|| RawWord {
                text: String::new(),
                seg,
                start: i,
                end: i,
            });
            fold_char(c, &mut word.text);
            word.end = i + c.len_utf8();
            prev_alpha = c.is_alphabetic();
            continue;
        }
        // "don't", "l'avion": an apostrophe between letters joins the word.
        let next_alpha = chars.peek().is_some_and(|&(_, n)| n.is_alphabetic());
        if matches!(c, '\'' | '\u{2019}') && prev_alpha && next_alpha && current.is_some() {
            continue;
        }
        if is_combining_mark(c) && current.is_some() {
            continue;
        }
        if let Some(word) = current.take() {
            out.push(word);
        }
        prev_alpha = false;
    }
    if let Some(word) = current.take() {
        out.push(word);
    }
}

fn fold_char(c: char, out: &mut String) {
    match c {
        'ß' | 'ẞ' => out.push_str("ss"),
        'æ' | 'Æ' => out.push_str("ae"),
        'œ' | 'Œ' => out.push_str("oe"),
        'ø' | 'Ø' => out.push('o'),
        'ł' | 'Ł' => out.push('l'),
        _ => {
            for d in c.nfd().filter(|d| !is_combining_mark(*d)) {
                out.extend(d.to_lowercase());
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Num {
    Digits(String),
    Unit(u64),
    Teen(u64),
    Tens(u64),
    Hundred,
    Thousand,
    /// "double"/"triple": the next digit said n times.
    Repeat(usize),
    /// "oh" between two numbers: a zero.
    Oh,
    /// "and" inside "one hundred and five".
    And,
}

impl Num {
    fn is_value(&self) -> bool {
        !matches!(self, Num::Repeat(_) | Num::Oh | Num::And)
    }

    fn is_single_digit(&self) -> bool {
        match self {
            Num::Unit(_) => true,
            Num::Digits(d) => d.len() == 1,
            _ => false,
        }
    }
}

fn classify(word: &str, lang: Option<&str>) -> Option<Num> {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Num::Digits(word.to_owned()));
    }
    const UNITS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    const TEENS: [&str; 10] = [
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
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    const ES: [&str; 10] = [
        "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
    ];
    // Folded: "fünf" → "funf"; "zwo" is how German speakers say 2 on the phone.
    const DE: [&str; 10] = [
        "null", "eins", "zwei", "drei", "vier", "funf", "sechs", "sieben", "acht", "neun",
    ];
    let pos = |list: &[&str]| list.iter().position(|w| *w == word).map(|i| i as u64);
    if let Some(n) = pos(&UNITS) {
        return Some(Num::Unit(n));
    }
    if let Some(n) = pos(&TEENS) {
        return Some(Num::Teen(10 + n));
    }
    if let Some(n) = pos(&TENS) {
        return Some(Num::Tens(20 + 10 * n));
    }
    match lang {
        Some("es") => {
            if let Some(n) = pos(&ES) {
                return Some(Num::Unit(n));
            }
        }
        Some("de") => {
            if word == "zwo" {
                return Some(Num::Unit(2));
            }
            if let Some(n) = pos(&DE) {
                return Some(Num::Unit(n));
            }
        }
        _ => {}
    }
    match word {
        "hundred" => Some(Num::Hundred),
        "thousand" => Some(Num::Thousand),
        "double" => Some(Num::Repeat(2)),
        "triple" => Some(Num::Repeat(3)),
        "oh" | "o" => Some(Num::Oh),
        "and" => Some(Num::And),
        _ => None,
    }
}

/// Normalised tokens of `raw` (the words of one or more segments, in order).
pub(crate) fn tokens(raw: &[RawWord], lang: Option<&str>) -> Vec<Token> {
    let classes: Vec<Option<Num>> = raw.iter().map(|w| classify(&w.text, lang)).collect();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let run_end = number_run_end(&classes, i);
        if run_end > i {
            let items: Vec<Num> = classes[i..run_end].iter().flatten().cloned().collect();
            out.push(Token {
                text: digits_of(&items),
                first: i,
                last: run_end - 1,
            });
            i = run_end;
        } else {
            out.push(Token {
                text: raw[i].text.clone(),
                first: i,
                last: i,
            });
            i += 1;
        }
    }
    out
}

/// The end (exclusive) of the run of number words starting at `start`; `start` if none.
fn number_run_end(classes: &[Option<Num>], start: usize) -> usize {
    let mut end = start;
    while let Some(Some(item)) = classes.get(end) {
        let prev = end
            .checked_sub(1)
            .filter(|&p| p >= start)
            .and_then(|p| classes[p].as_ref());
        let next = classes.get(end + 1).and_then(Option::as_ref);
        let ok = match item {
            Num::Repeat(_) => next.is_some_and(Num::is_single_digit),
            Num::Oh => {
                prev.is_some_and(Num::is_value)
                    && next.is_some_and(|n| n.is_value() || matches!(n, Num::Oh))
                    || matches!(prev, Some(Num::Oh)) && next.is_some_and(Num::is_value)
            }
            Num::And => {
                matches!(prev, Some(Num::Hundred | Num::Thousand))
                    && matches!(next, Some(Num::Unit(1..) | Num::Teen(_) | Num::Tens(_)))
            }
            _ => true,
        };
        if !ok {
            break;
        }
        end += 1;
    }
    end
}

/// A run of number words as one digit string: values are written out and concatenated, so
/// digit-by-digit speech and grouped numbers both come out as the digits a person would type.
fn digits_of(items: &[Num]) -> String {
    let mut out = String::new();
    let mut p = 0;
    while p < items.len() {
        match &items[p] {
            Num::Digits(d) => {
                out.push_str(d);
                p += 1;
            }
            Num::Oh => {
                out.push('0');
                p += 1;
            }
            Num::And => p += 1,
            Num::Repeat(n) => {
                let digit = match items.get(p + 1) {
                    Some(Num::Unit(u)) => u.to_string(),
                    Some(Num::Digits(d)) => d.clone(),
                    _ => String::new(),
                };
                out.push_str(&digit.repeat(*n));
                p += 2;
            }
            Num::Hundred | Num::Thousand | Num::Unit(_) | Num::Teen(_) | Num::Tens(_) => {
                let (value, next) = compound(items, p);
                out.push_str(&value.to_string());
                p = next;
            }
        }
    }
    out
}

/// "twenty three", "one hundred and five", "two thousand five": one value from `p`.
fn compound(items: &[Num], mut p: usize) -> (u64, usize) {
    let mut value = match items[p] {
        Num::Hundred | Num::Thousand => 1,
        _ => {
            let (v, next) = below_hundred(items, p);
            p = next;
            v
        }
    };
    if matches!(items.get(p), Some(Num::Hundred)) {
        value *= 100;
        p += 1;
        p = skip_and(items, p);
        if let Some((v, next)) = below_hundred_opt(items, p) {
            value += v;
            p = next;
        }
    }
    if matches!(items.get(p), Some(Num::Thousand)) {
        value *= 1000;
        p += 1;
        p = skip_and(items, p);
        if let Some((mut v, mut next)) = below_hundred_opt(items, p) {
            if matches!(items.get(next), Some(Num::Hundred)) {
                v *= 100;
                next = skip_and(items, next + 1);
                if let Some((w, after)) = below_hundred_opt(items, next) {
                    v += w;
                    next = after;
                }
            }
            value += v;
            p = next;
        }
    }
    (value, p)
}

fn skip_and(items: &[Num], p: usize) -> usize {
    if matches!(items.get(p), Some(Num::And)) {
        p + 1
    } else {
        p
    }
}

fn below_hundred(items: &[Num], p: usize) -> (u64, usize) {
    below_hundred_opt(items, p).unwrap_or((0, p + 1))
}

fn below_hundred_opt(items: &[Num], p: usize) -> Option<(u64, usize)> {
    match items.get(p)? {
        Num::Tens(t) => match items.get(p + 1) {
            Some(Num::Unit(u @ 1..)) => Some((t + u, p + 2)),
            _ => Some((*t, p + 1)),
        },
        Num::Teen(n) | Num::Unit(n) => Some((*n, p + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_numbers_case_punctuation_and_accents() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("Hello, THANK you!", None, "hello thank you"),
            ("one two three", None, "123"),
            ("It's #123-456.", None, "its 123456"),
            ("order 12 34 56 please", None, "order 123456 please"),
            ("four oh seven", None, "407"),
            ("oh no", None, "oh no"),
            ("double five seven", None, "557"),
            ("a double room", None, "a double room"),
            ("twenty three", None, "23"),
            ("twenty zero", None, "200"),
            ("one hundred and five", None, "105"),
            ("nineteen ninety nine", None, "1999"),
            ("two thousand and five", None, "2005"),
            ("three thousand four hundred twenty one", None, "3421"),
            ("rock and roll", None, "rock and roll"),
            ("Está roto, lo siento", Some("es"), "esta roto lo siento"),
            ("cinco cuatro tres", Some("es-MX"), "543"),
            ("cinco cuatro tres", Some("en"), "cinco cuatro tres"),
            ("Fünf sechs, zwo", Some("de"), "562"),
            ("Straße", None, "strasse"),
            ("don’t shut-up", None, "dont shut up"),
            ("", None, ""),
        ];
        for (text, lang, want) in cases {
            assert_eq!(normalise(text, *lang), *want, "{text:?} ({lang:?})");
        }
    }

    #[test]
    fn tokens_point_back_at_the_original_words() {
        let text = "My number: one two, three!";
        let mut raw = Vec::new();
        split_words(text, 7, &mut raw);
        let toks = tokens(&raw, None);
        assert_eq!(toks.len(), 3);
        assert_eq!(toks[2].text, "123");
        let (a, b) = (&raw[toks[2].first], &raw[toks[2].last]);
        assert_eq!(a.seg, 7);
        assert_eq!(&text[a.start..b.end], "one two, three");
    }
}
