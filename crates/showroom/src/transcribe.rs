//! `showroom transcribe FILE`: a recording through the live pipeline, JSON lines out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
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

/// Mono: the customer. Stereo: channel 0 the customer, channel 1 the agent.
fn read_wav(path: &Path) -> anyhow::Result<Vec<Channel>> {
    let mut reader = hound::WavReader::open(path).with_context(|| format!("reading {} (WAV expected)", path.display()))?;
    let spec = reader.spec();
    if !(1..=2).contains(&spec.channels) {
        bail!("{} has {} channels; mono or stereo (customer, agent) expected", path.display(), spec.channels);
    }
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>()?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader.samples::<i32>().map(|s| s.map(|v| v as f32 * scale)).collect::<Result<_, _>>()?
        }
    };
    let n = usize::from(spec.channels);
    Ok((0..n)
        .map(|c| Channel {
            role: if c == 0 { "customer" } else { "agent" }.into(),
            samples: interleaved.iter().skip(c).step_by(n).copied().collect(),
            sample_rate: spec.sample_rate,
        })
        .collect())
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let channels = read_wav(&args.file)?;
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
    let hints = Hints { language: args.language, translate: args.translate, prompt: None };
    showroom_live_asr::transcribe_channels(&pool, "file", channels, hints, args.realtime)?;
    Arc::try_unwrap(pool).ok().expect("only this handle").shutdown();
    Ok(())
}
