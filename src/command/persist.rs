//! `SAVE`, `BGSAVE`, `BGREWRITEAOF`, `LASTSAVE` (Redis's `rdb.c`/`aof.c`
//! command entry points).

use super::args::is;
use crate::persist::engine::Kind;
use crate::{Error, Reply, Store};

/// `SAVE`: the snapshot, written now.
pub(super) fn save(store: &Store, _argv: &[&[u8]]) -> Reply {
    if store.inner.persist.running(Kind::Snapshot) {
        return Reply::Error(Error::BgsaveInProgress);
    }
    store.save().map(|()| Reply::ok()).into()
}

/// `BGSAVE [SCHEDULE]`: the snapshot, written in the background.
pub(super) fn bgsave(store: &Store, argv: &[&[u8]]) -> Reply {
    let schedule = match argv {
        [_] => false,
        [_, opt] if is(opt, "schedule") => true,
        _ => return Reply::Error(Error::Syntax),
    };
    if schedule && store.inner.persist.running(Kind::Rewrite) {
        // A job that waits for the rewrite, then saves.
        let inner = std::sync::Arc::clone(&store.inner);
        let Some(snapshot) = store.inner.persist.snapshot.clone() else {
            return Reply::Error(Error::NoDataDir);
        };
        return match store.inner.spawn_job(Kind::Snapshot, move || {
            inner.checkpoint_now(Kind::Snapshot, snapshot.as_ref())
        }) {
            Ok(_detached) => Reply::Simple("Background saving scheduled"),
            Err(e) => Reply::Error(e),
        };
    }
    match store.bgsave() {
        Ok(_detached) => Reply::Simple("Background saving started"),
        Err(e) => Reply::Error(e),
    }
}

/// `BGREWRITEAOF`: the append log, compacted in the background.
pub(super) fn bgrewriteaof(store: &Store, _argv: &[&[u8]]) -> Reply {
    let scheduled = store.inner.persist.running(Kind::Snapshot);
    match store.bgrewriteaof() {
        Ok(_detached) if scheduled => {
            Reply::Simple("Background append only file rewriting scheduled")
        }
        Ok(_detached) => Reply::Simple("Background append only file rewriting started"),
        Err(e) => Reply::Error(e),
    }
}

/// `LASTSAVE`: Unix time of the last successful snapshot.
pub(super) fn lastsave(store: &Store, _argv: &[&[u8]]) -> Reply {
    Reply::Integer(store.last_save())
}
