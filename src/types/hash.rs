//! Hashes: HSET, HGET and the rest of Redis 7.0's hash commands.
//!
//! A small hash is packed: fields and values alternate in one [`Listpack`]
//! (`OBJECT ENCODING` `listpack`). It becomes a [`HashTable`] (`hashtable`)
//! for good, as in Redis 7.0, once it would hold more than
//! `hash_max_listpack_entries` fields or a field or value longer than
//! `hash_max_listpack_value` bytes is written.
//!
//! Fields may have a time to live (Redis 7.4's `HEXPIRE`, in
//! [`hash_expire`](super::hash_expire)). An expired field is invisible to
//! every command: reads skip it, and `HLEN` counts live fields only (Redis
//! 7.4's `HLEN` still counts expired fields until they are reclaimed; a count
//! that matches what `HGETALL` returns seemed the better contract). Writes
//! reclaim the expired fields they name (propagating `HDEL key field`), and
//! active expiry reclaims the rest.

use crate::encoding::hashtable::HashTable;
use crate::encoding::listpack::{Elem, Listpack};
use crate::keyspace::Ctx;
use crate::number::f80::F80;
use crate::pubsub::class;
use crate::types::{WithEvent, notify_write};
use crate::value::{HashRef, Value, ValueRef};
use crate::{Error, Result, ScanOptions, Store};

/// One page of a [`Store::hscan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashScanPage {
    /// The cursor for the next call; 0 when the iteration is complete.
    pub cursor: u64,
    /// Fields and values of this page.
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The packed encoding's thresholds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PackLimits {
    pub(crate) entries: usize,
    pub(crate) value: usize,
}

impl Store {
    pub(crate) fn pack_limits(&self) -> PackLimits {
        PackLimits {
            entries: self.inner.settings.hash_max_listpack_entries(),
            value: self.inner.settings.hash_max_listpack_value(),
        }
    }
}

/// The offset of `field`'s entry in a packed hash.
pub(crate) fn lp_find(lp: &Listpack, field: &[u8]) -> Option<usize> {
    // Parse the field once, not once per integer entry met.
    let as_int = crate::number::parse_i64(field);
    let mut at = lp.first()?;
    loop {
        let found = match lp.get(at) {
            Elem::Str(s) => s == field,
            Elem::Int(n) => as_int == Some(n),
        };
        if found {
            return Some(at);
        }
        at = lp.next(lp.next(at)?)?;
    }
}

impl<'a> HashRef<'a> {
    /// The value of `field` unless missing or expired at `now`.
    pub(crate) fn get(self, field: &[u8], now: i64) -> Option<Elem<'a>> {
        match self {
            HashRef::Packed(lp) => lp_find(lp, field).and_then(|at| Some(lp.get(lp.next(at)?))),
            HashRef::Table(t) => t.get_live(field, now).map(Elem::Str),
        }
    }

    /// Number of fields alive at `now`.
    pub(crate) fn live_len(self, now: i64) -> usize {
        match self {
            HashRef::Packed(lp) => lp.len() / 2,
            HashRef::Table(t) => t.len() - t.expired_count(now),
        }
    }

    /// Runs `f` on every field and value alive at `now`.
    pub(crate) fn for_each(self, now: i64, mut f: impl FnMut(Elem<'a>, Elem<'a>)) {
        match self {
            HashRef::Packed(lp) => {
                let mut items = lp.iter();
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    f(k, v);
                }
            }
            HashRef::Table(t) => {
                for (k, v) in t.iter_live(now) {
                    f(Elem::Str(k), Elem::Str(v));
                }
            }
        }
    }

    /// Every live field and value, owned.
    pub(crate) fn pairs(self, now: i64) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::with_capacity(self.live_len(now).min(1 << 16));
        self.for_each(now, |k, v| out.push((k.to_vec(), v.to_vec())));
        out
    }
}

/// The hash in a slot's value, or WRONGTYPE.
pub(crate) fn as_hash(value: ValueRef<'_>) -> Result<HashRef<'_>> {
    match value {
        ValueRef::Hash(h) => Ok(h),
        _ => Err(Error::WrongType),
    }
}

/// Turns a packed hash into a table (no-op for a table); returns the table.
pub(crate) fn to_table(value: &mut Value) -> Option<&mut HashTable> {
    if let Value::HashPacked(lp) = value {
        *value = Value::Hash(Box::new(HashTable::from_listpack(lp)));
    }
    match value {
        Value::Hash(t) => Some(t),
        _ => None,
    }
}

/// Sets `field` in the hash `value`, converting a packed hash past the
/// limits; returns whether the field is new. `keep_ttl` keeps an existing
/// field's deadline (HINCRBY), else it is cleared (HSET).
pub(crate) fn hash_set(
    value: &mut Value,
    field: &[u8],
    val: &[u8],
    limits: PackLimits,
    keep_ttl: bool,
) -> bool {
    if let Value::HashPacked(lp) = value {
        let long = field.len() > limits.value || val.len() > limits.value;
        if !long {
            if let Some(at) = lp_find(lp, field) {
                if let Some(v) = lp.next(at) {
                    lp.replace_at(v, val);
                }
                return false;
            }
            if lp.len() / 2 < limits.entries {
                lp.push_back(field);
                lp.push_back(val);
                return true;
            }
        }
    }
    match to_table(value) {
        Some(t) => t.set(field, val, keep_ttl),
        None => false,
    }
}

/// Removes `field` (expired or not) from the hash `value`; returns whether
/// it was there.
pub(crate) fn hash_remove(value: &mut Value, field: &[u8]) -> bool {
    match value {
        Value::HashPacked(lp) => match lp_find(lp, field) {
            Some(at) => {
                lp.remove_at(at, 2);
                true
            }
            None => false,
        },
        Value::Hash(t) => t.remove(field),
        _ => false,
    }
}

/// Number of stored fields, expired or not (0 for a non-hash).
pub(crate) fn stored_len(value: &Value) -> usize {
    match value {
        Value::HashPacked(lp) => lp.len() / 2,
        Value::Hash(t) => t.len(),
        _ => 0,
    }
}

/// If `field` is past its deadline, deletes it, publishes `hexpired` and
/// propagates `HDEL key field`, as a write that meets an expired field does
/// (Redis 7.4's lazy field expiry). Returns whether it did.
pub(crate) fn reclaim_field(value: &mut Value, key: &[u8], field: &[u8], ctx: &Ctx<'_>) -> bool {
    let Value::Hash(t) = value else {
        return false;
    };
    if t.ttl_len() == 0 || !t.is_expired(field, ctx.now()) {
        return false;
    }
    t.remove(field);
    ctx.notify(class::HASH, "hexpired", key);
    ctx.propagate(&[b"HDEL", key, field]);
    true
}

/// The stored value of `field` (callers reclaim expired fields first).
fn current_value<'a>(value: &'a Value, field: &[u8]) -> Option<Elem<'a>> {
    match value {
        Value::HashPacked(lp) => lp_find(lp, field).and_then(|at| Some(lp.get(lp.next(at)?))),
        Value::Hash(t) => t.get(field).map(Elem::Str),
        _ => None,
    }
}

/// A time before every deadline, for hashes without field deadlines (a
/// field is expired only once the clock is past its deadline).
const NO_FIELD_EXPIRED: i64 = i64::MIN;

impl Store {
    /// Runs `f` on the hash at `key` (`None` when missing) under a read lock,
    /// with the command's time (or, for a hash without field deadlines, a
    /// time before every deadline, so the clock is not read).
    pub(crate) fn hash_read<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(Option<HashRef<'_>>, i64) -> Result<R>,
    ) -> Result<R> {
        self.read_key_in_shard(key, |_, ctx, slot| match slot {
            None => f(None, NO_FIELD_EXPIRED),
            Some(slot) => {
                let hash = as_hash(slot.value())?;
                // Reading the clock costs more than a packed HGET: only a
                // hash with field deadlines needs it.
                let now = match hash {
                    HashRef::Table(t) if t.min_deadline().is_some() => ctx.now(),
                    _ => NO_FIELD_EXPIRED,
                };
                f(Some(hash), now)
            }
        })
    }

    /// Runs `f` on the hash at `key` under the write lock. A missing key is
    /// an empty packed hash when `create`, else `f` is not run and `None` is
    /// returned. The event `f` names is published once the change is in; a
    /// hash left empty is then deleted (`del`); a new one is stored (with
    /// its `new` event) only if `f` left fields in it. Field deadlines left
    /// by `f` are recorded for active expiry.
    pub(crate) fn hash_write<R>(
        &self,
        key: &[u8],
        create: bool,
        f: impl FnOnce(&mut Value, &Ctx<'_>) -> Result<WithEvent<R>>,
    ) -> Result<Option<R>> {
        self.write_key_with(
            key,
            create,
            |shard, loc, ctx| {
                let Some(index) = shard.find_live(key, loc.hash, ctx) else {
                    if !create {
                        return Ok(None);
                    }
                    let mut value = Value::HashPacked(Listpack::new());
                    let (result, event) = f(&mut value, ctx)?;
                    if stored_len(&value) > 0 {
                        // `insert` indexes field deadlines itself.
                        shard.add(key, loc.hash, value, 0, ctx);
                        notify_write(ctx, class::HASH, event, key, false);
                    }
                    return Ok(Some(result));
                };
                if let Some(slot) = shard.slot(index) {
                    as_hash(slot.value())?;
                }
                let outcome = shard.update(index, |slot| {
                    let value = slot.value_mut().ok_or(Error::WrongType)?;
                    let result = f(value, ctx)?;
                    let min = match value {
                        Value::Hash(t) => t.min_deadline(),
                        _ => None,
                    };
                    Ok::<_, Error>((result, stored_len(value), min))
                });
                let ((result, event), len, min) = outcome.ok_or(Error::WrongType)??;
                if len == 0 {
                    shard.remove_at(index, loc.hash);
                } else if let Some(at) = min {
                    shard.note_hash_ttl(key, loc.hash, at);
                }
                notify_write(ctx, class::HASH, event, key, len == 0);
                Ok(Some(result))
            },
            |_| {},
        )
    }

    /// `HSET key field value [field value ...]`: sets fields (clearing their
    /// time to live); returns how many were added.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value;
    /// [`Error::WrongArity`] without any pair.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// assert_eq!(store.hset("user:1", [("name", "Ada"), ("lang", "en")])?, 2);
    /// assert_eq!(store.hset("user:1", [("lang", "fr")])?, 0);
    /// assert_eq!(store.hget("user:1", "lang")?, Some(b"fr".to_vec()));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn hset(
        &self,
        key: impl AsRef<[u8]>,
        pairs: impl IntoIterator<Item = (impl AsRef<[u8]>, impl AsRef<[u8]>)>,
    ) -> Result<usize> {
        let pairs: Vec<_> = pairs.into_iter().collect();
        let pairs: Vec<(&[u8], &[u8])> = pairs
            .iter()
            .map(|(f, v)| (f.as_ref(), v.as_ref()))
            .collect();
        self.hset_pairs(key.as_ref(), &pairs, "hset")
    }

    pub(crate) fn hset_pairs(
        &self,
        key: &[u8],
        pairs: &[(&[u8], &[u8])],
        command: &str,
    ) -> Result<usize> {
        if pairs.is_empty() {
            return Err(Error::WrongArity(command.to_owned()));
        }
        let limits = self.pack_limits();
        let added = self.hash_write(key, true, |value, ctx| {
            // Redis converts before writing when any argument is too long.
            if pairs
                .iter()
                .any(|(f, v)| f.len() > limits.value || v.len() > limits.value)
            {
                to_table(value);
            }
            let mut added = 0;
            for (field, val) in pairs {
                reclaim_field(value, key, field, ctx);
                added += usize::from(hash_set(value, field, val, limits, false));
            }
            if ctx.propagating() {
                let mut argv: Vec<&[u8]> = Vec::with_capacity(2 + 2 * pairs.len());
                argv.extend([&b"HSET"[..], key]);
                for (f, v) in pairs {
                    argv.extend([*f, *v]);
                }
                ctx.propagate(&argv);
            }
            Ok((added, Some("hset")))
        })?;
        Ok(added.unwrap_or(0))
    }

    /// `HSETNX key field value`: sets the field only if it does not exist;
    /// returns whether it was set.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// assert!(store.hsetnx("h", "f", "1")?);
    /// assert!(!store.hsetnx("h", "f", "2")?);
    /// assert_eq!(store.hget("h", "f")?, Some(b"1".to_vec()));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn hsetnx(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<bool> {
        let (key, field, val) = (key.as_ref(), field.as_ref(), value.as_ref());
        let limits = self.pack_limits();
        let set = self.hash_write(key, true, |value, ctx| {
            reclaim_field(value, key, field, ctx);
            if current_value(value, field).is_some() {
                return Ok((false, None));
            }
            hash_set(value, field, val, limits, false);
            ctx.propagate(&[b"HSET", key, field, val]);
            Ok((true, Some("hset")))
        })?;
        Ok(set.unwrap_or(false))
    }

    /// `HGET key field`: the field's value, or `None`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn hget(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        let field = field.as_ref();
        self.hash_read(key.as_ref(), |h, now| {
            Ok(h.and_then(|h| h.get(field, now)).map(Elem::to_vec))
        })
    }

    /// `HMGET key field [field ...]`: the values of the fields, `None` for
    /// missing ones.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.hset("h", [("a", "1")])?;
    /// assert_eq!(store.hmget("h", ["a", "b"])?, vec![Some(b"1".to_vec()), None]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn hmget(
        &self,
        key: impl AsRef<[u8]>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<Option<Vec<u8>>>> {
        let fields: Vec<_> = fields.into_iter().collect();
        self.hash_read(key.as_ref(), |h, now| {
            Ok(fields
                .iter()
                .map(|f| h.and_then(|h| h.get(f.as_ref(), now)).map(Elem::to_vec))
                .collect())
        })
    }

    /// `HDEL key field [field ...]`: removes fields; returns how many
    /// existed. A hash left empty is deleted.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn hdel(
        &self,
        key: impl AsRef<[u8]>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        let key = key.as_ref();
        let fields: Vec<_> = fields.into_iter().collect();
        let removed = self.hash_write(key, false, |value, ctx| {
            let mut removed: Vec<&[u8]> = Vec::new();
            for f in &fields {
                let f = f.as_ref();
                if reclaim_field(value, key, f, ctx) {
                    continue;
                }
                if hash_remove(value, f) {
                    removed.push(f);
                }
            }
            if !removed.is_empty() && ctx.propagating() {
                let mut argv: Vec<&[u8]> = vec![b"HDEL", key];
                argv.extend(removed.iter().copied());
                ctx.propagate(&argv);
            }
            Ok((removed.len(), (!removed.is_empty()).then_some("hdel")))
        })?;
        Ok(removed.unwrap_or(0))
    }

    /// `HLEN key`: number of live fields (0 when missing).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn hlen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.hash_read(key.as_ref(), |h, now| Ok(h.map_or(0, |h| h.live_len(now))))
    }

    /// `HEXISTS key field`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn hexists(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<bool> {
        let field = field.as_ref();
        self.hash_read(key.as_ref(), |h, now| {
            Ok(h.is_some_and(|h| h.get(field, now).is_some()))
        })
    }

    /// `HGETALL key`: every field and value.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn hgetall(&self, key: impl AsRef<[u8]>) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.hash_read(key.as_ref(), |h, now| {
            Ok(h.map(|h| h.pairs(now)).unwrap_or_default())
        })
    }

    /// `HKEYS key`: every field.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn hkeys(&self, key: impl AsRef<[u8]>) -> Result<Vec<Vec<u8>>> {
        self.hash_read(key.as_ref(), |h, now| {
            let mut out = Vec::new();
            if let Some(h) = h {
                h.for_each(now, |k, _| out.push(k.to_vec()));
            }
            Ok(out)
        })
    }

    /// `HVALS key`: every value.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn hvals(&self, key: impl AsRef<[u8]>) -> Result<Vec<Vec<u8>>> {
        self.hash_read(key.as_ref(), |h, now| {
            let mut out = Vec::new();
            if let Some(h) = h {
                h.for_each(now, |_, v| out.push(v.to_vec()));
            }
            Ok(out)
        })
    }

    /// `HSTRLEN key field`: length of the field's value (0 when missing).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn hstrlen(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<usize> {
        let field = field.as_ref();
        self.hash_read(key.as_ref(), |h, now| {
            Ok(h.and_then(|h| h.get(field, now)).map_or(0, Elem::byte_len))
        })
    }

    /// `HINCRBY key field increment`: adds to the field's integer value
    /// (missing = 0) and returns the result. The field keeps its time to
    /// live, as in Redis 7.4.
    ///
    /// # Errors
    ///
    /// [`Error::HashNotInteger`] if the value is not an integer;
    /// [`Error::IncrOverflow`]; [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// assert_eq!(store.hincrby("h", "n", 5)?, 5);
    /// assert_eq!(store.hincrby("h", "n", -7)?, -2);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn hincrby(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        increment: i64,
    ) -> Result<i64> {
        let (key, field) = (key.as_ref(), field.as_ref());
        let limits = self.pack_limits();
        let result = self.hash_write(key, true, |value, ctx| {
            reclaim_field(value, key, field, ctx);
            let current = match current_value(value, field) {
                None => 0,
                Some(v) => v.as_i64().ok_or(Error::HashNotInteger)?,
            };
            let sum = current.checked_add(increment).ok_or(Error::IncrOverflow)?;
            let mut buf = itoa::Buffer::new();
            hash_set(value, field, buf.format(sum).as_bytes(), limits, true);
            ctx.propagate(&[b"HINCRBY", key, field, buf.format(increment).as_bytes()]);
            Ok((sum, Some("hincrby")))
        })?;
        result.ok_or(Error::WrongType)
    }

    /// `HINCRBYFLOAT key field increment`: adds a decimal increment (80-bit
    /// precision, as Redis's `long double`) and returns the new value's text.
    /// The field keeps its time to live. Propagated as `HSET key field
    /// result`, followed by `HPEXPIREAT` when the field has a time to live
    /// (HSET would clear it on replay).
    ///
    /// # Errors
    ///
    /// [`Error::NotFloat`] for a malformed increment;
    /// [`Error::HashIncrNanOrInfinity`] for an infinite one;
    /// [`Error::HashNotFloat`] if the value is not a number;
    /// [`Error::NanOrInfinity`]; [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.hset("h", [("price", "10.5")])?;
    /// assert_eq!(store.hincrbyfloat("h", "price", "0.1")?, b"10.6".to_vec());
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn hincrbyfloat(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        increment: impl AsRef<[u8]>,
    ) -> Result<Vec<u8>> {
        let (key, field) = (key.as_ref(), field.as_ref());
        let incr = F80::parse(increment.as_ref()).ok_or(Error::NotFloat)?;
        if !incr.is_finite() {
            return Err(Error::HashIncrNanOrInfinity);
        }
        let limits = self.pack_limits();
        let result = self.hash_write(key, true, |value, ctx| {
            reclaim_field(value, key, field, ctx);
            let current = match current_value(value, field) {
                None => F80::from_i64(0),
                Some(v) => v.with_bytes(F80::parse).ok_or(Error::HashNotFloat)?,
            };
            let sum = current.add(incr);
            if !sum.is_finite() {
                return Err(Error::NanOrInfinity);
            }
            let text = sum.to_human_string().ok_or(Error::NanOrInfinity)?;
            hash_set(value, field, text.as_bytes(), limits, true);
            ctx.propagate(&[b"HSET", key, field, text.as_bytes()]);
            if let Value::Hash(t) = value
                && let Some(at) = t.deadline(field)
            {
                let mut buf = itoa::Buffer::new();
                ctx.propagate(&[
                    b"HPEXPIREAT",
                    key,
                    buf.format(at).as_bytes(),
                    b"FIELDS",
                    b"1",
                    field,
                ]);
            }
            Ok((text.into_bytes(), Some("hincrbyfloat")))
        })?;
        result.ok_or(Error::WrongType)
    }

    /// `HSCAN key cursor [MATCH pattern] [COUNT count]`: one page of the
    /// hash's fields. A packed hash is returned whole with cursor 0, as
    /// Redis does.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// use kvstore::{ScanOptions, Store};
    ///
    /// let store = Store::new();
    /// store.hset("h", [("a", "1"), ("b", "2")])?;
    /// let page = store.hscan("h", 0, &ScanOptions::new().pattern("a*"))?;
    /// assert_eq!(page.cursor, 0);
    /// assert_eq!(page.fields, vec![(b"a".to_vec(), b"1".to_vec())]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn hscan(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        options: &ScanOptions,
    ) -> Result<HashScanPage> {
        self.hscan_generic(key.as_ref(), cursor, || Ok(options.clone()))
    }

    /// HSCAN with Redis's order of checks: a missing key answers an empty
    /// page and a non-hash WRONGTYPE before the options (`options`, parsed
    /// late) are looked at.
    pub(crate) fn hscan_generic(
        &self,
        key: &[u8],
        cursor: u64,
        options: impl FnOnce() -> Result<ScanOptions>,
    ) -> Result<HashScanPage> {
        self.hash_read(key, |h, now| {
            let mut page = HashScanPage {
                cursor: 0,
                fields: Vec::new(),
            };
            let Some(h) = h else {
                return Ok(page);
            };
            let options = options()?;
            let fields = &mut page.fields;
            match h {
                HashRef::Packed(_) => h.for_each(now, |k, v| {
                    if k.with_bytes(|k| options.matches(k)) {
                        fields.push((k.to_vec(), v.to_vec()));
                    }
                }),
                HashRef::Table(t) => {
                    // Cursors are positions in 32-bit hash space.
                    let Ok(pos) = u32::try_from(cursor) else {
                        return Ok(page);
                    };
                    let next = t.scan(pos, options.count_hint(), now, |k, v| {
                        if options.matches(k) {
                            fields.push((k.to_vec(), v.to_vec()));
                        }
                    });
                    page.cursor = next.map_or(0, u64::from);
                }
            }
            Ok(page)
        })
    }
}

mod random;
#[cfg(test)]
mod tests;
