//! Commands on keys of any kind: DEL, EXISTS, TYPE, RENAME, COPY, KEYS,
//! SCAN, DBSIZE, FLUSHDB, RANDOMKEY, TOUCH and OBJECT ENCODING (Redis's
//! `db.c` commands); the EXPIRE family, PERSIST and TTL are in
//! [`ttl`](super::ttl).

use crate::glob::glob_match;
use crate::keyspace::Loc;
use crate::keyspace::entry::FLAG_RAW;
use crate::keyspace::table::Bucket;
use crate::pubsub::class;
use crate::types::Lookup;
use crate::value::{ValueRef, ValueType, encoding_name};
use crate::{Error, Result, Store, rand};

pub use super::ttl::ExpireCondition;
pub(crate) use super::ttl::ExpireUnit;

/// What `SCAN … TYPE` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeFilter {
    Only(ValueType),
    /// An unknown type name: Redis 7.0 then returns no keys at all.
    Nothing,
}

/// Options of [`Store::scan`]: `MATCH`, `COUNT`, `TYPE`.
///
/// ```
/// use kvstore::{ScanOptions, Store};
///
/// let store = Store::new();
/// store.mset([("user:1", "a"), ("user:2", "b"), ("order:1", "c")])?;
/// let mut cursor = 0;
/// let mut users = Vec::new();
/// loop {
///     let page = store.scan(cursor, &ScanOptions::new().pattern("user:*").count(100))?;
///     users.extend(page.keys);
///     cursor = page.cursor;
///     if cursor == 0 {
///         break;
///     }
/// }
/// users.sort();
/// assert_eq!(users, [b"user:1".to_vec(), b"user:2".to_vec()]);
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct ScanOptions {
    pattern: Option<Vec<u8>>,
    count: usize,
    type_filter: Option<TypeFilter>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            pattern: None,
            count: 10,
            type_filter: None,
        }
    }
}

impl ScanOptions {
    /// All keys, about 10 per call (Redis's default `COUNT`).
    pub fn new() -> Self {
        ScanOptions::default()
    }

    /// `MATCH pattern`: only keys matching the glob-style pattern.
    pub fn pattern(mut self, pattern: impl AsRef<[u8]>) -> Self {
        let p = pattern.as_ref();
        // "*" matches everything, including the empty key (Redis skips it).
        self.pattern = (p != b"*").then(|| p.to_vec());
        self
    }

    /// `COUNT n`: how much work one call does (at least 1). A hint, as in
    /// Redis: a call may return more or fewer keys.
    pub fn count(mut self, count: usize) -> Self {
        self.count = count.max(1);
        self
    }

    /// `TYPE type`: only keys holding this kind of value.
    pub fn value_type(mut self, kind: ValueType) -> Self {
        self.type_filter = Some(TypeFilter::Only(kind));
        self
    }

    /// `TYPE name` as the command gives it: an unknown name matches nothing.
    pub(crate) fn type_name(mut self, name: &[u8]) -> Self {
        // Redis compares with strcasecmp: the name ends at a NUL byte.
        let name = name.split(|&b| b == 0).next().unwrap_or_default();
        self.type_filter =
            Some(ValueType::from_name(name).map_or(TypeFilter::Nothing, TypeFilter::Only));
        self
    }

    /// Whether `item` matches the `MATCH` pattern (`HSCAN` and friends).
    pub(crate) fn matches(&self, item: &[u8]) -> bool {
        self.pattern
            .as_deref()
            .is_none_or(|p| glob_match(p, item, false))
    }

    /// The `COUNT` hint.
    pub(crate) fn count_hint(&self) -> usize {
        self.count
    }

    fn keeps(&self, key: &[u8], kind: ValueType) -> bool {
        let type_ok = match self.type_filter {
            None => true,
            Some(TypeFilter::Only(t)) => t == kind,
            Some(TypeFilter::Nothing) => false,
        };
        type_ok
            && self
                .pattern
                .as_deref()
                .is_none_or(|p| glob_match(p, key, false))
    }
}

/// One page of a [`Store::scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanPage {
    /// The cursor for the next call; 0 when the iteration is complete.
    pub cursor: u64,
    /// Keys of this page.
    pub keys: Vec<Vec<u8>>,
}

impl Store {
    /// `DEL key [key …]`: delete keys; returns how many existed.
    pub fn del<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        let keyspace = &self.inner.keyspace;
        let locs: Vec<Loc> = keys.iter().map(|k| keyspace.locate(k.as_ref())).collect();
        self.write_gated_shrinking(|| {
            let ctx = self.ctx();
            let mut guards = keyspace.write_many(locs.iter().map(|l| l.shard));
            let mut deleted: Vec<&[u8]> = Vec::new();
            for (k, loc) in keys.iter().zip(&locs) {
                if guards
                    .shard_mut(loc.shard)
                    .delete(k.as_ref(), loc.hash, &ctx)
                {
                    ctx.notify(class::GENERIC, "del", k.as_ref());
                    deleted.push(k.as_ref());
                }
            }
            let count = deleted.len();
            if count > 0 && ctx.propagating() {
                let mut argv: Vec<&[u8]> = Vec::with_capacity(count + 1);
                argv.push(b"DEL");
                argv.extend(deleted);
                ctx.propagate(&argv);
            }
            Ok(count)
        })
    }

    /// `UNLINK key [key …]`: as [`Store::del`] (memory is freed at once; the
    /// values are small or freed by the calling thread either way).
    pub fn unlink<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        self.del(keys)
    }

    /// `EXISTS key [key …]`: how many of the keys exist, counting a key given
    /// twice twice.
    pub fn exists<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        Ok(self
            .read_keys(&keys, |slot| slot.is_some())
            .into_iter()
            .filter(|&e| e)
            .count())
    }

    /// `TOUCH key [key …]`: as [`Store::exists`] (access times are not
    /// tracked yet).
    pub fn touch<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        self.exists(keys)
    }

    /// `TYPE key`: the kind of value at `key`, `None` if it does not exist.
    pub fn key_type(&self, key: impl AsRef<[u8]>) -> Result<Option<ValueType>> {
        Ok(self.read_key(key.as_ref(), |slot| slot.map(|s| s.value().value_type())))
    }

    /// `OBJECT ENCODING key`: Redis's name for how the value is stored
    /// (`int`, `embstr`, `raw` for strings), `None` if the key does not exist.
    pub fn object_encoding(&self, key: impl AsRef<[u8]>) -> Result<Option<&'static str>> {
        // Redis's OBJECT looks keys up without a `keymiss` event.
        Ok(self.read_key_quiet(key.as_ref(), |slot| {
            slot.map(|s| encoding_name(s.value(), s.has_flag(FLAG_RAW)))
        }))
    }

    /// `OBJECT IDLETIME key`: seconds since the key was last read or
    /// written (its LRU clock), `None` if it does not exist. Looking it up
    /// here does not count as an access.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kvstore::{Config, ManualClock, Store};
    ///
    /// let clock = ManualClock::new(1_000_000);
    /// let store = Store::open(Config::builder().clock(clock.clone()).build())?;
    /// store.set("k", "v")?;
    /// clock.advance(Duration::from_secs(30));
    /// assert_eq!(store.object_idletime("k")?, Some(30));
    /// store.get("k")?;
    /// assert_eq!(store.object_idletime("k")?, Some(0));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::IdleTimeNotTracked`] under an LFU `maxmemory-policy`.
    pub fn object_idletime(&self, key: impl AsRef<[u8]>) -> Result<Option<u64>> {
        self.read_key_quiet_in_shard(key.as_ref(), |shard, hash, ctx, slot| {
            let Some(slot) = slot else {
                return Ok(None);
            };
            let access = ctx.access();
            if access.lfu {
                return Err(Error::IdleTimeNotTracked);
            }
            let clock = shard.clock_of(slot.key(), hash).unwrap_or(access.ticks);
            Ok(Some(u64::from(access.idle_seconds(clock))))
        })
    }

    /// `OBJECT FREQ key`: the key's logarithmic access counter (0 to 255,
    /// decayed by `lfu-decay-time`), `None` if it does not exist.
    ///
    /// # Errors
    ///
    /// [`Error::FreqNotTracked`] unless the `maxmemory-policy` is an LFU one.
    pub fn object_freq(&self, key: impl AsRef<[u8]>) -> Result<Option<u32>> {
        self.read_key_quiet_in_shard(key.as_ref(), |shard, hash, ctx, slot| {
            let Some(slot) = slot else {
                return Ok(None);
            };
            let access = ctx.access();
            if !access.lfu {
                return Err(Error::FreqNotTracked);
            }
            let clock = shard.clock_of(slot.key(), hash).unwrap_or(0);
            Ok(Some(access.decayed(clock)))
        })
    }

    /// `OBJECT REFCOUNT key`: what Redis 7.0 reports, `None` if the key
    /// does not exist. Redis shares one object among all string values
    /// that are integers from 0 to 9999 (unless an LRU/LFU policy needs
    /// per-key clocks) and reports its reference count as 2147483647;
    /// every other value is its key's alone: 1.
    pub fn object_refcount(&self, key: impl AsRef<[u8]>) -> Result<Option<i64>> {
        let policy = self.inner.settings.memory().policy();
        let limited = self.inner.settings.memory().maxmemory() != 0;
        let shares = !(limited && (policy.is_lfu() || policy.is_lru()));
        Ok(self.read_key_quiet(key.as_ref(), |slot| {
            slot.map(|s| match s.value() {
                ValueRef::Int(n) if shares && (0..10_000).contains(&n) => i64::from(i32::MAX),
                _ => 1,
            })
        }))
    }

    /// `RENAME key newkey`: move the value and its TTL to `newkey`,
    /// replacing whatever was there.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchKey`] if `key` does not exist.
    pub fn rename(&self, key: impl AsRef<[u8]>, newkey: impl AsRef<[u8]>) -> Result<()> {
        self.rename_generic(key.as_ref(), newkey.as_ref(), false)
            .map(|_| ())
    }

    /// `RENAMENX key newkey`: rename only if `newkey` does not exist; returns
    /// whether it was renamed.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchKey`] if `key` does not exist.
    pub fn renamenx(&self, key: impl AsRef<[u8]>, newkey: impl AsRef<[u8]>) -> Result<bool> {
        self.rename_generic(key.as_ref(), newkey.as_ref(), true)
    }

    fn rename_generic(&self, src: &[u8], dst: &[u8], nx: bool) -> Result<bool> {
        let keyspace = &self.inner.keyspace;
        let (a, b) = (keyspace.locate(src), keyspace.locate(dst));
        let (renamed, _) = self.write_gated_with(
            false,
            || {
                let ctx = self.ctx();
                let mut guards = keyspace.write_many([a.shard, b.shard]);
                // Redis's order of lookups (and of the `expired` events of
                // keys reclaimed on the way): the source, then the
                // destination.
                if guards
                    .shard_mut(a.shard)
                    .find_live(src, a.hash, &ctx)
                    .is_none()
                {
                    return Err(Error::NoSuchKey);
                }
                if src == dst {
                    return Ok((!nx, false));
                }
                let dst_exists = guards
                    .shard_mut(b.shard)
                    .find_live(dst, b.hash, &ctx)
                    .is_some();
                if nx && dst_exists {
                    return Ok((false, false));
                }
                // Looked up again: reclaiming the destination may have moved
                // buckets.
                let Some(index) = guards.shard_mut(a.shard).find_live(src, a.hash, &ctx) else {
                    return Err(Error::NoSuchKey);
                };
                let Some(moved) = guards.shard_mut(a.shard).take(index, a.hash) else {
                    return Err(Error::NoSuchKey);
                };
                let wakes = moved.value.serves_blocked();
                let target = guards.shard_mut(b.shard);
                target.delete(dst, b.hash, &ctx);
                target.attach(dst, b.hash, moved);
                ctx.notify(class::NEW, "new", dst);
                ctx.notify(class::GENERIC, "rename_from", src);
                ctx.notify(class::GENERIC, "rename_to", dst);
                ctx.propagate(&[if nx { b"RENAMENX" } else { b"RENAME" }, src, dst]);
                Ok((true, wakes))
            },
            |&(_, wakes): &(bool, bool)| {
                if wakes {
                    self.signal_ready(dst);
                }
            },
        )?;
        Ok(renamed)
    }

    /// `COPY source destination [REPLACE]`: copy the value and its TTL;
    /// returns whether it was copied (not when the destination exists and
    /// `replace` is false, or the source does not exist).
    ///
    /// # Errors
    ///
    /// [`Error::SameObject`] when both keys are the same.
    pub fn copy(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        replace: bool,
    ) -> Result<bool> {
        let (src, dst) = (source.as_ref(), destination.as_ref());
        if src == dst {
            return Err(Error::SameObject);
        }
        let keyspace = &self.inner.keyspace;
        let (a, b) = (keyspace.locate(src), keyspace.locate(dst));
        let (copied, _) = self.write_gated_then(
            || {
                let ctx = self.ctx();
                let mut guards = keyspace.write_many([a.shard, b.shard]);
                let source_shard = guards.shard_mut(a.shard);
                let Some(index) = source_shard.find_live(src, a.hash, &ctx) else {
                    // Redis reads the source with `lookupKeyRead`.
                    ctx.notify(class::KEY_MISS, "keymiss", src);
                    return Ok((false, false));
                };
                let Some(copy) = source_shard.duplicate(index, a.hash) else {
                    return Ok((false, false));
                };
                let target = guards.shard_mut(b.shard);
                if let Some(i) = target.find_live(dst, b.hash, &ctx) {
                    if !replace {
                        return Ok((false, false));
                    }
                    target.remove_at(i, b.hash);
                }
                let wakes = copy.value.serves_blocked();
                target.attach(dst, b.hash, copy);
                ctx.notify(class::NEW, "new", dst);
                ctx.notify(class::GENERIC, "copy_to", dst);
                if replace {
                    ctx.propagate(&[b"COPY", src, dst, b"REPLACE"]);
                } else {
                    ctx.propagate(&[b"COPY", src, dst]);
                }
                Ok((true, wakes))
            },
            |&(_, wakes): &(bool, bool)| {
                if wakes {
                    self.signal_ready(dst);
                }
            },
        )?;
        Ok(copied)
    }

    /// `KEYS pattern`: every live key matching the glob-style pattern. Locks
    /// the whole keyspace for reading while it runs, as Redis blocks while
    /// KEYS runs: prefer [`Store::scan`] on big keyspaces.
    pub fn keys(&self, pattern: impl AsRef<[u8]>) -> Result<Vec<Vec<u8>>> {
        let pattern = pattern.as_ref();
        // Redis skips matching for "*", so it also lists the empty key.
        let all = pattern == b"*";
        let ctx = self.ctx();
        let guards = self.inner.keyspace.read_all();
        let mut keys = Vec::new();
        for (_, shard) in guards.iter() {
            for slot in shard.table().iter() {
                let key = slot.key();
                if (all || glob_match(pattern, key, false))
                    && shard.get(key, shard.hash(key), &ctx).is_some()
                {
                    keys.push(key.to_vec());
                }
            }
        }
        Ok(keys)
    }

    /// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`: one page of an
    /// incremental iteration. Start with cursor 0; the iteration is complete
    /// when the returned cursor is 0. A key present during the whole
    /// iteration is returned at least once, even while the keyspace grows or
    /// shrinks; a key may be returned more than once.
    pub fn scan(&self, cursor: u64, options: &ScanOptions) -> Result<ScanPage> {
        let keyspace = &self.inner.keyspace;
        let shards = keyspace.shard_count() as u64;
        let mut shard = cursor >> 32;
        let mut pos = (cursor & u64::from(u32::MAX)) as u32;
        let ctx = self.ctx();
        let mut keys = Vec::new();
        let mut visited = 0usize;
        while shard < shards && visited < options.count {
            let shard_id = usize::try_from(shard).unwrap_or(usize::MAX);
            let guard = keyspace.read(shard_id);
            let mut expired = Vec::new();
            let next = guard.table().scan(pos, options.count - visited, |slot| {
                visited += 1;
                let key = slot.key();
                let hash = guard.hash(key);
                match guard.lookup(key, hash, &ctx) {
                    Lookup::Live(_) if options.keeps(key, slot.value().value_type()) => {
                        keys.push(key.to_vec());
                    }
                    Lookup::Expired => expired.push((
                        Loc {
                            shard: shard_id,
                            hash,
                        },
                        key.to_vec(),
                    )),
                    _ => {}
                }
            });
            drop(guard);
            // Redis's SCAN deletes the expired keys it meets.
            let expired: Vec<(Loc, &[u8])> =
                expired.iter().map(|(l, k)| (*l, k.as_slice())).collect();
            self.reclaim_expired(&expired);
            match next {
                Some(p) => {
                    return Ok(ScanPage {
                        cursor: (shard << 32) | u64::from(p),
                        keys,
                    });
                }
                None => {
                    shard += 1;
                    pos = 0;
                }
            }
        }
        let cursor = if shard < shards { shard << 32 } else { 0 };
        Ok(ScanPage { cursor, keys })
    }

    /// `DBSIZE`: the number of keys, including expired keys not yet
    /// reclaimed, as Redis counts them.
    #[must_use]
    pub fn dbsize(&self) -> usize {
        self.inner
            .keyspace
            .read_all()
            .iter()
            .map(|(_, s)| s.len())
            .sum()
    }

    /// `FLUSHDB`: delete every key.
    pub fn flushdb(&self) -> Result<()> {
        self.write_gated_shrinking(|| {
            let ctx = self.ctx();
            let mut guards = self.inner.keyspace.write_all();
            for (_, shard) in guards.iter_mut() {
                shard.clear();
            }
            ctx.propagate(&[b"FLUSHDB"]);
            Ok(())
        })
    }

    /// `RANDOMKEY`: a random live key, `None` when there is none.
    pub fn randomkey(&self) -> Result<Option<Vec<u8>>> {
        let keyspace = &self.inner.keyspace;
        let ctx = self.ctx();
        // Each round returns a live key or reclaims an expired one, as
        // Redis's dbRandomKey does, so this ends when the keys run out.
        loop {
            let sizes: Vec<usize> = (0..keyspace.shard_count())
                .map(|i| keyspace.read(i).len())
                .collect();
            let total: usize = sizes.iter().sum();
            if total == 0 {
                return Ok(None);
            }
            let mut pick = usize::try_from(rand::below(total as u64)).unwrap_or(0);
            let shard_id = sizes
                .iter()
                .position(|&n| {
                    if pick < n {
                        true
                    } else {
                        pick -= n;
                        false
                    }
                })
                .unwrap_or(0);
            let mut shard = keyspace.write(shard_id);
            let Some(index) = shard.table().bucket_near(rand::next_u64()) else {
                continue;
            };
            let Some(key) = shard.slot(index).map(|s| s.key().to_vec()) else {
                continue;
            };
            let hash = shard.hash(&key);
            if shard.find_live(&key, hash, &ctx).is_some() {
                return Ok(Some(key));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, ManualClock};

    /// Reclaiming an expired destination can shrink the table and move
    /// buckets; RENAME must still move the right key, at every table size.
    #[test]
    fn rename_onto_an_expired_key_in_the_same_shard() {
        for n in 1..150 {
            let clock = ManualClock::new(1_000);
            let config = Config::builder()
                .shards(1)
                .clock(clock.clone())
                .active_expire(false)
                .build();
            let store = Store::open(config).unwrap_or_default();
            for i in 0..n {
                store.set(format!("k{i}"), format!("v{i}")).unwrap_or(());
            }
            assert!(
                store
                    .set_with("dst", "old", crate::SetOptions::new().px(10))
                    .is_ok()
            );
            clock.advance(std::time::Duration::from_millis(20));
            assert_eq!(store.rename("k0", "dst"), Ok(()), "n={n}");
            assert_eq!(store.get("dst"), Ok(Some(b"v0".to_vec())), "n={n}");
            assert_eq!(store.get("k0"), Ok(None));
            for i in 1..n {
                assert_eq!(
                    store.get(format!("k{i}")),
                    Ok(Some(format!("v{i}").into_bytes())),
                    "n={n} i={i}"
                );
            }
            assert_eq!(store.dbsize(), n);
        }
    }
}
