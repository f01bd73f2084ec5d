//! Sorted sets: ZADD, ZSCORE, ranks and the rest of Redis 7.0's
//! single-member sorted-set commands. Ranges are in
//! [`zset_range`](super::zset_range), pops in
//! [`zset_blocking`](super::zset_blocking), ZUNION & co. in
//! [`zset_ops`](super::zset_ops), ZRANDMEMBER and ZSCAN in
//! [`zset_random`](super::zset_random).
//!
//! A small sorted set is packed: members and scores alternate in one
//! listpack in score order (`OBJECT ENCODING` `listpack`). It becomes a
//! [`SortedSet`] (`skiplist`) once it would hold more than
//! `zset_max_listpack_entries` members or a member longer than
//! `zset_max_listpack_value` bytes; only commands that build a whole new
//! sorted set (ZRANGESTORE, Z*STORE) pick the packed encoding again, as
//! Redis's `zsetConvertToListpackIfNeeded` does.

use crate::encoding::sortedset::SortedSet;
use crate::encoding::zpacked;
use crate::keyspace::Shard;
use crate::keyspace::entry::Slot;
use crate::pubsub::class;
pub(crate) use crate::types::zset_parse::{
    parse_lex_bound, parse_score, parse_score_bound, score_text,
};
use crate::types::{notify_write, with_byte_slices};
use crate::value::{Value, ValueRef, ZSetRef};
use crate::{Error, Result, Store};

/// One end of a score range: `(x` is exclusive. Use `f64::INFINITY` /
/// `f64::NEG_INFINITY` for `+inf` / `-inf`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScoreBound {
    /// The score itself is in the range.
    Inclusive(f64),
    /// The score itself is not (`(x`).
    Exclusive(f64),
}

/// One end of a lexicographic range: `[a`, `(a`, `-` or `+`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// `[member`: the member itself is in the range.
    Inclusive(Vec<u8>),
    /// `(member`: it is not.
    Exclusive(Vec<u8>),
    /// `-`: before every member.
    Min,
    /// `+`: after every member.
    Max,
}

/// Which end of a sorted set to pop from (`ZPOPMIN`/`ZPOPMAX`, `ZMPOP MIN|MAX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZEnd {
    /// The lowest scores.
    Min,
    /// The highest scores.
    Max,
}

/// How `ZUNION`/`ZINTER` combine the scores of a member found in several inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// Add them up (the default).
    #[default]
    Sum,
    /// Keep the lowest.
    Min,
    /// Keep the highest.
    Max,
}

/// The flags of `ZADD`: `NX`, `XX`, `GT`, `LT`, `CH`.
///
/// ```
/// use kvstore::{Store, ZAddOptions};
/// let store = Store::new();
/// store.zadd("z", [(1.0, "a")])?;
/// // Only update, only upwards, count changes.
/// let changed = store.zadd_with("z", [(5.0, "a"), (1.0, "b")], &ZAddOptions::new().xx().gt().ch())?;
/// assert_eq!(changed, 1);
/// assert_eq!(store.zscore("z", "a")?, Some(5.0));
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZAddOptions {
    pub(crate) nx: bool,
    pub(crate) xx: bool,
    pub(crate) gt: bool,
    pub(crate) lt: bool,
    pub(crate) ch: bool,
}

impl ZAddOptions {
    /// No flags.
    #[must_use]
    pub fn new() -> ZAddOptions {
        ZAddOptions::default()
    }
    /// `NX`: only add new members.
    #[must_use]
    pub fn nx(mut self) -> Self {
        self.nx = true;
        self
    }
    /// `XX`: only update existing members.
    #[must_use]
    pub fn xx(mut self) -> Self {
        self.xx = true;
        self
    }
    /// `GT`: only update when the new score is greater.
    #[must_use]
    pub fn gt(mut self) -> Self {
        self.gt = true;
        self
    }
    /// `LT`: only update when the new score is lower.
    #[must_use]
    pub fn lt(mut self) -> Self {
        self.lt = true;
        self
    }
    /// `CH`: count changed members too, not only added ones.
    #[must_use]
    pub fn ch(mut self) -> Self {
        self.ch = true;
        self
    }

    /// Redis's option conflicts, in its order.
    fn check(self, incr: bool, pairs: usize) -> Result<()> {
        if self.nx && self.xx {
            return Err(Error::ZAddXxNx);
        }
        if (self.nx && (self.gt || self.lt)) || (self.gt && self.lt) {
            return Err(Error::ZAddGtLtNx);
        }
        if incr && pairs > 1 {
            return Err(Error::ZAddIncrPair);
        }
        Ok(())
    }

    /// The flags as ZADD arguments (for propagation).
    fn words(self) -> impl Iterator<Item = &'static [u8]> {
        [
            (self.nx, b"NX".as_slice()),
            (self.xx, b"XX"),
            (self.gt, b"GT"),
            (self.lt, b"LT"),
            (self.ch, b"CH"),
        ]
        .into_iter()
        .filter_map(|(on, w)| on.then_some(w))
    }
}

// ---------------------------------------------------------------------------
// Both encodings behind one interface

impl ZSetRef<'_> {
    /// Number of members.
    pub(crate) fn len(self) -> usize {
        match self {
            ZSetRef::Packed(lp) => zpacked::len(lp),
            ZSetRef::Skip(z) => z.len(),
        }
    }

    /// The score of `member`.
    pub(crate) fn score(self, member: &[u8]) -> Option<f64> {
        match self {
            ZSetRef::Packed(lp) => zpacked::score(lp, member),
            ZSetRef::Skip(z) => z.score(member),
        }
    }

    /// The ascending rank of `member` and its score.
    pub(crate) fn rank(self, member: &[u8]) -> Option<(usize, f64)> {
        match self {
            ZSetRef::Packed(lp) => zpacked::find(lp, member).map(|(_, r, s)| (r, s)),
            ZSetRef::Skip(z) => z.rank(member),
        }
    }

    /// Number of members for which `before` holds (a prefix of the order).
    pub(crate) fn count_before(self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        match self {
            ZSetRef::Packed(lp) => zpacked::count_before(lp, before),
            ZSetRef::Skip(z) => z.count_before(before),
        }
    }

    /// Calls `f` on the members of ranks `lo..hi`, in order or reversed.
    pub(crate) fn for_range(self, lo: usize, hi: usize, rev: bool, f: impl FnMut(f64, &[u8])) {
        match self {
            ZSetRef::Packed(lp) => zpacked::for_range(lp, lo, hi, rev, f),
            ZSetRef::Skip(z) => z.for_range(lo, hi, rev, f),
        }
    }

    /// The members of ranks `lo..hi` with their scores, owned.
    pub(crate) fn collect(self, lo: usize, hi: usize, rev: bool) -> Vec<(Vec<u8>, f64)> {
        let mut out = Vec::with_capacity(hi.saturating_sub(lo).min(1 << 16));
        self.for_range(lo, hi, rev, |s, m| out.push((m.to_vec(), s)));
        out
    }

    /// Ranks `lo..hi` of the members within a score range.
    pub(crate) fn score_span(self, min: ScoreBound, max: ScoreBound) -> (usize, usize) {
        let lo = self.count_before(|s, _| min.below_min(s));
        let hi = self.count_before(|s, _| max.within_max(s));
        (lo, hi.max(lo))
    }
}

/// The sorted set in a slot's value, or WRONGTYPE.
pub(crate) fn as_zset(value: ValueRef<'_>) -> Result<ZSetRef<'_>> {
    match value {
        ValueRef::ZSet(z) => Ok(z),
        _ => Err(Error::WrongType),
    }
}

/// Checks that the key at `index` holds a sorted set.
pub(crate) fn check_zset(shard: &Shard, index: usize) -> Result<()> {
    match shard.slot(index) {
        Some(slot) => as_zset(slot.value()).map(|_| ()),
        None => Ok(()),
    }
}

/// The packed encoding's thresholds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ZLimits {
    pub(crate) entries: usize,
    pub(crate) value: usize,
}

impl Store {
    pub(crate) fn zset_limits(&self) -> ZLimits {
        ZLimits {
            entries: self.inner.settings.zset_max_listpack_entries(),
            value: self.inner.settings.zset_max_listpack_value(),
        }
    }
}

/// Number of members of a sorted-set value (0 for anything else).
pub(crate) fn zset_len(value: &Value) -> usize {
    match value {
        Value::ZSetPacked(lp) => zpacked::len(lp),
        Value::ZSet(z) => z.len(),
        _ => 0,
    }
}

/// A new, empty sorted-set value for a first member of `first_len` bytes
/// (Redis's `zaddGenericCommand` choice).
pub(crate) fn new_zset(limits: ZLimits, first_len: usize) -> Value {
    if limits.entries == 0 || first_len > limits.value {
        Value::ZSet(Box::default())
    } else {
        Value::ZSetPacked(crate::encoding::listpack::Listpack::new())
    }
}

/// A sorted-set value holding `pairs` (sorted by score, then member, no
/// duplicates), packed when it fits the limits.
pub(crate) fn zset_from_sorted<M: AsRef<[u8]>>(pairs: &[(M, f64)], limits: ZLimits) -> Value {
    let fits = pairs.len() <= limits.entries
        && pairs.iter().all(|(m, _)| m.as_ref().len() <= limits.value);
    if fits {
        Value::ZSetPacked(zpacked::from_sorted(pairs))
    } else {
        let mut z = SortedSet::new();
        for (m, s) in pairs {
            z.insert_new(m.as_ref(), *s);
        }
        Value::ZSet(Box::new(z))
    }
}

/// Writes the result of a `*STORE` command: `pairs` (in rank order) as
/// the sorted set at `dst` (publishing `event`), or no key when empty
/// (`del` if there was one, expired or not, as Redis's dbDelete),
/// propagating `argv` when the key changed. Returns the result's size.
pub(crate) fn store_result(
    target: &mut Shard,
    dst: &[u8],
    hash: u64,
    pairs: &[(Vec<u8>, f64)],
    limits: ZLimits,
    ctx: &crate::keyspace::Ctx<'_>,
    (event, argv): (&str, &[&[u8]]),
) -> usize {
    if !pairs.is_empty() {
        target.overwrite(dst, hash, zset_from_sorted(pairs, limits), ctx);
        ctx.notify(class::ZSET, event, dst);
        ctx.propagate(argv);
    } else if target.remove_key(dst, hash) {
        ctx.notify(class::GENERIC, "del", dst);
        ctx.propagate(argv);
    }
    pairs.len()
}

/// Sets the score of `member`, adding it when new (converting a packed set
/// past the limits); returns the old score.
pub(crate) fn zset_set(
    value: &mut Value,
    member: &[u8],
    score: f64,
    limits: ZLimits,
) -> Option<f64> {
    if let Value::ZSetPacked(lp) = value {
        if let Some((at, _, old)) = zpacked::find(lp, member) {
            if old != score {
                lp.remove_at(at, 2);
                zpacked::insert(lp, member, score);
            }
            return Some(old);
        }
        if member.len() <= limits.value && zpacked::len(lp) < limits.entries {
            zpacked::insert(lp, member, score);
            return None;
        }
        *value = Value::ZSet(Box::new(zpacked::to_sorted_set(lp)));
    }
    match value {
        Value::ZSet(z) => z.set(member, score),
        _ => None,
    }
}

/// Removes `member`; returns its score.
pub(crate) fn zset_remove(value: &mut Value, member: &[u8]) -> Option<f64> {
    match value {
        Value::ZSetPacked(lp) => zpacked::remove(lp, member),
        Value::ZSet(z) => z.remove(member),
        _ => None,
    }
}

/// Removes the members of ranks `lo..hi`; returns how many.
pub(crate) fn zset_remove_range(value: &mut Value, lo: usize, hi: usize) -> usize {
    match value {
        Value::ZSetPacked(lp) => zpacked::remove_range(lp, lo, hi),
        Value::ZSet(z) => z.remove_range(lo, hi),
        _ => 0,
    }
}

/// Runs `f` on the sorted-set value of the key at `index`, then deletes the
/// key if the set ended empty. Returns what `f` did and whether the key was
/// deleted (the caller publishes the command's event, then `del`).
pub(crate) fn mutate_zset<R>(
    shard: &mut Shard,
    index: usize,
    hash: u64,
    f: impl FnOnce(&mut Value) -> R,
) -> Option<(R, bool)> {
    let (result, empty) = shard.update(index, |slot: &mut Slot| {
        slot.value_mut().map(|v| {
            let r = f(v);
            (r, zset_len(v) == 0)
        })
    })??;
    if empty {
        shard.remove_at(index, hash);
    }
    Some((result, empty))
}

/// What a ZADD did.
struct Added {
    added: usize,
    updated: usize,
    /// INCR: the new score, or `None` when a flag stopped the update.
    score: Option<f64>,
}

impl Store {
    /// Reads the sorted set at `key` (`None`: missing).
    pub(crate) fn zset_read<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(Option<ZSetRef<'_>>) -> Result<R>,
    ) -> Result<R> {
        self.read_key(key, |slot| match slot {
            None => f(None),
            Some(slot) => f(Some(as_zset(slot.value())?)),
        })
    }

    /// ZADD in all its forms. `verbatim` is the command line to propagate
    /// (else a canonical ZADD is built).
    fn zadd_generic(
        &self,
        key: &[u8],
        pairs: &[(f64, &[u8])],
        opts: ZAddOptions,
        incr: bool,
        verbatim: Option<&[&[u8]]>,
    ) -> Result<Added> {
        opts.check(incr, pairs.len())?;
        let limits = self.zset_limits();
        let out = self.write_key_then(
            key,
            |shard, loc, ctx| -> Result<Added> {
                let index = shard.find_live(key, loc.hash, ctx);
                if let Some(i) = index {
                    check_zset(shard, i)?;
                }
                let mut out = Added {
                    added: 0,
                    updated: 0,
                    score: None,
                };
                if pairs.is_empty() {
                    return Ok(out);
                }
                let index = match index {
                    Some(i) => i,
                    None if opts.xx => return Ok(out),
                    None => {
                        let first = pairs.first().map_or(0, |p| p.1.len());
                        shard.add(key, loc.hash, new_zset(limits, first), 0, ctx);
                        match shard.find_live(key, loc.hash, ctx) {
                            Some(i) => i,
                            None => return Ok(out),
                        }
                    }
                };
                let result = mutate_zset(shard, index, loc.hash, |v| -> Result<()> {
                    for &(score, member) in pairs {
                        let old = match v {
                            Value::ZSetPacked(lp) => zpacked::score(lp, member),
                            Value::ZSet(z) => z.score(member),
                            _ => None,
                        };
                        let mut new = score;
                        match old {
                            Some(cur) => {
                                // As Redis's zsetAdd: NX before the increment.
                                if opts.nx {
                                    continue;
                                }
                                if incr {
                                    new = cur + score;
                                    if new.is_nan() {
                                        return Err(Error::ZScoreNan);
                                    }
                                }
                                if (opts.lt && new >= cur) || (opts.gt && new <= cur) {
                                    continue;
                                }
                                out.score = Some(new);
                                if new != cur {
                                    zset_set(v, member, new, limits);
                                    out.updated += 1;
                                }
                            }
                            None => {
                                if opts.xx {
                                    continue;
                                }
                                zset_set(v, member, new, limits);
                                out.added += 1;
                                out.score = Some(new);
                            }
                        }
                    }
                    Ok(())
                });
                if let Some((Err(e), _)) = result {
                    return Err(e);
                }
                if out.added + out.updated > 0 {
                    ctx.notify(class::ZSET, if incr { "zincr" } else { "zadd" }, key);
                }
                if out.added + out.updated > 0 && ctx.propagating() {
                    match verbatim {
                        Some(argv) => ctx.propagate(argv),
                        None => {
                            let texts: Vec<Vec<u8>> = pairs
                                .iter()
                                .map(|(s, _)| score_text(*s).into_bytes())
                                .collect();
                            let zincrby = incr && opts == ZAddOptions::default();
                            let name: &[u8] = if zincrby { b"ZINCRBY" } else { b"ZADD" };
                            let mut argv: Vec<&[u8]> = Vec::with_capacity(2 + 2 * pairs.len() + 6);
                            argv.push(name);
                            argv.push(key);
                            if !zincrby {
                                for w in opts.words() {
                                    argv.push(w);
                                }
                                if incr {
                                    argv.push(b"INCR");
                                }
                            }
                            for ((_, m), t) in pairs.iter().zip(&texts) {
                                argv.push(t);
                                argv.push(m);
                            }
                            ctx.propagate(&argv);
                        }
                    }
                }
                Ok(out)
            },
            |out: &Added| {
                if out.added > 0 {
                    self.signal_ready(key);
                }
            },
        )?;
        Ok(out)
    }

    /// ZADD/ZINCRBY from the command line: `(reply count, INCR score)`.
    pub(crate) fn zadd_command(
        &self,
        argv: &[&[u8]],
        pairs: &[(f64, &[u8])],
        opts: ZAddOptions,
        incr: bool,
    ) -> Result<(usize, Option<f64>)> {
        let out = self.zadd_generic(argv[1], pairs, opts, incr, Some(argv))?;
        let n = if opts.ch {
            out.added + out.updated
        } else {
            out.added
        };
        Ok((n, out.score))
    }

    /// `ZADD key score member [score member …]`: adds members or updates
    /// their scores; returns how many were added.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another kind.
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// assert_eq!(store.zadd("z", [(1.0, "a"), (2.0, "b")])?, 2);
    /// assert_eq!(store.zadd("z", [(3.0, "a")])?, 0);
    /// assert_eq!(store.zscore("z", "a")?, Some(3.0));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zadd(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (f64, impl AsRef<[u8]>)>,
    ) -> Result<usize> {
        self.zadd_with(key, members, &ZAddOptions::new())
    }

    /// `ZADD key [NX|XX] [GT|LT] [CH] score member …`: as [`Store::zadd`]
    /// with flags; returns the members added (with `CH`: added or changed).
    ///
    /// # Errors
    ///
    /// [`Error::ZAddXxNx`], [`Error::ZAddGtLtNx`] for conflicting flags;
    /// [`Error::WrongType`].
    pub fn zadd_with(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (f64, impl AsRef<[u8]>)>,
        options: &ZAddOptions,
    ) -> Result<usize> {
        let (scores, names): (Vec<f64>, Vec<_>) = members.into_iter().unzip();
        with_byte_slices(names, |names| {
            let pairs: Vec<(f64, &[u8])> =
                scores.iter().copied().zip(names.iter().copied()).collect();
            if pairs.iter().any(|p| p.0.is_nan()) {
                return Err(Error::NotFloat);
            }
            let out = self.zadd_generic(key.as_ref(), &pairs, *options, false, None)?;
            Ok(if options.ch {
                out.added + out.updated
            } else {
                out.added
            })
        })
    }

    /// `ZADD key [flags] INCR increment member`: adds `increment` to the
    /// member's score (a missing member counts as 0); returns the new score,
    /// or `None` when a flag stopped it.
    ///
    /// # Errors
    ///
    /// [`Error::ZScoreNan`] when the sum is NaN (`inf + -inf`); as
    /// [`Store::zadd_with`].
    ///
    /// ```
    /// use kvstore::{Store, ZAddOptions};
    /// let store = Store::new();
    /// assert_eq!(store.zadd_incr("z", 2.5, "a", &ZAddOptions::new())?, Some(2.5));
    /// assert_eq!(store.zadd_incr("z", 1.0, "a", &ZAddOptions::new().nx())?, None);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zadd_incr(
        &self,
        key: impl AsRef<[u8]>,
        increment: f64,
        member: impl AsRef<[u8]>,
        options: &ZAddOptions,
    ) -> Result<Option<f64>> {
        if increment.is_nan() {
            return Err(Error::NotFloat);
        }
        let pairs = [(increment, member.as_ref())];
        Ok(self
            .zadd_generic(key.as_ref(), &pairs, *options, true, None)?
            .score)
    }

    /// `ZINCRBY key increment member`: adds `increment` to the member's
    /// score (creating it at `increment`); returns the new score.
    ///
    /// # Errors
    ///
    /// [`Error::ZScoreNan`] when the sum is NaN; [`Error::WrongType`].
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.zincrby("z", 1.5, "a")?;
    /// assert_eq!(store.zincrby("z", 1.5, "a")?, 3.0);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zincrby(
        &self,
        key: impl AsRef<[u8]>,
        increment: f64,
        member: impl AsRef<[u8]>,
    ) -> Result<f64> {
        let score = self.zadd_incr(key, increment, member, &ZAddOptions::new())?;
        Ok(score.unwrap_or(0.0))
    }

    /// `ZREM key member …`: removes members; returns how many were there.
    /// Propagated as given when anything was removed.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.zadd("z", [(1.0, "a"), (2.0, "b")])?;
    /// assert_eq!(store.zrem("z", ["a", "x"])?, 1);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zrem(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        let key = key.as_ref();
        with_byte_slices(members, |members| {
            let mut argv: Vec<&[u8]> = Vec::with_capacity(members.len() + 2);
            argv.push(b"ZREM");
            argv.push(key);
            argv.extend_from_slice(members);
            self.zrem_command(&argv)
        })
    }

    /// ZREM from a command line (propagated verbatim).
    pub(crate) fn zrem_command(&self, argv: &[&[u8]]) -> Result<usize> {
        let key = argv[1];
        let members = &argv[2..];
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let Some(i) = shard.find_live(key, loc.hash, ctx) else {
                return Ok(0);
            };
            check_zset(shard, i)?;
            let (removed, deleted) = mutate_zset(shard, i, loc.hash, |v| {
                let mut n = 0;
                for m in members {
                    if zset_len(v) == 0 {
                        break;
                    }
                    if zset_remove(v, m).is_some() {
                        n += 1;
                    }
                }
                n
            })
            .unwrap_or((0, false));
            if removed > 0 {
                notify_write(ctx, class::ZSET, Some("zrem"), key, deleted);
                ctx.propagate(argv);
            }
            Ok(removed)
        })
    }

    /// `ZSCORE key member`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn zscore(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<Option<f64>> {
        self.zset_read(key.as_ref(), |z| {
            Ok(z.and_then(|z| z.score(member.as_ref())))
        })
    }

    /// `ZMSCORE key member …`: the score of each member (`None`: absent).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn zmscore(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<Vec<Option<f64>>> {
        let members: Vec<_> = members.into_iter().collect();
        self.zset_read(key.as_ref(), |z| {
            Ok(members
                .iter()
                .map(|m| z.and_then(|z| z.score(m.as_ref())))
                .collect())
        })
    }

    /// `ZCARD key`: the number of members (0 for a missing key).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn zcard(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.zset_read(key.as_ref(), |z| Ok(z.map_or(0, ZSetRef::len)))
    }

    /// `ZCOUNT key min max`: members with a score in the range.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// use kvstore::ScoreBound::{Exclusive, Inclusive};
    /// let store = kvstore::Store::new();
    /// store.zadd("z", [(1.0, "a"), (2.0, "b"), (3.0, "c")])?;
    /// assert_eq!(store.zcount("z", Exclusive(1.0), Inclusive(f64::INFINITY))?, 2);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zcount(&self, key: impl AsRef<[u8]>, min: ScoreBound, max: ScoreBound) -> Result<usize> {
        self.zset_read(key.as_ref(), |z| {
            Ok(z.map_or(0, |z| {
                let (lo, hi) = z.score_span(min, max);
                hi - lo
            }))
        })
    }

    /// `ZLEXCOUNT key min max`: members within a lex range (meaningful when
    /// all scores are equal).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn zlexcount(&self, key: impl AsRef<[u8]>, min: LexBound, max: LexBound) -> Result<usize> {
        self.zset_read(key.as_ref(), |z| {
            Ok(z.map_or(0, |z| {
                let (lo, hi) = z.lex_span(&min, &max, false, 0);
                hi - lo
            }))
        })
    }

    /// `ZRANK key member`: the 0-based rank by ascending score.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.zadd("z", [(1.0, "a"), (2.0, "b")])?;
    /// assert_eq!(store.zrank("z", "b")?, Some(1));
    /// assert_eq!(store.zrevrank("z", "b")?, Some(0));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zrank(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<Option<usize>> {
        self.zset_read(key.as_ref(), |z| {
            Ok(z.and_then(|z| z.rank(member.as_ref())).map(|r| r.0))
        })
    }

    /// `ZREVRANK key member`: the 0-based rank by descending score.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn zrevrank(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<Option<usize>> {
        self.zset_read(key.as_ref(), |z| {
            Ok(z.and_then(|z| z.rank(member.as_ref()).map(|r| z.len() - 1 - r.0)))
        })
    }
}

#[cfg(test)]
#[path = "zset_tests.rs"]
mod tests;
