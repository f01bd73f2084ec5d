//! The order-statistic structure of big sorted sets: a counted B+tree of
//! `(score, member)` entries.
//!
//! Entries sit in leaves of up to [`LEAF_CAP`] entries (32 bytes each: the
//! score and a [`Member`], inline up to 22 bytes); inner nodes keep, for
//! every child but the first, a separator (a copy of that child's smallest
//! entry when it was made, a lower bound of it ever after) and the number of
//! entries under them. That gives O(log n) insert, delete, rank of an entry,
//! entry at a rank, and rank of the first entry past any monotone bound
//! (score or lex). Redis uses a skiplist with spans for the same job; a
//! B+tree is denser (no per-entry level array or pointers) and walks
//! contiguous memory.
//!
//! Splits are biased for appends: a full leaf that receives an entry at its
//! end (or start) hands just that entry to the new sibling, so members added
//! in score order fill leaves completely. Deletion merges a child that fell
//! under a quarter full with a neighbour, or evens the two out.
//!
//! Order: by score, ties by member bytes (`memcmp`), as Redis. Scores are
//! never NaN; `-0` and `0` compare equal, as C's `<` says.

use std::cmp::Ordering;
use std::mem;

use crate::memory::alloc::{alloc_size, vec_bytes};

/// Entries per leaf, at most.
pub(crate) const LEAF_CAP: usize = 64;
/// Children per inner node, at most.
const INNER_CAP: usize = 64;
/// A node with fewer items than this is merged or refilled.
const LEAF_MIN: usize = LEAF_CAP / 4;
const INNER_MIN: usize = INNER_CAP / 4;

/// Longest member kept inline.
const INLINE: usize = 22;

/// A member string: inline up to 22 bytes, else one heap allocation.
#[derive(Clone)]
pub(crate) enum Member {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<[u8]>),
}

const _: () = assert!(mem::size_of::<Member>() == 24);

impl Member {
    pub(crate) fn new(bytes: &[u8]) -> Member {
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE => {
                let mut buf = [0u8; INLINE];
                buf[..bytes.len()].copy_from_slice(bytes);
                Member::Inline { len, buf }
            }
            _ => Member::Heap(bytes.into()),
        }
    }

    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Member::Inline { len, buf } => &buf[..usize::from(*len).min(INLINE)],
            Member::Heap(b) => b,
        }
    }

    /// Heap bytes held, as the allocator hands them out.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Member::Inline { .. } => 0,
            Member::Heap(b) => alloc_size(b.len()),
        }
    }
}

/// One entry: a score and its member.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) score: f64,
    pub(crate) member: Member,
}

const _: () = assert!(mem::size_of::<Entry>() == 32);

impl Entry {
    pub(crate) fn new(score: f64, member: &[u8]) -> Entry {
        Entry {
            score,
            member: Member::new(member),
        }
    }

    pub(crate) fn member(&self) -> &[u8] {
        self.member.bytes()
    }
}

/// Redis's order: by score, ties by member bytes.
#[inline]
pub(crate) fn cmp_entry(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    if s1 < s2 {
        Ordering::Less
    } else if s1 > s2 {
        Ordering::Greater
    } else {
        m1.cmp(m2)
    }
}

enum Node {
    Leaf(Vec<Entry>),
    Inner(Inner),
}

struct Inner {
    /// Entries under this node.
    total: usize,
    /// `seps[i]` is a lower bound of every entry of `children[i + 1]`, and
    /// greater than every entry of `children[..=i]`.
    seps: Vec<Entry>,
    children: Vec<Node>,
}

impl Node {
    #[inline]
    fn len(&self) -> usize {
        match self {
            Node::Leaf(v) => v.len(),
            Node::Inner(n) => n.total,
        }
    }

    /// Entries (leaf) or children (inner).
    fn items(&self) -> usize {
        match self {
            Node::Leaf(v) => v.len(),
            Node::Inner(n) => n.children.len(),
        }
    }
}

/// Heap bytes of a node's own arrays (not of what its entries own).
fn node_bytes(node: &Node) -> usize {
    match node {
        Node::Leaf(v) => vec_bytes::<Entry>(v.capacity()),
        Node::Inner(n) => {
            vec_bytes::<Entry>(n.seps.capacity()) + vec_bytes::<Node>(n.children.capacity())
        }
    }
}

/// Node counts and the heap bytes of the tree's structure: every node's
/// arrays and the members the separators own. Kept current at each node
/// made or freed and each separator copied or dropped, so the byte count
/// is O(1) to read.
#[derive(Default, Clone, Copy)]
struct Census {
    leaves: usize,
    inners: usize,
    bytes: usize,
}

impl Census {
    /// Counts a node that joined the tree.
    fn add_node(&mut self, node: &Node) {
        match node {
            Node::Leaf(_) => self.leaves += 1,
            Node::Inner(_) => self.inners += 1,
        }
        self.bytes += node_bytes(node);
    }

    /// Uncounts a node about to be freed (its separators moved away).
    fn drop_node(&mut self, node: &Node) {
        match node {
            Node::Leaf(_) => self.leaves -= 1,
            Node::Inner(_) => self.inners -= 1,
        }
        self.bytes -= node_bytes(node);
    }

    /// Counts a separator copied from an entry.
    fn add_sep(&mut self, sep: &Entry) {
        self.bytes += sep.member.heap_bytes();
    }

    /// Uncounts a separator about to be dropped.
    fn drop_sep(&mut self, sep: &Entry) {
        self.bytes -= sep.member.heap_bytes();
    }

    /// Replaces separator `sep` with a copy of `entry`.
    fn replace_sep(&mut self, sep: &mut Entry, entry: &Entry) {
        self.drop_sep(sep);
        *sep = entry.clone();
        self.add_sep(sep);
    }
}

/// A counted B+tree of `(score, member)` entries, each at most once.
pub(crate) struct ZOrder {
    root: Node,
    census: Census,
    /// Heap bytes of members held by entries.
    member_heap: usize,
}

impl Default for ZOrder {
    fn default() -> Self {
        ZOrder::new()
    }
}

impl Clone for ZOrder {
    fn clone(&self) -> Self {
        let mut copy = ZOrder::new();
        self.for_range(0, self.len(), false, |s, m| {
            copy.insert(s, m);
        });
        copy
    }
}

fn leaf() -> Node {
    Node::Leaf(Vec::with_capacity(LEAF_CAP))
}

impl ZOrder {
    pub(crate) fn new() -> ZOrder {
        let root = leaf();
        let mut census = Census::default();
        census.add_node(&root);
        ZOrder {
            root,
            census,
            member_heap: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.root.len()
    }

    /// Heap bytes held, as the allocator hands them out, in O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.census.bytes + self.member_heap
    }

    /// Inserts an entry that is not in the tree.
    pub(crate) fn insert(&mut self, score: f64, member: &[u8]) {
        let entry = Entry::new(score, member);
        self.member_heap += entry.member.heap_bytes();
        if let Some((sep, right)) = insert_in(&mut self.root, entry, &mut self.census) {
            let left = mem::replace(&mut self.root, leaf());
            let total = left.len() + right.len();
            let mut seps = Vec::with_capacity(INNER_CAP + 1);
            seps.push(sep);
            let mut children = Vec::with_capacity(INNER_CAP + 1);
            children.push(left);
            children.push(right);
            self.root = Node::Inner(Inner {
                total,
                seps,
                children,
            });
            self.census.add_node(&self.root);
        }
    }

    /// Removes the entry `(score, member)`; returns whether it was there.
    pub(crate) fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let removed = remove_in(&mut self.root, &mut self.census, &mut |node| match node {
            Node::Leaf(v) => {
                let i =
                    v.partition_point(|e| cmp_entry(e.score, e.member(), score, member).is_lt());
                v.get(i)
                    .is_some_and(|e| cmp_entry(e.score, e.member(), score, member).is_eq())
                    .then_some(i)
            }
            Node::Inner(n) => Some(
                n.seps
                    .partition_point(|s| cmp_entry(s.score, s.member(), score, member).is_le()),
            ),
        });
        self.after_remove(removed).is_some()
    }

    /// Removes and returns the entry at `rank` (0-based).
    pub(crate) fn remove_at(&mut self, rank: usize) -> Option<Entry> {
        if rank >= self.len() {
            return None;
        }
        let mut left = rank;
        let removed = remove_in(&mut self.root, &mut self.census, &mut |node| match node {
            Node::Leaf(v) => (left < v.len()).then_some(left),
            Node::Inner(n) => {
                for (i, c) in n.children.iter().enumerate() {
                    if left < c.len() {
                        return Some(i);
                    }
                    left -= c.len();
                }
                None
            }
        });
        self.after_remove(removed)
    }

    fn after_remove(&mut self, removed: Option<Entry>) -> Option<Entry> {
        let removed = removed?;
        self.member_heap -= removed.member.heap_bytes();
        // A root with one child gives way to it.
        if let Node::Inner(n) = &mut self.root
            && n.children.len() == 1
            && let Some(child) = n.children.pop()
        {
            let old = mem::replace(&mut self.root, child);
            self.census.drop_node(&old);
        }
        Some(removed)
    }

    /// Number of entries for which `before` holds; `before` must hold for a
    /// prefix of the order (e.g. "score < min").
    pub(crate) fn count_before(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut node = &self.root;
        let mut count = 0;
        loop {
            match node {
                Node::Leaf(v) => return count + v.partition_point(|e| before(e.score, e.member())),
                Node::Inner(n) => {
                    let i = n.seps.partition_point(|s| before(s.score, s.member()));
                    count += n.children[..i].iter().map(Node::len).sum::<usize>();
                    node = &n.children[i];
                }
            }
        }
    }

    /// The 0-based rank of `(score, member)`, if present.
    pub(crate) fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let r = self.count_before(|s, m| cmp_entry(s, m, score, member).is_lt());
        let e = self.get(r)?;
        cmp_entry(e.score, e.member(), score, member)
            .is_eq()
            .then_some(r)
    }

    /// The entry at `rank`.
    pub(crate) fn get(&self, rank: usize) -> Option<&Entry> {
        let mut node = &self.root;
        let mut left = rank;
        loop {
            match node {
                Node::Leaf(v) => return v.get(left),
                Node::Inner(n) => {
                    let mut next = None;
                    for c in &n.children {
                        if left < c.len() {
                            next = Some(c);
                            break;
                        }
                        left -= c.len();
                    }
                    node = next?;
                }
            }
        }
    }

    /// Calls `f` on the entries of ranks `lo..hi`, ascending, or descending
    /// (from `hi - 1` down to `lo`) with `rev`.
    pub(crate) fn for_range(&self, lo: usize, hi: usize, rev: bool, mut f: impl FnMut(f64, &[u8])) {
        let hi = hi.min(self.len());
        if lo < hi {
            visit(&self.root, lo, hi, rev, &mut f);
        }
    }
}

fn visit<F: FnMut(f64, &[u8])>(node: &Node, lo: usize, hi: usize, rev: bool, f: &mut F) {
    match node {
        Node::Leaf(v) => {
            let part = v.get(lo..hi).unwrap_or_default();
            if rev {
                part.iter().rev().for_each(|e| f(e.score, e.member()));
            } else {
                part.iter().for_each(|e| f(e.score, e.member()));
            }
        }
        Node::Inner(n) => {
            let mut start = 0;
            let spans: Vec<(usize, usize, usize)> = n
                .children
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let (a, b) = (start, start + c.len());
                    start = b;
                    let (from, to) = (lo.max(a), hi.min(b));
                    (from < to).then(|| (i, from - a, to - a))
                })
                .collect();
            let mut go = |&(i, from, to): &(usize, usize, usize)| {
                if let Some(c) = n.children.get(i) {
                    visit(c, from, to, rev, f);
                }
            };
            if rev {
                spans.iter().rev().for_each(&mut go);
            } else {
                spans.iter().for_each(&mut go);
            }
        }
    }
}

/// Inserts into `node`; returns the separator and new right sibling when
/// the node split.
fn insert_in(node: &mut Node, entry: Entry, census: &mut Census) -> Option<(Entry, Node)> {
    match node {
        Node::Leaf(v) => {
            let pos = v.partition_point(|e| {
                cmp_entry(e.score, e.member(), entry.score, entry.member()).is_lt()
            });
            if v.len() < LEAF_CAP {
                v.insert(pos, entry);
                return None;
            }
            let at = split_point(pos, LEAF_CAP);
            let mut right = Vec::with_capacity(LEAF_CAP);
            right.extend(v.drain(at..));
            if pos < at || (pos == at && at == 0) {
                v.insert(pos, entry);
            } else {
                right.insert(pos - at, entry);
            }
            let sep = right.first()?.clone();
            census.add_sep(&sep);
            let right = Node::Leaf(right);
            census.add_node(&right);
            Some((sep, right))
        }
        Node::Inner(n) => {
            let i = n.seps.partition_point(|s| {
                cmp_entry(s.score, s.member(), entry.score, entry.member()).is_le()
            });
            n.total += 1;
            let (sep, new_child) = insert_in(n.children.get_mut(i)?, entry, census)?;
            n.seps.insert(i, sep);
            n.children.insert(i + 1, new_child);
            if n.children.len() <= INNER_CAP {
                return None;
            }
            // Split, leaving the old node full when the new child is last
            // (appends), else in halves.
            let at = if i + 1 == INNER_CAP {
                INNER_CAP
            } else {
                INNER_CAP.div_ceil(2)
            };
            let mut children = Vec::with_capacity(INNER_CAP + 1);
            children.extend(n.children.drain(at..));
            let mut seps = Vec::with_capacity(INNER_CAP + 1);
            seps.extend(n.seps.drain(at..));
            let up = n.seps.pop()?;
            let right_total: usize = children.iter().map(Node::len).sum();
            n.total -= right_total;
            let right = Node::Inner(Inner {
                total: right_total,
                seps,
                children,
            });
            census.add_node(&right);
            Some((up, right))
        }
    }
}

/// Where a full node of `cap` items splits when an item lands at `pos`:
/// appends and prepends leave the old node full.
fn split_point(pos: usize, cap: usize) -> usize {
    if pos >= cap {
        cap
    } else if pos == 0 {
        0
    } else {
        cap / 2
    }
}

/// Removes the entry `pick` chooses: at a leaf it returns the entry's
/// index (or `None`: absent), at an inner node the child to descend into.
fn remove_in(
    node: &mut Node,
    census: &mut Census,
    pick: &mut dyn FnMut(&Node) -> Option<usize>,
) -> Option<Entry> {
    let i = pick(node)?;
    match node {
        Node::Leaf(v) => (i < v.len()).then(|| v.remove(i)),
        Node::Inner(n) => {
            let removed = remove_in(n.children.get_mut(i)?, census, pick)?;
            n.total -= 1;
            rebalance(n, i, census);
            Some(removed)
        }
    }
}

/// Merges or refills `children[i]` if it fell under its minimum.
fn rebalance(n: &mut Inner, i: usize, census: &mut Census) {
    let Some(child) = n.children.get(i) else {
        return;
    };
    let (min, cap) = match child {
        Node::Leaf(_) => (LEAF_MIN, LEAF_CAP),
        Node::Inner(_) => (INNER_MIN, INNER_CAP),
    };
    if child.items() >= min || n.children.len() < 2 {
        return;
    }
    let l = if i + 1 < n.children.len() { i } else { i - 1 };
    let (left, right) = n.children.split_at_mut(l + 1);
    let (Some(a), Some(b)) = (left.last_mut(), right.first_mut()) else {
        return;
    };
    if a.items() + b.items() <= cap {
        let sep = n.seps.remove(l);
        let b = n.children.remove(l + 1);
        if let Some(a) = n.children.get_mut(l) {
            merge(a, b, sep, census);
        }
        return;
    }
    // Even the two out, one item at a time.
    let target = (a.items() + b.items()) / 2;
    let Some(sep) = n.seps.get_mut(l) else {
        return;
    };
    for _ in 0..cap {
        if a.items() < target {
            shift_left(a, b, sep, census);
        } else if b.items() < target {
            shift_right(a, b, sep, census);
        } else {
            break;
        }
    }
}

fn merge(a: &mut Node, mut b: Node, sep: Entry, census: &mut Census) {
    match (a, &mut b) {
        (Node::Leaf(x), Node::Leaf(y)) => {
            x.append(y);
            census.drop_sep(&sep);
        }
        (Node::Inner(x), Node::Inner(y)) => {
            x.seps.push(sep);
            x.seps.append(&mut y.seps);
            x.children.append(&mut y.children);
            x.total += y.total;
        }
        _ => return,
    }
    census.drop_node(&b);
}

/// Moves the first item of `b` to the end of `a`.
fn shift_left(a: &mut Node, b: &mut Node, sep: &mut Entry, census: &mut Census) {
    match (a, b) {
        (Node::Leaf(x), Node::Leaf(y)) if !y.is_empty() => {
            x.push(y.remove(0));
            if let Some(first) = y.first() {
                census.replace_sep(sep, first);
            }
        }
        (Node::Inner(x), Node::Inner(y)) if y.children.len() > 1 => {
            let child = y.children.remove(0);
            let next = y.seps.remove(0);
            x.seps.push(mem::replace(sep, next));
            x.total += child.len();
            y.total -= child.len();
            x.children.push(child);
        }
        _ => {}
    }
}

/// Moves the last item of `a` to the front of `b`.
fn shift_right(a: &mut Node, b: &mut Node, sep: &mut Entry, census: &mut Census) {
    match (a, b) {
        (Node::Leaf(x), Node::Leaf(y)) => {
            if let Some(e) = x.pop() {
                census.replace_sep(sep, &e);
                y.insert(0, e);
            }
        }
        (Node::Inner(x), Node::Inner(y)) if x.children.len() > 1 => {
            if let (Some(child), Some(prev)) = (x.children.pop(), x.seps.pop()) {
                y.seps.insert(0, mem::replace(sep, prev));
                x.total -= child.len();
                y.total += child.len();
                y.children.insert(0, child);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[path = "zorder_tests.rs"]
mod tests;

#[cfg(test)]
impl ZOrder {
    /// Checks the tree's invariants (order, counts, separators, census).
    pub(crate) fn check(&self) {
        fn walk(
            node: &Node,
            lo: Option<&Entry>,
            hi: Option<&Entry>,
            root: bool,
            c: &mut Census,
        ) -> usize {
            let within = |e: &Entry| {
                lo.is_none_or(|l| cmp_entry(l.score, l.member(), e.score, e.member()).is_le())
                    && hi
                        .is_none_or(|h| cmp_entry(e.score, e.member(), h.score, h.member()).is_lt())
            };
            c.bytes += node_bytes(node);
            match node {
                Node::Leaf(v) => {
                    c.leaves += 1;
                    assert!(v.len() <= LEAF_CAP);
                    assert!(v.windows(2).all(|w| {
                        cmp_entry(w[0].score, w[0].member(), w[1].score, w[1].member()).is_lt()
                    }));
                    assert!(v.iter().all(within));
                    v.len()
                }
                Node::Inner(n) => {
                    c.inners += 1;
                    c.bytes += n.seps.iter().map(|s| s.member.heap_bytes()).sum::<usize>();
                    assert_eq!(n.seps.len() + 1, n.children.len());
                    assert!(n.children.len() <= INNER_CAP);
                    assert!(root || !n.children.is_empty());
                    let mut total = 0;
                    for (i, child) in n.children.iter().enumerate() {
                        let l = if i == 0 { lo } else { n.seps.get(i - 1) };
                        let h = n.seps.get(i).or(hi);
                        let got = walk(child, l, h, false, c);
                        assert_eq!(got, child.len());
                        total += got;
                    }
                    assert_eq!(total, n.total);
                    total
                }
            }
        }
        let mut c = Census::default();
        walk(&self.root, None, None, true, &mut c);
        assert_eq!(c.leaves, self.census.leaves);
        assert_eq!(c.inners, self.census.inners);
        assert_eq!(c.bytes, self.census.bytes, "running byte count");
        let members: usize = (0..self.len())
            .filter_map(|r| self.get(r))
            .map(|e| e.member.heap_bytes())
            .sum();
        assert_eq!(members, self.member_heap, "running member count");
    }
}
