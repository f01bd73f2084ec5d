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

use std::io::{self, BufRead, Write};
use std::time::Duration;

use crate::{Protocol, Reply, Session, Store, resp};

mod format;
mod help;
#[cfg(test)]
mod tests;

pub use format::{format_reply, format_reply_raw};

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
    /// After `SUBSCRIBE`, `PSUBSCRIBE` or `SSUBSCRIBE`: printing messages.
    reading: bool,
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
            reading: false,
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
        let subscribes = [&b"subscribe"[..], b"psubscribe", b"ssubscribe"]
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c));
        if subscribes && self.mode == OutputMode::Formatted {
            out.write_all(b"Reading messages... (press Ctrl-C to quit)\n")?;
        }
        let reply = self.session.execute(argv);
        let text = if raw_strings(argv) {
            format::format_reply_raw_strings(&reply, self.session.protocol())
        } else {
            self.format(&reply)
        };
        out.write_all(&text)?;
        if subscribes {
            self.reading = !reply.is_error() && self.session.is_subscribed();
        }
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

    fn format(&self, reply: &Reply) -> Vec<u8> {
        let protocol = self.session.protocol();
        match self.mode {
            OutputMode::Formatted => format_reply(reply, protocol).into_bytes(),
            OutputMode::Raw => format_reply_raw(reply, protocol),
        }
    }

    /// Whether a subscribe command put the loop in `redis-cli`'s pub/sub
    /// mode: it then prints messages ([`Cli::print_message`]) rather than
    /// reading commands, until Ctrl-C.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kvstore::cli::Cli;
    ///
    /// let store = kvstore::Store::new();
    /// let mut cli = Cli::new(&store);
    /// let mut out = Vec::new();
    /// cli.run_line(b"SUBSCRIBE news", &mut out)?;
    /// assert!(cli.reading_messages());
    /// store.publish("news", "hello");
    /// assert!(cli.print_message(Duration::from_secs(1), &mut out)?);
    /// assert_eq!(
    ///     String::from_utf8_lossy(&out),
    ///     "Reading messages... (press Ctrl-C to quit)\n\
    ///      1) \"subscribe\"\n2) \"news\"\n3) (integer) 1\n\
    ///      1) \"message\"\n2) \"news\"\n3) \"hello\"\n"
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn reading_messages(&self) -> bool {
        self.reading
    }

    /// Waits up to `timeout` for the next pub/sub message and prints it as
    /// `redis-cli` does; whether one came. A subscriber disconnected for
    /// falling behind prints the error and leaves pub/sub mode.
    ///
    /// # Errors
    ///
    /// Writing to `out` failed.
    pub fn print_message(&mut self, timeout: Duration, mut out: impl Write) -> io::Result<bool> {
        let reply = match self.session.next_message(timeout) {
            Ok(None) => return Ok(false),
            Ok(Some(message)) => Reply::from(&message),
            Err(e) => {
                self.reading = false;
                Reply::Error(e)
            }
        };
        out.write_all(&self.format(&reply))?;
        Ok(true)
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
