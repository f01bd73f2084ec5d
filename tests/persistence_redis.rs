//! Migration: the append log's files load into a real Redis 7.0.
//!
//! A store with the append log gets a random dataset (no hash field TTLs:
//! Redis 7.0 has no `HPEXPIREAT`; every TTL days away), is rewritten
//! (`bgrewriteaof`) and written on, so that the log has a base and an
//! incremental file; then a private `redis-server` is fed the files in
//! manifest order through `redis-cli --pipe` (which must report
//! `errors: 0`), and its contents (KEYS, TYPE, values, PEXPIRETIME) are
//! compared with the reopened store's.
//!
//! Prints `skipped: …` when `redis-server` 7.0 or `redis-cli` is missing.
//! `KVSTORE_PERSIST_SEED=n[,m…]` picks the seeds.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use kvstore::persist::{AppendFsync, AppendLogOptions};
use kvstore::{Config, ManualClock, Store};

mod common;

use common::dataset::{DataGen, DataOptions};
use common::dump::{Dump, Field, KeyState, Score, Val, assert_same, full_dump, summary};
use common::redis::{RedisServer, Resp, RespClient, locate_redis_server};

fn seeds() -> Vec<u64> {
    match std::env::var("KVSTORE_PERSIST_SEED") {
        Ok(list) => list
            .split(',')
            .map(|s| s.trim().parse().expect("KVSTORE_PERSIST_SEED: a number"))
            .collect(),
        Err(_) => vec![0x7ed1_0001, 0x7ed1_0002],
    }
}

fn redis_cli(server: &Path) -> Option<PathBuf> {
    let beside = server.with_file_name("redis-cli");
    if beside.is_file() {
        return Some(beside);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("redis-cli"))
        .find(|candidate| candidate.is_file())
}

fn config(dir: &Path, clock: &ManualClock) -> Config {
    Config::builder()
        .dir(dir)
        .clock(clock.clone())
        .active_expire(false)
        .append_log(
            AppendLogOptions::new()
                .fsync(AppendFsync::EverySec)
                .auto_rewrite_percentage(0),
        )
        .build()
}

/// The log's files in manifest order: the base first, then the
/// incremental files (history files are not loaded).
fn log_files(data_dir: &Path) -> Vec<(char, PathBuf)> {
    let log_dir = data_dir.join("appendonlydir");
    let mut files: Vec<(char, PathBuf)> = common::manifest_files(data_dir)
        .into_iter()
        .filter(|(kind, _)| *kind != 'h')
        .map(|(kind, name)| (kind, log_dir.join(name)))
        .collect();
    files.sort_by_key(|(kind, _)| *kind != 'b');
    files
}

/// Pipes `file` into the server; returns redis-cli's report.
fn pipe(cli: &Path, port: u16, file: &Path) -> String {
    let input =
        std::fs::File::open(file).unwrap_or_else(|e| panic!("open {}: {e}", file.display()));
    let out = Command::new(cli)
        .args(["-p", &port.to_string(), "--pipe"])
        .stdin(Stdio::from(input))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run redis-cli --pipe");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "redis-cli --pipe < {} failed: {text}",
        file.display()
    );
    text
}

fn call(client: &mut RespClient, argv: &[&[u8]]) -> Resp {
    let reply = client.call(argv).expect("redis call");
    assert!(
        !reply.is_error(),
        "{}: {reply:?}",
        common::redis::format_argv(argv)
    );
    reply
}

fn bulks(reply: Resp) -> Vec<Vec<u8>> {
    match reply {
        Resp::Array(items) => items
            .into_iter()
            .map(|i| i.as_bulk().expect("a bulk").to_vec())
            .collect(),
        other => panic!("not an array: {other:?}"),
    }
}

/// Redis's contents in the form of [`full_dump`] (remaining TTLs as 0:
/// the deadlines are compared).
fn redis_dump(client: &mut RespClient) -> Dump {
    let mut dump = Dump::new();
    for key in bulks(call(client, &[b"KEYS", b"*"])) {
        let kind = call(client, &[b"TYPE", &key]);
        let val = match kind {
            Resp::Simple(t) if t == b"string" => Val::Str(
                call(client, &[b"GET", &key])
                    .as_bulk()
                    .expect("GET")
                    .to_vec(),
            ),
            Resp::Simple(t) if t == b"list" => {
                Val::List(bulks(call(client, &[b"LRANGE", &key, b"0", b"-1"])))
            }
            Resp::Simple(t) if t == b"set" => Val::Set(
                bulks(call(client, &[b"SMEMBERS", &key]))
                    .into_iter()
                    .collect(),
            ),
            Resp::Simple(t) if t == b"hash" => {
                let flat = bulks(call(client, &[b"HGETALL", &key]));
                Val::Hash(
                    flat.chunks(2)
                        .map(|pair| {
                            let field = Field {
                                value: pair[1].clone(),
                                expire_at: -1,
                                ttl: -1,
                            };
                            (pair[0].clone(), field)
                        })
                        .collect(),
                )
            }
            Resp::Simple(t) if t == b"zset" => {
                let flat = bulks(call(client, &[b"ZRANGE", &key, b"0", b"-1", b"WITHSCORES"]));
                Val::ZSet(
                    flat.chunks(2)
                        .map(|pair| {
                            let text = String::from_utf8_lossy(&pair[1]);
                            let score: f64 =
                                text.parse().unwrap_or_else(|_| panic!("score {text}"));
                            (pair[0].clone(), Score(score))
                        })
                        .collect(),
                )
            }
            other => panic!("TYPE answered {other:?}"),
        };
        let expire_at = call(client, &[b"PEXPIRETIME", &key])
            .as_int()
            .expect("PEXPIRETIME");
        dump.insert(
            key,
            KeyState {
                val,
                expire_at,
                ttl: 0,
            },
        );
    }
    dump
}

/// Remaining TTLs zeroed, zero scores without a sign (Redis keeps `-0`
/// as `0` in a listpack), for the comparison with Redis.
fn comparable(mut dump: Dump) -> Dump {
    for state in dump.values_mut() {
        state.ttl = 0;
        if let Val::ZSet(members) = &mut state.val {
            for (_, score) in members.iter_mut() {
                if score.0 == 0.0 {
                    score.0 = 0.0;
                }
            }
        }
    }
    dump
}

/// A store in `dir` with a random dataset Redis 7.0 can hold, rewritten
/// and written on (a base and an incremental file); returns its contents.
fn build(dir: &Path, clock: &ManualClock, seed: u64) -> Dump {
    let store = Store::open(config(dir, clock)).expect("open");
    let mut data = DataGen::new(&store, clock, seed, DataOptions::redis_7_0(500));
    data.fill();
    store
        .bgrewriteaof()
        .expect("bgrewriteaof")
        .wait()
        .expect("rewrite");
    data.random(300);
    let expected = full_dump(&store);
    eprintln!("seed {seed:#x}: {}", summary(&expected));
    drop(store);
    expected
}

/// A clock standing at the real time, so that the store and Redis agree
/// about deadlines.
fn clock_now() -> ManualClock {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_millis() as i64;
    ManualClock::new(now)
}

/// A `redis-server` started on a copy of a store's log directory, with
/// `appendonly yes`: Redis loads the files itself. Killed (our own child,
/// by its pid) when dropped.
struct RedisOnLog {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl RedisOnLog {
    fn start(bin: &Path, log_dir: &Path) -> RedisOnLog {
        let dir = tempfile::tempdir().expect("tempdir");
        let copy = dir.path().join("appendonlydir");
        std::fs::create_dir_all(&copy).expect("mkdir");
        for entry in std::fs::read_dir(log_dir).expect("read_dir") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), copy.join(entry.file_name())).expect("copy");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(bin)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args([
                "--appendonly",
                "yes",
                "--daemonize",
                "no",
                "--databases",
                "1",
            ])
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(dir.path().join("redis.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let mut server = RedisOnLog { child, port, dir };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(status) = server.child.try_wait().expect("try_wait") {
                panic!(
                    "redis-server exited ({status}) loading the log; its log:\n{}",
                    server.log()
                );
            }
            if let Ok(mut client) = RespClient::connect(port)
                && let Ok(Resp::Simple(pong)) = client.call(&["PING"])
                && pong == b"PONG"
            {
                return server;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not answer; its log:\n{}",
                server.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }
}

impl Drop for RedisOnLog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn append_log_loads_into_redis() {
    let bin = match locate_redis_server() {
        Ok(bin) => bin,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let Some(cli) = redis_cli(&bin) else {
        eprintln!("skipped: redis-cli not found");
        return;
    };
    let server = RedisServer::start(&bin, &[]).expect("start redis-server");
    let mut client = server.connect().expect("connect");
    for seed in seeds() {
        let context = format!("seed {seed:#x}");
        let clock = clock_now();
        let dir = tempfile::tempdir().expect("tempdir");
        let expected = build(dir.path(), &clock, seed);

        let files = log_files(dir.path());
        assert!(
            files.first().is_some_and(|(k, _)| *k == 'b') && files.iter().any(|(k, _)| *k == 'i'),
            "{context}: a base and an incremental file expected: {files:?}"
        );
        call(&mut client, &[b"FLUSHALL"]);
        for (_, file) in &files {
            let report = pipe(&cli, server.port(), file);
            assert!(
                report.contains("errors: 0,"),
                "{context}: redis-cli --pipe < {}: {report}",
                file.display()
            );
        }

        let store = Store::open(config(dir.path(), &clock)).expect("reopen");
        let reopened = full_dump(&store);
        assert_same(&expected, &reopened, &format!("{context}: reopened store"));
        let theirs = redis_dump(&mut client);
        assert_same(
            &comparable(reopened),
            &comparable(theirs),
            &format!("{context}: the store (expected) against Redis (got)"),
        );
    }
}

/// Redis 7.0 started with `appendonly yes` on the store's log directory
/// (manifest with our extra `size`/`crc32` fields included) loads it and
/// holds the same contents.
#[test]
fn redis_server_loads_the_log_directory() {
    let bin = match locate_redis_server() {
        Ok(bin) => bin,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let seed = seeds()[0];
    let context = format!("seed {seed:#x}, redis-server on the log directory");
    let clock = clock_now();
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = build(dir.path(), &clock, seed);
    let server = RedisOnLog::start(&bin, &dir.path().join("appendonlydir"));
    let mut client = RespClient::connect(server.port).expect("connect");
    let theirs = redis_dump(&mut client);
    assert_same(&comparable(expected), &comparable(theirs), &context);
}
