//! The snapshot (RDB-like): the whole keyspace in one file, written at
//! checkpoints (`SAVE`, `BGSAVE`, save points) and loaded at open.
//!
//! The file format is specified byte by byte in `docs/formats.md`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::clock::Clock;
use crate::persist::fs::Fs;
use crate::persist::{KeyDump, Persistence, SnapshotOptions};
use crate::{Result, Store};

/// The snapshot persistence of a store.
pub(crate) struct Snapshot {
    fs: Arc<dyn Fs>,
    path: PathBuf,
    options: SnapshotOptions,
    clock: Arc<dyn Clock>,
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
        Snapshot {
            fs,
            path: dir.join(&options.file_name),
            options,
            clock,
        }
    }

    /// The snapshot file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `keys` as the new snapshot file: temp file, fsync, rename,
    /// directory fsync. On error the previous file is untouched.
    pub(crate) fn write(&self, keys: &mut dyn Iterator<Item = KeyDump>) -> Result<SaveStats> {
        let _ = (keys, &self.fs, &self.options, &self.clock);
        unimplemented!("Snapshot::write")
    }

    /// Reads the snapshot file, handing each key to `visit` in file order.
    /// `Ok(false)` when there is no file.
    ///
    /// # Errors
    ///
    /// A bad magic, an unknown version, a checksum mismatch or a truncated
    /// or undecodable record: [`crate::Error::Persistence`] naming the file
    /// and byte offset.
    pub(crate) fn read(&self, visit: &mut dyn FnMut(KeyDump) -> Result<()>) -> Result<bool> {
        let _ = visit;
        unimplemented!("Snapshot::read")
    }
}

impl Persistence for Snapshot {
    fn load(&self, store: &Store) -> Result<()> {
        self.read(&mut |dump| store.restore_dump(dump)).map(|_| ())
    }

    fn record(&self, _argv: &[&[u8]]) -> u64 {
        0
    }
}

impl Snapshot {
    /// Unix seconds of the last successful save (the open time before one).
    pub(crate) fn last_save_unix(&self) -> i64 {
        unimplemented!("Snapshot::last_save_unix")
    }
}
