//! The 32-byte buckets of the keyspace and expires tables.
//!
//! A random GET over a million keys is bound by cache misses, so a key and a
//! short value live inside the bucket itself: one 32-byte bucket (half a cache
//! line, never straddling two) answers the lookup with a single miss. A key of
//! 12 bytes and a value of 16 fit together; longer keys and values move to the
//! heap one at a time, so the common case pays nothing for the rare one.

use std::mem;

use thin_vec::ThinVec;

use super::table::Bucket;
use crate::value::{Value, ValueRef, heap_size};

/// Bytes shared by key and string value in a [`Slot::Packed`] bucket.
const PACKED: usize = 28;
/// Longest key kept inline next to a full [`Value`].
const SHORT_KEY: usize = 13;
/// Longest key kept inline in an expires bucket.
const SHORT_EXPIRE_KEY: usize = 21;

/// Low bits of a slot's `km` byte: the length of an inline key.
const KLEN_MASK: u8 = 0x1f;
/// The key has a time to live (its deadline is in the expires table).
pub(crate) const FLAG_EXPIRES: u8 = 0x20;
/// The string was last written by APPEND/SETRANGE (Redis's `raw` encoding).
pub(crate) const FLAG_RAW: u8 = 0x40;
const FLAGS_MASK: u8 = FLAG_EXPIRES | FLAG_RAW;

const _: () = assert!(PACKED <= KLEN_MASK as usize && SHORT_KEY <= PACKED);

/// One bucket of the keyspace table.
#[repr(u8, align(32))]
pub(crate) enum Slot {
    Empty,
    /// Key and string value together in `buf`: `key ++ value`.
    Packed {
        dist: u8,
        km: u8,
        vlen: u8,
        buf: [u8; PACKED],
    },
    /// A short key inline, any value.
    Short {
        dist: u8,
        km: u8,
        key: [u8; SHORT_KEY],
        value: Value,
    },
    /// A key on the heap, with 40 bits of its hash to skip most comparisons.
    Long {
        dist: u8,
        km: u8,
        fp: [u8; 5],
        key: ThinVec<u8>,
        value: Value,
    },
}

const _: () = assert!(mem::size_of::<Slot>() == 32);

/// A key taken out of a slot, to be put back with another value.
enum OwnedKey {
    Inline { len: usize, buf: [u8; PACKED] },
    Heap(ThinVec<u8>),
}

impl OwnedKey {
    fn from_slice(key: &[u8]) -> OwnedKey {
        if key.len() <= PACKED {
            let mut buf = [0u8; PACKED];
            buf[..key.len()].copy_from_slice(key);
            OwnedKey::Inline {
                len: key.len(),
                buf,
            }
        } else {
            OwnedKey::Heap(ThinVec::from(key))
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            OwnedKey::Inline { len, buf } => &buf[..*len],
            OwnedKey::Heap(v) => v,
        }
    }

    fn into_heap(self) -> ThinVec<u8> {
        match self {
            OwnedKey::Inline { len, buf } => ThinVec::from(&buf[..len]),
            OwnedKey::Heap(v) => v,
        }
    }
}

fn fingerprint(hash: u64) -> [u8; 5] {
    let b = hash.to_le_bytes();
    [b[0], b[1], b[2], b[3], b[4]]
}

/// `len` as a `u8`, for lengths already checked against a small bound.
fn small_len(len: usize) -> u8 {
    u8::try_from(len).unwrap_or(u8::MAX)
}

impl Slot {
    /// A slot holding `key` and `value` with the given flags.
    pub(crate) fn new(key: &[u8], value: Value, flags: u8, hash: u64) -> Slot {
        Slot::build(OwnedKey::from_slice(key), value, flags, hash)
    }

    fn build(key: OwnedKey, value: Value, flags: u8, hash: u64) -> Slot {
        let flags = flags & FLAGS_MASK;
        let k = key.as_slice();
        if let Some(bytes) = value.str_bytes()
            && k.len() + bytes.len() <= PACKED
        {
            let mut buf = [0u8; PACKED];
            buf[..k.len()].copy_from_slice(k);
            buf[k.len()..k.len() + bytes.len()].copy_from_slice(bytes);
            return Slot::Packed {
                dist: 0,
                km: small_len(k.len()) | flags,
                vlen: small_len(bytes.len()),
                buf,
            };
        }
        if k.len() <= SHORT_KEY {
            let mut inline = [0u8; SHORT_KEY];
            inline[..k.len()].copy_from_slice(k);
            return Slot::Short {
                dist: 0,
                km: small_len(k.len()) | flags,
                key: inline,
                value,
            };
        }
        Slot::Long {
            dist: 0,
            km: flags,
            fp: fingerprint(hash),
            key: key.into_heap(),
            value,
        }
    }

    fn km(&self) -> u8 {
        match self {
            Slot::Empty => 0,
            Slot::Packed { km, .. } | Slot::Short { km, .. } | Slot::Long { km, .. } => *km,
        }
    }

    fn km_mut(&mut self) -> Option<&mut u8> {
        match self {
            Slot::Empty => None,
            Slot::Packed { km, .. } | Slot::Short { km, .. } | Slot::Long { km, .. } => Some(km),
        }
    }

    /// The `FLAG_*` bits of this slot.
    pub(crate) fn flags(&self) -> u8 {
        self.km() & FLAGS_MASK
    }

    pub(crate) fn has_flag(&self, flag: u8) -> bool {
        self.km() & flag != 0
    }

    pub(crate) fn set_flag(&mut self, flag: u8, on: bool) {
        if let Some(km) = self.km_mut() {
            if on {
                *km |= flag & FLAGS_MASK;
            } else {
                *km &= !(flag & FLAGS_MASK);
            }
        }
    }

    pub(crate) fn value(&self) -> ValueRef<'_> {
        match self {
            Slot::Packed { km, vlen, buf, .. } => {
                let k = usize::from(km & KLEN_MASK);
                let v = usize::from(*vlen);
                ValueRef::Str(buf.get(k..k + v).unwrap_or_default())
            }
            Slot::Short { value, .. } | Slot::Long { value, .. } => value.as_ref(),
            // Never asked of an empty bucket; an empty string is harmless.
            Slot::Empty => ValueRef::Str(&[]),
        }
    }

    /// A deep copy of the value.
    pub(crate) fn duplicate_value(&self) -> Option<Value> {
        match self {
            Slot::Empty => None,
            Slot::Packed { .. } => match self.value() {
                ValueRef::Str(bytes) => Some(Value::from_raw_bytes(bytes)),
                _ => None,
            },
            Slot::Short { value, .. } | Slot::Long { value, .. } => Some(value.duplicate()),
        }
    }

    /// The value in place, for values that are not packed with the key.
    pub(crate) fn value_mut(&mut self) -> Option<&mut Value> {
        match self {
            Slot::Short { value, .. } | Slot::Long { value, .. } => Some(value),
            Slot::Packed { .. } | Slot::Empty => None,
        }
    }

    /// Replaces the value, keeping the key, position and flags.
    pub(crate) fn set_value(&mut self, value: Value, hash: u64) {
        // Fast paths: the bucket keeps its shape.
        match self {
            Slot::Packed { km, vlen, buf, .. } => {
                let k = usize::from(*km & KLEN_MASK);
                if let Some(bytes) = value.str_bytes()
                    && k + bytes.len() <= PACKED
                {
                    buf[k..k + bytes.len()].copy_from_slice(bytes);
                    *vlen = small_len(bytes.len());
                    return;
                }
            }
            Slot::Short { km, value: old, .. } => {
                let k = usize::from(*km & KLEN_MASK);
                let packable = value.str_bytes().is_some_and(|b| k + b.len() <= PACKED);
                if !packable {
                    *old = value;
                    return;
                }
            }
            Slot::Long {
                key, value: old, ..
            } => {
                let packable = value
                    .str_bytes()
                    .is_some_and(|b| key.len() + b.len() <= PACKED);
                if !packable {
                    *old = value;
                    return;
                }
            }
            Slot::Empty => return,
        }
        let dist = self.dist();
        let flags = self.flags();
        let old = mem::replace(self, Slot::Empty);
        let (key, _) = old.into_parts();
        *self = Slot::build(key, value, flags, hash);
        self.set_dist(dist);
    }

    /// The value, consuming the slot.
    pub(crate) fn into_value(self) -> Value {
        self.into_parts().1
    }

    fn into_parts(self) -> (OwnedKey, Value) {
        match self {
            Slot::Empty => (OwnedKey::from_slice(&[]), Value::from_raw_bytes(&[])),
            Slot::Packed { km, vlen, buf, .. } => {
                let k = usize::from(km & KLEN_MASK);
                let v = usize::from(vlen);
                let mut key = [0u8; PACKED];
                key[..k].copy_from_slice(&buf[..k]);
                let value = Value::from_raw_bytes(buf.get(k..k + v).unwrap_or_default());
                (OwnedKey::Inline { len: k, buf: key }, value)
            }
            Slot::Short { km, key, value, .. } => {
                let k = usize::from(km & KLEN_MASK);
                (OwnedKey::from_slice(&key[..k]), value)
            }
            Slot::Long { key, value, .. } => (OwnedKey::Heap(key), value),
        }
    }

    /// Bytes this slot owns on the heap, as the allocator hands them out.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Slot::Empty | Slot::Packed { .. } => 0,
            Slot::Short { value, .. } => value.heap_bytes(),
            Slot::Long { key, value, .. } => heap_size(key) + value.heap_bytes(),
        }
    }
}

impl Bucket for Slot {
    const CLOCKED: bool = true;

    fn empty() -> Self {
        Slot::Empty
    }

    #[inline]
    fn dist(&self) -> u8 {
        match self {
            Slot::Empty => 0,
            Slot::Packed { dist, .. } | Slot::Short { dist, .. } | Slot::Long { dist, .. } => *dist,
        }
    }

    fn set_dist(&mut self, d: u8) {
        match self {
            Slot::Empty => {}
            Slot::Packed { dist, .. } | Slot::Short { dist, .. } | Slot::Long { dist, .. } => {
                *dist = d;
            }
        }
    }

    #[inline]
    fn key(&self) -> &[u8] {
        match self {
            Slot::Empty => &[],
            Slot::Packed { km, buf, .. } => &buf[..usize::from(km & KLEN_MASK).min(PACKED)],
            Slot::Short { km, key, .. } => &key[..usize::from(km & KLEN_MASK).min(SHORT_KEY)],
            Slot::Long { key, .. } => key,
        }
    }

    #[inline]
    fn matches(&self, key: &[u8], hash: u64) -> bool {
        match self {
            Slot::Long { fp, key: k, .. } => *fp == fingerprint(hash) && k.as_slice() == key,
            _ => self.key() == key,
        }
    }
}

/// One bucket of the expires table: a key and its deadline (Unix ms).
#[repr(u8)]
pub(crate) enum ExpireSlot {
    Empty,
    Short {
        dist: u8,
        klen: u8,
        key: [u8; SHORT_EXPIRE_KEY],
        at: i64,
    },
    Long {
        dist: u8,
        fp: [u8; 6],
        key: ThinVec<u8>,
        at: i64,
    },
}

const _: () = assert!(mem::size_of::<ExpireSlot>() == 32);

impl ExpireSlot {
    pub(crate) fn new(key: &[u8], at: i64, hash: u64) -> ExpireSlot {
        if key.len() <= SHORT_EXPIRE_KEY {
            let mut buf = [0u8; SHORT_EXPIRE_KEY];
            buf[..key.len()].copy_from_slice(key);
            ExpireSlot::Short {
                dist: 0,
                klen: small_len(key.len()),
                key: buf,
                at,
            }
        } else {
            let b = hash.to_le_bytes();
            ExpireSlot::Long {
                dist: 0,
                fp: [b[0], b[1], b[2], b[3], b[4], b[5]],
                key: ThinVec::from(key),
                at,
            }
        }
    }

    pub(crate) fn at(&self) -> i64 {
        match self {
            ExpireSlot::Empty => i64::MAX,
            ExpireSlot::Short { at, .. } | ExpireSlot::Long { at, .. } => *at,
        }
    }

    pub(crate) fn set_at(&mut self, when: i64) {
        match self {
            ExpireSlot::Empty => {}
            ExpireSlot::Short { at, .. } | ExpireSlot::Long { at, .. } => *at = when,
        }
    }

    /// Bytes this slot owns on the heap (a long key), as the allocator
    /// hands them out.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            ExpireSlot::Long { key, .. } => heap_size(key),
            _ => 0,
        }
    }
}

impl Bucket for ExpireSlot {
    fn empty() -> Self {
        ExpireSlot::Empty
    }

    #[inline]
    fn dist(&self) -> u8 {
        match self {
            ExpireSlot::Empty => 0,
            ExpireSlot::Short { dist, .. } | ExpireSlot::Long { dist, .. } => *dist,
        }
    }

    fn set_dist(&mut self, d: u8) {
        match self {
            ExpireSlot::Empty => {}
            ExpireSlot::Short { dist, .. } | ExpireSlot::Long { dist, .. } => *dist = d,
        }
    }

    fn key(&self) -> &[u8] {
        match self {
            ExpireSlot::Empty => &[],
            ExpireSlot::Short { klen, key, .. } => &key[..usize::from(*klen).min(SHORT_EXPIRE_KEY)],
            ExpireSlot::Long { key, .. } => key,
        }
    }

    fn matches(&self, key: &[u8], hash: u64) -> bool {
        match self {
            ExpireSlot::Long { fp, key: k, .. } => {
                let b = hash.to_le_bytes();
                *fp == [b[0], b[1], b[2], b[3], b[4], b[5]] && k.as_slice() == key
            }
            _ => self.key() == key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(key: &[u8], value: Value) {
        let expect = value.as_ref().to_str_vec().ok();
        let mut slot = Slot::new(key, value, FLAG_EXPIRES, 0xdead_beef_1234);
        slot.set_dist(3);
        assert_eq!(slot.key(), key);
        assert!(slot.matches(key, 0xdead_beef_1234));
        assert_eq!(slot.value().to_str_vec().ok(), expect);
        assert!(slot.has_flag(FLAG_EXPIRES));
        assert!(!slot.has_flag(FLAG_RAW));
        // Replace with values of every shape, keeping key, dist and flags.
        for v in [&b"x"[..], &[7u8; 20], &[9u8; 300], b"12345"] {
            slot.set_value(Value::from_bytes(v), 0xdead_beef_1234);
            assert_eq!(slot.key(), key);
            assert_eq!(slot.dist(), 3);
            assert!(slot.has_flag(FLAG_EXPIRES));
            assert_eq!(slot.value().to_str_vec().ok().as_deref(), Some(v));
        }
    }

    #[test]
    fn every_key_and_value_shape_round_trips() {
        for klen in [0usize, 1, 12, 13, 14, 27, 28, 29, 100] {
            let key: Vec<u8> = (0..klen).map(|i| i as u8).collect();
            round_trip(&key, Value::from_bytes(b""));
            round_trip(&key, Value::from_bytes(b"-42"));
            round_trip(&key, Value::from_bytes(&[b'v'; 16]));
            round_trip(&key, Value::from_bytes(&[b'w'; 14]));
            round_trip(&key, Value::from_bytes(&[b'z'; 1000]));
        }
    }

    #[test]
    fn the_benchmark_shape_is_packed() {
        let slot = Slot::new(b"key:00000001", Value::from_bytes(&[b'v'; 16]), 0, 1);
        assert!(matches!(slot, Slot::Packed { .. }));
        assert_eq!(slot.heap_bytes(), 0);
        assert_eq!(mem::align_of::<Slot>(), 32);
    }

    #[test]
    fn long_keys_compare_fingerprints_first() {
        let key = [b'k'; 40];
        let slot = Slot::new(&key, Value::Int(1), 0, 0x1111);
        assert!(slot.matches(&key, 0x1111));
        assert!(!slot.matches(&key, 0x2222));
        assert!(slot.heap_bytes() > 40);
    }

    #[test]
    fn expire_slots_hold_any_key() {
        for klen in [0usize, 21, 22, 64] {
            let key = vec![b'e'; klen];
            let mut e = ExpireSlot::new(&key, 99, 7);
            e.set_dist(1);
            assert_eq!(e.key(), &key[..]);
            assert!(e.matches(&key, 7));
            assert_eq!(e.at(), 99);
            e.set_at(5);
            assert_eq!(e.at(), 5);
        }
    }
}
