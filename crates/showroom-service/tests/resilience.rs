//! Late joiners, lost signaling sockets, lost ICE paths and mute, over real WebRTC.

mod common;

use std::time::{Duration, Instant};

use common::{metric, publishing_pair, pump, start_gateway, start_gateway_with, token, Sources};
use showroom_signaling::{LeaveReason, Role, ServerMessage};
use showroom_testkit::{CallClient, Kind, Outbound};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_supervisor_gets_a_keyframe_within_one_second() {
    let (gw, gateway) = start_gateway().await;
    let (mut customer, mut agent, call_id, mut cs, mut as_) = publishing_pair(&gateway).await;
    let sup_token = token(&gw, Role::Supervisor, Some(&call_id), 60, true);
    let url = gateway.signal_url();
    let late = async {
        // Publishers have been sending for a while (keyframes only every 10 s, so only a PLI
        // can produce one in time).
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let mut sup = CallClient::connect(&url, &sup_token).await.unwrap();
        let joined_at = Instant::now();
        let got = pump(&mut sup, None, Duration::from_secs(2)).await;
        (joined_at, got)
    };
    let (_, _, (joined_at, got)) = tokio::join!(
        pump(&mut customer, Some(&mut cs), Duration::from_secs(4)),
        pump(&mut agent, Some(&mut as_), Duration::from_secs(4)),
        late
    );
    let first = got.first_keyframe_at.expect("supervisor received a keyframe");
    let delay = first.duration_since(joined_at);
    eprintln!("late joiner keyframe after {delay:?}");
    assert!(delay < Duration::from_secs(1), "keyframe took {delay:?}");
    assert_eq!(got.corrupt, 0);
    assert!(got.count(&customer.participant_id, Kind::Video) > 0 && got.count(&agent.participant_id, Kind::Video) > 0);
    assert!(got.count(&customer.participant_id, Kind::Audio) > 0 && got.count(&agent.participant_id, Kind::Audio) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_socket_and_ice_path_resume_without_the_other_party_noticing() {
    let (_gw, gateway) = start_gateway().await;
    let (mut customer, mut agent, _, mut cs, mut as_) = publishing_pair(&gateway).await;
    let cid = customer.participant_id.clone();
    let _ = tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(1)), pump(&mut agent, Some(&mut as_), Duration::from_secs(1)));

    // The customer's signaling dies and both its ICE paths move to new sockets.
    customer.drop_signaling();
    let _ = tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(3)), pump(&mut agent, Some(&mut as_), Duration::from_secs(3)));
    let started = Instant::now();
    let joined = customer.resume().await.expect("resume accepted");
    assert!(matches!(joined, ServerMessage::Joined { resumed: true, .. }), "{joined:?}");
    // Both its paths move to new sockets: ICE restarts on both connections.
    customer.restart_publisher_ice().await.expect("publisher ICE restart");
    customer.restart_subscriber_ice().await.expect("subscriber ICE restart");
    let (got_by_customer, got_by_agent) =
        tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(3)), pump(&mut agent, Some(&mut as_), Duration::from_secs(3)));
    eprintln!("resumed in {:?}", started.elapsed());
    assert!(got_by_agent.count(&cid, Kind::Audio) > 75, "agent got {} audio after resume", got_by_agent.count(&cid, Kind::Audio));
    assert!(got_by_agent.count(&cid, Kind::Video) > 100);
    assert!(got_by_customer.count(&agent.participant_id, Kind::Audio) > 75, "customer got {} audio after resume", got_by_customer.count(&agent.participant_id, Kind::Audio));
    assert!(got_by_customer.count(&agent.participant_id, Kind::Video) > 100);
    // The agent never saw the customer leave.
    while let Ok(m) = agent.messages.try_recv() {
        assert!(!matches!(m, ServerMessage::ParticipantLeft { .. }), "agent saw {m:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_not_resuming_in_time_is_reported_gone() {
    let (_gw, gateway) = start_gateway_with(|c| c.calls.resume_window_s = 1).await;
    let (mut customer, mut agent, _) = gateway.call_pair().await.unwrap();
    let cid = customer.participant_id.clone();
    customer.drop_signaling();
    let left = agent
        .expect(Duration::from_secs(5), |m| matches!(m, ServerMessage::ParticipantLeft { .. }))
        .await
        .expect("participant_left arrives");
    assert_eq!(left, ServerMessage::ParticipantLeft { participant_id: cid, reason: LeaveReason::Timeout });
    assert!(customer.resume().await.unwrap_err().to_string().contains("resume_failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mute_pauses_forwarding_and_unmute_restarts_with_a_keyframe() {
    let (_gw, gateway) = start_gateway().await;
    let (mut customer, mut agent, _) = gateway.call_pair().await.unwrap();
    let mut cs = Sources::default();
    customer.publish(&[Kind::Audio, Kind::Video]).await.unwrap();
    let cid = customer.participant_id.clone();
    let (_, before) = tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(1)), pump(&mut agent, None, Duration::from_secs(1)));
    assert!(before.count(&cid, Kind::Video) > 40, "{before:?}");
    // The video transceiver is the second m-section of our offer.
    customer.send(&showroom_signaling::ClientMessage::Mute { id: None, mid: "1".into(), muted: true });
    let muted = agent.expect(Duration::from_secs(3), |m| matches!(m, ServerMessage::TrackMuted { .. })).await.unwrap();
    assert!(matches!(muted, ServerMessage::TrackMuted { muted: true, .. }));
    let (_, during) = tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(1)), pump(&mut agent, None, Duration::from_secs(1)));
    assert_eq!(during.count(&cid, Kind::Video), 0, "video forwarded while muted");
    assert!(during.count(&cid, Kind::Audio) > 30, "audio must keep flowing: {during:?}");
    customer.send(&showroom_signaling::ClientMessage::Mute { id: None, mid: "1".into(), muted: false });
    let (_, after) = tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(1)), pump(&mut agent, None, Duration::from_secs(1)));
    assert!(after.first_keyframe_at.is_some(), "unmuted video restarts on a keyframe");
    assert!(after.count(&cid, Kind::Video) > 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaving_participant_is_announced_and_its_tracks_unpublished() {
    let (_gw, gateway) = start_gateway().await;
    let (mut customer, mut agent, _) = gateway.call_pair().await.unwrap();
    customer.publish(&[Kind::Audio]).await.unwrap();
    let cid = customer.participant_id.clone();
    let mut cs = Sources::default();
    let _ = tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_millis(500)), pump(&mut agent, None, Duration::from_millis(500)));
    customer.leave();
    // Events from the SFU (unpublish, renegotiation) and from the registry (left) take
    // different routes: collect until all three have arrived.
    let mut seen = Vec::new();
    let complete = |seen: &[ServerMessage]| {
        seen.iter().any(|m| matches!(m, ServerMessage::TrackUnpublished { .. }))
            && seen.iter().any(|m| matches!(m, ServerMessage::ParticipantLeft { .. }))
            && seen.iter().any(|m| matches!(m, ServerMessage::Offer { tracks, .. } if tracks.is_empty()))
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !complete(&seen) {
        match tokio::time::timeout_at(deadline, agent.messages.recv()).await {
            Ok(Some(m)) => seen.push(m),
            _ => break,
        }
    }
    let kinds: Vec<String> = seen.iter().map(|m| format!("{m:?}").chars().take(60).collect()).collect();
    assert!(seen.iter().any(|m| matches!(m, ServerMessage::TrackUnpublished { participant_id, .. } if *participant_id == cid)), "{kinds:#?}");
    assert!(seen.contains(&ServerMessage::ParticipantLeft { participant_id: cid, reason: LeaveReason::Left }), "{seen:?}");
    // The agent stays connected: its socket still answers.
    agent.send(&showroom_signaling::ClientMessage::Ping { ts: Some(7.0) });
    agent.expect(Duration::from_secs(3), |m| matches!(m, ServerMessage::Pong { ts: Some(t), .. } if *t == 7.0)).await.unwrap();
    // The agent's subscriber connection is renegotiated without the track.
    assert!(seen.iter().any(|m| matches!(m, ServerMessage::Offer { tracks, .. } if tracks.is_empty())), "{seen:?}");
}


/// A busy browser's consent pings can be seconds late; the media it keeps sending proves the
/// path is alive (vendor/rtc/PATCHES.md). A peer that sends nothing at all is still noticed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_alone_keeps_the_connection_alive_and_silence_does_not() {
    // Short liveness timeouts so the test takes seconds; keepalive ticks every 2 s.
    let (_gw, gateway) = start_gateway_with(|c| {
        c.sfu.ice_disconnected_after_ms = 2_000;
        c.sfu.ice_failed_after_ms = 60_000;
    })
    .await;
    let (mut customer, mut agent, _, mut cs, mut as_) = publishing_pair(&gateway).await;
    let cid = customer.participant_id.clone();
    let disconnects = |text: &str| metric(text, "showroom_sfu_ice_disconnects_total");
    let _ = tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(1)), pump(&mut agent, Some(&mut as_), Duration::from_secs(1)));
    let before = disconnects(&gateway.get_text("/metrics").await.unwrap());

    // 6 s without a single STUN packet from the customer (three times the timeout), media on.
    customer.set_outbound(Outbound::NoStun);
    let (_, got) = tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(6)), pump(&mut agent, Some(&mut as_), Duration::from_secs(6)));
    let after_media = disconnects(&gateway.get_text("/metrics").await.unwrap());
    assert_eq!(after_media, before, "a connection carrying media was declared disconnected");
    assert!(got.count(&cid, Kind::Audio) > 250, "customer audio kept flowing: {}", got.count(&cid, Kind::Audio));

    // Now nothing leaves the customer: both its connections must be noticed.
    customer.set_outbound(Outbound::Nothing);
    let silent_since = Instant::now();
    let mut after_silence = before;
    while after_silence < before + 2.0 && silent_since.elapsed() < Duration::from_secs(10) {
        let _ = tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_millis(500)), pump(&mut agent, Some(&mut as_), Duration::from_millis(500)));
        after_silence = disconnects(&gateway.get_text("/metrics").await.unwrap());
    }
    eprintln!("silent connections noticed after {:?}", silent_since.elapsed());
    assert!(after_silence >= before + 2.0, "silent publisher and subscriber connections: {before} -> {after_silence}");
}
