//! `asr-live-bench`: live transcription under load — N concurrent streams paced in real time
//! through ONE `showroom-live-asr` pool over Whisper tiny.en (whisper.cpp, 1 thread per job).
//!
//! Each stream is a synthetic track of the real clips (JFK + the five LibriVox sentences of
//! `pocketsphinx-testdata`, as `asr-bench` uses) separated by silence so that speech is ~40 % of
//! the time; the clip order, the gaps and the leading silence differ per stream so the streams do
//! not speak in lockstep. Each stream runs on its own thread through
//! `showroom_live_asr::transcribe_channels(.., realtime = true)`.
//!
//! Figures per stream count N:
//! - end-of-utterance → final latency: final arrival (wall clock, in the pool's callback) minus
//!   (stream start + the event's `end`); p50 / p95 / max;
//! - partial cadence: gaps between successive partials of the same utterance; median / p95;
//! - finals, not transcribed, partials skipped, the max of `showroom_asr_lag_seconds` sampled
//!   every 100 ms (read from a registered `prometheus::Registry`);
//! - process CPU seconds (user+sys, getrusage) per minute of stream audio.
//!
//! Prints figures; asserts nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "../speech.rs"]
mod speech;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use prometheus::Registry;
use showroom_asr::{DecodeOptions, EngineConfig, WhisperEngine, WhisperRecognizer};
use showroom_asr_audio::{AudioFrontEnd, FrontEndConfig};
use showroom_live_asr::{AsrMetrics, AsrPool, Channel, Hints, LiveEvent, PolicyConfig};

const RATE: u32 = 16_000;
/// Fraction of each track that is speech.
const SPEECH_SHARE: f64 = 0.4;
/// The latency target for the summary line.
const TARGET_P95: f64 = 1.5;

#[derive(Parser)]
#[command(about = "Live transcription under load: final latency, partial cadence, degradation, CPU")]
struct Args {
    /// Concurrent stream counts to run, one after the other.
    #[arg(long, value_delimiter = ',', default_value = "2,4,8,12,16")]
    streams: Vec<usize>,
    /// Seconds of audio per stream (paced in real time).
    #[arg(long, default_value_t = 60.0)]
    duration: f64,
    /// ASR pool worker threads.
    #[arg(long, default_value_t = 2)]
    workers: usize,
}

type Log = Arc<Mutex<Vec<(Instant, LiveEvent)>>>;

struct RunFigures {
    streams: usize,
    speech_share: f64,
    latency: Vec<f64>,
    gaps: Vec<f64>,
    partials: usize,
    finals: usize,
    expected_finals: usize,
    not_transcribed: f64,
    partials_skipped: f64,
    max_lag: f64,
    /// Mean processing seconds per audio second over the run's passes (histogram sum/count).
    mean_rtf: f64,
    cpu_per_audio_minute: f64,
    wall: f64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    ensure!(args.duration >= 5.0, "--duration must be at least 5 s");
    ensure!(!args.streams.is_empty(), "--streams is empty");
    let clips: Vec<(String, Vec<f32>)> =
        showroom_testdata::english_clips()?.into_iter().map(|c| (c.name, c.audio)).collect();
    let model = speech::tiny_en_model()?;

    let mut cfg = EngineConfig::new(&model);
    cfg.threads_per_job = 1;
    cfg.max_states = args.workers.max(1);
    let engine = WhisperEngine::load(cfg).with_context(|| format!("loading {}", model.display()))?;
    engine.transcribe(&clips[0].1, &DecodeOptions::english())?; // warm-up: page cache, one state

    let registry = Registry::new();
    let metrics = AsrMetrics::new(&registry)?;
    let log: Log = Arc::default();
    let pool = {
        let log = log.clone();
        AsrPool::start(Arc::new(WhisperRecognizer::new(engine, "tiny.en")), args.workers, PolicyConfig::default(), metrics, move |event| {
            let at = Instant::now();
            log.lock().unwrap().push((at, event));
        })?
    };

    println!(
        "EoU = stream start + the event's `end` (includes the front-end's end-of-speech hangover); \
         max lag: showroom_asr_lag_seconds sampled every 100 ms"
    );
    println!(
        "Whisper tiny.en (whisper.cpp, 1 thread/job), ONE pool of {} workers, default policy; {} cores",
        args.workers,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "each stream: {:.0} s real-time track of the {} real clips (JFK + LibriVox) with silence between, ~{:.0} % speech, order/gaps/offset per stream",
        args.duration,
        clips.len(),
        SPEECH_SHARE * 100.0
    );

    let mut runs = Vec::new();
    for &n in &args.streams {
        eprintln!("running {n} streams for {:.0} s…", args.duration);
        let figures = run(&pool, &registry, &log, &clips, n, args.duration)?;
        eprintln!("  done in {:.1} s", figures.wall);
        runs.push(figures);
    }
    pool.shutdown();

    println!();
    println!(
        "{:>7} {:>6} | {:>22} | {:>15} | {:>8} {:>7} {:>8} {:>8} {:>8} | {:>8} {:>9}",
        "streams",
        "speech",
        "EoU→final p50/p95/max",
        "partial gap",
        "partials",
        "finals",
        "not_tr.",
        "p.skip",
        "max lag",
        "CPU-s/",
        "mean RTF"
    );
    println!(
        "{:>7} {:>6} | {:>22} | {:>15} | {:>8} {:>7} {:>8} {:>8} {:>8} | {:>8} {:>9}",
        "", "", "(s)", "p50/p95 (s)", "", "", "", "", "(s)", "audio-min", "per pass"
    );
    for r in &runs {
        let (l50, l95, lmax) = (pct(&r.latency, 50.0), pct(&r.latency, 95.0), r.latency.last().copied().unwrap_or(f64::NAN));
        let finals = if r.finals == r.expected_finals {
            format!("{}", r.finals)
        } else {
            format!("{}/{}", r.finals, r.expected_finals)
        };
        println!(
            "{:>7} {:>5.0}% | {:>6.2} {:>6.2} {:>8.2} | {:>7.2} {:>7.2} | {:>8} {:>7} {:>8} {:>8} {:>8.2} | {:>9.2} {:>9.2}",
            r.streams,
            r.speech_share * 100.0,
            l50,
            l95,
            lmax,
            pct(&r.gaps, 50.0),
            pct(&r.gaps, 95.0),
            r.partials,
            finals,
            r.not_transcribed,
            r.partials_skipped,
            r.max_lag,
            r.cpu_per_audio_minute,
            r.mean_rtf
        );
    }
    let best = runs
        .iter()
        .filter(|r| !r.latency.is_empty() && pct(&r.latency, 95.0) <= TARGET_P95)
        .map(|r| r.streams)
        .max();
    match best {
        Some(n) => println!("max concurrent streams with final p95 ≤ {TARGET_P95} s: {n}"),
        None => println!("max concurrent streams with final p95 ≤ {TARGET_P95} s: none of {:?}", args.streams),
    }
    Ok(())
}

/// Runs `n` streams at once through `pool`, waits for every final, and returns the figures.
fn run(pool: &AsrPool, registry: &Registry, log: &Log, clips: &[(String, Vec<f32>)], n: usize, duration: f64) -> Result<RunFigures> {
    let run_id = format!("n{n}");
    let tracks: Vec<(Vec<f32>, f64)> = (0..n).map(|i| track(clips, i, n, duration)).collect();
    let speech_share = tracks.iter().map(|t| t.1).sum::<f64>() / (n as f64 * duration);
    let expected_finals: usize = tracks.iter().map(|t| count_finals(&t.0)).sum();

    log.lock().unwrap().clear();
    let skipped_before = metric(registry, "showroom_asr_partials_skipped_total");
    let not_tr_before = metric(registry, "showroom_asr_not_transcribed_total");
    let rtf_before = histogram(registry, "showroom_asr_real_time_factor");
    let finished = AtomicBool::new(false);
    let max_lag = Mutex::new(0.0f64);
    let cpu_before = speech::process_cpu_seconds();
    let wall_start = Instant::now();

    let starts: Vec<Instant> = std::thread::scope(|s| -> Result<Vec<Instant>> {
        let sampler = s.spawn(|| {
            while !finished.load(Ordering::Relaxed) {
                let lag = metric(registry, "showroom_asr_lag_seconds");
                let mut m = max_lag.lock().unwrap();
                *m = m.max(lag);
                drop(m);
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let handles: Vec<_> = tracks
            .iter()
            .enumerate()
            .map(|(i, (samples, _))| {
                let call = format!("{run_id}-s{i}");
                let samples = samples.clone();
                s.spawn(move || {
                    let channel = Channel { role: "customer".into(), samples, sample_rate: RATE };
                    let hints = Hints { language: Some("en".into()), ..Hints::default() };
                    let start = Instant::now();
                    showroom_live_asr::transcribe_channels(pool, &call, vec![channel], hints, true).map(|()| start)
                })
            })
            .collect();
        let mut starts = Vec::new();
        for h in handles {
            starts.push(h.join().expect("stream thread")?);
        }
        // Every utterance is submitted; wait for its final (or not-transcribed) to come back.
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let done = log.lock().unwrap().iter().filter(|(_, e)| !matches!(e, LiveEvent::Partial { .. })).count();
            if done >= expected_finals || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        finished.store(true, Ordering::Relaxed);
        sampler.join().expect("sampler thread");
        Ok(starts)
    })?;
    let wall = wall_start.elapsed().as_secs_f64();
    let cpu = speech::process_cpu_seconds() - cpu_before;

    let events = std::mem::take(&mut *log.lock().unwrap());
    let stream_index = |call: &str| call.strip_prefix(&format!("{run_id}-s")).and_then(|i| i.parse::<usize>().ok());
    let mut latency = Vec::new();
    let mut partial_times: HashMap<(usize, u64), Vec<Instant>> = HashMap::new();
    let (mut finals, mut partials) = (0, 0);
    for (at, event) in &events {
        match event {
            LiveEvent::Final { stream, end, .. } => {
                let Some(i) = stream_index(&stream.call) else { continue };
                finals += 1;
                let eou = starts[i] + Duration::from_secs_f64(*end);
                latency.push(if *at >= eou { at.duration_since(eou).as_secs_f64() } else { -eou.duration_since(*at).as_secs_f64() });
            }
            LiveEvent::Partial { stream, utterance, .. } => {
                let Some(i) = stream_index(&stream.call) else { continue };
                partials += 1;
                partial_times.entry((i, *utterance)).or_default().push(*at);
            }
            LiveEvent::NotTranscribed { .. } | LiveEvent::FinalQueued { .. } => {}
        }
    }
    latency.sort_by(f64::total_cmp);
    let mut gaps: Vec<f64> = partial_times
        .values()
        .flat_map(|times| times.windows(2).map(|w| w[1].duration_since(w[0]).as_secs_f64()).collect::<Vec<_>>())
        .collect();
    gaps.sort_by(f64::total_cmp);

    Ok(RunFigures {
        streams: n,
        speech_share,
        latency,
        gaps,
        partials,
        finals,
        expected_finals,
        not_transcribed: metric(registry, "showroom_asr_not_transcribed_total") - not_tr_before,
        partials_skipped: metric(registry, "showroom_asr_partials_skipped_total") - skipped_before,
        max_lag: *max_lag.lock().unwrap(),
        mean_rtf: {
            let (sum, count) = histogram(registry, "showroom_asr_real_time_factor");
            (sum - rtf_before.0) / (count - rtf_before.1)
        },
        cpu_per_audio_minute: cpu / (n as f64 * duration / 60.0),
        wall,
    })
}

/// A `duration`-second track for stream `i` of `n`: clips in a per-stream order until their
/// length is ~[`SPEECH_SHARE`] of the track, the rest silence split at random (weights 0.5–1.5)
/// into a leading stretch and the gaps after each clip, the lead also shifted by the stream's
/// place among `n` so the streams do not speak in lockstep. Returns the samples and the seconds
/// of speech.
fn track(clips: &[(String, Vec<f32>)], i: usize, n: usize, duration: f64) -> (Vec<f32>, f64) {
    let rate = f64::from(RATE);
    let total = (duration * rate) as usize;
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15 ^ ((i as u64 + 1) * 0x2545_f491_4f6c_dd1d));
    // Per-stream order: start at a different clip and step by a stride coprime-ish to the count.
    let stride = [1, 5, 1, 5, 1, 5][i % 6];
    let target = (SPEECH_SHARE * total as f64) as usize;
    let mut chosen: Vec<&[f32]> = Vec::new();
    let mut speech = 0usize;
    for k in 0.. {
        let clip = &clips[(i + k * stride) % clips.len()].1;
        // Stop when adding the clip would overshoot more than leaving it out undershoots.
        if !chosen.is_empty() && speech + clip.len() / 2 > target {
            break;
        }
        if speech + clip.len() > total * 3 / 4 {
            break;
        }
        chosen.push(clip);
        speech += clip.len();
    }
    let silence_total = total - speech;
    // Weights: the lead (with a per-stream stagger), then one gap after each clip.
    let stagger = (i as f64 + rng.unit()) / n.max(1) as f64;
    let mut weights = vec![stagger];
    weights.extend(chosen.iter().map(|_| 0.5 + rng.unit()));
    let sum: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(total);
    let silence = |out: &mut Vec<f32>, samples: usize, rng: &mut XorShift| {
        // Faint noise (~-80 dBFS), not digital zeros, like a real line between sentences.
        out.extend((0..samples).map(|_| (rng.unit() as f32 - 0.5) * 2e-4));
    };
    silence(&mut out, (silence_total as f64 * weights[0] / sum) as usize, &mut rng);
    for (clip, w) in chosen.iter().zip(&weights[1..]) {
        out.extend_from_slice(clip);
        silence(&mut out, (silence_total as f64 * w / sum) as usize, &mut rng);
    }
    let rest = total.saturating_sub(out.len());
    silence(&mut out, rest, &mut rng);
    out.truncate(total);
    (out, speech as f64 / rate)
}

/// Finals the live front-end will produce for `samples` fed as `transcribe_channels` does
/// (20 ms at a time, then `finish`): the number of results to wait for.
fn count_finals(samples: &[f32]) -> usize {
    let mut fe = AudioFrontEnd::new(FrontEndConfig::default()).expect("default front-end config");
    let per_step = (RATE / 50) as usize;
    let mut n = 0;
    for chunk in samples.chunks(per_step) {
        n += fe.push_pcm(chunk, RATE).iter().filter(|e| e.is_final()).count();
    }
    n + fe.finish().iter().filter(|e| e.is_final()).count()
}

struct XorShift(u64);

impl XorShift {
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Sum over all label sets of a counter or gauge in `registry`.
fn metric(registry: &Registry, name: &str) -> f64 {
    registry
        .gather()
        .iter()
        .filter(|f| f.name() == name)
        .flat_map(|f| f.get_metric().iter())
        // A counter's gauge field is unset (0) and vice versa.
        .map(|m| m.get_counter().get_value() + m.get_gauge().get_value())
        .sum()
}

/// (sum, count) over all label sets of a histogram in `registry`.
fn histogram(registry: &Registry, name: &str) -> (f64, f64) {
    registry
        .gather()
        .iter()
        .filter(|f| f.name() == name)
        .flat_map(|f| f.get_metric().iter())
        .map(|m| (m.get_histogram().get_sample_sum(), m.get_histogram().get_sample_count() as f64))
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// Nearest-rank percentile of sorted `v` (NaN when empty).
fn pct(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

