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

use crate::Store;
use crate::keyspace::tx::FrameGuard;

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
    pub fn transaction<K: AsRef<[u8]>, R>(
        &self,
        keys: &[K],
        f: impl FnOnce(&Transaction<'_>) -> R,
    ) -> R {
        let keyspace = &self.inner.keyspace;
        let shards = keys.iter().map(|k| keyspace.locate(k.as_ref()).shard);
        self.run_transaction(Shards::Some(shards.collect()), f)
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
    pub fn transaction_all<R>(&self, f: impl FnOnce(&Transaction<'_>) -> R) -> R {
        self.run_transaction(Shards::All, f)
    }

    pub(crate) fn run_transaction<R>(
        &self,
        shards: Shards,
        f: impl FnOnce(&Transaction<'_>) -> R,
    ) -> R {
        let keyspace = &self.inner.keyspace;
        let ids: Vec<usize> = match shards {
            Shards::All => (0..keyspace.shard_count()).collect(),
            Shards::Some(ids) => ids,
        };
        if crate::keyspace::tx::in_transaction(keyspace) {
            // Nested: the shards must already be held (checked by locking
            // them through the thread's frame, which panics otherwise).
            drop(keyspace.write_many(ids));
            return f(&Transaction { store: self });
        }
        let mut scope = Scope {
            store: self,
            guards: keyspace.begin_transaction(ids),
            frame: None,
        };
        let propagator = std::ptr::from_ref(&self.inner.propagator) as usize;
        scope.frame = Some(FrameGuard::push(keyspace, propagator, &mut scope.guards));
        f(&Transaction { store: self })
        // `scope` drops here (also when `f` panics): propagation, unlock,
        // then the deferred wake-ups.
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
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        let finished = self.frame.take().map(FrameGuard::finish);
        if let Some(finished) = &finished {
            // Still under the locks, so the observers see the transaction's
            // writes in apply order relative to other writers of its keys.
            self.store
                .inner
                .propagator
                .emit_transaction(&finished.propagated);
        }
        self.guards.clear();
        self.store.inner.keyspace.end_transaction();
        if let Some(finished) = finished {
            for key in &finished.ready {
                self.store.signal_ready(key);
            }
        }
    }
}
