//! Loading a checkpoint's keys straight into their shards.
//!
//! Each value is built at once in the encoding the store's thresholds
//! pick, exactly what the commands [`Store::restore_dump`] runs would
//! leave (same `OBJECT ENCODING`, same order inside packed encodings);
//! what only the commands can get right (a set or hash with duplicate
//! members, which a CRC-valid but odd file may hold) is built one member at
//! a time with the commands' own steps.

use crate::encoding::hashtable::HashTable;
use crate::encoding::intset::IntSet;
use crate::encoding::listpack::Listpack;
use crate::encoding::quicklist::{Fill, lp_bytes};
use crate::keyspace::Detached;
use crate::number::parse_i64;
use crate::persist::dump::{DumpValueRef, HashFieldRef, KeyDumpRef};
use crate::types::hash::{PackLimits, hash_remove, hash_set, stored_len, to_table};
use crate::types::list::check_elements;
use crate::types::list_ops;
use crate::types::set::{SetLimits, new_set_for, set_add};
use crate::types::zset::zset_from_sorted;
use crate::value::Value;
use crate::{Error, Result, Store};

/// What loading makes of a dumped value.
enum Built {
    /// The value to store.
    Value(Value),
    /// No key at all (an empty collection, a hash whose fields all expired).
    Nothing,
    /// Only [`Store::restore_dump`] builds it (a sorted set out of order).
    Commands,
}

impl Store {
    /// Loads one key of a checkpoint into a store being opened, replacing
    /// what was there: the value is built in its final encoding and put
    /// into its shard (nobody else can see the store yet, and nothing
    /// listens for writes). A big sorted set is built as a skiplist at
    /// once, keeping a `-0` score as Redis's RDB load does. The result is
    /// what [`Store::restore_dump`] gives, which is used instead while
    /// writes are propagated.
    pub(crate) fn load_dump(&self, dump: KeyDumpRef<'_>) -> Result<()> {
        let ctx = self.ctx();
        if ctx.propagating() {
            return self.restore_dump(dump.to_owned_dump());
        }
        let now = ctx.now();
        // As `restore_dump`: `SET … PXAT` keeps a string due right now,
        // `PEXPIREAT` deletes a collection due right now.
        let due = |at: i64| match dump.value {
            DumpValueRef::String(_) => at < now,
            _ => at <= now,
        };
        let value = if dump.expire_at_ms.is_some_and(due) {
            None
        } else {
            match self.build_value(&dump.value, now)? {
                Built::Value(value) => Some(value),
                Built::Nothing => None,
                Built::Commands => return self.restore_dump(dump.to_owned_dump()),
            }
        };
        let keyspace = &self.inner.keyspace;
        let loc = keyspace.locate(dump.key);
        let mut shard = keyspace.write(loc.shard);
        if let Some(index) = shard.find_live(dump.key, loc.hash, &ctx) {
            shard.remove_at(index, loc.hash);
        }
        if let Some(value) = value {
            // A new key, loaded without events: `attach` inserts it (which
            // registers a hash's field deadlines) with its deadline.
            let detached = Detached {
                value,
                flags: 0,
                deadline: dump.expire_at_ms,
                clock: ctx.access().fresh(),
            };
            shard.attach(dump.key, loc.hash, detached);
        }
        Ok(())
    }

    fn build_value(&self, value: &DumpValueRef<'_>, now: i64) -> Result<Built> {
        Ok(match value {
            DumpValueRef::String(bytes) => {
                if bytes.len() > self.inner.settings.max_string_len() {
                    return Err(Error::StringTooLong);
                }
                Built::Value(Value::from_bytes(bytes))
            }
            DumpValueRef::List(items) if items.is_empty() => Built::Nothing,
            DumpValueRef::List(items) => {
                check_elements(items)?;
                Built::Value(build_list(items, self.list_fill()))
            }
            DumpValueRef::Set(members) => match build_set(members, self.set_limits()) {
                Some(value) => Built::Value(value),
                None => Built::Nothing,
            },
            DumpValueRef::Hash(fields) => match build_hash(fields, self.pack_limits(), now) {
                Some(value) => Built::Value(value),
                None => Built::Nothing,
            },
            DumpValueRef::ZSet(members) if members.is_empty() => Built::Nothing,
            DumpValueRef::ZSet(members) if in_rank_order(members) && distinct_members(members) => {
                Built::Value(zset_from_sorted(members, self.zset_limits()))
            }
            DumpValueRef::ZSet(_) => Built::Commands,
        })
    }
}

/// Whether sorted-set members are strictly in rank order (by score, then
/// member), as a sorted set's dump lists them; NaN scores never are.
pub(super) fn in_rank_order<M: AsRef<[u8]>>(members: &[(M, f64)]) -> bool {
    members.iter().all(|(_, s)| !s.is_nan())
        && members.windows(2).all(|w| {
            let ((m1, s1), (m2, s2)) = (&w[0], &w[1]);
            s1 < s2 || (s1 == s2 && m1.as_ref() < m2.as_ref())
        })
}

/// Whether no member of a sorted set's dump comes twice (rank order does
/// not say: the same member may come back at another score).
fn distinct_members(members: &[(&[u8], f64)]) -> bool {
    let names: Vec<&[u8]> = members.iter().map(|(m, _)| *m).collect();
    !has_duplicates(&names)
}

/// Whether `items` holds the same bytes twice. Their hashes are compared
/// first (sorting `u64`s is quicker than sorting strings); only equal
/// hashes, rare without a real duplicate, cost a comparison of the bytes.
fn has_duplicates(items: &[&[u8]]) -> bool {
    const ON_STACK: usize = 64;
    let hasher = ahash::RandomState::with_seeds(1, 2, 3, 4);
    let mut stack = [0u64; ON_STACK];
    let mut heap = Vec::new();
    let hashes = if items.len() <= ON_STACK {
        &mut stack[..items.len()]
    } else {
        heap.resize(items.len(), 0);
        &mut heap[..]
    };
    for (h, item) in hashes.iter_mut().zip(items) {
        *h = hasher.hash_one(item);
    }
    hashes.sort_unstable();
    if hashes.windows(2).all(|w| w[0] != w[1]) {
        return false;
    }
    let mut sorted = items.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).any(|w| w[0] == w[1])
}

/// The list `RPUSH key items…` creates: packed in one exact allocation
/// when `RPUSH` would keep it packed, else pushed as `RPUSH` does.
fn build_list(items: &[&[u8]], fill: Fill) -> Value {
    // `list_ops::push`'s conversion test, for an empty list.
    let add = items.iter().fold(0usize, |n, e| n.saturating_add(e.len()));
    if !fill.exceeds(lp_bytes(&Listpack::new()).saturating_add(add), items.len()) {
        return Value::ListPacked(Listpack::from_items_exact(items.iter().copied()));
    }
    let mut value = list_ops::new_value();
    list_ops::push(&mut value, fill, items, false);
    value
}

/// The encoding `SADD key members…` ends in when the members are
/// distinct (`set_add`'s steps, counted rather than done).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetPlan {
    /// An intset.
    Ints,
    /// A listpack whose first `n` members were integers when it was an
    /// intset (they lead in ascending order, the rest follow as given).
    Packed(usize),
    /// A table.
    Table,
}

fn plan_set(members: &[&[u8]], limits: SetLimits) -> SetPlan {
    let Some(first) = members.first() else {
        return SetPlan::Table;
    };
    let mut plan = if parse_i64(first).is_some() && limits.intset_entries >= 1 {
        SetPlan::Ints
    } else if limits.listpack_entries >= 1 {
        SetPlan::Packed(0)
    } else {
        return SetPlan::Table;
    };
    let (mut min, mut max) = (0i64, 0i64);
    for (held, m) in members.iter().enumerate() {
        let fits_packed = held < limits.listpack_entries && m.len() <= limits.listpack_value;
        match plan {
            SetPlan::Ints => match parse_i64(m) {
                Some(_) if held + 1 > limits.intset_entries => return SetPlan::Table,
                Some(n) => {
                    (min, max) = if held == 0 {
                        (n, n)
                    } else {
                        (min.min(n), max.max(n))
                    };
                }
                None => {
                    let mut buf = itoa::Buffer::new();
                    let widest = buf.format(min).len().max(buf.format(max).len());
                    if !fits_packed || widest > limits.listpack_value {
                        return SetPlan::Table;
                    }
                    plan = SetPlan::Packed(held);
                }
            },
            SetPlan::Packed(_) if !fits_packed => return SetPlan::Table,
            SetPlan::Packed(_) | SetPlan::Table => {}
        }
    }
    plan
}

/// The set `SADD key members…` creates (`None` without members).
fn build_set(members: &[&[u8]], limits: SetLimits) -> Option<Value> {
    let first = members.first()?;
    let fast = match plan_set(members, limits) {
        SetPlan::Ints => {
            let mut ints: Vec<i64> = members.iter().filter_map(|m| parse_i64(m)).collect();
            ints.sort_unstable();
            let distinct = ints.windows(2).all(|w| w[0] < w[1]);
            distinct.then(|| Value::SetInts(IntSet::from_sorted(&ints)))
        }
        SetPlan::Packed(ints) => (!has_duplicates(members)).then(|| {
            let mut order = members.to_vec();
            order[..ints].sort_unstable_by_key(|m| parse_i64(m));
            Value::SetPacked(Listpack::from_items_exact(order))
        }),
        SetPlan::Table => {
            let table: crate::encoding::settable::SetTable = members.iter().copied().collect();
            (table.len() == members.len()).then(|| Value::Set(Box::new(table)))
        }
    };
    // Duplicates: one member at a time, as SADD.
    Some(fast.unwrap_or_else(|| {
        let mut value = new_set_for(first, limits);
        for m in members {
            set_add(&mut value, m, limits);
        }
        value
    }))
}

/// The hash `HSET key fields…` then `HPEXPIREAT` of each field with a
/// deadline create, as [`Store::restore_dump`] runs them: fields past
/// their deadline are left out, one due right `now` is set then deleted
/// (`HPEXPIREAT` deletes a field at a deadline not in the future). `None`
/// when no field is left.
fn build_hash(fields: &[HashFieldRef<'_>], limits: PackLimits, now: i64) -> Option<Value> {
    let live: Vec<&HashFieldRef<'_>> = fields
        .iter()
        .filter(|f| f.expire_at_ms.is_none_or(|at| at >= now))
        .collect();
    if live.is_empty() {
        return None;
    }
    let long = live
        .iter()
        .any(|f| f.field.len() > limits.value || f.value.len() > limits.value);
    let mut value = if !long && live.len() <= limits.entries {
        let names: Vec<&[u8]> = live.iter().map(|f| f.field).collect();
        (!has_duplicates(&names)).then(|| {
            let items = live.iter().flat_map(|f| [f.field, f.value]);
            Value::HashPacked(Listpack::from_items_exact(items))
        })
    } else {
        let mut table = HashTable::new();
        for f in &live {
            table.set(f.field, f.value, false);
        }
        // Fewer distinct fields than given may still fit a listpack.
        (long || table.len() > limits.entries).then(|| Value::Hash(Box::new(table)))
    }
    .unwrap_or_else(|| {
        // HSET's own steps, one field at a time.
        let mut value = Value::HashPacked(Listpack::new());
        if long {
            to_table(&mut value);
        }
        for f in &live {
            hash_set(&mut value, f.field, f.value, limits, false);
        }
        value
    });
    for f in &live {
        match f.expire_at_ms {
            Some(at) if at <= now => {
                hash_remove(&mut value, f.field);
            }
            Some(at) => {
                if let Some(table) = to_table(&mut value) {
                    table.set_deadline(f.field, Some(at));
                }
            }
            None => {}
        }
    }
    (stored_len(&value) > 0).then_some(value)
}
