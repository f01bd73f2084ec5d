//! Argument parsing for the list commands, in Redis 7.0's order of checks.

use super::args::{int, is, parse_mpop};
use crate::blocking::parse_timeout;
use crate::types::list::{Direction, InsertPosition, LposOptions};
use crate::{Error, Reply, Result, Store};

/// A typed push method, called with the key and the elements.
type PushFn = fn(&Store, &[u8], std::slice::Iter<'_, &[u8]>) -> Result<usize>;

fn push(store: &Store, argv: &[&[u8]], f: PushFn) -> Reply {
    f(store, argv[1], argv[2..].iter())
        .map(|n| Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX)))
        .into()
}

pub(super) fn lpush(store: &Store, argv: &[&[u8]]) -> Reply {
    push(store, argv, |s, k, e| s.lpush(k, e))
}

pub(super) fn rpush(store: &Store, argv: &[&[u8]]) -> Reply {
    push(store, argv, |s, k, e| s.rpush(k, e))
}

pub(super) fn lpushx(store: &Store, argv: &[&[u8]]) -> Reply {
    push(store, argv, |s, k, e| s.lpushx(k, e))
}

pub(super) fn rpushx(store: &Store, argv: &[&[u8]]) -> Reply {
    push(store, argv, |s, k, e| s.rpushx(k, e))
}

fn pop(store: &Store, argv: &[&[u8]], front: bool, name: &str) -> Reply {
    let run = || -> Result<Reply> {
        if argv.len() > 3 {
            return Err(Error::WrongArity(name.to_owned()));
        }
        let count = match argv.get(2) {
            Some(arg) => {
                let n = int(arg).map_err(|_| Error::NotPositive)?;
                Some(usize::try_from(n).map_err(|_| Error::NotPositive)?)
            }
            None => None,
        };
        let popped = store.pop_generic(argv[1], front, count)?;
        Ok(match (count, popped) {
            (None, popped) => Reply::bulk_or_null(popped.and_then(|mut v| v.pop())),
            (Some(_), None) => Reply::NullArray,
            (Some(_), Some(items)) => Reply::bulks(items),
        })
    };
    run().into()
}

pub(super) fn lpop(store: &Store, argv: &[&[u8]]) -> Reply {
    pop(store, argv, true, "lpop")
}

pub(super) fn rpop(store: &Store, argv: &[&[u8]]) -> Reply {
    pop(store, argv, false, "rpop")
}

fn usize_reply(n: usize) -> Reply {
    Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

pub(super) fn llen(store: &Store, argv: &[&[u8]]) -> Reply {
    store.llen(argv[1]).map(usize_reply).into()
}

pub(super) fn lrange(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let (start, stop) = (int(argv[2])?, int(argv[3])?);
        Ok(Reply::bulks(store.lrange(argv[1], start, stop)?))
    };
    run().into()
}

/// An index argument parsed after the key was looked up, as LINDEX and
/// LSET do: a missing key or a non-list wins over a malformed index. `read`:
/// the command reads the key (LINDEX), so a missing one is a key miss.
fn late_index(
    store: &Store,
    key: &[u8],
    arg: &[u8],
    read: bool,
) -> Result<std::result::Result<i64, bool>> {
    match int(arg) {
        Ok(index) => Ok(Ok(index)),
        Err(e) => {
            if store.list_exists(key, read)? {
                Err(e)
            } else {
                Ok(Err(false))
            }
        }
    }
}

pub(super) fn lindex(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        match late_index(store, argv[1], argv[2], true)? {
            Ok(index) => Ok(Reply::bulk_or_null(store.lindex(argv[1], index)?)),
            Err(_) => Ok(Reply::Null),
        }
    };
    run().into()
}

pub(super) fn lset(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        match late_index(store, argv[1], argv[2], false)? {
            Ok(index) => store.lset(argv[1], index, argv[3]).map(|()| Reply::ok()),
            Err(_) => Err(Error::NoSuchKey),
        }
    };
    run().into()
}

pub(super) fn lrem(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let count = int(argv[2])?;
        store.lrem(argv[1], count, argv[3]).map(usize_reply)
    };
    run().into()
}

pub(super) fn ltrim(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let (start, stop) = (int(argv[2])?, int(argv[3])?);
        store.ltrim(argv[1], start, stop).map(|()| Reply::ok())
    };
    run().into()
}

pub(super) fn linsert(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let position = if is(argv[2], "after") {
            InsertPosition::After
        } else if is(argv[2], "before") {
            InsertPosition::Before
        } else {
            return Err(Error::Syntax);
        };
        store
            .linsert(argv[1], position, argv[3], argv[4])
            .map(Reply::Integer)
    };
    run().into()
}

/// A non-negative LPOS argument; anything else is `err`.
fn lpos_count(arg: &[u8], err: Error) -> Result<usize> {
    int(arg)
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or(err)
}

pub(super) fn lpos(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let mut options = LposOptions::new();
        let mut i = 3;
        while let Some(&opt) = argv.get(i) {
            let Some(&value) = argv.get(i + 1) else {
                return Err(Error::Syntax);
            };
            if is(opt, "rank") {
                let rank = int(value)?;
                if rank == 0 {
                    return Err(Error::RankZero);
                }
                options = options.rank(rank);
            } else if is(opt, "count") {
                options = options.count(lpos_count(value, Error::LposCountNegative)?);
            } else if is(opt, "maxlen") {
                options = options.maxlen(lpos_count(value, Error::LposMaxlenNegative)?);
            } else {
                return Err(Error::Syntax);
            }
            i += 2;
        }
        let found = store.lpos_with(argv[1], argv[2], &options)?;
        Ok(if options.has_count() {
            Reply::Array(found.into_iter().map(usize_reply).collect())
        } else {
            found.first().map_or(Reply::Null, |&p| usize_reply(p))
        })
    };
    run().into()
}

/// `LEFT` or `RIGHT` (Redis's `getListPositionFromObjectOrReply`).
fn direction(arg: &[u8]) -> Result<Direction> {
    if is(arg, "left") {
        Ok(Direction::Left)
    } else if is(arg, "right") {
        Ok(Direction::Right)
    } else {
        Err(Error::Syntax)
    }
}

pub(super) fn lmove(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let (from, to) = (direction(argv[3])?, direction(argv[4])?);
        Ok(Reply::bulk_or_null(
            store.lmove(argv[1], argv[2], from, to)?,
        ))
    };
    run().into()
}

pub(super) fn rpoplpush(store: &Store, argv: &[&[u8]]) -> Reply {
    store.rpoplpush(argv[1], argv[2]).into()
}

fn mpop_reply(popped: Option<(Vec<u8>, Vec<Vec<u8>>)>) -> Reply {
    match popped {
        Some((key, items)) => Reply::Array(vec![Reply::Bulk(key), Reply::bulks(items)]),
        None => Reply::NullArray,
    }
}

pub(super) fn lmpop(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let (keys, from, count) = parse_mpop(&argv[1..], direction)?;
        Ok(mpop_reply(store.lmpop_generic(&keys, from, count)?))
    };
    run().into()
}

fn bpop(store: &Store, argv: &[&[u8]], front: bool) -> Reply {
    let run = || -> Result<Reply> {
        let timeout = parse_timeout(argv[argv.len() - 1])?;
        let keys = &argv[1..argv.len() - 1];
        let served = if front {
            store.blpop(keys, timeout)?
        } else {
            store.brpop(keys, timeout)?
        };
        Ok(match served {
            Some((key, value)) => Reply::Array(vec![Reply::Bulk(key), Reply::Bulk(value)]),
            None => Reply::NullArray,
        })
    };
    run().into()
}

pub(super) fn blpop(store: &Store, argv: &[&[u8]]) -> Reply {
    bpop(store, argv, true)
}

pub(super) fn brpop(store: &Store, argv: &[&[u8]]) -> Reply {
    bpop(store, argv, false)
}

/// What BLMOVE and BRPOPLPUSH answer with nothing to move: Redis 7.0 sends
/// a null array when the wait timed out, but a null bulk string when the
/// command could not wait at all (inside `MULTI`).
fn blmove_nothing(store: &Store) -> Reply {
    if store.may_wait() {
        Reply::NullArray
    } else {
        Reply::Null
    }
}

pub(super) fn blmove(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let (from, to) = (direction(argv[3])?, direction(argv[4])?);
        let timeout = parse_timeout(argv[5])?;
        Ok(store
            .blmove(argv[1], argv[2], from, to, timeout)?
            .map_or_else(|| blmove_nothing(store), Reply::Bulk))
    };
    run().into()
}

pub(super) fn brpoplpush(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let timeout = parse_timeout(argv[3])?;
        Ok(store
            .brpoplpush(argv[1], argv[2], timeout)?
            .map_or_else(|| blmove_nothing(store), Reply::Bulk))
    };
    run().into()
}

pub(super) fn blmpop(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let (keys, from, count) = parse_mpop(&argv[2..], direction)?;
        let timeout = parse_timeout(argv[1])?;
        Ok(mpop_reply(store.blmpop(keys, from, count, timeout)?))
    };
    run().into()
}
