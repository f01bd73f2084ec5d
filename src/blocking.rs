//! Blocking pops (Redis's `blocked.c`): a thread waits on some keys until a
//! write makes one of them servable, or its timeout passes.
//!
//! A waiter registers on each of its keys, in arrival order per key. A
//! command that may have made a key servable (a push to a list, a list
//! created by `RENAME`/`COPY`/`LMOVE`) calls [`Store::signal_ready`] once its
//! locks are released; that serves the key's waiters first-come-first-served,
//! running each waiter's non-blocking operation (`LPOP`, `LMOVE`, `LMPOP`, …)
//! on its behalf, so the served command is propagated in its non-blocking
//! form and the element goes to the oldest waiter even if it has not been
//! scheduled yet.
//!
//! Each waiter has a small state machine guarded by its own mutex, so a
//! waiter is served at most once and never lost:
//!
//! - `Waiting`: parked; a signaller may claim it.
//! - `Claimed`: someone (a signaller, or the waiter itself) is running its
//!   operation. A signal arriving meanwhile sets `recheck`, and the claimer
//!   retries instead of going back to sleep on a key that became ready.
//! - `Done`: served; the waiter thread takes the result.
//! - `Gone`: timed out or shut down.
//!
//! Lock order: the registry mutex is never held while an operation runs
//! (operations take shard locks), and no shard lock is held while the
//! registry is locked, so the two cannot deadlock.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::{Error, Result, Store};

thread_local! {
    /// Set by [`without_waiting`]: blocking commands answer at once.
    static NO_WAIT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Set by [`with_cancel`].
    static CANCEL: std::cell::Cell<Option<Arc<CancelToken>>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with blocking commands answering at once when nothing is
/// there (their timeout reply), as inside `MULTI`. The RESP server tries a
/// blocking command this way first and parks the client only if it must.
pub(crate) fn without_waiting<R>(f: impl FnOnce() -> R) -> R {
    let before = NO_WAIT.replace(true);
    let result = f();
    NO_WAIT.set(before);
    result
}

/// The blocking-pop registry of one store.
#[derive(Default)]
pub(crate) struct Blocking {
    registry: Mutex<Registry>,
    /// Registered waiters; lets a push skip the registry when nobody waits.
    waiting: AtomicUsize,
    next_id: AtomicU64,
    shutdown: AtomicBool,
}

#[derive(Default)]
struct Registry {
    by_key: HashMap<Vec<u8>, VecDeque<Arc<dyn Client>>, ahash::RandomState>,
}

/// What a signaller needs from a waiter, whatever its result type.
trait Client: Send + Sync {
    fn id(&self) -> u64;
    /// Tries to serve the waiter from `key`.
    fn serve(&self, store: &Store, key: &[u8]) -> Served;
    /// Wakes the waiter so it sees the shutdown flag.
    fn wake(&self);
    /// Stops waiting unless an operation for it is running (see
    /// [`CancelToken`]).
    fn cancel(&self);
}

enum Served {
    /// The waiter got its result; the key may serve more.
    Yes,
    /// The key had nothing for the waiter: later waiters get nothing either.
    Empty,
    /// The waiter is not waiting (being served elsewhere, done, or gone).
    Skipped,
}

enum State<R> {
    Waiting,
    Claimed {
        recheck: bool,
    },
    /// A signaller found the key empty but a later signal asked for a
    /// retry: the waiter thread retries all its keys itself.
    Recheck,
    Done(Result<R>),
    Gone,
    /// Its client went away (see [`CancelToken`]): never served again.
    Cancelled,
}

struct Waiter<R, F> {
    id: u64,
    op: F,
    state: Mutex<State<R>>,
    wake: Condvar,
}

/// The outcome of one try of a waiter's operation.
type Attempt<R> = Result<Option<R>>;

impl<R, F> Client for Waiter<R, F>
where
    R: Send + 'static,
    F: Fn(&Store, &[u8]) -> Attempt<R> + Send + Sync + 'static,
{
    fn id(&self) -> u64 {
        self.id
    }

    fn serve(&self, store: &Store, key: &[u8]) -> Served {
        {
            let mut state = self.state.lock();
            match &mut *state {
                State::Waiting | State::Recheck => *state = State::Claimed { recheck: false },
                State::Claimed { recheck } => {
                    *recheck = true;
                    return Served::Skipped;
                }
                State::Done(_) | State::Gone | State::Cancelled => return Served::Skipped,
            }
        }
        let outcome = (self.op)(store, key);
        let mut state = self.state.lock();
        let served = match outcome {
            Ok(Some(result)) => {
                *state = State::Done(Ok(result));
                Served::Yes
            }
            // The key is empty again, or no longer a list: not served, as
            // Redis leaves the client blocked.
            Ok(None) | Err(Error::WrongType) => {
                *state = match *state {
                    State::Claimed { recheck: true } => State::Recheck,
                    _ => State::Waiting,
                };
                Served::Empty
            }
            Err(e) => {
                *state = State::Done(Err(e));
                Served::Yes
            }
        };
        drop(state);
        self.wake.notify_one();
        served
    }

    fn wake(&self) {
        // Taking the lock orders the wake-up after the waiter's check of the
        // shutdown flag, so it cannot be missed.
        drop(self.state.lock());
        self.wake.notify_one();
    }

    fn cancel(&self) {
        let mut state = self.state.lock();
        if matches!(*state, State::Waiting | State::Recheck) {
            *state = State::Cancelled;
        }
        drop(state);
        self.wake.notify_one();
    }
}

/// Lets another thread call off a blocking command, as Redis unblocks a
/// client that disconnects: once cancelled, the waiter is never served (an
/// element already being popped for it when the cancel arrives is still
/// returned to it). The RESP server gives one to each parked client.
#[derive(Default)]
pub(crate) struct CancelToken {
    cancelled: AtomicBool,
    waiter: Mutex<Option<Arc<dyn Client>>>,
}

impl CancelToken {
    /// Calls the blocking command off.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        let waiter = self.waiter.lock().clone();
        if let Some(waiter) = waiter {
            waiter.cancel();
        }
    }

    fn attach(&self, client: Arc<dyn Client>) {
        *self.waiter.lock() = Some(Arc::clone(&client));
        if self.cancelled.load(Ordering::SeqCst) {
            client.cancel();
        }
    }
}

/// Runs `f` (a blocking command) so that `token` can cancel its wait.
#[cfg_attr(not(feature = "server"), allow(dead_code))]
pub(crate) fn with_cancel<R>(token: &Arc<CancelToken>, f: impl FnOnce() -> R) -> R {
    let before = CANCEL.replace(Some(Arc::clone(token)));
    let result = f();
    CANCEL.set(before);
    result
}

impl Store {
    /// Runs `op` on each of `keys` in order until one serves; if none does,
    /// waits until a push serves one or `timeout` passes (`Duration::ZERO`
    /// waits forever, as Redis's timeout 0). `Ok(None)` means timed out.
    ///
    /// `op` is the command's non-blocking form on one key: `Ok(None)` when
    /// the key has nothing to give. It may run on another thread (the one
    /// whose push served this waiter), and propagates itself as usual.
    pub(crate) fn block_on<R, F>(
        &self,
        keys: &[&[u8]],
        timeout: Duration,
        op: F,
    ) -> Result<Option<R>>
    where
        R: Send + 'static,
        F: Fn(&Store, &[u8]) -> Attempt<R> + Send + Sync + 'static,
    {
        // The first try reports errors (WRONGTYPE) as the command would.
        for key in keys {
            if let Some(result) = op(self, key)? {
                return Ok(Some(result));
            }
        }
        // Inside MULTI/EXEC or a transaction, or when the caller asked not
        // to wait, a blocking command answers as if it had timed out.
        if !self.may_wait() {
            return Ok(None);
        }
        let blocking = &self.inner.blocking;
        if blocking.shutdown.load(Ordering::SeqCst) {
            return Err(Error::Shutdown);
        }
        let deadline = (!timeout.is_zero()).then(|| Instant::now() + timeout);
        let waiter = Arc::new(Waiter {
            id: blocking.next_id.fetch_add(1, Ordering::Relaxed),
            op,
            // Registered claimed by ourselves: a push between the first try
            // and the registration is caught by the retry below, and a push
            // after it asks for a recheck.
            state: Mutex::new(State::Claimed { recheck: false }),
            wake: Condvar::new(),
        });
        blocking.register(keys, Arc::clone(&waiter) as Arc<dyn Client>);
        if let Some(token) = CANCEL.take() {
            token.attach(Arc::clone(&waiter) as Arc<dyn Client>);
            CANCEL.set(Some(token));
        }
        let outcome = self.wait(&waiter, keys, deadline);
        blocking.unregister(keys, waiter.id);
        outcome
    }

    fn wait<R, F>(
        &self,
        waiter: &Waiter<R, F>,
        keys: &[&[u8]],
        deadline: Option<Instant>,
    ) -> Result<Option<R>>
    where
        F: Fn(&Store, &[u8]) -> Attempt<R>,
    {
        let blocking = &self.inner.blocking;
        loop {
            // We hold the claim: try every key once more.
            for key in keys {
                match (waiter.op)(self, key) {
                    Ok(Some(result)) => return Ok(Some(result)),
                    Ok(None) | Err(Error::WrongType) => {}
                    Err(e) => return Err(e),
                }
            }
            let mut state = waiter.state.lock();
            if let State::Claimed { recheck: true } = *state {
                *state = State::Claimed { recheck: false };
                continue;
            }
            *state = State::Waiting;
            loop {
                match std::mem::replace(&mut *state, State::Gone) {
                    State::Done(result) => return result.map(Some),
                    State::Recheck => {
                        *state = State::Claimed { recheck: false };
                        break;
                    }
                    // A signaller is running our operation: wait for it,
                    // whatever the deadline says.
                    claimed @ State::Claimed { .. } => {
                        *state = claimed;
                        waiter.wake.wait(&mut state);
                    }
                    State::Cancelled => return Ok(None),
                    State::Waiting | State::Gone => {
                        if blocking.shutdown.load(Ordering::SeqCst) {
                            return Err(Error::Shutdown);
                        }
                        match deadline {
                            Some(at) if Instant::now() >= at => return Ok(None),
                            Some(at) => {
                                *state = State::Waiting;
                                waiter.wake.wait_until(&mut state, at);
                            }
                            None => {
                                *state = State::Waiting;
                                waiter.wake.wait(&mut state);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether a blocking command may wait here: not inside a transaction
    /// (`MULTI`/`EXEC`, [`Store::transaction`]) nor under
    /// [`without_waiting`].
    pub(crate) fn may_wait(&self) -> bool {
        !NO_WAIT.get() && !crate::keyspace::tx::in_transaction(&self.inner.keyspace)
    }

    /// Serves the waiters blocked on `key`, oldest first, until the key has
    /// nothing more to give. Called after a command that may have made `key`
    /// servable, once its locks are released. Costs one atomic load when
    /// nobody is blocked.
    pub(crate) fn signal_ready(&self, key: &[u8]) {
        let blocking = &self.inner.blocking;
        if blocking.waiting.load(Ordering::SeqCst) == 0 {
            return;
        }
        // A transaction serves blocked clients once its locks are released.
        if crate::keyspace::tx::defer_ready(&self.inner.keyspace, key) {
            return;
        }
        let queue: Vec<Arc<dyn Client>> = match blocking.registry.lock().by_key.get(key) {
            Some(queue) => queue.iter().cloned().collect(),
            None => return,
        };
        for client in queue {
            match client.serve(self, key) {
                Served::Yes | Served::Skipped => {}
                Served::Empty => break,
            }
        }
    }

    /// Number of threads blocked in a blocking pop (Redis's
    /// `blocked_clients`).
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// assert_eq!(store.blocked_clients(), 0);
    /// ```
    #[must_use]
    pub fn blocked_clients(&self) -> usize {
        self.inner.blocking.waiting.load(Ordering::SeqCst)
    }

    /// Wakes every thread blocked in a blocking pop with
    /// [`Error::Shutdown`], and makes later blocking calls fail the same
    /// way instead of waiting. Other commands keep working.
    ///
    /// A blocked thread holds its own `Store` handle, so dropping the other
    /// handles cannot end the store under it: call this first (as Redis's
    /// `SHUTDOWN` disconnects blocked clients) to let worker threads stop.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kvstore::{Error, Store};
    ///
    /// let store = Store::new();
    /// let worker = {
    ///     let store = store.clone();
    ///     std::thread::spawn(move || store.blpop(["jobs"], Duration::ZERO))
    /// };
    /// while store.blocked_clients() == 0 {
    ///     std::thread::yield_now();
    /// }
    /// store.shutdown();
    /// assert_eq!(worker.join().unwrap(), Err(Error::Shutdown));
    /// ```
    pub fn shutdown(&self) {
        let blocking = &self.inner.blocking;
        blocking.shutdown.store(true, Ordering::SeqCst);
        let clients: Vec<Arc<dyn Client>> = blocking
            .registry
            .lock()
            .by_key
            .values()
            .flatten()
            .cloned()
            .collect();
        for client in clients {
            client.wake();
        }
    }
}

impl Blocking {
    fn register(&self, keys: &[&[u8]], client: Arc<dyn Client>) {
        let mut registry = self.registry.lock();
        for (i, key) in keys.iter().enumerate() {
            // A key named twice (`BLPOP k k 0`) is waited on once.
            if keys[..i].contains(key) {
                continue;
            }
            registry
                .by_key
                .entry(key.to_vec())
                .or_default()
                .push_back(Arc::clone(&client));
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
    }

    fn unregister(&self, keys: &[&[u8]], id: u64) {
        let mut registry = self.registry.lock();
        for key in keys {
            if let Some(queue) = registry.by_key.get_mut(*key) {
                queue.retain(|c| c.id() != id);
                if queue.is_empty() {
                    registry.by_key.remove(*key);
                }
            }
        }
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Parses a blocking command's timeout in seconds, as Redis's
/// `getTimeoutFromObjectOrReply`: a float, not negative, whose milliseconds
/// fit an `i64`. `Duration::ZERO` means forever.
pub(crate) fn parse_timeout(arg: &[u8]) -> Result<Duration> {
    let not_float = || Error::Timeout("timeout is not a float or out of range");
    let seconds = crate::number::f80::F80::parse(arg)
        .ok_or_else(not_float)?
        .to_f64();
    let ms = (seconds * 1000.0).ceil();
    // `i64::MAX as f64` is 2^63, itself out of range: hence `>=`.
    if ms >= i64::MAX as f64 {
        // Redis 7.0 casts the milliseconds to `long long`, which turns an
        // out-of-range value (`inf`, `1e30`) negative: it answers this.
        return Err(Error::Timeout("timeout is negative"));
    }
    if ms < 0.0 {
        return Err(Error::Timeout("timeout is negative"));
    }
    Ok(Duration::from_millis(ms as u64))
}
