//! Concurrency: atomic counters, multi-key atomicity across shards, no
//! deadlock under random multi-key traffic, and clean shutdown of the
//! background thread.
//!
//! Tests in this file run one at a time (they share the machine's two cores
//! and the thread count of the process).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

mod common;

use common::rng::Rng;
use common::watchdog::with_watchdog;
use kvstore::{Config, Reply, Store};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn store_without_thread(shards: usize) -> Store {
    Store::open(
        Config::builder()
            .shards(shards)
            .active_expire(false)
            .build(),
    )
    .expect("open")
}

#[test]
fn store_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Store>();
    let _g = serial();
    let store = store_without_thread(8);
    let clone = store.clone();
    clone.set("shared", "yes").unwrap();
    thread::spawn(move || assert_eq!(clone.get("shared").unwrap(), Some(b"yes".to_vec())))
        .join()
        .unwrap();
    assert_eq!(store.get("shared").unwrap(), Some(b"yes".to_vec()));
}

#[test]
fn concurrent_incr_on_one_key_loses_nothing() {
    let _g = serial();
    const THREADS: usize = 8;
    const PER_THREAD: usize = 100_000;
    let store = store_without_thread(64);
    let result = with_watchdog("8 x 100k INCR", Duration::from_secs(120), move || {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let store = store.clone();
                thread::spawn(move || {
                    let mut last = 0;
                    for _ in 0..PER_THREAD {
                        let n = store.incr("counter").unwrap();
                        assert!(n > last, "INCR went backwards: {last} then {n}");
                        last = n;
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("worker");
        }
        store.get("counter").unwrap()
    });
    assert_eq!(
        result,
        Some((THREADS * PER_THREAD).to_string().into_bytes())
    );
}

#[test]
fn concurrent_incrby_on_separate_keys() {
    let _g = serial();
    const THREADS: usize = 8;
    const PER_THREAD: i64 = 100_000;
    let store = store_without_thread(64);
    let check = store.clone();
    with_watchdog("8 x 100k INCRBY", Duration::from_secs(120), move || {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let store = store.clone();
                thread::spawn(move || {
                    let own = format!("own:{t}");
                    for i in 0..PER_THREAD {
                        // Every thread also hits one shared key.
                        store.incrby(&own, 3).unwrap();
                        if i % 10 == 0 {
                            store.decrby("shared", 2).unwrap();
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("worker");
        }
    });
    for t in 0..THREADS {
        assert_eq!(
            check.get(format!("own:{t}")).unwrap(),
            Some((3 * PER_THREAD).to_string().into_bytes())
        );
    }
    assert_eq!(
        check.get("shared").unwrap(),
        Some(
            (-2 * THREADS as i64 * PER_THREAD / 10)
                .to_string()
                .into_bytes()
        )
    );
}

/// Keys spread over many slots (and so over many shards).
fn spread_keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("spread:{i}")).collect()
}

#[test]
fn mset_is_never_seen_half_applied() {
    let _g = serial();
    let store = store_without_thread(256);
    let keys = spread_keys(64);
    let shards: std::collections::HashSet<usize> = keys
        .iter()
        .map(|k| usize::from(kvstore::cluster::key_slot(k.as_bytes())) * 256 / 16384)
        .collect();
    assert!(shards.len() > 30, "keys should span many shards");
    store.mset(keys.iter().map(|k| (k.as_str(), "a"))).unwrap();

    let reads = Arc::new(AtomicUsize::new(0));
    let torn = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let (store2, keys2, reads2, torn2, done2) = (
        store.clone(),
        keys.clone(),
        reads.clone(),
        torn.clone(),
        done.clone(),
    );
    with_watchdog("MSET vs MGET", Duration::from_secs(120), move || {
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let (store, keys) = (store2.clone(), keys2.clone());
                thread::spawn(move || {
                    for round in 0..1500 {
                        let value = if (round + w) % 2 == 0 { "a" } else { "b" };
                        if round % 3 == 0 {
                            let mut argv: Vec<&str> = vec!["MSET"];
                            for k in &keys {
                                argv.push(k);
                                argv.push(value);
                            }
                            assert_eq!(store.execute(&argv), Reply::ok());
                        } else {
                            store
                                .mset(keys.iter().map(|k| (k.as_str(), value)))
                                .unwrap();
                        }
                    }
                })
            })
            .collect();
        let readers: Vec<_> = (0..3)
            .map(|r| {
                let (store, keys, reads, torn, done) = (
                    store2.clone(),
                    keys2.clone(),
                    reads2.clone(),
                    torn2.clone(),
                    done2.clone(),
                );
                thread::spawn(move || {
                    // At least a few reads even if the writers finish first.
                    let mut n = 0;
                    while !done.load(Ordering::Acquire) || n < 100 {
                        let values: Vec<Option<Vec<u8>>> = if r == 0 {
                            match store.execute(&keys.iter().fold(vec!["MGET"], |mut v, k| {
                                v.push(k);
                                v
                            })) {
                                Reply::Array(items) => items
                                    .into_iter()
                                    .map(|i| match i {
                                        Reply::Bulk(b) => Some(b),
                                        _ => None,
                                    })
                                    .collect(),
                                other => panic!("MGET replied {other:?}"),
                            }
                        } else {
                            store.mget(&keys).unwrap()
                        };
                        let first = &values[0];
                        if first.is_none() || values.iter().any(|v| v != first) {
                            torn.fetch_add(1, Ordering::Relaxed);
                        }
                        n += 1;
                    }
                    reads.fetch_add(n, Ordering::Relaxed);
                })
            })
            .collect();
        for w in writers {
            w.join().expect("writer");
        }
        done.store(true, Ordering::Release);
        for r in readers {
            r.join().expect("reader");
        }
    });
    assert!(reads.load(Ordering::Relaxed) >= 300);
    assert_eq!(
        torn.load(Ordering::Relaxed),
        0,
        "MGET saw a half-applied MSET"
    );
}

/// One random multi-key command on `keys`.
fn random_command(store: &Store, rng: &mut Rng, keys: &[String]) {
    fn pick(rng: &mut Rng, keys: &[String]) -> String {
        keys[rng.index(keys.len())].clone()
    }
    let op = rng.index(12);
    let n = 1 + rng.index(6);
    let many =
        |rng: &mut Rng, n: usize| -> Vec<String> { (0..n).map(|_| pick(rng, keys)).collect() };
    match op {
        0 => {
            let ks = many(rng, n);
            store.mset(ks.iter().map(|k| (k.as_str(), "v"))).unwrap();
        }
        1 => {
            let ks = many(rng, n);
            assert_eq!(store.mget(&ks).unwrap().len(), n);
        }
        2 => {
            store.del(many(rng, n)).unwrap();
        }
        3 => {
            let ks = many(rng, 2);
            match store.rename(&ks[0], &ks[1]) {
                Ok(()) | Err(kvstore::Error::NoSuchKey) => {}
                Err(e) => panic!("RENAME: {e}"),
            }
        }
        4 => {
            let ks = many(rng, 2);
            match store.copy(&ks[0], &ks[1], rng.index(2) == 0) {
                Ok(_) | Err(kvstore::Error::SameObject) => {}
                Err(e) => panic!("COPY: {e}"),
            }
        }
        5 => {
            store.exists(many(rng, n)).unwrap();
        }
        6 => {
            let ks = many(rng, n);
            store.msetnx(ks.iter().map(|k| (k.as_str(), "nx"))).unwrap();
        }
        7 => {
            let ks = many(rng, 2);
            let _ = store.renamenx(&ks[0], &ks[1]);
        }
        8 => {
            // The same commands through the command layer.
            let ks = many(rng, n);
            let mut argv: Vec<&str> = vec![["DEL", "EXISTS", "MGET", "UNLINK"][rng.index(4)]];
            argv.extend(ks.iter().map(String::as_str));
            assert!(!store.execute(&argv).is_error());
        }
        9 => {
            let ks = many(rng, 2);
            let reply = store.execute(&["COPY", &ks[0], &ks[1], "REPLACE"]);
            assert!(
                !reply.is_error() || ks[0] == ks[1],
                "COPY replied {reply:?}"
            );
        }
        10 => {
            let k = pick(rng, keys);
            let _ = store.incr(&k);
            let _ = store.pexpire(&k, 1 + rng.index(5) as i64);
        }
        _ => {
            // Rarely, whole-keyspace commands (every shard locked).
            match rng.index(50) {
                0 => {
                    store.keys("*").unwrap();
                }
                1 => {
                    let _ = store.dbsize();
                }
                2 => {
                    store.active_expire_cycle();
                }
                3 => {
                    store.randomkey().unwrap();
                }
                _ => {
                    store
                        .scan(
                            rng.next_u64() & 0xffff_ffff_ffff,
                            &kvstore::ScanOptions::new(),
                        )
                        .unwrap();
                }
            }
        }
    }
}

#[test]
fn random_multi_key_traffic_never_deadlocks() {
    let _g = serial();
    const THREADS: usize = 8;
    const OPS: usize = 40_000;
    for shards in [4usize, 64] {
        let store = Store::open(Config::builder().shards(shards).hz(200).build()).expect("open");
        // Mix of spread keys and keys sharing a hash tag (one shard).
        let mut keys = spread_keys(40);
        keys.extend((0..8).map(|i| format!("{{hot}}:{i}")));
        let keys = Arc::new(keys);
        let done = Arc::new(AtomicUsize::new(0));
        let (store2, done2) = (store.clone(), done.clone());
        with_watchdog(
            &format!("random multi-key traffic, {shards} shards"),
            Duration::from_secs(60),
            move || {
                let workers: Vec<_> = (0..THREADS)
                    .map(|t| {
                        let (store, keys, done) = (store2.clone(), keys.clone(), done2.clone());
                        thread::spawn(move || {
                            let mut rng = Rng::new(t as u64 + 1 + shards as u64 * 100);
                            for _ in 0..OPS {
                                random_command(&store, &mut rng, &keys);
                            }
                            done.fetch_add(1, Ordering::Relaxed);
                        })
                    })
                    .collect();
                for w in workers {
                    w.join().expect("worker panicked");
                }
            },
        );
        assert_eq!(done.load(Ordering::Relaxed), THREADS);
        // The store is still consistent and usable afterwards.
        let listed = store.keys("*").unwrap();
        assert!(listed.len() <= 48);
        let unique: std::collections::HashSet<_> = listed.iter().collect();
        assert_eq!(unique.len(), listed.len(), "KEYS listed a key twice");
        store.flushdb().unwrap();
        assert_eq!(store.dbsize(), 0);
    }
}

/// Threads of this process whose name is `name` (from /proc/self/task).
fn threads_named(name: &str) -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim_end() == name)
        })
        .count()
}

/// Waits (bounded) until `threads_named(name) == want`: a joined thread's
/// /proc entry may take a moment to disappear.
fn settle(name: &str, want: usize) -> usize {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        let n = threads_named(name);
        if n == want || Instant::now() > give_up {
            return n;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn dropping_the_last_handle_stops_the_background_thread() {
    if !std::path::Path::new("/proc/self/task").exists() {
        eprintln!("no /proc/self/task: skipping the thread count");
        return;
    }
    let _g = serial();
    const NAME: &str = "kvstore-expire";
    let before = settle(NAME, 0);
    assert_eq!(before, 0, "another store's thread is still running");

    // The counting works: a live store shows its thread, clones share it.
    let store = Store::open(Config::builder().hz(500).build()).expect("open");
    let clones: Vec<Store> = (0..4).map(|_| store.clone()).collect();
    // (A new thread names itself once it runs, hence the bounded wait.)
    assert_eq!(settle(NAME, 1), 1);
    drop(store);
    let worker = {
        let c = clones[0].clone();
        thread::spawn(move || c.set("k", "v").unwrap())
    };
    worker.join().unwrap();
    assert_eq!(threads_named(NAME), 1, "clones keep the thread alive");
    drop(clones);
    assert_eq!(settle(NAME, 0), 0, "last handle dropped: thread joined");

    // Create and drop many stores: no thread is left behind.
    for i in 0..1000 {
        let store = Store::open(Config::builder().hz(500).shards(1).build()).expect("open");
        if i % 2 == 0 {
            store.set("k", "v").unwrap();
            let clone = store.clone();
            drop(store);
            drop(clone);
        }
    }
    assert_eq!(settle(NAME, 0), 0, "background threads leaked");

    // Stores without active expiry start no thread at all.
    let quiet = store_without_thread(1);
    assert_eq!(threads_named(NAME), 0);
    drop(quiet);
}
