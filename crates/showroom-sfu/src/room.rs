//! What the engine holds per participant and per published track.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtc::peer_connection::RTCPeerConnection;
use rtc::rtp_transceiver::RTCRtpReceiverId;
use rtc::rtp_transceiver::RTCRtpSenderId;
use showroom_media::layers::BitrateMeter;
use showroom_media::{Codec, Forwarder, KeyframeRequestThrottle};

use crate::bwe::LossBasedEstimator;
use crate::{CallId, MediaKind, ParticipantId, PcKind, TrackId, TrackLabel};

pub(crate) type PcId = u64;

pub(crate) const MAX_LAYERS: usize = 3;

pub(crate) struct PcEntry {
    pub pc: RTCPeerConnection,
    pub participant: ParticipantId,
    pub kind: PcKind,
    pub ufrag: String,
    pub addrs: Vec<SocketAddr>,
    /// DTLS is up: packets written now reach the remote.
    pub connected: bool,
}

/// Negotiation state of a subscriber connection (the server is the offerer).
#[derive(Debug, Default)]
pub(crate) struct SubscriberNegotiation {
    /// An offer is out and its answer has not come back.
    pub awaiting_answer: bool,
    /// Tracks changed while an offer was out: offer again after the answer.
    pub again: bool,
    /// The next offer must carry new ICE credentials.
    pub ice_restart: bool,
    /// At least one offer was made (so an empty track list must still be offered).
    pub offered: bool,
}

pub(crate) struct Participant {
    pub call: CallId,
    pub may_publish: bool,
    pub publisher: Option<PcId>,
    pub subscriber: PcId,
    pub labels: HashMap<String, TrackLabel>,
    /// The publisher connection's remote track id → our track.
    pub remote_tracks: HashMap<String, TrackId>,
    pub negotiation: SubscriberNegotiation,
    /// Published track → the sender that carries it down to this participant.
    pub downtracks: HashMap<TrackId, DownTrack>,
    /// The subscriber connection's local track id → published track (RTCP from the subscriber).
    pub local_tracks: HashMap<String, TrackId>,
    pub bwe: LossBasedEstimator,
}

pub(crate) struct DownTrack {
    pub sender: RTCRtpSenderId,
    pub local_track_id: String,
    pub ssrc: u32,
    pub payload_type: u8,
    pub max_layer: Option<u8>,
}

/// A subscriber's view of a published track: where it goes and the forwarding state machine.
pub(crate) struct Subscription {
    pub participant: ParticipantId,
    pub pc: PcId,
    pub forwarder: Forwarder,
}

pub(crate) struct PublishedTrack {
    pub id: TrackId,
    pub owner: ParticipantId,
    pub call: CallId,
    pub kind: MediaKind,
    pub codec: Codec,
    pub mid: String,
    pub muted: bool,
    pub pc: PcId,
    pub receiver: RTCRtpReceiverId,
    /// Incoming SSRC → simulcast layer.
    pub layer_of_ssrc: HashMap<u32, u8>,
    pub ssrc_of_layer: [Option<u32>; MAX_LAYERS],
    pub meters: [BitrateMeter; MAX_LAYERS],
    pub throttle: KeyframeRequestThrottle,
    pub subscriptions: Vec<Subscription>,
}

impl PublishedTrack {
    pub fn new_meters() -> [BitrateMeter; MAX_LAYERS] {
        std::array::from_fn(|_| BitrateMeter::new(Duration::from_millis(1000)))
    }

    pub fn layer_stats(&self, now: Instant) -> Vec<showroom_media::LayerStats> {
        (0..MAX_LAYERS)
            .filter(|&l| self.ssrc_of_layer[l].is_some())
            .map(|l| showroom_media::LayerStats {
                layer: l as u8,
                bitrate_bps: self.meters[l].bitrate_bps(now),
                active: self.meters[l].last_packet().is_some_and(|t| now.saturating_duration_since(t) < Duration::from_secs(1)),
            })
            .collect()
    }
}

/// Simulcast layer of a RID. Browsers and our clients use q/h/f (LiveKit, mediasoup demos) or
/// l/m/h and 0/1/2; anything else is ordered by first appearance.
pub(crate) fn layer_of_rid(rid: &str, known: usize) -> u8 {
    match rid {
        "q" | "l" | "0" | "low" => 0,
        "h" | "m" | "1" | "mid" => 1,
        "f" | "2" | "high" | "hi" => 2,
        _ => known.min(MAX_LAYERS - 1) as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rid_layers() {
        assert_eq!(layer_of_rid("q", 0), 0);
        assert_eq!(layer_of_rid("h", 0), 1);
        assert_eq!(layer_of_rid("f", 0), 2);
        assert_eq!(layer_of_rid("x", 1), 1);
        assert_eq!(layer_of_rid("x", 7), 2);
    }
}
