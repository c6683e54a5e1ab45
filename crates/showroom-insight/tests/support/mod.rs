//! Shared by the real-recording tests: material, the audio → VAD → tracker → detector driver,
//! and scoring against the ground truth.
#![allow(dead_code)]

pub mod audio;
pub mod conversation;

use std::collections::BTreeMap;

use anyhow::Result;
use showroom_insight::{
    ActivityConfig, CallAnalysis, DetectorConfig, OvertalkEvent, OvertalkKind, Party, PerParty,
};

use audio::{Utterance, Voice, token};
use conversation::{Conversation, Material, Truth, TruthEvent};

/// Real voices per party and short backchannel tokens: espeak-ng words plus single words cut
/// from real recordings (pocketsphinx "cards" test data).
pub fn material() -> Result<Material> {
    let jfk = showroom_testdata::jfk()?;
    let libri = showroom_testdata::librivox()?;
    let cards_dir =
        showroom_testdata::pocketsphinx_testdata()?.join("usr/share/pocketsphinx/test/data/cards");
    let cards: Vec<Voice> = (1..=5)
        .map(|i| {
            let path = cards_dir.join(format!("{i:03}.wav"));
            Voice::new(
                &format!("cards-{i:03}"),
                &showroom_testdata::read_wav(&path)?,
            )
        })
        .collect::<Result<_>>()?;
    let libri: Vec<Voice> = libri
        .iter()
        .map(|c| Voice::new(&format!("librivox-{}", c.name), &c.audio))
        .collect::<Result<_>>()?;
    // One real speaker per party, as in a real call: the customer is the LibriVox reader, the
    // agent is JFK.
    let jfk = Voice::new("jfk", &jfk.audio)?;
    let customer = libri;
    let agent = vec![jfk];

    // Backchannel tokens: espeak-ng words, and short words cut from the party's own speech.
    let mut tokens = PerParty::<Vec<Utterance>>::default();
    for (party, voice, words) in [
        (
            Party::Customer,
            "en-us+f3",
            ["mm-hm", "yeah", "okay", "right"],
        ),
        (Party::Agent, "en", ["mm-hm", "yes", "okay", "sure"]),
    ] {
        for w in words {
            let name = format!("espeak-{voice}-{w}");
            tokens[party].push(token(&name, &showroom_testdata::espeak(voice, w)?)?);
        }
    }
    for party in Party::BOTH {
        let own: Vec<Utterance> = (if party == Party::Agent {
            &agent
        } else {
            &customer
        })
        .iter()
        .flat_map(|v| v.tokens(0.7))
        .collect();
        tokens[party].extend(own);
    }
    let _ = cards;
    Ok(Material {
        voices: PerParty::new(customer, agent),
        tokens,
    })
}

/// Everything the detector said, with the timelines the tracker built.
pub type Run = CallAnalysis;

/// Audio → VAD → activity tracker → overtalk detector, frame by frame, ticking after each
/// frame at the frame's end time.
pub fn run(
    channels: &PerParty<Vec<f32>>,
    activity: &ActivityConfig,
    detector: &DetectorConfig,
) -> Run {
    CallAnalysis::of_audio(
        PerParty::new(&channels.customer, &channels.agent),
        activity.clone(),
        detector.clone(),
    )
    .expect("valid configs")
}

/// Live alerts and final classifications against the truth.
#[derive(Debug, Default)]
pub struct Score {
    pub positives: usize,
    pub alert_tp: usize,
    pub alert_fp: usize,
    /// Alert latency from the true onset, seconds, for every alert on a true interruption
    /// (late ones included).
    pub latencies: Vec<f64>,
    /// Alerts on a true interruption that came more than 300 ms after its onset: counted as
    /// misses, not as true positives.
    pub late: Vec<String>,
    pub final_tp: usize,
    pub final_fp: usize,
    /// False alerts and misses by the truth they hit (or "none").
    pub fp_by_truth: BTreeMap<String, usize>,
    pub missed: Vec<String>,
    pub backchannels: usize,
    pub backchannel_alerts: usize,
    pub backchannels_resolved_as_interruption: usize,
}

/// Onset tolerance between a detection and the truth, seconds.
const MATCH_S: f64 = 0.25;
/// The alert budget: an alert later than this after the true onset is a miss.
pub const MAX_LATENCY_S: f64 = 0.3;

fn nearest(truth: &[TruthEvent], newcomer: Party, onset: f64) -> Option<&TruthEvent> {
    truth
        .iter()
        .filter(|t| t.newcomer == newcomer && (t.onset - onset).abs() <= MATCH_S)
        .min_by(|a, b| (a.onset - onset).abs().total_cmp(&(b.onset - onset).abs()))
}

pub fn score(conv: &Conversation, run: &Run, score: &mut Score) {
    let truth = &conv.truth;
    score.positives += truth.iter().filter(|t| t.kind.is_interruption()).count();
    score.backchannels += truth
        .iter()
        .filter(|t| t.kind == Truth::Backchannel)
        .count();
    let mut alerted = vec![false; truth.len()];
    let mut finals = vec![false; truth.len()];
    for e in &run.events {
        let (newcomer, onset, at, live) = match e {
            OvertalkEvent::Interruption(a) => (a.interrupter, a.onset, a.at, true),
            OvertalkEvent::Resolved(r) if r.kind == OvertalkKind::Interruption => {
                (r.newcomer, r.onset, r.at, false)
            }
            _ => continue,
        };
        let hit = nearest(truth, newcomer, onset);
        let idx = hit.map(|t| {
            truth
                .iter()
                .position(|x| std::ptr::eq(x, t))
                .expect("in truth")
        });
        let label = hit.map_or("none".to_owned(), |t| format!("{:?}", t.kind));
        match (live, hit) {
            (true, Some(t)) if t.kind.is_interruption() && !alerted[idx.expect("hit")] => {
                alerted[idx.expect("hit")] = true;
                let latency = at - t.onset;
                score.latencies.push(latency);
                if latency <= MAX_LATENCY_S {
                    score.alert_tp += 1;
                } else {
                    score.late.push(format!(
                        "{:?} by {} at {:.2}s ({}): alert after {:.0} ms, onset found {:+.0} ms off",
                        t.kind,
                        t.newcomer,
                        t.onset,
                        t.source,
                        latency * 1e3,
                        (onset - t.onset) * 1e3
                    ));
                }
            }
            (true, _) => {
                score.alert_fp += 1;
                *score
                    .fp_by_truth
                    .entry(format!("alert:{label}"))
                    .or_default() += 1;
                if hit.is_some_and(|t| t.kind == Truth::Backchannel) {
                    score.backchannel_alerts += 1;
                }
            }
            (false, Some(t)) if t.kind.is_interruption() && !finals[idx.expect("hit")] => {
                finals[idx.expect("hit")] = true;
                score.final_tp += 1;
            }
            (false, _) => {
                score.final_fp += 1;
                *score
                    .fp_by_truth
                    .entry(format!("final:{label}"))
                    .or_default() += 1;
                if hit.is_some_and(|t| t.kind == Truth::Backchannel) {
                    score.backchannels_resolved_as_interruption += 1;
                }
            }
        }
    }
    for (i, t) in truth.iter().enumerate() {
        if t.kind.is_interruption() && !alerted[i] {
            // (late alerts are listed in `late`)
            score.missed.push(format!(
                "{:?} by {} at {:.2}s ({}, {:+.1} dB)",
                t.kind, t.newcomer, t.onset, t.source, t.gain_db
            ));
        }
    }
}

pub fn f1(tp: usize, fp: usize, positives: usize) -> (f64, f64, f64) {
    let precision = if tp + fp == 0 {
        1.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let recall = if positives == 0 {
        1.0
    } else {
        tp as f64 / positives as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    (f1, precision, recall)
}
