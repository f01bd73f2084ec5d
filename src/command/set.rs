//! Argument parsing for the set commands (Redis 7.0).

use super::args::{int, is};
use super::hash::scan_options;
use crate::number::{parse_i64, parse_scan_cursor};
use crate::types::set::SetOp;
use crate::{Error, Reply, Result, Store};

fn len(n: usize) -> Reply {
    Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A set reply: `~` in RESP3, an array in RESP2 (SMEMBERS, SINTER, SPOP …).
fn set_reply(members: Vec<Vec<u8>>) -> Reply {
    Reply::Set(members.into_iter().map(Reply::Bulk).collect())
}

pub(super) fn sadd(store: &Store, argv: &[&[u8]]) -> Reply {
    store.sadd_slices(argv[1], &argv[2..]).map(len).into()
}

pub(super) fn srem(store: &Store, argv: &[&[u8]]) -> Reply {
    store.srem_slices(argv[1], &argv[2..]).map(len).into()
}

pub(super) fn smembers(store: &Store, argv: &[&[u8]]) -> Reply {
    store.smembers(argv[1]).map(set_reply).into()
}

pub(super) fn sismember(store: &Store, argv: &[&[u8]]) -> Reply {
    store.sismember(argv[1], argv[2]).into()
}

pub(super) fn smismember(store: &Store, argv: &[&[u8]]) -> Reply {
    match store.smismember(argv[1], &argv[2..]) {
        Ok(found) => Reply::Array(found.into_iter().map(Reply::from).collect()),
        Err(e) => Reply::Error(e),
    }
}

pub(super) fn scard(store: &Store, argv: &[&[u8]]) -> Reply {
    store.scard(argv[1]).map(len).into()
}

pub(super) fn spop(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        match argv.len() {
            2 => Ok(store.spop(argv[1])?.into()),
            3 => {
                // Redis's getPositiveLongFromObjectOrReply: one message for
                // both a non-integer and a negative count.
                let count = parse_i64(argv[2])
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or(Error::NotPositive)?;
                Ok(set_reply(store.spop_count(argv[1], count)?))
            }
            _ => Err(Error::Syntax),
        }
    };
    run().into()
}

pub(super) fn srandmember(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        match argv.len() {
            2 => Ok(store.srandmember(argv[1])?.into()),
            3 => {
                let count = int(argv[2])?;
                Ok(Reply::bulks(store.srandmember_count(argv[1], count)?))
            }
            _ => Err(Error::Syntax),
        }
    };
    run().into()
}

pub(super) fn smove(store: &Store, argv: &[&[u8]]) -> Reply {
    store.smove(argv[1], argv[2], argv[3]).into()
}

pub(super) fn sinter(store: &Store, argv: &[&[u8]]) -> Reply {
    store.sinter(&argv[1..]).map(set_reply).into()
}

pub(super) fn sunion(store: &Store, argv: &[&[u8]]) -> Reply {
    store.sunion(&argv[1..]).map(set_reply).into()
}

pub(super) fn sdiff(store: &Store, argv: &[&[u8]]) -> Reply {
    store.sdiff(&argv[1..]).map(set_reply).into()
}

pub(super) fn sinterstore(store: &Store, argv: &[&[u8]]) -> Reply {
    store
        .set_op_store(SetOp::Inter, argv[1], &argv[2..])
        .map(len)
        .into()
}

pub(super) fn sunionstore(store: &Store, argv: &[&[u8]]) -> Reply {
    store
        .set_op_store(SetOp::Union, argv[1], &argv[2..])
        .map(len)
        .into()
}

pub(super) fn sdiffstore(store: &Store, argv: &[&[u8]]) -> Reply {
    store
        .set_op_store(SetOp::Diff, argv[1], &argv[2..])
        .map(len)
        .into()
}

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]`, with Redis 7.0's
/// checks in its order: numkeys, its count against the arguments, then the
/// options (the last `LIMIT` wins), then the keys.
pub(super) fn sintercard(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let numkeys = parse_i64(argv[1])
            .filter(|&n| n >= 1)
            .ok_or(Error::NumkeysNotPositive)?;
        let numkeys = usize::try_from(numkeys).map_err(|_| Error::NumkeysExceedArgs)?;
        if numkeys > argv.len() - 2 {
            return Err(Error::NumkeysExceedArgs);
        }
        let keys = &argv[2..2 + numkeys];
        let mut limit = 0usize;
        let mut i = 2 + numkeys;
        while let Some(&opt) = argv.get(i) {
            match argv.get(i + 1) {
                Some(&value) if is(opt, "limit") => {
                    limit = parse_i64(value)
                        .and_then(|n| usize::try_from(n).ok())
                        .ok_or(Error::LimitNegative)?;
                    i += 2;
                }
                _ => return Err(Error::Syntax),
            }
        }
        Ok(len(store.sintercard(keys, limit)?))
    };
    run().into()
}

pub(super) fn sscan(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let cursor = parse_scan_cursor(argv[2]).ok_or(Error::InvalidCursor)?;
        let page = store.sscan_generic(argv[1], cursor, || scan_options(&argv[3..]))?;
        let cursor = itoa::Buffer::new().format(page.cursor).as_bytes().to_vec();
        Ok(Reply::Array(vec![
            Reply::Bulk(cursor),
            Reply::bulks(page.members),
        ]))
    };
    run().into()
}
