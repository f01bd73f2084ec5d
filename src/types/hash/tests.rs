//! Tests of the hash commands, their encodings and field expiry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;

use crate::{
    Config, Error, ExpireCondition, ManualClock, Reply, ScanOptions, Store, WriteObserver,
};

const NOW: i64 = 1_700_000_000_000;

fn store_with(entries: usize, value: usize) -> (Store, ManualClock) {
    let clock = ManualClock::new(NOW);
    let config = Config::builder()
        .clock(clock.clone())
        .active_expire(false)
        .shards(4)
        .hash_max_listpack_entries(entries)
        .hash_max_listpack_value(value)
        .build();
    (Store::open(config).expect("open"), clock)
}

fn store() -> (Store, ManualClock) {
    store_with(512, 64)
}

#[derive(Default)]
struct Log(Mutex<Vec<Vec<String>>>);

impl WriteObserver for Log {
    fn on_write(&self, argv: &[&[u8]]) {
        let cmd = argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        self.0.lock().expect("log").push(cmd);
    }
}

impl Log {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("log"))
            .into_iter()
            .map(|c| c.join(" "))
            .collect()
    }
}

fn logged(store: &Store) -> Arc<Log> {
    let log = Arc::new(Log::default());
    store.add_write_observer(log.clone());
    log
}

fn err_text(reply: Reply) -> String {
    match reply {
        Reply::Error(e) => e.to_string(),
        other => panic!("expected an error, got {other:?}"),
    }
}

fn enc(store: &Store, key: &str) -> Option<&'static str> {
    store.object_encoding(key).expect("encoding")
}

#[test]
fn converts_past_the_entry_count_and_never_back() {
    let (s, _) = store_with(4, 64);
    for i in 0..4 {
        s.hset("h", [(format!("f{i}"), "v")]).expect("hset");
    }
    assert_eq!(enc(&s, "h"), Some("listpack"));
    // Updating an existing field does not convert.
    s.hset("h", [("f0", "w")]).expect("hset");
    assert_eq!(enc(&s, "h"), Some("listpack"));
    s.hset("h", [("f4", "v")]).expect("hset");
    assert_eq!(enc(&s, "h"), Some("hashtable"));
    s.hdel("h", ["f1", "f2", "f3", "f4"]).expect("hdel");
    assert_eq!(enc(&s, "h"), Some("hashtable"), "never converts back");
    assert_eq!(s.hgetall("h"), Ok(vec![(b"f0".to_vec(), b"w".to_vec())]));
}

#[test]
fn converts_on_long_fields_and_values() {
    let (s, _) = store_with(512, 8);
    s.hset("a", [("f", "12345678")]).expect("hset");
    assert_eq!(enc(&s, "a"), Some("listpack"), "at the limit");
    s.hset("a", [("f", "123456789")]).expect("hset");
    assert_eq!(enc(&s, "a"), Some("hashtable"));
    s.hset("b", [("field-9ch", "v")]).expect("hset");
    assert_eq!(enc(&s, "b"), Some("hashtable"));
    // HSETNX converts only when it writes.
    s.hset("c", [("f", "v")]).expect("hset");
    assert_eq!(s.hsetnx("c", "f", "a-long-value"), Ok(false));
    assert_eq!(enc(&s, "c"), Some("listpack"));
    assert_eq!(s.hsetnx("c", "g", "a-long-value"), Ok(true));
    assert_eq!(enc(&s, "c"), Some("hashtable"));
    // An HINCRBYFLOAT result past the limit converts.
    s.hset("d", [("f", "1")]).expect("hset");
    s.hincrbyfloat("d", "f", "0.125").expect("incr");
    assert_eq!(enc(&s, "d"), Some("listpack"));
    s.hincrbyfloat("d", "f", "0.0000001").expect("incr");
    assert_eq!(s.hget("d", "f"), Ok(Some(b"1.1250001".to_vec())));
    assert_eq!(enc(&s, "d"), Some("hashtable"));
    // Zero entries allowed: every hash is a table.
    let (z, _) = store_with(0, 64);
    z.hset("h", [("f", "v")]).expect("hset");
    assert_eq!(enc(&z, "h"), Some("hashtable"));
}

#[test]
fn basic_commands_in_both_encodings() {
    for entries in [512, 0] {
        let (s, _) = store_with(entries, 64);
        assert_eq!(s.hset("h", [("a", "1"), ("b", "hello"), ("a", "2")]), Ok(2));
        assert_eq!(s.hget("h", "a"), Ok(Some(b"2".to_vec())));
        assert_eq!(s.hget("h", "zz"), Ok(None));
        assert_eq!(s.hget("missing", "a"), Ok(None));
        assert_eq!(s.hlen("h"), Ok(2));
        assert_eq!(s.hexists("h", "b"), Ok(true));
        assert_eq!(s.hexists("h", "c"), Ok(false));
        assert_eq!(s.hstrlen("h", "b"), Ok(5));
        assert_eq!(s.hstrlen("h", "a"), Ok(1));
        assert_eq!(s.hstrlen("h", "nope"), Ok(0));
        assert_eq!(
            s.hmget("h", ["a", "x", "b"]),
            Ok(vec![Some(b"2".to_vec()), None, Some(b"hello".to_vec())])
        );
        let mut keys = s.hkeys("h").expect("hkeys");
        keys.sort();
        assert_eq!(keys, [b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(s.hvals("h").expect("hvals").len(), 2);
        assert_eq!(s.hincrby("h", "a", 40), Ok(42));
        assert_eq!(s.hincrby("h", "new", -3), Ok(-3));
        assert_eq!(s.hincrby("h", "b", 1), Err(Error::HashNotInteger));
        assert_eq!(s.hincrbyfloat("h", "b", "1"), Err(Error::HashNotFloat));
        assert_eq!(s.hincrbyfloat("h", "a", "0.5"), Ok(b"42.5".to_vec()));
        assert_eq!(s.hincrby("h", "a", 1), Err(Error::HashNotInteger));
        s.hset("h", [("max", i64::MAX.to_string())]).expect("hset");
        assert_eq!(s.hincrby("h", "max", 1), Err(Error::IncrOverflow));
        assert_eq!(s.hdel("h", ["a", "a", "nope", "b", "new", "max"]), Ok(4));
        assert_eq!(s.exists(["h"]), Ok(0), "emptied hash is deleted");
        assert_eq!(s.hdel("h", ["a"]), Ok(0));
    }
}

#[test]
fn errors_and_wrongtype_match_redis() {
    let (s, _) = store();
    s.set("str", "x").expect("set");
    for argv in [
        &["HSET", "str", "f", "v"][..],
        &["HGET", "str", "f"],
        &["HLEN", "str"],
        &["HGETALL", "str"],
        &["HINCRBY", "str", "f", "1"],
        &["HRANDFIELD", "str", "1"],
        &["HSCAN", "str", "0", "COUNT", "0"],
        &["HEXPIRE", "str", "x", "FIELDS", "1", "f"],
        &["HTTL", "str", "BAD", "1", "f"],
        &["HPERSIST", "str", "FIELDS", "0", "f"],
    ] {
        assert!(
            err_text(s.execute(argv)).starts_with("WRONGTYPE"),
            "{argv:?}"
        );
    }
    let cases: &[(&[&str], &str)] = &[
        (
            &["HSET", "h", "f"],
            "ERR wrong number of arguments for 'hset' command",
        ),
        (
            &["HSET", "h", "f", "v", "g"],
            "ERR wrong number of arguments for 'hset' command",
        ),
        (
            &["HMSET", "h", "f", "v", "g"],
            "ERR wrong number of arguments for 'hmset' command",
        ),
        (
            &["HINCRBY", "h", "f", "x"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["HINCRBYFLOAT", "h", "f", "x"],
            "ERR value is not a valid float",
        ),
        (
            &["HINCRBYFLOAT", "h", "f", "inf"],
            "ERR value is NaN or Infinity",
        ),
        (
            &["HRANDFIELD", "h", "x"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["HRANDFIELD", "h", "-9223372036854775808"],
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ),
        (
            &["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"],
            "ERR value is out of range",
        ),
        (&["HRANDFIELD", "h", "1", "WITHVALUE"], "ERR syntax error"),
        (
            &["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
            "ERR syntax error",
        ),
        (&["HSCAN", "h", "x"], "ERR invalid cursor"),
        (
            &["HEXPIRE", "h", "-1", "FIELDS", "1", "f"],
            "ERR invalid expire time, must be >= 0",
        ),
        (
            &["HEXPIRE", "h", "x", "FIELDS", "1", "f"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["HPEXPIRE", "h", "70368744177664", "FIELDS", "1", "f"],
            "ERR invalid expire time in 'hpexpire' command",
        ),
        (
            &["HEXPIREAT", "h", "70368744178", "FIELDS", "1", "f"],
            "ERR invalid expire time in 'hexpireat' command",
        ),
        (
            &["HEXPIRE", "h", "10", "FIELD", "1", "f"],
            "ERR Mandatory argument FIELDS is missing or not at the right position",
        ),
        (
            &["HEXPIRE", "h", "10", "NX", "XX", "FIELDS", "1", "f"],
            "ERR Mandatory argument FIELDS is missing or not at the right position",
        ),
        (
            &["HEXPIRE", "h", "10", "FIELDS", "0", "f"],
            "ERR Parameter `numFields` should be greater than 0",
        ),
        (
            &["HEXPIRE", "h", "10", "FIELDS", "x", "f"],
            "ERR Parameter `numFields` should be greater than 0",
        ),
        (
            &["HEXPIRE", "h", "10", "FIELDS", "2", "f"],
            "ERR The `numfields` parameter must match the number of arguments",
        ),
        (
            &["HTTL", "h", "FIELDS", "1", "f", "g"],
            "ERR The `numfields` parameter must match the number of arguments",
        ),
        (
            &["HPERSIST", "h", "FIELDZ", "1", "f"],
            "ERR Mandatory argument FIELDS is missing or not at the right position",
        ),
    ];
    s.hset("h", [("f", "v")]).expect("hset");
    for (argv, text) in cases {
        assert_eq!(err_text(s.execute(argv)), *text, "{argv:?}");
    }
    // Missing keys: HSCAN answers before looking at options.
    assert_eq!(
        s.execute(&["HSCAN", "missing", "0", "COUNT", "0"]),
        Reply::Array(vec![Reply::Bulk(b"0".to_vec()), Reply::Array(vec![])])
    );
    assert_eq!(
        err_text(s.execute(&["HSCAN", "h", "0", "COUNT", "0"])),
        "ERR syntax error"
    );
    assert_eq!(
        err_text(s.execute(&["HSCAN", "h", "0", "TYPE", "hash"])),
        "ERR syntax error"
    );
    assert_eq!(s.execute(&["HMSET", "h", "a", "1"]), Reply::ok());
    assert_eq!(
        s.execute(&["HSET", "h", "a", "1", "b", "2"]),
        Reply::Integer(1)
    );
    assert_eq!(
        s.execute(&["HTTL", "missing", "FIELDS", "2", "a", "b"]),
        Reply::Array(vec![Reply::Integer(-2), Reply::Integer(-2)])
    );
}

#[test]
fn hrandfield_counts() {
    for entries in [512, 0] {
        let (s, _) = store_with(entries, 64);
        let pairs: Vec<(String, String)> = (0..50)
            .map(|i| (format!("f{i}"), format!("v{i}")))
            .collect();
        s.hset("h", pairs.clone()).expect("hset");
        let model: HashMap<Vec<u8>, Vec<u8>> = pairs
            .iter()
            .map(|(f, v)| (f.clone().into_bytes(), v.clone().into_bytes()))
            .collect();
        assert!(model.contains_key(&s.hrandfield("h").expect("rand").expect("some")));
        assert_eq!(s.hrandfield("missing"), Ok(None));
        assert_eq!(s.hrandfield_count("h", 0), Ok(vec![]));
        assert_eq!(s.hrandfield_count("missing", -5), Ok(vec![]));
        for count in [1i64, 10, 20, 49, 50, 100] {
            let got = s.hrandfield_count("h", count).expect("count");
            let distinct: std::collections::HashSet<_> = got.iter().collect();
            assert_eq!(got.len(), usize::try_from(count.min(50)).expect("len"));
            assert_eq!(distinct.len(), got.len(), "distinct for {count}");
            assert!(got.iter().all(|f| model.contains_key(f)));
        }
        let repeats = s.hrandfield_withvalues("h", -200).expect("neg");
        assert_eq!(repeats.len(), 200);
        assert!(repeats.iter().all(|(f, v)| model.get(f) == Some(v)));
        assert_eq!(
            s.hrandfield_count("h", -(1 << 25)),
            Err(Error::HashCountOutOfRange),
            "bounded before allocating"
        );
        assert_eq!(
            s.hrandfield_count("h", i64::MIN),
            Err(Error::HashCountRange)
        );
    }
}

#[test]
fn hscan_pages_cover_the_hash() {
    let (s, _) = store_with(16, 64);
    let n = 1000;
    s.hset("h", (0..n).map(|i| (format!("f{i}"), "v")))
        .expect("hset");
    let mut seen = std::collections::HashSet::new();
    let mut cursor = 0;
    let mut calls = 0;
    loop {
        let page = s
            .hscan("h", cursor, &ScanOptions::new().count(20))
            .expect("hscan");
        seen.extend(page.fields.into_iter().map(|(f, _)| f));
        calls += 1;
        cursor = page.cursor;
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(seen.len(), n);
    assert!(calls > 10, "paged ({calls} calls)");
    let page = s
        .hscan("h", 0, &ScanOptions::new().pattern("f99*").count(10_000))
        .expect("hscan");
    assert_eq!(page.fields.len(), 11);
    // A packed hash comes whole, cursor 0, whatever the cursor.
    s.hset("small", [("a", "1"), ("b", "2")]).expect("hset");
    let page = s
        .hscan("small", 77, &ScanOptions::new().count(1))
        .expect("hscan");
    assert_eq!(page.cursor, 0);
    assert_eq!(page.fields.len(), 2);
}

#[test]
fn propagation_of_plain_writes() {
    let (s, _) = store();
    let log = logged(&s);
    s.execute(&["HMSET", "h", "a", "1", "b", "2"]);
    s.hsetnx("h", "a", "x").expect("hsetnx");
    s.hsetnx("h", "c", "3").expect("hsetnx");
    s.hincrby("h", "a", 5).expect("hincrby");
    s.hincrbyfloat("h", "b", "0.5").expect("hincrbyfloat");
    s.hdel("h", ["a", "zz", "b", "c"]).expect("hdel");
    assert_eq!(
        log.take(),
        [
            "HSET h a 1 b 2",
            "HSET h c 3",
            "HINCRBY h a 5",
            "HSET h b 2.5",
            "HDEL h a b c"
        ]
    );
}

#[test]
fn expired_fields_are_invisible() {
    for entries in [512, 0] {
        let (s, clock) = store_with(entries, 64);
        s.hset("h", [("a", "1"), ("b", "2"), ("c", "3")])
            .expect("hset");
        assert_eq!(
            s.hpexpire("h", 100, None, ["a", "b", "zz"]),
            Ok(vec![1, 1, -2])
        );
        assert_eq!(enc(&s, "h"), Some("hashtable"), "a field TTL converts");
        assert_eq!(s.hpttl("h", ["a", "c", "zz"]), Ok(vec![100, -1, -2]));
        assert_eq!(s.httl("h", ["a"]), Ok(vec![1]), "seconds round up");
        assert_eq!(s.hpexpiretime("h", ["a"]), Ok(vec![NOW + 100]));
        assert_eq!(
            s.hexpiretime("h", ["a"]),
            Ok(vec![(NOW + 100 + 999) / 1000])
        );
        clock.set(NOW + 100);
        assert_eq!(
            s.hget("h", "a"),
            Ok(Some(b"1".to_vec())),
            "alive at its deadline"
        );
        clock.set(NOW + 101);
        assert_eq!(s.hget("h", "a"), Ok(None));
        assert_eq!(s.hexists("h", "b"), Ok(false));
        assert_eq!(s.hlen("h"), Ok(1));
        assert_eq!(s.hgetall("h"), Ok(vec![(b"c".to_vec(), b"3".to_vec())]));
        assert_eq!(s.hkeys("h"), Ok(vec![b"c".to_vec()]));
        assert_eq!(s.hstrlen("h", "a"), Ok(0));
        assert_eq!(s.hrandfield_count("h", 10), Ok(vec![b"c".to_vec()]));
        assert_eq!(s.hrandfield_count("h", -3).map(|v| v.len()), Ok(3));
        assert_eq!(s.hpttl("h", ["a"]), Ok(vec![-2]));
        assert_eq!(s.hpersist("h", ["a", "c"]), Ok(vec![-2, -1]));
        let page = s
            .hscan("h", 0, &ScanOptions::new().count(100))
            .expect("hscan");
        assert_eq!(page.fields, vec![(b"c".to_vec(), b"3".to_vec())]);
        // A write that names an expired field treats it as new.
        assert_eq!(s.hset("h", [("a", "new")]), Ok(1));
        assert_eq!(s.hpttl("h", ["a"]), Ok(vec![-1]));
    }
}

#[test]
fn conditions_and_past_times() {
    let (s, _) = store();
    s.hset("h", [("a", "1"), ("b", "2"), ("c", "3")])
        .expect("hset");
    let nx = Some(ExpireCondition::new().nx());
    let xx = Some(ExpireCondition::new().xx());
    let gt = Some(ExpireCondition::new().gt());
    let lt = Some(ExpireCondition::new().lt());
    assert_eq!(s.hpexpire("h", 1000, nx, ["a"]), Ok(vec![1]));
    assert_eq!(s.hpexpire("h", 1000, nx, ["a", "b"]), Ok(vec![0, 1]));
    assert_eq!(s.hpexpire("h", 1000, xx, ["a", "c"]), Ok(vec![1, 0]));
    assert_eq!(
        s.hpexpire("h", 2000, gt, ["a", "c"]),
        Ok(vec![1, 0]),
        "no TTL fails GT"
    );
    assert_eq!(s.hpexpire("h", 1500, gt, ["a"]), Ok(vec![0]));
    assert_eq!(
        s.hpexpire("h", 1500, lt, ["a", "c"]),
        Ok(vec![1, 1]),
        "no TTL passes LT"
    );
    assert_eq!(s.hpexpire("h", 1500, lt, ["a"]), Ok(vec![0]));
    assert_eq!(
        s.hpexpire("h", 10, Some(ExpireCondition::new().nx().xx()), ["a"]),
        Err(Error::ExpireNxConflict)
    );
    assert_eq!(
        s.hpexpire("h", -1, None, ["a"]),
        Err(Error::HashExpireNegative)
    );
    assert_eq!(
        s.hpexpire("h", 10, None, Vec::<&str>::new()),
        Err(Error::HashNumFieldsNotPositive)
    );
    // Conditions are checked before the past-time deletion.
    let past = NOW / 1000 - 1;
    assert_eq!(
        s.hexpireat("h", past, nx, ["a", "b", "zz"]),
        Ok(vec![0, 0, -2])
    );
    assert_eq!(s.hexpireat("h", past, None, ["a", "zz"]), Ok(vec![2, -2]));
    assert_eq!(s.hexists("h", "a"), Ok(false));
    assert_eq!(s.hexpire("h", 0, None, ["b", "c"]), Ok(vec![2, 2]));
    assert_eq!(s.exists(["h"]), Ok(0), "the emptied hash is gone");
    assert_eq!(s.hexpire("h", 10, None, ["a"]), Ok(vec![-2]));
    assert_eq!(s.hpersist("h", ["a"]), Ok(vec![-2]));
}

#[test]
fn field_ttl_survives_incr_but_not_set() {
    let (s, _) = store();
    let log = logged(&s);
    s.hset("h", [("n", "1"), ("x", "1.5")]).expect("hset");
    s.hpexpire("h", 5000, None, ["n", "x"]).expect("hpexpire");
    s.hincrby("h", "n", 1).expect("hincrby");
    assert_eq!(s.hpttl("h", ["n"]), Ok(vec![5000]));
    s.hincrbyfloat("h", "x", "1").expect("hincrbyfloat");
    assert_eq!(s.hpttl("h", ["x"]), Ok(vec![5000]));
    s.hset("h", [("n", "0")]).expect("hset");
    assert_eq!(s.hpttl("h", ["n"]), Ok(vec![-1]));
    assert!(!s.hsetnx("h", "x", "0").expect("hsetnx"));
    assert_eq!(s.hpttl("h", ["x"]), Ok(vec![5000]));
    let at = NOW + 5000;
    assert_eq!(
        log.take(),
        [
            "HSET h n 1 x 1.5".to_string(),
            format!("HPEXPIREAT h {at} FIELDS 2 n x"),
            "HINCRBY h n 1".to_string(),
            "HSET h x 2.5".to_string(),
            format!("HPEXPIREAT h {at} FIELDS 1 x"),
            "HSET h n 0".to_string(),
        ]
    );
}

#[test]
fn expiry_propagates_canonically() {
    let (s, clock) = store();
    let log = logged(&s);
    s.hset("h", [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")])
        .expect("hset");
    log.take();
    s.execute(&["HEXPIRE", "h", "10", "NX", "FIELDS", "3", "a", "b", "zz"]);
    s.execute(&["HPEXPIREAT", "h", "1", "FIELDS", "1", "c"]);
    s.execute(&["HPERSIST", "h", "FIELDS", "2", "b", "d"]);
    assert_eq!(
        log.take(),
        [
            format!("HPEXPIREAT h {} FIELDS 2 a b", NOW + 10_000),
            "HDEL h c".to_string(),
            "HPERSIST h FIELDS 1 b".to_string(),
        ]
    );
    // Writes meeting an expired field reclaim it first.
    clock.set(NOW + 10_001);
    assert_eq!(s.hdel("h", ["a", "b"]), Ok(1));
    assert_eq!(log.take(), ["HDEL h a", "HDEL h b"]);
    assert_eq!(s.hgetall("h"), Ok(vec![(b"d".to_vec(), b"4".to_vec())]));
}

#[test]
fn active_expiry_reclaims_fields_and_empty_hashes() {
    let (s, clock) = store_with(512, 64);
    let log = logged(&s);
    s.hset("gone", [("a", "1"), ("b", "2")]).expect("hset");
    s.hset("mixed", [("a", "1"), ("keep", "2")]).expect("hset");
    let big: Vec<(String, &str)> = (0..2000).map(|i| (format!("f{i}"), "v")).collect();
    s.hset("big", big).expect("hset");
    s.hpexpire("gone", 100, None, ["a", "b"]).expect("hpexpire");
    s.hpexpire("mixed", 100, None, ["a"]).expect("hpexpire");
    let doomed: Vec<String> = (0..1500).map(|i| format!("f{i}")).collect();
    s.hpexpire("big", 100, None, &doomed).expect("hpexpire");
    s.hpexpire("big", 100_000, None, ["f1999"])
        .expect("hpexpire");
    log.take();
    assert_eq!(s.active_expire_cycle(), 0, "nothing due yet");
    assert!(log.take().is_empty());
    clock.set(NOW + 101);
    for _ in 0..20 {
        s.active_expire_cycle();
    }
    assert_eq!(s.exists(["gone"]), Ok(0));
    assert_eq!(
        s.hgetall("mixed"),
        Ok(vec![(b"keep".to_vec(), b"2".to_vec())])
    );
    assert_eq!(s.hlen("big"), Ok(500));
    assert_eq!(s.hpttl("big", ["f1999"]), Ok(vec![100_000 - 101]));
    // Every reclaimed field was propagated as HDEL, no DEL for the key.
    let deleted: usize = log
        .take()
        .iter()
        .map(|c| {
            assert!(c.starts_with("HDEL "), "{c}");
            c.split(' ').count() - 2
        })
        .sum();
    assert_eq!(deleted, 2 + 1 + 1500);
    // The physical table shrank too (not just hidden).
    let used = s.used_memory();
    s.hdel("big", (1500..2000).map(|i| format!("f{i}")))
        .expect("hdel");
    assert!(s.used_memory() < used);
}

#[test]
fn renamed_and_copied_hashes_keep_field_ttls_and_get_reclaimed() {
    let (s, clock) = store();
    s.hset("src", [("a", "1"), ("b", "2")]).expect("hset");
    s.hpexpire("src", 100, None, ["a"]).expect("hpexpire");
    s.rename("src", "dst").expect("rename");
    assert!(s.copy("dst", "cpy", false).expect("copy"));
    assert_eq!(s.hpttl("dst", ["a", "b"]), Ok(vec![100, -1]));
    assert_eq!(s.hpttl("cpy", ["a", "b"]), Ok(vec![100, -1]));
    // Overwrite the old name with a plain hash: a stale index entry is harmless.
    s.hset("src", [("a", "x")]).expect("hset");
    clock.set(NOW + 101);
    for _ in 0..5 {
        s.active_expire_cycle();
    }
    for key in ["dst", "cpy"] {
        assert_eq!(
            s.hgetall(key),
            Ok(vec![(b"b".to_vec(), b"2".to_vec())]),
            "{key}"
        );
        assert_eq!(s.hpttl(key, ["a"]), Ok(vec![-2]));
    }
    assert_eq!(s.hget("src", "a"), Ok(Some(b"x".to_vec())));
}

#[derive(Debug, Clone)]
enum Op {
    Set(u8, u8),
    Del(u8),
    Incr(u8, i8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..40, 0u8..20).prop_map(|(f, v)| Op::Set(f, v)),
        2 => (0u8..40).prop_map(Op::Del),
        1 => (0u8..40, any::<i8>()).prop_map(|(f, n)| Op::Incr(f, n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random writes against a HashMap model, with thresholds small enough
    /// that hashes cross from listpack to hashtable.
    #[test]
    fn commands_match_a_hashmap_model(ops in prop::collection::vec(op(), 1..200)) {
        let (s, _) = store_with(8, 12);
        let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        for op in ops {
            match op {
                Op::Set(f, v) => {
                    let field = format!("f{f}").into_bytes();
                    // Long values now and then, to cross the value limit.
                    let value = "v".repeat(usize::from(v)).into_bytes();
                    let added = s.hset("h", [(&field, &value)]).expect("hset");
                    prop_assert_eq!(added == 1, model.insert(field, value).is_none());
                }
                Op::Del(f) => {
                    let field = format!("f{f}").into_bytes();
                    let n = s.hdel("h", [&field]).expect("hdel");
                    prop_assert_eq!(n == 1, model.remove(&field).is_some());
                }
                Op::Incr(f, n) => {
                    let field = format!("f{f}").into_bytes();
                    let current = model.get(&field).map(|v| crate::number::parse_i64(v));
                    let got = s.hincrby("h", &field, i64::from(n));
                    match current {
                        Some(None) => prop_assert_eq!(got, Err(Error::HashNotInteger)),
                        Some(Some(c)) => {
                            prop_assert_eq!(got.clone(), Ok(c + i64::from(n)));
                            model.insert(field, (c + i64::from(n)).to_string().into_bytes());
                        }
                        None => {
                            prop_assert_eq!(got, Ok(i64::from(n)));
                            model.insert(field, i64::from(n).to_string().into_bytes());
                        }
                    }
                }
            }
            prop_assert_eq!(s.hlen("h").expect("hlen"), model.len());
        }
        let mut all = s.hgetall("h").expect("hgetall");
        all.sort();
        let mut expect: Vec<_> = model.into_iter().collect();
        expect.sort();
        prop_assert_eq!(&all, &expect);
        let big = expect.len() > 8 || expect.iter().any(|(_, v)| v.len() > 12);
        if expect.is_empty() {
            prop_assert_eq!(enc(&s, "h"), None);
        } else if big {
            prop_assert_eq!(enc(&s, "h"), Some("hashtable"));
        }
    }
}
