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

use std::hint::black_box;
use std::time::{Duration, Instant};

use collections::{
    BIG, Collections, SMALL_FIELDS, SMALL_HASHES, SYSTEMS, build, field_into, hash_key_into,
    load_big_hash, load_list, load_small_hashes, value16,
};
use common::{Rng, bench_workloads};
use criterion::Criterion;

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

const WORKLOADS: [&str; 6] = [
    "LPUSH+RPOP queue",
    "LRANGE 0 99 on 1M list",
    "HSET 1M-field hash",
    "HGET 1M-field hash",
    "HSET 100k hashes x 10",
    "HGET 100k hashes x 10",
];

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
    let mut rng = Rng::new(7);
    let names: Vec<&'static str> = systems.iter().map(|s| s.name()).collect();
    bench_workloads(&mut criterion, &WORKLOADS, &names, |i, workload, iters| {
        run(&*systems[i], workload, iters, &mut rng)
    });
}
