//! Hash field expiry, as Redis 7.4 defines it: HEXPIRE, HPEXPIRE,
//! HEXPIREAT, HPEXPIREAT, HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME, HPERSIST,
//! and the active reclaiming of expired fields.
//!
//! Departures from Redis 7.4, by design:
//! * A packed hash that gets a field deadline becomes a `hashtable` (Redis
//!   7.4 has a third encoding, `listpackex`, for small hashes with TTLs).
//! * An expired field is invisible to every command, `HLEN`, `HRANDFIELD`
//!   and `HSCAN` included (see [`hash`](super::hash)).
//!
//! Every setting form propagates as `HPEXPIREAT key <unix ms> FIELDS n
//! field…` naming only the fields whose deadline was set; fields deleted
//! because the time was already past propagate as `HDEL`; `HPERSIST`
//! propagates with the fields it persisted.

use crate::encoding::hashtable::HashTable;
use crate::keyspace::table::Bucket;
use crate::keyspace::{Ctx, Shard};
use crate::pubsub::class;
use crate::types::generic::ExpireCondition;
use crate::types::hash::{as_hash, hash_remove, lp_find, reclaim_field, stored_len, to_table};
use crate::types::notify_write;
use crate::value::{HashRef, Value};
use crate::{Error, Result, Store};

/// Largest deadline a field may get (Redis 7.4's `HFE_MAX_ABS_TIME_MSEC`,
/// 2⁴⁶ − 1 ms, about the year 4199).
pub const HASH_FIELD_MAX_DEADLINE_MS: i64 = (1 << 46) - 1;

/// Reply codes of the HEXPIRE family, per field.
const NO_FIELD: i64 = -2;
const NOT_SET: i64 = 0;
const SET: i64 = 1;
const DELETED: i64 = 2;
/// HTTL / HPERSIST: the field has no time to live.
const NO_TTL: i64 = -1;

/// How an HEXPIRE-family time is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldTime {
    /// Seconds from now (`HEXPIRE`).
    Seconds,
    /// Milliseconds from now (`HPEXPIRE`).
    Milliseconds,
    /// Unix time in seconds (`HEXPIREAT`).
    UnixSeconds,
    /// Unix time in milliseconds (`HPEXPIREAT`).
    UnixMilliseconds,
}

impl FieldTime {
    /// The absolute deadline, with Redis 7.4's checks.
    pub(crate) fn deadline(self, when: i64, now: i64, command: &'static str) -> Result<i64> {
        if when < 0 {
            return Err(Error::HashExpireNegative);
        }
        let invalid = Error::InvalidExpireTime(command);
        let ms = match self {
            FieldTime::Seconds | FieldTime::UnixSeconds => {
                if when > HASH_FIELD_MAX_DEADLINE_MS / 1000 {
                    return Err(invalid);
                }
                when * 1000
            }
            FieldTime::Milliseconds | FieldTime::UnixMilliseconds => when,
        };
        let base = match self {
            FieldTime::Seconds | FieldTime::Milliseconds => now,
            FieldTime::UnixSeconds | FieldTime::UnixMilliseconds => 0,
        };
        if ms > HASH_FIELD_MAX_DEADLINE_MS.saturating_sub(base) {
            return Err(invalid);
        }
        Ok(ms + base)
    }

    fn command(self) -> &'static str {
        match self {
            FieldTime::Seconds => "hexpire",
            FieldTime::Milliseconds => "hpexpire",
            FieldTime::UnixSeconds => "hexpireat",
            FieldTime::UnixMilliseconds => "hpexpireat",
        }
    }
}

/// What HTTL-family commands report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TtlKind {
    /// Seconds left, rounded up (`HTTL`).
    Seconds,
    /// Milliseconds left (`HPTTL`).
    Milliseconds,
    /// Unix time in seconds, rounded up (`HEXPIRETIME`).
    UnixSeconds,
    /// Unix time in milliseconds (`HPEXPIRETIME`).
    UnixMilliseconds,
}

/// Arguments of an HEXPIRE-family command, parsed once the key's type is
/// known (Redis checks WRONGTYPE first): deadline, condition, fields.
pub(crate) type ExpireArgs<'a> = (i64, ExpireCondition, Vec<&'a [u8]>);

fn owned_fields<'a>(fields: &'a [impl AsRef<[u8]> + 'a]) -> Result<Vec<&'a [u8]>> {
    if fields.is_empty() {
        return Err(Error::HashNumFieldsNotPositive);
    }
    Ok(fields.iter().map(AsRef::as_ref).collect())
}

impl Store {
    /// `HEXPIRE key seconds [NX|XX|GT|LT] FIELDS n field…`: sets the fields'
    /// time to live. Per field: 1 set, 0 refused by the condition, 2 deleted
    /// (the time is not in the future), -2 no such field.
    ///
    /// # Errors
    ///
    /// [`Error::HashExpireNegative`], [`Error::InvalidExpireTime`] (past
    /// [`HASH_FIELD_MAX_DEADLINE_MS`]), [`Error::HashNumFieldsNotPositive`]
    /// without fields, the condition's conflicts, [`Error::WrongType`].
    ///
    /// ```
    /// use kvstore::{ExpireCondition, Store};
    ///
    /// let store = Store::new();
    /// store.hset("session", [("token", "t"), ("user", "u")])?;
    /// assert_eq!(store.hexpire("session", 60, None, ["token", "nope"])?, [1, -2]);
    /// assert_eq!(store.hexpire("session", 30, Some(ExpireCondition::new().gt()), ["token"])?, [0]);
    /// assert_eq!(store.httl("session", ["token", "user"])?, [60, -1]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn hexpire(
        &self,
        key: impl AsRef<[u8]>,
        seconds: i64,
        condition: Option<ExpireCondition>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<i64>> {
        self.hexpire_typed(key.as_ref(), seconds, FieldTime::Seconds, condition, fields)
    }

    /// `HPEXPIRE key milliseconds [NX|XX|GT|LT] FIELDS n field…`.
    ///
    /// # Errors
    ///
    /// As [`Store::hexpire`].
    pub fn hpexpire(
        &self,
        key: impl AsRef<[u8]>,
        milliseconds: i64,
        condition: Option<ExpireCondition>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<i64>> {
        let unit = FieldTime::Milliseconds;
        self.hexpire_typed(key.as_ref(), milliseconds, unit, condition, fields)
    }

    /// `HEXPIREAT key unix-time-seconds [NX|XX|GT|LT] FIELDS n field…`.
    ///
    /// # Errors
    ///
    /// As [`Store::hexpire`].
    pub fn hexpireat(
        &self,
        key: impl AsRef<[u8]>,
        unix_seconds: i64,
        condition: Option<ExpireCondition>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<i64>> {
        let unit = FieldTime::UnixSeconds;
        self.hexpire_typed(key.as_ref(), unix_seconds, unit, condition, fields)
    }

    /// `HPEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT] FIELDS n field…`.
    ///
    /// # Errors
    ///
    /// As [`Store::hexpire`].
    pub fn hpexpireat(
        &self,
        key: impl AsRef<[u8]>,
        unix_milliseconds: i64,
        condition: Option<ExpireCondition>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<i64>> {
        let unit = FieldTime::UnixMilliseconds;
        self.hexpire_typed(key.as_ref(), unix_milliseconds, unit, condition, fields)
    }

    fn hexpire_typed(
        &self,
        key: &[u8],
        when: i64,
        unit: FieldTime,
        condition: Option<ExpireCondition>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<i64>> {
        let fields: Vec<_> = fields.into_iter().collect();
        let condition = condition.unwrap_or_default();
        self.hexpire_generic(key, |now| {
            let at = unit.deadline(when, now, unit.command())?;
            condition.validate()?;
            Ok((at, condition, owned_fields(&fields)?))
        })
    }

    /// The HEXPIRE family: `args` parses the command's arguments against the
    /// command's time once the key's type was checked.
    pub(crate) fn hexpire_generic<'a>(
        &self,
        key: &[u8],
        args: impl FnOnce(i64) -> Result<ExpireArgs<'a>>,
    ) -> Result<Vec<i64>> {
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let index = shard.find_live(key, loc.hash, ctx);
            if let Some(slot) = index.and_then(|i| shard.slot(i)) {
                as_hash(slot.value())?;
            }
            let (at, condition, fields) = args(ctx.now())?;
            let Some(index) = index else {
                return Ok(vec![NO_FIELD; fields.len()]);
            };
            let outcome = shard.update(index, |slot| {
                let value = slot.value_mut().ok_or(Error::WrongType)?;
                let codes = expire_fields(value, key, at, condition, &fields, ctx);
                let min = match value {
                    Value::Hash(t) => t.min_deadline(),
                    _ => None,
                };
                Ok::<_, Error>((codes, stored_len(value), min))
            });
            let (codes, len, min) = outcome.ok_or(Error::WrongType)??;
            if len == 0 {
                shard.remove_at(index, loc.hash);
            } else if let Some(min) = min {
                shard.note_hash_ttl(key, loc.hash, min);
            }
            // Redis 7.4: `hdel` when a time in the past deleted fields,
            // else `hexpire` when deadlines were set; `del` with the last
            // field.
            let event = if codes.contains(&DELETED) {
                Some("hdel")
            } else if codes.contains(&SET) {
                Some("hexpire")
            } else {
                None
            };
            notify_write(ctx, class::HASH, event, key, len == 0);
            Ok(codes)
        })
    }

    /// `HTTL key FIELDS n field…`: seconds each field has left (rounded up,
    /// as Redis 7.4), -1 without a time to live, -2 no such field.
    ///
    /// # Errors
    ///
    /// [`Error::HashNumFieldsNotPositive`] without fields;
    /// [`Error::WrongType`].
    pub fn httl(
        &self,
        key: impl AsRef<[u8]>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<i64>> {
        self.httl_typed(key.as_ref(), fields, TtlKind::Seconds)
    }

    /// `HPTTL key FIELDS n field…`: as [`Store::httl`] in milliseconds.
    ///
    /// # Errors
    ///
    /// As [`Store::httl`].
    pub fn hpttl(
        &self,
        key: impl AsRef<[u8]>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<i64>> {
        self.httl_typed(key.as_ref(), fields, TtlKind::Milliseconds)
    }

    /// `HEXPIRETIME key FIELDS n field…`: each field's deadline as a Unix
    /// time in seconds, -1 without one, -2 no such field.
    ///
    /// # Errors
    ///
    /// As [`Store::httl`].
    pub fn hexpiretime(
        &self,
        key: impl AsRef<[u8]>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<i64>> {
        self.httl_typed(key.as_ref(), fields, TtlKind::UnixSeconds)
    }

    /// `HPEXPIRETIME key FIELDS n field…`: as [`Store::hexpiretime`] in
    /// milliseconds.
    ///
    /// # Errors
    ///
    /// As [`Store::httl`].
    pub fn hpexpiretime(
        &self,
        key: impl AsRef<[u8]>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<i64>> {
        self.httl_typed(key.as_ref(), fields, TtlKind::UnixMilliseconds)
    }

    fn httl_typed(
        &self,
        key: &[u8],
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
        kind: TtlKind,
    ) -> Result<Vec<i64>> {
        let fields: Vec<_> = fields.into_iter().collect();
        self.httl_generic(key, kind, || owned_fields(&fields))
    }

    /// The HTTL family; `fields` parses the fields once the type is checked.
    pub(crate) fn httl_generic<'a>(
        &self,
        key: &[u8],
        kind: TtlKind,
        fields: impl FnOnce() -> Result<Vec<&'a [u8]>>,
    ) -> Result<Vec<i64>> {
        self.hash_read(key, |h, now| {
            let fields = fields()?;
            Ok(fields
                .iter()
                .map(|f| match h {
                    None => NO_FIELD,
                    Some(h) => field_ttl(h, f, now, kind),
                })
                .collect())
        })
    }

    /// `HPERSIST key FIELDS n field…`: removes the fields' time to live. Per
    /// field: 1 removed, -1 had none, -2 no such field.
    ///
    /// # Errors
    ///
    /// As [`Store::httl`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.hset("h", [("f", "v")])?;
    /// store.hpexpire("h", 5000, None, ["f"])?;
    /// assert_eq!(store.hpersist("h", ["f", "f", "g"])?, [1, -1, -2]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn hpersist(
        &self,
        key: impl AsRef<[u8]>,
        fields: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<i64>> {
        let fields: Vec<_> = fields.into_iter().collect();
        self.hpersist_generic(key.as_ref(), || owned_fields(&fields))
    }

    /// HPERSIST; `fields` parses the fields once the type is checked.
    pub(crate) fn hpersist_generic<'a>(
        &self,
        key: &[u8],
        fields: impl FnOnce() -> Result<Vec<&'a [u8]>>,
    ) -> Result<Vec<i64>> {
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let index = shard.find_live(key, loc.hash, ctx);
            if let Some(slot) = index.and_then(|i| shard.slot(i)) {
                as_hash(slot.value())?;
            }
            let fields = fields()?;
            let Some(index) = index else {
                return Ok(vec![NO_FIELD; fields.len()]);
            };
            let outcome = shard.update(index, |slot| {
                let value = slot.value_mut().ok_or(Error::WrongType)?;
                let codes = persist_fields(value, key, &fields, ctx);
                Ok::<_, Error>((codes, stored_len(value)))
            });
            let (codes, len) = outcome.ok_or(Error::WrongType)??;
            if len == 0 {
                shard.remove_at(index, loc.hash);
            }
            let event = codes.contains(&SET).then_some("hpersist");
            notify_write(ctx, class::HASH, event, key, len == 0);
            Ok(codes)
        })
    }
}

/// HEXPIRE on one hash: the reply codes; propagates what changed.
fn expire_fields(
    value: &mut Value,
    key: &[u8],
    at: i64,
    condition: ExpireCondition,
    fields: &[&[u8]],
    ctx: &Ctx<'_>,
) -> Vec<i64> {
    let now = ctx.now();
    let mut set: Vec<&[u8]> = Vec::new();
    let mut deleted: Vec<&[u8]> = Vec::new();
    let codes = fields
        .iter()
        .map(|&field| {
            reclaim_field(value, key, field, ctx);
            let (exists, current) = match &*value {
                Value::HashPacked(lp) => (lp_find(lp, field).is_some(), None),
                Value::Hash(t) => (t.get(field).is_some(), t.deadline(field)),
                _ => (false, None),
            };
            if !exists {
                return NO_FIELD;
            }
            if !condition.allows(current, at) {
                return NOT_SET;
            }
            if at <= now {
                hash_remove(value, field);
                deleted.push(field);
                return DELETED;
            }
            if let Some(t) = to_table(value) {
                t.set_deadline(field, Some(at));
            }
            set.push(field);
            SET
        })
        .collect();
    if ctx.propagating() {
        if !set.is_empty() {
            let mut at_buf = itoa::Buffer::new();
            let mut n_buf = itoa::Buffer::new();
            let mut argv: Vec<&[u8]> = vec![
                b"HPEXPIREAT",
                key,
                at_buf.format(at).as_bytes(),
                b"FIELDS",
                n_buf.format(set.len()).as_bytes(),
            ];
            argv.extend(set.iter().copied());
            ctx.propagate(&argv);
        }
        if !deleted.is_empty() {
            let mut argv: Vec<&[u8]> = vec![b"HDEL", key];
            argv.extend(deleted.iter().copied());
            ctx.propagate(&argv);
        }
    }
    codes
}

/// HPERSIST on one hash: the reply codes; propagates what changed.
fn persist_fields(value: &mut Value, key: &[u8], fields: &[&[u8]], ctx: &Ctx<'_>) -> Vec<i64> {
    let mut persisted: Vec<&[u8]> = Vec::new();
    let codes = fields
        .iter()
        .map(|&field| {
            reclaim_field(value, key, field, ctx);
            match value {
                Value::HashPacked(lp) if lp_find(lp, field).is_some() => NO_TTL,
                Value::Hash(t) if t.get(field).is_some() => {
                    if t.deadline(field).is_none() {
                        return NO_TTL;
                    }
                    t.set_deadline(field, None);
                    persisted.push(field);
                    SET
                }
                _ => NO_FIELD,
            }
        })
        .collect();
    if !persisted.is_empty() && ctx.propagating() {
        let mut n_buf = itoa::Buffer::new();
        let mut argv: Vec<&[u8]> = vec![
            b"HPERSIST",
            key,
            b"FIELDS",
            n_buf.format(persisted.len()).as_bytes(),
        ];
        argv.extend(persisted.iter().copied());
        ctx.propagate(&argv);
    }
    codes
}

/// One field's HTTL-family answer.
fn field_ttl(h: HashRef<'_>, field: &[u8], now: i64, kind: TtlKind) -> i64 {
    let deadline = match h {
        HashRef::Packed(lp) => {
            return if lp_find(lp, field).is_some() {
                NO_TTL
            } else {
                NO_FIELD
            };
        }
        HashRef::Table(t) => {
            if t.get(field).is_none() {
                return NO_FIELD;
            }
            t.deadline(field)
        }
    };
    let Some(at) = deadline else {
        return NO_TTL;
    };
    if at < now {
        return NO_FIELD;
    }
    match kind {
        TtlKind::Seconds => (at - now + 999) / 1000,
        TtlKind::Milliseconds => at - now,
        TtlKind::UnixSeconds => (at + 999) / 1000,
        TtlKind::UnixMilliseconds => at,
    }
}

/// Hash field deadlines reclaimed per key per visit, at most (positions of
/// the deadline table walked).
const FIELD_WALK: usize = 256;

/// Active field expiry for one shard: visits up to `max_keys` due entries of
/// the shard's field-TTL index from position `pos`, deleting their expired
/// fields (propagating `HDEL key field…`, and deleting a hash left empty)
/// and dropping stale entries. Returns (entries visited, fields deleted).
pub(crate) fn reclaim_hash_fields(
    shard: &mut Shard,
    ctx: &Ctx<'_>,
    pos: &mut usize,
    max_keys: usize,
) -> (usize, usize) {
    let index = shard.hash_ttls();
    let positions = index.positions();
    if index.len() == 0 || positions == 0 {
        return (0, 0);
    }
    let now = ctx.now();
    let mut visited = 0;
    let mut due: Vec<Vec<u8>> = Vec::new();
    let mut walked = 0;
    while visited < max_keys.min(index.len()) && walked < max_keys.saturating_mul(8) {
        let i = *pos % positions;
        *pos = i + 1;
        walked += 1;
        if let Some(e) = index.get(i) {
            visited += 1;
            if e.at() < now {
                due.push(e.key().to_vec());
            }
        }
    }
    let mut deleted = 0;
    for key in due {
        deleted += reclaim_key(shard, &key, ctx);
    }
    (visited, deleted)
}

/// Reclaims the due fields of one indexed key; returns how many.
fn reclaim_key(shard: &mut Shard, key: &[u8], ctx: &Ctx<'_>) -> usize {
    let hash = shard.hash(key);
    let now = ctx.now();
    let Some(index) = shard.find_live(key, hash, ctx) else {
        shard.set_hash_ttl(key, hash, None);
        return 0;
    };
    let outcome = shard.update(index, |slot| {
        let Some(Value::Hash(table)) = slot.value_mut() else {
            return None;
        };
        let n = reclaim_table(table, key, now, ctx);
        Some((n, table.len(), table.min_deadline()))
    });
    let Some((n, len, min)) = outcome.flatten() else {
        // Overwritten by another kind of value: a stale entry.
        shard.set_hash_ttl(key, hash, None);
        return 0;
    };
    if len == 0 {
        shard.remove_at(index, hash);
    }
    // Redis 7.4: one `hexpired` per hash and round, then `del` with the
    // last field.
    if n > 0 {
        notify_write(ctx, class::HASH, Some("hexpired"), key, len == 0);
    }
    let keep = min.filter(|_| len > 0);
    shard.set_hash_ttl(key, hash, keep);
    n
}

/// Deletes the due fields found by one bounded walk; propagates them as one
/// `HDEL`.
fn reclaim_table(table: &mut HashTable, key: &[u8], now: i64, ctx: &Ctx<'_>) -> usize {
    let due = table.due_fields(now, FIELD_WALK);
    for f in &due {
        table.remove(f);
    }
    if !due.is_empty() && ctx.propagating() {
        let mut argv: Vec<&[u8]> = vec![b"HDEL", key];
        argv.extend(due.iter().map(Vec::as_slice));
        ctx.propagate(&argv);
    }
    due.len()
}
