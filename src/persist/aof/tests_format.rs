//! Tests of the formats: the manifest, the command reader, base files,
//! and bytes pinned so a format change cannot go unnoticed.

use std::sync::Arc;

use super::manifest::{self, Entry, FileKind, Manifest, Sum};
use super::parse::{CommandReader, Item, ReadError};
use super::tests::{Argv, fresh, log_dir, open, options, replay_all, s, std_fs};
use super::*;
use crate::clock::ManualClock;
use crate::persist::fs::Fs;
use crate::persist::{DumpValue, HashField};

#[test]
fn manifest_round_trips_and_refuses_bad_lines_with_their_number() {
    let m = Manifest {
        base: Some(Entry {
            name: "appendonly.aof.3.base.aof".into(),
            seq: 3,
            kind: FileKind::Base,
            sum: Some(Sum {
                size: 10,
                crc: 0x0a1b_2c3d,
            }),
        }),
        history: vec![],
        incrs: vec![
            Entry {
                name: "odd name \"q\".7.incr.aof".into(),
                seq: 7,
                kind: FileKind::Incr,
                sum: Some(Sum { size: 0, crc: 0 }),
            },
            Entry {
                name: "x.8.incr.aof".into(),
                seq: 8,
                kind: FileKind::Incr,
                sum: None,
            },
        ],
    };
    let text = m.to_bytes();
    assert!(
        String::from_utf8_lossy(&text)
            .starts_with("file appendonly.aof.3.base.aof seq 3 type b size 10 crc32 0a1b2c3d\n")
    );
    assert_eq!(Manifest::parse(&text, "m").expect("parse"), m);
    assert_eq!(m.open_incr().map(|e| e.seq), Some(8));
    // What Redis 7.0 writes loads too (no sums; comments skipped).
    let redis = b"# comment\nfile appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n";
    let parsed = Manifest::parse(redis, "m").expect("redis manifest");
    assert_eq!(parsed.files().count(), 2);
    for (bad, line, why) in [
        (
            &b"file a seq 1 type b\nfile b seq 1 type x\n"[..],
            2,
            "unknown file type",
        ),
        (b"file a seq 1 type\n", 1, "pairs"),
        (b"file a seq 0 type i\n", 1, "positive"),
        (
            b"file a seq 1 type b\nfile c seq 2 type b\n",
            2,
            "second base",
        ),
        (b"file a seq 2 type i\nfile c seq 2 type i\n", 2, "sequence"),
        (b"file a seq 1 type i size 3\n", 1, "together"),
        (b"file a seq 1 type i size 3 crc32 zz\n", 1, "hex"),
        (b"file ../a seq 1 type i\n", 1, "plain file name"),
        (
            b"file a seq 1 type b\n\nfile c seq 1 type i\n",
            2,
            "empty line",
        ),
        (b"file \"a seq 1 type b\n", 1, "quotes"),
    ] {
        let err = Manifest::parse(bad, "m")
            .expect_err("bad manifest")
            .to_string();
        assert!(err.contains(&format!("line {line}:")), "{err}");
        assert!(err.contains(why), "{err}");
    }
    assert!(Manifest::parse(b"", "m").is_err());
}

fn items(bytes: &[u8]) -> Vec<std::result::Result<Item, String>> {
    let mut reader = CommandReader::new(bytes);
    let mut out = Vec::new();
    loop {
        match reader.next_item() {
            Ok(Item::End) => return out,
            Ok(item @ Item::Torn { .. }) => {
                out.push(Ok(item));
                return out;
            }
            Ok(item) => out.push(Ok(item)),
            Err(ReadError::Malformed { offset, what }) => {
                out.push(Err(format!("{offset}: {what}")));
                return out;
            }
            Err(ReadError::Io(e)) => panic!("{e}"),
        }
    }
}

#[test]
fn reader_finds_commands_torn_tails_and_bad_bytes_with_offsets() {
    let cmd = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    let got = items(cmd);
    assert_eq!(
        got,
        vec![Ok(Item::Command {
            argv: s(&["GET", "k"]),
            start: 0,
            end: 20
        })]
    );
    // Every strict prefix is torn at 0.
    for cut in 1..cmd.len() {
        assert_eq!(
            items(&cmd[..cut]),
            vec![Ok(Item::Torn { start: 0 })],
            "cut {cut}"
        );
    }
    let mut two = cmd.to_vec();
    two.extend_from_slice(b"*1\r\n$4\r\nPI");
    assert_eq!(items(&two).last(), Some(&Ok(Item::Torn { start: 20 })));
    // A NUL tail (a crash after the file grew) is torn, not corrupt.
    let mut zeros = cmd.to_vec();
    zeros.extend_from_slice(&[0; 300]);
    assert_eq!(items(&zeros).last(), Some(&Ok(Item::Torn { start: 20 })));
    let mut zeros_mid = b"*2\r\n$3\r\nGET\r\n$1".to_vec();
    zeros_mid.extend_from_slice(&[0; 5]);
    assert_eq!(items(&zeros_mid), vec![Ok(Item::Torn { start: 0 })]);
    // Bad bytes are errors at their offset, whatever follows.
    let mut bad = cmd.to_vec();
    bad.extend_from_slice(b"*1\r\n#4\r\nPING\r\n");
    assert_eq!(
        items(&bad).last(),
        Some(&Err("24: '$' (a bulk string)".into()))
    );
    let mut nul_then_data = cmd.to_vec();
    nul_then_data.extend_from_slice(b"\0\0*1\r\n");
    assert_eq!(
        items(&nul_then_data).last(),
        Some(&Err("20: '*' (a command)".into()))
    );
    assert_eq!(
        items(b"*0\r\n"),
        vec![Err("0: a command with arguments".into())]
    );
    assert_eq!(
        items(b"*1\r\n$3\r\nabcd\r\n"),
        vec![Err("11: CRLF after a bulk string".into())]
    );
    assert_eq!(items(b"*1x\r\n"), vec![Err("2: an argument count".into())]);
    assert_eq!(items(b"*\r\n"), vec![Err("1: an argument count".into())]);
    // Limits are checked before anything is allocated.
    assert_eq!(
        items(b"*1\r\n$536870913\r\n"),
        vec![Err("4: a count or length over the limit".into())]
    );
    assert_eq!(
        items(b"*2147483648\r\n"),
        vec![Err("0: a count or length over the limit".into())]
    );
    assert!(matches!(
        items(b"*1\r\n$99999999999999999999999999\r\n").last(),
        Some(Err(_))
    ));
    // A huge announced bulk that never arrives is only a torn tail.
    assert_eq!(
        items(b"*1\r\n$536870912\r\nab"),
        vec![Ok(Item::Torn { start: 0 })]
    );
}

#[test]
fn base_files_rebuild_every_kind_of_key_in_chunks() {
    let now = 1_000_000;
    let many: Vec<Vec<u8>> = (0..130).map(|i| format!("m{i}").into_bytes()).collect();
    let dumps = vec![
        KeyDump {
            key: b"s".to_vec(),
            expire_at_ms: Some(now + 5),
            value: DumpValue::String(b"v\r\n".to_vec()),
        },
        KeyDump {
            key: b"gone".to_vec(),
            expire_at_ms: Some(now - 1),
            value: DumpValue::String(b"x".to_vec()),
        },
        KeyDump {
            key: b"l".to_vec(),
            expire_at_ms: None,
            value: DumpValue::List(many.clone()),
        },
        KeyDump {
            key: b"empty".to_vec(),
            expire_at_ms: Some(now + 9),
            value: DumpValue::Set(vec![]),
        },
        KeyDump {
            key: b"z".to_vec(),
            expire_at_ms: None,
            value: DumpValue::ZSet(vec![
                (b"a".to_vec(), f64::NEG_INFINITY),
                (b"b".to_vec(), -0.0),
                (b"c".to_vec(), 0.1),
                (b"d".to_vec(), 1e-300),
                (b"e".to_vec(), f64::INFINITY),
            ]),
        },
        KeyDump {
            key: b"h".to_vec(),
            expire_at_ms: None,
            value: DumpValue::Hash(vec![
                HashField {
                    field: b"f1".to_vec(),
                    value: b"1".to_vec(),
                    expire_at_ms: Some(now + 7),
                },
                HashField {
                    field: b"f2".to_vec(),
                    value: b"2".to_vec(),
                    expire_at_ms: None,
                },
                HashField {
                    field: b"f3".to_vec(),
                    value: b"3".to_vec(),
                    expire_at_ms: Some(now + 7),
                },
                HashField {
                    field: b"f4".to_vec(),
                    value: b"4".to_vec(),
                    expire_at_ms: Some(now - 7),
                },
            ]),
        },
    ];
    let mut out = Vec::new();
    for d in &dumps {
        rewrite::emit_key(d, now, &mut out);
    }
    let got: Vec<Argv> = items(&out)
        .into_iter()
        .map(|i| match i {
            Ok(Item::Command { argv, .. }) => argv,
            other => panic!("{other:?}"),
        })
        .collect();
    let at = |d: i64| (now + d).to_string();
    let mut expected = vec![
        vec![b"SET".to_vec(), b"s".to_vec(), b"v\r\n".to_vec()],
        s(&["PEXPIREAT", "s", &at(5)]),
    ];
    for chunk in many.chunks(64) {
        let mut argv = s(&["RPUSH", "l"]);
        argv.extend(chunk.iter().cloned());
        expected.push(argv);
    }
    expected.push(s(&[
        "ZADD",
        "z",
        "-inf",
        "a",
        "-0",
        "b",
        "0.10000000000000001",
        "c",
        "1e-300",
        "d",
        "inf",
        "e",
    ]));
    expected.push(s(&["HSET", "h", "f1", "1", "f2", "2", "f3", "3"]));
    expected.push(s(&["HPEXPIREAT", "h", &at(7), "FIELDS", "2", "f1", "f3"]));
    assert_eq!(got, expected);
    assert_eq!(expected[2].len(), 66);
    // Scores read back exactly.
    for (text, score) in [("0.10000000000000001", 0.1), ("1e-300", 1e-300)] {
        assert_eq!(text.parse::<f64>().expect("f64"), score);
    }
}

#[test]
fn files_for_manifest_names_quote_odd_prefixes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs = std_fs();
    let options = options().file_name("my log").dir_name("d");
    let log = fresh(&fs, tmp.path(), options.clone());
    log.record(&[b"SET", b"a", b"1"]);
    log.sync().expect("sync");
    drop(log);
    let text =
        std::fs::read_to_string(tmp.path().join("d").join("my log.manifest")).expect("manifest");
    assert!(
        text.contains("file \"my log.1.base.aof\" seq 1 type b size 0 crc32 00000000\n"),
        "{text}"
    );
    let log = open(&fs, tmp.path(), options).expect("reopen");
    assert_eq!(
        replay_all(&log).expect("replay").0,
        vec![s(&["SET", "a", "1"])]
    );
    let _ = manifest::base_name("x", 1);
}

/// What this version writes, byte for byte (CRC computed independently,
/// with zlib's `crc32`): a format change must be deliberate.
#[test]
fn the_bytes_of_a_log_are_pinned() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs = std_fs();
    let now = 1_700_000_000_000;
    let clock = ManualClock::new(now);
    let log =
        AppendLog::open(Arc::clone(&fs), tmp.path(), options(), Arc::new(clock)).expect("open");
    log.begin_checkpoint().expect("begin");
    let dumps = vec![
        KeyDump {
            key: b"k".to_vec(),
            expire_at_ms: Some(now + 60_000),
            value: DumpValue::String(b"v".to_vec()),
        },
        KeyDump {
            key: b"l".to_vec(),
            expire_at_ms: None,
            value: DumpValue::List(vec![b"a".to_vec(), b"b".to_vec()]),
        },
        KeyDump {
            key: b"h".to_vec(),
            expire_at_ms: None,
            value: DumpValue::Hash(vec![HashField {
                field: b"f".to_vec(),
                value: b"1".to_vec(),
                expire_at_ms: Some(now + 1000),
            }]),
        },
        KeyDump {
            key: b"z".to_vec(),
            expire_at_ms: None,
            value: DumpValue::ZSet(vec![(b"m".to_vec(), 1.5)]),
        },
        KeyDump {
            key: b"s".to_vec(),
            expire_at_ms: None,
            value: DumpValue::Set(vec![b"x".to_vec()]),
        },
    ];
    log.checkpoint(&mut dumps.into_iter()).expect("checkpoint");
    log.record(&[b"SET", b"a", b"1"]);
    log.record_transaction(&[
        vec![b"INCR".to_vec(), b"n".to_vec()],
        vec![b"DEL".to_vec(), b"a".to_vec()],
    ]);
    log.sync().expect("sync");
    drop(log);
    let dir = log_dir(tmp.path());
    let read = |name: &str| std::fs::read(dir.join(name)).expect("read");
    assert_eq!(
        String::from_utf8(read("appendonly.aof.manifest")).expect("utf8"),
        "file appendonly.aof.1.base.aof seq 1 type b size 283 crc32 1c7f3a53\n\
         file appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    assert_eq!(
        read("appendonly.aof.1.base.aof"),
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n\
          *3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1700000060000\r\n\
          *4\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\na\r\n$1\r\nb\r\n\
          *4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$1\r\n1\r\n\
          *6\r\n$10\r\nHPEXPIREAT\r\n$1\r\nh\r\n$13\r\n1700000001000\r\n$6\r\nFIELDS\r\n$1\r\n1\r\n$1\r\nf\r\n\
          *4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\n1.5\r\n$1\r\nm\r\n\
          *3\r\n$4\r\nSADD\r\n$1\r\ns\r\n$1\r\nx\r\n"
    );
    assert_eq!(
        read("appendonly.aof.1.incr.aof"),
        b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n\
          *1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n*1\r\n$4\r\nEXEC\r\n"
    );
}

/// A directory as Redis 7.0 leaves it (no sums, a history line, a torn
/// last file) loads; the first rewrite replaces it with checked files.
#[test]
fn a_log_written_by_redis_loads_and_is_taken_over() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = log_dir(tmp.path());
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("appendonly.aof.manifest"),
        "file appendonly.aof.1.base.aof seq 1 type b\n\
         file appendonly.aof.1.incr.aof seq 1 type h\n\
         file appendonly.aof.2.incr.aof seq 2 type i\n\
         file appendonly.aof.3.incr.aof seq 3 type i\n",
    )
    .expect("w");
    std::fs::write(
        dir.join("appendonly.aof.1.base.aof"),
        "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n",
    )
    .expect("w");
    std::fs::write(dir.join("appendonly.aof.1.incr.aof"), "stale").expect("w");
    std::fs::write(
        dir.join("appendonly.aof.2.incr.aof"),
        "*2\r\n$3\r\nDEL\r\n$1\r\na\r\n",
    )
    .expect("w");
    std::fs::write(
        dir.join("appendonly.aof.3.incr.aof"),
        "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n*1\r\n$4\r\nPI",
    )
    .expect("w");
    let fs = std_fs();
    let log = open(&fs, tmp.path(), options()).expect("open");
    let (commands, stats) = replay_all(&log).expect("replay");
    assert_eq!(
        commands,
        vec![
            s(&["SET", "a", "1"]),
            s(&["DEL", "a"]),
            s(&["SET", "b", "2"])
        ]
    );
    assert_eq!(stats.warnings.len(), 1);
    assert!(
        stats.warnings[0].contains("appendonly.aof.3.incr.aof")
            && stats.warnings[0].contains("byte offset 27 ")
    );
    log.start();
    log.record(&[b"SET", b"c", b"3"]);
    log.begin_checkpoint().expect("begin");
    log.checkpoint(&mut std::iter::empty()).expect("rewrite");
    drop(log);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "appendonly.aof.2.base.aof",
            "appendonly.aof.4.incr.aof",
            "appendonly.aof.manifest"
        ]
    );
}

#[test]
fn a_fresh_log_starts_with_an_empty_base_and_incremental_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fs: Arc<dyn Fs> = std_fs();
    drop(fresh(&fs, tmp.path(), options()));
    let text =
        std::fs::read_to_string(log_dir(tmp.path()).join("appendonly.aof.manifest")).expect("m");
    assert_eq!(
        text,
        "file appendonly.aof.1.base.aof seq 1 type b size 0 crc32 00000000\n\
         file appendonly.aof.1.incr.aof seq 1 type i\n"
    );
}
