//! Stable error codes. Clients switch on `code`; the text may change, the codes may not.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid JSON or not a known message shape.
    BadMessage,
    /// `v` is missing or not a version this server speaks.
    UnsupportedVersion,
    /// The frame is larger than `MAX_MESSAGE_BYTES`. (Binary frames are `BadMessage`.)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Exhaustive over `ErrorCode`: a new variant fails to compile here until it is given a
    /// position, which the test below then requires `ALL` to hold.
    fn ordinal(code: ErrorCode) -> usize {
        match code {
            ErrorCode::BadMessage => 0,
            ErrorCode::UnsupportedVersion => 1,
            ErrorCode::MessageTooLarge => 2,
            ErrorCode::NotAuthenticated => 3,
            ErrorCode::OutOfOrder => 4,
            ErrorCode::TokenInvalid => 5,
            ErrorCode::TokenExpired => 6,
            ErrorCode::WrongCall => 7,
            ErrorCode::Forbidden => 8,
            ErrorCode::UnknownCall => 9,
            ErrorCode::CallFull => 10,
            ErrorCode::BadSdp => 11,
            ErrorCode::BadCandidate => 12,
            ErrorCode::UnknownTrack => 13,
            ErrorCode::ResumeFailed => 14,
            ErrorCode::RateLimited => 15,
            ErrorCode::Internal => 16,
        }
    }
    const VARIANTS: usize = 17;

    #[test]
    fn all_holds_every_variant_once() {
        assert_eq!(ErrorCode::ALL.len(), VARIANTS);
        let mut seen = [false; VARIANTS];
        for code in ErrorCode::ALL {
            assert!(!std::mem::replace(&mut seen[ordinal(code)], true), "{code:?} twice in ALL");
        }
        assert!(seen.iter().all(|s| *s), "ALL misses a variant");
    }

    #[test]
    fn as_str_matches_serde_both_ways() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::Value::from(code.as_str()), "{code:?}");
            let back: ErrorCode = serde_json::from_value(serde_json::Value::from(code.as_str())).unwrap();
            assert_eq!(back, code);
        }
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VARIANTS, "codes are distinct");
        assert!(serde_json::from_str::<ErrorCode>("\"BadMessage\"").is_err());
    }

    #[test]
    fn fatal_codes() {
        let fatal: Vec<&str> = ErrorCode::ALL.iter().filter(|c| c.is_fatal()).map(|c| c.as_str()).collect();
        assert_eq!(
            fatal,
            [
                "unsupported_version",
                "token_invalid",
                "token_expired",
                "wrong_call",
                "forbidden",
                "unknown_call",
                "call_full",
                "resume_failed"
            ]
        );
    }

    #[test]
    fn display_is_code_then_message() {
        let e = SignalError::new(ErrorCode::CallFull, "the call already has its agent");
        assert_eq!(e.to_string(), "call_full: the call already has its agent");
    }
}
