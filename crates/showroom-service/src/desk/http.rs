//! The desk's HTTP endpoints (`DESK.md`): availability and callbacks for the widget, the
//! shopper's rating, listen-in tokens for supervisors, agent profiles, demo sign-in and the
//! desk WebSocket.

use std::sync::Arc;

use axum::extract::{Path, Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;
use serde_json::json;
use showroom_signaling::desk::{AgentCard, BoardCallback};
use showroom_signaling::{Claims, ErrorCode, Role, MAX_MESSAGE_BYTES};

use super::primary_language;
use crate::calls::{unix_ms, ProductContext};
use crate::http::{bearer, bounded, require_role, ApiError};
use crate::AppState;

/// Agents', supervisors' and admins' endpoints (same origin as the pages).
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/desk/ws", get(socket))
        .route("/v1/desk/token", get(demo_token))
        .route("/v1/desk/agents", get(list_agents))
        .route("/v1/desk/agents/{agent}", put(put_agent))
        .route("/v1/calls/{call_id}/listen", post(listen))
}

/// What the widget calls from a shop's page (any origin; see `crate::http::router`).
pub(crate) fn shopper_routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/desk/availability", get(availability))
        .route("/v1/calls/{call_id}/rating", post(rate))
        .route("/v1/callbacks", post(request_callback).get(list_callbacks))
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(ErrorCode::BadMessage, message.into())
}

async fn socket(ws: WebSocketUpgrade, State(app): State<Arc<AppState>>) -> Response {
    ws.max_message_size(MAX_MESSAGE_BYTES * 4).max_frame_size(MAX_MESSAGE_BYTES * 4).on_upgrade(move |s| super::serve_socket(s, app))
}

fn list(s: Option<String>) -> Vec<String> {
    s.unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).take(16).map(|s| s.chars().take(32).collect()).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSignIn {
    #[serde(default)]
    identity: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    languages: Option<String>,
    #[serde(default)]
    skills: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

/// Demo sign-in: a desk token, and for agents the profile they describe.
async fn demo_token(State(app): State<Arc<AppState>>, Query(q): Query<DemoSignIn>) -> Result<Response, ApiError> {
    if !app.config.demo.enabled {
        return Err(ApiError(ErrorCode::Forbidden, "demo sign-in is disabled; mint tokens with `showroom token --role agent --tenant …`".into()));
    }
    let role = match q.role.as_deref().unwrap_or("agent") {
        "agent" => Role::Agent,
        "supervisor" => Role::Supervisor,
        other => return Err(bad(format!("role `{other}`: demo sign-in is for agents and supervisors"))),
    };
    let identity = bounded(q.identity, 64).filter(|s| !s.is_empty()).unwrap_or_else(|| role.as_str().to_owned());
    let tenant = bounded(q.tenant, 64).filter(|s| !s.is_empty()).unwrap_or_else(|| "default".into());
    let name = bounded(q.name, 64).filter(|s| !s.is_empty());
    if role == Role::Agent && (q.languages.is_some() || q.skills.is_some() || name.is_some()) {
        let mut languages = list(q.languages);
        if languages.is_empty() {
            languages.push("en".into());
        }
        let card = AgentCard { id: identity.clone(), name: name.clone(), tenant: tenant.clone(), languages, skills: list(q.skills) };
        save_profile(&app, card).await;
    }
    let claims = Claims { name, tenant: Some(tenant), ..app.claims(identity, role) };
    Ok(Json(json!({"token": app.keys.mint(&claims)?, "expires_at": claims.exp})).into_response())
}

async fn save_profile(app: &AppState, card: AgentCard) {
    app.desk.set_profile(card.clone());
    let card = app.desk.profile(&card.id, None);
    let profile = showroom_store::AgentProfile {
        id: showroom_store::AgentId(card.id),
        tenant: showroom_store::TenantId(card.tenant),
        name: card.name,
        languages: card.languages,
        skills: card.skills,
    };
    match app.journal.sink().store().await {
        Some(store) => {
            if let Err(e) = store.upsert_agent_profile(&profile, crate::now()).await {
                tracing::warn!(agent = %profile.id.0, error = %e, "agent profile not stored; it holds until a restart");
            }
        }
        None => tracing::warn!(agent = %profile.id.0, "store unreachable: agent profile holds until a restart"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentBody {
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    name: Option<String>,
    languages: Vec<String>,
    #[serde(default)]
    skills: Vec<String>,
}

async fn put_agent(State(app): State<Arc<AppState>>, headers: HeaderMap, Path(agent): Path<String>, body: Result<Json<AgentBody>, axum::extract::rejection::JsonRejection>) -> Result<Response, ApiError> {
    let claims = bearer(&headers, &app)?;
    require_role(&claims, &[Role::Admin])?;
    let Json(body) = body.map_err(|e| bad(format!("agent profile: {}", e.body_text())))?;
    if agent.is_empty() || agent.len() > 64 || body.languages.is_empty() || body.languages.len() > 16 || body.skills.len() > 32 {
        return Err(bad("an agent needs an id (≤ 64 chars) and 1–16 languages; at most 32 skills"));
    }
    let card = AgentCard {
        id: agent,
        name: bounded(body.name, 64),
        tenant: bounded(body.tenant, 64).or(claims.tenant).unwrap_or_else(|| "default".into()),
        languages: body.languages,
        skills: body.skills.into_iter().map(|s| s.chars().take(32).collect()).collect(),
    };
    save_profile(&app, card.clone()).await;
    Ok(Json(app.desk.profile(&card.id, None)).into_response())
}

async fn list_agents(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let claims = bearer(&headers, &app)?;
    require_role(&claims, &[Role::Admin, Role::Supervisor])?;
    let tenant = claims.tenant.unwrap_or_else(|| "default".into());
    let agents: Vec<AgentCard> = app.desk.profiles().into_iter().filter(|a| a.tenant == tenant || claims.role == Role::Admin).collect();
    Ok(Json(json!({"agents": agents})).into_response())
}

#[derive(Deserialize)]
struct AvailabilityQuery {
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

async fn availability(State(app): State<Arc<AppState>>, Query(q): Query<AvailabilityQuery>) -> Response {
    let tenant = bounded(q.tenant, 64).filter(|t| !t.is_empty()).unwrap_or_else(|| "default".into());
    let language = primary_language(q.language.as_deref());
    Json(app.desk.availability(&tenant, &language, unix_ms())).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    stars: u8,
    #[serde(default)]
    comment: Option<String>,
}

async fn rate(State(app): State<Arc<AppState>>, headers: HeaderMap, Path(call_id): Path<String>, body: Result<Json<RatingBody>, axum::extract::rejection::JsonRejection>) -> Result<Response, ApiError> {
    let claims = bearer(&headers, &app)?;
    require_role(&claims, &[Role::Customer])?;
    if claims.call.as_deref() != Some(call_id.as_str()) {
        return Err(ApiError(ErrorCode::WrongCall, "this token is for another call".into()));
    }
    let Json(body) = body.map_err(|e| bad(format!("rating: {}", e.body_text())))?;
    if !(1..=5).contains(&body.stars) {
        return Err(bad("stars must be 1 to 5"));
    }
    let comment = body.comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        return Err(bad("the comment is limited to 2,000 characters"));
    }
    app.journal.write(showroom_store::LiveWrite::Rated {
        rating: showroom_store::Rating { call: showroom_store::CallId(call_id.clone()), stars: body.stars, comment, rated_at: crate::now() },
    });
    app.desk.rated(claims.tenant.as_deref().unwrap_or("default"), body.stars);
    tracing::info!(call = %call_id, stars = body.stars, "rated");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A listen-only ticket into a live call for a supervisor of its shop.
async fn listen(State(app): State<Arc<AppState>>, headers: HeaderMap, Path(call_id): Path<String>) -> Result<Response, ApiError> {
    let claims = bearer(&headers, &app)?;
    require_role(&claims, &[Role::Supervisor, Role::Admin])?;
    let tenant = claims.tenant.clone().unwrap_or_else(|| "default".into());
    match app.calls.get(&call_id) {
        Some(c) if c.tenant == tenant || claims.role == Role::Admin => {}
        _ => return Err(ApiError(ErrorCode::UnknownCall, format!("call {call_id} is not live"))),
    }
    let listen = Claims { call: Some(call_id.clone()), name: claims.name, listen_only: true, tenant: Some(tenant), ..app.claims(claims.sub, Role::Supervisor) };
    Ok(Json(json!({"call_id": call_id, "token": app.keys.mint(&listen)?})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallbackBody {
    #[serde(default)]
    tenant: Option<String>,
    name: String,
    contact: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    preferred_time: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    product: Option<ProductContext>,
}

async fn request_callback(State(app): State<Arc<AppState>>, body: Result<Json<CallbackBody>, axum::extract::rejection::JsonRejection>) -> Result<Response, ApiError> {
    let Json(b) = body.map_err(|e| bad(format!("callback request: {}", e.body_text())))?;
    let (name, contact) = (b.name.trim().to_owned(), b.contact.trim().to_owned());
    if name.is_empty() || name.chars().count() > 128 {
        return Err(bad("please give a name (up to 128 characters)"));
    }
    if contact.chars().count() < 5 || contact.chars().count() > 200 {
        return Err(bad("please give a phone number or e-mail address to call you back on"));
    }
    let tenant = bounded(b.tenant, 64).filter(|t| !t.is_empty()).unwrap_or_else(|| "default".into());
    let id = format!("CB_{}", Alphanumeric.sample_string(&mut rand::rng(), 16));
    let product = b.product.unwrap_or_default();
    let callback = showroom_store::CallbackRequest {
        id: id.clone(),
        tenant: showroom_store::TenantId(tenant.clone()),
        name,
        contact,
        language: b.language.map(|l| primary_language(Some(&l))),
        timezone: bounded(b.timezone, 64),
        preferred_time: bounded(b.preferred_time, 128),
        note: bounded(b.note, 2000),
        product: showroom_store::ProductContext { sku: bounded(product.sku, 128), title: bounded(product.title, 256), url: bounded(product.url, 1024) },
        created_at: crate::now(),
    };
    app.desk.remember_callback(&tenant, board_callback(&callback));
    app.journal.write(showroom_store::LiveWrite::CallbackRequested { callback });
    tracing::info!(callback = %id, tenant = %tenant, "callback requested");
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

pub(super) fn board_callback(c: &showroom_store::CallbackRequest) -> BoardCallback {
    BoardCallback {
        id: c.id.clone(),
        name: c.name.clone(),
        contact: c.contact.clone(),
        language: c.language.clone(),
        timezone: c.timezone.clone(),
        preferred_time: c.preferred_time.clone(),
        note: c.note.clone(),
        created_ms: c.created_at.timestamp_millis().max(0) as u64,
    }
}

async fn list_callbacks(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let claims = bearer(&headers, &app)?;
    require_role(&claims, &[Role::Supervisor, Role::Admin])?;
    let tenant = showroom_store::TenantId(claims.tenant.unwrap_or_else(|| "default".into()));
    let store = app.journal.sink().store().await.ok_or_else(|| ApiError(ErrorCode::Internal, "the database is not reachable; try again shortly".into()))?;
    let callbacks = store.callbacks(&tenant, 200).await.map_err(|e| ApiError(ErrorCode::Internal, e.to_string()))?;
    Ok(Json(json!({"callbacks": callbacks.iter().map(board_callback).collect::<Vec<_>>()})).into_response())
}
