//! What whisper.cpp's loader expects: hyper-parameters, tensor names, shapes and element types.
//!
//! Shared by the converter (which must produce exactly this) and [`verify_ggml`](crate::verify_ggml)
//! (which checks a file against it), so the two cannot drift apart.

use std::fmt;

/// Whisper hyper-parameters as stored in a ggml file header (the `ftype` is kept separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hparams {
    pub n_vocab: u32,
    pub n_audio_ctx: u32,
    pub n_audio_state: u32,
    pub n_audio_head: u32,
    pub n_audio_layer: u32,
    pub n_text_ctx: u32,
    pub n_text_state: u32,
    pub n_text_head: u32,
    pub n_text_layer: u32,
    pub n_mels: u32,
}

impl Hparams {
    /// whisper.cpp treats a model as multilingual when it has at least 51865 tokens.
    pub fn is_multilingual(&self) -> bool {
        self.n_vocab >= 51865
    }

    /// Id of `<|endoftext|>` as whisper.cpp assumes it, which is also the number of ordinary
    /// tokens the file's vocabulary section must hold.
    pub fn eot_id(&self) -> u32 {
        if self.is_multilingual() { 50257 } else { 50256 }
    }

    /// The ten values in file order.
    pub fn to_array(&self) -> [u32; 10] {
        [
            self.n_vocab,
            self.n_audio_ctx,
            self.n_audio_state,
            self.n_audio_head,
            self.n_audio_layer,
            self.n_text_ctx,
            self.n_text_state,
            self.n_text_head,
            self.n_text_layer,
            self.n_mels,
        ]
    }

    pub fn from_array(a: [u32; 10]) -> Self {
        Self {
            n_vocab: a[0],
            n_audio_ctx: a[1],
            n_audio_state: a[2],
            n_audio_head: a[3],
            n_audio_layer: a[4],
            n_text_ctx: a[5],
            n_text_state: a[6],
            n_text_head: a[7],
            n_text_layer: a[8],
            n_mels: a[9],
        }
    }
}

/// A ggml element type that can appear in a whisper.cpp model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GgmlType {
    F32,
    F16,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q2K,
    Q3K,
    Q4K,
    Q5K,
    Q6K,
}

impl GgmlType {
    /// ggml's `enum ggml_type` value.
    pub fn code(self) -> i32 {
        match self {
            Self::F32 => 0,
            Self::F16 => 1,
            Self::Q4_0 => 2,
            Self::Q4_1 => 3,
            Self::Q5_0 => 6,
            Self::Q5_1 => 7,
            Self::Q8_0 => 8,
            Self::Q2K => 10,
            Self::Q3K => 11,
            Self::Q4K => 12,
            Self::Q5K => 13,
            Self::Q6K => 14,
        }
    }

    pub fn from_code(code: i32) -> Option<Self> {
        [
            Self::F32,
            Self::F16,
            Self::Q4_0,
            Self::Q4_1,
            Self::Q5_0,
            Self::Q5_1,
            Self::Q8_0,
            Self::Q2K,
            Self::Q3K,
            Self::Q4K,
            Self::Q5K,
            Self::Q6K,
        ]
        .into_iter()
        .find(|t| t.code() == code)
    }

    /// (elements per block, bytes per block).
    pub fn block(self) -> (u64, u64) {
        match self {
            Self::F32 => (1, 4),
            Self::F16 => (1, 2),
            Self::Q4_0 => (32, 18),
            Self::Q4_1 => (32, 20),
            Self::Q5_0 => (32, 22),
            Self::Q5_1 => (32, 24),
            Self::Q8_0 => (32, 34),
            Self::Q2K => (256, 84),
            Self::Q3K => (256, 110),
            Self::Q4K => (256, 144),
            Self::Q5K => (256, 176),
            Self::Q6K => (256, 210),
        }
    }

    /// Bytes of a tensor whose rows have `row_len` elements; `None` if rows do not fill blocks.
    pub fn n_bytes(self, row_len: u64, n_rows: u64) -> Option<u64> {
        let (per_block, block_bytes) = self.block();
        row_len
            .is_multiple_of(per_block)
            .then(|| row_len / per_block * block_bytes * n_rows)
    }

    /// The type whisper.cpp uses for matrices in a file of the given `ftype` (the header value,
    /// whose thousands carry the quantisation version and are ignored, as whisper.cpp does).
    pub fn for_ftype(ftype: i32) -> Option<Self> {
        Some(match ftype % 1000 {
            0 => Self::F32,
            1 => Self::F16,
            2 => Self::Q4_0,
            3 => Self::Q4_1,
            7 => Self::Q8_0,
            8 => Self::Q5_0,
            9 => Self::Q5_1,
            10 => Self::Q2K,
            11 => Self::Q3K,
            12 => Self::Q4K,
            13 => Self::Q5K,
            14 => Self::Q6K,
            _ => return None,
        })
    }
}

impl fmt::Display for GgmlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::F32 => "f32",
            Self::F16 => "f16",
            Self::Q4_0 => "q4_0",
            Self::Q4_1 => "q4_1",
            Self::Q5_0 => "q5_0",
            Self::Q5_1 => "q5_1",
            Self::Q8_0 => "q8_0",
            Self::Q2K => "q2_K",
            Self::Q3K => "q3_K",
            Self::Q4K => "q4_K",
            Self::Q5K => "q5_K",
            Self::Q6K => "q6_K",
        };
        f.write_str(name)
    }
}

/// How whisper.cpp types a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Always f32: every 1-D tensor, the positional embeddings and the (n, 1) conv biases.
    Float32,
    /// Convolution kernels: f32 in an f32 model, f16 otherwise.
    Conv,
    /// 2-D weight matrices (token embedding included): the file's `ftype` type.
    Matrix,
}

impl Role {
    /// The element type this tensor must have in a file of the given header `ftype`.
    pub fn ggml_type(self, ftype: i32) -> Option<GgmlType> {
        let wtype = GgmlType::for_ftype(ftype)?;
        Some(match self {
            Self::Float32 => GgmlType::F32,
            Self::Conv if wtype == GgmlType::F32 => GgmlType::F32,
            Self::Conv => GgmlType::F16,
            Self::Matrix => wtype,
        })
    }
}

/// One tensor of a whisper.cpp model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorSpec {
    pub name: String,
    /// Dimensions in numpy order (the file stores them reversed).
    pub shape: Vec<u64>,
    pub role: Role,
}

impl TensorSpec {
    fn new(name: impl Into<String>, shape: &[u32], role: Role) -> Self {
        Self {
            name: name.into(),
            shape: shape.iter().map(|&d| u64::from(d)).collect(),
            role,
        }
    }

    pub fn n_elements(&self) -> u64 {
        self.shape.iter().product()
    }
}

/// Every tensor whisper.cpp loads for these hyper-parameters, in the order this crate writes them:
/// 11 + 15 per encoder layer + 24 per decoder layer.
pub fn ggml_tensors(h: &Hparams) -> Vec<TensorSpec> {
    use Role::*;
    let (da, dt) = (h.n_audio_state, h.n_text_state);
    let mut out = vec![
        TensorSpec::new(
            "encoder.positional_embedding",
            &[h.n_audio_ctx, da],
            Float32,
        ),
        TensorSpec::new("encoder.conv1.weight", &[da, h.n_mels, 3], Conv),
        TensorSpec::new("encoder.conv1.bias", &[da, 1], Float32),
        TensorSpec::new("encoder.conv2.weight", &[da, da, 3], Conv),
        TensorSpec::new("encoder.conv2.bias", &[da, 1], Float32),
    ];
    for i in 0..h.n_audio_layer {
        let p = format!("encoder.blocks.{i}");
        block_tensors(&mut out, &p, da, false);
    }
    out.push(TensorSpec::new("encoder.ln_post.weight", &[da], Float32));
    out.push(TensorSpec::new("encoder.ln_post.bias", &[da], Float32));
    out.push(TensorSpec::new(
        "decoder.positional_embedding",
        &[h.n_text_ctx, dt],
        Float32,
    ));
    out.push(TensorSpec::new(
        "decoder.token_embedding.weight",
        &[h.n_vocab, dt],
        Matrix,
    ));
    for i in 0..h.n_text_layer {
        let p = format!("decoder.blocks.{i}");
        block_tensors(&mut out, &p, dt, true);
    }
    out.push(TensorSpec::new("decoder.ln.weight", &[dt], Float32));
    out.push(TensorSpec::new("decoder.ln.bias", &[dt], Float32));
    out
}

fn block_tensors(out: &mut Vec<TensorSpec>, p: &str, d: u32, cross: bool) {
    use Role::*;
    let attention = |out: &mut Vec<TensorSpec>, a: &str| {
        out.push(TensorSpec::new(format!("{p}.{a}_ln.weight"), &[d], Float32));
        out.push(TensorSpec::new(format!("{p}.{a}_ln.bias"), &[d], Float32));
        out.push(TensorSpec::new(
            format!("{p}.{a}.query.weight"),
            &[d, d],
            Matrix,
        ));
        out.push(TensorSpec::new(
            format!("{p}.{a}.query.bias"),
            &[d],
            Float32,
        ));
        out.push(TensorSpec::new(
            format!("{p}.{a}.key.weight"),
            &[d, d],
            Matrix,
        ));
        out.push(TensorSpec::new(
            format!("{p}.{a}.value.weight"),
            &[d, d],
            Matrix,
        ));
        out.push(TensorSpec::new(
            format!("{p}.{a}.value.bias"),
            &[d],
            Float32,
        ));
        out.push(TensorSpec::new(
            format!("{p}.{a}.out.weight"),
            &[d, d],
            Matrix,
        ));
        out.push(TensorSpec::new(format!("{p}.{a}.out.bias"), &[d], Float32));
    };
    attention(out, "attn");
    if cross {
        attention(out, "cross_attn");
    }
    out.push(TensorSpec::new(format!("{p}.mlp_ln.weight"), &[d], Float32));
    out.push(TensorSpec::new(format!("{p}.mlp_ln.bias"), &[d], Float32));
    out.push(TensorSpec::new(
        format!("{p}.mlp.0.weight"),
        &[4 * d, d],
        Matrix,
    ));
    out.push(TensorSpec::new(
        format!("{p}.mlp.0.bias"),
        &[4 * d],
        Float32,
    ));
    out.push(TensorSpec::new(
        format!("{p}.mlp.2.weight"),
        &[d, 4 * d],
        Matrix,
    ));
    out.push(TensorSpec::new(format!("{p}.mlp.2.bias"), &[d], Float32));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_en() -> Hparams {
        Hparams::from_array([51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80])
    }

    #[test]
    fn tensor_counts_follow_the_layer_formula() {
        let tiny = tiny_en();
        assert_eq!(ggml_tensors(&tiny).len(), 167);
        let base = Hparams {
            n_vocab: 51865,
            n_audio_state: 512,
            n_text_state: 512,
            n_audio_layer: 6,
            n_text_layer: 6,
            ..tiny
        };
        assert_eq!(ggml_tensors(&base).len(), 245);
        let names: std::collections::HashSet<_> =
            ggml_tensors(&base).into_iter().map(|t| t.name).collect();
        assert_eq!(names.len(), 245, "names are unique");
    }

    #[test]
    fn types_follow_ftype() {
        assert_eq!(Role::Matrix.ggml_type(1), Some(GgmlType::F16));
        assert_eq!(Role::Matrix.ggml_type(2007), Some(GgmlType::Q8_0));
        assert_eq!(Role::Conv.ggml_type(2007), Some(GgmlType::F16));
        assert_eq!(Role::Conv.ggml_type(0), Some(GgmlType::F32));
        assert_eq!(Role::Float32.ggml_type(1), Some(GgmlType::F32));
        assert_eq!(Role::Matrix.ggml_type(5), None);
        assert_eq!(GgmlType::Q8_0.n_bytes(384, 2), Some(2 * 12 * 34));
        assert_eq!(GgmlType::Q8_0.n_bytes(100, 1), None);
        for code in 0..20 {
            if let Some(t) = GgmlType::from_code(code) {
                assert_eq!(t.code(), code);
            }
        }
    }
}
