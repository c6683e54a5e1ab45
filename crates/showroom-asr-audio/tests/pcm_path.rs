//! The PCM path: 16 kHz and 48 kHz input segment like the RTP path; resampler quality; config
//! validation; long speech is split at `max_utterance`.

mod common;

use std::time::Duration;

use common::*;
use showroom_asr_audio::{AudioError, AudioFrontEnd, FrontEndConfig, Resampler16k};

#[test]
fn pcm_at_16k_and_48k_segments_like_the_rtp_path() -> anyhow::Result<()> {
    let (signal, truth) = two_sentences()?;
    let at_16k = finals(&run_pcm(FrontEndConfig::default(), &signal, 16_000));
    let at_48k = finals(&run_pcm(
        FrontEndConfig::default(),
        &upsample_48k(&signal),
        48_000,
    ));
    let packets = opus_rtp(&signal, SenderOptions::default());
    let (events, _) = run_rtp(
        FrontEndConfig::default(),
        &deliver(&packets, Network::default()),
    );
    let over_rtp = finals(&untimed(&events));
    assert_matches_truth(&at_16k, &truth, 0.3);
    for other in [&at_48k, &over_rtp] {
        assert_eq!(other.len(), at_16k.len(), "{other:?} vs {at_16k:?}");
        for (a, b) in at_16k.iter().zip(other.iter()) {
            assert!(
                (a.0 - b.0).abs() <= 0.05 && (a.1 - b.1).abs() <= 0.05,
                "{a:?} vs {b:?}"
            );
        }
    }
    Ok(())
}

fn zero_crossings(x: &[f32]) -> usize {
    x.windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count()
}

#[test]
fn a_1khz_sine_keeps_its_frequency_and_amplitude_from_48k_to_16k() {
    let seconds = 2;
    let input: Vec<f32> = (0..48_000 * seconds)
        .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 1_000.0 * i as f32 / 48_000.0).sin())
        .collect();
    let mut rs = Resampler16k::new(48_000).unwrap();
    let mut out = Vec::new();
    for piece in input.chunks(1_234) {
        rs.process(piece, &mut out);
    }
    rs.flush(&mut out);
    assert_eq!(out.len(), 16_000 * seconds);
    // Away from the edges: 1 s holds 2000 crossings of a 1 kHz sine.
    let middle = &out[4_000..20_000];
    let crossings = zero_crossings(middle);
    assert!(
        (1_998..=2_002).contains(&crossings),
        "{crossings} crossings in 1 s"
    );
    let gain_db = 20.0 * (rms(middle) / (0.5 / 2f32.sqrt())).log10();
    assert!(gain_db.abs() < 1.0, "amplitude changed by {gain_db} dB");
}

#[test]
fn content_above_8khz_is_filtered_not_aliased() {
    // 12 kHz at 48 kHz would alias to 4 kHz at 16 kHz without the anti-aliasing filter.
    let input: Vec<f32> = (0..48_000)
        .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 12_000.0 * i as f32 / 48_000.0).sin())
        .collect();
    let mut rs = Resampler16k::new(48_000).unwrap();
    let mut out = Vec::new();
    rs.process(&input, &mut out);
    rs.flush(&mut out);
    let level_db = 20.0 * (rms(&out[1_000..15_000]) / (0.5 / 2f32.sqrt())).log10();
    assert!(level_db < -60.0, "12 kHz came through at {level_db} dB");
}

#[test]
fn long_speech_is_split_at_max_utterance() -> anyhow::Result<()> {
    // JFK with a hangover long enough to bridge its pauses: one 11 s stretch, split every 4 s.
    let cfg = FrontEndConfig {
        end_silence: Duration::from_millis(1_500),
        max_utterance: Duration::from_secs(4),
        ..FrontEndConfig::default()
    };
    let mut fe = AudioFrontEnd::new(cfg)?;
    let mut events = fe.push_pcm(&jfk()?, 16_000);
    events.extend(fe.finish());
    let finals = finals(&events);
    assert!(finals.len() >= 3, "{finals:?}");
    for f in &finals {
        assert!(f.1 - f.0 <= 4.0 + 1e-9, "{f:?}");
    }
    for w in finals.windows(2) {
        assert!(w[1].0 >= w[0].1 - 1e-9, "no overlap: {finals:?}");
    }
    assert!(fe.stats().forced_finals >= 2, "{:?}", fe.stats());
    Ok(())
}

#[test]
fn bad_config_and_bad_pcm_rates_are_errors() {
    let bad = FrontEndConfig {
        max_utterance: Duration::from_millis(200),
        ..FrontEndConfig::default()
    };
    assert!(matches!(
        AudioFrontEnd::new(bad),
        Err(AudioError::InvalidConfig {
            field: "max_utterance",
            ..
        })
    ));
    let bad = FrontEndConfig {
        vad_threshold_db: f32::NAN,
        ..FrontEndConfig::default()
    };
    assert!(AudioFrontEnd::new(bad).is_err());
    let mut fe = AudioFrontEnd::new(FrontEndConfig::default()).unwrap();
    assert!(fe.push_pcm(&[0.0; 100], 0).is_empty());
    assert_eq!(fe.stats().rejected_pcm_chunks, 1);
    assert!(matches!(
        fe.drain_errors()[..],
        [AudioError::UnsupportedSampleRate(0)]
    ));
    // Non-finite samples become silence, counted.
    fe.push_pcm(&[f32::NAN, f32::INFINITY, 0.1], 16_000);
    assert_eq!(fe.stats().non_finite_samples, 2);
}

/// At each pause the front-end offers the utterance so far; when the speaker does not go on,
/// that audio is exactly the final's (so a recognizer can have the final ready early), and
/// when they do, the final is longer and begins with it.
#[test]
fn a_pause_partial_is_the_final_to_be() -> anyhow::Result<()> {
    let (signal, _) = two_sentences()?;
    let events = run_pcm(FrontEndConfig::default(), &signal, 16_000);
    let (mut exact, mut went_on) = (0, 0);
    for e in events.iter().filter(|e| e.is_pause()) {
        let fin = events
            .iter()
            .find(|f| f.is_final() && f.utterance() == e.utterance())
            .expect("every pause partial's utterance gets a final");
        if fin.audio()[..] == e.audio()[..] {
            assert_eq!(fin.span(), e.span());
            exact += 1;
        } else {
            assert!(fin.audio().len() > e.audio().len() && fin.audio()[..e.audio().len()] == e.audio()[..]);
            went_on += 1;
        }
    }
    let n_finals = events.iter().filter(|e| e.is_final()).count();
    eprintln!("{n_finals} finals; pause partials: {exact} exact, {went_on} where the speaker went on");
    assert_eq!(exact, n_finals, "each utterance that closed on silence had its exact pause partial");
    Ok(())
}
