//! In-process pub/sub: counts, ordering, patterns, unsubscribe-all, drop,
//! many publishers to many subscribers, and slow-subscriber overflow.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kvstore::{Config, Error, Message, MessageKind, OutputBufferLimit, Store, Subscriber};

/// Everything the subscriber has now (nothing waits).
fn drain(sub: &mut Subscriber) -> Vec<Message> {
    std::iter::from_fn(|| sub.get_message(Duration::ZERO).ok().flatten()).collect()
}

/// (kind, pattern, channel, data-or-count) of each message, as text.
fn describe(messages: &[Message]) -> Vec<(String, Option<String>, Option<String>, String)> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    messages
        .iter()
        .map(|m| {
            (
                m.kind().as_str().to_owned(),
                m.pattern().map(text),
                m.channel().map(text),
                m.count().map_or_else(|| text(m.data()), |c| c.to_string()),
            )
        })
        .collect()
}

fn row(
    kind: &str,
    pattern: Option<&str>,
    channel: Option<&str>,
    data: &str,
) -> (String, Option<String>, Option<String>, String) {
    (
        kind.to_owned(),
        pattern.map(str::to_owned),
        channel.map(str::to_owned),
        data.to_owned(),
    )
}

#[test]
fn subscriber_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Subscriber>();
    assert_send::<Message>();
}

#[test]
fn confirmations_and_messages_arrive_in_order_with_redis_counts() {
    let store = Store::new();
    let mut sub = store.subscriber();
    assert_eq!(store.publish("a", "before"), 0, "nobody listens yet");
    sub.subscribe(["a", "b", "a"]);
    sub.psubscribe(["a*"]);
    assert_eq!(
        store.publish("a", "one"),
        2,
        "channel and pattern count apart"
    );
    assert_eq!(store.publish("abc", "two"), 1);
    assert_eq!(store.publish("zzz", "none"), 0);
    sub.unsubscribe(["b", "never"]);
    sub.unsubscribe::<_, &str>([]);
    sub.punsubscribe::<_, &str>([]);
    sub.punsubscribe::<_, &str>([]);
    assert_eq!(store.publish("a", "gone"), 0);
    assert_eq!(
        describe(&drain(&mut sub)),
        [
            row("subscribe", None, Some("a"), "1"),
            row("subscribe", None, Some("b"), "2"),
            // Subscribing again is confirmed again, count unchanged.
            row("subscribe", None, Some("a"), "2"),
            row("psubscribe", None, Some("a*"), "3"),
            row("message", None, Some("a"), "one"),
            row("pmessage", Some("a*"), Some("a"), "one"),
            row("pmessage", Some("a*"), Some("abc"), "two"),
            row("unsubscribe", None, Some("b"), "2"),
            row("unsubscribe", None, Some("never"), "2"),
            row("unsubscribe", None, Some("a"), "1"),
            row("punsubscribe", None, Some("a*"), "0"),
            // Unsubscribe-all with nothing subscribed: one nil confirmation.
            row("punsubscribe", None, None, "0"),
        ]
    );
    assert_eq!(sub.subscription_count(), 0);
}

#[test]
fn shard_channels_are_their_own_namespace_and_count() {
    let store = Store::new();
    let mut sub = store.subscriber();
    sub.subscribe(["c"]);
    sub.ssubscribe(["c", "d"]);
    assert_eq!(store.publish("c", "plain"), 1);
    assert_eq!(store.spublish("c", "sharded"), 1);
    assert_eq!(store.spublish("e", "nobody"), 0);
    assert_eq!(
        store.pubsub_shardnumsub(["c", "e"]),
        [(b"c".to_vec(), 1), (b"e".to_vec(), 0)]
    );
    sub.sunsubscribe::<_, &str>([]);
    let got = describe(&drain(&mut sub));
    assert_eq!(
        got[..5],
        [
            row("subscribe", None, Some("c"), "1"),
            row("ssubscribe", None, Some("c"), "1"),
            row("ssubscribe", None, Some("d"), "2"),
            row("message", None, Some("c"), "plain"),
            row("smessage", None, Some("c"), "sharded"),
        ]
    );
    // Unsubscribe-all goes through the subscriber's set in no fixed order
    // (as Redis walks its dict); the counts go down to zero.
    let mut names: Vec<_> = got[5..].iter().map(|r| r.2.clone()).collect();
    names.sort();
    assert_eq!(names, [Some("c".to_owned()), Some("d".to_owned())]);
    assert_eq!(
        got[5..]
            .iter()
            .map(|r| (r.0.as_str(), r.3.as_str()))
            .collect::<Vec<_>>(),
        [("sunsubscribe", "1"), ("sunsubscribe", "0")]
    );
    assert_eq!(sub.subscription_count(), 1, "the plain channel stays");
}

#[test]
fn patterns_use_the_keys_glob() {
    let store = Store::new();
    let mut sub = store.subscriber();
    sub.psubscribe(["news.[st]*", "h?llo", "esc\\*"]);
    drain(&mut sub);
    for (channel, expected) in [
        ("news.sport", 1),
        ("news.tech", 1),
        ("news.arts", 0),
        ("hello", 1),
        ("hallo", 1),
        ("hllo", 0),
        ("esc*", 1),
        ("escX", 0),
    ] {
        assert_eq!(store.publish(channel, "x"), expected, "{channel}");
    }
    assert_eq!(store.pubsub_numpat(), 3);
    let got = drain(&mut sub);
    assert!(got.iter().all(|m| m.kind() == MessageKind::PMessage));
    assert_eq!(got.len(), 5);
}

#[test]
fn dropping_a_subscriber_unsubscribes_everything() {
    let store = Store::new();
    let mut sub = store.subscriber();
    sub.subscribe(["x", "y"]);
    sub.psubscribe(["*"]);
    sub.ssubscribe(["s"]);
    assert_eq!(store.pubsub_numsub(["x"]), [(b"x".to_vec(), 1)]);
    drop(sub);
    assert_eq!(store.publish("x", "m"), 0);
    assert_eq!(store.spublish("s", "m"), 0);
    assert_eq!(store.pubsub_numpat(), 0);
    assert!(store.pubsub_channels(None::<&str>).is_empty());
    assert!(store.pubsub_shardchannels(None::<&str>).is_empty());
}

#[test]
fn get_message_waits_for_its_timeout_and_listen_wakes_on_publish() {
    let store = Store::new();
    let mut sub = store.subscriber();
    sub.subscribe(["t"]);
    drain(&mut sub);
    let start = Instant::now();
    assert_eq!(sub.get_message(Duration::from_millis(50)), Ok(None));
    assert!(start.elapsed() >= Duration::from_millis(50));
    let reader = std::thread::spawn(move || {
        let message = sub.listen().next();
        message.map(|m| m.map(|m| m.data().to_vec()))
    });
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(store.publish("t", "wake up"), 1);
    assert_eq!(reader.join().ok().flatten(), Some(Ok(b"wake up".to_vec())));
}

/// Every message is delivered once to each live subscriber, in the order
/// each publisher sent it, whatever the interleaving between publishers.
#[test]
fn many_publishers_to_many_subscribers() {
    const PUBLISHERS: usize = 4;
    const SUBSCRIBERS: usize = 6;
    const MESSAGES: usize = 5_000;
    let store = Store::new();
    let mut readers = Vec::new();
    for i in 0..SUBSCRIBERS {
        let mut sub = store.subscriber();
        // Half by channel, half by pattern: both see everything.
        if i % 2 == 0 {
            sub.subscribe(["work"]);
        } else {
            sub.psubscribe(["wo*"]);
        }
        readers.push(std::thread::spawn(move || {
            let mut next: HashMap<usize, usize> = HashMap::new();
            let mut got = 0;
            for message in sub.listen() {
                let message = message.map_err(|e| e.to_string())?;
                if message.kind().is_confirmation() {
                    continue;
                }
                let text = String::from_utf8_lossy(message.data()).into_owned();
                let (publisher, seq) = text
                    .split_once(':')
                    .and_then(|(p, s)| Some((p.parse::<usize>().ok()?, s.parse::<usize>().ok()?)))
                    .ok_or_else(|| format!("bad message {text}"))?;
                let expected = next.entry(publisher).or_insert(0);
                if seq != *expected {
                    return Err(format!(
                        "publisher {publisher}: got {seq}, expected {expected}"
                    ));
                }
                *expected += 1;
                got += 1;
                if got == PUBLISHERS * MESSAGES {
                    return Ok(got);
                }
            }
            Err("listen ended".to_owned())
        }));
    }
    let publishers: Vec<_> = (0..PUBLISHERS)
        .map(|p| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut reached = 0;
                for seq in 0..MESSAGES {
                    reached += store.publish("work", format!("{p}:{seq}"));
                }
                reached
            })
        })
        .collect();
    for publisher in publishers {
        let reached = publisher.join().unwrap_or(0);
        assert_eq!(
            reached,
            MESSAGES * SUBSCRIBERS,
            "every publish reached every subscriber"
        );
    }
    for reader in readers {
        assert_eq!(reader.join().ok(), Some(Ok(PUBLISHERS * MESSAGES)));
    }
}

/// A subscriber that never reads is disconnected at its hard limit: the
/// publisher never blocks, the queue stops growing, and the subscriber's
/// next read says why.
#[test]
fn slow_subscriber_is_disconnected_and_memory_stays_bounded() {
    let limit = OutputBufferLimit {
        hard: 1 << 20,
        soft: 0,
        soft_seconds: 0,
    };
    let store = Store::open(Config::builder().pubsub_buffer_limit(limit).build())
        .unwrap_or_else(|e| panic!("open: {e}"));
    let mut slow = store.subscriber();
    slow.subscribe(["firehose"]);
    let mut fast = store.subscriber();
    fast.subscribe(["firehose"]);
    let payload = vec![b'x'; 1024];
    let mut reached_slow = 0;
    for _ in 0..20_000 {
        // 20 MB in all: the slow queue would hold it all if unbounded.
        let reached = store.publish("firehose", &payload);
        reached_slow += reached.saturating_sub(1);
        // The fast subscriber keeps up.
        while fast.get_message(Duration::ZERO).ok().flatten().is_some() {}
    }
    // About 1 MB of 1 KB messages were queued, then nothing more.
    assert!(
        (900..=1024).contains(&reached_slow),
        "queued {reached_slow}"
    );
    assert_eq!(
        slow.get_message(Duration::ZERO),
        Err(Error::SubscriberOverflow)
    );
    assert_eq!(
        slow.get_message(Duration::ZERO),
        Err(Error::SubscriberOverflow)
    );
    let mut listen = slow.listen();
    assert_eq!(listen.next(), Some(Err(Error::SubscriberOverflow)));
    assert_eq!(listen.next(), None, "listen ends after the error");
    // The disconnected subscriber left its channels.
    assert_eq!(
        store.pubsub_numsub(["firehose"]),
        [(b"firehose".to_vec(), 1)]
    );
    assert_eq!(
        Error::SubscriberOverflow.to_string(),
        "ERR subscriber disconnected: its queue reached the pub/sub output buffer limit (client-output-buffer-limit pubsub)"
    );
}

#[test]
fn buffer_limit_is_a_config_setting() {
    let store = Store::new();
    assert_eq!(
        store.config_get(&["client-output-buffer-limit"]),
        [(
            "client-output-buffer-limit".to_owned(),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60".to_owned()
        )]
    );
    assert_eq!(
        store.config_set(&[("client-output-buffer-limit", "pubsub 2kb 0 0")]),
        Ok(())
    );
    let mut sub = store.subscriber();
    sub.subscribe(["c"]);
    let big = vec![b'y'; 1000];
    // The confirmation (~50 bytes) and one message fit, the second does not.
    assert_eq!(store.publish("c", &big), 1);
    assert_eq!(store.publish("c", &big), 0);
    assert_eq!(
        sub.get_message(Duration::ZERO),
        Err(Error::SubscriberOverflow)
    );
}
