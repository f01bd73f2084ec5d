//! `MULTI`/`EXEC`/`DISCARD`/`WATCH` against a real redis-server: the same
//! scripts, over two connections each, to Redis and to our server; every
//! reply compared at the RESP level. Scripted edge cases first, then seeded
//! random scripts (`KVSTORE_TX_SEED` replays one, `KVSTORE_TX_ROUNDS` sets
//! how many, default 300). Skips with a `skipped:`
//! line when no redis-server is on PATH.
#![cfg(feature = "server")]

mod common;

use common::redis::{RedisServer, Resp, RespClient, format_argv, locate_redis_server};
use common::rng::Rng;
use kvstore::Store;
use kvstore::server::{Server, ServerConfig, ServerHandle};

/// One side: two connections to one server.
struct Side {
    conns: [RespClient; 2],
}

impl Side {
    fn call(&mut self, conn: usize, argv: &[String]) -> Resp {
        self.conns[conn]
            .call(argv)
            .unwrap_or_else(|e| panic!("I/O error on {}: {e}", format_argv(argv)))
    }
}

struct Sides {
    redis: Side,
    ours: Side,
    handle: Option<ServerHandle>,
    _redis_server: RedisServer,
}

impl Drop for Sides {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown();
            let _ = h.join();
        }
    }
}

fn start() -> Option<Sides> {
    let bin = match locate_redis_server() {
        Ok(bin) => bin,
        Err(why) => {
            println!("skipped: {why}");
            return None;
        }
    };
    let redis_server = RedisServer::start(&bin, &[]).expect("start redis-server");
    let redis = Side {
        conns: [
            redis_server.connect().expect("connect"),
            redis_server.connect().expect("connect"),
        ],
    };
    let store = Store::new();
    let server = Server::bind(&store, ServerConfig::new().port(0)).expect("bind");
    let port = server.local_addr().port();
    let handle = server.spawn().expect("spawn");
    let ours = Side {
        conns: [
            RespClient::connect(port).expect("connect"),
            RespClient::connect(port).expect("connect"),
        ],
    };
    Some(Sides {
        redis,
        ours,
        handle: Some(handle),
        _redis_server: redis_server,
    })
}

/// Steps of a script: which connection sends which command.
type Steps = Vec<(usize, Vec<String>)>;

fn argv(words: &str) -> Vec<String> {
    words.split(' ').map(str::to_owned).collect()
}

/// Runs `(connection, command)` steps on both sides; panics at the first
/// reply that differs, with the script so far.
fn run(sides: &mut Sides, label: &str, steps: &[(usize, Vec<String>)]) {
    for (i, (conn, argv)) in steps.iter().enumerate() {
        let theirs = sides.redis.call(*conn, argv);
        let ours = sides.ours.call(*conn, argv);
        if theirs != ours {
            let script: Vec<String> = steps[..=i]
                .iter()
                .map(|(c, a)| format!("  [{c}] {}", format_argv(a)))
                .collect();
            panic!(
                "{label}: replies differ at step {i}\n{}\n  redis:   {theirs:?}\n  kvstore: {ours:?}",
                script.join("\n")
            );
        }
    }
}

fn script(lines: &[(usize, &str)]) -> Steps {
    lines.iter().map(|(c, l)| (*c, argv(l))).collect()
}

#[test]
fn scripted_transactions_match_redis() {
    let Some(mut sides) = start() else { return };
    let cases: Vec<(&str, Steps)> = vec![
        (
            "queue and exec",
            script(&[
                (0, "MULTI"),
                (0, "SET a 1"),
                (0, "INCR a"),
                (0, "LPUSH a x"),
                (0, "GET a"),
                (0, "EXEC"),
            ]),
        ),
        (
            "queueing errors abort",
            script(&[
                (0, "MULTI"),
                (0, "SET b 1"),
                (0, "GET"),
                (0, "NOSUCH x"),
                (0, "OBJECT NOSUCH"),
                (0, "EXEC"),
                (0, "EXISTS b"),
            ]),
        ),
        (
            "refused without aborting",
            script(&[
                (0, "MULTI"),
                (0, "MULTI"),
                (0, "WATCH x"),
                (0, "SET c 1"),
                (0, "EXEC"),
            ]),
        ),
        (
            "without multi",
            script(&[(0, "EXEC"), (0, "DISCARD"), (0, "UNWATCH"), (0, "EXEC x")]),
        ),
        (
            "exec refused for its arity discards the transaction",
            script(&[
                (0, "WATCH e"),
                (0, "MULTI"),
                (0, "SET e 1"),
                (0, "EXEC x"),
                (0, "EXEC"),
                (0, "EXISTS e"),
            ]),
        ),
        (
            "discard",
            script(&[
                (0, "MULTI"),
                (0, "SET d 1"),
                (0, "DISCARD"),
                (0, "EXISTS d"),
                (0, "MULTI"),
                (0, "EXEC"),
            ]),
        ),
        (
            "watch, other connection writes",
            script(&[
                (0, "WATCH w1 w2"),
                (1, "SET w2 x"),
                (0, "MULTI"),
                (0, "SET w1 mine"),
                (0, "EXEC"),
                (0, "GET w1"),
                (0, "MULTI"),
                (0, "SET w1 mine"),
                (0, "EXEC"),
            ]),
        ),
        (
            "watch, no-op writes do not touch",
            script(&[
                (0, "SADD s m"),
                (0, "WATCH s"),
                (1, "SADD s m"),
                (1, "SREM s nope"),
                (1, "EXPIRE nokey 10"),
                (0, "MULTI"),
                (0, "SCARD s"),
                (0, "EXEC"),
            ]),
        ),
        (
            "watch, delete and flush",
            script(&[
                (0, "SET f 1"),
                (0, "WATCH f"),
                (1, "DEL f"),
                (0, "MULTI"),
                (0, "PING"),
                (0, "EXEC"),
                (0, "WATCH never"),
                (1, "FLUSHALL"),
                (0, "MULTI"),
                (0, "PING"),
                (0, "EXEC"),
                (0, "SET g 1"),
                (0, "WATCH g"),
                (1, "FLUSHALL"),
                (0, "MULTI"),
                (0, "PING"),
                (0, "EXEC"),
            ]),
        ),
        (
            "watch, own write and unwatch",
            script(&[
                (0, "WATCH h"),
                (0, "SET h 1"),
                (0, "MULTI"),
                (0, "GET h"),
                (0, "EXEC"),
                (0, "WATCH h"),
                (1, "SET h 2"),
                (0, "UNWATCH"),
                (0, "MULTI"),
                (0, "GET h"),
                (0, "EXEC"),
            ]),
        ),
        (
            "blocking commands inside multi",
            script(&[
                (0, "MULTI"),
                (0, "BLPOP nolist 0"),
                (0, "BRPOPLPUSH nolist other 0"),
                (0, "BZPOPMIN nozset 0"),
                (0, "RPUSH q a"),
                (0, "BLPOP q 0"),
                (0, "EXEC"),
            ]),
        ),
        (
            "connection commands queued",
            script(&[
                (0, "MULTI"),
                (0, "CLIENT SETNAME txname"),
                (0, "SELECT 0"),
                (0, "ECHO hi"),
                (0, "EXEC"),
                (0, "CLIENT GETNAME"),
            ]),
        ),
        (
            "errors at run time stay in the reply",
            script(&[
                (0, "SET str x"),
                (0, "MULTI"),
                (0, "INCR str"),
                (0, "LLEN str"),
                (0, "SET str y"),
                (0, "EXEC"),
                (0, "GET str"),
            ]),
        ),
    ];
    for (label, steps) in cases {
        run(&mut sides, label, &steps);
        run(
            &mut sides,
            label,
            &script(&[(0, "FLUSHALL"), (0, "UNWATCH")]),
        );
    }
}

/// Random scripts over a few keys: writes and reads from both connections
/// interleaved with WATCH/MULTI/EXEC/DISCARD/UNWATCH of connection 0.
#[test]
fn random_transactions_match_redis() {
    let Some(mut sides) = start() else { return };
    let seed = std::env::var("KVSTORE_TX_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    let mut rng = Rng::new(seed);
    let rounds = std::env::var("KVSTORE_TX_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let keys = ["k1", "k2", "k3", "{t}a", "{t}b"];
    for round in 0..rounds {
        let mut steps = Vec::new();
        for _ in 0..rng.range(4, 16) {
            let conn = usize::from(rng.chance(30));
            let key = *rng.pick(&keys);
            let other = *rng.pick(&keys);
            let cmd = match rng.below(20) {
                16 => format!("EXPIRE {key} -1"),
                17 => format!("HSET {key} f v{}", rng.below(2)),
                18 => format!("BLPOP {key} {other} 0.01"),
                19 => format!("SMOVE {key} {other} m0"),
                0 => format!("SET {key} v{}", rng.below(3)),
                1 => format!("INCR {key}"),
                2 => format!("DEL {key}"),
                3 => format!("RPUSH {key} e"),
                4 => format!("SADD {key} m{}", rng.below(2)),
                5 => format!("GET {key}"),
                6 => format!("RENAME {key} {other}"),
                7 => format!("EXPIRE {key} 100"),
                8 => format!("PERSIST {key}"),
                9 => format!("WATCH {key} {other}"),
                10 => "MULTI".to_owned(),
                11 => "EXEC".to_owned(),
                12 => "DISCARD".to_owned(),
                13 => "UNWATCH".to_owned(),
                14 => format!("LPOP {key}"),
                _ => format!("TYPE {key}"),
            };
            steps.push((conn, argv(&cmd)));
        }
        steps.push((0, argv("EXEC")));
        let label = format!("seed {seed} round {round} (KVSTORE_TX_SEED={seed})");
        run(&mut sides, &label, &steps);
        run(
            &mut sides,
            &label,
            &script(&[(0, "DISCARD"), (0, "UNWATCH"), (0, "FLUSHALL")]),
        );
    }
}
