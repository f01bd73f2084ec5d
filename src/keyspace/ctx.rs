//! The per-command context every handler gets: the command's time, the
//! propagation hook, and the keyspace-event publisher.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::clock::Clock;
use crate::memory::access::Access;
use crate::memory::{MaxmemoryPolicy, MemorySettings};
use crate::propagate::Propagator;
use crate::pubsub::class;

use super::entry::Slot;
use super::table::Table;

/// Per-command context: the clock and the keyspace-event classes, each read
/// at most once per command, the propagation hook and the broker.
pub(crate) struct Ctx<'a> {
    clock: &'a dyn Clock,
    propagator: &'a Propagator,
    expired_keys: &'a AtomicU64,
    pubsub: &'a crate::pubsub::Broker,
    /// The broker's settings, one pointer away: the classes on are read
    /// there by the first event of a command.
    pubsub_settings: &'a crate::pubsub::PubSubSettings,
    now: Cell<Option<i64>>,
    /// The keyspace-event classes on, once read.
    notify_flags: Cell<Option<u32>>,
    /// `maxmemory` settings and the evicted-keys counter (absent in unit
    /// tests of the keyspace alone: LRU clocks, no eviction).
    memory: Option<(&'a MemorySettings, &'a AtomicU64)>,
    /// What recording an access needs, once read.
    access: Cell<Option<Access>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        clock: &'a dyn Clock,
        propagator: &'a Propagator,
        expired_keys: &'a AtomicU64,
        pubsub: &'a crate::pubsub::Broker,
    ) -> Self {
        Ctx {
            clock,
            propagator,
            expired_keys,
            pubsub,
            pubsub_settings: &pubsub.settings,
            now: Cell::new(None),
            notify_flags: Cell::new(None),
            memory: None,
            access: Cell::new(None),
        }
    }

    /// Adds the store's memory settings and evicted-keys counter.
    pub(crate) fn with_memory(
        mut self,
        memory: &'a MemorySettings,
        evicted: &'a AtomicU64,
    ) -> Self {
        self.memory = Some((memory, evicted));
        self
    }

    /// What recording an access needs (read once per command). The time is
    /// the command's if it was read, else the clock's coarse time.
    #[inline]
    pub(crate) fn access(&self) -> Access {
        if let Some(a) = self.access.get() {
            return a;
        }
        let now = self.now.get().unwrap_or_else(|| self.clock.coarse_now_ms());
        let a = match self.memory {
            Some((m, _)) => Access::new(m.policy(), now, m.lfu_log_factor(), m.lfu_decay_time()),
            None => Access::new(MaxmemoryPolicy::NoEviction, now, 10, 1),
        };
        self.access.set(Some(a));
        a
    }

    /// Records an access to the key in bucket `index` of `table` (Redis's
    /// `lookupKey` updating `robj.lru`). Writes the clock only when it
    /// changes, so a hot key read by many threads stays in their caches.
    #[inline]
    pub(crate) fn touch(&self, table: &Table<Slot>, index: usize) {
        let a = self.access();
        let old = table.clock(index);
        let new = if a.lfu {
            a.touched(old, crate::rand::next_u64())
        } else {
            a.ticks
        };
        if new != old {
            table.set_clock(index, new);
        }
    }

    /// An evicted key's `evicted` event, its `DEL` for the observers and
    /// the count of evicted keys (Redis's `performEvictions`).
    pub(crate) fn key_evicted(&self, key: &[u8]) {
        self.notify(class::EVICTED, "evicted", key);
        self.propagate(&[b"DEL", key]);
        if let Some((_, evicted)) = self.memory {
            evicted.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The command's time in Unix milliseconds (Redis caches it per command
    /// too, so that one command sees one instant).
    pub(crate) fn now(&self) -> i64 {
        if let Some(t) = self.now.get() {
            return t;
        }
        let t = self.clock.now_ms();
        self.now.set(Some(t));
        t
    }

    /// Whether a write's canonical command needs to be built.
    #[inline]
    pub(crate) fn propagating(&self) -> bool {
        self.propagator.active()
    }

    /// Hands a write's canonical command to the observers.
    pub(crate) fn propagate(&self, argv: &[&[u8]]) {
        self.propagator.emit(argv);
    }

    /// Redis's `deleteExpiredKeyAndPropagate`, once the caller deleted the
    /// expired `key`: its `expired` event, its `DEL` for the observers, and
    /// the count of expired keys.
    pub(crate) fn key_expired(&self, key: &[u8]) {
        self.notify(class::EXPIRED, "expired", key);
        self.propagate(&[b"DEL", key]);
        self.expired_keys.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether events of `class` are on (read once per command).
    #[inline]
    pub(crate) fn notifies(&self, class: u32) -> bool {
        let flags = match self.notify_flags.get() {
            Some(flags) => flags,
            None => {
                let flags = self.pubsub_settings.notify_flags();
                self.notify_flags.set(Some(flags));
                flags
            }
        };
        flags & class != 0
    }

    /// Redis's `notifyKeyspaceEvent`: publishes `event` about `key` if
    /// events of `class` (a [`crate::pubsub::class`] bit) are on. Checked
    /// here, inlined into every write path: when they are off, a command
    /// costs one relaxed load (its first event; later ones reuse it) and
    /// nothing is built.
    #[inline]
    pub(crate) fn notify(&self, class: u32, event: &str, key: &[u8]) {
        if self.notifies(class) {
            self.pubsub.notify(class, event, key);
        }
    }
}
