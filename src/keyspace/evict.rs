//! Choosing and deleting a victim in one shard (Redis's `evict.c`): the
//! sampled approximations of LRU, LFU and TTL order, and the random
//! policies.
//!
//! Each shard keeps its own eviction pool: the best candidates (highest
//! score) seen by its past samplings. An eviction adds `maxmemory-samples`
//! keys sampled from the shard's keyspace table (or expires table, for the
//! `volatile-*` policies) to the pool, then deletes the pool's best key that
//! still exists and was not used since it was sampled. Keys spread evenly
//! over shards by hash, so a shard's ranking approximates the store's.

use super::entry::{FLAG_EXPIRES, Slot};
use super::table::Bucket;
use super::{Ctx, Shard};
use crate::memory::MaxmemoryPolicy;
use crate::memory::access::Access;

/// Redis's `EVPOOL_SIZE`.
const POOL_SIZE: usize = 16;
/// `maxmemory-samples` is at most 64.
const MAX_SAMPLES: usize = 64;

/// Sampled bucket indexes, on the stack.
pub(crate) struct Picked {
    indexes: [usize; MAX_SAMPLES],
    len: usize,
}

impl Default for Picked {
    fn default() -> Self {
        Picked {
            indexes: [0; MAX_SAMPLES],
            len: 0,
        }
    }
}

impl Picked {
    /// Adds an index; false when full.
    pub(crate) fn push(&mut self, index: usize) -> bool {
        match self.indexes.get_mut(self.len) {
            Some(slot) => {
                *slot = index;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn as_slice(&self) -> &[usize] {
        &self.indexes[..self.len]
    }
}

/// The best eviction candidates of a shard, ascending by score, with their
/// key buffers reused (no allocation per sample once warm).
#[derive(Default)]
pub(crate) struct Pool {
    entries: Vec<(u64, Vec<u8>)>,
    spare: Vec<Vec<u8>>,
    /// Where the next sampling starts, already asked into the cache (the
    /// sampled buckets are otherwise an eviction's first cache misses).
    next_seed: Option<u64>,
}

impl Pool {
    /// Offers a candidate; kept if the pool has room or it beats the worst.
    fn offer(&mut self, score: u64, key: &[u8]) {
        if self.entries.len() == POOL_SIZE && self.entries.first().is_some_and(|w| score <= w.0) {
            return;
        }
        // A key sampled twice may sit in the pool twice (as in Redis): the
        // second copy is found gone when its turn comes.
        let mut buf = self.spare();
        buf.extend_from_slice(key);
        let at = self.entries.partition_point(|(s, _)| *s <= score);
        self.entries.insert(at, (score, buf));
        if self.entries.len() > POOL_SIZE {
            let worst = self.entries.remove(0);
            self.spare.push(worst.1);
        }
    }

    /// Takes the best candidate; hand its buffer back with [`Pool::recycle`].
    fn take_best(&mut self) -> Option<(u64, Vec<u8>)> {
        self.entries.pop()
    }

    /// The best candidate's key, left in the pool.
    fn best_key(&self) -> Option<&[u8]> {
        self.entries.last().map(|(_, k)| k.as_slice())
    }

    fn recycle(&mut self, buf: Vec<u8>) {
        self.spare.push(buf);
    }

    /// An empty key buffer, reused when one is spare.
    fn spare(&mut self) -> Vec<u8> {
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.clear();
        buf
    }

    /// Forgets every candidate (the shard was emptied).
    pub(crate) fn clear(&mut self) {
        for (_, buf) in self.entries.drain(..) {
            self.spare.push(buf);
        }
    }
}

impl Shard {
    /// Deletes one key chosen by `policy`, publishing its `evicted` event
    /// and propagating its `DEL`. Returns whether a key was evicted (false:
    /// nothing in this shard may be evicted).
    pub(crate) fn evict_one(
        &mut self,
        ctx: &Ctx<'_>,
        policy: MaxmemoryPolicy,
        samples: u32,
    ) -> bool {
        let samples = usize::try_from(samples).unwrap_or(5).clamp(1, MAX_SAMPLES);
        let victim = match policy {
            MaxmemoryPolicy::NoEviction => None,
            MaxmemoryPolicy::AllkeysRandom => self.random_key(false),
            MaxmemoryPolicy::VolatileRandom => self.random_key(true),
            _ => self.best_candidate(ctx, policy, samples),
        };
        let Some((key, index, hash)) = victim else {
            return false;
        };
        let evicted = self.remove_at(index, hash).is_some();
        if evicted {
            ctx.key_evicted(&key);
        }
        self.pool.recycle(key);
        // The next eviction here will look the pool's best key up first.
        if let Some(next) = self.pool.best_key() {
            self.main.prefetch_home(self.main.hash(next));
        }
        evicted
    }

    /// Evicts the pool's next best candidate without sampling again (a
    /// second victim of one round); false when the pool has none left
    /// that qualifies, or the policy does not keep a pool.
    pub(crate) fn evict_next(&mut self, ctx: &Ctx<'_>, policy: MaxmemoryPolicy) -> bool {
        if matches!(
            policy,
            MaxmemoryPolicy::NoEviction
                | MaxmemoryPolicy::AllkeysRandom
                | MaxmemoryPolicy::VolatileRandom
        ) {
            return false;
        }
        let access = ctx.access();
        while let Some((score, key)) = self.pool.take_best() {
            match self.score_of(&key, &access, policy) {
                Some((now, index, hash)) if now >= score => {
                    let evicted = self.remove_at(index, hash).is_some();
                    if evicted {
                        ctx.key_evicted(&key);
                    }
                    self.pool.recycle(key);
                    return evicted;
                }
                _ => self.pool.recycle(key),
            }
        }
        false
    }

    /// A random key (one with a deadline when `volatile`), with its bucket
    /// index and hash.
    fn random_key(&mut self, volatile: bool) -> Option<(Vec<u8>, usize, u64)> {
        let mut picked = Picked::default();
        let seed = crate::rand::next_u64();
        let key = if volatile {
            self.expires.sample(seed, 1, &mut picked);
            self.expires.get(*picked.as_slice().first()?)?.key()
        } else {
            self.main.sample(seed, 1, &mut picked);
            self.main.get(*picked.as_slice().first()?)?.key()
        };
        let mut buf = self.pool.spare();
        buf.extend_from_slice(key);
        let hash = self.main.hash(&buf);
        match self.main.find(&buf, hash) {
            Some(index) => Some((buf, index, hash)),
            None => {
                self.pool.recycle(buf);
                None
            }
        }
    }

    /// The pool's best candidate after adding fresh samples: a key that is
    /// still stored (with a deadline, for `volatile-*`) and whose score did
    /// not drop since it was sampled (used again: no longer a good victim),
    /// with its bucket index and hash.
    fn best_candidate(
        &mut self,
        ctx: &Ctx<'_>,
        policy: MaxmemoryPolicy,
        samples: usize,
    ) -> Option<(Vec<u8>, usize, u64)> {
        let access = ctx.access();
        let volatile = policy.is_volatile();
        // A few rounds: every candidate of a round may have gone stale.
        for _ in 0..4 {
            self.populate(&access, policy, samples);
            while let Some((score, key)) = self.pool.take_best() {
                match self.score_of(&key, &access, policy) {
                    Some((now, index, hash)) if now >= score => return Some((key, index, hash)),
                    _ => self.pool.recycle(key),
                }
            }
            let source_len = if volatile {
                self.expires.len()
            } else {
                self.main.len()
            };
            if source_len == 0 {
                return None;
            }
        }
        None
    }

    /// Adds `samples` sampled keys to the pool.
    fn populate(&mut self, access: &Access, policy: MaxmemoryPolicy, samples: usize) {
        let mut picked = Picked::default();
        let seed = self
            .pool
            .next_seed
            .take()
            .unwrap_or_else(crate::rand::next_u64);
        let next = crate::rand::next_u64();
        self.pool.next_seed = Some(next);
        if policy.is_volatile() {
            self.expires.sample(seed, samples, &mut picked);
            self.expires.prefetch_sample(next);
        } else {
            self.main.sample(seed, samples, &mut picked);
            self.main.prefetch_sample(next);
        }
        for &index in picked.as_slice() {
            let (key, score) = if policy.is_volatile() {
                let Some(e) = self.expires.get(index) else {
                    continue;
                };
                let key = e.key();
                let score = if policy == MaxmemoryPolicy::VolatileTtl {
                    // Sooner deadlines first (Redis: ULLONG_MAX - expire).
                    u64::MAX - u64::try_from(e.at()).unwrap_or(0)
                } else {
                    let hash = self.main.hash(key);
                    let Some(i) = self.main.find(key, hash) else {
                        continue;
                    };
                    access.eviction_score(self.main.clock(i))
                };
                (key, score)
            } else {
                let Some(slot) = self.main.get(index) else {
                    continue;
                };
                (slot.key(), access.eviction_score(self.main.clock(index)))
            };
            self.pool.offer(score, key);
        }
    }

    /// The current score of `key`, with its bucket index and hash, if it
    /// may still be evicted by `policy`.
    fn score_of(
        &self,
        key: &[u8],
        access: &Access,
        policy: MaxmemoryPolicy,
    ) -> Option<(u64, usize, u64)> {
        let hash = self.main.hash(key);
        let index = self.main.find(key, hash)?;
        let slot: &Slot = self.main.get(index)?;
        if policy.is_volatile() && !slot.has_flag(FLAG_EXPIRES) {
            return None;
        }
        let score = if policy == MaxmemoryPolicy::VolatileTtl {
            let at = self.deadline_of(slot, hash)?;
            u64::MAX - u64::try_from(at).unwrap_or(0)
        } else {
            access.eviction_score(self.main.clock(index))
        };
        Some((score, index, hash))
    }

    /// Under memory pressure, gives back the buckets evicted keys left
    /// empty when the table fits a smaller array. Returns whether it did.
    pub(crate) fn shrink_for_memory(&mut self) -> bool {
        self.main.shrink_step()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_keeps_the_best_sixteen_in_order() {
        let mut pool = Pool::default();
        for score in [5u64, 1, 9, 3, 7] {
            pool.offer(score, format!("k{score}").as_bytes());
        }
        for score in 100..120u64 {
            pool.offer(score, format!("k{score}").as_bytes());
        }
        assert_eq!(pool.entries.len(), POOL_SIZE);
        let scores: Vec<u64> = pool.entries.iter().map(|e| e.0).collect();
        assert!(scores.windows(2).all(|w| w[0] <= w[1]));
        // Below the worst of a full pool: ignored.
        pool.offer(0, b"low");
        assert!(pool.entries.iter().all(|(_, k)| k != b"low"));
        assert_eq!(pool.take_best().map(|e| e.0), Some(119));
    }
}
