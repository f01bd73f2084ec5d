//! Point-in-time copies of the keyspace for checkpoints, shard by shard.
//!
//! A checkpoint must see every key as it was at one instant, without
//! stopping writers for the whole copy (Redis gets this from `fork`). At
//! the instant, with every shard write-locked, [`Keyspace::start_copy`]
//! marks every shard "to copy". From then on a shard is copied by whoever
//! locks it for writing first: a writer copies it just before its write
//! (waiting for that one shard's copy), the checkpoint copies the shards
//! nobody wrote to. Either way each shard is copied exactly once, before
//! any write after the instant touched it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use parking_lot::Mutex;

use super::{Keyspace, Shard};
use crate::persist::KeyDump;
use crate::persist::dump::dump_shard;

/// The copies of one checkpoint, one slot per shard.
pub(crate) struct CopyJob {
    copies: Box<[Mutex<Option<Vec<KeyDump>>>]>,
}

impl Keyspace {
    /// Marks every shard to be copied and makes `job` collect the copies.
    /// The caller holds every shard write-locked (`shards` are their
    /// guards), which makes this the checkpoint's instant.
    pub(crate) fn start_copy<'a>(&self, shards: impl Iterator<Item = &'a Shard>) -> Arc<CopyJob> {
        let job = Arc::new(CopyJob {
            copies: (0..self.shard_count()).map(|_| Mutex::new(None)).collect(),
        });
        for shard in shards {
            shard.copy_pending.store(true, Ordering::Relaxed);
        }
        *self.copy_job.lock() = Some(Arc::clone(&job));
        self.copying.store(true, Ordering::Release);
        job
    }

    /// Ends the copy: writers stop copying (shards not yet copied are
    /// abandoned, for a checkpoint that failed half way).
    pub(crate) fn end_copy(&self) {
        self.copying.store(false, Ordering::Release);
        *self.copy_job.lock() = None;
    }

    /// Called with `shard` write-locked, before a write: copies it first if
    /// a checkpoint still needs it as it was.
    #[inline]
    pub(super) fn copy_before_write(&self, index: usize, shard: &Shard) {
        if self.copying.load(Ordering::Acquire) {
            self.copy_slow(index, shard);
        }
    }

    #[cold]
    fn copy_slow(&self, index: usize, shard: &Shard) {
        if !shard.copy_pending.swap(false, Ordering::AcqRel) {
            return;
        }
        let job = self.copy_job.lock().clone();
        if let Some(job) = job
            && let Some(slot) = job.copies.get(index)
        {
            *slot.lock() = Some(dump_shard(shard));
        }
    }

    /// The copy of shard `index` for `job`: taken by a writer already, or
    /// made now under the shard's read lock.
    pub(crate) fn take_copy(&self, job: &CopyJob, index: usize) -> Vec<KeyDump> {
        let Some(slot) = job.copies.get(index) else {
            return Vec::new();
        };
        if let Some(copy) = slot.lock().take() {
            return copy;
        }
        let shard = self.shards[index].0.lock.read();
        if shard.copy_pending.swap(false, Ordering::AcqRel) {
            return dump_shard(&shard);
        }
        // A writer copied it between our two looks (it held the write lock
        // while storing the copy, so the copy is there now).
        drop(shard);
        slot.lock().take().unwrap_or_default()
    }
}

/// The keys of a checkpoint, shard after shard.
pub(crate) struct CopyIter<'a> {
    keyspace: &'a Keyspace,
    job: Arc<CopyJob>,
    next_shard: usize,
    current: std::vec::IntoIter<KeyDump>,
}

impl<'a> CopyIter<'a> {
    pub(crate) fn new(keyspace: &'a Keyspace, job: Arc<CopyJob>) -> CopyIter<'a> {
        CopyIter {
            keyspace,
            job,
            next_shard: 0,
            current: Vec::new().into_iter(),
        }
    }
}

impl Iterator for CopyIter<'_> {
    type Item = KeyDump;

    fn next(&mut self) -> Option<KeyDump> {
        loop {
            if let Some(dump) = self.current.next() {
                return Some(dump);
            }
            if self.next_shard >= self.keyspace.shard_count() {
                return None;
            }
            self.current = self
                .keyspace
                .take_copy(&self.job, self.next_shard)
                .into_iter();
            self.next_shard += 1;
        }
    }
}
