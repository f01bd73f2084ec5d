//! A listpack: many small strings in one contiguous buffer (Redis's
//! `listpack.c`), the packed encoding of small lists and hashes.
//!
//! Layout of the buffer: a 4-byte little-endian entry count, then the
//! entries back to back. Each entry is `header | data | backlen`:
//!
//! | header                 | entry                                   |
//! | ---------------------- | --------------------------------------- |
//! | `0xxxxxxx`             | integer 0..=127 in the header itself    |
//! | `10xxxxxx`             | string of 0..=63 bytes                  |
//! | `110xxxxx yyyyyyyy`    | signed 13-bit integer                   |
//! | `1110xxxx yyyyyyyy`    | string of 64..=4095 bytes               |
//! | `11110000` + 4 bytes   | string of any length (u32 LE)           |
//! | `11110001` + 2 bytes   | i16 LE                                  |
//! | `11110010` + 3 bytes   | i24 LE                                  |
//! | `11110011` + 4 bytes   | i32 LE                                  |
//! | `11110100` + 8 bytes   | i64 LE                                  |
//!
//! `backlen` is the size of `header | data` as a varint written backwards
//! (the byte next to the following entry holds the low 7 bits, bit 7 says
//! whether more bytes precede), so the list can be walked from either end.
//! Strings that are canonical decimal integers are stored as integers, as
//! Redis does; readers get them back as [`Elem::Int`] and format them.
//!
//! Offsets handed out (`first`, `next`, `seek`, …) point at an entry's
//! header and stay valid until the next change to the listpack.

use thin_vec::ThinVec;

use crate::number::parse_i64;

mod builder;
pub(crate) use builder::Builder;

/// Size of the entry count at the start of the buffer.
const HEADER: usize = 4;

/// Entries up to this size are built on the stack before insertion.
const SMALL_ENTRY: usize = 96;

/// One element read from a listpack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Elem<'a> {
    /// A string held as bytes.
    Str(&'a [u8]),
    /// A string that is the decimal form of this integer.
    Int(i64),
}

impl Elem<'_> {
    /// Runs `f` on the element's bytes (an integer is formatted on the stack).
    pub(crate) fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Elem::Str(bytes) => f(bytes),
            Elem::Int(n) => f(itoa::Buffer::new().format(n).as_bytes()),
        }
    }

    /// The element's bytes, owned.
    pub(crate) fn to_vec(self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }

    /// Whether the element's bytes equal `bytes`.
    pub(crate) fn eq_bytes(self, bytes: &[u8]) -> bool {
        match self {
            Elem::Str(s) => s == bytes,
            Elem::Int(n) => parse_i64(bytes) == Some(n),
        }
    }

    /// Length of the element in bytes (`HSTRLEN`).
    pub(crate) fn byte_len(self) -> usize {
        match self {
            Elem::Str(s) => s.len(),
            Elem::Int(n) => itoa::Buffer::new().format(n).len(),
        }
    }

    /// The element as an integer, if its bytes are one (`HINCRBY`).
    pub(crate) fn as_i64(self) -> Option<i64> {
        match self {
            Elem::Str(s) => parse_i64(s),
            Elem::Int(n) => Some(n),
        }
    }
}

/// An entry's encoded form, built on the stack before it is written.
struct Encoded {
    head: [u8; 9],
    head_len: usize,
}

impl Encoded {
    fn of(bytes: &[u8]) -> Encoded {
        let mut head = [0u8; 9];
        let head_len = match parse_i64(bytes) {
            Some(n) => encode_int(n, &mut head),
            None => encode_str_header(bytes.len(), &mut head),
        };
        Encoded { head, head_len }
    }

    /// Whether the data bytes follow the header (a string), or the header
    /// holds the whole value (an integer).
    fn is_str(&self) -> bool {
        let h = self.head[0];
        h & 0xC0 == 0x80 || h & 0xF0 == 0xE0 || h == 0xF0
    }

    /// Size of header plus data: what `backlen` records.
    fn body_len(&self, bytes: &[u8]) -> usize {
        self.head_len + if self.is_str() { bytes.len() } else { 0 }
    }

    /// Size of the whole entry.
    fn entry_len(&self, bytes: &[u8]) -> usize {
        let body = self.body_len(bytes);
        body + backlen_size(body)
    }

    /// Writes the whole entry into `out`, which is exactly `entry_len` long.
    fn write(&self, bytes: &[u8], out: &mut [u8]) {
        out[..self.head_len].copy_from_slice(&self.head[..self.head_len]);
        let mut at = self.head_len;
        if self.is_str() {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        }
        write_backlen(at, &mut out[at..]);
    }
}

fn encode_int(n: i64, head: &mut [u8; 9]) -> usize {
    if (0..=127).contains(&n) {
        head[0] = n as u8;
        1
    } else if (-4096..=4095).contains(&n) {
        let v = (n as u16) & 0x1FFF;
        head[0] = 0xC0 | (v >> 8) as u8;
        head[1] = v as u8;
        2
    } else if let Ok(v) = i16::try_from(n) {
        head[0] = 0xF1;
        head[1..3].copy_from_slice(&v.to_le_bytes());
        3
    } else if (-(1 << 23)..(1 << 23)).contains(&n) {
        head[0] = 0xF2;
        head[1..4].copy_from_slice(&(n as i32).to_le_bytes()[..3]);
        4
    } else if let Ok(v) = i32::try_from(n) {
        head[0] = 0xF3;
        head[1..5].copy_from_slice(&v.to_le_bytes());
        5
    } else {
        head[0] = 0xF4;
        head[1..9].copy_from_slice(&n.to_le_bytes());
        9
    }
}

fn encode_str_header(len: usize, head: &mut [u8; 9]) -> usize {
    if len < 64 {
        head[0] = 0x80 | len as u8;
        1
    } else if len < 4096 {
        head[0] = 0xE0 | (len >> 8) as u8;
        head[1] = len as u8;
        2
    } else {
        head[0] = 0xF0;
        // Lists and hashes never hold a string past `proto-max-bulk-len`
        // (512 MB), which fits in 32 bits.
        head[1..5].copy_from_slice(&(len as u32).to_le_bytes());
        5
    }
}

fn backlen_size(body: usize) -> usize {
    match body {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        2_097_152..=268_435_455 => 4,
        _ => 5,
    }
}

/// Writes `body` as a backwards varint filling `out[..backlen_size(body)]`.
fn write_backlen(body: usize, out: &mut [u8]) {
    let n = backlen_size(body);
    for (i, byte) in out[..n].iter_mut().enumerate() {
        // Byte i (from the entry's start) carries bits 7*(n-1-i)...
        let shift = 7 * (n - 1 - i);
        let more = if i == 0 { 0 } else { 0x80 };
        *byte = ((body >> shift) & 0x7F) as u8 | more;
    }
}

/// A packed list of byte strings. Empty listpacks own no memory.
#[derive(Default, Clone)]
pub(crate) struct Listpack {
    buf: ThinVec<u8>,
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(Elem::to_vec))
            .finish()
    }
}

impl Listpack {
    /// An empty listpack.
    pub(crate) fn new() -> Listpack {
        Listpack::default()
    }

    /// A listpack holding `items` in order.
    pub(crate) fn from_items<I>(items: I) -> Listpack
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut lp = Listpack::new();
        for item in items {
            lp.push_back(item.as_ref());
        }
        lp
    }

    /// A listpack holding `items` in order, each encoded once and the
    /// buffer allocated once at its exact size (`from_items` grows it
    /// entry by entry). See [`Builder`].
    pub(crate) fn from_items_exact<I>(items: I) -> Listpack
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut builder = Builder::new();
        for item in items {
            builder.push(item.as_ref());
        }
        builder.finish()
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        match self.buf.get(..HEADER) {
            Some(h) => u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize,
            None => 0,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of encoded data (header and entries): what size thresholds
    /// compare against.
    pub(crate) fn encoded_len(&self) -> usize {
        self.buf.len()
    }

    /// Bytes held on the heap (buffer plus its allocation header).
    pub(crate) fn heap_bytes(&self) -> usize {
        crate::value::heap_size(&self.buf)
    }

    /// Frees unused capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
    }

    fn set_len(&mut self, len: usize) {
        let bytes = u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes();
        if let Some(h) = self.buf.get_mut(..HEADER) {
            h.copy_from_slice(&bytes);
        }
    }

    /// The end offset (one past the last entry).
    pub(crate) fn end(&self) -> usize {
        self.buf.len().max(HEADER)
    }

    /// Offset of the first entry.
    pub(crate) fn first(&self) -> Option<usize> {
        (self.buf.len() > HEADER).then_some(HEADER)
    }

    /// Offset of the last entry.
    pub(crate) fn last(&self) -> Option<usize> {
        self.prev(self.end())
    }

    /// Size of the entry at `at`: `(header + data, whole entry)`.
    fn entry_size(&self, at: usize) -> (usize, usize) {
        let b = &self.buf[at..];
        let h = b[0];
        let body = if h & 0x80 == 0 {
            1
        } else if h & 0xC0 == 0x80 {
            1 + usize::from(h & 0x3F)
        } else if h & 0xE0 == 0xC0 {
            2
        } else if h & 0xF0 == 0xE0 {
            2 + (usize::from(h & 0x0F) << 8 | usize::from(b[1]))
        } else {
            match h {
                0xF0 => 5 + u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as usize,
                0xF1 => 3,
                0xF2 => 4,
                0xF3 => 5,
                _ => 9,
            }
        };
        (body, body + backlen_size(body))
    }

    /// Offset of the entry after the one at `at`.
    pub(crate) fn next(&self, at: usize) -> Option<usize> {
        let next = at + self.entry_size(at).1;
        (next < self.buf.len()).then_some(next)
    }

    /// Offset of the entry before the one at `at` (`at` may be [`Listpack::end`]).
    pub(crate) fn prev(&self, at: usize) -> Option<usize> {
        if at <= HEADER {
            return None;
        }
        let mut body = 0usize;
        let mut p = at - 1;
        let mut shift = 0;
        loop {
            let byte = self.buf[p];
            body |= usize::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
            p -= 1;
        }
        Some(p - body)
    }

    /// The element at offset `at`.
    pub(crate) fn get(&self, at: usize) -> Elem<'_> {
        self.decode(at).0
    }

    /// The element at offset `at` and the size of its header and data
    /// (what `backlen` records), decoded together.
    fn decode(&self, at: usize) -> (Elem<'_>, usize) {
        let b = &self.buf[at..];
        let h = b[0];
        let str_at = |head: usize, len: usize| (Elem::Str(&b[head..head + len]), head + len);
        if h & 0x80 == 0 {
            (Elem::Int(i64::from(h)), 1)
        } else if h & 0xC0 == 0x80 {
            str_at(1, usize::from(h & 0x3F))
        } else if h & 0xE0 == 0xC0 {
            let v = (u16::from(h & 0x1F) << 8) | u16::from(b[1]);
            // Sign-extend 13 bits.
            (Elem::Int(i64::from(((v << 3) as i16) >> 3)), 2)
        } else if h & 0xF0 == 0xE0 {
            str_at(2, usize::from(h & 0x0F) << 8 | usize::from(b[1]))
        } else {
            match h {
                0xF0 => str_at(5, u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as usize),
                0xF1 => (Elem::Int(i64::from(i16::from_le_bytes([b[1], b[2]]))), 3),
                0xF2 => (
                    Elem::Int(i64::from(i32::from_le_bytes([0, b[1], b[2], b[3]]) >> 8)),
                    4,
                ),
                0xF3 => (
                    Elem::Int(i64::from(i32::from_le_bytes([b[1], b[2], b[3], b[4]]))),
                    5,
                ),
                _ => {
                    let mut v = [0u8; 8];
                    v.copy_from_slice(&b[1..9]);
                    (Elem::Int(i64::from_le_bytes(v)), 9)
                }
            }
        }
    }

    /// The offset of entry `index` (negative counts from the end, as Redis
    /// list indices do), walking from the nearer end.
    pub(crate) fn seek(&self, index: i64) -> Option<usize> {
        let len = self.len() as i64;
        let index = if index < 0 { len + index } else { index };
        if !(0..len).contains(&index) {
            return None;
        }
        if index < len / 2 {
            let mut at = self.first()?;
            for _ in 0..index {
                at = self.next(at)?;
            }
            Some(at)
        } else {
            let mut at = self.last()?;
            for _ in 0..(len - 1 - index) {
                at = self.prev(at)?;
            }
            Some(at)
        }
    }

    /// Iterates over the elements, front to back (or back to front with `rev`).
    pub(crate) fn iter(&self) -> Iter<'_> {
        Iter {
            lp: self,
            front: HEADER,
            back: self.end(),
        }
    }

    /// Iterates from the entry at `at` to the end.
    pub(crate) fn iter_from(&self, at: usize) -> Iter<'_> {
        Iter {
            lp: self,
            front: at,
            back: self.end(),
        }
    }

    /// Inserts `bytes` as a new entry at offset `at` (an entry's offset, or
    /// [`Listpack::end`] to append).
    pub(crate) fn insert_at(&mut self, at: usize, bytes: &[u8]) {
        if self.buf.is_empty() {
            self.buf.extend_from_slice(&[0; HEADER]);
        }
        let enc = Encoded::of(bytes);
        let size = enc.entry_len(bytes);
        let old_len = self.buf.len();
        let at = at.clamp(HEADER, old_len);
        reserve_for(&mut self.buf, size);
        if size <= SMALL_ENTRY {
            // Encode on the stack and append: no zero-filling, and nothing
            // to move when appending.
            let mut entry = [0u8; SMALL_ENTRY];
            enc.write(bytes, &mut entry[..size]);
            extend_bytes(&mut self.buf, &entry[..size]);
            self.buf[at..].rotate_right(size);
        } else {
            self.buf.resize(old_len + size, 0);
            self.buf.copy_within(at..old_len, at + size);
            enc.write(bytes, &mut self.buf[at..at + size]);
        }
        self.set_len(self.len() + 1);
    }

    /// Appends an entry.
    pub(crate) fn push_back(&mut self, bytes: &[u8]) {
        self.insert_at(self.end(), bytes);
    }

    /// Prepends an entry.
    pub(crate) fn push_front(&mut self, bytes: &[u8]) {
        self.insert_at(HEADER, bytes);
    }

    /// Replaces the entry at `at` with `bytes`.
    pub(crate) fn replace_at(&mut self, at: usize, bytes: &[u8]) {
        let (_, old) = self.entry_size(at);
        let enc = Encoded::of(bytes);
        let new = enc.entry_len(bytes);
        let old_len = self.buf.len();
        if new > old {
            reserve_for(&mut self.buf, new - old);
            self.buf.resize(old_len + new - old, 0);
            self.buf.copy_within(at + old..old_len, at + new);
        } else if new < old {
            self.buf.copy_within(at + old..old_len, at + new);
            self.buf.truncate(old_len - (old - new));
        }
        enc.write(bytes, &mut self.buf[at..at + new]);
    }

    /// Removes `count` entries starting at offset `at`; returns how many
    /// were removed (fewer if the list ends first). The offset `at` then
    /// points at the entry that followed, if any.
    pub(crate) fn remove_at(&mut self, at: usize, count: usize) -> usize {
        let mut end = at;
        let mut removed = 0;
        while removed < count && end < self.buf.len() {
            end += self.entry_size(end).1;
            removed += 1;
        }
        self.buf.drain(at..end);
        let len = self.len() - removed;
        if len == 0 {
            self.buf = ThinVec::new();
        } else {
            self.set_len(len);
        }
        removed
    }

    /// Removes and returns the first element.
    pub(crate) fn pop_front(&mut self) -> Option<Vec<u8>> {
        let at = self.first()?;
        let value = self.get(at).to_vec();
        self.remove_at(at, 1);
        Some(value)
    }

    /// Removes and returns the last element.
    pub(crate) fn pop_back(&mut self) -> Option<Vec<u8>> {
        let at = self.last()?;
        let value = self.get(at).to_vec();
        self.remove_at(at, 1);
        Some(value)
    }
}

/// Below this size a listpack grows to exactly what it needs, as Redis's
/// does: small collections are the many, and reallocating a few hundred
/// bytes costs less than carrying slack in each of them.
const EXACT_GROWTH_LIMIT: usize = 512;

/// Grows `buf` for `extra` more bytes: exactly while small, then by at most
/// 1/8 beyond what is needed, so a big listpack grown one entry at a time
/// reallocates O(log n) times yet wastes little memory.
fn reserve_for(buf: &mut ThinVec<u8>, extra: usize) {
    let needed = buf.len() + extra;
    if needed > buf.capacity() {
        let slack = if needed <= EXACT_GROWTH_LIMIT {
            0
        } else {
            needed / 8
        };
        buf.reserve_exact(needed + slack - buf.len());
    }
}

/// Appends `bytes` with one `memcpy` (`ThinVec::extend_from_slice` goes
/// through `Extend`, byte by byte).
fn extend_bytes(buf: &mut ThinVec<u8>, bytes: &[u8]) {
    buf.reserve(bytes.len());
    let len = buf.len();
    // SAFETY: after `reserve`, the buffer has room for `bytes.len()` more
    // bytes past `len`; `bytes` cannot overlap that spare room (it is a
    // shared borrow alive while `buf` is borrowed mutably), and every byte
    // up to the new length is initialised by the copy.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.as_mut_ptr().add(len), bytes.len());
        buf.set_len(len + bytes.len());
    }
}

/// A double-ended iterator over a listpack's elements.
pub(crate) struct Iter<'a> {
    lp: &'a Listpack,
    /// Offset of the next entry from the front.
    front: usize,
    /// Offset one past the next entry from the back.
    back: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Elem<'a>;

    fn next(&mut self) -> Option<Elem<'a>> {
        if self.front >= self.back {
            return None;
        }
        let (elem, body) = self.lp.decode(self.front);
        self.front += body + backlen_size(body);
        Some(elem)
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        let at = self.lp.prev(self.back)?;
        self.back = at;
        Some(self.lp.get(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn items(lp: &Listpack) -> Vec<Vec<u8>> {
        lp.iter().map(Elem::to_vec).collect()
    }

    #[test]
    fn every_encoding_round_trips() {
        let long = vec![b'x'; 70_000];
        let mid = vec![b'y'; 300];
        let values: Vec<Vec<u8>> = [
            &b""[..],
            b"0",
            b"127",
            b"128",
            b"-1",
            b"-4096",
            b"4095",
            b"-4097",
            b"32767",
            b"-32768",
            b"8388607",
            b"-8388608",
            b"8388608",
            b"2147483647",
            b"-2147483648",
            b"2147483648",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"01",
            b"+1",
            b" 1",
            b"abc",
            &mid,
            &long,
        ]
        .iter()
        .map(|v| v.to_vec())
        .collect();
        let lp = Listpack::from_items(&values);
        assert_eq!(lp.len(), values.len());
        assert_eq!(items(&lp), values);
        let rev: Vec<Vec<u8>> = lp.iter().rev().map(Elem::to_vec).collect();
        let mut expected = values.clone();
        expected.reverse();
        assert_eq!(rev, expected);
        for (i, v) in values.iter().enumerate() {
            let at = lp.seek(i as i64).expect("in range");
            assert!(lp.get(at).eq_bytes(v));
            assert_eq!(lp.get(at).byte_len(), v.len());
        }
    }

    #[test]
    fn integers_are_compact() {
        let lp = Listpack::from_items(["1", "2", "100"]);
        // 4-byte count, then three 2-byte entries.
        assert_eq!(lp.encoded_len(), 4 + 3 * 2);
        assert_eq!(lp.get(HEADER), Elem::Int(1));
        assert!(lp.get(HEADER).eq_bytes(b"1"));
        assert!(!lp.get(HEADER).eq_bytes(b"01"));
    }

    #[derive(Debug, Clone)]
    enum Op {
        PushFront(Vec<u8>),
        PushBack(Vec<u8>),
        PopFront,
        PopBack,
        Insert(usize, Vec<u8>),
        Replace(usize, Vec<u8>),
        Remove(usize, usize),
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string().into_bytes()),
            (-5000i64..5000).prop_map(|n| n.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..80),
            proptest::collection::vec(any::<u8>(), 4000..4200),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            value().prop_map(Op::PushFront),
            value().prop_map(Op::PushBack),
            Just(Op::PopFront),
            Just(Op::PopBack),
            (any::<usize>(), value()).prop_map(|(i, v)| Op::Insert(i, v)),
            (any::<usize>(), value()).prop_map(|(i, v)| Op::Replace(i, v)),
            (any::<usize>(), 0usize..4).prop_map(|(i, n)| Op::Remove(i, n)),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_deque(ops in proptest::collection::vec(op(), 0..60)) {
            let mut lp = Listpack::new();
            let mut model: std::collections::VecDeque<Vec<u8>> = Default::default();
            for op in ops {
                match op {
                    Op::PushFront(v) => { lp.push_front(&v); model.push_front(v); }
                    Op::PushBack(v) => { lp.push_back(&v); model.push_back(v); }
                    Op::PopFront => prop_assert_eq!(lp.pop_front(), model.pop_front()),
                    Op::PopBack => prop_assert_eq!(lp.pop_back(), model.pop_back()),
                    Op::Insert(i, v) => {
                        let i = i % (model.len() + 1);
                        let at = lp.seek(i as i64).unwrap_or(lp.end());
                        lp.insert_at(at, &v);
                        model.insert(i, v);
                    }
                    Op::Replace(i, v) => {
                        if !model.is_empty() {
                            let i = i % model.len();
                            let at = lp.seek(i as i64).expect("in range");
                            lp.replace_at(at, &v);
                            model[i] = v;
                        }
                    }
                    Op::Remove(i, n) => {
                        if !model.is_empty() {
                            let i = i % model.len();
                            let at = lp.seek(i as i64).expect("in range");
                            let removed = lp.remove_at(at, n);
                            let expect = n.min(model.len() - i);
                            prop_assert_eq!(removed, expect);
                            model.drain(i..i + expect);
                        }
                    }
                }
                prop_assert_eq!(lp.len(), model.len());
                prop_assert_eq!(items(&lp), model.iter().cloned().collect::<Vec<_>>());
                let back: Vec<Vec<u8>> = lp.iter().rev().map(Elem::to_vec).collect();
                prop_assert_eq!(back, model.iter().rev().cloned().collect::<Vec<_>>());
            }
        }
    }
}
