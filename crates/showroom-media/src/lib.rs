//! The sans-IO media core of the Showroom SFU.
//!
//! Everything here is a pure decision or a small state machine that takes `now` as an argument:
//! which packets a subscriber gets and with which sequence number and timestamp, when a keyframe
//! must be requested, which simulcast layer a subscriber should receive. There are no sockets, no
//! tasks and no clocks in this crate, so every behaviour is tested with simulated time.
//!
//! **API boundary:** this crate knows nothing about WebRTC libraries, JSON or networking. The SFU
//! driver (`showroom-sfu`) parses packets into [`PacketMeta`] and executes the decisions.

pub mod keyframe;
pub mod forwarder;
pub mod layers;
pub mod pli;

pub use forwarder::{Forwarder, ForwardDecision, DropReason, PacketMeta};
pub use keyframe::{is_keyframe, Codec};
pub use layers::{select_layer, LayerSelectorConfig, LayerStats};
pub use layers::BitrateMeter;
pub use pli::KeyframeRequestThrottle;
