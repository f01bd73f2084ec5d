//! The snapshot file's bytes: encoding into chunks, decoding from a
//! verified buffer. `docs/formats.md` ("Snapshot file") is the
//! specification; this module and that section change together.
//!
//! ```text
//! magic "KVSNAP\0\0" | version u32 LE | created-at i64 LE (Unix ms)
//! | kvstore version: u16 LE length + UTF-8 | records: 0x01 + bincode(KeyDump) ...
//! | 0xFF | key count u64 LE | CRC-32 u32 LE of every byte before it
//! ```

use std::fmt;

use bincode::config::{Configuration, standard};
use bincode::enc::write::Writer;
use bincode::error::EncodeError;

use crate::persist::KeyDump;
use crate::persist::dump::KeyDumpRef;

/// The file's first eight bytes.
pub(crate) const MAGIC: [u8; 8] = *b"KVSNAP\0\0";
/// The format version this code writes and reads.
pub(crate) const VERSION: u32 = 1;
/// The tag before each key record.
pub(crate) const TAG_KEY: u8 = 0x01;
/// The tag after the last record.
pub(crate) const TAG_END: u8 = 0xFF;
/// Bytes after the end tag: key count (u64) and CRC-32 (u32).
pub(crate) const TRAILER_LEN: usize = 8 + 4;
/// Offset of the created-at field.
const CREATED_AT_AT: usize = MAGIC.len() + 4;
/// Offset of the kvstore version string's length.
const VERSION_STRING_AT: usize = CREATED_AT_AT + 8;
/// The longest kvstore version string a file may carry.
const MAX_VERSION_STRING: usize = 255;
/// How much encoded data is gathered before it is handed to the file.
pub(crate) const CHUNK: usize = 1 << 20;

/// The bincode configuration of every record: bincode 2's `standard()`,
/// that is little endian, variable-length integers, no size limit (the
/// decoder reads from a bounded slice instead).
fn config() -> Configuration {
    standard()
}

/// Where decoding or verification stopped and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormatError {
    /// Byte offset in the file.
    pub(crate) offset: u64,
    /// What is wrong there.
    pub(crate) what: String,
}

impl FormatError {
    fn at(offset: usize, what: impl Into<String>) -> FormatError {
        FormatError {
            offset: u64::try_from(offset).unwrap_or(u64::MAX),
            what: what.into(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte offset {}", self.what, self.offset)
    }
}

/// Appends to a `Vec` without per-write checks: bincode's writer over our
/// one reused buffer.
struct VecSink<'a>(&'a mut Vec<u8>);

impl Writer for VecSink<'_> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

/// Builds a snapshot file chunk by chunk: the caller pushes keys, takes
/// each full chunk to write it, then takes the final bytes.
pub(crate) struct Encoder {
    buf: Vec<u8>,
    crc: crc32fast::Hasher,
    keys: u64,
    emitted: u64,
}

impl Encoder {
    /// Starts a file created at `created_at_ms` by kvstore `version`.
    pub(crate) fn new(created_at_ms: i64, version: &str) -> Encoder {
        let mut buf = Vec::with_capacity(CHUNK + CHUNK / 4);
        buf.extend_from_slice(&MAGIC);
        buf.extend_from_slice(&VERSION.to_le_bytes());
        buf.extend_from_slice(&created_at_ms.to_le_bytes());
        let version = cut_at_char(version, MAX_VERSION_STRING);
        let len = u16::try_from(version.len()).unwrap_or(0);
        buf.extend_from_slice(&len.to_le_bytes());
        buf.extend_from_slice(&version.as_bytes()[..usize::from(len)]);
        Encoder {
            buf,
            crc: crc32fast::Hasher::new(),
            keys: 0,
            emitted: 0,
        }
    }

    /// Appends one key record.
    pub(crate) fn push(&mut self, dump: &KeyDump) -> Result<(), EncodeError> {
        self.buf.push(TAG_KEY);
        bincode::serde::encode_into_writer(dump, VecSink(&mut self.buf), config())?;
        self.keys += 1;
        Ok(())
    }

    /// Whether enough is buffered to write a chunk.
    pub(crate) fn chunk_ready(&self) -> bool {
        self.buf.len() >= CHUNK
    }

    /// Hands the buffered bytes to `write` (and forgets them).
    pub(crate) fn drain<E>(&mut self, write: impl FnOnce(&[u8]) -> Result<(), E>) -> Result<(), E> {
        self.crc.update(&self.buf);
        write(&self.buf)?;
        self.emitted += len64(self.buf.len());
        self.buf.clear();
        Ok(())
    }

    /// Appends the end tag and trailer and hands the rest of the file to
    /// `write`. Returns (keys, total file length).
    pub(crate) fn finish<E>(
        mut self,
        write: impl FnOnce(&[u8]) -> Result<(), E>,
    ) -> Result<(u64, u64), E> {
        self.buf.push(TAG_END);
        self.buf.extend_from_slice(&self.keys.to_le_bytes());
        self.crc.update(&self.buf);
        let crc = self.crc.finalize();
        self.buf.extend_from_slice(&crc.to_le_bytes());
        write(&self.buf)?;
        Ok((self.keys, self.emitted + len64(self.buf.len())))
    }
}

/// A buffer length as a file offset.
fn len64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char
/// boundary.
fn cut_at_char(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// What a file's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// When the file was written, Unix milliseconds.
    pub(crate) created_at_ms: i64,
    /// The kvstore version that wrote it.
    pub(crate) writer_version: String,
    /// Keys in the file (from the trailer, checked against the records).
    pub(crate) keys: u64,
}

/// Little-endian fixed-size field at `at`, or a truncation error.
fn field<const N: usize>(bytes: &[u8], at: usize, name: &str) -> Result<[u8; N], FormatError> {
    bytes
        .get(at..at.saturating_add(N))
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or_else(|| FormatError::at(bytes.len(), format!("file truncated inside the {name}")))
}

/// Checks magic, version, length and checksum of a whole file, in that
/// order; on success returns the offset of the first record and the key
/// count of the trailer.
fn verify(bytes: &[u8]) -> Result<(Header, usize), FormatError> {
    let magic: [u8; 8] = field(bytes, 0, "magic")
        .map_err(|_| FormatError::at(0, "not a kvstore snapshot (file shorter than the magic)"))?;
    if magic != MAGIC {
        return Err(FormatError::at(0, "not a kvstore snapshot (bad magic)"));
    }
    let version = u32::from_le_bytes(field(bytes, MAGIC.len(), "format version")?);
    if version != VERSION {
        return Err(FormatError::at(
            MAGIC.len(),
            format!("unknown snapshot format version {version} (this build reads {VERSION})"),
        ));
    }
    let created_at_ms = i64::from_le_bytes(field(bytes, CREATED_AT_AT, "header")?);
    let name_len = usize::from(u16::from_le_bytes(field(
        bytes,
        VERSION_STRING_AT,
        "header",
    )?));
    let records_at = VERSION_STRING_AT + 2 + name_len;
    // The smallest file: header, end tag, trailer.
    if bytes.len() < records_at + 1 + TRAILER_LEN {
        return Err(FormatError::at(bytes.len(), "file truncated (no trailer)"));
    }
    let crc_at = bytes.len() - 4;
    let stored = u32::from_le_bytes(field(bytes, crc_at, "checksum")?);
    let computed = crc32fast::hash(&bytes[..crc_at]);
    if stored != computed {
        return Err(FormatError::at(
            crc_at,
            format!(
                "checksum mismatch (stored {stored:#010x}, computed {computed:#010x}): \
                 the file is truncated or corrupt"
            ),
        ));
    }
    if name_len > MAX_VERSION_STRING {
        return Err(FormatError::at(
            VERSION_STRING_AT,
            "version string too long",
        ));
    }
    let writer_version = std::str::from_utf8(&bytes[VERSION_STRING_AT + 2..records_at])
        .map_err(|_| FormatError::at(VERSION_STRING_AT + 2, "version string is not UTF-8"))?
        .to_owned();
    let keys = u64::from_le_bytes(field(bytes, crc_at - 8, "key count")?);
    Ok((
        Header {
            created_at_ms,
            writer_version,
            keys,
        },
        records_at,
    ))
}

/// Verifies `bytes` as a whole snapshot file, shows its header to
/// `verified` (the key count is known before the first key: a loader can
/// size its tables), then decodes the records in order, handing each to
/// `visit` (borrowing from `bytes`). `visit`'s error stops decoding and is returned as
/// `Err(Ok(e))`; a format error is `Err(Err(format))`.
pub(crate) fn decode<E>(
    bytes: &[u8],
    verified: &mut dyn FnMut(&Header),
    visit: &mut dyn FnMut(KeyDumpRef<'_>) -> Result<(), E>,
) -> Result<Header, Result<E, FormatError>> {
    let (header, mut at) = verify(bytes).map_err(Err)?;
    verified(&header);
    let end_at = bytes.len() - TRAILER_LEN - 1;
    let mut keys = 0u64;
    loop {
        match bytes.get(at) {
            Some(&TAG_KEY) if at < end_at => {
                // Borrowed: every string stays in `bytes`.
                let (dump, used) = bincode::serde::borrow_decode_from_slice::<KeyDumpRef<'_>, _>(
                    &bytes[at + 1..end_at],
                    config(),
                )
                .map_err(|e| Err(FormatError::at(at, format!("undecodable key record ({e})"))))?;
                visit(dump).map_err(Ok)?;
                keys += 1;
                at += 1 + used;
            }
            Some(&TAG_END) if at == end_at => break,
            Some(&TAG_END) => {
                return Err(Err(FormatError::at(at, "end tag before the trailer")));
            }
            Some(&tag) if at < end_at => {
                return Err(Err(FormatError::at(
                    at,
                    format!("unknown record tag {tag:#04x}"),
                )));
            }
            _ => return Err(Err(FormatError::at(at, "missing end tag"))),
        }
    }
    if keys != header.keys {
        return Err(Err(FormatError::at(
            bytes.len() - TRAILER_LEN,
            format!(
                "key count {} in the trailer, {keys} records in the file",
                header.keys
            ),
        )));
    }
    Ok(header)
}
