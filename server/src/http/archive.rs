//! The post-event archive: an organizer publishes (or withdraws) an event's
//! archive over REST; once published, `/archive/{event_id}` lists its
//! sessions and `/archive/{event_id}/{session_id}` shows a session's
//! highlights with the recording embedded and every moment linked to it
//! (`?t=SECONDS` starts the player there). Server-rendered, no script.
//! Unpublished archives answer 404.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, Json, Path, Query};
use super::openapi::Errors;
use crate::domain::ids::is_id;
use crate::domain::time::now_ms;
use crate::error::{AppError, AppResult};
use crate::export::highlights::{self, Viewer};
use crate::export::html::{self, Mode};
use crate::share::{meta, permalink};
use crate::state::AppState;
use crate::store::{archive, events};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(publish))
}

/// The archive's pages and their stylesheet (not part of the REST API).
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/export.css", get(stylesheet))
        .route("/archive/{event_id}", get(index))
        .route("/archive/{event_id}/{session_id}", get(session_page))
}

/// The body of `PUT /api/v1/events/{event_id}/archive`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveBody {
    /// true to publish the archive, false to take it down.
    pub published: bool,
}

/// The archive's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveState {
    /// Whether the archive is public.
    pub published: bool,
    /// Its address.
    pub url: String,
}

/// Publish or unpublish the event's archive (organizer token).
#[utoipa::path(put, path = "/api/v1/events/{event_id}/archive", tag = "exports", request_body = ArchiveBody,
    params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])),
    responses((status = 200, description = "The archive's state", body = ArchiveState), Errors))]
async fn publish(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
    Json(body): Json<ArchiveBody>,
) -> AppResult<Json<ArchiveState>> {
    if !is_id(&event_id) {
        return Err(AppError::not_found("event"));
    }
    if !actor.organizes(&event_id) {
        return Err(AppError::forbidden(
            "this needs the event's organizer token",
        ));
    }
    let url = format!("{}/archive/{event_id}", state.public_url());
    let published = body.published;
    state
        .store()
        .write(move |tx| {
            if !archive::set_published(tx.conn, &event_id, published, tx.now)? {
                return Err(AppError::not_found("event"));
            }
            crate::commands::admin::emit_event_updated(tx, &event_id)?;
            Ok(())
        })
        .await?;
    Ok(Json(ArchiveState { published, url }))
}

fn page(html: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        html::CSS,
    )
        .into_response()
}

fn archive_missing() -> AppError {
    AppError::not_found("archive")
}

async fn index(State(state): State<AppState>, Path(event_id): Path<String>) -> AppResult<Response> {
    if !is_id(&event_id) {
        return Err(archive_missing());
    }
    let base = format!("/archive/{event_id}");
    let export = state
        .store()
        .read(move |conn| {
            let event = events::get(conn, &event_id)?.ok_or_else(archive_missing)?;
            if !event.archive_published {
                return Err(archive_missing());
            }
            highlights::event(
                conn,
                &event_id,
                Viewer::Public,
                false,
                &Default::default(),
                now_ms(),
            )
        })
        .await?;
    Ok(page(crate::export::archive_page::archive_index(
        &export, &base,
    )))
}

/// Query of a session's archive page.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Start the recording this many seconds in.
    #[serde(default)]
    pub t: Option<i64>,
}

async fn session_page(
    State(state): State<AppState>,
    Path((event_id, session_id)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let export = super::share::published_session(&state, &event_id, &session_id).await?;
    let s = super::share::only_session(&export)?;
    let start = query.t.unwrap_or(0).clamp(0, 7 * 24 * 3600);
    // Link previews: the canonical page (without `?t=`) and its card.
    let preview = permalink::session_preview(&export, s);
    let path = format!("/archive/{event_id}/{session_id}");
    let url = format!("{}{path}", state.public_url());
    let mut head = String::new();
    meta::tags(
        &mut head,
        &meta::Head {
            title: preview.title.clone(),
            description: preview.description.clone(),
            url: url.clone(),
            image: super::share::card_url(&state, &format!("{path}/card.png"), &preview.card),
            image_alt: preview.image_alt.clone(),
            kind: "article",
            site: export.event.name.clone(),
        },
    );
    let mut share = String::new();
    meta::share_bar(&mut share, &url, &preview.title, 2);
    let links = permalink::items(s)
        .into_iter()
        .map(|item| {
            let href = permalink::path(&event_id, &session_id, item.kind(), item.id());
            (item.id().to_string(), href)
        })
        .collect();
    let mode = Mode::Archive {
        start,
        index: format!("/archive/{event_id}"),
        head,
        share,
        links,
    };
    Ok(page(html::render(&export, &mode)))
}
