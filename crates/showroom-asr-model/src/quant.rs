//! ggml's q8_0 block quantisation (`quantize_row_q8_0_ref`).
//!
//! A block is 32 consecutive values of a row stored as an f16 scale `d = max|x| / 127` followed by
//! 32 signed bytes `round(x / d)`: 34 bytes per 32 values.

use half::f16;

/// Values per q8_0 block.
pub const QK8_0: usize = 32;
/// Bytes per q8_0 block.
pub const BLOCK_BYTES: usize = 2 + QK8_0;

/// Quantises `x` (whose rows are multiples of 32 long, so blocks never straddle rows).
pub fn quantize_q8_0(x: &[f32]) -> Vec<u8> {
    assert_eq!(
        x.len() % QK8_0,
        0,
        "q8_0 needs a multiple of {QK8_0} values"
    );
    let mut out = Vec::with_capacity(x.len() / QK8_0 * BLOCK_BYTES);
    for block in x.chunks_exact(QK8_0) {
        let amax = block.iter().fold(0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&f16::from_f32(d).to_le_bytes());
        out.extend(block.iter().map(|&v| (v * id).round() as i8 as u8));
    }
    out
}

/// Inverse of [`quantize_q8_0`] (up to the rounding it did).
pub fn dequantize_q8_0(blocks: &[u8]) -> Vec<f32> {
    assert_eq!(blocks.len() % BLOCK_BYTES, 0, "whole q8_0 blocks");
    blocks
        .chunks_exact(BLOCK_BYTES)
        .flat_map(|b| {
            let d = f16::from_le_bytes([b[0], b[1]]).to_f32();
            b[2..].iter().map(move |&q| f32::from(q as i8) * d)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_error_is_within_half_a_step() {
        let x: Vec<f32> = (0..256)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let q = quantize_q8_0(&x);
        assert_eq!(q.len(), 8 * BLOCK_BYTES);
        let y = dequantize_q8_0(&q);
        for (block_x, block_y) in x.chunks(32).zip(y.chunks(32)) {
            let amax = block_x.iter().fold(0f32, |m, v| m.max(v.abs()));
            let step = amax / 127.0;
            for (a, b) in block_x.iter().zip(block_y) {
                assert!((a - b).abs() <= step * 0.5 + amax * 1e-3, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn known_block() {
        let mut x = [0f32; 32];
        x[0] = 127.0;
        x[1] = -63.5;
        x[2] = 0.4;
        let q = quantize_q8_0(&x);
        assert_eq!(f16::from_le_bytes([q[0], q[1]]).to_f32(), 1.0);
        assert_eq!(q[2] as i8, 127);
        assert_eq!(q[3] as i8, -64, "rounds half away from zero like roundf");
        assert_eq!(q[4] as i8, 0);
        assert_eq!(
            quantize_q8_0(&[0.0; 32])[..2],
            [0, 0],
            "all-zero block has scale 0"
        );
    }
}
