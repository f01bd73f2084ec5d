//! The persistence methods of [`Store`]: `save`, `bgsave`, `bgrewriteaof`,
//! `lastsave`, `sync`.

use std::sync::Arc;

use crate::persist::engine::{BackgroundJob, Kind};
use crate::persist::{LoadReport, Persistence};
use crate::{Error, Result, Store};

impl Store {
    /// `SAVE`: writes the snapshot file now, on this thread. Writers go on
    /// meanwhile (each waits at most for one shard's copy); the snapshot
    /// holds the keyspace as it was when `save` was called.
    ///
    /// ```
    /// use kvstore::persist::SnapshotOptions;
    /// use kvstore::{Config, Store};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let config = || Config::builder().dir(dir.path()).snapshot(SnapshotOptions::new()).build();
    /// let store = Store::open(config())?;
    /// store.set("k", "v")?;
    /// store.save()?;
    /// drop(store);
    /// let store = Store::open(config())?;
    /// assert_eq!(store.get("k")?, Some(b"v".to_vec()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NoDataDir`] without a data directory; the file could not be
    /// written (the previous snapshot stays).
    pub fn save(&self) -> Result<()> {
        let snapshot = self
            .inner
            .persist
            .snapshot
            .clone()
            .ok_or(Error::NoDataDir)?;
        let status = snapshot.last_status_ok();
        let saved = self.inner.checkpoint_now(Kind::Snapshot, snapshot.as_ref());
        if saved.is_err() {
            // As Redis: a failed SAVE is reported to its caller only.
            snapshot.restore_status(status);
        }
        saved
    }

    /// `BGSAVE`: writes the snapshot file on a background thread, of the
    /// keyspace as it is now. Returns at once; [`BackgroundJob::wait`]
    /// waits for the outcome.
    ///
    /// # Errors
    ///
    /// [`Error::NoDataDir`]; [`Error::BgsaveInProgress`] when one is
    /// running; a log rewrite is running.
    pub fn bgsave(&self) -> Result<BackgroundJob> {
        let snapshot = self
            .inner
            .persist
            .snapshot
            .clone()
            .ok_or(Error::NoDataDir)?;
        self.inner
            .checkpoint_background(Kind::Snapshot, snapshot as Arc<dyn Persistence>)
    }

    /// `BGREWRITEAOF`: rewrites the append log on a background thread into
    /// a new base file holding the keyspace as it is now, and drops the
    /// files it replaces. Writers are not blocked. A running snapshot is
    /// waited for first.
    ///
    /// # Errors
    ///
    /// No append log is configured; [`Error::RewriteInProgress`].
    pub fn bgrewriteaof(&self) -> Result<BackgroundJob> {
        let log = self.inner.persist.log.clone().ok_or_else(|| {
            Error::Persistence("the append log is off (Config::builder().append_log)".into())
        })?;
        if self.inner.persist.running(Kind::Rewrite) {
            return Err(Error::RewriteInProgress);
        }
        if self.inner.persist.running(Kind::Snapshot) {
            // Scheduled: the rewrite starts when the snapshot is done.
            let inner = Arc::clone(&self.inner);
            return self.inner.spawn_job(Kind::Rewrite, move || {
                inner.checkpoint_now(Kind::Rewrite, log.as_ref())
            });
        }
        self.inner
            .checkpoint_background(Kind::Rewrite, log as Arc<dyn Persistence>)
    }

    /// `LASTSAVE`: the Unix time (seconds) of the last successful snapshot,
    /// or of the open when there was none since.
    #[must_use]
    pub fn last_save(&self) -> i64 {
        match &self.inner.persist.snapshot {
            Some(snapshot) => snapshot.last_save_unix(),
            None => self.inner.started_unix,
        }
    }

    /// Makes every write made so far durable in every persistence (the
    /// append log's fsync), whatever the fsync policy.
    ///
    /// # Errors
    ///
    /// A persistence could not sync.
    pub fn sync(&self) -> Result<()> {
        for p in &self.inner.persist.all {
            p.sync()?;
        }
        Ok(())
    }

    /// Whether automatic snapshots are configured (`SHUTDOWN` saves then).
    #[must_use]
    pub fn has_save_points(&self) -> bool {
        self.inner
            .config
            .snapshot
            .as_ref()
            .is_some_and(|s| !s.save_points_list().is_empty())
    }

    /// What the open loaded: from which files, how many keys, and the
    /// repairs made (a torn append-log tail cut off), each naming the file
    /// and byte offset.
    #[must_use]
    pub fn load_report(&self) -> LoadReport {
        self.inner.persist.report.lock().clone()
    }
}
