//! Live path: a real recording published as Opus RTP into a call comes back to the agent as
//! partial and final transcripts, accurate and on the call's clock.

mod common;

use std::time::Duration;

use showroom_signaling::{ClientMessage, Role, ServerMessage, TranscriptStatus};
use showroom_testkit::Kind;

/// Where the words are in the clip, read off its 100 ms level profile: "And" rises from -43 to
/// -17 dBFS at 0.3 s; "country" falls below -30 dBFS at 10.2 s (the clip then ends in applause).
const JFK_SPEECH: (f64, f64) = (0.3, 10.2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reads_what_the_shopper_says_while_they_say_it() {
    let (gw, gateway) = common::start_transcribing_gateway(|_| {}).await;
    let (mut customer, mut agent, call_id) = gateway.call_pair().await.unwrap();
    customer.publish(&[Kind::Audio]).await.unwrap();
    // The shopper turns captions on, so they get the transcript of themselves too.
    customer.send(&ClientMessage::SetCaptions { enabled: true });

    let clip = showroom_testdata::jfk().expect("JFK clip");
    let (speech_start, speech_end) = JFK_SPEECH;
    // The clip, then a second and a half of silence so the last utterance closes.
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for (i, payload) in common::opus_packets(&clip.audio, 1.5).iter().enumerate() {
        tick.tick().await;
        customer.write(Kind::Audio, common::opus_rtp(i, payload));
    }

    // Collect until four quiet seconds after a final (or 25 s in all).
    let mut transcripts = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(25);
    let mut until = deadline;
    loop {
        match tokio::time::timeout_at(until, agent.messages.recv()).await {
            Ok(Some(m @ ServerMessage::Transcript { .. })) => {
                if !matches!(m, ServerMessage::Transcript { status: TranscriptStatus::Partial, .. }) {
                    until = (tokio::time::Instant::now() + Duration::from_secs(4)).min(deadline);
                }
                transcripts.push(m);
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    let finals: Vec<(String, f64, f64)> = transcripts
        .iter()
        .filter_map(|m| match m {
            ServerMessage::Transcript { status: TranscriptStatus::Final, text, start_s, end_s, role, .. } => {
                assert_eq!(*role, Role::Customer);
                Some((text.clone(), *start_s, *end_s))
            }
            _ => None,
        })
        .collect();
    let partials = transcripts.iter().filter(|m| matches!(m, ServerMessage::Transcript { status: TranscriptStatus::Partial, .. })).count();
    let text = finals.iter().map(|f| f.0.as_str()).collect::<Vec<_>>().join(" ");
    let wer = showroom_asr::wer::word_error_rate(showroom_testdata::JFK_TEXT, &text);
    eprintln!("{partials} partials, {} finals, WER {:.1} %: {text:?}", finals.len(), wer * 100.0);
    eprintln!("speech {speech_start:.2}–{speech_end:.2} s; finals {:?}", finals.iter().map(|f| (f.1, f.2)).collect::<Vec<_>>());
    // JFK's four utterances last 1.4–2.5 s, so each has one or two partial windows.
    assert!(partials >= 2, "partials while speaking");
    assert!(!finals.is_empty());
    assert!(wer <= 0.15, "WER {wer}");
    assert!((finals.first().unwrap().1 - speech_start).abs() <= 0.5, "first final starts with the speech");
    assert!((finals.last().unwrap().2 - speech_end).abs() <= 0.5, "last final ends with the speech");
    // Captions reached the shopper too.
    let mut customer_got = false;
    while let Ok(m) = customer.messages.try_recv() {
        customer_got |= matches!(m, ServerMessage::Transcript { .. });
    }
    assert!(customer_got, "the shopper with captions on got transcripts");

    // The finals are stored as they came, with speaker, times, language and confidence.
    customer.leave();
    agent.leave();
    tokio::time::sleep(Duration::from_millis(500)).await;
    gw.state.journal.sync().await;
    let store = gw.state.journal.sink().store().await.expect("the embedded database is up");
    let call = showroom_store::CallId(call_id);
    let stored = store.list_segments(&call).await.unwrap();
    assert_eq!(stored.len(), finals.len(), "every final stored once");
    for (s, (text, start, end)) in stored.iter().zip(&finals) {
        let s = &s.segment;
        assert_eq!((&s.text, s.start_s, s.end_s), (text, *start, *end));
        assert_eq!(s.role, showroom_store::Role::Customer);
        assert_eq!(s.language.as_deref(), Some("en"));
        assert!(s.confidence.is_some_and(|c| c > 0.3), "{:?}", s.confidence);
        assert_eq!(s.status, showroom_store::SegmentStatus::Final);
    }
    let call = store.get_call(&call).await.unwrap().expect("the call is stored");
    assert!(call.answered_at.is_some() && call.ended_at.is_some(), "{call:?}");
    assert_eq!(store.list_participants(&call.id).await.unwrap().len(), 2);
}
