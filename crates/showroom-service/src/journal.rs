//! What the gateway writes to the store while calls run: the call's life (created, answered,
//! who joined and left, ended) and every final transcript segment, redacted by the tenant's
//! policy before anything is persisted.
//!
//! Writes go through one queue to one task, in order, into `showroom-store`'s `LiveSink`
//! (which spools to disk while the database is unreachable). Callers never wait on the
//! database: the call registry and the live path run on without it.

use std::collections::HashMap;

use showroom_store::{CallId, LiveSink, LiveWrite, ParticipantId, Segment, SegmentStatus, StoreError, UtteranceKey};
use tokio::sync::{mpsc, oneshot};

use crate::config::RedactionConfig;

enum Cmd {
    Write(Box<LiveWrite>),
    Sync(oneshot::Sender<()>),
}

/// A handle to the writer task.
#[derive(Clone)]
pub struct Journal {
    tx: mpsc::UnboundedSender<Cmd>,
    sink: LiveSink,
}

impl Journal {
    /// Opens the store (replaying an earlier spool) and starts the writer and retry tasks.
    pub async fn open(config: &showroom_store::StoreConfig) -> Result<Journal, StoreError> {
        let sink = LiveSink::open(config).await?;
        sink.spawn_driver();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let writer = sink.clone();
        tokio::spawn(async move {
            while let Some(cmd) = rx.recv().await {
                match cmd {
                    Cmd::Write(w) => {
                        if let Err(e) = writer.write(*w).await {
                            tracing::error!(error = %e, "store: a live write failed");
                        }
                    }
                    Cmd::Sync(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Ok(Journal { tx, sink })
    }

    pub fn write(&self, write: LiveWrite) {
        let _ = self.tx.send(Cmd::Write(Box::new(write)));
    }

    /// Waits until everything written before has reached the sink (stored or spooled).
    pub async fn sync(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Cmd::Sync(done)).is_ok() {
            let _ = wait.await;
        }
    }

    pub fn sink(&self) -> &LiveSink {
        &self.sink
    }
}

/// A final as the live path has it, before redaction.
pub struct FinalSegment {
    pub call: String,
    pub tenant: String,
    pub participant: String,
    pub role: showroom_store::Role,
    pub utterance: u64,
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
    pub language: Option<String>,
    pub confidence: Option<f32>,
    /// `Some(reason)`: the utterance could not be transcribed.
    pub not_transcribed: Option<String>,
}

/// Redacts finals per speaker with the other party's last words as context, and holds back a
/// final that ends mid-number (a card read out across two utterances) until the speaker's next
/// final, the call's end or `HOLD_S` — so no stored segment keeps half a card number.
pub struct Redactor {
    config: RedactionConfig,
    /// Per (call, participant): the held-back final.
    held: HashMap<(String, String), (FinalSegment, std::time::Instant)>,
    /// Per call: the last final text of each participant (cue words for the other party).
    last_text: HashMap<String, HashMap<String, String>>,
}

/// Longest a final is held back waiting for the rest of a number.
pub const HOLD_S: f64 = 10.0;

impl Redactor {
    pub fn new(config: RedactionConfig) -> Self {
        Self { config, held: HashMap::new(), last_text: HashMap::new() }
    }

    /// Text as the agent may see it live (a partial or a final), redacted on its own.
    pub fn live_text(&self, tenant: &str, text: &str) -> String {
        let policy = self.config.policy(tenant);
        showroom_redact::redact(text, policy).text
    }

    /// Takes a final; returns the segments ready to store (redacted), oldest first.
    pub fn push(&mut self, segment: FinalSegment, now: std::time::Instant) -> Vec<Segment> {
        let key = (segment.call.clone(), segment.participant.clone());
        let mut ready = Vec::new();
        let held = self.held.remove(&key).map(|(s, _)| s);
        let policy = self.config.policy(&segment.tenant).clone();
        let context: Vec<String> = self
            .last_text
            .get(&segment.call)
            .map(|m| m.iter().filter(|(p, _)| **p != segment.participant).map(|(_, t)| t.clone()).collect())
            .unwrap_or_default();
        let context: Vec<&str> = context.iter().map(String::as_str).collect();
        let texts: Vec<&str> = held.iter().chain(std::iter::once(&segment)).map(|s| s.text.as_str()).collect();
        let redacted = showroom_redact::redact_with_context(&context, &texts, &policy);
        let mut redacted = redacted.into_iter();
        if let Some(h) = held {
            let r = redacted.next().expect("one result per text");
            ready.push(to_store(h, r.text, !r.spans.is_empty()));
        }
        let r = redacted.next().expect("one result per text");
        self.last_text.entry(segment.call.clone()).or_default().insert(segment.participant.clone(), r.text.clone());
        if segment.not_transcribed.is_none() && showroom_redact::may_continue_a_number(&segment.text) {
            self.held.insert(key, (segment, now));
        } else {
            // Flagged only if this utterance itself had something masked: the flag also decides
            // which stretch of the recording is silenced.
            let masked = !r.spans.is_empty();
            ready.push(to_store(segment, r.text, masked));
        }
        ready
    }

    /// Finals held longer than `HOLD_S`, or of `call` when it ended: redacted alone, to store.
    pub fn release(&mut self, ended_call: Option<&str>, now: std::time::Instant) -> Vec<Segment> {
        let due: Vec<(String, String)> = self
            .held
            .iter()
            .filter(|((call, _), (_, at))| Some(call.as_str()) == ended_call || now.duration_since(*at).as_secs_f64() >= HOLD_S)
            .map(|(k, _)| k.clone())
            .collect();
        let mut ready = Vec::new();
        for key in due {
            let (segment, _) = self.held.remove(&key).expect("key from the map");
            let r = showroom_redact::redact(&segment.text, self.config.policy(&segment.tenant));
            let masked = !r.spans.is_empty();
            ready.push(to_store(segment, r.text, masked));
        }
        if let Some(call) = ended_call {
            self.last_text.remove(call);
        }
        ready.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        ready
    }
}

fn to_store(s: FinalSegment, text: String, redacted: bool) -> Segment {
    let participant = ParticipantId(s.participant);
    Segment {
        call: CallId(s.call),
        key: UtteranceKey::for_utterance(&participant, s.utterance),
        participant,
        role: s.role,
        start_s: s.start_s,
        end_s: s.end_s,
        text,
        language: s.language,
        confidence: s.confidence,
        status: match s.not_transcribed {
            Some(reason) => SegmentStatus::NotTranscribed { reason },
            None => SegmentStatus::Final,
        },
        redacted,
    }
}

/// What a finished call came to, as the store keeps it: metrics, overlaps and score (live
/// calls and imports alike).
pub fn concluded(
    call: CallId,
    post: &showroom_postcall::PostCall,
    overlaps: Vec<showroom_postcall::InsightRow>,
    at: showroom_store::Ts,
) -> showroom_store::LiveWrite {
    let events = overlaps
        .into_iter()
        .map(|e| showroom_store::InsightEvent {
            call: call.clone(),
            kind: e.kind.to_owned(),
            party: match e.party {
                showroom_insight::Party::Customer => showroom_store::Role::Customer,
                showroom_insight::Party::Agent => showroom_store::Role::Agent,
            },
            onset_s: e.onset_s,
            duration_s: e.duration_s,
            details: e.details,
        })
        .collect();
    let score = post.scorecard.as_ref().map(|card| showroom_store::Score {
        call: call.clone(),
        rubric: card.rubric.clone(),
        rubric_version: card.rubric_version.clone(),
        score: card.score,
        passed: card.passed,
        criteria: serde_json::to_value(&card.criteria).unwrap_or_default(),
        scored_at: at,
    });
    let metrics = serde_json::to_value(&post.named_metrics).unwrap_or_default();
    showroom_store::LiveWrite::Concluded { call, metrics, events, score, at }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn final_of(participant: &str, utterance: u64, text: &str) -> FinalSegment {
        FinalSegment {
            call: "CA_1".into(),
            tenant: "default".into(),
            participant: participant.into(),
            role: showroom_store::Role::Customer,
            utterance,
            start_s: utterance as f64 * 3.0,
            end_s: utterance as f64 * 3.0 + 2.0,
            text: text.into(),
            language: Some("en".into()),
            confidence: Some(0.9),
            not_transcribed: None,
        }
    }

    #[test]
    fn a_card_read_out_over_two_finals_is_masked_in_both() {
        let mut r = Redactor::new(RedactionConfig::default());
        let t0 = std::time::Instant::now();
        // Ends mid-number: held back, nothing stored yet.
        assert!(r.push(final_of("PA_c", 0, "my card number is 4111 1111"), t0).is_empty());
        let stored = r.push(final_of("PA_c", 1, "1111 1111 and it expires soon"), t0);
        assert_eq!(stored.len(), 2);
        for s in &stored {
            assert!(!s.text.contains("1111 1111") && !s.text.contains("4111"), "{:?}", s.text);
            assert!(s.redacted);
        }
        assert_eq!(stored[0].key.0, "PA_c:0");
    }

    #[test]
    fn a_held_final_is_stored_after_the_hold_or_at_the_end_of_the_call() {
        let mut r = Redactor::new(RedactionConfig::default());
        let t0 = std::time::Instant::now();
        assert!(r.push(final_of("PA_c", 0, "my order is 12345"), t0).is_empty());
        assert!(r.release(None, t0 + std::time::Duration::from_secs(1)).is_empty(), "still within the hold");
        let late = r.release(None, t0 + std::time::Duration::from_secs_f64(HOLD_S + 0.1));
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].text, "my order is 12345", "not a card: kept");
        assert!(r.push(final_of("PA_c", 1, "the code is 4 4"), t0).is_empty());
        assert_eq!(r.release(Some("CA_1"), t0).len(), 1, "the call ended: stored at once");
    }

    #[test]
    fn finals_that_end_in_words_are_stored_at_once() {
        let mut r = Redactor::new(RedactionConfig::default());
        let stored = r.push(final_of("PA_a", 0, "thank you for calling, how can I help?"), std::time::Instant::now());
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].redacted);
    }
}
