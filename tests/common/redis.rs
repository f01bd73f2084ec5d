//! A private `redis-server` for differential tests, and a tiny binary-safe
//! RESP2 client to talk to it.
//!
//! [`RedisServer::start`] spawns `redis-server` on a free loopback port as a
//! child process and kills that child (by its pid, through [`Child::kill`])
//! when the guard is dropped, also when the test panics. [`Resp`] is the
//! comparable form of a reply: Redis's replies are parsed into it from the
//! socket, and `kvstore`'s [`Reply`] values are encoded to RESP2 and parsed
//! back with the same parser, so both sides are compared at the wire level.

use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kvstore::{Protocol, Reply};

/// How long one reply may take before the test fails instead of hanging.
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// How long `redis-server` may take to start answering.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// Largest bulk string or array the parser accepts (guards against garbage).
const MAX_LEN: i64 = 1 << 30;

/// One RESP2 reply.
#[derive(Clone, PartialEq, Eq)]
pub enum Resp {
    /// `+OK`
    Simple(Vec<u8>),
    /// `-ERR ...` (the text after the `-`).
    Error(Vec<u8>),
    /// `:42`
    Integer(i64),
    /// `$3\r\nfoo`
    Bulk(Vec<u8>),
    /// `$-1`
    NullBulk,
    /// `*2\r\n...`
    Array(Vec<Resp>),
    /// `*-1`
    NullArray,
}

impl Resp {
    /// Whether this is an error reply.
    pub fn is_error(&self) -> bool {
        matches!(self, Resp::Error(_))
    }

    /// The error text, if this is an error.
    pub fn error_text(&self) -> Option<&[u8]> {
        match self {
            Resp::Error(e) => Some(e),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Resp::Integer(n) => Some(*n),
            _ => None,
        }
    }

    /// The bytes of a bulk string.
    pub fn as_bulk(&self) -> Option<&[u8]> {
        match self {
            Resp::Bulk(b) => Some(b),
            _ => None,
        }
    }
}

/// Bytes as a double-quoted, escaped string (printable ASCII verbatim).
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// An argv as `SET "k" "v"`, abbreviating very long arguments.
pub fn format_argv<A: AsRef<[u8]>>(argv: &[A]) -> String {
    argv.iter()
        .map(|a| {
            let a = a.as_ref();
            if a.len() > 120 {
                format!(
                    "{}...<{} bytes>",
                    escape(&a[..60]).trim_end_matches('"'),
                    a.len()
                )
            } else {
                escape(a)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Debug for Resp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resp::Simple(s) => write!(f, "+{}", String::from_utf8_lossy(s)),
            Resp::Error(e) => write!(f, "-{}", escape(e)),
            Resp::Integer(n) => write!(f, "(integer) {n}"),
            Resp::Bulk(b) if b.len() > 200 => {
                write!(f, "{}...<{} bytes>", escape(&b[..100]), b.len())
            }
            Resp::Bulk(b) => write!(f, "{}", escape(b)),
            Resp::NullBulk => write!(f, "(nil bulk)"),
            Resp::NullArray => write!(f, "(nil array)"),
            Resp::Array(items) => f.debug_list().entries(items).finish(),
        }
    }
}

fn protocol_error(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// Reads one line up to CRLF, without the CRLF.
fn read_line<R: BufRead>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    if !line.ends_with(b"\r\n") {
        return Err(protocol_error(format!(
            "line not terminated by CRLF: {}",
            escape(&line)
        )));
    }
    line.truncate(line.len() - 2);
    Ok(line)
}

fn parse_int(text: &[u8]) -> io::Result<i64> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| protocol_error(format!("bad integer {}", escape(text))))
}

/// Parses one RESP2 reply. Binary-safe: bulk strings are read by length.
pub fn read_reply<R: BufRead>(r: &mut R) -> io::Result<Resp> {
    let line = read_line(r)?;
    let Some((&kind, rest)) = line.split_first() else {
        return Err(protocol_error("empty reply line"));
    };
    match kind {
        b'+' => Ok(Resp::Simple(rest.to_vec())),
        b'-' => Ok(Resp::Error(rest.to_vec())),
        b':' => Ok(Resp::Integer(parse_int(rest)?)),
        b'$' => match parse_int(rest)? {
            -1 => Ok(Resp::NullBulk),
            n if (0..=MAX_LEN).contains(&n) => {
                let mut data = vec![0u8; n as usize + 2];
                r.read_exact(&mut data)?;
                if !data.ends_with(b"\r\n") {
                    return Err(protocol_error("bulk string not followed by CRLF"));
                }
                data.truncate(n as usize);
                Ok(Resp::Bulk(data))
            }
            n => Err(protocol_error(format!("bad bulk length {n}"))),
        },
        b'*' => match parse_int(rest)? {
            -1 => Ok(Resp::NullArray),
            n if (0..=MAX_LEN).contains(&n) => {
                let mut items = Vec::with_capacity(n.min(1024) as usize);
                for _ in 0..n {
                    items.push(read_reply(r)?);
                }
                Ok(Resp::Array(items))
            }
            n => Err(protocol_error(format!("bad array length {n}"))),
        },
        other => Err(protocol_error(format!(
            "unknown reply type {:?} in {}",
            other as char,
            escape(&line)
        ))),
    }
}

/// An argv as a RESP array of bulk strings.
pub fn encode_command<A: AsRef<[u8]>>(argv: &[A]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for arg in argv {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// `kvstore`'s reply in comparable form: encoded as RESP2 by
/// [`Reply::encode`] and parsed back. Panics if the encoding is not exactly
/// one well-formed RESP2 reply.
pub fn reply_to_resp(reply: &Reply) -> Resp {
    let mut wire = Vec::new();
    reply.encode(Protocol::Resp2, &mut wire);
    let mut rest: &[u8] = &wire;
    let parsed = read_reply(&mut rest)
        .unwrap_or_else(|e| panic!("kvstore encoded invalid RESP2 ({e}): {}", escape(&wire)));
    assert!(
        rest.is_empty(),
        "kvstore's RESP2 encoding has trailing bytes: {}",
        escape(&wire)
    );
    parsed
}

/// A connection to a Redis server.
pub struct RespClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl RespClient {
    /// Connects to `127.0.0.1:port`, with [`IO_TIMEOUT`] on every read and write.
    pub fn connect(port: u16) -> io::Result<RespClient> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(RespClient {
            reader: BufReader::with_capacity(64 * 1024, stream.try_clone()?),
            writer: stream,
        })
    }

    /// Sends one command and reads its reply.
    pub fn call<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> io::Result<Resp> {
        self.writer.write_all(&encode_command(argv))?;
        read_reply(&mut self.reader)
    }

    /// Sends one command without reading its reply (a command that blocks;
    /// read the reply later with [`RespClient::read`]).
    pub fn send<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> io::Result<()> {
        self.writer.write_all(&encode_command(argv))
    }

    /// Reads one reply without sending anything: the next message pushed
    /// to a subscribed connection.
    pub fn read(&mut self) -> io::Result<Resp> {
        read_reply(&mut self.reader)
    }
}

/// `redis-server` from `PATH`, if there is one.
pub fn find_redis_server() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

/// The version `redis-server --version` reports (`"7.0.15"`).
pub fn server_version(bin: &Path) -> io::Result<String> {
    let out = Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_whitespace()
        .find_map(|word| word.strip_prefix("v="))
        .map(str::to_owned)
        .ok_or_else(|| protocol_error(format!("no version in {text:?}")))
}

/// A port that was free a moment ago (bound to port 0, then released).
fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

static INSTANCE: AtomicUsize = AtomicUsize::new(0);

/// A private `redis-server` child process; killed when dropped.
pub struct RedisServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts `bin` on a free loopback port with persistence off and one
    /// database (the store has one), plus `extra` arguments, and waits until
    /// it answers `PING`. Retries with another port if the one picked was
    /// taken in the meantime.
    pub fn start(bin: &Path, extra: &[&str]) -> io::Result<RedisServer> {
        let mut last_error = None;
        for _ in 0..5 {
            match RedisServer::try_start(bin, extra) {
                Ok(server) => return Ok(server),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| protocol_error("redis-server did not start")))
    }

    fn try_start(bin: &Path, extra: &[&str]) -> io::Result<RedisServer> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!(
            "kvstore-redis-diff-{}-{}",
            std::process::id(),
            INSTANCE.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let log = dir.join("redis.log");
        let port_arg = port.to_string();
        let mut args: Vec<&str> = vec![
            "--port",
            &port_arg,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--databases",
            "1",
        ];
        args.extend_from_slice(extra);
        let spawned = Command::new(bin)
            .args(&args)
            .arg("--dir")
            .arg(&dir)
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        // From here on the guard owns the child and the directory.
        let mut server = RedisServer { child, port, dir };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = server.child.try_wait()? {
                return Err(protocol_error(format!(
                    "redis-server exited with {status} before answering; log:\n{}",
                    server.log_tail()
                )));
            }
            if let Ok(mut client) = RespClient::connect(port)
                && let Ok(Resp::Simple(pong)) = client.call(&["PING"])
                && pong == b"PONG"
            {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(protocol_error(format!(
                    "redis-server did not answer PING within {START_TIMEOUT:?}; log:\n{}",
                    server.log_tail()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id of the server.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A new connection to the server.
    pub fn connect(&self) -> io::Result<RespClient> {
        RespClient::connect(self.port)
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // Our own child, by its pid: SIGKILL, then reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Why the differential tests cannot run here, if they cannot: no
/// `redis-server` on `PATH`, or one that is not Redis 7.0 (whose replies
/// `kvstore` reproduces). `KVSTORE_DIFF_ANY_VERSION=1` accepts any version.
pub fn locate_redis_server() -> Result<PathBuf, String> {
    let Some(bin) = find_redis_server() else {
        return Err("redis-server not found on PATH".to_owned());
    };
    if std::env::var_os("KVSTORE_DIFF_ANY_VERSION").is_some() {
        return Ok(bin);
    }
    match server_version(&bin) {
        Ok(v) if v.starts_with("7.0.") => Ok(bin),
        Ok(v) => Err(format!(
            "{} is Redis {v}, not 7.0 (set KVSTORE_DIFF_ANY_VERSION=1 to run anyway)",
            bin.display()
        )),
        Err(e) => Err(format!("cannot run {} --version: {e}", bin.display())),
    }
}
