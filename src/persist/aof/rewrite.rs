//! Rewrites (checkpoints): a new base file rebuilding every key, a new
//! incremental file for the writes made meanwhile, a manifest naming only
//! those, and the old files deleted; plus Redis's automatic rewrite rule.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crc32fast::Hasher;

use super::Shared;
use super::manifest::{self, Entry, FileKind, Manifest, Sum};
use crate::number::format_double;
use crate::persist::fs::{temp_path, write_atomically};
use crate::persist::{DumpValue, KeyDump};
use crate::resp::encode_command;
use crate::{Error, Result};

/// Items per command in a base file (Redis's `AOF_REWRITE_ITEMS_PER_CMD`).
pub(crate) const ITEMS_PER_CMD: usize = 64;
/// Base bytes buffered before a write.
const WRITE_CHUNK: usize = 1 << 20;
/// Consecutive failed rewrites after which automatic ones back off
/// (Redis's `AOF_REWRITE_LIMITE_THRESHOLD`).
const LIMIT_THRESHOLD: u64 = 3;
/// Longest back-off, in minutes (`AOF_REWRITE_LIMITE_MAX_MINUTES`).
const LIMIT_MAX_MINUTES: i64 = 60;

/// A checkpoint between its begin and its end.
struct Plan {
    /// The incremental file records go to from the begin on.
    new_seq: u64,
    /// The last record before the begin: every record up to it is in the
    /// base.
    switch_lsn: u64,
    began: Instant,
}

/// Rewrite bookkeeping, behind `Shared::rewrite`.
pub(crate) struct RewriteState {
    plan: Option<Plan>,
    /// Sequence number of the next base file (never reused, even after a
    /// failed rewrite, so a file a manifest may name is never overwritten).
    next_base_seq: u64,
    /// Automatic-rewrite back-off (Redis's `aofRewriteLimited`).
    next_delay_minutes: i64,
    next_allowed_ms: i64,
}

impl RewriteState {
    pub(crate) fn new(next_base_seq: u64) -> RewriteState {
        RewriteState {
            plan: None,
            next_base_seq,
            next_delay_minutes: 0,
            next_allowed_ms: 0,
        }
    }
}

/// The sequence number in `<prefix>.<seq><suffix>`.
pub(crate) fn seq_of(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let digits = name
        .strip_prefix(prefix)?
        .strip_prefix('.')?
        .strip_suffix(suffix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Appends the commands rebuilding `dump` (nothing for a key or hash field
/// whose deadline is before `now_ms`, or an empty collection).
pub(crate) fn emit_key(dump: &KeyDump, now_ms: i64, out: &mut Vec<u8>) {
    if dump.expire_at_ms.is_some_and(|at| at < now_ms) {
        return;
    }
    let key = dump.key.as_slice();
    let written = match &dump.value {
        DumpValue::String(value) => {
            encode_command(&[b"SET", key, value.as_slice()], out);
            true
        }
        DumpValue::List(items) => emit_items(b"RPUSH", key, items, out),
        DumpValue::Set(items) => emit_items(b"SADD", key, items, out),
        DumpValue::Hash(fields) => {
            let live: Vec<_> = fields
                .iter()
                .filter(|f| f.expire_at_ms.is_none_or(|at| at >= now_ms))
                .collect();
            for chunk in live.chunks(ITEMS_PER_CMD) {
                let mut argv: Vec<&[u8]> = vec![b"HSET", key];
                for f in chunk {
                    argv.push(&f.field);
                    argv.push(&f.value);
                }
                encode_command(&argv, out);
            }
            let mut deadlines: BTreeMap<i64, Vec<&[u8]>> = BTreeMap::new();
            for f in &live {
                if let Some(at) = f.expire_at_ms {
                    deadlines.entry(at).or_default().push(&f.field);
                }
            }
            let mut digits = itoa::Buffer::new();
            for (at, names) in &deadlines {
                let at = digits.format(*at).to_owned();
                for chunk in names.chunks(ITEMS_PER_CMD) {
                    let count = chunk.len().to_string();
                    let mut argv: Vec<&[u8]> = vec![
                        b"HPEXPIREAT",
                        key,
                        at.as_bytes(),
                        b"FIELDS",
                        count.as_bytes(),
                    ];
                    argv.extend_from_slice(chunk);
                    encode_command(&argv, out);
                }
            }
            !live.is_empty()
        }
        DumpValue::ZSet(pairs) => {
            for chunk in pairs.chunks(ITEMS_PER_CMD) {
                let scores: Vec<String> = chunk.iter().map(|(_, s)| format_double(*s)).collect();
                let mut argv: Vec<&[u8]> = vec![b"ZADD", key];
                for ((member, _), score) in chunk.iter().zip(&scores) {
                    argv.push(score.as_bytes());
                    argv.push(member);
                }
                encode_command(&argv, out);
            }
            !pairs.is_empty()
        }
    };
    if written && let Some(at) = dump.expire_at_ms {
        let mut digits = itoa::Buffer::new();
        encode_command(&[b"PEXPIREAT", key, digits.format(at).as_bytes()], out);
    }
}

fn emit_items(name: &[u8], key: &[u8], items: &[Vec<u8>], out: &mut Vec<u8>) -> bool {
    for chunk in items.chunks(ITEMS_PER_CMD) {
        let mut argv: Vec<&[u8]> = Vec::with_capacity(chunk.len() + 2);
        argv.push(name);
        argv.push(key);
        argv.extend(chunk.iter().map(Vec::as_slice));
        encode_command(&argv, out);
    }
    !items.is_empty()
}

impl Shared {
    /// Switches appends to a new incremental file (no I/O: the writer
    /// creates it when it first needs it, or the checkpoint does).
    pub(super) fn begin_checkpoint(&self) -> Result<()> {
        let mut rewrite = self.rewrite.lock();
        let mut pending = self.pending.lock();
        // Every shard is locked: no record is half made, all are gathered.
        self.gather(&mut pending);
        let force = self.poisoned(pending.current_seq);
        let new_seq = pending.switch(force);
        rewrite.plan = Some(Plan {
            new_seq,
            switch_lsn: pending.gathered,
            began: Instant::now(),
        });
        drop(pending);
        self.stats.rewrite_in_progress.store(true, Ordering::SeqCst);
        self.stats.rewrites.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    pub(super) fn checkpoint(&self, keys: &mut dyn Iterator<Item = KeyDump>) -> Result<()> {
        let (plan, base_seq) = {
            let mut rewrite = self.rewrite.lock();
            let Some(plan) = rewrite.plan.take() else {
                return Err(Error::Persistence(
                    "append log rewrite without begin_checkpoint".into(),
                ));
            };
            let seq = rewrite.next_base_seq;
            rewrite.next_base_seq += 1;
            (plan, seq)
        };
        let result = self.rewrite_files(&plan, base_seq, keys);
        let s = &self.stats;
        let ms = u64::try_from(plan.began.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        s.last_rewrite_ms.store(ms, Ordering::Relaxed);
        s.last_rewrite_failed
            .store(result.is_err(), Ordering::Relaxed);
        if result.is_ok() {
            s.rewrite_failures.store(0, Ordering::Relaxed);
        } else {
            s.rewrite_failures.fetch_add(1, Ordering::Relaxed);
        }
        s.rewrite_in_progress.store(false, Ordering::SeqCst);
        result
    }

    fn failure_error(&self, what: &str) -> Error {
        Error::Persistence(format!("{what}: {}", self.failure.lock()))
    }

    fn rewrite_files(
        &self,
        plan: &Plan,
        base_seq: u64,
        keys: &mut dyn Iterator<Item = KeyDump>,
    ) -> Result<()> {
        // 1. The switch reaches the disk: the old file is fsynced and
        // finished, the new one created and listed, before the base is
        // written (a crash now loads old files + new incremental file).
        {
            let mut io = self.io.lock();
            let listed = self.manifest.lock().is_some();
            self.flush(&mut io, true, listed);
        }
        if self.poisoned(plan.new_seq) {
            return Err(self.failure_error("cannot switch the append log to a new file"));
        }
        // 2. The new base, under its final name but not yet listed.
        let base = self.write_base(base_seq, keys)?;
        // 3. The manifest naming only the new files; then the old ones go.
        let io = self.io.lock();
        let mut manifest = self.manifest.lock();
        if self.poisoned(plan.new_seq) {
            return Err(self.failure_error("cannot write the new append log file"));
        }
        let old = manifest.clone().unwrap_or_default();
        let mut incrs: Vec<Entry> = old
            .incrs
            .iter()
            .filter(|e| e.seq >= plan.new_seq)
            .cloned()
            .collect();
        let io_error = |what: &str, e: io::Error| {
            Error::Persistence(format!("append log rewrite: cannot {what}: {e}"))
        };
        if incrs.is_empty() {
            // A log without a manifest yet: the writer never listed the
            // new file, so it has not been written; create it empty.
            let name = manifest::incr_name(&self.options.file_name, plan.new_seq);
            let mut file = self
                .fs
                .create(&self.path(&name))
                .map_err(|e| io_error(&format!("create {name}"), e))?;
            file.sync_data()
                .map_err(|e| io_error(&format!("fsync {name}"), e))?;
            incrs.push(Entry {
                name,
                seq: plan.new_seq,
                kind: FileKind::Incr,
                sum: None,
            });
        }
        let next = Manifest {
            base: Some(base),
            history: Vec::new(),
            incrs,
        };
        let manifest_name = manifest::manifest_name(&self.options.file_name);
        // On failure nothing is deleted: whichever manifest is on disk,
        // every file it names is still there.
        write_atomically(
            self.fs.as_ref(),
            &self.path(&manifest_name),
            &next.to_bytes(),
        )
        .map_err(|e| io_error(&format!("write {manifest_name}"), e))?;
        *manifest = Some(next.clone());
        self.remove_unlisted(&old, &next);
        if self.poisoned_upto.load(Ordering::SeqCst) < plan.new_seq {
            self.failed.store(false, Ordering::SeqCst);
        }
        self.durable.fetch_max(plan.switch_lsn, Ordering::SeqCst);
        let mut size = 0u64;
        for entry in next.files() {
            size += match (&io.open, entry.sum) {
                (_, Some(sum)) => sum.size,
                (Some(f), None) if f.seq() == entry.seq => f.len(),
                _ => super::file_len(self.fs.as_ref(), &self.path(&entry.name)).unwrap_or(0),
            };
        }
        self.stats.current_size.store(size, Ordering::Relaxed);
        self.stats.rewrite_base_size.store(size, Ordering::Relaxed);
        drop(manifest);
        drop(io);
        Ok(())
    }

    /// Writes base file `seq`: temp file, fsync, rename, directory fsync.
    fn write_base(&self, seq: u64, keys: &mut dyn Iterator<Item = KeyDump>) -> Result<Entry> {
        let name = manifest::base_name(&self.options.file_name, seq);
        let path = self.path(&name);
        let temp = temp_path(&path);
        let now = self.clock.now_ms();
        let written = (|| -> io::Result<Sum> {
            let mut file = self.fs.create(&temp)?;
            let mut buf = Vec::with_capacity(WRITE_CHUNK + 4096);
            let mut hasher = Hasher::new();
            let mut size = 0u64;
            let mut put = |buf: &mut Vec<u8>, file: &mut Box<dyn crate::persist::fs::FsFile>| {
                hasher.update(buf);
                size += buf.len() as u64;
                let r = file.write_all(buf);
                buf.clear();
                r
            };
            for dump in keys {
                emit_key(&dump, now, &mut buf);
                if buf.len() >= WRITE_CHUNK {
                    put(&mut buf, &mut file)?;
                }
            }
            put(&mut buf, &mut file)?;
            file.sync_data()?;
            drop(file);
            self.fs.rename(&temp, &path)?;
            self.fs.sync_dir(&self.dir)?;
            Ok(Sum {
                size,
                crc: hasher.finalize(),
            })
        })();
        match written {
            Ok(sum) => Ok(Entry {
                name,
                seq,
                kind: FileKind::Base,
                sum: Some(sum),
            }),
            Err(e) => {
                let _ = self.fs.remove(&temp);
                Err(Error::Persistence(format!(
                    "append log rewrite: cannot write {name}: {e}"
                )))
            }
        }
    }

    /// Deletes the files `old` named that `next` does not, and leftovers
    /// of interrupted rewrites (files of the log's naming pattern that no
    /// manifest names).
    fn remove_unlisted(&self, old: &Manifest, next: &Manifest) {
        let keep: Vec<&str> = next.all_files().map(|e| e.name.as_str()).collect();
        let mut doomed: Vec<String> = old
            .all_files()
            .map(|e| e.name.clone())
            .filter(|n| !keep.contains(&n.as_str()))
            .collect();
        let prefix = &self.options.file_name;
        if let Ok(names) = self.fs.list(&self.dir) {
            for name in names {
                let stem = name.strip_suffix(".tmp").unwrap_or(&name);
                let ours = seq_of(stem, prefix, ".base.aof").is_some()
                    || seq_of(stem, prefix, ".incr.aof").is_some()
                    || (stem == manifest::manifest_name(prefix) && stem != name);
                if ours && !keep.contains(&name.as_str()) && !doomed.contains(&name) {
                    doomed.push(name);
                }
            }
        }
        for name in doomed {
            let _ = self.fs.remove(&self.path(&name));
        }
    }

    /// Redis's automatic rewrite rule: the log grew past
    /// `auto-aof-rewrite-min-size` and by `auto-aof-rewrite-percentage`
    /// over its size after the last rewrite; backing off after three
    /// consecutive failures (1, 2, 4 … 60 minutes).
    pub(super) fn checkpoint_due(&self) -> bool {
        let percent = self.options.auto_rewrite_percentage;
        if percent == 0 || self.stats.rewrite_in_progress.load(Ordering::SeqCst) {
            return false;
        }
        let current = self.stats.current_size.load(Ordering::Relaxed);
        if current <= self.options.auto_rewrite_min_size {
            return false;
        }
        let base = self.stats.rewrite_base_size.load(Ordering::Relaxed).max(1);
        let growth = i128::from(current) * 100 / i128::from(base) - 100;
        if growth < i128::from(percent) {
            return false;
        }
        !self.rewrite_limited()
    }

    fn rewrite_limited(&self) -> bool {
        let mut rewrite = self.rewrite.lock();
        if self.stats.rewrite_failures.load(Ordering::Relaxed) < LIMIT_THRESHOLD {
            rewrite.next_delay_minutes = 0;
            rewrite.next_allowed_ms = 0;
            return false;
        }
        let now = self.clock.now_ms();
        if rewrite.next_allowed_ms != 0 {
            if now < rewrite.next_allowed_ms {
                return true;
            }
            rewrite.next_allowed_ms = 0;
            return false;
        }
        rewrite.next_delay_minutes = (rewrite.next_delay_minutes * 2).clamp(1, LIMIT_MAX_MINUTES);
        rewrite.next_allowed_ms = now.saturating_add(rewrite.next_delay_minutes * 60_000);
        true
    }
}
