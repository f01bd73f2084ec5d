//! Lists, the commands that take from one key and may block: LMOVE,
//! RPOPLPUSH, LMPOP and BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP.
//!
//! A blocking command runs its non-blocking form on one key through
//! [`Store::block_on`]; that form propagates itself, so a served blocking
//! pop is logged as Redis 7.0 logs it: `BLPOP` as `LPOP key`, `BRPOP` as
//! `RPOP key`, `BLMPOP`/`LMPOP` as `LPOP|RPOP key n` (n = elements popped),
//! `BLMOVE` as `LMOVE src dst LEFT|RIGHT LEFT|RIGHT`, `BRPOPLPUSH` as
//! `RPOPLPUSH src dst`.

use std::time::Duration;

use crate::pubsub::class;
use crate::types::list::{
    Direction, as_list, check_list, mutate_list, notify_list, pop_event, push_event,
};
use crate::types::{check_mpop, list_ops, with_byte_slices};
use crate::{Result, Store};

/// A popped element and the key it came from.
type KeyElem = (Vec<u8>, Vec<u8>);

/// The key popped from and its elements.
type KeyElems = (Vec<u8>, Vec<Vec<u8>>);

impl Store {
    /// LMOVE / RPOPLPUSH. `Ok(None)`: the source is missing; `Err`: the
    /// source holds another kind; `Ok(Some(Err))`: the destination does
    /// (the source is then left alone, as in Redis).
    pub(crate) fn lmove_generic(
        &self,
        src: &[u8],
        dst: &[u8],
        from: Direction,
        to: Direction,
        rpoplpush: bool,
    ) -> Result<Option<Result<Vec<u8>>>> {
        let fill = self.list_fill();
        let keyspace = &self.inner.keyspace;
        let (a, b) = (keyspace.locate(src), keyspace.locate(dst));
        let moved = self.write_gated_then(
            || {
                let ctx = self.ctx();
                let mut guards = keyspace.write_many([a.shard, b.shard]);
                // Reclaim an expired destination first: that may move buckets.
                guards.shard_mut(b.shard).find_live(dst, b.hash, &ctx);
                let shard = guards.shard_mut(a.shard);
                let Some(si) = shard.find_live(src, a.hash, &ctx) else {
                    return Ok(None);
                };
                check_list(shard, si)?;
                let value = if src == dst {
                    // Rotation: pop and push on the one value, which never
                    // empties on the way (its TTL stays).
                    let rotated = mutate_list(shard, si, a.hash, |v| {
                        list_ops::rotate(v, fill, from.is_left(), to.is_left())
                    })
                    .and_then(|(value, _)| value);
                    if rotated.is_some() {
                        // Redis pushes, then publishes the pop.
                        ctx.notify(class::LIST, push_event(to.is_left()), dst);
                        ctx.notify(class::LIST, pop_event(from.is_left()), src);
                    }
                    rotated
                } else {
                    let target = guards.shard_mut(b.shard);
                    if let Some(di) = target.find_live(dst, b.hash, &ctx)
                        && let Err(e) = check_list(target, di)
                    {
                        return Ok(Some(Err(e)));
                    }
                    let shard = guards.shard_mut(a.shard);
                    let (popped, src_deleted) =
                        mutate_list(shard, si, a.hash, |v| list_ops::pop(v, from.is_left()))
                            .unwrap_or((None, false));
                    if let Some(e) = &popped {
                        let target = guards.shard_mut(b.shard);
                        match target.find_live(dst, b.hash, &ctx) {
                            Some(di) => {
                                mutate_list(target, di, b.hash, |v| {
                                    list_ops::push(v, fill, &[e], to.is_left());
                                });
                            }
                            None => {
                                let mut v = list_ops::new_value();
                                list_ops::push(&mut v, fill, &[e], to.is_left());
                                target.add(dst, b.hash, v, 0, &ctx);
                            }
                        }
                        // Redis's order: the push, then the pop.
                        ctx.notify(class::LIST, push_event(to.is_left()), dst);
                        notify_list(&ctx, pop_event(from.is_left()), src, src_deleted);
                    }
                    popped
                };
                let Some(value) = value else {
                    return Ok(None);
                };
                if rpoplpush {
                    ctx.propagate(&[b"RPOPLPUSH", src, dst]);
                } else {
                    ctx.propagate(&[b"LMOVE", src, dst, from.as_bytes(), to.as_bytes()]);
                }
                Ok(Some(Ok(value)))
            },
            |moved: &Option<Result<Vec<u8>>>| {
                if matches!(moved, Some(Ok(_))) {
                    self.signal_ready(dst);
                }
            },
        )?;
        Ok(moved)
    }

    /// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`: pop an element
    /// from one end of `source` and push it at one end of `destination`,
    /// atomically; returns it (`None` if `source` is missing). With the
    /// same key twice the list rotates.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`](crate::Error::WrongType) if `source` holds another kind, or if
    /// `destination` does while `source` has an element (nothing moves).
    ///
    /// ```
    /// use kvstore::{Direction, Store};
    /// let store = Store::new();
    /// store.rpush("todo", ["a", "b"])?;
    /// let moved = store.lmove("todo", "done", Direction::Left, Direction::Right)?;
    /// assert_eq!(moved, Some(b"a".to_vec()));
    /// assert_eq!(store.lrange("done", 0, -1)?, vec![b"a".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lmove(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        from: Direction,
        to: Direction,
    ) -> Result<Option<Vec<u8>>> {
        self.lmove_generic(source.as_ref(), destination.as_ref(), from, to, false)?
            .transpose()
    }

    /// `RPOPLPUSH source destination`: [`Store::lmove`] from the tail to
    /// the head.
    ///
    /// # Errors
    ///
    /// As [`Store::lmove`].
    pub fn rpoplpush(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
    ) -> Result<Option<Vec<u8>>> {
        self.lmove_generic(
            source.as_ref(),
            destination.as_ref(),
            Direction::Right,
            Direction::Left,
            true,
        )?
        .transpose()
    }

    /// `LMPOP numkeys key [key …] LEFT|RIGHT [COUNT count]`: pop up to
    /// `count` elements from the first non-empty list among `keys`; returns
    /// that key and the elements, or `None` if all are missing. Propagated
    /// as `LPOP|RPOP key n`.
    ///
    /// # Errors
    ///
    /// [`Error::NumkeysNotPositive`](crate::Error::NumkeysNotPositive) for no keys; [`Error::CountNotPositive`](crate::Error::CountNotPositive)
    /// for a zero count; [`Error::WrongType`](crate::Error::WrongType) if a key before the first
    /// non-empty list holds another kind.
    ///
    /// ```
    /// use kvstore::{Direction, Store};
    /// let store = Store::new();
    /// store.rpush("b", ["1", "2", "3"])?;
    /// let got = store.lmpop(["a", "b"], Direction::Right, 2)?;
    /// assert_eq!(got, Some((b"b".to_vec(), vec![b"3".to_vec(), b"2".to_vec()])));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lmpop(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        from: Direction,
        count: usize,
    ) -> Result<Option<KeyElems>> {
        with_byte_slices(keys, |keys| {
            check_mpop(keys, count)?;
            self.lmpop_generic(keys, from, count)
        })
    }

    pub(crate) fn lmpop_generic(
        &self,
        keys: &[&[u8]],
        from: Direction,
        count: usize,
    ) -> Result<Option<KeyElems>> {
        let keyspace = &self.inner.keyspace;
        let locs: Vec<_> = keys.iter().map(|k| keyspace.locate(k)).collect();
        self.write_gated_shrinking(|| {
            let ctx = self.ctx();
            let mut guards = keyspace.write_many(locs.iter().map(|l| l.shard));
            for (key, loc) in keys.iter().zip(&locs) {
                let shard = guards.shard_mut(loc.shard);
                let Some(index) = shard.find_live(key, loc.hash, &ctx) else {
                    continue;
                };
                if let Some(slot) = shard.slot(index) {
                    as_list(slot)?;
                }
                let (popped, deleted) = mutate_list(shard, index, loc.hash, |v| {
                    list_ops::pop_many(v, from.is_left(), count)
                })
                .unwrap_or_default();
                if popped.is_empty() {
                    continue;
                }
                notify_list(&ctx, pop_event(from.is_left()), key, deleted);
                if ctx.propagating() {
                    let name: &[u8] = if from.is_left() { b"LPOP" } else { b"RPOP" };
                    let mut buf = itoa::Buffer::new();
                    ctx.propagate(&[name, key, buf.format(popped.len()).as_bytes()]);
                }
                return Ok(Some((key.to_vec(), popped)));
            }
            Ok(None)
        })
    }

    fn bpop(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        front: bool,
        timeout: Duration,
    ) -> Result<Option<KeyElem>> {
        with_byte_slices(keys, |keys| {
            self.block_on(keys, timeout, move |store: &Store, key: &[u8]| {
                let popped = store.pop_one(key, front)?;
                Ok(popped.map(|value| (key.to_vec(), value)))
            })
        })
    }

    /// `BLPOP key [key …] timeout`: [`Store::lpop`] from the first
    /// non-empty list among `keys`, waiting up to `timeout` for one
    /// (`Duration::ZERO`: forever) if all are empty. Waiters are served
    /// first come, first served; `None` means the timeout passed. A served
    /// pop is propagated as `LPOP key`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`](crate::Error::WrongType) if a key holds another kind when first looked
    /// at; [`Error::Shutdown`](crate::Error::Shutdown) if the store shuts down meanwhile.
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = kvstore::Store::new();
    /// let consumer = {
    ///     let store = store.clone();
    ///     std::thread::spawn(move || store.blpop(["jobs"], Duration::ZERO))
    /// };
    /// store.rpush("jobs", ["j1"])?;
    /// let got = consumer.join().unwrap()?;
    /// assert_eq!(got, Some((b"jobs".to_vec(), b"j1".to_vec())));
    /// assert_eq!(store.blpop(["jobs"], Duration::from_millis(10))?, None);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn blpop(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        timeout: Duration,
    ) -> Result<Option<KeyElem>> {
        self.bpop(keys, true, timeout)
    }

    /// `BRPOP key [key …] timeout`: as [`Store::blpop`], from the tail;
    /// propagated as `RPOP key`.
    ///
    /// # Errors
    ///
    /// As [`Store::blpop`].
    pub fn brpop(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        timeout: Duration,
    ) -> Result<Option<KeyElem>> {
        self.bpop(keys, false, timeout)
    }

    fn blmove_generic(
        &self,
        src: &[u8],
        dst: &[u8],
        from: Direction,
        to: Direction,
        timeout: Duration,
        rpoplpush: bool,
    ) -> Result<Option<Vec<u8>>> {
        let dst = dst.to_vec();
        let served = self.block_on(&[src], timeout, move |store: &Store, key: &[u8]| {
            store.lmove_generic(key, &dst, from, to, rpoplpush)
        })?;
        // A destination of another kind fails the served command, as Redis
        // replies WRONGTYPE to the unblocked client.
        served.transpose()
    }

    /// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`:
    /// [`Store::lmove`], waiting up to `timeout` for `source` to get an
    /// element. Propagated as `LMOVE`.
    ///
    /// # Errors
    ///
    /// As [`Store::lmove`] and [`Store::blpop`].
    pub fn blmove(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        from: Direction,
        to: Direction,
        timeout: Duration,
    ) -> Result<Option<Vec<u8>>> {
        self.blmove_generic(
            source.as_ref(),
            destination.as_ref(),
            from,
            to,
            timeout,
            false,
        )
    }

    /// `BRPOPLPUSH source destination timeout`: [`Store::rpoplpush`],
    /// waiting up to `timeout`. Propagated as `RPOPLPUSH`.
    ///
    /// # Errors
    ///
    /// As [`Store::blmove`].
    pub fn brpoplpush(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        timeout: Duration,
    ) -> Result<Option<Vec<u8>>> {
        self.blmove_generic(
            source.as_ref(),
            destination.as_ref(),
            Direction::Right,
            Direction::Left,
            timeout,
            true,
        )
    }

    /// `BLMPOP timeout numkeys key [key …] LEFT|RIGHT [COUNT count]`:
    /// [`Store::lmpop`], waiting up to `timeout` for one of `keys` to get
    /// elements. Propagated as `LPOP|RPOP key n`.
    ///
    /// # Errors
    ///
    /// As [`Store::lmpop`] and [`Store::blpop`].
    pub fn blmpop(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        from: Direction,
        count: usize,
        timeout: Duration,
    ) -> Result<Option<KeyElems>> {
        with_byte_slices(keys, |keys| {
            check_mpop(keys, count)?;
            self.block_on(keys, timeout, move |store: &Store, key: &[u8]| {
                store.lmpop_generic(&[key], from, count)
            })
        })
    }
}
