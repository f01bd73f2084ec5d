//! The write-propagation hook: every successful write hands its canonical,
//! deterministic command to the observers (Redis's `propagate`), failed or
//! read-only commands hand nothing, and replaying the stream rebuilds the
//! same data.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use kvstore::{
    Config, ExpireCondition, Expiry, GetExpiry, ManualClock, Reply, SetOptions, Store,
    WriteObserver,
};
use proptest::prelude::*;

const T0: i64 = 1_700_000_000_000;

type Argv = Vec<Vec<u8>>;

/// Records every propagated command, with the store's clock at that moment.
struct Recorder {
    clock: ManualClock,
    log: Mutex<Vec<(i64, Argv)>>,
}

impl WriteObserver for Recorder {
    fn on_write(&self, argv: &[&[u8]]) {
        let cmd = argv.iter().map(|a| a.to_vec()).collect();
        let now = kvstore::Clock::now_ms(&self.clock);
        self.log.lock().expect("recorder lock").push((now, cmd));
    }
}

impl Recorder {
    fn take(&self) -> Vec<Argv> {
        std::mem::take(&mut *self.log.lock().expect("recorder lock"))
            .into_iter()
            .map(|(_, argv)| argv)
            .collect()
    }

    fn take_timed(&self) -> Vec<(i64, Argv)> {
        std::mem::take(&mut *self.log.lock().expect("recorder lock"))
    }
}

fn setup() -> (Store, ManualClock, Arc<Recorder>) {
    let (store, clock) = common::manual_store(T0, 64);
    let rec = Arc::new(Recorder {
        clock: clock.clone(),
        log: Mutex::new(Vec::new()),
    });
    store.add_write_observer(rec.clone());
    (store, clock, rec)
}

fn cmd(parts: &[&str]) -> Argv {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

fn show(cmds: &[Argv]) -> Vec<String> {
    cmds.iter()
        .map(|argv| {
            argv.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[track_caller]
fn expect(rec: &Recorder, expected: &[&[&str]]) {
    let got = rec.take();
    let want: Vec<Argv> = expected.iter().map(|c| cmd(c)).collect();
    assert_eq!(show(&got), show(&want));
}

fn ok(reply: Reply) {
    assert!(!reply.is_error(), "unexpected error reply {reply:?}");
}

#[test]
fn set_forms() {
    let (store, _clock, rec) = setup();
    let abs = (T0 + 10_000).to_string();

    store.set("k", "v").unwrap();
    expect(&rec, &[&["SET", "k", "v"]]);

    store.set_with("k", "v", SetOptions::new().ex(10)).unwrap();
    expect(&rec, &[&["SET", "k", "v", "PXAT", &abs]]);

    ok(store.execute(&["SET", "k", "v", "EX", "10"]));
    expect(&rec, &[&["SET", "k", "v", "PXAT", &abs]]);

    ok(store.execute(&["SET", "k", "v", "PX", "10000"]));
    expect(&rec, &[&["SET", "k", "v", "PXAT", &abs]]);

    ok(store.execute(&["SET", "k", "v", "EXAT", &(T0 / 1000 + 10).to_string()]));
    expect(&rec, &[&["SET", "k", "v", "PXAT", &abs]]);

    ok(store.execute(&["SET", "k", "v", "PXAT", &abs]));
    expect(&rec, &[&["SET", "k", "v", "PXAT", &abs]]);

    store
        .set_with("k", "w", SetOptions::new().keepttl())
        .unwrap();
    expect(&rec, &[&["SET", "k", "w", "KEEPTTL"]]);
    assert_eq!(store.pttl("k").unwrap(), 10_000);

    // GET is not part of the canonical form.
    ok(store.execute(&["SET", "k", "x", "GET"]));
    expect(&rec, &[&["SET", "k", "x"]]);

    // NX/XX that let the write through are dropped too: the write happened.
    ok(store.execute(&["SET", "new", "1", "NX"]));
    expect(&rec, &[&["SET", "new", "1"]]);
    ok(store.execute(&["SET", "new", "2", "XX", "PX", "10000"]));
    expect(&rec, &[&["SET", "new", "2", "PXAT", &abs]]);
}

#[test]
fn setex_psetex_setnx_getset() {
    let (store, _clock, rec) = setup();
    let abs = (T0 + 10_000).to_string();

    store.setex("a", 10, "v").unwrap();
    expect(&rec, &[&["SET", "a", "v", "PXAT", &abs]]);
    ok(store.execute(&["SETEX", "a", "10", "v"]));
    expect(&rec, &[&["SET", "a", "v", "PXAT", &abs]]);

    store.psetex("b", 10_000, "v").unwrap();
    expect(&rec, &[&["SET", "b", "v", "PXAT", &abs]]);
    ok(store.execute(&["PSETEX", "b", "10000", "v"]));
    expect(&rec, &[&["SET", "b", "v", "PXAT", &abs]]);

    assert!(store.setnx("c", "1").unwrap());
    expect(&rec, &[&["SET", "c", "1"]]);

    assert_eq!(store.getset("c", "2").unwrap(), Some(b"1".to_vec()));
    expect(&rec, &[&["SET", "c", "2"]]);
    ok(store.execute(&["GETSET", "c", "3"]));
    expect(&rec, &[&["SET", "c", "3"]]);
}

#[test]
fn getex_forms() {
    let (store, _clock, rec) = setup();
    store.set("k", "v").unwrap();
    rec.take();

    store
        .getex("k", GetExpiry::Set(Expiry::Ex(10)))
        .unwrap()
        .expect("value");
    expect(&rec, &[&["PEXPIREAT", "k", &(T0 + 10_000).to_string()]]);

    ok(store.execute(&["GETEX", "k", "PX", "5000"]));
    expect(&rec, &[&["PEXPIREAT", "k", &(T0 + 5_000).to_string()]]);

    // PERSIST only when there was a TTL to remove.
    store.getex("k", GetExpiry::Persist).unwrap();
    expect(&rec, &[&["PERSIST", "k"]]);
    store.getex("k", GetExpiry::Persist).unwrap();
    expect(&rec, &[]);
    ok(store.execute(&["GETEX", "k", "PERSIST"]));
    expect(&rec, &[]);

    // Plain GETEX changes nothing.
    store.getex("k", GetExpiry::Keep).unwrap();
    expect(&rec, &[]);

    // An absolute time in the past deletes the key.
    assert_eq!(
        store
            .getex("k", GetExpiry::Set(Expiry::ExAt(T0 / 1000 - 1)))
            .unwrap(),
        Some(b"v".to_vec())
    );
    expect(&rec, &[&["DEL", "k"]]);
    assert_eq!(store.get("k").unwrap(), None);

    store.set("k", "v").unwrap();
    rec.take();
    ok(store.execute(&["GETEX", "k", "PXAT", "1"]));
    expect(&rec, &[&["DEL", "k"]]);

    // Missing key: nothing.
    ok(store.execute(&["GETEX", "k", "EX", "10"]));
    expect(&rec, &[]);
}

#[test]
fn expire_family_becomes_pexpireat_or_del() {
    let (store, _clock, rec) = setup();
    store.set("k", "v").unwrap();
    rec.take();

    assert!(store.expire("k", 10).unwrap());
    expect(&rec, &[&["PEXPIREAT", "k", &(T0 + 10_000).to_string()]]);
    assert!(store.pexpire("k", 1500).unwrap());
    expect(&rec, &[&["PEXPIREAT", "k", &(T0 + 1_500).to_string()]]);
    assert!(store.expireat("k", T0 / 1000 + 20).unwrap());
    expect(&rec, &[&["PEXPIREAT", "k", &(T0 + 20_000).to_string()]]);
    assert!(store.pexpireat("k", T0 + 30_000).unwrap());
    expect(&rec, &[&["PEXPIREAT", "k", &(T0 + 30_000).to_string()]]);
    ok(store.execute(&["EXPIRE", "k", "40", "GT"]));
    expect(&rec, &[&["PEXPIREAT", "k", &(T0 + 40_000).to_string()]]);

    // Conditions that refuse: nothing.
    assert!(
        !store
            .expire_with("k", 100, ExpireCondition::new().nx())
            .unwrap()
    );
    assert!(
        !store
            .expire_with("k", 1, ExpireCondition::new().gt())
            .unwrap()
    );
    ok(store.execute(&["PEXPIRE", "k", "999999", "LT"]));
    expect(&rec, &[]);

    assert!(store.persist("k").unwrap());
    expect(&rec, &[&["PERSIST", "k"]]);
    // No TTL left, or no key: PERSIST / EXPIRE do nothing.
    assert!(!store.persist("k").unwrap());
    assert!(!store.persist("missing").unwrap());
    assert!(!store.expire("missing", 10).unwrap());
    ok(store.execute(&["PEXPIREAT", "missing", "1"]));
    expect(&rec, &[]);

    // A time in the past deletes.
    assert!(store.expire("k", -1).unwrap());
    expect(&rec, &[&["DEL", "k"]]);
    store.set("k", "v").unwrap();
    rec.take();
    ok(store.execute(&["EXPIRE", "k", "-1"]));
    expect(&rec, &[&["DEL", "k"]]);
    store.set("k", "v").unwrap();
    rec.take();
    assert!(store.pexpireat("k", T0).unwrap(), "now counts as the past");
    expect(&rec, &[&["DEL", "k"]]);
}

#[test]
fn numbers_and_strings() {
    let (store, _clock, rec) = setup();
    store.incr("n").unwrap();
    store.decr("n").unwrap();
    store.incrby("n", 5).unwrap();
    store.decrby("n", 2).unwrap();
    expect(
        &rec,
        &[
            &["INCR", "n"],
            &["DECR", "n"],
            &["INCRBY", "n", "5"],
            &["DECRBY", "n", "2"],
        ],
    );

    store.set("f", "10.5").unwrap();
    store.expire("f", 100).unwrap();
    rec.take();
    // Sums exact in binary, so this checks the canonical form, not the
    // float formatting.
    assert_eq!(store.incrbyfloat("f", "0.25").unwrap(), b"10.75".to_vec());
    expect(&rec, &[&["SET", "f", "10.75", "KEEPTTL"]]);
    ok(store.execute(&["INCRBYFLOAT", "f", "1e1"]));
    expect(&rec, &[&["SET", "f", "20.75", "KEEPTTL"]]);
    assert_eq!(store.pttl("f").unwrap(), 100_000, "KEEPTTL kept the TTL");

    store.append("s", "ab").unwrap();
    store.setrange("s", 1, "Z").unwrap();
    expect(
        &rec,
        &[&["APPEND", "s", "ab"], &["SETRANGE", "s", "1", "Z"]],
    );

    assert_eq!(store.getdel("s").unwrap(), Some(b"aZ".to_vec()));
    expect(&rec, &[&["DEL", "s"]]);
}

#[test]
fn multi_key_commands() {
    let (store, _clock, rec) = setup();
    store.mset([("a", "1"), ("b", "2")]).unwrap();
    expect(&rec, &[&["MSET", "a", "1", "b", "2"]]);

    assert!(store.msetnx([("c", "3"), ("d", "4")]).unwrap());
    expect(&rec, &[&["MSET", "c", "3", "d", "4"]]);
    assert!(!store.msetnx([("e", "5"), ("a", "x")]).unwrap());
    expect(&rec, &[]);

    assert_eq!(store.del(["a", "missing", "b"]).unwrap(), 2);
    expect(&rec, &[&["DEL", "a", "b"]]);
    assert_eq!(store.del(["missing"]).unwrap(), 0);
    assert_eq!(store.unlink(["missing"]).unwrap(), 0);
    expect(&rec, &[]);

    store.rename("c", "c2").unwrap();
    assert!(store.renamenx("c2", "c3").unwrap());
    assert!(!store.renamenx("c3", "d").unwrap());
    expect(&rec, &[&["RENAME", "c", "c2"], &["RENAMENX", "c2", "c3"]]);

    assert!(store.copy("c3", "c4", false).unwrap());
    assert!(!store.copy("c3", "c4", false).unwrap());
    assert!(store.copy("c3", "c4", true).unwrap());
    expect(
        &rec,
        &[&["COPY", "c3", "c4"], &["COPY", "c3", "c4", "REPLACE"]],
    );

    store.flushdb().unwrap();
    expect(&rec, &[&["FLUSHDB"]]);
}

#[test]
fn failed_and_read_only_commands_propagate_nothing() {
    let (store, clock, rec) = setup();
    store.set("k", "hello").unwrap();
    store.set("n", "9223372036854775807").unwrap();
    rec.take();

    // Blocked conditions.
    assert!(
        !store
            .set_with("k", "x", SetOptions::new().nx())
            .unwrap()
            .written
    );
    assert!(
        !store
            .set_with("nope", "x", SetOptions::new().xx())
            .unwrap()
            .written
    );
    assert!(!store.setnx("k", "x").unwrap());
    // Errors.
    assert!(store.incr("k").is_err());
    assert!(store.incr("n").is_err());
    assert!(store.decrby("n", i64::MIN).is_err());
    assert!(store.set_with("k", "x", SetOptions::new().ex(0)).is_err());
    assert!(store.setex("k", -5, "x").is_err());
    assert!(store.setrange("k", -1, "x").is_err());
    assert!(store.rename("nope", "x").is_err());
    assert!(store.renamenx("nope", "x").is_err());
    assert!(store.copy("k", "k", false).is_err());
    assert!(store.incrbyfloat("k", "1").is_err());
    assert!(
        store
            .expire_with("k", 10, ExpireCondition::new().nx().xx())
            .is_err()
    );
    for argv in [
        &["SET", "k", "v", "NX", "XX"][..],
        &["SET", "k", "v", "EX", "abc"],
        &["INCRBY", "k", "1"],
        &["EXPIRE", "k", "10", "FOO"],
        &["EXPIRE", "k", "9223372036854775807"],
        &["GETEX", "k", "EX", "0"],
        &["MSET", "a"],
        &["COPY", "k", "x", "DB", "1"],
        &["FLUSHDB", "bogus"],
    ] {
        assert!(store.execute(argv).is_error(), "{argv:?}");
    }
    // No-ops.
    assert!(!store.copy("nope", "x", false).unwrap());
    assert_eq!(store.setrange("k", 3, "").unwrap(), 5);
    assert_eq!(store.setrange("nope", 3, "").unwrap(), 0);
    assert_eq!(store.getdel("nope").unwrap(), None);
    assert!(!store.renamenx("k", "k").unwrap());
    // Reads.
    store.get("k").unwrap();
    store.mget(["k", "nope"]).unwrap();
    store.exists(["k", "k"]).unwrap();
    store.strlen("k").unwrap();
    store.getrange("k", 0, -1).unwrap();
    store.ttl("k").unwrap();
    store.pttl("k").unwrap();
    store.keys("*").unwrap();
    let _ = store.dbsize();
    store.randomkey().unwrap();
    store.key_type("k").unwrap();
    store.object_encoding("k").unwrap();
    for argv in [
        &["GET", "k"][..],
        &["SCAN", "0"],
        &["TTL", "k"],
        &["EXPIRETIME", "k"],
        &["PEXPIRETIME", "k"],
        &["TYPE", "k"],
        &["OBJECT", "ENCODING", "k"],
        &["LCS", "k", "n"],
        &["DBSIZE"],
    ] {
        ok(store.execute(argv));
    }
    clock.advance(Duration::from_secs(5));
    assert_eq!(store.active_expire_cycle(), 0);
    expect(&rec, &[]);
}

#[test]
fn lazily_expired_keys_propagate_del_when_found() {
    let (store, clock, rec) = setup();
    store.set_with("w", "1", SetOptions::new().px(100)).unwrap();
    store.set_with("r", "1", SetOptions::new().px(100)).unwrap();
    store.set_with("m", "1", SetOptions::new().px(100)).unwrap();
    rec.take();
    clock.advance(Duration::from_millis(200));

    // A write that finds the expired key deletes it first.
    store.set("w", "2").unwrap();
    expect(&rec, &[&["DEL", "w"], &["SET", "w", "2"]]);

    // A read that finds it reclaims it too (Redis's expireIfNeeded).
    assert_eq!(store.get("r").unwrap(), None);
    expect(&rec, &[&["DEL", "r"]]);
    assert_eq!(store.get("r").unwrap(), None);
    expect(&rec, &[]);

    // DEL of an expired key: the expiry's DEL, and nothing for the DEL itself.
    assert_eq!(store.del(["m"]).unwrap(), 0);
    expect(&rec, &[&["DEL", "m"]]);
    assert_eq!(store.expired_keys(), 3);
}

#[test]
fn active_expire_cycle_propagates_del_per_reclaimed_key() {
    let (store, clock, rec) = setup();
    let keys: BTreeSet<String> = (0..200).map(|i| format!("key:{i}")).collect();
    for k in &keys {
        store.set_with(k, "v", SetOptions::new().px(1000)).unwrap();
    }
    store.set("stay", "v").unwrap();
    rec.take();
    clock.advance(Duration::from_secs(2));
    let mut reclaimed = 0;
    for _ in 0..10_000 {
        let n = store.active_expire_cycle();
        if n == 0 {
            break;
        }
        reclaimed += n;
    }
    assert_eq!(reclaimed, keys.len());
    let log = rec.take();
    let mut seen = BTreeSet::new();
    for argv in &log {
        assert_eq!(argv.len(), 2, "{:?}", show(std::slice::from_ref(argv)));
        assert_eq!(argv[0], b"DEL");
        assert!(
            seen.insert(String::from_utf8(argv[1].clone()).unwrap()),
            "DEL twice"
        );
    }
    assert_eq!(seen, keys);
    assert_eq!(store.dbsize(), 1);
}

#[test]
fn removed_observer_hears_nothing() {
    let (store, _clock, rec) = setup();
    let other = Arc::new(Recorder {
        clock: ManualClock::new(0),
        log: Mutex::new(Vec::new()),
    });
    let id = store.add_write_observer(other.clone());
    store.set("a", "1").unwrap();
    assert_eq!(other.take().len(), 1);
    assert!(store.remove_write_observer(id));
    assert!(!store.remove_write_observer(id));
    store.set("a", "2").unwrap();
    assert!(other.take().is_empty());
    assert_eq!(rec.take().len(), 2, "the first observer still hears both");
}

// ---------------------------------------------------------------------------
// Replay property
// ---------------------------------------------------------------------------

const KEYS: &[&str] = &["a", "b", "c", "{t}1", "{t}2", "n"];
const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "-7",
    "42",
    "007",
    "x",
    "hello",
    "1.5",
    "9223372036854775807",
    "a-value-longer-than-forty-four-bytes-to-be-raw-encoded!",
];

#[derive(Debug, Clone)]
enum W {
    Set(usize, usize, u8, i64),
    SetEx(usize, i64, usize),
    GetSet(usize, usize),
    GetDel(usize),
    GetEx(usize, u8, i64),
    MSet(Vec<(usize, usize)>),
    MSetNx(Vec<(usize, usize)>),
    Incr(usize),
    IncrBy(usize, i64),
    DecrBy(usize, i64),
    IncrByFloat(usize, &'static str),
    Append(usize, usize),
    SetRange(usize, i64, usize),
    Del(Vec<usize>),
    Rename(usize, usize, bool),
    Copy(usize, usize, bool),
    Expire(usize, u8, i64, u8),
    Persist(usize),
    Get(usize),
    Advance(u64),
    ActiveExpire,
    FlushDb,
}

fn key() -> impl Strategy<Value = usize> {
    0..KEYS.len()
}

fn val() -> impl Strategy<Value = usize> {
    0..VALUES.len()
}

fn w_strategy() -> impl Strategy<Value = W> {
    prop_oneof![
        6 => (key(), val(), 0u8..8, -3i64..30).prop_map(|(k, v, m, t)| W::Set(k, v, m, t)),
        1 => (key(), 1i64..20, val()).prop_map(|(k, t, v)| W::SetEx(k, t, v)),
        1 => (key(), val()).prop_map(|(k, v)| W::GetSet(k, v)),
        1 => key().prop_map(W::GetDel),
        2 => (key(), 0u8..6, -3i64..30).prop_map(|(k, m, t)| W::GetEx(k, m, t)),
        1 => prop::collection::vec((key(), val()), 1..4).prop_map(W::MSet),
        1 => prop::collection::vec((key(), val()), 1..3).prop_map(W::MSetNx),
        2 => key().prop_map(W::Incr),
        1 => (key(), -5i64..5).prop_map(|(k, n)| W::IncrBy(k, n)),
        1 => (key(), -5i64..5).prop_map(|(k, n)| W::DecrBy(k, n)),
        1 => (key(), prop::sample::select(vec!["0.5", "1", "-2.25", "1e2", "0.1"]))
            .prop_map(|(k, f)| W::IncrByFloat(k, f)),
        2 => (key(), val()).prop_map(|(k, v)| W::Append(k, v)),
        1 => (key(), 0i64..8, val()).prop_map(|(k, o, v)| W::SetRange(k, o, v)),
        1 => prop::collection::vec(key(), 1..4).prop_map(W::Del),
        1 => (key(), key(), any::<bool>()).prop_map(|(a, b, nx)| W::Rename(a, b, nx)),
        1 => (key(), key(), any::<bool>()).prop_map(|(a, b, r)| W::Copy(a, b, r)),
        3 => (key(), 0u8..4, -3i64..30, 0u8..5).prop_map(|(k, u, t, c)| W::Expire(k, u, t, c)),
        1 => key().prop_map(W::Persist),
        2 => key().prop_map(W::Get),
        4 => prop::sample::select(vec![0u64, 1, 499, 1000, 1001, 2500, 7000, 15000])
            .prop_map(W::Advance),
        1 => Just(W::ActiveExpire),
        1 => Just(W::FlushDb),
    ]
}

fn expire_condition(c: u8) -> ExpireCondition {
    match c {
        1 => ExpireCondition::new().nx(),
        2 => ExpireCondition::new().xx(),
        3 => ExpireCondition::new().gt(),
        4 => ExpireCondition::new().lt(),
        _ => ExpireCondition::new(),
    }
}

/// Runs one write through the typed API (some through `execute`), ignoring
/// the replies: the property is about the propagated stream.
fn apply(store: &Store, clock: &ManualClock, op: &W) {
    let now = kvstore::Clock::now_ms(clock);
    let k = |i: usize| KEYS[i];
    let v = |i: usize| VALUES[i];
    match op {
        W::Set(key, value, mode, t) => {
            let options = match mode {
                0 => SetOptions::new(),
                1 => SetOptions::new().ex(*t),
                2 => SetOptions::new().px(t * 300),
                3 => SetOptions::new().exat(now / 1000 + t),
                4 => SetOptions::new().pxat(now + t * 300),
                5 => SetOptions::new().keepttl(),
                6 => SetOptions::new().nx().px(t * 300),
                _ => SetOptions::new().xx().get().keepttl(),
            };
            let _ = store.set_with(k(*key), v(*value), options);
        }
        W::SetEx(key, t, value) => {
            let _ = store.execute(&["SETEX", k(*key), &t.to_string(), v(*value)]);
        }
        W::GetSet(key, value) => {
            let _ = store.getset(k(*key), v(*value));
        }
        W::GetDel(key) => {
            let _ = store.getdel(k(*key));
        }
        W::GetEx(key, mode, t) => {
            let e = match mode {
                0 => GetExpiry::Keep,
                1 => GetExpiry::Persist,
                2 => GetExpiry::Set(Expiry::Ex(*t)),
                3 => GetExpiry::Set(Expiry::Px(t * 300)),
                4 => GetExpiry::Set(Expiry::ExAt(now / 1000 + t)),
                _ => GetExpiry::Set(Expiry::PxAt(now + t * 300)),
            };
            let _ = store.getex(k(*key), e);
        }
        W::MSet(pairs) => {
            let _ = store.mset(pairs.iter().map(|&(a, b)| (k(a), v(b))));
        }
        W::MSetNx(pairs) => {
            let _ = store.msetnx(pairs.iter().map(|&(a, b)| (k(a), v(b))));
        }
        W::Incr(key) => {
            let _ = store.incr(k(*key));
        }
        W::IncrBy(key, n) => {
            let _ = store.incrby(k(*key), *n);
        }
        W::DecrBy(key, n) => {
            let _ = store.execute(&["DECRBY", k(*key), &n.to_string()]);
        }
        W::IncrByFloat(key, f) => {
            let _ = store.incrbyfloat(k(*key), f);
        }
        W::Append(key, value) => {
            let _ = store.append(k(*key), v(*value));
        }
        W::SetRange(key, offset, value) => {
            let _ = store.setrange(k(*key), *offset, v(*value));
        }
        W::Del(keys) => {
            let _ = store.del(keys.iter().map(|&i| k(i)));
        }
        W::Rename(a, b, nx) => {
            let _ = if *nx {
                store.renamenx(k(*a), k(*b)).map(|_| ())
            } else {
                store.rename(k(*a), k(*b))
            };
        }
        W::Copy(a, b, replace) => {
            let _ = store.copy(k(*a), k(*b), *replace);
        }
        W::Expire(key, unit, t, cond) => {
            let _ = match unit {
                0 => store.expire_with(k(*key), *t, expire_condition(*cond)),
                1 => store.pexpire(k(*key), t * 300),
                2 => store.expireat(k(*key), now / 1000 + t),
                _ => store.pexpireat(k(*key), now + t * 300),
            };
        }
        W::Persist(key) => {
            let _ = store.persist(k(*key));
        }
        W::Get(key) => {
            let _ = store.get(k(*key));
        }
        W::Advance(ms) => clock.advance(Duration::from_millis(*ms)),
        W::ActiveExpire => while store.active_expire_cycle() > 0 {},
        W::FlushDb => store.flushdb().expect("flushdb"),
    }
}

/// Everything visible about a store: key → (value, PTTL, OBJECT ENCODING).
fn snapshot(store: &Store) -> Vec<(Vec<u8>, Vec<u8>, i64, &'static str)> {
    let mut keys = store.keys("*").expect("keys");
    keys.sort();
    keys.into_iter()
        .map(|k| {
            let value = store.get(&k).expect("get").expect("listed key has a value");
            let pttl = store.pttl(&k).expect("pttl");
            let enc = store
                .object_encoding(&k)
                .expect("encoding")
                .expect("listed key has an encoding");
            (k, value, pttl, enc)
        })
        .collect()
}

/// Runs `ops` on a store A, replays A's propagated stream on a fresh store B
/// (each command at the clock time it was propagated), and compares them.
fn check_replay(ops: &[W], shards: usize) -> Result<(), TestCaseError> {
    let (a, clock_a, rec) = setup();
    let (b, clock_b) = common::manual_store(T0, shards);
    for op in ops {
        apply(&a, &clock_a, op);
    }
    let stream = rec.take_timed();
    for (at, argv) in &stream {
        clock_b.set(*at);
        let reply = b.execute(argv);
        prop_assert!(
            !reply.is_error(),
            "replaying {:?} failed: {:?}",
            show(std::slice::from_ref(argv)),
            reply
        );
    }
    clock_b.set(kvstore::Clock::now_ms(&clock_a));

    let (sa, sb) = (snapshot(&a), snapshot(&b));
    let incrbyfloat_used = ops.iter().any(|op| matches!(op, W::IncrByFloat(..)));
    let names = |s: &[(Vec<u8>, Vec<u8>, i64, &str)]| -> Vec<String> {
        s.iter()
            .map(|e| String::from_utf8_lossy(&e.0).into_owned())
            .collect()
    };
    prop_assert_eq!(names(&sa), names(&sb), "different keys");
    for (x, y) in sa.iter().zip(&sb) {
        let key = String::from_utf8_lossy(&x.0);
        prop_assert_eq!(&x.1, &y.1, "value of {:?}", key);
        prop_assert_eq!(x.2, y.2, "PTTL of {:?}", key);
        // INCRBYFLOAT leaves a plain string even when the result looks like
        // an integer ("3"), and its canonical form `SET k 3 KEEPTTL` is
        // int-encoded on replay: Redis 7.0 replicas do exactly the same, so
        // that one difference is allowed.
        let float_int = incrbyfloat_used
            && x.3 == "embstr"
            && y.3 == "int"
            && std::str::from_utf8(&x.1)
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
                .is_some();
        prop_assert!(
            x.3 == y.3 || float_int,
            "encoding of {:?}: {} vs {}",
            key,
            x.3,
            y.3
        );
    }
    Ok(())
}

fn replay_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(replay_config(128))]

    /// Replaying the propagated stream on a fresh store, each command at the
    /// time it was propagated, rebuilds the same keys, values, TTLs and
    /// encodings.
    #[test]
    fn replaying_the_stream_rebuilds_the_data(
        ops in prop::collection::vec(w_strategy(), 1..250),
        shards in prop::sample::select(vec![1usize, 4, 64]),
    ) {
        check_replay(&ops, shards)?;
    }
}

/// Regression: RENAME used a bucket index that an earlier removal in the same
/// shard had invalidated, which left the destination twice in the table (the
/// replay property found it with one shard).
#[test]
fn rename_onto_existing_key_in_the_same_shard() {
    for _ in 0..100 {
        let store =
            Store::open(Config::builder().shards(1).active_expire(false).build()).expect("open");
        for i in 0..40 {
            store.set(format!("filler:{i}"), "x").unwrap();
        }
        store.set("a", "new").unwrap();
        store.set("b", "old").unwrap();
        store.rename("a", "b").unwrap();
        assert_eq!(store.get("b").unwrap(), Some(b"new".to_vec()));
        assert_eq!(store.exists(["a"]).unwrap(), 0);
        let keys = store.keys("*").unwrap();
        assert_eq!(keys.len(), 41, "RENAME must not add or lose keys");
        assert_eq!(store.dbsize(), 41);
    }
}

/// Regression: RENAME onto an expired destination in the same shard used to
/// fail with "no such key" or move another key.
#[test]
fn rename_onto_expired_key_in_the_same_shard() {
    for _ in 0..100 {
        let clock = ManualClock::new(T0);
        let store = Store::open(
            Config::builder()
                .clock(clock.clone())
                .shards(1)
                .active_expire(false)
                .build(),
        )
        .expect("open");
        for i in 0..40 {
            store.set(format!("filler:{i}"), "x").unwrap();
        }
        store.set("a", "new").unwrap();
        store
            .set_with("b", "old", SetOptions::new().px(100))
            .unwrap();
        clock.advance(Duration::from_millis(200));
        store.rename("a", "b").unwrap();
        assert_eq!(store.get("b").unwrap(), Some(b"new".to_vec()));
        assert_eq!(store.pttl("b").unwrap(), -1);
        assert_eq!(store.exists(["a"]).unwrap(), 0);
        for i in 0..40 {
            assert_eq!(
                store.get(format!("filler:{i}")).unwrap(),
                Some(b"x".to_vec())
            );
        }
        assert_eq!(store.dbsize(), 41);
    }
}
