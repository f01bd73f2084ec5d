//! An open-addressing hash table of compact buckets, ordered by hash.
//!
//! This is the store's `dict.c`. Buckets live inline in one array (no pointer
//! per entry), collisions are resolved by linear probing with Robin Hood
//! ordering, and a bucket's home position is taken from the top bits of its
//! key's hash with a multiply ("fastrange") instead of a mask, which gives two
//! properties the store relies on:
//!
//! * The capacity need not be a power of two, so the table grows by 1.5× and
//!   stays between ~57% and 85% full: memory per key stays low at every size.
//! * Buckets are sorted by home position, and home positions are monotonic in
//!   the hash, so the array is (almost) sorted by hash whatever the capacity.
//!   A scan cursor is therefore a position in *hash space*, which survives
//!   growth and shrinking: a key present for a whole scan is returned at least
//!   once (Redis's SCAN guarantee), without Redis's reverse-binary trick.
//!
//! There is no wrap-around: the array has a small overflow area after the
//! last home position, and the final bucket is always left empty so every
//! probe ends inside the array. A bucket's distance from its home is stored in
//! the bucket itself (`dist`, 1-based; 0 means empty), so probes stop early
//! and a bucket's home is known without rehashing its key.

use std::mem;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::memory::alloc::alloc_size;

/// What the table needs from a bucket type.
pub(crate) trait Bucket {
    /// An empty bucket.
    fn empty() -> Self;
    /// Probe distance + 1; 0 when the bucket is empty.
    fn dist(&self) -> u8;
    /// Sets the probe distance + 1 of an occupied bucket.
    fn set_dist(&mut self, dist: u8);
    /// The key held by an occupied bucket.
    fn key(&self) -> &[u8];
    /// Whether an occupied bucket holds `key`, whose hash is `hash`. Buckets
    /// may keep a fingerprint of the hash to avoid touching a key on the heap.
    fn matches(&self, key: &[u8], hash: u64) -> bool;
    /// The table keeps a 32-bit access clock next to each bucket (the
    /// keyspace's LRU/LFU data, Redis's `robj.lru`), moved with it.
    const CLOCKED: bool = false;
}

/// Grow before the table is fuller than 85%.
const MAX_LOAD_NUM: usize = 17;
const MAX_LOAD_DEN: usize = 20;
/// Shrink when the table is less than 20% full.
const MIN_LOAD_DIV: usize = 5;
/// The smallest non-zero capacity.
const MIN_CAP: usize = 8;
/// Overflow buckets after the last home position, at most.
const MAX_OVERFLOW: usize = 64;

/// A Robin Hood hash table of buckets `B`, keyed by byte strings.
pub(crate) struct Table<B> {
    buckets: Vec<B>,
    /// One access clock per bucket position when `B::CLOCKED`, else empty.
    clocks: Vec<AtomicU32>,
    /// What the arrays take from the allocator (kept: read on every write).
    bytes: usize,
    /// Shrink only at or below this many entries: set when a shrink could
    /// not make the array dense (see [`Table::shrink_if_sparse`]).
    shrink_limit: usize,
    /// Number of home positions (0 for a table that never allocated).
    cap: usize,
    len: usize,
    hasher: ahash::RandomState,
}

impl<B: Bucket> Table<B> {
    /// An empty table that allocates nothing until the first insert.
    pub(crate) fn new(hasher: ahash::RandomState) -> Self {
        Table {
            buckets: Vec::new(),
            clocks: Vec::new(),
            bytes: 0,
            shrink_limit: usize::MAX,
            cap: 0,
            len: 0,
            hasher,
        }
    }

    /// The hash the table uses for `key`.
    #[inline]
    pub(crate) fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes held by the bucket array (and the access clocks), as the
    /// allocator hands them out.
    #[inline]
    pub(crate) fn allocated_bytes(&self) -> usize {
        self.bytes
    }

    /// Whether one more entry makes the table grow.
    pub(crate) fn full(&self) -> bool {
        (self.len + 1) * MAX_LOAD_DEN > self.cap * MAX_LOAD_NUM
    }

    /// Bytes the next growth would add.
    pub(crate) fn growth_bytes(&self) -> usize {
        let cap = grown(self.cap);
        let per = mem::size_of::<B>() + if B::CLOCKED { 4 } else { 0 };
        (cap + overflow_for(cap)).saturating_sub(self.buckets.len()) * per
    }

    /// Shrinks the array by one growth step when the entries fit it below
    /// the maximum load (memory pressure: evicted keys only give memory
    /// back once their buckets do). Returns whether it shrank.
    pub(crate) fn shrink_step(&mut self) -> bool {
        let smaller = (self.cap * 2 / 3).max(MIN_CAP);
        if smaller >= self.cap || (self.len + 1) * MAX_LOAD_DEN > smaller * MAX_LOAD_NUM {
            return false;
        }
        let before = self.buckets.len();
        self.resize(smaller);
        self.buckets.len() < before
    }

    /// The access clock of the bucket at `index` (0 for tables without).
    #[inline]
    pub(crate) fn clock(&self, index: usize) -> u32 {
        self.clocks
            .get(index)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Sets the access clock of the bucket at `index`. Takes `&self`: reads
    /// under a shared lock record their access.
    #[inline]
    pub(crate) fn set_clock(&self, index: usize, clock: u32) {
        if let Some(c) = self.clocks.get(index) {
            c.store(clock, Ordering::Relaxed);
        }
    }

    /// Starts loading the home bucket (and clock) of a key hashing to
    /// `hash`, which a lookup will read soon.
    pub(crate) fn prefetch_home(&self, hash: u64) {
        if self.len == 0 {
            return;
        }
        let i = self.home(hash);
        prefetch(self.buckets.as_ptr().wrapping_add(i));
        if B::CLOCKED {
            prefetch(self.clocks.as_ptr().wrapping_add(i));
        }
    }

    /// Starts loading the buckets (and clocks) [`Table::sample`] will read
    /// for `seed`, so that sampling later finds them in cache.
    pub(crate) fn prefetch_sample(&self, seed: u64) {
        let n = self.buckets.len();
        if n == 0 {
            return;
        }
        let i = usize::try_from(seed % (n as u64)).unwrap_or(0);
        let buckets = self.buckets.as_ptr();
        // Two buckets per cache line: five samples span about three lines.
        for step in [0, 2, 4] {
            prefetch(buckets.wrapping_add((i + step).min(n - 1)));
        }
        if B::CLOCKED {
            prefetch(self.clocks.as_ptr().wrapping_add(i));
        }
    }

    /// Up to `count` occupied bucket indexes, consecutive from a position
    /// picked by `seed` (Redis's `dictGetSomeKeys`): a cheap sample of
    /// random keys. Inspects at most `10 × count` positions.
    pub(crate) fn sample(&self, seed: u64, count: usize, out: &mut super::evict::Picked) {
        let n = self.buckets.len();
        if self.len == 0 || n == 0 {
            return;
        }
        let mut i = usize::try_from(seed % (n as u64)).unwrap_or(0);
        let wanted = count.min(self.len);
        let mut found = 0;
        for _ in 0..count.saturating_mul(10).max(n.min(64)) {
            if self.buckets[i].dist() != 0 {
                if !out.push(i) {
                    return;
                }
                found += 1;
                if found == wanted {
                    return;
                }
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    /// Number of bucket positions (home positions plus overflow area).
    pub(crate) fn positions(&self) -> usize {
        self.buckets.len()
    }

    #[inline]
    fn home(&self, hash: u64) -> usize {
        home_of(hash >> 32, self.cap)
    }

    /// The index of the bucket holding `key`.
    #[inline]
    pub(crate) fn find(&self, key: &[u8], hash: u64) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let mut i = self.home(hash);
        if B::CLOCKED {
            // The caller reads the found key's clock next: start that
            // (likely) cache miss now, alongside the bucket's.
            prefetch(self.clocks.as_ptr().wrapping_add(i));
        }
        let mut dist: u8 = 1;
        loop {
            let bucket = self.buckets.get(i)?;
            let d = bucket.dist();
            // Robin Hood invariant: once the resident is closer to its home
            // than we are to ours, our key cannot be further along.
            if d < dist {
                return None;
            }
            // Equal distance means equal home: only those can hold our key.
            if d == dist && bucket.matches(key, hash) {
                return Some(i);
            }
            i += 1;
            dist = dist.checked_add(1)?;
        }
    }

    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&B> {
        self.buckets.get(index).filter(|b| b.dist() != 0)
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, index: usize) -> Option<&mut B> {
        self.buckets.get_mut(index).filter(|b| b.dist() != 0)
    }

    /// Inserts a bucket whose key is not in the table.
    pub(crate) fn insert_new(&mut self, hash: u64, bucket: B) {
        self.insert_clocked(hash, bucket, 0);
    }

    /// Inserts a bucket whose key is not in the table, with its access
    /// clock (ignored by tables without clocks).
    pub(crate) fn insert_clocked(&mut self, hash: u64, bucket: B, clock: u32) {
        if self.full() {
            self.resize(grown(self.cap));
        }
        let mut pending = (bucket, clock);
        let mut hash = hash;
        loop {
            match self.place(hash, pending) {
                None => break,
                // The probe ran out of room: grow, then place the bucket that
                // was left in hand (ours or one it displaced).
                Some(displaced) => {
                    self.resize(grown(self.cap));
                    hash = self.hash(displaced.0.key());
                    pending = displaced;
                }
            }
        }
        self.len += 1;
    }

    /// Robin Hood placement. Returns the bucket (with its clock) left in
    /// hand when the probe reaches the reserved last position or the
    /// maximum distance.
    fn place(&mut self, hash: u64, (mut bucket, mut clock): (B, u32)) -> Option<(B, u32)> {
        let last = self.buckets.len().saturating_sub(1);
        let mut i = self.home(hash);
        let mut dist: u8 = 1;
        loop {
            if i >= last {
                return Some((bucket, clock));
            }
            let resident = &mut self.buckets[i];
            let d = resident.dist();
            if d == 0 {
                bucket.set_dist(dist);
                *resident = bucket;
                if B::CLOCKED {
                    self.clocks[i] = AtomicU32::new(clock);
                }
                return None;
            }
            if d < dist {
                bucket.set_dist(dist);
                mem::swap(resident, &mut bucket);
                if B::CLOCKED {
                    clock = self.clocks[i].swap(clock, Ordering::Relaxed);
                }
                dist = d;
            }
            i += 1;
            match dist.checked_add(1) {
                Some(next) => dist = next,
                None => return Some((bucket, clock)),
            }
        }
    }

    /// Removes and returns the bucket at `index` (backward-shift deletion).
    /// Indexes of other buckets may change.
    pub(crate) fn remove_at(&mut self, index: usize) -> Option<B> {
        self.get(index)?;
        let removed = mem::replace(&mut self.buckets[index], B::empty());
        let mut hole = index;
        while let Some(next) = self.buckets.get(hole + 1) {
            let d = next.dist();
            if d <= 1 {
                break;
            }
            self.buckets.swap(hole, hole + 1);
            if B::CLOCKED {
                self.clocks.swap(hole, hole + 1);
            }
            self.buckets[hole].set_dist(d - 1);
            hole += 1;
        }
        self.len -= 1;
        Some(removed)
    }

    /// Shrinks the array when it is mostly empty. Call after removals, when
    /// no index is held.
    pub(crate) fn shrink_if_sparse(&mut self) {
        if self.len == 0 {
            *self = Table::new(self.hasher.clone());
        } else if self.cap > MIN_CAP
            && self.len * MIN_LOAD_DIV < self.cap
            && self.len <= self.shrink_limit
        {
            self.resize((self.len * 2).max(MIN_CAP));
            if self.len * MIN_LOAD_DIV < self.cap {
                // The entries crowd one end of the hash space (deleting in
                // SCAN order leaves them so), so the smaller array
                // overflowed and grew back: trying again on every removal
                // would rebuild the table each time. Wait until half of
                // them are gone.
                self.shrink_limit = self.len / 2;
            }
        }
    }

    /// Makes room for `additional` more entries without resizing on the
    /// way (loading a snapshot of known size).
    pub(crate) fn reserve(&mut self, additional: usize) {
        let wanted = self.len.saturating_add(additional);
        if wanted.saturating_mul(MAX_LOAD_DEN) > self.cap.saturating_mul(MAX_LOAD_NUM) {
            self.resize(wanted.saturating_mul(MAX_LOAD_DEN).div_ceil(MAX_LOAD_NUM));
        }
    }

    /// Removes everything and frees the array.
    pub(crate) fn clear(&mut self) {
        *self = Table::new(self.hasher.clone());
    }

    /// Rebuilds the table with `new_cap` home positions.
    fn resize(&mut self, new_cap: usize) {
        let old_cap = self.cap;
        let mut cap = new_cap.max(MIN_CAP);
        let old_buckets = mem::take(&mut self.buckets);
        let old_clocks = mem::take(&mut self.clocks);
        let mut entries: Vec<(B, u32)> = Vec::with_capacity(self.len);
        let clocks = old_clocks.into_iter().map(AtomicU32::into_inner);
        if B::CLOCKED {
            entries.extend(
                old_buckets
                    .into_iter()
                    .zip(clocks)
                    .filter(|(b, _)| b.dist() != 0),
            );
        } else {
            entries.extend(
                old_buckets
                    .into_iter()
                    .filter(|b| b.dist() != 0)
                    .map(|b| (b, 0)),
            );
        }
        'retry: loop {
            let total = cap + overflow_for(cap);
            let mut fresh: Vec<B> = Vec::with_capacity(total);
            advise_huge_pages(&fresh);
            fresh.resize_with(total, B::empty);
            self.buckets = fresh;
            self.clocks = if B::CLOCKED {
                let mut clocks: Vec<AtomicU32> = Vec::with_capacity(total);
                advise_huge_pages(&clocks);
                clocks.resize_with(total, || AtomicU32::new(0));
                clocks
            } else {
                Vec::new()
            };
            self.cap = cap;
            let mut pending = entries.into_iter();
            while let Some(entry) = pending.next() {
                let hash = self.hash(entry.0.key());
                if let Some(left) = self.place(hash, entry) {
                    // Could not fit (extremely unlikely): start over bigger,
                    // collecting everything placed so far plus the rest.
                    let placed = mem::take(&mut self.buckets);
                    let placed_clocks = mem::take(&mut self.clocks);
                    let mut rest: Vec<(B, u32)> = Vec::with_capacity(self.len);
                    if B::CLOCKED {
                        rest.extend(
                            placed
                                .into_iter()
                                .zip(placed_clocks.into_iter().map(AtomicU32::into_inner))
                                .filter(|(b, _)| b.dist() != 0),
                        );
                    } else {
                        rest.extend(placed.into_iter().filter(|b| b.dist() != 0).map(|b| (b, 0)));
                    }
                    rest.push(left);
                    rest.extend(pending);
                    entries = rest;
                    cap = grown(cap);
                    continue 'retry;
                }
            }
            let buckets = self.buckets.capacity() * mem::size_of::<B>();
            let clocks = self.clocks.capacity() * mem::size_of::<AtomicU32>();
            self.bytes = alloc_size(buckets) + alloc_size(clocks);
            if cap > old_cap {
                self.shrink_limit = usize::MAX;
            }
            return;
        }
    }

    /// Visits buckets in hash order from cursor position `pos` (a point of the
    /// 32-bit hash space) and returns the position to continue from, or `None`
    /// when the end of the table was reached.
    ///
    /// Every bucket whose hash (top 32 bits) is `>= pos` and that stays in the
    /// table until the scan passes it is visited, whatever resizes happen
    /// between calls; some buckets with a hash just below `pos` may be visited
    /// again. The call stops at the first cluster boundary after visiting
    /// `count` buckets or inspecting `10 × count` positions.
    pub(crate) fn scan(&self, pos: u32, count: usize, mut visit: impl FnMut(&B)) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let count = count.max(1);
        let start = home_of(u64::from(pos), self.cap);
        let mut visited = 0usize;
        let mut inspected = 0usize;
        let mut i = start;
        while let Some(bucket) = self.buckets.get(i) {
            let d = usize::from(bucket.dist());
            // Buckets homed before `start` were covered by earlier calls.
            if d != 0 && i + 1 - d >= start {
                visit(bucket);
                visited += 1;
            }
            inspected += 1;
            // After position i, nothing homed at or before i remains further on.
            let boundary = self.buckets.get(i + 1).is_none_or(|next| next.dist() <= 1);
            if boundary && (visited >= count || inspected >= count.saturating_mul(10)) {
                return (i + 1 < self.cap).then(|| first_pos_of_home(i + 1, self.cap));
            }
            i += 1;
        }
        None
    }

    /// Iterates over all occupied buckets.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &B> {
        self.buckets.iter().filter(|b| b.dist() != 0)
    }

    /// An occupied bucket near position `seed % positions`, scanning forward
    /// (and wrapping) from there. `None` when the table is empty.
    pub(crate) fn bucket_near(&self, seed: u64) -> Option<usize> {
        if self.len == 0 || self.buckets.is_empty() {
            return None;
        }
        let n = self.buckets.len();
        let start = usize::try_from(seed % (n as u64)).unwrap_or(0);
        (start..n)
            .chain(0..start)
            .find(|&i| self.buckets[i].dist() != 0)
    }
}

/// Big bucket arrays are read at random positions, so every lookup would also
/// miss the TLB with 4 KiB pages. Asking for transparent huge pages (Linux)
/// before the array is first touched removes most of those misses.
fn advise_huge_pages<B>(buckets: &Vec<B>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 * 1024 * 1024;
        let bytes = buckets.capacity() * mem::size_of::<B>();
        if bytes < 2 * HUGE {
            return;
        }
        let start = buckets.as_ptr() as usize;
        let aligned = start.next_multiple_of(HUGE);
        let len = (start + bytes).saturating_sub(aligned) / HUGE * HUGE;
        if len == 0 {
            return;
        }
        // SAFETY: the range lies inside the vector's own allocation, and
        // MADV_HUGEPAGE only changes how the kernel backs those pages; it
        // never changes their contents or validity. Failure is harmless.
        unsafe {
            libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
    }
}

/// Asks the CPU to start loading the cache line at `ptr` (a hint: never
/// faults, whatever the address).
#[inline(always)]
fn prefetch<T>(ptr: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint available on every x86_64 CPU (SSE);
    // it never faults, even for an address outside any allocation.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(ptr.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
}

/// The home position of a 32-bit hash prefix in a table of `cap` homes.
#[inline]
fn home_of(prefix: u64, cap: usize) -> usize {
    // prefix < 2^32 and cap < 2^32 in practice; the product fits in u64.
    ((prefix * cap as u64) >> 32) as usize
}

/// The smallest 32-bit hash prefix whose home is `home` (ceil(home·2³²/cap)).
fn first_pos_of_home(home: usize, cap: usize) -> u32 {
    let cap = cap as u128;
    let p = ((home as u128) << 32).div_ceil(cap);
    u32::try_from(p).unwrap_or(u32::MAX)
}

fn grown(cap: usize) -> usize {
    (cap + cap / 2).max(MIN_CAP)
}

fn overflow_for(cap: usize) -> usize {
    // At least 2 so that the reserved last position never is the only spare one.
    (cap / 4).clamp(2, MAX_OVERFLOW)
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
