//! A `redis-cli` for an embedded store: replies printed exactly as
//! `redis-cli` 7.0 prints them, and its line loop over a [`Session`].
//!
//! [`format_reply`] is `redis-cli`'s terminal output (`cliFormatReplyTTY`),
//! [`format_reply_raw`] its `--raw` output; [`Cli`] reads command lines as
//! `redis-cli`'s prompt does (quoting, `help`, `quit`, a repeat count as in
//! `3 INCR n`) and writes the replies to any [`Write`]. `examples/cli.rs`
//! puts a line editor in front of it.
//!
//! ```
//! use kvstore::cli::{format_reply, Cli};
//! use kvstore::{Protocol, Store};
//!
//! let store = Store::new();
//! store.set("k", "v")?;
//! let reply = store.execute(&["GET", "k"]);
//! assert_eq!(format_reply(&reply, Protocol::Resp2), "\"v\"\n");
//!
//! let mut out = Vec::new();
//! Cli::new(&store).run_lines(&b"SET n 1\nGET n\nGET nokey\n"[..], &mut out)?;
//! assert_eq!(String::from_utf8_lossy(&out), "OK\n\"1\"\n(nil)\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::io::{self, BufRead, Write};

use crate::{Protocol, Reply, Session, Store, resp};

/// `reply` as `redis-cli` 7.0 prints it on a terminal (`redis-cli --no-raw`),
/// ending with a newline.
///
/// The same [`Reply`] prints differently in each protocol, as the wire form
/// `redis-cli` reads differs: in RESP2 a double is a quoted string (`"1.5"`),
/// a boolean an integer and a map a flat array; in RESP3 they print as
/// `(double) 1.5`, `(true)` and `1# "key" => "value"`.
///
/// Strings are quoted with `redis-cli`'s escapes (`\"`, `\\`, `\n`, `\r`,
/// `\t`, `\a`, `\b`, printable ASCII as is, any other byte as `\xHH`), so
/// the text is ASCII but for status, error and verbatim texts, which print
/// as they are (bytes that are not UTF-8 become U+FFFD).
///
/// ```
/// use kvstore::cli::format_reply;
/// use kvstore::{Protocol, Reply, Store};
///
/// let store = Store::new();
/// store.execute(&["RPUSH", "l", "a", "b\n"]);
/// let reply = store.execute(&["LRANGE", "l", "0", "-1"]);
/// assert_eq!(format_reply(&reply, Protocol::Resp2), "1) \"a\"\n2) \"b\\n\"\n");
/// assert_eq!(format_reply(&Reply::Double(1.5), Protocol::Resp3), "(double) 1.5\n");
/// assert_eq!(format_reply(&Reply::Double(1.5), Protocol::Resp2), "\"1.5\"\n");
/// ```
#[must_use]
pub fn format_reply(reply: &Reply, protocol: Protocol) -> String {
    let mut out = Vec::new();
    tty(&mut out, &node(reply, protocol), b"");
    String::from_utf8_lossy(&out).into_owned()
}

/// `reply` as `redis-cli --raw` prints it: strings as they are, the
/// elements of an array one per line, a map's key and value on one line
/// separated by a space, nothing for a null; ending with a newline.
///
/// ```
/// use kvstore::cli::format_reply_raw;
/// use kvstore::{Protocol, Store};
///
/// let store = Store::new();
/// store.execute(&["RPUSH", "l", "a", "b\n"]);
/// let reply = store.execute(&["LRANGE", "l", "0", "-1"]);
/// assert_eq!(format_reply_raw(&reply, Protocol::Resp2), b"a\nb\n\n");
/// let nil = store.execute(&["GET", "nokey"]);
/// assert_eq!(format_reply_raw(&nil, Protocol::Resp2), b"\n");
/// ```
#[must_use]
pub fn format_reply_raw(reply: &Reply, protocol: Protocol) -> Vec<u8> {
    let mut out = Vec::new();
    raw(&mut out, &node(reply, protocol));
    out.push(b'\n');
    out
}

/// How a [`Cli`] prints replies.
///
/// ```
/// use kvstore::cli::{Cli, OutputMode};
/// use kvstore::Store;
///
/// let store = Store::new();
/// store.execute(&["SADD", "s", "a"]);
/// let mut out = Vec::new();
/// Cli::new(&store).run_command(&["SMEMBERS", "s"], &mut out)?;
/// let mut raw = Vec::new();
/// Cli::new(&store).output(OutputMode::Raw).run_command(&["SMEMBERS", "s"], &mut raw)?;
/// assert_eq!((out.as_slice(), raw.as_slice()), (&b"1) \"a\"\n"[..], &b"a\n"[..]));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputMode {
    /// As [`format_reply`]: `redis-cli` on a terminal, or `--no-raw`.
    #[default]
    Formatted,
    /// As [`format_reply_raw`]: `redis-cli --raw`.
    Raw,
}

/// Whether the loop goes on after a line ([`Cli::run_line`]).
///
/// ```
/// use kvstore::cli::{Cli, Flow};
/// use kvstore::Store;
///
/// let mut cli = Cli::new(&Store::new());
/// assert_eq!(cli.run_line(b"DBSIZE", std::io::sink())?, Flow::Continue);
/// assert_eq!(cli.run_line(b"exit", std::io::sink())?, Flow::Quit);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read the next line.
    Continue,
    /// The line was `quit` or `exit`.
    Quit,
}

/// `redis-cli`'s command loop over one [`Session`] of a [`Store`].
///
/// It tracks what `redis-cli` tracks to draw its prompt (`kvstore(TX)> `
/// between a successful `MULTI` and its `EXEC` or `DISCARD`) and answers
/// `help` itself, from `COMMAND DOCS`. It never prints: every reply goes to
/// the writer it is given.
///
/// ```
/// use kvstore::cli::{Cli, Flow, OutputMode};
/// use kvstore::Store;
///
/// let store = Store::new();
/// let mut cli = Cli::new(&store);
/// let mut out = Vec::new();
/// assert_eq!(cli.prompt(), "kvstore> ");
/// assert_eq!(cli.run_line(b"3 INCR n", &mut out)?, Flow::Continue);
/// assert_eq!(out, b"(integer) 1\n(integer) 2\n(integer) 3\n");
/// assert_eq!(cli.run_line(b"quit", &mut out)?, Flow::Quit);
///
/// let mut raw = Cli::new(&store).output(OutputMode::Raw);
/// let mut out = Vec::new();
/// raw.run_command(&["GET", "n"], &mut out)?;
/// assert_eq!(out, b"3\n");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Cli {
    store: Store,
    session: Session,
    mode: OutputMode,
    in_multi: bool,
}

impl Cli {
    /// A loop over a new [`Session`] of `store`, printing
    /// [`OutputMode::Formatted`].
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// let mut out = Vec::new();
    /// kvstore::cli::Cli::new(&store).run_command(&["DBSIZE"], &mut out)?;
    /// assert_eq!(out, b"(integer) 0\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn new(store: &Store) -> Cli {
        Cli {
            store: store.clone(),
            session: Session::new(store),
            mode: OutputMode::default(),
            in_multi: false,
        }
    }

    /// Prints replies as `mode` says.
    ///
    /// ```
    /// use kvstore::cli::{Cli, OutputMode};
    ///
    /// let mut out = Vec::new();
    /// let mut cli = Cli::new(&kvstore::Store::new()).output(OutputMode::Raw);
    /// cli.run_command(&["GET", "nokey"], &mut out)?;
    /// assert_eq!(out, b"\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn output(mut self, mode: OutputMode) -> Cli {
        self.mode = mode;
        self
    }

    /// The prompt `redis-cli` would show now: `kvstore> `, or
    /// `kvstore(TX)> ` inside `MULTI`.
    ///
    /// ```
    /// let cli = kvstore::cli::Cli::new(&kvstore::Store::new());
    /// assert_eq!(cli.prompt(), "kvstore> ");
    /// ```
    #[must_use]
    pub fn prompt(&self) -> &'static str {
        if self.in_multi {
            "kvstore(TX)> "
        } else {
            "kvstore> "
        }
    }

    /// The protocol the session answers in (`HELLO 3` switches to RESP3).
    ///
    /// ```
    /// let cli = kvstore::cli::Cli::new(&kvstore::Store::new());
    /// assert_eq!(cli.protocol(), kvstore::Protocol::Resp2);
    /// ```
    #[must_use]
    pub fn protocol(&self) -> Protocol {
        self.session.protocol()
    }

    /// Runs one command given as arguments (`redis-cli SET k v`, no quoting
    /// involved) and writes its reply to `out`; `help` and `?` print help.
    ///
    /// ```
    /// let mut cli = kvstore::cli::Cli::new(&kvstore::Store::new());
    /// let mut out = Vec::new();
    /// cli.run_command(&["SET", "two words", "a\tb"], &mut out)?;
    /// cli.run_command(&["GET", "two words"], &mut out)?;
    /// assert_eq!(out, b"OK\n\"a\\tb\"\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Writing to `out` failed.
    pub fn run_command<A: AsRef<[u8]>>(
        &mut self,
        argv: &[A],
        mut out: impl Write,
    ) -> io::Result<()> {
        let Some(name) = argv.first().map(AsRef::as_ref) else {
            return Ok(());
        };
        if name.eq_ignore_ascii_case(b"help") || name == b"?" {
            return self.help(&argv[1..], &mut out);
        }
        let reply = self.session.execute(argv);
        let protocol = self.session.protocol();
        let text = if raw_strings(argv) {
            let mut text = Vec::new();
            raw(&mut text, &node(&reply, protocol));
            text
        } else {
            match self.mode {
                OutputMode::Formatted => format_reply(&reply, protocol).into_bytes(),
                OutputMode::Raw => format_reply_raw(&reply, protocol),
            }
        };
        out.write_all(&text)?;
        // The prompt follows the transaction as redis-cli's does.
        if argv.len() == 1 {
            let is = |word: &[u8]| name.eq_ignore_ascii_case(word);
            if is(b"multi") && !reply.is_error() {
                self.in_multi = true;
            } else if is(b"exec") || (is(b"discard") && !reply.is_error()) {
                self.in_multi = false;
            }
        }
        Ok(())
    }

    /// Runs one line as `redis-cli`'s prompt does and writes the replies to
    /// `out`.
    ///
    /// The line is split with [`resp::split_args`] (unbalanced quotes print
    /// `Invalid argument(s)`); a blank line does nothing; a first word that
    /// is a number repeats the command (`3 INCR n`); `quit` and `exit` end
    /// the loop; `help`, `help <command>` and `help @<group>` print help.
    ///
    /// ```
    /// use kvstore::cli::{Cli, Flow};
    ///
    /// let mut cli = Cli::new(&kvstore::Store::new());
    /// let mut out = Vec::new();
    /// assert_eq!(cli.run_line(b"2 RPUSH l x", &mut out)?, Flow::Continue);
    /// assert_eq!(cli.run_line(b"   ", &mut out)?, Flow::Continue);
    /// assert_eq!(out, b"(integer) 1\n(integer) 2\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Writing to `out` failed.
    pub fn run_line(&mut self, line: &[u8], mut out: impl Write) -> io::Result<Flow> {
        let Some(argv) = resp::split_args(line) else {
            out.write_all(b"Invalid argument(s)\n")?;
            return Ok(Flow::Continue);
        };
        let Some(first) = argv.first() else {
            return Ok(Flow::Continue);
        };
        let mut repeat = 1;
        let mut skip = 0;
        if argv.len() > 1
            && let Some(count) = repeat_count(first)
        {
            match count {
                Some(n) if n > 0 => {
                    repeat = n;
                    skip = 1;
                }
                _ => {
                    out.write_all(b"Invalid redis-cli repeat command option value.\n")?;
                    return Ok(Flow::Continue);
                }
            }
        }
        if first.eq_ignore_ascii_case(b"quit") || first.eq_ignore_ascii_case(b"exit") {
            return Ok(Flow::Quit);
        }
        let command = &argv[skip..];
        if command
            .first()
            .is_some_and(|c| c.eq_ignore_ascii_case(b"help") || c == b"?")
        {
            // redis-cli answers help once, whatever the count.
            repeat = 1;
        }
        for _ in 0..repeat {
            self.run_command(command, &mut out)?;
        }
        Ok(Flow::Continue)
    }

    /// Runs every line of `input` (up to `quit` or `exit`) and writes the
    /// replies to `out`, as `redis-cli` does when its input is not a
    /// terminal: `printf 'SET k v\nGET k\n' | redis-cli`.
    ///
    /// ```
    /// let mut cli = kvstore::cli::Cli::new(&kvstore::Store::new());
    /// let mut out = Vec::new();
    /// cli.run_lines(&b"SET k v\nquit\nGET k\n"[..], &mut out)?;
    /// assert_eq!(out, b"OK\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Reading `input` or writing `out` failed.
    pub fn run_lines(&mut self, mut input: impl BufRead, mut out: impl Write) -> io::Result<()> {
        let mut line = Vec::new();
        loop {
            line.clear();
            if input.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            let flow = self.run_line(&line, &mut out)?;
            out.flush()?;
            if flow == Flow::Quit {
                break;
            }
        }
        out.flush()
    }

    /// `help`, `help <command> [<subcommand>]`, `help @<group>`.
    fn help(&self, topic: &[impl AsRef<[u8]>], out: &mut impl Write) -> io::Result<()> {
        let Some(first) = topic.first().map(AsRef::as_ref) else {
            return out.write_all(generic_help().as_bytes());
        };
        let words: Vec<String> = topic
            .iter()
            .map(|w| String::from_utf8_lossy(w.as_ref()).to_ascii_lowercase())
            .collect();
        // A session of its own, so that help inside MULTI is not queued and
        // never changes the user's session.
        let mut session = Session::new(&self.store);
        let group = first.strip_prefix(b"@");
        let docs = match group {
            Some(_) => session.execute(&["COMMAND", "DOCS"]),
            None => session.execute(&[b"COMMAND".as_slice(), b"DOCS", first]),
        };
        let text = if docs.is_error() {
            let info = session.execute(&[b"COMMAND".as_slice(), b"INFO", first]);
            match help::from_info(&info) {
                Some(text) if group.is_none() => text,
                _ if info.is_error() => {
                    return writeln!(
                        out,
                        "No help for '{}': this store answers neither COMMAND DOCS nor COMMAND INFO",
                        words.join(" ")
                    );
                }
                _ => String::new(),
            }
        } else {
            help::from_docs(&docs, &words)
        };
        if text.is_empty() {
            return writeln!(out, "No help for '{}'", words.join(" "));
        }
        out.write_all(text.as_bytes())?;
        out.write_all(b"\n")
    }
}

/// The text of `help` alone.
fn generic_help() -> String {
    format!(
        "kvstore cli {} (an embedded kvstore; commands run in this process)\n\
         To get help about commands type:\n\
         \x20     \"help @<group>\" to get a list of commands in <group>\n\
         \x20     \"help <command>\" for help on <command>\n\
         \x20     \"quit\" to exit\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// `redis-cli`'s repeat count: `Some(count)` when `word` reads as a whole
/// number for `strtol` (`None` inside when it is out of range), `None` when
/// it is a command name.
fn repeat_count(word: &[u8]) -> Option<Option<i64>> {
    let text = std::str::from_utf8(word).ok()?;
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if digits.is_empty() {
        // strtol reads nothing: the word is a number only when it is empty.
        return text.is_empty().then_some(Some(0));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(trimmed.parse::<i64>().ok())
}

/// Commands whose string replies `redis-cli` prints raw even on a terminal
/// (`INFO`, `CLIENT LIST`, …: `cliSendCommand`'s `output_raw`).
fn raw_strings<A: AsRef<[u8]>>(argv: &[A]) -> bool {
    let word = |i: usize, w: &str| {
        argv.get(i)
            .is_some_and(|a| a.as_ref().eq_ignore_ascii_case(w.as_bytes()))
    };
    let n = argv.len();
    word(0, "info")
        || word(0, "lolwut")
        || (n >= 2 && word(0, "debug") && (word(1, "htstats") || word(1, "htstats-key")))
        || (n >= 2 && word(0, "memory") && (word(1, "malloc-stats") || word(1, "doctor")))
        || (n == 2 && word(0, "cluster") && (word(1, "nodes") || word(1, "info")))
        || (n >= 2 && word(0, "client") && (word(1, "list") || word(1, "info")))
        || (n == 3 && word(0, "latency") && word(1, "graph"))
        || (n == 2 && word(0, "latency") && word(1, "doctor"))
}

/// A reply as `redis-cli` sees it after reading its wire form in one
/// protocol (hiredis's reply types).
enum Node<'a> {
    Status(&'a str),
    Error(Vec<u8>),
    Integer(i64),
    Str(Cow<'a, [u8]>),
    Verbatim(&'a [u8]),
    Double(String),
    Nil,
    Bool(bool),
    /// An aggregate; a map's elements are its keys and values in turn, as
    /// hiredis keeps them.
    Aggregate(Kind, Vec<Node<'a>>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Array,
    Map,
    Set,
}

fn all(items: &[Reply], protocol: Protocol) -> Vec<Node<'_>> {
    items.iter().map(|r| node(r, protocol)).collect()
}

fn node(reply: &Reply, protocol: Protocol) -> Node<'_> {
    let resp3 = protocol == Protocol::Resp3;
    match reply {
        Reply::Simple(s) => Node::Status(s),
        Reply::Status(s) => Node::Status(s),
        Reply::Error(e) => Node::Error(e.message()),
        Reply::Integer(n) => Node::Integer(*n),
        Reply::Bulk(b) => Node::Str(Cow::Borrowed(b)),
        Reply::Null | Reply::NullArray => Node::Nil,
        Reply::Double(d) => {
            let text = crate::number::format_double(*d);
            if resp3 {
                Node::Double(text)
            } else {
                Node::Str(Cow::Owned(text.into_bytes()))
            }
        }
        Reply::Bool(b) if resp3 => Node::Bool(*b),
        Reply::Bool(b) => Node::Integer(i64::from(*b)),
        Reply::Array(items) => Node::Aggregate(Kind::Array, all(items, protocol)),
        Reply::Set(items) => Node::Aggregate(
            if resp3 { Kind::Set } else { Kind::Array },
            all(items, protocol),
        ),
        Reply::Map(pairs) => {
            let flat = pairs
                .iter()
                .flat_map(|(k, v)| [node(k, protocol), node(v, protocol)])
                .collect();
            Node::Aggregate(if resp3 { Kind::Map } else { Kind::Array }, flat)
        }
        Reply::Pairs(pairs) if resp3 => {
            let nested = pairs
                .iter()
                .map(|(a, b)| {
                    Node::Aggregate(Kind::Array, vec![node(a, protocol), node(b, protocol)])
                })
                .collect();
            Node::Aggregate(Kind::Array, nested)
        }
        Reply::Pairs(pairs) => {
            let flat = pairs
                .iter()
                .flat_map(|(a, b)| [node(a, protocol), node(b, protocol)])
                .collect();
            Node::Aggregate(Kind::Array, flat)
        }
        Reply::Verbatim(_, text) if resp3 => Node::Verbatim(text),
        Reply::Verbatim(_, text) => Node::Str(Cow::Borrowed(text)),
    }
}

/// C's `%s`: the bytes up to the first NUL.
fn c_str(bytes: &[u8]) -> &[u8] {
    bytes.split(|&b| b == 0).next().unwrap_or(bytes)
}

/// `sdscatrepr`: a quoted string with C escapes.
fn repr(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', b]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'x',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xf)],
                ]);
            }
        }
    }
    out.push(b'"');
}

/// `cliFormatReplyTTY`.
fn tty(out: &mut Vec<u8>, node: &Node<'_>, prefix: &[u8]) {
    match node {
        Node::Error(message) => {
            out.extend_from_slice(b"(error) ");
            out.extend_from_slice(c_str(message));
            out.push(b'\n');
        }
        Node::Status(s) => {
            out.extend_from_slice(c_str(s.as_bytes()));
            out.push(b'\n');
        }
        Node::Integer(n) => {
            out.extend_from_slice(b"(integer) ");
            out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes());
            out.push(b'\n');
        }
        Node::Double(text) => {
            out.extend_from_slice(b"(double) ");
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
        }
        Node::Str(bytes) => {
            repr(out, bytes);
            out.push(b'\n');
        }
        Node::Verbatim(text) => {
            out.extend_from_slice(text);
            out.push(b'\n');
        }
        Node::Nil => out.extend_from_slice(b"(nil)\n"),
        Node::Bool(b) => out.extend_from_slice(if *b { b"(true)\n" } else { b"(false)\n" }),
        Node::Aggregate(kind, items) if items.is_empty() => out.extend_from_slice(match kind {
            Kind::Array => b"(empty array)\n",
            Kind::Map => b"(empty hash)\n",
            Kind::Set => b"(empty set)\n",
        }),
        Node::Aggregate(kind, items) => {
            let count = if *kind == Kind::Map {
                items.len() / 2
            } else {
                items.len()
            };
            let width = count.to_string().len();
            let mut inner = prefix.to_vec();
            inner.resize(prefix.len() + width + 2, b' ');
            let sep = match kind {
                Kind::Array => ')',
                Kind::Map => '#',
                Kind::Set => '~',
            };
            let mut i = 0;
            while let Some(item) = items.get(i) {
                let human = if *kind == Kind::Map { i / 2 } else { i } + 1;
                // The first index follows the parent's own index on its line.
                if i > 0 {
                    out.extend_from_slice(prefix);
                }
                out.extend_from_slice(format!("{human:>width$}{sep} ").as_bytes());
                tty(out, item, &inner);
                if *kind == Kind::Map {
                    i += 1;
                    out.pop();
                    out.extend_from_slice(b" => ");
                    if let Some(value) = items.get(i) {
                        // A value of several lines starts on a line of its own.
                        if multiline(value) {
                            out.push(b'\n');
                            out.extend_from_slice(&inner);
                        }
                        tty(out, value, &inner);
                    }
                }
                i += 1;
            }
        }
    }
}

/// `cliIsMultilineValueTTY`: whether [`tty`] prints `node` on several lines.
fn multiline(node: &Node<'_>) -> bool {
    match node {
        Node::Aggregate(kind, items) => {
            let per_entry = if *kind == Kind::Map { 2 } else { 1 };
            match items.len() {
                0 => false,
                n if n > per_entry => true,
                _ => items.last().is_some_and(multiline),
            }
        }
        _ => false,
    }
}

/// `cliFormatReplyRaw`, without the final newline.
fn raw(out: &mut Vec<u8>, node: &Node<'_>) {
    match node {
        Node::Nil => {}
        Node::Error(message) => {
            out.extend_from_slice(message);
            out.push(b'\n');
        }
        Node::Status(s) => out.extend_from_slice(s.as_bytes()),
        Node::Str(bytes) => out.extend_from_slice(bytes),
        Node::Verbatim(text) => out.extend_from_slice(text),
        Node::Bool(b) => out.extend_from_slice(if *b { b"(true)" } else { b"(false)" }),
        Node::Integer(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
        Node::Double(text) => out.extend_from_slice(text.as_bytes()),
        Node::Aggregate(Kind::Map, items) => {
            for (i, pair) in items.chunks(2).enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                if let [key, value] = pair {
                    raw(out, key);
                    out.push(b' ');
                    raw(out, value);
                }
            }
        }
        Node::Aggregate(_, items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                raw(out, item);
            }
        }
    }
}

/// `help <command>` from `COMMAND DOCS` or `COMMAND INFO`, in the layout
/// of `redis-cli`'s help (without its colours).
mod help {
    use crate::Reply;

    /// What `help` shows of one command.
    #[derive(Default)]
    struct Doc {
        summary: String,
        since: String,
        group: String,
        params: String,
    }

    fn text(reply: &Reply) -> Option<String> {
        match reply {
            Reply::Bulk(b) | Reply::Verbatim(_, b) => Some(String::from_utf8_lossy(b).into_owned()),
            Reply::Simple(s) => Some((*s).to_owned()),
            Reply::Status(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// A map's entries, from a RESP3 map or its RESP2 flat array.
    fn pairs(reply: &Reply) -> Vec<(&Reply, &Reply)> {
        match reply {
            Reply::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
            Reply::Array(items) => items
                .chunks_exact(2)
                .filter_map(|pair| match pair {
                    [k, v] => Some((k, v)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn field<'a>(reply: &'a Reply, name: &str) -> Option<&'a Reply> {
        pairs(reply)
            .into_iter()
            .find(|(k, _)| text(k).is_some_and(|k| k.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v)
    }

    fn field_text(reply: &Reply, name: &str) -> String {
        field(reply, name).and_then(text).unwrap_or_default()
    }

    fn items(reply: &Reply) -> &[Reply] {
        match reply {
            Reply::Array(items) | Reply::Set(items) => items,
            _ => &[],
        }
    }

    /// One argument as `redis-cli` 7.2 writes it in a synopsis:
    /// `[EX seconds | PX milliseconds]`, `key [key ...]`.
    fn synopsis(arg: &Reply) -> String {
        let name = field(arg, "display_text")
            .and_then(text)
            .unwrap_or_else(|| field_text(arg, "name"));
        let children = || {
            field(arg, "arguments")
                .map(items)
                .unwrap_or_default()
                .iter()
                .map(synopsis)
        };
        let inner = match field_text(arg, "type").as_str() {
            "oneof" => children().collect::<Vec<_>>().join(" | "),
            "block" => children().collect::<Vec<_>>().join(" "),
            "pure-token" => String::new(),
            _ => name,
        };
        let flags: Vec<String> = field(arg, "flags")
            .map(items)
            .unwrap_or_default()
            .iter()
            .filter_map(text)
            .collect();
        let flag = |f: &str| flags.iter().any(|g| g.eq_ignore_ascii_case(f));
        let token = field(arg, "token").and_then(text);
        let join = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
            (true, _) => b.to_owned(),
            (_, true) => a.to_owned(),
            _ => format!("{a} {b}"),
        };
        let mut out = match &token {
            Some(token) if flag("multiple") && !flag("multiple_token") => {
                format!("{} [{inner} ...]", join(token, &inner))
            }
            Some(token) => join(token, &inner),
            None => inner,
        };
        if flag("multiple") && (token.is_none() || flag("multiple_token")) {
            out = format!("{out} [{out} ...]");
        }
        if flag("optional") {
            out = format!("[{out}]");
        }
        out
    }

    fn doc(reply: &Reply) -> Doc {
        let args = field(reply, "arguments").map(items).unwrap_or_default();
        Doc {
            summary: field_text(reply, "summary"),
            since: field_text(reply, "since"),
            group: field_text(reply, "group"),
            params: args.iter().map(synopsis).collect::<Vec<_>>().join(" "),
        }
    }

    fn render(out: &mut String, name: &str, doc: &Doc, with_group: bool) {
        let name = name.replace('|', " ").to_ascii_uppercase();
        let title = if doc.params.is_empty() {
            name
        } else {
            format!("{name} {}", doc.params)
        };
        out.push_str(&format!(
            "\n  {title}\n  summary: {}\n  since: {}\n",
            doc.summary, doc.since
        ));
        if with_group {
            out.push_str(&format!("  group: {}\n", doc.group));
        }
    }

    /// Help on the commands `COMMAND DOCS` describes that `topic` names:
    /// `["get"]`, `["config"]` (the command and its subcommands),
    /// `["config", "get"]`, or `["@string"]` (a group). Empty if none.
    pub(super) fn from_docs(docs: &Reply, topic: &[String]) -> String {
        let mut out = String::new();
        let group = topic.first().and_then(|t| t.strip_prefix('@'));
        let mut entries = Vec::new();
        for (name, reply) in pairs(docs) {
            let Some(name) = text(name) else { continue };
            entries.push((name, reply));
            if let Some(subs) = field(reply, "subcommands") {
                entries.extend(
                    pairs(subs)
                        .into_iter()
                        .filter_map(|(n, d)| Some((text(n)?, d))),
                );
            }
        }
        for (name, reply) in entries {
            let doc = doc(reply);
            let matches = match group {
                Some(group) => doc.group.eq_ignore_ascii_case(group),
                None => {
                    let words: Vec<&str> = name.split('|').collect();
                    topic.len() <= words.len()
                        && topic
                            .iter()
                            .zip(&words)
                            .all(|(t, w)| t.eq_ignore_ascii_case(w))
                }
            };
            if matches {
                render(&mut out, &name, &doc, group.is_none());
            }
        }
        out
    }

    /// Help from `COMMAND INFO`'s arity and first key, as `redis-cli` makes
    /// it for a command its help table lacks. `None` if it has no entry.
    pub(super) fn from_info(info: &Reply) -> Option<String> {
        let entry = items(info).first()?;
        let (name, arity, first_key) = match items(entry) {
            [
                name,
                Reply::Integer(arity),
                _,
                Reply::Integer(first_key),
                ..,
            ] => (text(name)?, *arity, *first_key),
            _ => return None,
        };
        let mut params = Vec::new();
        let mut args = arity.unsigned_abs().saturating_sub(1);
        if first_key == 1 && args > 0 {
            params.push("key");
            args -= 1;
        }
        params.extend(std::iter::repeat_n(
            "arg",
            usize::try_from(args).unwrap_or(0),
        ));
        if arity < 0 {
            params.push("...options...");
        }
        let doc = Doc {
            summary: "Help not available".to_owned(),
            since: "not known".to_owned(),
            group: String::new(),
            params: params.join(" "),
        };
        let mut out = String::new();
        render(&mut out, &name, &doc, false);
        out.push_str(&format!("  arity: {arity}\n"));
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn bulk(s: &str) -> Reply {
        Reply::Bulk(s.as_bytes().to_vec())
    }

    fn tty2(r: &Reply) -> String {
        format_reply(r, Protocol::Resp2)
    }

    fn tty3(r: &Reply) -> String {
        format_reply(r, Protocol::Resp3)
    }

    #[test]
    fn strings_are_quoted_as_sdscatrepr() {
        let r = Reply::Bulk(b"a\"b\\c\n\r\t\x07\x08\x00\x01\x7f\xff~ ".to_vec());
        assert_eq!(
            tty2(&r),
            "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\x01\\x7f\\xff~ \"\n"
        );
        assert_eq!(tty2(&Reply::Bulk(Vec::new())), "\"\"\n");
    }

    #[test]
    fn scalars() {
        assert_eq!(tty2(&Reply::ok()), "OK\n");
        assert_eq!(tty2(&Reply::Status("string".into())), "string\n");
        assert_eq!(tty2(&Reply::Integer(-7)), "(integer) -7\n");
        assert_eq!(tty2(&Reply::Null), "(nil)\n");
        assert_eq!(tty2(&Reply::NullArray), "(nil)\n");
        assert_eq!(tty3(&Reply::NullArray), "(nil)\n");
        assert_eq!(
            tty2(&Reply::Error(Error::Syntax)),
            "(error) ERR syntax error\n"
        );
        assert_eq!(tty2(&Reply::Double(-0.5)), "\"-0.5\"\n");
        assert_eq!(tty3(&Reply::Double(f64::INFINITY)), "(double) inf\n");
        assert_eq!(tty2(&Reply::Bool(true)), "(integer) 1\n");
        assert_eq!(tty3(&Reply::Bool(true)), "(true)\n");
        assert_eq!(tty3(&Reply::Bool(false)), "(false)\n");
        let v = Reply::Verbatim("txt", b"line 1\nline 2".to_vec());
        assert_eq!(tty3(&v), "line 1\nline 2\n");
        assert_eq!(tty2(&v), "\"line 1\\nline 2\"\n");
    }

    #[test]
    fn error_text_ends_at_nul_as_c_prints_it() {
        let e = Error::UnknownCommand {
            name: b"a\0b".to_vec(),
            args: Vec::new(),
        };
        assert_eq!(tty2(&Reply::Error(e)), "(error) ERR unknown command 'a\n");
    }

    #[test]
    fn arrays_widen_their_index_and_indent_nested_ones() {
        assert_eq!(tty2(&Reply::Array(vec![])), "(empty array)\n");
        let mut items: Vec<Reply> = (0..9).map(Reply::Integer).collect();
        items.push(Reply::Array(vec![
            bulk("a"),
            Reply::Array(vec![bulk("b"), bulk("c")]),
        ]));
        items.push(Reply::Array(vec![]));
        let expected = " 1) (integer) 0
 2) (integer) 1
 3) (integer) 2
 4) (integer) 3
 5) (integer) 4
 6) (integer) 5
 7) (integer) 6
 8) (integer) 7
 9) (integer) 8
10) 1) \"a\"
    2) 1) \"b\"
       2) \"c\"
11) (empty array)
";
        assert_eq!(tty2(&Reply::Array(items)), expected);
    }

    #[test]
    fn resp3_aggregates_and_their_resp2_downgrades() {
        let map = Reply::Map(vec![
            (bulk("k"), bulk("v")),
            (
                bulk("n"),
                Reply::Array(vec![Reply::Integer(1), Reply::Integer(2)]),
            ),
        ]);
        assert_eq!(
            tty3(&map),
            "1# \"k\" => \"v\"\n2# \"n\" => \n   1) (integer) 1\n   2) (integer) 2\n"
        );
        assert_eq!(
            tty2(&map),
            "1) \"k\"\n2) \"v\"\n3) \"n\"\n4) 1) (integer) 1\n   2) (integer) 2\n"
        );
        assert_eq!(tty3(&Reply::Map(vec![])), "(empty hash)\n");
        assert_eq!(tty2(&Reply::Map(vec![])), "(empty array)\n");
        let set = Reply::Set(vec![bulk("m")]);
        assert_eq!(tty3(&set), "1~ \"m\"\n");
        assert_eq!(tty2(&set), "1) \"m\"\n");
        assert_eq!(tty3(&Reply::Set(vec![])), "(empty set)\n");
        let pairs = Reply::Pairs(vec![(bulk("a"), Reply::Double(1.5))]);
        assert_eq!(tty3(&pairs), "1) 1) \"a\"\n   2) (double) 1.5\n");
        assert_eq!(tty2(&pairs), "1) \"a\"\n2) \"1.5\"\n");
    }

    #[test]
    fn raw_output() {
        let raw2 = |r: &Reply| format_reply_raw(r, Protocol::Resp2);
        let raw3 = |r: &Reply| format_reply_raw(r, Protocol::Resp3);
        assert_eq!(raw2(&bulk("a\"b")), b"a\"b\n");
        assert_eq!(raw2(&Reply::Null), b"\n");
        assert_eq!(raw2(&Reply::Integer(3)), b"3\n");
        assert_eq!(raw2(&Reply::Error(Error::Syntax)), b"ERR syntax error\n\n");
        assert_eq!(raw3(&Reply::Bool(true)), b"(true)\n");
        assert_eq!(raw2(&Reply::Bool(true)), b"1\n");
        assert_eq!(raw3(&Reply::Double(2.5)), b"2.5\n");
        let map = Reply::Map(vec![(bulk("f"), bulk("v")), (bulk("g"), Reply::Integer(1))]);
        assert_eq!(raw3(&map), b"f v\ng 1\n");
        assert_eq!(raw2(&map), b"f\nv\ng\n1\n");
        let nested = Reply::Array(vec![bulk("a"), Reply::Array(vec![bulk("b"), bulk("c")])]);
        assert_eq!(raw2(&nested), b"a\nb\nc\n");
        assert_eq!(raw2(&Reply::Array(vec![])), b"\n");
    }

    #[test]
    fn repeat_counts_read_as_strtol() {
        assert_eq!(repeat_count(b"3"), Some(Some(3)));
        assert_eq!(repeat_count(b"+3"), Some(Some(3)));
        assert_eq!(repeat_count(b" 3"), Some(Some(3)));
        assert_eq!(repeat_count(b"-1"), Some(Some(-1)));
        assert_eq!(repeat_count(b"0"), Some(Some(0)));
        assert_eq!(repeat_count(b""), Some(Some(0)));
        assert_eq!(repeat_count(b"99999999999999999999"), Some(None));
        assert_eq!(repeat_count(b"3x"), None);
        assert_eq!(repeat_count(b"GET"), None);
        assert_eq!(repeat_count(b"-"), None);
    }

    #[test]
    fn lines() -> io::Result<()> {
        let store = Store::new();
        let mut cli = Cli::new(&store);
        let mut out = Vec::new();
        let input = b"SET k v\n\n   \r\n2 GET k\n0 GET k\nGET\nquit\nGET k\n";
        cli.run_lines(&input[..], &mut out)?;
        let expected = "OK\n\"v\"\n\"v\"\nInvalid redis-cli repeat command option value.\n\
                        (error) ERR wrong number of arguments for 'get' command\n";
        assert_eq!(String::from_utf8_lossy(&out), expected);
        assert_eq!(cli.prompt(), "kvstore> ");
        let mut out = Vec::new();
        assert_eq!(cli.run_line(b"EXIT", &mut out)?, Flow::Quit);
        assert_eq!(cli.run_line(b"3 quit", &mut out)?, Flow::Continue);
        let mut out = Vec::new();
        cli.run_line(b"help", &mut out)?;
        assert!(String::from_utf8_lossy(&out).starts_with("kvstore cli "));
        Ok(())
    }

    #[test]
    fn some_commands_print_raw_strings() {
        assert!(raw_strings(&["INFO"]));
        assert!(raw_strings(&["info", "memory"]));
        assert!(raw_strings(&["CLIENT", "LIST"]));
        assert!(raw_strings(&["latency", "doctor"]));
        assert!(!raw_strings(&["latency", "doctor", "x"]));
        assert!(!raw_strings(&["GET", "info"]));
    }

    fn map(fields: Vec<(&str, Reply)>) -> Reply {
        Reply::Map(fields.into_iter().map(|(k, v)| (bulk(k), v)).collect())
    }

    fn arg(name: &str, typ: &str, extra: Vec<(&str, Reply)>) -> Reply {
        let mut fields = vec![("name", bulk(name)), ("type", bulk(typ))];
        fields.extend(extra);
        map(fields)
    }

    fn flags(f: &[&'static str]) -> Reply {
        Reply::Set(f.iter().map(|s| Reply::Simple(s)).collect())
    }

    fn topic(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn help_from_command_docs() {
        let condition = Reply::Array(vec![
            arg("nx", "pure-token", vec![("token", bulk("NX"))]),
            arg("xx", "pure-token", vec![("token", bulk("XX"))]),
        ]);
        let set_args = Reply::Array(vec![
            arg("key", "key", vec![]),
            arg("value", "string", vec![]),
            arg(
                "condition",
                "oneof",
                vec![("flags", flags(&["optional"])), ("arguments", condition)],
            ),
            arg(
                "seconds",
                "integer",
                vec![("token", bulk("EX")), ("flags", flags(&["optional"]))],
            ),
        ]);
        let set_doc = map(vec![
            ("summary", bulk("Set the string value of a key")),
            ("since", bulk("1.0.0")),
            ("group", bulk("string")),
            ("arguments", set_args),
        ]);
        let keys = Reply::Array(vec![arg(
            "key",
            "key",
            vec![("flags", flags(&["multiple"]))],
        )]);
        let del_doc = map(vec![
            ("summary", bulk("Delete a key")),
            ("since", bulk("1.0.0")),
            ("group", bulk("generic")),
            ("arguments", keys),
        ]);
        let get_sub = map(vec![
            ("summary", bulk("Get")),
            ("since", bulk("2.0.0")),
            ("group", bulk("server")),
        ]);
        let config_doc = map(vec![
            ("summary", bulk("A container")),
            ("since", bulk("2.0.0")),
            ("group", bulk("server")),
            ("subcommands", map(vec![("config|get", get_sub)])),
        ]);
        let docs = map(vec![
            ("set", set_doc),
            ("del", del_doc),
            ("config", config_doc),
        ]);
        assert_eq!(
            help::from_docs(&docs, &topic(&["set"])),
            "\n  SET key value [NX | XX] [EX seconds]\n  summary: Set the string value of a key\n  \
             since: 1.0.0\n  group: string\n"
        );
        assert_eq!(
            help::from_docs(&docs, &topic(&["@generic"])),
            "\n  DEL key [key ...]\n  summary: Delete a key\n  since: 1.0.0\n"
        );
        assert_eq!(
            help::from_docs(&docs, &topic(&["config", "get"])),
            "\n  CONFIG GET\n  summary: Get\n  since: 2.0.0\n  group: server\n"
        );
        let config = help::from_docs(&docs, &topic(&["config"]));
        assert_eq!(config.matches("\n  CONFIG").count(), 2, "{config}");
        assert_eq!(help::from_docs(&docs, &topic(&["nosuch"])), "");
        // The RESP2 shape (flat arrays) reads the same.
        let flat = Reply::Array(vec![
            bulk("del"),
            Reply::Array(vec![bulk("summary"), bulk("Delete a key")]),
        ]);
        let del = help::from_docs(&flat, &topic(&["del"]));
        assert!(del.contains("summary: Delete a key"), "{del}");
    }

    #[test]
    fn help_from_command_info() {
        let entry = |name: &str, arity: i64, first: i64| {
            Reply::Array(vec![Reply::Array(vec![
                bulk(name),
                Reply::Integer(arity),
                Reply::Set(vec![]),
                Reply::Integer(first),
            ])])
        };
        assert_eq!(
            help::from_info(&entry("get", 2, 1)).as_deref(),
            Some("\n  GET key\n  summary: Help not available\n  since: not known\n  arity: 2\n")
        );
        let mset = help::from_info(&entry("mset", -3, 1)).unwrap_or_default();
        assert!(
            mset.starts_with("\n  MSET key arg ...options...\n"),
            "{mset}"
        );
        assert_eq!(help::from_info(&Reply::Array(vec![Reply::Null])), None);
    }
}
