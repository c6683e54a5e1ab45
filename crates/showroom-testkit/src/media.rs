//! Synthetic but well-formed media: Opus-sized audio packets and VP8-packetised video frames
//! (RFC 7741 descriptors, real keyframe flags) whose payloads carry a counter and a filler
//! derived from it, so a receiver can prove each packet arrived intact and in order.

use bytes::Bytes;
use rtc::rtp::{header::Header, packet::Packet};

/// Bytes after the codec header: an 8-byte counter, then `filler(counter)`.
fn body(counter: u64, len: usize) -> Vec<u8> {
    let mut v = counter.to_be_bytes().to_vec();
    v.extend((0..len.saturating_sub(8)).map(|i| (counter as usize).wrapping_mul(31).wrapping_add(i) as u8));
    v
}

/// Checks a payload made by [`AudioSource`] or [`VideoSource`]; returns its counter.
pub fn verify_payload(payload: &[u8], header_len: usize) -> Option<u64> {
    let b = payload.get(header_len..)?;
    let counter = u64::from_be_bytes(b.get(..8)?.try_into().ok()?);
    (body(counter, b.len()) == b).then_some(counter)
}

/// Length of the VP8 payload descriptor we write (no extensions): one byte.
pub const VP8_DESCRIPTOR_LEN: usize = 1;

fn packet(seq: u16, ts: u32, marker: bool, payload: Vec<u8>) -> Packet {
    Packet { header: Header { version: 2, marker, sequence_number: seq, timestamp: ts, ..Default::default() }, payload: Bytes::from(payload) }
}

/// 20 ms Opus-sized packets at 48 kHz.
pub struct AudioSource {
    seq: u16,
    ts: u32,
    counter: u64,
}

impl Default for AudioSource {
    fn default() -> Self {
        Self { seq: rand::random(), ts: rand::random(), counter: 0 }
    }
}

impl AudioSource {
    pub fn next_packet(&mut self) -> Packet {
        self.counter += 1;
        let p = packet(self.seq, self.ts, false, body(self.counter, 80));
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(960);
        p
    }
}

/// The video packetisation a [`VideoSource`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VideoCodec {
    /// RFC 7741: one-byte descriptor, VP8 header byte on a frame's first packet.
    #[default]
    Vp8,
    /// RFC 6184 FU-A fragments of one NAL unit per frame: IDR (type 5) on keyframes.
    H264,
}

impl VideoCodec {
    pub fn mime(self) -> &'static str {
        match self {
            VideoCodec::Vp8 => "video/VP8",
            VideoCodec::H264 => "video/H264",
        }
    }
}

/// Bytes before the counter in a video payload of `codec`.
pub fn video_header_len(codec: VideoCodec, payload: &[u8]) -> usize {
    match codec {
        VideoCodec::Vp8 => vp8_header_len(payload),
        VideoCodec::H264 => 2,
    }
}

/// Does this payload start a keyframe as we packetise it?
pub fn video_is_keyframe(codec: VideoCodec, payload: &[u8]) -> bool {
    match codec {
        VideoCodec::Vp8 => vp8_is_keyframe(payload),
        VideoCodec::H264 => payload.len() > 1 && payload[1] & 0x80 != 0 && payload[1] & 0x1f == 5,
    }
}

/// Video frames at a given size, split into packets of at most 1100 bytes.
pub struct VideoSource {
    seq: u16,
    ts: u32,
    counter: u64,
    frame_idx: u64,
    /// A keyframe every this many frames (and whenever one is requested).
    pub keyframe_interval: u64,
    force_keyframe: bool,
    codec: VideoCodec,
}

impl VideoSource {
    pub fn new(keyframe_interval: u64) -> Self {
        Self::with_counter_base(keyframe_interval, 0)
    }

    /// Counters start at `base`, so a receiver can tell sources (e.g. simulcast layers) apart.
    pub fn with_counter_base(keyframe_interval: u64, base: u64) -> Self {
        Self { seq: rand::random(), ts: rand::random(), counter: base, frame_idx: 0, keyframe_interval, force_keyframe: true, codec: VideoCodec::Vp8 }
    }

    /// The same source packetised as H.264.
    pub fn h264(keyframe_interval: u64) -> Self {
        Self { codec: VideoCodec::H264, ..Self::new(keyframe_interval) }
    }

    pub fn request_keyframe(&mut self) {
        self.force_keyframe = true;
    }

    /// The packets of the next frame (30 fps timestamps) of `frame_bytes` bytes.
    pub fn next_frame(&mut self, frame_bytes: usize) -> (bool, Vec<Packet>) {
        let keyframe = self.force_keyframe || self.frame_idx.is_multiple_of(self.keyframe_interval);
        self.force_keyframe = false;
        self.frame_idx += 1;
        let n = frame_bytes.div_ceil(1100).max(1);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            self.counter += 1;
            if self.codec == VideoCodec::H264 {
                // FU-A indicator (NRI 3, type 28), FU header: start/end bits and the NAL type.
                let nal_type = if keyframe { 5 } else { 1 };
                let fu = nal_type | if i == 0 { 0x80 } else { 0 } | if i + 1 == n { 0x40 } else { 0 };
                let mut payload = vec![0x7C, fu];
                payload.extend(body(self.counter, frame_bytes / n));
                out.push(packet(self.seq, self.ts, i + 1 == n, payload));
                self.seq = self.seq.wrapping_add(1);
                continue;
            }
            // S bit on the first packet of the frame, partition 0.
            let mut payload = vec![if i == 0 { 0x10 } else { 0x00 }];
            let mut b = body(self.counter, frame_bytes / n);
            if i == 0 {
                // VP8 payload header: bit 0 (P) is 0 on keyframes.
                b[0] = if keyframe { 0x00 } else { 0x01 };
                b = body_with_first(self.counter, frame_bytes / n, b[0]);
            }
            payload.extend(b);
            out.push(packet(self.seq, self.ts, i + 1 == n, payload));
            self.seq = self.seq.wrapping_add(1);
        }
        self.ts = self.ts.wrapping_add(3000);
        (keyframe, out)
    }
}

/// The first packet's body starts with the VP8 header byte, then counter and filler.
fn body_with_first(counter: u64, len: usize, first: u8) -> Vec<u8> {
    let mut v = vec![first];
    v.extend(body(counter, len.saturating_sub(1)));
    v
}

/// Header length before the counter for a VP8 packet (descriptor, plus the VP8 header byte on
/// the first packet of a frame).
pub fn vp8_header_len(payload: &[u8]) -> usize {
    if payload.first().is_some_and(|b| b & 0x10 != 0) { VP8_DESCRIPTOR_LEN + 1 } else { VP8_DESCRIPTOR_LEN }
}

/// Is this payload the start of a VP8 keyframe as we packetise it?
pub fn vp8_is_keyframe(payload: &[u8]) -> bool {
    payload.len() > 1 && payload[0] & 0x10 != 0 && payload[1] & 0x01 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_verify_and_corruption_is_caught() {
        let mut v = VideoSource::new(10);
        let (key, pkts) = v.next_frame(4000);
        assert!(key);
        assert!(vp8_is_keyframe(&pkts[0].payload));
        for p in &pkts {
            assert!(verify_payload(&p.payload, vp8_header_len(&p.payload)).is_some());
        }
        let mut bad = pkts[1].payload.to_vec();
        let last = bad.len() - 1;
        bad[last] ^= 0xFF;
        assert!(verify_payload(&bad, vp8_header_len(&bad)).is_none());
        let (key, pkts) = v.next_frame(4000);
        assert!(!key && !vp8_is_keyframe(&pkts[0].payload));
        let mut a = AudioSource::default();
        let p = a.next_packet();
        assert_eq!(verify_payload(&p.payload, 0), Some(1));
    }
}
