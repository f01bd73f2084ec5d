//! Unit tests of [`RequestDecoder`], checked against Redis 7.0.15 (each
//! expectation below is what a real `redis-server` answered).

use super::*;
use crate::resp::encode_command;

type Decoded = Result<Option<(usize, Vec<Vec<u8>>)>, String>;

/// Decodes one request with a fresh, authenticated decoder.
fn decode(buf: &[u8]) -> Decoded {
    decode_with(&mut RequestDecoder::default(), buf)
}

fn decode_with(d: &mut RequestDecoder, buf: &[u8]) -> Decoded {
    let mut argv = Vec::new();
    match d.decode(buf, &mut argv) {
        Ok(Some(n)) => {
            let args = match d.owned_args() {
                Some(owned) => {
                    assert!(argv.is_empty());
                    owned.to_vec()
                }
                None => argv.iter().map(|a| a.to_vec()).collect(),
            };
            Ok(Some((n, args)))
        }
        Ok(None) => {
            assert!(argv.is_empty(), "argv untouched on Ok(None)");
            Ok(None)
        }
        Err(e) => {
            assert!(argv.is_empty(), "argv untouched on Err");
            Err(e.to_string())
        }
    }
}

fn req(n: usize, args: &[&[u8]]) -> Decoded {
    Ok(Some((n, args.iter().map(|a| a.to_vec()).collect())))
}

fn err(text: &str) -> Decoded {
    Err(text.to_owned())
}

#[test]
fn multibulk_requests() {
    let wire = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    assert_eq!(decode(wire), req(wire.len(), &[b"GET", b"k"]));
    // Binary data, including CR, LF and NUL, goes by length.
    let wire = b"*1\r\n$5\r\na\r\n\0b\r\n";
    assert_eq!(decode(wire), req(wire.len(), &[b"a\r\n\0b"]));
    assert_eq!(decode(b"*1\r\n$0\r\n\r\n"), req(10, &[b""]));
    // Only the first request is read.
    let two = b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n";
    assert_eq!(decode(two), req(14, &[b"PING"]));
}

#[test]
fn empty_requests() {
    assert_eq!(decode(b"*0\r\n"), req(4, &[]));
    assert_eq!(decode(b"*-5\r\nPING\r\n"), req(5, &[]));
    assert_eq!(decode(b"*-1\r\n"), req(5, &[]));
    assert_eq!(decode(b"\r\n"), req(2, &[]));
    assert_eq!(decode(b"\n"), req(1, &[]));
    assert_eq!(decode(b"  \t\r\n"), req(5, &[]));
    assert_eq!(decode(b""), Ok(None));
}

#[test]
fn redis_leniencies() {
    // The byte after a header's CR is skipped unseen.
    let wire = b"*1\rX$4\r\nPING\r\n";
    assert_eq!(decode(wire), req(wire.len(), &[b"PING"]));
    // So are the two bytes after a bulk.
    let wire = b"*1\r\n$4\r\nPINGXY*1\r\n";
    assert_eq!(decode(wire), req(14, &[b"PING"]));
    // A CR or NUL inside a bulk is data.
    let wire = b"*1\r\n$4\r\n\0ING\r\n";
    assert_eq!(decode(wire), req(wire.len(), &[b"\0ING"]));
}

#[test]
fn nul_hides_the_end_of_a_line() {
    // Redis finds line ends with strchr, which stops at NUL: these wait.
    assert_eq!(decode(b"PING\0\r\n"), Ok(None));
    assert_eq!(decode(b"*1\0\r\n$4\r\nPING\r\n"), Ok(None));
    assert_eq!(decode(b"*1\r\n$\x004\r\nPING\r\n"), Ok(None));
    // Until the size limit speaks.
    let mut big = b"PING".to_vec();
    big.resize(65_540, 0);
    big.extend_from_slice(b"\r\n");
    assert_eq!(decode(&big), err("Protocol error: too big inline request"));
}

#[test]
fn count_errors() {
    let invalid = err("Protocol error: invalid multibulk length");
    for wire in [
        &b"*+1\r\n"[..],
        b"*01\r\n",
        b"*-0\r\n",
        b"*\r\n",
        b"* 1\r\n",
        b"*1 \r\n",
        b"*2147483648\r\n",
        b"*99999999999999999999\r\n",
        b"*1\n$4\r\n",
    ] {
        assert_eq!(decode(wire), invalid, "{wire:?}");
    }
    assert_eq!(decode(b"*2147483647\r\n"), Ok(None));
    let mut d = RequestDecoder::new(Limits {
        max_multibulk_len: 3,
        ..Limits::default()
    });
    assert_eq!(decode_with(&mut d, b"*4\r\n"), invalid);
    assert_eq!(decode_with(&mut d, b"*3\r\n"), Ok(None));
}

#[test]
fn bulk_header_errors() {
    let invalid = err("Protocol error: invalid bulk length");
    for wire in [
        &b"*1\r\n$-2\r\n"[..],
        b"*1\r\n$-1\r\n",
        b"*1\r\n$99999999999\r\n",
        b"*1\r\n$536870913\r\n",
        b"*1\r\n$\r\n",
        b"*1\r\n$+1\r\n",
        b"*1\r\n$01\r\n",
    ] {
        assert_eq!(decode(wire), invalid, "{wire:?}");
    }
    assert_eq!(decode(b"*1\r\n$536870912\r\n"), Ok(None));
    assert_eq!(
        decode(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n"),
        err("Protocol error: expected '$', got 'f'")
    );
    assert_eq!(
        decode(b"*1\r\n\r$4\r\nPING\r\n"),
        err("Protocol error: expected '$', got ' '")
    );
    assert_eq!(
        decode(b"*1\r\n\n$4\r\nPING\r\n"),
        err("Protocol error: expected '$', got ' '")
    );
    // A header without its CR yet is awaited, whatever its first byte.
    assert_eq!(decode(b"*1\r\nX"), Ok(None));
}

#[test]
fn line_size_limits() {
    const K: usize = 64 * 1024;
    let a = |n: usize| vec![b'A'; n];
    assert_eq!(decode(&a(K)), Ok(None));
    assert_eq!(
        decode(&a(K + 1)),
        err("Protocol error: too big inline request")
    );
    let count = |n: usize| [&b"*"[..], &vec![b'1'; n]].concat();
    assert_eq!(decode(&count(K - 1)), Ok(None));
    assert_eq!(
        decode(&count(K)),
        err("Protocol error: too big mbulk count string")
    );
    let bulk = |n: usize| [&b"*1\r\n$"[..], &vec![b'1'; n]].concat();
    assert_eq!(decode(&bulk(K - 1)), Ok(None));
    assert_eq!(
        decode(&bulk(K)),
        err("Protocol error: too big bulk count string")
    );
    // A line that has its end is read whatever its length.
    let mut long = a(K + 10);
    long.push(b'\n');
    assert_eq!(decode(&long), req(K + 11, &[&a(K + 10)]));
}

#[test]
fn unauthenticated_limits() {
    let mut d = RequestDecoder::default();
    d.set_authenticated(false);
    assert_eq!(
        decode_with(&mut d, b"*11\r\n"),
        err("Protocol error: unauthenticated multibulk length")
    );
    assert_eq!(
        decode_with(&mut d, b"*10\r\n$16385\r\n"),
        err("Protocol error: unauthenticated bulk length")
    );
    assert_eq!(decode_with(&mut d, b"*10\r\n$16384\r\n"), Ok(None));
    let mut d = RequestDecoder::default();
    d.set_authenticated(false);
    // Invalid comes before unauthenticated; empty requests pass.
    assert_eq!(
        decode_with(&mut d, b"*2147483648\r\n"),
        err("Protocol error: invalid multibulk length")
    );
    assert_eq!(decode_with(&mut d, b"*-20\r\n"), req(6, &[]));
    assert_eq!(
        decode_with(&mut d, b"*1\r\n$-1\r\n"),
        err("Protocol error: invalid bulk length")
    );
    // Inline requests have no argument limit.
    let line = b"PING a b c d e f g h i j k l m n\r\n";
    assert!(matches!(decode_with(&mut d, line), Ok(Some((_, args))) if args.len() == 15));
    d.set_authenticated(true);
    assert_eq!(decode_with(&mut d, b"*11\r\n"), Ok(None));
}

#[test]
fn inline_requests() {
    assert_eq!(decode(b"GET k\r\n"), req(7, &[b"GET", b"k"]));
    assert_eq!(decode(b"GET k\n"), req(6, &[b"GET", b"k"]));
    assert_eq!(decode(b"GET k\r\r\n"), req(8, &[b"GET", b"k"]));
    assert_eq!(decode(b"\x0b\x0cPING\r\n"), req(8, &[b"PING"]));
    assert_eq!(decode(b"ECHO a\x0bb\r\n"), req(10, &[b"ECHO", b"a\x0bb"]));
    assert_eq!(decode(b"ECHO \"x\"\x0b\r\n"), req(11, &[b"ECHO", b"x"]));
    assert_eq!(
        decode(b"ECHO \"a b\" 'c'\n"),
        req(15, &[b"ECHO", b"a b", b"c"])
    );
    assert_eq!(decode(b"GET k"), Ok(None));
    let unbalanced = err("Protocol error: unbalanced quotes in request");
    assert_eq!(decode(b"ECHO \"a\"b\r\n"), unbalanced);
    assert_eq!(decode(b"ECHO \"abc\r\n"), unbalanced);
    assert_eq!(decode(b"ECHO \"a\\\"\r\n"), unbalanced);
}

#[test]
fn inline_words_needing_copies() {
    let cases: &[(&[u8], &[&[u8]])] = &[
        (b"ECHO \"a\\x41\\x4\"\r\n", &[b"ECHO", b"aAx4"]),
        (b"ECHO a\"b c\"\r\n", &[b"ECHO", b"ab c"]),
        (b"ECHO 'it\\'s'\r\n", &[b"ECHO", b"it's"]),
        (b"ECHO \"\\q\\n\"\r\n", &[b"ECHO", b"q\n"]),
    ];
    let mut d = RequestDecoder::default();
    for &(wire, args) in cases {
        let mut argv = Vec::new();
        assert_eq!(d.decode(wire, &mut argv), Ok(Some(wire.len())));
        assert!(argv.is_empty());
        let owned: Vec<&[u8]> = d
            .owned_args()
            .unwrap_or_default()
            .iter()
            .map(Vec::as_slice)
            .collect();
        assert_eq!(owned, args, "{wire:?}");
    }
    // The copies are gone after the next call, whatever it returns.
    assert_eq!(d.decode(b"PI", &mut Vec::new()), Ok(None));
    assert_eq!(d.owned_args(), None);
}

#[test]
fn argv_is_appended_to() {
    let mut d = RequestDecoder::default();
    let mut argv: Vec<&[u8]> = vec![b"keep"];
    assert_eq!(d.decode(b"*1\r\n$1\r\na\r\n", &mut argv), Ok(Some(11)));
    assert_eq!(argv, [&b"keep"[..], b"a"]);
    assert_eq!(d.decode(b"*2\r\n$1\r\na\r\n", &mut argv), Ok(None));
    assert_eq!(argv, [&b"keep"[..], b"a"]);
    assert!(d.decode(b"*2\r\n$1\r\na\r\nX\r\n", &mut argv).is_err());
    assert_eq!(argv, [&b"keep"[..], b"a"]);
}

/// Every strict prefix of a stream of requests is `Ok(None)`, fed to a
/// fresh decoder or to one that saw the shorter prefixes.
#[test]
fn strict_prefixes_wait() {
    let mut stream = Vec::new();
    encode_command(&["SET", "key", "a\r\nb"], &mut stream);
    stream.extend_from_slice(b"ECHO \"x\\ty\" 'z'\r\n*0\r\n\r\n");
    encode_command(&[""; 3], &mut stream);
    let mut d = RequestDecoder::default();
    let mut start = 0;
    while start < stream.len() {
        let rest = &stream[start..];
        let mut whole = RequestDecoder::default();
        let Ok(Some((n, _))) = decode_with(&mut whole, rest) else {
            panic!("a request at {start}");
        };
        for end in 0..n {
            assert_eq!(decode(&rest[..end]), Ok(None), "fresh, {start}+{end}");
            assert_eq!(
                decode_with(&mut d, &rest[..end]),
                Ok(None),
                "resumed, {start}+{end}"
            );
        }
        assert_eq!(decode_with(&mut d, rest), decode_with(&mut whole, rest));
        start += n;
    }
}

/// A request fed one byte at a time is read in time linear in its size:
/// the bytes examined while looking for line ends stay under twice its size.
#[test]
fn byte_by_byte_is_linear() {
    let args: Vec<Vec<u8>> = (0..100_000).map(|i| format!("{i}").into_bytes()).collect();
    let mut wire = Vec::new();
    encode_command(&args, &mut wire);
    let mut d = RequestDecoder::default();
    let mut argv = Vec::new();
    for end in 0..wire.len() {
        assert_eq!(d.decode(&wire[..end], &mut argv), Ok(None));
    }
    assert_eq!(d.decode(&wire, &mut argv), Ok(Some(wire.len())));
    assert_eq!(argv.len(), args.len());
    assert!(argv.iter().zip(&args).all(|(a, b)| a == b));
    // Read whole, each header byte is looked at once; fed byte by byte, a
    // header's first bytes may be looked at once more (the one-pass reading
    // tried first), and a CR once per call while the byte after it is
    // awaited.
    let mut whole = RequestDecoder::default();
    assert_eq!(whole.decode(&wire, &mut Vec::new()), Ok(Some(wire.len())));
    assert!(whole.examined > wire.len() / 8);
    assert!(
        d.examined <= 2 * whole.examined + wire.len(),
        "{} bytes examined byte by byte, {} whole, for {}",
        d.examined,
        whole.examined,
        wire.len()
    );
    // And the ranges of a huge request are not kept afterwards.
    assert_eq!(d.ranges.capacity(), 0);
}

/// Headers announcing huge sizes allocate nothing: the decoder's state
/// stays as small as when it was created.
#[test]
fn hostile_headers_allocate_nothing() {
    let mut d = RequestDecoder::default();
    for wire in [
        &b"*1\r\n$536870912\r\n"[..],
        b"*99999999\r\n",
        b"*2147483647\r\n$536870912\r\nabc",
    ] {
        let mut argv = Vec::new();
        assert_eq!(d.decode(wire, &mut argv), Ok(None));
        assert_eq!(argv.capacity(), 0);
        assert_eq!(d.ranges.capacity(), 0);
        assert_eq!(d.owned.capacity(), 0);
        d.reset();
    }
    assert!(d.decode(b"*2147483648\r\n", &mut Vec::new()).is_err());
    assert!(
        d.decode(b"*1\r\n$99999999999\r\n", &mut Vec::new())
            .is_err()
    );
}

#[test]
fn a_shorter_buffer_does_not_panic() {
    let mut d = RequestDecoder::default();
    assert_eq!(
        d.decode(b"*2\r\n$3\r\nGET\r\n$1", &mut Vec::new()),
        Ok(None)
    );
    // Contract broken: the decoder starts over instead of reading past the end.
    assert_eq!(decode_with(&mut d, b"*1\r\n"), Ok(None));
    let mut d = RequestDecoder::default();
    assert_eq!(
        d.decode(b"*2\r\n$3\r\nGET\r\n$1", &mut Vec::new()),
        Ok(None)
    );
    assert_eq!(decode_with(&mut d, b"PING\r\n"), req(6, &[b"PING"]));
}
