//! Example-based tests for the forwarder: gating, switching, rewriting, padding, pause.

use super::*;
use std::time::Duration;

use DropReason::{NotTargetLayer, Padding, Paused, TooOld, WaitingForKeyframe};
use ForwardDecision::{Drop, Forward};

/// Builds packets with arrival times relative to a fixed base.
pub(super) struct Clock {
    base: Instant,
}

impl Clock {
    pub(super) fn new() -> Self {
        Self {
            base: Instant::now(),
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.base + Duration::from_millis(ms)
    }

    pub(super) fn pkt(&self, layer: u8, seq: u16, ts: u32, keyframe: bool, ms: u64) -> PacketMeta {
        PacketMeta {
            layer,
            seq,
            ts,
            marker: false,
            keyframe,
            payload_len: 1000,
            arrival: self.at(ms),
        }
    }

    fn padding(&self, layer: u8, seq: u16, ts: u32, ms: u64) -> PacketMeta {
        PacketMeta {
            payload_len: 0,
            ..self.pkt(layer, seq, ts, false, ms)
        }
    }
}

fn fwd(seq: u16, ts: u32) -> ForwardDecision {
    Forward {
        seq,
        ts,
        switched_to: None,
    }
}

fn switch(seq: u16, ts: u32, layer: u8) -> ForwardDecision {
    Forward {
        seq,
        ts,
        switched_to: Some(layer),
    }
}

fn out_seq(d: ForwardDecision) -> u16 {
    match d {
        Forward { seq, .. } => seq,
        Drop(r) => panic!("expected forward, got {r:?}"),
    }
}

/// Runs `(packet, expected decision)` steps, naming the failing step.
fn check(f: &mut Forwarder, steps: &[(PacketMeta, ForwardDecision)]) {
    for (i, (pkt, want)) in steps.iter().enumerate() {
        assert_eq!(f.on_packet(pkt), *want, "step {i}: {pkt:?}");
    }
}

#[test]
fn defaults_and_accessors() {
    let f = Forwarder::new(Codec::Vp8, 1, 2);
    assert_eq!(f.codec(), Codec::Vp8);
    assert_eq!(f.target_layer(), Some(0));
    assert_eq!(f.current_layer(), None);
    assert!(!f.is_paused());
    assert_eq!(f.wants_keyframe(), Some(0));
    let a = Forwarder::new(Codec::Opus, 1, 2);
    assert_eq!(a.wants_keyframe(), None);
}

#[test]
fn drop_reason_names() {
    let names: Vec<_> = [
        DropReason::Paused,
        DropReason::NotTargetLayer,
        DropReason::WaitingForKeyframe,
        DropReason::TooOld,
        DropReason::Padding,
    ]
    .iter()
    .map(|r| r.as_str())
    .collect();
    assert_eq!(
        names,
        [
            "paused",
            "not_target_layer",
            "waiting_for_keyframe",
            "too_old",
            "padding"
        ]
    );
    assert!(fwd(1, 1).is_forward());
    assert!(!Drop(Paused).is_forward());
}

#[test]
fn audio_forwards_every_packet_without_gating() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Opus, 1000, 5000);
    check(
        &mut f,
        &[
            // No keyframe flag needed: the very first packet starts the stream.
            (c.pkt(0, 40, 960, false, 0), switch(1000, 5000, 0)),
            (c.pkt(0, 41, 1920, false, 20), fwd(1001, 5960)),
            (c.pkt(0, 42, 2880, false, 40), fwd(1002, 6920)),
            (c.pkt(1, 7, 2880, false, 40), Drop(NotTargetLayer)),
        ],
    );
    assert_eq!(f.current_layer(), Some(0));
    assert_eq!(f.wants_keyframe(), None);
    // Audio ignores the target's value, only None stops it.
    f.set_target_layer(Some(2));
    assert_eq!(
        f.on_packet(&c.pkt(0, 43, 3840, false, 60)),
        fwd(1003, 6920 + 960)
    );
    f.set_target_layer(None);
    assert_eq!(
        f.on_packet(&c.pkt(0, 44, 4800, false, 80)),
        Drop(NotTargetLayer)
    );
    assert_eq!(f.current_layer(), None);
    // Back on: resumes at once, contiguous, ts advanced by wall time (40 ms = 1920 ticks).
    f.set_target_layer(Some(0));
    assert_eq!(
        f.on_packet(&c.pkt(0, 45, 5760, false, 100)),
        switch(1004, 7880 + 1920, 0)
    );
}

#[test]
fn audio_pause_and_resume() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Opus, 10, 100);
    assert_eq!(f.on_packet(&c.pkt(0, 500, 0, false, 0)), switch(10, 100, 0));
    assert_eq!(f.on_packet(&c.pkt(0, 501, 960, false, 20)), fwd(11, 1060));
    f.set_paused(true);
    assert!(f.is_paused());
    assert_eq!(f.current_layer(), None);
    for i in 0..50u16 {
        let p = c.pkt(
            0,
            502 + i,
            960 * (2 + u32::from(i)),
            false,
            40 + 20 * u64::from(i),
        );
        assert_eq!(f.on_packet(&p), Drop(Paused));
    }
    f.set_paused(false);
    assert_eq!(f.wants_keyframe(), None);
    // 1000 ms after the last forwarded arrival = 48000 ticks.
    check(
        &mut f,
        &[
            (
                c.pkt(0, 900, 777_000, false, 1020),
                switch(12, 1060 + 48_000, 0),
            ),
            (c.pkt(0, 901, 777_960, false, 1040), fwd(13, 1060 + 48_960)),
        ],
    );
}

#[test]
fn video_subscriber_joining_mid_stream_waits_for_keyframe() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 100, 0);
    assert_eq!(f.wants_keyframe(), Some(0));
    for i in 0..5u16 {
        let p = c.pkt(0, 7000 + i, 3000 * u32::from(i), false, 33 * u64::from(i));
        assert_eq!(f.on_packet(&p), Drop(WaitingForKeyframe));
        assert_eq!(f.wants_keyframe(), Some(0));
    }
    check(
        &mut f,
        &[
            (c.pkt(0, 7005, 15_000, true, 165), switch(100, 0, 0)),
            (c.pkt(0, 7006, 15_000, false, 166), fwd(101, 0)),
            (c.pkt(0, 7007, 18_000, false, 198), fwd(102, 3000)),
            // A later keyframe of the current layer is just a packet.
            (c.pkt(0, 7008, 21_000, true, 231), fwd(103, 6000)),
        ],
    );
    assert_eq!(f.wants_keyframe(), None);
    assert_eq!(f.current_layer(), Some(0));
}

#[test]
fn video_other_layers_are_dropped_while_gating() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::H264, 0, 0);
    f.set_target_layer(Some(2));
    assert_eq!(f.wants_keyframe(), Some(2));
    check(
        &mut f,
        &[
            (c.pkt(0, 1, 0, true, 0), Drop(NotTargetLayer)),
            (c.pkt(1, 1, 0, true, 0), Drop(NotTargetLayer)),
            (c.pkt(2, 1, 0, false, 0), Drop(WaitingForKeyframe)),
            (c.pkt(2, 2, 0, true, 0), switch(0, 0, 2)),
            (c.pkt(1, 2, 0, false, 0), Drop(NotTargetLayer)),
        ],
    );
}

/// Three simulcast layers with their own seq and ts spaces, switching 0 -> 2 -> 1.
#[test]
fn layer_switches_rewrite_seq_and_ts() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 5000, 1_000_000);
    let (l0, l1, l2) = (0u8, 1u8, 2u8);
    check(
        &mut f,
        &[
            (c.pkt(l0, 100, 10_000, true, 0), switch(5000, 1_000_000, 0)),
            (c.pkt(l1, 200, 70_000, false, 0), Drop(NotTargetLayer)),
            (c.pkt(l0, 101, 13_000, false, 33), fwd(5001, 1_003_000)),
            (c.pkt(l0, 102, 16_000, false, 66), fwd(5002, 1_006_000)),
        ],
    );
    f.set_target_layer(Some(2));
    assert_eq!(f.wants_keyframe(), Some(2));
    check(
        &mut f,
        &[
            // Until a layer 2 keyframe, layer 0 keeps flowing.
            (c.pkt(l2, 300, 500_000, false, 99), Drop(WaitingForKeyframe)),
            (c.pkt(l0, 103, 19_000, false, 99), fwd(5003, 1_009_000)),
            (c.pkt(l1, 201, 79_000, true, 99), Drop(NotTargetLayer)),
            // Switch: seq continues, ts = last ts + 34 ms (3060 ticks).
            (
                c.pkt(l2, 301, 503_000, true, 133),
                switch(5004, 1_012_060, 2),
            ),
            (c.pkt(l0, 104, 22_000, false, 133), Drop(NotTargetLayer)),
            (c.pkt(l2, 302, 503_000, false, 134), fwd(5005, 1_012_060)),
            (c.pkt(l2, 303, 506_000, false, 166), fwd(5006, 1_015_060)),
            // Reordered packet from before the switch point.
            (c.pkt(l2, 300, 500_000, false, 167), Drop(TooOld)),
        ],
    );
    assert_eq!(f.current_layer(), Some(2));
    f.set_target_layer(Some(1));
    check(
        &mut f,
        &[
            (c.pkt(l1, 205, 91_000, false, 199), Drop(WaitingForKeyframe)),
            (c.pkt(l2, 304, 509_000, false, 199), fwd(5007, 1_018_060)),
            // Same arrival as the last forwarded packet: ts still moves forward by 1.
            (
                c.pkt(l1, 206, 91_000, true, 199),
                switch(5008, 1_018_061, 1),
            ),
            (c.pkt(l1, 207, 94_000, false, 232), fwd(5009, 1_021_061)),
            (c.pkt(l2, 305, 512_000, true, 232), Drop(NotTargetLayer)),
        ],
    );
    assert_eq!(f.current_layer(), Some(1));
    assert_eq!(f.wants_keyframe(), None);
}

#[test]
fn target_reverting_before_keyframe_cancels_the_switch() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 0, 0);
    f.set_target_layer(Some(1));
    assert_eq!(f.on_packet(&c.pkt(1, 10, 0, true, 0)), switch(0, 0, 1));
    f.set_target_layer(Some(2));
    assert_eq!(f.wants_keyframe(), Some(2));
    f.set_target_layer(Some(1));
    assert_eq!(f.wants_keyframe(), None);
    check(
        &mut f,
        &[
            (c.pkt(2, 50, 0, true, 10), Drop(NotTargetLayer)),
            (c.pkt(1, 11, 3000, false, 33), fwd(1, 3000)),
        ],
    );
}

#[test]
fn reordering_and_loss_within_a_layer_are_preserved() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 100, 0);
    check(
        &mut f,
        &[
            (c.pkt(0, 10, 0, true, 0), switch(100, 0, 0)),
            (c.pkt(0, 12, 0, false, 1), fwd(102, 0)),
            (c.pkt(0, 11, 0, false, 2), fwd(101, 0)),
            (c.pkt(0, 13, 3000, false, 3), fwd(103, 3000)),
            // 14 is lost: the gap stays so the subscriber NACKs 104.
            (c.pkt(0, 15, 3000, false, 4), fwd(105, 3000)),
            // Its retransmission fills the slot.
            (c.pkt(0, 14, 3000, false, 50), fwd(104, 3000)),
            // A duplicate maps to the same slot.
            (c.pkt(0, 15, 3000, false, 51), fwd(105, 3000)),
        ],
    );
    // After a switch, the next segment starts after the highest output seq (105), not the last.
    f.set_target_layer(Some(1));
    assert_eq!(out_seq(f.on_packet(&c.pkt(1, 900, 0, true, 60))), 106);
}

#[test]
fn seq_wraps_around_u16() {
    let c = Clock::new();
    // Input and output both cross the wrap, at different points.
    let mut f = Forwarder::new(Codec::Vp8, 65_534, 0);
    let steps: Vec<_> = [
        (65_533u16, 65_534u16),
        (65_534, 65_535),
        (65_535, 0),
        (0, 1),
        (1, 2),
    ]
    .iter()
    .enumerate()
    .map(|(i, &(in_seq, out))| {
        let want = if i == 0 {
            switch(out, 0, 0)
        } else {
            fwd(out, 0)
        };
        (c.pkt(0, in_seq, 0, i == 0, i as u64), want)
    })
    .collect();
    check(&mut f, &steps);
    check(
        &mut f,
        &[
            // Serial arithmetic: 65_532 is before the start point, 3 is after.
            (c.pkt(0, 65_532, 0, false, 10), Drop(TooOld)),
            (c.pkt(0, 3, 0, false, 10), fwd(4, 0)),
            (c.pkt(0, 2, 0, false, 10), fwd(3, 0)),
        ],
    );
    // A switch right at the wrap continues from the highest output seq.
    f.set_target_layer(Some(1));
    assert_eq!(out_seq(f.on_packet(&c.pkt(1, 65_535, 0, true, 20))), 5);
}

#[test]
fn long_segment_outlives_seq_wraps() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Opus, 0, 0);
    // 200k packets: the input wraps three times, the segment start must not become "newer".
    for i in 0..200_000u32 {
        let d = f.on_packet(&c.pkt(0, (i + 40_000) as u16, i * 960, false, u64::from(i) * 20));
        assert_eq!(out_seq(d), i as u16, "packet {i}");
    }
}

#[test]
fn ts_wraps_around_u32() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 0, u32::MAX - 2999);
    check(
        &mut f,
        &[
            (
                c.pkt(0, 1, 4_000_000_000, true, 0),
                switch(0, u32::MAX - 2999, 0),
            ),
            (c.pkt(0, 2, 4_000_003_000, false, 33), fwd(1, 0)),
            (c.pkt(0, 3, 4_000_006_000, false, 66), fwd(2, 3000)),
        ],
    );
    // Input ts wraps on the new layer; the switch is computed from the wrapped output ts.
    f.set_target_layer(Some(1));
    check(
        &mut f,
        &[
            (
                c.pkt(1, 1, u32::MAX - 1000, true, 99),
                switch(3, 3000 + 2970, 1),
            ),
            (c.pkt(1, 2, 1999, false, 132), fwd(4, 3000 + 2970 + 3000)),
        ],
    );
}

#[test]
fn ts_at_switch_follows_wall_clock() {
    // (ms between the last forwarded packet and the switch packet, expected ts advance)
    let cases = [
        (0u64, 1u32),
        (1, 90),
        (33, 2970),
        (1000, 90_000),
        (60_000, 5_400_000),
    ];
    for (gap_ms, advance) in cases {
        let c = Clock::new();
        let mut f = Forwarder::new(Codec::H264, 0, 7);
        f.on_packet(&c.pkt(0, 1, 123, true, 100));
        f.set_target_layer(Some(1));
        // The new layer's input ts is unrelated to the old one.
        let d = f.on_packet(&c.pkt(1, 1, 999_999, true, 100 + gap_ms));
        assert_eq!(d, switch(1, 7 + advance, 1), "gap {gap_ms} ms");
    }
}

#[test]
fn ts_gap_is_capped_and_never_backwards() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 0, 0);
    f.on_packet(&c.pkt(0, 1, 0, true, 10_000));
    // Arrival earlier than the last forwarded one (clock skew between threads): +1.
    f.set_paused(true);
    f.set_paused(false);
    assert_eq!(f.on_packet(&c.pkt(0, 9, 0, true, 5_000)), switch(1, 1, 0));
    // A ten-hour gap would exceed 2^31 ticks; the jump is capped at 2^30.
    f.set_paused(true);
    f.set_paused(false);
    let d = f.on_packet(&c.pkt(0, 20, 0, true, 10_000 + 36_000_000));
    assert_eq!(d, switch(2, 1 + (1 << 30), 0));
}

#[test]
fn in_order_padding_leaves_no_gap() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 100, 0);
    check(
        &mut f,
        &[
            (c.pkt(0, 10, 0, true, 0), switch(100, 0, 0)),
            (c.padding(0, 11, 0, 1), Drop(Padding)),
            (c.padding(0, 12, 0, 2), Drop(Padding)),
            (c.pkt(0, 13, 3000, false, 3), fwd(101, 3000)),
            // Padding after a loss: the loss (14) stays a gap, the padding slot (15) goes.
            (c.padding(0, 15, 3000, 4), Drop(Padding)),
            (c.pkt(0, 17, 3000, false, 5), fwd(104, 3000)),
            // 16 arrives late: it sits between elided 15 and 17.
            (c.pkt(0, 16, 3000, false, 6), fwd(103, 3000)),
            // A late packet from before the padding keeps its original slot.
            (c.pkt(0, 14, 3000, false, 7), fwd(102, 3000)),
            // A non-padding packet reusing an elided slot's seq can't be placed.
            (c.pkt(0, 15, 3000, false, 8), Drop(TooOld)),
        ],
    );
}

#[test]
fn late_padding_leaves_its_slot_as_a_gap() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 100, 0);
    check(
        &mut f,
        &[
            (c.pkt(0, 10, 0, true, 0), switch(100, 0, 0)),
            (c.pkt(0, 12, 0, false, 1), fwd(102, 0)),
            (c.padding(0, 11, 0, 2), Drop(Padding)),
            (c.pkt(0, 13, 0, false, 3), fwd(103, 0)),
        ],
    );
}

#[test]
fn padding_on_other_layers_or_while_gating_is_dropped() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 100, 0);
    check(
        &mut f,
        &[
            (c.padding(0, 9, 0, 0), Drop(Padding)),
            (c.pkt(0, 10, 0, true, 1), switch(100, 0, 0)),
            (c.padding(1, 500, 0, 2), Drop(Padding)),
            (c.pkt(0, 11, 0, false, 3), fwd(101, 0)),
        ],
    );
    f.set_paused(true);
    assert_eq!(f.on_packet(&c.padding(0, 12, 0, 4)), Drop(Paused));
}

#[test]
fn padding_burst_beyond_tracking_limit() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 0, 0);
    assert_eq!(f.on_packet(&c.pkt(0, 1000, 0, true, 0)), switch(0, 0, 0));
    // 1001 is lost, then a long run of padding (a bandwidth probe).
    let burst = MAX_TRACKED_PADDING as u16 + 100;
    for i in 0..burst {
        assert_eq!(f.on_packet(&c.padding(0, 1002 + i, 0, 1)), Drop(Padding));
    }
    let next = 1002 + burst;
    assert_eq!(f.on_packet(&c.pkt(0, next, 0, false, 2)), fwd(2, 0));
    // The retransmission of 1001 precedes forgotten padding slots: it can't be placed.
    assert_eq!(f.on_packet(&c.pkt(0, 1001, 0, false, 3)), Drop(TooOld));
    assert_eq!(f.on_packet(&c.pkt(0, next + 1, 0, false, 4)), fwd(3, 0));
}

#[test]
fn video_pause_and_resume_waits_for_keyframe() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 200, 50);
    f.set_target_layer(Some(1));
    check(
        &mut f,
        &[
            (c.pkt(1, 10, 1000, true, 0), switch(200, 50, 1)),
            (c.pkt(1, 11, 4000, false, 33), fwd(201, 3050)),
        ],
    );
    f.set_paused(true);
    assert_eq!(
        f.wants_keyframe(),
        None,
        "no keyframe requests for a paused subscriber"
    );
    check(
        &mut f,
        &[
            (c.pkt(1, 12, 7000, true, 66), Drop(Paused)),
            (c.pkt(1, 13, 10_000, false, 99), Drop(Paused)),
        ],
    );
    f.set_paused(false);
    assert_eq!(f.wants_keyframe(), Some(1));
    check(
        &mut f,
        &[
            (c.pkt(1, 14, 13_000, false, 132), Drop(WaitingForKeyframe)),
            (c.pkt(0, 99, 13_000, true, 132), Drop(NotTargetLayer)),
            // 500 ms after the last forwarded packet (at 33 ms) -> +45000 ticks.
            (
                c.pkt(1, 15, 16_000, true, 533),
                switch(202, 3050 + 45_000, 1),
            ),
            (c.pkt(1, 16, 19_000, false, 566), fwd(203, 3050 + 48_000)),
            (c.pkt(1, 14, 13_000, false, 567), Drop(TooOld)),
        ],
    );
    assert_eq!(f.wants_keyframe(), None);
}

#[test]
fn target_none_stops_video_and_restart_needs_keyframe() {
    let c = Clock::new();
    let mut f = Forwarder::new(Codec::Vp8, 0, 0);
    assert_eq!(f.on_packet(&c.pkt(0, 1, 0, true, 0)), switch(0, 0, 0));
    f.set_target_layer(None);
    assert_eq!(f.wants_keyframe(), None);
    assert_eq!(f.on_packet(&c.pkt(0, 2, 0, true, 10)), Drop(NotTargetLayer));
    f.set_target_layer(Some(0));
    assert_eq!(f.wants_keyframe(), Some(0));
    check(
        &mut f,
        &[
            (c.pkt(0, 3, 900, false, 20), Drop(WaitingForKeyframe)),
            (c.pkt(0, 4, 900, true, 20), switch(1, 1800, 0)),
        ],
    );
}
