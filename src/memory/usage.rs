//! `MEMORY USAGE` ([`Store::memory_usage`]) and the text of
//! `MEMORY DOCTOR`.

use crate::types::Lookup;
use crate::{Result, Store};

impl Store {
    /// `MEMORY USAGE key [SAMPLES count]`: the bytes `key` takes, its name,
    /// value and bookkeeping together (its table bucket, the heap data of
    /// its key and value, and its expiry entry when it has a time to
    /// live); `None` when the key does not exist or has expired.
    ///
    /// The store keeps an exact byte count for every value, so nothing is
    /// sampled: `samples` (Redis's `SAMPLES`, 5 by default, 0 for all) is
    /// accepted for compatibility and does not change the answer. Unlike
    /// Redis 7.0, which looks the key up without checking its deadline, an
    /// expired key is reported missing (and reclaimed).
    ///
    /// ```
    /// use kvstore::Store;
    ///
    /// let store = Store::new();
    /// store.set("small", "x")?;
    /// store.set("big", "x".repeat(10_000))?;
    /// let small = store.memory_usage("small", None)?.unwrap();
    /// let big = store.memory_usage("big", Some(0))?.unwrap();
    /// assert!(big >= small + 10_000);
    /// assert_eq!(store.memory_usage("missing", None)?, None);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None today: the `Result` is for parity with the other reads.
    pub fn memory_usage(
        &self,
        key: impl AsRef<[u8]>,
        samples: Option<usize>,
    ) -> Result<Option<usize>> {
        // Exact counts: the number of samples cannot change the answer.
        let _ = samples;
        let key = key.as_ref();
        let keyspace = &self.inner.keyspace;
        let loc = keyspace.locate(key);
        let ctx = self.ctx();
        let shard = keyspace.read(loc.shard);
        let (bytes, expired) = match shard.lookup(key, loc.hash, &ctx) {
            Lookup::Live(_) => {
                let index = shard.table().find(key, loc.hash);
                (index.map(|i| shard.key_bytes(i, loc.hash)), false)
            }
            Lookup::Absent => (None, false),
            Lookup::Expired => (None, true),
        };
        drop(shard);
        if expired {
            self.reclaim_expired(&[(loc, key)]);
        }
        Ok(bytes)
    }

    /// `MEMORY DOCTOR`: Redis's report on what looks wrong with memory
    /// (its texts and thresholds).
    pub(crate) fn memory_doctor(&self) -> String {
        let b = self.memory_breakdown();
        let m = &b.info;
        if m.used_memory < 5 << 20 {
            return EMPTY.to_owned();
        }
        let mb10 = 10 << 20;
        let mut found: Vec<String> = Vec::new();
        if super::info::ratio(m.used_memory_peak, m.used_memory) > 1.5 {
            found.push(BIG_PEAK.to_owned());
        }
        if m.mem_fragmentation_ratio > 1.4 && m.mem_fragmentation_bytes > mb10 {
            found.push(HIGH_FRAG.replace("{allocator}", &m.mem_allocator));
        }
        if m.allocator_frag_ratio > 1.1 && m.allocator_frag_bytes > mb10 {
            found.push(HIGH_ALLOC_FRAG.to_owned());
        }
        if m.allocator_rss_ratio > 1.1 && m.allocator_rss_bytes > mb10 {
            found.push(HIGH_ALLOC_RSS.to_owned());
        }
        if m.rss_overhead_ratio > 1.1 && m.rss_overhead_bytes > mb10 {
            found.push(HIGH_PROC_RSS.to_owned());
        }
        if m.mem_clients_normal / b.clients > 200 * 1024 {
            found.push(BIG_CLIENT_BUF.to_owned());
        }
        if found.is_empty() {
            return HEALTHY.to_owned();
        }
        let mut report = String::from(
            "Sam, I detected a few issues in this Redis instance memory implants:\n\n",
        );
        for issue in found {
            report.push_str(" * ");
            report.push_str(&issue);
            report.push_str("\n\n");
        }
        report.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
        report
    }
}

const EMPTY: &str = "Hi Sam, this instance is empty or is using very little memory, my issues \
detector can't be used in these conditions. Please, leave for your mission on Earth and fill it \
with some data. The new Sam and I will be back to our programming as soon as I finished \
rebooting.\n";

const HEALTHY: &str = "Hi Sam, I can't find any memory issue in your instance. I can only \
account for what occurs on this base.\n";

const BIG_PEAK: &str = "Peak memory: In the past this instance used more than 150% the memory \
that is currently using. The allocator is normally not able to release memory after a peak, so \
you can expect to see a big fragmentation ratio, however this is actually harmless and is only \
due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger \
than expected, the memory will be used as soon as you fill the Redis instance with more data. If \
the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY \
PURGE command, otherwise the only other option is to shutdown and restart the instance.";

const HIGH_FRAG: &str = "High total RSS: This instance has a memory fragmentation and RSS \
overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much \
larger than the sum of the logical allocations Redis performed). This problem is usually due \
either to a large peak memory (check if there is a peak memory entry above in the report) or may \
result from a workload that causes the allocator to fragment memory a lot. If the problem is a \
large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc \
allocator and not the default libc malloc. Note: The currently used allocator is \
\"{allocator}\".";

const HIGH_ALLOC_FRAG: &str = "High allocator fragmentation: This instance has an allocator \
external fragmentation greater than 1.1. This problem is usually due either to a large peak \
memory (check if there is a peak memory entry above in the report) or may result from a workload \
that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config \
option.";

const HIGH_ALLOC_RSS: &str = "High allocator RSS overhead: This instance has an RSS memory \
overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much \
larger than the sum what the allocator actually holds). This problem is usually due to a large \
peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY \
PURGE command to reclaim it.";

const HIGH_PROC_RSS: &str = "High process RSS overhead: This instance has non-allocator RSS \
memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process \
is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or \
Modules.";

const BIG_CLIENT_BUF: &str = "Big client buffers: The clients output buffers in this instance \
are greater than 200K per client (on average). This may result from different causes, like \
Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on \
the Redis instance output buffer, or clients sending commands with large replies or very large \
sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to \
investigate the issue if it causes problems in your instance, or to understand better why \
certain clients are using a big amount of memory.";
