//! Redis Cluster hash slots.
//!
//! Every key belongs to one of [`SLOTS`] slots, computed exactly as Redis
//! Cluster computes it, so data laid out by `kvstore` maps one-to-one onto a
//! real cluster. The store's shards are contiguous ranges of slots.

/// The number of hash slots of a Redis Cluster.
pub const SLOTS: u16 = 16384;

/// The hash slot of `key`: CRC16/XMODEM of the key, or of its hash tag, modulo
/// 16384 (Redis's `keyHashSlot`).
///
/// The hash tag is the part between the first `{` and the first `}` after it,
/// when that part is not empty; keys sharing a tag share a slot, which is how
/// multi-key operations are kept on one node of a cluster.
///
/// ```
/// use kvstore::cluster::key_slot;
///
/// assert_eq!(key_slot(b"foo"), 12182);
/// assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"{user1000}.followers"));
/// assert_eq!(key_slot(b"foo{}{bar}"), key_slot(b"foo{}{bar}")); // empty tag: whole key
/// ```
#[must_use]
pub fn key_slot(key: &[u8]) -> u16 {
    let hashed = hash_tag(key).unwrap_or(key);
    crc16::State::<crc16::XMODEM>::calculate(hashed) & (SLOTS - 1)
}

/// The non-empty content between the first `{` and the next `}`, if any.
fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = key.iter().position(|&b| b == b'{')?;
    let rest = &key[open + 1..];
    let close = rest.iter().position(|&b| b == b'}')?;
    (close > 0).then(|| &rest[..close])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_tags_as_redis() {
        assert_eq!(hash_tag(b"{a}b"), Some(&b"a"[..]));
        assert_eq!(hash_tag(b"x{a}{b}"), Some(&b"a"[..]));
        assert_eq!(hash_tag(b"{}a"), None);
        assert_eq!(hash_tag(b"{a"), None);
        assert_eq!(hash_tag(b"}{a}"), Some(&b"a"[..]));
        assert_eq!(hash_tag(b"{{a}}"), Some(&b"{a"[..]));
        assert_eq!(key_slot(b""), 0);
    }
}
