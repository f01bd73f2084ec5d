//! `maxmemory` at the door of every write (Redis's `performEvictions` and
//! the `OOM` check of `processCommand`).
//!
//! A write first asks [`Store::make_room`]. While the store is within its
//! limit that costs two relaxed loads. Past it, keys are evicted by the
//! policy until the store is back under the limit (a bounded number per
//! write, as Redis bounds each call by time); a write that may grow memory
//! is refused with `OOM` when nothing could be evicted.
//!
//! Two details differ from Redis because keys live inside their buckets
//! (see `docs/design.md`, "Memory"):
//! - When a shard's next table growth would not fit under the limit, a new
//!   key in that shard, once its table is full, first evicts a key of the
//!   same shard, whose bucket it then takes: growing the table would take
//!   memory that no eviction gives back.
//! - Evicting a key that lives entirely in its bucket frees no allocation;
//!   when evictions free nothing, the evictor keeps to one shard until its
//!   table can shrink a step, which gives the memory back.

use crate::memory::MaxmemoryPolicy;
use crate::{Error, Result, Store};

/// Evictions one write may perform at most (Redis bounds a call by time,
/// `maxmemory-eviction-tenacity`); scaled by the tenacity.
fn budget(tenacity: u32) -> usize {
    16 + usize::try_from(tenacity).unwrap_or(10) * 4
}

impl Store {
    /// Before a write to shard `hint` (when known): evicts what `maxmemory`
    /// requires, then refuses the write with [`Error::OutOfMemory`] if it
    /// `grows` memory and the store is still over the limit with nothing
    /// evicted. Inside a transaction nothing happens (it was checked when
    /// it began, as Redis checks `EXEC`).
    #[inline]
    pub(crate) fn make_room(&self, hint: Option<usize>, grows: bool) -> Result<()> {
        let keyspace = &self.inner.keyspace;
        let max = self.inner.settings.memory().maxmemory();
        if max == 0 {
            return Ok(());
        }
        if crate::keyspace::tx::in_transaction(keyspace) {
            return Ok(());
        }
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        if let Some(s) = hint
            && keyspace.stale_tight(s, max)
        {
            // The shard decided it may grow when the store was smaller:
            // decide again (releasing the lock publishes) before writing.
            drop(keyspace.write(s));
        }
        let full = hint.is_some_and(|s| keyspace.needs_room(s));
        if keyspace.used() <= max && !full {
            return Ok(());
        }
        self.evict_for(hint, full, max, grows)
    }

    #[cold]
    fn evict_for(&self, hint: Option<usize>, full: bool, max: usize, grows: bool) -> Result<()> {
        let keyspace = &self.inner.keyspace;
        let settings = self.inner.settings.memory();
        let policy = settings.policy();
        if policy == MaxmemoryPolicy::NoEviction {
            return if grows && keyspace.used() > max {
                Err(Error::OutOfMemory)
            } else {
                Ok(())
            };
        }
        let ctx = self.ctx();
        let samples = settings.samples();
        let mut evicted = 0usize;
        if let (Some(s), true) = (hint, full) {
            let mut shard = keyspace.write(s);
            if keyspace.needs_room(s) && shard.evict_one(&ctx, policy, samples) {
                evicted += 1;
            }
        }
        let budget = budget(settings.tenacity());
        let shards = keyspace.shard_count();
        let mut fruitless = 0usize;
        while keyspace.used() > max && evicted < budget && fruitless < shards {
            let index = keyspace.pressure_shard().unwrap_or_else(|| match hint {
                Some(s) if evicted == 0 => s,
                _ => crate::rand::index_below(shards),
            });
            let mut shard = keyspace.write(index);
            let mut freed = false;
            let mut any = false;
            while keyspace.used_with(&shard) > max && evicted < budget {
                let before = keyspace.used_with(&shard);
                if !shard.evict_one(&ctx, policy, samples) {
                    break;
                }
                evicted += 1;
                any = true;
                let after = keyspace.used_with(&shard);
                if after < before {
                    freed = true;
                    // Ahead of the next write: one more victim of the same
                    // round while its sampled buckets are in cache (Redis
                    // would take the pool's next best then too).
                    if evicted < budget && shard.evict_next(&ctx, policy) {
                        evicted += 1;
                    }
                    break;
                }
                if shard.shrink_for_memory() {
                    freed = true;
                    break;
                }
            }
            // A key held in its bucket freed nothing: stay on this shard
            // (across writes) until its table shrinks.
            keyspace.set_pressure_shard((any && !freed).then_some(index));
            if !any {
                fruitless += 1;
            }
        }
        if grows && evicted == 0 && keyspace.used() > max {
            return Err(Error::OutOfMemory);
        }
        Ok(())
    }
}
