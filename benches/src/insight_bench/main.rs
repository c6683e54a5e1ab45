//! `insight-bench`: conversation insight without ASR — how many call-minutes one CPU-second
//! analyses, and how soon live interruption alerts come, on two-party conversations assembled
//! from real recordings (the ground-truth set of `showroom-insight`'s tests: one real speaker per
//! channel, exactly known interruptions, backchannels, simultaneous starts and hand-overs).
//!
//! Figures:
//! - call-minutes per CPU-second for the whole chain (both parties' audio → VAD → activity
//!   tracker → overtalk detector → talk metrics), and for the chain after the VAD (what the
//!   gateway runs, since it reuses the transcription front-end's VAD decisions);
//! - alert latency from the true onset: p50 / p90 / p95 / max and a histogram, with F1.
//!
//! Prints figures; asserts nothing.

#[path = "../../../crates/showroom-insight/tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;
#[path = "../speech.rs"]
#[allow(dead_code)]
mod speech;

use clap::Parser;
use showroom_insight::activity::FRAME_SAMPLES;
use showroom_insight::{
    ActivityConfig, ActivityTracker, CallAnalyzer, DetectorConfig, FrameOutput, MetricsConfig, PerParty, WordCounts,
};
use support::conversation::{Acoustics, Truth, assemble};

const WEIGHTS: [(Truth, u32); 6] = [
    (Truth::InterruptYield, 3),
    (Truth::InterruptCompete, 2),
    (Truth::Backchannel, 5),
    (Truth::Simultaneous, 1),
    (Truth::Handover, 3),
    (Truth::TerminalOverlap, 1),
];

#[derive(Parser)]
#[command(about = "Conversation insight: call-minutes per CPU-second and live alert latency")]
struct Args {
    /// Conversations to assemble (each ~2 minutes, 25 events).
    #[arg(long, default_value_t = 16)]
    conversations: u64,
    /// Passes over the set for the speed figures.
    #[arg(long, default_value_t = 3)]
    passes: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let material = support::material()?;
    let conversations: Vec<_> =
        (601..601 + args.conversations).map(|seed| assemble(&material, seed, 25, &WEIGHTS, Acoustics::default())).collect();
    let audio_s: f64 = conversations.iter().map(|c| c.duration_s).sum();
    println!("{} conversations, {:.1} call-minutes of two-channel audio from real recordings", conversations.len(), audio_s / 60.0);

    // 1. The whole chain from audio.
    let (activity, detector) = (ActivityConfig::default(), DetectorConfig::default());
    let cpu = speech::process_cpu_seconds();
    let mut score = support::Score::default();
    for pass in 0..args.passes {
        for conv in &conversations {
            let run = support::run(&conv.channels, &activity, &detector);
            let _ = run.metrics(&WordCounts::default(), &MetricsConfig::default());
            if pass == 0 {
                support::score(conv, &run, &mut score);
            }
        }
    }
    let full = speech::process_cpu_seconds() - cpu;

    // 2. After the VAD: frame decisions precomputed (as the gateway gets them from the ASR
    // front-ends), then trackers, detector and metrics.
    let decided: Vec<Vec<PerParty<showroom_insight::FrameObservation>>> = conversations
        .iter()
        .map(|conv| {
            let mut vads = PerParty::new(ActivityTracker::new(activity.clone())?, ActivityTracker::new(activity.clone())?);
            let n = conv.channels.customer.len().min(conv.channels.agent.len()) / FRAME_SAMPLES;
            Ok((0..n)
                .map(|k| {
                    let at = k as f64 * 0.01;
                    let range = k * FRAME_SAMPLES..(k + 1) * FRAME_SAMPLES;
                    PerParty::new(
                        vads.customer.push_audio(at, &conv.channels.customer[range.clone()]).frame,
                        vads.agent.push_audio(at, &conv.channels.agent[range]).frame,
                    )
                })
                .collect())
        })
        .collect::<Result<_, showroom_insight::ConfigError>>()?;
    let cpu = speech::process_cpu_seconds();
    for _ in 0..args.passes {
        for frames in &decided {
            let mut analyzer = CallAnalyzer::new(activity.clone(), detector.clone())?;
            let mut trackers = PerParty::new(ActivityTracker::new(activity.clone())?, ActivityTracker::new(activity.clone())?);
            for (k, f) in frames.iter().enumerate() {
                let outputs: PerParty<FrameOutput> =
                    PerParty::new(trackers.customer.push_decision(f.customer), trackers.agent.push_decision(f.agent));
                analyzer.push_outputs(k as f64 * 0.01, outputs);
            }
            let _ = analyzer.finish().metrics(&WordCounts::default(), &MetricsConfig::default());
        }
    }
    let after_vad = speech::process_cpu_seconds() - cpu;

    let minutes = audio_s / 60.0 * args.passes as f64;
    println!();
    println!("chain                                   CPU s   call-minutes per CPU-second");
    println!("audio → VAD → tracker → detector       {full:>6.2}   {:>10.0}", minutes / full);
    println!("VAD decisions → tracker → detector     {after_vad:>6.2}   {:>10.0}", minutes / after_vad);

    let (f1, precision, recall) = support::f1(score.alert_tp, score.alert_fp, score.positives);
    let mut lat = score.latencies.clone();
    lat.sort_by(f64::total_cmp);
    let p = |q: f64| showroom_insight::metrics::percentile(&lat, q).unwrap_or(f64::NAN) * 1e3;
    println!();
    println!(
        "live interruption alerts: {} of {} interruptions, {} wrong (F1 {f1:.3}, precision {precision:.3}, recall {recall:.3})",
        score.alert_tp, score.positives, score.alert_fp
    );
    println!(
        "alert latency from the true onset: p50 {:.0} ms  p90 {:.0} ms  p95 {:.0} ms  max {:.0} ms",
        p(50.0),
        p(90.0),
        p(95.0),
        lat.last().copied().unwrap_or(0.0) * 1e3
    );
    println!("histogram (ms):");
    for lo in (150..400).step_by(25) {
        let n = lat.iter().filter(|&&l| l * 1e3 >= f64::from(lo) && l * 1e3 < f64::from(lo + 25)).count();
        println!("  {lo:>3}–{:<3} {:>4} {}", lo + 25, n, "#".repeat(n));
    }
    Ok(())
}
