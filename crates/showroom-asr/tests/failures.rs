//! Bad models, bad options and degenerate audio give clear errors or empty transcripts, never a
//! panic.

mod common;

use std::fs;

use anyhow::Result;
use showroom_asr::{AsrError, DecodeOptions, EngineConfig, WhisperEngine};
use showroom_asr_model::ModelName;

#[test]
fn missing_model_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-model.bin");
    let err = WhisperEngine::load(EngineConfig::new(&path)).unwrap_err();
    let message = err.to_string();
    println!("{message}");
    assert!(matches!(err, AsrError::BadModel { .. }), "{err:?}");
    assert!(message.contains("no-such-model.bin"), "{message}");
}

#[test]
fn junk_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>); 3] = [
        ("empty.bin", Vec::new()),
        ("text.bin", b"this is not a model\n".repeat(100)),
        // The right magic, then nothing sensible.
        ("truncated.bin", [0x6c, 0x6d, 0x67, 0x67, 1, 2, 3].to_vec()),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let err = WhisperEngine::load(EngineConfig::new(&path)).unwrap_err();
        println!("{name}: {err}");
        assert!(matches!(err, AsrError::BadModel { .. }), "{name}: {err:?}");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn a_directory_is_not_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let err = WhisperEngine::load(EngineConfig::new(dir.path())).unwrap_err();
    println!("{err}");
    assert!(matches!(err, AsrError::BadModel { .. }), "{err:?}");
}

#[test]
fn zero_threads_or_states_are_config_errors() -> Result<()> {
    let path = common::model_path(ModelName::TinyEn)?;
    for (threads, states) in [(0, 1), (1, 0)] {
        let mut cfg = EngineConfig::new(&path);
        cfg.threads_per_job = threads;
        cfg.max_states = states;
        let err = WhisperEngine::load(cfg).unwrap_err();
        assert!(matches!(err, AsrError::Config(_)), "{err:?}");
    }
    Ok(())
}

#[test]
fn empty_and_very_short_audio_give_empty_transcripts() -> Result<()> {
    let engine = common::engine(ModelName::TinyEn)?;
    let jfk = common::jfk()?;
    let _turn = common::one_at_a_time();
    let cases: [(&str, &[f32]); 4] = [
        ("empty", &[]),
        ("one sample", &[0.1]),
        ("0.1 s of speech", &jfk.audio[16_000..17_600]),
        ("0.1 s of silence", &[0.0; 1_600]),
    ];
    for (name, audio) in cases {
        let t = engine.transcribe(audio, &DecodeOptions::english())?;
        assert_eq!(t.text, "", "{name}");
        assert!(t.segments.is_empty(), "{name}");
        assert_eq!(t.language, "en", "{name}");
        assert_eq!(t.cpu_seconds, 0.0, "{name}");
    }
    Ok(())
}

#[test]
fn bad_requests_are_clear_errors() -> Result<()> {
    let engine = common::engine(ModelName::TinyEn)?;
    let audio = common::jfk()?.audio;
    let _turn = common::one_at_a_time();
    let request = |opts: DecodeOptions| engine.transcribe(&audio, &opts).unwrap_err();

    let err = request(DecodeOptions {
        language: Some("xx".into()),
        ..DecodeOptions::default()
    });
    assert!(
        matches!(&err, AsrError::UnknownLanguage(code) if code == "xx"),
        "{err:?}"
    );

    let err = request(DecodeOptions {
        language: Some("e\0n".into()),
        ..DecodeOptions::default()
    });
    assert!(
        matches!(
            err,
            AsrError::InvalidOption {
                option: "language",
                ..
            }
        ),
        "{err:?}"
    );

    let err = request(DecodeOptions {
        initial_prompt: Some("a\0b".into()),
        ..DecodeOptions::english()
    });
    assert!(
        matches!(
            err,
            AsrError::InvalidOption {
                option: "initial_prompt",
                ..
            }
        ),
        "{err:?}"
    );

    // tiny.en is English-only.
    let err = request(DecodeOptions {
        language: Some("de".into()),
        ..DecodeOptions::default()
    });
    assert!(matches!(err, AsrError::EnglishOnlyModel(_)), "{err:?}");
    let err = request(DecodeOptions {
        translate: true,
        ..DecodeOptions::default()
    });
    assert!(matches!(err, AsrError::EnglishOnlyModel(_)), "{err:?}");

    let mut with_nan = audio[..16_000].to_vec();
    with_nan[123] = f32::NAN;
    let err = engine
        .transcribe(&with_nan, &DecodeOptions::english())
        .unwrap_err();
    assert!(matches!(err, AsrError::InvalidAudio(_)), "{err:?}");
    println!("{err}");
    Ok(())
}

#[test]
fn language_none_means_english_on_an_english_model_and_prompts_are_accepted() -> Result<()> {
    let engine = common::engine(ModelName::TinyEn)?;
    assert!(!engine.is_multilingual());
    let jfk = common::jfk()?;
    let _turn = common::one_at_a_time();
    let t = engine.transcribe(
        &jfk.audio,
        &DecodeOptions {
            // A long prompt is cut to its last tokens, not rejected.
            initial_prompt: Some("President Kennedy's inaugural address. ".repeat(60)),
            ..DecodeOptions::default()
        },
    )?;
    assert_eq!(t.language, "en");
    assert!(
        showroom_asr::wer::word_error_rate(&jfk.reference, &t.text) < 0.1,
        "{}",
        t.text
    );
    Ok(())
}
