//! Tests of the append log: format, replay, truncation, corruption, group
//! commit and rewrites. Fault injection is in `tests_faults.rs`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::manifest::Manifest;
use super::*;
use crate::clock::{ManualClock, SystemClock};
use crate::persist::fs::{Fs, StdFs};
use crate::persist::{AppendFsync, DumpValue};

pub(super) type Argv = Vec<Vec<u8>>;

/// A seeded xorshift, so failures reproduce.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Bytes of any value, CR/LF/`*`/`$` included.
    pub(super) fn bytes(&mut self) -> Vec<u8> {
        let len = match self.below(10) {
            0 => 0,
            1 => 100 + self.below(300),
            _ => self.below(12),
        };
        (0..len).map(|_| self.next() as u8).collect()
    }
    pub(super) fn command(&mut self) -> Argv {
        let mut argv = vec![b"SET".to_vec(), self.bytes()];
        for _ in 0..self.below(4) {
            argv.push(self.bytes());
        }
        argv
    }
}

pub(super) fn options() -> AppendLogOptions {
    AppendLogOptions::new()
}

pub(super) fn open(
    fs: &Arc<dyn Fs>,
    dir: &Path,
    options: AppendLogOptions,
) -> Result<Arc<AppendLog>> {
    AppendLog::open(Arc::clone(fs), dir, options, Arc::new(SystemClock)).map(Arc::new)
}

/// A new log with its first base and manifest, as the store makes it.
pub(super) fn fresh(fs: &Arc<dyn Fs>, dir: &Path, options: AppendLogOptions) -> Arc<AppendLog> {
    let log = open(fs, dir, options).expect("open");
    assert!(!log.has_data());
    log.begin_checkpoint().expect("begin");
    log.checkpoint(&mut std::iter::empty())
        .expect("first checkpoint");
    log
}

pub(super) fn std_fs() -> Arc<dyn Fs> {
    Arc::new(StdFs)
}

/// The real file system, but truncation skips its fsync (thousands of
/// truncations in a test).
#[derive(Debug)]
struct NoSyncTruncate;

impl Fs for NoSyncTruncate {
    fn create_dir_all(&self, dir: &Path) -> std::io::Result<()> {
        StdFs.create_dir_all(dir)
    }
    fn create(&self, path: &Path) -> std::io::Result<Box<dyn crate::persist::fs::FsFile>> {
        StdFs.create(path)
    }
    fn open_append(&self, path: &Path) -> std::io::Result<Box<dyn crate::persist::fs::FsFile>> {
        StdFs.open_append(path)
    }
    fn open_read(&self, path: &Path) -> std::io::Result<Box<dyn std::io::Read + Send>> {
        StdFs.open_read(path)
    }
    fn len(&self, path: &Path) -> std::io::Result<Option<u64>> {
        StdFs.len(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        StdFs.rename(from, to)
    }
    fn remove(&self, path: &Path) -> std::io::Result<()> {
        StdFs.remove(path)
    }
    fn truncate(&self, path: &Path, len: u64) -> std::io::Result<()> {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)?
            .set_len(len)
    }
    fn sync_dir(&self, dir: &Path) -> std::io::Result<()> {
        StdFs.sync_dir(dir)
    }
    fn list(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        StdFs.list(dir)
    }
    fn lock(&self, path: &Path) -> std::io::Result<Box<dyn Send + Sync>> {
        StdFs.lock(path)
    }
}

/// Every command the log replays, in order.
pub(super) fn replay_all(log: &AppendLog) -> Result<(Vec<Argv>, ReplayStats)> {
    let mut seen = Vec::new();
    let stats = log.replay(&mut |argv| {
        seen.push(argv.iter().map(|a| a.to_vec()).collect());
        Ok(())
    })?;
    Ok((seen, stats))
}

pub(super) fn reopen_commands(fs: &Arc<dyn Fs>, dir: &Path) -> Vec<Argv> {
    let log = open(fs, dir, options()).expect("reopen");
    assert!(log.has_data());
    replay_all(&log).expect("replay").0
}

pub(super) fn refs(argv: &Argv) -> Vec<&[u8]> {
    argv.iter().map(Vec::as_slice).collect()
}

pub(super) fn log_dir(dir: &Path) -> PathBuf {
    dir.join("appendonlydir")
}

pub(super) fn read_manifest(dir: &Path) -> Manifest {
    let text = std::fs::read(log_dir(dir).join("appendonly.aof.manifest")).expect("manifest");
    Manifest::parse(&text, "m").expect("parse")
}

pub(super) fn s(v: &[&str]) -> Argv {
    v.iter().map(|a| a.as_bytes().to_vec()).collect()
}

#[test]
fn replay_gives_back_every_recorded_command_with_transactions_applied_at_exec() {
    for policy in [AppendFsync::Always, AppendFsync::EverySec, AppendFsync::No] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let fs = std_fs();
        let log = fresh(&fs, tmp.path(), options().fsync(policy));
        log.start();
        let mut rng = Rng::new(7 + policy as u64);
        let mut expected = Vec::new();
        let mut last = 0;
        for _ in 0..400 {
            if rng.below(8) == 0 {
                let txn: Vec<Argv> = (0..1 + rng.below(4)).map(|_| rng.command()).collect();
                let ticket = log.record_transaction(&txn);
                assert!(ticket > last);
                last = ticket;
                log.commit(ticket).expect("commit");
                expected.extend(txn);
            } else {
                let argv = rng.command();
                let ticket = log.record(&refs(&argv));
                assert!(ticket > last);
                last = ticket;
                log.commit(ticket).expect("commit");
                expected.push(argv);
            }
        }
        drop(log);
        let got = reopen_commands(&fs, tmp.path());
        assert_eq!(got.len(), expected.len(), "{policy:?}");
        assert!(got == expected, "{policy:?}: replay differs");
    }
}

#[test]
fn a_missing_manifest_is_a_fresh_log_but_lost_incremental_data_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs = std_fs();
    let log = open(&fs, tmp.path(), options()).expect("open");
    assert!(!log.has_data());
    assert!(log_dir(tmp.path()).is_dir());
    drop(log);
    // A base left by a first rewrite that crashed before its manifest.
    std::fs::write(
        log_dir(tmp.path()).join("appendonly.aof.1.base.aof"),
        b"junk",
    )
    .expect("w");
    assert!(!open(&fs, tmp.path(), options()).expect("open").has_data());
    std::fs::write(
        log_dir(tmp.path()).join("appendonly.aof.1.incr.aof"),
        b"*1\r\n",
    )
    .expect("w");
    let err = open(&fs, tmp.path(), options())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("appendonly.aof.1.incr.aof") && err.contains("no manifest"),
        "{err}"
    );
}

/// The open incremental file of a fresh log holding `records` (and
/// transactions), with each record's end offset.
fn log_with_records(
    fs: &Arc<dyn Fs>,
    dir: &Path,
    count: usize,
) -> (Vec<(u64, Vec<Argv>)>, PathBuf) {
    let log = fresh(fs, dir, options());
    let mut ends = Vec::new();
    let mut end = 0u64;
    let small = |i: usize| {
        vec![
            b"SET".to_vec(),
            format!("k{i}").into_bytes(),
            vec![b'\r', b'\n', b'*', i as u8],
        ]
    };
    for i in 0..count {
        let group: Vec<Argv> = if i % 7 == 3 {
            vec![small(i), small(i + 1000)]
        } else {
            vec![small(i)]
        };
        // Tickets are record numbers: the byte offsets are counted here.
        let mut bytes = Vec::new();
        if group.len() > 1 {
            log.record_transaction(&group);
            crate::resp::encode_command(&[b"MULTI"], &mut bytes);
            for argv in &group {
                crate::resp::encode_command(argv, &mut bytes);
            }
            crate::resp::encode_command(&[b"EXEC"], &mut bytes);
        } else {
            log.record(&refs(&group[0]));
            crate::resp::encode_command(&group[0], &mut bytes);
        }
        end += bytes.len() as u64;
        ends.push((end, group));
    }
    log.sync().expect("sync");
    let manifest = read_manifest(dir);
    let open_name = manifest.open_incr().expect("open incr").name.clone();
    (ends, log_dir(dir).join(open_name))
}

#[test]
fn a_cut_at_any_offset_of_the_last_50_records_keeps_every_whole_record() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs: Arc<dyn Fs> = Arc::new(NoSyncTruncate);
    let (records, path) = log_with_records(&fs, tmp.path(), 60);
    let full = std::fs::read(&path).expect("read");
    assert_eq!(full.len() as u64, records.last().expect("records").0);
    let from = records[9].0;
    for cut in from..=full.len() as u64 {
        for truncate in [true, false] {
            std::fs::write(&path, &full[..cut as usize]).expect("write");
            let log = open(&fs, tmp.path(), options().load_truncated(truncate)).expect("open");
            let whole: Vec<&(u64, Vec<Argv>)> =
                records.iter().filter(|(end, _)| *end <= cut).collect();
            let good = whole.last().map_or(0, |(end, _)| *end);
            let result = replay_all(&log);
            if good == cut {
                let (got, stats) = result.expect("clean cut");
                assert!(stats.warnings.is_empty());
                let expected: Vec<Argv> = whole.iter().flat_map(|(_, g)| g.clone()).collect();
                assert_eq!(got, expected);
            } else if truncate {
                let (got, stats) = result.expect("torn tail cut off");
                let expected: Vec<Argv> = whole.iter().flat_map(|(_, g)| g.clone()).collect();
                assert_eq!(got, expected, "cut {cut}");
                assert_eq!(stats.warnings.len(), 1);
                assert!(
                    stats.warnings[0].contains(&format!("byte offset {good} ")),
                    "{}",
                    stats.warnings[0]
                );
                assert_eq!(std::fs::metadata(&path).expect("meta").len(), good);
            } else {
                let err = result.expect_err("refused").to_string();
                assert!(err.contains(&format!("byte offset {good} ")), "{err}");
                assert!(err.contains("appendonly.aof.1.incr.aof"), "{err}");
            }
        }
    }
}

/// A rewrite's switch reaches the disk but the rewrite never ends (a
/// crash): the manifest lists base, finished incr, open incr.
pub(super) fn switch_files(log: &AppendLog) {
    log.begin_checkpoint().expect("begin");
    let shared = log.shared();
    let mut io = shared.io.lock();
    shared.flush(&mut io, true, true);
}

#[test]
fn after_a_torn_tail_is_cut_appends_continue_from_a_clean_end() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs = std_fs();
    let (records, path) = log_with_records(&fs, tmp.path(), 5);
    let full = std::fs::read(&path).expect("read");
    std::fs::write(&path, &full[..full.len() - 3]).expect("write");
    let log = open(&fs, tmp.path(), options()).expect("open");
    let (got, stats) = replay_all(&log).expect("replay");
    assert_eq!(stats.warnings.len(), 1);
    let mut expected: Vec<Argv> = records[..4].iter().flat_map(|(_, g)| g.clone()).collect();
    assert_eq!(got, expected);
    log.start();
    let extra = s(&["SET", "after", "cut"]);
    let ticket = log.record(&refs(&extra));
    log.commit(ticket).expect("commit");
    log.sync().expect("sync");
    // The file is finished by a switch: its checksum (kept from the replay
    // and the appends) must match what is on disk.
    switch_files(&log);
    drop(log);
    expected.push(extra);
    assert_eq!(
        read_manifest(tmp.path()).incrs[0].sum.map(|s| s.size),
        Some(std::fs::metadata(&path).expect("m").len())
    );
    assert_eq!(reopen_commands(&fs, tmp.path()), expected);
}

#[test]
fn corruption_is_reported_with_the_file_and_offset() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs = std_fs();
    let log = fresh(&fs, tmp.path(), options());
    log.begin_checkpoint().expect("begin");
    log.checkpoint(&mut (0..10).map(|i| dump_string(&format!("b{i}"), "base value")))
        .expect("checkpoint");
    for i in 0..20 {
        log.record(&[b"SET", format!("k{i}").as_bytes(), b"v"]);
    }
    switch_files(&log);
    for _ in 0..3 {
        log.record(&[b"SET", b"late", b"v"]);
    }
    log.sync().expect("sync");
    drop(log);
    let manifest = read_manifest(tmp.path());
    assert_eq!(manifest.incrs.len(), 2);
    assert!(manifest.incrs[0].sum.is_some() && manifest.incrs[1].sum.is_none());
    assert_eq!(reopen_commands(&fs, tmp.path()).len(), 33);
    let dir = log_dir(tmp.path());
    let flip = |name: &str, at: usize| {
        let path = dir.join(name);
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[at] ^= 0x20;
        std::fs::write(&path, bytes).expect("write");
    };
    // A flipped byte inside a value of a finished file: the CRC catches it.
    let base = manifest.base.as_ref().expect("base").name.clone();
    let closed = manifest.incrs[0].name.clone();
    let open_name = manifest.incrs[1].name.clone();
    for name in [&base, &closed] {
        flip(name, 30);
        let err = open(&fs, tmp.path(), options())
            .err()
            .expect("crc")
            .to_string();
        assert!(
            err.contains(name.as_str()) && err.contains("CRC-32 mismatch"),
            "{err}"
        );
        flip(name, 30);
    }
    std::fs::write(dir.join(&base), b"x").expect("write");
    let err = open(&fs, tmp.path(), options())
        .err()
        .expect("size")
        .to_string();
    assert!(
        err.contains(&base) && err.contains("size mismatch"),
        "{err}"
    );
    // A missing file named by the manifest.
    std::fs::remove_file(dir.join(&base)).expect("rm");
    let err = open(&fs, tmp.path(), options())
        .err()
        .expect("missing base")
        .to_string();
    assert!(err.contains(&base) && err.contains("missing"), "{err}");
    let _ = open_name;
}

#[test]
fn garbage_in_the_middle_of_the_open_file_fails_the_replay_with_its_offset() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs = std_fs();
    let log = fresh(&fs, tmp.path(), options());
    for _ in 0..3 {
        log.record(&[b"SET", b"late", b"v"]);
    }
    log.sync().expect("sync");
    drop(log);
    let open_path = log_dir(tmp.path()).join("appendonly.aof.1.incr.aof");
    let mut bad = std::fs::read(&open_path).expect("read");
    assert_eq!(bad.len(), 90);
    bad[30] = b'!';
    std::fs::write(&open_path, &bad).expect("write");
    for truncate in [true, false] {
        let log = open(&fs, tmp.path(), options().load_truncated(truncate)).expect("open");
        let err = replay_all(&log).expect_err("garbage").to_string();
        assert!(
            err.contains("appendonly.aof.1.incr.aof") && err.contains("byte offset 30"),
            "{err}"
        );
    }
    assert_eq!(std::fs::read(&open_path).expect("read"), bad, "nothing cut");
}

#[test]
fn concurrent_always_commits_share_fsyncs_and_all_reach_the_disk() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs = std_fs();
    let log = fresh(&fs, tmp.path(), options().fsync(AppendFsync::Always));
    log.start();
    let before = log.info().fsyncs;
    let threads: u64 = 8;
    let per_thread: u64 = 150;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let log = &log;
            scope.spawn(move || {
                for i in 0..per_thread {
                    let ticket = log.record(&[
                        b"RPUSH",
                        format!("t{t}").as_bytes(),
                        format!("{i}").as_bytes(),
                    ]);
                    log.commit(ticket).expect("commit");
                }
            });
        }
    });
    let fsyncs = log.info().fsyncs - before;
    assert!(fsyncs < threads * per_thread, "{fsyncs} fsyncs");
    drop(log);
    let got = reopen_commands(&fs, tmp.path());
    assert_eq!(got.len() as u64, threads * per_thread);
    for t in 0..threads {
        let key = format!("t{t}").into_bytes();
        let values: Vec<Vec<u8>> = got
            .iter()
            .filter(|a| a[1] == key)
            .map(|a| a[2].clone())
            .collect();
        let expected: Vec<Vec<u8>> = (0..per_thread)
            .map(|i| format!("{i}").into_bytes())
            .collect();
        assert_eq!(values, expected);
    }
}

#[test]
fn automatic_rewrites_follow_redis_growth_rule_and_back_off() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs = std_fs();
    let clock = ManualClock::new(1_000_000);
    let options = options()
        .auto_rewrite_min_size(1000)
        .auto_rewrite_percentage(100);
    let log = Arc::new(
        AppendLog::open(
            Arc::clone(&fs),
            tmp.path(),
            options,
            Arc::new(clock.clone()),
        )
        .expect("open"),
    );
    log.begin_checkpoint().expect("begin");
    log.checkpoint(&mut std::iter::once(KeyDump {
        key: b"k".to_vec(),
        expire_at_ms: None,
        value: DumpValue::String(vec![b'x'; 1500]),
    }))
    .expect("checkpoint");
    let base = log.info().base_size;
    assert!(base > 1500);
    assert_eq!(log.info().current_size, base);
    assert!(!log.checkpoint_due());
    let value = vec![b'y'; 100];
    while log.info().current_size < 2 * base - 200 {
        log.record(&[b"SET", b"k", &value]);
        log.sync().expect("sync");
    }
    assert!(!log.checkpoint_due(), "below 100% growth");
    log.record(&[b"SET", b"k", &value]);
    log.record(&[b"SET", b"k", &value]);
    log.sync().expect("sync");
    assert!(log.checkpoint_due());
    // Three failed rewrites: automatic ones wait 1 minute, then 2.
    log.shared()
        .stats
        .rewrite_failures
        .store(3, Ordering::Relaxed);
    assert!(!log.checkpoint_due());
    clock.advance(std::time::Duration::from_secs(59));
    assert!(!log.checkpoint_due());
    clock.advance(std::time::Duration::from_secs(2));
    assert!(log.checkpoint_due());
    assert!(!log.checkpoint_due());
    clock.advance(std::time::Duration::from_secs(121));
    assert!(log.checkpoint_due());
    let off = AppendLog::open(
        Arc::clone(&fs),
        tmp.path(),
        AppendLogOptions::new().auto_rewrite_percentage(0),
        Arc::new(clock),
    );
    drop(log);
    assert!(!off.expect("open").checkpoint_due());
}

#[test]
fn check_append_log_reports_and_fixes_like_redis_check_aof() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs = std_fs();
    let (_records, path) = log_with_records(&fs, tmp.path(), 10);
    let report = check::check_with(&StdFs, tmp.path(), &options(), false).expect("check");
    assert!(report.is_ok());
    assert!(
        report.files.iter().all(|f| f.status == FileStatus::Ok),
        "{report}"
    );
    assert_eq!(report.files[1].commands, 11);
    let full = std::fs::read(&path).expect("read");
    std::fs::write(&path, &full[..full.len() - 2]).expect("write");
    let report = check_append_log(tmp.path(), &options(), false).expect("check");
    let FileStatus::TornTail {
        offset,
        truncated: false,
    } = report.files[1].status
    else {
        panic!("{report}");
    };
    assert!(
        report.is_ok()
            && report
                .to_string()
                .contains(&format!("torn tail at offset {offset}"))
    );
    let fixed = check_append_log(tmp.path(), &options(), true).expect("fix");
    assert_eq!(
        fixed.files[1].status,
        FileStatus::TornTail {
            offset,
            truncated: true
        }
    );
    assert_eq!(std::fs::metadata(&path).expect("meta").len(), offset);
    assert_eq!(
        check_append_log(tmp.path(), &options(), false)
            .expect("check")
            .files[1]
            .status,
        FileStatus::Ok
    );
    let mut bad = std::fs::read(&path).expect("read");
    bad[4] = b'#';
    std::fs::write(&path, &bad).expect("write");
    let report = check_append_log(tmp.path(), &options(), false).expect("check");
    assert!(
        matches!(
            report.files[1].status,
            FileStatus::Corrupt { offset: 4, .. }
        ),
        "{report}"
    );
    assert!(!report.is_ok() && report.to_string().contains("CORRUPT at offset 4"));
    let base = log_dir(tmp.path()).join(&report.files[0].name);
    std::fs::write(&base, b"*1\r\n$4\r\nPING\r\n").expect("write");
    let report = check_append_log(tmp.path(), &options(), false).expect("check");
    assert!(
        matches!(report.files[0].status, FileStatus::ChecksumMismatch { .. }),
        "{report}"
    );
    let err = check_append_log(&tmp.path().join("nowhere"), &options(), false).expect_err("none");
    assert!(err.to_string().contains("no append log manifest"));
}

pub(super) fn dump_string(key: &str, value: &str) -> KeyDump {
    KeyDump {
        key: key.as_bytes().to_vec(),
        expire_at_ms: None,
        value: DumpValue::String(value.as_bytes().to_vec()),
    }
}
