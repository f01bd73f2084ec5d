//! Sorted-set pops: ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN,
//! BZPOPMAX, BZMPOP.
//!
//! Propagation follows Redis 7.0's AOF: `ZPOPMIN`/`ZPOPMAX` as given (the
//! typed API writes `ZPOPMIN key count`), `ZMPOP`/`BZMPOP` as
//! `ZPOPMIN|ZPOPMAX key n` with n the number popped, `BZPOPMIN`/`BZPOPMAX`
//! as `ZPOPMIN|ZPOPMAX key`. Nothing is propagated when nothing was popped.

use std::time::Duration;

use crate::pubsub::class;
use crate::types::zset::{ZEnd, as_zset, mutate_zset, zset_remove_range};
use crate::types::{check_mpop, notify_write, with_byte_slices};
use crate::{Result, Store};

/// Members with their scores.
type Scored = Vec<(Vec<u8>, f64)>;

/// What a blocking single pop gives: key, member, score.
type KeyMemberScore = (Vec<u8>, Vec<u8>, f64);

/// Builds and emits the command to propagate for a pop from `key` of `n`
/// members.
type Propagate<'a> = &'a dyn Fn(&[u8], usize, &dyn Fn(&[&[u8]]));

impl ZEnd {
    fn pop_name(self) -> &'static [u8] {
        match self {
            ZEnd::Min => b"ZPOPMIN",
            ZEnd::Max => b"ZPOPMAX",
        }
    }

    fn pop_event(self) -> &'static str {
        match self {
            ZEnd::Min => "zpopmin",
            ZEnd::Max => "zpopmax",
        }
    }
}

impl Store {
    /// Pops up to `count` members from one end of `key` under its lock;
    /// `propagate` builds the command to log from what was popped.
    fn zpop_generic(
        &self,
        key: &[u8],
        end: ZEnd,
        count: usize,
        propagate: Propagate<'_>,
    ) -> Result<Scored> {
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let Some(i) = shard.find_live(key, loc.hash, ctx) else {
                return Ok(Vec::new());
            };
            let Some(slot) = shard.slot(i) else {
                return Ok(Vec::new());
            };
            let z = as_zset(slot.value())?;
            let len = z.len();
            let n = count.min(len);
            if n == 0 {
                return Ok(Vec::new());
            }
            let (lo, hi) = match end {
                ZEnd::Min => (0, n),
                ZEnd::Max => (len - n, len),
            };
            let popped = z.collect(lo, hi, end == ZEnd::Max);
            let deleted = mutate_zset(shard, i, loc.hash, |v| zset_remove_range(v, lo, hi))
                .is_some_and(|(_, deleted)| deleted);
            notify_write(ctx, class::ZSET, Some(end.pop_event()), key, deleted);
            propagate(key, popped.len(), &|argv| ctx.propagate(argv));
            Ok(popped)
        })
    }

    /// ZPOPMIN / ZPOPMAX from a command line (propagated verbatim).
    pub(crate) fn zpop_command(&self, argv: &[&[u8]], end: ZEnd, count: usize) -> Result<Scored> {
        self.zpop_generic(argv[1], end, count, &|_, _, emit| emit(argv))
    }

    fn zpop_typed(&self, key: &[u8], end: ZEnd, count: usize) -> Result<Scored> {
        self.zpop_generic(key, end, count, &|key, _, emit| {
            let mut buf = itoa::Buffer::new();
            emit(&[end.pop_name(), key, buf.format(count).as_bytes()]);
        })
    }

    /// `ZPOPMIN key count`: removes and returns up to `count` members with
    /// the lowest scores, lowest first.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`](crate::Error::WrongType).
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.zadd("z", [(1.0, "a"), (2.0, "b"), (3.0, "c")])?;
    /// assert_eq!(store.zpopmin("z", 2)?, vec![(b"a".to_vec(), 1.0), (b"b".to_vec(), 2.0)]);
    /// assert_eq!(store.zpopmax("z", 5)?, vec![(b"c".to_vec(), 3.0)]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zpopmin(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Scored> {
        self.zpop_typed(key.as_ref(), ZEnd::Min, count)
    }

    /// `ZPOPMAX key count`: as [`Store::zpopmin`], highest first.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`](crate::Error::WrongType).
    pub fn zpopmax(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Scored> {
        self.zpop_typed(key.as_ref(), ZEnd::Max, count)
    }

    /// ZMPOP on the keys in order, under all their locks.
    pub(crate) fn zmpop_generic(
        &self,
        keys: &[&[u8]],
        end: ZEnd,
        count: usize,
    ) -> Result<Option<(Vec<u8>, Scored)>> {
        let keyspace = &self.inner.keyspace;
        let locs: Vec<_> = keys.iter().map(|k| keyspace.locate(k)).collect();
        self.write_gated_shrinking(|| {
            let ctx = self.ctx();
            let mut guards = keyspace.write_many(locs.iter().map(|l| l.shard));
            for (key, loc) in keys.iter().zip(&locs) {
                let shard = guards.shard_mut(loc.shard);
                let Some(i) = shard.find_live(key, loc.hash, &ctx) else {
                    continue;
                };
                let Some(slot) = shard.slot(i) else {
                    continue;
                };
                let z = as_zset(slot.value())?;
                let len = z.len();
                let n = count.min(len);
                if n == 0 {
                    continue;
                }
                let (lo, hi) = match end {
                    ZEnd::Min => (0, n),
                    ZEnd::Max => (len - n, len),
                };
                let popped = z.collect(lo, hi, end == ZEnd::Max);
                let deleted = mutate_zset(shard, i, loc.hash, |v| zset_remove_range(v, lo, hi))
                    .is_some_and(|(_, deleted)| deleted);
                notify_write(&ctx, class::ZSET, Some(end.pop_event()), key, deleted);
                let mut buf = itoa::Buffer::new();
                ctx.propagate(&[end.pop_name(), key, buf.format(popped.len()).as_bytes()]);
                return Ok(Some((key.to_vec(), popped)));
            }
            Ok(None)
        })
    }

    /// `ZMPOP numkeys key … MIN|MAX [COUNT count]`: pops up to `count`
    /// members from the first non-empty sorted set among `keys`.
    /// Propagated as `ZPOPMIN|ZPOPMAX key n`.
    ///
    /// # Errors
    ///
    /// [`Error::NumkeysNotPositive`](crate::Error::NumkeysNotPositive) for no keys, [`Error::CountNotPositive`](crate::Error::CountNotPositive)
    /// for a zero count, [`Error::WrongType`](crate::Error::WrongType).
    ///
    /// ```
    /// use kvstore::{Store, ZEnd};
    /// let store = Store::new();
    /// store.zadd("b", [(1.0, "x"), (2.0, "y")])?;
    /// let got = store.zmpop(["a", "b"], ZEnd::Max, 1)?;
    /// assert_eq!(got, Some((b"b".to_vec(), vec![(b"y".to_vec(), 2.0)])));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zmpop(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        end: ZEnd,
        count: usize,
    ) -> Result<Option<(Vec<u8>, Scored)>> {
        with_byte_slices(keys, |keys| {
            check_mpop(keys, count)?;
            self.zmpop_generic(keys, end, count)
        })
    }

    fn bzpop(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        end: ZEnd,
        timeout: Duration,
    ) -> Result<Option<KeyMemberScore>> {
        with_byte_slices(keys, |keys| {
            self.block_on(keys, timeout, move |store: &Store, key: &[u8]| {
                let popped = store.zpop_generic(key, end, 1, &|key, _, emit| {
                    emit(&[end.pop_name(), key]);
                })?;
                Ok(popped.into_iter().next().map(|(m, s)| (key.to_vec(), m, s)))
            })
        })
    }

    /// `BZPOPMIN key … timeout`: [`Store::zpopmin`] of one member from the
    /// first non-empty sorted set among `keys`, waiting up to `timeout`
    /// (`Duration::ZERO`: forever); `None` when the time ran out. A served
    /// pop is propagated as `ZPOPMIN key`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`](crate::Error::WrongType) if a key holds another kind when first looked
    /// at; [`Error::Shutdown`](crate::Error::Shutdown) if the store shuts down meanwhile.
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = kvstore::Store::new();
    /// let waiter = {
    ///     let store = store.clone();
    ///     std::thread::spawn(move || store.bzpopmin(["z"], Duration::ZERO))
    /// };
    /// store.zadd("z", [(1.0, "a")])?;
    /// assert_eq!(waiter.join().unwrap()?, Some((b"z".to_vec(), b"a".to_vec(), 1.0)));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn bzpopmin(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        timeout: Duration,
    ) -> Result<Option<KeyMemberScore>> {
        self.bzpop(keys, ZEnd::Min, timeout)
    }

    /// `BZPOPMAX key … timeout`: as [`Store::bzpopmin`], highest score;
    /// propagated as `ZPOPMAX key`.
    ///
    /// # Errors
    ///
    /// As [`Store::bzpopmin`].
    pub fn bzpopmax(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        timeout: Duration,
    ) -> Result<Option<KeyMemberScore>> {
        self.bzpop(keys, ZEnd::Max, timeout)
    }

    /// `BZMPOP timeout numkeys key … MIN|MAX [COUNT count]`:
    /// [`Store::zmpop`], waiting up to `timeout`. Propagated as
    /// `ZPOPMIN|ZPOPMAX key n`.
    ///
    /// # Errors
    ///
    /// As [`Store::zmpop`] and [`Store::bzpopmin`].
    pub fn bzmpop(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        end: ZEnd,
        count: usize,
        timeout: Duration,
    ) -> Result<Option<(Vec<u8>, Scored)>> {
        with_byte_slices(keys, |keys| {
            check_mpop(keys, count)?;
            self.block_on(keys, timeout, move |store: &Store, key: &[u8]| {
                store.zmpop_generic(&[key], end, count)
            })
        })
    }
}
