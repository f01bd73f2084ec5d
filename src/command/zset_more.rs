//! Argument parsing for the sorted-set pops (ZPOPMIN, ZMPOP, BZPOPMIN …),
//! ZUNION & co., ZRANDMEMBER and ZSCAN.

use super::args::{int, is, parse_mpop};
use super::hash::scan_options;
use super::zset::{len, members_only, with_scores};
use crate::blocking::parse_timeout;
use crate::number::parse_scan_cursor;
use crate::types::zset::ZEnd;
use crate::types::zset::{Aggregate, parse_score};
use crate::types::zset_ops::ZOp;
use crate::types::zset_random::scan_score;
use crate::{Error, Reply, Result, Store};

type Scored = Vec<(Vec<u8>, f64)>;

fn zpop(store: &Store, argv: &[&[u8]], end: ZEnd) -> Reply {
    let run = || -> Result<Reply> {
        if argv.len() > 3 {
            return Err(Error::Syntax);
        }
        let count = match argv.get(2) {
            None => None,
            // Redis 7.0 reads it with getPositiveLongFromObjectOrReply,
            // whose one message covers a count that is not an integer too.
            Some(&c) => Some(
                int(c)
                    .ok()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or(Error::NotPositive)?,
            ),
        };
        let popped = store.zpop_command(argv, end, count.unwrap_or(1))?;
        Ok(match count {
            Some(_) => with_scores(popped),
            None => flat(popped),
        })
    };
    run().into()
}

/// Member, score, member, score … in one array (both protocols).
fn flat(pairs: Scored) -> Reply {
    Reply::Array(
        pairs
            .into_iter()
            .flat_map(|(m, s)| [Reply::Bulk(m), Reply::Double(s)])
            .collect(),
    )
}

pub(super) fn zpopmin(store: &Store, argv: &[&[u8]]) -> Reply {
    zpop(store, argv, ZEnd::Min)
}

pub(super) fn zpopmax(store: &Store, argv: &[&[u8]]) -> Reply {
    zpop(store, argv, ZEnd::Max)
}

fn end_of(arg: &[u8]) -> Result<ZEnd> {
    if is(arg, "min") {
        Ok(ZEnd::Min)
    } else if is(arg, "max") {
        Ok(ZEnd::Max)
    } else {
        Err(Error::Syntax)
    }
}

/// `[key, [[member, score], …]]`: pairs nested in both protocols.
fn mpop_reply(popped: Option<(Vec<u8>, Scored)>) -> Reply {
    match popped {
        Some((key, items)) => Reply::Array(vec![
            Reply::Bulk(key),
            Reply::Array(
                items
                    .into_iter()
                    .map(|(m, s)| Reply::Array(vec![Reply::Bulk(m), Reply::Double(s)]))
                    .collect(),
            ),
        ]),
        None => Reply::NullArray,
    }
}

pub(super) fn zmpop(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let (keys, end, count) = parse_mpop(&argv[1..], end_of)?;
        Ok(mpop_reply(store.zmpop_generic(&keys, end, count)?))
    };
    run().into()
}

pub(super) fn bzmpop(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let (keys, end, count) = parse_mpop(&argv[2..], end_of)?;
        let timeout = parse_timeout(argv[1])?;
        Ok(mpop_reply(store.bzmpop(keys, end, count, timeout)?))
    };
    run().into()
}

fn bzpop(store: &Store, argv: &[&[u8]], end: ZEnd) -> Reply {
    let run = || -> Result<Reply> {
        let timeout = parse_timeout(argv[argv.len() - 1])?;
        let keys = &argv[1..argv.len() - 1];
        let served = match end {
            ZEnd::Min => store.bzpopmin(keys, timeout)?,
            ZEnd::Max => store.bzpopmax(keys, timeout)?,
        };
        Ok(match served {
            Some((key, m, s)) => {
                Reply::Array(vec![Reply::Bulk(key), Reply::Bulk(m), Reply::Double(s)])
            }
            None => Reply::NullArray,
        })
    };
    run().into()
}

pub(super) fn bzpopmin(store: &Store, argv: &[&[u8]]) -> Reply {
    bzpop(store, argv, ZEnd::Min)
}

pub(super) fn bzpopmax(store: &Store, argv: &[&[u8]]) -> Reply {
    bzpop(store, argv, ZEnd::Max)
}

fn command_name(op: ZOp, store: bool) -> &'static str {
    match (op, store) {
        (ZOp::Union, false) => "zunion",
        (ZOp::Inter, false) => "zinter",
        (ZOp::Diff, false) => "zdiff",
        (ZOp::Union, true) => "zunionstore",
        (ZOp::Inter, true) => "zinterstore",
        (ZOp::Diff, true) => "zdiffstore",
    }
}

/// `numkeys key …` at `at`: the keys, or Redis's errors.
fn numkeys_keys<'a, 'b>(
    argv: &'b [&'a [u8]],
    at: usize,
    name: &'static str,
) -> Result<&'b [&'a [u8]]> {
    let n = int(argv[at])?;
    if n < 1 {
        return Err(Error::ZNoInputKey(name));
    }
    let n = usize::try_from(n).map_err(|_| Error::Syntax)?;
    if n > argv.len() - at - 1 {
        return Err(Error::Syntax);
    }
    Ok(&argv[at + 1..at + 1 + n])
}

struct ZopOptions {
    weights: Option<Vec<f64>>,
    aggregate: Aggregate,
    withscores: bool,
}

fn zop_options(rest: &[&[u8]], op: ZOp, numkeys: usize, store: bool) -> Result<ZopOptions> {
    let mut o = ZopOptions {
        weights: None,
        aggregate: Aggregate::Sum,
        withscores: false,
    };
    let mut j = 0;
    while let Some(&a) = rest.get(j) {
        let remaining = rest.len() - j - 1;
        if op != ZOp::Diff && remaining >= numkeys && is(a, "weights") {
            let w = rest[j + 1..=j + numkeys]
                .iter()
                .map(|w| parse_score(w).ok_or(Error::ZWeightNotFloat))
                .collect::<Result<Vec<f64>>>()?;
            o.weights = Some(w);
            j += numkeys;
        } else if op != ZOp::Diff && remaining >= 1 && is(a, "aggregate") {
            let v = rest[j + 1];
            o.aggregate = if is(v, "sum") {
                Aggregate::Sum
            } else if is(v, "min") {
                Aggregate::Min
            } else if is(v, "max") {
                Aggregate::Max
            } else {
                return Err(Error::Syntax);
            };
            j += 1;
        } else if !store && is(a, "withscores") {
            o.withscores = true;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

fn zop(store: &Store, argv: &[&[u8]], op: ZOp, dst: bool) -> Reply {
    let run = || -> Result<Reply> {
        let at = if dst { 2 } else { 1 };
        let keys = numkeys_keys(argv, at, command_name(op, dst))?;
        let opts = zop_options(&argv[at + 1 + keys.len()..], op, keys.len(), dst);
        if opts.is_err() {
            store.zop_check_types(keys)?;
        }
        let opts = opts?;
        let weights = opts.weights.as_deref();
        if dst {
            return Ok(len(store.zop_store(
                op,
                argv[1],
                keys,
                weights,
                opts.aggregate,
                argv,
            )?));
        }
        let result = store.zop(op, keys, weights, opts.aggregate)?;
        Ok(if opts.withscores {
            with_scores(result)
        } else {
            members_only(result)
        })
    };
    run().into()
}

pub(super) fn zunion(store: &Store, argv: &[&[u8]]) -> Reply {
    zop(store, argv, ZOp::Union, false)
}

pub(super) fn zinter(store: &Store, argv: &[&[u8]]) -> Reply {
    zop(store, argv, ZOp::Inter, false)
}

pub(super) fn zdiff(store: &Store, argv: &[&[u8]]) -> Reply {
    zop(store, argv, ZOp::Diff, false)
}

pub(super) fn zunionstore(store: &Store, argv: &[&[u8]]) -> Reply {
    zop(store, argv, ZOp::Union, true)
}

pub(super) fn zinterstore(store: &Store, argv: &[&[u8]]) -> Reply {
    zop(store, argv, ZOp::Inter, true)
}

pub(super) fn zdiffstore(store: &Store, argv: &[&[u8]]) -> Reply {
    zop(store, argv, ZOp::Diff, true)
}

pub(super) fn zintercard(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<usize> {
        let keys = numkeys_keys(argv, 1, "zintercard")?;
        let rest = &argv[2 + keys.len()..];
        let limit = match rest {
            [] => Ok(0),
            [opt, value] if is(opt, "limit") => int(value)
                .ok()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or(Error::LimitNegative),
            _ => Err(Error::Syntax),
        };
        if limit.is_err() {
            store.zop_check_types(keys)?;
        }
        store.zintercard(keys, limit?)
    };
    run().map(len).into()
}

pub(super) fn zrandmember(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let Some(&count) = argv.get(2) else {
            return Ok(store.zrandmember(argv[1])?.into());
        };
        let count = int(count)?;
        if count == i64::MIN {
            return Err(Error::HashCountRange);
        }
        match argv.get(3) {
            None => Ok(Reply::bulks(store.zrandmember_count(argv[1], count)?)),
            Some(&opt) if argv.len() == 4 && is(opt, "withscores") => {
                Ok(with_scores(store.zrandmember_withscores(argv[1], count)?))
            }
            Some(_) => Err(Error::Syntax),
        }
    };
    run().into()
}

pub(super) fn zscan(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let cursor = parse_scan_cursor(argv[2]).ok_or(Error::InvalidCursor)?;
        let (page, packed) = store.zscan_generic(argv[1], cursor, || scan_options(&argv[3..]))?;
        let cursor = itoa::Buffer::new().format(page.cursor).as_bytes().to_vec();
        Ok(Reply::Array(vec![
            Reply::Bulk(cursor),
            Reply::bulks(
                page.members
                    .into_iter()
                    .flat_map(|(m, s)| [m, scan_score(s, packed)]),
            ),
        ]))
    };
    run().into()
}
