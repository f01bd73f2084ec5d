//! The RESP2/RESP3 codec: client requests as a Redis server reads them, and
//! frames of any kind as a client reads replies.
//!
//! - [`RequestDecoder`] is the server side: it reads multibulk
//!   (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline (`GET k\r\n`) requests
//!   exactly as Redis 7.0's `networking.c` does, with the same limits, the
//!   same error texts and the same leniencies. It is incremental (a request
//!   may arrive byte by byte without being rescanned) and zero-copy (the
//!   arguments are slices of the read buffer).
//! - [`decode_frame`] and [`Frame::encode`] read and write every RESP2 and
//!   RESP3 type, for clients and tests.
//! - [`split_args`] is Redis's `sdssplitargs`, the word splitter of inline
//!   requests and of `redis-cli`.
//! - [`encode_command`] writes a request as clients send it.
//!
//! ```
//! use kvstore::resp::{encode_command, Limits, RequestDecoder};
//!
//! let mut wire = Vec::new();
//! encode_command(&["SET", "k", "v"], &mut wire);
//! wire.extend_from_slice(b"GET k\r\n");
//!
//! let mut decoder = RequestDecoder::new(Limits::default());
//! let mut argv = Vec::new();
//! let n = decoder.decode(&wire, &mut argv)?.expect("a whole request");
//! assert_eq!(argv, [&b"SET"[..], b"k", b"v"]);
//!
//! argv.clear();
//! let m = decoder.decode(&wire[n..], &mut argv)?.expect("a whole request");
//! assert_eq!(argv, [&b"GET"[..], b"k"]);
//! assert_eq!(n + m, wire.len());
//! # Ok::<(), kvstore::resp::ProtocolError>(())
//! ```

use std::fmt;

mod frame;
mod request;
mod split;

pub use frame::{Frame, FrameLimits, decode_frame};
pub use request::RequestDecoder;
pub use split::split_args;

/// Limits a [`RequestDecoder`] enforces before allocating.
///
/// ```
/// use kvstore::resp::Limits;
///
/// let limits = Limits {
///     max_bulk_len: 1024 * 1024,
///     ..Limits::default()
/// };
/// assert_eq!(limits.max_inline_len, 64 * 1024);
/// ```
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
///
/// One text carries a byte of the request: `expected '$', got 'X'`. Redis
/// sends that byte raw (a `\r` or `\n` as a space); `Display` shows a byte
/// above 127 as the Latin-1 character of that code, and
/// [`ProtocolError::encode`] writes the exact reply bytes Redis would send.
///
/// ```
/// use kvstore::resp::{Limits, RequestDecoder};
///
/// let mut decoder = RequestDecoder::new(Limits::default());
/// let err = decoder.decode(b"*1\r\n$-2\r\n", &mut Vec::new()).unwrap_err();
/// assert_eq!(err.to_string(), "Protocol error: invalid bulk length");
/// let mut reply = Vec::new();
/// err.encode(&mut reply);
/// assert_eq!(reply, b"-ERR Protocol error: invalid bulk length\r\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub(crate) Repr);

/// What a [`ProtocolError`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repr {
    /// A fixed text.
    Text(&'static str),
    /// `Protocol error: expected '$', got '%c'` with this byte.
    ExpectedDollar(u8),
}

const EXPECTED_DOLLAR_PREFIX: &str = "Protocol error: expected '$', got '";

impl ProtocolError {
    /// An error with a fixed text.
    pub(crate) const fn text(text: &'static str) -> ProtocolError {
        ProtocolError(Repr::Text(text))
    }

    /// The byte Redis's `%c` shows once its error text has been cleaned of
    /// line breaks (`addReplyErrorFormat` maps `\r` and `\n` to spaces).
    fn shown_byte(b: u8) -> u8 {
        if b == b'\r' || b == b'\n' { b' ' } else { b }
    }

    /// Appends the whole error reply Redis sends for this error,
    /// `-ERR <text>\r\n`, byte for byte.
    ///
    /// ```
    /// use kvstore::resp::{Limits, RequestDecoder};
    ///
    /// let mut decoder = RequestDecoder::new(Limits::default());
    /// let err = decoder.decode(b"*1\r\n\x80\r\n", &mut Vec::new()).unwrap_err();
    /// let mut reply = Vec::new();
    /// err.encode(&mut reply);
    /// assert_eq!(reply, b"-ERR Protocol error: expected '$', got '\x80'\r\n");
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"-ERR ");
        match self.0 {
            Repr::Text(text) => out.extend_from_slice(text.as_bytes()),
            Repr::ExpectedDollar(b) => {
                out.extend_from_slice(EXPECTED_DOLLAR_PREFIX.as_bytes());
                out.push(Self::shown_byte(b));
                out.push(b'\'');
            }
        }
        out.extend_from_slice(b"\r\n");
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Text(text) => f.write_str(text),
            Repr::ExpectedDollar(b) => {
                let c = char::from(Self::shown_byte(b));
                write!(f, "{EXPECTED_DOLLAR_PREFIX}{c}'")
            }
        }
    }
}

impl std::error::Error for ProtocolError {}

/// Appends `argv` as a RESP array of bulk strings (how clients send commands).
///
/// ```
/// let mut wire = Vec::new();
/// kvstore::resp::encode_command(&["GET", "k"], &mut wire);
/// assert_eq!(wire, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
/// ```
pub fn encode_command<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<u8>) {
    let mut digits = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(digits.format(argv.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in argv {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(digits.format(a.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_dollar_text_cleans_line_breaks() {
        let e = ProtocolError(Repr::ExpectedDollar(b'\r'));
        assert_eq!(e.to_string(), "Protocol error: expected '$', got ' '");
        let e = ProtocolError(Repr::ExpectedDollar(b'\n'));
        assert_eq!(e.to_string(), "Protocol error: expected '$', got ' '");
        let e = ProtocolError(Repr::ExpectedDollar(b'f'));
        assert_eq!(e.to_string(), "Protocol error: expected '$', got 'f'");
        let mut out = Vec::new();
        ProtocolError(Repr::ExpectedDollar(0xff)).encode(&mut out);
        assert_eq!(out, b"-ERR Protocol error: expected '$', got '\xff'\r\n");
    }

    #[test]
    fn encode_command_writes_bulks() {
        let mut out = Vec::new();
        encode_command::<&[u8]>(&[], &mut out);
        assert_eq!(out, b"*0\r\n");
        out.clear();
        encode_command(&[&b""[..], b"a\r\nb"], &mut out);
        assert_eq!(out, b"*2\r\n$0\r\n\r\n$4\r\na\r\nb\r\n");
    }
}
