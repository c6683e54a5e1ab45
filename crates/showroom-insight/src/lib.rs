//! Conversation insight for a two-party call: who is speaking when, who talks over whom, and the
//! talk metrics of the whole call.
//!
//! - [`activity`]: each party's own 16 kHz audio, 10 ms frames → the energy VAD of
//!   `showroom-asr-audio` (noise floor + leak margin) → [`ActivityTracker`] (onset confirmation,
//!   hangover) → speech on/off edges with back-dated timestamps, plus the per-frame level
//!   evidence the overtalk detector uses. Externally produced edges work as well.
//! - [`overtalk`]: [`OvertalkDetector`], a sans-IO state machine fed with edges (and optionally
//!   frame levels) and ticked with `now`. It raises a live [`InterruptionAlert`] at a fixed
//!   overlap age (220 ms: inside the 300 ms budget from the newcomer's true onset), classifies
//!   every overlap when it resolves ([`OvertalkResolved`]: interruption, backchannel,
//!   simultaneous start) and retracts an alert that turned out wrong ([`AlertRetracted`]).
//! - [`analysis`]: [`CallAnalyzer`] drives both parties' frames through all of it (what a live
//!   bridge, a CLI or a benchmark needs).
//! - [`metrics`]: [`TalkMetrics`] of a finished call from the two timelines, the resolved
//!   overtalk events and optional word counts; `METRICS.md` documents every definition next to
//!   Amazon Connect Contact Lens's.
//!
//! **Sans-IO**: no clocks, sockets, threads or files. Every time is an `f64` number of seconds
//! since the call started, supplied by the caller, so a ten-minute call replays in milliseconds
//! with the same result every run.
//!
//! **Not here**: audio decoding and resampling (the ASR front-end does that), transcripts and
//! ASR, JSON wire formats (types only derive serde), scorecards and PII redaction.

pub mod activity;
pub mod analysis;
pub mod metrics;
pub mod overtalk;
mod party;

pub use activity::{
    ActivityChange, ActivityConfig, ActivityEdge, ActivityTracker, FrameObservation, FrameOutput,
    Segment, Timeline,
};
pub use analysis::{CallAnalysis, CallAnalyzer};
pub use metrics::{LatencyStats, MetricsConfig, TalkMetrics, WordCounts, word_counts};
pub use overtalk::{
    AlertEvidence, AlertRetracted, DetectorConfig, InterruptionAlert, OvertalkDetector,
    OvertalkEvent, OvertalkId, OvertalkKind, OvertalkResolved,
};
pub use party::{Party, PerParty};

/// A configuration value that cannot work.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("invalid {field}: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
}
