//! Search, case by case, on both engines: the same corpus, the same queries, exactly the
//! expected calls, highlights on the right words.

use anyhow::{Result, ensure};
use serde_json::json;
use showroom_store::*;

use crate::data::{new_call, t};
use crate::fixture::Env;

/// A small archive of one tenant (plus one call of another tenant that must never show up).
/// Each call: (id, agent, team, sku, language, minutes after t0, lines (role, text)).
const CALLS: &[(&str, &str, &str, &str, &str, i64, &[(&str, &str)])] = &[
    ("c1", "agent-ana", "returns", "SKU-SHOE", "en", 0, &[
        ("customer", "Hi, I want a refund for my shoes, they arrived damaged."),
        ("agent", "I am sorry. Can you give me the order number?"),
        ("customer", "The order number is A-1234."),
    ]),
    ("c2", "agent-ben", "returns", "SKU-SHOE", "en", 60, &[
        ("customer", "Can I return these boots? The size is wrong."),
        ("agent", "Yes, you can return them within thirty days."),
    ]),
    ("c3", "agent-ana", "sales", "SKU-BAG", "en", 120, &[
        ("customer", "Do you have a voucher for a new bag?"),
        ("agent", "Yes, I can offer you a voucher and a refund on shipping."),
    ]),
    ("c4", "agent-ben", "sales", "SKU-BAG", "de", 180, &[
        ("customer", "Ich möchte eine Rückerstattung für die Tasche."),
        ("agent", "Natürlich, die Rückerstattung dauert drei Tage."),
    ]),
    ("c5", "agent-ana", "returns", "SKU-SHOE", "en", 240, &[
        ("customer", "My card number is [card ending 1111], can you refund it?"),
        ("agent", "The order was refunded yesterday."),
    ]),
    ("c6", "agent-cho", "sales", "SKU-TEA", "ja", 300, &[
        ("customer", "この お茶を 返品したいです"),
        ("agent", "返品 を 承りました"),
    ]),
];

async fn corpus(env: &Env) -> Result<Store> {
    let store = env.store().await?;
    for (id, agent, team, sku, lang, minutes, lines) in CALLS {
        let mut call = new_call(id, "shop", t(minutes * 60));
        call.agent = Some(AgentId::from(*agent));
        call.team = Some((*team).into());
        call.product.sku = Some((*sku).into());
        call.language = Some((*lang).into());
        store.create_call(&call).await?;
        for (n, (role, text)) in lines.iter().enumerate() {
            let participant = ParticipantId::from(format!("{id}-{role}").as_str());
            store
                .append_segment(&Segment {
                    call: CallId::from(*id),
                    key: UtteranceKey::for_utterance(&participant, n as u64),
                    participant,
                    role: if *role == "agent" { Role::Agent } else { Role::Customer },
                    start_s: n as f64 * 5.0,
                    end_s: n as f64 * 5.0 + 4.0,
                    text: (*text).into(),
                    language: Some((*lang).into()),
                    confidence: Some(0.9),
                    status: SegmentStatus::Final,
                    redacted: text.contains("[card"),
                })
                .await?;
        }
        store.index_call(&CallId::from(*id), t(10_000)).await?;
    }
    // Another tenant says "refund" too.
    store.create_call(&new_call("other", "shop-b", t(0))).await?;
    let p = ParticipantId::from("other-customer");
    let mut s = crate::data::segment("other", "other-customer", 0);
    s.key = UtteranceKey::for_utterance(&p, 0);
    s.text = "refund please".into();
    store.append_segment(&s).await?;
    store.index_call(&CallId::from("other"), t(10_000)).await?;

    // Scores: c1 fails the greeting, c2 passes it; c3 fails it but a reviewer overrode to pass.
    for (id, score, greeting) in [("c1", 40.0, "fail"), ("c2", 95.0, "pass"), ("c3", 70.0, "fail"), ("c5", 55.0, "pass")] {
        store
            .put_score(&Score {
                call: CallId::from(id),
                rubric: "support".into(),
                rubric_version: "1".into(),
                score,
                passed: score >= 60.0,
                criteria: json!([
                    {"id": "greeting", "verdict": greeting, "evidence": []},
                    {"id": "closing", "verdict": "pass", "evidence": []},
                ]),
                scored_at: t(20_000),
            })
            .await?;
    }
    store
        .add_override(&ReviewerOverride {
            call: CallId::from("c3"),
            criterion: "greeting".into(),
            verdict: Verdict::Pass,
            comment: "greeted in German first".into(),
            reviewer: ReviewerId::from("rev-1"),
            at: t(30_000),
        })
        .await?;
    store
        .add_insight_events(&[InsightEvent {
            call: CallId::from("c2"),
            kind: "interruption".into(),
            party: Role::Agent,
            onset_s: 3.0,
            duration_s: 1.2,
            details: json!({}),
        }])
        .await?;
    Ok(store)
}

fn ids(page: &SearchPage) -> Vec<&str> {
    page.hits.iter().map(|h| h.call.id.as_str()).collect()
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

pub async fn words_phrases_prefixes_and_booleans(env: Env) -> Result<()> {
    let store = corpus(&env).await?;
    let cases: &[(&str, &[&str])] = &[
        ("refund", &["c1", "c3", "c5"]),
        ("REFUND", &["c1", "c3", "c5"]),
        ("refund*", &["c1", "c3", "c5"]),
        ("refund damaged", &["c1"]),
        // Words of one call in different utterances still match the call.
        ("refund \"order number\"", &["c1"]),
        ("\"order number\"", &["c1"]),
        // A phrase does not match across two utterances ("... damaged." / "I am ...").
        ("\"damaged i\"", &[]),
        ("refund OR return", &["c1", "c2", "c3", "c5"]),
        ("refund -voucher", &["c1", "c5"]),
        ("refund NOT voucher NOT damaged", &["c5"]),
        ("(refund OR return) AND boots", &["c2"]),
        ("retur*", &["c2"]),
        // Diacritics fold on both sides.
        ("ruckerstattung", &["c4"]),
        ("Rückerstattung", &["c4"]),
        ("natürlich", &["c4"]),
        // CJK: characters are tokens, a word is a phrase of them.
        ("返品", &["c6"]),
        ("お茶", &["c6"]),
        ("返品 お茶", &["c6"]),
        // Not a word of its own: no match inside "refunded"? A prefix does match it.
        ("refunded", &["c5"]),
        ("1234", &["c1"]),
        // The redacted card number is not in any stored text, so not findable.
        ("4111", &[]),
        ("nothing-like-this", &[]),
    ];
    for (text, expected) in cases {
        let page = store.search(&SearchQuery::new("shop", *text)).await?;
        ensure!(
            sorted(ids(&page)) == sorted(expected.to_vec()),
            "{:?}: {text:?} gave {:?}, expected {expected:?}",
            env.target,
            ids(&page)
        );
        ensure!(page.total == expected.len() as u64, "{text:?}: total {}", page.total);
    }
    Ok(())
}

pub async fn highlights_sit_on_the_matched_words(env: Env) -> Result<()> {
    let store = corpus(&env).await?;
    let page = store.search(&SearchQuery::new("shop", "\"order number\" OR refun*")).await?;
    let c1 = page.hits.iter().find(|h| h.call.id.as_str() == "c1").expect("c1 found");
    ensure!(c1.matching_segments == 3, "c1 matching segments {}", c1.matching_segments);
    let hits: Vec<Vec<&str>> = c1.snippets.iter().map(|s| s.hits()).collect();
    ensure!(hits == vec![vec!["refund"], vec!["order number"], vec!["order number"]], "{hits:?}");
    let first = &c1.snippets[0];
    ensure!(first.role == Role::Customer && first.start_s == 0.0 && first.end_s == 4.0, "{first:?}");
    let whole: String = first.fragments.iter().map(|f| f.text.as_str()).collect();
    ensure!(whole == "Hi, I want a refund for my shoes, they arrived damaged.", "{whole}");
    let c5 = page.hits.iter().find(|h| h.call.id.as_str() == "c5").expect("c5 found");
    ensure!(c5.snippets.iter().map(|s| s.hits()).collect::<Vec<_>>() == vec![vec!["refund"], vec!["refunded"]]);
    // Negated words are not highlighted; snippets per call are capped.
    let mut q = SearchQuery::new("shop", "refund -damaged");
    q.snippets_per_call = 1;
    let page = store.search(&q).await?;
    for h in &page.hits {
        ensure!(h.snippets.len() <= 1);
        ensure!(h.snippets.iter().flat_map(|s| s.hits()).all(|w| w.to_lowercase().starts_with("refund")));
    }
    Ok(())
}

pub async fn filters_and_sorting(env: Env) -> Result<()> {
    let store = corpus(&env).await?;
    let run = |f: &dyn Fn(&mut SearchQuery)| {
        let mut q = SearchQuery::new("shop", "");
        f(&mut q);
        let store = store.clone();
        async move { store.search(&q).await }
    };
    let cases: Vec<(&str, Box<dyn Fn(&mut SearchQuery)>, Vec<&str>)> = vec![
        ("all, newest first", Box::new(|_| {}), vec!["c6", "c5", "c4", "c3", "c2", "c1"]),
        ("oldest first", Box::new(|q| q.sort = SearchSort::Oldest), vec!["c1", "c2", "c3", "c4", "c5", "c6"]),
        ("agent", Box::new(|q| q.agent = Some("agent-ana".into())), vec!["c5", "c3", "c1"]),
        ("team", Box::new(|q| q.team = Some("sales".into())), vec!["c6", "c4", "c3"]),
        ("language", Box::new(|q| q.language = Some("de".into())), vec!["c4"]),
        ("product", Box::new(|q| q.product_sku = Some("SKU-BAG".into())), vec!["c4", "c3"]),
        ("date range", Box::new(|q| { q.from = Some(t(60 * 60)); q.to = Some(t(240 * 60)); }), vec!["c4", "c3", "c2"]),
        ("score range", Box::new(|q| { q.min_score = Some(50.0); q.max_score = Some(80.0); }), vec!["c5", "c3"]),
        ("failed criterion (override in force)", Box::new(|q| q.failed_criterion = Some("greeting".into())), vec!["c1"]),
        ("has interruptions", Box::new(|q| q.has_interruptions = Some(true)), vec!["c2"]),
        ("no interruptions", Box::new(|q| q.has_interruptions = Some(false)), vec!["c6", "c5", "c4", "c3", "c1"]),
        ("lowest score first", Box::new(|q| q.sort = SearchSort::ScoreAsc), vec!["c1", "c5", "c3", "c2", "c6", "c4"]),
        ("highest score first", Box::new(|q| q.sort = SearchSort::ScoreDesc), vec!["c2", "c3", "c5", "c1", "c6", "c4"]),
        ("words and filters", Box::new(|q| { q.text = "refund".into(); q.team = Some("returns".into()); q.sort = SearchSort::Newest; }), vec!["c5", "c1"]),
    ];
    for (name, f, expected) in cases {
        let page = run(&*f).await?;
        ensure!(ids(&page) == expected, "{:?} {name}: got {:?}, expected {expected:?}", env.target, ids(&page));
    }
    // Pages: 2 per page, the third page holds the last two; total counts all.
    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let page = run(&|q: &mut SearchQuery| { q.limit = 2; q.offset = offset; }).await?;
        ensure!(page.total == 6 && page.hits.len() == 2, "page at {offset}: {} of {}", page.hits.len(), page.total);
        seen.extend(ids(&page).into_iter().map(str::to_owned));
    }
    ensure!(seen == ["c6", "c5", "c4", "c3", "c2", "c1"], "{seen:?}");
    // Relevance: the call that says "refund" most (c5: "refund", "refunded" is another word) vs
    // c1/c3 once each — all three present, and the score comes back per hit.
    let page = store.search(&SearchQuery::new("shop", "refund")).await?;
    ensure!(page.hits.iter().all(|h| h.relevance.is_some()));
    ensure!(page.hits.iter().find(|h| h.call.id.as_str() == "c1").and_then(|h| h.score) == Some(40.0));
    Ok(())
}

pub async fn bad_queries_are_errors_not_crashes(env: Env) -> Result<()> {
    let store = corpus(&env).await?;
    for text in ["\"order number", "NOT refund", "refund)", "a*", "!!!"] {
        match store.search(&SearchQuery::new("shop", text)).await {
            Err(StoreError::Query(_)) => {}
            other => anyhow::bail!("{text:?}: expected a query error, got {other:?}"),
        }
    }
    // Characters FTS5 or tsquery would treat as syntax are only ever words to us.
    for text in ["refund's", "a:b", "refund & return", "x | y", "'quote'", "NEAR(a b)", "col:refund", "^refund"] {
        store.search(&SearchQuery::new("shop", text)).await?;
    }
    Ok(())
}

pub async fn reindexing_follows_new_segments(env: Env) -> Result<()> {
    let store = corpus(&env).await?;
    ensure!(store.search(&SearchQuery::new("shop", "lighthouse")).await?.total == 0);
    let p = ParticipantId::from("c2-agent");
    store
        .append_segment(&Segment {
            call: CallId::from("c2"),
            key: UtteranceKey::for_utterance(&p, 9),
            participant: p,
            role: Role::Agent,
            start_s: 50.0,
            end_s: 52.0,
            text: "Our lighthouse store has them.".into(),
            language: Some("en".into()),
            confidence: None,
            status: SegmentStatus::Final,
            redacted: false,
        })
        .await?;
    store.index_call(&CallId::from("c2"), t(40_000)).await?;
    store.index_call(&CallId::from("c2"), t(40_001)).await?;
    let page = store.search(&SearchQuery::new("shop", "lighthouse")).await?;
    ensure!(ids(&page) == ["c2"], "{:?}", ids(&page));
    // Still exactly one document per call: "return" finds c2 once.
    let page = store.search(&SearchQuery::new("shop", "return")).await?;
    ensure!(ids(&page) == ["c2"] && page.total == 1, "{:?}", ids(&page));
    ensure!(matches!(store.index_call(&CallId::from("nope"), t(0)).await, Err(StoreError::CallNotFound(_))));
    // A batch replay (an import run twice) stores nothing twice.
    let again: Vec<Segment> = store.list_segments(&CallId::from("c2")).await?.into_iter().map(|s| s.segment).collect();
    ensure!(store.append_segments(&again).await? == 0, "replayed segments were stored again");
    Ok(())
}
