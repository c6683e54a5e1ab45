//! tiny.en on real recorded English speech: the JFK clip and five LibriVox sentences.

mod common;

use anyhow::Result;
use showroom_asr::DecodeOptions;
use showroom_asr::wer::{WordErrors, word_errors};
use showroom_asr_model::ModelName;

#[test]
fn tiny_en_transcribes_recorded_speech_within_15_percent_wer() -> Result<()> {
    let engine = common::engine(ModelName::TinyEn)?;
    let mut clips = vec![common::jfk()?];
    clips.extend(common::librivox()?);

    let _turn = common::one_at_a_time();
    let (mut total, mut audio_seconds, mut cpu_seconds) = (WordErrors::default(), 0.0, 0.0);
    for clip in &clips {
        let t = engine.transcribe(&clip.audio, &DecodeOptions::english())?;
        let errors = word_errors(&clip.reference, &t.text);
        println!(
            "{:>6}: WER {:5.1}% ({} errors / {} words), {:5.2} s audio, {:5.2} s CPU, \
             RTF {:.3}, audio_ctx {}, confidence {:.2}\n        ref: {}\n        hyp: {}",
            clip.name,
            100.0 * errors.rate(),
            errors.errors(),
            errors.reference_words,
            t.audio_seconds,
            t.cpu_seconds,
            t.cpu_seconds / t.audio_seconds,
            t.audio_ctx,
            t.confidence,
            clip.reference,
            t.text,
        );
        assert_eq!(t.language, "en");
        assert_eq!(t.segments.len(), 1, "one segment for a short utterance");
        assert!(t.confidence > 0.0 && t.confidence <= 1.0);
        assert!(t.cpu_seconds > 0.0);
        total += errors;
        audio_seconds += t.audio_seconds;
        cpu_seconds += t.cpu_seconds;
    }
    println!(
        "overall: WER {:.1}% ({} errors / {} words) over {} clips; {:.1} s audio, {:.2} s CPU, \
         real-time factor {:.3} (1 thread, sized window)",
        100.0 * total.rate(),
        total.errors(),
        total.reference_words,
        clips.len(),
        audio_seconds,
        cpu_seconds,
        cpu_seconds / audio_seconds,
    );
    assert!(
        total.rate() <= 0.15,
        "overall WER {:.1}% > 15%",
        100.0 * total.rate()
    );
    Ok(())
}
