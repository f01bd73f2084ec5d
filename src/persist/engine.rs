//! The store's side of persistence: which persistences it has, the write
//! gate and the commit after each write, and checkpoints.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};

use crate::config::Config;
use crate::keyspace::copy::CopyIter;
use crate::persist::aof::{AppendLog, ReplayStats};
use crate::persist::snapshot::Snapshot;
use crate::persist::{LOCK_FILE, LoadReport, Persistence};
use crate::propagate::WriteObserver;
use crate::store::Inner;
use crate::{Error, Result, Store};

/// The persistences of one store.
#[derive(Default)]
pub(crate) struct Persisters {
    /// Every persistence that loads and records, built-in ones first.
    pub(crate) all: Vec<Arc<dyn Persistence>>,
    /// The snapshot file; present whenever there is a data directory
    /// (`SAVE` works then), loaded and recording only when configured.
    pub(crate) snapshot: Option<Arc<Snapshot>>,
    /// The append log, when configured.
    pub(crate) log: Option<Arc<AppendLog>>,
    /// The data directory's lock, held while the store lives.
    _lock: Option<Box<dyn Send + Sync>>,
    /// Which checkpoint runs now, if any (one at a time).
    running: Mutex<Option<Kind>>,
    idle: Condvar,
    /// Background checkpoint threads, joined at shutdown.
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// What the open loaded.
    pub(crate) report: Mutex<LoadReport>,
    /// Set once the persistences were synced and stopped.
    closed: AtomicBool,
}

/// The kinds of checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Snapshot,
    Rewrite,
}

impl Persisters {
    /// Locks the data directory and sets up the configured persistences
    /// (nothing is loaded yet).
    pub(crate) fn open(config: &Config) -> Result<Persisters> {
        let mut persisters = Persisters::default();
        let Some(dir) = &config.dir else {
            if config.snapshot.is_some() || config.append_log.is_some() {
                return Err(Error::NoDataDir);
            }
            persisters.all.clone_from(&config.custom_persistence);
            return Ok(persisters);
        };
        for name in [
            config.snapshot.as_ref().map(|s| s.file_name.as_str()),
            config.append_log.as_ref().map(|l| l.file_name.as_str()),
            config.append_log.as_ref().map(|l| l.dir_name.as_str()),
        ]
        .into_iter()
        .flatten()
        {
            check_file_name(name)?;
        }
        let fs = Arc::clone(&config.fs);
        fs.create_dir_all(dir).map_err(|e| {
            Error::Persistence(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        let lock_path = dir.join(LOCK_FILE);
        persisters._lock = Some(fs.lock(&lock_path).map_err(|e| {
            Error::Persistence(format!(
                "data directory {} is in use by another store ({}: {e})",
                dir.display(),
                lock_path.display()
            ))
        })?);
        let snapshot_options = config.snapshot.clone().unwrap_or_default();
        let snapshot = Arc::new(Snapshot::new(
            Arc::clone(&fs),
            dir,
            snapshot_options,
            Arc::clone(&config.clock),
        ));
        if config.snapshot.is_some() {
            persisters.all.push(snapshot.clone());
        }
        persisters.snapshot = Some(snapshot);
        if let Some(options) = &config.append_log {
            let log = Arc::new(AppendLog::open(
                fs,
                dir,
                options.clone(),
                Arc::clone(&config.clock),
            )?);
            persisters.all.push(log.clone());
            persisters.log = Some(log);
        }
        persisters
            .all
            .extend(config.custom_persistence.iter().cloned());
        Ok(persisters)
    }

    fn snapshot_on(&self) -> Option<&Arc<Snapshot>> {
        let snapshot = self.snapshot.as_ref()?;
        let on = self.all.iter().any(|p| same(p, snapshot));
        on.then_some(snapshot)
    }

    /// Whether a checkpoint of `kind` is running.
    pub(crate) fn running(&self, kind: Kind) -> bool {
        *self.running.lock() == Some(kind)
    }
}

thread_local! {
    /// Tickets this thread's writes got from `record` and have not yet
    /// committed: (persistence address, largest ticket).
    static PENDING: RefCell<Vec<(usize, u64)>> = const { RefCell::new(Vec::new()) };
    /// Commits are deferred to [`Inner::commit_pending`] (the RESP server
    /// commits once per event-loop round, before any reply leaves).
    static DEFERRING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// A deferred commit of this round failed: every later commit of the
    /// round fails too (the writes it covered may be anyone's).
    static ROUND_FAILED: RefCell<Option<Error>> = const { RefCell::new(None) };
}

/// Defers this thread's commits until [`Inner::commit_pending`] (or the
/// end of the round) for the life of the value: writes run without waiting
/// for their fsync, and whoever sends their replies commits first. Used by
/// the RESP server so that one fsync covers every request of a round, as
/// Redis fsyncs once per event-loop iteration under `appendfsync always`.
#[cfg_attr(not(feature = "server"), allow(dead_code))]
pub(crate) struct DeferredCommits(());

#[cfg_attr(not(feature = "server"), allow(dead_code))]
impl DeferredCommits {
    /// Starts a round.
    pub(crate) fn begin() -> DeferredCommits {
        DEFERRING.with(|d| d.set(true));
        ROUND_FAILED.with(|f| f.borrow_mut().take());
        DeferredCommits(())
    }
}

/// Whether this thread is inside a [`DeferredCommits`] round.
pub(crate) fn deferring() -> bool {
    DEFERRING.with(std::cell::Cell::get)
}

impl Drop for DeferredCommits {
    fn drop(&mut self) {
        DEFERRING.with(|d| d.set(false));
    }
}

fn address(p: &Arc<dyn Persistence>) -> usize {
    Arc::as_ptr(p).cast::<()>() as usize
}

fn note_ticket(key: usize, ticket: u64) {
    if ticket == 0 {
        return;
    }
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        match pending.iter_mut().find(|(k, _)| *k == key) {
            Some((_, t)) => *t = (*t).max(ticket),
            None => pending.push((key, ticket)),
        }
    });
}

fn take_ticket(key: usize) -> u64 {
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        match pending.iter().position(|(k, _)| *k == key) {
            Some(i) => pending.swap_remove(i).1,
            None => 0,
        }
    })
}

/// Hands the canonical commands to one persistence (the propagation
/// path's observer for it), keeping the tickets for the commit.
pub(crate) struct Recorder(pub(crate) Arc<dyn Persistence>);

impl WriteObserver for Recorder {
    fn on_write(&self, argv: &[&[u8]]) {
        note_ticket(address(&self.0), self.0.record(argv));
    }

    fn on_transaction(&self, commands: &[Vec<Vec<u8>>]) {
        note_ticket(address(&self.0), self.0.record_transaction(commands));
    }
}

impl Inner {
    /// Refuses a write before it is applied when a persistence cannot take
    /// it (Redis's `MISCONF`).
    pub(crate) fn check_writable(&self) -> Result<()> {
        for p in &self.persist.all {
            p.check_writable()?;
        }
        Ok(())
    }

    /// Completes a write whose locks are released: waits until what it
    /// recorded is as durable as each persistence promises, and turns the
    /// write's result into the persistence's error when it cannot be.
    pub(crate) fn finish_write<T>(&self, result: Result<T>) -> Result<T> {
        if deferring() {
            return result;
        }
        self.commit_pending().and(result)
    }

    /// Commits every ticket this thread's writes left pending. Inside a
    /// [`DeferredCommits`] round, a failure is remembered and returned to
    /// every later call of the round.
    pub(crate) fn commit_pending(&self) -> Result<()> {
        if let Some(e) = ROUND_FAILED.with(|f| f.borrow().clone()) {
            return Err(e);
        }
        let mut failure: Option<Error> = None;
        for p in &self.persist.all {
            let ticket = take_ticket(address(p));
            if ticket != 0
                && let Err(e) = p.commit(ticket)
            {
                failure.get_or_insert(e);
            }
        }
        match failure {
            Some(e) => {
                if deferring() {
                    ROUND_FAILED.with(|f| *f.borrow_mut() = Some(e.clone()));
                }
                Err(e)
            }
            None => Ok(()),
        }
    }
}

/// A file or directory name of the options: a plain name inside the data
/// directory (Redis refuses path separators in `appendfilename` and
/// `appenddirname` too).
fn check_file_name(name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
        return Err(Error::Persistence(format!(
            "{name:?} is not a plain file name (persistence files live in the data directory)"
        )));
    }
    Ok(())
}

/// A duration for INFO: whole seconds, or -1 for none (Redis's convention).
fn info_seconds(ms: Option<u64>) -> i64 {
    ms.map_or(-1, |ms| i64::try_from(ms / 1000).unwrap_or(-1))
}

/// Whether `a` and `b` are the same persistence.
fn same<T: ?Sized, U: ?Sized>(a: &Arc<T>, b: &Arc<U>) -> bool {
    Arc::as_ptr(a).cast::<()>() == Arc::as_ptr(b).cast::<()>()
}

/// Replays the append log into `store` through the command table, as
/// Redis loads an AOF: nothing expires meanwhile, a command the store does
/// not know fails the load, other error replies are counted in a warning.
pub(crate) fn replay_log(store: &Store, log: &AppendLog) -> Result<ReplayStats> {
    let inner = &store.inner;
    let mut failed = 0u64;
    inner.loading.store(true, Ordering::Release);
    let replayed = log.replay(&mut |argv| match store.execute(argv) {
        crate::Reply::Error(e @ Error::UnknownCommand { .. }) => Err(Error::Persistence(format!(
            "unknown command in the append log: {e}"
        ))),
        crate::Reply::Error(_) => {
            failed += 1;
            Ok(())
        }
        _ => Ok(()),
    });
    inner.loading.store(false, Ordering::Release);
    let mut stats = replayed?;
    if failed > 0 {
        stats.warnings.push(format!(
            "{failed} commands of the append log answered with an error while replaying"
        ));
    }
    Ok(stats)
}

/// Reads the snapshot into `store` (presized from its key count);
/// `Ok(false)` when there is no snapshot file.
pub(crate) fn load_snapshot(store: &Store, snapshot: &Snapshot) -> Result<bool> {
    snapshot.read_sized(
        &mut |keys| store.inner.keyspace.reserve(keys),
        &mut |dump| store.load_dump(dump),
    )
}

/// Loads the persisted data into a store being opened, then attaches the
/// persistences to the write path.
pub(crate) fn load_and_attach(store: &Store) -> Result<()> {
    let inner = &store.inner;
    let persist = &inner.persist;
    let mut report = LoadReport::default();
    let log_has_data = persist.log.as_ref().is_some_and(|log| log.has_data());
    if let (Some(log), true) = (&persist.log, log_has_data) {
        let stats = replay_log(store, log)?;
        report.source = Some("append log");
        report.commands = stats.commands;
        report.warnings = stats.warnings;
    } else if let Some(snapshot) = persist.snapshot_on()
        && load_snapshot(store, snapshot)?
    {
        report.source = Some("snapshot");
    }
    let builtin = |p: &Arc<dyn Persistence>| {
        persist.snapshot.as_ref().is_some_and(|s| same(p, s))
            || persist.log.as_ref().is_some_and(|l| same(p, l))
    };
    for p in persist.all.iter().filter(|p| !builtin(p)) {
        p.load(store)?;
    }
    report.keys = store.dbsize();
    if let Some(log) = &persist.log {
        if !log_has_data {
            // A new log starts with a base holding what was loaded (as Redis
            // rewrites at startup), so the next open can prefer it.
            inner.checkpoint_now(Kind::Rewrite, log.as_ref())?;
        }
        log.start();
    }
    *persist.report.lock() = report;
    inner.propagator.set_fixed(
        persist
            .all
            .iter()
            .map(|p| Arc::new(Recorder(Arc::clone(p))) as Arc<dyn WriteObserver>)
            .collect(),
    );
    Ok(())
}

/// A checkpoint running in the background (`bgsave`, `bgrewriteaof`).
///
/// Dropping it lets the checkpoint go on; [`BackgroundJob::wait`] waits
/// for its outcome. The store waits for it on shutdown either way.
#[derive(Debug)]
#[must_use = "dropping the job detaches it; call wait() for its outcome"]
pub struct BackgroundJob {
    outcome: Arc<(Mutex<Option<Result<()>>>, Condvar)>,
}

impl BackgroundJob {
    /// Waits until the checkpoint finished and returns its outcome.
    ///
    /// # Errors
    ///
    /// The checkpoint failed (the previous files still load).
    pub fn wait(self) -> Result<()> {
        let (lock, done) = &*self.outcome;
        let mut outcome = lock.lock();
        loop {
            if let Some(result) = outcome.take() {
                return result;
            }
            done.wait(&mut outcome);
        }
    }
}

impl Inner {
    /// Takes the checkpoint slot for `kind`, waiting for a running one to
    /// finish when `wait`.
    fn claim(&self, kind: Kind, wait: bool) -> Result<()> {
        let mut running = self.persist.running.lock();
        while let Some(other) = *running {
            if !wait {
                return Err(match (kind, other) {
                    (Kind::Snapshot, Kind::Snapshot) => Error::BgsaveInProgress,
                    (Kind::Rewrite, Kind::Rewrite) => Error::RewriteInProgress,
                    (Kind::Snapshot, Kind::Rewrite) => Error::Persistence(
                        "Another child process is active (AOF?): can't BGSAVE right now. \
                         Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
                            .into(),
                    ),
                    (Kind::Rewrite, Kind::Snapshot) => Error::Persistence(
                        "Background save in progress: can't BGREWRITEAOF right now".into(),
                    ),
                });
            }
            self.persist.idle.wait(&mut running);
        }
        *running = Some(kind);
        Ok(())
    }

    fn release(&self) {
        *self.persist.running.lock() = None;
        self.persist.idle.notify_all();
    }

    /// The checkpoint's instant: every shard write-locked, the persistence
    /// told, every shard marked for copying.
    fn begin_copy(&self, p: &dyn Persistence) -> Result<Arc<crate::keyspace::copy::CopyJob>> {
        if crate::keyspace::tx::in_transaction(&self.keyspace) {
            return Err(Error::Persistence(
                "a checkpoint cannot start inside a transaction".into(),
            ));
        }
        let guards = self.keyspace.write_all();
        p.begin_checkpoint()?;
        Ok(self
            .keyspace
            .start_copy(guards.iter().map(|(_, shard)| shard)))
    }

    fn copy_into(
        &self,
        job: Arc<crate::keyspace::copy::CopyJob>,
        p: &dyn Persistence,
    ) -> Result<()> {
        let mut keys = CopyIter::new(&self.keyspace, job);
        let result = p.checkpoint(&mut keys);
        self.keyspace.end_copy();
        result
    }

    /// A checkpoint of `p` on this thread (waits for a running one first).
    pub(crate) fn checkpoint_now(&self, kind: Kind, p: &dyn Persistence) -> Result<()> {
        self.claim(kind, true)?;
        let result = self.begin_copy(p).and_then(|job| self.copy_into(job, p));
        self.release();
        result
    }

    /// Starts a checkpoint of `p` on a background thread. The instant is
    /// now (writes acknowledged before this returns are in it).
    pub(crate) fn checkpoint_background(
        self: &Arc<Self>,
        kind: Kind,
        p: Arc<dyn Persistence>,
    ) -> Result<BackgroundJob> {
        self.claim(kind, false)?;
        let job = match self.begin_copy(p.as_ref()) {
            Ok(job) => job,
            Err(e) => {
                self.release();
                return Err(e);
            }
        };
        let inner = Arc::clone(self);
        let spawned = self.spawn_job(kind, move || {
            let result = inner.copy_into(job, p.as_ref());
            inner.release();
            result
        });
        if spawned.is_err() {
            self.keyspace.end_copy();
            self.release();
        }
        spawned
    }

    /// Runs `work` on a checkpoint thread, tracked for the shutdown.
    pub(crate) fn spawn_job(
        &self,
        kind: Kind,
        work: impl FnOnce() -> Result<()> + Send + 'static,
    ) -> Result<BackgroundJob> {
        let outcome = Arc::new((Mutex::new(None), Condvar::new()));
        let reported = Arc::clone(&outcome);
        let name = match kind {
            Kind::Snapshot => "kvstore-bgsave",
            Kind::Rewrite => "kvstore-rewrite",
        };
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let result = work();
                let (lock, done) = &*reported;
                *lock.lock() = Some(result);
                done.notify_all();
            })
            .map_err(|e| Error::Persistence(format!("cannot start a background thread: {e}")))?;
        let mut threads = self.persist.threads.lock();
        threads.retain(|t| !t.is_finished());
        threads.push(thread);
        Ok(BackgroundJob { outcome })
    }

    /// The `aof_*` fields of `INFO persistence`, in Redis's order.
    fn append_log_info(&self) -> Vec<(&'static str, String)> {
        let Some(log) = &self.persist.log else {
            return [
                ("aof_enabled", "0"),
                ("aof_rewrite_in_progress", "0"),
                ("aof_rewrite_scheduled", "0"),
                ("aof_last_rewrite_time_sec", "-1"),
                ("aof_current_rewrite_time_sec", "-1"),
                ("aof_last_bgrewrite_status", "ok"),
                ("aof_rewrites", "0"),
                ("aof_rewrites_consecutive_failures", "0"),
                ("aof_last_write_status", "ok"),
            ]
            .map(|(k, v)| (k, v.to_owned()))
            .into();
        };
        let info = log.info();
        let status = |ok: bool| if ok { "ok" } else { "err" }.to_owned();
        vec![
            ("aof_enabled", "1".into()),
            (
                "aof_rewrite_in_progress",
                u8::from(info.rewrite_in_progress).to_string(),
            ),
            ("aof_rewrite_scheduled", "0".into()),
            (
                "aof_last_rewrite_time_sec",
                info_seconds(info.last_rewrite_ms).to_string(),
            ),
            ("aof_current_rewrite_time_sec", "-1".into()),
            ("aof_last_bgrewrite_status", status(info.last_rewrite_ok)),
            ("aof_rewrites", info.rewrites.to_string()),
            (
                "aof_rewrites_consecutive_failures",
                info.rewrite_failures.to_string(),
            ),
            ("aof_last_write_status", status(info.last_write_ok)),
            ("aof_current_size", info.current_size.to_string()),
            ("aof_base_size", info.base_size.to_string()),
            ("aof_pending_rewrite", "0".into()),
            ("aof_buffer_length", info.buffer_length.to_string()),
            ("aof_pending_bio_fsync", "0".into()),
            ("aof_delayed_fsync", "0".into()),
        ]
    }

    /// Once a second from the background thread: automatic snapshots (save
    /// points) and log rewrites.
    pub(crate) fn persistence_cron(self: &Arc<Self>) {
        if self.persist.running.lock().is_some() {
            return;
        }
        if let Some(snapshot) = self.persist.snapshot_on()
            && snapshot.checkpoint_due()
        {
            let _ = self.checkpoint_background(Kind::Snapshot, snapshot.clone());
            return;
        }
        if let Some(log) = &self.persist.log
            && log.checkpoint_due()
        {
            let _ = self.checkpoint_background(Kind::Rewrite, log.clone());
        }
    }

    /// The fields of `INFO persistence`, in Redis's order.
    pub(crate) fn persistence_info(&self) -> Vec<(&'static str, String)> {
        let now_ms = self.clock.now_ms();
        let since = |start: Option<i64>| start.map_or(-1, |s| (now_ms - s).max(0) / 1000);
        let mut out: Vec<(&'static str, String)> =
            vec![("loading", "0".into()), ("async_loading", "0".into())];
        let snapshot = self.persist.snapshot.as_deref();
        out.push((
            "rdb_changes_since_last_save",
            snapshot.map_or(0, Snapshot::changes_since_save).to_string(),
        ));
        let started = snapshot.and_then(Snapshot::save_started_ms);
        out.push((
            "rdb_bgsave_in_progress",
            u8::from(started.is_some()).to_string(),
        ));
        out.push((
            "rdb_last_save_time",
            snapshot
                .map_or(self.started_unix, Snapshot::last_save_unix)
                .to_string(),
        ));
        let ok = snapshot.is_none_or(Snapshot::last_status_ok);
        out.push((
            "rdb_last_bgsave_status",
            if ok { "ok" } else { "err" }.into(),
        ));
        out.push((
            "rdb_last_bgsave_time_sec",
            info_seconds(snapshot.and_then(Snapshot::last_save_duration_ms)).to_string(),
        ));
        out.push(("rdb_current_bgsave_time_sec", since(started).to_string()));
        out.push(("rdb_saves", snapshot.map_or(0, Snapshot::saves).to_string()));
        out.extend(self.append_log_info());
        out
    }

    /// Shutdown: waits for background checkpoints, syncs every
    /// persistence and stops the log's thread. Runs once.
    pub(crate) fn close_persistence(&self) -> Result<()> {
        if self.persist.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let threads: Vec<JoinHandle<()>> = self.persist.threads.lock().drain(..).collect();
        for thread in threads {
            let _ = thread.join();
        }
        let mut first_error = None;
        for p in &self.persist.all {
            if let Err(e) = p.sync() {
                first_error.get_or_insert(e);
            }
        }
        if let Some(log) = &self.persist.log {
            log.shutdown();
        }
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use crate::persist::{AppendLogOptions, SnapshotOptions};
    use crate::{Config, Error, Store};

    #[test]
    fn file_names_must_stay_inside_the_data_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let refused = |builder: crate::ConfigBuilder| {
            matches!(
                Store::open(builder.dir(dir.path()).build()),
                Err(Error::Persistence(_))
            )
        };
        for bad in ["../escape", "a/b", "", ".."] {
            let snapshot = SnapshotOptions::new().file_name(bad);
            assert!(refused(Config::builder().snapshot(snapshot)), "{bad:?}");
            let log = AppendLogOptions::new().dir_name(bad);
            assert!(refused(Config::builder().append_log(log)), "{bad:?}");
        }
        let config = Config::builder()
            .dir(dir.path())
            .snapshot(SnapshotOptions::new().file_name("mine.kvs"))
            .build();
        assert!(Store::open(config).is_ok());
    }

    #[test]
    fn persistence_without_a_data_directory_is_refused() {
        let config = Config::builder().snapshot(SnapshotOptions::new()).build();
        assert!(matches!(Store::open(config), Err(Error::NoDataDir)));
    }
}

#[cfg(test)]
mod rdb_preamble_tests {
    use crate::persist::AppendLogOptions;
    use crate::{Config, Error, Store};

    /// A Redis 7 log whose base is an RDB preamble is refused with a
    /// message saying what to do, not reported as corrupt.
    #[test]
    fn an_rdb_preamble_base_is_refused_with_advice() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("appendonlydir");
        std::fs::create_dir_all(&log).expect("mkdir");
        std::fs::write(log.join("appendonly.aof.1.base.rdb"), b"REDIS0010\xfa").expect("base");
        std::fs::write(log.join("appendonly.aof.1.incr.aof"), b"").expect("incr");
        std::fs::write(
            log.join("appendonly.aof.manifest"),
            "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
        )
        .expect("manifest");
        let config = Config::builder()
            .dir(dir.path())
            .append_log(AppendLogOptions::new())
            .build();
        match Store::open(config) {
            Err(Error::Persistence(why)) => assert!(why.contains("aof-use-rdb-preamble"), "{why}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
