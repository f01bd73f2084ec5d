//! One path for every write: the canonical command of each change.
//!
//! Every successful write produces one deterministic command (an argv, like
//! Redis's `propagate`): relative expiry becomes absolute `PEXPIREAT` /
//! `SET … PXAT`, `INCRBYFLOAT` becomes `SET … KEEPTTL`, `GETDEL` becomes `DEL`,
//! an expired key's removal becomes `DEL`. Replaying the commands in order on
//! an empty store rebuilds the same data. Persistence, replication and
//! keyspace notifications all subscribe here.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::RwLock;

/// Receives the canonical command of every write, in apply order.
///
/// `on_write` runs while the shard locks of the write are held, so that
/// writes to the same key reach observers in the order they were applied.
/// It must therefore be quick (append to a buffer, bump a counter) and must
/// never call back into the [`Store`](crate::Store), which would deadlock.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use kvstore::{Store, WriteObserver};
///
/// #[derive(Default)]
/// struct Log(Mutex<Vec<Vec<Vec<u8>>>>);
///
/// impl WriteObserver for Log {
///     fn on_write(&self, argv: &[&[u8]]) {
///         let cmd = argv.iter().map(|a| a.to_vec()).collect();
///         self.0.lock().unwrap().push(cmd);
///     }
/// }
///
/// let store = Store::new();
/// let log = Arc::new(Log::default());
/// store.add_write_observer(log.clone());
/// store.incr("hits")?;
/// assert_eq!(log.0.lock().unwrap()[0], [b"INCR".to_vec(), b"hits".to_vec()]);
/// # Ok::<(), kvstore::Error>(())
/// ```
pub trait WriteObserver: Send + Sync {
    /// Called once per write with its canonical command (name upper-case).
    fn on_write(&self, argv: &[&[u8]]);

    /// Called once per transaction ([`Store::transaction`](crate::Store::transaction),
    /// `MULTI`/`EXEC`) that wrote more than one command, with all of them,
    /// so that an observer can keep them together. The default hands
    /// `MULTI`, each command and `EXEC` to [`WriteObserver::on_write`], as
    /// Redis propagates a transaction.
    fn on_transaction(&self, commands: &[Vec<Vec<u8>>]) {
        self.on_write(&[b"MULTI"]);
        for command in commands {
            let argv: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
            self.on_write(&argv);
        }
        self.on_write(&[b"EXEC"]);
    }
}

/// Identifies an observer added with
/// [`Store::add_write_observer`](crate::Store::add_write_observer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObserverId(u64);

/// The observers of one store.
#[derive(Default)]
pub(crate) struct Propagator {
    /// Fast check on the write path: no observers, no argv is built.
    active: AtomicBool,
    next_id: AtomicU64,
    /// The persistences' recorders, fixed once the store is open: read
    /// without a lock, since every write of every thread reads them (a
    /// read lock is a shared counter every core would fight over).
    fixed: std::sync::OnceLock<Vec<Arc<dyn WriteObserver>>>,
    /// Whether `observers` has any (the user's, added and removed at will).
    dynamic: AtomicBool,
    observers: RwLock<Vec<(ObserverId, Arc<dyn WriteObserver>)>>,
}

impl Propagator {
    /// Whether anyone listens; callers skip building an argv when not.
    #[inline]
    pub(crate) fn active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    pub(crate) fn emit(&self, argv: &[&[u8]]) {
        if !self.active() {
            return;
        }
        // Inside a transaction the command waits for the transaction's end.
        if crate::keyspace::tx::buffer_propagation(std::ptr::from_ref(self) as usize, argv) {
            return;
        }
        self.emit_now(argv);
    }

    fn emit_now(&self, argv: &[&[u8]]) {
        self.each(|observer| observer.on_write(argv));
    }

    /// Runs `f` on every observer: the fixed ones, then the user's.
    fn each(&self, mut f: impl FnMut(&dyn WriteObserver)) {
        if let Some(fixed) = self.fixed.get() {
            for observer in fixed {
                f(observer.as_ref());
            }
        }
        if self.dynamic.load(Ordering::Acquire) {
            for (_, observer) in self.observers.read().iter() {
                f(observer.as_ref());
            }
        }
    }

    /// Installs the persistences' recorders (once, when the store opens).
    pub(crate) fn set_fixed(&self, observers: Vec<Arc<dyn WriteObserver>>) {
        if observers.is_empty() {
            return;
        }
        if self.fixed.set(observers).is_ok() {
            self.active.store(true, Ordering::Release);
        }
    }

    /// Hands a finished transaction's writes to the observers: wrapped in
    /// `MULTI` … `EXEC` when there are several, as Redis propagates them.
    pub(crate) fn emit_transaction(&self, commands: &[Vec<Vec<u8>>]) {
        if commands.is_empty() || !self.active() {
            return;
        }
        if let [argv] = commands {
            let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            self.emit_now(&argv);
            return;
        }
        self.each(|observer| observer.on_transaction(commands));
    }

    pub(crate) fn add(&self, observer: Arc<dyn WriteObserver>) -> ObserverId {
        let id = ObserverId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let mut list = self.observers.write();
        list.push((id, observer));
        self.dynamic.store(true, Ordering::Release);
        self.active.store(true, Ordering::Release);
        id
    }

    pub(crate) fn remove(&self, id: ObserverId) -> bool {
        let mut list = self.observers.write();
        let before = list.len();
        list.retain(|(i, _)| *i != id);
        self.dynamic.store(!list.is_empty(), Ordering::Release);
        self.active.store(
            !list.is_empty() || self.fixed.get().is_some(),
            Ordering::Release,
        );
        list.len() != before
    }
}
