//! Session lifecycle commands: start, end, moderation mode.

use super::Ack;
use super::apply::Ctx;
use crate::domain::session::{Moderation, SessionState, SessionView};
use crate::domain::stream::{LogEvent, Visibility};
use crate::error::{AppError, AppResult};
use crate::store::{Tx, sessions};

/// Go live, or end.
pub(super) fn set_state(tx: &mut Tx<'_>, ctx: &Ctx<'_>, state: SessionState) -> AppResult<Ack> {
    ctx.require_staff()?;
    let current = ctx.session.view.state;
    let allowed = matches!(
        (current, state),
        (SessionState::Scheduled, SessionState::Live)
            | (SessionState::Ended, SessionState::Live)
            | (SessionState::Live, SessionState::Ended)
            | (SessionState::Scheduled, SessionState::Ended)
    );
    if !allowed {
        return Err(AppError::conflict(format!(
            "the session is already {}",
            current.as_str()
        )));
    }
    sessions::set_state(tx.conn, &ctx.session.view.id, state, tx.now)?;
    if state == SessionState::Ended {
        // Queued in this transaction: delivered after the commit, never for a rollback.
        crate::webhooks::session_ended(tx, &ctx.session.view.id)?;
    }
    let (view, event) = emit_updated(tx, &ctx.session.view.id)?;
    ctx.ack(&[event], &view)
}

/// Switch pre/post moderation.
pub(super) fn set_moderation(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    moderation: Moderation,
) -> AppResult<Ack> {
    ctx.require_staff()?;
    let mut fields = sessions::fields(&ctx.session.view);
    fields.moderation = moderation;
    sessions::update(tx.conn, &ctx.session.view.id, &fields, tx.now)?;
    let (view, event) = emit_updated(tx, &ctx.session.view.id)?;
    ctx.ack(&[event], &view)
}

/// Emit `session.updated` with the stored view (after any change to the session).
pub(crate) fn emit_updated(
    tx: &mut Tx<'_>,
    session_id: &str,
) -> AppResult<(SessionView, LogEvent)> {
    let row = sessions::get(tx.conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let event = tx.emit(
        session_id,
        Visibility::Everyone,
        "session.updated",
        None,
        &row.view,
    )?;
    Ok((row.view, event))
}
