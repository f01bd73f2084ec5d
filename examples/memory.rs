//! Bytes per key for 1,000,000 keys `key:%08d` with 16-byte values, for
//! kvstore and its peers: the store's own accounting (where it has one) and
//! the growth of the process's resident set. Each system is measured in a
//! fresh child process so that one's freed memory does not flatter another.
//! When `redis-server` is on the PATH, a private one is loaded with the same
//! data over loopback and its `used_memory` and RSS growth are shown too.
//!
//! ```text
//! cargo run --release --example memory
//! ```

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "../benches/common/redis_server.rs"]
mod redis_server;

use common::{KEYS, SYSTEMS, build, load, rss_bytes};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(name) = args.get(1) {
        measure(name);
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("cannot find this executable");
        return;
    };
    println!("| system | used_memory / key | RSS growth / key |");
    println!("|---|---|---|");
    for name in SYSTEMS {
        match std::process::Command::new(&exe).arg(name).output() {
            Ok(out) => print!("{}", String::from_utf8_lossy(&out.stdout)),
            Err(e) => eprintln!("{name}: {e}"),
        }
    }
    match redis::measure() {
        Ok(line) => println!("{line}"),
        Err(why) => println!("| redis-server | skipped: {why} | |"),
    }
}

/// The same dataset in a real redis-server, over loopback.
mod redis {
    use super::common::{KEYS, key, value};
    use super::redis_server::{RedisServer, version};

    pub fn measure() -> Result<String, String> {
        let mut server = RedisServer::start(&[])?;
        let (used0, rss0) = (server.used_memory()?, server.rss());
        let (mut k, mut v) = ([0u8; 12], [0u8; 16]);
        server.pipeline((0..KEYS).map(|i| {
            vec![
                b"SET".to_vec(),
                key(i, &mut k).to_vec(),
                value(i, &mut v).to_vec(),
            ]
        }))?;
        let (used1, rss1) = (server.used_memory()?, server.rss());
        let per_key = |a: usize, b: usize| a.saturating_sub(b) as f64 / KEYS as f64;
        Ok(format!(
            "| redis-server ({}) | {:.1} B | {:.1} B |",
            version(),
            per_key(used1, used0),
            per_key(rss1, rss0)
        ))
    }
}

fn measure(name: &str) {
    let Some(system) = build(name) else {
        eprintln!("unknown system {name}");
        return;
    };
    let before_rss = rss_bytes();
    let before_used = system.used_memory();
    load(&*system, KEYS);
    let rss = rss_bytes().saturating_sub(before_rss) as f64 / KEYS as f64;
    let used = match (system.used_memory(), before_used) {
        (Some(after), Some(before)) => {
            format!("{:.1} B", after.saturating_sub(before) as f64 / KEYS as f64)
        }
        _ => "-".to_owned(),
    };
    println!("| {name} | {used} | {rss:.1} B |");
    // Keep the data alive until measured.
    drop(system);
}
