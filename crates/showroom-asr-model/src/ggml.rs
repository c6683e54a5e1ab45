//! The whisper.cpp ggml model file: writing its sections and reading one back to check it.
//!
//! Layout (little-endian, no padding): `u32` magic 0x67676d6c; 11 × `i32` hyper-parameters ending
//! with `ftype`; mel filters (`i32` n_mels, `i32` 201, f32 values); vocabulary (`i32` count, then
//! per token `u32` length + bytes); tensors until EOF, each `i32` rank, `i32` name length, `i32`
//! ggml type, `i32` dims in reverse numpy order, the name and the data.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use crate::arch::{GgmlType, Hparams, TensorSpec, ggml_tensors};
use crate::error::{Error, IoContext, Result};
use crate::mel::N_FFT_BINS;
use crate::vocab::Vocabulary;

/// "ggml" as a little-endian `u32`.
pub const GGML_MAGIC: u32 = 0x6767_6d6c;
const WHAT: &str = "ggml file";
const MAX_TOKEN_LEN: u32 = 1 << 16;
const MAX_NAME_LEN: i32 = 1024;
const MAX_HPARAM: u32 = 1 << 24;

/// What [`verify_ggml`] found in a file that whisper.cpp can load.
#[derive(Debug, Clone, PartialEq)]
pub struct GgmlSummary {
    pub hparams: Hparams,
    /// The header's `ftype` as stored (e.g. 1 for f16, 2007 for q8_0 with quantisation version 2).
    pub ftype: i32,
    /// Element type of the 2-D weight matrices.
    pub matrix_type: GgmlType,
    /// Number of ordinary tokens in the vocabulary section (= id of `<|endoftext|>`).
    pub n_vocab_tokens: u32,
    /// Tensor headers in file order.
    pub tensors: Vec<TensorInfo>,
    pub file_size: u64,
}

/// One tensor header of a ggml file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    pub name: String,
    /// Dimensions in numpy order.
    pub shape: Vec<u64>,
    pub ggml_type: GgmlType,
    /// Byte offset of the data in the file.
    pub data_offset: u64,
    pub n_bytes: u64,
}

pub(crate) fn write_header(w: &mut impl Write, h: &Hparams, ftype: i32) -> std::io::Result<()> {
    w.write_all(&GGML_MAGIC.to_le_bytes())?;
    for v in h.to_array() {
        w.write_all(&(v as i32).to_le_bytes())?;
    }
    w.write_all(&ftype.to_le_bytes())
}

pub(crate) fn write_mel_filters(
    w: &mut impl Write,
    n_mels: u32,
    filters: &[f32],
) -> std::io::Result<()> {
    w.write_all(&(n_mels as i32).to_le_bytes())?;
    w.write_all(&(N_FFT_BINS as i32).to_le_bytes())?;
    let bytes: Vec<u8> = filters.iter().flat_map(|v| v.to_le_bytes()).collect();
    w.write_all(&bytes)
}

/// Writes the ordinary tokens (ids below `<|endoftext|>`); returns the bytes written.
pub(crate) fn write_vocabulary(w: &mut impl Write, vocab: &Vocabulary) -> Result<u64> {
    let io = |source| Error::Stream {
        context: "writing the vocabulary",
        source,
    };
    let mut buf = Vec::with_capacity(512 * 1024);
    buf.extend_from_slice(&(vocab.eot_id() as i32).to_le_bytes());
    for id in 0..vocab.eot_id() {
        let bytes = vocab.token_bytes(id)?;
        buf.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        buf.extend_from_slice(&bytes);
    }
    w.write_all(&buf).map_err(io)?;
    Ok(buf.len() as u64)
}

/// Bytes of a tensor header (everything before the data).
pub(crate) fn tensor_header_len(spec: &TensorSpec) -> u64 {
    12 + 4 * spec.shape.len() as u64 + spec.name.len() as u64
}

pub(crate) fn write_tensor_header(
    w: &mut impl Write,
    spec: &TensorSpec,
    ty: GgmlType,
) -> std::io::Result<()> {
    w.write_all(&(spec.shape.len() as i32).to_le_bytes())?;
    w.write_all(&(spec.name.len() as i32).to_le_bytes())?;
    w.write_all(&ty.code().to_le_bytes())?;
    for &d in spec.shape.iter().rev() {
        w.write_all(&(d as i32).to_le_bytes())?;
    }
    w.write_all(spec.name.as_bytes())
}

/// Reads a ggml model file back and checks everything whisper.cpp's loader checks: the magic, sane
/// hyper-parameters and a known `ftype`, the mel filterbank dimensions, the vocabulary, and that
/// every tensor the architecture needs is present exactly once with the right shape, element type
/// and a complete data section — and nothing else. Tensor data is skipped, not read.
pub fn verify_ggml(path: &Path) -> Result<GgmlSummary> {
    let file = File::open(path).at("opening", path)?;
    let file_size = file.metadata().at("reading metadata of", path)?.len();
    let mut r = GgmlReader {
        inner: BufReader::with_capacity(1 << 20, file),
        offset: 0,
        path: path.to_owned(),
    };
    let summary = read_summary(&mut r, file_size)?;
    Ok(summary)
}

fn read_summary(r: &mut GgmlReader, file_size: u64) -> Result<GgmlSummary> {
    let magic = r.u32("magic")?;
    if magic != GGML_MAGIC {
        return Err(Error::BadMagic {
            path: r.path.clone(),
            found: magic,
        });
    }
    let mut values = [0u32; 10];
    for (i, v) in values.iter_mut().enumerate() {
        let raw = r.i32("hyper-parameters")?;
        *v = u32::try_from(raw)
            .ok()
            .filter(|&v| v > 0 && v < MAX_HPARAM)
            .ok_or_else(|| r.corrupt(format!("hyper-parameter #{i} is {raw}")))?;
    }
    let hparams = Hparams::from_array(values);
    let ftype = r.i32("ftype")?;
    let matrix_type = GgmlType::for_ftype(ftype)
        .ok_or_else(|| r.corrupt(format!("unsupported ftype {ftype}")))?;

    let n_mel = r.i32("mel filter count")?;
    let n_fft = r.i32("mel filter width")?;
    if n_mel != hparams.n_mels as i32 || n_fft != N_FFT_BINS as i32 {
        return Err(r.corrupt(format!(
            "mel filters are {n_mel}×{n_fft}, expected {}×{N_FFT_BINS}",
            hparams.n_mels
        )));
    }
    let mut mel = vec![0u8; n_mel as usize * N_FFT_BINS * 4];
    r.exact(&mut mel, "mel filters")?;
    if mel.chunks_exact(4).any(|c| {
        let v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        !v.is_finite() || v < 0.0
    }) {
        return Err(r.corrupt("mel filters hold a negative or non-finite value".into()));
    }

    let n_tokens = r.i32("vocabulary size")?;
    if n_tokens != hparams.eot_id() as i32 {
        return Err(r.corrupt(format!(
            "vocabulary section holds {n_tokens} tokens; n_vocab {} implies {}",
            hparams.n_vocab,
            hparams.eot_id()
        )));
    }
    for id in 0..n_tokens {
        let len = r.u32(&format!("length of token {id}"))?;
        if len > MAX_TOKEN_LEN {
            return Err(r.corrupt(format!("token {id} claims {len} bytes")));
        }
        r.skip(u64::from(len), file_size, &format!("token {id}"))?;
    }

    let specs: HashMap<String, TensorSpec> = ggml_tensors(&hparams)
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect();
    let mut tensors: Vec<TensorInfo> = Vec::with_capacity(specs.len());
    while let Some(info) = read_tensor_header(r, file_size)? {
        let spec = specs
            .get(&info.name)
            .filter(|_| !tensors.iter().any(|t| t.name == info.name))
            .ok_or_else(|| Error::UnexpectedTensor {
                what: WHAT,
                tensor: info.name.clone(),
            })?;
        if spec.shape != info.shape {
            return Err(Error::ShapeMismatch {
                what: WHAT,
                tensor: info.name,
                expected: spec.shape.clone(),
                found: info.shape,
            });
        }
        let expected = spec.role.ggml_type(ftype).expect("ftype checked above");
        if info.ggml_type != expected {
            return Err(Error::TypeMismatch {
                tensor: info.name,
                expected: expected.to_string(),
                found: info.ggml_type.to_string(),
            });
        }
        tensors.push(info);
    }
    if tensors.len() != specs.len() {
        let missing = ggml_tensors(&hparams)
            .into_iter()
            .find(|s| !tensors.iter().any(|t| t.name == s.name))
            .expect("fewer tensors than specs, none unexpected or repeated");
        return Err(Error::MissingTensor {
            what: WHAT,
            tensor: missing.name,
        });
    }
    Ok(GgmlSummary {
        hparams,
        ftype,
        matrix_type,
        n_vocab_tokens: n_tokens as u32,
        tensors,
        file_size,
    })
}

fn read_tensor_header(r: &mut GgmlReader, file_size: u64) -> Result<Option<TensorInfo>> {
    let mut first = [0u8; 4];
    let got = r.read_up_to(&mut first)?;
    if got == 0 {
        return Ok(None);
    }
    if got < 4 {
        return Err(r.truncated("tensor header"));
    }
    let n_dims = i32::from_le_bytes(first);
    let name_len = r.i32("tensor header")?;
    let code = r.i32("tensor header")?;
    if !(1..=4).contains(&n_dims) || !(1..=MAX_NAME_LEN).contains(&name_len) {
        return Err(r.corrupt(format!(
            "tensor header at byte {} has rank {n_dims}, name length {name_len}",
            r.offset - 12
        )));
    }
    let mut shape = Vec::with_capacity(n_dims as usize);
    for _ in 0..n_dims {
        let d = r.i32("tensor dimensions")?;
        if d <= 0 {
            return Err(r.corrupt(format!("tensor dimension {d}")));
        }
        shape.push(d as u64);
    }
    shape.reverse();
    let mut name = vec![0u8; name_len as usize];
    r.exact(&mut name, "tensor name")?;
    let name = String::from_utf8(name).map_err(|_| r.corrupt("tensor name is not UTF-8".into()))?;
    let ggml_type = GgmlType::from_code(code).ok_or_else(|| Error::UnknownDtype {
        what: WHAT,
        tensor: name.clone(),
        code: i64::from(code),
    })?;
    let row_len = *shape.last().expect("rank >= 1");
    let n_rows: u64 = shape.iter().rev().skip(1).product();
    let n_bytes = ggml_type.n_bytes(row_len, n_rows).ok_or_else(|| {
        r.corrupt(format!(
            "tensor '{name}' rows of {row_len} do not fill {ggml_type} blocks"
        ))
    })?;
    let data_offset = r.offset;
    r.skip(n_bytes, file_size, &format!("data of tensor '{name}'"))?;
    Ok(Some(TensorInfo {
        name,
        shape,
        ggml_type,
        data_offset,
        n_bytes,
    }))
}

struct GgmlReader {
    inner: BufReader<File>,
    offset: u64,
    path: PathBuf,
}

impl GgmlReader {
    fn truncated(&self, context: &str) -> Error {
        Error::Truncated {
            what: WHAT,
            context: format!("{context} of {}", self.path.display()),
            offset: self.offset,
        }
    }

    fn corrupt(&self, detail: String) -> Error {
        Error::Corrupt {
            what: WHAT,
            detail: format!("{}: {detail}", self.path.display()),
        }
    }

    fn exact(&mut self, buf: &mut [u8], context: &str) -> Result<()> {
        match self.inner.read_exact(buf) {
            Ok(()) => {
                self.offset += buf.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => Err(self.truncated(context)),
            Err(source) => Err(Error::Io {
                context: "reading",
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn read_up_to(&mut self, buf: &mut [u8]) -> Result<usize> {
        let mut got = 0;
        while got < buf.len() {
            match self.inner.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(Error::Io {
                        context: "reading",
                        path: self.path.clone(),
                        source,
                    });
                }
            }
        }
        self.offset += got as u64;
        Ok(got)
    }

    fn i32(&mut self, context: &str) -> Result<i32> {
        let mut b = [0u8; 4];
        self.exact(&mut b, context)?;
        Ok(i32::from_le_bytes(b))
    }

    fn u32(&mut self, context: &str) -> Result<u32> {
        let mut b = [0u8; 4];
        self.exact(&mut b, context)?;
        Ok(u32::from_le_bytes(b))
    }

    fn skip(&mut self, n: u64, file_size: u64, context: &str) -> Result<()> {
        if self.offset + n > file_size {
            return Err(self.truncated(context));
        }
        self.inner
            .seek_relative(n as i64)
            .map_err(|source| Error::Io {
                context: "seeking in",
                path: self.path.clone(),
                source,
            })?;
        self.offset += n;
        Ok(())
    }
}
