//! Streaming conversion of mono audio at any rate to 16 kHz with rubato's synchronous FFT
//! resampler (windowed-sinc quality with a fixed ratio, which is what a fixed input rate needs).
//!
//! The resampler's start-up delay is trimmed, so output sample `k` stands for input time
//! `k / 16000` s: stream times stay aligned whatever the input rate. 16 kHz input passes through.

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use crate::error::AudioError;

/// The rate Whisper (and this crate's output) works at.
pub const OUTPUT_HZ: u32 = 16_000;
/// Input frames per processing chunk, as a duration: 10 ms keeps the added latency small.
const CHUNK_MS: usize = 10;

/// Any rate to 16 kHz mono, fed in pieces of any length.
pub struct Resampler16k {
    input_hz: u32,
    inner: Option<Fft<f32>>,
    pending: Vec<f32>,
    out_buf: Vec<f32>,
    /// Output samples still to discard (the resampler's start-up delay).
    to_trim: usize,
    n_in: u64,
    n_out: u64,
}

impl std::fmt::Debug for Resampler16k {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler16k")
            .field("input_hz", &self.input_hz)
            .field("n_in", &self.n_in)
            .field("n_out", &self.n_out)
            .finish()
    }
}

impl Resampler16k {
    pub fn new(input_hz: u32) -> Result<Self, AudioError> {
        if !(1_000..=384_000).contains(&input_hz) {
            return Err(AudioError::UnsupportedSampleRate(input_hz));
        }
        let inner = if input_hz == OUTPUT_HZ {
            None
        } else {
            let chunk = (input_hz as usize * CHUNK_MS / 1000).max(1);
            let fft = Fft::<f32>::new(
                input_hz as usize,
                OUTPUT_HZ as usize,
                chunk,
                1,
                FixedSync::Input,
            )
            .map_err(|e| AudioError::Resampler {
                from_hz: input_hz,
                reason: e.to_string(),
            })?;
            Some(fft)
        };
        let to_trim = inner.as_ref().map_or(0, |r| r.output_delay());
        let out_len = inner.as_ref().map_or(0, |r| r.output_frames_max());
        Ok(Self {
            input_hz,
            inner,
            pending: Vec::new(),
            out_buf: vec![0.0; out_len],
            to_trim,
            n_in: 0,
            n_out: 0,
        })
    }

    pub fn input_hz(&self) -> u32 {
        self.input_hz
    }

    /// Resamples what it can of `input` (the rest waits for the next call) into `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.n_in += input.len() as u64;
        let Some(rs) = self.inner.as_mut() else {
            self.n_out += input.len() as u64;
            out.extend_from_slice(input);
            return;
        };
        self.pending.extend_from_slice(input);
        let mut used = 0;
        while self.pending.len() - used >= rs.input_frames_next() {
            let need = rs.input_frames_next();
            let chunk = &self.pending[used..used + need];
            used += need;
            let n = run_chunk(rs, chunk, None, &mut self.out_buf);
            emit(
                &self.out_buf[..n],
                &mut self.to_trim,
                &mut self.n_out,
                u64::MAX,
                out,
            );
        }
        self.pending.drain(..used);
    }

    /// End of input: pushes out the samples still inside the resampler, so the output holds
    /// exactly `round(n_in * 16000 / input_hz)` samples in all.
    pub fn flush(&mut self, out: &mut Vec<f32>) {
        let Some(rs) = self.inner.as_mut() else {
            return;
        };
        let total = (self.n_in as u128 * u128::from(OUTPUT_HZ) + u128::from(self.input_hz) / 2)
            / u128::from(self.input_hz);
        let total = total as u64;
        let mut pending = std::mem::take(&mut self.pending);
        while self.n_out < total {
            let need = rs.input_frames_next();
            let take = pending.len().min(need);
            let mut chunk = vec![0.0; need];
            chunk[..take].copy_from_slice(&pending[..take]);
            pending.drain(..take);
            let n = run_chunk(rs, &chunk, Some(take), &mut self.out_buf);
            emit(
                &self.out_buf[..n],
                &mut self.to_trim,
                &mut self.n_out,
                total,
                out,
            );
        }
    }
}

fn run_chunk(
    rs: &mut Fft<f32>,
    chunk: &[f32],
    partial: Option<usize>,
    out_buf: &mut [f32],
) -> usize {
    let frames_out = out_buf.len();
    let input =
        InterleavedSlice::new(chunk, 1, chunk.len()).expect("mono slice sized to its length");
    let mut output =
        InterleavedSlice::new_mut(out_buf, 1, frames_out).expect("mono slice sized to its length");
    let indexing = partial.map(|n| Indexing::new().partial_len(n));
    let (_, n) = rs
        .process_into_buffer(&input, &mut output, indexing.as_ref())
        .expect("buffers are sized from the resampler's own frame counts");
    n
}

fn emit(samples: &[f32], to_trim: &mut usize, n_out: &mut u64, limit: u64, out: &mut Vec<f32>) {
    let skip = (*to_trim).min(samples.len());
    *to_trim -= skip;
    let room = limit.saturating_sub(*n_out) as usize;
    let keep = &samples[skip..][..(samples.len() - skip).min(room)];
    *n_out += keep.len() as u64;
    out.extend_from_slice(keep);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(hz: f32, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn output_length_matches_the_rate_ratio_for_odd_rates_and_pieces() {
        for rate in [8_000, 22_050, 44_100, 48_000] {
            let input = sine(440.0, rate, rate as usize * 2 + 37);
            let mut rs = Resampler16k::new(rate).unwrap();
            let mut out = Vec::new();
            for piece in input.chunks(333) {
                rs.process(piece, &mut out);
            }
            rs.flush(&mut out);
            let expected = (input.len() as f64 * 16_000.0 / f64::from(rate)).round() as usize;
            assert_eq!(out.len(), expected, "rate {rate}");
        }
    }

    #[test]
    fn the_delay_is_trimmed_so_an_onset_stays_in_place() {
        // A tone starting at exactly 0.5 s must start at 0.5 s in the output.
        let mut input = vec![0.0f32; 24_000];
        input.extend(sine(500.0, 48_000, 24_000));
        let mut rs = Resampler16k::new(48_000).unwrap();
        let mut out = Vec::new();
        rs.process(&input, &mut out);
        rs.flush(&mut out);
        let onset = out.iter().position(|s| s.abs() > 0.05).unwrap();
        assert!(
            (onset as i64 - 8_000).abs() <= 16,
            "onset at sample {onset}"
        );
    }

    #[test]
    fn bad_rates_are_refused() {
        assert!(matches!(
            Resampler16k::new(0),
            Err(AudioError::UnsupportedSampleRate(0))
        ));
        assert!(Resampler16k::new(1_000_000).is_err());
    }
}
