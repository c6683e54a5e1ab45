//! The call path end to end over real WebRTC (ICE-lite, DTLS-SRTP) on loopback.

mod common;

use std::time::Duration;

use common::{pump, Sources, start_gateway};
use showroom_testkit::Kind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_and_agent_receive_each_others_media_intact_and_in_order() {
    let (_gw, gateway) = start_gateway().await;
    let (mut customer, mut agent, _call) = gateway.call_pair().await.unwrap();
    let (mut cs, mut as_) = (Sources::default(), Sources::default());
    customer.publish(&[Kind::Audio, Kind::Video]).await.unwrap();
    agent.publish(&[Kind::Audio, Kind::Video]).await.unwrap();
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

