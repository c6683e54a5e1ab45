//! Weighting arithmetic, pass mark, critical criteria, determinism and serde of scorecards.

mod common;

use common::{agent, call, customer};
use showroom_qa::{Rubric, Scorecard, ScoredCall, Verdict, score};

/// Four metric criteria whose verdicts the metrics decide: a ≤ 1, b ≤ 1, c ≤ 1, d ≤ 1.
fn four_metrics(pass_mark: f64, critical_b: bool) -> Rubric {
    let mut text = format!("name = \"w\"\nversion = \"2\"\npass_mark = {pass_mark}\n");
    for (id, weight) in [("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0)] {
        text.push_str(&format!(
            "[[criteria]]\nid = \"{id}\"\nkind = \"metric_bounds\"\nweight = {weight}\nmetric = \"m_{id}\"\ncustom_metric = true\nmax = 1\ncritical = {}\n",
            critical_b && id == "b"
        ));
    }
    Rubric::from_toml_str(&text).unwrap()
}

/// Metric value per criterion: Some(0) passes, Some(5) fails, None is not applicable.
fn metrics_call(values: [Option<f64>; 4]) -> ScoredCall {
    let mut c = call(60.0, Vec::new(), &[]);
    for (id, v) in ["a", "b", "c", "d"].iter().zip(values) {
        if let Some(v) = v {
            c.metrics.insert(format!("m_{id}"), v);
        }
    }
    c
}

#[test]
fn score_is_weighted_over_applicable_criteria() {
    const P: Option<f64> = Some(0.0);
    const F: Option<f64> = Some(5.0);
    const NA: Option<f64> = None;
    // (metrics for a,b,c,d with weights 1,2,3,4; expected score)
    let cases: &[([Option<f64>; 4], f64)] = &[
        ([P, P, P, P], 100.0),
        ([F, F, F, F], 0.0),
        ([P, F, NA, P], 71.43),  // (1 + 4) / (1 + 2 + 4)
        ([NA, NA, F, P], 57.14), // 4 / 7
        ([P, P, P, F], 60.0),    // 6 / 10
        ([F, NA, NA, NA], 0.0),
        ([NA, NA, NA, NA], 100.0), // nothing to judge
        ([P, F, F, F], 10.0),
    ];
    let rubric = four_metrics(60.0, false);
    for (values, want) in cases {
        let card = score(&rubric, &metrics_call(*values));
        assert_eq!(card.score, *want, "{values:?}");
        assert_eq!(
            card.passed,
            *want >= 60.0,
            "{values:?}: pass mark 60 is inclusive"
        );
        let n_na = values.iter().filter(|v| v.is_none()).count();
        let got_na = card
            .criteria
            .iter()
            .filter(|c| c.verdict == Verdict::NotApplicable)
            .count();
        assert_eq!(got_na, n_na, "{values:?}");
    }
}

#[test]
fn a_failed_critical_criterion_fails_the_call() {
    let rubric = four_metrics(50.0, true);
    let card = score(
        &rubric,
        &metrics_call([Some(0.0), Some(5.0), Some(0.0), Some(0.0)]),
    );
    assert_eq!(card.score, 80.0);
    assert!(!card.passed, "b is critical and failed");
    assert_eq!(card.failed(), vec!["b"]);
    assert!(card.criterion("b").unwrap().critical);

    // Not applicable is not a failure.
    let card = score(
        &rubric,
        &metrics_call([Some(0.0), None, Some(0.0), Some(0.0)]),
    );
    assert!(card.passed);
}

#[test]
fn scorecard_header_and_order_follow_the_rubric() {
    let card = score(&four_metrics(60.0, false), &metrics_call([None; 4]));
    assert_eq!(card.rubric, "w");
    assert_eq!(card.rubric_version, "2");
    assert_eq!(card.pass_mark, 60.0);
    let ids: Vec<&str> = card.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    let weights: Vec<f64> = card.criteria.iter().map(|c| c.weight).collect();
    assert_eq!(weights, [1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn deterministic_and_independent_of_segment_order() {
    let rubric = Rubric::ecommerce_support();
    let call = common::good_ecommerce_call();
    let first = serde_json::to_string(&score(&rubric, &call)).unwrap();
    for _ in 0..3 {
        assert_eq!(
            serde_json::to_string(&score(&rubric, &call)).unwrap(),
            first
        );
    }
    let mut shuffled = call.clone();
    shuffled.segments.reverse();
    shuffled.segments.swap(1, 4);
    assert_eq!(
        serde_json::to_string(&score(&rubric, &shuffled)).unwrap(),
        first
    );
}

#[test]
fn scorecard_json_round_trips_with_stable_names() {
    let rubric = common::rubric(
        r#"
[[criteria]]
id = "c"
kind = "forbidden_phrase"
weight = 3
critical = true
phrases = ["shut up"]

[[criteria]]
id = "m"
kind = "metric_bounds"
weight = 1
metric = "agent_interruptions"
max = 2
"#,
    );
    let card = score(
        &rubric,
        &call(
            30.0,
            vec![customer(0.0, 2.0, "Hi"), agent(2.0, 4.0, "Shut up.")],
            &[],
        ),
    );
    let json = serde_json::to_value(&card).unwrap();
    assert_eq!(json["criteria"][0]["verdict"], "fail");
    assert_eq!(json["criteria"][0]["kind"], "forbidden_phrase");
    assert_eq!(json["criteria"][0]["critical"], true);
    assert_eq!(json["criteria"][0]["evidence"][0]["role"], "agent");
    assert_eq!(json["criteria"][0]["evidence"][0]["start_s"], 2.0);
    assert_eq!(json["criteria"][0]["evidence"][0]["quote"], "Shut up.");
    assert_eq!(json["criteria"][1]["verdict"], "not_applicable");
    assert!(json["criteria"][1].get("critical").is_none());
    let back: Scorecard = serde_json::from_value(json).unwrap();
    assert_eq!(back, card);
}

#[test]
fn scored_call_reads_from_json() {
    // The shape a CLI or the end-to-end test hands in.
    let call: ScoredCall = serde_json::from_str(
        r#"{
            "duration_s": 42.5,
            "language": "en",
            "segments": [
                {"role": "agent", "start_s": 0.4, "end_s": 2.1, "text": "Hello!"},
                {"role": "customer", "start_s": 2.5, "end_s": 4.0, "text": "Hola", "language": "es"}
            ],
            "metrics": {"agent_interruptions": 1}
        }"#,
    )
    .unwrap();
    assert_eq!(call.segments.len(), 2);
    assert_eq!(call.segments[1].language.as_deref(), Some("es"));
    assert_eq!(call.metrics["agent_interruptions"], 1.0);
    let minimal: ScoredCall = serde_json::from_str(r#"{"duration_s": 1}"#).unwrap();
    assert!(minimal.segments.is_empty() && minimal.metrics.is_empty());
}

#[test]
fn an_empty_call_scores_without_panicking() {
    let card = score(&Rubric::ecommerce_support(), &ScoredCall::default());
    // Greeting and closing fail, metrics and conditional criteria are not applicable.
    assert_eq!(card.failed(), vec!["greeting", "closing"]);
    assert_eq!(
        card.score, 44.44,
        "forbidden words (20) pass out of 15 + 10 + 20"
    );
    assert!(!card.passed);
}
