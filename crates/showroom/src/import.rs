//! `showroom import PATH…`: existing recordings (stereo WAV/Ogg: channel 0 customer, channel 1
//! agent; each with an optional `<name>.json` of metadata) go through the same path as live
//! calls — transcribe → redact → analyse → score → store → index — so a shop can QA its back
//! catalogue. Idempotent: a call already stored is skipped. Wiring only.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use serde::Deserialize;
use showroom_postcall::FinalText;
use showroom_qa::Rubric;
use showroom_service::config::Config;
use showroom_service::recorder::{recording_path, safe_name, write_sidecar, RecordingInfo};
use showroom_store::*;

use crate::analyze::{analyse, Analysed};

pub struct Args {
    pub paths: Vec<PathBuf>,
    pub model: PathBuf,
    pub language: Option<String>,
    pub workers: usize,
    /// Tenant for files whose metadata names none.
    pub tenant: String,
    /// Overrides the tenant's configured rubric.
    pub rubric: Option<PathBuf>,
}

/// `<recording>.json` beside a recording; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Metadata {
    id: Option<String>,
    tenant: Option<String>,
    agent: Option<String>,
    team: Option<String>,
    shopper_name: Option<String>,
    language: Option<String>,
    /// When the call started (RFC 3339); default: the file's modification time.
    started_at: Option<Ts>,
    product: Option<ProductContext>,
}

const AUDIO: &[&str] = &["wav", "ogg", "opus", "oga"];

/// The recordings named: files as given, directories' audio files in name order.
fn recordings(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|f| f.extension().and_then(|x| x.to_str()).is_some_and(|x| AUDIO.contains(&x.to_ascii_lowercase().as_str())))
                .collect();
            found.sort();
            out.extend(found);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
    }
    Ok(out)
}

fn metadata(file: &Path) -> anyhow::Result<Metadata> {
    let side = file.with_extension("json");
    if !side.exists() {
        return Ok(Metadata::default());
    }
    let text = std::fs::read_to_string(&side).with_context(|| format!("reading {}", side.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not valid call metadata", side.display()))
}

/// A call id from the file name when the metadata has none: stable, so a re-import skips it.
fn call_id(file: &Path, meta: &Metadata) -> anyhow::Result<String> {
    let id = match &meta.id {
        Some(id) => id.clone(),
        None => {
            let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let clean: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
            format!("IMP_{clean}")
        }
    };
    safe_name(&id).map(str::to_owned).with_context(|| format!("call id {id:?}: use letters, digits, - and _ (≤ 128)"))
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let files = recordings(&args.paths)?;
    anyhow::ensure!(!files.is_empty(), "no recordings (wav, ogg, opus) in {:?}", args.paths);
    let rubrics = config.qa.load()?;
    let fixed_rubric = args.rubric.as_ref().map(|p| Rubric::from_path(p).with_context(|| format!("reading {}", p.display()))).transpose()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let store = runtime.block_on(Store::open(&config.store)).context("opening the store")?;

    let bar = indicatif::ProgressBar::new(files.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} calls  {elapsed_precise}  {msg}")
            .expect("valid template"),
    );
    let (mut imported, mut skipped, mut failed) = (0, 0, 0);
    for file in &files {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        bar.set_message(format!("{name}: transcribing"));
        let started = Instant::now();
        match import_one(config, &store, &runtime, &args, &rubrics, fixed_rubric.as_ref(), file) {
            Ok(Some(summary)) => {
                imported += 1;
                say(&bar, format!("{name}: {summary} ({:.1} s)", started.elapsed().as_secs_f64()));
            }
            Ok(None) => {
                skipped += 1;
                say(&bar, format!("{name}: already imported, skipped"));
            }
            Err(e) => {
                failed += 1;
                say(&bar, format!("{name}: FAILED: {e:#}"));
            }
        }
        bar.inc(1);
    }
    bar.finish_with_message("done");
    runtime.block_on(store.close());
    println!("imported {imported}, skipped {skipped}, failed {failed}");
    anyhow::ensure!(failed == 0, "{failed} recording(s) could not be imported");
    Ok(())
}

/// One line per recording: above the bar on a terminal, plain lines in a log.
fn say(bar: &indicatif::ProgressBar, line: String) {
    if bar.is_hidden() {
        println!("{line}");
    } else {
        bar.println(line);
    }
}

fn import_one(
    config: &Config,
    store: &Store,
    runtime: &tokio::runtime::Runtime,
    args: &Args,
    rubrics: &std::collections::BTreeMap<String, Rubric>,
    fixed_rubric: Option<&Rubric>,
    file: &Path,
) -> anyhow::Result<Option<String>> {
    let meta = metadata(file)?;
    let id = CallId(call_id(file, &meta)?);
    if runtime.block_on(store.get_call(&id))?.is_some() {
        return Ok(None);
    }
    let tenant = meta.tenant.clone().unwrap_or_else(|| args.tenant.clone());
    let rubric = fixed_rubric.or_else(|| rubrics.get(&tenant)).or_else(|| rubrics.get("")).context("no rubric")?;
    let language = meta.language.clone().or_else(|| args.language.clone());
    let Analysed { analysis, finals, masked, post, audio_16k } = analyse(
        &[file.to_path_buf()],
        &args.model,
        language.clone(),
        args.workers,
        config.redaction.policy(&tenant),
        rubric,
    )?;
    let started_at = match meta.started_at {
        Some(t) => t,
        None => Ts::from(std::fs::metadata(file)?.modified()?),
    };
    let ended_at = started_at + chrono::TimeDelta::milliseconds((analysis.duration_s * 1000.0) as i64);
    let (customer, agent) = (ParticipantId(format!("{}_customer", id.0)), ParticipantId(format!("{}_agent", id.0)));
    let segments: Vec<Segment> = finals
        .iter()
        .enumerate()
        .map(|(n, f)| segment(&id, &customer, &agent, n, f, masked.get(n).copied().unwrap_or(true)))
        .collect();
    let now = Ts::from(std::time::SystemTime::now());
    let LiveWrite::Concluded { metrics, events, score, .. } =
        showroom_service::journal::concluded(id.clone(), &post, showroom_postcall::insight_events(&analysis), now)
    else {
        unreachable!("concluded() makes a Concluded write")
    };
    runtime.block_on(async {
        store
            .create_call(&NewCall {
                id: id.clone(),
                tenant: TenantId(tenant.clone()),
                shopper_id: None,
                shopper_name: meta.shopper_name.clone(),
                agent: meta.agent.clone().map(AgentId),
                team: meta.team.clone(),
                product: meta.product.clone().unwrap_or_default(),
                language: language.clone().or_else(|| finals.iter().find_map(|f| f.language.clone())),
                node: Some("import".into()),
                created_at: started_at,
            })
            .await?;
        for (p, role) in [(&customer, Role::Customer), (&agent, Role::Agent)] {
            store
                .add_participant(&Participant {
                    call: id.clone(),
                    participant: p.clone(),
                    role,
                    display_name: None,
                    joined_at: started_at,
                    left_at: Some(ended_at),
                })
                .await?;
        }
        store.append_segments(&segments).await?;
        store.end_call(&id, ended_at).await?;
        // Metrics, overlaps, score and the search index, as for a live call.
        store.conclude_call(&id, &metrics, &events, score.as_ref(), now).await?;
        anyhow::Ok(())
    })?;
    if config.recording.enabled {
        let dir = config.recording.dir(&config.store);
        for (p, role, audio) in [(&customer, Role::Customer, &audio_16k.customer), (&agent, Role::Agent, &audio_16k.agent)] {
            // What the transcript masks is silenced in the audio too (as live recordings are).
            let mut audio = audio.clone();
            for s in segments.iter().filter(|s| s.redacted && s.role == role) {
                let len = audio.len();
                let at = |t: f64| ((t.max(0.0) * 16_000.0) as usize).min(len);
                audio[at(s.start_s - 0.3)..at(s.end_s + 0.3)].fill(0.0);
            }
            let path = recording_path(&dir, &id.0, &p.0).context("call and participant ids make a recording path")?;
            write_recording(&path, &p.0, role.as_str(), &audio).with_context(|| format!("writing the {role} recording"))?;
        }
    }
    Ok(Some(format!(
        "call {}: {} segments, {} overlaps, score {}",
        id.0,
        segments.len(),
        events.len(),
        score.map_or("none".into(), |s| format!("{:.0}{}", s.score, if s.passed { " (passed)" } else { " (failed)" })),
    )))
}

fn segment(call: &CallId, customer: &ParticipantId, agent: &ParticipantId, n: usize, f: &FinalText, masked: bool) -> Segment {
    let (participant, role) = match f.role {
        showroom_qa::Role::Agent => (agent.clone(), Role::Agent),
        showroom_qa::Role::Customer => (customer.clone(), Role::Customer),
    };
    Segment {
        call: call.clone(),
        key: UtteranceKey::for_utterance(&participant, n as u64),
        participant,
        role,
        start_s: f.start_s,
        end_s: f.end_s.max(f.start_s),
        text: f.text.clone(),
        language: f.language.clone(),
        confidence: None,
        status: SegmentStatus::Final,
        redacted: masked,
    }
}

/// An imported party's audio as the recorder would have left it (Ogg/Opus and sidecar). The
/// source may be WAV, so this one is encoded (16 kHz wideband, enough for review).
fn write_recording(path: &Path, participant: &str, role: &str, audio_16k: &[f32]) -> anyhow::Result<()> {
    std::fs::create_dir_all(path.parent().context("a recording path has a directory")?)?;
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut writer = showroom_recording::OggOpusWriter::new(file, 1, 1, "showroom import")?;
    let mut enc = opus::Encoder::new(16_000, opus::Channels::Mono, opus::Application::Voip)?;
    for (i, frame) in audio_16k.chunks(320).enumerate() {
        let mut pcm = frame.to_vec();
        pcm.resize(320, 0.0);
        let packet = enc.encode_vec_float(&pcm, 1500)?;
        writer.push((i as u32).wrapping_mul(960), &packet)?;
    }
    let duration_s = writer.duration_samples() as f64 / 48_000.0;
    writer.finish()?.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    let info = RecordingInfo { participant: participant.into(), role: role.into(), start_s: 0.0, duration_s, bytes: std::fs::metadata(path)?.len() };
    write_sidecar(path, &info)?;
    Ok(())
}
