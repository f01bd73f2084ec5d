//! Model-based test of sorted sets: random command sequences through
//! `Store::execute` against a `BTreeMap` model of Redis 7.0's semantics.
//! Every reply is compared exactly at the RESP2 level (score strings
//! included), and after every step the full contents of each key
//! (`ZRANGE 0 -1 WITHSCORES`), `ZCARD`, `EXISTS` and `OBJECT ENCODING`.
//!
//! The store runs with `zset-max-listpack-entries 4` and
//! `zset-max-listpack-value 8`: a sorted set is a `listpack` until a member
//! is inserted that would make it longer than 4 or is longer than 8 bytes
//! (a new key is a skiplist at once when its first member is too long, as
//! Redis 7.0's ZADD decides), then a `skiplist` until deleted; ZUNIONSTORE
//! and ZINTERSTORE results are a listpack again when they fit.
//!
//! Scores are small multiples of 1/2 and the infinities, so the model can
//! print them as Redis does (`%.17g`) without a formatter of its own.
//!
//! A second test builds a 100k-member sorted set through the typed API and
//! checks ZRANK / ZREVRANK, ZRANGE by rank, by score (with LIMIT) and by lex,
//! ZCOUNT, ZLEXCOUNT and range deletes against a sorted `Vec`.

use std::collections::BTreeMap;

mod common;

use common::redis::{Resp, reply_to_resp};
use common::rng::Rng;
use kvstore::{Config, LexBound, ScoreBound, Store, ZRange};
use proptest::prelude::*;

const ENTRIES: usize = 4;
const VALUE: usize = 8;

const KEYS: &[&str] = &["a", "b", "{x}c"];

const MEMBERS: &[&str] = &[
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "1",
    "10",
    "",
    "eight-bt",
    "nine-byte",
];

const SCORES: &[f64] = &[
    f64::NEG_INFINITY,
    -2.0,
    -1.5,
    -1.0,
    0.0,
    0.5,
    1.0,
    1.0,
    2.0,
    2.5,
    3.0,
    10.0,
    f64::INFINITY,
];

/// Score bounds of ZCOUNT / ZRANGEBYSCORE: (text, value, exclusive).
const BOUNDS: &[(&str, f64, bool)] = &[
    ("-inf", f64::NEG_INFINITY, false),
    ("+inf", f64::INFINITY, false),
    ("(-inf", f64::NEG_INFINITY, true),
    ("(+inf", f64::INFINITY, true),
    ("0", 0.0, false),
    ("(0", 0.0, true),
    ("1", 1.0, false),
    ("(1", 1.0, true),
    ("2.5", 2.5, false),
    ("(2.5", 2.5, true),
    ("-1.5", -1.5, false),
];

/// Lex bounds: (text, bound).
fn lex_bound(i: usize) -> (&'static str, LexBound) {
    match i {
        0 => ("-", LexBound::Min),
        1 => ("+", LexBound::Max),
        2 => ("[b", LexBound::Inclusive(b"b".to_vec())),
        3 => ("(b", LexBound::Exclusive(b"b".to_vec())),
        4 => ("[d", LexBound::Inclusive(b"d".to_vec())),
        5 => ("(d", LexBound::Exclusive(b"d".to_vec())),
        6 => ("[", LexBound::Inclusive(vec![])),
        _ => ("(1", LexBound::Exclusive(b"1".to_vec())),
    }
}
const LEX_BOUNDS: usize = 8;

#[derive(Debug, Clone)]
enum Op {
    Zadd {
        key: usize,
        flags: u8,
        incr: bool,
        pairs: Vec<(usize, usize)>,
    },
    Zrem {
        key: usize,
        members: Vec<usize>,
    },
    Zscore {
        key: usize,
        member: usize,
    },
    Zincrby {
        key: usize,
        by: usize,
        member: usize,
    },
    Zrank {
        key: usize,
        member: usize,
        rev: bool,
    },
    Zrange {
        key: usize,
        start: i64,
        stop: i64,
        rev: bool,
        scores: bool,
    },
    ByScore {
        key: usize,
        min: usize,
        max: usize,
        rev: bool,
        scores: bool,
        limit: Option<(i64, i64)>,
    },
    ByLex {
        key: usize,
        min: usize,
        max: usize,
        rev: bool,
        limit: Option<(i64, i64)>,
    },
    Zcount {
        key: usize,
        min: usize,
        max: usize,
    },
    Zlexcount {
        key: usize,
        min: usize,
        max: usize,
    },
    Zpop {
        key: usize,
        max: bool,
        count: Option<u8>,
    },
    ZremRangeByRank {
        key: usize,
        start: i64,
        stop: i64,
    },
    ZremRangeByScore {
        key: usize,
        min: usize,
        max: usize,
    },
    Zstore {
        inter: bool,
        dst: usize,
        keys: Vec<usize>,
    },
    Del {
        key: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    let member = 0..MEMBERS.len();
    let score = 0..SCORES.len();
    let bound = 0..BOUNDS.len();
    let lex = 0..LEX_BOUNDS;
    let idx = -6i64..6;
    let limit = prop::option::weighted(0.4, (-1i64..4, -2i64..4));
    prop_oneof![
        10 => (key.clone(), 0u8..32, prop::bool::weighted(0.2), prop::collection::vec((score.clone(), member.clone()), 1..6))
            .prop_map(|(key, flags, incr, pairs)| Op::Zadd { key, flags, incr, pairs }),
        3 => (key.clone(), prop::collection::vec(member.clone(), 1..4)).prop_map(|(key, members)| Op::Zrem { key, members }),
        1 => (key.clone(), member.clone()).prop_map(|(key, member)| Op::Zscore { key, member }),
        3 => (key.clone(), score, member.clone()).prop_map(|(key, by, member)| Op::Zincrby { key, by, member }),
        2 => (key.clone(), member, any::<bool>()).prop_map(|(key, member, rev)| Op::Zrank { key, member, rev }),
        3 => (key.clone(), idx.clone(), idx.clone(), any::<bool>(), any::<bool>())
            .prop_map(|(key, start, stop, rev, scores)| Op::Zrange { key, start, stop, rev, scores }),
        3 => (key.clone(), bound.clone(), bound.clone(), any::<bool>(), any::<bool>(), limit.clone())
            .prop_map(|(key, min, max, rev, scores, limit)| Op::ByScore { key, min, max, rev, scores, limit }),
        2 => (key.clone(), lex.clone(), lex.clone(), any::<bool>(), limit)
            .prop_map(|(key, min, max, rev, limit)| Op::ByLex { key, min, max, rev, limit }),
        1 => (key.clone(), bound.clone(), bound.clone()).prop_map(|(key, min, max)| Op::Zcount { key, min, max }),
        1 => (key.clone(), lex.clone(), lex).prop_map(|(key, min, max)| Op::Zlexcount { key, min, max }),
        2 => (key.clone(), any::<bool>(), prop::option::weighted(0.6, 0u8..6)).prop_map(|(key, max, count)| Op::Zpop { key, max, count }),
        1 => (key.clone(), idx.clone(), idx).prop_map(|(key, start, stop)| Op::ZremRangeByRank { key, start, stop }),
        1 => (key.clone(), bound.clone(), bound).prop_map(|(key, min, max)| Op::ZremRangeByScore { key, min, max }),
        2 => (any::<bool>(), key.clone(), prop::collection::vec(key.clone(), 1..4)).prop_map(|(inter, dst, keys)| Op::Zstore { inter, dst, keys }),
        1 => key.prop_map(|key| Op::Del { key }),
    ]
}

/// Redis 7.0's `%.17g` for the scores the model uses.
fn fmt_score(x: f64) -> Vec<u8> {
    if x == f64::INFINITY {
        b"inf".to_vec()
    } else if x == f64::NEG_INFINITY {
        b"-inf".to_vec()
    } else if x.fract() == 0.0 && x.abs() < 1e17 {
        format!("{}", x as i64).into_bytes()
    } else {
        format!("{x}").into_bytes()
    }
}

fn bulk(b: &[u8]) -> Resp {
    Resp::Bulk(b.to_vec())
}

fn s(t: &str) -> Vec<u8> {
    t.as_bytes().to_vec()
}

fn err(t: &str) -> Resp {
    Resp::Error(t.as_bytes().to_vec())
}

#[derive(Debug, Clone, Default)]
struct ZSet {
    scores: BTreeMap<Vec<u8>, f64>,
    big: bool,
}

impl ZSet {
    /// Members in rank order.
    fn ordered(&self) -> Vec<(Vec<u8>, f64)> {
        let mut v: Vec<(Vec<u8>, f64)> = self.scores.iter().map(|(m, s)| (m.clone(), *s)).collect();
        v.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    fn insert(&mut self, member: &[u8], score: f64) {
        if !self.scores.contains_key(member)
            && (self.scores.len() + 1 > ENTRIES || member.len() > VALUE)
        {
            self.big = true;
        }
        self.scores.insert(member.to_vec(), score);
    }

    fn same_scores(&self) -> bool {
        let mut it = self.scores.values();
        match it.next() {
            None => true,
            Some(first) => it.all(|x| x == first),
        }
    }
}

fn in_score(x: f64, min: usize, max: usize) -> bool {
    let (_, lo, lo_ex) = BOUNDS[min];
    let (_, hi, hi_ex) = BOUNDS[max];
    (if lo_ex { x > lo } else { x >= lo }) && (if hi_ex { x < hi } else { x <= hi })
}

fn in_lex(m: &[u8], min: usize, max: usize) -> bool {
    let above = match lex_bound(min).1 {
        LexBound::Min => true,
        LexBound::Max => false,
        LexBound::Inclusive(b) => m >= b.as_slice(),
        LexBound::Exclusive(b) => m > b.as_slice(),
    };
    let below = match lex_bound(max).1 {
        LexBound::Min => false,
        LexBound::Max => true,
        LexBound::Inclusive(b) => m <= b.as_slice(),
        LexBound::Exclusive(b) => m < b.as_slice(),
    };
    above && below
}

/// Redis's rank window `start..=stop` of a set of `len`, if any.
fn rank_window(len: usize, start: i64, stop: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { start + len } else { start };
    let mut stop = if stop < 0 { stop + len } else { stop };
    if start < 0 {
        start = 0;
    }
    if start > stop || start >= len {
        return None;
    }
    if stop >= len {
        stop = len - 1;
    }
    Some((start as usize, stop as usize))
}

fn items(list: &[(Vec<u8>, f64)], scores: bool) -> Resp {
    let mut out = Vec::new();
    for (m, sc) in list {
        out.push(bulk(m));
        if scores {
            out.push(bulk(&fmt_score(*sc)));
        }
    }
    Resp::Array(out)
}

fn apply_limit(list: Vec<(Vec<u8>, f64)>, limit: Option<(i64, i64)>) -> Vec<(Vec<u8>, f64)> {
    match limit {
        None => list,
        Some((offset, _)) if offset < 0 => vec![],
        Some((offset, count)) => {
            let it = list.into_iter().skip(offset as usize);
            if count < 0 {
                it.collect()
            } else {
                it.take(count as usize).collect()
            }
        }
    }
}

#[derive(Default)]
struct Model {
    zsets: Vec<Option<ZSet>>,
}

impl Model {
    fn get(&self, key: usize) -> ZSet {
        self.zsets[key].clone().unwrap_or_default()
    }

    fn put(&mut self, key: usize, z: ZSet) {
        self.zsets[key] = (!z.scores.is_empty()).then_some(z);
    }

    /// The reply, or None when it is not checked (lex ranges over mixed
    /// scores, whose result Redis leaves unspecified).
    fn apply(&mut self, op: &Op) -> (Vec<Vec<u8>>, Option<Resp>) {
        let k = |i: usize| s(KEYS[i]);
        let m = |i: usize| s(MEMBERS[i]);
        match op {
            Op::Zadd {
                key,
                flags,
                incr,
                pairs,
            } => {
                let (nx, xx, gt, lt, ch) = (
                    flags & 1 != 0,
                    flags & 2 != 0,
                    flags & 4 != 0,
                    flags & 8 != 0,
                    flags & 16 != 0,
                );
                let mut argv = vec![s("ZADD"), k(*key)];
                for (on, name) in [(nx, "NX"), (xx, "XX"), (gt, "GT"), (lt, "LT"), (ch, "CH")] {
                    if on {
                        argv.push(s(name));
                    }
                }
                if *incr {
                    argv.push(s("INCR"));
                }
                for &(sc, mi) in pairs {
                    argv.push(fmt_score(SCORES[sc]));
                    argv.push(m(mi));
                }
                if nx && xx {
                    return (
                        argv,
                        Some(err(
                            "ERR XX and NX options at the same time are not compatible",
                        )),
                    );
                }
                if ((gt || lt) && nx) || (gt && lt) {
                    return (
                        argv,
                        Some(err(
                            "ERR GT, LT, and/or NX options at the same time are not compatible",
                        )),
                    );
                }
                if *incr && pairs.len() > 1 {
                    return (
                        argv,
                        Some(err(
                            "ERR INCR option supports a single increment-element pair",
                        )),
                    );
                }
                let existed = self.zsets[*key].is_some();
                if !existed && xx {
                    return (
                        argv,
                        Some(if *incr {
                            Resp::NullBulk
                        } else {
                            Resp::Integer(0)
                        }),
                    );
                }
                let mut z = self.get(*key);
                if !existed && m(pairs[0].1).len() > VALUE {
                    z.big = true;
                }
                let (mut added, mut changed) = (0, 0);
                let mut incr_reply = Resp::NullBulk;
                for &(sc, mi) in pairs {
                    let member = m(mi);
                    let score = SCORES[sc];
                    match z.scores.get(&member).copied() {
                        Some(cur) => {
                            if nx {
                                continue;
                            }
                            let new = if *incr { cur + score } else { score };
                            if new.is_nan() {
                                return (
                                    argv,
                                    Some(err("ERR resulting score is not a number (NaN)")),
                                );
                            }
                            if (gt && new <= cur) || (lt && new >= cur) {
                                continue;
                            }
                            if new != cur {
                                z.scores.insert(member, new);
                                changed += 1;
                            }
                            incr_reply = bulk(&fmt_score(new));
                        }
                        None => {
                            if xx {
                                continue;
                            }
                            z.insert(&member, score);
                            added += 1;
                            incr_reply = bulk(&fmt_score(score));
                        }
                    }
                }
                self.put(*key, z);
                let reply = if *incr {
                    incr_reply
                } else if ch {
                    Resp::Integer(added + changed)
                } else {
                    Resp::Integer(added)
                };
                (argv, Some(reply))
            }
            Op::Zrem { key, members } => {
                let mut argv = vec![s("ZREM"), k(*key)];
                argv.extend(members.iter().map(|&i| m(i)));
                let mut z = self.get(*key);
                let n = members
                    .iter()
                    .filter(|&&i| z.scores.remove(&m(i)).is_some())
                    .count();
                if self.zsets[*key].is_some() {
                    self.put(*key, z);
                }
                (argv, Some(Resp::Integer(n as i64)))
            }
            Op::Zscore { key, member } => {
                let reply = self
                    .get(*key)
                    .scores
                    .get(&m(*member))
                    .map_or(Resp::NullBulk, |x| bulk(&fmt_score(*x)));
                (vec![s("ZSCORE"), k(*key), m(*member)], Some(reply))
            }
            Op::Zincrby { key, by, member } => {
                let argv = vec![s("ZINCRBY"), k(*key), fmt_score(SCORES[*by]), m(*member)];
                let mut z = self.get(*key);
                let existed = self.zsets[*key].is_some();
                if !existed && m(*member).len() > VALUE {
                    z.big = true;
                }
                let new = z
                    .scores
                    .get(&m(*member))
                    .map_or(SCORES[*by], |c| c + SCORES[*by]);
                if new.is_nan() {
                    return (argv, Some(err("ERR resulting score is not a number (NaN)")));
                }
                z.insert(&m(*member), new);
                self.put(*key, z);
                (argv, Some(bulk(&fmt_score(new))))
            }
            Op::Zrank { key, member, rev } => {
                let name = if *rev { "ZREVRANK" } else { "ZRANK" };
                let ordered = self.get(*key).ordered();
                let reply = match ordered.iter().position(|(x, _)| *x == m(*member)) {
                    Some(r) if *rev => Resp::Integer((ordered.len() - 1 - r) as i64),
                    Some(r) => Resp::Integer(r as i64),
                    None => Resp::NullBulk,
                };
                (vec![s(name), k(*key), m(*member)], Some(reply))
            }
            Op::Zrange {
                key,
                start,
                stop,
                rev,
                scores,
            } => {
                let mut argv = vec![
                    s("ZRANGE"),
                    k(*key),
                    s(&start.to_string()),
                    s(&stop.to_string()),
                ];
                if *rev {
                    argv.push(s("REV"));
                }
                if *scores {
                    argv.push(s("WITHSCORES"));
                }
                let mut ordered = self.get(*key).ordered();
                if *rev {
                    ordered.reverse();
                }
                let list = rank_window(ordered.len(), *start, *stop)
                    .map_or(vec![], |(a, b)| ordered[a..=b].to_vec());
                (argv, Some(items(&list, *scores)))
            }
            Op::ByScore {
                key,
                min,
                max,
                rev,
                scores,
                limit,
            } => {
                let (name, first, second) = if *rev {
                    ("ZREVRANGEBYSCORE", *max, *min)
                } else {
                    ("ZRANGEBYSCORE", *min, *max)
                };
                let mut argv = vec![s(name), k(*key), s(BOUNDS[first].0), s(BOUNDS[second].0)];
                if *scores {
                    argv.push(s("WITHSCORES"));
                }
                if let Some((o, c)) = limit {
                    argv.extend([s("LIMIT"), s(&o.to_string()), s(&c.to_string())]);
                }
                let mut list: Vec<_> = self
                    .get(*key)
                    .ordered()
                    .into_iter()
                    .filter(|(_, x)| in_score(*x, *min, *max))
                    .collect();
                if *rev {
                    list.reverse();
                }
                (argv, Some(items(&apply_limit(list, *limit), *scores)))
            }
            Op::ByLex {
                key,
                min,
                max,
                rev,
                limit,
            } => {
                let (name, first, second) = if *rev {
                    ("ZREVRANGEBYLEX", *max, *min)
                } else {
                    ("ZRANGEBYLEX", *min, *max)
                };
                let mut argv = vec![
                    s(name),
                    k(*key),
                    s(lex_bound(first).0),
                    s(lex_bound(second).0),
                ];
                if let Some((o, c)) = limit {
                    argv.extend([s("LIMIT"), s(&o.to_string()), s(&c.to_string())]);
                }
                let z = self.get(*key);
                if !z.same_scores() {
                    return (argv, None);
                }
                let mut list: Vec<_> = z
                    .ordered()
                    .into_iter()
                    .filter(|(x, _)| in_lex(x, *min, *max))
                    .collect();
                if *rev {
                    list.reverse();
                }
                (argv, Some(items(&apply_limit(list, *limit), false)))
            }
            Op::Zcount { key, min, max } => {
                let n = self
                    .get(*key)
                    .scores
                    .values()
                    .filter(|x| in_score(**x, *min, *max))
                    .count();
                (
                    vec![s("ZCOUNT"), k(*key), s(BOUNDS[*min].0), s(BOUNDS[*max].0)],
                    Some(Resp::Integer(n as i64)),
                )
            }
            Op::Zlexcount { key, min, max } => {
                let argv = vec![
                    s("ZLEXCOUNT"),
                    k(*key),
                    s(lex_bound(*min).0),
                    s(lex_bound(*max).0),
                ];
                let z = self.get(*key);
                if !z.same_scores() {
                    return (argv, None);
                }
                let n = z.scores.keys().filter(|x| in_lex(x, *min, *max)).count();
                (argv, Some(Resp::Integer(n as i64)))
            }
            Op::Zpop { key, max, count } => {
                let mut argv = vec![s(if *max { "ZPOPMAX" } else { "ZPOPMIN" }), k(*key)];
                if let Some(c) = count {
                    argv.push(s(&c.to_string()));
                }
                let mut z = self.get(*key);
                let mut ordered = z.ordered();
                if *max {
                    ordered.reverse();
                }
                let n = count.map_or(1, usize::from).min(ordered.len());
                let popped = &ordered[..n];
                for (x, _) in popped {
                    z.scores.remove(x);
                }
                if self.zsets[*key].is_some() {
                    self.put(*key, z);
                }
                (argv, Some(items(popped, true)))
            }
            Op::ZremRangeByRank { key, start, stop } => {
                let argv = vec![
                    s("ZREMRANGEBYRANK"),
                    k(*key),
                    s(&start.to_string()),
                    s(&stop.to_string()),
                ];
                let mut z = self.get(*key);
                let ordered = z.ordered();
                let mut n = 0;
                if let Some((a, b)) = rank_window(ordered.len(), *start, *stop) {
                    for (x, _) in &ordered[a..=b] {
                        z.scores.remove(x);
                        n += 1;
                    }
                }
                if self.zsets[*key].is_some() {
                    self.put(*key, z);
                }
                (argv, Some(Resp::Integer(n)))
            }
            Op::ZremRangeByScore { key, min, max } => {
                let argv = vec![
                    s("ZREMRANGEBYSCORE"),
                    k(*key),
                    s(BOUNDS[*min].0),
                    s(BOUNDS[*max].0),
                ];
                let mut z = self.get(*key);
                let before = z.scores.len();
                z.scores.retain(|_, x| !in_score(*x, *min, *max));
                let n = before - z.scores.len();
                if self.zsets[*key].is_some() {
                    self.put(*key, z);
                }
                (argv, Some(Resp::Integer(n as i64)))
            }
            Op::Zstore { inter, dst, keys } => {
                let name = if *inter { "ZINTERSTORE" } else { "ZUNIONSTORE" };
                let mut argv = vec![s(name), k(*dst), s(&keys.len().to_string())];
                argv.extend(keys.iter().map(|&i| k(i)));
                // Redis adds the inputs smallest first (a stable sort by
                // size), which decides where `inf + -inf` becomes 0.
                let mut inputs: Vec<BTreeMap<Vec<u8>, f64>> =
                    keys.iter().map(|&key| self.get(key).scores).collect();
                inputs.sort_by_key(BTreeMap::len);
                let mut inputs = inputs.into_iter();
                let mut acc: BTreeMap<Vec<u8>, f64> = inputs.next().unwrap_or_default();
                for other in inputs {
                    let sum = |a: f64, b: f64| {
                        let x = a + b;
                        if x.is_nan() { 0.0 } else { x }
                    };
                    if *inter {
                        acc = acc
                            .into_iter()
                            .filter_map(|(mm, a)| other.get(&mm).map(|b| (mm, sum(a, *b))))
                            .collect();
                    } else {
                        for (mm, b) in other {
                            let v = acc.get(&mm).map_or(b, |a| sum(*a, b));
                            acc.insert(mm, v);
                        }
                    }
                }
                let n = acc.len();
                let big = n > ENTRIES || acc.keys().any(|x| x.len() > VALUE);
                self.zsets[*dst] = (n > 0).then_some(ZSet { scores: acc, big });
                (argv, Some(Resp::Integer(n as i64)))
            }
            Op::Del { key } => {
                let existed = self.zsets[*key].take().is_some();
                (
                    vec![s("DEL"), k(*key)],
                    Some(Resp::Integer(i64::from(existed))),
                )
            }
        }
    }
}

fn small_store() -> Store {
    Store::open(
        Config::builder()
            .zset_max_listpack_entries(ENTRIES)
            .zset_max_listpack_value(VALUE)
            .build(),
    )
    .expect("open")
}

fn ours(store: &Store, argv: &[Vec<u8>]) -> Resp {
    reply_to_resp(&store.execute(argv))
}

fn check_state(store: &Store, model: &Model, step: usize) -> Result<(), TestCaseError> {
    for (i, name) in KEYS.iter().enumerate() {
        let key = s(name);
        let z = model.zsets[i].clone();
        let want = items(&z.clone().unwrap_or_default().ordered(), true);
        let got = ours(
            store,
            &[s("ZRANGE"), key.clone(), s("0"), s("-1"), s("WITHSCORES")],
        );
        prop_assert_eq!(got, want, "step {}: contents of {}", step, name);
        prop_assert_eq!(
            ours(store, &[s("ZCARD"), key.clone()]),
            Resp::Integer(z.as_ref().map_or(0, |z| z.scores.len()) as i64)
        );
        prop_assert_eq!(
            ours(store, &[s("EXISTS"), key.clone()]),
            Resp::Integer(i64::from(z.is_some()))
        );
        let want_enc = match &z {
            None => Resp::NullBulk,
            Some(z) if z.big => bulk(b"skiplist"),
            Some(_) => bulk(b"listpack"),
        };
        prop_assert_eq!(
            ours(store, &[s("OBJECT"), s("ENCODING"), key]),
            want_enc,
            "step {}: encoding of {} ({:?})",
            step,
            name,
            z
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn zsets_match_the_model(ops in prop::collection::vec(op(), 1..100)) {
        let store = small_store();
        let mut model = Model { zsets: vec![None; KEYS.len()] };
        for (step, op) in ops.iter().enumerate() {
            let (argv, expected) = model.apply(op);
            let got = ours(&store, &argv);
            if let Some(want) = expected {
                prop_assert_eq!(&got, &want, "step {}: {:?}", step, op);
            }
            check_state(&store, &model, step)?;
        }
    }
}

/// ZRANK, ZRANGE by rank, score and lex, ZCOUNT, ZLEXCOUNT and range
/// deletes on 100k members against a sorted `Vec` (scores with many ties,
/// so ranks depend on the member order too).
#[test]
fn ranks_and_ranges_on_100k_members() {
    const N: usize = 100_000;
    let store = Store::new();
    let member = |i: usize| format!("m{:06}", (i * 7919) % N).into_bytes();
    let score = |i: usize| ((i * 31) % 1000) as f64 / 2.0;
    let mut model: Vec<(f64, Vec<u8>)> = (0..N).map(|i| (score(i), member(i))).collect();
    for chunk in model.chunks(10_000) {
        let added = store
            .zadd("big", chunk.iter().map(|(s, m)| (*s, m.as_slice())))
            .unwrap();
        assert_eq!(added, chunk.len());
    }
    model.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    assert_eq!(store.zcard("big").unwrap(), N);
    assert_eq!(store.object_encoding("big").unwrap(), Some("skiplist"));
    let mut rng = Rng::new(42);
    for _ in 0..2000 {
        let r = rng.index(N);
        let (sc, m) = &model[r];
        assert_eq!(store.zrank("big", m).unwrap(), Some(r), "ZRANK {r}");
        assert_eq!(store.zrevrank("big", m).unwrap(), Some(N - 1 - r));
        assert_eq!(store.zscore("big", m).unwrap(), Some(*sc));
    }
    assert_eq!(store.zrank("big", "nope").unwrap(), None);
    let pairs = |list: &[(f64, Vec<u8>)]| -> Vec<(Vec<u8>, f64)> {
        list.iter().map(|(s, m)| (m.clone(), *s)).collect()
    };
    for _ in 0..300 {
        // By rank, forwards and backwards.
        let a = rng.index(N);
        let b = (a + rng.index(50)).min(N - 1);
        let got = store
            .zrange("big", &ZRange::by_rank(a as i64, b as i64))
            .unwrap();
        assert_eq!(got, pairs(&model[a..=b]), "ZRANGE {a} {b}");
        let neg = store
            .zrange(
                "big",
                &ZRange::by_rank(a as i64 - N as i64, b as i64 - N as i64).rev(),
            )
            .unwrap();
        let mut want = pairs(&model[N - 1 - b..=N - 1 - a]);
        want.reverse();
        assert_eq!(neg, want, "ZRANGE REV {a} {b}");
        // By score with LIMIT.
        let lo = rng.index(1000) as f64 / 2.0;
        let hi = lo + rng.index(6) as f64 / 2.0;
        let (offset, count) = (rng.index(150), rng.index(40));
        let in_range: Vec<_> = model
            .iter()
            .filter(|(s, _)| *s > lo && *s <= hi)
            .cloned()
            .collect();
        let range = ZRange::by_score(ScoreBound::Exclusive(lo), ScoreBound::Inclusive(hi))
            .limit(offset as i64, count as i64);
        let want: Vec<_> = pairs(&in_range)
            .into_iter()
            .skip(offset)
            .take(count)
            .collect();
        assert_eq!(
            store.zrange("big", &range).unwrap(),
            want,
            "BYSCORE ({lo} {hi}"
        );
        assert_eq!(
            store
                .zcount("big", ScoreBound::Exclusive(lo), ScoreBound::Inclusive(hi))
                .unwrap(),
            in_range.len()
        );
        let rev = ZRange::by_score(ScoreBound::Exclusive(lo), ScoreBound::Inclusive(hi))
            .rev()
            .limit(0, 5);
        let mut want = pairs(&in_range);
        want.reverse();
        want.truncate(5);
        assert_eq!(store.zrange("big", &rev).unwrap(), want, "BYSCORE REV");
    }
    // By lex, on 100k members of one score.
    let mut names: Vec<Vec<u8>> = (0..N).map(member).collect();
    store
        .zadd("lex", names.iter().map(|m| (0.0, m.as_slice())))
        .unwrap();
    names.sort();
    for _ in 0..300 {
        let a = rng.index(N);
        let b = (a + rng.index(100)).min(N - 1);
        let range = ZRange::by_lex(
            LexBound::Inclusive(names[a].clone()),
            LexBound::Exclusive(names[b].clone()),
        );
        let got: Vec<Vec<u8>> = store
            .zrange("lex", &range)
            .unwrap()
            .into_iter()
            .map(|(m, _)| m)
            .collect();
        assert_eq!(got, names[a..b].to_vec(), "BYLEX [{a} ({b}");
        assert_eq!(
            store
                .zlexcount(
                    "lex",
                    LexBound::Exclusive(names[a].clone()),
                    LexBound::Inclusive(names[b].clone())
                )
                .unwrap(),
            b - a
        );
    }
    assert_eq!(
        store
            .zlexcount("lex", LexBound::Min, LexBound::Max)
            .unwrap(),
        N
    );
    // Range deletes keep ranks right.
    assert_eq!(store.zremrangebyrank("big", 1000, 1999).unwrap(), 1000);
    model.drain(1000..2000);
    let lo = model[5000].0;
    let removed = store
        .zremrangebyscore("big", ScoreBound::Inclusive(lo), ScoreBound::Inclusive(lo))
        .unwrap();
    let before = model.len();
    model.retain(|(s, _)| *s != lo);
    assert_eq!(removed, before - model.len());
    for _ in 0..500 {
        let r = rng.index(model.len());
        assert_eq!(store.zrank("big", &model[r].1).unwrap(), Some(r));
    }
    assert_eq!(
        store
            .zremrangebylex(
                "lex",
                LexBound::Min,
                LexBound::Exclusive(names[50_000].clone())
            )
            .unwrap(),
        50_000
    );
    assert_eq!(store.zrank("lex", &names[50_000]).unwrap(), Some(0));
}
