//! Checking an append log offline, as `redis-check-aof` does.

use std::fmt;
use std::path::{Path, PathBuf};

use super::load::{Ending, ScanError, scan};
use super::manifest::{self, FileKind, Manifest};
use crate::persist::AppendLogOptions;
use crate::persist::fs::{Fs, StdFs};
use crate::{Error, Result};

/// What [`check_append_log`] found: the manifest and every file it names.
///
/// Its [`Display`](fmt::Display) is one line per file, as
/// `redis-check-aof` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckReport {
    /// The manifest file.
    pub manifest: PathBuf,
    /// One entry per base and incremental file, in load order.
    pub files: Vec<FileReport>,
}

/// One file of the log, as [`check_append_log`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileReport {
    /// The file's name inside the log directory.
    pub name: String,
    /// `"base"` or `"incr"`.
    pub kind: &'static str,
    /// Its size in bytes when checked (before any fix).
    pub size: u64,
    /// Whole commands read (`MULTI`/`EXEC` not counted).
    pub commands: u64,
    /// The verdict.
    pub status: FileStatus,
}

/// The verdict on one file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileStatus {
    /// Every byte is a whole command and matches the recorded checksum.
    Ok,
    /// The manifest names it but it does not exist.
    Missing,
    /// Its size or CRC-32 differs from what the manifest recorded.
    ChecksumMismatch {
        /// What the manifest says: (size, CRC-32).
        expected: (u64, u32),
        /// What the file has.
        actual: (u64, u32),
    },
    /// The last, open file ends inside a command (a crash during an
    /// append) or inside a transaction: everything before `offset` is
    /// whole. Loading cuts it off there (with `aof-load-truncated`).
    TornTail {
        /// Length of the whole commands.
        offset: u64,
        /// Whether the check cut the file to `offset` (`fix`).
        truncated: bool,
    },
    /// Bytes at `offset` are not a command, or a file other than the open
    /// one ends early: loading fails.
    Corrupt {
        /// Byte offset of the problem.
        offset: u64,
        /// What is wrong there.
        reason: String,
    },
    /// The file could not be read.
    Unreadable(String),
}

impl CheckReport {
    /// Whether the log loads as it is: every file [`FileStatus::Ok`], or
    /// only a torn tail (which loading or `fix` cuts off).
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.files
            .iter()
            .all(|f| matches!(f.status, FileStatus::Ok | FileStatus::TornTail { .. }))
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "manifest {}", self.manifest.display())?;
        for file in &self.files {
            write!(
                f,
                "{} ({}, {} bytes, {} commands): ",
                file.name, file.kind, file.size, file.commands
            )?;
            match &file.status {
                FileStatus::Ok => writeln!(f, "OK")?,
                FileStatus::Missing => writeln!(f, "MISSING")?,
                FileStatus::ChecksumMismatch { expected, actual } => writeln!(
                    f,
                    "CHECKSUM MISMATCH: the manifest says {} bytes crc32 {:08x}, the file has {} bytes crc32 {:08x}",
                    expected.0, expected.1, actual.0, actual.1
                )?,
                FileStatus::TornTail {
                    offset,
                    truncated: true,
                } => {
                    writeln!(
                        f,
                        "torn tail at offset {offset}: truncated to {offset} bytes"
                    )?;
                }
                FileStatus::TornTail {
                    offset,
                    truncated: false,
                } => writeln!(
                    f,
                    "torn tail at offset {offset} (loading cuts it off; --fix truncates it)"
                )?,
                FileStatus::Corrupt { offset, reason } => {
                    writeln!(f, "CORRUPT at offset {offset}: {reason}")?;
                }
                FileStatus::Unreadable(why) => writeln!(f, "UNREADABLE: {why}")?,
            }
        }
        let verdict = if self.is_ok() {
            "loads"
        } else {
            "does NOT load"
        };
        write!(f, "the append log {verdict}")
    }
}

/// Checks the append log in `data_dir` (laid out as `options` says) the
/// way `redis-check-aof` does: reads the manifest, verifies that every file
/// it names exists and matches its recorded size and CRC-32, and parses
/// every command. With `fix`, a torn tail of the last, open file is cut
/// off (what loading with `aof-load-truncated` would do); nothing else is
/// ever changed.
///
/// ```no_run
/// use kvstore::persist::{AppendLogOptions, check_append_log};
///
/// let report = check_append_log("data".as_ref(), &AppendLogOptions::new(), false)?;
/// println!("{report}");
/// assert!(report.is_ok());
/// # Ok::<(), kvstore::Error>(())
/// ```
///
/// # Errors
///
/// No manifest, or one that cannot be read or parsed (with its line
/// number): [`Error::Persistence`]. Problems in the files are reported in
/// the [`CheckReport`], not as errors.
pub fn check_append_log(
    data_dir: &Path,
    options: &AppendLogOptions,
    fix: bool,
) -> Result<CheckReport> {
    check_with(&StdFs, data_dir, options, fix)
}

pub(crate) fn check_with(
    fs: &dyn Fs,
    data_dir: &Path,
    options: &AppendLogOptions,
    fix: bool,
) -> Result<CheckReport> {
    let dir = data_dir.join(&options.dir_name);
    let manifest_path = dir.join(manifest::manifest_name(&options.file_name));
    let Some(manifest) = Manifest::read(fs, &dir, &options.file_name)? else {
        return Err(Error::Persistence(format!(
            "no append log manifest at {}",
            manifest_path.display()
        )));
    };
    let files: Vec<_> = manifest.files().collect();
    let mut reports = Vec::with_capacity(files.len());
    for (i, entry) in files.iter().enumerate() {
        let last = i + 1 == files.len();
        let path = dir.join(&entry.name);
        let mut report = FileReport {
            name: entry.name.clone(),
            kind: if entry.kind == FileKind::Base {
                "base"
            } else {
                "incr"
            },
            size: 0,
            commands: 0,
            status: FileStatus::Ok,
        };
        report.status = match fs.len(&path) {
            Err(e) => FileStatus::Unreadable(e.to_string()),
            Ok(None) => FileStatus::Missing,
            Ok(Some(size)) => {
                report.size = size;
                check_file(fs, &path, entry, last, fix, &mut report.commands)
            }
        };
        reports.push(report);
    }
    Ok(CheckReport {
        manifest: manifest_path,
        files: reports,
    })
}

fn check_file(
    fs: &dyn Fs,
    path: &Path,
    entry: &manifest::Entry,
    last: bool,
    fix: bool,
    commands: &mut u64,
) -> FileStatus {
    if let Some(expected) = entry.sum {
        match manifest::sum_of(fs, path) {
            Err(e) => return FileStatus::Unreadable(e.to_string()),
            Ok(actual) if actual != expected => {
                return FileStatus::ChecksumMismatch {
                    expected: (expected.size, expected.crc),
                    actual: (actual.size, actual.crc),
                };
            }
            Ok(_) => {}
        }
    }
    let src = match fs.open_read(path) {
        Ok(src) => src,
        Err(e) => return FileStatus::Unreadable(e.to_string()),
    };
    let scanned = match scan(src, &mut |_| Ok(())) {
        Ok(scanned) => scanned,
        Err(ScanError::Malformed { offset, what }) => {
            return FileStatus::Corrupt {
                offset,
                reason: format!("expected {what}"),
            };
        }
        Err(ScanError::Io(e)) => return FileStatus::Unreadable(e.to_string()),
        Err(ScanError::Apply { offset, error }) => {
            return FileStatus::Corrupt {
                offset,
                reason: error.to_string(),
            };
        }
    };
    *commands = scanned.commands;
    match scanned.ending {
        Ending::Clean => FileStatus::Ok,
        Ending::Torn { at } if last && entry.sum.is_none() => {
            let truncated = fix && fs.truncate(path, at).is_ok();
            FileStatus::TornTail {
                offset: at,
                truncated,
            }
        }
        Ending::Torn { at } => FileStatus::Corrupt {
            offset: at,
            reason:
                "unexpected end of file inside a command (only the last, open file may end torn)"
                    .into(),
        },
    }
}
