//! Live notes and reactions over REST (the same commands as the websocket).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, IdempotencyKey, Json, Path};
use super::openapi::Errors;
use crate::commands::{self, Ack, Command};
use crate::domain::note::{NewNote, NoteEdit};
use crate::domain::roles::Actor;
use crate::error::AppResult;
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_note))
        .routes(routes!(edit_note, delete_note))
        .routes(routes!(react))
}

/// Run a command for a REST handler.
pub(super) async fn run(
    state: &AppState,
    actor: &Actor,
    session_id: &str,
    key: &Option<String>,
    command: Command,
) -> AppResult<Json<Ack>> {
    Ok(Json(
        commands::execute(state, actor, session_id, key.as_deref(), command).await?,
    ))
}

/// Post a live note (staff). Markdown is stored as source and rendered sanitized.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/notes", tag = "notes", request_body = NewNote,
    params(("session_id" = String, Path, description = "Session id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 201, description = "Posted; `result` is the note", body = Ack), Errors))]
async fn post_note(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<NewNote>,
) -> AppResult<(StatusCode, Json<Ack>)> {
    Ok((
        StatusCode::CREATED,
        run(&state, &actor, &session_id, &key, Command::NotePost(body)).await?,
    ))
}

/// Edit a note or mark it as a key takeaway (staff).
#[utoipa::path(patch, path = "/api/v1/sessions/{session_id}/notes/{note_id}", tag = "notes", request_body = NoteEdit,
    params(("session_id" = String, Path, description = "Session id"), ("note_id" = String, Path, description = "Note id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Changed; `result` is the note", body = Ack), Errors))]
async fn edit_note(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, note_id)): Path<(String, String)>,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<NoteEdit>,
) -> AppResult<Json<Ack>> {
    let command = Command::NoteEdit {
        note_id,
        body: body.body,
        takeaway: body.takeaway,
    };
    run(&state, &actor, &session_id, &key, command).await
}

/// Delete a note (staff).
#[utoipa::path(delete, path = "/api/v1/sessions/{session_id}/notes/{note_id}", tag = "notes",
    params(("session_id" = String, Path, description = "Session id"), ("note_id" = String, Path, description = "Note id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Deleted", body = Ack), Errors))]
async fn delete_note(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, note_id)): Path<(String, String)>,
    IdempotencyKey(key): IdempotencyKey,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &key,
        Command::NoteDelete { note_id },
    )
    .await
}

/// The body of a reaction.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReactionBody {
    /// One of 👏 ❤️ 😂 😮 🤔 🎉 👍 🔥.
    pub emoji: String,
}

/// React (attendees). Counted in memory and stored as totals within 250 ms.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/reactions", tag = "reactions", request_body = ReactionBody,
    params(("session_id" = String, Path, description = "Session id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Counted", body = Ack), Errors))]
async fn react(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    Json(body): Json<ReactionBody>,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &None,
        Command::ReactionSend { emoji: body.emoji },
    )
    .await
}
