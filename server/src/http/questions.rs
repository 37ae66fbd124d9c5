//! Questions over REST: ask, edit, withdraw, upvote, moderate, answer, pin, label.

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
use crate::domain::question::{
    NewQuestion, QuestionAnswer, QuestionEdit, QuestionLabels, QuestionUpvote,
};
use crate::error::AppResult;
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ask))
        .routes(routes!(edit, withdraw))
        .routes(routes!(upvote))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(hide))
        .routes(routes!(answer))
        .routes(routes!(labels))
        .routes(routes!(pin))
}

type Ids = Path<(String, String)>;

/// Ask a question (attendees). Pre-moderated sessions hold it until approved.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/questions", tag = "questions", request_body = NewQuestion,
    params(("session_id" = String, Path, description = "Session id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 201, description = "Asked; `result` is the question", body = Ack), Errors))]
async fn ask(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<NewQuestion>,
) -> AppResult<(StatusCode, Json<Ack>)> {
    let command = Command::QuestionAsk {
        body: body.body,
        anonymous: body.anonymous,
    };
    Ok((
        StatusCode::CREATED,
        run(&state, &actor, &session_id, &key, command).await?,
    ))
}

/// Edit your own question (before it is answered).
#[utoipa::path(patch, path = "/api/v1/sessions/{session_id}/questions/{question_id}", tag = "questions",
    request_body = QuestionEdit,
    params(("session_id" = String, Path, description = "Session id"), ("question_id" = String, Path, description = "Question id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Edited", body = Ack), Errors))]
async fn edit(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, question_id)): Ids,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<QuestionEdit>,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &key,
        Command::QuestionEdit {
            question_id,
            body: body.body,
        },
    )
    .await
}

/// Withdraw your own question.
#[utoipa::path(delete, path = "/api/v1/sessions/{session_id}/questions/{question_id}", tag = "questions",
    params(("session_id" = String, Path, description = "Session id"), ("question_id" = String, Path, description = "Question id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Withdrawn", body = Ack), Errors))]
async fn withdraw(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, question_id)): Ids,
    IdempotencyKey(key): IdempotencyKey,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &key,
        Command::QuestionWithdraw { question_id },
    )
    .await
}

/// Upvote a question, or take the upvote back with `{"up": false}` (attendees; once each).
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/questions/{question_id}/upvote", tag = "questions",
    request_body = QuestionUpvote,
    params(("session_id" = String, Path, description = "Session id"), ("question_id" = String, Path, description = "Question id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Counted", body = Ack), Errors))]
async fn upvote(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, question_id)): Ids,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<QuestionUpvote>,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &key,
        Command::QuestionUpvote {
            question_id,
            up: body.up,
        },
    )
    .await
}

macro_rules! moderation_route {
    ($name:ident, $path:literal, $variant:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "moderation",
            params(("session_id" = String, Path, description = "Session id"), ("question_id" = String, Path, description = "Question id"),
                   ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
            security(("bearer" = [])),
            responses((status = 200, description = "Done; `result` is the question", body = Ack), Errors))]
        async fn $name(
            State(state): State<AppState>,
            Auth(actor): Auth,
            Path((session_id, question_id)): Ids,
            IdempotencyKey(key): IdempotencyKey,
        ) -> AppResult<Json<Ack>> {
            run(&state, &actor, &session_id, &key, Command::$variant { question_id }).await
        }
    };
}

moderation_route!(
    approve,
    "/api/v1/sessions/{session_id}/questions/{question_id}/approve",
    QuestionApprove,
    "Approve a pending question, or restore a hidden or rejected one (staff)."
);
moderation_route!(
    reject,
    "/api/v1/sessions/{session_id}/questions/{question_id}/reject",
    QuestionReject,
    "Reject a question (staff). Attendees never see it."
);
moderation_route!(
    hide,
    "/api/v1/sessions/{session_id}/questions/{question_id}/hide",
    QuestionHide,
    "Hide a question (staff). It disappears from attendees' views, snapshots and replays."
);

/// Mark a question answered and/or reply to it (staff).
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/questions/{question_id}/answer", tag = "moderation",
    request_body = QuestionAnswer,
    params(("session_id" = String, Path, description = "Session id"), ("question_id" = String, Path, description = "Question id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Answered", body = Ack), Errors))]
async fn answer(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, question_id)): Ids,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<QuestionAnswer>,
) -> AppResult<Json<Ack>> {
    let command = Command::QuestionAnswer {
        question_id,
        answered: body.answered,
        reply: body.reply,
    };
    run(&state, &actor, &session_id, &key, command).await
}

/// Replace a question's labels (staff).
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/questions/{question_id}/labels", tag = "moderation",
    request_body = QuestionLabels,
    params(("session_id" = String, Path, description = "Session id"), ("question_id" = String, Path, description = "Question id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Labelled", body = Ack), Errors))]
async fn labels(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((session_id, question_id)): Ids,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<QuestionLabels>,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &key,
        Command::QuestionLabel {
            question_id,
            labels: body.labels,
        },
    )
    .await
}

/// The body of `PUT …/pin`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinBody {
    /// The question to show as "now answering", or null to clear.
    pub question_id: Option<String>,
}

/// Pin a question as "now answering", or clear the pin (staff).
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/pin", tag = "moderation", request_body = PinBody,
    params(("session_id" = String, Path, description = "Session id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Pinned", body = Ack), Errors))]
async fn pin(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<PinBody>,
) -> AppResult<Json<Ack>> {
    run(
        &state,
        &actor,
        &session_id,
        &key,
        Command::QuestionPin {
            question_id: body.question_id,
        },
    )
    .await
}
