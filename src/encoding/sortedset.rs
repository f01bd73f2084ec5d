//! The big sorted-set encoding: a member → score table plus an
//! order-statistic structure (Redis's `zset` of a dict and a skiplist).
//!
//! The table is the crate's Robin Hood [`Table`] with a 32-byte bucket
//! holding the member (inline up to 21 bytes) and its score: `ZSCORE` and
//! membership are one probe. The order lives in a [`ZOrder`], a counted
//! B+tree of `(score, member)`, which answers ranks and ranges in
//! O(log n). A member is thus stored twice, which for short members costs
//! less than the pointers a shared copy would need.

use std::mem;

use crate::encoding::zorder::{Entry, ZOrder};
use crate::keyspace::table::{Bucket, Table};

/// Longest member kept inside a table bucket.
const INLINE: usize = 21;

/// One bucket of the member table.
#[repr(u8)]
pub(crate) enum ScoreSlot {
    Empty,
    Inline {
        dist: u8,
        len: u8,
        buf: [u8; INLINE],
        score: [u8; 8],
    },
    Heap {
        dist: u8,
        /// 8 bits of the member's hash, to skip most comparisons.
        fp: u8,
        score: f64,
        member: Box<[u8]>,
    },
}

const _: () = assert!(mem::size_of::<ScoreSlot>() == 32);

impl ScoreSlot {
    fn new(member: &[u8], score: f64, hash: u64) -> ScoreSlot {
        match u8::try_from(member.len()) {
            Ok(len) if member.len() <= INLINE => {
                let mut buf = [0u8; INLINE];
                buf[..member.len()].copy_from_slice(member);
                ScoreSlot::Inline {
                    dist: 0,
                    len,
                    buf,
                    score: score.to_ne_bytes(),
                }
            }
            _ => ScoreSlot::Heap {
                dist: 0,
                fp: fingerprint(hash),
                score,
                member: member.into(),
            },
        }
    }

    fn score(&self) -> f64 {
        match self {
            ScoreSlot::Empty => 0.0,
            ScoreSlot::Inline { score, .. } => f64::from_ne_bytes(*score),
            ScoreSlot::Heap { score, .. } => *score,
        }
    }

    fn set_score(&mut self, new: f64) {
        match self {
            ScoreSlot::Empty => {}
            ScoreSlot::Inline { score, .. } => *score = new.to_ne_bytes(),
            ScoreSlot::Heap { score, .. } => *score = new,
        }
    }

    /// Heap bytes owned by the bucket (a long member), as the allocator
    /// hands them out.
    fn heap_bytes(&self) -> usize {
        match self {
            ScoreSlot::Heap { member, .. } => crate::memory::alloc::alloc_size(member.len()),
            _ => 0,
        }
    }
}

impl Bucket for ScoreSlot {
    fn empty() -> Self {
        ScoreSlot::Empty
    }

    #[inline]
    fn dist(&self) -> u8 {
        match self {
            ScoreSlot::Empty => 0,
            ScoreSlot::Inline { dist, .. } | ScoreSlot::Heap { dist, .. } => *dist,
        }
    }

    fn set_dist(&mut self, d: u8) {
        match self {
            ScoreSlot::Empty => {}
            ScoreSlot::Inline { dist, .. } | ScoreSlot::Heap { dist, .. } => *dist = d,
        }
    }

    #[inline]
    fn key(&self) -> &[u8] {
        match self {
            ScoreSlot::Empty => &[],
            ScoreSlot::Inline { len, buf, .. } => &buf[..usize::from(*len).min(INLINE)],
            ScoreSlot::Heap { member, .. } => member,
        }
    }

    #[inline]
    fn matches(&self, key: &[u8], hash: u64) -> bool {
        match self {
            ScoreSlot::Heap { fp, .. } => *fp == fingerprint(hash) && self.key() == key,
            _ => self.key() == key,
        }
    }
}

fn fingerprint(hash: u64) -> u8 {
    hash.to_le_bytes()[0]
}

/// A sorted set past the packed thresholds.
pub(crate) struct SortedSet {
    members: Table<ScoreSlot>,
    order: ZOrder,
    /// Heap bytes of the table's out-of-line members.
    heap: usize,
}

impl std::fmt::Debug for SortedSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SortedSet")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl Default for SortedSet {
    fn default() -> Self {
        SortedSet::new()
    }
}

impl Clone for SortedSet {
    fn clone(&self) -> Self {
        let mut copy = SortedSet::new();
        self.for_range(0, self.len(), false, |s, m| {
            copy.insert_new(m, s);
        });
        copy
    }
}

impl SortedSet {
    /// An empty sorted set.
    pub(crate) fn new() -> SortedSet {
        SortedSet {
            members: Table::new(ahash::RandomState::new()),
            order: ZOrder::new(),
            heap: 0,
        }
    }

    /// Number of members.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// Heap bytes held, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.members.allocated_bytes() + self.heap + self.order.heap_bytes()
    }

    /// The score of `member`.
    pub(crate) fn score(&self, member: &[u8]) -> Option<f64> {
        let hash = self.members.hash(member);
        let i = self.members.find(member, hash)?;
        self.members.get(i).map(ScoreSlot::score)
    }

    /// Adds a member that is not in the set.
    pub(crate) fn insert_new(&mut self, member: &[u8], score: f64) {
        let hash = self.members.hash(member);
        let slot = ScoreSlot::new(member, score, hash);
        self.heap += slot.heap_bytes();
        self.members.insert_new(hash, slot);
        self.order.insert(score, member);
    }

    /// Sets the score of `member`, adding it if new; returns the old score.
    pub(crate) fn set(&mut self, member: &[u8], score: f64) -> Option<f64> {
        let hash = self.members.hash(member);
        let Some(i) = self.members.find(member, hash) else {
            let slot = ScoreSlot::new(member, score, hash);
            self.heap += slot.heap_bytes();
            self.members.insert_new(hash, slot);
            self.order.insert(score, member);
            return None;
        };
        let slot = self.members.get_mut(i)?;
        let old = slot.score();
        // An equal score (`-0` for `0` too) changes nothing, as in Redis.
        if old != score {
            slot.set_score(score);
            self.order.remove(old, member);
            self.order.insert(score, member);
        }
        Some(old)
    }

    /// Removes `member`; returns its score.
    pub(crate) fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let hash = self.members.hash(member);
        let i = self.members.find(member, hash)?;
        let slot = self.members.remove_at(i)?;
        self.heap -= slot.heap_bytes();
        self.members.shrink_if_sparse();
        let score = slot.score();
        self.order.remove(score, member);
        Some(score)
    }

    /// Removes and returns the member at `rank`.
    pub(crate) fn remove_at(&mut self, rank: usize) -> Option<Entry> {
        let entry = self.order.remove_at(rank)?;
        let member = entry.member();
        let hash = self.members.hash(member);
        if let Some(i) = self.members.find(member, hash)
            && let Some(slot) = self.members.remove_at(i)
        {
            self.heap -= slot.heap_bytes();
        }
        self.members.shrink_if_sparse();
        Some(entry)
    }

    /// Removes the members of ranks `lo..hi`; returns how many.
    pub(crate) fn remove_range(&mut self, lo: usize, hi: usize) -> usize {
        let hi = hi.min(self.len());
        let mut removed = 0;
        for _ in lo..hi {
            if self.remove_at(lo).is_some() {
                removed += 1;
            }
        }
        removed
    }

    /// The 0-based rank of `member` and its score.
    pub(crate) fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        let score = self.score(member)?;
        Some((self.order.rank(score, member)?, score))
    }

    /// The score and member at `rank`.
    #[cfg(test)]
    pub(crate) fn get(&self, rank: usize) -> Option<(f64, &[u8])> {
        self.order.get(rank).map(|e| (e.score, e.member()))
    }

    /// Number of members for which `before` holds (a prefix of the order).
    pub(crate) fn count_before(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        self.order.count_before(before)
    }

    /// Calls `f` on the members of ranks `lo..hi`, in order or reversed.
    pub(crate) fn for_range(&self, lo: usize, hi: usize, rev: bool, f: impl FnMut(f64, &[u8])) {
        self.order.for_range(lo, hi, rev, f);
    }

    /// ZSCAN over the member table: visits up to about `count` buckets'
    /// members from cursor `pos`; returns the next cursor (`None`: done).
    pub(crate) fn scan(
        &self,
        pos: u32,
        count: usize,
        mut f: impl FnMut(&[u8], f64),
    ) -> Option<u32> {
        self.members.scan(pos, count, |s| f(s.key(), s.score()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_order_agree() {
        let mut z = SortedSet::new();
        for i in 0..1000u32 {
            let m = format!("member-{i}-{}", "x".repeat((i % 30) as usize));
            assert_eq!(z.set(m.as_bytes(), f64::from(i % 17)), None);
        }
        assert_eq!(z.len(), 1000);
        assert_eq!(z.set(b"member-5-xxxxx", 100.0), Some(5.0));
        assert_eq!(z.rank(b"member-5-xxxxx").map(|r| r.0), Some(999));
        assert_eq!(z.score(b"member-5-xxxxx"), Some(100.0));
        assert_eq!(z.remove(b"member-5-xxxxx"), Some(100.0));
        assert_eq!(z.remove(b"member-5-xxxxx"), None);
        assert_eq!(z.len(), 999);
        let first = z.get(0).map(|(s, m)| (s, m.to_vec()));
        assert_eq!(first.as_ref().map(|f| f.0), Some(0.0));
        let e = z.remove_at(0).map(|e| e.member().to_vec());
        assert_eq!(e, first.map(|f| f.1));
        assert_eq!(z.remove_range(0, 10), 10);
        assert_eq!(z.len(), 988);
        let copy = z.clone();
        assert_eq!(copy.len(), 988);
        assert!(z.heap_bytes() > 988 * 32);
        let recount: usize = z.members.iter().map(ScoreSlot::heap_bytes).sum();
        assert_eq!(z.heap, recount, "running heap count");
        z.order.check();
        let mut n = 0;
        let mut pos = 0;
        while let Some(next) = z.scan(pos, 10, |_, _| n += 1) {
            pos = next;
        }
        assert_eq!(n, 988);
    }

    #[test]
    fn an_equal_score_changes_nothing() {
        let mut z = SortedSet::new();
        z.set(b"a", -0.0);
        z.set(b"b", 0.0);
        assert_eq!(z.set(b"a", 0.0), Some(-0.0));
        assert!(z.score(b"a").is_some_and(f64::is_sign_negative));
        assert_eq!(z.rank(b"a").map(|r| r.0), Some(0));
    }
}
