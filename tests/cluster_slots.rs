//! Redis Cluster hash slots: `kvstore::cluster::key_slot` against the
//! `CLUSTER KEYSLOT` answers recorded from a real Redis 7.0 server
//! (`../shared/slots.tsv`, the workspace's file; `tests/data/slots.tsv` is the
//! repository's copy of it, so a checkout elsewhere still runs every row),
//! and the hash-tag rules as properties.

use std::path::PathBuf;

use kvstore::cluster::{SLOTS, key_slot};
use proptest::prelude::*;

/// CRC16/XMODEM (poly 0x1021, init 0, no reflection), written out bit by bit
/// so the properties below do not trust the crate's CRC.
fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Redis's `keyHashSlot`, written from its documentation: hash the part
/// between the first `{` and the first `}` after it, if that part is not
/// empty; otherwise the whole key.
fn reference_slot(key: &[u8]) -> u16 {
    let hashed = key
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let rest = &key[open + 1..];
            let close = rest.iter().position(|&b| b == b'}')?;
            (close > 0).then(|| &rest[..close])
        })
        .unwrap_or(key);
    crc16_xmodem(hashed) % 16384
}

/// The workspace's vectors beside the crate, when the checkout has them.
fn shared_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("slots.tsv")
}

/// The repository's copy of the vectors.
fn committed_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join("slots.tsv")
}

/// The shared file when present (it is the reference), else the copy.
fn slots_file() -> PathBuf {
    let shared = shared_file();
    if shared.exists() {
        shared
    } else {
        committed_file()
    }
}

fn decode_hex(hex: &str, line_no: usize) -> Vec<u8> {
    assert!(
        hex.len().is_multiple_of(2),
        "slots.tsv line {line_no}: odd-length hex key {hex:?}"
    );
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&hex[i..i + 2], 16)
                .unwrap_or_else(|e| panic!("slots.tsv line {line_no}: bad hex {hex:?}: {e}"))
        })
        .collect()
}

/// The (key, slot) rows of the vectors file, skipping `#` comment lines.
fn load_vectors() -> Vec<(Vec<u8>, u16)> {
    let path = slots_file();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the CLUSTER KEYSLOT test vectors at {}: {e}. \
             the vectors are ../shared/slots.tsv in the workspace and \
             tests/data/slots.tsv in the repository; restore them rather than \
             skipping this test",
            path.display()
        )
    });
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.starts_with('#') {
            continue;
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        let (hex, slot) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("slots.tsv line {line_no}: no tab in {line:?}"));
        let slot: u16 = slot
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("slots.tsv line {line_no}: bad slot {slot:?}: {e}"));
        rows.push((decode_hex(hex, line_no), slot));
    }
    rows
}

#[test]
fn every_recorded_cluster_keyslot_matches() {
    let rows = load_vectors();
    assert!(
        rows.len() >= 1000,
        "expected the full vector file, found only {} rows",
        rows.len()
    );
    assert!(
        rows.iter().any(|(k, s)| k.is_empty() && *s == 0),
        "the empty-key row \"\\t0\" is missing"
    );
    let mismatches: Vec<String> = rows
        .iter()
        .filter(|(key, slot)| key_slot(key) != *slot)
        .map(|(key, slot)| {
            format!(
                "{:?}: redis {slot}, kvstore {}",
                String::from_utf8_lossy(key),
                key_slot(key)
            )
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} slots differ from Redis, first ones:\n{}",
        mismatches.len(),
        rows.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
}

#[test]
fn reference_model_agrees_with_recorded_vectors() {
    // Validates the test's own CRC and tag rules, so the properties below
    // compare against something known to be Redis's answer.
    for (key, slot) in load_vectors() {
        assert_eq!(reference_slot(&key), slot, "key {key:?}");
    }
}

#[test]
fn documented_examples() {
    assert_eq!(key_slot(b""), 0);
    assert_eq!(key_slot(b"foo"), 12182);
    assert_eq!(key_slot(b"123456789"), crc16_xmodem(b"123456789") % 16384);
    assert_eq!(
        crc16_xmodem(b"123456789"),
        0x31C3,
        "CRC16/XMODEM check value"
    );
    assert_eq!(
        key_slot(b"{user1000}.following"),
        key_slot(b"{user1000}.followers")
    );
    assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
    // `{}` is not a tag: the whole key is hashed, not "bar".
    assert_eq!(key_slot(b"foo{}{bar}"), crc16_xmodem(b"foo{}{bar}") % 16384);
    assert_ne!(key_slot(b"foo{}{bar}"), key_slot(b"bar"));
    // Only the first `{` counts: the tag of "foo{{bar}}zap" is "{bar".
    assert_eq!(key_slot(b"foo{{bar}}zap"), key_slot(b"{bar"));
    // An unclosed `{` means no tag.
    assert_eq!(key_slot(b"{abc"), crc16_xmodem(b"{abc") % 16384);
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn bytes_without(forbidden: u8, max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        any::<u8>().prop_filter("forbidden byte", move |b| *b != forbidden),
        0..max,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn slot_is_in_range_and_matches_reference(key in bytes(64)) {
        let slot = key_slot(&key);
        prop_assert!(slot < SLOTS);
        prop_assert_eq!(slot, reference_slot(&key));
    }

    #[test]
    fn keys_sharing_a_tag_share_a_slot(
        prefix in bytes_without(b'{', 12),
        tag in bytes_without(b'}', 12).prop_filter("non-empty tag", |t| !t.is_empty()),
        suffix_a in bytes(12),
        suffix_b in bytes(12),
        other_prefix in bytes_without(b'{', 12),
    ) {
        let key = |p: &[u8], s: &[u8]| [p, b"{", &tag, b"}", s].concat();
        let a = key(&prefix, &suffix_a);
        let b = key(&other_prefix, &suffix_b);
        prop_assert_eq!(key_slot(&a), key_slot(&b));
        prop_assert_eq!(key_slot(&a), crc16_xmodem(&tag) % 16384);
    }

    #[test]
    fn empty_braces_are_not_a_tag(
        prefix in bytes_without(b'{', 12),
        suffix in bytes(12),
    ) {
        let key = [&prefix[..], b"{}", &suffix].concat();
        prop_assert_eq!(key_slot(&key), crc16_xmodem(&key) % 16384);
    }

    #[test]
    fn keys_without_braces_hash_whole(key in bytes_without(b'{', 40)) {
        prop_assert_eq!(key_slot(&key), crc16_xmodem(&key) % 16384);
    }
}

/// The repository's copy must not drift from the workspace's reference.
#[test]
fn committed_copy_matches_the_shared_vectors() {
    let shared = shared_file();
    if !shared.exists() {
        println!("skipped: {} is not beside this checkout", shared.display());
        return;
    }
    let read = |p: PathBuf| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert!(
        read(shared) == read(committed_file()),
        "tests/data/slots.tsv differs from ../shared/slots.tsv: copy the shared file over it"
    );
}
