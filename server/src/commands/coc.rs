//! The code-of-conduct gate: an event may require its attendees to
//! acknowledge its code of conduct before their first question
//! (`coc.acknowledge`, stored per attendee); until then `question.ask` is
//! refused with `coc_required`.

use serde_json::json;

use super::Ack;
use super::apply::Ctx;
use crate::error::{AppError, AppResult};
use crate::store::{Tx, events, flags};

/// Acknowledge the event's code of conduct (attendees; the first time counts).
pub(super) fn acknowledge(tx: &mut Tx<'_>, ctx: &Ctx<'_>) -> AppResult<Ack> {
    let attendee_id = ctx.require_attendee()?.to_string();
    let event = events::get(tx.conn, &ctx.session.view.event_id)?
        .ok_or_else(|| AppError::not_found("event"))?;
    if event.settings.code_of_conduct.is_none() {
        return Err(AppError::conflict("this event has no code of conduct"));
    }
    let at = flags::acknowledge_coc(tx.conn, &attendee_id, tx.now)?;
    ctx.ack(
        &[],
        json!({ "acknowledged": true, "acknowledged_at": crate::domain::time::to_rfc3339(at) }),
    )
}

/// Refuse with `coc_required` when the event requires an acknowledgement
/// the attendee has not given.
pub(super) fn require_acknowledged(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    attendee_id: &str,
) -> AppResult<()> {
    let event = events::get(tx.conn, &ctx.session.view.event_id)?
        .ok_or_else(|| AppError::not_found("event"))?;
    if event.settings.require_coc_ack && flags::coc_acknowledged_at(tx.conn, attendee_id)?.is_none()
    {
        return Err(AppError::coc_required());
    }
    Ok(())
}
