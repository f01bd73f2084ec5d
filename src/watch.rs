//! Optimistic check-and-set: [`Store::watch`] (Redis's `WATCH`).
//!
//! A watched key is "touched" by every write that changes it. Writes are
//! seen on the one path they all take, their canonical command (see
//! `propagate.rs`): while anything is watched, an observer maps each
//! command to its keys with the command table and marks the watches of
//! those keys. A write that changes nothing (`SADD` of a present member)
//! propagates nothing and touches nothing, as in Redis. `FLUSHDB`/`FLUSHALL`
//! touch the watched keys that existed, as Redis's `touchAllWatchedKeysInDb`.
//! A key alive when watched and past its deadline at `EXEC` also fails the
//! check (Redis 7.0's `isWatchedKeyExpired`), while the reclaiming of a key
//! that was already expired when watched is not a change.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

use crate::propagate::{ObserverId, WriteObserver};
use crate::transaction::{Shards, Transaction};
use crate::types::Lookup;
use crate::{Error, Store};

/// One `WATCH`: its keys and whether any was touched since.
#[derive(Debug)]
struct WatchState {
    dirty: AtomicBool,
    keys: Vec<WatchedKey>,
}

#[derive(Debug)]
struct WatchedKey {
    key: Vec<u8>,
    /// The key was live when watched (a flush then touches it).
    existed: AtomicBool,
    /// The key was present but already expired when watched: its reclaim
    /// (a `DEL`) is not a change. Cleared by that reclaim.
    expired: AtomicBool,
}

/// A watch of one key: the watch and the key's index in it.
type Watcher = (Arc<WatchState>, usize);

/// Watched keys → their watches.
#[derive(Default)]
struct WatchMap {
    by_key: HashMap<Vec<u8>, Vec<Watcher>, ahash::RandomState>,
}

/// The watch registry of one store.
#[derive(Default)]
pub(crate) struct Watches {
    map: Arc<Mutex<WatchMap>>,
    /// Live watches and the observer that exists while there are any.
    /// Never locked together with `map` (the observer locks `map` under
    /// the propagator's lock, which adding an observer takes).
    lifecycle: Mutex<(usize, Option<ObserverId>)>,
}

struct Toucher {
    map: Arc<Mutex<WatchMap>>,
}

impl WriteObserver for Toucher {
    fn on_write(&self, argv: &[&[u8]]) {
        let Some(&name) = argv.first() else { return };
        let map = self.map.lock();
        if name.eq_ignore_ascii_case(b"FLUSHDB") || name.eq_ignore_ascii_case(b"FLUSHALL") {
            for (state, i) in map.by_key.values().flatten() {
                let wk = &state.keys[*i];
                if wk.existed.load(Ordering::Relaxed) || wk.expired.load(Ordering::Relaxed) {
                    state.dirty.store(true, Ordering::Release);
                }
            }
            return;
        }
        let Some(spec) = crate::command::lookup_spec(argv) else {
            return;
        };
        let is_del = name.eq_ignore_ascii_case(b"DEL");
        for key in spec.keys(argv) {
            let Some(watchers) = map.by_key.get(key) else {
                continue;
            };
            for (state, i) in watchers {
                let wk = &state.keys[*i];
                // The reclaim of a key already expired when watched.
                if is_del && wk.expired.swap(false, Ordering::Relaxed) {
                    continue;
                }
                state.dirty.store(true, Ordering::Release);
            }
        }
    }
}

/// A set of watched keys, from [`Store::watch`]. Dropping it unwatches them.
///
/// ```
/// use kvstore::Store;
///
/// let store = Store::new();
/// store.set("balance", "100")?;
/// // Optimistic check-and-set: retry while someone else changed the key.
/// loop {
///     let watch = store.watch(&["balance"]);
///     let balance: i64 = store.get("balance")?.map_or(Ok(0), |v| {
///         String::from_utf8_lossy(&v).parse().map_err(|_| kvstore::Error::NotInteger)
///     })?;
///     let done = watch.transaction(&["balance"], |tx| tx.set("balance", (balance - 30).to_string()))?;
///     match done {
///         Some(()) => break,
///         None => continue, // "balance" changed since the WATCH
///     }
/// }
/// assert_eq!(store.get("balance")?, Some(b"70".to_vec()));
/// # Ok::<(), kvstore::Error>(())
/// ```
pub struct Watch {
    store: Store,
    state: Arc<WatchState>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("keys", &self.state.keys.len())
            .field("dirty", &self.state.dirty.load(Ordering::Relaxed))
            .finish()
    }
}

impl Store {
    /// Watches `keys` (Redis's `WATCH`): the returned [`Watch`] tells whether
    /// any of them was changed since, and runs a transaction only if none
    /// was ([`Watch::transaction`]), like `EXEC` after `WATCH`.
    ///
    /// ```
    /// use kvstore::Store;
    ///
    /// let store = Store::new();
    /// let watch = store.watch(&["k"]);
    /// assert!(!watch.changed());
    /// store.set("k", "v")?;
    /// assert!(watch.changed());
    /// assert_eq!(watch.transaction(&["k"], |tx| tx.set("k", "w")), Ok(None));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn watch<K: AsRef<[u8]>>(&self, keys: &[K]) -> Watch {
        let watches = &self.inner.watches;
        {
            let mut life = watches.lifecycle.lock();
            if life.0 == 0 {
                let toucher = Arc::new(Toucher {
                    map: Arc::clone(&watches.map),
                });
                life.1 = Some(self.add_write_observer(toucher));
            }
            life.0 += 1;
        }
        let state = Arc::new(WatchState {
            dirty: AtomicBool::new(false),
            keys: keys
                .iter()
                .map(|k| WatchedKey {
                    key: k.as_ref().to_vec(),
                    existed: AtomicBool::new(false),
                    expired: AtomicBool::new(false),
                })
                .collect(),
        });
        {
            let mut map = watches.map.lock();
            for (i, wk) in state.keys.iter().enumerate() {
                map.by_key
                    .entry(wk.key.clone())
                    .or_default()
                    .push((Arc::clone(&state), i));
            }
        }
        // Registered first, looked at second: a write in between marks the
        // watch, which is what Redis does for a write after WATCH.
        let found = self.lookup_states(keys);
        for (wk, look) in state.keys.iter().zip(found) {
            wk.existed.store(look == KeyState::Live, Ordering::Relaxed);
            wk.expired
                .store(look == KeyState::Expired, Ordering::Relaxed);
        }
        Watch {
            store: self.clone(),
            state,
        }
    }

    fn lookup_states<K: AsRef<[u8]>>(&self, keys: &[K]) -> Vec<KeyState> {
        let keyspace = &self.inner.keyspace;
        let ctx = self.ctx();
        keys.iter()
            .map(|k| {
                let loc = keyspace.locate(k.as_ref());
                let shard = keyspace.read(loc.shard);
                match shard.lookup(k.as_ref(), loc.hash, &ctx) {
                    Lookup::Live(_) => KeyState::Live,
                    Lookup::Absent => KeyState::Absent,
                    Lookup::Expired => KeyState::Expired,
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyState {
    Live,
    Absent,
    Expired,
}

impl Watch {
    /// Whether a watched key was changed since the watch began (written,
    /// deleted, flushed, or expired after being watched alive).
    #[must_use]
    pub fn changed(&self) -> bool {
        if self.state.dirty.load(Ordering::Acquire) {
            return true;
        }
        self.expired_since()
    }

    /// A key live when watched that is now past its deadline.
    fn expired_since(&self) -> bool {
        let keys: Vec<&[u8]> = self.state.keys.iter().map(|k| k.key.as_slice()).collect();
        self.store
            .lookup_states(&keys)
            .into_iter()
            .zip(&self.state.keys)
            .any(|(now, wk)| now == KeyState::Expired && !wk.expired.load(Ordering::Relaxed))
    }

    /// The watched keys.
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.state.keys.iter().map(|k| k.key.as_slice())
    }

    /// Runs `f` as [`Store::transaction`] over `keys` (the watched keys are
    /// locked too) if no watched key changed; `None` if one did, like an
    /// `EXEC` answering nil. The check and the closure happen under the same
    /// locks, so no change can slip in between.
    ///
    /// # Errors
    ///
    /// As [`Store::transaction`]: the closure's error, or the
    /// persistence's when the writes could not be made durable.
    pub fn transaction<K: AsRef<[u8]>, R, E: From<Error>>(
        self,
        keys: &[K],
        f: impl FnOnce(&Transaction<'_>) -> std::result::Result<R, E>,
    ) -> std::result::Result<Option<R>, E> {
        let shards = self.shards_with(keys.iter().map(AsRef::as_ref));
        let store = self.store.clone();
        store
            .run_transaction(shards, |tx| (!self.changed()).then(|| f(tx)))?
            .transpose()
    }

    /// The shards of the watched keys and of `more`.
    pub(crate) fn shards_with<'k>(&self, more: impl Iterator<Item = &'k [u8]>) -> Shards {
        let keyspace = &self.store.inner.keyspace;
        let watched = self.keys().map(|k| keyspace.locate(k).shard);
        let more: Vec<usize> = more.map(|k| keyspace.locate(k).shard).collect();
        Shards::Some(watched.chain(more).collect())
    }
}

/// Several watches as one (the `WATCH` commands of a session).
pub(crate) fn any_changed(watches: &[Watch]) -> bool {
    watches.iter().any(Watch::changed)
}

impl Drop for Watch {
    fn drop(&mut self) {
        let watches = &self.store.inner.watches;
        {
            let mut map = watches.map.lock();
            for wk in &self.state.keys {
                if let Some(list) = map.by_key.get_mut(&wk.key) {
                    list.retain(|(s, _)| !Arc::ptr_eq(s, &self.state));
                    if list.is_empty() {
                        map.by_key.remove(&wk.key);
                    }
                }
            }
        }
        let mut life = watches.lifecycle.lock();
        life.0 = life.0.saturating_sub(1);
        if life.0 == 0
            && let Some(id) = life.1.take()
        {
            self.store.remove_write_observer(id);
        }
    }
}
