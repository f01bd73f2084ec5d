//! Blocking list pops across threads: every pushed item delivered exactly
//! once, waiters served first-come-first-served, timeouts honoured, the
//! push propagated before the pops it serves, BLMOVE chains, shutdown.
//!
//! Every test runs under a watchdog, so a lost wake-up fails instead of
//! hanging. Timing assertions only bound from below (a timeout never ends
//! early) and loosely from above.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

mod common;

use common::Recorder;
use common::redis::{Resp, reply_to_resp};
use common::watchdog::with_watchdog;
use kvstore::{Direction, Error, Store, ZEnd};

const LIMIT: Duration = Duration::from_secs(60);

/// Waits until `n` threads are blocked on `store`.
fn wait_blocked(store: &Store, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while store.blocked_clients() < n {
        assert!(Instant::now() < deadline, "waiters never blocked");
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn producers_and_consumers_deliver_every_item_exactly_once() {
    const PRODUCERS: usize = 4;
    const CONSUMERS: usize = 4;
    const TOTAL: usize = 100_000;
    const PER_PRODUCER: usize = TOTAL / PRODUCERS;
    with_watchdog("4 producers, 4 consumers", LIMIT, || {
        let store = Store::new();
        let consumed = Arc::new(AtomicUsize::new(0));
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let store = store.clone();
                let consumed = Arc::clone(&consumed);
                thread::spawn(move || {
                    let mut got = Vec::new();
                    while consumed.load(Ordering::SeqCst) < TOTAL {
                        match store.blpop(["q1", "q2"], Duration::from_millis(200)) {
                            Ok(Some((key, item))) => {
                                assert!(key == b"q1" || key == b"q2");
                                got.push(item);
                                consumed.fetch_add(1, Ordering::SeqCst);
                            }
                            Ok(None) => {}
                            Err(e) => panic!("BLPOP failed: {e}"),
                        }
                    }
                    got
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let store = store.clone();
                thread::spawn(move || {
                    let mut i = 0;
                    let mut batch = 1;
                    while i < PER_PRODUCER {
                        let n = batch.min(PER_PRODUCER - i);
                        let items: Vec<String> = (i..i + n).map(|j| format!("{p}:{j}")).collect();
                        let key = if (i / 7) % 2 == 0 { "q1" } else { "q2" };
                        store.rpush(key, &items).expect("RPUSH");
                        i += n;
                        batch = batch % 16 + 1; // 1 to 16 items per push
                    }
                })
            })
            .collect();
        for p in producers {
            p.join().expect("producer");
        }
        let mut seen = HashSet::with_capacity(TOTAL);
        for c in consumers {
            for item in c.join().expect("consumer") {
                assert!(
                    seen.insert(item.clone()),
                    "delivered twice: {}",
                    String::from_utf8_lossy(&item)
                );
            }
        }
        assert_eq!(seen.len(), TOTAL, "items lost");
        for p in 0..PRODUCERS {
            for j in 0..PER_PRODUCER {
                assert!(seen.contains(format!("{p}:{j}").as_bytes()));
            }
        }
        assert_eq!(store.llen("q1").unwrap() + store.llen("q2").unwrap(), 0);
        assert_eq!(store.blocked_clients(), 0);
    });
}

#[test]
fn waiters_are_served_in_arrival_order() {
    with_watchdog("FIFO waiters", LIMIT, || {
        for round in 0..5 {
            let store = Store::new();
            let mut waiters = Vec::new();
            for i in 0..3 {
                let s = store.clone();
                waiters.push(thread::spawn(move || {
                    s.blpop(["k"], Duration::from_secs(20)).expect("BLPOP")
                }));
                wait_blocked(&store, i + 1);
            }
            assert_eq!(store.rpush("k", ["1", "2", "3"]).unwrap(), 3);
            for (i, w) in waiters.into_iter().enumerate() {
                let got = w.join().expect("waiter");
                assert_eq!(
                    got,
                    Some((b"k".to_vec(), (i + 1).to_string().into_bytes())),
                    "round {round}: waiter {i}"
                );
            }
            assert_eq!(store.llen("k").unwrap(), 0);
        }
    });
}

#[test]
fn a_waiter_on_several_keys_is_served_once() {
    with_watchdog("multi-key waiter", LIMIT, || {
        let store = Store::new();
        let s = store.clone();
        let w = thread::spawn(move || s.brpop(["x", "y", "x"], Duration::from_secs(20)));
        wait_blocked(&store, 1);
        store.rpush("y", ["1", "2"]).unwrap();
        assert_eq!(
            w.join().unwrap().unwrap(),
            Some((b"y".to_vec(), b"2".to_vec()))
        );
        assert_eq!(store.lrange("y", 0, -1).unwrap(), [b"1"]);
        store.rpush("x", ["z"]).unwrap();
        assert_eq!(store.lrange("x", 0, -1).unwrap(), [b"z"]);
        assert_eq!(store.blocked_clients(), 0);
    });
}

#[test]
fn timeouts_are_honoured() {
    with_watchdog("timeouts", LIMIT, || {
        let store = Store::new();
        let t = Duration::from_millis(100);
        let check = |what: &str, started: Instant| {
            let took = started.elapsed();
            assert!(
                took >= t,
                "{what} returned after {took:?}, before its timeout"
            );
            assert!(took < Duration::from_secs(1), "{what} took {took:?}");
        };
        let started = Instant::now();
        assert_eq!(store.blpop(["empty"], t).unwrap(), None);
        check("BLPOP", started);
        let started = Instant::now();
        assert_eq!(store.brpop(["empty", "empty2"], t).unwrap(), None);
        check("BRPOP", started);
        let started = Instant::now();
        assert_eq!(
            store
                .blmove("empty", "d", Direction::Left, Direction::Right, t)
                .unwrap(),
            None
        );
        check("BLMOVE", started);
        let started = Instant::now();
        assert_eq!(store.brpoplpush("empty", "d", t).unwrap(), None);
        check("BRPOPLPUSH", started);
        let started = Instant::now();
        assert_eq!(
            store.blmpop(["empty"], Direction::Left, 2, t).unwrap(),
            None
        );
        check("BLMPOP", started);
        assert_eq!(store.exists(["empty", "d"]).unwrap(), 0);
        assert_eq!(store.blocked_clients(), 0);

        // Through execute: Redis 7.0 answers every timed-out blocking pop
        // with a null array (`*-1`), BLMOVE and BRPOPLPUSH included (their
        // non-blocking forms answer a null bulk).
        let started = Instant::now();
        let reply = reply_to_resp(&store.execute(&["BLPOP", "empty", "0.05"]));
        assert_eq!(reply, Resp::NullArray);
        assert!(started.elapsed() >= Duration::from_millis(50));
        let reply = reply_to_resp(&store.execute(&["BLMPOP", "0.01", "1", "empty", "LEFT"]));
        assert_eq!(reply, Resp::NullArray);
        let reply = reply_to_resp(&store.execute(&["BRPOPLPUSH", "empty", "d", "0.01"]));
        assert_eq!(reply, Resp::NullArray);
        let reply =
            reply_to_resp(&store.execute(&["BLMOVE", "empty", "d", "LEFT", "LEFT", "0.01"]));
        assert_eq!(reply, Resp::NullArray);
        // Served at once when there is something.
        store.rpush("full", ["a"]).unwrap();
        let reply = reply_to_resp(&store.execute(&["BLPOP", "empty", "full", "0"]));
        assert_eq!(
            reply,
            Resp::Array(vec![
                Resp::Bulk(b"full".to_vec()),
                Resp::Bulk(b"a".to_vec())
            ])
        );
        // Bad timeouts fail at once.
        for (t, text) in [
            ("-1", "ERR timeout is negative"),
            ("abc", "ERR timeout is not a float or out of range"),
        ] {
            let reply = reply_to_resp(&store.execute(&["BLPOP", "empty", t]));
            assert_eq!(reply, Resp::Error(text.as_bytes().to_vec()), "timeout {t}");
        }
        // A key of another kind: WRONGTYPE at once, no waiting.
        store.set("s", "x").unwrap();
        let started = Instant::now();
        assert_eq!(store.blpop(["s"], Duration::ZERO), Err(Error::WrongType));
        assert!(started.elapsed() < Duration::from_secs(1));
    });
}

fn cmds(list: &[&[&str]]) -> Vec<Vec<String>> {
    list.iter()
        .map(|c| c.iter().map(|s| (*s).to_owned()).collect())
        .collect()
}

#[test]
fn the_push_is_propagated_before_the_pops_it_serves() {
    with_watchdog("propagation order", LIMIT, || {
        let store = Store::new();
        let rec = Arc::new(Recorder::default());
        store.add_write_observer(rec.clone());

        let s = store.clone();
        let w = thread::spawn(move || s.blpop(["k"], Duration::from_secs(20)));
        wait_blocked(&store, 1);
        store.rpush("k", ["a", "b"]).unwrap();
        assert_eq!(
            w.join().unwrap().unwrap(),
            Some((b"k".to_vec(), b"a".to_vec()))
        );
        assert_eq!(
            rec.take(),
            cmds(&[&["RPUSH", "k", "a", "b"], &["LPOP", "k"]])
        );

        let s = store.clone();
        let w = thread::spawn(move || s.brpop(["k"], Duration::from_secs(20)));
        // Served at once: propagated as its non-blocking form.
        assert_eq!(
            w.join().unwrap().unwrap(),
            Some((b"k".to_vec(), b"b".to_vec()))
        );
        assert_eq!(rec.take(), cmds(&[&["RPOP", "k"]]));

        let s = store.clone();
        let w = thread::spawn(move || {
            s.blmove(
                "src",
                "dst",
                Direction::Right,
                Direction::Left,
                Duration::from_secs(20),
            )
        });
        wait_blocked(&store, 1);
        store.lpush("src", ["x", "y"]).unwrap();
        assert_eq!(w.join().unwrap().unwrap(), Some(b"x".to_vec()));
        let got = rec.take();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0], ["LPUSH", "src", "x", "y"]);
        let upper: Vec<String> = got[1].iter().map(|a| a.to_ascii_uppercase()).collect();
        assert_eq!(upper, ["LMOVE", "SRC", "DST", "RIGHT", "LEFT"]);

        let s = store.clone();
        let w = thread::spawn(move || {
            s.blmpop(["none", "m"], Direction::Right, 5, Duration::from_secs(20))
        });
        wait_blocked(&store, 1);
        store.rpush("m", ["1", "2", "3"]).unwrap();
        assert_eq!(
            w.join().unwrap().unwrap(),
            Some((
                b"m".to_vec(),
                vec![b"3".to_vec(), b"2".to_vec(), b"1".to_vec()]
            ))
        );
        // As Redis: the count popped, not the count asked for.
        assert_eq!(
            rec.take(),
            cmds(&[&["RPUSH", "m", "1", "2", "3"], &["RPOP", "m", "3"]])
        );
        assert_eq!(store.exists(["m"]).unwrap(), 0);
    });
}

#[test]
fn blmove_chains_serve_the_next_waiter() {
    with_watchdog("BLMOVE chain", LIMIT, || {
        let store = Store::new();
        // a -> b (BLMOVE), b -> c (BLMOVE), c (BLPOP): one push on a
        // travels the whole chain.
        let s1 = store.clone();
        let hop1 = thread::spawn(move || {
            s1.blmove(
                "a",
                "b",
                Direction::Left,
                Direction::Right,
                Duration::from_secs(20),
            )
        });
        wait_blocked(&store, 1);
        let s2 = store.clone();
        let hop2 = thread::spawn(move || s2.brpoplpush("b", "c", Duration::from_secs(20)));
        wait_blocked(&store, 2);
        let s3 = store.clone();
        let end = thread::spawn(move || s3.blpop(["c"], Duration::from_secs(20)));
        wait_blocked(&store, 3);
        store.rpush("a", ["item"]).unwrap();
        assert_eq!(hop1.join().unwrap().unwrap(), Some(b"item".to_vec()));
        assert_eq!(hop2.join().unwrap().unwrap(), Some(b"item".to_vec()));
        assert_eq!(
            end.join().unwrap().unwrap(),
            Some((b"c".to_vec(), b"item".to_vec()))
        );
        assert_eq!(store.exists(["a", "b", "c"]).unwrap(), 0);
        assert_eq!(store.blocked_clients(), 0);
    });
}

#[test]
fn shutdown_wakes_waiters_and_refuses_new_ones() {
    with_watchdog("shutdown", LIMIT, || {
        let store = Store::new();
        let waiters: Vec<_> = (0..3)
            .map(|i| {
                let s = store.clone();
                thread::spawn(move || match i {
                    0 => s.blpop(["k"], Duration::ZERO).map(|_| ()),
                    1 => s
                        .blmove("k", "d", Direction::Left, Direction::Left, Duration::ZERO)
                        .map(|_| ()),
                    _ => s
                        .blmpop(["k", "j"], Direction::Left, 1, Duration::ZERO)
                        .map(|_| ()),
                })
            })
            .collect();
        wait_blocked(&store, 3);
        store.shutdown();
        for w in waiters {
            assert_eq!(w.join().unwrap(), Err(Error::Shutdown));
        }
        assert_eq!(store.blocked_clients(), 0);
        let started = Instant::now();
        assert_eq!(store.blpop(["k"], Duration::ZERO), Err(Error::Shutdown));
        assert_eq!(
            store.brpoplpush("k", "d", Duration::from_secs(5)),
            Err(Error::Shutdown)
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        // Other commands keep working.
        assert_eq!(store.rpush("k", ["v"]).unwrap(), 1);
        assert_eq!(store.lpop("k").unwrap(), Some(b"v".to_vec()));
    });
}

#[test]
fn a_timed_out_waiter_leaves_no_trace() {
    with_watchdog("timed-out waiter", LIMIT, || {
        let store = Store::new();
        assert_eq!(store.blpop(["k"], Duration::from_millis(20)).unwrap(), None);
        assert_eq!(store.blocked_clients(), 0);
        // The push is not taken by a waiter that has gone.
        store.rpush("k", ["v"]).unwrap();
        assert_eq!(store.lrange("k", 0, -1).unwrap(), [b"v"]);
    });
}

// ---------------------------------------------------------------------------
// Sorted sets: BZPOPMIN / BZPOPMAX / BZMPOP on the same machinery.
// ---------------------------------------------------------------------------

fn member_score(got: Option<(Vec<u8>, Vec<u8>, f64)>) -> Option<(String, String, f64)> {
    got.map(|(k, m, s)| {
        (
            String::from_utf8_lossy(&k).into_owned(),
            String::from_utf8_lossy(&m).into_owned(),
            s,
        )
    })
}

#[test]
fn bzpopmin_is_served_by_zadd_from_another_thread() {
    with_watchdog("BZPOPMIN served by ZADD", LIMIT, || {
        let store = Store::new();
        let s = store.clone();
        let w = thread::spawn(move || s.bzpopmin(["none", "z"], Duration::from_secs(20)));
        wait_blocked(&store, 1);
        assert_eq!(store.zadd("z", [(2.0, "b"), (1.0, "a")]).unwrap(), 2);
        assert_eq!(
            member_score(w.join().unwrap().unwrap()),
            Some(("z".into(), "a".into(), 1.0))
        );
        assert_eq!(
            store.zrange("z", &kvstore::ZRange::by_rank(0, -1)).unwrap(),
            [(b"b".to_vec(), 2.0)]
        );
        let s = store.clone();
        let w = thread::spawn(move || s.bzpopmax(["y"], Duration::from_secs(20)));
        wait_blocked(&store, 1);
        // ZINCRBY creating the key serves too.
        assert_eq!(store.zincrby("y", 5.5, "m").unwrap(), 5.5);
        assert_eq!(
            member_score(w.join().unwrap().unwrap()),
            Some(("y".into(), "m".into(), 5.5))
        );
        assert_eq!(store.exists(["y"]).unwrap(), 0);
        let s = store.clone();
        let w =
            thread::spawn(move || s.bzmpop(["x", "z2"], ZEnd::Max, 10, Duration::from_secs(20)));
        wait_blocked(&store, 1);
        store
            .zadd("z2", [(1.0, "a"), (3.0, "c"), (2.0, "b")])
            .unwrap();
        assert_eq!(
            w.join().unwrap().unwrap(),
            Some((
                b"z2".to_vec(),
                vec![
                    (b"c".to_vec(), 3.0),
                    (b"b".to_vec(), 2.0),
                    (b"a".to_vec(), 1.0)
                ]
            ))
        );
        assert_eq!(store.exists(["z2"]).unwrap(), 0);
        // A list push does not serve a sorted-set waiter (nor the reverse).
        let s = store.clone();
        let w = thread::spawn(move || s.bzpopmin(["k"], Duration::from_millis(200)));
        wait_blocked(&store, 1);
        store.rpush("other", ["x"]).unwrap();
        assert_eq!(w.join().unwrap().unwrap(), None);
        assert_eq!(store.blocked_clients(), 0);
    });
}

#[test]
fn zset_waiters_are_served_in_arrival_order() {
    with_watchdog("FIFO zset waiters", LIMIT, || {
        for round in 0..3 {
            let store = Store::new();
            let mut waiters = Vec::new();
            for i in 0..3 {
                let s = store.clone();
                waiters.push(thread::spawn(move || {
                    s.bzpopmin(["z"], Duration::from_secs(20))
                        .expect("BZPOPMIN")
                }));
                wait_blocked(&store, i + 1);
            }
            store
                .zadd("z", [(3.0, "c"), (1.0, "a"), (2.0, "b")])
                .unwrap();
            for (i, w) in waiters.into_iter().enumerate() {
                let want = ["a", "b", "c"][i];
                assert_eq!(
                    member_score(w.join().expect("waiter")),
                    Some(("z".into(), want.into(), (i + 1) as f64)),
                    "round {round}: waiter {i}"
                );
            }
            assert_eq!(store.zcard("z").unwrap(), 0);
            assert_eq!(store.blocked_clients(), 0);
        }
    });
}

#[test]
fn zset_timeouts_are_honoured() {
    with_watchdog("zset timeouts", LIMIT, || {
        let store = Store::new();
        let t = Duration::from_millis(100);
        let check = |what: &str, started: Instant| {
            let took = started.elapsed();
            assert!(
                took >= t,
                "{what} returned after {took:?}, before its timeout"
            );
            assert!(took < Duration::from_secs(1), "{what} took {took:?}");
        };
        let started = Instant::now();
        assert_eq!(store.bzpopmin(["empty"], t).unwrap(), None);
        check("BZPOPMIN", started);
        let started = Instant::now();
        assert_eq!(store.bzpopmax(["empty", "empty2"], t).unwrap(), None);
        check("BZPOPMAX", started);
        let started = Instant::now();
        assert_eq!(store.bzmpop(["empty"], ZEnd::Min, 3, t).unwrap(), None);
        check("BZMPOP", started);
        assert_eq!(store.blocked_clients(), 0);
        // Through execute: a timed-out blocking pop answers a null array.
        for argv in [
            &["BZPOPMIN", "empty", "0.02"][..],
            &["BZPOPMAX", "empty", "0.02"],
            &["BZMPOP", "0.02", "1", "empty", "MIN"],
        ] {
            assert_eq!(
                reply_to_resp(&store.execute(argv)),
                Resp::NullArray,
                "{argv:?}"
            );
        }
        // Served at once when there is something.
        store.zadd("full", [(1.5, "a")]).unwrap();
        assert_eq!(
            reply_to_resp(&store.execute(&["BZPOPMIN", "empty", "full", "0"])),
            Resp::Array(vec![
                Resp::Bulk(b"full".to_vec()),
                Resp::Bulk(b"a".to_vec()),
                Resp::Bulk(b"1.5".to_vec()),
            ])
        );
        // Bad timeouts fail at once; another kind is WRONGTYPE at once.
        assert_eq!(
            reply_to_resp(&store.execute(&["BZPOPMIN", "empty", "-1"])),
            Resp::Error(b"ERR timeout is negative".to_vec())
        );
        store.set("s", "x").unwrap();
        let started = Instant::now();
        assert_eq!(store.bzpopmin(["s"], Duration::ZERO), Err(Error::WrongType));
        assert!(started.elapsed() < Duration::from_secs(1));
        // A timed-out waiter does not take a later ZADD.
        store.zadd("late", [(1.0, "v")]).unwrap();
        assert_eq!(store.zcard("late").unwrap(), 1);
    });
}

/// As Redis 7.0 writes to its AOF: the ZADD, then `ZPOPMIN key` for a
/// served BZPOPMIN, and `ZPOPMAX key <popped>` for a BZMPOP (the count
/// popped, not the count asked for).
#[test]
fn the_zadd_is_propagated_before_the_pops_it_serves() {
    with_watchdog("zset propagation order", LIMIT, || {
        let store = Store::new();
        let rec = Arc::new(Recorder::default());
        store.add_write_observer(rec.clone());

        let s = store.clone();
        let w = thread::spawn(move || s.bzpopmin(["z"], Duration::from_secs(20)));
        wait_blocked(&store, 1);
        store.zadd("z", [(1.0, "a"), (2.0, "b")]).unwrap();
        assert!(w.join().unwrap().unwrap().is_some());
        assert_eq!(
            rec.take(),
            cmds(&[&["ZADD", "z", "1", "a", "2", "b"], &["ZPOPMIN", "z"]])
        );

        // Served at once: its non-blocking form.
        assert!(
            store
                .bzpopmax(["z"], Duration::from_secs(20))
                .unwrap()
                .is_some()
        );
        assert_eq!(rec.take(), cmds(&[&["ZPOPMAX", "z"]]));

        let s = store.clone();
        let w =
            thread::spawn(move || s.bzmpop(["none", "y"], ZEnd::Max, 5, Duration::from_secs(20)));
        wait_blocked(&store, 1);
        store
            .zadd("y", [(1.0, "a"), (2.0, "b"), (3.0, "c")])
            .unwrap();
        assert!(w.join().unwrap().unwrap().is_some());
        assert_eq!(
            rec.take(),
            cmds(&[
                &["ZADD", "y", "1", "a", "2", "b", "3", "c"],
                &["ZPOPMAX", "y", "3"]
            ])
        );
        assert_eq!(store.exists(["y"]).unwrap(), 0);
    });
}
