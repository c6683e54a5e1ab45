//! All-or-nothing model files: temp file in the destination directory, fsync, verify, rename, and
//! a `sha256sum`-compatible `<file>.sha256` beside it.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::convert::{ConversionReport, ConvertOptions, convert_ct2_to_ggml};
use crate::error::{IoContext, Result};
use crate::ggml::verify_ggml;
use crate::progress::{Progress, ProgressEvent, Stage};
use crate::vocab::Vocabulary;

/// A writer that counts and hashes what passes through it.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    n: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            n: 0,
        }
    }

    pub(crate) fn bytes_written(&self) -> u64 {
        self.n
    }

    /// Byte count and lowercase hex SHA-256.
    pub(crate) fn finish(self) -> (u64, String) {
        (self.n, hex(&self.hasher.finalize()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file being written next to its destination; removed on drop unless renamed into place.
pub(crate) struct TempFile {
    path: PathBuf,
    file: Option<File>,
}

/// Prefix of every temporary file this crate creates, so leftovers are recognisable.
pub const TEMP_PREFIX: &str = ".showroom-tmp-";

impl TempFile {
    pub(crate) fn beside(dest: &Path) -> Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = parent_dir(dest);
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{TEMP_PREFIX}{}-{n}-{name}", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(Self {
                        path,
                        file: Some(file),
                    });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).at("creating", path),
            }
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn file(&self) -> &File {
        self.file.as_ref().expect("open until persisted")
    }

    /// fsyncs the data, renames over `dest` and fsyncs the directory.
    pub(crate) fn persist(mut self, dest: &Path) -> Result<()> {
        let file = self.file.take().expect("open until persisted");
        file.sync_all().at("syncing", &self.path)?;
        drop(file);
        fs::rename(&self.path, dest).at("renaming into place", dest)?;
        self.path = PathBuf::new();
        sync_dir(parent_dir(dest))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            self.file.take();
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .at("syncing directory", dir)
}

/// `<model>.sha256`, the checksum file beside a model.
pub fn checksum_path(model: &Path) -> PathBuf {
    let mut name = OsString::from(model.as_os_str());
    name.push(".sha256");
    PathBuf::from(name)
}

/// SHA-256 of a file as lowercase hex, reporting [`Stage::Checksum`] progress.
pub fn sha256_file(path: &Path, progress: &mut dyn Progress) -> Result<String> {
    let mut file = File::open(path).at("opening", path)?;
    let len = file.metadata().at("reading metadata of", path)?.len();
    progress.event(ProgressEvent::Start {
        stage: Stage::Checksum,
        total: Some(len),
    });
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).at("reading", path),
        };
        hasher.update(&buf[..n]);
        progress.event(ProgressEvent::Advance { delta: n as u64 });
    }
    progress.event(ProgressEvent::Finish {
        stage: Stage::Checksum,
    });
    Ok(hex(&hasher.finalize()))
}

/// The digest recorded in `<model>.sha256`, if that file exists and is well-formed.
pub fn recorded_checksum(model: &Path) -> Result<Option<String>> {
    let path = checksum_path(model);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).at("reading", path),
    };
    let digest = text.split_whitespace().next().unwrap_or("");
    let ok = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
    Ok(ok.then(|| digest.to_ascii_lowercase()))
}

/// True when `model` exists and its contents match the digest in `<model>.sha256`.
pub fn checksum_matches(model: &Path, progress: &mut dyn Progress) -> Result<bool> {
    let Some(recorded) = recorded_checksum(model)? else {
        return Ok(false);
    };
    if !model.exists() {
        return Ok(false);
    }
    Ok(sha256_file(model, progress)? == recorded)
}

/// Writes `<model>.sha256` atomically in `sha256sum` format.
fn write_checksum(model: &Path, digest: &str) -> Result<()> {
    let dest = checksum_path(model);
    let tmp = TempFile::beside(&dest)?;
    let name = model
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut file: &File = tmp.file();
    file.write_all(format!("{digest}  {name}\n").as_bytes())
        .at("writing", tmp.path())?;
    tmp.persist(&dest)
}

/// Converts a CTranslate2 model.bin to `dest` all-or-nothing: the ggml file is written to a
/// temporary file in the same directory, synced, read back with [`verify_ggml`], then renamed
/// over `dest`, and `<dest>.sha256` is written. On any error neither `dest` nor a temporary file
/// is left behind (an existing `dest` is untouched).
pub fn convert_to_file(
    model_bin: impl Read,
    vocabulary: &Vocabulary,
    dest: &Path,
    options: &ConvertOptions,
    progress: &mut dyn Progress,
) -> Result<ConversionReport> {
    let tmp = TempFile::beside(dest)?;
    let mut out = BufWriter::with_capacity(1 << 20, tmp.file());
    let report = convert_ct2_to_ggml(model_bin, vocabulary, &mut out, options, progress)?;
    out.flush().at("writing", tmp.path())?;
    drop(out);
    verify_ggml(tmp.path())?;
    match fs::remove_file(checksum_path(dest)) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e).at("removing stale checksum", checksum_path(dest)),
    }
    tmp.persist(dest)?;
    write_checksum(dest, &report.sha256)?;
    Ok(report)
}
