//! PII redaction on the live path: a shopper reads out a card number, the agent's live
//! transcript shows it masked, and nothing of it reaches the database — checked on the raw
//! bytes of every file the embedded store wrote, not through the API.

mod common;

use std::time::Duration;

use common::{opus_packets, opus_rtp};
use showroom_signaling::{ServerMessage, TranscriptStatus};
use showroom_testkit::Kind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_number_read_out_is_never_stored() {
    let data_dir = tempfile::tempdir().unwrap().keep();
    let dir = data_dir.clone();
    let (gw, gateway) = common::start_transcribing_gateway(move |c| c.store.data_dir = dir).await;
    let (mut customer, mut agent, call_id) = gateway.call_pair().await.unwrap();
    customer.publish(&[Kind::Audio]).await.unwrap();

    // A Mastercard test number. Whisper hears it as a long number with thousands separators
    // ("5,955,955,9454544": a digit or two wrong, as ASR does); in card context any long
    // number is masked.
    let mut audio = showroom_testdata::espeak("en-us", "My credit card number is 5555 5555 5555 4444.").unwrap();
    audio.extend(std::iter::repeat_n(0.0, 16_000));
    audio.extend(showroom_testdata::espeak("en-us", "Thank you.").unwrap());
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for (i, p) in opus_packets(&audio, 2.0).iter().enumerate() {
        tick.tick().await;
        customer.write(Kind::Audio, opus_rtp(i, p));
    }
    let mut finals = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Some(m)) = tokio::time::timeout_at(deadline, agent.messages.recv()).await {
        if let ServerMessage::Transcript { status: TranscriptStatus::Final, text, .. } = m {
            finals.push(text);
            if finals.len() >= 2 {
                break;
            }
        }
    }
    eprintln!("the agent saw: {finals:?}");
    assert!(!finals.is_empty(), "finals arrived");
    customer.leave();
    agent.leave();
    tokio::time::sleep(Duration::from_millis(500)).await;
    gw.state.journal.sync().await;
    let store = gw.state.journal.sink().store().await.unwrap();
    let stored = store.list_segments(&showroom_store::CallId(call_id.clone())).await.unwrap();
    let texts: Vec<&str> = stored.iter().map(|s| s.segment.text.as_str()).collect();
    eprintln!("stored: {texts:?}");
    let card = stored.iter().find(|s| s.segment.redacted && s.segment.text.contains("[card")).unwrap_or_else(|| panic!("the card is masked: {texts:?}"));
    let thanks = stored.iter().find(|s| !s.segment.redacted).expect("an utterance without PII");

    // The recording is published once the transcript is complete, with the card utterance
    // silenced and the rest intact.
    let rec_dir = gw.state.config.recording.dir(&gw.state.config.store);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let rec = loop {
        if let Some(r) = showroom_service::recorder::list(&rec_dir, &call_id).into_iter().find(|r| r.role == "customer") {
            break r;
        }
        assert!(std::time::Instant::now() < deadline, "no published recording of the customer");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let path = rec_dir.join(&call_id).join(format!("{}.ogg", rec.participant));
    let audio = showroom_recording::read_recording(&path).unwrap();
    let rate = f64::from(audio.sample_rate);
    let energy = |from_s: f64, to_s: f64| {
        let (a, b) = (((from_s - rec.start_s) * rate) as usize, ((to_s - rec.start_s) * rate) as usize);
        let part = &audio.channels[0][a.min(audio.channels[0].len())..b.min(audio.channels[0].len())];
        part.iter().map(|x| x * x).sum::<f32>() / part.len().max(1) as f32
    };
    let (card_energy, thanks_energy) = (energy(card.segment.start_s, card.segment.end_s), energy(thanks.segment.start_s, thanks.segment.end_s));
    eprintln!("recording energy: card utterance {card_energy:e}, other {thanks_energy:e}");
    assert!(card_energy < 1e-6, "the card number is audible in the recording: {card_energy}");
    assert!(thanks_energy > 1e-4, "the rest of the call is kept: {thanks_energy}");
    gw.state.journal.sync().await;
    // The search index holds the masked text only: the digits find nothing, "card" finds the
    // call with the masked utterance highlighted.
    for digits in ["5555", "4444", "5555*"] {
        let page = store.search(&showroom_store::SearchQuery::new("default", digits)).await.unwrap();
        assert_eq!(page.total, 0, "{digits} is findable: {page:?}");
    }
    let page = store.search(&showroom_store::SearchQuery::new("default", "card")).await.unwrap();
    assert_eq!(page.hits.len(), 1, "{page:?}");
    let hits = page.hits[0].snippets[0].hits();
    assert!(!hits.is_empty() && hits.iter().all(|h| *h == "card"), "{hits:?}");
    store.close().await;

    // Every byte the embedded store wrote (database, WAL, spool): no number of 8 or more
    // digits written as text, with or without separators (timestamps have at most 6 in a row).
    // (The digits after a decimal point are a fraction — the call's metrics and scores — not
    // a number anyone reads out.)
    let longest_number = |b: &[u8]| {
        let (mut longest, mut run, mut fraction) = (0, 0, false);
        for (i, c) in b.iter().enumerate() {
            if c.is_ascii_digit() {
                if !fraction {
                    run += 1;
                    longest = longest.max(run);
                }
            } else if !(matches!(c, b',' | b' ') && b.get(i + 1).is_some_and(u8::is_ascii_digit) && run > 0) {
                run = 0;
                fraction = *c == b'.';
            }
        }
        longest
    };
    // Recordings are left out of this byte scan (compressed audio can spell digits by chance);
    // their content was checked above: the card utterance is silent.
    let files: Vec<_> = walk(&data_dir).into_iter().filter(|f| !f.starts_with(data_dir.join("recordings"))).collect();
    assert!(files.iter().any(|f| f.extension().is_some_and(|e| e == "db")), "{files:?}");
    for entry in files {
        // The WAL and shared-memory files may go away as the pool closes.
        let Ok(raw) = std::fs::read(&entry) else { continue };
        assert!(longest_number(&raw) < 8, "{} holds a long number", entry.display());
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files
}
