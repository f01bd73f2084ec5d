//! Where writers put their records: one buffer per stripe of threads,
//! each record stamped with a global sequence number, merged into the
//! log's order by whoever writes the file.
//!
//! A single shared buffer costs every write a few cache lines moved
//! between cores (the lock, the length, the tail) and, with more writer
//! threads than cores, stalls everyone when its holder is preempted. Here
//! a writer touches its own stripe and one shared counter. The counter is
//! read while the write's shard locks are held, so sequence order is apply
//! order for every pair of writes that touch a common key; merging by
//! sequence therefore yields a valid log.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;

/// Stripes per log (threads are spread over them round robin).
const STRIPES: usize = 16;

/// One stripe on cache lines of its own.
#[derive(Default)]
#[repr(align(128))]
struct Stripe(Mutex<Records>);

/// Records of one stripe, in sequence order (a sequence number is drawn
/// while the stripe is locked).
#[derive(Default)]
struct Records {
    bytes: Vec<u8>,
    /// (sequence number, end of its bytes).
    ends: Vec<(u64, usize)>,
}

/// The stripes of one log and its sequence counter.
pub(crate) struct Stripes {
    stripes: Box<[Stripe]>,
    /// The next sequence number; records below it are all in the stripes
    /// (or already gathered). On lines of its own: every record bumps it,
    /// and nothing else read on the write path may share them.
    next: Counter,
}

#[derive(Default)]
#[repr(align(128))]
struct Counter(AtomicU64);

static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static STRIPE: usize = NEXT_STRIPE.fetch_add(1, Ordering::Relaxed) % STRIPES;
}

impl Stripes {
    pub(crate) fn new() -> Stripes {
        Stripes {
            stripes: (0..STRIPES).map(|_| Stripe::default()).collect(),
            next: Counter(AtomicU64::new(1)),
        }
    }

    /// Appends one record, encoded by `encode`; returns its sequence
    /// number (from 1).
    pub(crate) fn push(&self, encode: impl FnOnce(&mut Vec<u8>)) -> u64 {
        let index = STRIPE.with(|i| *i);
        let Some(stripe) = self.stripes.get(index) else {
            return 0;
        };
        let mut records = stripe.0.lock();
        let seq = self.next.0.fetch_add(1, Ordering::AcqRel);
        encode(&mut records.bytes);
        let end = records.bytes.len();
        records.ends.push((seq, end));
        seq
    }

    /// Moves every record numbered below the counter's value at the call
    /// (all of them are complete, and none is missing) into `out`, in
    /// sequence order; returns the last sequence number moved (or
    /// `after` when none was).
    pub(crate) fn gather(&self, after: u64, out: &mut Vec<u8>) -> u64 {
        let limit = self.next.0.load(Ordering::Acquire);
        if limit <= after + 1 {
            return after;
        }
        let mut parts: Vec<Records> = Vec::new();
        for stripe in self.stripes.iter() {
            let mut records = stripe.0.lock();
            let k = records.ends.partition_point(|&(seq, _)| seq < limit);
            if k == 0 {
                continue;
            }
            let cut = records.ends[k - 1].1;
            let rest = records.bytes.split_off(cut);
            let bytes = std::mem::replace(&mut records.bytes, rest);
            let ends: Vec<(u64, usize)> = records.ends.drain(..k).collect();
            for e in &mut records.ends {
                e.1 -= cut;
            }
            drop(records);
            parts.push(Records { bytes, ends });
        }
        // Merge the stripes' runs by sequence number.
        let mut index: Vec<(u64, usize, usize, usize)> = Vec::new();
        for (p, part) in parts.iter().enumerate() {
            let mut start = 0;
            for &(seq, end) in &part.ends {
                index.push((seq, p, start, end));
                start = end;
            }
        }
        index.sort_by_key(|e| e.0);
        let mut last = after;
        for (seq, p, start, end) in index {
            if let Some(bytes) = parts.get(p).and_then(|part| part.bytes.get(start..end)) {
                out.extend_from_slice(bytes);
            }
            last = seq;
        }
        last
    }

    /// Bytes the stripes' buffers take in memory (their allocations, by
    /// capacity). Locks each stripe in turn.
    pub(crate) fn allocated_bytes(&self) -> usize {
        use crate::memory::alloc::alloc_size;
        self.stripes
            .iter()
            .map(|stripe| {
                let records = stripe.0.lock();
                alloc_size(records.bytes.capacity())
                    + alloc_size(records.ends.capacity() * std::mem::size_of::<(u64, usize)>())
            })
            .sum()
    }

    /// Whether records wait in the stripes.
    pub(crate) fn has_records(&self, after: u64) -> bool {
        self.next.0.load(Ordering::Acquire) > after + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffered_records_are_counted_until_gathered() {
        let stripes = Stripes::new();
        let empty = stripes.allocated_bytes();
        let seq = stripes.push(|out| out.extend_from_slice(&[b'x'; 1000]));
        assert_eq!(seq, 1);
        assert!(stripes.allocated_bytes() >= empty + 1000);
        let mut out = Vec::new();
        assert_eq!(stripes.gather(0, &mut out), 1);
        assert_eq!(out.len(), 1000);
        // The gathered bytes left with their buffer; only the small index
        // of record ends keeps its room.
        assert!(stripes.allocated_bytes() < empty + 1000);
    }
}
