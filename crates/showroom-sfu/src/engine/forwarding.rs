//! The packet path: publisher RTP in, per-subscriber decisions from `showroom-media`, rewritten
//! RTP out; subscriber RTCP (PLI, FIR, NACK, reports, REMB) back to the publisher side.

use std::time::Instant;

use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::payload_feedbacks::receiver_estimated_maximum_bitrate::ReceiverEstimatedMaximumBitrate;
use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use showroom_media::{Codec, ForwardDecision, KeyframeRequestThrottle, LayerSelectorConfig, PacketMeta};

use super::Engine;
use crate::room::{layer_of_rid, PcId, PublishedTrack, MAX_LAYERS};
use crate::{AudioPacket, MediaKind, ParticipantId, PcKind, PublishedTrackInfo, SfuEvent, TrackId};

impl Engine {
    pub(super) fn on_rtp(&mut self, pc_id: PcId, remote_track_id: &str, packet: rtc::rtp::Packet, now: Instant) {
        let Some(entry) = self.pcs.get(&pc_id) else { return };
        if entry.kind != PcKind::Publisher {
            return;
        }
        let owner = entry.participant.clone();
        let known = self.participants.get(&owner).and_then(|p| p.remote_tracks.get(remote_track_id)).cloned();
        let track_id = match known {
            Some(t) => t,
            None => match self.open_track(pc_id, &owner, remote_track_id, &packet, now) {
                Some(t) => t,
                None => return,
            },
        };
        let ssrc = packet.header.ssrc;
        let layer = match self.tracks.get(&track_id).and_then(|t| t.layer_of_ssrc.get(&ssrc).copied()) {
            Some(l) => l,
            None => self.learn_layer(pc_id, &track_id, ssrc),
        };
        self.forward(&track_id, layer, packet, now);
    }

    /// First packet of a new remote track: work out its codec, kind and labels, announce it and
    /// subscribe everybody else in the call.
    fn open_track(
        &mut self,
        pc_id: PcId,
        owner: &ParticipantId,
        remote_track_id: &str,
        packet: &rtc::rtp::Packet,
        now: Instant,
    ) -> Option<TrackId> {
        let entry = self.pcs.get_mut(&pc_id)?;
        let receivers: Vec<_> = entry.pc.get_receivers().collect();
        let receiver = receivers.into_iter().find(|r| {
            entry.pc.rtp_receiver(*r).is_some_and(|rx| rx.track().track_id() == remote_track_id)
        })?;
        let (kind, codec) = {
            let mut rx = entry.pc.rtp_receiver(receiver)?;
            let kind = match rx.track().kind() {
                RtpCodecKind::Audio => MediaKind::Audio,
                _ => MediaKind::Video,
            };
            let codec = rx
                .get_parameters()
                .rtp_parameters
                .codecs
                .iter()
                .find(|c| c.payload_type == packet.header.payload_type)
                .and_then(|c| Codec::from_mime(&c.rtp_codec.mime_type));
            (kind, codec)
        };
        let Some(codec) = codec else {
            tracing::debug!(participant = %owner, pt = packet.header.payload_type, "rtp with an unknown payload type");
            return None;
        };
        let transceivers: Vec<_> = entry.pc.get_transceivers().collect();
        let mut mid = String::new();
        for t in transceivers {
            if let Some(t) = entry.pc.rtp_transceiver(t)
                && t.receiver() == Some(receiver) {
                    mid = t.mid().clone().unwrap_or_default();
                    break;
                }
        }
        let participant = self.participants.get_mut(owner)?;
        let label = participant.labels.get(&mid).cloned();
        let source = label.as_ref().map(|l| l.source.clone()).unwrap_or_else(|| {
            match kind {
                MediaKind::Audio => "microphone",
                MediaKind::Video => "camera",
            }
            .to_owned()
        });
        let muted = label.is_some_and(|l| l.muted);
        let track_id = TrackId(format!("TR_{}_{}", owner, mid));
        participant.remote_tracks.insert(remote_track_id.to_owned(), track_id.clone());
        let call = participant.call.clone();
        let interval = std::time::Duration::from_millis(self.config.keyframe_request_interval_ms);
        self.tracks.insert(
            track_id.clone(),
            PublishedTrack {
                id: track_id.clone(),
                owner: owner.clone(),
                call: call.clone(),
                kind,
                codec,
                mid,
                muted,
                pc: pc_id,
                receiver,
                layer_of_ssrc: Default::default(),
                ssrc_of_layer: [None; MAX_LAYERS],
                meters: PublishedTrack::new_meters(),
                throttle: KeyframeRequestThrottle::new(interval),
                subscriptions: Vec::new(),
            },
        );
        tracing::info!(call = %call, participant = %owner, track = %track_id, ?kind, ?codec, "track published");
        self.emit(SfuEvent::TrackPublished {
            call_id: call.clone(),
            track: PublishedTrackInfo { track_id: track_id.clone(), participant_id: owner.clone(), kind, source, muted, layers: 1 },
        });
        let others: Vec<ParticipantId> =
            self.calls.get(&call).map(|m| m.iter().filter(|p| *p != owner).cloned().collect()).unwrap_or_default();
        for p in others {
            match self.subscribe(&p, &track_id, now) {
                Ok(()) => self.renegotiate(&p, now),
                Err(e) => tracing::warn!(participant = %p, error = %e, "cannot subscribe"),
            }
        }
        self.update_gauges();
        Some(track_id)
    }

    /// A new SSRC on a track: a simulcast layer (by RID) or the single stream.
    fn learn_layer(&mut self, pc_id: PcId, track_id: &TrackId, ssrc: u32) -> u8 {
        let Some(track) = self.tracks.get_mut(track_id) else { return 0 };
        let rid = self
            .pcs
            .get_mut(&pc_id)
            .and_then(|e| e.pc.rtp_receiver(track.receiver).and_then(|rx| rx.track().rid(ssrc).cloned()));
        let layer = match rid {
            Some(rid) => layer_of_rid(&rid, track.layer_of_ssrc.len()),
            None => 0,
        };
        track.layer_of_ssrc.insert(ssrc, layer);
        track.ssrc_of_layer[usize::from(layer)] = Some(ssrc);
        layer
    }

    fn forward(&mut self, track_id: &TrackId, layer: u8, packet: rtc::rtp::Packet, now: Instant) {
        let Engine { tracks, pcs, participants, metrics, audio_taps, .. } = self;
        let Some(track) = tracks.get_mut(track_id) else { return };
        let kind_idx = match track.kind {
            MediaKind::Audio => 0,
            MediaKind::Video => 1,
        };
        let payload_len = packet.payload.len();
        track.meters[usize::from(layer)].record(payload_len + 12, now);
        metrics.received_packets_by_kind[kind_idx].inc();
        let keyframe = showroom_media::is_keyframe(track.codec, &packet.payload);
        if keyframe && track.codec.is_video() {
            track.throttle.keyframe_received(layer);
        }
        if track.kind == MediaKind::Audio && !audio_taps.is_empty() {
            let tap = AudioPacket {
                call_id: track.call.clone(),
                participant_id: track.owner.clone(),
                track_id: track.id.clone(),
                seq: packet.header.sequence_number,
                timestamp: packet.header.timestamp,
                payload: packet.payload.clone(),
                arrival: now,
            };
            audio_taps.retain(|t| !t.is_closed());
            for t in audio_taps.iter() {
                let _ = t.try_send(tap.clone());
            }
        }
        let meta = PacketMeta {
            layer,
            seq: packet.header.sequence_number,
            ts: packet.header.timestamp,
            marker: packet.header.marker,
            keyframe,
            payload_len,
            arrival: now,
        };
        let mut want_keyframe: Option<u8> = None;
        let mut touched = Vec::new();
        for sub in &mut track.subscriptions {
            let Some(entry) = pcs.get_mut(&sub.pc) else { continue };
            if !entry.connected {
                continue;
            }
            if let ForwardDecision::Forward { seq, ts, .. } = sub.forwarder.on_packet(&meta) {
                let Some(dt) = participants.get_mut(&sub.participant).and_then(|p| p.downtracks.get_mut(track_id)) else { continue };
                let Some(mut sender) = entry.pc.rtp_sender(dt.sender) else { continue };
                if dt.payload_type == 0 {
                    let mime = super::signaling::codec_parameters(track.codec).mime_type;
                    match sender.get_parameters().rtp_parameters.codecs.iter().find(|c| c.rtp_codec.mime_type.eq_ignore_ascii_case(&mime)) {
                        Some(c) => dt.payload_type = c.payload_type,
                        None => continue, // not negotiated yet
                    }
                }
                let mut out = packet.clone();
                out.header.ssrc = dt.ssrc;
                out.header.sequence_number = seq;
                out.header.timestamp = ts;
                out.header.payload_type = dt.payload_type;
                // The publisher's extension ids mean nothing on this leg; interceptors add their own.
                out.header.extension = false;
                out.header.extensions.clear();
                out.header.extensions_padding = 0;
                match sender.write_rtp(now, out) {
                    Ok(()) => {
                        metrics.forwarded_packets_by_kind[kind_idx].inc();
                        metrics.forwarded_bytes_by_kind[kind_idx].inc_by(payload_len as u64);
                        touched.push(sub.pc);
                    }
                    Err(e) => tracing::trace!(error = %e, "write_rtp failed"),
                }
            }
            if let Some(l) = sub.forwarder.wants_keyframe() {
                want_keyframe = Some(want_keyframe.map_or(l, |w: u8| w.min(l)));
            }
        }
        for pc in touched {
            self.mark_dirty(pc);
        }
        if let Some(l) = want_keyframe {
            self.request_keyframe(track_id, l, now);
        }
    }

    /// Sends a PLI for `layer` of the track to its publisher, unless one went out recently.
    pub(super) fn request_keyframe(&mut self, track_id: &TrackId, layer: u8, now: Instant) {
        let Some(track) = self.tracks.get_mut(track_id) else { return };
        if !track.codec.is_video() || !track.throttle.try_request(layer, now) {
            return;
        }
        let media_ssrc = track.ssrc_of_layer[usize::from(layer)].or_else(|| track.layer_of_ssrc.keys().next().copied());
        let Some(media_ssrc) = media_ssrc else { return };
        let (pc_id, receiver) = (track.pc, track.receiver);
        let Some(entry) = self.pcs.get_mut(&pc_id) else { return };
        let Some(mut rx) = entry.pc.rtp_receiver(receiver) else { return };
        match rx.write_rtcp(now, vec![Box::new(PictureLossIndication { sender_ssrc: 0, media_ssrc })]) {
            Ok(()) => {
                self.metrics.plis_sent.inc();
                self.mark_dirty(pc_id);
            }
            Err(e) => tracing::debug!(error = %e, "cannot send PLI"),
        }
    }

    pub(super) fn request_keyframes_for_subscriber(&mut self, participant: &ParticipantId, now: Instant) {
        let wanted: Vec<(TrackId, u8)> = self
            .tracks
            .values()
            .flat_map(|t| {
                t.subscriptions
                    .iter()
                    .filter(|s| &s.participant == participant)
                    .filter_map(|s| s.forwarder.wants_keyframe().map(|l| (t.id.clone(), l)))
            })
            .collect();
        for (track, layer) in wanted {
            self.request_keyframe(&track, layer, now);
        }
    }

    pub(super) fn on_rtcp(&mut self, pc_id: PcId, local_track_id: &str, packets: Vec<Box<dyn rtc::rtcp::Packet>>, now: Instant) {
        let Some(entry) = self.pcs.get(&pc_id) else { return };
        if entry.kind != PcKind::Subscriber {
            return;
        }
        let participant_id = entry.participant.clone();
        let Some(participant) = self.participants.get_mut(&participant_id) else { return };
        let track_id = participant.local_tracks.get(local_track_id).cloned();
        let mut keyframe = false;
        for p in &packets {
            let any = p.as_any();
            if any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>() {
                keyframe = true;
            } else if any.is::<TransportLayerNack>() {
                self.metrics.nacks.inc();
            } else if let Some(rr) = any.downcast_ref::<ReceiverReport>() {
                for report in &rr.reports {
                    participant.bwe.on_fraction_lost(report.fraction_lost);
                }
            } else if let Some(remb) = any.downcast_ref::<ReceiverEstimatedMaximumBitrate>() {
                participant.bwe.on_remb(f64::from(remb.bitrate));
            }
        }
        if keyframe {
            self.metrics.plis_received.inc();
            if let Some(track_id) = track_id {
                let layer = self
                    .tracks
                    .get(&track_id)
                    .and_then(|t| t.subscriptions.iter().find(|s| s.participant == participant_id))
                    .and_then(|s| s.forwarder.current_layer().or(s.forwarder.target_layer()));
                if let Some(layer) = layer {
                    self.request_keyframe(&track_id, layer, now);
                }
            }
        }
    }

    /// Periodic: simulcast layer choice per subscriber, pending keyframe requests.
    pub(super) fn housekeeping(&mut self, now: Instant) {
        let cfg = LayerSelectorConfig::default();
        let mut wanted = Vec::new();
        let Engine { tracks, participants, .. } = self;
        // Video downtracks per subscriber share its estimate.
        let mut video_downtracks: std::collections::HashMap<&ParticipantId, u64> = Default::default();
        for t in tracks.values().filter(|t| t.kind == MediaKind::Video) {
            for s in &t.subscriptions {
                *video_downtracks.entry(&s.participant).or_default() += 1;
            }
        }
        let shares: std::collections::HashMap<ParticipantId, u64> = video_downtracks
            .into_iter()
            .filter_map(|(p, n)| participants.get(p).map(|part| (p.clone(), part.bwe.estimate_bps() / n.max(1))))
            .collect();
        for track in tracks.values_mut() {
            if track.kind == MediaKind::Video {
                let stats = track.layer_stats(now);
                for sub in &mut track.subscriptions {
                    let max_layer = participants.get(&sub.participant).and_then(|p| p.downtracks.get(&track.id)).and_then(|d| d.max_layer);
                    let estimate = shares.get(&sub.participant).copied().unwrap_or(u64::MAX);
                    let current = sub.forwarder.current_layer();
                    if let Some(target) = showroom_media::select_layer(&stats, estimate, current, max_layer, &cfg)
                        && sub.forwarder.target_layer() != Some(target) {
                            sub.forwarder.set_target_layer(Some(target));
                        }
                }
            }
            for sub in &track.subscriptions {
                if let Some(l) = sub.forwarder.wants_keyframe() {
                    wanted.push((track.id.clone(), l));
                }
            }
        }
        for (track, layer) in wanted {
            self.request_keyframe(&track, layer, now);
        }
    }
}
