//! Live transcripts: wires the SFU's audio tap to `showroom-live-asr` (front-ends and the
//! recognizer pool) with Whisper (`showroom-asr`) as the recognizer, and delivers the results as
//! `transcript` messages to the agent and supervisors (and the shopper when captions are on).

use std::sync::Arc;

use showroom_asr::{EngineConfig, WhisperEngine, WhisperRecognizer};
use showroom_live_asr::{run_feed, AsrMetrics, AsrPool, Hints, LiveEvent, PolicyConfig, Speakers, TrackPacket};
use showroom_signaling::{Role, ServerMessage, TranscriptStatus};
use tokio::sync::mpsc;

use crate::AppState;

/// Roles from the call registry; language and translation from config and the call.
struct CallSpeakers(Arc<AppState>);

impl Speakers for CallSpeakers {
    fn role(&self, call: &str, participant: &str) -> Option<String> {
        self.0.calls.role_of(call, participant).map(|r| r.as_str().to_owned())
    }

    fn hints(&self, call: &str) -> Hints {
        let cfg = &self.0.config.asr;
        let language = if !cfg.language.is_empty() {
            Some(cfg.language.clone())
        } else {
            // The shopper's page language ("es-MX") is the best guess before detection.
            self.0.calls.get(call).and_then(|c| c.language).and_then(|l| l.split('-').next().map(str::to_lowercase))
        };
        Hints { language, translate: cfg.translate, prompt: None }
    }
}

/// Starts live transcription if a model is installed. Returns whether it runs.
pub fn start(state: &Arc<AppState>) -> bool {
    let cfg = &state.config.asr;
    let model_file = cfg.model_file();
    if !model_file.exists() {
        tracing::warn!(model = %model_file.display(), "no Whisper model: calls run without transcripts; install one with `showroom model fetch {}`", cfg.model);
        return false;
    }
    let workers = cfg.workers.max(1);
    let engine = match WhisperEngine::load(EngineConfig { max_states: workers, ..EngineConfig::new(&model_file) }) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(model = %model_file.display(), error = %e, "cannot load the Whisper model: calls run without transcripts");
            return false;
        }
    };
    let metrics = match AsrMetrics::new(&state.registry) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "cannot register ASR metrics");
            return false;
        }
    };
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let recognizer = Arc::new(WhisperRecognizer::new(engine, cfg.model.clone()));
    let pool = match AsrPool::start(recognizer, workers, PolicyConfig::default(), metrics, move |e| {
        let _ = events_tx.send(e);
    }) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            tracing::error!(error = %e, "cannot start ASR workers");
            return false;
        }
    };
    // SFU tap (async, lossy when full) → a bridge thread → the front-end thread.
    let (tap_tx, mut tap_rx) = mpsc::channel(4096);
    if state.sfu.tap_audio(tap_tx).is_err() {
        return false;
    }
    let (feed_tx, feed_rx) = std::sync::mpsc::channel();
    let bridge = std::thread::Builder::new().name("asr-tap".into()).spawn(move || {
        while let Some(p) = tap_rx.blocking_recv() {
            let packet = TrackPacket {
                call: p.call_id.0,
                participant: p.participant_id.0,
                track: p.track_id.0,
                seq: p.seq,
                timestamp: p.timestamp,
                payload: p.payload,
                arrival: p.arrival,
            };
            if feed_tx.send(packet).is_err() {
                break;
            }
        }
    });
    let speakers = CallSpeakers(state.clone());
    let feed = std::thread::Builder::new()
        .name("asr-feed".into())
        .spawn(move || run_feed(feed_rx, pool, speakers, Default::default()));
    if bridge.is_err() || feed.is_err() {
        tracing::error!("cannot start ASR threads");
        return false;
    }
    tokio::spawn(deliver(state.clone(), events_rx));
    tracing::info!(model = %model_file.display(), workers, "live transcripts on");
    true
}

fn role(s: &str) -> Role {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).unwrap_or(Role::Customer)
}

async fn deliver(state: Arc<AppState>, mut events: mpsc::UnboundedReceiver<LiveEvent>) {
    while let Some(event) = events.recv().await {
        let (stream, msg) = match event {
            LiveEvent::Partial { stream, utterance, start, end, committed, tentative } => {
                let msg = transcript(&stream.participant, &stream.role, utterance, TranscriptStatus::Partial, start, end, committed, tentative, None, None);
                (stream, msg)
            }
            LiveEvent::Final { stream, utterance, start, end, text, language, confidence } => {
                tracing::info!(call = %stream.call, participant = %stream.participant, start, end, %text, "final transcript");
                let msg = transcript(&stream.participant, &stream.role, utterance, TranscriptStatus::Final, start, end, text, String::new(), Some(language), Some(confidence));
                (stream, msg)
            }
            LiveEvent::NotTranscribed { stream, utterance, start, end, reason } => {
                tracing::warn!(call = %stream.call, participant = %stream.participant, start, end, %reason, "utterance not transcribed");
                let msg = transcript(&stream.participant, &stream.role, utterance, TranscriptStatus::NotTranscribed, start, end, String::new(), reason, None, None);
                (stream, msg)
            }
        };
        for recipient in state.calls.transcript_recipients(&stream.call) {
            state.calls.send_to(&stream.call, &recipient, msg.clone());
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn transcript(
    participant: &str,
    speaker_role: &str,
    utterance: u64,
    status: TranscriptStatus,
    start: f64,
    end: f64,
    text: String,
    tentative: String,
    language: Option<String>,
    confidence: Option<f32>,
) -> ServerMessage {
    ServerMessage::Transcript {
        participant_id: participant.to_owned(),
        role: role(speaker_role),
        utterance,
        status,
        start_s: (start * 1000.0).round() / 1000.0,
        end_s: (end * 1000.0).round() / 1000.0,
        text,
        tentative,
        language,
        confidence,
    }
}
