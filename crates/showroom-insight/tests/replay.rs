//! Deterministic replay of a synthetic 10-minute call: frame decisions only (no audio, no
//! ASR) through the activity trackers, the overtalk detector and the metrics.

use std::time::Instant;

use showroom_insight::activity::FRAME_S;
use showroom_insight::{
    ActivityConfig, ActivityTracker, CallAnalysis, CallAnalyzer, DetectorConfig, FrameObservation,
    MetricsConfig, OvertalkEvent, OvertalkKind, Party, PerParty, TalkMetrics,
};

const CYCLE_S: f64 = 30.0;
const CYCLES: usize = 20;

/// One 30 s cycle, as (party, start, end, level relative to normal dB):
/// the agent talks, the customer says "mm-hm"; the customer talks, the agent says "mm-hm";
/// the agent talks and the customer interrupts (the agent yields 0.6 s later); a 2.5 s
/// silence; the agent talks again.
const CYCLE: [(Party, f64, f64, f32); 7] = [
    (Party::Agent, 0.0, 6.0, 0.0),
    (Party::Customer, 2.0, 2.4, -8.0),
    (Party::Customer, 6.4, 12.0, 0.0),
    (Party::Agent, 8.0, 8.35, -8.0),
    (Party::Agent, 12.3, 16.6, 0.0),
    (Party::Customer, 16.0, 22.0, 3.0),
    (Party::Agent, 24.5, 29.5, 0.0),
];

fn frame(party: Party, at: f64, k: usize) -> FrameObservation {
    let t = at % CYCLE_S;
    let inside = CYCLE
        .iter()
        .find(|(p, s, e, _)| *p == party && t >= s - 1e-9 && t < e - 1e-9);
    match inside {
        // A syllable-like level pattern: median at the segment's level, peaks 5 dB over.
        Some(&(_, _, _, gain)) => FrameObservation {
            at,
            voiced: true,
            level_db: -25.0 + gain + [-2.0, 0.0, 5.0, 0.0, -2.0][k % 5],
            floor_db: -75.0,
        },
        None => FrameObservation {
            at,
            voiced: false,
            level_db: -70.0,
            floor_db: -75.0,
        },
    }
}

fn replay() -> CallAnalysis {
    let activity = ActivityConfig::default();
    let mut trackers = PerParty::from_fn(|_| ActivityTracker::new(activity.clone()).unwrap());
    let mut analyzer = CallAnalyzer::new(activity, DetectorConfig::default()).unwrap();
    let n_frames = (CYCLE_S * CYCLES as f64 / FRAME_S).round() as usize;
    for k in 0..n_frames {
        let at = k as f64 * FRAME_S;
        let outputs = PerParty::from_fn(|p| trackers[p].push_decision(frame(p, at, k)));
        analyzer.push_outputs(at, outputs);
    }
    analyzer.finish()
}

#[test]
fn a_ten_minute_call_replays_deterministically_in_well_under_a_second() {
    let started = Instant::now();
    let call = replay();
    let words = PerParty::new(Some(1_500), Some(2_000));
    let m = call.metrics(&words, &MetricsConfig::default());
    let elapsed = started.elapsed();
    println!(
        "10-minute call replayed (trackers + detector + metrics) in {:.1} ms",
        elapsed.as_secs_f64() * 1e3
    );
    assert!(elapsed.as_secs_f64() < 1.0, "took {elapsed:?}");

    // Same input, same output.
    let again = replay();
    assert_eq!(call.events, again.events);

    let resolved = |kind, who: Party| {
        call.events
            .iter()
            .filter(
                |e| matches!(e, OvertalkEvent::Resolved(r) if r.kind == kind && r.newcomer == who),
            )
            .count()
    };
    let alerts: Vec<_> = call
        .events
        .iter()
        .filter_map(|e| match e {
            OvertalkEvent::Interruption(a) => Some(*a),
            _ => None,
        })
        .collect();
    assert_eq!(
        resolved(OvertalkKind::Interruption, Party::Customer),
        CYCLES
    );
    assert_eq!(resolved(OvertalkKind::Interruption, Party::Agent), 0);
    assert_eq!(resolved(OvertalkKind::Backchannel, Party::Customer), CYCLES);
    assert_eq!(resolved(OvertalkKind::Backchannel, Party::Agent), CYCLES);
    assert_eq!(
        alerts.len(),
        CYCLES,
        "one alert per interruption, none for the tokens"
    );
    for (i, a) in alerts.iter().enumerate() {
        let onset = i as f64 * CYCLE_S + 16.0;
        assert!((a.onset - onset).abs() < 1e-6, "alert {i}: {a:?}");
        assert!(a.at - a.onset <= 0.23 + 1e-9);
        assert_eq!(
            (a.interrupter, a.interrupted),
            (Party::Customer, Party::Agent)
        );
    }
    assert!(
        !call
            .events
            .iter()
            .any(|e| matches!(e, OvertalkEvent::Retracted(_)))
    );
    check_metrics(&m);
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-6, "{what}: {a} != {b}");
}

fn check_metrics(m: &TalkMetrics) {
    let n = CYCLES as f64;
    close(m.call_duration_s, 600.0, "duration");
    close(
        m.talk_time_s.agent,
        n * (6.0 + 0.35 + 4.3 + 5.0),
        "agent talk",
    );
    close(
        m.talk_time_s.customer,
        n * (0.4 + 5.6 + 6.0),
        "customer talk",
    );
    close(m.talk_share.agent + m.talk_share.customer, 1.0, "shares");
    assert_eq!(m.interruptions, PerParty::new(CYCLES as u32, 0));
    assert_eq!(m.backchannels, PerParty::new(CYCLES as u32, CYCLES as u32));
    // Overlaps: two tokens and the 0.6 s interruption per cycle.
    close(m.overlap_time_s, n * (0.4 + 0.35 + 0.6), "overlap");
    close(m.interruption_overlap_s, n * 0.6, "interruption overlap");
    // Silences: 0.4 + 0.3 + 2.5 + 0.5 per cycle (the last cycle's 0.5 s runs to the end).
    close(m.silence_s, n * 3.7, "silence");
    close(m.non_talk_longest_s, 2.5, "longest silence");
    assert_eq!(m.non_talk_instances.len(), 0, "no silence reaches 3 s");
    // The agent answers 0.3 s after the customer's turn, and 2.5 s after the interruption.
    let lat = m.agent_response_latency;
    assert_eq!(lat.count, 2 * CYCLES as u32);
    close(lat.p50_s.unwrap(), 0.3, "p50");
    close(lat.p95_s.unwrap(), 2.5, "p95");
    close(
        m.words_per_min.customer.unwrap(),
        1_500.0 / (m.talk_time_s.customer / 60.0),
        "customer wpm",
    );
    // The agent's turn that ends one cycle and the one that starts the next are 0.5 s apart
    // with only the customer's "mm-hm" between them: one monologue of 11.5 s.
    close(m.longest_monologue_s.agent, 11.5, "agent monologue");
    close(m.longest_monologue_s.customer, 6.0, "customer monologue");
    let named = m.as_named();
    let get = |name: &str| named.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    assert_eq!(get("customer_interruptions"), Some(n));
    assert_eq!(get("agent_interruptions"), Some(0.0));
    assert_eq!(get("non_talk_longest_s"), Some(2.5));
}
