//! The desk's shared state — who waits, who is signed in in which presence, which offers are
//! out — behind [`DeskState`], so one node keeps it in memory ([`InProcessDesk`]) and a cluster
//! can keep it in a shared engine. Every method is one atomic step; the routing decision itself
//! is made outside, by `showroom_routing::route` over a [`DeskSnapshot`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use showroom_signaling::desk::{AgentCard, Presence, ProductCard};

/// A shopper waiting for an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedCall {
    pub id: String,
    pub tenant: String,
    /// Primary language subtag, lower case.
    pub language: String,
    pub skill: Option<String>,
    pub vip: bool,
    pub shopper_name: Option<String>,
    pub product: Option<ProductCard>,
    pub since_ms: u64,
    /// Agents who declined this call, and when (a decline holds for `[desk]
    /// decline_cooldown_s`, so a shopper only one agent can serve is not stranded).
    pub declined_by: BTreeMap<String, u64>,
    /// The offer out for this call.
    pub offer: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgentEntry {
    pub card: AgentCard,
    pub presence: Presence,
    pub since_ms: u64,
    /// Free since (for longest-idle routing): the end of their last call or wrap-up.
    pub idle_since_ms: u64,
    pub call: Option<String>,
    pub wrap_up_ends_ms: Option<u64>,
    pub reason: Option<&'static str>,
    pub offer: Option<String>,
    /// Open desk sockets; an agent with none is never offered a call.
    pub connections: u32,
}

impl AgentEntry {
    /// Can be offered a call now.
    pub fn routable(&self) -> bool {
        self.presence == Presence::Available && self.connections > 0 && self.offer.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OfferEntry {
    pub id: String,
    pub call: String,
    pub agent: String,
    pub made_ms: u64,
    pub expires_ms: u64,
}

/// Everything at one moment.
#[derive(Debug, Clone, Default)]
pub struct DeskSnapshot {
    pub calls: Vec<QueuedCall>,
    pub agents: Vec<AgentEntry>,
    pub offers: Vec<OfferEntry>,
}

/// A presence change to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct PresenceChange {
    pub presence: Presence,
    pub call: Option<String>,
    pub wrap_up_ends_ms: Option<u64>,
    pub reason: Option<&'static str>,
}

pub trait DeskState: Send + Sync {
    fn enqueue(&self, call: QueuedCall);
    /// Takes a call out of the queue (answered or abandoned), with its outstanding offer.
    fn dequeue(&self, call_id: &str) -> Option<(QueuedCall, Option<OfferEntry>)>;
    /// A desk socket signed in. A new agent starts in `presence`; one already known (another
    /// tab, a reconnect) keeps a busy or wrap-up state.
    fn connect_agent(&self, card: AgentCard, presence: Presence, now_ms: u64) -> AgentEntry;
    /// A desk socket closed. With no socket left, a free agent is removed; their outstanding
    /// offer is returned (to move on at once).
    fn disconnect_agent(&self, agent: &str) -> Option<OfferEntry>;
    fn set_presence(&self, agent: &str, change: PresenceChange, now_ms: u64) -> Option<AgentEntry>;
    fn agent(&self, agent: &str) -> Option<AgentEntry>;
    fn snapshot(&self) -> DeskSnapshot;
    /// Rings `agent` for `call` if both are still free for it.
    fn place_offer(&self, offer: OfferEntry) -> bool;
    /// Closes an offer; `declined_at` remembers the agent's decline on the call.
    fn close_offer(&self, offer_id: &str, declined_at: Option<u64>) -> Option<OfferEntry>;
}

#[derive(Default)]
struct Data {
    calls: BTreeMap<String, QueuedCall>,
    agents: BTreeMap<String, AgentEntry>,
    offers: BTreeMap<String, OfferEntry>,
}

/// The single-node implementation: one mutex, held for microseconds, never across an await.
#[derive(Default)]
pub struct InProcessDesk {
    data: Mutex<Data>,
}

impl InProcessDesk {
    fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn unlink_offer(d: &mut Data, offer: &OfferEntry, declined_at: Option<u64>) {
    if let Some(c) = d.calls.get_mut(&offer.call) {
        c.offer = None;
        if let Some(at) = declined_at {
            c.declined_by.insert(offer.agent.clone(), at);
        }
    }
    if let Some(a) = d.agents.get_mut(&offer.agent) {
        a.offer = None;
    }
}

impl DeskState for InProcessDesk {
    fn enqueue(&self, call: QueuedCall) {
        self.lock().calls.insert(call.id.clone(), call);
    }

    fn dequeue(&self, call_id: &str) -> Option<(QueuedCall, Option<OfferEntry>)> {
        let mut d = self.lock();
        let call = d.calls.remove(call_id)?;
        let offer = call.offer.as_ref().and_then(|o| d.offers.remove(o));
        if let Some(o) = &offer {
            unlink_offer(&mut d, o, None);
        }
        Some((call, offer))
    }

    fn connect_agent(&self, card: AgentCard, presence: Presence, now_ms: u64) -> AgentEntry {
        let mut d = self.lock();
        let entry = d.agents.entry(card.id.clone()).or_insert_with(|| AgentEntry {
            card: card.clone(),
            presence,
            since_ms: now_ms,
            idle_since_ms: now_ms,
            call: None,
            wrap_up_ends_ms: None,
            reason: None,
            offer: None,
            connections: 0,
        });
        entry.card = card;
        entry.connections += 1;
        entry.clone()
    }

    fn disconnect_agent(&self, agent: &str) -> Option<OfferEntry> {
        let mut d = self.lock();
        let entry = d.agents.get_mut(agent)?;
        entry.connections = entry.connections.saturating_sub(1);
        if entry.connections > 0 {
            return None;
        }
        let offer = entry.offer.clone().and_then(|o| d.offers.remove(&o));
        if let Some(o) = &offer {
            unlink_offer(&mut d, o, None);
        }
        if matches!(d.agents.get(agent).map(|a| a.presence), Some(Presence::Available | Presence::Away)) {
            d.agents.remove(agent);
        }
        offer
    }

    fn set_presence(&self, agent: &str, change: PresenceChange, now_ms: u64) -> Option<AgentEntry> {
        let mut d = self.lock();
        let a = d.agents.get_mut(agent)?;
        if a.presence != change.presence {
            a.since_ms = now_ms;
            if change.presence == Presence::Available {
                a.idle_since_ms = now_ms;
            }
        }
        a.presence = change.presence;
        a.call = change.call;
        a.wrap_up_ends_ms = change.wrap_up_ends_ms;
        a.reason = change.reason;
        Some(a.clone())
    }

    fn agent(&self, agent: &str) -> Option<AgentEntry> {
        self.lock().agents.get(agent).cloned()
    }

    fn snapshot(&self) -> DeskSnapshot {
        let d = self.lock();
        DeskSnapshot {
            calls: d.calls.values().cloned().collect(),
            agents: d.agents.values().cloned().collect(),
            offers: d.offers.values().cloned().collect(),
        }
    }

    fn place_offer(&self, offer: OfferEntry) -> bool {
        let mut d = self.lock();
        let call_free = d.calls.get(&offer.call).is_some_and(|c| c.offer.is_none());
        let agent_free = d.agents.get(&offer.agent).is_some_and(AgentEntry::routable);
        if !(call_free && agent_free) {
            return false;
        }
        if let Some(c) = d.calls.get_mut(&offer.call) {
            c.offer = Some(offer.id.clone());
        }
        if let Some(a) = d.agents.get_mut(&offer.agent) {
            a.offer = Some(offer.id.clone());
        }
        d.offers.insert(offer.id.clone(), offer);
        true
    }

    fn close_offer(&self, offer_id: &str, declined_at: Option<u64>) -> Option<OfferEntry> {
        let mut d = self.lock();
        let offer = d.offers.remove(offer_id)?;
        unlink_offer(&mut d, &offer, declined_at);
        Some(offer)
    }
}
