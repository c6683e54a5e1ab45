//! Any text a client sends: decoding never panics, and a decoded message drives the session
//! state machine without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use showroom_signaling::{decode_frame, Session, TokenKeys};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let keys = TokenKeys::new(b"fuzz");
    let mut session = Session::new();
    for frame in text.split('\n') {
        if let Ok(msg) = decode_frame(frame) {
            let _ = session.handle(msg, &keys, 1_000);
        }
    }
});
