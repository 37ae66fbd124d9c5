//! Polls over REST: create, open, close, reveal, delete, vote.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, IdempotencyKey, Json, Path};
use super::live::run;
use super::openapi::Errors;
use crate::commands::{Ack, Command};
use crate::domain::poll::{Ballot, NewPoll};
use crate::error::AppResult;
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(delete))
        .routes(routes!(open))
        .routes(routes!(close))
        .routes(routes!(reveal))
        .routes(routes!(vote))
}

type Ids = Path<(String, String)>;

/// Create a poll (staff): a draft, or open at once with `"open": true`.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/polls", tag = "polls", request_body = NewPoll,
    params(("session_id" = String, Path, description = "Session id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 201, description = "Created; `result` is the poll", body = Ack), Errors))]
async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<NewPoll>,
) -> AppResult<(StatusCode, Json<Ack>)> {
    Ok((
        StatusCode::CREATED,
        run(&state, &actor, &session_id, &key, Command::PollCreate(body)).await?,
    ))
}

/// Delete a poll and its ballots (staff).
#[utoipa::path(delete, path = "/api/v1/sessions/{session_id}/polls/{poll_id}", tag = "polls",
    params(("session_id" = String, Path, description = "Session id"), ("poll_id" = String, Path, description = "Poll id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Deleted", body = Ack), Errors))]
async fn delete(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, poll_id)): Ids,
    IdempotencyKey(key): IdempotencyKey,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &key,
        Command::PollDelete { poll_id },
    )
    .await
}

macro_rules! poll_route {
    ($name:ident, $path:literal, $variant:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "polls",
            params(("session_id" = String, Path, description = "Session id"), ("poll_id" = String, Path, description = "Poll id"),
                   ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
            security(("bearer" = [])),
            responses((status = 200, description = "Done; `result` is the poll", body = Ack), Errors))]
        async fn $name(
            State(state): State<AppState>,
            Auth(actor): Auth,
            Path((session_id, poll_id)): Ids,
            IdempotencyKey(key): IdempotencyKey,
        ) -> AppResult<Json<Ack>> {
            run(&state, &actor, &session_id, &key, Command::$variant { poll_id }).await
        }
    };
}

poll_route!(
    open,
    "/api/v1/sessions/{session_id}/polls/{poll_id}/open",
    PollOpen,
    "Open a draft poll (staff)."
);
poll_route!(
    close,
    "/api/v1/sessions/{session_id}/polls/{poll_id}/close",
    PollClose,
    "Close an open poll (staff)."
);

/// The body of `POST …/reveal`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealBody {
    /// true to show results to attendees (default), false to hide them again.
    #[serde(default = "yes")]
    pub visible: bool,
}

fn yes() -> bool {
    true
}

/// Show (or hide again) a poll's results to attendees (staff).
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/polls/{poll_id}/reveal", tag = "polls", request_body = RevealBody,
    params(("session_id" = String, Path, description = "Session id"), ("poll_id" = String, Path, description = "Poll id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Done", body = Ack), Errors))]
async fn reveal(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, poll_id)): Ids,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<RevealBody>,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &key,
        Command::PollReveal {
            poll_id,
            visible: body.visible,
        },
    )
    .await
}

/// Cast or change your ballot (attendees; one per poll).
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/polls/{poll_id}/ballot", tag = "polls", request_body = Ballot,
    params(("session_id" = String, Path, description = "Session id"), ("poll_id" = String, Path, description = "Poll id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Counted", body = Ack), Errors))]
async fn vote(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, poll_id)): Ids,
    IdempotencyKey(key): IdempotencyKey,
    Json(ballot): Json<Ballot>,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &key,
        Command::PollVote { poll_id, ballot },
    )
    .await
}
