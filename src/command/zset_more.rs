//! Argument parsing for the sorted-set pops (ZPOPMIN, ZMPOP, BZPOPMIN …),
//! ZUNION & co., ZRANDMEMBER and ZSCAN.

use super::args::{int, is};
use super::zset::{len, with_scores};
use crate::blocking::parse_timeout;
use crate::types::zset::ZEnd;
use crate::{Error, Reply, Result, Store};
#[allow(unused_imports)]
use len as _len;

type Scored = Vec<(Vec<u8>, f64)>;

fn zpop(store: &Store, argv: &[&[u8]], end: ZEnd) -> Reply {
    let run = || -> Result<Reply> {
        if argv.len() > 3 {
            return Err(Error::Syntax);
        }
        let count = match argv.get(2) {
            None => None,
            Some(&c) => {
                let n = int(c)?;
                Some(usize::try_from(n).map_err(|_| Error::NotPositive)?)
            }
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

/// `numkeys key … MIN|MAX [COUNT n]`, as LMPOP parses it.
fn parse_mpop<'a>(args: &[&'a [u8]]) -> Result<(Vec<&'a [u8]>, ZEnd, usize)> {
    let numkeys = int(args[0])
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n > 0)
        .ok_or(Error::NumkeysNotPositive)?;
    let where_at = numkeys.checked_add(1).ok_or(Error::Syntax)?;
    let Some(&where_arg) = args.get(where_at) else {
        return Err(Error::Syntax);
    };
    let end = end_of(where_arg)?;
    let mut count = None;
    let mut i = where_at + 1;
    while let Some(&opt) = args.get(i) {
        match args.get(i + 1) {
            Some(&value) if count.is_none() && is(opt, "count") => {
                let n = int(value)
                    .ok()
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|&n| n > 0)
                    .ok_or(Error::CountNotPositive)?;
                count = Some(n);
                i += 2;
            }
            _ => return Err(Error::Syntax),
        }
    }
    Ok((args[1..where_at].to_vec(), end, count.unwrap_or(1)))
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
        let (keys, end, count) = parse_mpop(&argv[1..])?;
        Ok(mpop_reply(store.zmpop_generic(&keys, end, count)?))
    };
    run().into()
}

pub(super) fn bzmpop(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let (keys, end, count) = parse_mpop(&argv[2..])?;
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
