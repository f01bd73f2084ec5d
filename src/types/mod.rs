//! Commands by value kind, as typed methods on [`Store`] (Redis's `t_*.c`).
//!
//! Each handler has the same shape: locate the key, lock its shard, look the
//! key up (expired keys are invisible), check the type, act, propagate the
//! canonical command, return.

pub(crate) mod generic;
pub(crate) mod lcs;
pub(crate) mod string;

use crate::Store;
use crate::keyspace::entry::Slot;
use crate::keyspace::{Ctx, Loc, Shard};

impl Store {
    /// Runs `f` on the live slot of `key` (or `None`) under the shard's read
    /// lock. If the key turned out to be expired, it is reclaimed afterwards
    /// under the write lock (and its deletion propagated), as Redis deletes
    /// an expired key on access.
    pub(crate) fn read_key<R>(&self, key: &[u8], f: impl FnOnce(Option<&Slot>) -> R) -> R {
        let keyspace = &self.inner.keyspace;
        let loc = keyspace.locate(key);
        let ctx = self.ctx();
        let shard = keyspace.read(loc.shard);
        let (result, expired) = match shard.lookup(key, loc.hash, &ctx) {
            Lookup::Live(slot) => (f(Some(slot)), false),
            Lookup::Absent => (f(None), false),
            Lookup::Expired => (f(None), true),
        };
        drop(shard);
        if expired {
            keyspace.write(loc.shard).find_live(key, loc.hash, &ctx);
        }
        result
    }

    /// Runs `f` with the write-locked shard of `key`.
    pub(crate) fn write_key<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(&mut Shard, Loc, &Ctx<'_>) -> R,
    ) -> R {
        let keyspace = &self.inner.keyspace;
        let loc = keyspace.locate(key);
        let ctx = self.ctx();
        let mut shard = keyspace.write(loc.shard);
        f(&mut shard, loc, &ctx)
    }
}

/// The outcome of looking a key up for reading.
pub(crate) enum Lookup<'a> {
    Live(&'a Slot),
    Absent,
    /// Present but past its deadline: invisible, and due for reclaiming.
    Expired,
}
