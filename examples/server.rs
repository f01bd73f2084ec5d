//! A Redis-compatible server over an in-memory kvstore `Store`.
//!
//! ```text
//! cargo run --release --features server --example server -- --port 6380 [--requirepass PW] [--dir DATA]
//! redis-cli -p 6380 PING
//! ```
//!
//! Options take redis-server's names and values (`--port`, `--bind`,
//! `--dir`, `--requirepass`, `--maxclients`, `--io-threads`); see
//! `kvstore::server::ServerConfig::from_args`. Stop it with `SHUTDOWN`.

use std::process::ExitCode;

use kvstore::Store;
use kvstore::server::{Server, ServerConfig};

fn main() -> ExitCode {
    let config = match ServerConfig::from_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("kvstore-server: {e}");
            return ExitCode::from(2);
        }
    };
    let store = Store::new();
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
