//! Calls and their participants.

use sqlx::FromRow;

use super::{Store, missing_call, with_pool};
use crate::model::truncate_ts;
use crate::{
    AgentId, Answer, Call, CallCursor, CallId, CallPage, CallQuery, NewCall, Participant,
    ParticipantId, ProductContext, StoreError, TenantId, Ts,
};

pub(super) const CALL_COLUMNS: &str = "id, tenant, shopper_id, shopper_name, agent_id, team, product_sku, product_title, \
     product_url, language, node, created_at, answered_at, ended_at, status";

#[derive(FromRow)]
pub(super) struct CallRow {
    pub(super) id: String,
    tenant: String,
    shopper_id: Option<String>,
    shopper_name: Option<String>,
    agent_id: Option<String>,
    team: Option<String>,
    product_sku: Option<String>,
    product_title: Option<String>,
    product_url: Option<String>,
    language: Option<String>,
    node: Option<String>,
    created_at: Ts,
    answered_at: Option<Ts>,
    ended_at: Option<Ts>,
    status: String,
}

impl TryFrom<CallRow> for Call {
    type Error = StoreError;
    fn try_from(r: CallRow) -> Result<Call, StoreError> {
        Ok(Call {
            id: CallId(r.id),
            tenant: TenantId(r.tenant),
            shopper_id: r.shopper_id,
            shopper_name: r.shopper_name,
            agent: r.agent_id.map(AgentId),
            team: r.team,
            product: ProductContext {
                sku: r.product_sku,
                title: r.product_title,
                url: r.product_url,
            },
            language: r.language,
            node: r.node,
            created_at: r.created_at,
            answered_at: r.answered_at,
            ended_at: r.ended_at,
            status: r.status.parse()?,
        })
    }
}

#[derive(FromRow)]
struct ParticipantRow {
    call_id: String,
    participant_id: String,
    role: String,
    display_name: Option<String>,
    joined_at: Ts,
    left_at: Option<Ts>,
}

impl TryFrom<ParticipantRow> for Participant {
    type Error = StoreError;
    fn try_from(r: ParticipantRow) -> Result<Participant, StoreError> {
        Ok(Participant {
            call: CallId(r.call_id),
            participant: ParticipantId(r.participant_id),
            role: r.role.parse()?,
            display_name: r.display_name,
            joined_at: r.joined_at,
            left_at: r.left_at,
        })
    }
}

impl Store {
    /// Stores a new call as `ringing`. Idempotent on the call id: returns false (and changes
    /// nothing) when the call is already stored.
    pub async fn create_call(&self, call: &NewCall) -> Result<bool, StoreError> {
        const SQL: &str = "INSERT INTO calls (id, tenant, shopper_id, shopper_name, agent_id, team, product_sku, \
             product_title, product_url, language, node, created_at, status) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'ringing') \
             ON CONFLICT (id) DO NOTHING";
        let done = with_pool!(self, p => sqlx::query(SQL)
            .bind(&call.id.0)
            .bind(&call.tenant.0)
            .bind(&call.shopper_id)
            .bind(&call.shopper_name)
            .bind(call.agent.as_ref().map(|a| &a.0))
            .bind(&call.team)
            .bind(&call.product.sku)
            .bind(&call.product.title)
            .bind(&call.product.url)
            .bind(&call.language)
            .bind(&call.node)
            .bind(truncate_ts(call.created_at))
            .execute(p)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// Records who answered. The first answer wins: a repeat (a replayed spool) changes nothing.
    pub async fn mark_answered(&self, call: &CallId, answer: &Answer) -> Result<(), StoreError> {
        // Every right-hand side sees the row as it was before the update, on both engines.
        const SQL: &str = "UPDATE calls SET \
             agent_id = CASE WHEN answered_at IS NULL THEN $2 ELSE agent_id END, \
             team = CASE WHEN answered_at IS NULL THEN COALESCE($3, team) ELSE team END, \
             status = CASE WHEN status = 'ringing' THEN 'answered' ELSE status END, \
             answered_at = COALESCE(answered_at, $4) \
             WHERE id = $1";
        let done = with_pool!(self, p => sqlx::query(SQL)
            .bind(&call.0)
            .bind(&answer.agent.0)
            .bind(&answer.team)
            .bind(truncate_ts(answer.at))
            .execute(p)
            .await?
            .rows_affected());
        if done == 0 {
            return Err(StoreError::CallNotFound(call.clone()));
        }
        Ok(())
    }

    /// Ends a call: `ended` if it was answered, `missed` if not. The first end wins.
    pub async fn end_call(&self, call: &CallId, at: Ts) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE calls SET \
             status = CASE WHEN ended_at IS NOT NULL THEN status \
                           WHEN answered_at IS NULL THEN 'missed' ELSE 'ended' END, \
             ended_at = COALESCE(ended_at, $2) \
             WHERE id = $1";
        let done = with_pool!(self, p => sqlx::query(SQL).bind(&call.0).bind(truncate_ts(at)).execute(p).await?.rows_affected());
        if done == 0 {
            return Err(StoreError::CallNotFound(call.clone()));
        }
        Ok(())
    }

    pub async fn get_call(&self, call: &CallId) -> Result<Option<Call>, StoreError> {
        let sql = format!("SELECT {CALL_COLUMNS} FROM calls WHERE id = $1");
        let row: Option<CallRow> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(&call.0).fetch_optional(p).await?);
        row.map(Call::try_from).transpose()
    }

    /// One page of a tenant's calls in a date range, newest first.
    pub async fn list_calls(&self, q: &CallQuery) -> Result<CallPage, StoreError> {
        let limit = q.limit.clamp(1, CallQuery::MAX_PAGE) as usize;
        // Conditions are added only when used (rather than `$n IS NULL OR ...`) so that
        // PostgreSQL's cached generic plans still use the (tenant, created_at, id) index.
        let mut sql = format!("SELECT {CALL_COLUMNS} FROM calls WHERE tenant = $1");
        let mut n = 1;
        let mut param = || {
            n += 1;
            n
        };
        if q.from.is_some() {
            sql += &format!(" AND created_at >= ${}", param());
        }
        if q.to.is_some() {
            sql += &format!(" AND created_at < ${}", param());
        }
        if q.after.is_some() {
            let (at, id) = (param(), param());
            sql += &format!(" AND (created_at < ${at} OR (created_at = ${at} AND id < ${id}))");
        }
        sql += &format!(" ORDER BY created_at DESC, id DESC LIMIT ${}", param());

        let rows: Vec<CallRow> = with_pool!(self, p => {
            let mut query = sqlx::query_as(&sql).bind(&q.tenant.0);
            if let Some(from) = q.from {
                query = query.bind(truncate_ts(from));
            }
            if let Some(to) = q.to {
                query = query.bind(truncate_ts(to));
            }
            if let Some(after) = &q.after {
                query = query.bind(truncate_ts(after.created_at)).bind(&after.id.0);
            }
            // One more than a page tells whether another page follows.
            query.bind(limit as i64 + 1).fetch_all(p).await?
        });
        let mut calls = rows
            .into_iter()
            .map(Call::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if calls.len() > limit {
            calls.truncate(limit);
            calls.last().map(|c| CallCursor {
                created_at: c.created_at,
                id: c.id.clone(),
            })
        } else {
            None
        };
        Ok(CallPage { calls, next })
    }

    /// Adds a participant. Idempotent on (call, participant): a rejoin keeps the first join.
    pub async fn add_participant(&self, participant: &Participant) -> Result<bool, StoreError> {
        const SQL: &str = "INSERT INTO participants (call_id, participant_id, role, display_name, joined_at, left_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (call_id, participant_id) DO NOTHING";
        let done = with_pool!(self, p => sqlx::query(SQL)
            .bind(&participant.call.0)
            .bind(&participant.participant.0)
            .bind(participant.role.as_str())
            .bind(&participant.display_name)
            .bind(truncate_ts(participant.joined_at))
            .bind(participant.left_at.map(truncate_ts))
            .execute(p)
            .await
            .map_err(|e| missing_call(e, &participant.call))?
            .rows_affected());
        Ok(done == 1)
    }

    /// Records that a participant left; the first leave wins. False if no such participant.
    pub async fn participant_left(
        &self,
        call: &CallId,
        participant: &ParticipantId,
        at: Ts,
    ) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE participants SET left_at = COALESCE(left_at, $3) WHERE call_id = $1 AND participant_id = $2";
        let done = with_pool!(self, p => sqlx::query(SQL)
            .bind(&call.0)
            .bind(&participant.0)
            .bind(truncate_ts(at))
            .execute(p)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// A call's participants in the order they joined.
    pub async fn list_participants(&self, call: &CallId) -> Result<Vec<Participant>, StoreError> {
        const SQL: &str = "SELECT call_id, participant_id, role, display_name, joined_at, left_at \
             FROM participants WHERE call_id = $1 ORDER BY joined_at, participant_id";
        let rows: Vec<ParticipantRow> =
            with_pool!(self, p => sqlx::query_as(SQL).bind(&call.0).fetch_all(p).await?);
        rows.into_iter().map(Participant::try_from).collect()
    }
}
