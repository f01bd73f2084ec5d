//! Fault injection (ENOSPC and EIO while appending, fsyncing and
//! rewriting) and rewrites under concurrent recorders.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::tests::{
    Argv, dump_string, fresh, log_dir, open, options, read_manifest, refs, replay_all, std_fs,
};
use super::*;
use crate::persist::fault::{Fault, FaultyFs, Op};
use crate::persist::fs::Fs;
use crate::persist::{AppendFsync, DumpValue};

fn faulty() -> (FaultyFs, Arc<dyn Fs>) {
    let ffs = FaultyFs::new();
    let fs: Arc<dyn Fs> = Arc::new(ffs.clone());
    (ffs, fs)
}

fn set(k: &str, v: &str) -> Argv {
    vec![
        b"SET".to_vec(),
        k.as_bytes().to_vec(),
        v.as_bytes().to_vec(),
    ]
}

fn commit(log: &AppendLog, argv: &Argv) -> Result<()> {
    let ticket = log.record(&refs(argv));
    log.commit(ticket)
}

fn strerror(fault: Fault) -> &'static str {
    match fault {
        Fault::NoSpace => "No space left on device",
        Fault::Io => "Input/output error",
    }
}

/// A write that was applied but whose record failed.
fn assert_not_durable(result: Result<()>, fault: Fault) {
    let expected = format!(
        "IOERR the write was applied but is not durable: Errors writing to the AOF file: {}",
        strerror(fault)
    );
    match result {
        Err(e @ Error::NotDurable(_)) => assert_eq!(e.to_string(), expected),
        other => panic!("expected {expected}, got {other:?}"),
    }
}

fn assert_misconf(result: Result<()>, fault: Fault) {
    let expected = format!(
        "MISCONF Errors writing to the AOF file: {}",
        strerror(fault)
    );
    match result {
        Err(e @ Error::Misconf(_)) => assert_eq!(e.to_string(), expected),
        other => panic!("expected {expected}, got {other:?}"),
    }
}

/// Reopens with the real file system: the commands and the warnings.
fn reload(dir: &Path) -> (Vec<Argv>, Vec<String>) {
    let log = open(&std_fs(), dir, options()).expect("reopen");
    let (commands, stats) = replay_all(&log).expect("replay");
    (commands, stats.warnings)
}

#[test]
fn a_failed_append_write_or_fsync_under_always_fails_the_commit_and_leaves_no_trace() {
    for op in [Op::Write, Op::Sync] {
        for fault in [Fault::NoSpace, Fault::Io] {
            let tmp = tempfile::tempdir().expect("tempdir");
            let (ffs, fs) = faulty();
            let log = fresh(&fs, tmp.path(), options().fsync(AppendFsync::Always));
            commit(&log, &set("a", "1")).expect("before the fault");
            ffs.fail_once(op, 0, fault);
            assert_not_durable(commit(&log, &set("b", "2")), fault);
            assert_eq!(ffs.injected(), 1);
            assert_misconf(log.check_writable(), fault);
            assert!(!log.info().last_write_ok);
            // The disk works again, but the log stays FAILED: nothing is
            // retried into "durable".
            assert_not_durable(commit(&log, &set("c", "3")), fault);
            assert_misconf(log.sync(), fault);
            drop(log);
            let (commands, warnings) = reload(tmp.path());
            assert_eq!(commands, vec![set("a", "1")], "{op:?} {fault:?}");
            assert!(warnings.is_empty(), "{warnings:?}");
        }
    }
}

#[test]
fn everysec_failures_refuse_writes_and_keep_what_was_written() {
    for (op, kept) in [(Op::Write, 1), (Op::Sync, 2)] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (ffs, fs) = faulty();
        let log = fresh(&fs, tmp.path(), options().fsync(AppendFsync::EverySec));
        commit(&log, &set("a", "1")).expect("commit");
        log.sync().expect("sync");
        ffs.fail_once(op, 0, Fault::NoSpace);
        // Acknowledged at once: the write reaches the file later.
        commit(&log, &set("b", "2")).expect("everysec commit");
        assert_misconf(log.sync(), Fault::NoSpace);
        assert_misconf(log.check_writable(), Fault::NoSpace);
        assert_not_durable(commit(&log, &set("c", "3")), Fault::NoSpace);
        drop(log);
        let (commands, warnings) = reload(tmp.path());
        // A failed write is cut off; after a failed fsync the written
        // bytes stay (they were acknowledged).
        assert_eq!(
            commands,
            [set("a", "1"), set("b", "2")][..kept].to_vec(),
            "{op:?}"
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}

#[test]
fn the_flusher_thread_enters_failed_by_itself() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (ffs, fs) = faulty();
    let log = fresh(&fs, tmp.path(), options().fsync(AppendFsync::EverySec));
    log.start();
    ffs.fail_always(Op::Write, 0, Fault::Io);
    commit(&log, &set("a", "1")).expect("everysec commit");
    let deadline = Instant::now() + Duration::from_secs(20);
    while log.check_writable().is_ok() {
        assert!(Instant::now() < deadline, "the flusher never wrote");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_misconf(log.check_writable(), Fault::Io);
    ffs.heal();
}

#[test]
fn a_successful_rewrite_after_heal_clears_failed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (ffs, fs) = faulty();
    let log = fresh(&fs, tmp.path(), options().fsync(AppendFsync::Always));
    commit(&log, &set("a", "1")).expect("commit");
    ffs.fail_always(Op::Write, 0, Fault::Io);
    assert_not_durable(commit(&log, &set("b", "2")), Fault::Io);
    // The keyspace holds b (applied before its commit failed).
    let keys = || vec![dump_string("a", "1"), dump_string("b", "2")];
    log.begin_checkpoint().expect("begin");
    assert!(
        log.checkpoint(&mut keys().into_iter()).is_err(),
        "the disk still fails"
    );
    assert_misconf(log.check_writable(), Fault::Io);
    ffs.heal();
    log.begin_checkpoint().expect("begin");
    log.checkpoint(&mut keys().into_iter()).expect("rewrite");
    log.check_writable().expect("writable again");
    assert!(log.info().last_write_ok);
    commit(&log, &set("c", "3")).expect("commit");
    drop(log);
    let (commands, _) = reload(tmp.path());
    assert_eq!(commands, vec![set("a", "1"), set("b", "2"), set("c", "3")]);
    // Only the new files remain.
    let mut names: Vec<String> = std::fs::read_dir(log_dir(tmp.path()))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let manifest = read_manifest(tmp.path());
    let mut listed: Vec<String> = manifest.files().map(|e| e.name.clone()).collect();
    listed.push("appendonly.aof.manifest".into());
    listed.sort();
    assert_eq!(names, listed);
}

/// A log holding `a` (fsynced), under `always`.
fn log_with_a(dir: &Path) -> (FaultyFs, Arc<AppendLog>) {
    let (ffs, fs) = faulty();
    let log = fresh(&fs, dir, options().fsync(AppendFsync::Always));
    commit(&log, &set("a", "1")).expect("commit");
    (ffs, log)
}

#[test]
fn a_failed_base_write_or_final_manifest_keeps_the_log_writable_and_whole() {
    // Writes in a rewrite: the switch's manifest, then the base. Renames:
    // the switch's manifest, the base, the final manifest. Directory
    // syncs: the same three.
    for (op, after, fault) in [
        (Op::Write, 1, Fault::NoSpace),
        (Op::Write, 1, Fault::Io),
        (Op::Sync, 1, Fault::Io),
        (Op::Rename, 1, Fault::Io),
        (Op::Rename, 2, Fault::Io),
        (Op::SyncDir, 1, Fault::Io),
        (Op::SyncDir, 2, Fault::Io),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (ffs, log) = log_with_a(tmp.path());
        log.begin_checkpoint().expect("begin");
        ffs.fail_once(op, after, fault);
        let err = log.checkpoint(&mut vec![dump_string("a", "1")].into_iter());
        assert!(err.is_err(), "{op:?} {after}");
        assert_eq!(ffs.injected(), 1);
        assert!(!log.info().last_rewrite_ok);
        log.check_writable().expect("appends are unaffected");
        commit(&log, &set("c", "3")).expect("commit");
        drop(log);
        let (commands, _) = reload(tmp.path());
        assert_eq!(
            commands,
            vec![set("a", "1"), set("c", "3")],
            "{op:?} {after}"
        );
        // The next rewrite succeeds and removes what the failed one left.
        let log = open(&std_fs(), tmp.path(), options()).expect("reopen");
        replay_all(&log).expect("replay");
        log.begin_checkpoint().expect("begin");
        log.checkpoint(&mut vec![dump_string("a", "1"), dump_string("c", "3")].into_iter())
            .expect("rewrite");
        drop(log);
        let files = std::fs::read_dir(log_dir(tmp.path())).expect("dir").count();
        assert_eq!(files, 3, "{op:?} {after}: manifest, base, incr");
    }
}

#[test]
fn a_failed_switch_to_the_new_file_enters_failed_until_a_rewrite_succeeds() {
    for (op, fault) in [
        (Op::Create, Fault::Io),
        (Op::Write, Fault::NoSpace),
        (Op::Sync, Fault::Io),
        (Op::Rename, Fault::Io),
        (Op::Rename, Fault::NoSpace),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (ffs, log) = log_with_a(tmp.path());
        log.begin_checkpoint().expect("begin");
        ffs.fail_once(op, 0, fault);
        assert!(
            log.checkpoint(&mut vec![dump_string("a", "1")].into_iter())
                .is_err()
        );
        assert_misconf(log.check_writable(), fault);
        let (commands, _) = reload(tmp.path());
        assert_eq!(commands, vec![set("a", "1")], "{op:?}");
        log.begin_checkpoint().expect("begin");
        log.checkpoint(&mut vec![dump_string("a", "1")].into_iter())
            .expect("rewrite");
        log.check_writable().expect("writable");
        commit(&log, &set("c", "3")).expect("commit");
        drop(log);
        let (commands, _) = reload(tmp.path());
        assert_eq!(commands, vec![set("a", "1"), set("c", "3")], "{op:?}");
    }
}

/// Recorders append to per-thread lists under a model lock (the shard
/// locks), a rewrite takes its instant under the same lock: after it, the
/// replay rebuilds the final model exactly, nothing lost or doubled.
#[test]
fn a_rewrite_under_concurrent_recorders_loses_nothing() {
    for policy in [AppendFsync::Always, AppendFsync::EverySec] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let fs = std_fs();
        let log = fresh(&fs, tmp.path(), options().fsync(policy));
        log.start();
        let model: parking_lot::Mutex<BTreeMap<u64, Vec<u64>>> =
            parking_lot::Mutex::new(BTreeMap::new());
        let per_thread = 400u64;
        let at_begin = std::thread::scope(|scope| {
            for t in 0..4u64 {
                let (log, model) = (&log, &model);
                scope.spawn(move || {
                    for i in 0..per_thread {
                        let mut m = model.lock();
                        m.entry(t).or_default().push(i);
                        let ticket = log.record(&[
                            b"RPUSH",
                            format!("t{t}").as_bytes(),
                            format!("{i}").as_bytes(),
                        ]);
                        drop(m);
                        log.commit(ticket).expect("commit");
                    }
                });
            }
            while model.lock().values().map(Vec::len).sum::<usize>() < 300 {
                std::thread::yield_now();
            }
            let (dumps, at_begin) = {
                let m = model.lock();
                log.begin_checkpoint().expect("begin");
                let dumps: Vec<KeyDump> = m
                    .iter()
                    .map(|(t, items)| KeyDump {
                        key: format!("t{t}").into_bytes(),
                        expire_at_ms: None,
                        value: DumpValue::List(
                            items.iter().map(|i| format!("{i}").into_bytes()).collect(),
                        ),
                    })
                    .collect();
                (dumps, m.values().map(Vec::len).sum::<usize>())
            };
            log.checkpoint(&mut dumps.into_iter()).expect("rewrite");
            at_begin
        });
        log.sync().expect("sync");
        drop(log);
        let (commands, _) = reload(tmp.path());
        let mut rebuilt: BTreeMap<Vec<u8>, Vec<Vec<u8>>> = BTreeMap::new();
        for argv in &commands {
            assert_eq!(argv[0], b"RPUSH");
            rebuilt
                .entry(argv[1].clone())
                .or_default()
                .extend(argv[2..].iter().cloned());
        }
        let expected: BTreeMap<Vec<u8>, Vec<Vec<u8>>> = model
            .into_inner()
            .into_iter()
            .map(|(t, items)| {
                (
                    format!("t{t}").into_bytes(),
                    items.iter().map(|i| format!("{i}").into_bytes()).collect(),
                )
            })
            .collect();
        assert!(
            rebuilt == expected,
            "{policy:?}: replay differs from the model"
        );
        // Records after the begin are in the new incremental file only.
        let manifest = read_manifest(tmp.path());
        assert_eq!(manifest.incrs.len(), 1);
        let report = check::check_with(&crate::persist::fs::StdFs, tmp.path(), &options(), false)
            .expect("check");
        assert_eq!(
            report.files[1].commands,
            4 * per_thread - at_begin as u64,
            "{policy:?}"
        );
    }
}
