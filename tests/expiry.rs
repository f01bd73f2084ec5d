//! Expiry: lazy (an expired key is invisible to every command), active (the
//! cycle reclaims keys nobody touches, on demand or from the background
//! thread), and SCAN's guarantee while the tables resize.
//!
//! Time only moves through a `ManualClock`: no test sleeps for a key to
//! expire. (The background-thread test polls, with a generous bound, for a
//! thread it does not control.)

use std::collections::HashSet;
use std::time::{Duration, Instant};

mod common;

use kvstore::{
    Config, ExpireCondition, Expiry, GetExpiry, ManualClock, Reply, ScanOptions, SetOptions, Store,
    ValueType,
};

const T0: i64 = 1_700_000_000_000;

fn manual_store(shards: usize) -> (Store, ManualClock) {
    common::manual_store(T0, shards)
}

fn scan_all(store: &Store, options: &ScanOptions) -> Vec<Vec<u8>> {
    let mut cursor = 0;
    let mut keys = Vec::new();
    for _ in 0..1_000_000 {
        let page = store.scan(cursor, options).expect("scan");
        keys.extend(page.keys);
        cursor = page.cursor;
        if cursor == 0 {
            return keys;
        }
    }
    panic!("SCAN did not finish");
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

#[test]
fn expired_keys_are_invisible_to_reads() {
    let (store, clock) = manual_store(64);
    let names: Vec<String> = (0..20).map(|i| format!("gone:{i}")).collect();
    for name in &names {
        store
            .set_with(name, "value", SetOptions::new().px(1000))
            .unwrap();
    }
    store.set("stay", "here").unwrap();
    assert_eq!(store.get("gone:0").unwrap(), Some(b"value".to_vec()));
    clock.advance(Duration::from_millis(1001));

    let k = |i: usize| names[i].as_str();
    assert_eq!(store.get(k(0)).unwrap(), None);
    assert_eq!(store.exists([k(1), k(1), "stay"]).unwrap(), 1);
    assert_eq!(store.touch([k(1)]).unwrap(), 0);
    assert_eq!(store.keys("*").unwrap(), vec![b"stay".to_vec()]);
    assert_eq!(store.keys("gone:*").unwrap(), Vec::<Vec<u8>>::new());
    assert_eq!(
        scan_all(&store, &ScanOptions::new().count(3)),
        vec![b"stay".to_vec()]
    );
    assert_eq!(
        scan_all(&store, &ScanOptions::new().pattern("gone:*")),
        Vec::<Vec<u8>>::new()
    );
    assert_eq!(store.ttl(k(2)).unwrap(), -2);
    assert_eq!(store.pttl(k(2)).unwrap(), -2);
    assert_eq!(store.expiretime(k(2)).unwrap(), -2);
    assert_eq!(store.pexpiretime(k(2)).unwrap(), -2);
    assert_eq!(
        store.mget([k(3), "stay", k(4)]).unwrap(),
        vec![None, Some(b"here".to_vec()), None]
    );
    assert_eq!(store.strlen(k(5)).unwrap(), 0);
    assert_eq!(store.getrange(k(5), 0, -1).unwrap(), Vec::<u8>::new());
    assert_eq!(store.key_type(k(6)).unwrap(), None);
    assert_eq!(store.key_type("stay").unwrap(), Some(ValueType::String));
    assert_eq!(store.object_encoding(k(6)).unwrap(), None);
    assert_eq!(store.lcs(k(7), "stay").unwrap(), Vec::<u8>::new());
    for _ in 0..200 {
        assert_eq!(store.randomkey().unwrap(), Some(b"stay".to_vec()));
    }

    // Through the command layer too.
    assert_eq!(store.execute(&["GET", k(8)]), Reply::Null);
    assert_eq!(store.execute(&["EXISTS", k(8)]), Reply::Integer(0));
    assert_eq!(store.execute(&["TTL", k(8)]), Reply::Integer(-2));
    assert_eq!(store.execute(&["TYPE", k(8)]), Reply::Simple("none"));
    assert_eq!(store.execute(&["OBJECT", "ENCODING", k(8)]), Reply::Null);
}

#[test]
fn expired_keys_are_invisible_to_writes() {
    let (store, clock) = manual_store(64);
    let names: Vec<String> = (0..20).map(|i| format!("{{tag}}gone:{i}")).collect();
    for name in &names {
        store
            .set_with(name, "41", SetOptions::new().ex(10))
            .unwrap();
    }
    store.set("{tag}stay", "x").unwrap();
    clock.advance(Duration::from_secs(11));
    let k = |i: usize| names[i].as_str();

    // As sources they do not exist.
    assert!(!store.copy(k(0), "{tag}dst", false).unwrap());
    assert!(!store.copy(k(0), "{tag}dst", true).unwrap());
    assert_eq!(
        store.rename(k(1), "{tag}dst"),
        Err(kvstore::Error::NoSuchKey)
    );
    assert_eq!(
        store.renamenx(k(1), "{tag}dst"),
        Err(kvstore::Error::NoSuchKey)
    );
    assert_eq!(store.exists(["{tag}dst"]).unwrap(), 0);
    assert_eq!(store.getdel(k(2)).unwrap(), None);
    assert_eq!(store.getex(k(3), GetExpiry::Persist).unwrap(), None);
    assert_eq!(
        store.getex(k(3), GetExpiry::Set(Expiry::Ex(100))).unwrap(),
        None
    );
    assert!(!store.expire(k(4), 100).unwrap());
    assert!(!store.persist(k(4)).unwrap());
    assert_eq!(store.del([k(5), k(5)]).unwrap(), 0);
    assert!(
        !store
            .set_with(k(6), "v", SetOptions::new().xx())
            .unwrap()
            .written
    );
    assert_eq!(store.exists([k(6)]).unwrap(), 0);

    // As destinations, they are absent: writes start from scratch, and no
    // old TTL survives.
    assert_eq!(store.incr(k(7)).unwrap(), 1);
    assert_eq!(store.ttl(k(7)).unwrap(), -1);
    assert_eq!(store.append(k(8), "ab").unwrap(), 2);
    assert_eq!(store.get(k(8)).unwrap(), Some(b"ab".to_vec()));
    assert!(store.setnx(k(9), "new").unwrap());
    assert!(store.msetnx([(k(10), "a"), (k(11), "b")]).unwrap());
    assert!(store.renamenx("{tag}stay", k(12)).unwrap());
    assert!(store.copy(k(12), k(13), false).unwrap());
    assert_eq!(store.setrange(k(14), 2, "z").unwrap(), 3);
    assert_eq!(store.get(k(14)).unwrap(), Some(b"\0\0z".to_vec()));
    let previous = store
        .set_with(k(15), "v", SetOptions::new().get().keepttl())
        .unwrap();
    assert_eq!(previous.previous, None);
    assert_eq!(store.pttl(k(15)).unwrap(), -1, "KEEPTTL keeps nothing");
    for i in [7, 8, 9, 10, 11, 12, 13, 14, 15] {
        assert_eq!(store.ttl(k(i)).unwrap(), -1, "{}", k(i));
    }
    assert!(store.expired_keys() >= 10);
}

#[test]
fn ttl_replies_follow_redis_rounding() {
    let (store, clock) = manual_store(8);
    store
        .set_with("a", "v", SetOptions::new().px(1500))
        .unwrap();
    store
        .set_with("b", "v", SetOptions::new().px(1499))
        .unwrap();
    store
        .set_with("c", "v", SetOptions::new().pxat(T0 + 10_600))
        .unwrap();
    store.set("p", "v").unwrap();
    assert_eq!(store.ttl("a").unwrap(), 2);
    assert_eq!(store.ttl("b").unwrap(), 1);
    assert_eq!(store.pttl("a").unwrap(), 1500);
    assert_eq!(store.expiretime("c").unwrap(), (T0 + 10_600 + 500) / 1000);
    assert_eq!(store.pexpiretime("c").unwrap(), T0 + 10_600);
    assert_eq!(store.ttl("p").unwrap(), -1);
    assert_eq!(store.pexpiretime("p").unwrap(), -1);
    assert_eq!(store.ttl("missing").unwrap(), -2);
    clock.advance(Duration::from_millis(1000));
    assert_eq!(store.pttl("a").unwrap(), 500);
    assert_eq!(store.ttl("a").unwrap(), 1);
    assert_eq!(store.ttl("b").unwrap(), 0);
    assert_eq!(store.pexpiretime("c").unwrap(), T0 + 10_600, "absolute");
}

#[test]
fn expire_conditions_and_past_deadlines() {
    let (store, clock) = manual_store(8);
    store.set("k", "v").unwrap();
    // GT on a key without TTL fails (no TTL is infinite); LT succeeds.
    assert!(
        !store
            .expire_with("k", 100, ExpireCondition::new().gt())
            .unwrap()
    );
    assert!(
        !store
            .expire_with("k", 100, ExpireCondition::new().xx())
            .unwrap()
    );
    assert!(
        store
            .expire_with("k", 100, ExpireCondition::new().lt())
            .unwrap()
    );
    assert!(
        !store
            .expire_with("k", 50, ExpireCondition::new().nx())
            .unwrap()
    );
    assert!(
        store
            .expire_with("k", 200, ExpireCondition::new().xx().gt())
            .unwrap()
    );
    assert_eq!(store.ttl("k").unwrap(), 200);
    // A deadline at or before now deletes at once.
    assert!(store.pexpireat("k", T0).unwrap());
    assert_eq!(store.exists(["k"]).unwrap(), 0);
    assert_eq!(store.dbsize(), 0, "deleted, not merely expired");

    store.set("k", "v").unwrap();
    assert!(store.expire("k", 0).unwrap());
    assert_eq!(store.get("k").unwrap(), None);

    store.set("k", "v").unwrap();
    assert!(store.expire("k", 5).unwrap());
    clock.advance(Duration::from_secs(3));
    assert_eq!(store.ttl("k").unwrap(), 2);
    assert!(store.persist("k").unwrap());
    clock.advance(Duration::from_secs(100));
    assert_eq!(store.get("k").unwrap(), Some(b"v".to_vec()));
}

#[test]
fn dbsize_counts_expired_keys_until_reclaimed() {
    let (store, clock) = manual_store(8);
    store.set_with("k", "v", SetOptions::new().px(10)).unwrap();
    clock.advance(Duration::from_millis(20));
    // As Redis: DBSIZE counts keys not yet reclaimed.
    assert_eq!(store.dbsize(), 1);
    assert_eq!(store.expired_keys(), 0);
    assert_eq!(store.get("k").unwrap(), None);
    assert_eq!(store.dbsize(), 0, "a read reclaims the expired key");
    assert_eq!(store.expired_keys(), 1);
}

/// Redis deletes a key only when `now > deadline` (`keyIsExpired` in db.c:
/// "The key expired if the current (virtual or real) time is greater than
/// the expire time of the key"), so at its exact deadline a key is still
/// there with a PTTL of 0. Only `EXPIRE`-family / `GETEX` deadlines at or
/// before now delete at once (`checkAlreadyExpired` uses `<=`).
#[test]
fn key_is_alive_at_its_exact_deadline() {
    let (store, clock) = manual_store(8);
    store
        .set_with("k", "v", SetOptions::new().px(1000))
        .unwrap();
    clock.advance(Duration::from_millis(1000));
    assert_eq!(store.get("k").unwrap(), Some(b"v".to_vec()));
    assert_eq!(store.pttl("k").unwrap(), 0);
    assert_eq!(store.ttl("k").unwrap(), 0);
    assert_eq!(store.exists(["k"]).unwrap(), 1);
    assert_eq!(store.active_expire_cycle(), 0);
    clock.advance(Duration::from_millis(1));
    assert_eq!(store.get("k").unwrap(), None);

    // SET … PXAT now: stored, and alive for this millisecond.
    store
        .set_with("p", "v", SetOptions::new().pxat(T0 + 1001))
        .unwrap();
    assert_eq!(store.get("p").unwrap(), Some(b"v".to_vec()));
    assert_eq!(store.pttl("p").unwrap(), 0);
}

/// Redis's RANDOMKEY (dbRandomKey) keeps drawing until it finds a key that
/// has not expired, deleting each expired one it draws, so it only answers
/// nil for an empty keyspace.
#[test]
fn randomkey_finds_the_live_key_among_many_expired() {
    let (store, clock) = manual_store(64);
    for i in 0..20_000 {
        store
            .set_with(format!("dead:{i}"), "x", SetOptions::new().px(10))
            .unwrap();
    }
    store.set("live", "v").unwrap();
    clock.advance(Duration::from_millis(100));
    for _ in 0..3 {
        assert_eq!(store.randomkey().unwrap(), Some(b"live".to_vec()));
    }
    assert_eq!(store.execute(&["RANDOMKEY"]), Reply::Bulk(b"live".to_vec()));
}

#[test]
fn randomkey_is_nil_only_when_nothing_is_live() {
    let (store, clock) = manual_store(16);
    assert_eq!(store.randomkey().unwrap(), None);
    for i in 0..500 {
        store
            .set_with(format!("dead:{i}"), "x", SetOptions::new().px(10))
            .unwrap();
    }
    clock.advance(Duration::from_millis(100));
    assert_eq!(store.randomkey().unwrap(), None);
    assert_eq!(store.execute(&["RANDOMKEY"]), Reply::Null);
    store.set("live", "v").unwrap();
    assert_eq!(store.randomkey().unwrap(), Some(b"live".to_vec()));
}

#[test]
fn active_cycle_reclaims_every_expired_key() {
    let (store, clock) = manual_store(64);
    let volatile: Vec<String> = (0..10_000).map(|i| format!("v:{i}")).collect();
    for (i, k) in volatile.iter().enumerate() {
        let ttl = 1 + (i as i64 % 1000);
        store.set_with(k, "x", SetOptions::new().px(ttl)).unwrap();
    }
    for i in 0..1000 {
        store.set(format!("p:{i}"), i.to_string()).unwrap();
    }
    assert_eq!(store.active_expire_cycle(), 0, "nothing has expired yet");
    assert_eq!(store.dbsize(), 11_000);

    clock.advance(Duration::from_secs(2));
    let mut reclaimed = 0;
    let mut calls = 0;
    loop {
        let n = store.active_expire_cycle();
        calls += 1;
        reclaimed += n;
        if n == 0 {
            break;
        }
        assert!(calls < 100_000, "the cycle never reports done");
    }
    assert_eq!(reclaimed, 10_000);
    assert_eq!(store.expired_keys(), 10_000);
    assert_eq!(store.dbsize(), 1000);
    for i in 0..1000 {
        assert_eq!(
            store.get(format!("p:{i}")).unwrap(),
            Some(i.to_string().into_bytes())
        );
        assert_eq!(store.ttl(format!("p:{i}")).unwrap(), -1);
    }
    assert_eq!(store.active_expire_cycle(), 0);
}

#[test]
fn active_cycle_never_reclaims_live_keys() {
    let (store, clock) = manual_store(16);
    for i in 0..4000 {
        // Even keys expire at +1 s, odd ones at +1 h.
        let ttl = if i % 2 == 0 { 1 } else { 3600 };
        store
            .set_with(format!("k:{i}"), "x", SetOptions::new().ex(ttl))
            .unwrap();
    }
    clock.advance(Duration::from_secs(2));
    let mut reclaimed = 0;
    for _ in 0..10_000 {
        let n = store.active_expire_cycle();
        reclaimed += n;
        if n == 0 {
            break;
        }
    }
    assert!(
        reclaimed <= 2000,
        "reclaimed {reclaimed} of 2000 expired keys"
    );
    for i in (1..4000).step_by(2) {
        assert_eq!(store.pttl(format!("k:{i}")).unwrap(), 3_598_000, "k:{i}");
    }
    assert_eq!(store.expired_keys(), reclaimed as u64);
    assert_eq!(store.dbsize(), 4000 - reclaimed);
}

#[test]
fn background_thread_reclaims_untouched_keys() {
    let clock = ManualClock::new(T0);
    let store = Store::open(Config::builder().clock(clock.clone()).hz(100).build()).expect("open");
    for i in 0..2000 {
        store
            .set_with(format!("bg:{i}"), "x", SetOptions::new().px(1000))
            .unwrap();
    }
    for i in 0..10 {
        store.set(format!("keep:{i}"), "x").unwrap();
    }
    clock.advance(Duration::from_secs(5));
    // Nobody touches the keys: only the background cycle can reclaim them.
    // Poll (never assert a duration) for up to a generous bound.
    let give_up = Instant::now() + Duration::from_secs(10);
    while store.dbsize() > 10 && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        store.dbsize(),
        10,
        "the background cycle did not reclaim the expired keys"
    );
    assert_eq!(store.expired_keys(), 2000);
    assert_eq!(store.keys("keep:*").unwrap().len(), 10);
}

/// Every key present for the whole iteration is returned at least once,
/// while other keys are added and removed between calls (so the tables grow
/// and shrink under the cursor).
fn scan_survives_resizing(shards: usize, count: usize, interleave: bool) {
    let (store, _clock) = manual_store(shards);
    let originals: Vec<String> = (0..5000).map(|i| format!("orig:{i}")).collect();
    for k in &originals {
        store.set(k, "o").unwrap();
    }
    let mut added = 0usize;
    let mut deleted = 0usize;
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut cursor = 0u64;
    let options = ScanOptions::new().count(count);
    let mut calls = 0;
    loop {
        let page = store.scan(cursor, &options).expect("scan");
        seen.extend(page.keys);
        cursor = page.cursor;
        calls += 1;
        if cursor == 0 {
            break;
        }
        assert!(calls < 1_000_000, "SCAN never ends");
        // Churn between calls: grow to 50k extra keys, then delete 40k of
        // them (or both at once when `interleave`).
        let grow = added < 50_000;
        let shrink = deleted < 40_000 && (interleave || !grow) && deleted + 1000 <= added;
        if grow {
            let pairs: Vec<(String, &str)> = (added..added + 1000)
                .map(|i| (format!("churn:{i}"), "c"))
                .collect();
            store.mset(pairs).unwrap();
            added += 1000;
        }
        if shrink {
            let doomed: Vec<String> = (deleted..deleted + 800)
                .map(|i| format!("churn:{i}"))
                .collect();
            assert_eq!(store.del(&doomed).unwrap(), 800);
            deleted += 800;
        }
    }
    let missing: Vec<&String> = originals
        .iter()
        .filter(|k| !seen.contains(k.as_bytes()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} original keys never returned (e.g. {:?}); added {added}, deleted {deleted}, {calls} calls",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    // The churn did happen during the scan.
    assert!(
        added >= 10_000,
        "scan ended before much churn: {calls} calls"
    );
    assert!(deleted > 0 || !interleave);
}

#[test]
fn scan_returns_every_stable_key_while_tables_resize_one_shard() {
    scan_survives_resizing(1, 20, false);
}

#[test]
fn scan_returns_every_stable_key_while_tables_resize_interleaved() {
    scan_survives_resizing(4, 10, true);
}

#[test]
fn scan_returns_every_stable_key_while_tables_resize_many_shards() {
    scan_survives_resizing(64, 25, true);
}

#[test]
fn scan_without_churn_returns_each_key_once_and_respects_match() {
    let (store, _clock) = manual_store(16);
    for i in 0..3000 {
        store.set(format!("user:{i}"), "u").unwrap();
        store.set(format!("order:{i}"), "o").unwrap();
    }
    let users = scan_all(&store, &ScanOptions::new().pattern("user:*").count(37));
    assert_eq!(users.len(), 3000, "no duplicates without resizes");
    let expected: Vec<Vec<u8>> = (0..3000)
        .map(|i| format!("user:{i}").into_bytes())
        .collect();
    assert_eq!(sorted(users), sorted(expected));
    let strings = scan_all(&store, &ScanOptions::new().value_type(ValueType::String));
    assert_eq!(strings.len(), 6000);
    assert_eq!(
        store.execute(&["SCAN", "0", "TYPE", "hash", "COUNT", "100000"]),
        Reply::Array(vec![Reply::Bulk(b"0".to_vec()), Reply::Array(vec![])])
    );
}

#[test]
fn ttl_replies_at_extreme_deadlines() {
    let (store, _clock) = manual_store(8);
    store
        .set_with("k", "v", SetOptions::new().pxat(i64::MAX - 500))
        .unwrap();
    assert_eq!(store.pexpiretime("k").unwrap(), i64::MAX - 500);
    assert_eq!(store.expiretime("k").unwrap(), 9_223_372_036_854_775);
    assert_eq!(store.pttl("k").unwrap(), i64::MAX - 500 - T0);
    assert_eq!(store.ttl("k").unwrap(), (i64::MAX - 500 - T0 + 500) / 1000);
    assert_eq!(store.get("k").unwrap(), Some(b"v".to_vec()));
    // EXPIRE with a deadline that overflows is refused; one that lands far
    // in the past deletes.
    assert_eq!(
        store.pexpire("k", i64::MAX),
        Err(kvstore::Error::InvalidExpireTime("pexpire"))
    );
    assert!(store.pexpire("k", i64::MIN).unwrap());
    assert_eq!(store.exists(["k"]).unwrap(), 0);
}

/// Redis 7.0.15 answers `EXPIRETIME` with (deadline + 500) / 1000 computed
/// without overflow: 9223372036854776 for a deadline of i64::MAX ms.
#[test]
fn expiretime_rounds_like_redis_near_i64_max() {
    let (store, _clock) = manual_store(8);
    store
        .set_with("k", "v", SetOptions::new().pxat(i64::MAX))
        .unwrap();
    assert_eq!(store.pexpiretime("k").unwrap(), i64::MAX);
    assert_eq!(store.expiretime("k").unwrap(), 9_223_372_036_854_776);
    assert_eq!(
        store.execute(&["EXPIRETIME", "k"]),
        Reply::Integer(9_223_372_036_854_776)
    );
}
