//! The big list encoding: packed chunks in a deque (Redis's `quicklist.c`).

use std::collections::VecDeque;

use crate::encoding::listpack::Listpack;

/// A list as a deque of listpack chunks.
#[derive(Debug, Clone, Default)]
pub(crate) struct QuickList {
    chunks: VecDeque<Listpack>,
    len: usize,
    /// Heap bytes of all chunks, kept current so `heap_bytes` is O(1).
    chunk_bytes: usize,
}

impl QuickList {
    /// Number of elements.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Heap bytes held, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Listpack>() + self.chunk_bytes
    }
}
