//! Voice activity per party: VAD frame decisions → speech on/off edges, and timelines.
//!
//! The frame decision is `showroom_asr_audio::vad::Vad` (200–4000 Hz energy over an adaptive
//! noise floor and within a leak margin of the speaker's own level, so the other party leaking
//! through a speaker stays out). [`ActivityTracker`] turns its per-frame decisions into edges:
//! a start needs `onset_frames` voiced frames (a click or a single loud noise frame does not
//! start a turn) and is back-dated to the first of them. Once speaking, a frame keeps the
//! speech going if it is voiced *or* merely within `sustain_margin_db` of the speaker's running
//! level (and clear of the noise floor): the VAD's leak gate sits 15 dB under the speaker's
//! *loud* frames and drops soft syllables and word ends for 100–300 ms at a time, which would
//! split turns mid-sentence (hysteresis: strict to start, lenient to continue). An end needs
//! `hangover_s` without such a frame and is back-dated to the end of the last one. So edge times are where speech really started and
//! stopped; they are only *known* later (onset confirmation, hangover), which the overtalk
//! detector accounts for.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use showroom_asr_audio::FrontEndConfig;
use showroom_asr_audio::vad::{FRAME, Vad, VadParams};

use crate::ConfigError;

/// Length of one VAD frame in seconds (160 samples at 16 kHz).
pub const FRAME_S: f64 = 0.01;
/// Samples per frame, re-exported from the VAD.
pub const FRAME_SAMPLES: usize = FRAME;

/// Speech started or stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityEdge {
    Start,
    End,
}

/// An edge and the time it happened (seconds since call start, back-dated: see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ActivityChange {
    pub edge: ActivityEdge,
    pub at: f64,
}

/// What the VAD saw in one 10 ms frame starting at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameObservation {
    pub at: f64,
    pub voiced: bool,
    /// 200–4000 Hz level, dBFS.
    pub level_db: f32,
    /// The VAD's noise floor estimate, dBFS (use a very low value when unknown).
    pub floor_db: f32,
}

/// One frame through the tracker: the frame evidence and, sometimes, an edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameOutput {
    pub frame: FrameObservation,
    pub change: Option<ActivityChange>,
}

/// Tunables of the activity tracker and its VAD. Each default is explained on its field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityConfig {
    /// Voiced frames needed to start speech. 3 (30 ms): a click, a knock or one noisy frame
    /// is 1–2 frames; every syllable nucleus is longer than 30 ms. The start is back-dated to
    /// the first of them, so this only delays when the start is *known*, not its time.
    pub onset_frames: u32,
    /// Unvoiced frames allowed between those onset frames. 1: a plosive's closure or a weak
    /// frame inside an onset must not restart the count.
    pub onset_max_gap_frames: u32,
    /// While speaking, an unvoiced frame still continues the speech if its level is within this
    /// of the speaker's running level (mean of their voiced frames), dB. 13 dB: the soft
    /// syllables the VAD's leak gate drops are 10–13 dB under the mean; the other party leaking
    /// into this microphone is 25 dB under with peaks near -20 dB, which a 16 dB margin let
    /// hold a finished turn open for a few hundred ms.
    pub sustain_margin_db: f32,
    /// ... and at least this far above the noise floor, dB. 6 dB.
    pub sustain_above_floor_db: f32,
    /// A confirmed start is back-dated further over up to this many seconds of frames that
    /// meet the sustain criterion (the soft consonant before the first voiced frame). 0.15 s:
    /// the VAD finds a word 10–70 ms after it begins (an /h/, /s/ or /f/ is under its leak
    /// gate), a soft or breathy start up to ~120 ms; the overtalk detector's 300 ms alert
    /// budget is counted from the real start. (0.1 s left one alert in ~500 at 332–339 ms;
    /// 0.15 s: none over 289 ms on 112 conversations, live F1 +0.002, final F1 −0.008.)
    pub onset_lookback_s: f64,
    /// Frames of that look-back count if within this of the speaker's level, dB. 20 dB: a
    /// word's first consonant is 10–20 dB under its vowel; the other party leaking in (25 dB
    /// under) stays out.
    pub lookback_margin_db: f32,
    /// Time without a voiced frame that ends speech. 0.25 s: longer than the gaps between
    /// syllables and most gaps between words in fluent speech (50–200 ms), shorter than the
    /// ~300+ ms pause of a turn exchange, so a turn stays one segment and an exchange is seen
    /// quickly. The end is back-dated to the last voiced frame.
    pub hangover_s: f64,
    /// VAD: level above the adaptive noise floor, dB (default: the ASR front-end's, 10 dB).
    pub vad_threshold_db: f32,
    /// VAD: how far under the speaker's own speech level a frame may be and still count, dB
    /// (default: the ASR front-end's, 15 dB; a far-end leak at -25 dB stays out).
    pub leak_margin_db: f32,
    /// VAD: absolute minimum level of speech, dBFS (default: the front-end's, -60 dBFS).
    pub min_level_dbfs: f32,
}

impl Default for ActivityConfig {
    fn default() -> Self {
        let fe = FrontEndConfig::default();
        Self {
            onset_frames: 3,
            onset_max_gap_frames: 1,
            sustain_margin_db: 13.0,
            sustain_above_floor_db: 6.0,
            onset_lookback_s: 0.15,
            lookback_margin_db: 20.0,
            hangover_s: 0.25,
            vad_threshold_db: fe.vad_threshold_db,
            leak_margin_db: fe.leak_margin_db,
            min_level_dbfs: fe.min_level_dbfs,
        }
    }
}

impl ActivityConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |field, reason| Err(ConfigError::Invalid { field, reason });
        if !(1..=50).contains(&self.onset_frames) {
            return bad("onset_frames", "must be 1..=50");
        }
        if self.onset_max_gap_frames > 10 {
            return bad("onset_max_gap_frames", "must be at most 10");
        }
        if !(self.onset_lookback_s.is_finite() && (0.0..=1.0).contains(&self.onset_lookback_s)) {
            return bad("onset_lookback_s", "must be between 0 and 1 s");
        }
        if !(self.hangover_s.is_finite() && (FRAME_S..=5.0).contains(&self.hangover_s)) {
            return bad("hangover_s", "must be between 0.01 and 5 s");
        }
        for (field, v) in [
            ("vad_threshold_db", self.vad_threshold_db),
            ("leak_margin_db", self.leak_margin_db),
            ("sustain_margin_db", self.sustain_margin_db),
            ("sustain_above_floor_db", self.sustain_above_floor_db),
            ("lookback_margin_db", self.lookback_margin_db),
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

    fn vad_params(&self) -> VadParams {
        VadParams {
            threshold_db: self.vad_threshold_db,
            leak_margin_db: self.leak_margin_db,
            min_level_dbfs: self.min_level_dbfs,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    start: f64,
    voiced: u32,
    gap: u32,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Silent(Option<Candidate>),
    Speaking { last_voiced_end: f64 },
}

/// A frame loud enough to continue speech: within `sustain_margin_db` of the speaker's level
/// and clear of the noise floor.
fn sustains(
    level_db: Option<f64>,
    margin_db: f32,
    cfg: &ActivityConfig,
    frame: &FrameObservation,
) -> bool {
    let level = f64::from(frame.level_db);
    level_db.is_some_and(|r| {
        level >= r - f64::from(margin_db)
            && frame.level_db >= frame.floor_db + cfg.sustain_above_floor_db
    })
}

/// Time constant of the tracker's running speech level, seconds of voiced speech.
const LEVEL_TAU_S: f64 = 20.0;

/// One party's VAD and edge logic. Feed it every 10 ms frame in order.
#[derive(Debug, Clone)]
pub struct ActivityTracker {
    cfg: ActivityConfig,
    vad: Vad,
    state: State,
    /// Running mean level of voiced frames, dB, and how much voiced speech it has seen.
    level_db: Option<f64>,
    voiced_s: f64,
    /// The last frames, for back-dating a start over its soft beginning.
    recent: VecDeque<FrameObservation>,
    /// End of the last speech (a start is never back-dated over it).
    last_end: f64,
}

impl ActivityTracker {
    pub fn new(cfg: ActivityConfig) -> Result<Self, ConfigError> {
        cfg.validate()?;
        Ok(Self {
            vad: Vad::new(cfg.vad_params()),
            cfg,
            state: State::Silent(None),
            level_db: None,
            voiced_s: 0.0,
            recent: VecDeque::new(),
            last_end: f64::NEG_INFINITY,
        })
    }

    /// One frame of [`FRAME_SAMPLES`] samples (16 kHz mono) starting at `at` seconds.
    pub fn push_audio(&mut self, at: f64, samples: &[f32]) -> FrameOutput {
        assert_eq!(samples.len(), FRAME, "one 10 ms frame at 16 kHz");
        let d = self.vad.frame(samples);
        self.push_decision(FrameObservation {
            at,
            voiced: d.voiced,
            level_db: d.level_db,
            floor_db: d.floor_db,
        })
    }

    /// Does this unvoiced frame still belong to the ongoing speech?
    fn sustains(&self, frame: &FrameObservation) -> bool {
        sustains(self.level_db, self.cfg.sustain_margin_db, &self.cfg, frame)
    }

    /// A frame decision made elsewhere (another VAD, a synthetic timeline).
    pub fn push_decision(&mut self, frame: FrameObservation) -> FrameOutput {
        let at = frame.at;
        if frame.voiced {
            self.voiced_s += FRAME_S;
            let alpha = (FRAME_S / self.voiced_s).max(FRAME_S / LEVEL_TAU_S);
            let level = f64::from(frame.level_db);
            self.level_db = Some(self.level_db.map_or(level, |r| r + alpha * (level - r)));
        }
        let active = frame.voiced || (self.speaking() && self.sustains(&frame));
        let change = match (&mut self.state, active) {
            (State::Silent(cand), true) => {
                let c = cand.get_or_insert(Candidate {
                    start: at,
                    voiced: 0,
                    gap: 0,
                });
                c.voiced += 1;
                c.gap = 0;
                if c.voiced >= self.cfg.onset_frames {
                    let first_voiced = c.start;
                    let mut start = first_voiced;
                    let limit = (start - self.cfg.onset_lookback_s).max(self.last_end);
                    let before = |f: &&FrameObservation| f.at < first_voiced - FRAME_S / 2.0;
                    for f in self.recent.iter().rev().filter(before) {
                        let soft_start =
                            sustains(self.level_db, self.cfg.lookback_margin_db, &self.cfg, f);
                        if f.at < limit - FRAME_S / 2.0 || !soft_start {
                            break;
                        }
                        start = f.at;
                    }
                    self.state = State::Speaking {
                        last_voiced_end: at + FRAME_S,
                    };
                    Some(ActivityChange {
                        edge: ActivityEdge::Start,
                        at: start,
                    })
                } else {
                    None
                }
            }
            (State::Silent(cand), false) => {
                if let Some(c) = cand {
                    c.gap += 1;
                    if c.gap > self.cfg.onset_max_gap_frames {
                        *cand = None;
                    }
                }
                None
            }
            (State::Speaking { last_voiced_end }, true) => {
                *last_voiced_end = at + FRAME_S;
                None
            }
            (State::Speaking { last_voiced_end }, false) => {
                // Half a frame of slack: frame times are sums of 0.01 and not exact.
                if at + FRAME_S - *last_voiced_end >= self.cfg.hangover_s - FRAME_S / 2.0 {
                    let end = *last_voiced_end;
                    self.last_end = end;
                    self.state = State::Silent(None);
                    Some(ActivityChange {
                        edge: ActivityEdge::End,
                        at: end,
                    })
                } else {
                    None
                }
            }
        };
        self.recent.push_back(frame);
        let keep = (self.cfg.onset_lookback_s / FRAME_S).ceil() as usize
            + (self.cfg.onset_frames + self.cfg.onset_max_gap_frames) as usize * 2
            + 2;
        while self.recent.len() > keep {
            self.recent.pop_front();
        }
        FrameOutput { frame, change }
    }

    /// Is speech on (started and not yet ended)?
    pub fn speaking(&self) -> bool {
        matches!(self.state, State::Speaking { .. })
    }

    /// End of the stream: closes open speech at its last voiced frame.
    pub fn finish(&mut self) -> Option<ActivityChange> {
        match std::mem::replace(&mut self.state, State::Silent(None)) {
            State::Speaking { last_voiced_end } => Some(ActivityChange {
                edge: ActivityEdge::End,
                at: last_voiced_end,
            }),
            State::Silent(_) => None,
        }
    }
}

/// A stretch of speech, seconds since call start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
}

impl Segment {
    pub fn duration(&self) -> f64 {
        self.end - self.start
    }
}

/// One party's speech as ordered, non-overlapping segments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    segments: Vec<Segment>,
    #[serde(skip)]
    open: Option<f64>,
}

impl Timeline {
    pub fn new() -> Self {
        Self::default()
    }

    /// From finished segments; sorts them and merges any that touch or overlap.
    pub fn from_segments(mut segments: Vec<Segment>) -> Self {
        segments.retain(|s| s.end > s.start);
        segments.sort_by(|a, b| a.start.total_cmp(&b.start));
        let mut merged: Vec<Segment> = Vec::with_capacity(segments.len());
        for s in segments {
            match merged.last_mut() {
                Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
                _ => merged.push(s),
            }
        }
        Self {
            segments: merged,
            open: None,
        }
    }

    /// Applies an edge. A start while on or an end while off is ignored (edges are idempotent),
    /// as is an edge earlier than the timeline's last one.
    pub fn push(&mut self, change: ActivityChange) {
        match (change.edge, self.open) {
            (ActivityEdge::Start, None) => {
                let after_last = self.segments.last().is_none_or(|s| change.at >= s.end);
                if after_last {
                    self.open = Some(change.at);
                }
            }
            (ActivityEdge::End, Some(start)) => {
                if change.at > start {
                    self.segments.push(Segment {
                        start,
                        end: change.at,
                    });
                }
                self.open = None;
            }
            _ => {}
        }
    }

    /// Closes an open segment at `at` (end of call).
    pub fn close(&mut self, at: f64) {
        if self.open.is_some() {
            self.push(ActivityChange {
                edge: ActivityEdge::End,
                at,
            });
        }
    }

    /// Finished segments (an open one is not included).
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// Total speech time of the finished segments.
    pub fn total(&self) -> f64 {
        self.segments.iter().map(Segment::duration).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(tracker: &mut ActivityTracker, pattern: &str, t0: f64) -> Vec<ActivityChange> {
        pattern
            .chars()
            .filter(|c| !c.is_whitespace())
            .enumerate()
            .filter_map(|(i, c)| {
                tracker
                    .push_decision(FrameObservation {
                        at: t0 + i as f64 * FRAME_S,
                        voiced: c == '#',
                        level_db: match c {
                            '#' => -20.0,
                            '~' => -32.0,
                            _ => -70.0,
                        },
                        floor_db: -75.0,
                    })
                    .change
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn edges_are_confirmed_and_back_dated() {
        struct Case {
            name: &'static str,
            frames: &'static str,
            /// (start frame, end frame) of each expected segment.
            expected: &'static [(usize, usize)],
        }
        let cases = [
            Case {
                name: "single click does not start",
                frames: "....#.....##..........",
                expected: &[],
            },
            Case {
                name: "three voiced frames start, back-dated to the first",
                frames: "...###...............................",
                expected: &[(3, 6)],
            },
            Case {
                name: "one gap frame inside the onset is tolerated",
                frames: "...##.#..............................",
                expected: &[(3, 7)],
            },
            Case {
                name: "two gap frames restart the onset",
                frames: "...##..###...........................",
                expected: &[(7, 10)],
            },
            Case {
                name: "gaps under the hangover do not split a turn",
                frames: "..#####.........####...................###.....................................",
                expected: &[(2, 42)],
            },
            Case {
                name: "soft unvoiced frames within the margin sustain speech, not start it",
                frames: "~~~~~~..#####~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~##......................................",
                expected: &[(8, 49)],
            },
            Case {
                name: "a 250 ms gap splits",
                frames: "..#####.........................######..................................",
                expected: &[(2, 7), (32, 38)],
            },
        ];
        for case in cases {
            let mut t = ActivityTracker::new(ActivityConfig::default()).unwrap();
            let mut changes = run(&mut t, case.frames, 1.0);
            changes.extend(t.finish());
            let mut tl = Timeline::new();
            changes.iter().for_each(|c| tl.push(*c));
            let got: Vec<(f64, f64)> = tl.segments().iter().map(|s| (s.start, s.end)).collect();
            assert_eq!(got.len(), case.expected.len(), "{}: {got:?}", case.name);
            for ((s, e), (fs, fe)) in got.iter().zip(case.expected) {
                assert!(
                    close(*s, 1.0 + *fs as f64 * FRAME_S) && close(*e, 1.0 + *fe as f64 * FRAME_S),
                    "{}: got {got:?}",
                    case.name
                );
            }
        }
    }

    #[test]
    fn the_end_edge_is_known_one_hangover_after_the_last_voiced_frame() {
        let mut t = ActivityTracker::new(ActivityConfig::default()).unwrap();
        let mut known_at = None;
        for i in 0..100 {
            let at = i as f64 * FRAME_S;
            let out = t.push_decision(FrameObservation {
                at,
                voiced: i < 20,
                level_db: if i < 20 { -20.0 } else { -70.0 },
                floor_db: -75.0,
            });
            if let Some(c) = out.change.filter(|c| c.edge == ActivityEdge::End) {
                assert!(close(c.at, 0.2));
                known_at = Some(at + FRAME_S);
            }
        }
        let known_at = known_at.expect("an end edge");
        assert!(close(known_at - 0.2, 0.25), "known {known_at}");
    }

    #[test]
    fn timeline_merges_and_ignores_redundant_edges() {
        let tl = Timeline::from_segments(vec![
            Segment {
                start: 3.0,
                end: 4.0,
            },
            Segment {
                start: 1.0,
                end: 2.0,
            },
            Segment {
                start: 1.5,
                end: 2.5,
            },
            Segment {
                start: 5.0,
                end: 5.0,
            },
        ]);
        assert_eq!(tl.segments().len(), 2);
        assert!(close(tl.total(), 2.5));

        let mut tl = Timeline::new();
        for (edge, at) in [
            (ActivityEdge::End, 0.5),
            (ActivityEdge::Start, 1.0),
            (ActivityEdge::Start, 1.2),
            (ActivityEdge::End, 2.0),
            (ActivityEdge::Start, 1.5),
        ] {
            tl.push(ActivityChange { edge, at });
        }
        assert_eq!(
            tl.segments(),
            &[Segment {
                start: 1.0,
                end: 2.0
            }]
        );
        assert!(!tl.is_open());
    }

    #[test]
    fn config_defaults_follow_the_front_end_and_validate() {
        let cfg = ActivityConfig::default();
        assert_eq!(cfg.leak_margin_db, FrontEndConfig::default().leak_margin_db);
        assert!(cfg.validate().is_ok());
        let bad = ActivityConfig {
            hangover_s: 0.0,
            ..cfg
        };
        assert!(ActivityTracker::new(bad).is_err());
    }
}
