//! Access tokens: HS256 JWTs naming a call, an identity, a role and an expiry.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, SignalError};
use crate::protocol::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Identity of the holder (agent login, shopper session id).
    pub sub: String,
    pub role: Role,
    /// The one call this token grants. `None` for desk tokens (agents waiting for calls,
    /// reviewers), which cannot enter any call's signaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Supervisor joining to listen only: receives, never publishes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub listen_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    pub iat: u64,
    pub exp: u64,
}

/// Signs and checks tokens with one shared secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(..)")
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) }
    }

    pub fn mint(&self, claims: &Claims) -> Result<String, SignalError> {
        self.sign(claims)
    }

    /// What a shop's server does (with any JWT library) to vouch for a shopper; here for tests
    /// and tools.
    pub fn mint_shopper(&self, claims: &ShopperClaims) -> Result<String, SignalError> {
        self.sign(claims)
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, SignalError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| SignalError::new(ErrorCode::Internal, format!("cannot sign token: {e}")))
    }

    /// Checks signature and expiry against `now_unix` (seconds), with no leeway.
    pub fn verify(&self, token: &str, now_unix: u64) -> Result<Claims, SignalError> {
        self.decode(token, now_unix, |c: &Claims| c.exp)
    }

    /// A shop's signed word about its shopper (`POST /v1/calls {"shopper_token"}`), checked
    /// with that shop's own secret.
    pub fn verify_shopper(&self, token: &str, now_unix: u64) -> Result<ShopperClaims, SignalError> {
        self.decode(token, now_unix, |c: &ShopperClaims| c.exp)
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, token: &str, now_unix: u64, exp: impl Fn(&T) -> u64) -> Result<T, SignalError> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked below against the caller's clock, so tests can move time.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<T>(token, &self.decoding, &validation).map_err(|e| {
            let why = match e.kind() {
                ErrorKind::InvalidSignature => "signature does not match".to_string(),
                ErrorKind::Json(_) => "claims are missing or malformed".to_string(),
                _ => format!("token is malformed ({e})"),
            };
            SignalError::new(ErrorCode::TokenInvalid, why)
        })?;
        if exp(&data.claims) <= now_unix {
            return Err(SignalError::new(ErrorCode::TokenExpired, "token has expired"));
        }
        Ok(data.claims)
    }
}

/// What a shop's server vouches for about the shopper on its page: who they are and whether
/// they are a VIP. HS256 with the shop's `shopper_secret`; short-lived (`exp`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopperClaims {
    /// The shop's id for the shopper.
    pub sub: String,
    #[serde(default)]
    pub vip: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub exp: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> Claims {
        Claims {
            sub: "ana".into(),
            role: Role::Agent,
            call: Some("c1".into()),
            name: None,
            listen_only: false,
            tenant: None,
            iat: 0,
            exp,
        }
    }

    #[test]
    fn round_trip_and_expiry() {
        let keys = TokenKeys::new(b"secret");
        let token = keys.mint(&claims(100)).unwrap();
        assert_eq!(keys.verify(&token, 99).unwrap(), claims(100));
        assert_eq!(keys.verify(&token, 100).unwrap_err().code, ErrorCode::TokenExpired);
    }

    #[test]
    fn shopper_tokens_are_checked_with_the_shop_secret() {
        let shop = TokenKeys::new(b"shop-secret");
        let claims = ShopperClaims { sub: "cust-77".into(), vip: true, name: Some("Lucía".into()), exp: 100 };
        let token = shop.mint_shopper(&claims).unwrap();
        assert_eq!(shop.verify_shopper(&token, 99).unwrap(), claims);
        assert_eq!(shop.verify_shopper(&token, 100).unwrap_err().code, ErrorCode::TokenExpired);
        assert_eq!(TokenKeys::new(b"other-shop").verify_shopper(&token, 1).unwrap_err().code, ErrorCode::TokenInvalid);
    }

    #[test]
    fn wrong_secret_and_garbage_are_invalid() {
        let token = TokenKeys::new(b"secret").mint(&claims(100)).unwrap();
        assert_eq!(TokenKeys::new(b"other").verify(&token, 1).unwrap_err().code, ErrorCode::TokenInvalid);
        assert_eq!(TokenKeys::new(b"x").verify("not.a.jwt", 1).unwrap_err().code, ErrorCode::TokenInvalid);
        assert_eq!(TokenKeys::new(b"x").verify("", 1).unwrap_err().code, ErrorCode::TokenInvalid);
    }
}
