//! Model-based test of sets: random command sequences through
//! `Store::execute` against a `BTreeSet` model of Redis's semantics. Every
//! reply is compared at the RESP2 level (unordered replies as sorted lists,
//! random ones by shape), and after every step the full contents of each
//! key (`SMEMBERS`: numerically sorted while an intset), `SCARD`, `EXISTS`
//! and `OBJECT ENCODING`.
//!
//! The store runs with `set-max-intset-entries 4`,
//! `set-max-listpack-entries 6` and `set-max-listpack-value 8`, so sets
//! cross intset -> listpack -> hashtable (and intset -> hashtable) all the
//! time. The expected encoding follows Redis 7.0 plus Redis 7.2's listpack
//! sets (see src/types/set.rs): a new set is an intset when its first
//! member is an integer, else a listpack, and SADD adds its members one at
//! a time, converting only when the members held need it (no Redis 7.2
//! size hint from the argument count); an intset taking a non-integer
//! becomes a listpack when the result fits one
//! (members and the intset's widest integer at most 8 bytes, fewer than 6
//! members before), else a hashtable; conversions never go back, except
//! that the `*STORE` commands build their result in the smallest encoding
//! that fits. SPOP with a count may rebuild the set: there the encoding
//! must only be one that fits the members left.

use std::collections::BTreeSet;

mod common;

use common::redis::{Resp, reply_to_resp};
use kvstore::{Config, Store};
use proptest::prelude::*;

const INTSET: usize = 4;
const LP_ENTRIES: usize = 6;
const LP_VALUE: usize = 8;

const KEYS: &[&str] = &["a", "b", "{x}c"];

const MEMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "5",
    "-7",
    "100",
    "65536",
    "9223372036854775807",
    "-9223372036854775808",
    "01",
    "-0",
    "+1",
    "a",
    "b",
    "c",
    "",
    "eight-bt",
    "nine-byte",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enc {
    Intset,
    Listpack,
    Table,
}

#[derive(Debug, Clone)]
enum Op {
    Sadd {
        key: usize,
        members: Vec<usize>,
    },
    Srem {
        key: usize,
        members: Vec<usize>,
    },
    Sismember {
        key: usize,
        member: usize,
    },
    Smismember {
        key: usize,
        members: Vec<usize>,
    },
    Smove {
        src: usize,
        dst: usize,
        member: usize,
    },
    Spop {
        key: usize,
        count: Option<u8>,
    },
    Srandmember {
        key: usize,
        count: Option<i8>,
    },
    Algebra {
        op: u8,
        keys: Vec<usize>,
    },
    Store {
        op: u8,
        dst: usize,
        keys: Vec<usize>,
    },
    Sintercard {
        keys: Vec<usize>,
        limit: u8,
    },
    Del {
        key: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    let member = 0..MEMBERS.len();
    let members = prop::collection::vec(member.clone(), 1..10);
    let keys = prop::collection::vec(key.clone(), 1..4);
    prop_oneof![
        8 => (key.clone(), members.clone()).prop_map(|(key, members)| Op::Sadd { key, members }),
        4 => (key.clone(), members.clone()).prop_map(|(key, members)| Op::Srem { key, members }),
        1 => (key.clone(), member.clone()).prop_map(|(key, member)| Op::Sismember { key, member }),
        1 => (key.clone(), members).prop_map(|(key, members)| Op::Smismember { key, members }),
        3 => (key.clone(), key.clone(), member).prop_map(|(src, dst, member)| Op::Smove { src, dst, member }),
        3 => (key.clone(), prop::option::weighted(0.7, 0u8..12)).prop_map(|(key, count)| Op::Spop { key, count }),
        2 => (key.clone(), prop::option::weighted(0.8, -12i8..12)).prop_map(|(key, count)| Op::Srandmember { key, count }),
        2 => (0u8..3, keys.clone()).prop_map(|(op, keys)| Op::Algebra { op, keys }),
        2 => (0u8..3, key.clone(), keys.clone()).prop_map(|(op, dst, keys)| Op::Store { op, dst, keys }),
        1 => (keys, 0u8..4).prop_map(|(keys, limit)| Op::Sintercard { keys, limit }),
        1 => key.prop_map(|key| Op::Del { key }),
    ]
}

/// Redis's `string2ll`: the strict integer syntax of intset members.
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

#[derive(Debug, Clone)]
struct Set {
    members: BTreeSet<Vec<u8>>,
    enc: Enc,
}

impl Set {
    /// Redis 7.0's `setTypeCreate(first)`, a listpack where 7.0 makes a
    /// hashtable.
    fn create(first: &[u8]) -> Set {
        let enc = if strict_i64(first).is_some() {
            Enc::Intset
        } else {
            Enc::Listpack
        };
        Set {
            members: BTreeSet::new(),
            enc,
        }
    }

    /// The smallest encoding that fits `members` (the `*STORE` results).
    fn smallest(members: BTreeSet<Vec<u8>>) -> Set {
        let enc = if members.len() <= INTSET && members.iter().all(|m| strict_i64(m).is_some()) {
            Enc::Intset
        } else if members.len() <= LP_ENTRIES && members.iter().all(|m| m.len() <= LP_VALUE) {
            Enc::Listpack
        } else {
            Enc::Table
        };
        Set { members, enc }
    }

    /// Whether `enc` can hold these members at all.
    fn fits(&self, enc: Enc) -> bool {
        match enc {
            Enc::Intset => {
                self.members.len() <= INTSET && self.members.iter().all(|m| strict_i64(m).is_some())
            }
            Enc::Listpack => {
                self.members.len() <= LP_ENTRIES && self.members.iter().all(|m| m.len() <= LP_VALUE)
            }
            Enc::Table => true,
        }
    }

    /// Redis 7.0's `setTypeAdd` with 7.2's listpack step; true if new.
    fn add(&mut self, m: &[u8]) -> bool {
        if self.members.contains(m) {
            return false;
        }
        match self.enc {
            Enc::Intset => {
                if strict_i64(m).is_some() {
                    if self.members.len() + 1 > INTSET {
                        self.enc = Enc::Table;
                    }
                } else {
                    let widest = self.members.iter().map(Vec::len).max().unwrap_or(0);
                    self.enc = if self.members.len() < LP_ENTRIES
                        && m.len() <= LP_VALUE
                        && widest <= LP_VALUE
                    {
                        Enc::Listpack
                    } else {
                        Enc::Table
                    };
                }
            }
            Enc::Listpack => {
                if self.members.len() >= LP_ENTRIES || m.len() > LP_VALUE {
                    self.enc = Enc::Table;
                }
            }
            Enc::Table => {}
        }
        self.members.insert(m.to_vec());
        true
    }
}

#[derive(Default)]
struct Model {
    sets: Vec<Option<Set>>,
}

fn bulk(b: &[u8]) -> Resp {
    Resp::Bulk(b.to_vec())
}

fn s(t: &str) -> Vec<u8> {
    t.as_bytes().to_vec()
}

fn k(i: usize) -> Vec<u8> {
    s(KEYS[i])
}

fn m(i: usize) -> Vec<u8> {
    s(MEMBERS[i])
}

fn sorted_array(members: impl IntoIterator<Item = Vec<u8>>) -> Resp {
    let mut v: Vec<Vec<u8>> = members.into_iter().collect();
    v.sort();
    Resp::Array(v.iter().map(|x| bulk(x)).collect())
}

/// An array reply sorted (order is not part of the contract).
fn sorted_reply(r: &Resp) -> Resp {
    match r {
        Resp::Array(items) => {
            let mut items = items.clone();
            items.sort_by(|a, b| a.as_bulk().cmp(&b.as_bulk()));
            Resp::Array(items)
        }
        other => other.clone(),
    }
}

/// What the store must answer: an exact reply, a reply compared sorted, or
/// a check done by the caller.
enum Expect {
    Exact(Resp),
    Sorted(Resp),
    Pop(Option<u8>),
    Rand(Option<i8>),
}

impl Model {
    fn get(&self, key: usize) -> Option<&Set> {
        self.sets[key].as_ref()
    }

    fn members(&self, key: usize) -> BTreeSet<Vec<u8>> {
        self.get(key).map(|s| s.members.clone()).unwrap_or_default()
    }

    fn algebra(&self, op: u8, keys: &[usize]) -> BTreeSet<Vec<u8>> {
        let mut acc = self.members(keys[0]);
        for &key in &keys[1..] {
            let other = self.members(key);
            acc = match op {
                0 => acc.intersection(&other).cloned().collect(),
                1 => acc.union(&other).cloned().collect(),
                _ => acc.difference(&other).cloned().collect(),
            };
        }
        acc
    }

    fn apply(&mut self, op: &Op) -> (Vec<Vec<u8>>, Expect) {
        match op {
            Op::Sadd { key, members } => {
                let mut argv = vec![s("SADD"), k(*key)];
                argv.extend(members.iter().map(|&i| m(i)));
                let set = self.sets[*key].get_or_insert_with(|| Set::create(&m(members[0])));
                let added = members.iter().filter(|&&i| set.add(&m(i))).count();
                (argv, Expect::Exact(Resp::Integer(added as i64)))
            }
            Op::Srem { key, members } => {
                let mut argv = vec![s("SREM"), k(*key)];
                argv.extend(members.iter().map(|&i| m(i)));
                let Some(set) = self.sets[*key].as_mut() else {
                    return (argv, Expect::Exact(Resp::Integer(0)));
                };
                let removed = members
                    .iter()
                    .filter(|&&i| set.members.remove(&m(i)))
                    .count();
                if set.members.is_empty() {
                    self.sets[*key] = None;
                }
                (argv, Expect::Exact(Resp::Integer(removed as i64)))
            }
            Op::Sismember { key, member } => {
                let there = self.members(*key).contains(&m(*member));
                (
                    vec![s("SISMEMBER"), k(*key), m(*member)],
                    Expect::Exact(Resp::Integer(i64::from(there))),
                )
            }
            Op::Smismember { key, members } => {
                let mut argv = vec![s("SMISMEMBER"), k(*key)];
                argv.extend(members.iter().map(|&i| m(i)));
                let set = self.members(*key);
                let items = members
                    .iter()
                    .map(|&i| Resp::Integer(i64::from(set.contains(&m(i)))))
                    .collect();
                (argv, Expect::Exact(Resp::Array(items)))
            }
            Op::Smove { src, dst, member } => {
                let argv = vec![s("SMOVE"), k(*src), k(*dst), m(*member)];
                let there = self.members(*src).contains(&m(*member));
                if !there {
                    return (argv, Expect::Exact(Resp::Integer(0)));
                }
                if src != dst {
                    if let Some(set) = self.sets[*src].as_mut() {
                        set.members.remove(&m(*member));
                        if set.members.is_empty() {
                            self.sets[*src] = None;
                        }
                    }
                    let set = self.sets[*dst].get_or_insert_with(|| Set::create(&m(*member)));
                    set.add(&m(*member));
                }
                (argv, Expect::Exact(Resp::Integer(1)))
            }
            Op::Spop { key, count } => {
                let mut argv = vec![s("SPOP"), k(*key)];
                if let Some(c) = count {
                    argv.push(c.to_string().into_bytes());
                }
                (argv, Expect::Pop(*count))
            }
            Op::Srandmember { key, count } => {
                let mut argv = vec![s("SRANDMEMBER"), k(*key)];
                if let Some(c) = count {
                    argv.push(c.to_string().into_bytes());
                }
                (argv, Expect::Rand(*count))
            }
            Op::Algebra { op, keys } => {
                let name = ["SINTER", "SUNION", "SDIFF"][*op as usize];
                let mut argv = vec![s(name)];
                argv.extend(keys.iter().map(|&i| k(i)));
                let result = self.algebra(*op, keys);
                (argv, Expect::Sorted(sorted_array(result)))
            }
            Op::Store { op, dst, keys } => {
                let name = ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"][*op as usize];
                let mut argv = vec![s(name), k(*dst)];
                argv.extend(keys.iter().map(|&i| k(i)));
                let result = self.algebra(*op, keys);
                let n = result.len();
                self.sets[*dst] = (n > 0).then(|| Set::smallest(result));
                (argv, Expect::Exact(Resp::Integer(n as i64)))
            }
            Op::Sintercard { keys, limit } => {
                let mut argv = vec![s("SINTERCARD"), keys.len().to_string().into_bytes()];
                argv.extend(keys.iter().map(|&i| k(i)));
                argv.push(s("LIMIT"));
                argv.push(limit.to_string().into_bytes());
                let mut n = self.algebra(0, keys).len();
                if *limit > 0 {
                    n = n.min(*limit as usize);
                }
                (argv, Expect::Exact(Resp::Integer(n as i64)))
            }
            Op::Del { key } => {
                let existed = self.sets[*key].take().is_some();
                (
                    vec![s("DEL"), k(*key)],
                    Expect::Exact(Resp::Integer(i64::from(existed))),
                )
            }
        }
    }

    /// Checks an SPOP reply and removes what it popped from the model.
    fn check_pop(&mut self, key: usize, count: Option<u8>, got: &Resp) -> Result<(), String> {
        let before = self.members(key);
        let popped: Vec<Vec<u8>> = match (count, got) {
            (None, Resp::NullBulk) if before.is_empty() => vec![],
            (None, Resp::Bulk(x)) => vec![x.clone()],
            (Some(c), Resp::Array(items)) => {
                if items.len() != (c as usize).min(before.len()) {
                    return Err(format!(
                        "{} popped, asked {c} of {}",
                        items.len(),
                        before.len()
                    ));
                }
                items
                    .iter()
                    .map(|r| r.as_bulk().map(<[u8]>::to_vec).ok_or("non-bulk"))
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(format!("bad SPOP reply {got:?}")),
        };
        let distinct: BTreeSet<Vec<u8>> = popped.iter().cloned().collect();
        if distinct.len() != popped.len() || !distinct.is_subset(&before) {
            return Err(format!("popped {popped:?} from {before:?}"));
        }
        if let Some(set) = self.sets[key].as_mut() {
            set.members.retain(|x| !distinct.contains(x));
            if set.members.is_empty() {
                self.sets[key] = None;
            }
        }
        Ok(())
    }

    fn check_rand(&self, key: usize, count: Option<i8>, got: &Resp) -> Result<(), String> {
        let set = self.members(key);
        match (count, got) {
            (None, Resp::NullBulk) if set.is_empty() => Ok(()),
            (None, Resp::Bulk(x)) if set.contains(x) => Ok(()),
            (Some(c), Resp::Array(items)) => {
                let want = if c >= 0 {
                    (c as usize).min(set.len())
                } else if set.is_empty() {
                    0
                } else {
                    c.unsigned_abs() as usize
                };
                if items.len() != want {
                    return Err(format!("{} members, expected {want}", items.len()));
                }
                let mut seen = BTreeSet::new();
                for r in items {
                    let x = r.as_bulk().ok_or("non-bulk")?;
                    if !set.contains(x) || (c >= 0 && !seen.insert(x.to_vec())) {
                        return Err(format!("bad member {r:?}"));
                    }
                }
                Ok(())
            }
            _ => Err(format!("bad SRANDMEMBER reply {got:?}")),
        }
    }
}

fn small_store() -> Store {
    Store::open(
        Config::builder()
            .set_max_intset_entries(INTSET)
            .set_max_listpack_entries(LP_ENTRIES)
            .set_max_listpack_value(LP_VALUE)
            .build(),
    )
    .expect("open")
}

fn ours(store: &Store, argv: &[Vec<u8>]) -> Resp {
    reply_to_resp(&store.execute(argv))
}

fn check_state(store: &Store, model: &mut Model, step: usize) -> Result<(), TestCaseError> {
    for (i, name) in KEYS.iter().enumerate() {
        let key = name.as_bytes().to_vec();
        let got = ours(store, &[s("SMEMBERS"), key.clone()]);
        let encoding = ours(store, &[s("OBJECT"), s("ENCODING"), key.clone()]);
        let Some(set) = model.sets[i].as_mut() else {
            prop_assert_eq!(got, Resp::Array(vec![]), "step {}: {}", step, name);
            prop_assert_eq!(encoding, Resp::NullBulk);
            prop_assert_eq!(ours(store, &[s("EXISTS"), key.clone()]), Resp::Integer(0));
            continue;
        };
        if set.enc == Enc::Intset {
            // Intsets answer in numeric order.
            let mut ints: Vec<i64> = set
                .members
                .iter()
                .map(|x| strict_i64(x).expect("intset member"))
                .collect();
            ints.sort_unstable();
            let want = Resp::Array(
                ints.iter()
                    .map(|n| bulk(n.to_string().as_bytes()))
                    .collect(),
            );
            prop_assert_eq!(&got, &want, "step {}: SMEMBERS {} (intset)", step, name);
        } else {
            prop_assert_eq!(
                sorted_reply(&got),
                sorted_array(set.members.iter().cloned()),
                "step {}: SMEMBERS {}",
                step,
                name
            );
        }
        prop_assert_eq!(
            ours(store, &[s("SCARD"), key.clone()]),
            Resp::Integer(set.members.len() as i64)
        );
        let got_enc = match &encoding {
            Resp::Bulk(e) if e.as_slice() == b"intset" => Enc::Intset,
            Resp::Bulk(e) if e.as_slice() == b"listpack" => Enc::Listpack,
            Resp::Bulk(e) if e.as_slice() == b"hashtable" => Enc::Table,
            other => return Err(TestCaseError::fail(format!("encoding {other:?}"))),
        };
        prop_assert_eq!(
            got_enc,
            set.enc,
            "step {}: encoding of {} holding {:?}",
            step,
            name,
            set.members
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn sets_match_the_model(ops in prop::collection::vec(op(), 1..100)) {
        let store = small_store();
        let mut model = Model { sets: vec![None; KEYS.len()] };
        for (step, op) in ops.iter().enumerate() {
            let (argv, expected) = model.apply(op);
            let got = ours(&store, &argv);
            match expected {
                Expect::Exact(want) => prop_assert_eq!(&got, &want, "step {}: {:?}", step, op),
                Expect::Sorted(want) => {
                    prop_assert_eq!(sorted_reply(&got), want, "step {}: {:?}", step, op);
                }
                Expect::Pop(count) => {
                    let Op::Spop { key, .. } = op else { unreachable!() };
                    let before = model.sets[*key].as_ref().map(|s| s.enc);
                    model.check_pop(*key, count, &got).map_err(|e| {
                        TestCaseError::fail(format!("step {step}: {op:?}: {e}"))
                    })?;
                    // SPOP with a count may rebuild the set: accept any
                    // encoding that fits what is left and is not bigger.
                    if let (Some(set), Some(before)) = (model.sets[*key].as_mut(), before) {
                        let enc = store.object_encoding(KEYS[*key]).unwrap();
                        let now = match enc {
                            Some("intset") => Enc::Intset,
                            Some("listpack") => Enc::Listpack,
                            _ => Enc::Table,
                        };
                        prop_assert!(
                            set.fits(now) && (now as u8) <= (before as u8),
                            "step {}: {:?}: encoding {:?} after SPOP (was {:?}) for {:?}",
                            step, op, now, before, set.members
                        );
                        set.enc = now;
                    }
                }
                Expect::Rand(count) => {
                    let Op::Srandmember { key, .. } = op else { unreachable!() };
                    model.check_rand(*key, count, &got).map_err(|e| {
                        TestCaseError::fail(format!("step {step}: {op:?}: {e}"))
                    })?;
                }
            }
            check_state(&store, &mut model, step)?;
        }
    }
}

/// The typed API on a fixed sequence, including conversions and errors.
#[test]
fn typed_api_fixed_sequence() {
    use kvstore::{Error, ScanOptions};
    let st = small_store();
    assert_eq!(st.sadd("s", ["3", "1", "2", "1"]).unwrap(), 3);
    assert_eq!(st.object_encoding("s").unwrap(), Some("intset"));
    assert_eq!(st.smembers("s").unwrap(), [b"1", b"2", b"3"]);
    assert!(st.sismember("s", "2").unwrap());
    assert!(!st.sismember("s", "02").unwrap());
    assert_eq!(
        st.smismember("s", ["1", "x", "3"]).unwrap(),
        [true, false, true]
    );
    assert_eq!(st.scard("s").unwrap(), 3);
    assert_eq!(st.sadd("s", ["x"]).unwrap(), 1);
    assert_eq!(st.object_encoding("s").unwrap(), Some("listpack"));
    assert_eq!(st.sadd("s", ["nine-byte"]).unwrap(), 1);
    assert_eq!(st.object_encoding("s").unwrap(), Some("hashtable"));
    assert_eq!(st.srem("s", ["nine-byte", "x", "zz"]).unwrap(), 2);
    assert_eq!(st.object_encoding("s").unwrap(), Some("hashtable"));
    // SMOVE.
    assert!(st.smove("s", "d", "1").unwrap());
    assert!(!st.smove("s", "d", "1").unwrap());
    assert!(st.smove("s", "s", "2").unwrap());
    assert_eq!(st.object_encoding("d").unwrap(), Some("intset"));
    // Algebra.
    st.sadd("t", ["2", "3", "4"]).unwrap();
    let mut inter = st.sinter(["s", "t"]).unwrap();
    inter.sort();
    assert_eq!(inter, [b"2", b"3"]);
    assert_eq!(st.sintercard(["s", "t"], 0).unwrap(), 2);
    assert_eq!(st.sintercard(["s", "t"], 1).unwrap(), 1);
    assert_eq!(st.sintercard(["s", "nope"], 0).unwrap(), 0);
    let mut union = st.sunion(["s", "t", "d"]).unwrap();
    union.sort();
    assert_eq!(union, [b"1", b"2", b"3", b"4"]);
    assert_eq!(st.sdiff(["t", "s"]).unwrap(), [b"4"]);
    assert_eq!(st.sinterstore("i", ["s", "t"]).unwrap(), 2);
    assert_eq!(st.object_encoding("i").unwrap(), Some("intset"));
    assert_eq!(st.sunionstore("u", ["s", "t", "d"]).unwrap(), 4);
    assert_eq!(st.sdiffstore("e", ["s", "s"]).unwrap(), 0);
    assert_eq!(st.exists(["e"]).unwrap(), 0);
    // Random members.
    assert_eq!(st.srandmember("nope").unwrap(), None);
    let r = st.srandmember("u").unwrap().unwrap();
    assert!(st.sismember("u", &r).unwrap());
    assert_eq!(st.srandmember_count("u", 10).unwrap().len(), 4);
    assert_eq!(st.srandmember_count("u", -10).unwrap().len(), 10);
    assert_eq!(st.srandmember_count("nope", -10).unwrap().len(), 0);
    let popped = st.spop_count("u", 3).unwrap();
    assert_eq!(popped.len(), 3);
    assert_eq!(st.scard("u").unwrap(), 1);
    let last = st.spop("u").unwrap().unwrap();
    assert!(!popped.contains(&last));
    assert_eq!(st.spop("u").unwrap(), None);
    assert_eq!(st.exists(["u"]).unwrap(), 0);
    // SSCAN covers a big set.
    let members: Vec<String> = (0..100).map(|i| format!("m{i}")).collect();
    st.sadd("big", &members).unwrap();
    let mut seen = BTreeSet::new();
    let mut cursor = 0;
    for _ in 0..10_000 {
        let page = st
            .sscan("big", cursor, &ScanOptions::new().count(7))
            .unwrap();
        seen.extend(page.members);
        cursor = page.cursor;
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(cursor, 0, "SSCAN did not end");
    let want: BTreeSet<Vec<u8>> = members.into_iter().map(String::into_bytes).collect();
    assert_eq!(seen, want);
    // Wrong types.
    st.set("str", "x").unwrap();
    assert_eq!(st.sadd("str", ["a"]), Err(Error::WrongType));
    assert_eq!(st.smembers("str"), Err(Error::WrongType));
    assert_eq!(st.sinter(["s", "str"]), Err(Error::WrongType));
    assert_eq!(st.smove("s", "str", "3"), Err(Error::WrongType));
}
