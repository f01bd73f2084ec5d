//! The big sorted-set encoding: a member → score table plus an
//! order-statistic structure (Redis's `zset` of a dict and a skiplist).

/// A sorted set past the packed thresholds.
#[derive(Debug, Clone, Default)]
pub(crate) struct SortedSet {
    len: usize,
}

impl SortedSet {
    /// Number of members.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Heap bytes held, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        0
    }
}
