//! `showroom transcribe FILE`: a recording through the live pipeline, JSON lines out.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use serde_json::json;
use showroom_asr::{EngineConfig, WhisperEngine, WhisperRecognizer};
use showroom_live_asr::{AsrMetrics, AsrPool, Channel, Hints, LiveEvent, PolicyConfig};
use showroom_postcall::FinalText;
use showroom_qa::Role as QaRole;

pub struct Args {
    pub file: PathBuf,
    pub model: PathBuf,
    pub language: Option<String>,
    pub translate: bool,
    pub partials: bool,
    pub realtime: bool,
    pub workers: usize,
}

/// Mono: the customer. Stereo: channel 0 the customer, channel 1 the agent. WAV or Ogg/Opus.
pub fn read_channels(path: &Path) -> anyhow::Result<Vec<Channel>> {
    let recording = showroom_recording::read_recording(path).with_context(|| format!("reading {}", path.display()))?;
    let sample_rate = recording.sample_rate;
    Ok(recording
        .channels
        .into_iter()
        .enumerate()
        .map(|(c, samples)| Channel { role: if c == 0 { "customer" } else { "agent" }.into(), samples, sample_rate })
        .collect())
}

/// A pool over one Whisper engine loaded from `model`, events to `emit`.
fn start_pool(model: &Path, workers: usize, emit: impl Fn(LiveEvent) + Send + Sync + 'static) -> anyhow::Result<AsrPool> {
    let engine = WhisperEngine::load(EngineConfig { max_states: workers.max(1), ..EngineConfig::new(model) })
        .with_context(|| format!("loading the model {}", model.display()))?;
    Ok(AsrPool::start(
        Arc::new(WhisperRecognizer::new(engine, "file")),
        workers.max(1),
        PolicyConfig::default(),
        AsrMetrics::unregistered(),
        emit,
    )?)
}

fn run_pool(pool: AsrPool, channels: Vec<Channel>, language: Option<String>, translate: bool, realtime: bool) -> anyhow::Result<()> {
    let hints = Hints { model: None, language, translate, prompt: None };
    showroom_live_asr::transcribe_channels(&pool, "file", channels, hints, realtime)?;
    pool.shutdown();
    Ok(())
}

/// The final segments of `channels` (roles "customer" / "agent") in time order, as fast as the
/// pool goes. Speech the pool could not transcribe is left out.
pub fn finals(channels: Vec<Channel>, model: &Path, language: Option<String>, workers: usize) -> anyhow::Result<Vec<FinalText>> {
    let collected = Arc::new(Mutex::new(Vec::new()));
    let sink = collected.clone();
    let pool = start_pool(model, workers, move |event| {
        if let LiveEvent::Final { stream, start, end, text, language, .. } = event {
            let role = if stream.role == "agent" { QaRole::Agent } else { QaRole::Customer };
            let language = (!language.is_empty()).then_some(language);
            sink.lock().expect("finals lock").push(FinalText { role, start_s: start, end_s: end, text, language });
        }
    })?;
    run_pool(pool, channels, language, false, false)?;
    let mut finals = std::mem::take(&mut *collected.lock().expect("finals lock"));
    finals.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    Ok(finals)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let channels = read_channels(&args.file)?;
    let partials = args.partials;
    let pool = start_pool(&args.model, args.workers, move |event| {
        let line = match event {
            LiveEvent::Partial { stream, start, end, committed, tentative, .. } if partials => {
                json!({"type": "partial", "role": stream.role, "start": start, "end": end, "text": committed, "tentative": tentative})
            }
            LiveEvent::Partial { .. } | LiveEvent::FinalQueued { .. } => return,
            LiveEvent::Final { stream, start, end, text, language, confidence, .. } => {
                json!({"type": "final", "role": stream.role, "start": start, "end": end, "text": text, "language": language, "confidence": confidence})
            }
            LiveEvent::NotTranscribed { stream, start, end, reason, .. } => {
                json!({"type": "not_transcribed", "role": stream.role, "start": start, "end": end, "reason": reason})
            }
        };
        println!("{line}");
    })?;
    run_pool(pool, channels, args.language, args.translate, args.realtime)
}
