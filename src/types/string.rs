//! Strings: GET, SET and the rest of Redis 7.0's string commands.

use thin_vec::ThinVec;

use crate::keyspace::Ttl;
use crate::keyspace::entry::{FLAG_EXPIRES, FLAG_RAW};
use crate::number::f80::F80;
use crate::number::parse_i64;
use crate::pubsub::class;
use crate::value::{Value, ValueRef};
use crate::{Error, Result, Store};

/// When a key set by `SET`, `SETEX` or `GETEX` expires. Values are Redis's:
/// they must be positive, and relative times are added to the current time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// In this many seconds (`EX`).
    Ex(i64),
    /// In this many milliseconds (`PX`).
    Px(i64),
    /// At this Unix time in seconds (`EXAT`).
    ExAt(i64),
    /// At this Unix time in milliseconds (`PXAT`).
    PxAt(i64),
}

impl Expiry {
    /// The absolute deadline in Unix milliseconds, with the checks of Redis's
    /// `getExpireMillisecondsOrReply`; `command` names the command in the
    /// error.
    pub(crate) fn deadline(self, now: i64, command: &'static str) -> Result<i64> {
        let invalid = Error::InvalidExpireTime(command);
        let (value, seconds, relative) = match self {
            Expiry::Ex(v) => (v, true, true),
            Expiry::Px(v) => (v, false, true),
            Expiry::ExAt(v) => (v, true, false),
            Expiry::PxAt(v) => (v, false, false),
        };
        if value <= 0 {
            return Err(invalid);
        }
        let ms = if seconds {
            value.checked_mul(1000).ok_or(invalid.clone())?
        } else {
            value
        };
        let ms = if relative {
            ms.checked_add(now).ok_or(invalid.clone())?
        } else {
            ms
        };
        if ms <= 0 {
            return Err(invalid);
        }
        Ok(ms)
    }
}

/// Only set if the key does not / does exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetCondition {
    Nx,
    Xx,
}

/// Options of [`Store::set_with`], as `SET`'s `NX|XX`, `GET`,
/// `EX|PX|EXAT|PXAT|KEEPTTL`. Later calls replace earlier ones of the same
/// group (`nx()` then `xx()` is `XX`).
///
/// ```
/// use kvstore::{SetOptions, Store};
///
/// let store = Store::new();
/// let first = store.set_with("lock", "a", SetOptions::new().nx().ex(10))?;
/// let second = store.set_with("lock", "b", SetOptions::new().nx().ex(10))?;
/// assert!(first.written && !second.written);
///
/// let swapped = store.set_with("lock", "c", SetOptions::new().get().keepttl())?;
/// assert_eq!(swapped.previous, Some(b"a".to_vec()));
/// assert!(store.ttl("lock")? > 0);
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct SetOptions {
    condition: Option<SetCondition>,
    get: bool,
    expiry: Option<Expiry>,
    keep_ttl: bool,
}

impl SetOptions {
    /// Plain `SET`: always write, clear any TTL.
    pub fn new() -> Self {
        SetOptions::default()
    }

    /// `NX`: only set a key that does not exist.
    pub fn nx(mut self) -> Self {
        self.condition = Some(SetCondition::Nx);
        self
    }

    /// `XX`: only set a key that exists.
    pub fn xx(mut self) -> Self {
        self.condition = Some(SetCondition::Xx);
        self
    }

    /// `GET`: return the previous value (the key must hold a string).
    pub fn get(mut self) -> Self {
        self.get = true;
        self
    }

    /// `EX seconds`.
    pub fn ex(self, seconds: i64) -> Self {
        self.expiry(Expiry::Ex(seconds))
    }

    /// `PX milliseconds`.
    pub fn px(self, milliseconds: i64) -> Self {
        self.expiry(Expiry::Px(milliseconds))
    }

    /// `EXAT unix-time-seconds`.
    pub fn exat(self, unix_seconds: i64) -> Self {
        self.expiry(Expiry::ExAt(unix_seconds))
    }

    /// `PXAT unix-time-milliseconds`.
    pub fn pxat(self, unix_milliseconds: i64) -> Self {
        self.expiry(Expiry::PxAt(unix_milliseconds))
    }

    /// Any [`Expiry`].
    pub fn expiry(mut self, expiry: Expiry) -> Self {
        self.expiry = Some(expiry);
        self.keep_ttl = false;
        self
    }

    /// `KEEPTTL`: keep the key's current time to live.
    pub fn keepttl(mut self) -> Self {
        self.keep_ttl = true;
        self.expiry = None;
        self
    }
}

/// What [`Store::set_with`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOutcome {
    /// Whether the value was written (false when `NX`/`XX` prevented it).
    pub written: bool,
    /// With [`SetOptions::get`], the previous value (`None` if there was none).
    pub previous: Option<Vec<u8>>,
}

/// What `GETEX` does to the key's time to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GetExpiry {
    /// Leave it (plain `GETEX key`).
    #[default]
    Keep,
    /// Set it (`EX|PX|EXAT|PXAT`).
    Set(Expiry),
    /// Remove it (`PERSIST`).
    Persist,
}

/// The kinds of integer increment, for their canonical command.
#[derive(Clone, Copy)]
enum IncrKind {
    Incr,
    Decr,
    IncrBy,
    /// With the decrement as given.
    DecrBy(i64),
}

impl Store {
    fn check_string_len(&self, len: usize) -> Result<()> {
        if len > self.inner.settings.max_string_len() {
            return Err(Error::StringTooLong);
        }
        Ok(())
    }

    /// `GET key`: the string at `key`, or `None`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.set("k", "v")?;
    /// assert_eq!(store.get("k")?, Some(b"v".to_vec()));
    /// assert_eq!(store.get("missing")?, None);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        self.read_key(key.as_ref(), |slot| match slot {
            None => Ok(None),
            Some(slot) => slot.value().to_str_vec().map(Some),
        })
    }

    /// `SET key value`: set `key` to hold the string `value`, whatever it
    /// held before, discarding any time to live.
    ///
    /// # Errors
    ///
    /// [`Error::StringTooLong`] past the configured maximum string size.
    pub fn set(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        self.set_generic(key.as_ref(), value.as_ref(), SetOptions::new(), "set")
            .map(|_| ())
    }

    /// `SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT|KEEPTTL]`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidExpireTime`] for a non-positive or overflowing expiry;
    /// [`Error::WrongType`] with `GET` on a key holding a non-string (nothing
    /// is written then); [`Error::StringTooLong`].
    pub fn set_with(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        options: SetOptions,
    ) -> Result<SetOutcome> {
        self.set_generic(key.as_ref(), value.as_ref(), options, "set")
    }

    /// `SETNX key value`: set only if the key does not exist; returns whether
    /// it was set.
    ///
    /// # Errors
    ///
    /// [`Error::StringTooLong`].
    pub fn setnx(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<bool> {
        self.set_generic(
            key.as_ref(),
            value.as_ref(),
            SetOptions::new().nx(),
            "setnx",
        )
        .map(|o| o.written)
    }

    /// `SETEX key seconds value`: set with a time to live in seconds.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidExpireTime`] unless `seconds` is positive and small
    /// enough; [`Error::StringTooLong`].
    pub fn setex(
        &self,
        key: impl AsRef<[u8]>,
        seconds: i64,
        value: impl AsRef<[u8]>,
    ) -> Result<()> {
        self.set_generic(
            key.as_ref(),
            value.as_ref(),
            SetOptions::new().ex(seconds),
            "setex",
        )
        .map(|_| ())
    }

    /// `PSETEX key milliseconds value`: set with a time to live in ms.
    ///
    /// # Errors
    ///
    /// As [`Store::setex`].
    pub fn psetex(
        &self,
        key: impl AsRef<[u8]>,
        milliseconds: i64,
        value: impl AsRef<[u8]>,
    ) -> Result<()> {
        self.set_generic(
            key.as_ref(),
            value.as_ref(),
            SetOptions::new().px(milliseconds),
            "psetex",
        )
        .map(|_| ())
    }

    pub(crate) fn set_generic(
        &self,
        key: &[u8],
        value: &[u8],
        options: SetOptions,
        command: &'static str,
    ) -> Result<SetOutcome> {
        self.check_string_len(value.len())?;
        self.write_key(key, |shard, loc, ctx| {
            let deadline = match options.expiry {
                Some(e) => Some(e.deadline(ctx.now(), command)?),
                None => None,
            };
            let index = shard.find_live(key, loc.hash, ctx);
            let slot = index.and_then(|i| shard.slot(i));
            let previous = match slot {
                Some(slot) if options.get => Some(slot.value().to_str_vec()?),
                // `GET` reads the key first, as Redis's getGenericCommand.
                None if options.get => {
                    ctx.notify(class::KEY_MISS, "keymiss", key);
                    None
                }
                _ => None,
            };
            let blocked = match options.condition {
                Some(SetCondition::Nx) => index.is_some(),
                Some(SetCondition::Xx) => index.is_none(),
                None => false,
            };
            if blocked {
                return Ok(SetOutcome {
                    written: false,
                    previous,
                });
            }
            let ttl = match (deadline, options.keep_ttl) {
                (Some(at), _) => Ttl::Set(at),
                (None, true) => Ttl::Keep,
                (None, false) => Ttl::Clear,
            };
            shard.put(key, loc.hash, index, Value::from_bytes(value), 0, ttl, ctx);
            ctx.notify(class::STRING, "set", key);
            if deadline.is_some() {
                ctx.notify(class::GENERIC, "expire", key);
            }
            if ctx.propagating() {
                let mut buf = itoa::Buffer::new();
                match (deadline, options.keep_ttl) {
                    (Some(at), _) => {
                        ctx.propagate(&[b"SET", key, value, b"PXAT", buf.format(at).as_bytes()])
                    }
                    (None, true) => ctx.propagate(&[b"SET", key, value, b"KEEPTTL"]),
                    (None, false) => ctx.propagate(&[b"SET", key, value]),
                }
            }
            Ok(SetOutcome {
                written: true,
                previous,
            })
        })
    }

    /// `GETSET key value`: set `key` and return its old string value (the
    /// time to live is discarded).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds a non-string (nothing is
    /// written); [`Error::StringTooLong`].
    pub fn getset(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<Option<Vec<u8>>> {
        self.set_generic(
            key.as_ref(),
            value.as_ref(),
            SetOptions::new().get(),
            "getset",
        )
        .map(|o| o.previous)
    }

    /// `GETDEL key`: return the string and delete the key.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds a non-string (it is kept).
    pub fn getdel(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        let key = key.as_ref();
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let Some(index) = shard.find_live(key, loc.hash, ctx) else {
                ctx.notify(class::KEY_MISS, "keymiss", key);
                return Ok(None);
            };
            let value = shard
                .slot(index)
                .map(|s| s.value().to_str_vec())
                .transpose()?;
            shard.remove_at(index, loc.hash);
            ctx.notify(class::GENERIC, "del", key);
            ctx.propagate(&[b"DEL", key]);
            Ok(value)
        })
    }

    /// `GETEX key [EX|PX|EXAT|PXAT|PERSIST]`: return the string and change
    /// its time to live.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidExpireTime`]; [`Error::WrongType`].
    pub fn getex(&self, key: impl AsRef<[u8]>, expiry: GetExpiry) -> Result<Option<Vec<u8>>> {
        self.getex_generic(key.as_ref(), || Ok(expiry))
    }

    /// GETEX with Redis's order of checks: a missing key answers nil and a
    /// non-string WRONGTYPE before the expiry (`expiry`, parsed late) is
    /// looked at.
    pub(crate) fn getex_generic(
        &self,
        key: &[u8],
        expiry: impl FnOnce() -> Result<GetExpiry>,
    ) -> Result<Option<Vec<u8>>> {
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let Some(index) = shard.find_live(key, loc.hash, ctx) else {
                ctx.notify(class::KEY_MISS, "keymiss", key);
                return Ok(None);
            };
            let Some(slot) = shard.slot(index) else {
                return Ok(None);
            };
            let value = slot.value().to_str_vec()?;
            let had_ttl = slot.has_flag(FLAG_EXPIRES);
            let expiry = expiry()?;
            let deadline = match expiry {
                GetExpiry::Set(e) => Some(e.deadline(ctx.now(), "getex")?),
                _ => None,
            };
            match (expiry, deadline) {
                (_, Some(at)) if at <= ctx.now() => {
                    shard.remove_at(index, loc.hash);
                    ctx.notify(class::GENERIC, "del", key);
                    ctx.propagate(&[b"DEL", key]);
                }
                (_, Some(at)) => {
                    shard.set_deadline(index, loc.hash, Some(at));
                    ctx.notify(class::GENERIC, "expire", key);
                    let mut buf = itoa::Buffer::new();
                    ctx.propagate(&[b"PEXPIREAT", key, buf.format(at).as_bytes()]);
                }
                (GetExpiry::Persist, None) if had_ttl => {
                    shard.set_deadline(index, loc.hash, None);
                    ctx.notify(class::GENERIC, "persist", key);
                    ctx.propagate(&[b"PERSIST", key]);
                }
                _ => {}
            }
            Ok(Some(value))
        })
    }

    /// `MGET key [key …]`: the string at each key; `None` for missing keys
    /// and keys holding other kinds of values. Atomic across shards.
    pub fn mget<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<Option<Vec<u8>>>> {
        let keys: Vec<K> = keys.into_iter().collect();
        Ok(self.read_keys(&keys, |slot| slot.and_then(|s| s.value().to_str_vec().ok())))
    }

    /// `MSET key value [key value …]`: set every pair, atomically (no reader
    /// sees some pairs set and others not), discarding TTLs.
    ///
    /// # Errors
    ///
    /// [`Error::StringTooLong`].
    pub fn mset<K: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        self.mset_generic(pairs.into_iter().collect(), false)
            .map(|_| ())
    }

    /// `MSETNX key value [key value …]`: set every pair only if none of the
    /// keys exists; returns whether they were set.
    ///
    /// # Errors
    ///
    /// [`Error::StringTooLong`].
    pub fn msetnx<K: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<bool> {
        self.mset_generic(pairs.into_iter().collect(), true)
    }

    fn mset_generic<K: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        pairs: Vec<(K, V)>,
        only_new: bool,
    ) -> Result<bool> {
        for (_, v) in &pairs {
            self.check_string_len(v.as_ref().len())?;
        }
        let keyspace = &self.inner.keyspace;
        let locs: Vec<_> = pairs
            .iter()
            .map(|(k, _)| keyspace.locate(k.as_ref()))
            .collect();
        self.write_gated(|| {
            let ctx = self.ctx();
            let mut guards = keyspace.write_many(locs.iter().map(|l| l.shard));
            if only_new {
                for ((k, _), loc) in pairs.iter().zip(&locs) {
                    if guards
                        .shard_mut(loc.shard)
                        .find_live(k.as_ref(), loc.hash, &ctx)
                        .is_some()
                    {
                        return Ok(false);
                    }
                }
            }
            for ((k, v), loc) in pairs.iter().zip(&locs) {
                guards.shard_mut(loc.shard).overwrite(
                    k.as_ref(),
                    loc.hash,
                    Value::from_bytes(v.as_ref()),
                    &ctx,
                );
                ctx.notify(class::STRING, "set", k.as_ref());
            }
            if ctx.propagating() && !pairs.is_empty() {
                let mut argv: Vec<&[u8]> = Vec::with_capacity(1 + pairs.len() * 2);
                argv.push(b"MSET");
                for (k, v) in &pairs {
                    argv.push(k.as_ref());
                    argv.push(v.as_ref());
                }
                ctx.propagate(&argv);
            }
            Ok(true)
        })
    }

    /// `INCR key`: add 1 to the integer at `key` (0 if missing); the TTL is
    /// kept.
    ///
    /// # Errors
    ///
    /// [`Error::NotInteger`] if the value is not a base-10 `i64`;
    /// [`Error::IncrOverflow`]; [`Error::WrongType`].
    pub fn incr(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        self.incr_generic(key.as_ref(), 1, IncrKind::Incr)
    }

    /// `DECR key`: subtract 1.
    ///
    /// # Errors
    ///
    /// As [`Store::incr`].
    pub fn decr(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        self.incr_generic(key.as_ref(), -1, IncrKind::Decr)
    }

    /// `INCRBY key increment`.
    ///
    /// # Errors
    ///
    /// As [`Store::incr`].
    pub fn incrby(&self, key: impl AsRef<[u8]>, increment: i64) -> Result<i64> {
        self.incr_generic(key.as_ref(), increment, IncrKind::IncrBy)
    }

    /// `DECRBY key decrement`.
    ///
    /// # Errors
    ///
    /// [`Error::DecrOverflow`] for `i64::MIN`; otherwise as [`Store::incr`].
    pub fn decrby(&self, key: impl AsRef<[u8]>, decrement: i64) -> Result<i64> {
        let delta = decrement.checked_neg().ok_or(Error::DecrOverflow)?;
        self.incr_generic(key.as_ref(), delta, IncrKind::DecrBy(decrement))
    }

    fn incr_generic(&self, key: &[u8], delta: i64, kind: IncrKind) -> Result<i64> {
        self.write_key(key, |shard, loc, ctx| {
            let index = shard.find_live(key, loc.hash, ctx);
            let current = match index.and_then(|i| shard.slot(i)).map(|s| s.value()) {
                None => 0,
                Some(ValueRef::Int(n)) => n,
                Some(other) => other.with_str(parse_i64)?.ok_or(Error::NotInteger)?,
            };
            let new = current.checked_add(delta).ok_or(Error::IncrOverflow)?;
            shard.put(key, loc.hash, index, Value::Int(new), 0, Ttl::Keep, ctx);
            ctx.notify(class::STRING, "incrby", key);
            if ctx.propagating() {
                let mut buf = itoa::Buffer::new();
                match kind {
                    IncrKind::Incr => ctx.propagate(&[b"INCR", key]),
                    IncrKind::Decr => ctx.propagate(&[b"DECR", key]),
                    IncrKind::IncrBy => {
                        ctx.propagate(&[b"INCRBY", key, buf.format(delta).as_bytes()])
                    }
                    IncrKind::DecrBy(d) => {
                        ctx.propagate(&[b"DECRBY", key, buf.format(d).as_bytes()])
                    }
                }
            }
            Ok(new)
        })
    }

    /// `INCRBYFLOAT key increment`: add a floating point number, computed in
    /// 80-bit extended precision and formatted exactly as Redis does (so
    /// `10.5 + 0.1` is `"10.6"`). Returns the new value as stored.
    ///
    /// # Errors
    ///
    /// [`Error::NotFloat`] if the value or the increment is not a number;
    /// [`Error::NanOrInfinity`]; [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.set("price", "10.5")?;
    /// assert_eq!(store.incrbyfloat("price", "0.1")?, b"10.6".to_vec());
    /// assert_eq!(store.incrbyfloat("price", "2.0e1")?, b"30.6".to_vec());
    /// assert_eq!(store.incrbyfloat("price", "-0.6")?, b"30".to_vec());
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn incrbyfloat(
        &self,
        key: impl AsRef<[u8]>,
        increment: impl AsRef<[u8]>,
    ) -> Result<Vec<u8>> {
        let key = key.as_ref();
        let increment = increment.as_ref();
        self.write_key(key, |shard, loc, ctx| {
            let index = shard.find_live(key, loc.hash, ctx);
            let current = match index.and_then(|i| shard.slot(i)) {
                None => F80::from_i64(0),
                Some(slot) => slot.value().with_str(F80::parse)?.ok_or(Error::NotFloat)?,
            };
            let incr = F80::parse(increment).ok_or(Error::NotFloat)?;
            let sum = current.add(incr);
            if !sum.is_finite() {
                return Err(Error::NanOrInfinity);
            }
            let text = sum.to_human_string().ok_or(Error::NanOrInfinity)?;
            // Redis stores the result as a plain string, never int-encoded.
            let value = Value::from_raw_bytes(text.as_bytes());
            shard.put(key, loc.hash, index, value, 0, Ttl::Keep, ctx);
            ctx.notify(class::STRING, "incrbyfloat", key);
            ctx.propagate(&[b"SET", key, text.as_bytes(), b"KEEPTTL"]);
            Ok(text.into_bytes())
        })
    }

    /// `APPEND key value`: append to the string (creating it if missing) and
    /// return the new length. Amortised O(1) per appended byte.
    ///
    /// # Errors
    ///
    /// [`Error::StringTooLong`]; [`Error::WrongType`].
    pub fn append(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<usize> {
        let key = key.as_ref();
        let tail = value.as_ref();
        self.write_key(key, |shard, loc, ctx| {
            let Some(index) = shard.find_live(key, loc.hash, ctx) else {
                self.check_string_len(tail.len())?;
                shard.add(key, loc.hash, Value::from_bytes(tail), 0, ctx);
                ctx.notify(class::STRING, "append", key);
                ctx.propagate(&[b"APPEND", key, tail]);
                return Ok(tail.len());
            };
            let current = shard
                .slot(index)
                .map(|s| s.value())
                .ok_or(Error::NoSuchKey)?;
            let old_len = current.with_str(<[u8]>::len)?;
            self.check_string_len(old_len.saturating_add(tail.len()))?;
            let new_len = shard
                .update(index, |slot| append_in_place(slot, tail, loc.hash))
                .unwrap_or(0);
            ctx.notify(class::STRING, "append", key);
            ctx.propagate(&[b"APPEND", key, tail]);
            Ok(new_len)
        })
    }

    /// `STRLEN key`: length of the string (0 if missing).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn strlen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.read_key(key.as_ref(), |slot| match slot {
            None => Ok(0),
            Some(slot) => slot.value().with_str(<[u8]>::len),
        })
    }

    /// `GETRANGE key start end`: the substring between two inclusive offsets;
    /// negative offsets count from the end (Redis 7.0 rules).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn getrange(&self, key: impl AsRef<[u8]>, start: i64, end: i64) -> Result<Vec<u8>> {
        self.read_key(key.as_ref(), |slot| match slot {
            None => Ok(Vec::new()),
            Some(slot) => slot.value().with_str(|s| substring(s, start, end).to_vec()),
        })
    }

    /// `SETRANGE key offset value`: overwrite part of the string from
    /// `offset`, zero-padding if needed; returns the new length.
    ///
    /// # Errors
    ///
    /// [`Error::OffsetOutOfRange`] for a negative offset;
    /// [`Error::StringTooLong`] if `offset + len` exceeds the maximum (checked
    /// before allocating); [`Error::WrongType`].
    pub fn setrange(
        &self,
        key: impl AsRef<[u8]>,
        offset: i64,
        value: impl AsRef<[u8]>,
    ) -> Result<usize> {
        let key = key.as_ref();
        let patch = value.as_ref();
        let offset = usize::try_from(offset).map_err(|_| Error::OffsetOutOfRange)?;
        self.write_key(key, |shard, loc, ctx| {
            let index = shard.find_live(key, loc.hash, ctx);
            let current = match index.and_then(|i| shard.slot(i)) {
                None => None,
                Some(slot) => Some(slot.value().to_str_vec()?),
            };
            if patch.is_empty() {
                return Ok(current.map_or(0, |c| c.len()));
            }
            let end = offset
                .checked_add(patch.len())
                .ok_or(Error::StringTooLong)?;
            self.check_string_len(end)?;
            let mut bytes: ThinVec<u8> = ThinVec::from(current.as_deref().unwrap_or_default());
            if bytes.len() < end {
                bytes.resize(end, 0);
            }
            bytes[offset..end].copy_from_slice(patch);
            let len = bytes.len();
            // Redis leaves SETRANGE's result in its `raw` encoding.
            shard.put(
                key,
                loc.hash,
                index,
                Value::from_raw_vec(bytes),
                FLAG_RAW,
                Ttl::Keep,
                ctx,
            );
            ctx.notify(class::STRING, "setrange", key);
            if ctx.propagating() {
                let mut buf = itoa::Buffer::new();
                ctx.propagate(&[b"SETRANGE", key, buf.format(offset).as_bytes(), patch]);
            }
            Ok(len)
        })
    }
}

/// Appends `tail` to the string in `slot`, growing a heap string in place;
/// returns the new length. The result is flagged `raw`, as Redis leaves it.
fn append_in_place(slot: &mut crate::keyspace::entry::Slot, tail: &[u8], hash: u64) -> usize {
    slot.set_flag(FLAG_RAW, true);
    if let Some(Value::Heap(bytes)) = slot.value_mut() {
        bytes.extend_from_slice(tail);
        return bytes.len();
    }
    let mut bytes = ThinVec::new();
    // Ignoring the type error is safe: the caller checked it is a string.
    let _ = slot.value().with_str(|s| bytes.extend_from_slice(s));
    bytes.extend_from_slice(tail);
    let len = bytes.len();
    slot.set_value(Value::from_raw_vec(bytes), hash);
    len
}

/// Redis 7.0's GETRANGE offsets: `start` and `end` inclusive, negative from
/// the end, clamped; empty when both are negative and `start > end`.
pub(crate) fn substring(s: &[u8], start: i64, end: i64) -> &[u8] {
    let len = i64::try_from(s.len()).unwrap_or(i64::MAX);
    if start < 0 && end < 0 && start > end {
        return &[];
    }
    let mut start = if start < 0 {
        len.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        len.saturating_add(end)
    } else {
        end
    };
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return &[];
    }
    let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
        return &[];
    };
    &s[start..=end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_follows_redis_7_0() {
        let s = b"Hello World";
        assert_eq!(substring(s, 0, 3), b"Hell");
        assert_eq!(substring(s, -3, -1), b"rld");
        assert_eq!(substring(s, 0, -1), s);
        assert_eq!(substring(s, 10, 100), b"d");
        assert_eq!(substring(s, 5, 3), b"");
        assert_eq!(substring(s, -1, -5), b"");
        // Redis 7.0 clamps a too-negative end to 0 rather than returning "".
        assert_eq!(substring(s, 0, -100), b"H");
        assert_eq!(substring(s, -100, -100), b"H");
        assert_eq!(substring(b"", 0, -1), b"");
        assert_eq!(substring(s, i64::MIN, i64::MAX), s);
        assert_eq!(substring(s, i64::MAX, i64::MAX), b"");
    }

    #[test]
    fn expiry_rules_match_redis() {
        let now = 1_000_000;
        assert_eq!(Expiry::Ex(10).deadline(now, "set"), Ok(1_010_000));
        assert_eq!(Expiry::PxAt(5).deadline(now, "set"), Ok(5));
        assert_eq!(
            Expiry::Ex(0).deadline(now, "set"),
            Err(Error::InvalidExpireTime("set"))
        );
        assert_eq!(
            Expiry::Px(-1).deadline(now, "getex"),
            Err(Error::InvalidExpireTime("getex"))
        );
        assert!(
            Expiry::Ex(i64::MAX / 1000 + 1)
                .deadline(now, "set")
                .is_err()
        );
        assert!(Expiry::Px(i64::MAX).deadline(now, "set").is_err());
        assert!(Expiry::Ex(922_337_203_685_477).deadline(now, "set").is_ok());
    }
}
