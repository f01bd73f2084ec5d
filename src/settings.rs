//! Runtime settings: the tunables `CONFIG GET` reads and `CONFIG SET`
//! changes while the store runs.
//!
//! [`Config`] stays the immutable description a store is opened with; at
//! open, its tunables are copied here. Numbers are atomics read with a
//! relaxed load on the hot paths (encoding thresholds, the string size
//! limit), so a `CONFIG SET` is seen by the next command on every thread.
//!
//! The parameter table follows Redis 7.0's `config.c`: each name (aliases
//! such as `hash-max-ziplist-entries` are entries of their own, sharing the
//! value) has a kind that decides how its value is parsed, checked and
//! printed, with Redis's error texts.

use std::sync::atomic::{AtomicI64, Ordering};

use std::sync::Arc;

use parking_lot::RwLock;

use crate::config::Config;
use crate::error::client_text;
use crate::glob::glob_match;
use crate::memory::{MaxmemoryPolicy, MemorySettings};
use crate::pubsub::PubSubSettings;
use crate::{Error, Result};

/// The numeric settings, an index into [`Settings::nums`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    Hz,
    ProtoMaxBulkLen,
    ListMaxListpackSize,
    HashMaxListpackEntries,
    HashMaxListpackValue,
    SetMaxIntsetEntries,
    SetMaxListpackEntries,
    SetMaxListpackValue,
    ZsetMaxListpackEntries,
    ZsetMaxListpackValue,
}

const NUM_COUNT: usize = 10;

/// Redis's `CONFIG_MIN_HZ` / `CONFIG_MAX_HZ`: `hz` is clamped to these.
const MIN_HZ: i64 = 1;
const MAX_HZ: i64 = 500;

/// The server parameters a RESP server sets at start; read-only for
/// `CONFIG SET`.
const SERVER_PARAMS: &[&str] = &[
    "port",
    "bind",
    "dir",
    "maxclients",
    "timeout",
    "appendonly",
    "save",
    "appendfsync",
    "dbfilename",
    "appendfilename",
    "appenddirname",
];

/// How a parameter's value is parsed, checked and stored.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A number in `min..=max`; `memory` values take Redis's units (`1mb`,
    /// and the empty string is 0, as in Redis).
    Num {
        num: Num,
        min: i64,
        max: i64,
        memory: bool,
    },
    /// `requirepass`: any string; empty means no password.
    Requirepass,
    /// Set by the server at start (`port`, `bind`, `dir`, …), immutable.
    Server,
    /// Immutable in Redis too (`databases`).
    Immutable(&'static str),
    /// `notify-keyspace-events`: event classes (`KEA`).
    NotifyKeyspaceEvents,
    /// `client-output-buffer-limit`: `<class> <hard> <soft> <seconds>` …
    ClientOutputBufferLimit,
    /// `maxmemory`: a memory value.
    Maxmemory,
    /// `maxmemory-policy`: one of the policy names.
    MaxmemoryPolicy,
    /// `maxmemory-samples`, `lfu-log-factor`, …: a bounded integer.
    MemoryTunable,
    /// Persistence, fixed when the store opens (from its `Config`): the
    /// value is checked with Redis's rules and accepted only when it is
    /// the current one (changing persistence at run time is not supported).
    Persistence(Check),
}

/// How a fixed placeholder checks a value before comparing it.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// `yes` / `no`.
    Bool,
    /// One of these words.
    Enum(&'static [&'static str]),
    /// Redis's `save` points: pairs of integers, or `""`.
    Save,
    /// A file name.
    Name,
}

/// One entry of the parameter table.
#[derive(Debug)]
struct Param {
    name: &'static str,
    kind: Kind,
}

const fn num(name: &'static str, num: Num, min: i64, max: i64) -> Param {
    Param {
        name,
        kind: Kind::Num {
            num,
            min,
            max,
            memory: false,
        },
    }
}

/// A memory setting (takes `64`, `1kb`, `2mb`, …).
const fn mem(name: &'static str, num: Num, min: i64) -> Param {
    Param {
        name,
        kind: Kind::Num {
            num,
            min,
            max: i64::MAX,
            memory: true,
        },
    }
}

const INT_MIN: i64 = i32::MIN as i64;
const INT_MAX: i64 = i32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;

/// Every parameter, in the order `CONFIG GET *` lists them.
static PARAMS: &[Param] = &[
    num("hz", Num::Hz, 0, INT_MAX),
    mem("proto-max-bulk-len", Num::ProtoMaxBulkLen, 1024 * 1024),
    num(
        "list-max-listpack-size",
        Num::ListMaxListpackSize,
        INT_MIN,
        INT_MAX,
    ),
    num(
        "list-max-ziplist-size",
        Num::ListMaxListpackSize,
        INT_MIN,
        INT_MAX,
    ),
    num(
        "hash-max-listpack-entries",
        Num::HashMaxListpackEntries,
        0,
        LONG_MAX,
    ),
    num(
        "hash-max-ziplist-entries",
        Num::HashMaxListpackEntries,
        0,
        LONG_MAX,
    ),
    mem("hash-max-listpack-value", Num::HashMaxListpackValue, 0),
    mem("hash-max-ziplist-value", Num::HashMaxListpackValue, 0),
    num(
        "set-max-intset-entries",
        Num::SetMaxIntsetEntries,
        0,
        LONG_MAX,
    ),
    // Redis 7.2's; Redis 7.0 has no listpack sets.
    num(
        "set-max-listpack-entries",
        Num::SetMaxListpackEntries,
        0,
        LONG_MAX,
    ),
    mem("set-max-listpack-value", Num::SetMaxListpackValue, 0),
    num(
        "zset-max-listpack-entries",
        Num::ZsetMaxListpackEntries,
        0,
        LONG_MAX,
    ),
    num(
        "zset-max-ziplist-entries",
        Num::ZsetMaxListpackEntries,
        0,
        LONG_MAX,
    ),
    mem("zset-max-listpack-value", Num::ZsetMaxListpackValue, 0),
    mem("zset-max-ziplist-value", Num::ZsetMaxListpackValue, 0),
    Param {
        name: "requirepass",
        kind: Kind::Requirepass,
    },
    Param {
        name: "port",
        kind: Kind::Server,
    },
    Param {
        name: "bind",
        kind: Kind::Server,
    },
    Param {
        name: "dir",
        kind: Kind::Server,
    },
    Param {
        name: "maxclients",
        kind: Kind::Server,
    },
    Param {
        name: "timeout",
        kind: Kind::Server,
    },
    // One database (SELECT/SWAPDB/MOVE are elsewhere).
    Param {
        name: "databases",
        kind: Kind::Immutable("1"),
    },
    // Persistence, as the store's Config set it.
    Param {
        name: "appendonly",
        kind: Kind::Persistence(Check::Bool),
    },
    Param {
        name: "save",
        kind: Kind::Persistence(Check::Save),
    },
    Param {
        name: "appendfsync",
        kind: Kind::Persistence(Check::Enum(&["always", "everysec", "no"])),
    },
    Param {
        name: "dbfilename",
        kind: Kind::Persistence(Check::Name),
    },
    Param {
        name: "appendfilename",
        kind: Kind::Persistence(Check::Name),
    },
    Param {
        name: "appenddirname",
        kind: Kind::Persistence(Check::Name),
    },
    Param {
        name: "notify-keyspace-events",
        kind: Kind::NotifyKeyspaceEvents,
    },
    Param {
        name: "client-output-buffer-limit",
        kind: Kind::ClientOutputBufferLimit,
    },
    Param {
        name: "maxmemory",
        kind: Kind::Maxmemory,
    },
    Param {
        name: "maxmemory-policy",
        kind: Kind::MaxmemoryPolicy,
    },
    Param {
        name: "maxmemory-samples",
        kind: Kind::MemoryTunable,
    },
    Param {
        name: "maxmemory-eviction-tenacity",
        kind: Kind::MemoryTunable,
    },
    Param {
        name: "lfu-log-factor",
        kind: Kind::MemoryTunable,
    },
    Param {
        name: "lfu-decay-time",
        kind: Kind::MemoryTunable,
    },
];

/// The runtime settings of one store (`Inner.settings`).
#[derive(Debug)]
pub(crate) struct Settings {
    nums: [AtomicI64; NUM_COUNT],
    requirepass: RwLock<Option<Vec<u8>>>,
    /// Values of [`SERVER_PARAMS`], in that order.
    server: RwLock<Vec<String>>,
    /// The pub/sub tunables, shared with the store's broker.
    pubsub: Arc<PubSubSettings>,
    /// `maxmemory` and eviction, shared with the store's keyspace.
    memory: Arc<MemorySettings>,
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_usize(n: i64) -> usize {
    usize::try_from(n.max(0)).unwrap_or(usize::MAX)
}

impl Settings {
    /// The settings a store opened with `config` starts with.
    pub(crate) fn new(
        config: &Config,
        pubsub: Arc<PubSubSettings>,
        memory: Arc<MemorySettings>,
    ) -> Settings {
        let mut nums = [0i64; NUM_COUNT];
        nums[Num::Hz as usize] = i64::from(config.hz).clamp(MIN_HZ, MAX_HZ);
        nums[Num::ProtoMaxBulkLen as usize] = to_i64(config.max_string_len);
        nums[Num::ListMaxListpackSize as usize] = config.list_max_listpack_size;
        nums[Num::HashMaxListpackEntries as usize] = to_i64(config.hash_max_listpack_entries);
        nums[Num::HashMaxListpackValue as usize] = to_i64(config.hash_max_listpack_value);
        nums[Num::SetMaxIntsetEntries as usize] = to_i64(config.set_max_intset_entries);
        nums[Num::SetMaxListpackEntries as usize] = to_i64(config.set_max_listpack_entries);
        nums[Num::SetMaxListpackValue as usize] = to_i64(config.set_max_listpack_value);
        nums[Num::ZsetMaxListpackEntries as usize] = to_i64(config.zset_max_listpack_entries);
        nums[Num::ZsetMaxListpackValue as usize] = to_i64(config.zset_max_listpack_value);
        let dir = config
            .dir
            .clone()
            .map(Ok)
            .unwrap_or_else(std::env::current_dir)
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        let snapshot = config.snapshot.clone().unwrap_or_default();
        let log = config.append_log.clone().unwrap_or_default();
        let save = match &config.snapshot {
            Some(options) => options
                .save_points_list()
                .iter()
                .map(|p| format!("{} {}", p.seconds, p.changes))
                .collect::<Vec<_>>()
                .join(" "),
            None => String::new(),
        };
        Settings {
            nums: nums.map(AtomicI64::new),
            requirepass: RwLock::new(None),
            // port 0: not listening (embedded); maxclients: Redis's default.
            server: RwLock::new(vec![
                "0".into(),
                String::new(),
                dir,
                "10000".into(),
                "0".into(),
                if config.append_log.is_some() {
                    "yes"
                } else {
                    "no"
                }
                .into(),
                save,
                log.fsync_policy().as_str().into(),
                snapshot.file_name,
                log.file_name,
                log.dir_name,
            ]),
            pubsub,
            memory,
        }
    }

    /// `maxmemory` and the eviction tunables.
    pub(crate) fn memory(&self) -> &MemorySettings {
        &self.memory
    }

    fn load(&self, num: Num) -> i64 {
        self.nums[num as usize].load(Ordering::Relaxed)
    }

    /// `hz`: background cycles per second, 1 to 500.
    pub(crate) fn hz(&self) -> u32 {
        u32::try_from(self.load(Num::Hz).clamp(MIN_HZ, MAX_HZ)).unwrap_or(10)
    }

    /// `proto-max-bulk-len`: the largest string, in bytes.
    pub(crate) fn max_string_len(&self) -> usize {
        to_usize(self.load(Num::ProtoMaxBulkLen))
    }

    /// `list-max-listpack-size`.
    pub(crate) fn list_max_listpack_size(&self) -> i64 {
        self.load(Num::ListMaxListpackSize)
    }

    /// `hash-max-listpack-entries`.
    pub(crate) fn hash_max_listpack_entries(&self) -> usize {
        to_usize(self.load(Num::HashMaxListpackEntries))
    }

    /// `hash-max-listpack-value`.
    pub(crate) fn hash_max_listpack_value(&self) -> usize {
        to_usize(self.load(Num::HashMaxListpackValue))
    }

    /// `set-max-intset-entries`.
    pub(crate) fn set_max_intset_entries(&self) -> usize {
        to_usize(self.load(Num::SetMaxIntsetEntries))
    }

    /// `set-max-listpack-entries`.
    pub(crate) fn set_max_listpack_entries(&self) -> usize {
        to_usize(self.load(Num::SetMaxListpackEntries))
    }

    /// `set-max-listpack-value`.
    pub(crate) fn set_max_listpack_value(&self) -> usize {
        to_usize(self.load(Num::SetMaxListpackValue))
    }

    /// `zset-max-listpack-entries`.
    pub(crate) fn zset_max_listpack_entries(&self) -> usize {
        to_usize(self.load(Num::ZsetMaxListpackEntries))
    }

    /// `zset-max-listpack-value`.
    pub(crate) fn zset_max_listpack_value(&self) -> usize {
        to_usize(self.load(Num::ZsetMaxListpackValue))
    }

    /// The password clients must give (`requirepass`), if any.
    pub(crate) fn requirepass(&self) -> Option<Vec<u8>> {
        self.requirepass.read().clone()
    }

    /// Whether `password` is the `requirepass` password (false when none
    /// is set). Compares in time independent of where the bytes differ.
    pub(crate) fn check_password(&self, password: &[u8]) -> bool {
        let guard = self.requirepass.read();
        let Some(expected) = guard.as_deref() else {
            return false;
        };
        let mut diff = expected.len() ^ password.len();
        for (i, &b) in expected.iter().enumerate() {
            diff |= usize::from(b ^ password.get(i).copied().unwrap_or(!b));
        }
        diff == 0
    }

    /// Sets a server parameter (`port`, `bind`, `dir`, `maxclients`,
    /// `timeout`): the RESP server reports what it listens on. Other
    /// names are ignored.
    pub(crate) fn set_server_param(&self, name: &'static str, value: String) {
        match SERVER_PARAMS.iter().position(|&p| p == name) {
            Some(i) => {
                if let Some(slot) = self.server.write().get_mut(i) {
                    *slot = value;
                }
            }
            None => debug_assert!(false, "unknown server parameter {name}"),
        }
    }

    /// The value of a server parameter (`"0"` for an unknown name).
    pub(crate) fn server_param(&self, name: &str) -> String {
        SERVER_PARAMS
            .iter()
            .position(|&p| p == name)
            .and_then(|i| self.server.read().get(i).cloned())
            .unwrap_or_else(|| "0".into())
    }

    /// The value of `param` as `CONFIG GET` prints it.
    fn value_of(&self, param: &Param) -> String {
        match param.kind {
            Kind::Num { num: Num::Hz, .. } => self.hz().to_string(),
            Kind::Num { num, .. } => self.load(num).to_string(),
            Kind::Requirepass => self
                .requirepass
                .read()
                .as_deref()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .unwrap_or_default(),
            Kind::Server | Kind::Persistence(_) => self.server_param(param.name),
            Kind::Immutable(v) => v.to_owned(),
            Kind::NotifyKeyspaceEvents => {
                crate::pubsub::format_notify_flags(self.pubsub.notify_flags())
            }
            Kind::ClientOutputBufferLimit => self.pubsub.format_limits(),
            Kind::Maxmemory => self.memory.maxmemory().to_string(),
            Kind::MaxmemoryPolicy => self.memory.policy().as_str().to_owned(),
            Kind::MemoryTunable => self
                .memory
                .num(param.name)
                .map(|(v, _, _)| v.load(Ordering::Relaxed).to_string())
                .unwrap_or_default(),
        }
    }

    /// `CONFIG GET`: the parameters matching any of `patterns`, each once.
    /// A pattern without glob characters is looked up by name (and the
    /// reply uses the name as given, as Redis does); others are matched
    /// case-insensitively against every name, aliases included.
    pub(crate) fn get(&self, patterns: &[&[u8]]) -> Vec<(Vec<u8>, String)> {
        let mut out: Vec<(Vec<u8>, String)> = Vec::new();
        let mut seen: Vec<&'static str> = Vec::new();
        for &pattern in patterns {
            if !pattern.iter().any(|b| matches!(b, b'[' | b'*' | b'?')) {
                if let Some(param) = lookup(pattern)
                    && !seen.contains(&param.name)
                {
                    seen.push(param.name);
                    out.push((pattern.to_vec(), self.value_of(param)));
                }
                continue;
            }
            for param in PARAMS {
                if !seen.contains(&param.name) && glob_match(pattern, param.name.as_bytes(), true) {
                    seen.push(param.name);
                    out.push((param.name.as_bytes().to_vec(), self.value_of(param)));
                }
            }
        }
        out
    }

    /// `CONFIG SET`: all pairs or none, with Redis 7.0's checks in its
    /// order: every name first (unknown, immutable, duplicate), then every
    /// value; the first failure is reported and nothing changes.
    pub(crate) fn set(&self, pairs: &[(&[u8], &[u8])]) -> Result<()> {
        let mut params: Vec<&'static Param> = Vec::with_capacity(pairs.len());
        for &(name, _) in pairs {
            let Some(param) = lookup(name) else {
                return Err(Error::ConfigUnknownOption(client_text(name, usize::MAX)));
            };
            let failed = |reason: &str| Error::ConfigSetFailed {
                name: client_text(name, usize::MAX),
                reason: reason.to_owned(),
            };
            if matches!(param.kind, Kind::Server | Kind::Immutable(_)) {
                return Err(failed("can't set immutable config"));
            }
            if params.iter().any(|p| std::ptr::eq(*p, param)) {
                return Err(failed("duplicate parameter"));
            }
            params.push(param);
        }
        let mut updates = Vec::with_capacity(pairs.len());
        for (param, &(_, value)) in params.iter().zip(pairs) {
            let update =
                parse_value(self, param, value).map_err(|reason| Error::ConfigSetFailed {
                    name: param.name.as_bytes().to_vec(),
                    reason,
                })?;
            updates.push(update);
        }
        for update in updates {
            match update {
                Update::Num(num, v) => {
                    let v = if num == Num::Hz {
                        v.clamp(MIN_HZ, MAX_HZ)
                    } else {
                        v
                    };
                    self.nums[num as usize].store(v, Ordering::Relaxed);
                }
                Update::Requirepass(p) => *self.requirepass.write() = p,
                Update::NotifyFlags(flags) => self.pubsub.set_notify_flags(flags),
                Update::BufferLimits(limits) => self.pubsub.apply_limits(&limits),
                Update::Maxmemory(bytes) => self.memory.set_maxmemory(bytes),
                Update::MaxmemoryPolicy(policy) => self.memory.set_policy(policy),
                Update::MemoryTunable(name, v) => {
                    if let Some((slot, _, _)) = self.memory.num(name) {
                        slot.store(v, Ordering::Relaxed);
                    }
                }
                Update::None => {}
            }
        }
        Ok(())
    }
}

/// A checked new value.
enum Update {
    Num(Num, i64),
    Requirepass(Option<Vec<u8>>),
    NotifyFlags(u32),
    BufferLimits(Vec<(usize, crate::OutputBufferLimit)>),
    Maxmemory(u64),
    MaxmemoryPolicy(MaxmemoryPolicy),
    MemoryTunable(&'static str, u32),
    /// A persistence setting set to its current value.
    None,
}

/// Finds a parameter by name, case-insensitively.
fn lookup(name: &[u8]) -> Option<&'static Param> {
    PARAMS
        .iter()
        .find(|p| p.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Parses `value` for `param`; `Err` is Redis's reason text.
fn parse_value(
    settings: &Settings,
    param: &Param,
    value: &[u8],
) -> std::result::Result<Update, String> {
    match param.kind {
        Kind::Num {
            num,
            min,
            max,
            memory,
        } => {
            let v = if memory {
                mem_to_i64(value).ok_or("argument must be a memory value")?
            } else {
                crate::number::parse_i64(value)
                    .ok_or("argument couldn't be parsed into an integer")?
            };
            // Bounds are non-negative for Redis's unsigned (size_t)
            // settings, so a signed comparison gives their answer too.
            if v < min || v > max {
                return Err(format!(
                    "argument must be between {min} and {max} inclusive"
                ));
            }
            Ok(Update::Num(num, v))
        }
        Kind::NotifyKeyspaceEvents => {
            crate::pubsub::parse_notify_flags(value).map(Update::NotifyFlags)
        }
        Kind::ClientOutputBufferLimit => {
            PubSubSettings::parse_limits(value).map(Update::BufferLimits)
        }
        Kind::Maxmemory => {
            let v = mem_to_i64(value).ok_or("argument must be a memory value")?;
            Ok(Update::Maxmemory(u64::try_from(v).map_err(|_| {
                format!("argument must be between 0 and {LONG_MAX} inclusive")
            })?))
        }
        Kind::MaxmemoryPolicy => MaxmemoryPolicy::from_bytes(value)
            .map(Update::MaxmemoryPolicy)
            .ok_or_else(|| {
                format!(
                    "argument(s) must be one of the following: {}",
                    MaxmemoryPolicy::names().join(", ")
                )
            }),
        Kind::MemoryTunable => {
            let Some((_, min, max)) = settings.memory.num(param.name) else {
                return Err("can't set immutable config".into());
            };
            let v = crate::number::parse_i64(value)
                .ok_or("argument couldn't be parsed into an integer")?;
            match u32::try_from(v) {
                Ok(v) if (min..=max).contains(&v) => Ok(Update::MemoryTunable(param.name, v)),
                _ => Err(format!(
                    "argument must be between {min} and {max} inclusive"
                )),
            }
        }
        Kind::Requirepass => Ok(Update::Requirepass(
            (!value.is_empty()).then(|| value.to_vec()),
        )),
        Kind::Persistence(check) => {
            let current = settings.server_param(param.name);
            if same_value(check, &current, value)? {
                Ok(Update::None)
            } else {
                Err("changing persistence at run time is not supported (set it in Config)".into())
            }
        }
        Kind::Server | Kind::Immutable(_) => Err("can't set immutable config".into()),
    }
}

/// Checks `value` with Redis's rules for `check` and says whether it
/// equals `current`.
fn same_value(check: Check, current: &str, value: &[u8]) -> std::result::Result<bool, String> {
    Ok(match check {
        Check::Bool => {
            let yes = value.eq_ignore_ascii_case(b"yes");
            if !yes && !value.eq_ignore_ascii_case(b"no") {
                return Err("argument must be 'yes' or 'no'".into());
            }
            (if yes { "yes" } else { "no" }) == current
        }
        Check::Enum(words) => {
            let Some(word) = words
                .iter()
                .find(|w| w.as_bytes().eq_ignore_ascii_case(value))
            else {
                return Err(format!(
                    "argument(s) must be one of the following: {}",
                    words.join(", ")
                ));
            };
            *word == current
        }
        Check::Save => {
            let words: Vec<&[u8]> = value
                .split(|b| b.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
                .collect();
            if !words.len().is_multiple_of(2)
                || words
                    .iter()
                    .any(|w| crate::number::parse_i64(w).is_none_or(|n| n < 0))
            {
                return Err("Invalid save parameters".into());
            }
            let normalized: Vec<String> = words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            normalized.join(" ") == current
        }
        Check::Name => value == current.as_bytes(),
    })
}

/// A memory value (`64mb`) as bytes, for option parsers.
pub(crate) fn parse_memory(value: &[u8]) -> Option<u64> {
    mem_to_i64(value).and_then(|v| u64::try_from(v).ok())
}

/// Redis's `memtoull`: digits and an optional unit (`b`, `k`, `kb`, `m`,
/// `mb`, `g`, `gb`, any case); the result as the `long long` Redis
/// stores it (an overflowing value wraps, as in C, and then fails the
/// range check). `None`: "argument must be a memory value".
fn mem_to_i64(value: &[u8]) -> Option<i64> {
    // `memtoull` reads a C string: up to the first NUL.
    let value = value.split(|&b| b == 0).next().unwrap_or_default();
    if value.first() == Some(&b'-') {
        return None;
    }
    let digits = value.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = value[digits..].to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    // strtoull saturates on overflow (errno ERANGE, which Redis ignores).
    let val = value[..digits].iter().fold(0u64, |acc, &d| {
        acc.checked_mul(10)
            .and_then(|a| a.checked_add(u64::from(d - b'0')))
            .unwrap_or(u64::MAX)
    });
    Some(i64::from_ne_bytes(val.wrapping_mul(mul).to_ne_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let config = Config::default();
        let pubsub = PubSubSettings::new(0, crate::OutputBufferLimit::default());
        let memory = MemorySettings::new(0, MaxmemoryPolicy::NoEviction, 5);
        Settings::new(&config, Arc::new(pubsub), Arc::new(memory))
    }

    fn set(s: &Settings, pairs: &[(&str, &str)]) -> Result<()> {
        let pairs: Vec<(&[u8], &[u8])> = pairs
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        s.set(&pairs)
    }

    #[test]
    fn memory_values_parse_like_memtoull() {
        assert_eq!(mem_to_i64(b"2mb"), Some(2 * 1024 * 1024));
        assert_eq!(mem_to_i64(b"2MB"), Some(2 * 1024 * 1024));
        assert_eq!(mem_to_i64(b"2048k"), Some(2_048_000));
        assert_eq!(mem_to_i64(b"1gb"), Some(1 << 30));
        assert_eq!(mem_to_i64(b""), Some(0));
        assert_eq!(mem_to_i64(b"1.5mb"), None);
        assert_eq!(mem_to_i64(b"-1"), None);
        assert_eq!(mem_to_i64(b"+1"), None);
        assert_eq!(mem_to_i64(b"99999999999999999999"), Some(-1));
    }

    #[test]
    fn set_checks_names_then_values_and_is_all_or_nothing() {
        let s = settings();
        let e = set(&s, &[("hz", "abc"), ("foo", "1")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
        );
        let e = set(&s, &[("hz", "20"), ("hash-max-ziplist-entries", "-1")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - argument must be between 0 and 9223372036854775807 inclusive"
        );
        assert_eq!(s.hz(), 10, "nothing changed");
        let e = set(&s, &[("hz", "1"), ("HZ", "2")]).unwrap_err();
        assert!(
            e.to_string().ends_with("'HZ') - duplicate parameter"),
            "{e}"
        );
        let e = set(&s, &[("DATABASES", "1")]).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("'DATABASES') - can't set immutable config")
        );
        set(&s, &[("hz", "1000"), ("hash-max-ziplist-entries", "3")]).expect("set");
        assert_eq!(s.hz(), 500);
        assert_eq!(s.hash_max_listpack_entries(), 3);
        set(&s, &[("hz", "0")]).expect("set");
        assert_eq!(s.hz(), 1);
    }

    #[test]
    fn fixed_placeholders_accept_only_their_value() {
        let s = settings();
        set(
            &s,
            &[("appendonly", "NO"), ("save", ""), ("maxmemory", "0mb")],
        )
        .expect("same");
        set(&s, &[("maxmemory-policy", "NOEVICTION")]).expect("same");
        let e = set(&s, &[("appendonly", "maybe")]).unwrap_err();
        assert!(e.to_string().ends_with("argument must be 'yes' or 'no'"));
        let e = set(&s, &[("appendonly", "yes")]).unwrap_err();
        assert!(e.to_string().contains("not supported"), "{e}");
        let e = set(&s, &[("save", "3600")]).unwrap_err();
        assert!(e.to_string().ends_with("Invalid save parameters"), "{e}");
        set(&s, &[("appendfsync", "EVERYSEC")]).expect("same");
    }

    #[test]
    fn get_matches_patterns_and_names() {
        let s = settings();
        let got = s.get(&[b"HZ", b"hz", b"hash-max-*-entries"]);
        let names: Vec<&[u8]> = got.iter().map(|(n, _)| n.as_slice()).collect();
        assert_eq!(
            names,
            [
                &b"HZ"[..],
                b"hash-max-listpack-entries",
                b"hash-max-ziplist-entries"
            ]
        );
        assert_eq!(got[0].1, "10");
        assert!(s.get(&[b"nosuch"]).is_empty());
    }

    #[test]
    fn passwords_and_server_params() {
        let s = settings();
        assert_eq!(s.requirepass(), None);
        assert!(!s.check_password(b""));
        set(&s, &[("requirepass", "secret")]).expect("set");
        assert!(s.check_password(b"secret"));
        assert!(!s.check_password(b"secrets"));
        assert!(!s.check_password(b"secreT"));
        set(&s, &[("requirepass", "")]).expect("set");
        assert_eq!(s.requirepass(), None);
        s.set_server_param("port", "6380".into());
        assert_eq!(s.get(&[b"port"])[0].1, "6380");
        let e = set(&s, &[("port", "1")]).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("'port') - can't set immutable config")
        );
    }
}
