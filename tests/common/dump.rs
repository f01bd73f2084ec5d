//! The whole contents of a store in comparable form: every key (`KEYS *`,
//! sorted), its type, its value without regard to encoding, its deadline
//! and remaining time to live, and each hash field's deadline and time to
//! live. Persistence tests compare the dump taken before a save or a close
//! with the one taken after the reopen.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use kvstore::{Store, ValueType, ZRange};

use super::redis::escape;

/// A sorted set score compared bit for bit (`inf` equals `inf`), except
/// that `-0.0` equals `0.0`: a skiplist keeps the sign of a `-0` added to
/// it while a listpack does not (as in Redis), so the sign depends on the
/// order the members arrived in; `tests/persistence.rs` checks the sign on
/// its own (`negative_zero_score_survives_a_reload`).
#[derive(Clone, Copy)]
pub struct Score(pub f64);

impl PartialEq for Score {
    fn eq(&self, other: &Score) -> bool {
        self.0.to_bits() == other.0.to_bits() || (self.0 == 0.0 && other.0 == 0.0)
    }
}

impl Eq for Score {}

impl fmt::Debug for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// One hash field.
#[derive(Clone, PartialEq, Eq)]
pub struct Field {
    pub value: Vec<u8>,
    /// `HPEXPIRETIME` (-1: none).
    pub expire_at: i64,
    /// `HPTTL` (-1: none).
    pub ttl: i64,
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", escape(&self.value))?;
        if self.expire_at != -1 || self.ttl != -1 {
            write!(f, " (at {} ttl {})", self.expire_at, self.ttl)?;
        }
        Ok(())
    }
}

/// A value, independent of its encoding.
#[derive(Clone, PartialEq, Eq)]
pub enum Val {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(BTreeSet<Vec<u8>>),
    Hash(BTreeMap<Vec<u8>, Field>),
    /// In rank order.
    ZSet(Vec<(Vec<u8>, Score)>),
}

impl Val {
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Str(_) => "string",
            Val::List(_) => "list",
            Val::Set(_) => "set",
            Val::Hash(_) => "hash",
            Val::ZSet(_) => "zset",
        }
    }

    /// Elements (1 for a string).
    pub fn len(&self) -> usize {
        match self {
            Val::Str(_) => 1,
            Val::List(v) => v.len(),
            Val::Set(v) => v.len(),
            Val::Hash(v) => v.len(),
            Val::ZSet(v) => v.len(),
        }
    }
}

fn short_list(f: &mut fmt::Formatter<'_>, items: impl Iterator<Item = String>) -> fmt::Result {
    let items: Vec<String> = items.collect();
    if items.len() <= 12 {
        write!(f, "[{}]", items.join(", "))
    } else {
        write!(
            f,
            "[{}, … ({} in all) …, {}]",
            items[..6].join(", "),
            items.len(),
            items[items.len() - 3..].join(", ")
        )
    }
}

impl fmt::Debug for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Str(s) => write!(f, "string {}", escape(s)),
            Val::List(v) => {
                f.write_str("list ")?;
                short_list(f, v.iter().map(|e| escape(e)))
            }
            Val::Set(v) => {
                f.write_str("set ")?;
                short_list(f, v.iter().map(|e| escape(e)))
            }
            Val::Hash(v) => {
                f.write_str("hash ")?;
                short_list(f, v.iter().map(|(k, x)| format!("{}={x:?}", escape(k))))
            }
            Val::ZSet(v) => {
                f.write_str("zset ")?;
                short_list(f, v.iter().map(|(m, s)| format!("{}:{s:?}", escape(m))))
            }
        }
    }
}

/// One key.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyState {
    pub val: Val,
    /// `PEXPIRETIME` (-1: none).
    pub expire_at: i64,
    /// `PTTL` (-1: none).
    pub ttl: i64,
}

impl fmt::Debug for KeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.val)?;
        if self.expire_at != -1 || self.ttl != -1 {
            write!(f, " (at {} ttl {})", self.expire_at, self.ttl)?;
        }
        Ok(())
    }
}

/// Every key of a store, sorted.
pub type Dump = BTreeMap<Vec<u8>, KeyState>;

/// The full contents of `store` (which nobody else writes meanwhile).
pub fn full_dump(store: &Store) -> Dump {
    let mut keys = store.keys("*").expect("KEYS *");
    keys.sort();
    let mut dump = Dump::new();
    for key in keys {
        let show = escape(&key);
        let kind = store
            .key_type(&key)
            .expect("TYPE")
            .unwrap_or_else(|| panic!("key {show} listed by KEYS has no type"));
        let val = match kind {
            ValueType::String => Val::Str(store.get(&key).expect("GET").expect("string")),
            ValueType::List => Val::List(store.lrange(&key, 0, -1).expect("LRANGE")),
            ValueType::Set => Val::Set(
                store
                    .smembers(&key)
                    .expect("SMEMBERS")
                    .into_iter()
                    .collect(),
            ),
            ValueType::ZSet => Val::ZSet(
                store
                    .zrange(&key, &ZRange::by_rank(0, -1))
                    .expect("ZRANGE")
                    .into_iter()
                    .map(|(m, s)| (m, Score(s)))
                    .collect(),
            ),
            ValueType::Hash => {
                let pairs = store.hgetall(&key).expect("HGETALL");
                let fields: Vec<&Vec<u8>> = pairs.iter().map(|(f, _)| f).collect();
                let (at, ttl) = if fields.is_empty() {
                    (Vec::new(), Vec::new())
                } else {
                    (
                        store.hpexpiretime(&key, &fields).expect("HPEXPIRETIME"),
                        store.hpttl(&key, &fields).expect("HPTTL"),
                    )
                };
                assert_eq!(at.len(), pairs.len(), "HPEXPIRETIME of {show}");
                assert_eq!(ttl.len(), pairs.len(), "HPTTL of {show}");
                Val::Hash(
                    pairs
                        .into_iter()
                        .zip(at.into_iter().zip(ttl))
                        .map(|((f, value), (expire_at, ttl))| {
                            (
                                f,
                                Field {
                                    value,
                                    expire_at,
                                    ttl,
                                },
                            )
                        })
                        .collect(),
                )
            }
        };
        assert_eq!(val.type_name(), kind.as_str(), "type of {show}");
        let state = KeyState {
            val,
            expire_at: store.pexpiretime(&key).expect("PEXPIRETIME"),
            ttl: store.pttl(&key).expect("PTTL"),
        };
        dump.insert(key, state);
    }
    dump
}

/// The differences between `expected` and `actual` (at most `limit`), each
/// a line naming the key.
pub fn differences(expected: &Dump, actual: &Dump, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let keys: BTreeSet<&Vec<u8>> = expected.keys().chain(actual.keys()).collect();
    for key in keys {
        let line = match (expected.get(key), actual.get(key)) {
            (Some(e), Some(a)) if e == a => continue,
            (Some(e), Some(a)) => format!(
                "key {}: expected {}\n      got {}",
                escape(key),
                describe_mismatch(e, a).0,
                describe_mismatch(e, a).1
            ),
            (Some(e), None) => format!("key {} missing (expected {e:?})", escape(key)),
            (None, Some(a)) => format!("key {} unexpected: {a:?}", escape(key)),
            (None, None) => continue,
        };
        out.push(line);
        if out.len() >= limit {
            out.push("…".into());
            break;
        }
    }
    out
}

/// Both sides, narrowed to what differs for collections.
fn describe_mismatch(e: &KeyState, a: &KeyState) -> (String, String) {
    if e.val == a.val {
        return (
            format!("at {} ttl {}", e.expire_at, e.ttl),
            format!("at {} ttl {}", a.expire_at, a.ttl),
        );
    }
    let ttl = |x: &KeyState| format!(" (at {} ttl {})", x.expire_at, x.ttl);
    let window = |items: Vec<String>, i: usize| -> String {
        let lo = i.saturating_sub(2);
        let hi = (i + 3).min(items.len());
        format!("[{} of {}: {}]", lo, items.len(), items[lo..hi].join(", "))
    };
    let ordered = |p: Vec<String>, q: Vec<String>, what: &str| -> Option<(String, String)> {
        let i = p
            .iter()
            .zip(&q)
            .position(|(x, y)| x != y)
            .unwrap_or(p.len().min(q.len()));
        Some((
            format!("{what}, first difference at index {i}: {}", window(p, i)),
            format!("{what} {}", window(q, i)),
        ))
    };
    let unordered =
        |p: BTreeSet<String>, q: BTreeSet<String>, what: &str| -> Option<(String, String)> {
            let only_p: Vec<&String> = p.difference(&q).take(8).collect();
            let only_q: Vec<&String> = q.difference(&p).take(8).collect();
            Some((
                format!("{what} of {} with {only_p:?} not found", p.len()),
                format!("{what} of {} with {only_q:?} in excess", q.len()),
            ))
        };
    let narrowed = match (&e.val, &a.val) {
        (Val::List(p), Val::List(q)) => ordered(
            p.iter().map(|x| escape(x)).collect(),
            q.iter().map(|x| escape(x)).collect(),
            "list",
        ),
        (Val::ZSet(p), Val::ZSet(q)) => ordered(
            p.iter()
                .map(|(m, s)| format!("{}:{s:?}", escape(m)))
                .collect(),
            q.iter()
                .map(|(m, s)| format!("{}:{s:?}", escape(m)))
                .collect(),
            "zset",
        ),
        (Val::Set(p), Val::Set(q)) => unordered(
            p.iter().map(|x| escape(x)).collect(),
            q.iter().map(|x| escape(x)).collect(),
            "set",
        ),
        (Val::Hash(p), Val::Hash(q)) => unordered(
            p.iter()
                .map(|(f, x)| format!("{}={x:?}", escape(f)))
                .collect(),
            q.iter()
                .map(|(f, x)| format!("{}={x:?}", escape(f)))
                .collect(),
            "hash",
        ),
        _ => None,
    };
    match narrowed {
        Some((p, q)) => (p + &ttl(e), q + &ttl(a)),
        None => (format!("{e:?}"), format!("{a:?}")),
    }
}

/// Fails with the differences when the dumps differ.
#[track_caller]
pub fn assert_same(expected: &Dump, actual: &Dump, context: &str) {
    let diff = differences(expected, actual, 10);
    assert!(
        diff.is_empty(),
        "{context}: contents differ ({} keys expected, {} found):\n{}",
        expected.len(),
        actual.len(),
        diff.join("\n")
    );
}

/// How much of each kind a dump holds, for the test's log: keys per type,
/// elements, keys with a TTL, hash fields with a TTL.
pub fn summary(dump: &Dump) -> String {
    let mut per_type: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut with_ttl = 0;
    let mut fields_with_ttl = 0;
    for state in dump.values() {
        let entry = per_type.entry(state.val.type_name()).or_default();
        entry.0 += 1;
        entry.1 += state.val.len();
        if state.expire_at != -1 {
            with_ttl += 1;
        }
        if let Val::Hash(fields) = &state.val {
            fields_with_ttl += fields.values().filter(|f| f.expire_at != -1).count();
        }
    }
    let kinds: Vec<String> = per_type
        .iter()
        .map(|(t, (keys, elems))| format!("{t}: {keys} keys/{elems} elements"))
        .collect();
    format!(
        "{} keys ({}), {with_ttl} with a TTL, {fields_with_ttl} hash fields with a TTL",
        dump.len(),
        kinds.join(", ")
    )
}
