//! The Showroom service edge: axum HTTP routes, the `/v1/signal` WebSocket, the in-process call
//! registry, config sections and Prometheus metrics. It wires the signaling state machine
//! (`showroom-signaling`) to the media engine (`showroom-sfu`).
//!
//! **API boundary:** this crate and `signaling/` are the only ones that know JSON. The SFU sees
//! typed commands; the pages see the documented protocol (`signaling/PROTOCOL.md`).

pub mod calls;
pub mod config;
pub mod desk;
mod http;
pub mod journal;
mod live;
mod live_insight;
pub mod recorder;
mod review_api;
mod ws;

use std::net::SocketAddr;
use std::sync::Arc;

use prometheus::{IntCounterVec, IntGauge, Opts, Registry};
use rand::distr::{Alphanumeric, SampleString};
use showroom_sfu::{MediaKind, Sfu, SfuEvent, SfuMetrics};
use showroom_signaling::{
    Claims, PeerRole, Role, ServerMessage, SignalError, SubscribedTrack, TokenKeys, TrackInfo, TrackKind, TrackSource,
};
use tokio::net::TcpListener;

pub use config::Config;

use calls::{unix_ms, CallRegistry};

#[derive(Clone)]
pub struct ServiceMetrics {
    pub connections: IntGauge,
    pub signaling_errors: IntCounterVec,
}

impl ServiceMetrics {
    fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let connections = IntGauge::new("showroom_signaling_connections", "Open signaling WebSockets")?;
        registry.register(Box::new(connections.clone()))?;
        let signaling_errors =
            IntCounterVec::new(Opts::new("showroom_signaling_errors_total", "Signaling errors sent to clients, by code"), &["code"])?;
        registry.register(Box::new(signaling_errors.clone()))?;
        Ok(Self { connections, signaling_errors })
    }
}

/// Everything a request handler needs.
pub struct AppState {
    pub config: Config,
    pub keys: TokenKeys,
    pub calls: CallRegistry,
    pub sfu: Sfu,
    pub registry: Registry,
    pub metrics: ServiceMetrics,
    /// The store, written through a queue (never awaited by request handlers).
    pub journal: journal::Journal,
    /// Set when live transcription runs: tells it when a call ends.
    pub(crate) live: std::sync::OnceLock<live::LiveHandle>,
    /// Set when recording runs: tells it when a call ended (its files are closed).
    pub(crate) recorder: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<recorder::RecorderMsg>>,
    /// QA rubrics: the default under `""`, then per tenant.
    pub rubrics: std::collections::BTreeMap<String, showroom_qa::Rubric>,
    /// The queue in front of the calls, agents' presence and offers.
    pub desk: desk::Desk,
}

impl AppState {
    /// The rubric a tenant's calls are scored with.
    pub fn rubric_for(&self, tenant: &str) -> Option<&showroom_qa::Rubric> {
        self.rubrics.get(tenant).or_else(|| self.rubrics.get(""))
    }

    /// The last participant left an answered call (or it expired): store its end, and let the
    /// live path finish its transcript.
    pub(crate) fn call_ended(&self, call_id: &str) {
        tracing::info!(call = %call_id, "call ended");
        if let Some(live) = self.live.get() {
            live.call_ended(call_id);
        }
        self.tell_recorder(recorder::RecorderMsg::CallEnded(call_id.to_owned()));
        self.journal.write(showroom_store::LiveWrite::CallEnded { call: showroom_store::CallId(call_id.to_owned()), at: now() });
    }

    pub(crate) fn tell_recorder(&self, msg: recorder::RecorderMsg) {
        if let Some(recorder) = self.recorder.get() {
            let _ = recorder.send(msg);
        }
    }

    /// Claims issued now with the configured lifetime; callers set call, tenant, name and
    /// listen-only with struct update syntax.
    pub fn claims(&self, sub: String, role: Role) -> Claims {
        let iat = unix_ms() / 1000;
        Claims { sub, role, call: None, name: None, listen_only: false, tenant: None, iat, exp: iat + self.config.auth.token_ttl_s }
    }

    /// Mints a token with the configured lifetime; returns it and its expiry (unix seconds).
    pub fn mint(&self, sub: String, role: Role, call: Option<String>) -> Result<(String, u64), SignalError> {
        let claims = Claims { call, ..self.claims(sub, role) };
        Ok((self.keys.mint(&claims)?, claims.exp))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("cannot bind HTTP on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Sfu(#[from] showroom_sfu::SfuError),
    #[error(transparent)]
    Metrics(#[from] prometheus::Error),
    #[error("http server: {0}")]
    Serve(std::io::Error),
    #[error("store: {0}")]
    Store(#[from] showroom_store::StoreError),
    #[error(transparent)]
    Config(config::ConfigError),
    #[error(transparent)]
    Desk(#[from] desk::DeskError),
}

/// Wall-clock now for stored records.
pub(crate) fn now() -> showroom_store::Ts {
    showroom_store::Ts::from(std::time::SystemTime::now())
}

/// A started service: its addresses and the task serving it.
pub struct RunningService {
    pub http_addr: SocketAddr,
    pub udp_addr: SocketAddr,
    pub state: Arc<AppState>,
    /// Live transcription is running (a model was found and loaded).
    pub transcripts: bool,
    pub task: tokio::task::JoinHandle<Result<(), ServiceError>>,
}

/// Binds HTTP and UDP, starts the SFU engine, and serves until the task is dropped.
pub async fn start(config: Config) -> Result<RunningService, ServiceError> {
    let registry = Registry::new();
    let sfu_metrics = SfuMetrics::new(&registry)?;
    let metrics = ServiceMetrics::new(&registry)?;
    let secret = if config.auth.token_secret.is_empty() {
        tracing::warn!("auth.token_secret is empty: using a random secret; tokens will not survive a restart");
        Alphanumeric.sample_string(&mut rand::rng(), 48)
    } else {
        config.auth.token_secret.clone()
    };
    let rubrics = config.qa.load().map_err(ServiceError::Config)?;
    let journal = journal::Journal::open(&config.store).await?;
    let desk = desk::Desk::new(config.desk.clone(), config.routing.clone(), &registry)?;
    if let Some(store) = journal.sink().store().await
        && let Err(e) = desk.load(&store).await
    {
        tracing::warn!(error = %e, "agent profiles and callbacks not loaded from the store");
    }
    let (sfu, events) = Sfu::start(config.sfu.clone(), sfu_metrics)?;
    let listener = TcpListener::bind(config.http.bind).await.map_err(|source| ServiceError::Bind { addr: config.http.bind, source })?;
    let http_addr = listener.local_addr().map_err(ServiceError::Serve)?;
    let state = Arc::new(AppState {
        keys: TokenKeys::new(secret.as_bytes()),
        calls: CallRegistry::new(config.calls.clone()),
        config,
        sfu: sfu.clone(),
        registry,
        metrics,
        journal,
        live: std::sync::OnceLock::new(),
        recorder: std::sync::OnceLock::new(),
        rubrics,
        desk,
    });
    tokio::spawn(dispatch_sfu_events(state.clone(), events));
    tokio::spawn(desk::run(state.clone()));
    let transcripts = state.config.asr.enabled && live::start(&state);
    if let Some(ended) = recorder::start(&state, transcripts) {
        let _ = state.recorder.set(ended);
    }
    let app = http::router(state.clone());
    tracing::info!(%http_addr, udp = %sfu.local_addr(), transcripts, "showroom serving");
    let task = tokio::spawn(async move { axum::serve(listener, app).await.map_err(ServiceError::Serve) });
    Ok(RunningService { http_addr, udp_addr: sfu.local_addr(), state, transcripts, task })
}

fn track_kind(kind: MediaKind) -> TrackKind {
    match kind {
        MediaKind::Audio => TrackKind::Audio,
        MediaKind::Video => TrackKind::Video,
    }
}

fn track_source(label: &str, kind: MediaKind) -> TrackSource {
    serde_json::from_value(serde_json::Value::String(label.to_owned())).unwrap_or(match kind {
        MediaKind::Audio => TrackSource::Microphone,
        MediaKind::Video => TrackSource::Camera,
    })
}

/// Turns engine events into protocol messages for the right participants.
async fn dispatch_sfu_events(state: Arc<AppState>, mut events: tokio::sync::mpsc::UnboundedReceiver<SfuEvent>) {
    while let Some(event) = events.recv().await {
        match event {
            SfuEvent::SubscriberOffer { participant_id, sdp, tracks } => {
                let Some(call) = state.calls.call_of(&participant_id.0) else { continue };
                let tracks = tracks
                    .into_iter()
                    .map(|t| SubscribedTrack { mid: t.mid, track_id: t.track_id.0, participant_id: t.publisher.0, kind: track_kind(t.kind) })
                    .collect();
                state.calls.send_to(&call, &participant_id.0, ServerMessage::Offer { pc: PeerRole::Subscriber, sdp, tracks });
            }
            SfuEvent::TrackPublished { call_id, track } => {
                let info = TrackInfo {
                    track_id: track.track_id.0,
                    participant_id: track.participant_id.0.clone(),
                    kind: track_kind(track.kind),
                    source: track_source(&track.source, track.kind),
                    muted: track.muted,
                    layers: track.layers,
                };
                state.calls.track_published(&call_id.0, info.clone());
                state.calls.broadcast(&call_id.0, Some(&track.participant_id.0), &ServerMessage::TrackPublished { track: info });
            }
            SfuEvent::TrackUnpublished { call_id, track_id, participant_id } => {
                state.calls.track_unpublished(&call_id.0, &track_id.0);
                let msg = ServerMessage::TrackUnpublished { track_id: track_id.0, participant_id: participant_id.0.clone() };
                state.calls.broadcast(&call_id.0, Some(&participant_id.0), &msg);
            }
            SfuEvent::TrackMuted { call_id, track_id, participant_id, muted } => {
                state.calls.track_muted(&call_id.0, &track_id.0, muted);
                let msg = ServerMessage::TrackMuted { track_id: track_id.0, participant_id: participant_id.0.clone(), muted };
                state.calls.broadcast(&call_id.0, Some(&participant_id.0), &msg);
            }
            SfuEvent::PeerState { participant_id, pc, state: peer_state } => {
                tracing::info!(participant = %participant_id, ?pc, ?peer_state, "peer state");
            }
        }
    }
}
