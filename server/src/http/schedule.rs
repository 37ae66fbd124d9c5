//! `/api/v1/events/{event_id}/schedule`: the event's schedule as pretalx /
//! frab JSON (public, like the session list), and importing one (organizer).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, Json, Path};
use super::openapi::Errors;
use crate::domain::ids::is_id;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;

/// Largest schedule accepted over REST (the command line has no limit).
pub const SCHEDULE_MAX_BYTES: usize = 10 * 1024 * 1024;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_schedule, import_schedule))
        .layer(DefaultBodyLimit::max(SCHEDULE_MAX_BYTES))
}

/// The event's schedule in the pretalx / frab (c3voc) JSON format (public).
#[utoipa::path(get, path = "/api/v1/events/{event_id}/schedule", tag = "schedule",
    params(("event_id" = String, Path, description = "Event id")),
    responses((status = 200, description = "schedule.json", content_type = "application/json", body = Object), Errors))]
async fn export_schedule(
    State(state): State<AppState>,
    Path(event_id): Path<String>,
) -> AppResult<Response> {
    if !is_id(&event_id) {
        return Err(AppError::not_found("event"));
    }
    let doc = state
        .store()
        .read(move |conn| crate::schedule::export::export(conn, &event_id))
        .await?;
    let body = serde_json::to_vec_pretty(&doc).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"schedule.json\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    /// Sessions created.
    pub created: usize,
    /// Sessions updated (matched by talk guid).
    pub updated: usize,
}

/// Create (or update, by talk guid) the event's sessions from a pretalx / frab schedule (organizer token).
/// New sessions have no speaker or projector token yet: issue them with `POST /api/v1/sessions/{id}/tokens/{kind}`.
#[utoipa::path(post, path = "/api/v1/events/{event_id}/schedule", tag = "schedule",
    request_body(content = Object, content_type = "application/json", description = "schedule.json"),
    params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])),
    responses((status = 200, description = "Imported", body = Imported), Errors))]
async fn import_schedule(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Json<Imported>> {
    if !is_id(&event_id) {
        return Err(AppError::not_found("event"));
    }
    if !actor.organizes(&event_id) {
        return Err(AppError::forbidden(
            "this needs the event's organizer token",
        ));
    }
    let body = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                ErrorCode::TooLarge,
                format!("a schedule is at most {SCHEDULE_MAX_BYTES} bytes"),
            )
        } else {
            AppError::bad_request(e.body_text())
        }
    })?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::bad_request("the schedule must be UTF-8 JSON"))?;
    let report = crate::schedule::import::import(state.store(), Some(event_id), text).await?;
    Ok(Json(Imported {
        created: report.created,
        updated: report.updated,
    }))
}
