use super::*;
use crate::overtalk::{OvertalkId, OvertalkResolved};

fn tl(segs: &[(f64, f64)]) -> Timeline {
    Timeline::from_segments(
        segs.iter()
            .map(|&(start, end)| Segment { start, end })
            .collect(),
    )
}

fn resolved(kind: OvertalkKind, newcomer: Party, onset: f64, overlap_s: f64) -> OvertalkEvent {
    OvertalkEvent::Resolved(OvertalkResolved {
        id: OvertalkId(0),
        kind,
        newcomer,
        incumbent: newcomer.other(),
        onset,
        overlap_s,
        alerted: false,
        at: onset + 1.0,
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// A 60 s call: the agent greets (0–10), the customer explains (10.5–30) with an agent "mm-hm"
/// at 20 and an agent interruption at 28 (the customer stops at 30), the agent talks to 40,
/// 8 s of hold silence, the customer answers 48.2–55, the agent closes 56–59.
fn call() -> (PerParty<Timeline>, Vec<OvertalkEvent>) {
    let customer = tl(&[(10.5, 30.0), (48.2, 55.0)]);
    let agent = tl(&[(0.0, 10.0), (20.0, 20.4), (28.0, 40.0), (56.0, 59.0)]);
    let events = vec![
        resolved(OvertalkKind::Backchannel, Party::Agent, 20.0, 0.4),
        resolved(OvertalkKind::Interruption, Party::Agent, 28.0, 2.0),
        resolved(OvertalkKind::SimultaneousStart, Party::Customer, 1.0, 0.1),
    ];
    (PerParty::new(customer, agent), events)
}

#[test]
fn talk_silence_and_overlap_of_a_known_call() {
    let (timelines, events) = call();
    let words = PerParty::new(Some(60), Some(100));
    let m = TalkMetrics::compute(60.0, &timelines, &events, &words, &MetricsConfig::default());
    assert!(close(m.talk_time_s.customer, 19.5 + 6.8));
    assert!(close(m.talk_time_s.agent, 10.0 + 0.4 + 12.0 + 3.0));
    let total = m.talk_time_s.customer + m.talk_time_s.agent;
    assert!(close(m.talk_share.agent, 25.4 / total));
    assert!(close(m.talk_fraction.customer, 26.3 / 60.0));
    // Silences: 10–10.5, 40–48.2, 55–56, 59–60.
    assert!(close(m.silence_s, 0.5 + 8.2 + 1.0 + 1.0));
    assert_eq!(
        m.non_talk_instances,
        vec![Segment {
            start: 40.0,
            end: 48.2
        }]
    );
    assert!(close(m.non_talk_time_s, 8.2));
    assert!(close(m.non_talk_longest_s, 8.2));
    // Overlap: the "mm-hm" (0.4 s) and the interruption (2 s).
    assert!(close(m.overlap_time_s, 2.4));
    assert_eq!(m.interruptions, PerParty::new(0, 1));
    assert_eq!(m.backchannels, PerParty::new(0, 1));
    assert!(close(m.interruption_overlap_s, 2.0));
    // Customer stops at 30 while the agent talks (no sample), at 55 → agent at 56: 1 s.
    assert_eq!(m.agent_response_latency.count, 1);
    assert!(close(m.agent_response_latency.p50_s.unwrap(), 1.0));
    assert!(close(
        m.words_per_min.customer.unwrap(),
        60.0 / (26.3 / 60.0)
    ));
    // The customer's explanation holds the floor through the agent's "mm-hm" but not
    // through the interruption (a 12 s agent turn).
    assert!(close(m.longest_monologue_s.customer, 19.5));
    assert!(close(m.longest_monologue_s.agent, 12.0));
}

#[test]
fn as_named_gives_flat_names_and_leaves_out_what_is_unknown() {
    let (timelines, events) = call();
    let m = TalkMetrics::compute(
        60.0,
        &timelines,
        &events,
        &WordCounts::default(),
        &MetricsConfig::default(),
    );
    let named = m.as_named();
    let get = |name: &str| named.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    assert_eq!(get("agent_interruptions"), Some(1.0));
    assert_eq!(get("customer_interruptions"), Some(0.0));
    assert_eq!(get("interruptions_total"), Some(1.0));
    assert!(close(get("non_talk_longest_s").unwrap(), 8.2));
    assert!(get("agent_talk_share").is_some());
    assert_eq!(get("agent_response_latency_p50_s"), Some(1.0));
    assert_eq!(
        get("agent_words_per_min"),
        None,
        "no transcript, no speaking rate"
    );
    let mut names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "names are unique");
}

#[test]
fn response_latency_counts_only_real_handovers() {
    struct Case {
        name: &'static str,
        customer: &'static [(f64, f64)],
        agent: &'static [(f64, f64)],
        expected: &'static [f64],
    }
    let cases = [
        Case {
            name: "plain handovers",
            customer: &[(0.0, 2.0), (5.0, 6.0)],
            agent: &[(2.4, 4.0), (7.5, 9.0)],
            expected: &[0.4, 1.5],
        },
        Case {
            name: "the customer resumes before the agent answers",
            customer: &[(0.0, 2.0), (2.5, 4.0)],
            agent: &[(4.3, 6.0)],
            expected: &[0.3],
        },
        Case {
            name: "the agent was already talking when the customer stopped",
            customer: &[(0.0, 2.0)],
            agent: &[(1.5, 3.0)],
            expected: &[],
        },
        Case {
            name: "an agent backchannel before the customer stops does not count",
            customer: &[(0.0, 3.0)],
            agent: &[(1.0, 1.3), (3.2, 5.0)],
            expected: &[0.2],
        },
    ];
    for case in cases {
        let c = tl(case.customer);
        let a = tl(case.agent);
        let got = response_latencies(c.segments(), a.segments());
        assert_eq!(got.len(), case.expected.len(), "{}: {got:?}", case.name);
        for (g, e) in got.iter().zip(case.expected) {
            assert!(close(*g, *e), "{}: {got:?}", case.name);
        }
    }
}

#[test]
fn monologues_merge_pauses_and_tokens_but_not_turns() {
    let cfg = MetricsConfig::default();
    let own = tl(&[(0.0, 5.0), (6.0, 10.0), (13.0, 15.0)]);
    // A 0.5 s token between the first two, a 1.5 s turn inside the 3 s pause.
    let other = tl(&[(5.2, 5.7), (11.0, 12.5)]);
    assert!(close(
        longest_monologue(own.segments(), other.segments(), &cfg),
        10.0
    ));
    let talkative = tl(&[(5.2, 6.5)]);
    assert!(close(
        longest_monologue(own.segments(), talkative.segments(), &cfg),
        5.0
    ));
}

#[test]
fn percentiles_are_nearest_rank() {
    let s = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
    assert_eq!(percentile(&s, 50.0), Some(5.0));
    assert_eq!(percentile(&s, 95.0), Some(10.0));
    assert_eq!(percentile(&s[..1], 95.0), Some(1.0));
    assert_eq!(percentile(&[], 50.0), None);
    let stats = LatencyStats::from_samples(vec![0.9, 0.1, f64::NAN, 0.5]);
    assert_eq!(stats.count, 3);
    assert_eq!(stats.p50_s, Some(0.5));
    assert_eq!(stats.max_s, Some(0.9));
}

#[test]
fn open_speech_is_closed_at_the_end_and_words_are_counted_per_party() {
    let mut customer = Timeline::new();
    customer.push(crate::ActivityChange {
        edge: crate::ActivityEdge::Start,
        at: 50.0,
    });
    let timelines = PerParty::new(customer, tl(&[(0.0, 40.0)]));
    let words = word_counts([
        (Party::Customer, "hello there"),
        (Party::Agent, "hi how can I help"),
        (Party::Customer, "my order"),
    ]);
    assert_eq!(words, PerParty::new(Some(4), Some(5)));
    let m = TalkMetrics::compute(60.0, &timelines, &[], &words, &MetricsConfig::default());
    assert!(close(m.talk_time_s.customer, 10.0));
    assert!(close(m.words_per_min.customer.unwrap(), 24.0));
    let json = serde_json::to_value(&m).unwrap();
    assert!(json["talk_time_s"]["customer"].is_number());
    assert!(json["words_per_min"]["agent"].is_number());
}
