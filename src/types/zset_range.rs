//! Sorted-set ranges: ZRANGE in all its forms (BYSCORE, BYLEX, REV,
//! LIMIT), ZRANGESTORE and ZREMRANGEBYRANK / BYSCORE / BYLEX.

use crate::types::zset::{
    LexBound, ScoreBound, as_zset, check_zset, mutate_zset, zset_from_sorted, zset_remove_range,
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
        let len = z.len();
        let (lo, hi) = match &self.kind {
            Kind::Rank(start, stop) => {
                return rank_span(len, *start, *stop, self.rev);
            }
            Kind::Score(min, max) => z.score_span(*min, *max),
            Kind::Lex(min, max) => z.lex_span(min, max),
        };
        let Some((offset, count)) = self.limit else {
            return (lo, hi);
        };
        let Ok(offset) = usize::try_from(offset) else {
            return (0, 0);
        };
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        if offset >= hi - lo {
            return (0, 0);
        }
        if self.rev {
            let hi = hi - offset;
            (hi.saturating_sub(count).max(lo), hi)
        } else {
            let lo = lo + offset;
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
        let ctx = self.ctx();
        let n = {
            let mut guards = keyspace.write_many([a.shard, b.shard]);
            guards.shard_mut(b.shard).find_live(dst, b.hash, &ctx);
            let shard = guards.shard_mut(a.shard);
            let pairs = match shard.find_live(src, a.hash, &ctx) {
                None => Vec::new(),
                Some(i) => match shard.slot(i) {
                    None => Vec::new(),
                    Some(slot) => {
                        let z = as_zset(slot.value())?;
                        let (lo, hi) = range.resolve(z);
                        z.collect(lo, hi, false)
                    }
                },
            };
            let target = guards.shard_mut(b.shard);
            let n = pairs.len();
            if n > 0 {
                target.overwrite(dst, b.hash, zset_from_sorted(&pairs, limits), &ctx);
                ctx.propagate(argv);
            } else if target.delete(dst, b.hash, &ctx) {
                ctx.propagate(argv);
            }
            n
        };
        if n > 0 {
            self.signal_ready(dst);
        }
        Ok(n)
    }

    /// Removes ranks `lo..hi` as chosen by `span`; propagates `argv`.
    fn zremrange(
        &self,
        key: &[u8],
        argv: &[&[u8]],
        span: impl FnOnce(ZSetRef<'_>) -> (usize, usize),
    ) -> Result<usize> {
        self.write_key(key, |shard, loc, ctx| {
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
            let n = mutate_zset(shard, i, loc.hash, |v| zset_remove_range(v, lo, hi)).unwrap_or(0);
            if n > 0 {
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
        self.zremrange(argv[1], argv, |z| rank_span(z.len(), start, stop, false))
    }

    pub(crate) fn zremrangebyscore_command(
        &self,
        argv: &[&[u8]],
        min: ScoreBound,
        max: ScoreBound,
    ) -> Result<usize> {
        self.zremrange(argv[1], argv, |z| z.score_span(min, max))
    }

    pub(crate) fn zremrangebylex_command(
        &self,
        argv: &[&[u8]],
        min: &LexBound,
        max: &LexBound,
    ) -> Result<usize> {
        self.zremrange(argv[1], argv, |z| z.lex_span(min, max))
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
