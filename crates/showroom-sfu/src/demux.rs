//! Demultiplexing of the one shared UDP port (RFC 7983): which peer connection a datagram is for.
//!
//! A STUN binding request names the connection in its USERNAME attribute (`ours:theirs`), so the
//! first packet from a new address is routed by our ICE username fragment; every later packet
//! (DTLS, SRTP, SRTCP) is routed by the source address that STUN taught us.

/// What a datagram carries, by its first byte (RFC 7983 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketClass {
    Stun,
    Dtls,
    /// SRTP or SRTCP.
    Rtp,
    Unknown,
}

pub fn classify(buf: &[u8]) -> PacketClass {
    match buf.first() {
        Some(0..=3) => PacketClass::Stun,
        Some(20..=63) => PacketClass::Dtls,
        Some(128..=191) => PacketClass::Rtp,
        _ => PacketClass::Unknown,
    }
}

const STUN_HEADER_LEN: usize = 20;
const STUN_MAGIC_COOKIE: [u8; 4] = [0x21, 0x12, 0xA4, 0x42];
const ATTR_USERNAME: u16 = 0x0006;

/// The local (first) ufrag of a STUN message's USERNAME attribute, if it has one.
/// Never panics on malformed input.
pub fn stun_local_ufrag(buf: &[u8]) -> Option<&str> {
    if buf.len() < STUN_HEADER_LEN || buf[4..8] != STUN_MAGIC_COOKIE || buf[0] & 0xC0 != 0 {
        return None;
    }
    let body_len = usize::from(u16::from_be_bytes([buf[2], buf[3]]));
    let end = STUN_HEADER_LEN.checked_add(body_len)?.min(buf.len());
    let mut at = STUN_HEADER_LEN;
    while at + 4 <= end {
        let typ = u16::from_be_bytes([buf[at], buf[at + 1]]);
        let len = usize::from(u16::from_be_bytes([buf[at + 2], buf[at + 3]]));
        let value = buf.get(at + 4..at + 4 + len)?;
        if typ == ATTR_USERNAME {
            let username = std::str::from_utf8(value).ok()?;
            return username.split(':').next().filter(|s| !s.is_empty());
        }
        // Attributes are padded to 4 bytes.
        at += 4 + len.div_ceil(4) * 4;
    }
    None
}

/// The `a=ice-ufrag:` value of an SDP (first one: bundled sessions share it).
pub fn sdp_ice_ufrag(sdp: &str) -> Option<&str> {
    sdp.lines().find_map(|l| l.trim_end().strip_prefix("a=ice-ufrag:")).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding_request(username: &str) -> Vec<u8> {
        let mut attr = Vec::new();
        attr.extend_from_slice(&ATTR_USERNAME.to_be_bytes());
        attr.extend_from_slice(&(username.len() as u16).to_be_bytes());
        attr.extend_from_slice(username.as_bytes());
        while attr.len() % 4 != 0 {
            attr.push(0);
        }
        // A second attribute after USERNAME (PRIORITY) to exercise the walk.
        let mut other = vec![0x00, 0x24, 0x00, 0x04, 1, 2, 3, 4];
        let mut msg = vec![0x00, 0x01];
        msg.extend_from_slice(&((attr.len() + other.len()) as u16).to_be_bytes());
        msg.extend_from_slice(&STUN_MAGIC_COOKIE);
        msg.extend_from_slice(&[7; 12]);
        msg.extend_from_slice(&attr);
        msg.append(&mut other);
        msg
    }

    #[test]
    fn username_local_part_is_found() {
        assert_eq!(stun_local_ufrag(&binding_request("srv1:cli9")), Some("srv1"));
        assert_eq!(stun_local_ufrag(&binding_request("abcde:x")), Some("abcde"));
    }

    #[test]
    fn malformed_stun_is_none() {
        let good = binding_request("srv1:cli9");
        for cut in 0..good.len() {
            // Truncations must not panic; only a complete attribute yields a ufrag.
            let _ = stun_local_ufrag(&good[..cut]);
        }
        let mut bad_cookie = good.clone();
        bad_cookie[4] = 0;
        assert_eq!(stun_local_ufrag(&bad_cookie), None);
        assert_eq!(stun_local_ufrag(&[]), None);
        assert_eq!(stun_local_ufrag(&binding_request(":x")), None);
    }

    #[test]
    fn classify_by_first_byte() {
        assert_eq!(classify(&[0x00, 1]), PacketClass::Stun);
        assert_eq!(classify(&[22]), PacketClass::Dtls);
        assert_eq!(classify(&[0x80]), PacketClass::Rtp);
        assert_eq!(classify(&[200]), PacketClass::Unknown);
        assert_eq!(classify(&[]), PacketClass::Unknown);
    }

    #[test]
    fn sdp_ufrag() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:AbC\r\na=ice-pwd:x\r\n";
        assert_eq!(sdp_ice_ufrag(sdp), Some("AbC"));
        assert_eq!(sdp_ice_ufrag("v=0\r\n"), None);
    }
}
