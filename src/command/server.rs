//! Server and connection commands that need no connection state: PING,
//! ECHO, CONFIG, INFO, FLUSHALL, TIME.

use super::args::is;
use crate::{Error, Reply, Result, Store};

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
    store.flushall().map(|()| Reply::ok()).into()
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
    /// # Errors
    ///
    /// As every write: [`Error::Misconf`](crate::Error::Misconf) when a
    /// persistence refuses writes, or its error when the write could not
    /// be made durable.
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.set("a", "1")?;
    /// store.flushall()?;
    /// assert_eq!(store.dbsize(), 0);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn flushall(&self) -> Result<()> {
        self.write_gated_shrinking(|| {
            let ctx = self.ctx();
            let mut guards = self.inner.keyspace.write_all();
            for (_, shard) in guards.iter_mut() {
                shard.clear();
            }
            ctx.propagate(&[b"FLUSHALL"]);
            Ok(())
        })
    }

    /// `CONFIG GET pattern…`: the settings whose names match any of
    /// `patterns` (Redis's glob, case-insensitive), each once, as
    /// `(name, value)` pairs. A name without glob characters is looked up
    /// as given (aliases such as `hash-max-ziplist-entries` included) and
    /// reported under that spelling; unknown names are left out.
    ///
    /// The settings are Redis's: `hz`, `proto-max-bulk-len`, the encoding
    /// thresholds (`list-max-listpack-size`, `hash-max-listpack-entries`,
    /// …, with their 7.0 `*-ziplist-*` aliases, and Redis 7.2's
    /// `set-max-listpack-*`), `requirepass`, the server's `port`, `bind`,
    /// `dir`, `maxclients`, `timeout`, and fixed values for what the store
    /// does not do yet (`databases 1`, `appendonly no`, `save ""`,
    /// `maxmemory 0`, `maxmemory-policy noeviction`).
    ///
    /// ```
    /// use kvstore::Store;
    ///
    /// let store = Store::new();
    /// let got = store.config_get(&["hash-max-listpack-*", "hz"]);
    /// assert_eq!(
    ///     got,
    ///     vec![
    ///         ("hash-max-listpack-entries".to_string(), "512".to_string()),
    ///         ("hash-max-listpack-value".to_string(), "64".to_string()),
    ///         ("hz".to_string(), "10".to_string()),
    ///     ]
    /// );
    /// ```
    #[must_use]
    pub fn config_get(&self, patterns: &[&str]) -> Vec<(String, String)> {
        let patterns: Vec<&[u8]> = patterns.iter().map(|p| p.as_bytes()).collect();
        self.inner
            .settings
            .get(&patterns)
            .into_iter()
            .map(|(name, value)| (String::from_utf8_lossy(&name).into_owned(), value))
            .collect()
    }

    /// `CONFIG SET name value [name value …]`: changes settings while the
    /// store runs, all or none (as Redis 7.0's multi-parameter form). The
    /// next command on any thread sees the new values; encodings already
    /// chosen are not converted back, as in Redis.
    ///
    /// Numbers take Redis's syntax (`proto-max-bulk-len` also takes units:
    /// `1mb`, `2gb`); `hz` is clamped to 1..=500.
    ///
    /// # Errors
    ///
    /// Redis 7.0's, checked in its order: an unknown name
    /// ([`Error::ConfigUnknownOption`]), then a server parameter or a fixed
    /// value ("can't set immutable config"), a name given twice
    /// ("duplicate parameter"), then each value (unparsable or out of range)
    /// as [`Error::ConfigSetFailed`]. Nothing changes on error.
    ///
    /// ```
    /// use kvstore::Store;
    ///
    /// let store = Store::new();
    /// store.config_set(&[("hash-max-listpack-entries", "2")])?;
    /// store.hset("h", [("a", "1"), ("b", "2"), ("c", "3")])?;
    /// assert_eq!(store.object_encoding("h")?, Some("hashtable"));
    ///
    /// let err = store.config_set(&[("hz", "20"), ("hz", "30")]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"
    /// );
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn config_set(&self, pairs: &[(&str, &str)]) -> Result<()> {
        let pairs: Vec<(&[u8], &[u8])> = pairs
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        self.inner.settings.set(&pairs)
    }

    /// Records a parameter of the RESP server (`port`, `bind`, `dir`,
    /// `maxclients`, `timeout`) for `CONFIG GET` and `INFO`; `CONFIG SET`
    /// refuses to change them.
    // Called by the RESP server (feature `server`), which lands separately.
    #[allow(dead_code)]
    pub(crate) fn set_server_param(&self, name: &'static str, value: String) {
        self.inner.settings.set_server_param(name, value);
    }

    /// The `requirepass` password, if one is set.
    // Called by the RESP server (AUTH, HELLO … AUTH).
    #[allow(dead_code)]
    pub(crate) fn requirepass(&self) -> Option<Vec<u8>> {
        self.inner.settings.requirepass()
    }

    /// Whether `password` is the `requirepass` password (false when none).
    // Called by the RESP server (AUTH, HELLO … AUTH).
    #[allow(dead_code)]
    pub(crate) fn check_password(&self, password: &[u8]) -> bool {
        self.inner.settings.check_password(password)
    }
}
