//! Persistence end to end through the public API: random datasets of every
//! kind survive the snapshot, the append log under each fsync policy, both
//! together (the log wins) and a log rewritten and written on; checkpoints
//! taken under concurrent writers lose nothing and show one instant; the
//! data directory's lock; a custom `Persistence`; the persistence commands.
//!
//! Every comparison is of the full contents (`common::dump::full_dump`):
//! every key, its type, its value, its exact PTTL and each hash field's
//! HPTTL, on a manual clock that reopened stores share.
//!
//! `KVSTORE_PERSIST_SEED=n[,m…]` runs the round trips with those seeds
//! (default: three fixed ones); `KVSTORE_PERSIST_OPS` sets the random
//! commands per dataset (default 600).

use std::path::Path;
use std::time::Duration;

use kvstore::persist::{AppendFsync, AppendLogOptions, SnapshotOptions};
use kvstore::{Config, ManualClock, Store};

mod common;

use common::dataset::{DataGen, DataOptions};
use common::dump::{Dump, assert_same, full_dump, summary};
use common::manifest_files;

#[path = "persistence/commands.rs"]
mod commands;
#[path = "persistence/concurrent.rs"]
mod concurrent;
#[path = "persistence/custom.rs"]
mod custom;

/// 2023-11-14T22:13:20Z: where the manual clocks start.
pub const T0: i64 = 1_700_000_000_000;

/// Which built-in persistences a store has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Snapshot,
    Log(AppendFsync),
    Both(AppendFsync),
}

/// A store's configuration in `dir` on `clock`, with no automatic saves
/// or rewrites (the tests decide when checkpoints happen).
pub fn config(dir: &Path, clock: &ManualClock, mode: Mode) -> Config {
    let mut builder = Config::builder()
        .dir(dir)
        .clock(clock.clone())
        .active_expire(false);
    if matches!(mode, Mode::Snapshot | Mode::Both(_)) {
        builder = builder.snapshot(SnapshotOptions::new().save_points(&[]));
    }
    if let Mode::Log(policy) | Mode::Both(policy) = mode {
        builder = builder.append_log(
            AppendLogOptions::new()
                .fsync(policy)
                .auto_rewrite_percentage(0),
        );
    }
    builder.build()
}

/// Opens a store; a failed open fails the test with the error.
#[track_caller]
pub fn open(dir: &Path, clock: &ManualClock, mode: Mode) -> Store {
    Store::open(config(dir, clock, mode))
        .unwrap_or_else(|e| panic!("open {mode:?} of {}: {e}", dir.display()))
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a number")),
    )
}

/// The seeds of the round trips.
fn seeds() -> Vec<u64> {
    match std::env::var("KVSTORE_PERSIST_SEED") {
        Ok(list) => list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("KVSTORE_PERSIST_SEED: {s:?} is not a number"))
            })
            .collect(),
        Err(_) => vec![0x5eed_0001, 0x5eed_0002, 0x5eed_0003],
    }
}

fn ops() -> usize {
    env_u64("KVSTORE_PERSIST_OPS").map_or(600, |n| n as usize)
}

/// A random dataset of every kind in `store` (seeded); returns its dump.
fn fill(store: &Store, clock: &ManualClock, seed: u64) -> Dump {
    let mut data = DataGen::new(store, clock, seed, DataOptions::full(ops()));
    data.fill();
    let dump = full_dump(store);
    assert!(
        dump.len() > 20 && data.errors < data.ran / 2,
        "seed {seed}: a poor dataset ({} commands, {} errors): {}",
        data.ran,
        data.errors,
        summary(&dump)
    );
    dump
}

/// More random writes on `store` (another stream of the same seed).
fn more_writes(store: &Store, clock: &ManualClock, seed: u64, n: usize) {
    let mut data = DataGen::new(store, clock, seed ^ 0xa5a5_a5a5, DataOptions::full(n));
    data.random(n);
    // A key that is certainly new, so "the later state" always differs.
    store
        .set(format!("written-after:{}", clock_ms(clock)), "x")
        .expect("SET");
}

fn clock_ms(clock: &ManualClock) -> i64 {
    kvstore::Clock::now_ms(clock)
}

/// Reopens `dir` in `mode` and checks the contents against `expected`.
#[track_caller]
fn reopen_and_compare(
    dir: &Path,
    clock: &ManualClock,
    mode: Mode,
    expected: &Dump,
    source: &str,
    context: &str,
) -> Store {
    let store = open(dir, clock, mode);
    let report = store.load_report();
    assert_same(expected, &full_dump(&store), context);
    assert_eq!(
        report.source,
        Some(source),
        "{context}: load report {report:?}"
    );
    assert_eq!(
        report.keys,
        store.dbsize(),
        "{context}: load report {report:?}"
    );
    store
}

#[test]
fn snapshot_round_trip_with_save() {
    for seed in seeds() {
        snapshot_round_trip(seed, false);
    }
}

#[test]
fn snapshot_round_trip_with_bgsave() {
    for seed in seeds() {
        snapshot_round_trip(seed, true);
    }
}

fn snapshot_round_trip(seed: u64, background: bool) {
    let context = format!(
        "seed {seed:#x}, snapshot by {}",
        if background { "bgsave" } else { "save" }
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let store = open(dir.path(), &clock, Mode::Snapshot);
    assert_eq!(
        store.load_report().source,
        None,
        "{context}: a new directory"
    );
    let expected = fill(&store, &clock, seed);
    eprintln!("{context}: {}", summary(&expected));
    if background {
        store
            .bgsave()
            .expect("bgsave")
            .wait()
            .expect("bgsave outcome");
    } else {
        store.save().expect("save");
    }
    // Not in the snapshot: the file holds the keyspace as of the save.
    let saved_at = clock_ms(&clock);
    more_writes(&store, &clock, seed, 100);
    drop(store);
    // Back to the instant of the save, so that the PTTLs compare exactly.
    clock.set(saved_at);
    let store = reopen_and_compare(
        dir.path(),
        &clock,
        Mode::Snapshot,
        &expected,
        "snapshot",
        &context,
    );

    // Later, some keys and hash fields have expired: the snapshot's
    // deadlines are absolute, and loading drops what is past.
    clock.advance(Duration::from_secs(30));
    let later = full_dump(&store);
    drop(store);
    let store = reopen_and_compare(
        dir.path(),
        &clock,
        Mode::Snapshot,
        &later,
        "snapshot",
        &format!("{context}, reopened 30 s later"),
    );
    drop(store);
}

#[test]
fn log_round_trip_always() {
    for seed in seeds() {
        log_round_trip(seed, AppendFsync::Always);
    }
}

#[test]
fn log_round_trip_everysec() {
    for seed in seeds() {
        log_round_trip(seed, AppendFsync::EverySec);
    }
}

#[test]
fn log_round_trip_no() {
    for seed in seeds() {
        log_round_trip(seed, AppendFsync::No);
    }
}

fn log_round_trip(seed: u64, policy: AppendFsync) {
    let context = format!("seed {seed:#x}, append log {policy:?}");
    let mode = Mode::Log(policy);
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let store = open(dir.path(), &clock, mode);
    assert_eq!(
        store.load_report().source,
        None,
        "{context}: a new directory"
    );
    let expected = fill(&store, &clock, seed);
    eprintln!("{context}: {}", summary(&expected));
    drop(store);
    let store = reopen_and_compare(dir.path(), &clock, mode, &expected, "append log", &context);
    assert!(
        store.load_report().commands > 0,
        "{context}: {:?}",
        store.load_report()
    );
    // Replaying must not have recorded the commands again.
    drop(store);
    let store = reopen_and_compare(
        dir.path(),
        &clock,
        mode,
        &expected,
        "append log",
        &format!("{context}, second reopen"),
    );
    // Writes after a replay go to the end of the log.
    clock.advance(Duration::from_secs(5));
    more_writes(&store, &clock, seed, 200);
    let expected = full_dump(&store);
    drop(store);
    let store = reopen_and_compare(
        dir.path(),
        &clock,
        mode,
        &expected,
        "append log",
        &format!("{context}, written after a replay"),
    );
    drop(store);
}

#[test]
fn both_reopen_prefers_the_log() {
    for seed in seeds() {
        let context = format!("seed {seed:#x}, snapshot and log");
        let mode = Mode::Both(AppendFsync::EverySec);
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = ManualClock::new(T0);
        let store = open(dir.path(), &clock, mode);
        let saved = fill(&store, &clock, seed);
        let saved_at = clock_ms(&clock);
        store.save().expect("save");
        // The snapshot is now stale on purpose.
        more_writes(&store, &clock, seed, 200);
        let expected = full_dump(&store);
        assert_ne!(
            saved, expected,
            "{context}: the writes after the save changed nothing"
        );
        drop(store);
        let store = reopen_and_compare(dir.path(), &clock, mode, &expected, "append log", &context);
        drop(store);
        // The snapshot alone still holds the state of the save.
        clock.set(saved_at);
        let store = reopen_and_compare(
            dir.path(),
            &clock,
            Mode::Snapshot,
            &saved,
            "snapshot",
            &format!("{context}, snapshot only"),
        );
        drop(store);
    }
}

#[test]
fn log_rewritten_then_written_on() {
    for seed in seeds() {
        let context = format!("seed {seed:#x}, log rewritten");
        let mode = Mode::Log(AppendFsync::Always);
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = ManualClock::new(T0);
        let store = open(dir.path(), &clock, mode);
        fill(&store, &clock, seed);
        let before = manifest_files(dir.path());
        store
            .bgrewriteaof()
            .expect("bgrewriteaof")
            .wait()
            .expect("rewrite outcome");
        let after = manifest_files(dir.path());
        assert_ne!(before, after, "{context}: the rewrite changed no file");
        assert_eq!(
            after.iter().filter(|(kind, _)| *kind == 'b').count(),
            1,
            "{context}: one base in the manifest: {after:?}"
        );
        more_writes(&store, &clock, seed, 150);
        // A second rewrite, with writes after it too.
        store
            .bgrewriteaof()
            .expect("bgrewriteaof")
            .wait()
            .expect("rewrite outcome");
        clock.advance(Duration::from_secs(2));
        more_writes(&store, &clock, seed ^ 1, 150);
        let expected = full_dump(&store);
        drop(store);
        let files = manifest_files(dir.path());
        assert!(
            files.iter().any(|(kind, _)| *kind == 'b')
                && files.iter().any(|(kind, _)| *kind == 'i'),
            "{context}: a base and an incremental file: {files:?}"
        );
        let names: Vec<String> = std::fs::read_dir(dir.path().join("appendonlydir"))
            .expect("read appendonlydir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        for name in &names {
            assert!(
                name.ends_with(".manifest") || files.iter().any(|(_, f)| f == name),
                "{context}: {name} left behind by the rewrites (manifest: {files:?})"
            );
        }
        let store = reopen_and_compare(dir.path(), &clock, mode, &expected, "append log", &context);
        drop(store);
    }
}

#[test]
fn log_switched_on_over_a_snapshot() {
    let seed = seeds()[0];
    let context = format!("seed {seed:#x}, log added to a snapshot");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let store = open(dir.path(), &clock, Mode::Snapshot);
    let expected = fill(&store, &clock, seed);
    store.save().expect("save");
    drop(store);
    // No log yet: the snapshot loads, and the log starts from it.
    let both = Mode::Both(AppendFsync::EverySec);
    let store = reopen_and_compare(dir.path(), &clock, both, &expected, "snapshot", &context);
    drop(store);
    let store = reopen_and_compare(
        dir.path(),
        &clock,
        Mode::Log(AppendFsync::EverySec),
        &expected,
        "append log",
        &format!("{context}, log only"),
    );
    drop(store);
}

#[test]
fn second_open_of_a_directory_is_refused() {
    for mode in [
        Mode::Snapshot,
        Mode::Log(AppendFsync::EverySec),
        Mode::Both(AppendFsync::Always),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = ManualClock::new(T0);
        let first = open(dir.path(), &clock, mode);
        first.set("k", "v").expect("SET");
        let err = Store::open(config(dir.path(), &clock, mode))
            .expect_err("a second store opened a directory in use");
        let shown = dir.path().display().to_string();
        assert!(
            err.to_string().contains(&shown),
            "{mode:?}: the error does not name {shown}: {err}"
        );
        // The refused open changed nothing: the first store goes on.
        first.set("k2", "v2").expect("SET after the refused open");
        if mode == Mode::Snapshot {
            first.save().expect("save");
        }
        drop(first);
        let store = open(dir.path(), &clock, mode);
        assert_eq!(
            store.get("k").expect("GET"),
            Some(b"v".to_vec()),
            "{mode:?}"
        );
        assert_eq!(
            store.get("k2").expect("GET"),
            Some(b"v2".to_vec()),
            "{mode:?}"
        );
    }
}

#[test]
fn lock_is_released_by_the_last_handle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let mode = Mode::Log(AppendFsync::EverySec);
    let store = open(dir.path(), &clock, mode);
    let clone = store.clone();
    drop(store);
    assert!(
        Store::open(config(dir.path(), &clock, mode)).is_err(),
        "opened while a clone of the first handle lives"
    );
    clone.set("k", "v").expect("SET through the clone");
    drop(clone);
    let store = open(dir.path(), &clock, mode);
    assert_eq!(store.get("k").expect("GET"), Some(b"v".to_vec()));
}

#[test]
fn negative_zero_score_survives_a_reload() {
    // The snapshot only: Redis's RDB keeps the sign (a skiplist's scores
    // are binary doubles), its AOF rewrite does not (ZADD batches).
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let store = open(dir.path(), &clock, Mode::Snapshot);
    let members: Vec<(f64, String)> = (0..200)
        .map(|i| (f64::from(i) + 1.0, format!("m{i}")))
        .collect();
    store.zadd("z", members).expect("ZADD");
    // Added to a skiplist, -0 keeps its sign (as in Redis: ZSCORE says -0).
    store.zadd("z", [(-0.0, "neg")]).expect("ZADD");
    let before = store.zscore("z", "neg").expect("ZSCORE").expect("member");
    assert!(
        before == 0.0 && before.is_sign_negative(),
        "{before:?} before the reload"
    );
    store.save().expect("save");
    drop(store);
    let store = open(dir.path(), &clock, Mode::Snapshot);
    let after = store.zscore("z", "neg").expect("ZSCORE").expect("member");
    assert!(
        after.is_sign_negative(),
        "ZSCORE z neg is {after:?} after the reload, -0 before"
    );
}

/// Replaying the log must not expire keys as it goes (Redis does not
/// while loading): a key written while alive and expired by the time of
/// the replay must not come back without its TTL.
#[test]
fn log_replay_after_deadlines_passed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let mode = Mode::Log(AppendFsync::Always);
    let store = open(dir.path(), &clock, mode);
    store.execute(&["SET", "s", "v", "PX", "1000"]);
    store.execute(&["RPUSH", "l", "a"]);
    store.execute(&["PEXPIRE", "l", "1000"]);
    store.execute(&["SADD", "src", "m"]);
    store.execute(&["PEXPIRE", "src", "1000"]);
    clock.advance(Duration::from_millis(500));
    // Alive now: these change (or copy from) keys with a deadline.
    store.execute(&["APPEND", "s", "x"]);
    store.execute(&["RPUSH", "l", "b"]);
    store.execute(&["SUNIONSTORE", "dst", "src"]);
    clock.advance(Duration::from_millis(1000));
    let expected = full_dump(&store);
    assert_eq!(
        expected.keys().cloned().collect::<Vec<_>>(),
        vec![b"dst".to_vec()],
        "the original store"
    );
    drop(store);
    let store = reopen_and_compare(
        dir.path(),
        &clock,
        mode,
        &expected,
        "append log",
        "replayed after the deadlines",
    );
    drop(store);
}

/// Waits (bounded) until `done` holds; the store's background thread
/// checks for due checkpoints about once a second.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not after 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn automatic_rewrite_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let config = || {
        Config::builder()
            .dir(dir.path())
            .clock(clock.clone())
            .active_expire(false)
            .append_log(
                AppendLogOptions::new()
                    .fsync(AppendFsync::EverySec)
                    .auto_rewrite_percentage(100)
                    .auto_rewrite_min_size(16 * 1024),
            )
            .build()
    };
    let store = Store::open(config()).expect("open");
    let first = manifest_files(dir.path());
    let mut i = 0u64;
    wait_for("an automatic rewrite", || {
        for _ in 0..200 {
            store.rpush("list", [i.to_string()]).expect("RPUSH");
            store.incr("counter").expect("INCR");
            i += 1;
        }
        manifest_files(dir.path())
            .iter()
            .any(|(kind, name)| *kind == 'b' && !first.contains(&('b', name.clone())))
    });
    for _ in 0..100 {
        store.rpush("list", [i.to_string()]).expect("RPUSH");
        store.incr("counter").expect("INCR");
        i += 1;
    }
    let expected = full_dump(&store);
    drop(store);
    let store = Store::open(config()).expect("reopen");
    assert_same(&expected, &full_dump(&store), "after an automatic rewrite");
    assert_eq!(
        store.get("counter").expect("GET"),
        Some(i.to_string().into_bytes())
    );
}

#[test]
fn save_points_save_automatically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let config = || {
        Config::builder()
            .dir(dir.path())
            .clock(clock.clone())
            .active_expire(false)
            .snapshot(SnapshotOptions::new().save_points(&[(60, 3)]))
            .build()
    };
    let store = Store::open(config()).expect("open");
    let opened = store.last_save();
    store.set("a", "1").expect("SET");
    store.set("b", "2").expect("SET");
    store.set("c", "3").expect("SET");
    // Three changes, but not 60 s yet: no save (the background thread
    // looked at least once in 1.5 s).
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(store.last_save(), opened, "saved before the save point");
    clock.advance(Duration::from_secs(61));
    wait_for("the save point's save", || store.last_save() != opened);
    assert_eq!(store.last_save(), T0 / 1000 + 61);
    store.set("d", "4").expect("SET (not saved)");
    drop(store);
    let store = Store::open(config()).expect("reopen");
    assert_eq!(store.dbsize(), 3, "the automatic snapshot holds a, b, c");
    assert_eq!(store.get("c").expect("GET"), Some(b"3".to_vec()));
}
