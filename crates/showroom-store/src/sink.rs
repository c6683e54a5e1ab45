//! [`LiveSink`]: how the live path writes, so that a database outage loses nothing.
//!
//! Each [`LiveWrite`] goes straight to the database while it answers. When a write fails
//! because the database is unreachable (a transient error), that write and every later one go
//! to the [`Spool`] instead, in order, fsync'd, until a [`LiveSink::flush`] (called by the
//! driver task every `retry_interval`, and on open) replays the spool in order. Every
//! `LiveWrite` is idempotent in the store (segments by utterance key, calls by id, first answer
//! and first end win), so a record written twice — a write that committed although its
//! connection died, or a replay cut short by a crash — is stored once.
//!
//! Writes are serialised behind one lock: the live path writes about one segment per speaker
//! per second, and a single writer keeps spool order equal to arrival order. A write that
//! meets an outage waits at most `acquire_timeout`; the writes after it go straight to the
//! spool until the database is back.

use std::sync::{Arc, Mutex as StdMutex, Weak};

use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, watch};

use crate::spool::Spool;
use crate::{
    CallbackRequest, Rating, WrapUp,
    Answer, CallId, InsightEvent, NewCall, Participant, ParticipantId, Score, Segment, Store,
    StoreConfig, StoreError, Ts,
};

/// A write the live path makes during a call. Replaying one is harmless.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum LiveWrite {
    CallCreated {
        call: NewCall,
    },
    CallAnswered {
        call: CallId,
        answer: Answer,
    },
    CallEnded {
        call: CallId,
        at: Ts,
    },
    ParticipantJoined {
        participant: Participant,
    },
    ParticipantLeft {
        call: CallId,
        participant: ParticipantId,
        at: Ts,
    },
    Segment {
        segment: Segment,
    },
    /// What the call came to once it ended: talk metrics, insight events and the score; the
    /// call is then (re)indexed for search. Written after the call's segments, so a replay
    /// indexes the complete transcript.
    Concluded {
        call: CallId,
        metrics: serde_json::Value,
        events: Vec<InsightEvent>,
        score: Option<Score>,
        at: Ts,
    },
    /// The agent's disposition and notes at wrap-up.
    WrapUp {
        wrap_up: WrapUp,
    },
    /// The shopper's rating.
    Rated {
        rating: Rating,
    },
    /// A shopper's callback request.
    CallbackRequested {
        callback: CallbackRequest,
    },
}

impl LiveWrite {
    async fn apply(&self, store: &Store) -> Result<(), StoreError> {
        match self {
            LiveWrite::CallCreated { call } => store.create_call(call).await.map(drop),
            LiveWrite::CallAnswered { call, answer } => store.mark_answered(call, answer).await,
            LiveWrite::CallEnded { call, at } => store.end_call(call, *at).await,
            LiveWrite::ParticipantJoined { participant } => {
                store.add_participant(participant).await.map(drop)
            }
            LiveWrite::ParticipantLeft {
                call,
                participant,
                at,
            } => store
                .participant_left(call, participant, *at)
                .await
                .map(drop),
            LiveWrite::Segment { segment } => store.append_segment(segment).await.map(drop),
            LiveWrite::Concluded { call, metrics, events, score, at } => {
                store.conclude_call(call, metrics, events, score.as_ref(), *at).await
            }
            LiveWrite::WrapUp { wrap_up } => store.save_wrap_up(wrap_up).await,
            LiveWrite::Rated { rating } => store.save_rating(rating).await,
            LiveWrite::CallbackRequested { callback } => store.save_callback(callback).await,
        }
    }
}

/// Where a write ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Stored,
    /// On local disk, to be replayed when the database answers.
    Spooled,
}

/// The sink's state, published on every change (for metrics, health checks and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SinkStatus {
    /// Records waiting in the spool.
    pub pending: usize,
    /// The last database operation succeeded.
    pub connected: bool,
    pub spooled_total: u64,
    pub replayed_total: u64,
    /// Records set aside in `rejected.jsonl` because the database refused them for good.
    pub rejected_total: u64,
}

/// What one [`LiveSink::flush`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushReport {
    pub replayed: usize,
    pub rejected: usize,
    /// Still in the spool (the database went away again, or never came).
    pub pending: usize,
}

/// The live path's writer. Cheap to clone; all clones share one spool and one connection pool.
#[derive(Clone)]
pub struct LiveSink {
    shared: Arc<Shared>,
}

struct Shared {
    config: StoreConfig,
    state: Mutex<State>,
    status: watch::Sender<SinkStatus>,
}

struct State {
    store: Option<Store>,
    /// False after a transient failure, until a flush gets through.
    healthy: bool,
    spool: Arc<StdMutex<Spool>>,
}

impl LiveSink {
    /// Opens the spool and the database and replays what an earlier run left in the spool. An
    /// unreachable database is not an error: writes spool until it answers.
    pub async fn open(config: &StoreConfig) -> Result<LiveSink, StoreError> {
        let dir = config.spool_dir();
        let spool = tokio::task::spawn_blocking(move || Spool::open(&dir))
            .await
            .expect("spool open panicked")?;
        let pending = spool.len();
        let store = match Store::open(config).await {
            Ok(store) => Some(store),
            Err(e) if e.is_transient() => {
                tracing::warn!(error = %e, pending, "store: database unreachable, spooling live writes");
                None
            }
            Err(e) => return Err(e),
        };
        let connected = store.is_some();
        let status = SinkStatus {
            pending,
            connected,
            ..SinkStatus::default()
        };
        let sink = LiveSink {
            shared: Arc::new(Shared {
                config: config.clone(),
                state: Mutex::new(State {
                    store,
                    healthy: connected,
                    spool: Arc::new(StdMutex::new(spool)),
                }),
                status: watch::channel(status).0,
            }),
        };
        if connected && pending > 0 {
            let report = sink.flush().await?;
            tracing::info!(
                replayed = report.replayed,
                rejected = report.rejected,
                "store: spool replayed on start"
            );
        }
        Ok(sink)
    }

    /// Writes through to the database, or to the spool while the database is unreachable or
    /// older records still wait there. Errors: the spool could not be written (the disk), or the
    /// database refused the record for good (it is then also set aside in `rejected.jsonl`).
    pub async fn write(&self, write: LiveWrite) -> Result<Written, StoreError> {
        let mut state = self.shared.state.lock().await;
        let pending = self.shared.status.borrow().pending;
        if pending == 0
            && state.healthy
            && let Some(store) = &state.store
        {
            match write.apply(store).await {
                Ok(()) => return Ok(Written::Stored),
                Err(e) if e.is_transient() => {
                    tracing::warn!(error = %e, "store: database unreachable, spooling live writes");
                    state.healthy = false;
                    self.shared.status.send_modify(|s| s.connected = false);
                }
                Err(e) => {
                    let line = serde_json::to_string(&write).unwrap_or_default();
                    let spool = state.spool.clone();
                    let reason = e.to_string();
                    blocking(move || spool.lock().expect("spool lock").reject(&line, &reason))
                        .await?;
                    self.shared.status.send_modify(|s| s.rejected_total += 1);
                    return Err(e);
                }
            }
        }
        let spool = state.spool.clone();
        blocking(move || spool.lock().expect("spool lock").append(&write)).await?;
        self.shared.status.send_modify(|s| {
            s.pending += 1;
            s.spooled_total += 1;
        });
        Ok(Written::Spooled)
    }

    /// Connects if needed and replays the spool in order. Stops at the first transient failure
    /// (what is left stays spooled, in order); records the database refuses for good are set
    /// aside and the replay goes on.
    pub async fn flush(&self) -> Result<FlushReport, StoreError> {
        let mut state = self.shared.state.lock().await;
        if state.store.is_none() {
            match Store::open(&self.shared.config).await {
                Ok(store) => state.store = Some(store),
                Err(e) if e.is_transient() => {
                    tracing::debug!(error = %e, "store: database still unreachable");
                    let pending = self.shared.status.borrow().pending;
                    return Ok(FlushReport {
                        replayed: 0,
                        rejected: 0,
                        pending,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        let store = state.store.clone().expect("store is open");
        let spool = state.spool.clone();
        let contents =
            blocking(move || spool.lock().expect("spool lock").read::<LiveWrite>()).await?;

        let mut rejected: Vec<(String, String)> = contents.unreadable;
        let mut replayed = 0;
        let mut stopped_at = None;
        for (i, write) in contents.records.iter().enumerate() {
            match write.apply(&store).await {
                Ok(()) => replayed += 1,
                Err(e) if e.is_transient() => {
                    tracing::debug!(error = %e, "store: replay interrupted");
                    stopped_at = Some(i);
                    break;
                }
                Err(e) => {
                    tracing::error!(error = %e, "store: spooled record refused, set aside in rejected.jsonl");
                    rejected.push((
                        serde_json::to_string(write).unwrap_or_default(),
                        e.to_string(),
                    ));
                }
            }
        }
        let n_rejected = rejected.len();
        let rest: Vec<LiveWrite> = stopped_at
            .map(|i| contents.records[i..].to_vec())
            .unwrap_or_default();
        let pending = rest.len();
        let spool = state.spool.clone();
        blocking(move || {
            let mut spool = spool.lock().expect("spool lock");
            for (line, reason) in &rejected {
                spool.reject(line, reason)?;
            }
            spool.replace(&rest)
        })
        .await?;

        state.healthy = stopped_at.is_none();
        self.shared.status.send_modify(|s| {
            s.pending = pending;
            s.connected = state.healthy;
            s.replayed_total += replayed as u64;
            s.rejected_total += n_rejected as u64;
        });
        if replayed > 0 {
            tracing::info!(
                replayed,
                rejected = n_rejected,
                pending,
                "store: spool replayed"
            );
        }
        Ok(FlushReport {
            replayed,
            rejected: n_rejected,
            pending,
        })
    }

    /// The current state; `subscribe` to wait for a change.
    pub fn status(&self) -> SinkStatus {
        *self.shared.status.borrow()
    }

    pub fn subscribe(&self) -> watch::Receiver<SinkStatus> {
        self.shared.status.subscribe()
    }

    /// The store, once the database has been reached (for reads beside the live path).
    pub async fn store(&self) -> Option<Store> {
        self.shared.state.lock().await.store.clone()
    }

    /// Starts the task that flushes every `retry_interval` while records wait or the database
    /// is unreachable. It ends when the last clone of the sink is dropped.
    pub fn spawn_driver(&self) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Shared> = Arc::downgrade(&self.shared);
        let every = self.shared.config.retry_interval();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(shared) = weak.upgrade() else { return };
                let sink = LiveSink { shared };
                let status = sink.status();
                if (status.pending > 0 || !status.connected)
                    && let Err(e) = sink.flush().await
                {
                    tracing::error!(error = %e, "store: flush failed");
                }
            }
        })
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .expect("spool task panicked")
}
