//! The whole chain for one call: both parties' audio frames → trackers → overtalk detector,
//! collecting timelines and events, and the talk metrics at the end. What a live bridge, the
//! `analyze` CLI and a benchmark drive; still no clock or I/O (frame times are inputs).

use crate::activity::{ActivityTracker, FRAME_S, FRAME_SAMPLES, FrameOutput, Timeline};
use crate::metrics::{MetricsConfig, TalkMetrics, WordCounts};
use crate::overtalk::{DetectorConfig, OvertalkDetector, OvertalkEvent};
use crate::{ActivityConfig, ConfigError, Party, PerParty};

/// Streams both parties' 10 ms frames of one call through the trackers and the detector.
#[derive(Debug, Clone)]
pub struct CallAnalyzer {
    trackers: PerParty<ActivityTracker>,
    detector: OvertalkDetector,
    timelines: PerParty<Timeline>,
    events: Vec<OvertalkEvent>,
    /// Start time of the next frame.
    next_at: f64,
}

impl CallAnalyzer {
    pub fn new(activity: ActivityConfig, detector: DetectorConfig) -> Result<Self, ConfigError> {
        let tracker = ActivityTracker::new(activity)?;
        Ok(Self {
            trackers: PerParty::new(tracker.clone(), tracker),
            detector: OvertalkDetector::new(detector)?,
            timelines: PerParty::default(),
            events: Vec::new(),
            next_at: 0.0,
        })
    }

    /// One frame ([`FRAME_SAMPLES`] samples of 16 kHz mono) per party starting at `at`
    /// seconds; returns the events this frame produced (also kept for [`Self::finish`]).
    pub fn push(&mut self, at: f64, frames: PerParty<&[f32]>) -> &[OvertalkEvent] {
        let outputs = PerParty::from_fn(|p| self.trackers[p].push_audio(at, frames[p]));
        self.apply(at, outputs)
    }

    /// Frame decisions made elsewhere (a synthetic timeline, another VAD).
    pub fn push_outputs(&mut self, at: f64, outputs: PerParty<FrameOutput>) -> &[OvertalkEvent] {
        self.apply(at, outputs)
    }

    fn apply(&mut self, at: f64, outputs: PerParty<FrameOutput>) -> &[OvertalkEvent] {
        for p in Party::BOTH {
            self.detector.push_frame(p, outputs[p].frame);
        }
        for p in Party::BOTH {
            if let Some(c) = outputs[p].change {
                self.detector.push(p, c.edge, c.at);
                self.timelines[p].push(c);
            }
        }
        self.next_at = at + FRAME_S;
        let n = self.events.len();
        self.events.extend(self.detector.tick(self.next_at));
        &self.events[n..]
    }

    /// Ends the call: closes open speech, resolves an open overlap.
    pub fn finish(mut self) -> CallAnalysis {
        let end = self.next_at;
        for p in Party::BOTH {
            if let Some(c) = self.trackers[p].finish() {
                self.detector.push(p, c.edge, c.at);
                self.timelines[p].push(c);
            }
        }
        self.events.extend(self.detector.finish(end));
        CallAnalysis {
            duration_s: end,
            timelines: self.timelines,
            events: self.events,
        }
    }

    /// Events so far.
    pub fn events(&self) -> &[OvertalkEvent] {
        &self.events
    }
}

/// Everything [`CallAnalyzer`] found in a call.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CallAnalysis {
    pub duration_s: f64,
    pub timelines: PerParty<Timeline>,
    pub events: Vec<OvertalkEvent>,
}

impl CallAnalysis {
    /// Runs a whole call held in memory (both channels 16 kHz mono, time 0 at their start).
    pub fn of_audio(
        channels: PerParty<&[f32]>,
        activity: ActivityConfig,
        detector: DetectorConfig,
    ) -> Result<Self, ConfigError> {
        let mut analyzer = CallAnalyzer::new(activity, detector)?;
        let n_frames = channels.customer.len().min(channels.agent.len()) / FRAME_SAMPLES;
        for k in 0..n_frames {
            let range = k * FRAME_SAMPLES..(k + 1) * FRAME_SAMPLES;
            analyzer.push(
                k as f64 * FRAME_S,
                PerParty::new(&channels.customer[range.clone()], &channels.agent[range]),
            );
        }
        Ok(analyzer.finish())
    }

    pub fn metrics(&self, words: &WordCounts, cfg: &MetricsConfig) -> TalkMetrics {
        TalkMetrics::compute(self.duration_s, &self.timelines, &self.events, words, cfg)
    }
}
