//! The command layer: every action on a session, checked and applied once.
//!
//! REST handlers and websocket frames both turn requests into a [`Command`]
//! and call [`execute`]. A command is checked (shape and limits first, then
//! role, scope and state inside the write transaction), applied, and
//! recorded under the caller's command id, so a retry with the same id gets
//! the same answer and changes nothing. The answer ([`Ack`]) is sent only
//! after the transaction committed.

pub mod admin;
mod apply;
mod coc;
mod flags;
pub mod notes;
pub mod polls;
pub mod privacy;
pub mod questions;
pub mod rate;
pub mod reactions;
pub mod sessions;
pub mod snapshot;
pub mod stars;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::flag::{FlagAction, NewFlag};
use crate::domain::limits::COMMAND_ID_MAX;
use crate::domain::note::NewNote;
use crate::domain::poll::{Ballot, NewPoll};
use crate::domain::roles::Actor;
use crate::domain::session::Moderation;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Every action a client can take on a live session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", content = "args", deny_unknown_fields)]
pub enum Command {
    /// Staff: go live (questions and votes open).
    #[serde(rename = "session.start")]
    SessionStart,
    /// Staff: end the session (read-only afterwards).
    #[serde(rename = "session.end")]
    SessionEnd,
    /// Staff: switch question moderation mode.
    #[serde(rename = "session.moderation")]
    SessionModeration {
        /// `pre` or `post`.
        moderation: Moderation,
    },
    /// Staff: post a note.
    #[serde(rename = "note.post")]
    NotePost(NewNote),
    /// Staff: edit a note or mark it as a takeaway.
    #[serde(rename = "note.edit")]
    NoteEdit {
        /// The note.
        note_id: String,
        /// New Markdown.
        #[serde(default)]
        body: Option<String>,
        /// Key takeaway flag.
        #[serde(default)]
        takeaway: Option<bool>,
    },
    /// Staff: delete a note.
    #[serde(rename = "note.delete")]
    NoteDelete {
        /// The note.
        note_id: String,
    },
    /// Attendee: ask a question.
    #[serde(rename = "question.ask")]
    QuestionAsk {
        /// The question (1–500 characters).
        body: String,
        /// Ask without your display name (default true).
        #[serde(default = "default_true")]
        anonymous: bool,
    },
    /// Attendee: edit your own question.
    #[serde(rename = "question.edit")]
    QuestionEdit {
        /// The question.
        question_id: String,
        /// The new text.
        body: String,
    },
    /// Attendee: withdraw your own question.
    #[serde(rename = "question.withdraw")]
    QuestionWithdraw {
        /// The question.
        question_id: String,
    },
    /// Attendee: upvote (or take back the upvote of) a question.
    #[serde(rename = "question.upvote")]
    QuestionUpvote {
        /// The question.
        question_id: String,
        /// true to upvote (default), false to take it back.
        #[serde(default = "default_true")]
        up: bool,
    },
    /// Staff: approve a pending (or restore a hidden) question.
    #[serde(rename = "question.approve")]
    QuestionApprove {
        /// The question.
        question_id: String,
    },
    /// Staff: reject a pending question.
    #[serde(rename = "question.reject")]
    QuestionReject {
        /// The question.
        question_id: String,
    },
    /// Staff: hide a visible question.
    #[serde(rename = "question.hide")]
    QuestionHide {
        /// The question.
        question_id: String,
    },
    /// Staff: mark answered and/or reply.
    #[serde(rename = "question.answer")]
    QuestionAnswer {
        /// The question.
        question_id: String,
        /// Answered (default true).
        #[serde(default = "default_true")]
        answered: bool,
        /// Written reply (Markdown); omit to keep, empty to remove.
        #[serde(default)]
        reply: Option<String>,
    },
    /// Staff: pin a question as "now answering", or unpin with null.
    #[serde(rename = "question.pin")]
    QuestionPin {
        /// The question, or null to unpin.
        question_id: Option<String>,
    },
    /// Staff: replace a question's labels.
    #[serde(rename = "question.label")]
    QuestionLabel {
        /// The question.
        question_id: String,
        /// The labels.
        labels: Vec<String>,
    },
    /// Staff: create a poll (draft, or open at once).
    #[serde(rename = "poll.create")]
    PollCreate(NewPoll),
    /// Staff: open a draft poll.
    #[serde(rename = "poll.open")]
    PollOpen {
        /// The poll.
        poll_id: String,
    },
    /// Staff: close an open poll.
    #[serde(rename = "poll.close")]
    PollClose {
        /// The poll.
        poll_id: String,
    },
    /// Staff: show (or hide again) a poll's results to attendees.
    #[serde(rename = "poll.reveal")]
    PollReveal {
        /// The poll.
        poll_id: String,
        /// true to show (default), false to hide.
        #[serde(default = "default_true")]
        visible: bool,
    },
    /// Staff: delete a poll and its ballots.
    #[serde(rename = "poll.delete")]
    PollDelete {
        /// The poll.
        poll_id: String,
    },
    /// Attendee: cast or change your ballot.
    #[serde(rename = "poll.vote")]
    PollVote {
        /// The poll.
        poll_id: String,
        /// The ballot.
        ballot: Ballot,
    },
    /// Attendee: save a note or question to "my takeaways", or remove it.
    #[serde(rename = "takeaway.star")]
    TakeawayStar {
        /// `note` or `question`.
        kind: String,
        /// The note or question.
        id: String,
        /// true to save (default), false to remove.
        #[serde(default = "default_true")]
        starred: bool,
    },
    /// Attendee: flag a visible question or a note for the moderators.
    #[serde(rename = "flag.raise")]
    FlagRaise(NewFlag),
    /// Staff: resolve a flag (and every other open flag on the same target).
    #[serde(rename = "flag.resolve")]
    FlagResolve {
        /// The flag.
        flag_id: String,
        /// `dismiss` (keep the content) or `remove` (hide the question, delete the note).
        action: FlagAction,
    },
    /// Attendee: acknowledge the event's code of conduct.
    #[serde(rename = "coc.acknowledge")]
    CocAcknowledge,
    /// Attendee: react with one of the session's emoji.
    #[serde(rename = "reaction.send")]
    ReactionSend {
        /// One of the fixed set (see docs/protocol.md).
        emoji: String,
    },
}

fn default_true() -> bool {
    true
}

impl Command {
    /// The wire name of the action, for logs and metrics.
    pub fn action(&self) -> &'static str {
        match self {
            Command::SessionStart => "session.start",
            Command::SessionEnd => "session.end",
            Command::SessionModeration { .. } => "session.moderation",
            Command::NotePost(_) => "note.post",
            Command::NoteEdit { .. } => "note.edit",
            Command::NoteDelete { .. } => "note.delete",
            Command::QuestionAsk { .. } => "question.ask",
            Command::QuestionEdit { .. } => "question.edit",
            Command::QuestionWithdraw { .. } => "question.withdraw",
            Command::QuestionUpvote { .. } => "question.upvote",
            Command::QuestionApprove { .. } => "question.approve",
            Command::QuestionReject { .. } => "question.reject",
            Command::QuestionHide { .. } => "question.hide",
            Command::QuestionAnswer { .. } => "question.answer",
            Command::QuestionPin { .. } => "question.pin",
            Command::QuestionLabel { .. } => "question.label",
            Command::PollCreate(_) => "poll.create",
            Command::PollOpen { .. } => "poll.open",
            Command::PollClose { .. } => "poll.close",
            Command::PollReveal { .. } => "poll.reveal",
            Command::PollDelete { .. } => "poll.delete",
            Command::PollVote { .. } => "poll.vote",
            Command::ReactionSend { .. } => "reaction.send",
            Command::TakeawayStar { .. } => "takeaway.star",
            Command::FlagRaise(_) => "flag.raise",
            Command::FlagResolve { .. } => "flag.resolve",
            Command::CocAcknowledge => "coc.acknowledge",
        }
    }
}

/// The answer to an applied command.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Ack {
    /// The `seq` (in the caller's stream) of the last event the command
    /// produced, if the caller can see it; null for commands that only move
    /// counters (votes, upvotes, reactions).
    pub seq: Option<u64>,
    /// What the command created or changed (e.g. the note, the question).
    #[schema(value_type = Object)]
    pub result: serde_json::Value,
}

/// Check a client-chosen command id.
pub fn check_command_id(id: &str) -> AppResult<()> {
    if id.is_empty() || id.len() > COMMAND_ID_MAX || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::bad_request(format!(
            "command id must be 1–{COMMAND_ID_MAX} printable ASCII characters"
        )));
    }
    Ok(())
}

/// Apply `command` to `session_id` as `actor`. `command_id` makes retries safe:
/// the same id from the same caller returns the first answer.
pub async fn execute(
    state: &AppState,
    actor: &Actor,
    session_id: &str,
    command_id: Option<&str>,
    command: Command,
) -> AppResult<Ack> {
    if let Some(id) = command_id {
        check_command_id(id)?;
    }
    let result = apply::execute(state, actor, session_id, command_id, command).await;
    match &result {
        Ok(_) => state.metrics().commands_ok.inc(),
        Err(_) => state.metrics().commands_failed.inc(),
    };
    result
}
