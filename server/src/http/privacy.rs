//! Attendees' personal data over REST: list, export, delete.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, Json, Path};
use super::openapi::Errors;
use crate::commands::privacy::{self, AttendeeData};
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::tokens::AttendeeRow;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(export, delete))
}

/// A session's attendees (organizer token).
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/attendees", tag = "privacy",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, description = "Attendees in joining order", body = Vec<AttendeeRow>), Errors))]
async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
) -> AppResult<Json<Vec<AttendeeRow>>> {
    Ok(Json(privacy::list(&state, &actor, session_id).await?))
}

/// Everything stored about one attendee (the event's organizer, or the attendee's own token).
#[utoipa::path(get, path = "/api/v1/attendees/{attendee_id}", tag = "privacy",
    params(("attendee_id" = String, Path, description = "Attendee id")), security(("bearer" = [])),
    responses((status = 200, description = "The attendee's data", body = AttendeeData), Errors))]
async fn export(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(attendee_id): Path<String>,
) -> AppResult<Json<AttendeeData>> {
    Ok(Json(privacy::export(&state, &actor, attendee_id).await?))
}

/// Delete one attendee and what they contributed: questions withdrawn, upvotes
/// and ballots taken back, token revoked (the event's organizer, or the attendee).
#[utoipa::path(delete, path = "/api/v1/attendees/{attendee_id}", tag = "privacy",
    params(("attendee_id" = String, Path, description = "Attendee id")), security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), Errors))]
async fn delete(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(attendee_id): Path<String>,
) -> AppResult<StatusCode> {
    privacy::delete(&state, &actor, attendee_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
