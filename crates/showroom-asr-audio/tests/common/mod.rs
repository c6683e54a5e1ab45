//! Shared set-up for the integration tests: real recorded speech fetched once into a cache
//! outside the clone (`$SHOWROOM_CACHE/data`, default `$HOME/.cache/showroom/data`), an Opus RTP
//! sender, a simulated network and a driver that replays it all in simulated time.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use showroom_asr_audio::{AudioFrontEnd, FrontEndConfig, SpeechEvent};

pub const HZ: u32 = 16_000;

/// True (start, end) of each speech region, seconds.
pub type Truth = Vec<(f64, f64)>;

/// `$SHOWROOM_CACHE`, or `$HOME/.cache/showroom`.
pub fn cache_root() -> PathBuf {
    match std::env::var_os("SHOWROOM_CACHE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/showroom"),
    }
}

fn data_dir() -> Result<PathBuf> {
    let dir = cache_root().join("data");
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Moves `from` to `to` unless another test process got there first.
fn publish(from: &Path, to: &Path) -> Result<()> {
    if !to.exists() {
        fs::rename(from, to).or_else(|e| if to.exists() { Ok(()) } else { Err(e) })?;
    }
    Ok(())
}

/// The 11 s JFK inaugural clip (16 kHz mono s16) from the pywhispercpp 1.5.1 sdist on PyPI.
pub fn jfk_wav() -> Result<PathBuf> {
    let data = data_dir()?;
    let wav = data.join("jfk.wav");
    if wav.exists() {
        return Ok(wav);
    }
    let tmp = tempfile::tempdir_in(&data)?;
    let out = Command::new("pip")
        .args([
            "download",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
        ])
        .args(["--no-binary", "pywhispercpp", "pywhispercpp==1.5.1", "-d"])
        .arg(tmp.path())
        .output()
        .context("running pip")?;
    ensure!(
        out.status.success(),
        "pip download: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(tmp.path().join("pywhispercpp-1.5.1.tar.gz"))
        .arg("-C")
        .arg(tmp.path())
        .args(["--wildcards", "*/whisper.cpp/samples/jfk.wav"])
        .status()?;
    ensure!(status.success(), "tar failed");
    let found = find(tmp.path(), "jfk.wav").context("jfk.wav in the sdist")?;
    publish(&found, &wav)?;
    Ok(wav)
}

/// The five LibriVox sentences of Debian's `pocketsphinx-testdata` (16 kHz mono s16), with
/// their transcript file beside them.
pub fn librivox_dir() -> Result<PathBuf> {
    let data = data_dir()?;
    let dir = data.join("librivox");
    if dir.join("transcription").exists() {
        return Ok(dir);
    }
    let tmp = tempfile::tempdir_in(&data)?;
    let download = || {
        Command::new("apt-get")
            .args(["download", "-qq", "pocketsphinx-testdata"])
            .current_dir(tmp.path())
            .output()
    };
    let mut out = download().context("running apt-get download")?;
    if !out.status.success() {
        // A fresh machine may have no package lists yet.
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        out = download()?;
    }
    ensure!(
        out.status.success(),
        "apt-get download: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deb = find(tmp.path(), "pocketsphinx-testdata").context("the .deb")?;
    let root = tmp.path().join("x");
    let status = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&root)
        .status()?;
    ensure!(status.success(), "dpkg-deb -x failed");
    publish(
        &root.join("usr/share/pocketsphinx/test/data/librivox"),
        &dir,
    )?;
    Ok(dir)
}

fn find(dir: &Path, name_prefix: &str) -> Option<PathBuf> {
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let p = entry.path();
        if p.is_dir() {
            if let Some(found) = find(&p, name_prefix) {
                return Some(found);
            }
        } else if p.file_name()?.to_string_lossy().starts_with(name_prefix) {
            return Some(p);
        }
    }
    None
}

/// A 16 kHz mono s16 wav as f32.
pub fn read_wav(path: &Path) -> Result<Vec<f32>> {
    let mut reader = hound::WavReader::open(path).with_context(|| path.display().to_string())?;
    let spec = reader.spec();
    ensure!(
        spec.sample_rate == HZ && spec.channels == 1 && spec.bits_per_sample == 16,
        "{spec:?}"
    );
    Ok(reader
        .samples::<i16>()
        .map(|s| s.map(|s| f32::from(s) / 32768.0))
        .collect::<Result<_, _>>()?)
}

pub fn jfk() -> Result<Vec<f32>> {
    read_wav(&jfk_wav()?)
}

/// One LibriVox sentence by its number (0870, 0880, 0890, 0920, 0930).
pub fn librivox(number: &str) -> Result<Vec<f32>> {
    read_wav(&librivox_dir()?.join(format!("sense_and_sensibility_01_austen_64kb-{number}.wav")))
}

fn frame_levels(x: &[f32]) -> Vec<f32> {
    x.chunks(160)
        .map(|f| 10.0 * (f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32 + 1e-12).log10())
        .collect()
}

/// The clip cut to where it speaks: from the first to the last 10 ms frame within 30 dB of its
/// loudest frame (a fixed rule on clean audio, independent of the VAD under test).
pub fn trim_to_speech(x: &[f32]) -> Vec<f32> {
    let levels = frame_levels(x);
    let max = levels.iter().copied().fold(f32::MIN, f32::max);
    let first = levels.iter().position(|&l| l > max - 30.0).unwrap_or(0);
    let last = levels.iter().rposition(|&l| l > max - 30.0).unwrap_or(0);
    x[first * 160..((last + 1) * 160).min(x.len())].to_vec()
}

pub fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|s| s * s).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

/// A test signal: `lead` s of silence, then each clip followed by its gap of silence.
/// Returns the samples and the true (start, end) of each clip in seconds.
pub fn compose(lead: f64, parts: &[(&[f32], f64)]) -> (Vec<f32>, Truth) {
    let mut out = vec![0.0; (lead * f64::from(HZ)) as usize];
    let mut truth = Vec::new();
    for (clip, gap) in parts {
        let start = out.len() as f64 / f64::from(HZ);
        out.extend_from_slice(clip);
        truth.push((start, out.len() as f64 / f64::from(HZ)));
        out.resize(out.len() + (gap * f64::from(HZ)) as usize, 0.0);
    }
    (out, truth)
}

/// Seeded white noise with the given RMS.
pub fn white_noise(n: usize, rms_level: f32, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let amp = rms_level * 3f32.sqrt(); // uniform in [-a, a] has RMS a/sqrt(3)
    (0..n).map(|_| rng.random_range(-amp..amp)).collect()
}

/// Seeded pink (1/f) noise with the given RMS (Paul Kellet's filter on white noise).
pub fn pink_noise(n: usize, rms_level: f32, seed: u64) -> Vec<f32> {
    let white = white_noise(n, 1.0, seed);
    let mut b = [0.0f32; 7];
    let mut out: Vec<f32> = white
        .iter()
        .map(|&w| {
            b[0] = 0.99886 * b[0] + w * 0.0555179;
            b[1] = 0.99332 * b[1] + w * 0.0750759;
            b[2] = 0.96900 * b[2] + w * 0.153_852;
            b[3] = 0.86650 * b[3] + w * 0.3104856;
            b[4] = 0.55000 * b[4] + w * 0.5329522;
            b[5] = -0.7616 * b[5] - w * 0.0168980;
            let y = b[..6].iter().sum::<f32>() + b[6] + w * 0.5362;
            b[6] = w * 0.115926;
            y
        })
        .collect();
    let scale = rms_level / rms(&out);
    out.iter_mut().for_each(|s| *s *= scale);
    out
}

pub fn mix(into: &mut [f32], other: &[f32], at: usize) {
    for (d, s) in into[at..].iter_mut().zip(other) {
        *d += s;
    }
}

/// 16 kHz → 48 kHz with rubato's own one-shot API (an independent path from the crate's
/// streaming wrapper).
pub fn upsample_48k(x: &[f32]) -> Vec<f32> {
    use rubato::audioadapter_buffers::direct::InterleavedSlice;
    use rubato::{Fft, FixedSync, Resampler};
    let mut rs = Fft::<f32>::new(16_000, 48_000, 1024, 1, FixedSync::Input).unwrap();
    let input = InterleavedSlice::new(x, 1, x.len()).unwrap();
    rs.process_all(&input, x.len(), None).unwrap().take_data()
}

/// One RTP packet as the SFU would hand it over.
#[derive(Debug, Clone)]
pub struct Packet {
    pub seq: u16,
    pub ts: u32,
    pub payload: Vec<u8>,
    /// Send time in seconds from the start (the media time of its first sample).
    pub sent: f64,
}

#[derive(Debug, Clone, Copy)]
pub struct SenderOptions {
    pub first_seq: u16,
    pub first_ts: u32,
    /// Opus DTX: packets the encoder marks as DTX (≤ 2 bytes) are not sent, as browsers do.
    pub dtx: bool,
}

impl Default for SenderOptions {
    fn default() -> Self {
        Self {
            first_seq: 1000,
            first_ts: 123_456,
            dtx: false,
        }
    }
}

/// Encodes 16 kHz audio as 20 ms Opus packets (in-band FEC on) on a 48 kHz RTP clock.
pub fn opus_rtp(x: &[f32], opts: SenderOptions) -> Vec<Packet> {
    let mut enc = opus::Encoder::new(HZ, opus::Channels::Mono, opus::Application::Voip).unwrap();
    enc.set_inband_fec(true).unwrap();
    enc.set_packet_loss_perc(10).unwrap();
    enc.set_dtx(opts.dtx).unwrap();
    let mut out = Vec::new();
    let mut seq = opts.first_seq;
    for (i, frame) in x.chunks(320).enumerate() {
        let mut frame = frame.to_vec();
        frame.resize(320, 0.0);
        let payload = enc.encode_vec_float(&frame, 1500).unwrap();
        let ts = opts.first_ts.wrapping_add(960 * i as u32);
        if opts.dtx && payload.len() <= 2 {
            continue;
        }
        out.push(Packet {
            seq,
            ts,
            payload,
            sent: i as f64 * 0.02,
        });
        seq = seq.wrapping_add(1);
    }
    out
}

/// A seeded network: latency with jitter (reordering), loss, duplicates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Network {
    pub seed: u64,
    pub latency: f64,
    /// Extra delay uniform in [0, jitter) s, which reorders packets closer than it.
    pub jitter: f64,
    pub loss: f64,
    pub duplicate: f64,
}

/// Packets with their arrival times (s), in arrival order.
pub fn deliver(packets: &[Packet], net: Network) -> Vec<(f64, Packet)> {
    let mut rng = StdRng::seed_from_u64(net.seed);
    let mut out = Vec::new();
    for p in packets {
        if rng.random_bool(net.loss) {
            continue;
        }
        let at = p.sent + net.latency + net.jitter * rng.random::<f64>();
        out.push((at, p.clone()));
        if rng.random_bool(net.duplicate) {
            out.push((at + net.jitter * rng.random::<f64>(), p.clone()));
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// An event with the simulated time (s) at which the front-end returned it.
#[derive(Debug, Clone)]
pub struct Timed {
    pub at: f64,
    pub event: SpeechEvent,
}

/// Replays arrivals through `push_rtp`, calling `tick` every 10 ms of simulated time, then
/// `finish`.
pub fn run_rtp(cfg: FrontEndConfig, arrivals: &[(f64, Packet)]) -> (Vec<Timed>, AudioFrontEnd) {
    let mut fe = AudioFrontEnd::new(cfg).unwrap();
    let t0 = Instant::now();
    let at = |s: f64| t0 + Duration::from_secs_f64(s);
    let mut events = Vec::new();
    let end = arrivals.last().map_or(0.0, |a| a.0) + 2.0;
    let mut next = 0;
    let mut t = 0.0;
    while t < end {
        while next < arrivals.len() && arrivals[next].0 <= t {
            let (when, p) = &arrivals[next];
            for e in fe.push_rtp(p.seq, p.ts, &p.payload, at(*when)) {
                events.push(Timed {
                    at: *when,
                    event: e,
                });
            }
            next += 1;
        }
        for e in fe.tick(at(t)) {
            events.push(Timed { at: t, event: e });
        }
        t += 0.01;
    }
    for e in fe.finish() {
        events.push(Timed { at: end, event: e });
    }
    (events, fe)
}

/// Pushes 16 kHz-or-other PCM in 10 ms-ish pieces of odd size, then `finish`.
pub fn run_pcm(cfg: FrontEndConfig, x: &[f32], rate: u32) -> Vec<SpeechEvent> {
    let mut fe = AudioFrontEnd::new(cfg).unwrap();
    let mut events = Vec::new();
    for piece in x.chunks(rate as usize / 100 + 7) {
        events.extend(fe.push_pcm(piece, rate));
    }
    events.extend(fe.finish());
    events
}

pub fn finals(events: &[SpeechEvent]) -> Vec<(f64, f64, u32)> {
    events
        .iter()
        .filter_map(|e| match e {
            SpeechEvent::Final {
                start,
                end,
                lost_ms,
                ..
            } => Some((*start, *end, *lost_ms)),
            SpeechEvent::Partial { .. } => None,
        })
        .collect()
}

pub fn untimed(events: &[Timed]) -> Vec<SpeechEvent> {
    events.iter().map(|t| t.event.clone()).collect()
}

/// Asserts one Final per true region, each boundary within `tol` seconds.
pub fn assert_matches_truth(finals: &[(f64, f64, u32)], truth: &[(f64, f64)], tol: f64) {
    assert_eq!(
        finals.len(),
        truth.len(),
        "finals {finals:?} vs truth {truth:?}"
    );
    for (f, t) in finals.iter().zip(truth) {
        assert!(
            (f.0 - t.0).abs() <= tol && (f.1 - t.1).abs() <= tol,
            "final {f:?} vs truth {t:?} (tolerance {tol} s); all finals {finals:?}"
        );
    }
}

/// The two-sentence test signal: 1 s silence, LibriVox 0880, 2 s silence, LibriVox 0930, 1.5 s.
pub fn two_sentences() -> Result<(Vec<f32>, Truth)> {
    let a = trim_to_speech(&librivox("0880")?);
    let b = trim_to_speech(&librivox("0930")?);
    Ok(compose(1.0, &[(&a, 2.0), (&b, 1.5)]))
}
