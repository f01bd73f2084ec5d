//! Persistence: the snapshot and the append log in a data directory, and a
//! persistence of your own (here one that forwards every write to another
//! thread, as a replication link or an audit log would).
//!
//! ```text
//! cargo run --release --example persistence [DATA_DIR]
//! ```
//!
//! Without `DATA_DIR` a temporary directory is used (and removed).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};

use kvstore::persist::{AppendFsync, AppendLogOptions, Persistence, SnapshotOptions};
use kvstore::{Config, Store};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

/// Forwards each write's canonical command (as RESP-ready argv) to a
/// channel. `record` runs under the write's shard locks, so it only sends.
struct Forwarder(parking_lot::Mutex<Sender<Vec<Vec<u8>>>>);

impl Persistence for Forwarder {
    fn load(&self, _store: &Store) -> kvstore::Result<()> {
        // Nothing kept here: the built-in persistences loaded the data.
        Ok(())
    }

    fn record(&self, argv: &[&[u8]]) -> u64 {
        let _ = self
            .0
            .lock()
            .send(argv.iter().map(|a| a.to_vec()).collect());
        0 // nothing to wait for at commit
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (dir, temporary) = match std::env::args_os().nth(1) {
        Some(dir) => (PathBuf::from(dir), false),
        None => (
            std::env::temp_dir().join(format!("kvstore-example-{}", std::process::id())),
            true,
        ),
    };
    let (tx, rx) = channel();
    let forwarder = Arc::new(Forwarder(parking_lot::Mutex::new(tx)));
    let config = |forwarder: Option<Arc<Forwarder>>| {
        let mut builder = Config::builder()
            .dir(&dir)
            .snapshot(SnapshotOptions::new().save_points(&[(60, 1000)]))
            .append_log(AppendLogOptions::new().fsync(AppendFsync::Always));
        if let Some(f) = forwarder {
            builder = builder.persistence(f);
        }
        builder.build()
    };

    let store = Store::open(config(Some(forwarder)))?;
    println!("opened {}: {:?}", dir.display(), store.load_report());
    store.incr("runs")?;
    store.rpush("events", ["started"])?;
    store.set_with("session", "abc", kvstore::SetOptions::new().ex(3600))?;
    store.save()?; // the snapshot, now
    store.bgrewriteaof()?.wait()?; // the append log, compacted
    store.hset("user:1", [("name", "ada")])?;
    drop(store); // syncs and closes

    println!("forwarded writes:");
    for argv in rx.try_iter() {
        let words: Vec<String> = argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        println!("  {}", words.join(" "));
    }

    let store = Store::open(config(None))?;
    let report = store.load_report();
    println!(
        "reopened: {} keys from the {}, runs = {}",
        report.keys,
        report.source.unwrap_or("nothing"),
        String::from_utf8_lossy(&store.get("runs")?.unwrap_or_default()),
    );
    println!("session ttl: {} s", store.ttl("session")?);
    drop(store);
    if temporary {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}
