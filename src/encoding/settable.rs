//! The big set encoding: a table of members (Redis's `dict` of a set).

/// A set past the packed thresholds.
#[derive(Debug, Clone, Default)]
pub(crate) struct SetTable {
    len: usize,
}

impl SetTable {
    /// Number of members.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Heap bytes held, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        0
    }
}
