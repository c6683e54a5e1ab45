//! Robustness of the segmentation to steady background noise and to another voice leaking in
//! at a low level.

mod common;

use common::*;
use showroom_asr_audio::FrontEndConfig;

/// RMS of the sentences' speech, the reference for SNRs.
fn speech_rms() -> anyhow::Result<f32> {
    let a = trim_to_speech(&librivox("0880")?);
    let b = trim_to_speech(&librivox("0930")?);
    Ok(rms(&[a, b].concat()))
}

fn db(x: f32) -> f32 {
    10f32.powf(x / 20.0)
}

#[test]
fn noise_alone_gives_no_utterance() -> anyhow::Result<()> {
    let level = speech_rms()? * db(-20.0);
    for (name, noise) in [
        ("white", white_noise(16_000 * 12, level, 1)),
        ("pink", pink_noise(16_000 * 12, level, 2)),
    ] {
        // Through the PCM path and through Opus RTP (where the codec reshapes the noise).
        let events = run_pcm(FrontEndConfig::default(), &noise, 16_000);
        assert!(events.is_empty(), "{name} noise gave {:?}", finals(&events));
        let packets = opus_rtp(&noise, SenderOptions::default());
        let (events, fe) = run_rtp(
            FrontEndConfig::default(),
            &deliver(&packets, Network::default()),
        );
        assert!(
            events.is_empty(),
            "{name} noise over RTP gave {:?}",
            finals(&untimed(&events))
        );
        assert_eq!(fe.stats().utterances, 0);
    }
    Ok(())
}

/// Two sentences with noise at 20 dB SNR and a third voice (JFK) at -25 dB running through the
/// gap between them.
fn noisy_signal(noise: &[f32]) -> anyhow::Result<(Vec<f32>, Truth)> {
    let (mut signal, truth) = two_sentences()?;
    let leak_gain = speech_rms()? * db(-25.0) / rms(&trim_to_speech(&jfk()?));
    let leak: Vec<f32> = jfk()?.iter().map(|s| s * leak_gain).collect();
    // JFK speaks from the middle of the first sentence to past the start of the second.
    let at = ((truth[0].0 + 1.0) * 16_000.0) as usize;
    let room = signal.len() - at;
    mix(&mut signal, &leak[..leak.len().min(room)], at);
    mix(&mut signal, noise, 0);
    Ok((signal, truth))
}

#[test]
fn speech_is_found_through_white_noise_and_a_leaking_voice() -> anyhow::Result<()> {
    let noise = white_noise(16_000 * 12, speech_rms()? * db(-20.0), 3);
    let (signal, truth) = noisy_signal(&noise)?;
    assert_matches_truth(
        &finals(&run_pcm(FrontEndConfig::default(), &signal, 16_000)),
        &truth,
        0.3,
    );
    let packets = opus_rtp(&signal, SenderOptions::default());
    let (events, _) = run_rtp(
        FrontEndConfig::default(),
        &deliver(&packets, Network::default()),
    );
    assert_matches_truth(&finals(&untimed(&events)), &truth, 0.3);
    Ok(())
}

#[test]
fn speech_is_found_through_pink_noise_and_a_leaking_voice() -> anyhow::Result<()> {
    let noise = pink_noise(16_000 * 12, speech_rms()? * db(-20.0), 4);
    let (signal, truth) = noisy_signal(&noise)?;
    assert_matches_truth(
        &finals(&run_pcm(FrontEndConfig::default(), &signal, 16_000)),
        &truth,
        0.3,
    );
    let packets = opus_rtp(&signal, SenderOptions::default());
    let (events, _) = run_rtp(
        FrontEndConfig::default(),
        &deliver(&packets, Network::default()),
    );
    assert_matches_truth(&finals(&untimed(&events)), &truth, 0.3);
    Ok(())
}

#[test]
fn the_leaking_voice_alone_after_the_speaker_is_ignored() -> anyhow::Result<()> {
    // The speaker says one sentence; then only the -25 dB leak of JFK (11 s) is heard.
    let a = trim_to_speech(&librivox("0880")?);
    let leak_gain = rms(&a) * db(-25.0) / rms(&trim_to_speech(&jfk()?));
    let leak: Vec<f32> = jfk()?.iter().map(|s| s * leak_gain).collect();
    let (mut signal, truth) = compose(0.5, &[(&a, 1.0)]);
    let at = signal.len();
    signal.resize(at + leak.len(), 0.0);
    mix(&mut signal, &leak, at);
    assert_matches_truth(
        &finals(&run_pcm(FrontEndConfig::default(), &signal, 16_000)),
        &truth,
        0.3,
    );
    Ok(())
}
