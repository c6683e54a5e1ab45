//! QA scorecards: a finished call's transcript and talk metrics scored against a team's rubric,
//! with a verdict and evidence for every criterion.
//!
//! A [`Rubric`] (TOML, format in `RUBRIC.md`; sample in `rubrics/ecommerce-support.toml`)
//! holds weighted criteria of four kinds: a phrase expected within a time window, phrases
//! forbidden, a metric within bounds, and required steps in order (e.g. the agent asks for the
//! order number, the customer gives one, the agent reads the same number back). Each may apply
//! only `applies_when` a phrase was said, the call was long enough or is in given languages.
//! [`score`] turns a rubric and a [`ScoredCall`] into a [`Scorecard`]: pass / fail / not
//! applicable per criterion, each with quotes and segment times as [`Evidence`], and a 0–100
//! score weighted over the applicable criteria.
//!
//! Matching is made for ASR text ([`normalise`]): case, punctuation and accents are ignored,
//! number words become digits ("one two three" = "123"), and consecutive segments of one
//! speaker are joined so a phrase split across segments still matches.
//!
//! **Pure**: no clocks, files (except [`Rubric::from_path`]) or randomness; the same rubric
//! and call give the same scorecard every time, so stored calls can be re-scored when a rubric
//! changes.
//!
//! ```
//! use showroom_qa::{Role, Rubric, ScoredCall, Segment, Verdict, score};
//!
//! let rubric = Rubric::ecommerce_support(); // or Rubric::from_path("team.toml")?
//! let call = ScoredCall {
//!     duration_s: 40.0,
//!     language: Some("en".into()),
//!     segments: vec![
//!         Segment::new(Role::Agent, 0.4, 3.0, "Thanks for calling Acme, how can I help?"),
//!         Segment::new(Role::Customer, 3.5, 6.0, "Do you ship to Norway?"),
//!         Segment::new(Role::Agent, 6.5, 9.0, "We do. Have a great day!"),
//!     ],
//!     metrics: [("agent_interruptions".to_owned(), 0.0)].into(),
//! };
//! let card = score(&rubric, &call);
//! let greeting = card.criterion("greeting").unwrap();
//! assert_eq!(greeting.verdict, Verdict::Pass);
//! assert_eq!((greeting.evidence[0].start_s, greeting.evidence[0].end_s), (0.4, 3.0));
//! assert!(card.passed, "{card:#?}");
//! # Ok::<(), showroom_qa::RubricError>(())
//! ```
//!
//! **Not here**: computing talk metrics or detecting overtalk (the caller passes metrics in by
//! name, see [`KNOWN_METRICS`]), transcription, PII redaction, storage, and the CLI.

mod call;
mod error;
mod matcher;
mod normalise;
mod rubric;
mod score;
mod scorecard;
mod transcript;

pub use call::{Role, ScoredCall, Segment};
pub use error::RubricError;
pub use normalise::normalise;
pub use rubric::{
    Criterion, DEFAULT_JOIN_GAP_S, ECOMMERCE_SUPPORT_TOML, KNOWN_METRICS, Rubric, Speaker,
};
pub use score::{MAX_EVIDENCE, score};
pub use scorecard::{CriterionKind, CriterionResult, Evidence, Scorecard, Verdict};
