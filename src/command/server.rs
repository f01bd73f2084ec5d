//! Server and connection commands that need no connection state: PING,
//! ECHO, CONFIG, INFO, FLUSHALL, TIME.

use super::args::is;
use crate::{Error, Reply, Store};

/// `PING [message]` (the pub/sub form comes with pub/sub).
pub(super) fn ping(_store: &Store, argv: &[&[u8]]) -> Reply {
    match argv {
        [_] => Reply::Simple("PONG"),
        [_, message] => Reply::Bulk(message.to_vec()),
        _ => Reply::Error(Error::WrongArity("ping".into())),
    }
}

/// `ECHO message`.
pub(super) fn echo(_store: &Store, argv: &[&[u8]]) -> Reply {
    Reply::Bulk(argv.get(1).copied().unwrap_or_default().to_vec())
}

/// `CONFIG GET pattern [pattern …]`: a map of name to value.
pub(super) fn config_get(store: &Store, argv: &[&[u8]]) -> Reply {
    let pairs = store.inner.settings.get(&argv[2..]);
    Reply::Map(
        pairs
            .into_iter()
            .map(|(name, value)| (Reply::Bulk(name), Reply::Bulk(value.into_bytes())))
            .collect(),
    )
}

/// `CONFIG SET name value [name value …]`.
pub(super) fn config_set(store: &Store, argv: &[&[u8]]) -> Reply {
    // Redis checks the pairing before anything else.
    if !argv.len().is_multiple_of(2) {
        return Reply::Error(Error::Syntax);
    }
    let pairs: Vec<(&[u8], &[u8])> = argv[2..].chunks_exact(2).map(|p| (p[0], p[1])).collect();
    match store.inner.settings.set(&pairs) {
        Ok(()) => Reply::ok(),
        Err(e) => Reply::Error(e),
    }
}

/// `CONFIG RESETSTAT`.
pub(super) fn config_resetstat(store: &Store, _argv: &[&[u8]]) -> Reply {
    store.reset_stats();
    Reply::ok()
}

/// `CONFIG REWRITE`: there is no configuration file to rewrite.
pub(super) fn config_rewrite(_store: &Store, _argv: &[&[u8]]) -> Reply {
    Reply::Error(Error::NoConfigFile)
}

/// `CONFIG HELP`.
pub(super) fn config_help(_store: &Store, _argv: &[&[u8]]) -> Reply {
    let lines = [
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    ];
    Reply::Array(lines.into_iter().map(Reply::Simple).collect())
}

/// `INFO [section …]`: a verbatim text (a bulk string in RESP2).
pub(super) fn info(store: &Store, argv: &[&[u8]]) -> Reply {
    Reply::Verbatim("txt", store.info_bytes(&argv[1..]).into_bytes())
}

/// `FLUSHALL [ASYNC|SYNC]`: FLUSHDB of the one database.
pub(super) fn flushall(store: &Store, argv: &[&[u8]]) -> Reply {
    match argv {
        [_] => {}
        [_, mode] if is(mode, "async") || is(mode, "sync") => {}
        _ => return Reply::Error(Error::Syntax),
    }
    store.flushall();
    Reply::ok()
}

/// `TIME`: the store clock's time as `[seconds, microseconds]` (the clock
/// has millisecond precision).
pub(super) fn time(store: &Store, _argv: &[&[u8]]) -> Reply {
    let ms = store.inner.clock.now_ms();
    let secs = ms.div_euclid(1000);
    let micros = ms.rem_euclid(1000) * 1000;
    Reply::Array(vec![
        Reply::Bulk(secs.to_string().into_bytes()),
        Reply::Bulk(micros.to_string().into_bytes()),
    ])
}

impl Store {
    /// `FLUSHALL`: deletes every key, as [`flushdb`](Store::flushdb) (the
    /// store has one database), and propagates `FLUSHALL`.
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.set("a", "1")?;
    /// store.flushall();
    /// assert_eq!(store.dbsize(), 0);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn flushall(&self) {
        let ctx = self.ctx();
        let mut guards = self.inner.keyspace.write_all();
        for (_, shard) in guards.iter_mut() {
            shard.clear();
        }
        ctx.propagate(&[b"FLUSHALL"]);
    }
}
