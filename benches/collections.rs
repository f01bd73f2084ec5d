//! Lists and hashes (issue 3), for kvstore and the peer the issue names
//! (std `VecDeque` / `HashMap` values in one map behind one
//! `parking_lot::RwLock`), in the same run:
//!
//! - a queue: LPUSH then RPOP on one list holding 100 elements;
//! - LRANGE 0 99 on a list of 1,000,000 16-byte elements;
//! - HSET / HGET of random fields of one hash of 1,000,000 fields;
//! - HSET / HGET of random fields of 100,000 hashes of 10 fields.
//!
//! Fields and keys are drawn uniformly over the whole dataset, so most
//! operations miss the CPU caches, as in production.
//!
//! Prints ops/s and the ratio kvstore / peer.
//!
//! ```text
//! cargo bench --bench collections
//! ```

#[path = "common/collections.rs"]
mod collections;
mod common;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use collections::{
    BIG, Collections, SMALL_FIELDS, SMALL_HASHES, SYSTEMS, build, field_into, hash_key_into,
    load_big_hash, load_list, load_small_hashes, value16,
};
use common::Rng;
use criterion::{Criterion, Throughput};

const WORKLOADS: [&str; 6] = [
    "LPUSH+RPOP queue",
    "LRANGE 0 99 on 1M list",
    "HSET 1M-field hash",
    "HGET 1M-field hash",
    "HSET 100k hashes x 10",
    "HGET 100k hashes x 10",
];

/// Operations and time per (workload, system).
type Totals = Mutex<BTreeMap<(&'static str, &'static str), (u64, Duration)>>;

/// Runs `ops` operations of `workload` on random fields (uniform over the
/// whole dataset, as the strings benchmark picks keys); returns the wall time.
fn run(system: &dyn Collections, workload: &str, ops: u64, rng: &mut Rng) -> Duration {
    let value = value16(rng.below(BIG));
    let (mut kb, mut fb) = ([0u8; 32], [0u8; 32]);
    let start = Instant::now();
    for _ in 0..ops {
        match workload {
            "LPUSH+RPOP queue" => {
                system.lpush(b"queue", &value);
                black_box(system.rpop(b"queue"));
            }
            "LRANGE 0 99 on 1M list" => {
                black_box(system.lrange(b"list", 0, 99));
            }
            "HSET 1M-field hash" => {
                system.hset(b"bighash", field_into(rng.below(BIG), &mut fb), &value);
            }
            "HGET 1M-field hash" => {
                black_box(system.hget(b"bighash", field_into(rng.below(BIG), &mut fb)));
            }
            "HSET 100k hashes x 10" => {
                let k = hash_key_into(rng.below(SMALL_HASHES), &mut kb);
                system.hset(k, field_into(rng.below(SMALL_FIELDS), &mut fb), &value);
            }
            _ => {
                let k = hash_key_into(rng.below(SMALL_HASHES), &mut kb);
                black_box(system.hget(k, field_into(rng.below(SMALL_FIELDS), &mut fb)));
            }
        }
    }
    start.elapsed()
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();
    let systems: Vec<Box<dyn Collections>> = SYSTEMS
        .iter()
        .filter_map(|name| build(name))
        .inspect(|s| {
            load_list(&**s, BIG);
            load_big_hash(&**s, BIG);
            load_small_hashes(&**s);
            for i in 0..100 {
                s.lpush(b"queue", &value16(i));
            }
        })
        .collect();
    let totals: Totals = Mutex::default();
    let mut rng = Rng::new(7);
    for workload in WORKLOADS {
        let mut group = criterion.benchmark_group(workload);
        group.throughput(Throughput::Elements(1));
        for system in &systems {
            group.bench_function(system.name(), |b| {
                b.iter_custom(|iters| {
                    let took = run(&**system, workload, iters, &mut rng);
                    if let Ok(mut t) = totals.lock() {
                        let e = t.entry((workload, system.name())).or_default();
                        e.0 += iters;
                        e.1 += took;
                    }
                    took
                });
            });
        }
        group.finish();
    }
    criterion.final_summary();
    let Ok(totals) = totals.lock() else { return };
    let rate = |w: &str, s: &str| {
        totals
            .get(&(w, s))
            .map(|(ops, d)| *ops as f64 / d.as_secs_f64())
    };
    println!("\n| workload | system | ops/s | kvstore / system |");
    println!("|---|---|---|---|");
    for workload in WORKLOADS {
        let ours = rate(workload, "kvstore");
        for name in SYSTEMS {
            if let Some(r) = rate(workload, name) {
                let ratio = ours.map_or(String::from("-"), |o| format!("{:.2}x", o / r));
                println!("| {workload} | {name} | {:.2} M | {ratio} |", r / 1e6);
            }
        }
    }
}
