//! The audio front-end of speech recognition: one call track's Opus RTP (or PCM from a file) in,
//! utterances of 16 kHz mono `f32` audio with stream times out.
//!
//! RTP → reorder buffer (waits `reorder_window` for late packets) → Opus decode on the RTP
//! timeline (losses concealed with PLC/FEC and counted, DTX gaps become silence) → rubato FFT
//! resampler to 16 kHz → VAD ([`vad`]: band-limited energy over an adaptive noise floor and
//! under the speaker's own level) → segmenter (hangover, min/max length, `Partial`
//! every `partial_interval`, `Final` at the end).
//!
//! **Sans-IO**: no sockets, threads or clocks. Arrival times come in as [`Instant`]s and all
//! decisions follow stream time, so a test replays ten minutes of a call in milliseconds with the
//! same result every run.
//!
//! **Not here**: Whisper (the ASR engine consumes [`SpeechEvent`]s), RTP header parsing and SSRC
//! demultiplexing (the caller hands in sequence number, timestamp and payload of one track),
//! and any network or file I/O.
//!
//! **Invariants**: event times are `start_offset + samples / 16000` of the track's own stream
//! (RTP timestamps, so they follow the call clock through DTX and loss); every `Partial` of an
//! utterance is followed by exactly one `Final`; nothing is dropped without being counted in
//! [`FrontEndStats`].

mod decode;
mod error;
pub mod resample;
mod rtp;
mod segment;
pub mod vad;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use error::AudioError;
pub use segment::TimedFrame;
pub use resample::{OUTPUT_HZ, Resampler16k};

use decode::{DecodeCounts, OPUS_HZ, OpusTimeline, Piece};
use rtp::{Admission, ReorderBuffer};
use segment::{Limits, Segmenter};
use vad::{Vad, VadParams};

/// Most errors kept for [`AudioFrontEnd::drain_errors`]; older ones are dropped (still counted).
const MAX_KEPT_ERRORS: usize = 64;

/// Tunables of one track's front-end. Each default is explained on its field.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontEndConfig {
    /// How long to wait for a late packet before declaring the missing ones lost. 60 ms: three
    /// 20 ms packets, enough for the reordering seen behind an SFU, and small next to the
    /// ~1 s partial cadence.
    pub reorder_window: Duration,
    /// Emit a `Partial` at least this often (stream time) while an utterance is open. 1 s.
    pub partial_interval: Duration,
    /// Voiced bursts shorter than this are dropped as noise (counted in
    /// [`FrontEndStats::noise_bursts_dropped`]). 300 ms: shorter than a short word ("yes")
    /// with its pre-roll, longer than a cough, click or door knock.
    pub min_utterance: Duration,
    /// Longest utterance: a `Final` is forced at this length and a new one continues. 20 s,
    /// well inside Whisper's 30 s window.
    pub max_utterance: Duration,
    /// Non-speech that closes an utterance (hangover). 600 ms: longer than the pauses between
    /// words and at commas, shorter than the pause at a turn.
    pub end_silence: Duration,
    /// An utterance this long closes at a shorter pause ([`split_silence`](Self::split_silence)).
    /// 5 s: a final's latency is dominated by decoding it (Whisper's cost grows with the
    /// audio), and long monologues would otherwise give 10–20 s finals that arrive seconds after
    /// the speaker stopped; a phrase of 5 s is still plenty of context, and the next piece is
    /// decoded with this one's text as its prompt.
    pub split_after: Duration,
    /// The pause that closes an utterance longer than `split_after`. 250 ms: the breath at a
    /// comma or between clauses, longer than the gaps inside words.
    pub split_silence: Duration,
    /// A frame is speech only if its 200–4000 Hz level is this far above the adaptive noise
    /// floor. 10 dB: steady noise stays within about ±3 dB of its mean frame to frame and the
    /// floor (a minimum) sits ~2 dB under that mean, so noise frames stay ≥ 5 dB under the
    /// threshold, while speech at 20 dB SNR has most of its voiced frames 15–30 dB above it.
    pub vad_threshold_db: f32,
    /// A frame is speech only if it is within this many dB of the speaker's recent speech level
    /// (which follows their loud frames). 15 dB: the far end leaking into this microphone (echo,
    /// a neighbour) arrives 25 dB or more under the near speaker in RMS, and its own loud frames
    /// peak ~10 dB over its RMS, so they stay under; the near speaker's vowels are within 15 dB
    /// of their loud ones, and the softer consonants between them are bridged by the hangover.
    pub leak_margin_db: f32,
    /// Absolute minimum level of speech, dBFS in the 200–4000 Hz band. -60 dBFS: under any
    /// real microphone's speech, above digital silence and dither.
    pub min_level_dbfs: f32,
}

impl Default for FrontEndConfig {
    fn default() -> Self {
        Self {
            reorder_window: Duration::from_millis(60),
            partial_interval: Duration::from_secs(1),
            min_utterance: Duration::from_millis(300),
            max_utterance: Duration::from_secs(20),
            end_silence: Duration::from_millis(600),
            split_after: Duration::from_secs(5),
            split_silence: Duration::from_millis(250),
            vad_threshold_db: 10.0,
            leak_margin_db: 15.0,
            min_level_dbfs: -60.0,
        }
    }
}

impl FrontEndConfig {
    fn validate(&self) -> Result<(), AudioError> {
        let bad = |field, reason| Err(AudioError::InvalidConfig { field, reason });
        if self.partial_interval < Duration::from_millis(10) {
            return bad("partial_interval", "must be at least 10 ms");
        }
        if self.end_silence < Duration::from_millis(10) {
            return bad("end_silence", "must be at least 10 ms");
        }
        if self.split_silence < Duration::from_millis(10) || self.split_silence > self.end_silence {
            return bad("split_silence", "must be at least 10 ms and at most end_silence");
        }
        if self.max_utterance <= self.min_utterance || self.max_utterance <= self.end_silence {
            return bad("max_utterance", "must exceed min_utterance and end_silence");
        }
        if self.max_utterance > Duration::from_secs(600) {
            return bad("max_utterance", "must be at most 10 minutes");
        }
        if self.reorder_window > Duration::from_secs(10) {
            return bad("reorder_window", "must be at most 10 s");
        }
        for (field, v) in [
            ("vad_threshold_db", self.vad_threshold_db),
            ("leak_margin_db", self.leak_margin_db),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(field, "must be a positive number of dB");
            }
        }
        if !(self.min_level_dbfs.is_finite() && self.min_level_dbfs < 0.0) {
            return bad("min_level_dbfs", "must be a negative dBFS value");
        }
        Ok(())
    }

    fn limits(&self) -> Limits {
        let samples = |d: Duration| (d.as_secs_f64() * f64::from(OUTPUT_HZ)).round() as usize;
        Limits {
            partial_interval: samples(self.partial_interval),
            min_utterance: samples(self.min_utterance),
            max_utterance: samples(self.max_utterance),
            end_silence: samples(self.end_silence),
            split_after: samples(self.split_after),
            split_silence: samples(self.split_silence),
        }
    }
}

/// What the front-end tells the ASR engine.
#[derive(Debug, Clone, PartialEq)]
pub enum SpeechEvent {
    /// Speech in progress: all 16 kHz mono f32 audio of the utterance so far.
    Partial {
        utterance: u64,
        start: f64,
        end: f64,
        audio: Arc<[f32]>,
        /// The speaker has paused long enough that, if they do not go on, this audio is exactly
        /// the `Final`'s: a recognizer that transcribes it now has the final ready when the
        /// utterance closes (end-of-utterance latency without the rest of the hangover).
        pause: bool,
    },
    /// The utterance ended (silence, max length, or stream end).
    Final {
        utterance: u64,
        start: f64,
        end: f64,
        audio: Arc<[f32]>,
        /// Milliseconds of this utterance that were concealed (lost or undecodable packets).
        lost_ms: u32,
    },
}

impl SpeechEvent {
    pub fn utterance(&self) -> u64 {
        match self {
            Self::Partial { utterance, .. } | Self::Final { utterance, .. } => *utterance,
        }
    }

    /// (start, end) in seconds of stream time.
    pub fn span(&self) -> (f64, f64) {
        match self {
            Self::Partial { start, end, .. } | Self::Final { start, end, .. } => (*start, *end),
        }
    }

    pub fn audio(&self) -> &Arc<[f32]> {
        match self {
            Self::Partial { audio, .. } | Self::Final { audio, .. } => audio,
        }
    }

    pub fn is_final(&self) -> bool {
        matches!(self, Self::Final { .. })
    }

    /// A partial at a pause: the final-to-be if the speaker does not go on.
    pub fn is_pause(&self) -> bool {
        matches!(self, Self::Partial { pause: true, .. })
    }
}

/// Everything the front-end counted (for metrics and tests).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FrontEndStats {
    pub packets_received: u64,
    pub duplicate_packets: u64,
    /// Packets that arrived after the reorder window had declared them lost.
    pub late_packets: u64,
    pub lost_packets: u64,
    /// Payloads that were empty or not valid Opus (their time is concealed like a loss).
    pub decode_errors: u64,
    /// Audio concealed for lost or undecodable packets, ms.
    pub concealed_ms: u64,
    /// Silence inserted for RTP timestamp gaps (DTX), ms.
    pub dtx_silence_ms: u64,
    /// Timestamps that went backwards or jumped by more than ten minutes.
    pub timestamp_anomalies: u64,
    /// PCM chunks refused (unsupported sample rate).
    pub rejected_pcm_chunks: u64,
    /// Non-finite PCM samples replaced by silence.
    pub non_finite_samples: u64,
    pub utterances: u64,
    pub noise_bursts_dropped: u64,
    /// Finals forced by `max_utterance`.
    pub forced_finals: u64,
    /// Errors dropped from the kept list because it was full.
    pub errors_not_kept: u64,
}

/// Concealed ranges of the 16 kHz stream, for `lost_ms`.
#[derive(Debug, Default)]
struct LossLedger {
    ranges: VecDeque<(u64, u64)>,
}

impl LossLedger {
    fn add(&mut self, start: u64, end: u64) {
        if end > start {
            self.ranges.push_back((start, end));
        }
    }

    fn lost_ms(&self, start: u64, end: u64) -> u32 {
        let samples: u64 = self
            .ranges
            .iter()
            .map(|&(a, b)| b.min(end).saturating_sub(a.max(start)))
            .sum();
        u32::try_from(samples * 1000 / u64::from(OUTPUT_HZ)).unwrap_or(u32::MAX)
    }

    fn forget_before(&mut self, pos: u64) {
        while self.ranges.front().is_some_and(|&(_, end)| end < pos) {
            self.ranges.pop_front();
        }
    }
}

/// One track's front-end. See the crate docs.
pub struct AudioFrontEnd {
    cfg: FrontEndConfig,
    reorder: ReorderBuffer,
    opus: OpusTimeline,
    rtp_resampler: Resampler16k,
    pcm_resampler: Option<Resampler16k>,
    segmenter: Segmenter,
    losses: LossLedger,
    /// 16 kHz position where the RTP stream's first sample lands.
    rtp_base: Option<u64>,
    /// 48 kHz samples produced by the Opus timeline so far.
    decoded_48k: u64,
    /// When the RTP stream last reached the end of what was decoded (for `tick`).
    anchor: Option<Instant>,
    decode_counts: DecodeCounts,
    stats: FrontEndStats,
    errors: VecDeque<AudioError>,
    scratch: Vec<f32>,
}

impl std::fmt::Debug for AudioFrontEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioFrontEnd")
            .field("cfg", &self.cfg)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl AudioFrontEnd {
    pub fn new(cfg: FrontEndConfig) -> Result<Self, AudioError> {
        cfg.validate()?;
        let vad = Vad::new(VadParams {
            threshold_db: cfg.vad_threshold_db,
            leak_margin_db: cfg.leak_margin_db,
            min_level_dbfs: cfg.min_level_dbfs,
        });
        Ok(Self {
            reorder: ReorderBuffer::new(cfg.reorder_window),
            opus: OpusTimeline::new()?,
            rtp_resampler: Resampler16k::new(OPUS_HZ)?,
            pcm_resampler: None,
            segmenter: Segmenter::new(vad, cfg.limits()),
            losses: LossLedger::default(),
            rtp_base: None,
            decoded_48k: 0,
            anchor: None,
            decode_counts: DecodeCounts::default(),
            stats: FrontEndStats::default(),
            errors: VecDeque::new(),
            scratch: Vec::new(),
            cfg,
        })
    }

    /// Stream time of the first sample, for aligning several tracks of one call (seconds).
    pub fn with_start_offset(mut self, seconds: f64) -> Self {
        self.segmenter.set_offset(seconds);
        self
    }

    pub fn config(&self) -> &FrontEndConfig {
        &self.cfg
    }

    /// Keep every frame's VAD decision for [`Self::drain_frames`] (for conversation analysis,
    /// which then needs no VAD of its own).
    pub fn keep_frames(mut self) -> Self {
        self.segmenter.frame_log = Some(Vec::new());
        self
    }

    /// The frame decisions since the last call (empty unless [`Self::keep_frames`]).
    pub fn drain_frames(&mut self) -> Vec<TimedFrame> {
        self.segmenter.frame_log.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// One RTP packet carrying Opus (48 kHz clock). Reorders within the window, conceals losses
    /// (opus PLC / FEC decode of the next packet when available), and returns events it caused.
    pub fn push_rtp(
        &mut self,
        seq: u16,
        rtp_ts: u32,
        payload: &[u8],
        arrival: Instant,
    ) -> Vec<SpeechEvent> {
        self.stats.packets_received += 1;
        match self.reorder.push(seq, rtp_ts, payload, arrival) {
            Admission::Held => {}
            Admission::Duplicate => self.stats.duplicate_packets += 1,
            Admission::Late => self.stats.late_packets += 1,
        }
        let mut events = Vec::new();
        let released = self.reorder.release(arrival);
        self.decode_released(released, arrival, &mut events);
        events
    }

    /// Time passes without packets: flush the reorder buffer, close an utterance on silence/timeout.
    pub fn tick(&mut self, now: Instant) -> Vec<SpeechEvent> {
        let mut events = Vec::new();
        let released = self.reorder.release(now);
        self.decode_released(released, now, &mut events);
        if self.reorder.is_empty()
            && let (Some(anchor), Some(base)) = (self.anchor, self.rtp_base)
        {
            // Packets stopped (DTX or a dead link): what should have arrived by now, less the
            // reorder allowance, is silence as far as the segmenter is concerned.
            let waited = now
                .saturating_duration_since(anchor)
                .saturating_sub(self.cfg.reorder_window);
            let decoded_end = base + self.decoded_48k / u64::from(OPUS_HZ / OUTPUT_HZ);
            let now_pos = decoded_end + (waited.as_secs_f64() * f64::from(OUTPUT_HZ)) as u64;
            let losses = &self.losses;
            self.segmenter
                .idle_until(now_pos, &|a, b| losses.lost_ms(a, b), &mut events);
        }
        self.sync_counts();
        events
    }

    /// When `tick` should next be called if no packet comes (a driver's timer), if anything waits.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.reorder.next_deadline()
    }

    /// PCM input for files and tests (any sample rate, mono f32 in [-1,1]); returns events.
    pub fn push_pcm(&mut self, samples: &[f32], sample_rate: u32) -> Vec<SpeechEvent> {
        let mut events = Vec::new();
        if self
            .pcm_resampler
            .as_ref()
            .is_none_or(|r| r.input_hz() != sample_rate)
        {
            match Resampler16k::new(sample_rate) {
                Ok(new) => {
                    if let Some(mut old) = self.pcm_resampler.replace(new) {
                        let mut out = std::mem::take(&mut self.scratch);
                        out.clear();
                        old.flush(&mut out);
                        self.feed(&out, &mut events);
                        self.scratch = out;
                    }
                }
                Err(e) => {
                    self.stats.rejected_pcm_chunks += 1;
                    self.keep_error(e);
                    return events;
                }
            }
        }
        let clean: Vec<f32>;
        let input = if samples.iter().all(|s| s.is_finite()) {
            samples
        } else {
            clean = samples
                .iter()
                .map(|&s| {
                    if s.is_finite() {
                        s
                    } else {
                        self.stats.non_finite_samples += 1;
                        0.0
                    }
                })
                .collect();
            &clean
        };
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        self.pcm_resampler
            .as_mut()
            .expect("set above")
            .process(input, &mut out);
        self.feed(&out, &mut events);
        self.scratch = out;
        self.sync_counts();
        events
    }

    /// End of stream: a Final for any open utterance. Held packets are decoded first and both
    /// resamplers flushed. Input after `finish` continues the stream as a new one would.
    pub fn finish(&mut self) -> Vec<SpeechEvent> {
        let mut events = Vec::new();
        let released = self.reorder.drain();
        let now = released.last().map(|p| p.arrival);
        if let Some(now) = now {
            self.decode_released(released, now, &mut events);
        }
        let mut out = Vec::new();
        self.rtp_resampler.flush(&mut out);
        if let Some(pcm) = self.pcm_resampler.as_mut() {
            pcm.flush(&mut out);
        }
        self.feed(&out, &mut events);
        let losses = &self.losses;
        self.segmenter
            .finish(&|a, b| losses.lost_ms(a, b), &mut events);
        self.sync_counts();
        events
    }

    pub fn stats(&self) -> FrontEndStats {
        self.stats
    }

    /// Errors since the last call (at most the 64 most recent; the rest are counted in
    /// [`FrontEndStats::errors_not_kept`]).
    pub fn drain_errors(&mut self) -> Vec<AudioError> {
        self.errors.drain(..).collect()
    }

    fn decode_released(
        &mut self,
        released: Vec<rtp::Released>,
        now: Instant,
        events: &mut Vec<SpeechEvent>,
    ) {
        if released.is_empty() {
            return;
        }
        let mut pieces = Vec::new();
        for pkt in released {
            if self.rtp_base.is_none() {
                self.rtp_base = Some(self.segmenter.fed());
            }
            pieces.clear();
            if let Err(e) = self.opus.decode(&pkt, &mut pieces, &mut self.decode_counts) {
                self.stats.decode_errors += 1;
                self.keep_error(e);
            }
            let mut resampled = std::mem::take(&mut self.scratch);
            resampled.clear();
            for piece in &pieces {
                let start48 = self.decoded_48k;
                match piece {
                    Piece::Audio(a) => self.rtp_resampler.process(a, &mut resampled),
                    Piece::Concealed(a) => {
                        self.rtp_resampler.process(a, &mut resampled);
                        let base = self.rtp_base.expect("set above");
                        let ratio = u64::from(OPUS_HZ / OUTPUT_HZ);
                        self.losses.add(
                            base + start48 / ratio,
                            base + (start48 + a.len() as u64) / ratio,
                        );
                    }
                    Piece::Silence(n) => {
                        let zeros = vec![0.0; *n];
                        self.rtp_resampler.process(&zeros, &mut resampled);
                    }
                }
                self.decoded_48k += match piece {
                    Piece::Audio(a) | Piece::Concealed(a) => a.len() as u64,
                    Piece::Silence(n) => *n as u64,
                };
            }
            self.feed(&resampled, events);
            self.scratch = resampled;
        }
        self.anchor = Some(now);
        self.sync_counts();
    }

    fn feed(&mut self, samples: &[f32], events: &mut Vec<SpeechEvent>) {
        if samples.is_empty() {
            return;
        }
        let losses = &self.losses;
        self.segmenter
            .push(samples, &|a, b| losses.lost_ms(a, b), events);
        let horizon =
            (self.cfg.max_utterance + Duration::from_secs(2)).as_secs() * u64::from(OUTPUT_HZ);
        self.losses
            .forget_before(self.segmenter.fed().saturating_sub(horizon));
    }

    fn keep_error(&mut self, e: AudioError) {
        if self.errors.len() == MAX_KEPT_ERRORS {
            self.errors.pop_front();
            self.stats.errors_not_kept += 1;
        }
        self.errors.push_back(e);
    }

    fn sync_counts(&mut self) {
        let d = self.decode_counts;
        let ms = |samples: u64| samples * 1000 / u64::from(OPUS_HZ);
        self.stats.lost_packets = d.lost_packets;
        self.stats.concealed_ms = ms(d.concealed_samples);
        self.stats.dtx_silence_ms = ms(d.silence_samples);
        self.stats.timestamp_anomalies = d.timestamp_anomalies;
        let s = self.segmenter.counts;
        self.stats.utterances = s.utterances;
        self.stats.noise_bursts_dropped = s.noise_bursts_dropped;
        self.stats.forced_finals = s.forced_finals;
    }
}
