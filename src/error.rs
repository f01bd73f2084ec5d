//! The one error type of the crate.
//!
//! Every variant's [`Display`](fmt::Display) is the exact text Redis 7.0
//! replies with (without the leading `-` of the RESP error line), so a RESP
//! server can forward an [`Error`] verbatim and clients see what a real Redis
//! would have sent them.

use std::fmt;

/// The result type of every fallible `kvstore` operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a command can fail with.
///
/// The `Display` text of each variant is Redis 7.0's error reply for the same
/// condition, prefix (`ERR`, `WRONGTYPE`, …) included.
///
/// ```
/// use kvstore::{Error, Store};
///
/// let store = Store::new();
/// store.set("greeting", "hello")?;
/// let err = store.incr("greeting").unwrap_err();
/// assert_eq!(err, Error::NotInteger);
/// assert_eq!(err.to_string(), "ERR value is not an integer or out of range");
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The key holds a value of another kind than the command works on.
    WrongType,
    /// An argument or a stored value is not a 64-bit signed integer.
    NotInteger,
    /// An argument or a stored value is not a valid floating point number.
    NotFloat,
    /// An increment or decrement would leave the range of `i64`.
    IncrOverflow,
    /// `DECRBY` with `i64::MIN`, which cannot be negated.
    DecrOverflow,
    /// A floating point increment would produce NaN or an infinity.
    NanOrInfinity,
    /// A malformed option list.
    Syntax,
    /// The key does not exist (`RENAME` of a missing key).
    NoSuchKey,
    /// Source and destination are the same key (`COPY`).
    SameObject,
    /// An expire time that is zero, negative where not allowed, or overflows
    /// when converted to milliseconds; the field is the command's name.
    InvalidExpireTime(&'static str),
    /// The result would exceed the maximum string size (512 MB by default).
    StringTooLong,
    /// A negative offset (`SETRANGE`).
    OffsetOutOfRange,
    /// A `SCAN` cursor that is not an unsigned integer.
    InvalidCursor,
    /// `EXPIRE … NX` combined with `XX`, `GT` or `LT`.
    ExpireNxConflict,
    /// `EXPIRE … GT LT`.
    ExpireGtLtConflict,
    /// An option an `EXPIRE`-family command does not know (as sent).
    UnsupportedOption(Vec<u8>),
    /// `COPY … DB n` with a database other than 0: the store has one database.
    DbIndexOutOfRange,
    /// An argument that must fit a C `int` does not.
    IntOutOfRange,
    /// `LCS` on a key that holds something else than a string.
    LcsWrongType,
    /// `LCS … LEN IDX`.
    LcsLenAndIdx,
    /// `LCS` whose working table would exceed the configured limit.
    LcsTooLarge,
    /// A number argument that must be positive (or non-negative) is not.
    NotPositive,
    /// The command's argument count does not match its arity; the field is
    /// the command's full lower-case name (`get`, `object|encoding`).
    WrongArity(String),
    /// No command of that name exists.
    UnknownCommand {
        /// The name as sent, cut as Redis cuts it (at 128 bytes or a NUL).
        name: Vec<u8>,
        /// The first arguments, already formatted as Redis does
        /// (`'a' 'b' `, at most 128 bytes).
        args: Vec<u8>,
    },
    /// A container command (such as `OBJECT`) got a subcommand it does not know.
    UnknownSubcommand {
        /// The subcommand as sent, cut as Redis cuts it.
        subcommand: Vec<u8>,
        /// The container command's name, upper-case (`OBJECT`).
        command: &'static str,
    },
    /// A container command's subcommand got a number of arguments it does
    /// not take (Redis's `addReplySubcommandSyntaxError`).
    SubcommandSyntax {
        /// The subcommand as sent, cut as Redis cuts it.
        subcommand: Vec<u8>,
        /// The container command's name, upper-case (`PUBSUB`).
        command: &'static str,
    },
    /// A blocking command's timeout is malformed; the field is Redis's text
    /// after `ERR ` (`timeout is negative`, …).
    Timeout(&'static str),
    /// The store was shut down ([`Store::shutdown`](crate::Store::shutdown))
    /// while the caller was blocked, or before it blocked.
    Shutdown,
    // -- List errors (src/types/list.rs) --
    /// `LSET` index outside the list.
    IndexOutOfRange,
    /// `LPOS … RANK 0`.
    RankZero,
    /// `LPOS … COUNT` negative or not an integer.
    LposCountNegative,
    /// `LPOS … MAXLEN` negative or not an integer.
    LposMaxlenNegative,
    /// `LMPOP`/`BLMPOP` numkeys not a positive integer.
    NumkeysNotPositive,
    /// `LMPOP`/`BLMPOP` COUNT not a positive integer.
    CountNotPositive,
    /// A list element past Redis's `LIST_MAX_ITEM_SIZE` (4 GB - 1 KB).
    ElementTooLarge,
    // -- end of list errors --
    // -- Set errors (src/types/set.rs) --
    /// `SINTERCARD` (and `ZINTERCARD`) with a numkeys past the arguments.
    NumkeysExceedArgs,
    /// `SINTERCARD` (and `ZINTERCARD`) with a negative or non-integer `LIMIT`.
    LimitNegative,
    // -- end of set errors --
    // -- Sorted set errors (src/types/zset.rs) --
    /// `ERR XX and NX options at the same time are not compatible`.
    ZAddXxNx,
    /// `ERR GT, LT, and/or NX options at the same time are not compatible`.
    ZAddGtLtNx,
    /// `ERR INCR option supports a single increment-element pair`.
    ZAddIncrPair,
    /// `ERR resulting score is not a number (NaN)`.
    ZScoreNan,
    /// `ERR min or max is not a float`.
    ZMinMaxNotFloat,
    /// `ERR min or max not valid string range item`.
    ZMinMaxNotLex,
    /// `ERR weight value is not a float`.
    ZWeightNotFloat,
    /// `ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX`.
    ZRangeLimitByRank,
    /// `ERR syntax error, WITHSCORES not supported in combination with BYLEX`.
    ZRangeWithscoresByLex,
    /// `ERR at least 1 input key is needed for '<command>' command`.
    ZNoInputKey(&'static str),
    // -- end of sorted set errors --
    // -- Hash errors (src/types/hash.rs) --
    /// `HINCRBY` on a field whose value is not an integer.
    HashNotInteger,
    /// `HINCRBYFLOAT` on a field whose value is not a number.
    HashNotFloat,
    /// `HINCRBYFLOAT` with an infinite increment.
    HashIncrNanOrInfinity,
    /// `HRANDFIELD` with a count of `i64::MIN`.
    HashCountRange,
    /// `HRANDFIELD … WITHVALUES` with a count past ±`i64::MAX / 2`, or a
    /// negative count too large to answer (see [`Store::hrandfield_count`](crate::Store::hrandfield_count)).
    HashCountOutOfRange,
    /// A field-expiry command without `FIELDS` where it belongs.
    HashFieldsMissing,
    /// A field-expiry command whose `numfields` is not a positive integer.
    HashNumFieldsNotPositive,
    /// A field-expiry command whose `numfields` differs from the number of
    /// fields given.
    HashNumFieldsMismatch,
    /// A negative time given to `HEXPIRE` and friends.
    HashExpireNegative,
    // -- end of hash errors --
    // -- Connection and transaction errors (src/session.rs) --
    /// A command before `AUTH` on a store with a password.
    NoAuth,
    /// `HELLO` without `AUTH` before authenticating.
    HelloNoAuth,
    /// `AUTH` with a wrong password or user.
    WrongPass,
    /// `AUTH password` when no password is set.
    AuthNotConfigured,
    /// `HELLO` with a protocol version other than 2 or 3.
    NoProto,
    /// `HELLO` with a protocol version that is not an integer.
    HelloProtocolNotInteger,
    /// `HELLO` with an unknown option (the option, as sent).
    HelloSyntax(Vec<u8>),
    /// `CLIENT SETNAME` with a space, newline or other special character.
    ClientNameInvalid,
    /// `CLIENT LIST TYPE` with an unknown type (the type, as sent).
    ClientUnknownType(Vec<u8>),
    /// `CLIENT LIST ID` with an id that is not an integer.
    ClientInvalidId,
    /// `MULTI` inside `MULTI`.
    MultiNested,
    /// `EXEC` without `MULTI`.
    ExecWithoutMulti,
    /// `DISCARD` without `MULTI`.
    DiscardWithoutMulti,
    /// `WATCH` inside `MULTI`.
    WatchInMulti,
    /// `EXEC` after a command was refused while queueing.
    ExecAbort,
    /// `EXEC` refused itself; the field is the refusal's text.
    ExecAbortBecause(String),
    // -- end of connection and transaction errors --
    // -- Server errors (src/settings.rs, src/command/server.rs) --
    /// `CONFIG SET` of a parameter that does not exist (the name as sent).
    ConfigUnknownOption(Vec<u8>),
    /// `CONFIG SET` refused a parameter: `name` is the parameter (as sent
    /// for name errors, as Redis names it for value errors), `reason`
    /// Redis's text (`can't set immutable config`, `duplicate parameter`,
    /// `argument must be between 0 and 9223372036854775807 inclusive`, …).
    ConfigSetFailed {
        /// The parameter's name.
        name: Vec<u8>,
        /// Why the value or the parameter was refused.
        reason: String,
    },
    /// `CONFIG REWRITE` with no configuration file to rewrite.
    NoConfigFile,
    /// `COMMAND GETKEYS` of a command that does not exist.
    InvalidCommand,
    /// `COMMAND GETKEYS` with an argument count the command's arity refuses.
    InvalidCommandArgCount,
    /// `COMMAND GETKEYS` of a command that takes no keys.
    NoKeyArguments,
    /// `COMMAND GETKEYS` whose arguments do not locate the keys (a key
    /// count past the arguments).
    InvalidCommandArgs,
    // -- end of server errors --
    // -- Persistence errors (src/persist/) --
    /// Writes are refused because the data cannot be made durable: the
    /// text after `MISCONF ` says why (a failed append-log write or fsync, a
    /// failed background save with `stop-writes-on-bgsave-error`).
    Misconf(String),
    /// Persistence failed: a file that cannot be read, written or trusted
    /// (the text names the file and, for corruption, the byte offset).
    Persistence(String),
    /// `BGSAVE` while one is running.
    BgsaveInProgress,
    /// `BGREWRITEAOF` while one is running.
    RewriteInProgress,
    /// `SAVE`/`BGSAVE` on a store without a data directory.
    NoDataDir,
    /// The write was applied in memory but could not be made durable (a
    /// failed append-log write or fsync under `appendfsync always`); the
    /// text says why. Later writes are refused with [`Error::Misconf`]
    /// until the log is rewritten. Redis exits the process here.
    NotDurable(String),
    /// A command Redis refuses inside `MULTI` (`SAVE`).
    NotAllowedInMulti,
    // -- end of persistence errors --
    /// A typed value ([`Store::get_value`](crate::Store::get_value)) could not
    /// be encoded or decoded; the field says why.
    Codec(String),
    /// A [`Subscriber`](crate::Subscriber) fell so far behind that its
    /// queue reached the `pubsub` output-buffer limit, and was disconnected
    /// (as Redis closes such a client's connection): it receives nothing
    /// more.
    SubscriberOverflow,
    /// A RESP2 connection with subscriptions sent a command other than
    /// `(P|S)SUBSCRIBE`, `(P|S)UNSUBSCRIBE`, `PING`, `QUIT` or `RESET`; the
    /// field is the command's full name (`get`, `client|id`).
    PubSubContext(String),
    /// A subscribe command where the client cannot be answered later
    /// (`SSUBSCRIBE` inside `MULTI`); the field is the command in capitals.
    DenyBlocking(&'static str),
    /// A write that may grow memory while the store is over `maxmemory`
    /// and nothing could be evicted (always under `noeviction`).
    OutOfMemory,
    /// `OBJECT FREQ` while the policy is not an LFU one.
    FreqNotTracked,
    /// `OBJECT IDLETIME` while the policy is an LFU one.
    IdleTimeNotTracked,
}

impl std::error::Error for Error {}

impl Error {
    /// The error text exactly as Redis sends it (without the leading `-`).
    ///
    /// Identical to the `Display` text, except that bytes that came from the
    /// client (an unknown command's name, an unknown option) are kept as
    /// sent, where `Display` must replace invalid UTF-8.
    #[must_use]
    pub fn message(&self) -> Vec<u8> {
        let quoted = |before: &str, raw: &[u8], after: &str| {
            let mut out = Vec::with_capacity(before.len() + raw.len() + after.len());
            out.extend_from_slice(before.as_bytes());
            out.extend_from_slice(raw);
            out.extend_from_slice(after.as_bytes());
            out
        };
        match self {
            Error::UnsupportedOption(opt) => quoted("ERR Unsupported option ", opt, ""),
            Error::HelloSyntax(opt) => quoted("ERR Syntax error in HELLO option '", opt, "'"),
            Error::ClientUnknownType(kind) => quoted("ERR Unknown client type '", kind, "'"),
            Error::UnknownCommand { name, args } => {
                let mut out = quoted(
                    "ERR unknown command '",
                    name,
                    "', with args beginning with: ",
                );
                out.extend_from_slice(args);
                out
            }
            Error::ConfigUnknownOption(name) => quoted(
                "ERR Unknown option or number of arguments for CONFIG SET - '",
                name,
                "'",
            ),
            Error::ConfigSetFailed { name, reason } => quoted(
                "ERR CONFIG SET failed (possibly related to argument '",
                name,
                &format!("') - {reason}"),
            ),
            Error::UnknownSubcommand {
                subcommand,
                command,
            } => quoted(
                "ERR unknown subcommand '",
                subcommand,
                &format!("'. Try {command} HELP."),
            ),
            Error::SubcommandSyntax {
                subcommand,
                command,
            } => quoted(
                "ERR unknown subcommand or wrong number of arguments for '",
                subcommand,
                &format!("'. Try {command} HELP."),
            ),
            other => other.to_string().into_bytes(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnsupportedOption(_)
            | Error::HelloSyntax(_)
            | Error::ClientUnknownType(_)
            | Error::ConfigUnknownOption(_)
            | Error::ConfigSetFailed { .. }
            | Error::UnknownCommand { .. }
            | Error::UnknownSubcommand { .. }
            | Error::SubcommandSyntax { .. } => {
                f.write_str(&String::from_utf8_lossy(&self.message()))
            }
            Error::WrongType => {
                f.write_str("WRONGTYPE Operation against a key holding the wrong kind of value")
            }
            Error::NotInteger => f.write_str("ERR value is not an integer or out of range"),
            Error::NotFloat => f.write_str("ERR value is not a valid float"),
            Error::IncrOverflow => f.write_str("ERR increment or decrement would overflow"),
            Error::DecrOverflow => f.write_str("ERR decrement would overflow"),
            Error::NanOrInfinity => f.write_str("ERR increment would produce NaN or Infinity"),
            Error::Syntax => f.write_str("ERR syntax error"),
            Error::NoSuchKey => f.write_str("ERR no such key"),
            Error::SameObject => f.write_str("ERR source and destination objects are the same"),
            Error::InvalidExpireTime(cmd) => {
                write!(f, "ERR invalid expire time in '{cmd}' command")
            }
            Error::StringTooLong => {
                f.write_str("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
            }
            Error::OffsetOutOfRange => f.write_str("ERR offset is out of range"),
            Error::InvalidCursor => f.write_str("ERR invalid cursor"),
            Error::ExpireNxConflict => {
                f.write_str("ERR NX and XX, GT or LT options at the same time are not compatible")
            }
            Error::ExpireGtLtConflict => {
                f.write_str("ERR GT and LT options at the same time are not compatible")
            }
            Error::DbIndexOutOfRange => f.write_str("ERR DB index is out of range"),
            Error::IntOutOfRange => f.write_str(
                "ERR value is out of range, value must between -2147483648 and 2147483647",
            ),
            Error::LcsWrongType => f.write_str("ERR The specified keys must contain string values"),
            Error::LcsLenAndIdx => {
                f.write_str("ERR If you want both the length and indexes, please just use IDX.")
            }
            Error::LcsTooLarge => f.write_str(
                "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
            ),
            Error::NotPositive => f.write_str("ERR value is out of range, must be positive"),
            Error::WrongArity(cmd) => {
                write!(f, "ERR wrong number of arguments for '{cmd}' command")
            }
            Error::Timeout(why) => write!(f, "ERR {why}"),
            Error::Shutdown => {
                f.write_str("UNBLOCKED the store was shut down while the client was blocked")
            }
            // -- List errors --
            Error::IndexOutOfRange => f.write_str("ERR index out of range"),
            Error::RankZero => f.write_str(
                "ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                 second ... or use negative to start from the end of the list",
            ),
            Error::LposCountNegative => f.write_str("ERR COUNT can't be negative"),
            Error::LposMaxlenNegative => f.write_str("ERR MAXLEN can't be negative"),
            Error::NumkeysNotPositive => f.write_str("ERR numkeys should be greater than 0"),
            Error::CountNotPositive => f.write_str("ERR count should be greater than 0"),
            Error::ElementTooLarge => f.write_str("ERR Element too large"),
            // -- end of list errors --
            // -- Set errors --
            Error::NumkeysExceedArgs => {
                f.write_str("ERR Number of keys can't be greater than number of args")
            }
            Error::LimitNegative => f.write_str("ERR LIMIT can't be negative"),
            // -- end of set errors --
            // -- Sorted set errors --
            Error::ZAddXxNx => {
                f.write_str("ERR XX and NX options at the same time are not compatible")
            }
            Error::ZAddGtLtNx => {
                f.write_str("ERR GT, LT, and/or NX options at the same time are not compatible")
            }
            Error::ZAddIncrPair => {
                f.write_str("ERR INCR option supports a single increment-element pair")
            }
            Error::ZScoreNan => f.write_str("ERR resulting score is not a number (NaN)"),
            Error::ZMinMaxNotFloat => f.write_str("ERR min or max is not a float"),
            Error::ZMinMaxNotLex => f.write_str("ERR min or max not valid string range item"),
            Error::ZWeightNotFloat => f.write_str("ERR weight value is not a float"),
            Error::ZRangeLimitByRank => f.write_str(
                "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
            ),
            Error::ZRangeWithscoresByLex => f.write_str(
                "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
            ),
            Error::ZNoInputKey(cmd) => {
                write!(f, "ERR at least 1 input key is needed for '{cmd}' command")
            }
            // -- end of sorted set errors --
            // -- Hash errors --
            Error::HashNotInteger => f.write_str("ERR hash value is not an integer"),
            Error::HashNotFloat => f.write_str("ERR hash value is not a float"),
            Error::HashIncrNanOrInfinity => f.write_str("ERR value is NaN or Infinity"),
            Error::HashCountRange => f.write_str(
                "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ),
            Error::HashCountOutOfRange => f.write_str("ERR value is out of range"),
            Error::HashFieldsMissing => f.write_str(
                "ERR Mandatory argument FIELDS is missing or not at the right position",
            ),
            Error::HashNumFieldsNotPositive => {
                f.write_str("ERR Parameter `numFields` should be greater than 0")
            }
            Error::HashNumFieldsMismatch => {
                f.write_str("ERR The `numfields` parameter must match the number of arguments")
            }
            Error::HashExpireNegative => f.write_str("ERR invalid expire time, must be >= 0"),
            // -- end of hash errors --
            // -- Connection and transaction errors --
            Error::NoAuth => f.write_str("NOAUTH Authentication required."),
            Error::HelloNoAuth => f.write_str(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise \
                 the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the \
                 client and select the RESP protocol version at the same time",
            ),
            Error::WrongPass => {
                f.write_str("WRONGPASS invalid username-password pair or user is disabled.")
            }
            Error::AuthNotConfigured => f.write_str(
                "ERR AUTH <password> called without any password configured for the default \
                 user. Are you sure your configuration is correct?",
            ),
            Error::NoProto => f.write_str("NOPROTO unsupported protocol version"),
            Error::HelloProtocolNotInteger => {
                f.write_str("ERR Protocol version is not an integer or out of range")
            }
            Error::ClientInvalidId => f.write_str("ERR Invalid client ID"),
            Error::ClientNameInvalid => f.write_str(
                "ERR Client names cannot contain spaces, newlines or special characters.",
            ),
            Error::MultiNested => f.write_str("ERR MULTI calls can not be nested"),
            Error::ExecWithoutMulti => f.write_str("ERR EXEC without MULTI"),
            Error::DiscardWithoutMulti => f.write_str("ERR DISCARD without MULTI"),
            Error::WatchInMulti => f.write_str("ERR WATCH inside MULTI is not allowed"),
            Error::ExecAbort => {
                f.write_str("EXECABORT Transaction discarded because of previous errors.")
            }
            Error::ExecAbortBecause(why) => {
                write!(f, "EXECABORT Transaction discarded because of: {why}")
            }
            // -- end of connection and transaction errors --
            // -- Server errors --
            Error::NoConfigFile => f.write_str("ERR The server is running without a config file"),
            Error::InvalidCommand => f.write_str("ERR Invalid command specified"),
            Error::InvalidCommandArgCount => {
                f.write_str("ERR Invalid number of arguments specified for command")
            }
            Error::NoKeyArguments => f.write_str("ERR The command has no key arguments"),
            Error::InvalidCommandArgs => f.write_str("ERR Invalid arguments specified for command"),
            // -- end of server errors --
            Error::Codec(why) => write!(f, "ERR value cannot be decoded: {why}"),
            Error::SubscriberOverflow => f.write_str(
                "ERR subscriber disconnected: its queue reached the pub/sub output buffer limit (client-output-buffer-limit pubsub)",
            ),
            Error::PubSubContext(cmd) => write!(
                f,
                "ERR Can't execute '{cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
            ),
            Error::DenyBlocking(cmd) => {
                write!(f, "ERR {cmd} isn't allowed for a DENY BLOCKING client")
            }
            Error::OutOfMemory => {
                f.write_str("OOM command not allowed when used memory > 'maxmemory'.")
            }
            Error::FreqNotTracked => f.write_str(
                "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
            ),
            Error::IdleTimeNotTracked => f.write_str(
                "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
            ),
            Error::Misconf(why) => write!(f, "MISCONF {why}"),
            Error::Persistence(why) => write!(f, "ERR {why}"),
            Error::BgsaveInProgress => f.write_str("ERR Background save already in progress"),
            Error::RewriteInProgress => f.write_str(
                "ERR Background append only file rewriting already in progress",
            ),
            Error::NotDurable(why) => write!(
                f,
                "IOERR the write was applied but is not durable: {why}"
            ),
            Error::NotAllowedInMulti => {
                f.write_str("ERR Command not allowed inside a transaction")
            }
            Error::NoDataDir => {
                f.write_str("ERR persistence needs a data directory (Config::builder().dir)")
            }
        }
    }
}

/// Client-supplied bytes as Redis prints them into an error with `%.*s`:
/// up to the first NUL byte, at most `max` bytes, and with CR/LF turned into
/// spaces (Redis's `addReplyErrorFormat`) so no error can break the protocol.
pub(crate) fn client_text(bytes: &[u8], max: usize) -> Vec<u8> {
    bytes
        .iter()
        .take_while(|&&b| b != 0)
        .take(max)
        .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_redis() {
        assert_eq!(
            Error::InvalidExpireTime("set").to_string(),
            "ERR invalid expire time in 'set' command"
        );
        assert_eq!(
            Error::WrongArity("object|encoding".into()).to_string(),
            "ERR wrong number of arguments for 'object|encoding' command"
        );
        assert_eq!(
            Error::UnknownSubcommand {
                subcommand: b"foo".to_vec(),
                command: "OBJECT"
            }
            .to_string(),
            "ERR unknown subcommand 'foo'. Try OBJECT HELP."
        );
        let raw = Error::UnsupportedOption(vec![0xff]);
        assert_eq!(raw.message(), b"ERR Unsupported option \xff");
        assert_eq!(raw.to_string(), "ERR Unsupported option \u{fffd}");
    }

    #[test]
    fn client_text_is_cut_like_a_c_string() {
        assert_eq!(client_text(b"a\r\nb", 128), b"a  b");
        assert_eq!(client_text(b"abcdef", 3), b"abc");
        assert_eq!(client_text(b"ab\0cd", 10), b"ab");
        assert_eq!(client_text(&[0xff, b'x'], 10), [0xff, b'x']);
    }

    #[test]
    fn error_is_send_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
    }
}
