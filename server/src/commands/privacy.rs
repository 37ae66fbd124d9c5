//! Attendees' personal data: export it, delete it, and let it expire.
//!
//! An attendee's data is their display name, their questions, upvotes and
//! ballots. Deleting an attendee withdraws their questions (redacted from
//! replays like any removed question), takes back their upvotes and ballots
//! (so tallies stay equal to a recount), revokes their token and closes its
//! sockets. Retention: once every session of an event has been over for the
//! event's `retention_days`, its attendees' names and tokens are removed.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::questions::publish_change;
use crate::domain::question::{QuestionState, QuestionView};
use crate::domain::roles::{Actor, Role};
use crate::domain::session::SessionState;
use crate::domain::stream::Effect;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::tokens::{self, AttendeeRow};
use crate::store::{CounterRef, audit, events, polls, questions, sessions};

/// Everything stored about one attendee.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendeeData {
    /// Who.
    pub attendee: AttendeeRow,
    /// Their questions, in every state.
    pub questions: Vec<QuestionView>,
    /// Questions they upvoted.
    pub upvoted: Vec<String>,
    /// Their ballots: poll id → tally keys.
    pub ballots: BTreeMap<String, Vec<String>>,
}

/// Whether `actor` may see or delete the data of attendee `row` of session `event_id`.
fn may_manage(actor: &Actor, event_id: &str, row: &AttendeeRow) -> bool {
    actor.organizes(event_id)
        || (actor.role == Role::Attendee && actor.attendee_id.as_deref() == Some(&row.attendee_id))
}

/// Export one attendee's data (the event's organizer, or the attendee).
pub async fn export(
    state: &AppState,
    actor: &Actor,
    attendee_id: String,
) -> AppResult<AttendeeData> {
    if !crate::domain::ids::is_id(&attendee_id) {
        return Err(AppError::not_found("attendee"));
    }
    let actor = actor.clone();
    state
        .store()
        .read(move |conn| {
            let attendee = tokens::attendee(conn, &attendee_id)?
                .ok_or_else(|| AppError::not_found("attendee"))?;
            let session = sessions::get(conn, &attendee.session_id)?
                .ok_or_else(|| AppError::not_found("attendee"))?;
            if !may_manage(&actor, &session.view.event_id, &attendee) {
                return Err(AppError::forbidden(
                    "only the event's organizer or the attendee may see this",
                ));
            }
            Ok(AttendeeData {
                questions: questions::by_attendee(conn, &attendee_id)?
                    .into_iter()
                    .map(|q| q.view)
                    .collect(),
                upvoted: questions::upvotes_by(conn, &attendee_id)?,
                ballots: polls::ballots_by(conn, &attendee_id)?
                    .into_iter()
                    .map(|(poll, _, keys)| (poll, keys))
                    .collect(),
                attendee,
            })
        })
        .await
}

/// A session's attendees (organizer).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    session_id: String,
) -> AppResult<Vec<AttendeeRow>> {
    if !crate::domain::ids::is_id(&session_id) {
        return Err(AppError::not_found("session"));
    }
    let actor = actor.clone();
    state
        .store()
        .read(move |conn| {
            let session =
                sessions::get(conn, &session_id)?.ok_or_else(|| AppError::not_found("session"))?;
            if !actor.organizes(&session.view.event_id) {
                return Err(AppError::forbidden(
                    "this needs the event's organizer token",
                ));
            }
            Ok(tokens::attendees(conn, &session_id)?)
        })
        .await
}

/// Delete one attendee and everything they contributed (the event's organizer, or the attendee).
pub async fn delete(state: &AppState, actor: &Actor, attendee_id: String) -> AppResult<()> {
    if !crate::domain::ids::is_id(&attendee_id) {
        return Err(AppError::not_found("attendee"));
    }
    let actor = actor.clone();
    // The session is needed for the write's ordering key.
    let lookup = attendee_id.clone();
    let session_id = state
        .store()
        .read(move |conn| Ok(tokens::attendee(conn, &lookup)?.map(|a| a.session_id)))
        .await?
        .ok_or_else(|| AppError::not_found("attendee"))?;
    state
        .store()
        .write_for(&session_id.clone(), move |tx| {
            if tx.lock_session(&session_id)?.is_none() {
                return Err(AppError::not_found("attendee"));
            }
            let attendee = tokens::attendee(tx.conn, &attendee_id)?
                .ok_or_else(|| AppError::not_found("attendee"))?;
            let session = sessions::get(tx.conn, &session_id)?
                .ok_or_else(|| AppError::not_found("attendee"))?;
            if !may_manage(&actor, &session.view.event_id, &attendee) {
                return Err(AppError::forbidden(
                    "only the event's organizer or the attendee may delete this",
                ));
            }
            for row in questions::by_attendee(tx.conn, &attendee_id)? {
                let mut q = row.view;
                let before = q.state;
                if before == QuestionState::Withdrawn && q.body.is_empty() {
                    continue;
                }
                q.state = QuestionState::Withdrawn;
                q.body = String::new();
                q.author_name = None;
                q.updated_at = tx.now;
                publish_change(tx, &session, before, &q)?;
            }
            for question_id in questions::upvotes_by(tx.conn, &attendee_id)? {
                questions::set_upvote(tx.conn, &question_id, &attendee_id, false, tx.now)?;
                tx.touch(CounterRef::Upvotes {
                    session_id: session_id.clone(),
                    question_id,
                });
            }
            for (poll_id, _, _) in polls::ballots_by(tx.conn, &attendee_id)? {
                polls::retract(tx.conn, &poll_id, &attendee_id)?;
                tx.touch(CounterRef::Tally {
                    session_id: session_id.clone(),
                    poll_id,
                });
            }
            let hashes = tokens::attendee_token_hashes(tx.conn, &attendee_id)?;
            tokens::delete_attendee(tx.conn, &attendee_id)?;
            audit::record(
                tx.conn,
                &session.view.event_id,
                Some(&session_id),
                actor.role.as_str(),
                "attendee.delete",
                &format!("attendee:{attendee_id}"),
                "",
                tx.now,
            )?;
            tx.effect(Effect::TokensRevoked(hashes));
            Ok(())
        })
        .await
}

/// Remove attendees' names and tokens from events past their retention
/// period. Returns the number of attendees anonymized.
pub async fn apply_retention(state: &AppState) -> AppResult<u64> {
    state
        .store()
        .write(|tx| {
            let mut affected = 0;
            for event in events::list(tx.conn)? {
                let Some(days) = event.settings.retention_days else {
                    continue;
                };
                let sessions = sessions::list_for_event(tx.conn, &event.id)?;
                let all_ended = !sessions.is_empty()
                    && sessions.iter().all(|s| s.view.state == SessionState::Ended);
                let last_end = sessions.iter().filter_map(|s| s.view.ended_at).max();
                let cutoff = tx.now - i64::from(days) * 24 * 60 * 60 * 1000;
                if !all_ended || last_end.is_none_or(|end| end > cutoff) {
                    continue;
                }
                for s in &sessions {
                    affected += tokens::anonymize_session(tx.conn, &s.view.id)?;
                }
            }
            Ok(affected)
        })
        .await
}
