//! Damaged copies of the real tiny.en model.bin fail with specific errors and never leave a model
//! file (or a temporary file) at the destination.

mod common;

use std::fs;
use std::path::Path;

use anyhow::Result;
use showroom_asr_model::ct2::{read_model, write_model};
use showroom_asr_model::{
    ConvertOptions, Error, NoProgress, Quantization, Vocabulary, convert_to_file, sha256_file,
};

fn convert(model_bin: &[u8], vocab: &Vocabulary, dest: &Path) -> showroom_asr_model::Result<()> {
    convert_to_file(
        model_bin,
        vocab,
        dest,
        &ConvertOptions::default(),
        &mut NoProgress,
    )
    .map(|_| ())
}

/// Offset of the dtype byte of a rank-2 variable.
fn dtype_offset(model_bin: &[u8], name: &str) -> usize {
    let needle = format!("{name}\0");
    let pos = model_bin
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .unwrap();
    assert_eq!(model_bin[pos + needle.len()], 2, "{name} is rank 2");
    pos + needle.len() + 1 + 2 * 4
}

fn assert_nothing_written(dir: &Path, what: &str) {
    assert_eq!(
        common::files_in(dir),
        Vec::<String>::new(),
        "{what}: files left behind"
    );
}

#[test]
fn truncated_model_bin_fails_at_every_cut_without_output() -> Result<()> {
    let (model_bin, vocab_text) = common::tiny_en_sources()?;
    let vocab = Vocabulary::parse(&vocab_text)?;
    let dir = tempfile::tempdir()?;
    let dest = dir.path().join("ggml-tiny.en.bin");
    let n = model_bin.len();
    for cut in [
        0,
        3,
        4,
        20,
        26,
        1_000,
        123_457,
        n / 3,
        n / 2,
        n - 61,
        n - 10,
        n - 1,
    ] {
        let err = convert(&model_bin[..cut], &vocab, &dest).unwrap_err();
        assert!(
            matches!(err, Error::Truncated { .. }),
            "cut at {cut}: {err}"
        );
        assert!(err.to_string().contains("ends early"), "{err}");
        assert_nothing_written(dir.path(), &format!("cut at {cut}"));
    }
    Ok(())
}

#[test]
fn bad_version_spec_and_dtype_bytes_are_rejected() -> Result<()> {
    let (model_bin, vocab_text) = common::tiny_en_sources()?;
    let vocab = Vocabulary::parse(&vocab_text)?;
    let dir = tempfile::tempdir()?;
    let dest = dir.path().join("ggml-tiny.en.bin");

    let mut bad = model_bin.clone();
    bad[0] = 7;
    let err = convert(&bad, &vocab, &dest).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadVersion {
                found: 7,
                supported: 6
            }
        ),
        "{err}"
    );
    assert_nothing_written(dir.path(), "bad version");

    let mut bad = model_bin.clone();
    bad[3] ^= 0x80;
    assert!(matches!(
        convert(&bad, &vocab, &dest),
        Err(Error::BadVersion { .. })
    ));

    let mut bad = model_bin.clone();
    bad[6] = b'X'; // "WhisperSpec" → "XhisperSpec"
    assert!(
        matches!(convert(&bad, &vocab, &dest), Err(Error::UnsupportedSpec { name, .. }) if name == "XhisperSpec")
    );
    assert_nothing_written(dir.path(), "bad spec");

    let at = dtype_offset(&model_bin, "decoder/embeddings/weight");
    assert_eq!(model_bin[at], 4, "stored as f16");
    let mut bad = model_bin.clone();
    bad[at] = 9;
    let err = convert(&bad, &vocab, &dest).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownDtype { code: 9, tensor, .. } if tensor == "decoder/embeddings/weight"),
        "{err}"
    );
    assert_nothing_written(dir.path(), "unknown dtype");

    // A known dtype that disagrees with the byte count (f32 claimed for f16 data).
    let mut bad = model_bin.clone();
    bad[at] = 0;
    let err = convert(&bad, &vocab, &dest).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert_nothing_written(dir.path(), "dtype/size mismatch");
    Ok(())
}

#[test]
fn missing_tensor_and_wrong_shape_are_named() -> Result<()> {
    let (model_bin, vocab_text) = common::tiny_en_sources()?;
    let vocab = Vocabulary::parse(&vocab_text)?;
    let model = read_model(&model_bin[..], None, &mut NoProgress)?;
    let dir = tempfile::tempdir()?;
    let dest = dir.path().join("ggml-tiny.en.bin");

    let mut m = model.clone();
    m.variables
        .remove("encoder/layer_2/ffn/linear_1/weight")
        .unwrap();
    let mut bytes = Vec::new();
    write_model(&m, &mut bytes)?;
    let err = convert(&bytes, &vocab, &dest).unwrap_err();
    assert!(
        matches!(&err, Error::MissingTensor { tensor, .. } if tensor == "encoder/layer_2/ffn/linear_1/weight"),
        "{err}"
    );
    assert_nothing_written(dir.path(), "missing tensor");

    // A whole layer gone: hyper-parameters still say 4 layers, so its tensors are missing.
    let mut m = model.clone();
    m.variables
        .retain(|k, _| !k.starts_with("decoder/layer_1/"));
    let mut bytes = Vec::new();
    write_model(&m, &mut bytes)?;
    assert!(matches!(
        convert(&bytes, &vocab, &dest),
        Err(Error::MissingTensor { .. })
    ));

    let mut m = model.clone();
    let v = m
        .variables
        .get_mut("decoder/layer_0/attention/linear_1/weight")
        .unwrap();
    v.shape = vec![384, 768];
    let mut bytes = Vec::new();
    write_model(&m, &mut bytes)?;
    let err = convert(&bytes, &vocab, &dest).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    assert_nothing_written(dir.path(), "wrong shape");

    // The vocabulary of another model (base has one token more).
    let mut other = vocab_text.clone();
    other.push_str("<|extra|>\n");
    let err = convert(&model_bin, &Vocabulary::parse(&other)?, &dest).unwrap_err();
    assert!(matches!(err, Error::Vocabulary(_)), "{err}");
    assert_nothing_written(dir.path(), "vocabulary mismatch");
    Ok(())
}

#[test]
fn a_failed_conversion_leaves_an_existing_model_untouched() -> Result<()> {
    let (model_bin, vocab_text) = common::tiny_en_sources()?;
    let vocab = Vocabulary::parse(&vocab_text)?;
    let dir = tempfile::tempdir()?;
    let dest = dir.path().join("ggml-tiny.en.bin");
    convert(&model_bin, &vocab, &dest)?;
    let before = sha256_file(&dest, &mut NoProgress)?;
    let checksum = fs::read_to_string(showroom_asr_model::checksum_path(&dest))?;

    assert!(convert(&model_bin[..model_bin.len() / 2], &vocab, &dest).is_err());
    assert_eq!(sha256_file(&dest, &mut NoProgress)?, before);
    assert_eq!(
        fs::read_to_string(showroom_asr_model::checksum_path(&dest))?,
        checksum
    );
    assert_eq!(
        common::files_in(dir.path()),
        ["ggml-tiny.en.bin", "ggml-tiny.en.bin.sha256"]
    );
    Ok(())
}

#[test]
fn q8_0_conversion_of_tiny_en_verifies() -> Result<()> {
    let (model_bin, vocab_text) = common::tiny_en_sources()?;
    let vocab = Vocabulary::parse(&vocab_text)?;
    let dir = tempfile::tempdir()?;
    let dest = dir.path().join("ggml-tiny.en-q8_0.bin");
    let options = ConvertOptions {
        quantization: Quantization::Q8_0,
        input_len: None,
    };
    let report = convert_to_file(&model_bin[..], &vocab, &dest, &options, &mut NoProgress)?;
    let summary = showroom_asr_model::verify_ggml(&dest)?;
    assert_eq!((report.ftype, summary.ftype), (2007, 2007));
    assert_eq!(summary.tensors.len(), 167);
    let q8 = summary
        .tensors
        .iter()
        .filter(|t| t.ggml_type == showroom_asr_model::GgmlType::Q8_0)
        .count();
    assert_eq!(
        q8,
        1 + 4 * 6 + 4 * 10,
        "token embedding + 6 matrices per encoder, 10 per decoder layer"
    );
    assert!(
        report.bytes_written < 77_704_698 * 6 / 10,
        "{} bytes",
        report.bytes_written
    );
    Ok(())
}

#[test]
fn verify_names_files_that_are_not_ggml() -> Result<()> {
    let (model_bin, _) = common::tiny_en_sources()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("model.bin");
    fs::write(&path, &model_bin[..4096])?;
    let err = showroom_asr_model::verify_ggml(&path).unwrap_err();
    assert!(matches!(err, Error::BadMagic { found: 6, .. }), "{err}");
    assert!(
        err.to_string().contains("not a whisper.cpp ggml file"),
        "{err}"
    );

    let missing = dir.path().join("nope.bin");
    let err = showroom_asr_model::verify_ggml(&missing).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("nope.bin"), "{err}");
    Ok(())
}
