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
    /// An option an `EXPIRE`-family command does not know.
    UnsupportedOption(String),
    /// `COPY … DB n` with a database other than 0: the store has one database.
    DbIndexOutOfRange,
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
        /// The name as sent (truncated to 128 bytes for display, as Redis does).
        name: String,
        /// The first arguments, already formatted as Redis does
        /// (`'a' 'b' `, at most 128 bytes).
        args: String,
    },
    /// A container command (such as `OBJECT`) got a subcommand it does not know.
    UnknownSubcommand {
        /// The subcommand as sent.
        subcommand: String,
        /// The container command's name, upper-case (`OBJECT`).
        command: &'static str,
    },
    /// A typed value ([`Store::get_value`](crate::Store::get_value)) could not
    /// be encoded or decoded; the field says why.
    Codec(String),
}

impl std::error::Error for Error {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
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
            Error::UnsupportedOption(opt) => write!(f, "ERR Unsupported option {opt}"),
            Error::DbIndexOutOfRange => f.write_str("ERR DB index is out of range"),
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
            Error::UnknownCommand { name, args } => write!(
                f,
                "ERR unknown command '{name}', with args beginning with: {args}"
            ),
            Error::UnknownSubcommand {
                subcommand,
                command,
            } => write!(
                f,
                "ERR unknown subcommand '{subcommand}'. Try {command} HELP."
            ),
            Error::Codec(why) => write!(f, "ERR value cannot be decoded: {why}"),
        }
    }
}

/// Turns client-supplied bytes into text that is safe inside an error line:
/// invalid UTF-8 is replaced and CR/LF become spaces, as Redis does in
/// `addReplyErrorLength` so that no error can break the protocol.
pub(crate) fn sanitize(bytes: &[u8], max: usize) -> String {
    let bytes = &bytes[..bytes.len().min(max)];
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
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
                subcommand: "foo".into(),
                command: "OBJECT"
            }
            .to_string(),
            "ERR unknown subcommand 'foo'. Try OBJECT HELP."
        );
    }

    #[test]
    fn sanitize_removes_line_breaks_and_truncates() {
        assert_eq!(sanitize(b"a\r\nb", 128), "a  b");
        assert_eq!(sanitize(b"abcdef", 3), "abc");
        assert_eq!(sanitize(&[0xff, b'x'], 10), "\u{fffd}x");
    }

    #[test]
    fn error_is_send_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
    }
}
