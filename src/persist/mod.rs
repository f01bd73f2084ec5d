//! Persistence: the [`Persistence`] trait, the snapshot (RDB-like) and the
//! append log (AOF-like).
//!
//! Every write's canonical command (see [`WriteObserver`](crate::WriteObserver))
//! is handed to each persistence in apply order while the write's shard
//! locks are held ([`Persistence::record`], which must be quick); after the
//! locks are released and before the write is acknowledged, the store calls
//! [`Persistence::commit`] with the ticket `record` returned, which is where
//! the append log's `always` policy waits for its (shared) fsync.
//!
//! A checkpoint ([`Store::save`](crate::Store::save), `bgsave`,
//! `bgrewriteaof`) sees the keyspace at one instant: the store locks every
//! shard, calls [`Persistence::begin_checkpoint`], marks every shard to be
//! copied and releases the locks; from then on a shard is copied either by
//! the checkpoint or, if a writer gets to it first, by that writer before
//! its write, so writers wait at most for one shard's copy.
//!
//! Files live in the data directory ([`ConfigBuilder::dir`](crate::ConfigBuilder::dir)),
//! which a lock file (`kvstore.lock`) reserves for one store at a time.

pub(crate) mod aof;
pub(crate) mod dump;
pub(crate) mod engine;
#[cfg(test)]
pub(crate) mod fault;
pub(crate) mod fs;
#[cfg(test)]
mod gate_tests;
mod options;
pub(crate) mod snapshot;
mod store_api;
#[cfg(test)]
mod store_fault_tests;

pub use aof::{CheckReport, FileReport, FileStatus, check_append_log};
pub use dump::{DumpValue, HashField, KeyDump};
pub use engine::BackgroundJob;
pub use options::{AppendFsync, AppendLogOptions, SavePoint, SnapshotOptions};

use crate::{Result, Store};

/// A place the store's data is kept: loaded at open, told about every
/// write, asked for checkpoints of the whole keyspace.
///
/// The built-in ones are the snapshot and the append log, picked with
/// [`ConfigBuilder::snapshot`](crate::ConfigBuilder::snapshot) and
/// [`ConfigBuilder::append_log`](crate::ConfigBuilder::append_log); add
/// your own with [`ConfigBuilder::persistence`](crate::ConfigBuilder::persistence).
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use kvstore::persist::Persistence;
/// use kvstore::{Config, Store};
///
/// /// Counts writes; keeps nothing.
/// #[derive(Default)]
/// struct WriteCounter(AtomicU64);
///
/// impl Persistence for WriteCounter {
///     fn load(&self, _store: &Store) -> kvstore::Result<()> {
///         Ok(())
///     }
///     fn record(&self, _argv: &[&[u8]]) -> u64 {
///         self.0.fetch_add(1, Ordering::Relaxed);
///         0
///     }
/// }
///
/// let counter = Arc::new(WriteCounter::default());
/// let store = Store::open(Config::builder().persistence(counter.clone()).build())?;
/// store.set("a", "1")?;
/// store.incr("a")?;
/// assert_eq!(counter.0.load(Ordering::Relaxed), 2);
/// # Ok::<(), kvstore::Error>(())
/// ```
pub trait Persistence: Send + Sync {
    /// Restores the kept data into `store` when it opens, before any other
    /// thread can use it. Writes made here (with any command method or
    /// [`Store::restore_dump`]) are not recorded back.
    ///
    /// # Errors
    ///
    /// Whatever prevents an exact restore: the open fails with it.
    fn load(&self, store: &Store) -> Result<()>;

    /// Records one write's canonical command, in apply order. Runs while
    /// the write's shard locks are held: append to a buffer, nothing slow,
    /// never call the store. Returns a ticket for [`Persistence::commit`]
    /// (0: nothing to wait for).
    fn record(&self, argv: &[&[u8]]) -> u64;

    /// Records a transaction's writes as one unit (they must all be kept or
    /// none). The default records `MULTI`, each command, `EXEC`.
    fn record_transaction(&self, commands: &[Vec<Vec<u8>>]) -> u64 {
        let mut ticket = self.record(&[b"MULTI"]);
        for command in commands {
            let argv: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
            ticket = ticket.max(self.record(&argv));
        }
        ticket.max(self.record(&[b"EXEC"]))
    }

    /// Called after a write's locks are released and before it is
    /// acknowledged, with the largest ticket its [`Persistence::record`]
    /// calls returned.
    ///
    /// # Errors
    ///
    /// The write cannot be made as durable as promised: the caller gets
    /// this error instead of the write's reply.
    fn commit(&self, ticket: u64) -> Result<()> {
        let _ = ticket;
        Ok(())
    }

    /// Checked before every write is applied (once per transaction, at its
    /// first write, possibly while the transaction holds its shard locks:
    /// be quick and never call the store).
    ///
    /// # Errors
    ///
    /// Writes are refused (Redis's `MISCONF`): the write is not applied.
    fn check_writable(&self) -> Result<()> {
        Ok(())
    }

    /// Called with every shard locked, at the instant a checkpoint will
    /// show: the records before it are in the checkpoint, those after are
    /// not. Must be quick.
    ///
    /// # Errors
    ///
    /// The checkpoint does not start.
    fn begin_checkpoint(&self) -> Result<()> {
        Ok(())
    }

    /// Writes a checkpoint: every key as of
    /// [`Persistence::begin_checkpoint`]. Runs on a background thread for
    /// `bgsave`/`bgrewriteaof` while writers go on.
    ///
    /// # Errors
    ///
    /// The checkpoint failed; the previous state must stay loadable.
    fn checkpoint(&self, keys: &mut dyn Iterator<Item = KeyDump>) -> Result<()> {
        keys.for_each(drop);
        Ok(())
    }

    /// Whether an automatic checkpoint is due now (save points, log
    /// growth). Asked about once a second.
    fn checkpoint_due(&self) -> bool {
        false
    }

    /// Makes everything recorded so far durable (on shutdown, and
    /// [`Store::sync`](crate::Store::sync)).
    ///
    /// # Errors
    ///
    /// The data could not be made durable.
    fn sync(&self) -> Result<()> {
        Ok(())
    }
}

/// What opening a store found on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadReport {
    /// Which files the data came from: `"append log"`, `"snapshot"`, or
    /// `None` when there was nothing to load.
    pub source: Option<&'static str>,
    /// Keys present after loading.
    pub keys: usize,
    /// Commands replayed from the append log.
    pub commands: u64,
    /// Things that were repaired while loading, each naming the file and
    /// byte offset (a torn tail cut off, with `aof-load-truncated yes`).
    pub warnings: Vec<String>,
}

/// The data directory's lock file.
pub(crate) const LOCK_FILE: &str = "kvstore.lock";
