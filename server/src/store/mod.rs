//! The store: one interface over SQLite (default) and PostgreSQL.
//!
//! All SQL lives in this module, written once in the portable subset both
//! backends understand (see [`sql`]). Connections live on the store's own
//! threads: one writer that group-commits (see [`writer`]) and a small pool
//! of readers that each read one consistent snapshot per call. The async
//! world talks to them through channels: [`Store::write`] and [`Store::read`].

pub mod archive;
pub mod audit;
pub mod command_results;
pub mod counters;
pub mod events;
pub mod flags;
pub mod log;
pub mod migrate;
pub mod notes;
pub mod polls;
pub mod postgres;
pub mod questions;
pub mod schedule;
pub mod sessions;
pub mod speaker_pages;
pub mod sql;
pub mod sqlite;
pub mod stars;
pub mod tokens;
pub mod tx;
pub mod webhooks;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Sender, TrySendError};

use crate::config::DatabaseUrl;
use crate::domain::stream::Committed;
use crate::error::{AppError, AppResult};
use crate::metrics::Metrics;
use sql::{SqlConn, StoreResult};
pub use tx::{CounterRef, Tx};

/// Receives what each transaction committed, in commit order (the hub / broker).
pub trait CommitSink: Send + Sync {
    /// Called on the writer thread right after a commit, before any caller is answered.
    fn committed(&self, batch: Committed);
}

/// Opens a new connection to the configured backend.
pub(crate) type Connector = Arc<dyn Fn() -> StoreResult<Box<dyn SqlConn>> + Send + Sync>;

type ReadJob = Box<dyn FnOnce(&mut Option<Box<dyn SqlConn>>) + Send>;

/// How long a caller waits for the writer before reporting `unavailable`.
const WRITE_TIMEOUT: Duration = Duration::from_secs(15);
/// Jobs waiting for the writer before new writes are refused.
const WRITE_QUEUE: usize = 50_000;
/// Reader threads (each with its own connection).
const READERS: usize = 4;

/// A cheap handle to the store; clone it freely.
#[derive(Clone)]
pub struct Store {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    writes: Sender<writer::Job>,
    reads: Sender<ReadJob>,
    url: DatabaseUrl,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.inner.url)
            .finish()
    }
}

impl Store {
    /// Open the store at `url`, run migrations, and start the writer and readers.
    pub fn open(
        url: &DatabaseUrl,
        sink: Arc<dyn CommitSink>,
        metrics: Arc<Metrics>,
    ) -> AppResult<Store> {
        let (writer_connector, reader_connector, migrations): (Connector, Connector, _) = match url
        {
            DatabaseUrl::Sqlite(path) => {
                let w = path.clone();
                let r = path.clone();
                (
                    Arc::new(move || {
                        Ok(Box::new(sqlite::SqliteConn::open(&w, false)?) as Box<dyn SqlConn>)
                    }),
                    Arc::new(move || {
                        Ok(Box::new(sqlite::SqliteConn::open_reader(&r)?) as Box<dyn SqlConn>)
                    }),
                    migrate::SQLITE,
                )
            }
            DatabaseUrl::Postgres(url) => {
                let w = url.expose().to_string();
                let r = w.clone();
                (
                    Arc::new(move || {
                        Ok(Box::new(postgres::PostgresConn::connect(&w)?) as Box<dyn SqlConn>)
                    }),
                    Arc::new(move || {
                        Ok(Box::new(postgres::PostgresConn::connect(&r)?) as Box<dyn SqlConn>)
                    }),
                    migrate::POSTGRES,
                )
            }
        };
        // Connections never live on the async runtime (the PostgreSQL client
        // runs its own): migrate on a thread of our own.
        let connector = writer_connector.clone();
        let shown = url.to_string();
        std::thread::spawn(move || -> AppResult<()> {
            let mut conn =
                connector().map_err(|e| AppError::unavailable(format!("opening {shown}: {e}")))?;
            migrate::run(&mut *conn, migrations)
                .map_err(|e| AppError::unavailable(format!("migrating {shown}: {e}")))
        })
        .join()
        .map_err(|_| AppError::internal("the migration thread panicked"))??;

        let (writes, write_rx) = crossbeam_channel::bounded::<writer::Job>(WRITE_QUEUE);
        let connector = writer_connector.clone();
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer::run(connector, write_rx, sink, metrics))
            .map_err(AppError::internal)?;

        let (reads, read_rx) = crossbeam_channel::unbounded::<ReadJob>();
        for i in 0..READERS {
            let rx = read_rx.clone();
            let connector = reader_connector.clone();
            std::thread::Builder::new()
                .name(format!("store-reader-{i}"))
                .spawn(move || {
                    let mut conn: Option<Box<dyn SqlConn>> = None;
                    while let Ok(job) = rx.recv() {
                        if conn.is_none() {
                            match connector() {
                                Ok(c) => conn = Some(c),
                                Err(err) => {
                                    tracing::warn!(error = %err, "store reader cannot connect")
                                }
                            }
                        }
                        job(&mut conn);
                    }
                })
                .map_err(AppError::internal)?;
        }
        Ok(Store {
            inner: Arc::new(StoreInner {
                writes,
                reads,
                url: url.clone(),
            }),
        })
    }

    /// Open the store for a command-line tool: nothing is published anywhere.
    pub fn open_offline(url: &DatabaseUrl) -> anyhow::Result<Store> {
        struct Nowhere;
        impl CommitSink for Nowhere {
            fn committed(&self, _: Committed) {}
        }
        Store::open(url, Arc::new(Nowhere), Arc::new(Metrics::new()))
            .map_err(|e| anyhow::anyhow!("opening the store at {url}: {}", e.message))
    }

    /// Run `f` inside the next write transaction. Resolves after the commit (and
    /// after the commit's events were handed to the hub), or with the job's own error.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&mut Tx<'c>) -> AppResult<T> + Send + 'static,
    {
        self.write_for("", f).await
    }

    /// Like [`Store::write`], for a job that works on one session: jobs of a
    /// batch run in session order (see [`writer::Job::key`]).
    pub async fn write_for<T, F>(&self, session_id: &str, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&mut Tx<'c>) -> AppResult<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = writer::Job {
            key: session_id.to_string(),
            run: Box::new(move |tx: &mut Tx<'_>| {
                let result = f(tx);
                Box::new(writer::Pending { result, reply }) as Box<dyn writer::Finish>
            }),
        };
        match self.inner.writes.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(AppError::rate_limited(
                    "the server is busy writing; retry in a moment",
                ));
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(AppError::unavailable("store writer stopped"));
            }
        }
        match tokio::time::timeout(WRITE_TIMEOUT, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_closed)) => Err(AppError::unavailable(
                "the write was dropped: store unreachable",
            )),
            Err(_elapsed) => Err(AppError::unavailable("timed out waiting for the store")),
        }
    }

    /// Run `f` on a reader connection inside one read-only snapshot.
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn SqlConn) -> AppResult<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: ReadJob = Box::new(move |slot: &mut Option<Box<dyn SqlConn>>| {
            let Some(conn) = slot.as_mut() else {
                let _ = reply.send(Err(AppError::unavailable("store unreachable")));
                return;
            };
            let result = match conn.begin_read() {
                Ok(()) => {
                    let r = f(&mut **conn);
                    let _ = conn.batch("COMMIT");
                    r
                }
                Err(err) => Err(AppError::from(err)),
            };
            if matches!(&result, Err(e) if e.code == crate::error::ErrorCode::Unavailable) {
                // Reconnect next time: the connection may be broken.
                *slot = None;
            }
            let _ = reply.send(result);
        });
        self.inner
            .reads
            .send(job)
            .map_err(|_| AppError::unavailable("store readers stopped"))?;
        match tokio::time::timeout(WRITE_TIMEOUT, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(AppError::unavailable("the read was dropped")),
            Err(_) => Err(AppError::unavailable("timed out waiting for the store")),
        }
    }

    /// Whether the store answers (for /readyz).
    pub async fn ping(&self) -> AppResult<()> {
        self.read(|conn| conn.ping().map_err(AppError::from)).await
    }

    /// Which backend this is, for logs.
    pub fn url(&self) -> &DatabaseUrl {
        &self.inner.url
    }
}
