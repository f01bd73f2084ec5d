//! One subscriber's queue: publishers push into it (never waiting for the
//! subscriber), the subscriber takes whole batches out of it.
//!
//! The queue is bounded by the `pubsub` class of
//! `client-output-buffer-limit`, with Redis's policy: a subscriber whose
//! queue reaches the hard limit, or stays over the soft limit for longer
//! than the soft period, is disconnected. Its queue is freed at once, every
//! later delivery is refused without queueing, and its next read returns
//! [`Error::SubscriberOverflow`](crate::Error::SubscriberOverflow). The
//! publisher never blocks and never slows down for it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::limits::OutputBufferLimit;
use super::message::Message;

/// Called when a queue that was drained empty receives a message: how an
/// event loop (the RESP server) learns it has pub/sub output to write.
pub(crate) type Wake = Box<dyn Fn() + Send + Sync>;

/// Whether a subscriber still takes messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    /// Disconnected for exceeding its output-buffer limit.
    Overflowed,
    /// Its [`Subscriber`](crate::Subscriber) was dropped.
    Closed,
}

struct Queue {
    messages: VecDeque<Message>,
    /// What `messages` counts against the limit.
    bytes: usize,
    /// What `messages` takes in memory ([`Message::mem_bytes`]).
    mem: usize,
    /// Since when the queue has been over the soft limit.
    over_soft_since: Option<Instant>,
    /// A reader is parked on `ready`.
    waiting: bool,
    /// The next delivery calls the wake hook (the reader took what was
    /// queued since the last call).
    wake_armed: bool,
    state: State,
}

/// The shared half of a subscriber: what publishers deliver into.
pub(crate) struct Inbox {
    queue: Mutex<Queue>,
    ready: Condvar,
    wake: Option<Wake>,
    /// Whether the queue holds messages: what a reader about to park
    /// watches for a moment first, without taking the lock.
    nonempty: AtomicBool,
    /// `Queue::mem`, readable without the lock (the store's
    /// `mem_clients_normal` sums it over every inbox). Written under the
    /// lock: the line is the one the queue's lock is on, so publishers and
    /// the reader share no other line for it.
    queued: AtomicUsize,
}

/// How many times a reader that found its queue empty yields its time
/// slice, watching for a message, before it parks: a message arriving
/// meanwhile costs the publisher no wake-up (a system call), which keeps
/// a steady stream to a fast reader cheap for both.
const SPINS: usize = 64;

/// What a read found.
pub(crate) enum Taken {
    /// Messages, now in the reader's batch, oldest first.
    Messages,
    /// Nothing before the deadline.
    Empty,
    /// The subscriber was disconnected for exceeding its limit.
    Overflowed,
}

impl Inbox {
    pub(crate) fn new(wake: Option<Wake>) -> Inbox {
        Inbox {
            queue: Mutex::new(Queue {
                messages: VecDeque::new(),
                bytes: 0,
                mem: 0,
                over_soft_since: None,
                waiting: false,
                wake_armed: true,
                state: State::Open,
            }),
            ready: Condvar::new(),
            wake,
            nonempty: AtomicBool::new(false),
            queued: AtomicUsize::new(0),
        }
    }

    /// Empties the queue's memory count (its messages are gone or taken).
    fn release(&self, queue: &mut Queue) {
        if std::mem::take(&mut queue.mem) != 0 {
            self.queued.store(0, Ordering::Relaxed);
        }
    }

    /// Bytes the queued messages take in memory ([`Message::mem_bytes`]),
    /// without taking the lock.
    pub(crate) fn queued_bytes(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Queues `message` unless the subscriber is gone or this delivery
    /// takes it over its limit (it is then disconnected). Returns whether
    /// the message was queued. Never blocks on the subscriber.
    pub(crate) fn deliver(&self, message: Message, limit: &OutputBufferLimit) -> bool {
        let cost = message.cost();
        let mut queue = self.queue.lock();
        if queue.state != State::Open {
            return false;
        }
        let bytes = queue.bytes + cost;
        if over_limit(limit, bytes, &mut queue.over_soft_since) {
            // Redis frees the client; here its queue goes at once and its
            // next read reports why.
            queue.state = State::Overflowed;
            queue.messages = VecDeque::new();
            queue.bytes = 0;
            self.release(&mut queue);
            let waiting = queue.waiting;
            drop(queue);
            // Always told, even with a batch unread: a reader that stopped
            // reading must still learn it was disconnected (the server
            // closes the connection on it).
            self.notify(waiting, true);
            return false;
        }
        let mem = message.mem_bytes();
        queue.messages.push_back(message);
        queue.bytes = bytes;
        queue.mem += mem;
        self.queued.store(queue.mem, Ordering::Relaxed);
        if !self.nonempty.load(Ordering::Relaxed) {
            self.nonempty.store(true, Ordering::Release);
        }
        let waiting = queue.waiting;
        let wake = std::mem::take(&mut queue.wake_armed);
        drop(queue);
        self.notify(waiting, wake);
        true
    }

    fn notify(&self, waiting: bool, wake: bool) {
        if waiting {
            self.ready.notify_one();
        }
        if wake && let Some(wake) = &self.wake {
            wake();
        }
    }

    /// Moves everything queued into `batch` (which must be empty; its
    /// room becomes the queue's, so a steady stream allocates nothing),
    /// waiting until `deadline` (forever for `None`, not at all when it has
    /// passed) for something to arrive.
    pub(crate) fn take(&self, batch: &mut VecDeque<Message>, deadline: Option<Instant>) -> Taken {
        let mut spins = if deadline.is_some_and(|d| d <= Instant::now()) {
            0
        } else {
            SPINS
        };
        let mut queue = self.queue.lock();
        loop {
            match queue.state {
                State::Overflowed => return Taken::Overflowed,
                State::Closed => return Taken::Empty,
                State::Open => {}
            }
            // The next delivery tells the reader, which has seen everything.
            queue.wake_armed = true;
            if !queue.messages.is_empty() {
                queue.bytes = 0;
                self.release(&mut queue);
                queue.over_soft_since = None;
                self.nonempty.store(false, Ordering::Relaxed);
                batch.clear();
                std::mem::swap(&mut queue.messages, batch);
                return Taken::Messages;
            }
            if deadline.is_some_and(|d| d <= Instant::now()) {
                return Taken::Empty;
            }
            if spins > 0 {
                drop(queue);
                while spins > 0 && !self.nonempty.load(Ordering::Acquire) {
                    spins -= 1;
                    std::thread::yield_now();
                }
                spins = 0;
                queue = self.queue.lock();
                continue;
            }
            queue.waiting = true;
            match deadline {
                Some(deadline) => {
                    self.ready.wait_until(&mut queue, deadline);
                }
                None => self.ready.wait(&mut queue),
            }
            queue.waiting = false;
        }
    }

    /// Whether the subscriber was disconnected for exceeding its limit.
    pub(crate) fn overflowed(&self) -> bool {
        self.queue.lock().state == State::Overflowed
    }

    /// Marks the subscriber gone: later deliveries are refused (and not
    /// counted by `PUBLISH`) and the queue is freed.
    pub(crate) fn close(&self) {
        let mut queue = self.queue.lock();
        queue.state = State::Closed;
        queue.messages = VecDeque::new();
        queue.bytes = 0;
        self.release(&mut queue);
    }
}

/// Redis's `checkClientOutputBufferLimits`: the hard limit is reached at
/// `bytes >= hard`; the soft one once the queue has stayed at or over it
/// for longer than its period.
fn over_limit(
    limit: &OutputBufferLimit,
    bytes: usize,
    over_soft_since: &mut Option<Instant>,
) -> bool {
    let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
    if limit.hard != 0 && bytes >= limit.hard {
        return true;
    }
    if limit.soft == 0 || bytes < limit.soft {
        *over_soft_since = None;
        return false;
    }
    let now = Instant::now();
    let since = *over_soft_since.get_or_insert(now);
    now.duration_since(since) > Duration::from_secs(limit.soft_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MessageKind;
    use crate::pubsub::message::Body;
    use std::sync::Arc;

    fn message(data_len: usize) -> Message {
        let body = Body::published(b"ch", &vec![b'x'; data_len]);
        Message::published(MessageKind::Message, None, body)
    }

    #[test]
    fn hard_limit_disconnects_and_frees_the_queue() {
        let inbox = Inbox::new(None);
        let limit = OutputBufferLimit {
            hard: 10_000,
            soft: 0,
            soft_seconds: 0,
        };
        let mut queued = 0;
        while inbox.deliver(message(1000), &limit) {
            queued += 1;
        }
        // 1050 bytes each: the tenth reaches 10 500 >= 10 000.
        assert_eq!(queued, 9);
        assert!(!inbox.deliver(message(1), &limit), "no delivery after");
        assert!(matches!(
            inbox.take(&mut VecDeque::new(), None),
            Taken::Overflowed
        ));
        assert!(inbox.queue.lock().messages.is_empty());
    }

    #[test]
    fn soft_limit_needs_its_period() {
        let inbox = Inbox::new(None);
        let limit = OutputBufferLimit {
            hard: 0,
            soft: 100,
            soft_seconds: 3600,
        };
        for _ in 0..100 {
            assert!(inbox.deliver(message(100), &limit));
        }
        let zero = OutputBufferLimit {
            soft_seconds: 0,
            ..limit
        };
        std::thread::sleep(Duration::from_millis(5));
        assert!(!inbox.deliver(message(100), &zero));
    }

    #[test]
    fn reading_resets_the_count() {
        let inbox = Inbox::new(None);
        let limit = OutputBufferLimit {
            hard: 1000,
            soft: 0,
            soft_seconds: 0,
        };
        for _ in 0..100 {
            assert!(inbox.deliver(message(500), &limit));
            let mut batch = VecDeque::new();
            assert!(matches!(
                inbox.take(&mut batch, Some(Instant::now())),
                Taken::Messages
            ));
            assert_eq!(batch.len(), 1);
        }
    }

    #[test]
    fn wake_hook_fires_once_per_drain() {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let inbox = Inbox::new(Some(Box::new(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })));
        let limit = OutputBufferLimit::default();
        for _ in 0..5 {
            inbox.deliver(message(1), &limit);
        }
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        let mut batch = VecDeque::new();
        assert!(matches!(
            inbox.take(&mut batch, Some(Instant::now())),
            Taken::Messages
        ));
        assert_eq!(batch.len(), 5);
        inbox.deliver(message(1), &limit);
        inbox.deliver(message(1), &limit);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn queued_memory_is_counted_until_taken_or_freed() {
        let inbox = Inbox::new(None);
        let limit = OutputBufferLimit::default();
        let (small, big) = (message(10), message(1000));
        // A small message is kept inline; a big one points to its bytes.
        assert_eq!(small.mem_bytes(), std::mem::size_of::<Message>());
        assert!(big.mem_bytes() >= std::mem::size_of::<Message>() + 1002);
        let expected = small.mem_bytes() + big.mem_bytes();
        assert!(inbox.deliver(small, &limit));
        assert!(inbox.deliver(big, &limit));
        assert_eq!(inbox.queued_bytes(), expected);
        let mut batch = VecDeque::new();
        assert!(matches!(
            inbox.take(&mut batch, Some(Instant::now())),
            Taken::Messages
        ));
        assert_eq!(inbox.queued_bytes(), 0);

        assert!(inbox.deliver(message(1000), &limit));
        assert!(inbox.queued_bytes() > 0);
        inbox.close();
        assert_eq!(inbox.queued_bytes(), 0);

        let tiny = OutputBufferLimit {
            hard: 2000,
            soft: 0,
            soft_seconds: 0,
        };
        let other = Inbox::new(None);
        assert!(other.deliver(message(1000), &tiny));
        assert!(!other.deliver(message(1000), &tiny), "over the hard limit");
        assert_eq!(other.queued_bytes(), 0, "freed on overflow");
    }
}
