//! Live conversation insight: each call's two parties' VAD frames (from the transcription
//! front-ends, so no second VAD runs) → `showroom-insight`'s analyzer on its own thread →
//! overtalk events for the agent page, and the whole call's analysis when it ends.
//!
//! The analyzer needs both parties' frames in step. Frames arrive per track as packets do;
//! a party with no frames (not publishing, muted, DTX) counts as silent once the other party
//! is [`MAX_WAIT_FRAMES`] ahead of it, so one quiet party never holds the other's alerts back
//! by more than that.

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use showroom_asr_audio::TimedFrame;
use showroom_insight::{
    ActivityConfig, ActivityTracker, CallAnalysis, CallAnalyzer, DetectorConfig, FrameObservation, FrameOutput, OvertalkEvent,
    Party, PerParty,
};
use tokio::sync::mpsc::UnboundedSender;

/// How far (10 ms frames) one party may run ahead before the other counts as silent. 100 ms:
/// more than the jitter between two tracks on one gateway, well inside the 300 ms alert budget.
pub const MAX_WAIT_FRAMES: i64 = 10;

pub enum InsightInput {
    Frames { call: String, party: Party, frames: Vec<TimedFrame> },
    CallEnded(String),
}

pub enum InsightOutput {
    Overtalk { call: String, event: OvertalkEvent, parties: (Party, Party), onset: f64 },
    Analysis { call: String, analysis: Box<CallAnalysis> },
}

struct CallInsight {
    analyzer: CallAnalyzer,
    trackers: PerParty<ActivityTracker>,
    queues: PerParty<VecDeque<FrameObservation>>,
    /// Index of the next 10 ms frame to analyse.
    next: Option<i64>,
    /// Alert id → (interrupter, interrupted, onset), for the frames that follow it.
    alerts: HashMap<u64, (Party, Party, f64)>,
}

fn index(at: f64) -> i64 {
    (at * 100.0).round() as i64
}

fn silent(at: f64) -> FrameObservation {
    FrameObservation { at, voiced: false, level_db: -120.0, floor_db: -120.0 }
}

impl CallInsight {
    fn new() -> Option<Self> {
        let tracker = ActivityTracker::new(ActivityConfig::default()).ok()?;
        Some(Self {
            analyzer: CallAnalyzer::new(ActivityConfig::default(), DetectorConfig::default()).ok()?,
            trackers: PerParty::new(tracker.clone(), tracker),
            queues: PerParty::default(),
            next: None,
            alerts: HashMap::new(),
        })
    }

    fn push(&mut self, party: Party, frames: Vec<TimedFrame>, call: &str, out: &UnboundedSender<InsightOutput>) {
        let q = match party {
            Party::Customer => &mut self.queues.customer,
            Party::Agent => &mut self.queues.agent,
        };
        q.extend(frames.into_iter().map(|f| FrameObservation {
            at: f.at,
            voiced: f.decision.voiced,
            level_db: f.decision.level_db,
            floor_db: f.decision.floor_db,
        }));
        self.next.get_or_insert_with(|| q.front().map_or(0, |f| index(f.at)));
        self.advance(false, call, out);
    }

    /// Analyses every frame both parties have reached (or one has, far enough ahead; at the
    /// end of the call, `flush`: every frame left).
    fn advance(&mut self, flush: bool, call: &str, out: &UnboundedSender<InsightOutput>) {
        let Some(mut next) = self.next else { return };
        loop {
            for q in [&mut self.queues.customer, &mut self.queues.agent] {
                while q.front().is_some_and(|f| index(f.at) < next) {
                    q.pop_front(); // late: that moment was analysed without it
                }
            }
            let ready = |q: &VecDeque<FrameObservation>| q.front().is_some_and(|f| index(f.at) == next);
            let ahead = |q: &VecDeque<FrameObservation>| flush || q.back().is_some_and(|f| index(f.at) >= next + MAX_WAIT_FRAMES);
            let (c, a) = (&self.queues.customer, &self.queues.agent);
            let go = (ready(c) && ready(a)) || (ready(c) && ahead(c)) || (ready(a) && ahead(a));
            if !go {
                // At the end, skip a gap both parties share; otherwise wait for more frames.
                let first = [&self.queues.customer, &self.queues.agent].iter().filter_map(|q| q.front()).map(|f| index(f.at)).min();
                match first {
                    Some(k) if flush && k > next => {
                        next = k;
                        continue;
                    }
                    _ => break,
                }
            }
            let at = next as f64 / 100.0;
            let frame = |q: &mut VecDeque<FrameObservation>| if ready(q) { q.pop_front().expect("ready") } else { silent(at) };
            let observations = PerParty::new(frame(&mut self.queues.customer), frame(&mut self.queues.agent));
            let outputs: PerParty<FrameOutput> = PerParty::new(
                self.trackers.customer.push_decision(observations.customer),
                self.trackers.agent.push_decision(observations.agent),
            );
            for event in self.analyzer.push_outputs(at, outputs).to_vec() {
                let (parties, onset) = match &event {
                    OvertalkEvent::Interruption(a) => {
                        self.alerts.insert(a.id.0, (a.interrupter, a.interrupted, a.onset));
                        ((a.interrupter, a.interrupted), a.onset)
                    }
                    OvertalkEvent::Resolved(r) => {
                        self.alerts.remove(&r.id.0);
                        ((r.newcomer, r.incumbent), r.onset)
                    }
                    OvertalkEvent::Retracted(r) => match self.alerts.remove(&r.id.0) {
                        Some((by, over, onset)) => ((by, over), onset),
                        None => continue,
                    },
                };
                let _ = out.send(InsightOutput::Overtalk { call: call.to_owned(), event, parties, onset });
            }
            next += 1;
        }
        self.next = Some(next);
    }
}

/// Runs until the input side is dropped.
pub fn run(inbox: Receiver<InsightInput>, out: UnboundedSender<InsightOutput>) {
    let mut calls: HashMap<String, CallInsight> = HashMap::new();
    loop {
        match inbox.recv_timeout(Duration::from_millis(100)) {
            Ok(InsightInput::Frames { call, party, frames }) => {
                if !calls.contains_key(&call) {
                    match CallInsight::new() {
                        Some(c) => {
                            calls.insert(call.clone(), c);
                        }
                        None => continue,
                    }
                }
                calls.get_mut(&call).expect("inserted").push(party, frames, &call, &out);
            }
            Ok(InsightInput::CallEnded(call)) => {
                if let Some(mut c) = calls.remove(&call) {
                    // What is left in the queues, then the end of the call.
                    c.advance(true, &call, &out);
                    let analysis = c.analyzer.finish();
                    let _ = out.send(InsightOutput::Analysis { call, analysis: Box::new(analysis) });
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
}
