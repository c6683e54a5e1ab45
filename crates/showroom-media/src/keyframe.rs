//! Codec identification and keyframe detection on raw RTP payloads.
//!
//! The forwarder may only start (or switch) a video stream on a keyframe, so the SFU needs to
//! recognise the first packet of a keyframe without decoding anything:
//!
//! * **Opus** — every packet is independently decodable, so every packet counts as a "keyframe".
//! * **VP8** ([RFC 7741]) — skip the payload descriptor; the packet starts a keyframe when the
//!   descriptor has `S=1`, `PID=0` and the VP8 payload header's `P` bit (inverse key frame flag,
//!   bit 0 of the first byte after the descriptor) is `0`.
//! * **H.264** ([RFC 6184]) — a single NAL unit of type 5 (IDR slice) or 7 (SPS), a STAP-A
//!   aggregate containing one of those, or the starting fragment (`S=1`) of an FU-A whose
//!   original NAL type is 5 or 7.
//!
//! All parsers are bounds-checked: short or garbage payloads yield `false`, never a panic.
//!
//! [RFC 7741]: https://www.rfc-editor.org/rfc/rfc7741
//! [RFC 6184]: https://www.rfc-editor.org/rfc/rfc6184

/// Codecs the SFU forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    Opus,
    Vp8,
    H264,
}

impl Codec {
    /// Maps an SDP/RTP MIME type (`"audio/opus"`, `"video/VP8"`, `"video/H264"`) to a codec,
    /// ignoring ASCII case. Unknown types give `None`.
    pub fn from_mime(mime: &str) -> Option<Codec> {
        const TABLE: [(&str, Codec); 3] = [
            ("audio/opus", Codec::Opus),
            ("video/vp8", Codec::Vp8),
            ("video/h264", Codec::H264),
        ];
        let mime = mime.trim();
        TABLE
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(mime))
            .map(|&(_, codec)| codec)
    }

    /// RTP clock rate in Hz (Opus is always 48 kHz in RTP, video is always 90 kHz).
    pub fn clock_rate(self) -> u32 {
        match self {
            Codec::Opus => 48_000,
            Codec::Vp8 | Codec::H264 => 90_000,
        }
    }

    /// True for video codecs (which need keyframe gating and may be simulcast).
    pub fn is_video(self) -> bool {
        !matches!(self, Codec::Opus)
    }

    /// The canonical MIME type, as used in SDP (`"audio/opus"`, `"video/VP8"`, `"video/H264"`).
    pub fn mime(self) -> &'static str {
        match self {
            Codec::Opus => "audio/opus",
            Codec::Vp8 => "video/VP8",
            Codec::H264 => "video/H264",
        }
    }
}

/// True if this RTP payload is the first packet of a keyframe. Opus: always true (every packet
/// decodable).
///
/// VP8 (RFC 7741): parse the payload descriptor (X, I/M 7-or-15-bit PictureID, L, T/K, S bit,
/// PID); keyframe when S=1, PID=0 and the VP8 payload header's P bit (bit 0 of first byte after
/// descriptor) == 0.
///
/// H264 (RFC 6184): single NAL type 5 (IDR) or 7 (SPS); STAP-A (24) containing SPS/IDR; FU-A (28)
/// with S bit and type 5/7.
///
/// Never panics on short/garbage payloads (returns false).
pub fn is_keyframe(codec: Codec, payload: &[u8]) -> bool {
    match codec {
        Codec::Opus => true,
        Codec::Vp8 => vp8_is_keyframe(payload),
        Codec::H264 => h264_is_keyframe(payload),
    }
}

/// Length of the VP8 payload descriptor, or `None` if the payload is too short to hold it.
///
/// ```text
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (OPTIONAL, 7 or 15 bits)
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// ```
fn vp8_descriptor_len(payload: &[u8]) -> Option<usize> {
    let first = *payload.first()?;
    let mut len = 1;
    if first & 0x80 != 0 {
        let ext = *payload.get(len)?;
        len += 1;
        if ext & 0x80 != 0 {
            // I: PictureID, one byte unless its M bit says 15 bits.
            let pid = *payload.get(len)?;
            len += if pid & 0x80 != 0 { 2 } else { 1 };
        }
        if ext & 0x40 != 0 {
            len += 1; // L: TL0PICIDX
        }
        if ext & 0x30 != 0 {
            len += 1; // T and/or K share one byte
        }
    }
    // The descriptor is only meaningful if at least it fits.
    (len <= payload.len()).then_some(len)
}

fn vp8_is_keyframe(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else {
        return false;
    };
    let start_of_partition = first & 0x10 != 0;
    let partition_id = first & 0x07;
    if !start_of_partition || partition_id != 0 {
        return false;
    }
    let Some(len) = vp8_descriptor_len(payload) else {
        return false;
    };
    // P bit: 0 = key frame, 1 = interframe.
    payload.get(len).is_some_and(|header| header & 0x01 == 0)
}

const H264_NAL_IDR: u8 = 5;
const H264_NAL_SPS: u8 = 7;
const H264_NAL_STAP_A: u8 = 24;
const H264_NAL_FU_A: u8 = 28;

fn h264_nal_starts_keyframe(nal_type: u8) -> bool {
    nal_type == H264_NAL_IDR || nal_type == H264_NAL_SPS
}

fn h264_is_keyframe(payload: &[u8]) -> bool {
    let Some(&header) = payload.first() else {
        return false;
    };
    match header & 0x1f {
        H264_NAL_STAP_A => stap_a_has_keyframe(&payload[1..]),
        H264_NAL_FU_A => match payload.get(1) {
            // FU header: |S|E|R| Type |
            Some(&fu) => fu & 0x80 != 0 && h264_nal_starts_keyframe(fu & 0x1f),
            None => false,
        },
        nal_type => h264_nal_starts_keyframe(nal_type),
    }
}

/// Walks STAP-A aggregation units (`u16` big-endian size, then the NAL unit). Stops at the first
/// malformed unit: the units parsed before it still count.
fn stap_a_has_keyframe(mut units: &[u8]) -> bool {
    while units.len() >= 2 {
        let size = usize::from(u16::from_be_bytes([units[0], units[1]]));
        let rest = &units[2..];
        if size == 0 || size > rest.len() {
            return false;
        }
        if h264_nal_starts_keyframe(rest[0] & 0x1f) {
            return true;
        }
        units = &rest[size..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A VP8 keyframe payload header (frame tag with P=0, start code, 640x480).
    const VP8_KEY_HEADER: [u8; 10] = [0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01];
    /// A VP8 interframe payload header (frame tag with P=1).
    const VP8_DELTA_HEADER: [u8; 3] = [0x31, 0x0a, 0x00];

    fn cat(a: &[u8], b: &[u8]) -> Vec<u8> {
        [a, b].concat()
    }

    #[test]
    fn from_mime_is_case_insensitive() {
        let cases: &[(&str, Option<Codec>)] = &[
            ("audio/opus", Some(Codec::Opus)),
            ("AUDIO/OPUS", Some(Codec::Opus)),
            ("audio/Opus", Some(Codec::Opus)),
            ("video/VP8", Some(Codec::Vp8)),
            ("video/vp8", Some(Codec::Vp8)),
            ("video/H264", Some(Codec::H264)),
            ("Video/h264", Some(Codec::H264)),
            (" video/H264 ", Some(Codec::H264)),
            ("video/VP9", None),
            ("audio/PCMU", None),
            ("vp8", None),
            ("", None),
        ];
        for &(mime, want) in cases {
            assert_eq!(Codec::from_mime(mime), want, "{mime:?}");
        }
    }

    #[test]
    fn codec_properties() {
        assert_eq!(Codec::Opus.clock_rate(), 48_000);
        assert_eq!(Codec::Vp8.clock_rate(), 90_000);
        assert_eq!(Codec::H264.clock_rate(), 90_000);
        assert!(!Codec::Opus.is_video());
        assert!(Codec::Vp8.is_video());
        assert!(Codec::H264.is_video());
        for codec in [Codec::Opus, Codec::Vp8, Codec::H264] {
            assert_eq!(Codec::from_mime(codec.mime()), Some(codec));
        }
    }

    #[test]
    fn opus_every_packet_is_decodable() {
        assert!(is_keyframe(Codec::Opus, &[0x78, 0x01, 0x02]));
        assert!(is_keyframe(Codec::Opus, &[]));
    }

    #[test]
    fn vp8_table() {
        let cases: Vec<(&str, Vec<u8>, bool)> = vec![
            (
                "minimal descriptor, keyframe",
                cat(&[0x10], &VP8_KEY_HEADER),
                true,
            ),
            (
                "minimal descriptor, delta",
                cat(&[0x10], &VP8_DELTA_HEADER),
                false,
            ),
            // X=1, I=1, 7-bit PictureID 0x25.
            (
                "7-bit picture id, keyframe",
                cat(&[0x90, 0x80, 0x25], &VP8_KEY_HEADER),
                true,
            ),
            (
                "7-bit picture id, delta",
                cat(&[0x90, 0x80, 0x25], &VP8_DELTA_HEADER),
                false,
            ),
            // X=1, I=1, M=1: 15-bit PictureID 0x1234.
            (
                "15-bit picture id, keyframe",
                cat(&[0x90, 0x80, 0x92, 0x34], &VP8_KEY_HEADER),
                true,
            ),
            (
                "15-bit picture id, delta",
                cat(&[0x90, 0x80, 0x92, 0x34], &VP8_DELTA_HEADER),
                false,
            ),
            // X=1, I, L, T, K all set, as Chrome sends with temporal layers.
            (
                "full extension, keyframe",
                cat(&[0x90, 0xf0, 0x81, 0x00, 0x07, 0x20], &VP8_KEY_HEADER),
                true,
            ),
            (
                "full extension, delta",
                cat(&[0x90, 0xf0, 0x81, 0x00, 0x07, 0x20], &VP8_DELTA_HEADER),
                false,
            ),
            // X=1 with only T: one extra byte.
            (
                "T only, keyframe",
                cat(&[0x90, 0x20, 0x40], &VP8_KEY_HEADER),
                true,
            ),
            // X=1 with only L.
            (
                "L only, keyframe",
                cat(&[0x90, 0x40, 0x11], &VP8_KEY_HEADER),
                true,
            ),
            // N bit (non-reference) doesn't matter for detection.
            ("N bit set, keyframe", cat(&[0x30], &VP8_KEY_HEADER), true),
            // S=0: continuation packet of a keyframe.
            ("continuation", cat(&[0x00], &[0x12, 0x34, 0x56]), false),
            (
                "continuation, extended",
                cat(&[0x80, 0x80, 0x25], &[0x00, 0x00]),
                false,
            ),
            // S=1 but PID=1: start of a later partition.
            ("second partition", cat(&[0x11], &VP8_KEY_HEADER), false),
            // Descriptor complete but no payload header.
            ("descriptor only", vec![0x10], false),
            (
                "extended descriptor only",
                vec![0x90, 0x80, 0x92, 0x34],
                false,
            ),
            ("truncated 15-bit id", vec![0x90, 0x80, 0x92], false),
            ("truncated extension", vec![0x90], false),
            ("truncated T/K", vec![0x90, 0xf0, 0x81, 0x00, 0x07], false),
            ("empty", vec![], false),
        ];
        for (name, payload, want) in cases {
            assert_eq!(
                is_keyframe(Codec::Vp8, &payload),
                want,
                "{name}: {payload:02x?}"
            );
        }
    }

    #[test]
    fn vp8_descriptor_lengths() {
        let cases: &[(&[u8], Option<usize>)] = &[
            (&[0x10], Some(1)),
            (&[0x90, 0x00], Some(2)),
            (&[0x90, 0x80, 0x25], Some(3)),
            (&[0x90, 0x80, 0x92, 0x34], Some(4)),
            (&[0x90, 0xc0, 0x92, 0x34, 0x01], Some(5)),
            (&[0x90, 0xf0, 0x92, 0x34, 0x01, 0x20], Some(6)),
            (&[0x90, 0x10, 0x20], Some(3)),
            (&[0x90, 0xf0, 0x92, 0x34, 0x01], None),
            (&[], None),
        ];
        for &(payload, want) in cases {
            assert_eq!(vp8_descriptor_len(payload), want, "{payload:02x?}");
        }
    }

    #[test]
    fn h264_table() {
        // Realistic NAL headers: 0x67 SPS, 0x68 PPS, 0x65 IDR, 0x41 non-IDR slice, 0x06 SEI.
        let sps: &[u8] = &[0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xe8];
        let pps: &[u8] = &[0x68, 0xce, 0x3c, 0x80];
        let stap = |units: &[&[u8]]| {
            let mut out = vec![0x78]; // F=0, NRI=3, type 24
            for unit in units {
                out.extend_from_slice(&(unit.len() as u16).to_be_bytes());
                out.extend_from_slice(unit);
            }
            out
        };
        let cases: Vec<(&str, Vec<u8>, bool)> = vec![
            ("single IDR", vec![0x65, 0x88, 0x84, 0x00, 0x33], true),
            ("single SPS", sps.to_vec(), true),
            ("single PPS", pps.to_vec(), false),
            ("single non-IDR slice", vec![0x41, 0x9a, 0x02], false),
            ("single SEI", vec![0x06, 0x05, 0x10], false),
            ("IDR header only", vec![0x65], true),
            ("STAP-A SPS+PPS", stap(&[sps, pps]), true),
            ("STAP-A PPS+IDR", stap(&[pps, &[0x65, 0x88]]), true),
            (
                "STAP-A SEI+slice",
                stap(&[&[0x06, 0x01], &[0x41, 0x9a]]),
                false,
            ),
            ("STAP-A empty", vec![0x78], false),
            ("STAP-A truncated size", vec![0x78, 0x00], false),
            ("STAP-A size past end", vec![0x78, 0x00, 0x09, 0x67], false),
            ("STAP-A zero size", vec![0x78, 0x00, 0x00, 0x67], false),
            (
                "STAP-A keyframe after malformed",
                [stap(&[pps]), vec![0x00, 0x10, 0x65]].concat(),
                false,
            ),
            // FU-A indicator 0x7c (NRI=3, type 28); FU header |S|E|R|type|.
            ("FU-A start IDR", vec![0x7c, 0x85, 0x88, 0x84], true),
            ("FU-A start SPS", vec![0x7c, 0x87, 0x42], true),
            ("FU-A middle IDR", vec![0x7c, 0x05, 0x00], false),
            ("FU-A end IDR", vec![0x7c, 0x45, 0x00], false),
            ("FU-A start non-IDR", vec![0x7c, 0x81, 0x9a], false),
            ("FU-A header missing", vec![0x7c], false),
            ("empty", vec![], false),
        ];
        for (name, payload, want) in cases {
            assert_eq!(
                is_keyframe(Codec::H264, &payload),
                want,
                "{name}: {payload:02x?}"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics_on_garbage(payload in proptest::collection::vec(any::<u8>(), 0..64)) {
            for codec in [Codec::Opus, Codec::Vp8, Codec::H264] {
                let _ = is_keyframe(codec, &payload);
            }
        }

        #[test]
        fn vp8_keyframe_detected_behind_any_descriptor(
            ext in any::<u8>(),
            pid in any::<u8>(),
            extra in any::<[u8; 3]>(),
        ) {
            // Build a well-formed descriptor with arbitrary optional fields.
            let ext = ext & 0xf0;
            let mut payload = vec![0x90, ext];
            if ext & 0x80 != 0 {
                payload.push(pid);
                if pid & 0x80 != 0 {
                    payload.push(extra[0]);
                }
            }
            if ext & 0x40 != 0 {
                payload.push(extra[1]);
            }
            if ext & 0x30 != 0 {
                payload.push(extra[2]);
            }
            let descriptor_len = payload.len();
            payload.extend_from_slice(&VP8_KEY_HEADER);
            prop_assert!(is_keyframe(Codec::Vp8, &payload));
            payload[descriptor_len] |= 0x01;
            prop_assert!(!is_keyframe(Codec::Vp8, &payload));
        }
    }
}
