//! E-mail addresses: written (`john.smith@gmail.com`) and spoken ("john dot smith at gmail
//! dot com", "j o h n underscore s at hotmail dot co dot uk", "mary at acme.com").

use crate::Detection;
use crate::context::{Context, EMAIL_BEFORE};
use crate::policy::PiiKind;
use crate::token::{Kind, NumClass, Token};
use crate::words::{self, Cue};

/// Finds addresses and returns which tokens they cover, so numbers inside them (`john42@…`)
/// are not looked at again.
pub(crate) fn detect(toks: &[Token<'_>], ctx: &Context, dets: &mut Vec<Detection>) -> Vec<bool> {
    let mut consumed = vec![false; toks.len()];
    let mut i = 0;
    while i < toks.len() {
        if toks[i].kind == Kind::Email {
            consumed[i] = true;
            dets.push(Detection::new(PiiKind::Email, i, i));
            i += 1;
            continue;
        }
        if let Some((first, last)) = spoken_at(toks, ctx, i) {
            consumed[first..=last].fill(true);
            dets.push(Detection::new(PiiKind::Email, first, last));
            i = last + 1;
            continue;
        }
        i += 1;
    }
    consumed
}

/// A part of an address: a word or a group of digits.
fn is_label(t: &Token<'_>) -> bool {
    match t.kind {
        Kind::Word => !t.text.contains(['\'', '’']),
        Kind::Num(NumClass::Digits) => true,
        _ => false,
    }
}

fn label_at(toks: &[Token<'_>], j: usize) -> bool {
    toks.get(j).is_some_and(is_label)
}

/// An address whose "at" is token `i`, as its first and last token.
fn spoken_at(toks: &[Token<'_>], ctx: &Context, i: usize) -> Option<(usize, usize)> {
    let t = &toks[i];
    let (written_at, marker_len) = match t.kind {
        Kind::Sym('@') => (true, 1),
        Kind::Word if words::is_at_word(&t.key) => {
            let sign = toks
                .get(i + 1)
                .is_some_and(|n| n.is_word("sign") || n.is_word("symbol"));
            (false, if sign { 2 } else { 1 })
        }
        _ => return None,
    };
    if i == 0 {
        return None;
    }
    let (domain_last, provider) = domain(toks, i + marker_len)?;
    let local = local_part(toks, i - 1)?;
    let email_cue = ctx.nearest(toks, local.first, i, EMAIL_BEFORE) == Some(Cue::Email);
    let extended = extend_back(toks, local.first);
    let dictated = dictation_before(toks, extended);
    // A joined local part ("john dot smith") is an address by its shape; a single word needs
    // a reason: the word "email" nearby, a mail provider, or someone dictating.
    let accept = written_at
        || ((local.joined || !local.stop) && (local.joined || email_cue || provider || dictated));
    if !accept {
        return None;
    }
    let first = if local.joined { local.first } else { extended };
    Some((first, domain_last))
}

struct Local {
    first: usize,
    /// Parts joined by `.`, `_`, "dot", "underscore", digits, spelled letters…
    joined: bool,
    /// The word right before "at" is a stop word ("look at", "it at").
    stop: bool,
}

/// The local part that ends at token `k`, read backwards.
fn local_part(toks: &[Token<'_>], k: usize) -> Option<Local> {
    if !label_at(toks, k) {
        return None;
    }
    let stop = toks[k].kind == Kind::Word && words::is_stop_word(&toks[k].key);
    let mut start = k;
    let mut joined = false;
    while start > 0 {
        let p = start - 1;
        let cur = &toks[start];
        let prev = &toks[p];
        if !cur.space_before && is_label(prev) {
            // "john42", one written word split into letters and digits.
            start = p;
            joined = true;
            continue;
        }
        let written_joiner = matches!(prev.kind, Kind::Sym('.' | '_' | '-' | '+'))
            && !cur.space_before
            && !prev.space_before;
        let spoken_joiner = prev.kind == Kind::Word
            && (words::is_dot_word(&prev.key) || words::is_local_joiner_word(&prev.key));
        if (written_joiner || spoken_joiner) && p > 0 && label_at(toks, p - 1) {
            let before = &toks[p - 1];
            if spoken_joiner && before.kind == Kind::Word && words::is_stop_word(&before.key) {
                break;
            }
            start = p - 1;
            joined = true;
            continue;
        }
        break;
    }
    // Spelled out: "j o h n at …".
    let single = |t: &Token<'_>| is_label(t) && t.text.chars().count() == 1;
    while start > 0 && single(&toks[start]) && single(&toks[start - 1]) {
        start -= 1;
        joined = true;
    }
    Some(Local {
        first: start,
        joined,
        stop,
    })
}

/// Up to two more words before an unjoined local part ("john smith at …").
fn extend_back(toks: &[Token<'_>], first: usize) -> usize {
    let mut start = first;
    for _ in 0..2 {
        if start == 0 || !toks[start].space_before {
            break;
        }
        let p = &toks[start - 1];
        let plain_word = p.kind == Kind::Word
            && !words::is_stop_word(&p.key)
            && !words::CUE_INDEX.contains_key(p.key.as_ref())
            && !words::is_at_word(&p.key);
        if !plain_word {
            break;
        }
        start -= 1;
    }
    start
}

/// The address starts a segment or follows "it's", "is", "sure," …: someone is dictating it.
fn dictation_before(toks: &[Token<'_>], first: usize) -> bool {
    if first == 0 || toks[first - 1].seg != toks[first].seg {
        return true;
    }
    let p = &toks[first - 1];
    match p.kind {
        Kind::Sym(c) => matches!(c, ',' | ':' | '"' | '“'),
        Kind::Word => matches!(
            p.key.as_ref(),
            "is" | "it's"
                | "it’s"
                | "its"
                | "was"
                | "that's"
                | "sure"
                | "yes"
                | "yeah"
                | "okay"
                | "ok"
                | "es"
                | "est"
                | "ist"
                | "é"
                | "c'est"
        ),
        _ => false,
    }
}

/// The domain that starts at token `j`: its last token and whether it is a mail provider.
/// At least one dot, ending with a known top-level domain.
fn domain(toks: &[Token<'_>], j: usize) -> Option<(usize, bool)> {
    if !label_at(toks, j) {
        return None;
    }
    let provider = words::is_mail_provider(&toks[j].key);
    let mut k = j;
    let mut best = None;
    while let Some(joiner) = toks.get(k + 1) {
        let Some(next) = toks.get(k + 2) else { break };
        let written = !joiner.space_before && !next.space_before;
        let is_dot = match joiner.kind {
            Kind::Sym('.') if written => true,
            Kind::Sym('-') if written => false,
            Kind::Word if words::is_dot_word(&joiner.key) => true,
            Kind::Word if matches!(joiner.key.as_ref(), "dash" | "hyphen") => false,
            _ => break,
        };
        if !is_label(next) {
            break;
        }
        if is_dot && next.kind == Kind::Word && words::is_tld(&next.key) {
            best = Some(k + 2);
        }
        k += 2;
    }
    best.map(|last| (last, provider))
}
