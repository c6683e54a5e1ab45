//! The Showroom SFU driver: one UDP socket shared by every peer connection, the webrtc-rs sans-IO
//! core (`rtc`) for ICE-lite/DTLS/SRTP/interceptors, and the rooms that route packets between
//! participants using the pure decisions of `showroom-media`.
//!
//! Each participant has two peer connections: a *publisher* (the client offers, its tracks come
//! up) and a *subscriber* (the server offers, other participants' tracks go down). The engine
//! runs on its own OS thread, so forwarding never competes with the HTTP runtime's workers; the
//! service talks to it through [`Sfu`] (commands) and [`SfuEvent`] (a channel back).
//!
//! **API boundary:** no JSON, no tokens, no HTTP. Identifiers are opaque strings chosen by the
//! caller. Time comes from the engine loop and is passed down into the media core.

mod bwe;
pub mod config;
pub mod demux;
mod engine;
pub mod feedback;
mod ids;
pub mod metrics;
mod peer;
mod room;

use std::net::SocketAddr;

use tokio::sync::{mpsc, oneshot};

pub use bwe::LossBasedEstimator;
pub use config::SfuConfig;
pub use ids::{CallId, ParticipantId, TrackId};
pub use metrics::SfuMetrics;

/// Which of a participant's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PcKind {
    Publisher,
    Subscriber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Audio,
    Video,
}

/// How a client labels one of its transceivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackLabel {
    pub mid: String,
    /// Free-form source label (camera, microphone, item_camera, screen).
    pub source: String,
    pub muted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedTrackInfo {
    pub track_id: TrackId,
    pub participant_id: ParticipantId,
    pub kind: MediaKind,
    pub source: String,
    pub muted: bool,
    pub layers: u8,
}

/// One downstream track in a subscriber offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownTrackInfo {
    pub mid: String,
    pub track_id: TrackId,
    pub publisher: ParticipantId,
    pub kind: MediaKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerState {
    Connected,
    Disconnected,
    Failed,
}

/// Audio as it arrives from a publisher, for speech and analytics consumers. Payload is the
/// codec's (Opus) frame, untouched.
#[derive(Debug, Clone)]
pub struct AudioPacket {
    pub call_id: CallId,
    pub participant_id: ParticipantId,
    pub track_id: TrackId,
    pub seq: u16,
    pub timestamp: u32,
    pub payload: bytes::Bytes,
    pub arrival: std::time::Instant,
}

/// What the engine tells the service.
#[derive(Debug, Clone)]
pub enum SfuEvent {
    /// Send this offer on the participant's subscriber connection.
    SubscriberOffer { participant_id: ParticipantId, sdp: String, tracks: Vec<DownTrackInfo> },
    TrackPublished { call_id: CallId, track: PublishedTrackInfo },
    TrackUnpublished { call_id: CallId, track_id: TrackId, participant_id: ParticipantId },
    TrackMuted { call_id: CallId, track_id: TrackId, participant_id: ParticipantId, muted: bool },
    PeerState { participant_id: ParticipantId, pc: PcKind, state: PeerState },
}

#[derive(Debug, thiserror::Error)]
pub enum SfuError {
    #[error("unknown participant {0}")]
    UnknownParticipant(ParticipantId),
    #[error("participant {0} already exists")]
    DuplicateParticipant(ParticipantId),
    #[error("participant may not publish")]
    PublishNotAllowed,
    #[error("no published track with mid {0}")]
    UnknownTrack(String),
    #[error("invalid SDP: {0}")]
    BadSdp(String),
    #[error("invalid ICE candidate: {0}")]
    BadCandidate(String),
    #[error("no subscriber offer is outstanding")]
    NoOfferOutstanding,
    #[error("webrtc: {0}")]
    Rtc(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("the SFU engine has stopped")]
    Stopped,
}

impl SfuError {
    pub(crate) fn rtc(e: impl std::fmt::Display) -> Self {
        SfuError::Rtc(e.to_string())
    }
}

/// Options of a participant when it enters a call.
#[derive(Debug, Clone)]
pub struct ParticipantOptions {
    pub may_publish: bool,
}

type Reply<T> = oneshot::Sender<Result<T, SfuError>>;

pub(crate) enum Command {
    AddParticipant { call_id: CallId, participant_id: ParticipantId, options: ParticipantOptions, reply: Reply<()> },
    RemoveParticipant { participant_id: ParticipantId, reply: Reply<()> },
    PublisherOffer { participant_id: ParticipantId, sdp: String, labels: Vec<TrackLabel>, reply: Reply<String> },
    SubscriberAnswer { participant_id: ParticipantId, sdp: String, reply: Reply<()> },
    Candidate { participant_id: ParticipantId, pc: PcKind, candidate: String, sdp_mid: Option<String>, sdp_m_line_index: Option<u16>, reply: Reply<()> },
    SetMuted { participant_id: ParticipantId, mid: String, muted: bool, reply: Reply<()> },
    SetMaxLayer { participant_id: ParticipantId, track_id: TrackId, max_layer: Option<u8>, reply: Reply<()> },
    RestartSubscriberIce { participant_id: ParticipantId, reply: Reply<()> },
    ResendSubscriberOffer { participant_id: ParticipantId, reply: Reply<()> },
    TapAudio { tap: mpsc::Sender<AudioPacket> },
    Stats { reply: oneshot::Sender<SfuStats> },
}

/// A snapshot of what the engine holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SfuStats {
    pub calls: usize,
    pub participants: usize,
    pub peer_connections: usize,
    pub tracks: usize,
    pub subscriptions: usize,
}

/// Handle to a running SFU engine. Cheap to clone.
#[derive(Clone)]
pub struct Sfu {
    commands: mpsc::UnboundedSender<Command>,
    local_addr: SocketAddr,
    advertised_addr: SocketAddr,
}

impl Sfu {
    /// Binds the UDP port and starts the engine thread. Events arrive on the returned receiver.
    pub fn start(config: SfuConfig, metrics: SfuMetrics) -> Result<(Sfu, mpsc::UnboundedReceiver<SfuEvent>), SfuError> {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::unbounded_channel();
        let socket = engine::bind_socket(&config)?;
        let local_addr = socket.local_addr()?;
        let advertised_addr = config.advertised_addr(local_addr);
        std::thread::Builder::new()
            .name("sfu-engine".into())
            .spawn(move || engine::run(config, socket, advertised_addr, command_rx, event_tx, metrics))?;
        tracing::info!(%local_addr, %advertised_addr, "sfu listening");
        Ok((Sfu { commands, local_addr, advertised_addr }, events))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address put in every host candidate.
    pub fn advertised_addr(&self) -> SocketAddr {
        self.advertised_addr
    }

    async fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, SfuError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(make(tx)).map_err(|_| SfuError::Stopped)?;
        rx.await.map_err(|_| SfuError::Stopped)?
    }

    pub async fn add_participant(&self, call_id: CallId, participant_id: ParticipantId, options: ParticipantOptions) -> Result<(), SfuError> {
        self.call(|reply| Command::AddParticipant { call_id, participant_id, options, reply }).await
    }

    pub async fn remove_participant(&self, participant_id: ParticipantId) -> Result<(), SfuError> {
        self.call(|reply| Command::RemoveParticipant { participant_id, reply }).await
    }

    /// Applies the client's publisher offer and returns the answer SDP.
    pub async fn publisher_offer(&self, participant_id: ParticipantId, sdp: String, labels: Vec<TrackLabel>) -> Result<String, SfuError> {
        self.call(|reply| Command::PublisherOffer { participant_id, sdp, labels, reply }).await
    }

    pub async fn subscriber_answer(&self, participant_id: ParticipantId, sdp: String) -> Result<(), SfuError> {
        self.call(|reply| Command::SubscriberAnswer { participant_id, sdp, reply }).await
    }

    pub async fn remote_candidate(
        &self,
        participant_id: ParticipantId,
        pc: PcKind,
        candidate: String,
        sdp_mid: Option<String>,
        sdp_m_line_index: Option<u16>,
    ) -> Result<(), SfuError> {
        self.call(|reply| Command::Candidate { participant_id, pc, candidate, sdp_mid, sdp_m_line_index, reply }).await
    }

    pub async fn set_muted(&self, participant_id: ParticipantId, mid: String, muted: bool) -> Result<(), SfuError> {
        self.call(|reply| Command::SetMuted { participant_id, mid, muted, reply }).await
    }

    pub async fn set_max_layer(&self, participant_id: ParticipantId, track_id: TrackId, max_layer: Option<u8>) -> Result<(), SfuError> {
        self.call(|reply| Command::SetMaxLayer { participant_id, track_id, max_layer, reply }).await
    }

    pub async fn restart_subscriber_ice(&self, participant_id: ParticipantId) -> Result<(), SfuError> {
        self.call(|reply| Command::RestartSubscriberIce { participant_id, reply }).await
    }

    /// Sends the outstanding subscriber offer again (a resumed client may have lost it with its
    /// old socket). Nothing happens when no offer is outstanding.
    pub async fn resend_subscriber_offer(&self, participant_id: ParticipantId) -> Result<(), SfuError> {
        self.call(|reply| Command::ResendSubscriberOffer { participant_id, reply }).await
    }

    /// Registers a consumer of every published audio packet (speech recognition, analytics).
    /// Packets are dropped for a consumer that does not keep up; forwarding never waits.
    pub fn tap_audio(&self, tap: mpsc::Sender<AudioPacket>) -> Result<(), SfuError> {
        self.commands.send(Command::TapAudio { tap }).map_err(|_| SfuError::Stopped)
    }

    pub async fn stats(&self) -> Result<SfuStats, SfuError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(Command::Stats { reply: tx }).map_err(|_| SfuError::Stopped)?;
        rx.await.map_err(|_| SfuError::Stopped)
    }
}
