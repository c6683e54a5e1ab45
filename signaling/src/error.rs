//! Stable error codes. Clients switch on `code`; the text may change, the codes may not.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid JSON or not a known message shape.
    BadMessage,
    /// `v` is missing or not a version this server speaks.
    UnsupportedVersion,
    /// The frame is larger than `MAX_MESSAGE_BYTES`, or binary.
    MessageTooLarge,
    /// A message other than `auth` arrived before authentication.
    NotAuthenticated,
    /// A message is valid but not allowed in the session's current state.
    OutOfOrder,
    /// The token's signature, format or claims are invalid.
    TokenInvalid,
    TokenExpired,
    /// The token names a different call than the one addressed.
    WrongCall,
    /// The token's role may not do this.
    Forbidden,
    UnknownCall,
    /// The call already has its customer, agent or supervisor.
    CallFull,
    /// SDP could not be parsed or negotiated.
    BadSdp,
    BadCandidate,
    UnknownTrack,
    /// Resume token unknown, wrong or expired: join afresh.
    ResumeFailed,
    /// Too many messages in a short time.
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::BadMessage,
        ErrorCode::UnsupportedVersion,
        ErrorCode::MessageTooLarge,
        ErrorCode::NotAuthenticated,
        ErrorCode::OutOfOrder,
        ErrorCode::TokenInvalid,
        ErrorCode::TokenExpired,
        ErrorCode::WrongCall,
        ErrorCode::Forbidden,
        ErrorCode::UnknownCall,
        ErrorCode::CallFull,
        ErrorCode::BadSdp,
        ErrorCode::BadCandidate,
        ErrorCode::UnknownTrack,
        ErrorCode::ResumeFailed,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadMessage => "bad_message",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::MessageTooLarge => "message_too_large",
            ErrorCode::NotAuthenticated => "not_authenticated",
            ErrorCode::OutOfOrder => "out_of_order",
            ErrorCode::TokenInvalid => "token_invalid",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::WrongCall => "wrong_call",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::UnknownCall => "unknown_call",
            ErrorCode::CallFull => "call_full",
            ErrorCode::BadSdp => "bad_sdp",
            ErrorCode::BadCandidate => "bad_candidate",
            ErrorCode::UnknownTrack => "unknown_track",
            ErrorCode::ResumeFailed => "resume_failed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
        }
    }

    /// Errors after which the server closes the connection.
    pub fn is_fatal(self) -> bool {
        matches!(
            self,
            ErrorCode::TokenInvalid
                | ErrorCode::TokenExpired
                | ErrorCode::WrongCall
                | ErrorCode::Forbidden
                | ErrorCode::UnknownCall
                | ErrorCode::CallFull
                | ErrorCode::ResumeFailed
                | ErrorCode::UnsupportedVersion
        )
    }
}

/// A protocol-level failure: a code and a human sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct SignalError {
    pub code: ErrorCode,
    pub message: String,
}

impl SignalError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}
