//! Tests of the sorted-set commands (edge cases and error texts checked
//! by hand against Redis 7.0.15).

use std::sync::{Arc, Mutex};

use crate::{Config, Error, Reply, Store, WriteObserver};

#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl WriteObserver for Log {
    fn on_write(&self, argv: &[&[u8]]) {
        let cmd: Vec<String> = argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if let Ok(mut l) = self.0.lock() {
            l.push(cmd.join(" "));
        }
    }
}

impl Log {
    fn take(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}

fn logged(store: &Store) -> Arc<Log> {
    let log = Arc::new(Log::default());
    store.add_write_observer(log.clone());
    log
}

fn small(entries: usize, value: usize) -> Store {
    Store::open(
        Config::builder()
            .zset_max_listpack_entries(entries)
            .zset_max_listpack_value(value)
            .build(),
    )
    .unwrap()
}

fn exec(s: &Store, argv: &[&str]) -> Reply {
    s.execute(argv)
}

fn bulks(items: &[&str]) -> Reply {
    Reply::Array(
        items
            .iter()
            .map(|i| Reply::Bulk(i.as_bytes().to_vec()))
            .collect(),
    )
}

#[test]
fn zadd_flags_and_errors() {
    let s = Store::new();
    assert_eq!(
        exec(&s, &["ZADD", "z", "1", "a", "2", "b"]),
        Reply::Integer(2)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "nx", "xx", "1", "a"]),
        Reply::Error(Error::ZAddXxNx)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "gt", "lt", "1", "a"]),
        Reply::Error(Error::ZAddGtLtNx)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "nx", "gt", "1", "a"]),
        Reply::Error(Error::ZAddGtLtNx)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "incr", "1", "a", "2", "b"]),
        Reply::Error(Error::ZAddIncrPair)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "1", "a", "2"]),
        Reply::Error(Error::Syntax)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "nan", "a"]),
        Reply::Error(Error::NotFloat)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "abc", "a"]),
        Reply::Error(Error::NotFloat)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", " 1", "a"]),
        Reply::Error(Error::NotFloat)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "1e400", "a"]),
        Reply::Error(Error::NotFloat)
    );
    assert_eq!(exec(&s, &["ZADD", "z", "inf", "f"]), Reply::Integer(1));
    assert_eq!(
        exec(&s, &["ZINCRBY", "z", "-inf", "f"]),
        Reply::Error(Error::ZScoreNan)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "gt", "ch", "0", "a", "5", "b"]),
        Reply::Integer(1)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "xx", "7", "new"]),
        Reply::Integer(0)
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "nx", "incr", "7", "a"]),
        Reply::Null
    );
    assert_eq!(
        exec(&s, &["ZADD", "z", "incr", "0x10", "a"]),
        Reply::Double(17.0)
    );
    assert_eq!(exec(&s, &["ZCARD", "z"]), Reply::Integer(3));
    assert_eq!(
        exec(&s, &["ZADD", "missing", "xx", "1", "a"]),
        Reply::Integer(0)
    );
    assert_eq!(exec(&s, &["EXISTS", "missing"]), Reply::Integer(0));
    s.plant_test_list(b"list");
    assert_eq!(
        exec(&s, &["ZADD", "list", "1", "a"]),
        Reply::Error(Error::WrongType)
    );
    assert_eq!(
        exec(&s, &["ZSCORE", "list", "a"]),
        Reply::Error(Error::WrongType)
    );
}

#[test]
fn score_formatting_like_redis_7_0() {
    let s = Store::new();
    exec(
        &s,
        &[
            "ZADD", "z", "0.1", "a", "1e300", "b", "-0", "c", "1.5", "d", "3", "e",
        ],
    );
    let mut out = Vec::new();
    exec(&s, &["ZRANGE", "z", "0", "-1", "WITHSCORES"]).encode(crate::Protocol::Resp2, &mut out);
    let text = String::from_utf8_lossy(&out).replace("\r\n", " ");
    assert_eq!(
        text,
        "*10 $1 c $1 0 $1 a $19 0.10000000000000001 $1 d $3 1.5 $1 e $1 3 $1 b $23 1.0000000000000001e+300 "
    );
    // A skiplist keeps -0, a listpack does not (as Redis 7.0).
    let big = small(0, 64);
    exec(&big, &["ZADD", "z", "-0", "c"]);
    assert_eq!(
        exec(&big, &["OBJECT", "ENCODING", "z"]),
        Reply::Bulk(b"skiplist".to_vec())
    );
    assert!(matches!(exec(&big, &["ZSCORE", "z", "c"]), Reply::Double(d) if d.is_sign_negative()));
}

#[test]
fn ranges_by_rank_score_lex() {
    let s = Store::new();
    exec(&s, &["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
    assert_eq!(
        exec(&s, &["ZRANGE", "z", "1", "2", "REV"]),
        bulks(&["c", "b"])
    );
    assert_eq!(
        exec(
            &s,
            &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"]
        ),
        bulks(&[])
    );
    assert_eq!(
        exec(
            &s,
            &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "-1"]
        ),
        bulks(&["b", "c", "d"])
    );
    assert_eq!(
        exec(
            &s,
            &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "0"]
        ),
        bulks(&[])
    );
    assert_eq!(
        exec(&s, &["ZRANGEBYSCORE", "z", "( 2", "4"]),
        bulks(&["c", "d"])
    );
    assert_eq!(
        exec(&s, &["ZRANGEBYSCORE", "z", "", "4"]),
        bulks(&["a", "b", "c", "d"])
    );
    assert_eq!(
        exec(&s, &["ZRANGEBYSCORE", "z", "a", "4"]),
        Reply::Error(Error::ZMinMaxNotFloat)
    );
    assert_eq!(
        exec(&s, &["ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"]),
        Reply::Error(Error::ZRangeLimitByRank)
    );
    assert_eq!(
        exec(&s, &["ZRANGE", "z", "0", "-1", "BYLEX", "BYSCORE"]),
        Reply::Error(Error::Syntax)
    );
    assert_eq!(
        exec(&s, &["ZRANGE", "z", "[a", "[z", "BYLEX", "WITHSCORES"]),
        Reply::Error(Error::ZRangeWithscoresByLex)
    );
    assert_eq!(
        exec(&s, &["ZRANGEBYLEX", "z", "a", "b"]),
        Reply::Error(Error::ZMinMaxNotLex)
    );
    assert_eq!(
        exec(&s, &["ZREVRANGEBYSCORE", "z", "4", "2", "LIMIT", "1", "1"]),
        bulks(&["c"])
    );
    assert_eq!(
        exec(&s, &["ZRANGE", "z", "(4", "2", "BYSCORE", "REV"]),
        bulks(&["c", "b"])
    );
    assert_eq!(exec(&s, &["ZCOUNT", "z", "(1", "3"]), Reply::Integer(2));
    assert_eq!(exec(&s, &["ZRANK", "z", "c"]), Reply::Integer(2));
    assert_eq!(exec(&s, &["ZREVRANK", "z", "c"]), Reply::Integer(1));
    assert_eq!(exec(&s, &["ZRANK", "z", "x"]), Reply::Null);
    let l = Store::new();
    exec(&l, &["ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d"]);
    assert_eq!(
        exec(&l, &["ZRANGEBYLEX", "l", "(a", "[c"]),
        bulks(&["b", "c"])
    );
    assert_eq!(
        exec(&l, &["ZREVRANGEBYLEX", "l", "+", "-", "LIMIT", "0", "2"]),
        bulks(&["d", "c"])
    );
    assert_eq!(exec(&l, &["ZLEXCOUNT", "l", "-", "+"]), Reply::Integer(4));
    assert_eq!(exec(&l, &["ZLEXCOUNT", "l", "+", "-"]), Reply::Integer(0));
    assert_eq!(
        exec(&l, &["ZREMRANGEBYLEX", "l", "[b", "(d"]),
        Reply::Integer(2)
    );
    assert_eq!(
        exec(&l, &["ZREMRANGEBYRANK", "l", "0", "0"]),
        Reply::Integer(1)
    );
    assert_eq!(
        exec(&l, &["ZREMRANGEBYSCORE", "l", "0", "0"]),
        Reply::Integer(1)
    );
    assert_eq!(exec(&l, &["EXISTS", "l"]), Reply::Integer(0));
}

#[test]
fn lex_ranges_over_mixed_scores() {
    // Packed: Redis 7.0's listpack walk (answers recorded from 7.0.15).
    let s = Store::new();
    exec(&s, &["ZADD", "k", "1", "b", "0", "c", "2", "a"]);
    assert_eq!(exec(&s, &["ZLEXCOUNT", "k", "[b", "+"]), Reply::Integer(0));
    assert_eq!(exec(&s, &["ZLEXCOUNT", "k", "-", "+"]), Reply::Integer(3));
    assert_eq!(exec(&s, &["ZRANGEBYLEX", "k", "-", "[b"]), bulks(&[]));
    assert_eq!(exec(&s, &["ZREVRANGEBYLEX", "k", "+", "[b"]), bulks(&[]));
    assert_eq!(
        exec(&s, &["ZRANGE", "k", "[c", "-", "BYLEX", "REV"]),
        bulks(&["a", "b", "c"])
    );
    assert_eq!(
        exec(&s, &["ZREMRANGEBYLEX", "k", "[b", "[c"]),
        Reply::Integer(0)
    );
    // Big: whatever the B+tree's descent finds, nothing outside the range.
    let big = small(0, 64);
    let members = ["a", "b", "c", "d", "e", "f", "g", "h"];
    for (i, m) in members.iter().enumerate() {
        let score = ((i * 5) % 3).to_string();
        exec(&big, &["ZADD", "z", &score, m]);
    }
    let bounds = ["-", "+", "[a", "(b", "[d", "(e", "[h", "(zz"];
    let inside = |m: &[u8], min: &str, max: &str| {
        let ge = match min.as_bytes() {
            b"-" => true,
            b"+" => false,
            [b'[', rest @ ..] => m >= rest,
            [_, rest @ ..] => m > rest,
            [] => unreachable!(),
        };
        let le = match max.as_bytes() {
            b"-" => false,
            b"+" => true,
            [b'[', rest @ ..] => m <= rest,
            [_, rest @ ..] => m < rest,
            [] => unreachable!(),
        };
        ge && le
    };
    for min in bounds {
        for max in bounds {
            for argv in [
                vec!["ZRANGEBYLEX", "z", min, max],
                vec!["ZREVRANGEBYLEX", "z", max, min],
                vec!["ZRANGEBYLEX", "z", min, max, "LIMIT", "1", "2"],
            ] {
                let Reply::Array(items) = exec(&big, &argv) else {
                    panic!("{argv:?}");
                };
                for item in items {
                    let Reply::Bulk(m) = item else { panic!() };
                    assert!(inside(&m, min, max), "{argv:?} gave {m:?}");
                }
            }
            let Reply::Integer(n) = exec(&big, &["ZLEXCOUNT", "z", min, max]) else {
                panic!();
            };
            let all = members.iter().filter(|m| inside(m.as_bytes(), min, max));
            assert!(usize::try_from(n).unwrap() <= all.count());
        }
    }
    exec(&big, &["ZREMRANGEBYLEX", "z", "[b", "[c"]);
    for m in ["a", "d", "e", "f", "g", "h"] {
        assert!(matches!(exec(&big, &["ZSCORE", "z", m]), Reply::Double(_)));
    }
}

#[test]
fn bounds_counts_and_scan_scores_like_redis_7_0_15() {
    let s = Store::new();
    exec(&s, &["ZADD", "z", "1", "a", "2", "b"]);
    // A score bound ends at its first NUL byte (strtod on a C string).
    assert_eq!(
        exec(&s, &["ZCOUNT", "z", "1.5\0junk", "+inf"]),
        Reply::Integer(1)
    );
    assert_eq!(exec(&s, &["ZCOUNT", "z", "(\0", "+inf"]), Reply::Integer(2));
    assert_eq!(
        exec(&s, &["ZCOUNT", "z", " \0", "+inf"]),
        Reply::Error(Error::ZMinMaxNotFloat)
    );
    // `-` and `+` only need a NUL after them; `[x` keeps its NUL bytes.
    assert_eq!(
        exec(&s, &["ZLEXCOUNT", "z", "-\0x", "+\0y"]),
        Reply::Integer(2)
    );
    assert_eq!(
        exec(&s, &["ZLEXCOUNT", "z", "[a\0", "+"]),
        Reply::Integer(1)
    );
    // ZPOPMIN / ZPOPMAX: one message for any count that is not >= 0.
    for count in ["abc", "-0", "+1", " 1", "12345678901234567890", "-1"] {
        assert_eq!(
            exec(&s, &["ZPOPMIN", "missing", count]),
            Reply::Error(Error::NotPositive),
            "{count}"
        );
    }
    // ZSCAN: a listpack's score entry as stored, a skiplist's %.17g.
    let scores = ["1e18", "4611686018427387904", "5e18", "-0", "0.1"];
    let expect_packed = [
        "0",
        "0.10000000000000001",
        "1000000000000000000",
        "4611686018427387904",
        "5e+18",
    ];
    let expect_big = [
        "-0",
        "0.10000000000000001",
        "1e+18",
        "4.6116860184273879e+18",
        "5e+18",
    ];
    for (store, expect) in [(Store::new(), expect_packed), (small(0, 64), expect_big)] {
        for (i, score) in scores.iter().enumerate() {
            exec(&store, &["ZADD", "z", score, &i.to_string()]);
        }
        let Reply::Array(page) = exec(&store, &["ZSCAN", "z", "0", "COUNT", "100"]) else {
            panic!();
        };
        let Reply::Array(items) = &page[1] else {
            panic!()
        };
        let mut got: Vec<Vec<u8>> = items
            .chunks(2)
            .map(|p| match &p[1] {
                Reply::Bulk(b) => b.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        got.sort();
        let mut want: Vec<Vec<u8>> = expect.iter().map(|e| e.as_bytes().to_vec()).collect();
        want.sort();
        assert_eq!(got, want);
    }
}

#[test]
fn conversions_at_both_thresholds() {
    let s = small(4, 8);
    let enc = |k: &str| exec(&s, &["OBJECT", "ENCODING", k]);
    exec(
        &s,
        &["ZADD", "a", "1", "m1", "2", "m2", "3", "m3", "4", "m4"],
    );
    assert_eq!(enc("a"), Reply::Bulk(b"listpack".to_vec()));
    exec(&s, &["ZADD", "a", "5", "m5"]);
    assert_eq!(enc("a"), Reply::Bulk(b"skiplist".to_vec()));
    exec(&s, &["ZREM", "a", "m1", "m2", "m3"]);
    assert_eq!(
        enc("a"),
        Reply::Bulk(b"skiplist".to_vec()),
        "no conversion back"
    );
    exec(&s, &["ZADD", "b", "1", "12345678"]);
    assert_eq!(enc("b"), Reply::Bulk(b"listpack".to_vec()));
    exec(&s, &["ZADD", "b", "1", "123456789"]);
    assert_eq!(enc("b"), Reply::Bulk(b"skiplist".to_vec()));
    exec(&s, &["ZADD", "c", "1", "123456789"]);
    assert_eq!(enc("c"), Reply::Bulk(b"skiplist".to_vec()));
    // ZRANGESTORE packs a result that fits.
    assert_eq!(
        exec(&s, &["ZRANGESTORE", "d", "a", "0", "0"]),
        Reply::Integer(1)
    );
    assert_eq!(enc("d"), Reply::Bulk(b"listpack".to_vec()));
    assert_eq!(
        exec(&s, &["ZRANGE", "d", "0", "-1", "WITHSCORES"]),
        Reply::Pairs(vec![(Reply::Bulk(b"m4".to_vec()), Reply::Double(4.0))])
    );
    assert_eq!(
        exec(&s, &["ZRANGESTORE", "d", "a", "5", "6"]),
        Reply::Integer(0)
    );
    assert_eq!(exec(&s, &["EXISTS", "d"]), Reply::Integer(0));
}

#[test]
fn typed_api_and_propagation() {
    let s = Store::new();
    let log = logged(&s);
    assert_eq!(s.zadd("z", [(1.0, "a"), (2.5, "b")]), Ok(2));
    assert_eq!(s.zincrby("z", 0.5, "a"), Ok(1.5));
    assert_eq!(s.zrem("z", ["a", "x"]), Ok(1));
    assert_eq!(s.zrem("z", ["x"]), Ok(0));
    assert_eq!(exec(&s, &["ZADD", "z", "xx", "7", "zz"]), Reply::Integer(0));
    assert_eq!(
        exec(&s, &["ZREMRANGEBYSCORE", "z", "0", "1"]),
        Reply::Integer(0)
    );
    assert_eq!(
        exec(&s, &["ZREMRANGEBYSCORE", "z", "0", "100"]),
        Reply::Integer(1)
    );
    assert_eq!(
        log.take(),
        [
            "ZADD z 1 a 2.5 b",
            "ZINCRBY z 0.5 a",
            "ZREM z a x",
            "ZREMRANGEBYSCORE z 0 100"
        ]
    );
}

#[test]
fn pops_replies_and_propagation() {
    let s = Store::new();
    let log = logged(&s);
    exec(
        &s,
        &[
            "ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
    );
    assert_eq!(
        exec(&s, &["ZPOPMIN", "p"]),
        Reply::Array(vec![Reply::Bulk(b"a".to_vec()), Reply::Double(1.0)])
    );
    assert_eq!(
        exec(&s, &["zpopmax", "p", "2"]),
        Reply::Pairs(vec![
            (Reply::Bulk(b"e".to_vec()), Reply::Double(5.0)),
            (Reply::Bulk(b"d".to_vec()), Reply::Double(4.0)),
        ])
    );
    assert_eq!(
        exec(&s, &["ZPOPMIN", "p", "-1"]),
        Reply::Error(Error::NotPositive)
    );
    assert_eq!(exec(&s, &["ZPOPMIN", "p", "0"]), Reply::Pairs(vec![]));
    assert_eq!(exec(&s, &["ZPOPMIN", "nokey"]), Reply::Array(vec![]));
    assert_eq!(
        exec(&s, &["ZMPOP", "2", "nokey", "p", "MIN", "COUNT", "5"]),
        Reply::Array(vec![
            Reply::Bulk(b"p".to_vec()),
            Reply::Array(vec![
                Reply::Array(vec![Reply::Bulk(b"b".to_vec()), Reply::Double(2.0)]),
                Reply::Array(vec![Reply::Bulk(b"c".to_vec()), Reply::Double(3.0)]),
            ]),
        ])
    );
    assert_eq!(exec(&s, &["EXISTS", "p"]), Reply::Integer(0));
    assert_eq!(
        exec(&s, &["ZMPOP", "0", "p", "MIN"]),
        Reply::Error(Error::NumkeysNotPositive)
    );
    assert_eq!(
        exec(&s, &["ZMPOP", "1", "p", "MIN", "COUNT", "0"]),
        Reply::Error(Error::CountNotPositive)
    );
    assert_eq!(
        exec(&s, &["ZMPOP", "1", "p", "MIDDLE"]),
        Reply::Error(Error::Syntax)
    );
    assert_eq!(exec(&s, &["ZMPOP", "1", "p", "MIN"]), Reply::NullArray);
    assert_eq!(s.zadd("q", [(1.0, "x"), (2.0, "y")]), Ok(2));
    assert_eq!(s.zpopmax("q", 1), Ok(vec![(b"y".to_vec(), 2.0)]));
    assert_eq!(
        log.take(),
        [
            "ZADD p 1 a 2 b 3 c 4 d 5 e",
            "ZPOPMIN p",
            "zpopmax p 2",
            "ZPOPMIN p 2",
            "ZADD q 1 x 2 y",
            "ZPOPMAX q 1"
        ]
    );
}

#[test]
fn bzpopmin_served_by_zadd_from_another_thread() {
    use std::time::Duration;
    let s = Store::new();
    let log = logged(&s);
    let waiter = {
        let s = s.clone();
        std::thread::spawn(move || s.bzpopmin(["z1", "z2"], Duration::ZERO))
    };
    while s.blocked_clients() == 0 {
        std::thread::yield_now();
    }
    assert_eq!(
        exec(&s, &["ZADD", "z2", "2", "b", "1", "a"]),
        Reply::Integer(2)
    );
    let got = waiter
        .join()
        .map_err(|_| ())
        .and_then(|r| r.map_err(|_| ()));
    assert_eq!(got, Ok(Some((b"z2".to_vec(), b"a".to_vec(), 1.0))));
    assert_eq!(log.take(), ["ZADD z2 2 b 1 a", "ZPOPMIN z2"]);
    // BZMPOP served at once, propagated as ZPOPMAX key n.
    let got = exec(&s, &["BZMPOP", "0", "1", "z2", "MAX", "COUNT", "9"]);
    assert!(matches!(got, Reply::Array(ref v) if v.len() == 2));
    assert_eq!(log.take(), ["ZPOPMAX z2 1"]);
    // Timeout.
    assert_eq!(exec(&s, &["BZPOPMAX", "z2", "0.01"]), Reply::NullArray);
    s.plant_test_list(b"list");
    assert_eq!(
        exec(&s, &["BZPOPMAX", "list", "0.01"]),
        Reply::Error(Error::WrongType)
    );
}

#[test]
fn union_inter_diff_and_store() {
    let s = small(4, 64);
    let log = logged(&s);
    exec(&s, &["ZADD", "a", "1", "x", "2", "y"]);
    exec(&s, &["ZADD", "b", "3", "y", "4", "z"]);
    s.sadd("st", ["x", "w"]).unwrap();
    assert_eq!(
        exec(&s, &["ZUNION", "3", "a", "b", "st", "WITHSCORES"]),
        Reply::Pairs(
            [("w", 1.0), ("x", 2.0), ("z", 4.0), ("y", 5.0)]
                .iter()
                .map(|(m, v)| (Reply::Bulk(m.as_bytes().to_vec()), Reply::Double(*v)))
                .collect()
        )
    );
    assert_eq!(
        exec(&s, &["ZINTER", "2", "a", "b", "AGGREGATE", "MIN"]),
        bulks(&["y"])
    );
    assert_eq!(exec(&s, &["ZDIFF", "2", "a", "st"]), bulks(&["y"]));
    assert_eq!(
        exec(&s, &["ZUNION", "0", "a"]),
        Reply::Error(Error::ZNoInputKey("zunion"))
    );
    assert_eq!(
        exec(&s, &["ZUNIONSTORE", "d", "0", "a"]),
        Reply::Error(Error::ZNoInputKey("zunionstore"))
    );
    assert_eq!(exec(&s, &["ZUNION", "2", "a"]), Reply::Error(Error::Syntax));
    assert_eq!(
        exec(&s, &["ZUNION", "1", "a", "WEIGHTS", "1", "2"]),
        Reply::Error(Error::Syntax)
    );
    assert_eq!(
        exec(&s, &["ZUNION", "1", "a", "WEIGHTS", "x"]),
        Reply::Error(Error::ZWeightNotFloat)
    );
    assert_eq!(
        exec(&s, &["ZUNION", "1", "a", "AGGREGATE", "foo"]),
        Reply::Error(Error::Syntax)
    );
    assert_eq!(
        exec(&s, &["ZDIFF", "1", "a", "WEIGHTS", "1"]),
        Reply::Error(Error::Syntax)
    );
    assert_eq!(
        exec(&s, &["ZINTERSTORE", "d", "1", "a", "WITHSCORES"]),
        Reply::Error(Error::Syntax)
    );
    exec(&s, &["SET", "str", "v"]);
    assert_eq!(
        exec(&s, &["ZUNION", "2", "a", "str", "BOGUS"]),
        Reply::Error(Error::WrongType)
    );
    assert_eq!(
        exec(&s, &["ZINTERCARD", "2", "a", "b", "LIMIT", "-1"]),
        Reply::Error(Error::LimitNegative)
    );
    assert_eq!(
        exec(&s, &["ZINTERCARD", "0", "a"]),
        Reply::Error(Error::ZNoInputKey("zintercard"))
    );
    assert_eq!(
        exec(&s, &["ZINTERCARD", "2", "a"]),
        Reply::Error(Error::Syntax)
    );
    assert_eq!(exec(&s, &["ZINTERCARD", "2", "a", "b"]), Reply::Integer(1));
    log.take();
    assert_eq!(
        exec(
            &s,
            &["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"]
        ),
        Reply::Integer(3)
    );
    assert_eq!(
        exec(&s, &["OBJECT", "ENCODING", "d"]),
        Reply::Bulk(b"listpack".to_vec())
    );
    assert_eq!(
        exec(&s, &["ZUNIONSTORE", "d", "3", "a", "b", "st"]),
        Reply::Integer(4)
    );
    assert_eq!(
        exec(&s, &["OBJECT", "ENCODING", "d"]),
        Reply::Bulk(b"listpack".to_vec())
    );
    assert_eq!(
        exec(&s, &["ZUNIONSTORE", "d", "1", "nokey"]),
        Reply::Integer(0)
    );
    assert_eq!(
        exec(&s, &["ZINTERSTORE", "d", "2", "a", "nokey"]),
        Reply::Integer(0)
    );
    assert_eq!(s.zdiffstore("e", ["a", "b"]), Ok(1));
    assert_eq!(
        s.zinterstore("f", ["a", "b"], Some(&[2.0, 1.0]), crate::Aggregate::Max),
        Ok(1)
    );
    assert_eq!(s.zscore("f", "y"), Ok(Some(4.0)));
    assert_eq!(
        log.take(),
        [
            "ZUNIONSTORE d 2 a b WEIGHTS 1 2",
            "ZUNIONSTORE d 3 a b st",
            "ZUNIONSTORE d 1 nokey",
            "ZDIFFSTORE e 2 a b",
            "ZINTERSTORE f 2 a b WEIGHTS 2 1 AGGREGATE MAX"
        ]
    );
}

#[test]
fn randmember_and_scan() {
    let s = small(8, 64);
    assert_eq!(exec(&s, &["ZRANDMEMBER", "nokey"]), Reply::Null);
    assert_eq!(
        exec(&s, &["ZRANDMEMBER", "nokey", "3"]),
        Reply::Array(vec![])
    );
    exec(&s, &["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    assert_eq!(s.zrandmember_count("z", 2).map(|v| v.len()), Ok(2));
    assert_eq!(s.zrandmember_count("z", 10).map(|v| v.len()), Ok(3));
    assert_eq!(s.zrandmember_count("z", -10).map(|v| v.len()), Ok(10));
    assert_eq!(s.zrandmember_count("z", 0), Ok(vec![]));
    assert_eq!(
        s.zrandmember_count("z", -(1 << 40)),
        Err(Error::HashCountOutOfRange)
    );
    assert_eq!(
        exec(&s, &["ZRANDMEMBER", "z", "-9223372036854775808"]),
        Reply::Error(Error::HashCountRange)
    );
    assert_eq!(
        exec(&s, &["ZRANDMEMBER", "z", "1", "bogus"]),
        Reply::Error(Error::Syntax)
    );
    let pairs = s.zrandmember_withscores("z", -20).unwrap_or_default();
    assert!(
        pairs
            .iter()
            .all(|(m, sc)| s.zscore("z", m) == Ok(Some(*sc)))
    );
    // Packed: everything at once, cursor 0, scores as bulk strings.
    assert_eq!(
        exec(&s, &["ZSCAN", "z", "0", "MATCH", "[ab]"]),
        Reply::Array(vec![
            Reply::Bulk(b"0".to_vec()),
            bulks(&["a", "1", "b", "2"])
        ])
    );
    // Skiplist: every member once over the pages.
    for i in 0..100 {
        s.zadd("big", [(f64::from(i) + 0.5, format!("m{i}"))])
            .unwrap();
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = 0;
    loop {
        let page = s.zscan("big", cursor, &crate::ScanOptions::new()).unwrap();
        for (m, sc) in page.members {
            assert_eq!(s.zscore("big", &m), Ok(Some(sc)));
            seen.insert(m);
        }
        cursor = page.cursor;
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(seen.len(), 100);
    for _ in 0..20 {
        let r = s.zrandmember_count("big", 10).unwrap_or_default();
        let distinct: std::collections::HashSet<_> = r.iter().collect();
        assert_eq!(distinct.len(), 10);
    }
}
