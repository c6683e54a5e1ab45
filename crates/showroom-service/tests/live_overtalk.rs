//! Live overtalk through the gateway: the agent starts talking while the shopper is speaking
//! (real recordings as Opus RTP from two Rust clients); the agent gets an `overtalk` alert
//! within 300 ms of the onset, then the `resolved` interruption. The shopper gets neither.

mod common;

use std::time::{Duration, Instant};

use common::{opus_packets, opus_rtp};
use showroom_signaling::{OvertalkEvent, OvertalkKind, Role, ServerMessage};
use showroom_testkit::Kind;

/// The call: the agent greets (a LibriVox sentence from 0.5 s), the shopper then speaks (JFK
/// from `CUSTOMER_FROM`), and the agent starts another sentence at `AGENT_FROM`, while JFK is
/// in the middle of "…can do for you" (7.0 s into the clip).
const CUSTOMER_FROM: f64 = 4.5;
const AGENT_FROM: f64 = CUSTOMER_FROM + 7.0;

/// First 10 ms frame whose level is within 20 dB of the clip's loudest: where speech starts.
fn speech_onset(audio: &[f32]) -> f64 {
    let level = |f: &[f32]| 10.0 * (f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32 + 1e-12).log10();
    let frames: Vec<f32> = audio.chunks(160).map(level).collect();
    let peak = frames.iter().copied().fold(f32::MIN, f32::max);
    frames.iter().position(|l| *l > peak - 20.0).unwrap() as f64 * 0.01
}

/// A microphone's own noise (about -66 dBFS), so silence is not digital zero.
fn with_room_noise(audio: &mut [f32], seed: u32) {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    for s in audio.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *s += (x as f32 / u32::MAX as f32 - 0.5) * 0.001;
    }
}

/// Mean power (dB) of the frames within 25 dB of the loudest: the speech level.
fn speech_level(audio: &[f32]) -> f32 {
    let level = |f: &[f32]| 10.0 * (f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32 + 1e-12).log10();
    let frames: Vec<f32> = audio.chunks(160).map(level).collect();
    let peak = frames.iter().copied().fold(f32::MIN, f32::max);
    let loud: Vec<f32> = frames.into_iter().filter(|l| *l > peak - 25.0).collect();
    loud.iter().sum::<f32>() / loud.len() as f32
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_is_alerted_within_300_ms_when_talking_over_the_shopper() {
    let (gw, gateway) = common::start_transcribing_gateway(|_| {}).await;
    let (mut customer, mut agent, call_id) = gateway.call_pair().await.unwrap();
    customer.publish(&[Kind::Audio]).await.unwrap();
    agent.publish(&[Kind::Audio]).await.unwrap();

    let jfk = showroom_testdata::jfk().unwrap();
    let mut librivox = showroom_testdata::librivox().unwrap();
    let mut greeting = librivox.remove(4);
    let mut sentence = librivox.remove(0);
    // The sentence from 50 ms before its first loud syllable (the reader's breath before it
    // would be the onset otherwise).
    let from = ((speech_onset(&sentence.audio) - 0.05).max(0.0) * 16_000.0) as usize;
    sentence.audio.drain(..from);
    // Both at the same speech level, as browsers' automatic gain control leaves microphones.
    // The greeting is said at the shopper's level; talking over someone, people raise their
    // voice (competitive interruptions are louder than the speaker's normal level — the
    // detector's live cue, see showroom-insight's DetectorConfig): the second sentence +6 dB.
    for (clip, raise_db) in [(&mut greeting, 0.0), (&mut sentence, 6.0)] {
        let gain = 10f32.powf((speech_level(&jfk.audio) - speech_level(&clip.audio) + raise_db) / 20.0);
        clip.audio.iter_mut().for_each(|s| *s = (*s * gain).clamp(-1.0, 1.0));
    }
    let agent_onset = AGENT_FROM + speech_onset(&sentence.audio);
    let mut agent_audio = vec![0.0f32; 8_000];
    agent_audio.extend_from_slice(&greeting.audio);
    assert!(agent_audio.len() < (CUSTOMER_FROM * 16_000.0) as usize, "the greeting ends before the shopper speaks");
    agent_audio.resize((AGENT_FROM * 16_000.0) as usize, 0.0);
    agent_audio.extend_from_slice(&sentence.audio);
    agent_audio.resize(agent_audio.len() + 32_000, 0.0);
    let mut customer_audio = vec![0.0f32; (CUSTOMER_FROM * 16_000.0) as usize];
    customer_audio.extend_from_slice(&jfk.audio);
    customer_audio.resize(agent_audio.len(), 0.0);
    with_room_noise(&mut agent_audio, 1);
    with_room_noise(&mut customer_audio, 2);
    let (customer_packets, agent_packets) = (opus_packets(&customer_audio, 0.0), opus_packets(&agent_audio, 0.0));
    let n = customer_packets.len().min(agent_packets.len());
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut started = None;
    let mut alerts: Vec<(Instant, ServerMessage)> = Vec::new();
    let mut shopper_got_overtalk = false;
    for i in 0..n {
        tick.tick().await;
        started.get_or_insert_with(Instant::now);
        customer.write(Kind::Audio, opus_rtp(i, &customer_packets[i]));
        agent.write(Kind::Audio, opus_rtp(i, &agent_packets[i]));
        while let Ok(m) = agent.messages.try_recv() {
            if matches!(m, ServerMessage::Overtalk { .. }) {
                alerts.push((Instant::now(), m));
            }
        }
        while let Ok(m) = customer.messages.try_recv() {
            shopper_got_overtalk |= matches!(m, ServerMessage::Overtalk { .. });
        }
        while customer.media.try_recv().is_ok() || agent.media.try_recv().is_ok() {}
    }
    let started = started.unwrap();
    for (at, m) in &alerts {
        eprintln!("{:>6.3} s  {m:?}", at.duration_since(started).as_secs_f64());
    }
    let (alert_at, alert) = alerts
        .iter()
        .find(|(_, m)| matches!(m, ServerMessage::Overtalk { event: OvertalkEvent::Alert, interrupter: Role::Agent, .. }))
        .expect("an alert for the agent talking over the shopper");
    let ServerMessage::Overtalk { id, onset_s, interrupted, .. } = alert else { unreachable!() };
    assert_eq!(*interrupted, Role::Customer);
    assert!((onset_s - agent_onset).abs() < 0.15, "onset {onset_s} vs the agent's speech at {agent_onset:.2}");
    let latency = alert_at.duration_since(started).as_secs_f64() - agent_onset;
    eprintln!("alert latency {:.0} ms after the agent's first word", latency * 1000.0);
    assert!(latency <= 0.3, "alert {:.0} ms after the onset", latency * 1000.0);
    let resolved = alerts.iter().find(|(_, m)| matches!(m, ServerMessage::Overtalk { id: i, event: OvertalkEvent::Resolved, .. } if i == id));
    assert!(
        matches!(resolved, Some((_, ServerMessage::Overtalk { kind: Some(OvertalkKind::Interruption), overlap_s: Some(o), .. })) if *o > 0.25),
        "resolved as an interruption: {resolved:?}"
    );
    assert!(!shopper_got_overtalk, "the shopper is not told");

    // At the end of the call its metrics, insight events and score are stored.
    customer.leave();
    agent.leave();
    let store = gw.state.journal.sink().store().await.unwrap();
    let call = showroom_store::CallId(call_id);
    let deadline = Instant::now() + Duration::from_secs(20);
    let scores = loop {
        let scores = store.list_scores(&call).await.unwrap();
        if !scores.is_empty() || Instant::now() > deadline {
            break scores;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(scores.len(), 1, "scored with the default rubric");
    assert_eq!(scores[0].rubric, "ecommerce-support");
    let metrics = store.get_metrics(&call).await.unwrap().expect("metrics stored");
    eprintln!("metrics {metrics}");
    assert!(metrics["agent_interruptions"].as_f64().unwrap() >= 1.0, "{metrics}");
    let events = store.list_insight_events(&call).await.unwrap();
    assert!(
        events.iter().any(|e| e.kind == "interruption" && e.party == showroom_store::Role::Agent && (e.onset_s - agent_onset).abs() < 0.15),
        "{events:?}"
    );
}
