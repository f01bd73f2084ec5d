//! The sharded keyspace: slots → shards, per-shard tables, ordered locking,
//! and key lookups with lazy expiry (Redis's `db.c`).
//!
//! Each key belongs to its Redis Cluster slot; slots are split into a
//! power-of-two number of shards, each a contiguous range of slots behind one
//! `RwLock`. A shard holds the keyspace table, the expires table (only keys
//! with a time to live) and its memory counter. Commands touching several
//! shards lock them in ascending shard order and hold them to the end, so
//! every command is atomic and none can deadlock with another.

pub(crate) mod copy;
mod ctx;
pub(crate) mod entry;
mod evict;
mod memory;
pub(crate) mod table;
pub(crate) mod tx;

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::{RwLock, RwLockWriteGuard};

use crate::cluster::{SLOTS, key_slot};
use crate::pubsub::class;
use crate::types::Lookup;
use crate::value::Value;
pub(crate) use ctx::Ctx;
use entry::{ExpireSlot, FLAG_EXPIRES, Slot};
use table::{Bucket, Table};
pub(crate) use tx::{ShardMut, ShardRef};

/// Where a key lives: its shard and its hash in the shard's tables.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Loc {
    pub(crate) shard: usize,
    pub(crate) hash: u64,
}

/// One shard: a range of slots with its own tables and lock.
///
/// Methods that return a bucket index (`find_live`) hand out positions that
/// stay valid only until the next insertion or removal in this shard (either
/// can move buckets or resize the table): use an index right away, and look a
/// key up again after changing the shard.
pub(crate) struct Shard {
    main: Table<Slot>,
    expires: Table<ExpireSlot>,
    /// Keys whose hash has fields with a time to live, each with a lower
    /// bound of its fields' deadlines (active field expiry samples it).
    /// Entries may be stale (key deleted or overwritten): users check.
    hash_ttls: Table<ExpireSlot>,
    /// Heap bytes owned by the buckets of all three tables.
    heap_bytes: usize,
    /// A checkpoint still needs this shard as it was at its instant (see
    /// [`copy`]).
    copy_pending: std::sync::atomic::AtomicBool,
    /// [`Shard::used_bytes`] as last added to the keyspace's total.
    published: usize,
    /// The best eviction candidates sampled so far (Redis's eviction pool).
    pool: evict::Pool,
}

/// Keeps each shard's lock on its own cache lines (two, for the adjacent-line
/// prefetcher), so threads working on different shards never share a line.
#[repr(align(128))]
struct Padded<T>(T);

/// A shard's lock, with what a writer may check without taking it.
struct ShardCell {
    lock: RwLock<Shard>,
    /// Under memory pressure the shard's table is full: the next new key
    /// needs an eviction from this shard first (see [`Keyspace::publish`]).
    needs_room: std::sync::atomic::AtomicBool,
    /// Bytes the shard's next table growth would add, and whether its
    /// tables are held back from growing, as of its last publish: a writer
    /// checks them against the current total (see [`Keyspace::stale_tight`]).
    growth: AtomicUsize,
    tight: std::sync::atomic::AtomicBool,
}

/// All shards of a store.
pub(crate) struct Keyspace {
    shards: Box<[Padded<ShardCell>]>,
    /// The sum of the shards' published [`Shard::used_bytes`]: the memory
    /// `maxmemory` is checked against, read without any lock.
    used: AtomicUsize,
    /// The shard whose evictions freed nothing yet (index + 1; 0: none):
    /// the evictor stays on it until its table shrinks.
    pressure_shard: AtomicUsize,
    /// slot >> shift = shard index.
    shift: u32,
    hasher: ahash::RandomState,
    /// Open transactions on any thread: while zero, locking a shard skips
    /// the per-thread lookup of held shards.
    transactions: AtomicUsize,
    /// A checkpoint's copy is under way (see [`copy`]).
    copying: std::sync::atomic::AtomicBool,
    copy_job: parking_lot::Mutex<Option<std::sync::Arc<copy::CopyJob>>>,
    /// `maxmemory` and the eviction policy.
    memory: std::sync::Arc<crate::memory::MemorySettings>,
}

impl Shard {
    fn new(hasher: &ahash::RandomState) -> Shard {
        Shard {
            main: Table::new(hasher.clone()),
            expires: Table::new(hasher.clone()),
            hash_ttls: Table::new(hasher.clone()),
            heap_bytes: 0,
            copy_pending: std::sync::atomic::AtomicBool::new(false),
            published: 0,
            pool: evict::Pool::default(),
        }
    }

    /// Number of keys, including expired keys not yet reclaimed (as Redis's
    /// DBSIZE).
    pub(crate) fn len(&self) -> usize {
        self.main.len()
    }

    /// Number of keys with a time to live.
    #[cfg(test)]
    pub(crate) fn volatile_len(&self) -> usize {
        self.expires.len()
    }

    /// The deadline of the key in slot `slot`, if it has one.
    pub(crate) fn deadline_of(&self, slot: &Slot, hash: u64) -> Option<i64> {
        if !slot.has_flag(FLAG_EXPIRES) {
            return None;
        }
        let key = slot.key();
        self.expires
            .find(key, hash)
            .and_then(|i| self.expires.get(i))
            .map(ExpireSlot::at)
    }

    /// Redis's `keyIsExpired`: a key is alive at its deadline and expired
    /// only once the clock is past it.
    fn is_expired(&self, slot: &Slot, hash: u64, ctx: &Ctx<'_>) -> bool {
        self.deadline_of(slot, hash)
            .is_some_and(|at| at < ctx.now())
    }

    /// The live slot of `key`: expired keys are invisible.
    #[inline]
    pub(crate) fn get(&self, key: &[u8], hash: u64, ctx: &Ctx<'_>) -> Option<&Slot> {
        match self.lookup(key, hash, ctx) {
            Lookup::Live(slot) => Some(slot),
            Lookup::Absent | Lookup::Expired => None,
        }
    }

    /// Looks `key` up for reading, telling an expired key from a missing one.
    #[inline]
    pub(crate) fn lookup(&self, key: &[u8], hash: u64, ctx: &Ctx<'_>) -> Lookup<'_> {
        let Some(index) = self.main.find(key, hash) else {
            return Lookup::Absent;
        };
        let found = self.peek_at(index, hash, ctx);
        if let Lookup::Live(_) = found {
            ctx.touch(&self.main, index);
        }
        found
    }

    /// [`Shard::lookup`] without recording an access (Redis's
    /// `LOOKUP_NOTOUCH`: `OBJECT`, `TYPE`, `EXISTS`, `TTL` …).
    pub(crate) fn peek(&self, key: &[u8], hash: u64, ctx: &Ctx<'_>) -> Lookup<'_> {
        match self.main.find(key, hash) {
            Some(index) => self.peek_at(index, hash, ctx),
            None => Lookup::Absent,
        }
    }

    fn peek_at(&self, index: usize, hash: u64, ctx: &Ctx<'_>) -> Lookup<'_> {
        let Some(slot) = self.main.get(index) else {
            return Lookup::Absent;
        };
        if slot.has_flag(FLAG_EXPIRES) && self.is_expired(slot, hash, ctx) {
            return Lookup::Expired;
        }
        Lookup::Live(slot)
    }

    /// The access clock of the key `key` (LRU seconds or LFU counter, as
    /// [`crate::memory::access`] describes), if it is stored.
    pub(crate) fn clock_of(&self, key: &[u8], hash: u64) -> Option<u32> {
        self.main.find(key, hash).map(|i| self.main.clock(i))
    }

    /// The index of the live slot of `key`, for a write. An expired key found
    /// on the way is deleted, its `expired` event published and its deletion
    /// propagated as `DEL`, as Redis's `expireIfNeeded` does.
    pub(crate) fn find_live(&mut self, key: &[u8], hash: u64, ctx: &Ctx<'_>) -> Option<usize> {
        let index = self.main.find(key, hash)?;
        let slot = self.main.get(index)?;
        if slot.has_flag(FLAG_EXPIRES) && self.is_expired(slot, hash, ctx) {
            self.remove_at(index, hash);
            ctx.key_expired(key);
            return None;
        }
        ctx.touch(&self.main, index);
        Some(index)
    }

    pub(crate) fn slot(&self, index: usize) -> Option<&Slot> {
        self.main.get(index)
    }

    /// Runs `f` on the slot at `index`, keeping the memory counter exact.
    pub(crate) fn update<R>(&mut self, index: usize, f: impl FnOnce(&mut Slot) -> R) -> Option<R> {
        let slot = self.main.get_mut(index)?;
        let before = slot.heap_bytes();
        let result = f(slot);
        let after = slot.heap_bytes();
        self.heap_bytes = self.heap_bytes.wrapping_add(after).wrapping_sub(before);
        Some(result)
    }

    /// Redis's `dbAdd`: adds a key that is not in the table and publishes
    /// its `new` event.
    pub(crate) fn add(&mut self, key: &[u8], hash: u64, value: Value, flags: u8, ctx: &Ctx<'_>) {
        self.insert(key, hash, value, flags, ctx.access().fresh());
        ctx.notify(class::NEW, "new", key);
    }

    /// Adds a key that is not in the table with its access clock, and no
    /// event (loading, renaming; callers creating a key for a command use
    /// [`Shard::add`]).
    pub(crate) fn insert(&mut self, key: &[u8], hash: u64, value: Value, flags: u8, clock: u32) {
        // The EXPIRES flag is only ever set together with a deadline.
        let field_ttl = match &value {
            Value::Hash(table) => table.min_deadline(),
            _ => None,
        };
        let slot = Slot::new(key, value, flags & !FLAG_EXPIRES, hash);
        self.heap_bytes += slot.heap_bytes();
        self.main.insert_clocked(hash, slot, clock);
        // A hash with field TTLs arriving under this name (RENAME, COPY,
        // MOVE) must be found by active field expiry.
        if let Some(at) = field_ttl {
            self.note_hash_ttl(key, hash, at);
        }
    }

    /// Records that the hash at `key` has fields with deadlines, the
    /// earliest no sooner than `at` (lowers the recorded bound).
    pub(crate) fn note_hash_ttl(&mut self, key: &[u8], hash: u64, at: i64) {
        if let Some(e) = self
            .hash_ttls
            .find(key, hash)
            .and_then(|i| self.hash_ttls.get_mut(i))
        {
            if at < e.at() {
                e.set_at(at);
            }
            return;
        }
        let e = ExpireSlot::new(key, at, hash);
        self.heap_bytes += e.heap_bytes();
        self.hash_ttls.insert_new(hash, e);
    }

    /// Sets (`Some`) the recorded field-deadline bound of `key`, or drops
    /// the key from the index (`None`).
    pub(crate) fn set_hash_ttl(&mut self, key: &[u8], hash: u64, at: Option<i64>) {
        let Some(i) = self.hash_ttls.find(key, hash) else {
            if let Some(at) = at {
                self.note_hash_ttl(key, hash, at);
            }
            return;
        };
        match at {
            Some(at) => {
                if let Some(e) = self.hash_ttls.get_mut(i) {
                    e.set_at(at);
                }
            }
            None => {
                if let Some(e) = self.hash_ttls.remove_at(i) {
                    self.heap_bytes = self.heap_bytes.wrapping_sub(e.heap_bytes());
                    self.hash_ttls.shrink_if_sparse();
                }
            }
        }
    }

    /// The index of keys whose hash has field deadlines.
    pub(crate) fn hash_ttls(&self) -> &Table<ExpireSlot> {
        &self.hash_ttls
    }

    /// Writes `value` at `key`: over the live key at `index` (from
    /// [`Shard::find_live`]), or as a new key (publishing its `new` event).
    /// `flags` are the new value's encoding flags (`FLAG_RAW`); `ttl` says
    /// what happens to the deadline.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn put(
        &mut self,
        key: &[u8],
        hash: u64,
        index: Option<usize>,
        value: Value,
        flags: u8,
        ttl: Ttl,
        ctx: &Ctx<'_>,
    ) {
        let index = match index {
            Some(i) => {
                self.update(i, |slot| {
                    slot.set_value(value, hash);
                    slot.set_flag(entry::FLAG_RAW, flags & entry::FLAG_RAW != 0);
                });
                i
            }
            None => {
                self.add(key, hash, value, flags, ctx);
                match ttl {
                    Ttl::Set(_) => match self.main.find(key, hash) {
                        Some(i) => i,
                        None => return,
                    },
                    Ttl::Keep | Ttl::Clear => return,
                }
            }
        };
        match ttl {
            Ttl::Keep => {}
            Ttl::Clear => self.set_deadline(index, hash, None),
            Ttl::Set(at) => self.set_deadline(index, hash, Some(at)),
        }
    }

    /// `SET` semantics: writes `value` at `key` whatever was there, clearing
    /// its TTL.
    pub(crate) fn overwrite(&mut self, key: &[u8], hash: u64, value: Value, ctx: &Ctx<'_>) {
        let index = self.find_live(key, hash, ctx);
        self.put(key, hash, index, value, 0, Ttl::Clear, ctx);
    }

    /// Removes the key at `index` with its TTL and returns its value.
    pub(crate) fn remove_at(&mut self, index: usize, hash: u64) -> Option<Value> {
        let slot = self.main.remove_at(index)?;
        self.heap_bytes = self.heap_bytes.wrapping_sub(slot.heap_bytes());
        if slot.has_flag(FLAG_EXPIRES) {
            self.remove_deadline(slot.key(), hash);
        }
        self.main.shrink_if_sparse();
        Some(slot.into_value())
    }

    /// Removes the key at `index` and returns everything needed to put it
    /// back under another name (`RENAME`): value, flags and deadline.
    pub(crate) fn take(&mut self, index: usize, hash: u64) -> Option<Detached> {
        let slot = self.main.get(index)?;
        let flags = slot.flags();
        let deadline = self.deadline_of(slot, hash);
        let clock = self.main.clock(index);
        let value = self.remove_at(index, hash)?;
        Some(Detached {
            value,
            flags,
            deadline,
            clock,
        })
    }

    /// A deep copy of the key at `index` (`COPY`).
    pub(crate) fn duplicate(&self, index: usize, hash: u64) -> Option<Detached> {
        let slot = self.main.get(index)?;
        let value = slot.duplicate_value()?;
        Some(Detached {
            value,
            flags: slot.flags(),
            deadline: self.deadline_of(slot, hash),
            clock: self.main.clock(index),
        })
    }

    /// Adds a detached key under `key`, which is not in the table.
    pub(crate) fn attach(&mut self, key: &[u8], hash: u64, detached: Detached) {
        self.insert(key, hash, detached.value, detached.flags, detached.clock);
        if detached.deadline.is_some()
            && let Some(i) = self.main.find(key, hash)
        {
            self.set_deadline(i, hash, detached.deadline);
        }
    }

    /// Redis's `dbDelete`: removes `key` whether or not it is past its
    /// deadline (no `expired` event); returns whether it was there. The
    /// `*STORE` commands delete their destination so when the result is
    /// empty.
    pub(crate) fn remove_key(&mut self, key: &[u8], hash: u64) -> bool {
        match self.main.find(key, hash) {
            Some(index) => self.remove_at(index, hash).is_some(),
            None => false,
        }
    }

    /// Removes `key` if it is live; returns whether it was.
    pub(crate) fn delete(&mut self, key: &[u8], hash: u64, ctx: &Ctx<'_>) -> bool {
        match self.find_live(key, hash, ctx) {
            Some(index) => self.remove_at(index, hash).is_some(),
            None => false,
        }
    }

    /// Sets (`Some`) or clears (`None`) the deadline of the key at `index`.
    pub(crate) fn set_deadline(&mut self, index: usize, hash: u64, at: Option<i64>) {
        let Some(slot) = self.main.get_mut(index) else {
            return;
        };
        let had = slot.has_flag(FLAG_EXPIRES);
        if !had && at.is_none() {
            return;
        }
        slot.set_flag(FLAG_EXPIRES, at.is_some());
        let key = OwnedKeyBuf::from(slot.key());
        match (had, at) {
            (false, None) => {}
            (true, None) => self.remove_deadline(key.as_slice(), hash),
            (true, Some(at)) => {
                if let Some(i) = self.expires.find(key.as_slice(), hash)
                    && let Some(e) = self.expires.get_mut(i)
                {
                    e.set_at(at);
                }
            }
            (false, Some(at)) => {
                let e = ExpireSlot::new(key.as_slice(), at, hash);
                self.heap_bytes += e.heap_bytes();
                self.expires.insert_new(hash, e);
            }
        }
    }

    fn remove_deadline(&mut self, key: &[u8], hash: u64) {
        if let Some(i) = self.expires.find(key, hash)
            && let Some(e) = self.expires.remove_at(i)
        {
            self.heap_bytes = self.heap_bytes.wrapping_sub(e.heap_bytes());
            self.expires.shrink_if_sparse();
        }
    }

    /// Removes every key.
    pub(crate) fn clear(&mut self) {
        self.main.clear();
        self.expires.clear();
        self.hash_ttls.clear();
        self.heap_bytes = 0;
        self.pool.clear();
    }

    pub(crate) fn table(&self) -> &Table<Slot> {
        &self.main
    }

    pub(crate) fn expires(&self) -> &Table<ExpireSlot> {
        &self.expires
    }

    pub(crate) fn hash(&self, key: &[u8]) -> u64 {
        self.main.hash(key)
    }
}

/// What a write does to a key's time to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ttl {
    /// Keep the deadline the key has (`KEEPTTL`, `INCR`, `APPEND`).
    Keep,
    /// Remove any deadline (plain `SET`).
    Clear,
    /// Set this deadline (Unix ms).
    Set(i64),
}

/// A key's value with its flags and deadline, out of the table.
pub(crate) struct Detached {
    pub(crate) value: Value,
    pub(crate) flags: u8,
    pub(crate) deadline: Option<i64>,
    /// The access clock (a renamed key keeps it, as Redis's object does).
    pub(crate) clock: u32,
}

/// A key copied out of a bucket, so the table can be changed while using it.
/// Short keys stay on the stack.
enum OwnedKeyBuf {
    Inline([u8; 32], usize),
    Heap(Vec<u8>),
}

impl OwnedKeyBuf {
    fn from(key: &[u8]) -> Self {
        if key.len() <= 32 {
            let mut buf = [0u8; 32];
            buf[..key.len()].copy_from_slice(key);
            OwnedKeyBuf::Inline(buf, key.len())
        } else {
            OwnedKeyBuf::Heap(key.to_vec())
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            OwnedKeyBuf::Inline(buf, len) => &buf[..*len],
            OwnedKeyBuf::Heap(v) => v,
        }
    }
}

impl Keyspace {
    /// A keyspace of `shards` shards (rounded to a power of two in 1..=16384).
    pub(crate) fn new(
        shards: usize,
        memory: std::sync::Arc<crate::memory::MemorySettings>,
    ) -> Keyspace {
        let n = shards.clamp(1, usize::from(SLOTS)).next_power_of_two();
        let shift = u16::BITS - 2 - n.trailing_zeros(); // 14 bits of slot
        let hasher = ahash::RandomState::new();
        let shards: Box<[Padded<ShardCell>]> = (0..n)
            .map(|_| {
                Padded(ShardCell {
                    lock: RwLock::new(Shard::new(&hasher)),
                    needs_room: std::sync::atomic::AtomicBool::new(false),
                    growth: AtomicUsize::new(0),
                    tight: std::sync::atomic::AtomicBool::new(false),
                })
            })
            .collect();
        let fixed = crate::memory::alloc::alloc_size(
            shards.len() * std::mem::size_of::<Padded<ShardCell>>(),
        );
        Keyspace {
            shards,
            used: AtomicUsize::new(fixed),
            pressure_shard: AtomicUsize::new(0),
            shift,
            hasher,
            transactions: AtomicUsize::new(0),
            copying: std::sync::atomic::AtomicBool::new(false),
            copy_job: parking_lot::Mutex::new(None),
            memory,
        }
    }

    /// Fixed bytes of the shard array itself.
    pub(crate) fn overhead_bytes(&self) -> usize {
        crate::memory::alloc::alloc_size(
            self.shards.len() * std::mem::size_of::<Padded<ShardCell>>(),
        )
    }

    pub(crate) fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// The shard serving a slot.
    pub(crate) fn shard_of_slot(&self, slot: u16) -> usize {
        usize::from(slot >> self.shift)
    }

    #[inline]
    pub(crate) fn locate(&self, key: &[u8]) -> Loc {
        Loc {
            shard: self.shard_of_slot(key_slot(key)),
            hash: self.hasher.hash_one(key),
        }
    }

    /// Read-locks a shard, or borrows it from this thread's transaction.
    #[inline]
    pub(crate) fn read(&self, shard: usize) -> ShardRef<'_> {
        if self.transactions.load(Ordering::Relaxed) != 0 {
            match tx::hold(self, shard) {
                tx::Hold::None => {}
                // SAFETY: see the `tx` module: the transaction keeps the
                // shard write-locked while its frame exists, and a command
                // takes one guard per shard at a time.
                tx::Hold::Held(ptr) => return ShardRef::Held(unsafe { &*ptr }),
                tx::Hold::Undeclared => undeclared(shard),
            }
        }
        ShardRef::Locked(self.shards[shard].0.lock.read())
    }

    /// Write-locks a shard, or borrows it from this thread's transaction.
    #[inline]
    pub(crate) fn write(&self, shard: usize) -> ShardMut<'_> {
        if self.transactions.load(Ordering::Relaxed) != 0 {
            match tx::hold(self, shard) {
                tx::Hold::None => {}
                // SAFETY: as in `read`.
                tx::Hold::Held(ptr) => return ShardMut::Held(unsafe { &mut *ptr }),
                tx::Hold::Undeclared => undeclared(shard),
            }
        }
        let guard = self.shards[shard].0.lock.write();
        self.copy_before_write(shard, &guard);
        ShardMut::Locked(guard, self, shard)
    }

    /// Presizes every shard's table for `keys` more keys spread evenly over
    /// the shards (loading a snapshot), with 10% slack for the unevenness.
    pub(crate) fn reserve(&self, keys: u64) {
        let per_shard = usize::try_from(keys / self.shards.len() as u64)
            .unwrap_or(usize::MAX)
            .saturating_mul(11)
            / 10;
        for i in 0..self.shards.len() {
            self.write(i).main.reserve(per_shard);
        }
    }

    /// Write-locks the given shards in ascending order.
    pub(crate) fn write_many(
        &self,
        shards: impl IntoIterator<Item = usize>,
    ) -> Locked<ShardMut<'_>> {
        let ids = sorted_unique(shards);
        Locked {
            guards: ids.into_iter().map(|i| (i, self.write(i))).collect(),
        }
    }

    /// Read-locks the given shards in ascending order.
    pub(crate) fn read_many(
        &self,
        shards: impl IntoIterator<Item = usize>,
    ) -> Locked<ShardRef<'_>> {
        let ids = sorted_unique(shards);
        Locked {
            guards: ids.into_iter().map(|i| (i, self.read(i))).collect(),
        }
    }

    /// Write-locks the given shards (ascending) for a new transaction,
    /// bypassing this thread's held shards, and counts the transaction
    /// until [`Keyspace::end_transaction`].
    pub(crate) fn begin_transaction(
        &self,
        shards: impl IntoIterator<Item = usize>,
    ) -> Vec<(usize, RwLockWriteGuard<'_, Shard>)> {
        let guards = sorted_unique(shards)
            .into_iter()
            .map(|i| {
                let guard = self.shards[i].0.lock.write();
                self.copy_before_write(i, &guard);
                (i, guard)
            })
            .collect();
        self.transactions.fetch_add(1, Ordering::SeqCst);
        guards
    }

    /// Ends a transaction counted by [`Keyspace::begin_transaction`],
    /// publishing what it changed in its shards.
    pub(crate) fn end_transaction(&self, guards: &mut [(usize, RwLockWriteGuard<'_, Shard>)]) {
        for (i, guard) in guards.iter_mut() {
            self.publish(*i, guard);
        }
        self.transactions.fetch_sub(1, Ordering::SeqCst);
    }

    /// Write-locks every shard.
    pub(crate) fn write_all(&self) -> Locked<ShardMut<'_>> {
        self.write_many(0..self.shards.len())
    }

    /// Read-locks every shard.
    pub(crate) fn read_all(&self) -> Locked<ShardRef<'_>> {
        self.read_many(0..self.shards.len())
    }
}

/// A command inside a transaction touched a shard the transaction did not
/// lock. Locking it now could deadlock against a command holding it and
/// waiting for one of ours, so this is a bug in the caller's key list, which
/// [`Store::transaction`](crate::Store::transaction) documents as a panic.
#[cold]
fn undeclared(shard: usize) -> ! {
    panic!(
        "kvstore: a command inside a transaction used a key outside the \
         transaction's declared keys (shard {shard}); declare every key the \
         closure touches"
    )
}

fn sorted_unique(shards: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut ids: Vec<usize> = shards.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A set of shard guards taken in ascending order, released together.
pub(crate) struct Locked<G> {
    guards: Vec<(usize, G)>,
}

impl<G: Deref<Target = Shard>> Locked<G> {
    /// The locked shard `shard`. Panics only if the caller asks for a shard
    /// it did not lock, which is a bug in the command, not bad input.
    pub(crate) fn shard(&self, shard: usize) -> &Shard {
        let i = self.position(shard);
        &self.guards[i].1
    }

    fn position(&self, shard: usize) -> usize {
        match self.guards.binary_search_by_key(&shard, |(i, _)| *i) {
            Ok(i) => i,
            Err(_) => unreachable!("shard {shard} used without being locked"),
        }
    }

    /// All locked shards, in ascending order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &Shard)> {
        self.guards.iter().map(|(i, g)| (*i, &**g))
    }
}

impl<G: DerefMut<Target = Shard>> Locked<G> {
    pub(crate) fn shard_mut(&mut self, shard: usize) -> &mut Shard {
        let i = self.position(shard);
        &mut self.guards[i].1
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (usize, &mut Shard)> {
        self.guards.iter_mut().map(|(i, g)| (*i, &mut **g))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

    use super::*;
    use crate::clock::ManualClock;
    use crate::propagate::Propagator;

    fn test_memory() -> std::sync::Arc<crate::memory::MemorySettings> {
        std::sync::Arc::new(crate::memory::MemorySettings::new(
            0,
            crate::MaxmemoryPolicy::NoEviction,
            5,
        ))
    }

    fn test_broker() -> crate::pubsub::Broker {
        let settings = crate::pubsub::PubSubSettings::new(0, crate::OutputBufferLimit::default());
        crate::pubsub::Broker::new(std::sync::Arc::new(settings))
    }

    #[test]
    fn shards_are_contiguous_slot_ranges() {
        let ks = Keyspace::new(64, test_memory());
        assert_eq!(ks.shard_count(), 64);
        assert_eq!(ks.shard_of_slot(0), 0);
        assert_eq!(ks.shard_of_slot(255), 0);
        assert_eq!(ks.shard_of_slot(256), 1);
        assert_eq!(ks.shard_of_slot(16383), 63);
        assert_eq!(Keyspace::new(1, test_memory()).shard_of_slot(16383), 0);
        assert_eq!(Keyspace::new(100, test_memory()).shard_count(), 128);
        assert_eq!(Keyspace::new(1 << 20, test_memory()).shard_count(), 16384);
        assert_eq!(
            Keyspace::new(16384, test_memory()).shard_of_slot(16383),
            16383
        );
    }

    #[test]
    fn expired_keys_are_invisible_and_reclaimed_on_write() {
        let clock = ManualClock::new(1000);
        let prop = Propagator::default();
        let expired = AtomicU64::new(0);
        let pubsub = test_broker();
        let ctx = Ctx::new(&clock, &prop, &expired, &pubsub);
        let ks = Keyspace::new(4, test_memory());
        let loc = ks.locate(b"k");
        let mut shard = ks.write(loc.shard);
        shard.insert(b"k", loc.hash, Value::from_bytes(b"v"), 0, 0);
        let i = shard.find_live(b"k", loc.hash, &ctx).expect("live");
        shard.set_deadline(i, loc.hash, Some(1500));
        assert_eq!(shard.volatile_len(), 1);
        assert!(shard.get(b"k", loc.hash, &ctx).is_some());
        assert!(
            shard
                .get(b"k", loc.hash, &Ctx::new(&clock, &prop, &expired, &pubsub))
                .is_some()
        );
        clock.set(1500);
        assert!(
            shard
                .get(b"k", loc.hash, &Ctx::new(&clock, &prop, &expired, &pubsub))
                .is_some(),
            "alive at its deadline"
        );
        clock.set(1501);
        let ctx = Ctx::new(&clock, &prop, &expired, &pubsub);
        assert!(shard.get(b"k", loc.hash, &ctx).is_none());
        assert_eq!(shard.len(), 1, "still stored until reclaimed");
        assert!(shard.find_live(b"k", loc.hash, &ctx).is_none());
        assert_eq!(shard.len(), 0);
        assert_eq!(shard.volatile_len(), 0);
        assert_eq!(shard.used_bytes(), 0);
        assert_eq!(expired.load(Ordering::Relaxed), 1);
    }
}
