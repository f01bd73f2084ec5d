//! Store configuration.

use std::fmt;
use std::sync::Arc;

use std::path::PathBuf;

use crate::clock::{Clock, SystemClock};
use crate::persist::fs::{Fs, StdFs};
use crate::persist::{AppendLogOptions, Persistence, SnapshotOptions};
use crate::pubsub::OutputBufferLimit;

/// Redis's default `proto-max-bulk-len`: the largest string, 512 MB.
pub const DEFAULT_MAX_STRING_LEN: usize = 512 * 1024 * 1024;

/// How a [`Store`](crate::Store) is set up. Build one with
/// [`Config::builder`]; [`Config::default`] is what [`Store::new`](crate::Store::new) uses.
///
/// The tunables (`hz`, `max_string_len`, the encoding thresholds) are the
/// values the store starts with: `CONFIG SET` ([`Store::config_set`](crate::Store::config_set))
/// changes them while it runs.
///
/// ```
/// use kvstore::{Config, Store};
///
/// let config = Config::builder().shards(16).active_expire(false).build();
/// let store = Store::open(config)?;
/// assert_eq!(store.shard_count(), 16);
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    pub(crate) shards: usize,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) active_expire: bool,
    pub(crate) hz: u32,
    pub(crate) max_string_len: usize,
    pub(crate) list_max_listpack_size: i64,
    pub(crate) hash_max_listpack_entries: usize,
    pub(crate) hash_max_listpack_value: usize,
    pub(crate) set_max_intset_entries: usize,
    pub(crate) set_max_listpack_entries: usize,
    pub(crate) set_max_listpack_value: usize,
    pub(crate) zset_max_listpack_entries: usize,
    pub(crate) zset_max_listpack_value: usize,
    /// The data directory; `None` keeps everything in memory.
    pub(crate) dir: Option<PathBuf>,
    pub(crate) snapshot: Option<SnapshotOptions>,
    pub(crate) append_log: Option<AppendLogOptions>,
    pub(crate) custom_persistence: Vec<Arc<dyn Persistence>>,
    /// The file layer persistence writes through (tests inject faults).
    pub(crate) fs: Arc<dyn Fs>,
    /// `notify-keyspace-events` as class bits.
    pub(crate) notify_keyspace_events: u32,
    /// `client-output-buffer-limit pubsub`.
    pub(crate) pubsub_buffer_limit: OutputBufferLimit,
    /// `maxmemory` in bytes (0: no limit).
    pub(crate) maxmemory: u64,
    pub(crate) maxmemory_policy: crate::MaxmemoryPolicy,
    pub(crate) maxmemory_samples: u32,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("shards", &self.shards)
            .field("clock", &self.clock)
            .field("active_expire", &self.active_expire)
            .field("hz", &self.hz)
            .field("max_string_len", &self.max_string_len)
            .field("list_max_listpack_size", &self.list_max_listpack_size)
            .field("hash_max_listpack_entries", &self.hash_max_listpack_entries)
            .field("hash_max_listpack_value", &self.hash_max_listpack_value)
            .field("set_max_intset_entries", &self.set_max_intset_entries)
            .field("set_max_listpack_entries", &self.set_max_listpack_entries)
            .field("set_max_listpack_value", &self.set_max_listpack_value)
            .field("zset_max_listpack_entries", &self.zset_max_listpack_entries)
            .field("zset_max_listpack_value", &self.zset_max_listpack_value)
            .field("dir", &self.dir)
            .field("snapshot", &self.snapshot)
            .field("append_log", &self.append_log)
            .field("custom_persistence", &self.custom_persistence.len())
            .field(
                "notify_keyspace_events",
                &crate::pubsub::format_notify_flags(self.notify_keyspace_events),
            )
            .field("pubsub_buffer_limit", &self.pubsub_buffer_limit)
            .field("maxmemory", &self.maxmemory)
            .field("maxmemory_policy", &self.maxmemory_policy)
            .field("maxmemory_samples", &self.maxmemory_samples)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Config {
            shards: (cores * 32).clamp(64, 1024).next_power_of_two(),
            clock: Arc::new(SystemClock),
            active_expire: true,
            hz: 10,
            max_string_len: DEFAULT_MAX_STRING_LEN,
            list_max_listpack_size: -2,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            dir: None,
            snapshot: None,
            append_log: None,
            custom_persistence: Vec::new(),
            fs: Arc::new(StdFs),
            notify_keyspace_events: 0,
            pubsub_buffer_limit: OutputBufferLimit::PUBSUB_DEFAULT,
            maxmemory: 0,
            maxmemory_policy: crate::MaxmemoryPolicy::NoEviction,
            maxmemory_samples: crate::memory::policy::DEFAULT_SAMPLES,
        }
    }
}

impl Config {
    /// A builder starting from the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder {
            config: Config::default(),
        }
    }
}

/// Builds a [`Config`]; every setting has a documented default.
#[derive(Debug, Clone)]
#[must_use]
pub struct ConfigBuilder {
    config: Config,
}

impl ConfigBuilder {
    /// Number of shards the 16384 hash slots are split into, rounded up to a
    /// power of two between 1 and 16384. More shards mean less lock
    /// contention between threads. Default: 32 per core, between 64 and 1024.
    pub fn shards(mut self, shards: usize) -> Self {
        self.config.shards = shards;
        self
    }

    /// The clock expiry reads. Default: [`SystemClock`]. Tests use a
    /// [`ManualClock`](crate::ManualClock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.config.clock = Arc::new(clock);
        self
    }

    /// Whether a background thread reclaims expired keys nobody touches
    /// (Redis's active expire cycle). Default: on. When off, expired keys are
    /// still invisible, and [`Store::active_expire_cycle`](crate::Store::active_expire_cycle)
    /// reclaims them on demand.
    pub fn active_expire(mut self, on: bool) -> Self {
        self.config.active_expire = on;
        self
    }

    /// How many times per second the background cycle runs (Redis's `hz`),
    /// 1 to 500. Default: 10.
    pub fn hz(mut self, hz: u32) -> Self {
        self.config.hz = hz.clamp(1, 500);
        self
    }

    /// The largest string a command may create, in bytes (Redis's
    /// `proto-max-bulk-len`). Default: 512 MB.
    pub fn max_string_len(mut self, bytes: usize) -> Self {
        self.config.max_string_len = bytes;
        self
    }

    /// Redis's `list-max-listpack-size`: how big one packed list chunk may
    /// grow. Negative values bound its bytes: -1 = 4 KB, -2 = 8 KB, -3 =
    /// 16 KB, -4 = 32 KB, -5 = 64 KB (values below -5 act as -5); positive
    /// values bound its entries (and 8 KB still bounds its bytes, as in
    /// Redis). A list fitting in one chunk is stored `listpack`, a longer one
    /// `quicklist`. Default: -2.
    pub fn list_max_listpack_size(mut self, fill: i64) -> Self {
        self.config.list_max_listpack_size = fill;
        self
    }

    /// Redis's `hash-max-listpack-entries`: the most fields a hash keeps in
    /// the packed `listpack` encoding before converting to `hashtable`.
    /// Default: 512.
    pub fn hash_max_listpack_entries(mut self, entries: usize) -> Self {
        self.config.hash_max_listpack_entries = entries;
        self
    }

    /// Redis's `hash-max-listpack-value`: the longest field or value, in
    /// bytes, a packed hash may hold before converting to `hashtable`.
    /// Default: 64.
    pub fn hash_max_listpack_value(mut self, bytes: usize) -> Self {
        self.config.hash_max_listpack_value = bytes;
        self
    }

    /// Redis's `set-max-intset-entries`: the most members a set of
    /// integers keeps in the `intset` encoding. Default: 512.
    pub fn set_max_intset_entries(mut self, entries: usize) -> Self {
        self.config.set_max_intset_entries = entries;
        self
    }

    /// Redis 7.2's `set-max-listpack-entries`: the most members a set that
    /// is not all integers keeps packed (`listpack`). Default: 128.
    pub fn set_max_listpack_entries(mut self, entries: usize) -> Self {
        self.config.set_max_listpack_entries = entries;
        self
    }

    /// Redis 7.2's `set-max-listpack-value`: the longest member, in bytes,
    /// of a packed set. Default: 64.
    pub fn set_max_listpack_value(mut self, bytes: usize) -> Self {
        self.config.set_max_listpack_value = bytes;
        self
    }

    /// Redis's `zset-max-listpack-entries`: the most members a sorted set
    /// keeps packed (`listpack`) before converting to `skiplist`. Default: 128.
    pub fn zset_max_listpack_entries(mut self, entries: usize) -> Self {
        self.config.zset_max_listpack_entries = entries;
        self
    }

    /// Redis's `zset-max-listpack-value`: the longest member, in bytes, of a
    /// packed sorted set. Default: 64.
    pub fn zset_max_listpack_value(mut self, bytes: usize) -> Self {
        self.config.zset_max_listpack_value = bytes;
        self
    }

    /// The data directory: where the snapshot and the append log live,
    /// created when missing, and locked (`kvstore.lock`) so that a second
    /// store cannot open it while this one is open. Without one, the store
    /// is in memory only and a snapshot or append log is refused at open.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.dir = Some(dir.into());
        self
    }

    /// Keeps a snapshot (RDB-like) in the data directory: loaded at open
    /// (unless the append log has data), written by
    /// [`Store::save`](crate::Store::save), [`Store::bgsave`](crate::Store::bgsave)
    /// and the save points.
    pub fn snapshot(mut self, options: SnapshotOptions) -> Self {
        self.config.snapshot = Some(options);
        self
    }

    /// Keeps an append log (AOF-like) in the data directory: every write
    /// is appended, and the log is replayed at open (preferred to the
    /// snapshot when both are kept, as Redis does).
    pub fn append_log(mut self, options: AppendLogOptions) -> Self {
        self.config.append_log = Some(options);
        self
    }

    /// Adds a persistence of your own (see [`Persistence`]); it loads after
    /// the built-in ones and records every write.
    pub fn persistence(mut self, persistence: Arc<dyn Persistence>) -> Self {
        self.config.custom_persistence.push(persistence);
        self
    }

    /// The file layer (tests swap in one that fails on demand).
    #[cfg(test)]
    pub(crate) fn fs(mut self, fs: Arc<dyn Fs>) -> Self {
        self.config.fs = fs;
        self
    }

    /// Redis's `notify-keyspace-events`: which keyspace events writes
    /// publish (`KEA` for all, `Ex` for expiry events on
    /// `__keyevent@0__:expired`, …; see the [`pubsub`](crate::pubsub)
    /// module). Default: none, as in Redis.
    ///
    /// The events are Redis 7.0's, in its order, published inside the
    /// command (before it returns): each write command's (`set`, `lpush`,
    /// `rename_from` then `rename_to`, `del` when a collection is emptied,
    /// …), `new` (`n`) when a key is created, `keymiss` (`m`) when a read
    /// finds no key, and `expired` (`x`) when an expired key is deleted, on
    /// access or by the active expire cycle. Hash field expiry publishes
    /// Redis 7.4's `hexpire`, `hpersist`, `hexpired` (and `del` with the
    /// last field).
    ///
    /// # Errors
    ///
    /// A character that is not an event class, with Redis's error text.
    ///
    /// ```
    /// use kvstore::{Config, Store};
    ///
    /// let store = Store::open(Config::builder().notify_keyspace_events("Ex")?.build())?;
    /// assert_eq!(store.config_get(&["notify-keyspace-events"])[0].1, "xE");
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    ///
    /// Listening for expired keys:
    ///
    /// ```
    /// use std::time::Duration;
    /// use kvstore::{Config, ManualClock, Store};
    ///
    /// let clock = ManualClock::new(1_000);
    /// let config = Config::builder().clock(clock.clone()).notify_keyspace_events("Ex")?;
    /// let store = Store::open(config.build())?;
    /// let mut expired = store.subscriber();
    /// expired.subscribe(["__keyevent@0__:expired"]);
    /// store.psetex("session:1", 100, "data")?;
    /// clock.advance(Duration::from_millis(101));
    /// assert_eq!(store.get("session:1")?, None); // deleted on access
    /// let confirmation = expired.get_message(Duration::ZERO)?;
    /// assert!(confirmation.is_some_and(|m| m.kind().is_confirmation()));
    /// let event = expired.get_message(Duration::ZERO)?;
    /// assert_eq!(event.map(|m| m.data().to_vec()), Some(b"session:1".to_vec()));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn notify_keyspace_events(mut self, classes: &str) -> crate::Result<Self> {
        self.config.notify_keyspace_events = crate::pubsub::parse_notify_flags(classes.as_bytes())
            .map_err(|reason| crate::Error::ConfigSetFailed {
                name: b"notify-keyspace-events".to_vec(),
                reason,
            })?;
        Ok(self)
    }

    /// The bound on every subscriber's queue (Redis's
    /// `client-output-buffer-limit pubsub`). Default: 32 MB hard, 8 MB
    /// for 60 seconds soft.
    pub fn pubsub_buffer_limit(mut self, limit: OutputBufferLimit) -> Self {
        self.config.pubsub_buffer_limit = limit;
        self
    }

    /// The memory limit in bytes (Redis's `maxmemory`); 0, the default,
    /// means none. Past it, writes evict keys by the
    /// [`maxmemory_policy`](ConfigBuilder::maxmemory_policy), or fail with
    /// `OOM` under `noeviction`.
    ///
    /// ```
    /// use kvstore::{Config, MaxmemoryPolicy, Store};
    ///
    /// let config = Config::builder()
    ///     .maxmemory(1 << 20)
    ///     .maxmemory_policy(MaxmemoryPolicy::AllkeysLru)
    ///     .build();
    /// let store = Store::open(config)?;
    /// for i in 0..100_000 {
    ///     store.set(format!("key:{i}"), "a value of some thirty bytes..")?;
    /// }
    /// assert!(store.used_memory() <= (1 << 20) + 1024);
    /// assert!(store.dbsize() < 100_000);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn maxmemory(mut self, bytes: u64) -> Self {
        self.config.maxmemory = bytes;
        self
    }

    /// What happens past [`maxmemory`](ConfigBuilder::maxmemory). Default:
    /// [`MaxmemoryPolicy::NoEviction`].
    pub fn maxmemory_policy(mut self, policy: crate::MaxmemoryPolicy) -> Self {
        self.config.maxmemory_policy = policy;
        self
    }

    /// Keys sampled per eviction (Redis's `maxmemory-samples`, 1 to 64):
    /// more samples approximate true LRU/LFU better and cost more. Default 5.
    pub fn maxmemory_samples(mut self, samples: u32) -> Self {
        self.config.maxmemory_samples = samples.clamp(1, 64);
        self
    }

    /// The finished configuration.
    #[must_use]
    pub fn build(self) -> Config {
        self.config
    }
}
