use serde::{Deserialize, Serialize};

use crate::ConfigError;

/// Thresholds of the overtalk detector. Each default says why it has that value. The live
/// ones were chosen on conversations assembled from real recordings
/// (`tests/real_conversations.rs`, on other seeds than the scored ones; figures in
/// `METRICS.md`, "Overtalk detection"): level features at a fixed overlap age, nothing learnt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectorConfig {
    /// Two turns starting closer than this are a simultaneous start, not one party talking over
    /// the other; no alert. 0.2 s: about the shortest reaction time to a heard voice, so who
    /// started this soon after the other had decided to speak before hearing them.
    pub simultaneous_window_s: f64,
    /// Overlap age (from the newcomer's back-dated onset) at which the live decision is taken,
    /// seconds. 0.22 s: the alert must be out within 300 ms of the true onset. The tracker's
    /// onset is within ±50 ms of the true one for 99% of the interruptions measured (p50 +4 ms),
    /// a tick adds up to 10 ms, so 0.22 s gives alerts at p95 ≈ 250 ms. The age matters: at
    /// 0.18 s the same detector scored F1 ≈ 0.85–0.90, at 0.22 s 0.92–0.95 — a short token
    /// ("yes", "sure": 0.25–0.35 s) is fading, a sentence has reached its first full syllable.
    pub alert_after_s: f64,
    /// An overlap where the incumbent stops within this of the newcomer's onset is a smooth turn
    /// exchange (the newcomer came in on the last syllable), not overtalk: no event. 0.25 s:
    /// a syllable; starting a little before the other has quite finished is ordinary
    /// turn-taking.
    pub min_overlap_s: f64,
    /// A newcomer whose speech (pauses under `pause_bridge_s` bridged) lasts at most this made a
    /// backchannel, unless the overlap reached `long_overlap_s`; longer, they took the turn or
    /// fought for it: an interruption. 1.0 s: "mm-hm", "yes", "okay", "right", "I see" last
    /// 0.2–0.8 s.
    pub backchannel_max_s: f64,
    /// Both speaking this long makes it an interruption even if the newcomer then gives up.
    /// 1.0 s: longer than any backchannel.
    pub long_overlap_s: f64,
    /// Live decision: the incumbent must still be talking, i.e. have a frame of speech (see
    /// `presence_margin_db`) this recently, seconds. 0.1 s: an incumbent mid-sentence has dips
    /// of 50–70 ms between syllables (shorter windows missed interruptions); one who finished
    /// 100 ms before the decision was ending their turn.
    pub incumbent_recent_s: f64,
    /// A frame counts as speech for the recency checks when its level is within this of the
    /// party's own level, dB. 13 dB: the soft syllables the VAD's leak gate drops are 10–13 dB
    /// under; the other party leaking into this microphone arrives 25 dB under with peaks at
    /// about -20 dB, which 16 dB let through (and turned terminal overlaps into interruptions).
    pub presence_margin_db: f32,
    /// Live decision: the newcomer must have a frame of speech this recently, seconds. 0.06 s:
    /// a token that is already over at the decision is not taking the turn.
    pub newcomer_recent_s: f64,
    /// Live decision: the newcomer's loudest frame since onset minus their own level must be
    /// at least this, dB. 4 dB: a turn start reaches a full syllable 4–12 dB over the
    /// speaker's median within 220 ms, more when raised to compete; a backchannel is produced
    /// softer (in the assembled conversations 4–12 dB under the speaker's normal level) and
    /// peaks under it. Measured: 3 dB let twice the backchannels through, 5 dB lost soft-starting
    /// interruptions ("he", "and").
    pub min_peak_vs_own_db: f32,
    /// Live decision: the newcomer's mean voiced level minus the incumbent's over the same
    /// frames must be at least this, dB. -15 dB: the incumbent's voice leaking into the
    /// newcomer's microphone (which the VAD lets through on a track whose speaker has not
    /// spoken yet) is ~25 dB under; a real voice, even a soft one, is not.
    pub min_vs_other_db: f32,
    /// Live decision for a newcomer without an own level yet (has not spoken `reference_min_s`):
    /// their mean voiced level minus the incumbent's must be at least this, dB. -4 dB: browsers'
    /// AGC brings both microphones to similar speech levels; a soft token is well under the
    /// speaker it answers, a competing turn is not.
    pub min_vs_other_without_reference_db: f32,
    /// A pause up to this inside either party's speech does not end it for the episode, seconds
    /// (the tracker's end edges bridge only `hangover_s`). 0.6 s: the pauses between the
    /// phrases of one turn; a newcomer who pauses and goes on is still the same interruption.
    pub pause_bridge_s: f64,
    /// Voiced speech a party must have produced before their own level is trusted, seconds.
    /// 1.0 s: a few words; the level of one word is too variable.
    pub reference_min_s: f64,
    /// Which percentile of a party's voiced-frame levels is their own level, percent. 50 (the
    /// median): robust to a few shouted or whispered words; higher percentiles shrink the
    /// margin between a speaker's peaks and their level and separated worse.
    pub reference_percentile: f32,
    /// Memory of the own level, seconds of that party's speech. 20 s: follows a speaker who
    /// moves away from the microphone within a few turns, ignores one loud word.
    pub reference_time_constant_s: f64,
    /// With no frame levels at all (edge-only input), raise the alert anyway when both are still
    /// speaking at `alert_after_s`? false: without levels a backchannel and an interruption look
    /// the same at that age; the resolution still classifies the overlap.
    pub alert_without_levels: bool,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            simultaneous_window_s: 0.2,
            alert_after_s: 0.22,
            min_overlap_s: 0.25,
            backchannel_max_s: 1.0,
            long_overlap_s: 1.0,
            incumbent_recent_s: 0.1,
            presence_margin_db: 13.0,
            newcomer_recent_s: 0.06,
            min_peak_vs_own_db: 4.0,
            min_vs_other_db: -15.0,
            min_vs_other_without_reference_db: -4.0,
            pause_bridge_s: 0.6,
            reference_min_s: 1.0,
            reference_percentile: 50.0,
            reference_time_constant_s: 20.0,
            alert_without_levels: false,
        }
    }
}

impl DetectorConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |field, reason| Err(ConfigError::Invalid { field, reason });
        for (field, v) in [
            ("simultaneous_window_s", self.simultaneous_window_s),
            ("alert_after_s", self.alert_after_s),
            ("min_overlap_s", self.min_overlap_s),
            ("backchannel_max_s", self.backchannel_max_s),
            ("long_overlap_s", self.long_overlap_s),
            ("incumbent_recent_s", self.incumbent_recent_s),
            ("newcomer_recent_s", self.newcomer_recent_s),
            ("reference_min_s", self.reference_min_s),
            ("pause_bridge_s", self.pause_bridge_s),
        ] {
            if !(v.is_finite() && (0.0..=10.0).contains(&v)) {
                return bad(field, "must be between 0 and 10 s");
            }
        }
        if !(self.reference_percentile.is_finite()
            && (1.0..=99.0).contains(&self.reference_percentile))
        {
            return bad("reference_percentile", "must be between 1 and 99");
        }
        if !(self.reference_time_constant_s.is_finite() && self.reference_time_constant_s >= 0.1) {
            return bad("reference_time_constant_s", "must be at least 0.1 s");
        }
        if self.alert_after_s >= self.backchannel_max_s {
            return bad("alert_after_s", "must be shorter than backchannel_max_s");
        }
        for (field, v) in [
            ("min_peak_vs_own_db", self.min_peak_vs_own_db),
            ("presence_margin_db", self.presence_margin_db),
            ("min_vs_other_db", self.min_vs_other_db),
            (
                "min_vs_other_without_reference_db",
                self.min_vs_other_without_reference_db,
            ),
        ] {
            if !v.is_finite() {
                return bad(field, "must be a number of dB");
            }
        }
        Ok(())
    }
}
