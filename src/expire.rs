//! Active expiry: reclaiming expired keys that nobody touches.
//!
//! Lazy expiry (an expired key is invisible to every command and deleted by
//! the next write that finds it) lives in the keyspace lookups. This is the
//! other half, Redis's `activeExpireCycle`: a background pass that samples
//! keys with a TTL, shard by shard, deletes the expired ones, and keeps going
//! on a shard while more than 10% of its sample was expired, within a CPU
//! budget (25% of the interval between passes, as Redis's slow cycle).

use std::time::{Duration, Instant};

use crate::keyspace::table::Bucket;
use crate::keyspace::{Ctx, Keyspace};

/// Keys sampled per shard per round (Redis's
/// `ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const KEYS_PER_LOOP: usize = 20;
/// Keep sampling a shard while more than this percentage of its sample was
/// expired (`ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE`).
const ACCEPTABLE_STALE_PERCENT: usize = 10;

/// Where each shard's sampling continues; kept between passes.
pub(crate) struct ExpireCursor {
    next_shard: usize,
    positions: Vec<usize>,
    /// Where each shard's walk of its hash-field-TTL index continues.
    hash_positions: Vec<usize>,
}

impl ExpireCursor {
    pub(crate) fn new(shards: usize) -> Self {
        ExpireCursor {
            next_shard: 0,
            positions: vec![0; shards],
            hash_positions: vec![0; shards],
        }
    }
}

/// Runs one active expire pass over all shards, or until `budget` is spent.
/// Returns the number of keys reclaimed.
pub(crate) fn active_expire_cycle(
    keyspace: &Keyspace,
    ctx: &Ctx<'_>,
    cursor: &mut ExpireCursor,
    budget: Duration,
) -> usize {
    let started = Instant::now();
    let shards = keyspace.shard_count();
    let mut reclaimed = 0;
    for _ in 0..shards {
        let shard_id = cursor.next_shard % shards;
        cursor.next_shard = (shard_id + 1) % shards;
        loop {
            let (sampled, expired) = expire_some(keyspace, shard_id, ctx, cursor);
            reclaimed += expired;
            if sampled == 0 || expired * 100 <= sampled * ACCEPTABLE_STALE_PERCENT {
                break;
            }
            if started.elapsed() >= budget {
                return reclaimed;
            }
        }
        // Hash fields past their deadline (Redis 7.4's field expiry): keep
        // going on a shard while a round deletes fields.
        loop {
            let (visited, deleted) = expire_hash_fields(keyspace, shard_id, ctx, cursor);
            if visited == 0 || deleted == 0 || started.elapsed() >= budget {
                break;
            }
        }
        if started.elapsed() >= budget {
            break;
        }
    }
    reclaimed
}

/// Samples up to [`KEYS_PER_LOOP`] keys with a TTL in one shard and deletes
/// the expired ones. Returns (sampled, deleted).
fn expire_some(
    keyspace: &Keyspace,
    shard_id: usize,
    ctx: &Ctx<'_>,
    cursor: &mut ExpireCursor,
) -> (usize, usize) {
    let mut shard = keyspace.write(shard_id);
    let table = shard.expires();
    if table.len() == 0 {
        return (0, 0);
    }
    let positions = table.positions();
    let Some(pos) = cursor.positions.get_mut(shard_id) else {
        return (0, 0);
    };
    let now = ctx.now();
    let mut sampled = 0;
    let mut doomed: Vec<Vec<u8>> = Vec::new();
    // Walk at most a few positions per wanted key, so a sparse table cannot
    // make one round long.
    let mut walked = 0;
    while sampled < KEYS_PER_LOOP.min(table.len()) && walked < KEYS_PER_LOOP * 8 {
        let i = *pos % positions;
        *pos = i + 1;
        walked += 1;
        if let Some(e) = table.get(i) {
            sampled += 1;
            if e.at() < now {
                doomed.push(e.key().to_vec());
            }
        }
    }
    let mut deleted = 0;
    for key in doomed {
        let hash = shard.hash(&key);
        // Still under the same write lock, so the key is there and expired:
        // find_live deletes it, counts it and propagates DEL.
        if shard.find_live(&key, hash, ctx).is_none() {
            deleted += 1;
        }
    }
    (sampled, deleted)
}

/// One round of active hash field expiry in one shard: visits up to
/// [`KEYS_PER_LOOP`] hashes with field deadlines. Returns (visited, fields
/// deleted).
fn expire_hash_fields(
    keyspace: &Keyspace,
    shard_id: usize,
    ctx: &Ctx<'_>,
    cursor: &mut ExpireCursor,
) -> (usize, usize) {
    let mut shard = keyspace.write(shard_id);
    let Some(pos) = cursor.hash_positions.get_mut(shard_id) else {
        return (0, 0);
    };
    crate::types::hash_expire::reclaim_hash_fields(&mut shard, ctx, pos, KEYS_PER_LOOP)
}
