//! Pub/sub message rates, against a channel fan-out and a real
//! redis-server in the same run.
//!
//! 1. Fan-out: one publisher thread publishes N 16-byte messages to one
//!    channel with 1, 10 and 100 subscribers, each reading on its own
//!    thread; the rate is messages published per second, timed until every
//!    subscriber has received all of them. The same shape with
//!    `std::sync::mpsc` channels (one per subscriber, each message one
//!    shared `Arc<[u8]>`) is the baseline: the floor of what any in-process
//!    broadcaster costs.
//! 2. Patterns: one subscriber holding 1,000 patterns, of which one matches
//!    the channel published to: every publish is matched against all of
//!    them, as in Redis.
//! 3. Redis: redis-server with the same subscribers (raw loopback
//!    connections reading on their own threads) and a publisher sending
//!    `PUBLISH` pipelined 64 at a time, timed until every subscriber has
//!    all N messages; and, to be fair to Redis, `redis-benchmark -c 50
//!    -P 16 PUBLISH` with one subscriber (the most it publishes per second
//!    with one subscriber, counted by the benchmark): the ratio uses the
//!    faster of the two.
//!
//! Prints the Markdown table of docs/benchmarks.md.
//!
//! ```text
//! cargo bench --bench pubsub
//! ```
//!
//! Environment: `KVSTORE_BENCH_N` (messages per run, default 3,000,000;
//! divided by the subscriber count above 10), `KVSTORE_BENCH_ROUNDS` (runs
//! per cell, median kept, default 3). Not a criterion bench: the runs are
//! timed end to end across threads and processes (until the last
//! subscriber has the last message), which criterion's per-iteration
//! timing cannot express; both sides run one after the other per cell.

#[path = "common/redis_server.rs"]
mod redis_server;

#[path = "common/env.rs"]
mod env;

use env::{env_usize, median};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use kvstore::Store;

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

const PAYLOAD: &[u8] = b"0123456789abcdef";
const CHANNEL: &str = "bench-channel";

/// Messages per second: `subscribers` threads each read `n` messages
/// that one publisher sends through our store (to `channel`, with the
/// subscribers on `subscribe` or on `patterns`).
fn ours(subscribers: usize, n: usize, patterns: usize) -> f64 {
    let store = Store::new();
    let ready = Arc::new(Barrier::new(subscribers + 1));
    let mut readers = Vec::new();
    for _ in 0..subscribers {
        let mut sub = store.subscriber();
        if patterns == 0 {
            sub.subscribe([CHANNEL]);
        } else {
            // One pattern matches the channel; the others never do.
            let misses = (1..patterns).map(|i| format!("other-{i}.*"));
            sub.psubscribe(misses.chain(["bench-*".to_owned()]));
        }
        let ready = Arc::clone(&ready);
        readers.push(std::thread::spawn(move || {
            ready.wait();
            let mut got = 0;
            for message in sub.listen() {
                let message = message.expect("no overflow in the bench");
                if !message.kind().is_confirmation() {
                    got += 1;
                    if got == n {
                        break;
                    }
                }
            }
        }));
    }
    ready.wait();
    let start = Instant::now();
    for _ in 0..n {
        // A subscriber far behind would be disconnected at 32 MB of
        // queue: publish at most that far ahead.
        while store.publish(CHANNEL, PAYLOAD) == 0 {
            std::hint::spin_loop();
        }
    }
    for reader in readers {
        reader.join().expect("reader");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// The baseline: one `mpsc` channel per subscriber, each message one
/// `Arc<[u8]>` shared by all.
fn channels(subscribers: usize, n: usize) -> f64 {
    let mut senders = Vec::new();
    let mut readers = Vec::new();
    for _ in 0..subscribers {
        let (tx, rx) = mpsc::sync_channel::<Arc<[u8]>>(1 << 16);
        senders.push(tx);
        readers.push(std::thread::spawn(move || {
            for _ in 0..n {
                let message = rx.recv().expect("message");
                std::hint::black_box(message);
            }
        }));
    }
    let start = Instant::now();
    for _ in 0..n {
        let message: Arc<[u8]> = Arc::from(PAYLOAD);
        for tx in &senders {
            tx.send(Arc::clone(&message)).expect("send");
        }
    }
    for reader in readers {
        reader.join().expect("reader");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn resp(argv: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for arg in argv {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The bytes one delivered message takes on a subscriber's connection.
fn message_bytes(pattern: Option<&str>) -> usize {
    match pattern {
        None => resp(&[b"message", CHANNEL.as_bytes(), PAYLOAD]).len(),
        Some(p) => resp(&[b"pmessage", p.as_bytes(), CHANNEL.as_bytes(), PAYLOAD]).len(),
    }
}

/// A connection that subscribed and reads until it has `n` messages.
fn redis_reader(port: u16, n: usize, patterns: usize) -> std::thread::JoinHandle<()> {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let (command, confirm_bytes, matching) = if patterns == 0 {
        let c = resp(&[b"SUBSCRIBE", CHANNEL.as_bytes()]);
        let len = resp(&[b"subscribe", CHANNEL.as_bytes()]).len() + 4;
        (c, len, None)
    } else {
        let mut argv: Vec<Vec<u8>> = vec![b"PSUBSCRIBE".to_vec()];
        argv.extend((1..patterns).map(|i| format!("other-{i}.*").into_bytes()));
        argv.push(b"bench-*".to_vec());
        let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let confirms: usize = argv[1..]
            .iter()
            .enumerate()
            .map(|(i, p)| {
                resp(&[b"psubscribe", p]).len() + format!(":{}\r\n", i + 1).len() - "*2\r\n".len()
                    + "*3\r\n".len()
            })
            .sum();
        (resp(&refs), confirms, Some("bench-*"))
    };
    conn.write_all(&command).expect("subscribe");
    let mut confirmed = vec![0u8; confirm_bytes];
    conn.read_exact(&mut confirmed).expect("confirmations");
    let total = n * message_bytes(matching);
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let mut got = 0;
        while got < total {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => panic!("subscriber connection closed"),
                Ok(k) => got += k,
            }
        }
    })
}

/// Messages per second through redis-server, end to end.
fn redis_end_to_end(subscribers: usize, n: usize, patterns: usize) -> Option<f64> {
    let server = redis_server::RedisServer::start(&[]).ok()?;
    let port = server.port();
    let readers: Vec<_> = (0..subscribers)
        .map(|_| redis_reader(port, n, patterns))
        .collect();
    let mut publisher = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let publish = resp(&[b"PUBLISH", CHANNEL.as_bytes(), PAYLOAD]);
    let batch = 64;
    let batch_bytes: Vec<u8> = publish.repeat(batch);
    let reply_len = format!(":{subscribers}\r\n").len();
    let mut replies = vec![0u8; batch * reply_len];
    let start = Instant::now();
    let mut sent = 0;
    while sent < n {
        let k = batch.min(n - sent);
        publisher
            .write_all(&batch_bytes[..k * publish.len()])
            .ok()?;
        publisher.read_exact(&mut replies[..k * reply_len]).ok()?;
        sent += k;
    }
    for reader in readers {
        reader.join().ok()?;
    }
    Some(n as f64 / start.elapsed().as_secs_f64())
}

/// `redis-benchmark -c 50 -P 16 PUBLISH` with one subscriber reading.
fn redis_benchmark(n: usize) -> Option<f64> {
    let server = redis_server::RedisServer::start(&[]).ok()?;
    let port = server.port();
    // The reader counts bytes only; it runs until the server goes.
    let mut conn = TcpStream::connect(("127.0.0.1", port)).ok()?;
    conn.write_all(&resp(&[b"SUBSCRIBE", CHANNEL.as_bytes()]))
        .ok()?;
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        while matches!(conn.read(&mut buf), Ok(k) if k > 0) {}
    });
    std::thread::sleep(Duration::from_millis(100));
    let out = Command::new("redis-benchmark")
        .args(["-p", &port.to_string(), "-c", "50", "-P", "16", "-q"])
        .args(["-n", &n.to_string(), "PUBLISH", CHANNEL])
        .arg(std::str::from_utf8(PAYLOAD).ok()?)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // "...: 677048.06 requests per second, ..."
    let last = text.rsplit('\r').next()?.to_owned();
    let rps = last.split(':').nth(1)?.split_whitespace().next()?;
    rps.parse().ok()
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n = env_usize("KVSTORE_BENCH_N", 3_000_000);
    let rounds = env_usize("KVSTORE_BENCH_ROUNDS", 3).max(1);
    let have_redis = Command::new("redis-server")
        .arg("--version")
        .output()
        .is_ok();
    if have_redis {
        println!("redis-server {}", redis_server::version());
    } else {
        println!("skipped: redis-server not on PATH (Redis columns left empty)");
    }
    println!();
    println!(
        "| publish, 16-byte messages | kvstore msg/s | mpsc fan-out msg/s | redis msg/s | vs mpsc | vs redis |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let cells: [(&str, usize, usize); 4] = [
        ("1 subscriber", 1, 0),
        ("10 subscribers", 10, 0),
        ("100 subscribers", 100, 0),
        ("1 subscriber, 1,000 patterns", 1, 1000),
    ];
    for (label, subscribers, patterns) in cells {
        let n = if subscribers > 10 { n / 10 } else { n };
        let n = if patterns > 0 { n / 10 } else { n };
        let ours = median(
            (0..rounds)
                .map(|_| ours(subscribers, n, patterns))
                .collect(),
        );
        let base = (patterns == 0)
            .then(|| median((0..rounds).map(|_| channels(subscribers, n)).collect()));
        let mut redis = if have_redis {
            median(
                (0..rounds)
                    .filter_map(|_| redis_end_to_end(subscribers, n, patterns))
                    .collect(),
            )
        } else {
            0.0
        };
        if have_redis && subscribers == 1 && patterns == 0 {
            let benchmark = median((0..rounds).filter_map(|_| redis_benchmark(n)).collect());
            redis = redis.max(benchmark);
        }
        let cell = |v: f64| {
            if v > 0.0 {
                format!("{v:.0}")
            } else {
                "–".to_owned()
            }
        };
        let ratio = |v: f64| {
            if v > 0.0 {
                format!("{:.2}x", ours / v)
            } else {
                "–".to_owned()
            }
        };
        let base = base.unwrap_or(0.0);
        println!(
            "| {label} | {} | {} | {} | {} | {} |",
            cell(ours),
            cell(base),
            cell(redis),
            ratio(base),
            ratio(redis)
        );
    }
}
