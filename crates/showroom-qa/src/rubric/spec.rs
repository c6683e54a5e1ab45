//! The rubric file as written (serde), and its validation into a [`Rubric`].
//!
//! Every criterion field is optional at the serde level so that validation, not serde, reports
//! a missing or misplaced field, naming the criterion it belongs to.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{
    Check, Condition, Criterion, DEFAULT_JOIN_GAP_S, KNOWN_METRICS, Rubric, Speaker, Step,
    StepWhat, Window,
};
use crate::call::primary_language;
use crate::error::RubricError;
use crate::matcher::{PatternError, PhraseSet, compile_list};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RubricSpec {
    name: Option<String>,
    version: Option<VersionSpec>,
    description: Option<String>,
    pass_mark: Option<f64>,
    #[serde(default)]
    matching: MatchingSpec,
    #[serde(default)]
    criteria: Vec<CriterionSpec>,
}

/// `version = "2025.1"` or `version = 3`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum VersionSpec {
    Text(String),
    Integer(i64),
    Float(f64),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchingSpec {
    join_gap_s: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageSpec {
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowSpec {
    first_s: Option<f64>,
    last_s: Option<f64>,
    from_s: Option<f64>,
    to_s: Option<f64>,
    after_trigger_s: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    name: Option<String>,
    speaker: Option<String>,
    phrases: Option<Vec<String>>,
    patterns: Option<Vec<String>>,
    languages: Option<BTreeMap<String, LanguageSpec>>,
    capture: Option<String>,
    repeat: Option<String>,
    within_s: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionSpec {
    speaker: Option<String>,
    phrases: Option<Vec<String>>,
    patterns: Option<Vec<String>>,
    languages: Option<BTreeMap<String, LanguageSpec>>,
    min_duration_s: Option<f64>,
    call_languages: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CriterionSpec {
    id: Option<String>,
    title: Option<String>,
    kind: Option<String>,
    weight: Option<f64>,
    critical: Option<bool>,
    speaker: Option<String>,
    phrases: Option<Vec<String>>,
    patterns: Option<Vec<String>>,
    languages: Option<BTreeMap<String, LanguageSpec>>,
    window: Option<WindowSpec>,
    metric: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    custom_metric: Option<bool>,
    steps: Option<Vec<StepSpec>>,
    applies_when: Option<ConditionSpec>,
}

/// Builds errors for one criterion.
struct Ctx {
    criterion: String,
}

impl Ctx {
    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> RubricError {
        RubricError::Criterion {
            criterion: self.criterion.clone(),
            field: field.into(),
            message: message.into(),
        }
    }

    fn pattern_err(&self, e: PatternError) -> RubricError {
        self.err(e.field, e.message)
    }
}

fn field_err(field: &str, message: impl Into<String>) -> RubricError {
    RubricError::Field {
        field: field.to_owned(),
        message: message.into(),
    }
}

pub(super) fn parse(text: &str) -> Result<Rubric, RubricError> {
    let spec: RubricSpec = toml::from_str(text)?;
    let name = spec
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| field_err("name", "missing or empty"))?;
    let version = match spec.version {
        Some(VersionSpec::Text(v)) if !v.trim().is_empty() => v,
        Some(VersionSpec::Integer(v)) => v.to_string(),
        Some(VersionSpec::Float(v)) => v.to_string(),
        _ => return Err(field_err("version", "missing or empty")),
    };
    let pass_mark = spec
        .pass_mark
        .ok_or_else(|| field_err("pass_mark", "missing"))?;
    if !(0.0..=100.0).contains(&pass_mark) {
        return Err(field_err(
            "pass_mark",
            format!("{pass_mark} is not between 0 and 100"),
        ));
    }
    let join_gap_s = spec.matching.join_gap_s.unwrap_or(DEFAULT_JOIN_GAP_S);
    if !(join_gap_s.is_finite() && join_gap_s >= 0.0) {
        return Err(field_err(
            "matching.join_gap_s",
            format!("{join_gap_s} is not a duration of 0 s or more"),
        ));
    }
    if spec.criteria.is_empty() {
        return Err(field_err("criteria", "the rubric has no criteria"));
    }
    let mut ids = BTreeSet::new();
    let mut criteria = Vec::with_capacity(spec.criteria.len());
    for (i, c) in spec.criteria.into_iter().enumerate() {
        let criterion = criterion(i, c)?;
        if !ids.insert(criterion.id.clone()) {
            return Err(RubricError::Criterion {
                criterion: criterion.id,
                field: "id".into(),
                message: "duplicate id: another criterion already uses it".into(),
            });
        }
        criteria.push(criterion);
    }
    Ok(Rubric {
        name,
        version,
        description: spec.description,
        pass_mark,
        join_gap_s,
        criteria,
    })
}

fn criterion(index: usize, c: CriterionSpec) -> Result<Criterion, RubricError> {
    let ctx = Ctx {
        criterion: c.id.clone().unwrap_or_else(|| format!("#{}", index + 1)),
    };
    let id = c.id.clone().ok_or_else(|| ctx.err("id", "missing"))?;
    if id.is_empty()
        || !id
            .chars()
            .all(|ch| ch.is_alphanumeric() || matches!(ch, '_' | '-' | '.'))
    {
        return Err(ctx.err("id", "must be non-empty letters, digits, '_', '-' or '.'"));
    }
    let weight = c.weight.ok_or_else(|| ctx.err("weight", "missing"))?;
    if !(weight.is_finite() && weight > 0.0) {
        return Err(ctx.err("weight", format!("{weight} is not a number above 0")));
    }
    let kind = c.kind.clone().ok_or_else(|| {
        ctx.err(
            "kind",
            "missing (expected_phrase, forbidden_phrase, metric_bounds or required_steps)",
        )
    })?;
    let present = [
        ("speaker", c.speaker.is_some()),
        ("phrases", c.phrases.is_some()),
        ("patterns", c.patterns.is_some()),
        ("languages", c.languages.is_some()),
        ("window", c.window.is_some()),
        ("metric", c.metric.is_some()),
        ("min", c.min.is_some()),
        ("max", c.max.is_some()),
        ("custom_metric", c.custom_metric.is_some()),
        ("steps", c.steps.is_some()),
    ];
    let allowed: &[&str] = match kind.as_str() {
        "expected_phrase" => &["speaker", "phrases", "patterns", "languages", "window"],
        "forbidden_phrase" => &["speaker", "phrases", "patterns", "languages"],
        "metric_bounds" => &["metric", "min", "max", "custom_metric"],
        "required_steps" => &["steps"],
        other => {
            return Err(ctx.err(
                "kind",
                format!(
                    "unknown kind {other:?} (expected_phrase, forbidden_phrase, metric_bounds or required_steps)"
                ),
            ));
        }
    };
    if let Some((field, _)) = present.iter().find(|(f, set)| *set && !allowed.contains(f)) {
        return Err(ctx.err(*field, format!("does not apply to kind {kind:?}")));
    }
    let applies_when = c.applies_when.map(|a| condition(&ctx, a)).transpose()?;
    let check = match kind.as_str() {
        "expected_phrase" | "forbidden_phrase" => {
            let speaker = speaker(&ctx, "speaker", c.speaker.as_deref(), Speaker::Agent)?;
            let phrases = phrase_set(&ctx, "", c.phrases, c.patterns, c.languages)?;
            if kind == "forbidden_phrase" {
                Check::ForbiddenPhrase { speaker, phrases }
            } else {
                let window = window(&ctx, c.window, applies_when.as_ref())?;
                Check::ExpectedPhrase {
                    speaker,
                    phrases,
                    window,
                }
            }
        }
        "metric_bounds" => metric_bounds(&ctx, c.metric, c.min, c.max, c.custom_metric)?,
        _ => Check::RequiredSteps {
            steps: steps(&ctx, c.steps.unwrap_or_default())?,
        },
    };
    Ok(Criterion {
        title: c
            .title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| id.clone()),
        id,
        weight,
        critical: c.critical.unwrap_or(false),
        check,
        applies_when,
    })
}

fn speaker(
    ctx: &Ctx,
    field: &str,
    value: Option<&str>,
    default: Speaker,
) -> Result<Speaker, RubricError> {
    match value {
        None => Ok(default),
        Some("agent") => Ok(Speaker::Agent),
        Some("customer") => Ok(Speaker::Customer),
        Some("any") => Ok(Speaker::Any),
        Some(other) => Err(ctx.err(
            field,
            format!("unknown speaker {other:?} (agent, customer or any)"),
        )),
    }
}

/// `phrases`/`patterns` plus `languages.<tag>.{phrases,patterns}`; `prefix` is the field path
/// of the owner ("", "steps[1].", "applies_when.").
fn phrase_set(
    ctx: &Ctx,
    prefix: &str,
    phrases: Option<Vec<String>>,
    patterns: Option<Vec<String>>,
    languages: Option<BTreeMap<String, LanguageSpec>>,
) -> Result<PhraseSet, RubricError> {
    let default = compile_list(
        &phrases.unwrap_or_default(),
        &patterns.unwrap_or_default(),
        None,
        prefix,
    )
    .map_err(|e| ctx.pattern_err(e))?;
    let mut by_language = BTreeMap::new();
    for (tag, list) in languages.unwrap_or_default() {
        let lang = primary_language(&tag);
        let lang_prefix = format!("{prefix}languages.{tag}.");
        if lang.is_empty() || !lang.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(ctx.err(
                format!("{prefix}languages.{tag}"),
                "not a language tag (e.g. en, es, de-AT)",
            ));
        }
        let compiled = compile_list(&list.phrases, &list.patterns, Some(&lang), &lang_prefix)
            .map_err(|e| ctx.pattern_err(e))?;
        if by_language.insert(lang.clone(), compiled).is_some() {
            return Err(ctx.err(
                format!("{prefix}languages.{tag}"),
                format!("language {lang:?} is listed twice"),
            ));
        }
    }
    let set = PhraseSet {
        default,
        by_language,
    };
    if set.is_empty() {
        return Err(ctx.err(
            format!("{prefix}phrases"),
            "empty: give at least one phrase or pattern (here or under languages)",
        ));
    }
    Ok(set)
}

fn duration(ctx: &Ctx, field: &str, value: f64) -> Result<f64, RubricError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(ctx.err(field, format!("{value} is not a duration of 0 s or more")))
    }
}

fn window(
    ctx: &Ctx,
    spec: Option<WindowSpec>,
    applies_when: Option<&Condition>,
) -> Result<Window, RubricError> {
    let Some(w) = spec else {
        return Ok(Window::Anywhere);
    };
    let window = match (w.first_s, w.last_s, w.from_s, w.to_s, w.after_trigger_s) {
        (Some(s), None, None, None, None) => Window::First(duration(ctx, "window.first_s", s)?),
        (None, Some(s), None, None, None) => Window::Last(duration(ctx, "window.last_s", s)?),
        (None, None, from, to, None) if from.is_some() || to.is_some() => {
            let from = duration(ctx, "window.from_s", from.unwrap_or(0.0))?;
            let to = match to {
                Some(t) => duration(ctx, "window.to_s", t)?,
                None => f64::INFINITY,
            };
            if to < from {
                return Err(ctx.err("window.to_s", format!("{to} is before from_s {from}")));
            }
            Window::Between(from, to)
        }
        (None, None, None, None, Some(s)) => {
            if applies_when.is_none_or(|c| c.said.is_none()) {
                return Err(ctx.err(
                    "window.after_trigger_s",
                    "needs applies_when with phrases or patterns to trigger on",
                ));
            }
            Window::AfterTrigger(duration(ctx, "window.after_trigger_s", s)?)
        }
        _ => {
            return Err(ctx.err(
                "window",
                "give exactly one of first_s, last_s, from_s/to_s or after_trigger_s",
            ));
        }
    };
    Ok(window)
}

fn metric_bounds(
    ctx: &Ctx,
    metric: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    custom: Option<bool>,
) -> Result<Check, RubricError> {
    let metric = metric
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| ctx.err("metric", "missing"))?;
    if !custom.unwrap_or(false) && !KNOWN_METRICS.contains(&metric.as_str()) {
        return Err(ctx.err(
            "metric",
            format!(
                "unknown metric {metric:?} (known: {}; set custom_metric = true for another)",
                KNOWN_METRICS.join(", ")
            ),
        ));
    }
    for (field, v) in [("min", min), ("max", max)] {
        if v.is_some_and(|v| !v.is_finite()) {
            return Err(ctx.err(field, "not a finite number"));
        }
    }
    match (min, max) {
        (None, None) => return Err(ctx.err("max", "give min, max or both")),
        (Some(lo), Some(hi)) if lo > hi => {
            return Err(ctx.err("min", format!("{lo} is above max {hi}")));
        }
        _ => {}
    }
    Ok(Check::MetricBounds { metric, min, max })
}

fn steps(ctx: &Ctx, specs: Vec<StepSpec>) -> Result<Vec<Step>, RubricError> {
    if specs.is_empty() {
        return Err(ctx.err("steps", "empty: give at least one step"));
    }
    let mut captures = BTreeSet::new();
    let mut out = Vec::with_capacity(specs.len());
    for (i, s) in specs.into_iter().enumerate() {
        let prefix = format!("steps[{i}].");
        let speaker = speaker(
            ctx,
            &format!("{prefix}speaker"),
            s.speaker.as_deref(),
            Speaker::Agent,
        )?;
        let has_phrases = s.phrases.is_some() || s.patterns.is_some() || s.languages.is_some();
        let what = match (s.repeat, has_phrases) {
            (Some(_), true) => {
                return Err(ctx.err(
                    format!("{prefix}repeat"),
                    "a step either repeats a captured value or has phrases, not both",
                ));
            }
            (Some(name), false) => {
                if !captures.contains(&name) {
                    return Err(ctx.err(
                        format!("{prefix}repeat"),
                        format!("{name:?} is not captured by an earlier step"),
                    ));
                }
                StepWhat::Repeat(name)
            }
            (None, _) => StepWhat::Phrases(phrase_set(
                ctx,
                &prefix,
                s.phrases,
                s.patterns,
                s.languages,
            )?),
        };
        if let Some(name) = &s.capture {
            if matches!(what, StepWhat::Repeat(_)) {
                return Err(ctx.err(format!("{prefix}capture"), "a repeat step cannot capture"));
            }
            if name.trim().is_empty() || !captures.insert(name.clone()) {
                return Err(ctx.err(
                    format!("{prefix}capture"),
                    format!("{name:?} is empty or already captured by an earlier step"),
                ));
            }
        }
        let within_s = s
            .within_s
            .map(|w| duration(ctx, &format!("{prefix}within_s"), w))
            .transpose()?;
        if within_s.is_some() && i == 0 {
            return Err(ctx.err(
                format!("{prefix}within_s"),
                "the first step has no earlier step to be within",
            ));
        }
        out.push(Step {
            name: s.name.filter(|n| !n.trim().is_empty()),
            speaker,
            what,
            capture: s.capture,
            within_s,
        });
    }
    Ok(out)
}

fn condition(ctx: &Ctx, spec: ConditionSpec) -> Result<Condition, RubricError> {
    let has_phrases = spec.phrases.is_some() || spec.patterns.is_some() || spec.languages.is_some();
    let said = if has_phrases {
        let speaker = speaker(
            ctx,
            "applies_when.speaker",
            spec.speaker.as_deref(),
            Speaker::Any,
        )?;
        let set = phrase_set(
            ctx,
            "applies_when.",
            spec.phrases,
            spec.patterns,
            spec.languages,
        )?;
        Some((speaker, set))
    } else if spec.speaker.is_some() {
        return Err(ctx.err("applies_when.speaker", "given without phrases or patterns"));
    } else {
        None
    };
    let min_duration_s = spec
        .min_duration_s
        .map(|d| duration(ctx, "applies_when.min_duration_s", d))
        .transpose()?;
    let mut call_languages = Vec::new();
    for (i, tag) in spec.call_languages.unwrap_or_default().iter().enumerate() {
        let lang = primary_language(tag);
        if lang.is_empty() {
            return Err(ctx.err(
                format!("applies_when.call_languages[{i}]"),
                "empty language tag",
            ));
        }
        call_languages.push(lang);
    }
    if said.is_none() && min_duration_s.is_none() && call_languages.is_empty() {
        return Err(ctx.err(
            "applies_when",
            "empty: give phrases/patterns, min_duration_s or call_languages",
        ));
    }
    Ok(Condition {
        said,
        min_duration_s,
        call_languages,
    })
}
