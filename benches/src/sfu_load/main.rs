//! `sfu-load`: N concurrent 1:1 calls of real WebRTC clients (ICE, DTLS-SRTP) through a gateway
//! process, each party sending Opus-sized audio at 50 packets/s and VP8-packetised video at a set
//! bitrate. Prints forwarded packets/s, gateway CPU-seconds per million forwarded packets,
//! one-way latency through the gateway (p50/p99), loss and gateway RSS per call.
//!
//! The gateway runs in its own process (`--spawn` a `showroom` binary, or `--gateway` + `--pid`
//! for one already running), so its CPU and memory are measured apart from the clients'. Targets
//! other than Showroom plug in behind [`target::Target`].

mod proc_stats;
mod target;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use clap::Parser;
use hdrhistogram::Histogram;
use showroom_testkit::media::{vp8_header_len, AudioSource, VideoSource};
use showroom_testkit::{Kind, PeerEvent};

use target::{Participant, Target};

#[derive(Parser)]
#[command(about = "Load an SFU with N concurrent 1:1 WebRTC calls and print figures")]
struct Args {
    /// Concurrent 1:1 calls (two publishing participants each).
    #[arg(long, default_value_t = 10)]
    calls: usize,
    /// Seconds of measured load after the warm-up.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Seconds of load before measuring (connections settle, keyframes flow).
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// Video bitrate per participant.
    #[arg(long, default_value_t = 1000)]
    video_kbps: usize,
    /// Start this `showroom` binary as the gateway.
    #[arg(long, conflicts_with = "gateway")]
    spawn: Option<std::path::PathBuf>,
    /// Base URL of a running Showroom gateway (with --pid for CPU and memory figures).
    #[arg(long)]
    gateway: Option<String>,
    #[arg(long)]
    pid: Option<u32>,
}

static EPOCH: OnceLock<Instant> = OnceLock::new();

fn now_ns() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Writes the send time into the payload's counter-adjacent bytes (after the codec header).
fn stamp(mut p: showroom_testkit::RtpPacket, header_len: usize) -> showroom_testkit::RtpPacket {
    let mut v = p.payload.to_vec();
    if v.len() >= header_len + 16 {
        v[header_len + 8..header_len + 16].copy_from_slice(&now_ns().to_be_bytes());
    }
    p.payload = bytes::Bytes::from(v);
    p
}

fn stamped_at(payload: &[u8], header_len: usize) -> Option<u64> {
    Some(u64::from_be_bytes(payload.get(header_len + 8..header_len + 16)?.try_into().ok()?))
}

#[derive(Default)]
struct Tally {
    sent: u64,
    received: u64,
    latency_us: Option<Histogram<u64>>,
}

/// Drives one participant: sends media, records what it receives inside the measured window.
async fn drive(mut p: Participant, video_bytes_per_frame: usize, window: (u64, u64), end: Instant, tally: Arc<Mutex<Tally>>) {
    let mut audio = AudioSource::default();
    let mut video = VideoSource::new(150);
    let mut audio_tick = tokio::time::interval(Duration::from_millis(20));
    let mut video_tick = tokio::time::interval(Duration::from_micros(33_333));
    let (mut sent, mut received) = (0u64, 0u64);
    let mut hist = Histogram::<u64>::new(3).expect("valid histogram");
    let in_window = |t: u64| t >= window.0 && t < window.1;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(end.into()) => break,
            _ = audio_tick.tick() => {
                let pkt = stamp(audio.next_packet(), 0);
                if in_window(now_ns()) { sent += 1; }
                p.write(Kind::Audio, pkt);
            }
            _ = video_tick.tick() => {
                for pkt in video.next_frame(video_bytes_per_frame).1 {
                    let hl = vp8_header_len(&pkt.payload);
                    let pkt = stamp(pkt, hl);
                    if in_window(now_ns()) { sent += 1; }
                    p.write(Kind::Video, pkt);
                }
            }
            ev = p.media.recv() => match ev {
                Some(PeerEvent::KeyframeRequested(..)) => video.request_keyframe(),
                Some(PeerEvent::Rtp(r)) => {
                    let hl = if r.kind == Kind::Video { vp8_header_len(&r.packet.payload) } else { 0 };
                    if let Some(at) = stamped_at(&r.packet.payload, hl)
                        && in_window(at) {
                            received += 1;
                            let arrived = r.arrival.duration_since(*EPOCH.get().expect("set")).as_nanos() as u64;
                            let _ = hist.record(arrived.saturating_sub(at) / 1000);
                        }
                }
                None => break,
            },
        }
    }
    let mut t = tally.lock().expect("not poisoned");
    t.sent += sent;
    t.received += received;
    match &mut t.latency_us {
        Some(h) => {
            let _ = h.add(&hist);
        }
        None => t.latency_us = Some(hist),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    EPOCH.get_or_init(Instant::now);
    let target = match (&args.spawn, &args.gateway) {
        (Some(bin), _) => Target::spawn_showroom(bin).await?,
        (None, Some(url)) => Target::showroom(url, args.pid),
        (None, None) => anyhow::bail!("give --spawn PATH_TO_SHOWROOM or --gateway URL"),
    };
    let rss_idle = target.pid().and_then(proc_stats::rss_bytes);
    let video_bytes_per_frame = args.video_kbps * 1000 / 8 / 30;
    eprintln!("setting up {} calls ...", args.calls);
    let setup_started = Instant::now();
    let mut participants = Vec::new();
    // A few calls at a time: set-up is signaling plus two ICE/DTLS handshakes per party.
    for chunk in (0..args.calls).collect::<Vec<_>>().chunks(8) {
        let pairs = futures_util::future::try_join_all(chunk.iter().map(|_| target.call_pair())).await?;
        for (a, b) in pairs {
            participants.push(a);
            participants.push(b);
        }
    }
    eprintln!("{} calls up in {:.1} s; warming up {} s", args.calls, setup_started.elapsed().as_secs_f64(), args.warmup);
    let start_ns = now_ns();
    let window = (start_ns + args.warmup * 1_000_000_000, start_ns + (args.warmup + args.duration) * 1_000_000_000);
    // Run one second past the window so packets sent at its end can arrive.
    let end = Instant::now() + Duration::from_secs(args.warmup + args.duration + 1);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let tasks: Vec<_> =
        participants.into_iter().map(|p| tokio::spawn(drive(p, video_bytes_per_frame, window, end, tally.clone()))).collect();
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    let before = target.snapshot().await?;
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    let after = target.snapshot().await?;
    for t in tasks {
        let _ = t.await;
    }
    let t = tally.lock().expect("not poisoned");
    let secs = after.at.duration_since(before.at).as_secs_f64();
    let forwarded = after.forwarded_packets.saturating_sub(before.forwarded_packets);
    let pps = forwarded as f64 / secs;
    println!("== sfu-load: {} calls ({} participants), {} s measured, video {} kbit/s ==", args.calls, args.calls * 2, args.duration, args.video_kbps);
    println!("forwarded packets/s            {pps:>12.0}");
    if let (Some(c0), Some(c1)) = (before.cpu_seconds, after.cpu_seconds) {
        let cpu = c1 - c0;
        println!("gateway CPU                    {:>12.2} cores", cpu / secs);
        if forwarded > 0 {
            println!("gateway CPU-s per M forwarded  {:>12.2}", cpu / (forwarded as f64 / 1e6));
            println!("forwarded packets/s per core   {:>12.0}", forwarded as f64 / cpu.max(1e-9));
        }
    }
    if let Some(h) = &t.latency_us {
        println!(
            "one-way client→client latency  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({} samples)",
            h.value_at_quantile(0.5) as f64 / 1000.0,
            h.value_at_quantile(0.99) as f64 / 1000.0,
            h.max() as f64 / 1000.0,
            h.len()
        );
    }
    let q = |p| target::bucket_quantile(&before.processing_buckets, &after.processing_buckets, p).map(|s| s * 1000.0);
    if let (Some(p50), Some(p99)) = (q(0.5), q(0.99)) {
        println!("added by gateway (per datagram) p50 {p50:.3} ms  p99 {p99:.3} ms  (from its processing histogram)");
    }
    let loss = if t.sent > 0 { 1.0 - t.received as f64 / t.sent as f64 } else { 0.0 };
    println!("loss                           {:>11.3} %  ({} sent, {} received)", loss * 100.0, t.sent, t.received);
    if let (Some(idle), Some(busy)) = (rss_idle, after.rss_bytes) {
        println!("gateway RSS                    {:>9.1} MiB idle, {:.1} MiB loaded", idle as f64 / 1048576.0, busy as f64 / 1048576.0);
        println!("RSS per call                   {:>12.1} KiB", busy.saturating_sub(idle) as f64 / 1024.0 / args.calls as f64);
    }
    Ok(())
}
