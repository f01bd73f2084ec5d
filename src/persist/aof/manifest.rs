//! The manifest: which files make up the log, in Redis 7.0's format, plus
//! the size and CRC-32 of every finished file.
//!
//! ```text
//! file appendonly.aof.2.base.aof seq 2 type b size 1234 crc32 8f2a3c11
//! file appendonly.aof.2.incr.aof seq 2 type i size 99 crc32 0a0b0c0d
//! file appendonly.aof.3.incr.aof seq 3 type i
//! ```
//!
//! Redis 7.0 ignores keys it does not know on a manifest line, so it loads
//! these manifests too.

use std::io::Read as _;
use std::path::Path;

use crate::persist::fs::Fs;
use crate::resp::split_args;
use crate::{Error, Result};

/// Longest manifest line Redis reads (`MANIFEST_MAX_LINE`).
const MAX_LINE: usize = 1024;

/// What a file of the log holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// Commands rebuilding the keyspace as of a rewrite.
    Base,
    /// Commands appended after the base.
    Incr,
    /// A file a rewrite replaced, not loaded (Redis deletes it).
    History,
}

impl FileKind {
    fn letter(self) -> char {
        match self {
            FileKind::Base => 'b',
            FileKind::Incr => 'i',
            FileKind::History => 'h',
        }
    }
}

/// Size and CRC-32 of a finished file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sum {
    pub(crate) size: u64,
    pub(crate) crc: u32,
}

/// One line of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) seq: u64,
    pub(crate) kind: FileKind,
    /// `None` for the open (last) incremental file, and for files a real
    /// Redis wrote.
    pub(crate) sum: Option<Sum>,
}

/// The files of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Manifest {
    pub(crate) base: Option<Entry>,
    pub(crate) history: Vec<Entry>,
    /// In increasing `seq` order; the last one is the open file.
    pub(crate) incrs: Vec<Entry>,
}

/// `<prefix>.<seq>.base.aof`.
pub(crate) fn base_name(prefix: &str, seq: u64) -> String {
    format!("{prefix}.{seq}.base.aof")
}

/// `<prefix>.<seq>.incr.aof`.
pub(crate) fn incr_name(prefix: &str, seq: u64) -> String {
    format!("{prefix}.{seq}.incr.aof")
}

/// `<prefix>.manifest`.
pub(crate) fn manifest_name(prefix: &str) -> String {
    format!("{prefix}.manifest")
}

impl Manifest {
    /// The files to load, in order: base, then incremental files.
    pub(crate) fn files(&self) -> impl Iterator<Item = &Entry> {
        self.base.iter().chain(self.incrs.iter())
    }

    /// Every file named, history included.
    pub(crate) fn all_files(&self) -> impl Iterator<Item = &Entry> {
        self.files().chain(self.history.iter())
    }

    /// The incremental file appends go to: the last one, if unfinished.
    pub(crate) fn open_incr(&self) -> Option<&Entry> {
        self.incrs.last().filter(|e| e.sum.is_none())
    }

    /// The largest incremental sequence number named.
    pub(crate) fn last_incr_seq(&self) -> u64 {
        self.incrs.last().map_or(0, |e| e.seq)
    }

    /// The text of the manifest file.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        for entry in self.base.iter().chain(&self.history).chain(&self.incrs) {
            out.push_str("file ");
            out.push_str(&repr(&entry.name));
            out.push_str(&format!(" seq {} type {}", entry.seq, entry.kind.letter()));
            if let Some(sum) = entry.sum {
                out.push_str(&format!(" size {} crc32 {:08x}", sum.size, sum.crc));
            }
            out.push('\n');
        }
        out.into_bytes()
    }

    /// Parses a manifest; `source` names it in errors.
    ///
    /// # Errors
    ///
    /// Anything Redis would refuse, and malformed `size`/`crc32` values:
    /// [`Error::Persistence`] with the line number.
    pub(crate) fn parse(text: &[u8], source: &str) -> Result<Manifest> {
        let mut manifest = Manifest::default();
        let mut lines = 0usize;
        let mut rest = text;
        while !rest.is_empty() {
            let (raw, next) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            rest = next;
            lines += 1;
            let error = |why: &str| {
                Error::Persistence(format!("append log manifest {source}, line {lines}: {why}"))
            };
            if raw.first() == Some(&b'#') {
                continue;
            }
            if raw.len() > MAX_LINE {
                return Err(error("line too long"));
            }
            let entry = parse_line(raw).map_err(|why| error(&why))?;
            match entry.kind {
                FileKind::Base if manifest.base.is_some() => {
                    return Err(error("a second base file"));
                }
                FileKind::Base => manifest.base = Some(entry),
                FileKind::History => manifest.history.push(entry),
                FileKind::Incr => {
                    if entry.seq <= manifest.last_incr_seq() {
                        return Err(error("incremental files out of sequence order"));
                    }
                    manifest.incrs.push(entry);
                }
            }
        }
        if lines == 0 {
            return Err(Error::Persistence(format!(
                "append log manifest {source} is empty"
            )));
        }
        let mut names: Vec<&str> = manifest.all_files().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(Error::Persistence(format!(
                "append log manifest {source} names a file twice"
            )));
        }
        Ok(manifest)
    }

    /// Reads `dir/<prefix>.manifest`; `Ok(None)` when there is none.
    ///
    /// # Errors
    ///
    /// Unreadable or malformed: [`Error::Persistence`].
    pub(crate) fn read(fs: &dyn Fs, dir: &Path, prefix: &str) -> Result<Option<Manifest>> {
        let name = manifest_name(prefix);
        let path = dir.join(&name);
        let io_error = |e: std::io::Error| {
            Error::Persistence(format!(
                "cannot read append log manifest {}: {e}",
                path.display()
            ))
        };
        if fs.len(&path).map_err(io_error)?.is_none() {
            return Ok(None);
        }
        let mut text = Vec::new();
        fs.open_read(&path)
            .and_then(|mut r| r.read_to_end(&mut text))
            .map_err(io_error)?;
        Manifest::parse(&text, &name).map(Some)
    }
}

fn parse_line(raw: &[u8]) -> std::result::Result<Entry, String> {
    let line = raw.trim_ascii();
    if line.is_empty() {
        return Err("empty line".into());
    }
    let Some(words) = split_args(line) else {
        return Err("unbalanced quotes".into());
    };
    if words.len() < 6 || words.len() % 2 == 1 {
        return Err("expected `file <name> seq <n> type <b|i|h>` pairs".into());
    }
    let (mut name, mut seq, mut kind, mut size, mut crc) = (None, None, None, None, None);
    for pair in words.chunks_exact(2) {
        let (key, value) = (&pair[0], &pair[1]);
        let text = std::str::from_utf8(value).map_err(|_| "a value that is not UTF-8")?;
        if key.eq_ignore_ascii_case(b"file") {
            if text.is_empty() || text.contains('/') || text == "." || text == ".." {
                return Err(format!("file name {text:?} is not a plain file name"));
            }
            name = Some(text.to_owned());
        } else if key.eq_ignore_ascii_case(b"seq") {
            seq = Some(
                number(text)
                    .filter(|&n| n > 0)
                    .ok_or("seq is not a positive integer")?,
            );
        } else if key.eq_ignore_ascii_case(b"type") {
            kind = Some(match text {
                "b" => FileKind::Base,
                "i" => FileKind::Incr,
                "h" => FileKind::History,
                _ => return Err(format!("unknown file type {text:?}")),
            });
        } else if key.eq_ignore_ascii_case(b"size") {
            size = Some(number(text).ok_or("size is not an integer")?);
        } else if key.eq_ignore_ascii_case(b"crc32") {
            if text.len() != 8 {
                return Err("crc32 is not 8 hex digits".into());
            }
            crc = Some(u32::from_str_radix(text, 16).map_err(|_| "crc32 is not 8 hex digits")?);
        }
        // Other keys are ignored, as Redis does for forward compatibility.
    }
    let (Some(name), Some(seq), Some(kind)) = (name, seq, kind) else {
        return Err("missing file, seq or type".into());
    };
    let sum = match (size, crc) {
        (Some(size), Some(crc)) => Some(Sum { size, crc }),
        (None, None) => None,
        _ => return Err("size and crc32 go together".into()),
    };
    Ok(Entry {
        name,
        seq,
        kind,
        sum,
    })
}

fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `name` as Redis writes it in a manifest: as is, or quoted with escapes
/// (`sdscatrepr`) when it has spaces, quotes or unprintable bytes.
fn repr(name: &str) -> String {
    let needs = name
        .bytes()
        .any(|b| matches!(b, b'\\' | b'"' | b'\'') || !b.is_ascii_graphic());
    if !needs && !name.is_empty() {
        return name.to_owned();
    }
    let mut out = String::from("\"");
    for b in name.bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b if b.is_ascii_graphic() || b == b' ' => out.push(char::from(b)),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// Size and CRC-32 of `path` as it is on disk.
pub(crate) fn sum_of(fs: &dyn Fs, path: &Path) -> std::io::Result<Sum> {
    let (size, hasher) = super::writer::hash_file(fs, path)?;
    Ok(Sum {
        size,
        crc: hasher.finalize(),
    })
}

/// Checks that `dir/<entry>` exists and, for a finished file, matches its
/// size and CRC-32.
///
/// # Errors
///
/// [`Error::Persistence`] naming the file: missing, unreadable, or a size
/// or checksum mismatch.
pub(crate) fn verify(fs: &dyn Fs, dir: &Path, entry: &Entry) -> Result<()> {
    let path = dir.join(&entry.name);
    let fail = |why: String| Error::Persistence(format!("append log file {}: {why}", entry.name));
    let len = fs
        .len(&path)
        .map_err(|e| fail(format!("cannot read it: {e}")))?
        .ok_or_else(|| {
            fail(format!(
                "named by the manifest but missing ({})",
                path.display()
            ))
        })?;
    let Some(expected) = entry.sum else {
        return Ok(());
    };
    if len != expected.size {
        return Err(fail(format!(
            "size mismatch: the manifest says {} bytes, the file has {len}",
            expected.size
        )));
    }
    let actual = sum_of(fs, &path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    if actual != expected {
        return Err(fail(format!(
            "CRC-32 mismatch: the manifest says {:08x}, the file's bytes give {:08x} (the file is corrupt)",
            expected.crc, actual.crc
        )));
    }
    Ok(())
}
