//! Replaying the log: the base, then the incremental files, each command
//! applied in order, a transaction's commands at its `EXEC`, a torn tail of
//! the last file cut off.

use std::io::{self, Read};
use std::sync::atomic::Ordering;

use crc32fast::Hasher;

use super::manifest::FileKind;
use super::parse::{CommandReader, Item, ReadError};
use super::{ReplayStats, Shared};
use crate::{Error, Result};

/// How a file ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// After a complete command.
    Clean,
    /// Inside the command or the transaction starting at `at`.
    Torn {
        /// Offset of the first byte of the incomplete piece.
        at: u64,
    },
}

/// What reading one file found.
pub(crate) struct Scanned {
    pub(crate) ending: Ending,
    /// Length of the file's whole commands (up to the end of the last one
    /// outside a transaction) and their CRC-32.
    pub(crate) valid_len: u64,
    pub(crate) valid_crc: Hasher,
    /// Commands applied (`MULTI`/`EXEC` not counted).
    pub(crate) commands: u64,
}

/// Why a file could not be read to its end.
#[derive(Debug)]
pub(crate) enum ScanError {
    /// Bytes that are not a command, or a transaction out of order.
    Malformed { offset: u64, what: String },
    /// The file could not be read.
    Io(io::Error),
    /// `apply` refused the command at `offset`.
    Apply { offset: u64, error: Error },
}

impl ScanError {
    /// The error for file `name`.
    pub(crate) fn into_error(self, name: &str) -> Error {
        Error::Persistence(match self {
            ScanError::Malformed { offset, what } => {
                format!("append log file {name}: bad data at byte offset {offset}: expected {what}")
            }
            ScanError::Io(e) => format!("append log file {name}: cannot read it: {e}"),
            ScanError::Apply { offset, error } => {
                let why = match error {
                    Error::Persistence(text) => text,
                    other => other.to_string(),
                };
                format!("append log file {name}: the command at byte offset {offset} failed: {why}")
            }
        })
    }
}

/// A transaction's commands with their offsets, waiting for `EXEC`.
type Queued = Vec<(u64, Vec<Vec<u8>>)>;

fn is(argv: &[Vec<u8>], name: &[u8]) -> bool {
    argv.len() == 1 && argv[0].eq_ignore_ascii_case(name)
}

fn call(
    apply: &mut dyn FnMut(&[&[u8]]) -> Result<()>,
    argv: &[Vec<u8>],
    offset: u64,
) -> std::result::Result<(), ScanError> {
    let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
    apply(&refs).map_err(|error| ScanError::Apply { offset, error })
}

/// Reads one file through `apply`: each command outside a transaction
/// when read, the commands between `MULTI` and `EXEC` at the `EXEC`.
pub(crate) fn scan(
    src: impl Read,
    apply: &mut dyn FnMut(&[&[u8]]) -> Result<()>,
) -> std::result::Result<Scanned, ScanError> {
    let mut reader = CommandReader::new(src);
    let mut txn: Option<(u64, Queued)> = None;
    let mut valid = (0u64, Hasher::new());
    let mut commands = 0u64;
    let ending = loop {
        let item = match reader.next_item() {
            Ok(item) => item,
            Err(ReadError::Malformed { offset, what }) => {
                return Err(ScanError::Malformed {
                    offset,
                    what: what.to_owned(),
                });
            }
            Err(ReadError::Io(e)) => return Err(ScanError::Io(e)),
        };
        match item {
            Item::Command { argv, start, .. } => {
                if is(&argv, b"MULTI") {
                    if txn.is_some() {
                        return Err(ScanError::Malformed {
                            offset: start,
                            what: "a command or EXEC (MULTI inside a transaction)".into(),
                        });
                    }
                    txn = Some((start, Vec::new()));
                } else if is(&argv, b"EXEC") {
                    let Some((_, queued)) = txn.take() else {
                        return Err(ScanError::Malformed {
                            offset: start,
                            what: "MULTI before EXEC".into(),
                        });
                    };
                    for (offset, command) in &queued {
                        call(apply, command, *offset)?;
                        commands += 1;
                    }
                } else if let Some((_, queued)) = &mut txn {
                    queued.push((start, argv));
                } else {
                    call(apply, &argv, start)?;
                    commands += 1;
                }
                if txn.is_none() {
                    valid = (reader.offset(), reader.crc());
                }
            }
            Item::End => {
                break match &txn {
                    Some((at, _)) => Ending::Torn { at: *at },
                    None => Ending::Clean,
                };
            }
            Item::Torn { start } => {
                break Ending::Torn {
                    at: txn.as_ref().map_or(start, |(at, _)| *at),
                };
            }
        }
    };
    Ok(Scanned {
        ending,
        valid_len: valid.0,
        valid_crc: valid.1,
        commands,
    })
}

impl Shared {
    pub(super) fn replay(
        &self,
        apply: &mut dyn FnMut(&[&[u8]]) -> Result<()>,
    ) -> Result<ReplayStats> {
        let Some(manifest) = self.manifest.lock().clone() else {
            return Ok(ReplayStats::default());
        };
        let open_seq = manifest.open_incr().map(|e| e.seq);
        let files: Vec<_> = manifest.files().cloned().collect();
        let mut stats = ReplayStats::default();
        for (i, entry) in files.iter().enumerate() {
            let last = i + 1 == files.len();
            if entry.kind == FileKind::Base && entry.name.ends_with(".rdb") {
                return Err(Error::Persistence(format!(
                    "append log file {}: an RDB preamble base (written by Redis with \
                     aof-use-rdb-preamble yes), which kvstore does not read; in Redis, \
                     CONFIG SET aof-use-rdb-preamble no and BGREWRITEAOF first",
                    entry.name
                )));
            }
            let path = self.path(&entry.name);
            let src = self.fs.open_read(&path).map_err(|e| {
                Error::Persistence(format!(
                    "append log file {}: cannot read it: {e}",
                    entry.name
                ))
            })?;
            let scanned = scan(src, apply).map_err(|e| e.into_error(&entry.name))?;
            stats.commands += scanned.commands;
            if let Ending::Torn { at } = scanned.ending {
                let fail = |why: &str| {
                    Error::Persistence(format!(
                        "append log file {}: unexpected end of file inside the command \
                         at byte offset {at} ({why})",
                        entry.name
                    ))
                };
                if !last || entry.sum.is_some() {
                    return Err(fail("only the tail of the last, open file may be torn"));
                }
                if !self.options.load_truncated {
                    return Err(fail(
                        "aof-load-truncated is off; check_append_log with fix cuts it off",
                    ));
                }
                let size = super::file_len(self.fs.as_ref(), &path)?;
                self.fs.truncate(&path, at).map_err(|e| {
                    Error::Persistence(format!(
                        "append log file {}: cannot cut the torn tail at byte offset {at}: {e}",
                        entry.name
                    ))
                })?;
                let cut = size.saturating_sub(at);
                self.stats.current_size.fetch_sub(
                    cut.min(self.stats.current_size.load(Ordering::Relaxed)),
                    Ordering::Relaxed,
                );
                stats.warnings.push(format!(
                    "append log file {}: cut off a torn last command at byte offset {at} \
                     ({cut} bytes removed)",
                    entry.name
                ));
            }
            if last && entry.kind == FileKind::Incr && open_seq == Some(entry.seq) {
                self.io.lock().replayed = Some((entry.seq, scanned.valid_len, scanned.valid_crc));
            }
        }
        Ok(stats)
    }
}
