//! Offer/answer, candidates, mute and subscriptions: the engine's side of the signaling.

use std::time::Instant;

use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::RTCOfferOptions;
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::peer_connection::transport::RTCIceCandidateInit;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use showroom_media::{Codec, Forwarder};

use super::Engine;
use crate::room::{DownTrack, Subscription};
use crate::{DownTrackInfo, MediaKind, ParticipantId, PcKind, SfuError, SfuEvent, TrackId, TrackLabel};

/// Largest SDP the engine will parse; browsers' offers with simulcast are ~10 KiB.
const MAX_SDP_BYTES: usize = 64 * 1024;

fn check_sdp(sdp: &str) -> Result<(), SfuError> {
    if sdp.len() > MAX_SDP_BYTES {
        return Err(SfuError::BadSdp("SDP is too large".into()));
    }
    if !sdp.starts_with("v=0") {
        return Err(SfuError::BadSdp("SDP must start with v=0".into()));
    }
    Ok(())
}

pub(crate) fn codec_parameters(codec: Codec) -> RTCRtpCodec {
    match codec {
        Codec::Opus => RTCRtpCodec {
            mime_type: "audio/opus".into(),
            clock_rate: 48000,
            channels: 2,
            sdp_fmtp_line: "minptime=10;useinbandfec=1".into(),
            rtcp_feedback: vec![],
        },
        Codec::Vp8 => RTCRtpCodec { mime_type: "video/VP8".into(), clock_rate: 90000, channels: 0, sdp_fmtp_line: String::new(), rtcp_feedback: vec![] },
        Codec::H264 => RTCRtpCodec {
            mime_type: "video/H264".into(),
            clock_rate: 90000,
            channels: 0,
            sdp_fmtp_line: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f".into(),
            rtcp_feedback: vec![],
        },
    }
}

impl Engine {
    pub(super) fn publisher_offer(
        &mut self,
        participant_id: &ParticipantId,
        sdp: String,
        labels: Vec<TrackLabel>,
        now: Instant,
    ) -> Result<String, SfuError> {
        check_sdp(&sdp)?;
        let participant =
            self.participants.get_mut(participant_id).ok_or_else(|| SfuError::UnknownParticipant(participant_id.clone()))?;
        if !participant.may_publish {
            return Err(SfuError::PublishNotAllowed);
        }
        for label in labels {
            participant.labels.insert(label.mid.clone(), label);
        }
        let (id, fresh) = match participant.publisher {
            Some(id) => (id, false),
            None => (self.new_pc(participant_id, PcKind::Publisher, now)?, true),
        };
        let result = (|| {
            let entry = self.pcs.get_mut(&id).expect("publisher connection exists");
            let offer = RTCSessionDescription::offer(sdp).map_err(|e| SfuError::BadSdp(e.to_string()))?;
            entry.pc.set_remote_description(now, offer).map_err(|e| SfuError::BadSdp(e.to_string()))?;
            let answer = entry.pc.create_answer(None).map_err(SfuError::rtc)?;
            entry.pc.set_local_description(now, answer).map_err(SfuError::rtc)?;
            entry.pc.local_description().map(|d| d.sdp).ok_or_else(|| SfuError::Rtc("no local description".into()))
        })();
        match result {
            Ok(answer) => {
                if fresh
                    && let Some(p) = self.participants.get_mut(participant_id) {
                        p.publisher = Some(id);
                    }
                self.refresh_ufrag(id);
                self.mark_dirty(id);
                self.apply_labels(participant_id);
                Ok(answer)
            }
            Err(e) => {
                if fresh {
                    // A connection that never negotiated is dropped, so the next offer starts clean.
                    self.close_pc(id);
                }
                Err(e)
            }
        }
    }

    /// Mute flags in labels apply to tracks already flowing.
    fn apply_labels(&mut self, participant_id: &ParticipantId) {
        let Some(p) = self.participants.get(participant_id) else { return };
        let wanted: Vec<(String, bool)> = p.labels.values().map(|l| (l.mid.clone(), l.muted)).collect();
        for (mid, muted) in wanted {
            let _ = self.set_muted(participant_id, &mid, muted);
        }
    }

    pub(super) fn subscriber_answer(&mut self, participant_id: &ParticipantId, sdp: String, now: Instant) -> Result<(), SfuError> {
        check_sdp(&sdp)?;
        let participant =
            self.participants.get_mut(participant_id).ok_or_else(|| SfuError::UnknownParticipant(participant_id.clone()))?;
        if !participant.negotiation.awaiting_answer {
            return Err(SfuError::NoOfferOutstanding);
        }
        let id = participant.subscriber;
        let entry = self.pcs.get_mut(&id).expect("subscriber connection exists");
        let answer = RTCSessionDescription::answer(sdp).map_err(|e| SfuError::BadSdp(e.to_string()))?;
        entry.pc.set_remote_description(now, answer).map_err(|e| SfuError::BadSdp(e.to_string()))?;
        participant.negotiation.awaiting_answer = false;
        let again = std::mem::take(&mut participant.negotiation.again);
        self.mark_dirty(id);
        if again {
            self.renegotiate(participant_id, now);
        }
        Ok(())
    }

    pub(super) fn remote_candidate(
        &mut self,
        participant_id: &ParticipantId,
        pc: PcKind,
        candidate: String,
        sdp_mid: Option<String>,
        sdp_m_line_index: Option<u16>,
    ) -> Result<(), SfuError> {
        let participant =
            self.participants.get(participant_id).ok_or_else(|| SfuError::UnknownParticipant(participant_id.clone()))?;
        // End-of-candidates is an empty candidate line; nothing to do for an ICE-lite server.
        if candidate.trim().is_empty() {
            return Ok(());
        }
        if !candidate.trim_start().starts_with("candidate:") {
            return Err(SfuError::BadCandidate("a candidate line starts with `candidate:`".into()));
        }
        let id = match pc {
            PcKind::Publisher => participant.publisher.ok_or_else(|| SfuError::BadCandidate("no publisher offer yet".into()))?,
            PcKind::Subscriber => participant.subscriber,
        };
        let entry = self.pcs.get_mut(&id).expect("connection exists");
        let init = RTCIceCandidateInit { candidate, sdp_mid, sdp_mline_index: sdp_m_line_index, username_fragment: None, ..Default::default() };
        entry.pc.add_remote_candidate(init).map_err(|e| SfuError::BadCandidate(e.to_string()))?;
        self.mark_dirty(id);
        Ok(())
    }

    pub(super) fn set_muted(&mut self, participant_id: &ParticipantId, mid: &str, muted: bool) -> Result<(), SfuError> {
        let participant =
            self.participants.get_mut(participant_id).ok_or_else(|| SfuError::UnknownParticipant(participant_id.clone()))?;
        let known_label = match participant.labels.get_mut(mid) {
            Some(l) => {
                l.muted = muted;
                true
            }
            None => false,
        };
        let call = participant.call.clone();
        let track = self.tracks.values_mut().find(|t| &t.owner == participant_id && t.mid == mid);
        match track {
            Some(track) => {
                if track.muted != muted {
                    track.muted = muted;
                    for sub in &mut track.subscriptions {
                        sub.forwarder.set_paused(muted);
                    }
                    let event = SfuEvent::TrackMuted { call_id: call, track_id: track.id.clone(), participant_id: participant_id.clone(), muted };
                    self.emit(event);
                }
                Ok(())
            }
            None if known_label => Ok(()),
            None => Err(SfuError::UnknownTrack(mid.to_owned())),
        }
    }

    pub(super) fn restart_subscriber_ice(&mut self, participant_id: &ParticipantId, now: Instant) -> Result<(), SfuError> {
        let participant =
            self.participants.get_mut(participant_id).ok_or_else(|| SfuError::UnknownParticipant(participant_id.clone()))?;
        participant.negotiation.ice_restart = true;
        self.renegotiate(participant_id, now);
        Ok(())
    }

    /// Adds a sender for `track_id` to the participant's subscriber connection.
    pub(super) fn subscribe(&mut self, participant_id: &ParticipantId, track_id: &TrackId, now: Instant) -> Result<(), SfuError> {
        let Some(track) = self.tracks.get(track_id) else { return Err(SfuError::UnknownTrack(track_id.0.clone())) };
        let participant =
            self.participants.get_mut(participant_id).ok_or_else(|| SfuError::UnknownParticipant(participant_id.clone()))?;
        if participant.downtracks.contains_key(track_id) {
            return Ok(());
        }
        let pc_id = participant.subscriber;
        let ssrc: u32 = rand::random();
        let kind = match track.kind {
            MediaKind::Audio => RtpCodecKind::Audio,
            MediaKind::Video => RtpCodecKind::Video,
        };
        let local_track_id = format!("{}-{}", track.id, participant_id);
        let local = MediaStreamTrack::new(
            track.owner.0.clone(),
            local_track_id.clone(),
            track.id.0.clone(),
            kind,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters { ssrc: Some(ssrc), ..Default::default() },
                codec: codec_parameters(track.codec),
                ..Default::default()
            }],
        );
        let entry = self.pcs.get_mut(&pc_id).expect("subscriber connection exists");
        let sender = entry.pc.add_track(local).map_err(SfuError::rtc)?;
        participant.downtracks.insert(
            track_id.clone(),
            DownTrack { sender, local_track_id: local_track_id.clone(), ssrc, payload_type: 0, max_layer: None },
        );
        participant.local_tracks.insert(local_track_id, track_id.clone());
        let track = self.tracks.get_mut(track_id).expect("checked above");
        let mut forwarder = Forwarder::new(track.codec, rand::random(), rand::random());
        forwarder.set_target_layer(Some(0));
        forwarder.set_paused(track.muted);
        track.subscriptions.push(Subscription { participant: participant_id.clone(), pc: pc_id, forwarder });
        let _ = now;
        Ok(())
    }

    /// Removes a published track everywhere and tells the call.
    pub(super) fn unpublish(&mut self, track_id: &TrackId, now: Instant) {
        let Some(track) = self.tracks.remove(track_id) else { return };
        if let Some(owner) = self.participants.get_mut(&track.owner) {
            owner.remote_tracks.retain(|_, t| t != track_id);
        }
        for sub in &track.subscriptions {
            let Some(p) = self.participants.get_mut(&sub.participant) else { continue };
            if let Some(dt) = p.downtracks.remove(track_id) {
                p.local_tracks.remove(&dt.local_track_id);
                if let Some(entry) = self.pcs.get_mut(&sub.pc)
                    && let Err(e) = entry.pc.remove_track(dt.sender) {
                        tracing::debug!(error = %e, "remove_track failed");
                    }
            }
        }
        let subscribers: Vec<ParticipantId> = track.subscriptions.iter().map(|s| s.participant.clone()).collect();
        for p in subscribers {
            self.renegotiate(&p, now);
        }
        self.emit(SfuEvent::TrackUnpublished { call_id: track.call, track_id: track.id, participant_id: track.owner });
        self.update_gauges();
    }

    pub(super) fn on_remote_track_closed(&mut self, participant_id: &ParticipantId, remote_track_id: &str, now: Instant) {
        let track = self.participants.get(participant_id).and_then(|p| p.remote_tracks.get(remote_track_id)).cloned();
        if let Some(track) = track {
            self.unpublish(&track, now);
        }
    }

    /// Sends a new subscriber offer, or remembers to once the outstanding one is answered.
    pub(super) fn renegotiate(&mut self, participant_id: &ParticipantId, now: Instant) {
        let Some(participant) = self.participants.get_mut(participant_id) else { return };
        if participant.negotiation.awaiting_answer {
            participant.negotiation.again = true;
            return;
        }
        if participant.downtracks.is_empty() && !participant.negotiation.offered {
            return;
        }
        let id = participant.subscriber;
        let ice_restart = std::mem::take(&mut participant.negotiation.ice_restart);
        let entry = self.pcs.get_mut(&id).expect("subscriber connection exists");
        if ice_restart {
            entry.pc.restart_ice();
        }
        let offer = entry
            .pc
            .create_offer(Some(RTCOfferOptions { ice_restart }))
            .and_then(|offer| entry.pc.set_local_description(now, offer));
        if let Err(e) = offer {
            tracing::warn!(participant = %participant_id, error = %e, "cannot create subscriber offer");
            return;
        }
        participant.negotiation.awaiting_answer = true;
        participant.negotiation.offered = true;
        self.refresh_ufrag(id);
        self.mark_dirty(id);
        self.emit_subscriber_offer(participant_id);
    }

    pub(super) fn resend_subscriber_offer(&mut self, participant_id: &ParticipantId) -> Result<(), SfuError> {
        let participant =
            self.participants.get(participant_id).ok_or_else(|| SfuError::UnknownParticipant(participant_id.clone()))?;
        if participant.negotiation.awaiting_answer {
            self.emit_subscriber_offer(participant_id);
        }
        Ok(())
    }

    /// Emits the subscriber connection's current local offer with its mid → track map.
    fn emit_subscriber_offer(&mut self, participant_id: &ParticipantId) {
        let Some(participant) = self.participants.get(participant_id) else { return };
        let Some(entry) = self.pcs.get_mut(&participant.subscriber) else { return };
        let sdp = entry.pc.local_description().map(|d| d.sdp).unwrap_or_default();
        let mut tracks = Vec::new();
        let transceivers: Vec<_> = entry.pc.get_transceivers().collect();
        for tid in transceivers {
            let Some(t) = entry.pc.rtp_transceiver(tid) else { continue };
            let (Some(mid), Some(sender)) = (t.mid().clone(), t.sender()) else { continue };
            let Some(s) = entry.pc.rtp_sender(sender) else { continue };
            let local = s.track().track_id().to_string();
            if let Some(track) = participant.local_tracks.get(&local).and_then(|t| self.tracks.get(t)) {
                tracks.push(DownTrackInfo { mid, track_id: track.id.clone(), publisher: track.owner.clone(), kind: track.kind });
            }
        }
        self.emit(SfuEvent::SubscriberOffer { participant_id: participant_id.clone(), sdp, tracks });
    }
}
