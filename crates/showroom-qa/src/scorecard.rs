//! The output: a scorecard with a verdict and evidence per criterion.

use serde::{Deserialize, Serialize};

use crate::call::Role;

/// The kind of a rubric criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    /// A phrase that must be said, optionally within a time window.
    ExpectedPhrase,
    /// Phrases that must never be said.
    ForbiddenPhrase,
    /// A call metric within `min`/`max`.
    MetricBounds,
    /// One or more steps said in order (ask, answer, read back).
    RequiredSteps,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// The criterion does not apply to this call; it counts neither way.
    NotApplicable,
}

/// A quote from the transcript backing a verdict: the matched words with a little context
/// ("…" where the speaker's text goes on), and the times of the segment(s) they are in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub role: Role,
    pub start_s: f64,
    pub end_s: f64,
    pub quote: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    pub id: String,
    pub title: String,
    pub kind: CriterionKind,
    pub weight: f64,
    /// A failed critical criterion fails the call whatever the score.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub critical: bool,
    pub verdict: Verdict,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Why, in one sentence: what was found or expected, and when.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub rubric: String,
    pub rubric_version: String,
    /// 0–100: passed weight over applicable weight (100 when nothing applies), two decimals.
    pub score: f64,
    pub pass_mark: f64,
    /// `score >= pass_mark` and no critical criterion failed.
    pub passed: bool,
    pub criteria: Vec<CriterionResult>,
}

impl Scorecard {
    /// The result of criterion `id`, if the rubric has it.
    pub fn criterion(&self, id: &str) -> Option<&CriterionResult> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// Ids of the criteria that failed, in rubric order.
    pub fn failed(&self) -> Vec<&str> {
        self.criteria
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .map(|c| c.id.as_str())
            .collect()
    }
}
