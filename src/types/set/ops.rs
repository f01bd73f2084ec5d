//! Set algebra: SINTER, SUNION, SDIFF and their STORE forms, SINTERCARD,
//! and SMOVE. Every command locks the shards of all its keys together, so
//! it sees (and writes) one atomic state.

use std::collections::HashSet;

use super::{as_set, build_set, new_set_for, set_add, set_len, set_members, set_remove};
use crate::encoding::listpack::Elem;
use crate::keyspace::{Loc, Ttl};
use crate::pubsub::class;
use crate::types::{Found, Lookup, notify_write, with_byte_slices};
use crate::value::{SetRef, ValueRef};
use crate::{Error, Result, Store};

/// Which set operation a command performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOp {
    Inter,
    Union,
    Diff,
}

impl SetOp {
    fn store_name(self) -> &'static [u8] {
        match self {
            SetOp::Inter => b"SINTERSTORE",
            SetOp::Union => b"SUNIONSTORE",
            SetOp::Diff => b"SDIFFSTORE",
        }
    }

    fn name(self) -> &'static str {
        match self {
            SetOp::Inter => "sinter",
            SetOp::Union => "sunion",
            SetOp::Diff => "sdiff",
        }
    }

    /// The event of the STORE form.
    fn store_event(self) -> &'static str {
        match self {
            SetOp::Inter => "sinterstore",
            SetOp::Union => "sunionstore",
            SetOp::Diff => "sdiffstore",
        }
    }

    /// The members of the result (`None` = a missing key, an empty set).
    fn apply(self, sets: &[Option<SetRef<'_>>]) -> Vec<Vec<u8>> {
        match self {
            SetOp::Inter => {
                let mut out = Vec::new();
                intersect(sets, 0, |m| out.push(m.to_vec()));
                out
            }
            SetOp::Union => union(sets),
            SetOp::Diff => diff(sets),
        }
    }
}

/// Runs `found` on each member of the intersection, stopping after `limit`
/// of them (0 = no limit); returns how many were found.
fn intersect(sets: &[Option<SetRef<'_>>], limit: usize, mut found: impl FnMut(Elem<'_>)) -> usize {
    // An intersection with an empty set is empty.
    let Some(mut sets) = sets.iter().copied().collect::<Option<Vec<SetRef<'_>>>>() else {
        return 0;
    };
    // Walk the smallest set, probing the others (Redis sorts them by size).
    sets.sort_by_key(|s| s.len());
    let Some((&first, rest)) = sets.split_first() else {
        return 0;
    };
    let mut count = 0;
    let mut done = false;
    first.for_each(|m| {
        if done || !rest.iter().all(|s| s.contains_elem(m)) {
            return;
        }
        found(m);
        count += 1;
        done = limit != 0 && count >= limit;
    });
    count
}

fn union(sets: &[Option<SetRef<'_>>]) -> Vec<Vec<u8>> {
    let present: Vec<SetRef<'_>> = sets.iter().flatten().copied().collect();
    if let [only] = present.as_slice() {
        return set_members(*only);
    }
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    for s in present {
        s.for_each(|m| {
            m.with_bytes(|b| {
                if !seen.contains(b) {
                    seen.insert(b.to_vec());
                }
            });
        });
    }
    seen.into_iter().collect()
}

fn diff(sets: &[Option<SetRef<'_>>]) -> Vec<Vec<u8>> {
    let Some((Some(first), rest)) = sets.split_first() else {
        return Vec::new();
    };
    let others: Vec<SetRef<'_>> = rest.iter().flatten().copied().collect();
    let mut out = Vec::new();
    first.for_each(|m| {
        if !others.iter().any(|s| s.contains_elem(m)) {
            out.push(m.to_vec());
        }
    });
    out
}

impl Store {
    /// Runs `f` on the sets at `keys` (`None` for missing keys) with all
    /// their shards read-locked together. A key holding another kind of
    /// value fails the command with WRONGTYPE, and the keys after it are not
    /// looked at, as in Redis. Keys found expired are reclaimed afterwards,
    /// and missing ones reported (`keymiss`).
    pub(crate) fn with_sets<R>(
        &self,
        keys: &[&[u8]],
        f: impl FnOnce(&[Option<SetRef<'_>>]) -> R,
    ) -> Result<R> {
        let keyspace = &self.inner.keyspace;
        let locs: Vec<Loc> = keys.iter().map(|k| keyspace.locate(k)).collect();
        let ctx = self.ctx();
        let report_misses = ctx.notifies(class::KEY_MISS);
        let guards = keyspace.read_many(locs.iter().map(|l| l.shard));
        let mut missed = Vec::new();
        let mut sets = Vec::with_capacity(keys.len());
        let mut wrong_type = false;
        for (&k, loc) in keys.iter().zip(&locs) {
            match guards.shard(loc.shard).lookup(k, loc.hash, &ctx) {
                Lookup::Live(slot) => match slot.value() {
                    ValueRef::Set(s) => sets.push(Some(s)),
                    _ => {
                        wrong_type = true;
                        break;
                    }
                },
                Lookup::Absent => {
                    if report_misses {
                        missed.push((*loc, k, Found::Absent));
                    }
                    sets.push(None);
                }
                Lookup::Expired => {
                    missed.push((*loc, k, Found::Expired));
                    sets.push(None);
                }
            }
        }
        let result = if wrong_type {
            Err(Error::WrongType)
        } else {
            Ok(f(&sets))
        };
        drop(sets);
        drop(guards);
        self.after_lookups(&ctx, &missed);
        result
    }

    fn set_op(&self, op: SetOp, keys: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
        if keys.is_empty() {
            return Err(Error::WrongArity(op.name().to_owned()));
        }
        self.with_sets(keys, |sets| op.apply(sets))
    }

    /// Stores the result of `op` on `keys` at `destination` (overwriting it
    /// whatever it held, without a time to live; deleting it when the result
    /// is empty) and propagates the command as given, as Redis does.
    pub(crate) fn set_op_store(
        &self,
        op: SetOp,
        destination: &[u8],
        keys: &[&[u8]],
    ) -> Result<usize> {
        if keys.is_empty() {
            return Err(Error::WrongArity(format!("{}store", op.name())));
        }
        let limits = self.set_limits();
        let keyspace = &self.inner.keyspace;
        let dloc = keyspace.locate(destination);
        let locs: Vec<Loc> = keys.iter().map(|k| keyspace.locate(k)).collect();
        self.write_gated(|| {
            let ctx = self.ctx();
            let mut guards = keyspace.write_many(locs.iter().chain([&dloc]).map(|l| l.shard));
            // Redis reads the sources one by one (`lookupKeyRead`): expired
            // ones are reclaimed (propagating their DEL), missing ones
            // reported, and the first of another kind stops the command.
            // The lookups below then see live keys only.
            for (&k, loc) in keys.iter().zip(&locs) {
                let shard = guards.shard_mut(loc.shard);
                match shard.find_live(k, loc.hash, &ctx) {
                    Some(i) => {
                        if let Some(slot) = shard.slot(i) {
                            as_set(slot.value())?;
                        }
                    }
                    None => ctx.notify(class::KEY_MISS, "keymiss", k),
                }
            }
            let members = {
                let mut sets = Vec::with_capacity(keys.len());
                for (&k, loc) in keys.iter().zip(&locs) {
                    match guards.shard(loc.shard).get(k, loc.hash, &ctx) {
                        Some(slot) => sets.push(Some(as_set(slot.value())?)),
                        None => sets.push(None),
                    }
                }
                op.apply(&sets)
            };
            let shard = guards.shard_mut(dloc.shard);
            let changed = if members.is_empty() {
                // Redis's dbDelete: an expired destination goes too, as a
                // plain `del`.
                let deleted = shard.remove_key(destination, dloc.hash);
                notify_write(&ctx, class::SET, None, destination, deleted);
                deleted
            } else {
                let index = shard.find_live(destination, dloc.hash, &ctx);
                let value = build_set(&members, limits);
                shard.put(destination, dloc.hash, index, value, 0, Ttl::Clear, &ctx);
                ctx.notify(class::SET, op.store_event(), destination);
                true
            };
            if changed && ctx.propagating() {
                let mut argv: Vec<&[u8]> = Vec::with_capacity(2 + keys.len());
                argv.extend([op.store_name(), destination]);
                argv.extend_from_slice(keys);
                ctx.propagate(&argv);
            }
            Ok(members.len())
        })
    }

    /// `SINTER key [key ...]`: the members present in every set (a missing
    /// key is an empty set).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if any key holds another kind of value;
    /// [`Error::WrongArity`] without keys.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("a", ["1", "2", "3"])?;
    /// store.sadd("b", ["2", "3", "4"])?;
    /// let mut both = store.sinter(["a", "b"])?;
    /// both.sort();
    /// assert_eq!(both, vec![b"2".to_vec(), b"3".to_vec()]);
    /// assert!(store.sinter(["a", "missing"])?.is_empty());
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn sinter(&self, keys: impl IntoIterator<Item = impl AsRef<[u8]>>) -> Result<Vec<Vec<u8>>> {
        with_byte_slices(keys, |keys| self.set_op(SetOp::Inter, keys))
    }

    /// `SINTERCARD numkeys key [key ...] [LIMIT limit]`: the size of the
    /// intersection, counting no further than `limit` (0 = no limit).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`]; [`Error::NumkeysNotPositive`] without keys.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("a", ["1", "2", "3"])?;
    /// store.sadd("b", ["1", "2", "3", "4"])?;
    /// assert_eq!(store.sintercard(["a", "b"], 0)?, 3);
    /// assert_eq!(store.sintercard(["a", "b"], 2)?, 2);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn sintercard(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        limit: usize,
    ) -> Result<usize> {
        with_byte_slices(keys, |keys| {
            if keys.is_empty() {
                return Err(Error::NumkeysNotPositive);
            }
            self.with_sets(keys, |sets| intersect(sets, limit, |_| {}))
        })
    }

    /// `SUNION key [key ...]`: the members of any of the sets.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`]; [`Error::WrongArity`] without keys.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("a", ["1", "2"])?;
    /// store.sadd("b", ["2", "x"])?;
    /// let mut all = store.sunion(["a", "b", "missing"])?;
    /// all.sort();
    /// assert_eq!(all, vec![b"1".to_vec(), b"2".to_vec(), b"x".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn sunion(&self, keys: impl IntoIterator<Item = impl AsRef<[u8]>>) -> Result<Vec<Vec<u8>>> {
        with_byte_slices(keys, |keys| self.set_op(SetOp::Union, keys))
    }

    /// `SDIFF key [key ...]`: the members of the first set that are in none
    /// of the others.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`]; [`Error::WrongArity`] without keys.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("a", ["1", "2", "3"])?;
    /// store.sadd("b", ["2"])?;
    /// let mut only_a = store.sdiff(["a", "b"])?;
    /// only_a.sort();
    /// assert_eq!(only_a, vec![b"1".to_vec(), b"3".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn sdiff(&self, keys: impl IntoIterator<Item = impl AsRef<[u8]>>) -> Result<Vec<Vec<u8>>> {
        with_byte_slices(keys, |keys| self.set_op(SetOp::Diff, keys))
    }

    /// `SINTERSTORE destination key [key ...]`: stores the intersection at
    /// `destination` (deleting it when empty, clearing any time to live);
    /// returns its size.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if a source key holds another kind of value (the
    /// destination's kind does not matter); [`Error::WrongArity`] without
    /// keys.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("a", ["1", "2"])?;
    /// store.sadd("b", ["2", "3"])?;
    /// assert_eq!(store.sinterstore("dst", ["a", "b"])?, 1);
    /// assert_eq!(store.smembers("dst")?, vec![b"2".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn sinterstore(
        &self,
        destination: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        with_byte_slices(keys, |keys| {
            self.set_op_store(SetOp::Inter, destination.as_ref(), keys)
        })
    }

    /// `SUNIONSTORE destination key [key ...]`: stores the union at
    /// `destination`; returns its size.
    ///
    /// # Errors
    ///
    /// As [`Store::sinterstore`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("a", ["1"])?;
    /// store.sadd("b", ["2"])?;
    /// assert_eq!(store.sunionstore("dst", ["a", "b"])?, 2);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn sunionstore(
        &self,
        destination: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        with_byte_slices(keys, |keys| {
            self.set_op_store(SetOp::Union, destination.as_ref(), keys)
        })
    }

    /// `SDIFFSTORE destination key [key ...]`: stores the difference at
    /// `destination`; returns its size.
    ///
    /// # Errors
    ///
    /// As [`Store::sinterstore`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("a", ["1", "2"])?;
    /// store.sadd("b", ["2"])?;
    /// assert_eq!(store.sdiffstore("dst", ["a", "b"])?, 1);
    /// assert_eq!(store.sdiffstore("dst", ["b", "a"])?, 0);
    /// assert_eq!(store.exists(["dst"])?, 0);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn sdiffstore(
        &self,
        destination: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        with_byte_slices(keys, |keys| {
            self.set_op_store(SetOp::Diff, destination.as_ref(), keys)
        })
    }

    /// `SMOVE source destination member`: moves `member` from one set to
    /// another; returns whether it was in `source`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `source` holds another kind of value, or if
    /// `source` exists and `destination` holds another kind (a missing
    /// `source` answers `false` first, as Redis does).
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("from", ["a", "b"])?;
    /// assert!(store.smove("from", "to", "a")?);
    /// assert!(!store.smove("from", "to", "zz")?);
    /// assert_eq!(store.smembers("to")?, vec![b"a".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn smove(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<bool> {
        let (src, dst, member) = (source.as_ref(), destination.as_ref(), member.as_ref());
        let limits = self.set_limits();
        let keyspace = &self.inner.keyspace;
        let (sloc, dloc) = (keyspace.locate(src), keyspace.locate(dst));
        self.write_gated_shrinking(|| {
            let ctx = self.ctx();
            let mut guards = keyspace.write_many([sloc.shard, dloc.shard]);
            // Reclaim expired keys first: indexes stay valid only until a change.
            guards.shard_mut(sloc.shard).find_live(src, sloc.hash, &ctx);
            guards.shard_mut(dloc.shard).find_live(dst, dloc.hash, &ctx);
            let Some(sslot) = guards.shard(sloc.shard).get(src, sloc.hash, &ctx) else {
                return Ok(false);
            };
            let source_set = as_set(sslot.value())?;
            if let Some(dslot) = guards.shard(dloc.shard).get(dst, dloc.hash, &ctx) {
                as_set(dslot.value())?;
            }
            if src == dst {
                return Ok(source_set.contains(member));
            }
            // Remove from the source, deleting it when emptied.
            let sshard = guards.shard_mut(sloc.shard);
            let Some(si) = sshard.find_live(src, sloc.hash, &ctx) else {
                return Ok(false);
            };
            let removed = sshard.update(si, |slot| {
                slot.value_mut()
                    .map(|v| (set_remove(v, member), set_len(v)))
            });
            let Some(Some((true, left))) = removed else {
                return Ok(false);
            };
            if left == 0 {
                sshard.remove_at(si, sloc.hash);
            }
            notify_write(&ctx, class::SET, Some("srem"), src, left == 0);
            // Add to the destination, creating it when missing.
            let dshard = guards.shard_mut(dloc.shard);
            let added = match dshard.find_live(dst, dloc.hash, &ctx) {
                Some(di) => dshard
                    .update(di, |slot| {
                        slot.value_mut().map(|v| set_add(v, member, limits))
                    })
                    .flatten()
                    .unwrap_or(false),
                None => {
                    let mut value = new_set_for(member, limits);
                    set_add(&mut value, member, limits);
                    dshard.add(dst, dloc.hash, value, 0, &ctx);
                    true
                }
            };
            if added {
                ctx.notify(class::SET, "sadd", dst);
            }
            ctx.propagate(&[b"SMOVE", src, dst, member]);
            Ok(true)
        })
    }
}
