//! Keyspace notifications from the write paths: expiry (lazy, active, hash
//! fields), the class filter, and silence when notifications are off.
//! (tests/notifications_redis.rs compares the commands' events with a real
//! Redis 7.0.)

use std::time::Duration;

use crate::{Config, ManualClock, MessageKind, Store, Subscriber};

const START: i64 = 1_000_000;

/// A store on a manual clock with `flags` on and no background expiry,
/// and a subscriber to every channel.
fn store(flags: &str) -> (Store, ManualClock, Subscriber) {
    let clock = ManualClock::new(START);
    let config = Config::builder()
        .clock(clock.clone())
        .active_expire(false)
        .notify_keyspace_events(flags)
        .map(|b| b.build());
    let store = config.and_then(Store::open);
    let Ok(store) = store else {
        panic!("cannot open a store with {flags:?}: {store:?}");
    };
    let mut sub = store.subscriber();
    sub.psubscribe(["*"]);
    let confirmed = sub.get_message(Duration::ZERO);
    assert!(
        matches!(&confirmed, Ok(Some(m)) if m.kind() == MessageKind::PSubscribe),
        "{confirmed:?}"
    );
    (store, clock, sub)
}

/// Everything received so far, as `channel data` strings.
fn received(sub: &mut Subscriber) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(Some(m)) = sub.get_message(Duration::ZERO) {
        let channel = String::from_utf8_lossy(m.channel().unwrap_or_default()).into_owned();
        out.push(format!("{channel} {}", String::from_utf8_lossy(m.data())));
    }
    out
}

/// The key-event messages of `events` about `key`.
fn events(key: &str, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|e| format!("__keyevent@0__:{e} {key}"))
        .collect()
}

#[test]
fn a_key_expired_on_read_is_reported_then_missed() {
    let (s, clock, mut sub) = store("Exm");
    assert_eq!(s.psetex("k", 100, "v"), Ok(()));
    assert!(received(&mut sub).is_empty(), "no x or m event yet");
    clock.advance(Duration::from_millis(101));
    assert_eq!(s.get("k"), Ok(None));
    assert_eq!(received(&mut sub), events("k", &["expired", "keymiss"]));
    assert_eq!(s.expired_keys(), 1);
    // Already gone: a plain miss now.
    assert_eq!(s.get("k"), Ok(None));
    assert_eq!(received(&mut sub), events("k", &["keymiss"]));
}

#[test]
fn a_key_expired_on_write_is_reported_before_the_new_key() {
    let (s, clock, mut sub) = store("KEA");
    assert_eq!(s.rpush("l", ["a"]), Ok(1));
    assert_eq!(s.pexpire("l", 10), Ok(true));
    received(&mut sub);
    clock.advance(Duration::from_millis(11));
    assert_eq!(s.rpush("l", ["b"]), Ok(1));
    assert_eq!(
        received(&mut sub),
        [
            "__keyspace@0__:l expired",
            "__keyevent@0__:expired l",
            "__keyspace@0__:l rpush",
            "__keyevent@0__:rpush l",
        ],
        "KEA: no `new` (n is not in A); space before event"
    );
}

#[test]
fn the_active_cycle_reports_each_key_it_reclaims() {
    let (s, clock, mut sub) = store("Ex");
    assert_eq!(s.psetex("gone", 10, "v"), Ok(()));
    assert_eq!(s.set("kept", "v"), Ok(()));
    clock.advance(Duration::from_millis(11));
    assert!(received(&mut sub).is_empty());
    assert_eq!(s.active_expire_cycle(), 1);
    assert_eq!(received(&mut sub), events("gone", &["expired"]));
    assert_eq!(s.active_expire_cycle(), 0);
    assert!(received(&mut sub).is_empty());
}

#[test]
fn scans_and_random_picks_report_the_expired_keys_they_delete() {
    let (s, clock, mut sub) = store("Ex");
    assert_eq!(s.psetex("a", 10, "v"), Ok(()));
    clock.advance(Duration::from_millis(11));
    // KEYS hides it without deleting it.
    assert_eq!(s.keys("*"), Ok(Vec::new()));
    assert!(received(&mut sub).is_empty());
    assert_eq!(s.randomkey(), Ok(None));
    assert_eq!(received(&mut sub), events("a", &["expired"]));
    assert_eq!(s.psetex("b", 10, "v"), Ok(()));
    clock.advance(Duration::from_millis(11));
    let page = s.scan(0, &crate::ScanOptions::new().count(100));
    assert!(page.is_ok_and(|p| p.keys.is_empty()));
    assert_eq!(received(&mut sub), events("b", &["expired"]));
}

#[test]
fn hash_field_expiry_publishes_redis_7_4_events() {
    let (s, clock, mut sub) = store("Eh$g");
    assert_eq!(s.hset("h", [("a", "1"), ("b", "2"), ("c", "3")]), Ok(3));
    assert_eq!(received(&mut sub), events("h", &["hset"]));
    // Deadlines set: `hexpire`; none set: nothing.
    assert_eq!(
        s.hpexpire("h", 100, None, ["a", "b", "zz"]),
        Ok(vec![1, 1, -2])
    );
    assert_eq!(received(&mut sub), events("h", &["hexpire"]));
    assert_eq!(s.hpexpire("h", 100, None, ["zz"]), Ok(vec![-2]));
    assert!(received(&mut sub).is_empty());
    // A time in the past deletes: `hdel`.
    assert_eq!(s.hexpireat("h", 0, None, ["c"]), Ok(vec![2]));
    assert_eq!(received(&mut sub), events("h", &["hdel"]));
    // HPERSIST: `hpersist` when a deadline went.
    assert_eq!(s.hpersist("h", ["b"]), Ok(vec![1]));
    assert_eq!(received(&mut sub), events("h", &["hpersist"]));
    assert_eq!(s.hpersist("h", ["b"]), Ok(vec![-1]));
    assert!(received(&mut sub).is_empty());
    // Active expiry: one `hexpired` per hash and round.
    clock.advance(Duration::from_millis(101));
    s.active_expire_cycle();
    assert_eq!(received(&mut sub), events("h", &["hexpired"]));
    assert_eq!(s.hgetall("h").map(|p| p.len()), Ok(1));
    // The last field going takes the key: `hexpired`, then `del`.
    assert_eq!(s.hpexpire("h", 10, None, ["b"]), Ok(vec![1]));
    received(&mut sub);
    clock.advance(Duration::from_millis(11));
    s.active_expire_cycle();
    assert_eq!(received(&mut sub), events("h", &["hexpired", "del"]));
    assert_eq!(s.exists(["h"]), Ok(0));
}

#[test]
fn a_write_meeting_an_expired_field_reports_it() {
    let (s, clock, mut sub) = store("Eh");
    assert_eq!(s.hset("h", [("n", "1"), ("m", "1")]), Ok(2));
    assert_eq!(s.hpexpire("h", 10, None, ["n"]), Ok(vec![1]));
    received(&mut sub);
    clock.advance(Duration::from_millis(11));
    assert_eq!(s.hincrby("h", "n", 5), Ok(5));
    assert_eq!(received(&mut sub), events("h", &["hexpired", "hincrby"]));
    // Emptied by expiry past the last field: `del` after the command's
    // event (here none: no field was deleted by HDEL itself).
    assert_eq!(s.hdel("h", ["m"]), Ok(1));
    assert_eq!(s.hpexpire("h", 10, None, ["n"]), Ok(vec![1]));
    received(&mut sub);
    clock.advance(Duration::from_millis(11));
    assert_eq!(s.hdel("h", ["n"]), Ok(0));
    assert_eq!(
        received(&mut sub),
        [
            "__keyevent@0__:hexpired h".to_owned(),
            // `del` is a generic event, not on with `Eh`.
        ]
    );
    assert_eq!(s.exists(["h"]), Ok(0));
}

#[test]
fn only_the_classes_on_are_published() {
    let (s, _, mut sub) = store("Kl");
    assert_eq!(s.set("s", "v"), Ok(()));
    assert_eq!(s.lpush("l", ["a"]), Ok(1));
    assert_eq!(s.lpop("l"), Ok(Some(b"a".to_vec())));
    assert_eq!(s.get("missing"), Ok(None));
    assert_eq!(
        received(&mut sub),
        ["__keyspace@0__:l lpush", "__keyspace@0__:l lpop"],
        "no $ event, no g `del`, no keymiss, no keyevent channel"
    );
}

#[test]
fn events_follow_config_set() {
    let (s, _, mut sub) = store("");
    assert_eq!(s.set("k", "v"), Ok(()));
    assert!(received(&mut sub).is_empty());
    assert_eq!(s.config_set(&[("notify-keyspace-events", "E$")]), Ok(()));
    assert_eq!(s.set("k", "v"), Ok(()));
    assert_eq!(received(&mut sub), events("k", &["set"]));
    assert_eq!(s.config_set(&[("notify-keyspace-events", "")]), Ok(()));
    assert_eq!(s.set("k", "v"), Ok(()));
    assert!(received(&mut sub).is_empty());
}

/// Every kind of event source, for the tests of silence.
fn exercise(s: &Store, clock: &ManualClock) {
    let ok = |r: crate::Result<()>| assert_eq!(r, Ok(()));
    ok(s.set("s", "v"));
    ok(s.psetex("e", 10, "v"));
    ok(s.mset([("a", "1"), ("b", "2")]));
    assert!(s.incr("n").is_ok());
    assert!(s.rpush("l", ["x", "y"]).is_ok());
    assert!(s.lpop("l").is_ok());
    assert!(s.sadd("set", ["m"]).is_ok());
    assert!(s.srem("set", ["m"]).is_ok());
    assert!(s.hset("h", [("f", "v")]).is_ok());
    assert!(s.hpexpire("h", 10, None, ["f"]).is_ok());
    assert!(s.zadd("z", [(1.0, "m")]).is_ok());
    assert!(s.zpopmin("z", 1).is_ok());
    ok(s.rename("s", "s2"));
    assert!(s.copy("s2", "s3", false).is_ok());
    assert!(s.expire("s3", 100).is_ok());
    assert!(s.persist("s3").is_ok());
    assert!(s.del(["s2", "s3", "missing"]).is_ok());
    assert!(s.get("missing").is_ok());
    assert!(s.mget(["missing", "a"]).is_ok());
    clock.advance(Duration::from_millis(11));
    assert!(s.get("e").is_ok());
    s.active_expire_cycle();
}

#[test]
fn nothing_is_published_with_notifications_off() {
    for flags in ["", "K", "E", "KE", "A", "g$lshzxetdmn"] {
        let (s, clock, mut sub) = store(flags);
        exercise(&s, &clock);
        assert!(
            received(&mut sub).is_empty(),
            "{flags:?}: events need a class and K or E"
        );
    }
    // The same script does publish with them on (the test above can fail).
    let (s, clock, mut sub) = store("KEAmn");
    exercise(&s, &clock);
    let all = received(&mut sub);
    for event in [
        "set", "expired", "hexpired", "keymiss", "new", "zpopmin", "del",
    ] {
        let channel = format!("__keyevent@0__:{event} ");
        assert!(
            all.iter().any(|m| m.starts_with(&channel)),
            "no {event} in {all:?}"
        );
    }
}
