//! Checkpoints under concurrent writers (part of `tests/persistence.rs`):
//! four threads write while several `bgsave`s or `bgrewriteaof`s run in a
//! row; afterwards every acknowledged write is there exactly once, and the
//! last snapshot holds one instant: for each writer a prefix of its writes,
//! with everything acknowledged before the `bgsave` call in it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use kvstore::persist::AppendFsync;
use kvstore::{ManualClock, Store};

use super::common::watchdog::with_watchdog;
use super::{Mode, T0, open};

const WRITERS: usize = 4;
const JOBS: usize = 4;

/// One writer's progress. Its writes are numbered 0, 1, 2 …: write `k` is
/// `INCR ctr:t` when `k % 3 == 0`, `RPUSH list:t k/3` when 1, `SADD set:t k/3`
/// when 2. `started` counts the writes begun, `acked` those that returned.
#[derive(Default)]
struct Progress {
    started: AtomicU64,
    acked: AtomicU64,
}

fn write(store: &Store, t: usize, k: u64) -> kvstore::Result<()> {
    let i = (k / 3).to_string();
    match k % 3 {
        0 => store.incr(format!("ctr:{t}")).map(drop),
        1 => store.rpush(format!("list:{t}"), [i]).map(drop),
        _ => store.sadd(format!("set:{t}"), [i]).map(drop),
    }
}

/// How many of writer `t`'s writes `store` holds, after checking they form
/// a prefix of its sequence (panics naming what is wrong otherwise).
fn writes_held(store: &Store, t: usize, context: &str) -> u64 {
    let ctr: u64 = store
        .get(format!("ctr:{t}"))
        .expect("GET")
        .map_or(0, |v| String::from_utf8_lossy(&v).parse().expect("counter"));
    let list = store.lrange(format!("list:{t}"), 0, -1).expect("LRANGE");
    let mut set: Vec<u64> = store
        .smembers(format!("set:{t}"))
        .expect("SMEMBERS")
        .iter()
        .map(|m| String::from_utf8_lossy(m).parse().expect("member"))
        .collect();
    set.sort_unstable();
    for (i, item) in list.iter().enumerate() {
        assert_eq!(
            item,
            i.to_string().as_bytes(),
            "{context}: writer {t}'s list is not 0, 1, 2 … at index {i} (each value once, in order)"
        );
    }
    let (len, card) = (list.len() as u64, set.len() as u64);
    assert!(
        set.iter().enumerate().all(|(i, m)| *m == i as u64),
        "{context}: writer {t}'s set is not 0..{card}: {set:?}"
    );
    // Writes in order INCR, RPUSH, SADD: a prefix has ctr >= len >= card >= ctr - 1.
    assert!(
        ctr >= len && len >= card && card + 1 >= ctr,
        "{context}: writer {t}: counter {ctr}, list {len}, set {card} is no prefix of its writes"
    );
    ctr + len + card
}

struct Writers {
    stop: Arc<AtomicBool>,
    progress: Arc<Vec<Progress>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Writers {
    fn start(store: &Store) -> Writers {
        let stop = Arc::new(AtomicBool::new(false));
        let progress: Arc<Vec<Progress>> =
            Arc::new((0..WRITERS).map(|_| Progress::default()).collect());
        let threads = (0..WRITERS)
            .map(|t| {
                let (store, stop, progress) = (store.clone(), stop.clone(), progress.clone());
                thread::spawn(move || {
                    let mine = &progress[t];
                    let mut k = 0;
                    while !stop.load(Ordering::SeqCst) {
                        mine.started.store(k + 1, Ordering::SeqCst);
                        if let Err(e) = write(&store, t, k) {
                            panic!("writer {t}: write {k} failed: {e}");
                        }
                        mine.acked.store(k + 1, Ordering::SeqCst);
                        k += 1;
                    }
                })
            })
            .collect();
        Writers {
            stop,
            progress,
            threads,
        }
    }

    fn acked(&self) -> Vec<u64> {
        self.progress
            .iter()
            .map(|p| p.acked.load(Ordering::SeqCst))
            .collect()
    }

    fn started(&self) -> Vec<u64> {
        self.progress
            .iter()
            .map(|p| p.started.load(Ordering::SeqCst))
            .collect()
    }

    /// Stops the writers; every write begun was acknowledged.
    fn finish(self) -> Vec<u64> {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads {
            thread.join().expect("a writer panicked");
        }
        let acked: Vec<u64> = self
            .progress
            .iter()
            .map(|p| p.acked.load(Ordering::SeqCst))
            .collect();
        let started: Vec<u64> = self
            .progress
            .iter()
            .map(|p| p.started.load(Ordering::SeqCst))
            .collect();
        assert_eq!(acked, started, "writes begun but not acknowledged");
        acked
    }
}

/// Which checkpoint runs under the writers.
#[derive(Debug, Clone, Copy)]
enum Job {
    Bgsave,
    Rewrite,
}

fn under_writers(job: Job, mode: Mode) {
    let context = format!("{job:?} under writers, {mode:?}");
    with_watchdog(&context.clone(), Duration::from_secs(120), move || {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = ManualClock::new(T0);
        let store = open(dir.path(), &clock, mode);
        // Something to copy besides the writers' keys.
        for i in 0..2000 {
            store
                .set(format!("filler:{i}"), "x".repeat(i % 50))
                .expect("SET");
        }
        let writers = Writers::start(&store);
        let mut bounds = Vec::new();
        for round in 0..JOBS {
            thread::sleep(Duration::from_millis(30));
            let before = writers.acked();
            let started = match job {
                Job::Bgsave => store.bgsave(),
                Job::Rewrite => store.bgrewriteaof(),
            };
            let running = started.unwrap_or_else(|e| panic!("{context}: job {round}: {e}"));
            let after = writers.started();
            running
                .wait()
                .unwrap_or_else(|e| panic!("{context}: job {round} failed: {e}"));
            bounds.push((before, after));
        }
        thread::sleep(Duration::from_millis(30));
        let acked = writers.finish();
        assert!(
            acked.iter().all(|&n| n > 30),
            "{context}: the writers hardly wrote: {acked:?}"
        );
        drop(store);

        if let Job::Bgsave = job {
            // The last snapshot alone: one instant, between the writes
            // acknowledged before the bgsave call and those begun by its return.
            let snapshot = open(dir.path(), &clock, Mode::Snapshot);
            let (before, after) = bounds.last().expect("jobs ran");
            for t in 0..WRITERS {
                let held = writes_held(&snapshot, t, &format!("{context}, last snapshot"));
                assert!(
                    before[t] <= held && held <= after[t],
                    "{context}: the snapshot holds {held} of writer {t}'s writes, \
                     outside [{}, {}] (acked before the bgsave, begun by its return)",
                    before[t],
                    after[t]
                );
            }
            assert_eq!(
                snapshot.get("filler:1999").expect("GET"),
                Some(b"x".repeat(1999 % 50))
            );
            drop(snapshot);
        }

        let store = open(dir.path(), &clock, mode);
        for (t, &acked) in acked.iter().enumerate() {
            let held = writes_held(&store, t, &context);
            assert_eq!(
                held, acked,
                "{context}: writer {t}: {acked} writes acknowledged, {held} found after reopen"
            );
        }
        assert_eq!(
            store.dbsize(),
            2000 + 3 * WRITERS,
            "{context}: keys after reopen"
        );
    });
}

#[test]
fn bgsave_under_concurrent_writers() {
    under_writers(Job::Bgsave, Mode::Both(AppendFsync::EverySec));
}

#[test]
fn bgrewriteaof_under_concurrent_writers_always() {
    under_writers(Job::Rewrite, Mode::Log(AppendFsync::Always));
}

#[test]
fn bgrewriteaof_under_concurrent_writers_everysec() {
    under_writers(Job::Rewrite, Mode::Log(AppendFsync::EverySec));
}
