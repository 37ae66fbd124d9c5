//! The PostgreSQL backend, for events that outgrow one machine.
//!
//! Same SQL as SQLite (see [`super::sql`]): `?` placeholders are rewritten to
//! `$n` and each statement is prepared once per connection. Reads run in
//! REPEATABLE READ transactions (one snapshot per call); writes in READ
//! COMMITTED, where the session row lock taken by every command serializes
//! writers of the same session across nodes (see [`super::Tx::lock_session`]).

use std::collections::HashMap;
use std::error::Error;
use std::time::Duration;

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};

use super::sql::{Row, SqlConn, StoreError, StoreResult, Value};

/// A connection to PostgreSQL.
pub struct PostgresConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => v.to_string().to_sql(ty, out),
                _ => Err(format!("cannot bind an integer to a {ty} parameter").into()),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn backend_err(err: postgres::Error) -> StoreError {
    if err.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        return StoreError::Duplicate(err.to_string());
    }
    // Include the server's message (e.g. "relation does not exist"), not just "db error".
    match err.as_db_error() {
        Some(db) => StoreError::Backend(format!("{}: {}", db.code().code(), db.message())),
        None => StoreError::Backend(err.to_string()),
    }
}

/// Rewrite `?` placeholders (outside string literals) to `$1`, `$2`, …
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut in_string = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                in_string = !in_string;
                out.push(c);
            }
            '?' if !in_string => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

impl PostgresConn {
    /// Connect with a 5 s connect timeout and a 15 s statement timeout.
    pub fn connect(url: &str) -> StoreResult<Self> {
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            StoreError::Backend(format!("bad PostgreSQL URL: {e}"))
        })?;
        config.connect_timeout(Duration::from_secs(5));
        config.application_name("backchannel");
        let mut client = config.connect(NoTls).map_err(backend_err)?;
        client
            .batch_execute("SET statement_timeout = 15000; SET lock_timeout = 10000;")
            .map_err(backend_err)?;
        Ok(PostgresConn {
            client,
            statements: HashMap::new(),
        })
    }

    fn statement(&mut self, sql: &str) -> StoreResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let statement = self.client.prepare(&numbered(sql)).map_err(backend_err)?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

fn column(row: &postgres::Row, idx: usize) -> StoreResult<Value> {
    let ty = row.columns()[idx].type_().clone();
    let shape = |e: postgres::Error| StoreError::Shape(format!("column {idx} ({ty}): {e}"));
    Ok(match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(idx)
            .map_err(shape)?
            .map_or(Value::Null, Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(idx)
            .map_err(shape)?
            .map_or(Value::Null, |v| Value::Int(i64::from(v))),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(idx)
            .map_err(shape)?
            .map_or(Value::Null, |v| Value::Int(i64::from(v))),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(idx)
            .map_err(shape)?
            .map_or(Value::Null, |v| Value::Int(i64::from(v))),
        _ => row
            .try_get::<_, Option<String>>(idx)
            .map_err(shape)?
            .map_or(Value::Null, Value::Text),
    })
}

impl SqlConn for PostgresConn {
    fn execute(&mut self, sql: &str, values: &[Value]) -> StoreResult<u64> {
        let statement = self.statement(sql)?;
        if statement.columns().is_empty() {
            self.client
                .execute(&statement, &params(values))
                .map_err(backend_err)
        } else {
            // A statement with RETURNING: count its rows.
            Ok(self
                .client
                .query(&statement, &params(values))
                .map_err(backend_err)?
                .len() as u64)
        }
    }

    fn query(&mut self, sql: &str, values: &[Value]) -> StoreResult<Vec<Row>> {
        let statement = self.statement(sql)?;
        let rows = self
            .client
            .query(&statement, &params(values))
            .map_err(backend_err)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| column(r, i))
                    .collect::<StoreResult<Vec<_>>>()
                    .map(Row)
            })
            .collect()
    }

    fn batch(&mut self, sql: &str) -> StoreResult<()> {
        self.client.batch_execute(sql).map_err(backend_err)
    }

    fn begin_read(&mut self) -> StoreResult<()> {
        self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    }

    fn begin_write(&mut self) -> StoreResult<()> {
        self.batch("BEGIN")
    }

    fn lock_migrations(&mut self) -> StoreResult<()> {
        self.batch("SELECT pg_advisory_lock(7261837)")
    }

    fn unlock_migrations(&mut self) -> StoreResult<()> {
        self.batch("SELECT pg_advisory_unlock(7261837)")
    }
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_outside_strings() {
        assert_eq!(numbered("SELECT ? , '?', ?"), "SELECT $1 , '?', $2");
    }
}
