//! The pool's scheduling with a recognizer of known cost. (The same path with Whisper itself is
//! covered by the live transcription tests of the service.)

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use showroom_live_asr::{AsrMetrics, AsrPool, Hints, LiveEvent, Mode, PolicyConfig, Recognition, Recognizer, StreamKey, Utterance};

/// "Recognises" the first `n` words of a script, n growing with the audio length, and takes
/// a fixed time per pass — a stand-in whose cost and output are exactly known.
struct Scripted {
    cost: Duration,
    words: Vec<&'static str>,
}

impl Recognizer for Scripted {
    fn recognize(&self, audio: &[f32], _hints: &Hints, _cancel: &std::sync::Arc<std::sync::atomic::AtomicBool>) -> Result<Recognition, String> {
        std::thread::sleep(self.cost);
        let n = (audio.len() / 8_000).min(self.words.len()); // a word per half second
        Ok(Recognition { text: self.words[..n].join(" "), language: "en".into(), confidence: 0.9 })
    }
    fn model(&self, _hints: &Hints) -> &str {
        "scripted"
    }
}

fn stream(i: usize) -> StreamKey {
    StreamKey { call: "CA_1".into(), participant: format!("PA_{i}"), role: "customer".into() }
}

fn utterance(s: usize, id: u64, seconds: f64) -> Utterance {
    Utterance {
        stream: stream(s),
        utterance: id,
        start: 0.0,
        end: seconds,
        audio: vec![0.0f32; (seconds * 16_000.0) as usize].into(),
        hints: Hints::default(),
    }
}

fn pool(cost_ms: u64, workers: usize, policy: PolicyConfig) -> (AsrPool, Arc<Mutex<Vec<LiveEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let words = "and so my fellow americans ask not what your country can do for you".split(' ').collect();
    let pool = AsrPool::start(
        Arc::new(Scripted { cost: Duration::from_millis(cost_ms), words }),
        workers,
        policy,
        AsrMetrics::unregistered(),
        move |e| sink.lock().unwrap().push(e),
    )
    .unwrap();
    (pool, events)
}

#[test]
fn partials_stabilise_and_the_final_closes_the_utterance() {
    let (pool, events) = pool(5, 1, PolicyConfig { partial_interval: Duration::ZERO, ..Default::default() });
    for half_seconds in 2..=6 {
        pool.submit_partial(utterance(0, 1, half_seconds as f64 / 2.0), Instant::now());
        std::thread::sleep(Duration::from_millis(30));
    }
    pool.submit_final(utterance(0, 1, 3.0), Instant::now());
    pool.shutdown();
    let events = events.lock().unwrap();
    let partials: Vec<(&str, &str)> = events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Partial { committed, tentative, .. } => Some((committed.as_str(), tentative.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(partials.first(), Some(&("", "and so")), "nothing is committed on the first pass");
    assert!(partials.iter().any(|(c, _)| c.starts_with("and so my")), "{partials:?}");
    // Committed text never shrinks.
    assert!(partials.windows(2).all(|w| w[1].0.starts_with(w[0].0)), "{partials:?}");
    assert!(matches!(events.last(), Some(LiveEvent::Final { text, .. }) if text == "and so my fellow americans ask"));
}

#[test]
fn overload_degrades_in_order_and_every_final_is_accounted_for() {
    let policy = PolicyConfig {
        partial_interval: Duration::from_millis(100),
        slow_partial_interval: Duration::from_millis(300),
        max_final_wait: Duration::from_millis(700),
    };
    // One worker at 40 ms a pass, twelve speakers each producing an utterance every 100 ms:
    // three times more speech than the pool can take.
    let (pool, events) = pool(40, 1, policy);
    let started = Instant::now();
    let mut submitted_finals = 0;
    let mut modes = Vec::new();
    let mut id = 0;
    while started.elapsed() < Duration::from_millis(1500) {
        for s in 0..12 {
            id += 1;
            pool.submit_partial(utterance(s, id, 1.0), Instant::now());
            pool.submit_final(utterance(s, id, 1.5), Instant::now());
            submitted_finals += 1;
        }
        modes.push(pool.mode(Instant::now()));
        std::thread::sleep(Duration::from_millis(100));
    }
    pool.shutdown();
    assert!(modes.contains(&Mode::FinalsOnly), "the pool fell back to finals only: {modes:?}");
    let events = events.lock().unwrap();
    let finals = events.iter().filter(|e| matches!(e, LiveEvent::Final { .. })).count();
    let dropped = events.iter().filter(|e| matches!(e, LiveEvent::NotTranscribed { .. })).count();
    assert_eq!(finals + dropped, submitted_finals, "every final ends as a transcript or a not-transcribed record");
    assert!(finals > 0 && dropped > 0, "finals {finals}, not transcribed {dropped}");
}

#[test]
fn a_partial_not_yet_started_when_its_final_arrives_is_not_run() {
    let (pool, events) = pool(50, 1, PolicyConfig { partial_interval: Duration::ZERO, ..Default::default() });
    // Keep the worker busy, then queue a partial and at once the final of the same utterance.
    pool.submit_final(utterance(1, 1, 1.0), Instant::now());
    pool.submit_partial(utterance(0, 7, 1.0), Instant::now());
    pool.submit_final(utterance(0, 7, 2.0), Instant::now());
    pool.shutdown();
    let events = events.lock().unwrap();
    assert!(!events.iter().any(|e| matches!(e, LiveEvent::Partial { utterance: 7, .. })), "{events:?}");
    assert_eq!(events.iter().filter(|e| matches!(e, LiveEvent::Final { .. })).count(), 2);
}

#[test]
fn a_running_partial_is_still_shown_while_its_final_waits() {
    // Two workers: the partial is running when the final is queued behind other work.
    let (pool, events) = pool(80, 2, PolicyConfig { partial_interval: Duration::ZERO, ..Default::default() });
    pool.submit_partial(utterance(0, 3, 1.0), Instant::now());
    std::thread::sleep(Duration::from_millis(10));
    pool.submit_final(utterance(1, 1, 1.0), Instant::now());
    pool.submit_final(utterance(0, 3, 2.0), Instant::now());
    pool.shutdown();
    let events = events.lock().unwrap();
    let partial_at = events.iter().position(|e| matches!(e, LiveEvent::Partial { utterance: 3, .. }));
    let final_at = events.iter().position(|e| matches!(e, LiveEvent::Final { utterance: 3, .. }));
    assert!(partial_at.is_some() && partial_at < final_at, "{events:?}");
}

/// Counts recognizer passes, to tell a final answered from a pause candidate from one decoded.
struct Counting {
    passes: Arc<Mutex<Vec<usize>>>,
    cost: Duration,
}

impl Recognizer for Counting {
    fn recognize(&self, audio: &[f32], _hints: &Hints, _cancel: &std::sync::Arc<std::sync::atomic::AtomicBool>) -> Result<Recognition, String> {
        std::thread::sleep(self.cost);
        self.passes.lock().unwrap().push(audio.len());
        Ok(Recognition { text: format!("{} samples", audio.len()), language: "en".into(), confidence: 0.9 })
    }
    fn model(&self, _hints: &Hints) -> &str {
        "counting"
    }
}

type Shared<T> = Arc<Mutex<Vec<T>>>;

fn counting_pool(cost_ms: u64) -> (AsrPool, Shared<LiveEvent>, Shared<usize>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let passes = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let recognizer = Counting { passes: passes.clone(), cost: Duration::from_millis(cost_ms) };
    let pool = AsrPool::start(Arc::new(recognizer), 1, PolicyConfig::default(), AsrMetrics::unregistered(), move |e| sink.lock().unwrap().push(e)).unwrap();
    (pool, events, passes)
}

#[test]
fn a_pause_candidate_with_the_finals_audio_becomes_the_final_without_another_pass() {
    // Done before the utterance closes: the final is answered at once.
    let (pool, events, passes) = counting_pool(20);
    pool.submit_pause(utterance(0, 1, 2.0), Instant::now());
    std::thread::sleep(Duration::from_millis(100));
    pool.submit_final(utterance(0, 1, 2.0), Instant::now());
    assert!(
        events.lock().unwrap().iter().any(|e| matches!(e, LiveEvent::Final { text, .. } if text == "32000 samples")),
        "answered from the candidate, without waiting for a pass"
    );
    pool.shutdown();
    assert_eq!(*passes.lock().unwrap(), vec![32_000], "one pass in all");

    // Still running when the utterance closes: the final waits for it rather than queueing.
    let (pool, events, passes) = counting_pool(200);
    pool.submit_pause(utterance(0, 1, 2.0), Instant::now());
    std::thread::sleep(Duration::from_millis(50));
    pool.submit_final(utterance(0, 1, 2.0), Instant::now());
    pool.shutdown();
    assert_eq!(*passes.lock().unwrap(), vec![32_000]);
    let events = events.lock().unwrap();
    assert!(matches!(events.last(), Some(LiveEvent::Final { utterance: 1, .. })), "{events:?}");
    assert_eq!(events.iter().filter(|e| matches!(e, LiveEvent::Final { .. })).count(), 1);
}

#[test]
fn a_pause_candidate_is_not_the_final_when_the_speaker_went_on() {
    let (pool, events, passes) = counting_pool(20);
    pool.submit_pause(utterance(0, 1, 2.0), Instant::now());
    std::thread::sleep(Duration::from_millis(100));
    // The speaker went on: the utterance closes longer, and the final is decoded afresh.
    pool.submit_final(utterance(0, 1, 3.5), Instant::now());
    pool.shutdown();
    assert_eq!(*passes.lock().unwrap(), vec![32_000, 56_000]);
    let events = events.lock().unwrap();
    let finals: Vec<&LiveEvent> = events.iter().filter(|e| matches!(e, LiveEvent::Final { .. })).collect();
    assert!(matches!(finals.as_slice(), [LiveEvent::Final { text, .. }] if text == "56000 samples"), "{finals:?}");
    // The candidate was shown as a partial meanwhile.
    assert!(matches!(events.first(), Some(LiveEvent::Partial { tentative, .. }) if tentative == "32000 samples"));
}

/// Takes `cost` per pass unless cancelled, checking the flag as whisper.cpp does between steps.
struct Cancellable {
    cost: Duration,
    cancelled: Arc<Mutex<usize>>,
}

impl Recognizer for Cancellable {
    fn recognize(&self, audio: &[f32], _hints: &Hints, cancel: &std::sync::Arc<std::sync::atomic::AtomicBool>) -> Result<Recognition, String> {
        let until = Instant::now() + self.cost;
        while Instant::now() < until {
            if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                *self.cancelled.lock().unwrap() += 1;
                return Err("cancelled".into());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(Recognition { text: format!("{} samples", audio.len()), language: "en".into(), confidence: 0.9 })
    }
    fn model(&self, _hints: &Hints) -> &str {
        "cancellable"
    }
}

#[test]
fn a_final_does_not_wait_behind_a_running_partial() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let cancelled = Arc::new(Mutex::new(0));
    let sink = events.clone();
    let recognizer = Cancellable { cost: Duration::from_millis(400), cancelled: cancelled.clone() };
    let pool = AsrPool::start(Arc::new(recognizer), 1, PolicyConfig::default(), AsrMetrics::unregistered(), move |e| sink.lock().unwrap().push((Instant::now(), e))).unwrap();
    // Stream 1's partial occupies the only worker; stream 0's utterance ends meanwhile.
    pool.submit_partial(utterance(1, 7, 3.0), Instant::now());
    std::thread::sleep(Duration::from_millis(50));
    let ended = Instant::now();
    pool.submit_final(utterance(0, 1, 2.0), ended);
    pool.shutdown();
    let events = events.lock().unwrap();
    let (at, _) = events.iter().find(|(_, e)| matches!(e, LiveEvent::Final { .. })).expect("the final");
    let waited = at.duration_since(ended);
    assert!(waited < Duration::from_millis(400 + 150), "the final took {waited:?}: it waited for the partial");
    assert_eq!(*cancelled.lock().unwrap(), 1, "the partial gave way");
    assert!(!events.iter().any(|(_, e)| matches!(e, LiveEvent::Partial { .. })), "a cancelled partial shows nothing");
}
