//! Bytes per element of lists and hashes (issue 3), for kvstore, the std
//! peer, and a real redis-server when one is on the PATH:
//!
//! - 100,000 hashes `hash:%06d` of 10 fields `field:N` with 16-byte values;
//! - one list of 1,000,000 16-byte elements.
//!
//! For kvstore and the peer, each dataset is loaded in a fresh child process
//! and measured as the growth of the heap in use (glibc `mallinfo2`, the
//! counterpart of Redis's `used_memory`, which counts jemalloc's allocated
//! bytes) and of the resident set. For Redis, `used_memory` and RSS growth.
//!
//! ```text
//! cargo run --release --example memory_collections
//! ```

#[path = "../benches/common/collections.rs"]
mod collections;
#[path = "../benches/common/mod.rs"]
mod common;
#[path = "../benches/common/redis_server.rs"]
mod redis_server;

use collections::{
    BIG, SMALL_FIELDS, SMALL_HASHES, SYSTEMS, build, field, hash_key, load_list, load_small_hashes,
    value16,
};
use common::{heap_in_use, print_memory_table, rss_bytes};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

const DATASETS: [&str; 2] = ["100k hashes x 10 fields", "1M-element list"];

fn elements(dataset: &str) -> usize {
    if dataset == DATASETS[0] {
        SMALL_HASHES * SMALL_FIELDS
    } else {
        BIG
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some(system), Some(dataset)) = (args.get(1), args.get(2)) {
        measure(system, dataset);
        return;
    }
    print_memory_table("element", &DATASETS, &SYSTEMS, redis);
}

fn measure(name: &str, dataset: &str) {
    let Some(system) = build(name) else {
        eprintln!("unknown system {name}");
        return;
    };
    let (heap0, rss0) = (heap_in_use(), rss_bytes());
    if dataset == DATASETS[0] {
        load_small_hashes(&*system);
    } else {
        load_list(&*system, BIG);
    }
    let n = elements(dataset) as f64;
    let heap = heap_in_use().saturating_sub(heap0) as f64 / n;
    let rss = rss_bytes().saturating_sub(rss0) as f64 / n;
    println!("| {dataset} | {name} | {heap:.2} B | {rss:.2} B |");
    drop(system);
}

/// The same dataset in a real redis-server, over loopback.
fn redis(dataset: &str) -> Result<String, String> {
    let mut server = redis_server::RedisServer::start(&[])?;
    let (used0, rss0) = (server.used_memory()?, server.rss());
    if dataset == DATASETS[0] {
        server.pipeline((0..SMALL_HASHES).map(|h| {
            let mut argv = vec![b"HSET".to_vec(), hash_key(h)];
            for f in 0..SMALL_FIELDS {
                argv.push(field(f));
                argv.push(value16(h * SMALL_FIELDS + f));
            }
            argv
        }))?;
    } else {
        server.pipeline((0..BIG / 1000).map(|b| {
            let mut argv = vec![b"RPUSH".to_vec(), b"list".to_vec()];
            argv.extend((b * 1000..(b + 1) * 1000).map(value16));
            argv
        }))?;
    }
    let n = elements(dataset) as f64;
    let used = server.used_memory()?.saturating_sub(used0) as f64 / n;
    let rss = server.rss().saturating_sub(rss0) as f64 / n;
    Ok(format!(
        "| {dataset} | redis-server {} | {used:.2} B | {rss:.2} B |",
        redis_server::version()
    ))
}
