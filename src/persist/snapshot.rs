//! The snapshot (RDB-like): the whole keyspace in one file, written at
//! checkpoints (`SAVE`, `BGSAVE`, save points) and loaded at open.
//!
//! The file format is specified byte by byte in `docs/formats.md`
//! ("Snapshot file") and implemented in [`format`](mod@format).
//!
//! Bookkeeping follows Redis 7.0's `server.dirty`, `lastsave`,
//! `lastbgsave_try` and `lastbgsave_status`: every recorded write is a
//! change; a successful checkpoint forgets the changes it contains; the
//! save points and `stop-writes-on-bgsave-error` read the rest.

pub(crate) mod format;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_state;

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;

use crate::clock::Clock;
use crate::persist::dump::KeyDumpRef;
use crate::persist::fs::{Fs, FsFile, temp_path};
use crate::persist::{KeyDump, Persistence, SnapshotOptions};
use crate::{Error, Result, Store};

/// Redis's `CONFIG_BGSAVE_RETRY_DELAY`: after a failed save, automatic
/// saves wait this many seconds since the last attempt.
const RETRY_DELAY_SECS: i64 = 5;

/// The text of Redis 7.0's `MISCONF` reply (`shared.bgsaveerr`) after
/// the `MISCONF ` prefix.
pub(crate) const MISCONF_TEXT: &str = "Redis is configured to save RDB snapshots, but it's \
    currently unable to persist to disk. Commands that may modify the data set are disabled, \
    because this instance is configured to report errors during writes if RDB snapshotting \
    fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details \
    about the RDB error.";

/// The snapshot persistence of a store.
pub(crate) struct Snapshot {
    fs: Arc<dyn Fs>,
    path: PathBuf,
    options: SnapshotOptions,
    clock: Arc<dyn Clock>,
    /// Writes recorded since the store opened (Redis's `dirty`, without
    /// the resets: see `saved_changes`).
    changes: ChangeCounter,
    /// Whether the last checkpoint succeeded (Redis's
    /// `lastbgsave_status`); read before every write.
    last_ok: AtomicBool,
    /// Everything only checkpoints and `INFO` touch.
    state: Mutex<SaveState>,
    /// Serializes file writes (one temp file).
    writing: Mutex<()>,
}

/// The bookkeeping of saves.
#[derive(Debug)]
struct SaveState {
    /// `changes` as of the last successful save's instant: the changes
    /// since that save are `changes - saved_changes`.
    saved_changes: u64,
    /// `changes` when the running checkpoint began.
    begun_changes: Option<u64>,
    /// Unix seconds of the last successful save (initially the open time).
    last_save_unix: i64,
    /// Unix seconds of the last checkpoint start (`lastbgsave_try`).
    last_try_unix: i64,
    /// Unix milliseconds when the running checkpoint started.
    started_ms: Option<i64>,
    /// How long the last checkpoint took, in milliseconds.
    last_duration_ms: Option<u64>,
    /// What the last successful save wrote.
    last_stats: Option<SaveStats>,
    /// Checkpoints started since open, failed ones included (`rdb_saves`,
    /// which Redis 7.0 counts at the start of each save).
    saves: u64,
}

/// What one snapshot write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SaveStats {
    /// Keys written.
    pub(crate) keys: u64,
    /// Bytes of the finished file.
    pub(crate) bytes: u64,
}

impl Snapshot {
    /// The snapshot kept at `dir/<options.file_name>`.
    pub(crate) fn new(
        fs: Arc<dyn Fs>,
        dir: &Path,
        options: SnapshotOptions,
        clock: Arc<dyn Clock>,
    ) -> Snapshot {
        let now = unix_secs(clock.as_ref());
        Snapshot {
            fs,
            path: dir.join(&options.file_name),
            options,
            clock,
            changes: ChangeCounter::default(),
            last_ok: AtomicBool::new(true),
            state: Mutex::new(SaveState {
                saved_changes: 0,
                begun_changes: None,
                // "At startup we consider the DB saved" (Redis's initServer).
                last_save_unix: now,
                last_try_unix: 0,
                started_ms: None,
                last_duration_ms: None,
                last_stats: None,
                saves: 0,
            }),
            writing: Mutex::new(()),
        }
    }

    /// The snapshot file's path.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `keys` as the new snapshot file: temp file, fsync, rename,
    /// directory fsync. On error the temp file is removed; the previous
    /// file is untouched unless the error came after the rename (the
    /// directory fsync), in which case the new, complete file is in place.
    ///
    /// # Errors
    ///
    /// [`Error::Persistence`] naming the file and the failed step.
    pub(crate) fn write(&self, keys: &mut dyn Iterator<Item = KeyDump>) -> Result<SaveStats> {
        let _one_writer = self.writing.lock();
        let temp = temp_path(&self.path);
        let stats = match self.write_temp(&temp, keys) {
            Ok(stats) => stats,
            Err(e) => {
                let _ = self.fs.remove(&temp);
                return Err(e);
            }
        };
        if let Err(e) = self.fs.rename(&temp, &self.path) {
            let _ = self.fs.remove(&temp);
            return Err(self.io_error("cannot rename the temp file over", &e));
        }
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        self.fs
            .sync_dir(dir)
            .map_err(|e| self.io_error("cannot fsync the directory of", &e))?;
        Ok(stats)
    }

    /// Streams the file into `temp` and fsyncs it.
    fn write_temp(
        &self,
        temp: &Path,
        keys: &mut dyn Iterator<Item = KeyDump>,
    ) -> Result<SaveStats> {
        let mut file = self
            .fs
            .create(temp)
            .map_err(|e| self.io_error("cannot create the temp file of", &e))?;
        let mut encoder = format::Encoder::new(self.clock.now_ms(), env!("CARGO_PKG_VERSION"));
        let put = |file: &mut Box<dyn FsFile>, bytes: &[u8]| {
            file.write_all(bytes)
                .map_err(|e| self.io_error("cannot write", &e))
        };
        for dump in keys {
            encoder.push(&dump).map_err(|e| {
                Error::Persistence(format!(
                    "snapshot {}: cannot encode key {:?}: {e}",
                    self.path.display(),
                    String::from_utf8_lossy(&dump.key)
                ))
            })?;
            if encoder.chunk_ready() {
                encoder.drain(|bytes| put(&mut file, bytes))?;
            }
        }
        let (keys, bytes) = encoder.finish(|bytes| put(&mut file, bytes))?;
        file.sync_data()
            .map_err(|e| self.io_error("cannot fsync", &e))?;
        Ok(SaveStats { keys, bytes })
    }

    /// Reads the snapshot file, handing each key to `visit` in file order.
    /// `Ok(false)` when there is no file.
    ///
    /// The whole file is read and its checksum verified before the first
    /// key is decoded, so a corrupt length cannot make us allocate more
    /// than the file's size.
    ///
    /// # Errors
    ///
    /// A bad magic, an unknown version, a checksum mismatch or a truncated
    /// or undecodable record: [`crate::Error::Persistence`] naming the file
    /// and byte offset. An error of `visit` stops reading and is returned.
    #[cfg(test)]
    pub(crate) fn read(&self, visit: &mut dyn FnMut(KeyDump) -> Result<()>) -> Result<bool> {
        self.read_sized(&mut |_| {}, &mut |dump| visit(dump.to_owned_dump()))
    }

    /// [`Snapshot::read`], telling `keys` how many keys the file holds
    /// once it is verified and before the first key is visited (Redis's
    /// `RESIZEDB` hint: a loader can size its tables once). The keys
    /// borrow from the file's bytes, read at once.
    ///
    /// # Errors
    ///
    /// As [`Snapshot::read`].
    pub(crate) fn read_sized(
        &self,
        keys: &mut dyn FnMut(u64),
        visit: &mut dyn FnMut(KeyDumpRef<'_>) -> Result<()>,
    ) -> Result<bool> {
        let Some(len) = self
            .fs
            .len(&self.path)
            .map_err(|e| self.io_error("cannot stat", &e))?
        else {
            return Ok(false);
        };
        let mut reader = match self.fs.open_read(&self.path) {
            Ok(reader) => reader,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(self.io_error("cannot open", &e)),
        };
        // One allocation of the file's size (plus the byte that finds the
        // end); a file too big for memory is an error, not an abort.
        let mut bytes = Vec::new();
        usize::try_from(len)
            .ok()
            .and_then(|len| len.checked_add(1))
            .and_then(|cap| bytes.try_reserve_exact(cap).ok())
            .ok_or_else(|| {
                Error::Persistence(format!(
                    "snapshot file {}: cannot allocate {len} bytes to read it",
                    self.path.display()
                ))
            })?;
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| self.io_error("cannot read", &e))?;
        // The count sizes tables before any record is decoded: never trust
        // it beyond what the file can hold (a record takes at least 4 bytes).
        let most = bytes.len() as u64 / 4;
        match format::decode(&bytes, &mut |header| keys(header.keys.min(most)), visit) {
            Ok(_header) => Ok(true),
            Err(Ok(visit_error)) => Err(visit_error),
            Err(Err(format)) => Err(Error::Persistence(format!(
                "snapshot file {}: {format}",
                self.path.display()
            ))),
        }
    }

    fn io_error(&self, what: &str, e: &io::Error) -> Error {
        Error::Persistence(format!("{what} snapshot file {}: {e}", self.path.display()))
    }

    /// Writes since the last successful save (`rdb_changes_since_last_save`).
    pub(crate) fn changes_since_save(&self) -> u64 {
        let saved = self.state.lock().saved_changes;
        self.changes.total().saturating_sub(saved)
    }

    /// Unix seconds of the last successful save, initially the time the
    /// store opened (`LASTSAVE`, `rdb_last_save_time`).
    pub(crate) fn last_save_unix(&self) -> i64 {
        self.state.lock().last_save_unix
    }

    /// Whether the last checkpoint succeeded (`rdb_last_bgsave_status`);
    /// `true` before any.
    pub(crate) fn last_status_ok(&self) -> bool {
        self.last_ok.load(Ordering::SeqCst)
    }

    /// Puts back the status a failed foreground `SAVE` overwrote: in
    /// Redis only a background save's outcome is `rdb_last_bgsave_status`
    /// (and can refuse writes).
    pub(crate) fn restore_status(&self, ok: bool) {
        self.last_ok.store(ok, Ordering::SeqCst);
    }

    /// How long the last checkpoint took, successful or not, in
    /// milliseconds; `None` before any (`rdb_last_bgsave_time_sec` -1).
    pub(crate) fn last_save_duration_ms(&self) -> Option<u64> {
        self.state.lock().last_duration_ms
    }

    /// Unix milliseconds when the running checkpoint began, `None` when
    /// none runs (`rdb_bgsave_in_progress`, `rdb_current_bgsave_time_sec`).
    pub(crate) fn save_started_ms(&self) -> Option<i64> {
        self.state.lock().started_ms
    }

    /// Keys and bytes of the last successful save.
    #[cfg(test)]
    pub(crate) fn last_save_stats(&self) -> Option<SaveStats> {
        self.state.lock().last_stats
    }

    /// Checkpoints started since open, failed ones included, as Redis
    /// 7.0 counts `rdb_saves`.
    pub(crate) fn saves(&self) -> u64 {
        self.state.lock().saves
    }
}

impl Persistence for Snapshot {
    fn load(&self, store: &Store) -> Result<()> {
        crate::persist::engine::load_snapshot(store, self).map(|_| ())
    }

    fn record(&self, _argv: &[&[u8]]) -> u64 {
        self.changes.add(1);
        0
    }

    fn record_transaction(&self, commands: &[Vec<Vec<u8>>]) -> u64 {
        self.changes
            .add(u64::try_from(commands.len()).unwrap_or(u64::MAX));
        0
    }

    /// Redis's `writeCommandsDeniedByDiskError` for the RDB side.
    fn check_writable(&self) -> Result<()> {
        if self.options.stop_writes_on_error
            && !self.options.save_points.is_empty()
            && !self.last_ok.load(Ordering::SeqCst)
        {
            return Err(Error::Misconf(MISCONF_TEXT.to_owned()));
        }
        Ok(())
    }

    /// Remembers the change count at this instant (Redis's
    /// `dirty_before_bgsave`) and the attempt's time (`lastbgsave_try`).
    fn begin_checkpoint(&self) -> Result<()> {
        let now_ms = self.clock.now_ms();
        let mut state = self.state.lock();
        state.begun_changes = Some(self.changes.total());
        state.last_try_unix = now_ms.div_euclid(1000);
        state.started_ms = Some(now_ms);
        Ok(())
    }

    fn checkpoint(&self, keys: &mut dyn Iterator<Item = KeyDump>) -> Result<()> {
        let (begun, started_ms) = {
            let mut state = self.state.lock();
            let now_ms = self.clock.now_ms();
            // Without `begin_checkpoint` (not what the store does), the
            // checkpoint starts now.
            let begun = match state.begun_changes.take() {
                Some(begun) => begun,
                None => {
                    state.last_try_unix = now_ms.div_euclid(1000);
                    state.started_ms = Some(now_ms);
                    self.changes.total()
                }
            };
            let started = *state.started_ms.get_or_insert(now_ms);
            state.saves += 1;
            (begun, started)
        };
        let result = self.write(keys);
        let now_ms = self.clock.now_ms();
        let mut state = self.state.lock();
        state.started_ms = None;
        state.last_duration_ms =
            Some(u64::try_from(now_ms.saturating_sub(started_ms)).unwrap_or(0));
        match result {
            Ok(stats) => {
                state.saved_changes = state.saved_changes.max(begun);
                state.last_save_unix = now_ms.div_euclid(1000);
                state.last_stats = Some(stats);
                self.last_ok.store(true, Ordering::SeqCst);
                Ok(())
            }
            Err(e) => {
                self.last_ok.store(false, Ordering::SeqCst);
                Err(e)
            }
        }
    }

    /// Redis 7.0's `serverCron`: a save point fires when it has enough
    /// changes and more than its seconds passed since the last successful
    /// save, and either the last save succeeded or the last attempt is more
    /// than `CONFIG_BGSAVE_RETRY_DELAY` (5 s) old. Like Redis, which only
    /// asks when no child runs, the caller must not start a second
    /// checkpoint while one runs.
    fn checkpoint_due(&self) -> bool {
        let now = unix_secs(self.clock.as_ref());
        let total = self.changes.total();
        let state = self.state.lock();
        let dirty = total.saturating_sub(state.saved_changes);
        let may_retry = self.last_ok.load(Ordering::SeqCst)
            || now.saturating_sub(state.last_try_unix) > RETRY_DELAY_SECS;
        may_retry
            && self.options.save_points.iter().any(|point| {
                dirty >= point.changes
                    && now.saturating_sub(state.last_save_unix)
                        > i64::try_from(point.seconds).unwrap_or(i64::MAX)
            })
    }
}

/// Unix seconds of `clock`.
fn unix_secs(clock: &dyn Clock) -> i64 {
    clock.now_ms().div_euclid(1000)
}

/// Stripes of the change counter: writers on different threads add to
/// different cache lines.
const STRIPES: usize = 8;

/// A counter many threads add to; read by summing.
#[derive(Debug, Default)]
struct ChangeCounter {
    stripes: [Stripe; STRIPES],
}

/// One cache line's worth of counter.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Stripe(AtomicU64);

impl ChangeCounter {
    fn add(&self, n: u64) {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static MINE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
        }
        let stripe = MINE.with(|i| *i);
        if let Some(s) = self.stripes.get(stripe) {
            s.0.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Every add made before this call started (and maybe some made
    /// during it).
    fn total(&self) -> u64 {
        self.stripes
            .iter()
            .fold(0u64, |sum, s| sum.wrapping_add(s.0.load(Ordering::SeqCst)))
    }
}
