//! The `/v1/signal` WebSocket: one task per connection feeding frames through the signaling
//! [`Session`] and executing the resulting requests against the call registry and the SFU.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use showroom_sfu::{CallId, ParticipantId, ParticipantOptions, PcKind, SfuError, TrackId, TrackLabel};
use showroom_signaling::{
    encode, ErrorCode, LeaveReason, PeerRole, Request, Role, ServerMessage, Session, SignalError,
};

use crate::calls::{unix_ms, Mailbox};
use crate::AppState;

/// Messages a client may send per second, sustained; bursts up to twice that.
const RATE_PER_S: f64 = 50.0;

struct Joined {
    call_id: String,
    participant_id: String,
    generation: u64,
    mailbox: Mailbox,
}

struct Connection {
    state: Arc<AppState>,
    session: Session,
    joined: Option<Joined>,
    /// This connection's participant sent `leave`: close after the reply.
    left: bool,
    tokens: f64,
    last_refill: Instant,
}

pub async fn serve(socket: WebSocket, state: Arc<AppState>) {
    state.metrics.connections.inc();
    let (mut sink, mut stream) = socket.split();
    let mut conn = Connection { state: state.clone(), session: Session::new(), joined: None, left: false, tokens: RATE_PER_S * 2.0, last_refill: Instant::now() };
    loop {
        let outgoing = async {
            match conn.joined.as_mut() {
                Some(j) => j.mailbox.recv().await,
                None => std::future::pending().await,
            }
        };
        let reply: Vec<ServerMessage> = tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => conn.on_text(text.as_str()).await,
                Some(Ok(Message::Binary(_))) => vec![conn.error(None, SignalError::new(ErrorCode::BadMessage, "binary frames are not part of the protocol"))],
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(_))) | None => break,
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "websocket error");
                    // Oversized frames end here: the transport refused them before we saw them.
                    if e.to_string().contains("too long") || e.to_string().contains("too big") {
                        state.metrics.signaling_errors.with_label_values(&[ErrorCode::MessageTooLarge.as_str()]).inc();
                    }
                    break;
                }
            },
            msg = outgoing => match msg {
                Some(m) => vec![m],
                None => continue,
            },
        };
        let mut fatal = false;
        for msg in reply {
            if let ServerMessage::Error { fatal: true, .. } = msg {
                fatal = true;
            }
            if sink.send(Message::Text(Utf8Bytes::from(encode(&msg)))).await.is_err() {
                fatal = true;
            }
        }
        if fatal || conn.left {
            let _ = sink.send(Message::Close(Some(CloseFrame { code: 1000, reason: Utf8Bytes::from_static("bye") }))).await;
            break;
        }
    }
    let left = conn.left;
    conn.on_disconnect(left);
    state.metrics.connections.dec();
}

fn sfu_error_code(e: &SfuError) -> ErrorCode {
    match e {
        SfuError::BadSdp(_) => ErrorCode::BadSdp,
        SfuError::BadCandidate(_) => ErrorCode::BadCandidate,
        SfuError::UnknownTrack(_) => ErrorCode::UnknownTrack,
        SfuError::PublishNotAllowed => ErrorCode::Forbidden,
        SfuError::NoOfferOutstanding => ErrorCode::OutOfOrder,
        _ => ErrorCode::Internal,
    }
}

impl Connection {
    fn error(&self, r#ref: Option<String>, e: SignalError) -> ServerMessage {
        self.state.metrics.signaling_errors.with_label_values(&[e.code.as_str()]).inc();
        tracing::debug!(code = e.code.as_str(), message = %e.message, "signaling error");
        ServerMessage::Error { r#ref, fatal: e.code.is_fatal(), code: e.code, message: e.message }
    }

    fn rate_limited(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last_refill).as_secs_f64() * RATE_PER_S).min(RATE_PER_S * 2.0);
        self.last_refill = now;
        if self.tokens < 1.0 {
            return true;
        }
        self.tokens -= 1.0;
        false
    }

    async fn on_text(&mut self, text: &str) -> Vec<ServerMessage> {
        if self.rate_limited() {
            return vec![self.error(None, SignalError::new(ErrorCode::RateLimited, "slow down"))];
        }
        let msg = match showroom_signaling::decode_frame(text) {
            Ok(m) => m,
            Err(e) => return vec![self.error(None, e)],
        };
        let r#ref = msg.request_id().map(str::to_owned);
        let now_unix = unix_ms() / 1000;
        let request = match self.session.handle(msg, &self.state.keys, now_unix) {
            Ok(r) => r,
            Err(e) => return vec![self.error(r#ref, e)],
        };
        match self.execute(request, r#ref.clone()).await {
            Ok(replies) => replies,
            Err(e) => vec![self.error(r#ref, e)],
        }
    }

    fn ids(&self) -> Result<(CallId, ParticipantId), SignalError> {
        let j = self.joined.as_ref().ok_or_else(|| SignalError::new(ErrorCode::OutOfOrder, "not joined"))?;
        Ok((CallId(j.call_id.clone()), ParticipantId(j.participant_id.clone())))
    }

    async fn execute(&mut self, request: Request, r#ref: Option<String>) -> Result<Vec<ServerMessage>, SignalError> {
        let sfu = &self.state.sfu;
        let map = |e: SfuError| SignalError::new(sfu_error_code(&e), e.to_string());
        match request {
            Request::Authed(claims) => {
                let call_id = claims.call.clone().unwrap_or_default();
                if !self.state.calls.exists(&call_id) {
                    self.session.close();
                    return Err(SignalError::new(ErrorCode::UnknownCall, format!("call {call_id} does not exist")));
                }
                Ok(vec![ServerMessage::Authed { r#ref, identity: claims.sub, role: claims.role, call_id }])
            }
            Request::Join { name, resume } => {
                let claims = self.session.claims().cloned().expect("authed before join");
                let call_id = claims.call.clone().unwrap_or_default();
                let (attached, resumed) = match resume {
                    Some(r) => {
                        let attached = self.state.calls.resume(&claims, &r.participant_id, &r.resume_token)?;
                        // An offer written to the dying socket may be lost: send it again.
                        let _ = sfu.resend_subscriber_offer(ParticipantId(attached.participant_id.clone())).await;
                        (attached, true)
                    }
                    None => {
                        let (attached, replaced) = self.state.calls.join(&claims, name)?;
                        if let Some(old) = replaced {
                            // The same person joined afresh instead of resuming: their old,
                            // disconnected presence leaves.
                            let _ = sfu.remove_participant(ParticipantId(old.clone())).await;
                            let left = ServerMessage::ParticipantLeft { participant_id: old, reason: LeaveReason::Timeout };
                            self.state.calls.broadcast(&call_id, Some(&attached.participant_id), &left);
                        }
                        let may_publish = !(claims.role == Role::Supervisor && claims.listen_only);
                        let added = sfu
                            .add_participant(CallId(call_id.clone()), ParticipantId(attached.participant_id.clone()), ParticipantOptions { may_publish })
                            .await;
                        if let Err(e) = added {
                            self.state.calls.remove(&call_id, &attached.participant_id);
                            return Err(map(e));
                        }
                        (attached, false)
                    }
                };
                let me = attached.participants.iter().find(|p| p.participant_id == attached.participant_id).cloned();
                if let (false, Some(me)) = (resumed, &me) {
                    self.state.journal.write(showroom_store::LiveWrite::ParticipantJoined {
                        participant: showroom_store::Participant {
                            call: showroom_store::CallId(call_id.clone()),
                            participant: showroom_store::ParticipantId(me.participant_id.clone()),
                            role: store_role(me.role),
                            display_name: me.name.clone(),
                            joined_at: crate::now(),
                            left_at: None,
                        },
                    });
                }
                if let (false, Some(me)) = (resumed, me) {
                    self.state.calls.broadcast(&call_id, Some(&attached.participant_id), &ServerMessage::ParticipantJoined { participant: me });
                }
                tracing::info!(call = %call_id, participant = %attached.participant_id, role = claims.role.as_str(), resumed, "joined");
                self.session.joined(attached.participant_id.clone());
                let reply = ServerMessage::Joined {
                    r#ref,
                    participant_id: attached.participant_id.clone(),
                    resume_token: attached.resume_token,
                    resume_window_s: self.state.calls.config().resume_window_s,
                    resumed,
                    participants: attached.participants,
                    tracks: attached.tracks,
                };
                // A shopper waiting for an agent hears where they stand right away.
                let queue = if claims.role == Role::Customer { self.state.desk.queue_message_for(&call_id) } else { None };
                self.joined = Some(Joined { call_id, participant_id: attached.participant_id, generation: attached.generation, mailbox: attached.mailbox });
                Ok([reply].into_iter().chain(queue).collect())
            }
            Request::PublisherOffer { sdp, tracks } => {
                let (_, pid) = self.ids()?;
                let labels = tracks
                    .into_iter()
                    .map(|t| TrackLabel { mid: t.mid, source: serde_json::to_value(t.source).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(), muted: t.muted })
                    .collect();
                let answer = sfu.publisher_offer(pid, sdp, labels).await.map_err(map)?;
                Ok(vec![ServerMessage::Answer { r#ref, pc: PeerRole::Publisher, sdp: answer }])
            }
            Request::SubscriberAnswer { sdp } => {
                let (_, pid) = self.ids()?;
                sfu.subscriber_answer(pid, sdp).await.map_err(map)?;
                Ok(vec![])
            }
            Request::Candidate { pc, candidate } => {
                let (_, pid) = self.ids()?;
                let pc = match pc {
                    PeerRole::Publisher => PcKind::Publisher,
                    PeerRole::Subscriber => PcKind::Subscriber,
                };
                sfu.remote_candidate(pid, pc, candidate.candidate, candidate.sdp_mid, candidate.sdp_m_line_index).await.map_err(map)?;
                Ok(vec![])
            }
            Request::Mute { mid, muted } => {
                let (_, pid) = self.ids()?;
                sfu.set_muted(pid, mid, muted).await.map_err(map)?;
                Ok(vec![])
            }
            Request::SetQuality { track_id, max_layer } => {
                let (_, pid) = self.ids()?;
                sfu.set_max_layer(pid, TrackId(track_id), max_layer).await.map_err(map)?;
                Ok(vec![])
            }
            Request::RestartSubscriberIce => {
                let (_, pid) = self.ids()?;
                sfu.restart_subscriber_ice(pid).await.map_err(map)?;
                Ok(vec![])
            }
            Request::Leave => {
                let (call, pid) = self.ids()?;
                self.session.close();
                self.left = true;
                remove_participant(&self.state, &call.0, &pid.0, LeaveReason::Left).await;
                Ok(vec![ServerMessage::ParticipantLeft { participant_id: pid.0, reason: LeaveReason::Left }])
            }
            Request::SetCaptions { enabled } => {
                let (call, pid) = self.ids()?;
                self.state.calls.set_captions(&call.0, &pid.0, enabled);
                Ok(vec![])
            }
            Request::Ping { ts } => Ok(vec![ServerMessage::Pong { ts, server_time_ms: unix_ms() }]),
        }
    }

    /// The socket closed. Without a `leave`, the participant stays in the call for the resume
    /// window; nobody else is told unless it expires.
    fn on_disconnect(self, left: bool) {
        let Some(j) = self.joined else { return };
        if left {
            return;
        }
        let state = self.state;
        if !state.calls.detach(&j.call_id, &j.participant_id, j.generation, j.mailbox) {
            return;
        }
        let window = Duration::from_secs(u64::from(state.calls.config().resume_window_s));
        tracing::info!(call = %j.call_id, participant = %j.participant_id, "connection lost; awaiting resume");
        tokio::spawn(async move {
            tokio::time::sleep(window).await;
            if state.calls.is_detached(&j.call_id, &j.participant_id, j.generation) {
                tracing::info!(call = %j.call_id, participant = %j.participant_id, "resume window expired");
                remove_participant(&state, &j.call_id, &j.participant_id, LeaveReason::Timeout).await;
            }
        });
    }
}

/// Takes a participant out of the registry and the SFU and tells the rest of the call.
pub async fn remove_participant(state: &AppState, call_id: &str, participant_id: &str, reason: LeaveReason) {
    if let Some(info) = state.calls.remove(call_id, participant_id) {
        match info.role {
            Role::Customer => state.desk.abandon(call_id, unix_ms()),
            Role::Agent => state.desk.agent_left_call(&info.identity, call_id, unix_ms()),
            _ => {}
        }
        state.journal.write(showroom_store::LiveWrite::ParticipantLeft {
            call: showroom_store::CallId(call_id.to_owned()),
            participant: showroom_store::ParticipantId(participant_id.to_owned()),
            at: crate::now(),
        });
        if !state.calls.exists(call_id) {
            state.call_ended(call_id);
        }
        if let Err(e) = state.sfu.remove_participant(ParticipantId(participant_id.to_owned())).await {
            tracing::warn!(call = %call_id, participant = %participant_id, error = %e, "sfu did not hold the participant");
        }
        state.calls.broadcast(call_id, None, &ServerMessage::ParticipantLeft { participant_id: participant_id.to_owned(), reason });
    }
}

pub(crate) fn store_role(role: Role) -> showroom_store::Role {
    match role {
        Role::Customer => showroom_store::Role::Customer,
        Role::Agent => showroom_store::Role::Agent,
        // Reviewers and admins never join calls (the session refuses them).
        _ => showroom_store::Role::Supervisor,
    }
}
