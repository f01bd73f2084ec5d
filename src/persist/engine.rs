//! The store's side of persistence: which persistences it has, the write
//! gate and the commit after each write, and checkpoints.

use std::cell::RefCell;
use std::sync::Arc;

use crate::persist::Persistence;
use crate::propagate::WriteObserver;
use crate::store::Inner;
use crate::{Error, Result};

/// The persistences of one store.
#[derive(Default)]
pub(crate) struct Persisters {
    /// Every persistence, built-in ones first.
    pub(crate) all: Vec<Arc<dyn Persistence>>,
}

thread_local! {
    /// Tickets this thread's writes got from `record` and have not yet
    /// committed: (persistence address, largest ticket).
    static PENDING: RefCell<Vec<(usize, u64)>> = const { RefCell::new(Vec::new()) };
}

fn address(p: &Arc<dyn Persistence>) -> usize {
    Arc::as_ptr(p).cast::<()>() as usize
}

fn note_ticket(key: usize, ticket: u64) {
    if ticket == 0 {
        return;
    }
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        match pending.iter_mut().find(|(k, _)| *k == key) {
            Some((_, t)) => *t = (*t).max(ticket),
            None => pending.push((key, ticket)),
        }
    });
}

fn take_ticket(key: usize) -> u64 {
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        match pending.iter().position(|(k, _)| *k == key) {
            Some(i) => pending.swap_remove(i).1,
            None => 0,
        }
    })
}

/// Hands the canonical commands to one persistence (the propagation
/// path's observer for it), keeping the tickets for the commit.
pub(crate) struct Recorder(pub(crate) Arc<dyn Persistence>);

impl WriteObserver for Recorder {
    fn on_write(&self, argv: &[&[u8]]) {
        note_ticket(address(&self.0), self.0.record(argv));
    }

    fn on_transaction(&self, commands: &[Vec<Vec<u8>>]) {
        note_ticket(address(&self.0), self.0.record_transaction(commands));
    }
}

impl Inner {
    /// Refuses a write before it is applied when a persistence cannot take
    /// it (Redis's `MISCONF`).
    pub(crate) fn check_writable(&self) -> Result<()> {
        for p in &self.persist.all {
            p.check_writable()?;
        }
        Ok(())
    }

    /// Completes a write whose locks are released: waits until what it
    /// recorded is as durable as each persistence promises, and turns the
    /// write's result into the persistence's error when it cannot be.
    pub(crate) fn finish_write<T>(&self, result: Result<T>) -> Result<T> {
        let mut failure: Option<Error> = None;
        for p in &self.persist.all {
            let ticket = take_ticket(address(p));
            if ticket != 0
                && let Err(e) = p.commit(ticket)
            {
                failure.get_or_insert(e);
            }
        }
        match failure {
            Some(e) => Err(e),
            None => result,
        }
    }
}
