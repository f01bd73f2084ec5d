//! Reading the commands of one append-log file: RESP arrays of bulk
//! strings, parsed incrementally with byte offsets, every length checked
//! before anything is allocated for it.

use std::io::{self, Read};

use crc32fast::Hasher;

/// Longest bulk string accepted (Redis's `proto-max-bulk-len` default).
pub(crate) const MAX_BULK: u64 = 512 * 1024 * 1024;
/// Most arguments one command may have (Redis's multibulk limit, `INT_MAX`).
pub(crate) const MAX_ARGS: u64 = 2_147_483_647;
/// Longest `*N` / `$N` header line, CRLF excluded.
const MAX_LINE: usize = 24;
/// Bytes asked from the file per read, at most (the buffer starts at
/// `MIN_CHUNK` and doubles up to it).
const CHUNK: usize = 256 * 1024;
const MIN_CHUNK: usize = 8 * 1024;
/// Most bytes added to the buffer per read while a long bulk is awaited,
/// so a hostile length allocates only as data actually arrives.
const MAX_STEP: usize = 16 * 1024 * 1024;
/// Arguments reserved up front, whatever the announced count.
const MAX_RESERVE: u64 = 1024;

/// One step of reading a file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Item {
    /// A complete command and the byte range it occupies.
    Command {
        /// The arguments, name first.
        argv: Vec<Vec<u8>>,
        /// Offset of its first byte.
        start: u64,
        /// Offset just past its last byte.
        end: u64,
    },
    /// The file ends after the last complete command.
    End,
    /// The file ends inside the command starting at `start` (a torn
    /// append), or in a run of NUL bytes left by a crash after it.
    Torn {
        /// Offset of the incomplete command's first byte.
        start: u64,
    },
}

/// Why a file cannot be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Bytes that are not (a prefix of) a command.
    Malformed {
        /// Offset of the first offending byte.
        offset: u64,
        /// What was expected there.
        what: &'static str,
    },
    /// The file could not be read.
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Reads commands from an append-log file, keeping a CRC-32 of the bytes
/// consumed so far.
pub(crate) struct CommandReader<R> {
    src: R,
    buf: Vec<u8>,
    /// Next unconsumed byte of `buf`.
    pos: usize,
    /// End of the bytes read into `buf` (the rest is scratch space).
    end: usize,
    /// File offset of `buf[0]`.
    buf_offset: u64,
    eof: bool,
    crc: Hasher,
}

impl<R: Read> CommandReader<R> {
    pub(crate) fn new(src: R) -> Self {
        CommandReader {
            src,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            buf_offset: 0,
            eof: false,
            crc: Hasher::new(),
        }
    }

    /// Offset of the next unconsumed byte (the end of the last command).
    pub(crate) fn offset(&self) -> u64 {
        self.buf_offset + self.pos as u64
    }

    /// CRC-32 state of every byte before [`CommandReader::offset`].
    pub(crate) fn crc(&self) -> Hasher {
        self.crc.clone()
    }

    fn avail(&self) -> usize {
        self.end - self.pos
    }

    /// Makes at least `need` unconsumed bytes available; `false` when the
    /// file ends first.
    fn fill(&mut self, need: usize) -> io::Result<bool> {
        if self.avail() >= need {
            return Ok(true);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.buf_offset += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        while self.end < need {
            if self.eof {
                return Ok(false);
            }
            // Grow towards `need` a step at a time, so an announced length
            // costs memory only as its bytes arrive.
            let target = need
                .min(self.end + MAX_STEP)
                .max(self.buf.len().saturating_mul(2).clamp(MIN_CHUNK, CHUNK));
            if self.buf.len() < target {
                self.buf.resize(target, 0);
            }
            let got = loop {
                match self.src.read(&mut self.buf[self.end..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            if got == 0 {
                self.eof = true;
            }
            self.end += got;
        }
        Ok(true)
    }

    fn consume(&mut self, n: usize) {
        let end = self.pos + n;
        self.crc.update(&self.buf[self.pos..end]);
        self.pos = end;
    }

    /// The byte `k` places past the next unconsumed one, reading as needed.
    fn peek(&mut self, k: usize) -> io::Result<Option<u8>> {
        if !self.fill(k + 1)? {
            return Ok(None);
        }
        Ok(self.buf[..self.end].get(self.pos + k).copied())
    }

    /// Whether every byte from file offset `from` to the end is NUL.
    fn zero_tail(&mut self, from: u64) -> io::Result<bool> {
        let Some(skip) = from
            .checked_sub(self.buf_offset)
            .and_then(|s| usize::try_from(s).ok())
        else {
            return Ok(false);
        };
        if self
            .buf
            .get(skip..)
            .is_some_and(|rest| rest.iter().any(|&b| b != 0))
        {
            return Ok(false);
        }
        let mut chunk = vec![0u8; CHUNK];
        loop {
            match self.src.read(&mut chunk) {
                Ok(0) => return Ok(true),
                Ok(n) => {
                    if chunk[..n].iter().any(|&b| b != 0) {
                        return Ok(false);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Malformed bytes at `offset` inside the command starting at `start`:
    /// an error, unless they are NUL up to the end of the file (a crash
    /// extended the file but did not write it), which is a torn tail.
    fn bad(&mut self, offset: u64, start: u64, what: &'static str) -> Result<Item, ReadError> {
        let at = offset
            .checked_sub(self.buf_offset)
            .and_then(|s| usize::try_from(s).ok());
        let is_nul = at.and_then(|i| self.buf[..self.end].get(i)) == Some(&0);
        if is_nul && self.zero_tail(offset)? {
            return Ok(Item::Torn { start });
        }
        Err(ReadError::Malformed { offset, what })
    }

    /// Reads a `<prefix><digits>\r\n` line (the prefix already checked) and
    /// returns the number, `Ok(None)` when the file ends inside it.
    fn number(
        &mut self,
        start: u64,
        max: u64,
        what: &'static str,
    ) -> Result<Result<u64, Item>, ReadError> {
        let line = self.offset();
        let mut value: u64 = 0;
        let mut k = 1;
        loop {
            let Some(c) = self.peek(k)? else {
                return Ok(Err(Item::Torn { start }));
            };
            let here = line + k as u64;
            if c.is_ascii_digit() {
                if k > MAX_LINE {
                    return self.bad(here, start, what).map(Err);
                }
                value = value.saturating_mul(10).saturating_add(u64::from(c - b'0'));
                k += 1;
                continue;
            }
            if c != b'\r' || k == 1 {
                return self.bad(here, start, what).map(Err);
            }
            let Some(lf) = self.peek(k + 1)? else {
                return Ok(Err(Item::Torn { start }));
            };
            if lf != b'\n' {
                return self.bad(here + 1, start, what).map(Err);
            }
            if value > max {
                return Err(ReadError::Malformed {
                    offset: line,
                    what: "a count or length over the limit",
                });
            }
            self.consume(k + 2);
            return Ok(Ok(value));
        }
    }

    /// Reads the next command.
    pub(crate) fn next_item(&mut self) -> Result<Item, ReadError> {
        let start = self.offset();
        match self.peek(0)? {
            None => return Ok(Item::End),
            Some(b'*') => {}
            Some(_) => return self.bad(start, start, "'*' (a command)"),
        }
        let argc = match self.number(start, MAX_ARGS, "an argument count")? {
            Ok(0) => {
                return Err(ReadError::Malformed {
                    offset: start,
                    what: "a command with arguments",
                });
            }
            Ok(n) => n,
            Err(item) => return Ok(item),
        };
        let mut argv = Vec::with_capacity(usize::try_from(argc.min(MAX_RESERVE)).unwrap_or(0));
        for _ in 0..argc {
            let here = self.offset();
            match self.peek(0)? {
                None => return Ok(Item::Torn { start }),
                Some(b'$') => {}
                Some(_) => return self.bad(here, start, "'$' (a bulk string)"),
            }
            let len = match self.number(start, MAX_BULK, "a bulk length")? {
                Ok(n) => n,
                Err(item) => return Ok(item),
            };
            // MAX_BULK fits usize on every supported target.
            let Ok(len) = usize::try_from(len) else {
                return Err(ReadError::Malformed {
                    offset: here,
                    what: "a bulk length this machine can hold",
                });
            };
            if !self.fill(len + 2)? {
                // A run of NUL bytes where the CRLF should be is judged
                // like any other malformed byte.
                if self.end > self.pos + len {
                    let crlf_at = self.offset() + len as u64;
                    if self.buf[self.pos + len] != b'\r' {
                        return self.bad(crlf_at, start, "CRLF after a bulk string");
                    }
                }
                return Ok(Item::Torn { start });
            }
            let data = self.buf[self.pos..self.pos + len].to_vec();
            if self.buf[self.pos + len..self.pos + len + 2] != *b"\r\n" {
                let crlf_at = self.offset() + len as u64;
                return self.bad(crlf_at, start, "CRLF after a bulk string");
            }
            self.consume(len + 2);
            argv.push(data);
        }
        Ok(Item::Command {
            argv,
            start,
            end: self.offset(),
        })
    }
}
