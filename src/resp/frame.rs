//! RESP2 and RESP3 frames: what a client reads from a server, and their wire
//! form.

use super::ProtocolError;
use crate::number::{format_double, parse_i64};

const BAD_TYPE: ProtocolError = ProtocolError::text("Protocol error: invalid frame type byte");
const BAD_LINE_END: ProtocolError =
    ProtocolError::text("Protocol error: line not terminated by CRLF");
const LINE_TOO_LONG: ProtocolError = ProtocolError::text("Protocol error: line too long");
const INVALID_BULK: ProtocolError = ProtocolError::text("Protocol error: invalid bulk length");
const BULK_TOO_LONG: ProtocolError =
    ProtocolError::text("Protocol error: bulk length over the limit");
const BAD_BULK_END: ProtocolError =
    ProtocolError::text("Protocol error: bulk not terminated by CRLF");
const INVALID_LEN: ProtocolError = ProtocolError::text("Protocol error: invalid multibulk length");
const TOO_MANY: ProtocolError =
    ProtocolError::text("Protocol error: aggregate length over the limit");
const TOO_DEEP: ProtocolError = ProtocolError::text("Protocol error: nesting over the limit");
const BAD_INTEGER: ProtocolError = ProtocolError::text("Protocol error: invalid integer");
const BAD_DOUBLE: ProtocolError = ProtocolError::text("Protocol error: invalid double");
const BAD_BOOLEAN: ProtocolError = ProtocolError::text("Protocol error: invalid boolean");
const BAD_NULL: ProtocolError = ProtocolError::text("Protocol error: invalid null");
const BAD_BIG_NUMBER: ProtocolError = ProtocolError::text("Protocol error: invalid big number");
const BAD_VERBATIM: ProtocolError = ProtocolError::text("Protocol error: invalid verbatim string");

/// Longest length or number line: Redis's `string2ll` takes at most 20 bytes.
const NUMBER_LINE_MAX: usize = 20;

/// One RESP2 or RESP3 value as it is on the wire.
///
/// The three nulls stay apart: RESP2's null bulk string (`$-1`) and null
/// array (`*-1`), and RESP3's null (`_`).
///
/// Equality is structural, except that two NaN doubles are equal (so that
/// a frame equals itself) and `0.0` equals `-0.0`.
///
/// ```
/// use kvstore::resp::{decode_frame, Frame, FrameLimits};
///
/// let frame = Frame::Map(vec![(Frame::Simple(b"k".to_vec()), Frame::Double(1.5))]);
/// let mut wire = Vec::new();
/// frame.encode(&mut wire);
/// assert_eq!(wire, b"%1\r\n+k\r\n,1.5\r\n");
/// assert_eq!(decode_frame(&wire, &FrameLimits::default())?, Some((frame, wire.len())));
/// # Ok::<(), kvstore::resp::ProtocolError>(())
/// ```
#[derive(Debug, Clone)]
pub enum Frame {
    /// A simple string (`+OK`); it must not contain `\r` or `\n`.
    Simple(Vec<u8>),
    /// An error (`-ERR …`); it must not contain `\r` or `\n`.
    Error(Vec<u8>),
    /// An integer (`:1`).
    Integer(i64),
    /// A bulk string (`$3\r\nfoo`).
    Bulk(Vec<u8>),
    /// RESP2's null bulk string (`$-1`).
    NullBulk,
    /// An array (`*`).
    Array(Vec<Frame>),
    /// RESP2's null array (`*-1`).
    NullArray,
    /// RESP3's null (`_`).
    Null,
    /// A RESP3 double (`,1.5`, `,inf`, `,-inf`, `,nan`).
    Double(f64),
    /// A RESP3 boolean (`#t`, `#f`).
    Boolean(bool),
    /// A RESP3 big number (`(123…`): its decimal digits, with a leading
    /// `-` when negative.
    BigNumber(Vec<u8>),
    /// A RESP3 verbatim string (`=` with `txt:` or `mkd:` before the text).
    Verbatim {
        /// The three-byte format (`txt`, `mkd`).
        format: [u8; 3],
        /// The text after the format and its `:`.
        text: Vec<u8>,
    },
    /// A RESP3 map (`%`): key, value pairs in wire order.
    Map(Vec<(Frame, Frame)>),
    /// A RESP3 set (`~`).
    Set(Vec<Frame>),
    /// A RESP3 attribute (`|`) with the frame it annotates, which follows
    /// it on the wire.
    Attribute {
        /// The attribute's key, value pairs.
        attributes: Vec<(Frame, Frame)>,
        /// The frame the attribute annotates.
        frame: Box<Frame>,
    },
    /// A RESP3 push (`>`): an out-of-band message such as a Pub/Sub one.
    Push(Vec<Frame>),
    /// A RESP3 blob error (`!`).
    BlobError(Vec<u8>),
}

impl PartialEq for Frame {
    fn eq(&self, other: &Frame) -> bool {
        use Frame::*;
        match (self, other) {
            (Simple(a), Simple(b))
            | (Error(a), Error(b))
            | (Bulk(a), Bulk(b))
            | (BigNumber(a), BigNumber(b))
            | (BlobError(a), BlobError(b)) => a == b,
            (Integer(a), Integer(b)) => a == b,
            (NullBulk, NullBulk) | (NullArray, NullArray) | (Null, Null) => true,
            (Array(a), Array(b)) | (Set(a), Set(b)) | (Push(a), Push(b)) => a == b,
            (Double(a), Double(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Boolean(a), Boolean(b)) => a == b,
            (
                Verbatim { format, text },
                Verbatim {
                    format: f2,
                    text: t2,
                },
            ) => format == f2 && text == t2,
            (Map(a), Map(b)) => a == b,
            (
                Attribute { attributes, frame },
                Attribute {
                    attributes: a2,
                    frame: f2,
                },
            ) => attributes == a2 && frame == f2,
            _ => false,
        }
    }
}

impl Frame {
    /// Appends the frame's wire form to `out`.
    ///
    /// Doubles are written as Redis 7.0 writes them (`%.17g`, `inf`, `-inf`,
    /// `nan`), which reads back as the same value.
    ///
    /// ```
    /// use kvstore::resp::Frame;
    ///
    /// let mut wire = Vec::new();
    /// Frame::Array(vec![Frame::Bulk(b"a".to_vec()), Frame::NullBulk, Frame::Null]).encode(&mut wire);
    /// assert_eq!(wire, b"*3\r\n$1\r\na\r\n$-1\r\n_\r\n");
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Frame::Simple(s) => line(out, b'+', s),
            Frame::Error(s) => line(out, b'-', s),
            Frame::Integer(n) => line(out, b':', itoa::Buffer::new().format(*n).as_bytes()),
            Frame::Bulk(b) => blob(out, b'$', b),
            Frame::NullBulk => out.extend_from_slice(b"$-1\r\n"),
            Frame::Array(items) => aggregate(out, b'*', items),
            Frame::NullArray => out.extend_from_slice(b"*-1\r\n"),
            Frame::Null => out.extend_from_slice(b"_\r\n"),
            Frame::Double(d) => line(out, b',', format_double(*d).as_bytes()),
            Frame::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Frame::BigNumber(digits) => line(out, b'(', digits),
            Frame::Verbatim { format, text } => {
                count(out, b'=', text.len().saturating_add(4));
                out.extend_from_slice(format);
                out.push(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Frame::Map(pairs) => pairs_aggregate(out, b'%', pairs),
            Frame::Set(items) => aggregate(out, b'~', items),
            Frame::Attribute { attributes, frame } => {
                pairs_aggregate(out, b'|', attributes);
                frame.encode(out);
            }
            Frame::Push(items) => aggregate(out, b'>', items),
            Frame::BlobError(b) => blob(out, b'!', b),
        }
    }
}

fn line(out: &mut Vec<u8>, prefix: u8, text: &[u8]) {
    out.push(prefix);
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

fn count(out: &mut Vec<u8>, prefix: u8, n: usize) {
    line(out, prefix, itoa::Buffer::new().format(n).as_bytes());
}

fn blob(out: &mut Vec<u8>, prefix: u8, data: &[u8]) {
    count(out, prefix, data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

fn aggregate(out: &mut Vec<u8>, prefix: u8, items: &[Frame]) {
    count(out, prefix, items.len());
    items.iter().for_each(|f| f.encode(out));
}

fn pairs_aggregate(out: &mut Vec<u8>, prefix: u8, pairs: &[(Frame, Frame)]) {
    count(out, prefix, pairs.len());
    for (k, v) in pairs {
        k.encode(out);
        v.encode(out);
    }
}

/// Limits [`decode_frame`] enforces before allocating.
///
/// ```
/// use kvstore::resp::{decode_frame, FrameLimits};
///
/// let limits = FrameLimits { max_depth: 1, ..FrameLimits::default() };
/// assert!(decode_frame(b"*1\r\n:1\r\n", &limits)?.is_some());
/// assert!(decode_frame(b"*1\r\n*1\r\n:1\r\n", &limits).is_err());
/// # Ok::<(), kvstore::resp::ProtocolError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLimits {
    /// Longest bulk string, blob error or verbatim string, and longest
    /// simple string, error, double or big number line (512 MB).
    pub max_bulk_len: usize,
    /// Most elements (or pairs) of one aggregate (`INT_MAX`).
    pub max_len: usize,
    /// Most aggregates nested in one another, attributes included (1000,
    /// Redis's own nesting limit).
    pub max_depth: usize,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits {
            max_bulk_len: 512 * 1024 * 1024,
            max_len: i32::MAX as usize,
            max_depth: 1000,
        }
    }
}

/// Decodes one frame from the start of `buf`.
///
/// `Ok(Some((frame, n)))`: a whole frame of `n` bytes. `Ok(None)`: `buf`
/// holds only part of a frame (every strict prefix of a valid frame gives
/// `None`); call again with more bytes. Nothing is kept between calls, so a
/// frame that arrives in `k` pieces is read up to `k` times: a client should
/// call again only once a read has added bytes, and read in large steps.
///
/// Nothing is reserved from what a header announces beyond what the bytes
/// at hand can hold (each element takes at least 3 bytes), and the nesting
/// depth is checked before going one level deeper.
///
/// # Errors
///
/// Bytes that are no frame: an unknown type byte, a line not ended by
/// CRLF, a malformed number, a length over `limits`.
///
/// ```
/// use kvstore::resp::{decode_frame, Frame, FrameLimits};
///
/// let limits = FrameLimits::default();
/// let wire = b"*2\r\n$-1\r\n:7\r\n";
/// assert_eq!(decode_frame(&wire[..8], &limits)?, None);
/// let (frame, n) = decode_frame(wire, &limits)?.expect("a whole frame");
/// assert_eq!(frame, Frame::Array(vec![Frame::NullBulk, Frame::Integer(7)]));
/// assert_eq!(n, wire.len());
/// assert!(decode_frame(b"?\r\n", &limits).is_err());
/// # Ok::<(), kvstore::resp::ProtocolError>(())
/// ```
pub fn decode_frame(
    buf: &[u8],
    limits: &FrameLimits,
) -> Result<Option<(Frame, usize)>, ProtocolError> {
    Parser { buf, limits }.frame()
}

type Step<T> = Result<Option<T>, ProtocolError>;

/// What the bytes at one position start: a whole scalar frame, or the
/// header of an aggregate whose elements follow.
enum Item {
    /// A frame and the position after it.
    Frame(Frame, usize),
    /// An aggregate of type `kind` with `len` elements (pairs for `%` and
    /// `|`), whose first element starts at `next`.
    Open { kind: u8, len: usize, next: usize },
}

/// An aggregate being read (the decoder keeps its own stack rather than
/// recursing, so that the depth limit, not the thread's stack, bounds it).
enum Open {
    /// `*`, `~` or `>`: `remaining` elements still to come.
    List {
        kind: u8,
        remaining: usize,
        items: Vec<Frame>,
    },
    /// `%` or `|`: `remaining` pairs still to come; `key` is the first half
    /// of the pair being read.
    Pairs {
        kind: u8,
        remaining: usize,
        pairs: Vec<(Frame, Frame)>,
        key: Option<Frame>,
    },
    /// An attribute read whole, waiting for the frame it annotates.
    Annotating { attributes: Vec<(Frame, Frame)> },
}

struct Parser<'b> {
    buf: &'b [u8],
    limits: &'b FrameLimits,
}

impl<'b> Parser<'b> {
    /// The line starting at `pos` (after a type byte), at most `max` bytes:
    /// its text and the position after its CRLF.
    fn line(&self, pos: usize, max: usize, too_long: ProtocolError) -> Step<(&'b [u8], usize)> {
        let rest = self.buf.get(pos..).unwrap_or_default();
        let window = rest.get(..max.saturating_add(1)).unwrap_or(rest);
        let Some(cr) = window.iter().position(|&b| b == b'\r') else {
            return if window.len() > max {
                Err(too_long)
            } else {
                Ok(None)
            };
        };
        match rest.get(cr + 1) {
            None => Ok(None),
            Some(b'\n') => Ok(Some((rest.get(..cr).unwrap_or_default(), pos + cr + 2))),
            Some(_) => Err(BAD_LINE_END),
        }
    }

    /// A length line: `None` as the value for `-1`.
    fn length(&self, pos: usize, invalid: ProtocolError) -> Step<(Option<usize>, usize)> {
        let Some((text, next)) = self.line(pos, NUMBER_LINE_MAX, invalid.clone())? else {
            return Ok(None);
        };
        match parse_i64(text) {
            Some(-1) => Ok(Some((None, next))),
            Some(n) => match usize::try_from(n) {
                Ok(n) => Ok(Some((Some(n), next))),
                Err(_) => Err(invalid),
            },
            None => Err(invalid),
        }
    }

    /// The data of a bulk-like frame of `len` bytes at `pos`.
    fn blob(&self, pos: usize, len: usize) -> Step<(&'b [u8], usize)> {
        if len > self.limits.max_bulk_len {
            return Err(BULK_TOO_LONG);
        }
        let rest = self.buf.get(pos..).unwrap_or_default();
        let Some(end) = len.checked_add(2) else {
            return Err(BULK_TOO_LONG);
        };
        let Some(whole) = rest.get(..end) else {
            return Ok(None);
        };
        match whole.split_at_checked(len) {
            Some((data, b"\r\n")) => Ok(Some((data, pos + end))),
            _ => Err(BAD_BULK_END),
        }
    }

    /// A frame whose text is one line: `+ - ( , : # _`.
    fn line_frame(&self, kind: u8, pos: usize) -> Step<Item> {
        let max = if matches!(kind, b'+' | b'-' | b'(' | b',') {
            self.limits.max_bulk_len
        } else {
            NUMBER_LINE_MAX
        };
        let Some((text, next)) = self.line(pos, max, LINE_TOO_LONG)? else {
            return Ok(None);
        };
        let frame = match kind {
            b'+' => Frame::Simple(text.to_vec()),
            b'-' => Frame::Error(text.to_vec()),
            b'(' => Frame::BigNumber(big_number(text).ok_or(BAD_BIG_NUMBER)?.to_vec()),
            b',' => Frame::Double(double(text).ok_or(BAD_DOUBLE)?),
            b':' => Frame::Integer(parse_i64(text).ok_or(BAD_INTEGER)?),
            b'#' => match text {
                b"t" => Frame::Boolean(true),
                b"f" => Frame::Boolean(false),
                _ => return Err(BAD_BOOLEAN),
            },
            _ if text.is_empty() => Frame::Null,
            _ => return Err(BAD_NULL),
        };
        Ok(Some(Item::Frame(frame, next)))
    }

    /// A frame with a length and data: `$ ! =`.
    fn blob_frame(&self, kind: u8, pos: usize) -> Step<Item> {
        let Some((len, next)) = self.length(pos, INVALID_BULK)? else {
            return Ok(None);
        };
        let Some(len) = len else {
            return if kind == b'$' {
                Ok(Some(Item::Frame(Frame::NullBulk, next)))
            } else {
                Err(INVALID_BULK)
            };
        };
        let Some((data, next)) = self.blob(next, len)? else {
            return Ok(None);
        };
        let frame = match kind {
            b'$' => Frame::Bulk(data.to_vec()),
            b'!' => Frame::BlobError(data.to_vec()),
            _ => match data {
                [a, b, c, b':', text @ ..] => Frame::Verbatim {
                    format: [*a, *b, *c],
                    text: text.to_vec(),
                },
                _ => return Err(BAD_VERBATIM),
            },
        };
        Ok(Some(Item::Frame(frame, next)))
    }

    /// The scalar frame or aggregate header at `pos`.
    fn item(&self, pos: usize) -> Step<Item> {
        let Some(&kind) = self.buf.get(pos) else {
            return Ok(None);
        };
        let pos = pos + 1;
        match kind {
            b'+' | b'-' | b'(' | b',' | b':' | b'#' | b'_' => self.line_frame(kind, pos),
            b'$' | b'!' | b'=' => self.blob_frame(kind, pos),
            b'*' | b'~' | b'>' | b'%' | b'|' => {
                let Some((len, next)) = self.length(pos, INVALID_LEN)? else {
                    return Ok(None);
                };
                match len {
                    Some(len) => Ok(Some(Item::Open { kind, len, next })),
                    None if kind == b'*' => Ok(Some(Item::Frame(Frame::NullArray, next))),
                    None => Err(INVALID_LEN),
                }
            }
            _ => Err(BAD_TYPE),
        }
    }

    /// Starts reading an aggregate of `len` elements inside `depth` others,
    /// after checking the limits. Reserves no more elements than the rest
    /// of the buffer can hold.
    fn open(&self, kind: u8, len: usize, depth: usize, next: usize) -> Result<Open, ProtocolError> {
        if len > self.limits.max_len {
            return Err(TOO_MANY);
        }
        if depth >= self.limits.max_depth {
            return Err(TOO_DEEP);
        }
        let room = self.buf.len().saturating_sub(next);
        Ok(if kind == b'%' || kind == b'|' {
            Open::Pairs {
                kind,
                remaining: len,
                pairs: Vec::with_capacity(len.min(room / 6)),
                key: None,
            }
        } else {
            Open::List {
                kind,
                remaining: len,
                items: Vec::with_capacity(len.min(room / 3)),
            }
        })
    }

    /// The whole frame at the start of the buffer.
    fn frame(&self) -> Step<(Frame, usize)> {
        let mut stack: Vec<Open> = Vec::new();
        let mut pos = 0;
        loop {
            let Some(item) = self.item(pos)? else {
                return Ok(None);
            };
            let mut value = match item {
                Item::Frame(frame, next) => {
                    pos = next;
                    frame
                }
                Item::Open { kind, len, next } => {
                    pos = next;
                    match self.open(kind, len, stack.len(), next)?.close() {
                        Ok(frame) => frame,
                        Err(open) => {
                            stack.push(open);
                            continue;
                        }
                    }
                }
            };
            // Hand the finished frame to the aggregates it completes.
            loop {
                let Some(top) = stack.pop() else {
                    return Ok(Some((value, pos)));
                };
                match top.push(value) {
                    Ok(frame) => value = frame,
                    Err(open) => {
                        stack.push(open);
                        break;
                    }
                }
            }
        }
    }
}

impl Open {
    /// Adds the next element: the finished frame if that completes it, else
    /// the aggregate still open.
    fn push(self, frame: Frame) -> Result<Frame, Open> {
        match self {
            Open::List {
                kind,
                remaining,
                mut items,
            } => {
                items.push(frame);
                Open::List {
                    kind,
                    remaining: remaining.saturating_sub(1),
                    items,
                }
                .close()
            }
            Open::Pairs {
                kind,
                remaining,
                pairs,
                key: None,
            } => Err(Open::Pairs {
                kind,
                remaining,
                pairs,
                key: Some(frame),
            }),
            Open::Pairs {
                kind,
                remaining,
                mut pairs,
                key: Some(key),
            } => {
                pairs.push((key, frame));
                Open::Pairs {
                    kind,
                    remaining: remaining.saturating_sub(1),
                    pairs,
                    key: None,
                }
                .close()
            }
            Open::Annotating { attributes } => Ok(Frame::Attribute {
                attributes,
                frame: Box::new(frame),
            }),
        }
    }

    /// The finished frame when no element is missing, else the aggregate.
    /// A finished attribute then waits for the frame it annotates.
    fn close(self) -> Result<Frame, Open> {
        match self {
            Open::List {
                kind,
                remaining: 0,
                items,
            } => Ok(match kind {
                b'*' => Frame::Array(items),
                b'~' => Frame::Set(items),
                _ => Frame::Push(items),
            }),
            Open::Pairs {
                kind: b'%',
                remaining: 0,
                pairs,
                key: None,
            } => Ok(Frame::Map(pairs)),
            Open::Pairs {
                remaining: 0,
                pairs,
                key: None,
                ..
            } => Err(Open::Annotating { attributes: pairs }),
            open => Err(open),
        }
    }
}

/// The digits of a big number, optionally negative.
fn big_number(text: &[u8]) -> Option<&[u8]> {
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    (!digits.is_empty() && digits.iter().all(u8::is_ascii_digit)).then_some(text)
}

/// A RESP3 double: a decimal or exponent form, `inf`, `-inf` or `nan`.
fn double(text: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(text).ok()?;
    match text {
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" | "-nan" => Some(f64::NAN),
        _ if text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')) =>
        {
            text.parse().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
