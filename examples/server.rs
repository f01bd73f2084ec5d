//! A Redis-compatible server over a kvstore `Store`.
//!
//! ```text
//! cargo run --release --features server --example server -- --port 6380 [--requirepass PW] \
//!     [--dir DATA [--appendonly yes] [--appendfsync always|everysec|no] [--save "3600 1"]]
//! redis-cli -p 6380 PING
//! ```
//!
//! Options take redis-server's names and values (`--port`, `--bind`,
//! `--dir`, `--requirepass`, `--maxclients`, `--io-threads`, `--save`,
//! `--appendonly`, `--appendfsync`, …); see
//! `kvstore::server::ServerConfig::from_args`. Without `--dir` the data is
//! in memory only; with it, a snapshot (`dump.kvs`, Redis's save points
//! unless `--save ""`) and, with `--appendonly yes`, an append log are kept
//! there and loaded at start. Stop it with `SHUTDOWN` (which saves as Redis
//! does).

use std::process::ExitCode;

use kvstore::Store;
use kvstore::server::{Server, ServerConfig};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

fn main() -> ExitCode {
    let config = match ServerConfig::from_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("kvstore-server: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match Store::open(config.store_config()) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("kvstore-server: cannot open the data: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = store.load_report();
    if let Some(source) = report.source {
        println!("loaded {} keys from the {source}", report.keys);
    }
    for warning in &report.warnings {
        eprintln!("kvstore-server: warning: {warning}");
    }
    let server = match Server::bind(&store, config) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("kvstore-server: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("kvstore server ready on {}", server.local_addr());
    match server.run() {
        Ok(()) => {
            println!("kvstore server stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kvstore-server: {e}");
            ExitCode::FAILURE
        }
    }
}
