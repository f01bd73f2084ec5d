//! What a shard's memory is and how the keyspace's total follows it: each
//! shard counts its bytes exactly, and a write publishes the change to one
//! keyspace-wide atomic as it releases the shard (see docs/design.md,
//! "Memory and eviction").

use std::sync::atomic::Ordering;

use super::entry::{ExpireSlot, FLAG_EXPIRES, Slot};
use super::table::Bucket;
use super::{Keyspace, Shard};

impl Shard {
    /// Bytes used by this shard's tables and heap data.
    pub(crate) fn used_bytes(&self) -> usize {
        self.main.allocated_bytes()
            + self.expires.allocated_bytes()
            + self.hash_ttls.allocated_bytes()
            + self.heap_bytes
    }

    /// Bytes of this shard's keys and values (Redis's dataset): the heap
    /// data plus one bucket per key. The rest of [`Shard::used_bytes`]
    /// (empty buckets, the expires tables) is overhead.
    pub(crate) fn dataset_bytes(&self) -> usize {
        self.heap_bytes + self.main.len() * std::mem::size_of::<Slot>()
    }

    /// Bytes the key in bucket `index` holds (`MEMORY USAGE`): its bucket
    /// and access clock, its heap data, and its expires entry when it has
    /// a deadline.
    pub(crate) fn key_bytes(&self, index: usize, hash: u64) -> usize {
        let Some(slot) = self.main.get(index) else {
            return 0;
        };
        let clock = std::mem::size_of::<std::sync::atomic::AtomicU32>();
        let mut bytes = std::mem::size_of::<Slot>() + clock + slot.heap_bytes();
        if slot.has_flag(FLAG_EXPIRES)
            && let Some(e) = self
                .expires
                .find(slot.key(), hash)
                .and_then(|i| self.expires.get(i))
        {
            bytes += std::mem::size_of::<ExpireSlot>() + e.heap_bytes();
        }
        bytes
    }

    /// Bytes the next growth of this shard's tables would add.
    pub(super) fn growth_bytes(&self) -> usize {
        self.main.growth_bytes().max(self.expires.growth_bytes())
    }
}

impl Keyspace {
    /// Bytes held by all shards as last published, with the shard array
    /// itself: what `maxmemory` is checked against.
    #[inline]
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// [`Keyspace::used`] counting `shard`'s changes not yet published.
    pub(crate) fn used_with(&self, shard: &Shard) -> usize {
        (self.used() + shard.used_bytes()).saturating_sub(shard.published)
    }

    /// The shard the evictor keeps to (see [`Keyspace::set_pressure_shard`]).
    pub(crate) fn pressure_shard(&self) -> Option<usize> {
        self.pressure_shard.load(Ordering::Relaxed).checked_sub(1)
    }

    /// Names the shard whose evictions freed nothing yet, or none.
    pub(crate) fn set_pressure_shard(&self, shard: Option<usize>) {
        self.pressure_shard
            .store(shard.map_or(0, |s| s + 1), Ordering::Relaxed);
    }

    /// Whether shard `shard` may still grow its tables although the store's
    /// total changed since it decided so, and the growth no longer fits
    /// under `max`: the writer then publishes it again before writing.
    #[inline]
    pub(crate) fn stale_tight(&self, shard: usize, max: usize) -> bool {
        let cell = &self.shards[shard].0;
        !cell.tight.load(Ordering::Relaxed)
            && self.used() + cell.growth.load(Ordering::Relaxed) > max
    }

    /// Whether shard `shard` must evict before taking a new key.
    #[inline]
    pub(crate) fn needs_room(&self, shard: usize) -> bool {
        self.shards[shard].0.needs_room.load(Ordering::Relaxed)
    }

    /// Called as a write lock on shard `index` is released: adds the
    /// shard's change in bytes to the keyspace's total and, under
    /// `maxmemory`, decides whether its table may still grow: when the
    /// limit cannot afford the growth ("tight"; growing would take memory
    /// no eviction gives back, as emptied buckets stay allocated), a full
    /// table makes the next new key evict a key of this shard first.
    pub(crate) fn publish(&self, index: usize, shard: &mut Shard) {
        let used = shard.used_bytes();
        if used != shard.published {
            if used > shard.published {
                self.used
                    .fetch_add(used - shard.published, Ordering::Relaxed);
            } else {
                self.used
                    .fetch_sub(shard.published - used, Ordering::Relaxed);
            }
            shard.published = used;
        }
        let max = usize::try_from(self.memory.maxmemory()).unwrap_or(usize::MAX);
        let growth = shard.growth_bytes();
        let tight = max != 0 && self.used() + growth > max;
        let needs_room = tight && shard.main.full();
        let cell = &self.shards[index].0;
        store_if_changed(&cell.needs_room, needs_room);
        store_if_changed(&cell.tight, tight);
        if cell.growth.load(Ordering::Relaxed) != growth {
            cell.growth.store(growth, Ordering::Relaxed);
        }
    }
}

/// Stores `value` unless it is there already (keeps the line shared).
fn store_if_changed(flag: &std::sync::atomic::AtomicBool, value: bool) {
    if flag.load(Ordering::Relaxed) != value {
        flag.store(value, Ordering::Relaxed);
    }
}
