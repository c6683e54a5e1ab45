//! CTranslate2 Whisper → whisper.cpp ggml conversion.
//!
//! Hyper-parameters come from tensor shapes, the fused attention projections are split, the
//! always-zero key biases are dropped (after checking that they are zero), and every tensor gets
//! the element type whisper.cpp allocates for it. Everything is validated before the first byte
//! is written, so most bad inputs fail without any output at all.

use std::collections::BTreeSet;
use std::io::{Read, Write};

use half::f16;

use crate::arch::{GgmlType, Hparams, TensorSpec, ggml_tensors};
use crate::ct2::{Ct2Dtype, Ct2Model, Variable, read_model};
use crate::error::{Error, Result};
use crate::ggml;
use crate::mel::{N_FFT_BINS, mel_filters};
use crate::progress::{Progress, ProgressEvent, Stage};
use crate::quant::quantize_q8_0;
use crate::store::HashingWriter;
use crate::vocab::Vocabulary;

const WHAT: &str = "CTranslate2 model.bin";

/// Element type of the 2-D weight matrices in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Quantization {
    /// Half precision, as whisper.cpp's own converter writes (ftype 1).
    #[default]
    F16,
    /// ggml q8_0 blocks (an f16 scale and 32 signed bytes), ftype 7 (`MOSTLY_Q8_0`).
    Q8_0,
}

impl Quantization {
    /// The header value: whisper.cpp's quantiser adds 1000 × the quantisation version (2).
    pub fn ftype(self) -> i32 {
        match self {
            Self::F16 => 1,
            Self::Q8_0 => 2007,
        }
    }

    /// Suffix whisper.cpp's model names use (`ggml-base-q8_0.bin`); empty for f16.
    pub fn file_suffix(self) -> &'static str {
        match self {
            Self::F16 => "",
            Self::Q8_0 => "-q8_0",
        }
    }
}

/// Knobs of [`convert_ct2_to_ggml`].
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    pub quantization: Quantization,
    /// Size of the model.bin input, used only as the progress total while reading it.
    pub input_len: Option<u64>,
}

/// What a conversion produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionReport {
    pub hparams: Hparams,
    /// The header's `ftype`.
    pub ftype: i32,
    pub n_tensors: usize,
    /// Tokens of the model, special ones included (`hparams.n_vocab`).
    pub n_vocab: u32,
    /// Ordinary tokens written to the vocabulary section (= id of `<|endoftext|>`).
    pub n_vocab_tokens: u32,
    pub bytes_written: u64,
    /// SHA-256 of the bytes written, lowercase hex.
    pub sha256: String,
}

/// Converts a CTranslate2 Whisper model.bin (read completely into memory) to a whisper.cpp ggml
/// file written to `out`. On error, `out` may hold a prefix of the file: use
/// [`convert_to_file`](crate::convert_to_file) to get an all-or-nothing file.
pub fn convert_ct2_to_ggml(
    model_bin: impl Read,
    vocabulary: &Vocabulary,
    out: impl Write,
    options: &ConvertOptions,
    progress: &mut dyn Progress,
) -> Result<ConversionReport> {
    let model = read_model(model_bin, options.input_len, progress)?;
    let plan = plan(&model, vocabulary, options.quantization)?;
    write_ggml(&model, vocabulary, &plan, out, progress)
}

/// A validated conversion: hyper-parameters and, per output tensor, where its data comes from.
struct Plan {
    hparams: Hparams,
    ftype: i32,
    tensors: Vec<(TensorSpec, GgmlType, Source)>,
}

/// Where a ggml tensor's data sits in a CTranslate2 variable: part `part` of `fused` equal
/// slices along the first dimension. `squeeze` marks the (n, 1) conv biases stored as (n).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Source {
    var: String,
    fused: u64,
    part: u64,
    squeeze: bool,
}

impl Source {
    fn whole(var: impl Into<String>) -> Self {
        Self {
            var: var.into(),
            fused: 1,
            part: 0,
            squeeze: false,
        }
    }

    fn slice(var: impl Into<String>, fused: u64, part: u64) -> Self {
        Self {
            var: var.into(),
            fused,
            part,
            squeeze: false,
        }
    }

    /// The CTranslate2 shape this source implies for a ggml tensor of shape `ggml_shape`.
    fn ct2_shape(&self, ggml_shape: &[u64]) -> Vec<u64> {
        let mut s = ggml_shape.to_vec();
        if self.squeeze {
            s.pop();
        }
        s[0] *= self.fused;
        s
    }
}

fn layer_norm(prefix: &str, leaf: &str) -> Option<Source> {
    let leaf = match leaf {
        "weight" => "gamma",
        "bias" => "beta",
        _ => return None,
    };
    Some(Source::whole(format!("{prefix}/{leaf}")))
}

/// The CTranslate2 origin of a ggml tensor (see the mapping table in the crate docs).
fn source_of(name: &str) -> Option<Source> {
    match name {
        "encoder.positional_embedding" => {
            return Some(Source::whole("encoder/position_encodings/encodings"));
        }
        "decoder.positional_embedding" => {
            return Some(Source::whole("decoder/position_encodings/encodings"));
        }
        "decoder.token_embedding.weight" => {
            return Some(Source::whole("decoder/embeddings/weight"));
        }
        "encoder.conv1.weight" => return Some(Source::whole("encoder/conv1/weight")),
        "encoder.conv2.weight" => return Some(Source::whole("encoder/conv2/weight")),
        "encoder.conv1.bias" => {
            return Some(Source {
                squeeze: true,
                ..Source::whole("encoder/conv1/bias")
            });
        }
        "encoder.conv2.bias" => {
            return Some(Source {
                squeeze: true,
                ..Source::whole("encoder/conv2/bias")
            });
        }
        _ => {}
    }
    let (module, leaf) = name.rsplit_once('.')?;
    match module {
        "encoder.ln_post" => return layer_norm("encoder/layer_norm", leaf),
        "decoder.ln" => return layer_norm("decoder/layer_norm", leaf),
        _ => {}
    }
    let (side, rest) = module.split_once(".blocks.")?;
    let (layer, module) = rest.split_once('.')?;
    let layer: u32 = layer.parse().ok()?;
    let p = format!("{side}/layer_{layer}");
    let (path, fused, part) = match module {
        "attn_ln" => return layer_norm(&format!("{p}/self_attention/layer_norm"), leaf),
        "cross_attn_ln" => return layer_norm(&format!("{p}/attention/layer_norm"), leaf),
        "mlp_ln" => return layer_norm(&format!("{p}/ffn/layer_norm"), leaf),
        "attn.query" => ("self_attention/linear_0", 3, 0),
        "attn.key" => ("self_attention/linear_0", 3, 1),
        "attn.value" => ("self_attention/linear_0", 3, 2),
        "attn.out" => ("self_attention/linear_1", 1, 0),
        "cross_attn.query" => ("attention/linear_0", 1, 0),
        "cross_attn.key" => ("attention/linear_1", 2, 0),
        "cross_attn.value" => ("attention/linear_1", 2, 1),
        "cross_attn.out" => ("attention/linear_2", 1, 0),
        "mlp.0" => ("ffn/linear_0", 1, 0),
        "mlp.2" => ("ffn/linear_1", 1, 0),
        _ => return None,
    };
    Some(Source::slice(format!("{p}/{path}/{leaf}"), fused, part))
}

/// Key-bias slices that whisper.cpp has no tensor for; they must be zero.
fn dropped_slices(h: &Hparams) -> Vec<(Source, u64)> {
    let mut out = Vec::new();
    for i in 0..h.n_audio_layer {
        out.push((
            Source::slice(
                format!("encoder/layer_{i}/self_attention/linear_0/bias"),
                3,
                1,
            ),
            h.n_audio_state.into(),
        ));
    }
    for i in 0..h.n_text_layer {
        let d = u64::from(h.n_text_state);
        out.push((
            Source::slice(
                format!("decoder/layer_{i}/self_attention/linear_0/bias"),
                3,
                1,
            ),
            d,
        ));
        out.push((
            Source::slice(format!("decoder/layer_{i}/attention/linear_1/bias"), 2, 0),
            d,
        ));
    }
    out
}

fn variable<'m>(model: &'m Ct2Model, name: &str) -> Result<&'m Variable> {
    model
        .variables
        .get(name)
        .ok_or_else(|| Error::MissingTensor {
            what: WHAT,
            tensor: name.to_owned(),
        })
}

fn dims<const N: usize>(model: &Ct2Model, name: &str) -> Result<[u32; N]> {
    let v = variable(model, name)?;
    let bad = || Error::Corrupt {
        what: WHAT,
        detail: format!(
            "'{name}' has shape {:?}; expected {N} non-zero dimensions",
            v.shape
        ),
    };
    let arr: [u64; N] = v.shape.clone().try_into().map_err(|_| bad())?;
    let mut out = [0u32; N];
    for (o, d) in out.iter_mut().zip(arr) {
        *o = u32::try_from(d).ok().filter(|&d| d > 0).ok_or_else(bad)?;
    }
    Ok(out)
}

fn scalar(model: &Ct2Model, name: &str) -> Result<u32> {
    let v = variable(model, name)?;
    v.as_int()
        .and_then(|x| u32::try_from(x).ok())
        .filter(|&x| x > 0)
        .ok_or_else(|| Error::Corrupt {
            what: WHAT,
            detail: format!(
                "'{name}' should be a positive integer scalar, found shape {:?} {}",
                v.shape,
                v.dtype.name()
            ),
        })
}

fn count_layers(model: &Ct2Model, side: &str) -> u32 {
    let prefix = format!("{side}/layer_");
    model
        .variables
        .keys()
        .filter_map(|k| {
            k.strip_prefix(&prefix)?
                .split('/')
                .next()?
                .parse::<u32>()
                .ok()
        })
        .max()
        .map_or(0, |m| m + 1)
}

/// Derives the hyper-parameters from tensor shapes.
pub(crate) fn hparams_of(model: &Ct2Model) -> Result<Hparams> {
    let [n_vocab, _] = dims::<2>(model, "decoder/embeddings/weight")?;
    let [n_audio_ctx, n_audio_state] = dims::<2>(model, "encoder/position_encodings/encodings")?;
    let [n_text_ctx, n_text_state] = dims::<2>(model, "decoder/position_encodings/encodings")?;
    let [_, n_mels, _] = dims::<3>(model, "encoder/conv1/weight")?;
    Ok(Hparams {
        n_vocab,
        n_audio_ctx,
        n_audio_state,
        n_audio_head: scalar(model, "encoder/num_heads")?,
        n_audio_layer: count_layers(model, "encoder"),
        n_text_ctx,
        n_text_state,
        n_text_head: scalar(model, "decoder/num_heads")?,
        n_text_layer: count_layers(model, "decoder"),
        n_mels,
    })
}

/// Metadata values whisper.cpp hard-codes; a model with others would run but compute nonsense.
const REQUIRED_METADATA: [(&str, i64, &str); 4] = [
    ("activation", 3, "GELU activation"),
    ("pre_norm", 1, "pre-norm layers"),
    ("alibi", 0, "learned positions without ALiBi"),
    ("scale_embeddings", 0, "unscaled embeddings"),
];

fn plan(model: &Ct2Model, vocab: &Vocabulary, quantization: Quantization) -> Result<Plan> {
    let hparams = hparams_of(model)?;
    for side in ["encoder", "decoder"] {
        for (leaf, want, meaning) in REQUIRED_METADATA {
            let name = format!("{side}/{leaf}");
            if let Some(v) = model.variables.get(&name)
                && v.as_int() != Some(want)
            {
                return Err(Error::Unsupported(format!(
                    "'{name}' is {:?}; whisper.cpp implements only {meaning}",
                    v.as_int()
                )));
            }
        }
    }
    if vocab.len() != hparams.n_vocab as usize {
        return Err(Error::Vocabulary(format!(
            "{} tokens, but the model's embedding has {} rows",
            vocab.len(),
            hparams.n_vocab
        )));
    }
    if vocab.eot_id() != hparams.eot_id() as usize {
        return Err(Error::Vocabulary(format!(
            "<|endoftext|> is token {}, but whisper.cpp assumes {} for n_vocab {}",
            vocab.eot_id(),
            hparams.eot_id(),
            hparams.n_vocab
        )));
    }

    let ftype = quantization.ftype();
    let mut used = BTreeSet::new();
    let mut tensors = Vec::new();
    for spec in ggml_tensors(&hparams) {
        let source = source_of(&spec.name).expect("every architecture tensor has a source");
        let var = variable(model, &source.var)?;
        let expected = source.ct2_shape(&spec.shape);
        if var.shape != expected {
            return Err(Error::ShapeMismatch {
                what: WHAT,
                tensor: source.var,
                expected,
                found: var.shape.clone(),
            });
        }
        if !matches!(var.dtype, Ct2Dtype::F32 | Ct2Dtype::F16 | Ct2Dtype::BF16) {
            return Err(Error::UnsupportedDtype {
                tensor: source.var,
                dtype: var.dtype.name().to_owned(),
                why: "only float weights can be converted (int8 CTranslate2 models are not supported)",
            });
        }
        let ty = spec
            .role
            .ggml_type(ftype)
            .expect("ftype of a Quantization is known");
        let row_len = *spec.shape.last().expect("rank >= 1");
        if ty.n_bytes(row_len, 1).is_none() {
            return Err(Error::Unsupported(format!(
                "{}: rows of {row_len} cannot be stored as {ty}",
                spec.name
            )));
        }
        used.insert(source.var.clone());
        tensors.push((spec, ty, source));
    }
    for (source, n) in dropped_slices(&hparams) {
        let var = variable(model, &source.var)?;
        if slice_f32(var, source.part * n, n).iter().any(|&x| x != 0.0) {
            return Err(Error::Unsupported(format!(
                "'{}' has a non-zero key bias, which whisper.cpp cannot represent",
                source.var
            )));
        }
    }
    if let Some((name, _)) = model
        .variables
        .iter()
        .find(|(name, v)| !v.shape.is_empty() && !used.contains(*name))
    {
        return Err(Error::UnexpectedTensor {
            what: WHAT,
            tensor: name.clone(),
        });
    }
    Ok(Plan {
        hparams,
        ftype,
        tensors,
    })
}

/// `n` elements from element `start` of a float variable, as f32.
fn slice_f32(var: &Variable, start: u64, n: u64) -> Vec<f32> {
    let size = var.dtype.size() as usize;
    let bytes = &var.data[start as usize * size..(start + n) as usize * size];
    match var.dtype {
        Ct2Dtype::F32 => bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Ct2Dtype::F16 => bytes
            .chunks_exact(2)
            .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        Ct2Dtype::BF16 => bytes
            .chunks_exact(2)
            .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        _ => unreachable!("dtype checked by plan()"),
    }
}

/// The output bytes of one tensor's data.
fn tensor_data(var: &Variable, spec: &TensorSpec, ty: GgmlType, source: &Source) -> Vec<u8> {
    let n = spec.n_elements();
    let start = source.part * n;
    let size = var.dtype.size() as usize;
    match (var.dtype, ty) {
        (Ct2Dtype::F16, GgmlType::F16) | (Ct2Dtype::F32, GgmlType::F32) => {
            var.data[start as usize * size..(start + n) as usize * size].to_vec()
        }
        (_, GgmlType::F32) => slice_f32(var, start, n)
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect(),
        (_, GgmlType::F16) => slice_f32(var, start, n)
            .iter()
            .flat_map(|&x| f16::from_f32(x).to_le_bytes())
            .collect(),
        (_, GgmlType::Q8_0) => quantize_q8_0(&slice_f32(var, start, n)),
        (_, other) => unreachable!("the converter never writes {other}"),
    }
}

fn write_ggml(
    model: &Ct2Model,
    vocab: &Vocabulary,
    plan: &Plan,
    out: impl Write,
    progress: &mut dyn Progress,
) -> Result<ConversionReport> {
    let io = |source| Error::Stream {
        context: "writing the ggml file",
        source,
    };
    let h = &plan.hparams;
    let filters = mel_filters(h.n_mels as usize);
    let vocab_len = 4
        + (0..vocab.eot_id())
            .map(|id| 4 + vocab.token_bytes(id).map_or(0, |b| b.len() as u64))
            .sum::<u64>();
    let tensors_len: u64 = plan
        .tensors
        .iter()
        .map(|(spec, ty, _)| {
            let row = *spec.shape.last().expect("rank >= 1");
            ggml::tensor_header_len(spec)
                + ty.n_bytes(row, spec.n_elements() / row)
                    .expect("checked by plan()")
        })
        .sum();
    let total = 48 + 8 + (filters.len() as u64) * 4 + vocab_len + tensors_len;
    progress.event(ProgressEvent::Start {
        stage: Stage::WriteGgml,
        total: Some(total),
    });

    let mut w = HashingWriter::new(out);
    ggml::write_header(&mut w, h, plan.ftype).map_err(io)?;
    ggml::write_mel_filters(&mut w, h.n_mels, &filters).map_err(io)?;
    ggml::write_vocabulary(&mut w, vocab)?;
    progress.event(ProgressEvent::Advance {
        delta: w.bytes_written(),
    });
    for (spec, ty, source) in &plan.tensors {
        let before = w.bytes_written();
        let var = &model.variables[&source.var];
        ggml::write_tensor_header(&mut w, spec, *ty).map_err(io)?;
        w.write_all(&tensor_data(var, spec, *ty, source))
            .map_err(io)?;
        progress.event(ProgressEvent::Advance {
            delta: w.bytes_written() - before,
        });
    }
    w.flush().map_err(io)?;
    let (bytes_written, sha256) = w.finish();
    debug_assert_eq!(bytes_written, total, "predicted and written sizes agree");
    progress.event(ProgressEvent::Finish {
        stage: Stage::WriteGgml,
    });
    debug_assert_eq!(filters.len(), h.n_mels as usize * N_FFT_BINS);
    Ok(ConversionReport {
        hparams: *h,
        ftype: plan.ftype,
        n_tensors: plan.tensors.len(),
        n_vocab: h.n_vocab,
        n_vocab_tokens: vocab.eot_id() as u32,
        bytes_written,
        sha256,
    })
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
