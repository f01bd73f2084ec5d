//! Pub/sub inside one program: a subscriber thread reading channels and a
//! pattern while other threads publish, then keyspace notifications of an
//! expiring key.
//!
//! ```text
//! cargo run --release --example pubsub
//! ```

use std::time::Duration;

use kvstore::{Config, MessageKind, Store};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

fn main() -> kvstore::Result<()> {
    // Keyspace events for expiry, published on __keyevent@0__:expired.
    let store = Store::open(Config::builder().notify_keyspace_events("Ex")?.build())?;

    let mut sub = store.subscriber();
    sub.subscribe(["chat:general"]);
    sub.psubscribe(["chat:room:*"]);
    let reader = std::thread::spawn(move || {
        // `listen` blocks for the next message, as redis-py's does.
        for message in sub.listen() {
            let Ok(message) = message else { break };
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            match message.kind() {
                MessageKind::Message => println!(
                    "{}: {}",
                    text(message.channel().unwrap_or_default()),
                    text(message.data())
                ),
                MessageKind::PMessage => println!(
                    "{} (via {}): {}",
                    text(message.channel().unwrap_or_default()),
                    text(message.pattern().unwrap_or_default()),
                    text(message.data())
                ),
                kind => println!(
                    "{} {} -> {} subscriptions",
                    kind.as_str(),
                    text(message.channel().unwrap_or_default()),
                    message.count().unwrap_or(0)
                ),
            }
            if message.data() == b"bye" {
                break;
            }
        }
    });

    let writers: Vec<_> = ["ada", "grace"]
        .into_iter()
        .map(|name| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 1..=3 {
                    store.publish("chat:room:rust", format!("{name} says hello #{i}"));
                }
            })
        })
        .collect();
    for writer in writers {
        let _ = writer.join();
    }
    let reached = store.publish("chat:general", "bye");
    println!("'bye' reached {reached} subscriber(s)");
    let _ = reader.join();

    // Keyspace notifications: the expiry of a key is an event.
    let mut events = store.subscriber();
    events.subscribe(["__keyevent@0__:expired"]);
    store.set_with("session:42", "data", kvstore::SetOptions::new().px(50))?;
    while let Some(message) = events.get_message(Duration::from_secs(2))? {
        if message.kind() == MessageKind::Message {
            println!("expired: {}", String::from_utf8_lossy(message.data()));
            break;
        }
    }
    Ok(())
}
