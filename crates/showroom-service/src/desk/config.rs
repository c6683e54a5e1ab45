//! The `[desk]` config section: wrap-up, disposition codes, business hours and agent profiles.
//! Routing weights live in `[routing]` (`showroom_routing::RoutingConfig`).

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DeskConfig {
    /// Seconds of wrap-up after a call before the agent is offered the next one.
    pub wrap_up_s: u32,
    /// The codes an agent picks from at wrap-up.
    pub dispositions: Vec<String>,
    /// How long an agent's decline keeps a call from being offered to them again. After it,
    /// a shopper only they can serve is offered to them once more rather than stranded.
    pub decline_cooldown_s: u32,
    /// Average call length assumed for wait estimates until calls have been measured.
    pub expected_handle_s: f64,
    /// Time from ring to accept assumed until measured.
    pub expected_answer_s: f64,
    /// `[desk.hours.<tenant>]`: opening hours; a tenant without hours is always open.
    pub hours: BTreeMap<String, HoursConfig>,
    /// `[desk.agents.<id>]`: who speaks what (the admin API and demo sign-in add more).
    pub agents: BTreeMap<String, AgentConfig>,
    /// `[desk.shops.<tenant>]`: what a shop's own server vouches for.
    pub shops: BTreeMap<String, ShopConfig>,
}

/// A shop whose server signs what it knows about its shoppers.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ShopConfig {
    /// HS256 secret of the shop's `shopper_token`s (VIP flag, name). Without it, only a demo
    /// server (`[demo] enabled`) believes a page that says its shopper is a VIP.
    pub shopper_secret: String,
}

impl Default for DeskConfig {
    fn default() -> Self {
        Self {
            wrap_up_s: 60,
            dispositions: ["resolved", "sale", "follow_up", "escalated", "no_resolution"].map(String::from).to_vec(),
            decline_cooldown_s: 60,
            expected_handle_s: 240.0,
            expected_answer_s: 8.0,
            hours: BTreeMap::new(),
            agents: BTreeMap::new(),
            shops: BTreeMap::new(),
        }
    }
}

/// `timezone = "Europe/Madrid"`, `weekly = ["mon-fri 09:00-18:00", "sat 10:00-14:00"]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct HoursConfig {
    pub timezone: String,
    pub weekly: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AgentConfig {
    pub tenant: String,
    pub name: Option<String>,
    pub languages: Vec<String>,
    pub skills: Vec<String>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self { tenant: "default".into(), name: None, languages: vec!["en".into()], skills: Vec::new() }
    }
}
