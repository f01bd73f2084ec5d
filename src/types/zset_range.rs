//! Sorted-set ranges: ZRANGE in all its forms (BYSCORE, BYLEX, REV,
//! LIMIT), ZRANGESTORE and ZREMRANGEBYRANK / BYSCORE / BYLEX.

use crate::pubsub::class;
use crate::types::notify_write;
use crate::types::zset::{
    LexBound, ScoreBound, ZLimits, as_zset, check_zset, mutate_zset, store_result,
    zset_remove_range,
};
use crate::value::ZSetRef;
use crate::{Error, Result, Store};

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Rank(i64, i64),
    Score(ScoreBound, ScoreBound),
    Lex(LexBound, LexBound),
}

/// What `ZRANGE` selects: ranks, a score range or a lex range, optionally
/// reversed and (for scores and lex) limited.
///
/// Bounds are always given lowest first; [`ZRange::rev`] reverses the
/// order of the result (the command line's `REV` takes `max min`).
///
/// ```
/// use kvstore::{ScoreBound, Store, ZRange};
/// let store = Store::new();
/// store.zadd("z", [(1.0, "a"), (2.0, "b"), (3.0, "c")])?;
/// let top = store.zrange("z", &ZRange::by_rank(0, 0).rev())?;
/// assert_eq!(top, vec![(b"c".to_vec(), 3.0)]);
/// let range = ZRange::by_score(ScoreBound::Exclusive(1.0), ScoreBound::Inclusive(f64::INFINITY)).limit(0, 1);
/// assert_eq!(store.zrange("z", &range)?, vec![(b"b".to_vec(), 2.0)]);
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ZRange {
    kind: Kind,
    rev: bool,
    limit: Option<(i64, i64)>,
}

impl ZRange {
    /// Ranks `start..=stop` (negative counts from the end).
    #[must_use]
    pub fn by_rank(start: i64, stop: i64) -> ZRange {
        ZRange {
            kind: Kind::Rank(start, stop),
            rev: false,
            limit: None,
        }
    }

    /// Scores from `min` to `max`.
    #[must_use]
    pub fn by_score(min: ScoreBound, max: ScoreBound) -> ZRange {
        ZRange {
            kind: Kind::Score(min, max),
            rev: false,
            limit: None,
        }
    }

    /// Members from `min` to `max` (for sets whose scores are all equal).
    #[must_use]
    pub fn by_lex(min: LexBound, max: LexBound) -> ZRange {
        ZRange {
            kind: Kind::Lex(min, max),
            rev: false,
            limit: None,
        }
    }

    /// Highest first.
    #[must_use]
    pub fn rev(mut self) -> ZRange {
        self.rev = true;
        self
    }

    /// Skip `offset` results and return at most `count` (negative: all).
    #[must_use]
    pub fn limit(mut self, offset: i64, count: i64) -> ZRange {
        self.limit = Some((offset, count));
        self
    }

    fn check(&self) -> Result<()> {
        if matches!(self.limit, Some((_, c)) if c != -1) && matches!(self.kind, Kind::Rank(..)) {
            return Err(Error::ZRangeLimitByRank);
        }
        Ok(())
    }

    /// The ascending ranks `lo..hi` selected in `z`.
    fn resolve(&self, z: ZSetRef<'_>) -> (usize, usize) {
        let offset = match self.limit.map(|(o, _)| usize::try_from(o)) {
            None => 0,
            Some(Ok(o)) => o,
            // Redis's `while (eptr && offset--)` runs off the end.
            Some(Err(_)) => return (0, 0),
        };
        let (lo, hi) = match &self.kind {
            Kind::Rank(start, stop) => {
                return rank_span(z.len(), *start, *stop, self.rev);
            }
            Kind::Score(min, max) => skip_offset(z.score_span(*min, *max), offset, self.rev),
            Kind::Lex(min, max) => z.lex_span(min, max, self.rev, offset),
        };
        let Some((_, count)) = self.limit else {
            return (lo, hi);
        };
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        if self.rev {
            (hi.saturating_sub(count).max(lo), hi)
        } else {
            (lo, lo.saturating_add(count).min(hi))
        }
    }

    /// The range as command arguments after the keys (propagation).
    fn args(&self) -> Vec<Vec<u8>> {
        let int = |n: i64| itoa::Buffer::new().format(n).as_bytes().to_vec();
        let mut out = match &self.kind {
            Kind::Rank(a, b) => vec![int(*a), int(*b)],
            Kind::Score(min, max) if self.rev => {
                vec![max.to_arg(), min.to_arg(), b"BYSCORE".to_vec()]
            }
            Kind::Score(min, max) => vec![min.to_arg(), max.to_arg(), b"BYSCORE".to_vec()],
            Kind::Lex(min, max) if self.rev => vec![max.to_arg(), min.to_arg(), b"BYLEX".to_vec()],
            Kind::Lex(min, max) => vec![min.to_arg(), max.to_arg(), b"BYLEX".to_vec()],
        };
        if self.rev {
            out.push(b"REV".to_vec());
        }
        if let Some((o, c)) = self.limit {
            out.extend([b"LIMIT".to_vec(), int(o), int(c)]);
        }
        out
    }
}

/// A span without its first `offset` members (its last with `rev`).
fn skip_offset((lo, hi): (usize, usize), offset: usize, rev: bool) -> (usize, usize) {
    if offset >= hi - lo {
        (0, 0)
    } else if rev {
        (lo, hi - offset)
    } else {
        (lo + offset, hi)
    }
}

/// Whether a lex range can hold nothing, as Redis's `zzlIsInLexRange`
/// tests with `sdscmplex` (`-` and `+` count as exclusive).
fn lex_range_empty(min: &LexBound, max: &LexBound) -> bool {
    use std::cmp::Ordering;
    let exclusive = |b: &LexBound| !matches!(b, LexBound::Inclusive(_));
    let cmp = match (min, max) {
        (LexBound::Min, LexBound::Min) | (LexBound::Max, LexBound::Max) => Ordering::Equal,
        (LexBound::Min, _) | (_, LexBound::Max) => Ordering::Less,
        (LexBound::Max, _) | (_, LexBound::Min) => Ordering::Greater,
        (
            LexBound::Inclusive(a) | LexBound::Exclusive(a),
            LexBound::Inclusive(b) | LexBound::Exclusive(b),
        ) => a.cmp(b),
    };
    cmp.is_gt() || (cmp.is_eq() && (exclusive(min) || exclusive(max)))
}

impl ZSetRef<'_> {
    /// Ranks `lo..hi` of the members a lex range selects, `offset` members
    /// past where the walk starts (the low end, or the high end with `rev`).
    ///
    /// Lex ranges are meant for sets whose scores are all equal. Over mixed
    /// scores a packed set answers as Redis 7.0's listpack does
    /// ([`packed_lex_span`]); a big one keeps the B+tree's answer, trimmed
    /// to a run of members that all lie within the range.
    pub(crate) fn lex_span(
        self,
        min: &LexBound,
        max: &LexBound,
        rev: bool,
        offset: usize,
    ) -> (usize, usize) {
        if let ZSetRef::Packed(_) = self {
            return packed_lex_span(self, min, max, rev, offset);
        }
        let inside = |m: &[u8]| !min.below_min(m) && max.within_max(m);
        let lo = self.count_before(|_, m| min.below_min(m));
        let mut hi = self.count_before(|_, m| max.within_max(m)).max(lo);
        if lo < hi {
            let first = self.collect(lo, lo + 1, false);
            let last = self.collect(hi - 1, hi, false);
            let sorted = match (first.first(), last.first()) {
                // One score: the members between are in order.
                (Some((a, s)), Some((b, t))) => s == t && inside(a) && inside(b),
                _ => false,
            };
            if !sorted {
                let mut end = lo;
                let mut open = true;
                self.for_range(lo, hi, false, |_, m| {
                    open = open && inside(m);
                    if open {
                        end += 1;
                    }
                });
                hi = end;
            }
        }
        skip_offset((lo, hi), offset, rev)
    }
}

/// A lex range over a packed set, as Redis 7.0 walks a listpack. Empty
/// unless the range can hold something and the last member is at least
/// min and the first at most max (`zzlIsInLexRange`). Forward: from the
/// head to the first member at least min, which must be at most max
/// (`zzlFirstInLexRange`), then `offset` members on, then on while members
/// are at most max. Reversed: from the tail to the last member at most
/// max, which must be at least min (`zzlLastInLexRange`), then `offset`
/// members back, then back while members are at least min. Over mixed
/// scores this may skip members within the range, or take some outside
/// it, exactly as Redis does.
fn packed_lex_span(
    z: ZSetRef<'_>,
    min: &LexBound,
    max: &LexBound,
    rev: bool,
    offset: usize,
) -> (usize, usize) {
    if lex_range_empty(min, max) {
        return (0, 0);
    }
    // (>= min, <= max) for each member, in order.
    let mut marks = Vec::with_capacity(z.len());
    z.for_range(0, z.len(), false, |_, m| {
        marks.push((!min.below_min(m), max.within_max(m)));
    });
    let (Some(&(_, first_le)), Some(&(last_ge, _))) = (marks.first(), marks.last()) else {
        return (0, 0);
    };
    if !last_ge || !first_le {
        return (0, 0);
    }
    if rev {
        let Some(start) = marks.iter().rposition(|&(_, le)| le) else {
            return (0, 0);
        };
        if !marks[start].0 || offset > start {
            return (0, 0);
        }
        let start = start - offset;
        let lo = marks[..=start]
            .iter()
            .rposition(|&(ge, _)| !ge)
            .map_or(0, |i| i + 1);
        (lo, start + 1)
    } else {
        let Some(start) = marks.iter().position(|&(ge, _)| ge) else {
            return (0, 0);
        };
        if !marks[start].1 {
            return (0, 0);
        }
        let Some(start) = start.checked_add(offset).filter(|&s| s < marks.len()) else {
            return (0, 0);
        };
        let hi = marks[start..]
            .iter()
            .position(|&(_, le)| !le)
            .map_or(marks.len(), |i| start + i);
        (start, hi)
    }
}

/// Redis 7.0's ZRANGESTORE starts a listpack (a skiplist for a rank range
/// of more members than a listpack holds) and adds the members one by one,
/// in reply order; the listpack stores `-0` as `0` until a member is too
/// long or too many and a skiplist takes the rest as they are. Turns those
/// first `-0`s to `0`.
fn listpack_first(pairs: &mut [(Vec<u8>, f64)], range: &ZRange, limits: ZLimits) {
    if matches!(range.kind, Kind::Rank(..)) && pairs.len() > limits.entries {
        return;
    }
    let fix = |i: usize, p: &mut (Vec<u8>, f64)| {
        let packed = i < limits.entries && p.0.len() <= limits.value;
        if packed && p.1 == 0.0 {
            p.1 = 0.0;
        }
        packed
    };
    // `all` stops at the first member that converts the listpack.
    if range.rev {
        let _ = pairs.iter_mut().rev().enumerate().all(|(i, p)| fix(i, p));
    } else {
        let _ = pairs.iter_mut().enumerate().all(|(i, p)| fix(i, p));
    }
}

/// Redis's start/stop normalisation: the ascending ranks `lo..hi` of
/// `start..=stop` counted from the low end (or, with `rev`, the high end).
pub(crate) fn rank_span(len: usize, start: i64, stop: i64, rev: bool) -> (usize, usize) {
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let start = if start < 0 { start + n } else { start }.max(0);
    let stop = if stop < 0 { stop + n } else { stop };
    if start > stop || start >= n {
        return (0, 0);
    }
    let stop = stop.min(n - 1);
    let (start, stop) = (start as usize, stop as usize);
    if rev {
        (len - 1 - stop, len - start)
    } else {
        (start, stop + 1)
    }
}

impl Store {
    /// `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count]`:
    /// the selected members with their scores.
    ///
    /// # Errors
    ///
    /// [`Error::ZRangeLimitByRank`] for a limit on a rank range;
    /// [`Error::WrongType`].
    pub fn zrange(&self, key: impl AsRef<[u8]>, range: &ZRange) -> Result<Vec<(Vec<u8>, f64)>> {
        range.check()?;
        self.zset_read(key.as_ref(), |z| {
            Ok(z.map(|z| {
                let (lo, hi) = range.resolve(z);
                z.collect(lo, hi, range.rev)
            })
            .unwrap_or_default())
        })
    }

    /// `ZRANGESTORE destination source …`: stores the selected members in
    /// `destination` (deleting it for an empty result); returns how many.
    ///
    /// # Errors
    ///
    /// As [`Store::zrange`] (for `source`).
    ///
    /// ```
    /// use kvstore::{Store, ZRange};
    /// let store = Store::new();
    /// store.zadd("z", [(1.0, "a"), (2.0, "b"), (3.0, "c")])?;
    /// assert_eq!(store.zrangestore("top", "z", &ZRange::by_rank(0, 1).rev())?, 2);
    /// assert_eq!(store.zcard("top")?, 2);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zrangestore(
        &self,
        destination: impl AsRef<[u8]>,
        source: impl AsRef<[u8]>,
        range: &ZRange,
    ) -> Result<usize> {
        let (dst, src) = (destination.as_ref(), source.as_ref());
        let args = range.args();
        let mut argv: Vec<&[u8]> = vec![b"ZRANGESTORE", dst, src];
        argv.extend(args.iter().map(Vec::as_slice));
        self.zrangestore_command(dst, src, range, &argv)
    }

    pub(crate) fn zrangestore_command(
        &self,
        dst: &[u8],
        src: &[u8],
        range: &ZRange,
        argv: &[&[u8]],
    ) -> Result<usize> {
        range.check()?;
        let limits = self.zset_limits();
        let keyspace = &self.inner.keyspace;
        let (a, b) = (keyspace.locate(src), keyspace.locate(dst));
        let n = self.write_gated_then(
            || {
                let ctx = self.ctx();
                let mut guards = keyspace.write_many([a.shard, b.shard]);
                // Redis reads the source (`lookupKeyRead`), copied out here
                // before the destination is written.
                let shard = guards.shard_mut(a.shard);
                let pairs = match shard.find_live(src, a.hash, &ctx) {
                    None => {
                        ctx.notify(class::KEY_MISS, "keymiss", src);
                        Vec::new()
                    }
                    Some(i) => match shard.slot(i) {
                        None => Vec::new(),
                        Some(slot) => {
                            let z = as_zset(slot.value())?;
                            let (lo, hi) = range.resolve(z);
                            z.collect(lo, hi, false)
                        }
                    },
                };
                let mut pairs = pairs;
                listpack_first(&mut pairs, range, limits);
                let target = guards.shard_mut(b.shard);
                Ok(store_result(
                    target,
                    dst,
                    b.hash,
                    &pairs,
                    limits,
                    &ctx,
                    ("zrangestore", argv),
                ))
            },
            |&n: &usize| {
                if n > 0 {
                    self.signal_ready(dst);
                }
            },
        )?;
        Ok(n)
    }

    /// Removes ranks `lo..hi` as chosen by `span`; publishes `event` and
    /// propagates `argv`.
    fn zremrange(
        &self,
        key: &[u8],
        (event, argv): (&str, &[&[u8]]),
        span: impl FnOnce(ZSetRef<'_>) -> (usize, usize),
    ) -> Result<usize> {
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let Some(i) = shard.find_live(key, loc.hash, ctx) else {
                return Ok(0);
            };
            check_zset(shard, i)?;
            let Some(slot) = shard.slot(i) else {
                return Ok(0);
            };
            let (lo, hi) = span(as_zset(slot.value())?);
            if lo >= hi {
                return Ok(0);
            }
            let (n, deleted) = mutate_zset(shard, i, loc.hash, |v| zset_remove_range(v, lo, hi))
                .unwrap_or((0, false));
            if n > 0 {
                notify_write(ctx, class::ZSET, Some(event), key, deleted);
                ctx.propagate(argv);
            }
            Ok(n)
        })
    }

    pub(crate) fn zremrangebyrank_command(
        &self,
        argv: &[&[u8]],
        start: i64,
        stop: i64,
    ) -> Result<usize> {
        let command = ("zremrangebyrank", argv);
        self.zremrange(argv[1], command, |z| rank_span(z.len(), start, stop, false))
    }

    pub(crate) fn zremrangebyscore_command(
        &self,
        argv: &[&[u8]],
        min: ScoreBound,
        max: ScoreBound,
    ) -> Result<usize> {
        let command = ("zremrangebyscore", argv);
        self.zremrange(argv[1], command, |z| z.score_span(min, max))
    }

    pub(crate) fn zremrangebylex_command(
        &self,
        argv: &[&[u8]],
        min: &LexBound,
        max: &LexBound,
    ) -> Result<usize> {
        let command = ("zremrangebylex", argv);
        self.zremrange(argv[1], command, |z| z.lex_span(min, max, false, 0))
    }

    /// `ZREMRANGEBYRANK key start stop`: removes ranks `start..=stop`
    /// (negative counts from the end); returns how many.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.zadd("z", [(1.0, "a"), (2.0, "b"), (3.0, "c")])?;
    /// assert_eq!(store.zremrangebyrank("z", 0, -2)?, 2);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zremrangebyrank(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<usize> {
        let key = key.as_ref();
        let (a, b) = (itoa::Buffer::new(), itoa::Buffer::new());
        let (mut a, mut b) = (a, b);
        let argv: [&[u8]; 4] = [
            b"ZREMRANGEBYRANK",
            key,
            a.format(start).as_bytes(),
            b.format(stop).as_bytes(),
        ];
        self.zremrangebyrank_command(&argv, start, stop)
    }

    /// `ZREMRANGEBYSCORE key min max`: removes members in a score range.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn zremrangebyscore(
        &self,
        key: impl AsRef<[u8]>,
        min: ScoreBound,
        max: ScoreBound,
    ) -> Result<usize> {
        let key = key.as_ref();
        let (lo, hi) = (min.to_arg(), max.to_arg());
        self.zremrangebyscore_command(&[b"ZREMRANGEBYSCORE", key, &lo, &hi], min, max)
    }

    /// `ZREMRANGEBYLEX key min max`: removes members in a lex range.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    pub fn zremrangebylex(
        &self,
        key: impl AsRef<[u8]>,
        min: LexBound,
        max: LexBound,
    ) -> Result<usize> {
        let key = key.as_ref();
        let (lo, hi) = (min.to_arg(), max.to_arg());
        self.zremrangebylex_command(&[b"ZREMRANGEBYLEX", key, &lo, &hi], &min, &max)
    }
}
