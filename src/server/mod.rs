//! A RESP server over a [`Store`], so that redis-cli, redis-benchmark,
//! redis-py, redis-rs and every other Redis client can use it (feature
//! `server`).
//!
//! ```no_run
//! use kvstore::Store;
//! use kvstore::server::{Server, ServerConfig};
//!
//! let store = Store::new();
//! let config = ServerConfig::new().port(6380);
//! let server = Server::bind(&store, config)?;
//! println!("listening on {}", server.local_addr());
//! server.run()?; // until SHUTDOWN
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Thread model (see docs/design.md, "The RESP server"): a few event-loop
//! threads (half the cores by default), each polling its share of the
//! connections with `mio` (epoll), so idle connections cost a socket and a
//! few hundred bytes, not a thread. Requests run on the loop thread that read
//! them, directly against the store (which is itself multi-threaded), and
//! every reply of a read's batch of pipelined requests goes out in one
//! write. Only a blocking command that has to wait (`BLPOP` on an empty
//! list) moves to a thread of its own, so it blocks only its client.
//!
//! Pub/sub: `SUBSCRIBE` and the like put a connection in Redis 7.0's
//! pub/sub mode (RESP2: only the subscribe commands, `PING`, `QUIT` and
//! `RESET`; RESP3: anything, messages as push frames). A message published
//! from any thread wakes the subscriber's event loop, which writes it to
//! the socket in order with the connection's replies. Messages wait in the
//! subscriber's queue while 64 KB of output are already pending, so a
//! client that does not read meets `client-output-buffer-limit pubsub` and
//! is disconnected, as Redis does, instead of growing the server's memory.

mod conn;
mod options;
mod worker;

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use mio::Waker;
use mio::net::TcpListener;

use crate::Store;
use crate::resp::Limits;
use worker::{Msg, Worker};

pub use options::{OptionsError, ServerConfig};

/// State shared by a server's threads.
struct Shared {
    stopping: AtomicBool,
    wakers: Vec<Arc<Waker>>,
    /// Connected clients, for `maxclients`.
    clients: AtomicUsize,
    max_clients: usize,
}

impl Shared {
    fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        for waker in &self.wakers {
            let _ = waker.wake();
        }
    }

    /// The request limits, from the store's settings.
    fn limits(&self, store: &Store) -> Limits {
        Limits {
            max_bulk_len: store.inner.settings.max_string_len(),
            ..Limits::default()
        }
    }
}

/// A bound server, ready to [`run`](Server::run) or
/// [`spawn`](Server::spawn).
pub struct Server {
    store: Store,
    listener: TcpListener,
    threads: usize,
    max_clients: usize,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.listener.local_addr().ok())
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

/// Stops a running server: [`ServerHandle::shutdown`] (or a client's
/// `SHUTDOWN`), then [`ServerHandle::join`].
pub struct ServerHandle {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<io::Result<()>>>,
    addr: SocketAddr,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Binds the listening socket and applies `config` to the store
    /// (`requirepass`, the parameters `CONFIG GET` reports).
    ///
    /// # Errors
    ///
    /// The address cannot be resolved or bound.
    pub fn bind(store: &Store, config: ServerConfig) -> io::Result<Server> {
        let addr = (config.bind.as_str(), config.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind"))?;
        let listener = TcpListener::bind(addr)?;
        let port = listener.local_addr()?.port();
        config.apply(store, port)?;
        Ok(Server {
            store: store.clone(),
            listener,
            threads: config.threads.max(1),
            max_clients: config.max_clients,
        })
    }

    /// The address the server listens on (the real port when bound to 0).
    ///
    /// # Panics
    ///
    /// Never in practice: a bound socket always has a local address.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Number of event-loop threads it will run.
    #[must_use]
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Serves clients on the calling thread (plus the other event-loop
    /// threads) until a client sends `SHUTDOWN`.
    ///
    /// # Errors
    ///
    /// Creating the event loops failed.
    pub fn run(self) -> io::Result<()> {
        let handle = self.spawn()?;
        handle.join()
    }

    /// Serves clients on background threads; the handle stops them.
    ///
    /// # Errors
    ///
    /// Creating the event loops or their threads failed.
    pub fn spawn(self) -> io::Result<ServerHandle> {
        let addr = self.local_addr();
        let mut polls = Vec::new();
        let mut wakers = Vec::new();
        for _ in 0..self.threads {
            let (poll, waker) = Worker::poll_and_waker()?;
            polls.push(poll);
            wakers.push(waker);
        }
        let shared = Arc::new(Shared {
            stopping: AtomicBool::new(false),
            wakers,
            clients: AtomicUsize::new(0),
            max_clients: self.max_clients,
        });
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..self.threads).map(|_| mpsc::channel::<Msg>()).unzip();
        let mut listener = Some(self.listener);
        let mut threads = Vec::new();
        for (index, (poll, inbox)) in polls.into_iter().zip(receivers).enumerate() {
            let worker = Worker::new(
                index,
                poll,
                self.store.clone(),
                Arc::clone(&shared),
                inbox,
                senders.clone(),
                listener.take(),
            );
            let thread = std::thread::Builder::new()
                .name(format!("kvstore-server-{index}"))
                .spawn(move || worker.run());
            match thread {
                Ok(t) => threads.push(t),
                Err(e) => {
                    shared.stop();
                    return Err(e);
                }
            }
        }
        Ok(ServerHandle {
            shared,
            threads,
            addr,
        })
    }
}

impl ServerHandle {
    /// The address the server listens on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Asks every event loop to stop: connections are closed, parked
    /// blocking commands are called off. Returns at once; see
    /// [`join`](ServerHandle::join).
    pub fn shutdown(&self) {
        self.shared.stop();
    }

    /// Waits for the event loops to stop (after [`shutdown`] or a client's
    /// `SHUTDOWN`).
    ///
    /// # Errors
    ///
    /// An event loop failed.
    ///
    /// [`shutdown`]: ServerHandle::shutdown
    pub fn join(self) -> io::Result<()> {
        let mut result = Ok(());
        for thread in self.threads {
            match thread.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => result = Err(e),
                Err(_) => result = Err(io::Error::other("an event loop panicked")),
            }
        }
        result
    }
}
