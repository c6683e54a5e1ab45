//! Wire types of the desk WebSocket (`/v1/desk/ws`): agents' presence, offers (rings),
//! accept/decline and wrap-up; supervisors' board. Documented in `DESK.md`.

use serde::{Deserialize, Serialize};

/// An agent's state as routing and the console see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    Busy,
    Away,
    WrapUp,
}

impl Presence {
    pub const ALL: [Presence; 4] = [Presence::Available, Presence::Busy, Presence::Away, Presence::WrapUp];

    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Available => "available",
            Presence::Busy => "busy",
            Presence::Away => "away",
            Presence::WrapUp => "wrap_up",
        }
    }
}

/// Why an offer stopped ringing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferClosed {
    Declined,
    Timeout,
    Abandoned,
}

impl OfferClosed {
    pub fn as_str(self) -> &'static str {
        match self {
            OfferClosed::Declined => "declined",
            OfferClosed::Timeout => "timeout",
            OfferClosed::Abandoned => "abandoned",
        }
    }
}

/// What the shopper is looking at, as the console shows it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProductCard {
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub price: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentCard {
    pub id: String,
    pub name: Option<String>,
    pub tenant: String,
    pub languages: Vec<String>,
    pub skills: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopperCard {
    pub name: Option<String>,
    pub language: String,
    pub vip: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeskClientMessage {
    SignIn {
        token: String,
        #[serde(default)]
        presence: Option<Presence>,
    },
    Presence {
        state: Presence,
    },
    Accept {
        offer_id: String,
    },
    Decline {
        offer_id: String,
    },
    WrapUp {
        call_id: String,
        disposition: String,
        #[serde(default)]
        notes: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardQueue {
    pub language: String,
    pub waiting: u32,
    pub longest_wait_s: f64,
    pub agents_available: u32,
    pub agents_online: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardWaiting {
    pub call_id: String,
    pub language: String,
    pub vip: bool,
    pub waited_s: f64,
    pub skill: Option<String>,
    pub shopper_name: Option<String>,
    pub product: Option<ProductCard>,
    pub offered_to: Option<String>,
    pub position: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardAgent {
    pub id: String,
    pub name: Option<String>,
    pub languages: Vec<String>,
    pub skills: Vec<String>,
    pub presence: Presence,
    pub since_ms: u64,
    pub call_id: Option<String>,
    /// The call this agent is being offered right now.
    pub ringing_for: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardCall {
    pub call_id: String,
    pub agent: String,
    pub language: String,
    pub started_ms: u64,
    pub product: Option<ProductCard>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardCallback {
    pub id: String,
    pub name: String,
    pub contact: String,
    pub language: Option<String>,
    pub timezone: Option<String>,
    pub preferred_time: Option<String>,
    pub note: Option<String>,
    pub created_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeskServerMessage {
    SignedIn {
        role: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        agent: Option<AgentCard>,
        tenant: String,
        dispositions: Vec<String>,
        wrap_up_s: u32,
        offer_timeout_s: f64,
    },
    Presence {
        state: Presence,
        since_ms: u64,
        wrap_up_ends_at_ms: Option<u64>,
        call_id: Option<String>,
        reason: Option<&'static str>,
    },
    Offer {
        offer_id: String,
        call_id: String,
        expires_at_ms: u64,
        timeout_s: f64,
        waited_s: f64,
        shopper: ShopperCard,
        skill: Option<String>,
        product: Option<ProductCard>,
    },
    OfferClosed {
        offer_id: String,
        call_id: String,
        reason: OfferClosed,
    },
    Accepted {
        offer_id: String,
        call_id: String,
        token: String,
    },
    WrapUpSaved {
        call_id: String,
    },
    Board {
        tenant: String,
        now_ms: u64,
        queues: Vec<BoardQueue>,
        waiting: Vec<BoardWaiting>,
        agents: Vec<BoardAgent>,
        calls: Vec<BoardCall>,
        callbacks: Vec<BoardCallback>,
    },
    Error {
        code: &'static str,
        message: String,
    },
}
