//! Poll commands: create, open, close, reveal, delete (staff) and vote (attendees).
//!
//! Ballots are stored one per attendee per poll and the tally moves in the
//! same transaction; the tally itself travels as a coalesced counter
//! (`poll:ID`), visible to attendees only while results are shown.

use serde_json::json;

use super::Ack;
use super::apply::Ctx;
use crate::domain::ids::new_id;
use crate::domain::poll::{Ballot, NewPoll, PollState, PollView};
use crate::domain::stream::Visibility;
use crate::error::{AppError, AppResult};
use crate::store::{CounterRef, Tx, polls};

fn entity(id: &str) -> String {
    format!("poll:{id}")
}

fn load(tx: &mut Tx<'_>, ctx: &Ctx<'_>, poll_id: &str) -> AppResult<PollView> {
    polls::get(tx.conn, poll_id)?
        .filter(|p| p.session_id == ctx.session.view.id)
        .ok_or_else(|| AppError::not_found("poll"))
}

fn touch(tx: &mut Tx<'_>, poll: &PollView) {
    tx.touch(CounterRef::Tally {
        session_id: poll.session_id.clone(),
        poll_id: poll.id.clone(),
    });
}

fn visibility(poll: &PollView) -> Visibility {
    if poll.state == PollState::Draft {
        Visibility::StaffOnly
    } else {
        Visibility::Everyone
    }
}

/// Save a changed poll and emit `kind` with it.
fn publish(tx: &mut Tx<'_>, ctx: &Ctx<'_>, poll: &PollView, kind: &str) -> AppResult<Ack> {
    polls::update(tx.conn, poll, tx.now)?;
    touch(tx, poll);
    let event = tx.emit(
        &poll.session_id,
        visibility(poll),
        kind,
        Some(&entity(&poll.id)),
        poll,
    )?;
    ctx.ack(&[event], poll)
}

/// Create a poll.
pub(super) fn create(tx: &mut Tx<'_>, ctx: &Ctx<'_>, input: NewPoll) -> AppResult<Ack> {
    ctx.require_staff()?;
    let fields = input.validate()?;
    let open = input.open;
    if open {
        ctx.require_open()?;
    }
    let poll = PollView {
        id: new_id(),
        session_id: ctx.session.view.id.clone(),
        kind: fields.kind,
        question: fields.question,
        options: fields.options,
        scale_max: fields.scale_max,
        state: if open {
            PollState::Open
        } else {
            PollState::Draft
        },
        results_visible: input.results_live,
        results: None,
        created_at: tx.now,
        opened_at: open.then_some(tx.now),
        closed_at: None,
    };
    polls::insert(tx.conn, &poll)?;
    touch(tx, &poll);
    let event = tx.emit(
        &poll.session_id,
        visibility(&poll),
        "poll.created",
        Some(&entity(&poll.id)),
        &poll,
    )?;
    ctx.ack(&[event], &poll)
}

/// Open a draft poll.
pub(super) fn open(tx: &mut Tx<'_>, ctx: &Ctx<'_>, poll_id: &str) -> AppResult<Ack> {
    ctx.require_staff()?;
    ctx.require_open()?;
    let mut poll = load(tx, ctx, poll_id)?;
    if poll.state != PollState::Draft {
        return Err(AppError::conflict(format!(
            "the poll is already {}",
            poll.state.as_str()
        )));
    }
    poll.state = PollState::Open;
    poll.opened_at = Some(tx.now);
    publish(tx, ctx, &poll, "poll.opened")
}

/// Close an open poll.
pub(super) fn close(tx: &mut Tx<'_>, ctx: &Ctx<'_>, poll_id: &str) -> AppResult<Ack> {
    ctx.require_staff()?;
    let mut poll = load(tx, ctx, poll_id)?;
    if poll.state != PollState::Open {
        return Err(AppError::conflict(format!(
            "the poll is {}, not open",
            poll.state.as_str()
        )));
    }
    poll.state = PollState::Closed;
    poll.closed_at = Some(tx.now);
    publish(tx, ctx, &poll, "poll.closed")
}

/// Show or hide results to attendees.
pub(super) fn reveal(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    poll_id: &str,
    visible: bool,
) -> AppResult<Ack> {
    ctx.require_staff()?;
    let mut poll = load(tx, ctx, poll_id)?;
    if poll.results_visible == visible {
        return Err(AppError::conflict(if visible {
            "the results are already shown"
        } else {
            "the results are already hidden"
        }));
    }
    poll.results_visible = visible;
    publish(tx, ctx, &poll, "poll.results")
}

/// Delete a poll and its ballots.
pub(super) fn delete(tx: &mut Tx<'_>, ctx: &Ctx<'_>, poll_id: &str) -> AppResult<Ack> {
    ctx.require_staff()?;
    let poll = load(tx, ctx, poll_id)?;
    polls::delete(tx.conn, &poll.id)?;
    crate::store::audit::record(
        tx.conn,
        &ctx.session.view.event_id,
        Some(&poll.session_id),
        ctx.actor.role.as_str(),
        "poll.delete",
        &entity(&poll.id),
        &poll.question,
        tx.now,
    )?;
    tx.redact(&poll.session_id, &entity(&poll.id))?;
    let data = json!({ "id": poll.id });
    let event = tx.emit(
        &poll.session_id,
        visibility(&poll),
        "poll.deleted",
        None,
        &data,
    )?;
    ctx.ack(&[event], data)
}

/// Cast or change a ballot.
pub(super) fn vote(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    poll_id: &str,
    ballot: &Ballot,
) -> AppResult<Ack> {
    let attendee_id = ctx.require_attendee()?.to_string();
    let poll = load(tx, ctx, poll_id)?;
    match poll.state {
        PollState::Open => {}
        PollState::Draft => return Err(AppError::not_found("poll")),
        PollState::Closed => return Err(AppError::conflict("the poll is closed")),
    }
    let keys = ballot.tally_keys(poll.kind, poll.options.len(), poll.scale_max)?;
    polls::cast(tx.conn, &poll.id, &attendee_id, &keys, tx.now)?;
    touch(tx, &poll);
    ctx.ack(&[], json!({ "poll_id": poll.id, "ballot": keys }))
}
