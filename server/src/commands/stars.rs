//! "My takeaways": an attendee stars notes and questions to collect them,
//! privately (nothing is published on the stream), and exports them as
//! Markdown (see [`crate::export::takeaways`]).

use serde_json::json;

use super::Ack;
use super::apply::Ctx;
use crate::domain::question::QuestionState;
use crate::error::{AppError, AppResult};
use crate::store::{Tx, notes, questions, stars};

/// Star (or unstar) a note or a visible question of this session.
pub(super) fn star(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    kind: &str,
    id: &str,
    starred: bool,
) -> AppResult<Ack> {
    let attendee_id = ctx.require_attendee()?.to_string();
    let session_id = ctx.session.view.id.as_str();
    // Unstarring needs nothing to exist any more (a deleted note can be let go).
    if starred {
        let exists = match kind {
            "note" => notes::get(tx.conn, id)?.is_some_and(|n| n.session_id == session_id),
            "question" => questions::get(tx.conn, id)?.is_some_and(|q| {
                q.view.session_id == session_id && q.view.state == QuestionState::Visible
            }),
            _ => return Err(AppError::invalid("kind must be `note` or `question`")),
        };
        if !exists {
            return Err(AppError::not_found(kind));
        }
    } else if !crate::export::takeaways::KINDS.contains(&kind) {
        return Err(AppError::invalid("kind must be `note` or `question`"));
    }
    stars::set(tx.conn, &attendee_id, kind, id, starred, tx.now)?;
    ctx.ack(&[], json!({ "kind": kind, "id": id, "starred": starred }))
}
