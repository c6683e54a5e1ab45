//! The audio side of live transcription: one thread that owns an audio front-end per published
//! audio track, feeds it the SFU's Opus packets, and turns its speech events into pool jobs.
//!
//! The thread polls its inbox every [`TICK`]; that bounds the extra latency to one tick and lets
//! silence close utterances when packets stop (DTX, mute, hang-up).

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use showroom_asr_audio::{AudioFrontEnd, FrontEndConfig, SpeechEvent, TimedFrame};

use crate::{AsrPool, Hints, StreamKey};

const TICK: Duration = Duration::from_millis(20);
/// A track silent this long is forgotten (its utterance was finalised long before).
const IDLE_TRACK: Duration = Duration::from_secs(120);

/// One Opus RTP packet of a published audio track.
#[derive(Debug, Clone)]
pub struct TrackPacket {
    pub call: String,
    pub participant: String,
    pub track: String,
    pub seq: u16,
    pub timestamp: u32,
    pub payload: bytes::Bytes,
    pub arrival: Instant,
}

/// Who is speaking on a participant's track, and how to recognise them.
pub trait Speakers: Send + 'static {
    /// Role of the participant (customer, agent, supervisor), if still known.
    fn role(&self, call: &str, participant: &str) -> Option<String>;
    /// Language and translation wanted for this call.
    fn hints(&self, call: &str) -> Hints;
    /// Whether [`Self::frames`] should be called (conversation analysis wants the VAD).
    fn wants_frames(&self) -> bool {
        false
    }
    /// Each track's VAD decisions, 10 ms frames in stream time, as they are made.
    fn frames(&self, _stream: &StreamKey, _frames: Vec<TimedFrame>) {}
}

struct Track {
    front_end: AudioFrontEnd,
    stream: StreamKey,
    hints: Hints,
    last_packet: Instant,
}

/// Runs until the sender side of `inbox` is dropped; then finishes open utterances.
pub fn run_feed(inbox: Receiver<TrackPacket>, pool: Arc<AsrPool>, speakers: impl Speakers, front_end: FrontEndConfig) {
    let mut tracks: HashMap<String, Track> = HashMap::new();
    // Stream time is seconds since the call's first audio packet, shared by its tracks.
    let mut call_start: HashMap<String, Instant> = HashMap::new();
    loop {
        match inbox.recv_timeout(TICK) {
            Ok(p) => {
                let now = p.arrival;
                let t0 = *call_start.entry(p.call.clone()).or_insert(p.arrival);
                if !tracks.contains_key(&p.track) {
                    let role = speakers.role(&p.call, &p.participant).unwrap_or_else(|| "unknown".into());
                    let offset = p.arrival.duration_since(t0).as_secs_f64();
                    match AudioFrontEnd::new(front_end.clone()) {
                        Ok(fe) => {
                            let stream = StreamKey { call: p.call.clone(), participant: p.participant.clone(), role };
                            let hints = speakers.hints(&p.call);
                            let fe = fe.with_start_offset(offset);
                            let fe = if speakers.wants_frames() { fe.keep_frames() } else { fe };
                            tracks.insert(p.track.clone(), Track { front_end: fe, stream, hints, last_packet: now });
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "cannot start an audio front-end");
                            continue;
                        }
                    }
                }
                let track = tracks.get_mut(&p.track).expect("inserted above");
                track.last_packet = now;
                let events = track.front_end.push_rtp(p.seq, p.timestamp, &p.payload, p.arrival);
                submit(&pool, track, events, now);
                hand_frames(&speakers, track);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let now = Instant::now();
        for track in tracks.values_mut() {
            if track.front_end.next_deadline().is_some_and(|d| d <= now) {
                let events = track.front_end.tick(now);
                submit(&pool, track, events, now);
                hand_frames(&speakers, track);
            }
        }
        tracks.retain(|_, t| now.duration_since(t.last_packet) < IDLE_TRACK);
    }
    let now = Instant::now();
    for track in tracks.values_mut() {
        let events = track.front_end.finish();
        submit(&pool, track, events, now);
    }
}

fn hand_frames(speakers: &impl Speakers, track: &mut Track) {
    let frames = track.front_end.drain_frames();
    if !frames.is_empty() {
        speakers.frames(&track.stream, frames);
    }
}

fn submit(pool: &AsrPool, track: &Track, events: Vec<SpeechEvent>, now: Instant) {
    for event in events {
        crate::submit_speech(pool, &track.stream, &track.hints, event, now);
    }
}
