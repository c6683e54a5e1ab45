//! Scripted calls for the tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use showroom_qa::{Role, Rubric, ScoredCall, Segment};

pub fn agent(start_s: f64, end_s: f64, text: &str) -> Segment {
    Segment::new(Role::Agent, start_s, end_s, text)
}

pub fn customer(start_s: f64, end_s: f64, text: &str) -> Segment {
    Segment::new(Role::Customer, start_s, end_s, text)
}

pub fn call(duration_s: f64, segments: Vec<Segment>, metrics: &[(&str, f64)]) -> ScoredCall {
    ScoredCall {
        duration_s,
        language: None,
        segments,
        metrics: metrics
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// A rubric around one or more `[[criteria]]` tables.
pub fn rubric(criteria_toml: &str) -> Rubric {
    let text = format!("name = \"test\"\nversion = 1\npass_mark = 50\n\n{criteria_toml}");
    match Rubric::from_toml_str(&text) {
        Ok(r) => r,
        Err(e) => panic!("test rubric does not parse: {e}\n{text}"),
    }
}

/// The sample rubric's good call: greeting, order number asked/given/read back, empathy,
/// closing, metrics within bounds.
pub fn good_ecommerce_call() -> ScoredCall {
    call(
        180.0,
        vec![
            agent(
                0.5,
                4.0,
                "Thank you for calling Acme, this is Dana. How can I help you today?",
            ),
            customer(
                4.8,
                11.0,
                "Hi, my order arrived yesterday and the lamp is broken.",
            ),
            agent(11.6, 16.0, "Oh no, I'm so sorry to hear that."),
            agent(16.4, 20.0, "Could you give me your order number, please?"),
            customer(21.0, 27.0, "Sure, it's four five one, two two nine eight."),
            agent(27.5, 33.0, "Thank you. So that's 4512298, correct?"),
            customer(33.4, 34.0, "Yes."),
            agent(
                34.5,
                60.0,
                "I've issued a replacement lamp, it ships tomorrow with free express delivery.",
            ),
            customer(61.0, 70.0, "Great, thanks a lot."),
            agent(150.0, 158.0, "Is there anything else I can help you with?"),
            customer(158.5, 160.0, "No, that's all."),
            agent(160.5, 165.0, "Thanks for calling, have a great day!"),
        ],
        &[
            ("agent_interruptions", 1.0),
            ("non_talk_longest_s", 8.0),
            ("agent_talk_share", 0.55),
        ],
    )
}

/// One scripted call against one criterion (id "c"), and what the scorecard must say.
pub struct Case {
    pub name: &'static str,
    /// A `[[criteria]]` table with `id = "c"`.
    pub criterion: &'static str,
    pub duration_s: f64,
    pub segments: Vec<Segment>,
    pub metrics: &'static [(&'static str, f64)],
    pub verdict: showroom_qa::Verdict,
    /// (role, start_s, end_s) of every evidence item, in order.
    pub evidence: &'static [(Role, f64, f64)],
    /// Substrings of the evidence quotes, in order (as many as given).
    pub quotes: &'static [&'static str],
    /// A substring of the reason.
    pub reason: &'static str,
}

impl Default for Case {
    fn default() -> Self {
        Case {
            name: "",
            criterion: "",
            duration_s: 60.0,
            segments: Vec::new(),
            metrics: &[],
            verdict: showroom_qa::Verdict::Pass,
            evidence: &[],
            quotes: &[],
            reason: "",
        }
    }
}

pub fn run_cases(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for case in &cases {
        let rubric = rubric(case.criterion);
        let card = showroom_qa::score(
            &rubric,
            &call(case.duration_s, case.segments.clone(), case.metrics),
        );
        let result = card.criterion("c").expect("criterion c");
        let got_evidence: Vec<(Role, f64, f64)> = result
            .evidence
            .iter()
            .map(|e| (e.role, e.start_s, e.end_s))
            .collect();
        let quotes_ok = case.quotes.len() <= result.evidence.len()
            && case
                .quotes
                .iter()
                .zip(&result.evidence)
                .all(|(want, e)| e.quote.contains(want));
        if result.verdict != case.verdict
            || got_evidence != case.evidence
            || !quotes_ok
            || !result.reason.contains(case.reason)
        {
            failures.push(format!(
                "case {:?}: want {:?} evidence {:?} quotes {:?} reason ~{:?}\n   got {:?} evidence {:?} quotes {:?} reason {:?}",
                case.name,
                case.verdict,
                case.evidence,
                case.quotes,
                case.reason,
                result.verdict,
                got_evidence,
                result.evidence.iter().map(|e| &e.quote).collect::<Vec<_>>(),
                result.reason
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
