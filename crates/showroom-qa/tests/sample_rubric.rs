//! The shipped e-commerce rubric: it parses, matches its documentation, scores a good call
//! high and a bad call low with the specific failures and their evidence.

mod common;

use common::{agent, call, customer, good_ecommerce_call};
use showroom_qa::Role::{Agent, Customer};
use showroom_qa::{ECOMMERCE_SUPPORT_TOML, Rubric, Scorecard, Verdict, score};

const SAMPLE_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rubrics/ecommerce-support.toml"
);

fn evidence_times(card: &Scorecard, id: &str) -> Vec<(showroom_qa::Role, f64, f64)> {
    card.criterion(id)
        .unwrap()
        .evidence
        .iter()
        .map(|e| (e.role, e.start_s, e.end_s))
        .collect()
}

#[test]
fn sample_parses_from_file_and_constant() {
    let from_file = Rubric::from_path(SAMPLE_PATH).unwrap();
    assert_eq!(
        std::fs::read_to_string(SAMPLE_PATH).unwrap(),
        ECOMMERCE_SUPPORT_TOML
    );
    let r = Rubric::ecommerce_support();
    assert_eq!(r.name(), "ecommerce-support");
    assert_eq!(r.pass_mark(), 80.0);
    let ids: Vec<&str> = r.criteria().iter().map(|c| c.id()).collect();
    assert_eq!(
        ids,
        [
            "greeting",
            "closing",
            "no_forbidden_words",
            "order_number_read_back",
            "agent_interruptions",
            "dead_air",
            "talk_share",
            "empathy",
        ]
    );
    assert_eq!(from_file.criteria().len(), ids.len());
    let total: f64 = r.criteria().iter().map(|c| c.weight()).sum();
    assert_eq!(total, 100.0, "weights read as percentages");
}

#[test]
fn rubric_doc_shows_the_sample_verbatim() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/RUBRIC.md")).unwrap();
    assert!(
        doc.contains(ECOMMERCE_SUPPORT_TOML.trim()),
        "RUBRIC.md must include rubrics/ecommerce-support.toml as it is"
    );
}

#[test]
fn good_call_scores_full_marks() {
    let card = score(&Rubric::ecommerce_support(), &good_ecommerce_call());
    assert_eq!(card.score, 100.0);
    assert!(card.passed);
    for c in &card.criteria {
        assert_eq!(c.verdict, Verdict::Pass, "{}: {}", c.id, c.reason);
    }
    assert_eq!(evidence_times(&card, "greeting"), [(Agent, 0.5, 4.0)]);
    assert_eq!(evidence_times(&card, "closing"), [(Agent, 150.0, 158.0)]);
    assert_eq!(
        evidence_times(&card, "order_number_read_back"),
        [
            (Agent, 16.4, 20.0),
            (Customer, 21.0, 27.0),
            (Agent, 27.5, 33.0)
        ]
    );
    assert_eq!(
        evidence_times(&card, "empathy"),
        [(Customer, 4.8, 11.0), (Agent, 11.6, 16.0)]
    );
    let read_back = card.criterion("order_number_read_back").unwrap();
    assert!(
        read_back.reason.contains("(order_number 4512298)"),
        "{}",
        read_back.reason
    );
}

#[test]
fn good_call_as_raw_asr_text_still_scores_full_marks() {
    // Lowercase, no punctuation, numbers the other way round, a greeting split in two.
    let asr = call(
        180.0,
        vec![
            agent(0.3, 1.6, "thank you for"),
            agent(
                2.0,
                4.0,
                "calling acme this is dana how can i help you today",
            ),
            customer(
                4.8,
                11.0,
                "hi my order arrived yesterday and the lamp is broken",
            ),
            agent(11.6, 16.0, "oh no im so sorry to hear that"),
            agent(16.4, 20.0, "could you give me your order number please"),
            customer(21.0, 27.0, "sure its 451 22 98"),
            agent(
                27.5,
                33.0,
                "thank you so thats four five one two two nine eight correct",
            ),
            customer(33.4, 34.0, "yes"),
            agent(150.0, 158.0, "is there anything else i can help you with"),
            agent(160.5, 165.0, "thanks for calling have a great day"),
        ],
        &[
            ("agent_interruptions", 0.0),
            ("non_talk_longest_s", 12.0),
            ("agent_talk_share", 0.6),
        ],
    );
    let card = score(&Rubric::ecommerce_support(), &asr);
    assert_eq!(card.failed(), Vec::<&str>::new(), "{card:#?}");
    assert_eq!(card.score, 100.0);
    assert_eq!(evidence_times(&card, "greeting"), [(Agent, 0.3, 4.0)]);
}

#[test]
fn bad_call_scores_low_with_the_specific_failures() {
    let bad = call(
        200.0,
        vec![
            agent(18.0, 22.0, "Yeah. What do you want?"),
            customer(22.5, 30.0, "My package arrived damaged and it's late."),
            agent(30.5, 34.0, "Not my problem, the courier did that."),
            customer(
                35.0,
                40.0,
                "Can you at least check my order? It's 7 7 3 1 9 0.",
            ),
            agent(41.0, 45.0, "Calm down, I'm looking."),
            agent(120.0, 125.0, "Okay, it's refunded."),
            customer(126.0, 127.0, "Fine."),
        ],
        &[
            ("agent_interruptions", 5.0),
            ("non_talk_longest_s", 75.0),
            ("agent_talk_share", 0.2),
        ],
    );
    let card = score(&Rubric::ecommerce_support(), &bad);
    assert_eq!(card.score, 0.0);
    assert!(!card.passed);
    assert_eq!(
        card.failed(),
        [
            "greeting",
            "closing",
            "no_forbidden_words",
            "order_number_read_back",
            "agent_interruptions",
            "dead_air",
            "talk_share",
            "empathy",
        ]
    );

    let greeting = card.criterion("greeting").unwrap();
    assert!(greeting.evidence.is_empty());
    assert!(
        greeting.reason.contains("in the first 15 s; not said"),
        "{}",
        greeting.reason
    );

    let forbidden = card.criterion("no_forbidden_words").unwrap();
    assert_eq!(
        evidence_times(&card, "no_forbidden_words"),
        [(Agent, 30.5, 34.0), (Agent, 41.0, 45.0)]
    );
    assert!(forbidden.evidence[0].quote.starts_with("Not my problem"));
    assert!(forbidden.evidence[1].quote.starts_with("Calm down"));
    assert!(
        forbidden.reason.contains("\"Not my problem\""),
        "{}",
        forbidden.reason
    );

    let order = card.criterion("order_number_read_back").unwrap();
    assert!(
        order
            .reason
            .contains("Step 1 (the agent asks for the order number) not found"),
        "{}",
        order.reason
    );

    // The complaint is shown so a reviewer sees what went unanswered.
    assert_eq!(evidence_times(&card, "empathy"), [(Customer, 22.5, 30.0)]);
    let dead_air = card.criterion("dead_air").unwrap();
    assert_eq!(dead_air.reason, "non_talk_longest_s = 75 (allowed ≤ 20)");
}

#[test]
fn one_weak_metric_still_passes_but_a_forbidden_word_fails() {
    let rubric = Rubric::ecommerce_support();
    let mut call = good_ecommerce_call();
    call.metrics.insert("agent_interruptions".into(), 4.0);
    let card = score(&rubric, &call);
    assert_eq!(card.failed(), ["agent_interruptions"]);
    assert_eq!(card.score, 90.0);
    assert!(card.passed);

    let mut call = good_ecommerce_call();
    call.segments
        .push(agent(100.0, 103.0, "Please calm down, sir."));
    let card = score(&rubric, &call);
    assert_eq!(card.failed(), ["no_forbidden_words"]);
    assert_eq!(card.score, 80.0, "at the pass mark");
    assert!(!card.passed, "forbidden words are critical");
    assert_eq!(
        evidence_times(&card, "no_forbidden_words"),
        [(Agent, 100.0, 103.0)]
    );
}

#[test]
fn a_product_question_skips_order_and_empathy_criteria() {
    let browsing = call(
        45.0,
        vec![
            agent(0.5, 3.0, "Hi, welcome to Acme, how can I help?"),
            customer(3.5, 8.0, "Does the oak table come in a longer size?"),
            agent(8.5, 14.0, "Yes, there's a 2 metre version."),
            agent(38.0, 41.0, "Have a nice day!"),
        ],
        &[("agent_interruptions", 0.0), ("non_talk_longest_s", 24.0)],
    );
    let card = score(&Rubric::ecommerce_support(), &browsing);
    let verdict = |id: &str| card.criterion(id).unwrap().verdict;
    assert_eq!(verdict("order_number_read_back"), Verdict::NotApplicable);
    assert_eq!(verdict("empathy"), Verdict::NotApplicable);
    assert_eq!(
        verdict("talk_share"),
        Verdict::NotApplicable,
        "45 s call, metric missing"
    );
    assert_eq!(card.failed(), ["dead_air"]);
    // greeting 15 + closing 10 + forbidden 20 + interruptions 10 pass, dead air 10 fails.
    assert_eq!(card.score, 84.62);
    assert!(card.passed);
}

#[test]
fn spanish_call_uses_the_spanish_alternatives() {
    let mut es = call(
        80.0,
        vec![
            agent(
                0.5,
                3.0,
                "¡Hola! Gracias por llamar a Acme, ¿en qué puedo ayudarle?",
            ),
            customer(3.5, 9.0, "Mi pedido llegó dañado."),
            agent(9.5, 12.0, "Lo siento mucho. ¿Me da el número de pedido?"),
            customer(12.5, 16.0, "Sí, es cuatro cinco uno dos dos nueve ocho."),
            agent(16.5, 20.0, "Gracias: 4512298, ¿correcto?"),
            agent(
                70.0,
                75.0,
                "¿Algo más en que pueda ayudarle? Que tenga un buen día.",
            ),
        ],
        &[
            ("agent_interruptions", 1.0),
            ("non_talk_longest_s", 50.0),
            ("agent_talk_share", 0.5),
        ],
    );
    es.language = Some("es".into());
    let card = score(&Rubric::ecommerce_support(), &es);
    assert_eq!(card.failed(), ["dead_air"], "{card:#?}");
    assert_eq!(
        evidence_times(&card, "order_number_read_back"),
        [
            (Agent, 9.5, 12.0),
            (Customer, 12.5, 16.0),
            (Agent, 16.5, 20.0)
        ]
    );
    assert_eq!(
        evidence_times(&card, "empathy"),
        [(Customer, 3.5, 9.0), (Agent, 9.5, 12.0)]
    );
}
