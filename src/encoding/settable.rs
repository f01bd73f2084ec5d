//! The big set encoding: a table of members (Redis's `dict` of a set).
//!
//! Members live in the crate's Robin Hood [`Table`] with the hash encoding's
//! 32-byte bucket ([`FieldSlot`]) and an empty value: a set is a hash
//! without values, as in Redis. A member of up to 28 bytes (every integer in
//! decimal) sits inline in its bucket; a longer one is one heap allocation.
//! At the table's 57–85% load that is about 38–56 bytes per member.

use crate::encoding::hashtable::FieldSlot;
use crate::keyspace::table::{Bucket, Table};

/// A set past the packed thresholds.
pub(crate) struct SetTable {
    members: Table<FieldSlot>,
    /// Heap bytes owned by the buckets (long members).
    heap: usize,
}

impl std::fmt::Debug for SetTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetTable")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl Default for SetTable {
    fn default() -> Self {
        SetTable::new()
    }
}

impl Clone for SetTable {
    fn clone(&self) -> Self {
        let mut copy = SetTable::new();
        for m in self.iter() {
            copy.insert(m);
        }
        copy
    }
}

impl SetTable {
    /// An empty set; allocates nothing until the first member.
    pub(crate) fn new() -> SetTable {
        SetTable {
            members: Table::new(ahash::RandomState::new()),
            heap: 0,
        }
    }

    /// Number of members.
    pub(crate) fn len(&self) -> usize {
        self.members.len()
    }

    /// Heap bytes held, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.members.allocated_bytes() + self.heap
    }

    /// Whether `member` is in the set.
    pub(crate) fn contains(&self, member: &[u8]) -> bool {
        let h = self.members.hash(member);
        self.members.find(member, h).is_some()
    }

    /// Adds `member`; returns whether it was new.
    pub(crate) fn insert(&mut self, member: &[u8]) -> bool {
        let h = self.members.hash(member);
        if self.members.find(member, h).is_some() {
            return false;
        }
        let slot = FieldSlot::new(member, &[], 0, h);
        self.heap += slot.heap_bytes();
        self.members.insert_new(h, slot);
        true
    }

    /// Removes `member`; returns whether it was there.
    pub(crate) fn remove(&mut self, member: &[u8]) -> bool {
        let h = self.members.hash(member);
        let Some(i) = self.members.find(member, h) else {
            return false;
        };
        self.take_at(i).is_some()
    }

    fn take_at(&mut self, index: usize) -> Option<FieldSlot> {
        let slot = self.members.remove_at(index)?;
        self.heap = self.heap.wrapping_sub(slot.heap_bytes());
        self.members.shrink_if_sparse();
        Some(slot)
    }

    /// Every member, in table order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.members.iter().map(FieldSlot::key)
    }

    /// One step of a resumable scan from cursor position `pos` (see
    /// [`Table::scan`]): every member present for the whole scan is visited
    /// at least once, across growth and shrinking.
    pub(crate) fn scan(&self, pos: u32, count: usize, mut visit: impl FnMut(&[u8])) -> Option<u32> {
        self.members.scan(pos, count, |s| visit(s.key()))
    }

    /// A member picked at random (`None` when empty).
    pub(crate) fn random(&self) -> Option<&[u8]> {
        let i = self.members.bucket_near(crate::rand::next_u64())?;
        self.members.get(i).map(FieldSlot::key)
    }

    /// Removes a member picked at random and returns it.
    pub(crate) fn pop_random(&mut self) -> Option<Vec<u8>> {
        let i = self.members.bucket_near(crate::rand::next_u64())?;
        self.take_at(i).map(|s| s.key().to_vec())
    }

    /// The running heap count, recomputed (tests).
    #[cfg(test)]
    fn recount_heap(&self) -> usize {
        self.members.iter().map(FieldSlot::heap_bytes).sum()
    }
}

impl<'a> FromIterator<&'a [u8]> for SetTable {
    fn from_iter<I: IntoIterator<Item = &'a [u8]>>(iter: I) -> Self {
        let mut t = SetTable::new();
        for m in iter {
            t.insert(m);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn member(n: u16) -> Vec<u8> {
        // Short and long members, to hit both bucket shapes.
        match n % 3 {
            0 => format!("a-rather-long-member-name-number-{n:05}").into_bytes(),
            1 => n.to_string().into_bytes(),
            _ => format!("m{n}").into_bytes(),
        }
    }

    fn scan_all(t: &SetTable, count: usize) -> HashSet<Vec<u8>> {
        let mut seen = HashSet::new();
        let mut pos = 0;
        while let Some(p) = t.scan(pos, count, |m| {
            seen.insert(m.to_vec());
        }) {
            pos = p;
        }
        seen
    }

    fn check(t: &SetTable, model: &HashSet<Vec<u8>>) {
        assert_eq!(t.len(), model.len());
        for m in model {
            assert!(t.contains(m));
        }
        let all: HashSet<Vec<u8>> = t.iter().map(<[u8]>::to_vec).collect();
        assert_eq!(&all, model);
        assert_eq!(t.iter().count(), model.len(), "no duplicates");
        assert_eq!(&scan_all(t, 3), model);
        assert_eq!(t.heap, t.recount_heap(), "running heap count");
        assert_eq!(
            t.heap_bytes(),
            t.members.allocated_bytes() + t.recount_heap()
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u16),
        Remove(u16),
        Pop,
        /// Insert or remove many, to cross growth and shrink points.
        Bulk(bool, u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u16..500).prop_map(Op::Insert),
            3 => (0u16..500).prop_map(Op::Remove),
            1 => Just(Op::Pop),
            1 => (any::<bool>(), 0u16..500).prop_map(|(a, n)| Op::Bulk(a, n)),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_hashset(ops in prop::collection::vec(op(), 1..300)) {
            let mut t = SetTable::new();
            let mut model: HashSet<Vec<u8>> = HashSet::new();
            for op in ops {
                match op {
                    Op::Insert(n) => {
                        let m = member(n);
                        prop_assert_eq!(t.insert(&m), model.insert(m));
                    }
                    Op::Remove(n) => {
                        let m = member(n);
                        prop_assert_eq!(t.remove(&m), model.remove(&m));
                    }
                    Op::Pop => {
                        let popped = t.pop_random();
                        prop_assert_eq!(popped.is_some(), !model.is_empty());
                        if let Some(m) = popped {
                            prop_assert!(model.remove(&m));
                        }
                    }
                    Op::Bulk(add, n) => {
                        for i in 0..n {
                            let m = member(i);
                            if add {
                                prop_assert_eq!(t.insert(&m), model.insert(m));
                            } else {
                                prop_assert_eq!(t.remove(&m), model.remove(&m));
                            }
                        }
                    }
                }
                if let Some(m) = t.random() {
                    prop_assert!(model.contains(m));
                }
            }
            check(&t, &model);
            check(&t.clone(), &model);
        }

        /// SSCAN's guarantee: a member present for the whole scan is
        /// returned at least once, however the table grows or shrinks.
        #[test]
        fn scan_is_complete_across_growth_and_shrinking(
            stable in 1u16..300,
            churn in prop::collection::vec((any::<bool>(), 0u16..1500), 0..30),
            count in 1usize..20,
        ) {
            let mut t = SetTable::new();
            for i in 0..stable {
                t.insert(format!("stable:{i}").as_bytes());
            }
            let mut seen = HashSet::new();
            let mut pos = 0;
            let mut steps = churn.into_iter();
            loop {
                let next = t.scan(pos, count, |m| {
                    seen.insert(m.to_vec());
                });
                if let Some((grow, n)) = steps.next() {
                    for j in 0..n {
                        let m = format!("churn:{j}");
                        if grow {
                            t.insert(m.as_bytes());
                        } else {
                            t.remove(m.as_bytes());
                        }
                    }
                }
                match next {
                    Some(p) => pos = p,
                    None => break,
                }
            }
            for i in 0..stable {
                prop_assert!(seen.contains(format!("stable:{}", i).as_bytes()), "missed {}", i);
            }
        }
    }

    #[test]
    fn empties_free_everything() {
        let mut t = SetTable::new();
        assert_eq!(t.heap_bytes(), 0);
        assert_eq!(t.random(), None);
        assert_eq!(t.pop_random(), None);
        let long = [b'x'; 100];
        assert!(t.insert(&long));
        assert!(t.insert(b"short"));
        assert!(t.heap_bytes() > 100);
        assert!(t.remove(&long));
        assert!(t.remove(b"short"));
        assert_eq!(t.heap_bytes(), 0);
    }

    #[test]
    fn memory_per_member_beats_redis() {
        // Redis 7.0: 55.3 B/member for 1M integers; the table alone must
        // stay below that at the worst load reached while growing.
        let mut t = SetTable::new();
        for i in 0..100_000i64 {
            t.insert(itoa::Buffer::new().format(i * 7).as_bytes());
        }
        let per = t.heap_bytes() as f64 / t.len() as f64;
        assert!(per < 55.3, "{per} B/member");
    }
}
