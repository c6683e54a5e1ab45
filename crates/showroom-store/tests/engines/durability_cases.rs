//! "Nothing lost": the live path writes through `LiveSink` while its database goes away and
//! comes back. Every case runs on both engines; PostgreSQL cases stop a real server of their own.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use showroom_store::spool::{REJECTED_FILE, SPOOL_FILE, Spool};
use showroom_store::*;

use crate::data::{keys, new_call, participant, segment, t};
use crate::fixture::{Env, Outage};

fn seg(n: u64) -> LiveWrite {
    let who = if n.is_multiple_of(2) {
        "shopper"
    } else {
        "agent"
    };
    LiveWrite::Segment {
        segment: segment("live", who, n),
    }
}

fn start_of_call() -> Vec<LiveWrite> {
    vec![
        LiveWrite::CallCreated {
            call: new_call("live", "shop", t(0)),
        },
        LiveWrite::ParticipantJoined {
            participant: participant("live", "shopper", Role::Customer, t(0)),
        },
        LiveWrite::ParticipantJoined {
            participant: participant("live", "agent", Role::Agent, t(4)),
        },
        LiveWrite::CallAnswered {
            call: CallId::from("live"),
            answer: Answer {
                agent: AgentId::from("agent-1"),
                team: None,
                at: t(4),
            },
        },
    ]
}

fn expected_keys(ns: impl IntoIterator<Item = u64>) -> Vec<String> {
    ns.into_iter()
        .map(|n| {
            format!(
                "{}:{n}",
                if n.is_multiple_of(2) {
                    "shopper"
                } else {
                    "agent"
                }
            )
        })
        .collect()
}

/// The segments of call "live" in insertion (id) order.
async fn stored_in_insertion_order(store: &Store) -> Result<Vec<String>> {
    let mut segments = store.list_segments(&CallId::from("live")).await?;
    segments.sort_by_key(|s| s.id);
    Ok(keys(&segments))
}

fn spool_lines(env: &Env) -> usize {
    std::fs::read_to_string(env.dir.path().join("spool").join(SPOOL_FILE))
        .map_or(0, |s| s.lines().count())
}

pub async fn outage_mid_call_loses_nothing(env: Env) -> Result<()> {
    let mut db = env.outage_db(Outage::MidCall).await?;
    let config = env.config(db.url());
    let sink = LiveSink::open(&config).await?;
    for w in start_of_call().into_iter().chain((0..3).map(seg)) {
        assert_eq!(sink.write(w).await?, Written::Stored);
    }

    db.down().await?;
    // Segments 3..10 arrive during the outage, plus repeats of a stored and of a spooled one.
    let during: Vec<LiveWrite> = (3..6)
        .map(seg)
        .chain([seg(1), seg(4)])
        .chain((6..10).map(seg))
        .collect();
    for w in during {
        assert_eq!(sink.write(w).await?, Written::Spooled);
    }
    sink.write(LiveWrite::CallEnded {
        call: CallId::from("live"),
        at: t(120),
    })
    .await?;
    assert_eq!(sink.status().pending, 10);
    assert!(!sink.status().connected);
    assert_eq!(spool_lines(&env), 10);

    let report = sink.flush().await?;
    assert_eq!(
        (report.replayed, report.pending),
        (0, 10),
        "still down: {report:?}"
    );

    db.up().await?;
    let report = sink.flush().await?;
    assert_eq!(
        report,
        FlushReport {
            replayed: 10,
            rejected: 0,
            pending: 0
        }
    );
    assert_eq!(spool_lines(&env), 0);
    let status = sink.status();
    assert!(
        status.connected && status.pending == 0 && status.spooled_total == 10,
        "{status:?}"
    );

    let store = Store::open(&config).await?;
    assert_eq!(
        stored_in_insertion_order(&store).await?,
        expected_keys(0..10),
        "each once, in order"
    );
    let call = store
        .get_call(&CallId::from("live"))
        .await?
        .context("call")?;
    assert_eq!(
        (call.status, call.ended_at),
        (CallStatus::Ended, Some(t(120)))
    );

    // Back to writing straight through.
    assert_eq!(sink.write(seg(10)).await?, Written::Stored);
    assert_eq!(
        stored_in_insertion_order(&store).await?,
        expected_keys(0..11)
    );
    Ok(())
}

pub async fn restart_replays_the_spool(env: Env) -> Result<()> {
    let mut db = env.outage_db(Outage::AtStart).await?;
    let config = env.config(db.url());
    {
        let sink = LiveSink::open(&config).await?;
        assert!(!sink.status().connected);
        for w in start_of_call().into_iter().chain((0..6).map(seg)) {
            assert_eq!(sink.write(w).await?, Written::Spooled);
        }
        sink.write(LiveWrite::CallEnded {
            call: CallId::from("live"),
            at: t(90),
        })
        .await?;
        // The process stops here with 11 records spooled.
    }
    assert_eq!(spool_lines(&env), 11);

    db.up().await?;
    // As if an earlier replay had stored a few records and crashed before trimming the spool.
    let store = Store::open(&config).await?;
    store.create_call(&new_call("live", "shop", t(0))).await?;
    store.append_segment(&segment("live", "shopper", 2)).await?;

    let sink = LiveSink::open(&config).await?;
    let status = sink.status();
    assert_eq!(
        (status.pending, status.replayed_total, status.rejected_total),
        (0, 11, 0),
        "{status:?}"
    );
    assert!(status.connected);
    assert_eq!(spool_lines(&env), 0);

    let mut expected = expected_keys(0..6);
    expected.retain(|k| k != "shopper:2");
    expected.insert(0, "shopper:2".into());
    assert_eq!(
        stored_in_insertion_order(&store).await?,
        expected,
        "each once; replay order for the rest"
    );
    assert_eq!(
        store.list_participants(&CallId::from("live")).await?.len(),
        2
    );
    let call = store
        .get_call(&CallId::from("live"))
        .await?
        .context("call")?;
    assert_eq!(
        (call.status, call.agent),
        (CallStatus::Ended, Some(AgentId::from("agent-1")))
    );
    Ok(())
}

pub async fn driver_drains_the_spool(env: Env) -> Result<()> {
    let mut db = env.outage_db(Outage::MidCall).await?;
    let config = env.config(db.url());
    let sink = LiveSink::open(&config).await?;
    sink.write(start_of_call().remove(0)).await?;
    db.down().await?;
    for n in 0..5 {
        assert_eq!(sink.write(seg(n)).await?, Written::Spooled);
    }
    let driver = sink.spawn_driver();
    db.up().await?;
    let mut status = sink.subscribe();
    tokio::time::timeout(
        Duration::from_secs(30),
        status.wait_for(|s| s.pending == 0 && s.connected),
    )
    .await
    .context("the driver did not drain the spool within 30 s")??;
    driver.abort();
    let store = sink.store().await.context("connected")?;
    assert_eq!(
        stored_in_insertion_order(&store).await?,
        expected_keys(0..5)
    );
    Ok(())
}

pub async fn refused_records_are_set_aside(env: Env) -> Result<()> {
    let url = env.fresh_url().await?;
    let config = env.config(&url);
    let store = Store::open(&config).await?;
    store.create_call(&new_call("live", "shop", t(0))).await?;

    // A spool left by an earlier run: one record for a call the database never got, and a line
    // another version wrote, among good ones.
    let mut spool = Spool::open(&config.spool_dir())?;
    spool.append(&seg(0))?;
    spool.append(&LiveWrite::Segment {
        segment: segment("ghost", "shopper", 0),
    })?;
    spool.append(&serde_json::json!({ "op": "from_the_future" }))?;
    spool.append(&seg(1))?;
    drop(spool);

    let sink = LiveSink::open(&config).await?;
    let status = sink.status();
    assert_eq!(
        (status.pending, status.replayed_total, status.rejected_total),
        (0, 2, 2),
        "{status:?}"
    );
    assert_eq!(
        stored_in_insertion_order(&store).await?,
        expected_keys(0..2)
    );

    // A refused direct write is reported and set aside too.
    let err = sink
        .write(LiveWrite::Segment {
            segment: segment("ghost", "agent", 1),
        })
        .await;
    assert!(matches!(err, Err(StoreError::CallNotFound(_))), "{err:?}");
    let rejected = std::fs::read_to_string(config.spool_dir().join(REJECTED_FILE))?;
    let lines: Vec<serde_json::Value> = rejected
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    ensure!(lines.len() == 3, "{rejected}");
    // Unreadable lines are set aside first, then what the database refused, in spool order.
    assert_eq!(lines[0]["record"]["op"], "from_the_future");
    assert_eq!(lines[1]["record"]["segment"]["call"], "ghost");
    assert_eq!(lines[2]["record"]["segment"]["key"], "agent:1");
    assert!(
        lines
            .iter()
            .all(|l| l["error"].as_str().is_some_and(|e| !e.is_empty()))
    );
    Ok(())
}

/// A call ends while the database is away: its conclusion (metrics, overlaps, score, search
/// index) waits in the spool behind its segments and lands once, complete, when it returns.
pub async fn conclusion_during_an_outage_is_kept(env: Env) -> Result<()> {
    let mut db = env.outage_db(Outage::MidCall).await?;
    let config = env.config(db.url());
    let sink = LiveSink::open(&config).await?;
    for w in start_of_call().into_iter().chain((0..2).map(seg)) {
        sink.write(w).await?;
    }
    db.down().await?;
    let call = CallId::from("live");
    let mut last = segment("live", "agent", 3);
    last.text = "your refund is on its way".into();
    let concluded = LiveWrite::Concluded {
        call: call.clone(),
        metrics: serde_json::json!({"talk_share_agent": 0.4}),
        events: vec![InsightEvent {
            call: call.clone(),
            kind: "interruption".into(),
            party: Role::Agent,
            onset_s: 2.0,
            duration_s: 1.1,
            details: serde_json::json!({}),
        }],
        score: Some(Score {
            call: call.clone(),
            rubric: "support".into(),
            rubric_version: "1".into(),
            score: 80.0,
            passed: true,
            criteria: serde_json::json!([{"id": "greeting", "verdict": "pass"}]),
            scored_at: t(130),
        }),
        at: t(130),
    };
    for w in [LiveWrite::Segment { segment: last }, LiveWrite::CallEnded { call: call.clone(), at: t(120) }, concluded.clone(), concluded] {
        ensure!(sink.write(w).await? == Written::Spooled);
    }
    db.up().await?;
    let report = sink.flush().await?;
    ensure!(report.pending == 0 && report.rejected == 0, "{report:?}");

    let store = Store::open(&config).await?;
    ensure!(store.get_metrics(&call).await?.is_some(), "metrics");
    ensure!(store.list_insight_events(&call).await?.len() == 1, "one overlap, replayed twice");
    ensure!(store.list_scores(&call).await?.len() == 1, "score");
    // The index was built after the last segment: its words find the call.
    let page = store.search(&SearchQuery::new("shop", "refund")).await?;
    ensure!(page.total == 1 && page.hits[0].call.id == call, "{page:?}");
    Ok(())
}
