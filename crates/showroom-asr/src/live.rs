//! Whisper as the live-transcription pool's `Recognizer`.

use showroom_live_asr::{Hints, Recognition, Recognizer};

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::{CancelFlag, DecodeOptions, WhisperEngine};

/// A [`WhisperEngine`] behind `showroom-live-asr`'s recognizer seam, named for metrics.
pub struct WhisperRecognizer {
    engine: WhisperEngine,
    model: String,
}

impl WhisperRecognizer {
    pub fn new(engine: WhisperEngine, model: impl Into<String>) -> Self {
        Self { engine, model: model.into() }
    }
}

impl Recognizer for WhisperRecognizer {
    fn recognize(&self, audio: &[f32], hints: &Hints, cancel: &Arc<AtomicBool>) -> Result<Recognition, String> {
        let opts = DecodeOptions {
            language: hints.language.clone(),
            translate: hints.translate,
            initial_prompt: hints.prompt.clone(),
            cancel: Some(CancelFlag(cancel.clone())),
            ..Default::default()
        };
        let t = self.engine.transcribe(audio, &opts).map_err(|e| e.to_string())?;
        Ok(Recognition { text: t.text, language: t.language, confidence: t.confidence })
    }

    fn model(&self, _hints: &Hints) -> &str {
        &self.model
    }
}
