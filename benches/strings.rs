//! GET, SET and a 90% GET / 10% SET mix over 1,000,000 keys `key:%08d` with
//! 16-byte values, with 1 and 2 threads, for kvstore and three peers in the
//! same run: `parking_lot::RwLock<HashMap<Vec<u8>, Vec<u8>, ahash>>`,
//! `dashmap` and `kevy-embedded`. Prints ops/s and the ratio kvstore/peer.
//!
//! ```text
//! cargo bench --bench strings
//! ```

mod common;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{KEYS, Rng, SYSTEMS, System, build, key, load, value};
use criterion::{Criterion, Throughput};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Workload {
    Get,
    Set,
    Mix,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Get => "GET",
            Workload::Set => "SET",
            Workload::Mix => "90% GET / 10% SET",
        }
    }
}

type Totals = Mutex<BTreeMap<(Workload, usize, &'static str), (u64, Duration)>>;

/// Runs `ops` operations split over `threads` threads; returns the wall time.
fn run(system: &dyn System, workload: Workload, threads: usize, ops: u64, seed: u64) -> Duration {
    let per_thread = ops.div_ceil(threads as u64);
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                let mut rng = Rng::new(seed ^ ((t as u64 + 1) * 0x5151));
                let (mut k, mut v) = ([0u8; 12], [0u8; 16]);
                for _ in 0..per_thread {
                    let i = rng.below(KEYS);
                    let write = match workload {
                        Workload::Get => false,
                        Workload::Set => true,
                        Workload::Mix => rng.below(10) == 0,
                    };
                    if write {
                        system.set(key(i, &mut k), value(i ^ 1, &mut v));
                    } else {
                        black_box(system.get(key(i, &mut k)));
                    }
                }
            });
        }
    });
    start.elapsed()
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();
    let systems: Vec<Arc<dyn System>> = SYSTEMS
        .iter()
        .filter_map(|name| build(name))
        .inspect(|s| load(&**s, KEYS))
        .collect();
    let totals: Totals = Mutex::default();
    let mut seed = 1u64;
    for workload in [Workload::Get, Workload::Set, Workload::Mix] {
        for threads in [1usize, 2] {
            let mut group = criterion.benchmark_group(format!("{} {threads}t", workload.name()));
            group.throughput(Throughput::Elements(1));
            for system in &systems {
                group.bench_function(system.name(), |b| {
                    b.iter_custom(|iters| {
                        seed += 1;
                        let took = run(&**system, workload, threads, iters, seed);
                        if let Ok(mut t) = totals.lock() {
                            let e = t.entry((workload, threads, system.name())).or_default();
                            e.0 += iters;
                            e.1 += took;
                        }
                        took
                    });
                });
            }
            group.finish();
        }
    }
    criterion.final_summary();
    print_table(&totals);
}

fn print_table(totals: &Totals) {
    let Ok(totals) = totals.lock() else { return };
    let rate = |w, t, s| {
        totals
            .get(&(w, t, s))
            .map(|(ops, d): &(u64, Duration)| *ops as f64 / d.as_secs_f64())
    };
    println!("\n| workload | threads | system | ops/s | kvstore / system |");
    println!("|---|---|---|---|---|");
    for workload in [Workload::Get, Workload::Set, Workload::Mix] {
        for threads in [1usize, 2] {
            let ours = rate(workload, threads, "kvstore");
            for name in SYSTEMS {
                if let Some(r) = rate(workload, threads, name) {
                    let ratio = ours.map_or(String::from("-"), |o| format!("{:.2}x", o / r));
                    println!(
                        "| {} | {threads} | {name} | {:.2} M | {ratio} |",
                        workload.name(),
                        r / 1e6
                    );
                }
            }
        }
    }
}
