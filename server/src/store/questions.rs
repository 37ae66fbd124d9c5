//! Rows of the `questions` and `upvotes` tables.

use super::sql::{Row, SqlConn, StoreError, StoreResult};
use crate::domain::question::{QuestionState, QuestionView};
use crate::params;

/// A stored question with the asker's attendee id (never shown to others).
#[derive(Debug, Clone)]
pub struct QuestionRow {
    /// What the API shows.
    pub view: QuestionView,
    /// The asker.
    pub attendee_id: Option<String>,
    /// Whether they asked anonymously (their name is then never shown).
    pub anonymous: bool,
}

const COLUMNS: &str =
    "id, session_id, attendee_id, body, anonymous, author_name, state, answered, answer,
    answer_html, answered_at, labels, upvotes, created_at, updated_at";

fn row_to_question(row: &Row) -> StoreResult<QuestionRow> {
    let state = row.text(6)?;
    let anonymous = row.flag(4)?;
    Ok(QuestionRow {
        attendee_id: row.opt_text(2)?,
        anonymous,
        view: QuestionView {
            id: row.text(0)?,
            session_id: row.text(1)?,
            body: row.text(3)?,
            author_name: if anonymous { None } else { row.opt_text(5)? },
            state: QuestionState::parse(&state)
                .ok_or_else(|| StoreError::Shape(format!("question state {state}")))?,
            answered: row.flag(7)?,
            answer: row.opt_text(8)?,
            answer_html: row.opt_text(9)?,
            answered_at: row.opt_int(10)?,
            labels: row.json(11)?,
            upvotes: row.int(12)?,
            created_at: row.int(13)?,
            updated_at: row.int(14)?,
        },
    })
}

/// Insert a question.
pub fn insert(
    conn: &mut dyn SqlConn,
    q: &QuestionRow,
    author_name: Option<&str>,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO questions (id, session_id, attendee_id, body, anonymous, author_name, state, labels, upvotes,
                                created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, '[]', 0, ?, ?)",
        params![
            &q.view.id,
            &q.view.session_id,
            q.attendee_id.clone(),
            &q.view.body,
            q.anonymous,
            author_name,
            q.view.state.as_str(),
            q.view.created_at,
            q.view.updated_at
        ],
    )?;
    Ok(())
}

/// One question.
pub fn get(conn: &mut dyn SqlConn, id: &str) -> StoreResult<Option<QuestionRow>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM questions WHERE id = ?"),
        params![id],
    )?
    .map(|r| row_to_question(&r))
    .transpose()
}

/// A session's questions, oldest first; `all` includes every state, otherwise
/// only visible ones.
pub fn list(conn: &mut dyn SqlConn, session_id: &str, all: bool) -> StoreResult<Vec<QuestionRow>> {
    let sql = if all {
        format!(
            "SELECT {COLUMNS} FROM questions WHERE session_id = ? AND state <> 'withdrawn' ORDER BY created_at, id"
        )
    } else {
        format!(
            "SELECT {COLUMNS} FROM questions WHERE session_id = ? AND state = 'visible' ORDER BY created_at, id"
        )
    };
    conn.query(&sql, params![session_id])?
        .iter()
        .map(row_to_question)
        .collect()
}

/// An attendee's own questions that others cannot see yet (pending).
pub fn pending_of(
    conn: &mut dyn SqlConn,
    session_id: &str,
    attendee_id: &str,
) -> StoreResult<Vec<QuestionRow>> {
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM questions WHERE session_id = ? AND attendee_id = ? AND state = 'pending'
              ORDER BY created_at, id"
        ),
        params![session_id, attendee_id],
    )?
    .iter()
    .map(row_to_question)
    .collect()
}

/// Save the mutable fields of a question.
pub fn update(conn: &mut dyn SqlConn, q: &QuestionView) -> StoreResult<()> {
    conn.execute(
        "UPDATE questions SET body = ?, state = ?, answered = ?, answer = ?, answer_html = ?, answered_at = ?,
                labels = ?, updated_at = ?
          WHERE id = ?",
        params![
            &q.body,
            q.state.as_str(),
            q.answered,
            q.answer.clone(),
            q.answer_html.clone(),
            q.answered_at,
            serde_json::to_string(&q.labels).unwrap_or_else(|_| "[]".into()),
            q.updated_at,
            &q.id
        ],
    )?;
    Ok(())
}

/// Add (`up`) or remove an attendee's upvote; returns whether anything changed.
pub fn set_upvote(
    conn: &mut dyn SqlConn,
    question_id: &str,
    attendee_id: &str,
    up: bool,
    now: i64,
) -> StoreResult<bool> {
    let changed = if up {
        conn.execute(
            "INSERT INTO upvotes (question_id, attendee_id, created_at) VALUES (?, ?, ?)
             ON CONFLICT (question_id, attendee_id) DO NOTHING",
            params![question_id, attendee_id, now],
        )?
    } else {
        conn.execute(
            "DELETE FROM upvotes WHERE question_id = ? AND attendee_id = ?",
            params![question_id, attendee_id],
        )?
    };
    if changed > 0 {
        conn.execute(
            "UPDATE questions SET upvotes = upvotes + ? WHERE id = ?",
            params![if up { 1_i64 } else { -1 }, question_id],
        )?;
    }
    Ok(changed > 0)
}

/// The question ids an attendee has upvoted in a session.
pub fn upvoted_by(
    conn: &mut dyn SqlConn,
    session_id: &str,
    attendee_id: &str,
) -> StoreResult<Vec<String>> {
    conn.query(
        "SELECT u.question_id FROM upvotes u JOIN questions q ON q.id = u.question_id
          WHERE q.session_id = ? AND u.attendee_id = ?",
        params![session_id, attendee_id],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// How many questions an attendee asked in a session since `since` (for rate limits).
pub fn count_recent(conn: &mut dyn SqlConn, attendee_id: &str, since: i64) -> StoreResult<i64> {
    conn.query_one(
        "SELECT COUNT(*) FROM questions WHERE attendee_id = ? AND created_at >= ?",
        params![attendee_id, since],
    )?
    .int(0)
}

/// The current upvote count.
pub fn upvotes(
    conn: &mut dyn SqlConn,
    question_id: &str,
) -> StoreResult<Option<(i64, QuestionState)>> {
    let row = conn.query_opt(
        "SELECT upvotes, state FROM questions WHERE id = ?",
        params![question_id],
    )?;
    let Some(row) = row else { return Ok(None) };
    let state = row.text(1)?;
    Ok(Some((
        row.int(0)?,
        QuestionState::parse(&state)
            .ok_or_else(|| StoreError::Shape(format!("question state {state}")))?,
    )))
}

/// Every question an attendee asked (any state).
pub fn by_attendee(conn: &mut dyn SqlConn, attendee_id: &str) -> StoreResult<Vec<QuestionRow>> {
    conn.query(
        &format!("SELECT {COLUMNS} FROM questions WHERE attendee_id = ? ORDER BY created_at, id"),
        params![attendee_id],
    )?
    .iter()
    .map(row_to_question)
    .collect()
}

/// The questions an attendee upvoted.
pub fn upvotes_by(conn: &mut dyn SqlConn, attendee_id: &str) -> StoreResult<Vec<String>> {
    conn.query(
        "SELECT question_id FROM upvotes WHERE attendee_id = ?",
        params![attendee_id],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}
