//! Call recordings for Showroom.
//!
//! - [`OggOpusWriter`] writes one party's audio as an Ogg/Opus file (RFC 7845) straight from the
//!   RTP payloads — no decoding, no transcoding. Gaps in the RTP timeline (DTX, loss) are filled
//!   with one-byte "no data" Opus packets, so the file's clock stays the call's clock.
//! - [`silence_spans`] silences spans of a finished file (PII read out) by swapping packets for
//!   "no data" ones: again no transcoding, and the timeline is kept.
//! - [`read_recording`] reads a recording back as PCM: Ogg/Opus (mono or stereo, channel mapping
//!   family 0) or WAV (integer or float). Used by `showroom transcribe`/`analyze`/`import`.
//!
//! **API boundary:** bytes and samples only; knows nothing of calls, RTP transport or ASR.

mod mask;
mod read;
mod write;

pub use mask::silence_spans;
pub use read::{read_ogg_opus, read_recording, read_wav, Recording};
pub use write::{OggOpusWriter, PRE_SKIP};

/// Opus always runs at 48 kHz inside Ogg (RFC 7845 §4): granule positions count 48 kHz samples.
pub const OPUS_RATE: u32 = 48_000;

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a recording Showroom reads (expected Ogg/Opus or WAV): {0}")]
    UnknownFormat(String),
    #[error("ogg: {0}")]
    Ogg(String),
    #[error("opus header: {0}")]
    Header(String),
    #[error("opus: {0}")]
    Opus(#[from] opus::Error),
    #[error("wav: {0}")]
    Wav(#[from] hound::Error),
    #[error("{0} channels; mono or stereo (channel 0 customer, channel 1 agent) expected")]
    Channels(usize),
}
