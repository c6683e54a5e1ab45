//! expected_phrase and forbidden_phrase criteria on scripted calls: verdicts, evidence times and
//! quotes, windows, speakers, languages, cross-segment matching and number words.

mod common;

use common::{Case, agent, customer, run_cases};
use showroom_qa::Role::{Agent, Customer};
use showroom_qa::Verdict::{Fail, NotApplicable};

const GREETING: &str = r#"
[[criteria]]
id = "c"
kind = "expected_phrase"
weight = 10
phrases = ["thank you for calling", "good morning"]
window = { first_s = 15 }
"#;

const GREETING_ANYONE: &str = r#"
[[criteria]]
id = "c"
kind = "expected_phrase"
weight = 10
speaker = "any"
phrases = ["thank you for calling"]
window = { first_s = 15 }
"#;

const CLOSING: &str = r#"
[[criteria]]
id = "c"
kind = "expected_phrase"
weight = 10
phrases = ["goodbye", "have a nice day"]
window = { last_s = 30 }
"#;

const BETWEEN: &str = r#"
[[criteria]]
id = "c"
kind = "expected_phrase"
weight = 10
phrases = ["let me check"]
window = { from_s = 20, to_s = 40 }
"#;

const MULTILINGUAL_GREETING: &str = r#"
[[criteria]]
id = "c"
kind = "expected_phrase"
weight = 10
phrases = ["hello"]
window = { first_s = 15 }
[criteria.languages.es]
phrases = ["buenos días"]
[criteria.languages.de]
patterns = ['\bguten (tag|morgen)\b']
"#;

const SIX_DIGITS: &str = r#"
[[criteria]]
id = "c"
kind = "expected_phrase"
weight = 10
speaker = "customer"
patterns = ['\bcode (is )?(?P<value>\d{6})\b']
"#;

const EMPATHY: &str = r#"
[[criteria]]
id = "c"
kind = "expected_phrase"
weight = 10
phrases = ["sorry", "i understand"]
window = { after_trigger_s = 30 }
[criteria.applies_when]
speaker = "customer"
patterns = ['\b(broken|damaged|late)\b']
"#;

#[test]
fn expected_phrase_verdicts_and_evidence() {
    run_cases(vec![
        Case {
            name: "greeting in the window",
            criterion: GREETING,
            segments: vec![agent(2.0, 5.0, "Hello, thank you for calling Acme!")],
            evidence: &[(Agent, 2.0, 5.0)],
            quotes: &["Hello, thank you for calling Acme!"],
            reason: "in the first 15 s",
            ..Case::default()
        },
        Case {
            name: "greeting too late: fail, showing where it was said",
            criterion: GREETING,
            segments: vec![
                customer(1.0, 3.0, "Hello?"),
                agent(20.0, 24.0, "Oh, sorry. Thank you for calling Acme."),
            ],
            verdict: Fail,
            evidence: &[(Agent, 20.0, 24.0)],
            quotes: &["Thank you for calling Acme."],
            reason: "said only outside that window (first at",
            ..Case::default()
        },
        Case {
            name: "greeting missing: fail, reason says what and when",
            criterion: GREETING,
            segments: vec![agent(1.0, 3.0, "Yeah, what is it?")],
            verdict: Fail,
            reason: "expected the agent to say one of \"thank you for calling\", \"good morning\" in the first 15 s; not said",
            ..Case::default()
        },
        Case {
            name: "greeting by the customer does not count for the agent",
            criterion: GREETING,
            segments: vec![customer(1.0, 3.0, "Good morning!"), agent(3.5, 5.0, "Yes?")],
            verdict: Fail,
            reason: "not said",
            ..Case::default()
        },
        Case {
            name: "speaker any accepts the customer",
            criterion: GREETING_ANYONE,
            segments: vec![customer(1.0, 3.0, "Thank you for calling me back.")],
            evidence: &[(Customer, 1.0, 3.0)],
            ..Case::default()
        },
        Case {
            name: "the window is judged on the words, not the segment start",
            criterion: GREETING,
            // Starts at 0 s, but the greeting is the last words of a 30 s segment.
            segments: vec![agent(
                0.0,
                30.0,
                "Please hold while the system loads, it takes a moment, one more moment, and now: thank you for calling",
            )],
            verdict: Fail,
            evidence: &[(Agent, 0.0, 30.0)],
            quotes: &["and now: thank you for calling"],
            reason: "first at 2",
            ..Case::default()
        },
        Case {
            name: "case, punctuation and apostrophes are ignored",
            criterion: GREETING,
            segments: vec![agent(0.5, 2.0, "GOOD-MORNING!!")],
            evidence: &[(Agent, 0.5, 2.0)],
            ..Case::default()
        },
        Case {
            name: "phrase split across two segments of the agent",
            criterion: GREETING,
            segments: vec![
                agent(1.0, 2.0, "Thank you for"),
                agent(2.6, 4.0, "calling Acme, this is Dana."),
            ],
            evidence: &[(Agent, 1.0, 4.0)],
            quotes: &["Thank you for calling Acme, this is…"],
            ..Case::default()
        },
        Case {
            name: "split across segments with a customer backchannel between",
            criterion: GREETING,
            segments: vec![
                agent(1.0, 2.0, "Thank you for"),
                customer(1.9, 2.2, "mm-hm"),
                agent(2.5, 4.0, "calling."),
            ],
            evidence: &[(Agent, 1.0, 4.0)],
            ..Case::default()
        },
        Case {
            name: "segments further apart than join_gap_s are not joined",
            criterion: GREETING,
            segments: vec![
                agent(1.0, 2.0, "Thank you for"),
                agent(5.0, 6.0, "calling."),
            ],
            verdict: Fail,
            reason: "not said",
            ..Case::default()
        },
        Case {
            name: "words of two speakers are never joined",
            criterion: GREETING,
            segments: vec![
                agent(1.0, 2.0, "Thank you for"),
                customer(2.1, 3.0, "calling"),
            ],
            verdict: Fail,
            ..Case::default()
        },
        Case {
            name: "closing in the last 30 s",
            criterion: CLOSING,
            duration_s: 120.0,
            segments: vec![
                agent(10.0, 12.0, "Hi."),
                agent(100.0, 104.0, "Okay, goodbye!"),
            ],
            evidence: &[(Agent, 100.0, 104.0)],
            reason: "in the last 30 s (from 90 s)",
            ..Case::default()
        },
        Case {
            name: "closing said early, not at the end",
            criterion: CLOSING,
            duration_s: 120.0,
            segments: vec![
                agent(50.0, 54.0, "Have a nice day."),
                agent(100.0, 104.0, "Hmm."),
            ],
            verdict: Fail,
            evidence: &[(Agent, 50.0, 54.0)],
            reason: "outside that window",
            ..Case::default()
        },
        Case {
            name: "closing: duration taken from the last segment when not given",
            criterion: CLOSING,
            duration_s: 0.0,
            segments: vec![
                agent(10.0, 12.0, "Goodbye."),
                agent(100.0, 104.0, "Anything else?"),
            ],
            verdict: Fail,
            evidence: &[(Agent, 10.0, 12.0)],
            reason: "from 74 s",
            ..Case::default()
        },
        Case {
            name: "between window",
            criterion: BETWEEN,
            segments: vec![
                agent(5.0, 6.0, "Let me check."),
                agent(30.0, 32.0, "Let me check that."),
            ],
            evidence: &[(Agent, 30.0, 32.0)],
            reason: "between 20 s and 40 s",
            ..Case::default()
        },
        Case {
            name: "language alternatives: Spanish segment",
            criterion: MULTILINGUAL_GREETING,
            segments: vec![
                agent(1.0, 3.0, "¡Buenos dias! ¿En qué puedo ayudarle?").with_language("es"),
            ],
            evidence: &[(Agent, 1.0, 3.0)],
            quotes: &["¡Buenos dias! ¿En qué puedo…"],
            ..Case::default()
        },
        Case {
            name: "language alternatives: German pattern, region subtag",
            criterion: MULTILINGUAL_GREETING,
            segments: vec![
                agent(1.0, 3.0, "Guten Tag, Sie sprechen mit Acme.").with_language("de-AT"),
            ],
            evidence: &[(Agent, 1.0, 3.0)],
            ..Case::default()
        },
        Case {
            name: "default phrases apply to every language",
            criterion: MULTILINGUAL_GREETING,
            segments: vec![agent(1.0, 3.0, "Hello, hola.").with_language("es")],
            evidence: &[(Agent, 1.0, 3.0)],
            ..Case::default()
        },
        Case {
            name: "another language's phrases do not apply to a known language",
            criterion: MULTILINGUAL_GREETING,
            segments: vec![agent(1.0, 3.0, "Guten Tag!").with_language("es")],
            verdict: Fail,
            ..Case::default()
        },
        Case {
            name: "number words match a digit pattern",
            criterion: SIX_DIGITS,
            segments: vec![customer(
                3.0,
                8.0,
                "The code is one two three, four five six.",
            )],
            evidence: &[(Customer, 3.0, 8.0)],
            quotes: &["The code is one two three, four five six."],
            reason: "\"code is one two three, four five six\"",
            ..Case::default()
        },
        Case {
            name: "empathy after a complaint",
            criterion: EMPATHY,
            segments: vec![
                agent(0.0, 2.0, "Hello."),
                customer(3.0, 6.0, "The parcel came and the vase is broken."),
                agent(7.0, 9.0, "Oh, I'm so sorry!"),
            ],
            evidence: &[(Customer, 3.0, 6.0), (Agent, 7.0, 9.0)],
            quotes: &["…the vase is broken.", "Oh, I'm so sorry!"],
            reason: "within 30 s after the customer said \"broken\"",
            ..Case::default()
        },
        Case {
            name: "empathy before the complaint does not count",
            criterion: EMPATHY,
            segments: vec![
                agent(0.0, 2.0, "Sorry for the wait."),
                customer(3.0, 6.0, "It arrived late."),
                agent(7.0, 9.0, "Okay."),
            ],
            verdict: Fail,
            evidence: &[(Agent, 0.0, 2.0)],
            reason: "outside that window",
            ..Case::default()
        },
        Case {
            name: "empathy too long after the complaint",
            criterion: EMPATHY,
            segments: vec![
                customer(3.0, 6.0, "It arrived damaged."),
                agent(50.0, 52.0, "I understand."),
            ],
            verdict: Fail,
            evidence: &[(Agent, 50.0, 52.0)],
            ..Case::default()
        },
        Case {
            name: "empathy never said: the complaint is the evidence",
            criterion: EMPATHY,
            segments: vec![
                customer(3.0, 6.0, "It arrived damaged."),
                agent(7.0, 9.0, "Okay."),
            ],
            verdict: Fail,
            evidence: &[(Customer, 3.0, 6.0)],
            reason: "not said",
            ..Case::default()
        },
        Case {
            name: "empathy not applicable without a complaint",
            criterion: EMPATHY,
            segments: vec![
                customer(3.0, 6.0, "Do you have this in blue?"),
                agent(7.0, 9.0, "Yes."),
            ],
            verdict: NotApplicable,
            reason: "not applicable: the customer never said",
            ..Case::default()
        },
    ]);
}

const FORBIDDEN: &str = r#"
[[criteria]]
id = "c"
kind = "forbidden_phrase"
weight = 10
phrases = ["stupid", "shut up", "not my problem"]
[criteria.languages.de]
phrases = ["Mist"]
"#;

#[test]
fn forbidden_phrase_verdicts_and_evidence() {
    run_cases(vec![
        Case {
            name: "clean call passes",
            criterion: FORBIDDEN,
            segments: vec![agent(1.0, 3.0, "Happy to help with that.")],
            reason: "said none of \"stupid\", \"shut up\", \"not my problem\" (+1 more)",
            ..Case::default()
        },
        Case {
            name: "found once: fail with the quote and time",
            criterion: FORBIDDEN,
            segments: vec![
                agent(1.0, 3.0, "Hello."),
                agent(40.0, 44.0, "Look, that's honestly not my problem, sir."),
            ],
            verdict: Fail,
            evidence: &[(Agent, 40.0, 44.0)],
            quotes: &["Look, that's honestly not my problem, sir."],
            reason: "The agent said \"not my problem\"",
            ..Case::default()
        },
        Case {
            name: "every occurrence is evidence, across segments and punctuation",
            criterion: FORBIDDEN,
            segments: vec![
                agent(10.0, 11.0, "Oh, SHUT."),
                agent(11.5, 12.0, "Up!"),
                agent(30.0, 32.0, "What a stupid system."),
            ],
            verdict: Fail,
            evidence: &[(Agent, 10.0, 12.0), (Agent, 30.0, 32.0)],
            quotes: &["Oh, SHUT. Up!", "What a stupid system."],
            reason: "and forbidden phrases 1 more time(s)",
            ..Case::default()
        },
        Case {
            name: "the customer's words do not count against the agent",
            criterion: FORBIDDEN,
            segments: vec![customer(1.0, 3.0, "This is stupid!")],
            ..Case::default()
        },
        Case {
            name: "whole words only",
            criterion: FORBIDDEN,
            segments: vec![agent(
                1.0,
                3.0,
                "No stupidity here, and nothing is shut upstairs.",
            )],
            ..Case::default()
        },
        Case {
            name: "a German word is forbidden in German",
            criterion: FORBIDDEN,
            segments: vec![agent(5.0, 7.0, "So ein Mist, das tut mir leid.").with_language("de")],
            verdict: Fail,
            evidence: &[(Agent, 5.0, 7.0)],
            quotes: &["So ein Mist, das tut mir…"],
            ..Case::default()
        },
        Case {
            name: "the same letters are fine in English",
            criterion: FORBIDDEN,
            segments: vec![agent(5.0, 7.0, "The mist cleared.").with_language("en")],
            ..Case::default()
        },
        Case {
            name: "unknown language: every list applies",
            criterion: FORBIDDEN,
            segments: vec![agent(5.0, 7.0, "Mist.")],
            verdict: Fail,
            evidence: &[(Agent, 5.0, 7.0)],
            ..Case::default()
        },
    ]);
}
