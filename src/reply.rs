//! Replies of [`Store::execute`](crate::Store::execute), with every RESP2 and
//! RESP3 distinction kept so a server can encode them exactly as Redis does.

use crate::{Error, Message};

/// The protocol version a reply is encoded for (`HELLO 2` / `HELLO 3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2, the default of every Redis connection.
    #[default]
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
}

/// One reply, as Redis 7.0 would send it.
///
/// Where RESP2 has no equivalent of a RESP3 type, [`Reply::encode`] downgrades
/// it the way Redis does (a map becomes a flat array, a double becomes a bulk
/// string, a null becomes a null bulk string, and so on).
///
/// ```
/// use kvstore::{Protocol, Reply, Store};
///
/// let store = Store::new();
/// assert_eq!(store.execute(&["SET", "k", "v"]), Reply::ok());
/// let reply = store.execute(&["GET", "k"]);
/// assert_eq!(reply, Reply::Bulk(b"v".to_vec()));
/// let mut wire = Vec::new();
/// reply.encode(Protocol::Resp2, &mut wire);
/// assert_eq!(wire, b"$1\r\nv\r\n");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A simple string (`+OK`).
    Simple(&'static str),
    /// A simple string computed at run time (`+PONG`-like, `TYPE`'s reply).
    Status(String),
    /// An error reply.
    Error(Error),
    /// An integer (`:1`).
    Integer(i64),
    /// A bulk string (`$3\r\nfoo`).
    Bulk(Vec<u8>),
    /// The null reply: `$-1` in RESP2, `_` in RESP3.
    Null,
    /// The null array: `*-1` in RESP2, `_` in RESP3 (a timed-out blocking pop,
    /// an aborted `EXEC`).
    NullArray,
    /// A double: a bulk string in RESP2, `,` in RESP3.
    Double(f64),
    /// A boolean: the integer 1 or 0 in RESP2, `#t`/`#f` in RESP3.
    Bool(bool),
    /// An array (`*`).
    Array(Vec<Reply>),
    /// A map (`%` in RESP3, a flat array of key, value, … in RESP2).
    Map(Vec<(Reply, Reply)>),
    /// A set (`~` in RESP3, an array in RESP2).
    Set(Vec<Reply>),
    /// Pairs that may repeat (`ZRANGE … WITHSCORES`, `HRANDFIELD …
    /// WITHVALUES`): an array of two-element arrays in RESP3, a flat array
    /// of both members of each pair in RESP2, as Redis sends them.
    Pairs(Vec<(Reply, Reply)>),
    /// A verbatim string with its three-letter format (`txt`, `mkd`): `=` in
    /// RESP3, a bulk string of the text alone in RESP2.
    Verbatim(&'static str, Vec<u8>),
    /// An out-of-band push: `>` in RESP3, an array in RESP2. Pub/sub
    /// messages and subscription confirmations are pushes, as Redis sends
    /// them (`[message, channel, data]`, `[pmessage, pattern, channel,
    /// data]`, `[subscribe, channel, count]`, …).
    Push(Vec<Reply>),
    /// Several replies sent one after the other, each framed on its own,
    /// with nothing around them: what a command that answers more than
    /// once sends (`SUBSCRIBE a b` confirms each channel with its own
    /// [`Reply::Push`]). An empty sequence sends nothing.
    Sequence(Vec<Reply>),
}

impl Reply {
    /// `+OK`.
    #[must_use]
    pub fn ok() -> Reply {
        Reply::Simple("OK")
    }

    /// A bulk string, or null for `None`.
    #[must_use]
    pub fn bulk_or_null(value: Option<Vec<u8>>) -> Reply {
        value.map_or(Reply::Null, Reply::Bulk)
    }

    /// An array of bulk strings.
    #[must_use]
    pub fn bulks(items: impl IntoIterator<Item = Vec<u8>>) -> Reply {
        Reply::Array(items.into_iter().map(Reply::Bulk).collect())
    }

    /// Whether this is an error reply.
    #[must_use]
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// Appends the reply's wire form in `protocol` to `out`.
    pub fn encode(&self, protocol: Protocol, out: &mut Vec<u8>) {
        let resp3 = protocol == Protocol::Resp3;
        match self {
            Reply::Simple(s) => simple(out, b'+', s.as_bytes()),
            Reply::Status(s) => simple(out, b'+', s.as_bytes()),
            Reply::Error(e) => simple(out, b'-', &e.message()),
            Reply::Integer(n) => header(out, b':', *n),
            Reply::Bulk(b) => bulk(out, b'$', b),
            Reply::Null if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::Null => out.extend_from_slice(b"$-1\r\n"),
            Reply::NullArray if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::NullArray => out.extend_from_slice(b"*-1\r\n"),
            Reply::Double(d) => {
                let text = crate::number::format_double(*d);
                if resp3 {
                    simple(out, b',', text.as_bytes());
                } else {
                    bulk(out, b'$', text.as_bytes());
                }
            }
            Reply::Bool(b) if resp3 => {
                out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" })
            }
            Reply::Bool(b) => header(out, b':', i64::from(*b)),
            Reply::Array(items) => {
                header(out, b'*', len_i64(items.len()));
                items.iter().for_each(|r| r.encode(protocol, out));
            }
            Reply::Set(items) => {
                header(out, if resp3 { b'~' } else { b'*' }, len_i64(items.len()));
                items.iter().for_each(|r| r.encode(protocol, out));
            }
            Reply::Map(pairs) => {
                if resp3 {
                    header(out, b'%', len_i64(pairs.len()));
                } else {
                    header(out, b'*', len_i64(pairs.len()).saturating_mul(2));
                }
                for (k, v) in pairs {
                    k.encode(protocol, out);
                    v.encode(protocol, out);
                }
            }
            Reply::Pairs(pairs) => {
                if resp3 {
                    header(out, b'*', len_i64(pairs.len()));
                } else {
                    header(out, b'*', len_i64(pairs.len()).saturating_mul(2));
                }
                for (a, b) in pairs {
                    if resp3 {
                        header(out, b'*', 2);
                    }
                    a.encode(protocol, out);
                    b.encode(protocol, out);
                }
            }
            Reply::Verbatim(format, text) if resp3 => {
                let mut body = Vec::with_capacity(text.len() + 4);
                body.extend_from_slice(format.as_bytes());
                body.push(b':');
                body.extend_from_slice(text);
                bulk(out, b'=', &body);
            }
            Reply::Verbatim(_, text) => bulk(out, b'$', text),
            Reply::Push(items) => {
                header(out, if resp3 { b'>' } else { b'*' }, len_i64(items.len()));
                items.iter().for_each(|r| r.encode(protocol, out));
            }
            Reply::Sequence(replies) => replies.iter().for_each(|r| r.encode(protocol, out)),
        }
    }
}

impl From<&Message> for Reply {
    /// The push Redis sends for a pub/sub message or confirmation:
    /// `[message, channel, data]`, `[pmessage, pattern, channel, data]`,
    /// `[smessage, channel, data]`, or `[kind, channel, count]` (a nil
    /// channel when an unsubscribe-all found nothing to leave).
    fn from(m: &Message) -> Reply {
        let kind = Reply::Bulk(m.kind().as_str().as_bytes().to_vec());
        let channel = Reply::bulk_or_null(m.channel().map(<[u8]>::to_vec));
        let items = match (m.count(), m.pattern()) {
            (Some(count), _) => vec![kind, channel, Reply::Integer(len_i64(count))],
            (None, Some(pattern)) => vec![
                kind,
                Reply::Bulk(pattern.to_vec()),
                channel,
                Reply::Bulk(m.data().to_vec()),
            ],
            (None, None) => vec![kind, channel, Reply::Bulk(m.data().to_vec())],
        };
        Reply::Push(items)
    }
}

/// Appends the push of `m` (as [`Reply::from`] builds it) without building
/// the reply: the data is copied once, straight into `out`.
#[cfg_attr(not(feature = "server"), allow(dead_code))]
pub(crate) fn encode_message(m: &Message, protocol: Protocol, out: &mut Vec<u8>) {
    let resp3 = protocol == Protocol::Resp3;
    let push = if resp3 { b'>' } else { b'*' };
    let kind = m.kind().as_str().as_bytes();
    let channel = |out: &mut Vec<u8>| match m.channel() {
        Some(c) => bulk(out, b'$', c),
        None if resp3 => out.extend_from_slice(b"_\r\n"),
        None => out.extend_from_slice(b"$-1\r\n"),
    };
    match (m.count(), m.pattern()) {
        (Some(count), _) => {
            header(out, push, 3);
            bulk(out, b'$', kind);
            channel(out);
            header(out, b':', len_i64(count));
        }
        (None, Some(pattern)) => {
            header(out, push, 4);
            bulk(out, b'$', kind);
            bulk(out, b'$', pattern);
            channel(out);
            bulk(out, b'$', m.data());
        }
        (None, None) => {
            header(out, push, 3);
            bulk(out, b'$', kind);
            channel(out);
            bulk(out, b'$', m.data());
        }
    }
}

impl From<Error> for Reply {
    fn from(e: Error) -> Reply {
        Reply::Error(e)
    }
}

impl<T: Into<Reply>> From<crate::Result<T>> for Reply {
    fn from(r: crate::Result<T>) -> Reply {
        r.map_or_else(Reply::Error, Into::into)
    }
}

impl From<i64> for Reply {
    fn from(n: i64) -> Reply {
        Reply::Integer(n)
    }
}

impl From<bool> for Reply {
    /// Redis's 1/0 integer replies (`EXPIRE`, `SETNX`, …).
    fn from(b: bool) -> Reply {
        Reply::Integer(i64::from(b))
    }
}

impl From<Option<Vec<u8>>> for Reply {
    fn from(v: Option<Vec<u8>>) -> Reply {
        Reply::bulk_or_null(v)
    }
}

impl From<Vec<u8>> for Reply {
    fn from(v: Vec<u8>) -> Reply {
        Reply::Bulk(v)
    }
}

fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn simple(out: &mut Vec<u8>, prefix: u8, text: &[u8]) {
    out.push(prefix);
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

fn header(out: &mut Vec<u8>, prefix: u8, n: i64) {
    out.push(prefix);
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn bulk(out: &mut Vec<u8>, prefix: u8, data: &[u8]) {
    header(out, prefix, len_i64(data.len()));
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(r: &Reply, p: Protocol) -> Vec<u8> {
        let mut out = Vec::new();
        r.encode(p, &mut out);
        out
    }

    #[test]
    fn resp2_downgrades_resp3_types() {
        use Protocol::*;
        assert_eq!(wire(&Reply::Null, Resp2), b"$-1\r\n");
        assert_eq!(wire(&Reply::Null, Resp3), b"_\r\n");
        assert_eq!(wire(&Reply::NullArray, Resp2), b"*-1\r\n");
        assert_eq!(wire(&Reply::Double(1.5), Resp2), b"$3\r\n1.5\r\n");
        assert_eq!(wire(&Reply::Double(1.5), Resp3), b",1.5\r\n");
        assert_eq!(wire(&Reply::Bool(true), Resp2), b":1\r\n");
        assert_eq!(wire(&Reply::Bool(false), Resp3), b"#f\r\n");
        let map = Reply::Map(vec![(Reply::Bulk(b"a".to_vec()), Reply::Integer(1))]);
        assert_eq!(wire(&map, Resp2), b"*2\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(wire(&map, Resp3), b"%1\r\n$1\r\na\r\n:1\r\n");
        let set = Reply::Set(vec![Reply::Integer(7)]);
        assert_eq!(wire(&set, Resp2), b"*1\r\n:7\r\n");
        assert_eq!(wire(&set, Resp3), b"~1\r\n:7\r\n");
        let v = Reply::Verbatim("txt", b"hi".to_vec());
        assert_eq!(wire(&v, Resp2), b"$2\r\nhi\r\n");
        assert_eq!(wire(&v, Resp3), b"=6\r\ntxt:hi\r\n");
        let pairs = Reply::Pairs(vec![
            (Reply::Bulk(b"a".to_vec()), Reply::Double(1.0)),
            (Reply::Bulk(b"a".to_vec()), Reply::Double(2.5)),
        ]);
        assert_eq!(
            wire(&pairs, Resp2),
            b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$3\r\n2.5\r\n"
        );
        assert_eq!(
            wire(&pairs, Resp3),
            b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\na\r\n,2.5\r\n"
        );
    }

    #[test]
    fn errors_and_simple_strings() {
        assert_eq!(wire(&Reply::ok(), Protocol::Resp2), b"+OK\r\n");
        assert_eq!(
            wire(&Reply::Error(Error::Syntax), Protocol::Resp2),
            b"-ERR syntax error\r\n"
        );
        assert_eq!(wire(&Reply::Integer(-3), Protocol::Resp2), b":-3\r\n");
        assert_eq!(
            wire(&Reply::Bulk(Vec::new()), Protocol::Resp2),
            b"$0\r\n\r\n"
        );
    }

    #[test]
    fn pushes_and_sequences() {
        let push = Reply::Push(vec![Reply::Bulk(b"a".to_vec()), Reply::Integer(1)]);
        assert_eq!(wire(&push, Protocol::Resp2), b"*2\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(wire(&push, Protocol::Resp3), b">2\r\n$1\r\na\r\n:1\r\n");
        let seq = Reply::Sequence(vec![push, Reply::ok()]);
        assert_eq!(
            wire(&seq, Protocol::Resp3),
            b">2\r\n$1\r\na\r\n:1\r\n+OK\r\n"
        );
        assert_eq!(wire(&Reply::Sequence(Vec::new()), Protocol::Resp2), b"");
    }

    #[test]
    fn messages_encode_as_redis_sends_them() {
        let store = crate::Store::new();
        let mut sub = store.subscriber();
        sub.subscribe(["chan"]);
        sub.psubscribe(["c*"]);
        sub.punsubscribe(["c*"]);
        sub.punsubscribe::<_, &str>([]);
        sub.psubscribe(["c*"]);
        store.publish("chan", "hello");
        let got: Vec<Message> =
            std::iter::from_fn(|| sub.get_message(std::time::Duration::ZERO).ok().flatten())
                .collect();
        let [confirm, _, _, none, _, plain, pattern] = got.as_slice() else {
            panic!("{got:?}");
        };
        let cases: [(&Message, &[u8], &[u8]); 4] = [
            (
                plain,
                b"*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n",
                b">3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n",
            ),
            (
                pattern,
                b"*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$4\r\nchan\r\n$5\r\nhello\r\n",
                b">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$4\r\nchan\r\n$5\r\nhello\r\n",
            ),
            (
                confirm,
                b"*3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n",
                b">3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n",
            ),
            (
                none,
                b"*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:1\r\n",
                b">3\r\n$12\r\npunsubscribe\r\n_\r\n:1\r\n",
            ),
        ];
        for (m, resp2, resp3) in cases {
            for (protocol, expected) in [(Protocol::Resp2, resp2), (Protocol::Resp3, resp3)] {
                let mut direct = Vec::new();
                encode_message(m, protocol, &mut direct);
                assert_eq!(direct, expected, "{m:?}");
                assert_eq!(wire(&Reply::from(m), protocol), expected, "{m:?}");
            }
        }
    }
}
