//! Whisper base: language detection and translation on sentences spoken by espeak-ng.

mod common;

use anyhow::Result;
use showroom_asr::DecodeOptions;
use showroom_asr_model::ModelName;

const SPANISH: &str =
    "Hola, buenos días. Tengo un problema con mi factura y necesito ayuda, por favor.";
const GERMAN: &str =
    "Guten Morgen. Ich habe eine Frage zu meiner Rechnung. Können Sie mir bitte helfen?";

#[test]
fn base_detects_spanish_and_german_and_translates_to_english() -> Result<()> {
    let engine = common::engine(ModelName::Base)?;
    assert!(engine.is_multilingual());
    // (voice, sentence, expected language, English words the translation must contain)
    let cases = [
        ("es", SPANISH, "es", ["problem", "help"]),
        ("de", GERMAN, "de", ["question", "help"]),
    ];
    let _turn = common::one_at_a_time();
    for (voice, sentence, language, english_words) in cases {
        let audio = common::espeak(voice, sentence)?;
        let detected = engine.transcribe(&audio, &DecodeOptions::default())?;
        println!(
            "{voice}: detected {:?} ({:.2} s CPU, {:.1} s audio): {}",
            detected.language, detected.cpu_seconds, detected.audio_seconds, detected.text
        );
        assert_eq!(detected.language, language, "transcript: {}", detected.text);

        let translated = engine.transcribe(
            &audio,
            &DecodeOptions {
                translate: true,
                ..DecodeOptions::default()
            },
        )?;
        println!("{voice} → en: {}", translated.text);
        assert_eq!(translated.language, language);
        let lower = translated.text.to_lowercase();
        for word in english_words {
            assert!(
                lower.contains(word),
                "{word:?} missing from translation {:?}",
                translated.text
            );
        }

        // The language given explicitly gives the same language back, without detection.
        let explicit = engine.transcribe(
            &audio,
            &DecodeOptions {
                language: Some(language.into()),
                ..DecodeOptions::default()
            },
        )?;
        assert_eq!(explicit.language, language);
        assert!(!explicit.text.is_empty());
    }
    Ok(())
}
