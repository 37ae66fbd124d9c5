//! `GET /api/v1/sessions/{id}/export` and `GET /api/v1/events/{id}/export`:
//! a session's takeaways pack, or an event's highlights, as Markdown, JSON,
//! CSV (zip) or print-ready HTML. A session's staff (its speaker, the
//! event's organizers) export the session; organizers export the event,
//! with its moderation audit log. Live sessions export a snapshot.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, Path, Query};
use super::openapi::Errors;
use crate::domain::ids::is_id;
use crate::domain::time::now_ms;
use crate::error::{AppError, AppResult};
use crate::export::highlights::{self, Viewer};
use crate::export::{self, ExportFile, Format};
use crate::state::AppState;
use crate::store::{sessions, webhooks};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session_export))
        .routes(routes!(event_export))
}

/// Query of the export routes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `md`, `json`, `csv` (a zip of tables) or `html`.
    #[param(example = "md")]
    pub format: String,
}

impl ExportQuery {
    /// The format asked for (checked after the caller's access, so a wrong
    /// token learns nothing from a bad format).
    fn format(&self) -> AppResult<Format> {
        self.format.parse().map_err(AppError::bad_request)
    }
}

/// An export as a download.
pub fn download(file: ExportFile) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", file.filename);
    (
        [
            (header::CONTENT_TYPE, file.content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        file.bytes,
    )
        .into_response()
}

/// Attendees connected now, per session (for peaks not yet recorded).
fn live_counts(state: &AppState) -> BTreeMap<String, i64> {
    state
        .hub()
        .rooms()
        .iter()
        .map(|r| {
            (
                r.session_id.to_string(),
                state.hub().attendees(&r.session_id),
            )
        })
        .collect()
}

/// A session's takeaways pack (the session's speaker, or an organizer). Works while live (a snapshot) and after.
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/export", tag = "exports",
    params(("session_id" = String, Path, description = "Session id"), ExportQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The export, as an attachment",
        content((String = "text/markdown"), (Object = "application/json"), ("application/zip"), (String = "text/html"))),
        Errors))]
async fn session_export(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> AppResult<Response> {
    if !is_id(&session_id) {
        return Err(AppError::not_found("session"));
    }
    let live = state.hub().attendees(&session_id);
    let export = state
        .store()
        .read(move |conn| {
            let row =
                sessions::get(conn, &session_id)?.ok_or_else(|| AppError::not_found("session"))?;
            if !actor.is_staff_of(&row.view.event_id, &session_id) {
                return Err(AppError::forbidden(
                    "only the session's speakers and the event's organizers may export it",
                ));
            }
            highlights::session(conn, &session_id, Viewer::Staff, live, now_ms())
        })
        .await?;
    Ok(download(export::render(&export, query.format()?)?))
}

/// An event's highlights: every session, and the moderation audit log (organizer token).
#[utoipa::path(get, path = "/api/v1/events/{event_id}/export", tag = "exports",
    params(("event_id" = String, Path, description = "Event id"), ExportQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The export, as an attachment",
        content((String = "text/markdown"), (Object = "application/json"), ("application/zip"), (String = "text/html"))),
        Errors))]
async fn event_export(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> AppResult<Response> {
    if !is_id(&event_id) {
        return Err(AppError::not_found("event"));
    }
    if !actor.organizes(&event_id) {
        return Err(AppError::forbidden(
            "this needs the event's organizer token",
        ));
    }
    let format = query.format()?;
    let live = live_counts(&state);
    let id = event_id.clone();
    let (export, hooks) = state
        .store()
        .read(move |conn| {
            let export = highlights::event(conn, &id, Viewer::Staff, true, &live, now_ms())?;
            let hooks = webhooks::list(conn, &id)?
                .iter()
                .any(|h| h.kinds.iter().any(|k| k == crate::webhooks::EVENT_EXPORTED));
            Ok((export, hooks))
        })
        .await?;
    let file = export::render(&export, format)?;
    if hooks {
        let (format, count) = (format.as_str(), export.sessions.len());
        let queued = state
            .store()
            .write(move |tx| {
                crate::webhooks::event_exported(tx.conn, &event_id, format, count, "api", tx.now)
            })
            .await;
        if let Err(err) = queued {
            tracing::warn!(error = %err.message, "could not queue the event.exported webhook");
        }
    }
    Ok(download(file))
}
