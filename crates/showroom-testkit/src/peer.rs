//! A client-side peer connection on the `rtc` sans-IO core with its own UDP socket: real ICE,
//! DTLS and SRTP, driven by one task. Commands go in, received media and events come out.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use bytes::BytesMut;
use rtc::interceptor::Registry;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
use rtc::peer_connection::configuration::media_engine::MediaEngine;
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::peer_connection::configuration::{RTCConfigurationBuilder, RTCOfferOptions};
use rtc::peer_connection::event::RTCPeerConnectionEvent;
use rtc::peer_connection::message::{RTCMessage, TaggedRTCMessage};
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::peer_connection::state::RTCPeerConnectionState;
use rtc::peer_connection::transport::{CandidateConfig, CandidateHostConfig, RTCIceCandidate, RTCIceCandidateInit};
use rtc::peer_connection::{RTCPeerConnection, RTCPeerConnectionBuilder};
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use rtc::rtp_transceiver::RTCRtpSenderId;
use rtc::sansio::Protocol;
use rtc::shared::{TaggedBytesMut, TransportContext, TransportProtocol};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot, watch};

use crate::media::VideoCodec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Audio,
    Video,
}

/// An RTP packet as the client received it (after SRTP).
#[derive(Debug, Clone)]
pub struct ReceivedRtp {
    pub kind: Kind,
    /// The msid stream id: the publishing participant's id.
    pub stream_id: String,
    pub packet: rtc::rtp::Packet,
    pub arrival: Instant,
}

pub enum PeerEvent {
    Rtp(ReceivedRtp),
    /// The far end asked for a keyframe on one of our senders (and simulcast layer).
    KeyframeRequested(Kind, usize),
}

enum Cmd {
    CreateOffer { ice_restart: bool, reply: oneshot::Sender<anyhow::Result<String>> },
    SetRemote { sdp: String, offer: bool, reply: oneshot::Sender<anyhow::Result<Option<String>>> },
    Candidate(String),
    Write { kind: Kind, layer: usize, packet: rtc::rtp::Packet },
    /// Move to a fresh UDP socket (a network change); the next offer should restart ICE.
    Rebind { reply: oneshot::Sender<anyhow::Result<()>> },
    /// Drop every n-th inbound RTP datagram before decryption (0 = none): a lossy network.
    InboundLoss(u64),
    Outbound(Outbound),
    Close,
}

/// What the peer lets out of its socket: a way to stage broken networks and stalled stacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outbound {
    #[default]
    Everything,
    /// No STUN (no checks, no consent answers), media and DTLS still flow: a peer whose
    /// pings are late, as a busy browser's are.
    NoStun,
    /// Nothing at all: a dead path.
    Nothing,
}

impl Outbound {
    fn lets_out(self, datagram: &[u8]) -> bool {
        match self {
            Outbound::Everything => true,
            // RFC 7983: a first byte of 0..=3 is STUN.
            Outbound::NoStun => !matches!(datagram.first(), Some(0..=3)),
            Outbound::Nothing => false,
        }
    }
}

/// Handle to a running peer task.
#[derive(Clone)]
pub struct Peer {
    cmds: mpsc::UnboundedSender<Cmd>,
    pub state: watch::Receiver<RTCPeerConnectionState>,
}

fn codec(kind: Kind, video: VideoCodec) -> RTCRtpCodec {
    if kind == Kind::Video && video == VideoCodec::H264 {
        return RTCRtpCodec {
            mime_type: "video/H264".into(),
            clock_rate: 90000,
            channels: 0,
            sdp_fmtp_line: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f".into(),
            rtcp_feedback: vec![],
        };
    }
    match kind {
        Kind::Audio => RTCRtpCodec { mime_type: "audio/opus".into(), clock_rate: 48000, channels: 2, sdp_fmtp_line: "minptime=10;useinbandfec=1".into(), rtcp_feedback: vec![] },
        Kind::Video => RTCRtpCodec { mime_type: "video/VP8".into(), clock_rate: 90000, channels: 0, sdp_fmtp_line: String::new(), rtcp_feedback: vec![] },
    }
}

impl Peer {
    /// Starts a peer. `send` lists the tracks it publishes (one sender per kind); video is sent
    /// as `video_layers` simulcast encodings (RIDs q, h, f) when that is more than one.
    pub async fn start(
        send: &[Kind],
        video_layers: usize,
        video_codec: VideoCodec,
        events: mpsc::UnboundedSender<PeerEvent>,
    ) -> anyhow::Result<Peer> {
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        let mut me = MediaEngine::default();
        me.register_default_codecs()?;
        let registry = register_default_interceptors(showroom_sfu::feedback::with_feedback_delivery(Registry::new()), &mut me)?;
        // A rebound socket leaves old candidates naming nothing: drop them on restart (webrtc#868).
        let settings = SettingEngineBuilder::new().with_discard_local_candidates_during_ice_restart(true).build();
        let mut pc = RTCPeerConnectionBuilder::new()
            .with_configuration(RTCConfigurationBuilder::new().build())
            .with_setting_engine(settings)
            .with_media_engine(me)
            .with_interceptor_registry(registry)
            .build(Instant::now())?;
        add_host(&mut pc, socket.local_addr()?)?;
        let mut senders = Vec::new();
        for &kind in send {
            let n_layers = if kind == Kind::Video { video_layers.clamp(1, 3) } else { 1 };
            let ssrcs: Vec<u32> = (0..n_layers).map(|_| rand::random()).collect();
            let encodings = ssrcs
                .iter()
                .enumerate()
                .map(|(i, &ssrc)| RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters {
                        rid: if n_layers > 1 { ["q", "h", "f"][i].to_owned() } else { String::new() },
                        ssrc: Some(ssrc),
                        ..Default::default()
                    },
                    codec: codec(kind, video_codec),
                    ..Default::default()
                })
                .collect();
            let track = MediaStreamTrack::new(
                "testkit".into(),
                format!("testkit-{kind:?}").to_lowercase(),
                format!("testkit-{kind:?}"),
                match kind {
                    Kind::Audio => RtpCodecKind::Audio,
                    Kind::Video => RtpCodecKind::Video,
                },
                encodings,
            );
            senders.push((kind, pc.add_track(track)?, ssrcs, 0u8));
        }
        let (cmds, rx) = mpsc::unbounded_channel();
        let (state_tx, state) = watch::channel(RTCPeerConnectionState::New);
        tokio::spawn(PeerTask { pc, socket, senders, events, state: state_tx, rebound: false, mids: Default::default(), loss_every: 0, rtp_seen: 0, outbound: Outbound::Everything, video_codec }.run(rx));
        Ok(Peer { cmds, state })
    }

    pub async fn create_offer(&self, ice_restart: bool) -> anyhow::Result<String> {
        let (reply, rx) = oneshot::channel();
        self.cmds.send(Cmd::CreateOffer { ice_restart, reply }).map_err(|_| anyhow!("peer stopped"))?;
        rx.await?
    }

    /// Applies a remote description; for an offer, returns our answer.
    pub async fn set_remote(&self, sdp: String, offer: bool) -> anyhow::Result<Option<String>> {
        let (reply, rx) = oneshot::channel();
        self.cmds.send(Cmd::SetRemote { sdp, offer, reply }).map_err(|_| anyhow!("peer stopped"))?;
        rx.await?
    }

    pub fn add_candidate(&self, candidate: String) {
        let _ = self.cmds.send(Cmd::Candidate(candidate));
    }

    /// Sends one RTP packet on the sender of `kind` (simulcast `layer` 0 unless given); ssrc
    /// and payload type are filled in.
    pub fn write(&self, kind: Kind, layer: usize, packet: rtc::rtp::Packet) {
        let _ = self.cmds.send(Cmd::Write { kind, layer, packet });
    }

    pub async fn rebind(&self) -> anyhow::Result<()> {
        let (reply, rx) = oneshot::channel();
        self.cmds.send(Cmd::Rebind { reply }).map_err(|_| anyhow!("peer stopped"))?;
        rx.await?
    }

    pub async fn wait_connected(&mut self, timeout: Duration) -> anyhow::Result<()> {
        tokio::time::timeout(timeout, self.state.wait_for(|s| *s == RTCPeerConnectionState::Connected))
            .await
            .context("peer did not connect in time")??;
        Ok(())
    }

    pub fn close(&self) {
        let _ = self.cmds.send(Cmd::Close);
    }

    /// Simulates loss on the way in: every `every`-th RTP datagram is dropped (0 = none).
    pub fn set_inbound_loss(&self, every: u64) {
        let _ = self.cmds.send(Cmd::InboundLoss(every));
    }

    /// Filters what leaves the socket from now on.
    pub fn set_outbound(&self, outbound: Outbound) {
        let _ = self.cmds.send(Cmd::Outbound(outbound));
    }
}

/// RTP, not RTCP (RFC 5761: RTCP packet types 192..=223 sit where RTP has M bit + PT).
fn is_rtp(datagram: &[u8]) -> bool {
    datagram.len() > 1 && (128..=191).contains(&datagram[0]) && !(192..=223).contains(&datagram[1])
}

fn add_host(pc: &mut RTCPeerConnection, addr: SocketAddr) -> anyhow::Result<()> {
    let c = CandidateHostConfig {
        base_config: CandidateConfig { network: "udp".into(), address: addr.ip().to_string(), port: addr.port(), component: 1, ..Default::default() },
        ..Default::default()
    }
    .new_candidate_host()?;
    pc.add_local_candidate(RTCIceCandidate::from(&c).to_json()?)?;
    Ok(())
}

struct PeerTask {
    pc: RTCPeerConnection,
    socket: UdpSocket,
    /// Per published kind: sender, SSRC per simulcast layer, negotiated payload type.
    senders: Vec<(Kind, RTCRtpSenderId, Vec<u32>, u8)>,
    events: mpsc::UnboundedSender<PeerEvent>,
    state: watch::Sender<RTCPeerConnectionState>,
    /// The socket changed: once the restart is applied, announce the new host candidate.
    rebound: bool,
    mids: std::collections::HashMap<RTCRtpSenderId, String>,
    loss_every: u64,
    rtp_seen: u64,
    outbound: Outbound,
    video_codec: VideoCodec,
}

impl PeerTask {
    /// Records each sender's negotiated mid (needed for the mid header extension).
    fn learn_mids(&mut self) {
        let transceivers: Vec<_> = self.pc.get_transceivers().collect();
        for t in transceivers {
            if let Some(t) = self.pc.rtp_transceiver(t)
                && let (Some(sender), Some(mid)) = (t.sender(), t.mid().clone()) {
                    self.mids.insert(sender, mid);
                }
        }
    }

    fn readd_host_after_restart(&mut self) -> anyhow::Result<()> {
        if std::mem::take(&mut self.rebound) {
            add_host(&mut self.pc, self.socket.local_addr()?)?;
        }
        Ok(())
    }

    async fn run(mut self, mut cmds: mpsc::UnboundedReceiver<Cmd>) {
        let mut buf = vec![0u8; 2048];
        loop {
            self.flush().await;
            let deadline = self.pc.poll_timeout().unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                biased;
                cmd = cmds.recv() => match cmd {
                    None | Some(Cmd::Close) => break,
                    Some(cmd) => self.on_cmd(cmd).await,
                },
                r = self.socket.recv_from(&mut buf) => if let Ok((n, from)) = r {
                    if self.loss_every > 0 && is_rtp(&buf[..n]) {
                        self.rtp_seen += 1;
                        if self.rtp_seen.is_multiple_of(self.loss_every) {
                            continue;
                        }
                    }
                    let local = self.socket.local_addr().expect("bound socket");
                    let msg = TaggedBytesMut {
                        now: Instant::now(),
                        transport: TransportContext { local_addr: local, peer_addr: from, ecn: None, transport_protocol: TransportProtocol::UDP },
                        message: BytesMut::from(&buf[..n]),
                    };
                    if let Err(e) = self.pc.handle_read(msg) {
                        tracing::trace!(error = %e, "client dropped a datagram");
                    }
                },
                _ = tokio::time::sleep_until(deadline.into()) => {
                    let _ = self.pc.handle_timeout(Instant::now());
                }
            }
        }
        let _ = self.pc.close();
        self.flush().await;
    }

    async fn on_cmd(&mut self, cmd: Cmd) {
        let now = Instant::now();
        match cmd {
            Cmd::CreateOffer { ice_restart, reply } => {
                let r = (|| {
                    let offer = self.pc.create_offer(Some(RTCOfferOptions { ice_restart }))?;
                    self.pc.set_local_description(now, offer)?;
                    self.readd_host_after_restart()?;
                    self.learn_mids();
                    Ok(self.pc.local_description().ok_or_else(|| anyhow!("no local description"))?.sdp)
                })();
                let _ = reply.send(r);
            }
            Cmd::SetRemote { sdp, offer, reply } => {
                let r = (|| {
                    let desc = if offer { RTCSessionDescription::offer(sdp)? } else { RTCSessionDescription::answer(sdp)? };
                    self.pc.set_remote_description(now, desc)?;
                    if offer {
                        self.readd_host_after_restart()?;
                    }
                    if !offer {
                        return Ok(None);
                    }
                    let answer = self.pc.create_answer(None)?;
                    self.pc.set_local_description(now, answer)?;
                    Ok(Some(self.pc.local_description().ok_or_else(|| anyhow!("no local description"))?.sdp))
                })();
                let _ = reply.send(r);
            }
            Cmd::Candidate(c) => {
                let _ = self.pc.add_remote_candidate(RTCIceCandidateInit { candidate: c, ..Default::default() });
            }
            Cmd::Write { kind, layer, mut packet } => {
                let Some((_, id, ssrcs, pt)) = self.senders.iter_mut().find(|(k, ..)| *k == kind) else { return };
                let (id, Some(&ssrc)) = (*id, ssrcs.get(layer)) else { return };
                let Some(mut sender) = self.pc.rtp_sender(id) else { return };
                if *pt == 0 {
                    let mime = codec(kind, self.video_codec).mime_type;
                    match sender.get_parameters().rtp_parameters.codecs.iter().find(|c| c.rtp_codec.mime_type.eq_ignore_ascii_case(&mime)) {
                        Some(c) => *pt = c.payload_type,
                        None => return,
                    }
                }
                packet.header.ssrc = ssrc;
                packet.header.payload_type = *pt;
                if ssrcs.len() > 1 {
                    // Simulcast without SSRCs in the SDP: the receiver maps each stream by its
                    // mid and RID header extensions (RFC 8852), as browsers send them.
                    let exts = sender.get_parameters().rtp_parameters.header_extensions.clone();
                    let id_of = |uri: &str| exts.iter().find(|e| e.uri == uri).map(|e| e.id as u8);
                    let mid = self.mids.get(&id).cloned().unwrap_or_default();
                    if let Some(rid_id) = id_of("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id") {
                        let _ = packet.header.set_extension(rid_id, bytes::Bytes::from_static(["q", "h", "f"][layer].as_bytes()));
                    }
                    if let Some(mid_id) = id_of("urn:ietf:params:rtp-hdrext:sdes:mid") {
                        let _ = packet.header.set_extension(mid_id, bytes::Bytes::from(mid.into_bytes()));
                    }
                }
                if let Err(e) = sender.write_rtp(now, packet) {
                    tracing::trace!(error = %e, "client write_rtp failed");
                }
            }
            Cmd::Rebind { reply } => {
                let r = async {
                    self.socket = UdpSocket::bind("127.0.0.1:0").await?;
                    self.rebound = true;
                    Ok(())
                }
                .await;
                let _ = reply.send(r);
            }
            Cmd::InboundLoss(every) => self.loss_every = every,
            Cmd::Outbound(o) => self.outbound = o,
            Cmd::Close => {}
        }
    }

    async fn flush(&mut self) {
        while let Some(out) = self.pc.poll_write() {
            if self.outbound.lets_out(&out.message) {
                let _ = self.socket.send_to(&out.message, out.transport.peer_addr).await;
            }
        }
        while let Some(ev) = self.pc.poll_event() {
            if let RTCPeerConnectionEvent::OnConnectionStateChangeEvent(s) = ev {
                let _ = self.state.send(s);
            }
        }
        while let Some(TaggedRTCMessage { message, now, .. }) = self.pc.poll_read() {
            match message {
                RTCMessage::RtpPacket(track_id, packet) => {
                    let receivers: Vec<_> = self.pc.get_receivers().collect();
                    let info = receivers.into_iter().find_map(|r| {
                        let rx = self.pc.rtp_receiver(r)?;
                        let t = rx.track();
                        (t.track_id() == &track_id).then(|| {
                            let kind = if t.kind() == RtpCodecKind::Audio { Kind::Audio } else { Kind::Video };
                            (kind, t.stream_id().clone())
                        })
                    });
                    let Some((kind, stream_id)) = info else { continue };
                    let _ = self.events.send(PeerEvent::Rtp(ReceivedRtp { kind, stream_id, packet, arrival: now }));
                }
                RTCMessage::RtcpPacket(_, packets) => {
                    for p in packets {
                        if let Some(pli) = p.as_any().downcast_ref::<PictureLossIndication>() {
                                        let hit = self.senders.iter().find_map(|(k, _, ssrcs, _)| ssrcs.iter().position(|s| *s == pli.media_ssrc).map(|l| (*k, l)));
                            let (kind, layer) = hit.unwrap_or((Kind::Video, 0));
                            let _ = self.events.send(PeerEvent::KeyframeRequested(kind, layer));
                        }
                    }
                }
                _ => {}
            }
        }
        // Writes triggered by reads (e.g. RTCP answers) go out on the next turn's flush.
        while let Some(out) = self.pc.poll_write() {
            if self.outbound.lets_out(&out.message) {
                let _ = self.socket.send_to(&out.message, out.transport.peer_addr).await;
            }
        }
    }
}
