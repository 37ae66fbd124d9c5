//! The single writer: group commit on a dedicated thread.
//!
//! Jobs (closures over a [`Tx`]) queue on a bounded channel. The writer takes
//! everything queued (up to [`MAX_BATCH`]), runs each job inside a savepoint
//! of one transaction (a failing job rolls back alone), commits once, then
//! publishes what the batch produced to the [`CommitSink`] in commit order,
//! and only then answers each job. So: one fsync per batch, not per command;
//! an answer is never sent before its commit; events leave in `log_seq` order.

use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, TryRecvError};

use super::counters;
use super::sql::{SqlConn, StoreResult};
use super::tx::Tx;
use super::{CommitSink, Connector};
use crate::domain::time::now_ms;
use crate::error::AppError;
use crate::metrics::Metrics;

/// Most jobs in one transaction.
pub const MAX_BATCH: usize = 512;

/// What a job leaves behind until the batch's outcome is known.
pub(super) trait Finish: Send {
    /// Whether the job itself failed (its savepoint is rolled back).
    fn failed(&self) -> bool;
    /// Deliver the job's result, or `commit_error` if the batch did not commit.
    fn finish(self: Box<Self>, commit_error: Option<&AppError>);
}

/// The work of a job: runs inside the batch's transaction, leaves a [`Finish`].
pub(super) type Work = Box<dyn for<'c> FnOnce(&mut Tx<'c>) -> Box<dyn Finish> + Send>;

/// A unit of work for the writer.
pub(super) struct Job {
    /// Jobs run in key order within a batch (the session id for commands), so
    /// concurrent writers on several nodes take row locks in the same order
    /// and cannot deadlock. Jobs with equal keys keep their arrival order.
    pub(super) key: String,
    pub(super) run: Work,
}

pub(super) struct Pending<T> {
    pub(super) result: Result<T, AppError>,
    pub(super) reply: tokio::sync::oneshot::Sender<Result<T, AppError>>,
}

impl<T: Send> Finish for Pending<T> {
    fn failed(&self) -> bool {
        self.result.is_err()
    }
    fn finish(self: Box<Self>, commit_error: Option<&AppError>) {
        let result = match commit_error {
            Some(err) => Err(err.clone()),
            None => self.result,
        };
        // The caller may have given up waiting; nothing to do then.
        let _ = self.reply.send(result);
    }
}

pub(super) fn run(
    connector: Connector,
    jobs: Receiver<Job>,
    sink: Arc<dyn CommitSink>,
    metrics: Arc<Metrics>,
) {
    let mut conn: Option<Box<dyn SqlConn>> = None;
    while let Ok(first) = jobs.recv() {
        let mut batch = Vec::with_capacity(16);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let started = Instant::now();
        let c = match conn.take() {
            Some(c) => Ok(c),
            None => connector(),
        };
        let mut c = match c {
            Ok(c) => c,
            Err(err) => {
                // Dropping the jobs closes their reply channels; each waiting
                // caller reports `unavailable` and nothing was applied.
                tracing::error!(error = %err, jobs = batch.len(), "store unreachable; write batch refused");
                drop(batch);
                continue;
            }
        };
        match run_batch(&mut *c, batch, &*sink) {
            Ok(()) => conn = Some(c),
            Err(err) => {
                // Drop the connection: the next batch reconnects.
                tracing::warn!(error = %err, "write batch failed; reconnecting the writer");
            }
        }
        metrics.observe_store_write(started.elapsed());
    }
}

fn run_batch(
    conn: &mut dyn SqlConn,
    mut batch: Vec<Job>,
    sink: &dyn CommitSink,
) -> StoreResult<()> {
    batch.sort_by(|a, b| a.key.cmp(&b.key));
    conn.begin_write()?;
    let mut tx = Tx::new(conn, now_ms());
    let mut finishers = Vec::with_capacity(batch.len());
    let mut outcome: StoreResult<()> = Ok(());
    for job in batch {
        if outcome.is_err() {
            // Drop the remaining jobs: their callers see `unavailable`.
            continue;
        }
        if let Err(err) = tx.conn.batch("SAVEPOINT job") {
            outcome = Err(err);
            continue;
        }
        let mark = tx.mark();
        let finisher = (job.run)(&mut tx);
        let step = if finisher.failed() {
            tx.rewind(mark);
            tx.conn.batch("ROLLBACK TO job; RELEASE job")
        } else {
            tx.conn.batch("RELEASE job")
        };
        finishers.push(finisher);
        if let Err(err) = step {
            outcome = Err(err);
        }
    }
    if outcome.is_ok() {
        outcome = counters::collect(&mut tx);
    }
    let outcome = outcome.and_then(|_| tx.conn.batch("COMMIT"));
    match outcome {
        Ok(()) => {
            let committed = std::mem::take(&mut tx.out);
            if !committed.is_empty() {
                sink.committed(committed);
            }
            for f in finishers {
                f.finish(None);
            }
            Ok(())
        }
        Err(err) => {
            let _ = tx.conn.batch("ROLLBACK");
            let error = AppError::unavailable(&err);
            for f in finishers {
                f.finish(Some(&error));
            }
            Err(err)
        }
    }
}
