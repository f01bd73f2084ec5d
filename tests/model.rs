//! Model-based test: random sequences of string, key and TTL commands run
//! against the store and against a plain `HashMap` model of Redis 7.0's
//! semantics (written from the redis.io command pages and Redis's source),
//! both driven by the same manual clock. Every reply is compared; errors are
//! compared as `kvstore::Error` values.
//!
//! The first property drives the typed API; the second runs the same
//! sequences through `Store::execute` in argv form and checks that both
//! paths give the same replies (and agree with the model).

use std::collections::HashMap;
use std::time::Duration;

mod common;

use kvstore::{
    Error, ExpireCondition, Expiry, GetExpiry, ManualClock, Reply, ScanOptions, SetOptions, Store,
};
use proptest::prelude::*;

/// Start time; not a whole second, so `EXAT` deadlines rarely land on it.
const T0: i64 = 1_700_000_000_123;

const KEYS: &[&str] = &["a", "b", "c", "{t}1", "{t}2", "key:with-a-longer-name", ""];

const VALUES: &[&[u8]] = &[
    b"",
    b"0",
    b"1",
    b"-1",
    b"42",
    b"007",
    b"+5",
    b" 7",
    b"-0",
    b"1.5",
    b"x",
    b"hello",
    b"9223372036854775806",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"\xff\x00bin",
    b"a value longer than forty-four bytes, stored raw",
    b"exactly forty-four bytes: the embstr maximum",
];

/// A large absolute deadline near the end of the i64 range.
const NEAR_MAX: i64 = i64::MAX - 1000;

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cond {
    None,
    Nx,
    Xx,
}

/// `SET`'s expiry option. Absolute times are deltas from the current clock
/// (`…At`) or raw values (`…AtRaw`), resolved when the op runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SetTtl {
    None,
    Ex(i64),
    Px(i64),
    ExAt(i64),
    PxAt(i64),
    ExAtRaw(i64),
    PxAtRaw(i64),
    KeepTtl,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum GetExMode {
    Keep,
    Persist,
    Ex(i64),
    Px(i64),
    ExAt(i64),
    PxAt(i64),
    PxAtRaw(i64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum When {
    /// As given (relative commands, or raw absolute values).
    Raw(i64),
    /// Absolute commands: the current time (in the command's unit) plus this.
    Delta(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Flags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl Flags {
    fn any(self) -> bool {
        self.nx || self.xx || self.gt || self.lt
    }

    fn condition(self) -> ExpireCondition {
        let mut c = ExpireCondition::new();
        if self.nx {
            c = c.nx();
        }
        if self.xx {
            c = c.xx();
        }
        if self.gt {
            c = c.gt();
        }
        if self.lt {
            c = c.lt();
        }
        c
    }

    fn words(self) -> Vec<&'static str> {
        let mut w = Vec::new();
        if self.gt {
            w.push("GT");
        }
        if self.nx {
            w.push("NX");
        }
        if self.lt {
            w.push("lt");
        }
        if self.xx {
            w.push("XX");
        }
        w
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Set {
        k: usize,
        v: usize,
        cond: Cond,
        get: bool,
        ttl: SetTtl,
        reversed: bool,
    },
    SetNx(usize, usize),
    SetEx(usize, i64, usize),
    PSetEx(usize, i64, usize),
    Get(usize),
    GetSet(usize, usize),
    GetDel(usize),
    GetEx(usize, GetExMode),
    MSet(Vec<(usize, usize)>),
    MSetNx(Vec<(usize, usize)>),
    MGet(Vec<usize>),
    Incr(usize),
    Decr(usize),
    IncrBy(usize, i64),
    DecrBy(usize, i64),
    Append(usize, usize),
    SetRange(usize, i64, usize),
    GetRange(usize, i64, i64),
    Strlen(usize),
    Del(Vec<usize>),
    Unlink(Vec<usize>),
    Exists(Vec<usize>),
    Type(usize),
    Rename(usize, usize),
    RenameNx(usize, usize),
    Copy(usize, usize, bool),
    Expire {
        k: usize,
        ms: bool,
        abs: bool,
        when: When,
        flags: Flags,
    },
    Persist(usize),
    Ttl(usize),
    Pttl(usize),
    ExpireTime(usize),
    PExpireTime(usize),
    Encoding(usize),
    DbsizeAfterCycle,
    Keys,
    Scan(usize),
    RandomKey,
    FlushDb,
    Advance(u64),
    CloneHandle,
}

fn key() -> impl Strategy<Value = usize> {
    0..KEYS.len()
}

fn value() -> impl Strategy<Value = usize> {
    0..VALUES.len()
}

fn keys(max: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(key(), 1..=max)
}

fn pairs(max: usize) -> impl Strategy<Value = Vec<(usize, usize)>> {
    prop::collection::vec((key(), value()), 1..=max)
}

/// A positive TTL in seconds, mostly small, sometimes invalid or huge.
fn secs() -> impl Strategy<Value = i64> {
    prop_oneof![
        12 => 1i64..=20,
        1 => Just(0i64),
        1 => -5i64..0,
        1 => Just(i64::MAX),
        1 => Just(i64::MAX / 1000),
        1 => Just(i64::MAX / 1000 + 1),
    ]
}

fn millis() -> impl Strategy<Value = i64> {
    prop_oneof![
        12 => 1i64..=20_000,
        1 => Just(0i64),
        1 => Just(-1i64),
        1 => Just(i64::MAX),
        1 => Just(NEAR_MAX - T0 - 100_000_000),
    ]
}

fn set_ttl() -> impl Strategy<Value = SetTtl> {
    prop_oneof![
        6 => Just(SetTtl::None),
        3 => secs().prop_map(SetTtl::Ex),
        3 => millis().prop_map(SetTtl::Px),
        2 => (-3i64..=20).prop_map(SetTtl::ExAt),
        2 => (-3000i64..=20_000).prop_map(SetTtl::PxAt),
        1 => Just(SetTtl::PxAt(0)),
        1 => prop::sample::select(vec![0i64, -1, 1, i64::MAX]).prop_map(SetTtl::ExAtRaw),
        1 => prop::sample::select(vec![0i64, -1, 1, NEAR_MAX]).prop_map(SetTtl::PxAtRaw),
        3 => Just(SetTtl::KeepTtl),
    ]
}

fn getex_mode() -> impl Strategy<Value = GetExMode> {
    prop_oneof![
        2 => Just(GetExMode::Keep),
        2 => Just(GetExMode::Persist),
        2 => secs().prop_map(GetExMode::Ex),
        2 => millis().prop_map(GetExMode::Px),
        1 => (-3i64..=20).prop_map(GetExMode::ExAt),
        1 => (-3000i64..=20_000).prop_map(GetExMode::PxAt),
        1 => Just(GetExMode::PxAt(0)),
        1 => prop::sample::select(vec![0i64, 1, NEAR_MAX]).prop_map(GetExMode::PxAtRaw),
    ]
}

fn flags() -> impl Strategy<Value = Flags> {
    prop_oneof![
        6 => Just(Flags::default()),
        8 => prop::sample::select(vec![
            Flags { nx: true, ..Flags::default() },
            Flags { xx: true, ..Flags::default() },
            Flags { gt: true, ..Flags::default() },
            Flags { lt: true, ..Flags::default() },
            Flags { xx: true, gt: true, ..Flags::default() },
            Flags { xx: true, lt: true, ..Flags::default() },
        ]),
        1 => (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(nx, xx, gt, lt)| Flags { nx, xx, gt, lt }),
    ]
}

fn expire_op() -> impl Strategy<Value = Op> {
    (key(), any::<bool>(), any::<bool>(), flags(), 0u8..10).prop_flat_map(
        |(k, ms, abs, flags, kind)| {
            let when: BoxedStrategy<When> = match (ms, abs, kind) {
                (true, true, 0) => prop::sample::select(vec![NEAR_MAX, i64::MIN, -1, 0, 1])
                    .prop_map(When::Raw)
                    .boxed(),
                (_, _, 0) => prop::sample::select(vec![
                    i64::MAX,
                    i64::MIN,
                    i64::MAX / 1000 + 1,
                    i64::MIN / 1000,
                    i64::MIN / 1000 - 1,
                    0,
                    1,
                ])
                .prop_map(When::Raw)
                .boxed(),
                (false, false, _) => (-2i64..=20).prop_map(When::Raw).boxed(),
                (true, false, _) => (-1000i64..=20_000).prop_map(When::Raw).boxed(),
                (false, true, _) => (-3i64..=20).prop_map(When::Delta).boxed(),
                (true, true, 1) => Just(When::Delta(0)).boxed(),
                (true, true, _) => (-3000i64..=20_000).prop_map(When::Delta).boxed(),
            };
            when.prop_map(move |when| Op::Expire {
                k,
                ms,
                abs,
                when,
                flags,
            })
        },
    )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (key(), value(), prop::sample::select(vec![Cond::None, Cond::Nx, Cond::Xx]),
               any::<bool>(), set_ttl(), any::<bool>())
            .prop_map(|(k, v, cond, get, ttl, reversed)| Op::Set { k, v, cond, get, ttl, reversed }),
        2 => (key(), value()).prop_map(|(k, v)| Op::SetNx(k, v)),
        2 => (key(), secs(), value()).prop_map(|(k, t, v)| Op::SetEx(k, t, v)),
        2 => (key(), millis(), value()).prop_map(|(k, t, v)| Op::PSetEx(k, t, v)),
        6 => key().prop_map(Op::Get),
        2 => (key(), value()).prop_map(|(k, v)| Op::GetSet(k, v)),
        2 => key().prop_map(Op::GetDel),
        4 => (key(), getex_mode()).prop_map(|(k, m)| Op::GetEx(k, m)),
        2 => pairs(4).prop_map(Op::MSet),
        2 => pairs(3).prop_map(Op::MSetNx),
        2 => keys(5).prop_map(Op::MGet),
        3 => key().prop_map(Op::Incr),
        2 => key().prop_map(Op::Decr),
        2 => (key(), prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(1i64), Just(-1i64),
                                 Just(i64::MAX - 1), -100i64..100])
            .prop_map(|(k, n)| Op::IncrBy(k, n)),
        2 => (key(), prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(i64::MIN + 1), -100i64..100])
            .prop_map(|(k, n)| Op::DecrBy(k, n)),
        3 => (key(), value()).prop_map(|(k, v)| Op::Append(k, v)),
        2 => (key(), prop_oneof![Just(-1i64), 0i64..12], value())
            .prop_map(|(k, o, v)| Op::SetRange(k, o, v)),
        2 => (key(), prop_oneof![-12i64..12, Just(i64::MIN), Just(i64::MAX)],
              prop_oneof![-12i64..12, Just(i64::MIN), Just(i64::MAX)])
            .prop_map(|(k, s, e)| Op::GetRange(k, s, e)),
        2 => key().prop_map(Op::Strlen),
        2 => keys(4).prop_map(Op::Del),
        1 => keys(3).prop_map(Op::Unlink),
        3 => keys(5).prop_map(Op::Exists),
        1 => key().prop_map(Op::Type),
        3 => key().prop_map(Op::Encoding),
        2 => (key(), key()).prop_map(|(a, b)| Op::Rename(a, b)),
        2 => (key(), key()).prop_map(|(a, b)| Op::RenameNx(a, b)),
        2 => (key(), key(), any::<bool>()).prop_map(|(a, b, r)| Op::Copy(a, b, r)),
        8 => expire_op(),
        2 => key().prop_map(Op::Persist),
        2 => key().prop_map(Op::Ttl),
        3 => key().prop_map(Op::Pttl),
        1 => key().prop_map(Op::ExpireTime),
        1 => key().prop_map(Op::PExpireTime),
        2 => Just(Op::DbsizeAfterCycle),
        2 => Just(Op::Keys),
        1 => (1usize..5).prop_map(Op::Scan),
        1 => Just(Op::RandomKey),
        1 => Just(Op::FlushDb),
        8 => prop::sample::select(vec![0u64, 1, 2, 500, 999, 1000, 1001, 1500, 3000, 7001, 20_000])
            .prop_map(Op::Advance),
        1 => Just(Op::CloneHandle),
    ]
}

// ---------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------

/// A reply, as both paths and the model can express it.
#[derive(Debug, Clone, PartialEq)]
enum R {
    Ok,
    Nil,
    Int(i64),
    Bulk(Vec<u8>),
    Str(String),
    Arr(Vec<R>),
    Err(Error),
    Unit,
}

fn int(n: usize) -> R {
    R::Int(i64::try_from(n).expect("small"))
}

fn bulk_or_nil(v: Option<Vec<u8>>) -> R {
    v.map_or(R::Nil, R::Bulk)
}

fn from_result<T>(r: Result<T, Error>, f: impl FnOnce(T) -> R) -> R {
    match r {
        Ok(v) => f(v),
        Err(e) => R::Err(e),
    }
}

fn from_reply(reply: Reply) -> R {
    match reply {
        Reply::Simple("OK") => R::Ok,
        Reply::Simple(s) => R::Str(s.to_owned()),
        Reply::Status(s) => R::Str(s),
        Reply::Null => R::Nil,
        Reply::Bulk(b) => R::Bulk(b),
        Reply::Integer(n) => R::Int(n),
        Reply::Bool(b) => R::Int(i64::from(b)),
        Reply::Array(items) => R::Arr(items.into_iter().map(from_reply).collect()),
        Reply::Error(e) => R::Err(e),
        other => panic!("unexpected reply type {other:?}"),
    }
}

fn sorted_keys(mut keys: Vec<Vec<u8>>) -> R {
    keys.sort();
    keys.dedup();
    R::Arr(keys.into_iter().map(R::Bulk).collect())
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Entry {
    value: Vec<u8>,
    /// Absolute deadline in Unix ms.
    at: Option<i64>,
    /// What OBJECT ENCODING answers.
    enc: &'static str,
}

/// The encoding Redis's `tryObjectEncoding` gives a string argument: `int`
/// for a strict integer of at most 20 bytes, `embstr` up to 44 bytes, else
/// `raw`.
fn encoding_of(value: &[u8]) -> &'static str {
    if value.len() <= 20 && strict_i64(value).is_some() {
        "int"
    } else if value.len() <= 44 {
        "embstr"
    } else {
        "raw"
    }
}

/// Redis 7.0 string/keyspace semantics over a `HashMap`.
#[derive(Debug, Default)]
struct Model {
    now: i64,
    map: HashMap<Vec<u8>, Entry>,
}

/// Redis's `string2ll`: the strict form every integer must have.
fn strict_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    if !matches!(digits.first(), Some(b'1'..=b'9')) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude: i128 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    i64::try_from(if neg { -magnitude } else { magnitude }).ok()
}

/// `getExpireMillisecondsOrReply` of `SET`/`SETEX`/`GETEX`.
fn expiry_deadline(
    value: i64,
    seconds: bool,
    relative: bool,
    now: i64,
    cmd: &'static str,
) -> Result<i64, Error> {
    let invalid = Error::InvalidExpireTime(cmd);
    if value <= 0 || (seconds && value > i64::MAX / 1000) {
        return Err(invalid);
    }
    let mut ms = if seconds { value * 1000 } else { value };
    if relative {
        // C overflows to a negative number here, which the next check catches.
        ms = ms.checked_add(now).ok_or(invalid.clone())?;
    }
    if ms <= 0 {
        return Err(invalid);
    }
    Ok(ms)
}

impl Model {
    /// Drops keys whose deadline has passed: Redis expires a key once
    /// `now > deadline` (db.c `keyIsExpired`).
    fn purge(&mut self) {
        let now = self.now;
        self.map.retain(|_, e| e.at.is_none_or(|at| now <= at));
    }

    fn get(&self, k: &[u8]) -> Option<&Entry> {
        self.map.get(k)
    }

    /// Stores a string argument (encoded as `tryObjectEncoding` would).
    fn put(&mut self, k: &[u8], value: Vec<u8>, at: Option<i64>) {
        let enc = encoding_of(&value);
        self.put_encoded(k, value, at, enc);
    }

    fn put_encoded(&mut self, k: &[u8], value: Vec<u8>, at: Option<i64>, enc: &'static str) {
        self.map.insert(k.to_vec(), Entry { value, at, enc });
    }

    fn sorted_keys(&self) -> Vec<Vec<u8>> {
        let mut keys: Vec<Vec<u8>> = self.map.keys().cloned().collect();
        keys.sort();
        keys
    }

    #[allow(clippy::too_many_arguments)]
    fn set(
        &mut self,
        k: &[u8],
        v: &[u8],
        cond: Cond,
        get: bool,
        ttl: Option<Result<i64, Error>>,
        keep_ttl: bool,
    ) -> R {
        let deadline = match ttl {
            Some(Err(e)) => return R::Err(e),
            Some(Ok(at)) => Some(at),
            None => None,
        };
        let old = self.get(k).cloned();
        let found = old.is_some();
        let blocked = match cond {
            Cond::Nx => found,
            Cond::Xx => !found,
            Cond::None => false,
        };
        let previous = || bulk_or_nil(old.as_ref().map(|e| e.value.clone()));
        if blocked {
            return if get { previous() } else { R::Nil };
        }
        let at = if keep_ttl {
            old.as_ref().and_then(|e| e.at)
        } else {
            deadline
        };
        self.put(k, v.to_vec(), at);
        if get { previous() } else { R::Ok }
    }

    fn incr_by(&mut self, k: &[u8], delta: i64) -> R {
        let current = match self.get(k) {
            None => 0,
            Some(e) => match strict_i64(&e.value) {
                Some(n) => n,
                None => return R::Err(Error::NotInteger),
            },
        };
        let Some(new) = current.checked_add(delta) else {
            return R::Err(Error::IncrOverflow);
        };
        let at = self.get(k).and_then(|e| e.at);
        self.put_encoded(k, new.to_string().into_bytes(), at, "int");
        R::Int(new)
    }

    fn getrange(&self, k: &[u8], start: i64, end: i64) -> R {
        let Some(e) = self.get(k) else {
            return R::Bulk(Vec::new());
        };
        let s = &e.value;
        let len = s.len() as i128;
        let (mut start, mut end) = (i128::from(start), i128::from(end));
        if start < 0 && end < 0 && start > end {
            return R::Bulk(Vec::new());
        }
        if start < 0 {
            start += len;
        }
        if end < 0 {
            end += len;
        }
        start = start.max(0);
        end = end.max(0);
        if end >= len {
            end = len - 1;
        }
        if start > end || len == 0 {
            return R::Bulk(Vec::new());
        }
        R::Bulk(s[start as usize..=end as usize].to_vec())
    }

    fn setrange(&mut self, k: &[u8], offset: i64, patch: &[u8]) -> R {
        if offset < 0 {
            return R::Err(Error::OffsetOutOfRange);
        }
        let offset = offset as usize;
        let (mut bytes, at) = match self.get(k) {
            None if patch.is_empty() => return R::Int(0),
            None => (Vec::new(), None),
            Some(e) if patch.is_empty() => return int(e.value.len()),
            Some(e) => (e.value.clone(), e.at),
        };
        let end = offset + patch.len();
        if bytes.len() < end {
            bytes.resize(end, 0);
        }
        bytes[offset..end].copy_from_slice(patch);
        let len = bytes.len();
        // SETRANGE always leaves a raw string (createObject / unshare).
        self.put_encoded(k, bytes, at, "raw");
        int(len)
    }

    fn expire(&mut self, k: &[u8], when: i64, ms: bool, abs: bool, flags: Flags) -> R {
        let cmd = match (ms, abs) {
            (false, false) => "expire",
            (true, false) => "pexpire",
            (false, true) => "expireat",
            (true, true) => "pexpireat",
        };
        if flags.nx && (flags.xx || flags.gt || flags.lt) {
            return R::Err(Error::ExpireNxConflict);
        }
        if flags.gt && flags.lt {
            return R::Err(Error::ExpireGtLtConflict);
        }
        let invalid = R::Err(Error::InvalidExpireTime(cmd));
        let mut when = when;
        if !ms {
            if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
                return invalid;
            }
            when *= 1000;
        }
        let base = if abs { 0 } else { self.now };
        if when > i64::MAX - base {
            return invalid;
        }
        when += base;
        let Some(current) = self.get(k).map(|e| e.at) else {
            return R::Int(0);
        };
        if (flags.nx && current.is_some())
            || (flags.xx && current.is_none())
            || (flags.gt && current.is_none_or(|c| when <= c))
            || (flags.lt && current.is_some_and(|c| when >= c))
        {
            return R::Int(0);
        }
        if when <= self.now {
            self.map.remove(k);
        } else if let Some(e) = self.map.get_mut(k) {
            e.at = Some(when);
        }
        R::Int(1)
    }

    fn ttl(&self, k: &[u8], ms: bool, absolute: bool) -> R {
        let Some(e) = self.get(k) else {
            return R::Int(-2);
        };
        let Some(at) = e.at else {
            return R::Int(-1);
        };
        let t = i128::from(if absolute { at } else { at - self.now }.max(0));
        // Redis computes (ttl+500)/1000 without overflowing (7.0.15 answers
        // 9223372036854776 for a deadline of i64::MAX ms).
        R::Int(i64::try_from(if ms { t } else { (t + 500) / 1000 }).expect("fits"))
    }
}

// ---------------------------------------------------------------------------
// Running ops
// ---------------------------------------------------------------------------

/// How an op's relative pieces (clock deltas) were resolved for this run.
#[derive(Debug, Clone)]
struct Resolved {
    op: Op,
    /// Absolute times, in the unit of the option.
    abs_time: Option<i64>,
}

/// Resolves clock-relative parts of `op` at time `now`.
fn resolve(op: &Op, now: i64) -> Resolved {
    let mut abs_time = None;
    match op {
        Op::Set { ttl, .. } => match ttl {
            SetTtl::ExAt(d) => abs_time = Some(now.div_euclid(1000) + d),
            SetTtl::PxAt(d) => abs_time = Some(now + d),
            SetTtl::ExAtRaw(v) | SetTtl::PxAtRaw(v) => abs_time = Some(*v),
            _ => {}
        },
        Op::GetEx(_, mode) => match mode {
            GetExMode::ExAt(d) => abs_time = Some(now.div_euclid(1000) + d),
            GetExMode::PxAt(d) => abs_time = Some(now + d),
            GetExMode::PxAtRaw(v) => abs_time = Some(*v),
            _ => {}
        },
        Op::Expire { ms, when, .. } => {
            abs_time = Some(match when {
                When::Raw(v) => *v,
                When::Delta(d) if *ms => now + d,
                When::Delta(d) => now.div_euclid(1000) + d,
            });
        }
        _ => {}
    }
    Resolved {
        op: op.clone(),
        abs_time,
    }
}

/// Which API a store is driven through.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Path {
    Typed,
    Exec,
}

struct Subject {
    path: Path,
    store: Store,
    clock: ManualClock,
}

fn k(i: usize) -> &'static [u8] {
    KEYS[i].as_bytes()
}

fn v(i: usize) -> &'static [u8] {
    VALUES[i]
}

fn expire_command(ms: bool, abs: bool) -> &'static str {
    match (ms, abs) {
        (false, false) => "EXPIRE",
        (true, false) => "PEXPIRE",
        (false, true) => "EXPIREAT",
        (true, true) => "PEXPIREAT",
    }
}

/// Runs the active expire cycle until it reports nothing left (bounded).
fn drain_expired(store: &Store) {
    for _ in 0..100_000 {
        if store.active_expire_cycle() == 0 {
            return;
        }
    }
    panic!("active_expire_cycle never reports done");
}

fn scan_all_typed(store: &Store, count: usize) -> Vec<Vec<u8>> {
    let mut cursor = 0;
    let mut keys = Vec::new();
    let options = ScanOptions::new().count(count);
    for _ in 0..1_000_000 {
        let page = store.scan(cursor, &options).expect("scan");
        keys.extend(page.keys);
        cursor = page.cursor;
        if cursor == 0 {
            return keys;
        }
    }
    panic!("SCAN did not finish");
}

fn scan_all_exec(store: &Store, count: usize) -> Vec<Vec<u8>> {
    let mut cursor = b"0".to_vec();
    let mut keys = Vec::new();
    let count = count.to_string();
    for _ in 0..1_000_000 {
        let reply = store.execute(&[&b"SCAN"[..], &cursor, b"COUNT", count.as_bytes()]);
        let Reply::Array(mut parts) = reply else {
            panic!("SCAN replied {reply:?}")
        };
        let (Some(Reply::Array(page)), Some(Reply::Bulk(next))) = (parts.pop(), parts.pop()) else {
            panic!("malformed SCAN reply")
        };
        for item in page {
            let Reply::Bulk(key) = item else {
                panic!("SCAN key {item:?}")
            };
            keys.push(key);
        }
        if next == b"0" {
            return keys;
        }
        cursor = next;
    }
    panic!("SCAN did not finish");
}

impl Subject {
    fn run(&self, r: &Resolved) -> R {
        match self.path {
            Path::Typed => self.typed(r),
            Path::Exec => self.exec(r),
        }
    }

    fn typed(&self, r: &Resolved) -> R {
        let s = &self.store;
        match &r.op {
            Op::Set {
                k: key,
                v: val,
                cond,
                get,
                ttl,
                ..
            } => {
                let mut o = SetOptions::new();
                o = match cond {
                    Cond::Nx => o.nx(),
                    Cond::Xx => o.xx(),
                    Cond::None => o,
                };
                if *get {
                    o = o.get();
                }
                o = match (ttl, r.abs_time) {
                    (SetTtl::Ex(t), _) => o.ex(*t),
                    (SetTtl::Px(t), _) => o.px(*t),
                    (SetTtl::ExAt(_) | SetTtl::ExAtRaw(_), Some(at)) => o.exat(at),
                    (SetTtl::PxAt(_) | SetTtl::PxAtRaw(_), Some(at)) => o.pxat(at),
                    (SetTtl::KeepTtl, _) => o.keepttl(),
                    _ => o,
                };
                from_result(s.set_with(k(*key), v(*val), o), |out| {
                    if *get {
                        bulk_or_nil(out.previous)
                    } else if out.written {
                        R::Ok
                    } else {
                        R::Nil
                    }
                })
            }
            Op::SetNx(key, val) => from_result(s.setnx(k(*key), v(*val)), |b| int(usize::from(b))),
            Op::SetEx(key, t, val) => from_result(s.setex(k(*key), *t, v(*val)), |()| R::Ok),
            Op::PSetEx(key, t, val) => from_result(s.psetex(k(*key), *t, v(*val)), |()| R::Ok),
            Op::Get(key) => from_result(s.get(k(*key)), bulk_or_nil),
            Op::GetSet(key, val) => from_result(s.getset(k(*key), v(*val)), bulk_or_nil),
            Op::GetDel(key) => from_result(s.getdel(k(*key)), bulk_or_nil),
            Op::GetEx(key, mode) => {
                let e = match (mode, r.abs_time) {
                    (GetExMode::Keep, _) => GetExpiry::Keep,
                    (GetExMode::Persist, _) => GetExpiry::Persist,
                    (GetExMode::Ex(t), _) => GetExpiry::Set(Expiry::Ex(*t)),
                    (GetExMode::Px(t), _) => GetExpiry::Set(Expiry::Px(*t)),
                    (GetExMode::ExAt(_), Some(at)) => GetExpiry::Set(Expiry::ExAt(at)),
                    (_, Some(at)) => GetExpiry::Set(Expiry::PxAt(at)),
                    (_, None) => unreachable!("unresolved GETEX time"),
                };
                from_result(s.getex(k(*key), e), bulk_or_nil)
            }
            Op::MSet(p) => from_result(s.mset(p.iter().map(|&(a, b)| (k(a), v(b)))), |()| R::Ok),
            Op::MSetNx(p) => from_result(s.msetnx(p.iter().map(|&(a, b)| (k(a), v(b)))), |b| {
                int(usize::from(b))
            }),
            Op::MGet(ks) => from_result(s.mget(ks.iter().map(|&i| k(i))), |vals| {
                R::Arr(vals.into_iter().map(bulk_or_nil).collect())
            }),
            Op::Incr(key) => from_result(s.incr(k(*key)), R::Int),
            Op::Decr(key) => from_result(s.decr(k(*key)), R::Int),
            Op::IncrBy(key, n) => from_result(s.incrby(k(*key), *n), R::Int),
            Op::DecrBy(key, n) => from_result(s.decrby(k(*key), *n), R::Int),
            Op::Append(key, val) => from_result(s.append(k(*key), v(*val)), int),
            Op::SetRange(key, off, val) => from_result(s.setrange(k(*key), *off, v(*val)), int),
            Op::GetRange(key, a, b) => from_result(s.getrange(k(*key), *a, *b), R::Bulk),
            Op::Strlen(key) => from_result(s.strlen(k(*key)), int),
            Op::Del(ks) => from_result(s.del(ks.iter().map(|&i| k(i))), int),
            Op::Unlink(ks) => from_result(s.unlink(ks.iter().map(|&i| k(i))), int),
            Op::Exists(ks) => from_result(s.exists(ks.iter().map(|&i| k(i))), int),
            Op::Type(key) => from_result(s.key_type(k(*key)), |t| {
                R::Str(t.map_or("none", |t| t.as_str()).to_owned())
            }),
            Op::Rename(a, b) => from_result(s.rename(k(*a), k(*b)), |()| R::Ok),
            Op::RenameNx(a, b) => from_result(s.renamenx(k(*a), k(*b)), |x| int(usize::from(x))),
            Op::Copy(a, b, replace) => {
                from_result(s.copy(k(*a), k(*b), *replace), |x| int(usize::from(x)))
            }
            Op::Expire {
                k: key,
                ms,
                abs,
                flags,
                ..
            } => {
                let when = r.abs_time.expect("resolved");
                let key = k(*key);
                let result = match (ms, abs, flags.any()) {
                    (false, false, false) => s.expire(key, when),
                    (true, false, false) => s.pexpire(key, when),
                    (false, true, false) => s.expireat(key, when),
                    (true, true, false) => s.pexpireat(key, when),
                    (false, false, true) => s.expire_with(key, when, flags.condition()),
                    // The typed API has conditions only for EXPIRE: the
                    // other commands take them through the command layer.
                    _ => return self.exec(r),
                };
                from_result(result, |b| int(usize::from(b)))
            }
            Op::Persist(key) => from_result(s.persist(k(*key)), |b| int(usize::from(b))),
            Op::Ttl(key) => from_result(s.ttl(k(*key)), R::Int),
            Op::Pttl(key) => from_result(s.pttl(k(*key)), R::Int),
            Op::ExpireTime(key) => from_result(s.expiretime(k(*key)), R::Int),
            Op::PExpireTime(key) => from_result(s.pexpiretime(k(*key)), R::Int),
            Op::Encoding(key) => from_result(s.object_encoding(k(*key)), |e| {
                bulk_or_nil(e.map(|e| e.as_bytes().to_vec()))
            }),
            Op::DbsizeAfterCycle => {
                drain_expired(s);
                int(s.dbsize())
            }
            Op::Keys => from_result(s.keys("*"), sorted_keys),
            Op::Scan(count) => sorted_keys(scan_all_typed(s, *count)),
            Op::RandomKey => from_result(s.randomkey(), bulk_or_nil),
            Op::FlushDb => from_result(s.flushdb(), |()| R::Ok),
            Op::Advance(_) | Op::CloneHandle => unreachable!("handled by the case"),
        }
    }

    fn exec(&self, r: &Resolved) -> R {
        let s = &self.store;
        let num = |n: i64| n.to_string().into_bytes();
        let mut argv: Vec<Vec<u8>> = Vec::new();
        let mut push = |parts: &[&[u8]]| argv.extend(parts.iter().map(|p| p.to_vec()));
        match &r.op {
            Op::Set {
                k: key,
                v: val,
                cond,
                get,
                ttl,
                reversed,
            } => {
                let mut options: Vec<Vec<Vec<u8>>> = Vec::new();
                match cond {
                    Cond::Nx => options.push(vec![b"NX".to_vec()]),
                    Cond::Xx => options.push(vec![b"xx".to_vec()]),
                    Cond::None => {}
                }
                if *get {
                    options.push(vec![b"GET".to_vec()]);
                }
                let t = |name: &[u8], n: i64| vec![name.to_vec(), n.to_string().into_bytes()];
                match (ttl, r.abs_time) {
                    (SetTtl::Ex(n), _) => options.push(t(b"EX", *n)),
                    (SetTtl::Px(n), _) => options.push(t(b"px", *n)),
                    (SetTtl::ExAt(_) | SetTtl::ExAtRaw(_), Some(at)) => {
                        options.push(t(b"EXAT", at))
                    }
                    (SetTtl::PxAt(_) | SetTtl::PxAtRaw(_), Some(at)) => {
                        options.push(t(b"PXAT", at))
                    }
                    (SetTtl::KeepTtl, _) => options.push(vec![b"KEEPTTL".to_vec()]),
                    _ => {}
                }
                if *reversed {
                    options.reverse();
                }
                push(&[b"SET", k(*key), v(*val)]);
                argv.extend(options.into_iter().flatten());
            }
            Op::SetNx(key, val) => push(&[b"SETNX", k(*key), v(*val)]),
            Op::SetEx(key, t, val) => push(&[b"SETEX", k(*key), &num(*t), v(*val)]),
            Op::PSetEx(key, t, val) => push(&[b"PSETEX", k(*key), &num(*t), v(*val)]),
            Op::Get(key) => push(&[b"GET", k(*key)]),
            Op::GetSet(key, val) => push(&[b"GETSET", k(*key), v(*val)]),
            Op::GetDel(key) => push(&[b"GETDEL", k(*key)]),
            Op::GetEx(key, mode) => {
                push(&[b"GETEX", k(*key)]);
                let at = r.abs_time.map(num).unwrap_or_default();
                match mode {
                    GetExMode::Keep => {}
                    GetExMode::Persist => push(&[b"PERSIST"]),
                    GetExMode::Ex(n) => push(&[b"EX", &num(*n)]),
                    GetExMode::Px(n) => push(&[b"PX", &num(*n)]),
                    GetExMode::ExAt(_) => push(&[b"EXAT", &at]),
                    GetExMode::PxAt(_) | GetExMode::PxAtRaw(_) => push(&[b"PXAT", &at]),
                }
            }
            Op::MSet(p) | Op::MSetNx(p) => {
                let name: &[u8] = if matches!(r.op, Op::MSet(_)) {
                    b"MSET"
                } else {
                    b"MSETNX"
                };
                push(&[name]);
                for &(a, b) in p {
                    push(&[k(a), v(b)]);
                }
            }
            Op::MGet(ks) | Op::Del(ks) | Op::Unlink(ks) | Op::Exists(ks) => {
                let name: &[u8] = match r.op {
                    Op::MGet(_) => b"MGET",
                    Op::Del(_) => b"DEL",
                    Op::Unlink(_) => b"UNLINK",
                    _ => b"EXISTS",
                };
                push(&[name]);
                for &i in ks {
                    push(&[k(i)]);
                }
            }
            Op::Incr(key) => push(&[b"INCR", k(*key)]),
            Op::Decr(key) => push(&[b"DECR", k(*key)]),
            Op::IncrBy(key, n) => push(&[b"INCRBY", k(*key), &num(*n)]),
            Op::DecrBy(key, n) => push(&[b"DECRBY", k(*key), &num(*n)]),
            Op::Append(key, val) => push(&[b"APPEND", k(*key), v(*val)]),
            Op::SetRange(key, off, val) => push(&[b"SETRANGE", k(*key), &num(*off), v(*val)]),
            Op::GetRange(key, a, b) => push(&[b"GETRANGE", k(*key), &num(*a), &num(*b)]),
            Op::Strlen(key) => push(&[b"STRLEN", k(*key)]),
            Op::Type(key) => push(&[b"TYPE", k(*key)]),
            Op::Rename(a, b) => push(&[b"RENAME", k(*a), k(*b)]),
            Op::RenameNx(a, b) => push(&[b"RENAMENX", k(*a), k(*b)]),
            Op::Copy(a, b, replace) => {
                push(&[b"COPY", k(*a), k(*b)]);
                if *replace {
                    push(&[b"REPLACE"]);
                }
            }
            Op::Expire {
                k: key,
                ms,
                abs,
                flags,
                ..
            } => {
                let when = num(r.abs_time.expect("resolved"));
                push(&[expire_command(*ms, *abs).as_bytes(), k(*key), &when]);
                for w in flags.words() {
                    push(&[w.as_bytes()]);
                }
            }
            Op::Persist(key) => push(&[b"PERSIST", k(*key)]),
            Op::Ttl(key) => push(&[b"TTL", k(*key)]),
            Op::Pttl(key) => push(&[b"PTTL", k(*key)]),
            Op::ExpireTime(key) => push(&[b"EXPIRETIME", k(*key)]),
            Op::PExpireTime(key) => push(&[b"PEXPIRETIME", k(*key)]),
            Op::Encoding(key) => push(&[b"OBJECT", b"encoding", k(*key)]),
            Op::DbsizeAfterCycle => {
                drain_expired(s);
                push(&[b"DBSIZE"]);
            }
            Op::Keys => {
                return match from_reply(s.execute(&["KEYS", "*"])) {
                    R::Arr(items) => {
                        let mut keys: Vec<Vec<u8>> = items
                            .into_iter()
                            .map(|i| match i {
                                R::Bulk(b) => b,
                                other => panic!("KEYS item {other:?}"),
                            })
                            .collect();
                        keys.sort();
                        R::Arr(keys.into_iter().map(R::Bulk).collect())
                    }
                    other => other,
                };
            }
            Op::Scan(count) => return sorted_keys(scan_all_exec(s, *count)),
            Op::RandomKey => push(&[b"RANDOMKEY"]),
            Op::FlushDb => push(&[b"FLUSHDB"]),
            Op::Advance(_) | Op::CloneHandle => unreachable!("handled by the case"),
        }
        from_reply(s.execute(&argv))
    }
}

impl Model {
    fn run(&mut self, r: &Resolved) -> R {
        self.purge();
        let now = self.now;
        match &r.op {
            Op::Set {
                k: key,
                v: val,
                cond,
                get,
                ttl,
                ..
            } => {
                let deadline = match (ttl, r.abs_time) {
                    (SetTtl::Ex(n), _) => Some(expiry_deadline(*n, true, true, now, "set")),
                    (SetTtl::Px(n), _) => Some(expiry_deadline(*n, false, true, now, "set")),
                    (SetTtl::ExAt(_) | SetTtl::ExAtRaw(_), Some(at)) => {
                        Some(expiry_deadline(at, true, false, now, "set"))
                    }
                    (SetTtl::PxAt(_) | SetTtl::PxAtRaw(_), Some(at)) => {
                        Some(expiry_deadline(at, false, false, now, "set"))
                    }
                    _ => None,
                };
                let keep = *ttl == SetTtl::KeepTtl;
                self.set(k(*key), v(*val), *cond, *get, deadline, keep)
            }
            Op::SetNx(key, val) => match self.set(k(*key), v(*val), Cond::Nx, false, None, false) {
                R::Ok => R::Int(1),
                _ => R::Int(0),
            },
            Op::SetEx(key, t, val) | Op::PSetEx(key, t, val) => {
                let (secs, cmd) = match r.op {
                    Op::SetEx(..) => (true, "setex"),
                    _ => (false, "psetex"),
                };
                let at = expiry_deadline(*t, secs, true, now, cmd);
                self.set(k(*key), v(*val), Cond::None, false, Some(at), false)
            }
            Op::Get(key) => bulk_or_nil(self.get(k(*key)).map(|e| e.value.clone())),
            Op::GetSet(key, val) => self.set(k(*key), v(*val), Cond::None, true, None, false),
            Op::GetDel(key) => bulk_or_nil(self.map.remove(k(*key)).map(|e| e.value)),
            Op::GetEx(key, mode) => {
                // Redis answers nil for a missing key before it looks at the
                // expire time (getexCommand: lookup, type check, then time).
                if self.get(k(*key)).is_none() {
                    return R::Nil;
                }
                let at = match (mode, r.abs_time) {
                    (GetExMode::Ex(n), _) => Some(expiry_deadline(*n, true, true, now, "getex")),
                    (GetExMode::Px(n), _) => Some(expiry_deadline(*n, false, true, now, "getex")),
                    (GetExMode::ExAt(_), Some(t)) => {
                        Some(expiry_deadline(t, true, false, now, "getex"))
                    }
                    (GetExMode::PxAt(_) | GetExMode::PxAtRaw(_), Some(t)) => {
                        Some(expiry_deadline(t, false, false, now, "getex"))
                    }
                    _ => None,
                };
                let at = match at.transpose() {
                    Ok(at) => at,
                    Err(e) => return R::Err(e),
                };
                let key = k(*key);
                let Some(value) = self.get(key).map(|e| e.value.clone()) else {
                    return R::Nil;
                };
                match (mode, at) {
                    // Only absolute times can be in the past (checkAlreadyExpired).
                    (_, Some(at)) if at <= now => {
                        self.map.remove(key);
                    }
                    (_, Some(at)) => self.map.get_mut(key).expect("live").at = Some(at),
                    (GetExMode::Persist, None) => self.map.get_mut(key).expect("live").at = None,
                    _ => {}
                }
                R::Bulk(value)
            }
            Op::MSet(p) => {
                for &(a, b) in p {
                    self.put(k(a), v(b).to_vec(), None);
                }
                R::Ok
            }
            Op::MSetNx(p) => {
                if p.iter().any(|&(a, _)| self.get(k(a)).is_some()) {
                    return R::Int(0);
                }
                for &(a, b) in p {
                    self.put(k(a), v(b).to_vec(), None);
                }
                R::Int(1)
            }
            Op::MGet(ks) => R::Arr(
                ks.iter()
                    .map(|&i| bulk_or_nil(self.get(k(i)).map(|e| e.value.clone())))
                    .collect(),
            ),
            Op::Incr(key) => self.incr_by(k(*key), 1),
            Op::Decr(key) => self.incr_by(k(*key), -1),
            Op::IncrBy(key, n) => self.incr_by(k(*key), *n),
            Op::DecrBy(key, n) => match n.checked_neg() {
                None => R::Err(Error::DecrOverflow),
                Some(d) => self.incr_by(k(*key), d),
            },
            Op::Append(key, val) => {
                let key = k(*key);
                let len = match self.get(key) {
                    Some(e) => {
                        let (mut bytes, at) = (e.value.clone(), e.at);
                        bytes.extend_from_slice(v(*val));
                        let len = bytes.len();
                        self.put_encoded(key, bytes, at, "raw");
                        len
                    }
                    // A new key holds the argument itself, encoded.
                    None => {
                        self.put(key, v(*val).to_vec(), None);
                        v(*val).len()
                    }
                };
                int(len)
            }
            Op::SetRange(key, off, val) => self.setrange(k(*key), *off, v(*val)),
            Op::GetRange(key, a, b) => self.getrange(k(*key), *a, *b),
            Op::Strlen(key) => int(self.get(k(*key)).map_or(0, |e| e.value.len())),
            Op::Del(ks) | Op::Unlink(ks) => int(ks
                .iter()
                .filter(|&&i| self.map.remove(k(i)).is_some())
                .count()),
            Op::Exists(ks) => int(ks.iter().filter(|&&i| self.get(k(i)).is_some()).count()),
            Op::Type(key) => R::Str(
                if self.get(k(*key)).is_some() {
                    "string"
                } else {
                    "none"
                }
                .to_owned(),
            ),
            Op::Rename(a, b) | Op::RenameNx(a, b) => {
                let nx = matches!(r.op, Op::RenameNx(..));
                let (src, dst) = (k(*a), k(*b));
                let Some(entry) = self.get(src).cloned() else {
                    return R::Err(Error::NoSuchKey);
                };
                if src == dst {
                    return if nx { R::Int(0) } else { R::Ok };
                }
                if nx && self.get(dst).is_some() {
                    return R::Int(0);
                }
                self.map.remove(src);
                self.map.insert(dst.to_vec(), entry);
                if nx { R::Int(1) } else { R::Ok }
            }
            Op::Copy(a, b, replace) => {
                let (src, dst) = (k(*a), k(*b));
                if src == dst {
                    return R::Err(Error::SameObject);
                }
                let Some(entry) = self.get(src).cloned() else {
                    return R::Int(0);
                };
                if self.get(dst).is_some() && !replace {
                    return R::Int(0);
                }
                self.map.insert(dst.to_vec(), entry);
                R::Int(1)
            }
            Op::Expire {
                k: key,
                ms,
                abs,
                flags,
                ..
            } => self.expire(k(*key), r.abs_time.expect("resolved"), *ms, *abs, *flags),
            Op::Persist(key) => match self.map.get_mut(k(*key)) {
                Some(e) if e.at.is_some() => {
                    e.at = None;
                    R::Int(1)
                }
                _ => R::Int(0),
            },
            Op::Ttl(key) => self.ttl(k(*key), false, false),
            Op::Pttl(key) => self.ttl(k(*key), true, false),
            Op::ExpireTime(key) => self.ttl(k(*key), false, true),
            Op::PExpireTime(key) => self.ttl(k(*key), true, true),
            Op::Encoding(key) => bulk_or_nil(self.get(k(*key)).map(|e| e.enc.as_bytes().to_vec())),
            Op::DbsizeAfterCycle => int(self.map.len()),
            Op::Keys | Op::Scan(_) => R::Arr(self.sorted_keys().into_iter().map(R::Bulk).collect()),
            Op::RandomKey => unreachable!("checked by membership"),
            Op::FlushDb => {
                self.map.clear();
                R::Ok
            }
            Op::Advance(_) | Op::CloneHandle => R::Unit,
        }
    }
}

// ---------------------------------------------------------------------------
// A test case
// ---------------------------------------------------------------------------

struct Case {
    model: Model,
    subjects: Vec<Subject>,
}

impl Case {
    fn new(paths: &[Path], shards: usize) -> Case {
        let subjects = paths
            .iter()
            .map(|&path| {
                let (store, clock) = common::manual_store(T0, shards);
                Subject { path, store, clock }
            })
            .collect();
        Case {
            model: Model {
                now: T0,
                map: HashMap::new(),
            },
            subjects,
        }
    }

    /// Moves every clock forward by `ms` (landing on deadlines too: a key is
    /// still alive at its exact deadline, as in Redis).
    fn advance(&mut self, ms: u64) {
        self.model.purge();
        let target = self.model.now + i64::try_from(ms).expect("small");
        self.model.now = target;
        for s in &self.subjects {
            s.clock.set(target);
        }
    }

    fn step(&mut self, index: usize, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::Advance(ms) => {
                self.advance(*ms);
                return Ok(());
            }
            Op::CloneHandle => {
                for s in &mut self.subjects {
                    // Continue on a clone; the original handle is dropped.
                    s.store = s.store.clone();
                }
                return Ok(());
            }
            _ => {}
        }
        let resolved = resolve(op, self.model.now);
        if *op == Op::RandomKey {
            self.model.purge();
            for s in &self.subjects {
                let got = s.run(&resolved);
                match got {
                    R::Nil => prop_assert!(
                        self.model.map.is_empty(),
                        "op {index} RANDOMKEY ({:?}): nil while keys exist",
                        s.path
                    ),
                    R::Bulk(key) => prop_assert!(
                        self.model.map.contains_key(&key),
                        "op {index} RANDOMKEY ({:?}): {:?} is not a live key",
                        s.path,
                        String::from_utf8_lossy(&key)
                    ),
                    other => prop_assert!(false, "RANDOMKEY replied {:?}", other),
                }
            }
            return Ok(());
        }
        let mut replies = Vec::with_capacity(self.subjects.len());
        for s in &self.subjects {
            replies.push((s.path, s.run(&resolved)));
        }
        if let [(_, typed), (_, exec)] = &replies[..] {
            prop_assert_eq!(
                typed,
                exec,
                "op {} {:?}: typed and execute replies differ",
                index,
                resolved
            );
        }
        let expected = self.model.run(&resolved);
        for (path, got) in &replies {
            prop_assert_eq!(
                got,
                &expected,
                "op {} {:?} via {:?}: store and model differ",
                index,
                resolved,
                path
            );
        }
        Ok(())
    }
}

fn run_case(ops: &[Op], shards: usize, paths: &[Path]) -> Result<(), TestCaseError> {
    let mut case = Case::new(paths, shards);
    for (i, op) in ops.iter().enumerate() {
        case.step(i, op)?;
    }
    // Final state: every key, value and TTL.
    case.step(ops.len(), &Op::Keys)?;
    for key in 0..KEYS.len() {
        case.step(ops.len(), &Op::Get(key))?;
        case.step(ops.len(), &Op::Pttl(key))?;
        case.step(ops.len(), &Op::Encoding(key))?;
    }
    case.step(ops.len(), &Op::DbsizeAfterCycle)?;
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn shard_counts() -> impl Strategy<Value = usize> {
    prop::sample::select(vec![1usize, 2, 16, 64, 1024])
}

proptest! {
    #![proptest_config(config(192))]

    /// The typed API against the model.
    #[test]
    fn typed_api_matches_the_model(
        ops in prop::collection::vec(op(), 1..300),
        shards in shard_counts(),
    ) {
        run_case(&ops, shards, &[Path::Typed])?;
    }
}

proptest! {
    #![proptest_config(config(96))]

    /// The same sequences through `execute` argv: same replies as the typed
    /// path, and as the model.
    #[test]
    fn execute_matches_the_typed_api(
        ops in prop::collection::vec(op(), 1..300),
        shards in shard_counts(),
    ) {
        run_case(&ops, shards, &[Path::Typed, Path::Exec])?;
    }
}

#[test]
fn model_sanity() {
    // The model's own corner cases, checked against Redis's documented
    // answers, so a wrong model cannot hide a wrong store.
    assert_eq!(strict_i64(b"-9223372036854775808"), Some(i64::MIN));
    assert_eq!(strict_i64(b"9223372036854775808"), None);
    assert_eq!(strict_i64(b"007"), None);
    assert_eq!(strict_i64(b"-0"), None);
    assert_eq!(strict_i64(b"+5"), None);
    assert_eq!(strict_i64(b" 7"), None);
    let mut m = Model {
        now: T0,
        map: HashMap::new(),
    };
    m.put(b"s", b"Hello World".to_vec(), None);
    assert_eq!(m.getrange(b"s", 0, 3), R::Bulk(b"Hell".to_vec()));
    assert_eq!(m.getrange(b"s", -3, -1), R::Bulk(b"rld".to_vec()));
    assert_eq!(m.getrange(b"s", 0, -1), R::Bulk(b"Hello World".to_vec()));
    assert_eq!(m.getrange(b"s", 10, 100), R::Bulk(b"d".to_vec()));
    assert_eq!(m.getrange(b"s", -1, -5), R::Bulk(Vec::new()));
    assert_eq!(m.getrange(b"missing", 0, -1), R::Bulk(Vec::new()));
    assert_eq!(m.setrange(b"p", 3, b"x"), R::Int(4));
    assert_eq!(
        m.get(b"p").map(|e| e.value.clone()),
        Some(b"\0\0\0x".to_vec())
    );
    assert_eq!(
        m.expire(b"s", 10, false, false, Flags::default()),
        R::Int(1)
    );
    assert_eq!(m.ttl(b"s", true, false), R::Int(10_000));
    assert_eq!(
        m.expire(
            b"s",
            5,
            false,
            false,
            Flags {
                gt: true,
                ..Flags::default()
            }
        ),
        R::Int(0)
    );
    assert_eq!(
        m.expire(b"s", i64::MAX, false, false, Flags::default()),
        R::Err(Error::InvalidExpireTime("expire"))
    );
    assert_eq!(
        m.expire(b"s", -1, false, false, Flags::default()),
        R::Int(1)
    );
    assert!(m.get(b"s").is_none());
    m.now += Duration::from_secs(1).as_millis() as i64;
    assert_eq!(
        expiry_deadline(10, true, true, m.now, "set"),
        Ok(m.now + 10_000)
    );
}
