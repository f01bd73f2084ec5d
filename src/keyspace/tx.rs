//! Shards held by a transaction on the current thread.
//!
//! A transaction ([`Store::transaction`](crate::Store::transaction), `EXEC`)
//! write-locks the shards of its keys, in ascending order, and then runs
//! ordinary commands. Those commands lock shards through
//! [`Keyspace::read`]/[`Keyspace::write`] as always; while the transaction's
//! thread holds a shard, those calls hand out the held shard instead of
//! locking it again (parking_lot locks are not reentrant). This module keeps,
//! per thread, the stack of open transactions ("frames") with the shards each
//! holds.
//!
//! A frame also collects what must wait until the transaction's locks are
//! released (keys made ready for blocked clients) and the canonical commands
//! of its writes, which are handed to the observers wrapped in
//! `MULTI`/`EXEC` when there are several, as Redis propagates a transaction.
//!
//! Safety: a frame stores raw pointers to shards whose write guards the
//! transaction keeps alive until after the frame is popped (see
//! [`FrameGuard`]). Each command takes at most one guard per shard (the
//! multi-shard helpers deduplicate), exactly as without a transaction, where
//! a second guard on the same shard would deadlock; so no two references
//! handed out for one shard are ever alive together.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering;

use parking_lot::{RwLockReadGuard, RwLockWriteGuard};

use super::{Keyspace, Shard};

/// A shard locked for reading, or held by this thread's transaction.
pub(crate) enum ShardRef<'a> {
    Locked(RwLockReadGuard<'a, Shard>),
    Held(&'a Shard),
}

/// A shard locked for writing, or held by this thread's transaction.
/// Releasing the lock publishes the shard's change in bytes
/// ([`Keyspace::publish`]); a transaction publishes when it ends.
pub(crate) enum ShardMut<'a> {
    Locked(RwLockWriteGuard<'a, Shard>, &'a Keyspace, usize),
    Held(&'a mut Shard),
}

impl Drop for ShardMut<'_> {
    fn drop(&mut self) {
        if let ShardMut::Locked(guard, keyspace, index) = self {
            keyspace.publish(*index, guard);
        }
    }
}

impl Deref for ShardRef<'_> {
    type Target = Shard;
    #[inline]
    fn deref(&self) -> &Shard {
        match self {
            ShardRef::Locked(g) => g,
            ShardRef::Held(s) => s,
        }
    }
}

impl Deref for ShardMut<'_> {
    type Target = Shard;
    #[inline]
    fn deref(&self) -> &Shard {
        match self {
            ShardMut::Locked(g, ..) => g,
            ShardMut::Held(s) => s,
        }
    }
}

impl DerefMut for ShardMut<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Shard {
        match self {
            ShardMut::Locked(g, ..) => &mut *g,
            ShardMut::Held(s) => s,
        }
    }
}

/// One open transaction of this thread.
struct Frame {
    /// Address of the keyspace (identity only, never dereferenced).
    keyspace: usize,
    /// Address of the store's propagator (identity only).
    propagator: usize,
    /// Held shards, ascending by index.
    shards: Vec<(usize, *mut Shard)>,
    /// Keys to signal to blocked clients once the locks are released.
    ready: Vec<Vec<u8>>,
    /// Canonical commands of the transaction's writes, in order.
    propagated: Vec<Vec<Vec<u8>>>,
    /// The persistences accepted the transaction's writes (see
    /// [`gate_once`]).
    gated: bool,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// What this thread's transactions say about a shard.
pub(crate) enum Hold {
    /// No transaction of this thread is open on the keyspace.
    None,
    /// The transaction holds the shard.
    Held(*mut Shard),
    /// A transaction is open but did not declare a key of this shard.
    Undeclared,
}

/// Looks `shard` up in this thread's open transactions on `keyspace`.
pub(crate) fn hold(keyspace: &Keyspace, shard: usize) -> Hold {
    let id = std::ptr::from_ref(keyspace) as usize;
    FRAMES.with_borrow(|frames| {
        let Some(frame) = frames.iter().rev().find(|f| f.keyspace == id) else {
            return Hold::None;
        };
        match frame.shards.binary_search_by_key(&shard, |(i, _)| *i) {
            Ok(i) => Hold::Held(frame.shards[i].1),
            Err(_) => Hold::Undeclared,
        }
    })
}

/// Whether this thread runs a transaction on `keyspace` (blocking commands
/// then answer at once, as inside `MULTI`).
pub(crate) fn in_transaction(keyspace: &Keyspace) -> bool {
    let id = std::ptr::from_ref(keyspace) as usize;
    FRAMES.with_borrow(|frames| frames.iter().any(|f| f.keyspace == id))
}

/// Defers a ready key to the end of this thread's transaction on
/// `keyspace`; `false` when there is none (signal it now).
pub(crate) fn defer_ready(keyspace: &Keyspace, key: &[u8]) -> bool {
    let id = std::ptr::from_ref(keyspace) as usize;
    FRAMES.with_borrow_mut(|frames| {
        let Some(frame) = frames.iter_mut().rev().find(|f| f.keyspace == id) else {
            return false;
        };
        if !frame.ready.iter().any(|k| k == key) {
            frame.ready.push(key.to_vec());
        }
        true
    })
}

/// Buffers a write's canonical command in this thread's transaction on the
/// store owning `propagator`; `false` when there is none (emit it now).
pub(crate) fn buffer_propagation(propagator: usize, argv: &[&[u8]]) -> bool {
    FRAMES.with_borrow_mut(|frames| {
        let Some(frame) = frames.iter_mut().rev().find(|f| f.propagator == propagator) else {
            return false;
        };
        frame
            .propagated
            .push(argv.iter().map(|a| a.to_vec()).collect());
        true
    })
}

/// The write gate inside this thread's transaction on `keyspace`: `None`
/// when there is none. Otherwise `check` runs for the transaction's first
/// write only; once it passed, later writes of the transaction pass too, so
/// a transaction is refused whole or applied whole, as Redis checks `EXEC`
/// once. `check` runs with no borrow of the frames held (it may read the
/// store).
pub(crate) fn gate_once(
    keyspace: &Keyspace,
    check: impl FnOnce() -> crate::Result<()>,
) -> Option<crate::Result<()>> {
    if keyspace.transactions.load(Ordering::Relaxed) == 0 {
        return None;
    }
    let id = std::ptr::from_ref(keyspace) as usize;
    let gated = FRAMES.with_borrow(|frames| {
        frames
            .iter()
            .rev()
            .find(|f| f.keyspace == id)
            .map(|f| f.gated)
    })?;
    if gated {
        return Some(Ok(()));
    }
    let result = check();
    if result.is_ok() {
        mark_gated(keyspace);
    }
    Some(result)
}

/// Lets the writes of this thread's transaction on `keyspace` pass the
/// gate without checking again (`EXEC` checked before it began).
pub(crate) fn mark_gated(keyspace: &Keyspace) {
    let id = std::ptr::from_ref(keyspace) as usize;
    FRAMES.with_borrow_mut(|frames| {
        if let Some(frame) = frames.iter_mut().rev().find(|f| f.keyspace == id) {
            frame.gated = true;
        }
    });
}

/// What a finished transaction leaves to do after its frame is popped.
pub(crate) struct Finished {
    /// Keys to signal to blocked clients (after the locks are released).
    pub(crate) ready: Vec<Vec<u8>>,
    /// Canonical commands to hand to the observers (while still locked).
    pub(crate) propagated: Vec<Vec<Vec<u8>>>,
}

/// Pushes a frame for the shards in `guards` and pops it when dropped, even
/// when the transaction's closure panics.
pub(crate) struct FrameGuard {
    depth: usize,
}

impl FrameGuard {
    /// Opens a frame over `guards` (ascending, deduplicated) of `keyspace`.
    pub(crate) fn push(
        keyspace: &Keyspace,
        propagator: usize,
        guards: &mut [(usize, RwLockWriteGuard<'_, Shard>)],
    ) -> FrameGuard {
        let shards = guards
            .iter_mut()
            .map(|(i, g)| (*i, std::ptr::from_mut::<Shard>(&mut **g)))
            .collect();
        let frame = Frame {
            keyspace: std::ptr::from_ref(keyspace) as usize,
            propagator,
            shards,
            ready: Vec::new(),
            propagated: Vec::new(),
            gated: false,
        };
        let depth = FRAMES.with_borrow_mut(|frames| {
            frames.push(frame);
            frames.len()
        });
        FrameGuard { depth }
    }

    /// Pops the frame and returns its deferred work.
    pub(crate) fn finish(mut self) -> Finished {
        self.pop()
    }

    fn pop(&mut self) -> Finished {
        let frame = FRAMES.with_borrow_mut(|frames| {
            if frames.len() == self.depth {
                frames.pop()
            } else {
                None
            }
        });
        self.depth = 0;
        match frame {
            Some(f) => Finished {
                ready: f.ready,
                propagated: f.propagated,
            },
            None => Finished {
                ready: Vec::new(),
                propagated: Vec::new(),
            },
        }
    }
}

impl Drop for FrameGuard {
    fn drop(&mut self) {
        if self.depth != 0 {
            // Unwinding out of the closure: the frame must go before the
            // guards it points into are released.
            self.pop();
        }
    }
}
