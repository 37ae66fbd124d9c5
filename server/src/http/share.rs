//! Permalinks of a published archive's takeaways, answered questions and
//! closed polls (`/t/{event}/{session}/{note|question|poll}/{id}`), their
//! share cards (`…/card.png`) and the card of a session's archive page
//! (`/archive/{event}/{session}/card.png`). Not part of the REST API.
//!
//! Everything is read from the session's public highlights at request time,
//! after checking the archive is published: unpublished, unknown or
//! non-shareable items answer 404, so taking an archive down takes every
//! page and card with it. Cards are cached by content hash
//! ([`crate::share::cache`]).

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::extract::Path;
use crate::domain::ids::is_id;
use crate::domain::time::now_ms;
use crate::error::{AppError, AppResult};
use crate::export::highlights::{self, Export, SessionHighlights, Viewer};
use crate::share::card::Card;
use crate::share::page::{self, Urls};
use crate::share::permalink::{self, Kind};
use crate::state::AppState;
use crate::store::{events, sessions};

/// The permalink pages and cards.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/t/{event_id}/{session_id}/{kind}/{item_id}",
            get(item_page),
        )
        .route(
            "/t/{event_id}/{session_id}/{kind}/{item_id}/card.png",
            get(item_card),
        )
        .route(
            "/archive/{event_id}/{session_id}/card.png",
            get(session_card),
        )
}

fn missing() -> AppError {
    AppError::not_found("page")
}

/// The public highlights of a session whose event published its archive
/// (404 for anything else).
pub(super) async fn published_session(
    state: &AppState,
    event_id: &str,
    session_id: &str,
) -> AppResult<Export> {
    if !is_id(event_id) || !is_id(session_id) {
        return Err(missing());
    }
    let (event_id, session_id) = (event_id.to_string(), session_id.to_string());
    state
        .store()
        .read(move |conn| {
            let event = events::get(conn, &event_id)?.ok_or_else(missing)?;
            let row = sessions::get(conn, &session_id)?.ok_or_else(missing)?;
            if !event.archive_published || row.view.event_id != event_id {
                return Err(missing());
            }
            highlights::session(conn, &session_id, Viewer::Public, 0, now_ms())
        })
        .await
}

/// The one session of a session export.
pub(super) fn only_session(export: &Export) -> AppResult<&SessionHighlights> {
    export.sessions.first().ok_or_else(missing)
}

/// A versioned card URL: `?v=` changes with the content, so link previews
/// (which cache images by URL) pick up an edit.
pub(super) fn card_url(state: &AppState, path: &str, card: &Card) -> String {
    format!(
        "{}{path}?v={}",
        state.public_url(),
        &card.content_hash()[..16]
    )
}

pub(super) fn html(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Serve a card: cached by content hash, revalidated by browsers (so an
/// unpublished archive's card stops being shown).
pub(super) async fn png(state: &AppState, card: Card) -> AppResult<Response> {
    let bytes = state.cards().png(card).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        bytes.as_ref().clone(),
    )
        .into_response())
}

type ItemPath = Path<(String, String, String, String)>;

async fn item_page(
    State(state): State<AppState>,
    Path((event_id, session_id, kind, item_id)): ItemPath,
) -> AppResult<Response> {
    let kind = Kind::parse(&kind).ok_or_else(missing)?;
    let export = published_session(&state, &event_id, &session_id).await?;
    let s = only_session(&export)?;
    let item = permalink::find(s, kind, &item_id).ok_or_else(missing)?;
    let preview = permalink::preview(&export, s, item);
    let path = permalink::path(&event_id, &session_id, kind, &item_id);
    let urls = Urls {
        page: format!("{}{path}", state.public_url()),
        card: card_url(&state, &format!("{path}/card.png"), &preview.card),
        session: format!("/archive/{event_id}/{session_id}"),
        event: format!("/archive/{event_id}"),
    };
    Ok(html(page::render(&export, s, item, &preview, &urls)))
}

async fn item_card(
    State(state): State<AppState>,
    Path((event_id, session_id, kind, item_id)): ItemPath,
) -> AppResult<Response> {
    let kind = Kind::parse(&kind).ok_or_else(missing)?;
    let export = published_session(&state, &event_id, &session_id).await?;
    let s = only_session(&export)?;
    let item = permalink::find(s, kind, &item_id).ok_or_else(missing)?;
    png(&state, permalink::preview(&export, s, item).card).await
}

async fn session_card(
    State(state): State<AppState>,
    Path((event_id, session_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let export = published_session(&state, &event_id, &session_id).await?;
    let s = only_session(&export)?;
    png(&state, permalink::session_preview(&export, s).card).await
}
