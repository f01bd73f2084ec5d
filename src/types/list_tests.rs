//! Unit tests of the list commands: typed API, `execute` replies and error
//! order (checked against redis-server 7.0.15), encodings, propagation and
//! blocking.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;

use crate::types::list::{Direction, InsertPosition, LposOptions};
use crate::{Config, Error, Reply, Store, ValueType, WriteObserver};

#[derive(Default)]
struct Log(Mutex<Vec<Vec<String>>>);

impl WriteObserver for Log {
    fn on_write(&self, argv: &[&[u8]]) {
        let cmd = argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        self.0.lock().unwrap().push(cmd);
    }
}

impl Log {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
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

/// A store whose lists are packed up to `fill` entries.
fn small_store(fill: i64) -> Store {
    Store::open(Config::builder().list_max_listpack_size(fill).build()).unwrap()
}

fn v(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn bulks(items: &[&str]) -> Reply {
    Reply::bulks(v(items))
}

fn err(store: &Store, argv: &[&str]) -> String {
    match store.execute(argv) {
        Reply::Error(e) => e.to_string(),
        other => panic!("{argv:?} gave {other:?}"),
    }
}

#[test]
fn push_pop_range_on_both_encodings() {
    for fill in [-2, 2] {
        let s = small_store(fill);
        assert_eq!(s.rpush("l", ["a", "b", "c"]), Ok(3));
        assert_eq!(s.lpush("l", ["z", "y"]), Ok(5));
        assert_eq!(s.lrange("l", 0, -1), Ok(v(&["y", "z", "a", "b", "c"])));
        assert_eq!(s.lrange("l", -100, 1), Ok(v(&["y", "z"])));
        assert_eq!(s.lrange("l", 3, 2), Ok(vec![]));
        assert_eq!(s.lrange("l", 5, 10), Ok(vec![]));
        assert_eq!(s.lrange("l", i64::MIN, i64::MAX).map(|r| r.len()), Ok(5));
        assert_eq!(s.llen("l"), Ok(5));
        assert_eq!(s.lindex("l", -1), Ok(Some(b"c".to_vec())));
        assert_eq!(s.lindex("l", 5), Ok(None));
        assert_eq!(s.lindex("l", i64::MIN), Ok(None));
        assert_eq!(s.lpop("l"), Ok(Some(b"y".to_vec())));
        assert_eq!(s.rpop_count("l", 2), Ok(Some(v(&["c", "b"]))));
        assert_eq!(s.lpop_count("l", 0), Ok(Some(vec![])));
        assert_eq!(s.lpop_count("l", 10), Ok(Some(v(&["z", "a"]))));
        assert_eq!(s.exists(["l"]), Ok(0), "emptied list is deleted");
        assert_eq!(s.lpop("l"), Ok(None));
        assert_eq!(s.lpop_count("l", 0), Ok(None));
        assert_eq!(s.llen("l"), Ok(0));
        assert_eq!(s.lpushx("l", ["x"]), Ok(0));
        assert_eq!(s.rpushx("l", ["x"]), Ok(0));
        assert_eq!(s.exists(["l"]), Ok(0));
        s.rpush("l", ["1"]).unwrap();
        assert_eq!(s.rpushx("l", ["2", "3"]), Ok(3));
        assert_eq!(s.lpushx("l", ["0"]), Ok(4));
        assert_eq!(s.lrange("l", 0, -1), Ok(v(&["0", "1", "2", "3"])));
    }
}

#[test]
fn encodings_switch_both_ways() {
    let s = small_store(4);
    s.rpush("l", ["a", "b", "c", "d"]).unwrap();
    assert_eq!(s.object_encoding("l"), Ok(Some("listpack")));
    s.rpush("l", ["e"]).unwrap();
    assert_eq!(s.object_encoding("l"), Ok(Some("quicklist")));
    // One chunk of at most half the bound goes back.
    s.rpop_count("l", 2).unwrap();
    assert_eq!(s.object_encoding("l"), Ok(Some("quicklist")));
    s.rpop("l").unwrap();
    assert_eq!(s.object_encoding("l"), Ok(Some("listpack")));
    assert_eq!(s.lrange("l", 0, -1), Ok(v(&["a", "b"])));
    // A push of many elements converts before pushing.
    s.rpush("m", ["1", "2", "3", "4", "5", "6"]).unwrap();
    assert_eq!(s.object_encoding("m"), Ok(Some("quicklist")));
    s.ltrim("m", 0, 1).unwrap();
    assert_eq!(s.object_encoding("m"), Ok(Some("listpack")));

    // Byte bound (default -2: 8 KB).
    let s = Store::new();
    s.rpush("big", ["x".repeat(8000)]).unwrap();
    assert_eq!(s.object_encoding("big"), Ok(Some("listpack")));
    s.rpush("big", ["y".repeat(200)]).unwrap();
    assert_eq!(s.object_encoding("big"), Ok(Some("quicklist")));
    s.lpop("big").unwrap();
    assert_eq!(s.object_encoding("big"), Ok(Some("listpack")));
    assert_eq!(s.type_of_list("big"), Some(ValueType::List));
}

impl Store {
    fn type_of_list(&self, key: &str) -> Option<ValueType> {
        self.key_type(key).ok().flatten()
    }
}

#[test]
fn lset_lrem_ltrim_linsert() {
    for fill in [-2, 3] {
        let s = small_store(fill);
        assert_eq!(s.lset("l", 0, "x"), Err(Error::NoSuchKey));
        s.rpush("l", ["a", "b", "a", "c", "a"]).unwrap();
        assert_eq!(s.lset("l", -1, "A"), Ok(()));
        assert_eq!(s.lset("l", 5, "x"), Err(Error::IndexOutOfRange));
        assert_eq!(s.lset("l", -6, "x"), Err(Error::IndexOutOfRange));
        assert_eq!(s.lrem("l", 0, "zz"), Ok(0));
        assert_eq!(s.lrem("l", -1, "a"), Ok(1));
        assert_eq!(s.lrange("l", 0, -1), Ok(v(&["a", "b", "c", "A"])));
        assert_eq!(
            s.linsert("l", InsertPosition::Before, "c", "B"),
            Ok(5),
            "fill {fill}"
        );
        assert_eq!(s.linsert("l", InsertPosition::After, "A", "Z"), Ok(6));
        assert_eq!(s.linsert("l", InsertPosition::After, "nope", "Z"), Ok(-1));
        assert_eq!(s.linsert("nokey", InsertPosition::After, "a", "Z"), Ok(0));
        assert_eq!(s.lrange("l", 0, -1), Ok(v(&["a", "b", "B", "c", "A", "Z"])));
        s.ltrim("l", 1, -2).unwrap();
        assert_eq!(s.lrange("l", 0, -1), Ok(v(&["b", "B", "c", "A"])));
        s.ltrim("l", 100, 200).unwrap();
        assert_eq!(s.exists(["l"]), Ok(0));
        s.rpush("n", ["1", "1", "1"]).unwrap();
        assert_eq!(s.lrem("n", 0, "1"), Ok(3));
        assert_eq!(s.exists(["n"]), Ok(0));
    }
}

#[test]
fn lpos_options() {
    let s = Store::new();
    s.rpush("l", ["a", "x", "a", "y", "a"]).unwrap();
    let o = LposOptions::new;
    assert_eq!(s.lpos("l", "a"), Ok(Some(0)));
    assert_eq!(s.lpos("l", "q"), Ok(None));
    assert_eq!(s.lpos("nokey", "a"), Ok(None));
    assert_eq!(s.lpos_with("l", "a", &o().rank(2)), Ok(vec![2]));
    assert_eq!(s.lpos_with("l", "a", &o().rank(-1)), Ok(vec![4]));
    assert_eq!(
        s.lpos_with("l", "a", &o().rank(-2).count(0)),
        Ok(vec![2, 0])
    );
    assert_eq!(s.lpos_with("l", "a", &o().count(2)), Ok(vec![0, 2]));
    assert_eq!(
        s.lpos_with("l", "a", &o().count(0).maxlen(3)),
        Ok(vec![0, 2])
    );
    assert_eq!(s.lpos_with("l", "a", &o().rank(4)), Ok(vec![]));
    assert_eq!(s.lpos_with("l", "a", &o().rank(0)), Err(Error::RankZero));
    // Redis 7.0's RANK LONG_MIN: from the tail, COUNT never stops it.
    assert_eq!(
        s.lpos_with("l", "a", &o().rank(i64::MIN).count(1)),
        Ok(vec![4, 2, 0])
    );
    assert_eq!(
        s.lpos_with("l", "a", &o().rank(i64::MIN).maxlen(2)),
        Ok(vec![4])
    );
    let r = |argv: &[&str]| s.execute(argv);
    assert_eq!(
        r(&["LPOS", "l", "a", "RANK", "-1", "COUNT", "0"]),
        Reply::Array(vec![
            Reply::Integer(4),
            Reply::Integer(2),
            Reply::Integer(0)
        ])
    );
    assert_eq!(
        r(&[
            "LPOS",
            "l",
            "a",
            "RANK",
            "-9223372036854775808",
            "COUNT",
            "2",
            "MAXLEN",
            "3"
        ]),
        Reply::Array(vec![Reply::Integer(4), Reply::Integer(2)])
    );
    assert_eq!(
        r(&["LPOS", "nokey", "a", "COUNT", "0"]),
        Reply::Array(vec![])
    );
    assert_eq!(r(&["LPOS", "nokey", "a"]), Reply::Null);
    assert_eq!(r(&["LPOS", "l", "a", "rank", "3"]), Reply::Integer(4));
}

#[test]
fn execute_errors_in_redis_order() {
    let s = Store::new();
    s.set("s", "str").unwrap();
    s.rpush("L", ["a", "b"]).unwrap();
    let wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
    let not_int = "ERR value is not an integer or out of range";
    let positive = "ERR value is out of range, must be positive";
    let cases: &[(&[&str], &str)] = &[
        (
            &["LPOS", "L", "a", "RANK", "0"],
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        ),
        (
            &["LPOS", "L", "a", "COUNT", "-1"],
            "ERR COUNT can't be negative",
        ),
        (
            &["LPOS", "L", "a", "COUNT", "abc"],
            "ERR COUNT can't be negative",
        ),
        (
            &["LPOS", "L", "a", "MAXLEN", "-1"],
            "ERR MAXLEN can't be negative",
        ),
        (&["LPOS", "L", "a", "RANK", "abc"], not_int),
        (
            &["LPOS", "L", "a", "RANK", "1", "bogus"],
            "ERR syntax error",
        ),
        (&["LPOS", "s", "a"], wrongtype),
        (
            &["LPOS", "s", "a", "RANK", "0"],
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        ),
        (
            &["LMPOP", "0", "a", "left"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["LMPOP", "-1", "a", "left"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["LMPOP", "abc", "a", "left"],
            "ERR numkeys should be greater than 0",
        ),
        (&["LMPOP", "2", "a", "left"], "ERR syntax error"),
        (
            &["LMPOP", "9223372036854775807", "a", "left"],
            "ERR syntax error",
        ),
        (&["LMPOP", "1", "a", "middle"], "ERR syntax error"),
        (
            &["LMPOP", "1", "L", "left", "count", "0"],
            "ERR count should be greater than 0",
        ),
        (
            &["LMPOP", "1", "L", "left", "count", "abc"],
            "ERR count should be greater than 0",
        ),
        (
            &["LMPOP", "1", "L", "left", "count", "1", "count", "2"],
            "ERR syntax error",
        ),
        (&["LMPOP", "1", "L", "left", "count"], "ERR syntax error"),
        (&["LMPOP", "2", "nokey", "s", "left"], wrongtype),
        (
            &["BLMPOP", "abc", "1", "L", "left"],
            "ERR timeout is not a float or out of range",
        ),
        (
            &["BLMPOP", "-1", "1", "nokey", "left"],
            "ERR timeout is negative",
        ),
        (
            &["BLMPOP", "abc", "0", "L", "left"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["BLMPOP", "-1", "1", "nokey", "middle"],
            "ERR syntax error",
        ),
        (
            &["BLMOVE", "x", "y", "up", "down", "abc"],
            "ERR syntax error",
        ),
        (
            &["BLMOVE", "x", "y", "left", "right", "abc"],
            "ERR timeout is not a float or out of range",
        ),
        (&["BLPOP", "nokey", "-1"], "ERR timeout is negative"),
        (&["BLPOP", "s", "nokey", "0.01"], wrongtype),
        (&["BLPOP", "nokey", "s", "0.01"], wrongtype),
        (&["LMOVE", "x", "y", "up", "right"], "ERR syntax error"),
        (&["LMOVE", "L", "s", "left", "right"], wrongtype),
        (&["LMOVE", "s", "L", "left", "right"], wrongtype),
        (&["LINSERT", "L", "middle", "a", "b"], "ERR syntax error"),
        (&["LINSERT", "s", "middle", "a", "b"], "ERR syntax error"),
        (&["LINSERT", "s", "before", "a", "b"], wrongtype),
        (&["LREM", "s", "abc", "x"], not_int),
        (&["LTRIM", "s", "abc", "1"], not_int),
        (&["LRANGE", "s", "abc", "1"], not_int),
        (&["LRANGE", "nokey", "abc", "1"], not_int),
        (&["LINDEX", "L", "abc"], not_int),
        (&["LINDEX", "s", "abc"], wrongtype),
        (&["LSET", "nokey", "abc", "x"], "ERR no such key"),
        (&["LSET", "s", "abc", "x"], wrongtype),
        (&["LSET", "L", "abc", "x"], not_int),
        (&["LSET", "L", "100", "x"], "ERR index out of range"),
        (&["RPUSH", "s", "x"], wrongtype),
        (&["LPOP", "s", "abc"], positive),
        (&["LPOP", "nokey", "-1"], positive),
        (&["LPOP", "s"], wrongtype),
        (&["LPOP", "s", "0"], wrongtype),
        (
            &["LPOP", "L", "1", "2"],
            "ERR wrong number of arguments for 'lpop' command",
        ),
        (&["LLEN", "s"], wrongtype),
        (&["RPOPLPUSH", "s", "L"], wrongtype),
    ];
    for (argv, text) in cases {
        assert_eq!(err(&s, argv), *text, "{argv:?}");
    }
    // Nothing moved on the refused LMOVE.
    assert_eq!(s.lrange("L", 0, -1), Ok(v(&["a", "b"])));
    assert_eq!(s.get("s"), Ok(Some(b"str".to_vec())));
}

#[test]
fn execute_reply_shapes() {
    let s = Store::new();
    let r = |argv: &[&str]| s.execute(argv);
    assert_eq!(r(&["LPOP", "missing", "0"]), Reply::NullArray);
    assert_eq!(r(&["LPOP", "missing", "3"]), Reply::NullArray);
    assert_eq!(r(&["LPOP", "missing"]), Reply::Null);
    assert_eq!(r(&["LINDEX", "missing", "abc"]), Reply::Null);
    assert_eq!(r(&["LMOVE", "missing", "x", "left", "right"]), Reply::Null);
    assert_eq!(r(&["RPOPLPUSH", "missing", "x"]), Reply::Null);
    assert_eq!(r(&["LMPOP", "1", "missing", "left"]), Reply::NullArray);
    assert_eq!(r(&["BLPOP", "missing", "0.01"]), Reply::NullArray);
    assert_eq!(
        r(&["BLMOVE", "missing", "x", "left", "right", "0.01"]),
        Reply::NullArray
    );
    assert_eq!(r(&["BRPOPLPUSH", "missing", "x", "0.01"]), Reply::NullArray);
    assert_eq!(
        r(&["BLMPOP", "0.01", "1", "missing", "left"]),
        Reply::NullArray
    );
    assert_eq!(r(&["LRANGE", "missing", "0", "-1"]), Reply::Array(vec![]));
    assert_eq!(r(&["LTRIM", "missing", "0", "1"]), Reply::ok());
    assert_eq!(r(&["RPUSH", "l", "a", "b", "c"]), Reply::Integer(3));
    assert_eq!(r(&["LPOP", "l", "0"]), Reply::Array(vec![]));
    assert_eq!(
        r(&["LMPOP", "2", "missing", "l", "RIGHT", "COUNT", "2"]),
        Reply::Array(vec![Reply::Bulk(b"l".to_vec()), bulks(&["c", "b"])])
    );
    assert_eq!(
        r(&["BLPOP", "missing", "l", "0"]),
        Reply::Array(vec![Reply::Bulk(b"l".to_vec()), Reply::Bulk(b"a".to_vec())])
    );
    assert_eq!(r(&["EXISTS", "l"]), Reply::Integer(0));
    assert_eq!(r(&["RPUSH", "l", "1", "2"]), Reply::Integer(2));
    assert_eq!(
        r(&["LMOVE", "l", "l", "LEFT", "RIGHT"]),
        Reply::Bulk(b"1".to_vec())
    );
    assert_eq!(r(&["LRANGE", "l", "0", "-1"]), bulks(&["2", "1"]));
    assert_eq!(
        r(&["BRPOPLPUSH", "l", "m", "0"]),
        Reply::Bulk(b"1".to_vec())
    );
    assert_eq!(
        r(&["BLMOVE", "l", "m", "left", "left", "0"]),
        Reply::Bulk(b"2".to_vec())
    );
    assert_eq!(r(&["LRANGE", "m", "0", "-1"]), bulks(&["2", "1"]));
    assert_eq!(r(&["LINSERT", "m", "AFTER", "2", "x"]), Reply::Integer(3));
    assert_eq!(r(&["LREM", "m", "-5", "x"]), Reply::Integer(1));
    assert_eq!(r(&["LSET", "m", "-1", "y"]), Reply::ok());
    assert_eq!(r(&["LLEN", "m"]), Reply::Integer(2));
    assert_eq!(r(&["LINDEX", "m", "-1"]), Reply::Bulk(b"y".to_vec()));
}

#[test]
fn lmove_rotates_and_keeps_ttl() {
    let s = small_store(2);
    s.rpush("l", ["a"]).unwrap();
    s.expire("l", 100).unwrap();
    assert_eq!(
        s.lmove("l", "l", Direction::Left, Direction::Right),
        Ok(Some(b"a".to_vec()))
    );
    assert!(s.ttl("l").unwrap() > 0);
    s.rpush("l", ["b", "c", "d"]).unwrap();
    assert_eq!(s.rpoplpush("l", "l"), Ok(Some(b"d".to_vec())));
    assert_eq!(s.lrange("l", 0, -1), Ok(v(&["d", "a", "b", "c"])));
    assert_eq!(
        s.lmove("l", "other", Direction::Right, Direction::Right),
        Ok(Some(b"c".to_vec()))
    );
    s.set("str", "x").unwrap();
    assert_eq!(
        s.lmove("l", "str", Direction::Left, Direction::Left),
        Err(Error::WrongType)
    );
    assert_eq!(
        s.lmove("missing", "str", Direction::Left, Direction::Left),
        Ok(None)
    );
    assert_eq!(s.llen("l"), Ok(3));
}

#[test]
fn propagation_matches_redis_aof() {
    let s = Store::new();
    let log = logged(&s);
    s.rpush("a", ["1", "2", "3", "4", "5"]).unwrap();
    s.lpop_count("a", 2).unwrap();
    s.lpop_count("a", 0).unwrap();
    s.lpop_count("missing", 2).unwrap();
    s.lpop("a").unwrap();
    s.lmpop(["nokey", "a"], Direction::Left, 10).unwrap();
    s.rpush("b", ["x", "y"]).unwrap();
    s.blmpop(["b"], Direction::Right, 5, Duration::ZERO)
        .unwrap();
    s.rpush("c", ["1", "2"]).unwrap();
    s.blmove("c", "d", Direction::Left, Direction::Right, Duration::ZERO)
        .unwrap();
    s.brpoplpush("c", "d", Duration::ZERO).unwrap();
    s.brpop(["d"], Duration::ZERO).unwrap();
    s.ltrim("d", 0, 100).unwrap();
    s.ltrim("d", 1, -1).unwrap();
    s.lrem("nokey", 0, "x").unwrap();
    s.linsert("missing", InsertPosition::Before, "a", "b")
        .unwrap();
    s.lpushx("missing", ["a"]).unwrap();
    s.rpush("e", ["1", "2"]).unwrap();
    s.lrem("e", 0, "zz").unwrap();
    s.linsert("e", InsertPosition::Before, "zz", "q").unwrap();
    s.linsert("e", InsertPosition::After, "1", "q").unwrap();
    s.lset("e", 0, "first").unwrap();
    s.lrem("e", -1, "q").unwrap();
    s.ltrim("e", 5, 6).unwrap();
    assert_eq!(
        log.take(),
        vec![
            "RPUSH a 1 2 3 4 5",
            "LPOP a 2",
            "LPOP a",
            "LPOP a 2",
            "RPUSH b x y",
            "RPOP b 2",
            "RPUSH c 1 2",
            "LMOVE c d LEFT RIGHT",
            "RPOPLPUSH c d",
            "RPOP d",
            "LTRIM d 1 -1",
            "RPUSH e 1 2",
            "LINSERT e AFTER 1 q",
            "LSET e 0 first",
            "LREM e -1 q",
            "LTRIM e 5 6",
        ]
    );
}

#[test]
fn blocked_blpop_is_served_by_a_push_from_another_thread() {
    let s = Store::new();
    let log = logged(&s);
    let waiter = {
        let s = s.clone();
        std::thread::spawn(move || s.blpop(["k1", "k2"], Duration::ZERO))
    };
    while s.blocked_clients() == 0 {
        std::thread::yield_now();
    }
    assert_eq!(s.rpush("k2", ["v1", "v2"]), Ok(2));
    assert_eq!(
        waiter.join().unwrap(),
        Ok(Some((b"k2".to_vec(), b"v1".to_vec())))
    );
    assert_eq!(log.take(), vec!["RPUSH k2 v1 v2", "LPOP k2"]);
    assert_eq!(s.lrange("k2", 0, -1), Ok(v(&["v2"])));
    assert_eq!(s.blocked_clients(), 0);
}

#[test]
fn blocking_pop_times_out() {
    let s = Store::new();
    assert_eq!(s.blpop(["none"], Duration::from_millis(20)), Ok(None));
    assert_eq!(s.brpop(["none"], Duration::from_millis(1)), Ok(None));
    assert_eq!(
        s.blmove(
            "none",
            "d",
            Direction::Left,
            Direction::Left,
            Duration::from_millis(1)
        ),
        Ok(None)
    );
    assert_eq!(
        s.blmpop(["none"], Direction::Left, 3, Duration::from_millis(1)),
        Ok(None)
    );
    assert_eq!(s.blocked_clients(), 0);
    assert_eq!(
        s.blmpop(Vec::<&str>::new(), Direction::Left, 1, Duration::ZERO),
        Err(Error::NumkeysNotPositive)
    );
    assert_eq!(
        s.lmpop(["k"], Direction::Left, 0),
        Err(Error::CountNotPositive)
    );
}

fn wait_blocked(s: &Store, n: usize) {
    while s.blocked_clients() < n {
        std::thread::yield_now();
    }
}

#[test]
fn served_blocking_commands_propagate_their_plain_form() {
    let s = Store::new();
    let log = logged(&s);
    let t = {
        let s = s.clone();
        std::thread::spawn(move || {
            s.blmove("e", "f", Direction::Left, Direction::Right, Duration::ZERO)
        })
    };
    wait_blocked(&s, 1);
    s.rpush("e", ["v1", "v2"]).unwrap();
    assert_eq!(t.join().unwrap(), Ok(Some(b"v1".to_vec())));
    let t = {
        let s = s.clone();
        std::thread::spawn(move || s.blmpop(["g"], Direction::Left, 5, Duration::ZERO))
    };
    wait_blocked(&s, 1);
    s.rpush("g", ["1", "2", "3"]).unwrap();
    assert_eq!(
        t.join().unwrap(),
        Ok(Some((b"g".to_vec(), v(&["1", "2", "3"]))))
    );
    let t = {
        let s = s.clone();
        std::thread::spawn(move || s.brpoplpush("h", "i", Duration::ZERO))
    };
    wait_blocked(&s, 1);
    s.rpush("h", ["x"]).unwrap();
    assert_eq!(t.join().unwrap(), Ok(Some(b"x".to_vec())));
    assert_eq!(
        log.take(),
        vec![
            "RPUSH e v1 v2",
            "LMOVE e f LEFT RIGHT",
            "RPUSH g 1 2 3",
            "LPOP g 3",
            "RPUSH h x",
            "RPOPLPUSH h i",
        ]
    );
}

#[test]
fn blmove_chain_and_wrongtype_destination_when_served() {
    let s = Store::new();
    // A BLMOVE into a key another client waits on serves that one too.
    let first = {
        let s = s.clone();
        std::thread::spawn(move || {
            s.blmove("a", "b", Direction::Left, Direction::Left, Duration::ZERO)
        })
    };
    wait_blocked(&s, 1);
    let second = {
        let s = s.clone();
        std::thread::spawn(move || s.blpop(["b"], Duration::ZERO))
    };
    wait_blocked(&s, 2);
    s.rpush("a", ["x"]).unwrap();
    assert_eq!(first.join().unwrap(), Ok(Some(b"x".to_vec())));
    assert_eq!(
        second.join().unwrap(),
        Ok(Some((b"b".to_vec(), b"x".to_vec())))
    );
    // A served BLMOVE whose destination is not a list fails with WRONGTYPE.
    s.set("str", "v").unwrap();
    let t = {
        let s = s.clone();
        std::thread::spawn(move || {
            s.blmove("c", "str", Direction::Left, Direction::Left, Duration::ZERO)
        })
    };
    wait_blocked(&s, 1);
    s.rpush("c", ["y"]).unwrap();
    assert_eq!(t.join().unwrap(), Err(Error::WrongType));
    assert_eq!(s.llen("c"), Ok(1));
}

#[test]
fn rename_and_copy_of_a_list_wake_waiters() {
    let s = Store::new();
    let t = {
        let s = s.clone();
        std::thread::spawn(move || s.blpop(["dst"], Duration::ZERO))
    };
    wait_blocked(&s, 1);
    s.rpush("src", ["a", "b"]).unwrap();
    s.rename("src", "dst").unwrap();
    assert_eq!(
        t.join().unwrap(),
        Ok(Some((b"dst".to_vec(), b"a".to_vec())))
    );
    let t = {
        let s = s.clone();
        std::thread::spawn(move || s.brpop(["copy"], Duration::ZERO))
    };
    wait_blocked(&s, 1);
    s.copy("dst", "copy", false).unwrap();
    assert_eq!(
        t.join().unwrap(),
        Ok(Some((b"copy".to_vec(), b"b".to_vec())))
    );
}

#[test]
fn waiters_are_served_in_arrival_order() {
    let s = Store::new();
    let mut threads = Vec::new();
    for i in 0..3 {
        let s2 = s.clone();
        threads.push(std::thread::spawn(move || s2.blpop(["q"], Duration::ZERO)));
        wait_blocked(&s, i + 1);
    }
    s.rpush("q", ["1", "2", "3"]).unwrap();
    let got: Vec<_> = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap().unwrap().1)
        .collect();
    assert_eq!(got, v(&["1", "2", "3"]));
}

#[test]
fn big_list_of_small_elements_is_compact() {
    let s = Store::new();
    let elem = [b'e'; 16];
    let before = s.used_memory_for_tests();
    for _ in 0..100 {
        let batch: Vec<&[u8]> = vec![&elem[..]; 1000];
        s.rpush("big", batch).unwrap();
    }
    let per_elem = (s.used_memory_for_tests() - before) as f64 / 100_000.0;
    assert!(per_elem < 19.0, "{per_elem} bytes per element");
    assert_eq!(s.object_encoding("big"), Ok(Some("quicklist")));
    assert_eq!(s.lindex("big", 54_321), Ok(Some(elem.to_vec())));
}

impl Store {
    fn used_memory_for_tests(&self) -> usize {
        (0..self.inner.keyspace.shard_count())
            .map(|i| self.inner.keyspace.read(i).used_bytes())
            .sum()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Push(bool, Vec<String>),
    Pop(bool, usize),
    Set(i64, String),
    Rem(i64, String),
    Trim(i64, i64),
    Insert(bool, String, String),
    Range(i64, i64),
    Move(bool, bool),
}

fn elem() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..4u8).prop_map(|n| n.to_string()),
        "[ab]{1,2}",
        "[a-z]{60,90}",
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<bool>(), proptest::collection::vec(elem(), 1..5)).prop_map(|(f, e)| Op::Push(f, e)),
        2 => (any::<bool>(), 0usize..4).prop_map(|(f, n)| Op::Pop(f, n)),
        1 => (-8i64..8, elem()).prop_map(|(i, e)| Op::Set(i, e)),
        1 => (-3i64..3, elem()).prop_map(|(c, e)| Op::Rem(c, e)),
        1 => (-8i64..8, -8i64..8).prop_map(|(a, b)| Op::Trim(a, b)),
        1 => (any::<bool>(), elem(), elem()).prop_map(|(a, p, e)| Op::Insert(a, p, e)),
        1 => (-8i64..8, -8i64..8).prop_map(|(a, b)| Op::Range(a, b)),
        1 => (any::<bool>(), any::<bool>()).prop_map(|(a, b)| Op::Move(a, b)),
    ]
}

fn model_index(len: usize, i: i64) -> Option<usize> {
    let n = len as i64;
    let i = if i < 0 { n + i } else { i };
    (0..n).contains(&i).then_some(i as usize)
}

fn model_range(len: usize, start: i64, stop: i64) -> (usize, usize) {
    let n = len as i64;
    let s = if start < 0 { n + start } else { start }.max(0);
    let e = if stop < 0 { n + stop } else { stop }.min(n - 1);
    if s > e || s >= n {
        (0, 0)
    } else {
        (s as usize, (e - s + 1) as usize)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn store_lists_behave_like_a_deque(fill in prop_oneof![Just(3i64), Just(-1)], ops in proptest::collection::vec(op(), 1..80)) {
        let s = small_store(fill);
        let mut m: VecDeque<String> = VecDeque::new();
        for op in ops {
            match op {
                Op::Push(front, elems) => {
                    let n = if front { s.lpush("k", &elems) } else { s.rpush("k", &elems) };
                    for e in elems { if front { m.push_front(e) } else { m.push_back(e) } }
                    prop_assert_eq!(n, Ok(m.len()));
                }
                Op::Pop(front, n) => {
                    let got = if front { s.lpop_count("k", n) } else { s.rpop_count("k", n) };
                    let expect: Vec<Vec<u8>> = (0..n).map_while(|_| if front { m.pop_front() } else { m.pop_back() }).map(String::into_bytes).collect();
                    match got.unwrap() {
                        None => prop_assert!(expect.is_empty()),
                        Some(v) => prop_assert_eq!(v, expect),
                    }
                }
                Op::Set(i, e) => {
                    let got = s.lset("k", i, &e);
                    match model_index(m.len(), i) {
                        Some(p) => { prop_assert_eq!(got, Ok(())); m[p] = e; }
                        None if m.is_empty() => prop_assert_eq!(got, Err(Error::NoSuchKey)),
                        None => prop_assert_eq!(got, Err(Error::IndexOutOfRange)),
                    }
                }
                Op::Rem(c, e) => {
                    let got = s.lrem("k", c, &e).unwrap();
                    let budget = if c == 0 { usize::MAX } else { c.unsigned_abs() as usize };
                    let mut removed = 0;
                    if c < 0 {
                        let mut i = m.len();
                        while i > 0 && removed < budget { i -= 1; if m[i] == e { m.remove(i); removed += 1; } }
                    } else {
                        let mut i = 0;
                        while i < m.len() && removed < budget { if m[i] == e { m.remove(i); removed += 1; } else { i += 1; } }
                    }
                    prop_assert_eq!(got, removed);
                }
                Op::Trim(a, b) => {
                    s.ltrim("k", a, b).unwrap();
                    let (st, n) = if m.is_empty() { (0, 0) } else { model_range(m.len(), a, b) };
                    m = m.iter().skip(st).take(n).cloned().collect();
                }
                Op::Insert(after, pivot, e) => {
                    let got = s.linsert("k", if after { InsertPosition::After } else { InsertPosition::Before }, &pivot, &e).unwrap();
                    if m.is_empty() { prop_assert_eq!(got, 0); }
                    else if let Some(p) = m.iter().position(|x| *x == pivot) {
                        m.insert(p + usize::from(after), e);
                        prop_assert_eq!(got, m.len() as i64);
                    } else { prop_assert_eq!(got, -1); }
                }
                Op::Range(a, b) => {
                    let got = s.lrange("k", a, b).unwrap();
                    let (st, n) = if m.is_empty() { (0, 0) } else { model_range(m.len(), a, b) };
                    let expect: Vec<Vec<u8>> = m.iter().skip(st).take(n).map(|e| e.clone().into_bytes()).collect();
                    prop_assert_eq!(got, expect);
                }
                Op::Move(from_left, to_left) => {
                    let d = |l| if l { Direction::Left } else { Direction::Right };
                    let got = s.lmove("k", "k", d(from_left), d(to_left)).unwrap();
                    let e = if from_left { m.pop_front() } else { m.pop_back() };
                    if let Some(e) = e.clone() { if to_left { m.push_front(e) } else { m.push_back(e) } }
                    prop_assert_eq!(got, e.map(String::into_bytes));
                }
            }
            let all: Vec<Vec<u8>> = m.iter().map(|e| e.clone().into_bytes()).collect();
            prop_assert_eq!(s.lrange("k", 0, -1).unwrap(), all);
            prop_assert_eq!(s.exists(["k"]).unwrap(), usize::from(!m.is_empty()));
            let enc = s.object_encoding("k").unwrap();
            if fill == 3 && m.len() > 3 { prop_assert_eq!(enc, Some("quicklist")); }
            if fill == 3 && !m.is_empty() && m.len() <= 1 { prop_assert_eq!(enc, Some("listpack")); }
        }
    }
}

#[test]
fn numkeys_key_specs_find_the_keys() {
    let argv: Vec<&[u8]> = vec![b"LMPOP", b"2", b"a", b"b", b"LEFT", b"COUNT", b"3"];
    let spec = crate::command::lookup(b"lmpop").expect("lmpop");
    assert_eq!(spec.keys(&argv), vec![&b"a"[..], b"b"]);
    let argv: Vec<&[u8]> = vec![b"BLMPOP", b"0", b"1", b"k", b"RIGHT"];
    let spec = crate::command::lookup(b"blmpop").expect("blmpop");
    assert_eq!(spec.keys(&argv), vec![&b"k"[..]]);
    let argv: Vec<&[u8]> = vec![b"BLPOP", b"a", b"b", b"0"];
    let spec = crate::command::lookup(b"blpop").expect("blpop");
    assert_eq!(spec.keys(&argv), vec![&b"a"[..], b"b"]);
}
