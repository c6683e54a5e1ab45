//! Turns tokens into runs of digit items: numbers written as digits, read digit by digit
//! ("four one one one"), in pairs ("forty-one eleven"), with "double"/"triple", "oh" for zero,
//! or as compounds ("four thousand one hundred eleven"), joined by spaces, commas, dashes,
//! full stops and hesitations.

use crate::context::{CARD_BEFORE, Context};
use crate::token::{Kind, NumClass, Token};
use crate::words;

/// Consecutive tokens that say one or more digits. Holds unredacted digits: no `Debug`.
pub(crate) struct Item {
    pub first: usize,
    pub last: usize,
    pub digits: String,
}

/// Items with only separators between them.
pub(crate) struct Run {
    pub items: Vec<Item>,
}

/// At most this many separator tokens ("4111, uh, 1111") between two items of a run.
const MAX_GAP: usize = 3;

pub(crate) fn runs(toks: &[Token<'_>], consumed: &[bool], ctx: &Context) -> Vec<Run> {
    let reader = Reader { toks, consumed };
    let mut runs = Vec::new();
    let mut cur: Vec<Item> = Vec::new();
    let mut gap = 0;
    let mut i = 0;
    while i < toks.len() {
        if !consumed[i] {
            if let Some((digits, next)) = reader.item_at(i, ctx) {
                cur.push(Item {
                    first: i,
                    last: next - 1,
                    digits,
                });
                gap = 0;
                i = next;
                continue;
            }
            let t = &toks[i];
            let is_gap = match t.kind {
                Kind::Sym(c) => words::is_gap_sym(c),
                Kind::Word => words::is_gap_word(&t.key),
                _ => false,
            };
            if is_gap && !cur.is_empty() && gap < MAX_GAP {
                gap += 1;
                i += 1;
                continue;
            }
        }
        if !cur.is_empty() {
            runs.push(Run {
                items: std::mem::take(&mut cur),
            });
        }
        gap = 0;
        i += 1;
    }
    if !cur.is_empty() {
        runs.push(Run { items: cur });
    }
    runs
}

struct Reader<'t, 'a> {
    toks: &'t [Token<'a>],
    consumed: &'t [bool],
}

impl Reader<'_, '_> {
    fn usable(&self, j: usize) -> Option<&Token<'_>> {
        (j < self.toks.len() && !self.consumed[j]).then(|| &self.toks[j])
    }

    fn word(&self, j: usize) -> Option<&str> {
        self.usable(j)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.key.as_ref())
    }

    /// The digits said from token `i` on, and the index of the first token after them.
    fn item_at(&self, i: usize, ctx: &Context) -> Option<(String, usize)> {
        let t = &self.toks[i];
        match t.kind {
            Kind::Num(NumClass::Digits) => Some((t.text.to_string(), i + 1)),
            // "4,111" is how Whisper may write "four thousand one hundred eleven"; only in card
            // context is such a figure taken for digits.
            Kind::Num(NumClass::Quantity) if is_thousands(t.text) => {
                let in_card = ctx
                    .nearest(self.toks, i, i, CARD_BEFORE)
                    .is_some_and(|c| c.is_card());
                let unit_after = self.word(i + 1).is_some_and(words::is_unit);
                (in_card && !unit_after)
                    .then(|| (t.text.chars().filter(char::is_ascii_digit).collect(), i + 1))
            }
            Kind::Word => self.word_item(i),
            _ => None,
        }
    }

    fn word_item(&self, i: usize) -> Option<(String, usize)> {
        let w = self.toks[i].key.as_ref();
        if let Some(n) = words::repeat(w) {
            let next = self.usable(i + 1)?;
            let d = match next.kind {
                Kind::Word if words::is_soft_zero(&next.key) => 0,
                Kind::Word => words::unit(&next.key)?,
                Kind::Num(NumClass::Digits) if next.text.len() == 1 => {
                    next.text.as_bytes()[0] - b'0'
                }
                _ => return None,
            };
            return Some((
                std::iter::repeat_n(char::from(b'0' + d), n).collect(),
                i + 2,
            ));
        }
        if words::is_soft_zero(w) {
            return (self.soft_zero_ok(i)).then(|| ("0".to_string(), i + 1));
        }
        self.compound(i)
    }

    /// "oh" is a zero only beside another digit, with nothing but spaces or dashes between.
    fn soft_zero_ok(&self, i: usize) -> bool {
        let hard = |t: &Token<'_>| match t.kind {
            Kind::Num(NumClass::Digits) => true,
            Kind::Word => {
                let w = t.key.as_ref();
                words::unit(w).is_some()
                    || words::teen(w).is_some()
                    || words::tens(w).is_some()
                    || words::repeat(w).is_some()
            }
            _ => false,
        };
        let passable =
            |t: &Token<'_>| t.is_sym('-') || (t.kind == Kind::Word && words::is_soft_zero(&t.key));
        let mut j = i;
        while j > 0 {
            j -= 1;
            let Some(t) = self.usable(j) else { break };
            if hard(t) {
                return true;
            }
            if !passable(t) {
                break;
            }
        }
        let mut j = i + 1;
        while let Some(t) = self.usable(j) {
            if hard(t) {
                return true;
            }
            if !passable(t) {
                break;
            }
            j += 1;
        }
        false
    }

    /// A number below 100 at `i`: (value, next token, said as a single digit, English).
    fn below_100(&self, i: usize) -> Option<(u32, usize, bool, bool)> {
        let w = self.word(i)?;
        if let Some(u) = words::unit(w) {
            return Some((u32::from(u), i + 1, true, words::english_unit(w).is_some()));
        }
        if let Some(t) = words::teen(w) {
            return Some((u32::from(t), i + 1, false, true));
        }
        let t = words::tens(w)?;
        let mut j = i + 1;
        if self
            .usable(j)
            .is_some_and(|t| t.is_sym('-') && !t.space_before)
        {
            j += 1;
        }
        if let Some(u) = self.word(j).and_then(words::english_unit) {
            return Some((u32::from(t) + u32::from(u), j + 1, false, true));
        }
        Some((u32::from(t), i + 1, false, true))
    }

    /// An English number below 100 that can follow "hundred"/"thousand" (optionally after
    /// "and"); zero cannot.
    fn tail_below_100(&self, j: usize) -> Option<(u32, usize)> {
        let j = if self.word(j) == Some("and") {
            j + 1
        } else {
            j
        };
        match self.below_100(j)? {
            (v, next, _, true) if v > 0 => Some((v, next)),
            _ => None,
        }
    }

    fn compound(&self, i: usize) -> Option<(String, usize)> {
        let (mut v, mut j, mut single, english) = self.below_100(i)?;
        if english && v > 0 && self.word(j) == Some("hundred") {
            v *= 100;
            j += 1;
            single = false;
            if let Some((t, next)) = self.tail_below_100(j) {
                v += t;
                j = next;
            }
        }
        if english && v > 0 && v < 1000 && self.word(j) == Some("thousand") {
            v *= 1000;
            j += 1;
            single = false;
            if let Some((mut t, mut next)) = self.tail_below_100(j) {
                if t < 10 && self.word(next) == Some("hundred") {
                    t *= 100;
                    next += 1;
                    if let Some((u, after)) = self.tail_below_100(next) {
                        t += u;
                        next = after;
                    }
                }
                v += t;
                j = next;
            }
        }
        let digits = if single {
            char::from(b'0' + v as u8).to_string()
        } else {
            v.to_string()
        };
        Some((digits, j))
    }
}

/// `4,111` or `4,111,111`: digits grouped by thousands, no decimals.
fn is_thousands(s: &str) -> bool {
    let mut parts = s.split(',');
    let first_ok = parts.next().is_some_and(|p| (1..=3).contains(&p.len()));
    let mut n_rest = 0;
    first_ok
        && parts.all(|p| {
            n_rest += 1;
            p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit())
        })
        && n_rest > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tokenize;

    /// The digits of each run, as the reader hears them.
    fn heard(text: &str) -> Vec<String> {
        let toks = tokenize(&[text]);
        let ctx = Context::build(&toks);
        let consumed = vec![false; toks.len()];
        runs(&toks, &consumed, &ctx)
            .iter()
            .map(|r| r.items.iter().map(|it| it.digits.as_str()).collect())
            .collect()
    }

    #[test]
    fn spoken_numbers_become_digits() {
        let table: &[(&str, &[&str])] = &[
            ("four one one one", &["4111"]),
            ("four thousand one hundred eleven", &["4111"]),
            ("two thousand and five", &["2005"]),
            ("one hundred and five", &["105"]),
            ("nineteen ninety nine", &["1999"]),
            ("fifteen hundred", &["1500"]),
            ("forty-one eleven", &["4111"]),
            ("twenty one", &["21"]),
            ("twenty", &["20"]),
            ("double oh seven", &["007"]),
            ("triple five", &["555"]),
            ("four oh one", &["401"]),
            ("oh four", &["04"]),
            ("4111 one one 1", &["4111111"]),
            ("cuatro uno dos", &["412"]),
            ("null eins fünf", &["015"]),
            ("4111-1111, uh, 1111", &["411111111111"]),
            // Runs end at words.
            ("three hours and 20 minutes", &["3", "20"]),
            // "oh" is a zero only next to a digit.
            ("oh, four", &["4"]),
            ("oh I see", &[]),
            // Figures that are not digit strings.
            ("$1,299.99", &[]),
            ("10:30", &[]),
            ("2024-05-12", &[]),
            ("1.5", &[]),
        ];
        for (text, want) in table {
            assert_eq!(heard(text), *want, "{text}");
        }
    }
}
