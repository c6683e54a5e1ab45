//! Converter tests on a small synthetic Whisper (d=32, one layer each side) built in memory, so
//! every mapping rule and every failure mode is exercised without downloads.

use super::*;
use crate::ct2::write_model;
use crate::ggml::verify_ggml;
use crate::progress::NoProgress;
use crate::quant::dequantize_q8_0;
use crate::store::convert_to_file;

fn small_hparams() -> Hparams {
    Hparams {
        n_vocab: 51864,
        n_audio_ctx: 8,
        n_audio_state: 32,
        n_audio_head: 2,
        n_audio_layer: 1,
        n_text_ctx: 4,
        n_text_state: 32,
        n_text_head: 2,
        n_text_layer: 1,
        n_mels: 80,
    }
}

fn f16_var(shape: Vec<u64>, seed: u64) -> Variable {
    let n: u64 = shape.iter().product();
    let data = (0..n)
        .flat_map(|i| {
            f16::from_f32(((i * 7919 + seed * 104_729) % 1000) as f32 / 1000.0 - 0.5).to_le_bytes()
        })
        .collect();
    Variable {
        shape,
        dtype: Ct2Dtype::F16,
        data,
    }
}

fn int_scalar(dtype: Ct2Dtype, v: i64) -> Variable {
    let data = match dtype {
        Ct2Dtype::I8 => vec![v as u8],
        Ct2Dtype::I16 => (v as i16).to_le_bytes().to_vec(),
        _ => (v as i32).to_le_bytes().to_vec(),
    };
    Variable {
        shape: vec![],
        dtype,
        data,
    }
}

/// A CTranslate2 model laid out like the real packages, with deterministic values.
fn synthetic_model(h: &Hparams) -> Ct2Model {
    let mut m = Ct2Model::default();
    for (seed, spec) in ggml_tensors(h).into_iter().enumerate() {
        let source = source_of(&spec.name).unwrap();
        m.variables
            .entry(source.var.clone())
            .or_insert_with(|| f16_var(source.ct2_shape(&spec.shape), seed as u64));
    }
    for (source, n) in dropped_slices(h) {
        let v = m.variables.get_mut(&source.var).unwrap();
        let (a, b) = (
            (source.part * n * 2) as usize,
            ((source.part + 1) * n * 2) as usize,
        );
        v.data[a..b].fill(0);
    }
    m.variables.insert(
        "encoder/num_heads".into(),
        int_scalar(Ct2Dtype::I16, h.n_audio_head.into()),
    );
    m.variables.insert(
        "decoder/num_heads".into(),
        int_scalar(Ct2Dtype::I16, h.n_text_head.into()),
    );
    m.variables
        .insert("decoder/activation".into(), int_scalar(Ct2Dtype::I8, 3));
    m.variables
        .insert("decoder/pre_norm".into(), int_scalar(Ct2Dtype::I8, 1));
    m.variables.insert(
        "decoder/alignment_heads".into(),
        int_scalar(Ct2Dtype::I16, 1),
    );
    m.aliases.push((
        "decoder/projection/weight".into(),
        "decoder/embeddings/weight".into(),
    ));
    m
}

fn synthetic_vocab(n_vocab: usize, eot: usize) -> Vocabulary {
    let tokens = (0..n_vocab)
        .map(|i| match i {
            _ if i == eot => "<|endoftext|>".to_owned(),
            _ if i > eot => format!("<|special{i}|>"),
            _ => format!("t{i}Ġ"),
        })
        .collect();
    Vocabulary::from_tokens(tokens).unwrap()
}

fn model_bytes(m: &Ct2Model) -> Vec<u8> {
    let mut out = Vec::new();
    write_model(m, &mut out).unwrap();
    out
}

fn convert_bytes(
    m: &Ct2Model,
    vocab: &Vocabulary,
    q: Quantization,
) -> Result<(ConversionReport, Vec<u8>)> {
    let mut out = Vec::new();
    let options = ConvertOptions {
        quantization: q,
        input_len: None,
    };
    let report = convert_ct2_to_ggml(
        &model_bytes(m)[..],
        vocab,
        &mut out,
        &options,
        &mut NoProgress,
    )?;
    Ok((report, out))
}

fn tensor_bytes<'a>(file: &'a [u8], summary: &crate::GgmlSummary, name: &str) -> &'a [u8] {
    let t = summary.tensors.iter().find(|t| t.name == name).unwrap();
    &file[t.data_offset as usize..(t.data_offset + t.n_bytes) as usize]
}

fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn f16s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(2)
        .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
        .collect()
}

fn write_temp(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.bin");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn synthetic_model_converts_to_a_file_that_verifies() {
    let h = small_hparams();
    let model = synthetic_model(&h);
    let vocab = synthetic_vocab(51864, 50256);
    let (report, bytes) = convert_bytes(&model, &vocab, Quantization::F16).unwrap();
    assert_eq!(report.hparams, h);
    assert_eq!(report.n_tensors, 11 + 15 + 24);
    assert_eq!(report.bytes_written, bytes.len() as u64);
    assert_eq!(report.n_vocab_tokens, 50256);
    let (_dir, path) = write_temp(&bytes);
    let summary = verify_ggml(&path).unwrap();
    assert_eq!(summary.hparams, h);
    assert_eq!(summary.ftype, 1);
    assert_eq!(summary.tensors.len(), 50);

    // Fused QKV rows land in query/key/value; the value bias is the last third.
    let d = 32usize;
    let qkv = f16s(&model.variables["encoder/layer_0/self_attention/linear_0/weight"].data);
    assert_eq!(
        f16s(tensor_bytes(
            &bytes,
            &summary,
            "encoder.blocks.0.attn.query.weight"
        )),
        qkv[..d * d]
    );
    assert_eq!(
        f16s(tensor_bytes(
            &bytes,
            &summary,
            "encoder.blocks.0.attn.key.weight"
        )),
        qkv[d * d..2 * d * d]
    );
    assert_eq!(
        f16s(tensor_bytes(
            &bytes,
            &summary,
            "encoder.blocks.0.attn.value.weight"
        )),
        qkv[2 * d * d..]
    );
    let qkv_bias = f16s(&model.variables["decoder/layer_0/self_attention/linear_0/bias"].data);
    assert_eq!(
        f32s(tensor_bytes(
            &bytes,
            &summary,
            "decoder.blocks.0.attn.value.bias"
        )),
        qkv_bias[2 * d..]
    );
    let kv = f16s(&model.variables["decoder/layer_0/attention/linear_1/weight"].data);
    assert_eq!(
        f16s(tensor_bytes(
            &bytes,
            &summary,
            "decoder.blocks.0.cross_attn.value.weight"
        )),
        kv[d * d..]
    );
    let kv_bias = f16s(&model.variables["decoder/layer_0/attention/linear_1/bias"].data);
    assert_eq!(
        f32s(tensor_bytes(
            &bytes,
            &summary,
            "decoder.blocks.0.cross_attn.value.bias"
        )),
        kv_bias[d..]
    );
    // Layer norms map gamma → weight; conv biases become f32 (n, 1).
    let gamma = f16s(&model.variables["decoder/layer_0/attention/layer_norm/gamma"].data);
    assert_eq!(
        f32s(tensor_bytes(
            &bytes,
            &summary,
            "decoder.blocks.0.cross_attn_ln.weight"
        )),
        gamma
    );
    let conv_bias = summary
        .tensors
        .iter()
        .find(|t| t.name == "encoder.conv1.bias")
        .unwrap();
    assert_eq!(
        (conv_bias.shape.clone(), conv_bias.ggml_type),
        (vec![32, 1], GgmlType::F32)
    );
    // Header bytes: magic, then n_vocab … n_mels, ftype.
    assert_eq!(&bytes[..4], &0x6767_6d6cu32.to_le_bytes());
    assert_eq!(i32::from_le_bytes(bytes[4..8].try_into().unwrap()), 51864);
    assert_eq!(i32::from_le_bytes(bytes[44..48].try_into().unwrap()), 1);
}

#[test]
fn q8_0_quantises_matrices_only() {
    let h = small_hparams();
    let model = synthetic_model(&h);
    let vocab = synthetic_vocab(51864, 50256);
    let (report, bytes) = convert_bytes(&model, &vocab, Quantization::Q8_0).unwrap();
    assert_eq!(report.ftype, 2007);
    let (_dir, path) = write_temp(&bytes);
    let summary = verify_ggml(&path).unwrap();
    assert_eq!(summary.matrix_type, GgmlType::Q8_0);
    for t in &summary.tensors {
        let expected = if t.name.ends_with("conv1.weight") || t.name.ends_with("conv2.weight") {
            GgmlType::F16
        } else if t.shape.len() == 2 && !t.name.contains("positional") && !t.name.contains("conv") {
            GgmlType::Q8_0
        } else {
            GgmlType::F32
        };
        assert_eq!(t.ggml_type, expected, "{}", t.name);
    }
    let original = f16s(&model.variables["decoder/layer_0/ffn/linear_1/weight"].data);
    let restored = dequantize_q8_0(tensor_bytes(
        &bytes,
        &summary,
        "decoder.blocks.0.mlp.2.weight",
    ));
    let max_err = original
        .iter()
        .zip(&restored)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(max_err < 0.5 / 127.0 + 1e-3, "max error {max_err}");
}

#[test]
fn model_defects_are_reported_specifically() {
    let h = small_hparams();
    let vocab = synthetic_vocab(51864, 50256);
    let convert = |m: &Ct2Model| convert_bytes(m, &vocab, Quantization::F16).map(|_| ());

    let mut m = synthetic_model(&h);
    m.variables.remove("decoder/layer_0/ffn/linear_0/bias");
    let err = convert(&m).unwrap_err();
    assert!(
        matches!(&err, Error::MissingTensor { tensor, .. } if tensor == "decoder/layer_0/ffn/linear_0/bias"),
        "{err}"
    );

    let mut m = synthetic_model(&h);
    m.variables.remove("encoder/num_heads");
    assert!(matches!(convert(&m), Err(Error::MissingTensor { .. })));

    let mut m = synthetic_model(&h);
    m.variables.insert(
        "encoder/layer_0/ffn/linear_0/weight".into(),
        f16_var(vec![100, 32], 1),
    );
    let err = convert(&m).unwrap_err();
    assert!(
        matches!(&err, Error::ShapeMismatch { expected, .. } if expected == &vec![128, 32]),
        "{err}"
    );

    let mut m = synthetic_model(&h);
    m.variables
        .insert("encoder/extra/weight".into(), f16_var(vec![2, 2], 1));
    assert!(
        matches!(convert(&m), Err(Error::UnexpectedTensor { tensor, .. }) if tensor == "encoder/extra/weight")
    );

    let mut m = synthetic_model(&h);
    m.variables
        .get_mut("encoder/layer_0/self_attention/linear_0/bias")
        .unwrap()
        .data[70] = 0x3c;
    assert!(matches!(convert(&m), Err(Error::Unsupported(msg)) if msg.contains("key bias")));

    let mut m = synthetic_model(&h);
    m.variables
        .insert("decoder/activation".into(), int_scalar(Ct2Dtype::I8, 0));
    assert!(matches!(convert(&m), Err(Error::Unsupported(msg)) if msg.contains("GELU")));

    let mut m = synthetic_model(&h);
    let w = m
        .variables
        .get_mut("decoder/layer_0/ffn/linear_1/weight")
        .unwrap();
    w.dtype = Ct2Dtype::I8;
    w.data.truncate(w.data.len() / 2);
    assert!(matches!(convert(&m), Err(Error::UnsupportedDtype { dtype, .. }) if dtype == "int8"));

    let m = synthetic_model(&h);
    let short = synthetic_vocab(51863, 50256);
    assert!(matches!(
        convert_bytes(&m, &short, Quantization::F16),
        Err(Error::Vocabulary(_))
    ));
    let wrong_eot = synthetic_vocab(51864, 50257);
    assert!(matches!(
        convert_bytes(&m, &wrong_eot, Quantization::F16),
        Err(Error::Vocabulary(_))
    ));
}

#[test]
fn f32_and_bf16_sources_convert_like_f16() {
    let h = small_hparams();
    let model = synthetic_model(&h);
    let vocab = synthetic_vocab(51864, 50256);
    let (_, reference) = convert_bytes(&model, &vocab, Quantization::F16).unwrap();
    for dtype in [Ct2Dtype::F32, Ct2Dtype::BF16] {
        let mut m = model.clone();
        for v in m
            .variables
            .values_mut()
            .filter(|v| v.dtype == Ct2Dtype::F16)
        {
            let values = v.to_f32().unwrap();
            v.dtype = dtype;
            v.data = match dtype {
                Ct2Dtype::F32 => values.iter().flat_map(|x| x.to_le_bytes()).collect(),
                _ => values
                    .iter()
                    .flat_map(|&x| half::bf16::from_f32(x).to_le_bytes())
                    .collect(),
            };
        }
        let (_, bytes) = convert_bytes(&m, &vocab, Quantization::F16).unwrap();
        assert_eq!(bytes.len(), reference.len());
        if dtype == Ct2Dtype::F32 {
            assert_eq!(bytes, reference, "f16 → f32 → f16 is exact");
        }
    }
}

fn is_empty_dir(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

#[test]
fn failed_conversions_leave_no_file() {
    let h = small_hparams();
    let vocab = synthetic_vocab(51864, 50256);
    let bytes = model_bytes(&synthetic_model(&h));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("ggml-small.bin");
    for cut in [0, 3, 40, 1000, bytes.len() / 2, bytes.len() - 1] {
        let err = convert_to_file(
            &bytes[..cut],
            &vocab,
            &dest,
            &ConvertOptions::default(),
            &mut NoProgress,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Truncated { .. }), "cut {cut}: {err}");
        assert!(is_empty_dir(dir.path()), "cut {cut} left files");
    }
    let report = convert_to_file(
        &bytes[..],
        &vocab,
        &dest,
        &ConvertOptions::default(),
        &mut NoProgress,
    )
    .unwrap();
    let checksum = std::fs::read_to_string(crate::checksum_path(&dest)).unwrap();
    assert_eq!(checksum, format!("{}  ggml-small.bin\n", report.sha256));
    assert_eq!(
        crate::sha256_file(&dest, &mut NoProgress).unwrap(),
        report.sha256
    );
}

#[test]
fn verify_rejects_damaged_ggml_files() {
    let h = small_hparams();
    let (_, good) = convert_bytes(
        &synthetic_model(&h),
        &synthetic_vocab(51864, 50256),
        Quantization::F16,
    )
    .unwrap();
    let check = |bytes: &[u8]| {
        let (_dir, path) = write_temp(bytes);
        verify_ggml(&path)
    };
    assert!(check(&good).is_ok());
    for cut in [0, 2, 30, 100, 70_000, good.len() - 1] {
        assert!(
            matches!(check(&good[..cut]), Err(Error::Truncated { .. })),
            "cut {cut}"
        );
    }
    let mut bad = good.clone();
    bad[0] ^= 1;
    assert!(matches!(check(&bad), Err(Error::BadMagic { .. })));
    let mut bad = good.clone();
    bad[44] = 5; // ftype
    assert!(matches!(check(&bad), Err(Error::Corrupt { .. })));
    let summary = check(&good).unwrap();
    let first = &summary.tensors[0];
    let header = (first.data_offset - first.name.len() as u64 - 8 - 12) as usize;
    let mut bad = good.clone();
    bad[header + 8] = 1; // f16 where whisper.cpp wants the f32 positional embedding
    assert!(matches!(check(&bad), Err(Error::TypeMismatch { .. })));
    let mut bad = good.clone();
    bad[header + 8] = 99;
    assert!(matches!(
        check(&bad),
        Err(Error::UnknownDtype { code: 99, .. })
    ));
    let mut bad = good.clone();
    bad[header + 12] = 9; // first (reversed) dimension
    assert!(matches!(
        check(&bad),
        Err(Error::ShapeMismatch { .. } | Error::Truncated { .. })
    ));
    // A duplicated tensor, a missing one, and trailing garbage.
    let last = summary.tensors.last().unwrap();
    let last_start = (last.data_offset - last.name.len() as u64 - 4 - 12) as usize;
    let mut bad = good.clone();
    bad.extend_from_slice(&good[last_start..]);
    assert!(matches!(check(&bad), Err(Error::UnexpectedTensor { .. })));
    assert!(
        matches!(check(&good[..last_start]), Err(Error::MissingTensor { tensor, .. }) if tensor == last.name)
    );
    let mut bad = good.clone();
    bad.extend_from_slice(&[1, 0]);
    assert!(matches!(check(&bad), Err(Error::Truncated { .. })));
}
