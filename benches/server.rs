//! The RESP server against a real redis-server, both driven by
//! `redis-benchmark` on this machine: 50 clients, `-P 1` and `-P 16`, for
//! GET, SET, INCR, LPUSH, SADD, HSET and ZADD. Prints ops/s of each and the
//! ratio as the Markdown table of docs/benchmarks.md.
//!
//! ```text
//! cargo bench --features server --bench server
//! ```
//!
//! Environment: `KVSTORE_BENCH_N` (requests per run at -P 16, default
//! 1,000,000; a fifth of it at -P 1), `KVSTORE_BENCH_THREADS` (our event
//! loops, default the server's own: half the cores), `KVSTORE_BENCH_ROUNDS` (runs per cell, the
//! median is kept; default 3). The two servers run one after the other for
//! each cell, so background noise hits both alike. Not a criterion bench:
//! redis-benchmark is the measuring tool here, as the issue asks, and
//! criterion cannot time another process's work.

#[path = "common/redis_server.rs"]
mod redis_server;

#[path = "common/env.rs"]
mod env;

use env::{env_usize, median};
use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use kvstore::Store;
use kvstore::server::{Server, ServerConfig};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

const TESTS: &[&str] = &["get", "set", "incr", "lpush", "sadd", "hset", "zadd"];

/// Requests per second of one redis-benchmark run, from its `--csv` line.
fn run(port: u16, test: &str, pipeline: usize, requests: usize) -> Option<f64> {
    let out = Command::new("redis-benchmark")
        .args(["-p", &port.to_string(), "-c", "50", "-r", "100000"])
        .args(["-n", &requests.to_string(), "-P", &pipeline.to_string()])
        .args(["-t", test, "--csv"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().find_map(|line| {
        let mut cols = line.split(',').map(|c| c.trim_matches('"'));
        let name = cols.next()?;
        if name.eq_ignore_ascii_case(test) || name.to_ascii_lowercase().starts_with(test) {
            cols.next()?.parse().ok()
        } else {
            None
        }
    })
}

fn main() {
    // `cargo test --benches` runs bench binaries with no arguments; only
    // `cargo bench` passes `--bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if Command::new("redis-benchmark")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("skipped: redis-benchmark not on PATH");
        return;
    }
    let mut redis = match redis_server::RedisServer::start(&[]) {
        Ok(r) => r,
        Err(e) => {
            println!("skipped: cannot start redis-server: {e}");
            return;
        }
    };
    let mut config = ServerConfig::new().port(0);
    let threads = std::env::var("KVSTORE_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok());
    if let Some(threads) = threads {
        config = config.threads(threads);
    }
    let store = Store::new();
    let server = Server::bind(&store, config).expect("bind our server");
    let threads = server.threads();
    let ours = server.local_addr().port();
    let handle = server.spawn().expect("start our server");
    let n = env_usize("KVSTORE_BENCH_N", 1_000_000);
    let rounds = env_usize("KVSTORE_BENCH_ROUNDS", 3).max(1);

    println!(
        "redis-benchmark -c 50 -r 100000, {threads} kvstore event loop(s), redis-server {}, median of {rounds}",
        redis_server::version()
    );
    println!();
    println!("| command | pipeline | kvstore ops/s | redis ops/s | ratio |");
    println!("|---|---|---|---|---|");
    for pipeline in [1, 16] {
        let requests = if pipeline == 1 { n / 5 } else { n };
        for test in TESTS {
            let mut a = Vec::new();
            let mut b = Vec::new();
            for _ in 0..rounds {
                a.extend(run(ours, test, pipeline, requests));
                b.extend(run(redis.port(), test, pipeline, requests));
            }
            let (a, b) = (median(a), median(b));
            let ratio = if b > 0.0 { a / b } else { 0.0 };
            println!(
                "| {} | {pipeline} | {:.0} | {:.0} | {ratio:.2}× |",
                test.to_ascii_uppercase(),
                a,
                b
            );
        }
    }
    announced_bulks(&store, ours, &mut redis);
    handle.shutdown();
    let _ = handle.join();
}

/// Connections that each sent the 17-byte header of a 512 MB bulk and
/// nothing more: what they cost each server.
fn announced_bulks(store: &Store, ours: u16, redis: &mut redis_server::RedisServer) {
    const CONNECTIONS: usize = 8;
    let header = b"*2\r\n$536870912\r\n";
    let open = |port: u16| -> Vec<TcpStream> {
        (0..CONNECTIONS)
            .filter_map(|_| {
                let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
                s.write_all(header).ok()?;
                Some(s)
            })
            .collect()
    };
    let our_rss = || rss_of("/proc/self/statm");
    let (ours_before, redis_before) = (our_rss(), redis.rss());
    let redis_used_before = redis.used_memory().unwrap_or(0);
    let held = (open(ours), open(redis.port()));
    std::thread::sleep(Duration::from_millis(500));
    let ours_grew = our_rss().saturating_sub(ours_before);
    let redis_grew = redis.rss().saturating_sub(redis_before);
    let redis_used = redis
        .used_memory()
        .unwrap_or(0)
        .saturating_sub(redis_used_before);
    let ours_used = store.used_memory();
    drop(held);
    println!();
    println!("{CONNECTIONS} connections, each sent `*2\\r\\n$536870912\\r\\n` and nothing more:");
    println!();
    println!("| server | RSS growth | used_memory growth |");
    println!("|---|---|---|");
    println!(
        "| kvstore | {} KB | (buffers not counted before issue 8; store used_memory {} B) |",
        ours_grew / 1024,
        ours_used
    );
    println!(
        "| redis | {} KB | {} MB |",
        redis_grew / 1024,
        redis_used / 1_000_000
    );
}

/// Resident bytes from a `/proc/<pid>/statm` file.
fn rss_of(path: &str) -> usize {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}
