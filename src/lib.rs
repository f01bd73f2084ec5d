//! Redis inside your Rust program.
//!
//! `kvstore` is an embedded key-value store with Redis's value kinds, command
//! semantics and error texts, TTLs, `KEYS`/`SCAN`, and Redis Cluster hash
//! slots: no server to run and no network hop. Commands are methods named as
//! in Redis; [`Store::execute`] runs any command from its argv and answers
//! exactly as Redis 7.0 would, so a RESP server can sit in front of it.
//!
//! ```
//! use kvstore::{SetOptions, Store};
//!
//! let store = Store::new();
//! store.set("greeting", "hello")?;
//! store.append("greeting", " world")?;
//! assert_eq!(store.get("greeting")?, Some(b"hello world".to_vec()));
//!
//! // Options are builders, not strings.
//! let written = store.set_with("lock", "me", SetOptions::new().nx().px(30_000))?;
//! assert!(written.written);
//! assert!(store.pttl("lock")? > 29_000);
//!
//! // Any command by name, with Redis's replies and errors.
//! let reply = store.execute(&["INCRBY", "counter", "5"]);
//! assert_eq!(reply, kvstore::Reply::Integer(5));
//! # Ok::<(), kvstore::Error>(())
//! ```
//!
//! # Concurrency
//!
//! A [`Store`] is a cheap, cloneable, `Send + Sync` handle. The keyspace is
//! split by hash slot into shards, each behind its own lock; a command that
//! touches several keys locks their shards in ascending order and holds them
//! to the end, so every command is atomic and none can deadlock.
//! [`Store::transaction`] extends this to a closure over declared keys, and
//! [`Store::watch`] gives optimistic check-and-set.
//!
//! # Persistence
//!
//! With a data directory ([`ConfigBuilder::dir`]), a store keeps a snapshot
//! (RDB-like, [`Store::save`], [`Store::bgsave`], save points), an append
//! log (AOF-like: Redis 7.0's multi-part RESP files, `appendfsync always |
//! everysec | no`, [`Store::bgrewriteaof`]) or both, and loads them at
//! [`Store::open`]; [`persist::Persistence`] lets you add your own. See
//! [`persist`].
//!
//! # Connections, RESP and the server
//!
//! A [`Session`] is one client connection's state (`MULTI`/`EXEC`, `WATCH`,
//! `AUTH`, `HELLO 3`, `CLIENT SETNAME`). [`resp`] is the RESP2/RESP3 codec;
//! the `server` feature adds `kvstore::server`, a RESP server that
//! redis-cli, redis-benchmark and Redis client libraries talk to; [`cli`]
//! formats replies as redis-cli does.

#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod blocking;
pub mod cli;
mod clock;
pub mod cluster;
mod command;
mod config;
mod encoding;
mod error;
mod expire;
pub mod glob;
mod info;
mod keyspace;
mod memory;
mod number;
pub mod persist;
mod propagate;
pub mod pubsub;
mod rand;
mod reply;
pub mod resp;
#[cfg(feature = "server")]
pub mod server;
mod session;
mod settings;
mod store;
mod transaction;
mod types;
mod value;
mod watch;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, ConfigBuilder, DEFAULT_MAX_STRING_LEN};
pub use error::{Error, Result};
pub use memory::{InfoMemory, MaxmemoryPolicy};
pub use propagate::{ObserverId, WriteObserver};
pub use pubsub::{Listen, Message, MessageKind, OutputBufferLimit, Subscriber};
pub use reply::{Protocol, Reply};
pub use session::Session;
pub use store::Store;
pub use transaction::Transaction;
pub use types::generic::{ExpireCondition, ScanOptions, ScanPage};
pub use types::hash::HashScanPage;
pub use types::hash_expire::HASH_FIELD_MAX_DEADLINE_MS;
pub use types::lcs::{LcsIdx, LcsMatch};
pub use types::list::{Direction, InsertPosition, LposOptions};
pub use types::set::SetScanPage;
pub use types::string::{Expiry, GetExpiry, SetOptions, SetOutcome};
pub use types::zset::{Aggregate, LexBound, ScoreBound, ZAddOptions, ZEnd};
pub use types::zset_random::ZScanPage;
pub use types::zset_range::ZRange;
pub use value::ValueType;
pub use watch::Watch;

/// The jemalloc allocator (feature `jemalloc`), for the application to make
/// it the global allocator as Redis does. With it, `INFO memory` reports
/// `mem_allocator:jemalloc-<version>` and the allocator's own figures, and
/// the store's `used_memory` matches what jemalloc has handed out.
///
/// ```
/// #[global_allocator]
/// static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;
///
/// fn main() {
///     let store = kvstore::Store::new();
///     store.set("k", "v").unwrap();
/// }
/// ```
#[cfg(feature = "jemalloc")]
pub use tikv_jemallocator::Jemalloc;

/// The README's examples, compiled and run by `cargo test` so they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
