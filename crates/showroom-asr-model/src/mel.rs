//! librosa's Slaney-style mel filterbank, the one Whisper was trained with.
//!
//! Equivalent to `librosa.filters.mel(sr=16000, n_fft=400, n_mels=n_mels)` (htk=False,
//! norm="slaney", fmin=0, fmax=sr/2): triangles on a mel scale that is linear below 1 kHz and
//! logarithmic above, each scaled by 2 / (its width in Hz) so that it has unit area. The arithmetic
//! follows librosa step by step (f64, with the triangle stored as f32 before the area scaling) so
//! the values match `whisper/assets/mel_filters.npz` bit for bit (80 and 128 mels; see
//! `tests/mel_reference.rs`).

/// Whisper's audio sample rate.
pub const SAMPLE_RATE: u32 = 16_000;
/// Whisper's FFT size (25 ms window).
pub const N_FFT: usize = 400;
/// Number of FFT bins: `N_FFT / 2 + 1`.
pub const N_FFT_BINS: usize = N_FFT / 2 + 1;

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// Hz → mel on the Slaney scale.
pub fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

/// Mel → Hz on the Slaney scale.
pub fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_SP * mel
    }
}

/// numpy's `linspace(start, stop, n)` with endpoint, including its exact last element.
fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    let step = (stop - start) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|i| i as f64 * step + start).collect();
    v[n - 1] = stop;
    v
}

/// The filterbank as `n_mels` rows of [`N_FFT_BINS`] weights (row-major, `n_mels * 201` values).
pub fn mel_filters(n_mels: usize) -> Vec<f32> {
    assert!(n_mels > 0, "n_mels must be positive");
    let sr = f64::from(SAMPLE_RATE);
    let fft_freqs = linspace(0.0, sr / 2.0, N_FFT_BINS);
    let mel_pts = linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2);
    let mel_f: Vec<f64> = mel_pts.into_iter().map(mel_to_hz).collect();
    let fdiff: Vec<f64> = mel_f.windows(2).map(|w| w[1] - w[0]).collect();

    let mut weights = vec![0f32; n_mels * N_FFT_BINS];
    for i in 0..n_mels {
        let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for (k, &f) in fft_freqs.iter().enumerate() {
            let lower = -(mel_f[i] - f) / fdiff[i];
            let upper = (mel_f[i + 2] - f) / fdiff[i + 1];
            let tri = 0f64.max(lower.min(upper)) as f32;
            weights[i * N_FFT_BINS + k] = (f64::from(tri) * enorm) as f32;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_linear_below_1khz_and_inverts() {
        assert_eq!(hz_to_mel(0.0), 0.0);
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(500.0) - 7.5).abs() < 1e-12);
        for hz in [0.0, 123.0, 999.0, 1000.0, 2500.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9, "{hz}");
        }
        // 6.4x the frequency is 27 mels higher in the log region.
        assert!((hz_to_mel(6400.0) - 42.0).abs() < 1e-12);
    }

    #[test]
    fn each_filter_is_a_unit_area_triangle_in_order() {
        let n_mels = 80;
        let w = mel_filters(n_mels);
        assert_eq!(w.len(), n_mels * N_FFT_BINS);
        let bin_hz = f64::from(SAMPLE_RATE) / N_FFT as f64;
        let mut last_peak = 0;
        let mut n_area_checked = 0;
        for i in 0..n_mels {
            let row = &w[i * N_FFT_BINS..(i + 1) * N_FFT_BINS];
            assert!(row.iter().all(|&x| x >= 0.0));
            // The continuous triangle has height 2/width and unit area; sampled every 40 Hz its
            // sum times 40 Hz approximates 1 once the triangle spans ten bins or more (high bands).
            let lo = mel_to_hz(i as f64 * hz_to_mel(8000.0) / (n_mels + 1) as f64);
            let hi = mel_to_hz((i + 2) as f64 * hz_to_mel(8000.0) / (n_mels + 1) as f64);
            let peak_height = 2.0 / (hi - lo);
            let max = row.iter().copied().fold(0f32, f32::max) as f64;
            assert!(
                max <= peak_height * (1.0 + 1e-6),
                "filter {i}: max {max} > {peak_height}"
            );
            if hi - lo >= 10.0 * bin_hz {
                let area: f64 = row.iter().map(|&x| f64::from(x) * bin_hz).sum();
                assert!((area - 1.0).abs() < 0.05, "filter {i}: area {area}");
                n_area_checked += 1;
            }
            // Non-zero only strictly between its neighbours' centres.
            for (k, &x) in row.iter().enumerate() {
                let f = k as f64 * bin_hz;
                if x > 0.0 {
                    assert!(f > lo && f < hi, "filter {i} bin {k}");
                }
            }
            let peak = row
                .iter()
                .enumerate()
                .fold(0, |best, (k, &x)| if x > row[best] { k } else { best });
            if i > 0 {
                assert!(peak >= last_peak, "peaks move up: filter {i}");
            }
            last_peak = peak;
        }
        assert!(
            n_area_checked >= 10,
            "only {n_area_checked} filters are wide enough to check"
        );
        // The first filter peaks at the first non-zero centre frequency (~33.8 Hz → bin 1), and the
        // last filter reaches close to Nyquist.
        assert!(w[1] > 0.0 && w[2..N_FFT_BINS].iter().all(|&x| x == 0.0));
        assert!(w[(n_mels - 1) * N_FFT_BINS + 199] > 0.0);
        assert_eq!(w[N_FFT_BINS - 1], 0.0);
    }

    #[test]
    fn known_values() {
        // Hand-derived: filter 0 spans 0 Hz .. 2 × 33.7437 Hz (mel 0 .. 2×(45.245/81) on the
        // linear part), so bin 1 (40 Hz) lies on its falling edge.
        let w = mel_filters(80);
        let m = hz_to_mel(8000.0) / 81.0;
        let (c1, c2) = (mel_to_hz(m), mel_to_hz(2.0 * m));
        let expected = (c2 - 40.0) / (c2 - c1) * 2.0 / c2;
        assert!(
            (f64::from(w[1]) - expected).abs() < 1e-7,
            "{} vs {expected}",
            w[1]
        );
        assert_eq!(w[0], 0.0);
    }
}
