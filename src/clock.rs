//! Time as the store sees it.
//!
//! Expiry, TTL replies and the active expire cycle read the time through a
//! [`Clock`], so tests can move time forward instead of sleeping.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in milliseconds since the Unix epoch, as Redis's
/// `mstime()`.
///
/// Implementations must be cheap: the store reads the clock on every access to
/// a key that has a time to live.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Milliseconds since 1970-01-01 00:00:00 UTC.
    fn now_ms(&self) -> i64;

    /// The same time at a coarser resolution (a few milliseconds), for
    /// uses that need seconds, such as recording a key's last access on
    /// every read. Defaults to [`Clock::now_ms`].
    fn coarse_now_ms(&self) -> i64 {
        self.now_ms()
    }
}

/// The operating system's wall clock (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            // A clock set before 1970: report the epoch rather than fail.
            Err(_) => 0,
        }
    }

    #[cfg(target_os = "linux")]
    fn coarse_now_ms(&self) -> i64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the call.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &raw mut ts) };
        if rc != 0 {
            return self.now_ms();
        }
        ts.tv_sec.saturating_mul(1000) + ts.tv_nsec / 1_000_000
    }
}

/// A clock that only moves when told to, for tests.
///
/// Clones share the same time, so a test keeps one handle and gives another to
/// the store's [`Config`](crate::Config).
///
/// ```
/// use std::time::Duration;
/// use kvstore::{Config, ManualClock, Store};
///
/// let clock = ManualClock::new(1_000_000);
/// let store = Store::open(Config::builder().clock(clock.clone()).build())?;
/// store.setex("session", 10, "data")?;
/// clock.advance(Duration::from_secs(11));
/// assert_eq!(store.get("session")?, None);
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock standing at `start_ms` milliseconds since the epoch.
    #[must_use]
    pub fn new(start_ms: i64) -> Self {
        ManualClock {
            now: Arc::new(AtomicI64::new(start_ms)),
        }
    }

    /// Moves the clock forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self
            .now
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(ms))
            });
    }

    /// Sets the clock to `ms` milliseconds since the epoch (it may go back).
    pub fn set(&self, ms: i64) {
        self.now.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(5);
        let shared = c.clone();
        assert_eq!(c.now_ms(), 5);
        shared.advance(Duration::from_millis(10));
        assert_eq!(c.now_ms(), 15);
        c.set(1);
        assert_eq!(shared.now_ms(), 1);
        c.advance(Duration::MAX);
        assert_eq!(c.now_ms(), i64::MAX);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_ms() > 1_577_836_800_000);
    }
}
