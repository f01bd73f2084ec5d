//! Hostile input through `Store::execute`: empty and unknown commands, every
//! command with random arguments (binary, huge, negative, 1 MB), extreme
//! offsets, size limits, and pathological glob patterns. Each must answer
//! with a Redis error or a correct reply, never panic, never hang.
//!
//! Expected error texts and glob answers below were recorded from a real
//! redis-server 7.0.15.

use std::time::Duration;

mod common;

use common::commands::{BLOCKING, COMMANDS};
use common::rng::Rng;
use common::watchdog::with_watchdog;
use kvstore::{Config, Error, Reply, ScanOptions, Store};

fn store() -> Store {
    Store::open(Config::builder().active_expire(false).build()).expect("open")
}

#[track_caller]
fn error_text(reply: Reply) -> String {
    match reply {
        Reply::Error(e) => e.to_string(),
        other => panic!("expected an error reply, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Exact error texts
// ---------------------------------------------------------------------------

#[test]
fn error_texts_match_redis_7_0() {
    let s = store();
    s.set("k", "v").unwrap();
    s.set("n", "9223372036854775807").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["GET"], "ERR wrong number of arguments for 'get' command"),
        (
            &["get", "a", "b"],
            "ERR wrong number of arguments for 'get' command",
        ),
        (
            &["SETNX"],
            "ERR wrong number of arguments for 'setnx' command",
        ),
        (
            &["TTL", "k", "extra"],
            "ERR wrong number of arguments for 'ttl' command",
        ),
        (
            &["MSET", "a"],
            "ERR wrong number of arguments for 'mset' command",
        ),
        (
            &["MSET", "a", "b", "c"],
            "ERR wrong number of arguments for 'mset' command",
        ),
        (
            &["MSETNX", "a", "b", "c"],
            "ERR wrong number of arguments for 'msetnx' command",
        ),
        (
            &["OBJECT", "ENCODING"],
            "ERR wrong number of arguments for 'object|encoding' command",
        ),
        (
            &["OBJECT", "foo"],
            "ERR unknown subcommand 'foo'. Try OBJECT HELP.",
        ),
        (
            &["foo", "a", "b"],
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' ",
        ),
        (
            &["foo"],
            "ERR unknown command 'foo', with args beginning with: ",
        ),
        (&["SET", "k", "v", "NX", "XX"], "ERR syntax error"),
        (
            &["SET", "k", "v", "KEEPTTL", "EX", "10"],
            "ERR syntax error",
        ),
        (&["SET", "k", "v", "EX"], "ERR syntax error"),
        (&["SET", "k", "v", "BOGUS"], "ERR syntax error"),
        (&["GETEX", "k", "PERSIST", "EX", "10"], "ERR syntax error"),
        (&["SCAN", "0", "COUNT", "0"], "ERR syntax error"),
        (&["SCAN", "0", "MATCH"], "ERR syntax error"),
        (&["FLUSHDB", "bogus"], "ERR syntax error"),
        (
            &["INCRBY", "k", "abc"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["INCR", "k"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["INCRBY", "k", "9223372036854775808"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["SETRANGE", "k", "9223372036854775808", "x"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["GETRANGE", "k", "0", "abc"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["COPY", "k", "k2", "DB", "x"],
            "ERR value is not an integer or out of range",
        ),
        (&["INCR", "n"], "ERR increment or decrement would overflow"),
        (
            &["DECRBY", "n", "-9223372036854775808"],
            "ERR decrement would overflow",
        ),
        (&["INCRBYFLOAT", "k", "1"], "ERR value is not a valid float"),
        (
            &["INCRBYFLOAT", "n", "abc"],
            "ERR value is not a valid float",
        ),
        (
            &["SET", "k", "v", "EX", "0"],
            "ERR invalid expire time in 'set' command",
        ),
        (
            &["SET", "k", "v", "EX", "9223372036854775807"],
            "ERR invalid expire time in 'set' command",
        ),
        (
            &["SET", "k", "v", "PX", "9223372036854775807"],
            "ERR invalid expire time in 'set' command",
        ),
        (
            &["GETEX", "k", "EX", "0"],
            "ERR invalid expire time in 'getex' command",
        ),
        (
            &["SETEX", "k", "0", "v"],
            "ERR invalid expire time in 'setex' command",
        ),
        (
            &["PSETEX", "k", "-5", "v"],
            "ERR invalid expire time in 'psetex' command",
        ),
        (
            &["EXPIRE", "k", "9223372036854775807"],
            "ERR invalid expire time in 'expire' command",
        ),
        (
            &["PEXPIRE", "k", "9223372036854775807"],
            "ERR invalid expire time in 'pexpire' command",
        ),
        (
            &["EXPIREAT", "k", "-9223372036854775808"],
            "ERR invalid expire time in 'expireat' command",
        ),
        (
            &["EXPIRE", "k", "10", "NX", "GT"],
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ),
        (
            &["EXPIRE", "k", "10", "GT", "LT"],
            "ERR GT and LT options at the same time are not compatible",
        ),
        (&["EXPIRE", "k", "10", "BAD"], "ERR Unsupported option BAD"),
        (&["SETRANGE", "k", "-1", "x"], "ERR offset is out of range"),
        (
            &["SETRANGE", "k", "536870911", "ab"],
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        ),
        (
            &["SETRANGE", "k", "9223372036854775807", "ab"],
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        ),
        (&["SCAN", "abc"], "ERR invalid cursor"),
        (&["SCAN", " 1"], "ERR invalid cursor"),
        (&["SCAN", "18446744073709551616"], "ERR invalid cursor"),
        (&["RENAME", "missing", "x"], "ERR no such key"),
        (&["RENAMENX", "missing", "x"], "ERR no such key"),
        (
            &["COPY", "k", "k"],
            "ERR source and destination objects are the same",
        ),
        (
            &["LCS", "k", "k", "IDX", "LEN"],
            "ERR If you want both the length and indexes, please just use IDX.",
        ),
    ];
    for (argv, text) in cases {
        assert_eq!(&error_text(s.execute(argv)), text, "{argv:?}");
    }
    // None of them changed anything.
    assert_eq!(s.get("k").unwrap(), Some(b"v".to_vec()));
    assert_eq!(s.ttl("k").unwrap(), -1);
    assert_eq!(s.dbsize(), 2);
}

#[test]
fn typed_errors_display_redis_texts() {
    let s = store();
    s.set("k", "v").unwrap();
    assert_eq!(
        s.incr("k").unwrap_err().to_string(),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        s.setrange("k", -1, "x").unwrap_err(),
        Error::OffsetOutOfRange
    );
    assert_eq!(
        s.setrange("k", 536_870_911, "ab").unwrap_err(),
        Error::StringTooLong
    );
    assert_eq!(
        s.setex("k", 0, "v").unwrap_err().to_string(),
        "ERR invalid expire time in 'setex' command"
    );
}

// ---------------------------------------------------------------------------
// Empty and unknown commands
// ---------------------------------------------------------------------------

#[test]
fn empty_argv_and_unknown_commands() {
    let s = store();
    let empty: [&[u8]; 0] = [];
    assert!(matches!(
        s.execute(&empty),
        Reply::Error(Error::UnknownCommand { .. })
    ));
    assert!(s.execute(&[""]).is_error());

    let huge_name = vec![b'G'; 1 << 20];
    let text = error_text(s.execute(&[&huge_name[..], b"a"]));
    let expected_name = "G".repeat(128);
    assert_eq!(
        text,
        format!("ERR unknown command '{expected_name}', with args beginning with: 'a' ")
    );

    // Binary names, names with line breaks (never allowed in an error
    // line), NUL bytes, names that extend real ones.
    for name in [
        &b"\xff\xfe"[..],
        b"\x00",
        b"GET\x00",
        b"GETX",
        b"G\r\nET",
        b"\r\n",
        b"getrangex",
        b"OBJECT|ENCODING",
        b"object|encoding",
    ] {
        let reply = s.execute(&[name, b"k"]);
        let text = error_text(reply);
        assert!(text.starts_with("ERR unknown command '"), "{text}");
        assert!(!text.contains('\r') && !text.contains('\n'), "{text:?}");
    }

    // Arguments of an unknown command are listed up to 128 bytes.
    let big_arg = vec![b'x'; 1 << 20];
    let text = error_text(s.execute(&[&b"nope"[..], &big_arg, b"next"]));
    assert!(text.len() < 300, "error text of {} bytes", text.len());
    assert!(!text.contains("next"));
    let text = error_text(s.execute(&[&b"nope"[..], b"a\r\nb", b"\xff"]));
    assert!(!text.contains('\r') && !text.contains('\n'), "{text:?}");
    // Command names are case-insensitive.
    assert_eq!(s.execute(&["gEt", "k"]), Reply::Null);
}

// ---------------------------------------------------------------------------
// Every command, random arguments
// ---------------------------------------------------------------------------

fn arity_ok(arity: i32, argc: usize) -> bool {
    let argc = argc as i32;
    if arity >= 0 {
        argc == arity
    } else {
        argc >= -arity
    }
}

/// A pool of nasty arguments, built once (the 1 MB ones are shared).
fn argument_pool() -> Vec<Vec<u8>> {
    let mut pool: Vec<Vec<u8>> = [
        // Keys that exist or interact.
        "k",
        "n",
        "f",
        "big",
        "e",
        "{t}a",
        "{t}b",
        "", // numbers
        "0",
        "1",
        "-1",
        "2",
        "10",
        "100",
        "-100",
        "536870911",
        "536870912",
        "4294967296",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999999",
        "1.5",
        "-0",
        "+1",
        " 1",
        "1 ",
        "0x10",
        "1e3",
        "inf",
        "-inf",
        "nan",
        "007", // options
        "NX",
        "XX",
        "GT",
        "LT",
        "GET",
        "EX",
        "PX",
        "EXAT",
        "PXAT",
        "KEEPTTL",
        "PERSIST",
        "REPLACE",
        "DB",
        "MATCH",
        "COUNT",
        "TYPE",
        "IDX",
        "LEN",
        "MINMATCHLEN",
        "WITHMATCHLEN",
        "ASYNC",
        "SYNC",
        "ENCODING",
        "HELP",
        "string",
        "*",
        "?",
        "[",
        "\\",
        "[^",
        "*a*a*a*a*a*a*a*a*a*a*a*a",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    pool.extend([
        b"\xff\xfe\x00".to_vec(),
        b"\x00".to_vec(),
        b"nx\x00junk".to_vec(),
        b"\r\n".to_vec(),
        vec![0x80; 17],
        "é".as_bytes().to_vec(),
    ]);
    pool
}

fn pick_arg<'a>(
    rng: &mut Rng,
    pool: &'a [Vec<u8>],
    big: &'a [u8],
    commands: &[(&'a str, i32)],
) -> &'a [u8] {
    match rng.index(100) {
        0 => big,
        1..=3 => commands[rng.index(commands.len())].0.as_bytes(),
        _ => &pool[rng.index(pool.len())],
    }
}

/// Replaces the timeout argument of a blocking command (if it has one) with
/// one that cannot block for long: random arguments would park the test
/// forever on `0`.
fn short_timeout(rng: &mut Rng, name: &str, argv: &mut [&[u8]]) {
    let at = match name {
        "blmpop" | "bzmpop" => 1,
        "brpoplpush" => 3,
        "blmove" => 5,
        _ => argv.len().saturating_sub(1), // BLPOP / BRPOP / BZPOP*: the last one
    };
    if at >= 1 && at < argv.len() {
        let timeouts: [&'static [u8]; 5] = [b"0.001", b"0.0001", b"-1", b"abc", b"1e-9"];
        argv[at] = timeouts[rng.index(timeouts.len())];
    }
}

/// Checks what a store must still look like after anything at all.
fn assert_consistent(s: &Store) {
    let keys = s.keys("*").expect("keys");
    let unique: std::collections::HashSet<&Vec<u8>> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "KEYS lists a key twice");
    for k in &keys {
        if s.key_type(k).expect("type") != Some(kvstore::ValueType::String) {
            continue;
        }
        let len = s.strlen(k).expect("strlen");
        let value = s.get(k).expect("get").expect("listed key exists");
        assert_eq!(value.len(), len);
        assert!(s.ttl(k).expect("ttl") >= -1);
    }
}

#[test]
fn every_command_with_random_arguments_answers() {
    with_watchdog("random arguments", Duration::from_secs(120), || {
        // A 4 MB limit keeps SETRANGE/APPEND with big offsets cheap.
        let s = Store::open(
            Config::builder()
                .active_expire(false)
                .max_string_len(4 << 20)
                .build(),
        )
        .expect("open");
        let pool = argument_pool();
        let big = vec![b'a'; 1 << 20];
        let mut rng = Rng::new(0x1234_5678_9abc_def1);
        let mut errors = 0usize;
        let mut calls = 0usize;
        for round in 0..60 {
            // Keep a few keys around so commands find something.
            if round % 10 == 0 {
                s.set("k", "hello").unwrap();
                s.set("n", "42").unwrap();
                s.set("f", "1.5").unwrap();
                s.set("e", "").unwrap();
                s.set("big", &big[..1000]).unwrap();
            }
            for &(name, arity) in COMMANDS {
                for nargs in 0..=6usize {
                    let mut argv: Vec<&[u8]> = vec![name.as_bytes()];
                    for _ in 0..nargs {
                        argv.push(pick_arg(&mut rng, &pool, &big, COMMANDS));
                    }
                    if name == "flushdb" && nargs == 0 && round % 7 != 0 {
                        continue;
                    }
                    if BLOCKING.contains(&name) {
                        short_timeout(&mut rng, name, &mut argv);
                    }
                    let reply = s.execute(&argv);
                    calls += 1;
                    if !arity_ok(arity, argv.len()) && name != "exec" {
                        assert_eq!(
                            reply,
                            Reply::Error(Error::WrongArity(name.to_owned())),
                            "{name} with {nargs} arguments"
                        );
                    }
                    if let Reply::Error(e) = &reply {
                        errors += 1;
                        let text = e.to_string();
                        // Redis's error codes: ERR, WRONGTYPE, and the ones of
                        // connection commands (AUTH, HELLO, EXEC).
                        let codes = ["ERR ", "WRONGTYPE ", "WRONGPASS ", "NOPROTO ", "EXECABORT "];
                        assert!(codes.iter().any(|c| text.starts_with(c)), "{text:?}");
                        assert!(!text.contains('\r') && !text.contains('\n'), "{text:?}");
                    }
                }
            }
        }
        assert!(calls > 10_000);
        assert!(errors > 0 && errors < calls);
        assert_consistent(&s);
    });
}

// ---------------------------------------------------------------------------
// Offsets and sizes
// ---------------------------------------------------------------------------

#[test]
fn setrange_and_getrange_at_the_limits() {
    with_watchdog("extreme offsets", Duration::from_secs(60), || {
        let s = store(); // default 512 MB limit
        s.set("k", "Hello World").unwrap();
        let too_long = Reply::Error(Error::StringTooLong);
        assert_eq!(s.execute(&["SETRANGE", "k", "536870911", "ab"]), too_long);
        assert_eq!(s.execute(&["SETRANGE", "new", "536870911", "ab"]), too_long);
        assert_eq!(
            s.execute(&["SETRANGE", "k", "9223372036854775807", "ab"]),
            too_long
        );
        assert_eq!(
            s.execute(&["SETRANGE", "k", "9223372036854775806", "ab"]),
            too_long
        );
        assert_eq!(s.setrange("k", i64::MAX, "x"), Err(Error::StringTooLong));
        assert_eq!(s.setrange("k", i64::MIN, "x"), Err(Error::OffsetOutOfRange));
        assert_eq!(
            s.execute(&["SETRANGE", "k", "-9223372036854775808", "x"]),
            Reply::Error(Error::OffsetOutOfRange)
        );
        // An empty value never grows anything, whatever the offset.
        assert_eq!(
            s.execute(&["SETRANGE", "k", "9223372036854775807", ""]),
            Reply::Integer(11)
        );
        assert_eq!(
            s.execute(&["SETRANGE", "new", "536870911", ""]),
            Reply::Integer(0)
        );
        assert_eq!(s.exists(["new"]).unwrap(), 0);
        assert_eq!(s.get("k").unwrap(), Some(b"Hello World".to_vec()));
        assert_eq!(s.dbsize(), 1);

        let whole = Reply::Bulk(b"Hello World".to_vec());
        let empty = Reply::Bulk(Vec::new());
        let cases: &[(&str, &str, &Reply)] = &[
            ("0", "9223372036854775807", &whole),
            ("-9223372036854775808", "9223372036854775807", &whole),
            ("-9223372036854775808", "-1", &whole),
            ("9223372036854775807", "9223372036854775807", &empty),
            ("9223372036854775807", "-9223372036854775808", &empty),
            ("-1", "-9223372036854775808", &empty),
            (
                "-9223372036854775808",
                "-9223372036854775808",
                &Reply::Bulk(b"H".to_vec()),
            ),
            ("5", "-9223372036854775808", &empty),
            ("-3", "9223372036854775807", &Reply::Bulk(b"rld".to_vec())),
        ];
        for (start, end, want) in cases {
            assert_eq!(
                &s.execute(&["GETRANGE", "k", start, end]),
                *want,
                "{start} {end}"
            );
            assert_eq!(
                &s.execute(&["SUBSTR", "k", start, end]),
                *want,
                "{start} {end}"
            );
        }
        assert_eq!(s.getrange("k", i64::MIN, i64::MAX).unwrap(), b"Hello World");
        assert_eq!(s.getrange("missing", i64::MIN, i64::MAX).unwrap(), b"");
        // A small offset past the end pads with zero bytes.
        assert_eq!(s.setrange("k", 20, "!").unwrap(), 21);
        let mut want = b"Hello World".to_vec();
        want.resize(20, 0);
        want.push(b'!');
        assert_eq!(s.get("k").unwrap(), Some(want));
    });
}

#[test]
fn size_limit_is_checked_before_writing() {
    let s = Store::open(
        Config::builder()
            .active_expire(false)
            .max_string_len(1024)
            .build(),
    )
    .expect("open");
    let base = vec![b'b'; 1000];
    s.set("k", &base).unwrap();
    let memory = s.used_memory();

    assert_eq!(s.append("k", vec![b'x'; 100]), Err(Error::StringTooLong));
    // A tail far beyond the limit fails the same way, without growing.
    let huge = vec![b'x'; 64 << 20];
    assert_eq!(s.append("k", &huge), Err(Error::StringTooLong));
    assert_eq!(
        s.execute(&[&b"APPEND"[..], b"k", &huge]),
        Reply::Error(Error::StringTooLong)
    );
    drop(huge);
    assert_eq!(s.used_memory(), memory, "a refused APPEND changed memory");
    assert_eq!(s.strlen("k").unwrap(), 1000);
    assert_eq!(s.get("k").unwrap(), Some(base.clone()));

    assert_eq!(
        s.append("k", vec![b'y'; 24]).unwrap(),
        1024,
        "exactly the limit"
    );
    assert_eq!(s.append("k", "z"), Err(Error::StringTooLong));
    assert_eq!(s.append("k", "").unwrap(), 1024);
    assert_eq!(s.setrange("k", 1020, "12345"), Err(Error::StringTooLong));
    assert_eq!(s.setrange("k", 1019, "12345").unwrap(), 1024);
    assert_eq!(s.setrange("other", 1024, "a"), Err(Error::StringTooLong));
    assert_eq!(s.append("new", vec![b'n'; 1025]), Err(Error::StringTooLong));
    assert_eq!(s.set("new", vec![b'n'; 1025]), Err(Error::StringTooLong));
    assert_eq!(
        s.mset([("new", vec![b'n'; 1025])]),
        Err(Error::StringTooLong)
    );
    assert_eq!(s.exists(["new", "other"]).unwrap(), 0);
    assert_eq!(s.strlen("k").unwrap(), 1024);
}

// ---------------------------------------------------------------------------
// Glob patterns
// ---------------------------------------------------------------------------

/// Reference matcher for patterns made only of `*`, `?` and literal bytes
/// (no `[` or `\`): a plain dynamic program, O(pattern × text).
fn simple_glob(pattern: &[u8], text: &[u8]) -> bool {
    assert!(!pattern.contains(&b'[') && !pattern.contains(&b'\\'));
    if text.is_empty() {
        // Redis's quirk: only the empty pattern matches the empty text.
        return pattern.is_empty();
    }
    // row[j]: pattern[..i] matches text[..j]
    let mut row = vec![false; text.len() + 1];
    row[0] = true;
    for &p in pattern {
        let mut next = vec![false; text.len() + 1];
        if p == b'*' {
            let mut any = false;
            for j in 0..=text.len() {
                any |= row[j];
                next[j] = any;
            }
        } else {
            for j in 1..=text.len() {
                next[j] = row[j - 1] && (p == b'?' || p == text[j - 1]);
            }
        }
        row = next;
    }
    row[text.len()]
}

fn all_keys_by_scan(s: &Store, pattern: &[u8]) -> Vec<Vec<u8>> {
    let mut cursor = 0;
    let mut keys = Vec::new();
    let options = ScanOptions::new().pattern(pattern).count(7);
    loop {
        let page = s.scan(cursor, &options).expect("scan");
        keys.extend(page.keys);
        cursor = page.cursor;
        if cursor == 0 {
            break;
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

#[test]
fn pathological_patterns_over_long_keys() {
    with_watchdog("pathological KEYS/SCAN", Duration::from_secs(60), || {
        let s = store();
        let mut keys: Vec<Vec<u8>> = vec![
            vec![b'a'; 10 * 1024],
            [vec![b'a'; 10 * 1024 - 1], vec![b'b']].concat(),
            [vec![b'b'; 10 * 1024 - 1], vec![b'a']].concat(),
            b"ab".repeat(5 * 1024),
            [b"a".repeat(59), b"b".repeat(10 * 1024)].concat(),
            [b"ba".repeat(60), vec![b'c'; 10 * 1024]].concat(),
            b"aaa".to_vec(),
            b"a".repeat(60),
            b"a".repeat(61),
        ];
        for (i, k) in keys.iter().enumerate() {
            s.set(k, i.to_string()).unwrap();
        }
        keys.sort();
        let star_a = |n: usize| b"*a".repeat(n);
        let patterns: Vec<Vec<u8>> = vec![
            star_a(60),
            [star_a(60), b"*".to_vec()].concat(),
            [star_a(60), b"*b".to_vec()].concat(),
            [star_a(60), b"*c".to_vec()].concat(),
            [star_a(30), b"?*b*".to_vec()].concat(),
            b"*".repeat(60),
            [b"*".repeat(60), b"b".to_vec()].concat(),
            [b"a*".repeat(60), b"b".to_vec()].concat(),
            b"*?".repeat(60),
            b"*a?*a?*a?*a?*a?*a?*a?*a?*a?*a?*x".to_vec(),
        ];
        for pattern in &patterns {
            let mut expected: Vec<Vec<u8>> = keys
                .iter()
                .filter(|k| simple_glob(pattern, k))
                .cloned()
                .collect();
            expected.sort();
            let shown = String::from_utf8_lossy(&pattern[..pattern.len().min(40)]).into_owned();

            let mut got = s.keys(pattern).unwrap();
            got.sort();
            assert_eq!(got.len(), expected.len(), "KEYS {shown}…");
            assert_eq!(got, expected, "KEYS {shown}…");

            let reply = s.execute(&[&b"KEYS"[..], pattern]);
            let Reply::Array(items) = reply else {
                panic!("KEYS replied {reply:?}")
            };
            assert_eq!(items.len(), expected.len(), "KEYS via execute {shown}…");

            assert_eq!(
                all_keys_by_scan(&s, pattern),
                expected,
                "SCAN MATCH {shown}…"
            );
        }
        // A sanity check of the reference itself.
        assert!(simple_glob(&star_a(60), &[b'a'; 60]));
        assert!(!simple_glob(&star_a(60), &[b'a'; 59]));
    });
}

#[test]
fn bracket_and_backslash_patterns_match_redis() {
    with_watchdog("bracket patterns", Duration::from_secs(60), || {
        let s = store();
        let keys: &[&[u8]] = &[
            b"a", b"b", b"]", b"\\", b"[", b"-", b"ab", b"a]", b"a\\", b"x", b"^", b"*", b"?",
            b"a-", b"b]",
        ];
        for k in keys {
            s.set(k, "1").unwrap();
        }
        // (pattern, keys Redis 7.0.15's KEYS returns)
        let all_single: &[&[u8]] = &[b"a", b"b", b"]", b"\\", b"[", b"-", b"x", b"^", b"*", b"?"];
        let cases: &[(&[u8], &[&[u8]])] = &[
            (b"[", &[]),
            (b"[a", &[b"a"]),
            (b"[]", &[]),
            (b"[^]", all_single),
            (b"[^", all_single),
            (b"[]]", &[]),
            (b"[a-]", &[b"a", b"^", b"]"]),
            (b"[a-", &[b"a", b"-"]),
            (b"[\\]]", &[b"]"]),
            (b"\\", &[b"\\"]),
            (b"a\\", &[b"a\\"]),
            (b"\\\\", &[b"\\"]),
            (b"[\\", &[b"\\"]),
            (b"[!a]", &[b"a"]),
            (b"a[", &[]),
            (b"[a-b]", &[b"a", b"b"]),
            (b"[b-a]", &[b"a", b"b"]),
            (
                b"[^a]",
                &[b"b", b"]", b"\\", b"[", b"-", b"x", b"^", b"*", b"?"],
            ),
            (b"\\*", &[b"*"]),
            (b"\\?", &[b"?"]),
            (b"*\\", &[b"a\\", b"\\"]),
            (b"[-]", &[b"-"]),
            (b"[--]", &[b"-", b"[", b"]", b"?", b"\\"]),
            (b"[]-]", &[]),
            (b"?\\]", &[b"a]", b"b]"]),
            (b"[a\\-z]", &[b"a", b"-"]),
            (b"a[]]", &[]),
            (b"[\\\\]", &[b"\\"]),
            (b"*]", &[b"a]", b"b]", b"]"]),
            (b"[[]", &[b"["]),
            (b"[^a-]", &[b"-", b"[", b"*", b"x", b"?", b"\\", b"b"]),
        ];
        for (pattern, want) in cases {
            let mut want: Vec<Vec<u8>> = want.iter().map(|k| k.to_vec()).collect();
            want.sort();
            let mut got = s.keys(pattern).unwrap();
            got.sort();
            let shown = String::from_utf8_lossy(pattern);
            assert_eq!(got, want, "KEYS {shown}");
            assert_eq!(all_keys_by_scan(&s, pattern), want, "SCAN MATCH {shown}");
        }
        // Patterns that are nothing but brackets and escapes, long.
        for pattern in [
            b"[".repeat(10_000),
            b"\\".repeat(10_001),
            b"[^".repeat(5_000),
            b"[a-".repeat(3_000),
            b"*[".repeat(5_000),
            b"*\\".repeat(5_000),
        ] {
            let got = s.keys(&pattern).unwrap();
            assert!(got.len() <= keys.len());
            let _ = all_keys_by_scan(&s, &pattern);
        }
    });
}
