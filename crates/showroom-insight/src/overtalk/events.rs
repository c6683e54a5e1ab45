use serde::{Deserialize, Serialize};

use crate::Party;

/// Identifies one overlap episode across its alert, resolution and retraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OvertalkId(pub u64);

/// How an overlap was classified when it resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OvertalkKind {
    /// The newcomer took the turn, or the overlap lasted `long_overlap_s` or more.
    Interruption,
    /// A short burst by the listener ("mm-hm", "yes", "okay") that did not take the turn.
    Backchannel,
    /// Both started within `simultaneous_window_s` of each other: nobody talked over anybody.
    SimultaneousStart,
}

/// What the live decision saw (for the agent page, logs and tuning).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct AlertEvidence {
    /// Newcomer's mean voiced-frame level over the overlap so far minus their own running
    /// speech level, dB (`None` until they have spoken `reference_min_s` alone).
    pub newcomer_vs_own_db: Option<f32>,
    /// Newcomer's loudest voiced frame over the overlap so far minus their running level, dB.
    pub newcomer_peak_vs_own_db: Option<f32>,
    /// Newcomer's mean voiced-frame level minus the incumbent's over the same frames, dB.
    pub newcomer_vs_other_db: Option<f32>,
    /// Incumbent's mean voiced level over the same frames minus their own running level, dB
    /// (an incumbent trailing off is quieter than usual).
    pub incumbent_vs_own_db: Option<f32>,
    /// Fraction of the newcomer's frames since onset that were voiced.
    pub newcomer_voiced: f32,
    /// Fraction of the incumbent's frames since the newcomer's onset that were voiced.
    pub incumbent_voiced: f32,
    /// Time since the incumbent's last frame of speech (see `presence_margin_db`), seconds.
    pub incumbent_silent_s: f32,
    /// Incumbent's loudest frame of the last 100 ms minus their own level, dB (a speaker
    /// trailing off at the end of their turn is soft; one in a dip mid-sentence just had a
    /// vowel).
    pub incumbent_recent_peak_vs_own_db: Option<f32>,
}

/// Live: `interrupter` is talking over `interrupted` (decided at overlap age `alert_after_s`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InterruptionAlert {
    pub id: OvertalkId,
    pub interrupter: Party,
    pub interrupted: Party,
    /// The interrupter's speech start (back-dated onset), seconds since call start.
    pub onset: f64,
    /// When the decision was taken (the `now` of the tick that produced it).
    pub at: f64,
    pub evidence: AlertEvidence,
}

/// Final: the overlap is over and classified.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OvertalkResolved {
    pub id: OvertalkId,
    pub kind: OvertalkKind,
    /// Who started second (for an interruption: the interrupter; for a backchannel: the
    /// listener who made it).
    pub newcomer: Party,
    /// Who was speaking already (for an interruption: the one interrupted).
    pub incumbent: Party,
    /// The newcomer's speech start, seconds since call start.
    pub onset: f64,
    /// How long both spoke at once, seconds.
    pub overlap_s: f64,
    /// Whether a live [`InterruptionAlert`] was raised for it.
    pub alerted: bool,
    /// When the resolution was known.
    pub at: f64,
}

impl OvertalkResolved {
    /// Who interrupted whom, for an interruption.
    pub fn interruption(&self) -> Option<(Party, Party)> {
        (self.kind == OvertalkKind::Interruption).then_some((self.newcomer, self.incumbent))
    }
}

/// A live alert that the resolution did not confirm (it was a backchannel, a simultaneous
/// start, or no real overlap at all).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlertRetracted {
    pub id: OvertalkId,
    /// What it turned out to be; `None` when there was no overlap worth reporting (the
    /// incumbent had stopped, or stopped within `min_overlap_s`).
    pub kind: Option<OvertalkKind>,
    pub at: f64,
}

/// Output of [`super::OvertalkDetector`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum OvertalkEvent {
    Interruption(InterruptionAlert),
    Resolved(OvertalkResolved),
    Retracted(AlertRetracted),
}

impl OvertalkEvent {
    pub fn id(&self) -> OvertalkId {
        match self {
            OvertalkEvent::Interruption(a) => a.id,
            OvertalkEvent::Resolved(r) => r.id,
            OvertalkEvent::Retracted(r) => r.id,
        }
    }

    pub fn at(&self) -> f64 {
        match self {
            OvertalkEvent::Interruption(a) => a.at,
            OvertalkEvent::Resolved(r) => r.at,
            OvertalkEvent::Retracted(r) => r.at,
        }
    }
}
