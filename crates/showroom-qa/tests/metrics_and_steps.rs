//! metric_bounds and required_steps criteria, and applies_when conditions, on scripted calls.

mod common;

use common::{Case, agent, customer, run_cases};
use showroom_qa::Role::{Agent, Customer};
use showroom_qa::Verdict::{Fail, NotApplicable};

const MAX_INTERRUPTIONS: &str = r#"
[[criteria]]
id = "c"
kind = "metric_bounds"
weight = 10
metric = "agent_interruptions"
max = 2
"#;

const TALK_SHARE: &str = r#"
[[criteria]]
id = "c"
kind = "metric_bounds"
weight = 10
metric = "agent_talk_share"
min = 0.3
max = 0.7
applies_when = { min_duration_s = 60 }
"#;

const CUSTOM_METRIC: &str = r#"
[[criteria]]
id = "c"
kind = "metric_bounds"
weight = 10
metric = "hold_count"
custom_metric = true
min = 1
"#;

const ENGLISH_ONLY: &str = r#"
[[criteria]]
id = "c"
kind = "metric_bounds"
weight = 10
metric = "agent_words_per_min"
max = 180
applies_when = { call_languages = ["en"] }
"#;

#[test]
fn metric_bounds_verdicts() {
    run_cases(vec![
        Case {
            name: "on the bound passes (bounds are inclusive)",
            criterion: MAX_INTERRUPTIONS,
            metrics: &[("agent_interruptions", 2.0)],
            reason: "agent_interruptions = 2 (allowed ≤ 2)",
            ..Case::default()
        },
        Case {
            name: "above max fails",
            criterion: MAX_INTERRUPTIONS,
            metrics: &[("agent_interruptions", 3.0)],
            verdict: Fail,
            reason: "agent_interruptions = 3 (allowed ≤ 2)",
            ..Case::default()
        },
        Case {
            name: "missing metric is not applicable",
            criterion: MAX_INTERRUPTIONS,
            metrics: &[("customer_interruptions", 9.0)],
            verdict: NotApplicable,
            reason: "metric agent_interruptions was not computed",
            ..Case::default()
        },
        Case {
            name: "NaN metric is not applicable",
            criterion: MAX_INTERRUPTIONS,
            metrics: &[("agent_interruptions", f64::NAN)],
            verdict: NotApplicable,
            ..Case::default()
        },
        Case {
            name: "range: inside",
            criterion: TALK_SHARE,
            duration_s: 120.0,
            metrics: &[("agent_talk_share", 0.45)],
            reason: "agent_talk_share = 0.45 (allowed 0.3–0.7)",
            ..Case::default()
        },
        Case {
            name: "range: below min",
            criterion: TALK_SHARE,
            duration_s: 120.0,
            metrics: &[("agent_talk_share", 0.125)],
            verdict: Fail,
            reason: "agent_talk_share = 0.125 (allowed 0.3–0.7)",
            ..Case::default()
        },
        Case {
            name: "range: above max",
            criterion: TALK_SHARE,
            duration_s: 120.0,
            metrics: &[("agent_talk_share", 0.9)],
            verdict: Fail,
            ..Case::default()
        },
        Case {
            name: "min_duration_s: a short call is not judged",
            criterion: TALK_SHARE,
            duration_s: 40.0,
            metrics: &[("agent_talk_share", 0.9)],
            verdict: NotApplicable,
            reason: "the call lasted 40 s, under 60 s",
            ..Case::default()
        },
        Case {
            name: "custom metric",
            criterion: CUSTOM_METRIC,
            metrics: &[("hold_count", 0.0)],
            verdict: Fail,
            reason: "hold_count = 0 (allowed ≥ 1)",
            ..Case::default()
        },
        Case {
            name: "call_languages: other language is not applicable",
            criterion: ENGLISH_ONLY,
            segments: vec![agent(0.0, 2.0, "Hola").with_language("es")],
            metrics: &[("agent_words_per_min", 300.0)],
            verdict: NotApplicable,
            reason: "the call is in \"es\"",
            ..Case::default()
        },
        Case {
            name: "call_languages: unknown language still applies",
            criterion: ENGLISH_ONLY,
            segments: vec![agent(0.0, 2.0, "Hello")],
            metrics: &[("agent_words_per_min", 300.0)],
            verdict: Fail,
            ..Case::default()
        },
    ]);
}

const READ_BACK: &str = r#"
[[criteria]]
id = "c"
kind = "required_steps"
weight = 20
[criteria.applies_when]
speaker = "customer"
phrases = ["order", "delivery", "refund"]
[[criteria.steps]]
name = "agent asks"
speaker = "agent"
phrases = ["order number"]
[[criteria.steps]]
speaker = "customer"
patterns = ['\b\d{5,12}\b']
capture = "order_number"
[[criteria.steps]]
speaker = "agent"
repeat = "order_number"
within_s = 30
"#;

const SINGLE_STEP: &str = r#"
[[criteria]]
id = "c"
kind = "required_steps"
weight = 5
[[criteria.steps]]
speaker = "agent"
patterns = ['\b(verify|confirm) your (e ?mail|address)\b']
"#;

fn order_call_opening() -> Vec<showroom_qa::Segment> {
    vec![
        agent(0.0, 3.0, "Thanks for calling."),
        customer(3.5, 7.0, "Hi, I'm calling about my order."),
        agent(7.5, 10.0, "Sure, what's the order number?"),
    ]
}

fn with(
    mut base: Vec<showroom_qa::Segment>,
    more: Vec<showroom_qa::Segment>,
) -> Vec<showroom_qa::Segment> {
    base.extend(more);
    base
}

#[test]
fn required_steps_verdicts_and_evidence() {
    run_cases(vec![
        Case {
            name: "asked, given in digits, read back in words",
            criterion: READ_BACK,
            segments: with(
                order_call_opening(),
                vec![
                    customer(11.0, 14.0, "It's 884213."),
                    agent(15.0, 19.0, "Thanks, that's eight eight four two one three."),
                ],
            ),
            evidence: &[
                (Agent, 7.5, 10.0),
                (Customer, 11.0, 14.0),
                (Agent, 15.0, 19.0),
            ],
            quotes: &[
                "what's the order number?",
                "It's 884213.",
                "eight eight four two one three.",
            ],
            reason: "(order_number 884213)",
            ..Case::default()
        },
        Case {
            name: "given in groups, read back digit by digit, split over segments",
            criterion: READ_BACK,
            segments: with(
                order_call_opening(),
                vec![
                    customer(11.0, 14.0, "Yes, 88 42"),
                    customer(14.5, 15.5, "13."),
                    agent(16.0, 17.0, "Eight eight four"),
                    agent(17.3, 19.0, "two one three, got it."),
                ],
            ),
            evidence: &[
                (Agent, 7.5, 10.0),
                (Customer, 11.0, 15.5),
                (Agent, 16.0, 19.0),
            ],
            quotes: &["", "Yes, 88 42 13.", "Eight eight four two one three,"],
            ..Case::default()
        },
        Case {
            name: "read back the wrong number",
            criterion: READ_BACK,
            segments: with(
                order_call_opening(),
                vec![
                    customer(11.0, 14.0, "It's 884213."),
                    agent(15.0, 19.0, "So, 884231?"),
                ],
            ),
            verdict: Fail,
            evidence: &[(Agent, 7.5, 10.0), (Customer, 11.0, 14.0)],
            reason: "but step 3 (the agent repeats the order_number \"884213\") not found within 30 s after 12",
            ..Case::default()
        },
        Case {
            name: "read back too late",
            criterion: READ_BACK,
            segments: with(
                order_call_opening(),
                vec![
                    customer(11.0, 14.0, "It's 884213."),
                    agent(60.0, 62.0, "Order 884213 is refunded."),
                ],
            ),
            verdict: Fail,
            evidence: &[(Agent, 7.5, 10.0), (Customer, 11.0, 14.0)],
            ..Case::default()
        },
        Case {
            name: "number given before the agent asked does not count",
            criterion: READ_BACK,
            segments: vec![
                customer(1.0, 5.0, "My order 884213 never arrived."),
                agent(
                    6.0,
                    8.0,
                    "884213, let me look. Do you have the order number?",
                ),
            ],
            verdict: Fail,
            evidence: &[(Agent, 6.0, 8.0)],
            reason: "step 2 (the customer says /\\b\\d{5,12}\\b/) not found",
            ..Case::default()
        },
        Case {
            name: "never asked: nothing to show, reason names step 1",
            criterion: READ_BACK,
            segments: vec![
                customer(1.0, 5.0, "My order is late."),
                agent(6.0, 8.0, "I see."),
            ],
            verdict: Fail,
            reason: "Step 1 (agent asks) not found",
            ..Case::default()
        },
        Case {
            name: "the customer gives two numbers, the agent reads back the second",
            criterion: READ_BACK,
            segments: with(
                order_call_opening(),
                vec![
                    customer(11.0, 16.0, "My phone is 5550199 and the order is 884213."),
                    agent(17.0, 19.0, "Thanks, 884213."),
                ],
            ),
            evidence: &[
                (Agent, 7.5, 10.0),
                (Customer, 11.0, 16.0),
                (Agent, 17.0, 19.0),
            ],
            quotes: &["", "…the order is 884213.", "Thanks, 884213."],
            reason: "(order_number 884213)",
            ..Case::default()
        },
        Case {
            name: "not about an order: not applicable",
            criterion: READ_BACK,
            segments: vec![
                customer(1.0, 5.0, "Does this sofa come in green?"),
                agent(6.0, 8.0, "It does."),
            ],
            verdict: NotApplicable,
            reason: "not applicable: the customer never said \"order\", \"delivery\", \"refund\"",
            ..Case::default()
        },
        Case {
            name: "the agent mentioning an order does not make it apply",
            criterion: READ_BACK,
            segments: vec![agent(1.0, 5.0, "Would you like to order it?")],
            verdict: NotApplicable,
            ..Case::default()
        },
        Case {
            name: "single step by pattern",
            criterion: SINGLE_STEP,
            segments: vec![agent(30.0, 33.0, "Can I just confirm your e-mail, please?")],
            evidence: &[(Agent, 30.0, 33.0)],
            ..Case::default()
        },
        Case {
            name: "single step missing",
            criterion: SINGLE_STEP,
            segments: vec![agent(30.0, 33.0, "What's your email?")],
            verdict: Fail,
            reason: "Step 1 (the agent says /\\b(verify|confirm) your (e ?mail|address)\\b/) not found",
            ..Case::default()
        },
    ]);
}

#[test]
fn many_candidates_without_a_read_back_fail_in_bounded_time() {
    // 200 asks and 200 different numbers, none read back: the search must give up, not
    // explore every combination.
    let mut segments = Vec::new();
    for i in 0..200 {
        let t = i as f64 * 4.0;
        segments.push(customer(
            t,
            t + 1.5,
            &format!("my order is {}", 100_000 + i),
        ));
        segments.push(agent(t + 2.0, t + 3.5, "what is the order number"));
    }
    let card = showroom_qa::score(
        &common::rubric(READ_BACK),
        &common::call(800.0, segments, &[]),
    );
    let result = card.criterion("c").unwrap();
    assert_eq!(result.verdict, Fail);
    assert_eq!(
        result.evidence.len(),
        2,
        "ask and number found, read-back missing"
    );
}
