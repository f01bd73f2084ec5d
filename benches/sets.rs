//! Sets and sorted sets (issue 4), for kvstore and the peers the issue
//! names (std `HashSet`, and a score map plus a `BTreeSet` of (score,
//! member), as values of one map behind one `parking_lot::RwLock`), in the
//! same run:
//!
//! - ZADD of new members into a sorted set of 1,000,000 members;
//! - ZRANK of random members, and ZRANGE BYSCORE from a random score
//!   LIMIT 0 10, on that sorted set;
//! - SADD of new members into a set of 1,000,000 members, SISMEMBER of
//!   random members (half of them present);
//! - SINTER of two sets of 100,000 members sharing half.
//!
//! Prints ops/s and the ratio kvstore / peer.
//!
//! ```text
//! cargo bench --bench sets
//! ```

mod common;
#[path = "common/sets.rs"]
mod sets;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{Rng, bench_workloads};
use criterion::Criterion;
use sets::{BIG, SYSTEMS, Sets, build, load_inter_sets, load_string_set, load_zset, member, score};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

const WORKLOADS: [&str; 6] = [
    "ZADD new member (1M zset)",
    "ZRANK (1M zset)",
    "ZRANGE BYSCORE LIMIT 0 10 (1M zset)",
    "SADD new member (1M set)",
    "SISMEMBER (1M set)",
    "SINTER 100k x 100k",
];

/// Runs `ops` operations of `workload`; returns the wall time. `fresh`
/// numbers new members so every ZADD/SADD adds one.
fn run(system: &dyn Sets, workload: &str, ops: u64, rng: &mut Rng, fresh: &mut usize) -> Duration {
    // Members are built outside the timed loop for the writes.
    let new: Vec<Vec<u8>> = match workload {
        "ZADD new member (1M zset)" | "SADD new member (1M set)" => (0..ops as usize)
            .map(|_| {
                *fresh += 1;
                member(BIG + *fresh)
            })
            .collect(),
        _ => Vec::new(),
    };
    let probes: Vec<Vec<u8>> = match workload {
        "ZRANK (1M zset)" | "SISMEMBER (1M set)" => (0..ops.min(1 << 16) as usize)
            .map(|_| member(rng.below(2 * BIG)))
            .collect(),
        _ => Vec::new(),
    };
    let start = Instant::now();
    for i in 0..ops as usize {
        match workload {
            "ZADD new member (1M zset)" => {
                let s = score(rng.below(BIG));
                system.zadd_many(b"zset", &[(s, new[i].clone())]);
            }
            "ZRANK (1M zset)" => {
                black_box(system.zrank(b"zset", &probes[i % probes.len()]));
            }
            "ZRANGE BYSCORE LIMIT 0 10 (1M zset)" => {
                black_box(system.zrange_by_score(b"zset", score(rng.below(BIG)), 10));
            }
            "SADD new member (1M set)" => system.sadd_many(b"strset", &new[i..=i]),
            "SISMEMBER (1M set)" => {
                black_box(system.sismember(b"strset", &probes[i % probes.len()]));
            }
            _ => {
                black_box(system.sinter(b"inter:a", b"inter:b"));
            }
        }
    }
    start.elapsed()
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10)
        .configure_from_args();
    let systems: Vec<Box<dyn Sets>> = SYSTEMS
        .iter()
        .filter_map(|name| build(name))
        .inspect(|s| {
            load_zset(&**s, BIG);
            load_string_set(&**s, BIG);
            load_inter_sets(&**s);
        })
        .collect();
    let mut rng = Rng::new(11);
    let mut fresh = 0usize;
    let names: Vec<&'static str> = systems.iter().map(|s| s.name()).collect();
    bench_workloads(&mut criterion, &WORKLOADS, &names, |i, workload, iters| {
        run(&*systems[i], workload, iters, &mut rng, &mut fresh)
    });
}
