//! Argument parsing for the sorted-set commands (Redis 7.0's `t_zset.c`).
//! Pops, ZUNION & co., ZRANDMEMBER and ZSCAN are in
//! [`zset_more`](super::zset_more).

use super::args::{int, is};
use crate::types::zset::{
    LexBound, ScoreBound, ZAddOptions, parse_lex_bound, parse_score, parse_score_bound,
};
use crate::types::zset_range::ZRange;
use crate::{Error, Reply, Result, Store};

pub(super) fn len(n: usize) -> Reply {
    Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Members with scores: pairs (nested in RESP3, flat in RESP2).
pub(super) fn with_scores(pairs: Vec<(Vec<u8>, f64)>) -> Reply {
    Reply::Pairs(
        pairs
            .into_iter()
            .map(|(m, s)| (Reply::Bulk(m), Reply::Double(s)))
            .collect(),
    )
}

pub(super) fn members_only(pairs: Vec<(Vec<u8>, f64)>) -> Reply {
    Reply::bulks(pairs.into_iter().map(|(m, _)| m))
}

fn score_or_null(score: Option<f64>) -> Reply {
    score.map_or(Reply::Null, Reply::Double)
}

pub(super) fn zadd(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let mut opts = ZAddOptions::new();
        let mut incr = false;
        let mut i = 2;
        while let Some(&a) = argv.get(i) {
            if is(a, "nx") {
                opts.nx = true;
            } else if is(a, "xx") {
                opts.xx = true;
            } else if is(a, "ch") {
                opts.ch = true;
            } else if is(a, "incr") {
                incr = true;
            } else if is(a, "gt") {
                opts.gt = true;
            } else if is(a, "lt") {
                opts.lt = true;
            } else {
                break;
            }
            i += 1;
        }
        let rest = &argv[i..];
        if rest.is_empty() || rest.len() % 2 == 1 {
            return Err(Error::Syntax);
        }
        // Conflicts are reported before scores are parsed, as in Redis.
        if opts.nx && opts.xx {
            return Err(Error::ZAddXxNx);
        }
        if (opts.nx && (opts.gt || opts.lt)) || (opts.gt && opts.lt) {
            return Err(Error::ZAddGtLtNx);
        }
        if incr && rest.len() > 2 {
            return Err(Error::ZAddIncrPair);
        }
        let pairs = rest
            .chunks_exact(2)
            .map(|p| Ok((parse_score(p[0]).ok_or(Error::NotFloat)?, p[1])))
            .collect::<Result<Vec<_>>>()?;
        let (n, score) = store.zadd_command(argv, &pairs, opts, incr)?;
        Ok(if incr { score_or_null(score) } else { len(n) })
    };
    run().into()
}

pub(super) fn zincrby(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let incr = parse_score(argv[2]).ok_or(Error::NotFloat)?;
        let (_, score) = store.zadd_command(argv, &[(incr, argv[3])], ZAddOptions::new(), true)?;
        Ok(score_or_null(score))
    };
    run().into()
}

pub(super) fn zrem(store: &Store, argv: &[&[u8]]) -> Reply {
    store.zrem_command(argv).map(len).into()
}

pub(super) fn zscore(store: &Store, argv: &[&[u8]]) -> Reply {
    store.zscore(argv[1], argv[2]).map(score_or_null).into()
}

pub(super) fn zmscore(store: &Store, argv: &[&[u8]]) -> Reply {
    store
        .zmscore(argv[1], &argv[2..])
        .map(|v| Reply::Array(v.into_iter().map(score_or_null).collect()))
        .into()
}

pub(super) fn zcard(store: &Store, argv: &[&[u8]]) -> Reply {
    store.zcard(argv[1]).map(len).into()
}

fn score_bounds(min: &[u8], max: &[u8]) -> Result<(ScoreBound, ScoreBound)> {
    Ok((parse_score_bound(min)?, parse_score_bound(max)?))
}

fn lex_bounds(min: &[u8], max: &[u8]) -> Result<(LexBound, LexBound)> {
    match (parse_lex_bound(min), parse_lex_bound(max)) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        _ => Err(Error::ZMinMaxNotLex),
    }
}

pub(super) fn zcount(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<usize> {
        let (min, max) = score_bounds(argv[2], argv[3])?;
        store.zcount(argv[1], min, max)
    };
    run().map(len).into()
}

pub(super) fn zlexcount(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<usize> {
        let (min, max) = lex_bounds(argv[2], argv[3])?;
        store.zlexcount(argv[1], min, max)
    };
    run().map(len).into()
}

pub(super) fn zrank(store: &Store, argv: &[&[u8]]) -> Reply {
    store
        .zrank(argv[1], argv[2])
        .map(|r| r.map_or(Reply::Null, len))
        .into()
}

pub(super) fn zrevrank(store: &Store, argv: &[&[u8]]) -> Reply {
    store
        .zrevrank(argv[1], argv[2])
        .map(|r| r.map_or(Reply::Null, len))
        .into()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

/// The ZRANGE family's shared parser (Redis's `zrangeGenericCommand`):
/// `at` is the index of the range's first bound; `fixed` and `rev` are
/// the forms the older commands imply. Returns the range and WITHSCORES.
fn parse_range(
    argv: &[&[u8]],
    at: usize,
    fixed: RangeType,
    fixed_rev: Option<bool>,
    store: bool,
) -> Result<(ZRange, bool)> {
    let mut kind = fixed;
    let mut rev = fixed_rev;
    let mut withscores = false;
    let mut limit: Option<(i64, i64)> = None;
    let mut j = at + 2;
    while let Some(&a) = argv.get(j) {
        let left = argv.len() - j - 1;
        if !store && is(a, "withscores") {
            withscores = true;
        } else if is(a, "limit") && left >= 2 {
            limit = Some((int(argv[j + 1])?, int(argv[j + 2])?));
            j += 2;
        } else if rev.is_none() && is(a, "rev") {
            rev = Some(true);
        } else if kind == RangeType::Auto && is(a, "bylex") {
            kind = RangeType::Lex;
        } else if kind == RangeType::Auto && is(a, "byscore") {
            kind = RangeType::Score;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    let rev = rev.unwrap_or(false);
    if kind == RangeType::Auto {
        kind = RangeType::Rank;
    }
    if limit.is_some_and(|l| l.1 != -1) && kind == RangeType::Rank {
        return Err(Error::ZRangeLimitByRank);
    }
    if withscores && kind == RangeType::Lex {
        return Err(Error::ZRangeWithscoresByLex);
    }
    let (mut min, mut max) = (argv[at], argv[at + 1]);
    if rev && kind != RangeType::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    let mut range = match kind {
        RangeType::Score => {
            let (a, b) = score_bounds(min, max)?;
            ZRange::by_score(a, b)
        }
        RangeType::Lex => {
            let (a, b) = lex_bounds(min, max)?;
            ZRange::by_lex(a, b)
        }
        _ => ZRange::by_rank(int(min)?, int(max)?),
    };
    if rev {
        range = range.rev();
    }
    if let Some((o, c)) = limit
        && kind != RangeType::Rank
    {
        range = range.limit(o, c);
    }
    Ok((range, withscores))
}

fn range_reply(store: &Store, argv: &[&[u8]], fixed: RangeType, rev: Option<bool>) -> Reply {
    let run = || -> Result<Reply> {
        let (range, withscores) = parse_range(argv, 2, fixed, rev, false)?;
        let pairs = store.zrange(argv[1], &range)?;
        Ok(if withscores {
            with_scores(pairs)
        } else {
            members_only(pairs)
        })
    };
    run().into()
}

pub(super) fn zrange(store: &Store, argv: &[&[u8]]) -> Reply {
    range_reply(store, argv, RangeType::Auto, None)
}

pub(super) fn zrevrange(store: &Store, argv: &[&[u8]]) -> Reply {
    range_reply(store, argv, RangeType::Rank, Some(true))
}

pub(super) fn zrangebyscore(store: &Store, argv: &[&[u8]]) -> Reply {
    range_reply(store, argv, RangeType::Score, Some(false))
}

pub(super) fn zrevrangebyscore(store: &Store, argv: &[&[u8]]) -> Reply {
    range_reply(store, argv, RangeType::Score, Some(true))
}

pub(super) fn zrangebylex(store: &Store, argv: &[&[u8]]) -> Reply {
    range_reply(store, argv, RangeType::Lex, Some(false))
}

pub(super) fn zrevrangebylex(store: &Store, argv: &[&[u8]]) -> Reply {
    range_reply(store, argv, RangeType::Lex, Some(true))
}

pub(super) fn zrangestore(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<usize> {
        let (range, _) = parse_range(argv, 3, RangeType::Auto, None, true)?;
        store.zrangestore_command(argv[1], argv[2], &range, argv)
    };
    run().map(len).into()
}

pub(super) fn zremrangebyrank(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<usize> {
        let (start, stop) = (int(argv[2])?, int(argv[3])?);
        store.zremrangebyrank_command(argv, start, stop)
    };
    run().map(len).into()
}

pub(super) fn zremrangebyscore(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<usize> {
        let (min, max) = score_bounds(argv[2], argv[3])?;
        store.zremrangebyscore_command(argv, min, max)
    };
    run().map(len).into()
}

pub(super) fn zremrangebylex(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<usize> {
        let (min, max) = lex_bounds(argv[2], argv[3])?;
        store.zremrangebylex_command(argv, &min, &max)
    };
    run().map(len).into()
}
