//! The support desk: a per-tenant queue in front of the calls, agents' presence, offers (rings)
//! with decline and timeout, wrap-up, and what the shopper, the agent console and the
//! supervisor board are told. The routing decision is `showroom_routing::route`, a pure
//! function over a snapshot of [`state::DeskState`]; this module turns its offers into rings
//! and keeps everyone informed. Wire types: `showroom_signaling::desk`; contract: `DESK.md`.

pub mod config;
pub mod hours;
mod http;
mod metrics;
mod router;
pub mod state;
mod ws;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use showroom_routing::RoutingConfig;
use showroom_signaling::desk::{AgentCard, BoardCallback, DeskServerMessage, Presence, ProductCard};
use tokio::sync::{mpsc, Notify};

pub use config::DeskConfig;
pub(crate) use http::{routes, shopper_routes};
pub(crate) use router::run;
pub(crate) use ws::serve as serve_socket;

use hours::Hours;
use metrics::DeskMetrics;
use state::{AgentEntry, DeskSnapshot, DeskState, InProcessDesk, PresenceChange, QueuedCall};

type Outbox = mpsc::UnboundedSender<DeskServerMessage>;

/// The primary language subtag, lower case (`es-MX` → `es`); `en` when absent.
pub fn primary_language(tag: Option<&str>) -> String {
    tag.and_then(|t| t.split(['-', '_']).next())
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty() && l.len() <= 8 && l.chars().all(|c| c.is_ascii_alphabetic()))
        .unwrap_or_else(|| "en".into())
}

/// A profile with its languages as routing compares them: primary subtags, each once.
fn normalised(mut card: AgentCard) -> AgentCard {
    let mut languages: Vec<String> = Vec::new();
    for l in card.languages.iter().map(|l| primary_language(Some(l))) {
        if !languages.contains(&l) {
            languages.push(l);
        }
    }
    card.languages = languages;
    card
}

/// Smoothed figures the wait estimate is made from, per tenant.
#[derive(Default)]
struct Observed {
    /// Seconds from accept to the agent leaving the call.
    handle_s: BTreeMap<String, f64>,
    /// Seconds from ring to accept.
    answer_s: BTreeMap<String, f64>,
}

/// Folds `sample` into the tenant's smoothed figure (the first sample is taken as is).
fn smooth(figures: &mut BTreeMap<String, f64>, tenant: &str, sample: f64) {
    figures.entry(tenant.to_owned()).and_modify(|v| *v = 0.8 * *v + 0.2 * sample).or_insert(sample);
}

/// A call an agent is in, for the board.
#[derive(Clone)]
struct LiveCall {
    tenant: String,
    agent: String,
    language: String,
    started_ms: u64,
    product: Option<ProductCard>,
}

/// What the shopper was last told, and when.
#[derive(Clone, PartialEq)]
struct QueueTold {
    position: u32,
    estimate_s: Option<i64>,
    agents_online: u32,
    ringing: bool,
}

pub struct Desk {
    state: Box<dyn DeskState>,
    pub config: DeskConfig,
    pub routing: RoutingConfig,
    hours: BTreeMap<String, Hours>,
    /// Per shop, the key its `shopper_token`s are checked with.
    shop_keys: BTreeMap<String, showroom_signaling::TokenKeys>,
    profiles: Mutex<BTreeMap<String, AgentCard>>,
    agent_outboxes: Mutex<HashMap<String, Vec<(u64, Outbox)>>>,
    supervisors: Mutex<Vec<(u64, String, Outbox)>>,
    next_connection: AtomicU64,
    /// Bumped on every change the board shows.
    version: AtomicU64,
    wake: Notify,
    observed: Mutex<Observed>,
    live_calls: Mutex<HashMap<String, LiveCall>>,
    /// Recent calls each agent answered: whose wrap-up they may save.
    handled: Mutex<HashMap<String, VecDeque<String>>>,
    told: Mutex<HashMap<String, (QueueTold, u64)>>,
    callbacks: Mutex<BTreeMap<String, VecDeque<BoardCallback>>>,
    metrics: DeskMetrics,
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("[desk.hours.{tenant}]: {source}")]
    Hours { tenant: String, source: hours::HoursError },
    #[error(transparent)]
    Metrics(#[from] prometheus::Error),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Desk {
    pub fn new(config: DeskConfig, routing: RoutingConfig, registry: &prometheus::Registry) -> Result<Desk, DeskError> {
        let hours = config
            .hours
            .iter()
            .map(|(tenant, h)| Hours::parse(h).map(|h| (tenant.clone(), h)).map_err(|source| DeskError::Hours { tenant: tenant.clone(), source }))
            .collect::<Result<_, _>>()?;
        let profiles = config
            .agents
            .iter()
            .map(|(id, a)| {
                let card = AgentCard { id: id.clone(), name: a.name.clone(), tenant: a.tenant.clone(), languages: a.languages.clone(), skills: a.skills.clone() };
                (id.clone(), normalised(card))
            })
            .collect();
        let shop_keys = config
            .shops
            .iter()
            .filter(|(_, s)| !s.shopper_secret.is_empty())
            .map(|(tenant, s)| (tenant.clone(), showroom_signaling::TokenKeys::new(s.shopper_secret.as_bytes())))
            .collect();
        Ok(Desk {
            state: Box::new(InProcessDesk::default()),
            config,
            routing,
            hours,
            shop_keys,
            profiles: Mutex::new(profiles),
            agent_outboxes: Mutex::new(HashMap::new()),
            supervisors: Mutex::new(Vec::new()),
            next_connection: AtomicU64::new(1),
            version: AtomicU64::new(1),
            wake: Notify::new(),
            observed: Mutex::new(Observed::default()),
            live_calls: Mutex::new(HashMap::new()),
            handled: Mutex::new(HashMap::new()),
            told: Mutex::new(HashMap::new()),
            callbacks: Mutex::new(BTreeMap::new()),
            metrics: DeskMetrics::new(registry)?,
        })
    }

    fn changed(&self) {
        self.version.fetch_add(1, Ordering::Relaxed);
        self.wake.notify_one();
    }

    // ---- profiles ----------------------------------------------------------------------------

    /// An agent's routing profile; unknown agents speak English in the `default` shop.
    pub fn profile(&self, id: &str, tenant: Option<&str>) -> AgentCard {
        lock(&self.profiles).get(id).cloned().unwrap_or_else(|| AgentCard {
            id: id.to_owned(),
            name: None,
            tenant: tenant.unwrap_or("default").to_owned(),
            languages: vec!["en".into()],
            skills: Vec::new(),
        })
    }

    pub fn set_profile(&self, card: AgentCard) {
        let card = normalised(card);
        lock(&self.profiles).insert(card.id.clone(), card);
        self.changed();
    }

    pub fn profiles(&self) -> Vec<AgentCard> {
        lock(&self.profiles).values().cloned().collect()
    }

    // ---- shoppers ----------------------------------------------------------------------------

    pub fn enqueue(&self, call: QueuedCall) {
        tracing::info!(call = %call.id, tenant = %call.tenant, language = %call.language, vip = call.vip, "queued");
        self.state.enqueue(call);
        self.changed();
    }

    /// Takes a call out of the queue other than by an accept: a ring out for it stops. Returns
    /// the call and whether it was ringing; `None` if it was not queued.
    fn leave_queue(&self, call_id: &str) -> Option<(QueuedCall, bool)> {
        let (call, offer) = self.state.dequeue(call_id)?;
        let ringing = offer.is_some();
        if let Some(o) = offer {
            self.send_agent(&o.agent, DeskServerMessage::OfferClosed { offer_id: o.id, call_id: o.call, reason: showroom_signaling::desk::OfferClosed::Abandoned });
        }
        lock(&self.told).remove(call_id);
        self.changed();
        Some((call, ringing))
    }

    /// The shopper left (or never came) before an agent answered. Nothing if not queued.
    pub fn abandon(&self, call_id: &str, now_ms: u64) {
        let Some((call, ringing)) = self.leave_queue(call_id) else { return };
        if ringing {
            self.metrics.offers.with_label_values(&[&call.tenant, "abandoned"]).inc();
        }
        let waited = now_ms.saturating_sub(call.since_ms) as f64 / 1000.0;
        self.metrics.abandons.with_label_values(&[&call.tenant, &call.language]).inc();
        self.metrics.wait.with_label_values(&[&call.tenant, &call.language, "abandoned"]).observe(waited);
        tracing::info!(call = %call_id, waited_s = waited, "abandoned");
    }

    /// An agent answered the call outside the desk (the direct answer endpoint, or a call
    /// token): it leaves the queue without counting as abandoned.
    pub fn taken(&self, call_id: &str) {
        self.leave_queue(call_id);
    }

    // ---- agents ------------------------------------------------------------------------------

    fn send_agent(&self, agent: &str, msg: DeskServerMessage) {
        if let Some(outs) = lock(&self.agent_outboxes).get(agent) {
            for (_, out) in outs {
                let _ = out.send(msg.clone());
            }
        }
    }

    fn presence_message(a: &AgentEntry) -> DeskServerMessage {
        DeskServerMessage::Presence {
            state: a.presence,
            since_ms: a.since_ms,
            wrap_up_ends_at_ms: a.wrap_up_ends_ms,
            call_id: a.call.clone(),
            reason: a.reason,
        }
    }

    /// Tells every console of `agent` their presence as it stands.
    fn announce_presence(&self, agent: &str) {
        if let Some(entry) = self.state.agent(agent) {
            self.send_agent(agent, Self::presence_message(&entry));
        }
    }

    fn set_presence(&self, agent: &str, change: PresenceChange, now_ms: u64) -> Option<AgentEntry> {
        let entry = self.state.set_presence(agent, change, now_ms)?;
        self.send_agent(agent, Self::presence_message(&entry));
        self.changed();
        Some(entry)
    }

    /// The agent left a call they were in: wrap-up starts.
    pub fn agent_left_call(&self, agent: &str, call_id: &str, now_ms: u64) {
        let live = lock(&self.live_calls).remove(call_id);
        let Some(entry) = self.state.agent(agent) else { return };
        if entry.presence != Presence::Busy || entry.call.as_deref() != Some(call_id) {
            return;
        }
        if let Some(live) = live {
            let sample = now_ms.saturating_sub(live.started_ms) as f64 / 1000.0;
            smooth(&mut lock(&self.observed).handle_s, &live.tenant, sample);
        }
        let change = if self.config.wrap_up_s == 0 {
            PresenceChange { presence: Presence::Available, call: None, wrap_up_ends_ms: None, reason: None }
        } else {
            PresenceChange {
                presence: Presence::WrapUp,
                call: Some(call_id.to_owned()),
                wrap_up_ends_ms: Some(now_ms + u64::from(self.config.wrap_up_s) * 1000),
                reason: None,
            }
        };
        self.set_presence(agent, change, now_ms);
    }

    /// Seconds to wait, for a shopper with `ahead` calls before them, `free` agents free now and
    /// `online` agents who could take them. `None` when nobody could.
    ///
    /// Free agents take the first calls within about an answer time; every further call waits
    /// for one of the `online` agents to finish, which happens every `handle / online`
    /// seconds on average.
    pub fn estimate_wait_s(ahead: u32, free: u32, online: u32, handle_s: f64, answer_s: f64) -> Option<f64> {
        if online == 0 {
            return None;
        }
        if ahead < free {
            return Some(answer_s);
        }
        let turns = f64::from(ahead - free + 1);
        Some(answer_s + turns * handle_s / f64::from(online))
    }

    fn observed_times(&self, tenant: &str) -> (f64, f64) {
        let o = lock(&self.observed);
        (
            o.handle_s.get(tenant).copied().unwrap_or(self.config.expected_handle_s),
            o.answer_s.get(tenant).copied().unwrap_or(self.config.expected_answer_s),
        )
    }

    /// Agents signed in (not away) who could take a call of `tenant` in `language`, and how many
    /// of them are free now.
    fn capacity(&self, snapshot: &DeskSnapshot, tenant: &str, language: &str) -> (u32, u32) {
        let fallbacks = self.routing.fallback_languages.get(language);
        let speaks = |a: &AgentEntry| {
            a.card.languages.iter().any(|l| l == language || fallbacks.is_some_and(|f| f.contains(l)))
        };
        let online: Vec<&AgentEntry> = snapshot
            .agents
            .iter()
            .filter(|a| a.card.tenant == tenant && a.connections > 0 && a.presence != Presence::Away && speaks(a))
            .collect();
        (online.len() as u32, online.iter().filter(|a| a.routable()).count() as u32)
    }

    pub fn remember_callback(&self, tenant: &str, cb: BoardCallback) {
        let mut all = lock(&self.callbacks);
        let list = all.entry(tenant.to_owned()).or_default();
        list.push_front(cb);
        list.truncate(50);
        self.metrics.callbacks.with_label_values(&[tenant]).inc();
        self.changed();
    }

    /// What the widget asks before offering a call (`GET /v1/desk/availability`).
    pub fn availability(&self, tenant: &str, language: &str, now_ms: u64) -> serde_json::Value {
        let snapshot = self.state.snapshot();
        let (online, free) = self.capacity(&snapshot, tenant, language);
        let waiting = snapshot.calls.iter().filter(|c| c.tenant == tenant && c.language == language).count() as u32;
        let (handle, answer) = self.observed_times(tenant);
        let estimate = Desk::estimate_wait_s(waiting, free, online, handle, answer).map(f64::round);
        let now = chrono::DateTime::from_timestamp_millis(now_ms as i64).unwrap_or_default();
        let hours = self.hours.get(tenant);
        let open = hours.is_none_or(|h| h.is_open(now));
        let next_open = hours.filter(|_| !open).and_then(|h| h.next_open(now)).map(|t| t.timestamp_millis());
        serde_json::json!({
            "tenant": tenant,
            "language": language,
            "open": open,
            "agents_online": online,
            "agents_available": free,
            "waiting": waiting,
            "estimated_wait_s": estimate,
            "hours": hours,
            "next_open_at_ms": next_open,
        })
    }

    /// Agent profiles and recent callback requests from the store (profiles from the config
    /// win for the agents they name).
    pub async fn load(&self, store: &showroom_store::Store) -> Result<(), showroom_store::StoreError> {
        for p in store.agent_profiles().await? {
            if self.config.agents.contains_key(&p.id.0) {
                continue;
            }
            let card = AgentCard { id: p.id.0, name: p.name, tenant: p.tenant.0, languages: p.languages, skills: p.skills };
            lock(&self.profiles).insert(card.id.clone(), card);
        }
        let tenants: std::collections::BTreeSet<String> =
            lock(&self.profiles).values().map(|a| a.tenant.clone()).chain(["default".to_owned()]).collect();
        for tenant in tenants {
            let list = store.callbacks(&showroom_store::TenantId(tenant.clone()), 50).await?;
            lock(&self.callbacks).insert(tenant, list.iter().map(http::board_callback).collect());
        }
        Ok(())
    }

    /// The shopper as their shop vouches for them: `(vip, name)` from a valid `shopper_token`.
    /// Without a token, a page's own VIP claim counts only on a demo server.
    pub fn vouched_shopper(&self, tenant: &str, token: Option<&str>, page_says_vip: bool, demo: bool, now_unix: u64) -> Result<(bool, Option<String>), showroom_signaling::SignalError> {
        let Some(token) = token else { return Ok((page_says_vip && demo, None)) };
        let keys = self.shop_keys.get(tenant).ok_or_else(|| {
            showroom_signaling::SignalError::new(
                showroom_signaling::ErrorCode::TokenInvalid,
                format!("shop `{tenant}` has no [desk.shops.{tenant}] shopper_secret to check shopper_token with"),
            )
        })?;
        let claims = keys.verify_shopper(token, now_unix)?;
        Ok((claims.vip, claims.name))
    }

    pub fn rated(&self, tenant: &str, stars: u8) {
        self.metrics.ratings.with_label_values(&[tenant, &stars.to_string()]).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_routed_by_primary_subtag() {
        assert_eq!(primary_language(Some("es-MX")), "es");
        assert_eq!(primary_language(Some("PT_br")), "pt");
        assert_eq!(primary_language(Some("")), "en");
        assert_eq!(primary_language(Some("e$")), "en");
        assert_eq!(primary_language(None), "en");
    }

    #[test]
    fn wait_estimate_grows_with_the_queue_and_shrinks_with_agents() {
        assert_eq!(Desk::estimate_wait_s(0, 0, 0, 240.0, 8.0), None);
        assert_eq!(Desk::estimate_wait_s(0, 1, 1, 240.0, 8.0), Some(8.0));
        // Nobody free: the first in line waits for one of two agents to finish.
        assert_eq!(Desk::estimate_wait_s(0, 0, 2, 240.0, 8.0), Some(128.0));
        assert_eq!(Desk::estimate_wait_s(3, 0, 2, 240.0, 8.0), Some(488.0));
        assert_eq!(Desk::estimate_wait_s(3, 0, 4, 240.0, 8.0), Some(248.0));
        // Two free agents take the first two.
        assert_eq!(Desk::estimate_wait_s(1, 2, 2, 240.0, 8.0), Some(8.0));
        assert_eq!(Desk::estimate_wait_s(2, 2, 2, 240.0, 8.0), Some(128.0));
    }
}
