//! `showroom analyze FILE [SECOND_FILE]`: a finished recording → transcript, overtalk, talk
//! metrics and QA score as one JSON document. Wiring only: the work is in `showroom-insight`,
//! `showroom-postcall`, `showroom-redact` and `showroom-qa`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::json;
use showroom_asr_audio::Resampler16k;
use showroom_insight::{ActivityConfig, CallAnalysis, DetectorConfig, Party, PerParty};
use showroom_live_asr::Channel;
use showroom_qa::Rubric;

use crate::transcribe;

pub struct Args {
    /// One stereo file (channel 0 customer, channel 1 agent) or two mono files (customer, agent).
    pub files: Vec<PathBuf>,
    pub rubric: Option<PathBuf>,
    pub model: PathBuf,
    pub language: Option<String>,
    pub workers: usize,
}

/// Customer and agent channels at their recorded rates.
fn read_parties(files: &[PathBuf]) -> anyhow::Result<PerParty<Channel>> {
    let read = |path: &Path| {
        showroom_recording::read_recording(path)
            .with_context(|| format!("reading {}", path.display()))
    };
    let channel = |role: Party, samples: Vec<f32>, sample_rate: u32| Channel {
        role: role.as_str().into(),
        samples,
        sample_rate,
    };
    match files {
        [stereo] => {
            let rec = read(stereo)?;
            let mut channels = rec.channels.into_iter();
            let (Some(customer), Some(agent)) = (channels.next(), channels.next()) else {
                bail!(
                    "{}: one file must be stereo (channel 0 customer, channel 1 agent); or pass two mono files",
                    stereo.display()
                );
            };
            Ok(PerParty::new(
                channel(Party::Customer, customer, rec.sample_rate),
                channel(Party::Agent, agent, rec.sample_rate),
            ))
        }
        [customer, agent] => {
            let first = |path: &Path| -> anyhow::Result<(Vec<f32>, u32)> {
                let rec = read(path)?;
                let rate = rec.sample_rate;
                Ok((
                    rec.channels
                        .into_iter()
                        .next()
                        .with_context(|| format!("{}: no audio channel", path.display()))?,
                    rate,
                ))
            };
            let (c, c_rate) = first(customer)?;
            let (a, a_rate) = first(agent)?;
            Ok(PerParty::new(
                channel(Party::Customer, c, c_rate),
                channel(Party::Agent, a, a_rate),
            ))
        }
        _ => bail!("analyze takes one stereo file or two mono files (customer, agent)"),
    }
}

fn to_16k(ch: &Channel) -> anyhow::Result<Vec<f32>> {
    let mut rs = Resampler16k::new(ch.sample_rate)?;
    let mut out = Vec::with_capacity(ch.samples.len());
    rs.process(&ch.samples, &mut out);
    rs.flush(&mut out);
    Ok(out)
}

/// A finished call, analysed: what `analyze` prints and `import` stores.
pub struct Analysed {
    pub analysis: CallAnalysis,
    /// Redacted under the given policy: the unredacted text goes no further.
    pub finals: Vec<showroom_postcall::FinalText>,
    /// Per final: redaction masked something in it.
    pub masked: Vec<bool>,
    pub post: showroom_postcall::PostCall,
    /// Both parties at 16 kHz, padded to the same length.
    pub audio_16k: PerParty<Vec<f32>>,
}

/// Recording → overtalk analysis, transcript (redacted), metrics and score.
pub fn analyse(
    files: &[PathBuf],
    model: &Path,
    language: Option<String>,
    workers: usize,
    policy: &showroom_redact::Policy,
    rubric: &Rubric,
) -> anyhow::Result<Analysed> {
    let parties = read_parties(files)?;
    // Both parties at 16 kHz, padded to the longer one (two files need not be equally long).
    let mut audio = PerParty::new(to_16k(&parties.customer)?, to_16k(&parties.agent)?);
    let len = audio.customer.len().max(audio.agent.len());
    audio.customer.resize(len, 0.0);
    audio.agent.resize(len, 0.0);
    let analysis = CallAnalysis::of_audio(
        PerParty::new(&audio.customer[..], &audio.agent[..]),
        ActivityConfig::default(),
        DetectorConfig::default(),
    )?;
    let mut raw = transcribe::finals(vec![parties.customer, parties.agent], model, language.clone(), workers)?;
    raw.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let finals = showroom_postcall::redact_finals(&raw, policy);
    let masked = raw.iter().zip(&finals).map(|(r, f)| r.text != f.text).collect();
    drop(raw);
    let post = showroom_postcall::conclude(&analysis, &finals, language.as_deref(), Some(rubric));
    Ok(Analysed { analysis, finals, masked, post, audio_16k: audio })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let rubric = match &args.rubric {
        Some(path) => Rubric::from_path(path)
            .with_context(|| format!("reading the rubric {}", path.display()))?,
        None => Rubric::ecommerce_support(),
    };
    let Analysed { analysis, finals, post, .. } = analyse(
        &args.files,
        &args.model,
        args.language.clone(),
        args.workers,
        &showroom_redact::Policy::default(),
        &rubric,
    )?;

    let timeline = |p: Party| {
        analysis.timelines[p]
            .segments()
            .iter()
            .map(|s| [s.start, s.end])
            .collect::<Vec<_>>()
    };
    let doc = json!({
        "duration_s": analysis.duration_s,
        "timeline": { "customer": timeline(Party::Customer), "agent": timeline(Party::Agent) },
        "overtalk": showroom_postcall::insight_events(&analysis),
        "metrics": post.named_metrics,
        "transcript": finals.iter().map(|f| json!({
            "role": f.role, "start": f.start_s, "end": f.end_s, "text": f.text, "language": f.language,
        })).collect::<Vec<_>>(),
        "score": post.scorecard,
    });
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}
