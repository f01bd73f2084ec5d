//! The snapshot file: round trips, corruption, truncation, fault injection.

use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;

use super::format::{self, MAGIC, TAG_END, TAG_KEY, TRAILER_LEN};
use super::{SaveStats, Snapshot};
use crate::persist::fault::{Fault, FaultyFs, Op};
use crate::persist::fs::{Fs, StdFs, temp_path};
use crate::persist::{DumpValue, HashField, KeyDump, SnapshotOptions};
use crate::{Error, ManualClock};

const NOW_MS: i64 = 1_700_000_000_123;

pub(super) fn snapshot_in(dir: &Path, fs: Arc<dyn Fs>) -> Snapshot {
    Snapshot::new(
        fs,
        dir,
        SnapshotOptions::new(),
        Arc::new(ManualClock::new(NOW_MS)),
    )
}

fn read_all(snapshot: &Snapshot) -> crate::Result<Option<Vec<KeyDump>>> {
    let mut keys = Vec::new();
    let found = snapshot.read(&mut |dump| {
        keys.push(dump);
        Ok(())
    })?;
    Ok(found.then_some(keys))
}

fn string(key: &str, value: &str) -> KeyDump {
    KeyDump {
        key: key.as_bytes().to_vec(),
        expire_at_ms: None,
        value: DumpValue::String(value.as_bytes().to_vec()),
    }
}

/// A few keys of every kind, with deadlines, small enough to flip every
/// byte of.
pub(super) fn sample() -> Vec<KeyDump> {
    vec![
        string("s", "hello"),
        KeyDump {
            key: vec![0, 0xFF, b'\n'],
            expire_at_ms: Some(NOW_MS + 5000),
            value: DumpValue::String(Vec::new()),
        },
        KeyDump {
            key: b"l".to_vec(),
            expire_at_ms: None,
            value: DumpValue::List(vec![b"a".to_vec(), Vec::new(), b"ccc".to_vec()]),
        },
        KeyDump {
            key: b"set".to_vec(),
            expire_at_ms: Some(-1),
            value: DumpValue::Set(vec![b"x".to_vec(), b"y".to_vec()]),
        },
        KeyDump {
            key: b"h".to_vec(),
            expire_at_ms: None,
            value: DumpValue::Hash(vec![
                HashField {
                    field: b"f".to_vec(),
                    value: b"v".to_vec(),
                    expire_at_ms: Some(i64::MAX),
                },
                HashField {
                    field: Vec::new(),
                    value: Vec::new(),
                    expire_at_ms: None,
                },
            ]),
        },
        KeyDump {
            key: b"z".to_vec(),
            expire_at_ms: Some(i64::MIN),
            value: DumpValue::ZSet(vec![
                (b"neg".to_vec(), f64::NEG_INFINITY),
                (b"negzero".to_vec(), -0.0),
                (b"one".to_vec(), 1.5),
                (b"pos".to_vec(), f64::INFINITY),
            ]),
        },
    ]
}

/// Equality that tells -0.0 from 0.0 (`PartialEq` on f64 does not).
fn assert_same(left: &[KeyDump], right: &[KeyDump]) {
    assert_eq!(left, right);
    for (l, r) in left.iter().zip(right) {
        if let (DumpValue::ZSet(l), DumpValue::ZSet(r)) = (&l.value, &r.value) {
            let bits =
                |v: &[(Vec<u8>, f64)]| v.iter().map(|(_, s)| s.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(l), bits(r));
        }
    }
}

fn file_bytes(snapshot: &Snapshot) -> Vec<u8> {
    std::fs::read(snapshot.path()).expect("read snapshot file")
}

fn persistence_text(err: Error) -> String {
    match err {
        Error::Persistence(text) => text,
        other => panic!("expected a persistence error, got {other:?}"),
    }
}

#[test]
fn no_file_is_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    assert_eq!(read_all(&snapshot), Ok(None));
}

#[test]
fn round_trip_of_every_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    let keys = sample();
    let stats = snapshot
        .write(&mut keys.clone().into_iter())
        .expect("write");
    let bytes = file_bytes(&snapshot);
    assert_eq!(
        stats,
        SaveStats {
            keys: 6,
            bytes: bytes.len() as u64
        }
    );
    assert_same(&read_all(&snapshot).expect("read").expect("file"), &keys);
    assert!(!temp_path(snapshot.path()).exists());
}

#[test]
fn an_empty_keyspace_round_trips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    let stats = snapshot.write(&mut std::iter::empty()).expect("write");
    assert_eq!(stats.keys, 0);
    assert_eq!(read_all(&snapshot), Ok(Some(Vec::new())));
}

/// The layout docs/formats.md gives, checked byte for byte.
#[test]
fn layout_matches_the_specification() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    let keys = vec![string("k", "v")];
    snapshot.write(&mut keys.into_iter()).expect("write");
    let bytes = file_bytes(&snapshot);
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let mut expected = Vec::new();
    expected.extend_from_slice(b"KVSNAP\0\0");
    expected.extend_from_slice(&1u32.to_le_bytes());
    expected.extend_from_slice(&NOW_MS.to_le_bytes());
    expected.extend_from_slice(&(version.len() as u16).to_le_bytes());
    expected.extend_from_slice(version);
    // Tag, key (len 1, "k"), no deadline, variant 0 (String), value (len 1, "v").
    expected.extend_from_slice(&[0x01, 1, b'k', 0, 0, 1, b'v']);
    expected.push(0xFF);
    expected.extend_from_slice(&1u64.to_le_bytes());
    let crc = crc32fast::hash(&expected);
    expected.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(bytes, expected);
}

/// Each record is exactly bincode 2's `standard()` serde encoding.
#[test]
fn records_are_bincode_standard() {
    let mut encoder = format::Encoder::new(0, "");
    let mut header = Vec::new();
    encoder
        .drain(|b| {
            header.extend_from_slice(b);
            Ok::<(), ()>(())
        })
        .expect("drain");
    for dump in sample() {
        encoder.push(&dump).expect("encode");
        let mut record = Vec::new();
        encoder
            .drain(|b| {
                record.extend_from_slice(b);
                Ok::<(), ()>(())
            })
            .expect("drain");
        let mut expected = vec![TAG_KEY];
        expected.extend(
            bincode::serde::encode_to_vec(&dump, bincode::config::standard()).expect("bincode"),
        );
        assert_eq!(record, expected);
    }
}

/// A file written by format version 1, committed: this build must keep
/// reading it.
#[test]
fn loads_the_committed_v1_fixture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    let fixture = include_bytes!("../../../tests/data/snapshot-v1.kvs");
    std::fs::write(snapshot.path(), fixture).expect("write fixture");
    assert_same(
        &read_all(&snapshot).expect("read").expect("file"),
        &sample(),
    );
}

#[test]
fn large_values_span_chunks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    let big: Vec<u8> = (0..3 * format::CHUNK + 17)
        .map(|i| (i % 251) as u8)
        .collect();
    let keys = vec![
        KeyDump {
            key: b"big".to_vec(),
            expire_at_ms: None,
            value: DumpValue::String(big.clone()),
        },
        KeyDump {
            key: big.clone(),
            expire_at_ms: Some(1),
            value: DumpValue::List((0..100_000u32).map(|i| i.to_le_bytes().to_vec()).collect()),
        },
        string("after", "the big ones"),
    ];
    let stats = snapshot
        .write(&mut keys.clone().into_iter())
        .expect("write");
    assert!(stats.bytes > 6 * format::CHUNK as u64);
    assert_same(&read_all(&snapshot).expect("read").expect("file"), &keys);
}

#[test]
fn every_flipped_byte_is_detected_with_its_offset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    snapshot.write(&mut sample().into_iter()).expect("write");
    let good = file_bytes(&snapshot);
    let name = snapshot.path().display().to_string();
    for at in 0..good.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut bad = good.clone();
            bad[at] ^= mask;
            std::fs::write(snapshot.path(), &bad).expect("write");
            let err = persistence_text(read_all(&snapshot).expect_err("corruption detected"));
            assert!(err.contains(&name), "{err}");
            assert!(err.contains("at byte offset "), "{err}");
        }
    }
}

#[test]
fn truncation_at_every_offset_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    snapshot.write(&mut sample().into_iter()).expect("write");
    let good = file_bytes(&snapshot);
    for len in 0..good.len() {
        std::fs::write(snapshot.path(), &good[..len]).expect("write");
        let err = persistence_text(read_all(&snapshot).expect_err("truncation detected"));
        assert!(err.contains("at byte offset "), "cut at {len}: {err}");
    }
    // Bytes after the trailer are not ignored either.
    let mut longer = good.clone();
    longer.push(0);
    std::fs::write(snapshot.path(), &longer).expect("write");
    assert!(read_all(&snapshot).is_err());
}

/// Rewrites the checksum so that only the structure checks stand.
fn reseal(bytes: &mut [u8]) {
    let body = bytes.len() - 4;
    let crc = crc32fast::hash(&bytes[..body]);
    bytes[body..].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn unknown_version_and_bad_magic_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    snapshot.write(&mut sample().into_iter()).expect("write");
    let good = file_bytes(&snapshot);

    let mut future = good.clone();
    future[8..12].copy_from_slice(&7u32.to_le_bytes());
    reseal(&mut future);
    std::fs::write(snapshot.path(), &future).expect("write");
    let err = persistence_text(read_all(&snapshot).expect_err("version"));
    assert!(err.contains("unknown snapshot format version 7"), "{err}");
    assert!(err.ends_with("at byte offset 8"), "{err}");

    let mut other = good.clone();
    other[..8].copy_from_slice(b"REDIS001");
    std::fs::write(snapshot.path(), &other).expect("write");
    let err = persistence_text(read_all(&snapshot).expect_err("magic"));
    assert!(err.contains("bad magic"), "{err}");
    assert!(err.ends_with("at byte offset 0"), "{err}");
}

/// Builds a sealed file around `records` (raw bytes after the header).
fn sealed(records: &[u8], keys: u64) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.extend_from_slice(&0i64.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(records);
    bytes.push(TAG_END);
    bytes.extend_from_slice(&keys.to_le_bytes());
    bytes.extend_from_slice(&[0; 4]);
    reseal(&mut bytes);
    assert_eq!(bytes.len(), 22 + records.len() + 1 + TRAILER_LEN);
    bytes
}

/// Files with a valid checksum but a bad structure (as a buggy or
/// hostile writer makes them) fail cleanly, without huge allocations.
#[test]
fn sealed_but_malformed_files_fail_at_the_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    let record_at = 22;
    let cases: Vec<(Vec<u8>, u64, &str, usize)> = vec![
        // A key length of 2^62: no allocation of that size, just the end.
        (
            [&[TAG_KEY, 253][..], &(1u64 << 62).to_le_bytes()].concat(),
            1,
            "undecodable key record",
            record_at,
        ),
        // A list of 2^40 elements.
        (
            [
                &[TAG_KEY, 1, b'k', 0, 1, 253][..],
                &(1u64 << 40).to_le_bytes(),
                &[0],
            ]
            .concat(),
            1,
            "undecodable key record",
            record_at,
        ),
        // A value kind that does not exist.
        (
            vec![TAG_KEY, 1, b'k', 0, 9, 0],
            1,
            "undecodable key record",
            record_at,
        ),
        (vec![0x42], 0, "unknown record tag 0x42", record_at),
        (vec![TAG_END], 0, "end tag before the trailer", record_at),
        (
            vec![TAG_KEY, 1, b'k', 0, 0, 1, b'v'],
            2,
            "key count 2 in the trailer",
            22 + 7 + 1,
        ),
    ];
    for (records, keys, what, offset) in cases {
        std::fs::write(snapshot.path(), sealed(&records, keys)).expect("write");
        let err = persistence_text(read_all(&snapshot).expect_err(what));
        assert!(err.contains(what), "{err}");
        assert!(err.ends_with(&format!("at byte offset {offset}")), "{err}");
    }
}

#[test]
fn the_key_count_comes_before_the_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    snapshot.write(&mut sample().into_iter()).expect("write");
    let events = std::cell::RefCell::new(Vec::new());
    let found = snapshot.read_sized(
        &mut |keys| events.borrow_mut().push(format!("hint {keys}")),
        &mut |_| {
            events.borrow_mut().push("key".to_owned());
            Ok(())
        },
    );
    assert_eq!(found, Ok(true));
    let events = events.into_inner();
    assert_eq!(events.len(), 1 + sample().len());
    assert_eq!(events[0], format!("hint {}", sample().len()));
}

#[test]
fn a_visit_error_stops_reading_and_is_returned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    snapshot.write(&mut sample().into_iter()).expect("write");
    let mut seen = 0;
    let result = snapshot.read(&mut |_| {
        seen += 1;
        if seen == 2 {
            Err(Error::StringTooLong)
        } else {
            Ok(())
        }
    });
    assert_eq!(result, Err(Error::StringTooLong));
    assert_eq!(seen, 2);
}

/// Every step of a save failing leaves the previous snapshot loadable
/// and no temp file behind.
#[test]
fn failed_saves_keep_the_previous_snapshot() {
    let many: Vec<KeyDump> = (0..60_000)
        .map(|i| string(&format!("key:{i:08}"), &"x".repeat(20)))
        .collect();
    let cases = [
        (Op::Create, 0, Fault::Io),
        (Op::Write, 0, Fault::NoSpace),
        (Op::Write, 0, Fault::Io),
        // A later chunk of a multi-chunk file.
        (Op::Write, 1, Fault::NoSpace),
        (Op::Sync, 0, Fault::Io),
        (Op::Sync, 0, Fault::NoSpace),
        (Op::Rename, 0, Fault::Io),
    ];
    for (op, after, fault) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let fs = FaultyFs::new();
        let snapshot = snapshot_in(dir.path(), Arc::new(fs.clone()));
        snapshot
            .write(&mut sample().into_iter())
            .expect("first save");
        fs.fail_once(op, after, fault);
        let err = snapshot.write(&mut many.clone().into_iter());
        assert!(err.is_err(), "{op:?} {fault:?}");
        assert_eq!(fs.injected(), 1, "{op:?} {fault:?}");
        assert!(!temp_path(snapshot.path()).exists(), "{op:?} {fault:?}");
        assert_same(
            &read_all(&snapshot).expect("read").expect("file"),
            &sample(),
        );
        // The disk works again: the next save goes through.
        snapshot
            .write(&mut many.clone().into_iter())
            .expect("save after heal");
        assert_eq!(
            read_all(&snapshot).expect("read").expect("file").len(),
            many.len()
        );
    }
}

/// A failed directory fsync comes after the rename: the new file, complete
/// and fsynced, is in place; the error is still reported.
#[test]
fn failed_directory_sync_reports_and_leaves_a_complete_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fs = FaultyFs::new();
    let snapshot = snapshot_in(dir.path(), Arc::new(fs.clone()));
    snapshot
        .write(&mut sample().into_iter())
        .expect("first save");
    fs.fail_once(Op::SyncDir, 0, Fault::Io);
    let keys = vec![string("new", "contents")];
    let err = persistence_text(
        snapshot
            .write(&mut keys.clone().into_iter())
            .expect_err("fails"),
    );
    assert!(err.contains("fsync the directory"), "{err}");
    assert!(!temp_path(snapshot.path()).exists());
    assert_same(&read_all(&snapshot).expect("read").expect("file"), &keys);
}

fn bytes_strategy(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..max),
        1 => Just(Vec::new()),
    ]
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -1e300f64..1e300,
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-0.0),
        1 => Just(f64::MIN_POSITIVE / 4.0),
    ]
}

fn deadline() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![Just(None), any::<i64>().prop_map(Some)]
}

fn value() -> impl Strategy<Value = DumpValue> {
    let items = || prop::collection::vec(bytes_strategy(24), 0..12);
    prop_oneof![
        3 => bytes_strategy(64).prop_map(DumpValue::String),
        // Big values, cheap to generate: a seeded byte pattern.
        1 => (20_000usize..70_000, any::<u8>()).prop_map(|(len, seed)| {
            DumpValue::String((0..len).map(|i| (i as u8).wrapping_mul(seed | 1)).collect())
        }),
        1 => items().prop_map(DumpValue::List),
        1 => items().prop_map(DumpValue::Set),
        1 => prop::collection::vec(
            (bytes_strategy(16), bytes_strategy(16), deadline())
                .prop_map(|(field, value, expire_at_ms)| HashField { field, value, expire_at_ms }),
            0..8,
        )
        .prop_map(DumpValue::Hash),
        1 => prop::collection::vec((bytes_strategy(16), score()), 0..8).prop_map(DumpValue::ZSet),
    ]
}

fn key_dump() -> impl Strategy<Value = KeyDump> {
    (bytes_strategy(32), deadline(), value()).prop_map(|(key, expire_at_ms, value)| KeyDump {
        key,
        expire_at_ms,
        value,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random keys of every kind come back exactly, in order.
    #[test]
    fn random_keyspaces_round_trip(keys in prop::collection::vec(key_dump(), 0..24)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
        let stats = snapshot.write(&mut keys.clone().into_iter()).expect("write");
        prop_assert_eq!(stats.keys, keys.len() as u64);
        let back = read_all(&snapshot).expect("read").expect("file");
        assert_same(&back, &keys);
    }
}

/// Regenerates `tests/data/snapshot-v1.kvs` (run by hand, with
/// `--ignored`, only when the sample changes on purpose).
#[test]
#[ignore = "writes the committed fixture"]
fn write_v1_fixture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    snapshot.write(&mut sample().into_iter()).expect("write");
    let out = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/snapshot-v1.kvs");
    std::fs::copy(snapshot.path(), out).expect("copy fixture");
}

/// Save and load time of 1M small string keys (as `redis-benchmark`'s
/// `key:%012d` → `xxx`), to compare with `redis-cli SAVE` and a restart.
/// Run by hand: `cargo test --release --lib snapshot_speed -- --ignored --nocapture`.
#[test]
#[ignore = "timing, run by hand in release"]
#[allow(clippy::print_stderr)] // its output is the point
fn snapshot_speed_1m_strings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    let keys: Vec<KeyDump> = (0..1_000_000)
        .map(|i| string(&format!("key:{i:012}"), "xxx"))
        .collect();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let stats = snapshot
            .write(&mut keys.clone().into_iter())
            .expect("write");
        let write = started.elapsed();
        let started = std::time::Instant::now();
        let mut n = 0u64;
        snapshot
            .read(&mut |dump| {
                n += dump.key.len() as u64;
                Ok(())
            })
            .expect("read");
        let read = started.elapsed();
        eprintln!(
            "1M keys: write {write:?} ({} bytes), read+decode {read:?} ({n})",
            stats.bytes
        );
    }
}

/// The example file of docs/formats.md, byte for byte.
#[test]
fn the_documented_example_loads() {
    let example: &[u8] = &[
        0x4B, 0x56, 0x53, 0x4E, 0x41, 0x50, 0x00, 0x00, // magic
        0x01, 0x00, 0x00, 0x00, // version
        0x7B, 0x68, 0xE5, 0xCF, 0x8B, 0x01, 0x00, 0x00, // created at
        0x05, 0x00, 0x30, 0x2E, 0x31, 0x2E, 0x30, // "0.1.0"
        0x01, 0x01, 0x6B, 0x00, 0x00, 0x01, 0x76, // the record
        0xFF, // end tag
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // key count
        0x3C, 0x25, 0xA3, 0xB0, // CRC-32
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot_in(dir.path(), Arc::new(StdFs));
    std::fs::write(snapshot.path(), example).expect("write");
    assert_eq!(read_all(&snapshot), Ok(Some(vec![string("k", "v")])));
}
