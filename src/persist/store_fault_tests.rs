//! Disk failures under a whole store: ENOSPC and EIO injected by
//! [`FaultyFs`] into appends, fsyncs, log rewrites and snapshot saves.
//!
//! The writes are `RPUSH list <i>` with `i` counting up, each classified
//! by its outcome: acknowledged, refused (`MISCONF`, not applied) or failed
//! (another error: the write that met the fault, which may or may not have
//! been applied). After each scenario the store is dropped and reopened on
//! the healthy disk: the list must hold every acknowledged write, in order,
//! and no refused one.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::persist::fault::{Fault, FaultyFs, Op};
use crate::persist::{AppendFsync, AppendLogOptions, SnapshotOptions};
use crate::{Config, Error, ManualClock, Store};

const T0: i64 = 1_700_000_000_000;

/// Which persistence the store has, and its save points.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Log(AppendFsync),
    /// With save points (`stop-writes-on-bgsave-error` applies) or not.
    Snapshot {
        save_points: bool,
    },
}

fn config(dir: &Path, clock: &ManualClock, mode: Mode, fs: Option<&FaultyFs>) -> Config {
    let mut builder = Config::builder()
        .dir(dir)
        .clock(clock.clone())
        .active_expire(false);
    if let Some(fs) = fs {
        builder = builder.fs(Arc::new(fs.clone()));
    }
    match mode {
        Mode::Log(policy) => builder.append_log(
            AppendLogOptions::new()
                .fsync(policy)
                .auto_rewrite_percentage(0),
        ),
        Mode::Snapshot { save_points } => {
            let points: &[(u64, u64)] = if save_points { &[(3600, 1)] } else { &[] };
            builder.snapshot(SnapshotOptions::new().save_points(points))
        }
    }
    .build()
}

fn is_misconf(e: &Error) -> bool {
    e.to_string().starts_with("MISCONF")
}

/// The writes made and what became of each.
#[derive(Debug, Default)]
struct Writes {
    next: u64,
    acked: Vec<u64>,
    refused: Vec<u64>,
    failed: Vec<u64>,
}

impl Writes {
    /// One `RPUSH list <i>`, classified.
    fn write(&mut self, store: &Store) -> Result<(), Error> {
        let i = self.next;
        self.next += 1;
        match store.rpush("list", [i.to_string()]) {
            Ok(_) => {
                self.acked.push(i);
                Ok(())
            }
            Err(e) => {
                if is_misconf(&e) {
                    self.refused.push(i);
                } else {
                    self.failed.push(i);
                }
                Err(e)
            }
        }
    }

    /// The write that meets the fault: it must fail, and counts as failed
    /// (maybe applied) whatever its error.
    fn meeting_fault(&mut self, store: &Store, context: &str) -> Error {
        let Err(e) = self.write(store) else {
            panic!("{context}: the write that met the fault was acknowledged");
        };
        let i = self.next - 1;
        self.refused.retain(|r| *r != i);
        if !self.failed.contains(&i) {
            self.failed.push(i);
        }
        e
    }

    /// `n` writes that must be acknowledged.
    fn ok(&mut self, store: &Store, n: usize, context: &str) {
        for _ in 0..n {
            if let Err(e) = self.write(store) {
                panic!("{context}: write {} failed: {e}", self.next - 1);
            }
        }
    }

    /// `n` writes that must be refused with MISCONF.
    fn refused(&mut self, store: &Store, n: usize, context: &str) {
        for _ in 0..n {
            match self.write(store) {
                Err(e) if is_misconf(&e) => {}
                other => panic!(
                    "{context}: write {} answered {other:?}, not MISCONF",
                    self.next - 1
                ),
            }
        }
    }

    /// What a reopened store holds is every acknowledged write in order,
    /// maybe the failed ones, never a refused one.
    fn check(&self, loaded: &[u64], context: &str) {
        assert!(
            loaded.windows(2).all(|w| w[0] < w[1]),
            "{context}: the list is out of order or has duplicates: {loaded:?}"
        );
        for i in &self.acked {
            assert!(
                loaded.binary_search(i).is_ok(),
                "{context}: acknowledged write {i} lost; loaded {loaded:?}; {self:?}"
            );
        }
        for i in loaded {
            assert!(
                self.acked.contains(i) || self.failed.contains(i),
                "{context}: write {i} loaded but it was {}; {self:?}",
                if self.refused.contains(i) {
                    "refused"
                } else {
                    "never made"
                }
            );
        }
    }
}

/// The list after reopening `dir` on the healthy disk (which must work).
fn reopen_list(dir: &Path, clock: &ManualClock, mode: Mode, context: &str) -> Vec<u64> {
    let store = Store::open(config(dir, clock, mode, None))
        .unwrap_or_else(|e| panic!("{context}: reopen on a healthy disk failed: {e}"));
    let items = store
        .lrange("list", 0, -1)
        .unwrap_or_else(|e| panic!("{context}: LRANGE: {e}"));
    items
        .iter()
        .map(|item| {
            String::from_utf8_lossy(item)
                .parse()
                .unwrap_or_else(|_| panic!("{context}: item {item:?}"))
        })
        .collect()
}

struct Setup {
    dir: tempfile::TempDir,
    clock: ManualClock,
    fs: FaultyFs,
    store: Store,
    writes: Writes,
}

fn setup(mode: Mode) -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let fs = FaultyFs::new();
    let store = Store::open(config(dir.path(), &clock, mode, Some(&fs))).expect("open");
    let mut writes = Writes::default();
    writes.ok(&store, 20, "before any fault");
    Setup {
        dir,
        clock,
        fs,
        store,
        writes,
    }
}

/// Writes until one fails (an everysec store finds out in the
/// background); that one may have been applied before the failure was
/// seen, so it counts as failed. Panics after a generous time.
fn write_until_refused(s: &mut Setup, context: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if s.writes.write(&s.store).is_err() {
            // Maybe applied before the failure was seen: failed, not refused.
            let i = s.writes.next - 1;
            s.writes.refused.retain(|r| *r != i);
            if !s.writes.failed.contains(&i) {
                s.writes.failed.push(i);
            }
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{context}: writes still accepted 20 s after the fault; {:?}",
            s.writes
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ---------------------------------------------------------------------------
// The append log under `always`.

/// The write that meets the fault fails; the writes after are refused,
/// even once the disk works again, until a rewrite succeeded.
fn always_fault(op: Op, fault: Fault) {
    let context = format!("always, {op:?} fails with {fault:?}");
    let mode = Mode::Log(AppendFsync::Always);
    let mut s = setup(mode);
    s.fs.fail_always(op, 0, fault);
    s.writes.meeting_fault(&s.store, &context);
    assert!(s.fs.injected() > 0, "{context}: no fault was injected");
    s.writes.refused(&s.store, 5, &context);
    assert!(
        s.store.lrange("list", 0, -1).is_ok(),
        "{context}: reads fail"
    );
    s.fs.heal();
    // A failed append or fsync is never retried into "durable".
    s.writes.refused(&s.store, 2, &format!("{context}, healed"));
    s.store
        .bgrewriteaof()
        .and_then(|job| job.wait())
        .unwrap_or_else(|e| panic!("{context}: the rewrite on a healed disk failed: {e}"));
    s.writes
        .ok(&s.store, 5, &format!("{context}, after the rewrite"));
    let Setup {
        dir,
        clock,
        store,
        writes,
        ..
    } = s;
    drop(store);
    writes.check(&reopen_list(dir.path(), &clock, mode, &context), &context);
}

/// As [`always_fault`], but the store is dropped while the disk still fails.
fn always_fault_then_close(op: Op, fault: Fault) {
    let context = format!("always, {op:?} fails with {fault:?}, closed failing");
    let mode = Mode::Log(AppendFsync::Always);
    let mut s = setup(mode);
    s.fs.fail_always(op, 0, fault);
    s.writes.meeting_fault(&s.store, &context);
    s.writes.refused(&s.store, 3, &context);
    let Setup {
        dir,
        clock,
        store,
        writes,
        ..
    } = s;
    drop(store);
    writes.check(&reopen_list(dir.path(), &clock, mode, &context), &context);
}

#[test]
fn always_append_enospc() {
    always_fault(Op::Write, Fault::NoSpace);
}

#[test]
fn always_append_eio() {
    always_fault(Op::Write, Fault::Io);
}

#[test]
fn always_fsync_eio() {
    always_fault(Op::Sync, Fault::Io);
}

#[test]
fn always_fsync_enospc() {
    always_fault(Op::Sync, Fault::NoSpace);
}

/// The write whose append or fsync failed was applied (it is in memory,
/// and the next rewrite keeps it): its error must not say MISCONF, which
/// means "refused before anything changed" (see the `Store` docs).
fn applied_write_is_not_reported_refused(op: Op, fault: Fault) {
    let context = format!("always, {op:?} fails with {fault:?}");
    let mut s = setup(Mode::Log(AppendFsync::Always));
    s.fs.fail_always(op, 0, fault);
    let e = s.writes.meeting_fault(&s.store, &context);
    let i = s.writes.next - 1;
    let applied = s
        .store
        .lrange("list", 0, -1)
        .expect("LRANGE")
        .contains(&i.to_string().into_bytes());
    assert!(
        !(applied && is_misconf(&e)),
        "{context}: write {i} was applied but answered {e:?} (MISCONF: refused, nothing changed)"
    );
}

#[test]
fn always_append_failure_is_not_misconf_when_applied() {
    applied_write_is_not_reported_refused(Op::Write, Fault::Io);
}

#[test]
fn always_fsync_failure_is_not_misconf_when_applied() {
    applied_write_is_not_reported_refused(Op::Sync, Fault::Io);
}

#[test]
fn always_append_enospc_closed_failing() {
    always_fault_then_close(Op::Write, Fault::NoSpace);
}

#[test]
fn always_fsync_eio_closed_failing() {
    always_fault_then_close(Op::Sync, Fault::Io);
}

// ---------------------------------------------------------------------------
// The append log under `everysec`.

/// The store stops accepting writes once the background write or fsync
/// failed; after the disk heals, a rewrite makes it writable again.
fn everysec_fault(op: Op, fault: Fault) {
    let context = format!("everysec, {op:?} fails with {fault:?}");
    let mode = Mode::Log(AppendFsync::EverySec);
    let mut s = setup(mode);
    s.fs.fail_always(op, 0, fault);
    write_until_refused(&mut s, &context);
    assert!(s.fs.injected() > 0, "{context}: no fault was injected");
    s.writes.refused(&s.store, 3, &context);
    s.fs.heal();
    if op == Op::Sync {
        // A failed fsync is never retried into "durable".
        s.writes.refused(&s.store, 2, &format!("{context}, healed"));
    }
    s.store
        .bgrewriteaof()
        .and_then(|job| job.wait())
        .unwrap_or_else(|e| panic!("{context}: the rewrite on a healed disk failed: {e}"));
    s.writes
        .ok(&s.store, 5, &format!("{context}, after the rewrite"));
    let Setup {
        dir,
        clock,
        store,
        writes,
        ..
    } = s;
    drop(store);
    writes.check(&reopen_list(dir.path(), &clock, mode, &context), &context);
}

#[test]
fn everysec_append_enospc() {
    everysec_fault(Op::Write, Fault::NoSpace);
}

#[test]
fn everysec_append_eio() {
    everysec_fault(Op::Write, Fault::Io);
}

#[test]
fn everysec_fsync_eio() {
    everysec_fault(Op::Sync, Fault::Io);
}

/// Closed while the disk fails: what was acknowledged before the fault
/// survives, the rest is a prefix without refused writes.
#[test]
fn everysec_fsync_eio_closed_failing() {
    let context = "everysec, fsync fails, closed failing";
    let mode = Mode::Log(AppendFsync::EverySec);
    let mut s = setup(mode);
    let before: Vec<u64> = s.writes.acked.clone();
    s.fs.fail_always(Op::Sync, 0, Fault::Io);
    write_until_refused(&mut s, context);
    let Setup {
        dir,
        clock,
        store,
        writes,
        ..
    } = s;
    drop(store);
    let loaded = reopen_list(dir.path(), &clock, mode, context);
    assert!(
        loaded.starts_with(&before),
        "{context}: writes acknowledged before the fault lost: {loaded:?}"
    );
    let prefix: Vec<u64> = (0..loaded.len() as u64).collect();
    assert_eq!(loaded, prefix, "{context}: not a prefix of the writes");
    for i in &loaded {
        assert!(
            !writes.refused.contains(i),
            "{context}: refused write {i} loaded"
        );
    }
}

// ---------------------------------------------------------------------------
// Log rewrites.

/// A rewrite that meets the fault fails and leaves the log loadable; the
/// store keeps (or, once healed and rewritten, regains) its writes.
fn rewrite_fault(op: Op, fault: Fault) {
    let context = format!("rewrite, {op:?} fails with {fault:?}");
    let mode = Mode::Log(AppendFsync::Always);
    let mut s = setup(mode);
    s.fs.fail_once(op, 0, fault);
    let outcome = s.store.bgrewriteaof().and_then(|job| job.wait());
    assert!(outcome.is_err(), "{context}: the rewrite succeeded");
    assert!(s.fs.injected() > 0, "{context}: no fault was injected");
    s.fs.heal();
    // Writes after the failed rewrite: accepted, or refused until a rewrite.
    match s.writes.write(&s.store) {
        Ok(()) => {}
        Err(e) if is_misconf(&e) => {
            s.store
                .bgrewriteaof()
                .and_then(|job| job.wait())
                .unwrap_or_else(|e| panic!("{context}: the rewrite on a healed disk failed: {e}"));
        }
        Err(e) => panic!("{context}: a write after the failed rewrite: {e}"),
    }
    s.writes.ok(&s.store, 5, &context);
    s.store
        .bgrewriteaof()
        .and_then(|job| job.wait())
        .unwrap_or_else(|e| panic!("{context}: the rewrite on a healed disk failed: {e}"));
    s.writes
        .ok(&s.store, 5, &format!("{context}, after a good rewrite"));
    let Setup {
        dir,
        clock,
        store,
        writes,
        ..
    } = s;
    drop(store);
    writes.check(&reopen_list(dir.path(), &clock, mode, &context), &context);
}

/// A failed rewrite, then closed at once: the previous files load.
fn rewrite_fault_then_close(op: Op, fault: Fault) {
    let context = format!("rewrite, {op:?} fails with {fault:?}, closed at once");
    let mode = Mode::Log(AppendFsync::Always);
    let s = setup(mode);
    s.fs.fail_always(op, 0, fault);
    let outcome = s.store.bgrewriteaof().and_then(|job| job.wait());
    assert!(outcome.is_err(), "{context}: the rewrite succeeded");
    let Setup {
        dir,
        clock,
        store,
        writes,
        ..
    } = s;
    drop(store);
    writes.check(&reopen_list(dir.path(), &clock, mode, &context), &context);
}

#[test]
fn rewrite_base_write_enospc() {
    rewrite_fault(Op::Write, Fault::NoSpace);
}

#[test]
fn rewrite_base_sync_eio() {
    rewrite_fault(Op::Sync, Fault::Io);
}

#[test]
fn rewrite_rename_eio() {
    rewrite_fault(Op::Rename, Fault::Io);
}

#[test]
fn rewrite_create_enospc() {
    rewrite_fault(Op::Create, Fault::NoSpace);
}

#[test]
fn rewrite_rename_eio_closed_at_once() {
    rewrite_fault_then_close(Op::Rename, Fault::Io);
}

#[test]
fn rewrite_write_enospc_closed_at_once() {
    rewrite_fault_then_close(Op::Write, Fault::NoSpace);
}

// ---------------------------------------------------------------------------
// Snapshots.

/// A save that meets the fault fails, leaves no temp file, and the
/// previous snapshot still loads.
fn snapshot_fault(op: Op, fault: Fault, background: bool) {
    let how = if background { "bgsave" } else { "save" };
    let context = format!("{how}, {op:?} fails with {fault:?}");
    let mode = Mode::Snapshot { save_points: false };
    let mut s = setup(mode);
    s.store.save().expect("the first save");
    let saved = s.writes.acked.clone();
    s.writes.ok(&s.store, 10, &context);
    s.fs.fail_always(op, 0, fault);
    let outcome = if background {
        s.store.bgsave().and_then(|job| job.wait())
    } else {
        s.store.save()
    };
    assert!(outcome.is_err(), "{context}: the save succeeded");
    assert!(s.fs.injected() > 0, "{context}: no fault was injected");
    s.fs.heal();
    let leftovers: Vec<String> = std::fs::read_dir(s.dir.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "dump.kvs" && name != crate::persist::LOCK_FILE)
        .collect();
    assert!(leftovers.is_empty(), "{context}: left behind {leftovers:?}");
    // Without save points a failed save does not stop writes.
    s.writes
        .ok(&s.store, 3, &format!("{context}, after the failure"));
    let Setup {
        dir, clock, store, ..
    } = s;
    drop(store);
    let loaded = reopen_list(dir.path(), &clock, mode, &context);
    assert_eq!(loaded, saved, "{context}: not the previous snapshot");
}

#[test]
fn save_write_enospc() {
    snapshot_fault(Op::Write, Fault::NoSpace, false);
}

#[test]
fn save_write_eio() {
    snapshot_fault(Op::Write, Fault::Io, false);
}

#[test]
fn save_fsync_eio() {
    snapshot_fault(Op::Sync, Fault::Io, false);
}

#[test]
fn save_rename_eio() {
    snapshot_fault(Op::Rename, Fault::Io, false);
}

#[test]
fn save_create_enospc() {
    snapshot_fault(Op::Create, Fault::NoSpace, false);
}

#[test]
fn bgsave_write_enospc() {
    snapshot_fault(Op::Write, Fault::NoSpace, true);
}

#[test]
fn bgsave_rename_eio() {
    snapshot_fault(Op::Rename, Fault::Io, true);
}

/// The directory fsync after the rename fails: the save reports it, and
/// the snapshot that loads is the old or the new one, whole.
#[test]
fn save_dir_sync_eio() {
    let context = "save, directory fsync fails";
    let mode = Mode::Snapshot { save_points: false };
    let mut s = setup(mode);
    s.store.save().expect("the first save");
    let old = s.writes.acked.clone();
    s.writes.ok(&s.store, 10, context);
    let new = s.writes.acked.clone();
    s.fs.fail_always(Op::SyncDir, 0, Fault::Io);
    assert!(s.store.save().is_err(), "{context}: the save succeeded");
    s.fs.heal();
    let Setup {
        dir, clock, store, ..
    } = s;
    drop(store);
    let loaded = reopen_list(dir.path(), &clock, mode, context);
    assert!(
        loaded == old || loaded == new,
        "{context}: loaded {loaded:?}"
    );
}

/// With save points, a failed background save stops writes (Redis's
/// `stop-writes-on-bgsave-error`) until a save succeeds.
#[test]
fn failed_bgsave_with_save_points_stops_writes() {
    let context = "bgsave fails with save points";
    let mode = Mode::Snapshot { save_points: true };
    let mut s = setup(mode);
    s.fs.fail_once(Op::Rename, 0, Fault::Io);
    let outcome = s.store.bgsave().and_then(|job| job.wait());
    assert!(outcome.is_err(), "{context}: the bgsave succeeded");
    s.writes.refused(&s.store, 3, context);
    assert!(
        s.store.lrange("list", 0, -1).is_ok(),
        "{context}: reads fail"
    );
    s.store
        .save()
        .unwrap_or_else(|e| panic!("{context}: a save on a healthy disk failed: {e}"));
    s.writes
        .ok(&s.store, 3, &format!("{context}, after a good save"));
    s.store.save().expect("save");
    let Setup {
        dir,
        clock,
        store,
        writes,
        ..
    } = s;
    drop(store);
    writes.check(&reopen_list(dir.path(), &clock, mode, context), context);
}

/// A failed foreground SAVE is its caller's error only: writes go on (in
/// Redis only a background save's outcome can stop writes).
#[test]
fn failed_save_with_save_points_does_not_stop_writes() {
    let context = "save fails with save points";
    let mode = Mode::Snapshot { save_points: true };
    let mut s = setup(mode);
    s.fs.fail_once(Op::Rename, 0, Fault::Io);
    assert!(s.store.save().is_err(), "{context}: the save succeeded");
    s.writes.ok(&s.store, 3, context);
}
