//! `showroom rescore --rubric FILE`: re-scores stored calls when a rubric changes. Wiring only:
//! the store gives each call's (already redacted) finals and the named metrics stored when it
//! ended; `showroom_postcall::rescore` scores them; the store keeps the new score.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use showroom_postcall::FinalText;
use showroom_qa::{Role as QaRole, Rubric};
use showroom_store::{
    CallId, CallQuery, Role, Score, SegmentStatus, Store, StoreConfig, TenantId, Ts,
};

pub struct Args {
    pub rubric: PathBuf,
    pub tenant: String,
    /// Only calls created at or after this time.
    pub since: Option<Ts>,
}

pub fn run(store: &StoreConfig, args: Args) -> anyhow::Result<()> {
    let rubric = Rubric::from_path(&args.rubric)
        .with_context(|| format!("reading the rubric {}", args.rubric.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = Store::open(store).await.context("opening the store")?;
        let result = rescore_all(&store, &rubric, &args).await;
        store.close().await;
        result
    })
}

async fn rescore_all(store: &Store, rubric: &Rubric, args: &Args) -> anyhow::Result<()> {
    let (mut n_calls, mut n_passed, mut n_changed) = (0u64, 0u64, 0u64);
    let mut query = CallQuery {
        tenant: TenantId::new(&args.tenant),
        from: args.since,
        to: None,
        after: None,
        limit: CallQuery::MAX_PAGE,
    };
    let mut card = None;
    loop {
        let page = store.list_calls(&query).await?;
        for call in &page.calls {
            let finals = finals_of(store, &call.id).await?;
            let metrics = named_metrics(store, &call.id).await?;
            let scored =
                showroom_postcall::rescore(rubric, &finals, call.language.as_deref(), &metrics);
            let before = store
                .list_scores(&call.id)
                .await?
                .into_iter()
                .find(|s| s.rubric == scored.rubric)
                .map(|s| s.score);
            store
                .put_score(&Score {
                    call: call.id.clone(),
                    rubric: scored.rubric.clone(),
                    rubric_version: scored.rubric_version.clone(),
                    score: scored.score,
                    passed: scored.passed,
                    criteria: serde_json::to_value(&scored.criteria)?,
                    scored_at: Ts::from(std::time::SystemTime::now()),
                })
                .await?;
            let was = before.map_or("none".to_owned(), |s| format!("{s}"));
            println!(
                "{}: score {} (was {was}) {}, {} segments, {} metrics",
                call.id.as_str(),
                scored.score,
                if scored.passed { "passed" } else { "failed" },
                finals.len(),
                metrics.len()
            );
            n_calls += 1;
            n_passed += u64::from(scored.passed);
            n_changed += u64::from(before != Some(scored.score));
            card = Some((scored.rubric, scored.rubric_version));
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let (name, version) = card.unwrap_or_default();
    println!(
        "rescored {n_calls} calls of tenant {} under rubric {name} {version}: {n_passed} passed, {} failed, {n_changed} scores changed",
        args.tenant,
        n_calls - n_passed
    );
    Ok(())
}

/// The call's final segments of customer and agent (supervisors are not scored; speech that was
/// not transcribed has no text to score).
async fn finals_of(store: &Store, call: &CallId) -> anyhow::Result<Vec<FinalText>> {
    Ok(store
        .list_segments(call)
        .await?
        .into_iter()
        .filter(|s| s.segment.status == SegmentStatus::Final)
        .filter_map(|s| {
            let role = match s.segment.role {
                Role::Customer => QaRole::Customer,
                Role::Agent => QaRole::Agent,
                Role::Supervisor => return None,
            };
            let seg = s.segment;
            Some(FinalText {
                role,
                start_s: seg.start_s,
                end_s: seg.end_s,
                text: seg.text,
                language: seg.language,
            })
        })
        .collect())
}

/// The stored `named_metrics` map (`{"agent_interruptions": 1.0, ...}`); non-numbers are skipped.
async fn named_metrics(store: &Store, call: &CallId) -> anyhow::Result<BTreeMap<String, f64>> {
    let Some(serde_json::Value::Object(map)) = store.get_metrics(call).await? else {
        return Ok(BTreeMap::new());
    };
    Ok(map
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.as_f64()?)))
        .collect())
}
