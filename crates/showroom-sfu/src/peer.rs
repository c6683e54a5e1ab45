//! Construction of the server side of a peer connection: codecs, interceptors, ICE-lite settings.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtc::interceptor::Registry;
use rtc::peer_connection::configuration::RTCConfigurationBuilder;
use rtc::interceptor::{NackGeneratorBuilder, NackResponderBuilder, Slot};
use rtc::peer_connection::configuration::interceptor_registry::{
    configure_rtcp_reports, configure_simulcast_extension_headers, configure_twcc_receiver_only,
};
use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_H264, MIME_TYPE_OPUS, MIME_TYPE_VP8, MediaEngine,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::peer_connection::transport::{CandidateConfig, CandidateHostConfig, RTCIceCandidate};
use rtc::peer_connection::{RTCPeerConnection, RTCPeerConnectionBuilder};
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RtpCodecKind,
};

use crate::SfuError;

const ICE_KEEPALIVE: Duration = Duration::from_secs(2);
/// Packets kept per outgoing stream for retransmission: ~1.1 s of 1 Mbit/s video, ~0.5 s of the
/// 2.5 Mbit/s top layer (Janus keeps 500 ms) — enough for the round trips NACK can still save.
/// Each kept packet costs ~1.2 KB; the library's default of 1024 costs ~1.2 MiB per stream.
const NACK_HISTORY: u16 = 128;

fn video_feedback() -> Vec<RTCPFeedback> {
    [("ccm", "fir"), ("nack", ""), ("nack", "pli"), ("goog-remb", "")]
        .into_iter()
        .map(|(typ, parameter)| RTCPFeedback { typ: typ.into(), parameter: parameter.into() })
        .collect()
}

/// Opus, VP8 and H.264 (constrained baseline, packetization mode 1) — what browsers send.
pub(crate) fn media_engine() -> Result<MediaEngine, SfuError> {
    let mut me = MediaEngine::default();
    me.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: RTCRtpCodec {
                mime_type: MIME_TYPE_OPUS.to_owned(),
                clock_rate: 48000,
                channels: 2,
                sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
                rtcp_feedback: vec![],
            },
            payload_type: 111,
        },
        RtpCodecKind::Audio,
    )
    .map_err(SfuError::rtc)?;
    let video = [
        (MIME_TYPE_VP8, "", 96),
        (MIME_TYPE_H264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", 102),
        (MIME_TYPE_H264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", 104),
    ];
    for (mime, fmtp, pt) in video {
        me.register_codec(
            RTCRtpCodecParameters {
                rtp_codec: RTCRtpCodec {
                    mime_type: mime.to_owned(),
                    clock_rate: 90000,
                    channels: 0,
                    sdp_fmtp_line: fmtp.to_owned(),
                    rtcp_feedback: video_feedback(),
                },
                payload_type: pt,
            },
            RtpCodecKind::Video,
        )
        .map_err(SfuError::rtc)?;
    }
    Ok(me)
}

/// Builds one server-side peer connection with its single host candidate at `advertised`.
///
/// ICE credentials are the library's own (random); the engine learns the ufrag — its demux key —
/// from each local description, so ICE restarts get fresh credentials as RFC 8445 requires.
pub(crate) fn build_peer_connection(advertised: SocketAddr, cfg: &crate::SfuConfig, now: Instant) -> Result<RTCPeerConnection, SfuError> {
    let mut me = media_engine()?;
    // The library's default chain with a shorter NACK history: NACK generator and responder
    // (feedback is on our video codecs), simulcast header extensions (mid, rid), TWCC
    // feedback, SR/RR; plus delivery of relayed feedback to the engine.
    let registry = crate::feedback::with_feedback_delivery(Registry::new())
        .with(Slot::NackResponder, NackResponderBuilder::new().with_size(NACK_HISTORY).build())
        .with(Slot::NackGenerator, NackGeneratorBuilder::new().build());
    configure_simulcast_extension_headers(&mut me).map_err(SfuError::rtc)?;
    let registry = configure_twcc_receiver_only(registry, &mut me).map_err(SfuError::rtc)?;
    let registry = configure_rtcp_reports(registry);
    let settings = SettingEngineBuilder::new()
        // The server never initiates checks: it answers the browser's (RFC 8445 lite).
        .with_lite(true)
        // Liveness counts media too (vendor/rtc/PATCHES.md); the library's 5 s default would
        // still flag a tab stalled for a few seconds, hence the longer configured timeouts.
        .with_ice_timeouts(
            Some(Duration::from_millis(cfg.ice_disconnected_after_ms)),
            Some(Duration::from_millis(cfg.ice_failed_after_ms)),
            Some(ICE_KEEPALIVE),
        )
        .build();
    let mut pc = RTCPeerConnectionBuilder::new()
        .with_configuration(RTCConfigurationBuilder::new().build())
        .with_setting_engine(settings)
        .with_media_engine(me)
        .with_interceptor_registry(registry)
        .build(now)
        .map_err(SfuError::rtc)?;
    add_host_candidate(&mut pc, advertised)?;
    Ok(pc)
}

pub(crate) fn add_host_candidate(pc: &mut RTCPeerConnection, advertised: SocketAddr) -> Result<(), SfuError> {
    let candidate = CandidateHostConfig {
        base_config: CandidateConfig {
            network: "udp".to_owned(),
            address: advertised.ip().to_string(),
            port: advertised.port(),
            component: 1,
            ..Default::default()
        },
        ..Default::default()
    }
    .new_candidate_host()
    .map_err(SfuError::rtc)?;
    let init = RTCIceCandidate::from(&candidate).to_json().map_err(SfuError::rtc)?;
    pc.add_local_candidate(init).map_err(SfuError::rtc)
}
