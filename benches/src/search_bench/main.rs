//! Transcript search benchmark: builds an archive of `--calls` calls × `--segments` segments
//! (synthetic support talk with a Zipf word distribution), then prints ingest rate and search
//! latency p50/p95/max for word, phrase, prefix, boolean and filtered queries.
//!
//! `target/release/search-bench --calls 10000 --segments 100` (≈1 M segments) on the embedded
//! default (SQLite file); `--database-url postgres://…` runs it on PostgreSQL.

use std::time::Instant;

use anyhow::Result;
use chrono::{TimeDelta, TimeZone, Utc};
use clap::Parser;
use hdrhistogram::Histogram;
use showroom_store::*;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    calls: usize,
    #[arg(long, default_value_t = 100)]
    segments: usize,
    /// Queries per kind.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Default: a fresh SQLite file in a temporary directory.
    #[arg(long)]
    database_url: Option<String>,
}

/// Words of support talk; the rest of the vocabulary is generated, so there is a long tail.
const COMMON: &[&str] = &[
    "the", "i", "you", "a", "to", "and", "it", "is", "my", "for", "can", "order", "please", "yes", "that", "this",
    "have", "we", "your", "of", "on", "with", "be", "will", "size", "refund", "return", "shoes", "delivery",
    "number", "thank", "help", "package", "card", "payment", "address", "shipping", "days", "week", "store",
    "exchange", "color", "jacket", "bag", "damaged", "wrong", "missing", "tracking", "voucher", "discount",
    "account", "email", "phone", "cancel", "invoice", "warranty", "courier", "label", "box", "price",
];
const AGENTS: usize = 40;
const TEAMS: &[&str] = &["returns", "sales", "vip", "billing"];
const LANGS: &[&str] = &["en", "de", "es", "fr", "ja"];

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Zipf-like rank in 0..n (s ≈ 1): rare words are rare.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) - 1.0) as usize
    }
}

fn word(rank: usize) -> String {
    match COMMON.get(rank) {
        Some(w) => (*w).to_owned(),
        // Pronounceable made-up words: "bokari", "tesumo", …
        None => {
            let syll = ["ba", "ko", "ri", "te", "su", "mo", "na", "li", "pe", "zu", "ga", "do"];
            let mut r = rank;
            let mut w = String::new();
            while r > 0 {
                w.push_str(syll[r % syll.len()]);
                r /= syll.len();
            }
            w
        }
    }
}

fn sentence(rng: &mut Rng) -> String {
    let n = 6 + rng.below(14);
    (0..n).map(|_| word(rng.zipf(20_000))).collect::<Vec<_>>().join(" ")
}

fn t0() -> Ts {
    Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap()
}

async fn ingest(store: &Store, args: &Args) -> Result<()> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    let mut live = Histogram::<u64>::new(3)?;
    for c in 0..args.calls {
        let id = CallId(format!("call-{c:06}"));
        let created = t0() + TimeDelta::minutes(c as i64 * 13);
        store
            .create_call(&NewCall {
                id: id.clone(),
                tenant: TenantId::from("shop"),
                shopper_id: None,
                shopper_name: None,
                agent: Some(AgentId(format!("agent-{}", c % AGENTS))),
                team: Some(TEAMS[c % TEAMS.len()].into()),
                product: ProductContext { sku: Some(format!("SKU-{}", c % 300)), title: None, url: None },
                language: Some(LANGS[c % LANGS.len()].into()),
                node: None,
                created_at: created,
            })
            .await?;
        let segments: Vec<Segment> = (0..args.segments)
            .map(|n| {
                let who = ParticipantId(format!("{}-{}", id.0, if n % 2 == 0 { "customer" } else { "agent" }));
                Segment {
                    call: id.clone(),
                    key: UtteranceKey::for_utterance(&who, n as u64),
                    participant: who,
                    role: if n % 2 == 0 { Role::Customer } else { Role::Agent },
                    start_s: n as f64 * 4.0,
                    end_s: n as f64 * 4.0 + 3.5,
                    text: sentence(&mut rng),
                    language: None,
                    confidence: Some(0.9),
                    status: SegmentStatus::Final,
                    redacted: false,
                }
            })
            .collect();
        if c < 20 {
            // The live path: one segment at a time, each committed (and fsync'd) on its own.
            for s in &segments {
                let t = Instant::now();
                store.append_segment(s).await?;
                live.record(t.elapsed().as_micros() as u64)?;
            }
        } else {
            store.append_segments(&segments).await?;
        }
        store.index_call(&id, created + TimeDelta::minutes(10)).await?;
        if c % 20 == 19 {
            store
                .put_score(&Score {
                    call: id.clone(),
                    rubric: "support".into(),
                    rubric_version: "1".into(),
                    score: (c % 100) as f64,
                    passed: c % 100 >= 60,
                    criteria: serde_json::json!([{"id": "greeting", "verdict": if c % 3 == 0 { "fail" } else { "pass" }}]),
                    scored_at: created,
                })
                .await?;
        }
        if c > 0 && c % 1000 == 0 {
            eprintln!("  {c} calls in {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let total = (args.calls * args.segments) as f64;
    println!(
        "ingest: {} calls, {} segments in {secs:.1} s: {:.0} segments/s (batch per call, indexed); \
         live single-segment append p50 {:.2} ms p95 {:.2} ms",
        args.calls,
        total as u64,
        total / secs,
        live.value_at_quantile(0.5) as f64 / 1000.0,
        live.value_at_quantile(0.95) as f64 / 1000.0,
    );
    Ok(())
}

fn queries(kind: &str, rng: &mut Rng) -> SearchQuery {
    let mut q = SearchQuery::new("shop", "");
    let rare = |rng: &mut Rng| word(200 + rng.below(5000));
    q.text = match kind {
        "word (common)" => word(11 + rng.below(40)),
        "word (rare)" => rare(rng),
        "phrase" => format!("\"{} {}\"", word(11 + rng.below(30)), word(rng.below(60))),
        "prefix" => {
            let w = word(11 + rng.below(40));
            format!("{}*", &w[..w.len().min(3)])
        }
        "boolean" => format!("({} OR {}) -{}", rare(rng), rare(rng), word(20 + rng.below(20))),
        "filtered" => {
            q.agent = Some(format!("agent-{}", rng.below(AGENTS)));
            q.from = Some(t0() + TimeDelta::days(rng.below(60) as i64));
            q.to = q.from.map(|f| f + TimeDelta::days(30));
            word(11 + rng.below(40))
        }
        "filters only" => {
            q.team = Some(TEAMS[rng.below(TEAMS.len())].into());
            q.failed_criterion = Some("greeting".into());
            q.sort = SearchSort::ScoreAsc;
            String::new()
        }
        _ => unreachable!(),
    };
    q
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()));
    let store = Store::open(&StoreConfig::for_url(url.clone())).await?;
    println!("search-bench on {:?}: {} calls × {} segments", store.engine(), args.calls, args.segments);
    ingest(&store, &args).await?;

    let kinds = ["word (common)", "word (rare)", "phrase", "prefix", "boolean", "filtered", "filters only"];
    let mut all = Histogram::<u64>::new(3)?;
    let mut rng = Rng(42);
    // Warm the page cache the way a running server is warm.
    for k in kinds {
        store.search(&queries(k, &mut rng)).await?;
    }
    println!("{:<15} {:>8} {:>8} {:>8} {:>10}", "query", "p50 ms", "p95 ms", "max ms", "avg hits");
    for k in kinds {
        let mut h = Histogram::<u64>::new(3)?;
        let mut hits = 0u64;
        for _ in 0..args.queries {
            let q = queries(k, &mut rng);
            let t = Instant::now();
            let page = store.search(&q).await?;
            let us = t.elapsed().as_micros() as u64;
            h.record(us)?;
            all.record(us)?;
            hits += page.total;
        }
        println!(
            "{k:<15} {:>8.2} {:>8.2} {:>8.2} {:>10.0}",
            h.value_at_quantile(0.5) as f64 / 1000.0,
            h.value_at_quantile(0.95) as f64 / 1000.0,
            h.max() as f64 / 1000.0,
            hits as f64 / args.queries as f64
        );
    }
    println!(
        "{:<15} {:>8.2} {:>8.2} {:>8.2}",
        "all",
        all.value_at_quantile(0.5) as f64 / 1000.0,
        all.value_at_quantile(0.95) as f64 / 1000.0,
        all.max() as f64 / 1000.0
    );
    store.close().await;
    Ok(())
}
