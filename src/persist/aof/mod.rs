//! The append log (AOF-like): every write's canonical command in RESP,
//! in Redis 7.0's multi-part layout (a manifest naming a base file and
//! incremental files), fsynced as `appendfsync` says.
//!
//! The layout and the manifest are specified in `docs/formats.md`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::clock::Clock;
use crate::persist::fs::Fs;
use crate::persist::{AppendLogOptions, Persistence};
use crate::{Result, Store};

/// The append log of a store.
pub(crate) struct AppendLog {
    fs: Arc<dyn Fs>,
    dir: PathBuf,
    options: AppendLogOptions,
    clock: Arc<dyn Clock>,
}

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ReplayStats {
    /// Commands applied.
    pub(crate) commands: u64,
    /// Repairs made (a torn tail cut off), naming file and offset.
    pub(crate) warnings: Vec<String>,
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
        let _ = (&fs, &clock);
        unimplemented!("AppendLog::open {}", dir.display())
    }

    /// Whether a manifest was found (there is a log to replay).
    pub(crate) fn has_data(&self) -> bool {
        unimplemented!("AppendLog::has_data")
    }

    /// Replays base and incremental files in order through `apply`, cutting
    /// off a torn tail of the last file (when `load_truncated`).
    pub(crate) fn replay(
        &self,
        apply: &mut dyn FnMut(&[&[u8]]) -> Result<()>,
    ) -> Result<ReplayStats> {
        let _ = (apply, &self.fs, &self.dir, &self.options, &self.clock);
        unimplemented!("AppendLog::replay")
    }
}

impl Persistence for AppendLog {
    fn load(&self, store: &Store) -> Result<()> {
        let _ = store;
        unimplemented!("AppendLog::load")
    }

    fn record(&self, _argv: &[&[u8]]) -> u64 {
        unimplemented!("AppendLog::record")
    }
}

impl AppendLog {
    /// Starts appending (after the load): opens the last incremental file
    /// and the background flusher.
    pub(crate) fn start(self: &Arc<Self>) {
        unimplemented!("AppendLog::start")
    }

    /// Flushes, fsyncs and stops the background flusher.
    pub(crate) fn shutdown(&self) {
        unimplemented!("AppendLog::shutdown")
    }
}
