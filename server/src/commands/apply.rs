//! Dispatch of a [`Command`] into the write transaction, with the checks
//! every command shares: idempotency, the session, the caller's scope.

use serde::Serialize;

use super::{Ack, Command, coc, flags, notes, polls, questions, reactions, sessions, stars};
use crate::domain::roles::{Actor, Role};
use crate::domain::session::SessionState;
use crate::domain::stream::LogEvent;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::sessions::SessionRow;
use crate::store::{Tx, command_results};

/// What a command's implementation sees.
pub(super) struct Ctx<'a> {
    /// The caller.
    pub actor: &'a Actor,
    /// The session, as of this transaction.
    pub session: &'a SessionRow,
}

impl Ctx<'_> {
    /// The caller moderates this session.
    pub fn require_staff(&self) -> AppResult<()> {
        if self
            .actor
            .is_staff_of(&self.session.view.event_id, &self.session.view.id)
        {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "only the session's speakers and organizers may do this",
            ))
        }
    }

    /// The caller is an attendee of this session; returns their attendee id.
    pub fn require_attendee(&self) -> AppResult<&str> {
        match (&self.actor.role, &self.actor.attendee_id) {
            (Role::Attendee, Some(id))
                if self.actor.session_id.as_deref() == Some(self.session.view.id.as_str()) =>
            {
                Ok(id)
            }
            _ => Err(AppError::forbidden(
                "only attendees of this session may do this",
            )),
        }
    }

    /// The session has not ended.
    pub fn require_open(&self) -> AppResult<()> {
        if self.session.view.state == SessionState::Ended {
            Err(AppError::conflict("the session has ended"))
        } else {
            Ok(())
        }
    }

    /// An answer carrying the caller's `seq` of the last event they can see.
    pub fn ack(&self, events: &[LogEvent], result: impl Serialize) -> AppResult<Ack> {
        let audience = self.actor.audience();
        Ok(Ack {
            seq: events.iter().rev().find_map(|e| e.seq_for(audience)),
            result: serde_json::to_value(result).map_err(AppError::internal)?,
        })
    }
}

pub(super) async fn execute(
    state: &AppState,
    actor: &Actor,
    session_id: &str,
    command_id: Option<&str>,
    command: Command,
) -> AppResult<Ack> {
    if !crate::domain::ids::is_id(session_id) {
        return Err(AppError::not_found("session"));
    }
    if let Some(attendee) = &actor.attendee_id {
        state.rate_limits().check(attendee, &command)?;
    }
    if let Command::ReactionSend { emoji } = &command {
        return reactions::send(state, actor, session_id, emoji).await;
    }
    let actor = actor.clone();
    let session_id = session_id.to_string();
    let command_id = command_id.map(str::to_string);
    state
        .store()
        .write_for(&session_id.clone(), move |tx| {
            // The session row lock comes first: writers of a session serialize
            // (across nodes too) before the retry check reads its answer.
            if tx.lock_session(&session_id)?.is_none() {
                return Err(AppError::not_found("session"));
            }
            if let Some(id) = &command_id
                && let Some(previous) = command_results::find(tx.conn, &actor.token_hash, id)?
            {
                return serde_json::from_str(&previous).map_err(AppError::internal);
            }
            let session = crate::store::sessions::get(tx.conn, &session_id)?
                .ok_or_else(|| AppError::not_found("session"))?;
            if !actor.can_watch(&session.view.event_id, &session.view.id) {
                return Err(AppError::forbidden(
                    "this token is not valid for this session",
                ));
            }
            let ctx = Ctx {
                actor: &actor,
                session: &session,
            };
            let ack = dispatch(tx, &ctx, command)?;
            if let Some(id) = &command_id {
                let text = serde_json::to_string(&ack).map_err(AppError::internal)?;
                command_results::record(tx.conn, &actor.token_hash, id, &text, tx.now)?;
            }
            Ok(ack)
        })
        .await
}

fn dispatch(tx: &mut Tx<'_>, ctx: &Ctx<'_>, command: Command) -> AppResult<Ack> {
    match command {
        Command::SessionStart => sessions::set_state(tx, ctx, SessionState::Live),
        Command::SessionEnd => sessions::set_state(tx, ctx, SessionState::Ended),
        Command::SessionModeration { moderation } => sessions::set_moderation(tx, ctx, moderation),
        Command::NotePost(note) => notes::post(tx, ctx, note),
        Command::NoteEdit {
            note_id,
            body,
            takeaway,
        } => notes::edit(tx, ctx, &note_id, body, takeaway),
        Command::NoteDelete { note_id } => notes::delete(tx, ctx, &note_id),
        Command::QuestionAsk { body, anonymous } => questions::ask(tx, ctx, &body, anonymous),
        Command::QuestionEdit { question_id, body } => {
            questions::edit(tx, ctx, &question_id, &body)
        }
        Command::QuestionWithdraw { question_id } => questions::withdraw(tx, ctx, &question_id),
        Command::QuestionUpvote { question_id, up } => questions::upvote(tx, ctx, &question_id, up),
        Command::QuestionApprove { question_id } => questions::approve(tx, ctx, &question_id),
        Command::QuestionReject { question_id } => questions::reject(tx, ctx, &question_id),
        Command::QuestionHide { question_id } => questions::hide(tx, ctx, &question_id),
        Command::QuestionAnswer {
            question_id,
            answered,
            reply,
        } => questions::answer(tx, ctx, &question_id, answered, reply),
        Command::QuestionPin { question_id } => questions::pin(tx, ctx, question_id.as_deref()),
        Command::QuestionLabel {
            question_id,
            labels,
        } => questions::label(tx, ctx, &question_id, labels),
        Command::PollCreate(poll) => polls::create(tx, ctx, poll),
        Command::PollOpen { poll_id } => polls::open(tx, ctx, &poll_id),
        Command::PollClose { poll_id } => polls::close(tx, ctx, &poll_id),
        Command::PollReveal { poll_id, visible } => polls::reveal(tx, ctx, &poll_id, visible),
        Command::PollDelete { poll_id } => polls::delete(tx, ctx, &poll_id),
        Command::PollVote { poll_id, ballot } => polls::vote(tx, ctx, &poll_id, &ballot),
        Command::TakeawayStar { kind, id, starred } => stars::star(tx, ctx, &kind, &id, starred),
        Command::FlagRaise(flag) => flags::raise(tx, ctx, flag),
        Command::FlagResolve { flag_id, action } => flags::resolve(tx, ctx, &flag_id, action),
        Command::CocAcknowledge => coc::acknowledge(tx, ctx),
        Command::ReactionSend { .. } => Err(AppError::internal("reactions bypass the writer")),
    }
}
