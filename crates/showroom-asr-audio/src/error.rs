//! Errors of the audio front-end.

/// What can go wrong. Construction errors come back from [`crate::AudioFrontEnd::new`]; errors
/// about single packets or chunks never stop the stream: they are counted in
/// [`crate::FrontEndStats`] and kept for [`crate::AudioFrontEnd::drain_errors`].
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("invalid front-end config: {field} {reason}")]
    InvalidConfig {
        field: &'static str,
        reason: &'static str,
    },
    #[error("opus decoder could not be created: {0}")]
    DecoderInit(opus::Error),
    #[error("rtp packet seq {seq} has an empty payload")]
    EmptyPayload { seq: u16 },
    #[error("rtp packet seq {seq}: payload of {len} bytes is not a valid opus packet: {source}")]
    InvalidOpus {
        seq: u16,
        len: usize,
        #[source]
        source: opus::Error,
    },
    #[error("rtp packet seq {seq}: opus packet duration is zero or over 120 ms")]
    BadPacketDuration { seq: u16 },
    #[error("opus concealment failed: {0}")]
    Concealment(opus::Error),
    #[error("unsupported pcm sample rate {0} Hz (must be 1000..=384000)")]
    UnsupportedSampleRate(u32),
    #[error("resampler {from_hz} Hz -> 16000 Hz could not be built: {reason}")]
    Resampler { from_hz: u32, reason: String },
}
