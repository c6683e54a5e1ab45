//! Two-channel conversations assembled from real recordings, with exactly known overtalk.

use showroom_insight::{Party, PerParty};

use super::audio::{HZ, PRE_ROLL_S, Rng, Utterance, Voice, fade_out};

/// What really happened at an onset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Truth {
    /// The newcomer talks over the incumbent, who yields 0.3–0.8 s later.
    InterruptYield,
    /// The newcomer talks over the incumbent and both go on for 1.3 s or more.
    InterruptCompete,
    /// A short token ("mm-hm", "yes", a real word) under the incumbent's speech.
    Backchannel,
    /// Both start within 150 ms after a silence; one gives up.
    Simultaneous,
    /// The newcomer starts 50–800 ms after the incumbent stopped: no overlap.
    Handover,
    /// The newcomer starts 50–200 ms before the incumbent's last sound: a smooth exchange.
    TerminalOverlap,
}

impl Truth {
    pub fn is_interruption(self) -> bool {
        matches!(self, Truth::InterruptYield | Truth::InterruptCompete)
    }
}

#[derive(Debug, Clone)]
pub struct TruthEvent {
    pub kind: Truth,
    pub newcomer: Party,
    /// True speech start of the newcomer, seconds since call start.
    pub onset: f64,
    pub source: String,
    /// Newcomer's gain relative to their normal level, dB.
    pub gain_db: f64,
    /// Free text for failure messages (the incumbent's speech regions around the onset).
    pub note: String,
}

/// What the conversations are made of.
pub struct Material {
    pub voices: PerParty<Vec<Voice>>,
    pub tokens: PerParty<Vec<Utterance>>,
}

pub struct Conversation {
    pub channels: PerParty<Vec<f32>>,
    pub truth: Vec<TruthEvent>,
    pub duration_s: f64,
}

/// Levels of the assembled channels.
#[derive(Debug, Clone, Copy)]
pub struct Acoustics {
    /// The other party's voice in each microphone, relative to the near speaker, dB.
    pub leak_db: f64,
    /// Echo path delay of the leak, seconds.
    pub leak_delay_s: f64,
    /// Background noise level, dBFS (speech is at -26 dBFS active level).
    pub noise_dbfs: f64,
    /// Microphone gain per party, dB.
    pub mic_gain_db: PerParty<f64>,
    /// An interrupter's level relative to their normal speech, dB (uniform in the range).
    pub interruption_gain_db: (f64, f64),
    /// A backchannel's level relative to the listener's normal speech, dB.
    pub backchannel_gain_db: (f64, f64),
}

impl Default for Acoustics {
    fn default() -> Self {
        Self {
            leak_db: -25.0,
            leak_delay_s: 0.04,
            noise_dbfs: -58.0,
            mic_gain_db: PerParty::new(-4.0, 0.0),
            interruption_gain_db: (0.0, 6.0),
            backchannel_gain_db: (-12.0, -4.0),
        }
    }
}

struct Builder<'a> {
    material: &'a Material,
    acoustics: Acoustics,
    rng: Rng,
    clean: PerParty<Vec<f32>>,
    truth: Vec<TruthEvent>,
    holder: Party,
    /// When the holder's last speech ended.
    cursor: f64,
}

impl Builder<'_> {
    fn pick(&mut self, party: Party, min_s: f64, max_s: f64) -> Utterance {
        loop {
            let voices = &self.material.voices[party];
            let v = &voices[self.rng.below(voices.len())];
            let phrases = v.phrases_with_at_least(min_s);
            if !phrases.is_empty() {
                let p = phrases[self.rng.below(phrases.len())];
                return v.utterance_from(p, max_s);
            }
        }
    }

    /// Places `utt` so its true onset is at `onset`; cuts it at `cut_at`. Returns the true
    /// speech end.
    fn place(
        &mut self,
        party: Party,
        utt: &Utterance,
        onset: f64,
        gain_db: f64,
        cut_at: Option<f64>,
    ) -> f64 {
        let start = ((onset - PRE_ROLL_S) * HZ as f64).round() as usize;
        let mut audio = utt.audio.clone();
        let mut end = onset - PRE_ROLL_S + utt.speech_end_s;
        if let Some(cut) = cut_at.filter(|&c| c < end) {
            let keep = ((cut - (onset - PRE_ROLL_S)) * HZ as f64) as usize;
            audio.truncate(keep);
            fade_out(&mut audio, HZ / 50);
            end = cut;
        }
        let g = 10f64.powf(gain_db / 20.0) as f32;
        let buf = &mut self.clean[party];
        if buf.len() < start + audio.len() {
            buf.resize(start + audio.len(), 0.0);
        }
        for (o, s) in buf[start..].iter_mut().zip(&audio) {
            *o += s * g;
        }
        end
    }

    fn note(&mut self, kind: Truth, newcomer: Party, onset: f64, source: &str, gain_db: f64) {
        self.truth.push(TruthEvent {
            kind,
            newcomer,
            onset,
            source: source.to_owned(),
            gain_db,
            note: String::new(),
        });
    }

    fn exchange(&mut self, kind: Truth) {
        let a = self.holder;
        let b = a.other();
        let t0 = self.cursor + self.rng.range(0.5, 1.0);
        let gain_a = self.rng.range(-2.0, 2.0);
        match kind {
            Truth::InterruptYield | Truth::InterruptCompete => {
                let compete = kind == Truth::InterruptCompete;
                let ua = self.pick(a, if compete { 4.0 } else { 3.0 }, 8.0);
                let a_len = ua.speech_end_s - PRE_ROLL_S;
                let latest = if compete { a_len - 2.2 } else { a_len - 1.0 };
                // Somewhere the incumbent is audibly speaking (not in one of their pauses).
                let inside: Vec<(f64, f64)> = ua
                    .regions
                    .iter()
                    .map(|&(s, e)| (s - PRE_ROLL_S + 0.1, e - PRE_ROLL_S - 0.3))
                    .map(|(s, e)| (s.max(0.8), e.min(latest.clamp(0.9, 3.0))))
                    .filter(|(s, e)| e > s)
                    .collect();
                let offset = if inside.is_empty() {
                    self.rng.range(0.8, latest.clamp(0.9, 3.0))
                } else {
                    let (s, e) = inside[self.rng.below(inside.len())];
                    self.rng.range(s, e)
                };
                let ti = t0 + offset;
                let cut = if compete {
                    ti + self.rng.range(1.3, 2.0)
                } else {
                    ti + self.rng.range(0.3, 0.8)
                };
                self.place(a, &ua, t0, gain_a, Some(cut));
                let ub = self.pick(b, 2.0, 4.0);
                let (lo, hi) = self.acoustics.interruption_gain_db;
                let gain_b = self.rng.range(lo, hi);
                let b_end = self.place(b, &ub, ti, gain_b, None);
                self.note(kind, b, ti, &ub.source, gain_b);
                let near: Vec<String> = ua
                    .regions
                    .iter()
                    .map(|&(s, e)| (t0 - PRE_ROLL_S + s - ti, t0 - PRE_ROLL_S + e - ti))
                    .filter(|&(s, e)| e > -1.0 && s < 1.0)
                    .map(|(s, e)| format!("[{s:+.2},{e:+.2}]"))
                    .collect();
                if let Some(t) = self.truth.last_mut() {
                    t.note = format!("{} regions {}", ua.source, near.join(""));
                }
                self.holder = b;
                self.cursor = b_end;
            }
            Truth::Backchannel => {
                let ua = self.pick(a, 2.5, 8.0);
                let a_len = ua.speech_end_s - PRE_ROLL_S;
                let tb = t0 + self.rng.range(0.5, (a_len - 1.2).max(0.6));
                let tokens = &self.material.tokens[b];
                let tok = tokens[self.rng.below(tokens.len())].clone();
                let (lo, hi) = self.acoustics.backchannel_gain_db;
                let gain_b = self.rng.range(lo, hi);
                self.place(b, &tok, tb, gain_b, None);
                self.note(kind, b, tb, &tok.source, gain_b);
                self.cursor = self.place(a, &ua, t0, gain_a, None);
            }
            Truth::Simultaneous => {
                let t0 = self.cursor + self.rng.range(1.2, 2.0);
                let first = if self.rng.chance(0.5) { a } else { b };
                let d = self.rng.range(0.0, 0.15);
                let winner = if self.rng.chance(0.5) { a } else { b };
                let (u_first, u_second) = (
                    self.pick(first, 2.0, 4.0),
                    self.pick(first.other(), 2.0, 4.0),
                );
                let onset = |p: Party| if p == first { t0 } else { t0 + d };
                let cut =
                    |p: Party, rng: &mut Rng| (p != winner).then(|| onset(p) + rng.range(0.3, 0.6));
                let c1 = cut(first, &mut self.rng);
                let e1 = self.place(first, &u_first, t0, gain_a, c1);
                let c2 = cut(first.other(), &mut self.rng);
                let gain_2 = self.rng.range(-2.0, 2.0);
                let e2 = self.place(first.other(), &u_second, t0 + d, gain_2, c2);
                self.note(kind, first.other(), t0 + d, &u_second.source, gain_2);
                self.holder = winner;
                self.cursor = if winner == first { e1 } else { e2 };
            }
            Truth::Handover | Truth::TerminalOverlap => {
                let ua = self.pick(a, 1.0, 4.0);
                let a_end = self.place(a, &ua, t0, gain_a, None);
                let tb = if kind == Truth::Handover {
                    a_end + self.rng.range(0.05, 0.8)
                } else {
                    a_end - self.rng.range(0.05, 0.2)
                };
                let ub = self.pick(b, 1.0, 4.0);
                let gain_b = self.rng.range(-2.0, 2.0);
                let b_end = self.place(b, &ub, tb, gain_b, None);
                self.note(kind, b, tb, &ub.source, gain_b);
                self.holder = b;
                self.cursor = b_end;
            }
        }
    }
}

/// A conversation of `n_exchanges` exchanges drawn with the given weights, after an opening
/// (agent greets, customer answers).
pub fn assemble(
    material: &Material,
    seed: u64,
    n_exchanges: usize,
    weights: &[(Truth, u32)],
    acoustics: Acoustics,
) -> Conversation {
    let mut b = Builder {
        material,
        acoustics,
        rng: Rng::new(seed),
        clean: PerParty::default(),
        truth: Vec::new(),
        holder: Party::Agent,
        cursor: 0.5,
    };
    b.exchange(Truth::Handover);
    let total: u32 = weights.iter().map(|(_, w)| w).sum();
    for _ in 0..n_exchanges {
        let mut r = b.rng.below(total as usize) as u32;
        let kind = weights
            .iter()
            .find(|(_, w)| {
                if r < *w {
                    true
                } else {
                    r -= w;
                    false
                }
            })
            .map(|(k, _)| *k)
            .expect("weights cover the range");
        b.exchange(kind);
    }
    let duration_s = b.cursor + 1.0;
    let n = (duration_s * HZ as f64) as usize;
    for p in Party::BOTH {
        b.clean[p].resize(n, 0.0);
    }
    let leak = 10f64.powf(acoustics.leak_db / 20.0) as f32;
    let delay = (acoustics.leak_delay_s * HZ as f64) as usize;
    let noise_amp = 10f64.powf(acoustics.noise_dbfs / 20.0) * 3f64.sqrt(); // uniform: rms = amp/√3
    let mut rng = Rng::new(seed ^ 0xA5A5);
    let channels = PerParty::from_fn(|p| {
        let g = 10f64.powf(acoustics.mic_gain_db[p] / 20.0) as f32;
        let (near, far) = (&b.clean[p], &b.clean[p.other()]);
        let mut lp = 0.0f32; // a little low-pass colour on the noise
        (0..n)
            .map(|i| {
                let echo = if i >= delay {
                    far[i - delay] * leak
                } else {
                    0.0
                };
                let white = rng.range(-noise_amp, noise_amp) as f32;
                lp += 0.5 * (white - lp);
                (near[i] + echo + lp * 1.6) * g
            })
            .collect()
    });
    Conversation {
        channels,
        truth: b.truth,
        duration_s,
    }
}
