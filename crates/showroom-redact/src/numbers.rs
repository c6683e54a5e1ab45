//! Card numbers, security codes, expiry dates and phone numbers in runs of digit items.
//!
//! How a run of digits is judged depends on the nearest cue word before it (or just after
//! it), because one window of digits in ten passes Luhn by chance:
//! - **card context** ("card", "visa", "CVV", "expiry", or a card number just read out): a
//!   Luhn-valid window of 13–19 digits at the start of the run is the card (one or two stray
//!   digits beside it are masked with it; three or more after it are a CVV or expiry said in
//!   the same breath). With no Luhn-valid window, 7 or more digits are still masked as a card,
//!   without last four: ASR mishears single digits, so in card context a failed checksum is
//!   more likely a transcription error than another kind of number, and masking it costs
//!   little. 3–6 digits are a security code (or an expiry date after "expiry"), unless a
//!   unit or currency makes them a quantity ("3 hours", "$129").
//! - **elsewhere** (no cue, or "order", "tracking", "code", "phone" …): the whole run must pass
//!   Luhn, or a 16-digit window with at most 3 stray digits around it ("two", "oh" glued to
//!   the number); a Luhn-failing number is kept, a Luhn-valid one is masked whatever the cue.
//!
//! Phone numbers are 7–15 digits that libphonenumber accepts: international after `+`,
//! "plus", `00` or `011`, national in one of the policy's regions. After "phone", "call me",
//! "mobile" … any 7–15 digits are taken (a US number without area code is not "valid");
//! after "order", "tracking", "zip" … none is.

use phonenumber::country::Id;

use crate::Detection;
use crate::context::{CARD_BEFORE, CODE_BEFORE, Context, PHONE_BEFORE};
use crate::items::{Item, Run};
use crate::policy::{PiiKind, Region};
use crate::token::{Kind, NumClass, Token};
use crate::words::{self, Cue};

/// Whether a run is read in card context.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Card,
    Other,
}

fn mode_for(cue: Option<Cue>) -> Mode {
    match cue {
        Some(c) if c.is_card() => Mode::Card,
        _ => Mode::Other,
    }
}

/// Digits a card window may leave out at a run's edge outside card context.
const EDGE_SLACK: usize = 3;

/// Finds cards, codes, expiry dates and phones in `runs` (and `MM/YY` literals from token
/// `from` on).
///
/// A card found late in the text is a cue for numbers before it too ("… 123, and that's after
/// my card 4111 …"), so the search repeats until no new card turns up: then every number was
/// judged knowing every card, as a second pass over the redacted text (where the cards are
/// masks, and so cues) will judge it.
pub(crate) fn find(
    toks: &[Token<'_>],
    runs: &[Run],
    from: usize,
    ctx: &mut Context,
    regions: &[Region],
) -> Vec<Detection> {
    const MAX_ROUNDS: usize = 4;
    let mut dets = Vec::new();
    for _ in 0..MAX_ROUNDS {
        dets.clear();
        let mut finder = Finder {
            toks,
            ctx: &mut *ctx,
            regions,
            dets: &mut dets,
            new_cards: 0,
        };
        for run in runs {
            finder.run(run);
        }
        finder.expiry_literals(from);
        if finder.new_cards == 0 {
            break;
        }
    }
    dets
}

struct Finder<'t, 'a> {
    toks: &'t [Token<'a>],
    ctx: &'t mut Context,
    regions: &'t [Region],
    dets: &'t mut Vec<Detection>,
    /// Cards found this round that were not yet cues.
    new_cards: usize,
}

impl Finder<'_, '_> {
    fn run(&mut self, run: &Run) {
        let first = run.items[0].first;
        let last = run.items[run.items.len() - 1].last;
        let mode = mode_for(self.ctx.nearest(self.toks, first, last, CARD_BEFORE));
        self.piece(&run.items, mode, true);
    }

    /// `MM/YY` literals said in card context, from token `from` on.
    fn expiry_literals(&mut self, from: usize) {
        for (i, t) in self.toks.iter().enumerate().skip(from) {
            if t.kind == Kind::Num(NumClass::ExpiryLike)
                && self
                    .ctx
                    .nearest(self.toks, i, i, CODE_BEFORE)
                    .is_some_and(Cue::is_card)
            {
                self.dets.push(Detection::new(PiiKind::Expiry, i, i));
            }
        }
    }

    fn piece(&mut self, items: &[Item], mode: Mode, run_start: bool) {
        if items.is_empty() {
            return;
        }
        let total = digit_count(items);
        // "+86 138 1234 5678" has 13 digits and may pass Luhn: after a `+` it is a phone.
        if run_start
            && total <= 15
            && plus_before(self.toks, items[0].first).is_some()
            && self.phone(items, run_start)
        {
            return;
        }
        if total >= 13
            && let Some((a, b)) = card_window(items, mode)
        {
            let last4 = last4(&items[a..b]);
            // In card context one or two digits left beside the card are part of it, misheard
            // (the Luhn window is then only our best guess at the number).
            let (mut a2, mut b2) = (a, b);
            if mode == Mode::Card {
                if digit_count(&items[..a]) < 3 {
                    a2 = 0;
                }
                if digit_count(&items[b..]) < 3 {
                    b2 = items.len();
                }
            }
            self.card(&items[a2..b2], last4);
            // Whatever else is left beside a card is read in card context: a CVV or expiry
            // said in the same breath, or a second card.
            self.piece(&items[..a2], Mode::Card, run_start);
            self.piece(&items[b2..], Mode::Card, false);
            return;
        }
        if mode == Mode::Card && total >= 7 {
            // Luhn failed or too short: still a card here, but where it ends is unknown, so
            // no last four digits are shown (they might be a CVV's).
            self.card(items, None);
            return;
        }
        if (3..=6).contains(&total) {
            match self.short_code(items, total) {
                // Every card found is a cue for what follows, as its mask will be.
                Some(PiiKind::Card) => self.card(items, None),
                Some(kind) => {
                    let (first, last) = (items[0].first, items[items.len() - 1].last);
                    self.dets.push(Detection::new(kind, first, last));
                }
                None => {}
            }
            return;
        }
        if (7..=16).contains(&total) {
            self.phone(items, run_start);
        }
    }

    fn card(&mut self, items: &[Item], last4: Option<[u8; 4]>) {
        let (first, last) = (items[0].first, items[items.len() - 1].last);
        let mut det = Detection::new(PiiKind::Card, first, last);
        det.last4 = last4;
        self.dets.push(det);
        if self.ctx.add(first, last, Cue::Card) {
            self.new_cards += 1;
        }
    }

    /// A security code or expiry date of 3–6 digits near a card cue.
    fn short_code(&self, items: &[Item], total: usize) -> Option<PiiKind> {
        let (first, last) = (items[0].first, items[items.len() - 1].last);
        let mut cue = self.ctx.nearest(self.toks, first, last, CODE_BEFORE)?;
        if cue == Cue::WeakCode && self.ctx.card_before(self.toks, first, CARD_BEFORE) {
            cue = Cue::SecurityCode;
        }
        if !cue.is_card() || self.quantity_around(first, last) {
            return None;
        }
        // "the last four digits of the card? 4242": asked for the last four, not a code.
        let code_cue = |c: Cue| {
            matches!(
                c,
                Cue::LastFour | Cue::SecurityCode | Cue::WeakCode | Cue::Expiry
            )
        };
        if self.ctx.nearest_of(self.toks, first, CODE_BEFORE, code_cue) == Some(Cue::LastFour) {
            return None;
        }
        let month_like = || {
            let d = concat(items);
            matches!(
                d.get(..2),
                Some(
                    "01" | "02"
                        | "03"
                        | "04"
                        | "05"
                        | "06"
                        | "07"
                        | "08"
                        | "09"
                        | "10"
                        | "11"
                        | "12"
                )
            )
        };
        match (cue, total) {
            (Cue::Expiry, 3..=6) => Some(PiiKind::Expiry),
            (_, 3..=4) => Some(PiiKind::SecurityCode),
            (_, 5..=6) if month_like() => Some(PiiKind::Expiry),
            (_, 5..=6) => Some(PiiKind::Card),
            _ => None,
        }
    }

    /// "3 hours", "200 dollars", "$129": a quantity, not a code.
    fn quantity_around(&self, first: usize, last: usize) -> bool {
        let mut j = last + 1;
        if self
            .toks
            .get(j)
            .is_some_and(|t| t.is_sym('-') && !t.space_before)
        {
            j += 1;
        }
        let unit_after = self
            .toks
            .get(j)
            .is_some_and(|t| (t.kind == Kind::Word && words::is_unit(&t.key)) || t.is_sym('%'));
        let currency_before = first > 0
            && matches!(
                self.toks[first - 1].kind,
                Kind::Sym('$' | '€' | '£' | '¥' | '₹' | '₩' | '₽')
            );
        unit_after || currency_before
    }

    /// Masks a phone number in `items` if there is one; says whether it did.
    fn phone(&mut self, items: &[Item], run_start: bool) -> bool {
        let (first, last) = (items[0].first, items[items.len() - 1].last);
        let plus = if run_start {
            plus_before(self.toks, first)
        } else {
            None
        };
        let cue = self.ctx.nearest(self.toks, first, last, PHONE_BEFORE);
        if plus.is_none() && matches!(cue, Some(Cue::OtherId | Cue::LastFour)) {
            return false;
        }
        let n = items.len();
        // The whole run, or without one stray digit at either end ("oh", "two").
        let variants = [(0, n), (1, n), (0, n - 1)];
        for (a, b) in variants {
            let stray_ok = (a == 0 || items[0].digits.len() == 1)
                && (b == n || items[n - 1].digits.len() == 1);
            if a >= b || !stray_ok {
                continue;
            }
            let digits = concat(&items[a..b]);
            if !(7..=15).contains(&digits.len()) {
                continue;
            }
            let intl = plus.is_some() && a == 0;
            if valid_phone(&digits, intl, self.regions) {
                let start = if a == 0 {
                    plus.unwrap_or(first)
                } else {
                    items[a].first
                };
                self.push_phone(start, items[b - 1].last);
                return true;
            }
        }
        let total = digit_count(items);
        if cue == Some(Cue::Phone) && (7..=15).contains(&total) {
            self.push_phone(plus.unwrap_or(first), last);
            return true;
        }
        false
    }

    fn push_phone(&mut self, start: usize, last: usize) {
        // "(415) 555-2671": the opening bracket goes with the number.
        let start = if start > 0 && self.toks[start - 1].is_sym('(') {
            start - 1
        } else {
            start
        };
        self.dets.push(Detection::new(PiiKind::Phone, start, last));
    }
}

/// The best Luhn-valid window of 13–19 digits allowed in `mode`, as an item range: the
/// longest, then the one leaving the fewest digits out, then the earliest.
fn card_window(items: &[Item], mode: Mode) -> Option<(usize, usize)> {
    let digits = concat(items);
    let bytes = digits.as_bytes();
    let mut prefix = Vec::with_capacity(items.len() + 1);
    prefix.push(0usize);
    for it in items {
        prefix.push(prefix[prefix.len() - 1] + it.digits.len());
    }
    let total = bytes.len();
    let mut best: Option<(usize, usize, usize)> = None; // (len, a, b)
    for a in 0..items.len() {
        for b in a + 1..=items.len() {
            let len = prefix[b] - prefix[a];
            if len > 19 {
                break;
            }
            if len < 13 {
                continue;
            }
            let (left, right) = (prefix[a], total - prefix[b]);
            // One window in ten passes Luhn by chance, so which windows may be tried matters
            // more than the checksum once digits are read one by one.
            let allowed = match mode {
                // Card first, then maybe the CVV; a longer run may also end with the card.
                Mode::Card if total <= 19 => left < 3,
                Mode::Card => left <= EDGE_SLACK || right <= EDGE_SLACK,
                // The whole run, or a 16-digit card beside a stray "two" or "oh". Other
                // lengths with strays would let too many windows try their luck.
                Mode::Other => {
                    (left == 0 && right == 0)
                        || (len == 16 && left <= EDGE_SLACK && right <= EDGE_SLACK)
                }
            };
            // No card number starts with 0 (ISO/IEC 7812); international prefixes do.
            if !allowed || bytes[prefix[a]] == b'0' || !luhn(&bytes[prefix[a]..prefix[b]]) {
                continue;
            }
            // Longer wins; on a tie the earlier one (found first) stays.
            if best.is_none_or(|(best_len, _, _)| len > best_len) {
                best = Some((len, a, b));
            }
        }
    }
    best.map(|(_, a, b)| (a, b))
}

/// The Luhn (mod 10) check of payment card numbers.
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &b) in digits.iter().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

fn digit_count(items: &[Item]) -> usize {
    items.iter().map(|it| it.digits.len()).sum()
}

/// The last four digits of a Luhn-valid card window.
fn last4(items: &[Item]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut n = 0;
    for b in items
        .iter()
        .rev()
        .flat_map(|it| it.digits.bytes().rev())
        .take(4)
    {
        out[3 - n] = b;
        n += 1;
    }
    (n == 4).then_some(out)
}

fn concat(items: &[Item]) -> String {
    items.iter().map(|it| it.digits.as_str()).collect()
}

/// `+` or "plus" right before the number.
fn plus_before(toks: &[Token<'_>], first: usize) -> Option<usize> {
    let p = first.checked_sub(1)?;
    (toks[p].is_sym('+') || toks[p].is_word("plus")).then_some(p)
}

/// libphonenumber's verdict: international with `+` (or an `00`/`011` prefix), or national
/// in one of `regions`.
fn valid_phone(digits: &str, intl: bool, regions: &[Region]) -> bool {
    let valid = |region: Option<Id>, s: &str| {
        phonenumber::parse(region, s).is_ok_and(|n| phonenumber::is_valid(&n))
    };
    if intl {
        return valid(None, &format!("+{digits}"));
    }
    for prefix in ["00", "011"] {
        if let Some(rest) = digits.strip_prefix(prefix)
            && valid(None, &format!("+{rest}"))
        {
            return true;
        }
    }
    let trunk_zero = digits.starts_with('0');
    regions
        .iter()
        .filter(|r| trunk_zero || !says_trunk_zero(r.0))
        .any(|r| valid(Some(r.0), digits))
}

/// Regions whose national numbers are said with their leading `0` ("030 …", "07911 …",
/// "06 …", "090 …"). Without it libphonenumber accepts nearly any 7–11 digits for Germany
/// (area code and subscriber number have no fixed length), so an order number would pass.
fn says_trunk_zero(id: Id) -> bool {
    matches!(
        id,
        Id::DE
            | Id::GB
            | Id::FR
            | Id::JP
            | Id::AT
            | Id::CH
            | Id::NL
            | Id::BE
            | Id::AU
            | Id::NZ
            | Id::SE
            | Id::FI
            | Id::IE
            | Id::ZA
            | Id::KR
            | Id::TR
            | Id::IL
    )
}

/// Parses one number per region so the first real call does not pay for compiling
/// libphonenumber's patterns.
pub(crate) fn warm_up(regions: &[Region]) {
    for r in regions {
        let _ = phonenumber::parse(Some(r.0), "2025550123").map(|n| phonenumber::is_valid(&n));
    }
    let _ = phonenumber::parse(None, "+442079460958").map(|n| phonenumber::is_valid(&n));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_check() {
        let table = [
            ("4111111111111111", true),
            ("4111111111111112", false),
            ("378282246310005", true),
            ("6011000990139424", true),
            ("4222222222222", true),
            ("79927398713", true),
            ("79927398710", false),
            ("1234567812345678", false),
        ];
        for (digits, want) in table {
            assert_eq!(luhn(digits.as_bytes()), want, "{digits}");
        }
    }
}
