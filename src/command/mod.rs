//! The command layer: one table describing every command, and
//! [`Store::execute`], which runs a command from its argv and answers exactly
//! as Redis 7.0 would, arity and syntax errors included.
//!
//! Handlers parse arguments and call the typed methods of [`Store`], so the
//! typed API and `execute` share one implementation and one propagation path.

mod generic;
mod hash;
mod introspect;
mod list;
mod memory;
mod meta;
mod persist;
mod pubsub;
mod server;
mod set;
mod string;
mod table;
mod zset;
mod zset_more;

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::error::client_text;
use crate::{Error, Reply, Store};

/// A command handler: `argv` includes the command name and has already
/// passed the arity check.
pub(crate) type Handler = fn(&Store, &[&[u8]]) -> Reply;

/// Command flags, named as Redis names them in `COMMAND INFO`.
pub(crate) mod flags {
    /// May modify the keyspace.
    pub(crate) const WRITE: u32 = 1 << 0;
    /// Never modifies the keyspace.
    pub(crate) const READONLY: u32 = 1 << 1;
    /// May grow memory use (refused under maxmemory when nothing can be evicted).
    pub(crate) const DENYOOM: u32 = 1 << 2;
    /// O(1) or O(log n).
    pub(crate) const FAST: u32 = 1 << 3;
    /// May block the caller (`BLPOP`, …).
    pub(crate) const BLOCKING: u32 = 1 << 4;
    /// Works on the connection's state, run by [`crate::Session`]
    /// (`AUTH`, `MULTI`, `CLIENT SETNAME`, …).
    pub(crate) const CONNECTION: u32 = 1 << 5;
    /// Refused inside `MULTI` (`SAVE`).
    pub(crate) const NO_MULTI: u32 = 1 << 6;
    /// A pub/sub command (`PUBLISH`, `SUBSCRIBE`, `PUBSUB NUMSUB`, …).
    pub(crate) const PUBSUB: u32 = 1 << 7;
}

/// Positions of the keys in a command's argv, as Redis's legacy
/// (first, last, step) triple; `last` < 0 counts from the end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeySpec {
    pub(crate) first: i32,
    pub(crate) last: i32,
    pub(crate) step: i32,
    /// More keys counted by a numkeys argument at this index (0: none), after
    /// the (first, last, step) ones: `ZUNIONSTORE dest numkeys key …`.
    pub(crate) numkeys_at: i32,
}

/// One row of the command table.
pub(crate) struct CommandSpec {
    /// Lower-case full name (`get`, `object|encoding`).
    pub(crate) name: &'static str,
    /// Argument count including the name; `-n` means at least `n`.
    pub(crate) arity: i32,
    /// [`flags`] bits, read by `COMMAND INFO` (and the server's MULTI and
    /// maxmemory checks).
    pub(crate) flags: u32,
    pub(crate) keys: KeySpec,
    pub(crate) handler: Handler,
    /// For container commands (`OBJECT`): the subcommands, dispatched on
    /// `argv[1]`.
    pub(crate) subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    fn arity_ok(&self, argc: usize) -> bool {
        let argc = i64::try_from(argc).unwrap_or(i64::MAX);
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// The keys of `argv`, per the key spec (for cluster slot checks and
    /// `COMMAND GETKEYS`).
    pub(crate) fn keys<'a>(&self, argv: &[&'a [u8]]) -> Vec<&'a [u8]> {
        let KeySpec {
            first,
            last,
            step,
            numkeys_at,
        } = self.keys;
        if first < 0 {
            return numkeys_keys(argv, usize::try_from(first.unsigned_abs()).unwrap_or(0));
        }
        if first <= 0 || step <= 0 {
            return Vec::new();
        }
        let mut keys = range_keys(argv, first, last, step);
        if numkeys_at > 0 {
            keys.extend(numkeys_keys(argv, usize::try_from(numkeys_at).unwrap_or(0)));
        }
        keys
    }
}

impl KeySpec {
    /// Keys counted by a numkeys argument at index `at`, the keys right
    /// after it (`LMPOP`, `BLMPOP`); stored as a negative `first`.
    pub(crate) const fn numkeys(at: i32) -> KeySpec {
        KeySpec {
            first: -at,
            last: 0,
            step: 0,
            numkeys_at: 0,
        }
    }

    /// A destination key at 1, then keys counted by a numkeys argument at 2
    /// (`ZUNIONSTORE`, `ZINTERSTORE`, `ZDIFFSTORE`).
    pub(crate) const fn dest_then_numkeys() -> KeySpec {
        KeySpec {
            first: 1,
            last: 1,
            step: 1,
            numkeys_at: 2,
        }
    }

    /// Whether the command names no key at all (`PING`, `KEYS`, `FLUSHDB`):
    /// a transaction running it must hold every shard.
    pub(crate) fn is_keyless(&self) -> bool {
        self.first == 0 && self.numkeys_at == 0
    }
}

/// The keys at first, first + step, … last (negative: from the end).
fn range_keys<'a>(argv: &[&'a [u8]], first: i32, last: i32, step: i32) -> Vec<&'a [u8]> {
    let argc = i64::try_from(argv.len()).unwrap_or(0);
    let last = if last < 0 {
        argc + i64::from(last)
    } else {
        i64::from(last)
    };
    (i64::from(first)..=last.min(argc - 1))
        .step_by(usize::try_from(step).unwrap_or(1))
        .filter_map(|i| argv.get(usize::try_from(i).ok()?).copied())
        .collect()
}

/// The keys of a numkeys-style command whose count is at `argv[at]`.
fn numkeys_keys<'a>(argv: &[&'a [u8]], at: usize) -> Vec<&'a [u8]> {
    let n = argv
        .get(at)
        .and_then(|a| crate::number::parse_i64(a))
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    argv.iter().skip(at + 1).take(n).copied().collect()
}

/// The spec that serves `argv`: the command's, or its subcommand's for a
/// container command (`OBJECT ENCODING`). `None` for unknown commands.
pub(crate) fn lookup_spec(argv: &[&[u8]]) -> Option<&'static CommandSpec> {
    let spec = lookup(argv.first()?)?;
    if spec.subcommands.is_empty() {
        return Some(spec);
    }
    find_subcommand(spec, argv.get(1)?)
}

fn find_subcommand(spec: &'static CommandSpec, sub: &[u8]) -> Option<&'static CommandSpec> {
    spec.subcommands.iter().find(|s| {
        s.name
            .split_once('|')
            .is_some_and(|(_, n)| n.as_bytes().eq_ignore_ascii_case(sub))
    })
}

/// Longest command name we look up; longer names are unknown.
const MAX_NAME: usize = 32;

static LOOKUP: LazyLock<HashMap<&'static [u8], &'static CommandSpec, ahash::RandomState>> =
    LazyLock::new(|| {
        table::COMMANDS
            .iter()
            .map(|spec| (spec.name.as_bytes(), spec))
            .collect()
    });

/// Finds a command by name, case-insensitively.
pub(crate) fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    if name.len() > MAX_NAME {
        return None;
    }
    let mut buf = [0u8; MAX_NAME];
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    LOOKUP.get(&*lower).copied()
}

impl Store {
    /// Runs one command from its argv (`["SET", "k", "v"]`) and returns the
    /// reply Redis 7.0 would send, errors included. Never panics on any input.
    ///
    /// Each call is a connection of its own: connection commands apply to
    /// a [`Session`](crate::Session) that ends with the call. So `SUBSCRIBE`
    /// answers its confirmations (a [`Reply::Sequence`] of
    /// [`Reply::Push`]) and the subscription ends at once, as for a client
    /// that subscribes and hangs up; keep a [`Session`](crate::Session) or
    /// a [`Subscriber`](crate::Subscriber) to receive messages.
    ///
    /// ```
    /// use kvstore::{Reply, Store};
    ///
    /// let store = Store::new();
    /// assert_eq!(store.execute(&["SET", "n", "41"]), Reply::ok());
    /// assert_eq!(store.execute(&["INCR", "n"]), Reply::Integer(42));
    /// let Reply::Error(err) = store.execute(&["GET"]) else { panic!() };
    /// assert_eq!(err.to_string(), "ERR wrong number of arguments for 'get' command");
    /// ```
    pub fn execute<A: AsRef<[u8]>>(&self, argv: &[A]) -> Reply {
        let args: Vec<&[u8]> = argv.iter().map(AsRef::as_ref).collect();
        dispatch(self, &args)
    }
}

fn dispatch(store: &Store, argv: &[&[u8]]) -> Reply {
    match resolve(argv) {
        // Refused commands are not counted, as in Redis.
        Ok(spec) => match check_writable(store, spec) {
            Ok(()) => call(store, spec, argv),
            Err(e) => Reply::Error(e),
        },
        // A connection command refuses bad arguments its own way (`EXEC`
        // aborts with `EXECABORT`): the session answers.
        Err(_) if is_connection_command(argv) => crate::session::standalone(store, argv),
        Err(e) => Reply::Error(e),
    }
}

fn is_connection_command(argv: &[&[u8]]) -> bool {
    argv.first()
        .and_then(|name| lookup(name))
        .is_some_and(|spec| spec.flags & flags::CONNECTION != 0)
}

/// Redis's `MISCONF` check (`processCommand`, after the unknown-command,
/// arity and auth checks, before the command runs or is queued): while a
/// persistence refuses writes, a command flagged `write` is refused before
/// its arguments are even parsed, and so is `PING` (Redis answers it
/// `MISCONF` too, so that health checks notice).
pub(crate) fn check_writable(store: &Store, spec: &CommandSpec) -> Result<(), Error> {
    if spec.flags & flags::WRITE == 0 && spec.name != "ping" {
        return Ok(());
    }
    store.check_write()
}

/// Runs a resolved command, counted in `total_commands_processed`.
pub(crate) fn call(store: &Store, spec: &CommandSpec, argv: &[&[u8]]) -> Reply {
    store.count_command();
    (spec.handler)(store, argv)
}

/// The spec that runs `argv` (a subcommand's for container commands), after
/// the checks Redis makes before running anything: known command, arity,
/// known subcommand. `MULTI` queueing refuses a command on the same errors.
pub(crate) fn resolve(argv: &[&[u8]]) -> Result<&'static CommandSpec, Error> {
    let name = argv.first().copied().unwrap_or_default();
    let Some(spec) = lookup(name) else {
        return Err(unknown_command(argv));
    };
    if !spec.arity_ok(argv.len()) {
        return Err(Error::WrongArity(spec.name.to_owned()));
    }
    // A container called alone (`COMMAND`) runs its own handler.
    if spec.subcommands.is_empty() || argv.len() == 1 {
        return Ok(spec);
    }
    let sub = argv.get(1).copied().unwrap_or_default();
    let Some(sub_spec) = find_subcommand(spec, sub) else {
        return Err(Error::UnknownSubcommand {
            subcommand: client_text(sub, 128),
            command: container_name(spec),
        });
    };
    if !sub_spec.arity_ok(argv.len()) {
        return Err(Error::WrongArity(sub_spec.name.to_owned()));
    }
    Ok(sub_spec)
}

/// The upper-case name Redis uses in "Try OBJECT HELP.".
fn container_name(spec: &CommandSpec) -> &'static str {
    match spec.name {
        "object" => "OBJECT",
        "client" => "CLIENT",
        "config" => "CONFIG",
        "command" => "COMMAND",
        "pubsub" => "PUBSUB",
        "memory" => "MEMORY",
        _ => "HELP",
    }
}

/// Redis's "unknown command" error: the name and the first arguments, each
/// quoted, at most 128 bytes of arguments in all.
fn unknown_command(argv: &[&[u8]]) -> Error {
    let name = argv.first().copied().unwrap_or_default();
    let mut args = Vec::new();
    for arg in argv.iter().skip(1) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push(b'\'');
        args.extend_from_slice(&client_text(arg, room));
        args.extend_from_slice(b"' ");
    }
    Error::UnknownCommand {
        name: client_text(name, 128),
        args,
    }
}

/// Argument helpers shared by the handlers.
pub(crate) mod args {
    use crate::number::parse_i64;
    use crate::{Error, Result};

    /// An integer argument (Redis's `getLongLongFromObjectOrReply`).
    pub(crate) fn int(arg: &[u8]) -> Result<i64> {
        parse_i64(arg).ok_or(Error::NotInteger)
    }

    /// Whether `arg` is the option `name`, compared as Redis compares C
    /// strings (`strcasecmp`): case-insensitively, up to the first NUL byte.
    pub(crate) fn is(arg: &[u8], name: &str) -> bool {
        let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
        arg[..end].eq_ignore_ascii_case(name.as_bytes())
    }

    /// An option as Redis prints it with `%s`: up to the first NUL byte.
    pub(crate) fn c_str(arg: &[u8]) -> Vec<u8> {
        crate::error::client_text(arg, usize::MAX)
    }

    /// An argument that must fit a C `int` (Redis's `getIntFromObjectOrReply`).
    pub(crate) fn int32(arg: &[u8]) -> Result<i32> {
        i32::try_from(int(arg)?).map_err(|_| Error::IntOutOfRange)
    }

    /// The arguments of LMPOP, BLMPOP, ZMPOP and BZMPOP from the numkeys
    /// argument on: `numkeys key [key …] <end> [COUNT count]`, where `end`
    /// parses the end word (`LEFT|RIGHT`, `MIN|MAX`).
    pub(crate) fn parse_mpop<'a, E>(
        args: &[&'a [u8]],
        end: impl Fn(&[u8]) -> Result<E>,
    ) -> Result<(Vec<&'a [u8]>, E, usize)> {
        let numkeys = args
            .first()
            .and_then(|a| int(a).ok())
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0)
            .ok_or(Error::NumkeysNotPositive)?;
        let end_at = numkeys.checked_add(1).ok_or(Error::Syntax)?;
        let Some(&end_arg) = args.get(end_at) else {
            return Err(Error::Syntax);
        };
        let end = end(end_arg)?;
        let mut count = None;
        let mut i = end_at + 1;
        while let Some(&opt) = args.get(i) {
            match args.get(i + 1) {
                Some(&value) if count.is_none() && is(opt, "count") => {
                    let n = int(value)
                        .ok()
                        .and_then(|n| usize::try_from(n).ok())
                        .filter(|&n| n > 0)
                        .ok_or(Error::CountNotPositive)?;
                    count = Some(n);
                    i += 2;
                }
                _ => return Err(Error::Syntax),
            }
        }
        Ok((args[1..end_at].to_vec(), end, count.unwrap_or(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_unique_lowercase_and_found() {
        let mut seen = std::collections::HashSet::new();
        for spec in table::COMMANDS {
            assert_eq!(spec.name, spec.name.to_lowercase());
            assert!(seen.insert(spec.name), "duplicate {}", spec.name);
            assert!(lookup(spec.name.to_uppercase().as_bytes()).is_some());
            // Commands on keys read or write them.
            assert!(
                spec.flags & (flags::WRITE | flags::READONLY) != 0
                    || !spec.subcommands.is_empty()
                    || spec.keys.is_keyless()
                    || spec.flags & (flags::CONNECTION | flags::PUBSUB) != 0
            );
        }
        assert!(lookup(b"no-such-command").is_none());
        assert!(lookup(&[b'g'; 100]).is_none());
    }

    #[test]
    fn key_specs_find_keys() {
        let argv: Vec<&[u8]> = vec![b"MSET", b"a", b"1", b"b", b"2"];
        assert_eq!(
            lookup(b"mset").expect("mset").keys(&argv),
            vec![&b"a"[..], b"b"]
        );
        let argv: Vec<&[u8]> = vec![b"GET", b"k"];
        assert_eq!(lookup(b"get").expect("get").keys(&argv), vec![&b"k"[..]]);
    }

    #[test]
    fn unknown_command_text_matches_redis() {
        let e = unknown_command(&[b"foo", b"a", b"b"]);
        assert_eq!(
            e.to_string(),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
        let long = vec![b'x'; 300];
        let e = unknown_command(&[b"foo", &long, b"next"]);
        let text = e.to_string();
        assert!(text.ends_with("' "), "{text}");
        assert!(!text.contains("next"));
    }

    #[test]
    fn options_compare_like_c_strings() {
        assert!(args::is(b"nX", "nx"));
        assert!(args::is(b"nx\0junk", "nx"));
        assert!(!args::is(b"nxx", "nx"));
        assert_eq!(args::c_str(b"ab\0cd"), b"ab");
    }
}
