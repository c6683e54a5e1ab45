//! Sizing whisper.cpp's encoder window (`audio_ctx`) to the audio.
//!
//! Whisper's encoder always sees a 30 s window: 3000 mel frames, 1500 encoder frames (50 per
//! second). For a 5 s utterance 5/6 of that work is spent on padding. whisper.cpp can run the
//! encoder on the first `audio_ctx` frames only; the decoder then attends to those. Sizing the
//! window to the audio plus a margin keeps the words and cuts the encoder cost roughly in
//! proportion (measured here: a 10 s clip from 3.0 to 0.67 CPU-seconds on tiny.en).
//!
//! The catch: on some window sizes the greedy decoder falls into a loop (a token or the whole
//! sentence repeated), and which sizes do so looks arbitrary — a 3 s LibriVox sentence looped
//! at 214–320 frames and was fine at 166–192 and 342. The engine therefore checks the output
//! and decodes again with the full window when it looks like a loop; the constants below only
//! keep the window small.

/// Encoder frames per second of audio (16 kHz samples / 320).
pub const FRAMES_PER_SECOND: usize = 50;
/// Encoder frames of the full 30 s window.
pub const FULL_WINDOW_FRAMES: usize = 1500;
/// Audio samples per encoder frame at 16 kHz.
const SAMPLES_PER_FRAME: usize = 16_000 / FRAMES_PER_SECOND;
/// Frames added after the end of the audio, so the last word is not cut by the window edge.
const MARGIN_FRAMES: usize = 16;
/// Windows are a multiple of this many frames (so states see a small set of graph sizes).
const GRANULE_FRAMES: usize = 32;
/// The smallest window (~2.6 s), so a one-word utterance still has context around it.
const MIN_FRAMES: usize = 128;

/// How many encoder frames whisper.cpp should run for `n_samples` of 16 kHz audio.
///
/// `None` means the full 30 s window (`audio_ctx = 0` in whisper.cpp), used when the sized
/// window would not be smaller — in particular for audio longer than ~29 s, which whisper.cpp
/// processes in 30 s steps.
pub fn sized_audio_ctx(n_samples: usize) -> Option<usize> {
    let needed = n_samples.div_ceil(SAMPLES_PER_FRAME) + MARGIN_FRAMES;
    let frames = needed.next_multiple_of(GRANULE_FRAMES).max(MIN_FRAMES);
    (frames < FULL_WINDOW_FRAMES).then_some(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_audio_with_a_margin() {
        let cases: &[(f64, Option<usize>)] = &[
            (0.0, Some(128)),
            (0.5, Some(128)),
            (2.2, Some(128)),  // 110 + 16 = 126
            (2.3, Some(160)),  // 115 + 16 = 131
            (2.99, Some(192)), // 150 + 16 = 166 (LibriVox 0880)
            (11.0, Some(576)), // 550 + 16 = 566 (the JFK clip)
            (29.0, Some(1472)),
            (29.5, None), // 1475 + 16 = 1491 → 1504 ≥ 1500
            (30.0, None),
            (95.0, None),
        ];
        for &(seconds, expected) in cases {
            let n_samples = (seconds * 16_000.0).round() as usize;
            let got = sized_audio_ctx(n_samples);
            assert_eq!(got, expected, "{seconds} s");
            if let Some(frames) = got {
                assert!(
                    frames * SAMPLES_PER_FRAME >= n_samples + MARGIN_FRAMES * SAMPLES_PER_FRAME
                );
                assert_eq!(frames % GRANULE_FRAMES, 0);
            }
        }
    }
}
