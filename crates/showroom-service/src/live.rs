//! Live transcripts: wires the SFU's audio tap to `showroom-live-asr` (front-ends and the
//! recognizer pool) with Whisper (`showroom-asr`) as the recognizer, and delivers the results as
//! `transcript` messages to the agent and supervisors (and the shopper when captions are on).

use std::sync::Arc;

use showroom_asr::{EngineConfig, WhisperEngine, WhisperRecognizer};
use std::time::{Duration, Instant};

use showroom_live_asr::{run_feed, AsrMetrics, AsrPool, Hints, LiveEvent, ModelSet, PolicyConfig, Recognizer, Speakers, TrackPacket};
use showroom_signaling::{Role, ServerMessage, TranscriptStatus};
use tokio::sync::mpsc;

use crate::config::AsrConfig;
use crate::journal::{FinalSegment, Redactor};
use showroom_postcall::FinalText;
use crate::live_insight::{self, InsightInput, InsightOutput};
use showroom_insight::{OvertalkEvent as InsightEvent, Party};
use showroom_signaling::{OvertalkEvent as OvertalkEventKind, OvertalkKind};
use crate::AppState;

/// Roles from the call registry; language and translation from config and the call; VAD
/// frames of customers and agents on to conversation insight.
struct CallSpeakers {
    state: Arc<AppState>,
    insight: std::sync::mpsc::Sender<InsightInput>,
}

impl Speakers for CallSpeakers {
    fn role(&self, call: &str, participant: &str) -> Option<String> {
        self.state.calls.role_of(call, participant).map(|r| r.as_str().to_owned())
    }

    fn wants_frames(&self) -> bool {
        true
    }

    fn frames(&self, stream: &showroom_live_asr::StreamKey, frames: Vec<showroom_asr_audio::TimedFrame>) {
        let party = match stream.role.as_str() {
            "customer" => Party::Customer,
            "agent" => Party::Agent,
            _ => return, // supervisors listen; their voice is not the conversation's
        };
        let _ = self.insight.send(InsightInput::Frames { call: stream.call.clone(), party, frames });
    }

    fn hints(&self, call: &str) -> Hints {
        let summary = self.state.calls.get(call);
        let tenant = summary.as_ref().map_or("default", |c| c.tenant.as_str());
        let page_language = summary.as_ref().and_then(|c| c.language.as_deref());
        let settings = self.state.config.asr.for_call(tenant, page_language);
        Hints { model: Some(settings.model), language: settings.language, translate: settings.translate, prompt: None }
    }
}

/// Starts live transcription if a model is installed. Returns whether it runs.
pub fn start(state: &Arc<AppState>) -> bool {
    let cfg = &state.config.asr;
    let workers = cfg.workers.max(1);
    let Some(recognizer) = load_models(cfg, workers) else { return false };
    let metrics = match AsrMetrics::new(&state.registry) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "cannot register ASR metrics");
            return false;
        }
    };
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let policy = PolicyConfig {
        partial_interval: Duration::from_millis(cfg.partial_interval_ms.max(100)),
        slow_partial_interval: Duration::from_millis(cfg.partial_interval_ms.max(100) * 3),
        max_final_wait: Duration::from_secs_f64(cfg.max_final_wait_s.max(0.1)),
    };
    let pool = match AsrPool::start(Arc::new(recognizer), workers, policy, metrics, move |e| {
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
    let (insight_tx, insight_rx) = std::sync::mpsc::channel();
    let (insight_out_tx, insight_out) = mpsc::unbounded_channel();
    let insight = std::thread::Builder::new().name("live-insight".into()).spawn(move || live_insight::run(insight_rx, insight_out_tx));
    let speakers = CallSpeakers { state: state.clone(), insight: insight_tx.clone() };
    let feed = std::thread::Builder::new()
        .name("asr-feed".into())
        .spawn(move || run_feed(feed_rx, pool, speakers, Default::default()));
    if bridge.is_err() || feed.is_err() || insight.is_err() {
        tracing::error!("cannot start ASR threads");
        return false;
    }
    let (ended_tx, ended_rx) = mpsc::unbounded_channel();
    let _ = state.live.set(LiveHandle { ended: ended_tx, insight: insight_tx });
    tokio::spawn(deliver(state.clone(), events_rx, ended_rx, insight_out));
    tracing::info!(models = ?cfg.models(), workers, "live transcripts on");
    true
}

/// The default model and every tenant's; without the default there are no transcripts, a
/// tenant's missing model falls back to the default (logged).
fn load_models(cfg: &AsrConfig, workers: usize) -> Option<ModelSet> {
    let load = |name: &str, file: std::path::PathBuf| -> Option<Arc<dyn Recognizer>> {
        if !file.exists() {
            tracing::warn!(model = %file.display(), "no Whisper model; install it with `showroom model fetch {name}`");
            return None;
        }
        match WhisperEngine::load(EngineConfig { max_states: workers, ..EngineConfig::new(&file) }) {
            Ok(engine) => Some(Arc::new(WhisperRecognizer::new(engine, name.to_owned()))),
            Err(e) => {
                tracing::error!(model = %file.display(), error = %e, "cannot load the Whisper model");
                None
            }
        }
    };
    let Some(default) = load(&cfg.model, cfg.model_file()) else {
        tracing::warn!("calls run without transcripts");
        return None;
    };
    let mut set = ModelSet::new(cfg.model.clone(), default);
    for name in cfg.models().into_iter().skip(1) {
        match load(&name, cfg.named_model_file(&name)) {
            Some(r) => set = set.with(name, r),
            None => tracing::warn!(model = %name, default = %cfg.model, "tenants configured for this model use the default"),
        }
    }
    Some(set)
}

fn role(s: &str) -> Role {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).unwrap_or(Role::Customer)
}

/// The running live path, as the rest of the service sees it.
pub(crate) struct LiveHandle {
    ended: mpsc::UnboundedSender<String>,
    insight: std::sync::mpsc::Sender<InsightInput>,
}

impl LiveHandle {
    pub(crate) fn call_ended(&self, call: &str) {
        let _ = self.ended.send(call.to_owned());
        let _ = self.insight.send(InsightInput::CallEnded(call.to_owned()));
    }
}

/// Sends results to the call's agent and supervisors (and captions to the shopper) and stores
/// finals, redacted, through the journal.
async fn deliver(
    state: Arc<AppState>,
    mut events: mpsc::UnboundedReceiver<LiveEvent>,
    mut ended: mpsc::UnboundedReceiver<String>,
    mut insight: mpsc::UnboundedReceiver<InsightOutput>,
) {
    let mut redactor = Redactor::new(state.config.redaction.clone());
    let mut calls = CallsInProgress::default();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        let event = tokio::select! {
            e = events.recv() => match e { Some(e) => e, None => break },
            Some(call) = ended.recv() => {
                store(&state, redactor.release(Some(&call), Instant::now()));
                continue;
            }
            _ = tick.tick() => {
                store(&state, redactor.release(None, Instant::now()));
                calls.conclude_due(&state, Instant::now());
                continue;
            }
            Some(out) = insight.recv() => {
                on_insight(&state, out, &mut calls);
                continue;
            }
        };
        let tenant = |call: &str| state.calls.get(call).map_or_else(|| "default".to_owned(), |c| c.tenant);
        let (stream, msg) = match event {
            LiveEvent::FinalQueued { stream, utterance } => {
                // The call is not concluded before this utterance's final is in.
                calls.entry(&stream.call).open.insert((stream.participant, utterance));
                continue;
            }
            LiveEvent::Partial { stream, utterance, start, end, committed, tentative } => {
                calls.entry(&stream.call).open.insert((stream.participant.clone(), utterance));
                let t = tenant(&stream.call);
                let (committed, tentative) = (redactor.live_text(&t, &committed), redactor.live_text(&t, &tentative));
                let msg = transcript(&stream.participant, &stream.role, utterance, TranscriptStatus::Partial, start, end, committed, tentative, None, None);
                (stream, msg)
            }
            LiveEvent::Final { stream, utterance, start, end, text, language, confidence } => {
                let t = tenant(&stream.call);
                let shown = redactor.live_text(&t, &text);
                let call = calls.entry(&stream.call);
                call.open.remove(&(stream.participant.clone(), utterance));
                if let Some(role) = postcall_role(&stream.role) {
                    let language = Some(language.clone()).filter(|l| !l.is_empty());
                    call.finals.push(FinalText { role, start_s: start, end_s: end, text: shown.clone(), language });
                }
                tracing::info!(call = %stream.call, participant = %stream.participant, start, end, text = %shown, "final transcript");
                let segment = FinalSegment {
                    call: stream.call.clone(),
                    tenant: t,
                    participant: stream.participant.clone(),
                    role: crate::ws::store_role(role(&stream.role)),
                    utterance,
                    start_s: start,
                    end_s: end,
                    text,
                    language: Some(language.clone()).filter(|l| !l.is_empty()),
                    confidence: Some(confidence),
                    not_transcribed: None,
                };
                store(&state, redactor.push(segment, Instant::now()));
                let msg = transcript(&stream.participant, &stream.role, utterance, TranscriptStatus::Final, start, end, shown, String::new(), Some(language), Some(confidence));
                (stream, msg)
            }
            LiveEvent::NotTranscribed { stream, utterance, start, end, reason } => {
                tracing::warn!(call = %stream.call, participant = %stream.participant, start, end, %reason, "utterance not transcribed");
                calls.entry(&stream.call).open.remove(&(stream.participant.clone(), utterance));
                let segment = FinalSegment {
                    call: stream.call.clone(),
                    tenant: tenant(&stream.call),
                    participant: stream.participant.clone(),
                    role: crate::ws::store_role(role(&stream.role)),
                    utterance,
                    start_s: start,
                    end_s: end,
                    text: String::new(),
                    language: None,
                    confidence: None,
                    not_transcribed: Some(reason.clone()),
                };
                store(&state, redactor.push(segment, Instant::now()));
                let msg = transcript(&stream.participant, &stream.role, utterance, TranscriptStatus::NotTranscribed, start, end, String::new(), reason, None, None);
                (stream, msg)
            }
        };
        for recipient in state.calls.transcript_recipients(&stream.call) {
            state.calls.send_to(&stream.call, &recipient, msg.clone());
        }
    }
}

fn on_insight(state: &AppState, out: InsightOutput, calls: &mut CallsInProgress) {
    match out {
        InsightOutput::Overtalk { call, event: insight_event, parties: (by, over), onset } => {
            let (event, kind, overlap_s) = match &insight_event {
                InsightEvent::Interruption(_) => (OvertalkEventKind::Alert, None, None),
                InsightEvent::Resolved(r) => (OvertalkEventKind::Resolved, Some(overtalk_kind(r.kind)), Some((r.overlap_s * 1000.0).round() / 1000.0)),
                InsightEvent::Retracted(r) => (OvertalkEventKind::Retracted, r.kind.map(overtalk_kind), None),
            };
            tracing::info!(call = %call, ?event, interrupter = ?by, ?kind, onset, "overtalk");
            let msg = ServerMessage::Overtalk {
                id: insight_event.id().0,
                event,
                interrupter: party_role(by),
                interrupted: party_role(over),
                onset_s: (onset * 1000.0).round() / 1000.0,
                kind,
                overlap_s,
            };
            for recipient in state.calls.staff(&call) {
                state.calls.send_to(&call, &recipient, msg.clone());
            }
        }
        InsightOutput::Analysis { call, analysis } => {
            tracing::info!(call = %call, duration_s = analysis.duration_s, events = analysis.events.len(), "call analysed");
            let entry = calls.entry(&call);
            entry.analysis = Some(analysis);
            entry.analysed_at = Some(Instant::now());
        }
    }
}

/// What the end of a call needs, gathered while it runs: its finals (redacted, as shown) and
/// which utterances are still open; then the analysis once the call has ended.
#[derive(Default)]
struct CallsInProgress {
    calls: std::collections::HashMap<String, CallProgress>,
}

#[derive(Default)]
struct CallProgress {
    finals: Vec<FinalText>,
    open: std::collections::HashSet<(String, u64)>,
    analysis: Option<Box<showroom_insight::CallAnalysis>>,
    analysed_at: Option<Instant>,
}

/// After the call ends its last utterances still close (hangover) and get their finals; the
/// score waits for them this long at least, and at most `CONCLUDE_MAX`.
const CONCLUDE_AFTER: Duration = Duration::from_secs(2);
const CONCLUDE_MAX: Duration = Duration::from_secs(30);

impl CallsInProgress {
    fn entry(&mut self, call: &str) -> &mut CallProgress {
        self.calls.entry(call.to_owned()).or_default()
    }

    /// Concludes the ended calls whose transcript is complete: metrics, insight events and the
    /// score go to the store.
    fn conclude_due(&mut self, state: &Arc<AppState>, now: Instant) {
        let due: Vec<String> = self
            .calls
            .iter()
            .filter(|(_, c)| {
                c.analysed_at.is_some_and(|at| {
                    let waited = now.duration_since(at);
                    (waited >= CONCLUDE_AFTER && c.open.is_empty()) || waited >= CONCLUDE_MAX
                })
            })
            .map(|(k, _)| k.clone())
            .collect();
        for call in due {
            let progress = self.calls.remove(&call).expect("key from the map");
            let analysis = progress.analysis.expect("analysed");
            let summary_tenant = state.calls.get(&call).map(|c| c.tenant);
            let rubric = state.rubric_for(summary_tenant.as_deref().unwrap_or("default"));
            let language = progress.finals.iter().find_map(|f| f.language.clone());
            let post = showroom_postcall::conclude(&analysis, &progress.finals, language.as_deref(), rubric);
            let events = showroom_postcall::insight_events(&analysis);
            tracing::info!(call = %call, score = ?post.scorecard.as_ref().map(|s| s.score), "call concluded");
            let state = state.clone();
            tokio::spawn(async move { store_conclusion(&state, call, post, events).await });
        }
    }
}

async fn store_conclusion(state: &AppState, call: String, post: showroom_postcall::PostCall, events: Vec<showroom_postcall::InsightRow>) {
    // Through the journal, after the call's segments: spooled like them while the database is
    // away, and the search index is built from the complete transcript.
    state.tell_recorder(crate::recorder::RecorderMsg::TranscriptDone(call.clone()));
    state.journal.write(crate::journal::concluded(showroom_store::CallId(call), &post, events, crate::now()));
}

fn postcall_role(role: &str) -> Option<showroom_qa::Role> {
    match role {
        "customer" => Some(showroom_qa::Role::Customer),
        "agent" => Some(showroom_qa::Role::Agent),
        _ => None,
    }
}

fn overtalk_kind(k: showroom_insight::OvertalkKind) -> OvertalkKind {
    match k {
        showroom_insight::OvertalkKind::Interruption => OvertalkKind::Interruption,
        showroom_insight::OvertalkKind::Backchannel => OvertalkKind::Backchannel,
        showroom_insight::OvertalkKind::SimultaneousStart => OvertalkKind::SimultaneousStart,
    }
}

fn party_role(p: Party) -> Role {
    match p {
        Party::Customer => Role::Customer,
        Party::Agent => Role::Agent,
    }
}

fn store(state: &AppState, segments: Vec<showroom_store::Segment>) {
    for segment in segments {
        if segment.redacted {
            // What the transcript masks, the recording must not let a reviewer hear.
            state.tell_recorder(crate::recorder::RecorderMsg::Mask {
                call: segment.call.0.clone(),
                participant: segment.participant.0.clone(),
                start_s: segment.start_s,
                end_s: segment.end_s,
            });
        }
        state.journal.write(showroom_store::LiveWrite::Segment { segment });
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
