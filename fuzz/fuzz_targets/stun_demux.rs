//! Any datagram on the shared UDP port: classification and STUN USERNAME parsing never panic,
//! and a ufrag found lies inside the datagram.
#![no_main]

use libfuzzer_sys::fuzz_target;
use showroom_sfu::demux::{classify, sdp_ice_ufrag, stun_local_ufrag};

fuzz_target!(|data: &[u8]| {
    let _ = classify(data);
    if let Some(ufrag) = stun_local_ufrag(data) {
        assert!(!ufrag.is_empty() && ufrag.len() <= data.len());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sdp_ice_ufrag(text);
    }
});
