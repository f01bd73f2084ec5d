//! The integer-set encoding: sorted integers in the smallest width that fits
//! them all (Redis's `intset.c`).
//!
//! One allocation holds a width byte (2, 4 or 8) followed by the members,
//! little-endian, in ascending order. Membership is a binary search. When a
//! member needs a wider integer, every member is rewritten in the new width
//! (an "upgrade"); the width never shrinks, as in Redis. An empty set owns no
//! memory. The buffer grows by exactly one member per insertion, as Redis's
//! `intsetResize` does, so a set costs its members and nothing more.

use thin_vec::ThinVec;

/// Offset of the first member in the buffer.
const HEADER: usize = 1;

/// A small set of integers.
#[derive(Debug, Clone, Default)]
pub(crate) struct IntSet {
    /// Empty, or `width | members…`.
    buf: ThinVec<u8>,
}

/// The narrowest width (2, 4 or 8 bytes) that holds `v`.
fn width_of(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// Reads a member of width `w` from `bytes` (exactly `w` long).
#[inline]
fn read(bytes: &[u8], w: usize) -> i64 {
    match w {
        2 => bytes
            .try_into()
            .map_or(0, |b: [u8; 2]| i64::from(i16::from_le_bytes(b))),
        4 => bytes
            .try_into()
            .map_or(0, |b: [u8; 4]| i64::from(i32::from_le_bytes(b))),
        _ => bytes.try_into().map_or(0, i64::from_le_bytes),
    }
}

/// Writes `v` in width `w` into `out` (exactly `w` long; `v` fits).
#[inline]
fn write(out: &mut [u8], v: i64, w: usize) {
    let bytes = v.to_le_bytes();
    out.copy_from_slice(&bytes[..w.min(8)]);
}

impl IntSet {
    /// An empty set.
    pub(crate) fn new() -> IntSet {
        IntSet::default()
    }

    /// Bytes per member.
    /// A set of `values`, which are sorted ascending without duplicates,
    /// in the width its widest member needs (what inserting them one by
    /// one gives).
    pub(crate) fn from_sorted(values: &[i64]) -> IntSet {
        if values.is_empty() {
            return IntSet::new();
        }
        let w = values.iter().map(|&v| width_of(v)).max().unwrap_or(2);
        let mut buf: ThinVec<u8> = ThinVec::with_capacity(HEADER + values.len() * w);
        buf.push(u8::try_from(w).unwrap_or(8));
        for &v in values {
            buf.extend_from_slice(&v.to_le_bytes()[..w]);
        }
        IntSet { buf }
    }

    fn width(&self) -> usize {
        self.buf.first().map_or(2, |&w| usize::from(w))
    }

    fn body(&self) -> &[u8] {
        self.buf.get(HEADER..).unwrap_or_default()
    }

    /// Number of members.
    pub(crate) fn len(&self) -> usize {
        self.body().len() / self.width()
    }

    /// Whether the set has no members.
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.len() <= HEADER
    }

    /// Heap bytes held, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        crate::value::heap_size(&self.buf)
    }

    /// The member at position `i` in ascending order.
    pub(crate) fn get(&self, i: usize) -> Option<i64> {
        let w = self.width();
        let at = i.checked_mul(w)?;
        self.body().get(at..at + w).map(|b| read(b, w))
    }

    /// The smallest member.
    pub(crate) fn min(&self) -> Option<i64> {
        self.get(0)
    }

    /// The largest member.
    pub(crate) fn max(&self) -> Option<i64> {
        self.get(self.len().checked_sub(1)?)
    }

    /// `Ok(position)` of `v`, or `Err(position to insert it at)`.
    fn search(&self, v: i64) -> Result<usize, usize> {
        let w = self.width();
        let body = self.body();
        let (mut lo, mut hi) = (0, body.len() / w);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let m = read(&body[mid * w..mid * w + w], w);
            match m.cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// Whether `v` is a member.
    pub(crate) fn contains(&self, v: i64) -> bool {
        width_of(v) <= self.width() && self.search(v).is_ok()
    }

    /// Adds `v`; returns whether it was new.
    pub(crate) fn insert(&mut self, v: i64) -> bool {
        let need = width_of(v);
        if self.buf.is_empty() {
            self.buf.reserve_exact(HEADER + need);
            self.buf.push(u8::try_from(need).unwrap_or(8));
            self.buf.extend_from_slice(&v.to_le_bytes()[..need]);
            return true;
        }
        if need > self.width() {
            // A value wider than every member is below or above them all.
            self.upgrade(need, v);
            return true;
        }
        let Err(pos) = self.search(v) else {
            return false;
        };
        let w = self.width();
        let at = HEADER + pos * w;
        let old_len = self.buf.len();
        self.buf.reserve_exact(w);
        self.buf.resize(old_len + w, 0);
        self.buf.copy_within(at..old_len, at + w);
        write(&mut self.buf[at..at + w], v, w);
        true
    }

    /// Rewrites every member in width `w` and adds `v`, which needs it.
    fn upgrade(&mut self, w: usize, v: i64) {
        let old_w = self.width();
        let n = self.len();
        let mut fresh: ThinVec<u8> = ThinVec::with_capacity(HEADER + (n + 1) * w);
        fresh.push(u8::try_from(w).unwrap_or(8));
        let mut member = [0u8; 8];
        if v < 0 {
            write(&mut member[..w], v, w);
            fresh.extend_from_slice(&member[..w]);
        }
        for chunk in self.body().chunks_exact(old_w) {
            write(&mut member[..w], read(chunk, old_w), w);
            fresh.extend_from_slice(&member[..w]);
        }
        if v >= 0 {
            write(&mut member[..w], v, w);
            fresh.extend_from_slice(&member[..w]);
        }
        self.buf = fresh;
    }

    /// Removes `v`; returns whether it was a member.
    pub(crate) fn remove(&mut self, v: i64) -> bool {
        if width_of(v) > self.width() {
            return false;
        }
        let Ok(pos) = self.search(v) else {
            return false;
        };
        self.remove_at(pos);
        true
    }

    /// Removes the member at position `pos` and returns it.
    pub(crate) fn remove_at(&mut self, pos: usize) -> Option<i64> {
        let v = self.get(pos)?;
        let w = self.width();
        let at = HEADER + pos * w;
        let len = self.buf.len();
        self.buf.copy_within(at + w..len, at);
        self.buf.truncate(len - w);
        if self.buf.len() <= HEADER {
            self.buf = ThinVec::new();
        } else {
            self.buf.shrink_to_fit();
        }
        Some(v)
    }

    /// The members in ascending order.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = i64> + ExactSizeIterator + '_ {
        let w = self.width();
        self.body().chunks_exact(w).map(move |c| read(c, w))
    }

    /// Bytes per member (2, 4 or 8), for tests of the upgrade rules.
    #[cfg(test)]
    pub(crate) fn member_width(&self) -> usize {
        self.width()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn check(s: &IntSet, model: &BTreeSet<i64>) {
        assert_eq!(s.len(), model.len());
        assert_eq!(s.is_empty(), model.is_empty());
        assert!(s.iter().eq(model.iter().copied()));
        assert_eq!(s.min(), model.first().copied());
        assert_eq!(s.max(), model.last().copied());
        // The width is the smallest that held every member ever added; at
        // least the smallest that holds the current ones.
        let need = model.iter().map(|&v| width_of(v)).max().unwrap_or(2);
        assert!(s.member_width() >= need);
        let expect_bytes = if model.is_empty() {
            0
        } else {
            HEADER + model.len() * s.member_width()
        };
        assert_eq!(s.buf.len(), expect_bytes);
    }

    fn value() -> impl Strategy<Value = i64> {
        prop_oneof![
            -40i64..40,
            any::<i16>().prop_map(i64::from),
            any::<i32>().prop_map(i64::from),
            any::<i64>(),
            Just(i64::MIN),
            Just(i64::MAX),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreeset(ops in prop::collection::vec((any::<bool>(), value()), 1..300)) {
            let mut s = IntSet::new();
            let mut model = BTreeSet::new();
            for (add, v) in ops {
                if add {
                    prop_assert_eq!(s.insert(v), model.insert(v));
                } else {
                    prop_assert_eq!(s.remove(v), model.remove(&v));
                }
                prop_assert_eq!(s.contains(v), model.contains(&v));
            }
            check(&s, &model);
            for v in &model {
                prop_assert!(s.contains(*v));
            }
            let copy = s.clone();
            check(&copy, &model);
        }
    }

    #[test]
    fn widths_upgrade_and_never_shrink() {
        let mut s = IntSet::new();
        assert_eq!(s.heap_bytes(), 0);
        s.insert(5);
        s.insert(-3);
        assert_eq!(s.member_width(), 2);
        s.insert(70_000);
        assert_eq!(s.member_width(), 4);
        assert!(s.iter().eq([-3, 5, 70_000]));
        s.insert(-(1 << 40));
        assert_eq!(s.member_width(), 8);
        assert!(s.iter().eq([-(1 << 40), -3, 5, 70_000]));
        assert!(s.remove(-(1 << 40)));
        assert_eq!(s.member_width(), 8, "no downgrade, as in Redis");
        assert!(!s.contains(i64::MAX));
        assert!(!s.remove(i64::MAX));
        assert_eq!(s.remove_at(0), Some(-3));
        assert_eq!(s.remove_at(5), None);
        assert!(s.remove(5));
        assert!(s.remove(70_000));
        assert!(s.is_empty());
        assert_eq!(s.heap_bytes(), 0);
    }

    #[test]
    fn wide_values_are_not_found_in_narrow_sets() {
        let mut s = IntSet::new();
        s.insert(1);
        // 65537 truncated to 16 bits would be 1.
        assert!(!s.contains(65_537));
        assert!(!s.remove(65_537));
        assert!(s.contains(1));
    }
}
