//! What [`Config`](crate::Config) says about persistence.

/// When the append log's writes reach the disk (Redis's `appendfsync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppendFsync {
    /// Every write is fsynced before it is acknowledged: nothing
    /// acknowledged is lost, even on power loss. Concurrent writers share
    /// one fsync (group commit).
    Always,
    /// Handed to the OS by a background thread every few milliseconds and
    /// fsynced once a second: a process crash loses at most the last few
    /// milliseconds of acknowledged writes, a power loss about one to two
    /// seconds. (Redis writes to the OS before replying, so its process
    /// crash loses nothing; we trade that for not making a system call per
    /// write.)
    #[default]
    EverySec,
    /// Written to the OS, never fsynced by us: the OS decides.
    No,
}

impl AppendFsync {
    /// The name Redis's `appendfsync` option uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AppendFsync::Always => "always",
            AppendFsync::EverySec => "everysec",
            AppendFsync::No => "no",
        }
    }

    /// Parses `always`, `everysec` or `no` (any case).
    #[must_use]
    pub fn from_name(name: &[u8]) -> Option<AppendFsync> {
        [AppendFsync::Always, AppendFsync::EverySec, AppendFsync::No]
            .into_iter()
            .find(|p| p.as_str().as_bytes().eq_ignore_ascii_case(name))
    }
}

/// An automatic snapshot rule: save when at least `changes` writes
/// happened in the last `seconds` (one pair of Redis's `save` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavePoint {
    /// Seconds since the last successful save.
    pub seconds: u64,
    /// Writes since the last successful save.
    pub changes: u64,
}

/// How the snapshot (RDB-like) persistence behaves.
///
/// ```
/// use kvstore::persist::SnapshotOptions;
///
/// let options = SnapshotOptions::new().save_points(&[(3600, 1), (300, 100), (60, 10_000)]);
/// assert_eq!(options.save_points_list().len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct SnapshotOptions {
    pub(crate) file_name: String,
    pub(crate) save_points: Vec<SavePoint>,
    pub(crate) stop_writes_on_error: bool,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions {
            file_name: "dump.kvs".into(),
            save_points: vec![
                SavePoint {
                    seconds: 3600,
                    changes: 1,
                },
                SavePoint {
                    seconds: 300,
                    changes: 100,
                },
                SavePoint {
                    seconds: 60,
                    changes: 10_000,
                },
            ],
            stop_writes_on_error: true,
        }
    }
}

impl SnapshotOptions {
    /// The defaults: file `dump.kvs`, Redis's save points
    /// `3600 1 300 100 60 10000`, writes refused after a failed background
    /// save.
    pub fn new() -> Self {
        SnapshotOptions::default()
    }

    /// The snapshot's file name inside the data directory. Default `dump.kvs`.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = name.into();
        self
    }

    /// Automatic saves as `(seconds, changes)` pairs; empty turns them off
    /// (Redis's `save ""`).
    pub fn save_points(mut self, points: &[(u64, u64)]) -> Self {
        self.save_points = points
            .iter()
            .map(|&(seconds, changes)| SavePoint { seconds, changes })
            .collect();
        self
    }

    /// The configured save points.
    #[must_use]
    pub fn save_points_list(&self) -> &[SavePoint] {
        &self.save_points
    }

    /// Redis's `stop-writes-on-bgsave-error`: after a failed automatic or
    /// background save (with save points set), writes are refused with
    /// `MISCONF` until a save succeeds. Default on.
    pub fn stop_writes_on_error(mut self, on: bool) -> Self {
        self.stop_writes_on_error = on;
        self
    }
}

/// How the append log (AOF-like) persistence behaves.
///
/// ```
/// use kvstore::persist::{AppendFsync, AppendLogOptions};
///
/// let options = AppendLogOptions::new().fsync(AppendFsync::Always);
/// assert_eq!(options.fsync_policy(), AppendFsync::Always);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct AppendLogOptions {
    pub(crate) dir_name: String,
    pub(crate) file_name: String,
    pub(crate) fsync: AppendFsync,
    pub(crate) auto_rewrite_percentage: u64,
    pub(crate) auto_rewrite_min_size: u64,
    pub(crate) load_truncated: bool,
}

impl Default for AppendLogOptions {
    fn default() -> Self {
        AppendLogOptions {
            dir_name: "appendonlydir".into(),
            file_name: "appendonly.aof".into(),
            fsync: AppendFsync::EverySec,
            auto_rewrite_percentage: 100,
            auto_rewrite_min_size: 64 * 1024 * 1024,
            load_truncated: true,
        }
    }
}

impl AppendLogOptions {
    /// Redis 7.0's defaults: `appendonlydir/appendonly.aof.*`, `everysec`,
    /// automatic rewrite at 100% growth past 64 MB, torn tails truncated.
    pub fn new() -> Self {
        AppendLogOptions::default()
    }

    /// `appendfsync`. Default [`AppendFsync::EverySec`].
    pub fn fsync(mut self, policy: AppendFsync) -> Self {
        self.fsync = policy;
        self
    }

    /// The configured fsync policy.
    #[must_use]
    pub fn fsync_policy(&self) -> AppendFsync {
        self.fsync
    }

    /// `appenddirname`: the log's directory inside the data directory.
    /// Default `appendonlydir`.
    pub fn dir_name(mut self, name: impl Into<String>) -> Self {
        self.dir_name = name.into();
        self
    }

    /// `appendfilename`: the prefix of the log's files. Default
    /// `appendonly.aof`.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = name.into();
        self
    }

    /// `auto-aof-rewrite-percentage`: rewrite when the log grew by this
    /// percentage over its size after the last rewrite; 0 turns automatic
    /// rewrites off. Default 100.
    pub fn auto_rewrite_percentage(mut self, percent: u64) -> Self {
        self.auto_rewrite_percentage = percent;
        self
    }

    /// `auto-aof-rewrite-min-size`: no automatic rewrite below this size
    /// in bytes. Default 64 MB.
    pub fn auto_rewrite_min_size(mut self, bytes: u64) -> Self {
        self.auto_rewrite_min_size = bytes;
        self
    }

    /// `aof-load-truncated`: whether a torn last command (a crash in the
    /// middle of an append) is cut off with a warning (`true`, the default)
    /// or fails the open.
    pub fn load_truncated(mut self, on: bool) -> Self {
        self.load_truncated = on;
        self
    }
}
