//! Per-subscriber forwarding decisions and RTP sequence number / timestamp rewriting.
//!
//! One [`Forwarder`] exists per (subscriber, published track). For every incoming packet the
//! driver builds a [`PacketMeta`] and asks [`Forwarder::on_packet`] whether to forward it and with
//! which output sequence number and timestamp.
//!
//! # Forwarding rules
//!
//! * **Audio (Opus):** no keyframe gating; a single layer. Every packet of layer 0 is forwarded
//!   unless paused (or the target is `None`). Packets of other layers are `NotTargetLayer`.
//! * **Video:** nothing is forwarded until a keyframe packet of the target layer arrives; that
//!   packet starts the stream (`switched_to = Some(layer)`). While the current layer is the
//!   target, packets of the current layer are forwarded. When the target changes, the current
//!   layer keeps flowing until a keyframe of the target layer arrives, and the switch happens at
//!   that packet. Delta packets of the target layer meanwhile are `WaitingForKeyframe`; packets of
//!   any other layer are `NotTargetLayer`. If the target changes back before the switch, nothing
//!   changes. The forwarder only ever switches on a keyframe — if the current layer stops, the
//!   driver must change the target (and request a keyframe, see [`Forwarder::wants_keyframe`]).
//! * **Target `None`:** everything is `NotTargetLayer`, and the stream stops; a later target
//!   restarts it like a resume.
//! * **Pause:** while paused everything is `Paused`. After resuming, video waits for a keyframe of
//!   the target layer; audio resumes at the next packet. Both report `switched_to = Some(layer)`.
//!
//! # Rewriting
//!
//! The forwarded packets form a *segment* per layer run (from a switch, start or resume to the
//! next one).
//!
//! * **Sequence numbers** are contiguous across segments: the first packet of a segment gets
//!   (highest output seq so far + 1); the first packet ever gets `initial_seq`. Within a segment,
//!   `out = in + offset` (wrapping), so reordering and real losses are preserved (a lost packet
//!   stays a gap the subscriber will NACK). Input seqs are *extended* to 64 bits relative to the
//!   highest seen, so u16 wrap-around is handled and a segment may run forever. Packets older
//!   than the one that started the segment are `TooOld` (their output slot belongs to the
//!   previous segment).
//! * **Timestamps:** within a segment `out = in + offset` (wrapping u32). At a segment start the
//!   offset is chosen so that `out = last output ts + max(1, wall time since the last forwarded
//!   packet's arrival in clock units)`, so playback stays smooth and never goes backwards. The
//!   first packet ever gets `initial_ts`.
//! * **Padding** (`payload_len == 0`) is `Padding` and never forwarded. When it is the newest
//!   packet of the current segment, its slot is elided: later packets move down by one, so no gap
//!   appears. Late packets that precede elided padding are still mapped exactly (a bounded list of
//!   elided slots is kept; packets older than the forgotten part are `TooOld`). Padding that
//!   arrives out of order leaves its slot as a gap.

use std::collections::VecDeque;
use std::time::Instant;

use crate::keyframe::Codec;

/// What the forwarder needs to know about one incoming RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketMeta {
    /// Simulcast spatial layer 0..=2 (0 = lowest); audio and non-simulcast video use 0.
    pub layer: u8,
    pub seq: u16,
    pub ts: u32,
    pub marker: bool,
    /// Result of [`crate::is_keyframe`] for this packet.
    pub keyframe: bool,
    /// 0 = padding-only packet.
    pub payload_len: usize,
    pub arrival: Instant,
}

/// Why a packet was not forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    Paused,
    NotTargetLayer,
    WaitingForKeyframe,
    TooOld,
    Padding,
}

impl DropReason {
    /// Stable snake_case name, e.g. for metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Paused => "paused",
            DropReason::NotTargetLayer => "not_target_layer",
            DropReason::WaitingForKeyframe => "waiting_for_keyframe",
            DropReason::TooOld => "too_old",
            DropReason::Padding => "padding",
        }
    }
}

/// The forwarder's verdict on one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardDecision {
    /// Send with this sequence number and timestamp. `switched_to = Some(layer)` on the packet
    /// that starts a new layer (or the first packet ever / after resume).
    Forward {
        seq: u16,
        ts: u32,
        switched_to: Option<u8>,
    },
    Drop(DropReason),
}

impl ForwardDecision {
    /// True for [`ForwardDecision::Forward`].
    pub fn is_forward(&self) -> bool {
        matches!(self, ForwardDecision::Forward { .. })
    }
}

/// How many elided padding slots a segment remembers for mapping late packets.
const MAX_TRACKED_PADDING: usize = 512;
/// Cap on the timestamp jump at a segment start: beyond 2^31 receivers would read it as going
/// backwards (serial-number arithmetic). 2^30 is over 3 hours at 90 kHz.
const MAX_TS_GAP: u128 = 1 << 30;
/// Extended seqs start here, so a segment can look 2^15 back from its start without underflow.
const EXT_SEQ_BASE: u64 = 1 << 32;

/// A run of forwarded packets from one layer, from its starting packet on.
#[derive(Debug, Clone)]
struct Segment {
    layer: u8,
    /// Extended input seq of the packet that started the segment.
    start_ext: u64,
    /// Highest extended input seq seen in this segment (padding included).
    highest_ext: u64,
    start_out_seq: u16,
    ts_offset: u32,
    /// Extended seqs of elided padding slots, ascending (the newest ones).
    padding: VecDeque<u64>,
    /// Number of slots elided in this segment, including ones no longer in `padding`.
    padding_total: u64,
    /// Packets below this extended seq are `TooOld`: the segment start, raised when padding
    /// history is forgotten.
    floor_ext: u64,
}

impl Segment {
    fn new(layer: u8, seq: u16, out_seq: u16, ts_offset: u32) -> Self {
        let start = EXT_SEQ_BASE + u64::from(seq);
        Self {
            layer,
            start_ext: start,
            highest_ext: start,
            start_out_seq: out_seq,
            ts_offset,
            padding: VecDeque::new(),
            padding_total: 0,
            floor_ext: start,
        }
    }

    /// Extends `seq` to the 64-bit value closest to the highest seq seen.
    fn extend(&self, seq: u16) -> u64 {
        let delta = seq.wrapping_sub(self.highest_ext as u16) as i16;
        self.highest_ext.wrapping_add_signed(i64::from(delta))
    }

    /// Output seq for a (non-padding) packet at `ext >= floor_ext`.
    fn out_seq(&self, ext: u64) -> u16 {
        let elided_after = self.padding.len() - self.padding.partition_point(|&p| p <= ext);
        let elided_before = self.padding_total - elided_after as u64;
        let offset = ext - self.start_ext - elided_before;
        (u64::from(self.start_out_seq) + offset) as u16
    }

    /// Elides a padding packet's slot if it is the newest packet of the segment.
    fn elide_padding(&mut self, seq: u16) {
        let ext = self.extend(seq);
        if ext <= self.highest_ext {
            return; // out of order: its slot may lie between already forwarded packets
        }
        self.highest_ext = ext;
        self.padding.push_back(ext);
        self.padding_total += 1;
        // Entries more than 2^15 behind can never be compared against again: drop them freely.
        let horizon = self.highest_ext - (1 << 15);
        while self.padding.front().is_some_and(|&p| p < horizon) {
            self.padding.pop_front();
        }
        if self.padding.len() > MAX_TRACKED_PADDING
            && let Some(forgotten) = self.padding.pop_front()
        {
            self.floor_ext = self.floor_ext.max(forgotten + 1);
        }
    }
}

/// The newest output state, shared across segments so they join up.
#[derive(Debug, Clone, Copy)]
struct LastOutput {
    /// Highest output seq (serial-number order).
    seq: u16,
    /// Highest output ts (serial-number order).
    ts: u32,
    /// Latest arrival among forwarded packets.
    arrival: Instant,
}

/// One forwarder per (subscriber, published track): decides per incoming packet. See the
/// [module documentation](self) for the rules.
#[derive(Debug, Clone)]
pub struct Forwarder {
    codec: Codec,
    initial_seq: u16,
    initial_ts: u32,
    target: Option<u8>,
    paused: bool,
    segment: Option<Segment>,
    last: Option<LastOutput>,
}

impl Forwarder {
    /// initial_seq/initial_ts: first output values (the driver passes random ones; tests pass
    /// fixed ones). The target layer starts as `Some(0)`, so audio and non-simulcast video flow
    /// without further calls.
    pub fn new(codec: Codec, initial_seq: u16, initial_ts: u32) -> Self {
        Self {
            codec,
            initial_seq,
            initial_ts,
            target: Some(0),
            paused: false,
            segment: None,
            last: None,
        }
    }

    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Desired layer. None = forward nothing (subscriber doesn't want this track now). Audio only
    /// distinguishes `None` from `Some(_)`: it always forwards layer 0.
    pub fn set_target_layer(&mut self, layer: Option<u8>) {
        self.target = layer;
        if layer.is_none() {
            self.segment = None;
        }
    }

    pub fn target_layer(&self) -> Option<u8> {
        self.target
    }

    /// The layer being forwarded now; `None` before the first forwarded packet, while paused or
    /// waiting to resume, and while the target is `None`.
    pub fn current_layer(&self) -> Option<u8> {
        self.segment.as_ref().map(|s| s.layer)
    }

    /// Publisher muted / subscriber paused. While paused everything is dropped (Paused).
    pub fn set_paused(&mut self, paused: bool) {
        if paused {
            self.segment = None;
        }
        self.paused = paused;
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Some(layer) while this forwarder is waiting for a keyframe on `layer` (video only: new
    /// subscriber mid-stream, layer switch pending, or resumed after pause). None for audio, while
    /// paused, and when streaming normally.
    pub fn wants_keyframe(&self) -> Option<u8> {
        if !self.codec.is_video() || self.paused {
            return None;
        }
        self.target.filter(|&t| self.current_layer() != Some(t))
    }

    pub fn on_packet(&mut self, pkt: &PacketMeta) -> ForwardDecision {
        if self.paused {
            return ForwardDecision::Drop(DropReason::Paused);
        }
        let Some(target) = self.target else {
            return ForwardDecision::Drop(DropReason::NotTargetLayer);
        };
        if pkt.payload_len == 0 {
            if let Some(seg) = self.segment.as_mut().filter(|s| s.layer == pkt.layer) {
                seg.elide_padding(pkt.seq);
            }
            return ForwardDecision::Drop(DropReason::Padding);
        }
        let (wanted, can_start) = if self.codec.is_video() {
            (target, pkt.keyframe)
        } else {
            (0, true)
        };
        if pkt.layer == wanted && can_start && self.current_layer() != Some(wanted) {
            return self.start_segment(pkt);
        }
        match self.segment.as_mut() {
            Some(seg) if seg.layer == pkt.layer => {
                let ext = seg.extend(pkt.seq);
                // A packet claiming an elided padding slot has nowhere to go either.
                if ext < seg.floor_ext || seg.padding.binary_search(&ext).is_ok() {
                    return ForwardDecision::Drop(DropReason::TooOld);
                }
                seg.highest_ext = seg.highest_ext.max(ext);
                let seq = seg.out_seq(ext);
                let ts = pkt.ts.wrapping_add(seg.ts_offset);
                self.record_output(seq, ts, pkt.arrival);
                ForwardDecision::Forward {
                    seq,
                    ts,
                    switched_to: None,
                }
            }
            _ if pkt.layer == wanted => ForwardDecision::Drop(DropReason::WaitingForKeyframe),
            _ => ForwardDecision::Drop(DropReason::NotTargetLayer),
        }
    }

    /// Starts a new segment at `pkt`, joining it seamlessly to the previous output.
    fn start_segment(&mut self, pkt: &PacketMeta) -> ForwardDecision {
        let (seq, ts) = match self.last {
            None => (self.initial_seq, self.initial_ts),
            Some(last) => {
                let elapsed = pkt.arrival.saturating_duration_since(last.arrival);
                let ticks =
                    elapsed.as_nanos() * u128::from(self.codec.clock_rate()) / 1_000_000_000;
                let ticks = ticks.clamp(1, MAX_TS_GAP) as u32;
                (last.seq.wrapping_add(1), last.ts.wrapping_add(ticks))
            }
        };
        self.segment = Some(Segment::new(
            pkt.layer,
            pkt.seq,
            seq,
            ts.wrapping_sub(pkt.ts),
        ));
        self.record_output(seq, ts, pkt.arrival);
        ForwardDecision::Forward {
            seq,
            ts,
            switched_to: Some(pkt.layer),
        }
    }

    fn record_output(&mut self, seq: u16, ts: u32, arrival: Instant) {
        self.last = Some(match self.last {
            None => LastOutput { seq, ts, arrival },
            Some(last) => LastOutput {
                seq: if seq_newer(seq, last.seq) {
                    seq
                } else {
                    last.seq
                },
                ts: if ts_newer(ts, last.ts) { ts } else { last.ts },
                arrival: last.arrival.max(arrival),
            },
        });
    }
}

/// Serial-number comparison (RFC 1982): `a` is after `b`.
fn seq_newer(a: u16, b: u16) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000
}

fn ts_newer(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
