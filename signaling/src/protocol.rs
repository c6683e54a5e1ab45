//! Wire types of the `/v1/signal` WebSocket protocol (version 1).
//!
//! Every frame is one JSON object with `"v": 1` and a `"type"` tag. Requests may carry an `"id"`
//! which the matching reply or error echoes as `"ref"`. See `signaling/PROTOCOL.md`.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest text frame the server accepts, in bytes. SDP offers with simulcast are ~8 KiB.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Which of a participant's two peer connections a message concerns.
///
/// The client offers on `publisher` (its own tracks go up); the server offers on `subscriber`
/// (other participants' tracks come down). Two connections mean neither side ever has to
/// resolve offer glare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerRole {
    Publisher,
    Subscriber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Agent,
    Supervisor,
    Reviewer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// Roles that may take part in a call's media at all.
    pub fn may_join_calls(self) -> bool {
        matches!(self, Role::Customer | Role::Agent | Role::Supervisor)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    Audio,
    Video,
}

/// What a track shows; lets the agent page label "item camera" apart from the face camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TrackSource {
    #[default]
    Camera,
    Microphone,
    Screen,
    /// A second camera used to show an item.
    ItemCamera,
}

/// A trickled ICE candidate, exactly as the browser's `RTCIceCandidateInit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_m_line_index: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_fragment: Option<String>,
}

/// Client's description of one of its published transceivers (keyed by SDP `mid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackAnnouncement {
    pub mid: String,
    pub source: TrackSource,
    #[serde(default)]
    pub muted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantInfo {
    pub participant_id: String,
    pub identity: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub listen_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackInfo {
    pub track_id: String,
    pub participant_id: String,
    pub kind: TrackKind,
    pub source: TrackSource,
    pub muted: bool,
    /// Number of simulcast layers the publisher sends (1 = no simulcast).
    pub layers: u8,
}

/// Where one downstream track sits in the subscriber connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribedTrack {
    pub mid: String,
    pub track_id: String,
    pub participant_id: String,
    pub kind: TrackKind,
}

/// Messages a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// First message on a connection.
    Auth {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        token: String,
    },
    /// Enter the call named by the token, or resume an earlier session.
    Join {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The call the client means to enter; must match the token's (`wrong_call` if not).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<ResumeRequest>,
    },
    /// SDP offer for the publisher connection (also after an ICE restart or a track change).
    Offer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        pc: PeerRole,
        sdp: String,
        #[serde(default)]
        tracks: Vec<TrackAnnouncement>,
    },
    /// SDP answer to a server offer on the subscriber connection.
    Answer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        pc: PeerRole,
        sdp: String,
    },
    Candidate {
        pc: PeerRole,
        candidate: IceCandidate,
    },
    Mute {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The publisher transceiver's `mid`.
        mid: String,
        muted: bool,
    },
    /// Cap the simulcast layer received for one track (0 = lowest). `None` lifts the cap.
    SetQuality {
        track_id: String,
        #[serde(default)]
        max_layer: Option<u8>,
    },
    /// Receive live transcripts of the call (captions). Agents and supervisors always do.
    SetCaptions {
        enabled: bool,
    },
    /// Ask the server to send a fresh subscriber offer with new ICE credentials (the client's
    /// network changed). Publisher ICE restarts are ordinary offers with new credentials.
    RestartIce {
        pc: PeerRole,
    },
    Leave {},
    Ping {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ts: Option<f64>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeRequest {
    pub participant_id: String,
    pub resume_token: String,
}

/// Messages the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Authed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        r#ref: Option<String>,
        identity: String,
        role: Role,
        call_id: String,
    },
    Joined {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        r#ref: Option<String>,
        participant_id: String,
        /// Present this with `join.resume` after a lost connection (valid `resume_window_s`).
        resume_token: String,
        resume_window_s: u32,
        resumed: bool,
        participants: Vec<ParticipantInfo>,
        tracks: Vec<TrackInfo>,
    },
    Offer {
        pc: PeerRole,
        sdp: String,
        tracks: Vec<SubscribedTrack>,
    },
    Answer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        r#ref: Option<String>,
        pc: PeerRole,
        sdp: String,
    },
    Candidate {
        pc: PeerRole,
        candidate: IceCandidate,
    },
    ParticipantJoined {
        participant: ParticipantInfo,
    },
    ParticipantLeft {
        participant_id: String,
        reason: LeaveReason,
    },
    TrackPublished {
        track: TrackInfo,
    },
    TrackUnpublished {
        track_id: String,
        participant_id: String,
    },
    TrackMuted {
        track_id: String,
        participant_id: String,
        muted: bool,
    },
    /// Live speech-to-text of one participant's utterance. Partials come at least every second
    /// while they speak (`text` is settled, `tentative` may still change); then one final, or
    /// `not_transcribed` with the reason in `tentative`. Sent to agents and supervisors, and to
    /// the shopper after `set_captions`.
    Transcript {
        participant_id: String,
        role: Role,
        utterance: u64,
        status: TranscriptStatus,
        /// Seconds since the call's first audio.
        start_s: f64,
        end_s: f64,
        text: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        tentative: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        language: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confidence: Option<f32>,
    },
    /// Live overtalk in the call (sent to the agent and supervisors): an `alert` within 300 ms
    /// of someone starting to talk over the other, then `resolved` with what it turned out to be,
    /// or `retracted` when the alert was wrong (it was a backchannel).
    Overtalk {
        id: u64,
        event: OvertalkEvent,
        /// Who started talking over whom.
        interrupter: Role,
        interrupted: Role,
        /// Seconds since the call's first audio.
        onset_s: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<OvertalkKind>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        overlap_s: Option<f64>,
    },
    /// The shopper's place in the queue while no agent has joined (sent on join, on every
    /// change and at least every 5 s). See `DESK.md`.
    Queue {
        /// 1-based among the calls that compete for the same agents.
        position: u32,
        /// `None` while no agent who could take the call is online.
        estimated_wait_s: Option<f64>,
        agents_online: u32,
        /// An agent is being offered the call right now.
        ringing: bool,
    },
    Pong {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ts: Option<f64>,
        server_time_ms: u64,
    },
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        r#ref: Option<String>,
        code: ErrorCode,
        message: String,
        /// Whether the server closes the connection right after this error (`true`) or the
        /// connection stays usable (`false`). See [`ErrorCode::is_fatal`].
        fatal: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OvertalkEvent {
    Alert,
    Resolved,
    Retracted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OvertalkKind {
    Interruption,
    Backchannel,
    SimultaneousStart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptStatus {
    Partial,
    Final,
    NotTranscribed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    Left,
    /// The connection was lost and not resumed within the resume window.
    Timeout,
    Kicked,
    CallEnded,
}

/// An incoming frame with its version envelope stripped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<M> {
    pub v: u32,
    #[serde(flatten)]
    pub msg: M,
}

impl ClientMessage {
    /// Request id to echo as `ref` in the reply, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ClientMessage::Auth { id, .. }
            | ClientMessage::Join { id, .. }
            | ClientMessage::Offer { id, .. }
            | ClientMessage::Answer { id, .. }
            | ClientMessage::Mute { id, .. } => id.as_deref(),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            ClientMessage::Auth { .. } => "auth",
            ClientMessage::Join { .. } => "join",
            ClientMessage::Offer { .. } => "offer",
            ClientMessage::Answer { .. } => "answer",
            ClientMessage::Candidate { .. } => "candidate",
            ClientMessage::Mute { .. } => "mute",
            ClientMessage::SetQuality { .. } => "set_quality",
            ClientMessage::RestartIce { .. } => "restart_ice",
            ClientMessage::SetCaptions { .. } => "set_captions",
            ClientMessage::Leave {} => "leave",
            ClientMessage::Ping { .. } => "ping",
        }
    }
}
