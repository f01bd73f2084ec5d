//! [`Builder`]: a listpack built at once, each entry encoded once and the
//! result allocated once at its exact size.

use std::cell::Cell;

use thin_vec::ThinVec;

use super::{Encoded, HEADER, Listpack, encode_int, extend_bytes};

thread_local! {
    /// The scratch buffer of [`Builder`]s, kept between builds.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A scratch buffer bigger than this is not kept for the next build.
const SCRATCH_KEEP: usize = 1 << 16;

/// Builds a listpack entry by entry in a scratch buffer the thread reuses,
/// then copies it out at its exact size: each entry is encoded once and
/// the listpack allocated once (loading a snapshot builds many small ones).
pub(crate) struct Builder {
    buf: Vec<u8>,
    count: usize,
}

impl Builder {
    /// An empty build.
    pub(crate) fn new() -> Builder {
        let mut buf = SCRATCH.with(Cell::take);
        buf.clear();
        buf.extend_from_slice(&[0; HEADER]);
        Builder { buf, count: 0 }
    }

    /// Appends an entry.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.push_encoded(&Encoded::of(bytes), bytes);
    }

    /// Appends the entry of `n`'s decimal form (what `push` of those bytes
    /// stores), without formatting it.
    pub(crate) fn push_int(&mut self, n: i64) {
        let mut head = [0u8; 9];
        let head_len = encode_int(n, &mut head);
        self.push_encoded(&Encoded { head, head_len }, &[]);
    }

    fn push_encoded(&mut self, enc: &Encoded, bytes: &[u8]) {
        let at = self.buf.len();
        self.buf.resize(at + enc.entry_len(bytes), 0);
        enc.write(bytes, &mut self.buf[at..]);
        self.count += 1;
    }

    /// The listpack built.
    pub(crate) fn finish(mut self) -> Listpack {
        let mut lp = Listpack::new();
        if self.count > 0 {
            let mut buf = ThinVec::with_capacity(self.buf.len());
            extend_bytes(&mut buf, &self.buf);
            lp.buf = buf;
            lp.set_len(self.count);
        }
        let scratch = std::mem::take(&mut self.buf);
        if scratch.capacity() <= SCRATCH_KEEP {
            SCRATCH.with(|s| s.set(scratch));
        }
        lp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_at_once_equals_pushed_one_by_one_and_is_exact() {
        let big = vec![b'z'; 70_000];
        let values: [&[u8]; 6] = [b"1", b"-4097", b"", b"hello", &big, b"9223372036854775807"];
        let lp = Listpack::from_items_exact(values);
        assert_eq!(lp.buf, Listpack::from_items(values).buf);
        let ns = [0, -1, 127, 128, -4097, i64::MIN, i64::MAX];
        let mut b = Builder::new();
        ns.iter().for_each(|&n| b.push_int(n));
        let ints = ns.map(|n| n.to_string());
        assert_eq!(b.finish().buf, Listpack::from_items(ints).buf);
        assert_eq!(lp.buf.capacity(), lp.buf.len());
        assert_eq!(Listpack::from_items_exact([b"x"; 0]).heap_bytes(), 0);
    }
}
