//! Simulcast over real WebRTC: three layers up, one chosen per subscriber, switches on keyframes
//! with contiguous sequence numbers.

mod common;

use std::time::Duration;

use common::start_gateway;
use showroom_signaling::{ClientMessage, ServerMessage, TrackKind};
use showroom_testkit::media::{verify_payload, vp8_header_len, VideoSource};
use showroom_testkit::{CallClient, Kind, PeerEvent};

const LAYER_SHIFT: u32 = 40;
/// Bytes per frame of layers q, h, f at 30 fps: ~0.2, ~0.5 and ~1.3 Mbit/s.
const FRAME_BYTES: [usize; 3] = [800, 2000, 5400];

struct Seen {
    layer: u8,
    seq: u16,
    ts: u32,
}

/// Publisher sends all layers; subscriber records (layer, seq, ts) of every video packet.
async fn run(publisher: &mut CallClient, sources: &mut [VideoSource; 3], subscriber: &mut CallClient, duration: Duration) -> Vec<Seen> {
    let mut tick = tokio::time::interval(Duration::from_millis(33));
    let end = tokio::time::Instant::now() + duration;
    let mut seen = Vec::new();
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(end) => break,
            _ = tick.tick() => {
                for (layer, src) in sources.iter_mut().enumerate() {
                    for p in src.next_frame(FRAME_BYTES[layer]).1 {
                        publisher.write_layer(Kind::Video, layer, p);
                    }
                }
            }
            Some(ev) = publisher.media.recv() => {
                if let PeerEvent::KeyframeRequested(Kind::Video, layer) = ev {
                    sources[layer].request_keyframe();
                }
            }
            Some(ev) = subscriber.media.recv() => {
                if let PeerEvent::Rtp(r) = ev
                    && r.kind == Kind::Video {
                        let counter = verify_payload(&r.packet.payload, vp8_header_len(&r.packet.payload)).expect("intact payload");
                        seen.push(Seen { layer: (counter >> LAYER_SHIFT) as u8, seq: r.packet.header.sequence_number, ts: r.packet.header.timestamp });
                    }
            }
        }
    }
    seen
}

fn layers_in_order(seen: &[Seen]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    for s in seen {
        if out.last() != Some(&s.layer) {
            out.push(s.layer);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriber_gets_one_layer_and_switches_on_keyframes_without_gaps() {
    let (_gw, gateway) = start_gateway().await;
    let (mut customer, mut agent, _) = gateway.call_pair().await.unwrap();
    customer.publish_simulcast(&[Kind::Video], 3).await.unwrap();
    let mut sources: [VideoSource; 3] =
        std::array::from_fn(|l| VideoSource::with_counter_base(300, (l as u64) << LAYER_SHIFT));

    let mut seen = run(&mut customer, &mut sources, &mut agent, Duration::from_secs(3)).await;
    let track_id = match agent
        .expect(Duration::from_secs(1), |m| matches!(m, ServerMessage::TrackPublished { track } if track.kind == TrackKind::Video))
        .await
        .unwrap()
    {
        ServerMessage::TrackPublished { track } => track.track_id,
        _ => unreachable!(),
    };
    let top = seen.last().expect("video arrived").layer;
    assert_eq!(top, 2, "with ample bandwidth the subscriber gets the full layer");

    agent.send(&ClientMessage::SetQuality { track_id: track_id.clone(), max_layer: Some(0) });
    seen.extend(run(&mut customer, &mut sources, &mut agent, Duration::from_secs(2)).await);
    assert_eq!(seen.last().unwrap().layer, 0, "capped to the lowest layer");

    agent.send(&ClientMessage::SetQuality { track_id, max_layer: None });
    seen.extend(run(&mut customer, &mut sources, &mut agent, Duration::from_secs(2)).await);
    assert_eq!(seen.last().unwrap().layer, 2, "back to the full layer once the cap is lifted");

    let order = layers_in_order(&seen);
    // It may start on a lower layer before the first layer decision; after that, 2 → 0 → 2.
    assert!(order.ends_with(&[2, 0, 2]), "layer order {order:?}");
    // One stream for the subscriber: sequence numbers contiguous across every switch,
    // timestamps never going back.
    for w in seen.windows(2) {
        assert_eq!(w[1].seq, w[0].seq.wrapping_add(1), "gap or reorder at a switch {}→{}", w[0].layer, w[1].layer);
        assert!(w[1].ts.wrapping_sub(w[0].ts) < u32::MAX / 2, "timestamp went backwards");
    }
}
