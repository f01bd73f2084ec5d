//! Argument parsing for the string commands.

use super::args::{int, is};
use crate::types::lcs::{LcsAnswer, LcsMode, compute};
use crate::types::string::{Expiry, GetExpiry, SetOptions};
use crate::{Error, Reply, Result, Store};

pub(super) fn get(store: &Store, argv: &[&[u8]]) -> Reply {
    store.get(argv[1]).into()
}

/// Builds an [`Expiry`] of one kind (`Expiry::Ex`, …) from its argument.
type ExpiryKind = fn(i64) -> Expiry;

/// Which command `parse_set_options` parses: `SET` or `GETEX`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parsing {
    Set,
    GetEx,
}

/// The options of SET / GETEX, parsed as Redis's
/// `parseExtendedStringArgumentsOrReply`: a conflicting or unknown option is
/// a syntax error; repeating an option is allowed.
#[derive(Default)]
struct ExtendedOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    /// The expiry kind and its still unparsed argument.
    expire: Option<(ExpiryKind, &'a [u8])>,
}

fn parse_extended<'a>(options: &[&'a [u8]], parsing: Parsing) -> Result<ExtendedOptions<'a>> {
    let mut o = ExtendedOptions::default();
    let set = parsing == Parsing::Set;
    let mut i = 0;
    while let Some(&opt) = options.get(i) {
        let next = options.get(i + 1).copied();
        let has_expire = o.expire.is_some();
        let expire_kind: Option<ExpiryKind> = if is(opt, "ex") {
            Some(Expiry::Ex)
        } else if is(opt, "px") {
            Some(Expiry::Px)
        } else if is(opt, "exat") {
            Some(Expiry::ExAt)
        } else if is(opt, "pxat") {
            Some(Expiry::PxAt)
        } else {
            None
        };
        if set && is(opt, "nx") && !o.xx {
            o.nx = true;
        } else if set && is(opt, "xx") && !o.nx {
            o.xx = true;
        } else if set && is(opt, "get") {
            o.get = true;
        } else if set && is(opt, "keepttl") && !o.persist && !has_expire {
            o.keep_ttl = true;
        } else if !set && is(opt, "persist") && !has_expire && !o.keep_ttl {
            o.persist = true;
        } else if let (Some(kind), Some(value)) = (expire_kind, next)
            && !o.keep_ttl
            && !o.persist
            // The same unit may repeat (the last one wins); different ones conflict.
            && o.expire.is_none_or(|(k, _)| k(1) == kind(1))
        {
            o.expire = Some((kind, value));
            i += 1;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    Ok(o)
}

impl ExtendedOptions<'_> {
    fn expiry(&self) -> Result<Option<Expiry>> {
        self.expire
            .map(|(kind, raw)| int(raw).map(kind))
            .transpose()
    }
}

pub(super) fn set(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let o = parse_extended(&argv[3..], Parsing::Set)?;
        let mut options = SetOptions::new();
        if o.nx {
            options = options.nx();
        }
        if o.xx {
            options = options.xx();
        }
        if o.get {
            options = options.get();
        }
        if o.keep_ttl {
            options = options.keepttl();
        }
        if let Some(e) = o.expiry()? {
            options = options.expiry(e);
        }
        let outcome = store.set_generic(argv[1], argv[2], options, "set")?;
        Ok(match (o.get, outcome.written) {
            (true, _) => Reply::bulk_or_null(outcome.previous),
            (false, true) => Reply::ok(),
            (false, false) => Reply::Null,
        })
    };
    run().into()
}

pub(super) fn setnx(store: &Store, argv: &[&[u8]]) -> Reply {
    store.setnx(argv[1], argv[2]).into()
}

pub(super) fn setex(store: &Store, argv: &[&[u8]]) -> Reply {
    set_with_ttl(store, argv, Expiry::Ex, "setex")
}

pub(super) fn psetex(store: &Store, argv: &[&[u8]]) -> Reply {
    set_with_ttl(store, argv, Expiry::Px, "psetex")
}

fn set_with_ttl(store: &Store, argv: &[&[u8]], kind: ExpiryKind, command: &'static str) -> Reply {
    let run = || -> Result<Reply> {
        let ttl = int(argv[2])?;
        store.set_generic(
            argv[1],
            argv[3],
            SetOptions::new().expiry(kind(ttl)),
            command,
        )?;
        Ok(Reply::ok())
    };
    run().into()
}

pub(super) fn getset(store: &Store, argv: &[&[u8]]) -> Reply {
    store.getset(argv[1], argv[2]).into()
}

pub(super) fn getdel(store: &Store, argv: &[&[u8]]) -> Reply {
    store.getdel(argv[1]).into()
}

pub(super) fn getex(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Option<Vec<u8>>> {
        let o = parse_extended(&argv[2..], Parsing::GetEx)?;
        store.getex_generic(argv[1], || {
            Ok(match o.expiry()? {
                Some(e) => GetExpiry::Set(e),
                None if o.persist => GetExpiry::Persist,
                None => GetExpiry::Keep,
            })
        })
    };
    run().into()
}

pub(super) fn mget(store: &Store, argv: &[&[u8]]) -> Reply {
    match store.mget(&argv[1..]) {
        Ok(values) => Reply::Array(values.into_iter().map(Reply::bulk_or_null).collect()),
        Err(e) => Reply::Error(e),
    }
}

fn pairs<'a>(argv: &[&'a [u8]]) -> impl Iterator<Item = (&'a [u8], &'a [u8])> {
    argv[1..].chunks_exact(2).map(|p| (p[0], p[1]))
}

pub(super) fn mset(store: &Store, argv: &[&[u8]]) -> Reply {
    if argv.len().is_multiple_of(2) {
        return Reply::Error(Error::WrongArity("mset".into()));
    }
    match store.mset(pairs(argv)) {
        Ok(()) => Reply::ok(),
        Err(e) => Reply::Error(e),
    }
}

pub(super) fn msetnx(store: &Store, argv: &[&[u8]]) -> Reply {
    if argv.len().is_multiple_of(2) {
        return Reply::Error(Error::WrongArity("msetnx".into()));
    }
    store.msetnx(pairs(argv)).into()
}

pub(super) fn incr(store: &Store, argv: &[&[u8]]) -> Reply {
    store.incr(argv[1]).into()
}

pub(super) fn decr(store: &Store, argv: &[&[u8]]) -> Reply {
    store.decr(argv[1]).into()
}

pub(super) fn incrby(store: &Store, argv: &[&[u8]]) -> Reply {
    int(argv[2]).and_then(|n| store.incrby(argv[1], n)).into()
}

pub(super) fn decrby(store: &Store, argv: &[&[u8]]) -> Reply {
    int(argv[2]).and_then(|n| store.decrby(argv[1], n)).into()
}

pub(super) fn incrbyfloat(store: &Store, argv: &[&[u8]]) -> Reply {
    store.incrbyfloat(argv[1], argv[2]).into()
}

pub(super) fn append(store: &Store, argv: &[&[u8]]) -> Reply {
    store.append(argv[1], argv[2]).map(len_reply).into()
}

pub(super) fn strlen(store: &Store, argv: &[&[u8]]) -> Reply {
    store.strlen(argv[1]).map(len_reply).into()
}

pub(super) fn getrange(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Vec<u8>> {
        let (start, end) = (int(argv[2])?, int(argv[3])?);
        store.getrange(argv[1], start, end)
    };
    run().into()
}

pub(super) fn setrange(store: &Store, argv: &[&[u8]]) -> Reply {
    int(argv[2])
        .and_then(|offset| store.setrange(argv[1], offset, argv[3]))
        .map(len_reply)
        .into()
}

pub(super) fn lcs(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        // Redis checks the types before it parses the options.
        let (a, b) = store.lcs_inputs(argv[1], argv[2])?;
        let (mut idx, mut len, mut with_len) = (false, false, false);
        let mut min_len = 0i64;
        let mut i = 3;
        while let Some(&opt) = argv.get(i) {
            if is(opt, "idx") {
                idx = true;
            } else if is(opt, "len") {
                len = true;
            } else if is(opt, "withmatchlen") {
                with_len = true;
            } else if let (true, Some(&n)) = (is(opt, "minmatchlen"), argv.get(i + 1)) {
                min_len = int(n)?.max(0);
                i += 1;
            } else {
                return Err(Error::Syntax);
            }
            i += 1;
        }
        if idx && len {
            return Err(Error::LcsLenAndIdx);
        }
        let mode = match (idx, len) {
            (true, _) => LcsMode::Idx {
                min_len: usize::try_from(min_len).unwrap_or(usize::MAX),
            },
            (false, true) => LcsMode::Len,
            (false, false) => LcsMode::Subsequence,
        };
        Ok(
            match compute(&a, &b, mode, store.inner.settings.max_string_len())? {
                LcsAnswer::Subsequence(s) => Reply::Bulk(s),
                LcsAnswer::Len(n) => len_reply(n),
                LcsAnswer::Idx(answer) => {
                    let matches = answer
                        .matches
                        .iter()
                        .map(|m| {
                            let mut item = vec![range_reply(m.a), range_reply(m.b)];
                            if with_len {
                                item.push(len_reply(m.len));
                            }
                            Reply::Array(item)
                        })
                        .collect();
                    Reply::Map(vec![
                        (Reply::Bulk(b"matches".to_vec()), Reply::Array(matches)),
                        (Reply::Bulk(b"len".to_vec()), len_reply(answer.len)),
                    ])
                }
            },
        )
    };
    run().into()
}

fn range_reply((start, end): (usize, usize)) -> Reply {
    Reply::Array(vec![len_reply(start), len_reply(end)])
}

pub(super) fn len_reply(n: usize) -> Reply {
    Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}
