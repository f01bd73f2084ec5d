//! The RESP server with real clients: our test client, the `redis` crate,
//! redis-cli and redis-benchmark (those two skip with a `skipped:` line
//! when not installed; CI installs them).
#![cfg(feature = "server")]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::redis::{Resp, RespClient, encode_command, read_reply};
use common::server::Running;
use kvstore::Store;
use kvstore::server::{Server, ServerConfig};

fn simple(s: &str) -> Resp {
    Resp::Simple(s.as_bytes().to_vec())
}

fn bulk(s: &str) -> Resp {
    Resp::Bulk(s.as_bytes().to_vec())
}

fn error_text(r: &Resp) -> String {
    String::from_utf8_lossy(r.error_text().expect("an error reply")).into_owned()
}

/// Reads everything until the server closes the connection.
fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let _ = stream.read_to_end(&mut all);
    all
}

#[test]
fn commands_and_errors_over_the_wire() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let mut c = server.client();
    assert_eq!(c.call(&["SET", "k", "v"]).unwrap(), simple("OK"));
    assert_eq!(c.call(&["GET", "k"]).unwrap(), bulk("v"));
    assert_eq!(store.get("k").unwrap(), Some(b"v".to_vec()), "same store");
    assert_eq!(
        error_text(&c.call(&["GET"]).unwrap()),
        "ERR wrong number of arguments for 'get' command"
    );
    assert_eq!(c.call(&["SELECT", "0"]).unwrap(), simple("OK"));
    assert_eq!(c.call(&["QUIT"]).unwrap(), simple("OK"));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let mut stream = server.raw();
    let mut wire = Vec::new();
    for i in 0..2000 {
        kvstore::resp::encode_command(&["INCR", "n"], &mut wire);
        if i % 500 == 0 {
            // Inline commands mixed in.
            wire.extend_from_slice(b"PING\r\n");
        }
    }
    stream.write_all(&wire).unwrap();
    let mut reader = BufReader::new(stream);
    let mut n = 0;
    for i in 0..2000 {
        assert_eq!(read_reply(&mut reader).unwrap(), Resp::Integer(i + 1));
        if i % 500 == 0 {
            assert_eq!(read_reply(&mut reader).unwrap(), simple("PONG"));
        }
        n += 1;
    }
    assert_eq!(n, 2000);
}

#[test]
fn a_request_split_across_many_writes_is_read_whole() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let mut stream = server.raw();
    stream.set_nodelay(true).unwrap();
    let value = "x".repeat(100_000);
    let wire = encode_command(&["SET", "big", value.as_str()]);
    for chunk in wire.chunks(7_777) {
        stream.write_all(chunk).unwrap();
        stream.flush().unwrap();
    }
    let mut reader = BufReader::new(stream);
    assert_eq!(read_reply(&mut reader).unwrap(), simple("OK"));
    assert_eq!(store.strlen("big").unwrap(), 100_000);
}

#[test]
fn protocol_errors_are_answered_and_close_the_connection() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    for (bad, text) in [
        (
            &b"*2147483648\r\n"[..],
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\n$-2\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$99999999999\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\nx\r\n",
            "-ERR Protocol error: expected '$', got 'x'\r\n",
        ),
        (
            b"SET \"a\r\n",
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
    ] {
        let mut s = server.raw();
        s.write_all(bad).unwrap();
        assert_eq!(String::from_utf8_lossy(&read_to_close(&mut s)), text);
    }
}

/// Resident set size of this process, from /proc.
fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[test]
fn a_huge_announced_bulk_commits_no_memory_until_it_arrives() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let mut streams = Vec::new();
    let before = rss_bytes();
    for _ in 0..8 {
        let mut s = server.raw();
        // 17 bytes announcing a 512 MB argument, and nothing more.
        s.write_all(b"*2\r\n$536870912\r\n").unwrap();
        streams.push(s);
    }
    // The server answers on another connection, so it has read the headers.
    let mut c = server.client();
    assert_eq!(c.call(&["PING"]).unwrap(), simple("PONG"));
    thread::sleep(Duration::from_millis(100));
    if let (Some(before), Some(after)) = (before, rss_bytes()) {
        let grown = after.saturating_sub(before);
        assert!(
            grown < 8 << 20,
            "8 connections grew the RSS by {grown} bytes"
        );
    }
}

#[test]
fn blocking_pops_block_only_their_client() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new().threads(1));
    let port = server.port;
    let waiter = thread::spawn(move || {
        let mut c = RespClient::connect(port).unwrap();
        c.call(&["BLPOP", "jobs", "0"]).unwrap()
    });
    while store.blocked_clients() == 0 {
        thread::sleep(Duration::from_millis(1));
    }
    // The only event loop still serves everyone else.
    let mut c = server.client();
    assert_eq!(c.call(&["PING"]).unwrap(), simple("PONG"));
    assert_eq!(c.call(&["RPUSH", "jobs", "j1"]).unwrap(), Resp::Integer(1));
    assert_eq!(
        waiter.join().unwrap(),
        Resp::Array(vec![bulk("jobs"), bulk("j1")])
    );
    // A timeout answers nil.
    assert_eq!(c.call(&["BLPOP", "none", "0.05"]).unwrap(), Resp::NullArray);
}

#[test]
fn requests_pipelined_after_a_blocking_pop_wait_for_it() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let mut stream = server.raw();
    let mut wire = encode_command(&["BLPOP", "q", "0"]);
    wire.extend(encode_command(&["GET", "after"]));
    stream.write_all(&wire).unwrap();
    while store.blocked_clients() == 0 {
        thread::sleep(Duration::from_millis(1));
    }
    let mut other = server.client();
    other.call(&["SET", "after", "yes"]).unwrap();
    other.call(&["LPUSH", "q", "x"]).unwrap();
    let mut reader = BufReader::new(stream);
    assert_eq!(
        read_reply(&mut reader).unwrap(),
        Resp::Array(vec![bulk("q"), bulk("x")])
    );
    assert_eq!(read_reply(&mut reader).unwrap(), bulk("yes"));
}

#[test]
fn a_blocked_client_that_disconnects_takes_nothing() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    {
        let mut s = server.raw();
        s.write_all(&encode_command(&["BLPOP", "q", "0"])).unwrap();
        while store.blocked_clients() == 0 {
            thread::sleep(Duration::from_millis(1));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.blocked_clients() > 0 {
        assert!(Instant::now() < deadline, "the waiter was not cancelled");
        thread::sleep(Duration::from_millis(1));
    }
    let mut c = server.client();
    c.call(&["RPUSH", "q", "kept"]).unwrap();
    assert_eq!(c.call(&["LLEN", "q"]).unwrap(), Resp::Integer(1));
}

#[test]
fn requirepass_and_auth() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new().requirepass("s3cret"));
    let mut c = server.client();
    assert_eq!(
        error_text(&c.call(&["GET", "k"]).unwrap()),
        "NOAUTH Authentication required."
    );
    assert_eq!(
        error_text(&c.call(&["AUTH", "wrong"]).unwrap()),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    assert_eq!(c.call(&["AUTH", "s3cret"]).unwrap(), simple("OK"));
    assert_eq!(c.call(&["GET", "k"]).unwrap(), Resp::NullBulk);

    // Before AUTH: at most 10 arguments and 16 KB bulks.
    let mut s = server.raw();
    s.write_all(b"*11\r\n").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&read_to_close(&mut s)),
        "-ERR Protocol error: unauthenticated multibulk length\r\n"
    );
    let mut s = server.raw();
    s.write_all(b"*2\r\n$20000\r\n").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&read_to_close(&mut s)),
        "-ERR Protocol error: unauthenticated bulk length\r\n"
    );
    // HELLO with AUTH authenticates and switches protocol in one go.
    let mut s = server.raw();
    s.write_all(&encode_command(&[
        "HELLO", "3", "AUTH", "default", "s3cret",
    ]))
    .unwrap();
    let mut reader = BufReader::new(s);
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert_eq!(first, "%7\r\n", "a RESP3 map");
}

#[test]
fn multi_exec_and_watch_over_the_wire() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let mut a = server.client();
    let mut b = server.client();
    assert_eq!(a.call(&["WATCH", "w"]).unwrap(), simple("OK"));
    assert_eq!(a.call(&["MULTI"]).unwrap(), simple("OK"));
    assert_eq!(a.call(&["SET", "w", "a"]).unwrap(), simple("QUEUED"));
    b.call(&["SET", "w", "b"]).unwrap();
    assert_eq!(a.call(&["EXEC"]).unwrap(), Resp::NullArray);
    assert_eq!(a.call(&["MULTI"]).unwrap(), simple("OK"));
    a.call(&["INCR", "c"]).unwrap();
    a.call(&["INCR", "c"]).unwrap();
    assert_eq!(
        a.call(&["EXEC"]).unwrap(),
        Resp::Array(vec![Resp::Integer(1), Resp::Integer(2)])
    );
}

/// Raises this process's open-file limit to `want` if the hard limit
/// allows (the test holds both ends of 1,050 connections).
fn raise_fd_limit(want: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain libc calls on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

#[test]
fn a_thousand_idle_connections_and_fifty_busy_ones() {
    raise_fd_limit(4096);
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let idle: Vec<TcpStream> = (0..1000).map(|_| server.raw()).collect();
    let port = server.port;
    let busy: Vec<_> = (0..50)
        .map(|t| {
            thread::spawn(move || {
                let mut c = RespClient::connect(port).unwrap();
                for i in 0..200 {
                    let key = format!("k{t}");
                    assert_eq!(
                        c.call(&["INCR", key.as_str()]).unwrap(),
                        Resp::Integer(i + 1)
                    );
                }
            })
        })
        .collect();
    for t in busy {
        t.join().unwrap();
    }
    // The idle ones are still served.
    let mut last = idle.into_iter().last().unwrap();
    last.write_all(b"PING\r\n").unwrap();
    let mut reader = BufReader::new(last);
    assert_eq!(read_reply(&mut reader).unwrap(), simple("PONG"));
    assert_eq!(store.dbsize(), 50);
}

#[test]
fn shutdown_stops_the_server() {
    let store = Store::new();
    let server = Server::bind(&store, ServerConfig::new().port(0)).unwrap();
    let port = server.local_addr().port();
    let handle = server.spawn().unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"SHUTDOWN NOSAVE\r\n").unwrap();
    handle.join().unwrap();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn the_redis_crate_works_unchanged() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/", server.port)).unwrap();
    let mut con = client.get_connection().unwrap();
    let _: () = redis::cmd("SET")
        .arg("name")
        .arg("kv")
        .query(&mut con)
        .unwrap();
    let name: String = redis::cmd("GET").arg("name").query(&mut con).unwrap();
    assert_eq!(name, "kv");
    let (a, b): (i64, i64) = redis::pipe()
        .cmd("INCR")
        .arg("p")
        .cmd("INCR")
        .arg("p")
        .query(&mut con)
        .unwrap();
    assert_eq!((a, b), (1, 2));
    let (x, y): (i64, Vec<String>) = redis::pipe()
        .atomic()
        .cmd("RPUSH")
        .arg("l")
        .arg("a")
        .arg("b")
        .cmd("LRANGE")
        .arg("l")
        .arg(0)
        .arg(-1)
        .query(&mut con)
        .unwrap();
    assert_eq!((x, y), (2, vec!["a".to_string(), "b".to_string()]));
}

fn tool(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[test]
fn redis_cli_session() {
    let Some(cli) = tool("redis-cli") else {
        println!("skipped: redis-cli not on PATH");
        return;
    };
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let script =
        "PING\nSET key value\nGET key\nKEYS *\nFLUSHDB\nGET key\nRPUSH l a b\nLRANGE l 0 -1\n";
    let mut child = Command::new(cli)
        .args(["-p", &server.port.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "PONG\nOK\nvalue\nkey\nOK\n\n2\na\nb\n"
    );
}

#[test]
fn redis_benchmark_finishes_without_errors() {
    let Some(bench) = tool("redis-benchmark") else {
        println!("skipped: redis-benchmark not on PATH");
        return;
    };
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let out = Command::new(bench)
        .args(["-p", &server.port.to_string()])
        .args(["-t", "set,get,lpush,lpop,sadd,hset,zadd"])
        .args(["-n", "100000", "-P", "16", "-q"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    for test in ["SET", "GET", "LPUSH", "LPOP", "SADD", "HSET", "ZADD"] {
        assert!(
            text.split(['\r', '\n'])
                .any(|l| l.trim_start().starts_with(&format!("{test}: "))
                    && l.contains("requests per second")),
            "no result for {test}: {text}"
        );
    }
    assert!(!text.contains("ERR"), "{text}");
}

#[test]
fn exec_is_atomic_against_other_clients() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new().threads(2));
    let port = server.port;
    let writers: Vec<_> = (0..3)
        .map(|_| {
            thread::spawn(move || {
                let mut c = RespClient::connect(port).unwrap();
                for _ in 0..300 {
                    c.call(&["MULTI"]).unwrap();
                    c.call(&["INCR", "a"]).unwrap();
                    c.call(&["INCR", "{x}b"]).unwrap();
                    let Resp::Array(r) = c.call(&["EXEC"]).unwrap() else {
                        panic!("EXEC runs")
                    };
                    assert_eq!(r.len(), 2);
                }
            })
        })
        .collect();
    // A reader never sees one counter ahead of the other.
    let mut c = server.client();
    for _ in 0..300 {
        let Resp::Array(v) = c.call(&["MGET", "a", "{x}b"]).unwrap() else {
            panic!("MGET answers an array")
        };
        assert_eq!(v[0], v[1], "a transaction was seen half done");
    }
    for w in writers {
        w.join().unwrap();
    }
    assert_eq!(store.get("a").unwrap(), Some(b"900".to_vec()));
}

/// Under `appendfsync always`, a reply leaves only once its write is on
/// disk: pipelined INCRs from several clients, then the log's files (read
/// while the store is still open) hold at least every acknowledged one.
/// The server commits a whole round of requests with one fsync.
#[test]
fn always_replies_only_after_the_write_is_on_disk() {
    use kvstore::persist::{AppendFsync, AppendLogOptions};
    let dir = tempfile::tempdir().expect("tempdir");
    let config = kvstore::Config::builder()
        .dir(dir.path())
        .append_log(AppendLogOptions::new().fsync(AppendFsync::Always))
        .build();
    let store = Store::open(config).expect("open");
    let running = Running::start(&store, ServerConfig::new());
    const CLIENTS: usize = 4;
    const ROUNDS: usize = 20;
    const PIPELINE: usize = 16;
    let data_dir = dir.path();
    let acked: usize = thread::scope(|s| {
        let handles: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let mut stream = running.raw();
                s.spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    let mut acked = 0;
                    for _ in 0..ROUNDS {
                        let mut batch = Vec::new();
                        for _ in 0..PIPELINE {
                            batch.extend(encode_command(&["INCR", &format!("counter:{c}")]));
                        }
                        stream.write_all(&batch).expect("send");
                        for _ in 0..PIPELINE {
                            let reply = read_reply(&mut reader).expect("reply");
                            assert!(matches!(reply, Resp::Integer(_)), "{reply:?}");
                            acked += 1;
                        }
                        // Everything acknowledged so far is already in the files.
                        let on_disk = incr_records_on_disk(data_dir, c);
                        assert!(
                            on_disk >= acked,
                            "client {c}: {acked} acknowledged, {on_disk} on disk"
                        );
                    }
                    acked
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("client")).sum()
    });
    assert_eq!(acked, CLIENTS * ROUNDS * PIPELINE);
    drop(running);
}

/// INCRs of `counter:{client}` in the append log's files, as they are on
/// disk now.
fn incr_records_on_disk(data_dir: &std::path::Path, client: usize) -> usize {
    let needle = format!(
        "$4\r\nINCR\r\n${}\r\ncounter:{client}\r\n",
        format!("counter:{client}").len()
    );
    std::fs::read_dir(data_dir.join("appendonlydir"))
        .expect("log dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".incr.aof"))
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            text.matches(&needle).count()
        })
        .sum()
}
