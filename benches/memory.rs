//! Bytes per key (or per element of a collection) for every dataset shape
//! of the earlier issues and of the memory-accounting test, kvstore against
//! a real redis-server in the same run, as one Markdown table.
//!
//! kvstore runs in this process with jemalloc as its global allocator (the
//! bench requires the `jemalloc` feature); its figure is the growth of
//! jemalloc's `stats.allocated` while a fresh store is loaded (the truth,
//! what Redis's `used_memory` counts for Redis), with the store's own
//! `used_memory()` growth beside it. redis-server (when on the PATH) is
//! started once with persistence off, flushed before each shape, loaded
//! with the same commands over loopback in pipelines (the `redis` crate),
//! and read back as its `INFO memory` `used_memory` growth once the loading
//! connection is closed and the figure is steady (incremental rehashing
//! done).
//!
//! ```text
//! cargo bench --bench memory --features jemalloc
//! KVSTORE_BENCH_KEYS=100000 cargo bench --bench memory --features jemalloc
//! ```
//!
//! `KVSTORE_BENCH_KEYS` (default 1,000,000) scales every shape: it is the
//! number of keys of the string shapes and of elements of the others.

#[path = "common/env.rs"]
mod env;
#[path = "common/redis_server.rs"]
mod redis_server;

use std::time::{Duration, Instant};

use env::env_usize;
use kvstore::{Config, Store};
use redis_server::{RedisServer, version};
use tikv_jemalloc_ctl::{epoch, raw, stats};

/// jemalloc as the global allocator (the bench requires the feature).
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

type Argv = Vec<Vec<u8>>;

/// One dataset: `commands` commands, the `i`-th made by `make(i)`, that
/// hold `units` keys or elements in all.
struct Shape {
    name: String,
    per: &'static str,
    commands: usize,
    units: usize,
    make: Box<dyn Fn(usize) -> Vec<Argv>>,
}

fn argv(parts: &[&[u8]]) -> Argv {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// `key:%08d` (issue 2's keys).
fn key(prefix: &str, i: usize) -> Vec<u8> {
    format!("{prefix}:{i:08}").into_bytes()
}

/// `len` bytes derived from `i`, never a decimal integer.
fn value(i: usize, len: usize) -> Vec<u8> {
    let mut v = b"value:v-".to_vec();
    let mut n = i;
    for _ in 0..8 {
        v.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    v.resize(len, b'x');
    v
}

/// A command adding `count` elements to `key`, element `j` being
/// `element(j)` (and its score for ZADD).
fn bulk(
    command: &str,
    key: &[u8],
    range: std::ops::Range<usize>,
    element: impl Fn(usize) -> Argv,
) -> Argv {
    let mut a = argv(&[command.as_bytes(), key]);
    for j in range {
        a.extend(element(j));
    }
    a
}

/// What one element of a collection loaded by `command` is called.
fn unit_of(command: &str) -> &'static str {
    match command {
        "HSET" => "field",
        "RPUSH" => "element",
        _ => "member",
    }
}

/// Collections of `per_key` elements, `units` elements in all, each
/// collection loaded by one command (plus `extra` commands per key).
fn collections(
    name: &str,
    prefix: &'static str,
    units: usize,
    per_key: usize,
    command: &'static str,
    element: fn(usize) -> Argv,
    ttl: bool,
) -> Shape {
    let keys = (units / per_key).max(1);
    Shape {
        name: name.to_owned(),
        per: unit_of(command),
        commands: keys,
        units: keys * per_key,
        make: Box::new(move |i| {
            let k = key(prefix, i);
            let mut out = vec![bulk(command, &k, 0..per_key, |j| element(i * per_key + j))];
            if ttl {
                out.push(argv(&[b"EXPIRE", &k, b"3600"]));
            }
            out
        }),
    }
}

/// One big collection of `units` elements, loaded 1000 at a time.
fn one_big(name: &str, units: usize, command: &'static str, element: fn(usize) -> Argv) -> Shape {
    const BATCH: usize = 1000;
    let commands = units.div_ceil(BATCH);
    Shape {
        name: name.to_owned(),
        per: unit_of(command),
        commands,
        units,
        make: Box::new(move |i| {
            let end = ((i + 1) * BATCH).min(units);
            vec![bulk(command, b"big", i * BATCH..end, element)]
        }),
    }
}

fn field_value(j: usize) -> Argv {
    vec![
        format!("field:{}", j % 100_000_000).into_bytes(),
        value(j, 16),
    ]
}

fn field_value_mod10(j: usize) -> Argv {
    vec![format!("field:{}", j % 10).into_bytes(), value(j, 16)]
}

fn field_value_mod1000(j: usize) -> Argv {
    vec![format!("field:{}", j % 1000).into_bytes(), value(j, 16)]
}

fn element16(j: usize) -> Argv {
    vec![value(j, 16)]
}

fn integer(j: usize) -> Argv {
    vec![(j * 7).to_string().into_bytes()]
}

fn small_integer(j: usize) -> Argv {
    vec![
        (j % 100 * 1_000_003 + j / 100 % 1000)
            .to_string()
            .into_bytes(),
    ]
}

fn scored16(j: usize) -> Argv {
    vec![format!("{}", j as f64 * 1.5).into_bytes(), value(j, 16)]
}

fn scored16_mixed(j: usize) -> Argv {
    vec![
        format!("{}", (j * 7919 % 2000) as f64 * 1.5).into_bytes(),
        value(j, 16),
    ]
}

fn shapes(n: usize) -> Vec<Shape> {
    let strings = |name: &str, keys: usize, make: fn(usize) -> Vec<Argv>| Shape {
        name: name.to_owned(),
        per: "key",
        commands: keys,
        units: keys,
        make: Box::new(make),
    };
    vec![
        strings("strings key:%08d → 16 B (issue 2)", n, |i| {
            vec![argv(&[b"SET", &key("key", i), &value(i, 16)])]
        }),
        strings("strings, integer values", n, |i| {
            vec![argv(&[
                b"SET",
                &key("key", i),
                (i * 7919).to_string().as_bytes(),
            ])]
        }),
        strings("strings, 100 B values", n / 2, |i| {
            vec![argv(&[b"SET", &key("key", i), &value(i, 100)])]
        }),
        strings("strings, 1 KB values", n / 10, |i| {
            vec![argv(&[b"SET", &key("key", i), &value(i, 1024)])]
        }),
        strings("strings with TTLs (16 B)", n, |i| {
            vec![argv(&[
                b"SET",
                &key("key", i),
                &value(i, 16),
                b"EX",
                b"3600",
            ])]
        }),
        collections(
            "hashes x10 fields (issue 3)",
            "hash",
            n,
            10,
            "HSET",
            field_value_mod10,
            false,
        ),
        collections(
            "hashes x10 fields with TTLs",
            "hash",
            n,
            10,
            "HSET",
            field_value_mod10,
            true,
        ),
        collections(
            "hashes x1000 fields",
            "hash",
            n,
            1000,
            "HSET",
            field_value_mod1000,
            false,
        ),
        one_big("one hash of 1M fields (issue 3)", n, "HSET", field_value),
        collections(
            "lists x10 (listpack)",
            "list",
            n,
            10,
            "RPUSH",
            element16,
            false,
        ),
        one_big(
            "one list of 1M 16 B elements (issue 3)",
            n,
            "RPUSH",
            element16,
        ),
        collections(
            "sets x100 integers (intset)",
            "set",
            n,
            100,
            "SADD",
            small_integer,
            false,
        ),
        one_big("one set of 1M integers (issue 4)", n, "SADD", integer),
        collections(
            "sets x10 (listpack)",
            "set",
            n,
            10,
            "SADD",
            element16,
            false,
        ),
        collections(
            "sets x2000 16 B members",
            "set",
            n,
            2000,
            "SADD",
            element16,
            false,
        ),
        one_big("one set of 1M 16 B members (issue 4)", n, "SADD", element16),
        collections(
            "zsets x10 (listpack)",
            "zset",
            n,
            10,
            "ZADD",
            scored16,
            false,
        ),
        collections(
            "zsets x2000 16 B members",
            "zset",
            n,
            2000,
            "ZADD",
            scored16_mixed,
            false,
        ),
        one_big("one zset of 1M 16 B members (issue 4)", n, "ZADD", scored16),
    ]
}

/// jemalloc's bytes allocated, with this thread's cache off (a cached free
/// block counts as allocated) and the statistics refreshed.
fn allocated() -> usize {
    // SAFETY: `thread.tcache.enabled` is a bool setting.
    let _ = unsafe { raw::write(b"thread.tcache.enabled\0", false) };
    let _ = epoch::advance();
    stats::allocated::read().unwrap_or(0)
}

/// (jemalloc growth, `used_memory()` growth) of loading `shape` into a
/// fresh store.
fn measure_ours(shape: &Shape) -> (usize, usize) {
    let store = Store::open(Config::builder().active_expire(false).build()).expect("store");
    let (alloc0, used0) = (allocated(), store.used_memory());
    for i in 0..shape.commands {
        for a in (shape.make)(i) {
            if let kvstore::Reply::Error(e) = store.execute(&a) {
                panic!("{}: {e}", shape.name);
            }
        }
    }
    let (alloc1, used1) = (allocated(), store.used_memory());
    (alloc1.saturating_sub(alloc0), used1.saturating_sub(used0))
}

/// Redis's `used_memory` growth for `shape`.
fn measure_redis(server: &mut RedisServer, shape: &Shape) -> Result<usize, String> {
    server.pipeline([vec![b"FLUSHALL".to_vec()]])?;
    let before = steady_used_memory(server)?;
    {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", server.port()))
            .map_err(|e| e.to_string())?;
        let mut con = client.get_connection().map_err(|e| e.to_string())?;
        let mut pipe = redis::pipe();
        let mut queued = 0;
        for i in 0..shape.commands {
            for a in (shape.make)(i) {
                let mut cmd = redis::cmd(&String::from_utf8_lossy(&a[0]));
                for arg in &a[1..] {
                    cmd.arg(arg.as_slice());
                }
                pipe.add_command(cmd).ignore();
                queued += a.len();
            }
            if queued >= 20_000 {
                pipe.exec(&mut con).map_err(|e| e.to_string())?;
                pipe.clear();
                queued = 0;
            }
        }
        if queued > 0 {
            pipe.exec(&mut con).map_err(|e| e.to_string())?;
        }
    }
    let after = steady_used_memory(server)?;
    Ok(after.saturating_sub(before))
}

/// `used_memory` once two readings 300 ms apart agree (a closed client
/// freed, incremental rehashing finished), or after 10 s.
fn steady_used_memory(server: &mut RedisServer) -> Result<usize, String> {
    let started = Instant::now();
    let mut last = server.used_memory()?;
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = server.used_memory()?;
        if now == last || started.elapsed() > Duration::from_secs(10) {
            return Ok(now);
        }
        last = now;
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let n = env_usize("KVSTORE_BENCH_KEYS", 1_000_000).max(2000);
    let mut redis = match RedisServer::start(&[]) {
        Ok(server) => Some(server),
        Err(why) => {
            eprintln!("skipped: redis-server ({why})");
            None
        }
    };
    let peer = redis.as_ref().map_or_else(
        || "redis-server".to_owned(),
        |_| format!("redis {}", version()),
    );
    let mut rows = Vec::new();
    for shape in shapes(n) {
        let started = Instant::now();
        let (truth, used) = measure_ours(&shape);
        let theirs = redis.as_mut().map(|server| measure_redis(server, &shape));
        let units = shape.units as f64;
        let per = |bytes: usize| bytes as f64 / units;
        let (peer_cell, ratio) = match theirs {
            Some(Ok(bytes)) => (
                format!("{:.1}", per(bytes)),
                format!("{:.2}×", truth as f64 / bytes as f64),
            ),
            Some(Err(e)) => (format!("skipped: {e}"), "-".to_owned()),
            None => ("skipped: redis-server".to_owned(), "-".to_owned()),
        };
        eprintln!("{}: done in {:.1?}", shape.name, started.elapsed());
        rows.push(format!(
            "| {} ({} {}s) | {:.1} | {:.1} | {peer_cell} | {ratio} |",
            shape.name,
            shape.units,
            shape.per,
            per(truth),
            per(used),
        ));
    }
    println!();
    println!(
        "| shape (count) | kvstore B/unit (jemalloc allocated) | kvstore B/unit (used_memory) | {peer} B/unit (used_memory) | kvstore / redis |"
    );
    println!("|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}
