//! Shared by the benchmarks and the memory example: the peers we compare
//! against, behind one adapter trait (as redb's bench-compare does), and the
//! dataset of the issue: keys `key:%08d`, 16-byte values.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;

use dashmap::DashMap;
use parking_lot::RwLock;

/// Number of keys of the standard dataset.
pub const KEYS: usize = 1_000_000;

/// A key-value system under test.
pub trait System: Send + Sync {
    fn name(&self) -> &'static str;
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    fn set(&self, key: &[u8], value: &[u8]);
    /// The system's own memory accounting, if it has one.
    fn used_memory(&self) -> Option<usize> {
        None
    }
}

pub struct KvStore(pub kvstore::Store);

impl System for KvStore {
    fn name(&self) -> &'static str {
        "kvstore"
    }
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.get(key).ok().flatten()
    }
    fn set(&self, key: &[u8], value: &[u8]) {
        let _ = self.0.set(key, value);
    }
    fn used_memory(&self) -> Option<usize> {
        Some(self.0.used_memory())
    }
}

pub struct RwLockMap(pub RwLock<HashMap<Vec<u8>, Vec<u8>, ahash::RandomState>>);

impl System for RwLockMap {
    fn name(&self) -> &'static str {
        "RwLock<HashMap>"
    }
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.read().get(key).cloned()
    }
    fn set(&self, key: &[u8], value: &[u8]) {
        let mut map = self.0.write();
        match map.get_mut(key) {
            Some(v) => {
                v.clear();
                v.extend_from_slice(value);
            }
            None => {
                map.insert(key.to_vec(), value.to_vec());
            }
        }
    }
}

pub struct Dash(pub DashMap<Vec<u8>, Vec<u8>, ahash::RandomState>);

impl System for Dash {
    fn name(&self) -> &'static str {
        "dashmap"
    }
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.get(key).map(|v| v.clone())
    }
    fn set(&self, key: &[u8], value: &[u8]) {
        match self.0.get_mut(key) {
            Some(mut v) => {
                v.clear();
                v.extend_from_slice(value);
            }
            None => {
                self.0.insert(key.to_vec(), value.to_vec());
            }
        }
    }
}

pub struct Kevy(pub kevy_embedded::Store);

impl System for Kevy {
    fn name(&self) -> &'static str {
        "kevy-embedded"
    }
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.get(key).ok().flatten()
    }
    fn set(&self, key: &[u8], value: &[u8]) {
        let _ = self.0.set(key, value);
    }
    fn used_memory(&self) -> Option<usize> {
        usize::try_from(self.0.used_memory()).ok()
    }
}

/// Builds an empty system by name.
pub fn build(name: &str) -> Option<Arc<dyn System>> {
    Some(match name {
        "kvstore" => Arc::new(KvStore(kvstore::Store::new())),
        "RwLock<HashMap>" => Arc::new(RwLockMap(RwLock::new(HashMap::default()))),
        "dashmap" => Arc::new(Dash(DashMap::default())),
        "kevy-embedded" => Arc::new(Kevy(
            kevy_embedded::Store::open(kevy_embedded::Config::default().without_aof()).ok()?,
        )),
        _ => return None,
    })
}

pub const SYSTEMS: [&str; 4] = ["kvstore", "RwLock<HashMap>", "dashmap", "kevy-embedded"];

/// Writes `key:%08d` into a 12-byte buffer.
#[inline]
pub fn key(i: usize, buf: &mut [u8; 12]) -> &[u8] {
    buf[..4].copy_from_slice(b"key:");
    let mut n = i;
    for d in buf[4..].iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    &buf[..]
}

/// A 16-byte value derived from `i` (never an integer, so every system stores
/// the same bytes).
#[inline]
pub fn value(i: usize, buf: &mut [u8; 16]) -> &[u8] {
    buf[..8].copy_from_slice(b"value:v-");
    let mut n = i;
    for d in buf[8..].iter_mut().rev() {
        *d = b'a' + (n % 26) as u8;
        n /= 26;
    }
    &buf[..]
}

/// Loads the standard dataset.
pub fn load(system: &dyn System, keys: usize) {
    let (mut k, mut v) = ([0u8; 12], [0u8; 16]);
    for i in 0..keys {
        system.set(key(i, &mut k), value(i, &mut v));
    }
}

/// A per-thread xorshift generator (cheap enough not to show in the figures).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    #[inline]
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

/// Resident set size of this process in bytes (Linux).
pub fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Benchmarks every workload on every system with criterion (one group per
/// workload, `run(system, workload, iterations)` timing a batch), then
/// prints the Markdown table of ops/s with the ratio of the first system
/// (kvstore) to each.
pub fn bench_workloads(
    criterion: &mut criterion::Criterion,
    workloads: &[&'static str],
    systems: &[&'static str],
    mut run: impl FnMut(usize, &'static str, u64) -> std::time::Duration,
) {
    use std::time::Duration;
    let mut totals: HashMap<(&str, usize), (u64, Duration)> = HashMap::new();
    for &workload in workloads {
        let mut group = criterion.benchmark_group(workload);
        group.throughput(criterion::Throughput::Elements(1));
        for (i, name) in systems.iter().enumerate() {
            group.bench_function(*name, |b| {
                b.iter_custom(|iters| {
                    let took = run(i, workload, iters);
                    let e = totals.entry((workload, i)).or_default();
                    e.0 += iters;
                    e.1 += took;
                    took
                });
            });
        }
        group.finish();
    }
    criterion.final_summary();
    let rate = |w: &str, i: usize| {
        totals
            .get(&(w, i))
            .map(|(ops, d)| *ops as f64 / d.as_secs_f64())
    };
    println!("\n| workload | system | ops/s | {} / system |", systems[0]);
    println!("|---|---|---|---|");
    for &workload in workloads {
        let ours = rate(workload, 0);
        for (i, name) in systems.iter().enumerate() {
            if let Some(r) = rate(workload, i) {
                let ratio = ours.map_or(String::from("-"), |o| format!("{:.2}x", o / r));
                let ops = if r >= 1e5 {
                    format!("{:.2} M", r / 1e6)
                } else {
                    format!("{r:.0}")
                };
                println!("| {workload} | {name} | {ops} | {ratio} |");
            }
        }
    }
}

/// Bytes the allocator has handed out and not taken back (glibc): chunks
/// in the heap plus blocks big enough to be mapped on their own. The
/// counterpart of Redis's `used_memory` (jemalloc's allocated bytes).
#[cfg(not(feature = "jemalloc"))]
pub fn heap_in_use() -> usize {
    // SAFETY: mallinfo2 only reads the allocator's statistics.
    let info = unsafe { libc::mallinfo2() };
    info.uordblks + info.hblkhd
}

/// Bytes the allocator has handed out and not taken back: jemalloc's
/// `stats.allocated` (what Redis's `used_memory` counts), with this
/// thread's cache flushed (turned off: a cached free block counts as
/// allocated) and the statistics refreshed.
#[cfg(feature = "jemalloc")]
pub fn heap_in_use() -> usize {
    // SAFETY: `thread.tcache.enabled` is a bool setting.
    let _ = unsafe { tikv_jemalloc_ctl::raw::write(b"thread.tcache.enabled\0", false) };
    let _ = tikv_jemalloc_ctl::epoch::advance();
    tikv_jemalloc_ctl::stats::allocated::read().unwrap_or(0)
}

/// The parent side of the collection memory examples: prints the table
/// header, then for each dataset runs this executable once per system
/// (`<exe> <system> <dataset>`, whose output is that system's row, so each
/// is measured in a fresh process), then the redis-server row from `redis`.
pub fn print_memory_table(
    unit: &str,
    datasets: &[&str],
    systems: &[&str],
    redis: impl Fn(&str) -> Result<String, String>,
) {
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("cannot find this executable");
        return;
    };
    println!("| dataset | system | heap (used_memory) / {unit} | RSS growth / {unit} |");
    println!("|---|---|---|---|");
    for dataset in datasets {
        for system in systems {
            match std::process::Command::new(&exe)
                .args([system, dataset])
                .output()
            {
                Ok(out) => print!("{}", String::from_utf8_lossy(&out.stdout)),
                Err(e) => eprintln!("{system}: {e}"),
            }
        }
        match redis(dataset) {
            Ok(line) => println!("{line}"),
            Err(why) => println!("| {dataset} | redis-server | skipped: {why} | |"),
        }
    }
}
