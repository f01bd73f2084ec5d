//! Each key's access clock, Redis's `robj.lru` field: what the LRU and LFU
//! policies rank keys by, and what `OBJECT IDLETIME` / `OBJECT FREQ` read.
//!
//! The clock is 32 bits kept next to the key's bucket. Under an LRU (or no)
//! policy it is the time of the last access in hundredths of a second
//! (Redis's `LRU_CLOCK()` has 24 bits of seconds: ours tells apart accesses
//! 10 ms apart, so short runs rank keys well, and wraps after 497 days
//! instead of 194). Under an LFU policy it is Redis's
//! layout: the last decrement time in minutes (16 bits) and a logarithmic
//! access counter (8 bits), with Redis's increment probability and decay.

use crate::memory::MaxmemoryPolicy;

/// Redis's `LFU_INIT_VAL`: a new key's counter, so it is not evicted before
/// it had a chance to be used.
pub(crate) const LFU_INIT_VAL: u32 = 5;

/// What an access needs to know, read once per command.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Access {
    /// Keys count accesses (LFU) rather than remember their time (LRU).
    pub(crate) lfu: bool,
    /// Now, in hundredths of a second since the epoch (wrapping at 32 bits).
    pub(crate) ticks: u32,
    /// Now, in minutes since the epoch (16 bits, Redis's LFU time).
    minutes: u32,
    /// `lfu-log-factor`.
    pub(crate) log_factor: u32,
    /// `lfu-decay-time`, in minutes.
    pub(crate) decay_time: u32,
}

impl Access {
    pub(crate) fn new(
        policy: MaxmemoryPolicy,
        now_ms: i64,
        log_factor: u32,
        decay_time: u32,
    ) -> Access {
        let now_ms = now_ms.max(0);
        Access {
            lfu: policy.is_lfu(),
            // Wrapping is the point of both clocks.
            ticks: (now_ms / 10) as u32,
            minutes: ((now_ms / 60_000) & 0xffff) as u32,
            log_factor,
            decay_time,
        }
    }

    /// Redis's `LFUGetTimeInMinutes`: minutes, 16 bits.
    fn minutes(&self) -> u32 {
        self.minutes
    }

    /// The clock of a key created now (Redis's `createObject`).
    pub(crate) fn fresh(&self) -> u32 {
        if self.lfu {
            (self.minutes() << 8) | LFU_INIT_VAL
        } else {
            self.ticks
        }
    }

    /// The clock after one more access (Redis's `updateLFU` / `LRU_CLOCK`);
    /// `coin` is a uniform random number for the LFU increment.
    pub(crate) fn touched(&self, clock: u32, coin: u64) -> u32 {
        if !self.lfu {
            return self.ticks;
        }
        let counter = log_incr(self.decayed(clock), self.log_factor, coin);
        (self.minutes() << 8) | counter
    }

    /// Redis's `LFUDecrAndReturn`: the counter with the decay since its last
    /// decrement applied (not stored).
    pub(crate) fn decayed(&self, clock: u32) -> u32 {
        let ldt = clock >> 8;
        let counter = clock & 0xff;
        let periods = self
            .minutes_since(ldt)
            .checked_div(self.decay_time)
            .unwrap_or(0);
        counter.saturating_sub(periods)
    }

    /// Redis's `LFUTimeElapsed`: minutes since `ldt`, across the 16-bit wrap.
    fn minutes_since(&self, ldt: u32) -> u32 {
        let now = self.minutes();
        if now >= ldt {
            now - ldt
        } else {
            65535 - ldt + now
        }
    }

    /// Hundredths of a second since the key's last access (LRU clocks).
    fn idle_ticks(&self, clock: u32) -> u32 {
        let idle = self.ticks.wrapping_sub(clock);
        // A clock a moment ahead (set by another thread) is not idle.
        if idle > u32::MAX / 2 { 0 } else { idle }
    }

    /// Seconds since the key's last access (LRU clocks).
    pub(crate) fn idle_seconds(&self, clock: u32) -> u32 {
        self.idle_ticks(clock) / 100
    }

    /// How much the evictor wants this key gone, the bigger the more
    /// (Redis's pool `idle` score): idle time under LRU, 255 − frequency
    /// under LFU.
    pub(crate) fn eviction_score(&self, clock: u32) -> u64 {
        if self.lfu {
            u64::from(255 - self.decayed(clock).min(255))
        } else {
            u64::from(self.idle_ticks(clock))
        }
    }
}

/// Redis's `LFULogIncr`: increments with probability
/// 1 / ((counter − LFU_INIT_VAL) × log_factor + 1), saturating at 255.
fn log_incr(counter: u32, log_factor: u32, coin: u64) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    // coin / 2^64 is uniform in [0, 1).
    let r = (coin >> 11) as f64 / (1u64 << 53) as f64;
    if r < p { counter + 1 } else { counter }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lfu(now_ms: i64) -> Access {
        Access::new(MaxmemoryPolicy::AllkeysLfu, now_ms, 10, 1)
    }

    #[test]
    fn lru_clock_is_the_access_second() {
        let a = Access::new(MaxmemoryPolicy::AllkeysLru, 10_500, 10, 1);
        assert_eq!(a.fresh(), 1050);
        assert_eq!(a.touched(3, 0), 1050);
        assert_eq!(a.idle_seconds(400), 6);
        assert_eq!(a.eviction_score(400), 650);
        // A clock from the future (set by another thread a moment later)
        // is not a huge idle time.
        assert_eq!(a.idle_seconds(1100), 0);
        // Across the 32-bit wrap.
        let wrapped = Access::new(MaxmemoryPolicy::AllkeysLru, (1i64 << 32) * 10 + 500, 10, 1);
        assert_eq!(wrapped.idle_seconds(u32::MAX - 49), 1);
    }

    #[test]
    fn lfu_counter_grows_logarithmically_and_saturates() {
        let a = lfu(3_600_000);
        let mut clock = a.fresh();
        assert_eq!(clock & 0xff, LFU_INIT_VAL);
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut counters = Vec::new();
        for hits in 1..=1_000_000u32 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            clock = a.touched(clock, seed);
            if [100, 1_000, 100_000, 1_000_000].contains(&hits) {
                counters.push(clock & 0xff);
            }
        }
        // Redis's table for lfu-log-factor 10: ~10 at 100 hits, ~18 at 1k,
        // ~142 at 100k, 255 at 1M.
        assert!((8..=14).contains(&counters[0]), "{counters:?}");
        assert!((15..=24).contains(&counters[1]), "{counters:?}");
        assert!((120..=170).contains(&counters[2]), "{counters:?}");
        assert_eq!(counters[3], 255, "{counters:?}");
    }

    #[test]
    fn lfu_counter_decays_one_per_period() {
        let start = lfu(0);
        let clock = (start.minutes() << 8) | 20;
        assert_eq!(lfu(59_000).decayed(clock), 20);
        assert_eq!(lfu(60_000 * 3).decayed(clock), 17);
        assert_eq!(lfu(60_000 * 100).decayed(clock), 0);
        let slow = Access::new(MaxmemoryPolicy::AllkeysLfu, 60_000 * 10, 10, 5);
        assert_eq!(slow.decayed(clock), 18);
        let never = Access::new(MaxmemoryPolicy::AllkeysLfu, 60_000 * 10, 10, 0);
        assert_eq!(never.decayed(clock), 20);
        // More frequent keys are less wanted by the evictor.
        assert!(start.eviction_score(clock) < start.eviction_score(start.fresh()));
    }

    #[test]
    fn minutes_wrap_like_redis() {
        let a = lfu(60_000 * 65_537); // minute 1 after the wrap
        assert_eq!(a.minutes(), 1);
        assert_eq!(a.minutes_since(65_534), 2);
    }
}
