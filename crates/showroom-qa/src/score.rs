//! Scoring: one pure function from a rubric and a call to a scorecard.

mod steps;

use std::collections::BTreeMap;

use crate::call::{ScoredCall, primary_language};
use crate::rubric::{Check, Condition, Criterion, Rubric, Speaker, Window};
use crate::scorecard::{CriterionResult, Evidence, Scorecard, Verdict};
use crate::transcript::{Hit, Transcript};

/// At most this many quotes per criterion (a call full of forbidden words needs no more).
pub const MAX_EVIDENCE: usize = 10;

/// Scores `call` against `rubric`. Pure and deterministic: the same inputs give the same
/// scorecard, byte for byte once serialised.
///
/// The score is the weight of passed criteria over the weight of applicable ones (pass or
/// fail), times 100, rounded to two decimals; 100 when no criterion applies. The call passes
/// when the score reaches the rubric's pass mark and no `critical` criterion failed.
pub fn score(rubric: &Rubric, call: &ScoredCall) -> Scorecard {
    let transcript = Transcript::new(call, rubric.join_gap_s);
    let criteria: Vec<CriterionResult> = rubric
        .criteria()
        .iter()
        .map(|c| evaluate(c, &transcript, call))
        .collect();
    let (mut applicable, mut earned) = (0.0, 0.0);
    for r in &criteria {
        match r.verdict {
            Verdict::Pass => {
                applicable += r.weight;
                earned += r.weight;
            }
            Verdict::Fail => applicable += r.weight,
            Verdict::NotApplicable => {}
        }
    }
    let score = if applicable > 0.0 {
        (100.0 * earned / applicable * 100.0).round() / 100.0
    } else {
        100.0
    };
    let critical_failed = criteria
        .iter()
        .any(|r| r.critical && r.verdict == Verdict::Fail);
    Scorecard {
        rubric: rubric.name().to_owned(),
        rubric_version: rubric.version().to_owned(),
        score,
        pass_mark: rubric.pass_mark(),
        passed: score >= rubric.pass_mark() && !critical_failed,
        criteria,
    }
}

pub(crate) struct Outcome {
    pub verdict: Verdict,
    pub evidence: Vec<Evidence>,
    pub reason: String,
}

impl Outcome {
    fn new(verdict: Verdict, evidence: Vec<Evidence>, reason: String) -> Self {
        Outcome {
            verdict,
            evidence,
            reason,
        }
    }
}

fn evaluate(c: &Criterion, t: &Transcript, call: &ScoredCall) -> CriterionResult {
    let outcome = match applicability(c.applies_when.as_ref(), t, call) {
        Err(reason) => Outcome::new(Verdict::NotApplicable, Vec::new(), reason),
        Ok(triggers) => match &c.check {
            Check::ExpectedPhrase {
                speaker,
                phrases,
                window,
            } => expected_phrase(
                t,
                *speaker,
                &t.find(phrases, *speaker),
                phrases.describe(),
                *window,
                &triggers,
            ),
            Check::ForbiddenPhrase { speaker, phrases } => {
                forbidden_phrase(t, *speaker, &t.find(phrases, *speaker), phrases.describe())
            }
            Check::MetricBounds { metric, min, max } => {
                metric_bounds(metric, *min, *max, call.metrics.get(metric))
            }
            Check::RequiredSteps { steps } => steps::required_steps(steps, t),
        },
    };
    CriterionResult {
        id: c.id().to_owned(),
        title: c.title().to_owned(),
        kind: c.kind(),
        weight: c.weight(),
        critical: c.critical(),
        verdict: outcome.verdict,
        evidence: outcome.evidence,
        reason: outcome.reason,
    }
}

/// `Ok(triggers)` (the phrases that made it apply, possibly none) or `Err(why not)`.
fn applicability(
    cond: Option<&Condition>,
    t: &Transcript,
    call: &ScoredCall,
) -> Result<Vec<Hit>, String> {
    let Some(cond) = cond else {
        return Ok(Vec::new());
    };
    if let Some(min) = cond.min_duration_s
        && t.duration_s < min
    {
        return Err(format!(
            "not applicable: the call lasted {} s, under {} s",
            secs(t.duration_s),
            secs(min)
        ));
    }
    if !cond.call_languages.is_empty()
        && let Some(lang) = call_language(call)
        && !cond.call_languages.contains(&lang)
    {
        return Err(format!(
            "not applicable: the call is in {lang:?}, the criterion is for {}",
            cond.call_languages.join(", ")
        ));
    }
    match &cond.said {
        None => Ok(Vec::new()),
        Some((speaker, set)) => {
            let hits = t.find(set, *speaker);
            if hits.is_empty() {
                Err(format!(
                    "not applicable: {} never said {}",
                    who(*speaker),
                    set.describe()
                ))
            } else {
                Ok(hits)
            }
        }
    }
}

/// The call's language, or the language most of its segments carry (ties: alphabetical).
fn call_language(call: &ScoredCall) -> Option<String> {
    if let Some(lang) = &call.language {
        return Some(primary_language(lang));
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for seg in &call.segments {
        if let Some(lang) = &seg.language {
            *counts.entry(primary_language(lang)).or_default() += 1;
        }
    }
    let max = counts.values().copied().max()?;
    counts.into_iter().find(|(_, n)| *n == max).map(|(l, _)| l)
}

fn expected_phrase(
    t: &Transcript,
    speaker: Speaker,
    hits: &[Hit],
    described: String,
    window: Window,
    triggers: &[Hit],
) -> Outcome {
    let duration = t.duration_s;
    // The trigger a hit answers: the latest one it comes after, within the window.
    let answered = |h: &Hit| -> Option<&Hit> {
        triggers
            .iter()
            .rev()
            .find(|tr| t.follows(tr, h) && h.onset_s <= tr.end_s + window_len(window))
    };
    let in_window = |h: &Hit| match window {
        Window::Anywhere => true,
        Window::First(w) => h.onset_s <= w,
        Window::Last(w) => h.end_s >= duration - w,
        Window::Between(a, b) => h.onset_s <= b && h.end_s >= a,
        Window::AfterTrigger(_) => answered(h).is_some(),
    };
    let where_ = match window {
        Window::Anywhere => "during the call".to_owned(),
        Window::First(w) => format!("in the first {} s", secs(w)),
        Window::Last(w) => format!(
            "in the last {} s (from {} s)",
            secs(w),
            secs((duration - w).max(0.0))
        ),
        Window::Between(a, b) if b.is_infinite() => format!("after {} s", secs(a)),
        Window::Between(a, b) => format!("between {} s and {} s", secs(a), secs(b)),
        Window::AfterTrigger(w) => match triggers.first() {
            Some(tr) => format!(
                "within {} s after the {} said {:?} at {} s",
                secs(w),
                t.runs[tr.run].role,
                t.matched_text(tr),
                secs(tr.onset_s)
            ),
            None => format!("within {} s after the trigger", secs(w)),
        },
    };
    if let Some(hit) = hits.iter().find(|h| in_window(h)) {
        let mut evidence = Vec::new();
        if let Some(tr) = answered(hit).filter(|_| matches!(window, Window::AfterTrigger(_))) {
            evidence.push(t.evidence(tr));
        }
        evidence.push(t.evidence(hit));
        let reason = format!(
            "{} said {:?} at {} s, {where_}",
            capital(who(speaker)),
            t.matched_text(hit),
            secs(hit.onset_s)
        );
        return Outcome::new(Verdict::Pass, evidence, reason);
    }
    let expected = format!(
        "expected {} to say one of {described} {where_}",
        who(speaker)
    );
    if let Some(first) = hits.first() {
        let evidence = distinct_segments(hits.iter().map(|h| t.evidence(h)), 3);
        let reason = format!(
            "{expected}; said only outside that window (first at {} s)",
            secs(first.onset_s)
        );
        return Outcome::new(Verdict::Fail, evidence, reason);
    }
    let evidence = distinct_segments(triggers.iter().map(|h| t.evidence(h)), 3);
    Outcome::new(Verdict::Fail, evidence, format!("{expected}; not said"))
}

/// Up to `n` items, one per segment span: context for a reviewer, not a count of findings.
fn distinct_segments(items: impl Iterator<Item = Evidence>, n: usize) -> Vec<Evidence> {
    let mut out: Vec<Evidence> = Vec::new();
    for e in items {
        if out.len() == n {
            break;
        }
        if !out
            .iter()
            .any(|o| o.role == e.role && o.start_s == e.start_s && o.end_s == e.end_s)
        {
            out.push(e);
        }
    }
    out
}

fn window_len(window: Window) -> f64 {
    match window {
        Window::AfterTrigger(w) => w,
        _ => f64::INFINITY,
    }
}

fn forbidden_phrase(t: &Transcript, speaker: Speaker, hits: &[Hit], described: String) -> Outcome {
    let Some(first) = hits.first() else {
        return Outcome::new(
            Verdict::Pass,
            Vec::new(),
            format!("{} said none of {described}", capital(who(speaker))),
        );
    };
    let evidence = hits
        .iter()
        .take(MAX_EVIDENCE)
        .map(|h| t.evidence(h))
        .collect();
    let mut reason = format!(
        "The {} said {:?}{} at {} s",
        t.runs[first.run].role,
        t.matched_text(first),
        pattern_note(first),
        secs(first.onset_s)
    );
    if hits.len() > 1 {
        reason.push_str(&format!(
            ", and forbidden phrases {} more time(s)",
            hits.len() - 1
        ));
    }
    Outcome::new(Verdict::Fail, evidence, reason)
}

fn metric_bounds(metric: &str, min: Option<f64>, max: Option<f64>, value: Option<&f64>) -> Outcome {
    let allowed = match (min, max) {
        (Some(lo), Some(hi)) => format!("allowed {}–{}", num(lo), num(hi)),
        (Some(lo), None) => format!("allowed ≥ {}", num(lo)),
        (None, Some(hi)) => format!("allowed ≤ {}", num(hi)),
        (None, None) => "no bounds".to_owned(),
    };
    let Some(&v) = value else {
        return Outcome::new(
            Verdict::NotApplicable,
            Vec::new(),
            format!("not applicable: metric {metric} was not computed for this call"),
        );
    };
    if !v.is_finite() {
        return Outcome::new(
            Verdict::NotApplicable,
            Vec::new(),
            format!("not applicable: metric {metric} is {v}"),
        );
    }
    let ok = min.is_none_or(|lo| v >= lo) && max.is_none_or(|hi| v <= hi);
    let verdict = if ok { Verdict::Pass } else { Verdict::Fail };
    Outcome::new(
        verdict,
        Vec::new(),
        format!("{metric} = {} ({allowed})", num(v)),
    )
}

/// " (matches /…/)" for a pattern hit: a phrase hit is its own explanation.
pub(crate) fn pattern_note(hit: &Hit) -> String {
    if hit.label.starts_with('/') {
        format!(" (matches {})", hit.label)
    } else {
        String::new()
    }
}

pub(crate) fn who(speaker: Speaker) -> &'static str {
    match speaker {
        Speaker::Agent => "the agent",
        Speaker::Customer => "the customer",
        Speaker::Any => "anyone",
    }
}

pub(crate) fn capital(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Seconds for reasons: one decimal, no trailing ".0".
pub(crate) fn secs(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// A metric value: integers as integers, otherwise up to three decimals.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').to_owned()
    }
}
