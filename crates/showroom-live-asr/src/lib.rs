//! Live transcription scheduling for Showroom: utterances from every call's audio go to a
//! bounded pool of recognizer threads; partial results are stabilised so they do not flicker;
//! under overload the pool degrades in order (fewer partials, finals only, visible lag) and an
//! utterance it cannot transcribe in time is reported as such, never dropped silently.
//!
//! **API boundary:** knows nothing of Whisper, the SFU or the network. Opus RTP packets come in
//! ([`TrackPacket`], through [`run_feed`], which segments them with `showroom-asr-audio`), or
//! ready 16 kHz utterances ([`Utterance`]); recognition is a [`Recognizer`]; results leave as
//! [`LiveEvent`]s through a callback.

mod feed;
mod file;
pub mod metrics;
pub mod policy;
mod pool;
pub mod stabilize;

use std::sync::Arc;

pub use metrics::AsrMetrics;
pub use policy::{Mode, PolicyConfig};
pub use feed::{run_feed, Speakers, TrackPacket};
pub use file::{transcribe_channels, Channel};
pub use pool::AsrPool;

/// Whose audio: one party's track in one call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamKey {
    pub call: String,
    pub participant: String,
    /// The speaker's role (customer, agent, supervisor), carried to the transcript.
    pub role: String,
}

/// What the recognizer should assume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    /// Spoken language, or None to detect it.
    pub language: Option<String>,
    /// Translate to English.
    pub translate: bool,
    /// Text said just before (the stream's previous final): context that helps the recognizer
    /// across utterance boundaries. The pool fills it in.
    pub prompt: Option<String>,
}

/// An utterance so far (for a partial) or complete (for a final).
#[derive(Debug, Clone)]
pub struct Utterance {
    pub stream: StreamKey,
    pub utterance: u64,
    /// Seconds since the call started.
    pub start: f64,
    pub end: f64,
    /// 16 kHz mono samples.
    pub audio: Arc<[f32]>,
    pub hints: Hints,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recognition {
    pub text: String,
    pub language: String,
    pub confidence: f32,
}

/// Speech recognition, blocking and CPU-bound (called from pool threads only).
pub trait Recognizer: Send + Sync + 'static {
    fn recognize(&self, audio_16k: &[f32], hints: &Hints) -> Result<Recognition, String>;
    /// Model name for metrics.
    fn model(&self) -> &str;
}

#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    Partial { stream: StreamKey, utterance: u64, start: f64, end: f64, committed: String, tentative: String },
    Final { stream: StreamKey, utterance: u64, start: f64, end: f64, text: String, language: String, confidence: f32 },
    NotTranscribed { stream: StreamKey, utterance: u64, start: f64, end: f64, reason: String },
}
