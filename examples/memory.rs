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

use common::{KEYS, SYSTEMS, build, load, rss_bytes};

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
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use super::common::{KEYS, key, value};

    struct Server(Child);

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    pub fn measure() -> Result<String, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server: {e}"))?;
        let server = Server(child);
        let started = Instant::now();
        let mut conn = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(c) => break c,
                Err(_) if started.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e.to_string()),
            }
        };
        let pid = server.0.id();
        let (used0, rss0) = (used_memory(&mut conn)?, rss_of(pid));
        // Pipelined in batches: write a batch of SETs, then read its replies.
        let (mut k, mut v) = ([0u8; 12], [0u8; 16]);
        let mut reader = BufReader::new(conn.try_clone().map_err(|e| e.to_string())?);
        let mut line = String::new();
        for batch in (0..KEYS).collect::<Vec<_>>().chunks(10_000) {
            let mut out = Vec::with_capacity(batch.len() * 64);
            for &i in batch {
                let (kk, vv) = (key(i, &mut k), value(i, &mut v));
                out.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$12\r\n");
                out.extend_from_slice(kk);
                out.extend_from_slice(b"\r\n$16\r\n");
                out.extend_from_slice(vv);
                out.extend_from_slice(b"\r\n");
            }
            conn.write_all(&out).map_err(|e| e.to_string())?;
            for _ in batch {
                line.clear();
                reader.read_line(&mut line).map_err(|e| e.to_string())?;
            }
        }
        let (used1, rss1) = (used_memory(&mut conn)?, rss_of(pid));
        let per_key = |a: usize, b: usize| a.saturating_sub(b) as f64 / KEYS as f64;
        Ok(format!(
            "| redis-server ({}) | {:.1} B | {:.1} B |",
            version(),
            per_key(used1, used0),
            per_key(rss1, rss0)
        ))
    }

    fn used_memory(conn: &mut TcpStream) -> Result<usize, String> {
        conn.write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n")
            .map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(conn.try_clone().map_err(|e| e.to_string())?);
        let mut header = String::new();
        reader.read_line(&mut header).map_err(|e| e.to_string())?;
        let len: usize = header
            .trim_start_matches('$')
            .trim()
            .parse()
            .map_err(|_| header.clone())?;
        let mut body = vec![0u8; len + 2];
        reader.read_exact(&mut body).map_err(|e| e.to_string())?;
        String::from_utf8_lossy(&body)
            .lines()
            .find_map(|l| l.strip_prefix("used_memory:")?.trim().parse().ok())
            .ok_or_else(|| "no used_memory in INFO".to_owned())
    }

    fn rss_of(pid: u32) -> usize {
        std::fs::read_to_string(format!("/proc/{pid}/statm"))
            .ok()
            .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
            .map_or(0, |pages| pages * 4096)
    }

    fn version() -> String {
        Command::new("redis-server")
            .arg("--version")
            .output()
            .ok()
            .and_then(|o| {
                let text = String::from_utf8_lossy(&o.stdout).into_owned();
                let v = text.split_whitespace().find_map(|w| w.strip_prefix("v="))?;
                Some(v.to_owned())
            })
            .unwrap_or_else(|| "unknown version".to_owned())
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
