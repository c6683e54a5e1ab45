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

use std::sync::atomic::AtomicBool;
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
    /// Which model of a [`ModelSet`] (per tenant), or None for its default.
    pub model: Option<String>,
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
    /// `cancel` is set when the pool wants the worker back (a partial giving way to a final);
    /// a recognizer that can stop early returns an error then.
    fn recognize(&self, audio_16k: &[f32], hints: &Hints, cancel: &Arc<AtomicBool>) -> Result<Recognition, String>;
    /// Name of the model that `hints` select, for metrics.
    fn model(&self, hints: &Hints) -> &str;
}

/// Several loaded models (e.g. `tiny.en` by default, the multilingual `base` for tenants whose
/// shoppers speak other languages), chosen per utterance by [`Hints::model`].
pub struct ModelSet {
    default: Arc<dyn Recognizer>,
    default_name: String,
    others: Vec<(String, Arc<dyn Recognizer>)>,
}

impl ModelSet {
    pub fn new(name: impl Into<String>, default: Arc<dyn Recognizer>) -> Self {
        Self { default, default_name: name.into(), others: Vec::new() }
    }

    pub fn with(mut self, name: impl Into<String>, recognizer: Arc<dyn Recognizer>) -> Self {
        self.others.push((name.into(), recognizer));
        self
    }

    pub fn contains(&self, name: &str) -> bool {
        name == self.default_name || self.others.iter().any(|(n, _)| n == name)
    }

    fn pick(&self, hints: &Hints) -> &Arc<dyn Recognizer> {
        match &hints.model {
            Some(m) if *m != self.default_name => self.others.iter().find(|(n, _)| n == m).map_or(&self.default, |(_, r)| r),
            _ => &self.default,
        }
    }
}

impl Recognizer for ModelSet {
    fn recognize(&self, audio_16k: &[f32], hints: &Hints, cancel: &Arc<AtomicBool>) -> Result<Recognition, String> {
        self.pick(hints).recognize(audio_16k, hints, cancel)
    }

    fn model(&self, hints: &Hints) -> &str {
        self.pick(hints).model(hints)
    }
}

/// Hands one front-end event of `stream` to the pool: finals, pause candidates and partials.
pub fn submit_speech(pool: &AsrPool, stream: &StreamKey, hints: &Hints, event: showroom_asr_audio::SpeechEvent, now: std::time::Instant) {
    let (start, end) = event.span();
    let utterance = Utterance { stream: stream.clone(), utterance: event.utterance(), start, end, audio: event.audio().clone(), hints: hints.clone() };
    if event.is_final() {
        pool.submit_final(utterance, now);
    } else if event.is_pause() {
        pool.submit_pause(utterance, now);
    } else {
        pool.submit_partial(utterance, now);
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// An utterance closed and its final pass is queued: a `Final` or `NotTranscribed` for it
    /// follows. (Lets a consumer wait for every utterance of a call before concluding it.)
    FinalQueued { stream: StreamKey, utterance: u64 },
    Partial { stream: StreamKey, utterance: u64, start: f64, end: f64, committed: String, tentative: String },
    Final { stream: StreamKey, utterance: u64, start: f64, end: f64, text: String, language: String, confidence: f32 },
    NotTranscribed { stream: StreamKey, utterance: u64, start: f64, end: f64, reason: String },
}
