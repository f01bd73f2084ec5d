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

/// The best eviction candidates of a shard, ascending by score, with their
/// key buffers reused (no allocation per sample once warm).
#[derive(Default)]
pub(crate) struct Pool {
    entries: Vec<(u64, Vec<u8>)>,
    spare: Vec<Vec<u8>>,
}

impl Pool {
    /// Offers a candidate; kept if the pool has room or it beats the worst.
    fn offer(&mut self, score: u64, key: &[u8]) {
        if self.entries.len() == POOL_SIZE && self.entries.first().is_some_and(|w| score <= w.0) {
            return;
        }
        if let Some(existing) = self.entries.iter().position(|(_, k)| k == key) {
            let old = self.entries.remove(existing);
            self.spare.push(old.1);
        }
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.clear();
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

    fn recycle(&mut self, buf: Vec<u8>) {
        self.spare.push(buf);
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
        let samples = usize::try_from(samples).unwrap_or(5).max(1);
        let victim = match policy {
            MaxmemoryPolicy::NoEviction => None,
            MaxmemoryPolicy::AllkeysRandom => self.random_key(false),
            MaxmemoryPolicy::VolatileRandom => self.random_key(true),
            _ => self.best_candidate(ctx, policy, samples),
        };
        let Some(key) = victim else {
            return false;
        };
        let hash = self.main.hash(&key);
        let evicted = match self.main.find(&key, hash) {
            Some(index) => self.remove_at(index, hash).is_some(),
            None => false,
        };
        if evicted {
            ctx.key_evicted(&key);
        }
        self.pool.recycle(key);
        evicted
    }

    /// A random key (one with a deadline when `volatile`).
    fn random_key(&mut self, volatile: bool) -> Option<Vec<u8>> {
        let mut picked = Vec::with_capacity(1);
        let seed = crate::rand::next_u64();
        let key = if volatile {
            self.expires.sample(seed, 1, &mut picked);
            self.expires.get(*picked.first()?)?.key()
        } else {
            self.main.sample(seed, 1, &mut picked);
            self.main.get(*picked.first()?)?.key()
        };
        Some(key.to_vec())
    }

    /// The pool's best candidate after adding fresh samples: a key that is
    /// still stored (with a deadline, for `volatile-*`) and whose score did
    /// not drop since it was sampled (used again: no longer a good victim).
    fn best_candidate(
        &mut self,
        ctx: &Ctx<'_>,
        policy: MaxmemoryPolicy,
        samples: usize,
    ) -> Option<Vec<u8>> {
        let access = ctx.access();
        let volatile = policy.is_volatile();
        // A few rounds: every candidate of a round may have gone stale.
        for _ in 0..4 {
            self.populate(&access, policy, samples);
            while let Some((score, key)) = self.pool.take_best() {
                match self.score_of(&key, &access, policy) {
                    Some(now) if now >= score => return Some(key),
                    _ => self.pool.recycle(key),
                }
            }
            let pool_source_len = if volatile {
                self.expires.len()
            } else {
                self.main.len()
            };
            if pool_source_len == 0 {
                return None;
            }
        }
        None
    }

    /// Adds `samples` sampled keys to the pool.
    fn populate(&mut self, access: &Access, policy: MaxmemoryPolicy, samples: usize) {
        let mut picked = Vec::with_capacity(samples);
        let seed = crate::rand::next_u64();
        if policy.is_volatile() {
            self.expires.sample(seed, samples, &mut picked);
        } else {
            self.main.sample(seed, samples, &mut picked);
        }
        for index in picked {
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

    /// The current score of `key`, if it may still be evicted by `policy`.
    fn score_of(&self, key: &[u8], access: &Access, policy: MaxmemoryPolicy) -> Option<u64> {
        let hash = self.main.hash(key);
        let index = self.main.find(key, hash)?;
        let slot: &Slot = self.main.get(index)?;
        if policy.is_volatile() && !slot.has_flag(FLAG_EXPIRES) {
            return None;
        }
        if policy == MaxmemoryPolicy::VolatileTtl {
            let at = self.deadline_of(slot, hash)?;
            return Some(u64::MAX - u64::try_from(at).unwrap_or(0));
        }
        Some(access.eviction_score(self.main.clock(index)))
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
        // The same key offered again keeps one entry.
        pool.offer(500, b"k100");
        assert_eq!(pool.entries.iter().filter(|(_, k)| k == b"k100").count(), 1);
    }
}
