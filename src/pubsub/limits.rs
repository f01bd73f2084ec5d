//! The two pub/sub tunables: `client-output-buffer-limit` (its `pubsub`
//! class bounds every subscriber's queue) and `notify-keyspace-events`.
//! Both live in atomics read on the publish path and changed by
//! `CONFIG SET`, with Redis 7.0's parsing, printing and error texts.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// A subscriber's output-buffer limit, as Redis's
/// `client-output-buffer-limit pubsub <hard> <soft> <soft-seconds>`
/// (default `32mb 8mb 60`): a subscriber whose queued messages reach `hard`
/// bytes, or stay above `soft` bytes for `soft_seconds` seconds, is
/// disconnected. Zero turns a limit off.
///
/// ```
/// use kvstore::{Config, OutputBufferLimit, Store};
///
/// let limit = OutputBufferLimit { hard: 1 << 20, soft: 0, soft_seconds: 0 };
/// let store = Store::open(Config::builder().pubsub_buffer_limit(limit).build())?;
/// assert_eq!(
///     store.config_get(&["client-output-buffer-limit"])[0].1,
///     "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 0 0"
/// );
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputBufferLimit {
    /// Disconnect as soon as the queue holds this many bytes (0: never).
    pub hard: u64,
    /// Disconnect once the queue has held more than this many bytes for
    /// `soft_seconds` in a row (0: never).
    pub soft: u64,
    /// How long the queue may stay above `soft`.
    pub soft_seconds: u64,
}

impl OutputBufferLimit {
    /// Redis's default for the `pubsub` class: `32mb 8mb 60`.
    pub const PUBSUB_DEFAULT: OutputBufferLimit = OutputBufferLimit {
        hard: 32 << 20,
        soft: 8 << 20,
        soft_seconds: 60,
    };
}

impl Default for OutputBufferLimit {
    fn default() -> Self {
        OutputBufferLimit::PUBSUB_DEFAULT
    }
}

/// The client classes of `client-output-buffer-limit`, in Redis's order.
const CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

/// Redis's defaults for the `normal` and `slave` classes (kept and shown,
/// not enforced: the store has no replicas, and ordinary clients' replies
/// are bounded by the request that asked for them).
const NORMAL_DEFAULT: OutputBufferLimit = OutputBufferLimit {
    hard: 0,
    soft: 0,
    soft_seconds: 0,
};
const SLAVE_DEFAULT: OutputBufferLimit = OutputBufferLimit {
    hard: 256 << 20,
    soft: 64 << 20,
    soft_seconds: 60,
};

/// Keyspace-event classes (Redis's `NOTIFY_*` bits).
pub(crate) mod class {
    /// `K`: publish on `__keyspace@0__:<key>`.
    pub(crate) const KEYSPACE: u32 = 1 << 0;
    /// `E`: publish on `__keyevent@0__:<event>`.
    pub(crate) const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (DEL, EXPIRE, RENAME, …).
    pub(crate) const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub(crate) const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub(crate) const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub(crate) const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub(crate) const HASH: u32 = 1 << 6;
    /// `z`: sorted-set commands.
    pub(crate) const ZSET: u32 = 1 << 7;
    /// `x`: a key expired.
    pub(crate) const EXPIRED: u32 = 1 << 8;
    /// `e`: a key was evicted by `maxmemory`.
    pub(crate) const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub(crate) const STREAM: u32 = 1 << 10;
    /// `m`: key misses.
    pub(crate) const KEY_MISS: u32 = 1 << 11;
    /// `d`: module events.
    pub(crate) const MODULE: u32 = 1 << 12;
    /// `n`: a new key was created.
    pub(crate) const NEW: u32 = 1 << 13;
    /// `A`: the alias for `g$lshzxetd`.
    pub(crate) const ALL: u32 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// `A` and the class letters `CONFIG GET` prints when not all are set, in
/// Redis's order, then the three it always prints separately.
const LETTERS: [(u8, u32); 11] = [
    (b'g', class::GENERIC),
    (b'$', class::STRING),
    (b'l', class::LIST),
    (b's', class::SET),
    (b'h', class::HASH),
    (b'z', class::ZSET),
    (b'x', class::EXPIRED),
    (b'e', class::EVICTED),
    (b't', class::STREAM),
    (b'd', class::MODULE),
    (b'n', class::NEW),
];
const TRAILING: [(u8, u32); 3] = [
    (b'K', class::KEYSPACE),
    (b'E', class::KEYEVENT),
    (b'm', class::KEY_MISS),
];

/// Parses `notify-keyspace-events` (`KEA`, `Ex`, …) into class bits; `Err`
/// is Redis's reason text.
pub(crate) fn parse_notify_flags(text: &[u8]) -> Result<u32, String> {
    let mut flags = 0;
    for &c in text {
        flags |= match c {
            b'A' => class::ALL,
            _ => LETTERS
                .iter()
                .chain(&TRAILING)
                .find(|(l, _)| *l == c)
                .map(|(_, bit)| *bit)
                .ok_or_else(|| {
                    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_owned()
                })?,
        };
    }
    Ok(flags)
}

/// Prints class bits as Redis's `CONFIG GET notify-keyspace-events` does.
pub(crate) fn format_notify_flags(flags: u32) -> String {
    let mut out = String::new();
    if flags & class::ALL == class::ALL {
        out.push('A');
    } else {
        for (letter, bit) in LETTERS {
            if flags & bit != 0 {
                out.push(char::from(letter));
            }
        }
    }
    for (letter, bit) in TRAILING {
        if flags & bit != 0 {
            out.push(char::from(letter));
        }
    }
    out
}

/// The pub/sub tunables of one store, shared by its settings (which
/// `CONFIG SET` changes) and its broker (which reads them on every
/// delivery).
#[derive(Debug)]
pub(crate) struct PubSubSettings {
    /// `notify-keyspace-events` as class bits.
    notify: AtomicU32,
    /// `client-output-buffer-limit`: hard, soft, seconds for each class
    /// of [`CLASSES`].
    limits: [[AtomicU64; 3]; 3],
}

impl PubSubSettings {
    pub(crate) fn new(notify: u32, pubsub: OutputBufferLimit) -> PubSubSettings {
        let store = |l: OutputBufferLimit| [l.hard, l.soft, l.soft_seconds].map(AtomicU64::new);
        PubSubSettings {
            notify: AtomicU32::new(notify),
            limits: [store(NORMAL_DEFAULT), store(SLAVE_DEFAULT), store(pubsub)],
        }
    }

    /// The keyspace-event classes on.
    #[inline]
    pub(crate) fn notify_flags(&self) -> u32 {
        self.notify.load(Ordering::Relaxed)
    }

    pub(crate) fn set_notify_flags(&self, flags: u32) {
        self.notify.store(flags, Ordering::Relaxed);
    }

    fn limit(&self, class: usize) -> OutputBufferLimit {
        let [hard, soft, seconds] = &self.limits[class];
        OutputBufferLimit {
            hard: hard.load(Ordering::Relaxed),
            soft: soft.load(Ordering::Relaxed),
            soft_seconds: seconds.load(Ordering::Relaxed),
        }
    }

    /// The limit of every subscriber's queue.
    #[inline]
    pub(crate) fn pubsub_limit(&self) -> OutputBufferLimit {
        self.limit(2)
    }

    /// `CONFIG GET client-output-buffer-limit`.
    pub(crate) fn format_limits(&self) -> String {
        let parts: Vec<String> = CLASSES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let l = self.limit(i);
                format!("{name} {} {} {}", l.hard, l.soft, l.soft_seconds)
            })
            .collect();
        parts.join(" ")
    }

    /// Checks a `CONFIG SET client-output-buffer-limit` value; the change
    /// is applied by [`PubSubSettings::apply_limits`] once every value of
    /// the `CONFIG SET` passed. `Err` is Redis's reason text.
    pub(crate) fn parse_limits(text: &[u8]) -> Result<Vec<(usize, OutputBufferLimit)>, String> {
        let words: Vec<&[u8]> = text
            .split(|b| *b == b' ')
            .filter(|w| !w.is_empty())
            .collect();
        if !words.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut out = Vec::with_capacity(words.len() / 4);
        for group in words.chunks_exact(4) {
            // Redis 7.0 takes `slave` (and not `replica`) here.
            let class = CLASSES
                .iter()
                .position(|c| c.as_bytes().eq_ignore_ascii_case(group[0]))
                .ok_or_else(|| {
                    "Invalid client class specified in buffer limit configuration.".to_owned()
                })?;
            let bad =
                || "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            let hard = crate::settings::parse_memory(group[1]).ok_or_else(bad)?;
            let soft = crate::settings::parse_memory(group[2]).ok_or_else(bad)?;
            let seconds = std::str::from_utf8(group[3])
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
                .and_then(|s| u64::try_from(s).ok())
                .ok_or_else(bad)?;
            out.push((
                class,
                OutputBufferLimit {
                    hard,
                    soft,
                    soft_seconds: seconds,
                },
            ));
        }
        Ok(out)
    }

    pub(crate) fn apply_limits(&self, limits: &[(usize, OutputBufferLimit)]) {
        for (class, l) in limits {
            let [hard, soft, seconds] = &self.limits[*class];
            hard.store(l.hard, Ordering::Relaxed);
            soft.store(l.soft, Ordering::Relaxed);
            seconds.store(l.soft_seconds, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_flags_round_trip_as_redis_prints_them() {
        let cases: &[(&str, &str)] = &[
            ("KEA", "AKE"),
            ("Elm", "lEm"),
            ("g$lshzxetd", "A"),
            ("g$lshzxet", "g$lshzxet"),
            ("ndgmKE", "gdnKEm"),
            ("AnKE", "AKE"),
            ("Axm", "Am"),
            ("", ""),
            ("Ex", "xE"),
        ];
        for (input, printed) in cases {
            let flags = parse_notify_flags(input.as_bytes());
            assert_eq!(
                flags.map(format_notify_flags).as_deref(),
                Ok(*printed),
                "{input}"
            );
        }
        assert_eq!(
            parse_notify_flags(b"KEQ"),
            Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into())
        );
    }

    #[test]
    fn buffer_limits_parse_as_redis() {
        let s = PubSubSettings::new(0, OutputBufferLimit::default());
        assert_eq!(
            s.format_limits(),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        let parsed = PubSubSettings::parse_limits(b"pubsub 1mb 512kb 10");
        assert!(parsed.is_ok());
        s.apply_limits(&parsed.unwrap_or_default());
        assert_eq!(
            s.pubsub_limit(),
            OutputBufferLimit {
                hard: 1 << 20,
                soft: 512 << 10,
                soft_seconds: 10
            }
        );
        let wrong = |t: &str| PubSubSettings::parse_limits(t.as_bytes()).err();
        assert_eq!(
            wrong("pubsub 1mb 512kb"),
            Some("Wrong number of arguments in buffer limit configuration.".into())
        );
        assert_eq!(
            wrong("replica 1 2 3"),
            Some("Invalid client class specified in buffer limit configuration.".into())
        );
        for bad in ["pubsub x 1 1", "pubsub 1 2 -1"] {
            assert_eq!(
                wrong(bad),
                Some(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .into()
                )
            );
        }
        assert_eq!(PubSubSettings::parse_limits(b"").map(|v| v.len()), Ok(0));
    }
}
