//! `showroom transcribe FILE`: a recording through the live pipeline, JSON lines out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use showroom_asr::{EngineConfig, WhisperEngine, WhisperRecognizer};
use showroom_live_asr::{AsrMetrics, AsrPool, Channel, Hints, LiveEvent, PolicyConfig};

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

pub fn run(args: Args) -> anyhow::Result<()> {
    let channels = read_channels(&args.file)?;
    let engine = WhisperEngine::load(EngineConfig { max_states: args.workers.max(1), ..EngineConfig::new(&args.model) })
        .with_context(|| format!("loading the model {}", args.model.display()))?;
    let partials = args.partials;
    let pool = Arc::new(AsrPool::start(
        Arc::new(WhisperRecognizer::new(engine, "file")),
        args.workers.max(1),
        PolicyConfig::default(),
        AsrMetrics::unregistered(),
        move |event| {
            let line = match event {
                LiveEvent::Partial { stream, start, end, committed, tentative, .. } if partials => {
                    json!({"type": "partial", "role": stream.role, "start": start, "end": end, "text": committed, "tentative": tentative})
                }
                LiveEvent::Partial { .. } => return,
                LiveEvent::Final { stream, start, end, text, language, confidence, .. } => {
                    json!({"type": "final", "role": stream.role, "start": start, "end": end, "text": text, "language": language, "confidence": confidence})
                }
                LiveEvent::NotTranscribed { stream, start, end, reason, .. } => {
                    json!({"type": "not_transcribed", "role": stream.role, "start": start, "end": end, "reason": reason})
                }
            };
            println!("{line}");
        },
    )?);
    let hints = Hints { model: None, language: args.language, translate: args.translate, prompt: None };
    showroom_live_asr::transcribe_channels(&pool, "file", channels, hints, args.realtime)?;
    Arc::try_unwrap(pool).ok().expect("only this handle").shutdown();
    Ok(())
}
