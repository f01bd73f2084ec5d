//! The RESP codec (`kvstore::resp`) through its public API: round trips of
//! requests and frames, fed whole and in pieces; every strict prefix waits;
//! hostile headers are refused (or awaited) without allocating what they
//! announce; replies decode to the frames Redis would send; `split_args`
//! splits as redis-cli does.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use kvstore::resp::{
    Frame, FrameLimits, Limits, RequestDecoder, decode_frame, encode_command, split_args,
};
use kvstore::{Error, Protocol, Reply};
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------
// The largest allocation made by the current thread while armed.

struct Tracking;

thread_local! {
    /// `None` when not armed, else the largest size asked for so far.
    static LARGEST: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|largest| {
        if let Some(seen) = largest.get() {
            largest.set(Some(seen.max(size)));
        }
    });
}

// SAFETY: every call is forwarded to `System` unchanged; the bookkeeping
// touches only a const-initialised thread-local `Cell` that never allocates.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's guarantees are passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's guarantees are passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's guarantees are passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: the caller's guarantees are passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// The largest single allocation `f` makes on this thread.
fn largest_allocation(f: impl FnOnce()) -> usize {
    LARGEST.with(|l| l.set(Some(0)));
    f();
    LARGEST.with(|l| l.replace(None)).unwrap_or(0)
}

// ---------------------------------------------------------------------------
// Helpers.

/// The arguments of one request.
type Args = Vec<Vec<u8>>;
/// One decoded request and its length, `None` while incomplete, or the
/// error's text.
type Decoded = Result<Option<(usize, Args)>, String>;
/// The requests a stream holds, then its error or the bytes still waiting.
type StreamResults = (Vec<Args>, Result<usize, String>);

/// Decodes one request: its length and arguments, wherever the decoder put
/// them (`argv`, or `owned_args` for an unescaped inline request).
fn decode_request(d: &mut RequestDecoder, buf: &[u8]) -> Decoded {
    let mut argv = Vec::new();
    match d.decode(buf, &mut argv) {
        Ok(Some(n)) => {
            let args = match d.owned_args() {
                Some(owned) => owned.to_vec(),
                None => argv.iter().map(|a| a.to_vec()).collect(),
            };
            Ok(Some((n, args)))
        }
        Ok(None) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Feeds `stream` to one decoder as a server would: the buffer grows by
/// the pieces cut at `cuts`, and each whole request is taken off its front.
fn decode_stream(stream: &[u8], cuts: &[usize]) -> Result<Vec<Args>, String> {
    let cuts: Vec<usize> = cuts.iter().map(|&c| c.min(stream.len())).collect();
    match piece_results(stream, &cuts) {
        (requests, Ok(0)) => Ok(requests),
        (_, Ok(left)) => Err(format!("{left} bytes left over")),
        (_, Err(e)) => Err(e),
    }
}

fn cut_points(stream_len: usize, cuts: &[Index]) -> Vec<usize> {
    cuts.iter().map(|i| i.index(stream_len + 1)).collect()
}

fn wire(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    frame.encode(&mut out);
    out
}

fn decode_one(buf: &[u8]) -> Frame {
    match decode_frame(buf, &FrameLimits::default()) {
        Ok(Some((frame, n))) if n == buf.len() => frame,
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(buf)),
    }
}

/// Quotes `word` for an inline request: plain when it is safe, else in
/// double quotes with every byte outside printable ASCII as `\xHH`.
fn quote(word: &[u8], plain: bool) -> Vec<u8> {
    let safe = |b: &u8| b.is_ascii_alphanumeric() || b"-_.:".contains(b);
    if plain && !word.is_empty() && word.iter().all(safe) {
        return word.to_vec();
    }
    let mut out = vec![b'"'];
    for &b in word {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b' '..=b'~' => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
    out
}

// ---------------------------------------------------------------------------
// Strategies.

fn argv() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..12)
}

/// Text of a simple string or error line: no CR, no LF.
fn line_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
        0..20,
    )
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..30)
}

fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::NAN),
        Just(-0.0),
        (-1000i32..1000).prop_map(|n| f64::from(n) / 8.0),
    ]
}

fn frame() -> impl Strategy<Value = Frame> {
    let leaf = prop_oneof![
        line_text().prop_map(Frame::Simple),
        line_text().prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        bytes().prop_map(Frame::Bulk),
        Just(Frame::NullBulk),
        Just(Frame::NullArray),
        Just(Frame::Null),
        double().prop_map(Frame::Double),
        any::<bool>().prop_map(Frame::Boolean),
        "-?[0-9]{1,40}".prop_map(|s| Frame::BigNumber(s.into_bytes())),
        (any::<[u8; 3]>(), bytes()).prop_map(|(format, text)| Frame::Verbatim { format, text }),
        bytes().prop_map(Frame::BlobError),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        let pairs = prop::collection::vec((inner.clone(), inner.clone()), 0..4);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Frame::Array),
            prop::collection::vec(inner.clone(), 0..5).prop_map(Frame::Set),
            prop::collection::vec(inner.clone(), 0..5).prop_map(Frame::Push),
            pairs.clone().prop_map(Frame::Map),
            (pairs, inner).prop_map(|(attributes, frame)| Frame::Attribute {
                attributes,
                frame: Box::new(frame),
            }),
        ]
    })
}

fn reply() -> impl Strategy<Value = Reply> {
    let leaf = prop_oneof![
        Just(Reply::ok()),
        "[a-z]{0,8}".prop_map(Reply::Status),
        Just(Reply::Error(Error::Syntax)),
        Just(Reply::Error(Error::WrongType)),
        any::<i64>().prop_map(Reply::Integer),
        bytes().prop_map(Reply::Bulk),
        Just(Reply::Null),
        Just(Reply::NullArray),
        double().prop_map(Reply::Double),
        any::<bool>().prop_map(Reply::Bool),
        bytes().prop_map(|b| Reply::Verbatim("txt", b)),
    ];
    leaf.prop_recursive(3, 32, 4, |inner| {
        let pairs = prop::collection::vec((inner.clone(), inner.clone()), 0..4);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Reply::Array),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Reply::Set),
            pairs.clone().prop_map(Reply::Map),
            pairs.prop_map(Reply::Pairs),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Reply::Push),
        ]
    })
}

/// The frame Redis 7.0 sends for `reply` to a client speaking `protocol`:
/// RESP2 turns maps into flat arrays, doubles into bulk strings, booleans
/// into 0/1, sets into arrays, verbatim strings into plain bulks, and keeps
/// its two nulls apart; RESP3 has one null.
fn expected(reply: &Reply, protocol: Protocol) -> Frame {
    let resp3 = protocol == Protocol::Resp3;
    let all = |items: &[Reply]| {
        items
            .iter()
            .map(|r| expected(r, protocol))
            .collect::<Vec<_>>()
    };
    let pairs = |pairs: &[(Reply, Reply)]| {
        pairs
            .iter()
            .map(|(k, v)| (expected(k, protocol), expected(v, protocol)))
            .collect::<Vec<_>>()
    };
    let flat = |pairs: &[(Reply, Reply)]| {
        pairs
            .iter()
            .flat_map(|(k, v)| [expected(k, protocol), expected(v, protocol)])
            .collect::<Vec<_>>()
    };
    match reply {
        Reply::Simple(s) => Frame::Simple(s.as_bytes().to_vec()),
        Reply::Status(s) => Frame::Simple(s.as_bytes().to_vec()),
        Reply::Error(e) => Frame::Error(e.to_string().into_bytes()),
        Reply::Integer(n) => Frame::Integer(*n),
        Reply::Bulk(b) => Frame::Bulk(b.clone()),
        Reply::Null | Reply::NullArray if resp3 => Frame::Null,
        Reply::Null => Frame::NullBulk,
        Reply::NullArray => Frame::NullArray,
        Reply::Double(d) if resp3 => Frame::Double(*d),
        Reply::Double(d) => {
            // A bulk string of the %.17g text, which reads back as `d`.
            let Frame::Bulk(text) = decode_one(&{
                let mut w = Vec::new();
                reply.encode(Protocol::Resp2, &mut w);
                w
            }) else {
                panic!("a RESP2 double is a bulk");
            };
            let back: f64 = std::str::from_utf8(&text).unwrap().parse().unwrap();
            assert!(
                back == *d || (back.is_nan() && d.is_nan()),
                "{d} sent as {text:?}"
            );
            Frame::Bulk(text)
        }
        Reply::Bool(b) if resp3 => Frame::Boolean(*b),
        Reply::Bool(b) => Frame::Integer(i64::from(*b)),
        Reply::Array(items) => Frame::Array(all(items)),
        Reply::Set(items) if resp3 => Frame::Set(all(items)),
        Reply::Set(items) => Frame::Array(all(items)),
        Reply::Map(p) if resp3 => Frame::Map(pairs(p)),
        Reply::Map(p) => Frame::Array(flat(p)),
        Reply::Pairs(p) if resp3 => Frame::Array(
            pairs(p)
                .into_iter()
                .map(|(a, b)| Frame::Array(vec![a, b]))
                .collect(),
        ),
        Reply::Pairs(p) => Frame::Array(flat(p)),
        Reply::Verbatim(format, text) if resp3 => Frame::Verbatim {
            format: format.as_bytes().try_into().unwrap(),
            text: text.clone(),
        },
        Reply::Verbatim(_, text) => Frame::Bulk(text.clone()),
        Reply::Push(items) if resp3 => Frame::Push(all(items)),
        Reply::Push(items) => Frame::Array(all(items)),
        // Several frames, not one: not generated.
        Reply::Sequence(_) => panic!("a sequence is not one frame"),
    }
}

fn encoded(reply: &Reply, protocol: Protocol) -> Vec<u8> {
    let mut out = Vec::new();
    reply.encode(protocol, &mut out);
    out
}

// ---------------------------------------------------------------------------
// Requests.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// argv → encode_command → decode gives argv back, fed whole.
    #[test]
    fn commands_round_trip(args in argv()) {
        let mut wire = Vec::new();
        encode_command(&args, &mut wire);
        let mut d = RequestDecoder::default();
        prop_assert_eq!(decode_request(&mut d, &wire), Ok(Some((wire.len(), args))));
    }

    /// A stream of commands cut anywhere decodes to the same commands.
    #[test]
    fn command_streams_in_pieces(
        commands in prop::collection::vec(argv(), 1..5),
        cuts in prop::collection::vec(any::<Index>(), 0..10),
    ) {
        let mut stream = Vec::new();
        for c in &commands {
            encode_command(c, &mut stream);
        }
        let cuts = cut_points(stream.len(), &cuts);
        prop_assert_eq!(decode_stream(&stream, &cuts), Ok(commands));
    }

    /// Inline requests, with plain and quoted words, decode to their words,
    /// whole or in pieces, as `split_args` splits them.
    #[test]
    fn inline_requests_round_trip(
        words in prop::collection::vec((prop::collection::vec(any::<u8>(), 0..12), any::<bool>()), 1..6),
        crlf in any::<bool>(),
        cuts in prop::collection::vec(any::<Index>(), 0..6),
    ) {
        let mut line = Vec::new();
        for (i, (word, plain)) in words.iter().enumerate() {
            if i > 0 {
                line.push(b' ');
            }
            line.extend_from_slice(&quote(word, *plain));
        }
        let expected: Vec<Vec<u8>> = words.into_iter().map(|(w, _)| w).collect();
        prop_assert_eq!(split_args(&line), Some(expected.clone()));
        let mut stream = line.clone();
        stream.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        let cuts = cut_points(stream.len(), &cuts);
        prop_assert_eq!(decode_stream(&stream, &cuts), Ok(vec![expected]));
    }

    /// Every strict prefix of a request is `Ok(None)`, for a fresh decoder
    /// and for one fed the growing prefixes; the whole gives the request.
    #[test]
    fn request_prefixes_wait(args in argv(), inline in any::<bool>()) {
        let mut wire = Vec::new();
        if inline {
            let words: Vec<Vec<u8>> = args.iter().map(|a| quote(a, true)).collect();
            wire = words.join(&b' ');
            wire.extend_from_slice(b"\r\n");
        } else {
            encode_command(&args, &mut wire);
        }
        let mut resumed = RequestDecoder::default();
        for end in 0..wire.len() {
            prop_assert_eq!(decode_request(&mut RequestDecoder::default(), &wire[..end]), Ok(None));
            prop_assert_eq!(decode_request(&mut resumed, &wire[..end]), Ok(None));
        }
        let whole = decode_request(&mut RequestDecoder::default(), &wire);
        prop_assert_eq!(decode_request(&mut resumed, &wire), whole.clone());
        prop_assert!(matches!(whole, Ok(Some((n, _))) if n == wire.len()));
    }

    /// Arbitrary bytes never panic, and feeding them in pieces gives what
    /// feeding them whole gives (the property the fuzz target checks).
    #[test]
    fn arbitrary_bytes_whole_or_in_pieces(
        stream in prop::collection::vec(prop_oneof![
            Just(b'*'), Just(b'$'), Just(b'\r'), Just(b'\n'), Just(b'"'), Just(b'\''),
            Just(b'\\'), Just(b' '), Just(0u8), Just(b'1'), Just(b'-'), any::<u8>(),
        ], 0..60),
        cuts in prop::collection::vec(any::<Index>(), 0..8),
    ) {
        let cuts = cut_points(stream.len(), &cuts);
        let whole = whole_results(&stream);
        prop_assert_eq!(piece_results(&stream, &cuts), whole);
    }
}

/// What a server would get from `stream` delivered in one piece: the
/// requests, then the error or the number of bytes still waiting.
fn whole_results(stream: &[u8]) -> StreamResults {
    piece_results(stream, &[])
}

fn piece_results(stream: &[u8], cuts: &[usize]) -> StreamResults {
    let mut ends: Vec<usize> = cuts.to_vec();
    ends.push(stream.len());
    ends.sort_unstable();
    let mut d = RequestDecoder::default();
    let mut requests = Vec::new();
    let mut start = 0;
    for end in ends {
        while start < end {
            match decode_request(&mut d, &stream[start..end]) {
                Ok(Some((n, args))) => {
                    requests.push(args);
                    start += n;
                }
                Ok(None) => break,
                Err(e) => return (requests, Err(e)),
            }
        }
    }
    (requests, Ok(stream.len() - start))
}

#[test]
fn hostile_headers_exact_texts() {
    let mut d = RequestDecoder::new(Limits::default());
    let cases: &[(&[u8], &str)] = &[
        (
            b"*2147483648\r\n",
            "Protocol error: invalid multibulk length",
        ),
        (b"*1\r\n$-2\r\n", "Protocol error: invalid bulk length"),
        (
            b"*1\r\n$99999999999\r\n",
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$536870913\r\n",
            "Protocol error: invalid bulk length",
        ),
        (b"*1\r\n:1\r\n", "Protocol error: expected '$', got ':'"),
        (b"\"a\r\n", "Protocol error: unbalanced quotes in request"),
    ];
    for &(wire, text) in cases {
        assert_eq!(
            decode_request(&mut d, wire),
            Err(text.to_owned()),
            "{wire:?}"
        );
    }
    d.set_authenticated(false);
    assert_eq!(
        decode_request(&mut d, b"*11\r\n"),
        Err("Protocol error: unauthenticated multibulk length".to_owned())
    );
    assert_eq!(
        decode_request(&mut d, b"*1\r\n$16385\r\n"),
        Err("Protocol error: unauthenticated bulk length".to_owned())
    );
    d.set_authenticated(true);
    d.set_limits(Limits {
        max_inline_len: 4,
        ..Limits::default()
    });
    assert_eq!(
        decode_request(&mut d, b"PINGX"),
        Err("Protocol error: too big inline request".to_owned())
    );
    assert_eq!(
        decode_request(&mut d, b"*11111"),
        Err("Protocol error: too big mbulk count string".to_owned())
    );
    assert_eq!(
        decode_request(&mut d, b"*1\r\n$11111"),
        Err("Protocol error: too big bulk count string".to_owned())
    );
}

/// Headers announcing huge counts or lengths allocate nothing big, whether
/// they are refused or awaited.
#[test]
fn hostile_headers_allocate_nothing_big() {
    let requests: &[&[u8]] = &[
        b"*2147483647\r\n",
        b"*99999999\r\n",
        b"*99999999\r\n$1\r\na\r\n$1\r\nb\r\n",
        b"*1\r\n$536870912\r\n",
        b"*1\r\n$536870912\r\nabc",
        b"*2147483648\r\n",
        b"*1\r\n$99999999999\r\n",
    ];
    for &wire in requests {
        let mut d = RequestDecoder::default();
        let mut argv = Vec::new();
        let largest = largest_allocation(|| {
            let _ = d.decode(wire, &mut argv);
        });
        assert!(largest < 1024, "{wire:?}: {largest} bytes");
    }
    let frames: &[&[u8]] = &[
        b"*2147483647\r\n",
        b"%2147483647\r\n",
        b"~2147483647\r\n:1\r\n",
        b"$536870912\r\n",
        b"=536870912\r\ntxt:",
    ];
    for &wire in frames {
        let largest = largest_allocation(|| {
            let _ = decode_frame(wire, &FrameLimits::default());
        });
        assert!(largest < 1024, "{wire:?}: {largest} bytes");
    }
}

// ---------------------------------------------------------------------------
// Frames.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Frame → encode → decode_frame gives the frame back, and the bytes of
    /// several frames in a row are read one frame at a time.
    #[test]
    fn frames_round_trip(frames in prop::collection::vec(frame(), 1..4)) {
        let mut stream = Vec::new();
        for f in &frames {
            f.encode(&mut stream);
        }
        let mut start = 0;
        for f in &frames {
            let got = decode_frame(&stream[start..], &FrameLimits::default());
            let Ok(Some((got, n))) = got else {
                return Err(TestCaseError::fail(format!("{got:?}")));
            };
            prop_assert_eq!(&got, f);
            // Decoding is canonical: the frame encodes to the same bytes.
            prop_assert_eq!(wire(&got), &stream[start..start + n]);
            start += n;
        }
        prop_assert_eq!(start, stream.len());
    }

    /// Every strict prefix of a frame is `Ok(None)`.
    #[test]
    fn frame_prefixes_wait(frame in frame()) {
        let buf = wire(&frame);
        for end in 0..buf.len() {
            prop_assert_eq!(decode_frame(&buf[..end], &FrameLimits::default()), Ok(None));
        }
    }

    /// Any reply, encoded for either protocol, reads back as the frame
    /// Redis would send.
    #[test]
    fn replies_decode_as_redis_sends_them(reply in reply()) {
        for protocol in [Protocol::Resp2, Protocol::Resp3] {
            prop_assert_eq!(decode_one(&encoded(&reply, protocol)), expected(&reply, protocol));
        }
    }

    /// Arbitrary bytes never panic the frame decoder.
    #[test]
    fn arbitrary_bytes_never_panic_frames(buf in prop::collection::vec(prop_oneof![
        Just(b'*'), Just(b'%'), Just(b'|'), Just(b'$'), Just(b'\r'), Just(b'\n'),
        Just(b'1'), Just(b'-'), Just(b'_'), Just(b':'), any::<u8>(),
    ], 0..60)) {
        let _ = decode_frame(&buf, &FrameLimits::default());
    }
}

/// Every `Reply` variant, in both protocols, decodes to the frame Redis
/// sends (written out by hand, which also checks `expected`).
#[test]
fn every_reply_variant_in_both_protocols() {
    use Protocol::{Resp2, Resp3};
    let b = |s: &str| Frame::Bulk(s.as_bytes().to_vec());
    let s = |s: &str| Frame::Simple(s.as_bytes().to_vec());
    let pair = || (Reply::Bulk(b"a".to_vec()), Reply::Double(1.5));
    let cases: Vec<(Reply, Frame, Frame)> = vec![
        (Reply::ok(), s("OK"), s("OK")),
        (Reply::Status("string".into()), s("string"), s("string")),
        (
            Reply::Error(Error::Syntax),
            Frame::Error(b"ERR syntax error".to_vec()),
            Frame::Error(b"ERR syntax error".to_vec()),
        ),
        (Reply::Integer(-3), Frame::Integer(-3), Frame::Integer(-3)),
        (Reply::Bulk(b"v".to_vec()), b("v"), b("v")),
        (Reply::Null, Frame::NullBulk, Frame::Null),
        (Reply::NullArray, Frame::NullArray, Frame::Null),
        (Reply::Double(1.5), b("1.5"), Frame::Double(1.5)),
        (
            Reply::Double(f64::INFINITY),
            b("inf"),
            Frame::Double(f64::INFINITY),
        ),
        (
            Reply::Double(f64::NEG_INFINITY),
            b("-inf"),
            Frame::Double(f64::NEG_INFINITY),
        ),
        (Reply::Bool(true), Frame::Integer(1), Frame::Boolean(true)),
        (Reply::Bool(false), Frame::Integer(0), Frame::Boolean(false)),
        (
            Reply::Array(vec![Reply::Null, Reply::Integer(1)]),
            Frame::Array(vec![Frame::NullBulk, Frame::Integer(1)]),
            Frame::Array(vec![Frame::Null, Frame::Integer(1)]),
        ),
        (
            Reply::Map(vec![pair()]),
            Frame::Array(vec![b("a"), b("1.5")]),
            Frame::Map(vec![(b("a"), Frame::Double(1.5))]),
        ),
        (
            Reply::Set(vec![Reply::Bulk(b"m".to_vec())]),
            Frame::Array(vec![b("m")]),
            Frame::Set(vec![b("m")]),
        ),
        (
            Reply::Pairs(vec![pair(), pair()]),
            Frame::Array(vec![b("a"), b("1.5"), b("a"), b("1.5")]),
            Frame::Array(vec![
                Frame::Array(vec![b("a"), Frame::Double(1.5)]),
                Frame::Array(vec![b("a"), Frame::Double(1.5)]),
            ]),
        ),
        (
            Reply::Verbatim("txt", b"hi".to_vec()),
            b("hi"),
            Frame::Verbatim {
                format: *b"txt",
                text: b"hi".to_vec(),
            },
        ),
        (
            Reply::Array(vec![]),
            Frame::Array(vec![]),
            Frame::Array(vec![]),
        ),
        (Reply::Map(vec![]), Frame::Array(vec![]), Frame::Map(vec![])),
    ];
    for (reply, resp2, resp3) in cases {
        assert_eq!(
            decode_one(&encoded(&reply, Resp2)),
            resp2,
            "{reply:?} in RESP2"
        );
        assert_eq!(
            decode_one(&encoded(&reply, Resp3)),
            resp3,
            "{reply:?} in RESP3"
        );
        assert_eq!(expected(&reply, Resp2), resp2, "{reply:?}");
        assert_eq!(expected(&reply, Resp3), resp3, "{reply:?}");
    }
}

/// A reply from a real command, through `Store::execute`.
#[test]
fn store_replies_decode() {
    let store = kvstore::Store::new();
    store.execute(&["ZADD", "z", "1.5", "a", "2", "b"]);
    let reply = store.execute(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]);
    assert_eq!(
        decode_one(&encoded(&reply, Protocol::Resp3)),
        expected(&reply, Protocol::Resp3)
    );
    assert_eq!(
        decode_one(&encoded(&reply, Protocol::Resp2)),
        expected(&reply, Protocol::Resp2)
    );
}

// ---------------------------------------------------------------------------
// split_args, against what redis-cli 7.0 does with the same lines.

#[test]
fn split_args_as_redis_cli() {
    let ok = |line: &[u8], words: &[&[u8]]| {
        let words: Vec<Vec<u8>> = words.iter().map(|w| w.to_vec()).collect();
        assert_eq!(split_args(line), Some(words), "{line:?}");
    };
    ok(br#"ECHO "a\x41\x4""#, &[b"ECHO", b"aAx4"]);
    ok(br#"ECHO a"b c""#, &[b"ECHO", b"ab c"]);
    ok(br"ECHO 'it\'s'", &[b"ECHO", b"it's"]);
    ok(br#"ECHO "\q\n\t""#, &[b"ECHO", b"q\n\t"]);
    ok(b"ECHO \x0bx\x0by", &[b"ECHO", b"x\x0by"]);
    ok(br#"SET "" ''"#, &[b"SET", b"", b""]);
    ok(b"", &[]);
    ok(b"   ", &[]);
    // redis-cli: "Invalid argument(s)".
    assert_eq!(split_args(br#"ECHO "a"b"#), None);
    assert_eq!(split_args(br"ECHO 'a'b"), None);
    assert_eq!(split_args(br#"ECHO "a"#), None);
    assert_eq!(split_args(br"ECHO 'a"), None);
}
