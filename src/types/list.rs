//! Lists: LPUSH, LPOP, LRANGE and the rest of Redis 7.0's list commands
//! (Redis's `t_list.c`). Moves, multi-key pops and the blocking commands
//! are in `list_blocking.rs`; the encodings in `list_ops.rs`.

use crate::encoding::quicklist::Fill;
use crate::keyspace::entry::Slot;
use crate::keyspace::{Ctx, Shard};
use crate::pubsub::class;
use crate::types::{list_ops, notify_write, with_byte_slices};
use crate::value::{ListRef, Value, ValueRef};
use crate::{Error, Result, Store};

/// Redis's `LIST_MAX_ITEM_SIZE`: the longest element a list takes.
const MAX_ITEM_SIZE: usize = (1 << 32) - 1024;

/// An end of a list: `LEFT` (head) or `RIGHT` (tail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The head (`LEFT`).
    Left,
    /// The tail (`RIGHT`).
    Right,
}

impl Direction {
    /// The word Redis uses for this end.
    pub(crate) fn as_bytes(self) -> &'static [u8] {
        match self {
            Direction::Left => b"LEFT",
            Direction::Right => b"RIGHT",
        }
    }

    pub(crate) fn is_left(self) -> bool {
        self == Direction::Left
    }
}

/// Where `LINSERT` puts the new element relative to the pivot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertPosition {
    /// `BEFORE` the pivot.
    Before,
    /// `AFTER` the pivot.
    After,
}

/// Options of [`Store::lpos_with`]: `RANK`, `COUNT`, `MAXLEN`.
///
/// ```
/// use kvstore::{LposOptions, Store};
///
/// let store = Store::new();
/// store.rpush("l", ["a", "b", "a", "c", "a"])?;
/// let all = store.lpos_with("l", "a", &LposOptions::new().count(0))?;
/// assert_eq!(all, vec![0, 2, 4]);
/// let last_two = store.lpos_with("l", "a", &LposOptions::new().rank(-1).count(2))?;
/// assert_eq!(last_two, vec![4, 2]);
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct LposOptions {
    rank: i64,
    count: Option<usize>,
    maxlen: usize,
}

impl Default for LposOptions {
    fn default() -> Self {
        LposOptions {
            rank: 1,
            count: None,
            maxlen: 0,
        }
    }
}

impl LposOptions {
    /// No options: the first match from the head.
    pub fn new() -> Self {
        LposOptions::default()
    }

    /// `RANK rank`: start at the `rank`-th match (negative: from the tail).
    /// Zero is refused with [`Error::RankZero`] when the command runs.
    pub fn rank(mut self, rank: i64) -> Self {
        self.rank = rank;
        self
    }

    /// `COUNT count`: return up to `count` positions (0 = all matches).
    pub fn count(mut self, count: usize) -> Self {
        self.count = Some(count);
        self
    }

    /// `MAXLEN len`: compare at most `len` elements (0 = all).
    pub fn maxlen(mut self, maxlen: usize) -> Self {
        self.maxlen = maxlen;
        self
    }

    /// Whether `COUNT` was given (the reply is then an array).
    pub(crate) fn has_count(&self) -> bool {
        self.count.is_some()
    }
}

/// The list of a live slot, or WRONGTYPE.
pub(crate) fn as_list(slot: &Slot) -> Result<ListRef<'_>> {
    match slot.value() {
        ValueRef::List(list) => Ok(list),
        _ => Err(Error::WrongType),
    }
}

/// Checks that the key at `index` holds a list.
pub(crate) fn check_list(shard: &Shard, index: usize) -> Result<()> {
    match shard.slot(index) {
        Some(slot) => as_list(slot).map(|_| ()),
        None => Ok(()),
    }
}

/// Runs `f` on the list value of the key at `index`, then deletes the key
/// if the list ended empty (Redis never keeps an empty list). Returns what
/// `f` did and whether the key was deleted (the caller publishes the
/// command's event, then `del`).
pub(crate) fn mutate_list<R>(
    shard: &mut Shard,
    index: usize,
    hash: u64,
    f: impl FnOnce(&mut Value) -> R,
) -> Option<(R, bool)> {
    let (result, empty) = shard.update(index, |slot| {
        slot.value_mut().map(|v| {
            let r = f(v);
            (r, list_ops::value_len(v) == 0)
        })
    })??;
    if empty {
        shard.remove_at(index, hash);
    }
    Some((result, empty))
}

/// The event of a push at one end.
pub(crate) fn push_event(front: bool) -> &'static str {
    if front { "lpush" } else { "rpush" }
}

/// The event of a pop from one end.
pub(crate) fn pop_event(front: bool) -> &'static str {
    if front { "lpop" } else { "rpop" }
}

/// Publishes a list command's event, then `del` if it emptied the list.
pub(crate) fn notify_list(ctx: &Ctx<'_>, event: &str, key: &[u8], deleted: bool) {
    notify_write(ctx, class::LIST, Some(event), key, deleted);
}

/// Refuses elements longer than Redis accepts in a list.
pub(crate) fn check_elements(elements: &[&[u8]]) -> Result<()> {
    if elements.iter().any(|e| e.len() > MAX_ITEM_SIZE) {
        return Err(Error::ElementTooLarge);
    }
    Ok(())
}

impl Store {
    /// The chunk bound of lists (`list-max-listpack-size`).
    pub(crate) fn list_fill(&self) -> Fill {
        Fill::new(self.inner.settings.list_max_listpack_size())
    }

    /// Runs `f` on the list at `key` under a read lock: `Ok(None)` if the
    /// key is missing, WRONGTYPE if it holds another kind.
    fn read_list<R>(&self, key: &[u8], f: impl FnOnce(ListRef<'_>) -> R) -> Result<Option<R>> {
        self.read_key(key, |slot| match slot {
            None => Ok(None),
            Some(slot) => as_list(slot).map(|l| Some(f(l))),
        })
    }

    /// Whether `key` holds a list (`false` if missing; WRONGTYPE if it holds
    /// another kind). Handlers use it to order their errors as Redis does;
    /// `read` says whether the command reads the key (a missing key is then
    /// a `keymiss` event) or writes it.
    pub(crate) fn list_exists(&self, key: &[u8], read: bool) -> Result<bool> {
        let check = |slot: Option<&Slot>| match slot {
            None => Ok(false),
            Some(slot) => as_list(slot).map(|_| true),
        };
        if read {
            self.read_key(key, check)
        } else {
            self.read_key_quiet(key, check)
        }
    }

    fn push_generic(
        &self,
        name: &'static [u8],
        key: &[u8],
        elements: &[&[u8]],
        front: bool,
        only_existing: bool,
    ) -> Result<usize> {
        check_elements(elements)?;
        let fill = self.list_fill();
        let (len, _) = self.write_key_then(
            key,
            |shard, loc, ctx| {
                let len = match shard.find_live(key, loc.hash, ctx) {
                    Some(index) => {
                        check_list(shard, index)?;
                        mutate_list(shard, index, loc.hash, |v| {
                            list_ops::push(v, fill, elements, front);
                            list_ops::value_len(v)
                        })
                        .map_or(0, |(len, _)| len)
                    }
                    None if only_existing || elements.is_empty() => return Ok((0, false)),
                    None => {
                        let mut value = list_ops::new_value();
                        list_ops::push(&mut value, fill, elements, front);
                        let len = list_ops::value_len(&value);
                        shard.add(key, loc.hash, value, 0, ctx);
                        len
                    }
                };
                if elements.is_empty() {
                    return Ok((len, false));
                }
                ctx.notify(class::LIST, push_event(front), key);
                if ctx.propagating() {
                    let mut argv: Vec<&[u8]> = Vec::with_capacity(2 + elements.len());
                    argv.push(name);
                    argv.push(key);
                    argv.extend_from_slice(elements);
                    ctx.propagate(&argv);
                }
                Ok((len, true))
            },
            |&(_, pushed): &(usize, bool)| {
                if pushed {
                    self.signal_ready(key);
                }
            },
        )?;
        Ok(len)
    }

    /// `LPUSH key element [element …]`: insert each element at the head, in
    /// order (so the last one ends up first); returns the new length.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// assert_eq!(store.lpush("l", ["a", "b"])?, 2);
    /// assert_eq!(store.lrange("l", 0, -1)?, vec![b"b".to_vec(), b"a".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lpush(
        &self,
        key: impl AsRef<[u8]>,
        elements: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        with_byte_slices(elements, |elements| {
            self.push_generic(b"LPUSH", key.as_ref(), elements, true, false)
        })
    }

    /// `RPUSH key element [element …]`: append each element at the tail;
    /// returns the new length.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// assert_eq!(store.rpush("l", ["a", "b"])?, 2);
    /// assert_eq!(store.lindex("l", -1)?, Some(b"b".to_vec()));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn rpush(
        &self,
        key: impl AsRef<[u8]>,
        elements: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        with_byte_slices(elements, |elements| {
            self.push_generic(b"RPUSH", key.as_ref(), elements, false, false)
        })
    }

    /// `LPUSHX key element [element …]`: as [`Store::lpush`], only if the
    /// key already holds a list (returns 0 otherwise).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// assert_eq!(store.lpushx("l", ["a"])?, 0);
    /// assert_eq!(store.exists(["l"])?, 0);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lpushx(
        &self,
        key: impl AsRef<[u8]>,
        elements: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        with_byte_slices(elements, |elements| {
            self.push_generic(b"LPUSHX", key.as_ref(), elements, true, true)
        })
    }

    /// `RPUSHX key element [element …]`: as [`Store::rpush`], only if the
    /// key already holds a list (returns 0 otherwise).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    pub fn rpushx(
        &self,
        key: impl AsRef<[u8]>,
        elements: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        with_byte_slices(elements, |elements| {
            self.push_generic(b"RPUSHX", key.as_ref(), elements, false, true)
        })
    }

    /// Pops up to `count` elements (`None`: one, replied as a single
    /// value); `Ok(None)` when the key is missing. Propagates `LPOP key
    /// [count]` / `RPOP key [count]` when something was removed.
    pub(crate) fn pop_generic(
        &self,
        key: &[u8],
        front: bool,
        count: Option<usize>,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        let n = count.unwrap_or(1);
        self.pop_with(key, front, count, Vec::new, |v| {
            list_ops::pop_many(v, front, n)
        })
    }

    /// One element popped from `key` (the `LPOP key` form), without the
    /// vector of [`Store::pop_generic`].
    pub(crate) fn pop_one(&self, key: &[u8], front: bool) -> Result<Option<Vec<u8>>> {
        let popped = self.pop_with(key, front, None, || None, |v| list_ops::pop(v, front))?;
        Ok(popped.flatten())
    }

    /// The pop commands' common path: `take` removes the elements from the
    /// live list; a count of 0 answers `none()` and changes nothing.
    fn pop_with<T>(
        &self,
        key: &[u8],
        front: bool,
        count: Option<usize>,
        none: impl FnOnce() -> T,
        take: impl FnOnce(&mut Value) -> T,
    ) -> Result<Option<T>> {
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let Some(index) = shard.find_live(key, loc.hash, ctx) else {
                return Ok(None);
            };
            check_list(shard, index)?;
            if count == Some(0) {
                return Ok(Some(none()));
            }
            let Some((popped, deleted)) = mutate_list(shard, index, loc.hash, take) else {
                return Ok(Some(none()));
            };
            notify_list(ctx, pop_event(front), key, deleted);
            let name: &[u8] = if front { b"LPOP" } else { b"RPOP" };
            match count {
                Some(n) if ctx.propagating() => {
                    ctx.propagate(&[name, key, itoa::Buffer::new().format(n).as_bytes()]);
                }
                Some(_) => {}
                None => ctx.propagate(&[name, key]),
            }
            Ok(Some(popped))
        })
    }

    /// `LPOP key`: remove and return the head element (`None` if the key
    /// is missing). The key is deleted with its last element.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.rpush("q", ["job1", "job2"])?;
    /// assert_eq!(store.lpop("q")?, Some(b"job1".to_vec()));
    /// assert_eq!(store.lpop("q")?, Some(b"job2".to_vec()));
    /// assert_eq!(store.lpop("q")?, None);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lpop(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        self.pop_one(key.as_ref(), true)
    }

    /// `LPOP key count`: remove and return up to `count` head elements;
    /// `None` if the key is missing, an empty vector for `count` 0.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.rpush("q", ["a", "b", "c"])?;
    /// assert_eq!(store.lpop_count("q", 2)?, Some(vec![b"a".to_vec(), b"b".to_vec()]));
    /// assert_eq!(store.lpop_count("missing", 2)?, None);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lpop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Option<Vec<Vec<u8>>>> {
        self.pop_generic(key.as_ref(), true, Some(count))
    }

    /// `RPOP key`: remove and return the tail element.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    pub fn rpop(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        self.pop_one(key.as_ref(), false)
    }

    /// `RPOP key count`: remove and return up to `count` tail elements,
    /// last first.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    pub fn rpop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Option<Vec<Vec<u8>>>> {
        self.pop_generic(key.as_ref(), false, Some(count))
    }

    /// `LLEN key`: the length of the list (0 if missing).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    pub fn llen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        Ok(self.read_list(key.as_ref(), list_ops::len)?.unwrap_or(0))
    }

    /// `LRANGE key start stop`: the elements from `start` to `stop`
    /// inclusive (negative indices count from the tail; out-of-range
    /// indices are clamped).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.rpush("l", ["a", "b", "c"])?;
    /// assert_eq!(store.lrange("l", -2, 100)?, vec![b"b".to_vec(), b"c".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Vec<u8>>> {
        Ok(self
            .read_list(key.as_ref(), |list| {
                let n = i64::try_from(list_ops::len(list)).unwrap_or(i64::MAX);
                let start = if start < 0 { n + start } else { start }.max(0);
                let stop = if stop < 0 { n + stop } else { stop };
                if start > stop || start >= n {
                    return Vec::new();
                }
                let stop = stop.min(n - 1);
                let (Ok(first), Ok(count)) =
                    (usize::try_from(start), usize::try_from(stop - start + 1))
                else {
                    return Vec::new();
                };
                list_ops::range(list, first, count)
            })?
            .unwrap_or_default())
    }

    /// `LINDEX key index`: the element at `index` (negative from the tail).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    pub fn lindex(&self, key: impl AsRef<[u8]>, index: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .read_list(key.as_ref(), |list| list_ops::get(list, index))?
            .flatten())
    }

    /// `LSET key index element`: replace the element at `index`.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchKey`] if the key is missing; [`Error::WrongType`];
    /// [`Error::IndexOutOfRange`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.rpush("l", ["a", "b"])?;
    /// store.lset("l", -1, "z")?;
    /// assert_eq!(store.lindex("l", 1)?, Some(b"z".to_vec()));
    /// assert_eq!(store.lset("l", 5, "x"), Err(kvstore::Error::IndexOutOfRange));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lset(&self, key: impl AsRef<[u8]>, index: i64, element: impl AsRef<[u8]>) -> Result<()> {
        let (key, element) = (key.as_ref(), element.as_ref());
        check_elements(&[element])?;
        let fill = self.list_fill();
        self.write_key(key, |shard, loc, ctx| {
            let Some(i) = shard.find_live(key, loc.hash, ctx) else {
                return Err(Error::NoSuchKey);
            };
            check_list(shard, i)?;
            let done = mutate_list(shard, i, loc.hash, |v| {
                list_ops::set(v, fill, index, element)
            });
            if !matches!(done, Some((true, _))) {
                return Err(Error::IndexOutOfRange);
            }
            ctx.notify(class::LIST, "lset", key);
            if ctx.propagating() {
                let mut buf = itoa::Buffer::new();
                ctx.propagate(&[b"LSET", key, buf.format(index).as_bytes(), element]);
            }
            Ok(())
        })
    }

    /// `LREM key count element`: remove the first `count` elements equal to
    /// `element` (from the tail if `count` < 0, all if 0); returns how many.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.rpush("l", ["a", "b", "a", "a"])?;
    /// assert_eq!(store.lrem("l", -2, "a")?, 2);
    /// assert_eq!(store.lrange("l", 0, -1)?, vec![b"a".to_vec(), b"b".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lrem(
        &self,
        key: impl AsRef<[u8]>,
        count: i64,
        element: impl AsRef<[u8]>,
    ) -> Result<usize> {
        let (key, element) = (key.as_ref(), element.as_ref());
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let Some(i) = shard.find_live(key, loc.hash, ctx) else {
                return Ok(0);
            };
            check_list(shard, i)?;
            let (removed, deleted) =
                mutate_list(shard, i, loc.hash, |v| list_ops::remove(v, count, element))
                    .unwrap_or((0, false));
            if removed > 0 {
                notify_list(ctx, "lrem", key, deleted);
            }
            if removed > 0 && ctx.propagating() {
                let mut buf = itoa::Buffer::new();
                ctx.propagate(&[b"LREM", key, buf.format(count).as_bytes(), element]);
            }
            Ok(removed)
        })
    }

    /// `LTRIM key start stop`: keep only the elements from `start` to
    /// `stop` inclusive; the key is deleted if nothing is left.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.rpush("log", ["1", "2", "3", "4"])?;
    /// store.ltrim("log", -2, -1)?;
    /// assert_eq!(store.lrange("log", 0, -1)?, vec![b"3".to_vec(), b"4".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn ltrim(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<()> {
        let key = key.as_ref();
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let Some(i) = shard.find_live(key, loc.hash, ctx) else {
                return Ok(());
            };
            check_list(shard, i)?;
            let (removed, deleted) =
                mutate_list(shard, i, loc.hash, |v| list_ops::trim(v, start, stop))
                    .unwrap_or((0, false));
            // Redis publishes `ltrim` even when nothing was trimmed.
            notify_list(ctx, "ltrim", key, deleted);
            if removed > 0 && ctx.propagating() {
                let (mut a, mut b) = (itoa::Buffer::new(), itoa::Buffer::new());
                ctx.propagate(&[
                    b"LTRIM",
                    key,
                    a.format(start).as_bytes(),
                    b.format(stop).as_bytes(),
                ]);
            }
            Ok(())
        })
    }

    /// `LINSERT key BEFORE|AFTER pivot element`: insert `element` next to
    /// the first `pivot`; returns the new length, -1 if the pivot is not
    /// found, 0 if the key is missing.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// use kvstore::{InsertPosition, Store};
    /// let store = Store::new();
    /// store.rpush("l", ["a", "c"])?;
    /// assert_eq!(store.linsert("l", InsertPosition::After, "a", "b")?, 3);
    /// assert_eq!(store.linsert("l", InsertPosition::Before, "zz", "b")?, -1);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn linsert(
        &self,
        key: impl AsRef<[u8]>,
        position: InsertPosition,
        pivot: impl AsRef<[u8]>,
        element: impl AsRef<[u8]>,
    ) -> Result<i64> {
        let (key, pivot, element) = (key.as_ref(), pivot.as_ref(), element.as_ref());
        check_elements(&[element])?;
        let fill = self.list_fill();
        let after = position == InsertPosition::After;
        let len = self.write_key_then(
            key,
            |shard, loc, ctx| {
                let Some(i) = shard.find_live(key, loc.hash, ctx) else {
                    return Ok(0);
                };
                check_list(shard, i)?;
                let inserted = mutate_list(shard, i, loc.hash, |v| {
                    list_ops::insert(v, fill, pivot, element, after)
                })
                .and_then(|(len, _)| len);
                let Some(len) = inserted else {
                    return Ok(-1);
                };
                ctx.notify(class::LIST, "linsert", key);
                let word: &[u8] = if after { b"AFTER" } else { b"BEFORE" };
                ctx.propagate(&[b"LINSERT", key, word, pivot, element]);
                Ok(i64::try_from(len).unwrap_or(i64::MAX))
            },
            |&len: &i64| {
                if len > 0 {
                    self.signal_ready(key);
                }
            },
        )?;
        Ok(len)
    }

    /// `LPOS key element`: the position of the first element equal to
    /// `element`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if the key holds another kind of value.
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.rpush("l", ["a", "b", "c"])?;
    /// assert_eq!(store.lpos("l", "c")?, Some(2));
    /// assert_eq!(store.lpos("l", "x")?, None);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lpos(&self, key: impl AsRef<[u8]>, element: impl AsRef<[u8]>) -> Result<Option<usize>> {
        Ok(self
            .lpos_with(key, element, &LposOptions::new())?
            .first()
            .copied())
    }

    /// `LPOS key element [RANK rank] [COUNT count] [MAXLEN len]`: the
    /// positions (from the head) of matching elements. Without
    /// [`LposOptions::count`] at most one position is returned.
    ///
    /// # Errors
    ///
    /// [`Error::RankZero`] for rank 0; [`Error::WrongType`].
    pub fn lpos_with(
        &self,
        key: impl AsRef<[u8]>,
        element: impl AsRef<[u8]>,
        options: &LposOptions,
    ) -> Result<Vec<usize>> {
        if options.rank == 0 {
            return Err(Error::RankZero);
        }
        let element = element.as_ref();
        let limit = match options.count {
            None => 1,
            // Redis 7.0's overflowing RANK LONG_MIN never stops at COUNT.
            Some(_) if options.rank == i64::MIN => usize::MAX,
            Some(0) => usize::MAX,
            Some(n) => n,
        };
        Ok(self
            .read_list(key.as_ref(), |list| {
                list_ops::positions(list, element, options.rank, limit, options.maxlen)
            })?
            .unwrap_or_default())
    }
}

#[cfg(test)]
#[path = "list_tests.rs"]
mod tests;
