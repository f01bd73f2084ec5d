//! The big list encoding: packed chunks in a deque (Redis's `quicklist.c`).
//!
//! A [`QuickList`] is a `VecDeque` of [`Listpack`] chunks. Each chunk is
//! bounded as Redis bounds a quicklist node by `list-max-listpack-size`
//! ([`Fill`]): a negative fill caps a chunk's bytes (-1 = 4 KB … -5 =
//! 64 KB), a positive one its entry count (with an 8 KB safety cap on bytes).
//! An element bigger than the byte cap gets a chunk of its own.
//!
//! Pushes and pops at either end touch one end chunk; a position is found by
//! skipping whole chunks by their counts from the nearer end, then walking
//! inside one chunk from its nearer end. Chunks that empty are dropped;
//! neighbours small enough to share one chunk are merged after removals in
//! the middle. The element count and the heap bytes of all chunks are kept
//! current, so [`QuickList::heap_bytes`] is O(1).

use std::collections::{VecDeque, vec_deque};

use crate::encoding::listpack::{self, Elem, Listpack};

/// Redis's `optimization_level`: the byte cap of a chunk for fill -1..=-5.
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

/// Byte cap of a count-bounded chunk (Redis's `SIZE_SAFETY_LIMIT`).
const SIZE_SAFETY_LIMIT: usize = 8192;

/// Redis's `SIZE_ESTIMATE_OVERHEAD`: bytes added to an element's length
/// when estimating whether it fits a chunk.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;

/// Above this many bytes an element of a count-bounded list is "large"
/// (Redis's `packed_threshold`, 1 GB).
const PACKED_THRESHOLD: usize = 1 << 30;

/// Redis's `FILL_MAX`: the largest entry count a chunk may be asked to hold.
const FILL_MAX: i64 = (1 << 15) - 1;

/// Size of Redis's listpack header (6 bytes) plus end byte, minus our
/// 4-byte header: added to [`Listpack::encoded_len`] so sizes compare with
/// Redis's `lpBytes` and encodings switch at the same points.
const REDIS_LP_EXTRA: usize = 3;

/// Bytes a chunk's allocation has beyond Redis's `lpBytes` for the same
/// entries: the `ThinVec` header (16) less [`REDIS_LP_EXTRA`].
const ALLOC_EXTRA: usize = 16 - REDIS_LP_EXTRA;

/// The bytes Redis would count for this listpack (`lpBytes`).
pub(crate) fn lp_bytes(lp: &Listpack) -> usize {
    lp.encoded_len().max(4) + REDIS_LP_EXTRA
}

/// A chunk bound: Redis's `list-max-listpack-size` ("fill").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fill(i64);

impl Fill {
    /// The bound for a `list-max-listpack-size` value (clamped as Redis's
    /// `quicklistSetFill` clamps it).
    pub(crate) fn new(fill: i64) -> Fill {
        Fill(fill.clamp(-(OPTIMIZATION_LEVEL.len() as i64), FILL_MAX))
    }

    /// Redis's `quicklistNodeLimit`: (byte cap, count cap); `usize::MAX`
    /// for "none".
    fn limits(self) -> (usize, usize) {
        if self.0 >= 0 {
            (usize::MAX, usize::try_from(self.0.max(1)).unwrap_or(1))
        } else {
            let offset = usize::try_from(-self.0 - 1).unwrap_or(0);
            let level = OPTIMIZATION_LEVEL[offset.min(OPTIMIZATION_LEVEL.len() - 1)];
            (level, usize::MAX)
        }
    }

    /// Redis's `quicklistNodeExceedsLimit`: whether a chunk of `bytes`
    /// bytes (as `lpBytes` counts) and `count` entries is over the bound.
    pub(crate) fn exceeds(self, bytes: usize, count: usize) -> bool {
        let (size_cap, count_cap) = self.limits();
        if size_cap != usize::MAX {
            bytes > size_cap
        } else {
            bytes > SIZE_SAFETY_LIMIT || count > count_cap
        }
    }

    /// Whether a single chunk is small enough for the list to go back to
    /// the packed encoding (Redis 7.2's `listTypeTryConvertQuicklist` with
    /// `shrinking`: half of each cap).
    pub(crate) fn fits_half(self, bytes: usize, count: usize) -> bool {
        let (size_cap, count_cap) = self.limits();
        bytes <= size_cap / 2 && count <= count_cap / 2
    }

    /// Redis's `isLargeElement`: an element that always gets its own chunk.
    fn is_large(self, len: usize) -> bool {
        let (size_cap, _) = self.limits();
        if size_cap == usize::MAX {
            len > PACKED_THRESHOLD
        } else {
            len > size_cap
        }
    }

    /// Redis's `_quicklistNodeAllowInsert`: whether `chunk` may take one
    /// more element of `len` bytes.
    ///
    /// The byte bound applies to the chunk's allocation rather than to
    /// `lpBytes`: a chunk filled to 8192 bytes of `lpBytes` would take 8205
    /// bytes here and land in jemalloc's 10240-byte class, where Redis's
    /// listpack fits the 8192-byte one. Stopping 13 bytes earlier keeps each
    /// full chunk in the class Redis's takes.
    fn allows_insert(self, chunk: &Listpack, len: usize) -> bool {
        !self.is_large(len)
            && !self.exceeds(
                lp_bytes(chunk) + len + SIZE_ESTIMATE_OVERHEAD + ALLOC_EXTRA,
                chunk.len() + 1,
            )
    }

    /// Redis's `_quicklistNodeAllowMerge` (with the allocation-based byte
    /// bound of [`Fill::allows_insert`]).
    fn allows_merge(self, a: &Listpack, b: &Listpack) -> bool {
        // Both chunks' headers and end bytes become one.
        let bytes = lp_bytes(a) + lp_bytes(b) - 7;
        !self.exceeds(bytes + ALLOC_EXTRA, a.len() + b.len())
    }
}

/// Iterator over the elements of a run of chunks.
pub(crate) type ChunksIter<'a> = std::iter::FlatMap<
    vec_deque::Iter<'a, Listpack>,
    listpack::Iter<'a>,
    fn(&'a Listpack) -> listpack::Iter<'a>,
>;

fn chunk_iter(lp: &Listpack) -> listpack::Iter<'_> {
    lp.iter()
}

/// Removes from `lp` up to `budget` entries equal to `elem`, the first ones
/// (or the last ones with `from_tail`); returns how many were removed.
/// Rebuilds the listpack once instead of moving its tail per removal.
pub(crate) fn lp_remove_matching(
    lp: &mut Listpack,
    elem: &[u8],
    budget: usize,
    from_tail: bool,
) -> usize {
    if budget == 0 {
        return 0;
    }
    let matches: Vec<usize> = {
        let hits = lp
            .iter()
            .enumerate()
            .filter(|(_, e)| e.eq_bytes(elem))
            .map(|(i, _)| i);
        if from_tail {
            let all: Vec<usize> = hits.collect();
            let skip = all.len().saturating_sub(budget);
            all[skip..].to_vec()
        } else {
            hits.take(budget).collect()
        }
    };
    if matches.is_empty() {
        return 0;
    }
    if matches.len() == lp.len() {
        *lp = Listpack::new();
        return matches.len();
    }
    let mut kept = Listpack::new();
    let mut next = matches.iter().peekable();
    for (i, e) in lp.iter().enumerate() {
        if next.peek() == Some(&&i) {
            next.next();
            continue;
        }
        e.with_bytes(|b| kept.push_back(b));
    }
    kept.shrink_to_fit();
    *lp = kept;
    matches.len()
}

/// A list as a deque of listpack chunks.
#[derive(Debug, Clone)]
pub(crate) struct QuickList {
    chunks: VecDeque<Listpack>,
    len: usize,
    /// Heap bytes of all chunks, kept current so `heap_bytes` is O(1).
    chunk_bytes: usize,
    fill: Fill,
}

impl QuickList {
    /// An empty list whose chunks are bounded by `fill`.
    pub(crate) fn new(fill: Fill) -> QuickList {
        QuickList {
            chunks: VecDeque::new(),
            len: 0,
            chunk_bytes: 0,
            fill,
        }
    }

    /// A list holding `lp` as its only chunk.
    pub(crate) fn from_listpack(lp: Listpack, fill: Fill) -> QuickList {
        let mut ql = QuickList::new(fill);
        if !lp.is_empty() {
            ql.insert_chunk(0, lp);
        }
        ql
    }

    /// Number of elements.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Number of chunks.
    #[cfg(test)]
    pub(crate) fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Heap bytes held, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        crate::memory::alloc::vec_bytes::<Listpack>(self.chunks.capacity()) + self.chunk_bytes
    }

    /// Whether the list is one chunk at most half the bound, so it may go
    /// back to the packed encoding.
    pub(crate) fn fits_one_listpack(&self) -> bool {
        match self.chunks.front() {
            Some(lp) if self.chunks.len() == 1 => self.fill.fits_half(lp_bytes(lp), lp.len()),
            _ => false,
        }
    }

    /// The only chunk (call after [`QuickList::fits_one_listpack`]).
    pub(crate) fn into_listpack(mut self) -> Listpack {
        let mut lp = self.chunks.pop_front().unwrap_or_default();
        lp.shrink_to_fit();
        lp
    }

    fn insert_chunk(&mut self, at: usize, lp: Listpack) {
        self.len += lp.len();
        self.chunk_bytes += lp.heap_bytes();
        self.chunks.insert(at, lp);
    }

    fn remove_chunk(&mut self, at: usize) {
        if let Some(lp) = self.chunks.remove(at) {
            self.len -= lp.len();
            self.chunk_bytes -= lp.heap_bytes();
        }
        if self.chunks.capacity() > 16 && self.chunks.len() * 4 < self.chunks.capacity() {
            self.chunks.shrink_to(self.chunks.len() * 2);
        }
    }

    /// Runs `f` on chunk `at`, keeping the counters current.
    fn modify<R>(&mut self, at: usize, f: impl FnOnce(&mut Listpack) -> R) -> Option<R> {
        let lp = self.chunks.get_mut(at)?;
        let (bytes, count) = (lp.heap_bytes(), lp.len());
        let result = f(lp);
        self.chunk_bytes = self.chunk_bytes - bytes + lp.heap_bytes();
        self.len = self.len - count + lp.len();
        Some(result)
    }

    /// Drops chunk `at` if it is empty; returns whether it did.
    fn drop_if_empty(&mut self, at: usize) -> bool {
        let empty = self.chunks.get(at).is_some_and(Listpack::is_empty);
        if empty {
            self.remove_chunk(at);
        }
        empty
    }

    /// Merges chunk `at` with the next one if together they fit the bound.
    fn try_merge(&mut self, at: usize) {
        let (Some(a), Some(b)) = (self.chunks.get(at), self.chunks.get(at + 1)) else {
            return;
        };
        if !self.fill.allows_merge(a, b) {
            return;
        }
        let Some(b) = self.chunks.remove(at + 1) else {
            return;
        };
        self.len -= b.len();
        self.chunk_bytes -= b.heap_bytes();
        self.modify(at, |a| {
            for e in b.iter() {
                e.with_bytes(|bytes| a.push_back(bytes));
            }
            a.shrink_to_fit();
        });
    }

    /// Appends an element at the tail.
    pub(crate) fn push_back(&mut self, bytes: &[u8]) {
        let last = self.chunks.len().checked_sub(1);
        match last {
            Some(i) if self.fill.allows_insert(&self.chunks[i], bytes.len()) => {
                self.modify(i, |lp| lp.push_back(bytes));
            }
            _ => {
                if let Some(i) = last {
                    // The tail chunk is full: it will not grow again.
                    self.modify(i, Listpack::shrink_to_fit);
                }
                self.insert_chunk(self.chunks.len(), Listpack::from_items([bytes]));
            }
        }
    }

    /// Prepends an element at the head.
    pub(crate) fn push_front(&mut self, bytes: &[u8]) {
        match self.chunks.front() {
            Some(lp) if self.fill.allows_insert(lp, bytes.len()) => {
                self.modify(0, |lp| lp.push_front(bytes));
            }
            head => {
                if head.is_some() {
                    self.modify(0, Listpack::shrink_to_fit);
                }
                self.insert_chunk(0, Listpack::from_items([bytes]));
            }
        }
    }

    /// Removes and returns the head element.
    pub(crate) fn pop_front(&mut self) -> Option<Vec<u8>> {
        let value = self.modify(0, Listpack::pop_front)??;
        self.drop_if_empty(0);
        Some(value)
    }

    /// Removes and returns the tail element.
    pub(crate) fn pop_back(&mut self) -> Option<Vec<u8>> {
        let last = self.chunks.len().checked_sub(1)?;
        let value = self.modify(last, Listpack::pop_back)??;
        self.drop_if_empty(last);
        Some(value)
    }

    /// Removes up to `n` elements from the head (or the tail with
    /// `!front`), dropping whole chunks where it can; the removed elements
    /// are appended to `out` in pop order when given.
    pub(crate) fn remove_end(
        &mut self,
        front: bool,
        n: usize,
        mut out: Option<&mut Vec<Vec<u8>>>,
    ) -> usize {
        let mut left = n;
        while left > 0 {
            let at = if front {
                0
            } else {
                match self.chunks.len().checked_sub(1) {
                    Some(i) => i,
                    None => break,
                }
            };
            let Some(lp) = self.chunks.get(at) else {
                break;
            };
            let take = left.min(lp.len());
            if let Some(out) = out.as_deref_mut() {
                if front {
                    out.extend(lp.iter().take(take).map(Elem::to_vec));
                } else {
                    out.extend(lp.iter().rev().take(take).map(Elem::to_vec));
                }
            }
            if take == lp.len() {
                self.remove_chunk(at);
            } else {
                self.modify(at, |lp| {
                    let start = if front {
                        lp.first()
                    } else {
                        // take < len, so the index is in range.
                        lp.seek(-(take as i64))
                    };
                    if let Some(start) = start {
                        lp.remove_at(start, take);
                    }
                });
            }
            left -= take;
        }
        n - left
    }

    /// The chunk holding element `index` and the element's index inside
    /// it, skipping whole chunks from the nearer end.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        if index < self.len / 2 {
            let mut skipped = 0;
            for (i, lp) in self.chunks.iter().enumerate() {
                if index < skipped + lp.len() {
                    return Some((i, index - skipped));
                }
                skipped += lp.len();
            }
        } else {
            let mut end = self.len;
            for (i, lp) in self.chunks.iter().enumerate().rev() {
                let start = end - lp.len();
                if index >= start {
                    return Some((i, index - start));
                }
                end = start;
            }
        }
        None
    }

    /// The element at `index` (from the head).
    pub(crate) fn get(&self, index: usize) -> Option<Elem<'_>> {
        let (chunk, local) = self.locate(index)?;
        let lp = self.chunks.get(chunk)?;
        lp.seek(local as i64).map(|at| lp.get(at))
    }

    /// Iterates over every element, head to tail (double-ended).
    pub(crate) fn iter(&self) -> ChunksIter<'_> {
        self.chunks
            .iter()
            .flat_map(chunk_iter as fn(&Listpack) -> listpack::Iter<'_>)
    }

    /// Iterates from element `index` to the tail.
    pub(crate) fn iter_from(
        &self,
        index: usize,
    ) -> std::iter::Chain<listpack::Iter<'_>, ChunksIter<'_>> {
        let (chunk, local) = self.locate(index).unwrap_or((self.chunks.len(), 0));
        let first = match self.chunks.get(chunk) {
            Some(lp) => lp.iter_from(lp.seek(local as i64).unwrap_or(lp.end())),
            None => EMPTY.iter(),
        };
        let rest = self
            .chunks
            .range((chunk + 1).min(self.chunks.len())..)
            .flat_map(chunk_iter as fn(&Listpack) -> listpack::Iter<'_>);
        first.chain(rest)
    }

    /// Replaces the element at `index`; returns whether it was in range.
    pub(crate) fn replace(&mut self, index: usize, bytes: &[u8]) -> bool {
        let Some((chunk, local)) = self.locate(index) else {
            return false;
        };
        self.modify(chunk, |lp| {
            if let Some(at) = lp.seek(local as i64) {
                lp.replace_at(at, bytes);
            }
        });
        let over = self
            .chunks
            .get(chunk)
            .is_some_and(|lp| lp.len() > 1 && self.fill.exceeds(lp_bytes(lp), lp.len()));
        if over {
            // The new element no longer fits: give it a chunk of its own,
            // as Redis's quicklistReplaceEntry does.
            self.split(chunk, local + 1);
            self.split(chunk, local);
            let own = if local == 0 { chunk } else { chunk + 1 };
            if own + 1 < self.chunks.len() {
                self.try_merge(own + 1);
            }
            if own > 0 {
                self.try_merge(own - 1);
            }
        }
        true
    }

    /// Splits chunk `at` so that its elements from `local` on form a new
    /// chunk right after it (nothing happens at either edge).
    fn split(&mut self, at: usize, local: usize) {
        let Some(lp) = self.chunks.get(at) else {
            return;
        };
        if local == 0 || local >= lp.len() {
            return;
        }
        let mut right = Listpack::new();
        if let Some(start) = lp.seek(local as i64) {
            for e in lp.iter_from(start) {
                e.with_bytes(|b| right.push_back(b));
            }
        }
        right.shrink_to_fit();
        self.modify(at, |lp| {
            if let Some(start) = lp.seek(local as i64) {
                lp.remove_at(start, usize::MAX);
            }
            lp.shrink_to_fit();
        });
        self.insert_chunk(at + 1, right);
    }

    /// Inserts `bytes` so that it becomes element `index` (`index == len`
    /// appends).
    pub(crate) fn insert(&mut self, index: usize, bytes: &[u8]) {
        if index == 0 {
            return self.push_front(bytes);
        }
        if index >= self.len {
            return self.push_back(bytes);
        }
        let Some((chunk, local)) = self.locate(index) else {
            return;
        };
        let fill = self.fill;
        if self
            .chunks
            .get(chunk)
            .is_some_and(|lp| fill.allows_insert(lp, bytes.len()))
        {
            self.modify(chunk, |lp| {
                let at = lp.seek(local as i64).unwrap_or(lp.end());
                lp.insert_at(at, bytes);
            });
            return;
        }
        if local == 0
            && chunk > 0
            && self
                .chunks
                .get(chunk - 1)
                .is_some_and(|lp| fill.allows_insert(lp, bytes.len()))
        {
            self.modify(chunk - 1, |lp| lp.push_back(bytes));
            return;
        }
        // Split the full chunk and put the element in a chunk between.
        self.split(chunk, local);
        let new_at = if local == 0 { chunk } else { chunk + 1 };
        self.insert_chunk(new_at, Listpack::from_items([bytes]));
        self.try_merge(new_at);
        if new_at > 0 {
            self.try_merge(new_at - 1);
        }
    }

    /// Removes up to `budget` elements equal to `elem`, from the head (or
    /// the tail with `from_tail`); returns how many were removed.
    pub(crate) fn remove_matching(&mut self, elem: &[u8], budget: usize, from_tail: bool) -> usize {
        let mut removed = 0;
        let mut touched = false;
        let n = self.chunks.len();
        for k in 0..n {
            if removed >= budget {
                break;
            }
            let at = if from_tail { n - 1 - k } else { k };
            let got = self
                .modify(at, |lp| {
                    lp_remove_matching(lp, elem, budget - removed, from_tail)
                })
                .unwrap_or(0);
            removed += got;
            touched |= got > 0;
        }
        if touched {
            // Drop emptied chunks, then merge neighbours that now fit one.
            let mut i = 0;
            while i < self.chunks.len() {
                if !self.drop_if_empty(i) {
                    i += 1;
                }
            }
            let mut i = 0;
            while i + 1 < self.chunks.len() {
                let before = self.chunks.len();
                self.try_merge(i);
                if self.chunks.len() == before {
                    i += 1;
                }
            }
        }
        removed
    }
}

/// A shared empty listpack, for the empty iterator of an empty list.
static EMPTY: std::sync::LazyLock<Listpack> = std::sync::LazyLock::new(Listpack::new);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn items(ql: &QuickList) -> Vec<Vec<u8>> {
        ql.iter().map(Elem::to_vec).collect()
    }

    fn check(ql: &QuickList, model: &VecDeque<Vec<u8>>) {
        assert_eq!(ql.len(), model.len());
        let expected: Vec<Vec<u8>> = model.iter().cloned().collect();
        assert_eq!(items(ql), expected);
        let back: Vec<Vec<u8>> = ql.iter().rev().map(Elem::to_vec).collect();
        let mut rev = expected.clone();
        rev.reverse();
        assert_eq!(back, rev);
        assert!(ql.chunks.iter().all(|c| !c.is_empty()), "no empty chunk");
        let bytes: usize = ql.chunks.iter().map(Listpack::heap_bytes).sum();
        assert_eq!(ql.chunk_bytes, bytes);
        let count: usize = ql.chunks.iter().map(Listpack::len).sum();
        assert_eq!(ql.len, count);
        for c in &ql.chunks {
            assert!(
                c.len() == 1 || !ql.fill.exceeds(lp_bytes(c), c.len()),
                "chunk over its bound: {} entries, {} bytes",
                c.len(),
                lp_bytes(c)
            );
        }
    }

    #[test]
    fn fill_limits_match_redis() {
        assert!(!Fill::new(-2).exceeds(8192, 100_000));
        assert!(Fill::new(-2).exceeds(8193, 1));
        assert!(Fill::new(-1).exceeds(4097, 1));
        assert!(!Fill::new(-9).exceeds(65536, 1));
        assert!(Fill::new(128).exceeds(100, 129));
        assert!(Fill::new(128).exceeds(8193, 2));
        assert!(!Fill::new(0).exceeds(10, 1));
        assert!(Fill::new(0).exceeds(10, 2));
        assert!(Fill::new(-2).fits_half(4096, 1_000_000));
        assert!(!Fill::new(-2).fits_half(4097, 1));
        assert!(Fill::new(128).fits_half(100_000, 64));
        assert!(!Fill::new(128).fits_half(10, 65));
    }

    #[test]
    fn chunks_fill_to_the_byte_bound_and_carry_no_slack() {
        let mut ql = QuickList::new(Fill::new(-2));
        let elem = [b'x'; 16];
        for _ in 0..10_000 {
            ql.push_back(&elem);
        }
        assert_eq!(ql.len(), 10_000);
        let full = &ql.chunks[0];
        assert!(lp_bytes(full) + 16 + 8 + ALLOC_EXTRA > 8192);
        // Full chunks were shrunk when the next one started, and fit the
        // allocator's 8 KiB class as Redis's do.
        for c in ql.chunks.iter().take(ql.chunks.len() - 1) {
            assert_eq!(c.encoded_len() + 16, lp_bytes(c) + ALLOC_EXTRA);
            assert_eq!(
                c.heap_bytes(),
                crate::memory::alloc::alloc_size(c.encoded_len() + 16)
            );
            assert_eq!(c.heap_bytes(), 8192);
        }
        let per_elem = ql.heap_bytes() as f64 / 10_000.0;
        assert!(per_elem < 18.5, "{per_elem} bytes per element");
    }

    #[test]
    fn large_elements_get_their_own_chunk() {
        let mut ql = QuickList::new(Fill::new(-1));
        ql.push_back(b"a");
        ql.push_back(&[b'y'; 5000]);
        ql.push_back(b"b");
        assert_eq!(ql.chunk_count(), 3);
        ql.insert(1, b"c");
        ql.insert(2, b"d");
        assert_eq!(
            items(&ql)[..3],
            [b"a".to_vec(), b"c".to_vec(), b"d".to_vec()]
        );
        assert_eq!(ql.get(3).map(|e| e.byte_len()), Some(5000));
    }

    #[derive(Debug, Clone)]
    enum Op {
        PushFront(Vec<u8>),
        PushBack(Vec<u8>),
        PopFront,
        PopBack,
        RemoveEnd(bool, usize),
        Insert(usize, Vec<u8>),
        Replace(usize, Vec<u8>),
        RemoveMatching(Vec<u8>, usize, bool),
        Get(usize),
        IterFrom(usize),
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0i64..4).prop_map(|n| n.to_string().into_bytes()),
            any::<i64>().prop_map(|n| n.to_string().into_bytes()),
            proptest::collection::vec(b'a'..b'c', 0..3),
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::collection::vec(any::<u8>(), 200..300),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => value().prop_map(Op::PushFront),
            3 => value().prop_map(Op::PushBack),
            1 => Just(Op::PopFront),
            1 => Just(Op::PopBack),
            1 => (any::<bool>(), 0usize..6).prop_map(|(f, n)| Op::RemoveEnd(f, n)),
            2 => (any::<usize>(), value()).prop_map(|(i, v)| Op::Insert(i, v)),
            1 => (any::<usize>(), value()).prop_map(|(i, v)| Op::Replace(i, v)),
            1 => (value(), 0usize..4, any::<bool>()).prop_map(|(v, n, t)| Op::RemoveMatching(v, n, t)),
            1 => any::<usize>().prop_map(Op::Get),
            1 => any::<usize>().prop_map(Op::IterFrom),
        ]
    }

    fn fill() -> impl Strategy<Value = Fill> {
        prop_oneof![
            (1i64..5).prop_map(Fill::new),
            Just(Fill::new(-1)),
            Just(Fill::new(0)),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_deque(fill in fill(), ops in proptest::collection::vec(op(), 0..120)) {
            let mut ql = QuickList::new(fill);
            let mut model: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                match op {
                    Op::PushFront(v) => { ql.push_front(&v); model.push_front(v); }
                    Op::PushBack(v) => { ql.push_back(&v); model.push_back(v); }
                    Op::PopFront => prop_assert_eq!(ql.pop_front(), model.pop_front()),
                    Op::PopBack => prop_assert_eq!(ql.pop_back(), model.pop_back()),
                    Op::RemoveEnd(front, n) => {
                        let mut out = Vec::new();
                        let got = ql.remove_end(front, n, Some(&mut out));
                        let mut expect = Vec::new();
                        for _ in 0..n {
                            let v = if front { model.pop_front() } else { model.pop_back() };
                            match v { Some(v) => expect.push(v), None => break }
                        }
                        prop_assert_eq!(got, expect.len());
                        prop_assert_eq!(out, expect);
                    }
                    Op::Insert(i, v) => {
                        let i = i % (model.len() + 1);
                        ql.insert(i, &v);
                        model.insert(i, v);
                    }
                    Op::Replace(i, v) => {
                        let i = i % (model.len() + 1);
                        let ok = ql.replace(i, &v);
                        prop_assert_eq!(ok, i < model.len());
                        if ok { model[i] = v; }
                    }
                    Op::RemoveMatching(v, n, tail) => {
                        let budget = if n == 0 { usize::MAX } else { n };
                        let got = ql.remove_matching(&v, budget, tail);
                        let mut removed = 0;
                        if tail {
                            let mut i = model.len();
                            while i > 0 && removed < budget {
                                i -= 1;
                                if model[i] == v { model.remove(i); removed += 1; }
                            }
                        } else {
                            let mut i = 0;
                            while i < model.len() && removed < budget {
                                if model[i] == v { model.remove(i); removed += 1; } else { i += 1; }
                            }
                        }
                        prop_assert_eq!(got, removed);
                    }
                    Op::Get(i) => {
                        let i = i % (model.len() + 1);
                        prop_assert_eq!(ql.get(i).map(Elem::to_vec), model.get(i).cloned());
                    }
                    Op::IterFrom(i) => {
                        let i = i % (model.len() + 1);
                        let got: Vec<Vec<u8>> = ql.iter_from(i).map(Elem::to_vec).collect();
                        let expect: Vec<Vec<u8>> = model.iter().skip(i).cloned().collect();
                        prop_assert_eq!(got, expect);
                    }
                }
                check(&ql, &model);
            }
        }
    }
}
