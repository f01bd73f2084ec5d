//! The store's subscription registry and the publish path.
//!
//! Channels (and, separately, shard channels) map to their subscribers'
//! inboxes in a few hash maps split by the channel's hash, each behind a
//! read-write lock: a publish takes one read lock, looks the channel up and
//! pushes one shared message into each inbox. Patterns are one map from
//! pattern to inboxes, scanned in full by every publish as Redis does, and
//! skipped without a lock while there are none. A publish copies the
//! channel and data once, whatever the number of receivers.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::RwLock;

use super::inbox::Inbox;
use super::limits::{OutputBufferLimit, PubSubSettings, class};
use super::message::{Body, Message, MessageKind};
use crate::glob::glob_match;

type Subscribers = Vec<Arc<Inbox>>;
type Map = HashMap<Arc<[u8]>, Subscribers, ahash::RandomState>;

/// One subscribed pattern.
struct Pattern {
    /// How many bytes at its start are plain (before any `*`, `?`, `[`
    /// or `\`): a channel that does not start with them cannot match,
    /// which rejects most patterns with one comparison.
    literal: usize,
    subscribers: Subscribers,
}

impl Pattern {
    fn new(pattern: &[u8]) -> Pattern {
        Pattern {
            literal: pattern
                .iter()
                .position(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
                .unwrap_or(pattern.len()),
            subscribers: Vec::new(),
        }
    }

    fn matches(&self, pattern: &[u8], channel: &[u8]) -> bool {
        channel.starts_with(&pattern[..self.literal]) && glob_match(pattern, channel, false)
    }
}

type Patterns = HashMap<Arc<[u8]>, Pattern, ahash::RandomState>;

/// Channel maps per registry: publishes to different channels rarely share
/// a lock word.
const SHARDS: usize = 16;

/// Channels to their subscribers.
struct Registry {
    hasher: ahash::RandomState,
    shards: Box<[RwLock<Map>]>,
    /// Channels with at least one subscriber.
    channels: AtomicUsize,
}

impl Registry {
    fn new() -> Registry {
        let hasher = ahash::RandomState::new();
        Registry {
            shards: (0..SHARDS)
                .map(|_| RwLock::new(Map::with_hasher(hasher.clone())))
                .collect(),
            hasher,
            channels: AtomicUsize::new(0),
        }
    }

    fn shard(&self, channel: &[u8]) -> &RwLock<Map> {
        let i = usize::try_from(self.hasher.hash_one(channel)).unwrap_or(0) % SHARDS;
        &self.shards[i]
    }

    /// Adds `inbox` to `channel`'s subscribers (the caller knows it was
    /// not one).
    fn add(&self, channel: &Arc<[u8]>, inbox: &Arc<Inbox>) {
        let mut map = self.shard(channel).write();
        let subs = map.entry(Arc::clone(channel)).or_insert_with(|| {
            self.channels.fetch_add(1, Ordering::Relaxed);
            Vec::new()
        });
        subs.push(Arc::clone(inbox));
    }

    fn remove(&self, channel: &[u8], inbox: &Arc<Inbox>) {
        let mut map = self.shard(channel).write();
        remove_from(&mut map, channel, inbox, &self.channels);
    }

    fn deliver(&self, channel: &[u8], mut each: impl FnMut(&Arc<Inbox>)) {
        if self.channels.load(Ordering::Relaxed) == 0 {
            return;
        }
        if let Some(subs) = self.shard(channel).read().get(channel) {
            subs.iter().for_each(&mut each);
        }
    }

    fn count(&self, channel: &[u8]) -> usize {
        self.shard(channel).read().get(channel).map_or(0, Vec::len)
    }

    fn names(&self, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for shard in &*self.shards {
            let map = shard.read();
            out.extend(
                map.keys()
                    .filter(|c| pattern.is_none_or(|p| glob_match(p, c, false)))
                    .map(|c| c.to_vec()),
            );
        }
        out
    }
}

/// Removes `inbox` from `name`'s subscribers, and the entry once empty.
fn remove_from(map: &mut Map, name: &[u8], inbox: &Arc<Inbox>, names: &AtomicUsize) {
    let Some(subs) = map.get_mut(name) else {
        return;
    };
    subs.retain(|s| !Arc::ptr_eq(s, inbox));
    if subs.is_empty() {
        map.remove(name);
        names.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Which registry a subscription is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Space {
    Channel,
    Pattern,
    Shard,
}

/// Every subscription of one store.
pub(crate) struct Broker {
    pub(crate) settings: Arc<PubSubSettings>,
    channels: Registry,
    shard_channels: Registry,
    patterns: RwLock<Patterns>,
    /// Distinct patterns (`PUBSUB NUMPAT`).
    pattern_count: AtomicUsize,
    /// Every subscriber's inbox, by address: what `queued_bytes` sums.
    inboxes: parking_lot::Mutex<HashMap<usize, Arc<Inbox>, ahash::RandomState>>,
}

impl Broker {
    pub(crate) fn new(settings: Arc<PubSubSettings>) -> Broker {
        Broker {
            settings,
            channels: Registry::new(),
            shard_channels: Registry::new(),
            patterns: RwLock::new(Patterns::default()),
            pattern_count: AtomicUsize::new(0),
            inboxes: parking_lot::Mutex::default(),
        }
    }

    /// Bytes of the registries' fixed arrays (part of the store's
    /// startup memory).
    pub(crate) fn fixed_bytes() -> usize {
        2 * crate::memory::alloc::alloc_size(SHARDS * std::mem::size_of::<RwLock<Map>>())
    }

    /// Registers a new subscriber's inbox (for `queued_bytes`).
    pub(crate) fn register(&self, inbox: &Arc<Inbox>) {
        let key = Arc::as_ptr(inbox).addr();
        self.inboxes.lock().insert(key, Arc::clone(inbox));
    }

    /// Forgets a dropped subscriber's inbox.
    pub(crate) fn unregister(&self, inbox: &Arc<Inbox>) {
        self.inboxes.lock().remove(&(Arc::as_ptr(inbox).addr()));
    }

    /// Bytes of the messages waiting in subscribers' queues (what each
    /// message takes, see `Message::mem_bytes`): what lagging subscribers
    /// cost, as Redis's pub/sub clients' output buffers. O(subscribers),
    /// so that publishing and reading touch no shared counter.
    pub(crate) fn queued_bytes(&self) -> usize {
        self.inboxes.lock().values().map(|i| i.queued_bytes()).sum()
    }

    pub(crate) fn add(&self, space: Space, name: &Arc<[u8]>, inbox: &Arc<Inbox>) {
        match space {
            Space::Channel => self.channels.add(name, inbox),
            Space::Shard => self.shard_channels.add(name, inbox),
            Space::Pattern => {
                let mut map = self.patterns.write();
                let pattern = map.entry(Arc::clone(name)).or_insert_with(|| {
                    self.pattern_count.fetch_add(1, Ordering::Relaxed);
                    Pattern::new(name)
                });
                pattern.subscribers.push(Arc::clone(inbox));
            }
        }
    }

    pub(crate) fn remove(&self, space: Space, name: &[u8], inbox: &Arc<Inbox>) {
        match space {
            Space::Channel => self.channels.remove(name, inbox),
            Space::Shard => self.shard_channels.remove(name, inbox),
            Space::Pattern => {
                let mut map = self.patterns.write();
                if let Some(pattern) = map.get_mut(name) {
                    pattern.subscribers.retain(|s| !Arc::ptr_eq(s, inbox));
                    if pattern.subscribers.is_empty() {
                        map.remove(name);
                        self.pattern_count.fetch_sub(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }

    /// `PUBLISH`: delivers `data` to `channel`'s subscribers, then to the
    /// subscribers of every matching pattern (a subscriber of both gets it
    /// twice, as in Redis); returns how many deliveries were queued.
    pub(crate) fn publish(&self, channel: &[u8], data: &[u8]) -> usize {
        let limit = self.settings.pubsub_limit();
        let mut shared = SharedBytes::new(channel, data);
        let mut received = 0;
        self.channels.deliver(channel, |inbox| {
            let message = Message::published(MessageKind::Message, None, shared.get());
            received += usize::from(inbox.deliver(message, &limit));
        });
        if self.pattern_count.load(Ordering::Relaxed) != 0 {
            for (name, pattern) in self.patterns.read().iter() {
                if !pattern.matches(name, channel) {
                    continue;
                }
                for inbox in &pattern.subscribers {
                    let message = Message::published(
                        MessageKind::PMessage,
                        Some(Arc::clone(name)),
                        shared.get(),
                    );
                    received += usize::from(inbox.deliver(message, &limit));
                }
            }
        }
        received
    }

    /// `SPUBLISH`: delivers to the shard channel's subscribers.
    pub(crate) fn spublish(&self, channel: &[u8], data: &[u8]) -> usize {
        let limit = self.settings.pubsub_limit();
        let mut shared = SharedBytes::new(channel, data);
        let mut received = 0;
        self.shard_channels.deliver(channel, |inbox| {
            let message = Message::published(MessageKind::SMessage, None, shared.get());
            received += usize::from(inbox.deliver(message, &limit));
        });
        received
    }

    /// Whether anyone subscribed to a channel or a pattern (keyspace
    /// events are not even built otherwise).
    fn has_subscribers(&self) -> bool {
        self.channels.channels.load(Ordering::Relaxed) != 0
            || self.pattern_count.load(Ordering::Relaxed) != 0
    }

    /// Redis's `notifyKeyspaceEvent`: when events of `class` are on,
    /// publishes `event` on `__keyspace@0__:<key>` (with `K`) and `key` on
    /// `__keyevent@0__:<event>` (with `E`).
    pub(crate) fn notify(&self, class: u32, event: &str, key: &[u8]) {
        let flags = self.settings.notify_flags();
        if flags & class == 0 || !self.has_subscribers() {
            return;
        }
        if flags & class::KEYSPACE != 0 {
            let mut channel = Vec::with_capacity(KEYSPACE_PREFIX.len() + key.len());
            channel.extend_from_slice(KEYSPACE_PREFIX);
            channel.extend_from_slice(key);
            self.publish(&channel, event.as_bytes());
        }
        if flags & class::KEYEVENT != 0 {
            let mut channel = Vec::with_capacity(KEYEVENT_PREFIX.len() + event.len());
            channel.extend_from_slice(KEYEVENT_PREFIX);
            channel.extend_from_slice(event.as_bytes());
            self.publish(&channel, key);
        }
    }

    /// `PUBSUB CHANNELS [pattern]` / `PUBSUB SHARDCHANNELS [pattern]`.
    pub(crate) fn channel_names(&self, shard: bool, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        self.registry(shard).names(pattern)
    }

    /// `PUBSUB NUMSUB` / `PUBSUB SHARDNUMSUB` for one channel.
    pub(crate) fn subscriber_count(&self, shard: bool, channel: &[u8]) -> usize {
        self.registry(shard).count(channel)
    }

    /// `PUBSUB NUMPAT`: distinct patterns with a subscriber.
    pub(crate) fn pattern_count(&self) -> usize {
        self.pattern_count.load(Ordering::Relaxed)
    }

    fn registry(&self, shard: bool) -> &Registry {
        if shard {
            &self.shard_channels
        } else {
            &self.channels
        }
    }

    /// The current subscriber queue limit.
    pub(crate) fn limit(&self) -> OutputBufferLimit {
        self.settings.pubsub_limit()
    }
}

const KEYSPACE_PREFIX: &[u8] = b"__keyspace@0__:";
const KEYEVENT_PREFIX: &[u8] = b"__keyevent@0__:";

/// A publish's channel and data, made into a message body when the first
/// receiver is found (and never when there is none).
struct SharedBytes<'a> {
    channel: &'a [u8],
    data: &'a [u8],
    body: Option<Body>,
}

impl<'a> SharedBytes<'a> {
    fn new(channel: &'a [u8], data: &'a [u8]) -> Self {
        SharedBytes {
            channel,
            data,
            body: None,
        }
    }

    fn get(&mut self) -> Body {
        let (channel, data) = (self.channel, self.data);
        self.body
            .get_or_insert_with(|| Body::published(channel, data))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The literal-prefix shortcut never changes what matches.
        #[test]
        fn prefix_shortcut_agrees_with_glob(
            pattern in proptest::collection::vec(prop::sample::select(b"ab*?[]^-\\\\x".to_vec()), 0..8),
            channel in proptest::collection::vec(prop::sample::select(b"abx*?[]\\\\".to_vec()), 0..8),
        ) {
            let compiled = Pattern::new(&pattern);
            prop_assert_eq!(
                compiled.matches(&pattern, &channel),
                glob_match(&pattern, &channel, false)
            );
        }
    }
}
