//! A small, fast, non-cryptographic random number source for sampling
//! (RANDOMKEY, eviction and expiry sampling), seeded per thread from the
//! operating system's randomness via `ahash`.

use std::cell::Cell;

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    // RandomState is seeded from OS randomness; hashing a per-thread address
    // gives each thread its own stream. Never zero (xorshift's fixed point).
    let local = 0u8;
    ahash::RandomState::new().hash_one(std::ptr::addr_of!(local) as usize) | 1
}

/// The next pseudo-random `u64` of this thread (xorshift64*).
pub(crate) fn next_u64() -> u64 {
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// A pseudo-random number in `0..n` (`n > 0`), by multiply-shift.
pub(crate) fn below(n: u64) -> u64 {
    ((u128::from(next_u64()) * u128::from(n)) >> 64) as u64
}

/// A uniform index in `0..n` (0 when `n` is 0).
pub(crate) fn index_below(n: usize) -> usize {
    usize::try_from(below(n as u64)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_spreads() {
        let mut seen = [0u32; 10];
        for _ in 0..10_000 {
            let v = below(10);
            assert!(v < 10);
            seen[v as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800), "{seen:?}");
    }
}
