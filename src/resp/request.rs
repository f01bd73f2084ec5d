//! The server side: client requests read exactly as Redis 7.0's
//! `processMultibulkBuffer` and `processInlineBuffer` (`networking.c`) read
//! them.

use super::split::{self, Span};
use super::{Limits, ProtocolError, Repr};
use crate::number::parse_i64;

const TOO_BIG_MBULK: ProtocolError =
    ProtocolError::text("Protocol error: too big mbulk count string");
const INVALID_MBULK: ProtocolError =
    ProtocolError::text("Protocol error: invalid multibulk length");
const UNAUTH_MBULK: ProtocolError =
    ProtocolError::text("Protocol error: unauthenticated multibulk length");
const TOO_BIG_BULK: ProtocolError =
    ProtocolError::text("Protocol error: too big bulk count string");
const INVALID_BULK: ProtocolError = ProtocolError::text("Protocol error: invalid bulk length");
const UNAUTH_BULK: ProtocolError =
    ProtocolError::text("Protocol error: unauthenticated bulk length");
const TOO_BIG_INLINE: ProtocolError = ProtocolError::text("Protocol error: too big inline request");
const UNBALANCED: ProtocolError =
    ProtocolError::text("Protocol error: unbalanced quotes in request");

/// Most arguments an unauthenticated client may send in one request.
const UNAUTH_MAX_ARGS: i64 = 10;
/// Longest bulk an unauthenticated client may send.
const UNAUTH_MAX_BULK: usize = 16 * 1024;
/// Ranges kept between requests: a larger vector (left by a huge request)
/// is freed once that request is done.
const KEEP_RANGES: usize = 4096;

/// Where the decoder is within the request at the start of the buffer.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing read yet.
    #[default]
    Start,
    /// An inline request: looking for its `\n`.
    Inline,
    /// A multibulk request: reading its `*N` line.
    Count,
    /// Reading the `$len` line of an argument; `remaining` arguments are
    /// still to come, this one included.
    BulkHeader { remaining: usize },
    /// Waiting for the `len` bytes (and two more) of an argument.
    BulkData { remaining: usize, len: usize },
}

/// Incremental decoder of client requests (multibulk and inline).
///
/// One decoder per connection: it remembers how far it got into a request
/// that has not fully arrived, so that bytes already read are not read again
/// (a request arriving one byte at a time costs time linear in its size).
/// It allocates nothing per request once warmed up, and nothing from what a
/// request announces: an argument count or bulk length in a header reserves
/// no memory; only the arguments that have arrived are recorded.
///
/// The arguments are slices of the buffer given to [`decode`]. The one
/// exception is an inline request with an escape (`SET k "a\nb"`) or with a
/// quote after other bytes of a word (`a"b"`): its words are not in the
/// buffer as they are, so the decoder keeps unescaped copies and
/// [`owned_args`] lends them; `argv` is then left empty. A server runs
/// `owned_args()` when it is `Some`, else `argv` when it is not empty (an
/// empty request is ignored, as Redis does).
///
/// [`decode`]: RequestDecoder::decode
/// [`owned_args`]: RequestDecoder::owned_args
///
/// ```
/// use kvstore::resp::{Limits, RequestDecoder};
///
/// let mut decoder = RequestDecoder::new(Limits::default());
/// let mut argv = Vec::new();
/// let wire = b"*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO \"a\\tb\"\r\n";
///
/// // The first request, fed in two parts: the first part is kept in mind.
/// assert_eq!(decoder.decode(&wire[..10], &mut argv)?, None);
/// assert!(argv.is_empty());
/// let n = decoder.decode(wire, &mut argv)?.expect("a whole request");
/// assert_eq!(argv, [&b"ECHO"[..], b"hi"]);
/// assert!(decoder.owned_args().is_none());
///
/// // An inline request with an escape: the decoder holds its words.
/// argv.clear();
/// let m = decoder.decode(&wire[n..], &mut argv)?.expect("a whole request");
/// assert!(argv.is_empty());
/// assert_eq!(decoder.owned_args(), Some(&[b"ECHO".to_vec(), b"a\tb".to_vec()][..]));
/// assert_eq!(n + m, wire.len());
/// # Ok::<(), kvstore::resp::ProtocolError>(())
/// ```
#[derive(Debug)]
pub struct RequestDecoder {
    limits: Limits,
    authenticated: bool,
    phase: Phase,
    /// Start of the next line or argument to read, from the buffer's start.
    pos: usize,
    /// Where the search for the end of the current line resumes.
    scan: usize,
    /// The current line has a NUL before its end. Redis looks for the end
    /// with `strchr`, which stops at a NUL, so the line never ends: only the
    /// size limit can still answer.
    blocked: bool,
    /// Arguments read in earlier calls of the pending request, as ranges of
    /// the buffer; empty when the request was started in the current call.
    ranges: Vec<(usize, usize)>,
    /// Unescaped words of the last inline request that needed them:
    /// `owned[..owned_len]`, vectors past it kept for reuse.
    owned: Vec<Vec<u8>>,
    owned_len: usize,
    /// Whether the last [`decode`](RequestDecoder::decode) returned its
    /// request's arguments in `owned`.
    owned_ready: bool,
    /// Bytes looked at while searching for line ends (tests check that a
    /// request fed byte by byte is not rescanned).
    #[cfg(test)]
    examined: usize,
}

impl Default for RequestDecoder {
    /// The same as [`RequestDecoder::new`] with the default [`Limits`]: an
    /// authenticated client.
    fn default() -> Self {
        RequestDecoder::new(Limits::default())
    }
}

impl RequestDecoder {
    /// A decoder enforcing `limits`, for an authenticated client.
    ///
    /// ```
    /// use kvstore::resp::{Limits, RequestDecoder};
    ///
    /// let mut decoder = RequestDecoder::new(Limits::default());
    /// let mut argv = Vec::new();
    /// assert_eq!(decoder.decode(b"PING\r\n", &mut argv)?, Some(6));
    /// assert_eq!(argv, [b"PING"]);
    /// # Ok::<(), kvstore::resp::ProtocolError>(())
    /// ```
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        RequestDecoder {
            limits,
            authenticated: true,
            phase: Phase::Start,
            pos: 0,
            scan: 0,
            blocked: false,
            ranges: Vec::new(),
            owned: Vec::new(),
            owned_len: 0,
            owned_ready: false,
            #[cfg(test)]
            examined: 0,
        }
    }

    /// Before AUTH (when a password is set) Redis accepts at most 10
    /// arguments and 16 KB bulks; `false` applies those limits.
    ///
    /// ```
    /// use kvstore::resp::{Limits, RequestDecoder};
    ///
    /// let mut decoder = RequestDecoder::new(Limits::default());
    /// decoder.set_authenticated(false);
    /// let err = decoder.decode(b"*11\r\n", &mut Vec::new()).unwrap_err();
    /// assert_eq!(err.to_string(), "Protocol error: unauthenticated multibulk length");
    /// ```
    pub fn set_authenticated(&mut self, authenticated: bool) {
        self.authenticated = authenticated;
    }

    /// Changes the limits (`CONFIG SET proto-max-bulk-len`).
    ///
    /// ```
    /// use kvstore::resp::{Limits, RequestDecoder};
    ///
    /// let mut decoder = RequestDecoder::default();
    /// decoder.set_limits(Limits { max_bulk_len: 3, ..Limits::default() });
    /// let err = decoder.decode(b"*1\r\n$4\r\n", &mut Vec::new()).unwrap_err();
    /// assert_eq!(err.to_string(), "Protocol error: invalid bulk length");
    /// ```
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
    /// `argv` is only appended to, and only on `Ok(Some(_))`. An inline
    /// request whose words had to be unescaped leaves it empty and lends its
    /// words through [`owned_args`](RequestDecoder::owned_args) instead.
    ///
    /// As Redis: a request starting with `*` is multibulk, anything else is
    /// inline; `*0` or a negative count is an empty request; the two bytes
    /// after a bulk and the byte after a header's `\r` are skipped without
    /// being checked; a NUL inside a header or an inline line hides its end
    /// (Redis searches it with `strchr`).
    ///
    /// # Errors
    ///
    /// A malformed or over-limit request, with Redis's text. The decoder is
    /// then ready for a new request, but Redis closes the connection.
    pub fn decode<'a>(
        &mut self,
        buf: &'a [u8],
        argv: &mut Vec<&'a [u8]>,
    ) -> Result<Option<usize>, ProtocolError> {
        self.owned_ready = false;
        if self.pos > buf.len() {
            // The caller broke the contract (a shorter buffer than before):
            // start over rather than read out of bounds.
            self.reset();
        }
        let base = argv.len();
        let result = match self.phase {
            Phase::Start => match buf.first() {
                None => return Ok(None),
                Some(b'*') => {
                    self.phase = Phase::Count;
                    self.multibulk(buf, argv, true)
                }
                Some(_) => {
                    self.phase = Phase::Inline;
                    self.inline(buf, argv)
                }
            },
            Phase::Inline => self.inline(buf, argv),
            _ => self.multibulk(buf, argv, false),
        };
        match result {
            Ok(Some(_)) => self.reset(),
            Ok(None) => {
                self.keep_partial(buf, argv, base);
            }
            Err(_) => {
                argv.truncate(base);
                self.reset();
            }
        }
        result
    }

    /// The words of the inline request the last [`decode`] returned, when
    /// they had to be unescaped (`SET k "a\nb"`): `argv` was left empty and
    /// these are the request's arguments. `None` after any other outcome.
    ///
    /// [`decode`]: RequestDecoder::decode
    ///
    /// ```
    /// use kvstore::resp::RequestDecoder;
    ///
    /// let mut decoder = RequestDecoder::default();
    /// let mut argv = Vec::new();
    /// decoder.decode(b"SET k \"\\x41\"\n", &mut argv)?;
    /// assert!(argv.is_empty());
    /// assert_eq!(decoder.owned_args(), Some(&[b"SET".to_vec(), b"k".to_vec(), b"A".to_vec()][..]));
    /// decoder.decode(b"SET k \"A\"\n", &mut argv)?;
    /// assert_eq!(argv, [&b"SET"[..], b"k", b"A"]);
    /// assert_eq!(decoder.owned_args(), None);
    /// # Ok::<(), kvstore::resp::ProtocolError>(())
    /// ```
    #[must_use]
    pub fn owned_args(&self) -> Option<&[Vec<u8>]> {
        if self.owned_ready {
            self.owned.get(..self.owned_len)
        } else {
            None
        }
    }

    /// Forgets the pending request.
    fn reset(&mut self) {
        self.phase = Phase::Start;
        self.pos = 0;
        self.scan = 0;
        self.blocked = false;
        self.ranges.clear();
        if self.ranges.capacity() > KEEP_RANGES {
            self.ranges = Vec::new();
        }
    }

    /// After `Ok(None)`: moves the arguments this call pushed to `argv`
    /// (when it started the request) into `ranges`, so that `argv` is left
    /// as it was.
    fn keep_partial(&mut self, buf: &[u8], argv: &mut Vec<&[u8]>, base: usize) {
        let origin = buf.as_ptr().addr();
        for arg in argv.drain(base..) {
            let start = arg.as_ptr().addr().wrapping_sub(origin);
            self.ranges.push((start, start + arg.len()));
        }
    }

    /// Records one argument: straight into `argv` when this call started
    /// the request, else as a range until the request is whole.
    fn push_arg<'a>(
        &mut self,
        buf: &'a [u8],
        argv: &mut Vec<&'a [u8]>,
        fresh: bool,
        start: usize,
        end: usize,
    ) {
        if fresh {
            if let Some(arg) = buf.get(start..end) {
                argv.push(arg);
            }
        } else {
            self.ranges.push((start, end));
        }
    }

    /// Finds the end of the current line (the first `needle` from `pos`),
    /// resuming the search where the last call stopped.
    fn find(&mut self, buf: &[u8], needle: u8) -> Option<usize> {
        if self.blocked {
            return None;
        }
        let from = self.scan.max(self.pos);
        let tail = buf.get(from..).unwrap_or_default();
        match tail.iter().position(|&b| b == needle || b == 0) {
            Some(i) => {
                #[cfg(test)]
                {
                    self.examined += i + 1;
                }
                let at = from + i;
                self.scan = at;
                if tail.get(i) == Some(&0) {
                    self.blocked = true;
                    None
                } else {
                    Some(at)
                }
            }
            None => {
                #[cfg(test)]
                {
                    self.examined += tail.len();
                }
                self.scan = buf.len();
                None
            }
        }
    }

    /// Bytes from the current line's start to the end of the buffer.
    fn pending(&self, buf: &[u8]) -> usize {
        buf.len().saturating_sub(self.pos)
    }

    /// Reads the header line at `pos` that starts with a type byte: its end
    /// (`\r`), or `Ok(None)` while it has not fully arrived.
    fn header_line(
        &mut self,
        buf: &[u8],
        too_big: ProtocolError,
    ) -> Result<Option<usize>, ProtocolError> {
        let Some(cr) = self.find(buf, b'\r') else {
            return if self.pending(buf) > self.limits.max_inline_len {
                Err(too_big)
            } else {
                Ok(None)
            };
        };
        // Redis wants one more byte (the `\n`) but does not look at it.
        Ok((cr + 1 < buf.len()).then_some(cr))
    }

    /// Reads the header line at `pos`, which must start with `kind` (`*`
    /// or `$`): where its `\r` is, and its number (`None` when it is not
    /// one by `string2ll`'s rules); `Ok(None)` while it has not arrived.
    ///
    /// The common case, digits straight to a `\r` with a byte after it, is
    /// read in one pass; anything else goes the way Redis goes (search for
    /// the `\r`, check the first byte, parse).
    fn header(
        &mut self,
        buf: &[u8],
        kind: u8,
        too_big: ProtocolError,
    ) -> Result<Option<(usize, Option<i64>)>, ProtocolError> {
        if self.scan <= self.pos
            && buf.get(self.pos) == Some(&kind)
            && let Some((cr, n)) = quick_number(buf, self.pos + 1)
        {
            #[cfg(test)]
            {
                self.examined += cr - self.pos;
            }
            return Ok(Some((cr, Some(n))));
        }
        let Some(cr) = self.header_line(buf, too_big)? else {
            return Ok(None);
        };
        match buf.get(self.pos) {
            Some(&b) if b == kind => {}
            Some(&other) => return Err(ProtocolError(Repr::ExpectedDollar(other))),
            None => return Ok(None),
        }
        let digits = buf.get(self.pos + 1..cr).unwrap_or_default();
        Ok(Some((cr, parse_i64(digits))))
    }

    /// Moves to the line after the one ending with the `\r` at `cr`.
    fn next_line(&mut self, cr: usize) {
        self.pos = cr + 2;
        self.scan = self.pos;
        self.blocked = false;
    }

    fn multibulk<'a>(
        &mut self,
        buf: &'a [u8],
        argv: &mut Vec<&'a [u8]>,
        fresh: bool,
    ) -> Result<Option<usize>, ProtocolError> {
        loop {
            match self.phase {
                Phase::Start | Phase::Inline => return Ok(None),
                Phase::Count => {
                    let Some((cr, count)) = self.header(buf, b'*', TOO_BIG_MBULK)? else {
                        return Ok(None);
                    };
                    let count = count.ok_or(INVALID_MBULK)?;
                    let max = self.limits.max_multibulk_len;
                    if usize::try_from(count).is_ok_and(|n| n > max) {
                        return Err(INVALID_MBULK);
                    }
                    if count > UNAUTH_MAX_ARGS && !self.authenticated {
                        return Err(UNAUTH_MBULK);
                    }
                    self.next_line(cr);
                    match usize::try_from(count) {
                        Ok(remaining) if remaining > 0 => {
                            self.phase = Phase::BulkHeader { remaining };
                        }
                        _ => return Ok(Some(self.pos)),
                    }
                }
                Phase::BulkHeader { remaining } => {
                    let Some((cr, len)) = self.header(buf, b'$', TOO_BIG_BULK)? else {
                        return Ok(None);
                    };
                    let len = len
                        .and_then(|n| usize::try_from(n).ok())
                        .filter(|&n| n <= self.limits.max_bulk_len)
                        .ok_or(INVALID_BULK)?;
                    if len > UNAUTH_MAX_BULK && !self.authenticated {
                        return Err(UNAUTH_BULK);
                    }
                    self.next_line(cr);
                    self.phase = Phase::BulkData { remaining, len };
                }
                Phase::BulkData { remaining, len } => {
                    let start = self.pos;
                    let Some(end) = start.checked_add(len) else {
                        return Ok(None);
                    };
                    // The data and two bytes Redis skips without a look.
                    match end.checked_add(2) {
                        Some(next) if next <= buf.len() => {
                            self.push_arg(buf, argv, fresh, start, end);
                            self.next_line(end);
                        }
                        _ => return Ok(None),
                    }
                    if remaining > 1 {
                        self.phase = Phase::BulkHeader {
                            remaining: remaining - 1,
                        };
                    } else {
                        if !fresh {
                            argv.reserve(self.ranges.len());
                            argv.extend(self.ranges.iter().filter_map(|&(s, e)| buf.get(s..e)));
                        }
                        return Ok(Some(self.pos));
                    }
                }
            }
        }
    }

    fn inline<'a>(
        &mut self,
        buf: &'a [u8],
        argv: &mut Vec<&'a [u8]>,
    ) -> Result<Option<usize>, ProtocolError> {
        let Some(newline) = self.find(buf, b'\n') else {
            return if self.pending(buf) > self.limits.max_inline_len {
                Err(TOO_BIG_INLINE)
            } else {
                Ok(None)
            };
        };
        let consumed = newline + 1;
        let mut line = buf.get(..newline).unwrap_or_default();
        if let Some(stripped) = line.strip_suffix(b"\r") {
            line = stripped;
        }
        let base = argv.len();
        let mut p = 0;
        while let Some(start) = split::skip_blanks(line, p) {
            match split::span(line, start) {
                Span::Slice { start, end, next } => {
                    if let Some(word) = line.get(start..end) {
                        argv.push(word);
                    }
                    p = next;
                }
                Span::Copy => {
                    argv.truncate(base);
                    if !split::split_into(line, &mut self.owned, &mut self.owned_len) {
                        return Err(UNBALANCED);
                    }
                    self.owned_ready = true;
                    return Ok(Some(consumed));
                }
            }
        }
        Ok(Some(consumed))
    }
}

/// A non-negative number of at most 18 digits at `start`, written as
/// `string2ll` wants it (no leading zero but in `0`), directly followed by
/// a `\r` and one more byte: the `\r`'s position and the number.
fn quick_number(buf: &[u8], start: usize) -> Option<(usize, i64)> {
    let digits = buf.get(start..)?;
    let mut n: i64 = 0;
    for (i, &b) in digits.iter().enumerate().take(19) {
        match b {
            b'0'..=b'9' if i < 18 => n = n * 10 + i64::from(b - b'0'),
            b'\r' if i > 0 && digits.len() > i + 1 => {
                let leading_zero = i > 1 && digits.first() == Some(&b'0');
                return (!leading_zero).then_some((start + i, n));
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
