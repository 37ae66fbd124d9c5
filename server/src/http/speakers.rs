//! Speaker pages. A speaker opts a session in with that session's speaker
//! token, choosing a slug (`PUT /api/v1/sessions/{id}/speaker-page`); the
//! first claim of a slug returns a page key, shown once, and adding a
//! session of another event to the same page needs that key, so one person
//! gathers their talks across events and nobody else can add to their page.
//! `/speakers/{slug}` shows the published highlights of those sessions (only
//! sessions whose event published its archive; none: 404).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, Json, Path};
use super::openapi::Errors;
use super::share::{card_url, html, png};
use crate::domain::ids::is_id;
use crate::domain::limits::{self, NAME_MAX, SLUG_MAX};
use crate::domain::roles::{Actor, Role};
use crate::domain::session::Speaker;
use crate::domain::time::now_ms;
use crate::domain::tokens::{hash_token, new_token};
use crate::error::{AppError, AppResult};
use crate::export::highlights::{self, Viewer};
use crate::share::speaker_page::{self, Entry};
use crate::state::AppState;
use crate::store::speaker_pages::{self, PageRow};
use crate::store::{events, sessions};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(current, opt_in, opt_out))
}

/// The public pages and their cards (not part of the REST API).
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/speakers/{slug}", get(page))
        .route("/speakers/{slug}/card.png", get(card))
}

/// The body of `PUT /api/v1/sessions/{session_id}/speaker-page`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpeakerPageBody {
    /// The page's address, `/speakers/{slug}`: 3–60 lowercase letters, digits and dashes.
    pub slug: String,
    /// Which of the session's speakers the page is about (their name, exactly as listed).
    pub speaker: String,
    /// The page key returned when the slug was first claimed (needed to add
    /// a session to an existing page).
    #[serde(default)]
    pub key: Option<String>,
}

/// A session's place on a speaker page.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpeakerPageState {
    /// The slug.
    pub slug: String,
    /// The page's address.
    pub url: String,
    /// The page key: only in the answer that claimed the slug. Keep it to add
    /// sessions of later events; it is not shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

fn check_slug(slug: &str) -> AppResult<String> {
    let ok = (3..=SLUG_MAX).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(slug.to_string())
    } else {
        Err(AppError::invalid(format!(
            "slug must be 3–{SLUG_MAX} lowercase letters, digits and dashes (not at either end)"
        )))
    }
}

fn require_speaker(actor: &Actor, session_id: &str) -> AppResult<()> {
    if actor.role == Role::Speaker && actor.session_id.as_deref() == Some(session_id) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the session's speaker token can opt in to a speaker page",
        ))
    }
}

/// The speaker pages this session is on (speaker token): none, or the
/// slugs and addresses (keys are never shown again).
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/speaker-page", tag = "sharing",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, description = "The pages this session is on", body = Vec<SpeakerPageState>), Errors))]
async fn current(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
) -> AppResult<Json<Vec<SpeakerPageState>>> {
    if !is_id(&session_id) {
        return Err(AppError::not_found("session"));
    }
    require_speaker(&actor, &session_id)?;
    let base = state.public_url().to_string();
    let slugs = state
        .store()
        .read(move |conn| Ok(speaker_pages::pages_of(conn, &session_id)?))
        .await?;
    Ok(Json(
        slugs
            .into_iter()
            .map(|slug| SpeakerPageState {
                url: format!("{base}/speakers/{slug}"),
                slug,
                key: None,
            })
            .collect(),
    ))
}

/// Put this session on a speaker page (speaker token). The first claim of a
/// slug creates the page and returns its key; later sessions need the key.
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/speaker-page", tag = "sharing",
    request_body = SpeakerPageBody,
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, description = "The session is on the page", body = SpeakerPageState), Errors))]
async fn opt_in(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
    Json(body): Json<SpeakerPageBody>,
) -> AppResult<Json<SpeakerPageState>> {
    if !is_id(&session_id) {
        return Err(AppError::not_found("session"));
    }
    require_speaker(&actor, &session_id)?;
    let slug = check_slug(body.slug.trim())?;
    let speaker = limits::single_line("speaker", &body.speaker, NAME_MAX)?;
    let key_hash = body.key.as_deref().map(hash_token);
    let url = format!("{}/speakers/{slug}", state.public_url());
    let key = state
        .store()
        .write(move |tx| {
            let row = sessions::get(tx.conn, &session_id)?
                .ok_or_else(|| AppError::not_found("session"))?;
            if !row.view.speakers.iter().any(|s| s.name.trim() == speaker) {
                return Err(AppError::invalid(
                    "speaker must be the name of one of the session's speakers",
                ));
            }
            let issued = match speaker_pages::get(tx.conn, &slug)? {
                None => {
                    let key = new_token("p");
                    let page = PageRow {
                        slug: slug.clone(),
                        name: speaker.clone(),
                        key_hash: hash_token(&key),
                    };
                    speaker_pages::create(tx.conn, &page, tx.now)?;
                    Some(key)
                }
                Some(page) => {
                    let already = speaker_pages::pages_of(tx.conn, &session_id)?.contains(&slug);
                    if !already && key_hash.as_deref() != Some(page.key_hash.as_str()) {
                        return Err(AppError::conflict(
                            "this page name is taken: send the page's key to add this session, or choose another slug",
                        ));
                    }
                    None
                }
            };
            speaker_pages::add_session(tx.conn, &slug, &session_id, &speaker, tx.now)?;
            Ok(issued)
        })
        .await?;
    Ok(Json(SpeakerPageState {
        slug: body.slug.trim().to_string(),
        url,
        key,
    }))
}

/// Take this session off every speaker page it is on (speaker token).
#[utoipa::path(delete, path = "/api/v1/sessions/{session_id}/speaker-page", tag = "sharing",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 204, description = "Removed"), Errors))]
async fn opt_out(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(session_id): Path<String>,
) -> AppResult<StatusCode> {
    if !is_id(&session_id) {
        return Err(AppError::not_found("session"));
    }
    require_speaker(&actor, &session_id)?;
    state
        .store()
        .write(move |tx| Ok(speaker_pages::remove_session(tx.conn, &session_id)?))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The page's name and its published sessions (404 when there are none).
async fn load(state: &AppState, slug: String) -> AppResult<(String, Vec<Entry>)> {
    let missing = || AppError::not_found("speaker page");
    check_slug(&slug).map_err(|_| missing())?;
    state
        .store()
        .read(move |conn| {
            let page = speaker_pages::get(conn, &slug)?.ok_or_else(missing)?;
            let mut entries = Vec::new();
            for on in speaker_pages::sessions(conn, &slug)? {
                let Some(row) = sessions::get(conn, &on.session_id)? else {
                    continue;
                };
                let published =
                    events::get(conn, &row.view.event_id)?.is_some_and(|e| e.archive_published);
                if !published {
                    continue;
                }
                let speaker = row
                    .view
                    .speakers
                    .iter()
                    .find(|s| s.name.trim() == on.speaker_name)
                    .cloned()
                    .unwrap_or(Speaker {
                        name: on.speaker_name.clone(),
                        affiliation: None,
                        disclosure: None,
                    });
                let export =
                    highlights::session(conn, &on.session_id, Viewer::Public, 0, now_ms())?;
                entries.push(Entry { export, speaker });
            }
            if entries.is_empty() {
                return Err(missing());
            }
            Ok((page.name, entries))
        })
        .await
}

async fn page(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let (name, entries) = load(&state, slug.clone()).await?;
    let path = format!("/speakers/{slug}");
    let url = format!("{}{path}", state.public_url());
    let image = card_url(
        &state,
        &format!("{path}/card.png"),
        &speaker_page::card(&name, &entries),
    );
    Ok(html(speaker_page::render(&name, &entries, &url, &image)))
}

async fn card(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let (name, entries) = load(&state, slug).await?;
    png(&state, speaker_page::card(&name, &entries)).await
}
