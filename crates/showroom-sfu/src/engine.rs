//! The engine loop: owns the socket, every peer connection and every room; one thread.
//!
//! Each turn takes one input (a datagram, a command, a due timer, the housekeeping tick), feeds
//! it to the peer connection it concerns, then drains every connection touched ("dirty") of its
//! outgoing datagrams, events and application messages. Forwarding decisions come from
//! `showroom-media`; this file only moves bytes and keeps the tables.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use rtc::peer_connection::event::{RTCPeerConnectionEvent, RTCTrackEvent};
use rtc::peer_connection::message::{RTCMessage, TaggedRTCMessage};
use rtc::peer_connection::state::{RTCIceConnectionState, RTCPeerConnectionState};
use rtc::sansio::Protocol;
use rtc::shared::{TaggedBytesMut, TransportContext, TransportProtocol};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::demux::{self, PacketClass};
use crate::room::{PcEntry, PcId, Participant, SubscriberNegotiation};
use crate::{
    AudioPacket, CallId, Command, ParticipantId, ParticipantOptions, PcKind, PeerState, SfuConfig,
    SfuError, SfuEvent, SfuMetrics, SfuStats, TrackId,
};

mod forwarding;
mod signaling;

const HOUSEKEEPING_INTERVAL: Duration = Duration::from_millis(200);
/// Datagrams read per turn before other inputs get a look in.
const RECV_BATCH: usize = 64;

pub(crate) fn bind_socket(cfg: &SfuConfig) -> Result<std::net::UdpSocket, SfuError> {
    use socket2::{Domain, Protocol as SockProtocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(cfg.udp_bind), Type::DGRAM, Some(SockProtocol::UDP))?;
    // Best effort: the kernel caps these at net.core.[rw]mem_max.
    let _ = socket.set_recv_buffer_size(cfg.socket_buffer_bytes);
    let _ = socket.set_send_buffer_size(cfg.socket_buffer_bytes);
    socket.bind(&cfg.udp_bind.into())?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

pub(crate) fn run(
    config: SfuConfig,
    socket: std::net::UdpSocket,
    advertised: SocketAddr,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<SfuEvent>,
    metrics: SfuMetrics,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the sfu engine runtime");
            return;
        }
    };
    runtime.block_on(async move {
        let socket = match UdpSocket::from_std(socket) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot register the sfu socket");
                return;
            }
        };
        Engine::new(config, socket, advertised, events, metrics).run(commands).await;
    });
}

pub(crate) struct Engine {
    pub config: SfuConfig,
    pub socket: UdpSocket,
    pub advertised: SocketAddr,
    pub events: mpsc::UnboundedSender<SfuEvent>,
    pub metrics: SfuMetrics,
    pub pcs: HashMap<PcId, PcEntry>,
    pub ufrags: HashMap<String, PcId>,
    pub addrs: HashMap<SocketAddr, PcId>,
    pub participants: HashMap<ParticipantId, Participant>,
    pub calls: HashMap<CallId, Vec<ParticipantId>>,
    pub tracks: HashMap<TrackId, crate::room::PublishedTrack>,
    pub audio_taps: Vec<mpsc::Sender<AudioPacket>>,
    next_pc_id: PcId,
    timers: BinaryHeap<Reverse<(Instant, PcId)>>,
    deadlines: HashMap<PcId, Instant>,
    dirty: Vec<PcId>,
    dirty_set: HashSet<PcId>,
}

impl Engine {
    fn new(
        config: SfuConfig,
        socket: UdpSocket,
        advertised: SocketAddr,
        events: mpsc::UnboundedSender<SfuEvent>,
        metrics: SfuMetrics,
    ) -> Self {
        Self {
            config,
            socket,
            advertised,
            events,
            metrics,
            pcs: HashMap::new(),
            ufrags: HashMap::new(),
            addrs: HashMap::new(),
            participants: HashMap::new(),
            calls: HashMap::new(),
            tracks: HashMap::new(),
            audio_taps: Vec::new(),
            next_pc_id: 1,
            timers: BinaryHeap::new(),
            deadlines: HashMap::new(),
            dirty: Vec::new(),
            dirty_set: HashSet::new(),
        }
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut buf = vec![0u8; 2048];
        let mut housekeeping = tokio::time::interval(HOUSEKEEPING_INTERVAL);
        housekeeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let wake = self.timers.peek().map(|Reverse((t, _))| *t).unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                biased;
                cmd = commands.recv() => match cmd {
                    Some(cmd) => self.on_command(cmd, Instant::now()),
                    None => break,
                },
                ready = self.socket.readable() => {
                    if ready.is_ok() {
                        for _ in 0..RECV_BATCH {
                            match self.socket.try_recv_from(&mut buf) {
                                Ok((n, from)) => {
                                    // Each datagram is carried all the way out before the next is
                                    // read, so the time below is what the gateway adds to it.
                                    let received = Instant::now();
                                    self.on_datagram(&buf[..n], from, received);
                                    self.drain_dirty(received);
                                    self.metrics.datagram_seconds.observe(received.elapsed().as_secs_f64());
                                }
                                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                                Err(e) => {
                                    tracing::debug!(error = %e, "udp receive error");
                                    break;
                                }
                            }
                        }
                    }
                },
                _ = tokio::time::sleep_until(wake.into()) => self.on_timers(Instant::now()),
                _ = housekeeping.tick() => self.housekeeping(Instant::now()),
            }
            self.drain_dirty(Instant::now());
        }
        tracing::info!("sfu engine stopped");
    }

    pub fn mark_dirty(&mut self, id: PcId) {
        if self.dirty_set.insert(id) {
            self.dirty.push(id);
        }
    }

    fn on_datagram(&mut self, buf: &[u8], from: SocketAddr, now: Instant) {
        let class = demux::classify(buf);
        let id = match class {
            PacketClass::Stun => {
                let by_ufrag = demux::stun_local_ufrag(buf).and_then(|u| self.ufrags.get(u).copied());
                if let Some(id) = by_ufrag {
                    self.learn_addr(id, from);
                }
                by_ufrag.or_else(|| self.addrs.get(&from).copied())
            }
            PacketClass::Unknown => None,
            _ => self.addrs.get(&from).copied(),
        };
        let Some(id) = id else {
            self.metrics.dropped_datagrams.with_label_values(&["unknown_source"]).inc();
            return;
        };
        let Some(entry) = self.pcs.get_mut(&id) else { return };
        let msg = TaggedBytesMut {
            now,
            transport: TransportContext {
                local_addr: self.advertised,
                peer_addr: from,
                ecn: None,
                transport_protocol: TransportProtocol::UDP,
            },
            message: BytesMut::from(buf),
        };
        if let Err(e) = entry.pc.handle_read(msg) {
            self.metrics.dropped_datagrams.with_label_values(&["rejected"]).inc();
            tracing::debug!(participant = %entry.participant, error = %e, "datagram rejected");
        }
        self.mark_dirty(id);
    }

    fn learn_addr(&mut self, id: PcId, from: SocketAddr) {
        if self.addrs.get(&from) == Some(&id) {
            return;
        }
        if let Some(old) = self.addrs.insert(from, id)
            && let Some(e) = self.pcs.get_mut(&old) {
                e.addrs.retain(|a| *a != from);
            }
        if let Some(e) = self.pcs.get_mut(&id) {
            e.addrs.push(from);
        }
    }

    fn on_timers(&mut self, now: Instant) {
        while let Some(&Reverse((t, id))) = self.timers.peek() {
            if t > now {
                break;
            }
            self.timers.pop();
            if self.deadlines.get(&id) != Some(&t) {
                continue; // superseded
            }
            self.deadlines.remove(&id);
            if let Some(e) = self.pcs.get_mut(&id) {
                if let Err(err) = e.pc.handle_timeout(now) {
                    tracing::debug!(participant = %e.participant, error = %err, "timeout handling failed");
                }
                self.mark_dirty(id);
            }
        }
    }

    /// Drains every touched connection until none is left; handling one can touch others.
    fn drain_dirty(&mut self, now: Instant) {
        while let Some(id) = self.dirty.pop() {
            self.dirty_set.remove(&id);
            self.drain(id, now);
        }
    }

    fn drain(&mut self, id: PcId, now: Instant) {
        let Some(entry) = self.pcs.get_mut(&id) else { return };
        while let Some(out) = entry.pc.poll_write() {
            if let Err(e) = self.socket.try_send_to(&out.message, out.transport.peer_addr) {
                self.metrics.dropped_datagrams.with_label_values(&["send_failed"]).inc();
                tracing::trace!(error = %e, "udp send failed");
            }
        }
        let mut events = Vec::new();
        while let Some(ev) = entry.pc.poll_event() {
            events.push(ev);
        }
        let mut reads = Vec::new();
        while let Some(TaggedRTCMessage { message, .. }) = entry.pc.poll_read() {
            reads.push(message);
        }
        if let Some(t) = entry.pc.poll_timeout()
            && self.deadlines.get(&id) != Some(&t) {
                self.deadlines.insert(id, t);
                self.timers.push(Reverse((t, id)));
            }
        for ev in events {
            self.on_pc_event(id, ev, now);
        }
        for msg in reads {
            match msg {
                RTCMessage::RtpPacket(track_id, packet) => self.on_rtp(id, &track_id, packet, now),
                RTCMessage::RtcpPacket(track_id, packets) => self.on_rtcp(id, &track_id, packets, now),
                _ => {}
            }
        }
    }

    fn on_pc_event(&mut self, id: PcId, ev: RTCPeerConnectionEvent, now: Instant) {
        let Some(entry) = self.pcs.get_mut(&id) else { return };
        let participant_id = entry.participant.clone();
        let pc = entry.kind;
        match ev {
            RTCPeerConnectionEvent::OnIceConnectionStateChangeEvent(state) => {
                tracing::debug!(participant = %participant_id, ?pc, %state, "ice state");
                let state = match state {
                    RTCIceConnectionState::Connected | RTCIceConnectionState::Completed => PeerState::Connected,
                    RTCIceConnectionState::Disconnected => {
                        self.metrics.ice_disconnects.inc();
                        PeerState::Disconnected
                    }
                    RTCIceConnectionState::Failed => {
                        self.metrics.ice_failures.inc();
                        PeerState::Failed
                    }
                    _ => return,
                };
                let _ = self.events.send(SfuEvent::PeerState { participant_id, pc, state });
            }
            RTCPeerConnectionEvent::OnConnectionStateChangeEvent(state) => {
                tracing::debug!(participant = %participant_id, ?pc, %state, "connection state");
                // `connected` means DTLS is up. A Disconnected ICE state is often a pause in
                // the browser's consent checks, not a dead path: keep sending until Failed.
                match state {
                    RTCPeerConnectionState::Connected => {
                        let was = std::mem::replace(&mut entry.connected, true);
                        if !was && pc == PcKind::Subscriber {
                            // Forwarders held back until now wait for a keyframe: ask at once.
                            self.request_keyframes_for_subscriber(&participant_id, now);
                        }
                    }
                    RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed => entry.connected = false,
                    _ => {}
                }
            }
            RTCPeerConnectionEvent::OnTrack(RTCTrackEvent::OnClose(track_id)) => {
                self.on_remote_track_closed(&participant_id, &track_id, now);
            }
            _ => {}
        }
    }

    pub fn new_pc(&mut self, participant: &ParticipantId, kind: PcKind, now: Instant) -> Result<PcId, SfuError> {
        let pc = crate::peer::build_peer_connection(self.advertised, &self.config, now)?;
        let id = self.next_pc_id;
        self.next_pc_id += 1;
        // The ufrag is registered once the first local description exists (`refresh_ufrag`).
        self.pcs.insert(
            id,
            PcEntry { pc, participant: participant.clone(), kind, ufrag: String::new(), addrs: Vec::new(), connected: false },
        );
        Ok(id)
    }

    /// Re-reads a connection's local ufrag after a local description changed it (ICE restart).
    pub fn refresh_ufrag(&mut self, id: PcId) {
        let Some(entry) = self.pcs.get_mut(&id) else { return };
        let Some(desc) = entry.pc.local_description() else { return };
        let Some(ufrag) = demux::sdp_ice_ufrag(&desc.sdp).map(str::to_owned) else { return };
        if ufrag != entry.ufrag {
            if self.ufrags.get(&entry.ufrag) == Some(&id) {
                self.ufrags.remove(&entry.ufrag);
            }
            self.ufrags.insert(ufrag.clone(), id);
            entry.ufrag = ufrag;
        }
    }

    pub fn close_pc(&mut self, id: PcId) {
        if let Some(mut entry) = self.pcs.remove(&id) {
            let _ = entry.pc.close();
            while let Some(out) = entry.pc.poll_write() {
                let _ = self.socket.try_send_to(&out.message, out.transport.peer_addr);
            }
            self.ufrags.remove(&entry.ufrag);
            for a in entry.addrs {
                if self.addrs.get(&a) == Some(&id) {
                    self.addrs.remove(&a);
                }
            }
            self.deadlines.remove(&id);
        }
    }

    fn on_command(&mut self, cmd: Command, now: Instant) {
        match cmd {
            Command::AddParticipant { call_id, participant_id, options, reply } => {
                let _ = reply.send(self.add_participant(call_id, participant_id, options, now));
            }
            Command::RemoveParticipant { participant_id, reply } => {
                let _ = reply.send(self.remove_participant(&participant_id, now));
            }
            Command::PublisherOffer { participant_id, sdp, labels, reply } => {
                let _ = reply.send(self.publisher_offer(&participant_id, sdp, labels, now));
            }
            Command::SubscriberAnswer { participant_id, sdp, reply } => {
                let _ = reply.send(self.subscriber_answer(&participant_id, sdp, now));
            }
            Command::Candidate { participant_id, pc, candidate, sdp_mid, sdp_m_line_index, reply } => {
                let _ = reply.send(self.remote_candidate(&participant_id, pc, candidate, sdp_mid, sdp_m_line_index));
            }
            Command::SetMuted { participant_id, mid, muted, reply } => {
                let _ = reply.send(self.set_muted(&participant_id, &mid, muted));
            }
            Command::SetMaxLayer { participant_id, track_id, max_layer, reply } => {
                let r = match self.participants.get_mut(&participant_id) {
                    None => Err(SfuError::UnknownParticipant(participant_id)),
                    Some(p) => match p.downtracks.get_mut(&track_id) {
                        None => Err(SfuError::UnknownTrack(track_id.0)),
                        Some(dt) => {
                            dt.max_layer = max_layer;
                            Ok(())
                        }
                    },
                };
                if r.is_ok() {
                    self.housekeeping(now);
                }
                let _ = reply.send(r);
            }
            Command::RestartSubscriberIce { participant_id, reply } => {
                let _ = reply.send(self.restart_subscriber_ice(&participant_id, now));
            }
            Command::ResendSubscriberOffer { participant_id, reply } => {
                let _ = reply.send(self.resend_subscriber_offer(&participant_id));
            }
            Command::TapAudio { tap } => self.audio_taps.push(tap),
            Command::Stats { reply } => {
                let _ = reply.send(SfuStats {
                    calls: self.calls.len(),
                    participants: self.participants.len(),
                    peer_connections: self.pcs.len(),
                    tracks: self.tracks.len(),
                    subscriptions: self.tracks.values().map(|t| t.subscriptions.len()).sum(),
                });
            }
        }
    }

    fn add_participant(
        &mut self,
        call_id: CallId,
        participant_id: ParticipantId,
        options: ParticipantOptions,
        now: Instant,
    ) -> Result<(), SfuError> {
        if self.participants.contains_key(&participant_id) {
            return Err(SfuError::DuplicateParticipant(participant_id));
        }
        let subscriber = self.new_pc(&participant_id, PcKind::Subscriber, now)?;
        self.participants.insert(
            participant_id.clone(),
            Participant {
                call: call_id.clone(),
                may_publish: options.may_publish,
                publisher: None,
                subscriber,
                labels: HashMap::new(),
                remote_tracks: HashMap::new(),
                negotiation: SubscriberNegotiation::default(),
                downtracks: HashMap::new(),
                local_tracks: HashMap::new(),
                bwe: crate::bwe::LossBasedEstimator::new(self.config.initial_bandwidth_bps),
            },
        );
        self.calls.entry(call_id.clone()).or_default().push(participant_id.clone());
        let existing: Vec<TrackId> =
            self.tracks.values().filter(|t| t.call == call_id && t.owner != participant_id).map(|t| t.id.clone()).collect();
        for track in &existing {
            self.subscribe(&participant_id, track, now)?;
        }
        if !existing.is_empty() {
            self.renegotiate(&participant_id, now);
        }
        self.update_gauges();
        tracing::info!(call = %call_id, participant = %participant_id, "participant added");
        Ok(())
    }

    fn remove_participant(&mut self, participant_id: &ParticipantId, now: Instant) -> Result<(), SfuError> {
        let Some(participant) = self.participants.get(participant_id) else {
            return Err(SfuError::UnknownParticipant(participant_id.clone()));
        };
        let call = participant.call.clone();
        let owned: Vec<TrackId> = participant.remote_tracks.values().cloned().collect();
        for track in owned {
            self.unpublish(&track, now);
        }
        for track in self.tracks.values_mut() {
            track.subscriptions.retain(|s| &s.participant != participant_id);
        }
        let participant = self.participants.remove(participant_id).expect("checked above");
        self.close_pc(participant.subscriber);
        if let Some(p) = participant.publisher {
            self.close_pc(p);
        }
        if let Some(members) = self.calls.get_mut(&call) {
            members.retain(|p| p != participant_id);
            if members.is_empty() {
                self.calls.remove(&call);
            }
        }
        self.update_gauges();
        tracing::info!(call = %call, participant = %participant_id, "participant removed");
        Ok(())
    }

    fn update_gauges(&self) {
        self.metrics.calls.set(self.calls.len() as i64);
        self.metrics.participants.set(self.participants.len() as i64);
        self.metrics.tracks.set(self.tracks.len() as i64);
    }

    pub fn emit(&self, event: SfuEvent) {
        let _ = self.events.send(event);
    }
}
