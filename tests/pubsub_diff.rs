//! The same pub/sub conversations with redis-server 7.0 and with our
//! server, compared byte for byte, in RESP2 and RESP3 (skipped with a
//! `skipped:` line when redis-server 7.0 is not on `PATH`).
#![cfg(feature = "server")]

mod common;

use std::time::Duration;

use common::redis::{RedisServer, escape, locate_redis_server};
use common::server::{FrameConn, Running};
use kvstore::Store;
use kvstore::server::ServerConfig;

/// One step of a conversation over a few connections.
enum Step {
    /// Send a command on a connection, then read frames: (connection,
    /// how many) for each connection that answers.
    Send(usize, &'static [&'static str], &'static [(usize, usize)]),
    /// `HELLO` on a connection: its reply (which carries the client id)
    /// is read, not compared.
    Hello(usize, &'static str),
    /// Wait for the server to close a connection (after `QUIT`).
    Closed(usize),
}

use Step::{Closed, Hello, Send};

/// Runs `steps` against the server on `port`: what each step read.
fn transcript(port: u16, steps: &[Step]) -> Vec<String> {
    let mut conns: Vec<FrameConn> = Vec::new();
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let (conn, argv, reads): (usize, Vec<&str>, &[(usize, usize)]) = match step {
            Send(conn, argv, reads) => (*conn, argv.to_vec(), reads),
            Hello(conn, version) => (*conn, vec!["HELLO", version], &[]),
            Closed(conn) => {
                let closed = conns[*conn].closed_within(Duration::from_secs(20));
                assert!(closed, "step {i}: connection {conn} still open");
                continue;
            }
        };
        while conns.len() <= conn {
            conns.push(FrameConn::connect(port).expect("connect"));
        }
        conns[conn].send(&argv).expect("send");
        if let Hello(..) = step {
            conns[conn].frame().expect("HELLO reply");
            continue;
        }
        for &(from, n) in reads {
            while conns.len() <= from {
                conns.push(FrameConn::connect(port).expect("connect"));
            }
            let bytes = conns[from]
                .bytes(n)
                .unwrap_or_else(|e| panic!("step {i} {argv:?}: reading {n} frames on {from}: {e}"));
            out.push(format!(
                "step {i} {argv:?} on {conn}, read on {from}: {}",
                escape(&bytes)
            ));
        }
    }
    out
}

fn compare(name: &str, redis: &RedisServer, ours: &Running, steps: &[Step]) {
    let expected = transcript(redis.port(), steps);
    let got = transcript(ours.port, steps);
    for (e, g) in expected.iter().zip(&got) {
        assert_eq!(g, e, "{name}: first difference (ours, then redis-server)");
    }
    assert_eq!(got.len(), expected.len(), "{name}");
}

const RESP2_BASICS: &[Step] = &[
    Send(0, &["SUBSCRIBE", "a", "b"], &[(0, 2)]),
    Send(0, &["GET", "x"], &[(0, 1)]),
    Send(0, &["PING"], &[(0, 1)]),
    Send(0, &["PING", "hi"], &[(0, 1)]),
    Send(0, &["PING", "a", "b"], &[(0, 1)]),
    Send(0, &["CLIENT", "ID"], &[(0, 1)]),
    Send(0, &["CLIENT", "FOO"], &[(0, 1)]),
    Send(0, &["FOO", "bar"], &[(0, 1)]),
    Send(0, &["SUBSCRIBE"], &[(0, 1)]),
    Send(0, &["HELLO", "3"], &[(0, 1)]),
    Send(0, &["MULTI"], &[(0, 1)]),
    Send(0, &["EXEC"], &[(0, 1)]),
    Send(0, &["DISCARD"], &[(0, 1)]),
    Send(0, &["PSUBSCRIBE", "p*", "a*"], &[(0, 2)]),
    Send(1, &["PUBLISH", "a", "m1"], &[(1, 1), (0, 2)]),
    Send(1, &["PUBLISH", "pq", "m2"], &[(1, 1), (0, 1)]),
    Send(1, &["PUBLISH", "zz", "m3"], &[(1, 1)]),
    Send(1, &["PUBSUB", "NUMSUB", "a", "b", "c"], &[(1, 1)]),
    Send(1, &["PUBSUB", "NUMPAT"], &[(1, 1)]),
    Send(0, &["UNSUBSCRIBE", "a"], &[(0, 1)]),
    Send(0, &["UNSUBSCRIBE"], &[(0, 1)]),
    Send(0, &["PUNSUBSCRIBE", "p*", "nope"], &[(0, 2)]),
    Send(0, &["PUNSUBSCRIBE"], &[(0, 1)]),
    Send(0, &["PUNSUBSCRIBE"], &[(0, 1)]),
    Send(0, &["GET", "x"], &[(0, 1)]),
    Send(0, &["PING"], &[(0, 1)]),
    Send(0, &["UNSUBSCRIBE", "a", "b"], &[(0, 2)]),
    Send(0, &["SUNSUBSCRIBE"], &[(0, 1)]),
    Send(0, &["SUNSUBSCRIBE", "x"], &[(0, 1)]),
    Send(0, &["SSUBSCRIBE", "s1"], &[(0, 1)]),
    Send(1, &["SPUBLISH", "s1", "shard"], &[(1, 1), (0, 1)]),
    Send(1, &["PUBLISH", "s1", "plain"], &[(1, 1)]),
    Send(1, &["PUBSUB", "SHARDNUMSUB", "s1"], &[(1, 1)]),
    Send(0, &["PING"], &[(0, 1)]),
    Send(0, &["SUNSUBSCRIBE", "s1"], &[(0, 1)]),
    Send(0, &["PING"], &[(0, 1)]),
    Send(0, &["SUBSCRIBE", "q"], &[(0, 1)]),
    Send(0, &["QUIT"], &[(0, 1)]),
    Closed(0),
    Send(1, &["PUBSUB", "NUMSUB", "q"], &[(1, 1)]),
];

const RESP2_TRANSACTIONS_AND_RESET: &[Step] = &[
    Send(0, &["MULTI"], &[(0, 1)]),
    Send(0, &["SUBSCRIBE", "a", "b"], &[(0, 1)]),
    Send(0, &["PING"], &[(0, 1)]),
    // Redis's array counts two replies; SUBSCRIBE's are two pushes, and
    // the pong follows as one more frame.
    Send(0, &["EXEC"], &[(0, 2)]),
    Send(0, &["GET", "x"], &[(0, 1)]),
    Send(1, &["MULTI"], &[(1, 1)]),
    Send(1, &["SUBSCRIBE", "c"], &[(1, 1)]),
    Send(1, &["PUBLISH", "c", "x"], &[(1, 1)]),
    Send(1, &["SET", "kk", "v"], &[(1, 1)]),
    Send(1, &["EXEC"], &[(1, 2)]),
    Send(2, &["MULTI"], &[(2, 1)]),
    Send(2, &["SSUBSCRIBE", "a", "b"], &[(2, 1)]),
    Send(2, &["SUNSUBSCRIBE", "a"], &[(2, 1)]),
    Send(2, &["PSUBSCRIBE", "z*"], &[(2, 1)]),
    Send(2, &["UNSUBSCRIBE"], &[(2, 1)]),
    Send(2, &["PING"], &[(2, 1)]),
    Send(2, &["EXEC"], &[(2, 1)]),
    Send(3, &["SUBSCRIBE", "r"], &[(3, 1)]),
    Send(3, &["PSUBSCRIBE", "r*"], &[(3, 1)]),
    Send(4, &["PUBLISH", "r", "early"], &[(4, 1), (3, 2)]),
    Send(3, &["RESET"], &[(3, 1)]),
    Send(4, &["PUBLISH", "r", "late"], &[(4, 1)]),
    Send(3, &["GET", "kk"], &[(3, 1)]),
    Send(3, &["PING"], &[(3, 1)]),
    Send(3, &["UNSUBSCRIBE"], &[(3, 1)]),
];

const RESP3_PUSHES: &[Step] = &[
    Hello(0, "3"),
    Send(0, &["SUBSCRIBE", "a"], &[(0, 1)]),
    Send(0, &["PING"], &[(0, 1)]),
    Send(0, &["PING", "x"], &[(0, 1)]),
    Send(0, &["SET", "k3", "v"], &[(0, 1)]),
    Send(0, &["GET", "k3"], &[(0, 1)]),
    Send(1, &["PUBLISH", "a", "m"], &[(1, 1), (0, 1)]),
    Send(0, &["PSUBSCRIBE", "a*"], &[(0, 1)]),
    // Its own messages come before PUBLISH's reply.
    Send(0, &["PUBLISH", "a", "self"], &[(0, 3)]),
    Send(0, &["SSUBSCRIBE", "s"], &[(0, 1)]),
    Send(0, &["SPUBLISH", "s", "shard"], &[(0, 2)]),
    Send(0, &["UNSUBSCRIBE"], &[(0, 1)]),
    Send(0, &["UNSUBSCRIBE"], &[(0, 1)]),
    Send(0, &["PUNSUBSCRIBE"], &[(0, 1)]),
    Send(0, &["PUNSUBSCRIBE"], &[(0, 1)]),
    Send(0, &["SUNSUBSCRIBE"], &[(0, 1)]),
    Send(0, &["SUNSUBSCRIBE"], &[(0, 1)]),
    Hello(1, "3"),
    Send(1, &["MULTI"], &[(1, 1)]),
    Send(1, &["SUBSCRIBE", "c"], &[(1, 1)]),
    Send(1, &["PUBLISH", "c", "x"], &[(1, 1)]),
    Send(1, &["PING"], &[(1, 1)]),
    // The message push inside the array shifts PONG out of it.
    Send(1, &["EXEC"], &[(1, 2)]),
    Send(1, &["PING"], &[(1, 1)]),
    // Back to RESP2 while subscribed: the rules apply again.
    Hello(1, "2"),
    Send(1, &["GET", "k3"], &[(1, 1)]),
    Send(1, &["PING"], &[(1, 1)]),
    Send(1, &["RESET"], &[(1, 1)]),
    Send(1, &["GET", "k3"], &[(1, 1)]),
];

/// Whether writes publish keyspace events in this build.
fn notifications_wired() -> bool {
    let store = Store::new();
    let _ = store.config_set(&[("notify-keyspace-events", "KEA")]);
    let mut probe = store.subscriber();
    probe.subscribe(["__keyevent@0__:set"]);
    let _ = store.set("k", "v");
    std::iter::from_fn(|| probe.get_message(Duration::ZERO).ok().flatten())
        .any(|m| !m.kind().is_confirmation())
}

const KEYSPACE_EVENTS: &[Step] = &[
    Send(
        1,
        &["CONFIG", "SET", "notify-keyspace-events", "KEA"],
        &[(1, 1)],
    ),
    Send(0, &["PSUBSCRIBE", "__key*@0__:*"], &[(0, 1)]),
    Send(1, &["SET", "ev", "1"], &[(1, 1), (0, 2)]),
    Send(1, &["INCR", "ev"], &[(1, 1), (0, 2)]),
    Send(1, &["EXPIRE", "ev", "100"], &[(1, 1), (0, 2)]),
    Send(1, &["DEL", "ev"], &[(1, 1), (0, 2)]),
    Send(1, &["RPUSH", "evl", "a", "b"], &[(1, 1), (0, 2)]),
    Send(1, &["HSET", "evh", "f", "v"], &[(1, 1), (0, 2)]),
    Send(1, &["DEL", "evl", "evh"], &[(1, 1), (0, 4)]),
    Hello(2, "3"),
    Send(2, &["SUBSCRIBE", "__keyevent@0__:set"], &[(2, 1)]),
    Send(2, &["SET", "own", "v"], &[(2, 2), (0, 2)]),
    Send(
        1,
        &["CONFIG", "SET", "notify-keyspace-events", ""],
        &[(1, 1)],
    ),
    Send(1, &["SET", "quiet", "v"], &[(1, 1)]),
    Send(0, &["PING"], &[(0, 1)]),
];

#[test]
fn pubsub_conversations_match_redis_byte_for_byte() {
    let bin = match locate_redis_server() {
        Ok(bin) => bin,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let redis = RedisServer::start(&bin, &[]).expect("redis-server starts");
    let store = Store::new();
    let ours = Running::start(&store, ServerConfig::new());
    compare("RESP2 basics", &redis, &ours, RESP2_BASICS);
    compare(
        "RESP2 transactions and RESET",
        &redis,
        &ours,
        RESP2_TRANSACTIONS_AND_RESET,
    );
    compare("RESP3 pushes", &redis, &ours, RESP3_PUSHES);
    if notifications_wired() {
        compare("keyspace events", &redis, &ours, KEYSPACE_EVENTS);
    } else {
        println!("skipped: keyspace events (writes publish none in this build)");
    }
}
