//! Call recordings: each party's audio written as Ogg/Opus straight from the RTP payloads the
//! SFU taps (no decoding, no re-encoding), one file per participant per call, with a small JSON
//! sidecar written when the file is complete; plus the retention sweep.
//!
//! Layout: `<dir>/<call>/<participant>.ogg` and `<participant>.json` ([`RecordingInfo`]). A
//! file without its sidecar is still being written (or was cut by a crash) and is not listed.
//! Times: `start_s` is on the call clock the transcripts use — seconds since the call's first
//! audio packet reached the gateway — so call time `t` is media time `t - start_s`.
//!
//! PII: when transcripts run, a call's files are published (sidecar written) only once its
//! transcript is complete, after the utterances in which redaction masked something (a card
//! number read out) have been silenced in the audio (`showroom_recording::silence_spans`). So
//! a reviewer can never play what the transcript hides.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use showroom_recording::OggOpusWriter;
use showroom_sfu::AudioPacket;
use tokio::sync::mpsc;

use crate::AppState;

/// Packets held to put reordered ones back in sequence (20 ms each: 160 ms).
const REORDER: usize = 8;
/// A party with no packets this long gets its file closed even though the call has not ended
/// (a call the registry never ended). Long: a muted track that comes back within a call
/// continues its file (the gap is filled), and a closed file is never reopened.
const IDLE_CLOSE: Duration = Duration::from_secs(30 * 60);
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
/// A call's files are published at the latest this long after it ended, masked with what is
/// known by then (the transcript normally completes within seconds).
const PUBLISH_AT_THE_LATEST: Duration = Duration::from_secs(300);
/// Silence this much around a masked utterance: its times come from voice activity.
const MASK_MARGIN_S: f64 = 0.3;

/// What the rest of the service tells the recorder.
#[derive(Debug)]
pub enum RecorderMsg {
    /// The call ended: close its files.
    CallEnded(String),
    /// Redaction masked something in this utterance: silence it in the audio.
    Mask { call: String, participant: String, start_s: f64, end_s: f64 },
    /// The call's transcript is complete (it was concluded): mask and publish its files.
    TranscriptDone(String),
}

/// Closed files of a call not yet published, and the spans to silence in them.
#[derive(Default)]
struct Unpublished {
    files: Vec<(PathBuf, RecordingInfo)>,
    masks: Vec<(String, f64, f64)>,
    ended: Option<Instant>,
    transcript_done: bool,
}

/// What a finished recording's sidecar says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingInfo {
    pub participant: String,
    pub role: String,
    pub start_s: f64,
    pub duration_s: f64,
    pub bytes: u64,
}

/// Ids are the server's own, but they become path parts: keep them to a safe alphabet.
pub fn safe_name(id: &str) -> Option<&str> {
    (!id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')).then_some(id)
}

/// Where a party's recording of a call lives (`<dir>/<call>/<participant>.ogg`; the sidecar is
/// the same path with `.json`); `None` for ids outside the safe alphabet.
pub fn recording_path(dir: &Path, call: &str, participant: &str) -> Option<PathBuf> {
    Some(dir.join(safe_name(call)?).join(format!("{}.ogg", safe_name(participant)?)))
}

/// Publishes a finished recording: writes its sidecar, after which [`list`] shows it.
pub fn write_sidecar(ogg: &Path, info: &RecordingInfo) -> std::io::Result<()> {
    std::fs::write(ogg.with_extension("json"), serde_json::to_vec_pretty(info).map_err(std::io::Error::other)?)
}

struct PartyRecording {
    writer: OggOpusWriter<BufWriter<File>>,
    path: PathBuf,
    info: RecordingInfo,
    /// Extended sequence number → (RTP timestamp, payload), released in order.
    held: BTreeMap<i64, (u32, Bytes)>,
    last_seq: Option<i64>,
    last_packet: Instant,
}

impl PartyRecording {
    fn push(&mut self, p: &AudioPacket) {
        let seq = match self.last_seq {
            // Closest 64-bit value to the last one: wraps of the 16-bit counter are followed.
            Some(last) => last + i64::from(p.seq.wrapping_sub(last as u16) as i16),
            None => i64::from(p.seq) + (1 << 20),
        };
        self.last_seq = Some(self.last_seq.map_or(seq, |l| l.max(seq)));
        self.last_packet = p.arrival;
        self.held.insert(seq, (p.timestamp, p.payload.clone()));
        while self.held.len() > REORDER {
            self.release_one();
        }
    }

    fn release_one(&mut self) {
        if let Some((_, (ts, payload))) = self.held.pop_first()
            && let Err(e) = self.writer.push(ts, &payload)
        {
            tracing::warn!(path = %self.path.display(), error = %e, "recording write failed");
        }
    }

    /// Writes what is held, ends the stream and syncs the file (not yet published).
    fn finish(mut self) -> Option<(PathBuf, RecordingInfo)> {
        while !self.held.is_empty() {
            self.release_one();
        }
        self.info.duration_s = self.writer.duration_samples() as f64 / 48_000.0;
        let done = self.writer.finish().map_err(|e| e.to_string()).and_then(|w| {
            let file = w.into_inner().map_err(|e| e.to_string())?;
            file.sync_all().map_err(|e| e.to_string())
        });
        match done {
            Ok(()) => Some((self.path, self.info)),
            Err(e) => {
                tracing::error!(path = %self.path.display(), error = %e, "cannot finish recording");
                None
            }
        }
    }
}

/// Silences the masked spans of each file, then writes its sidecar: from then on it is listed.
fn publish(files: Vec<(PathBuf, RecordingInfo)>, masks: &[(String, f64, f64)]) {
    for (path, mut info) in files {
        let spans: Vec<(f64, f64)> = masks
            .iter()
            .filter(|(p, _, _)| *p == info.participant)
            .map(|(_, a, b)| (a - info.start_s - MASK_MARGIN_S, b - info.start_s + MASK_MARGIN_S))
            .collect();
        match showroom_recording::silence_spans(&path, &spans) {
            Ok(n) if n > 0 => tracing::info!(path = %path.display(), packets = n, "masked PII in the recording"),
            Ok(_) => {}
            Err(e) => {
                // Unmasked audio is never published.
                tracing::error!(path = %path.display(), error = %e, "cannot mask the recording; not published");
                continue;
            }
        }
        info.bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if info.duration_s <= 0.0 {
            tracing::warn!(path = %path.display(), "recording without audio; not published");
            continue;
        }
        if let Err(e) = write_sidecar(&path, &info) {
            tracing::error!(path = %path.display(), error = %e, "cannot write recording sidecar");
        }
    }
}

/// Starts the recorder: its own SFU audio tap, closing files when calls end, and the
/// retention sweep. Returns the sender that tells it a call ended.
pub fn start(state: &Arc<AppState>, transcripts: bool) -> Option<mpsc::UnboundedSender<RecorderMsg>> {
    let cfg = &state.config.recording;
    if !cfg.enabled {
        return None;
    }
    let dir = cfg.dir(&state.config.store);
    let (tap_tx, mut tap_rx) = mpsc::channel::<AudioPacket>(4096);
    state.sfu.tap_audio(tap_tx).ok()?;
    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel::<RecorderMsg>();
    let retention = cfg.retention_days;
    let state = state.clone();
    tokio::spawn(async move {
        let mut calls: HashMap<String, (Instant, HashMap<String, PartyRecording>)> = HashMap::new();
        let mut unpublished: HashMap<String, Unpublished> = HashMap::new();
        // Packets still in the tap when a call ends must not open its files again.
        let mut ended: HashMap<String, Instant> = HashMap::new();
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        let mut last_sweep: Option<Instant> = None;
        loop {
            tokio::select! {
                packet = tap_rx.recv() => {
                    let Some(p) = packet else { break };
                    if !ended.contains_key(&p.call_id.0) {
                        record(&state, &dir, &mut calls, &p);
                    }
                }
                msg = msg_rx.recv() => {
                    let Some(msg) = msg else { break };
                    let call = match &msg {
                        RecorderMsg::CallEnded(c) | RecorderMsg::TranscriptDone(c) | RecorderMsg::Mask { call: c, .. } => c.clone(),
                    };
                    let entry = unpublished.entry(call.clone()).or_default();
                    match msg {
                        RecorderMsg::CallEnded(_) => {
                            entry.ended = Some(Instant::now());
                            ended.insert(call.clone(), Instant::now());
                            if let Some((_, parties)) = calls.remove(&call) {
                                entry.files.extend(finish_all(parties.into_values().collect()).await);
                            }
                        }
                        RecorderMsg::Mask { participant, start_s, end_s, .. } => entry.masks.push((participant, start_s, end_s)),
                        RecorderMsg::TranscriptDone(_) => entry.transcript_done = true,
                    }
                    // Without transcripts there is nothing to wait for.
                    if entry.ended.is_some() && (entry.transcript_done || !transcripts)
                        && let Some(done) = unpublished.remove(&call) {
                            publish_all(done).await;
                        }
                }
                _ = tick.tick() => {
                    let now = Instant::now();
                    let mut idle = Vec::new();
                    for (call, (_, parties)) in calls.iter_mut() {
                        let gone: Vec<String> = parties.iter().filter(|(_, r)| now.duration_since(r.last_packet) > IDLE_CLOSE).map(|(k, _)| k.clone()).collect();
                        idle.extend(gone.into_iter().filter_map(|k| parties.remove(&k)).map(|r| (call.clone(), r)));
                    }
                    calls.retain(|_, (_, parties)| !parties.is_empty());
                    ended.retain(|_, at| now.duration_since(*at) < PUBLISH_AT_THE_LATEST);
                    for (call, r) in idle {
                        let files = finish_all(vec![r]).await;
                        unpublished.entry(call).or_default().files.extend(files);
                    }
                    let overdue: Vec<String> = unpublished
                        .iter()
                        .filter(|(_, u)| u.ended.is_some_and(|t| now.duration_since(t) > PUBLISH_AT_THE_LATEST))
                        .map(|(c, _)| c.clone())
                        .collect();
                    for call in overdue {
                        tracing::warn!(call = %call, "transcript not complete in time: recording published with the masks known");
                        if let Some(u) = unpublished.remove(&call) {
                            publish_all(u).await;
                        }
                    }
                    if retention > 0 && last_sweep.is_none_or(|t| now.duration_since(t) >= SWEEP_EVERY) {
                        last_sweep = Some(now);
                        let (dir, max_age) = (dir.clone(), Duration::from_secs(u64::from(retention) * 86_400));
                        let _ = tokio::task::spawn_blocking(move || sweep(&dir, max_age, SystemTime::now())).await;
                    }
                }
            }
        }
        for (call, (_, parties)) in calls {
            let files = finish_all(parties.into_values().collect()).await;
            unpublished.entry(call).or_default().files.extend(files);
        }
        for (_, u) in unpublished {
            publish_all(u).await;
        }
    });
    Some(msg_tx)
}

async fn finish_all(recordings: Vec<PartyRecording>) -> Vec<(PathBuf, RecordingInfo)> {
    if recordings.is_empty() {
        return Vec::new();
    }
    tokio::task::spawn_blocking(move || recordings.into_iter().filter_map(PartyRecording::finish).collect())
        .await
        .unwrap_or_default()
}

async fn publish_all(u: Unpublished) {
    let _ = tokio::task::spawn_blocking(move || publish(u.files, &u.masks)).await;
}

fn record(state: &AppState, dir: &Path, calls: &mut HashMap<String, (Instant, HashMap<String, PartyRecording>)>, p: &AudioPacket) {
    let (call, participant) = (&p.call_id.0, &p.participant_id.0);
    let (call_start, parties) = calls.entry(call.clone()).or_insert_with(|| (p.arrival, HashMap::new()));
    if let Some(r) = parties.get_mut(participant) {
        r.push(p);
        return;
    }
    let Some(path) = recording_path(dir, call, participant) else {
        return;
    };
    let role = state.calls.role_of(call, participant).map(|r| r.as_str().to_owned()).unwrap_or_else(|| "customer".into());
    // create_new: an existing recording is never overwritten (a finished file stays as it is).
    let created = std::fs::create_dir_all(path.parent().expect("joined")).and_then(|_| File::options().write(true).create_new(true).open(&path));
    if let Err(e) = &created
        && e.kind() == std::io::ErrorKind::AlreadyExists
    {
        tracing::debug!(path = %path.display(), "recording exists; late packets ignored");
        return;
    }
    let opened = created
        .map_err(|e| e.to_string())
        .and_then(|f| OggOpusWriter::new(BufWriter::new(f), 1, serial_of(participant), "showroom").map_err(|e| e.to_string()));
    match opened {
        Ok(writer) => {
            let info = RecordingInfo {
                participant: participant.clone(),
                role,
                start_s: p.arrival.saturating_duration_since(*call_start).as_secs_f64(),
                duration_s: 0.0,
                bytes: 0,
            };
            let mut r = PartyRecording { writer, path, info, held: BTreeMap::new(), last_seq: None, last_packet: p.arrival };
            r.push(p);
            parties.insert(participant.clone(), r);
        }
        Err(e) => tracing::error!(path = %path.display(), error = %e, "cannot start recording"),
    }
}

fn serial_of(participant: &str) -> u32 {
    participant.bytes().fold(2_166_136_261u32, |h, b| (h ^ u32::from(b)).wrapping_mul(16_777_619))
}

/// The finished recordings of a call, by start time.
pub fn list(dir: &Path, call: &str) -> Vec<RecordingInfo> {
    let Some(call) = safe_name(call) else { return Vec::new() };
    let Ok(entries) = std::fs::read_dir(dir.join(call)) else { return Vec::new() };
    let mut out: Vec<RecordingInfo> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok())
        .filter(|r: &RecordingInfo| safe_name(&r.participant).is_some())
        .collect();
    out.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    out
}

/// Deletes the recordings of calls whose newest file is older than `max_age`.
pub fn sweep(dir: &Path, max_age: Duration, now: SystemTime) -> usize {
    let Ok(calls) = std::fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for call in calls.flatten().filter(|e| e.path().is_dir()) {
        let newest = std::fs::read_dir(call.path())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|f| f.metadata().ok()?.modified().ok())
            .max();
        let old = newest.is_none_or(|t| now.duration_since(t).unwrap_or_default() > max_age);
        if old && std::fs::remove_dir_all(call.path()).is_ok() {
            tracing::info!(call = %call.file_name().to_string_lossy(), "recording past retention deleted");
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_ids_become_paths() {
        assert_eq!(safe_name("CA_abc-123"), Some("CA_abc-123"));
        for bad in ["", "../etc", "a/b", "a.b", "x\0", &"a".repeat(200)] {
            assert_eq!(safe_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sweep_deletes_only_calls_past_retention() {
        let dir = tempfile::tempdir().unwrap();
        for (call, age_days) in [("old", 100u64), ("new", 1)] {
            let d = dir.path().join(call);
            std::fs::create_dir_all(&d).unwrap();
            let f = File::create(d.join("p.ogg")).unwrap();
            f.set_modified(SystemTime::now() - Duration::from_secs(age_days * 86_400)).unwrap();
        }
        assert_eq!(sweep(dir.path(), Duration::from_secs(90 * 86_400), SystemTime::now()), 1);
        assert!(!dir.path().join("old").exists() && dir.path().join("new").exists());
    }
}
