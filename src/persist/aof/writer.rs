//! The write path: the record buffer, writing and fsyncing it (group
//! commit under `always`, the flusher thread otherwise), switching to a
//! new incremental file, and the FAILED state.

use std::io::{self, Read as _};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crc32fast::Hasher;

use super::Shared;
use super::manifest::{self, Entry, FileKind, Manifest, Sum};
use crate::persist::AppendFsync;
use crate::persist::fs::{Fs, FsFile, write_atomically};
use crate::resp::encode_command;
use crate::{Error, Result};

/// How long the flusher lets records accumulate before writing them.
const BATCH_WINDOW: Duration = Duration::from_millis(2);
/// `everysec`'s interval.
const FSYNC_INTERVAL: Duration = Duration::from_secs(1);

/// Recorded bytes waiting for a writer.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// Bytes for the incremental file `current_seq`.
    bytes: Vec<u8>,
    /// The incremental file new records go to.
    pub(super) current_seq: u64,
    /// No record ever went to `current_seq` and its file is empty or
    /// missing: a checkpoint may keep appending there.
    pub(super) current_clean: bool,
    /// Bytes for earlier files (recorded before a checkpoint's switch) not
    /// yet taken, oldest first.
    earlier: Vec<(u64, Vec<u8>)>,
    /// Log position: bytes gathered since open.
    pub(super) lsn: u64,
    /// The last record (sequence number) gathered into `bytes`: every
    /// record up to it is here or already written.
    pub(super) gathered: u64,
}

impl Pending {
    /// Where appends go for a log opened with `manifest`.
    pub(super) fn at_open(fs: &dyn Fs, dir: &Path, manifest: Option<&Manifest>) -> Result<Pending> {
        let (current_seq, current_clean) = match manifest.and_then(Manifest::open_incr) {
            Some(open) => (open.seq, super::file_len(fs, &dir.join(&open.name))? == 0),
            None => (manifest.map_or(0, Manifest::last_incr_seq) + 1, true),
        };
        Ok(Pending {
            current_seq,
            current_clean,
            ..Pending::default()
        })
    }

    pub(super) fn len(&self) -> usize {
        self.bytes.len() + self.earlier.iter().map(|(_, b)| b.len()).sum::<usize>()
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty() && self.earlier.is_empty()
    }

    /// Bytes the buffers take in memory (their allocations, by capacity).
    pub(super) fn allocated_bytes(&self) -> usize {
        use crate::memory::alloc::alloc_size;
        let earlier = self
            .earlier
            .iter()
            .map(|(_, b)| alloc_size(b.capacity()))
            .sum::<usize>();
        alloc_size(self.bytes.capacity())
            + alloc_size(self.earlier.capacity() * std::mem::size_of::<(u64, Vec<u8>)>())
            + earlier
    }

    /// Starts a new incremental file for the records from now on; returns
    /// its sequence number. Keeps the current one when nothing was ever
    /// recorded to it, unless `force`d (it had a failed write).
    pub(super) fn switch(&mut self, force: bool) -> u64 {
        if !force && self.current_clean && self.earlier.is_empty() && self.bytes.is_empty() {
            return self.current_seq;
        }
        let bytes = std::mem::take(&mut self.bytes);
        self.earlier.push((self.current_seq, bytes));
        self.current_seq += 1;
        self.current_clean = true;
        self.current_seq
    }
}

/// The incremental file being appended to.
pub(crate) struct OpenFile {
    seq: u64,
    file: Box<dyn FsFile>,
    /// Bytes in the file and their CRC-32.
    len: u64,
    crc: Hasher,
    /// The same as of the last successful fsync.
    synced_len: u64,
    synced_crc: Hasher,
    /// Written since the last fsync.
    dirty: bool,
}

impl OpenFile {
    pub(super) fn seq(&self) -> u64 {
        self.seq
    }

    pub(super) fn len(&self) -> u64 {
        self.len
    }
}

/// The writer's state, behind `Shared::io`.
#[derive(Default)]
pub(crate) struct Io {
    pub(super) open: Option<OpenFile>,
    /// An emptied buffer, swapped into `Pending` to keep its capacity.
    spare: Vec<u8>,
    /// Length and CRC-32 of the open incremental file as the replay left
    /// it: (seq, len, crc).
    pub(super) replayed: Option<(u64, u64, Hasher)>,
}

/// `strerror` of an I/O error: the OS's text without Rust's
/// ` (os error N)` suffix.
pub(crate) fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match e.raw_os_error() {
        Some(code) => text
            .strip_suffix(&format!(" (os error {code})"))
            .map_or(text.clone(), str::to_owned),
        None => text,
    }
}

/// Reads `path` whole: its length and CRC-32 state.
pub(crate) fn hash_file(fs: &dyn Fs, path: &Path) -> io::Result<(u64, Hasher)> {
    let mut reader = fs.open_read(path)?;
    let mut hasher = Hasher::new();
    let mut size = 0u64;
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => return Ok((size, hasher)),
            Ok(n) => {
                hasher.update(&chunk[..n]);
                size += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

impl Shared {
    /// Records `argv`; its sequence number is the ticket.
    pub(super) fn record(&self, argv: &[&[u8]]) -> u64 {
        let seq = self.stripes.push(|out| encode_command(argv, out));
        self.note_recorded();
        seq
    }

    /// `MULTI`, the commands, `EXEC`, recorded as one piece.
    pub(super) fn record_transaction(&self, commands: &[Vec<Vec<u8>>]) -> u64 {
        if commands.is_empty() {
            return 0;
        }
        let seq = self.stripes.push(|out| {
            encode_command(&[b"MULTI"], out);
            for command in commands {
                encode_command(command, out);
            }
            encode_command(&[b"EXEC"], out);
        });
        self.note_recorded();
        seq
    }

    /// Wakes an idle flusher on the first record after it went idle (the
    /// flag is read far more often than written: no cache line moves).
    fn note_recorded(&self) {
        if !self.dirty.load(Ordering::SeqCst) {
            self.dirty.store(true, Ordering::SeqCst);
            if self.options.fsync != AppendFsync::Always {
                self.wake.notify_one();
            }
        }
    }

    /// Moves the records waiting in the stripes into `p`, in log order.
    pub(super) fn gather(&self, p: &mut Pending) {
        self.dirty.store(false, Ordering::SeqCst);
        let before = p.bytes.len();
        p.gathered = self.stripes.gather(p.gathered, &mut p.bytes);
        let added = p.bytes.len() - before;
        if added > 0 {
            p.lsn += added as u64;
            p.current_clean = false;
        }
    }

    /// The error writes get while FAILED.
    pub(super) fn misconf(&self) -> Error {
        Error::Misconf(format!(
            "Errors writing to the AOF file: {}",
            self.failure.lock()
        ))
    }

    /// The error a write gets when it was applied but what it recorded
    /// will not be durable (the log entered FAILED meanwhile).
    fn not_durable(&self) -> Error {
        Error::NotDurable(format!(
            "Errors writing to the AOF file: {}",
            self.failure.lock()
        ))
    }

    pub(super) fn check_writable(&self) -> Result<()> {
        if self.failed.load(Ordering::SeqCst) {
            return Err(self.misconf());
        }
        Ok(())
    }

    /// Enters FAILED: nothing more is written to incremental files up to
    /// `seq`.
    pub(super) fn fail(&self, e: &io::Error, seq: u64) {
        *self.failure.lock() = strerror(e);
        self.poisoned_upto.fetch_max(seq, Ordering::SeqCst);
        self.failed.store(true, Ordering::SeqCst);
    }

    pub(super) fn poisoned(&self, seq: u64) -> bool {
        seq <= self.poisoned_upto.load(Ordering::SeqCst)
    }

    /// Commits a write that was applied: under `always`, waits for its
    /// fsync; otherwise only reports a log that already failed (the write
    /// will not reach the file).
    pub(super) fn commit(&self, ticket: u64) -> Result<()> {
        if self.options.fsync == AppendFsync::Always {
            return self.wait_durable(ticket);
        }
        if self.failed.load(Ordering::SeqCst) {
            return Err(self.not_durable());
        }
        Ok(())
    }

    /// Returns once every byte up to `ticket` is written and fsynced
    /// (group commit): the first waiter becomes the leader, writes and
    /// fsyncs everything recorded so far without holding the buffer, then
    /// wakes the others; those its fsync covered return, one of the rest
    /// leads the next round.
    fn wait_durable(&self, ticket: u64) -> Result<()> {
        let mut leading = self.leader.lock();
        loop {
            if self.durable.load(Ordering::SeqCst) >= ticket {
                return Ok(());
            }
            if self.failed.load(Ordering::SeqCst) {
                return Err(self.not_durable());
            }
            if *leading {
                self.led.wait(&mut leading);
                continue;
            }
            *leading = true;
            parking_lot::MutexGuard::unlocked(&mut leading, || {
                let mut io = self.io.lock();
                self.flush(&mut io, true, false);
            });
            *leading = false;
            self.led.notify_all();
            if self.durable.load(Ordering::SeqCst) >= ticket {
                return Ok(());
            }
            if self.failed.load(Ordering::SeqCst) {
                return Err(self.not_durable());
            }
            return Err(Error::NotDurable(format!(
                "append log position {ticket} was never written"
            )));
        }
    }

    /// Writes and fsyncs everything recorded.
    pub(super) fn sync_all(&self) -> Result<()> {
        let mut io = self.io.lock();
        self.flush(&mut io, true, false);
        drop(io);
        self.check_writable()
    }

    /// Writes everything recorded so far, then fsyncs when `sync`. With
    /// `materialize`, the current incremental file is created (and listed)
    /// even when there is nothing to write to it.
    pub(super) fn flush(&self, io: &mut Io, sync: bool, materialize: bool) {
        let (earlier, bytes, seq, end) = {
            let mut p = self.pending.lock();
            self.gather(&mut p);
            let earlier = std::mem::take(&mut p.earlier);
            let spare = std::mem::take(&mut io.spare);
            let bytes = std::mem::replace(&mut p.bytes, spare);
            (earlier, bytes, p.current_seq, p.gathered)
        };
        for (s, b) in &earlier {
            self.write_segment(io, *s, b, true);
        }
        self.write_segment(io, seq, &bytes, materialize);
        let mut bytes = bytes;
        bytes.clear();
        io.spare = bytes;
        if sync {
            self.sync_open(io);
            if !self.failed.load(Ordering::SeqCst) {
                self.durable.fetch_max(end, Ordering::SeqCst);
            }
        }
    }

    /// Appends `bytes` to incremental file `seq` (opening or creating it
    /// when needed; always when `open_anyway`).
    fn write_segment(&self, io: &mut Io, seq: u64, bytes: &[u8], open_anyway: bool) {
        if self.poisoned(seq) || (bytes.is_empty() && !open_anyway) {
            return;
        }
        if let Err(e) = self.ensure_open(io, seq) {
            self.fail(&e, seq);
            return;
        }
        let Some(f) = io.open.as_mut() else {
            return;
        };
        if bytes.is_empty() {
            return;
        }
        match f.file.write_all(bytes) {
            Ok(()) => {
                f.len += bytes.len() as u64;
                f.crc.update(bytes);
                f.dirty = true;
                self.stats
                    .current_size
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            }
            Err(e) => {
                // As Redis: cut a partial write off so no half command stays
                // in the middle of the file.
                let _ = self.fs.truncate(
                    &self.path(&manifest::incr_name(&self.options.file_name, seq)),
                    f.len,
                );
                self.fail(&e, seq);
            }
        }
    }

    /// fsyncs the open file if it has unsynced bytes.
    fn sync_open(&self, io: &mut Io) {
        let Some(f) = io.open.as_mut() else {
            return;
        };
        if !f.dirty || self.poisoned(f.seq) {
            return;
        }
        match f.file.sync_data() {
            Ok(()) => {
                f.synced_len = f.len;
                f.synced_crc = f.crc.clone();
                f.dirty = false;
                self.stats.fsyncs.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                if self.options.fsync == AppendFsync::Always {
                    // Nothing after the last good fsync was acknowledged:
                    // drop it rather than let it surface after a restart.
                    let path = self.path(&manifest::incr_name(&self.options.file_name, f.seq));
                    if self.fs.truncate(&path, f.synced_len).is_ok() {
                        let cut = f.len - f.synced_len;
                        f.len = f.synced_len;
                        f.crc = f.synced_crc.clone();
                        self.stats.current_size.fetch_sub(cut, Ordering::Relaxed);
                    }
                }
                self.fail(&e, f.seq);
            }
        }
    }

    /// Makes incremental file `seq` the open one: appends to it when the
    /// manifest lists it as open, else switches to it (see `roll`).
    fn ensure_open(&self, io: &mut Io, seq: u64) -> io::Result<()> {
        if io.open.as_ref().is_some_and(|f| f.seq == seq) {
            return Ok(());
        }
        let mut manifest = self.manifest.lock();
        let listed = manifest
            .as_ref()
            .and_then(Manifest::open_incr)
            .map(|e| e.seq);
        if listed != Some(seq) {
            return self.roll(io, &mut manifest, seq);
        }
        let path = self.path(&manifest::incr_name(&self.options.file_name, seq));
        let (len, crc) = match io.replayed.take() {
            Some((s, len, crc)) if s == seq => (len, crc),
            _ => hash_file(self.fs.as_ref(), &path)?,
        };
        let file = self.fs.open_append(&path)?;
        io.open = Some(OpenFile {
            seq,
            file,
            len,
            crc: crc.clone(),
            synced_len: len,
            synced_crc: crc,
            dirty: false,
        });
        Ok(())
    }

    /// Switches appends to a new incremental file `seq`: fsyncs the open
    /// file and records its size and CRC-32 in the manifest (it is
    /// finished), creates the new file and publishes a manifest listing it,
    /// before anything is written to it.
    fn roll(&self, io: &mut Io, manifest: &mut Option<Manifest>, seq: u64) -> io::Result<()> {
        self.sync_open(io);
        let mut next = manifest.clone().unwrap_or_default();
        if let Some(last) = next.incrs.last_mut().filter(|e| e.sum.is_none()) {
            let sum = match io.open.as_ref() {
                Some(f) if f.seq == last.seq && !self.poisoned(f.seq) => Sum {
                    size: f.len,
                    crc: f.crc.clone().finalize(),
                },
                _ => manifest::sum_of(self.fs.as_ref(), &self.path(&last.name))?,
            };
            last.sum = Some(sum);
        }
        io.open = None;
        let name = manifest::incr_name(&self.options.file_name, seq);
        let path = self.path(&name);
        let file = self.fs.create(&path)?;
        next.incrs.push(Entry {
            name,
            seq,
            kind: FileKind::Incr,
            sum: None,
        });
        let manifest_path = self.path(&manifest::manifest_name(&self.options.file_name));
        write_atomically(self.fs.as_ref(), &manifest_path, &next.to_bytes())?;
        *manifest = Some(next);
        io.open = Some(OpenFile {
            seq,
            file,
            len: 0,
            crc: Hasher::new(),
            synced_len: 0,
            synced_crc: Hasher::new(),
            dirty: false,
        });
        Ok(())
    }

    /// The flusher thread: writes the buffer every few milliseconds (at
    /// once past 1 MB) and fsyncs once a second (`everysec`) or after each
    /// write (`always`).
    pub(super) fn run_flusher(&self) {
        let policy = self.options.fsync;
        let mut last_sync = Instant::now();
        loop {
            {
                let mut p = self.pending.lock();
                let idle = |p: &Pending| p.is_empty() && !self.stripes.has_records(p.gathered);
                if idle(&p) && !self.stop.load(Ordering::SeqCst) {
                    let wait = FSYNC_INTERVAL.saturating_sub(last_sync.elapsed());
                    let wait = if wait.is_zero() { FSYNC_INTERVAL } else { wait };
                    self.wake.wait_for(&mut p, wait);
                }
                if !idle(&p) && policy != AppendFsync::Always && !self.stop.load(Ordering::SeqCst) {
                    self.wake.wait_for(&mut p, BATCH_WINDOW);
                }
            }
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            let sync = match policy {
                AppendFsync::Always => true,
                AppendFsync::EverySec => last_sync.elapsed() >= FSYNC_INTERVAL,
                AppendFsync::No => false,
            };
            let mut io = self.io.lock();
            self.flush(&mut io, sync, false);
            drop(io);
            if sync {
                last_sync = Instant::now();
            }
        }
    }
}
