//! The encoder window sized to the audio keeps the words and saves CPU (JFK clip, tiny.en).

mod common;

use anyhow::Result;
use showroom_asr::wer::normalise;
use showroom_asr::{AudioWindow, DecodeOptions};
use showroom_asr_model::ModelName;

#[test]
fn sized_window_keeps_the_words_and_costs_less_cpu() -> Result<()> {
    let engine = common::engine(ModelName::TinyEn)?;
    let mut clips = vec![common::jfk()?];
    clips.extend(common::librivox()?);

    let _turn = common::one_at_a_time();
    let opts = |audio_window| DecodeOptions {
        audio_window,
        ..DecodeOptions::english()
    };
    for clip in &clips {
        let full = engine.transcribe(&clip.audio, &opts(AudioWindow::Full))?;
        let sized = engine.transcribe(&clip.audio, &opts(AudioWindow::Sized))?;
        println!(
            "{:>6}: {:5.2} s audio; full window {:5.2} s CPU ({} frames), sized {:5.2} s CPU \
             ({} frames), {:.1}x less\n        full:  {}\n        sized: {}",
            clip.name,
            full.audio_seconds,
            full.cpu_seconds,
            full.audio_ctx,
            sized.cpu_seconds,
            sized.audio_ctx,
            full.cpu_seconds / sized.cpu_seconds,
            full.text,
            sized.text,
        );
        assert_eq!(full.audio_ctx, 1500);
        assert!(sized.audio_ctx < 1500);
        if clip.name == "jfk" {
            assert_eq!(
                normalise(&sized.text),
                normalise(&full.text),
                "same words on JFK"
            );
            assert!(
                sized.cpu_seconds < full.cpu_seconds,
                "sized {} s vs full {} s CPU",
                sized.cpu_seconds,
                full.cpu_seconds
            );
        }
    }
    Ok(())
}
