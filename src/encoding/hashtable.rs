//! The big hash encoding: a field → value table.

/// A hash past the packed thresholds.
#[derive(Debug, Clone, Default)]
pub(crate) struct HashTable {
    len: usize,
}

impl HashTable {
    /// Number of fields.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Heap bytes held, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        0
    }
}
