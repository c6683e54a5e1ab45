//! The desk's clock: every tick (200 ms, or at once after a change) expires offers and wrap-ups,
//! drops calls nobody waits on, routes, and tells shoppers and supervisors what changed.
//! Also the agent's actions on an offer (accept, decline) and their wrap-up.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rand::distr::{Alphanumeric, SampleString};
use showroom_routing::{positions, route, Agent, Snapshot, WaitingCall};
use showroom_signaling::desk::{
    BoardAgent, BoardCall, BoardQueue, BoardWaiting, DeskServerMessage, OfferClosed, Presence, ShopperCard,
};
use showroom_signaling::{Claims, Role, ServerMessage};

use super::state::{DeskSnapshot, OfferEntry, PresenceChange, QueuedCall};
use super::{lock, smooth, Desk, LiveCall, QueueTold};
use crate::calls::unix_ms;
use crate::AppState;

const TICK: Duration = Duration::from_millis(200);
/// Shoppers hear from the queue at least this often.
const QUEUE_REFRESH_MS: u64 = 5_000;
const BOARD_REFRESH_MS: u64 = 2_000;
const MAX_NOTES: usize = 10_000;
/// A queued call nobody joined within this long is dropped.
const NEVER_JOINED_MS: u64 = 60_000;

/// Runs the desk until the service stops.
pub(crate) async fn run(app: Arc<AppState>) {
    let mut board_sent = (0u64, 0u64); // (version, at)
    loop {
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = app.desk.wake.notified() => {}
        }
        let now = unix_ms();
        app.desk.tick(&app, now);
        let version = app.desk.version.load(Ordering::Relaxed);
        if version != board_sent.0 || now.saturating_sub(board_sent.1) >= BOARD_REFRESH_MS {
            app.desk.send_boards(now);
            board_sent = (version, now);
        }
    }
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// What routing sees; declines older than `decline_cooldown_ms` are forgotten.
fn to_routing(s: &DeskSnapshot, now_ms: u64, decline_cooldown_ms: u64) -> Snapshot {
    Snapshot {
        now_s: secs(now_ms),
        calls: s
            .calls
            .iter()
            .map(|c| WaitingCall {
                id: c.id.clone(),
                tenant: c.tenant.clone(),
                language: c.language.clone(),
                skill: c.skill.clone(),
                vip: c.vip,
                since_s: secs(c.since_ms),
                declined_by: c
                    .declined_by
                    .iter()
                    .filter(|(_, at)| now_ms.saturating_sub(**at) < decline_cooldown_ms)
                    .map(|(agent, _)| agent.clone())
                    .collect(),
                offered: c.offer.is_some(),
            })
            .collect(),
        agents: s
            .agents
            .iter()
            .map(|a| Agent {
                id: a.card.id.clone(),
                tenant: a.card.tenant.clone(),
                languages: a.card.languages.clone(),
                skills: a.card.skills.clone(),
                available: a.routable(),
                idle_since_s: secs(a.idle_since_ms),
            })
            .collect(),
    }
}

impl Desk {
    fn routing_snapshot(&self, s: &DeskSnapshot, now_ms: u64) -> Snapshot {
        to_routing(s, now_ms, u64::from(self.config.decline_cooldown_s) * 1000)
    }

    pub(crate) fn tick(&self, app: &AppState, now: u64) {
        let snapshot = self.state.snapshot();
        for offer in snapshot.offers.iter().filter(|o| o.expires_ms <= now) {
            self.offer_timed_out(offer, now);
        }
        for a in snapshot.agents.iter().filter(|a| a.presence == Presence::WrapUp && a.wrap_up_ends_ms.is_some_and(|e| e <= now)) {
            self.set_presence(&a.card.id, PresenceChange { presence: Presence::Available, call: None, wrap_up_ends_ms: None, reason: None }, now);
        }
        // A call that ended without its agent leaving it (they accepted but never joined, or
        // the shopper left first and the call closed): their wrap-up starts now.
        for a in snapshot.agents.iter().filter(|a| a.presence == Presence::Busy) {
            if let Some(call) = a.call.as_deref().filter(|c| !app.calls.exists(c)) {
                self.agent_left_call(&a.card.id, call, now);
            }
        }
        for c in &snapshot.calls {
            match app.calls.get(&c.id) {
                None => self.abandon(&c.id, now),
                Some(s) if s.answered_by.is_some() => self.taken(&c.id),
                // Created but nobody joined it: the shopper closed the page before connecting.
                Some(s) if s.participants == 0 && now.saturating_sub(c.since_ms) > NEVER_JOINED_MS => {
                    app.calls.drop_unanswered(&c.id);
                    self.abandon(&c.id, now);
                }
                Some(_) => {}
            }
        }

        let snapshot = self.state.snapshot();
        let offers = route(&self.routing_snapshot(&snapshot, now), &self.routing);
        let timeout_ms = (self.routing.offer_timeout_s * 1000.0) as u64;
        for o in offers {
            let entry = OfferEntry {
                id: format!("OF_{}", Alphanumeric.sample_string(&mut rand::rng(), 12)),
                call: o.call.clone(),
                agent: o.agent.clone(),
                made_ms: now,
                expires_ms: now + timeout_ms,
            };
            let Some(call) = snapshot.calls.iter().find(|c| c.id == o.call) else { continue };
            if !self.state.place_offer(entry.clone()) {
                continue;
            }
            tracing::info!(call = %o.call, agent = %o.agent, offer = %entry.id, "offered");
            self.send_agent(
                &o.agent,
                DeskServerMessage::Offer {
                    offer_id: entry.id,
                    call_id: o.call.clone(),
                    expires_at_ms: entry.expires_ms,
                    timeout_s: self.routing.offer_timeout_s,
                    waited_s: secs(now.saturating_sub(call.since_ms)),
                    shopper: ShopperCard { name: call.shopper_name.clone(), language: call.language.clone(), vip: call.vip },
                    skill: call.skill.clone(),
                    product: call.product.clone(),
                },
            );
            self.version.fetch_add(1, Ordering::Relaxed);
        }
        // One look at the queue after this round's rings, for the shoppers and the gauges.
        let snapshot = self.state.snapshot();
        self.tell_shoppers(app, &snapshot, now);
        self.update_gauges(&snapshot, now);
    }

    fn offer_timed_out(&self, offer: &OfferEntry, now: u64) {
        // Not a decline: the agent is set away, and may take the call when back.
        let Some(offer) = self.state.close_offer(&offer.id, None) else { return };
        let tenant = self.state.agent(&offer.agent).map(|a| a.card.tenant).unwrap_or_default();
        self.metrics.offers.with_label_values(&[&tenant, "timeout"]).inc();
        tracing::info!(call = %offer.call, agent = %offer.agent, "offer not answered; agent set away");
        self.send_agent(&offer.agent, DeskServerMessage::OfferClosed { offer_id: offer.id.clone(), call_id: offer.call.clone(), reason: OfferClosed::Timeout });
        // Someone who lets a ring go unanswered is probably not at the desk.
        self.set_presence(&offer.agent, PresenceChange { presence: Presence::Away, call: None, wrap_up_ends_ms: None, reason: Some("missed_offer") }, now);
    }

    /// The agent's own offer, if `offer_id` is theirs and still out.
    fn own_offer(&self, agent: &str, offer_id: &str) -> Result<OfferEntry, (&'static str, String)> {
        self.state
            .snapshot()
            .offers
            .into_iter()
            .find(|o| o.id == offer_id && o.agent == agent)
            .ok_or(("offer_expired", "this call is no longer offered to you (it timed out, was declined or the shopper left)".into()))
    }

    pub(crate) fn decline(&self, agent: &str, offer_id: &str) -> Result<DeskServerMessage, (&'static str, String)> {
        let offer = self.own_offer(agent, offer_id)?;
        let offer = self.state.close_offer(&offer.id, Some(unix_ms())).ok_or(("offer_expired", "the offer closed meanwhile".to_owned()))?;
        let tenant = self.state.agent(agent).map(|a| a.card.tenant).unwrap_or_default();
        self.metrics.offers.with_label_values(&[&tenant, "declined"]).inc();
        tracing::info!(call = %offer.call, agent, "offer declined");
        self.changed();
        Ok(DeskServerMessage::OfferClosed { offer_id: offer.id, call_id: offer.call, reason: OfferClosed::Declined })
    }

    pub(crate) fn accept(&self, app: &AppState, agent: &str, offer_id: &str) -> Result<DeskServerMessage, (&'static str, String)> {
        let now = unix_ms();
        let offer = self.own_offer(agent, offer_id)?;
        self.state.close_offer(&offer.id, None).ok_or(("offer_expired", "the offer closed meanwhile".to_owned()))?;
        let (call, _) = self.state.dequeue(&offer.call).ok_or(("unknown_call", "the shopper has left".to_owned()))?;
        if app.calls.answer(&call.id, agent).is_err() {
            return Err(("unknown_call", "the shopper has left".into()));
        }
        let card = self.profile(agent, Some(&call.tenant));
        let claims = Claims { call: Some(call.id.clone()), name: card.name, tenant: Some(call.tenant.clone()), ..app.claims(agent.to_owned(), Role::Agent) };
        let token = app.keys.mint(&claims).map_err(|e| ("internal", e.message))?;
        app.journal.write(showroom_store::LiveWrite::CallAnswered {
            call: showroom_store::CallId(call.id.clone()),
            answer: showroom_store::Answer { agent: showroom_store::AgentId(agent.to_owned()), team: None, at: crate::now() },
        });
        let waited = secs(now.saturating_sub(call.since_ms));
        self.metrics.offers.with_label_values(&[&call.tenant, "accepted"]).inc();
        self.metrics.answer.with_label_values(&[&call.tenant]).observe(waited);
        self.metrics.wait.with_label_values(&[&call.tenant, &call.language, "answered"]).observe(waited);
        smooth(&mut lock(&self.observed).answer_s, &call.tenant, secs(now.saturating_sub(offer.made_ms)));
        let live = LiveCall { tenant: call.tenant.clone(), agent: agent.to_owned(), language: call.language.clone(), started_ms: now, product: call.product.clone() };
        lock(&self.live_calls).insert(call.id.clone(), live);
        {
            let mut handled = lock(&self.handled);
            let recent = handled.entry(agent.to_owned()).or_default();
            recent.push_front(call.id.clone());
            recent.truncate(20);
        }
        lock(&self.told).remove(&call.id);
        // Told after `accepted` (see `ws::handle_agent`), so the console joins before it shows busy.
        self.state.set_presence(agent, PresenceChange { presence: Presence::Busy, call: Some(call.id.clone()), wrap_up_ends_ms: None, reason: None }, now);
        self.changed();
        tracing::info!(call = %call.id, agent, waited_s = waited, "call accepted");
        Ok(DeskServerMessage::Accepted { offer_id: offer.id, call_id: call.id, token })
    }

    /// Stores the agent's disposition and notes; ends their wrap-up.
    pub(crate) fn wrap_up(&self, app: &AppState, agent: &str, call_id: &str, disposition: &str, notes: String) -> Result<DeskServerMessage, (&'static str, String)> {
        if !self.config.dispositions.iter().any(|d| d == disposition) {
            return Err(("bad_message", format!("unknown disposition `{disposition}`; use one of {}", self.config.dispositions.join(", "))));
        }
        if notes.chars().count() > MAX_NOTES {
            return Err(("bad_message", format!("notes are limited to {MAX_NOTES} characters")));
        }
        if !lock(&self.handled).get(agent).is_some_and(|calls| calls.iter().any(|c| c == call_id)) {
            return Err(("forbidden", format!("call {call_id} is not one of your recent calls")));
        }
        app.journal.write(showroom_store::LiveWrite::WrapUp {
            wrap_up: showroom_store::WrapUp {
                call: showroom_store::CallId(call_id.to_owned()),
                agent: showroom_store::AgentId(agent.to_owned()),
                disposition: disposition.to_owned(),
                notes,
                saved_at: crate::now(),
            },
        });
        if self.state.agent(agent).is_some_and(|a| a.presence == Presence::WrapUp && a.call.as_deref() == Some(call_id)) {
            self.state.set_presence(agent, PresenceChange { presence: Presence::Available, call: None, wrap_up_ends_ms: None, reason: None }, unix_ms());
            self.changed();
        }
        tracing::info!(call = %call_id, agent, disposition, "wrap-up saved");
        Ok(DeskServerMessage::WrapUpSaved { call_id: call_id.to_owned() })
    }

    /// Where `call_id` stands, as the shopper is told.
    /// `capacity`: (online, free) agents for the call's tenant and language.
    fn queue_status(&self, positions: &HashMap<String, usize>, capacity: (u32, u32), call: &QueuedCall) -> Option<QueueTold> {
        let position = *positions.get(&call.id)? as u32;
        let (online, free) = capacity;
        let (handle, answer) = self.observed_times(&call.tenant);
        let estimate = Desk::estimate_wait_s(position - 1, free, online, handle, answer);
        Some(QueueTold { position, estimate_s: estimate.map(|e| e.round() as i64), agents_online: online, ringing: call.offer.is_some() })
    }

    fn queue_message(t: &QueueTold) -> ServerMessage {
        ServerMessage::Queue { position: t.position, estimated_wait_s: t.estimate_s.map(|e| e as f64), agents_online: t.agents_online, ringing: t.ringing }
    }

    /// The message for a shopper who just joined (sent before anything else).
    pub(crate) fn queue_message_for(&self, call_id: &str) -> Option<ServerMessage> {
        let now = unix_ms();
        let snapshot = self.state.snapshot();
        let call = snapshot.calls.iter().find(|c| c.id == call_id)?;
        let positions = positions(&self.routing_snapshot(&snapshot, now), &self.routing);
        let told = self.queue_status(&positions, self.capacity(&snapshot, &call.tenant, &call.language), call)?;
        lock(&self.told).insert(call_id.to_owned(), (told.clone(), now));
        Some(Self::queue_message(&told))
    }

    fn tell_shoppers(&self, app: &AppState, snapshot: &DeskSnapshot, now: u64) {
        let positions = positions(&self.routing_snapshot(snapshot, now), &self.routing);
        let mut capacities: HashMap<(&str, &str), (u32, u32)> = HashMap::new();
        for c in &snapshot.calls {
            let capacity = *capacities.entry((&c.tenant, &c.language)).or_insert_with(|| self.capacity(snapshot, &c.tenant, &c.language));
            let Some(status) = self.queue_status(&positions, capacity, c) else { continue };
            let mut told = lock(&self.told);
            let stale = match told.get(&c.id) {
                Some((last, at)) => *last != status || now.saturating_sub(*at) >= QUEUE_REFRESH_MS,
                None => true,
            };
            if stale {
                app.calls.broadcast(&c.id, None, &Self::queue_message(&status));
                told.insert(c.id.clone(), (status, now));
            }
        }
    }

    fn update_gauges(&self, snapshot: &DeskSnapshot, now: u64) {
        let mut queues: BTreeMap<(String, String), (i64, f64)> = BTreeMap::new();
        for c in &snapshot.calls {
            let q = queues.entry((c.tenant.clone(), c.language.clone())).or_default();
            q.0 += 1;
            q.1 = q.1.max(secs(now.saturating_sub(c.since_ms)));
        }
        // Reset so emptied queues read 0 rather than their last length.
        self.metrics.queue_length.reset();
        self.metrics.longest_wait.reset();
        for ((tenant, language), (n, longest)) in queues {
            self.metrics.queue_length.with_label_values(&[&tenant, &language]).set(n);
            self.metrics.longest_wait.with_label_values(&[&tenant, &language]).set(longest);
        }
        self.metrics.agents.reset();
        for a in snapshot.agents.iter().filter(|a| a.connections > 0) {
            self.metrics.agents.with_label_values(&[&a.card.tenant, a.presence.as_str()]).inc();
        }
    }

    /// The supervisor board of one tenant.
    pub(crate) fn board(&self, tenant: &str, now: u64) -> DeskServerMessage {
        let snapshot = self.state.snapshot();
        let positions = positions(&self.routing_snapshot(&snapshot, now), &self.routing);
        let mut languages: Vec<String> = snapshot.calls.iter().filter(|c| c.tenant == tenant).map(|c| c.language.clone()).collect();
        languages.extend(snapshot.agents.iter().filter(|a| a.card.tenant == tenant && a.connections > 0).flat_map(|a| a.card.languages.clone()));
        languages.sort();
        languages.dedup();
        let queues = languages
            .into_iter()
            .map(|language| {
                let waiting: Vec<_> = snapshot.calls.iter().filter(|c| c.tenant == tenant && c.language == language).collect();
                let (online, free) = self.capacity(&snapshot, tenant, &language);
                BoardQueue {
                    waiting: waiting.len() as u32,
                    longest_wait_s: waiting.iter().map(|c| secs(now.saturating_sub(c.since_ms))).fold(0.0, f64::max),
                    agents_available: free,
                    agents_online: online,
                    language,
                }
            })
            .collect();
        let offered_to = |offer: &Option<String>| offer.as_ref().and_then(|id| snapshot.offers.iter().find(|o| &o.id == id)).map(|o| o.agent.clone());
        let mut waiting: Vec<BoardWaiting> = snapshot
            .calls
            .iter()
            .filter(|c| c.tenant == tenant)
            .map(|c| BoardWaiting {
                call_id: c.id.clone(),
                language: c.language.clone(),
                vip: c.vip,
                waited_s: secs(now.saturating_sub(c.since_ms)),
                skill: c.skill.clone(),
                shopper_name: c.shopper_name.clone(),
                product: c.product.clone(),
                offered_to: offered_to(&c.offer),
                position: positions.get(&c.id).copied().unwrap_or(0) as u32,
            })
            .collect();
        waiting.sort_by(|a, b| b.waited_s.total_cmp(&a.waited_s));
        let agents = snapshot
            .agents
            .iter()
            .filter(|a| a.card.tenant == tenant && a.connections > 0)
            .map(|a| BoardAgent {
                id: a.card.id.clone(),
                name: a.card.name.clone(),
                languages: a.card.languages.clone(),
                skills: a.card.skills.clone(),
                presence: a.presence,
                since_ms: a.since_ms,
                call_id: a.call.clone(),
                ringing_for: a.offer.as_ref().and_then(|id| snapshot.offers.iter().find(|o| &o.id == id)).map(|o| o.call.clone()),
            })
            .collect();
        let mut calls: Vec<BoardCall> = lock(&self.live_calls)
            .iter()
            .filter(|(_, c)| c.tenant == tenant)
            .map(|(id, c)| BoardCall { call_id: id.clone(), agent: c.agent.clone(), language: c.language.clone(), started_ms: c.started_ms, product: c.product.clone() })
            .collect();
        calls.sort_by_key(|c| c.started_ms);
        let callbacks = lock(&self.callbacks).get(tenant).map(|l| l.iter().cloned().collect()).unwrap_or_default();
        DeskServerMessage::Board { tenant: tenant.to_owned(), now_ms: now, queues, waiting, agents, calls, callbacks }
    }

    fn send_boards(&self, now: u64) {
        let mut supervisors = lock(&self.supervisors);
        supervisors.retain(|(_, _, out)| !out.is_closed());
        let mut tenants: Vec<&String> = supervisors.iter().map(|(_, t, _)| t).collect();
        tenants.sort();
        tenants.dedup();
        let boards: BTreeMap<String, DeskServerMessage> = tenants.into_iter().map(|t| (t.clone(), self.board(t, now))).collect();
        for (_, tenant, out) in supervisors.iter() {
            if let Some(b) = boards.get(tenant) {
                let _ = out.send(b.clone());
            }
        }
    }
}
