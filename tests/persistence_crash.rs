//! Crash tests: a child process (this test binary, re-run with
//! `--exact crash_child --ignored`) writes to a store while the parent
//! SIGKILLs it at a random instant; the parent reopens the store (which
//! must open) and checks it against what the child acknowledged.
//!
//! The child's writes are a deterministic sequence (from the seed and the
//! round): `SET k:<round>:<j>`, `INCR counter`, `RPUSH list <round>:<j>`, and
//! transactions `SET txa:<round>:<j>` + `INCR txcounter`; now and then it
//! starts a `bgrewriteaof` (so rewrites get killed too). It prints
//! `ACK <j> <unix ms>` after write `j` returned. After the kill the store
//! must hold exactly a prefix of the sequence (every write at most once, in
//! order, a transaction whole or not at all), on top of what the previous
//! rounds left, and:
//! - under `always`, every acknowledged write;
//! - under `everysec`, every write acknowledged more than 2 s before the kill.
//!
//! The snapshot rounds kill the child during its `save()` loop: the store
//! opens with the snapshot of a save that was started, never one older than
//! the last save that returned.
//!
//! `KVSTORE_CRASH_ROUNDS` (default 50) rounds per policy; `KVSTORE_CRASH_SEED`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kvstore::persist::{
    AppendFsync, AppendLogOptions, FileStatus, SnapshotOptions, check_append_log,
};
use kvstore::{Config, Store};

mod common;

use common::rng::Rng;

const CHILD_TEST: &str = "crash_child";
/// Starts each line the child says (the harness's own output is ignored).
const MARK: &str = "@@ ";
const ENV_DIR: &str = "KVSTORE_CRASH_CHILD_DIR";
const ENV_KIND: &str = "KVSTORE_CRASH_CHILD_KIND";
const ENV_ROUND: &str = "KVSTORE_CRASH_CHILD_ROUND";
const ENV_SEED: &str = "KVSTORE_CRASH_CHILD_SEED";
/// Writes per round at most (then the child idles until killed), so the
/// store stays small enough to reload quickly every round.
const MAX_WRITES_PER_ROUND: u64 = 600;
/// A child that is never killed stops by itself.
const CHILD_LIFETIME: Duration = Duration::from_secs(30);
/// What `everysec` may lose: writes acknowledged this long before the kill.
const EVERYSEC_WINDOW_MS: i64 = 2000;

fn now_unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a number")),
    )
}

/// Which store the child runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Log(AppendFsync),
    Snapshot,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Log(p) => p.as_str(),
            Kind::Snapshot => "snapshot",
        }
    }

    fn from_name(name: &str) -> Kind {
        match name {
            "snapshot" => Kind::Snapshot,
            other => Kind::Log(
                AppendFsync::from_name(other.as_bytes())
                    .unwrap_or_else(|| panic!("unknown kind {other}")),
            ),
        }
    }

    fn config(self, dir: &Path) -> Config {
        let builder = Config::builder().dir(dir);
        match self {
            Kind::Log(policy) => builder
                .append_log(
                    AppendLogOptions::new()
                        .fsync(policy)
                        .auto_rewrite_percentage(0),
                )
                .build(),
            Kind::Snapshot => builder
                .snapshot(SnapshotOptions::new().save_points(&[]))
                .build(),
        }
    }
}

/// The kinds of the child's writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Set,
    Incr,
    Rpush,
    Tx,
}

/// Write `j` of `round`: the same in parent and child.
fn op(seed: u64, round: u64, j: u64) -> Op {
    let mut rng = Rng::new(seed ^ round.wrapping_mul(0x9E37_79B9) ^ j.wrapping_mul(0x85EB_CA6B));
    match rng.below(100) {
        0..40 => Op::Set,
        40..65 => Op::Incr,
        65..90 => Op::Rpush,
        _ => Op::Tx,
    }
}

/// Whether the child starts a rewrite before write `j`.
fn rewrite_before(j: u64) -> bool {
    j % 150 == 75
}

// ---------------------------------------------------------------------------
// The child.

/// Prints one line to stdout at once (the parent reads it even if the
/// process is killed right after).
fn say(line: &str) {
    // On a line of its own, marked: the test harness prints its own text
    // (`test crash_child ... `) without a newline first.
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(format!("\n{MARK}{line}\n").as_bytes());
    let _ = out.flush();
}

#[test]
#[ignore = "the crash tests' child process; does nothing unless run by them"]
fn crash_child() {
    let Ok(dir) = std::env::var(ENV_DIR) else {
        return;
    };
    let kind = Kind::from_name(&std::env::var(ENV_KIND).expect("kind"));
    let round = env_u64(ENV_ROUND).expect("round");
    let seed = env_u64(ENV_SEED).expect("seed");
    let started = Instant::now();
    let store = match Store::open(kind.config(Path::new(&dir))) {
        Ok(store) => store,
        Err(e) => {
            say(&format!("OPENFAILED {e}"));
            return;
        }
    };
    match kind {
        Kind::Log(_) => child_log(&store, seed, round),
        Kind::Snapshot => child_snapshot(&store),
    }
    // Idle until killed (or give up after a while).
    while started.elapsed() < CHILD_LIFETIME {
        thread::sleep(Duration::from_millis(10));
    }
}

fn child_log(store: &Store, seed: u64, round: u64) {
    say("READY");
    for j in 0..MAX_WRITES_PER_ROUND {
        if rewrite_before(j) {
            // Detached: it goes on in the background (or is killed).
            if let Ok(job) = store.bgrewriteaof() {
                drop(job);
            }
        }
        let result = match op(seed, round, j) {
            Op::Set => store.set(format!("k:{round}:{j}"), format!("v:{round}:{j}")),
            Op::Incr => store.incr("counter").map(drop),
            Op::Rpush => store.rpush("list", [format!("{round}:{j}")]).map(drop),
            Op::Tx => {
                let key = format!("txa:{round}:{j}");
                store.transaction(&[key.as_str(), "txcounter"], |tx| -> kvstore::Result<()> {
                    tx.set(&key, "1")?;
                    tx.incr("txcounter")?;
                    Ok(())
                })
            }
        };
        if let Err(e) = result {
            say(&format!("WRITEFAILED {j} {e}"));
            return;
        }
        say(&format!("ACK {j} {}", now_unix_ms()));
    }
}

/// Snapshot rounds: `s:<i>` keys, 0, 1, 2 … with no gap; batches of writes,
/// each followed by a `save()`; one big value makes each save take a while.
fn child_snapshot(store: &Store) {
    if store.exists(["big"]).unwrap_or(0) == 0 {
        store.set("big", vec![b'b'; 2 << 20]).expect("SET big");
    }
    let mut n = store.dbsize() as u64 - 1;
    say(&format!("READY {n}"));
    for _ in 0..40 {
        for _ in 0..200 {
            store.set(format!("s:{n}"), format!("{n}")).expect("SET");
            n += 1;
        }
        say(&format!("SAVING {n}"));
        if let Err(e) = store.save() {
            say(&format!("WRITEFAILED save {e}"));
            return;
        }
        say(&format!("SAVED {n}"));
    }
}

// ---------------------------------------------------------------------------
// The parent.

/// One child process and the lines it printed.
struct ChildRun {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<thread::JoinHandle<()>>,
}

impl ChildRun {
    fn spawn(kind: Kind, dir: &Path, round: u64, seed: u64) -> ChildRun {
        let exe = std::env::current_exe().expect("current_exe");
        let mut child = Command::new(exe)
            .args([
                "--exact",
                CHILD_TEST,
                "--nocapture",
                "--ignored",
                "--test-threads=1",
            ])
            .env(ENV_DIR, dir)
            .env(ENV_KIND, kind.name())
            .env(ENV_ROUND, round.to_string())
            .env(ENV_SEED, seed.to_string())
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the child");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut err = child.stderr.take().expect("stderr");
        let sink = lines.clone();
        let out_reader = thread::spawn(move || {
            let mut line = Vec::new();
            loop {
                line.clear();
                match out.read_until(b'\n', &mut line) {
                    // A line cut by the kill has no newline: not printed.
                    Ok(0) | Err(_) => return,
                    Ok(_) if line.last() != Some(&b'\n') => return,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line);
                        if let Some(said) = text.trim_end().strip_prefix(MARK) {
                            sink.lock().expect("lines").push(said.to_owned());
                        }
                    }
                }
            }
        });
        let err_sink = stderr.clone();
        let err_reader = thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf);
            err_sink.lock().expect("stderr").extend_from_slice(&buf);
        });
        ChildRun {
            child,
            lines,
            stderr,
            readers: vec![out_reader, err_reader],
        }
    }

    fn has_line(&self, prefix: &str) -> bool {
        self.lines
            .lock()
            .expect("lines")
            .iter()
            .any(|l| l.starts_with(prefix))
    }

    /// Waits (bounded) until the child printed a line starting with `READY`
    /// or failed.
    fn wait_ready(&mut self, context: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.has_line("READY") {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!(
                    "{context}: the child exited ({status}) before READY: {}",
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{context}: the child never got ready"
            );
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// SIGKILLs the child (by its pid), reaps it and collects its output.
    /// Returns the kill's Unix time in ms.
    fn kill(mut self, context: &str) -> (i64, Vec<String>) {
        if let Some(status) = self.child.try_wait().expect("try_wait") {
            panic!(
                "{context}: the child exited ({status}) before the kill: {}",
                self.output()
            );
        }
        let killed_at = now_unix_ms();
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid, which is not reaped yet.
        let rc = unsafe { libc::kill(pid, libc::SIGKILL) };
        assert_eq!(rc, 0, "{context}: kill failed");
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let lines = self.lines.lock().expect("lines").clone();
        for line in &lines {
            assert!(
                !line.starts_with("OPENFAILED") && !line.starts_with("WRITEFAILED"),
                "{context}: the child says {line}; stderr: {}",
                String::from_utf8_lossy(&self.stderr.lock().expect("stderr"))
            );
        }
        (killed_at, lines)
    }

    fn output(&self) -> String {
        format!(
            "stdout: {:?}\nstderr: {}",
            self.lines.lock().expect("lines"),
            String::from_utf8_lossy(&self.stderr.lock().expect("stderr"))
        )
    }
}

fn rounds(default: u64) -> u64 {
    env_u64("KVSTORE_CRASH_ROUNDS").unwrap_or(default)
}

fn base_seed() -> u64 {
    env_u64("KVSTORE_CRASH_SEED").unwrap_or(0xC0FF_EE00)
}

/// A directory kept when the test fails (its path is printed), removed
/// when it passes.
struct Workdir(PathBuf);

impl Workdir {
    fn new(name: &str) -> Workdir {
        let dir = std::env::temp_dir().join(format!("kvstore-crash-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the data directory");
        Workdir(dir)
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("data directory kept for inspection: {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Opens the store after a crash: it must open.
fn reopen(kind: Kind, dir: &Path, context: &str) -> Store {
    Store::open(kind.config(dir))
        .unwrap_or_else(|e| panic!("{context}: the store did not open after the crash: {e}"))
}

/// `check_append_log` after a crash: the log loads as it is (at most a torn
/// tail); returns the number of torn tails. No manifest is fine only when
/// none was ever written (the first child killed while it opened).
fn check_log(dir: &Path, context: &str) -> usize {
    let manifest = dir.join("appendonlydir").join("appendonly.aof.manifest");
    match check_append_log(dir, &AppendLogOptions::new(), false) {
        Ok(report) => {
            assert!(
                report.is_ok(),
                "{context}: check_append_log after the crash:\n{report}"
            );
            report
                .files
                .iter()
                .filter(|f| matches!(f.status, FileStatus::TornTail { .. }))
                .count()
        }
        Err(e) => {
            assert!(
                !manifest.exists(),
                "{context}: check_append_log failed: {e}"
            );
            0
        }
    }
}

/// What the previous rounds left (verified by the parent and synced).
#[derive(Debug, Default)]
struct Model {
    counter: i64,
    list: Vec<Vec<u8>>,
    set_keys: usize,
    tx_keys: usize,
    txcounter: i64,
}

fn get_int(store: &Store, key: &str) -> i64 {
    store.get(key).expect("GET").map_or(0, |v| {
        String::from_utf8_lossy(&v).parse().expect("an integer")
    })
}

/// The write indices `j` of `round` among `keys` named `<prefix>:<round>:<j>`.
fn indices(keys: &[Vec<u8>], prefix: &str, round: u64) -> Vec<u64> {
    let head = format!("{prefix}:{round}:");
    let mut out: Vec<u64> = keys
        .iter()
        .filter_map(|k| {
            std::str::from_utf8(k)
                .ok()?
                .strip_prefix(&head)?
                .parse()
                .ok()
        })
        .collect();
    out.sort_unstable();
    out
}

/// Checks the store after round `round` was killed; returns the prefix
/// length found and updates the model.
fn check_log_round(
    store: &Store,
    model: &mut Model,
    seed: u64,
    round: u64,
    acked: &[(u64, i64)],
    must_have: u64,
    context: &str,
) -> u64 {
    let ops: Vec<Op> = (0..MAX_WRITES_PER_ROUND)
        .map(|j| op(seed, round, j))
        .collect();
    let of_kind = |kind: Op| -> Vec<u64> {
        (0..MAX_WRITES_PER_ROUND)
            .filter(|&j| ops[j as usize] == kind)
            .collect()
    };

    let set_keys = store.keys("k:*").expect("KEYS");
    let tx_keys = store.keys("txa:*").expect("KEYS");
    let sets = indices(&set_keys, "k", round);
    let txs = indices(&tx_keys, "txa", round);
    assert_eq!(
        set_keys.len(),
        model.set_keys + sets.len(),
        "{context}: SET keys of earlier rounds lost or unknown keys found"
    );
    assert_eq!(
        tx_keys.len(),
        model.tx_keys + txs.len(),
        "{context}: transaction keys of earlier rounds lost or unknown keys found"
    );
    for j in &sets {
        let value = store.get(format!("k:{round}:{j}")).expect("GET");
        assert_eq!(
            value,
            Some(format!("v:{round}:{j}").into_bytes()),
            "{context}: k:{round}:{j}"
        );
    }
    let counter = get_int(store, "counter");
    let txcounter = get_int(store, "txcounter");
    let list = store.lrange("list", 0, -1).expect("LRANGE");
    assert!(
        list.len() >= model.list.len() && list[..model.list.len()] == model.list[..],
        "{context}: the list lost items of earlier rounds ({} items, {} before)",
        list.len(),
        model.list.len()
    );
    let incrs = counter - model.counter;
    let tx_incrs = txcounter - model.txcounter;
    assert!(
        incrs >= 0,
        "{context}: counter {counter} below {} of earlier rounds",
        model.counter
    );
    assert_eq!(
        tx_incrs,
        txs.len() as i64,
        "{context}: txcounter went up by {tx_incrs} but {} transaction keys exist: a transaction half applied",
        txs.len()
    );
    let pushed: Vec<u64> = list[model.list.len()..]
        .iter()
        .map(|item| {
            let text = String::from_utf8_lossy(item);
            let (r, j) = text
                .split_once(':')
                .unwrap_or_else(|| panic!("{context}: list item {text}"));
            assert_eq!(
                r,
                round.to_string(),
                "{context}: list item {text} of another round"
            );
            j.parse()
                .unwrap_or_else(|_| panic!("{context}: list item {text}"))
        })
        .collect();

    // Each kind holds a prefix of its own writes …
    let expect_prefix = |kind: Op, found: &[u64], what: &str| {
        let all = of_kind(kind);
        assert!(
            found.len() <= all.len() && found == &all[..found.len()],
            "{context}: the {what} writes found are not a prefix of those made: {found:?}"
        );
    };
    expect_prefix(Op::Set, &sets, "SET");
    expect_prefix(Op::Tx, &txs, "transaction");
    expect_prefix(Op::Rpush, &pushed, "RPUSH");
    let incr_ops = of_kind(Op::Incr);
    assert!(
        incrs as usize <= incr_ops.len(),
        "{context}: {incrs} INCRs found, more than made"
    );
    // … and together one prefix of the sequence: the last write found of
    // any kind ends it, and every earlier write of every kind is there.
    let counts = [
        (Op::Set, sets.len()),
        (Op::Tx, txs.len()),
        (Op::Rpush, pushed.len()),
        (Op::Incr, incrs as usize),
    ];
    let prefix = counts
        .iter()
        .map(|&(kind, n)| if n == 0 { 0 } else { of_kind(kind)[n - 1] + 1 })
        .max()
        .unwrap_or(0);
    for &(kind, n) in &counts {
        let expected = of_kind(kind).iter().filter(|&&j| j < prefix).count();
        assert_eq!(
            n, expected,
            "{context}: {n} {kind:?} writes found, but the writes found end at {prefix} \
             (which has {expected} of them): not a prefix of the sequence"
        );
    }
    let acked_count = acked.len() as u64;
    assert!(
        prefix <= acked_count + 1,
        "{context}: {prefix} writes found, only {acked_count} acknowledged (+1 in flight)"
    );
    assert!(
        prefix >= must_have,
        "{context}: {prefix} writes found, but {must_have} had to survive the crash \
         ({acked_count} acknowledged)"
    );
    model.counter = counter;
    model.txcounter = txcounter;
    model.list = list;
    model.set_keys = set_keys.len();
    model.tx_keys = tx_keys.len();
    prefix
}

fn crash_log(policy: AppendFsync) {
    let kind = Kind::Log(policy);
    let seed = base_seed() ^ policy as u64;
    let rounds = rounds(50);
    let workdir = Workdir::new(kind.name());
    let dir = workdir.0.as_path();
    let mut rng = Rng::new(seed);
    let mut model = Model::default();
    let (mut found_total, mut acked_total, mut torn, mut torn_checked) = (0, 0, 0, 0);
    let (mut lost, mut oldest_lost_ms) = (0u64, 0i64);
    let started = Instant::now();
    for round in 0..rounds {
        let context = format!(
            "{} round {round} (seed {seed:#x}, dir {})",
            kind.name(),
            dir.display()
        );
        let mut child = ChildRun::spawn(kind, dir, round, seed);
        if rng.chance(10) {
            // Killed while it opens (replays, maybe writes its first base).
            thread::sleep(Duration::from_millis(rng.below(60)));
        } else {
            child.wait_ready(&context);
            // now and then a long round, so everysec's window is exceeded
            let ms = if policy == AppendFsync::EverySec && round % 10 == 9 {
                rng.range(2500, 3000) as u64
            } else {
                rng.range(20, 400) as u64
            };
            thread::sleep(Duration::from_millis(ms));
        }
        let (killed_at, lines) = child.kill(&context);
        let acked: Vec<(u64, i64)> = lines
            .iter()
            .filter_map(|l| {
                let mut words = l.strip_prefix("ACK ")?.split(' ');
                Some((words.next()?.parse().ok()?, words.next()?.parse().ok()?))
            })
            .collect();
        for (i, (j, _)) in acked.iter().enumerate() {
            assert_eq!(
                *j, i as u64,
                "{context}: the child's acknowledgements are out of order"
            );
        }
        let must_have = match policy {
            AppendFsync::Always => acked.len() as u64,
            _ => acked
                .iter()
                .filter(|(_, at)| *at < killed_at - EVERYSEC_WINDOW_MS)
                .count() as u64,
        };
        torn_checked += check_log(dir, &context);
        let store = reopen(kind, dir, &context);
        torn += store.load_report().warnings.len();
        let found = check_log_round(&store, &mut model, seed, round, &acked, must_have, &context);
        found_total += found;
        acked_total += acked.len() as u64;
        // Acknowledged but lost (everysec): how long before the kill.
        for (j, at) in &acked {
            if *j >= found {
                lost += 1;
                oldest_lost_ms = oldest_lost_ms.max(killed_at - at);
            }
        }
        drop(store);
    }
    eprintln!(
        "{}: {rounds} rounds in {:.1?}: {acked_total} writes acknowledged, {found_total} found \
         after the crashes, {lost} acknowledged ones lost (the oldest {oldest_lost_ms} ms before \
         its kill), {torn} load warnings, {torn_checked} torn tails found by check_append_log",
        kind.name(),
        started.elapsed()
    );
    assert!(acked_total > 0, "the children never wrote anything");
}

#[test]
fn crash_append_log_always() {
    crash_log(AppendFsync::Always);
}

#[test]
fn crash_append_log_everysec() {
    crash_log(AppendFsync::EverySec);
}

#[test]
fn crash_during_save() {
    let kind = Kind::Snapshot;
    let seed = base_seed() ^ 0x5a5a;
    let rounds = rounds(50) / 2;
    let workdir = Workdir::new(kind.name());
    let dir = workdir.0.as_path();
    let mut rng = Rng::new(seed);
    let mut have = 0u64;
    let mut mid_save = 0;
    for round in 0..rounds {
        let context = format!(
            "snapshot round {round} (seed {seed:#x}, dir {})",
            dir.display()
        );
        let mut child = ChildRun::spawn(kind, dir, round, seed);
        child.wait_ready(&context);
        thread::sleep(Duration::from_millis(rng.range(20, 400) as u64));
        let (_, lines) = child.kill(&context);
        let start: u64 = lines
            .iter()
            .find_map(|l| l.strip_prefix("READY ")?.parse().ok())
            .unwrap_or_else(|| panic!("{context}: no READY line: {lines:?}"));
        assert_eq!(
            start, have,
            "{context}: the child found {start} keys, the parent {have}"
        );
        let saving: Vec<u64> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("SAVING ")?.parse().ok())
            .collect();
        let saved: Vec<u64> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("SAVED ")?.parse().ok())
            .collect();
        if saving.len() > saved.len() {
            mid_save += 1;
        }
        let store = reopen(kind, dir, &context);
        let n = store.keys("s:*").expect("KEYS").len() as u64;
        let big = store.get("big").expect("GET").map(|v| v.len());
        if big.is_none() {
            // No snapshot yet: nothing at all.
            assert_eq!(
                store.dbsize(),
                0,
                "{context}: keys loaded without the big value"
            );
        } else {
            assert_eq!(big, Some(2 << 20), "{context}: the big value");
            assert_eq!(
                store.dbsize() as u64,
                n + 1,
                "{context}: keys other than s:* and big"
            );
        }
        if n > 0 {
            assert_eq!(
                store.get(format!("s:{}", n - 1)).expect("GET"),
                Some((n - 1).to_string().into_bytes()),
                "{context}: s:0..{n} is not what was written"
            );
        }
        let last_saved = saved.last().copied().unwrap_or(start);
        assert!(
            n == start || saving.contains(&n),
            "{context}: {n} keys loaded: neither the old snapshot ({start}) nor one the child \
             started ({saving:?})"
        );
        assert!(
            n >= last_saved,
            "{context}: {n} keys loaded, but a save of {last_saved} had returned"
        );
        have = n;
        drop(store);
    }
    eprintln!("snapshot: {rounds} rounds, {mid_save} killed during a save, {have} keys at the end");
}
