//! The converted files load in whisper.cpp (through whisper-rs) and transcribe the JFK clip.

mod common;

use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, Result};
use showroom_asr_model::{ModelName, NoProgress, Quantization, fetch};
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

const JFK_LINE: &str = "ask not what your country can do for you";

/// 16 kHz mono s16 WAV → f32 samples in [-1, 1).
fn read_wav(path: &Path) -> Result<Vec<f32>> {
    let mut reader = hound::WavReader::open(path)?;
    let spec = reader.spec();
    anyhow::ensure!(
        spec.sample_rate == 16_000 && spec.channels == 1 && spec.bits_per_sample == 16,
        "{} is {spec:?}, expected 16 kHz mono s16",
        path.display()
    );
    Ok(reader
        .samples::<i16>()
        .map(|s| s.map(|s| f32::from(s) / 32768.0))
        .collect::<Result<_, _>>()?)
}

/// whisper.cpp's worker threads spin, so runs take turns instead of sharing the two cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn transcribe(model: &Path, audio: &[f32]) -> Result<String> {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = WhisperContext::new_with_params(
        model.to_str().context("utf-8 path")?,
        WhisperContextParameters::default(),
    )
    .with_context(|| format!("whisper.cpp could not load {}", model.display()))?;
    let mut state = ctx.create_state()?;
    let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
    params.set_n_threads(2);
    params.set_language(Some("en"));
    params.set_print_special(false);
    params.set_print_progress(false);
    params.set_print_realtime(false);
    params.set_print_timestamps(false);
    state.full(params, audio)?;
    Ok(state
        .as_iter()
        .map(|segment| segment.to_string())
        .collect::<Vec<_>>()
        .join(" "))
}

/// Lowercase letters and single spaces only.
fn normalise(text: &str) -> String {
    let letters: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    letters.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn converted_tiny_en_transcribes_jfk() -> Result<()> {
    let model = common::shared_model(ModelName::TinyEn)?;
    let audio = read_wav(&common::jfk_wav()?)?;
    let text = transcribe(&model.path, &audio)?;
    assert!(normalise(&text).contains(JFK_LINE), "transcript: {text}");
    Ok(())
}

#[test]
fn q8_0_tiny_en_transcribes_jfk() -> Result<()> {
    let dir = common::cache_root().join("models");
    let mut opts = common::options(&dir);
    opts.quantization = Quantization::Q8_0;
    let model = fetch(ModelName::TinyEn, &opts, &mut NoProgress)?;
    assert!(model.path.ends_with("ggml-tiny.en-q8_0.bin"));
    let audio = read_wav(&common::jfk_wav()?)?;
    let text = transcribe(&model.path, &audio)?;
    assert!(normalise(&text).contains(JFK_LINE), "transcript: {text}");
    Ok(())
}

#[test]
fn converted_base_transcribes_jfk() -> Result<()> {
    let model = common::shared_model(ModelName::Base)?;
    assert_eq!(model.summary.hparams.n_vocab, 51865, "multilingual");
    let audio = read_wav(&common::jfk_wav()?)?;
    let text = transcribe(&model.path, &audio)?;
    assert!(normalise(&text).contains(JFK_LINE), "transcript: {text}");
    Ok(())
}

#[test]
fn normalise_ignores_case_and_punctuation() {
    assert_eq!(
        normalise(" And so, my fellow Americans: ASK not!"),
        "and so my fellow americans ask not"
    );
}
