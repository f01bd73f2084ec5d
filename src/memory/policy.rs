//! `maxmemory` and its companions: the limit, the eviction policy and the
//! tunables of Redis's sampled approximations (`maxmemory-samples`,
//! `maxmemory-eviction-tenacity`, `lfu-log-factor`, `lfu-decay-time`).
//!
//! They are atomics shared by the store's settings (`CONFIG GET/SET`) and
//! its keyspace, which reads them with relaxed loads on the write path.

use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};

/// What a store does when a write would take it past `maxmemory`
/// (Redis's `maxmemory-policy`).
///
/// ```
/// use kvstore::MaxmemoryPolicy;
///
/// assert_eq!(MaxmemoryPolicy::from_name("ALLKEYS-LRU"), Some(MaxmemoryPolicy::AllkeysLru));
/// assert_eq!(MaxmemoryPolicy::AllkeysLru.as_str(), "allkeys-lru");
/// assert_eq!(MaxmemoryPolicy::default(), MaxmemoryPolicy::NoEviction);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaxmemoryPolicy {
    /// Evict the least recently used of the keys with a time to live.
    VolatileLru,
    /// Evict the least frequently used of the keys with a time to live.
    VolatileLfu,
    /// Evict a random key with a time to live.
    VolatileRandom,
    /// Evict the key with a time to live closest to its deadline.
    VolatileTtl,
    /// Evict the least recently used key.
    AllkeysLru,
    /// Evict the least frequently used key.
    AllkeysLfu,
    /// Evict a random key.
    AllkeysRandom,
    /// Evict nothing: writes that may grow memory fail with `OOM`.
    #[default]
    NoEviction,
}

const POLICIES: [MaxmemoryPolicy; 8] = [
    MaxmemoryPolicy::VolatileLru,
    MaxmemoryPolicy::VolatileLfu,
    MaxmemoryPolicy::VolatileRandom,
    MaxmemoryPolicy::VolatileTtl,
    MaxmemoryPolicy::AllkeysLru,
    MaxmemoryPolicy::AllkeysLfu,
    MaxmemoryPolicy::AllkeysRandom,
    MaxmemoryPolicy::NoEviction,
];

impl MaxmemoryPolicy {
    /// The name `CONFIG GET maxmemory-policy` prints.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MaxmemoryPolicy::VolatileLru => "volatile-lru",
            MaxmemoryPolicy::VolatileLfu => "volatile-lfu",
            MaxmemoryPolicy::VolatileRandom => "volatile-random",
            MaxmemoryPolicy::VolatileTtl => "volatile-ttl",
            MaxmemoryPolicy::AllkeysLru => "allkeys-lru",
            MaxmemoryPolicy::AllkeysLfu => "allkeys-lfu",
            MaxmemoryPolicy::AllkeysRandom => "allkeys-random",
            MaxmemoryPolicy::NoEviction => "noeviction",
        }
    }

    /// Parses a policy name, case-insensitively.
    #[must_use]
    pub fn from_name(name: &str) -> Option<MaxmemoryPolicy> {
        Self::from_bytes(name.as_bytes())
    }

    pub(crate) fn from_bytes(name: &[u8]) -> Option<MaxmemoryPolicy> {
        POLICIES
            .into_iter()
            .find(|p| p.as_str().as_bytes().eq_ignore_ascii_case(name))
    }

    /// Every policy name, in Redis's order (for error messages and tests).
    pub(crate) fn names() -> [&'static str; 8] {
        POLICIES.map(MaxmemoryPolicy::as_str)
    }

    /// Only keys with a time to live may be evicted.
    pub(crate) fn is_volatile(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLru
                | MaxmemoryPolicy::VolatileLfu
                | MaxmemoryPolicy::VolatileRandom
                | MaxmemoryPolicy::VolatileTtl
        )
    }

    /// Keys are ranked by their access time.
    pub(crate) fn is_lru(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLru | MaxmemoryPolicy::AllkeysLru
        )
    }

    /// Keys keep an access frequency rather than an access time.
    pub(crate) fn is_lfu(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLfu | MaxmemoryPolicy::AllkeysLfu
        )
    }

    fn index(self) -> u8 {
        POLICIES
            .iter()
            .position(|&p| p == self)
            .and_then(|i| u8::try_from(i).ok())
            .unwrap_or(7)
    }
}

/// Redis's defaults.
pub(crate) const DEFAULT_SAMPLES: u32 = 5;
pub(crate) const DEFAULT_TENACITY: u32 = 10;
pub(crate) const DEFAULT_LFU_LOG_FACTOR: u32 = 10;
pub(crate) const DEFAULT_LFU_DECAY_TIME: u32 = 1;

/// The memory tunables of one store, shared by its settings and keyspace.
#[derive(Debug)]
pub(crate) struct MemorySettings {
    /// Bytes; 0 means no limit.
    maxmemory: AtomicU64,
    policy: AtomicU8,
    samples: AtomicU32,
    tenacity: AtomicU32,
    lfu_log_factor: AtomicU32,
    lfu_decay_time: AtomicU32,
}

impl MemorySettings {
    pub(crate) fn new(maxmemory: u64, policy: MaxmemoryPolicy, samples: u32) -> MemorySettings {
        MemorySettings {
            maxmemory: AtomicU64::new(maxmemory),
            policy: AtomicU8::new(policy.index()),
            samples: AtomicU32::new(samples.clamp(1, 64)),
            tenacity: AtomicU32::new(DEFAULT_TENACITY),
            lfu_log_factor: AtomicU32::new(DEFAULT_LFU_LOG_FACTOR),
            lfu_decay_time: AtomicU32::new(DEFAULT_LFU_DECAY_TIME),
        }
    }

    /// `maxmemory` in bytes (0: no limit).
    #[inline]
    pub(crate) fn maxmemory(&self) -> u64 {
        self.maxmemory.load(Ordering::Relaxed)
    }

    pub(crate) fn set_maxmemory(&self, bytes: u64) {
        self.maxmemory.store(bytes, Ordering::Relaxed);
    }

    /// `maxmemory-policy`.
    pub(crate) fn policy(&self) -> MaxmemoryPolicy {
        POLICIES
            .get(usize::from(self.policy.load(Ordering::Relaxed)))
            .copied()
            .unwrap_or_default()
    }

    pub(crate) fn set_policy(&self, policy: MaxmemoryPolicy) {
        self.policy.store(policy.index(), Ordering::Relaxed);
    }

    /// `maxmemory-samples` (1 to 64).
    pub(crate) fn samples(&self) -> u32 {
        self.samples.load(Ordering::Relaxed)
    }

    /// `maxmemory-eviction-tenacity` (0 to 100).
    pub(crate) fn tenacity(&self) -> u32 {
        self.tenacity.load(Ordering::Relaxed)
    }

    /// `lfu-log-factor`.
    pub(crate) fn lfu_log_factor(&self) -> u32 {
        self.lfu_log_factor.load(Ordering::Relaxed)
    }

    /// `lfu-decay-time`, in minutes.
    pub(crate) fn lfu_decay_time(&self) -> u32 {
        self.lfu_decay_time.load(Ordering::Relaxed)
    }

    /// The numeric tunables by their `CONFIG` name, with their bounds.
    pub(crate) fn num(&self, name: &str) -> Option<(&AtomicU32, u32, u32)> {
        Some(match name {
            "maxmemory-samples" => (&self.samples, 1, 64),
            "maxmemory-eviction-tenacity" => (&self.tenacity, 0, 100),
            "lfu-log-factor" => (&self.lfu_log_factor, 0, i32::MAX.unsigned_abs()),
            "lfu-decay-time" => (&self.lfu_decay_time, 0, i32::MAX.unsigned_abs()),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in POLICIES {
            assert_eq!(MaxmemoryPolicy::from_name(p.as_str()), Some(p));
            let s = MemorySettings::new(0, p, 5);
            assert_eq!(s.policy(), p);
        }
        assert_eq!(MaxmemoryPolicy::from_name("lru"), None);
    }
}
