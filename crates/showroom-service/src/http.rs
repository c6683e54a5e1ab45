//! HTTP routes: health, metrics, the call front door and desk endpoints, static pages.

use std::sync::Arc;

use axum::extract::{Path, Query, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use showroom_signaling::{Claims, ErrorCode, Role, MAX_MESSAGE_BYTES};
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

use crate::calls::{unix_ms, AnswerError, ProductContext};
use crate::AppState;

/// The one mapping from a protocol error code to an HTTP status.
fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::NotAuthenticated | ErrorCode::TokenInvalid | ErrorCode::TokenExpired => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden | ErrorCode::WrongCall => StatusCode::FORBIDDEN,
        ErrorCode::UnknownCall | ErrorCode::UnknownTrack => StatusCode::NOT_FOUND,
        ErrorCode::CallFull | ErrorCode::OutOfOrder => StatusCode::CONFLICT,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

pub struct ApiError(pub(crate) ErrorCode, pub(crate) String);

impl ApiError {
    /// Status, stable code and message, for APIs that render errors themselves.
    pub(crate) fn parts(self) -> (StatusCode, &'static str, String) {
        (status_of(self.0), self.0.as_str(), self.1)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (status_of(self.0), Json(json!({"error": {"code": self.0.as_str(), "message": self.1}}))).into_response()
    }
}

impl From<showroom_signaling::SignalError> for ApiError {
    fn from(e: showroom_signaling::SignalError) -> Self {
        ApiError(e.code, e.message)
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    let dir = state.config.web.dir.clone();
    let pages = ServeDir::new(&dir).not_found_service(ServeFile::new(dir.join("product.html")));
    // The shopper's endpoints are called by the widget from shops' own domains. They take
    // bearer tokens, never cookies, so any origin may call them; the rest stays same-origin.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(std::time::Duration::from_secs(3600));
    let shopper = Router::new().route("/v1/calls", post(create_call).get(list_calls)).merge(crate::desk::shopper_routes()).layer(cors);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/signal", get(signal))
        .merge(shopper)
        .route("/v1/calls/{call_id}/answer", post(answer_call))
        .route("/v1/review/token", get(review_token))
        .merge(crate::review_api::routes())
        .merge(crate::desk::routes())
        .route_service("/", ServeFile::new(dir.join("product.html")))
        .route_service("/agent", ServeFile::new(dir.join("agent.html")))
        .route_service("/review", ServeFile::new(dir.join("review.html")))
        .route_service("/supervisor", ServeFile::new(dir.join("supervisor.html")))
        .fallback_service(pages)
        .with_state(state)
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match state.sfu.stats().await {
        Ok(s) => Json(json!({"status": "ok", "calls": s.calls, "participants": s.participants})).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "sfu stopped"}))).into_response(),
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let body = prometheus::TextEncoder::new().encode_to_string(&state.registry.gather()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn signal(ws: WebSocketUpgrade, State(state): State<Arc<AppState>>) -> Response {
    // Frames a bit over the protocol limit still reach the session, which answers with
    // `message_too_large`; far larger ones are cut off by the transport.
    ws.max_message_size(MAX_MESSAGE_BYTES * 4)
        .max_frame_size(MAX_MESSAGE_BYTES * 4)
        .on_upgrade(move |socket| crate::ws::serve(socket, state))
}

pub(crate) fn bearer(headers: &HeaderMap, state: &AppState) -> Result<Claims, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| ApiError(ErrorCode::NotAuthenticated, "missing `Authorization: Bearer <token>`".into()))?;
    Ok(state.keys.verify(token.trim(), unix_ms() / 1000)?)
}

pub(crate) fn require_role(claims: &Claims, allowed: &[Role]) -> Result<(), ApiError> {
    if allowed.contains(&claims.role) {
        Ok(())
    } else {
        Err(ApiError(ErrorCode::Forbidden, format!("role {} may not do this", claims.role.as_str())))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCall {
    /// The shop; selects per-tenant settings such as the transcription language.
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    product: Option<ProductContext>,
    /// A shopper the page marks as VIP: believed on a demo server only (see `shopper_token`).
    #[serde(default)]
    vip: bool,
    /// The shop's signed word about the shopper (VIP, name), checked with the shop's secret.
    #[serde(default)]
    shopper_token: Option<String>,
    /// Product category, matched against agents' skills.
    #[serde(default)]
    skill: Option<String>,
}

pub(crate) fn bounded(s: Option<String>, max: usize) -> Option<String> {
    s.map(|s| s.chars().take(max).collect())
}

async fn create_call(State(state): State<Arc<AppState>>, body: Option<Json<NewCall>>) -> Result<Response, ApiError> {
    let NewCall { tenant, name, language, product, vip, shopper_token, skill } = body
        .map(|b| b.0)
        .unwrap_or(NewCall { tenant: None, name: None, language: None, product: None, vip: false, shopper_token: None, skill: None });
    let tenant = bounded(tenant, 64).filter(|t| !t.is_empty()).unwrap_or_else(|| "default".to_owned());
    let (vip, vouched_name) = state.desk.vouched_shopper(&tenant, shopper_token.as_deref(), vip, state.config.demo.enabled, unix_ms() / 1000)?;
    let name = vouched_name.or(name);
    let product = product.map(|p| ProductContext {
        sku: bounded(p.sku, 128),
        title: bounded(p.title, 256),
        url: bounded(p.url, 1024),
        image: bounded(p.image, 1024),
        price: bounded(p.price, 64),
    });
    let (customer_name, language) = (bounded(name, 128), bounded(language, 16));
    let call_id = state.calls.create_call(crate::calls::NewCall {
        tenant: tenant.clone(),
        customer_name: customer_name.clone(),
        language: language.clone(),
        product: product.clone(),
    });
    let card = product.clone();
    let product = product.unwrap_or_default();
    state.journal.write(showroom_store::LiveWrite::CallCreated {
        call: showroom_store::NewCall {
            id: showroom_store::CallId(call_id.clone()),
            tenant: showroom_store::TenantId(tenant.clone()),
            shopper_id: None,
            shopper_name: customer_name.clone(),
            agent: None,
            team: None,
            product: showroom_store::ProductContext { sku: product.sku, title: product.title, url: product.url },
            language: language.as_deref().and_then(|l| l.split(['-', '_']).next().map(str::to_lowercase)),
            node: None,
            created_at: crate::now(),
        },
    });
    // Queued only once its creation is journaled, so the store never hears of an answer first.
    let routed_language = crate::desk::primary_language(language.as_deref());
    state.desk.enqueue(crate::desk::state::QueuedCall {
        id: call_id.clone(),
        tenant: tenant.clone(),
        language: routed_language,
        skill: bounded(skill, 32).map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()),
        vip,
        shopper_name: customer_name,
        product: card,
        since_ms: unix_ms(),
        declined_by: Default::default(),
        offer: None,
    });
    let claims = Claims { call: Some(call_id.clone()), tenant: Some(tenant), ..state.claims(format!("shopper-{}", &call_id[3..]), Role::Customer) };
    let (token, exp) = (state.keys.mint(&claims)?, claims.exp);
    let queue = state.desk.queue_message_for(&call_id);
    tracing::info!(call = %call_id, "call created");
    Ok((StatusCode::CREATED, Json(json!({"call_id": call_id, "token": token, "participant_token_expires_at": exp, "queue": queue}))).into_response())
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    state: Option<String>,
}

async fn list_calls(State(state): State<Arc<AppState>>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Result<Response, ApiError> {
    let claims = bearer(&headers, &state)?;
    require_role(&claims, &[Role::Agent, Role::Supervisor, Role::Admin])?;
    match q.state.as_deref() {
        None | Some("waiting") => Ok(Json(json!({"calls": state.calls.waiting()})).into_response()),
        Some(other) => Err(ApiError(ErrorCode::BadMessage, format!("unknown state filter `{other}`; use `waiting`"))),
    }
}

async fn answer_call(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(call_id): Path<String>) -> Result<Response, ApiError> {
    let claims = bearer(&headers, &state)?;
    require_role(&claims, &[Role::Agent])?;
    match state.calls.answer(&call_id, &claims.sub) {
        Ok(()) => {
            state.desk.taken(&call_id);
            let (token, _) = state.mint(claims.sub.clone(), Role::Agent, Some(call_id.clone()))?;
            state.journal.write(showroom_store::LiveWrite::CallAnswered {
                call: showroom_store::CallId(call_id.clone()),
                answer: showroom_store::Answer { agent: showroom_store::AgentId(claims.sub.clone()), team: None, at: crate::now() },
            });
            tracing::info!(call = %call_id, agent = %claims.sub, "call answered");
            Ok(Json(json!({"call_id": call_id, "token": token})).into_response())
        }
        Err(AnswerError::UnknownCall) => Err(ApiError(ErrorCode::UnknownCall, format!("call {call_id} does not exist or has ended"))),
        Err(AnswerError::AlreadyAnswered) => Err(ApiError(ErrorCode::CallFull, "another agent already answered this call".into())),
    }
}

#[derive(Deserialize)]
struct DeskQuery {
    #[serde(default)]
    identity: Option<String>,
    /// Reviewer tokens only: the shop whose calls they review (default `default`).
    #[serde(default)]
    tenant: Option<String>,
}

/// Demo sign-in for the review pages: a reviewer token for one tenant.
async fn review_token(State(state): State<Arc<AppState>>, Query(q): Query<DeskQuery>) -> Result<Response, ApiError> {
    if !state.config.demo.enabled {
        return Err(ApiError(ErrorCode::Forbidden, "demo sign-in is disabled; mint tokens with `showroom token --role reviewer --tenant …`".into()));
    }
    let identity = bounded(q.identity, 64).filter(|s| !s.is_empty()).unwrap_or_else(|| "reviewer".into());
    let tenant = bounded(q.tenant, 64).filter(|s| !s.is_empty()).unwrap_or_else(|| "default".into());
    let claims = Claims { tenant: Some(tenant.clone()), ..state.claims(identity, Role::Reviewer) };
    let token = state.keys.mint(&claims)?;
    Ok(Json(json!({"token": token, "expires_at": claims.exp, "tenant": tenant})).into_response())
}
