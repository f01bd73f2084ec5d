//! `MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP`.

use super::args::{int, is};
use crate::{Error, Reply, Store};

/// `MEMORY USAGE key [SAMPLES count]`: Redis checks every option before
/// looking the key up.
pub(super) fn usage(store: &Store, argv: &[&[u8]]) -> Reply {
    let mut samples = None;
    let mut i = 3;
    while let Some(&opt) = argv.get(i) {
        match argv.get(i + 1) {
            Some(&value) if is(opt, "samples") => {
                let n = match int(value) {
                    Ok(n) => n,
                    Err(e) => return Reply::Error(e),
                };
                let Ok(n) = usize::try_from(n) else {
                    return Reply::Error(Error::Syntax);
                };
                samples = Some(n);
                i += 2;
            }
            _ => return Reply::Error(Error::Syntax),
        }
    }
    match store.memory_usage(argv[2], samples) {
        Ok(Some(bytes)) => Reply::Integer(i64::try_from(bytes).unwrap_or(i64::MAX)),
        Ok(None) => Reply::Null,
        Err(e) => Reply::Error(e),
    }
}

fn int_reply(n: usize) -> Reply {
    Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn name(text: &str) -> Reply {
    Reply::Bulk(text.as_bytes().to_vec())
}

/// `MEMORY STATS`: Redis 7.0's map, in its order; `db.0` only when the
/// keyspace has keys, as Redis lists only non-empty databases.
pub(super) fn stats(store: &Store, _argv: &[&[u8]]) -> Reply {
    let b = store.memory_breakdown();
    let m = &b.info;
    let net = m
        .used_memory
        .checked_sub(m.used_memory_startup)
        .filter(|&n| n > 0)
        .unwrap_or(1);
    let per_key = net.checked_div(b.keys).unwrap_or(0);
    let mut map = vec![
        (name("peak.allocated"), int_reply(m.used_memory_peak)),
        (name("total.allocated"), int_reply(m.used_memory)),
        (name("startup.allocated"), int_reply(m.used_memory_startup)),
        (
            name("replication.backlog"),
            int_reply(m.mem_replication_backlog),
        ),
        (name("clients.slaves"), int_reply(m.mem_clients_slaves)),
        (name("clients.normal"), int_reply(m.mem_clients_normal)),
        (name("cluster.links"), Reply::Integer(0)),
        (name("aof.buffer"), int_reply(m.mem_aof_buffer)),
        (name("lua.caches"), Reply::Integer(0)),
        (name("functions.caches"), Reply::Integer(0)),
    ];
    if b.keys > 0 {
        map.push((
            name("db.0"),
            Reply::Map(vec![
                (
                    name("overhead.hashtable.main"),
                    int_reply(b.main_table_overhead),
                ),
                (
                    name("overhead.hashtable.expires"),
                    int_reply(b.expires_overhead),
                ),
                (name("overhead.hashtable.slot-to-keys"), Reply::Integer(0)),
            ]),
        ));
    }
    map.extend([
        (name("overhead.total"), int_reply(m.used_memory_overhead)),
        (name("keys.count"), int_reply(b.keys)),
        (name("keys.bytes-per-key"), int_reply(per_key)),
        (name("dataset.bytes"), int_reply(m.used_memory_dataset)),
        (
            name("dataset.percentage"),
            Reply::Double(m.used_memory_dataset_perc),
        ),
        (
            name("peak.percentage"),
            Reply::Double(m.used_memory_peak_perc),
        ),
        (
            name("allocator.allocated"),
            int_reply(m.allocator_allocated),
        ),
        (name("allocator.active"), int_reply(m.allocator_active)),
        (name("allocator.resident"), int_reply(m.allocator_resident)),
        (
            name("allocator-fragmentation.ratio"),
            Reply::Double(m.allocator_frag_ratio),
        ),
        (
            name("allocator-fragmentation.bytes"),
            Reply::Integer(m.allocator_frag_bytes),
        ),
        (
            name("allocator-rss.ratio"),
            Reply::Double(m.allocator_rss_ratio),
        ),
        (
            name("allocator-rss.bytes"),
            Reply::Integer(m.allocator_rss_bytes),
        ),
        (
            name("rss-overhead.ratio"),
            Reply::Double(m.rss_overhead_ratio),
        ),
        (
            name("rss-overhead.bytes"),
            Reply::Integer(m.rss_overhead_bytes),
        ),
        (
            name("fragmentation"),
            Reply::Double(m.mem_fragmentation_ratio),
        ),
        (
            name("fragmentation.bytes"),
            Reply::Integer(m.mem_fragmentation_bytes),
        ),
    ]);
    Reply::Map(map)
}

/// `MEMORY DOCTOR`: a verbatim text.
pub(super) fn doctor(store: &Store, _argv: &[&[u8]]) -> Reply {
    Reply::Verbatim("txt", store.memory_doctor().into_bytes())
}

/// `MEMORY MALLOC-STATS`: jemalloc's report, or Redis's answer for an
/// allocator without one.
pub(super) fn malloc_stats(_store: &Store, _argv: &[&[u8]]) -> Reply {
    match crate::memory::alloc::malloc_stats_text() {
        Some(text) => Reply::Verbatim("txt", text.into_bytes()),
        None => name("Stats not supported for the current allocator"),
    }
}

/// `MEMORY PURGE`: asks the allocator to return dirty pages.
pub(super) fn purge(_store: &Store, _argv: &[&[u8]]) -> Reply {
    crate::memory::alloc::purge();
    Reply::ok()
}

/// `MEMORY HELP`.
pub(super) fn help(_store: &Store, _argv: &[&[u8]]) -> Reply {
    let lines = [
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    ];
    Reply::Array(lines.into_iter().map(Reply::Simple).collect())
}
