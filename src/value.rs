//! Stored values: one variant per Redis value kind and encoding.

use thin_vec::ThinVec;

use crate::encoding::hashtable::HashTable;
use crate::encoding::intset::IntSet;
use crate::encoding::listpack::Listpack;
use crate::encoding::quicklist::QuickList;
use crate::encoding::settable::SetTable;
use crate::encoding::sortedset::SortedSet;

/// Longest string kept inside a [`Value`] without a heap allocation.
pub(crate) const INLINE_VALUE: usize = 14;

/// Longest string Redis keeps as `embstr` (`OBJ_ENCODING_EMBSTR_SIZE_LIMIT`).
const EMBSTR_SIZE_LIMIT: usize = 44;

/// A stored value, 16 bytes.
///
/// Strings that are canonical decimal integers are kept as [`Value::Int`]
/// (Redis's `int` encoding); short strings inline; longer ones on the heap
/// with room to grow (`APPEND` is amortised O(1), as with Redis's sds).
#[repr(u8)]
pub(crate) enum Value {
    /// A string of at most [`INLINE_VALUE`] bytes.
    Inline { len: u8, buf: [u8; INLINE_VALUE] },
    /// A string that is the decimal form of an `i64` (Redis's `int` encoding).
    Int(i64),
    /// A longer string.
    Heap(ThinVec<u8>),
    /// A small list, packed (Redis 7.2's `listpack` list encoding).
    ListPacked(Listpack),
    /// A list past the packed thresholds (`quicklist`).
    List(Box<QuickList>),
    /// A small hash: fields and values alternating in one listpack.
    HashPacked(Listpack),
    /// A hash past the packed thresholds (`hashtable`).
    Hash(Box<HashTable>),
    /// A small set of integers (`intset`).
    SetInts(IntSet),
    /// A small set, packed (Redis 7.2's `listpack` set encoding).
    SetPacked(Listpack),
    /// A set past the packed thresholds (`hashtable`).
    Set(Box<SetTable>),
    /// A small sorted set: members and scores alternating in score order.
    ZSetPacked(Listpack),
    /// A sorted set past the packed thresholds (`skiplist`).
    ZSet(Box<SortedSet>),
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

/// The kind of a value, as `TYPE` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// `string`
    String,
    /// `list`
    List,
    /// `set`
    Set,
    /// `zset`
    ZSet,
    /// `hash`
    Hash,
}

impl ValueType {
    /// The name `TYPE` replies with.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::List => "list",
            ValueType::Set => "set",
            ValueType::ZSet => "zset",
            ValueType::Hash => "hash",
        }
    }

    /// Parses a `TYPE` name (case-insensitively, as `SCAN … TYPE` does).
    #[must_use]
    pub fn from_name(name: &[u8]) -> Option<ValueType> {
        [
            ValueType::String,
            ValueType::List,
            ValueType::Set,
            ValueType::ZSet,
            ValueType::Hash,
        ]
        .into_iter()
        .find(|t| t.as_str().as_bytes().eq_ignore_ascii_case(name))
    }
}

/// A borrowed view of a stored value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ValueRef<'a> {
    /// A string held as bytes.
    Str(&'a [u8]),
    /// A string held as an integer.
    Int(i64),
    /// A list, in either encoding.
    List(ListRef<'a>),
    /// A hash, in either encoding.
    Hash(HashRef<'a>),
    /// A set, in any of its encodings.
    Set(SetRef<'a>),
    /// A sorted set, in either encoding.
    ZSet(ZSetRef<'a>),
}

/// A borrowed set, in its encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SetRef<'a> {
    Ints(&'a IntSet),
    Packed(&'a Listpack),
    Table(&'a SetTable),
}

/// A borrowed sorted set, in its encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ZSetRef<'a> {
    Packed(&'a Listpack),
    Skip(&'a SortedSet),
}

/// A borrowed list, in its encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ListRef<'a> {
    Packed(&'a Listpack),
    Quick(&'a QuickList),
}

/// A borrowed hash, in its encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) enum HashRef<'a> {
    Packed(&'a Listpack),
    Table(&'a HashTable),
}

impl ValueRef<'_> {
    pub(crate) fn value_type(self) -> ValueType {
        match self {
            ValueRef::Str(_) | ValueRef::Int(_) => ValueType::String,
            ValueRef::List(_) => ValueType::List,
            ValueRef::Hash(_) => ValueType::Hash,
            ValueRef::Set(_) => ValueType::Set,
            ValueRef::ZSet(_) => ValueType::ZSet,
        }
    }

    /// Runs `f` on the bytes of a string value (an integer is formatted
    /// first, on the stack), or fails with WRONGTYPE.
    pub(crate) fn with_str<R>(self, f: impl FnOnce(&[u8]) -> R) -> crate::Result<R> {
        match self {
            ValueRef::Str(bytes) => Ok(f(bytes)),
            ValueRef::Int(n) => Ok(f(itoa::Buffer::new().format(n).as_bytes())),
            ValueRef::List(_) | ValueRef::Hash(_) | ValueRef::Set(_) | ValueRef::ZSet(_) => {
                Err(crate::Error::WrongType)
            }
        }
    }

    /// An owned copy of a string value, or WRONGTYPE.
    pub(crate) fn to_str_vec(self) -> crate::Result<Vec<u8>> {
        self.with_str(<[u8]>::to_vec)
    }
}

impl Value {
    /// A string value, encoded as Redis's `tryObjectEncoding` would: an
    /// integer when the bytes are a canonical `i64`.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Value {
        match crate::number::parse_i64(bytes) {
            Some(n) => Value::Int(n),
            None => Value::from_raw_bytes(bytes),
        }
    }

    /// A string value kept as bytes even when it looks like an integer (the
    /// result of `APPEND` or `SETRANGE`, which Redis never re-encodes).
    pub(crate) fn from_raw_bytes(bytes: &[u8]) -> Value {
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE_VALUE => {
                let mut buf = [0u8; INLINE_VALUE];
                buf[..bytes.len()].copy_from_slice(bytes);
                Value::Inline { len, buf }
            }
            _ => Value::Heap(ThinVec::from(bytes)),
        }
    }

    /// A string value owning `bytes`, kept as bytes.
    pub(crate) fn from_raw_vec(bytes: ThinVec<u8>) -> Value {
        if bytes.len() <= INLINE_VALUE {
            Value::from_raw_bytes(&bytes)
        } else {
            Value::Heap(bytes)
        }
    }

    pub(crate) fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Inline { len, buf } => ValueRef::Str(&buf[..usize::from(*len)]),
            Value::Int(n) => ValueRef::Int(*n),
            Value::Heap(bytes) => ValueRef::Str(bytes),
            Value::ListPacked(lp) => ValueRef::List(ListRef::Packed(lp)),
            Value::List(ql) => ValueRef::List(ListRef::Quick(ql)),
            Value::HashPacked(lp) => ValueRef::Hash(HashRef::Packed(lp)),
            Value::Hash(table) => ValueRef::Hash(HashRef::Table(table)),
            Value::SetInts(ints) => ValueRef::Set(SetRef::Ints(ints)),
            Value::SetPacked(lp) => ValueRef::Set(SetRef::Packed(lp)),
            Value::Set(table) => ValueRef::Set(SetRef::Table(table)),
            Value::ZSetPacked(lp) => ValueRef::ZSet(ZSetRef::Packed(lp)),
            Value::ZSet(zset) => ValueRef::ZSet(ZSetRef::Skip(zset)),
        }
    }

    /// The bytes of a string value held as bytes (not of an integer).
    pub(crate) fn str_bytes(&self) -> Option<&[u8]> {
        match self.as_ref() {
            ValueRef::Str(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Bytes this value holds on the heap, as the allocator hands them out
    /// (size classes, capacity not length), in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Value::Heap(bytes) => heap_size(bytes),
            Value::ListPacked(lp)
            | Value::HashPacked(lp)
            | Value::SetPacked(lp)
            | Value::ZSetPacked(lp) => lp.heap_bytes(),
            Value::SetInts(ints) => ints.heap_bytes(),
            Value::Set(table) => boxed_size::<SetTable>() + table.heap_bytes(),
            Value::ZSet(zset) => boxed_size::<SortedSet>() + zset.heap_bytes(),
            Value::List(ql) => boxed_size::<QuickList>() + ql.heap_bytes(),
            Value::Hash(table) => boxed_size::<HashTable>() + table.heap_bytes(),
            Value::Inline { .. } | Value::Int(_) => 0,
        }
    }

    /// Whether this is a list, in either encoding.
    /// Whether a blocked pop may be waiting for a value of this kind
    /// (lists for `BLPOP` and friends, sorted sets for `BZPOPMIN` …).
    pub(crate) fn serves_blocked(&self) -> bool {
        matches!(
            self,
            Value::ListPacked(_) | Value::List(_) | Value::ZSetPacked(_) | Value::ZSet(_)
        )
    }

    /// A deep copy (`COPY`).
    pub(crate) fn duplicate(&self) -> Value {
        match self {
            Value::Inline { len, buf } => Value::Inline {
                len: *len,
                buf: *buf,
            },
            Value::Int(n) => Value::Int(*n),
            Value::Heap(bytes) => Value::Heap(bytes.clone()),
            Value::ListPacked(lp) => Value::ListPacked(lp.clone()),
            Value::List(ql) => Value::List(ql.clone()),
            Value::HashPacked(lp) => Value::HashPacked(lp.clone()),
            Value::Hash(table) => Value::Hash(table.clone()),
            Value::SetInts(ints) => Value::SetInts(ints.clone()),
            Value::SetPacked(lp) => Value::SetPacked(lp.clone()),
            Value::Set(table) => Value::Set(table.clone()),
            Value::ZSetPacked(lp) => Value::ZSetPacked(lp.clone()),
            Value::ZSet(zset) => Value::ZSet(zset.clone()),
        }
    }
}

/// The heap footprint of a `ThinVec<u8>`: its header plus capacity, as the
/// allocator hands it out.
pub(crate) fn heap_size(bytes: &ThinVec<u8>) -> usize {
    crate::memory::alloc::thin_vec_bytes(bytes.capacity())
}

/// The heap footprint of a `Box<T>`, as the allocator hands it out.
pub(crate) fn boxed_size<T>() -> usize {
    crate::memory::alloc::boxed::<T>()
}

/// Redis's name for the encoding of a value (`OBJECT ENCODING`).
///
/// `raw` is set for strings last written by `APPEND`/`SETRANGE`, which Redis
/// always leaves in its `raw` encoding.
pub(crate) fn encoding_name(value: ValueRef<'_>, raw: bool) -> &'static str {
    match value {
        ValueRef::Int(_) => "int",
        ValueRef::Str(bytes) if !raw && bytes.len() <= EMBSTR_SIZE_LIMIT => "embstr",
        ValueRef::Str(_) => "raw",
        ValueRef::List(ListRef::Packed(_))
        | ValueRef::Hash(HashRef::Packed(_))
        | ValueRef::Set(SetRef::Packed(_))
        | ValueRef::ZSet(ZSetRef::Packed(_)) => "listpack",
        ValueRef::List(ListRef::Quick(_)) => "quicklist",
        ValueRef::Hash(HashRef::Table(_)) | ValueRef::Set(SetRef::Table(_)) => "hashtable",
        ValueRef::Set(SetRef::Ints(_)) => "intset",
        ValueRef::ZSet(ZSetRef::Skip(_)) => "skiplist",
    }
}
