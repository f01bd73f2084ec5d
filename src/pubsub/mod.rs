//! In-process pub/sub: Redis's `PUBLISH` / `SUBSCRIBE` family, sharded
//! pub/sub (`SPUBLISH` / `SSUBSCRIBE`) and keyspace notifications.
//!
//! [`Store::publish`] delivers to every [`Subscriber`] of the channel and of
//! every matching pattern, and returns how many received it; only
//! subscriptions made before the publish see it. A subscriber receives, in
//! one ordered stream, the confirmations of its own subscription changes
//! and the messages: messages from one publisher arrive in the order they
//! were published. Publishers never wait for subscribers: each subscriber
//! has a bounded queue ([`OutputBufferLimit`], Redis's
//! `client-output-buffer-limit pubsub`), and one that falls behind past it
//! is disconnected, as Redis disconnects a slow subscriber.
//!
//! With `notify-keyspace-events` set (in [`Config`](crate::Config) or by
//! `CONFIG SET`), writes publish Redis's keyspace events on
//! `__keyspace@0__:<key>` and `__keyevent@0__:<event>`.
//!
//! ```
//! use std::time::Duration;
//! use kvstore::Store;
//!
//! let store = Store::new();
//! store.config_set(&[("notify-keyspace-events", "KEA")])?;
//! let mut events = store.subscriber();
//! events.psubscribe(["__keyevent@0__:*"]);
//! store.set("greeting", "hello")?;
//!
//! let seen: Vec<_> = std::iter::from_fn(|| events.get_message(Duration::ZERO).ok().flatten())
//!     .filter(|m| !m.kind().is_confirmation())
//!     .map(|m| (m.channel().map(<[u8]>::to_vec), m.data().to_vec()))
//!     .collect();
//! assert_eq!(seen, [(Some(b"__keyevent@0__:set".to_vec()), b"greeting".to_vec())]);
//! # Ok::<(), kvstore::Error>(())
//! ```

mod broker;
mod inbox;
mod limits;
mod message;
mod subscriber;

pub(crate) use broker::Broker;
pub use limits::OutputBufferLimit;
pub(crate) use limits::{PubSubSettings, class, format_notify_flags, parse_notify_flags};
pub use message::{Message, MessageKind};
pub use subscriber::{Listen, Subscriber};

use crate::Store;

impl Store {
    /// `PUBLISH`: sends `data` to the subscribers of `channel` and of every
    /// pattern matching it; returns how many received it (a subscriber of
    /// the channel and of a matching pattern counts twice, as in Redis; one
    /// being disconnected for overflow does not count).
    ///
    /// ```
    /// use kvstore::Store;
    ///
    /// let store = Store::new();
    /// assert_eq!(store.publish("news", "nobody listens"), 0);
    /// let mut a = store.subscriber();
    /// a.subscribe(["news"]);
    /// a.psubscribe(["n*"]);
    /// assert_eq!(store.publish("news", "hello"), 2);
    /// ```
    pub fn publish(&self, channel: impl AsRef<[u8]>, data: impl AsRef<[u8]>) -> usize {
        self.inner.pubsub.publish(channel.as_ref(), data.as_ref())
    }

    /// `SPUBLISH`: sends `data` to the subscribers of the shard channel
    /// (see [`Subscriber::ssubscribe`]); returns how many received it.
    pub fn spublish(&self, channel: impl AsRef<[u8]>, data: impl AsRef<[u8]>) -> usize {
        self.inner.pubsub.spublish(channel.as_ref(), data.as_ref())
    }

    /// A new [`Subscriber`], subscribed to nothing yet.
    #[must_use]
    pub fn subscriber(&self) -> Subscriber {
        Subscriber::new(self, None)
    }

    /// A subscriber whose queue calls `wake` when a message arrives after
    /// the last read (the RESP server's event loop).
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn subscriber_with_wake(&self, wake: Box<dyn Fn() + Send + Sync>) -> Subscriber {
        Subscriber::new(self, Some(wake))
    }

    /// `PUBSUB CHANNELS [pattern]`: the channels with at least one
    /// subscriber (patterns not included), optionally only those matching
    /// the glob `pattern`; in no particular order.
    ///
    /// ```
    /// use kvstore::Store;
    ///
    /// let store = Store::new();
    /// let mut sub = store.subscriber();
    /// sub.subscribe(["news.tech", "sport"]);
    /// assert_eq!(store.pubsub_channels(Some("news.*")), [b"news.tech".to_vec()]);
    /// assert_eq!(store.pubsub_numsub(["sport", "none"]), [(b"sport".to_vec(), 1), (b"none".to_vec(), 0)]);
    /// ```
    #[must_use]
    pub fn pubsub_channels(&self, pattern: Option<impl AsRef<[u8]>>) -> Vec<Vec<u8>> {
        let pattern = pattern.as_ref().map(AsRef::as_ref);
        self.inner.pubsub.channel_names(false, pattern)
    }

    /// `PUBSUB NUMSUB channel …`: each channel with its number of
    /// subscribers (patterns not counted).
    #[must_use]
    pub fn pubsub_numsub<I, C>(&self, channels: I) -> Vec<(Vec<u8>, usize)>
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        self.numsub(false, channels)
    }

    /// `PUBSUB NUMPAT`: the number of distinct patterns subscribed.
    #[must_use]
    pub fn pubsub_numpat(&self) -> usize {
        self.inner.pubsub.pattern_count()
    }

    /// `PUBSUB SHARDCHANNELS [pattern]`: as [`Store::pubsub_channels`],
    /// for shard channels.
    #[must_use]
    pub fn pubsub_shardchannels(&self, pattern: Option<impl AsRef<[u8]>>) -> Vec<Vec<u8>> {
        let pattern = pattern.as_ref().map(AsRef::as_ref);
        self.inner.pubsub.channel_names(true, pattern)
    }

    /// `PUBSUB SHARDNUMSUB channel …`: as [`Store::pubsub_numsub`], for
    /// shard channels.
    #[must_use]
    pub fn pubsub_shardnumsub<I, C>(&self, channels: I) -> Vec<(Vec<u8>, usize)>
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        self.numsub(true, channels)
    }

    fn numsub<I, C>(&self, shard: bool, channels: I) -> Vec<(Vec<u8>, usize)>
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        channels
            .into_iter()
            .map(|c| {
                let c = c.as_ref();
                (c.to_vec(), self.inner.pubsub.subscriber_count(shard, c))
            })
            .collect()
    }
}
