//! RESP2/RESP3 codec (SKELETON: the resp helper fills this in; the public
//! signatures below are fixed, the server and CLI build on them).

use std::fmt;

/// Limits a [`RequestDecoder`] enforces before allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest bulk string argument (`proto-max-bulk-len`, 512 MB).
    pub max_bulk_len: usize,
    /// Largest argument count of one request (`INT_MAX`, as Redis).
    pub max_multibulk_len: usize,
    /// Longest inline request line (64 KB, Redis's `PROTO_INLINE_MAX_SIZE`).
    pub max_inline_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_multibulk_len: i32::MAX as usize,
            max_inline_len: 64 * 1024,
        }
    }
}

/// A malformed or over-limit request; Redis answers it and closes the
/// connection. `Display` is Redis's text without the `ERR ` prefix
/// (`Protocol error: invalid bulk length`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub(crate) &'static str);

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ProtocolError {}

/// Incremental decoder of client requests (multibulk and inline).
#[derive(Debug, Default)]
pub struct RequestDecoder {
    limits: Limits,
    authenticated: bool,
}

impl RequestDecoder {
    /// A decoder enforcing `limits`, for an authenticated client.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        RequestDecoder {
            limits,
            authenticated: true,
        }
    }

    /// Before AUTH (when a password is set) Redis accepts at most 10
    /// arguments and 16 KB bulks; `false` applies those limits.
    pub fn set_authenticated(&mut self, authenticated: bool) {
        self.authenticated = authenticated;
    }

    /// Changes the limits (`CONFIG SET proto-max-bulk-len`).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Decodes one request from the start of `buf`.
    ///
    /// `Ok(Some(n))`: a whole request of `n` bytes; its arguments were
    /// pushed to `argv` (none for an empty inline line, which Redis ignores).
    /// `Ok(None)`: `buf` holds only part of a request; call again with the
    /// same bytes at the start of `buf` and more after them (the decoder
    /// resumes where it stopped).
    ///
    /// # Errors
    ///
    /// A malformed or over-limit request, with Redis's text.
    pub fn decode<'a>(
        &mut self,
        buf: &'a [u8],
        argv: &mut Vec<&'a [u8]>,
    ) -> Result<Option<usize>, ProtocolError> {
        let _ = (buf, argv, self.limits, self.authenticated);
        Err(ProtocolError("Protocol error: not implemented yet"))
    }
}

/// Splits a line as redis-cli and Redis's inline protocol do (`sdssplitargs`):
/// words separated by spaces, `"…"` with `\n`, `\xff`-style escapes, `'…'`.
/// `None` for unbalanced quotes.
#[must_use]
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    Some(
        line.split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .map(<[u8]>::to_vec)
            .collect(),
    )
}

/// Appends `argv` as a RESP array of bulk strings (how clients send commands).
pub fn encode_command<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<u8>) {
    out.push(b'*');
    out.extend_from_slice(argv.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in argv {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(a.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}
