//! Shared by the set benchmarks and the set memory example: set and
//! sorted-set operations behind one adapter trait, for kvstore and for the
//! peers the issue names: std `HashSet` (sets) and a `HashMap` of scores
//! plus a `BTreeSet` of (score, member) (sorted sets), as values of one
//! `HashMap` keyspace behind one `parking_lot::RwLock`.

#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap, HashSet};

use parking_lot::RwLock;

/// The set and sorted-set operations the benchmarks use.
pub trait Sets: Send + Sync {
    fn name(&self) -> &'static str;
    fn zadd_many(&self, key: &[u8], members: &[(f64, Vec<u8>)]);
    fn zrank(&self, key: &[u8], member: &[u8]) -> Option<usize>;
    /// `ZRANGE key min +inf BYSCORE LIMIT 0 count`.
    fn zrange_by_score(&self, key: &[u8], min: f64, count: usize) -> Vec<(Vec<u8>, f64)>;
    fn sadd_many(&self, key: &[u8], members: &[Vec<u8>]);
    fn sismember(&self, key: &[u8], member: &[u8]) -> bool;
    fn sinter(&self, a: &[u8], b: &[u8]) -> Vec<Vec<u8>>;
}

impl Sets for kvstore::Store {
    fn name(&self) -> &'static str {
        "kvstore"
    }
    fn zadd_many(&self, key: &[u8], members: &[(f64, Vec<u8>)]) {
        let _ = self.zadd(key, members.iter().map(|(s, m)| (*s, m)));
    }
    fn zrank(&self, key: &[u8], member: &[u8]) -> Option<usize> {
        kvstore::Store::zrank(self, key, member).ok().flatten()
    }
    fn zrange_by_score(&self, key: &[u8], min: f64, count: usize) -> Vec<(Vec<u8>, f64)> {
        let range = kvstore::ZRange::by_score(
            kvstore::ScoreBound::Inclusive(min),
            kvstore::ScoreBound::Inclusive(f64::INFINITY),
        )
        .limit(0, count as i64);
        self.zrange(key, &range).unwrap_or_default()
    }
    fn sadd_many(&self, key: &[u8], members: &[Vec<u8>]) {
        let _ = self.sadd(key, members);
    }
    fn sismember(&self, key: &[u8], member: &[u8]) -> bool {
        kvstore::Store::sismember(self, key, member).unwrap_or(false)
    }
    fn sinter(&self, a: &[u8], b: &[u8]) -> Vec<Vec<u8>> {
        kvstore::Store::sinter(self, [a, b]).unwrap_or_default()
    }
}

/// A score that orders totally (scores are never NaN).
#[derive(Clone, Copy)]
pub struct Score(pub f64);

impl PartialEq for Score {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The peer's sorted set: scores by member, and the order.
#[derive(Default)]
pub struct StdZSet {
    scores: HashMap<Vec<u8>, f64, ahash::RandomState>,
    order: BTreeSet<(Score, Vec<u8>)>,
}

/// A value of the peer's keyspace.
pub enum StdValue {
    Set(HashSet<Vec<u8>, ahash::RandomState>),
    ZSet(StdZSet),
}

/// The peer: std collections in one map behind one lock.
#[derive(Default)]
pub struct StdSets(pub RwLock<HashMap<Vec<u8>, StdValue, ahash::RandomState>>);

impl Sets for StdSets {
    fn name(&self) -> &'static str {
        "RwLock<std>"
    }
    fn zadd_many(&self, key: &[u8], members: &[(f64, Vec<u8>)]) {
        let mut map = self.0.write();
        let value = map
            .entry(key.to_vec())
            .or_insert_with(|| StdValue::ZSet(StdZSet::default()));
        let StdValue::ZSet(z) = value else { return };
        for (score, member) in members {
            if let Some(old) = z.scores.insert(member.clone(), *score) {
                z.order.remove(&(Score(old), member.clone()));
            }
            z.order.insert((Score(*score), member.clone()));
        }
    }
    fn zrank(&self, key: &[u8], member: &[u8]) -> Option<usize> {
        let map = self.0.read();
        let Some(StdValue::ZSet(z)) = map.get(key) else {
            return None;
        };
        let score = *z.scores.get(member)?;
        // A BTreeSet has no rank: count what precedes.
        Some(z.order.range(..(Score(score), member.to_vec())).count())
    }
    fn zrange_by_score(&self, key: &[u8], min: f64, count: usize) -> Vec<(Vec<u8>, f64)> {
        let map = self.0.read();
        let Some(StdValue::ZSet(z)) = map.get(key) else {
            return Vec::new();
        };
        z.order
            .range((Score(min), Vec::new())..)
            .take(count)
            .map(|(s, m)| (m.clone(), s.0))
            .collect()
    }
    fn sadd_many(&self, key: &[u8], members: &[Vec<u8>]) {
        let mut map = self.0.write();
        let value = map
            .entry(key.to_vec())
            .or_insert_with(|| StdValue::Set(HashSet::default()));
        if let StdValue::Set(set) = value {
            set.extend(members.iter().cloned());
        }
    }
    fn sismember(&self, key: &[u8], member: &[u8]) -> bool {
        matches!(self.0.read().get(key), Some(StdValue::Set(s)) if s.contains(member))
    }
    fn sinter(&self, a: &[u8], b: &[u8]) -> Vec<Vec<u8>> {
        let map = self.0.read();
        let (Some(StdValue::Set(a)), Some(StdValue::Set(b))) = (map.get(a), map.get(b)) else {
            return Vec::new();
        };
        let (small, big) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        small.iter().filter(|m| big.contains(*m)).cloned().collect()
    }
}

/// Builds an empty system by name.
pub fn build(name: &str) -> Option<Box<dyn Sets>> {
    Some(match name {
        "kvstore" => Box::new(kvstore::Store::new()),
        "RwLock<std>" => Box::new(StdSets::default()),
        _ => return None,
    })
}

pub const SYSTEMS: [&str; 2] = ["kvstore", "RwLock<std>"];

/// Members of the big sorted set and the big sets.
pub const BIG: usize = 1_000_000;
/// Members of each of the two sets SINTER intersects (half shared).
pub const INTER: usize = 100_000;

/// A 16-byte member derived from `i` (never an integer).
pub fn member(i: usize) -> Vec<u8> {
    let mut v = b"member:-".to_vec();
    let mut n = i;
    let mut tail = [b'a'; 8];
    for d in tail.iter_mut().rev() {
        *d = b'a' + (n % 26) as u8;
        n /= 26;
    }
    v.extend_from_slice(&tail);
    v
}

/// The score of member `i` in the big sorted set.
pub fn score(i: usize) -> f64 {
    i as f64 * 1.5
}

/// Loads `zset` with `n` members, in batches of 1000.
pub fn load_zset(system: &dyn Sets, n: usize) {
    for start in (0..n).step_by(1000) {
        let batch: Vec<(f64, Vec<u8>)> = (start..(start + 1000).min(n))
            .map(|i| (score(i), member(i)))
            .collect();
        system.zadd_many(b"zset", &batch);
    }
}

/// Loads `intset` with `n` integers `i * 7`, in batches of 1000.
pub fn load_int_set(system: &dyn Sets, n: usize) {
    for start in (0..n).step_by(1000) {
        let batch: Vec<Vec<u8>> = (start..(start + 1000).min(n))
            .map(|i| (i * 7).to_string().into_bytes())
            .collect();
        system.sadd_many(b"intset", &batch);
    }
}

/// Loads `strset` with `n` 16-byte members, in batches of 1000.
pub fn load_string_set(system: &dyn Sets, n: usize) {
    for start in (0..n).step_by(1000) {
        let batch: Vec<Vec<u8>> = (start..(start + 1000).min(n)).map(member).collect();
        system.sadd_many(b"strset", &batch);
    }
}

/// Loads `inter:a` (members 0..INTER) and `inter:b` (INTER/2..INTER*3/2).
pub fn load_inter_sets(system: &dyn Sets) {
    let a: Vec<Vec<u8>> = (0..INTER).map(member).collect();
    let b: Vec<Vec<u8>> = (INTER / 2..INTER * 3 / 2).map(member).collect();
    for chunk in a.chunks(1000) {
        system.sadd_many(b"inter:a", chunk);
    }
    for chunk in b.chunks(1000) {
        system.sadd_many(b"inter:b", chunk);
    }
}
