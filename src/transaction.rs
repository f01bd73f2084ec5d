//! Embedded transactions: [`Store::transaction`] runs a closure atomically
//! over declared keys, and [`Store::watch`] gives optimistic check-and-set
//! (Redis's `MULTI`/`EXEC` and `WATCH`, without the queueing).
//!
//! A transaction write-locks the shards of its keys in ascending order (the
//! rule every multi-key command follows, so it cannot deadlock with them)
//! and holds them until the closure returns. Commands the closure runs on
//! the store find those shards already held by their thread (see
//! `keyspace::tx`) and run as usual, so every typed method and
//! [`Store::execute`] work inside. Other threads wait for the shards, so
//! nobody observes the transaction half done.
//!
//! As in Redis, there is no rollback: a command that fails inside returns its
//! error and the writes made before it stay. Blocking commands answer at once
//! (a timeout), as inside `MULTI`. The writes are propagated (to the append
//! log, replicas, `WriteObserver`s) wrapped in `MULTI` … `EXEC` when there
//! are several, and clients blocked on keys the transaction fed are served
//! after it, as Redis serves them after `EXEC`.

use std::ops::Deref;

use crate::keyspace::tx::FrameGuard;
use crate::{Error, Result, Store};

/// The handle a [`Store::transaction`] closure gets: the store, with the
/// transaction's shards held by the calling thread. It dereferences to
/// [`Store`], so every command method is available.
///
/// Commands must only touch the keys the transaction declared (see
/// [`Store::transaction`]).
pub struct Transaction<'a> {
    store: &'a Store,
}

impl Deref for Transaction<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        self.store
    }
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction").finish_non_exhaustive()
    }
}

/// Which shards a transaction locks.
pub(crate) enum Shards {
    /// Every shard (commands over the whole keyspace: `KEYS`, `FLUSHDB`…).
    All,
    /// These shards.
    Some(Vec<usize>),
}

impl Store {
    /// Runs `f` atomically over `keys`: their shards are locked (in
    /// ascending order) for the whole closure, so no other thread sees or
    /// changes those keys until it returns. `f` gets a [`Transaction`], which
    /// dereferences to the store: call any command method on it.
    ///
    /// As in Redis there is no rollback: if a command fails, the commands
    /// before it stay applied. Blocking commands (`blpop`…) answer at once,
    /// as inside `MULTI`. The writes reach the [`WriteObserver`](crate::WriteObserver)s wrapped in
    /// `MULTI`/`EXEC` when there are several, and clients blocked on a list
    /// the transaction filled are served when it ends.
    ///
    /// With persistence, the first write inside asks whether writes are
    /// accepted (refused: that write fails with
    /// [`Error::Misconf`](crate::Error::Misconf) and nothing was written
    /// before it); once it passed, the rest of the transaction is applied
    /// whole, as Redis checks `EXEC` once. The writes are committed
    /// together after the locks are released: if they cannot be made
    /// durable, the result is that error (converted into `E`) instead of
    /// the closure's.
    ///
    /// ```
    /// use kvstore::Store;
    ///
    /// let store = Store::new();
    /// store.set("alice", "100")?;
    /// store.set("bob", "50")?;
    /// // Move 30 from alice to bob: no other thread sees the money in flight.
    /// store.transaction(&["alice", "bob"], |tx| -> kvstore::Result<()> {
    ///     tx.decrby("alice", 30)?;
    ///     tx.incrby("bob", 30)?;
    ///     Ok(())
    /// })?;
    /// assert_eq!(store.get("alice")?, Some(b"70".to_vec()));
    /// assert_eq!(store.get("bob")?, Some(b"80".to_vec()));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    ///
    /// # Panics
    ///
    /// If the closure runs a command on a key not in `keys` (whose shard the
    /// transaction did not lock), or one over the whole keyspace (`KEYS`,
    /// `SCAN`, `DBSIZE`, `FLUSHDB`, `RANDOMKEY`): locking more shards in the
    /// middle could deadlock, so this is treated like a `RefCell` borrowed
    /// twice — a bug in the calling code, reported at once. Use
    /// [`Store::transaction_all`] for those. A transaction may open another
    /// one on the same store only over keys it already holds.
    ///
    /// # Errors
    ///
    /// The closure's error, or the persistence's when the transaction's
    /// writes could not be made durable.
    pub fn transaction<K: AsRef<[u8]>, R, E: From<Error>>(
        &self,
        keys: &[K],
        f: impl FnOnce(&Transaction<'_>) -> std::result::Result<R, E>,
    ) -> std::result::Result<R, E> {
        let keyspace = &self.inner.keyspace;
        let shards = keys.iter().map(|k| keyspace.locate(k.as_ref()).shard);
        self.run_transaction(Shards::Some(shards.collect()), f)?
    }

    /// As [`Store::transaction`], over the whole keyspace: every shard is
    /// locked, so the closure may run any command (`KEYS`, `FLUSHDB`, …).
    /// It stops every other thread's commands meanwhile, as `EXEC` stops a
    /// Redis server: keep it short.
    ///
    /// ```
    /// use kvstore::Store;
    ///
    /// let store = Store::new();
    /// store.set("a", "1")?;
    /// let keys = store.transaction_all(|tx| -> kvstore::Result<_> {
    ///     let keys = tx.keys("*")?;
    ///     tx.flushdb()?;
    ///     Ok(keys)
    /// })?;
    /// assert_eq!(keys, vec![b"a".to_vec()]);
    /// assert_eq!(store.dbsize(), 0);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::transaction`].
    pub fn transaction_all<R, E: From<Error>>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> std::result::Result<R, E>,
    ) -> std::result::Result<R, E> {
        self.run_transaction(Shards::All, f)?
    }

    /// Runs `f` as a transaction over `shards`; `Err` when its writes
    /// could not be committed.
    pub(crate) fn run_transaction<R>(
        &self,
        shards: Shards,
        f: impl FnOnce(&Transaction<'_>) -> R,
    ) -> Result<R> {
        let keyspace = &self.inner.keyspace;
        let ids: Vec<usize> = match shards {
            Shards::All => (0..keyspace.shard_count()).collect(),
            Shards::Some(ids) => ids,
        };
        if crate::keyspace::tx::in_transaction(keyspace) {
            // Nested: the shards must already be held (checked by locking
            // them through the thread's frame, which panics otherwise). The
            // outer transaction commits.
            drop(keyspace.write_many(ids));
            return Ok(f(&Transaction { store: self }));
        }
        // `maxmemory` is enforced once, before the transaction (its writes
        // then pass, so it is applied whole).
        self.make_room(None, false)?;
        let mut scope = Scope {
            store: self,
            guards: keyspace.begin_transaction(ids),
            frame: None,
            ended: false,
        };
        let propagator = std::ptr::from_ref(&self.inner.propagator) as usize;
        scope.frame = Some(FrameGuard::push(keyspace, propagator, &mut scope.guards));
        let value = f(&Transaction { store: self });
        // Propagation, unlock, commit, then the deferred wake-ups (`scope`'s
        // drop does the same when `f` panics).
        scope.end().map(|()| value)
    }
}

/// A running transaction: its shard guards and its frame. Dropping it ends
/// the transaction in the right order, even when the closure panicked.
struct Scope<'a> {
    store: &'a Store,
    guards: Vec<(
        usize,
        parking_lot::RwLockWriteGuard<'a, crate::keyspace::Shard>,
    )>,
    frame: Option<FrameGuard>,
    ended: bool,
}

impl Scope<'_> {
    /// Ends the transaction: hands its writes to the observers (still under
    /// the locks, so they see them in apply order relative to other writers
    /// of its keys), releases the locks, commits the writes (one commit for
    /// the whole transaction, never under a lock), then serves the clients
    /// blocked on keys it fed. Does nothing the second time.
    fn end(&mut self) -> Result<()> {
        if self.ended {
            return Ok(());
        }
        self.ended = true;
        let finished = self.frame.take().map(FrameGuard::finish);
        let inner = &self.store.inner;
        if let Some(finished) = &finished {
            inner.propagator.emit_transaction(&finished.propagated);
        }
        inner.keyspace.end_transaction(&mut self.guards);
        self.guards.clear();
        let committed = inner.finish_write(Ok(()));
        if let Some(finished) = finished {
            for key in &finished.ready {
                self.store.signal_ready(key);
            }
        }
        committed
    }
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        // Only when the closure panicked: the panic is what the caller
        // sees, so a commit error has nowhere to go.
        let _ = self.end();
    }
}
