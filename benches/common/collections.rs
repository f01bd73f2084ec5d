//! Shared by the collection benchmarks and the collection memory example:
//! list and hash operations behind one adapter trait, for kvstore and for
//! the peer the issue names: std's `VecDeque` (lists) and `HashMap` (hashes)
//! values in one `HashMap` keyspace behind one `parking_lot::RwLock`.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};

use parking_lot::RwLock;

/// The list and hash operations the benchmarks use.
pub trait Collections: Send + Sync {
    fn name(&self) -> &'static str;
    fn lpush(&self, key: &[u8], element: &[u8]);
    fn rpush_many(&self, key: &[u8], elements: &[Vec<u8>]);
    fn rpop(&self, key: &[u8]) -> Option<Vec<u8>>;
    fn lrange(&self, key: &[u8], start: usize, stop: usize) -> Vec<Vec<u8>>;
    fn hset(&self, key: &[u8], field: &[u8], value: &[u8]);
    fn hget(&self, key: &[u8], field: &[u8]) -> Option<Vec<u8>>;
}

impl Collections for kvstore::Store {
    fn name(&self) -> &'static str {
        "kvstore"
    }
    fn lpush(&self, key: &[u8], element: &[u8]) {
        let _ = kvstore::Store::lpush(self, key, [element]);
    }
    fn rpush_many(&self, key: &[u8], elements: &[Vec<u8>]) {
        let _ = kvstore::Store::rpush(self, key, elements);
    }
    fn rpop(&self, key: &[u8]) -> Option<Vec<u8>> {
        kvstore::Store::rpop(self, key).ok().flatten()
    }
    fn lrange(&self, key: &[u8], start: usize, stop: usize) -> Vec<Vec<u8>> {
        kvstore::Store::lrange(self, key, start as i64, stop as i64).unwrap_or_default()
    }
    fn hset(&self, key: &[u8], field: &[u8], value: &[u8]) {
        let _ = kvstore::Store::hset(self, key, [(field, value)]);
    }
    fn hget(&self, key: &[u8], field: &[u8]) -> Option<Vec<u8>> {
        kvstore::Store::hget(self, key, field).ok().flatten()
    }
}

/// A value of the peer's keyspace.
pub enum StdValue {
    List(VecDeque<Vec<u8>>),
    Hash(HashMap<Vec<u8>, Vec<u8>, ahash::RandomState>),
}

/// The peer: std collections in one map behind one lock.
#[derive(Default)]
pub struct StdCollections(pub RwLock<HashMap<Vec<u8>, StdValue, ahash::RandomState>>);

impl StdCollections {
    fn with_list<R>(&self, key: &[u8], f: impl FnOnce(&mut VecDeque<Vec<u8>>) -> R) -> Option<R> {
        let mut map = self.0.write();
        if !map.contains_key(key) {
            map.insert(key.to_vec(), StdValue::List(VecDeque::new()));
        }
        match map.get_mut(key) {
            Some(StdValue::List(list)) => Some(f(list)),
            _ => None,
        }
    }
}

impl Collections for StdCollections {
    fn name(&self) -> &'static str {
        "RwLock<std>"
    }
    fn lpush(&self, key: &[u8], element: &[u8]) {
        self.with_list(key, |l| l.push_front(element.to_vec()));
    }
    fn rpush_many(&self, key: &[u8], elements: &[Vec<u8>]) {
        self.with_list(key, |l| l.extend(elements.iter().cloned()));
    }
    fn rpop(&self, key: &[u8]) -> Option<Vec<u8>> {
        let mut map = self.0.write();
        let Some(StdValue::List(list)) = map.get_mut(key) else {
            return None;
        };
        let popped = list.pop_back();
        if list.is_empty() {
            map.remove(key);
        }
        popped
    }
    fn lrange(&self, key: &[u8], start: usize, stop: usize) -> Vec<Vec<u8>> {
        match self.0.read().get(key) {
            Some(StdValue::List(list)) => list
                .range(start..=stop.min(list.len().saturating_sub(1)))
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }
    fn hset(&self, key: &[u8], field: &[u8], value: &[u8]) {
        let mut map = self.0.write();
        if !map.contains_key(key) {
            map.insert(key.to_vec(), StdValue::Hash(HashMap::default()));
        }
        if let Some(StdValue::Hash(hash)) = map.get_mut(key) {
            match hash.get_mut(field) {
                Some(v) => {
                    v.clear();
                    v.extend_from_slice(value);
                }
                None => {
                    hash.insert(field.to_vec(), value.to_vec());
                }
            }
        }
    }
    fn hget(&self, key: &[u8], field: &[u8]) -> Option<Vec<u8>> {
        match self.0.read().get(key) {
            Some(StdValue::Hash(hash)) => hash.get(field).cloned(),
            _ => None,
        }
    }
}

/// Builds an empty system by name.
pub fn build(name: &str) -> Option<Box<dyn Collections>> {
    Some(match name {
        "kvstore" => Box::new(kvstore::Store::new()),
        "RwLock<std>" => Box::new(StdCollections::default()),
        _ => return None,
    })
}

pub const SYSTEMS: [&str; 2] = ["kvstore", "RwLock<std>"];

/// Number of elements of the big list and fields of the big hash.
pub const BIG: usize = 1_000_000;
/// Number of small hashes, and fields in each.
pub const SMALL_HASHES: usize = 100_000;
pub const SMALL_FIELDS: usize = 10;

/// `hash:%06d`: the key of small hash `i`.
pub fn hash_key(i: usize) -> Vec<u8> {
    format!("hash:{i:06}").into_bytes()
}

/// `field:%d`: field `i` of a hash.
pub fn field(i: usize) -> Vec<u8> {
    format!("field:{i}").into_bytes()
}

/// `field:%d` written into `buf`, without allocating (for timed loops).
pub fn field_into(i: usize, buf: &mut [u8; 32]) -> &[u8] {
    write_into(b"field:", i, 0, buf)
}

/// `hash:%06d` written into `buf`, without allocating.
pub fn hash_key_into(i: usize, buf: &mut [u8; 32]) -> &[u8] {
    write_into(b"hash:", i, 6, buf)
}

/// `prefix` then `n` in decimal, zero-padded to `width` digits.
fn write_into<'a>(prefix: &[u8], n: usize, width: usize, buf: &'a mut [u8; 32]) -> &'a [u8] {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n).as_bytes();
    let pad = width.saturating_sub(digits.len());
    let len = prefix.len() + pad + digits.len();
    buf[..prefix.len()].copy_from_slice(prefix);
    buf[prefix.len()..prefix.len() + pad].fill(b'0');
    buf[prefix.len() + pad..len].copy_from_slice(digits);
    &buf[..len]
}

/// A 16-byte value derived from `i` (never an integer).
pub fn value16(i: usize) -> Vec<u8> {
    let mut v = b"value:v-".to_vec();
    let mut n = i;
    let mut tail = [b'a'; 8];
    for d in tail.iter_mut().rev() {
        *d = b'a' + (n % 26) as u8;
        n /= 26;
    }
    v.extend_from_slice(&tail);
    v
}

/// Loads one list `list` of `n` 16-byte elements, in batches of 1000.
pub fn load_list(system: &dyn Collections, n: usize) {
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n {
        batch.push(value16(i));
        if batch.len() == 1000 {
            system.rpush_many(b"list", &batch);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        system.rpush_many(b"list", &batch);
    }
}

/// Loads one hash `bighash` of `n` fields.
pub fn load_big_hash(system: &dyn Collections, n: usize) {
    for i in 0..n {
        system.hset(b"bighash", &field(i), &value16(i));
    }
}

/// Loads `SMALL_HASHES` hashes of `SMALL_FIELDS` fields.
pub fn load_small_hashes(system: &dyn Collections) {
    for h in 0..SMALL_HASHES {
        let key = hash_key(h);
        for f in 0..SMALL_FIELDS {
            system.hset(&key, &field(f), &value16(h * SMALL_FIELDS + f));
        }
    }
}
