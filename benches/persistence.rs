//! What persistence costs, against a real redis-server in the same run.
//!
//! 1. SET throughput with no persistence, the append log under `everysec`
//!    and under `always`: our store driven by 8 threads in-process (one SET
//!    per call, and under `always` also 16 SETs per transaction, which
//!    share one commit), and redis-server with `appendonly no` /
//!    `appendfsync everysec` / `appendfsync always` driven by
//!    `redis-benchmark -P 16` (and, for `always`, with 8 clients, the same
//!    number of writes in flight as our 8 threads). With `--features
//!    server`, also our RESP server under the same redis-benchmark load.
//! 2. Snapshot save and load of 1M string keys and of a mixed dataset
//!    (lists, hashes, sets, sorted sets), next to redis-server's `SAVE` and
//!    the load at its restart; file sizes too.
//!
//! Prints the Markdown tables of docs/benchmarks.md.
//!
//! ```text
//! cargo bench --features server --bench persistence
//! ```
//!
//! Environment: `KVSTORE_BENCH_N` (SETs per throughput run, default
//! 2,000,000; a tenth of it under `always`), `KVSTORE_BENCH_KEYS` (keys of
//! the save/load dataset, default 1,000,000), `KVSTORE_BENCH_ROUNDS` (runs
//! per cell, median kept, default 3). Not a criterion bench: redis-server is
//! measured through its own tools (redis-benchmark, SAVE, restart), which
//! criterion cannot time; both sides run one after the other per cell.

#[path = "common/redis_server.rs"]
mod redis_server;

#[path = "common/env.rs"]
mod env;

use env::{env_usize, median};
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use kvstore::persist::{AppendFsync, AppendLogOptions, SnapshotOptions};
use kvstore::{Config, Store};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

const THREADS: usize = 8;

/// A small deterministic generator (xorshift), so both sides get the same keys.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// SETs per second of 8 threads on a store with `policy` (None: no log),
/// each SET on its own, or `batch` SETs per `transaction` (one commit).
fn ours_set(policy: Option<AppendFsync>, requests: usize, batch: usize) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut builder = Config::builder();
    if let Some(policy) = policy {
        builder = builder.dir(dir.path()).append_log(
            AppendLogOptions::new()
                .fsync(policy)
                .auto_rewrite_percentage(0),
        );
    }
    let store = Store::open(builder.build()).expect("open");
    let per_thread = requests / THREADS;
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let store = store.clone();
            s.spawn(move || {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1));
                let mut key = Vec::with_capacity(24);
                if batch <= 1 {
                    for _ in 0..per_thread {
                        key.clear();
                        let _ = write!(key, "key:{}", rng.next() % 100_000);
                        store.set(&key, b"xxx").expect("set");
                    }
                    return;
                }
                for _ in 0..per_thread / batch {
                    let keys: Vec<String> = (0..batch)
                        .map(|_| format!("key:{}", rng.next() % 100_000))
                        .collect();
                    store
                        .transaction(&keys, |tx| -> kvstore::Result<()> {
                            for k in &keys {
                                tx.set(k, b"xxx")?;
                            }
                            Ok(())
                        })
                        .expect("transaction");
                }
            });
        }
    });
    let elapsed = start.elapsed();
    drop(store);
    let done = if batch <= 1 {
        per_thread
    } else {
        per_thread / batch * batch
    };
    (done * THREADS) as f64 / elapsed.as_secs_f64()
}

/// SETs per second of redis-benchmark (`clients`, `pipeline`) on a
/// redis-server with `policy`.
fn redis_set(
    policy: Option<AppendFsync>,
    requests: usize,
    clients: usize,
    pipeline: usize,
) -> Option<f64> {
    let dir = tempfile::tempdir().ok()?;
    let dir_arg = dir.path().to_string_lossy().into_owned();
    let mut settings = vec![("dir", dir_arg.as_str())];
    if let Some(policy) = policy {
        settings.push(("appendonly", "yes"));
        settings.push(("appendfsync", policy.as_str()));
        settings.push(("auto-aof-rewrite-percentage", "0"));
    }
    let redis = redis_server::RedisServer::start(&settings).ok()?;
    let out = Command::new("redis-benchmark")
        .args(["-p", &redis.port().to_string(), "-r", "100000"])
        .args(["-c", &clients.to_string(), "-P", &pipeline.to_string()])
        .args(["-n", &requests.to_string(), "-t", "set", "--csv"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().find_map(|line| {
        let mut cols = line.split(',').map(|c| c.trim_matches('"'));
        let name = cols.next()?;
        if name.eq_ignore_ascii_case("set") {
            cols.next()?.parse().ok()
        } else {
            None
        }
    })
}

/// SETs per second of redis-benchmark -c 50 -P 16 against our RESP server
/// over a store with the append log under `policy`.
#[cfg(feature = "server")]
fn ours_server_set(policy: AppendFsync, requests: usize) -> Option<f64> {
    use kvstore::server::{Server, ServerConfig};
    let dir = tempfile::tempdir().ok()?;
    let config = Config::builder()
        .dir(dir.path())
        .append_log(
            AppendLogOptions::new()
                .fsync(policy)
                .auto_rewrite_percentage(0),
        )
        .build();
    let store = Store::open(config).ok()?;
    let server = Server::bind(&store, ServerConfig::new().port(0)).ok()?;
    let port = server.local_addr().port();
    let handle = server.spawn().ok()?;
    let out = Command::new("redis-benchmark")
        .args([
            "-p",
            &port.to_string(),
            "-r",
            "100000",
            "-c",
            "50",
            "-P",
            "16",
        ])
        .args(["-n", &requests.to_string(), "-t", "set", "--csv"])
        .output()
        .ok();
    handle.shutdown();
    let _ = handle.join();
    let text = String::from_utf8_lossy(&out?.stdout).into_owned();
    text.lines().find_map(|line| {
        let mut cols = line.split(',').map(|c| c.trim_matches('"'));
        (cols.next()? == "SET").then(|| cols.next()?.parse().ok())?
    })
}

/// The datasets of the save/load table, as commands.
fn dataset(kind: &str, keys: usize) -> Vec<Vec<Vec<u8>>> {
    let mut rng = Rng(42);
    let mut out = Vec::with_capacity(keys);
    for i in 0..keys {
        let key = format!("key:{i}").into_bytes();
        let cmd: Vec<Vec<u8>> = if kind == "strings" {
            vec![b"SET".to_vec(), key, format!("value:{i}").into_bytes()]
        } else {
            let n = 5 + (rng.next() % 40) as usize;
            let items: Vec<Vec<u8>> = (0..n)
                .map(|j| format!("item-{j}-{}", rng.next() % 1000).into_bytes())
                .collect();
            match i % 4 {
                0 => [b"RPUSH".to_vec(), key].into_iter().chain(items).collect(),
                1 => [b"SADD".to_vec(), key].into_iter().chain(items).collect(),
                2 => {
                    let mut c = vec![b"HSET".to_vec(), key];
                    for (j, item) in items.into_iter().enumerate() {
                        c.push(format!("field{j}").into_bytes());
                        c.push(item);
                    }
                    c
                }
                _ => {
                    let mut c = vec![b"ZADD".to_vec(), key];
                    for item in items {
                        c.push(format!("{}", rng.next() % 100_000).into_bytes());
                        c.push(item);
                    }
                    c
                }
            }
        };
        out.push(cmd);
    }
    out
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// (save seconds, load seconds, file bytes) of our snapshot.
fn ours_save_load(commands: &[Vec<Vec<u8>>]) -> (f64, f64, u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = || {
        Config::builder()
            .dir(dir.path())
            .snapshot(SnapshotOptions::new().save_points(&[]))
            .build()
    };
    let store = Store::open(config()).expect("open");
    for argv in commands {
        let reply = store.execute(argv);
        assert!(!matches!(reply, kvstore::Reply::Error(_)), "{reply:?}");
    }
    let start = Instant::now();
    store.save().expect("save");
    let save = start.elapsed().as_secs_f64();
    let keys = store.dbsize();
    drop(store);
    let start = Instant::now();
    let store = Store::open(config()).expect("reopen");
    let load = start.elapsed().as_secs_f64();
    assert_eq!(store.dbsize(), keys, "every key loads");
    (save, load, file_size(&dir.path().join("dump.kvs")))
}

/// The same for redis-server: `SAVE`, then a restart timed until it
/// answers PING (not `-LOADING`).
fn redis_save_load(commands: &[Vec<Vec<u8>>]) -> Option<(f64, f64, u64)> {
    let dir = tempfile::tempdir().ok()?;
    let dir_arg = dir.path().to_string_lossy().into_owned();
    let settings = [("dir", dir_arg.as_str()), ("dbfilename", "dump.rdb")];
    let mut redis = redis_server::RedisServer::start(&settings).ok()?;
    redis.pipeline(commands.iter().cloned()).ok()?;
    let start = Instant::now();
    redis.pipeline([vec![b"SAVE".to_vec()]]).ok()?;
    let save = start.elapsed().as_secs_f64();
    drop(redis);
    let start = Instant::now();
    let mut redis = redis_server::RedisServer::start(&settings).ok()?;
    while redis.pipeline([vec![b"PING".to_vec()]]).is_err() {
        if start.elapsed() > Duration::from_secs(120) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let load = start.elapsed().as_secs_f64();
    Some((save, load, file_size(&dir.path().join("dump.rdb"))))
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let have_redis = Command::new("redis-benchmark")
        .arg("--version")
        .output()
        .is_ok();
    if !have_redis {
        println!("skipped: redis-server / redis-benchmark not on PATH");
        return;
    }
    let requests = env_usize("KVSTORE_BENCH_N", 2_000_000);
    let keys = env_usize("KVSTORE_BENCH_KEYS", 1_000_000);
    let rounds = env_usize("KVSTORE_BENCH_ROUNDS", 3).max(1);
    println!("redis-server {}", redis_server::version());
    println!();
    println!("| SET, persistence | kvstore, 8 threads | ops/s | redis-benchmark | ops/s | ratio |");
    println!("| --- | --- | ---: | --- | ---: | ---: |");
    let mut ours_none = 0.0;
    // (label, policy, our batch, redis clients, redis pipeline, share of N)
    type Cell = (
        &'static str,
        Option<AppendFsync>,
        usize,
        usize,
        usize,
        usize,
    );
    let cells: [Cell; 5] = [
        ("none", None, 1, 50, 16, 1),
        ("everysec", Some(AppendFsync::EverySec), 1, 50, 16, 1),
        ("always", Some(AppendFsync::Always), 1, 50, 16, 20),
        ("always", Some(AppendFsync::Always), 1, 8, 1, 100),
        ("always", Some(AppendFsync::Always), 16, 8, 16, 20),
    ];
    for (label, policy, batch, clients, pipeline, share) in cells {
        let n = requests / share;
        let ours = median((0..rounds).map(|_| ours_set(policy, n, batch)).collect());
        let redis = median(
            (0..rounds)
                .filter_map(|_| redis_set(policy, n, clients, pipeline))
                .collect(),
        );
        if policy.is_none() {
            ours_none = ours;
        }
        let cost = if policy == Some(AppendFsync::EverySec) && ours_none > 0.0 {
            format!(" ({:.1}% below none)", 100.0 * (1.0 - ours / ours_none))
        } else {
            String::new()
        };
        let how = if batch > 1 {
            format!("transactions of {batch}")
        } else {
            "one SET per call".to_owned()
        };
        println!(
            "| {label} | {how} | {ours:.0}{cost} | -c {clients} -P {pipeline} | {redis:.0} | {:.2}x |",
            ours / redis.max(1.0)
        );
    }
    #[cfg(feature = "server")]
    for policy in [AppendFsync::EverySec, AppendFsync::Always] {
        let n = if policy == AppendFsync::Always {
            requests / 5
        } else {
            requests
        };
        let ours = median(
            (0..rounds)
                .filter_map(|_| ours_server_set(policy, n))
                .collect(),
        );
        let redis = median(
            (0..rounds)
                .filter_map(|_| redis_set(Some(policy), n, 50, 16))
                .collect(),
        );
        println!(
            "| {} | our RESP server, redis-benchmark -c 50 -P 16 | {ours:.0} | -c 50 -P 16 | {redis:.0} | {:.2}x |",
            policy.as_str(),
            ours / redis.max(1.0)
        );
    }
    println!();
    println!(
        "| dataset | kvstore save s | redis SAVE s | kvstore load s | redis load s | kvstore file | redis file |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for kind in ["strings", "mixed"] {
        let n = if kind == "strings" { keys } else { keys / 10 };
        let commands = dataset(kind, n);
        let ours: Vec<(f64, f64, u64)> = (0..rounds).map(|_| ours_save_load(&commands)).collect();
        let redis: Vec<(f64, f64, u64)> = (0..rounds)
            .filter_map(|_| redis_save_load(&commands))
            .collect();
        let pick = |xs: &[(f64, f64, u64)], f: fn(&(f64, f64, u64)) -> f64| {
            median(xs.iter().map(f).collect())
        };
        println!(
            "| {n} {kind} | {:.3} | {:.3} | {:.3} | {:.3} | {} MB | {} MB |",
            pick(&ours, |x| x.0),
            pick(&redis, |x| x.0),
            pick(&ours, |x| x.1),
            pick(&redis, |x| x.1),
            ours.first().map_or(0, |x| x.2) / 1_000_000,
            redis.first().map_or(0, |x| x.2) / 1_000_000,
        );
    }
}
