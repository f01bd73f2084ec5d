//! What a subscriber receives: published messages and the confirmations of
//! its own subscription changes, in the order Redis would send them.

use std::sync::Arc;

/// The kind of a [`Message`], named as Redis names it on the wire (and as
/// redis-py's `message['type']`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// Confirms a `SUBSCRIBE` of one channel.
    Subscribe,
    /// Confirms an `UNSUBSCRIBE` of one channel.
    Unsubscribe,
    /// Confirms a `PSUBSCRIBE` of one pattern.
    PSubscribe,
    /// Confirms a `PUNSUBSCRIBE` of one pattern.
    PUnsubscribe,
    /// Confirms an `SSUBSCRIBE` of one shard channel.
    SSubscribe,
    /// Confirms an `SUNSUBSCRIBE` of one shard channel.
    SUnsubscribe,
    /// A message published to a channel the subscriber subscribed to.
    Message,
    /// A message published to a channel matching a subscribed pattern.
    PMessage,
    /// A message published (`SPUBLISH`) to a subscribed shard channel.
    SMessage,
}

impl MessageKind {
    /// The name Redis sends: `subscribe`, `message`, `pmessage`, ….
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Subscribe => "subscribe",
            MessageKind::Unsubscribe => "unsubscribe",
            MessageKind::PSubscribe => "psubscribe",
            MessageKind::PUnsubscribe => "punsubscribe",
            MessageKind::SSubscribe => "ssubscribe",
            MessageKind::SUnsubscribe => "sunsubscribe",
            MessageKind::Message => "message",
            MessageKind::PMessage => "pmessage",
            MessageKind::SMessage => "smessage",
        }
    }

    /// Whether this confirms a subscription change (and carries a count)
    /// rather than a published message.
    #[must_use]
    pub fn is_confirmation(self) -> bool {
        !matches!(
            self,
            MessageKind::Message | MessageKind::PMessage | MessageKind::SMessage
        )
    }
}

/// One item a [`Subscriber`](crate::Subscriber) receives, with the fields
/// of redis-py's message dict: [`kind`](Message::kind),
/// [`pattern`](Message::pattern), [`channel`](Message::channel) and
/// [`data`](Message::data) (for a confirmation, the running subscription
/// count is [`count`](Message::count), as redis-py's `data` is then an
/// integer).
///
/// A small message (channel and data within [`INLINE`] bytes together)
/// lives inside the `Message` itself, so publishing it allocates nothing;
/// a larger one is stored once and shared by all its receivers.
///
/// ```
/// use std::time::Duration;
/// use kvstore::{MessageKind, Store};
///
/// let store = Store::new();
/// let mut sub = store.subscriber();
/// sub.subscribe(["news"]);
/// store.publish("news", "hello");
///
/// let confirm = sub.get_message(Duration::ZERO)?.unwrap();
/// assert_eq!(confirm.kind(), MessageKind::Subscribe);
/// assert_eq!(confirm.channel(), Some(&b"news"[..]));
/// assert_eq!(confirm.count(), Some(1));
///
/// let msg = sub.get_message(Duration::ZERO)?.unwrap();
/// assert_eq!(msg.kind(), MessageKind::Message);
/// assert_eq!(msg.pattern(), None);
/// assert_eq!(msg.channel(), Some(&b"news"[..]));
/// assert_eq!(msg.data(), b"hello");
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    kind: MessageKind,
    pattern: Option<Arc<[u8]>>,
    body: Body,
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Body {
    /// A small published message: channel then data, in place.
    Inline {
        len: u8,
        split: u8,
        bytes: [u8; INLINE],
    },
    /// A published message: channel and data in one shared buffer.
    Published { bytes: Arc<[u8]>, split: usize },
    /// A confirmation: the channel or pattern (none when unsubscribing
    /// from everything while subscribed to nothing) and the count after it.
    Confirm {
        name: Option<Arc<[u8]>>,
        count: usize,
    },
}

/// Channel and data up to this many bytes together are kept inside the
/// message (no allocation, nothing shared between threads).
pub(crate) const INLINE: usize = 54;

impl Body {
    /// The body of a published message, built once per publish and
    /// cloned for each receiver.
    pub(crate) fn published(channel: &[u8], data: &[u8]) -> Body {
        let total = channel.len() + data.len();
        if total <= INLINE
            && let (Ok(len), Ok(split)) = (u8::try_from(total), u8::try_from(channel.len()))
        {
            let mut bytes = [0u8; INLINE];
            bytes[..channel.len()].copy_from_slice(channel);
            bytes[channel.len()..total].copy_from_slice(data);
            return Body::Inline { len, split, bytes };
        }
        let mut shared = Vec::with_capacity(total);
        shared.extend_from_slice(channel);
        shared.extend_from_slice(data);
        Body::Published {
            bytes: Arc::from(shared),
            split: channel.len(),
        }
    }

    /// Channel and data.
    fn parts(&self) -> Option<(&[u8], &[u8])> {
        match self {
            Body::Inline { len, split, bytes } => {
                let all = bytes.get(..usize::from(*len))?;
                Some(all.split_at_checked(usize::from(*split))?)
            }
            Body::Published { bytes, split } => bytes.split_at_checked(*split),
            Body::Confirm { .. } => None,
        }
    }
}

/// What one queued message costs against a subscriber's output-buffer
/// limit besides its bytes: about what Redis's RESP framing of it takes.
const FRAMING: usize = 48;

impl Message {
    /// A published message.
    pub(crate) fn published(kind: MessageKind, pattern: Option<Arc<[u8]>>, body: Body) -> Message {
        Message {
            kind,
            pattern,
            body,
        }
    }

    /// A confirmation of a subscription change.
    pub(crate) fn confirm(kind: MessageKind, name: Option<Arc<[u8]>>, count: usize) -> Message {
        Message {
            kind,
            pattern: None,
            body: Body::Confirm { name, count },
        }
    }

    /// What kind of message this is.
    #[must_use]
    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// The pattern that matched, for a [`MessageKind::PMessage`]; `None`
    /// otherwise.
    #[must_use]
    pub fn pattern(&self) -> Option<&[u8]> {
        self.pattern.as_deref()
    }

    /// The channel published to; for a confirmation, the channel or pattern
    /// it confirms (`None` when an unsubscribe-all found no subscription,
    /// as Redis then sends a nil channel).
    #[must_use]
    pub fn channel(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Confirm { name, .. } => name.as_deref(),
            body => body.parts().map(|(channel, _)| channel),
        }
    }

    /// The published bytes; empty for a confirmation.
    #[must_use]
    pub fn data(&self) -> &[u8] {
        self.body.parts().map_or(&[], |(_, data)| data)
    }

    /// For a confirmation, the subscriber's number of subscriptions after
    /// it (channels and patterns together; shard channels on their own, as
    /// Redis counts them); `None` for a published message.
    #[must_use]
    pub fn count(&self) -> Option<usize> {
        match &self.body {
            Body::Confirm { count, .. } => Some(*count),
            _ => None,
        }
    }

    /// What the message counts against the subscriber's output-buffer
    /// limit: its bytes plus the RESP framing Redis would add.
    pub(crate) fn cost(&self) -> usize {
        let body = match &self.body {
            Body::Inline { len, .. } => usize::from(*len),
            Body::Published { bytes, .. } => bytes.len(),
            Body::Confirm { name, .. } => name.as_ref().map_or(0, |n| n.len()),
        };
        body + self.pattern.as_ref().map_or(0, |p| p.len()) + FRAMING
    }
}

/// Bytes of the allocation behind an `Arc<[u8]>` of `len` bytes: its two
/// reference counts, then the bytes.
fn arc_bytes(len: usize) -> usize {
    crate::memory::alloc::alloc_size(2 * std::mem::size_of::<usize>() + len)
}

impl Message {
    /// What the message takes in memory while it is queued: its own size
    /// (its slot in the queue) plus the allocations it points to (the
    /// shared channel-and-data buffer, the confirmed name, the pattern),
    /// each counted whole in every queue holding it, as Redis counts a
    /// message once in each subscriber's output buffer.
    pub(crate) fn mem_bytes(&self) -> usize {
        let body = match &self.body {
            Body::Inline { .. } => 0,
            Body::Published { bytes, .. } => arc_bytes(bytes.len()),
            Body::Confirm { name, .. } => name.as_ref().map_or(0, |n| arc_bytes(n.len())),
        };
        let pattern = self.pattern.as_ref().map_or(0, |p| arc_bytes(p.len()));
        std::mem::size_of::<Message>() + body + pattern
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
        let mut s = f.debug_struct("Message");
        s.field("kind", &self.kind.as_str())
            .field("pattern", &text(self.pattern()))
            .field("channel", &text(self.channel()));
        match self.count() {
            Some(count) => s.field("count", &count),
            None => s.field("data", &String::from_utf8_lossy(self.data())),
        };
        s.finish()
    }
}
