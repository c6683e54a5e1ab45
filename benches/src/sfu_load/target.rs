//! What the load generator drives. Showroom today; another SFU (Janus VideoRoom) is a new
//! variant with its own `call_pair` and `snapshot`, the rest of the generator unchanged.

use std::path::Path;
use std::time::Instant;

use showroom_testkit::{CallClient, Gateway, Kind, SpawnedGateway};

use crate::proc_stats;

/// A participant the generator drives: it publishes through `write` and receives on `media`.
pub type Participant = CallClient;

pub enum Target {
    /// `_process`: the gateway, when the generator started it; held only to stop it on drop.
    Showroom { gateway: Gateway, pid: Option<u32>, _process: Option<SpawnedGateway> },
}

/// Gateway counters at one instant.
pub struct Snapshot {
    pub at: Instant,
    pub forwarded_packets: u64,
    pub cpu_seconds: Option<f64>,
    pub rss_bytes: Option<u64>,
    /// Cumulative histogram of the gateway's per-datagram processing time: (upper bound s, count).
    pub processing_buckets: Vec<(f64, u64)>,
}

/// Quantile of the difference of two cumulative Prometheus histograms, interpolated linearly
/// inside the bucket it falls in.
pub fn bucket_quantile(before: &[(f64, u64)], after: &[(f64, u64)], q: f64) -> Option<f64> {
    let counts: Vec<(f64, u64)> =
        after.iter().zip(before).map(|((le, a), (_, b))| (*le, a.saturating_sub(*b))).collect();
    let total = counts.iter().find(|(le, _)| le.is_infinite())?.1;
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let (mut lower, mut below) = (0.0, 0u64);
    for (le, cum) in counts {
        if cum as f64 >= rank {
            if le.is_infinite() {
                return Some(lower);
            }
            let in_bucket = (cum - below) as f64;
            let frac = if in_bucket > 0.0 { (rank - below as f64) / in_bucket } else { 1.0 };
            return Some(lower + (le - lower) * frac);
        }
        (lower, below) = (le, cum);
    }
    None
}

fn parse_buckets(metrics: &str, name: &str) -> Vec<(f64, u64)> {
    let prefix = format!("{name}_bucket{{le=\"");
    metrics
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&prefix)?;
            let (le, count) = rest.split_once("\"} ")?;
            let le = if le == "+Inf" { f64::INFINITY } else { le.parse().ok()? };
            Some((le, count.trim().parse::<f64>().ok()? as u64))
        })
        .collect()
}

impl Target {
    pub fn showroom(url: &str, pid: Option<u32>) -> Target {
        Target::Showroom { gateway: Gateway::from_base(url), pid, _process: None }
    }

    /// Starts `bin serve` on free loopback ports and waits for `/healthz`.
    pub async fn spawn_showroom(bin: &Path) -> anyhow::Result<Target> {
        let spawned = SpawnedGateway::start(bin, &[]).await?;
        Ok(Target::Showroom { gateway: spawned.gateway.clone(), pid: Some(spawned.pid()), _process: Some(spawned) })
    }

    pub fn pid(&self) -> Option<u32> {
        match self {
            Target::Showroom { pid, .. } => *pid,
        }
    }

    /// One call: both parties connected and publishing audio and video.
    pub async fn call_pair(&self) -> anyhow::Result<(Participant, Participant)> {
        match self {
            Target::Showroom { gateway, .. } => {
                let (mut a, mut b, _) = gateway.call_pair().await?;
                let (ra, rb) = tokio::join!(a.publish(&[Kind::Audio, Kind::Video]), b.publish(&[Kind::Audio, Kind::Video]));
                ra?;
                rb?;
                Ok((a, b))
            }
        }
    }

    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        match self {
            Target::Showroom { gateway, pid, .. } => {
                let metrics = gateway.get_text("/metrics").await?;
                let forwarded_packets = metrics
                    .lines()
                    .filter(|l| l.starts_with("showroom_sfu_forwarded_packets_total"))
                    .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                    .sum::<f64>() as u64;
                Ok(Snapshot {
                    processing_buckets: parse_buckets(&metrics, "showroom_sfu_datagram_processing_seconds"),
                    at: Instant::now(),
                    forwarded_packets,
                    cpu_seconds: pid.and_then(proc_stats::cpu_seconds),
                    rss_bytes: pid.and_then(proc_stats::rss_bytes),
                })
            }
        }
    }
}
