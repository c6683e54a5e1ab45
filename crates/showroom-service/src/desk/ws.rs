//! The desk WebSocket (`/v1/desk/ws`): an agent's presence and rings, a supervisor's board.
//! The first frame must be `sign_in` with an agent, supervisor or admin token.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use showroom_signaling::desk::{DeskClientMessage, DeskServerMessage, OfferClosed, Presence};
use showroom_signaling::{Claims, Role, MAX_MESSAGE_BYTES};
use tokio::sync::mpsc;

use super::state::PresenceChange;
use super::{lock, Desk};
use crate::calls::unix_ms;
use crate::AppState;

const SIGN_IN_WITHIN: Duration = Duration::from_secs(10);

fn error(code: &'static str, message: impl Into<String>) -> DeskServerMessage {
    DeskServerMessage::Error { code, message: message.into() }
}

fn frame(msg: &DeskServerMessage) -> Message {
    Message::Text(serde_json::to_string(msg).unwrap_or_default().into())
}

fn decode(text: &str) -> Result<DeskClientMessage, DeskServerMessage> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(error("message_too_large", format!("frame is {} bytes; the limit is {MAX_MESSAGE_BYTES}", text.len())));
    }
    serde_json::from_str(text).map_err(|e| error("bad_message", format!("not a desk message: {e}")))
}

enum Who {
    Agent(String),
    Supervisor,
}

/// The first text frame, within [`SIGN_IN_WITHIN`]: a `sign_in` with a valid token.
async fn sign_in(stream: &mut futures_util::stream::SplitStream<WebSocket>, app: &AppState) -> Result<(Claims, Option<Presence>), DeskServerMessage> {
    let first = tokio::time::timeout(SIGN_IN_WITHIN, async {
        loop {
            match stream.next().await {
                Some(Ok(Message::Text(t))) => return Some(t),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    let Ok(Some(text)) = first else { return Err(error("not_authenticated", "send sign_in first")) };
    match decode(&text)? {
        DeskClientMessage::SignIn { token, presence } => match app.keys.verify(token.trim(), unix_ms() / 1000) {
            Ok(claims) => Ok((claims, presence)),
            Err(e) => Err(error(e.code.as_str(), e.message)),
        },
        _ => Err(error("not_authenticated", "send sign_in first")),
    }
}

pub(crate) async fn serve(socket: WebSocket, app: Arc<AppState>) {
    let (mut sink, mut stream) = socket.split();
    let (claims, presence) = match sign_in(&mut stream, &app).await {
        Ok(signed_in) => signed_in,
        Err(refusal) => {
            let _ = sink.send(frame(&refusal)).await;
            return;
        }
    };
    let desk = &app.desk;
    let (out, mut inbox) = mpsc::unbounded_channel::<DeskServerMessage>();
    let connection = desk.next_connection.fetch_add(1, Ordering::Relaxed);
    let who = match claims.role {
        Role::Agent => Who::Agent(sign_in_agent(desk, &claims, presence, connection, &out)),
        Role::Supervisor | Role::Admin => {
            let tenant = claims.tenant.clone().unwrap_or_else(|| "default".into());
            let _ = out.send(DeskServerMessage::SignedIn {
                role: "supervisor",
                agent: None,
                tenant: tenant.clone(),
                dispositions: desk.config.dispositions.clone(),
                wrap_up_s: desk.config.wrap_up_s,
                offer_timeout_s: desk.routing.offer_timeout_s,
            });
            let _ = out.send(desk.board(&tenant, unix_ms()));
            lock(&desk.supervisors).push((connection, tenant, out.clone()));
            Who::Supervisor
        }
        other => {
            let _ = sink.send(frame(&error("forbidden", format!("role {} has no desk; sign in as an agent or supervisor", other.as_str())))).await;
            return;
        }
    };
    tracing::info!(identity = %claims.sub, role = claims.role.as_str(), "desk signed in");

    loop {
        tokio::select! {
            msg = inbox.recv() => {
                let Some(msg) = msg else { break };
                if sink.send(frame(&msg)).await.is_err() {
                    break;
                }
            }
            incoming = stream.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Binary(_))) => {
                        let _ = out.send(error("bad_message", "binary frames are not part of the protocol; send JSON text"));
                        continue;
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let reply = match (&who, decode(&text)) {
                    (_, Err(e)) => Some(e),
                    (Who::Agent(agent), Ok(m)) => handle_agent(&app, agent, m),
                    (Who::Supervisor, Ok(_)) => Some(error("forbidden", "supervisors only watch the board")),
                };
                // These change presence; the reply goes first, then the new presence.
                let moved = matches!(reply, Some(DeskServerMessage::Accepted { .. } | DeskServerMessage::WrapUpSaved { .. }));
                if let Some(r) = reply {
                    let _ = out.send(r);
                }
                if let (true, Who::Agent(agent)) = (moved, &who) {
                    desk.announce_presence(agent);
                }
            }
        }
    }
    match who {
        Who::Agent(agent) => sign_out_agent(desk, &agent, connection),
        Who::Supervisor => lock(&desk.supervisors).retain(|(c, _, _)| *c != connection),
    }
}

fn sign_in_agent(desk: &Desk, claims: &Claims, presence: Option<Presence>, connection: u64, out: &mpsc::UnboundedSender<DeskServerMessage>) -> String {
    let now = unix_ms();
    let card = desk.profile(&claims.sub, claims.tenant.as_deref());
    let start = match presence {
        Some(Presence::Away) => Presence::Away,
        _ => Presence::Available,
    };
    lock(&desk.agent_outboxes).entry(claims.sub.clone()).or_default().push((connection, out.clone()));
    let entry = desk.state.connect_agent(card.clone(), start, now);
    let _ = out.send(DeskServerMessage::SignedIn {
        role: "agent",
        agent: Some(card),
        tenant: entry.card.tenant.clone(),
        dispositions: desk.config.dispositions.clone(),
        wrap_up_s: desk.config.wrap_up_s,
        offer_timeout_s: desk.routing.offer_timeout_s,
    });
    let _ = out.send(Desk::presence_message(&entry));
    desk.changed();
    claims.sub.clone()
}

fn sign_out_agent(desk: &Desk, agent: &str, connection: u64) {
    {
        let mut outboxes = lock(&desk.agent_outboxes);
        if let Some(list) = outboxes.get_mut(agent) {
            list.retain(|(c, _)| *c != connection);
            if list.is_empty() {
                outboxes.remove(agent);
            }
        }
    }
    if let Some(offer) = desk.state.disconnect_agent(agent) {
        tracing::info!(call = %offer.call, agent, "agent signed out while ringing; offer moves on");
    }
    desk.changed();
}

fn handle_agent(app: &AppState, agent: &str, msg: DeskClientMessage) -> Option<DeskServerMessage> {
    let desk = &app.desk;
    let result = match msg {
        DeskClientMessage::SignIn { .. } => Err(("out_of_order", "already signed in".to_owned())),
        DeskClientMessage::Accept { offer_id } => desk.accept(app, agent, &offer_id),
        DeskClientMessage::Decline { offer_id } => desk.decline(agent, &offer_id),
        DeskClientMessage::WrapUp { call_id, disposition, notes } => desk.wrap_up(app, agent, &call_id, &disposition, notes),
        DeskClientMessage::Presence { state } => return change_presence(desk, agent, state),
    };
    Some(result.unwrap_or_else(|(code, message)| error(code, message)))
}

/// Agents choose available or away; busy and wrap-up are the desk's to set.
fn change_presence(desk: &Desk, agent: &str, wanted: Presence) -> Option<DeskServerMessage> {
    let current = desk.state.agent(agent)?;
    if matches!(wanted, Presence::Busy | Presence::WrapUp) {
        return Some(error("bad_message", "choose available or away; busy and wrap-up follow your calls"));
    }
    if current.presence == Presence::Busy {
        return Some(error("forbidden", "you are in a call; leave it first"));
    }
    if wanted == Presence::Away {
        // A ring that is out goes to someone else at once.
        if let Some(offer) = current.offer.as_deref().and_then(|o| desk.state.close_offer(o, None)) {
            desk.send_agent(agent, DeskServerMessage::OfferClosed { offer_id: offer.id, call_id: offer.call, reason: OfferClosed::Declined });
        }
    }
    desk.set_presence(agent, PresenceChange { presence: wanted, call: None, wrap_up_ends_ms: None, reason: None }, unix_ms());
    None
}
