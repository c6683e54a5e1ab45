//! Property tests for the forwarder: contiguity of in-order output and collision-freedom under
//! arbitrary input.

use super::tests::Clock;
use super::*;
use proptest::prelude::*;

use ForwardDecision::{Drop, Forward};

/// One step of a random scenario: a packet on some layer, a target change or a pause toggle.
#[derive(Debug, Clone)]
enum Event {
    Packet {
        layer: u8,
        keyframe: bool,
        padding: bool,
        new_frame: bool,
        gap_ms: u64,
    },
    Target(Option<u8>),
    Pause(bool),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        10 => (0u8..3, prop::bool::weighted(0.15), prop::bool::weighted(0.1), any::<bool>(), 0u64..50)
            .prop_map(|(layer, keyframe, padding, new_frame, gap_ms)| Event::Packet {
                layer, keyframe, padding, new_frame, gap_ms
            }),
        1 => prop::option::weighted(0.9, 0u8..3).prop_map(Event::Target),
        1 => any::<bool>().prop_map(Event::Pause),
    ]
}

proptest! {
    /// For in-order input, forwarded output seqs are strictly contiguous and output ts never go
    /// backwards, whatever the switches, pauses and padding.
    #[test]
    fn output_is_contiguous_for_in_order_input(
        codec in prop_oneof![Just(Codec::Vp8), Just(Codec::Opus)],
        initial_seq in any::<u16>(),
        initial_ts in any::<u32>(),
        seq_starts in any::<[u16; 3]>(),
        ts_starts in any::<[u32; 3]>(),
        events in prop::collection::vec(event(), 1..300),
    ) {
        let c = Clock::new();
        let mut f = Forwarder::new(codec, initial_seq, initial_ts);
        let (mut seqs, mut tss) = (seq_starts, ts_starts);
        let mut now = 0u64;
        let mut last: Option<(u16, u32)> = None;
        for ev in events {
            match ev {
                Event::Target(t) => f.set_target_layer(t),
                Event::Pause(p) => f.set_paused(p),
                Event::Packet { layer, keyframe, padding, new_frame, gap_ms } => {
                    let l = usize::from(layer);
                    now += gap_ms;
                    if new_frame {
                        tss[l] = tss[l].wrapping_add(3000);
                    }
                    let mut p = c.pkt(layer, seqs[l], tss[l], keyframe && !padding, now);
                    if padding {
                        p.payload_len = 0;
                    }
                    seqs[l] = seqs[l].wrapping_add(1);
                    let was = f.current_layer();
                    match f.on_packet(&p) {
                        Forward { seq, ts, switched_to } => {
                            prop_assert!(!padding);
                            match last {
                                None => prop_assert_eq!((seq, ts), (initial_seq, initial_ts)),
                                Some((prev_seq, prev_ts)) => {
                                    prop_assert_eq!(seq, prev_seq.wrapping_add(1));
                                    prop_assert!(ts.wrapping_sub(prev_ts) < 0x8000_0000);
                                    if switched_to.is_some() {
                                        prop_assert_ne!(ts, prev_ts);
                                    }
                                }
                            }
                            prop_assert_eq!(switched_to.is_some(), was != Some(layer));
                            prop_assert_eq!(f.current_layer(), Some(layer));
                            last = Some((seq, ts));
                        }
                        Drop(reason) => {
                            prop_assert!(reason != DropReason::TooOld, "in-order packet too old");
                        }
                    }
                    prop_assert!(f.wants_keyframe().is_none() || codec.is_video());
                }
            }
        }
    }

    /// Arbitrary (also reordered) input never panics and never maps two distinct input seqs of
    /// one segment to the same output seq.
    #[test]
    fn random_input_never_panics_or_collides(
        packets in prop::collection::vec((0u8..2, any::<u16>(), any::<bool>(), 0usize..3), 1..200),
        base_seq in any::<u16>(),
    ) {
        let c = Clock::new();
        let mut f = Forwarder::new(Codec::Vp8, 0, 0);
        f.set_target_layer(Some(0));
        let mut seen: std::collections::HashMap<u16, u16> = std::collections::HashMap::new();
        for (i, (layer, jitter, keyframe, len)) in packets.into_iter().enumerate() {
            // Mostly ascending with jitter of up to ±64, so reorders and duplicates occur.
            let seq = base_seq.wrapping_add(i as u16).wrapping_add(jitter % 128).wrapping_sub(64);
            let p = PacketMeta { payload_len: len, ..c.pkt(layer, seq, 0, keyframe, i as u64) };
            if let Forward { seq: out, switched_to, .. } = f.on_packet(&p) {
                if switched_to.is_some() {
                    seen.clear();
                }
                if let Some(prev_in) = seen.insert(out, seq) {
                    prop_assert_eq!(prev_in, seq, "output seq {} reused", out);
                }
            }
        }
    }
}
