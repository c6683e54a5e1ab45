//! Context cues: where "card", "security code", "order", "phone", "email" … were said, so a
//! number can be judged by its nearest cue.

use crate::token::{Kind, Token};
use crate::words::{CUE_INDEX, Cue};

/// How far (in words and numbers) a cue before a number still counts.
pub(crate) const CARD_BEFORE: usize = 30;
pub(crate) const CODE_BEFORE: usize = 20;
pub(crate) const PHONE_BEFORE: usize = 15;
pub(crate) const EMAIL_BEFORE: usize = 12;
/// How far a cue after a number counts ("4111 … is my card number"), when none is before it.
pub(crate) const AFTER: usize = 6;

#[derive(Clone, Copy)]
struct Hit {
    first: usize,
    last: usize,
    cue: Cue,
}

/// Cue hits in token order. Detected cards are added as they are found, so a security code
/// right after a card number is in card context even without a keyword.
pub(crate) struct Context {
    hits: Vec<Hit>,
}

impl Context {
    pub fn build(toks: &[Token<'_>]) -> Self {
        let mut hits = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            // A card masked by an earlier pass is still a card, as it was for that pass.
            let t = &toks[i];
            if t.kind == Kind::Mask && (t.text.contains('•') || t.text.starts_with("[card")) {
                hits.push(Hit {
                    first: i,
                    last: i,
                    cue: Cue::Card,
                });
                i += 1;
                continue;
            }
            match phrase_at(toks, i) {
                Some((len, cue)) => {
                    hits.push(Hit {
                        first: i,
                        last: i + len - 1,
                        cue,
                    });
                    i += len;
                }
                None => i += 1,
            }
        }
        Self { hits }
    }

    /// Records a cue found by detection (a card number) at tokens `first..=last`.
    /// Returns whether it is new.
    pub fn add(&mut self, first: usize, last: usize, cue: Cue) -> bool {
        let at = self.hits.partition_point(|h| h.first < first);
        if self
            .hits
            .get(at)
            .is_some_and(|h| h.first == first && h.last == last)
        {
            return false;
        }
        self.hits.insert(at, Hit { first, last, cue });
        true
    }

    /// The cue nearest before tokens `first..=last` within `before` words, or else the nearest
    /// after them within [`AFTER`] words.
    pub fn nearest(
        &self,
        toks: &[Token<'_>],
        first: usize,
        last: usize,
        before: usize,
    ) -> Option<Cue> {
        let idx = self.hits.partition_point(|h| h.last < first);
        if idx > 0 {
            let h = self.hits[idx - 1];
            if toks[first].ord.saturating_sub(toks[h.last].ord) <= before {
                return Some(h.cue);
            }
        }
        let after = self.hits[idx..].iter().find(|h| h.first > last)?;
        (toks[after.first].ord.saturating_sub(toks[last].ord) <= AFTER).then_some(after.cue)
    }
}

impl Context {
    /// The nearest cue before token `first` within `before` words among those `of` accepts.
    pub fn nearest_of(
        &self,
        toks: &[Token<'_>],
        first: usize,
        before: usize,
        of: impl Fn(Cue) -> bool,
    ) -> Option<Cue> {
        let idx = self.hits.partition_point(|h| h.last < first);
        self.hits[..idx]
            .iter()
            .rev()
            .take_while(|h| toks[first].ord.saturating_sub(toks[h.last].ord) <= before)
            .map(|h| h.cue)
            .find(|&c| of(c))
    }

    /// Whether a card cue (or a card number) was said within `before` words before token `first`.
    pub fn card_before(&self, toks: &[Token<'_>], first: usize, before: usize) -> bool {
        let idx = self.hits.partition_point(|h| h.last < first);
        self.hits[..idx]
            .iter()
            .rev()
            .take_while(|h| toks[first].ord.saturating_sub(toks[h.last].ord) <= before)
            .any(|h| h.cue.is_card())
    }
}

/// The cue phrase starting at token `i`, as (number of tokens, cue).
fn phrase_at(toks: &[Token<'_>], i: usize) -> Option<(usize, Cue)> {
    let t = &toks[i];
    if !matches!(t.kind, Kind::Word | Kind::Num(_)) {
        return None;
    }
    let candidates = CUE_INDEX.get(t.key.as_ref())?;
    candidates.iter().find_map(|(words, cue)| {
        let matches = words.iter().enumerate().all(|(k, w)| {
            toks.get(i + k)
                .is_some_and(|t| matches!(t.kind, Kind::Word | Kind::Num(_)) && t.key == *w)
        });
        matches.then_some((words.len(), *cue))
    })
}
