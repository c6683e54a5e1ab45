//! What happens once a call is over: its audio analysis (`showroom-insight`) and its final
//! transcript are complete, and they become talk metrics, a QA scorecard and storable insight
//! events. The one place the live service, `showroom analyze` and `showroom rescore` agree on
//! how a finished call is concluded.
//!
//! - [`conclude`]: word counts per party from the finals → [`TalkMetrics`] (default
//!   [`MetricsConfig`]) → the named metrics (`TalkMetrics::as_named`, the names
//!   `showroom_qa::KNOWN_METRICS` accepts) → a [`ScoredCall`] scored against the rubric, if any.
//! - [`scored_call`]: the [`ScoredCall`] the scorer sees, from finals and named metrics.
//! - [`rescore`]: a stored call's finals and named metrics against a (changed) rubric.
//! - [`redact_finals`]: PII masked in the finals before they are stored, printed or scored.
//! - [`insight_events`]: the resolved overtalk episodes as rows for the store's insight table.
//!
//! **Pure**: no clocks, files, threads or I/O; the same inputs give the same output.
//!
//! **Not here**: transcription, voice-activity detection, the redaction rules, storage and JSON wire
//! formats beyond `serde_json::Value` details.

use std::collections::BTreeMap;

use serde::Serialize;
use showroom_insight::{
    CallAnalysis, MetricsConfig, OvertalkEvent, OvertalkKind, Party, TalkMetrics, word_counts,
};
use showroom_qa::{Role, Rubric, Scorecard, ScoredCall, Segment};
use showroom_redact::{Policy, redact_with_context};

/// One final transcript segment of one party, seconds since the call started.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinalText {
    pub role: Role,
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
    /// The language the recogniser detected, if any.
    pub language: Option<String>,
}

/// A concluded call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostCall {
    pub metrics: TalkMetrics,
    /// `metrics.as_named()`: what rubrics and the store look metrics up by.
    pub named_metrics: BTreeMap<String, f64>,
    /// `None` when no rubric was given.
    pub scorecard: Option<Scorecard>,
}

/// One resolved overtalk episode, as the store's `InsightEvent` holds it (less the call id).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsightRow {
    /// `interruption`, `backchannel` or `simultaneous_start`.
    pub kind: &'static str,
    /// Who started second: the interrupter, the one who backchannelled, the later starter.
    pub party: Party,
    /// The newcomer's speech start, seconds since call start.
    pub onset_s: f64,
    /// How long both spoke at once, seconds.
    pub duration_s: f64,
    /// `{"other": party, "alerted": bool, "resolved_at_s": f64}`.
    pub details: serde_json::Value,
}

pub fn party_of(role: Role) -> Party {
    match role {
        Role::Customer => Party::Customer,
        Role::Agent => Party::Agent,
    }
}

pub fn role_of(party: Party) -> Role {
    match party {
        Party::Customer => Role::Customer,
        Party::Agent => Role::Agent,
    }
}

/// Metrics and scorecard of a finished call. `language` is the call's language (a final's own
/// language wins for that segment); `rubric: None` skips scoring.
pub fn conclude(
    analysis: &CallAnalysis,
    finals: &[FinalText],
    language: Option<&str>,
    rubric: Option<&Rubric>,
) -> PostCall {
    let words = word_counts(finals.iter().map(|f| (party_of(f.role), f.text.as_str())));
    let metrics = analysis.metrics(&words, &MetricsConfig::default());
    let named_metrics: BTreeMap<String, f64> = metrics.as_named().into_iter().collect();
    let scorecard = rubric.map(|rubric| {
        let call = scored_call(analysis.duration_s, finals, language, &named_metrics);
        showroom_qa::score(rubric, &call)
    });
    PostCall {
        metrics,
        named_metrics,
        scorecard,
    }
}

/// The scorer's view of a call: finals in time order, named metrics, duration.
pub fn scored_call(
    duration_s: f64,
    finals: &[FinalText],
    language: Option<&str>,
    named_metrics: &BTreeMap<String, f64>,
) -> ScoredCall {
    let mut segments: Vec<Segment> = finals
        .iter()
        .map(|f| Segment {
            role: f.role,
            start_s: f.start_s,
            end_s: f.end_s,
            text: f.text.clone(),
            language: f.language.clone(),
        })
        .collect();
    segments.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    ScoredCall {
        duration_s,
        language: language.map(str::to_owned),
        segments,
        metrics: named_metrics.clone(),
    }
}

/// Re-scores a stored call from its finals and stored named metrics (what [`PostCall`]'s
/// `named_metrics` held): the call's length is `call_duration_s` when stored, else the end of
/// its last final.
pub fn rescore(
    rubric: &Rubric,
    finals: &[FinalText],
    language: Option<&str>,
    named_metrics: &BTreeMap<String, f64>,
) -> Scorecard {
    let duration_s = named_metrics.get("call_duration_s").copied().unwrap_or(0.0);
    showroom_qa::score(
        rubric,
        &scored_call(duration_s, finals, language, named_metrics),
    )
}

/// `finals` with PII masked by `policy`, in time order: each party's consecutive finals are
/// redacted together (a card number read across two finals is found), with the other party's
/// two finals before them as cue context ("the code on the back?" → "seven three seven").
pub fn redact_finals(finals: &[FinalText], policy: &Policy) -> Vec<FinalText> {
    let mut sorted = finals.to_vec();
    sorted.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let mut out = Vec::with_capacity(sorted.len());
    let mut i = 0;
    while i < sorted.len() {
        let role = sorted[i].role;
        let run_len = sorted[i..].iter().take_while(|f| f.role == role).count();
        let run = &sorted[i..i + run_len];
        let context: Vec<&str> = sorted[..i]
            .iter()
            .rev()
            .filter(|f| f.role != role)
            .take(2)
            .map(|f| f.text.as_str())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let texts: Vec<&str> = run.iter().map(|f| f.text.as_str()).collect();
        let redacted = redact_with_context(&context, &texts, policy);
        for (f, r) in run.iter().zip(redacted) {
            out.push(FinalText {
                text: r.text,
                ..f.clone()
            });
        }
        i += run_len;
    }
    out
}

/// The resolved overtalk episodes of `analysis` in onset order (live alerts and retractions are
/// transient and left out: the resolution is the fact worth keeping).
pub fn insight_events(analysis: &CallAnalysis) -> Vec<InsightRow> {
    let mut rows: Vec<InsightRow> = analysis
        .events
        .iter()
        .filter_map(|e| match e {
            OvertalkEvent::Resolved(r) => Some(InsightRow {
                kind: kind_name(r.kind),
                party: r.newcomer,
                onset_s: r.onset,
                duration_s: r.overlap_s,
                details: serde_json::json!({
                    "other": r.incumbent,
                    "alerted": r.alerted,
                    "resolved_at_s": r.at,
                }),
            }),
            _ => None,
        })
        .collect();
    rows.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    rows
}

/// As `OvertalkKind` serialises (snake_case).
pub fn kind_name(kind: OvertalkKind) -> &'static str {
    match kind {
        OvertalkKind::Interruption => "interruption",
        OvertalkKind::Backchannel => "backchannel",
        OvertalkKind::SimultaneousStart => "simultaneous_start",
    }
}

#[cfg(test)]
mod tests;
