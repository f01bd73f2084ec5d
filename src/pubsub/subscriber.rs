//! [`Subscriber`]: one pub/sub client of a store.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::broker::Space;
use super::inbox::{Inbox, Taken, Wake};
use super::message::{Message, MessageKind};
use crate::{Error, Result, Store};

type Names = HashSet<Arc<[u8]>, ahash::RandomState>;

/// A pub/sub client of a [`Store`]: subscribes to channels, patterns and
/// shard channels, and receives, in order, the confirmations of its own
/// subscription changes and the messages published after them.
///
/// It is `Send`: subscribe on one thread, read on another, while any
/// thread publishes. Reading waits ([`Subscriber::listen`]) or polls
/// ([`Subscriber::get_message`]). Publishers never wait for a subscriber:
/// its queue is bounded (see [`OutputBufferLimit`](crate::OutputBufferLimit))
/// and one that falls too far behind is disconnected, as Redis disconnects
/// it; its next read then returns [`Error::SubscriberOverflow`]. Dropping
/// it unsubscribes from everything.
///
/// ```
/// use std::time::Duration;
/// use kvstore::{MessageKind, Store};
///
/// let store = Store::new();
/// let mut sub = store.subscriber();
/// sub.subscribe(["orders"]);
/// sub.psubscribe(["user:*"]);
///
/// let publisher = store.clone();
/// std::thread::spawn(move || {
///     publisher.publish("orders", "#1");
///     publisher.publish("user:7", "logged in");
/// })
/// .join()
/// .unwrap();
///
/// let received: Vec<_> = sub
///     .listen()
///     .filter_map(Result::ok)
///     .filter(|m| !m.kind().is_confirmation())
///     .take(2)
///     .map(|m| (m.kind(), m.data().to_vec()))
///     .collect();
/// assert_eq!(
///     received,
///     [
///         (MessageKind::Message, b"#1".to_vec()),
///         (MessageKind::PMessage, b"logged in".to_vec()),
///     ]
/// );
/// assert_eq!(sub.get_message(Duration::ZERO)?, None);
/// # Ok::<(), kvstore::Error>(())
/// ```
pub struct Subscriber {
    store: Store,
    inbox: Arc<Inbox>,
    channels: Names,
    patterns: Names,
    shard_channels: Names,
    /// Messages taken from the inbox, not yet handed out.
    batch: VecDeque<Message>,
    /// Disconnected for exceeding its limit (reported on every read).
    overflowed: bool,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber")
            .field("channels", &self.channels.len())
            .field("patterns", &self.patterns.len())
            .field("shard_channels", &self.shard_channels.len())
            .field("overflowed", &self.overflowed)
            .finish_non_exhaustive()
    }
}

impl Subscriber {
    pub(crate) fn new(store: &Store, wake: Option<Wake>) -> Subscriber {
        let inbox = Arc::new(Inbox::new(wake));
        store.inner.pubsub.register(&inbox);
        Subscriber {
            store: store.clone(),
            inbox,
            channels: Names::default(),
            patterns: Names::default(),
            shard_channels: Names::default(),
            batch: VecDeque::new(),
            overflowed: false,
        }
    }

    /// `SUBSCRIBE`: receive what is published to `channels` from now on.
    /// Each is confirmed by a [`MessageKind::Subscribe`] message carrying
    /// the subscription count (a channel already subscribed is confirmed
    /// again, unchanged, as Redis does).
    pub fn subscribe<I, C>(&mut self, channels: I)
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        for channel in channels {
            self.add(Space::Channel, channel.as_ref());
        }
    }

    /// `PSUBSCRIBE`: receive what is published to channels matching the
    /// glob `patterns` (the syntax of `KEYS`), as [`MessageKind::PMessage`].
    pub fn psubscribe<I, P>(&mut self, patterns: I)
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        for pattern in patterns {
            self.add(Space::Pattern, pattern.as_ref());
        }
    }

    /// `SSUBSCRIBE`: receive what is published with `SPUBLISH` to the shard
    /// `channels`, as [`MessageKind::SMessage`]. Their count is kept apart
    /// from channels and patterns, as in Redis.
    pub fn ssubscribe<I, C>(&mut self, channels: I)
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        for channel in channels {
            self.add(Space::Shard, channel.as_ref());
        }
    }

    /// `UNSUBSCRIBE`: stop receiving from `channels`; with none, from every
    /// channel. Each is confirmed (a channel not subscribed too), and an
    /// unsubscribe-all with no channel subscribed is confirmed once, with no
    /// channel.
    pub fn unsubscribe<I, C>(&mut self, channels: I)
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        self.remove_some(Space::Channel, channels);
    }

    /// `PUNSUBSCRIBE`: as [`Subscriber::unsubscribe`], for patterns.
    pub fn punsubscribe<I, P>(&mut self, patterns: I)
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        self.remove_some(Space::Pattern, patterns);
    }

    /// `SUNSUBSCRIBE`: as [`Subscriber::unsubscribe`], for shard channels.
    pub fn sunsubscribe<I, C>(&mut self, channels: I)
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        self.remove_some(Space::Shard, channels);
    }

    /// Channels and patterns subscribed (the count `SUBSCRIBE` and
    /// `PSUBSCRIBE` confirm).
    #[must_use]
    pub fn subscription_count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// Shard channels subscribed (the count `SSUBSCRIBE` confirms).
    #[must_use]
    pub fn shard_subscription_count(&self) -> usize {
        self.shard_channels.len()
    }

    /// Channels, patterns and shard channels subscribed, apart (`CLIENT
    /// LIST`'s `sub`, `psub` and `ssub`).
    pub(crate) fn counts(&self) -> [usize; 3] {
        [
            self.channels.len(),
            self.patterns.len(),
            self.shard_channels.len(),
        ]
    }

    /// Waits up to `timeout` for the next message; `Ok(None)` if none came
    /// (`Duration::ZERO` only polls). `Err` once the subscriber was
    /// disconnected for exceeding its output-buffer limit.
    ///
    /// # Errors
    ///
    /// [`Error::SubscriberOverflow`], on this and every later read.
    pub fn get_message(&mut self, timeout: Duration) -> Result<Option<Message>> {
        // A timeout too long to represent waits forever.
        self.next(Instant::now().checked_add(timeout))
    }

    /// A blocking iterator over the messages, as redis-py's `listen()`:
    /// each item waits for the next message. After a disconnect it yields
    /// the error once and ends.
    pub fn listen(&mut self) -> Listen<'_> {
        Listen {
            subscriber: self,
            done: false,
        }
    }

    fn next(&mut self, deadline: Option<Instant>) -> Result<Option<Message>> {
        if let Some(message) = self.batch.pop_front() {
            return Ok(Some(message));
        }
        self.refill(deadline)?;
        Ok(self.batch.pop_front())
    }

    /// Takes what the inbox holds into the batch, waiting until
    /// `deadline` (forever for `None`) for something.
    fn refill(&mut self, deadline: Option<Instant>) -> Result<()> {
        if self.overflowed {
            return Err(Error::SubscriberOverflow);
        }
        match self.inbox.take(&mut self.batch, deadline) {
            Taken::Messages | Taken::Empty => {}
            Taken::Overflowed => {
                self.overflowed = true;
                self.batch.clear();
                self.leave_all();
                return Err(Error::SubscriberOverflow);
            }
        }
        Ok(())
    }

    /// Whether the subscriber was disconnected for exceeding its limit
    /// (a read would say so), without reading.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed || self.inbox.overflowed()
    }

    /// Hands every message available now to `f`, without waiting (how the
    /// RESP server writes a subscriber's output).
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn drain(&mut self, mut f: impl FnMut(&Message)) -> Result<()> {
        self.batch.iter().for_each(&mut f);
        self.batch.clear();
        self.refill(Some(Instant::now()))?;
        self.batch.iter().for_each(f);
        self.batch.clear();
        Ok(())
    }

    fn names(&mut self, space: Space) -> &mut Names {
        match space {
            Space::Channel => &mut self.channels,
            Space::Pattern => &mut self.patterns,
            Space::Shard => &mut self.shard_channels,
        }
    }

    /// The count a confirmation in `space` carries.
    fn count(&self, space: Space) -> usize {
        match space {
            Space::Shard => self.shard_subscription_count(),
            Space::Channel | Space::Pattern => self.subscription_count(),
        }
    }

    fn confirm(&self, kind: MessageKind, name: Option<Arc<[u8]>>, space: Space) {
        let message = Message::confirm(kind, name, self.count(space));
        self.inbox
            .deliver(message, &self.store.inner.pubsub.limit());
    }

    fn add(&mut self, space: Space, name: &[u8]) {
        let kind = match space {
            Space::Channel => MessageKind::Subscribe,
            Space::Pattern => MessageKind::PSubscribe,
            Space::Shard => MessageKind::SSubscribe,
        };
        let name: Arc<[u8]> = Arc::from(name);
        let new = self.names(space).insert(Arc::clone(&name));
        // Confirmed before registering: what is published once the
        // subscription exists comes after its confirmation.
        self.confirm(kind, Some(Arc::clone(&name)), space);
        if new {
            self.store.inner.pubsub.add(space, &name, &self.inbox);
        }
    }

    fn remove_some<I, C>(&mut self, space: Space, names: I)
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        let mut any = false;
        for name in names {
            any = true;
            self.remove(space, name.as_ref());
        }
        if any {
            return;
        }
        let all: Vec<Arc<[u8]>> = self.names(space).iter().cloned().collect();
        if all.is_empty() {
            self.confirm(unsubscribe_kind(space), None, space);
        }
        for name in all {
            self.remove(space, &name);
        }
    }

    fn remove(&mut self, space: Space, name: &[u8]) {
        let removed = self.names(space).take(name);
        if removed.is_some() {
            self.store.inner.pubsub.remove(space, name, &self.inbox);
        }
        let name = removed.unwrap_or_else(|| Arc::from(name));
        self.confirm(unsubscribe_kind(space), Some(name), space);
    }

    /// Leaves every subscription without confirmations (drop, overflow).
    fn leave_all(&mut self) {
        for space in [Space::Channel, Space::Pattern, Space::Shard] {
            let names = std::mem::take(self.names(space));
            for name in names {
                self.store.inner.pubsub.remove(space, &name, &self.inbox);
            }
        }
    }
}

fn unsubscribe_kind(space: Space) -> MessageKind {
    match space {
        Space::Channel => MessageKind::Unsubscribe,
        Space::Pattern => MessageKind::PUnsubscribe,
        Space::Shard => MessageKind::SUnsubscribe,
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.inbox.close();
        self.leave_all();
        self.store.inner.pubsub.unregister(&self.inbox);
    }
}

/// The iterator of [`Subscriber::listen`].
#[derive(Debug)]
pub struct Listen<'a> {
    subscriber: &'a mut Subscriber,
    done: bool,
}

impl Iterator for Listen<'_> {
    type Item = Result<Message>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.subscriber.next(None) {
            Ok(Some(message)) => Some(Ok(message)),
            Ok(None) => {
                // Only a closed inbox answers nothing without a deadline.
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
