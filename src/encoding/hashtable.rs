//! The big hash encoding: a field → value table (Redis's `dict` of a hash).
//!
//! Fields live in the crate's Robin Hood [`Table`] with a compact 32-byte
//! bucket: a field and value whose lengths add up to at most 28 bytes sit
//! inline in the bucket (no allocation at all), anything longer is one heap
//! allocation holding `field ++ value`.
//!
//! Field expiry (Redis 7.4's `HEXPIRE`) costs nothing for fields without a
//! time to live: a flag bit in the bucket says the field has a deadline, and
//! the deadline itself lives in a side table (field → Unix ms), the way the
//! keyspace keeps key deadlines apart from the keys. This type never decides
//! what "expired" means for a command; it stores deadlines and answers
//! questions about them against a `now` the caller gives.

use std::mem;

use thin_vec::ThinVec;

use crate::encoding::listpack::Listpack;
use crate::keyspace::entry::ExpireSlot;
use crate::keyspace::table::{Bucket, Table};
use crate::value::heap_size;

/// Longest `field ++ value` kept inside a bucket.
const INLINE: usize = 28;
/// Low bits of an inline bucket's `fm` byte: the field's length.
const FLEN_MASK: u8 = 0x1f;
/// The field has a deadline in the side table.
const FLAG_TTL: u8 = 0x80;

const _: () = assert!(INLINE <= FLEN_MASK as usize);

/// One bucket of a hash table.
#[repr(u8)]
pub(crate) enum FieldSlot {
    Empty,
    /// Field and value together in `buf`: `field ++ value`.
    Inline {
        dist: u8,
        /// Field length | flags.
        fm: u8,
        vlen: u8,
        buf: [u8; INLINE],
    },
    /// Field and value together in one allocation: `field ++ value`.
    Heap {
        dist: u8,
        flags: u8,
        /// 8 bits of the field's hash, to skip most comparisons.
        fp: u8,
        flen: u32,
        data: ThinVec<u8>,
    },
}

const _: () = assert!(mem::size_of::<FieldSlot>() == 32);

impl FieldSlot {
    /// A bucket holding `field ++ value` (sets store members with an empty
    /// value). `hash` is the field's hash in the table.
    pub(crate) fn new(field: &[u8], value: &[u8], flags: u8, hash: u64) -> FieldSlot {
        let total = field.len() + value.len();
        if total <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..field.len()].copy_from_slice(field);
            buf[field.len()..total].copy_from_slice(value);
            return FieldSlot::Inline {
                dist: 0,
                fm: small(field.len()) | (flags & FLAG_TTL),
                vlen: small(value.len()),
                buf,
            };
        }
        let mut data = ThinVec::with_capacity(total);
        data.extend_from_slice(field);
        data.extend_from_slice(value);
        FieldSlot::Heap {
            dist: 0,
            flags: flags & FLAG_TTL,
            fp: fingerprint(hash),
            flen: u32::try_from(field.len()).unwrap_or(u32::MAX),
            data,
        }
    }

    /// The value of an occupied bucket.
    pub(crate) fn value(&self) -> &[u8] {
        match self {
            FieldSlot::Empty => &[],
            FieldSlot::Inline { fm, vlen, buf, .. } => {
                let f = usize::from(fm & FLEN_MASK);
                buf.get(f..f + usize::from(*vlen)).unwrap_or_default()
            }
            FieldSlot::Heap { flen, data, .. } => data.get(*flen as usize..).unwrap_or_default(),
        }
    }

    fn flags(&self) -> u8 {
        match self {
            FieldSlot::Empty => 0,
            FieldSlot::Inline { fm, .. } => fm & FLAG_TTL,
            FieldSlot::Heap { flags, .. } => *flags,
        }
    }

    /// Whether the field has a deadline in the side table.
    pub(crate) fn has_ttl(&self) -> bool {
        self.flags() & FLAG_TTL != 0
    }

    fn set_ttl_flag(&mut self, on: bool) {
        let bits = match self {
            FieldSlot::Empty => return,
            FieldSlot::Inline { fm, .. } => fm,
            FieldSlot::Heap { flags, .. } => flags,
        };
        if on {
            *bits |= FLAG_TTL;
        } else {
            *bits &= !FLAG_TTL;
        }
    }

    /// Heap bytes owned by the bucket.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            FieldSlot::Heap { data, .. } => heap_size(data),
            _ => 0,
        }
    }
}

impl Bucket for FieldSlot {
    fn empty() -> Self {
        FieldSlot::Empty
    }

    #[inline]
    fn dist(&self) -> u8 {
        match self {
            FieldSlot::Empty => 0,
            FieldSlot::Inline { dist, .. } | FieldSlot::Heap { dist, .. } => *dist,
        }
    }

    fn set_dist(&mut self, d: u8) {
        match self {
            FieldSlot::Empty => {}
            FieldSlot::Inline { dist, .. } | FieldSlot::Heap { dist, .. } => *dist = d,
        }
    }

    #[inline]
    fn key(&self) -> &[u8] {
        match self {
            FieldSlot::Empty => &[],
            FieldSlot::Inline { fm, buf, .. } => &buf[..usize::from(fm & FLEN_MASK).min(INLINE)],
            FieldSlot::Heap { flen, data, .. } => data.get(..*flen as usize).unwrap_or_default(),
        }
    }

    #[inline]
    fn matches(&self, key: &[u8], hash: u64) -> bool {
        match self {
            FieldSlot::Heap { fp, .. } => *fp == fingerprint(hash) && self.key() == key,
            _ => self.key() == key,
        }
    }
}

fn fingerprint(hash: u64) -> u8 {
    hash.to_le_bytes()[0]
}

fn small(len: usize) -> u8 {
    u8::try_from(len).unwrap_or(u8::MAX)
}

/// A hash past the packed thresholds, with optional per-field deadlines.
pub(crate) struct HashTable {
    fields: Table<FieldSlot>,
    /// Field → deadline (Unix ms), only for fields with a time to live.
    deadlines: Table<ExpireSlot>,
    /// Heap bytes owned by the buckets of both tables.
    heap: usize,
    /// A lower bound of every deadline in `deadlines` (`i64::MAX` if none):
    /// lowered whenever a deadline is set, recomputed by full reclaim walks.
    min_deadline: i64,
    /// Active expiry walks `deadlines` in chunks, one cycle after another:
    /// where the next chunk starts (0 starts a cycle).
    reclaim_pos: usize,
    /// Smallest deadline seen or set during the current cycle.
    cycle_min: i64,
    /// Whether no deadline was removed and no resize happened during the
    /// current cycle, so that every remaining entry was seen by it.
    cycle_clean: bool,
    /// Size of `deadlines` when the cycle started.
    cycle_positions: usize,
}

impl std::fmt::Debug for HashTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashTable")
            .field("len", &self.len())
            .field("with_ttl", &self.ttl_len())
            .finish_non_exhaustive()
    }
}

impl Default for HashTable {
    fn default() -> Self {
        HashTable::new()
    }
}

impl Clone for HashTable {
    fn clone(&self) -> Self {
        let mut copy = HashTable::new();
        for slot in self.fields.iter() {
            copy.set(slot.key(), slot.value(), false);
        }
        for e in self.deadlines.iter() {
            copy.set_deadline(e.key(), Some(e.at()));
        }
        copy
    }
}

impl HashTable {
    /// An empty table; allocates nothing until the first field.
    pub(crate) fn new() -> HashTable {
        let hasher = ahash::RandomState::new();
        HashTable {
            fields: Table::new(hasher.clone()),
            deadlines: Table::new(hasher),
            heap: 0,
            min_deadline: i64::MAX,
            reclaim_pos: 0,
            cycle_min: i64::MAX,
            cycle_clean: true,
            cycle_positions: 0,
        }
    }

    /// The fields and values of a packed hash (field, value alternating).
    pub(crate) fn from_listpack(lp: &Listpack) -> HashTable {
        let mut table = HashTable::new();
        let mut items = lp.iter();
        while let (Some(f), Some(v)) = (items.next(), items.next()) {
            f.with_bytes(|f| v.with_bytes(|v| table.set(f, v, false)));
        }
        table
    }

    /// Number of fields, including expired fields not yet reclaimed.
    pub(crate) fn len(&self) -> usize {
        self.fields.len()
    }

    /// Number of fields with a deadline.
    pub(crate) fn ttl_len(&self) -> usize {
        self.deadlines.len()
    }

    /// Heap bytes held, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.fields.allocated_bytes() + self.deadlines.allocated_bytes() + self.heap
    }

    fn slot(&self, field: &[u8]) -> Option<&FieldSlot> {
        let h = self.fields.hash(field);
        self.fields.find(field, h).and_then(|i| self.fields.get(i))
    }

    /// The value of `field`, expired or not.
    pub(crate) fn get(&self, field: &[u8]) -> Option<&[u8]> {
        self.slot(field).map(FieldSlot::value)
    }

    /// The deadline of `field`, if it exists and has one.
    pub(crate) fn deadline(&self, field: &[u8]) -> Option<i64> {
        let slot = self.slot(field)?;
        if !slot.has_ttl() {
            return None;
        }
        self.deadline_of(field)
    }

    fn deadline_of(&self, field: &[u8]) -> Option<i64> {
        let h = self.deadlines.hash(field);
        self.deadlines
            .find(field, h)
            .and_then(|i| self.deadlines.get(i))
            .map(ExpireSlot::at)
    }

    /// Whether the field in `slot` is past its deadline at `now` (alive at
    /// its deadline, as keys are).
    fn slot_expired(&self, slot: &FieldSlot, now: i64) -> bool {
        slot.has_ttl() && self.deadline_of(slot.key()).is_some_and(|at| at < now)
    }

    /// Whether `field` exists and is past its deadline at `now`.
    pub(crate) fn is_expired(&self, field: &[u8], now: i64) -> bool {
        self.slot(field).is_some_and(|s| self.slot_expired(s, now))
    }

    /// The value of `field` unless it is missing or expired at `now`.
    pub(crate) fn get_live(&self, field: &[u8], now: i64) -> Option<&[u8]> {
        let slot = self.slot(field)?;
        (!self.slot_expired(slot, now)).then(|| slot.value())
    }

    /// Number of fields past their deadline at `now` (O(fields with a TTL)).
    pub(crate) fn expired_count(&self, now: i64) -> usize {
        if self.min_deadline >= now {
            return 0;
        }
        self.deadlines.iter().filter(|e| e.at() < now).count()
    }

    /// Sets `field` to `value`; returns whether the field is new. An existing
    /// field keeps its deadline when `keep_ttl`, else loses it.
    pub(crate) fn set(&mut self, field: &[u8], value: &[u8], keep_ttl: bool) -> bool {
        let h = self.fields.hash(field);
        let Some(i) = self.fields.find(field, h) else {
            let slot = FieldSlot::new(field, value, 0, h);
            self.heap += slot.heap_bytes();
            self.fields.insert_new(h, slot);
            return true;
        };
        let mut had_ttl = false;
        if let Some(slot) = self.fields.get_mut(i) {
            had_ttl = slot.has_ttl();
            let flags = if keep_ttl { slot.flags() } else { 0 };
            let fresh = replace_value(slot, field, value, flags, h);
            self.heap = self.heap.wrapping_add(fresh.0).wrapping_sub(fresh.1);
        }
        if had_ttl && !keep_ttl {
            self.remove_deadline(field);
        }
        false
    }

    /// Removes `field`; returns whether it existed (expired or not).
    pub(crate) fn remove(&mut self, field: &[u8]) -> bool {
        let h = self.fields.hash(field);
        let Some(i) = self.fields.find(field, h) else {
            return false;
        };
        let Some(slot) = self.fields.remove_at(i) else {
            return false;
        };
        self.heap = self.heap.wrapping_sub(slot.heap_bytes());
        if slot.has_ttl() {
            self.remove_deadline(field);
        }
        self.fields.shrink_if_sparse();
        true
    }

    /// Sets (`Some`) or clears (`None`) the deadline of an existing field;
    /// returns whether the field exists.
    pub(crate) fn set_deadline(&mut self, field: &[u8], at: Option<i64>) -> bool {
        let h = self.fields.hash(field);
        let Some(slot) = self
            .fields
            .find(field, h)
            .and_then(|i| self.fields.get_mut(i))
        else {
            return false;
        };
        let had = slot.has_ttl();
        slot.set_ttl_flag(at.is_some());
        match (had, at) {
            (false, None) => {}
            (true, None) => self.remove_deadline(field),
            (true, Some(at)) => {
                let dh = self.deadlines.hash(field);
                if let Some(e) = self
                    .deadlines
                    .find(field, dh)
                    .and_then(|i| self.deadlines.get_mut(i))
                {
                    e.set_at(at);
                }
                self.min_deadline = self.min_deadline.min(at);
                self.cycle_min = self.cycle_min.min(at);
            }
            (false, Some(at)) => {
                let dh = self.deadlines.hash(field);
                let e = ExpireSlot::new(field, at, dh);
                self.heap += e.heap_bytes();
                self.deadlines.insert_new(dh, e);
                self.min_deadline = self.min_deadline.min(at);
                self.cycle_min = self.cycle_min.min(at);
            }
        }
        true
    }

    fn remove_deadline(&mut self, field: &[u8]) {
        let h = self.deadlines.hash(field);
        if let Some(i) = self.deadlines.find(field, h)
            && let Some(e) = self.deadlines.remove_at(i)
        {
            self.heap = self.heap.wrapping_sub(e.heap_bytes());
            self.deadlines.shrink_if_sparse();
            self.cycle_clean = false;
        }
        if self.deadlines.len() == 0 {
            self.min_deadline = i64::MAX;
        }
    }

    /// A lower bound of the fields' deadlines (`None` without any).
    pub(crate) fn min_deadline(&self) -> Option<i64> {
        (self.deadlines.len() > 0).then_some(self.min_deadline)
    }

    /// Every field and value alive at `now`.
    pub(crate) fn iter_live(&self, now: i64) -> impl Iterator<Item = (&[u8], &[u8])> {
        let check = self.min_deadline < now;
        self.fields
            .iter()
            .filter(move |s| !(check && self.slot_expired(s, now)))
            .map(|s| (s.key(), s.value()))
    }

    /// One step of a resumable scan from cursor position `pos` (see
    /// [`Table::scan`]), visiting fields alive at `now`.
    pub(crate) fn scan(
        &self,
        pos: u32,
        count: usize,
        now: i64,
        mut visit: impl FnMut(&[u8], &[u8]),
    ) -> Option<u32> {
        self.fields.scan(pos, count, |s| {
            if !self.slot_expired(s, now) {
                visit(s.key(), s.value());
            }
        })
    }

    /// A field alive at `now` picked at random (`None` if there is none
    /// after a bounded number of tries).
    pub(crate) fn random_live(&self, now: i64) -> Option<(&[u8], &[u8])> {
        for _ in 0..64 {
            let i = self.fields.bucket_near(crate::rand::next_u64())?;
            let s = self.fields.get(i)?;
            if !self.slot_expired(s, now) {
                return Some((s.key(), s.value()));
            }
        }
        // Mostly expired: fall back to a walk.
        self.iter_live(now).next()
    }

    /// Fields past their deadline at `now`, found by walking the next
    /// `walk` positions of the deadline table (active expiry). The caller
    /// removes every field returned. When a walk completes a cycle over the
    /// table with nothing removed or resized meanwhile, the deadline lower
    /// bound becomes exact again.
    pub(crate) fn due_fields(&mut self, now: i64, walk: usize) -> Vec<Vec<u8>> {
        let positions = self.deadlines.positions();
        if positions == 0 {
            self.reclaim_pos = 0;
            return Vec::new();
        }
        if self.reclaim_pos == 0 || self.reclaim_pos >= positions {
            self.reclaim_pos = 0;
            self.cycle_min = i64::MAX;
            self.cycle_clean = true;
            self.cycle_positions = positions;
        }
        if positions != self.cycle_positions {
            self.cycle_clean = false;
        }
        let start = self.reclaim_pos;
        let end = start.saturating_add(walk.max(1)).min(positions);
        let mut due = Vec::new();
        for i in start..end {
            if let Some(e) = self.deadlines.get(i) {
                if e.at() < now {
                    due.push(e.key().to_vec());
                } else {
                    self.cycle_min = self.cycle_min.min(e.at());
                }
            }
        }
        if end >= positions {
            if self.cycle_clean {
                self.min_deadline = self.cycle_min;
            }
            self.reclaim_pos = 0;
        } else {
            self.reclaim_pos = end;
        }
        due
    }
}

/// Writes `value` into an occupied bucket of `field`, keeping its position;
/// returns (heap bytes after, heap bytes before).
fn replace_value(
    slot: &mut FieldSlot,
    field: &[u8],
    value: &[u8],
    flags: u8,
    hash: u64,
) -> (usize, usize) {
    let before = slot.heap_bytes();
    if let FieldSlot::Inline { fm, vlen, buf, .. } = slot {
        let f = usize::from(*fm & FLEN_MASK);
        if f + value.len() <= INLINE {
            buf[f..f + value.len()].copy_from_slice(value);
            *vlen = small(value.len());
            *fm = small(f) | (flags & FLAG_TTL);
            return (0, before);
        }
    }
    let dist = slot.dist();
    *slot = FieldSlot::new(field, value, flags, hash);
    slot.set_dist(dist);
    (slot.heap_bytes(), before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashMap, HashSet};

    #[derive(Debug, Clone)]
    enum Op {
        Set(u16, Vec<u8>),
        SetKeep(u16, Vec<u8>),
        Remove(u16),
        Ttl(u16, Option<i64>),
    }

    fn field(n: u16) -> Vec<u8> {
        // Short and long fields, to hit both bucket shapes.
        if n.is_multiple_of(3) {
            format!("a-rather-long-field-name-{n:05}").into_bytes()
        } else {
            format!("f{n}").into_bytes()
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        let value = prop::collection::vec(any::<u8>(), 0..40);
        prop_oneof![
            4 => (0u16..300, value.clone()).prop_map(|(f, v)| Op::Set(f, v)),
            1 => (0u16..300, value).prop_map(|(f, v)| Op::SetKeep(f, v)),
            2 => (0u16..300).prop_map(Op::Remove),
            1 => (0u16..300, prop::option::of(0i64..100)).prop_map(|(f, t)| Op::Ttl(f, t)),
        ]
    }

    fn check(t: &HashTable, model: &HashMap<Vec<u8>, (Vec<u8>, Option<i64>)>) {
        assert_eq!(t.len(), model.len());
        for (f, (v, ttl)) in model {
            assert_eq!(t.get(f), Some(v.as_slice()));
            assert_eq!(t.deadline(f), *ttl);
        }
        assert_eq!(
            t.ttl_len(),
            model.values().filter(|(_, ttl)| ttl.is_some()).count()
        );
        // A scan in small steps returns every field at least once.
        let mut seen = HashSet::new();
        let mut pos = 0;
        while let Some(p) = t.scan(pos, 3, i64::MIN, |f, _| {
            seen.insert(f.to_vec());
        }) {
            pos = p;
        }
        assert_eq!(seen.len(), model.len());
        let recount: usize = t
            .fields
            .iter()
            .map(FieldSlot::heap_bytes)
            .chain(t.deadlines.iter().map(ExpireSlot::heap_bytes))
            .sum();
        assert_eq!(t.heap, recount, "running heap count");
    }

    proptest! {
        #[test]
        fn behaves_like_a_hashmap(ops in prop::collection::vec(op(), 1..400)) {
            let mut t = HashTable::new();
            let mut model: HashMap<Vec<u8>, (Vec<u8>, Option<i64>)> = HashMap::new();
            for op in ops {
                match op {
                    Op::Set(f, v) => {
                        let f = field(f);
                        let added = t.set(&f, &v, false);
                        prop_assert_eq!(added, model.insert(f, (v, None)).is_none());
                    }
                    Op::SetKeep(f, v) => {
                        let f = field(f);
                        let ttl = model.get(&f).and_then(|e| e.1);
                        let added = t.set(&f, &v, true);
                        prop_assert_eq!(added, model.insert(f, (v, ttl)).is_none());
                    }
                    Op::Remove(f) => {
                        let f = field(f);
                        prop_assert_eq!(t.remove(&f), model.remove(&f).is_some());
                    }
                    Op::Ttl(f, at) => {
                        let f = field(f);
                        let exists = t.set_deadline(&f, at);
                        prop_assert_eq!(exists, model.contains_key(&f));
                        if let Some(e) = model.get_mut(&f) {
                            e.1 = at;
                        }
                    }
                }
            }
            check(&t, &model);
            let copy = t.clone();
            check(&copy, &model);
        }
    }

    #[test]
    fn scan_is_complete_across_growth() {
        let mut t = HashTable::new();
        for i in 0..100u32 {
            t.set(format!("f{i}").as_bytes(), b"v", false);
        }
        let mut seen = HashSet::new();
        let mut pos = 0;
        let mut added = 100u32;
        loop {
            let next = t.scan(pos, 5, 0, |f, _| {
                seen.insert(f.to_vec());
            });
            // Grow the table between calls.
            for _ in 0..50 {
                t.set(format!("f{added}").as_bytes(), b"v", false);
                added += 1;
            }
            match next {
                Some(p) => pos = p,
                None => break,
            }
        }
        for i in 0..100u32 {
            assert!(seen.contains(format!("f{i}").as_bytes()), "f{i} missed");
        }
    }

    #[test]
    fn expiry_hides_fields_and_due_fields_finds_them() {
        let mut t = HashTable::new();
        for i in 0..50u32 {
            t.set(format!("f{i}").as_bytes(), b"v", false);
        }
        for i in 0..10u32 {
            assert!(t.set_deadline(format!("f{i}").as_bytes(), Some(100 + i64::from(i))));
        }
        assert!(!t.set_deadline(b"missing", Some(1)));
        assert_eq!(t.get_live(b"f0", 100), Some(&b"v"[..]), "alive at deadline");
        assert_eq!(t.get_live(b"f0", 101), None);
        assert_eq!(t.expired_count(105), 5);
        assert_eq!(t.iter_live(105).count(), 45);
        assert_eq!(t.min_deadline(), Some(100));
        let mut due = t.due_fields(105, 1000);
        due.sort();
        assert_eq!(due.len(), 5);
        for f in &due {
            assert!(t.remove(f));
        }
        assert_eq!(t.min_deadline(), Some(105));
        // Setting a value clears the TTL unless kept.
        t.set(b"f5", b"w", true);
        assert_eq!(t.deadline(b"f5"), Some(105));
        t.set(b"f5", b"x", false);
        assert_eq!(t.deadline(b"f5"), None);
        assert_eq!(t.ttl_len(), 4);
    }

    #[test]
    fn values_change_shape_in_place() {
        let mut t = HashTable::new();
        t.set(b"k", b"short", false);
        t.set_deadline(b"k", Some(7));
        t.set(b"k", &[b'x'; 100], true);
        assert_eq!(t.get(b"k"), Some(&[b'x'; 100][..]));
        assert_eq!(t.deadline(b"k"), Some(7));
        assert!(t.heap_bytes() > 100);
        t.set(b"k", b"s", true);
        assert_eq!(t.get(b"k"), Some(&b"s"[..]));
        assert!(t.remove(b"k"));
        assert_eq!(t.heap_bytes(), 0);
        assert_eq!(t.len(), 0);
    }
}
