//! Our RESP server on a free port for a test, and a raw connection that
//! reads whole RESP2/RESP3 frames and keeps their exact bytes.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use kvstore::Store;
use kvstore::resp::{Frame, FrameLimits, decode_frame};
use kvstore::server::{Server, ServerConfig, ServerHandle};

/// A server on a free port over a store; stopped when dropped.
pub struct Running {
    handle: Option<ServerHandle>,
    pub port: u16,
}

impl Running {
    pub fn start(store: &Store, config: ServerConfig) -> Running {
        let server = Server::bind(store, config.port(0)).expect("bind");
        let port = server.local_addr().port();
        let handle = server.spawn().expect("spawn");
        Running {
            handle: Some(handle),
            port,
        }
    }

    /// `redis://` URL of the server, for the `redis` crate.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Our line-oriented RESP client.
    pub fn client(&self) -> super::redis::RespClient {
        super::redis::RespClient::connect(self.port).expect("connect")
    }

    /// A bare socket, with a read timeout.
    pub fn raw(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        s
    }

    pub fn frames(&self) -> FrameConn {
        FrameConn::connect(self.port).expect("connect")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.shutdown();
            handle.join().expect("server stopped cleanly");
        }
    }
}

/// A connection that sends commands and reads whole frames, keeping the
/// bytes each frame came in.
pub struct FrameConn {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl FrameConn {
    pub fn connect(port: u16) -> io::Result<FrameConn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(super::redis::IO_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(FrameConn {
            stream,
            buf: Vec::new(),
        })
    }

    /// Sends one command.
    pub fn send<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> io::Result<()> {
        let mut wire = Vec::new();
        kvstore::resp::encode_command(argv, &mut wire);
        self.stream.write_all(&wire)
    }

    /// Reads the next frame and the bytes it came in.
    pub fn frame(&mut self) -> io::Result<(Frame, Vec<u8>)> {
        let limits = FrameLimits::default();
        loop {
            let decoded = decode_frame(&self.buf, &limits)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{e:?}")))?;
            if let Some((frame, n)) = decoded {
                let bytes: Vec<u8> = self.buf.drain(..n).collect();
                return Ok((frame, bytes));
            }
            let mut chunk = [0u8; 64 * 1024];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads `n` frames; their bytes, concatenated.
    pub fn bytes(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.extend(self.frame()?.1);
        }
        Ok(out)
    }

    /// Sends one command and reads its one reply frame.
    pub fn call<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> io::Result<Frame> {
        self.send(argv)?;
        Ok(self.frame()?.0)
    }

    /// Whether the server closed the connection within `within`: reads
    /// (and drops) everything until end of stream.
    pub fn closed_within(&mut self, within: Duration) -> bool {
        let _ = self.stream.set_read_timeout(Some(within));
        let mut chunk = vec![0u8; 1 << 20];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
        }
    }
}

/// A bulk string frame.
pub fn bulk(s: &str) -> Frame {
    Frame::Bulk(s.as_bytes().to_vec())
}

/// A push (`>`) or array (`*`) of bulk strings and a final frame.
pub fn items(kind: &[&str], last: Frame) -> Vec<Frame> {
    let mut out: Vec<Frame> = kind.iter().map(|s| bulk(s)).collect();
    out.push(last);
    out
}
