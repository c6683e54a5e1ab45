//! The store's interface, case by case; every case runs on both engines.

use anyhow::{Result, ensure};
use serde_json::json;
use showroom_store::*;

use crate::data::{keys, new_call, participant, segment, t};
use crate::fixture::{Env, raw_execute};

pub async fn round_trip_every_table(env: Env) -> Result<()> {
    let store = env.store().await?;
    let c = CallId::from("call-1");

    // A timestamp with nanoseconds comes back truncated to microseconds, the same on both.
    let mut nc = new_call(
        "call-1",
        "shop-a",
        t(0) + chrono::TimeDelta::nanoseconds(789),
    );
    nc.team = Some("returns".into());
    assert!(store.create_call(&nc).await?);
    let mut expected = Call {
        id: c.clone(),
        tenant: nc.tenant.clone(),
        shopper_id: nc.shopper_id.clone(),
        shopper_name: nc.shopper_name.clone(),
        agent: None,
        team: Some("returns".into()),
        product: nc.product.clone(),
        language: nc.language.clone(),
        node: nc.node.clone(),
        created_at: t(0),
        answered_at: None,
        ended_at: None,
        status: CallStatus::Ringing,
    };
    assert_eq!(store.get_call(&c).await?, Some(expected.clone()));

    store
        .mark_answered(
            &c,
            &Answer {
                agent: AgentId::from("agent-9"),
                team: None,
                at: t(12),
            },
        )
        .await?;
    expected.agent = Some(AgentId::from("agent-9"));
    expected.answered_at = Some(t(12));
    expected.status = CallStatus::Answered;
    assert_eq!(store.get_call(&c).await?, Some(expected.clone()));
    store.end_call(&c, t(300)).await?;
    expected.ended_at = Some(t(300));
    expected.status = CallStatus::Ended;
    assert_eq!(store.get_call(&c).await?, Some(expected.clone()));
    assert_eq!(store.get_call(&CallId::from("nope")).await?, None);

    let shopper = participant("call-1", "shopper-p", Role::Customer, t(0));
    let mut agent = participant("call-1", "agent-p", Role::Agent, t(12));
    let mut supervisor = participant("call-1", "sup-p", Role::Supervisor, t(40));
    supervisor.display_name = None;
    for p in [&shopper, &agent, &supervisor] {
        assert!(store.add_participant(p).await?);
    }
    assert!(
        store
            .participant_left(&c, &agent.participant, t(299))
            .await?
    );
    agent.left_at = Some(t(299));
    assert_eq!(
        store.list_participants(&c).await?,
        vec![shopper, agent, supervisor]
    );

    let spoken = segment("call-1", "shopper-p", 1);
    let mut missing = segment("call-1", "agent-p", 2);
    missing.text = String::new();
    missing.confidence = None;
    missing.language = None;
    missing.status = SegmentStatus::NotTranscribed {
        reason: "recognizer overloaded".into(),
    };
    let mut redacted = segment("call-1", "shopper-p", 3);
    redacted.text = "my card is [CARD]".into();
    redacted.redacted = true;
    for s in [&redacted, &spoken, &missing] {
        assert!(store.append_segment(s).await?);
    }
    let stored = store.list_segments(&c).await?;
    let segments: Vec<_> = stored.iter().map(|s| s.segment.clone()).collect();
    assert_eq!(
        segments,
        vec![spoken, missing, redacted.clone()],
        "ordered by start time"
    );
    ensure!(
        stored[2].id < stored[0].id,
        "ids follow insertion order: {stored:?}"
    );

    let events = vec![
        InsightEvent {
            call: c.clone(),
            kind: "interruption".into(),
            party: Role::Agent,
            onset_s: 31.5,
            duration_s: 1.25,
            details: json!({ "over": "customer", "words": ["sorry", "I"], "took_turn": true }),
        },
        InsightEvent {
            call: c.clone(),
            kind: "backchannel".into(),
            party: Role::Customer,
            onset_s: 7.0,
            duration_s: 0.25,
            details: json!({}),
        },
    ];
    store.add_insight_events(&events).await?;
    assert_eq!(
        store.list_insight_events(&c).await?,
        vec![events[1].clone(), events[0].clone()]
    );

    assert_eq!(store.get_metrics(&c).await?, None);
    store
        .put_metrics(
            &c,
            &json!({ "talk_share": { "agent": 0.4 }, "interruptions": 1 }),
        )
        .await?;
    let metrics = json!({ "talk_share": { "agent": 0.55, "customer": 0.45 }, "interruptions": 2 });
    store.put_metrics(&c, &metrics).await?;
    assert_eq!(store.get_metrics(&c).await?, Some(metrics));

    let score = Score {
        call: c.clone(),
        rubric: "ecommerce".into(),
        rubric_version: "3".into(),
        score: 87.5,
        passed: true,
        criteria: json!([{ "id": "greeting", "verdict": "pass", "evidence": { "quote": "hola", "at_s": 1.2 } }]),
        scored_at: t(301),
    };
    store.put_score(&score).await?;
    assert_eq!(store.list_scores(&c).await?, vec![score]);

    let o = ReviewerOverride {
        call: c.clone(),
        criterion: "greeting".into(),
        verdict: Verdict::NotApplicable,
        comment: "transfer from another agent; greeting happened earlier".into(),
        reviewer: ReviewerId::from("rev-1"),
        at: t(900),
    };
    store.add_override(&o).await?;
    assert_eq!(store.list_overrides(&c).await?, vec![o]);

    let read = AuditEntry {
        actor: "rev-1".into(),
        role: "reviewer".into(),
        action: "call.read".into(),
        call: Some(c.clone()),
        at: t(899),
    };
    let login = AuditEntry {
        actor: "adm".into(),
        role: "admin".into(),
        action: "login".into(),
        call: None,
        at: t(1),
    };
    store.append_audit(&read).await?;
    store.append_audit(&login).await?;
    assert_eq!(store.list_audit(&c).await?, vec![read]);
    Ok(())
}

pub async fn lifecycle_writes_are_idempotent(env: Env) -> Result<()> {
    let store = env.store().await?;
    let c = CallId::from("c");
    assert!(store.create_call(&new_call("c", "shop", t(0))).await?);
    let mut again = new_call("c", "other-shop", t(5));
    again.node = Some("node-b".into());
    assert!(
        !store.create_call(&again).await?,
        "second create is a no-op"
    );

    let first = Answer {
        agent: AgentId::from("a1"),
        team: Some("sales".into()),
        at: t(3),
    };
    store.mark_answered(&c, &first).await?;
    store
        .mark_answered(
            &c,
            &Answer {
                agent: AgentId::from("a2"),
                team: Some("support".into()),
                at: t(4),
            },
        )
        .await?;
    store.end_call(&c, t(60)).await?;
    store.end_call(&c, t(61)).await?;
    let call = store.get_call(&c).await?.expect("stored");
    assert_eq!(call.tenant, TenantId::from("shop"));
    assert_eq!(call.node.as_deref(), Some("node-a"));
    assert_eq!(
        (call.agent, call.team),
        (Some(AgentId::from("a1")), Some("sales".into()))
    );
    assert_eq!(
        (call.answered_at, call.ended_at, call.status),
        (Some(t(3)), Some(t(60)), CallStatus::Ended)
    );

    // Ended without an answer: missed.
    store.create_call(&new_call("m", "shop", t(0))).await?;
    store.end_call(&CallId::from("m"), t(30)).await?;
    assert_eq!(
        store.get_call(&CallId::from("m")).await?.unwrap().status,
        CallStatus::Missed
    );

    let p = participant("c", "p1", Role::Customer, t(0));
    assert!(store.add_participant(&p).await?);
    assert!(
        !store
            .add_participant(&participant("c", "p1", Role::Customer, t(9)))
            .await?,
        "rejoin keeps the first"
    );
    assert!(store.participant_left(&c, &p.participant, t(50)).await?);
    assert!(store.participant_left(&c, &p.participant, t(55)).await?);
    assert!(
        !store
            .participant_left(&c, &ParticipantId::from("ghost"), t(55))
            .await?
    );
    assert_eq!(store.list_participants(&c).await?[0].left_at, Some(t(50)));

    // Rows of an unknown call are refused with a typed error, on both engines.
    let ghost = CallId::from("ghost");
    for result in [
        store.mark_answered(&ghost, &first).await,
        store.end_call(&ghost, t(1)).await,
        store
            .append_segment(&segment("ghost", "p1", 0))
            .await
            .map(drop),
        store
            .add_participant(&participant("ghost", "p1", Role::Agent, t(0)))
            .await
            .map(drop),
        store.put_metrics(&ghost, &json!({})).await,
    ] {
        assert!(
            matches!(&result, Err(StoreError::CallNotFound(id)) if *id == ghost),
            "{result:?}"
        );
    }
    Ok(())
}

pub async fn append_segment_is_idempotent(env: Env) -> Result<()> {
    let store = env.store().await?;
    for id in ["c1", "c2"] {
        store.create_call(&new_call(id, "shop", t(0))).await?;
    }
    let s = segment("c1", "shopper", 4);
    assert!(store.append_segment(&s).await?);
    assert!(!store.append_segment(&s).await?);
    let mut changed = s.clone();
    changed.text = "a different hypothesis".into();
    assert!(
        !store.append_segment(&changed).await?,
        "same key: the first write stands"
    );
    assert!(
        store.append_segment(&segment("c1", "agent", 4)).await?,
        "another participant's utterance 4"
    );
    assert!(
        store.append_segment(&segment("c2", "shopper", 4)).await?,
        "keys are per call"
    );

    let c1 = store.list_segments(&CallId::from("c1")).await?;
    assert_eq!(keys(&c1), ["shopper:4", "agent:4"]);
    assert_eq!(c1[0].segment, s);
    assert_eq!(store.list_segments(&CallId::from("c2")).await?.len(), 1);

    let mut bad = segment("c1", "shopper", 9);
    bad.end_s = bad.start_s - 1.0;
    assert!(matches!(
        store.append_segment(&bad).await,
        Err(StoreError::Invalid(_))
    ));
    bad = segment("c1", "shopper", 9);
    bad.status = SegmentStatus::NotTranscribed { reason: " ".into() };
    assert!(matches!(
        store.append_segment(&bad).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.list_segments(&CallId::from("c1")).await?.len(), 2);
    Ok(())
}

pub async fn list_calls_filters_and_pages(env: Env) -> Result<()> {
    let store = env.store().await?;
    // shop-a: a0..a6 one minute apart, plus "a3b" at the same instant as a3 (ties break by id).
    for i in 0..7 {
        store
            .create_call(&new_call(&format!("a{i}"), "shop-a", t(60 * i)))
            .await?;
    }
    store
        .create_call(&new_call("a3b", "shop-a", t(180)))
        .await?;
    for i in 0..3 {
        store
            .create_call(&new_call(&format!("b{i}"), "shop-b", t(60 * i)))
            .await?;
    }
    let query = |from, to, limit| CallQuery {
        tenant: TenantId::from("shop-a"),
        from,
        to,
        after: None,
        limit,
    };
    let ids = |page: &CallPage| {
        page.calls
            .iter()
            .map(|c| c.id.0.clone())
            .collect::<Vec<_>>()
    };

    let mut q = query(None, None, 3);
    let mut pages = Vec::new();
    loop {
        let page = store.list_calls(&q).await?;
        pages.push(ids(&page));
        if pages.len() == 1 {
            // A call arriving between pages does not shift the later ones.
            store
                .create_call(&new_call("a-late", "shop-a", t(10_000)))
                .await?;
        }
        match page.next {
            Some(next) => q.after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        pages,
        [
            vec!["a6", "a5", "a4"],
            vec!["a3b", "a3", "a2"],
            vec!["a1", "a0"]
        ]
    );

    // [t(60), t(240)): a1, a2, a3, a3b — the upper bound excluded.
    let page = store
        .list_calls(&query(Some(t(60)), Some(t(240)), 10))
        .await?;
    assert_eq!(ids(&page), ["a3b", "a3", "a2", "a1"]);
    assert_eq!(page.next, None);
    let first = store
        .list_calls(&query(Some(t(60)), Some(t(240)), 2))
        .await?;
    let rest = store
        .list_calls(&CallQuery {
            after: first.next.clone(),
            ..query(Some(t(60)), Some(t(240)), 2)
        })
        .await?;
    assert_eq!(
        (ids(&first), ids(&rest)),
        (
            vec!["a3b".into(), "a3".into()],
            vec!["a2".into(), "a1".into()]
        )
    );
    assert_eq!(rest.next, None, "an exactly full last page has no next");

    let b = store
        .list_calls(&CallQuery {
            tenant: TenantId::from("shop-b"),
            ..query(None, None, 0)
        })
        .await?;
    assert_eq!(ids(&b), ["b2"], "limit 0 is clamped to 1");
    assert!(b.next.is_some());
    let none = store
        .list_calls(&CallQuery {
            tenant: TenantId::from("shop-z"),
            ..query(None, None, 5)
        })
        .await?;
    assert!(none.calls.is_empty() && none.next.is_none());
    Ok(())
}

pub async fn override_requires_a_comment(env: Env) -> Result<()> {
    let url = env.fresh_url().await?;
    let store = Store::open(&env.config(&url)).await?;
    let c = CallId::from("c");
    store.create_call(&new_call("c", "shop", t(0))).await?;
    let o = |comment: &str| ReviewerOverride {
        call: c.clone(),
        criterion: "closing".into(),
        verdict: Verdict::Pass,
        comment: comment.into(),
        reviewer: ReviewerId::from("rev"),
        at: t(100),
    };
    for blank in ["", "   ", "\n\t"] {
        assert!(
            matches!(
                store.add_override(&o(blank)).await,
                Err(StoreError::EmptyComment)
            ),
            "{blank:?}"
        );
    }
    assert!(store.list_overrides(&c).await?.is_empty());

    // The database refuses a blank comment too, whoever writes it.
    let raw = raw_execute(
        &url,
        "INSERT INTO reviewer_overrides (call_id, criterion, verdict, comment, reviewer_id, at) \
         VALUES ('c', 'closing', 'pass', '  ', 'rev', '2026-03-01T09:00:00Z')",
    )
    .await;
    let err = raw.expect_err("blank comment accepted by the database");
    assert!(
        matches!(&err, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::CheckViolation),
        "{err:?}"
    );

    store
        .add_override(&o("said goodbye, the rubric missed it"))
        .await?;
    let mut later = o("on second listen it was cut off");
    later.verdict = Verdict::Fail;
    later.at = t(200);
    store.add_override(&later).await?;
    let history = store.list_overrides(&c).await?;
    assert_eq!(
        history.iter().map(|o| o.verdict).collect::<Vec<_>>(),
        [Verdict::Pass, Verdict::Fail]
    );
    let ghost = ReviewerOverride {
        call: CallId::from("ghost"),
        ..o("x")
    };
    assert!(matches!(
        store.add_override(&ghost).await,
        Err(StoreError::CallNotFound(_))
    ));
    Ok(())
}

pub async fn rescore_replaces_the_score(env: Env) -> Result<()> {
    let store = env.store().await?;
    let c = CallId::from("c");
    store.create_call(&new_call("c", "shop", t(0))).await?;
    let v1 = Score {
        call: c.clone(),
        rubric: "ecommerce".into(),
        rubric_version: "1".into(),
        score: 55.0,
        passed: false,
        criteria: json!([{ "id": "greeting", "verdict": "fail" }]),
        scored_at: t(100),
    };
    store.put_score(&v1).await?;
    store
        .add_override(&ReviewerOverride {
            call: c.clone(),
            criterion: "greeting".into(),
            verdict: Verdict::Pass,
            comment: "greeted in Spanish".into(),
            reviewer: ReviewerId::from("rev"),
            at: t(150),
        })
        .await?;
    let v2 = Score {
        rubric_version: "2".into(),
        score: 92.5,
        passed: true,
        criteria: json!([{ "id": "greeting", "verdict": "pass" }]),
        scored_at: t(200),
        ..v1.clone()
    };
    store.put_score(&v2).await?;
    assert_eq!(store.list_scores(&c).await?, vec![v2.clone()]);

    let tenant = Score {
        rubric: "acme-tenant".into(),
        score: 70.0,
        ..v1
    };
    store.put_score(&tenant).await?;
    assert_eq!(
        store.list_scores(&c).await?,
        vec![tenant, v2],
        "one row per rubric"
    );
    assert_eq!(
        store.list_overrides(&c).await?.len(),
        1,
        "a rescore keeps the reviewers' overrides"
    );
    Ok(())
}
