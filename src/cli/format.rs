//! `redis-cli`'s reply printers: `cliFormatReplyTTY` and `cliFormatReplyRaw`.

use std::borrow::Cow;

use crate::{Protocol, Reply};

/// `reply` as `redis-cli` 7.0 prints it on a terminal (`redis-cli --no-raw`),
/// ending with a newline.
///
/// The same [`Reply`] prints differently in each protocol, as the wire form
/// `redis-cli` reads differs: in RESP2 a double is a quoted string (`"1.5"`),
/// a boolean an integer and a map a flat array; in RESP3 they print as
/// `(double) 1.5`, `(true)` and `1# "key" => "value"`.
///
/// Strings are quoted with `redis-cli`'s escapes (`\"`, `\\`, `\n`, `\r`,
/// `\t`, `\a`, `\b`, printable ASCII as is, any other byte as `\xHH`), so
/// the text is ASCII but for status, error and verbatim texts, which print
/// as they are (bytes that are not UTF-8 become U+FFFD).
///
/// ```
/// use kvstore::cli::format_reply;
/// use kvstore::{Protocol, Reply, Store};
///
/// let store = Store::new();
/// store.execute(&["RPUSH", "l", "a", "b\n"]);
/// let reply = store.execute(&["LRANGE", "l", "0", "-1"]);
/// assert_eq!(format_reply(&reply, Protocol::Resp2), "1) \"a\"\n2) \"b\\n\"\n");
/// assert_eq!(format_reply(&Reply::Double(1.5), Protocol::Resp3), "(double) 1.5\n");
/// assert_eq!(format_reply(&Reply::Double(1.5), Protocol::Resp2), "\"1.5\"\n");
/// ```
#[must_use]
pub fn format_reply(reply: &Reply, protocol: Protocol) -> String {
    let mut out = Vec::new();
    for node in nodes(reply, protocol) {
        tty(&mut out, &node, b"");
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `reply` as `redis-cli --raw` prints it: strings as they are, the
/// elements of an array one per line, a map's key and value on one line
/// separated by a space, nothing for a null; ending with a newline.
///
/// ```
/// use kvstore::cli::format_reply_raw;
/// use kvstore::{Protocol, Store};
///
/// let store = Store::new();
/// store.execute(&["RPUSH", "l", "a", "b\n"]);
/// let reply = store.execute(&["LRANGE", "l", "0", "-1"]);
/// assert_eq!(format_reply_raw(&reply, Protocol::Resp2), b"a\nb\n\n");
/// let nil = store.execute(&["GET", "nokey"]);
/// assert_eq!(format_reply_raw(&nil, Protocol::Resp2), b"\n");
/// ```
#[must_use]
pub fn format_reply_raw(reply: &Reply, protocol: Protocol) -> Vec<u8> {
    let mut out = format_reply_raw_strings(reply, protocol);
    out.push(b'\n');
    out
}

/// A reply as `redis-cli` sees it after reading its wire form in one
/// protocol (hiredis's reply types).
enum Node<'a> {
    Status(&'a str),
    Error(Vec<u8>),
    Integer(i64),
    Str(Cow<'a, [u8]>),
    Verbatim(&'a [u8]),
    Double(String),
    Nil,
    Bool(bool),
    /// An aggregate; a map's elements are its keys and values in turn, as
    /// hiredis keeps them.
    Aggregate(Kind, Vec<Node<'a>>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Array,
    Map,
    Set,
}

fn all(items: &[Reply], protocol: Protocol) -> Vec<Node<'_>> {
    items.iter().flat_map(|r| nodes(r, protocol)).collect()
}

/// The replies `redis-cli` reads from `reply`'s wire form: one, or each of
/// a [`Reply::Sequence`] in turn.
fn nodes(reply: &Reply, protocol: Protocol) -> Vec<Node<'_>> {
    match reply {
        Reply::Sequence(replies) => all(replies, protocol),
        other => vec![node(other, protocol)],
    }
}

fn node(reply: &Reply, protocol: Protocol) -> Node<'_> {
    let resp3 = protocol == Protocol::Resp3;
    match reply {
        Reply::Simple(s) => Node::Status(s),
        Reply::Status(s) => Node::Status(s),
        Reply::Error(e) => Node::Error(e.message()),
        Reply::Integer(n) => Node::Integer(*n),
        Reply::Bulk(b) => Node::Str(Cow::Borrowed(b)),
        Reply::Null | Reply::NullArray => Node::Nil,
        Reply::Double(d) => {
            let text = crate::number::format_double(*d);
            if resp3 {
                Node::Double(text)
            } else {
                Node::Str(Cow::Owned(text.into_bytes()))
            }
        }
        Reply::Bool(b) if resp3 => Node::Bool(*b),
        Reply::Bool(b) => Node::Integer(i64::from(*b)),
        Reply::Array(items) => Node::Aggregate(Kind::Array, all(items, protocol)),
        Reply::Set(items) => Node::Aggregate(
            if resp3 { Kind::Set } else { Kind::Array },
            all(items, protocol),
        ),
        Reply::Map(pairs) => {
            let flat = pairs
                .iter()
                .flat_map(|(k, v)| [node(k, protocol), node(v, protocol)])
                .collect();
            Node::Aggregate(if resp3 { Kind::Map } else { Kind::Array }, flat)
        }
        Reply::Pairs(pairs) if resp3 => {
            let nested = pairs
                .iter()
                .map(|(a, b)| {
                    Node::Aggregate(Kind::Array, vec![node(a, protocol), node(b, protocol)])
                })
                .collect();
            Node::Aggregate(Kind::Array, nested)
        }
        Reply::Pairs(pairs) => {
            let flat = pairs
                .iter()
                .flat_map(|(a, b)| [node(a, protocol), node(b, protocol)])
                .collect();
            Node::Aggregate(Kind::Array, flat)
        }
        Reply::Verbatim(_, text) if resp3 => Node::Verbatim(text),
        Reply::Verbatim(_, text) => Node::Str(Cow::Borrowed(text)),
        // redis-cli prints a push as an array.
        Reply::Push(items) => Node::Aggregate(Kind::Array, all(items, protocol)),
        // Where one reply is read (a map's value), its replies in a row.
        Reply::Sequence(items) => Node::Aggregate(Kind::Array, all(items, protocol)),
    }
}

/// C's `%s`: the bytes up to the first NUL.
fn c_str(bytes: &[u8]) -> &[u8] {
    bytes.split(|&b| b == 0).next().unwrap_or(bytes)
}

/// `sdscatrepr`: a quoted string with C escapes.
fn repr(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', b]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'x',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xf)],
                ]);
            }
        }
    }
    out.push(b'"');
}

/// `cliFormatReplyTTY`.
fn tty(out: &mut Vec<u8>, node: &Node<'_>, prefix: &[u8]) {
    match node {
        Node::Error(message) => {
            out.extend_from_slice(b"(error) ");
            out.extend_from_slice(c_str(message));
            out.push(b'\n');
        }
        Node::Status(s) => {
            out.extend_from_slice(c_str(s.as_bytes()));
            out.push(b'\n');
        }
        Node::Integer(n) => {
            out.extend_from_slice(b"(integer) ");
            out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes());
            out.push(b'\n');
        }
        Node::Double(text) => {
            out.extend_from_slice(b"(double) ");
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
        }
        Node::Str(bytes) => {
            repr(out, bytes);
            out.push(b'\n');
        }
        Node::Verbatim(text) => {
            out.extend_from_slice(text);
            out.push(b'\n');
        }
        Node::Nil => out.extend_from_slice(b"(nil)\n"),
        Node::Bool(b) => out.extend_from_slice(if *b { b"(true)\n" } else { b"(false)\n" }),
        Node::Aggregate(kind, items) if items.is_empty() => out.extend_from_slice(match kind {
            Kind::Array => b"(empty array)\n",
            Kind::Map => b"(empty hash)\n",
            Kind::Set => b"(empty set)\n",
        }),
        Node::Aggregate(kind, items) => {
            let count = if *kind == Kind::Map {
                items.len() / 2
            } else {
                items.len()
            };
            let width = count.to_string().len();
            let mut inner = prefix.to_vec();
            inner.resize(prefix.len() + width + 2, b' ');
            let sep = match kind {
                Kind::Array => ')',
                Kind::Map => '#',
                Kind::Set => '~',
            };
            let mut i = 0;
            while let Some(item) = items.get(i) {
                let human = if *kind == Kind::Map { i / 2 } else { i } + 1;
                // The first index follows the parent's own index on its line.
                if i > 0 {
                    out.extend_from_slice(prefix);
                }
                out.extend_from_slice(format!("{human:>width$}{sep} ").as_bytes());
                tty(out, item, &inner);
                if *kind == Kind::Map {
                    i += 1;
                    out.pop();
                    out.extend_from_slice(b" => ");
                    if let Some(value) = items.get(i) {
                        // A value of several lines starts on a line of its own.
                        if multiline(value) {
                            out.push(b'\n');
                            out.extend_from_slice(&inner);
                        }
                        tty(out, value, &inner);
                    }
                }
                i += 1;
            }
        }
    }
}

/// `cliIsMultilineValueTTY`: whether [`tty`] prints `node` on several lines.
fn multiline(node: &Node<'_>) -> bool {
    match node {
        Node::Aggregate(kind, items) => {
            let per_entry = if *kind == Kind::Map { 2 } else { 1 };
            match items.len() {
                0 => false,
                n if n > per_entry => true,
                _ => items.last().is_some_and(multiline),
            }
        }
        _ => false,
    }
}

/// `cliFormatReplyRaw`, without the final newline.
fn raw(out: &mut Vec<u8>, node: &Node<'_>) {
    match node {
        Node::Nil => {}
        Node::Error(message) => {
            out.extend_from_slice(message);
            out.push(b'\n');
        }
        Node::Status(s) => out.extend_from_slice(s.as_bytes()),
        Node::Str(bytes) => out.extend_from_slice(bytes),
        Node::Verbatim(text) => out.extend_from_slice(text),
        Node::Bool(b) => out.extend_from_slice(if *b { b"(true)" } else { b"(false)" }),
        Node::Integer(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
        Node::Double(text) => out.extend_from_slice(text.as_bytes()),
        Node::Aggregate(Kind::Map, items) => {
            for (i, pair) in items.chunks(2).enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                if let [key, value] = pair {
                    raw(out, key);
                    out.push(b' ');
                    raw(out, value);
                }
            }
        }
        Node::Aggregate(_, items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                raw(out, item);
            }
        }
    }
}

/// `cliFormatReplyRaw` alone, without `--raw`'s final newline: how
/// `redis-cli` prints the replies of `INFO` and the like on a terminal.
pub(super) fn format_reply_raw_strings(reply: &Reply, protocol: Protocol) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, node) in nodes(reply, protocol).iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        raw(&mut out, node);
    }
    out
}
