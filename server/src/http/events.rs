//! `/api/v1/events`: create, read, change and delete events; their sessions;
//! live attendance across the event; the moderation audit log.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, Json, Path};
use super::openapi::Errors;
use crate::commands::admin;
use crate::domain::event::{EventCreated, EventPatch, EventView, NewEvent};
use crate::domain::session::{NewSession, SessionCreated, SessionView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::audit::AuditEntry;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_event, list_events))
        .routes(routes!(get_event, update_event, delete_event))
        .routes(routes!(create_session, list_sessions))
        .routes(routes!(live))
        .routes(routes!(audit))
}

/// Create an event. Needs the admin token; answers with the organizer token (shown once).
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = NewEvent,
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = EventCreated), Errors))]
async fn create_event(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<NewEvent>,
) -> AppResult<(StatusCode, Json<EventCreated>)> {
    Ok((
        StatusCode::CREATED,
        Json(admin::create_event(&state, &actor, body).await?),
    ))
}

/// List every event (admin token).
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])),
    responses((status = 200, description = "Events, newest first", body = Vec<EventView>), Errors))]
async fn list_events(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> AppResult<Json<Vec<EventView>>> {
    Ok(Json(admin::list_events(&state, &actor).await?))
}

/// One event (public).
#[utoipa::path(get, path = "/api/v1/events/{event_id}", tag = "events",
    params(("event_id" = String, Path, description = "Event id")),
    responses((status = 200, description = "The event", body = EventView), Errors))]
async fn get_event(
    State(state): State<AppState>,
    Path(event_id): Path<String>,
) -> AppResult<Json<EventView>> {
    Ok(Json(admin::get_event(&state, event_id).await?))
}

/// Change an event (organizer token). Only the fields given change.
#[utoipa::path(patch, path = "/api/v1/events/{event_id}", tag = "events", request_body = EventPatch,
    params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])),
    responses((status = 200, description = "The changed event", body = EventView), Errors))]
async fn update_event(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
    Json(patch): Json<EventPatch>,
) -> AppResult<Json<EventView>> {
    Ok(Json(
        admin::update_event(&state, &actor, event_id, patch).await?,
    ))
}

/// Delete an event with all its sessions, questions, votes and attendees (organizer token).
#[utoipa::path(delete, path = "/api/v1/events/{event_id}", tag = "events",
    params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), Errors))]
async fn delete_event(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
) -> AppResult<StatusCode> {
    admin::delete_event(&state, &actor, event_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Schedule a session (organizer token). Answers with its speaker and projector tokens (shown once).
#[utoipa::path(post, path = "/api/v1/events/{event_id}/sessions", tag = "sessions", request_body = NewSession,
    params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])),
    responses((status = 201, description = "Created", body = SessionCreated), Errors))]
async fn create_session(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
    Json(body): Json<NewSession>,
) -> AppResult<(StatusCode, Json<SessionCreated>)> {
    Ok((
        StatusCode::CREATED,
        Json(admin::create_session(&state, &actor, event_id, body).await?),
    ))
}

/// An event's sessions in schedule order (public).
#[utoipa::path(get, path = "/api/v1/events/{event_id}/sessions", tag = "sessions",
    params(("event_id" = String, Path, description = "Event id")),
    responses((status = 200, description = "Sessions", body = Vec<SessionView>), Errors))]
async fn list_sessions(
    State(state): State<AppState>,
    Path(event_id): Path<String>,
) -> AppResult<Json<Vec<SessionView>>> {
    Ok(Json(admin::list_sessions(&state, event_id).await?))
}

/// Live attendance of an event's sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventLive {
    /// Attendees connected now, per session id (this node).
    pub sessions: BTreeMap<String, i64>,
    /// Attendees connected now across the event.
    pub total: i64,
}

/// Live attendee counts per session (organizer token).
#[utoipa::path(get, path = "/api/v1/events/{event_id}/live", tag = "events",
    params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])),
    responses((status = 200, description = "Counts", body = EventLive), Errors))]
async fn live(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
) -> AppResult<Json<EventLive>> {
    if !actor.organizes(&event_id) {
        return Err(AppError::forbidden(
            "this needs the event's organizer token",
        ));
    }
    let ids: Vec<String> = admin::list_sessions(&state, event_id)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let sessions = state.hub().presence(&ids);
    let total = sessions.values().sum();
    Ok(Json(EventLive { sessions, total }))
}

/// The moderation audit log: who approved, rejected or hid what, and when (organizer token).
#[utoipa::path(get, path = "/api/v1/events/{event_id}/audit", tag = "events",
    params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])),
    responses((status = 200, description = "Entries, oldest first", body = Vec<AuditEntry>), Errors))]
async fn audit(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    if !actor.organizes(&event_id) || !crate::domain::ids::is_id(&event_id) {
        return Err(AppError::forbidden(
            "this needs the event's organizer token",
        ));
    }
    let entries = state
        .store()
        .read(move |conn| crate::store::audit::list(conn, &event_id).map_err(AppError::from))
        .await?;
    Ok(Json(entries))
}
