//! Model-based test of lists: random command sequences through
//! `Store::execute` against a `VecDeque` model of Redis 7.0's semantics.
//! Every reply is compared at the RESP2 level, and after every step the full
//! contents of each key (`LRANGE 0 -1`), `EXISTS` and `OBJECT ENCODING`.
//!
//! The store runs with `list-max-listpack-size 4`, so lists convert from
//! `listpack` to `quicklist` and back all the time. Expected encodings follow
//! Redis 7.2 (the first version with packed small lists):
//! - a list longer than 4 is a `quicklist`;
//! - a growing list (push, LINSERT, LMOVE destination) that was a
//!   `listpack` stays one while it has at most 4 elements;
//! - a shrinking list (pop, LREM, LTRIM, LSET, LMOVE source) converts back
//!   only when its quicklist is one chunk within half the limit: never with
//!   more than 2 elements, always with 1; with exactly 2 it depends on the
//!   chunk layout, so either answer is accepted (and then tracked);
//! - LSET and LINSERT convert a full listpack (4 elements) to a quicklist
//!   before they look for their index or pivot, even if they then change
//!   nothing (Redis 7.2's `listTypeTryConversionAppend` runs first).

use std::collections::{HashMap, VecDeque};

mod common;

use common::redis::{Resp, reply_to_resp};
use kvstore::{Config, Store};
use proptest::prelude::*;

const FILL: usize = 4;

const KEYS: &[&str] = &["a", "b", "{x}c"];

const ELEMENTS: &[&str] = &[
    "a",
    "b",
    "c",
    "0",
    "1",
    "-1",
    "12",
    "",
    "9223372036854775807",
    "-9223372036854775808",
    "01",
    "a longer element, twenty-nine",
];

#[derive(Debug, Clone)]
enum Op {
    Push {
        left: bool,
        only_existing: bool,
        key: usize,
        elems: Vec<usize>,
    },
    Pop {
        left: bool,
        key: usize,
        count: Option<i64>,
    },
    Lset {
        key: usize,
        index: i64,
        elem: usize,
    },
    Lrem {
        key: usize,
        count: i64,
        elem: usize,
    },
    Ltrim {
        key: usize,
        start: i64,
        stop: i64,
    },
    Linsert {
        key: usize,
        before: bool,
        pivot: usize,
        elem: usize,
    },
    Lindex {
        key: usize,
        index: i64,
    },
    Lrange {
        key: usize,
        start: i64,
        stop: i64,
    },
    Lpos {
        key: usize,
        elem: usize,
        rank: Option<i64>,
        count: Option<i64>,
        maxlen: Option<i64>,
    },
    Lmove {
        src: usize,
        dst: usize,
        from_left: bool,
        to_left: bool,
    },
    Lmpop {
        keys: Vec<usize>,
        left: bool,
        count: Option<i64>,
    },
    Del {
        key: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    let elem = 0..ELEMENTS.len();
    let index = -7i64..7;
    prop_oneof![
        6 => (any::<bool>(), prop::bool::weighted(0.15), key.clone(), prop::collection::vec(elem.clone(), 1..7))
            .prop_map(|(left, only_existing, key, elems)| Op::Push { left, only_existing, key, elems }),
        4 => (any::<bool>(), key.clone(), prop::option::of(-1i64..6))
            .prop_map(|(left, key, count)| Op::Pop { left, key, count }),
        2 => (key.clone(), index.clone(), elem.clone()).prop_map(|(key, index, elem)| Op::Lset { key, index, elem }),
        2 => (key.clone(), -3i64..4, elem.clone()).prop_map(|(key, count, elem)| Op::Lrem { key, count, elem }),
        2 => (key.clone(), index.clone(), index.clone()).prop_map(|(key, start, stop)| Op::Ltrim { key, start, stop }),
        2 => (key.clone(), any::<bool>(), elem.clone(), elem.clone())
            .prop_map(|(key, before, pivot, elem)| Op::Linsert { key, before, pivot, elem }),
        1 => (key.clone(), index.clone()).prop_map(|(key, index)| Op::Lindex { key, index }),
        1 => (key.clone(), index.clone(), index).prop_map(|(key, start, stop)| Op::Lrange { key, start, stop }),
        2 => (key.clone(), elem, prop::option::of(-3i64..4), prop::option::of(-1i64..4), prop::option::of(-1i64..7))
            .prop_map(|(key, elem, rank, count, maxlen)| Op::Lpos { key, elem, rank, count, maxlen }),
        3 => (key.clone(), key.clone(), any::<bool>(), any::<bool>())
            .prop_map(|(src, dst, from_left, to_left)| Op::Lmove { src, dst, from_left, to_left }),
        2 => (prop::collection::vec(key.clone(), 1..3), any::<bool>(), prop::option::of(0i64..6))
            .prop_map(|(keys, left, count)| Op::Lmpop { keys, left, count }),
        1 => key.prop_map(|key| Op::Del { key }),
    ]
}

/// The encoding the model expects of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enc {
    Packed,
    Quick,
    /// Depends on the chunk layout: whatever the store says is tracked.
    Either,
}

#[derive(Default)]
struct Model {
    lists: HashMap<usize, VecDeque<Vec<u8>>>,
    enc: HashMap<usize, Enc>,
}

fn bulk(b: &[u8]) -> Resp {
    Resp::Bulk(b.to_vec())
}

fn array(items: impl IntoIterator<Item = Vec<u8>>) -> Resp {
    Resp::Array(items.into_iter().map(Resp::Bulk).collect())
}

fn err(text: &str) -> Resp {
    Resp::Error(text.as_bytes().to_vec())
}

/// Redis's index normalisation for LINDEX / LSET: `None` when out of range.
fn at(len: usize, index: i64) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (0..len as i64).contains(&i).then_some(i as usize)
}

/// Redis's range normalisation for LRANGE / LTRIM: `None` when empty.
fn range(len: usize, start: i64, stop: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut stop = if stop < 0 { len + stop } else { stop };
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

impl Model {
    /// Records that `key` grew (`true`) or shrank, after the change.
    fn touched(&mut self, key: usize, grew: bool, existed: bool) {
        let len = self.lists.get(&key).map_or(0, VecDeque::len);
        if len == 0 {
            self.lists.remove(&key);
            self.enc.remove(&key);
            return;
        }
        let prev = if existed {
            self.enc.get(&key).copied().unwrap_or(Enc::Packed)
        } else {
            Enc::Packed
        };
        let next = if len > FILL {
            Enc::Quick
        } else if grew {
            // Growing never converts back.
            prev
        } else {
            match prev {
                Enc::Packed => Enc::Packed,
                _ if len <= 1 => Enc::Packed,
                _ if len == 2 => Enc::Either,
                other => other,
            }
        };
        self.enc.insert(key, next);
    }

    /// LSET and LINSERT make room for one more element before they look
    /// for their index or pivot (Redis 7.2's `listTypeTryConversionAppend`),
    /// so a full packed list becomes a quicklist even if nothing changes.
    fn pregrow(&mut self, key: usize) {
        let len = self.lists.get(&key).map_or(0, VecDeque::len);
        if len + 1 > FILL && self.enc.get(&key) == Some(&Enc::Packed) {
            self.enc.insert(key, Enc::Quick);
        }
    }

    fn list(&mut self, key: usize) -> &mut VecDeque<Vec<u8>> {
        self.lists.entry(key).or_default()
    }

    fn pop(&mut self, key: usize, left: bool) -> Option<Vec<u8>> {
        let list = self.lists.get_mut(&key)?;
        if left {
            list.pop_front()
        } else {
            list.pop_back()
        }
    }

    /// The argv of `op` and the reply Redis 7.0 gives, applying it.
    fn apply(&mut self, op: &Op) -> (Vec<Vec<u8>>, Resp) {
        let k = |i: usize| KEYS[i].as_bytes().to_vec();
        let e = |i: usize| ELEMENTS[i].as_bytes().to_vec();
        let s = |t: &str| t.as_bytes().to_vec();
        let dir = |left: bool| s(if left { "LEFT" } else { "RIGHT" });
        match op {
            Op::Push {
                left,
                only_existing,
                key,
                elems,
            } => {
                let name = match (left, only_existing) {
                    (true, false) => "LPUSH",
                    (false, false) => "RPUSH",
                    (true, true) => "LPUSHX",
                    (false, true) => "RPUSHX",
                };
                let mut argv = vec![s(name), k(*key)];
                argv.extend(elems.iter().map(|&i| e(i)));
                let existed = self.lists.contains_key(key);
                if *only_existing && !existed {
                    return (argv, Resp::Integer(0));
                }
                let list = self.list(*key);
                for &i in elems {
                    if *left {
                        list.push_front(e(i));
                    } else {
                        list.push_back(e(i));
                    }
                }
                let len = list.len() as i64;
                self.touched(*key, true, existed);
                (argv, Resp::Integer(len))
            }
            Op::Pop { left, key, count } => {
                let mut argv = vec![s(if *left { "LPOP" } else { "RPOP" }), k(*key)];
                let existed = self.lists.contains_key(key);
                let reply = match count {
                    None => match self.pop(*key, *left) {
                        Some(v) => bulk(&v),
                        None => Resp::NullBulk,
                    },
                    Some(n) => {
                        argv.push(n.to_string().into_bytes());
                        if *n < 0 {
                            err("ERR value is out of range, must be positive")
                        } else if !existed {
                            Resp::NullArray
                        } else {
                            let mut out = Vec::new();
                            for _ in 0..*n {
                                match self.pop(*key, *left) {
                                    Some(v) => out.push(v),
                                    None => break,
                                }
                            }
                            array(out)
                        }
                    }
                };
                if existed {
                    self.touched(*key, false, true);
                }
                (argv, reply)
            }
            Op::Lset { key, index, elem } => {
                let argv = vec![s("LSET"), k(*key), index.to_string().into_bytes(), e(*elem)];
                self.pregrow(*key);
                let Some(list) = self.lists.get_mut(key) else {
                    return (argv, err("ERR no such key"));
                };
                let Some(i) = at(list.len(), *index) else {
                    return (argv, err("ERR index out of range"));
                };
                list[i] = e(*elem);
                self.touched(*key, false, true);
                (argv, Resp::Simple(s("OK")))
            }
            Op::Lrem { key, count, elem } => {
                let argv = vec![s("LREM"), k(*key), count.to_string().into_bytes(), e(*elem)];
                let Some(list) = self.lists.get_mut(key) else {
                    return (argv, Resp::Integer(0));
                };
                let target = e(*elem);
                let limit = if *count == 0 {
                    usize::MAX
                } else {
                    count.unsigned_abs() as usize
                };
                let mut removed = 0;
                if *count >= 0 {
                    let mut i = 0;
                    while i < list.len() && removed < limit {
                        if list[i] == target {
                            list.remove(i);
                            removed += 1;
                        } else {
                            i += 1;
                        }
                    }
                } else {
                    let mut i = list.len();
                    while i > 0 && removed < limit {
                        i -= 1;
                        if list[i] == target {
                            list.remove(i);
                            removed += 1;
                        }
                    }
                }
                if removed > 0 {
                    self.touched(*key, false, true);
                }
                (argv, Resp::Integer(removed as i64))
            }
            Op::Ltrim { key, start, stop } => {
                let argv = vec![
                    s("LTRIM"),
                    k(*key),
                    start.to_string().into_bytes(),
                    stop.to_string().into_bytes(),
                ];
                if let Some(list) = self.lists.get_mut(key) {
                    match range(list.len(), *start, *stop) {
                        Some((a, b)) => {
                            list.truncate(b + 1);
                            list.drain(..a);
                        }
                        None => list.clear(),
                    }
                    self.touched(*key, false, true);
                }
                (argv, Resp::Simple(s("OK")))
            }
            Op::Linsert {
                key,
                before,
                pivot,
                elem,
            } => {
                let argv = vec![
                    s("LINSERT"),
                    k(*key),
                    s(if *before { "BEFORE" } else { "AFTER" }),
                    e(*pivot),
                    e(*elem),
                ];
                self.pregrow(*key);
                let Some(list) = self.lists.get_mut(key) else {
                    return (argv, Resp::Integer(0));
                };
                let Some(i) = list.iter().position(|x| *x == e(*pivot)) else {
                    return (argv, Resp::Integer(-1));
                };
                list.insert(if *before { i } else { i + 1 }, e(*elem));
                let len = list.len() as i64;
                self.touched(*key, true, true);
                (argv, Resp::Integer(len))
            }
            Op::Lindex { key, index } => {
                let argv = vec![s("LINDEX"), k(*key), index.to_string().into_bytes()];
                let reply = self
                    .lists
                    .get(key)
                    .and_then(|l| at(l.len(), *index).map(|i| bulk(&l[i])))
                    .unwrap_or(Resp::NullBulk);
                (argv, reply)
            }
            Op::Lrange { key, start, stop } => {
                let argv = vec![
                    s("LRANGE"),
                    k(*key),
                    start.to_string().into_bytes(),
                    stop.to_string().into_bytes(),
                ];
                let reply = match self.lists.get(key) {
                    Some(l) => match range(l.len(), *start, *stop) {
                        Some((a, b)) => array(l.range(a..=b).cloned()),
                        None => Resp::Array(vec![]),
                    },
                    None => Resp::Array(vec![]),
                };
                (argv, reply)
            }
            Op::Lpos {
                key,
                elem,
                rank,
                count,
                maxlen,
            } => {
                let mut argv = vec![s("LPOS"), k(*key), e(*elem)];
                for (name, v) in [("RANK", rank), ("COUNT", count), ("MAXLEN", maxlen)] {
                    if let Some(v) = v {
                        argv.push(s(name));
                        argv.push(v.to_string().into_bytes());
                    }
                }
                if *rank == Some(0) {
                    return (
                        argv,
                        err(
                            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                        ),
                    );
                }
                if count.is_some_and(|c| c < 0) {
                    return (argv, err("ERR COUNT can't be negative"));
                }
                if maxlen.is_some_and(|m| m < 0) {
                    return (argv, err("ERR MAXLEN can't be negative"));
                }
                let rank = rank.unwrap_or(1);
                let list = self.lists.get(key).cloned().unwrap_or_default();
                let target = e(*elem);
                let maxlen = match maxlen {
                    Some(0) | None => usize::MAX,
                    Some(m) => *m as usize,
                };
                let want = match count {
                    None => 1,
                    Some(0) => usize::MAX,
                    Some(c) => *c as usize,
                };
                let order: Vec<usize> = if rank > 0 {
                    (0..list.len()).collect()
                } else {
                    (0..list.len()).rev().collect()
                };
                let mut skip = rank.unsigned_abs() - 1;
                let mut found = Vec::new();
                for (scanned, &i) in order.iter().enumerate() {
                    if scanned >= maxlen || found.len() >= want {
                        break;
                    }
                    if list[i] == target {
                        if skip > 0 {
                            skip -= 1;
                        } else {
                            found.push(i as i64);
                        }
                    }
                }
                let reply = if count.is_some() {
                    Resp::Array(found.into_iter().map(Resp::Integer).collect())
                } else {
                    found.first().map_or(Resp::NullBulk, |&i| Resp::Integer(i))
                };
                (argv, reply)
            }
            Op::Lmove {
                src,
                dst,
                from_left,
                to_left,
            } => {
                let argv = vec![s("LMOVE"), k(*src), k(*dst), dir(*from_left), dir(*to_left)];
                let dst_existed = self.lists.contains_key(dst);
                let Some(v) = self.pop(*src, *from_left) else {
                    return (argv, Resp::NullBulk);
                };
                let list = self.list(*dst);
                if *to_left {
                    list.push_front(v.clone());
                } else {
                    list.push_back(v.clone());
                }
                if src == dst {
                    self.touched(*src, false, true);
                } else {
                    self.touched(*src, false, true);
                    self.touched(*dst, true, dst_existed);
                }
                (argv, bulk(&v))
            }
            Op::Lmpop { keys, left, count } => {
                let mut argv = vec![s("LMPOP"), keys.len().to_string().into_bytes()];
                argv.extend(keys.iter().map(|&i| k(i)));
                argv.push(dir(*left));
                if let Some(c) = count {
                    argv.push(s("COUNT"));
                    argv.push(c.to_string().into_bytes());
                    if *c <= 0 {
                        return (argv, err("ERR count should be greater than 0"));
                    }
                }
                let Some(&key) = keys.iter().find(|i| self.lists.contains_key(i)) else {
                    return (argv, Resp::NullArray);
                };
                let mut out = Vec::new();
                for _ in 0..count.unwrap_or(1) {
                    match self.pop(key, *left) {
                        Some(v) => out.push(v),
                        None => break,
                    }
                }
                self.touched(key, false, true);
                (argv, Resp::Array(vec![bulk(&k(key)), array(out)]))
            }
            Op::Del { key } => {
                let existed = self.lists.remove(key).is_some();
                self.enc.remove(key);
                (vec![s("DEL"), k(*key)], Resp::Integer(i64::from(existed)))
            }
        }
    }
}

fn small_store() -> Store {
    Store::open(
        Config::builder()
            .list_max_listpack_size(FILL as i64)
            .build(),
    )
    .expect("open")
}

fn ours(store: &Store, argv: &[Vec<u8>]) -> Resp {
    reply_to_resp(&store.execute(argv))
}

/// Full-state check of every key after a step.
fn check_state(store: &Store, model: &mut Model, step: usize) -> Result<(), TestCaseError> {
    for (i, key) in KEYS.iter().enumerate() {
        let key = key.as_bytes().to_vec();
        let expected = model
            .lists
            .get(&i)
            .map_or(Resp::Array(vec![]), |l| array(l.iter().cloned()));
        let range = vec![
            b"LRANGE".to_vec(),
            key.clone(),
            b"0".to_vec(),
            b"-1".to_vec(),
        ];
        prop_assert_eq!(
            ours(store, &range),
            expected,
            "step {}: contents of {:?}",
            step,
            KEYS[i]
        );
        let exists = vec![b"EXISTS".to_vec(), key.clone()];
        let present = model.lists.contains_key(&i);
        prop_assert_eq!(ours(store, &exists), Resp::Integer(i64::from(present)));
        let encoding = ours(store, &[b"OBJECT".to_vec(), b"ENCODING".to_vec(), key]);
        let len = model.lists.get(&i).map_or(0, VecDeque::len);
        match model.enc.get(&i).copied() {
            None => prop_assert_eq!(encoding, Resp::NullBulk),
            Some(Enc::Packed) => prop_assert_eq!(
                encoding,
                bulk(b"listpack"),
                "step {}: {:?} with {} elements",
                step,
                KEYS[i],
                len
            ),
            Some(Enc::Quick) => prop_assert_eq!(
                encoding,
                bulk(b"quicklist"),
                "step {}: {:?} with {} elements",
                step,
                KEYS[i],
                len
            ),
            Some(Enc::Either) => {
                let actual = if encoding == bulk(b"listpack") {
                    Enc::Packed
                } else if encoding == bulk(b"quicklist") {
                    Enc::Quick
                } else {
                    return Err(TestCaseError::fail(format!("encoding {encoding:?}")));
                };
                model.enc.insert(i, actual);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn lists_match_the_model(ops in prop::collection::vec(op(), 1..120)) {
        let store = small_store();
        let mut model = Model::default();
        for (step, op) in ops.iter().enumerate() {
            let (argv, expected) = model.apply(op);
            let got = ours(&store, &argv);
            prop_assert_eq!(&got, &expected, "step {}: {:?}", step, op);
            check_state(&store, &mut model, step)?;
        }
    }
}

/// The typed API agrees with `execute` on the same sequence.
#[test]
fn typed_api_matches_the_model_on_a_fixed_sequence() {
    use kvstore::{Direction, InsertPosition, LposOptions};
    let s = small_store();
    assert_eq!(s.rpush("t", ["a", "b", "c"]).unwrap(), 3);
    assert_eq!(s.lpush("t", ["z"]).unwrap(), 4);
    assert_eq!(s.object_encoding("t").unwrap(), Some("listpack"));
    assert_eq!(s.rpush("t", ["a", "d"]).unwrap(), 6);
    assert_eq!(s.object_encoding("t").unwrap(), Some("quicklist"));
    assert_eq!(
        s.lrange("t", 0, -1).unwrap(),
        [b"z", b"a", b"b", b"c", b"a", b"d"]
    );
    assert_eq!(s.lindex("t", -1).unwrap(), Some(b"d".to_vec()));
    assert_eq!(s.lindex("t", 6).unwrap(), None);
    assert_eq!(s.lpos("t", "a").unwrap(), Some(1));
    assert_eq!(
        s.lpos_with("t", "a", &LposOptions::new().rank(-1).count(0))
            .unwrap(),
        [4, 1]
    );
    assert_eq!(
        s.lpos_with("t", "a", &LposOptions::new().maxlen(1))
            .unwrap(),
        Vec::<usize>::new()
    );
    assert_eq!(s.linsert("t", InsertPosition::After, "b", "x").unwrap(), 7);
    assert_eq!(
        s.linsert("t", InsertPosition::Before, "nope", "x").unwrap(),
        -1
    );
    assert_eq!(
        s.linsert("missing", InsertPosition::Before, "a", "x")
            .unwrap(),
        0
    );
    assert_eq!(s.lrem("t", -1, "a").unwrap(), 1);
    s.lset("t", 0, "y").unwrap();
    assert_eq!(s.lset("t", 10, "y"), Err(kvstore::Error::IndexOutOfRange));
    assert_eq!(
        s.lrange("t", 0, -1).unwrap(),
        [b"y", b"a", b"b", b"x", b"c", b"d"]
    );
    assert_eq!(
        s.lmove("t", "u", Direction::Right, Direction::Left)
            .unwrap(),
        Some(b"d".to_vec())
    );
    assert_eq!(s.rpoplpush("t", "u").unwrap(), Some(b"c".to_vec()));
    assert_eq!(s.lrange("u", 0, -1).unwrap(), [b"c", b"d"]);
    s.ltrim("t", 1, 2).unwrap();
    assert_eq!(s.lrange("t", 0, -1).unwrap(), [b"a", b"b"]);
    // Shrunk to one chunk of 2 (at most half the limit): packed again, or
    // not, depending on the chunks; shrinking to one element always is.
    assert_eq!(s.lpop("t").unwrap(), Some(b"a".to_vec()));
    assert_eq!(s.object_encoding("t").unwrap(), Some("listpack"));
    assert_eq!(
        s.lmpop(["nothing", "u"], Direction::Left, 5).unwrap(),
        Some((b"u".to_vec(), vec![b"c".to_vec(), b"d".to_vec()]))
    );
    assert_eq!(s.lmpop(["nothing", "u"], Direction::Left, 5).unwrap(), None);
    assert_eq!(s.lpop_count("t", 0).unwrap(), Some(vec![]));
    assert_eq!(s.rpop_count("t", 3).unwrap(), Some(vec![b"b".to_vec()]));
    assert_eq!(s.rpop_count("t", 3).unwrap(), None);
    assert_eq!(s.exists(["t", "u"]).unwrap(), 0);
    assert_eq!(s.lpushx("t", ["a"]).unwrap(), 0);
    assert_eq!(s.llen("t").unwrap(), 0);
    s.set("str", "v").unwrap();
    assert_eq!(s.lpush("str", ["a"]), Err(kvstore::Error::WrongType));
    assert_eq!(s.llen("str"), Err(kvstore::Error::WrongType));
}

/// A list built past the limit and popped down to one element converts back;
/// one that only grows never converts early.
#[test]
fn encoding_round_trip() {
    let s = small_store();
    for i in 0..4 {
        s.rpush("k", [i.to_string()]).unwrap();
        assert_eq!(s.object_encoding("k").unwrap(), Some("listpack"));
    }
    s.rpush("k", ["4"]).unwrap();
    assert_eq!(s.object_encoding("k").unwrap(), Some("quicklist"));
    for _ in 0..2 {
        s.lpop("k").unwrap();
        assert_eq!(s.object_encoding("k").unwrap(), Some("quicklist"));
    }
    s.lpop("k").unwrap();
    s.lpop("k").unwrap();
    assert_eq!(s.llen("k").unwrap(), 1);
    assert_eq!(s.object_encoding("k").unwrap(), Some("listpack"));
    // Created big in one push.
    s.rpush("big", ["1", "2", "3", "4", "5"]).unwrap();
    assert_eq!(s.object_encoding("big").unwrap(), Some("quicklist"));
    // An element past the 8 KB chunk bound makes even a short list a quicklist.
    let huge = vec![b'x'; 9000];
    s.rpush("fat", [&huge[..]]).unwrap();
    s.rpush("fat", [b"y".as_slice()]).unwrap();
    assert_eq!(
        s.lrange("fat", 0, -1).unwrap(),
        [huge.clone(), b"y".to_vec()]
    );
}
