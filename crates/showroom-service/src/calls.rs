//! The in-process call registry: calls waiting and answered, who is in each, their mailboxes
//! and resume tokens. Every method takes the lock briefly and never awaits while holding it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;
use showroom_signaling::{Claims, ErrorCode, ParticipantInfo, Role, ServerMessage, SignalError, TrackInfo};
use tokio::sync::mpsc;

use crate::config::CallsConfig;

pub type Mailbox = mpsc::UnboundedReceiver<ServerMessage>;

/// What the shopper is looking at when they call (the desk's product card).
pub use showroom_signaling::desk::ProductCard as ProductContext;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CallSummary {
    pub call_id: String,
    pub tenant: String,
    pub created_at_ms: u64,
    pub customer_name: Option<String>,
    pub language: Option<String>,
    pub product: Option<ProductContext>,
    pub answered_by: Option<String>,
    pub participants: usize,
}

struct Member {
    info: ParticipantInfo,
    outbox: mpsc::UnboundedSender<ServerMessage>,
    /// Held here while no connection is attached, so nothing sent meanwhile is lost.
    parked: Option<Mailbox>,
    resume_token: String,
    /// Increments on every attach, so a stale connection's detach is ignored.
    generation: u64,
    disconnected_at: Option<Instant>,
    /// Shopper asked for live captions.
    captions: bool,
}

/// What a new call is created with.
#[derive(Debug, Clone, Default)]
pub struct NewCall {
    pub tenant: String,
    pub customer_name: Option<String>,
    /// The shopper's page language (BCP 47, e.g. `es-MX`).
    pub language: Option<String>,
    pub product: Option<ProductContext>,
}

struct Call {
    tenant: String,
    created_at_ms: u64,
    created: Instant,
    customer_name: Option<String>,
    language: Option<String>,
    product: Option<ProductContext>,
    answered_by: Option<String>,
    members: HashMap<String, Member>,
    tracks: Vec<TrackInfo>,
}

/// A successful join or resume.
pub struct Attached {
    pub participant_id: String,
    pub resume_token: String,
    pub generation: u64,
    pub mailbox: Mailbox,
    pub participants: Vec<ParticipantInfo>,
    pub tracks: Vec<TrackInfo>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("no such call")]
    UnknownCall,
    #[error("the call was already answered")]
    AlreadyAnswered,
}

pub struct CallRegistry {
    config: CallsConfig,
    calls: Mutex<HashMap<String, Call>>,
}

fn random_id(prefix: &str, len: usize) -> String {
    format!("{prefix}{}", Alphanumeric.sample_string(&mut rand::rng(), len))
}

pub fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl CallRegistry {
    pub fn new(config: CallsConfig) -> Self {
        Self { config, calls: Mutex::new(HashMap::new()) }
    }

    pub fn config(&self) -> &CallsConfig {
        &self.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Call>> {
        // A panic while holding the lock must not take every later call down with it.
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn create_call(&self, new: NewCall) -> String {
        let NewCall { tenant, customer_name, language, product } = new;
        let id = random_id("CA_", 16);
        self.lock().insert(
            id.clone(),
            Call {
                tenant,
                created_at_ms: unix_ms(),
                created: Instant::now(),
                customer_name,
                language,
                product,
                answered_by: None,
                members: HashMap::new(),
                tracks: Vec::new(),
            },
        );
        id
    }

    pub fn exists(&self, call_id: &str) -> bool {
        self.lock().contains_key(call_id)
    }

    fn summary(id: &str, c: &Call) -> CallSummary {
        CallSummary {
            call_id: id.to_owned(),
            tenant: c.tenant.clone(),
            created_at_ms: c.created_at_ms,
            customer_name: c.customer_name.clone(),
            language: c.language.clone(),
            product: c.product.clone(),
            answered_by: c.answered_by.clone(),
            participants: c.members.len(),
        }
    }

    /// Unanswered calls, oldest first; calls left ringing past the ring timeout are dropped.
    pub fn waiting(&self) -> Vec<CallSummary> {
        let mut calls = self.lock();
        let timeout = std::time::Duration::from_secs(self.config.ring_timeout_s);
        calls.retain(|_, c| c.answered_by.is_some() || c.created.elapsed() < timeout || !c.members.is_empty());
        let mut out: Vec<CallSummary> =
            calls.iter().filter(|(_, c)| c.answered_by.is_none()).map(|(id, c)| Self::summary(id, c)).collect();
        out.sort_by_key(|c| c.created_at_ms);
        out
    }

    pub fn get(&self, call_id: &str) -> Option<CallSummary> {
        self.lock().get(call_id).map(|c| Self::summary(call_id, c))
    }

    pub fn answer(&self, call_id: &str, agent: &str) -> Result<(), AnswerError> {
        let mut calls = self.lock();
        let call = calls.get_mut(call_id).ok_or(AnswerError::UnknownCall)?;
        match &call.answered_by {
            Some(a) if a != agent => Err(AnswerError::AlreadyAnswered),
            _ => {
                call.answered_by = Some(agent.to_owned());
                Ok(())
            }
        }
    }

    /// Adds a participant for `claims` to its call, enforcing one customer, one agent and a
    /// bounded number of supervisors. A disconnected member with the same identity and role is
    /// replaced (its id is returned second, for the SFU to drop).
    pub fn join(&self, claims: &Claims, name: Option<String>) -> Result<(Attached, Option<String>), SignalError> {
        let call_id = claims.call.as_deref().unwrap_or_default();
        let mut calls = self.lock();
        let call = calls.get_mut(call_id).ok_or_else(|| SignalError::new(ErrorCode::UnknownCall, "no such call"))?;
        let mut replaced = None;
        let same_role: Vec<(String, bool, bool)> = call
            .members
            .iter()
            .filter(|(_, m)| m.info.role == claims.role)
            .map(|(id, m)| (id.clone(), m.info.identity == claims.sub, m.disconnected_at.is_some()))
            .collect();
        if let Some((id, _, _)) = same_role.iter().find(|(_, same_identity, gone)| *same_identity && *gone) {
            call.members.remove(id);
            replaced = Some(id.clone());
        } else {
            let limit = match claims.role {
                Role::Supervisor => self.config.max_supervisors,
                _ => 1,
            };
            if same_role.len() >= limit {
                return Err(SignalError::new(
                    ErrorCode::CallFull,
                    format!("the call already has its {}", claims.role.as_str()),
                ));
            }
        }
        if claims.role == Role::Agent && call.answered_by.is_none() {
            call.answered_by = Some(claims.sub.clone());
        }
        let participant_id = random_id("PA_", 12);
        let info = ParticipantInfo {
            participant_id: participant_id.clone(),
            identity: claims.sub.clone(),
            role: claims.role,
            name: name.or_else(|| claims.name.clone()),
            listen_only: claims.role == Role::Supervisor && claims.listen_only,
        };
        let (outbox, mailbox) = mpsc::unbounded_channel();
        let resume_token = random_id("", 32);
        call.members.insert(
            participant_id.clone(),
            Member { info, outbox, parked: None, resume_token: resume_token.clone(), generation: 1, disconnected_at: None, captions: false },
        );
        let participants = call.members.values().map(|m| m.info.clone()).collect();
        let tracks = call.tracks.clone();
        Ok((Attached { participant_id, resume_token, generation: 1, mailbox, participants, tracks }, replaced))
    }

    /// Re-attaches a connection to a member that lost its previous one.
    pub fn resume(&self, claims: &Claims, participant_id: &str, resume_token: &str) -> Result<Attached, SignalError> {
        let fail = || SignalError::new(ErrorCode::ResumeFailed, "unknown participant or wrong resume token; join afresh");
        let call_id = claims.call.as_deref().unwrap_or_default();
        let mut calls = self.lock();
        let call = calls.get_mut(call_id).ok_or_else(fail)?;
        let member = call.members.get_mut(participant_id).ok_or_else(fail)?;
        if member.resume_token != resume_token || member.info.identity != claims.sub || member.info.role != claims.role {
            return Err(fail());
        }
        // A resume may race the old socket's close: take over its mailbox either way.
        let mailbox = match member.parked.take() {
            Some(m) => m,
            None => {
                let (outbox, mailbox) = mpsc::unbounded_channel();
                member.outbox = outbox;
                mailbox
            }
        };
        member.generation += 1;
        member.disconnected_at = None;
        let generation = member.generation;
        let resume_token = member.resume_token.clone();
        let participants = call.members.values().map(|m| m.info.clone()).collect();
        Ok(Attached { participant_id: participant_id.to_owned(), resume_token, generation, mailbox, participants, tracks: call.tracks.clone() })
    }

    /// The connection of `generation` went away; park its mailbox until a resume or expiry.
    pub fn detach(&self, call_id: &str, participant_id: &str, generation: u64, mailbox: Mailbox) -> bool {
        let mut calls = self.lock();
        let Some(member) = calls.get_mut(call_id).and_then(|c| c.members.get_mut(participant_id)) else { return false };
        if member.generation != generation {
            return false;
        }
        member.parked = Some(mailbox);
        member.disconnected_at = Some(Instant::now());
        true
    }

    /// Still disconnected since `generation` detached?
    pub fn is_detached(&self, call_id: &str, participant_id: &str, generation: u64) -> bool {
        let calls = self.lock();
        calls
            .get(call_id)
            .and_then(|c| c.members.get(participant_id))
            .is_some_and(|m| m.generation == generation && m.disconnected_at.is_some())
    }

    /// Removes a member; the call goes when its last member leaves after being answered.
    pub fn remove(&self, call_id: &str, participant_id: &str) -> Option<ParticipantInfo> {
        let mut calls = self.lock();
        let call = calls.get_mut(call_id)?;
        let member = call.members.remove(participant_id)?;
        call.tracks.retain(|t| t.participant_id != participant_id);
        // An answered call ends with its last member; an unanswered one when its shopper
        // leaves (they gave up waiting).
        if call.members.is_empty() && (call.answered_by.is_some() || member.info.role == Role::Customer) {
            calls.remove(call_id);
        }
        Some(member.info)
    }

    /// Drops a call nobody answered and nobody is in.
    pub fn drop_unanswered(&self, call_id: &str) {
        let mut calls = self.lock();
        if calls.get(call_id).is_some_and(|c| c.answered_by.is_none() && c.members.is_empty()) {
            calls.remove(call_id);
        }
    }

    pub fn send_to(&self, call_id: &str, participant_id: &str, msg: ServerMessage) {
        let calls = self.lock();
        if let Some(m) = calls.get(call_id).and_then(|c| c.members.get(participant_id)) {
            let _ = m.outbox.send(msg);
        }
    }

    pub fn broadcast(&self, call_id: &str, except: Option<&str>, msg: &ServerMessage) {
        let calls = self.lock();
        if let Some(call) = calls.get(call_id) {
            for (id, m) in &call.members {
                if Some(id.as_str()) != except {
                    let _ = m.outbox.send(msg.clone());
                }
            }
        }
    }

    pub fn role_of(&self, call_id: &str, participant_id: &str) -> Option<Role> {
        self.lock().get(call_id).and_then(|c| c.members.get(participant_id)).map(|m| m.info.role)
    }

    pub fn set_captions(&self, call_id: &str, participant_id: &str, enabled: bool) {
        if let Some(m) = self.lock().get_mut(call_id).and_then(|c| c.members.get_mut(participant_id)) {
            m.captions = enabled;
        }
    }

    /// Who gets live transcripts: agents and supervisors, and anyone who turned captions on.
    pub fn transcript_recipients(&self, call_id: &str) -> Vec<String> {
        let calls = self.lock();
        let Some(call) = calls.get(call_id) else { return Vec::new() };
        call.members
            .iter()
            .filter(|(_, m)| m.captions || matches!(m.info.role, Role::Agent | Role::Supervisor))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The call's agent and supervisors (who see conversation insight).
    pub fn staff(&self, call_id: &str) -> Vec<String> {
        let calls = self.lock();
        let Some(call) = calls.get(call_id) else { return Vec::new() };
        call.members.iter().filter(|(_, m)| matches!(m.info.role, Role::Agent | Role::Supervisor)).map(|(id, _)| id.clone()).collect()
    }

    /// Which call a participant is in (SFU events name only the participant).
    pub fn call_of(&self, participant_id: &str) -> Option<String> {
        let calls = self.lock();
        calls.iter().find(|(_, c)| c.members.contains_key(participant_id)).map(|(id, _)| id.clone())
    }

    pub fn track_published(&self, call_id: &str, track: TrackInfo) {
        if let Some(call) = self.lock().get_mut(call_id) {
            call.tracks.retain(|t| t.track_id != track.track_id);
            call.tracks.push(track);
        }
    }

    pub fn track_unpublished(&self, call_id: &str, track_id: &str) {
        if let Some(call) = self.lock().get_mut(call_id) {
            call.tracks.retain(|t| t.track_id != track_id);
        }
    }

    pub fn track_muted(&self, call_id: &str, track_id: &str, muted: bool) {
        if let Some(call) = self.lock().get_mut(call_id) {
            for t in call.tracks.iter_mut().filter(|t| t.track_id == track_id) {
                t.muted = muted;
            }
        }
    }
}
