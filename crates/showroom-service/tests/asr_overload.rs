//! Overload: three times more speaking streams than the ASR budget. Media keeps flowing, the
//! lag metric rises, and every utterance ends as a final or as an explicit "not transcribed"
//! record — nothing is dropped silently.
//!
//! The budget is shown, not assumed: one recognizer thread with the multilingual `base` model
//! (3–4× the cost of `tiny.en`) first carries one call — two parties talking over each other
//! all the time — without lag; then three such calls share it, and a final may wait at most 2 s.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{metric, opus_packets, opus_rtp, start_gateway_with};
use showroom_signaling::{ServerMessage, TranscriptStatus};
use showroom_testkit::{CallClient, Gateway, Kind, PeerEvent};

const BUDGET_CALLS: usize = 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_times_the_asr_budget_degrades_transcripts_not_media() {
    let model = common::whisper_model(showroom_asr_model::ModelName::Base).await;
    let (gw, gateway) = start_gateway_with(|c| {
        c.asr.enabled = true;
        c.asr.model = "base".into();
        c.asr.model_path = Some(model);
        c.asr.language = "en".into();
        c.asr.workers = 1;
        c.asr.max_final_wait_s = 2.0;
    })
    .await;
    assert!(gw.transcripts);

    // Customers read LibriVox sentences, agents JFK and one more: both talk all the time.
    let librivox = showroom_testdata::librivox().unwrap();
    let jfk = showroom_testdata::jfk().unwrap();
    let script = |clips: Vec<&Vec<f32>>| {
        let mut audio = Vec::new();
        for c in clips {
            audio.extend_from_slice(c);
            audio.extend(std::iter::repeat_n(0.0f32, 8_000)); // half a second between sentences
        }
        opus_packets(&audio, 1.5)
    };
    let script = Script {
        customer: script(vec![&librivox[0].audio, &librivox[3].audio]),
        agent: script(vec![&jfk.audio, &librivox[4].audio]),
    };

    let within = run_phase(&gateway, &script, BUDGET_CALLS).await;
    eprintln!("budget ({} streams): {within:?}", BUDGET_CALLS * 2);
    assert!(within.max_lag < 1.0, "the budget keeps up: max lag {}", within.max_lag);
    assert_eq!(within.not_transcribed, 0.0, "the budget transcribes everything");

    let over = run_phase(&gateway, &script, 3 * BUDGET_CALLS).await;
    eprintln!("3× the budget ({} streams): {over:?}", 3 * BUDGET_CALLS * 2);
    assert!(over.max_lag >= 0.5 && over.max_lag > 2.0 * within.max_lag, "the lag metric rose under overload: {over:?}");
    assert!(over.partials_skipped > 0.0, "partials degraded first");
    assert!(over.transcribed + over.not_transcribed == over.queued && over.queued > 0.0, "the pool settled every utterance");
}

struct Script {
    customer: Vec<Vec<u8>>,
    agent: Vec<Vec<u8>>,
}

#[derive(Debug)]
struct Phase {
    max_lag: f64,
    queued: f64,
    transcribed: f64,
    not_transcribed: f64,
    partials_skipped: f64,
}

/// `calls` calls talk through `script` at once; media and transcripts are checked, and the
/// phase's ASR figures (counter deltas, the max lag sampled every 200 ms) returned.
async fn run_phase(gateway: &Gateway, script: &Script, calls: usize) -> Phase {
    let before = gateway.get_text("/metrics").await.unwrap();
    let mut clients: Vec<(CallClient, CallClient)> = Vec::new();
    for _ in 0..calls {
        let (mut customer, mut agent, _) = gateway.call_pair().await.unwrap();
        customer.publish(&[Kind::Audio]).await.unwrap();
        agent.publish(&[Kind::Audio]).await.unwrap();
        clients.push((customer, agent));
    }

    let sampling = Arc::new(AtomicBool::new(true));
    let scraper = {
        let gateway = Gateway::from_base(gateway.base.clone());
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut max_lag = 0f64;
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            while sampling.load(Ordering::Relaxed) {
                tick.tick().await;
                let text = gateway.get_text("/metrics").await.expect("metrics while loaded");
                max_lag = max_lag.max(metric(&text, "showroom_asr_lag_seconds"));
            }
            max_lag
        })
    };

    // Everyone talks at once, 50 packets a second each; what arrives is recorded meanwhile.
    let mut media: HashMap<String, Vec<Instant>> = HashMap::new();
    let mut transcripts: Vec<ServerMessage> = Vec::new();
    let n = script.customer.len().max(script.agent.len());
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for i in 0..n {
        tick.tick().await;
        for (customer, agent) in &clients {
            if let Some(p) = script.customer.get(i) {
                customer.write(Kind::Audio, opus_rtp(i, p));
            }
            if let Some(p) = script.agent.get(i) {
                agent.write(Kind::Audio, opus_rtp(i, p));
            }
        }
        drain(&mut clients, &mut media, &mut transcripts);
    }

    // Then until the pool has settled every utterance of the phase (a minute at most).
    let counter = |text: &str, name: &str| metric(text, name) - metric(&before, name);
    let deadline = Instant::now() + Duration::from_secs(60);
    let settled = loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        drain(&mut clients, &mut media, &mut transcripts);
        let text = gateway.get_text("/metrics").await.unwrap();
        let queued = counter(&text, "showroom_asr_finals_queued_total");
        let done = counter(&text, "showroom_asr_finals_transcribed_total") + counter(&text, "showroom_asr_not_transcribed_total");
        if (queued > 0.0 && queued == done) || Instant::now() > deadline {
            break text;
        }
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    drain(&mut clients, &mut media, &mut transcripts);
    sampling.store(false, Ordering::Relaxed);
    let max_lag = scraper.await.unwrap();

    // Media kept flowing: every receiver got nearly all 50 packets/s of its peer, no stalls.
    let customers: BTreeSet<String> = clients.iter().map(|(c, _)| c.participant_id.clone()).collect();
    assert_eq!(media.len(), calls * 2, "everyone received the other party");
    for (receiver, arrivals) in &media {
        let expected = if customers.contains(receiver) { script.agent.len() } else { script.customer.len() };
        let longest_gap = arrivals.windows(2).map(|w| w[1] - w[0]).max().unwrap_or_default();
        assert!(arrivals.len() * 100 >= expected * 97, "{receiver} got {} of {expected}", arrivals.len());
        assert!(longest_gap < Duration::from_millis(250), "{receiver}: media stalled for {longest_gap:?}");
    }

    // Every utterance ended as exactly one final or not-transcribed record, at the agent.
    let mut terminal: BTreeMap<(String, u64), usize> = BTreeMap::new();
    let mut seen: BTreeSet<(String, u64)> = BTreeSet::new();
    for m in &transcripts {
        if let ServerMessage::Transcript { participant_id, utterance, status, .. } = m {
            seen.insert((participant_id.clone(), *utterance));
            if *status != TranscriptStatus::Partial {
                *terminal.entry((participant_id.clone(), *utterance)).or_default() += 1;
            }
        }
    }
    assert!(terminal.values().all(|n| *n == 1), "one terminal record per utterance");
    let open: Vec<_> = seen.iter().filter(|k| !terminal.contains_key(*k)).collect();
    assert!(open.is_empty(), "utterances that never ended: {open:?}");
    let queued = counter(&settled, "showroom_asr_finals_queued_total");
    assert_eq!(terminal.len() as f64, queued, "the agents got a record of every utterance the pool queued");
    let speakers: BTreeSet<&String> = terminal.keys().map(|(p, _)| p).collect();
    assert_eq!(speakers.len(), calls * 2, "every speaker's utterances are accounted for");
    for (customer, agent) in &clients {
        customer.leave();
        agent.leave();
    }
    Phase {
        max_lag,
        queued,
        transcribed: counter(&settled, "showroom_asr_finals_transcribed_total"),
        not_transcribed: counter(&settled, "showroom_asr_not_transcribed_total"),
        partials_skipped: counter(&settled, "showroom_asr_partials_skipped_total"),
    }
}

fn drain(clients: &mut [(CallClient, CallClient)], media: &mut HashMap<String, Vec<Instant>>, transcripts: &mut Vec<ServerMessage>) {
    for (customer, agent) in clients.iter_mut() {
        for client in [customer, agent] {
            while let Ok(ev) = client.media.try_recv() {
                if let PeerEvent::Rtp(r) = ev
                    && r.kind == Kind::Audio
                {
                    media.entry(client.participant_id.clone()).or_default().push(r.arrival);
                }
            }
            while let Ok(m) = client.messages.try_recv() {
                // Agents get both parties' transcripts; the customer (captions off) none.
                if matches!(m, ServerMessage::Transcript { .. }) {
                    transcripts.push(m);
                }
            }
        }
    }
}
