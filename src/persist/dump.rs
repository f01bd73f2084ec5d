//! Keys as checkpoints store them: [`KeyDump`], its encoding-free form.
//!
//! A checkpoint (the snapshot file, an append-log base) sees the keyspace
//! as a stream of `KeyDump`s taken at one instant; loading turns them back
//! into values with the encodings the store's thresholds pick.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::keyspace::Shard;

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
    let _ = shard;
    unimplemented!("dump_shard")
}

impl Store {
    /// Stores `dump` under its key, replacing what was there, with the
    /// encodings this store's thresholds pick. A key whose deadline is past
    /// is not stored, and neither are hash fields whose deadline is past.
    /// This is how checkpoints are loaded; on a running store it is a write
    /// like any other, propagated as the commands that rebuild the key.
    ///
    /// # Errors
    ///
    /// [`Error::StringTooLong`](crate::Error::StringTooLong) for a string
    /// over the store's limit.
    pub fn restore_dump(&self, dump: KeyDump) -> crate::Result<()> {
        let _ = dump;
        unimplemented!("restore_dump")
    }
}
