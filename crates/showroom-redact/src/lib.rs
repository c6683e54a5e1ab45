//! PII redaction of transcript text: payment card numbers, security codes and expiry dates
//! said in card context, e-mail addresses and phone numbers are replaced by masks such as
//! `[card ••••1111]`, `[cvv]`, `[expiry]`, `[email]` and `[phone]`.
//!
//! Transcripts come from speech recognition, so numbers arrive as digits ("4111 1111 …",
//! "4111-1111-…"), as words ("four one one one", "double one", "oh", "forty-one eleven",
//! "four thousand one hundred eleven"), or as a mixture split by commas and full stops; an
//! address arrives as "john dot smith at gmail dot com". [`redact_segments`] redacts the final
//! segments of one speaker together, so a card number read across two segments is still found;
//! [`redact_with_context`] also reads the other party's last words for cues ("security code?").
//!
//! What decides: Luhn for card numbers, libphonenumber (the `phonenumber` crate) for phone
//! numbers, and nearby cue words ("card", "CVV", "expiry", "order", "phone", "email" …) for
//! everything that digits alone cannot tell; see `numbers` for the rules and README.md for the
//! known limits.
//!
//! **Not here**: storage, search, transcripts or speakers. The caller keeps the unredacted text
//! in memory only and persists [`Redacted`]; no public type of this crate holds or prints an
//! original value (only a card's last four digits, when [`Policy::keep_last4`] asks for them).
//!
//! **Invariants**: redaction is idempotent (masks are opaque to a second pass, a card mask is
//! still a card cue, and cue distances count only words a pass never replaces); text outside
//! a mask is copied byte for byte; no clocks, no I/O, no per-call regex compilation.

mod context;
mod email;
mod items;
mod numbers;
mod policy;
mod render;
mod token;
mod words;

pub use policy::{MaskStyle, PiiKind, Policy, Region, UnknownRegion};
pub use render::{Part, Redacted, Span};

/// A finding, as a token range. Crate-private: `last4` is the only value it keeps.
pub(crate) struct Detection {
    kind: PiiKind,
    first: usize,
    last: usize,
    last4: Option<[u8; 4]>,
}

impl Detection {
    fn new(kind: PiiKind, first: usize, last: usize) -> Self {
        Self {
            kind,
            first,
            last,
            last4: None,
        }
    }
}

/// Redacts one piece of text.
/// Whether `text` ends in the middle of what could be a number being read out (digits or
/// number words at its end): the speaker's next segment may continue it, so a caller that
/// stores segments should hold this one back and redact it together with the next.
pub fn may_continue_a_number(text: &str) -> bool {
    // The last word that is not a hesitation ("…one one, uh").
    let last = text
        .split(|c: char| c.is_whitespace() || words::is_gap_sym(c))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|w| !w.is_empty())
        .rev()
        .find(|w| !words::is_gap_word(w));
    last.is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()) || words::is_number_word(&w))
}

pub fn redact(text: &str, policy: &Policy) -> Redacted {
    redact_segments(&[text], policy)
        .pop()
        .expect("one segment in, one out")
}

/// Redacts consecutive segments of one speaker as one text, so that a number or address
/// said across a segment boundary is found; returns one [`Redacted`] per segment, in order.
///
/// A live caller that wants numbers split across finals caught should keep the previous
/// final (unredacted, in memory only) and pass it along with the new one.
pub fn redact_segments(segs: &[&str], policy: &Policy) -> Vec<Redacted> {
    redact_with_context(&[], segs, policy)
}

/// Like [`redact_segments`], with what was said just before (`context`, oldest first, by
/// anyone: typically the other party's last segments) read for cue words only. The agent
/// asks "and the security code on the back?", the shopper answers "seven three seven": only
/// the agent's words make that a CVV. Nothing in `context` is masked or returned, and no
/// number runs from `context` into `segs`.
pub fn redact_with_context(context: &[&str], segs: &[&str], policy: &Policy) -> Vec<Redacted> {
    let nothing_to_mask = !(policy.cards
        || policy.security_codes
        || policy.expiry_dates
        || policy.emails
        || policy.phones);
    if nothing_to_mask {
        return segs
            .iter()
            .map(|s| Redacted {
                text: (*s).to_string(),
                spans: Vec::new(),
            })
            .collect();
    }
    let all: Vec<&str> = context.iter().chain(segs).copied().collect();
    let mut toks = token::tokenize(&all);
    let no_skip = vec![false; toks.len()];
    token::assign_ords(&mut toks, &no_skip);
    // Tokens of the context segments: cues only.
    let from_tok = toks.partition_point(|t| t.seg < context.len());
    let mut ctx = context::Context::build(&toks);
    let mut dets = Vec::new();
    let mut consumed = email::detect(&toks, &ctx, &mut dets);
    dets.retain(|d| d.first >= from_tok);
    token::assign_ords(&mut toks, &consumed);
    consumed[..from_tok].fill(true);
    let runs = items::runs(&toks, &consumed, &ctx);
    dets.extend(numbers::find(
        &toks,
        &runs,
        from_tok,
        &mut ctx,
        &policy.phone_regions,
    ));
    let mut out = render::render(&all, &toks, dets, policy);
    out.drain(..context.len());
    out
}

/// Compiles the patterns and loads libphonenumber's metadata ahead of the first call (tens
/// to hundreds of milliseconds, once per process), so the first live segment is as fast as
/// the others.
pub fn warm_up(policy: &Policy) {
    let _ = redact(
        "card 4111 1111 1111 1111 cvv 123, john at gmail dot com, +1 415 555 2671",
        policy,
    );
    numbers::warm_up(&policy.phone_regions);
}
