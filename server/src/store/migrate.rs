//! Schema migrations, one ordered list per backend, applied on start.
//!
//! Each migration runs in its own transaction with its version recorded in
//! `schema_migrations`; a server never runs against a schema newer than it knows.

use super::sql::{SqlConn, StoreError, StoreResult};
use crate::params;

/// One schema step.
pub struct Migration {
    /// Strictly increasing version number.
    pub version: i64,
    /// The SQL to run (may hold several statements).
    pub sql: &'static str,
}

/// SQLite's migrations.
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/sqlite/0002_counter_version.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/sqlite/0003_highlights.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/sqlite/0004_sharing.sql"),
    },
];

/// PostgreSQL's migrations.
pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/postgres/0002_counter_version.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/postgres/0003_highlights.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/postgres/0004_sharing.sql"),
    },
];

/// Apply every migration newer than the recorded version (one node at a time).
pub fn run(conn: &mut dyn SqlConn, migrations: &[Migration]) -> StoreResult<()> {
    conn.lock_migrations()?;
    let result = apply(conn, migrations);
    let unlocked = conn.unlock_migrations();
    result.and(unlocked)
}

fn apply(conn: &mut dyn SqlConn, migrations: &[Migration]) -> StoreResult<()> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             applied_at BIGINT NOT NULL
         )",
    )?;
    let current = conn
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            params![],
        )?
        .int(0)?;
    let newest = migrations.last().map(|m| m.version).unwrap_or(0);
    if current > newest {
        return Err(StoreError::Backend(format!(
            "the database schema is version {current}, newer than this server ({newest}); upgrade the server"
        )));
    }
    for migration in migrations.iter().filter(|m| m.version > current) {
        conn.begin_write()?;
        // Another process may have applied it since we looked (SQLite has no
        // migration lock; its write lock, taken just now, orders us).
        let applied = conn
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                params![],
            )?
            .int(0)?;
        if applied >= migration.version {
            conn.batch("COMMIT")?;
            continue;
        }
        let applied = conn.batch(migration.sql).and_then(|_| {
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                params![migration.version, crate::domain::time::now_ms()],
            )
        });
        match applied {
            Ok(_) => conn.batch("COMMIT")?,
            Err(err) => {
                let _ = conn.batch("ROLLBACK");
                return Err(err);
            }
        }
        tracing::info!(version = migration.version, "applied schema migration");
    }
    Ok(())
}
