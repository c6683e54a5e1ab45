//! The call path end to end over real WebRTC (ICE-lite, DTLS-SRTP) on loopback.

mod common;

use std::time::Duration;

use common::{publishing_pair, pump, start_gateway, Sources};
use showroom_testkit::Kind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_and_agent_receive_each_others_media_intact_and_in_order() {
    let (_gw, gateway) = start_gateway().await;
    let (mut customer, mut agent, _call, mut cs, mut as_) = publishing_pair(&gateway).await;
    let (c_id, a_id) = (customer.participant_id.clone(), agent.participant_id.clone());
    let (got_by_customer, got_by_agent) =
        tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(4)), pump(&mut agent, Some(&mut as_), Duration::from_secs(4)));
    for (who, got, from) in [("customer", &got_by_customer, &a_id), ("agent", &got_by_agent, &c_id)] {
        let audio = got.count(from, Kind::Audio);
        let video = got.count(from, Kind::Video);
        eprintln!("{who}: audio {audio}, video {video}, corrupt {}", got.corrupt);
        // 4 s of 50 audio packets/s and 4 packets x 30 frames/s, less the connection set-up.
        assert!(audio > 120, "{who} got {audio} audio packets");
        assert!(video > 240, "{who} got {video} video packets");
        assert_eq!(got.corrupt, 0, "{who} got corrupt payloads");
        assert!(got.in_order(), "{who} got packets out of order");
        // Only the other party's media comes down: nobody receives their own.
        assert_eq!(got.counters.keys().filter(|(p, _)| p != from).count(), 0);
    }
}


#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_video_packets_are_retransmitted_on_nack() {
    let (gw, gateway) = start_gateway().await;
    let (mut customer, mut agent, _call) = gateway.call_pair().await.unwrap();
    customer.publish(&[Kind::Video]).await.unwrap();
    // The agent's downlink loses one RTP packet in 25.
    agent.subscriber.set_inbound_loss(25);
    let mut cs = Sources::default();
    let cid = customer.participant_id.clone();
    let (_, got) = tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(4)), pump(&mut agent, None, Duration::from_secs(4)));
    let counters = got.counters.get(&(cid, Kind::Video)).expect("video arrived");
    let mut sorted = counters.clone();
    sorted.sort_unstable();
    sorted.dedup();
    // Everything between the first and last counter arrived, though 4 % of datagrams were dropped:
    // the holes were filled by retransmissions.
    let span = (sorted.last().unwrap() - sorted.first().unwrap() + 1) as usize;
    let missing = span - sorted.len();
    eprintln!("video packets: {} distinct of {span}, {missing} missing", sorted.len());
    assert!(span > 300);
    assert!(missing * 200 < span, "{missing} of {span} never recovered");
    assert_eq!(got.corrupt, 0);
    let body = prometheus::TextEncoder::new().encode_to_string(&gw.state.registry.gather()).unwrap();
    let nacks: f64 = body.lines().find(|l| l.starts_with("showroom_sfu_nacks_total")).and_then(|l| l.rsplit(' ').next()?.parse().ok()).unwrap();
    assert!(nacks > 0.0, "the subscriber's NACKs reached the gateway");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h264_is_negotiated_and_forwarded_from_a_keyframe() {
    use showroom_testkit::media::{verify_payload, video_header_len, video_is_keyframe, VideoCodec, VideoSource};
    use showroom_testkit::PeerEvent;

    let (_gw, gateway) = start_gateway().await;
    let (mut customer, mut agent, _call) = gateway.call_pair().await.unwrap();
    customer.publish_with(&[Kind::Video], 1, VideoCodec::H264).await.unwrap();
    // Keyframes only on request: the agent's first frame must come from a PLI.
    let mut video = VideoSource::h264(10_000);
    let _ = video.next_frame(4000); // the opening keyframe goes nowhere: nobody is subscribed yet
    let mut tick = tokio::time::interval(Duration::from_millis(33));
    let end = tokio::time::Instant::now() + Duration::from_secs(3);
    let (mut counters, mut first_is_keyframe, mut corrupt) = (Vec::new(), None, 0);
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(end) => break,
            _ = tick.tick() => for p in video.next_frame(4000).1 { customer.write(Kind::Video, p) },
            Some(PeerEvent::KeyframeRequested(..)) = customer.media.recv() => video.request_keyframe(),
            Some(ev) = agent.media.recv() => if let PeerEvent::Rtp(r) = ev {
                first_is_keyframe.get_or_insert(video_is_keyframe(VideoCodec::H264, &r.packet.payload));
                match verify_payload(&r.packet.payload, video_header_len(VideoCodec::H264, &r.packet.payload)) {
                    Some(c) => counters.push(c),
                    None => corrupt += 1,
                }
            },
        }
    }
    assert_eq!(first_is_keyframe, Some(true), "forwarding starts on an IDR");
    assert!(counters.len() > 200, "got {} H.264 packets", counters.len());
    assert!(counters.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(corrupt, 0);
}
