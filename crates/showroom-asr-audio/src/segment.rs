//! Utterance segmentation on 16 kHz stream time: VAD frames in, `Partial`/`Final` events out.
//!
//! An utterance opens on the first voiced frame (with `PRE_ROLL` of audio before it, so soft
//! onsets are not clipped), stays open through unvoiced stretches shorter than `end_silence`
//! (hangover), and closes `POST_ROLL` after its last voiced frame. Bursts whose voiced span is
//! shorter than `min_utterance`, or that are voiced for less than half of it, are dropped as noise
//! and counted; an utterance never gets a `Partial` before it has passed that test, so every
//! `Partial` is followed by a `Final`.

use std::sync::Arc;

use crate::SpeechEvent;
use crate::resample::OUTPUT_HZ;
use crate::vad::{FRAME, Vad};

/// Audio kept before the first voiced frame: soft onsets ("h", "f", a breath) fall under the
/// threshold in noise, and Whisper does better with some lead-in than with a clipped word.
pub const PRE_ROLL: usize = (OUTPUT_HZ / 5) as usize;
/// Audio kept after the last voiced frame (bounded by `end_silence`). Longer than the pre-roll:
/// sentence endings decay slowly (final consonants, falling pitch) and fall under the VAD's
/// speaker-relative threshold before they are inaudible.
pub const POST_ROLL: usize = (OUTPUT_HZ / 4) as usize;

/// Segmentation limits in 16 kHz samples.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub partial_interval: usize,
    pub min_utterance: usize,
    pub max_utterance: usize,
    pub end_silence: usize,
    pub split_after: usize,
    pub split_silence: usize,
}

#[derive(Debug)]
struct Open {
    /// Assigned with the first event, so dropped noise bursts use no id.
    id: Option<u64>,
    /// Stream position (16 kHz samples) of `audio[0]`.
    start: u64,
    audio: Vec<f32>,
    first_voiced: u64,
    /// End of the last voiced frame.
    last_voiced_end: u64,
    voiced_samples: u64,
    /// Audio length at the last Partial.
    last_partial_len: usize,
}

/// Counts the segmenter keeps.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SegmentCounts {
    pub utterances: u64,
    pub noise_bursts_dropped: u64,
    pub forced_finals: u64,
}

pub struct Segmenter {
    vad: Vad,
    limits: Limits,
    /// Samples of the current incomplete frame.
    frame_buf: Vec<f32>,
    /// Stream position (16 kHz samples) of the next frame's first sample.
    pos: u64,
    /// The last `PRE_ROLL` samples while no utterance is open.
    history: Vec<f32>,
    /// Utterances may not start before this (the end of the previous one).
    earliest_start: u64,
    open: Option<Open>,
    next_id: u64,
    offset_s: f64,
    pub counts: SegmentCounts,
    /// Every frame's VAD decision since the last drain, when someone wants them.
    pub frame_log: Option<Vec<TimedFrame>>,
}

/// The VAD's decision on one 10 ms frame, at its start in stream seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedFrame {
    pub at: f64,
    pub decision: crate::vad::FrameDecision,
}

impl Segmenter {
    pub fn new(vad: Vad, limits: Limits) -> Self {
        Self {
            vad,
            limits,
            frame_buf: Vec::with_capacity(FRAME),
            pos: 0,
            history: Vec::with_capacity(PRE_ROLL * 2),
            earliest_start: 0,
            open: None,
            next_id: 0,
            offset_s: 0.0,
            counts: SegmentCounts::default(),
            frame_log: None,
        }
    }

    pub fn set_offset(&mut self, seconds: f64) {
        self.offset_s = seconds;
    }

    /// Stream position of everything pushed so far (16 kHz samples).
    pub fn fed(&self) -> u64 {
        self.pos + self.frame_buf.len() as u64
    }

    pub fn push(
        &mut self,
        samples: &[f32],
        lost: &dyn Fn(u64, u64) -> u32,
        events: &mut Vec<SpeechEvent>,
    ) {
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (FRAME - self.frame_buf.len()).min(rest.len());
            self.frame_buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.frame_buf.len() == FRAME {
                let frame = std::mem::take(&mut self.frame_buf);
                self.on_frame(&frame, lost, events);
                self.frame_buf = frame;
                self.frame_buf.clear();
            }
        }
    }

    fn on_frame(
        &mut self,
        frame: &[f32],
        lost: &dyn Fn(u64, u64) -> u32,
        events: &mut Vec<SpeechEvent>,
    ) {
        let decision = self.vad.frame(frame);
        let voiced = decision.voiced;
        if let Some(log) = self.frame_log.as_mut() {
            log.push(TimedFrame { at: self.offset_s + seconds(self.pos), decision });
        }
        let frame_start = self.pos;
        let frame_end = self.pos + FRAME as u64;
        self.pos = frame_end;
        match self.open.as_mut() {
            None => {
                if voiced {
                    let start = frame_start
                        .saturating_sub(PRE_ROLL as u64)
                        .max(self.earliest_start)
                        .max(frame_start - self.history.len() as u64)
                        .min(frame_start);
                    let keep = (frame_start - start) as usize;
                    let mut audio = self.history[self.history.len() - keep..].to_vec();
                    audio.extend_from_slice(frame);
                    self.open = Some(Open {
                        id: None,
                        start,
                        audio,
                        first_voiced: frame_start,
                        last_voiced_end: frame_end,
                        voiced_samples: FRAME as u64,
                        last_partial_len: 0,
                    });
                    self.history.clear();
                } else {
                    self.history.extend_from_slice(frame);
                    if self.history.len() > PRE_ROLL {
                        let excess = self.history.len() - PRE_ROLL;
                        self.history.drain(..excess);
                    }
                }
            }
            Some(open) => {
                open.audio.extend_from_slice(frame);
                if voiced {
                    open.last_voiced_end = frame_end;
                    open.voiced_samples += FRAME as u64;
                }
                let silent_for = frame_end - open.last_voiced_end;
                let closing_silence =
                    if open.audio.len() >= self.limits.split_after { self.limits.split_silence } else { self.limits.end_silence };
                let at_pause = !voiced && silent_for == POST_ROLL as u64 && self.is_speech(open_ref(&self.open));
                let open = self.open.as_mut().expect("matched above");
                if silent_for >= closing_silence as u64 {
                    self.close(lost, events);
                } else if at_pause {
                    // The final keeps POST_ROLL after the last voiced frame: from here on, the
                    // utterance so far is what the final will be unless the speaker goes on.
                    self.emit_partial(true, events);
                } else if open.audio.len() >= self.limits.max_utterance {
                    self.counts.forced_finals += 1;
                    self.force_split(lost, events);
                } else if open.audio.len() - open.last_partial_len >= self.limits.partial_interval
                    && self.is_speech(open_ref(&self.open))
                {
                    self.emit_partial(false, events);
                }
            }
        }
    }

    /// A `Partial` of the open utterance so far (numbered on its first partial).
    fn emit_partial(&mut self, pause: bool, events: &mut Vec<SpeechEvent>) {
        let Some(open) = self.open.as_mut() else { return };
        if !pause {
            open.last_partial_len = open.audio.len();
        }
        let id = *open.id.get_or_insert_with(|| {
            self.next_id += 1;
            self.next_id - 1
        });
        events.push(SpeechEvent::Partial {
            utterance: id,
            start: self.offset_s + seconds(open.start),
            end: self.offset_s + seconds(open.start + open.audio.len() as u64),
            audio: Arc::from(open.audio.as_slice()),
            pause,
        });
    }

    /// Whether the open utterance has passed the noise-burst test.
    fn is_speech(&self, open: &Open) -> bool {
        let span = open.last_voiced_end - open.first_voiced;
        span >= self.limits.min_utterance as u64
            && open.voiced_samples * 2 >= self.limits.min_utterance as u64
    }

    /// Time passes with no audio up to stream position `now_pos` (packets stopped coming):
    /// closes an open utterance once `end_silence` has passed since its last voiced frame.
    pub fn idle_until(
        &mut self,
        now_pos: u64,
        lost: &dyn Fn(u64, u64) -> u32,
        events: &mut Vec<SpeechEvent>,
    ) {
        if let Some(open) = self.open.as_ref()
            && now_pos.saturating_sub(open.last_voiced_end) >= self.limits.end_silence as u64
        {
            self.close(lost, events);
        }
    }

    /// End of stream: the incomplete frame is zero-padded and any open utterance closed.
    pub fn finish(&mut self, lost: &dyn Fn(u64, u64) -> u32, events: &mut Vec<SpeechEvent>) {
        if !self.frame_buf.is_empty() {
            let pad = FRAME - self.frame_buf.len();
            self.push(&vec![0.0; pad], lost, events);
        }
        if self.open.is_some() {
            self.close(lost, events);
        }
    }

    fn close(&mut self, lost: &dyn Fn(u64, u64) -> u32, events: &mut Vec<SpeechEvent>) {
        let Some(mut open) = self.open.take() else {
            return;
        };
        let keep_until = open.last_voiced_end + POST_ROLL.min(self.limits.end_silence) as u64;
        // Closed by `idle_until`, the audio may stop short of the tail; it is not padded, since
        // audio for that time may still come (the idle estimate runs ahead of the media).
        let keep = ((keep_until - open.start) as usize).min(open.audio.len());
        open.audio.truncate(keep);
        self.earliest_start = open.start + keep as u64;
        if self.is_speech(&open) {
            self.emit_final(&open, lost, events);
        } else if open.voiced_samples > 0 {
            self.counts.noise_bursts_dropped += 1;
        }
        self.history.clear();
    }

    /// `max_utterance` reached while speech goes on: a Final now, a new utterance from here.
    fn force_split(&mut self, lost: &dyn Fn(u64, u64) -> u32, events: &mut Vec<SpeechEvent>) {
        let Some(open) = self.open.take() else {
            return;
        };
        let end = open.start + open.audio.len() as u64;
        if self.is_speech(&open) {
            self.emit_final(&open, lost, events);
        } else if open.voiced_samples > 0 {
            self.counts.noise_bursts_dropped += 1;
        }
        self.earliest_start = end;
        self.open = Some(Open {
            id: None,
            start: end,
            audio: Vec::new(),
            first_voiced: end,
            last_voiced_end: end.max(open.last_voiced_end),
            voiced_samples: 0,
            last_partial_len: 0,
        });
    }

    fn emit_final(
        &mut self,
        open: &Open,
        lost: &dyn Fn(u64, u64) -> u32,
        events: &mut Vec<SpeechEvent>,
    ) {
        let end = open.start + open.audio.len() as u64;
        self.counts.utterances += 1;
        let id = open.id.unwrap_or_else(|| {
            self.next_id += 1;
            self.next_id - 1
        });
        events.push(SpeechEvent::Final {
            utterance: id,
            start: self.offset_s + seconds(open.start),
            end: self.offset_s + seconds(end),
            audio: Arc::from(open.audio.as_slice()),
            lost_ms: lost(open.start, end),
        });
    }
}

fn open_ref(open: &Option<Open>) -> &Open {
    open.as_ref().expect("called with an open utterance")
}

fn seconds(samples: u64) -> f64 {
    samples as f64 / f64::from(OUTPUT_HZ)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vad::VadParams;

    fn segmenter() -> Segmenter {
        let vad = Vad::new(VadParams {
            threshold_db: 10.0,
            leak_margin_db: 15.0,
            min_level_dbfs: -60.0,
        });
        Segmenter::new(
            vad,
            Limits {
                partial_interval: 16_000,
                min_utterance: 4_800,
                max_utterance: 320_000,
                split_after: 320_000,
                split_silence: 9_600,
                end_silence: 9_600,
            },
        )
    }

    fn tone(seconds: f64) -> Vec<f32> {
        (0..(seconds * 16_000.0) as usize)
            .map(|i| 0.3 * (2.0 * std::f32::consts::PI * 300.0 * i as f32 / 16_000.0).sin())
            .collect()
    }

    const NO_LOSS: &dyn Fn(u64, u64) -> u32 = &|_, _| 0;

    #[test]
    fn a_short_burst_is_dropped_and_counted_and_gets_no_id() {
        let mut seg = segmenter();
        let mut events = Vec::new();
        seg.push(&vec![0.0; 8_000], NO_LOSS, &mut events);
        seg.push(&tone(0.1), NO_LOSS, &mut events);
        seg.push(&vec![0.0; 16_000], NO_LOSS, &mut events);
        seg.push(&tone(1.5), NO_LOSS, &mut events);
        seg.finish(NO_LOSS, &mut events);
        assert_eq!(seg.counts.noise_bursts_dropped, 1);
        let ids: Vec<u64> = events.iter().map(SpeechEvent::utterance).collect();
        assert!(ids.iter().all(|&id| id == 0), "{ids:?}");
        assert!(events.last().unwrap().is_final());
        assert_eq!(
            events.iter().filter(|e| !e.is_final()).count(),
            1,
            "one Partial at 1 s"
        );
    }

    #[test]
    fn closing_on_idle_then_receiving_the_rest_of_the_audio_does_not_overlap() {
        // Packets stopped right after speech; `idle_until` closes the utterance; then late audio
        // (the resampler's tail) arrives for times before the idle estimate.
        let mut seg = segmenter();
        let mut events = Vec::new();
        seg.push(&vec![0.0; 4_000], NO_LOSS, &mut events);
        seg.push(&tone(1.0), NO_LOSS, &mut events);
        let fed = seg.fed();
        seg.idle_until(fed + 9_600, NO_LOSS, &mut events);
        let first_end = events.last().map(SpeechEvent::span).unwrap().1;
        assert!(events.last().unwrap().is_final());
        seg.push(&tone(0.5), NO_LOSS, &mut events);
        seg.finish(NO_LOSS, &mut events);
        let last = events.last().unwrap();
        assert!(last.is_final() && last.utterance() == 1);
        assert!(
            last.span().0 >= first_end - 1e-9,
            "{:?} after {first_end}",
            last.span()
        );
    }

    #[test]
    fn a_long_utterance_closes_at_a_shorter_pause() {
        let silence = |s: f64| vec![0.0f32; (s * 16_000.0) as usize];
        // Syllables: 200 ms of tone, 60 ms gaps (a steady tone would become the noise floor).
        let speech = |s: f64| {
            let mut x = Vec::new();
            while (x.len() as f64) < s * 16_000.0 {
                x.extend(tone(0.2));
                x.extend(silence(0.06));
            }
            x.truncate((s * 16_000.0) as usize);
            x
        };
        let mut signal = silence(0.5);
        signal.extend(speech(3.0));
        signal.extend(silence(0.3)); // a comma at 3.5 s: too early to split
        signal.extend(speech(3.0));
        signal.extend(silence(0.3)); // at 6.8 s the utterance is past split_after: split here
        signal.extend(speech(1.0));
        signal.extend(silence(1.0));
        let run = |split_after: usize| {
            let mut seg = segmenter();
            seg.limits.split_after = split_after;
            seg.limits.split_silence = 4_000;
            let mut events = Vec::new();
            seg.push(&signal, NO_LOSS, &mut events);
            seg.finish(NO_LOSS, &mut events);
            events.into_iter().filter(|e| e.is_final()).map(|e| e.span()).collect::<Vec<_>>()
        };
        let split = run(80_000);
        assert_eq!(split.len(), 2, "{split:?}");
        assert!((split[0].1 - 7.05).abs() < 0.1, "the first piece ends 250 ms into the pause: {split:?}");
        assert!((split[1].0 - 7.1).abs() < 0.25, "the second starts with the next words: {split:?}");
        assert_eq!(run(320_000).len(), 1, "without the split the 300 ms pauses stay inside one utterance");
    }
}
