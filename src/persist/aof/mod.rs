//! The append log (AOF-like): every write's canonical command in RESP,
//! in Redis 7.0's multi-part layout (a manifest naming a base file and
//! incremental files), fsynced as `appendfsync` says.
//!
//! The layout and the manifest are specified in `docs/formats.md`.
//!
//! How the pieces fit:
//! - [`AppendLog::record`](Persistence::record) appends a command's RESP
//!   bytes to an in-memory buffer (the only work done under the store's
//!   shard locks) and returns the log position after it as the ticket.
//! - The flusher thread (`kvstore-aof`) writes the buffer to the open
//!   incremental file every few milliseconds and fsyncs it once a second
//!   (`everysec`); under `always`, [`Persistence::commit`] writes and
//!   fsyncs itself, one committer doing it for every ticket recorded so far
//!   (group commit).
//! - A write or fsync error puts the log in the FAILED state: writes are
//!   refused (`MISCONF`) until a checkpoint rewrote the whole state into new
//!   files.
//! - A checkpoint (rewrite) switches appends to a new incremental file at
//!   [`Persistence::begin_checkpoint`], writes the new base from the key
//!   dumps, publishes a manifest naming only the new files, then deletes
//!   the old ones.

mod check;
mod load;
mod manifest;
mod parse;
mod rewrite;
mod stripes;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_faults;
#[cfg(test)]
mod tests_format;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};

pub use check::{CheckReport, FileReport, FileStatus, check_append_log};

use crate::clock::Clock;
use crate::persist::fs::Fs;
use crate::persist::{AppendLogOptions, KeyDump, Persistence};
use crate::{Error, Result, Store};

use manifest::Manifest;
use writer::{Io, Pending};

/// The append log of a store.
pub(crate) struct AppendLog {
    shared: Arc<Shared>,
    has_data: bool,
    flusher: Mutex<Option<JoinHandle<()>>>,
}

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ReplayStats {
    /// Commands applied.
    pub(crate) commands: u64,
    /// Repairs made (a torn tail cut off), naming file and offset.
    pub(crate) warnings: Vec<String>,
}

/// The log's figures for `INFO persistence`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AofInfo {
    /// `aof_current_size`: bytes of the base and incremental files.
    pub(crate) current_size: u64,
    /// `aof_base_size`: the size after the last rewrite (at open: of the
    /// base file), which automatic rewrites compare against.
    pub(crate) base_size: u64,
    /// `aof_buffer_length`: recorded bytes not yet written.
    pub(crate) buffer_length: u64,
    /// `aof_last_write_status`: `false` while FAILED.
    pub(crate) last_write_ok: bool,
    /// `aof_rewrite_in_progress`.
    pub(crate) rewrite_in_progress: bool,
    /// `aof_rewrites`: rewrites started since open.
    pub(crate) rewrites: u64,
    /// `aof_last_bgrewrite_status`.
    pub(crate) last_rewrite_ok: bool,
    /// `aof_last_rewrite_time_sec`, in milliseconds; `None` before the first.
    pub(crate) last_rewrite_ms: Option<u64>,
    /// `aofrw_consecutive_failures`.
    pub(crate) rewrite_failures: u64,
    /// fsyncs of incremental files since open.
    pub(crate) fsyncs: u64,
}

/// The state shared by the log's handle, its flusher thread and its
/// committers.
///
/// Lock order: `rewrite` → `io` → `manifest`; `pending`, `failure` and
/// `leader` are taken alone (the group-commit leader releases `leader`
/// before it writes).
pub(crate) struct Shared {
    fs: Arc<dyn Fs>,
    dir: PathBuf,
    options: AppendLogOptions,
    clock: Arc<dyn Clock>,
    /// Records as writers leave them (see [`stripes`]).
    stripes: stripes::Stripes,
    /// Records arrived since the flusher last gathered.
    dirty: AtomicBool,
    /// Gathered bytes not yet taken by a writer.
    pending: Mutex<Pending>,
    /// Wakes the flusher.
    wake: Condvar,
    /// The writer's side: the open file. Held while writing and fsyncing.
    io: Mutex<Io>,
    /// The manifest as last published (`None` before the first).
    manifest: Mutex<Option<Manifest>>,
    /// Every record up to this sequence number is durable.
    durable: AtomicU64,
    /// Whether a committer is writing and fsyncing for the others
    /// (`always`), and the wake-up when it is done.
    leader: Mutex<bool>,
    led: Condvar,
    /// FAILED: writes are refused.
    failed: AtomicBool,
    /// Incremental files up to this sequence number had a failed write or
    /// fsync: nothing more is written to them.
    poisoned_upto: AtomicU64,
    /// The error text of the failure (`strerror`).
    failure: Mutex<String>,
    /// Set when the flusher must stop.
    stop: AtomicBool,
    stats: Stats,
    rewrite: Mutex<rewrite::RewriteState>,
}

#[derive(Default)]
struct Stats {
    current_size: AtomicU64,
    rewrite_base_size: AtomicU64,
    rewrite_in_progress: AtomicBool,
    rewrites: AtomicU64,
    last_rewrite_failed: AtomicBool,
    last_rewrite_ms: AtomicU64,
    rewrite_failures: AtomicU64,
    fsyncs: AtomicU64,
}

impl AppendLog {
    /// Opens the log in `data_dir/<options.dir_name>`: reads and checks the
    /// manifest and the checksums of every finished file. Replays nothing
    /// and starts no thread yet.
    ///
    /// # Errors
    ///
    /// A malformed manifest, a missing file, a checksum mismatch:
    /// [`crate::Error::Persistence`] naming the file (and byte offset).
    pub(crate) fn open(
        fs: Arc<dyn Fs>,
        data_dir: &Path,
        options: AppendLogOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<AppendLog> {
        let dir = data_dir.join(&options.dir_name);
        fs.create_dir_all(&dir).map_err(|e| {
            Error::Persistence(format!(
                "cannot create append log directory {}: {e}",
                dir.display()
            ))
        })?;
        let manifest = Manifest::read(fs.as_ref(), &dir, &options.file_name)?;
        let mut sizes = (0u64, 0u64);
        match &manifest {
            Some(m) => {
                for entry in m.files() {
                    manifest::verify(fs.as_ref(), &dir, entry)?;
                    let len = file_len(fs.as_ref(), &dir.join(&entry.name))?;
                    sizes.0 += len;
                    if entry.kind == manifest::FileKind::Base {
                        sizes.1 = len;
                    }
                }
            }
            None => refuse_unlisted_data(fs.as_ref(), &dir, &options.file_name)?,
        }
        let pending = Pending::at_open(fs.as_ref(), &dir, manifest.as_ref())?;
        let next_base_seq = manifest.as_ref().map_or(0, |m| {
            m.base
                .iter()
                .chain(m.history.iter())
                .map(|e| e.seq)
                .max()
                .unwrap_or(0)
        }) + 1;
        let has_data = manifest.is_some();
        let shared = Shared {
            fs,
            dir,
            options,
            clock,
            stripes: stripes::Stripes::new(),
            dirty: AtomicBool::new(false),
            pending: Mutex::new(pending),
            wake: Condvar::new(),
            io: Mutex::new(Io::default()),
            manifest: Mutex::new(manifest),
            durable: AtomicU64::new(0),
            leader: Mutex::new(false),
            led: Condvar::new(),
            failed: AtomicBool::new(false),
            poisoned_upto: AtomicU64::new(0),
            failure: Mutex::new(String::new()),
            stop: AtomicBool::new(false),
            stats: Stats::default(),
            rewrite: Mutex::new(rewrite::RewriteState::new(next_base_seq)),
        };
        shared.stats.current_size.store(sizes.0, Ordering::Relaxed);
        shared
            .stats
            .rewrite_base_size
            .store(sizes.1, Ordering::Relaxed);
        shared
            .stats
            .last_rewrite_ms
            .store(u64::MAX, Ordering::Relaxed);
        Ok(AppendLog {
            shared: Arc::new(shared),
            has_data,
            flusher: Mutex::new(None),
        })
    }

    /// Whether a manifest was found (there is a log to replay).
    pub(crate) fn has_data(&self) -> bool {
        self.has_data
    }

    /// Replays base and incremental files in order through `apply`, cutting
    /// off a torn tail of the last file (when `load_truncated`).
    ///
    /// # Errors
    ///
    /// Malformed bytes anywhere but the tail of the last file, a torn tail
    /// with `load_truncated` off, an unreadable file, or an error from
    /// `apply`: [`Error::Persistence`] naming the file and byte offset.
    pub(crate) fn replay(
        &self,
        apply: &mut dyn FnMut(&[&[u8]]) -> Result<()>,
    ) -> Result<ReplayStats> {
        self.shared.replay(apply)
    }

    /// Starts appending (after the load): the background flusher thread.
    /// The open incremental file is opened when first written.
    pub(crate) fn start(self: &Arc<Self>) {
        let mut flusher = self.flusher.lock();
        if flusher.is_some() {
            return;
        }
        self.shared.stop.store(false, Ordering::SeqCst);
        let shared = Arc::clone(&self.shared);
        match std::thread::Builder::new()
            .name("kvstore-aof".into())
            .spawn(move || shared.run_flusher())
        {
            Ok(handle) => *flusher = Some(handle),
            Err(e) => self.shared.fail(&e, u64::MAX),
        }
    }

    /// Flushes, fsyncs and stops the background flusher (also on drop).
    pub(crate) fn shutdown(&self) {
        let handle = self.flusher.lock().take();
        if let Some(handle) = handle {
            {
                let _pending = self.shared.pending.lock();
                self.shared.stop.store(true, Ordering::SeqCst);
                self.shared.wake.notify_all();
            }
            let _ = handle.join();
        }
        let _ = self.shared.sync_all();
    }

    /// The figures `INFO persistence` shows.
    pub(crate) fn info(&self) -> AofInfo {
        self.shared.info()
    }

    /// Bytes of records waiting to be written (`mem_aof_buffer`): the
    /// writers' stripes and the gathered buffer, as allocated.
    pub(crate) fn buffer_bytes(&self) -> usize {
        self.shared.stripes.allocated_bytes() + self.shared.pending.lock().allocated_bytes()
    }

    #[cfg(test)]
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl Drop for AppendLog {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Persistence for AppendLog {
    /// Replays the log into `store` (see `engine::replay_log`).
    fn load(&self, store: &Store) -> Result<()> {
        crate::persist::engine::replay_log(store, self).map(|_| ())
    }

    fn record(&self, argv: &[&[u8]]) -> u64 {
        self.shared.record(argv)
    }

    fn record_transaction(&self, commands: &[Vec<Vec<u8>>]) -> u64 {
        self.shared.record_transaction(commands)
    }

    fn commit(&self, ticket: u64) -> Result<()> {
        self.shared.commit(ticket)
    }

    fn check_writable(&self) -> Result<()> {
        self.shared.check_writable()
    }

    fn begin_checkpoint(&self) -> Result<()> {
        self.shared.begin_checkpoint()
    }

    fn checkpoint(&self, keys: &mut dyn Iterator<Item = KeyDump>) -> Result<()> {
        self.shared.checkpoint(keys)
    }

    fn checkpoint_due(&self) -> bool {
        self.shared.checkpoint_due()
    }

    fn sync(&self) -> Result<()> {
        self.shared.sync_all()
    }
}

impl Shared {
    fn info(&self) -> AofInfo {
        let s = &self.stats;
        let last = s.last_rewrite_ms.load(Ordering::Relaxed);
        AofInfo {
            current_size: s.current_size.load(Ordering::Relaxed),
            base_size: s.rewrite_base_size.load(Ordering::Relaxed),
            buffer_length: self.pending.lock().len() as u64,
            last_write_ok: !self.failed.load(Ordering::SeqCst),
            rewrite_in_progress: s.rewrite_in_progress.load(Ordering::Relaxed),
            rewrites: s.rewrites.load(Ordering::Relaxed),
            last_rewrite_ok: !s.last_rewrite_failed.load(Ordering::Relaxed),
            last_rewrite_ms: (last != u64::MAX).then_some(last),
            rewrite_failures: s.rewrite_failures.load(Ordering::Relaxed),
            fsyncs: s.fsyncs.load(Ordering::Relaxed),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn file_len(fs: &dyn Fs, path: &Path) -> Result<u64> {
    fs.len(path)
        .map_err(|e| Error::Persistence(format!("cannot read {}: {e}", path.display())))
        .map(Option::unwrap_or_default)
}

/// Without a manifest, an incremental file with data means the manifest
/// was lost: starting an empty log over it would drop that data silently.
/// (A base file alone is what a first rewrite that crashed leaves.)
fn refuse_unlisted_data(fs: &dyn Fs, dir: &Path, prefix: &str) -> Result<()> {
    let names = fs.list(dir).map_err(|e| {
        Error::Persistence(format!(
            "cannot list append log directory {}: {e}",
            dir.display()
        ))
    })?;
    for name in names {
        if rewrite::seq_of(&name, prefix, ".incr.aof").is_some()
            && file_len(fs, &dir.join(&name))? > 0
        {
            return Err(Error::Persistence(format!(
                "append log directory {} holds {name} but no manifest {}: \
                 refusing to start an empty log over it (restore the manifest, \
                 or move the files away)",
                dir.display(),
                manifest::manifest_name(prefix)
            )));
        }
    }
    Ok(())
}
