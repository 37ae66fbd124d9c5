//! Note commands: post, edit (including the takeaway flag), delete.

use serde_json::json;

use super::Ack;
use super::apply::Ctx;
use crate::domain::ids::new_id;
use crate::domain::limits::{self, NOTE_MAX};
use crate::domain::markdown;
use crate::domain::note::{NewNote, NoteView};
use crate::domain::roles::Role;
use crate::domain::stream::Visibility;
use crate::error::{AppError, AppResult};
use crate::store::{Tx, notes};

fn entity(id: &str) -> String {
    format!("note:{id}")
}

fn load(tx: &mut Tx<'_>, ctx: &Ctx<'_>, note_id: &str) -> AppResult<NoteView> {
    notes::get(tx.conn, note_id)?
        .filter(|n| n.session_id == ctx.session.view.id)
        .ok_or_else(|| AppError::not_found("note"))
}

/// Post a note.
pub(super) fn post(tx: &mut Tx<'_>, ctx: &Ctx<'_>, input: NewNote) -> AppResult<Ack> {
    ctx.require_staff()?;
    let body = limits::required_text("body", &input.body, NOTE_MAX)?;
    let note = NoteView {
        id: new_id(),
        session_id: ctx.session.view.id.clone(),
        html: markdown::render(&body),
        body,
        takeaway: input.takeaway,
        author: if ctx.actor.role == Role::Speaker {
            "speaker"
        } else {
            "organizer"
        }
        .to_string(),
        created_at: tx.now,
        updated_at: tx.now,
    };
    notes::insert(tx.conn, &note)?;
    let event = tx.emit(
        &note.session_id,
        Visibility::Everyone,
        "note.posted",
        Some(&entity(&note.id)),
        &note,
    )?;
    ctx.ack(&[event], &note)
}

/// Edit a note's text and/or takeaway flag.
pub(super) fn edit(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    note_id: &str,
    body: Option<String>,
    takeaway: Option<bool>,
) -> AppResult<Ack> {
    ctx.require_staff()?;
    if body.is_none() && takeaway.is_none() {
        return Err(AppError::invalid("give body and/or takeaway"));
    }
    let mut note = load(tx, ctx, note_id)?;
    if let Some(body) = body {
        note.body = limits::required_text("body", &body, NOTE_MAX)?;
        note.html = markdown::render(&note.body);
    }
    if let Some(flag) = takeaway {
        note.takeaway = flag;
    }
    note.updated_at = tx.now;
    notes::update(tx.conn, &note)?;
    let event = tx.emit(
        &note.session_id,
        Visibility::Everyone,
        "note.updated",
        Some(&entity(&note.id)),
        &note,
    )?;
    ctx.ack(&[event], &note)
}

/// Delete a note; its earlier events are redacted from replays.
pub(super) fn delete(tx: &mut Tx<'_>, ctx: &Ctx<'_>, note_id: &str) -> AppResult<Ack> {
    ctx.require_staff()?;
    let note = load(tx, ctx, note_id)?;
    notes::delete(tx.conn, &note.id, tx.now)?;
    crate::store::audit::record(
        tx.conn,
        &ctx.session.view.event_id,
        Some(&note.session_id),
        ctx.actor.role.as_str(),
        "note.delete",
        &entity(&note.id),
        &note.body,
        tx.now,
    )?;
    tx.redact(&note.session_id, &entity(&note.id))?;
    let data = json!({ "id": note.id });
    let event = tx.emit(
        &note.session_id,
        Visibility::Everyone,
        "note.deleted",
        None,
        &data,
    )?;
    ctx.ack(&[event], data)
}
