//! Unit tests of the set commands: encodings and their conversions, every
//! command's edge cases and errors, random picks, propagation.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use crate::{Config, Error, ManualClock, Reply, ScanOptions, Store, WriteObserver};

mod model;

const NOW: i64 = 1_700_000_000_000;

/// A store with small set thresholds: intset ≤ `ints`, listpack ≤
/// `entries` members of ≤ `value` bytes.
fn store_with(ints: usize, entries: usize, value: usize) -> (Store, ManualClock) {
    let clock = ManualClock::new(NOW);
    let config = Config::builder()
        .clock(clock.clone())
        .active_expire(false)
        .shards(4)
        .set_max_intset_entries(ints)
        .set_max_listpack_entries(entries)
        .set_max_listpack_value(value)
        .build();
    (Store::open(config).expect("open"), clock)
}

fn store() -> Store {
    store_with(512, 128, 64).0
}

#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl WriteObserver for Log {
    fn on_write(&self, argv: &[&[u8]]) {
        let cmd: Vec<String> = argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        self.0.lock().expect("log").push(cmd.join(" "));
    }
}

impl Log {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("log"))
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

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

fn bytes(items: &[&str]) -> Vec<Vec<u8>> {
    sorted(items.iter().map(|s| s.as_bytes().to_vec()).collect())
}

fn members(s: &Store, key: &str) -> Vec<Vec<u8>> {
    sorted(s.smembers(key).expect("smembers"))
}

#[test]
fn intset_becomes_hashtable_past_its_entry_limit() {
    let (s, _) = store_with(4, 3, 8);
    assert_eq!(s.sadd("s", ["1", "2", "3", "4"]), Ok(4));
    assert_eq!(enc(&s, "s"), Some("intset"));
    assert_eq!(s.sadd("s", ["4"]), Ok(0));
    assert_eq!(enc(&s, "s"), Some("intset"));
    assert_eq!(s.sadd("s", ["5"]), Ok(1));
    assert_eq!(enc(&s, "s"), Some("hashtable"));
    // Never back.
    assert_eq!(s.srem("s", ["1", "2", "3", "4"]), Ok(4));
    assert_eq!(enc(&s, "s"), Some("hashtable"));
    assert_eq!(members(&s, "s"), bytes(&["5"]));
}

#[test]
fn intset_becomes_listpack_on_a_string_when_small_enough() {
    let (s, _) = store_with(4, 3, 8);
    s.sadd("s", ["1", "-2"]).expect("sadd");
    assert_eq!(s.sadd("s", ["x"]), Ok(1));
    assert_eq!(enc(&s, "s"), Some("listpack"));
    assert_eq!(members(&s, "s"), bytes(&["-2", "1", "x"]));
    assert!(s.sismember("s", "1").expect("sismember"));
    // Full listpack (3 entries): the next member converts.
    assert_eq!(s.sadd("s", ["y"]), Ok(1));
    assert_eq!(enc(&s, "s"), Some("hashtable"));
    assert_eq!(members(&s, "s"), bytes(&["-2", "1", "x", "y"]));
    // Removing everything but integers never goes back to intset.
    s.srem("s", ["x", "y"]).expect("srem");
    assert_eq!(enc(&s, "s"), Some("hashtable"));
}

#[test]
fn intset_at_the_listpack_limit_becomes_hashtable_on_a_string() {
    let (s, _) = store_with(4, 3, 8);
    s.sadd("s", ["1", "2", "3"]).expect("sadd");
    assert_eq!(enc(&s, "s"), Some("intset"));
    s.sadd("s", ["x"]).expect("sadd");
    assert_eq!(enc(&s, "s"), Some("hashtable"));
    // An intset whose integers are longer than the listpack value limit.
    let (s, _) = store_with(4, 3, 2);
    s.sadd("t", ["100"]).expect("sadd");
    s.sadd("t", ["x"]).expect("sadd");
    assert_eq!(enc(&s, "t"), Some("hashtable"));
    // A string longer than the limit.
    s.sadd("u", ["1"]).expect("sadd");
    s.sadd("u", ["xyz"]).expect("sadd");
    assert_eq!(enc(&s, "u"), Some("hashtable"));
}

#[test]
fn listpack_becomes_hashtable_on_count_or_length() {
    let (s, _) = store_with(4, 3, 8);
    s.sadd("s", ["a", "b", "c"]).expect("sadd");
    assert_eq!(enc(&s, "s"), Some("listpack"));
    s.sadd("s", ["a"]).expect("sadd");
    assert_eq!(enc(&s, "s"), Some("listpack"));
    s.sadd("s", ["d"]).expect("sadd");
    assert_eq!(enc(&s, "s"), Some("hashtable"));
    s.sadd("t", ["a"]).expect("sadd");
    s.sadd("t", ["123456789"]).expect("sadd");
    assert_eq!(enc(&s, "t"), Some("hashtable"));
    // Integers in a listpack are found by their decimal text.
    s.sadd("u", ["a", "12"]).expect("sadd");
    assert_eq!(enc(&s, "u"), Some("listpack"));
    assert_eq!(
        s.smismember("u", ["12", "012", "a"]),
        Ok(vec![true, false, true])
    );
    assert_eq!(s.srem("u", ["012"]), Ok(0));
    assert_eq!(s.srem("u", ["12"]), Ok(1));
}

#[test]
fn sadd_encoding_follows_the_members_not_the_argument_count() {
    let (s, _) = store_with(4, 3, 8);
    // New sets: Redis 7.0's setTypeCreate(first member), then one member at
    // a time (no Redis 7.2 size hint from the argument count).
    s.sadd("a", ["1", "2", "3", "4"]).expect("sadd");
    assert_eq!(enc(&s, "a"), Some("intset"));
    s.sadd("b", ["1", "1", "1", "1", "1"]).expect("sadd");
    assert_eq!(enc(&s, "b"), Some("intset"), "one member, five arguments");
    assert_eq!(s.smembers("b"), Ok(bytes(&["1"])));
    s.sadd("c", ["x", "1", "1"]).expect("sadd");
    assert_eq!(enc(&s, "c"), Some("listpack"));
    s.sadd("d", ["x", "x", "x", "x"]).expect("sadd");
    assert_eq!(enc(&s, "d"), Some("listpack"), "one member, four arguments");
    s.sadd("f", ["1", "2", "3", "4", "5"]).expect("sadd");
    assert_eq!(enc(&s, "f"), Some("hashtable"), "5 integers > intset limit");
    s.sadd("g", ["x", "y", "z", "w"]).expect("sadd");
    assert_eq!(
        enc(&s, "g"),
        Some("hashtable"),
        "4 members > listpack limit"
    );
    // Existing sets convert only when their members need it.
    s.sadd("c", ["x", "x", "x", "x"]).expect("sadd");
    assert_eq!(enc(&s, "c"), Some("listpack"));
    s.sadd("e", ["3", "2"]).expect("sadd");
    s.sadd("e", ["1", "1", "1", "1", "1"]).expect("sadd");
    assert_eq!(enc(&s, "e"), Some("intset"));
    assert_eq!(s.smembers("e"), Ok(bytes(&["1", "2", "3"])), "sorted");
    s.sadd("e", ["4", "5"]).expect("sadd");
    assert_eq!(enc(&s, "e"), Some("hashtable"));
    assert_eq!(s.scard("e"), Ok(5));
}

#[test]
fn spop_leaving_few_members_rebuilds_the_smallest_encoding() {
    let (s, _) = store_with(8, 8, 16);
    let ten: Vec<String> = (1..=10).map(|i| i.to_string()).collect();
    s.sadd("t", &ten).expect("sadd");
    assert_eq!(enc(&s, "t"), Some("hashtable"));
    // 1 left, 1 * 5 <= 9: Redis 7.0's case 3 rebuilds an intset.
    let popped = s.spop_count("t", 9).expect("spop");
    assert_eq!(popped.len(), 9);
    assert_eq!(enc(&s, "t"), Some("intset"));
    let mut all: BTreeSet<Vec<u8>> = popped.into_iter().collect();
    all.extend(s.smembers("t").expect("smembers"));
    assert_eq!(all.len(), 10);
    // 2 left, 2 * 5 > 8: case 2 pops one at a time, the encoding stays.
    s.sadd("u", &ten).expect("sadd");
    assert_eq!(s.spop_count("u", 8).map(|p| p.len()), Ok(8));
    assert_eq!(enc(&s, "u"), Some("hashtable"));
    // Strings left: a listpack, or a table when they do not fit one.
    let words: Vec<String> = (0..12).map(|i| format!("w{i}")).collect();
    s.sadd("w", &words).expect("sadd");
    assert_eq!(enc(&s, "w"), Some("hashtable"));
    s.spop_count("w", 10).expect("spop");
    assert_eq!(enc(&s, "w"), Some("listpack"));
    let long: Vec<String> = (0..12).map(|i| format!("{i:020}x")).collect();
    s.sadd("l", &long).expect("sadd");
    s.spop_count("l", 10).expect("spop");
    assert_eq!(enc(&s, "l"), Some("hashtable"));
    assert_eq!(s.scard("l"), Ok(2));
    // Propagation is unchanged: the popped members as SREM.
    let log = logged(&s);
    s.sadd("p", &ten).expect("sadd");
    log.take();
    let popped = s.spop_count("p", 9).expect("spop");
    let names: Vec<String> = popped
        .iter()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .collect();
    assert_eq!(log.take(), [format!("SREM p {}", names.join(" "))]);
}

#[test]
fn store_results_get_the_smallest_encoding() {
    let (s, _) = store_with(4, 3, 8);
    s.sadd("big", ["1", "2", "x", "y", "z", "w"]).expect("sadd");
    s.sadd("ints", ["1", "2", "100"]).expect("sadd");
    assert_eq!(enc(&s, "big"), Some("hashtable"));
    assert_eq!(s.sinterstore("d", ["big", "ints"]), Ok(2));
    assert_eq!(enc(&s, "d"), Some("intset"));
    assert_eq!(s.sdiffstore("d", ["big", "ints"]), Ok(4));
    assert_eq!(enc(&s, "d"), Some("hashtable"));
    s.sadd("xy", ["x", "y"]).expect("sadd");
    assert_eq!(s.sinterstore("d", ["big", "xy"]), Ok(2));
    assert_eq!(enc(&s, "d"), Some("listpack"));
    assert_eq!(s.sunionstore("d", ["ints", "xy"]), Ok(5));
    assert_eq!(enc(&s, "d"), Some("hashtable"));
    assert_eq!(s.sunionstore("d", ["ints", "ints"]), Ok(3));
    assert_eq!(enc(&s, "d"), Some("intset"));
    // SMOVE creates the destination for the member it moves.
    assert_eq!(s.smove("big", "m1", "1"), Ok(true));
    assert_eq!(enc(&s, "m1"), Some("intset"));
    assert_eq!(s.smove("big", "m2", "x"), Ok(true));
    assert_eq!(enc(&s, "m2"), Some("listpack"));
}

#[test]
fn basic_commands_in_every_encoding() {
    let (s, _) = store_with(8, 8, 16);
    let cases: [(&str, Vec<String>); 3] = [
        ("ints", (0..6).map(|i| (i * 1000).to_string()).collect()),
        ("packed", (0..6).map(|i| format!("m{i}")).collect()),
        ("table", (0..20).map(|i| format!("member-{i}")).collect()),
    ];
    for (key, items) in &cases {
        assert_eq!(s.sadd(key, items), Ok(items.len()));
        let expect = sorted(items.iter().map(|m| m.as_bytes().to_vec()).collect());
        assert_eq!(members(&s, key), expect);
        assert_eq!(s.scard(key), Ok(items.len()));
        assert_eq!(s.sismember(key, &items[0]), Ok(true));
        assert_eq!(s.sismember(key, "nope"), Ok(false));
        assert_eq!(s.srem(key, [&items[0], &items[0]]), Ok(1));
        assert_eq!(s.sismember(key, &items[0]), Ok(false));
        assert_eq!(s.sadd(key, [&items[0]]), Ok(1));
    }
    assert_eq!(enc(&s, "ints"), Some("intset"));
    assert_eq!(enc(&s, "packed"), Some("listpack"));
    assert_eq!(enc(&s, "table"), Some("hashtable"));
    // Missing keys read as empty sets.
    assert_eq!(s.smembers("missing"), Ok(vec![]));
    assert_eq!(s.scard("missing"), Ok(0));
    assert_eq!(s.sismember("missing", "a"), Ok(false));
    assert_eq!(s.smismember("missing", ["a", "b"]), Ok(vec![false, false]));
    assert_eq!(s.srem("missing", ["a"]), Ok(0));
    // Emptied sets are deleted.
    s.sadd("gone", ["1", "x"]).expect("sadd");
    assert_eq!(s.srem("gone", ["1", "x", "y"]), Ok(2));
    assert_eq!(s.exists(["gone"]), Ok(0));
}

#[test]
fn set_algebra() {
    let s = store();
    s.sadd("a", ["1", "2", "3", "x"]).expect("sadd");
    s.sadd("b", ["2", "3", "4", "x", "y"]).expect("sadd");
    s.sadd("c", ["3", "x", "z"]).expect("sadd");
    assert_eq!(
        sorted(s.sinter(["a", "b", "c"]).expect("sinter")),
        bytes(&["3", "x"])
    );
    assert_eq!(s.sinter(["a", "missing"]), Ok(vec![]));
    assert_eq!(
        sorted(s.sinter(["a"]).expect("sinter")),
        bytes(&["1", "2", "3", "x"])
    );
    assert_eq!(s.sintercard(["a", "b"], 0), Ok(3));
    assert_eq!(s.sintercard(["a", "b"], 2), Ok(2));
    assert_eq!(s.sintercard(["a", "b"], 10), Ok(3));
    assert_eq!(s.sintercard(["a", "missing"], 0), Ok(0));
    assert_eq!(
        sorted(s.sunion(["a", "c", "missing"]).expect("sunion")),
        bytes(&["1", "2", "3", "x", "z"])
    );
    assert_eq!(
        sorted(s.sdiff(["b", "a", "c"]).expect("sdiff")),
        bytes(&["4", "y"])
    );
    assert_eq!(s.sdiff(["a", "a"]), Ok(vec![]));
    assert_eq!(s.sdiff(["missing", "a"]), Ok(vec![]));
    assert_eq!(
        sorted(s.sdiff(["a", "missing"]).expect("sdiff")),
        members(&s, "a")
    );
    // STORE forms overwrite any kind of value and drop its TTL.
    s.set("dst", "a string").expect("set");
    s.expire("dst", 100).expect("expire");
    assert_eq!(s.sunionstore("dst", ["a", "c"]), Ok(5));
    assert_eq!(s.ttl("dst"), Ok(-1));
    assert_eq!(members(&s, "dst"), bytes(&["1", "2", "3", "x", "z"]));
    // A destination among the sources.
    assert_eq!(s.sinterstore("a", ["a", "c"]), Ok(2));
    assert_eq!(members(&s, "a"), bytes(&["3", "x"]));
    // Empty results delete the destination.
    assert_eq!(s.sdiffstore("dst", ["a", "a"]), Ok(0));
    assert_eq!(s.exists(["dst"]), Ok(0));
    assert_eq!(s.sinterstore("dst", ["a", "missing"]), Ok(0));
    // Errors of the typed API without keys.
    assert_eq!(
        s.sinter(Vec::<&str>::new()),
        Err(Error::WrongArity("sinter".into()))
    );
    assert_eq!(
        s.sintercard(Vec::<&str>::new(), 0),
        Err(Error::NumkeysNotPositive)
    );
}

#[test]
fn smove_cases() {
    let s = store();
    s.sadd("src", ["a", "b"]).expect("sadd");
    s.sadd("dst", ["b"]).expect("sadd");
    s.set("str", "v").expect("set");
    assert_eq!(s.smove("src", "dst", "a"), Ok(true));
    assert_eq!(members(&s, "dst"), bytes(&["a", "b"]));
    // Already in the destination: still moved (removed from the source).
    assert_eq!(s.smove("src", "dst", "b"), Ok(true));
    assert_eq!(s.exists(["src"]), Ok(0), "emptied source deleted");
    assert_eq!(
        s.smove("missing", "str", "a"),
        Ok(false),
        "missing source first"
    );
    assert_eq!(s.smove("str", "dst", "a"), Err(Error::WrongType));
    assert_eq!(s.smove("dst", "str", "a"), Err(Error::WrongType));
    assert_eq!(s.smove("dst", "str", "nope"), Err(Error::WrongType));
    assert_eq!(s.smove("dst", "dst", "a"), Ok(true));
    assert_eq!(s.smove("dst", "dst", "zz"), Ok(false));
    assert_eq!(s.smove("dst", "other", "zz"), Ok(false));
    assert_eq!(s.exists(["other"]), Ok(0));
    assert_eq!(members(&s, "dst"), bytes(&["a", "b"]));
}

#[test]
fn spop_and_srandmember_in_every_encoding() {
    let (s, _) = store_with(64, 64, 64);
    let sets: [(&str, Vec<String>); 3] = [
        ("ints", (0..50).map(|i| i.to_string()).collect()),
        ("packed", (0..50).map(|i| format!("p{i}")).collect()),
        ("table", (0..500).map(|i| format!("t{i}")).collect()),
    ];
    for (key, items) in &sets {
        s.sadd(key, items).expect("sadd");
        let all: BTreeSet<Vec<u8>> = items.iter().map(|m| m.as_bytes().to_vec()).collect();
        let n = items.len();
        for count in [1, 3, n / 4, n / 2, n - 1, n, n + 5] {
            let got = s
                .srandmember_count(key, i64::try_from(count).expect("count"))
                .expect("rand");
            let distinct: BTreeSet<Vec<u8>> = got.iter().cloned().collect();
            assert_eq!(got.len(), count.min(n), "{key} {count}");
            assert_eq!(distinct.len(), got.len(), "distinct");
            assert!(distinct.is_subset(&all));
            let rep = s
                .srandmember_count(key, -i64::try_from(count).expect("count"))
                .expect("rand");
            assert_eq!(rep.len(), count);
            assert!(rep.iter().all(|m| all.contains(m)));
        }
        assert!(all.contains(&s.srandmember(key).expect("rand").expect("some")));
        assert_eq!(s.srandmember_count(key, 0), Ok(vec![]));
        // Pop a few, then the rest.
        let mut popped = BTreeSet::new();
        let some = s.spop_count(key, n / 3).expect("spop");
        assert_eq!(some.len(), n / 3);
        popped.extend(some);
        assert_eq!(popped.len(), n / 3, "distinct pops");
        assert_eq!(s.scard(key), Ok(n - n / 3));
        popped.insert(s.spop(key).expect("spop").expect("one"));
        assert_eq!(s.spop_count(key, 0), Ok(vec![]));
        let rest = s.spop_count(key, n).expect("spop");
        assert_eq!(rest.len(), n - n / 3 - 1);
        popped.extend(rest);
        assert_eq!(popped, all);
        assert_eq!(s.exists([key]), Ok(0));
    }
    assert_eq!(s.spop("missing"), Ok(None));
    assert_eq!(s.spop_count("missing", 3), Ok(vec![]));
    assert_eq!(s.srandmember("missing"), Ok(None));
    assert_eq!(s.srandmember_count("missing", -3), Ok(vec![]));
}

#[test]
fn random_counts_are_bounded() {
    let s = store();
    s.sadd("s", ["a"]).expect("sadd");
    assert_eq!(
        s.srandmember_count("s", i64::MIN),
        Err(Error::HashCountRange)
    );
    assert_eq!(
        s.srandmember_count("s", -(1 << 40)),
        Err(Error::HashCountOutOfRange)
    );
    assert_eq!(s.srandmember_count("missing", -(1 << 40)), Ok(vec![]));
    assert_eq!(s.srandmember_count("s", i64::MAX), Ok(vec![b"a".to_vec()]));
    assert_eq!(s.spop_count("s", usize::MAX), Ok(vec![b"a".to_vec()]));
}

#[test]
fn sscan_pages() {
    let s = store();
    s.sadd("ints", ["1", "2", "30"]).expect("sadd");
    let page = s
        .sscan("ints", 0, &ScanOptions::new().pattern("3*"))
        .expect("sscan");
    assert_eq!((page.cursor, page.members), (0, vec![b"30".to_vec()]));
    let page = s.sscan("ints", 12345, &ScanOptions::new()).expect("sscan");
    assert_eq!(page.members.len(), 3, "packed sets answer whole");
    let items: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
    s.sadd("big", &items).expect("sadd");
    let mut seen = BTreeSet::new();
    let mut cursor = 0;
    let mut calls = 0;
    loop {
        let page = s
            .sscan("big", cursor, &ScanOptions::new().count(50))
            .expect("sscan");
        seen.extend(page.members);
        calls += 1;
        cursor = page.cursor;
        if cursor == 0 {
            break;
        }
    }
    assert!(calls > 5, "paged: {calls}");
    assert_eq!(seen.len(), 1000);
    let page = s.sscan("big", 1 << 40, &ScanOptions::new()).expect("sscan");
    assert_eq!((page.cursor, page.members.len()), (0, 0));
    let page = s.sscan("missing", 7, &ScanOptions::new()).expect("sscan");
    assert_eq!((page.cursor, page.members.len()), (0, 0));
}

#[test]
fn wrongtype_everywhere() {
    let s = store();
    s.plant_test_list(b"list");
    s.set("str", "v").expect("set");
    s.sadd("set", ["a"]).expect("sadd");
    for key in ["list", "str"] {
        assert_eq!(s.sadd(key, ["a"]), Err(Error::WrongType));
        assert_eq!(s.srem(key, ["a"]), Err(Error::WrongType));
        assert_eq!(s.smembers(key), Err(Error::WrongType));
        assert_eq!(s.sismember(key, "a"), Err(Error::WrongType));
        assert_eq!(s.smismember(key, ["a"]), Err(Error::WrongType));
        assert_eq!(s.scard(key), Err(Error::WrongType));
        assert_eq!(s.spop(key), Err(Error::WrongType));
        assert_eq!(s.spop_count(key, 0), Err(Error::WrongType));
        assert_eq!(s.srandmember(key), Err(Error::WrongType));
        assert_eq!(s.srandmember_count(key, 0), Err(Error::WrongType));
        assert_eq!(
            s.sscan(key, 0, &ScanOptions::new()).map(|p| p.cursor),
            Err(Error::WrongType)
        );
        // Multi-key commands check every key, even after a missing one.
        assert_eq!(s.sinter(["missing", key]), Err(Error::WrongType));
        assert_eq!(s.sintercard(["missing", key], 0), Err(Error::WrongType));
        assert_eq!(s.sunion(["set", key]), Err(Error::WrongType));
        assert_eq!(s.sdiff(["missing", key]), Err(Error::WrongType));
        assert_eq!(s.sinterstore("d", ["missing", key]), Err(Error::WrongType));
        assert_eq!(s.sunionstore("d", ["set", key]), Err(Error::WrongType));
        assert_eq!(s.sdiffstore("d", ["set", key]), Err(Error::WrongType));
    }
    assert_eq!(s.exists(["d"]), Ok(0));
    assert_eq!(s.execute(&["LLEN", "list"]), Reply::Integer(1), "untouched");
}

#[test]
fn command_errors_match_redis() {
    let s = store();
    s.sadd("t", ["a", "b", "c"]).expect("sadd");
    s.set("str", "x").expect("set");
    let cases: &[(&[&str], &str)] = &[
        (
            &["SPOP", "t", "-1"],
            "ERR value is out of range, must be positive",
        ),
        (
            &["SPOP", "t", "x"],
            "ERR value is out of range, must be positive",
        ),
        (
            &["SPOP", "str", "-1"],
            "ERR value is out of range, must be positive",
        ),
        (&["SPOP", "t", "1", "2"], "ERR syntax error"),
        (
            &["SPOP", "str", "0"],
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        ),
        (
            &["SRANDMEMBER", "t", "x"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["SRANDMEMBER", "nokey", "x"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["SRANDMEMBER", "t", "-9223372036854775808"],
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ),
        (&["SRANDMEMBER", "t", "1", "2"], "ERR syntax error"),
        (
            &["SRANDMEMBER", "str", "0"],
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        ),
        (
            &["SINTERCARD", "0", "t"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "x", "t"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "3", "t"],
            "ERR Number of keys can't be greater than number of args",
        ),
        (
            &["SINTERCARD", "1", "t", "LIMIT", "-1"],
            "ERR LIMIT can't be negative",
        ),
        (
            &["SINTERCARD", "1", "t", "LIMIT", "x"],
            "ERR LIMIT can't be negative",
        ),
        (
            &["SINTERCARD", "1", "str", "LIMIT", "-1"],
            "ERR LIMIT can't be negative",
        ),
        (&["SINTERCARD", "1", "t", "LIMIT"], "ERR syntax error"),
        (&["SINTERCARD", "1", "t", "FOO", "1"], "ERR syntax error"),
        (
            &["SINTERCARD", "2", "nokey", "str"],
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        ),
        (&["SSCAN", "t", "x"], "ERR invalid cursor"),
        (
            &["SSCAN", "t", "18446744073709551616"],
            "ERR invalid cursor",
        ),
        (&["SSCAN", "t", "0", "COUNT", "0"], "ERR syntax error"),
        (
            &["SSCAN", "t", "0", "COUNT", "x"],
            "ERR value is not an integer or out of range",
        ),
        (&["SSCAN", "t", "0", "MATCH"], "ERR syntax error"),
        (&["SSCAN", "t", "0", "FOO", "bar"], "ERR syntax error"),
        (
            &["SSCAN", "str", "0", "COUNT", "0"],
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        ),
        (
            &["SADD", "t"],
            "ERR wrong number of arguments for 'sadd' command",
        ),
        (
            &["SMOVE", "t", "u"],
            "ERR wrong number of arguments for 'smove' command",
        ),
        (
            &["SINTERCARD", "1"],
            "ERR wrong number of arguments for 'sintercard' command",
        ),
        (
            &["SINTERSTORE", "d"],
            "ERR wrong number of arguments for 'sinterstore' command",
        ),
        (
            &["SMISMEMBER", "t"],
            "ERR wrong number of arguments for 'smismember' command",
        ),
    ];
    for (argv, text) in cases {
        assert_eq!(err_text(s.execute(argv)), *text, "{argv:?}");
    }
    // Non-errors at the edges.
    assert_eq!(s.execute(&["SSCAN", "nokey", "0", "COUNT", "0"]), {
        Reply::Array(vec![Reply::Bulk(b"0".to_vec()), Reply::Array(vec![])])
    });
    assert_eq!(
        s.execute(&["SINTERCARD", "1", "t", "LIMIT", "1", "LIMIT", "2"]),
        Reply::Integer(2)
    );
    assert_eq!(
        s.execute(&["SINTERCARD", "1", "t", "LIMIT", "0"]),
        Reply::Integer(3)
    );
    assert_eq!(s.execute(&["SPOP", "nokey", "3"]), Reply::Set(vec![]));
    assert_eq!(s.execute(&["SPOP", "nokey"]), Reply::Null);
    assert_eq!(
        s.execute(&["SRANDMEMBER", "nokey", "3"]),
        Reply::Array(vec![])
    );
    assert_eq!(
        s.execute(&["SMISMEMBER", "nokey", "a"]),
        Reply::Array(vec![Reply::Integer(0)])
    );
    assert_eq!(s.execute(&["SISMEMBER", "t", "a"]), Reply::Integer(1));
    assert_eq!(
        s.execute(&["SMOVE", "nokey", "str", "a"]),
        Reply::Integer(0)
    );
    assert_eq!(s.execute(&["SCARD", "t"]), Reply::Integer(3));
    assert!(matches!(s.execute(&["SMEMBERS", "t"]), Reply::Set(m) if m.len() == 3));
    assert!(matches!(s.execute(&["SINTER", "t"]), Reply::Set(m) if m.len() == 3));
    assert!(matches!(s.execute(&["SRANDMEMBER", "t", "-5"]), Reply::Array(m) if m.len() == 5));
    assert!(matches!(s.execute(&["SPOP", "t", "2"]), Reply::Set(m) if m.len() == 2));
}

#[test]
fn propagation_is_canonical() {
    let s = store();
    let log = logged(&s);
    s.sadd("s", ["a", "b", "a"]).expect("sadd");
    s.sadd("s", ["a"]).expect("sadd");
    s.srem("s", ["zz"]).expect("srem");
    s.srem("s", ["a", "zz"]).expect("srem");
    assert_eq!(log.take(), ["SADD s a b a", "SREM s a zz"]);
    s.sadd("s", ["c", "d", "e", "f"]).expect("sadd");
    log.take();
    let one = s.spop("s").expect("spop").expect("one");
    assert_eq!(
        log.take(),
        [format!("SREM s {}", String::from_utf8_lossy(&one))]
    );
    let two = s.spop_count("s", 2).expect("spop");
    let names: Vec<String> = two
        .iter()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .collect();
    assert_eq!(log.take(), [format!("SREM s {}", names.join(" "))]);
    s.spop_count("s", 0).expect("spop");
    s.spop_count("missing", 3).expect("spop");
    assert_eq!(log.take(), Vec::<String>::new());
    s.spop_count("s", 10).expect("spop");
    assert_eq!(log.take(), ["DEL s"], "whole-set pop");
    // Big pops come in batches of 1024 members.
    let items: Vec<String> = (0..3000).map(|i| format!("m{i}")).collect();
    s.sadd("big", &items).expect("sadd");
    log.take();
    s.spop_count("big", 2500).expect("spop");
    let batches = log.take();
    assert_eq!(batches.len(), 3);
    let total: usize = batches.iter().map(|c| c.split(' ').count() - 2).sum();
    assert_eq!(total, 2500);
    // SMOVE as given; no-ops propagate nothing.
    s.sadd("a", ["x"]).expect("sadd");
    log.take();
    s.smove("a", "b", "x").expect("smove");
    s.smove("b", "b", "x").expect("smove");
    s.smove("b", "c", "nope").expect("smove");
    assert_eq!(log.take(), ["SMOVE a b x"]);
    // STORE forms as given, when they changed something.
    s.sinterstore("d", ["b", "missing"]).expect("store");
    assert_eq!(log.take(), Vec::<String>::new(), "nothing to delete");
    s.sunionstore("d", ["b"]).expect("store");
    s.sdiffstore("d", ["b", "b"]).expect("store");
    assert_eq!(log.take(), ["SUNIONSTORE d b", "SDIFFSTORE d b b"]);
}

#[test]
fn expired_sources_are_reclaimed_and_propagated() {
    let (s, clock) = store_with(512, 128, 64);
    s.sadd("a", ["1", "2"]).expect("sadd");
    s.sadd("b", ["2"]).expect("sadd");
    s.expire("b", 10).expect("expire");
    clock.advance(std::time::Duration::from_secs(11));
    let log = logged(&s);
    assert_eq!(s.sinter(["a", "b"]), Ok(vec![]));
    assert_eq!(log.take(), ["DEL b"]);
    s.sadd("b", ["2"]).expect("sadd");
    s.expire("b", 10).expect("expire");
    clock.advance(std::time::Duration::from_secs(11));
    log.take();
    assert_eq!(s.sdiffstore("d", ["a", "b"]), Ok(2));
    assert_eq!(log.take(), ["DEL b", "SDIFFSTORE d a b"]);
}

#[test]
fn memory_per_member_beats_redis() {
    // Redis 7.0's used_memory per member: 55.3 B for 1M integers (i*7) and
    // 72.4 B for 1M 16-byte strings.
    let s = store();
    let base = s.used_memory();
    let ints: Vec<String> = (0..1_000_000i64).map(|i| (i * 7).to_string()).collect();
    for chunk in ints.chunks(1000) {
        s.sadd("ints", chunk).expect("sadd");
    }
    let per = (s.used_memory() - base) as f64 / 1e6;
    assert!(per <= 55.3, "{per} B/member for integers");
    drop(ints);
    s.del(["ints"]).expect("del");
    let base = s.used_memory();
    let strs: Vec<String> = (0..1_000_000u64).map(|i| format!("{i:016}")).collect();
    for chunk in strs.chunks(1000) {
        s.sadd("strs", chunk).expect("sadd");
    }
    let per = (s.used_memory() - base) as f64 / 1e6;
    assert!(per <= 72.4, "{per} B/member for 16-byte strings");
}
