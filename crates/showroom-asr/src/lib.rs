//! Speech recognition for Showroom's live transcripts: the Whisper engine.
//!
//! [`WhisperEngine`] loads a whisper.cpp ggml model once (through `whisper-rs`, after checking
//! the file with [`showroom_asr_model::verify_ggml`]) and transcribes 16 kHz mono `f32`
//! utterances on a bounded pool of decoder states, so several calls can be transcribed at once
//! without loading the weights twice. Decoding is tuned for short live utterances: the encoder
//! window is sized to the audio instead of Whisper's padded 30 s ([`window`]), one greedy pass
//! without temperature fallback, no timestamp tokens for a single-window utterance, blank and
//! non-speech tokens suppressed, decoder steps capped at 10 per second of audio. When the
//! sized window sends the decoder into a repetition loop — usually the whole utterance, then
//! the same sentence again instead of end-of-text — the first copy is kept
//! ([`Transcript::loop_trimmed`]); only when that copy is too short for the audio is the
//! utterance decoded again with the full window ([`Transcript::window_fallback`]).
//!
//! Around it: [`wer`] (text normalisation and word error rate, for tests and benchmarks) and
//! [`LocalAgreement`] (commits the words two successive partial hypotheses agree on, so
//! partial transcripts do not flicker).
//!
//! **Not here:** no audio decoding, resampling or voice-activity detection (the audio front-end
//! hands over utterances), no async runtime — [`WhisperEngine::transcribe`] blocks and belongs
//! on a worker thread — no model download (`showroom-asr-model` does that) and no knowledge of
//! calls, rooms or the SFU.
//!
//! **Invariant:** the engine is `Send + Sync`; a transcription holds one pooled state for its
//! whole duration and returns it even when it fails. Calls never carry text context from one
//! utterance to the next unless the caller passes it as `initial_prompt`.

mod cpu;
mod engine;
mod error;
mod live;
mod stabilise;
pub mod wer;
pub mod window;

pub use engine::{
    AudioWindow, CancelFlag, DecodeOptions, EngineConfig, MIN_AUDIO_SECONDS, SAMPLE_RATE, Segment, Transcript,
    WhisperEngine,
};
pub use error::AsrError;
pub use live::WhisperRecognizer;
pub use stabilise::{LocalAgreement, Stabilised};

#[cfg(test)]
mod tests {
    #[test]
    fn engine_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::WhisperEngine>();
    }
}
