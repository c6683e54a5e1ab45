//! A validated rubric: criteria with compiled phrase lists, ready to score calls.
//!
//! The file format is documented in `RUBRIC.md`; parsing and validation live in [`spec`].

mod spec;

use std::path::Path;

use crate::call::Role;
use crate::error::RubricError;
use crate::matcher::PhraseSet;
use crate::scorecard::CriterionKind;

/// Metric names a `metric_bounds` criterion may use without `custom_metric = true` (a typo in
/// a metric name would otherwise make the criterion silently not applicable on every call).
pub const KNOWN_METRICS: &[&str] = &[
    "call_duration_s",
    "silence_s",
    "non_talk_time_s",
    "non_talk_count",
    "non_talk_longest_s",
    "overlap_time_s",
    "interruption_overlap_s",
    "interruptions_total",
    "customer_talk_time_s",
    "agent_talk_time_s",
    "customer_talk_share",
    "agent_talk_share",
    "customer_talk_fraction",
    "agent_talk_fraction",
    "customer_interruptions",
    "agent_interruptions",
    "customer_backchannels",
    "agent_backchannels",
    "customer_longest_monologue_s",
    "agent_longest_monologue_s",
    "customer_words",
    "agent_words",
    "customer_words_per_min",
    "agent_words_per_min",
    "agent_response_latency_count",
    "agent_response_latency_p50_s",
    "agent_response_latency_p95_s",
    "agent_response_latency_max_s",
];

/// The default `[matching] join_gap_s`: segments of one speaker at most this far apart are
/// matched as one text. Whisper segments end at pauses of a few hundred milliseconds, so a
/// phrase said with a short hesitation spans two segments; 2 s keeps separate sentences
/// separate while joining those.
pub const DEFAULT_JOIN_GAP_S: f64 = 2.0;

/// The sample rubric for e-commerce support (`rubrics/ecommerce-support.toml`).
pub const ECOMMERCE_SUPPORT_TOML: &str = include_str!("../../rubrics/ecommerce-support.toml");

/// Who a phrase must (or must not) come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Agent,
    Customer,
    Any,
}

impl Speaker {
    pub fn includes(self, role: Role) -> bool {
        match self {
            Speaker::Agent => role == Role::Agent,
            Speaker::Customer => role == Role::Customer,
            Speaker::Any => true,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Customer => "customer",
            Speaker::Any => "any",
        }
    }
}

/// When an expected phrase counts. A match counts when its (estimated) words overlap the
/// window: it starts before a window's end and ends after its start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Window {
    Anywhere,
    /// From the start of the call to `first_s`.
    First(f64),
    /// The last `last_s` seconds of the call.
    Last(f64),
    Between(f64, f64),
    /// Starting within this many seconds after the end of a phrase that made the criterion
    /// apply (`applies_when`), and not before that phrase starts.
    AfterTrigger(f64),
}

#[derive(Debug, Clone)]
pub(crate) enum StepWhat {
    Phrases(PhraseSet),
    /// The value captured by an earlier step under this name, said again.
    Repeat(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub name: Option<String>,
    pub speaker: Speaker,
    pub what: StepWhat,
    pub capture: Option<String>,
    pub within_s: Option<f64>,
}

#[derive(Debug, Clone)]
pub(crate) enum Check {
    ExpectedPhrase {
        speaker: Speaker,
        phrases: PhraseSet,
        window: Window,
    },
    ForbiddenPhrase {
        speaker: Speaker,
        phrases: PhraseSet,
    },
    MetricBounds {
        metric: String,
        min: Option<f64>,
        max: Option<f64>,
    },
    RequiredSteps {
        steps: Vec<Step>,
    },
}

/// All conditions must hold for a criterion to apply.
#[derive(Debug, Clone, Default)]
pub(crate) struct Condition {
    pub said: Option<(Speaker, PhraseSet)>,
    pub min_duration_s: Option<f64>,
    /// Primary language subtags; a call whose language is unknown is not excluded.
    pub call_languages: Vec<String>,
}

/// One weighted criterion of a rubric.
#[derive(Debug, Clone)]
pub struct Criterion {
    id: String,
    title: String,
    weight: f64,
    critical: bool,
    pub(crate) check: Check,
    pub(crate) applies_when: Option<Condition>,
}

impl Criterion {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// A failed critical criterion fails the whole call.
    pub fn critical(&self) -> bool {
        self.critical
    }

    pub fn kind(&self) -> CriterionKind {
        match self.check {
            Check::ExpectedPhrase { .. } => CriterionKind::ExpectedPhrase,
            Check::ForbiddenPhrase { .. } => CriterionKind::ForbiddenPhrase,
            Check::MetricBounds { .. } => CriterionKind::MetricBounds,
            Check::RequiredSteps { .. } => CriterionKind::RequiredSteps,
        }
    }
}

/// A team's or tenant's scoring rubric, validated and compiled.
#[derive(Debug, Clone)]
pub struct Rubric {
    name: String,
    version: String,
    description: Option<String>,
    pass_mark: f64,
    pub(crate) join_gap_s: f64,
    criteria: Vec<Criterion>,
}

impl Rubric {
    /// Parses and validates a rubric (format in `RUBRIC.md`).
    pub fn from_toml_str(text: &str) -> Result<Rubric, RubricError> {
        spec::parse(text)
    }

    /// Reads and parses a rubric file. Errors do not repeat the path except for I/O errors;
    /// callers that load many rubrics add it.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Rubric, RubricError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| RubricError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text)
    }

    /// The sample e-commerce support rubric shipped with the crate.
    pub fn ecommerce_support() -> Rubric {
        Self::from_toml_str(ECOMMERCE_SUPPORT_TOML).expect("the shipped sample rubric is valid")
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The score (0–100) a call needs to pass.
    pub fn pass_mark(&self) -> f64 {
        self.pass_mark
    }

    pub fn join_gap_s(&self) -> f64 {
        self.join_gap_s
    }

    pub fn criteria(&self) -> &[Criterion] {
        &self.criteria
    }
}
