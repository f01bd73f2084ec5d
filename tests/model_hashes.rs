//! Model-based test of hashes: random command sequences through
//! `Store::execute` against a `HashMap` model of Redis 7.0's semantics.
//! Every reply is compared at the RESP2 level, and after every step the full
//! contents of each key (`HGETALL`, sorted), `HLEN`, `EXISTS` and
//! `OBJECT ENCODING`.
//!
//! The store runs with `hash-max-listpack-entries 4` and
//! `hash-max-listpack-value 8`: a hash is a `listpack` until it has had more
//! than 4 fields or a field or value longer than 8 bytes, then a `hashtable`
//! for good (hashes never convert back, as in Redis). While packed, HGETALL
//! must list fields in insertion order (an updated field keeps its place).

use std::collections::{BTreeMap, HashMap};

mod common;

use common::redis::{Resp, reply_to_resp};
use kvstore::{Config, Store};
use proptest::prelude::*;

const ENTRIES: usize = 4;
const VALUE: usize = 8;

const KEYS: &[&str] = &["a", "b", "{x}c"];

const FIELDS: &[&str] = &["f", "g", "h", "i", "j", "1", "", "eight-bt", "nine-byte"];

const VALUES: &[&str] = &[
    "v",
    "0",
    "1",
    "-1",
    "10",
    "",
    "1.5",
    "abc",
    "eight-bt",
    "nine-byte",
    "9223372036854775807",
    "-9223372036854775808",
    " 1",
    "01",
];

const INCREMENTS: &[i64] = &[0, 1, -1, 7, 100, i64::MAX, i64::MIN, 123_456_789];

#[derive(Debug, Clone)]
enum Op {
    Hset {
        key: usize,
        pairs: Vec<(usize, usize)>,
        hmset: bool,
    },
    Hsetnx {
        key: usize,
        field: usize,
        value: usize,
    },
    Hget {
        key: usize,
        field: usize,
    },
    Hmget {
        key: usize,
        fields: Vec<usize>,
    },
    Hdel {
        key: usize,
        fields: Vec<usize>,
    },
    Hexists {
        key: usize,
        field: usize,
    },
    Hstrlen {
        key: usize,
        field: usize,
    },
    Hincrby {
        key: usize,
        field: usize,
        by: usize,
    },
    Hkeys {
        key: usize,
    },
    Hvals {
        key: usize,
    },
    Del {
        key: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    let field = 0..FIELDS.len();
    let value = 0..VALUES.len();
    prop_oneof![
        6 => (key.clone(), prop::collection::vec((field.clone(), value.clone()), 1..4), prop::bool::weighted(0.2))
            .prop_map(|(key, pairs, hmset)| Op::Hset { key, pairs, hmset }),
        2 => (key.clone(), field.clone(), value).prop_map(|(key, field, value)| Op::Hsetnx { key, field, value }),
        2 => (key.clone(), field.clone()).prop_map(|(key, field)| Op::Hget { key, field }),
        1 => (key.clone(), prop::collection::vec(field.clone(), 1..4)).prop_map(|(key, fields)| Op::Hmget { key, fields }),
        4 => (key.clone(), prop::collection::vec(field.clone(), 1..4)).prop_map(|(key, fields)| Op::Hdel { key, fields }),
        1 => (key.clone(), field.clone()).prop_map(|(key, field)| Op::Hexists { key, field }),
        1 => (key.clone(), field.clone()).prop_map(|(key, field)| Op::Hstrlen { key, field }),
        3 => (key.clone(), field, 0..INCREMENTS.len()).prop_map(|(key, field, by)| Op::Hincrby { key, field, by }),
        1 => key.clone().prop_map(|key| Op::Hkeys { key }),
        1 => key.clone().prop_map(|key| Op::Hvals { key }),
        1 => key.prop_map(|key| Op::Del { key }),
    ]
}

/// One hash of the model: fields in insertion order, and whether it has
/// left the packed encoding.
#[derive(Debug, Clone, Default)]
struct Hash {
    fields: Vec<(Vec<u8>, Vec<u8>)>,
    big: bool,
}

impl Hash {
    fn get(&self, field: &[u8]) -> Option<&Vec<u8>> {
        self.fields.iter().find(|(f, _)| f == field).map(|(_, v)| v)
    }

    /// Sets `field`; true if it is new.
    fn set(&mut self, field: Vec<u8>, value: Vec<u8>) -> bool {
        if field.len() > VALUE || value.len() > VALUE {
            self.big = true;
        }
        let new = match self.fields.iter_mut().find(|(f, _)| *f == field) {
            Some((_, v)) => {
                *v = value;
                false
            }
            None => {
                self.fields.push((field, value));
                true
            }
        };
        if self.fields.len() > ENTRIES {
            self.big = true;
        }
        new
    }
}

#[derive(Default)]
struct Model {
    hashes: HashMap<usize, Hash>,
}

fn bulk(b: &[u8]) -> Resp {
    Resp::Bulk(b.to_vec())
}

fn err(text: &str) -> Resp {
    Resp::Error(text.as_bytes().to_vec())
}

/// Redis's `string2ll`: the strict integer syntax of HINCRBY's stored value.
fn strict_i64(v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty()
        || !digits.bytes().all(|c| c.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
        || s == "-0"
    {
        return None;
    }
    s.parse().ok()
}

impl Model {
    fn apply(&mut self, op: &Op) -> (Vec<Vec<u8>>, Resp) {
        let k = |i: usize| KEYS[i].as_bytes().to_vec();
        let f = |i: usize| FIELDS[i].as_bytes().to_vec();
        let v = |i: usize| VALUES[i].as_bytes().to_vec();
        let s = |t: &str| t.as_bytes().to_vec();
        match op {
            Op::Hset { key, pairs, hmset } => {
                let mut argv = vec![s(if *hmset { "HMSET" } else { "HSET" }), k(*key)];
                for &(fi, vi) in pairs {
                    argv.push(f(fi));
                    argv.push(v(vi));
                }
                let hash = self.hashes.entry(*key).or_default();
                // Redis converts before adding when any argument is too long.
                if pairs
                    .iter()
                    .any(|&(fi, vi)| f(fi).len() > VALUE || v(vi).len() > VALUE)
                {
                    hash.big = true;
                }
                let added = pairs
                    .iter()
                    .filter(|&&(fi, vi)| hash.set(f(fi), v(vi)))
                    .count();
                let reply = if *hmset {
                    Resp::Simple(s("OK"))
                } else {
                    Resp::Integer(added as i64)
                };
                (argv, reply)
            }
            Op::Hsetnx { key, field, value } => {
                let argv = vec![s("HSETNX"), k(*key), f(*field), v(*value)];
                let hash = self.hashes.entry(*key).or_default();
                if hash.get(&f(*field)).is_some() {
                    return (argv, Resp::Integer(0));
                }
                hash.set(f(*field), v(*value));
                (argv, Resp::Integer(1))
            }
            Op::Hget { key, field } => {
                let argv = vec![s("HGET"), k(*key), f(*field)];
                let reply = self
                    .hashes
                    .get(key)
                    .and_then(|h| h.get(&f(*field)))
                    .map_or(Resp::NullBulk, |v| bulk(v));
                (argv, reply)
            }
            Op::Hmget { key, fields } => {
                let mut argv = vec![s("HMGET"), k(*key)];
                argv.extend(fields.iter().map(|&i| f(i)));
                let hash = self.hashes.get(key);
                let items = fields
                    .iter()
                    .map(|&i| {
                        hash.and_then(|h| h.get(&f(i)))
                            .map_or(Resp::NullBulk, |v| bulk(v))
                    })
                    .collect();
                (argv, Resp::Array(items))
            }
            Op::Hdel { key, fields } => {
                let mut argv = vec![s("HDEL"), k(*key)];
                argv.extend(fields.iter().map(|&i| f(i)));
                let Some(hash) = self.hashes.get_mut(key) else {
                    return (argv, Resp::Integer(0));
                };
                let mut removed = 0;
                for &i in fields {
                    let before = hash.fields.len();
                    hash.fields.retain(|(x, _)| *x != f(i));
                    removed += before - hash.fields.len();
                }
                if hash.fields.is_empty() {
                    self.hashes.remove(key);
                }
                (argv, Resp::Integer(removed as i64))
            }
            Op::Hexists { key, field } => {
                let argv = vec![s("HEXISTS"), k(*key), f(*field)];
                let present = self
                    .hashes
                    .get(key)
                    .is_some_and(|h| h.get(&f(*field)).is_some());
                (argv, Resp::Integer(i64::from(present)))
            }
            Op::Hstrlen { key, field } => {
                let argv = vec![s("HSTRLEN"), k(*key), f(*field)];
                let len = self
                    .hashes
                    .get(key)
                    .and_then(|h| h.get(&f(*field)))
                    .map_or(0, Vec::len);
                (argv, Resp::Integer(len as i64))
            }
            Op::Hincrby { key, field, by } => {
                let by = INCREMENTS[*by];
                let argv = vec![
                    s("HINCRBY"),
                    k(*key),
                    f(*field),
                    by.to_string().into_bytes(),
                ];
                let existed = self.hashes.contains_key(key);
                let hash = self.hashes.entry(*key).or_default();
                let current = match hash.get(&f(*field)) {
                    None => 0,
                    Some(v) => match strict_i64(v) {
                        Some(n) => n,
                        None => {
                            if !existed {
                                self.hashes.remove(key);
                            }
                            return (argv, err("ERR hash value is not an integer"));
                        }
                    },
                };
                let Some(n) = current.checked_add(by) else {
                    if !existed {
                        self.hashes.remove(key);
                    }
                    return (argv, err("ERR increment or decrement would overflow"));
                };
                hash.set(f(*field), n.to_string().into_bytes());
                (argv, Resp::Integer(n))
            }
            Op::Hkeys { key } => {
                let argv = vec![s("HKEYS"), k(*key)];
                let items = self
                    .hashes
                    .get(key)
                    .map_or(vec![], |h| h.fields.iter().map(|(f, _)| bulk(f)).collect());
                (argv, Resp::Array(items))
            }
            Op::Hvals { key } => {
                let argv = vec![s("HVALS"), k(*key)];
                let items = self
                    .hashes
                    .get(key)
                    .map_or(vec![], |h| h.fields.iter().map(|(_, v)| bulk(v)).collect());
                (argv, Resp::Array(items))
            }
            Op::Del { key } => {
                let existed = self.hashes.remove(key).is_some();
                (vec![s("DEL"), k(*key)], Resp::Integer(i64::from(existed)))
            }
        }
    }
}

fn small_store() -> Store {
    Store::open(
        Config::builder()
            .hash_max_listpack_entries(ENTRIES)
            .hash_max_listpack_value(VALUE)
            .build(),
    )
    .expect("open")
}

fn ours(store: &Store, argv: &[Vec<u8>]) -> Resp {
    reply_to_resp(&store.execute(argv))
}

fn sorted(reply: &Resp, per: usize) -> Vec<Vec<Resp>> {
    let Resp::Array(items) = reply else {
        return vec![vec![reply.clone()]];
    };
    let mut out: Vec<Vec<Resp>> = items.chunks(per).map(<[Resp]>::to_vec).collect();
    out.sort_by_key(|r| format!("{r:?}"));
    out
}

/// Replies in hash order: exact while packed, as multisets once big.
fn same_layout(got: &Resp, expected: &Resp, packed: bool, per: usize) -> bool {
    if packed {
        got == expected
    } else {
        sorted(got, per) == sorted(expected, per)
    }
}

fn check_state(store: &Store, model: &Model, step: usize) -> Result<(), TestCaseError> {
    for (i, name) in KEYS.iter().enumerate() {
        let key = name.as_bytes().to_vec();
        let hash = model.hashes.get(&i);
        let expected = Resp::Array(hash.map_or(vec![], |h| {
            h.fields
                .iter()
                .flat_map(|(f, v)| [bulk(f), bulk(v)])
                .collect()
        }));
        let got = ours(store, &[b"HGETALL".to_vec(), key.clone()]);
        let packed = hash.is_none_or(|h| !h.big);
        prop_assert!(
            same_layout(&got, &expected, packed, 2),
            "step {}: HGETALL {:?}: got {:?}, expected {:?}",
            step,
            name,
            got,
            expected
        );
        let len = hash.map_or(0, |h| h.fields.len()) as i64;
        prop_assert_eq!(
            ours(store, &[b"HLEN".to_vec(), key.clone()]),
            Resp::Integer(len)
        );
        prop_assert_eq!(
            ours(store, &[b"EXISTS".to_vec(), key.clone()]),
            Resp::Integer(i64::from(hash.is_some()))
        );
        let encoding = ours(store, &[b"OBJECT".to_vec(), b"ENCODING".to_vec(), key]);
        let want = match hash {
            None => Resp::NullBulk,
            Some(h) if h.big => bulk(b"hashtable"),
            Some(_) => bulk(b"listpack"),
        };
        prop_assert_eq!(
            encoding,
            want,
            "step {}: encoding of {:?} ({:?})",
            step,
            name,
            hash
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn hashes_match_the_model(ops in prop::collection::vec(op(), 1..120)) {
        let store = small_store();
        let mut model = Model::default();
        for (step, op) in ops.iter().enumerate() {
            let packed = match op {
                Op::Hkeys { key } | Op::Hvals { key } => model.hashes.get(key).is_none_or(|h| !h.big),
                _ => true,
            };
            let (argv, expected) = model.apply(op);
            let got = ours(&store, &argv);
            prop_assert!(
                same_layout(&got, &expected, packed, 1),
                "step {}: {:?}: got {:?}, expected {:?}", step, op, got, expected
            );
            check_state(&store, &model, step)?;
        }
    }
}

/// HSCAN of a packed hash returns everything in one call (cursor 0), as
/// Redis does whatever COUNT says; a big hash is covered by iterating.
#[test]
fn hscan_covers_every_field() {
    let s = small_store();
    s.hset("p", [("a", "1"), ("b", "2")]).unwrap();
    let one = ours(
        &s,
        &[
            b"HSCAN".to_vec(),
            b"p".to_vec(),
            b"0".to_vec(),
            b"COUNT".to_vec(),
            b"1".to_vec(),
        ],
    );
    assert_eq!(
        one,
        Resp::Array(vec![
            bulk(b"0"),
            Resp::Array(vec![bulk(b"a"), bulk(b"1"), bulk(b"b"), bulk(b"2")])
        ])
    );
    let pairs: Vec<(String, String)> = (0..100)
        .map(|i| (format!("f{i}"), format!("v{i}")))
        .collect();
    s.hset("big", pairs.iter().map(|(f, v)| (f.as_str(), v.as_str())))
        .unwrap();
    let mut seen = BTreeMap::new();
    let mut cursor = 0;
    for _ in 0..10_000 {
        let page = s
            .hscan("big", cursor, &kvstore::ScanOptions::new().count(7))
            .unwrap();
        for (f, v) in page.fields.clone() {
            seen.insert(f, v);
        }
        cursor = page.cursor;
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(cursor, 0, "HSCAN did not end");
    let expected: BTreeMap<Vec<u8>, Vec<u8>> = pairs
        .into_iter()
        .map(|(f, v)| (f.into_bytes(), v.into_bytes()))
        .collect();
    assert_eq!(seen, expected);
}

/// The typed API on a fixed sequence, including conversions and errors.
#[test]
fn typed_api_fixed_sequence() {
    use kvstore::Error;
    let s = small_store();
    assert_eq!(
        s.hset("h", [("a", "1"), ("b", "2"), ("a", "3")]).unwrap(),
        2
    );
    assert_eq!(s.hget("h", "a").unwrap(), Some(b"3".to_vec()));
    assert!(!s.hsetnx("h", "a", "x").unwrap());
    assert!(s.hsetnx("h", "c", "x").unwrap());
    assert_eq!(
        s.hmget("h", ["a", "zz", "c"]).unwrap(),
        [Some(b"3".to_vec()), None, Some(b"x".to_vec())]
    );
    assert_eq!(s.hlen("h").unwrap(), 3);
    assert!(s.hexists("h", "b").unwrap());
    assert_eq!(s.hstrlen("h", "c").unwrap(), 1);
    assert_eq!(s.hincrby("h", "a", 10).unwrap(), 13);
    assert_eq!(s.hincrby("h", "c", 1), Err(Error::HashNotInteger));
    assert_eq!(s.hincrbyfloat("h", "f", "0.1").unwrap(), b"0.1");
    assert_eq!(s.hincrbyfloat("h", "f", "0.2").unwrap(), b"0.3");
    assert_eq!(s.hincrbyfloat("h", "c", "1"), Err(Error::HashNotFloat));
    assert_eq!(s.object_encoding("h").unwrap(), Some("listpack"));
    assert_eq!(
        s.hgetall("h").unwrap(),
        [
            (b"a".to_vec(), b"13".to_vec()),
            (b"b".to_vec(), b"2".to_vec()),
            (b"c".to_vec(), b"x".to_vec()),
            (b"f".to_vec(), b"0.3".to_vec()),
        ]
    );
    assert_eq!(s.hkeys("h").unwrap(), [b"a", b"b", b"c", b"f"]);
    assert_eq!(s.hvals("h").unwrap(), [&b"13"[..], b"2", b"x", b"0.3"]);
    // A fifth field: hashtable, for good.
    s.hset("h", [("e", "5")]).unwrap();
    assert_eq!(s.object_encoding("h").unwrap(), Some("hashtable"));
    assert_eq!(s.hdel("h", ["e", "f", "nope"]).unwrap(), 2);
    assert_eq!(s.object_encoding("h").unwrap(), Some("hashtable"));
    // A long value converts at once.
    s.hset("v", [("f", "123456789")]).unwrap();
    assert_eq!(s.object_encoding("v").unwrap(), Some("hashtable"));
    // HINCRBYFLOAT producing a long value converts too (as HINCRBY does).
    s.hset("w", [("f", "1")]).unwrap();
    assert_eq!(s.hincrby("w", "f", 1_000_000_000).unwrap(), 1_000_000_001);
    assert_eq!(s.object_encoding("w").unwrap(), Some("hashtable"));
    // Random fields.
    assert!(s.hrandfield("nope").unwrap().is_none());
    let f = s.hrandfield("h").unwrap().unwrap();
    assert!(s.hexists("h", &f).unwrap());
    assert_eq!(s.hrandfield_count("h", 10).unwrap().len(), 3);
    assert_eq!(s.hrandfield_count("h", -10).unwrap().len(), 10);
    assert_eq!(s.hrandfield_count("nope", -10).unwrap().len(), 0);
    let with = s.hrandfield_withvalues("h", -5).unwrap();
    assert_eq!(with.len(), 5);
    for (f, v) in with {
        assert_eq!(s.hget("h", &f).unwrap(), Some(v));
    }
    // Deleting the last field deletes the key.
    assert_eq!(s.hdel("v", ["f"]).unwrap(), 1);
    assert_eq!(s.exists(["v"]).unwrap(), 0);
    s.set("str", "x").unwrap();
    assert_eq!(s.hset("str", [("a", "b")]), Err(Error::WrongType));
    assert_eq!(s.hgetall("str"), Err(Error::WrongType));
    s.rpush("list", ["x"]).unwrap();
    assert_eq!(s.hlen("list"), Err(Error::WrongType));
}
