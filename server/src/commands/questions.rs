//! Question commands: asking, editing and withdrawing (the asker), upvoting
//! (attendees), and moderation (staff).
//!
//! Moderation is authoritative: a question that is not `visible` is only
//! ever written to the staff stream, and when a visible question leaves
//! view its earlier public events are redacted, so neither a live client, a
//! replay, nor a fresh snapshot delivers it to attendees again.

use serde_json::json;

use super::Ack;
use super::apply::Ctx;
use crate::domain::ids::new_id;
use crate::domain::limits::{self, ANSWER_MAX, LABELS_MAX, QUESTION_MAX, SHORT_TEXT_MAX};
use crate::domain::markdown;
use crate::domain::question::{QuestionState, QuestionView};
use crate::domain::session::Moderation;
use crate::domain::stream::{LogEvent, Visibility};
use crate::error::{AppError, AppResult};
use crate::store::questions::{self, QuestionRow};
use crate::store::{CounterRef, Tx, sessions};

fn entity(id: &str) -> String {
    format!("question:{id}")
}

fn load(tx: &mut Tx<'_>, ctx: &Ctx<'_>, question_id: &str) -> AppResult<QuestionRow> {
    questions::get(tx.conn, question_id)?
        .filter(|q| {
            q.view.session_id == ctx.session.view.id && q.view.state != QuestionState::Withdrawn
        })
        .ok_or_else(|| AppError::not_found("question"))
}

/// Write a changed question and emit what each audience should see.
fn publish(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    before: QuestionState,
    q: &QuestionView,
) -> AppResult<Vec<LogEvent>> {
    publish_change(tx, ctx.session, before, q)
}

/// Save a changed question and emit what each audience should see; used by
/// the commands here and by attendee data deletion.
pub(super) fn publish_change(
    tx: &mut Tx<'_>,
    session: &crate::store::sessions::SessionRow,
    before: QuestionState,
    q: &QuestionView,
) -> AppResult<Vec<LogEvent>> {
    questions::update(tx.conn, q)?;
    let session_id = q.session_id.as_str();
    let mut events = Vec::new();
    if q.state == QuestionState::Visible {
        events.push(tx.emit(
            session_id,
            Visibility::Everyone,
            "question.updated",
            Some(&entity(&q.id)),
            q,
        )?);
    } else {
        if before == QuestionState::Visible {
            tx.redact(session_id, &entity(&q.id))?;
            events.push(tx.emit(
                session_id,
                Visibility::AttendeesOnly,
                "question.removed",
                None,
                &json!({ "id": q.id }),
            )?);
            if session.pinned_question_id.as_deref() == Some(q.id.as_str()) {
                sessions::set_pinned(tx.conn, session_id, None)?;
                events.push(tx.emit(
                    session_id,
                    Visibility::Everyone,
                    "question.pinned",
                    None,
                    &json!({ "question_id": null }),
                )?);
            }
        }
        events.push(tx.emit(
            session_id,
            Visibility::StaffOnly,
            "question.updated",
            Some(&entity(&q.id)),
            q,
        )?);
    }
    tx.touch(CounterRef::Upvotes {
        session_id: session_id.to_string(),
        question_id: q.id.clone(),
    });
    Ok(events)
}

/// Ask a question (attendees).
pub(super) fn ask(tx: &mut Tx<'_>, ctx: &Ctx<'_>, body: &str, anonymous: bool) -> AppResult<Ack> {
    let attendee_id = ctx.require_attendee()?.to_string();
    ctx.require_open()?;
    let body = limits::required_text("body", body, QUESTION_MAX)?;
    super::coc::require_acknowledged(tx, ctx, &attendee_id)?;
    let author_name = ctx.actor.display_name.clone();
    if !anonymous && author_name.is_none() {
        return Err(AppError::invalid(
            "to ask with your name, join with a display name (or ask anonymously)",
        ));
    }
    let state = match ctx.session.view.moderation {
        Moderation::Post => QuestionState::Visible,
        Moderation::Pre => QuestionState::Pending,
    };
    let row = QuestionRow {
        attendee_id: Some(attendee_id),
        anonymous,
        view: QuestionView {
            id: new_id(),
            session_id: ctx.session.view.id.clone(),
            body,
            author_name: if anonymous { None } else { author_name.clone() },
            state,
            answered: false,
            answer: None,
            answer_html: None,
            labels: Vec::new(),
            upvotes: 0,
            created_at: tx.now,
            updated_at: tx.now,
            answered_at: None,
        },
    };
    questions::insert(tx.conn, &row, author_name.as_deref())?;
    let visibility = if state == QuestionState::Visible {
        Visibility::Everyone
    } else {
        Visibility::StaffOnly
    };
    let q = &row.view;
    let event = tx.emit(
        &q.session_id,
        visibility,
        "question.asked",
        Some(&entity(&q.id)),
        q,
    )?;
    ctx.ack(&[event], q)
}

fn own(ctx: &Ctx<'_>, q: &QuestionRow) -> AppResult<()> {
    let me = ctx.require_attendee()?;
    if q.attendee_id.as_deref() != Some(me) {
        return Err(AppError::forbidden(
            "you can only change your own questions",
        ));
    }
    Ok(())
}

/// Edit your own question (before it is answered).
pub(super) fn edit(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    question_id: &str,
    body: &str,
) -> AppResult<Ack> {
    let mut q = load(tx, ctx, question_id)?;
    own(ctx, &q)?;
    ctx.require_open()?;
    if q.view.answered
        || !matches!(
            q.view.state,
            QuestionState::Visible | QuestionState::Pending
        )
    {
        return Err(AppError::conflict("this question can no longer be edited"));
    }
    q.view.body = limits::required_text("body", body, QUESTION_MAX)?;
    q.view.updated_at = tx.now;
    let before = q.view.state;
    let events = publish(tx, ctx, before, &q.view)?;
    ctx.ack(&events, &q.view)
}

/// Withdraw your own question.
pub(super) fn withdraw(tx: &mut Tx<'_>, ctx: &Ctx<'_>, question_id: &str) -> AppResult<Ack> {
    let mut q = load(tx, ctx, question_id)?;
    own(ctx, &q)?;
    let before = q.view.state;
    q.view.state = QuestionState::Withdrawn;
    q.view.updated_at = tx.now;
    let events = publish(tx, ctx, before, &q.view)?;
    ctx.ack(&events, json!({ "id": q.view.id, "state": "withdrawn" }))
}

/// Upvote or take back an upvote (attendees; visible questions only).
pub(super) fn upvote(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    question_id: &str,
    up: bool,
) -> AppResult<Ack> {
    let attendee_id = ctx.require_attendee()?.to_string();
    ctx.require_open()?;
    let q = load(tx, ctx, question_id)?;
    if q.view.state != QuestionState::Visible {
        return Err(AppError::not_found("question"));
    }
    questions::set_upvote(tx.conn, &q.view.id, &attendee_id, up, tx.now)?;
    tx.touch(CounterRef::Upvotes {
        session_id: q.view.session_id.clone(),
        question_id: q.view.id.clone(),
    });
    let (count, _) = questions::upvotes(tx.conn, &q.view.id)?.unwrap_or((0, q.view.state));
    ctx.ack(
        &[],
        json!({ "question_id": q.view.id, "upvoted": up, "upvotes": count }),
    )
}

fn moderate(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    question_id: &str,
    to: QuestionState,
) -> AppResult<Ack> {
    ctx.require_staff()?;
    let mut q = load(tx, ctx, question_id)?;
    let before = q.view.state;
    if before == to {
        return Err(AppError::conflict(format!(
            "the question is already {}",
            to.as_str()
        )));
    }
    q.view.state = to;
    q.view.updated_at = tx.now;
    let events = publish(tx, ctx, before, &q.view)?;
    crate::store::audit::record(
        tx.conn,
        &ctx.session.view.event_id,
        Some(&ctx.session.view.id),
        ctx.actor.role.as_str(),
        match to {
            QuestionState::Visible => "question.approve",
            QuestionState::Rejected => "question.reject",
            QuestionState::Hidden => "question.hide",
            _ => "question.moderate",
        },
        &entity(&q.view.id),
        &q.view.body,
        tx.now,
    )?;
    ctx.ack(&events, &q.view)
}

/// Approve a pending question, or restore a hidden or rejected one.
pub(super) fn approve(tx: &mut Tx<'_>, ctx: &Ctx<'_>, question_id: &str) -> AppResult<Ack> {
    moderate(tx, ctx, question_id, QuestionState::Visible)
}

/// Reject a question.
pub(super) fn reject(tx: &mut Tx<'_>, ctx: &Ctx<'_>, question_id: &str) -> AppResult<Ack> {
    moderate(tx, ctx, question_id, QuestionState::Rejected)
}

/// Hide a question.
pub(super) fn hide(tx: &mut Tx<'_>, ctx: &Ctx<'_>, question_id: &str) -> AppResult<Ack> {
    moderate(tx, ctx, question_id, QuestionState::Hidden)
}

/// Mark answered (or not) and set, keep or remove the written reply.
pub(super) fn answer(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    question_id: &str,
    answered: bool,
    reply: Option<String>,
) -> AppResult<Ack> {
    ctx.require_staff()?;
    let mut q = load(tx, ctx, question_id)?;
    if let Some(reply) = reply {
        let reply = limits::optional_text("reply", &reply, ANSWER_MAX)?;
        if reply.is_empty() {
            q.view.answer = None;
            q.view.answer_html = None;
        } else {
            q.view.answer_html = Some(markdown::render(&reply));
            q.view.answer = Some(reply);
        }
    }
    q.view.answered = answered;
    q.view.answered_at = if answered {
        q.view.answered_at.or(Some(tx.now))
    } else {
        None
    };
    q.view.updated_at = tx.now;
    let before = q.view.state;
    let events = publish(tx, ctx, before, &q.view)?;
    ctx.ack(&events, &q.view)
}

/// Pin a visible question as "now answering", or unpin.
pub(super) fn pin(tx: &mut Tx<'_>, ctx: &Ctx<'_>, question_id: Option<&str>) -> AppResult<Ack> {
    ctx.require_staff()?;
    if let Some(id) = question_id {
        let q = load(tx, ctx, id)?;
        if q.view.state != QuestionState::Visible {
            return Err(AppError::conflict("only visible questions can be pinned"));
        }
    }
    sessions::set_pinned(tx.conn, &ctx.session.view.id, question_id)?;
    let data = json!({ "question_id": question_id });
    let event = tx.emit(
        &ctx.session.view.id,
        Visibility::Everyone,
        "question.pinned",
        None,
        &data,
    )?;
    ctx.ack(&[event], data)
}

/// Replace a question's labels.
pub(super) fn label(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    question_id: &str,
    labels: Vec<String>,
) -> AppResult<Ack> {
    ctx.require_staff()?;
    if labels.len() > LABELS_MAX {
        return Err(AppError::invalid(format!("at most {LABELS_MAX} labels")));
    }
    let mut clean = labels
        .iter()
        .map(|l| limits::single_line("labels[]", l, SHORT_TEXT_MAX))
        .collect::<AppResult<Vec<_>>>()?;
    clean.dedup();
    let mut q = load(tx, ctx, question_id)?;
    q.view.labels = clean;
    q.view.updated_at = tx.now;
    let before = q.view.state;
    let events = publish(tx, ctx, before, &q.view)?;
    ctx.ack(&events, &q.view)
}
