//! A bounded pool of ASR worker threads fed with utterance jobs.
//!
//! Finals are queued in order and never dropped silently; partials are coalesced to the newest
//! per stream and only run when the [`policy`](crate::policy) allows. Workers are plain OS threads:
//! recognition is CPU-bound and must never run on an async runtime's workers.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::metrics::AsrMetrics;
use crate::policy::{self, Mode, PolicyConfig};
use crate::stabilize::committed_prefix;
use crate::{LiveEvent, Recognizer, StreamKey, Utterance};

struct Queued {
    utterance: Utterance,
    enqueued: Instant,
}

#[derive(Default)]
struct State {
    finals: VecDeque<Queued>,
    /// Newest pending partial per stream; an older one is superseded, not queued.
    partials: HashMap<StreamKey, Queued>,
    last_partial_run: HashMap<StreamKey, Instant>,
    /// Previous partial hypothesis per (stream, utterance), for stabilisation.
    hypotheses: HashMap<(StreamKey, u64), String>,
    /// Utterances whose final has been delivered: a partial finishing later is stale.
    delivered: HashMap<StreamKey, u64>,
    /// The latest final text per stream, given to the next passes as context.
    last_final: HashMap<StreamKey, String>,
    closed: bool,
}

struct Inner {
    state: Mutex<State>,
    wake: Condvar,
    recognizer: Arc<dyn Recognizer>,
    policy: PolicyConfig,
    workers: usize,
    metrics: AsrMetrics,
    emit: Box<dyn Fn(LiveEvent) + Send + Sync>,
}

pub struct AsrPool {
    inner: Arc<Inner>,
    threads: Vec<JoinHandle<()>>,
}

impl AsrPool {
    /// Starts `workers` threads. `emit` is called from worker threads with every result.
    pub fn start(
        recognizer: Arc<dyn Recognizer>,
        workers: usize,
        policy: PolicyConfig,
        metrics: AsrMetrics,
        emit: impl Fn(LiveEvent) + Send + Sync + 'static,
    ) -> std::io::Result<AsrPool> {
        let workers = workers.max(1);
        let inner = Arc::new(Inner {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            recognizer,
            policy,
            workers,
            metrics,
            emit: Box::new(emit),
        });
        let threads = (0..workers)
            .map(|i| {
                let inner = inner.clone();
                std::thread::Builder::new().name(format!("asr-worker-{i}")).spawn(move || worker(&inner))
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(AsrPool { inner, threads })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current degradation mode.
    pub fn mode(&self, now: Instant) -> Mode {
        let state = self.lock();
        current_mode(&state, self.inner.workers, now)
    }

    /// Offers the utterance so far for a partial pass. Skipped when the stream had a partial
    /// pass too recently for the current mode; supersedes a pending partial of the stream.
    pub fn submit_partial(&self, utterance: Utterance, now: Instant) {
        let mut state = self.lock();
        let mode = current_mode(&state, self.inner.workers, now);
        let Some(spacing) = self.inner.policy.partial_spacing(mode) else {
            self.inner.metrics.partials_skipped.inc();
            return;
        };
        let key = utterance.stream.clone();
        // The front-end offers a window every interval and the last pass started a little after
        // the previous offer: allow some slack, or every other window would be skipped.
        if state.last_partial_run.get(&key).is_some_and(|t| now.duration_since(*t) < spacing.mul_f32(0.75)) {
            self.inner.metrics.partials_skipped.inc();
            return;
        }
        state.partials.insert(key, Queued { utterance, enqueued: now });
        self.update_gauges(&state, now);
        drop(state);
        self.inner.wake.notify_one();
    }

    /// Queues an utterance's final pass. Always accepted.
    pub fn submit_final(&self, utterance: Utterance, now: Instant) {
        let mut state = self.lock();
        let key = utterance.stream.clone();
        if state.partials.get(&key).is_some_and(|p| p.utterance.utterance == utterance.utterance) {
            state.partials.remove(&key);
        }
        state.finals.push_back(Queued { utterance, enqueued: now });
        self.update_gauges(&state, now);
        drop(state);
        self.inner.wake.notify_one();
    }

    fn update_gauges(&self, state: &State, now: Instant) {
        update_gauges(&self.inner.metrics, state, now);
    }

    /// Finishes every queued final, then stops the workers.
    pub fn shutdown(mut self) {
        self.lock().closed = true;
        self.inner.wake.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn update_gauges(metrics: &AsrMetrics, state: &State, now: Instant) {
    metrics.queue_finals.set(state.finals.len() as i64);
    metrics.queue_partials.set(state.partials.len() as i64);
    let lag = state.finals.front().map_or(0.0, |q| now.duration_since(q.enqueued).as_secs_f64());
    metrics.lag_seconds.set(lag);
}

fn current_mode(state: &State, workers: usize, now: Instant) -> Mode {
    let oldest = state.finals.front().map_or(std::time::Duration::ZERO, |q| now.duration_since(q.enqueued));
    policy::mode(state.finals.len(), workers, oldest)
}

enum Work {
    Final(Queued),
    Partial(Queued),
}

fn next_work(inner: &Inner) -> Option<Work> {
    let mut state = inner.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = Instant::now();
        if let Some(q) = state.finals.pop_front() {
            update_gauges(&inner.metrics, &state, now);
            if now.duration_since(q.enqueued) > inner.policy.max_final_wait {
                drop(state);
                inner.metrics.not_transcribed.inc();
                let u = q.utterance;
                (inner.emit)(LiveEvent::NotTranscribed {
                    stream: u.stream,
                    utterance: u.utterance,
                    start: u.start,
                    end: u.end,
                    reason: "the recognizer was overloaded for too long".into(),
                });
                state = inner.state.lock().unwrap_or_else(|e| e.into_inner());
                continue;
            }
            return Some(Work::Final(q));
        }
        let mode = current_mode(&state, inner.workers, now);
        if mode != Mode::FinalsOnly {
            let oldest = state.partials.iter().min_by_key(|(_, q)| q.enqueued).map(|(k, _)| k.clone());
            if let Some(key) = oldest {
                let q = state.partials.remove(&key).expect("key from the map");
                state.last_partial_run.insert(key, now);
                update_gauges(&inner.metrics, &state, now);
                return Some(Work::Partial(q));
            }
        } else if !state.partials.is_empty() {
            inner.metrics.partials_skipped.inc_by(state.partials.len() as u64);
            state.partials.clear();
        }
        if state.closed {
            return None;
        }
        state = inner.wake.wait(state).unwrap_or_else(|e| e.into_inner());
    }
}

fn worker(inner: &Inner) {
    while let Some(work) = next_work(inner) {
        let (mut q, is_final) = match work {
            Work::Final(q) => (q, true),
            Work::Partial(q) => (q, false),
        };
        if q.utterance.hints.prompt.is_none() {
            let state = inner.state.lock().unwrap_or_else(|e| e.into_inner());
            q.utterance.hints.prompt = state.last_final.get(&q.utterance.stream).cloned();
        }
        let u = &q.utterance;
        let started = Instant::now();
        let result = inner.recognizer.recognize(&u.audio, &u.hints);
        let audio_seconds = u.audio.len() as f64 / 16_000.0;
        let model = inner.recognizer.model();
        inner.metrics.observe_pass(model, is_final, audio_seconds, started.elapsed().as_secs_f64());
        let u = q.utterance;
        let key = (u.stream.clone(), u.utterance);
        match (result, is_final) {
            (Ok(r), true) => {
                let mut state = inner.state.lock().unwrap_or_else(|e| e.into_inner());
                state.hypotheses.remove(&key);
                if !r.text.trim().is_empty() {
                    state.last_final.insert(u.stream.clone(), r.text.clone());
                }
                state.delivered.insert(u.stream.clone(), u.utterance);
                drop(state);
                (inner.emit)(LiveEvent::Final {
                    stream: u.stream,
                    utterance: u.utterance,
                    start: u.start,
                    end: u.end,
                    text: r.text,
                    language: r.language,
                    confidence: r.confidence,
                });
            }
            (Ok(r), false) => {
                let mut state = inner.state.lock().unwrap_or_else(|e| e.into_inner());
                // Shown only while the final has not been delivered: under load a final can wait
                // in the queue, and the partial is what the agent sees meanwhile.
                if state.delivered.get(&u.stream).is_some_and(|d| *d >= u.utterance) {
                    continue;
                }
                let previous = state.hypotheses.insert(key, r.text.clone()).unwrap_or_default();
                drop(state);
                let committed = committed_prefix(&previous, &r.text);
                let tentative = r.text[committed.len()..].trim().to_owned();
                (inner.emit)(LiveEvent::Partial {
                    stream: u.stream,
                    utterance: u.utterance,
                    start: u.start,
                    end: u.end,
                    committed: committed.trim().to_owned(),
                    tentative,
                });
            }
            (Err(reason), true) => {
                inner.metrics.not_transcribed.inc();
                (inner.emit)(LiveEvent::NotTranscribed { stream: u.stream, utterance: u.utterance, start: u.start, end: u.end, reason });
            }
            (Err(reason), false) => tracing::debug!(%reason, "partial pass failed"),
        }
    }
}
