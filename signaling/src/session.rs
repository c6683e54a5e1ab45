//! Per-connection session state machine: decodes frames, enforces order and role rules, and
//! hands the service a validated [`Request`]. It performs no I/O and owns no clock.

use crate::error::{ErrorCode, SignalError};
use crate::protocol::{
    ClientMessage, Envelope, IceCandidate, PeerRole, ResumeRequest, Role, TrackAnnouncement,
    MAX_MESSAGE_BYTES, PROTOCOL_VERSION,
};
use crate::token::{Claims, TokenKeys};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    AwaitingAuth,
    Authed(Claims),
    Joined { claims: Claims, participant_id: String },
    Closed,
}

/// What the service must do for a frame that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Authentication succeeded; reply `authed`.
    Authed(Claims),
    Join { name: Option<String>, resume: Option<ResumeRequest> },
    PublisherOffer { sdp: String, tracks: Vec<TrackAnnouncement> },
    SubscriberAnswer { sdp: String },
    Candidate { pc: PeerRole, candidate: IceCandidate },
    Mute { mid: String, muted: bool },
    SetQuality { track_id: String, max_layer: Option<u8> },
    RestartSubscriberIce,
    SetCaptions { enabled: bool },
    Leave,
    Ping { ts: Option<f64> },
}

/// One connection's protocol state.
#[derive(Debug)]
pub struct Session {
    state: SessionState,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

/// Decodes one text frame: size, JSON, version, message shape — in that order.
pub fn decode_frame(text: &str) -> Result<ClientMessage, SignalError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(SignalError::new(
            ErrorCode::MessageTooLarge,
            format!("frame is {} bytes; the limit is {MAX_MESSAGE_BYTES}", text.len()),
        ));
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| SignalError::new(ErrorCode::BadMessage, format!("not valid JSON: {e}")))?;
    let Some(obj) = value.as_object() else {
        return Err(SignalError::new(ErrorCode::BadMessage, "a frame must be a JSON object"));
    };
    match obj.get("v").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(PROTOCOL_VERSION) => {}
        Some(v) => {
            return Err(SignalError::new(
                ErrorCode::UnsupportedVersion,
                format!("protocol version {v} is not supported; this server speaks {PROTOCOL_VERSION}"),
            ));
        }
        None if obj.contains_key("v") => {
            return Err(SignalError::new(
                ErrorCode::UnsupportedVersion,
                format!("field `v` must be the integer {PROTOCOL_VERSION}"),
            ));
        }
        None => return Err(SignalError::new(ErrorCode::UnsupportedVersion, "missing field `v`")),
    }
    let mut obj = obj.clone();
    obj.remove("v");
    serde_json::from_value::<ClientMessage>(serde_json::Value::Object(obj))
        .map_err(|e| SignalError::new(ErrorCode::BadMessage, format!("unknown or malformed message: {e}")))
}

/// Encodes a server message with its version envelope.
pub fn encode<M: serde::Serialize>(msg: M) -> String {
    serde_json::to_string(&Envelope { v: PROTOCOL_VERSION, msg }).expect("server messages always serialize")
}

impl Session {
    pub fn new() -> Self {
        Self { state: SessionState::AwaitingAuth }
    }

    pub fn state(&self) -> &SessionState {
        &self.state
    }

    pub fn claims(&self) -> Option<&Claims> {
        match &self.state {
            SessionState::Authed(c) | SessionState::Joined { claims: c, .. } => Some(c),
            _ => None,
        }
    }

    /// Called by the service once the room accepted the join.
    pub fn joined(&mut self, participant_id: String) {
        if let SessionState::Authed(claims) = &self.state {
            self.state = SessionState::Joined { claims: claims.clone(), participant_id };
        }
    }

    pub fn close(&mut self) {
        self.state = SessionState::Closed;
    }

    /// Validates `msg` against the session state and returns what to do with it.
    pub fn handle(&mut self, msg: ClientMessage, keys: &TokenKeys, now_unix: u64) -> Result<Request, SignalError> {
        match (&self.state, msg) {
            (SessionState::Closed, _) => Err(SignalError::new(ErrorCode::OutOfOrder, "session is closed")),
            (_, ClientMessage::Ping { ts }) => Ok(Request::Ping { ts }),
            (SessionState::AwaitingAuth, ClientMessage::Auth { token, .. }) => {
                let claims = keys.verify(&token, now_unix)?;
                if !claims.role.may_join_calls() {
                    return Err(SignalError::new(
                        ErrorCode::Forbidden,
                        format!("role {} cannot take part in calls", claims.role.as_str()),
                    ));
                }
                if claims.call.is_none() {
                    return Err(SignalError::new(ErrorCode::WrongCall, "token does not name a call"));
                }
                self.state = SessionState::Authed(claims.clone());
                Ok(Request::Authed(claims))
            }
            (SessionState::AwaitingAuth, other) => Err(SignalError::new(
                ErrorCode::NotAuthenticated,
                format!("`{}` before `auth`", other.type_name()),
            )),
            (_, ClientMessage::Auth { .. }) => {
                Err(SignalError::new(ErrorCode::OutOfOrder, "already authenticated"))
            }
            (SessionState::Authed(claims), ClientMessage::Join { name, resume, call_id, .. }) => {
                if call_id.is_some() && call_id != claims.call {
                    return Err(SignalError::new(ErrorCode::WrongCall, "the token was issued for another call"));
                }
                Ok(Request::Join { name, resume })
            }
            (SessionState::Authed(_), other) => Err(SignalError::new(
                ErrorCode::OutOfOrder,
                format!("`{}` before `join`", other.type_name()),
            )),
            (SessionState::Joined { .. }, ClientMessage::Join { .. }) => {
                Err(SignalError::new(ErrorCode::OutOfOrder, "already joined"))
            }
            (SessionState::Joined { claims, .. }, msg) => Self::joined_request(claims, msg),
        }
    }

    fn joined_request(claims: &Claims, msg: ClientMessage) -> Result<Request, SignalError> {
        let may_publish = !(claims.role == Role::Supervisor && claims.listen_only);
        match msg {
            ClientMessage::Offer { pc: PeerRole::Publisher, sdp, tracks, .. } => {
                if !may_publish {
                    return Err(SignalError::new(ErrorCode::Forbidden, "a listen-only supervisor cannot publish"));
                }
                Ok(Request::PublisherOffer { sdp, tracks })
            }
            ClientMessage::Offer { pc: PeerRole::Subscriber, .. } => Err(SignalError::new(
                ErrorCode::OutOfOrder,
                "the server offers on the subscriber connection; send an answer",
            )),
            ClientMessage::Answer { pc: PeerRole::Subscriber, sdp, .. } => Ok(Request::SubscriberAnswer { sdp }),
            ClientMessage::Answer { pc: PeerRole::Publisher, .. } => Err(SignalError::new(
                ErrorCode::OutOfOrder,
                "the client offers on the publisher connection; send an offer",
            )),
            ClientMessage::Candidate { pc, candidate } => {
                if candidate.candidate.len() > 1024 {
                    return Err(SignalError::new(ErrorCode::BadCandidate, "candidate line too long"));
                }
                Ok(Request::Candidate { pc, candidate })
            }
            ClientMessage::Mute { mid, muted, .. } => Ok(Request::Mute { mid, muted }),
            ClientMessage::SetQuality { track_id, max_layer } => Ok(Request::SetQuality { track_id, max_layer }),
            ClientMessage::RestartIce { pc: PeerRole::Subscriber } => Ok(Request::RestartSubscriberIce),
            ClientMessage::RestartIce { pc: PeerRole::Publisher } => Err(SignalError::new(
                ErrorCode::OutOfOrder,
                "restart publisher ICE with a new offer (iceRestart: true)",
            )),
            ClientMessage::SetCaptions { enabled } => Ok(Request::SetCaptions { enabled }),
            ClientMessage::Leave {} => Ok(Request::Leave),
            ClientMessage::Ping { ts } => Ok(Request::Ping { ts }),
            ClientMessage::Auth { .. } | ClientMessage::Join { .. } => {
                Err(SignalError::new(ErrorCode::OutOfOrder, "already joined"))
            }
        }
    }
}
