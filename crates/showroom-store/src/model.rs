//! The typed records the store reads and writes. Timestamps are UTC ([`Ts`]); offsets inside a
//! call (`*_s`) are seconds from the call's start. Every type is serde-serialisable because the
//! spool writes them as JSON lines.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// A point in time, always UTC. The store keeps microseconds (PostgreSQL's resolution) on both
/// engines, so a value read back equals the value written after [`truncate_ts`].
pub type Ts = DateTime<Utc>;

/// `t` with its sub-microsecond part dropped: what both engines store.
pub fn truncate_ts(t: Ts) -> Ts {
    chrono::DurationRound::duration_trunc(t, chrono::TimeDelta::microseconds(1)).unwrap_or(t)
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

string_id!(
    /// A call, as the service's call registry names it.
    CallId
);
string_id!(
    /// The shop (customer of Showroom) a call belongs to.
    TenantId
);
string_id!(
    /// A participant of one call (opaque, chosen by the service).
    ParticipantId
);
string_id!(
    /// The agent who answered a call.
    AgentId
);
string_id!(
    /// A QA reviewer (or admin) who overrides a verdict.
    ReviewerId
);
string_id!(
    /// Idempotency key of a transcript segment, unique within its call: writing the same key
    /// twice stores it once. Build it with [`UtteranceKey::for_utterance`].
    UtteranceKey
);

impl UtteranceKey {
    /// `{participant}:{utterance_no}`: the live pipeline numbers utterances per stream.
    pub fn for_utterance(participant: &ParticipantId, utterance_no: u64) -> Self {
        Self(format!("{participant}:{utterance_no}"))
    }
}

/// The store's own number for a stored segment: insertion order, and the row a full-text index
/// points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SegmentId(pub i64);

/// Text enums are stored as their `as_str` form; an unknown value read back is
/// [`StoreError::Corrupt`].
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = StoreError;
            fn from_str(s: &str) -> Result<Self, StoreError> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(StoreError::Corrupt { column: stringify!($name), value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// A participant's part in a call.
    Role { Customer => "customer", Agent => "agent", Supervisor => "supervisor" }
);
text_enum!(
    /// Where a call is in its life. `Missed` is a call that ended without being answered.
    CallStatus { Ringing => "ringing", Answered => "answered", Ended => "ended", Missed => "missed" }
);
text_enum!(
    /// A reviewer's verdict on one criterion.
    Verdict { Pass => "pass", Fail => "fail", NotApplicable => "not_applicable" }
);

/// The product page the shopper called from. Columns, not JSON: search filters on them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductContext {
    pub sku: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
}

/// A call as it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCall {
    pub id: CallId,
    pub tenant: TenantId,
    pub shopper_id: Option<String>,
    pub shopper_name: Option<String>,
    /// Known at creation when the call was routed to an agent; else set by `mark_answered`.
    pub agent: Option<AgentId>,
    pub team: Option<String>,
    pub product: ProductContext,
    /// ISO 639-1 code, when known.
    pub language: Option<String>,
    /// The gateway node that hosts the call.
    pub node: Option<String>,
    pub created_at: Ts,
}

/// Who answered, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub agent: AgentId,
    pub team: Option<String>,
    pub at: Ts,
}

/// A stored call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: CallId,
    pub tenant: TenantId,
    pub shopper_id: Option<String>,
    pub shopper_name: Option<String>,
    pub agent: Option<AgentId>,
    pub team: Option<String>,
    pub product: ProductContext,
    pub language: Option<String>,
    pub node: Option<String>,
    pub created_at: Ts,
    pub answered_at: Option<Ts>,
    pub ended_at: Option<Ts>,
    pub status: CallStatus,
}

/// Which calls `list_calls` returns: one tenant's, `from <= created_at < to`, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CallQuery {
    pub tenant: TenantId,
    pub from: Option<Ts>,
    pub to: Option<Ts>,
    /// Continue after this call (the `next` of the previous page).
    pub after: Option<CallCursor>,
    /// Page size, clamped to `1..=MAX_PAGE`.
    pub limit: u32,
}

impl CallQuery {
    pub const MAX_PAGE: u32 = 500;
}

/// Keyset position in the newest-first order: stable while calls are added (offsets are not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCursor {
    pub created_at: Ts,
    pub id: CallId,
}

/// One page of calls; `next` is `None` on the last page.
#[derive(Debug, Clone, PartialEq)]
pub struct CallPage {
    pub calls: Vec<Call>,
    pub next: Option<CallCursor>,
}

/// A participant of a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    pub call: CallId,
    pub participant: ParticipantId,
    pub role: Role,
    pub display_name: Option<String>,
    pub joined_at: Ts,
    pub left_at: Option<Ts>,
}

/// Whether a segment holds recognised text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SegmentStatus {
    Final,
    /// The recognizer could not keep up (or failed): the speech happened, its text is missing.
    NotTranscribed {
        reason: String,
    },
}

/// One final transcript segment (or the record that one could not be transcribed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub call: CallId,
    pub key: UtteranceKey,
    pub participant: ParticipantId,
    pub role: Role,
    /// Seconds from the call's start.
    pub start_s: f64,
    pub end_s: f64,
    /// Already redacted when `redacted` is set: unredacted text is never handed to the store.
    pub text: String,
    pub language: Option<String>,
    pub confidence: Option<f32>,
    pub status: SegmentStatus,
    pub redacted: bool,
}

/// A segment as stored, with its insertion number.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSegment {
    pub id: SegmentId,
    pub segment: Segment,
}

/// Something the insight engine noticed (an interruption, a backchannel, dead air, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightEvent {
    pub call: CallId,
    /// `interruption`, `backchannel`, ... as the insight engine names them.
    pub kind: String,
    /// The party the event is about (who interrupted, who went silent).
    pub party: Role,
    pub onset_s: f64,
    pub duration_s: f64,
    pub details: serde_json::Value,
}

/// A call's scorecard under one rubric; scoring again under the same rubric replaces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub call: CallId,
    pub rubric: String,
    pub rubric_version: String,
    pub score: f64,
    pub passed: bool,
    /// Per-criterion verdicts with evidence, as the scorer writes them.
    pub criteria: serde_json::Value,
    pub scored_at: Ts,
}

/// A reviewer's verdict on one criterion, with the reason. Overrides are kept as history; the
/// latest per criterion is the one in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewerOverride {
    pub call: CallId,
    pub criterion: String,
    pub verdict: Verdict,
    /// Required, non-blank.
    pub comment: String,
    pub reviewer: ReviewerId,
    pub at: Ts,
}

/// Who did what to which call. Not tied to the call row: the trail outlives a deleted call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub actor: String,
    /// The actor's role from their token (`reviewer`, `admin`, ...).
    pub role: String,
    /// What they did (`call.read`, `override.create`, ...).
    pub action: String,
    pub call: Option<CallId>,
    pub at: Ts,
}

/// What an agent recorded when a call ended: a disposition code and notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WrapUp {
    pub call: CallId,
    pub agent: AgentId,
    pub disposition: String,
    pub notes: String,
    pub saved_at: Ts,
}

/// The shopper's 1–5 rating of a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub call: CallId,
    pub stars: u8,
    pub comment: Option<String>,
    pub rated_at: Ts,
}

/// A shopper asked to be called back (nobody could take their call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackRequest {
    pub id: String,
    pub tenant: TenantId,
    pub name: String,
    pub contact: String,
    pub language: Option<String>,
    /// The shopper's IANA time zone, e.g. `America/Mexico_City`.
    pub timezone: Option<String>,
    pub preferred_time: Option<String>,
    pub note: Option<String>,
    pub product: ProductContext,
    pub created_at: Ts,
}

/// Who an agent is for routing: their shop, languages and skills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentProfile {
    pub id: AgentId,
    pub tenant: TenantId,
    pub name: Option<String>,
    pub languages: Vec<String>,
    pub skills: Vec<String>,
}
