//! Which waiting shopper is offered to which agent: [`route`], a pure function over a
//! [`Snapshot`] of one moment (time is an input, nothing is stored here).
//!
//! Rules, in order:
//! 1. Calls are served by **priority** = seconds waited, plus [`RoutingConfig::vip_weight_s`]
//!    for a VIP (a VIP "has waited" that much longer: they jump ahead, but a shopper who has
//!    waited longer than the weight is not overtaken by a VIP who just arrived — no starvation).
//!    Ties: earlier arrival, then call id.
//! 2. A call is offered to an **available** agent of its tenant who speaks its **language**; after
//!    [`RoutingConfig::overflow_after_s`] also to agents speaking one of its fallback languages.
//!    Never to an agent who declined it (or let an offer for it time out).
//! 3. Among eligible agents: one with the call's **skill** (product category) first, then the
//!    **longest idle**, then agent id.
//! 4. One offer per call and per agent per decision; calls with an offer outstanding and agents
//!    holding one are left out.
//!
//! The state the snapshot is taken from (queues, presence, outstanding offers) lives behind the
//! service's interface: in process for one node, shared when nodes are clustered.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Deserialize;

/// Routing settings (the `[routing]` config section).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingConfig {
    /// Seconds of waiting a VIP is credited with. 120: a VIP goes ahead of anyone who has waited
    /// under two minutes, and behind those who have waited longer.
    pub vip_weight_s: f64,
    /// After this wait a call may also go to agents of its fallback languages. 90 s.
    pub overflow_after_s: f64,
    /// Per language, the languages (in order of preference) its shoppers can be served in
    /// after the overflow wait, e.g. `ca = ["es", "en"]`. Every language falls back to none
    /// unless listed.
    pub fallback_languages: BTreeMap<String, Vec<String>>,
    /// An offer not answered this long goes to the next agent (counts as a decline). 15 s.
    pub offer_timeout_s: f64,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self { vip_weight_s: 120.0, overflow_after_s: 90.0, fallback_languages: BTreeMap::new(), offer_timeout_s: 15.0 }
    }
}

/// A shopper waiting for an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingCall {
    pub id: String,
    pub tenant: String,
    pub language: String,
    /// Product category, e.g. "shoes".
    pub skill: Option<String>,
    pub vip: bool,
    /// When the shopper started waiting, seconds on the snapshot's clock.
    pub since_s: f64,
    /// Agents who declined this call or let its offer time out.
    pub declined_by: BTreeSet<String>,
    /// An offer is out for this call.
    pub offered: bool,
}

/// An agent as routing sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: String,
    pub tenant: String,
    pub languages: Vec<String>,
    pub skills: Vec<String>,
    /// Present and not in a call, in wrap-up or holding an offer.
    pub available: bool,
    /// Since when the agent has been free, seconds on the snapshot's clock.
    pub idle_since_s: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub now_s: f64,
    pub calls: Vec<WaitingCall>,
    pub agents: Vec<Agent>,
}

/// Offer this call to this agent now.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Offer {
    pub call: String,
    pub agent: String,
}

/// A call's priority: seconds waited plus the VIP credit.
pub fn priority(call: &WaitingCall, now_s: f64, cfg: &RoutingConfig) -> f64 {
    (now_s - call.since_s).max(0.0) + if call.vip { cfg.vip_weight_s } else { 0.0 }
}

/// Whether `agent` may take `call` at `now_s` (tenant, language or overflow language, not
/// declined). Availability is checked by the caller.
pub fn eligible(call: &WaitingCall, agent: &Agent, now_s: f64, cfg: &RoutingConfig) -> bool {
    if agent.tenant != call.tenant || call.declined_by.contains(&agent.id) {
        return false;
    }
    if agent.languages.contains(&call.language) {
        return true;
    }
    now_s - call.since_s >= cfg.overflow_after_s
        && cfg.fallback_languages.get(&call.language).is_some_and(|f| f.iter().any(|l| agent.languages.contains(l)))
}

/// The offers to make now, best call first.
pub fn route(snapshot: &Snapshot, cfg: &RoutingConfig) -> Vec<Offer> {
    let now = snapshot.now_s;
    let mut calls: Vec<&WaitingCall> = snapshot.calls.iter().filter(|c| !c.offered).collect();
    calls.sort_by(|a, b| {
        priority(b, now, cfg)
            .partial_cmp(&priority(a, now, cfg))
            .unwrap_or(Ordering::Equal)
            .then(a.since_s.partial_cmp(&b.since_s).unwrap_or(Ordering::Equal))
            .then_with(|| a.id.cmp(&b.id))
    });
    let free: Vec<&Agent> = snapshot.agents.iter().filter(|a| a.available).collect();
    // How many of the calls that can be reached this round (the first few per free agent, by
    // priority) each agent could take: a multilingual agent is kept for the calls only they can
    // serve (two calls, en and de; agents "en" and "en+de": de goes to en+de).
    let reach = &calls[..calls.len().min(free.len().saturating_mul(4))];
    let demand: Vec<usize> = free.iter().map(|a| reach.iter().filter(|c| eligible(c, a, now, cfg)).count()).collect();
    let mut taken: HashSet<&str> = HashSet::new();
    let mut offers = Vec::new();
    for call in &calls {
        if taken.len() == free.len() {
            break; // every free agent has an offer
        }
        let best = free
            .iter()
            .zip(&demand)
            .filter(|(a, _)| !taken.contains(a.id.as_str()) && eligible(call, a, now, cfg))
            .min_by(|(a, da), (b, db)| {
                let native = |x: &Agent| !x.languages.contains(&call.language);
                let skilled = |x: &Agent| !call.skill.as_ref().is_some_and(|s| x.skills.contains(s));
                native(a)
                    .cmp(&native(b))
                    .then(skilled(a).cmp(&skilled(b)))
                    .then(da.cmp(db))
                    .then(a.idle_since_s.partial_cmp(&b.idle_since_s).unwrap_or(Ordering::Equal))
                    .then_with(|| a.id.cmp(&b.id))
            })
            .map(|(a, _)| *a);
        if let Some(agent) = best {
            taken.insert(&agent.id);
            offers.push(Offer { call: call.id.clone(), agent: agent.id.clone() });
        }
    }
    offers
}

/// The shopper's place in their queue (1 = next) among calls of their tenant and language,
/// by the same priority [`route`] uses; `None` if the call is not waiting.
pub fn position(snapshot: &Snapshot, call_id: &str, cfg: &RoutingConfig) -> Option<usize> {
    let call = snapshot.calls.iter().find(|c| c.id == call_id)?;
    let mine = priority(call, snapshot.now_s, cfg);
    let ahead = snapshot
        .calls
        .iter()
        .filter(|c| c.id != call.id && c.tenant == call.tenant && c.language == call.language)
        .filter(|c| {
            let p = priority(c, snapshot.now_s, cfg);
            p > mine || (p == mine && (c.since_s, &c.id) < (call.since_s, &call.id))
        })
        .count();
    Some(ahead + 1)
}

/// Every waiting call's [`position`] at once: one sort per queue instead of a scan per call
/// (the desk tells thousands of waiting shoppers their place several times a second).
pub fn positions(snapshot: &Snapshot, cfg: &RoutingConfig) -> HashMap<String, usize> {
    let now = snapshot.now_s;
    let mut queues: BTreeMap<(&str, &str), Vec<(f64, &WaitingCall)>> = BTreeMap::new();
    for c in &snapshot.calls {
        queues.entry((&c.tenant, &c.language)).or_default().push((priority(c, now, cfg), c));
    }
    let mut out = HashMap::with_capacity(snapshot.calls.len());
    for (_, mut queue) in queues {
        queue.sort_by(|(pa, a), (pb, b)| {
            pb.partial_cmp(pa)
                .unwrap_or(Ordering::Equal)
                .then(a.since_s.partial_cmp(&b.since_s).unwrap_or(Ordering::Equal))
                .then_with(|| a.id.cmp(&b.id))
        });
        for (i, (_, c)) in queue.iter().enumerate() {
            out.insert(c.id.clone(), i + 1);
        }
    }
    out
}
