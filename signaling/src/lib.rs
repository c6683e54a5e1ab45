//! Showroom's signaling protocol: the JSON wire types of `/v1/signal`, their stable error codes,
//! HS256 access tokens, and the per-connection [`Session`] state machine.
//!
//! This crate is the only place (with the service edge) that knows JSON. It knows nothing about
//! sockets, WebRTC or rooms: the service feeds it frames and executes the [`Request`]s it returns.

pub mod desk;
pub mod error;
pub mod protocol;
pub mod session;
pub mod token;

pub use error::{ErrorCode, SignalError};
pub use protocol::*;
pub use session::{decode_frame, encode, Request, Session, SessionState};
pub use token::{Claims, ShopperClaims, TokenKeys};
