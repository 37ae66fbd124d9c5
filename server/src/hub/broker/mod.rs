//! Brokers: how committed changes reach the subscribers of every node.
//!
//! With one node there is no broker: the store's writer hands each commit to
//! the [`super::Hub`] directly (see its `CommitSink` impl). With several
//! nodes, [`redis::RedisBroker`] delivers locally the same way and also
//! publishes every commit on Redis; each node delivers the others' commits
//! in `log_seq` order, filling any hole from the store first, and a periodic
//! sweep against the store catches whatever Redis lost (pub/sub is
//! at-most-once), so clients on every node see the identical log.

pub mod redis;
