//! Resource operations: events, sessions, joining, tokens, authentication.
//!
//! These are the REST-only actions around the live stream. Writes go through
//! the same single writer as commands; changes to a session are also emitted
//! on its stream (`session.updated`), so live clients see them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::sessions::emit_updated;
use crate::domain::event::{EventCreated, EventPatch, EventView, NewEvent};
use crate::domain::ids::{is_id, new_id, new_join_code, normalize_join_code};
use crate::domain::limits::{self, DISPLAY_NAME_MAX};
use crate::domain::roles::{Actor, Role};
use crate::domain::session::{NewSession, SessionCreated, SessionPatch, SessionView};
use crate::domain::stream::{Effect, Visibility};
use crate::domain::tokens::{hash_token, new_token};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{Tx, events, sessions, tokens};

fn require_admin(actor: &Actor) -> AppResult<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden("this needs the admin token"))
    }
}

fn require_organizer(actor: &Actor, event_id: &str) -> AppResult<()> {
    if actor.organizes(event_id) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "this needs the event's organizer token",
        ))
    }
}

fn check_id(id: &str, what: &str) -> AppResult<()> {
    if is_id(id) {
        Ok(())
    } else {
        Err(AppError::not_found(what))
    }
}

/// Resolve a bearer token to its actor.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<Actor> {
    let token = token.trim();
    if token.is_empty() || token.len() > 256 {
        return Err(AppError::unauthorized("missing or malformed token"));
    }
    let hash = hash_token(token);
    if state.is_admin_hash(&hash) {
        return Ok(Actor {
            role: Role::Admin,
            event_id: None,
            session_id: None,
            attendee_id: None,
            display_name: None,
            token_hash: hash,
        });
    }
    state
        .store()
        .read(move |conn| tokens::actor(conn, &hash).map_err(AppError::from))
        .await?
        .ok_or_else(|| AppError::unauthorized("unknown or revoked token"))
}

/// Create an event (admin).
pub async fn create_event(
    state: &AppState,
    actor: &Actor,
    input: NewEvent,
) -> AppResult<EventCreated> {
    require_admin(actor)?;
    let fields = input.validate()?;
    let token = new_token("o");
    let hash = hash_token(&token);
    let event = state
        .store()
        .write(move |tx| {
            let id = new_id();
            let event = events::insert(tx.conn, &id, &fields, tx.now)?;
            tokens::insert(
                tx.conn,
                &hash,
                Role::Organizer,
                Some(&id),
                None,
                None,
                tx.now,
            )?;
            Ok(event)
        })
        .await?;
    Ok(EventCreated {
        event,
        organizer_token: token,
    })
}

/// One event (public: the schedule page needs it).
pub async fn get_event(state: &AppState, event_id: String) -> AppResult<EventView> {
    check_id(&event_id, "event")?;
    state
        .store()
        .read(move |conn| events::get(conn, &event_id)?.ok_or_else(|| AppError::not_found("event")))
        .await
}

/// Every event (admin).
pub async fn list_events(state: &AppState, actor: &Actor) -> AppResult<Vec<EventView>> {
    require_admin(actor)?;
    state
        .store()
        .read(|conn| events::list(conn).map_err(AppError::from))
        .await
}

/// Change an event (organizer).
pub async fn update_event(
    state: &AppState,
    actor: &Actor,
    event_id: String,
    patch: EventPatch,
) -> AppResult<EventView> {
    check_id(&event_id, "event")?;
    require_organizer(actor, &event_id)?;
    state
        .store()
        .write(move |tx| {
            let current =
                events::get(tx.conn, &event_id)?.ok_or_else(|| AppError::not_found("event"))?;
            let fields = patch.apply(events::fields(&current))?;
            events::update(tx.conn, &event_id, &fields, tx.now)?;
            emit_event_updated(tx, &event_id)
        })
        .await
}

/// Tell every session of the event what changed about it (name, code of
/// conduct, archive published): an `event.updated` event on each session's
/// stream, carrying what a snapshot's `event` carries. Returns the event.
pub fn emit_event_updated(tx: &mut Tx<'_>, event_id: &str) -> AppResult<EventView> {
    let event = events::get(tx.conn, event_id)?.ok_or_else(|| AppError::not_found("event"))?;
    let brief = super::snapshot::EventBrief::of(event.clone());
    for session in sessions::list_for_event(tx.conn, event_id)? {
        tx.emit(
            &session.view.id,
            Visibility::Everyone,
            "event.updated",
            None,
            &brief,
        )?;
    }
    Ok(event)
}

/// Delete an event and everything in it (organizer). Live sockets are closed.
pub async fn delete_event(state: &AppState, actor: &Actor, event_id: String) -> AppResult<()> {
    check_id(&event_id, "event")?;
    require_organizer(actor, &event_id)?;
    state
        .store()
        .write(move |tx| {
            let sessions = sessions::list_for_event(tx.conn, &event_id)?;
            let hashes = tokens::hashes_for_event(tx.conn, &event_id)?;
            if !events::delete(tx.conn, &event_id)? {
                return Err(AppError::not_found("event"));
            }
            for s in sessions {
                tx.effect(Effect::SessionDeleted(s.view.id.as_str().into()));
            }
            tx.effect(Effect::TokensRevoked(hashes));
            Ok(())
        })
        .await
}

/// Schedule a session (organizer).
pub async fn create_session(
    state: &AppState,
    actor: &Actor,
    event_id: String,
    input: NewSession,
) -> AppResult<SessionCreated> {
    check_id(&event_id, "event")?;
    require_organizer(actor, &event_id)?;
    let fields = input.validate()?;
    let speaker_token = new_token("s");
    let projector_token = new_token("p");
    let (speaker_hash, projector_hash) = (hash_token(&speaker_token), hash_token(&projector_token));
    let row = state
        .store()
        .write(move |tx| {
            if events::get(tx.conn, &event_id)?.is_none() {
                return Err(AppError::not_found("event"));
            }
            let mut code = new_join_code();
            while sessions::code_taken(tx.conn, &code)? {
                code = new_join_code();
            }
            let id = new_id();
            let row = sessions::insert(tx.conn, &id, &event_id, &fields, &code, tx.now)?;
            tokens::insert(
                tx.conn,
                &speaker_hash,
                Role::Speaker,
                Some(&event_id),
                Some(&id),
                None,
                tx.now,
            )?;
            tokens::insert(
                tx.conn,
                &projector_hash,
                Role::Projector,
                Some(&event_id),
                Some(&id),
                None,
                tx.now,
            )?;
            Ok(row)
        })
        .await?;
    Ok(SessionCreated {
        session: row.view,
        speaker_token,
        projector_token,
    })
}

/// An event's sessions (public).
pub async fn list_sessions(state: &AppState, event_id: String) -> AppResult<Vec<SessionView>> {
    check_id(&event_id, "event")?;
    state
        .store()
        .read(move |conn| {
            if events::get(conn, &event_id)?.is_none() {
                return Err(AppError::not_found("event"));
            }
            Ok(sessions::list_for_event(conn, &event_id)?
                .into_iter()
                .map(|s| s.view)
                .collect())
        })
        .await
}

/// One session (public).
pub async fn get_session(state: &AppState, session_id: String) -> AppResult<SessionView> {
    check_id(&session_id, "session")?;
    state
        .store()
        .read(move |conn| {
            sessions::get(conn, &session_id)?
                .map(|s| s.view)
                .ok_or_else(|| AppError::not_found("session"))
        })
        .await
}

/// Find a session by join code (public).
pub async fn session_by_code(state: &AppState, code: &str) -> AppResult<SessionView> {
    let code = normalize_join_code(code).ok_or_else(|| AppError::not_found("session"))?;
    state
        .store()
        .read(move |conn| {
            sessions::by_join_code(conn, &code)?
                .map(|s| s.view)
                .ok_or_else(|| AppError::not_found("session"))
        })
        .await
}

/// Change a session's schedule fields (organizer or the session's speaker).
pub async fn update_session(
    state: &AppState,
    actor: &Actor,
    session_id: String,
    patch: SessionPatch,
) -> AppResult<SessionView> {
    check_id(&session_id, "session")?;
    let actor = actor.clone();
    state
        .store()
        .write(move |tx| {
            let row = sessions::get(tx.conn, &session_id)?
                .ok_or_else(|| AppError::not_found("session"))?;
            if !actor.is_staff_of(&row.view.event_id, &session_id) {
                return Err(AppError::forbidden(
                    "this needs the organizer or the session's speaker token",
                ));
            }
            let fields = patch.apply(sessions::fields(&row.view))?;
            sessions::update(tx.conn, &session_id, &fields, tx.now)?;
            let (view, _) = emit_updated(tx, &session_id)?;
            Ok(view)
        })
        .await
}

/// Delete a session and everything in it (organizer). Live sockets are closed.
pub async fn delete_session(state: &AppState, actor: &Actor, session_id: String) -> AppResult<()> {
    check_id(&session_id, "session")?;
    let actor = actor.clone();
    state
        .store()
        .write(move |tx| {
            let row = sessions::get(tx.conn, &session_id)?
                .ok_or_else(|| AppError::not_found("session"))?;
            require_organizer(&actor, &row.view.event_id)?;
            sessions::delete(tx.conn, &session_id)?;
            tx.effect(Effect::SessionDeleted(session_id.as_str().into()));
            Ok(())
        })
        .await
}

/// The body of `POST /api/v1/join`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    /// The session's join code (case and dashes do not matter).
    pub code: String,
    /// Optional display name (1–60 characters), shown only on questions you
    /// ask non-anonymously.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// The answer to joining: an attendee token for this session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Joined {
    /// Bearer token for this session as an attendee. Keep it to come back.
    pub attendee_token: String,
    /// Your attendee id.
    pub attendee_id: String,
    /// The session.
    pub session: SessionView,
}

/// Join a session by its code (no account).
pub async fn join(state: &AppState, request: JoinRequest) -> AppResult<Joined> {
    let code = normalize_join_code(&request.code).ok_or_else(|| AppError::not_found("session"))?;
    let display_name = match request.display_name {
        Some(name) if !name.trim().is_empty() => Some(limits::single_line(
            "display_name",
            &name,
            DISPLAY_NAME_MAX,
        )?),
        _ => None,
    };
    let token = new_token("a");
    let hash = hash_token(&token);
    let (attendee_id, session) = state
        .store()
        .write(move |tx| {
            let row = sessions::by_join_code(tx.conn, &code)?
                .ok_or_else(|| AppError::not_found("session"))?;
            let attendee_id = new_id();
            tokens::insert_attendee(
                tx.conn,
                &attendee_id,
                &row.view.id,
                display_name.as_deref(),
                tx.now,
            )?;
            tokens::insert(
                tx.conn,
                &hash,
                Role::Attendee,
                Some(&row.view.event_id),
                Some(&row.view.id),
                Some(&attendee_id),
                tx.now,
            )?;
            Ok((attendee_id, row.view))
        })
        .await?;
    Ok(Joined {
        attendee_token: token,
        attendee_id,
        session,
    })
}

/// Which session token to replace.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SessionTokenKind {
    /// The speaker console token.
    Speaker,
    /// The projector / overlay token.
    Projector,
}

/// A freshly issued token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedToken {
    /// The new token (shown once).
    pub token: String,
}

/// Replace a session's speaker or projector token (organizer). The old one
/// stops working at once and its live sockets are closed (1008).
pub async fn rotate_token(
    state: &AppState,
    actor: &Actor,
    session_id: String,
    kind: SessionTokenKind,
) -> AppResult<IssuedToken> {
    check_id(&session_id, "session")?;
    let actor = actor.clone();
    let (token, role) = match kind {
        SessionTokenKind::Speaker => (new_token("s"), Role::Speaker),
        SessionTokenKind::Projector => (new_token("p"), Role::Projector),
    };
    let hash = hash_token(&token);
    state
        .store()
        .write(move |tx| {
            let row = sessions::get(tx.conn, &session_id)?
                .ok_or_else(|| AppError::not_found("session"))?;
            require_organizer(&actor, &row.view.event_id)?;
            let revoked = tokens::revoke_session_role(tx.conn, &session_id, role, tx.now)?;
            tokens::insert(
                tx.conn,
                &hash,
                role,
                Some(&row.view.event_id),
                Some(&session_id),
                None,
                tx.now,
            )?;
            tx.effect(Effect::TokensRevoked(revoked));
            Ok(())
        })
        .await?;
    Ok(IssuedToken { token })
}

/// Revoke the token presented (sign out). Its live sockets are closed.
pub async fn revoke_own_token(state: &AppState, actor: &Actor) -> AppResult<()> {
    if actor.role == Role::Admin {
        return Err(AppError::conflict(
            "the admin token is configured, not revocable",
        ));
    }
    let hash = actor.token_hash.clone();
    state
        .store()
        .write(move |tx| {
            tokens::revoke(tx.conn, &hash, tx.now)?;
            tx.effect(Effect::TokensRevoked(vec![hash]));
            Ok(())
        })
        .await
}

/// Settings key of the generated admin token's hash.
const ADMIN_HASH_KEY: &str = "admin_token_hash";

/// The admin token's hash: the configured token's, or a stored one, or a new
/// one generated now (returned once so it can be printed; only its hash is kept).
pub async fn bootstrap_admin(
    store: &crate::store::Store,
    configured: Option<&crate::config::Secret>,
) -> AppResult<(String, Option<String>)> {
    if let Some(token) = configured {
        return Ok((hash_token(token.expose()), None));
    }
    let fresh = new_token("admin");
    let fresh_hash = hash_token(&fresh);
    let (hash, generated) = store
        .write(move |tx| match events::setting(tx.conn, ADMIN_HASH_KEY)? {
            Some(existing) => Ok((existing, false)),
            None => {
                events::set_setting(tx.conn, ADMIN_HASH_KEY, &fresh_hash)?;
                Ok((fresh_hash, true))
            }
        })
        .await?;
    Ok((hash, generated.then_some(fresh)))
}
