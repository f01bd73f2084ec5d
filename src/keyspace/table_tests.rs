//! Tests of the keyspace's hash table: invariants, resizing, SCAN under
//! resizes, access clocks.

use super::*;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

/// A simple bucket for testing the table alone.
#[derive(Debug, Clone, PartialEq)]
struct TestBucket {
    dist: u8,
    key: Vec<u8>,
    value: u32,
}

impl Bucket for TestBucket {
    fn empty() -> Self {
        TestBucket {
            dist: 0,
            key: Vec::new(),
            value: 0,
        }
    }
    fn dist(&self) -> u8 {
        self.dist
    }
    fn set_dist(&mut self, dist: u8) {
        self.dist = dist;
    }
    fn key(&self) -> &[u8] {
        &self.key
    }
    fn matches(&self, key: &[u8], _hash: u64) -> bool {
        self.key == key
    }
}

/// A bucket whose table keeps access clocks.
#[derive(Debug, Clone, PartialEq)]
struct Clocked(TestBucket);

impl Bucket for Clocked {
    const CLOCKED: bool = true;
    fn empty() -> Self {
        Clocked(TestBucket::empty())
    }
    fn dist(&self) -> u8 {
        self.0.dist
    }
    fn set_dist(&mut self, dist: u8) {
        self.0.dist = dist;
    }
    fn key(&self) -> &[u8] {
        &self.0.key
    }
    fn matches(&self, key: &[u8], _hash: u64) -> bool {
        self.0.key == key
    }
}

fn table() -> Table<TestBucket> {
    Table::new(ahash::RandomState::with_seeds(1, 2, 3, 4))
}

fn put(t: &mut Table<TestBucket>, key: &[u8], value: u32) {
    let h = t.hash(key);
    match t.find(key, h) {
        Some(i) => t.get_mut(i).expect("found").value = value,
        None => t.insert_new(
            h,
            TestBucket {
                dist: 0,
                key: key.to_vec(),
                value,
            },
        ),
    }
}

fn del(t: &mut Table<TestBucket>, key: &[u8]) -> Option<u32> {
    let h = t.hash(key);
    let i = t.find(key, h)?;
    let b = t.remove_at(i)?;
    t.shrink_if_sparse();
    Some(b.value)
}

fn get(t: &Table<TestBucket>, key: &[u8]) -> Option<u32> {
    let h = t.hash(key);
    t.find(key, h).and_then(|i| t.get(i)).map(|b| b.value)
}

/// Checks the Robin Hood ordering and the distances against real hashes.
fn check_invariants(t: &Table<TestBucket>) {
    let mut last_home = 0;
    let mut count = 0;
    for (i, b) in t.buckets.iter().enumerate() {
        if b.dist == 0 {
            continue;
        }
        count += 1;
        let home = t.home(t.hash(&b.key));
        assert_eq!(home + usize::from(b.dist) - 1, i, "stored distance");
        assert!(home >= last_home, "sorted by home");
        last_home = home;
    }
    assert_eq!(count, t.len);
    if let Some(last) = t.buckets.last() {
        assert_eq!(last.dist, 0, "last position stays empty");
    }
}

#[test]
fn grows_and_shrinks_keeping_every_key() {
    let mut t = table();
    for i in 0..10_000u32 {
        put(&mut t, format!("key:{i}").as_bytes(), i);
    }
    check_invariants(&t);
    assert_eq!(t.len(), 10_000);
    let load = t.len() as f64 / t.cap as f64;
    assert!(load > 0.5 && load <= 0.85, "load {load}");
    for i in 0..10_000u32 {
        assert_eq!(get(&t, format!("key:{i}").as_bytes()), Some(i));
    }
    for i in 0..9_900u32 {
        assert_eq!(del(&mut t, format!("key:{i}").as_bytes()), Some(i));
    }
    check_invariants(&t);
    assert!(t.cap < 1000, "shrunk to {}", t.cap);
    for i in 9_900..10_000u32 {
        assert_eq!(get(&t, format!("key:{i}").as_bytes()), Some(i));
    }
    for i in 9_900..10_000u32 {
        del(&mut t, format!("key:{i}").as_bytes());
    }
    assert_eq!(t.allocated_bytes(), 0);
}

/// Deleting in hash order (SCAN, then DEL) leaves the rest crowded at
/// the top of the hash space; the table must not rebuild itself on
/// every removal.
#[test]
fn deleting_in_hash_order_does_not_rebuild_on_every_removal() {
    let mut t = table();
    for i in 0..20_000u32 {
        put(&mut t, format!("key:{i}").as_bytes(), i);
    }
    let mut keys: Vec<Vec<u8>> = t.iter().map(|b| b.key.clone()).collect();
    keys.sort_by_key(|k| t.hash(k));
    let mut rebuilds = 0;
    for key in &keys[..19_000] {
        let before = t.buckets.len();
        del(&mut t, key);
        if t.buckets.len() != before {
            rebuilds += 1;
        }
    }
    check_invariants(&t);
    assert!(rebuilds < 100, "{rebuilds} rebuilds for 19,000 removals");
    for key in &keys[19_000..] {
        assert!(get(&t, key).is_some());
    }
}

#[test]
fn first_pos_of_home_is_the_inverse_of_home_of() {
    for cap in [8usize, 9, 13, 1000, 123_457] {
        for home in [0, 1, cap / 2, cap - 1] {
            let p = first_pos_of_home(home, cap);
            assert_eq!(home_of(u64::from(p), cap), home);
            if p > 0 {
                assert_eq!(home_of(u64::from(p) - 1, cap), home - 1);
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Put(u16, u32),
    Del(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u16..400, any::<u32>()).prop_map(|(k, v)| Op::Put(k, v)),
        2 => (0u16..400).prop_map(Op::Del),
    ]
}

proptest! {
    /// Each bucket's clock moves with it through Robin Hood swaps,
    /// backward-shift deletions, growth and shrinking.
    #[test]
    fn clocks_follow_their_buckets(ops in proptest::collection::vec(op(), 1..600)) {
        let mut t: Table<Clocked> = Table::new(ahash::RandomState::with_seeds(5, 6, 7, 8));
        let mut model: HashMap<u16, u32> = HashMap::new();
        for op in ops {
            match op {
                Op::Put(k, v) => {
                    let key = k.to_le_bytes();
                    let h = t.hash(&key);
                    match t.find(&key, h) {
                        Some(i) => t.set_clock(i, v),
                        None => t.insert_clocked(h, Clocked(TestBucket { dist: 0, key: key.to_vec(), value: 0 }), v),
                    }
                    model.insert(k, v);
                }
                Op::Del(k) => {
                    let key = k.to_le_bytes();
                    let h = t.hash(&key);
                    if let Some(i) = t.find(&key, h) {
                        t.remove_at(i);
                        t.shrink_if_sparse();
                    }
                    model.remove(&k);
                }
            }
        }
        for (k, v) in &model {
            let key = k.to_le_bytes();
            let i = t.find(&key, t.hash(&key));
            prop_assert_eq!(i.map(|i| t.clock(i)), Some(*v));
        }
        prop_assert_eq!(t.len(), model.len());
        while t.shrink_step() {}
        for (k, v) in &model {
            let key = k.to_le_bytes();
            let i = t.find(&key, t.hash(&key));
            prop_assert_eq!(i.map(|i| t.clock(i)), Some(*v));
        }
    }

    #[test]
    fn behaves_like_a_hashmap(ops in proptest::collection::vec(op(), 1..600)) {
        let mut t = table();
        let mut model = HashMap::new();
        for op in ops {
            match op {
                Op::Put(k, v) => {
                    put(&mut t, &k.to_le_bytes(), v);
                    model.insert(k, v);
                }
                Op::Del(k) => {
                    prop_assert_eq!(del(&mut t, &k.to_le_bytes()), model.remove(&k));
                }
            }
        }
        check_invariants(&t);
        prop_assert_eq!(t.len(), model.len());
        for (k, v) in &model {
            prop_assert_eq!(get(&t, &k.to_le_bytes()), Some(*v));
        }
    }

    /// Redis's SCAN guarantee under growth and shrinking: a key present
    /// for the whole scan is returned at least once.
    #[test]
    fn scan_returns_every_stable_key_despite_resizes(
        stable in 1usize..300,
        churn in proptest::collection::vec((any::<bool>(), 0usize..2000), 0..40),
        count in 1usize..20,
    ) {
        let mut t = table();
        for i in 0..stable {
            put(&mut t, format!("stable:{i}").as_bytes(), 0);
        }
        let mut seen = HashSet::new();
        let mut pos = 0u32;
        let mut steps = churn.into_iter();
        loop {
            let next = t.scan(pos, count, |b| { seen.insert(b.key.clone()); });
            // Between calls, grow or shrink the table a lot.
            if let Some((grow, n)) = steps.next() {
                for j in 0..n {
                    let k = format!("churn:{j}");
                    if grow { put(&mut t, k.as_bytes(), 1); } else { del(&mut t, k.as_bytes()); }
                }
            }
            match next {
                Some(p) => { prop_assert!(p > pos || pos == 0); pos = p; }
                None => break,
            }
        }
        for i in 0..stable {
            prop_assert!(seen.contains(format!("stable:{i}").as_bytes()), "missed stable:{}", i);
        }
    }
}
