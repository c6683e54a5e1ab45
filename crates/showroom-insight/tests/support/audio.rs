//! Real recordings → normalised utterances with exactly known speech starts.

use anyhow::{Context, Result, ensure};

pub const HZ: usize = 16_000;
/// Analysis window for the ground truth (5 ms), finer than the 10 ms VAD frame under test.
const WIN: usize = HZ / 200;
/// Active speech level every source is normalised to, dBFS.
pub const ACTIVE_LEVEL_DBFS: f64 = -26.0;

/// Deterministic xorshift64*.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.range(0.0, 1.0) < p
    }
}

fn window_db(x: &[f32]) -> Vec<f64> {
    x.chunks(WIN)
        .map(|w| {
            let p: f64 =
                w.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / w.len() as f64;
            10.0 * (p + 1e-12).log10()
        })
        .collect()
}

/// A recording's speech regions (sample ranges), from the clean signal: 5 ms windows within
/// 20 dB of the loudest (vowels; breaths, room noise and crowd noise of these recordings stay
/// under), merged across gaps under 150 ms, then extended by up to 60 ms before and 100 ms
/// after while within 30 dB (the soft consonants that start and end words).
fn speech_regions(x: &[f32], max_gap_s: f64) -> Vec<(usize, usize)> {
    let db = window_db(x);
    let peak = db.iter().copied().fold(f64::MIN, f64::max);
    let mut regions: Vec<(usize, usize)> = Vec::new();
    let max_gap = (max_gap_s * 200.0) as usize; // 5 ms windows
    for (i, &d) in db.iter().enumerate() {
        if d <= peak - 20.0 {
            continue;
        }
        match regions.last_mut() {
            Some((_, end)) if i - *end <= max_gap => *end = i + 1,
            _ => regions.push((i, i + 1)),
        }
    }
    regions.retain(|(s, e)| e - s >= 8);
    let soft = |i: usize| db[i] > peak - 30.0;
    for k in 0..regions.len() {
        let floor = if k == 0 { 0 } else { regions[k - 1].1 };
        let (mut s, mut e) = regions[k];
        while s > floor && regions[k].0 - s < 12 && soft(s - 1) {
            s -= 1;
        }
        let ceil = regions.get(k + 1).map_or(db.len(), |r| r.0);
        while e < ceil && e - regions[k].1 < 20 && soft(e) {
            e += 1;
        }
        regions[k] = (s, e);
    }
    regions
        .into_iter()
        .map(|(s, e)| (s * WIN, (e * WIN).min(x.len())))
        .collect()
}

/// Active speech level in the band the detector listens to: the VAD's own 200–4000 Hz frame
/// levels, power-averaged over the frames within 30 dB of the loudest. (Full-band levels would
/// make a synthetic voice with more in-band energy look louder to the detector than the same
/// gain on a real voice.)
fn active_level_db(x: &[f32]) -> f64 {
    use showroom_asr_audio::vad::{FRAME, Vad, VadParams};
    let mut vad = Vad::new(VadParams {
        threshold_db: 10.0,
        leak_margin_db: 15.0,
        min_level_dbfs: -60.0,
    });
    let db: Vec<f64> = x
        .chunks_exact(FRAME)
        .map(|f| f64::from(vad.frame(f).level_db))
        .collect();
    let peak = db.iter().copied().fold(f64::MIN, f64::max);
    let active: Vec<f64> = db
        .iter()
        .filter(|&&d| d > peak - 30.0)
        .map(|&d| 10f64.powf(d / 10.0))
        .collect();
    10.0 * (active.iter().sum::<f64>() / active.len() as f64).log10()
}

/// Scales `x` so its active speech level is [`ACTIVE_LEVEL_DBFS`].
pub fn normalise(x: &[f32]) -> Vec<f32> {
    let gain = 10f64.powf((ACTIVE_LEVEL_DBFS - active_level_db(x)) / 20.0) as f32;
    x.iter().map(|s| s * gain).collect()
}

/// Normalised audio starting `PRE_ROLL` before a true speech start.
#[derive(Debug, Clone)]
pub struct Utterance {
    pub source: String,
    pub audio: Vec<f32>,
    /// True speech end, seconds from the start of `audio`.
    pub speech_end_s: f64,
    /// Speech regions (pauses of 150 ms or more between them), seconds from the start of
    /// `audio`.
    pub regions: Vec<(f64, f64)>,
}

fn regions_in(regions: &[(usize, usize)], from: usize, to: usize) -> Vec<(f64, f64)> {
    regions
        .iter()
        .filter(|(s, e)| *e > from && *s < to)
        .map(|&(s, e)| {
            (
                (s.max(from) - from) as f64 / HZ as f64,
                (e.min(to) - from) as f64 / HZ as f64,
            )
        })
        .collect()
}

/// A pause this long ends a phrase (turns are not assembled across it).
pub const PHRASE_PAUSE_S: f64 = 0.5;

/// Silence kept before each true onset.
pub const PRE_ROLL_S: f64 = 0.05;

/// One recording cut at the starts of its phrases (speech after ≥ 150 ms of silence).
#[derive(Debug, Clone)]
pub struct Voice {
    pub name: String,
    audio: Vec<f32>,
    regions: Vec<(usize, usize)>,
    /// Word starts: starts of speech after a dip of 50 ms or more (sample indices).
    word_starts: Vec<usize>,
}

impl Voice {
    pub fn new(name: &str, raw: &[f32]) -> Result<Self> {
        let audio = normalise(raw);
        let regions = speech_regions(&audio, 0.15);
        let word_starts = speech_regions(&audio, 0.05)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        ensure!(!regions.is_empty(), "{name}: no speech found");
        Ok(Self {
            name: name.to_owned(),
            audio,
            regions,
            word_starts,
        })
    }

    /// Phrases: runs of speech regions with no pause of [`PHRASE_PAUSE_S`] or more inside, as
    /// sample ranges (true onset, true end). An utterance never spans a long pause, so the
    /// truth "this utterance is one stretch of talk" holds.
    fn phrases(&self) -> Vec<(usize, usize)> {
        let max_gap = (PHRASE_PAUSE_S * HZ as f64) as usize;
        let mut out: Vec<(usize, usize)> = Vec::new();
        for &(s, e) in &self.regions {
            match out.last_mut() {
                Some((_, end)) if s - *end < max_gap => *end = e,
                _ => out.push((s, e)),
            }
        }
        out
    }

    /// Candidate starts (word starts) with the end of the phrase each one is in.
    fn starts(&self) -> Vec<(usize, usize)> {
        let phrases = self.phrases();
        self.word_starts
            .iter()
            .filter_map(|&w| {
                phrases
                    .iter()
                    .find(|(s, e)| w >= *s && w < *e)
                    .map(|&(_, e)| (w, e))
            })
            .collect()
    }

    /// Speech from a word start to the end of its phrase, at most `max_s` long (cut with a
    /// 20 ms fade). Starting mid-sentence, the audio before the word is not included: the
    /// utterance opens with a 5 ms fade-in at the word.
    pub fn utterance_from(&self, start_idx: usize, max_s: f64) -> Utterance {
        let (start, speech_end) = self.starts()[start_idx];
        let pre = (PRE_ROLL_S * HZ as f64) as usize;
        let from = start.saturating_sub(pre);
        let limit = start + (max_s * HZ as f64) as usize;
        let cut = limit < speech_end;
        let to = if cut {
            limit
        } else {
            (speech_end + HZ / 20).min(self.audio.len())
        };
        let mut audio = self.audio[from..to].to_vec();
        // Silence the pre-roll (it may hold the end of the previous word) and fade in.
        let fade = HZ / 200;
        for (k, s) in audio[..start - from].iter_mut().enumerate() {
            let until_start = start - from - k;
            *s *= if until_start > fade {
                0.0
            } else {
                1.0 - until_start as f32 / fade as f32
            };
        }
        fade_out(&mut audio, HZ / 50);
        let end_in_audio = speech_end.min(to) - from;
        Utterance {
            source: self.name.clone(),
            audio,
            speech_end_s: end_in_audio as f64 / HZ as f64,
            regions: regions_in(&self.regions, start, to)
                .into_iter()
                .map(|(s, e)| {
                    (
                        s + (start - from) as f64 / HZ as f64,
                        e + (start - from) as f64 / HZ as f64,
                    )
                })
                .collect(),
        }
    }

    /// Every start with at least `min_s` of its phrase left, or the one with the most.
    pub fn phrases_with_at_least(&self, min_s: f64) -> Vec<usize> {
        let starts = self.starts();
        let len = |(s, e): (usize, usize)| (e - s) as f64 / HZ as f64;
        let long: Vec<usize> = (0..starts.len())
            .filter(|&i| len(starts[i]) >= min_s)
            .collect();
        if !long.is_empty() {
            return long;
        }
        let longest = (0..starts.len())
            .max_by(|&a, &b| len(starts[a]).total_cmp(&len(starts[b])))
            .expect("a voice has speech");
        vec![longest]
    }

    /// Each speech region as its own short token (for words cut out of real recordings).
    pub fn tokens(&self, max_s: f64) -> Vec<Utterance> {
        let pre = (PRE_ROLL_S * HZ as f64) as usize;
        self.regions
            .iter()
            .filter(|(s, e)| ((e - s) as f64 / HZ as f64) <= max_s)
            .map(|&(s, e)| {
                let from = s.saturating_sub(pre);
                let to = (e + HZ / 50).min(self.audio.len());
                Utterance {
                    source: self.name.clone(),
                    audio: self.audio[from..to].to_vec(),
                    speech_end_s: (e - from) as f64 / HZ as f64,
                    regions: regions_in(&self.regions, from, to),
                }
            })
            .collect()
    }
}

pub fn fade_out(x: &mut [f32], n: usize) {
    let n = n.min(x.len());
    let len = x.len();
    for (k, s) in x[len - n..].iter_mut().enumerate() {
        *s *= 1.0 - (k + 1) as f32 / n as f32;
    }
}

/// A short backchannel token as a whole utterance (trimmed to its speech).
pub fn token(name: &str, raw: &[f32]) -> Result<Utterance> {
    let v = Voice::new(name, raw)?;
    let (s, _) = *v.regions.first().context("token has speech")?;
    let (_, e) = *v.regions.last().context("token has speech")?;
    let pre = (PRE_ROLL_S * HZ as f64) as usize;
    let from = s.saturating_sub(pre);
    let to = (e + HZ / 50).min(v.audio.len());
    Ok(Utterance {
        source: name.to_owned(),
        audio: v.audio[from..to].to_vec(),
        speech_end_s: (e - from) as f64 / HZ as f64,
        regions: regions_in(&v.regions, from, to),
    })
}
