//! Keys as checkpoints store them: [`KeyDump`], its encoding-free form.
//!
//! A checkpoint (the snapshot file, an append-log base) sees the keyspace
//! as a stream of `KeyDump`s taken at one instant; loading turns them back
//! into values with the encodings the store's thresholds pick.

use serde::{Deserialize, Serialize};

use crate::encoding::listpack::Elem;
use crate::keyspace::table::Bucket;
use crate::keyspace::{Shard, Ttl};
use crate::types::zset::zset_from_sorted;
use crate::value::{HashRef, ListRef, Value, ValueRef};
use crate::{Result, SetOptions, Store};

/// One key with its value and deadline, independent of how it is encoded
/// in memory.
///
/// ```
/// use kvstore::persist::{DumpValue, KeyDump};
///
/// let dump = KeyDump {
///     key: b"greeting".to_vec(),
///     expire_at_ms: None,
///     value: DumpValue::String(b"hello".to_vec()),
/// };
/// assert_eq!(dump.value.type_name(), "string");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyDump {
    /// The key.
    pub key: Vec<u8>,
    /// The key's deadline in Unix milliseconds, if it has one.
    pub expire_at_ms: Option<i64>,
    /// The value.
    pub value: DumpValue,
}

/// A value of any kind, as plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DumpValue {
    /// A string.
    String(Vec<u8>),
    /// A list, head first.
    List(Vec<Vec<u8>>),
    /// A set's members, in no particular order.
    Set(Vec<Vec<u8>>),
    /// A hash's fields, in no particular order.
    Hash(Vec<HashField>),
    /// A sorted set's members and scores, in rank order.
    ZSet(Vec<(Vec<u8>, f64)>),
}

/// One field of a hash, with its own deadline (`HEXPIRE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HashField {
    /// The field name.
    pub field: Vec<u8>,
    /// Its value.
    pub value: Vec<u8>,
    /// The field's deadline in Unix milliseconds, if it has one.
    pub expire_at_ms: Option<i64>,
}

impl DumpValue {
    /// The name `TYPE` gives this kind of value.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            DumpValue::String(_) => "string",
            DumpValue::List(_) => "list",
            DumpValue::Set(_) => "set",
            DumpValue::Hash(_) => "hash",
            DumpValue::ZSet(_) => "zset",
        }
    }
}

/// Every key of `shard` (expired ones included: loading skips them), as
/// dumps.
pub(crate) fn dump_shard(shard: &Shard) -> Vec<KeyDump> {
    shard
        .table()
        .iter()
        .map(|slot| {
            let key = slot.key();
            KeyDump {
                key: key.to_vec(),
                expire_at_ms: shard.deadline_of(slot, shard.hash(key)),
                value: dump_value(slot.value()),
            }
        })
        .collect()
}

fn dump_value(value: ValueRef<'_>) -> DumpValue {
    let owned = |e: Elem<'_>| e.to_vec();
    match value {
        ValueRef::Str(bytes) => DumpValue::String(bytes.to_vec()),
        ValueRef::Int(n) => DumpValue::String(itoa::Buffer::new().format(n).as_bytes().to_vec()),
        ValueRef::List(ListRef::Packed(lp)) => DumpValue::List(lp.iter().map(owned).collect()),
        ValueRef::List(ListRef::Quick(ql)) => DumpValue::List(ql.iter().map(owned).collect()),
        ValueRef::Set(set) => {
            let mut members = Vec::with_capacity(set.len());
            set.for_each(|m| members.push(m.to_vec()));
            DumpValue::Set(members)
        }
        ValueRef::Hash(HashRef::Packed(lp)) => {
            let mut fields = Vec::with_capacity(lp.len() / 2);
            let mut items = lp.iter();
            while let (Some(f), Some(v)) = (items.next(), items.next()) {
                fields.push(HashField {
                    field: f.to_vec(),
                    value: v.to_vec(),
                    expire_at_ms: None,
                });
            }
            DumpValue::Hash(fields)
        }
        ValueRef::Hash(HashRef::Table(table)) => DumpValue::Hash(
            // i64::MIN: every field, expired or not (loading skips those).
            table
                .iter_live(i64::MIN)
                .map(|(f, v)| HashField {
                    field: f.to_vec(),
                    value: v.to_vec(),
                    expire_at_ms: table.deadline(f),
                })
                .collect(),
        ),
        ValueRef::ZSet(zset) => DumpValue::ZSet(zset.collect(0, zset.len(), false)),
    }
}

impl Store {
    /// Stores `dump` under its key, replacing what was there, with the
    /// encodings this store's thresholds pick. A key whose deadline is past
    /// is not stored (an existing one is deleted), and neither are hash
    /// fields whose deadline is past; an empty collection is no key at all.
    /// This is how checkpoints are loaded; on a running store it is a write
    /// like any other, propagated as the commands that rebuild the key.
    ///
    /// ```
    /// use kvstore::persist::{DumpValue, KeyDump};
    /// use kvstore::Store;
    ///
    /// let store = Store::new();
    /// store.restore_dump(KeyDump {
    ///     key: b"queue".to_vec(),
    ///     expire_at_ms: None,
    ///     value: DumpValue::List(vec![b"a".to_vec(), b"b".to_vec()]),
    /// })?;
    /// assert_eq!(store.lrange("queue", 0, -1)?, vec![b"a".to_vec(), b"b".to_vec()]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::StringTooLong`](crate::Error::StringTooLong) for a string
    /// over the store's limit; a hash field deadline out of range.
    pub fn restore_dump(&self, dump: KeyDump) -> Result<()> {
        let KeyDump {
            key,
            expire_at_ms,
            value,
        } = dump;
        let now = self.ctx().now();
        if expire_at_ms.is_some_and(|at| at < now) || value.is_empty() {
            self.del([&key])?;
            return Ok(());
        }
        if let DumpValue::String(bytes) = &value {
            let options = match expire_at_ms {
                Some(at) => SetOptions::new().pxat(at),
                None => SetOptions::new(),
            };
            self.set_with(&key, bytes, options)?;
            return Ok(());
        }
        self.transaction(&[&key], |tx| -> Result<()> {
            tx.del([&key])?;
            match value {
                DumpValue::String(_) => {}
                DumpValue::List(items) => {
                    tx.rpush(&key, items)?;
                }
                DumpValue::Set(members) => {
                    tx.sadd(&key, members)?;
                }
                DumpValue::ZSet(members) => {
                    tx.zadd(&key, members.into_iter().map(|(m, score)| (score, m)))?;
                }
                DumpValue::Hash(fields) => {
                    let live = |f: &&HashField| f.expire_at_ms.is_none_or(|at| at >= now);
                    tx.hset(
                        &key,
                        fields.iter().filter(live).map(|f| (&f.field, &f.value)),
                    )?;
                    for f in fields.iter().filter(live) {
                        if let Some(at) = f.expire_at_ms {
                            tx.hpexpireat(&key, at, None, [&f.field])?;
                        }
                    }
                }
            }
            if let Some(at) = expire_at_ms
                && tx.exists([&key])? > 0
            {
                tx.pexpireat(&key, at)?;
            }
            Ok(())
        })
    }
}

impl Store {
    /// Loads one key of a checkpoint into a store being opened: strings
    /// and sorted sets go straight into their shard (nobody else can see
    /// the store yet, and nothing listens for writes; a big sorted set is
    /// built as a skiplist at once, keeping a `-0` score as Redis's RDB load
    /// does), everything else through [`Store::restore_dump`].
    pub(crate) fn load_dump(&self, dump: KeyDump) -> Result<()> {
        if self.ctx().propagating() {
            return self.restore_dump(dump);
        }
        let KeyDump {
            key,
            expire_at_ms,
            value,
        } = dump;
        let value = match value {
            DumpValue::String(bytes) => {
                if bytes.len() > self.inner.settings.max_string_len() {
                    return Err(crate::Error::StringTooLong);
                }
                Value::from_bytes(&bytes)
            }
            DumpValue::ZSet(members) if !members.is_empty() && in_rank_order(&members) => {
                zset_from_sorted(&members, self.zset_limits())
            }
            value => {
                return self.restore_dump(KeyDump {
                    key,
                    expire_at_ms,
                    value,
                });
            }
        };
        let keyspace = &self.inner.keyspace;
        let ctx = self.ctx();
        if expire_at_ms.is_some_and(|at| at < ctx.now()) {
            return Ok(());
        }
        let loc = keyspace.locate(&key);
        let mut shard = keyspace.write(loc.shard);
        let index = shard.find_live(&key, loc.hash, &ctx);
        let ttl = match expire_at_ms {
            Some(at) => Ttl::Set(at),
            None => Ttl::Clear,
        };
        shard.put(&key, loc.hash, index, value, 0, ttl);
        Ok(())
    }
}

/// Whether sorted-set members are strictly in rank order (by score, then
/// member), as a sorted set's dump lists them; NaN scores never are.
fn in_rank_order(members: &[(Vec<u8>, f64)]) -> bool {
    members.iter().all(|(_, s)| !s.is_nan())
        && members.windows(2).all(|w| {
            let ((m1, s1), (m2, s2)) = (&w[0], &w[1]);
            s1 < s2 || (s1 == s2 && m1 < m2)
        })
}

impl DumpValue {
    /// Whether this is a collection with nothing in it (no key at all).
    fn is_empty(&self) -> bool {
        match self {
            DumpValue::String(_) => false,
            DumpValue::List(v) | DumpValue::Set(v) => v.is_empty(),
            DumpValue::Hash(v) => v.is_empty(),
            DumpValue::ZSet(v) => v.is_empty(),
        }
    }
}
