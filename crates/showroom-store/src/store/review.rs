//! What analysis and reviewers add to a call: insight events, metrics, scores, overrides, and
//! the audit trail.

use sqlx::FromRow;
use sqlx::types::Json;

use super::{Store, missing_call, with_pool};
use crate::model::truncate_ts;
use crate::{
    AuditEntry, CallId, InsightEvent, ReviewerId, ReviewerOverride, Score, StoreError, Ts,
};

#[derive(FromRow)]
struct InsightRow {
    call_id: String,
    kind: String,
    party: String,
    onset_s: f64,
    duration_s: f64,
    details: Json<serde_json::Value>,
}

#[derive(FromRow)]
struct ScoreRow {
    call_id: String,
    rubric: String,
    rubric_version: String,
    score: f64,
    passed: bool,
    criteria: Json<serde_json::Value>,
    scored_at: Ts,
}

#[derive(FromRow)]
struct OverrideRow {
    call_id: String,
    criterion: String,
    verdict: String,
    comment: String,
    reviewer_id: String,
    at: Ts,
}

#[derive(FromRow)]
struct AuditRow {
    at: Ts,
    actor: String,
    role: String,
    action: String,
    call_id: Option<String>,
}

impl Store {
    /// Adds a call's insight events, all or none.
    pub async fn add_insight_events(&self, events: &[InsightEvent]) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO insight_events (call_id, kind, party, onset_s, duration_s, details) \
             VALUES ($1, $2, $3, $4, $5, $6)";
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            for e in events {
                sqlx::query(SQL)
                    .bind(&e.call.0)
                    .bind(&e.kind)
                    .bind(e.party.as_str())
                    .bind(e.onset_s)
                    .bind(e.duration_s)
                    .bind(Json(&e.details))
                    .execute(&mut *tx)
                    .await
                    .map_err(|err| missing_call(err, &e.call))?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A call's insight events by onset.
    pub async fn list_insight_events(
        &self,
        call: &CallId,
    ) -> Result<Vec<InsightEvent>, StoreError> {
        const SQL: &str = "SELECT call_id, kind, party, onset_s, duration_s, details FROM insight_events \
             WHERE call_id = $1 ORDER BY onset_s, id";
        let rows: Vec<InsightRow> =
            with_pool!(self, p => sqlx::query_as(SQL).bind(&call.0).fetch_all(p).await?);
        rows.into_iter()
            .map(|r| {
                Ok(InsightEvent {
                    call: CallId(r.call_id),
                    kind: r.kind,
                    party: r.party.parse()?,
                    onset_s: r.onset_s,
                    duration_s: r.duration_s,
                    details: r.details.0,
                })
            })
            .collect()
    }

    /// Sets a call's talk metrics, replacing earlier ones.
    pub async fn put_metrics(
        &self,
        call: &CallId,
        metrics: &serde_json::Value,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO call_metrics (call_id, metrics) VALUES ($1, $2) \
             ON CONFLICT (call_id) DO UPDATE SET metrics = excluded.metrics";
        with_pool!(self, p => sqlx::query(SQL)
            .bind(&call.0)
            .bind(Json(metrics))
            .execute(p)
            .await
            .map_err(|e| missing_call(e, call))?
            .rows_affected());
        Ok(())
    }

    pub async fn get_metrics(
        &self,
        call: &CallId,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        const SQL: &str = "SELECT metrics FROM call_metrics WHERE call_id = $1";
        let row: Option<(Json<serde_json::Value>,)> =
            with_pool!(self, p => sqlx::query_as(SQL).bind(&call.0).fetch_optional(p).await?);
        Ok(row.map(|(m,)| m.0))
    }

    /// Stores what a call came to (metrics, insight events replacing any earlier ones, score)
    /// and indexes it for search. Idempotent, so the spool may replay it.
    pub async fn conclude_call(
        &self,
        call: &CallId,
        metrics: &serde_json::Value,
        events: &[InsightEvent],
        score: Option<&Score>,
        at: Ts,
    ) -> Result<(), StoreError> {
        self.put_metrics(call, metrics).await?;
        with_pool!(self, p => sqlx::query("DELETE FROM insight_events WHERE call_id = $1").bind(&call.0).execute(p).await?.rows_affected());
        if !events.is_empty() {
            self.add_insight_events(events).await?;
        }
        if let Some(score) = score {
            self.put_score(score).await?;
        }
        self.index_call(call, at).await
    }

    /// Stores a call's score under its rubric, replacing an earlier score under the same rubric
    /// (a rescore). Overrides are kept: they are the reviewers' history.
    pub async fn put_score(&self, s: &Score) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO scores (call_id, rubric, rubric_version, score, passed, criteria, scored_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (call_id, rubric) DO UPDATE SET rubric_version = excluded.rubric_version, \
             score = excluded.score, passed = excluded.passed, criteria = excluded.criteria, \
             scored_at = excluded.scored_at";
        // The per-criterion verdicts, for the search filter on a failed criterion.
        let verdicts: Vec<(&str, &str)> = s
            .criteria
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some((c.get("id")?.as_str()?, c.get("verdict")?.as_str()?)))
            .filter(|(_, v)| matches!(*v, "pass" | "fail" | "not_applicable"))
            .collect();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(SQL)
                .bind(&s.call.0)
                .bind(&s.rubric)
                .bind(&s.rubric_version)
                .bind(s.score)
                .bind(s.passed)
                .bind(Json(&s.criteria))
                .bind(truncate_ts(s.scored_at))
                .execute(&mut *tx)
                .await
                .map_err(|e| missing_call(e, &s.call))?;
            sqlx::query("DELETE FROM score_criteria WHERE call_id = $1 AND rubric = $2")
                .bind(&s.call.0)
                .bind(&s.rubric)
                .execute(&mut *tx)
                .await?;
            for (criterion, verdict) in &verdicts {
                sqlx::query("INSERT INTO score_criteria (call_id, rubric, criterion, verdict) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (call_id, rubric, criterion) DO UPDATE SET verdict = excluded.verdict")
                    .bind(&s.call.0)
                    .bind(&s.rubric)
                    .bind(*criterion)
                    .bind(*verdict)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A call's scores, one per rubric, by rubric name.
    pub async fn list_scores(&self, call: &CallId) -> Result<Vec<Score>, StoreError> {
        const SQL: &str = "SELECT call_id, rubric, rubric_version, score, passed, criteria, scored_at FROM scores \
             WHERE call_id = $1 ORDER BY rubric";
        let rows: Vec<ScoreRow> =
            with_pool!(self, p => sqlx::query_as(SQL).bind(&call.0).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| Score {
                call: CallId(r.call_id),
                rubric: r.rubric,
                rubric_version: r.rubric_version,
                score: r.score,
                passed: r.passed,
                criteria: r.criteria.0,
                scored_at: r.scored_at,
            })
            .collect())
    }

    /// Records a reviewer's verdict on a criterion. The comment is required.
    pub async fn add_override(&self, o: &ReviewerOverride) -> Result<(), StoreError> {
        if o.comment.trim().is_empty() {
            return Err(StoreError::EmptyComment);
        }
        const SQL: &str = "INSERT INTO reviewer_overrides (call_id, criterion, verdict, comment, reviewer_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6)";
        with_pool!(self, p => sqlx::query(SQL)
            .bind(&o.call.0)
            .bind(&o.criterion)
            .bind(o.verdict.as_str())
            .bind(&o.comment)
            .bind(&o.reviewer.0)
            .bind(truncate_ts(o.at))
            .execute(p)
            .await
            .map_err(|e| missing_call(e, &o.call))?
            .rows_affected());
        Ok(())
    }

    /// A call's overrides, oldest first; the last per criterion is in force.
    pub async fn list_overrides(&self, call: &CallId) -> Result<Vec<ReviewerOverride>, StoreError> {
        const SQL: &str = "SELECT call_id, criterion, verdict, comment, reviewer_id, at FROM reviewer_overrides \
             WHERE call_id = $1 ORDER BY at, id";
        let rows: Vec<OverrideRow> =
            with_pool!(self, p => sqlx::query_as(SQL).bind(&call.0).fetch_all(p).await?);
        rows.into_iter()
            .map(|r| {
                Ok(ReviewerOverride {
                    call: CallId(r.call_id),
                    criterion: r.criterion,
                    verdict: r.verdict.parse()?,
                    comment: r.comment,
                    reviewer: ReviewerId(r.reviewer_id),
                    at: r.at,
                })
            })
            .collect()
    }

    pub async fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        const SQL: &str =
            "INSERT INTO audit_log (at, actor, role, action, call_id) VALUES ($1, $2, $3, $4, $5)";
        with_pool!(self, p => sqlx::query(SQL)
            .bind(truncate_ts(e.at))
            .bind(&e.actor)
            .bind(&e.role)
            .bind(&e.action)
            .bind(e.call.as_ref().map(|c| &c.0))
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// The audit trail of one call, oldest first.
    pub async fn list_audit(&self, call: &CallId) -> Result<Vec<AuditEntry>, StoreError> {
        const SQL: &str = "SELECT at, actor, role, action, call_id FROM audit_log WHERE call_id = $1 ORDER BY at, id";
        let rows: Vec<AuditRow> =
            with_pool!(self, p => sqlx::query_as(SQL).bind(&call.0).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                actor: r.actor,
                role: r.role,
                action: r.action,
                call: r.call_id.map(CallId),
                at: r.at,
            })
            .collect())
    }
}
