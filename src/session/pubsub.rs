//! A session's pub/sub state: the `SUBSCRIBE` family, Redis 7.0's rules
//! for a subscribed connection, and the messages it receives (Redis's
//! `pubsub.c` and the pub/sub check of `processCommand`).
//!
//! The session owns one [`Subscriber`], made on its first subscribe
//! command. Its confirmations and the messages published to it come out
//! of one ordered queue, so a subscribe command's reply is what the queue
//! holds up to the command's last confirmation: the confirmations, and any
//! message that arrived before one of them, in order. Whatever arrived
//! after stays in the session's `pending` queue, read with
//! [`Session::next_message`] or, in the RESP server, written to the
//! connection.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use super::Session;
use crate::{Error, Message, Protocol, Reply, Result, Subscriber};

/// The hook a server gives a session: called when a message arrives for a
/// connection whose queue had been read empty.
pub(crate) type WakeHook = Arc<dyn Fn() + Send + Sync>;

/// What a connection keeps for pub/sub.
#[derive(Default)]
pub(super) struct PubSub {
    /// Made on the first subscribe command.
    pub(super) subscriber: Option<Subscriber>,
    /// Messages taken from the subscriber, not yet handed out.
    pub(super) pending: VecDeque<Message>,
    /// Given to the subscriber when it is made (the RESP server's wake-up).
    pub(super) wake: Option<WakeHook>,
    /// The last command's reply already holds the messages that arrived
    /// before it (a subscribe command, `EXEC`, `RESET`).
    pub(super) reply_has_messages: bool,
}

/// Commands a RESP2 connection with subscriptions may still send.
fn allowed_while_subscribed(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "psubscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "punsubscribe"
            | "sunsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

/// Whether `name` (a table name) is one of the subscribe commands.
pub(super) fn is_subscription_command(name: &str) -> bool {
    matches!(
        name,
        "subscribe" | "psubscribe" | "ssubscribe" | "unsubscribe" | "punsubscribe" | "sunsubscribe"
    )
}

impl Session {
    /// Whether the connection has a subscription (channels, patterns and
    /// shard channels together). While it has one, a RESP2 connection may
    /// only send `(P|S)SUBSCRIBE`, `(P|S)UNSUBSCRIBE`, `PING`, `QUIT` and
    /// `RESET`, as in Redis; a RESP3 one may send anything.
    #[must_use]
    pub fn is_subscribed(&self) -> bool {
        self.subscription_counts().iter().any(|&n| n > 0)
    }

    /// The next message published to this session's subscriptions, waiting
    /// up to `timeout` for one (`Duration::ZERO` only polls); `Ok(None)` if
    /// none came, or if the session never subscribed.
    ///
    /// A subscribe command's reply holds its confirmations (and the
    /// messages that arrived before them); everything after is read here.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kvstore::{Reply, Session, Store};
    ///
    /// let store = Store::new();
    /// let mut session = Session::new(&store);
    /// let confirm = |channel: &str, count| {
    ///     Reply::Push(vec![
    ///         Reply::Bulk(b"subscribe".to_vec()),
    ///         Reply::Bulk(channel.as_bytes().to_vec()),
    ///         Reply::Integer(count),
    ///     ])
    /// };
    /// assert_eq!(
    ///     session.execute(&["SUBSCRIBE", "news", "sport"]),
    ///     Reply::Sequence(vec![confirm("news", 1), confirm("sport", 2)])
    /// );
    /// store.publish("news", "hello");
    /// let message = session.next_message(Duration::from_secs(1))?.expect("published");
    /// assert_eq!((message.channel(), message.data()), (Some(&b"news"[..]), &b"hello"[..]));
    /// // RESP2 rules while subscribed.
    /// assert!(session.execute(&["GET", "k"]).is_error());
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::SubscriberOverflow`] when the session fell so far behind
    /// that its queue reached the pub/sub output-buffer limit: as Redis
    /// closes such a connection, the session has then left every
    /// subscription and [`Session::should_close`] is true.
    pub fn next_message(&mut self, timeout: Duration) -> Result<Option<Message>> {
        if let Some(message) = self.pubsub.pending.pop_front() {
            return Ok(Some(message));
        }
        let Some(subscriber) = &mut self.pubsub.subscriber else {
            return Ok(None);
        };
        let next = subscriber.get_message(timeout);
        if next.is_err() {
            self.overflowed();
        }
        next
    }

    /// Channels, patterns and shard channels subscribed.
    pub(super) fn subscription_counts(&self) -> [usize; 3] {
        self.pubsub
            .subscriber
            .as_ref()
            .map_or([0; 3], Subscriber::counts)
    }

    /// Gives the subscriber this session makes a wake-up hook (the RESP
    /// server's: a message for this connection is waiting).
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn set_wake(&mut self, wake: WakeHook) {
        self.pubsub.wake = Some(wake);
    }

    /// Whether there may be messages to hand out.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn has_pubsub_output(&self) -> bool {
        self.pubsub.subscriber.is_some() || !self.pubsub.pending.is_empty()
    }

    /// Whether the last command's reply already holds the messages that
    /// arrived before it; if not, a server writes those first.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn reply_has_messages(&self) -> bool {
        self.pubsub.reply_has_messages
    }

    /// Whether the subscriber was disconnected for exceeding its
    /// output-buffer limit (without taking its messages).
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn pubsub_overflowed(&self) -> bool {
        self.pubsub
            .subscriber
            .as_ref()
            .is_some_and(crate::Subscriber::overflowed)
    }

    /// Hands every message available now to `f`, in order, without
    /// waiting (how the RESP server writes them).
    ///
    /// # Errors
    ///
    /// [`Error::SubscriberOverflow`]: the connection must close.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn drain_messages(&mut self, mut f: impl FnMut(&Message)) -> Result<()> {
        self.pubsub.pending.drain(..).for_each(|m| f(&m));
        let Some(subscriber) = &mut self.pubsub.subscriber else {
            return Ok(());
        };
        let drained = subscriber.drain(f);
        if drained.is_err() {
            self.overflowed();
        }
        drained
    }

    /// Takes everything the subscriber holds into `pending`.
    fn collect(&mut self) -> Result<()> {
        let Some(subscriber) = &mut self.pubsub.subscriber else {
            return Ok(());
        };
        let pending = &mut self.pubsub.pending;
        let drained = subscriber.drain(|m| pending.push_back(m.clone()));
        if drained.is_err() {
            self.overflowed();
        }
        drained
    }

    /// The subscriber was disconnected for exceeding its limit: as Redis
    /// closes the connection, the session leaves pub/sub and asks to close.
    fn overflowed(&mut self) {
        self.pubsub.subscriber = None;
        self.pubsub.pending.clear();
        self.closing = true;
    }

    /// Redis's pub/sub check of `processCommand`: the error for `name` on
    /// a RESP2 connection with subscriptions, if it is refused.
    pub(super) fn pubsub_refusal(&self, name: &str) -> Option<Error> {
        // Cheapest first: most sessions never subscribe.
        (self.pubsub.subscriber.is_some()
            && self.protocol == Protocol::Resp2
            && self.is_subscribed()
            && !allowed_while_subscribed(name))
        .then(|| Error::PubSubContext(name.to_owned()))
    }

    /// `PING` on a RESP2 connection with subscriptions answers
    /// `["pong", message or ""]`; `None` elsewhere (the plain `PING`).
    pub(super) fn pubsub_ping(&self, argv: &[&[u8]]) -> Option<Reply> {
        if self.pubsub.subscriber.is_none()
            || self.protocol != Protocol::Resp2
            || !self.is_subscribed()
        {
            return None;
        }
        let reply = match argv {
            [_] => Reply::Array(vec![Reply::Bulk(b"pong".to_vec()), Reply::Bulk(Vec::new())]),
            [_, message] => Reply::Array(vec![
                Reply::Bulk(b"pong".to_vec()),
                Reply::Bulk(message.to_vec()),
            ]),
            _ => Reply::Error(Error::WrongArity("ping".into())),
        };
        Some(reply)
    }

    /// Runs a subscribe command (`name` is its table name); the reply is
    /// its confirmations, each a [`Reply::Push`], with the messages that
    /// arrived before them.
    pub(super) fn subscription_command(&mut self, name: &str, argv: &[&[u8]]) -> Reply {
        // As Redis: a transaction cannot wait for shard messages (SUBSCRIBE
        // and PSUBSCRIBE are let through for compatibility).
        if name == "ssubscribe" && self.in_exec {
            return Reply::Error(Error::DenyBlocking("SSUBSCRIBE"));
        }
        let store = &self.store;
        let wake = &self.pubsub.wake;
        let subscriber = self.pubsub.subscriber.get_or_insert_with(|| match wake {
            Some(wake) => {
                let wake = Arc::clone(wake);
                store.subscriber_with_wake(Box::new(move || wake()))
            }
            None => store.subscriber(),
        });
        let names = argv.get(1..).unwrap_or_default();
        match name {
            "subscribe" => subscriber.subscribe(names),
            "psubscribe" => subscriber.psubscribe(names),
            "ssubscribe" => subscriber.ssubscribe(names),
            "unsubscribe" => subscriber.unsubscribe(names),
            "punsubscribe" => subscriber.punsubscribe(names),
            _ => subscriber.sunsubscribe(names),
        }
        if let Err(e) = self.collect() {
            return Reply::Error(e);
        }
        self.pubsub.reply_has_messages = true;
        let pending = &mut self.pubsub.pending;
        let through = pending
            .iter()
            .rposition(|m| m.kind().is_confirmation())
            .map_or(0, |last| last + 1);
        let reply = Reply::Sequence(pending.drain(..through).map(|m| Reply::from(&m)).collect());
        // Left everything: nothing more can come, and a connection without
        // a subscriber skips every pub/sub step.
        if self.pubsub.pending.is_empty() && !self.is_subscribed() {
            self.pubsub.subscriber = None;
        }
        reply
    }

    /// `reply`, preceded by the messages that arrived before it (how Redis
    /// interleaves them in `EXEC`'s reply).
    pub(super) fn after_messages(&mut self, reply: Reply) -> Reply {
        if !self.has_pubsub_output() {
            return reply;
        }
        // An overflow closes the connection; the reply still stands.
        let _ = self.collect();
        if self.pubsub.pending.is_empty() {
            return reply;
        }
        let mut replies: Vec<Reply> = self
            .pubsub
            .pending
            .drain(..)
            .map(|m| Reply::from(&m))
            .collect();
        replies.push(reply);
        Reply::Sequence(replies)
    }

    /// `RESET` leaves every subscription without confirming it; the
    /// messages that arrived before come first (Redis had already written
    /// them).
    pub(super) fn reset_pubsub(&mut self, reply: Reply) -> Reply {
        if !self.has_pubsub_output() {
            return reply;
        }
        let reply = self.after_messages(reply);
        self.pubsub = PubSub {
            wake: self.pubsub.wake.take(),
            reply_has_messages: true,
            ..PubSub::default()
        };
        reply
    }
}
