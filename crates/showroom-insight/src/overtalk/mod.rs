//! Live overtalk detection: a sans-IO state machine over both parties' speech edges.
//!
//! Feed [`OvertalkDetector::push`] every edge (from [`crate::ActivityTracker`] or any other
//! source) and, when you have them, every frame's level with [`OvertalkDetector::push_frame`];
//! call [`OvertalkDetector::tick`] with the current time after each frame (or at
//! [`OvertalkDetector::next_deadline`]). Times are seconds since call start; the detector never
//! reads a clock.
//!
//! When one party starts while the other is speaking, an *episode* opens at the newcomer's
//! (back-dated) onset:
//! - within `simultaneous_window_s` of the other's own turn start → a simultaneous start, no
//!   alert;
//! - otherwise, at overlap age `alert_after_s` the live decision is taken on the frames of the
//!   overlap so far: both still talking (a frame of speech within the last `newcomer_recent_s`
//!   / `incumbent_recent_s`), the newcomer's loudest frame at least `min_peak_vs_own_db` over
//!   their own median level, and the newcomer not 15 dB under the incumbent (a leak) →
//!   [`InterruptionAlert`]. Backchannels are produced softer than turns; a turn start reaches
//!   a full syllable at the speaker's normal level within that time.
//! - when the overlap is over the episode is classified ([`OvertalkResolved`]): the newcomer's
//!   speech (pauses under `pause_bridge_s` bridged) lasted more than `backchannel_max_s` or
//!   both spoke `long_overlap_s` → interruption; shorter → backchannel; the incumbent had
//!   stopped before, or within `min_overlap_s` after, the onset → no overtalk at all. A live
//!   alert the resolution does not confirm is withdrawn with [`AlertRetracted`].
//!
//! Each party's own level is the median of their voiced frames (forgetting over
//! `reference_time_constant_s` of speech), learnt from everything they say except their
//! bursts into the other's speech and frames that are the other party leaking in.
//!
//! Only one episode is open at a time (there are two parties); a new start while one is open
//! resolves the open one first with what is known.

mod config;
mod events;
mod level;

use std::collections::VecDeque;

pub use config::DetectorConfig;
pub use events::{
    AlertEvidence, AlertRetracted, InterruptionAlert, OvertalkEvent, OvertalkId, OvertalkKind,
    OvertalkResolved,
};

use crate::activity::{ActivityEdge, FRAME_S, FrameObservation};
use crate::{ConfigError, Party, PerParty};
use level::LevelHistogram;

/// Frames kept per party for the live decision (it looks back `alert_after_s`).
const HISTORY_S: f64 = 1.0;
/// A frame this much quieter than the other party's concurrent voiced frame is taken for their
/// voice leaking in, not learnt as this party's level (a leak is ~25 dB down; two people
/// talking at once are within ~10 dB of each other).
const CROSSTALK_DB: f32 = 15.0;

#[derive(Debug, Clone)]
struct PartyState {
    /// Start of the current speech, if speaking.
    on_since: Option<f64>,
    /// Start of the current turn: speech after a pause longer than `pause_bridge_s`.
    turn_start: Option<f64>,
    /// The last finished segment.
    last_segment: Option<(f64, f64)>,
    frames: VecDeque<FrameObservation>,
    got_frames: bool,
    last_voiced_end: f64,
    /// Running mean level (dB) of this party's voiced frames while speaking alone.
    levels: LevelHistogram,
}

impl Default for PartyState {
    fn default() -> Self {
        Self {
            on_since: None,
            turn_start: None,
            last_segment: None,
            frames: VecDeque::new(),
            got_frames: false,
            last_voiced_end: f64::NEG_INFINITY,
            levels: LevelHistogram::default(),
        }
    }
}

impl PartyState {
    /// The frames at or after `from`.
    fn window(&self, from: f64) -> Window {
        let (mut n, mut voiced, mut sum, mut peak) = (0u32, 0u32, 0.0f64, f64::MIN);
        for f in self.frames.iter().filter(|f| f.at >= from - FRAME_S / 2.0) {
            n += 1;
            if f.voiced {
                voiced += 1;
                sum += f64::from(f.level_db);
                peak = peak.max(f64::from(f.level_db));
            }
        }
        Window {
            voiced: if n == 0 {
                0.0
            } else {
                voiced as f32 / n as f32
            },
            mean_db: (voiced > 0).then(|| sum / f64::from(voiced)),
            peak_db: (voiced > 0).then_some(peak),
        }
    }
}

/// Voiced fraction, mean and peak voiced level (dB) of a party's frames since an onset.
struct Window {
    voiced: f32,
    mean_db: Option<f64>,
    peak_db: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Alert {
    Pending,
    Raised,
    Declined,
}

#[derive(Debug, Clone)]
struct Episode {
    id: OvertalkId,
    newcomer: Party,
    incumbent: Party,
    /// The newcomer's speech start.
    onset: f64,
    /// When both were speaking: `onset`, or later when the incumbent resumed from a pause
    /// during which the newcomer came in.
    overlap_start: f64,
    simultaneous: bool,
    alert: Alert,
    /// Ends so far; an end is final once `pause_bridge_s` passed without a restart.
    newcomer_end: Option<f64>,
    incumbent_end: Option<f64>,
}

/// What an episode resolved to.
enum Outcome {
    /// No overtalk to report (no real overlap, or a smooth turn exchange).
    Dismissed,
    Kind(OvertalkKind, f64),
}

/// The overtalk state machine. See the module doc.
#[derive(Debug, Clone)]
pub struct OvertalkDetector {
    cfg: DetectorConfig,
    parties: PerParty<PartyState>,
    episode: Option<Episode>,
    next_id: u64,
    now: f64,
    out: Vec<OvertalkEvent>,
}

impl OvertalkDetector {
    pub fn new(cfg: DetectorConfig) -> Result<Self, ConfigError> {
        cfg.validate()?;
        Ok(Self {
            cfg,
            parties: PerParty::default(),
            episode: None,
            next_id: 0,
            now: f64::NEG_INFINITY,
            out: Vec::new(),
        })
    }

    pub fn config(&self) -> &DetectorConfig {
        &self.cfg
    }

    /// A speech edge of `party` at `at` (back-dated edges are expected: `at` may be earlier
    /// than the last tick). Repeated starts or ends are ignored. Takes effect at the next tick.
    pub fn push(&mut self, party: Party, edge: ActivityEdge, at: f64) {
        match edge {
            ActivityEdge::Start => self.on_start(party, at),
            ActivityEdge::End => self.on_end(party, at),
        }
    }

    /// One frame's VAD evidence for `party` (optional; without it the live alert is decided by
    /// `alert_without_levels`).
    pub fn push_frame(&mut self, party: Party, frame: FrameObservation) {
        // A party's own level is learnt from their speech except where it is the thing being
        // judged (their burst into the other's speech) or a leak of the other party (their
        // concurrent frame far louder: on a fresh track the VAD lets a leak through).
        let judged = self.episode.as_ref().is_some_and(|ep| ep.newcomer == party);
        let crosstalk = self.parties[party.other()].frames.back().is_some_and(|o| {
            (o.at - frame.at).abs() < FRAME_S / 2.0
                && o.voiced
                && o.level_db - frame.level_db >= CROSSTALK_DB
        });
        let learn = frame.voiced && !judged && !crosstalk;
        let tau = self.cfg.reference_time_constant_s;
        let p = &mut self.parties[party];
        p.got_frames = true;
        if frame.voiced {
            p.last_voiced_end = p.last_voiced_end.max(frame.at + FRAME_S);
        }
        if learn {
            p.levels.add(f64::from(frame.level_db), FRAME_S, tau);
        }
        p.frames.push_back(frame);
        while p
            .frames
            .front()
            .is_some_and(|f| f.at < frame.at - HISTORY_S)
        {
            p.frames.pop_front();
        }
    }

    /// Advances to `now`: takes a due live decision, resolves what can be resolved, and returns
    /// the events, in order.
    pub fn tick(&mut self, now: f64) -> Vec<OvertalkEvent> {
        self.now = now;
        self.decide_alert(now);
        self.try_resolve(now, false);
        std::mem::take(&mut self.out)
    }

    /// End of the call: resolves an open episode with what is known.
    pub fn finish(&mut self, now: f64) -> Vec<OvertalkEvent> {
        self.now = now;
        self.try_resolve(now, true);
        std::mem::take(&mut self.out)
    }

    /// The next time at which a tick can produce an event without a new input.
    pub fn next_deadline(&self) -> Option<f64> {
        let ep = self.episode.as_ref()?;
        let cfg = &self.cfg;
        let mut due: Vec<f64> = Vec::new();
        if ep.alert == Alert::Pending {
            due.push(ep.onset + cfg.alert_after_s);
        }
        due.extend(
            [ep.newcomer_end, ep.incumbent_end]
                .into_iter()
                .flatten()
                .map(|e| e + cfg.pause_bridge_s + FRAME_S),
        );
        if ep.incumbent_end.is_some() {
            due.push(ep.onset + cfg.backchannel_max_s + FRAME_S);
        }
        due.into_iter().filter(|&t| t > self.now).reduce(f64::min)
    }

    /// Is `party` speaking, as far as the edges so far tell?
    pub fn speaking(&self, party: Party) -> bool {
        self.parties[party].on_since.is_some()
    }

    fn on_start(&mut self, party: Party, at: f64) {
        if self.parties[party].on_since.is_some() {
            return;
        }
        let bridge = self.cfg.pause_bridge_s;
        if let Some(ep) = self.episode.as_mut() {
            // A pause inside the newcomer's or the incumbent's speech: the episode goes on.
            let end = if party == ep.newcomer {
                &mut ep.newcomer_end
            } else {
                &mut ep.incumbent_end
            };
            if end.is_some_and(|e| at - e <= bridge) {
                *end = None;
                self.parties[party].on_since = Some(at);
                return;
            }
            self.try_resolve(at.max(self.now), true);
        }
        let cfg = &self.cfg;
        let me = &mut self.parties[party];
        let previous_end = me.last_segment.map(|(_, e)| e);
        me.on_since = Some(at);
        if previous_end.is_none_or(|e| at - e > bridge) || me.turn_start.is_none() {
            me.turn_start = Some(at);
        }
        let other = &self.parties[party.other()];
        let other_turn = other.turn_start.unwrap_or(f64::NEG_INFINITY);
        // A simultaneous start is two *turns* starting together; a speaker continuing after a
        // short pause is not starting anything.
        let open =
            |newcomer: Party, onset: f64, other_start: f64, incumbent_end: Option<f64>| Episode {
                id: OvertalkId(0),
                newcomer,
                incumbent: newcomer.other(),
                onset,
                overlap_start: onset,
                simultaneous: onset - other_start <= cfg.simultaneous_window_s,
                alert: Alert::Pending,
                newcomer_end: None,
                incumbent_end,
            };
        let episode = match (other.on_since, other.last_segment) {
            // `party` paused, the other came in during the pause, and `party` resumes: the
            // other is the newcomer into `party`'s turn; the live decision at the usual age
            // sees whether `party` is really back.
            (Some(s), _) if previous_end.is_some_and(|e| s >= e && at - e <= bridge) => {
                Some(Episode {
                    overlap_start: at,
                    simultaneous: false,
                    ..open(party.other(), s, f64::NEG_INFINITY, None)
                })
            }
            (Some(s), _) if s <= at => Some(open(party, at, other_turn.min(s), None)),
            // Edges from outside may arrive out of order: the other started later.
            (Some(s), _) => Some(open(party.other(), s, at, None)),
            // The other's finished segment still covered `at` (its end edge came first).
            (None, Some((s, e))) if s <= at && e > at => {
                Some(open(party, at, other_turn.min(s), Some(e)))
            }
            _ => None,
        };
        if let Some(mut ep) = episode {
            ep.id = OvertalkId(self.next_id);
            self.next_id += 1;
            self.episode = Some(ep);
        }
    }

    fn on_end(&mut self, party: Party, at: f64) {
        let p = &mut self.parties[party];
        let Some(start) = p.on_since.take() else {
            return;
        };
        let at = at.max(start);
        p.last_segment = Some((start, at));
        if let Some(ep) = self.episode.as_mut() {
            if party == ep.newcomer {
                ep.newcomer_end = Some(at);
            } else {
                ep.incumbent_end = Some(at);
            }
        }
    }

    fn decide_alert(&mut self, now: f64) {
        let cfg = &self.cfg;
        let Some(ep) = self.episode.as_mut() else {
            return;
        };
        if ep.alert != Alert::Pending || now < ep.onset + cfg.alert_after_s - FRAME_S / 2.0 {
            return;
        }
        let stopped = ep.newcomer_end.is_some() || ep.incumbent_end.is_some();
        if ep.simultaneous || stopped {
            ep.alert = Alert::Declined;
            return;
        }
        let (n, i) = (&self.parties[ep.newcomer], &self.parties[ep.incumbent]);
        let (raise, evidence) = if !n.got_frames && !i.got_frames {
            (cfg.alert_without_levels, AlertEvidence::default())
        } else {
            let (nw, iw) = (n.window(ep.onset), i.window(ep.onset));
            let trusted = |p: &PartyState| {
                p.levels
                    .percentile(f64::from(cfg.reference_percentile))
                    .filter(|_| p.levels.seconds >= cfg.reference_min_s - FRAME_S / 2.0)
            };
            let vs = |level: Option<f64>, reference: Option<f64>| {
                level.zip(reference).map(|(l, r)| (l - r) as f32)
            };
            let evidence = AlertEvidence {
                newcomer_vs_own_db: vs(nw.mean_db, trusted(n)),
                newcomer_peak_vs_own_db: vs(nw.peak_db, trusted(n)),
                newcomer_vs_other_db: vs(nw.mean_db, iw.mean_db),
                incumbent_vs_own_db: vs(iw.mean_db, trusted(i)),
                newcomer_voiced: nw.voiced,
                incumbent_voiced: iw.voiced,
                incumbent_silent_s: 0.0,
                incumbent_recent_peak_vs_own_db: None,
            };
            // A party is still talking if a recent frame is within `presence_margin_db` of
            // their running level (soft syllables the VAD's leak gate drops count; a leak of
            // the other party and room noise do not). Without a level yet, the VAD decides.
            let last_present = |p: &PartyState| {
                let floor = trusted(p).map(|r| r - f64::from(cfg.presence_margin_db));
                p.frames
                    .iter()
                    .rev()
                    .find(|f| floor.map_or(f.voiced, |fl| f64::from(f.level_db) >= fl))
                    .map_or(f64::NEG_INFINITY, |f| f.at + FRAME_S)
            };
            let (n_last, i_last) = (last_present(n), last_present(i));
            let n_recent = n_last >= now - cfg.newcomer_recent_s - FRAME_S / 2.0;
            let i_recent = i_last >= now - cfg.incumbent_recent_s - FRAME_S / 2.0;
            let recent_peak = i
                .frames
                .iter()
                .filter(|f| f.at >= now - 0.1 - FRAME_S / 2.0)
                .map(|f| f64::from(f.level_db))
                .reduce(f64::max);
            let evidence = AlertEvidence {
                incumbent_silent_s: ((now - i_last).max(0.0) as f32).min(HISTORY_S as f32),
                incumbent_recent_peak_vs_own_db: vs(recent_peak, trusted(i)),
                ..evidence
            };
            // Judged against their own level when it is known, else against the other's.
            let loud_enough = match evidence.newcomer_peak_vs_own_db {
                Some(d) => d >= cfg.min_peak_vs_own_db,
                None => evidence
                    .newcomer_vs_other_db
                    .is_some_and(|d| d >= cfg.min_vs_other_without_reference_db),
            };
            let raise = n_recent
                && i_recent
                && loud_enough
                && evidence
                    .newcomer_vs_other_db
                    .is_none_or(|d| d >= cfg.min_vs_other_db);
            (raise, evidence)
        };
        if raise {
            ep.alert = Alert::Raised;
            self.out
                .push(OvertalkEvent::Interruption(InterruptionAlert {
                    id: ep.id,
                    interrupter: ep.newcomer,
                    interrupted: ep.incumbent,
                    onset: ep.onset,
                    at: now,
                    evidence,
                }));
        } else {
            ep.alert = Alert::Declined;
        }
    }

    /// Resolves the open episode once its outcome is certain (or, with `force`, with what is
    /// known at `now`).
    fn try_resolve(&mut self, now: f64, force: bool) {
        let Some(outcome) = self.outcome(now, force) else {
            return;
        };
        let ep = self.episode.take().expect("an outcome needs an episode");
        let alerted = ep.alert == Alert::Raised;
        match outcome {
            Outcome::Dismissed => {
                if alerted {
                    self.out.push(OvertalkEvent::Retracted(AlertRetracted {
                        id: ep.id,
                        kind: None,
                        at: now,
                    }));
                }
            }
            Outcome::Kind(kind, overlap_s) => {
                self.out.push(OvertalkEvent::Resolved(OvertalkResolved {
                    id: ep.id,
                    kind,
                    newcomer: ep.newcomer,
                    incumbent: ep.incumbent,
                    onset: ep.onset,
                    overlap_s: overlap_s.max(0.0),
                    alerted,
                    at: now,
                }));
                if alerted && kind != OvertalkKind::Interruption {
                    self.out.push(OvertalkEvent::Retracted(AlertRetracted {
                        id: ep.id,
                        kind: Some(kind),
                        at: now,
                    }));
                }
            }
        }
    }

    fn outcome(&self, now: f64, force: bool) -> Option<Outcome> {
        let cfg = &self.cfg;
        let ep = self.episode.as_ref()?;
        let (onset, start) = (ep.onset, ep.overlap_start);
        // An end is final once it can no longer be bridged by a restart.
        let settled = |e: Option<f64>| e.filter(|&e| force || now - e > cfg.pause_bridge_s);
        let (newcomer_done, incumbent_done) = (settled(ep.newcomer_end), settled(ep.incumbent_end));
        let kind = |burst: f64, overlap: f64| {
            if burst > cfg.backchannel_max_s || overlap >= cfg.long_overlap_s {
                OvertalkKind::Interruption
            } else {
                OvertalkKind::Backchannel
            }
        };
        if incumbent_done.is_some_and(|ie| ie <= start) {
            return Some(Outcome::Dismissed);
        }
        if ep.simultaneous {
            let first_end = [newcomer_done, incumbent_done]
                .into_iter()
                .flatten()
                .reduce(f64::min)
                .or(force.then_some(now))?;
            return Some(Outcome::Kind(
                OvertalkKind::SimultaneousStart,
                first_end - start,
            ));
        }
        if incumbent_done.is_some_and(|ie| ie - start < cfg.min_overlap_s) {
            // The incumbent was finishing: a smooth exchange (or a token at its very end).
            return Some(Outcome::Dismissed);
        }
        if let Some(ne) = newcomer_done {
            let overlap_end = ep.incumbent_end.map_or(ne, |ie| ie.min(ne));
            let overlap = overlap_end - start;
            return Some(Outcome::Kind(kind(ne - onset, overlap), overlap));
        }
        if let Some(ie) = incumbent_done {
            // The newcomer is still on (or in a pause): it took the turn once it is long.
            let burst = ep.newcomer_end.unwrap_or(now) - onset;
            if burst > cfg.backchannel_max_s || force {
                return Some(Outcome::Kind(kind(burst, ie - start), ie - start));
            }
            return None;
        }
        if force {
            let end = [ep.newcomer_end, ep.incumbent_end]
                .into_iter()
                .flatten()
                .fold(now, f64::min);
            let burst = ep.newcomer_end.unwrap_or(now) - onset;
            return Some(Outcome::Kind(kind(burst, end - start), end - start));
        }
        None
    }
}

#[cfg(test)]
mod tests;
