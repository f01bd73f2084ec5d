//! Typed values: any serde type stored as a string value, encoded with
//! bincode 2 (the wire format is pinned in `docs/formats.md`).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::DEFAULT_MAX_STRING_LEN;
use crate::{Error, Result, Store};

/// bincode 2's standard configuration (little-endian, variable-length
/// integers), with decoding bounded by the largest string a key can hold.
fn config() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<DEFAULT_MAX_STRING_LEN>,
> {
    bincode::config::standard().with_limit::<DEFAULT_MAX_STRING_LEN>()
}

impl Store {
    /// Stores `value`, serialized with bincode 2, as the string at `key`
    /// (as `SET`: any previous value and TTL are replaced).
    ///
    /// # Errors
    ///
    /// [`Error::Codec`] if serde cannot serialize the value;
    /// [`Error::StringTooLong`] if the encoding exceeds the maximum string size.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, PartialEq, Debug)]
    /// struct Session { user: String, visits: u32 }
    ///
    /// let store = kvstore::Store::new();
    /// store.set_value("session:1", &Session { user: "ada".into(), visits: 3 })?;
    /// let back: Option<Session> = store.get_value("session:1")?;
    /// assert_eq!(back, Some(Session { user: "ada".into(), visits: 3 }));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn set_value<T: Serialize + ?Sized>(&self, key: impl AsRef<[u8]>, value: &T) -> Result<()> {
        let bytes = bincode::serde::encode_to_vec(value, config())
            .map_err(|e| Error::Codec(e.to_string()))?;
        self.set(key, bytes)
    }

    /// Reads the value at `key` as a `T` stored by [`Store::set_value`];
    /// `None` if the key does not exist.
    ///
    /// # Errors
    ///
    /// [`Error::Codec`] if the bytes are not a complete encoding of a `T`;
    /// [`Error::WrongType`] if the key holds a non-string.
    pub fn get_value<T: DeserializeOwned>(&self, key: impl AsRef<[u8]>) -> Result<Option<T>> {
        let Some(bytes) = self.get(key)? else {
            return Ok(None);
        };
        let (value, used) = bincode::serde::decode_from_slice::<T, _>(&bytes, config())
            .map_err(|e| Error::Codec(e.to_string()))?;
        if used != bytes.len() {
            return Err(Error::Codec(format!(
                "{} trailing bytes after the value",
                bytes.len() - used
            )));
        }
        Ok(Some(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn wrong_bytes_are_codec_errors_not_panics() {
        let store = Store::new();
        store.set("k", "not bincode at all").unwrap_or(());
        assert!(matches!(
            store.get_value::<Vec<u64>>("k"),
            Err(Error::Codec(_))
        ));
        // A length prefix claiming 2^60 elements must not allocate them.
        store
            .set("huge", [0xfd, 0, 0, 0, 0, 0, 0, 0, 0x10])
            .unwrap_or(());
        assert!(matches!(
            store.get_value::<Vec<u64>>("huge"),
            Err(Error::Codec(_))
        ));
        assert_eq!(store.get_value::<u32>("missing"), Ok(None));
        store.set_value("n", &7u8).unwrap_or(());
        assert!(
            matches!(store.get_value::<()>("n"), Err(Error::Codec(_))),
            "trailing bytes"
        );
    }

    #[test]
    fn the_wire_format_is_bincode_standard() {
        let store = Store::new();
        store.set_value("k", &(1u32, "ab")).unwrap_or(());
        // varint 1, length-prefixed "ab".
        assert_eq!(store.get("k"), Ok(Some(vec![1, 2, b'a', b'b'])));
    }

    type Map = BTreeMap<String, (i64, Option<f64>, Vec<u8>)>;

    proptest! {
        #[test]
        fn round_trips(v in proptest::collection::btree_map(any::<String>(), any::<(i64, Option<f64>, Vec<u8>)>(), 0..8)) {
            let store = Store::new();
            store.set_value("k", &v).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: Option<Map> =
                store.get_value("k").map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = back.ok_or_else(|| TestCaseError::fail("missing"))?;
            prop_assert_eq!(back.len(), v.len());
            for ((k1, a), (k2, b)) in back.iter().zip(&v) {
                prop_assert_eq!(k1, k2);
                prop_assert_eq!(a.0, b.0);
                prop_assert_eq!(a.1.map(f64::to_bits), b.1.map(f64::to_bits));
                prop_assert_eq!(&a.2, &b.2);
            }
        }
    }
}
