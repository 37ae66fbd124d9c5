//! Community safety over REST (the same commands as the websocket): flag a
//! question or note (attendees), list and resolve flags (staff), and
//! acknowledge the event's code of conduct (attendees).

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, IdempotencyKey, Json, Path};
use super::live::run;
use super::openapi::Errors;
use crate::commands::{Ack, Command};
use crate::domain::flag::{FlagResolution, FlagView, NewFlag};
use crate::domain::ids::is_id;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{flags, sessions};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(raise, list))
        .routes(routes!(resolve))
        .routes(routes!(acknowledge))
}

/// Flag a visible question or a note for the moderators (attendees). Only
/// staff ever see flags; the attendee's answer says it was received.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/flags", tag = "safety", request_body = NewFlag,
    params(("session_id" = String, Path, description = "Session id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 201, description = "Flagged", body = Ack), Errors))]
async fn raise(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<NewFlag>,
) -> AppResult<(StatusCode, Json<Ack>)> {
    Ok((
        StatusCode::CREATED,
        run(&state, &actor, &session_id, &key, Command::FlagRaise(body)).await?,
    ))
}

/// Every flag of the session, open and resolved, oldest first (staff).
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/flags", tag = "safety",
    params(("session_id" = String, Path, description = "Session id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The flags", body = Vec<FlagView>), Errors))]
async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
) -> AppResult<Json<Vec<FlagView>>> {
    if !is_id(&session_id) {
        return Err(AppError::not_found("session"));
    }
    let list = state
        .store()
        .read(move |conn| {
            let row =
                sessions::get(conn, &session_id)?.ok_or_else(|| AppError::not_found("session"))?;
            if !actor.is_staff_of(&row.view.event_id, &row.view.id) {
                return Err(AppError::forbidden(
                    "only the session's speakers and organizers see flags",
                ));
            }
            Ok(flags::list(conn, &session_id, false)?)
        })
        .await?;
    Ok(Json(list))
}

/// Resolve a flag (staff): `dismiss` keeps the content, `remove` hides the
/// question or deletes the note. Every open flag on the same item closes.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/flags/{flag_id}/resolve", tag = "safety",
    request_body = FlagResolution,
    params(("session_id" = String, Path, description = "Session id"), ("flag_id" = String, Path, description = "Flag id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Resolved; `result.flags` are the closed flags", body = Ack), Errors))]
async fn resolve(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, flag_id)): Path<(String, String)>,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<FlagResolution>,
) -> AppResult<Json<Ack>> {
    let command = Command::FlagResolve {
        flag_id,
        action: body.action,
    };
    run(&state, &actor, &session_id, &key, command).await
}

/// Acknowledge the event's code of conduct (attendees). Events with
/// `require_coc_ack` refuse questions (`coc_required`) until this is done.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/me/coc", tag = "safety",
    params(("session_id" = String, Path, description = "Session id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Acknowledged", body = Ack), Errors))]
async fn acknowledge(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
) -> AppResult<Json<Ack>> {
    run(&state, &actor, &session_id, &key, Command::CocAcknowledge).await
}
