//! One client connection: its socket, buffers, decoder and [`Session`].
//!
//! Input is decoded in place: complete requests are run straight from the
//! bytes read, and only the unfinished tail of a read is kept in the
//! connection's own buffer (so an idle connection holds no buffer, and a
//! request is copied at most once). Replies are encoded into the output
//! buffer and written when the batch of requests of one read is done, which
//! is what makes pipelining cheap.
//!
//! A subscribed connection's messages wait in its subscriber's queue,
//! bounded by the `pubsub` output-buffer limit, and are encoded into the
//! output only while less than [`OUTPUT_HIGH_WATER`] bytes wait for the
//! socket: a client that stops reading is disconnected by that limit, as
//! Redis disconnects it, instead of growing the server's memory.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::TcpStream;

use crate::blocking::CancelToken;
use crate::reply::encode_message;
use crate::resp::RequestDecoder;
use crate::session::Next;
use crate::{Reply, Session};

/// Redis's `client-query-buffer-limit` (1 GB): a client whose unprocessed
/// input grows past it is disconnected.
const QUERY_BUFFER_LIMIT: usize = 1 << 30;

/// Bytes read at a time into a connection's own buffer.
const READ_CHUNK: usize = 16 * 1024;

/// Most bytes read at a time into a connection's own buffer.
const MAX_READ: usize = 1 << 20;

/// Output above this is written before decoding more requests, and
/// pub/sub messages are left in the subscriber's queue.
const OUTPUT_HIGH_WATER: usize = 64 * 1024;

pub(super) struct Conn {
    /// Dropped before the socket, so that a client that sees its
    /// connection closed finds its subscriptions gone.
    pub(super) session: Session,
    pub(super) stream: TcpStream,
    decoder: RequestDecoder,
    /// Bytes read but not yet run: a partial request, or requests that
    /// arrived while the client was blocked.
    input: Vec<u8>,
    /// Reply bytes not yet written.
    output: Vec<u8>,
    written: usize,
    /// Whether the poll also reports writability (only while output is
    /// pending, to avoid a wake-up per write otherwise).
    pub(super) write_interest: bool,
    /// Set while a blocking command waits for this client.
    pub(super) blocked: Option<Arc<CancelToken>>,
    /// Close once the output is written (QUIT, protocol error).
    pub(super) closing: bool,
    /// Close now, dropping the output (a subscriber over its limit).
    killed: bool,
    /// Messages wait in the subscriber's queue for the output to go down.
    pub(super) pubsub_deferred: bool,
    /// Since when a subscriber's output has been over the soft limit.
    over_soft_since: Option<Instant>,
    /// The buffer bytes last added to the store's count (see
    /// [`Conn::account_buffers`]).
    accounted: usize,
}

/// What a batch of input asks the worker to do.
pub(super) enum Step {
    /// Keep serving the connection.
    Continue,
    /// Park the client on this blocking command.
    Block(Vec<Vec<u8>>),
    /// `SHUTDOWN` was requested.
    Shutdown,
}

impl Conn {
    pub(super) fn new(stream: TcpStream, session: Session, decoder: RequestDecoder) -> Conn {
        Conn {
            stream,
            session,
            decoder,
            input: Vec::new(),
            output: Vec::new(),
            written: 0,
            write_interest: false,
            blocked: None,
            closing: false,
            killed: false,
            pubsub_deferred: false,
            over_soft_since: None,
            accounted: 0,
        }
    }

    /// Brings the store's count of connection buffer bytes
    /// (`mem_clients_normal`) up to date with this connection's buffers
    /// as allocated now. Called after each round of work on it.
    pub(super) fn account_buffers(&mut self) {
        use crate::memory::alloc::alloc_size;
        let now = alloc_size(self.input.capacity()) + alloc_size(self.output.capacity());
        if now != self.accounted {
            let total = &self.session.store().inner.stats.client_buffer_bytes;
            if now > self.accounted {
                total.fetch_add(now - self.accounted, std::sync::atomic::Ordering::Relaxed);
            } else {
                total.fetch_sub(self.accounted - now, std::sync::atomic::Ordering::Relaxed);
            }
            self.accounted = now;
        }
    }

    /// Reads what the socket has and runs the complete requests. `scratch`
    /// is the worker's read buffer, used while the connection has no
    /// pending input. `Err` means the connection is finished.
    pub(super) fn on_readable(&mut self, scratch: &mut [u8]) -> io::Result<Step> {
        loop {
            if self.closing {
                return Ok(Step::Continue);
            }
            if self.input.is_empty() && self.blocked.is_none() {
                let n = match self.stream.read(scratch) {
                    Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Step::Continue),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                self.session.mark_active(Instant::now());
                let data = &scratch[..n];
                let (consumed, step) = self.run_requests(data);
                self.session.publish();
                self.input.extend_from_slice(&data[consumed..]);
                self.flush_unless_deferred()?;
                if !matches!(step, Step::Continue) {
                    return Ok(step);
                }
                // A short read drained the socket; with edge-triggered
                // polling, bytes arriving later raise a new event. This saves
                // the read that would only say "would block".
                if n < scratch.len() {
                    return Ok(Step::Continue);
                }
            } else {
                let start = self.input.len();
                if start >= QUERY_BUFFER_LIMIT {
                    return Err(io::Error::other("client query buffer limit reached"));
                }
                // Read into the room the buffer has (it doubles as data
                // arrives), between 16 KB and 1 MB: big requests take few
                // reads, and at most 1 MB is committed ahead of the data.
                let room = (self.input.capacity() - start).clamp(READ_CHUNK, MAX_READ);
                self.input.resize(start + room, 0);
                let read = self.stream.read(&mut self.input[start..]);
                let n = match read {
                    Ok(n) => n,
                    Err(_) => 0,
                };
                self.input.truncate(start + n);
                match read {
                    Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Step::Continue),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
                if self.blocked.is_none() {
                    // (While blocked, input waits for the unblock, as in
                    // Redis.)
                    self.session.mark_active(Instant::now());
                    let step = self.run_pending();
                    self.session.publish();
                    self.flush_unless_deferred()?;
                    if !matches!(step, Step::Continue) {
                        return Ok(step);
                    }
                }
                if n < room {
                    return Ok(Step::Continue);
                }
            }
        }
    }

    /// Runs the complete requests kept in `input` (after an unblock, or
    /// when a request spanned reads).
    pub(super) fn run_pending(&mut self) -> Step {
        let input = std::mem::take(&mut self.input);
        let (consumed, step) = self.run_requests(&input);
        let mut input = input;
        input.drain(..consumed);
        if input.is_empty() && input.capacity() > 4 * READ_CHUNK {
            input = Vec::new();
        }
        self.input = input;
        step
    }

    /// Decodes and runs the requests at the start of `data`; returns the
    /// bytes consumed and what to do next.
    fn run_requests(&mut self, data: &[u8]) -> (usize, Step) {
        let mut pos = 0;
        let mut argv: Vec<&[u8]> = Vec::new();
        while !self.closing && self.blocked.is_none() {
            if self.output.len() - self.written > OUTPUT_HIGH_WATER && self.flush().is_err() {
                self.closing = true;
                break;
            }
            argv.clear();
            self.decoder
                .set_authenticated(self.session.is_authenticated());
            let n = match self.decoder.decode(&data[pos..], &mut argv) {
                Ok(Some(n)) => n,
                Ok(None) => break,
                Err(e) => {
                    e.encode(&mut self.output);
                    self.closing = true;
                    pos = data.len();
                    break;
                }
            };
            pos += n;
            // An inline request with escapes: the decoder holds its words.
            let step = match self.decoder.owned_args() {
                Some(owned) => {
                    let owned: Vec<Vec<u8>> = owned.to_vec();
                    let args: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
                    self.run_one(&args)
                }
                None => self.run_one(&argv),
            };
            if let Some(step) = step {
                return (pos, step);
            }
        }
        (pos, Step::Continue)
    }

    /// Runs one request; `Some` when the worker must act on it.
    fn run_one(&mut self, argv: &[&[u8]]) -> Option<Step> {
        let name = argv.first()?;
        if name.eq_ignore_ascii_case(b"shutdown") && !self.session.in_multi() {
            match shutdown_reply(self.session.store(), argv, self.session.is_authenticated()) {
                Some(reply) => self.push_reply(&reply),
                None => return Some(Step::Shutdown),
            }
            return None;
        }
        match self.session.execute_nonblocking(argv) {
            Next::Reply(reply) if self.session.has_pubsub_output() => {
                // Messages that arrived before the reply go first, unless
                // the reply holds them already (a subscribe command's
                // confirmations come in order with them).
                if self.session.reply_has_messages() {
                    self.push_reply(&reply);
                    self.drain_pubsub();
                } else {
                    self.drain_pubsub();
                    self.push_reply(&reply);
                }
            }
            Next::Reply(reply) => self.push_reply(&reply),
            Next::Block => {
                let owned = argv.iter().map(|a| a.to_vec()).collect();
                return Some(Step::Block(owned));
            }
        }
        if self.session.should_close() {
            self.closing = true;
        }
        None
    }

    /// Encodes a reply in the session's protocol.
    pub(super) fn push_reply(&mut self, reply: &Reply) {
        if !self.killed {
            reply.encode(self.session.protocol(), &mut self.output);
        }
    }

    /// Bytes waiting for the socket.
    fn unwritten(&self) -> usize {
        self.output.len() - self.written
    }

    /// Moves the subscriber's messages into the output while it is below
    /// the high-water mark; otherwise leaves them queued and marks the
    /// connection deferred. A subscriber disconnected
    /// for its limit, or an output past that limit, closes the connection
    /// at once, as Redis does.
    pub(super) fn drain_pubsub(&mut self) {
        if self.killed || !self.session.has_pubsub_output() {
            self.pubsub_deferred = false;
            return;
        }
        if self.unwritten() >= OUTPUT_HIGH_WATER {
            // The messages wait in the queue, where the limit applies; a
            // client that stopped reading is disconnected there.
            self.pubsub_deferred = true;
            if self.session.pubsub_overflowed() {
                self.kill();
            }
            return;
        }
        self.pubsub_deferred = false;
        let protocol = self.session.protocol();
        let output = &mut self.output;
        let drained = self
            .session
            .drain_messages(|m| encode_message(m, protocol, output));
        if drained.is_err() || self.output_over_limit() {
            self.kill();
        }
    }

    /// Redis's `client-output-buffer-limit pubsub` on what the output
    /// holds (the queue has its own check): at the hard limit, or over the
    /// soft one for longer than its seconds.
    fn output_over_limit(&mut self) -> bool {
        let limit = self.session.store().inner.pubsub.limit();
        let bytes = u64::try_from(self.unwritten()).unwrap_or(u64::MAX);
        if limit.hard != 0 && bytes >= limit.hard {
            return true;
        }
        if limit.soft == 0 || bytes < limit.soft {
            self.over_soft_since = None;
            return false;
        }
        let now = Instant::now();
        let since = *self.over_soft_since.get_or_insert(now);
        now.duration_since(since) > Duration::from_secs(limit.soft_seconds)
    }

    /// After a write: the messages left queued while the output was high.
    pub(super) fn refill_pubsub(&mut self) -> io::Result<()> {
        if self.pubsub_deferred && self.unwritten() < OUTPUT_HIGH_WATER {
            self.drain_pubsub();
            self.flush()?;
        }
        Ok(())
    }

    /// Closes without writing what is left (Redis frees such a client).
    fn kill(&mut self) {
        self.killed = true;
        self.closing = true;
        self.pubsub_deferred = false;
        self.output = Vec::new();
        self.written = 0;
    }

    /// Flushes now, unless the worker flushes every connection at the end
    /// of its round (one commit for all of them).
    pub(super) fn flush_unless_deferred(&mut self) -> io::Result<()> {
        if crate::persist::engine::deferring() {
            return Ok(());
        }
        self.flush()
    }

    /// Writes as much pending output as the socket takes, after committing
    /// the writes whose replies are in it (under `appendfsync always`, their
    /// fsync). If they cannot be made durable, the replies not yet sent are
    /// dropped and the connection closes: the client cannot tell which of
    /// its writes were kept, as when Redis exits on a failed fsync.
    pub(super) fn flush(&mut self) -> io::Result<()> {
        if self.killed {
            return Ok(());
        }
        if self.written < self.output.len()
            && let Err(e) = self.session.store().inner.commit_pending()
        {
            self.output.truncate(self.written);
            self.closing = true;
            return Err(io::Error::other(e.to_string()));
        }
        while self.written < self.output.len() {
            match self.stream.write(&self.output[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.written == self.output.len() {
            self.output.clear();
            self.written = 0;
            if self.output.capacity() > 4 * OUTPUT_HIGH_WATER {
                self.output = Vec::new();
            }
        }
        Ok(())
    }

    /// Whether replies are waiting for the socket to take them.
    pub(super) fn output_pending(&self) -> bool {
        !self.output.is_empty()
    }

    /// Whether everything was written and the connection should now close.
    pub(super) fn done(&self) -> bool {
        self.killed || (self.closing && self.output.is_empty())
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let total = &self.session.store().inner.stats.client_buffer_bytes;
        total.fetch_sub(self.accounted, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]`: `None` when the server may stop.
/// As Redis: a snapshot is written first with `SAVE`, or when save points
/// are configured and `NOSAVE` is not given; the append log is fsynced. A
/// failure refuses the shutdown unless `FORCE`.
fn shutdown_reply(store: &crate::Store, argv: &[&[u8]], authenticated: bool) -> Option<Reply> {
    if !authenticated {
        return Some(Reply::Error(crate::Error::NoAuth));
    }
    let has = |word: &str| {
        argv[1..]
            .iter()
            .any(|a| a.eq_ignore_ascii_case(word.as_bytes()))
    };
    for arg in &argv[1..] {
        let known = ["nosave", "save", "now", "force"]
            .iter()
            .any(|o| arg.eq_ignore_ascii_case(o.as_bytes()));
        if !known {
            return Some(Reply::Error(crate::Error::Syntax));
        }
    }
    if has("save") && has("nosave") {
        return Some(Reply::Error(crate::Error::Syntax));
    }
    let save = has("save") || (!has("nosave") && store.has_save_points());
    let saved = if save { store.save() } else { Ok(()) };
    let synced = store.sync();
    if (saved.is_err() || synced.is_err()) && !has("force") {
        return Some(Reply::Error(crate::Error::Persistence(
            "Errors trying to SHUTDOWN. Check logs.".into(),
        )));
    }
    None
}
