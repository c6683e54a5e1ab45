//! Talk metrics of a finished call, from the two timelines, the resolved overtalk events and
//! optional word counts. Pure functions; `METRICS.md` beside this crate defines every figure
//! and says where it differs from Amazon Connect Contact Lens.

use serde::{Deserialize, Serialize};

use crate::activity::{Segment, Timeline};
use crate::overtalk::{OvertalkEvent, OvertalkKind};
use crate::{Party, PerParty};

/// Words per party from the final transcript, when there is one.
pub type WordCounts = PerParty<Option<u64>>;

/// Counts whitespace-separated words of final transcript segments per party.
pub fn word_counts<'a>(segments: impl IntoIterator<Item = (Party, &'a str)>) -> WordCounts {
    let mut counts = PerParty::<Option<u64>>::default();
    for (party, text) in segments {
        *counts[party].get_or_insert(0) += text.split_whitespace().count() as u64;
    }
    counts
}

/// Tunables of the metric definitions. Each default is explained on its field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// A silence (nobody speaking) counts as non-talk time from this length, seconds. 3 s:
    /// longer than turn gaps (~0.2 s) and thinking pauses (1–2 s); the point where a caller
    /// starts to wonder whether the line is still there. Contact Lens does not publish its
    /// threshold (its examples leave ordinary turn gaps out); Google CCAI uses 5 s.
    pub non_talk_min_s: f64,
    /// Pauses up to this within one party's speech do not end a monologue, seconds. 2 s: a
    /// speaker who pauses longer is offering the turn.
    pub monologue_max_pause_s: f64,
    /// The other party's speech up to this long (a backchannel) does not end a monologue,
    /// seconds. 1 s, like the detector's `backchannel_max_s`.
    pub monologue_ignore_other_s: f64,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            non_talk_min_s: 3.0,
            monologue_max_pause_s: 2.0,
            monologue_ignore_other_s: 1.0,
        }
    }
}

/// Distribution summary of the agent's response latencies.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LatencyStats {
    pub count: u32,
    pub p50_s: Option<f64>,
    pub p95_s: Option<f64>,
    pub max_s: Option<f64>,
}

impl LatencyStats {
    /// Nearest-rank percentiles of `samples`.
    pub fn from_samples(mut samples: Vec<f64>) -> Self {
        samples.retain(|s| s.is_finite());
        samples.sort_by(f64::total_cmp);
        Self {
            count: samples.len() as u32,
            p50_s: percentile(&samples, 50.0),
            p95_s: percentile(&samples, 95.0),
            max_s: samples.last().copied(),
        }
    }
}

/// Nearest-rank percentile of sorted samples.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// Talk metrics of one call. Times in seconds, shares as fractions in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TalkMetrics {
    pub call_duration_s: f64,
    pub talk_time_s: PerParty<f64>,
    /// Share of all talk time (both parties' talk times added).
    pub talk_share: PerParty<f64>,
    /// Talk time over the call duration (Contact Lens's "talk time percent", as a fraction).
    pub talk_fraction: PerParty<f64>,
    /// All time when nobody speaks.
    pub silence_s: f64,
    /// Silences of `non_talk_min_s` or longer, added up.
    pub non_talk_time_s: f64,
    pub non_talk_instances: Vec<Segment>,
    /// The longest silence of the call, whatever its length.
    pub non_talk_longest_s: f64,
    /// Resolved interruptions per interrupter.
    pub interruptions: PerParty<u32>,
    /// Resolved backchannels per listener who made them.
    pub backchannels: PerParty<u32>,
    /// Overlap of the resolved interruptions, added up.
    pub interruption_overlap_s: f64,
    /// All time when both speak (timelines), whatever it was.
    pub overlap_time_s: f64,
    /// Customer stops → agent starts (only where the agent starts after the customer stopped
    /// and before the customer speaks again).
    pub agent_response_latency: LatencyStats,
    pub words: WordCounts,
    pub words_per_min: PerParty<Option<f64>>,
    /// Longest stretch a party held the floor (see `MetricsConfig`).
    pub longest_monologue_s: PerParty<f64>,
}

impl TalkMetrics {
    /// Metrics of a call that lasted `call_duration_s` from 0. Open timeline segments are
    /// closed at the end of the call; only [`OvertalkEvent::Resolved`] events count.
    pub fn compute(
        call_duration_s: f64,
        timelines: &PerParty<Timeline>,
        events: &[OvertalkEvent],
        words: &WordCounts,
        cfg: &MetricsConfig,
    ) -> Self {
        let duration = call_duration_s.max(0.0);
        let segs = timelines.map(|tl| {
            let mut tl = tl.clone();
            tl.close(duration);
            clip(tl.segments(), duration)
        });
        let talk_time_s = segs.map(|s| s.iter().map(Segment::duration).sum::<f64>());
        let total_talk = talk_time_s.customer + talk_time_s.agent;
        let talk_share = talk_time_s.map(|t| {
            if total_talk > 0.0 {
                t / total_talk
            } else {
                0.0
            }
        });
        let talk_fraction = talk_time_s.map(|t| if duration > 0.0 { t / duration } else { 0.0 });

        let either = Timeline::from_segments([segs.customer.clone(), segs.agent.clone()].concat());
        let silences = gaps(either.segments(), duration);
        let silence_s = silences.iter().map(Segment::duration).sum();
        let non_talk_instances: Vec<Segment> = silences
            .iter()
            .copied()
            .filter(|g| g.duration() >= cfg.non_talk_min_s)
            .collect();
        let non_talk_time_s = non_talk_instances.iter().map(Segment::duration).sum();
        let non_talk_longest_s = silences.iter().map(Segment::duration).fold(0.0, f64::max);

        let mut interruptions = PerParty::<u32>::default();
        let mut backchannels = PerParty::<u32>::default();
        let mut interruption_overlap_s = 0.0;
        for e in events {
            let OvertalkEvent::Resolved(r) = e else {
                continue;
            };
            match r.kind {
                OvertalkKind::Interruption => {
                    interruptions[r.newcomer] += 1;
                    interruption_overlap_s += r.overlap_s;
                }
                OvertalkKind::Backchannel => backchannels[r.newcomer] += 1,
                OvertalkKind::SimultaneousStart => {}
            }
        }

        let words_per_min = PerParty::from_fn(|p| {
            let minutes = talk_time_s[p] / 60.0;
            words[p]
                .filter(|_| minutes > 0.0)
                .map(|w| w as f64 / minutes)
        });

        Self {
            call_duration_s: duration,
            talk_time_s,
            talk_share,
            talk_fraction,
            silence_s,
            non_talk_time_s,
            non_talk_instances,
            non_talk_longest_s,
            interruptions,
            backchannels,
            interruption_overlap_s,
            overlap_time_s: intersection(&segs.customer, &segs.agent),
            agent_response_latency: LatencyStats::from_samples(response_latencies(
                &segs.customer,
                &segs.agent,
            )),
            words: *words,
            words_per_min,
            longest_monologue_s: PerParty::from_fn(|p| {
                longest_monologue(&segs[p], &segs[p.other()], cfg)
            }),
        }
    }

    /// Flat `(name, value)` pairs for rule engines that look metrics up by name
    /// (`agent_interruptions`, `agent_talk_share`, `non_talk_longest_s`, ...). A metric with no
    /// value (no response samples, no word counts) is left out rather than given a made-up 0.
    pub fn as_named(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = vec![
            ("call_duration_s".into(), self.call_duration_s),
            ("silence_s".into(), self.silence_s),
            ("non_talk_time_s".into(), self.non_talk_time_s),
            (
                "non_talk_count".into(),
                self.non_talk_instances.len() as f64,
            ),
            ("non_talk_longest_s".into(), self.non_talk_longest_s),
            ("overlap_time_s".into(), self.overlap_time_s),
            ("interruption_overlap_s".into(), self.interruption_overlap_s),
            (
                "interruptions_total".into(),
                f64::from(self.interruptions.customer + self.interruptions.agent),
            ),
        ];
        for p in Party::BOTH {
            let name = |what: &str| format!("{p}_{what}");
            out.push((name("talk_time_s"), self.talk_time_s[p]));
            out.push((name("talk_share"), self.talk_share[p]));
            out.push((name("talk_fraction"), self.talk_fraction[p]));
            out.push((name("interruptions"), f64::from(self.interruptions[p])));
            out.push((name("backchannels"), f64::from(self.backchannels[p])));
            out.push((name("longest_monologue_s"), self.longest_monologue_s[p]));
            if let Some(w) = self.words[p] {
                out.push((name("words"), w as f64));
            }
            if let Some(wpm) = self.words_per_min[p] {
                out.push((name("words_per_min"), wpm));
            }
        }
        let lat = &self.agent_response_latency;
        out.push(("agent_response_latency_count".into(), f64::from(lat.count)));
        for (what, v) in [("p50", lat.p50_s), ("p95", lat.p95_s), ("max", lat.max_s)] {
            if let Some(v) = v {
                out.push((format!("agent_response_latency_{what}_s"), v));
            }
        }
        out
    }
}

fn clip(segments: &[Segment], duration: f64) -> Vec<Segment> {
    segments
        .iter()
        .map(|s| Segment {
            start: s.start.clamp(0.0, duration),
            end: s.end.clamp(0.0, duration),
        })
        .filter(|s| s.end > s.start)
        .collect()
}

/// The complement of sorted, disjoint `segments` in [0, duration].
fn gaps(segments: &[Segment], duration: f64) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut t = 0.0;
    for s in segments {
        if s.start > t {
            out.push(Segment {
                start: t,
                end: s.start,
            });
        }
        t = t.max(s.end);
    }
    if duration > t {
        out.push(Segment {
            start: t,
            end: duration,
        });
    }
    out
}

/// Total time covered by both sorted, disjoint segment lists.
fn intersection(a: &[Segment], b: &[Segment]) -> f64 {
    let (mut i, mut j, mut total) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        let lo = a[i].start.max(b[j].start);
        let hi = a[i].end.min(b[j].end);
        if hi > lo {
            total += hi - lo;
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    total
}

/// For each customer segment end, the wait until the agent's next start, when the agent was
/// silent at that moment and starts before the customer speaks again.
fn response_latencies(customer: &[Segment], agent: &[Segment]) -> Vec<f64> {
    let mut out = Vec::new();
    for (k, c) in customer.iter().enumerate() {
        let agent_busy = agent.iter().any(|a| a.start < c.end && a.end > c.end);
        if agent_busy {
            continue;
        }
        let Some(reply) = agent.iter().find(|a| a.start >= c.end) else {
            continue;
        };
        let customer_resumed = customer.get(k + 1).is_some_and(|n| n.start < reply.start);
        if !customer_resumed {
            out.push(reply.start - c.end);
        }
    }
    out
}

/// Longest stretch of `own` segments merged across pauses up to `monologue_max_pause_s` during
/// which `other` produced nothing longer than `monologue_ignore_other_s`.
fn longest_monologue(own: &[Segment], other: &[Segment], cfg: &MetricsConfig) -> f64 {
    let turn_taking = |from: f64, to: f64| {
        other
            .iter()
            .any(|o| o.start > from && o.start < to && o.duration() > cfg.monologue_ignore_other_s)
    };
    let mut best: f64 = 0.0;
    let mut current: Option<Segment> = None;
    for s in own {
        current = Some(match current {
            Some(cur)
                if s.start - cur.end <= cfg.monologue_max_pause_s
                    && !turn_taking(cur.start, s.start) =>
            {
                Segment {
                    start: cur.start,
                    end: s.end,
                }
            }
            _ => *s,
        });
        if let Some(cur) = current {
            best = best.max(cur.duration());
        }
    }
    best
}

#[cfg(test)]
mod tests;
