//! Flag commands: an attendee reports a visible question or a note to the
//! session's moderators (`flag.raise`); a moderator dismisses the report or
//! acts on it (`flag.resolve`: hide the question, delete the note). Flags
//! are written to the staff stream only, and every raise and outcome lands
//! in the moderation audit log.

use serde_json::json;

use super::Ack;
use super::apply::Ctx;
use crate::domain::flag::{FlagAction, FlagState, FlagTarget, FlagView, NewFlag};
use crate::domain::ids::{is_id, new_id};
use crate::domain::limits::{self, FLAG_DETAIL_MAX};
use crate::domain::question::QuestionState;
use crate::domain::stream::{LogEvent, Visibility};
use crate::error::{AppError, AppResult};
use crate::store::{Tx, audit, flags, notes, questions};

/// The text of a flaggable target, if the attendee can see it in this session.
fn visible_text(tx: &mut Tx<'_>, ctx: &Ctx<'_>, kind: FlagTarget, id: &str) -> AppResult<String> {
    let session = ctx.session.view.id.as_str();
    let text = match kind {
        FlagTarget::Question => questions::get(tx.conn, id)?
            .filter(|q| q.view.session_id == session && q.view.state == QuestionState::Visible)
            .map(|q| q.view.body),
        FlagTarget::Note => notes::get(tx.conn, id)?
            .filter(|n| n.session_id == session)
            .map(|n| n.body),
    };
    text.ok_or_else(|| AppError::not_found(kind.as_str()))
}

/// Raise a flag (attendees).
pub(super) fn raise(tx: &mut Tx<'_>, ctx: &Ctx<'_>, input: NewFlag) -> AppResult<Ack> {
    let attendee_id = ctx.require_attendee()?.to_string();
    let detail = limits::optional_text("detail", &input.detail, FLAG_DETAIL_MAX)?;
    if !is_id(&input.id) {
        return Err(AppError::not_found(input.kind.as_str()));
    }
    let excerpt = visible_text(tx, ctx, input.kind, &input.id)?;
    if flags::open_by(tx.conn, &attendee_id, input.kind, &input.id)? {
        return Err(AppError::conflict(
            "you already flagged this; the moderators will look at it",
        ));
    }
    let flag = FlagView {
        id: new_id(),
        session_id: ctx.session.view.id.clone(),
        target_kind: input.kind,
        target_id: input.id,
        reason: input.reason,
        detail,
        excerpt,
        state: FlagState::Open,
        resolved_by: None,
        created_at: tx.now,
        resolved_at: None,
    };
    flags::insert(tx.conn, &ctx.session.view.event_id, &attendee_id, &flag)?;
    audit::record(
        tx.conn,
        &ctx.session.view.event_id,
        Some(&flag.session_id),
        ctx.actor.role.as_str(),
        "flag.raise",
        &format!("{}:{}", flag.target_kind.as_str(), flag.target_id),
        &format!("{}: {}", flag.reason.as_str(), flag.excerpt),
        tx.now,
    )?;
    let event = tx.emit(
        &flag.session_id,
        Visibility::StaffOnly,
        "flag.raised",
        None,
        &flag,
    )?;
    // The attendee learns only that the report was received.
    ctx.ack(
        &[event],
        json!({ "id": flag.id, "kind": flag.target_kind, "target_id": flag.target_id, "state": "open" }),
    )
}

/// Resolve a flag (staff): every open flag on the same target closes with it.
pub(super) fn resolve(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    flag_id: &str,
    action: FlagAction,
) -> AppResult<Ack> {
    ctx.require_staff()?;
    let flag = flags::get(tx.conn, flag_id)?
        .filter(|f| f.session_id == ctx.session.view.id)
        .ok_or_else(|| AppError::not_found("flag"))?;
    if flag.state != FlagState::Open {
        return Err(AppError::conflict(format!(
            "the flag is already {}",
            flag.state.as_str()
        )));
    }
    let state = match action {
        FlagAction::Dismiss => FlagState::Dismissed,
        FlagAction::Remove => {
            remove_target(tx, ctx, flag.target_kind, &flag.target_id)?;
            FlagState::Removed
        }
    };
    let by = ctx.actor.role.as_str();
    let target = format!("{}:{}", flag.target_kind.as_str(), flag.target_id);
    let mut events: Vec<LogEvent> = Vec::new();
    let mut resolved = Vec::new();
    for mut open in flags::open_on(tx.conn, flag.target_kind, &flag.target_id)? {
        if open.session_id != ctx.session.view.id {
            continue;
        }
        flags::resolve(tx.conn, &open.id, state, by, tx.now)?;
        open.state = state;
        open.resolved_by = Some(by.to_string());
        open.resolved_at = Some(tx.now);
        events.push(tx.emit(
            &open.session_id,
            Visibility::StaffOnly,
            "flag.resolved",
            None,
            &open,
        )?);
        resolved.push(open);
    }
    audit::record(
        tx.conn,
        &ctx.session.view.event_id,
        Some(&ctx.session.view.id),
        by,
        match action {
            FlagAction::Dismiss => "flag.dismiss",
            FlagAction::Remove => "flag.remove",
        },
        &target,
        &format!(
            "{} flag{}: {}",
            resolved.len(),
            if resolved.len() == 1 { "" } else { "s" },
            flag.excerpt
        ),
        tx.now,
    )?;
    ctx.ack(&events, json!({ "flags": resolved }))
}

/// Hide the flagged question or delete the flagged note (through the same
/// commands a moderator would use, so their events, redactions and audit
/// entries are the usual ones). Already gone or hidden: nothing to do.
fn remove_target(tx: &mut Tx<'_>, ctx: &Ctx<'_>, kind: FlagTarget, id: &str) -> AppResult<()> {
    match kind {
        FlagTarget::Question => {
            let state = questions::get(tx.conn, id)?.map(|q| q.view.state);
            if matches!(state, Some(QuestionState::Visible | QuestionState::Pending)) {
                super::questions::hide(tx, ctx, id)?;
            }
        }
        FlagTarget::Note => {
            if notes::get(tx.conn, id)?.is_some() {
                super::notes::delete(tx, ctx, id)?;
            }
        }
    }
    Ok(())
}
