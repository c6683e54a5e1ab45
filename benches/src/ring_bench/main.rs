//! Time from a shopper's "Video call" to the agent's ring, on loopback: the widget's requests
//! (`GET /v1/desk/availability`, `POST /v1/calls`) until the `offer` arrives on an agent's desk
//! socket. The shopper then joins and leaves (the ring closes, the agent is free again). The
//! device check in between is the shopper's own time and is left out.
//!
//! `target/release/ring-bench --spawn target/release/showroom --agents 20 --shoppers 300 --concurrency 4`

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use showroom_testkit::SpawnedGateway;
use tokio::sync::{broadcast, Mutex};
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
struct Args {
    /// A `showroom` binary to start on free loopback ports.
    #[arg(long)]
    spawn: Option<std::path::PathBuf>,
    /// Or a running gateway (with demo sign-in on).
    #[arg(long)]
    gateway: Option<String>,
    #[arg(long, default_value_t = 20)]
    agents: usize,
    #[arg(long, default_value_t = 300)]
    shoppers: usize,
    /// Shoppers calling at the same time.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
}

const LANGS: &[&str] = &["en", "es", "de", "fr"];

fn ws_url(base: &str, path: &str) -> String {
    format!("{}{path}", base.replacen("http", "ws", 1))
}

/// Signs an agent in and forwards (call id, arrival) of every ring.
async fn agent(base: &str, i: usize, rings: broadcast::Sender<(String, Instant)>) -> anyhow::Result<()> {
    let url = format!("{base}/v1/desk/token?identity=bench-{i}&languages={}&skills=audio", LANGS[i % LANGS.len()]);
    let token: Value = reqwest::get(url).await?.error_for_status()?.json().await?;
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url(base, "/v1/desk/ws")).await?;
    ws.send(Message::Text(json!({"type": "sign_in", "token": token["token"]}).to_string().into())).await?;
    tokio::spawn(async move {
        while let Some(Ok(m)) = ws.next().await {
            let at = Instant::now();
            let Message::Text(t) = m else { continue };
            let Ok(v) = serde_json::from_str::<Value>(&t) else { continue };
            if v["type"] == "offer" {
                let _ = rings.send((v["call_id"].as_str().unwrap_or_default().to_owned(), at));
            }
        }
    });
    Ok(())
}

/// One shopper: the widget's two requests, the ring, then join and leave.
async fn shopper(http: &reqwest::Client, base: &str, i: usize, rings: &mut broadcast::Receiver<(String, Instant)>) -> anyhow::Result<Duration> {
    let lang = LANGS[i % LANGS.len()];
    let start = Instant::now();
    http.get(format!("{base}/v1/desk/availability?language={lang}")).send().await?.error_for_status()?;
    let created: Value = http
        .post(format!("{base}/v1/calls"))
        .json(&json!({"language": lang, "skill": "audio", "product": {"sku": "B-1", "title": "Bench speaker"}}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let call = created["call_id"].as_str().context("call_id")?.to_owned();
    let rung = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match rings.recv().await {
                Ok((c, at)) if c == call => return Ok(at),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(e) => bail!("ring channel closed: {e}"),
            }
        }
    })
    .await
    .context("no ring within 20 s")??;
    let latency = rung.duration_since(start);
    // Join and leave, so the ring closes and the agent is free for the next shopper.
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url(base, "/v1/signal")).await?;
    ws.send(Message::Text(json!({"v": 1, "type": "auth", "id": "1", "token": created["token"]}).to_string().into())).await?;
    ws.send(Message::Text(json!({"v": 1, "type": "join", "id": "2", "call_id": call}).to_string().into())).await?;
    while let Some(Ok(m)) = ws.next().await {
        if let Message::Text(t) = m
            && t.contains("\"joined\"")
        {
            break;
        }
    }
    ws.send(Message::Text(json!({"v": 1, "type": "leave"}).to_string().into())).await?;
    Ok(latency)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (base, _child) = match (&args.spawn, &args.gateway) {
        (Some(bin), _) => {
            let g = SpawnedGateway::start(bin, &[("SHOWROOM_ASR_ENABLED", "false"), ("SHOWROOM_RECORDING_ENABLED", "false")]).await?;
            (g.gateway.base.clone(), Some(g))
        }
        (None, Some(url)) => (url.trim_end_matches('/').to_owned(), None),
        (None, None) => bail!("give --spawn PATH_TO_SHOWROOM or --gateway URL"),
    };
    let (rings, _) = broadcast::channel(4096);
    for i in 0..args.agents {
        agent(&base, i, rings.clone()).await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let http = reqwest::Client::new();
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (base, http, latencies, next, mut rx, total) = (base.clone(), http.clone(), latencies.clone(), next.clone(), rings.subscribe(), args.shoppers);
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= total {
                        return Ok::<_, anyhow::Error>(());
                    }
                    let l = shopper(&http, &base, i, &mut rx).await?;
                    latencies.lock().await.push(l.as_secs_f64() * 1000.0);
                }
            })
        })
        .collect();
    for w in workers {
        w.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut ms = latencies.lock().await.clone();
    ms.sort_by(f64::total_cmp);
    println!(
        "ring-bench: {} shoppers ({} at a time) over {} agents in {} languages, {elapsed:.1} s\n  click → agent ring: p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        ms.len(),
        args.concurrency,
        args.agents,
        LANGS.len().min(args.agents),
        quantile(&ms, 0.5),
        quantile(&ms, 0.95),
        quantile(&ms, 0.99),
        ms.last().copied().unwrap_or(0.0),
    );
    Ok(())
}
