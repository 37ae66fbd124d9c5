//! The embedded SQLite backend (the default).
//!
//! One file under ./data in WAL mode. Durability: `synchronous = FULL`, so a
//! commit is on disk before the writer acknowledges it; group commit (see
//! [`super::writer`]) pays that fsync once per batch, not once per command.
//! NORMAL would survive a process crash but could lose the last commits on a
//! power loss, and an acknowledged write must survive both.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};

use super::sql::{Row, SqlConn, StoreError, StoreResult, Value};

/// A connection to the SQLite file.
pub struct SqliteConn {
    conn: Connection,
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
        })
    }
}

fn backend_err(err: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, _) = &err
        && (code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    {
        return StoreError::Duplicate(err.to_string());
    }
    StoreError::Backend(err.to_string())
}

impl SqliteConn {
    /// Open (creating the file and its directory if needed) a connection.
    pub fn open(path: &Path, read_only: bool) -> StoreResult<Self> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Backend(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let flags = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let conn = Connection::open_with_flags(path, flags).map_err(backend_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(backend_err)?;
        conn.set_prepared_statement_cache_capacity(256);
        if !read_only {
            conn.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;",
            )
            .map_err(backend_err)?;
        }
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(backend_err)?;
        Ok(SqliteConn { conn })
    }

    /// Open a connection for the reader pool: read-only queries and a small
    /// page cache (256 KiB), since the OS already caches the file and four
    /// readers with SQLite's default 2 MiB each would hold 8 MiB of copies.
    pub fn open_reader(path: &Path) -> StoreResult<Self> {
        let conn = Self::open(path, false)?;
        conn.conn
            .execute_batch("PRAGMA cache_size = -256; PRAGMA query_only = ON;")
            .map_err(backend_err)?;
        Ok(conn)
    }

    /// Run the integrity check; returns "ok" when the file is sound.
    pub fn integrity_check(&mut self) -> StoreResult<String> {
        let rows = self.query("PRAGMA integrity_check", &[])?;
        rows.first()
            .map(|r| r.text(0))
            .unwrap_or_else(|| Ok("no result".into()))
    }
}

/// A single statement that begins or ends a transaction or savepoint.
fn is_transaction_control(sql: &str) -> bool {
    !sql.contains(';')
        && ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]
            .iter()
            .any(|kw| sql.starts_with(kw))
}

impl SqlConn for SqliteConn {
    fn execute(&mut self, sql: &str, params: &[Value]) -> StoreResult<u64> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend_err)?;
        let changed = stmt
            .execute(rusqlite::params_from_iter(params.iter()))
            .map_err(backend_err)?;
        Ok(changed as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend_err)?;
        let columns = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(backend_err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(backend_err)? {
            let mut values = Vec::with_capacity(columns);
            for idx in 0..columns {
                let value = match row.get_ref(idx).map_err(backend_err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Int(v as i64),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Value::Text(String::from_utf8_lossy(t).into_owned())
                    }
                };
                values.push(value);
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> StoreResult<()> {
        if is_transaction_control(sql) {
            // Runs around every read and write: parsed once, then cached.
            let mut stmt = self.conn.prepare_cached(sql).map_err(backend_err)?;
            stmt.raw_execute().map_err(backend_err)?;
            return Ok(());
        }
        self.conn.execute_batch(sql).map_err(backend_err)
    }

    fn begin_read(&mut self) -> StoreResult<()> {
        // A deferred transaction takes its WAL snapshot at the first read and
        // keeps it until COMMIT: every query inside sees the same state.
        self.batch("BEGIN DEFERRED")
    }

    fn begin_write(&mut self) -> StoreResult<()> {
        self.batch("BEGIN IMMEDIATE")
    }
}
