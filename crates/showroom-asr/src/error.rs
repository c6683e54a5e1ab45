//! The one error type of this crate.

use std::path::PathBuf;

use whisper_rs::WhisperError;

/// Everything that can go wrong while loading a model or transcribing.
///
/// Loading errors name the file; request errors name the offending option, so a caller can map
/// them to "bad request" without parsing messages.
#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    /// The model file is missing, unreadable or not a whisper.cpp ggml model whisper.cpp would
    /// accept (checked with [`showroom_asr_model::verify_ggml`] before whisper.cpp sees it).
    #[error("model {path}: {source}")]
    BadModel {
        path: PathBuf,
        #[source]
        source: showroom_asr_model::Error,
    },

    /// The file passed the format check but whisper.cpp refused to load it.
    #[error("model {path}: whisper.cpp could not load it: {source}")]
    ModelLoad {
        path: PathBuf,
        #[source]
        source: WhisperError,
    },

    /// An [`EngineConfig`](crate::EngineConfig) value out of range.
    #[error("invalid engine config: {0}")]
    Config(String),

    /// A language code whisper.cpp does not know (e.g. `"xx"`).
    #[error("unknown language code {0:?}")]
    UnknownLanguage(String),

    /// A request an English-only model (`*.en`) cannot serve: another language or translation.
    #[error("the model is English-only and cannot {0}")]
    EnglishOnlyModel(&'static str),

    /// Audio samples that are not finite (NaN or infinite).
    #[error("invalid audio: {0}")]
    InvalidAudio(String),

    /// A text option (language, initial prompt) that cannot be passed to whisper.cpp.
    #[error("invalid {option}: {why}")]
    InvalidOption { option: &'static str, why: String },

    /// The caller's [`CancelFlag`](crate::CancelFlag) stopped the transcription.
    #[error("cancelled")]
    Cancelled,

    /// whisper.cpp failed while creating a decoder state or running a transcription.
    #[error("whisper.cpp failed while {during}: {source}")]
    Whisper {
        during: &'static str,
        #[source]
        source: WhisperError,
    },
}

impl AsrError {
    pub(crate) fn whisper(during: &'static str) -> impl FnOnce(WhisperError) -> Self {
        move |source| Self::Whisper { during, source }
    }
}
