//! A client connection's state: what Redis keeps in its `client` struct.
//!
//! [`Session::execute`] runs the connection commands itself (`AUTH`,
//! `HELLO`, `SELECT`, `CLIENT`, `MULTI`/`EXEC`/`DISCARD`, `WATCH`/`UNWATCH`,
//! `QUIT`, `RESET`) and everything else through the command table, with
//! Redis's rules: no command before `AUTH` when a password is set, commands
//! queued between `MULTI` and `EXEC`, errors at queueing time abort `EXEC`
//! with `EXECABORT`, and a changed `WATCH`ed key makes `EXEC` answer nil.
//! The RESP server keeps one per connection; the CLI example uses one too.
//!
//! Pub/sub (`SUBSCRIBE`, `PSUBSCRIBE`, `SSUBSCRIBE` and their
//! `UNSUBSCRIBE`s) follows Redis 7.0 too: a subscribe command answers a
//! [`Reply::Sequence`] of confirmations ([`Reply::Push`] each, one per
//! channel, as Redis sends them); while subscribed, a RESP2 session may
//! only send those, `PING` (answered `["pong", message]`), `QUIT` and
//! `RESET`; `RESET` leaves every subscription. Published messages are read
//! with [`Session::next_message`] (the RESP server writes them to the
//! connection as they arrive). Inside `MULTI`, `SUBSCRIBE` is queued and
//! its confirmations (and any message delivered during the transaction)
//! land inside `EXEC`'s array, whose count, as Redis's, does not include
//! them; `SSUBSCRIBE` is refused there, as in Redis.

mod clients;
mod connection;
mod pubsub;
#[cfg(test)]
mod pubsub_tests;

pub(crate) use clients::Clients;
pub(crate) use connection::standalone;

use std::time::Instant;

use crate::command::{self, flags};
use crate::transaction::Shards;
use crate::watch::Watch;
use crate::{Error, Protocol, Reply, Store};

/// One client's connection state over a [`Store`]: protocol version,
/// authentication, name, `MULTI` queue and `WATCH`ed keys.
///
/// ```
/// use kvstore::{Reply, Session, Store};
///
/// let store = Store::new();
/// let mut session = Session::new(&store);
/// assert_eq!(session.execute(&["MULTI"]), Reply::ok());
/// assert_eq!(session.execute(&["INCR", "n"]), Reply::Simple("QUEUED"));
/// assert_eq!(session.execute(&["INCR", "n"]), Reply::Simple("QUEUED"));
/// assert_eq!(
///     session.execute(&["EXEC"]),
///     Reply::Array(vec![Reply::Integer(1), Reply::Integer(2)])
/// );
/// ```
pub struct Session {
    store: Store,
    id: u64,
    protocol: Protocol,
    authenticated: bool,
    name: Option<Vec<u8>>,
    multi: Option<Multi>,
    watches: Vec<Watch>,
    closing: bool,
    /// Subscriptions and the messages not yet handed out.
    pubsub: pubsub::PubSub,
    /// `EXEC` is running the queue (Redis's `CLIENT_DENY_BLOCKING` there).
    in_exec: bool,
    /// What `CLIENT LIST` shows, as of the last [`Session::publish`] (the
    /// fields that change per command live in the session meanwhile).
    entry: clients::Entry,
    last_command: Instant,
    last_command_name: &'static str,
}

/// Commands queued by `MULTI`.
#[derive(Default)]
struct Multi {
    queue: Vec<Vec<Vec<u8>>>,
    /// A command was refused while queueing: `EXEC` aborts.
    failed: bool,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.store.inner.clients.unregister(self.id);
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("protocol", &self.protocol)
            .field("authenticated", &self.authenticated)
            .field("in_multi", &self.multi.is_some())
            .field("watches", &self.watches.len())
            .finish_non_exhaustive()
    }
}

/// What the server must do with a command before running it.
pub(crate) enum Next {
    /// The reply is ready.
    Reply(Reply),
    /// A blocking command found nothing: run it where it may wait (it
    /// only needs the store, not the session).
    Block,
}

impl Session {
    /// A new connection to `store`. It is authenticated unless the store
    /// has a password (`requirepass`).
    #[must_use]
    pub fn new(store: &Store) -> Session {
        let now = Instant::now();
        let id = store.inner.next_client_id();
        let entry = store.inner.clients.register(clients::Snapshot {
            id,
            peer: String::new(),
            local: String::new(),
            name: None,
            created: now,
            last_active: now,
            last_command: "NULL",
            multi: -1,
            resp: 2,
            subscriptions: [0; 3],
        });
        Session {
            id,
            authenticated: store.requirepass().is_none(),
            store: store.clone(),
            protocol: Protocol::Resp2,
            name: None,
            multi: None,
            watches: Vec::new(),
            closing: false,
            pubsub: pubsub::PubSub::default(),
            in_exec: false,
            entry,
            last_command: now,
            last_command_name: "NULL",
        }
    }

    /// Runs one command with this connection's state and returns Redis's
    /// reply. Blocking commands wait as with [`Store::execute`] (inside
    /// `MULTI` they answer at once, as in Redis).
    pub fn execute<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Reply {
        let args: Vec<&[u8]> = argv.iter().map(AsRef::as_ref).collect();
        self.mark_active(Instant::now());
        let reply = match self.run(&args, true) {
            Next::Reply(reply) => reply,
            // `run` only asks to block when told it may not.
            Next::Block => Reply::NullArray,
        };
        self.publish();
        reply
    }

    /// As [`Session::execute`], but a blocking command that would wait
    /// returns [`Next::Block`] instead.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn execute_nonblocking(&mut self, argv: &[&[u8]]) -> Next {
        self.run(argv, false)
    }

    /// Records client activity at `now` (`CLIENT INFO`'s `idle`). The
    /// server calls it once per batch of requests rather than reading the
    /// clock for each.
    pub(crate) fn mark_active(&mut self, now: Instant) {
        self.last_command = now;
    }

    /// Copies what `CLIENT LIST` shows into the store's client list.
    pub(crate) fn publish(&self) {
        let mut snap = self.entry.lock();
        snap.name.clone_from(&self.name);
        snap.last_active = self.last_command;
        snap.last_command = self.last_command_name;
        snap.multi = self
            .multi
            .as_ref()
            .map_or(-1, |m| i64::try_from(m.queue.len()).unwrap_or(i64::MAX));
        snap.subscriptions = self.subscription_counts();
        snap.resp = if self.protocol == Protocol::Resp3 {
            3
        } else {
            2
        };
    }

    /// The protocol replies are encoded in (`HELLO 3` switches to RESP3).
    #[must_use]
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The store this session runs commands on.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The connection's id (`CLIENT ID`), unique in the store.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether the client may run commands (no password, or `AUTH` done).
    #[must_use]
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// Whether a `MULTI` is open.
    #[must_use]
    pub fn in_multi(&self) -> bool {
        self.multi.is_some()
    }

    /// Whether the client asked to close the connection (`QUIT`).
    #[must_use]
    pub fn should_close(&self) -> bool {
        self.closing
    }

    /// Records the connection's peer and local addresses (`CLIENT INFO`).
    pub fn set_addresses(&mut self, peer: impl Into<String>, local: impl Into<String>) {
        let mut snap = self.entry.lock();
        snap.peer = peer.into();
        snap.local = local.into();
    }

    fn run(&mut self, argv: &[&[u8]], may_block: bool) -> Next {
        self.pubsub.reply_has_messages = false;
        // Redis's order: unknown command and arity first, then NOAUTH.
        let is_exec = argv
            .first()
            .is_some_and(|n| n.eq_ignore_ascii_case(b"exec"));
        let spec = match command::resolve(argv) {
            Ok(spec) => spec,
            Err(e) if is_exec => return Next::Reply(self.refuse_exec(&e)),
            Err(e) => {
                self.flag_multi();
                return Next::Reply(Reply::Error(e));
            }
        };
        self.last_command_name = spec.name;
        if !self.authenticated && !connection::allowed_before_auth(spec.name) {
            if is_exec {
                return Next::Reply(self.refuse_exec(&Error::NoAuth));
            }
            self.flag_multi();
            return Next::Reply(Reply::Error(Error::NoAuth));
        }
        if spec.flags & flags::NO_MULTI != 0 && self.multi.is_some() {
            self.flag_multi();
            return Next::Reply(Reply::Error(Error::NotAllowedInMulti));
        }
        // Redis's OOM check comes first: a command that may grow memory
        // (an EXEC queueing one) is refused past `maxmemory` when nothing
        // can be evicted, and so is queueing anything in MULTI.
        if let Err(e) = self.check_memory(spec, is_exec) {
            if is_exec {
                return Next::Reply(self.refuse_exec(&e));
            }
            self.flag_multi();
            return Next::Reply(Reply::Error(e));
        }
        // Then the MISCONF check, before queueing (and a refused command
        // aborts the EXEC), and before running.
        if let Err(e) = command::check_writable(&self.store, spec) {
            self.flag_multi();
            return Next::Reply(Reply::Error(e));
        }
        // Then the RESP2 pub/sub rule (connection commands included).
        if let Some(e) = self.pubsub_refusal(spec.name) {
            if is_exec {
                return Next::Reply(self.refuse_exec(&e));
            }
            self.flag_multi();
            return Next::Reply(Reply::Error(e));
        }
        if spec.flags & flags::CONNECTION != 0
            && let Some(reply) = self.connection_command(spec.name, argv)
        {
            self.store.count_command();
            return Next::Reply(reply);
        }
        if self.multi.is_none()
            && spec.name == "ping"
            && let Some(reply) = self.pubsub_ping(argv)
        {
            self.store.count_command();
            return Next::Reply(reply);
        }
        if let Some(multi) = &mut self.multi {
            multi.queue.push(argv.iter().map(|a| a.to_vec()).collect());
            return Next::Reply(Reply::Simple("QUEUED"));
        }
        if spec.flags & flags::BLOCKING == 0 || may_block {
            return Next::Reply(command::call(&self.store, spec, argv));
        }
        // Counted when it answers: a command that must wait is run (and
        // counted) again where it waits.
        let reply = crate::blocking::without_waiting(|| (spec.handler)(&self.store, argv));
        match reply {
            Reply::Null | Reply::NullArray => Next::Block,
            other => {
                self.store.count_command();
                Next::Reply(other)
            }
        }
    }

    /// `EXEC` refused before running (wrong arity, no AUTH): Redis discards
    /// the transaction and names the refusal (`execCommandAbort`), without
    /// the `ERR ` of the plain error.
    fn refuse_exec(&mut self, why: &Error) -> Reply {
        self.multi = None;
        self.watches.clear();
        let text = why.to_string();
        let why = text.strip_prefix("ERR ").unwrap_or(&text).to_owned();
        Reply::Error(Error::ExecAbortBecause(why))
    }

    fn flag_multi(&mut self) {
        if let Some(multi) = &mut self.multi {
            multi.failed = true;
        }
    }

    /// `EXEC`: runs the queue atomically, unless a queueing error aborts it
    /// or a watched key changed (nil).
    /// The `maxmemory` part of Redis's `processCommand` for this client.
    fn check_memory(&self, spec: &command::CommandSpec, is_exec: bool) -> Result<(), Error> {
        let queuing =
            self.multi.is_some() && !matches!(spec.name, "exec" | "discard" | "quit" | "reset");
        let denyoom = spec.flags & flags::DENYOOM != 0
            || (is_exec
                && self.multi.as_ref().is_some_and(|m| {
                    m.queue.iter().any(|argv| {
                        let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
                        command::lookup_spec(&argv)
                            .is_some_and(|spec| spec.flags & flags::DENYOOM != 0)
                    })
                }));
        if queuing || denyoom {
            self.store.make_room(None, true)
        } else {
            Ok(())
        }
    }

    fn exec(&mut self) -> Reply {
        let Some(multi) = self.multi.take() else {
            return Reply::Error(Error::ExecWithoutMulti);
        };
        let watches = std::mem::take(&mut self.watches);
        // As Redis's processCommand, before EXEC's own checks: a queue with
        // a write is refused whole while writes are refused (MISCONF).
        let writes = multi.queue.iter().any(|argv| {
            let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            command::lookup_spec(&argv).is_some_and(|spec| spec.flags & flags::WRITE != 0)
        });
        if writes && let Err(e) = self.store.check_write() {
            return self.refuse_exec(&e);
        }
        if multi.failed {
            return Reply::Error(Error::ExecAbort);
        }
        let keyspace = &self.store.inner.keyspace;
        let mut shards = Vec::new();
        let mut all = false;
        for argv in &multi.queue {
            let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            match command::lookup_spec(&argv) {
                Some(spec) if !spec.keys.is_keyless() => {
                    shards.extend(spec.keys(&argv).iter().map(|k| keyspace.locate(k).shard));
                }
                _ => all = true,
            }
        }
        for watch in &watches {
            shards.extend(watch.keys().map(|k| keyspace.locate(k).shard));
        }
        let shards = if all {
            Shards::All
        } else {
            Shards::Some(shards)
        };
        let store = self.store.clone();
        let run = store.run_transaction(shards, |tx| {
            // Checked above: the queued writes pass the gate without
            // asking again, so the queue is applied whole.
            crate::keyspace::tx::mark_gated(&tx.inner.keyspace);
            if crate::watch::any_changed(&watches) {
                return Reply::NullArray;
            }
            self.in_exec = true;
            let replies = multi.queue.iter().map(|argv| {
                let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
                // Connection commands apply to this client, as in Redis.
                let spec = command::lookup_spec(&argv);
                let reply = match spec {
                    Some(spec) if spec.flags & flags::CONNECTION != 0 => self
                        .connection_command(spec.name, &argv)
                        .unwrap_or_else(|| tx.execute(&argv)),
                    Some(spec) if spec.name == "ping" => {
                        self.pubsub_ping(&argv).unwrap_or_else(|| tx.execute(&argv))
                    }
                    _ => tx.execute(&argv),
                };
                // Messages delivered while the command ran (to a client
                // that subscribed in this transaction, or a RESP3 one) go
                // before its reply, inside the array, as Redis writes them.
                match spec {
                    Some(spec) if pubsub::is_subscription_command(spec.name) => reply,
                    _ => self.after_messages(reply),
                }
            });
            let replies = Reply::Array(replies.collect());
            self.in_exec = false;
            self.pubsub.reply_has_messages = true;
            replies
        });
        // The queue's writes are committed together once the locks are
        // released; if they cannot be made durable, EXEC answers that error.
        run.unwrap_or_else(Reply::Error)
    }
}
