//! `used_memory` against the allocator's own count: with jemalloc as this
//! binary's global allocator, loading each dataset shape into a fresh store
//! grows `used_memory()` within ±5% of jemalloc's `stats.allocated`, and
//! deleting every key brings `used_memory()` back within 1% of where it
//! started (no accounting leaks).
//!
//! jemalloc's statistics are process-wide, so every shape runs in the one
//! test of this binary, on one thread, with that thread's cache turned off
//! (a cached free block still counts as allocated) and the statistics
//! refreshed (`epoch`) before each reading.
//!
//! ```text
//! cargo test --test memory_accuracy --features jemalloc -- --nocapture
//! ```

#![cfg(feature = "jemalloc")]

use kvstore::{Config, Store};
use tikv_jemalloc_ctl::{epoch, raw, stats};

#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

/// `used_memory()` growth may differ from jemalloc's by this fraction.
const TOLERANCE: f64 = 0.05;
/// After deleting everything, `used_memory()` is back within this fraction.
const LEAK_TOLERANCE: f64 = 0.01;

/// jemalloc's bytes allocated, with this thread's cache flushed (turning
/// the cache off flushes it, and keeps it so) and the statistics fresh.
fn allocated() -> usize {
    // SAFETY: `thread.tcache.enabled` is a bool setting.
    unsafe { raw::write(b"thread.tcache.enabled\0", false) }.expect("tcache off");
    epoch::advance().expect("epoch");
    stats::allocated::read().expect("stats.allocated")
}

fn fresh() -> Store {
    Store::open(Config::builder().active_expire(false).build()).expect("store")
}

fn key(prefix: &str, i: usize) -> String {
    format!("{prefix}:{i:08}")
}

/// A value of `len` bytes that is not an integer.
fn filler(i: usize, len: usize) -> Vec<u8> {
    let mut v = format!("v{i}-").into_bytes();
    v.resize(len, b'x');
    v
}

/// Collections of `n` keys with `per` elements each (`n`, `per`).
struct Shape {
    name: &'static str,
    keys: usize,
    load: fn(&Store, usize),
}

fn strings_16(s: &Store, n: usize) {
    for i in 0..n {
        s.set(key("key", i), filler(i, 16)).expect("set");
    }
}

fn strings_int(s: &Store, n: usize) {
    for i in 0..n {
        s.set(key("key", i), (i * 7919).to_string()).expect("set");
    }
}

fn strings_100(s: &Store, n: usize) {
    for i in 0..n {
        s.set(key("key", i), filler(i, 100)).expect("set");
    }
}

fn strings_1k(s: &Store, n: usize) {
    for i in 0..n {
        s.set(key("key", i), filler(i, 1024)).expect("set");
    }
}

fn strings_long_keys(s: &Store, n: usize) {
    for i in 0..n {
        let k = format!("a-long-key-name-that-lives-on-the-heap:{i:08}");
        s.set(k, filler(i, 40)).expect("set");
    }
}

fn strings_ttl(s: &Store, n: usize) {
    for i in 0..n {
        let k = key("key", i);
        s.set(&k, filler(i, 16)).expect("set");
        s.expire(&k, 3600).expect("expire");
    }
}

fn hash_pairs(i: usize, fields: usize, vlen: usize) -> Vec<(String, Vec<u8>)> {
    (0..fields)
        .map(|f| (format!("field:{f}"), filler(i + f, vlen)))
        .collect()
}

fn small_hashes(s: &Store, n: usize) {
    for i in 0..n {
        s.hset(key("hash", i), hash_pairs(i, 10, 16)).expect("hset");
    }
}

fn small_hashes_ttl(s: &Store, n: usize) {
    for i in 0..n {
        let k = key("hash", i);
        s.hset(&k, hash_pairs(i, 10, 16)).expect("hset");
        s.expire(&k, 3600).expect("expire");
    }
}

fn big_hashes(s: &Store, n: usize) {
    for i in 0..n {
        s.hset(key("hash", i), hash_pairs(i, 1000, 16))
            .expect("hset");
    }
}

fn big_hashes_long_values(s: &Store, n: usize) {
    for i in 0..n {
        s.hset(key("hash", i), hash_pairs(i, 1000, 70))
            .expect("hset");
    }
}

fn small_lists(s: &Store, n: usize) {
    for i in 0..n {
        let items: Vec<Vec<u8>> = (0..10).map(|e| filler(e, 16)).collect();
        s.rpush(key("list", i), items).expect("rpush");
    }
}

fn big_lists(s: &Store, n: usize) {
    for i in 0..n {
        for batch in 0..100 {
            let items: Vec<Vec<u8>> = (0..1000).map(|e| filler(batch * 1000 + e, 16)).collect();
            s.rpush(key("list", i), items).expect("rpush");
        }
    }
}

fn intsets(s: &Store, n: usize) {
    for i in 0..n {
        let members: Vec<String> = (0..100).map(|m| (i + m * 1_000_003).to_string()).collect();
        s.sadd(key("set", i), members).expect("sadd");
    }
}

fn small_sets(s: &Store, n: usize) {
    for i in 0..n {
        let members: Vec<Vec<u8>> = (0..10).map(|m| filler(m, 16)).collect();
        s.sadd(key("set", i), members).expect("sadd");
    }
}

fn big_sets(s: &Store, n: usize) {
    for i in 0..n {
        let members: Vec<Vec<u8>> = (0..2000).map(|m| filler(m, 16)).collect();
        s.sadd(key("set", i), members).expect("sadd");
    }
}

fn big_sets_long_members(s: &Store, n: usize) {
    for i in 0..n {
        let members: Vec<Vec<u8>> = (0..2000).map(|m| filler(m, 40)).collect();
        s.sadd(key("set", i), members).expect("sadd");
    }
}

fn small_zsets(s: &Store, n: usize) {
    for i in 0..n {
        let members: Vec<(f64, Vec<u8>)> = (0..10).map(|m| (m as f64, filler(m, 16))).collect();
        s.zadd(key("zset", i), members).expect("zadd");
    }
}

fn big_zsets(s: &Store, n: usize) {
    for i in 0..n {
        let members: Vec<(f64, Vec<u8>)> = (0..2000)
            .map(|m| (((m * 7919) % 2000) as f64 * 1.5, filler(m, 16)))
            .collect();
        s.zadd(key("zset", i), members).expect("zadd");
    }
}

fn big_zsets_long_members(s: &Store, n: usize) {
    for i in 0..n {
        let members: Vec<(f64, Vec<u8>)> = (0..2000)
            .map(|m| (((m * 7919) % 2000) as f64, filler(m, 40)))
            .collect();
        s.zadd(key("zset", i), members).expect("zadd");
    }
}

/// Values that change shape after loading: strings grown by APPEND, hashes
/// converted to tables then thinned, lists and sets and sorted sets
/// emptied by half (in the middle too), deadlines set and removed.
fn churn(s: &Store, n: usize) {
    for i in 0..n {
        let k = key("str", i);
        s.set(&k, filler(i, 10)).expect("set");
        for _ in 0..(i % 7) {
            s.append(&k, filler(i, 30)).expect("append");
        }
        let h = key("hash", i);
        s.hset(&h, hash_pairs(i, 200, 16)).expect("hset");
        s.hset(&h, [("long", filler(i, 100))]).expect("hset");
        let gone: Vec<String> = (0..150).map(|f| format!("field:{f}")).collect();
        s.hdel(&h, &gone).expect("hdel");
        s.expire(&h, 100).expect("expire");
        s.persist(&h).expect("persist");
        let l = key("list", i);
        let items: Vec<Vec<u8>> = (0..2000).map(|e| filler(e, 16)).collect();
        s.rpush(&l, &items).expect("rpush");
        s.lpop_count(&l, 700).expect("lpop");
        s.lrem(&l, 0, filler(1500, 16)).expect("lrem");
        let z = key("zset", i);
        let members: Vec<(f64, Vec<u8>)> = (0..1000).map(|m| (m as f64, filler(m, 30))).collect();
        s.zadd(&z, members).expect("zadd");
        let drop: Vec<Vec<u8>> = (0..1000).step_by(2).map(|m| filler(m, 30)).collect();
        s.zrem(&z, &drop).expect("zrem");
        let st = key("set", i);
        let members: Vec<Vec<u8>> = (0..1000).map(|m| filler(m, 24)).collect();
        s.sadd(&st, &members).expect("sadd");
        s.srem(&st, &members[..900]).expect("srem");
    }
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "strings key:%08d -> 16 B",
        keys: 100_000,
        load: strings_16,
    },
    Shape {
        name: "strings, integer values",
        keys: 50_000,
        load: strings_int,
    },
    Shape {
        name: "strings, 100 B values",
        keys: 50_000,
        load: strings_100,
    },
    Shape {
        name: "strings, 1 KB values",
        keys: 10_000,
        load: strings_1k,
    },
    Shape {
        name: "strings, 48 B keys, 40 B values",
        keys: 50_000,
        load: strings_long_keys,
    },
    Shape {
        name: "strings with TTLs",
        keys: 50_000,
        load: strings_ttl,
    },
    Shape {
        name: "hashes x10 fields (listpack)",
        keys: 10_000,
        load: small_hashes,
    },
    Shape {
        name: "hashes x10 fields with TTLs",
        keys: 10_000,
        load: small_hashes_ttl,
    },
    Shape {
        name: "hashes x1000 fields",
        keys: 50,
        load: big_hashes,
    },
    Shape {
        name: "hashes x1000 fields, 70 B values",
        keys: 30,
        load: big_hashes_long_values,
    },
    Shape {
        name: "lists x10 (listpack)",
        keys: 10_000,
        load: small_lists,
    },
    Shape {
        name: "lists x100k (quicklist)",
        keys: 2,
        load: big_lists,
    },
    Shape {
        name: "sets x100 integers (intset)",
        keys: 2_000,
        load: intsets,
    },
    Shape {
        name: "sets x10 (listpack)",
        keys: 10_000,
        load: small_sets,
    },
    Shape {
        name: "sets x2000 (hashtable)",
        keys: 50,
        load: big_sets,
    },
    Shape {
        name: "sets x2000, 40 B members",
        keys: 30,
        load: big_sets_long_members,
    },
    Shape {
        name: "zsets x10 (listpack)",
        keys: 10_000,
        load: small_zsets,
    },
    Shape {
        name: "zsets x2000 (skiplist)",
        keys: 50,
        load: big_zsets,
    },
    Shape {
        name: "zsets x2000, 40 B members",
        keys: 30,
        load: big_zsets_long_members,
    },
    Shape {
        name: "churn (APPEND, HDEL, LPOP, ZREM, SREM)",
        keys: 100,
        load: churn,
    },
];

/// Every key the store holds, in name order. (`KEYS` lists them in hash
/// order; deleting in that order leaves each shard's remaining keys bunched
/// at the top of the hash space, which the table's shrinking handles badly,
/// see the report of this branch.)
fn all_keys(store: &Store) -> Vec<Vec<u8>> {
    let mut keys = store.keys("*").expect("keys");
    keys.sort_unstable();
    keys
}

#[test]
fn used_memory_tracks_jemalloc_and_returns_to_its_start() {
    let mut failures = Vec::new();
    for shape in SHAPES {
        let started = std::time::Instant::now();
        let store = fresh();
        let (used0, alloc0) = (store.used_memory(), allocated());
        (shape.load)(&store, shape.keys);
        let (used1, alloc1) = (store.used_memory(), allocated());
        let ours = used1.saturating_sub(used0) as f64;
        let truth = alloc1.saturating_sub(alloc0) as f64;
        let ratio = ours / truth;

        let keys = all_keys(&store);
        assert!(keys.len() >= shape.keys, "{}", shape.name);
        for chunk in keys.chunks(1000) {
            store.del(chunk).expect("del");
        }
        let used2 = store.used_memory();
        let back = (used2 as f64 - used0 as f64).abs() / used0 as f64;
        eprintln!(
            "{:<40} used_memory +{:>11} B  jemalloc +{:>11} B  ratio {ratio:.4}  \
             after DEL {used2} B (start {used0} B) {:?}",
            shape.name,
            ours,
            truth,
            started.elapsed()
        );
        if (ratio - 1.0).abs() > TOLERANCE {
            failures.push(format!("{}: growth ratio {ratio:.4}", shape.name));
        }
        if back > LEAK_TOLERANCE {
            failures.push(format!(
                "{}: after deleting everything {used2} B, started at {used0} B",
                shape.name
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
