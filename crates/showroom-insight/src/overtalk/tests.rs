//! The detector on synthetic timelines: segments with levels become per-frame evidence and
//! edges (starts known 30 ms late, ends one 250 ms hangover late, both back-dated), ticked
//! every 10 ms.

use super::*;

const A: Party = Party::Agent;
const B: Party = Party::Customer;

#[derive(Debug, Clone, Copy)]
struct Seg {
    party: Party,
    start: f64,
    end: f64,
    /// Level relative to the party's normal speech, dB.
    gain_db: f32,
}

fn seg(party: Party, start: f64, end: f64, gain_db: f32) -> Seg {
    Seg {
        party,
        start,
        end,
        gain_db,
    }
}

/// Both parties speak alone first, so each has a running level (-25 dBFS) to be judged by.
fn warm_up() -> Vec<Seg> {
    vec![seg(A, 0.5, 4.0, 0.0), seg(B, 4.6, 8.0, 0.0)]
}

/// A syllable-like pattern around the segment's level: median at the level, peaks 5 dB over.
fn level_at(s: &Seg, k: usize) -> f32 {
    -25.0 + s.gain_db + [-2.0, 0.0, 5.0, 0.0, -2.0][k % 5]
}

struct Replay {
    events: Vec<OvertalkEvent>,
}

fn replay(segs: &[Seg], cfg: DetectorConfig, with_frames: bool, until: f64) -> Replay {
    let mut det = OvertalkDetector::new(cfg).unwrap();
    let mut pushes: Vec<(f64, Party, ActivityEdge, f64)> = Vec::new();
    for s in segs {
        pushes.push((s.start + 0.03, s.party, ActivityEdge::Start, s.start));
        pushes.push((s.end + 0.25, s.party, ActivityEdge::End, s.end));
    }
    pushes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut next = 0;
    let mut events = Vec::new();
    let n = (until / FRAME_S).round() as usize;
    for k in 0..n {
        let at = k as f64 * FRAME_S;
        if with_frames {
            for p in Party::BOTH {
                let inside = segs
                    .iter()
                    .find(|s| s.party == p && at >= s.start - 1e-9 && at < s.end - 1e-9);
                let frame = match inside {
                    Some(s) => FrameObservation {
                        at,
                        voiced: true,
                        level_db: level_at(s, k),
                        floor_db: -75.0,
                    },
                    None => FrameObservation {
                        at,
                        voiced: false,
                        level_db: -70.0,
                        floor_db: -75.0,
                    },
                };
                det.push_frame(p, frame);
            }
        }
        while next < pushes.len() && pushes[next].0 <= at + FRAME_S + 1e-9 {
            let (_, p, edge, t) = pushes[next];
            det.push(p, edge, t);
            next += 1;
        }
        events.extend(det.tick(at + FRAME_S));
    }
    events.extend(det.finish(until));
    Replay { events }
}

/// Compact descriptions of the events after the warm-up.
fn summary(events: &[OvertalkEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            OvertalkEvent::Interruption(a) => format!("alert {}", a.interrupter),
            OvertalkEvent::Resolved(r) => {
                let kind = match r.kind {
                    OvertalkKind::Interruption => "interruption",
                    OvertalkKind::Backchannel => "backchannel",
                    OvertalkKind::SimultaneousStart => "simultaneous",
                };
                format!("{kind} {} over {}", r.newcomer, r.incumbent)
            }
            OvertalkEvent::Retracted(r) => format!(
                "retracted {}",
                r.kind.map_or("none", |k| match k {
                    OvertalkKind::Interruption => "interruption",
                    OvertalkKind::Backchannel => "backchannel",
                    OvertalkKind::SimultaneousStart => "simultaneous",
                })
            ),
        })
        .collect()
}

#[test]
fn synthetic_timelines_are_classified_as_expected() {
    struct Case {
        name: &'static str,
        segs: Vec<Seg>,
        expected: &'static [&'static str],
    }
    let cases = vec![
        Case {
            name: "soft backchannel under the agent's turn: no alert",
            segs: vec![seg(A, 10.0, 14.0, 0.0), seg(B, 11.0, 11.4, -8.0)],
            expected: &["backchannel customer over agent"],
        },
        Case {
            name: "backchannel at full level: alerted, then retracted when it stays short",
            segs: vec![seg(A, 10.0, 14.0, 0.0), seg(B, 11.0, 11.45, 0.0)],
            expected: &[
                "alert customer",
                "backchannel customer over agent",
                "retracted backchannel",
            ],
        },
        Case {
            name: "interruption, the agent yields",
            segs: vec![seg(A, 10.0, 11.6, 0.0), seg(B, 11.0, 14.0, 2.0)],
            expected: &["alert customer", "interruption customer over agent"],
        },
        Case {
            name: "long overlap, nobody yields",
            segs: vec![seg(A, 10.0, 14.0, 0.0), seg(B, 11.0, 13.0, 2.0)],
            expected: &["alert customer", "interruption customer over agent"],
        },
        Case {
            name: "simultaneous start after a silence",
            segs: vec![seg(A, 10.0, 11.0, 0.0), seg(B, 10.1, 13.0, 0.0)],
            expected: &["simultaneous customer over agent"],
        },
        Case {
            name: "back-to-back turns without overlap",
            segs: vec![seg(A, 10.0, 12.0, 0.0), seg(B, 12.3, 14.0, 0.0)],
            expected: &[],
        },
        Case {
            name: "latching inside the agent's hangover",
            segs: vec![seg(A, 10.0, 12.0, 0.0), seg(B, 12.08, 14.0, 0.0)],
            expected: &[],
        },
        Case {
            name: "terminal overlap on the agent's last syllable",
            segs: vec![seg(A, 10.0, 12.1, 0.0), seg(B, 12.0, 14.0, 0.0)],
            expected: &[],
        },
        Case {
            name: "the agent's voice leaking into the customer's microphone",
            segs: vec![seg(A, 10.0, 14.0, 0.0), seg(B, 11.0, 13.0, -25.0)],
            expected: &["interruption customer over agent"],
        },
        Case {
            name: "a pause inside the interrupter's speech does not split it",
            segs: vec![
                seg(A, 10.0, 14.0, 0.0),
                seg(B, 11.0, 11.5, 2.0),
                seg(B, 11.9, 13.5, 2.0),
            ],
            expected: &["alert customer", "interruption customer over agent"],
        },
        Case {
            name: "a token in the agent's pause, the agent resumes over it",
            segs: vec![
                seg(A, 10.0, 11.0, 0.0),
                seg(B, 11.1, 11.45, -6.0),
                seg(A, 11.3, 14.0, 0.0),
            ],
            expected: &["backchannel customer over agent"],
        },
        Case {
            name: "the agent interrupts the customer",
            segs: vec![seg(B, 10.0, 14.0, 0.0), seg(A, 11.0, 14.5, 3.0)],
            expected: &["alert agent", "interruption agent over customer"],
        },
    ];
    for case in cases {
        let mut segs = warm_up();
        segs.extend(case.segs.iter().copied());
        let r = replay(&segs, DetectorConfig::default(), true, 20.0);
        assert_eq!(summary(&r.events), case.expected, "{}", case.name);
    }
}

#[test]
fn the_alert_comes_at_the_configured_overlap_age_and_names_who_interrupted_whom() {
    let mut segs = warm_up();
    segs.extend([seg(A, 10.0, 14.0, 0.0), seg(B, 11.0, 13.0, 3.0)]);
    let r = replay(&segs, DetectorConfig::default(), true, 20.0);
    let OvertalkEvent::Interruption(alert) = r.events[0] else {
        panic!("first event is the alert: {:?}", r.events);
    };
    assert_eq!((alert.interrupter, alert.interrupted), (B, A));
    assert!((alert.onset - 11.0).abs() < 1e-9);
    let latency = alert.at - alert.onset;
    assert!((0.22..=0.23 + 1e-9).contains(&latency), "{latency}");
    assert!(alert.evidence.newcomer_peak_vs_own_db.unwrap() >= 4.0);
    let OvertalkEvent::Resolved(res) = r.events[1] else {
        panic!("then the resolution: {:?}", r.events);
    };
    assert!(res.alerted && res.id == alert.id);
    assert_eq!(res.interruption(), Some((B, A)));
    assert!((res.overlap_s - 2.0).abs() < 0.011, "{}", res.overlap_s);
}

#[test]
fn edge_only_input_classifies_on_resolution_and_alerts_only_when_configured() {
    let segs = [seg(A, 10.0, 14.0, 0.0), seg(B, 11.0, 13.0, 0.0)];
    let quiet = replay(&segs, DetectorConfig::default(), false, 20.0);
    assert_eq!(summary(&quiet.events), ["interruption customer over agent"]);
    let eager = DetectorConfig {
        alert_without_levels: true,
        ..DetectorConfig::default()
    };
    let loud = replay(&segs, eager, false, 20.0);
    assert_eq!(
        summary(&loud.events),
        ["alert customer", "interruption customer over agent"]
    );
    // Without levels a backchannel looks like an interruption at 220 ms: the eager alert is
    // retracted when the token stays short.
    let token = [seg(A, 10.0, 14.0, 0.0), seg(B, 11.0, 11.4, -10.0)];
    let r = replay(&token, eager_cfg(), false, 20.0);
    assert_eq!(
        summary(&r.events),
        [
            "alert customer",
            "backchannel customer over agent",
            "retracted backchannel"
        ]
    );
}

fn eager_cfg() -> DetectorConfig {
    DetectorConfig {
        alert_without_levels: true,
        ..DetectorConfig::default()
    }
}

#[test]
fn next_deadline_points_at_the_pending_decision() {
    let mut det = OvertalkDetector::new(DetectorConfig::default()).unwrap();
    assert_eq!(det.next_deadline(), None);
    det.push(A, ActivityEdge::Start, 1.0);
    det.tick(1.5);
    det.push(B, ActivityEdge::Start, 2.0);
    det.tick(2.03);
    let due = det.next_deadline().unwrap();
    assert!((due - 2.22).abs() < 1e-9, "{due}");
    assert!(det.speaking(A) && det.speaking(B));
}

#[test]
fn config_deserialises_with_defaults_and_rejects_nonsense() {
    let cfg: DetectorConfig = toml::from_str("alert_after_s = 0.2").unwrap();
    assert_eq!(cfg.alert_after_s, 0.2);
    assert_eq!(
        cfg.backchannel_max_s,
        DetectorConfig::default().backchannel_max_s
    );
    assert!(toml::from_str::<DetectorConfig>("no_such_field = 1").is_err());
    let bad = DetectorConfig {
        alert_after_s: 2.0,
        ..DetectorConfig::default()
    };
    assert!(OvertalkDetector::new(bad).is_err());
}
