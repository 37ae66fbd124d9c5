//! The small SQL surface both backends implement.
//!
//! Queries are written once, in the portable subset of SQL that SQLite and
//! PostgreSQL share, with `?` placeholders. Each backend implements [`SqlConn`]
//! (PostgreSQL rewrites `?` to `$n`). Values are [`Value`]s: integers (also used
//! for booleans and millisecond timestamps) and text (also used for JSON).

use crate::error::AppError;

/// A failure inside the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend reported an error (connection lost, constraint, syntax).
    #[error("database error: {0}")]
    Backend(String),
    /// A row did not have the shape the code expected.
    #[error("unexpected row shape: {0}")]
    Shape(String),
    /// A unique constraint was violated.
    #[error("duplicate: {0}")]
    Duplicate(String),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Shape(detail) => AppError::internal(detail),
            other => AppError::unavailable(other),
        }
    }
}

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// A bound parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (BIGINT in PostgreSQL).
    Int(i64),
    /// Text (TEXT in both).
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, idx: usize) -> StoreResult<&Value> {
        self.0
            .get(idx)
            .ok_or_else(|| StoreError::Shape(format!("no column {idx}")))
    }

    /// An integer column.
    pub fn int(&self, idx: usize) -> StoreResult<i64> {
        match self.at(idx)? {
            Value::Int(v) => Ok(*v),
            other => Err(StoreError::Shape(format!(
                "column {idx}: expected int, got {other:?}"
            ))),
        }
    }

    /// A nullable integer column.
    pub fn opt_int(&self, idx: usize) -> StoreResult<Option<i64>> {
        match self.at(idx)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            other => Err(StoreError::Shape(format!(
                "column {idx}: expected int, got {other:?}"
            ))),
        }
    }

    /// A 0/1 integer column read as a flag.
    pub fn flag(&self, idx: usize) -> StoreResult<bool> {
        Ok(self.int(idx)? != 0)
    }

    /// A text column.
    pub fn text(&self, idx: usize) -> StoreResult<String> {
        match self.at(idx)? {
            Value::Text(v) => Ok(v.clone()),
            other => Err(StoreError::Shape(format!(
                "column {idx}: expected text, got {other:?}"
            ))),
        }
    }

    /// A nullable text column.
    pub fn opt_text(&self, idx: usize) -> StoreResult<Option<String>> {
        match self.at(idx)? {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v.clone())),
            other => Err(StoreError::Shape(format!(
                "column {idx}: expected text, got {other:?}"
            ))),
        }
    }

    /// A text column holding JSON, decoded.
    pub fn json<T: serde::de::DeserializeOwned>(&self, idx: usize) -> StoreResult<T> {
        let text = self.text(idx)?;
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Shape(format!("column {idx}: bad JSON: {e}")))
    }
}

/// A connection to one backend. Implemented by SQLite and PostgreSQL.
///
/// Methods are synchronous: connections live on the store's own threads
/// (see [`super::Store`]), never on the async runtime.
pub trait SqlConn: Send {
    /// Run a statement; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> StoreResult<u64>;
    /// Run a query and collect its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>>;
    /// Run one or more statements without parameters (transaction control, pragmas).
    fn batch(&mut self, sql: &str) -> StoreResult<()>;
    /// Begin a read-only transaction that sees one consistent snapshot.
    fn begin_read(&mut self) -> StoreResult<()>;
    /// Begin a write transaction.
    fn begin_write(&mut self) -> StoreResult<()>;
    /// Take the lock that keeps two nodes from migrating at once (no-op where
    /// the database itself serializes, as SQLite does).
    fn lock_migrations(&mut self) -> StoreResult<()> {
        Ok(())
    }
    /// Release [`SqlConn::lock_migrations`].
    fn unlock_migrations(&mut self) -> StoreResult<()> {
        Ok(())
    }
    /// Check the connection still works (for /readyz).
    fn ping(&mut self) -> StoreResult<()> {
        self.query("SELECT 1", &[]).map(|_| ())
    }
}

impl dyn SqlConn + '_ {
    /// The first row of a query, if any.
    pub fn query_opt(&mut self, sql: &str, params: &[Value]) -> StoreResult<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Exactly one row, or a shape error.
    pub fn query_one(&mut self, sql: &str, params: &[Value]) -> StoreResult<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::Shape(format!("expected one row from: {sql}")))
    }
}

/// Build a `&[Value]` from anything convertible: `params![id, 3_i64, true]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::store::sql::Value] };
    ($($v:expr),+ $(,)?) => { &[$($crate::store::sql::Value::from($v)),+] as &[$crate::store::sql::Value] };
}
