//! Bytes per member of sets and sorted sets (issue 4), for kvstore, the
//! std peer, and a real redis-server when one is on the PATH:
//!
//! - one sorted set of 1,000,000 16-byte members with scores `i * 1.5`;
//! - one set of 1,000,000 integers `i * 7`;
//! - one set of 1,000,000 16-byte members.
//!
//! For kvstore and the peer, each dataset is loaded in a fresh child process
//! and measured as the growth of the heap in use (glibc `mallinfo2`, the
//! counterpart of Redis's `used_memory`) and of the resident set. For Redis,
//! `used_memory` and RSS growth.
//!
//! ```text
//! cargo run --release --example memory_sets
//! ```

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "../benches/common/redis_server.rs"]
mod redis_server;
#[path = "../benches/common/sets.rs"]
mod sets;

use common::{heap_in_use, print_memory_table, rss_bytes};
use sets::{BIG, SYSTEMS, build, load_int_set, load_string_set, load_zset, member, score};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

const DATASETS: [&str; 3] = ["1M-member sorted set", "1M-integer set", "1M-string set"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some(system), Some(dataset)) = (args.get(1), args.get(2)) {
        measure(system, dataset);
        return;
    }
    print_memory_table("member", &DATASETS, &SYSTEMS, redis);
}

fn measure(name: &str, dataset: &str) {
    let Some(system) = build(name) else {
        eprintln!("unknown system {name}");
        return;
    };
    let (heap0, rss0) = (heap_in_use(), rss_bytes());
    match dataset {
        "1M-member sorted set" => load_zset(&*system, BIG),
        "1M-integer set" => load_int_set(&*system, BIG),
        _ => load_string_set(&*system, BIG),
    }
    let n = BIG as f64;
    let heap = heap_in_use().saturating_sub(heap0) as f64 / n;
    let rss = rss_bytes().saturating_sub(rss0) as f64 / n;
    println!("| {dataset} | {name} | {heap:.2} B | {rss:.2} B |");
    drop(system);
}

/// The same dataset in a real redis-server, over loopback, in commands of
/// 1000 members.
fn redis(dataset: &str) -> Result<String, String> {
    let mut server = redis_server::RedisServer::start(&[])?;
    let (used0, rss0) = (server.used_memory()?, server.rss());
    server.pipeline((0..BIG / 1000).map(|b| {
        let range = b * 1000..(b + 1) * 1000;
        match dataset {
            "1M-member sorted set" => {
                let mut argv = vec![b"ZADD".to_vec(), b"zset".to_vec()];
                for i in range {
                    argv.push(score(i).to_string().into_bytes());
                    argv.push(member(i));
                }
                argv
            }
            "1M-integer set" => {
                let mut argv = vec![b"SADD".to_vec(), b"intset".to_vec()];
                argv.extend(range.map(|i| (i * 7).to_string().into_bytes()));
                argv
            }
            _ => {
                let mut argv = vec![b"SADD".to_vec(), b"strset".to_vec()];
                argv.extend(range.map(member));
                argv
            }
        }
    }))?;
    let n = BIG as f64;
    let used = server.used_memory()?.saturating_sub(used0) as f64 / n;
    let rss = server.rss().saturating_sub(rss0) as f64 / n;
    Ok(format!(
        "| {dataset} | redis-server {} | {used:.2} B | {rss:.2} B |",
        redis_server::version()
    ))
}
