//! Argument parsing for the hash commands (Redis 7.0, and 7.4's field
//! expiry).

use super::args::{int, is};
use crate::number::{parse_i64, parse_scan_cursor};
use crate::types::generic::ExpireCondition;
use crate::types::hash_expire::{ExpireArgs, FieldTime, TtlKind};
use crate::{Error, Reply, Result, ScanOptions, Store};

fn len(n: usize) -> Reply {
    Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn codes(codes: Vec<i64>) -> Reply {
    Reply::Array(codes.into_iter().map(Reply::Integer).collect())
}

fn flat_pairs(pairs: Vec<(Vec<u8>, Vec<u8>)>) -> Reply {
    Reply::bulks(pairs.into_iter().flat_map(|(k, v)| [k, v]))
}

/// The field/value pairs of HSET / HMSET (odd counts are an arity error,
/// checked before the key is looked at, as Redis does).
fn pairs<'a>(argv: &[&'a [u8]], command: &str) -> Result<Vec<(&'a [u8], &'a [u8])>> {
    if argv.len() % 2 == 1 {
        return Err(Error::WrongArity(command.to_owned()));
    }
    Ok(argv[2..].chunks_exact(2).map(|p| (p[0], p[1])).collect())
}

pub(super) fn hset(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let pairs = pairs(argv, "hset")?;
        Ok(len(store.hset_pairs(argv[1], &pairs, "hset")?))
    };
    run().into()
}

pub(super) fn hmset(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let pairs = pairs(argv, "hmset")?;
        store.hset_pairs(argv[1], &pairs, "hmset")?;
        Ok(Reply::ok())
    };
    run().into()
}

pub(super) fn hsetnx(store: &Store, argv: &[&[u8]]) -> Reply {
    store.hsetnx(argv[1], argv[2], argv[3]).into()
}

pub(super) fn hget(store: &Store, argv: &[&[u8]]) -> Reply {
    store.hget(argv[1], argv[2]).into()
}

pub(super) fn hmget(store: &Store, argv: &[&[u8]]) -> Reply {
    match store.hmget(argv[1], &argv[2..]) {
        Ok(values) => Reply::Array(values.into_iter().map(Reply::bulk_or_null).collect()),
        Err(e) => Reply::Error(e),
    }
}

pub(super) fn hdel(store: &Store, argv: &[&[u8]]) -> Reply {
    store.hdel(argv[1], &argv[2..]).map(len).into()
}

pub(super) fn hlen(store: &Store, argv: &[&[u8]]) -> Reply {
    store.hlen(argv[1]).map(len).into()
}

pub(super) fn hexists(store: &Store, argv: &[&[u8]]) -> Reply {
    store.hexists(argv[1], argv[2]).into()
}

pub(super) fn hstrlen(store: &Store, argv: &[&[u8]]) -> Reply {
    store.hstrlen(argv[1], argv[2]).map(len).into()
}

pub(super) fn hgetall(store: &Store, argv: &[&[u8]]) -> Reply {
    match store.hgetall(argv[1]) {
        Ok(pairs) => Reply::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (Reply::Bulk(k), Reply::Bulk(v)))
                .collect(),
        ),
        Err(e) => Reply::Error(e),
    }
}

pub(super) fn hkeys(store: &Store, argv: &[&[u8]]) -> Reply {
    store.hkeys(argv[1]).map(Reply::bulks).into()
}

pub(super) fn hvals(store: &Store, argv: &[&[u8]]) -> Reply {
    store.hvals(argv[1]).map(Reply::bulks).into()
}

pub(super) fn hincrby(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<i64> {
        let increment = int(argv[3])?;
        store.hincrby(argv[1], argv[2], increment)
    };
    run().into()
}

pub(super) fn hincrbyfloat(store: &Store, argv: &[&[u8]]) -> Reply {
    store.hincrbyfloat(argv[1], argv[2], argv[3]).into()
}

pub(super) fn hrandfield(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let Some(&count) = argv.get(2) else {
            return Ok(store.hrandfield(argv[1])?.into());
        };
        let count = int(count)?;
        if count == i64::MIN {
            return Err(Error::HashCountRange);
        }
        match argv.get(3) {
            None => Ok(Reply::bulks(store.hrandfield_count(argv[1], count)?)),
            Some(&opt) if argv.len() == 4 && is(opt, "withvalues") => {
                // RESP2's flat field, value, … array.
                let pairs = store.hrandfield_withvalues(argv[1], count)?;
                Ok(Reply::Pairs(
                    pairs
                        .into_iter()
                        .map(|(f, v)| (Reply::Bulk(f), Reply::Bulk(v)))
                        .collect(),
                ))
            }
            Some(_) => Err(Error::Syntax),
        }
    };
    run().into()
}

/// HSCAN's (and SSCAN's, ZSCAN's) options; parsed only once the key is
/// known to hold the right kind of value.
pub(super) fn scan_options(options: &[&[u8]]) -> Result<ScanOptions> {
    let mut parsed = ScanOptions::new();
    let mut i = 0;
    while let Some(&opt) = options.get(i) {
        let Some(&value) = options.get(i + 1) else {
            return Err(Error::Syntax);
        };
        if is(opt, "count") {
            let count = int(value)?;
            if count < 1 {
                return Err(Error::Syntax);
            }
            parsed = parsed.count(usize::try_from(count).unwrap_or(usize::MAX));
        } else if is(opt, "match") {
            parsed = parsed.pattern(value);
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    Ok(parsed)
}

pub(super) fn hscan(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let cursor = parse_scan_cursor(argv[2]).ok_or(Error::InvalidCursor)?;
        let page = store.hscan_generic(argv[1], cursor, || scan_options(&argv[3..]))?;
        let cursor = itoa::Buffer::new().format(page.cursor).as_bytes().to_vec();
        Ok(Reply::Array(vec![
            Reply::Bulk(cursor),
            flat_pairs(page.fields),
        ]))
    };
    run().into()
}

/// `FIELDS numfields field…` starting at `at` (the `FIELDS` keyword), with
/// Redis 7.4's errors.
fn fields<'a>(argv: &[&'a [u8]], at: usize) -> Result<Vec<&'a [u8]>> {
    if !argv.get(at).is_some_and(|a| is(a, "fields")) {
        return Err(Error::HashFieldsMissing);
    }
    let n = argv
        .get(at + 1)
        .and_then(|a| parse_i64(a))
        .filter(|&n| n >= 1)
        .ok_or(Error::HashNumFieldsNotPositive)?;
    let given = argv.len().saturating_sub(at + 2);
    if usize::try_from(n).ok() != Some(given) {
        return Err(Error::HashNumFieldsMismatch);
    }
    Ok(argv[at + 2..].to_vec())
}

fn hexpire_generic(store: &Store, argv: &[&[u8]], unit: FieldTime, command: &'static str) -> Reply {
    let parse = |now: i64| -> Result<ExpireArgs<'_>> {
        let at = unit.deadline(int(argv[2])?, now, command)?;
        let opt = argv.get(3).copied().unwrap_or_default();
        let condition = if is(opt, "nx") {
            Some(ExpireCondition::new().nx())
        } else if is(opt, "xx") {
            Some(ExpireCondition::new().xx())
        } else if is(opt, "gt") {
            Some(ExpireCondition::new().gt())
        } else if is(opt, "lt") {
            Some(ExpireCondition::new().lt())
        } else {
            None
        };
        let fields_at = if condition.is_some() { 4 } else { 3 };
        Ok((at, condition.unwrap_or_default(), fields(argv, fields_at)?))
    };
    store.hexpire_generic(argv[1], parse).map(codes).into()
}

pub(super) fn hexpire(store: &Store, argv: &[&[u8]]) -> Reply {
    hexpire_generic(store, argv, FieldTime::Seconds, "hexpire")
}

pub(super) fn hpexpire(store: &Store, argv: &[&[u8]]) -> Reply {
    hexpire_generic(store, argv, FieldTime::Milliseconds, "hpexpire")
}

pub(super) fn hexpireat(store: &Store, argv: &[&[u8]]) -> Reply {
    hexpire_generic(store, argv, FieldTime::UnixSeconds, "hexpireat")
}

pub(super) fn hpexpireat(store: &Store, argv: &[&[u8]]) -> Reply {
    hexpire_generic(store, argv, FieldTime::UnixMilliseconds, "hpexpireat")
}

fn httl_generic(store: &Store, argv: &[&[u8]], kind: TtlKind) -> Reply {
    store
        .httl_generic(argv[1], kind, || fields(argv, 2))
        .map(codes)
        .into()
}

pub(super) fn httl(store: &Store, argv: &[&[u8]]) -> Reply {
    httl_generic(store, argv, TtlKind::Seconds)
}

pub(super) fn hpttl(store: &Store, argv: &[&[u8]]) -> Reply {
    httl_generic(store, argv, TtlKind::Milliseconds)
}

pub(super) fn hexpiretime(store: &Store, argv: &[&[u8]]) -> Reply {
    httl_generic(store, argv, TtlKind::UnixSeconds)
}

pub(super) fn hpexpiretime(store: &Store, argv: &[&[u8]]) -> Reply {
    httl_generic(store, argv, TtlKind::UnixMilliseconds)
}

pub(super) fn hpersist(store: &Store, argv: &[&[u8]]) -> Reply {
    store
        .hpersist_generic(argv[1], || fields(argv, 2))
        .map(codes)
        .into()
}
