//! A bounded pool of ASR worker threads fed with utterance jobs.
//!
//! Finals are queued in order and never dropped silently; partials are coalesced to the newest
//! per stream and only run when the [`policy`](crate::policy) allows. Workers are plain OS threads:
//! recognition is CPU-bound and must never run on an async runtime's workers.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::metrics::AsrMetrics;
use crate::policy::{self, Mode, PolicyConfig};
use crate::stabilize::committed_prefix;
use crate::{LiveEvent, Recognition, Recognizer, StreamKey, Utterance};

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
    /// Pause candidates (the final-to-be, transcribed early): queued, newest per stream...
    candidates: HashMap<StreamKey, Queued>,
    /// ...running (key → audio length)...
    running_candidates: HashMap<(StreamKey, u64), usize>,
    /// ...and done, newest per stream: (utterance, audio length, result).
    candidate_results: HashMap<StreamKey, (u64, usize, Result<Recognition, String>)>,
    /// Finals whose identical candidate is running: delivered when it finishes.
    awaiting_candidate: HashMap<(StreamKey, u64), Queued>,
    /// What each worker is running: kind, start, and the flag that stops it.
    running: Vec<Option<Running>>,
    /// Finished passes of the last `BUSY_WINDOW`: (start, end).
    recent_passes: VecDeque<(Instant, Instant)>,
    closed: bool,
}

/// How far back the workers' busy share is measured.
const BUSY_WINDOW: std::time::Duration = std::time::Duration::from_secs(5);

impl State {
    /// Share of the workers' time spent recognizing over the last `BUSY_WINDOW` (0–1).
    fn busy_share(&self, workers: usize, now: Instant) -> f64 {
        let from = now.checked_sub(BUSY_WINDOW).unwrap_or(now);
        let done: f64 = self.recent_passes.iter().map(|(s, e)| e.saturating_duration_since((*s).max(from)).as_secs_f64()).sum();
        let running: f64 = self.running.iter().flatten().map(|r| now.saturating_duration_since(r.started.max(from)).as_secs_f64()).sum();
        ((done + running) / (workers.max(1) as f64 * BUSY_WINDOW.as_secs_f64())).min(1.0)
    }

    fn pass_done(&mut self, worker: usize, now: Instant) {
        if let Some(r) = self.running[worker].take() {
            self.recent_passes.push_back((r.started, now));
        }
        while self.recent_passes.front().is_some_and(|(_, end)| now.saturating_duration_since(*end) > BUSY_WINDOW) {
            self.recent_passes.pop_front();
        }
    }
}

struct Running {
    kind: PassKind,
    started: Instant,
    cancel: Arc<AtomicBool>,
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
        let state = State { running: (0..workers).map(|_| None).collect(), ..State::default() };
        let inner = Arc::new(Inner {
            state: Mutex::new(state),
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
                std::thread::Builder::new().name(format!("asr-worker-{i}")).spawn(move || worker(&inner, i))
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

    /// Offers the utterance at a pause of the speaker (see `SpeechEvent::Partial::pause`): a
    /// pass now, ahead of ordinary partials, whose result becomes the final if the utterance
    /// closes with the same audio. Skipped when only finals are running (overload).
    pub fn submit_pause(&self, utterance: Utterance, now: Instant) {
        let mut state = self.lock();
        if current_mode(&state, self.inner.workers, now) == Mode::FinalsOnly {
            self.inner.metrics.partials_skipped.inc();
            return;
        }
        let key = utterance.stream.clone();
        // It covers everything a pending ordinary partial would show.
        state.partials.remove(&key);
        state.candidates.insert(key, Queued { utterance, enqueued: now });
        drop(state);
        self.inner.wake.notify_one();
    }

    /// Queues an utterance's final pass. Always accepted; answered at once when a pause
    /// candidate already transcribed exactly this audio.
    pub fn submit_final(&self, utterance: Utterance, now: Instant) {
        (self.inner.emit)(LiveEvent::FinalQueued { stream: utterance.stream.clone(), utterance: utterance.utterance });
        let mut state = self.lock();
        self.inner.metrics.finals_queued.inc();
        let key = utterance.stream.clone();
        let id = (key.clone(), utterance.utterance);
        let len = utterance.audio.len();
        if state.partials.get(&key).is_some_and(|p| p.utterance.utterance == utterance.utterance) {
            state.partials.remove(&key);
        }
        if state.candidates.get(&key).is_some_and(|c| c.utterance.utterance <= utterance.utterance) {
            // Not started yet: the final pass does the same work, in order with other finals.
            state.candidates.remove(&key);
        }
        let done = state.candidate_results.remove(&key);
        if let Some((u, l, result)) = done
            && u == utterance.utterance
            && l == len
        {
            let final_event = settle_final(&self.inner, &mut state, utterance, result);
            drop(state);
            (self.inner.emit)(final_event);
            return;
        }
        if state.running_candidates.get(&id) == Some(&len) {
            state.awaiting_candidate.insert(id, Queued { utterance, enqueued: now });
            return;
        }
        state.finals.push_back(Queued { utterance, enqueued: now });
        // A final never waits behind a partial: if no worker is free for it, the partial that
        // started last (least work lost) stops and the final takes its worker.
        let free = state.running.iter().filter(|r| r.is_none()).count();
        if state.finals.len() > free
            && let Some(r) = state.running.iter().flatten().filter(|r| r.kind == PassKind::Partial && !r.cancel.load(Ordering::Relaxed)).max_by_key(|r| r.started)
        {
            r.cancel.store(true, Ordering::Relaxed);
            self.inner.metrics.partials_skipped.inc();
        }
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
    policy::mode(state.finals.len(), workers, oldest, state.busy_share(workers, now))
}

/// What a recognition pass is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PassKind {
    Final,
    /// A pause candidate: the final-to-be.
    Pause,
    Partial,
}

impl PassKind {
    /// The `kind` label of the passes metric.
    fn label(self) -> &'static str {
        match self {
            PassKind::Final => "final",
            PassKind::Pause => "pause",
            PassKind::Partial => "partial",
        }
    }
}

/// Records a final's result in `state` and returns the event to emit (outside the lock).
fn settle_final(inner: &Inner, state: &mut State, u: Utterance, result: Result<Recognition, String>) -> LiveEvent {
    state.hypotheses.remove(&(u.stream.clone(), u.utterance));
    state.delivered.insert(u.stream.clone(), u.utterance);
    match result {
        Ok(r) => {
            if !r.text.trim().is_empty() {
                state.last_final.insert(u.stream.clone(), r.text.clone());
            }
            inner.metrics.finals_transcribed.inc();
            LiveEvent::Final { stream: u.stream, utterance: u.utterance, start: u.start, end: u.end, text: r.text, language: r.language, confidence: r.confidence }
        }
        Err(reason) => {
            inner.metrics.not_transcribed.inc();
            LiveEvent::NotTranscribed { stream: u.stream, utterance: u.utterance, start: u.start, end: u.end, reason }
        }
    }
}

fn next_work(inner: &Inner, worker: usize) -> Option<(PassKind, Queued, Arc<AtomicBool>)> {
    let (kind, work) = next_job(inner)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let mut state = inner.state.lock().unwrap_or_else(|e| e.into_inner());
    state.running[worker] = Some(Running { kind, started: Instant::now(), cancel: cancel.clone() });
    Some((kind, work, cancel))
}

fn next_job(inner: &Inner) -> Option<(PassKind, Queued)> {
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
            return Some((PassKind::Final, q));
        }
        let mode = current_mode(&state, inner.workers, now);
        if mode != Mode::FinalsOnly {
            let oldest_candidate = state.candidates.iter().min_by_key(|(_, q)| q.enqueued).map(|(k, _)| k.clone());
            if let Some(key) = oldest_candidate {
                let q = state.candidates.remove(&key).expect("key from the map");
                state.running_candidates.insert((key.clone(), q.utterance.utterance), q.utterance.audio.len());
                state.last_partial_run.insert(key, now);
                return Some((PassKind::Pause, q));
            }
            let oldest = state.partials.iter().min_by_key(|(_, q)| q.enqueued).map(|(k, _)| k.clone());
            if let Some(key) = oldest {
                let q = state.partials.remove(&key).expect("key from the map");
                state.last_partial_run.insert(key, now);
                update_gauges(&inner.metrics, &state, now);
                return Some((PassKind::Partial, q));
            }
        } else if !state.partials.is_empty() || !state.candidates.is_empty() {
            inner.metrics.partials_skipped.inc_by((state.partials.len() + state.candidates.len()) as u64);
            state.partials.clear();
            state.candidates.clear();
        }
        if state.closed {
            return None;
        }
        state = inner.wake.wait(state).unwrap_or_else(|e| e.into_inner());
    }
}

fn worker(inner: &Inner, index: usize) {
    while let Some((kind, mut q, cancel)) = next_work(inner, index) {
        if q.utterance.hints.prompt.is_none() {
            let state = inner.state.lock().unwrap_or_else(|e| e.into_inner());
            q.utterance.hints.prompt = state.last_final.get(&q.utterance.stream).cloned();
        }
        let u = &q.utterance;
        let started = Instant::now();
        let result = inner.recognizer.recognize(&u.audio, &u.hints, &cancel);
        let audio_seconds = u.audio.len() as f64 / 16_000.0;
        if !cancel.load(Ordering::Relaxed) {
            inner.metrics.observe_pass(inner.recognizer.model(&u.hints), kind.label(), audio_seconds, started.elapsed().as_secs_f64());
        }
        let u = q.utterance;
        let mut state = inner.state.lock().unwrap_or_else(|e| e.into_inner());
        state.pass_done(index, Instant::now());
        let event = match kind {
            PassKind::Final => Some(settle_final(inner, &mut state, u, result)),
            PassKind::Pause => {
                let key = (u.stream.clone(), u.utterance);
                state.running_candidates.remove(&key);
                if let Some(final_job) = state.awaiting_candidate.remove(&key) {
                    // The utterance closed with this very audio while we ran: this is its final.
                    Some(settle_final(inner, &mut state, final_job.utterance, result))
                } else {
                    let shown = result.as_ref().ok().map(|r| r.text.clone());
                    state.candidate_results.insert(u.stream.clone(), (u.utterance, u.audio.len(), result));
                    shown.and_then(|text| partial_event(&mut state, u, text))
                }
            }
            PassKind::Partial => match result {
                Ok(r) => partial_event(&mut state, u, r.text),
                Err(reason) => {
                    tracing::debug!(%reason, "partial pass failed");
                    None
                }
            },
        };
        drop(state);
        if let Some(e) = event {
            (inner.emit)(e);
        }
    }
}

/// A stabilised partial for `text`, unless the utterance's final was already delivered (under
/// load a final can wait in the queue, and the partial is what the agent sees meanwhile).
fn partial_event(state: &mut State, u: Utterance, text: String) -> Option<LiveEvent> {
    if state.delivered.get(&u.stream).is_some_and(|d| *d >= u.utterance) {
        return None;
    }
    let previous = state.hypotheses.insert((u.stream.clone(), u.utterance), text.clone()).unwrap_or_default();
    let committed = committed_prefix(&previous, &text);
    let tentative = text[committed.len()..].trim().to_owned();
    Some(LiveEvent::Partial { stream: u.stream, utterance: u.utterance, start: u.start, end: u.end, committed: committed.trim().to_owned(), tentative })
}
