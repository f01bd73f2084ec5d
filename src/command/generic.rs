//! Argument parsing for the keyspace commands.

use super::args::{c_str, int, int32, is};
use super::string::len_reply;
use crate::number::parse_scan_cursor;
use crate::types::generic::{ExpireCondition, ExpireUnit, ScanOptions};
use crate::{Error, Reply, Result, Store};

pub(super) fn del(store: &Store, argv: &[&[u8]]) -> Reply {
    store.del(&argv[1..]).map(len_reply).into()
}

pub(super) fn unlink(store: &Store, argv: &[&[u8]]) -> Reply {
    store.unlink(&argv[1..]).map(len_reply).into()
}

pub(super) fn exists(store: &Store, argv: &[&[u8]]) -> Reply {
    store.exists(&argv[1..]).map(len_reply).into()
}

pub(super) fn touch(store: &Store, argv: &[&[u8]]) -> Reply {
    store.touch(&argv[1..]).map(len_reply).into()
}

pub(super) fn type_(store: &Store, argv: &[&[u8]]) -> Reply {
    match store.key_type(argv[1]) {
        Ok(kind) => Reply::Simple(kind.map_or("none", |k| k.as_str())),
        Err(e) => Reply::Error(e),
    }
}

pub(super) fn rename(store: &Store, argv: &[&[u8]]) -> Reply {
    store.rename(argv[1], argv[2]).map(|()| Reply::ok()).into()
}

pub(super) fn renamenx(store: &Store, argv: &[&[u8]]) -> Reply {
    store.renamenx(argv[1], argv[2]).into()
}

pub(super) fn copy(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<bool> {
        let mut replace = false;
        let mut i = 3;
        while let Some(&opt) = argv.get(i) {
            if is(opt, "replace") {
                replace = true;
            } else if let (true, Some(&db)) = (is(opt, "db"), argv.get(i + 1)) {
                let db = int32(db)?;
                // One database: DB 0 is this one; any other index does not exist.
                if db != 0 {
                    return Err(Error::DbIndexOutOfRange);
                }
                i += 1;
            } else {
                return Err(Error::Syntax);
            }
            i += 1;
        }
        store.copy(argv[1], argv[2], replace)
    };
    run().into()
}

pub(super) fn keys(store: &Store, argv: &[&[u8]]) -> Reply {
    store.keys(argv[1]).map(Reply::bulks).into()
}

pub(super) fn scan(store: &Store, argv: &[&[u8]]) -> Reply {
    let run = || -> Result<Reply> {
        let cursor = parse_scan_cursor(argv[1]).ok_or(Error::InvalidCursor)?;
        let mut options = ScanOptions::new();
        let mut i = 2;
        while let Some(&opt) = argv.get(i) {
            let Some(&value) = argv.get(i + 1) else {
                return Err(Error::Syntax);
            };
            if is(opt, "count") {
                let count = int(value)?;
                if count < 1 {
                    return Err(Error::Syntax);
                }
                options = options.count(usize::try_from(count).unwrap_or(usize::MAX));
            } else if is(opt, "match") {
                options = options.pattern(value);
            } else if is(opt, "type") {
                options = options.type_name(value);
            } else {
                return Err(Error::Syntax);
            }
            i += 2;
        }
        let page = store.scan(cursor, &options)?;
        let cursor = itoa::Buffer::new().format(page.cursor).as_bytes().to_vec();
        Ok(Reply::Array(vec![
            Reply::Bulk(cursor),
            Reply::bulks(page.keys),
        ]))
    };
    run().into()
}

pub(super) fn dbsize(store: &Store, _argv: &[&[u8]]) -> Reply {
    len_reply(store.dbsize())
}

pub(super) fn flushdb(store: &Store, argv: &[&[u8]]) -> Reply {
    match argv.get(1) {
        None => {}
        Some(&mode) if argv.len() == 2 && (is(mode, "async") || is(mode, "sync")) => {}
        Some(_) => return Reply::Error(Error::Syntax),
    }
    store.flushdb().map(|()| Reply::ok()).into()
}

pub(super) fn randomkey(store: &Store, _argv: &[&[u8]]) -> Reply {
    store.randomkey().into()
}

fn expire_generic(
    store: &Store,
    argv: &[&[u8]],
    unit: ExpireUnit,
    relative: bool,
    command: &'static str,
) -> Reply {
    let run = || -> Result<bool> {
        let mut condition = ExpireCondition::new();
        for &opt in &argv[3..] {
            condition = if is(opt, "nx") {
                condition.nx()
            } else if is(opt, "xx") {
                condition.xx()
            } else if is(opt, "gt") {
                condition.gt()
            } else if is(opt, "lt") {
                condition.lt()
            } else {
                return Err(Error::UnsupportedOption(c_str(opt)));
            };
        }
        // Redis validates the flags before it parses the time.
        condition.validate()?;
        let when = int(argv[2])?;
        store.expire_generic(argv[1], when, unit, relative, condition, command)
    };
    run().into()
}

pub(super) fn expire(store: &Store, argv: &[&[u8]]) -> Reply {
    expire_generic(store, argv, ExpireUnit::Seconds, true, "expire")
}

pub(super) fn pexpire(store: &Store, argv: &[&[u8]]) -> Reply {
    expire_generic(store, argv, ExpireUnit::Milliseconds, true, "pexpire")
}

pub(super) fn expireat(store: &Store, argv: &[&[u8]]) -> Reply {
    expire_generic(store, argv, ExpireUnit::Seconds, false, "expireat")
}

pub(super) fn pexpireat(store: &Store, argv: &[&[u8]]) -> Reply {
    expire_generic(store, argv, ExpireUnit::Milliseconds, false, "pexpireat")
}

pub(super) fn persist(store: &Store, argv: &[&[u8]]) -> Reply {
    store.persist(argv[1]).into()
}

pub(super) fn ttl(store: &Store, argv: &[&[u8]]) -> Reply {
    store.ttl(argv[1]).into()
}

pub(super) fn pttl(store: &Store, argv: &[&[u8]]) -> Reply {
    store.pttl(argv[1]).into()
}

pub(super) fn expiretime(store: &Store, argv: &[&[u8]]) -> Reply {
    store.expiretime(argv[1]).into()
}

pub(super) fn pexpiretime(store: &Store, argv: &[&[u8]]) -> Reply {
    store.pexpiretime(argv[1]).into()
}

pub(super) fn object_encoding(store: &Store, argv: &[&[u8]]) -> Reply {
    match store.object_encoding(argv[2]) {
        Ok(Some(name)) => Reply::Bulk(name.as_bytes().to_vec()),
        Ok(None) => Reply::Null,
        Err(e) => Reply::Error(e),
    }
}

pub(super) fn object_idletime(store: &Store, argv: &[&[u8]]) -> Reply {
    optional_integer(
        store
            .object_idletime(argv[2])
            .map(|v| v.map(|n| i64::try_from(n).unwrap_or(i64::MAX))),
    )
}

/// An integer reply, nil for `None`, or the error.
fn optional_integer(result: crate::Result<Option<i64>>) -> Reply {
    match result {
        Ok(Some(n)) => Reply::Integer(n),
        Ok(None) => Reply::Null,
        Err(e) => Reply::Error(e),
    }
}

pub(super) fn object_freq(store: &Store, argv: &[&[u8]]) -> Reply {
    optional_integer(store.object_freq(argv[2]).map(|v| v.map(i64::from)))
}

pub(super) fn object_refcount(store: &Store, argv: &[&[u8]]) -> Reply {
    optional_integer(store.object_refcount(argv[2]))
}

pub(super) fn object_help(_store: &Store, _argv: &[&[u8]]) -> Reply {
    let lines = [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    Reply::Array(lines.into_iter().map(Reply::Simple).collect())
}

/// Container commands are dispatched to their subcommands before this runs.
pub(super) fn container(_store: &Store, _argv: &[&[u8]]) -> Reply {
    Reply::Error(Error::Syntax)
}
