//! Save points, `MISCONF` and the `INFO persistence` bookkeeping, on a
//! manual clock.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::tests::sample;
use super::{MISCONF_TEXT, Snapshot};
use crate::persist::fault::{Fault, FaultyFs, Op};
use crate::persist::{Persistence, SnapshotOptions};
use crate::{Error, ManualClock};

const START_MS: i64 = 1_700_000_000_000;

fn snapshot_with(dir: &Path, options: SnapshotOptions) -> (Snapshot, ManualClock, FaultyFs) {
    let clock = ManualClock::new(START_MS);
    let fs = FaultyFs::new();
    let snapshot = Snapshot::new(Arc::new(fs.clone()), dir, options, Arc::new(clock.clone()));
    (snapshot, clock, fs)
}

fn writes(snapshot: &Snapshot, n: u64) {
    for _ in 0..n {
        snapshot.record(&[b"SET", b"k", b"v"]);
    }
}

fn save(snapshot: &Snapshot) -> crate::Result<()> {
    snapshot.begin_checkpoint()?;
    snapshot.checkpoint(&mut sample().into_iter())
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn starts_as_if_just_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (snapshot, _clock, _fs) = snapshot_with(dir.path(), SnapshotOptions::new());
    assert_eq!(snapshot.last_save_unix(), START_MS / 1000);
    assert_eq!(snapshot.changes_since_save(), 0);
    assert!(snapshot.last_status_ok());
    assert_eq!(snapshot.last_save_duration_ms(), None);
    assert_eq!(snapshot.save_started_ms(), None);
    assert_eq!(snapshot.last_save_stats(), None);
    assert_eq!(snapshot.saves(), 0);
    assert!(!snapshot.checkpoint_due());
}

#[test]
fn save_points_fire_after_their_seconds_with_enough_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = SnapshotOptions::new().save_points(&[(3600, 1), (300, 100), (60, 10_000)]);
    let (snapshot, clock, _fs) = snapshot_with(dir.path(), options);

    writes(&snapshot, 99);
    clock.advance(secs(300));
    // "More than" 300 seconds: not at exactly 300.
    assert!(!snapshot.checkpoint_due());
    clock.advance(secs(1));
    assert!(!snapshot.checkpoint_due(), "99 changes < 100");
    writes(&snapshot, 1);
    assert!(snapshot.checkpoint_due());
    assert_eq!(snapshot.changes_since_save(), 100);

    save(&snapshot).expect("save");
    assert!(!snapshot.checkpoint_due());
    assert_eq!(snapshot.changes_since_save(), 0);
    assert_eq!(snapshot.last_save_unix(), START_MS / 1000 + 301);

    // One change waits for the hour.
    writes(&snapshot, 1);
    clock.advance(secs(3600));
    assert!(!snapshot.checkpoint_due());
    clock.advance(secs(1));
    assert!(snapshot.checkpoint_due());
}

#[test]
fn no_save_points_never_fire() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (snapshot, clock, _fs) = snapshot_with(dir.path(), SnapshotOptions::new().save_points(&[]));
    writes(&snapshot, 1_000_000);
    clock.advance(secs(1_000_000));
    assert!(!snapshot.checkpoint_due());
}

#[test]
fn changes_made_during_a_save_stay_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (snapshot, _clock, _fs) = snapshot_with(dir.path(), SnapshotOptions::new());
    writes(&snapshot, 10);
    snapshot.begin_checkpoint().expect("begin");
    assert!(snapshot.save_started_ms().is_some());
    writes(&snapshot, 3);
    snapshot
        .checkpoint(&mut sample().into_iter())
        .expect("save");
    assert_eq!(snapshot.changes_since_save(), 3);
    assert_eq!(snapshot.save_started_ms(), None);
    let stats = snapshot.last_save_stats().expect("stats");
    assert_eq!(stats.keys, sample().len() as u64);
    assert_eq!(snapshot.saves(), 1);
}

#[test]
fn a_transaction_counts_its_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (snapshot, _clock, _fs) = snapshot_with(dir.path(), SnapshotOptions::new());
    let command = vec![b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()];
    assert_eq!(snapshot.record_transaction(&[command.clone(), command]), 0);
    assert_eq!(snapshot.changes_since_save(), 2);
}

#[test]
fn changes_from_many_threads_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (snapshot, _clock, _fs) = snapshot_with(dir.path(), SnapshotOptions::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| writes(&snapshot, 10_000));
        }
    });
    assert_eq!(snapshot.changes_since_save(), 40_000);
}

#[test]
fn a_failed_save_refuses_writes_until_one_succeeds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (snapshot, clock, fs) = snapshot_with(dir.path(), SnapshotOptions::new());
    writes(&snapshot, 5);
    clock.advance(secs(10));
    fs.fail_always(Op::Write, 0, Fault::NoSpace);
    assert!(matches!(save(&snapshot), Err(Error::Persistence(_))));
    assert!(!snapshot.last_status_ok());
    assert_eq!(snapshot.changes_since_save(), 5);
    assert_eq!(snapshot.last_save_unix(), START_MS / 1000);
    assert_eq!(snapshot.last_save_duration_ms(), Some(0));
    assert_eq!(snapshot.saves(), 1, "failed saves count too");
    let err = snapshot.check_writable().expect_err("MISCONF");
    assert_eq!(err, Error::Misconf(MISCONF_TEXT.to_owned()));
    assert_eq!(
        err.to_string(),
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to \
         persist to disk. Commands that may modify the data set are disabled, because this \
         instance is configured to report errors during writes if RDB snapshotting fails \
         (stop-writes-on-bgsave-error option). Please check the Redis logs for details about \
         the RDB error."
    );

    fs.heal();
    save(&snapshot).expect("save");
    assert!(snapshot.last_status_ok());
    assert_eq!(snapshot.check_writable(), Ok(()));
    assert_eq!(snapshot.last_save_unix(), START_MS / 1000 + 10);
}

#[test]
fn misconf_needs_the_option_and_save_points() {
    for options in [
        SnapshotOptions::new().stop_writes_on_error(false),
        SnapshotOptions::new().save_points(&[]),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (snapshot, _clock, fs) = snapshot_with(dir.path(), options);
        fs.fail_once(Op::Rename, 0, Fault::Io);
        assert!(save(&snapshot).is_err());
        assert!(!snapshot.last_status_ok());
        assert_eq!(snapshot.check_writable(), Ok(()));
    }
}

#[test]
fn after_a_failure_automatic_saves_wait_the_retry_delay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = SnapshotOptions::new().save_points(&[(1, 1)]);
    let (snapshot, clock, fs) = snapshot_with(dir.path(), options);
    writes(&snapshot, 1);
    clock.advance(secs(2));
    assert!(snapshot.checkpoint_due());
    fs.fail_once(Op::Sync, 0, Fault::Io);
    assert!(save(&snapshot).is_err());
    // The save point still holds, but the last attempt is too recent.
    for _ in 0..6 {
        assert!(!snapshot.checkpoint_due());
        clock.advance(secs(1));
    }
    // More than 5 seconds after the attempt.
    assert!(snapshot.checkpoint_due());
    save(&snapshot).expect("retry");
    assert!(!snapshot.checkpoint_due());
}

#[test]
fn durations_come_from_the_clock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (snapshot, clock, _fs) = snapshot_with(dir.path(), SnapshotOptions::new());
    snapshot.begin_checkpoint().expect("begin");
    assert_eq!(snapshot.save_started_ms(), Some(START_MS));
    clock.advance(Duration::from_millis(2500));
    snapshot
        .checkpoint(&mut sample().into_iter())
        .expect("save");
    assert_eq!(snapshot.last_save_duration_ms(), Some(2500));
    assert_eq!(snapshot.last_save_unix(), START_MS / 1000 + 2);
}

#[test]
fn load_reads_through_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (snapshot, _clock, _fs) = snapshot_with(dir.path(), SnapshotOptions::new());
    // No file: nothing to load, no error.
    assert_eq!(snapshot.load(&crate::Store::new()), Ok(()));
}

#[test]
fn a_checkpoint_without_begin_starts_when_called() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (snapshot, clock, _fs) = snapshot_with(dir.path(), SnapshotOptions::new());
    writes(&snapshot, 4);
    clock.advance(secs(7));
    snapshot
        .checkpoint(&mut sample().into_iter())
        .expect("save");
    assert_eq!(snapshot.changes_since_save(), 0);
    assert_eq!(snapshot.last_save_unix(), START_MS / 1000 + 7);
    assert_eq!(snapshot.last_save_duration_ms(), Some(0));
}
