//! What a joining client receives: the session's state as its audience sees
//! it (a [`Snapshot`]), or the exact events it missed (a replay).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::event::EventView;
use crate::domain::flag::FlagView;
use crate::domain::note::NoteView;
use crate::domain::poll::PollView;
use crate::domain::question::QuestionView;
use crate::domain::roles::{Actor, Role};
use crate::domain::session::SessionView;
use crate::domain::stream::{Audience, LogEvent};
use crate::error::{AppError, AppResult};
use crate::store::sql::SqlConn;
use crate::store::{counters, events, flags, log, notes, polls, questions, sessions};

/// The event a session belongs to, as a joining client needs it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventBrief {
    /// Event id.
    pub id: String,
    /// Event name.
    pub name: String,
    /// Code of conduct (Markdown), if the event has one.
    pub code_of_conduct: Option<String>,
    /// The code of conduct rendered to sanitized HTML (the same rules as notes).
    pub code_of_conduct_html: Option<String>,
    /// Whether attendees must acknowledge it before asking.
    pub require_coc_ack: bool,
    /// Whether the event's archive (and so its permalinks) is public.
    pub archive_published: bool,
}

impl EventBrief {
    /// What a joining client needs of `event`.
    pub fn of(event: EventView) -> EventBrief {
        let html = event
            .settings
            .code_of_conduct
            .as_deref()
            .map(crate::domain::markdown::render);
        EventBrief {
            id: event.id,
            name: event.name,
            code_of_conduct: event.settings.code_of_conduct,
            code_of_conduct_html: html,
            require_coc_ack: event.settings.require_coc_ack,
            archive_published: event.archive_published,
        }
    }
}

/// What the caller has done in this session (attendees only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Me {
    /// Attendee id.
    pub attendee_id: String,
    /// Display name given at join.
    pub display_name: Option<String>,
    /// Questions the caller upvoted.
    pub upvoted: Vec<String>,
    /// The caller's ballots: poll id → tally keys.
    pub ballots: BTreeMap<String, Vec<String>>,
    /// The caller's questions still waiting for approval.
    pub pending_questions: Vec<QuestionView>,
    /// Ids of every question the caller asked that is not withdrawn (to offer
    /// edit and withdraw on any device).
    pub asked: Vec<String>,
    /// Whether the caller acknowledged the event's code of conduct.
    pub coc_acknowledged: bool,
    /// Ids of the questions and notes the caller flagged.
    pub flagged: Vec<String>,
}

/// A session's state as one audience sees it, at stream position `seq`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Snapshot {
    /// The caller's stream position this state reflects; events follow from `seq + 1`.
    pub seq: u64,
    /// The stream's epoch: send it back with `since` when resuming.
    pub epoch: String,
    /// The caller's role.
    pub role: Role,
    /// The session.
    pub session: SessionView,
    /// Its event.
    pub event: EventBrief,
    /// Live notes, oldest first.
    pub notes: Vec<NoteView>,
    /// Questions (attendees: visible ones; staff: all but withdrawn), oldest first.
    pub questions: Vec<QuestionView>,
    /// The question pinned as "now answering".
    pub pinned_question_id: Option<String>,
    /// Polls (attendees: not drafts), with results where the caller may see them.
    pub polls: Vec<PollView>,
    /// Reaction totals.
    pub reactions: BTreeMap<String, i64>,
    /// Attendees connected now.
    pub presence: i64,
    /// The caller's own state (attendees).
    pub me: Option<Me>,
    /// Open flags for the moderators (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<Vec<FlagView>>,
}

/// A snapshot plus the full-log position it reflects (for the hub).
pub struct Loaded {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// `log_seq` the snapshot reflects.
    pub log_seq: u64,
}

/// Read a snapshot for `actor` (inside one read transaction).
pub fn load(conn: &mut dyn SqlConn, actor: &Actor, session_id: &str) -> AppResult<Loaded> {
    let session = sessions::get(conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let event =
        events::get(conn, &session.view.event_id)?.ok_or_else(|| AppError::not_found("event"))?;
    let staff = actor.audience() == Audience::Staff;
    let notes = notes::list(conn, session_id)?;
    let questions = questions::list(conn, session_id, staff)?
        .into_iter()
        .map(|q| q.view)
        .collect();
    let mut poll_list = polls::list(conn, session_id, staff)?;
    for poll in &mut poll_list {
        if staff || poll.results_visible {
            poll.results = Some(polls::tally(conn, &poll.id)?);
        }
    }
    let me = match (&actor.role, &actor.attendee_id) {
        (Role::Attendee, Some(attendee_id)) => Some(Me {
            attendee_id: attendee_id.clone(),
            display_name: actor.display_name.clone(),
            upvoted: questions::upvoted_by(conn, session_id, attendee_id)?,
            ballots: polls::ballots_of(conn, session_id, attendee_id)?
                .into_iter()
                .collect(),
            pending_questions: questions::pending_of(conn, session_id, attendee_id)?
                .into_iter()
                .map(|q| q.view)
                .collect(),
            asked: questions::by_attendee(conn, attendee_id)?
                .into_iter()
                .filter(|q| q.view.state != crate::domain::question::QuestionState::Withdrawn)
                .map(|q| q.view.id)
                .collect(),
            coc_acknowledged: flags::coc_acknowledged_at(conn, attendee_id)?.is_some(),
            flagged: flags::targets_of(conn, attendee_id)?,
        }),
        _ => None,
    };
    let seq = if staff {
        session.last_staff_seq
    } else {
        session.last_public_seq
    };
    Ok(Loaded {
        log_seq: session.last_log_seq,
        snapshot: Snapshot {
            seq,
            epoch: session.epoch.clone(),
            role: actor.role,
            event: EventBrief::of(event),
            pinned_question_id: session.pinned_question_id.clone(),
            session: session.view,
            notes,
            questions,
            polls: poll_list,
            reactions: counters::reactions(conn, session_id)?,
            presence: 0,
            me,
            flags: if staff {
                Some(flags::list(conn, session_id, true)?)
            } else {
                None
            },
        },
    })
}

/// Why a resume could not replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotRecoveredReason {
    /// More events were missed than the replay limit.
    TooOld,
    /// The stream was reset (its epoch changed), e.g. after a restore.
    EpochChanged,
    /// `since` is beyond the stream's end.
    Ahead,
}

/// The outcome of a resume request.
pub enum Resume {
    /// The exact gap: events `(since, to]` of the caller's stream.
    Replayed {
        /// The missed events, in order.
        events: Vec<LogEvent>,
        /// The caller's stream position after them.
        to: u64,
        /// The full-log position after them.
        log_seq: u64,
        /// Current values of every counter the caller may see.
        counters: Vec<(String, String)>,
        /// The stream's epoch.
        epoch: String,
    },
    /// No replay possible: a fresh snapshot instead.
    NotRecovered {
        /// Why.
        reason: NotRecoveredReason,
        /// The fresh state.
        loaded: Box<Loaded>,
    },
}

/// Decide between an exact replay and a fresh snapshot for `since`.
pub fn resume(
    conn: &mut dyn SqlConn,
    actor: &Actor,
    session_id: &str,
    since: u64,
    epoch: Option<&str>,
    limit: u64,
) -> AppResult<Resume> {
    let session = sessions::get(conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let audience = actor.audience();
    let last = match audience {
        Audience::Staff => session.last_staff_seq,
        Audience::Attendees => session.last_public_seq,
    };
    let reason = if epoch.is_some_and(|e| e != session.epoch) {
        Some(NotRecoveredReason::EpochChanged)
    } else if since > last {
        Some(NotRecoveredReason::Ahead)
    } else if last - since > limit {
        Some(NotRecoveredReason::TooOld)
    } else {
        None
    };
    if let Some(reason) = reason {
        return Ok(Resume::NotRecovered {
            reason,
            loaded: Box::new(load(conn, actor, session_id)?),
        });
    }
    let events = log::replay(conn, session_id, audience, since, last)?;
    let counters = current_counters(conn, session_id, audience == Audience::Staff)?;
    Ok(Resume::Replayed {
        events,
        to: last,
        log_seq: session.last_log_seq,
        counters,
        epoch: session.epoch,
    })
}

/// Every counter's current value that the audience may see.
fn current_counters(
    conn: &mut dyn SqlConn,
    session_id: &str,
    staff: bool,
) -> AppResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for q in questions::list(conn, session_id, staff)? {
        out.push((
            counters::upvotes_key(&q.view.id),
            q.view.upvotes.to_string(),
        ));
    }
    for poll in polls::list(conn, session_id, staff)? {
        if staff || poll.results_visible {
            let tally = polls::tally(conn, &poll.id)?;
            out.push((
                counters::tally_key(&poll.id),
                serde_json::to_string(&tally).map_err(AppError::internal)?,
            ));
        }
    }
    let reactions = counters::reactions(conn, session_id)?;
    out.push((
        counters::REACTIONS_KEY.to_string(),
        serde_json::to_string(&reactions).map_err(AppError::internal)?,
    ));
    Ok(out)
}
