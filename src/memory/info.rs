//! Redis's `INFO memory` report: [`InfoMemory`] and [`Store::info_memory`],
//! and the figures behind `MEMORY STATS` and `MEMORY DOCTOR`.
//!
//! `used_memory` is the store's own accounting (see [`Store::used_memory`]:
//! the keyspace, counted incrementally per shard) plus the buffers the store
//! holds for its clients (subscribers' queues, the RESP server's
//! connection buffers, the append log's pending records) and the fixed cost
//! of its structures measured when it was opened (`used_memory_startup`).
//! The allocator and process figures (`used_memory_rss`, `allocator_*`) are
//! process-wide: in an embedded store they include the application's own
//! memory, so the fragmentation ratios built on them compare the whole
//! process with the store's share of it.

use std::fmt;
use std::sync::atomic::Ordering;

use super::MaxmemoryPolicy;
use super::alloc::{self, alloc_size};
use crate::Store;
use crate::info::bytes_to_human;

/// Redis 7.0's `INFO memory` fields, typed, plus `evicted_keys` (an
/// `INFO stats` field, kept here because it is about memory too).
///
/// Its [`Display`](fmt::Display) prints Redis 7.0.15's `# Memory` section
/// exactly (field names, order and formats, `\r\n` line ends), and the
/// `INFO` command's memory section is that text. Fields for features the
/// store does not have (Lua, functions, replication, cluster links, active
/// defrag, lazy free) are printed with the value of a server using none of
/// them: 0.
///
/// ```
/// use kvstore::{MaxmemoryPolicy, Store};
///
/// let store = Store::new();
/// let before = store.info_memory();
/// store.set("greeting", "hello world")?;
/// let after = store.info_memory();
/// assert!(after.used_memory > before.used_memory);
/// assert!(after.used_memory_dataset > before.used_memory_dataset);
/// assert_eq!(after.used_memory, after.used_memory_dataset + after.used_memory_overhead);
/// assert_eq!(after.maxmemory_policy, MaxmemoryPolicy::NoEviction);
///
/// let text = after.to_string();
/// assert!(text.starts_with("# Memory\r\nused_memory:"));
/// assert!(text.contains("\r\nmaxmemory_policy:noeviction\r\n"));
/// assert!(store.info(&["memory"]).starts_with("# Memory\r\nused_memory:"));
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InfoMemory {
    /// Bytes the store holds: keyspace, client buffers, append-log buffer
    /// and its fixed structures.
    pub used_memory: usize,
    /// Resident bytes: the allocator's resident pages with jemalloc, the
    /// process's resident set otherwise (process-wide).
    pub used_memory_rss: usize,
    /// The most `used_memory` seen since the store opened (or since
    /// `CONFIG RESETSTAT`).
    pub used_memory_peak: usize,
    /// `used_memory` as a percentage of `used_memory_peak`.
    pub used_memory_peak_perc: f64,
    /// `used_memory` minus the dataset: fixed structures, empty table
    /// buckets, the expiry tables and the buffers.
    pub used_memory_overhead: usize,
    /// What the store used once opened, before any data was loaded.
    pub used_memory_startup: usize,
    /// Bytes of the keys and values themselves (one table bucket per key
    /// plus the heap data of keys and values).
    pub used_memory_dataset: usize,
    /// The dataset as a percentage of `used_memory` net of
    /// `used_memory_startup`.
    pub used_memory_dataset_perc: f64,
    /// Bytes the allocator handed out (jemalloc's `stats.allocated`;
    /// `used_memory` without jemalloc, as Redis fakes it).
    pub allocator_allocated: usize,
    /// Bytes in the allocator's active pages (`stats.active`; the resident
    /// set without jemalloc).
    pub allocator_active: usize,
    /// Bytes of the allocator's resident pages (`stats.resident`; the
    /// process's resident set without jemalloc).
    pub allocator_resident: usize,
    /// Physical memory of the machine.
    pub total_system_memory: u64,
    /// The memory limit (`maxmemory`); 0 means none.
    pub maxmemory: u64,
    /// What happens past `maxmemory`.
    pub maxmemory_policy: MaxmemoryPolicy,
    /// `allocator_active / allocator_allocated`.
    pub allocator_frag_ratio: f64,
    /// `allocator_active - allocator_allocated`.
    pub allocator_frag_bytes: i64,
    /// `allocator_resident / allocator_active`.
    pub allocator_rss_ratio: f64,
    /// `allocator_resident - allocator_active`.
    pub allocator_rss_bytes: i64,
    /// `used_memory_rss / allocator_resident`.
    pub rss_overhead_ratio: f64,
    /// `used_memory_rss - allocator_resident`.
    pub rss_overhead_bytes: i64,
    /// `used_memory_rss / used_memory`, as Redis computes it.
    pub mem_fragmentation_ratio: f64,
    /// `used_memory_rss - used_memory`.
    pub mem_fragmentation_bytes: i64,
    /// Bytes in `used_memory` that eviction does not count against
    /// `maxmemory`: the append-log buffer, as in Redis.
    pub mem_not_counted_for_evict: usize,
    /// The replication backlog (no replication: 0).
    pub mem_replication_backlog: usize,
    /// Replicas' output buffers (no replication: 0).
    pub mem_clients_slaves: usize,
    /// Clients' buffers: messages queued for subscribers plus the RESP
    /// server's connection buffers.
    pub mem_clients_normal: usize,
    /// The append log's records not yet written, as allocated.
    pub mem_aof_buffer: usize,
    /// The allocator: `jemalloc-<version>` or `libc`.
    pub mem_allocator: String,
    /// Objects waiting to be freed in the background (none: freeing is
    /// done at once).
    pub lazyfree_pending_objects: usize,
    /// Keys evicted to stay under `maxmemory` (`INFO stats`).
    pub evicted_keys: u64,
}

impl InfoMemory {
    /// `used_memory` as Redis's `used_memory_human` (`1.03M`).
    #[must_use]
    pub fn used_memory_human(&self) -> String {
        human(self.used_memory)
    }

    /// `used_memory_peak` as Redis's `used_memory_peak_human`.
    #[must_use]
    pub fn used_memory_peak_human(&self) -> String {
        human(self.used_memory_peak)
    }
}

fn human(n: usize) -> String {
    bytes_to_human(u64::try_from(n).unwrap_or(u64::MAX))
}

/// `a / b` as Redis computes its ratios (`(float)a / b`); 0 when `b` is 0
/// (where Redis would print `nan` or `inf`).
#[allow(clippy::cast_precision_loss)]
pub(super) fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        return 0.0;
    }
    f64::from(a as f32 / b as f32)
}

/// `a * 100 / b` as Redis computes its percentages (`(float)a*100/b`).
#[allow(clippy::cast_precision_loss)]
fn percent(a: usize, b: usize) -> f64 {
    if b == 0 {
        return 0.0;
    }
    f64::from(a as f32 * 100.0 / b as f32)
}

/// `a - b` as a signed count (Redis's `%zd` of a difference).
fn diff(a: usize, b: usize) -> i64 {
    let magnitude = i64::try_from(a.abs_diff(b)).unwrap_or(i64::MAX);
    if a >= b { magnitude } else { -magnitude }
}

impl fmt::Display for InfoMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self;
        let line = |f: &mut fmt::Formatter<'_>, name: &str, value: &dyn fmt::Display| {
            write!(f, "{name}:{value}\r\n")
        };
        let perc = |v: f64| format!("{v:.2}%");
        let two = |v: f64| format!("{v:.2}");
        f.write_str("# Memory\r\n")?;
        line(f, "used_memory", &m.used_memory)?;
        line(f, "used_memory_human", &human(m.used_memory))?;
        line(f, "used_memory_rss", &m.used_memory_rss)?;
        line(f, "used_memory_rss_human", &human(m.used_memory_rss))?;
        line(f, "used_memory_peak", &m.used_memory_peak)?;
        line(f, "used_memory_peak_human", &human(m.used_memory_peak))?;
        line(f, "used_memory_peak_perc", &perc(m.used_memory_peak_perc))?;
        line(f, "used_memory_overhead", &m.used_memory_overhead)?;
        line(f, "used_memory_startup", &m.used_memory_startup)?;
        line(f, "used_memory_dataset", &m.used_memory_dataset)?;
        line(
            f,
            "used_memory_dataset_perc",
            &perc(m.used_memory_dataset_perc),
        )?;
        line(f, "allocator_allocated", &m.allocator_allocated)?;
        line(f, "allocator_active", &m.allocator_active)?;
        line(f, "allocator_resident", &m.allocator_resident)?;
        line(f, "total_system_memory", &m.total_system_memory)?;
        line(
            f,
            "total_system_memory_human",
            &bytes_to_human(m.total_system_memory),
        )?;
        // No Lua, no functions: what a server with none of them would
        // print, without the memory of an empty VM we do not have.
        for name in [
            "used_memory_lua",
            "used_memory_vm_eval",
            "used_memory_lua_human",
            "used_memory_scripts_eval",
            "number_of_cached_scripts",
            "number_of_functions",
            "number_of_libraries",
            "used_memory_vm_functions",
            "used_memory_vm_total",
            "used_memory_vm_total_human",
            "used_memory_functions",
            "used_memory_scripts",
            "used_memory_scripts_human",
        ] {
            let zero = if name.ends_with("_human") { "0B" } else { "0" };
            line(f, name, &zero)?;
        }
        line(f, "maxmemory", &m.maxmemory)?;
        line(f, "maxmemory_human", &bytes_to_human(m.maxmemory))?;
        line(f, "maxmemory_policy", &m.maxmemory_policy.as_str())?;
        line(f, "allocator_frag_ratio", &two(m.allocator_frag_ratio))?;
        line(f, "allocator_frag_bytes", &m.allocator_frag_bytes)?;
        line(f, "allocator_rss_ratio", &two(m.allocator_rss_ratio))?;
        line(f, "allocator_rss_bytes", &m.allocator_rss_bytes)?;
        line(f, "rss_overhead_ratio", &two(m.rss_overhead_ratio))?;
        line(f, "rss_overhead_bytes", &m.rss_overhead_bytes)?;
        line(
            f,
            "mem_fragmentation_ratio",
            &two(m.mem_fragmentation_ratio),
        )?;
        line(f, "mem_fragmentation_bytes", &m.mem_fragmentation_bytes)?;
        line(f, "mem_not_counted_for_evict", &m.mem_not_counted_for_evict)?;
        line(f, "mem_replication_backlog", &m.mem_replication_backlog)?;
        line(f, "mem_total_replication_buffers", &0)?;
        line(f, "mem_clients_slaves", &m.mem_clients_slaves)?;
        line(f, "mem_clients_normal", &m.mem_clients_normal)?;
        line(f, "mem_cluster_links", &0)?;
        line(f, "mem_aof_buffer", &m.mem_aof_buffer)?;
        line(f, "mem_allocator", &m.mem_allocator)?;
        line(f, "active_defrag_running", &0)?;
        line(f, "lazyfree_pending_objects", &m.lazyfree_pending_objects)?;
        line(f, "lazyfreed_objects", &0)
    }
}

/// Everything `INFO memory`, `MEMORY STATS` and `MEMORY DOCTOR` report,
/// read in one pass.
pub(crate) struct Breakdown {
    pub(crate) info: InfoMemory,
    /// Keys, expired ones not yet reclaimed included (Redis's `dictSize`).
    pub(crate) keys: usize,
    /// The main tables' bytes beyond one bucket per key.
    pub(crate) main_table_overhead: usize,
    /// The expiry tables' bytes (keys' and hash fields' deadlines).
    pub(crate) expires_overhead: usize,
    /// Connected RESP clients (at least the caller, as in Redis).
    pub(crate) clients: usize,
}

impl Store {
    /// Redis's `INFO memory` figures (and `evicted_keys`), typed; see
    /// [`InfoMemory`]. Reads each shard's counters under its read lock in
    /// turn, and the allocator's and the process's figures.
    ///
    /// Also raises `used_memory_peak` to the current `used_memory`.
    #[must_use]
    pub fn info_memory(&self) -> InfoMemory {
        self.memory_breakdown().info
    }

    pub(crate) fn memory_breakdown(&self) -> Breakdown {
        let inner = &self.inner;
        let keyspace = &inner.keyspace;
        let (mut keyspace_used, mut dataset, mut keys) = (0usize, 0usize, 0usize);
        let (mut main_overhead, mut expires_overhead) = (0usize, 0usize);
        for i in 0..keyspace.shard_count() {
            let shard = keyspace.read(i);
            let shard_dataset = shard.dataset_bytes();
            let shard_used = shard.used_bytes();
            keyspace_used += shard_used;
            dataset += shard_dataset;
            keys += shard.len();
            let expires = shard.expires().allocated_bytes() + shard.hash_ttls().allocated_bytes();
            expires_overhead += expires;
            // The main table's buckets beyond one per key (those are in
            // the dataset).
            main_overhead += shard_used.saturating_sub(expires + shard_dataset);
        }
        let stats = &inner.stats;
        let pubsub = inner.pubsub.queued_bytes();
        let connections = stats.client_buffer_bytes.load(Ordering::Relaxed);
        let aof = inner
            .persist
            .log
            .as_ref()
            .map_or(0, |log| log.buffer_bytes());
        let clients_normal = pubsub + connections;
        let used = keyspace_used + keyspace.overhead_bytes() + fixed_bytes() + clients_normal + aof;
        let startup = stats.used_memory_startup.load(Ordering::Relaxed);
        let peak = stats
            .used_memory_peak
            .fetch_max(used, Ordering::Relaxed)
            .max(used);

        // The resident size is the allocator's with jemalloc, the
        // process's otherwise; without allocator statistics the allocator
        // figures are faked from it as Redis fakes them.
        let (allocated, active, resident, rss) = match alloc::allocator_stats() {
            Some(s) => (s.allocated, s.active, s.resident, s.resident),
            None => {
                let rss = alloc::process_rss();
                (used, rss, rss, rss)
            }
        };
        let net = if used > startup { used - startup } else { 1 };
        let memory = inner.settings.memory();
        let info = InfoMemory {
            used_memory: used,
            used_memory_rss: rss,
            used_memory_peak: peak,
            used_memory_peak_perc: percent(used, peak),
            used_memory_overhead: used - dataset.min(used),
            used_memory_startup: startup,
            used_memory_dataset: dataset.min(used),
            used_memory_dataset_perc: percent(dataset.min(used), net),
            allocator_allocated: allocated,
            allocator_active: active,
            allocator_resident: resident,
            total_system_memory: alloc::total_system_memory(),
            maxmemory: memory.maxmemory(),
            maxmemory_policy: memory.policy(),
            allocator_frag_ratio: ratio(active, allocated),
            allocator_frag_bytes: diff(active, allocated),
            allocator_rss_ratio: ratio(resident, active),
            allocator_rss_bytes: diff(resident, active),
            rss_overhead_ratio: ratio(rss, resident),
            rss_overhead_bytes: diff(rss, resident),
            mem_fragmentation_ratio: ratio(rss, used),
            mem_fragmentation_bytes: diff(rss, used),
            mem_not_counted_for_evict: aof,
            mem_replication_backlog: 0,
            mem_clients_slaves: 0,
            mem_clients_normal: clients_normal,
            mem_aof_buffer: aof,
            mem_allocator: alloc::allocator_name(),
            lazyfree_pending_objects: 0,
            evicted_keys: stats.evicted_keys.load(Ordering::Relaxed),
        };
        Breakdown {
            info,
            keys,
            main_table_overhead: main_overhead,
            expires_overhead,
            clients: stats.connected_clients.load(Ordering::Relaxed).max(1),
        }
    }
}

/// Bytes of the store's fixed structures that the keyspace does not count
/// (its shard array is in [`Store::used_memory`] already): the shared state
/// behind every handle, with the pub/sub registries inside it.
pub(crate) fn fixed_bytes() -> usize {
    // The `Arc`'s allocation: two counts, then the state.
    alloc_size(2 * std::mem::size_of::<usize>() + std::mem::size_of::<crate::store::Inner>())
        + crate::pubsub::Broker::fixed_bytes()
}

/// What `used_memory` is for a store just opened (`used_memory_startup`).
pub(crate) fn startup_bytes(inner: &crate::store::Inner) -> usize {
    let keyspace = &inner.keyspace;
    let tables: usize = (0..keyspace.shard_count())
        .map(|i| keyspace.read(i).used_bytes())
        .sum();
    tables + keyspace.overhead_bytes() + fixed_bytes()
}
