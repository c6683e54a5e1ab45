//! Conversations assembled from real recordings, one party per channel, with exactly known
//! overtalk: audio → VAD → activity tracker → overtalk detector, frame by frame.
//!
//! The customer is the LibriVox reader (5 sentences), the agent is JFK (inaugural clip); each
//! channel also carries the other party's voice leaking in at -25 dB (40 ms echo path) and
//! background noise about 32 dB under the speech. Each conversation is an opening (agent
//! speaks, customer answers) and 25 exchanges drawn at random:
//! - interruptions: the newcomer starts a sentence while the incumbent is audibly speaking,
//!   at -1..+5 dB of their normal level (competitive overlaps are raised, not softer); the
//!   incumbent yields 0.3–0.8 s later, or both go on for 1.3 s or more;
//! - backchannels: a short token under the incumbent's speech at -12..-2 dB (backchannels are
//!   produced softer than turns): espeak-ng "mm-hm", "yes", "yeah", "okay", "right", "sure",
//!   and short words cut from the party's own recording;
//! - simultaneous starts (within 150 ms after a silence, one gives up), handovers 50–800 ms
//!   after the other stopped, and terminal overlaps (starting 50–200 ms before the other's
//!   last sound) — none of them interruptions.
//!
//! Scoring is strict: a live alert counts as a true positive only if it names the right
//! interrupter, its onset is within 250 ms of the true one and it came at most 300 ms after
//! the true onset; an alert on anything else (a backchannel that is later retracted
//! included) is a false positive; an interruption without a timely alert is a miss.
//! The thresholds were chosen on other seeds (1–524) than the ones scored here (601–616).

mod support;

use showroom_insight::{ActivityConfig, DetectorConfig, OvertalkEvent, OvertalkKind};
use support::conversation::{Acoustics, Truth, TruthEvent, assemble};

const WEIGHTS: [(Truth, u32); 6] = [
    (Truth::InterruptYield, 3),
    (Truth::InterruptCompete, 2),
    (Truth::Backchannel, 5),
    (Truth::Simultaneous, 1),
    (Truth::Handover, 3),
    (Truth::TerminalOverlap, 1),
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    showroom_insight::metrics::percentile(sorted, p).unwrap_or(f64::NAN)
}

struct Evaluation {
    score: support::Score,
    audio_s: f64,
    retraction_misses: Vec<String>,
}

fn evaluate(
    acoustics: Acoustics,
    seeds: std::ops::RangeInclusive<u64>,
) -> anyhow::Result<Evaluation> {
    let material = support::material()?;
    let activity = ActivityConfig::default();
    let detector = DetectorConfig::default();
    let mut score = support::Score::default();
    let mut audio_s = 0.0;
    let mut retraction_misses = Vec::new();
    for seed in seeds {
        let conv = assemble(&material, seed, 25, &WEIGHTS, acoustics);
        audio_s += conv.duration_s;
        let run = support::run(&conv.channels, &activity, &detector);
        support::score(&conv, &run, &mut score);

        // Every live alert on a backchannel must be withdrawn once the overlap resolves.
        let is_backchannel = |t: &TruthEvent, who, onset: f64| {
            t.kind == Truth::Backchannel && t.newcomer == who && (t.onset - onset).abs() <= 0.25
        };
        for e in &run.events {
            let OvertalkEvent::Interruption(a) = e else {
                continue;
            };
            if conv
                .truth
                .iter()
                .any(|t| is_backchannel(t, a.interrupter, a.onset))
            {
                let retracted = run.events.iter().any(|r| {
                    matches!(r, OvertalkEvent::Retracted(x) if x.id == a.id
                        && x.kind == Some(OvertalkKind::Backchannel))
                });
                if !retracted {
                    retraction_misses.push(format!("seed {seed}: {a:?}"));
                }
            }
        }
    }
    Ok(Evaluation {
        score,
        audio_s,
        retraction_misses,
    })
}

/// Prints the figures; returns (live F1, final F1, late alerts).
fn report(e: &Evaluation) -> (f64, f64) {
    let (score, audio_s) = (&e.score, e.audio_s);

    let (f1, precision, recall) = support::f1(score.alert_tp, score.alert_fp, score.positives);
    let (final_f1, final_p, final_r) = support::f1(score.final_tp, score.final_fp, score.positives);
    let mut lat = score.latencies.clone();
    lat.sort_by(f64::total_cmp);
    let max_latency = lat.last().copied().unwrap_or(0.0);
    let timely = lat.iter().filter(|&&l| l <= support::MAX_LATENCY_S).count();
    println!(
        "assembled conversations: {:.1} min of two-channel audio",
        audio_s / 60.0
    );
    println!(
        "interruptions: {} true, {} backchannels, live alerts: {} right, {} wrong {:?}",
        score.positives, score.backchannels, score.alert_tp, score.alert_fp, score.fp_by_truth
    );
    println!("live alert      F1 {f1:.3}  precision {precision:.3}  recall {recall:.3}");
    println!("final class     F1 {final_f1:.3}  precision {final_p:.3}  recall {final_r:.3}");
    println!(
        "alert latency from the true onset: p50 {:.0} ms  p95 {:.0} ms  max {:.0} ms; \
         {timely} of {} alerts on interruptions within 300 ms",
        percentile(&lat, 50.0) * 1e3,
        percentile(&lat, 95.0) * 1e3,
        max_latency * 1e3,
        lat.len()
    );
    for l in &score.late {
        println!("late (counted as a miss): {l}");
    }
    println!(
        "backchannels alerted live (then retracted): {}, resolved as interruptions: {}",
        score.backchannel_alerts, score.backchannels_resolved_as_interruption
    );
    for m in &score.missed {
        println!("missed: {m}");
    }
    (f1, final_f1)
}

#[test]
fn interruptions_are_alerted_within_300_ms_and_backchannels_are_not_interruptions()
-> anyhow::Result<()> {
    let e = evaluate(Acoustics::default(), 601..=616)?;
    let (f1, final_f1) = report(&e);
    let (score, retraction_misses) = (&e.score, &e.retraction_misses);

    assert!(score.positives >= 80, "enough interruptions to score");
    assert!(f1 >= 0.9, "live interruption F1 {f1:.3} < 0.9");
    // Every alert on an interruption within 300 ms of its true onset (late ones would also
    // count as misses in the F1).
    assert!(score.late.is_empty(), "alerts later than 300 ms: {:?}", score.late);
    let max_latency = score.latencies.iter().copied().fold(0.0, f64::max);
    assert!(max_latency <= support::MAX_LATENCY_S, "slowest alert {:.0} ms", max_latency * 1e3);
    assert!(
        final_f1 >= 0.9,
        "final classification F1 {final_f1:.3} < 0.9"
    );
    assert_eq!(
        score.backchannels_resolved_as_interruption, 0,
        "backchannels must not be counted as interruptions"
    );
    assert!(
        retraction_misses.is_empty(),
        "alerts on backchannels not retracted: {retraction_misses:?}"
    );
    Ok(())
}

/// Outside the design envelope: backchannels up to -2 dB and interruptions from -1 dB, so the
/// two overlap in level. Shows how the live alert degrades (the final classification, which
/// does not use levels, does not).
#[test]
fn overlapping_levels_degrade_the_live_alert_but_not_the_classification() -> anyhow::Result<()> {
    let acoustics = Acoustics {
        interruption_gain_db: (-1.0, 5.0),
        backchannel_gain_db: (-12.0, -2.0),
        ..Acoustics::default()
    };
    let e = evaluate(acoustics, 601..=616)?;
    println!("(stress: backchannels -12..-2 dB, interruptions -1..+5 dB)");
    let (f1, final_f1) = report(&e);
    assert!(f1 >= 0.8, "live F1 {f1:.3}");
    assert!(final_f1 >= 0.9, "final F1 {final_f1:.3}");
    assert_eq!(e.score.backchannels_resolved_as_interruption, 0);
    Ok(())
}
