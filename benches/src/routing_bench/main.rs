//! Routing decisions per second: `route` over a snapshot of `--calls` waiting shoppers and
//! `--agents` agents (5 languages, 8 skills, 20 % VIP, a fifth of the agents available).
//!
//! `target/release/routing-bench --calls 10000 --agents 1000`

use std::collections::BTreeSet;
use std::time::Instant;

use clap::Parser;
use showroom_routing::{positions, route, Agent, RoutingConfig, Snapshot, WaitingCall};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    calls: usize,
    #[arg(long, default_value_t = 1_000)]
    agents: usize,
    #[arg(long, default_value_t = 20)]
    rounds: usize,
}

const LANGS: &[&str] = &["en", "de", "es", "fr", "ja"];
const SKILLS: &[&str] = &["shoes", "bags", "coats", "watches", "toys", "tea", "books", "audio"];

fn main() {
    let args = Args::parse();
    let calls: Vec<WaitingCall> = (0..args.calls)
        .map(|i| WaitingCall {
            id: format!("c{i}"),
            tenant: "shop".into(),
            language: LANGS[i % LANGS.len()].into(),
            skill: Some(SKILLS[(i * 7) % SKILLS.len()].into()),
            vip: i % 5 == 0,
            since_s: (i % 600) as f64,
            declined_by: BTreeSet::new(),
            offered: false,
        })
        .collect();
    let agents: Vec<Agent> = (0..args.agents)
        .map(|i| Agent {
            id: format!("a{i}"),
            tenant: "shop".into(),
            languages: vec![LANGS[i % LANGS.len()].into(), "en".into()],
            skills: vec![SKILLS[i % SKILLS.len()].into(), SKILLS[(i + 3) % SKILLS.len()].into()],
            available: i % 5 == 0,
            idle_since_s: (i % 300) as f64,
        })
        .collect();
    let snapshot = Snapshot { now_s: 700.0, calls, agents };
    let cfg = RoutingConfig::default();
    let mut times = Vec::new();
    let mut offers = 0;
    for _ in 0..args.rounds {
        let t = Instant::now();
        offers = route(&snapshot, &cfg).len();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let p50 = times[times.len() / 2];
    println!(
        "route() over {} waiting calls and {} agents ({} available): {offers} offers per decision; \
         p50 {:.1} ms, max {:.1} ms per decision → {:.0} decisions/s",
        args.calls,
        args.agents,
        args.agents / 5,
        p50 * 1e3,
        times.last().unwrap() * 1e3,
        1.0 / p50
    );
    // What the desk also does every tick: every waiting shopper's place in line.
    let mut times = Vec::new();
    for _ in 0..args.rounds {
        let t = Instant::now();
        std::hint::black_box(positions(&snapshot, &cfg));
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!("positions() for all {} waiting calls: p50 {:.1} ms, max {:.1} ms", args.calls, times[times.len() / 2] * 1e3, times.last().unwrap() * 1e3);
}
