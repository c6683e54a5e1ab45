//! Test and load-generation kit: call participants as programs, over real WebRTC.
//!
//! [`CallClient`] joins through the real HTTP front door and `/v1/signal`, runs two `rtc`
//! peer connections (real ICE, DTLS-SRTP) on their own UDP sockets, and answers server offers.
//! [`media`] makes well-formed Opus-sized and VP8 packets whose payloads can be verified.
//! Used by the integration tests and the load generator in `benches/`; never by the product.

pub mod client;
pub mod media;
pub mod peer;
pub mod spawn;

pub use client::{CallClient, Gateway};
pub use spawn::SpawnedGateway;
pub use peer::{Kind, Outbound, Peer, PeerEvent, ReceivedRtp};
pub use rtc::rtp::packet::Packet as RtpPacket;
