//! One event-loop thread: a `mio` poll over its share of the connections.
//!
//! Worker 0 also owns the listening socket and hands new connections to
//! the workers in turn. A blocking command that must wait runs on a thread
//! of its own (parked in the store's blocking-pop registry, holding no
//! lock); its reply comes back through the worker's channel, so the event
//! loop never waits and a blocked client blocks only itself.
//!
//! A subscribed connection's subscriber calls a hook when a message
//! arrives for it after its queue was read empty; the hook sends
//! [`Msg::Pubsub`] here and wakes the poll, and the worker moves the
//! messages into the connection's output (while that output is small, see
//! `conn.rs`). A client that stops reading leaves its messages in its
//! subscriber's queue; the queue's output-buffer limit disconnects it, and
//! the hook, called on that too, brings the worker to close the connection.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use super::Shared;
use super::conn::{Conn, Step};
use crate::blocking::{CancelToken, with_cancel};
use crate::{Reply, Session, Store};

const LISTENER: Token = Token(usize::MAX - 1);
const WAKER: Token = Token(usize::MAX - 2);

/// Size of a worker's shared read buffer.
const SCRATCH: usize = 64 * 1024;

/// Stack of a thread parked on a blocking command: it only runs the
/// command and waits.
const BLOCKED_STACK: usize = 256 * 1024;

/// Messages to a worker from other threads.
pub(super) enum Msg {
    /// A new connection to serve.
    Accepted(TcpStream),
    /// A parked blocking command finished.
    Unblocked {
        slot: usize,
        generation: u64,
        reply: Reply,
    },
    /// Messages arrived for a subscribed connection.
    Pubsub { slot: usize, generation: u64 },
}

struct Slot {
    conn: Option<Conn>,
    generation: u64,
}

pub(super) struct Worker {
    index: usize,
    poll: Poll,
    store: Store,
    shared: Arc<Shared>,
    inbox: Receiver<Msg>,
    /// Senders to every worker (ours included), for handing off.
    outboxes: Vec<Sender<Msg>>,
    listener: Option<TcpListener>,
    slots: Vec<Slot>,
    free: Vec<usize>,
    scratch: Vec<u8>,
    next_worker: usize,
    /// Connections with replies produced this round, flushed at its end
    /// after one commit for all of them.
    touched: Vec<usize>,
}

impl Worker {
    pub(super) fn new(
        index: usize,
        poll: Poll,
        store: Store,
        shared: Arc<Shared>,
        inbox: Receiver<Msg>,
        outboxes: Vec<Sender<Msg>>,
        listener: Option<TcpListener>,
    ) -> Worker {
        Worker {
            index,
            poll,
            store,
            shared,
            inbox,
            outboxes,
            listener,
            slots: Vec::new(),
            free: Vec::new(),
            scratch: vec![0; SCRATCH],
            next_worker: 0,
            touched: Vec::new(),
        }
    }

    /// Creates the poll and the waker other threads use to reach it.
    pub(super) fn poll_and_waker() -> io::Result<(Poll, Arc<Waker>)> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        Ok((poll, waker))
    }

    pub(super) fn run(mut self) -> io::Result<()> {
        if let Some(listener) = &mut self.listener {
            self.poll
                .registry()
                .register(listener, LISTENER, Interest::READABLE)?;
        }
        let mut events = Events::with_capacity(1024);
        while !self.shared.stopping.load(Ordering::SeqCst) {
            if let Err(e) = self.poll.poll(&mut events, None) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            // One round, as Redis's event-loop iteration: run every
            // request that arrived, then commit their writes once (one
            // fsync under `appendfsync always`), then send the replies.
            let round = crate::persist::engine::DeferredCommits::begin();
            for event in &events {
                match event.token() {
                    LISTENER => self.accept(),
                    WAKER => self.drain_inbox(),
                    Token(slot) => {
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            self.on_readable(slot);
                        }
                        if event.is_writable() {
                            self.on_writable(slot);
                        }
                    }
                }
            }
            self.flush_touched();
            drop(round);
        }
        self.close_all();
        Ok(())
    }

    fn accept(&mut self) {
        loop {
            let Some(listener) = &self.listener else {
                return;
            };
            let stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Out of descriptors and the like: drop this one, keep going.
                Err(_) => return,
            };
            let clients = self.shared.clients.load(Ordering::SeqCst);
            if clients >= self.shared.max_clients {
                self.store.connection_rejected();
                let mut stream = stream;
                let _ =
                    io::Write::write_all(&mut stream, b"-ERR max number of clients reached\r\n");
                continue;
            }
            self.shared.clients.fetch_add(1, Ordering::SeqCst);
            self.store.client_connected();
            let target = self.next_worker % self.outboxes.len();
            self.next_worker = self.next_worker.wrapping_add(1);
            if target == self.index {
                self.add(stream);
            } else if self.outboxes[target].send(Msg::Accepted(stream)).is_ok() {
                let _ = self.shared.wakers[target].wake();
            }
        }
    }

    fn add(&mut self, mut stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let slot = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    conn: None,
                    generation: 0,
                });
                self.slots.len() - 1
            }
        };
        let registered =
            self.poll
                .registry()
                .register(&mut stream, Token(slot), Interest::READABLE);
        if registered.is_err() {
            self.free.push(slot);
            self.disconnected();
            return;
        }
        let mut session = Session::new(&self.store);
        if let (Ok(peer), Ok(local)) = (stream.peer_addr(), stream.local_addr()) {
            session.set_addresses(peer.to_string(), local.to_string());
        }
        let outbox = self.outboxes[self.index].clone();
        let waker = Arc::clone(&self.shared.wakers[self.index]);
        let generation = self.slots[slot].generation;
        session.set_wake(Arc::new(move || {
            if outbox.send(Msg::Pubsub { slot, generation }).is_ok() {
                let _ = waker.wake();
            }
        }));
        let decoder = crate::resp::RequestDecoder::new(self.shared.limits(&self.store));
        self.slots[slot].conn = Some(Conn::new(stream, session, decoder));
        // Data may have arrived before registration.
        self.on_readable(slot);
    }

    fn drain_inbox(&mut self) {
        while let Ok(msg) = self.inbox.try_recv() {
            match msg {
                Msg::Accepted(stream) => self.add(stream),
                Msg::Unblocked {
                    slot,
                    generation,
                    reply,
                } => self.unblocked(slot, generation, &reply),
                Msg::Pubsub { slot, generation } => self.pubsub(slot, generation),
            }
        }
    }

    fn conn(&mut self, slot: usize) -> Option<&mut Conn> {
        self.slots.get_mut(slot)?.conn.as_mut()
    }

    fn on_readable(&mut self, slot: usize) {
        let mut scratch = std::mem::take(&mut self.scratch);
        let step = match self.conn(slot) {
            Some(conn) => conn.on_readable(&mut scratch),
            None => Ok(Step::Continue),
        };
        self.scratch = scratch;
        self.after(slot, step);
    }

    fn on_writable(&mut self, slot: usize) {
        let result = match self.conn(slot) {
            Some(conn) => conn
                .flush()
                .and_then(|()| conn.refill_pubsub())
                .map(|()| Step::Continue),
            None => return,
        };
        self.after(slot, result);
    }

    /// The live connection of `slot`, if it is still the one of
    /// `generation`.
    fn conn_of(&mut self, slot: usize, generation: u64) -> Option<&mut Conn> {
        let entry = self.slots.get_mut(slot)?;
        if entry.generation != generation {
            return None;
        }
        entry.conn.as_mut()
    }

    /// Messages arrived for a subscribed connection: into its output.
    fn pubsub(&mut self, slot: usize, generation: u64) {
        let Some(conn) = self.conn_of(slot, generation) else {
            return;
        };
        conn.drain_pubsub();
        let step = conn.flush_unless_deferred().map(|()| Step::Continue);
        self.after(slot, step);
    }

    /// Flushes the connections that produced replies this round.
    fn flush_touched(&mut self) {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        for &slot in &touched {
            let result = match self.conn(slot) {
                Some(conn) => conn.flush().map(|()| Step::Continue),
                None => continue,
            };
            self.settle(slot, result);
        }
        touched.clear();
        self.touched = touched;
    }

    /// Acts on what a connection asked for after a batch.
    fn after(&mut self, slot: usize, step: io::Result<Step>) {
        match step {
            Ok(Step::Continue) if crate::persist::engine::deferring() => self.touched.push(slot),
            Err(e) => {
                // The peer is gone or broke the protocol: what it was owed
                // still goes out first, as before the round's deferral.
                if let Some(conn) = self.conn(slot) {
                    let _ = conn.flush();
                }
                self.settle(slot, Err(e));
            }
            Ok(Step::Block(argv)) => {
                self.touched.push(slot);
                self.park(slot, argv);
            }
            other => self.settle(slot, other),
        }
    }

    /// Closes a finished connection, or waits for its socket as needed.
    fn settle(&mut self, slot: usize, step: io::Result<Step>) {
        match step {
            Err(_) => self.close(slot),
            Ok(Step::Continue) => {
                // Output went down: the messages held back follow.
                if self.conn(slot).is_some_and(|c| c.refill_pubsub().is_err()) {
                    self.close(slot);
                    return;
                }
                let finished = self.conn(slot).is_some_and(|c| c.done());
                if finished || self.update_interest(slot).is_err() {
                    self.close(slot);
                }
            }
            Ok(Step::Block(argv)) => self.park(slot, argv),
            Ok(Step::Shutdown) => self.shared.stop(),
        }
    }

    /// Asks for writability events only while output waits for the socket.
    fn update_interest(&mut self, slot: usize) -> io::Result<()> {
        let registry = self.poll.registry().try_clone()?;
        let Some(conn) = self.conn(slot) else {
            return Ok(());
        };
        conn.account_buffers();
        let wanted = conn.output_pending();
        if wanted != conn.write_interest {
            let interest = if wanted {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            registry.reregister(&mut conn.stream, Token(slot), interest)?;
            conn.write_interest = wanted;
        }
        Ok(())
    }

    /// Runs a blocking command that must wait on a thread of its own.
    fn park(&mut self, slot: usize, argv: Vec<Vec<u8>>) {
        let generation = self.slots[slot].generation;
        let token = Arc::new(CancelToken::default());
        let Some(conn) = self.conn(slot) else { return };
        conn.blocked = Some(Arc::clone(&token));
        let store = self.store.clone();
        let outbox = self.outboxes[self.index].clone();
        let waker = Arc::clone(&self.shared.wakers[self.index]);
        let spawned = std::thread::Builder::new()
            .name("kvstore-blocked".into())
            .stack_size(BLOCKED_STACK)
            .spawn(move || {
                let reply = with_cancel(&token, || store.execute(&argv));
                let msg = Msg::Unblocked {
                    slot,
                    generation,
                    reply,
                };
                if outbox.send(msg).is_ok() {
                    let _ = waker.wake();
                }
            });
        if spawned.is_err() {
            // No thread to wait on: answer as a timeout rather than hang.
            self.unblocked(slot, generation, &Reply::NullArray);
        }
    }

    fn unblocked(&mut self, slot: usize, generation: u64, reply: &Reply) {
        if self
            .slots
            .get(slot)
            .is_none_or(|s| s.generation != generation)
        {
            return;
        }
        let Some(conn) = self.conn(slot) else { return };
        if conn.blocked.take().is_none() {
            return;
        }
        conn.push_reply(reply);
        let step = conn.run_pending();
        let step = conn.flush_unless_deferred().map(|()| step);
        let step = match step {
            // More input may have arrived meanwhile; read it now, since an
            // edge-triggered poll will not report it again.
            Ok(Step::Continue) => {
                let mut scratch = std::mem::take(&mut self.scratch);
                let step = match self.conn(slot) {
                    Some(conn) => conn.on_readable(&mut scratch),
                    None => Ok(Step::Continue),
                };
                self.scratch = scratch;
                step
            }
            other => other,
        };
        self.after(slot, step);
    }

    fn close(&mut self, slot: usize) {
        let Some(entry) = self.slots.get_mut(slot) else {
            return;
        };
        let Some(mut conn) = entry.conn.take() else {
            return;
        };
        entry.generation = entry.generation.wrapping_add(1);
        if let Some(token) = conn.blocked.take() {
            token.cancel();
        }
        let _ = self.poll.registry().deregister(&mut conn.stream);
        self.free.push(slot);
        self.disconnected();
    }

    fn disconnected(&self) {
        self.shared.clients.fetch_sub(1, Ordering::SeqCst);
        self.store.client_disconnected();
    }

    fn close_all(&mut self) {
        for slot in 0..self.slots.len() {
            if let Some(conn) = self.conn(slot) {
                let _ = conn.flush();
            }
            self.close(slot);
        }
    }
}
