//! The support desk's records: wrap-ups, ratings, callback requests and agent profiles.

use sqlx::FromRow;
use sqlx::types::Json;

use super::{Store, missing_call, with_pool};
use crate::model::truncate_ts;
use crate::{
    AgentId, AgentProfile, CallId, CallbackRequest, ProductContext, Rating, StoreError, TenantId,
    Ts, WrapUp,
};

#[derive(FromRow)]
struct CallbackRow {
    id: String,
    tenant: String,
    name: String,
    contact: String,
    language: Option<String>,
    timezone: Option<String>,
    preferred_time: Option<String>,
    note: Option<String>,
    product_sku: Option<String>,
    product_title: Option<String>,
    product_url: Option<String>,
    created_at: Ts,
}

impl From<CallbackRow> for CallbackRequest {
    fn from(r: CallbackRow) -> CallbackRequest {
        CallbackRequest {
            id: r.id,
            tenant: TenantId(r.tenant),
            name: r.name,
            contact: r.contact,
            language: r.language,
            timezone: r.timezone,
            preferred_time: r.preferred_time,
            note: r.note,
            product: ProductContext { sku: r.product_sku, title: r.product_title, url: r.product_url },
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
struct AgentProfileRow {
    id: String,
    tenant: String,
    name: Option<String>,
    languages: Json<Vec<String>>,
    skills: Json<Vec<String>>,
}

impl From<AgentProfileRow> for AgentProfile {
    fn from(r: AgentProfileRow) -> AgentProfile {
        AgentProfile { id: AgentId(r.id), tenant: TenantId(r.tenant), name: r.name, languages: r.languages.0, skills: r.skills.0 }
    }
}

impl Store {
    /// Stores (or replaces) a call's wrap-up.
    pub async fn save_wrap_up(&self, w: &WrapUp) -> Result<(), StoreError> {
        let sql = "INSERT INTO call_wrap_ups (call_id, agent_id, disposition, notes, saved_at) \
                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT (call_id) DO UPDATE SET \
                   agent_id = excluded.agent_id, disposition = excluded.disposition, \
                   notes = excluded.notes, saved_at = excluded.saved_at";
        with_pool!(self, p => sqlx::query(sql)
            .bind(&w.call.0)
            .bind(&w.agent.0)
            .bind(&w.disposition)
            .bind(&w.notes)
            .bind(truncate_ts(w.saved_at))
            .execute(p)
            .await
            .map(drop)
            .map_err(|e| missing_call(e, &w.call))?);
        Ok(())
    }

    pub async fn wrap_up_of(&self, call: &CallId) -> Result<Option<WrapUp>, StoreError> {
        let sql = "SELECT agent_id, disposition, notes, saved_at FROM call_wrap_ups WHERE call_id = $1";
        let row: Option<(String, String, String, Ts)> =
            with_pool!(self, p => sqlx::query_as(sql).bind(&call.0).fetch_optional(p).await?);
        Ok(row.map(|(agent, disposition, notes, saved_at)| WrapUp {
            call: call.clone(),
            agent: AgentId(agent),
            disposition,
            notes,
            saved_at,
        }))
    }

    /// Stores (or replaces) the shopper's rating of a call.
    pub async fn save_rating(&self, r: &Rating) -> Result<(), StoreError> {
        let sql = "INSERT INTO call_ratings (call_id, stars, comment, rated_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (call_id) DO UPDATE SET stars = excluded.stars, \
                   comment = excluded.comment, rated_at = excluded.rated_at";
        with_pool!(self, p => sqlx::query(sql)
            .bind(&r.call.0)
            .bind(i32::from(r.stars))
            .bind(&r.comment)
            .bind(truncate_ts(r.rated_at))
            .execute(p)
            .await
            .map(drop)
            .map_err(|e| missing_call(e, &r.call))?);
        Ok(())
    }

    pub async fn rating_of(&self, call: &CallId) -> Result<Option<Rating>, StoreError> {
        let sql = "SELECT stars, comment, rated_at FROM call_ratings WHERE call_id = $1";
        let row: Option<(i32, Option<String>, Ts)> =
            with_pool!(self, p => sqlx::query_as(sql).bind(&call.0).fetch_optional(p).await?);
        Ok(row.map(|(stars, comment, rated_at)| Rating {
            call: call.clone(),
            stars: stars.clamp(1, 5) as u8,
            comment,
            rated_at,
        }))
    }

    /// Stores a callback request; a replay of the same id is ignored.
    pub async fn save_callback(&self, c: &CallbackRequest) -> Result<(), StoreError> {
        let sql = "INSERT INTO callback_requests (id, tenant, name, contact, language, timezone, \
                   preferred_time, note, product_sku, product_title, product_url, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING";
        with_pool!(self, p => sqlx::query(sql)
            .bind(&c.id)
            .bind(&c.tenant.0)
            .bind(&c.name)
            .bind(&c.contact)
            .bind(&c.language)
            .bind(&c.timezone)
            .bind(&c.preferred_time)
            .bind(&c.note)
            .bind(&c.product.sku)
            .bind(&c.product.title)
            .bind(&c.product.url)
            .bind(truncate_ts(c.created_at))
            .execute(p)
            .await
            .map(drop)?);
        Ok(())
    }

    /// A tenant's newest callback requests.
    pub async fn callbacks(&self, tenant: &TenantId, limit: u32) -> Result<Vec<CallbackRequest>, StoreError> {
        let sql = "SELECT id, tenant, name, contact, language, timezone, preferred_time, note, \
                   product_sku, product_title, product_url, created_at FROM callback_requests \
                   WHERE tenant = $1 ORDER BY created_at DESC, id DESC LIMIT $2";
        let rows: Vec<CallbackRow> = with_pool!(self, p => sqlx::query_as(sql)
            .bind(&tenant.0)
            .bind(i64::from(limit))
            .fetch_all(p)
            .await?);
        Ok(rows.into_iter().map(CallbackRequest::from).collect())
    }

    pub async fn upsert_agent_profile(&self, a: &AgentProfile, at: Ts) -> Result<(), StoreError> {
        let sql = "INSERT INTO agent_profiles (id, tenant, name, languages, skills, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET \
                   tenant = excluded.tenant, name = excluded.name, languages = excluded.languages, \
                   skills = excluded.skills, updated_at = excluded.updated_at";
        with_pool!(self, p => sqlx::query(sql)
            .bind(&a.id.0)
            .bind(&a.tenant.0)
            .bind(&a.name)
            .bind(Json(&a.languages))
            .bind(Json(&a.skills))
            .bind(truncate_ts(at))
            .execute(p)
            .await
            .map(drop)?);
        Ok(())
    }

    pub async fn agent_profiles(&self) -> Result<Vec<AgentProfile>, StoreError> {
        let sql = "SELECT id, tenant, name, languages, skills FROM agent_profiles ORDER BY id";
        let rows: Vec<AgentProfileRow> = with_pool!(self, p => sqlx::query_as(sql).fetch_all(p).await?);
        Ok(rows.into_iter().map(AgentProfile::from).collect())
    }
}
