//! Any sequence of packets (layers, sequence numbers, timestamps, keyframe flags, payloads) and
//! layer changes through a forwarder never panics. (Output properties are proptests in
//! showroom-media; this explores inputs they do not generate.)
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use showroom_media::{is_keyframe, Codec, Forwarder, PacketMeta};

fuzz_target!(|data: &[u8]| {
    let base = Instant::now();
    let codec = match data.first().copied().unwrap_or(0) % 3 {
        0 => Codec::Opus,
        1 => Codec::Vp8,
        _ => Codec::H264,
    };
    let mut fwd = Forwarder::new(codec, 1, 2);
    for (i, chunk) in data[1.min(data.len())..].chunks(9).enumerate() {
        if chunk.len() < 9 {
            break;
        }
        let control = chunk[0];
        if control & 0xF0 == 0xF0 {
            fwd.set_target_layer(if control & 0x08 != 0 { None } else { Some(control & 0x03) });
            fwd.set_paused(control & 0x04 != 0);
            continue;
        }
        let payload = &chunk[7..9];
        let meta = PacketMeta {
            layer: control & 0x03,
            seq: u16::from_be_bytes([chunk[1], chunk[2]]),
            ts: u32::from_be_bytes([chunk[3], chunk[4], chunk[5], chunk[6]]),
            marker: control & 0x04 != 0,
            keyframe: is_keyframe(codec, payload) || control & 0x08 != 0,
            payload_len: usize::from(control >> 4),
            arrival: base + Duration::from_millis(i as u64 * 5),
        };
        let _ = fwd.on_packet(&meta);
        let _ = fwd.wants_keyframe();
    }
});
