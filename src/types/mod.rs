//! Commands by value kind, as typed methods on [`Store`] (Redis's `t_*.c`).
//!
//! Each handler has the same shape: locate the key, lock its shard, look the
//! key up (expired keys are invisible), check the type, act, propagate the
//! canonical command, return.

pub(crate) mod generic;
pub(crate) mod hash;
pub(crate) mod hash_expire;
pub(crate) mod lcs;
pub(crate) mod list;
pub(crate) mod list_blocking;
pub(crate) mod list_ops;
#[cfg(test)]
mod notify_tests;
pub(crate) mod set;
pub(crate) mod string;
pub(crate) mod ttl;
pub(crate) mod typed;
pub(crate) mod zset;
pub(crate) mod zset_blocking;
pub(crate) mod zset_ops;
pub(crate) mod zset_parse;
pub(crate) mod zset_random;
pub(crate) mod zset_range;

use crate::Store;
use crate::keyspace::entry::Slot;
use crate::keyspace::{Ctx, Loc, Shard};
use crate::pubsub::class;

/// Random replies with repeats (`HRANDFIELD`, `SRANDMEMBER`, `ZRANDMEMBER`
/// with a negative count) are answered up to this many items; larger counts
/// are refused with "value is out of range" before any work, rather than
/// exhausting memory (Redis 7.0 builds such replies whole, and can be killed
/// by one `SRANDMEMBER s -9223372036854775807`).
pub(crate) const MAX_RANDOM_REPEATS: u64 = 1 << 24;

/// The most bytes a reply of random repeats may hold while it is built:
/// past it the command fails with "value is out of range", so a huge count
/// on big members cannot take more than this much memory.
const RANDOM_REPLY_BUDGET: usize = 64 << 20;

/// What one reply item costs besides its bytes: its `Vec` header, the
/// allocator's header, and the `Reply` it becomes.
const REPLY_ITEM_OVERHEAD: usize = 96;

/// Collects `n` random picks (`pick` gives one, or `None` when there is
/// nothing to pick), refusing with "value is out of range" a reply that would
/// hold more than [`RANDOM_REPLY_BUDGET`] bytes (`bytes` sizes one item).
pub(crate) fn collect_repeats<T>(
    n: usize,
    mut pick: impl FnMut() -> Option<T>,
    bytes: impl Fn(&T) -> usize,
) -> crate::Result<Vec<T>> {
    let mut out = Vec::with_capacity(n.min(1024));
    let mut used = 0usize;
    for _ in 0..n {
        let Some(item) = pick() else { break };
        used = used.saturating_add(bytes(&item) + REPLY_ITEM_OVERHEAD);
        if used > RANDOM_REPLY_BUDGET {
            return Err(crate::Error::HashCountOutOfRange);
        }
        out.push(item);
    }
    Ok(out)
}

impl Store {
    /// Runs `f` on the live slot of `key` (or `None`) under the shard's read
    /// lock. If the key turned out to be expired, it is reclaimed afterwards
    /// under the write lock (its `expired` event published, its deletion
    /// propagated), as Redis deletes an expired key on access; a key found
    /// missing (or expired) publishes a `keymiss` event, as Redis's
    /// `lookupKeyRead`.
    pub(crate) fn read_key<R>(&self, key: &[u8], f: impl FnOnce(Option<&Slot>) -> R) -> R {
        self.read_key_in_shard(key, |_, _, slot| f(slot))
    }

    /// As [`Store::read_key`] without the `keymiss` event (Redis's
    /// `LOOKUP_NONOTIFY`: `OBJECT`, and lookups that only order errors).
    /// It does not count as an access either (`LOOKUP_NOTOUCH`): `OBJECT
    /// IDLETIME` must not reset what it reports.
    pub(crate) fn read_key_quiet<R>(&self, key: &[u8], f: impl FnOnce(Option<&Slot>) -> R) -> R {
        self.read_key_generic(key, false, |_, _, slot| f(slot))
    }

    /// As [`Store::read_key_quiet`], giving `f` the shard and the key's
    /// hash too (to read the key's access clock).
    pub(crate) fn read_key_quiet_in_shard<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(&Shard, u64, &Ctx<'_>, Option<&Slot>) -> R,
    ) -> R {
        let hash = self.inner.keyspace.locate(key).hash;
        self.read_key_generic(key, false, |shard, ctx, slot| f(shard, hash, ctx, slot))
    }

    /// As [`Store::read_key`], also giving `f` the shard and the command's
    /// context (to read the key's deadline against the command's time).
    pub(crate) fn read_key_in_shard<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(&Shard, &Ctx<'_>, Option<&Slot>) -> R,
    ) -> R {
        self.read_key_generic(key, true, f)
    }

    fn read_key_generic<R>(
        &self,
        key: &[u8],
        notify_miss: bool,
        f: impl FnOnce(&Shard, &Ctx<'_>, Option<&Slot>) -> R,
    ) -> R {
        let keyspace = &self.inner.keyspace;
        let loc = keyspace.locate(key);
        let ctx = self.ctx();
        let shard = keyspace.read(loc.shard);
        let found = if notify_miss {
            shard.lookup(key, loc.hash, &ctx)
        } else {
            shard.peek(key, loc.hash, &ctx)
        };
        let (result, found) = match found {
            Lookup::Live(slot) => (f(&shard, &ctx, Some(slot)), Found::Live),
            Lookup::Absent => (f(&shard, &ctx, None), Found::Absent),
            Lookup::Expired => (f(&shard, &ctx, None), Found::Expired),
        };
        drop(shard);
        self.after_lookup(&ctx, loc, key, found, notify_miss);
        result
    }

    /// What a read lookup owes once its read lock is released: reclaiming
    /// an expired key (with its `expired` event), then the `keymiss` event
    /// of a key that was not there, in Redis's order.
    fn after_lookup(&self, ctx: &Ctx<'_>, loc: Loc, key: &[u8], found: Found, notify_miss: bool) {
        if found == Found::Live {
            return;
        }
        if found == Found::Expired {
            self.reclaim_expired(&[(loc, key)]);
        }
        if notify_miss {
            ctx.notify(class::KEY_MISS, "keymiss", key);
        }
    }

    /// Runs `f` on the live slot of each key (or `None`), with all their
    /// shards read-locked together so the answers form one atomic view; keys
    /// found expired are reclaimed afterwards, and missing ones reported, as
    /// [`Store::read_key`] does (key by key, in order).
    pub(crate) fn read_keys<K: AsRef<[u8]>, R>(
        &self,
        keys: &[K],
        mut f: impl FnMut(Option<&Slot>) -> R,
    ) -> Vec<R> {
        let Ok(results) =
            self.read_keys_until_err(keys, |slot| Ok::<R, std::convert::Infallible>(f(slot)));
        results
    }

    /// As [`Store::read_keys`] with a fallible `f`, stopping at the first
    /// error: the keys after it are not looked at (no events), as Redis
    /// stops at the first key of the wrong kind.
    pub(crate) fn read_keys_until_err<K: AsRef<[u8]>, R, E>(
        &self,
        keys: &[K],
        mut f: impl FnMut(Option<&Slot>) -> Result<R, E>,
    ) -> Result<Vec<R>, E> {
        let keyspace = &self.inner.keyspace;
        let locs: Vec<Loc> = keys.iter().map(|k| keyspace.locate(k.as_ref())).collect();
        let ctx = self.ctx();
        // Missing keys are listed only when someone wants their events.
        let report_misses = ctx.notifies(class::KEY_MISS);
        let guards = keyspace.read_many(locs.iter().map(|l| l.shard));
        let mut missed = Vec::new();
        let mut results = Vec::with_capacity(keys.len());
        let mut failed = None;
        for (k, loc) in keys.iter().zip(&locs) {
            let result = match guards.shard(loc.shard).lookup(k.as_ref(), loc.hash, &ctx) {
                Lookup::Live(slot) => f(Some(slot)),
                Lookup::Absent => {
                    if report_misses {
                        missed.push((*loc, k.as_ref(), Found::Absent));
                    }
                    f(None)
                }
                Lookup::Expired => {
                    missed.push((*loc, k.as_ref(), Found::Expired));
                    f(None)
                }
            };
            match result {
                Ok(r) => results.push(r),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        drop(guards);
        self.after_lookups(&ctx, &missed);
        match failed {
            Some(e) => Err(e),
            None => Ok(results),
        }
    }

    /// [`Store::after_lookup`] for each key a multi-key read did not find,
    /// in the command's key order.
    pub(crate) fn after_lookups(&self, ctx: &Ctx<'_>, missed: &[(Loc, &[u8], Found)]) {
        for &(loc, key, found) in missed {
            self.after_lookup(ctx, loc, key, found, true);
        }
    }

    /// Deletes keys a read found past their deadline (the read held only
    /// read locks); each is checked again under the write lock.
    pub(crate) fn reclaim_expired(&self, keys: &[(Loc, &[u8])]) {
        if keys.is_empty() {
            return;
        }
        let ctx = self.ctx();
        let mut guards = self
            .inner
            .keyspace
            .write_many(keys.iter().map(|(l, _)| l.shard));
        for (loc, key) in keys {
            guards.shard_mut(loc.shard).find_live(key, loc.hash, &ctx);
        }
    }

    /// Runs the write `f` with the write-locked shard of `key`, gated and
    /// committed as [`Store::write_gated`] does. The write may grow memory
    /// (refused with `OOM` past `maxmemory` when nothing can be evicted);
    /// writes that only remove use [`Store::write_key_shrinking`].
    pub(crate) fn write_key<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(&mut Shard, Loc, &Ctx<'_>) -> crate::Result<R>,
    ) -> crate::Result<R> {
        self.write_key_with(key, true, f, |_| {})
    }

    /// As [`Store::write_key`], then `after` as [`Store::write_gated_then`].
    pub(crate) fn write_key_then<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(&mut Shard, Loc, &Ctx<'_>) -> crate::Result<R>,
        after: impl FnOnce(&R),
    ) -> crate::Result<R> {
        self.write_key_with(key, true, f, after)
    }

    /// As [`Store::write_key`], for a write that never grows memory (a
    /// delete, a pop, a TTL change): never refused for memory (Redis's
    /// commands without the `denyoom` flag).
    pub(crate) fn write_key_shrinking<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(&mut Shard, Loc, &Ctx<'_>) -> crate::Result<R>,
    ) -> crate::Result<R> {
        self.write_key_with(key, false, f, |_| {})
    }

    /// The write of [`Store::write_key`]: `grows` says whether it may grow
    /// memory.
    pub(crate) fn write_key_with<R>(
        &self,
        key: &[u8],
        grows: bool,
        f: impl FnOnce(&mut Shard, Loc, &Ctx<'_>) -> crate::Result<R>,
        after: impl FnOnce(&R),
    ) -> crate::Result<R> {
        let keyspace = &self.inner.keyspace;
        let loc = keyspace.locate(key);
        self.make_room(Some(loc.shard), grows)?;
        self.gated_then(
            || {
                let ctx = self.ctx();
                let mut shard = keyspace.write(loc.shard);
                f(&mut shard, loc, &ctx)
            },
            after,
        )
    }

    /// Runs one write command: `f` takes the shard locks it needs, applies
    /// the write and releases them before it returns.
    ///
    /// Before `f`, `maxmemory` is enforced ([`Store::make_room`]: the write
    /// may grow memory) and every persistence is asked whether writes may
    /// be applied (refused: Redis's `MISCONF`, and `f` does not run); after
    /// it, the write is committed (under `appendfsync always`, this waits
    /// for the append log's fsync, never under a shard lock) and its result
    /// becomes the persistence's error if it could not be made durable.
    pub(crate) fn write_gated<R>(&self, f: impl FnOnce() -> crate::Result<R>) -> crate::Result<R> {
        self.write_gated_then(f, |_| {})
    }

    /// As [`Store::write_gated`], for a write that never grows memory.
    pub(crate) fn write_gated_shrinking<R>(
        &self,
        f: impl FnOnce() -> crate::Result<R>,
    ) -> crate::Result<R> {
        self.write_gated_with(false, f, |_| {})
    }

    /// As [`Store::write_gated`], then `after` with what `f` returned,
    /// once the write is committed, or failed to be: either way it is
    /// applied. This is where wake-ups of blocked clients go
    /// ([`Store::signal_ready`]): a pop served from there commits its own
    /// write, which must not take this one's commit (and its error) with it.
    pub(crate) fn write_gated_then<R>(
        &self,
        f: impl FnOnce() -> crate::Result<R>,
        after: impl FnOnce(&R),
    ) -> crate::Result<R> {
        self.write_gated_with(true, f, after)
    }

    /// [`Store::write_gated_then`]; `grows` says whether the write may grow
    /// memory.
    pub(crate) fn write_gated_with<R>(
        &self,
        grows: bool,
        f: impl FnOnce() -> crate::Result<R>,
        after: impl FnOnce(&R),
    ) -> crate::Result<R> {
        self.make_room(None, grows)?;
        self.gated_then(f, after)
    }

    /// The persistence gate and commit of [`Store::write_gated_then`].
    fn gated_then<R>(
        &self,
        f: impl FnOnce() -> crate::Result<R>,
        after: impl FnOnce(&R),
    ) -> crate::Result<R> {
        self.check_write()?;
        let result = f();
        let committed = self.inner.finish_write(Ok(()));
        if let Ok(r) = &result {
            after(r);
        }
        committed.and(result)
    }

    /// The gate of [`Store::write_gated`] alone: whether a write may be applied
    /// now. Inside a transaction the first write checks and the others of
    /// the same transaction pass (Redis checks a transaction once, at
    /// `EXEC`; checking again in the middle could apply half of it).
    pub(crate) fn check_write(&self) -> crate::Result<()> {
        if self.inner.persist.all.is_empty() {
            return Ok(());
        }
        let keyspace = &self.inner.keyspace;
        crate::keyspace::tx::gate_once(keyspace, || self.inner.check_writable())
            .unwrap_or_else(|| self.inner.check_writable())
    }
}

/// A write's result and the event it publishes once applied (`None`: it
/// changed nothing).
pub(crate) type WithEvent<R> = (R, Option<&'static str>);

/// Publishes a write's event (of class `kind`), then `del` if the write
/// deleted the key (a collection left empty), in Redis's order.
pub(crate) fn notify_write(
    ctx: &Ctx<'_>,
    kind: u32,
    event: Option<&str>,
    key: &[u8],
    deleted: bool,
) {
    if let Some(event) = event {
        ctx.notify(kind, event, key);
    }
    if deleted {
        ctx.notify(class::GENERIC, "del", key);
    }
}

/// Runs `f` on the items as byte slices. A single item (the common
/// `lpush(key, [x])`) needs no allocation.
pub(crate) fn with_byte_slices<T: AsRef<[u8]>, R>(
    items: impl IntoIterator<Item = T>,
    f: impl FnOnce(&[&[u8]]) -> R,
) -> R {
    let mut items = items.into_iter();
    let first = items.next();
    let second = items.next();
    match (first, second) {
        (None, _) => f(&[]),
        (Some(one), None) => f(&[one.as_ref()]),
        (Some(one), Some(two)) => {
            let rest: Vec<T> = items.collect();
            let mut slices: Vec<&[u8]> = Vec::with_capacity(rest.len() + 2);
            slices.push(one.as_ref());
            slices.push(two.as_ref());
            slices.extend(rest.iter().map(AsRef::as_ref));
            f(&slices)
        }
    }
}

/// The arguments LMPOP, BLMPOP, ZMPOP and BZMPOP refuse before touching a
/// key.
pub(crate) fn check_mpop(keys: &[&[u8]], count: usize) -> crate::Result<()> {
    if keys.is_empty() {
        return Err(crate::Error::NumkeysNotPositive);
    }
    if count == 0 {
        return Err(crate::Error::CountNotPositive);
    }
    Ok(())
}

/// What a read lookup found, once its lock is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    Live,
    Absent,
    /// Past its deadline: to reclaim.
    Expired,
}

/// The outcome of looking a key up for reading.
pub(crate) enum Lookup<'a> {
    Live(&'a Slot),
    Absent,
    /// Present but past its deadline: invisible, and due for reclaiming.
    Expired,
}

#[cfg(test)]
impl Store {
    /// Plants a stand-in collection value at `key` (WRONGTYPE tests).
    pub(crate) fn plant_test_list(&self, key: &[u8]) {
        let planted = self.write_key(key, |shard, loc, ctx| {
            let list = crate::encoding::listpack::Listpack::from_items(["x"]);
            shard.overwrite(key, loc.hash, crate::value::Value::ListPacked(list), ctx);
            Ok(())
        });
        assert_eq!(planted, Ok(()));
    }
}

#[cfg(test)]
mod wrongtype_tests {
    use crate::types::string::{Expiry, GetExpiry, SetOptions};
    use crate::{Error, Reply, Store, ValueType};

    fn store_with_list() -> Store {
        let store = Store::new();
        store.plant_test_list(b"list");
        store
    }

    #[test]
    fn string_commands_refuse_other_kinds() {
        let s = store_with_list();
        let wrong = Err(Error::WrongType);
        assert_eq!(s.get("list"), wrong);
        assert_eq!(s.getset("list", "v"), wrong);
        assert_eq!(s.getdel("list"), wrong);
        assert_eq!(s.getex("list", GetExpiry::Set(Expiry::Ex(10))), wrong);
        assert_eq!(
            s.set_with("list", "v", SetOptions::new().get())
                .map(|o| o.written),
            Err(Error::WrongType)
        );
        assert_eq!(s.incr("list"), Err(Error::WrongType));
        assert_eq!(s.decrby("list", 3), Err(Error::WrongType));
        assert_eq!(s.incrbyfloat("list", "1.5"), Err(Error::WrongType));
        assert_eq!(s.append("list", "x"), Err(Error::WrongType));
        assert_eq!(s.strlen("list"), Err(Error::WrongType));
        assert_eq!(s.getrange("list", 0, -1), Err(Error::WrongType));
        assert_eq!(s.setrange("list", 0, "x"), Err(Error::WrongType));
        assert_eq!(s.lcs("list", "missing"), Err(Error::LcsWrongType));
        assert_eq!(s.lcs_len("missing", "list"), Err(Error::LcsWrongType));
        // None of the refused writes changed the value or its type.
        assert_eq!(s.key_type("list"), Ok(Some(ValueType::List)));
        assert_eq!(s.object_encoding("list"), Ok(Some("listpack")));
    }

    #[test]
    fn commands_that_ignore_the_kind() {
        let s = store_with_list();
        // MGET answers nil for non-strings; SETNX sees the key exists.
        assert_eq!(s.mget(["list"]), Ok(vec![None]));
        assert_eq!(s.setnx("list", "v"), Ok(false));
        assert_eq!(s.exists(["list", "list"]), Ok(2));
        assert!(s.expire("list", 100).unwrap_or(false));
        assert!(s.copy("list", "list2", false).unwrap_or(false));
        assert_eq!(s.key_type("list2"), Ok(Some(ValueType::List)));
        assert!(s.ttl("list2").unwrap_or(-1) > 0, "COPY keeps the TTL");
        assert_eq!(s.rename("list2", "list3"), Ok(()));
        assert_eq!(s.key_type("list3"), Ok(Some(ValueType::List)));
        // SET overwrites any kind, as in Redis.
        assert_eq!(s.set("list", "now a string"), Ok(()));
        assert_eq!(s.key_type("list"), Ok(Some(ValueType::String)));
        assert_eq!(s.ttl("list"), Ok(-1));
        // MSET too.
        assert_eq!(s.mset([("list3", "x")]), Ok(()));
        assert_eq!(s.get("list3"), Ok(Some(b"x".to_vec())));
    }

    #[test]
    fn execute_reports_wrongtype_text() {
        let s = store_with_list();
        for argv in [
            &["GET", "list"][..],
            &["INCR", "list"],
            &["APPEND", "list", "x"],
            &["SET", "list", "v", "GET"],
            &["GETEX", "list", "PERSIST"],
        ] {
            let Reply::Error(e) = s.execute(argv) else {
                panic!("{argv:?} should fail");
            };
            assert_eq!(
                e.to_string(),
                "WRONGTYPE Operation against a key holding the wrong kind of value"
            );
        }
        assert_eq!(s.execute(&["TYPE", "list"]), Reply::Simple("list"));
        assert_eq!(
            s.execute(&["LCS", "list", "x"]),
            Reply::Error(Error::LcsWrongType)
        );
        // Redis checks LCS types before options.
        assert_eq!(
            s.execute(&["LCS", "list", "x", "BOGUS"]),
            Reply::Error(Error::LcsWrongType)
        );
    }
}

#[cfg(test)]
mod random_reply_tests {
    use crate::{Error, Reply, Store};

    #[test]
    fn random_repeats_are_bounded_in_bytes_not_only_in_count() {
        let store = Store::new();
        let big = vec![b'x'; 1 << 20];
        store.sadd("s", [&big]).unwrap_or_default();
        store.hset("h", [("f", &big)]).unwrap_or_default();
        store.zadd("z", [(1.0, &big)]).unwrap_or_default();
        // 100 copies of a 1 MB member would take 100 MB: refused.
        assert_eq!(
            store.srandmember_count("s", -100),
            Err(Error::HashCountOutOfRange)
        );
        assert_eq!(
            store.hrandfield_count("h", -100),
            Err(Error::HashCountOutOfRange)
        );
        assert_eq!(
            store.zrandmember_count("z", -100),
            Err(Error::HashCountOutOfRange)
        );
        // 10 copies fit.
        assert_eq!(store.srandmember_count("s", -10).map(|v| v.len()), Ok(10));
        // Small members: a large count is answered.
        store.sadd("small", ["a", "b"]).unwrap_or_default();
        let reply = store.execute(&["SRANDMEMBER", "small", "-100000"]);
        assert!(matches!(reply, Reply::Array(items) if items.len() == 100_000));
        // Past the count cap, refused before any work.
        assert_eq!(
            store.srandmember_count("small", -(1 << 40)),
            Err(Error::HashCountOutOfRange)
        );
    }
}
