//! What eviction costs a writer: SET throughput with `maxmemory` and
//! `allkeys-lru` under constant eviction, against the same writes without
//! `maxmemory`, in the same run (issue 8's target: eviction costs ≤ 25%).
//!
//! One thread SETs keys `key:%08d` drawn uniformly from 4,000,000, each a
//! 32-byte value (held on the heap, so every eviction frees an allocation),
//! into a store preloaded with the first 1,000,000. Under the limit
//! (64 MB, well under what the keys would take) almost every SET of a new
//! key evicts one. Also printed: the same with 16-byte values, which key
//! and value share the 32-byte bucket (the evictor must keep tables from
//! growing instead of freeing allocations).
//!
//! ```text
//! cargo bench --bench eviction
//! ```
//!
//! Environment: `KVSTORE_BENCH_N` (SETs per run, default 2,000,000),
//! `KVSTORE_BENCH_ROUNDS` (runs per cell, median kept, default 3).

#[path = "common/env.rs"]
mod env;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

use std::hint::black_box;
use std::time::Instant;

use kvstore::{Config, MaxmemoryPolicy, Store};

const KEYS: u64 = 4_000_000;
const PRELOAD: u64 = 1_000_000;
const LIMIT: u64 = 64 * 1024 * 1024;

fn store(maxmemory: u64) -> Store {
    let config = Config::builder()
        .maxmemory(maxmemory)
        .maxmemory_policy(MaxmemoryPolicy::AllkeysLru)
        .active_expire(false)
        .build();
    Store::open(config).unwrap_or_else(|e| panic!("open: {e}"))
}

/// SETs per second of `n` writes after the preload.
fn run(maxmemory: u64, value: &[u8], n: usize) -> (f64, u64) {
    let s = store(maxmemory);
    let mut key = String::new();
    for i in 0..PRELOAD {
        key.clear();
        key.push_str(&format!("key:{i:08}"));
        s.set(&key, value).unwrap_or_else(|e| panic!("set: {e}"));
    }
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let start = Instant::now();
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let k = format!("key:{:08}", x % KEYS);
        black_box(s.set(&k, value)).unwrap_or_else(|e| panic!("set: {e}"));
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let evicted = s
        .info(&["stats"])
        .lines()
        .find_map(|l| l.strip_prefix("evicted_keys:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    (rate, evicted)
}

fn main() {
    let n = env::env_usize("KVSTORE_BENCH_N", 2_000_000);
    let rounds = env::env_usize("KVSTORE_BENCH_ROUNDS", 3).max(1);
    println!(
        "| value | SET/s, no maxmemory | SET/s, 64 MB allkeys-lru | keys evicted | eviction cost |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (label, value) in [
        ("32 B (heap)", vec![b'v'; 32]),
        ("16 B (in bucket)", vec![b'v'; 16]),
    ] {
        let mut free = Vec::new();
        let mut limited = Vec::new();
        let mut evicted = 0;
        for _ in 0..rounds {
            free.push(run(0, &value, n).0);
            let (rate, e) = run(LIMIT, &value, n);
            limited.push(rate);
            evicted = e;
        }
        let free = env::median(free);
        let limited = env::median(limited);
        println!(
            "| {label} | {:.2}M | {:.2}M | {evicted} | {:.1}% |",
            free / 1e6,
            limited / 1e6,
            (1.0 - limited / free) * 100.0
        );
    }
}
