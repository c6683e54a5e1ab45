//! The reviewer's REST API: search, exports, a call's record (segments, insights, scores) and
//! overrides. Reviewer and admin tokens only; a reviewer sees its own tenant, an admin any
//! (or the one its token names). Every read of a call and every search/export is written to
//! the audit log. Documented in `openapi.json` (served at `/v1/openapi.json`).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use showroom_signaling::{Claims, Role};
use showroom_store::{
    AuditEntry, CallId, ReviewerId, ReviewerOverride, SearchPage, SearchQuery, SearchSort, Store, StoreError, Ts,
    Verdict,
};

use crate::http::ApiError;
use crate::AppState;

/// The API description, checked against the router by a test.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Calls in one export, at most.
const EXPORT_MAX: u32 = 10_000;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/search", get(search))
        .route("/v1/search/export", get(export))
        .route("/v1/calls/{call_id}", get(call_record))
        .route("/v1/calls/{call_id}/segments", get(segments))
        .route("/v1/calls/{call_id}/insights", get(insights))
        .route("/v1/calls/{call_id}/scores", get(scores))
        .route("/v1/calls/{call_id}/overrides", get(overrides).post(add_override))
        .route("/v1/calls/{call_id}/recordings", get(recordings))
        .route("/v1/calls/{call_id}/recordings/{file}", get(recording_file))
}

/// An error of this API: `{"error": {"code", "message"}}` like the rest of `/v1`.
pub struct ReviewError(StatusCode, &'static str, String);

impl IntoResponse for ReviewError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": {"code": self.1, "message": self.2}}))).into_response()
    }
}

impl From<ApiError> for ReviewError {
    fn from(e: ApiError) -> Self {
        let (status, code, message) = e.parts();
        ReviewError(status, code, message)
    }
}

impl From<StoreError> for ReviewError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Query(q) => ReviewError(StatusCode::BAD_REQUEST, "bad_query", q.to_string()),
            StoreError::EmptyComment => ReviewError(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
            StoreError::CallNotFound(c) => not_found(&c.0),
            e if e.is_transient() => ReviewError(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", e.to_string()),
            e => {
                tracing::error!(error = %e, "review api: store error");
                ReviewError(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the store failed; see the server log".into())
            }
        }
    }
}

fn not_found(call: &str) -> ReviewError {
    ReviewError(StatusCode::NOT_FOUND, "unknown_call", format!("no call {call}"))
}

/// Who is asking, and which tenant they may see (`None`: an admin without a tenant: any).
struct Reviewer {
    claims: Claims,
    tenant: Option<String>,
}

impl Reviewer {
    fn from_request(headers: &HeaderMap, state: &AppState) -> Result<Reviewer, ReviewError> {
        let claims = crate::http::bearer(headers, state)?;
        match claims.role {
            Role::Admin => Ok(Reviewer { tenant: claims.tenant.clone(), claims }),
            Role::Reviewer => {
                let tenant = claims.tenant.clone().ok_or_else(|| {
                    ReviewError(StatusCode::FORBIDDEN, "forbidden", "a reviewer token must name its tenant".into())
                })?;
                Ok(Reviewer { tenant: Some(tenant), claims })
            }
            other => Err(ReviewError(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("role {} may not use the review API (reviewer or admin only)", other.as_str()),
            )),
        }
    }

    /// The tenant a search runs in: the token's, or for an admin without one, `?tenant=`.
    fn search_tenant(&self, asked: Option<&str>) -> Result<String, ReviewError> {
        match (&self.tenant, asked) {
            (Some(own), Some(asked)) if own != asked => {
                Err(ReviewError(StatusCode::FORBIDDEN, "forbidden", format!("your token is for tenant {own}")))
            }
            (Some(own), _) => Ok(own.clone()),
            (None, Some(asked)) => Ok(asked.to_owned()),
            (None, None) => Ok("default".into()),
        }
    }

    async fn audit(&self, store: &Store, action: &str, call: Option<&str>) -> Result<(), ReviewError> {
        store
            .append_audit(&AuditEntry {
                actor: self.claims.sub.clone(),
                role: self.claims.role.as_str().into(),
                action: action.into(),
                call: call.map(CallId::from),
                at: crate::now(),
            })
            .await?;
        Ok(())
    }

    /// Loads a call this reviewer may see (another tenant's call is "not found", not
    /// "forbidden": its existence is not disclosed) and writes the read to the audit log.
    async fn open_call(&self, store: &Store, call: &str, action: &str) -> Result<showroom_store::Call, ReviewError> {
        let call_record = self.find_call(store, call).await?;
        // Audit first: a read that cannot be logged is not served.
        self.audit(store, action, Some(call)).await?;
        Ok(call_record)
    }

    /// The call, if this reviewer may see it; no audit entry.
    async fn find_call(&self, store: &Store, call: &str) -> Result<showroom_store::Call, ReviewError> {
        match store.get_call(&CallId::from(call)).await? {
            Some(c) if self.tenant.as_deref().is_none_or(|t| t == c.tenant.0) => Ok(c),
            _ => Err(not_found(call)),
        }
    }
}

async fn store_of(state: &AppState) -> Result<Store, ReviewError> {
    state.journal.sink().store().await.ok_or_else(|| {
        ReviewError(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "the database is not reachable; try again shortly".into())
    })
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    #[serde(default)]
    q: String,
    tenant: Option<String>,
    from: Option<Ts>,
    to: Option<Ts>,
    agent: Option<String>,
    team: Option<String>,
    language: Option<String>,
    product: Option<String>,
    min_score: Option<f64>,
    max_score: Option<f64>,
    failed: Option<String>,
    interruptions: Option<bool>,
    sort: Option<SearchSort>,
    offset: Option<u32>,
    limit: Option<u32>,
    format: Option<String>,
}

impl SearchParams {
    fn query(self, tenant: String) -> SearchQuery {
        let mut q = SearchQuery::new(tenant, self.q);
        q.from = self.from;
        q.to = self.to;
        q.agent = self.agent;
        q.team = self.team;
        q.language = self.language;
        q.product_sku = self.product;
        q.min_score = self.min_score;
        q.max_score = self.max_score;
        q.failed_criterion = self.failed;
        q.has_interruptions = self.interruptions;
        q.sort = self.sort.unwrap_or_default();
        q.offset = self.offset.unwrap_or(0);
        q.limit = self.limit.unwrap_or(SearchQuery::DEFAULT_PAGE);
        q
    }
}

fn page_json(page: &SearchPage) -> Value {
    json!({
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
        "hits": page.hits.iter().map(|h| json!({
            "call": call_json(&h.call),
            "score": h.score,
            "relevance": h.relevance,
            "matching_segments": h.matching_segments,
            "snippets": h.snippets,
        })).collect::<Vec<_>>(),
    })
}

fn call_json(c: &showroom_store::Call) -> Value {
    json!({
        "id": c.id, "tenant": c.tenant, "shopper_name": c.shopper_name, "agent": c.agent, "team": c.team,
        "product": {"sku": c.product.sku, "title": c.product.title, "url": c.product.url},
        "language": c.language, "node": c.node, "created_at": c.created_at, "answered_at": c.answered_at,
        "ended_at": c.ended_at, "status": c.status,
    })
}

type SearchRequest = Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>;

/// Who searches, what, and in which tenant.
fn search_request(headers: &HeaderMap, state: &AppState, params: SearchRequest) -> Result<(Reviewer, SearchParams, String), ReviewError> {
    let who = Reviewer::from_request(headers, state)?;
    let Query(params) = params.map_err(|e| ReviewError(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let tenant = who.search_tenant(params.tenant.as_deref())?;
    Ok((who, params, tenant))
}

async fn search(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    params: SearchRequest,
) -> Result<Response, ReviewError> {
    let (who, params, tenant) = search_request(&headers, &state, params)?;
    let store = store_of(&state).await?;
    let page = store.search(&params.query(tenant)).await?;
    who.audit(&store, "search", None).await?;
    Ok(Json(page_json(&page)).into_response())
}

/// All results of a search (up to EXPORT_MAX calls) as CSV (default) or JSON.
async fn export(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    params: SearchRequest,
) -> Result<Response, ReviewError> {
    let (who, params, tenant) = search_request(&headers, &state, params)?;
    let format = params.format.clone().unwrap_or_else(|| "csv".into());
    if format != "csv" && format != "json" {
        return Err(ReviewError(StatusCode::BAD_REQUEST, "bad_request", format!("format {format:?}: csv or json")));
    }
    let store = store_of(&state).await?;
    let mut q = params.query(tenant);
    q.offset = 0;
    q.snippets_per_call = 1;
    let mut hits = Vec::new();
    let mut total = 0;
    while (hits.len() as u32) < EXPORT_MAX {
        q.limit = SearchQuery::MAX_PAGE;
        let page = store.search(&q).await?;
        total = page.total;
        let n = page.hits.len();
        hits.extend(page.hits);
        if n < SearchQuery::MAX_PAGE as usize {
            break;
        }
        q.offset += SearchQuery::MAX_PAGE;
    }
    who.audit(&store, "export", None).await?;
    if format == "json" {
        let page = SearchPage { total, offset: 0, limit: hits.len() as u32, hits };
        return Ok(([(header::CONTENT_DISPOSITION, "attachment; filename=\"showroom-search.json\"")], Json(page_json(&page))).into_response());
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let head = ["call_id", "created_at", "agent", "team", "language", "product_sku", "status", "score", "matching_segments", "first_match_s", "first_match"];
    let mut csv_error = w.write_record(head).err();
    for h in &hits {
        let first = h.snippets.first();
        let text: String = first.map(|s| s.fragments.iter().map(|f| f.text.as_str()).collect()).unwrap_or_default();
        let row = [
            h.call.id.0.clone(),
            h.call.created_at.to_rfc3339(),
            h.call.agent.as_ref().map(|a| a.0.clone()).unwrap_or_default(),
            h.call.team.clone().unwrap_or_default(),
            h.call.language.clone().unwrap_or_default(),
            h.call.product.sku.clone().unwrap_or_default(),
            h.call.status.as_str().into(),
            h.score.map(|s| s.to_string()).unwrap_or_default(),
            h.matching_segments.to_string(),
            first.map(|s| format!("{:.2}", s.start_s)).unwrap_or_default(),
            text,
        ];
        csv_error = csv_error.or(w.write_record(&row).err());
    }
    let body = w.into_inner().map_err(|e| e.to_string());
    match (csv_error, body) {
        (None, Ok(body)) => Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"showroom-search.csv\"")],
            body,
        )
            .into_response()),
        (e, b) => Err(ReviewError(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("csv: {e:?} {:?}", b.err()))),
    }
}

async fn call_record(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(call): Path<String>) -> Result<Response, ReviewError> {
    let who = Reviewer::from_request(&headers, &state)?;
    let store = store_of(&state).await?;
    let record = who.open_call(&store, &call, "call.read").await?;
    let participants = store.list_participants(&record.id).await?;
    let participants: Vec<Value> = participants
        .iter()
        .map(|p| json!({"id": p.participant, "role": p.role, "name": p.display_name, "joined_at": p.joined_at, "left_at": p.left_at}))
        .collect();
    let wrap_up = store.wrap_up_of(&record.id).await?;
    let rating = store.rating_of(&record.id).await?;
    let wrap_up = wrap_up.map(|w| json!({"agent": w.agent, "disposition": w.disposition, "notes": w.notes, "saved_at": w.saved_at}));
    let rating = rating.map(|r| json!({"stars": r.stars, "comment": r.comment, "rated_at": r.rated_at}));
    Ok(Json(json!({"call": call_json(&record), "participants": participants, "wrap_up": wrap_up, "rating": rating})).into_response())
}

async fn segments(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(call): Path<String>) -> Result<Response, ReviewError> {
    let who = Reviewer::from_request(&headers, &state)?;
    let store = store_of(&state).await?;
    let record = who.open_call(&store, &call, "segments.read").await?;
    let segments: Vec<Value> = store
        .list_segments(&record.id)
        .await?
        .into_iter()
        .map(|s| {
            let seg = s.segment;
            let (status, reason) = match seg.status {
                showroom_store::SegmentStatus::Final => ("final", None),
                showroom_store::SegmentStatus::NotTranscribed { reason } => ("not_transcribed", Some(reason)),
            };
            json!({"id": s.id, "participant": seg.participant, "role": seg.role, "start_s": seg.start_s, "end_s": seg.end_s,
                   "text": seg.text, "language": seg.language, "confidence": seg.confidence, "status": status,
                   "reason": reason, "redacted": seg.redacted})
        })
        .collect();
    Ok(Json(json!({"call_id": record.id, "segments": segments})).into_response())
}

async fn insights(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(call): Path<String>) -> Result<Response, ReviewError> {
    let who = Reviewer::from_request(&headers, &state)?;
    let store = store_of(&state).await?;
    let record = who.open_call(&store, &call, "insights.read").await?;
    let events = store.list_insight_events(&record.id).await?;
    let metrics = store.get_metrics(&record.id).await?;
    Ok(Json(json!({"call_id": record.id, "metrics": metrics, "events": events})).into_response())
}

async fn scores(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(call): Path<String>) -> Result<Response, ReviewError> {
    let who = Reviewer::from_request(&headers, &state)?;
    let store = store_of(&state).await?;
    let record = who.open_call(&store, &call, "scores.read").await?;
    let scores = store.list_scores(&record.id).await?;
    let overrides = store.list_overrides(&record.id).await?;
    // The verdict in force per criterion: the latest override (they come oldest first).
    let mut in_force = serde_json::Map::new();
    for o in &overrides {
        in_force.insert(o.criterion.clone(), json!({"verdict": o.verdict, "comment": o.comment, "reviewer": o.reviewer, "at": o.at}));
    }
    Ok(Json(json!({"call_id": record.id, "scores": scores, "overrides_in_force": in_force})).into_response())
}

async fn overrides(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(call): Path<String>) -> Result<Response, ReviewError> {
    let who = Reviewer::from_request(&headers, &state)?;
    let store = store_of(&state).await?;
    let record = who.open_call(&store, &call, "overrides.read").await?;
    Ok(Json(json!({"call_id": record.id, "overrides": store.list_overrides(&record.id).await?})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOverride {
    criterion: String,
    verdict: Verdict,
    comment: String,
}

async fn add_override(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(call): Path<String>,
    body: Result<Json<NewOverride>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ReviewError> {
    let who = Reviewer::from_request(&headers, &state)?;
    let Json(body) = body.map_err(|e| ReviewError(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    if body.criterion.trim().is_empty() || body.criterion.len() > 128 || body.comment.trim().is_empty() || body.comment.len() > 4000 {
        return Err(ReviewError(StatusCode::BAD_REQUEST, "bad_request", "criterion (1–128 chars) and comment (≤ 4000) required".into()));
    }
    let store = store_of(&state).await?;
    let record = who.open_call(&store, &call, "override.create").await?;
    let o = ReviewerOverride {
        call: record.id.clone(),
        criterion: body.criterion,
        verdict: body.verdict,
        comment: body.comment,
        reviewer: ReviewerId(who.claims.sub.clone()),
        at: crate::now(),
    };
    store.add_override(&o).await?;
    Ok((StatusCode::CREATED, Json(json!({"override": o}))).into_response())
}

async fn recordings(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(call): Path<String>) -> Result<Response, ReviewError> {
    let who = Reviewer::from_request(&headers, &state)?;
    let store = store_of(&state).await?;
    let record = who.open_call(&store, &call, "recordings.read").await?;
    let dir = state.config.recording.dir(&state.config.store);
    let list: Vec<Value> = crate::recorder::list(&dir, &record.id.0)
        .into_iter()
        .map(|r| {
            let url = format!("/v1/calls/{}/recordings/{}.ogg", record.id.0, r.participant);
            json!({"participant": r.participant, "role": r.role, "start_s": r.start_s, "duration_s": r.duration_s, "bytes": r.bytes, "url": url})
        })
        .collect();
    Ok(Json(json!({"call_id": record.id, "recordings": list})).into_response())
}

#[derive(Deserialize)]
struct MediaQuery {
    /// For `<audio src>`, which cannot send an Authorization header.
    access_token: Option<String>,
}

/// One party's recording, with HTTP range requests (players fetch it in pieces). Audit-logged
/// once per playback (the request that starts at byte 0), not once per piece.
async fn recording_file(
    State(state): State<Arc<AppState>>,
    Path((call, file)): Path<(String, String)>,
    Query(media): Query<MediaQuery>,
    req: axum::extract::Request,
) -> Result<Response, ReviewError> {
    let mut headers = req.headers().clone();
    if let (false, Some(token)) = (headers.contains_key(header::AUTHORIZATION), media.access_token) {
        let value = format!("Bearer {token}").parse().map_err(|_| ReviewError(StatusCode::UNAUTHORIZED, "token_invalid", "malformed access_token".into()))?;
        headers.insert(header::AUTHORIZATION, value);
    }
    let who = Reviewer::from_request(&headers, &state)?;
    let participant = file.strip_suffix(".ogg").and_then(crate::recorder::safe_name).ok_or_else(|| not_found(&call))?;
    let store = store_of(&state).await?;
    who.find_call(&store, &call).await?;
    let dir = state.config.recording.dir(&state.config.store);
    if !crate::recorder::list(&dir, &call).iter().any(|r| r.participant == participant) {
        return Err(ReviewError(StatusCode::NOT_FOUND, "no_recording", format!("no finished recording of {participant} in call {call}")));
    }
    let from_start = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).is_none_or(|r| r.trim().starts_with("bytes=0-"));
    if from_start {
        who.audit(&store, "recording.play", Some(&call)).await?;
    }
    let path = crate::recorder::recording_path(&dir, &call, participant).ok_or_else(|| not_found(&call))?;
    match tower_http::services::ServeFile::new(path).try_call(req).await {
        Ok(res) => Ok(res.map(axum::body::Body::new)),
        Err(e) => Err(ReviewError(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot read the recording: {e}"))),
    }
}
