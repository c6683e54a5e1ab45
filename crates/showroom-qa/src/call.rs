//! The input: one finished call as the scorer sees it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Who spoke a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One final transcript segment of one party, in seconds from the start of the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub role: Role,
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
    /// The language the recogniser detected for this segment ("en", "es-MX", …), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl Segment {
    pub fn new(role: Role, start_s: f64, end_s: f64, text: impl Into<String>) -> Self {
        Segment {
            role,
            start_s,
            end_s,
            text: text.into(),
            language: None,
        }
    }

    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }
}

/// A finished call: its length, transcript and talk metrics (names as in [`crate::KNOWN_METRICS`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoredCall {
    pub duration_s: f64,
    /// The call's language when known; a segment's own language wins over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default)]
    pub segments: Vec<Segment>,
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
}

impl ScoredCall {
    /// The call's length: `duration_s`, or the end of the last segment if that is later (a
    /// caller that does not know the length can pass 0).
    pub fn effective_duration_s(&self) -> f64 {
        self.segments
            .iter()
            .map(|s| s.end_s)
            .filter(|t| t.is_finite())
            .fold(self.duration_s.max(0.0), f64::max)
    }
}

/// "en-US" / "EN" / "en_gb" → "en": rubrics key languages by their primary subtag.
pub(crate) fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_lowercase()
}
