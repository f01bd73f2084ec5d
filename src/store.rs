//! The [`Store`] handle: opening, sharing, background work, shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::config::Config;
use crate::expire::{ExpireCursor, active_expire_cycle};
use crate::keyspace::{Ctx, Keyspace};
use crate::propagate::{ObserverId, Propagator, WriteObserver};
use crate::{Result, clock::Clock};

/// An embedded Redis: the keyspace, its expiry and its write hook.
///
/// `Store` is a cheap handle: cloning it is two reference-count increments,
/// and every clone sees the same data. It is `Send + Sync`; share it between
/// threads by cloning. Every command is atomic, as in Redis. When the last
/// handle is dropped, the background thread stops and is joined.
///
/// With persistence (see [`Persistence`](crate::persist::Persistence)),
/// every write command, typed or through [`Store::execute`], may also fail
/// in two ways its own `# Errors` section does not repeat: refused before
/// anything changes while a persistence cannot take writes
/// ([`Error::Misconf`](crate::Error::Misconf), as Redis's `MISCONF`), or,
/// once applied, with the persistence's error when it could not be made as
/// durable as promised (the write is then not acknowledged). Reads never
/// fail that way.
///
/// ```
/// use kvstore::Store;
///
/// let store = Store::new();
/// store.set("user:1:name", "Ada")?;
/// assert_eq!(store.get("user:1:name")?, Some(b"Ada".to_vec()));
/// assert_eq!(store.incr("visits")?, 1);
///
/// let other = store.clone(); // same data
/// std::thread::spawn(move || other.incr("visits")).join().unwrap()?;
/// assert_eq!(store.get("visits")?, Some(b"2".to_vec()));
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
    _lifetime: Arc<Lifetime>,
}

/// The shared state behind every handle.
pub(crate) struct Inner {
    pub(crate) keyspace: Keyspace,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) propagator: Propagator,
    pub(crate) config: Config,
    /// The tunables `CONFIG SET` changes (initialised from `config`).
    pub(crate) settings: crate::settings::Settings,
    /// Subscriptions, the publish path and keyspace events.
    pub(crate) pubsub: crate::pubsub::Broker,
    pub(crate) stats: Stats,
    /// When the store was opened (INFO's uptime).
    pub(crate) started: std::time::Instant,
    /// The same instant in Unix seconds (`LASTSAVE` before any save).
    pub(crate) started_unix: i64,
    /// 40 random hex digits, new for every store (INFO's `run_id`).
    pub(crate) run_id: String,
    pub(crate) blocking: crate::blocking::Blocking,
    pub(crate) watches: crate::watch::Watches,
    /// The last `CLIENT ID` handed out.
    client_ids: AtomicU64,
    /// Live sessions, for `CLIENT LIST`.
    pub(crate) clients: crate::session::Clients,
    expire_cursor: Mutex<ExpireCursor>,
    /// The snapshot, the append log and custom persistences.
    pub(crate) persist: crate::persist::engine::Persisters,
    /// The append log is being replayed: nothing expires meanwhile (as in
    /// Redis, which expires nothing while loading).
    pub(crate) loading: std::sync::atomic::AtomicBool,
}

/// Counters Redis reports in `INFO stats` and `INFO clients`.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) expired_keys: AtomicU64,
    /// Keys deleted by `maxmemory` eviction.
    pub(crate) evicted_keys: AtomicU64,
    /// Clients connected to the RESP server now.
    pub(crate) connected_clients: AtomicUsize,
    /// Connections the RESP server accepted since start (or RESETSTAT).
    pub(crate) total_connections_received: AtomicU64,
    /// Connections refused (over `maxclients`).
    pub(crate) rejected_connections: AtomicU64,
    /// Commands run, counted without a shared hot cache line.
    pub(crate) total_commands_processed: StripedCounter,
    /// The most `used_memory` INFO has seen.
    pub(crate) used_memory_peak: AtomicUsize,
    /// `used_memory` once the store was set up, before any data was
    /// loaded (`used_memory_startup`).
    pub(crate) used_memory_startup: AtomicUsize,
    /// Bytes of the RESP server's connection buffers (input and output),
    /// as allocated (part of `mem_clients_normal`).
    pub(crate) client_buffer_bytes: AtomicUsize,
}

/// Number of stripes of a [`StripedCounter`].
const STRIPES: usize = 32;

/// One stripe on a cache line of its own (128 bytes: two lines, for the
/// adjacent-line prefetcher).
#[derive(Default)]
#[repr(align(128))]
struct Stripe(AtomicU64);

/// A counter many threads bump without contending: each thread adds to
/// its own stripe (picked once per thread, round robin), and a read sums
/// the stripes.
#[derive(Default)]
pub(crate) struct StripedCounter {
    stripes: [Stripe; STRIPES],
}

static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static STRIPE: usize = NEXT_STRIPE.fetch_add(1, Ordering::Relaxed) % STRIPES;
}

impl StripedCounter {
    /// Adds one.
    pub(crate) fn incr(&self) {
        let i = STRIPE.with(|i| *i);
        if let Some(stripe) = self.stripes.get(i) {
            stripe.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The sum of the stripes.
    pub(crate) fn sum(&self) -> u64 {
        self.stripes
            .iter()
            .fold(0u64, |acc, s| acc.wrapping_add(s.0.load(Ordering::Relaxed)))
    }

    /// Sets every stripe to zero (`CONFIG RESETSTAT`).
    pub(crate) fn reset(&self) {
        for stripe in &self.stripes {
            stripe.0.store(0, Ordering::Relaxed);
        }
    }
}

/// Owned by user handles only (never by the background thread): when the
/// last handle goes, this stops and joins the thread, then waits for
/// background checkpoints and syncs the persistences.
struct Lifetime {
    stop: Arc<StopSignal>,
    thread: Option<JoinHandle<()>>,
    inner: std::sync::Weak<Inner>,
}

#[derive(Default)]
struct StopSignal {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Drop for Lifetime {
    fn drop(&mut self) {
        *self.stop.stopped.lock() = true;
        self.stop.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            // A panic in the background thread has already been reported by
            // the runtime; there is nothing more to do with it here.
            let _ = thread.join();
        }
        if let Some(inner) = self.inner.upgrade() {
            // Nobody is left to tell: a failed final sync is reported by
            // the next open (a torn tail) at worst.
            let _ = inner.close_persistence();
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("shards", &self.inner.keyspace.shard_count())
            .field("keys", &self.dbsize())
            .finish_non_exhaustive()
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An in-memory store with the default [`Config`].
    #[must_use]
    pub fn new() -> Store {
        Store::start(
            Config::default(),
            crate::persist::engine::Persisters::default(),
        )
    }

    /// A store set up by `config`: with a data directory and a snapshot or
    /// an append log, the persisted data is loaded first (see
    /// [`Store::load_report`]).
    ///
    /// # Errors
    ///
    /// The data directory is used by another store (its lock file is
    /// held); a persisted file is missing, corrupt (the error names the
    /// file and byte offset) or unreadable; a snapshot or append log is
    /// configured without a data directory ([`Error::NoDataDir`](crate::Error::NoDataDir)).
    pub fn open(config: Config) -> Result<Store> {
        let persist = crate::persist::engine::Persisters::open(&config)?;
        let store = Store::start(config, persist);
        crate::persist::engine::load_and_attach(&store)?;
        Ok(store)
    }

    fn start(config: Config, persist: crate::persist::engine::Persisters) -> Store {
        let memory = Arc::new(crate::memory::MemorySettings::new(
            config.maxmemory,
            config.maxmemory_policy,
            config.maxmemory_samples,
        ));
        let keyspace = Keyspace::new(config.shards, Arc::clone(&memory));
        let pubsub_settings = Arc::new(crate::pubsub::PubSubSettings::new(
            config.notify_keyspace_events,
            config.pubsub_buffer_limit,
        ));
        let inner = Arc::new(Inner {
            expire_cursor: Mutex::new(ExpireCursor::new(keyspace.shard_count())),
            keyspace,
            clock: config.clock.clone(),
            propagator: Propagator::default(),
            settings: crate::settings::Settings::new(&config, Arc::clone(&pubsub_settings), memory),
            pubsub: crate::pubsub::Broker::new(pubsub_settings),
            stats: Stats::default(),
            started: std::time::Instant::now(),
            run_id: random_hex40(),
            blocking: crate::blocking::Blocking::default(),
            watches: crate::watch::Watches::default(),
            client_ids: AtomicU64::new(0),
            clients: crate::session::Clients::default(),
            persist,
            loading: std::sync::atomic::AtomicBool::new(false),
            started_unix: config.clock.now_ms() / 1000,
            config,
        });
        let startup = crate::memory::startup_bytes(&inner);
        inner
            .stats
            .used_memory_startup
            .store(startup, Ordering::Relaxed);
        inner
            .stats
            .used_memory_peak
            .store(startup, Ordering::Relaxed);
        let stop = Arc::new(StopSignal::default());
        // The thread expires keys and runs the once-a-second persistence
        // checks (save points, log rewrites): a store with neither has none.
        let thread = (inner.config.active_expire || !inner.persist.all.is_empty())
            .then(|| spawn_background(Arc::clone(&inner), Arc::clone(&stop)))
            .flatten();
        Store {
            _lifetime: Arc::new(Lifetime {
                stop,
                thread,
                inner: Arc::downgrade(&inner),
            }),
            inner,
        }
    }

    /// Number of shards the keyspace is split into.
    #[must_use]
    pub fn shard_count(&self) -> usize {
        self.inner.keyspace.shard_count()
    }

    /// Subscribes `observer` to the canonical command of every write (see
    /// [`WriteObserver`]). Returns an id for
    /// [`remove_write_observer`](Store::remove_write_observer).
    pub fn add_write_observer(&self, observer: Arc<dyn WriteObserver>) -> ObserverId {
        self.inner.propagator.add(observer)
    }

    /// Unsubscribes an observer; returns whether it was subscribed.
    pub fn remove_write_observer(&self, id: ObserverId) -> bool {
        self.inner.propagator.remove(id)
    }

    /// Runs one active expire pass now (what the background thread does
    /// `hz` times a second) and returns how many expired keys it reclaimed.
    /// Useful with [`Config`]'s `active_expire(false)` and a manual clock.
    ///
    /// Like Redis's cycle it samples: a pass looks at a few keys with a TTL
    /// per shard and keeps going on a shard only while more than 10% of its
    /// sample was expired, so a pass may reclaim nothing while a few expired
    /// keys remain among many live ones (they stay invisible to every
    /// command, and a later pass or an access reclaims them).
    ///
    /// A pass also visits hashes with field deadlines (`HEXPIRE`) and
    /// deletes their expired fields, propagating `HDEL` (and deleting a
    /// hash it empties); those fields are not in the returned count.
    pub fn active_expire_cycle(&self) -> usize {
        self.inner.active_expire_pass(Duration::from_secs(1))
    }

    /// Number of expired keys reclaimed so far, lazily or actively (Redis's
    /// `expired_keys` stat).
    #[must_use]
    pub fn expired_keys(&self) -> u64 {
        self.inner.stats.expired_keys.load(Ordering::Relaxed)
    }

    /// Bytes used by the keyspace: the tables' bucket arrays with the keys'
    /// access clocks, heap-held keys and values, the expiry tables and the
    /// shard array, as the allocator hands them out. This is what
    /// `maxmemory` is checked against. O(1): each shard adds its change
    /// when a write releases it (a transaction's, when it ends).
    #[must_use]
    pub fn used_memory(&self) -> usize {
        self.inner.keyspace.used()
    }

    /// A context for one command.
    pub(crate) fn ctx(&self) -> Ctx<'_> {
        self.inner.ctx()
    }
}

impl Inner {
    /// A new connection id (`CLIENT ID`): 1, 2, 3, …
    pub(crate) fn next_client_id(&self) -> u64 {
        self.client_ids.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn ctx(&self) -> Ctx<'_> {
        let clock: &dyn Clock = if self.loading.load(Ordering::Acquire) {
            &LOADING_CLOCK
        } else {
            &*self.clock
        };
        Ctx::new(
            clock,
            &self.propagator,
            &self.stats.expired_keys,
            &self.pubsub,
        )
        .with_memory(self.settings.memory(), &self.stats.evicted_keys)
    }

    fn active_expire_pass(&self, budget: Duration) -> usize {
        if self.loading.load(Ordering::Acquire) {
            return 0;
        }
        let mut cursor = self.expire_cursor.lock();
        let ctx = self.ctx();
        active_expire_cycle(&self.keyspace, &ctx, &mut cursor, budget)
    }
}

/// The time commands see while the append log is replayed: the epoch, so
/// that no deadline (always in Unix milliseconds, positive) has passed and
/// every key and field comes back as it was written; expired ones are
/// reclaimed once the load is done.
#[derive(Debug)]
struct LoadingClock;

impl Clock for LoadingClock {
    fn now_ms(&self) -> i64 {
        0
    }
}

static LOADING_CLOCK: LoadingClock = LoadingClock;

/// 40 random hex digits (Redis's run ids).
pub(crate) fn random_hex40() -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(40);
    for _ in 0..5 {
        // 5 x 8 hex digits of 32 random bits each.
        let _ = write!(out, "{:08x}", crate::rand::next_u64() >> 32);
    }
    out
}

fn spawn_background(inner: Arc<Inner>, stop: Arc<StopSignal>) -> Option<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("kvstore-expire".into())
        .spawn(move || {
            let mut last_cron = std::time::Instant::now();
            loop {
                // Read each round: CONFIG SET hz applies at once.
                let period = Duration::from_millis(1000 / u64::from(inner.settings.hz().max(1)));
                // Redis's slow cycle may use 25% of the time between runs.
                let budget = period / 4;
                {
                    let mut stopped = stop.stopped.lock();
                    if !*stopped {
                        stop.wake.wait_for(&mut stopped, period);
                    }
                    if *stopped {
                        return;
                    }
                }
                if inner.config.active_expire {
                    inner.active_expire_pass(budget);
                }
                if last_cron.elapsed() >= Duration::from_secs(1) {
                    last_cron = std::time::Instant::now();
                    inner.persistence_cron();
                }
            }
        })
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_is_send_sync_and_clone() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Store>();
    }

    #[test]
    fn dropping_the_last_handle_stops_the_thread() {
        let store = Store::open(Config::builder().hz(500).build()).expect("open");
        let weak = Arc::downgrade(&store.inner);
        let clone = store.clone();
        drop(store);
        assert!(weak.upgrade().is_some(), "a handle is still alive");
        drop(clone);
        // The thread was joined, so its reference to Inner is gone too.
        assert!(weak.upgrade().is_none());
    }
}
