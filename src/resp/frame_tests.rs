//! Unit tests of [`decode_frame`] and [`Frame::encode`].

use super::*;

fn decode(buf: &[u8]) -> Result<Option<(Frame, usize)>, String> {
    decode_frame(buf, &FrameLimits::default()).map_err(|e| e.to_string())
}

fn one(buf: &[u8]) -> Frame {
    match decode(buf) {
        Ok(Some((frame, n))) if n == buf.len() => frame,
        other => panic!("{buf:?}: {other:?}"),
    }
}

fn wire(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    frame.encode(&mut out);
    out
}

fn bytes(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

#[test]
fn every_type_both_ways() {
    let cases: Vec<(&[u8], Frame)> = vec![
        (b"+OK\r\n", Frame::Simple(bytes("OK"))),
        (b"+\r\n", Frame::Simple(vec![])),
        (b"-ERR no\r\n", Frame::Error(bytes("ERR no"))),
        (b":-42\r\n", Frame::Integer(-42)),
        (b":9223372036854775807\r\n", Frame::Integer(i64::MAX)),
        (b"$3\r\na\r\n\r\n", Frame::Bulk(bytes("a\r\n"))),
        (b"$0\r\n\r\n", Frame::Bulk(vec![])),
        (b"$-1\r\n", Frame::NullBulk),
        (b"*-1\r\n", Frame::NullArray),
        (b"*0\r\n", Frame::Array(vec![])),
        (b"_\r\n", Frame::Null),
        (b",1.5\r\n", Frame::Double(1.5)),
        (b",inf\r\n", Frame::Double(f64::INFINITY)),
        (b",-inf\r\n", Frame::Double(f64::NEG_INFINITY)),
        (b",nan\r\n", Frame::Double(f64::NAN)),
        (b",-0\r\n", Frame::Double(-0.0)),
        (b",1e+300\r\n", Frame::Double(1e300)),
        (b"#t\r\n", Frame::Boolean(true)),
        (b"#f\r\n", Frame::Boolean(false)),
        (
            b"(-123456789012345678901234567890\r\n",
            Frame::BigNumber(bytes("-123456789012345678901234567890")),
        ),
        (
            b"=8\r\ntxt:a\r\nb\r\n",
            Frame::Verbatim {
                format: *b"txt",
                text: bytes("a\r\nb"),
            },
        ),
        (
            b"%2\r\n+a\r\n:1\r\n$1\r\nb\r\n_\r\n",
            Frame::Map(vec![
                (Frame::Simple(bytes("a")), Frame::Integer(1)),
                (Frame::Bulk(bytes("b")), Frame::Null),
            ]),
        ),
        (
            b"~2\r\n:1\r\n#f\r\n",
            Frame::Set(vec![Frame::Integer(1), Frame::Boolean(false)]),
        ),
        (
            b"|1\r\n+ttl\r\n:3\r\n*1\r\n$-1\r\n",
            Frame::Attribute {
                attributes: vec![(Frame::Simple(bytes("ttl")), Frame::Integer(3))],
                frame: Box::new(Frame::Array(vec![Frame::NullBulk])),
            },
        ),
        (
            b">2\r\n$7\r\nmessage\r\n*-1\r\n",
            Frame::Push(vec![Frame::Bulk(bytes("message")), Frame::NullArray]),
        ),
        (b"!5\r\nERR x\r\n", Frame::BlobError(bytes("ERR x"))),
    ];
    for (text, frame) in cases {
        assert_eq!(one(text), frame, "{text:?}");
        let reencoded = wire(&frame);
        assert_eq!(one(&reencoded), frame, "{text:?}");
        if !text.starts_with(b",1e") {
            assert_eq!(reencoded, text);
        }
    }
}

#[test]
fn the_three_nulls_differ() {
    assert_ne!(Frame::NullBulk, Frame::NullArray);
    assert_ne!(Frame::NullBulk, Frame::Null);
    assert_ne!(Frame::Null, Frame::NullArray);
    assert_ne!(Frame::Bulk(vec![]), Frame::NullBulk);
    assert_eq!(Frame::Double(f64::NAN), Frame::Double(f64::NAN));
    assert_ne!(Frame::Double(1.0), Frame::Integer(1));
}

#[test]
fn frames_follow_each_other() {
    let buf = b":1\r\n+OK\r\n";
    assert_eq!(decode(buf), Ok(Some((Frame::Integer(1), 4))));
    assert_eq!(decode(&buf[4..]), Ok(Some((Frame::Simple(bytes("OK")), 5))));
}

#[test]
fn malformed_frames() {
    let cases: &[(&[u8], &str)] = &[
        (b"?\r\n", "Protocol error: invalid frame type byte"),
        (b"+OK\rX", "Protocol error: line not terminated by CRLF"),
        (b":1x\r\n", "Protocol error: invalid integer"),
        (b":01\r\n", "Protocol error: invalid integer"),
        (b":\r\n", "Protocol error: invalid integer"),
        (b",1.5x\r\n", "Protocol error: invalid double"),
        (b",\r\n", "Protocol error: invalid double"),
        (b"#x\r\n", "Protocol error: invalid boolean"),
        (b"_x\r\n", "Protocol error: invalid null"),
        (b"(12a\r\n", "Protocol error: invalid big number"),
        (b"(\r\n", "Protocol error: invalid big number"),
        (b"$-2\r\n", "Protocol error: invalid bulk length"),
        (b"$x\r\n", "Protocol error: invalid bulk length"),
        (b"!-1\r\n", "Protocol error: invalid bulk length"),
        (b"=-1\r\n", "Protocol error: invalid bulk length"),
        (
            b"$1\r\nab\r\n",
            "Protocol error: bulk not terminated by CRLF",
        ),
        (b"=3\r\ntxt\r\n", "Protocol error: invalid verbatim string"),
        (b"=4\r\ntxtx\r\n", "Protocol error: invalid verbatim string"),
        (b"*-2\r\n", "Protocol error: invalid multibulk length"),
        (b"%-1\r\n", "Protocol error: invalid multibulk length"),
        (b"~-1\r\n", "Protocol error: invalid multibulk length"),
        (b">-1\r\n", "Protocol error: invalid multibulk length"),
        (b"|-1\r\n", "Protocol error: invalid multibulk length"),
        (b"*1\r\n?", "Protocol error: invalid frame type byte"),
        // A number line longer than any number is rejected without its end.
        (
            b"$111111111111111111111",
            "Protocol error: invalid bulk length",
        ),
        (
            b"*111111111111111111111",
            "Protocol error: invalid multibulk length",
        ),
        (b":111111111111111111111", "Protocol error: line too long"),
    ];
    for &(text, message) in cases {
        assert_eq!(decode(text), Err(message.to_owned()), "{text:?}");
    }
    // 20 bytes may still be a number: wait.
    assert_eq!(decode(b"$11111111111111111111"), Ok(None));
}

#[test]
fn limits() {
    let limits = FrameLimits {
        max_bulk_len: 3,
        max_len: 2,
        max_depth: 2,
    };
    let d = |b: &[u8]| decode_frame(b, &limits).map_err(|e| e.to_string());
    assert!(matches!(d(b"$3\r\nabc\r\n"), Ok(Some(_))));
    assert_eq!(
        d(b"$4\r\n"),
        Err("Protocol error: bulk length over the limit".into())
    );
    assert_eq!(
        d(b"!4\r\n"),
        Err("Protocol error: bulk length over the limit".into())
    );
    assert_eq!(d(b"+abcd"), Err("Protocol error: line too long".into()));
    assert_eq!(d(b"+abc"), Ok(None));
    assert!(matches!(d(b"*2\r\n:1\r\n:2\r\n"), Ok(Some(_))));
    assert_eq!(
        d(b"*3\r\n"),
        Err("Protocol error: aggregate length over the limit".into())
    );
    assert_eq!(
        d(b"%3\r\n"),
        Err("Protocol error: aggregate length over the limit".into())
    );
    assert!(matches!(d(b"*1\r\n*1\r\n:1\r\n"), Ok(Some(_))));
    let too_deep = Err("Protocol error: nesting over the limit".to_owned());
    assert_eq!(d(b"*1\r\n*1\r\n*1\r\n"), too_deep);
    assert_eq!(d(b"*1\r\n*1\r\n|1\r\n"), too_deep);
    assert_eq!(d(b"*1\r\n|1\r\n"), Ok(None));
    // An attribute counts as a level, and so does what it annotates.
    assert_eq!(d(b"|1\r\n:1\r\n:1\r\n*1\r\n*1\r\n"), too_deep);
    assert!(matches!(d(b"|1\r\n:1\r\n:1\r\n*0\r\n"), Ok(Some(_))));
}

/// The default depth limit (1000) is reached, and refused one level
/// further, without exhausting a test thread's stack.
#[test]
fn default_depth() {
    let nested = |depth: usize| {
        let mut buf = b"*1\r\n".repeat(depth);
        buf.extend_from_slice(b":1\r\n");
        buf
    };
    let buf = nested(1000);
    let Ok(Some((frame, n))) = decode(&buf) else {
        panic!("1000 levels decode");
    };
    assert_eq!(n, buf.len());
    assert_eq!(wire(&frame), buf);
    assert_eq!(
        decode(&nested(1001)),
        Err("Protocol error: nesting over the limit".to_owned())
    );
    let chain = b"|1\r\n:1\r\n:1\r\n".repeat(1001);
    assert_eq!(
        decode(&chain),
        Err("Protocol error: nesting over the limit".to_owned())
    );
}

/// Every strict prefix of a valid frame is `Ok(None)`.
#[test]
fn strict_prefixes_wait() {
    let frame = Frame::Array(vec![
        Frame::Attribute {
            attributes: vec![(Frame::BigNumber(bytes("-1")), Frame::Double(2.5))],
            frame: Box::new(Frame::Verbatim {
                format: *b"mkd",
                text: bytes("# a"),
            }),
        },
        Frame::Map(vec![(Frame::Boolean(true), Frame::Set(vec![Frame::Null]))]),
        Frame::Push(vec![Frame::BlobError(bytes("E")), Frame::Error(bytes("E"))]),
        Frame::NullBulk,
        Frame::NullArray,
        Frame::Integer(-7),
        Frame::Simple(bytes("x")),
    ]);
    let buf = wire(&frame);
    for end in 0..buf.len() {
        assert_eq!(decode(&buf[..end]), Ok(None), "{end}");
    }
    assert_eq!(decode(&buf), Ok(Some((frame, buf.len()))));
}
