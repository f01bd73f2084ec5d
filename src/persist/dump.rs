//! Keys as checkpoints store them: [`KeyDump`], its encoding-free form.
//!
//! A checkpoint (the snapshot file, an append-log base) sees the keyspace
//! as a stream of `KeyDump`s taken at one instant; loading turns them back
//! into values with the encodings the store's thresholds pick.

use serde::{Deserialize, Serialize};

use crate::encoding::listpack::Elem;
use crate::keyspace::Shard;
use crate::keyspace::table::Bucket;
use crate::value::{HashRef, ListRef, ValueRef};
use crate::{Result, SetOptions, Store};

mod load;
#[cfg(test)]
mod tests;

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

/// A [`KeyDump`] borrowing its bytes from a checkpoint's buffer: how
/// snapshot loading decodes records (no allocation per string). Its wire
/// form is [`KeyDump`]'s: bincode writes a `Vec<u8>` and a `&[u8]` alike
/// (a length, then the bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct KeyDumpRef<'a> {
    /// The key.
    pub(crate) key: &'a [u8],
    /// The key's deadline in Unix milliseconds, if it has one.
    pub(crate) expire_at_ms: Option<i64>,
    /// The value.
    #[serde(borrow)]
    pub(crate) value: DumpValueRef<'a>,
}

/// [`DumpValue`], borrowed; the variants in the same order (bincode
/// writes their index).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum DumpValueRef<'a> {
    /// A string.
    String(&'a [u8]),
    /// A list, head first.
    List(#[serde(borrow)] Vec<&'a [u8]>),
    /// A set's members.
    Set(#[serde(borrow)] Vec<&'a [u8]>),
    /// A hash's fields.
    Hash(#[serde(borrow)] Vec<HashFieldRef<'a>>),
    /// A sorted set's members and scores, in rank order.
    ZSet(#[serde(borrow)] Vec<(&'a [u8], f64)>),
}

/// [`HashField`], borrowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HashFieldRef<'a> {
    /// The field name.
    pub(crate) field: &'a [u8],
    /// Its value.
    pub(crate) value: &'a [u8],
    /// The field's deadline in Unix milliseconds, if it has one.
    pub(crate) expire_at_ms: Option<i64>,
}

impl KeyDumpRef<'_> {
    /// An owned copy.
    pub(crate) fn to_owned_dump(&self) -> KeyDump {
        let owned = |v: &Vec<&[u8]>| v.iter().map(|b| b.to_vec()).collect();
        KeyDump {
            key: self.key.to_vec(),
            expire_at_ms: self.expire_at_ms,
            value: match &self.value {
                DumpValueRef::String(b) => DumpValue::String(b.to_vec()),
                DumpValueRef::List(v) => DumpValue::List(owned(v)),
                DumpValueRef::Set(v) => DumpValue::Set(owned(v)),
                DumpValueRef::Hash(v) => DumpValue::Hash(
                    v.iter()
                        .map(|f| HashField {
                            field: f.field.to_vec(),
                            value: f.value.to_vec(),
                            expire_at_ms: f.expire_at_ms,
                        })
                        .collect(),
                ),
                DumpValueRef::ZSet(v) => {
                    DumpValue::ZSet(v.iter().map(|(m, s)| (m.to_vec(), *s)).collect())
                }
            },
        }
    }
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
    /// fields whose deadline is past; an empty collection (a hash whose
    /// fields all expired included) is no key at all.
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
        let live = |f: &&HashField| f.expire_at_ms.is_none_or(|at| at >= now);
        let no_live_field =
            matches!(&value, DumpValue::Hash(fields) if !fields.iter().any(|f| live(&f)));
        if expire_at_ms.is_some_and(|at| at < now) || value.is_empty() || no_live_field {
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
