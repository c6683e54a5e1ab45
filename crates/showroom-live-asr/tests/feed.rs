//! Opus RTP from two parties through the feed thread and the pool: each party's utterance is
//! found, attributed to its role, and timed on the call's clock.

use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use showroom_live_asr::{run_feed, AsrMetrics, AsrPool, Hints, LiveEvent, PolicyConfig, Recognition, Recognizer, Speakers, TrackPacket};

/// Reports how much audio it was given, so the test can check what reached recognition.
struct Duration16k;

impl Recognizer for Duration16k {
    fn recognize(&self, audio: &[f32], _hints: &Hints, _cancel: &std::sync::Arc<std::sync::atomic::AtomicBool>) -> Result<Recognition, String> {
        Ok(Recognition { text: format!("{:.1}", audio.len() as f64 / 16_000.0), language: "en".into(), confidence: 1.0 })
    }
    fn model(&self, _hints: &Hints) -> &str {
        "duration"
    }
}

struct Roles;

impl Speakers for Roles {
    fn role(&self, _call: &str, participant: &str) -> Option<String> {
        Some(if participant == "PA_c" { "customer" } else { "agent" }.into())
    }
    fn hints(&self, _call: &str) -> Hints {
        Hints { model: None, language: Some("en".into()), translate: false, prompt: None }
    }
}

/// 20 ms Opus packets of `seconds` of audio: silence with a speech-level 300 Hz–1 kHz warble
/// between `on` and `off` seconds.
fn opus_packets(seconds: f64, on: f64, off: f64) -> Vec<Vec<u8>> {
    let mut enc = opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
    let n_frames = (seconds / 0.02) as usize;
    (0..n_frames)
        .map(|f| {
            let pcm: Vec<f32> = (0..960)
                .map(|i| {
                    let t = (f * 960 + i) as f64 / 48_000.0;
                    if t >= on && t < off {
                        let f0 = 300.0 + 200.0 * (t * 3.0 * std::f64::consts::TAU).sin();
                        (0.3 * (t * f0 * std::f64::consts::TAU).sin() + 0.1 * (t * 3.1 * f0 * std::f64::consts::TAU).sin()) as f32
                    } else {
                        0.0
                    }
                })
                .collect();
            enc.encode_vec_float(&pcm, 4000).unwrap()
        })
        .collect()
}

#[test]
fn two_parties_are_segmented_attributed_and_timed_on_the_call_clock() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let pool = Arc::new(
        AsrPool::start(Arc::new(Duration16k), 1, PolicyConfig::default(), AsrMetrics::unregistered(), move |e| sink.lock().unwrap().push(e))
            .unwrap(),
    );
    let (tx, rx) = mpsc::channel();
    let feed_pool = pool.clone();
    let feed = std::thread::spawn(move || run_feed(rx, feed_pool, Roles, Default::default()));

    // The customer speaks 0.5–2.0 s; the agent joins the stream 1 s later and speaks 1.0–2.0 s
    // of its own stream, i.e. 2.0–3.0 s of the call.
    let customer = opus_packets(4.0, 0.5, 2.0);
    let agent = opus_packets(3.0, 1.0, 2.0);
    let t0 = Instant::now();
    for i in 0..customer.len() {
        let at = t0 + Duration::from_millis(20 * i as u64);
        let send = |participant: &str, track: &str, seq: usize, payload: &[u8]| {
            tx.send(TrackPacket {
                call: "CA_1".into(),
                participant: participant.into(),
                track: track.into(),
                seq: seq as u16,
                timestamp: (seq * 960) as u32,
                payload: bytes::Bytes::copy_from_slice(payload),
                arrival: at,
            })
            .unwrap();
        };
        send("PA_c", "TR_c", i, &customer[i]);
        if i >= 50 {
            send("PA_a", "TR_a", i - 50, &agent[i - 50]);
        }
        // Real time, so the feed's silence timers run as in a call.
        std::thread::sleep(Duration::from_millis(20).saturating_sub(t0.elapsed().saturating_sub(Duration::from_millis(20 * i as u64))));
    }
    drop(tx);
    feed.join().unwrap();
    Arc::try_unwrap(pool).ok().expect("feed dropped its handle").shutdown();

    let events = events.lock().unwrap();
    let finals: Vec<(String, f64, f64)> = events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Final { stream, start, end, .. } => Some((stream.role.clone(), *start, *end)),
            _ => None,
        })
        .collect();
    assert_eq!(finals.len(), 2, "one utterance per party: {finals:?}");
    let customer = finals.iter().find(|f| f.0 == "customer").expect("customer final");
    let agent = finals.iter().find(|f| f.0 == "agent").expect("agent final");
    assert!((customer.1 - 0.5).abs() < 0.35 && (customer.2 - 2.0).abs() < 0.5, "customer {customer:?}");
    assert!((agent.1 - 2.0).abs() < 0.35 && (agent.2 - 3.0).abs() < 0.5, "agent on the call clock {agent:?}");
    assert!(events.iter().any(|e| matches!(e, LiveEvent::Partial { stream, .. } if stream.role == "customer")), "partials while speaking");
}
