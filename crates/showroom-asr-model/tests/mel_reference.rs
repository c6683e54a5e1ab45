//! The computed filterbank against OpenAI's reference `whisper/assets/mel_filters.npz`, taken from
//! the `openai-whisper` sdist on PyPI (cached under `$SHOWROOM_CACHE/models/reference/`).

mod common;

use std::fs;
use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result, bail, ensure};
use showroom_asr_model::mel::{N_FFT_BINS, mel_filters};

fn mel_filters_npz() -> Result<PathBuf> {
    let dir = common::cache_root().join("models/reference");
    let npz = dir.join("mel_filters.npz");
    if !npz.exists() {
        fs::create_dir_all(&dir)?;
        let sdist = common::pip_sdist("openai-whisper", "20250625", &dir)?;
        common::untar_member(&sdist, "whisper/assets/mel_filters.npz", &npz)?;
    }
    Ok(npz)
}

/// Reads a little-endian f32 array (shape rows × cols) from an .npy member of an .npz.
fn read_npy_f32(npz: &PathBuf, member: &str) -> Result<(Vec<usize>, Vec<f32>)> {
    let mut archive = zip::ZipArchive::new(fs::File::open(npz)?)?;
    let mut bytes = Vec::new();
    archive.by_name(member)?.read_to_end(&mut bytes)?;
    ensure!(bytes.starts_with(b"\x93NUMPY"), "{member} is not .npy");
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => (u32::from_le_bytes(bytes[8..12].try_into()?) as usize, 12),
        v => bail!("npy version {v}"),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len])?;
    ensure!(
        header.contains("'descr': '<f4'") && header.contains("'fortran_order': False"),
        "{header}"
    );
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .context("shape")?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let data = bytes[start + header_len..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect::<Vec<_>>();
    ensure!(data.len() == shape.iter().product::<usize>(), "data length");
    Ok((shape, data))
}

#[test]
fn computed_filters_match_openai_reference() -> Result<()> {
    let npz = mel_filters_npz()?;
    for n_mels in [80, 128] {
        let (shape, reference) = read_npy_f32(&npz, &format!("mel_{n_mels}.npy"))?;
        assert_eq!(shape, [n_mels, N_FFT_BINS]);
        let computed = mel_filters(n_mels);
        let max_diff = computed
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        // Following librosa's arithmetic step by step reproduces the reference exactly.
        assert!(max_diff == 0.0, "mel_{n_mels}: max difference {max_diff:e}");
        let nonzero = reference.iter().filter(|&&x| x != 0.0).count();
        assert_eq!(
            computed.iter().filter(|&&x| x != 0.0).count(),
            nonzero,
            "same support"
        );
    }
    Ok(())
}
