//! `conclude` and `insight_events` on a scripted timeline of frame decisions (no audio, no ASR).

use showroom_insight::activity::FRAME_S;
use showroom_insight::{
    ActivityConfig, ActivityTracker, CallAnalysis, CallAnalyzer, DetectorConfig, FrameObservation,
    PerParty,
};
use showroom_qa::{Rubric, Verdict};
use showroom_redact::Policy;

use super::*;

const DURATION_S: f64 = 30.0;

/// (party, start, end, level relative to normal dB).
const SPEECH: [(Party, f64, f64, f32); 8] = [
    (Party::Agent, 1.0, 4.0, 0.0),
    (Party::Customer, 4.5, 8.0, 0.0),
    (Party::Agent, 8.5, 10.0, 0.0),
    (Party::Customer, 11.0, 16.0, 0.0),
    // The agent talks over the customer, who gives up 2 s later: an interruption.
    (Party::Agent, 14.0, 20.0, 3.0),
    // The customer's "mm-hm" while the agent talks: a backchannel.
    (Party::Customer, 17.5, 17.9, -8.0),
    // 5 s of dead air, then the closing.
    (Party::Agent, 25.0, 28.0, 0.0),
    (Party::Customer, 28.5, 29.0, 0.0),
];

fn frame(party: Party, at: f64, k: usize) -> FrameObservation {
    let inside = SPEECH
        .iter()
        .find(|(p, s, e, _)| *p == party && at >= s - 1e-9 && at < e - 1e-9);
    match inside {
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

fn scripted_analysis() -> CallAnalysis {
    let activity = ActivityConfig::default();
    let mut trackers = PerParty::from_fn(|_| ActivityTracker::new(activity.clone()).unwrap());
    let mut analyzer = CallAnalyzer::new(activity, DetectorConfig::default()).unwrap();
    for k in 0..(DURATION_S / FRAME_S).round() as usize {
        let at = k as f64 * FRAME_S;
        let outputs = PerParty::from_fn(|p| trackers[p].push_decision(frame(p, at, k)));
        analyzer.push_outputs(at, outputs);
    }
    analyzer.finish()
}

fn fin(role: Role, start_s: f64, end_s: f64, text: &str) -> FinalText {
    FinalText {
        role,
        start_s,
        end_s,
        text: text.into(),
        language: Some("en".into()),
    }
}

fn finals(agent_middle: &str) -> Vec<FinalText> {
    vec![
        fin(
            Role::Agent,
            1.0,
            4.0,
            "Thank you for calling Showroom, how can I help you today?",
        ),
        fin(
            Role::Customer,
            4.5,
            8.0,
            "Hi, I have a question about my order.",
        ),
        fin(Role::Agent, 8.5, 10.0, "Sure, what is the order number?"),
        fin(
            Role::Customer,
            11.0,
            16.0,
            "It is one two three four five six.",
        ),
        fin(Role::Agent, 14.0, 20.0, agent_middle),
        fin(
            Role::Agent,
            25.0,
            28.0,
            "Is there anything else I can help you with? Have a great day.",
        ),
        fin(Role::Customer, 28.5, 29.0, "No, thanks."),
    ]
}

#[test]
fn conclude_gives_metrics_named_metrics_and_a_scorecard() {
    let analysis = scripted_analysis();
    let rubric = Rubric::ecommerce_support();
    let finals = finals("So that is 123456, let me check.");
    let post = conclude(&analysis, &finals, Some("en"), Some(&rubric));

    let m = &post.metrics;
    assert!(
        (m.call_duration_s - DURATION_S).abs() < 0.05,
        "{}",
        m.call_duration_s
    );
    assert_eq!((m.interruptions.agent, m.interruptions.customer), (1, 0));
    assert_eq!(m.backchannels.customer, 1);
    // The 5 s gap 20 → 25 s is the longest non-talk stretch (tracker hangover shaves a little).
    assert!(
        (4.5..=5.1).contains(&m.non_talk_longest_s),
        "{}",
        m.non_talk_longest_s
    );
    let agent_words = [11, 6, 7, 13].iter().sum::<u64>();
    assert_eq!(m.words.agent, Some(agent_words));
    assert_eq!(m.words.customer, Some(8 + 8 + 2));

    let named = &post.named_metrics;
    assert_eq!(named["agent_interruptions"], 1.0);
    assert_eq!(named["agent_words"], agent_words as f64);
    assert_eq!(named["non_talk_longest_s"], m.non_talk_longest_s);
    for name in named.keys() {
        assert!(
            showroom_qa::KNOWN_METRICS.contains(&name.as_str()),
            "{name}"
        );
    }

    let card = post.scorecard.expect("a rubric was given");
    let verdict = |id: &str| card.criterion(id).unwrap().verdict;
    for (id, want) in [
        ("greeting", Verdict::Pass),
        ("closing", Verdict::Pass),
        ("no_forbidden_words", Verdict::Pass),
        ("order_number_read_back", Verdict::Pass),
        ("agent_interruptions", Verdict::Pass),
        ("dead_air", Verdict::Pass),
        ("talk_share", Verdict::NotApplicable),
    ] {
        assert_eq!(verdict(id), want, "{id}: {card:#?}");
    }
    assert_eq!(card.criterion("greeting").unwrap().evidence[0].start_s, 1.0);
    assert!(card.passed, "{card:#?}");
}

#[test]
fn a_forbidden_phrase_fails_the_call_with_its_time_and_no_rubric_means_no_scorecard() {
    let analysis = scripted_analysis();
    let rubric = Rubric::ecommerce_support();
    let finals = finals("123456. Honestly, that is not my problem.");
    let post = conclude(&analysis, &finals, Some("en"), Some(&rubric));
    let card = post.scorecard.unwrap();
    let forbidden = card.criterion("no_forbidden_words").unwrap();
    assert_eq!(forbidden.verdict, Verdict::Fail);
    assert_eq!(forbidden.evidence[0].start_s, 14.0);
    assert!(!card.passed);

    assert!(conclude(&analysis, &finals, None, None).scorecard.is_none());
}

#[test]
fn insight_events_are_the_resolved_episodes_in_onset_order() {
    let analysis = scripted_analysis();
    let rows = insight_events(&analysis);
    let summary: Vec<(&str, Party)> = rows.iter().map(|r| (r.kind, r.party)).collect();
    assert_eq!(
        summary,
        [
            ("interruption", Party::Agent),
            ("backchannel", Party::Customer)
        ],
        "{rows:#?}"
    );
    assert!((rows[0].onset_s - 14.0).abs() < 0.1, "{rows:#?}");
    assert!((rows[0].duration_s - 2.0).abs() < 0.3, "{rows:#?}");
    assert_eq!(rows[0].details["other"], "customer");
    assert!((rows[1].onset_s - 17.5).abs() < 0.1, "{rows:#?}");
}

#[test]
fn every_metric_the_sample_rubric_bounds_is_produced_by_as_named() {
    let spec: toml::Value = toml::from_str(showroom_qa::ECOMMERCE_SUPPORT_TOML).unwrap();
    let referenced: Vec<&str> = spec["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.get("metric").and_then(|m| m.as_str()))
        .collect();
    assert!(referenced.len() >= 3, "{referenced:?}");
    let post = conclude(&scripted_analysis(), &finals("123456"), None, None);
    for name in referenced {
        assert!(post.named_metrics.contains_key(name), "{name} not produced");
    }
}

#[test]
fn rescore_uses_the_stored_metrics_and_a_changed_rubric_changes_the_verdict() {
    let analysis = scripted_analysis();
    let finals = finals("So that is 123456, let me check.");
    let post = conclude(&analysis, &finals, Some("en"), None);
    let strict = showroom_qa::ECOMMERCE_SUPPORT_TOML.replace(
        "metric = \"agent_interruptions\"\nmax = 2",
        "metric = \"agent_interruptions\"\nmax = 0",
    );
    assert_ne!(strict, showroom_qa::ECOMMERCE_SUPPORT_TOML);
    let strict = Rubric::from_toml_str(&strict).unwrap();
    let card = rescore(&strict, &finals, Some("en"), &post.named_metrics);
    assert_eq!(
        card.criterion("agent_interruptions").unwrap().verdict,
        Verdict::Fail
    );
    let card = rescore(
        &Rubric::ecommerce_support(),
        &finals,
        Some("en"),
        &post.named_metrics,
    );
    assert_eq!(
        card.criterion("agent_interruptions").unwrap().verdict,
        Verdict::Pass
    );
}

#[test]
fn redaction_masks_a_card_read_across_finals_and_keeps_order_and_times() {
    let finals = [
        fin(Role::Agent, 1.0, 2.0, "Can I have the card number?"),
        fin(Role::Customer, 2.5, 4.0, "Sure, it is 4111 1111"),
        fin(Role::Customer, 4.2, 6.0, "1111 1111"),
        fin(
            Role::Agent,
            6.5,
            7.0,
            "Thanks, my email is help@example.com",
        ),
    ];
    let out = redact_finals(&finals, &Policy::default());
    assert_eq!(out.len(), 4);
    let all: String = out
        .iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join(" | ");
    assert!(
        !all.contains("4111") && !all.contains("help@example.com"),
        "{all}"
    );
    assert!(out[0].text.starts_with("Can I have"), "{all}");
    let times: Vec<f64> = out.iter().map(|f| f.start_s).collect();
    assert_eq!(times, [1.0, 2.5, 4.2, 6.5]);
}
