//! Sets: SADD, SISMEMBER and the rest of Redis 7.0's set commands.
//!
//! A set has one of three encodings:
//!
//! * [`IntSet`] (`intset`) while every member is a canonical decimal `i64`
//!   and there are at most `set_max_intset_entries` of them;
//! * a [`Listpack`] of members (`listpack`, new in Redis 7.2: Redis 7.0
//!   says `hashtable` here) while there are at most
//!   `set_max_listpack_entries` members, none longer than
//!   `set_max_listpack_value` bytes;
//! * a [`SetTable`] (`hashtable`) otherwise.
//!
//! As in Redis 7.0, a new set's encoding comes from its first member and
//! members are added one at a time, each converting the set only when the
//! members it really holds need it (no Redis 7.2 size hint from the number
//! of `SADD` arguments). Conversions only go one way: intset → listpack
//! when a non-integer arrives and the result fits a listpack, intset →
//! hashtable otherwise (also when integers overflow the intset), listpack
//! → hashtable. Sets built whole get the smallest encoding that fits their
//! members: the results of `SINTERSTORE`, `SUNIONSTORE` and `SDIFFSTORE`,
//! and the set that `SPOP` with a count rebuilds from the few members it
//! leaves (Redis 7.0's `spopWithCountCommand` "case 3").
//!
//! The set algebra lives in [`ops`], random picks (`SPOP`, `SRANDMEMBER`)
//! in [`random`].

mod ops;
mod random;

pub(crate) use ops::SetOp;
#[cfg(test)]
mod tests;

use crate::encoding::intset::IntSet;
use crate::encoding::listpack::{Elem, Listpack};
use crate::encoding::settable::SetTable;
use crate::keyspace::Ctx;
use crate::number::parse_i64;
use crate::pubsub::class;
use crate::types::{WithEvent, notify_write, with_byte_slices};
use crate::value::{SetRef, Value, ValueRef};
use crate::{Error, Result, ScanOptions, Store};

/// One page of a [`Store::sscan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetScanPage {
    /// The cursor for the next call; 0 when the iteration is complete.
    pub cursor: u64,
    /// Members of this page.
    pub members: Vec<Vec<u8>>,
}

/// Every member of a set, owned (sorted-set commands read plain sets too).
pub(crate) fn set_members(set: SetRef<'_>) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(set.len().min(1 << 16));
    set.for_each(|m| out.push(m.to_vec()));
    out
}

/// The encoding thresholds of sets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SetLimits {
    pub(crate) intset_entries: usize,
    pub(crate) listpack_entries: usize,
    pub(crate) listpack_value: usize,
}

impl Store {
    pub(crate) fn set_limits(&self) -> SetLimits {
        let s = &self.inner.settings;
        SetLimits {
            intset_entries: s.set_max_intset_entries(),
            listpack_entries: s.set_max_listpack_entries(),
            listpack_value: s.set_max_listpack_value(),
        }
    }
}

/// The offset of `member` in a packed set.
fn lp_find(lp: &Listpack, member: &[u8]) -> Option<usize> {
    let as_int = parse_i64(member);
    let mut at = lp.first()?;
    loop {
        let found = match lp.get(at) {
            Elem::Str(s) => s == member,
            Elem::Int(n) => as_int == Some(n),
        };
        if found {
            return Some(at);
        }
        at = lp.next(at)?;
    }
}

impl<'a> SetRef<'a> {
    /// Number of members.
    pub(crate) fn len(self) -> usize {
        match self {
            SetRef::Ints(s) => s.len(),
            SetRef::Packed(lp) => lp.len(),
            SetRef::Table(t) => t.len(),
        }
    }

    /// Whether `member` is in the set.
    pub(crate) fn contains(self, member: &[u8]) -> bool {
        match self {
            SetRef::Ints(s) => parse_i64(member).is_some_and(|n| s.contains(n)),
            SetRef::Packed(lp) => lp_find(lp, member).is_some(),
            SetRef::Table(t) => t.contains(member),
        }
    }

    /// Whether the member `m` (as read from another set) is in this one.
    pub(crate) fn contains_elem(self, m: Elem<'_>) -> bool {
        match (self, m) {
            (SetRef::Ints(s), Elem::Int(n)) => s.contains(n),
            // A string member of another set may still be a canonical integer.
            _ => m.with_bytes(|b| self.contains(b)),
        }
    }

    /// Runs `f` on every member.
    pub(crate) fn for_each(self, mut f: impl FnMut(Elem<'a>)) {
        match self {
            SetRef::Ints(s) => s.iter().for_each(|n| f(Elem::Int(n))),
            SetRef::Packed(lp) => lp.iter().for_each(f),
            SetRef::Table(t) => t.iter().for_each(|m| f(Elem::Str(m))),
        }
    }
}

/// The set in a slot's value, or WRONGTYPE.
pub(crate) fn as_set(value: ValueRef<'_>) -> Result<SetRef<'_>> {
    match value {
        ValueRef::Set(s) => Ok(s),
        _ => Err(Error::WrongType),
    }
}

/// An empty set for a first member `first`: an intset for an integer, else
/// a listpack (a table when the limits allow neither). Redis 7.0's
/// `setTypeCreate` (which has no listpack sets, so says hashtable where we
/// say listpack); no size hint as Redis 7.2's, so members are then added
/// one by one and the encoding follows what the set really holds.
pub(crate) fn new_set_for(first: &[u8], limits: SetLimits) -> Value {
    if parse_i64(first).is_some() && limits.intset_entries >= 1 {
        Value::SetInts(IntSet::new())
    } else if limits.listpack_entries >= 1 {
        Value::SetPacked(Listpack::new())
    } else {
        Value::Set(Box::default())
    }
}

/// Turns a packed set into a table (no-op for a table).
fn to_table(value: &mut Value) {
    let table = match value {
        Value::SetInts(s) => {
            let mut t = SetTable::new();
            let mut buf = itoa::Buffer::new();
            s.iter().for_each(|n| {
                t.insert(buf.format(n).as_bytes());
            });
            t
        }
        Value::SetPacked(lp) => {
            let mut t = SetTable::new();
            lp.iter().for_each(|m| {
                m.with_bytes(|b| t.insert(b));
            });
            t
        }
        _ => return,
    };
    *value = Value::Set(Box::new(table));
}

/// Number of decimal characters of `n`, sign included.
fn digits(n: i64) -> usize {
    itoa::Buffer::new().format(n).len()
}

/// Adds `member` to the set `value`, converting its encoding when the new
/// member needs it (Redis 7.0's `setTypeAdd`, with Redis 7.2's listpack
/// step in between); returns whether it was new.
pub(crate) fn set_add(value: &mut Value, member: &[u8], limits: SetLimits) -> bool {
    match value {
        Value::SetInts(s) => {
            if let Some(n) = parse_i64(member) {
                let added = s.insert(n);
                if added && s.len() > limits.intset_entries {
                    to_table(value);
                }
                return added;
            }
            let widest = s.min().map_or(0, digits).max(s.max().map_or(0, digits));
            if s.len() < limits.listpack_entries
                && member.len() <= limits.listpack_value
                && widest <= limits.listpack_value
            {
                let mut buf = itoa::Buffer::new();
                let mut lp = Listpack::from_items(s.iter().map(|n| buf.format(n).to_owned()));
                lp.push_back(member);
                *value = Value::SetPacked(lp);
            } else {
                to_table(value);
                table_insert(value, member);
            }
            true
        }
        Value::SetPacked(lp) => {
            if lp_find(lp, member).is_some() {
                return false;
            }
            if lp.len() < limits.listpack_entries && member.len() <= limits.listpack_value {
                lp.push_back(member);
            } else {
                to_table(value);
                table_insert(value, member);
            }
            true
        }
        Value::Set(t) => t.insert(member),
        _ => false,
    }
}

fn table_insert(value: &mut Value, member: &[u8]) {
    if let Value::Set(t) = value {
        t.insert(member);
    }
}

/// Removes `member` from the set `value`; returns whether it was there.
pub(crate) fn set_remove(value: &mut Value, member: &[u8]) -> bool {
    match value {
        Value::SetInts(s) => parse_i64(member).is_some_and(|n| s.remove(n)),
        Value::SetPacked(lp) => match lp_find(lp, member) {
            Some(at) => {
                lp.remove_at(at, 1);
                true
            }
            None => false,
        },
        Value::Set(t) => t.remove(member),
        _ => false,
    }
}

/// Number of members of the set `value` (0 for anything else).
pub(crate) fn set_len(value: &Value) -> usize {
    match value.as_ref() {
        ValueRef::Set(s) => s.len(),
        _ => 0,
    }
}

/// A new set holding `members` (distinct), in the smallest encoding that
/// fits them (the result of the `*STORE` commands, and the set `SPOP` with
/// a count rebuilds).
pub(crate) fn build_set(members: &[Vec<u8>], limits: SetLimits) -> Value {
    let n = members.len();
    if n <= limits.intset_entries {
        let mut ints = IntSet::new();
        let mut all_ints = true;
        for m in members {
            match parse_i64(m) {
                Some(v) => {
                    ints.insert(v);
                }
                None => {
                    all_ints = false;
                    break;
                }
            }
        }
        if all_ints {
            return Value::SetInts(ints);
        }
    }
    if n <= limits.listpack_entries && members.iter().all(|m| m.len() <= limits.listpack_value) {
        return Value::SetPacked(Listpack::from_items(members));
    }
    Value::Set(Box::new(members.iter().map(Vec::as_slice).collect()))
}

impl Store {
    /// Runs `f` on the set at `key` (`None` when missing) under a read lock.
    pub(crate) fn set_read<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(Option<SetRef<'_>>) -> Result<R>,
    ) -> Result<R> {
        self.read_key(key, |slot| match slot {
            None => f(None),
            Some(slot) => f(Some(as_set(slot.value())?)),
        })
    }

    /// Runs `f` on the set at `key` under the write lock. A missing key is
    /// `create()`'s new empty set when given (stored only if `f` left members
    /// in it, with its `new` event), else `f` is not run and `None` is
    /// returned. The event `f` names is published once the change is in; a
    /// set left empty is then deleted (`del`).
    pub(crate) fn set_write<R>(
        &self,
        key: &[u8],
        create: Option<&dyn Fn() -> Value>,
        f: impl FnOnce(&mut Value, &Ctx<'_>) -> Result<WithEvent<R>>,
    ) -> Result<Option<R>> {
        self.write_key_with(
            key,
            create.is_some(),
            |shard, loc, ctx| {
                let Some(index) = shard.find_live(key, loc.hash, ctx) else {
                    let Some(create) = create else {
                        return Ok(None);
                    };
                    let mut value = create();
                    let (result, event) = f(&mut value, ctx)?;
                    if set_len(&value) > 0 {
                        shard.add(key, loc.hash, value, 0, ctx);
                        notify_write(ctx, class::SET, event, key, false);
                    }
                    return Ok(Some(result));
                };
                if let Some(slot) = shard.slot(index) {
                    as_set(slot.value())?;
                }
                let outcome = shard.update(index, |slot| {
                    let value = slot.value_mut().ok_or(Error::WrongType)?;
                    let result = f(value, ctx)?;
                    Ok::<_, Error>((result, set_len(value)))
                });
                let ((result, event), len) = outcome.ok_or(Error::WrongType)??;
                if len == 0 {
                    shard.remove_at(index, loc.hash);
                }
                notify_write(ctx, class::SET, event, key, len == 0);
                Ok(Some(result))
            },
            |_| {},
        )
    }

    /// `SADD key member [member ...]`: adds members; returns how many were
    /// not already there.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value;
    /// [`Error::WrongArity`] without any member.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// assert_eq!(store.sadd("s", ["a", "b", "a"])?, 2);
    /// assert_eq!(store.sadd("s", ["b", "c"])?, 1);
    /// assert_eq!(store.scard("s")?, 3);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn sadd(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        with_byte_slices(members, |members| self.sadd_slices(key.as_ref(), members))
    }

    pub(crate) fn sadd_slices(&self, key: &[u8], members: &[&[u8]]) -> Result<usize> {
        let Some(&first) = members.first() else {
            return Err(Error::WrongArity("sadd".to_owned()));
        };
        let limits = self.set_limits();
        let create = move || new_set_for(first, limits);
        let added = self.set_write(key, Some(&create), |value, ctx| {
            // One member at a time, as Redis 7.0: duplicate arguments never
            // push a set out of its encoding.
            let added = members.iter().filter(|m| set_add(value, m, limits)).count();
            if added > 0 {
                propagate_with(ctx, b"SADD", key, members);
            }
            Ok((added, (added > 0).then_some("sadd")))
        })?;
        Ok(added.unwrap_or(0))
    }

    /// `SREM key member [member ...]`: removes members; returns how many
    /// were there. A set left empty is deleted.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`]; [`Error::WrongArity`] without any member.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("s", ["a", "b"])?;
    /// assert_eq!(store.srem("s", ["a", "z"])?, 1);
    /// assert_eq!(store.srem("s", ["b"])?, 1);
    /// assert_eq!(store.exists(["s"])?, 0);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn srem(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        with_byte_slices(members, |members| self.srem_slices(key.as_ref(), members))
    }

    pub(crate) fn srem_slices(&self, key: &[u8], members: &[&[u8]]) -> Result<usize> {
        if members.is_empty() {
            return Err(Error::WrongArity("srem".to_owned()));
        }
        let removed = self.set_write(key, None, |value, ctx| {
            let mut removed = 0;
            for m in members {
                removed += usize::from(set_remove(value, m));
                if set_len(value) == 0 {
                    break;
                }
            }
            if removed > 0 {
                propagate_with(ctx, b"SREM", key, members);
            }
            Ok((removed, (removed > 0).then_some("srem")))
        })?;
        Ok(removed.unwrap_or(0))
    }

    /// `SMEMBERS key`: every member (an empty vector for a missing key).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("s", ["3", "1", "2"])?;
    /// assert_eq!(store.smembers("s")?, vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn smembers(&self, key: impl AsRef<[u8]>) -> Result<Vec<Vec<u8>>> {
        self.set_read(key.as_ref(), |s| Ok(s.map(set_members).unwrap_or_default()))
    }

    /// `SISMEMBER key member`: whether `member` is in the set.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("s", ["a"])?;
    /// assert!(store.sismember("s", "a")?);
    /// assert!(!store.sismember("s", "b")?);
    /// assert!(!store.sismember("missing", "a")?);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn sismember(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<bool> {
        let member = member.as_ref();
        self.set_read(key.as_ref(), |s| Ok(s.is_some_and(|s| s.contains(member))))
    }

    /// `SMISMEMBER key member [member ...]`: whether each member is in the
    /// set.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("s", ["a", "b"])?;
    /// assert_eq!(store.smismember("s", ["a", "z", "b"])?, vec![true, false, true]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn smismember(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<bool>> {
        let members: Vec<_> = members.into_iter().collect();
        self.set_read(key.as_ref(), |s| {
            Ok(members
                .iter()
                .map(|m| s.is_some_and(|s| s.contains(m.as_ref())))
                .collect())
        })
    }

    /// `SCARD key`: the number of members (0 for a missing key).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("s", ["a", "b"])?;
    /// assert_eq!(store.scard("s")?, 2);
    /// assert_eq!(store.scard("missing")?, 0);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn scard(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.set_read(key.as_ref(), |s| Ok(s.map_or(0, SetRef::len)))
    }

    /// `SSCAN key cursor [MATCH pattern] [COUNT count]`: one page of the
    /// set's members. A packed set (intset or listpack) is returned whole
    /// with cursor 0, as Redis does.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// use kvstore::{ScanOptions, Store};
    ///
    /// let store = Store::new();
    /// store.sadd("s", ["apple", "avocado", "banana"])?;
    /// let mut page = store.sscan("s", 0, &ScanOptions::new().pattern("a*"))?;
    /// page.members.sort();
    /// assert_eq!(page.cursor, 0);
    /// assert_eq!(page.members, vec![b"apple".to_vec(), b"avocado".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn sscan(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        options: &ScanOptions,
    ) -> Result<SetScanPage> {
        self.sscan_generic(key.as_ref(), cursor, || Ok(options.clone()))
    }

    /// SSCAN with Redis's order of checks: a missing key answers an empty
    /// page and a non-set WRONGTYPE before the options (parsed late) are
    /// looked at.
    pub(crate) fn sscan_generic(
        &self,
        key: &[u8],
        cursor: u64,
        options: impl FnOnce() -> Result<ScanOptions>,
    ) -> Result<SetScanPage> {
        self.set_read(key, |s| {
            let mut page = SetScanPage {
                cursor: 0,
                members: Vec::new(),
            };
            let Some(s) = s else {
                return Ok(page);
            };
            let options = options()?;
            let members = &mut page.members;
            match s {
                SetRef::Ints(_) | SetRef::Packed(_) => s.for_each(|m| {
                    m.with_bytes(|b| {
                        if options.matches(b) {
                            members.push(b.to_vec());
                        }
                    });
                }),
                SetRef::Table(t) => {
                    // Cursors are positions in 32-bit hash space.
                    let Ok(pos) = u32::try_from(cursor) else {
                        return Ok(page);
                    };
                    let next = t.scan(pos, options.count_hint(), |m| {
                        if options.matches(m) {
                            members.push(m.to_vec());
                        }
                    });
                    page.cursor = next.map_or(0, u64::from);
                }
            }
            Ok(page)
        })
    }
}

/// Propagates `command key args…` (built only when someone listens).
pub(crate) fn propagate_with(ctx: &Ctx<'_>, command: &[u8], key: &[u8], args: &[&[u8]]) {
    if !ctx.propagating() {
        return;
    }
    let mut argv: Vec<&[u8]> = Vec::with_capacity(2 + args.len());
    argv.extend([command, key]);
    argv.extend_from_slice(args);
    ctx.propagate(&argv);
}
