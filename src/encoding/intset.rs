//! The integer-set encoding: sorted integers in the smallest width that fits
//! them all (Redis's `intset.c`).

/// A small set of integers.
#[derive(Debug, Clone, Default)]
pub(crate) struct IntSet {
    len: usize,
}

impl IntSet {
    /// Number of members.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Heap bytes held, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        0
    }
}
