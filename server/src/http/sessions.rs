//! `/api/v1/sessions` and `/api/v1/join`: read, change and delete sessions,
//! join as an attendee, start and end, snapshots and replays over REST,
//! token rotation and sign-out.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, IdempotencyKey, Json, Path, Query};
use super::openapi::Errors;
use crate::commands::admin::{self, IssuedToken, JoinRequest, Joined, SessionTokenKind};
use crate::commands::snapshot::{self, NotRecoveredReason, Resume, Snapshot};
use crate::commands::{self, Ack, Command};
use crate::domain::roles::Role;
use crate::domain::session::{Moderation, SessionPatch, SessionView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_session, update_session, delete_session))
        .routes(routes!(by_code))
        .routes(routes!(join_qr))
        .routes(routes!(join))
        .routes(routes!(start))
        .routes(routes!(end))
        .routes(routes!(moderation))
        .routes(routes!(get_snapshot))
        .routes(routes!(replay))
        .routes(routes!(rotate_token))
        .routes(routes!(whoami))
        .routes(routes!(revoke))
}

/// One session (public).
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}", tag = "sessions",
    params(("session_id" = String, Path, description = "Session id")),
    responses((status = 200, description = "The session", body = SessionView), Errors))]
async fn get_session(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
) -> AppResult<Json<SessionView>> {
    Ok(Json(admin::get_session(&state, session_id).await?))
}

/// Change a session's schedule fields (organizer or the session's speaker). Live clients get `session.updated`.
#[utoipa::path(patch, path = "/api/v1/sessions/{session_id}", tag = "sessions", request_body = SessionPatch,
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, description = "The changed session", body = SessionView), Errors))]
async fn update_session(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    Json(patch): Json<SessionPatch>,
) -> AppResult<Json<SessionView>> {
    Ok(Json(
        admin::update_session(&state, &actor, session_id, patch).await?,
    ))
}

/// Delete a session and everything in it (organizer token). Live sockets close with 4003.
#[utoipa::path(delete, path = "/api/v1/sessions/{session_id}", tag = "sessions",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), Errors))]
async fn delete_session(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
) -> AppResult<StatusCode> {
    admin::delete_session(&state, &actor, session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Find a session by its join code (public).
#[utoipa::path(get, path = "/api/v1/join/{code}", tag = "join",
    params(("code" = String, Path, description = "Join code")),
    responses((status = 200, description = "The session", body = SessionView), Errors))]
async fn by_code(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<Json<SessionView>> {
    Ok(Json(admin::session_by_code(&state, &code).await?))
}

/// A QR code (SVG) of the session's join link, for slides and the projector (public).
#[utoipa::path(get, path = "/api/v1/join/{code}/qr.svg", tag = "join",
    params(("code" = String, Path, description = "Join code")),
    responses((status = 200, description = "SVG image of the join link", content_type = "image/svg+xml", body = String), Errors))]
async fn join_qr(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let session = admin::session_by_code(&state, &code).await?;
    let link = format!("{}/join/{}", state.public_url(), session.join_code);
    let svg = qrcode::QrCode::new(link.as_bytes())
        .map_err(AppError::internal)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        svg,
    )
        .into_response())
}

/// Join a session with its code: no account, optional display name. Answers with an attendee token.
#[utoipa::path(post, path = "/api/v1/join", tag = "join", request_body = JoinRequest,
    responses((status = 201, description = "Joined", body = Joined), Errors))]
async fn join(
    State(state): State<AppState>,
    Json(body): Json<JoinRequest>,
) -> AppResult<(StatusCode, Json<Joined>)> {
    Ok((StatusCode::CREATED, Json(admin::join(&state, body).await?)))
}

async fn run(
    state: &AppState,
    actor: &crate::domain::roles::Actor,
    session_id: &str,
    key: &Option<String>,
    command: Command,
) -> AppResult<Json<Ack>> {
    Ok(Json(
        commands::execute(state, actor, session_id, key.as_deref(), command).await?,
    ))
}

/// Go live: questions and votes open (staff).
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/start", tag = "sessions",
    params(("session_id" = String, Path, description = "Session id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Started", body = Ack), Errors))]
async fn start(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
) -> AppResult<Json<Ack>> {
    run(&state, &actor, &session_id, &key, Command::SessionStart).await
}

/// End the session: read-only afterwards (staff).
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/end", tag = "sessions",
    params(("session_id" = String, Path, description = "Session id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Ended", body = Ack), Errors))]
async fn end(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
) -> AppResult<Json<Ack>> {
    run(&state, &actor, &session_id, &key, Command::SessionEnd).await
}

/// The body of `PUT …/moderation`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationBody {
    /// `pre` (approve first) or `post` (visible at once).
    pub moderation: Moderation,
}

/// Switch question moderation between pre and post (staff).
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/moderation", tag = "sessions", request_body = ModerationBody,
    params(("session_id" = String, Path, description = "Session id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Changed", body = Ack), Errors))]
async fn moderation(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<ModerationBody>,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &key,
        Command::SessionModeration {
            moderation: body.moderation,
        },
    )
    .await
}

fn check_watch(actor: &crate::domain::roles::Actor, session_id: &str) -> AppResult<()> {
    match actor.role {
        Role::Admin | Role::Organizer => Ok(()),
        _ if actor.session_id.as_deref() == Some(session_id) => Ok(()),
        _ => Err(AppError::forbidden(
            "this token is not valid for this session",
        )),
    }
}

/// The session's state as the caller's audience sees it (any token of the session).
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/snapshot", tag = "stream",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, description = "Snapshot", body = Snapshot), Errors))]
async fn get_snapshot(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
) -> AppResult<Json<Snapshot>> {
    check_watch(&actor, &session_id)?;
    if !crate::domain::ids::is_id(&session_id) {
        return Err(AppError::not_found("session"));
    }
    let sid = session_id.clone();
    let mut loaded = state
        .store()
        .read(move |conn| {
            let session = crate::store::sessions::get(conn, &sid)?
                .ok_or_else(|| AppError::not_found("session"))?;
            if !actor.can_watch(&session.view.event_id, &sid) {
                return Err(AppError::forbidden(
                    "this token is not valid for this session",
                ));
            }
            snapshot::load(conn, &actor, &sid)
        })
        .await?;
    loaded.snapshot.presence = state.hub().attendees(&session_id);
    Ok(Json(loaded.snapshot))
}

/// Query of `GET …/events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReplayQuery {
    /// Return events after this `seq` of the caller's stream.
    pub since: u64,
    /// The epoch `since` belongs to (from a snapshot or `resumed`).
    #[serde(default)]
    pub epoch: Option<String>,
}

/// One event of the caller's stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamEvent {
    /// Position in the caller's stream.
    pub seq: u64,
    /// Commit time, Unix milliseconds.
    pub ts: i64,
    /// What happened (see docs/protocol.md).
    pub kind: String,
    /// The payload.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// The events missed since `since`, or a snapshot when they cannot be replayed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Replay {
    /// true: `events` is exactly the gap; false: see `reason` and `snapshot`.
    pub recovered: bool,
    /// Why the gap could not be replayed.
    pub reason: Option<NotRecoveredReason>,
    /// The missed events, in order.
    pub events: Vec<StreamEvent>,
    /// The caller's stream position after `events` (or the snapshot's).
    pub to: u64,
    /// A fresh snapshot when not recovered.
    pub snapshot: Option<Snapshot>,
}

/// Replay the caller's stream after `since` (any token of the session).
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/events", tag = "stream",
    params(("session_id" = String, Path, description = "Session id"), ReplayQuery), security(("bearer" = [])),
    responses((status = 200, description = "Replay", body = Replay), Errors))]
async fn replay(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    Query(query): Query<ReplayQuery>,
) -> AppResult<Json<Replay>> {
    check_watch(&actor, &session_id)?;
    if !crate::domain::ids::is_id(&session_id) {
        return Err(AppError::not_found("session"));
    }
    let limit = state.config().replay_limit;
    let audience = actor.audience();
    let outcome = state
        .store()
        .read(move |conn| {
            let session = crate::store::sessions::get(conn, &session_id)?
                .ok_or_else(|| AppError::not_found("session"))?;
            if !actor.can_watch(&session.view.event_id, &session_id) {
                return Err(AppError::forbidden(
                    "this token is not valid for this session",
                ));
            }
            snapshot::resume(
                conn,
                &actor,
                &session_id,
                query.since,
                query.epoch.as_deref(),
                limit,
            )
        })
        .await?;
    Ok(Json(match outcome {
        Resume::Replayed { events, to, .. } => Replay {
            recovered: true,
            reason: None,
            events: events
                .iter()
                .filter_map(|e| {
                    Some(StreamEvent {
                        seq: e.seq_for(audience)?,
                        ts: e.ts,
                        kind: e.kind.to_string(),
                        data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
                    })
                })
                .collect(),
            to,
            snapshot: None,
        },
        Resume::NotRecovered { reason, loaded } => Replay {
            recovered: false,
            reason: Some(reason),
            events: Vec::new(),
            to: loaded.snapshot.seq,
            snapshot: Some(loaded.snapshot),
        },
    }))
}

/// Replace the session's speaker or projector token (organizer). The old one stops working; its sockets close (1008).
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/tokens/{kind}", tag = "sessions",
    params(("session_id" = String, Path, description = "Session id"),
           ("kind" = inline(SessionTokenKind), Path, description = "speaker or projector")),
    security(("bearer" = [])),
    responses((status = 201, description = "The new token", body = IssuedToken), Errors))]
async fn rotate_token(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, kind)): Path<(String, SessionTokenKind)>,
) -> AppResult<(StatusCode, Json<IssuedToken>)> {
    Ok((
        StatusCode::CREATED,
        Json(admin::rotate_token(&state, &actor, session_id, kind).await?),
    ))
}

/// Who the presented token belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    /// Role.
    pub role: Role,
    /// Event scope.
    pub event_id: Option<String>,
    /// Session scope.
    pub session_id: Option<String>,
    /// Attendee id (attendee tokens).
    pub attendee_id: Option<String>,
    /// Display name (attendee tokens).
    pub display_name: Option<String>,
}

/// Describe the presented token.
#[utoipa::path(get, path = "/api/v1/me", tag = "join", security(("bearer" = [])),
    responses((status = 200, description = "The token's role and scope", body = WhoAmI), Errors))]
async fn whoami(Auth(actor): Auth) -> Json<WhoAmI> {
    Json(WhoAmI {
        role: actor.role,
        event_id: actor.event_id,
        session_id: actor.session_id,
        attendee_id: actor.attendee_id,
        display_name: actor.display_name,
    })
}

/// Revoke the presented token (sign out). Its live sockets close (1008).
#[utoipa::path(post, path = "/api/v1/me/revoke", tag = "join", security(("bearer" = [])),
    responses((status = 204, description = "Revoked"), Errors))]
async fn revoke(State(state): State<AppState>, Auth(actor): Auth) -> AppResult<StatusCode> {
    admin::revoke_own_token(&state, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
