//! "My takeaways" over REST: an attendee stars notes and questions
//! (`takeaway.star`, also a websocket command), lists them, and downloads
//! them as Markdown. Only the attendee's own token can see them.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::exports::download;
use super::extract::{Auth, IdempotencyKey, Json, Path};
use super::live::run;
use super::openapi::Errors;
use crate::commands::{Ack, Command};
use crate::domain::roles::{Actor, Role};
use crate::domain::time::to_rfc3339;
use crate::error::{AppError, AppResult};
use crate::export::{ExportFile, takeaways, text};
use crate::state::AppState;
use crate::store::{sessions, stars};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(star, unstar))
        .routes(routes!(list))
        .routes(routes!(markdown))
}

/// The attendee behind the token, if it belongs to this session.
fn attendee_of(actor: &Actor, session_id: &str) -> AppResult<String> {
    match (&actor.role, &actor.attendee_id) {
        (Role::Attendee, Some(id)) if actor.session_id.as_deref() == Some(session_id) => {
            Ok(id.clone())
        }
        _ => Err(AppError::forbidden(
            "only the attendee's own token of this session may do this",
        )),
    }
}

macro_rules! star_route {
    ($name:ident, $method:ident, $starred:literal, $done:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path($method, path = "/api/v1/sessions/{session_id}/me/stars/{kind}/{target_id}", tag = "takeaways",
            params(("session_id" = String, Path, description = "Session id"),
                   ("kind" = String, Path, description = "`note` or `question`"),
                   ("target_id" = String, Path, description = "The note or question"),
                   ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe command id")),
            security(("bearer" = [])),
            responses((status = 200, description = $done, body = Ack), Errors))]
        async fn $name(
            State(state): State<AppState>,
            Auth(actor): Auth,
            Path((session_id, kind, id)): Path<(String, String, String)>,
            IdempotencyKey(key): IdempotencyKey,
        ) -> AppResult<Json<Ack>> {
            let command = Command::TakeawayStar { kind, id, starred: $starred };
            run(&state, &actor, &session_id, &key, command).await
        }
    };
}

star_route!(
    star,
    put,
    true,
    "Saved",
    "Save a note or question to your takeaways (attendees)."
);
star_route!(
    unstar,
    delete,
    false,
    "Removed",
    "Remove a note or question from your takeaways (attendees)."
);

/// One saved item.
#[derive(Debug, Serialize, ToSchema)]
pub struct Star {
    /// `note` or `question`.
    pub kind: String,
    /// The note or question.
    pub id: String,
    /// Saved at (RFC 3339).
    pub starred_at: String,
}

/// Your saved notes and questions, oldest first (attendees).
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/me/stars", tag = "takeaways",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, description = "Saved items", body = Vec<Star>), Errors))]
async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
) -> AppResult<Json<Vec<Star>>> {
    let attendee = attendee_of(&actor, &session_id)?;
    let items = state
        .store()
        .read(move |conn| Ok(stars::list(conn, &attendee)?))
        .await?;
    Ok(Json(
        items
            .into_iter()
            .map(|(kind, id, at)| Star {
                kind,
                id,
                starred_at: to_rfc3339(at),
            })
            .collect(),
    ))
}

/// Your takeaways as Markdown: the saved notes and questions with their answers (attendees).
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/me/takeaways.md", tag = "takeaways",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, description = "Markdown, as an attachment", content_type = "text/markdown", body = String), Errors))]
async fn markdown(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
) -> AppResult<Response> {
    let attendee = attendee_of(&actor, &session_id)?;
    let (md, title) = state
        .store()
        .read(move |conn| {
            let title = sessions::get(conn, &session_id)?
                .ok_or_else(|| AppError::not_found("session"))?
                .view
                .title;
            Ok((takeaways::markdown(conn, &session_id, &attendee)?, title))
        })
        .await?;
    let mut response = download(ExportFile {
        filename: format!("takeaways-{}.md", text::slug(&title)),
        content_type: "text/markdown; charset=utf-8",
        bytes: md.into_bytes(),
    });
    response.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("authorization"),
    );
    Ok(response.into_response())
}
