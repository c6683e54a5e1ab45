//! Frame-level voice activity: band-limited energy against an adaptive noise floor and against
//! the speaker's own recent speech level.
//!
//! Each 10 ms frame (160 samples at 16 kHz) is band-passed to 200–4000 Hz (two 2nd-order
//! Butterworth sections), where voiced speech carries most of its energy and where hum, rumble,
//! breath pops and hiss above 4 kHz do not count. Its level `L` (dBFS, mean square) is voiced when
//! all three hold:
//! 1. `L > floor + threshold_db` — the floor is a *minimum statistic*: the lowest 30 ms-smoothed
//!    level of the last ~2 s (kept as four 0.5 s sub-window minima). Steady noise of any level or
//!    colour sets the floor, and speech, which has gaps between syllables every few hundred ms,
//!    does not lift it. A noise that starts abruptly is absorbed within 2 s.
//! 2. `L > speech_level - leak_margin_db` — `speech_level` follows the loud frames of the voiced
//!    speech (rises with a ~100 ms time constant, decays 1 dB/s while voiced). A far-end voice leaking into
//!    this microphone at -25 dB (echo, a neighbour's headset) stays under it; the near speaker
//!    is always the louder one on their own track. Until the first voiced speech there is no such
//!    level, so a leak alone on a fresh track does count as speech (nothing can tell it apart).
//!    While the speaker is silent the level decays only 0.1 dB/s, so a leak stays out for
//!    minutes; a speaker whose level drops by more than the margin at once (moved away from the
//!    microphone) is gated until the level has decayed to them.
//! 3. `L > min_level_dbfs` — digital silence and dither never count, however low the floor.
//!
//! Why not `webrtc-vad`: its GMM decision is level-blind by design, so it flags a leaked far-end
//! voice as speech, which is exactly what a per-participant transcript must not do; an energy VAD
//! with the two relative thresholds is simple to reason about and to test.

use crate::resample::OUTPUT_HZ;

/// Samples per VAD frame (10 ms at 16 kHz).
pub const FRAME: usize = (OUTPUT_HZ / 100) as usize;
const FLOOR_SUBWINDOW_FRAMES: usize = 50;
const FLOOR_SUBWINDOWS: usize = 4;
/// Speech level tracking: rise per frame as a fraction of the gap; decay in dB per frame while
/// voiced (1 dB/s, so it stays near the loud frames of the current voice) and while not
/// (0.1 dB/s: a listener's track hears the far end leak for minutes, so the speaker's level
/// must be remembered that long; a speaker who really got quieter is still followed, by the
/// frames that pass, at 1 dB/s).
const SPEECH_RISE: f32 = 0.1;
const SPEECH_DECAY_VOICED_DB: f32 = 0.01;
const SPEECH_DECAY_IDLE_DB: f32 = 0.001;

/// Tunables of the frame decision (from [`crate::FrontEndConfig`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadParams {
    pub threshold_db: f32,
    pub leak_margin_db: f32,
    pub min_level_dbfs: f32,
}

#[derive(Debug, Clone, Copy)]
struct Biquad {
    b: [f32; 3],
    a: [f32; 2],
    z: [f32; 2],
}

impl Biquad {
    /// RBJ cookbook high-pass (`high = true`) or low-pass, Q = 1/sqrt(2).
    fn butterworth(cutoff_hz: f32, high: bool) -> Self {
        let w0 = 2.0 * std::f32::consts::PI * cutoff_hz / OUTPUT_HZ as f32;
        let alpha = w0.sin() / (2.0 * std::f32::consts::FRAC_1_SQRT_2);
        let cos = w0.cos();
        let a0 = 1.0 + alpha;
        let (b0, b1) = if high {
            ((1.0 + cos) / 2.0, -(1.0 + cos))
        } else {
            ((1.0 - cos) / 2.0, 1.0 - cos)
        };
        Self {
            b: [b0 / a0, b1 / a0, b0 / a0],
            a: [-2.0 * cos / a0, (1.0 - alpha) / a0],
            z: [0.0; 2],
        }
    }

    fn run(&mut self, x: f32) -> f32 {
        // Transposed direct form II.
        let y = self.b[0] * x + self.z[0];
        self.z[0] = self.b[1] * x - self.a[0] * y + self.z[1];
        self.z[1] = self.b[2] * x - self.a[1] * y;
        y
    }
}

/// What the VAD saw in one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameDecision {
    pub voiced: bool,
    pub level_db: f32,
    pub floor_db: f32,
}

#[derive(Debug, Clone)]
pub struct Vad {
    params: VadParams,
    high: Biquad,
    low: Biquad,
    smoothed: Option<f32>,
    sub_minima: Vec<f32>,
    current_min: f32,
    frames_in_sub: usize,
    speech_level: Option<f32>,
}

impl Vad {
    pub fn new(params: VadParams) -> Self {
        Self {
            params,
            high: Biquad::butterworth(200.0, true),
            low: Biquad::butterworth(4_000.0, false),
            smoothed: None,
            sub_minima: Vec::new(),
            current_min: f32::INFINITY,
            frames_in_sub: 0,
            speech_level: None,
        }
    }

    /// Classifies one frame of [`FRAME`] samples.
    pub fn frame(&mut self, samples: &[f32]) -> FrameDecision {
        debug_assert_eq!(samples.len(), FRAME);
        let mut energy = 0.0f64;
        for &s in samples {
            let y = self.low.run(self.high.run(s));
            energy += f64::from(y) * f64::from(y);
        }
        let level = (10.0 * (energy / samples.len() as f64 + 1e-12).log10()) as f32;
        let smoothed = match self.smoothed {
            None => level,
            Some(prev) => prev + (level - prev) / 3.0,
        };
        self.smoothed = Some(smoothed);
        self.current_min = self.current_min.min(smoothed);
        let floor = self
            .sub_minima
            .iter()
            .copied()
            .fold(self.current_min, f32::min);
        self.frames_in_sub += 1;
        if self.frames_in_sub == FLOOR_SUBWINDOW_FRAMES {
            if self.sub_minima.len() == FLOOR_SUBWINDOWS {
                self.sub_minima.remove(0);
            }
            self.sub_minima.push(self.current_min);
            self.current_min = f32::INFINITY;
            self.frames_in_sub = 0;
        }

        let p = self.params;
        let above_floor = level > floor + p.threshold_db && level > p.min_level_dbfs;
        let dominant = self
            .speech_level
            .is_none_or(|speech| level > speech - p.leak_margin_db);
        let voiced = above_floor && dominant;
        if voiced {
            let speech = self.speech_level.unwrap_or(level);
            self.speech_level = Some(if level > speech {
                speech + SPEECH_RISE * (level - speech)
            } else {
                speech
            });
        }
        if let Some(speech) = self.speech_level.as_mut() {
            *speech -= if voiced {
                SPEECH_DECAY_VOICED_DB
            } else {
                SPEECH_DECAY_IDLE_DB
            };
        }
        FrameDecision {
            voiced,
            level_db: level,
            floor_db: floor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> VadParams {
        VadParams {
            threshold_db: 10.0,
            leak_margin_db: 15.0,
            min_level_dbfs: -60.0,
        }
    }

    /// Deterministic white noise (xorshift), uniform in [-amp, amp].
    fn noise(n: usize, amp: f32, seed: &mut u64) -> Vec<f32> {
        (0..n)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                amp * ((*seed >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0)
            })
            .collect()
    }

    fn tone(n: usize, hz: f32, amp: f32) -> Vec<f32> {
        (0..n)
            .map(|i| amp * (2.0 * std::f32::consts::PI * hz * i as f32 / 16_000.0).sin())
            .collect()
    }

    fn voiced_frames(vad: &mut Vad, x: &[f32]) -> usize {
        x.chunks_exact(FRAME)
            .filter(|f| vad.frame(f).voiced)
            .count()
    }

    #[test]
    fn steady_noise_of_any_level_is_not_voiced() {
        for amp in [0.001, 0.01, 0.1, 0.5] {
            let mut seed = 42;
            let mut vad = Vad::new(params());
            let x = noise(16_000 * 5, amp, &mut seed);
            assert_eq!(voiced_frames(&mut vad, &x), 0, "noise amplitude {amp}");
        }
    }

    #[test]
    fn a_tone_burst_over_noise_is_voiced_and_a_quiet_one_after_it_is_not() {
        let mut seed = 7;
        let mut vad = Vad::new(params());
        let mut x = noise(16_000, 0.01, &mut seed);
        let loud = tone(16_000, 300.0, 0.3);
        let quiet = tone(16_000, 300.0, 0.3 * 0.03); // -30 dB: a leak
        let n_before = voiced_frames(&mut vad, &x);
        x = loud
            .iter()
            .zip(noise(16_000, 0.01, &mut seed))
            .map(|(a, b)| a + b)
            .collect();
        let n_loud = voiced_frames(&mut vad, &x);
        x = quiet
            .iter()
            .zip(noise(16_000, 0.001, &mut seed))
            .map(|(a, b)| a + b)
            .collect();
        // The band-pass rings for a few ms after the loud tone stops: skip 20 ms of settling.
        voiced_frames(&mut vad, &x[..2 * FRAME]);
        let n_quiet = voiced_frames(&mut vad, &x[2 * FRAME..]);
        assert_eq!(n_before, 0);
        assert!(n_loud >= 95, "loud tone voiced in {n_loud}/100 frames");
        assert_eq!(n_quiet, 0, "a -30 dB copy is a leak");
    }

    #[test]
    fn rumble_below_the_band_neither_counts_nor_masks_a_quieter_voice_band_tone() {
        let mut vad = Vad::new(params());
        let rumble = tone(16_000 * 3, 50.0, 0.1);
        let (head, tail) = rumble.split_at(16_000);
        assert_eq!(voiced_frames(&mut vad, head), 0);
        let with_tone: Vec<f32> = tail
            .iter()
            .zip(tone(tail.len(), 300.0, 0.03))
            .map(|(a, b)| a + b)
            .collect();
        let n = voiced_frames(&mut vad, &with_tone);
        assert!(
            n >= 190,
            "a 300 Hz tone 10 dB under a 50 Hz rumble is voiced in {n}/200 frames"
        );
    }
}
