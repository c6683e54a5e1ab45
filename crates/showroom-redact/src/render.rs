//! Writes the masked text of each segment and the spans that say what was masked where.

use std::cmp::Reverse;
use std::ops::Range;

use serde::Serialize;

use crate::Detection;
use crate::policy::{MaskStyle, PiiKind, Policy};
use crate::token::{Kind, Token};

/// One segment after redaction. Holds no unredacted value: only the masked text and where
/// the masks are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Redacted {
    /// The segment with every finding replaced by its mask.
    pub text: String,
    /// The masks in `text`, in order.
    pub spans: Vec<Span>,
}

impl Redacted {
    /// Whether anything was masked.
    pub fn is_redacted(&self) -> bool {
        !self.spans.is_empty()
    }
}

/// One mask in a redacted segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    pub kind: PiiKind,
    /// Byte range of the mask in [`Redacted::text`].
    pub range: Range<usize>,
    /// Byte range that the mask replaced in the input segment (for callers that line
    /// redactions up with word timings; the crate keeps no copy of that text).
    pub source: Range<usize>,
    /// Which part of a finding this is, when it runs across segments.
    pub part: Part,
}

/// A finding said across several segments is masked in each of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The whole finding is in this segment.
    Whole,
    /// It starts here and goes on in the next segment.
    First,
    /// It started before this segment and goes on after it.
    Middle,
    /// It started in an earlier segment and ends here.
    Last,
}

pub(crate) fn render(
    segs: &[&str],
    toks: &[Token<'_>],
    mut dets: Vec<Detection>,
    policy: &Policy,
) -> Vec<Redacted> {
    dets.retain(|d| policy.masks(d.kind));
    dets.sort_by_key(|d| (d.first, Reverse(d.last)));
    let mut out: Vec<Redacted> = segs
        .iter()
        .map(|s| Redacted {
            text: String::with_capacity(s.len()),
            spans: Vec::new(),
        })
        .collect();
    let mut cursor = vec![0usize; segs.len()];
    let mut covered_to: Option<usize> = None;
    for det in &dets {
        if covered_to.is_some_and(|end| det.first <= end) {
            continue; // overlaps an earlier finding (an e-mail before any number in it)
        }
        covered_to = Some(det.last);
        let (seg_first, seg_last) = (toks[det.first].seg, toks[det.last].seg);
        for seg in seg_first..=seg_last {
            let Some((lo, hi)) = piece_in_segment(toks, det, seg) else {
                continue;
            };
            let part = match (seg == seg_first, seg == seg_last) {
                (true, true) => Part::Whole,
                (true, false) => Part::First,
                (false, true) => Part::Last,
                (false, false) => Part::Middle,
            };
            let (start, end) = (toks[lo].start, toks[hi].end);
            let r = &mut out[seg];
            r.text.push_str(&segs[seg][cursor[seg]..start]);
            let mask_start = r.text.len();
            push_mask(&mut r.text, det, part, policy);
            r.spans.push(Span {
                kind: det.kind,
                range: mask_start..r.text.len(),
                source: start..end,
                part,
            });
            cursor[seg] = end;
        }
    }
    for (seg, r) in out.iter_mut().enumerate() {
        r.text.push_str(&segs[seg][cursor[seg]..]);
    }
    out
}

/// The tokens of `det` in segment `seg`, without separators at a segment edge it runs across.
fn piece_in_segment(toks: &[Token<'_>], det: &Detection, seg: usize) -> Option<(usize, usize)> {
    let mut lo = (det.first..=det.last).find(|&i| toks[i].seg == seg)?;
    let mut hi = (det.first..=det.last).rev().find(|&i| toks[i].seg == seg)?;
    let is_sep = |i: usize| matches!(toks[i].kind, Kind::Sym(_));
    if seg != toks[det.first].seg {
        while lo <= hi && is_sep(lo) {
            lo += 1;
        }
    }
    if seg != toks[det.last].seg {
        while hi >= lo && is_sep(hi) {
            if hi == 0 {
                return None;
            }
            hi -= 1;
        }
    }
    (lo <= hi).then_some((lo, hi))
}

fn push_mask(text: &mut String, det: &Detection, part: Part, policy: &Policy) {
    let label = match policy.mask_style {
        MaskStyle::Labeled => det.kind.label(),
        MaskStyle::Generic => "redacted",
    };
    text.push('[');
    text.push_str(label);
    let show_last4 =
        det.kind == PiiKind::Card && policy.keep_last4 && matches!(part, Part::Whole | Part::First);
    if show_last4 && let Some(last4) = det.last4 {
        text.push_str(" ••••");
        text.extend(last4.iter().map(|&b| char::from(b)));
    }
    text.push(']');
}
