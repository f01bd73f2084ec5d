//! A private redis-server for the memory examples: started on a free
//! loopback port with persistence off, fed pipelined commands, asked for
//! `INFO memory`, killed on drop.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Child,
    conn: TcpStream,
    reader: BufReader<TcpStream>,
    port: u16,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl RedisServer {
    /// Starts one, with extra `--name value` settings.
    pub fn start(settings: &[(&str, &str)]) -> Result<RedisServer, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"]);
        for (name, value) in settings {
            command.arg(format!("--{name}")).arg(value);
        }
        let child = command
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server: {e}"))?;
        let started = Instant::now();
        let conn = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(c) => break c,
                Err(_) if started.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e.to_string()),
            }
        };
        let reader = BufReader::new(conn.try_clone().map_err(|e| e.to_string())?);
        Ok(RedisServer {
            child,
            conn,
            reader,
            port,
        })
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Sends `commands` pipelined in batches and reads (and discards) one
    /// single-line reply per command.
    pub fn pipeline(
        &mut self,
        commands: impl IntoIterator<Item = Vec<Vec<u8>>>,
    ) -> Result<(), String> {
        let mut out = Vec::new();
        let mut pending = 0;
        for argv in commands {
            out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
            for arg in &argv {
                out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
                out.extend_from_slice(arg);
                out.extend_from_slice(b"\r\n");
            }
            pending += 1;
            if out.len() > 1 << 20 {
                self.flush(&mut out, &mut pending)?;
            }
        }
        self.flush(&mut out, &mut pending)
    }

    fn flush(&mut self, out: &mut Vec<u8>, pending: &mut usize) -> Result<(), String> {
        self.conn.write_all(out).map_err(|e| e.to_string())?;
        out.clear();
        let mut line = String::new();
        for _ in 0..*pending {
            line.clear();
            self.reader
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            if line.starts_with('-') {
                return Err(line.trim().to_owned());
            }
        }
        *pending = 0;
        Ok(())
    }

    /// `used_memory` from `INFO memory`.
    pub fn used_memory(&mut self) -> Result<usize, String> {
        self.conn
            .write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n")
            .map_err(|e| e.to_string())?;
        let mut header = String::new();
        self.reader
            .read_line(&mut header)
            .map_err(|e| e.to_string())?;
        let len: usize = header
            .trim_start_matches('$')
            .trim()
            .parse()
            .map_err(|_| header.clone())?;
        let mut body = vec![0u8; len + 2];
        self.reader
            .read_exact(&mut body)
            .map_err(|e| e.to_string())?;
        String::from_utf8_lossy(&body)
            .lines()
            .find_map(|l| l.strip_prefix("used_memory:")?.trim().parse().ok())
            .ok_or_else(|| "no used_memory in INFO".to_owned())
    }

    /// The server's resident set size (Linux).
    pub fn rss(&self) -> usize {
        std::fs::read_to_string(format!("/proc/{}/statm", self.child.id()))
            .ok()
            .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
            .map_or(0, |pages| pages * 4096)
    }
}

/// `redis-server --version`'s `v=` field.
pub fn version() -> String {
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
