//! `COMMAND` and its subcommands: the command table as Redis 7.0 describes
//! it to clients (redis-cli reads `COMMAND DOCS` at start, cluster clients
//! read key positions from `COMMAND INFO`).
//!
//! Name, arity, the flags the table knows ([`flags`](super::flags)) and the
//! legacy (first, last, step) key positions come from the command table.
//! What the table does not hold (Redis's other flags, ACL categories, tips,
//! key specs, documentation) comes from Redis 7.0.15's own metadata,
//! generated into `meta.rs`; the Redis 7.4 hash field expiry commands have
//! hand-written entries below.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::args::is;
use super::flags::{BLOCKING, DENYOOM, FAST, PUBSUB, READONLY, WRITE};
use super::meta::META;
use super::table::COMMANDS;
use super::{CommandSpec, KeySpec, lookup};
use crate::glob::glob_match;
use crate::{Error, Reply, Store};

/// Redis's metadata of one command or subcommand.
#[derive(Debug)]
pub(crate) struct Meta {
    /// Full lower-case name (`config|get`).
    pub(crate) name: &'static str,
    /// Redis's arity (checked against the table by a test).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) arity: i32,
    /// Redis's legacy (first, last, step) (checked likewise).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) range: (i32, i32, i32),
    /// Every flag `COMMAND INFO` prints, in its order.
    pub(crate) flags: &'static [&'static str],
    /// ACL categories (`@read`, …).
    pub(crate) acl: &'static [&'static str],
    /// Tips (`nondeterministic_output`, `request_policy:…`).
    pub(crate) tips: &'static [&'static str],
    pub(crate) key_specs: &'static [Ks],
    pub(crate) summary: &'static str,
    pub(crate) since: &'static str,
    pub(crate) group: &'static str,
    pub(crate) complexity: &'static str,
    pub(crate) doc_flags: &'static [&'static str],
    pub(crate) deprecated_since: &'static str,
    pub(crate) replaced_by: &'static str,
    /// (version, change) pairs.
    pub(crate) history: &'static [(&'static str, &'static str)],
}

/// A key spec (Redis 7.0's `keySpec`).
#[derive(Debug)]
pub(crate) struct Ks {
    pub(crate) notes: &'static str,
    pub(crate) flags: &'static [&'static str],
    pub(crate) bs: Bs,
    pub(crate) fk: Fk,
}

/// Where the search for a key spec's keys begins.
#[derive(Debug)]
pub(crate) enum Bs {
    /// At this argument.
    Index(i32),
    /// After this keyword, searched from the argument `startfrom`
    /// (negative: from the end, backwards).
    Keyword(&'static str, i32),
    Unknown,
}

/// How the keys are found from where the search began.
#[derive(Debug)]
pub(crate) enum Fk {
    /// (lastkey, keystep, limit).
    Range(i32, i32, i32),
    /// (keynumidx, firstkey, keystep).
    Keynum(i32, i32, i32),
    Unknown,
}

const fn hash_ttl(name: &'static str, arity: i32, write: bool, summary: &'static str) -> Meta {
    Meta {
        name,
        arity,
        range: (1, 1, 1),
        flags: if write {
            &["write", "fast"]
        } else {
            &["readonly", "fast"]
        },
        acl: if write {
            &["@write", "@hash", "@fast"]
        } else {
            &["@read", "@hash", "@fast"]
        },
        tips: if write {
            &[]
        } else {
            &["nondeterministic_output"]
        },
        key_specs: if write {
            &[Ks {
                notes: "",
                flags: &["RW", "update"],
                bs: Bs::Index(1),
                fk: Fk::Range(0, 1, 0),
            }]
        } else {
            &[Ks {
                notes: "",
                flags: &["RO", "access"],
                bs: Bs::Index(1),
                fk: Fk::Range(0, 1, 0),
            }]
        },
        summary,
        since: "7.4.0",
        group: "hash",
        complexity: "O(N) where N is the number of specified fields",
        doc_flags: &[],
        deprecated_since: "",
        replaced_by: "",
        history: &[],
    }
}

/// The Redis 7.4 hash field expiry commands, written from Redis 7.4's
/// command documentation (no 7.4 server here to generate them from).
static SINCE_7_4: &[Meta] = &[
    hash_ttl(
        "hexpire",
        -6,
        true,
        "Set expiry for hash field using relative time to expire (seconds)",
    ),
    hash_ttl(
        "hpexpire",
        -6,
        true,
        "Set expiry for hash field using relative time to expire (milliseconds)",
    ),
    hash_ttl(
        "hexpireat",
        -6,
        true,
        "Set expiry for hash field using an absolute Unix timestamp (seconds)",
    ),
    hash_ttl(
        "hpexpireat",
        -6,
        true,
        "Set expiry for hash field using an absolute Unix timestamp (milliseconds)",
    ),
    hash_ttl(
        "httl",
        -5,
        false,
        "Returns the TTL in seconds of a hash field.",
    ),
    hash_ttl(
        "hpttl",
        -5,
        false,
        "Returns the TTL in milliseconds of a hash field.",
    ),
    hash_ttl(
        "hexpiretime",
        -5,
        false,
        "Returns the expiration time of a hash field as a Unix timestamp, in seconds.",
    ),
    hash_ttl(
        "hpexpiretime",
        -5,
        false,
        "Returns the expiration time of a hash field as a Unix timestamp, in msec.",
    ),
    hash_ttl(
        "hpersist",
        -5,
        true,
        "Removes the expiration time for each specified field",
    ),
];

static BY_NAME: LazyLock<HashMap<&'static str, &'static Meta>> =
    LazyLock::new(|| META.iter().chain(SINCE_7_4).map(|m| (m.name, m)).collect());

/// Redis's metadata of a command, by full name.
pub(crate) fn meta(name: &str) -> Option<&'static Meta> {
    BY_NAME.get(name).copied()
}

/// The order `COMMAND INFO` prints flags in (Redis's `addReplyCommandFlags`).
const FLAG_ORDER: &[&str] = &[
    "write",
    "readonly",
    "denyoom",
    "module",
    "admin",
    "pubsub",
    "noscript",
    "blocking",
    "loading",
    "stale",
    "skip_monitor",
    "skip_slowlog",
    "asking",
    "fast",
    "no_auth",
    "may_replicate",
    "sentinel",
    "only_sentinel",
    "no_mandatory_keys",
    "protected",
    "no_async_loading",
    "no_multi",
    "movablekeys",
    "allow_busy",
];

/// The flags of the table's bits, by name.
const TABLE_FLAGS: &[(&str, u32)] = &[
    ("write", WRITE),
    ("readonly", READONLY),
    ("denyoom", DENYOOM),
    ("fast", FAST),
    ("blocking", BLOCKING),
    ("pubsub", PUBSUB),
];

/// The flags `COMMAND INFO` prints for `spec`: the table's bits, plus the
/// others Redis gives the command.
fn flag_names(spec: &CommandSpec, meta: Option<&Meta>) -> Vec<&'static str> {
    let extra = |name: &str| {
        let from_table = TABLE_FLAGS.iter().any(|(n, _)| *n == name);
        match meta {
            Some(m) => !from_table && m.flags.contains(&name),
            None => name == "movablekeys" && spec.keys.first < 0,
        }
    };
    FLAG_ORDER
        .iter()
        .copied()
        .filter(|&name| {
            TABLE_FLAGS
                .iter()
                .any(|&(n, bit)| n == name && spec.flags & bit != 0)
                || extra(name)
        })
        .collect()
}

/// ACL categories of a command Redis's metadata does not know.
fn default_acl(spec: &CommandSpec) -> Vec<&'static str> {
    let mut out = Vec::new();
    if spec.flags & WRITE != 0 {
        out.push("@write");
    }
    if spec.flags & READONLY != 0 {
        out.push("@read");
    }
    out.push(if spec.flags & FAST != 0 {
        "@fast"
    } else {
        "@slow"
    });
    if spec.flags & BLOCKING != 0 {
        out.push("@blocking");
    }
    out
}

fn acl_of(spec: &CommandSpec, meta: Option<&Meta>) -> Vec<&'static str> {
    meta.map_or_else(|| default_acl(spec), |m| m.acl.to_vec())
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec())
}

fn simples(items: &[&'static str]) -> Reply {
    Reply::Set(items.iter().map(|&s| Reply::Simple(s)).collect())
}

fn key_spec_reply(ks: &Ks) -> Reply {
    let mut map = Vec::with_capacity(4);
    if !ks.notes.is_empty() {
        map.push((bulk("notes"), bulk(ks.notes)));
    }
    map.push((bulk("flags"), simples(ks.flags)));
    let int = |k: &str, v: i32| (bulk(k), Reply::Integer(i64::from(v)));
    let (bs_type, bs_spec) = match ks.bs {
        Bs::Index(i) => ("index", vec![int("index", i)]),
        Bs::Keyword(word, from) => (
            "keyword",
            vec![(bulk("keyword"), bulk(word)), int("startfrom", from)],
        ),
        Bs::Unknown => ("unknown", Vec::new()),
    };
    map.push((
        bulk("begin_search"),
        Reply::Map(vec![
            (bulk("type"), bulk(bs_type)),
            (bulk("spec"), Reply::Map(bs_spec)),
        ]),
    ));
    let (fk_type, fk_spec) = match ks.fk {
        Fk::Range(last, step, limit) => (
            "range",
            vec![
                int("lastkey", last),
                int("keystep", step),
                int("limit", limit),
            ],
        ),
        Fk::Keynum(idx, first, step) => (
            "keynum",
            vec![
                int("keynumidx", idx),
                int("firstkey", first),
                int("keystep", step),
            ],
        ),
        Fk::Unknown => ("unknown", Vec::new()),
    };
    map.push((
        bulk("find_keys"),
        Reply::Map(vec![
            (bulk("type"), bulk(fk_type)),
            (bulk("spec"), Reply::Map(fk_spec)),
        ]),
    ));
    Reply::Map(map)
}

/// The legacy (first, last, step) triple Redis prints: (0, 0, 0) for a
/// numkeys command, whose keys have no fixed positions.
fn legacy_range(keys: KeySpec) -> (i32, i32, i32) {
    if keys.first < 0 {
        (0, 0, 0)
    } else {
        (keys.first, keys.last, keys.step)
    }
}

/// One command's `COMMAND INFO` entry (Redis 7.0's 10 elements).
pub(crate) fn info_entry(spec: &CommandSpec) -> Reply {
    let meta = meta(spec.name);
    let (first, last, step) = legacy_range(spec.keys);
    let int = |n: i32| Reply::Integer(i64::from(n));
    let tips = meta.map_or(&[][..], |m| m.tips);
    let key_specs = meta.map_or(&[][..], |m| m.key_specs);
    let subcommands = if spec.subcommands.is_empty() {
        Reply::Set(Vec::new())
    } else {
        Reply::Array(spec.subcommands.iter().map(info_entry).collect())
    };
    Reply::Array(vec![
        bulk(spec.name),
        int(spec.arity),
        simples(&flag_names(spec, meta)),
        int(first),
        int(last),
        int(step),
        simples(&acl_of(spec, meta)),
        Reply::Set(tips.iter().map(|t| bulk(t)).collect()),
        Reply::Set(key_specs.iter().map(key_spec_reply).collect()),
        subcommands,
    ])
}

/// One command's `COMMAND DOCS` map (without argument trees).
fn docs_entry(spec: &CommandSpec) -> Reply {
    let meta = meta(spec.name);
    let mut map = Vec::new();
    let mut text = |key: &str, value: &str| {
        if !value.is_empty() {
            map.push((bulk(key), bulk(value)));
        }
    };
    if let Some(m) = meta {
        text("summary", m.summary);
        text("since", m.since);
    }
    // Redis always sends the group.
    map.push((bulk("group"), bulk(meta.map_or("generic", |m| m.group))));
    if let Some(m) = meta {
        if !m.complexity.is_empty() {
            map.push((bulk("complexity"), bulk(m.complexity)));
        }
        if !m.doc_flags.is_empty() {
            map.push((bulk("doc_flags"), simples(m.doc_flags)));
        }
        for (key, value) in [
            ("deprecated_since", m.deprecated_since),
            ("replaced_by", m.replaced_by),
        ] {
            if !value.is_empty() {
                map.push((bulk(key), bulk(value)));
            }
        }
        if !m.history.is_empty() {
            let history = m
                .history
                .iter()
                .map(|(v, t)| Reply::Array(vec![bulk(v), bulk(t)]))
                .collect();
            map.push((bulk("history"), Reply::Set(history)));
        }
    }
    if !spec.subcommands.is_empty() {
        let subs = spec
            .subcommands
            .iter()
            .map(|s| (bulk(s.name), docs_entry(s)))
            .collect();
        map.push((bulk("subcommands"), Reply::Map(subs)));
    }
    Reply::Map(map)
}

/// Finds a command or subcommand by full name (`get`, `CONFIG|GET`).
fn lookup_full(name: &[u8]) -> Option<&'static CommandSpec> {
    let Some(bar) = name.iter().position(|&b| b == b'|') else {
        return lookup(name);
    };
    let parent = lookup(&name[..bar])?;
    let sub = &name[bar + 1..];
    parent.subcommands.iter().find(|s| {
        s.name
            .split_once('|')
            .is_some_and(|(_, n)| n.as_bytes().eq_ignore_ascii_case(sub))
    })
}

/// Every command and subcommand of the table, parents first.
fn all_specs() -> impl Iterator<Item = &'static CommandSpec> {
    COMMANDS
        .iter()
        .flat_map(|c| std::iter::once(c).chain(c.subcommands.iter()))
}

/// `COMMAND`: every command's `COMMAND INFO` entry.
pub(super) fn command(_store: &Store, _argv: &[&[u8]]) -> Reply {
    Reply::Array(COMMANDS.iter().map(info_entry).collect())
}

/// `COMMAND COUNT`: the number of commands (subcommands not counted).
pub(super) fn count(_store: &Store, _argv: &[&[u8]]) -> Reply {
    Reply::Integer(i64::try_from(COMMANDS.len()).unwrap_or(i64::MAX))
}

/// `COMMAND INFO [name …]`: the entries of the named commands (nil for
/// unknown names), or of every command.
pub(super) fn info(store: &Store, argv: &[&[u8]]) -> Reply {
    if argv.len() == 2 {
        return command(store, argv);
    }
    Reply::Array(
        argv[2..]
            .iter()
            .map(|name| lookup_full(name).map_or(Reply::Null, info_entry))
            .collect(),
    )
}

/// `COMMAND DOCS [name …]`: a map of name to documentation, for the named
/// commands (unknown names left out) or for every command.
pub(super) fn docs(_store: &Store, argv: &[&[u8]]) -> Reply {
    let pairs = if argv.len() == 2 {
        COMMANDS
            .iter()
            .map(|s| (bulk(s.name), docs_entry(s)))
            .collect()
    } else {
        argv[2..]
            .iter()
            .filter_map(|name| lookup_full(name))
            .map(|s| (bulk(s.name), docs_entry(s)))
            .collect()
    };
    Reply::Map(pairs)
}

/// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob]`.
pub(super) fn list(_store: &Store, argv: &[&[u8]]) -> Reply {
    let filter = match &argv[2..] {
        [] => None,
        [by, kind, arg] if is(by, "filterby") => {
            if is(kind, "module") {
                Some(Filter::Module)
            } else if is(kind, "aclcat") {
                Some(Filter::AclCat(arg))
            } else if is(kind, "pattern") {
                Some(Filter::Pattern(arg))
            } else {
                return Reply::Error(Error::Syntax);
            }
        }
        _ => return Reply::Error(Error::Syntax),
    };
    let names = all_specs()
        .filter(|spec| match filter {
            None => true,
            // No modules are loaded.
            Some(Filter::Module) => false,
            Some(Filter::AclCat(cat)) => acl_of(spec, meta(spec.name)).iter().any(|c| {
                c.trim_start_matches('@')
                    .as_bytes()
                    .eq_ignore_ascii_case(cat)
            }),
            Some(Filter::Pattern(pattern)) => glob_match(pattern, spec.name.as_bytes(), true),
        })
        .map(|spec| bulk(spec.name))
        .collect();
    Reply::Array(names)
}

enum Filter<'a> {
    Module,
    AclCat(&'a [u8]),
    Pattern(&'a [u8]),
}

/// `COMMAND GETKEYS command arg…`: the keys of a full command line.
pub(super) fn getkeys(_store: &Store, argv: &[&[u8]]) -> Reply {
    let line = &argv[2..];
    let found = match line {
        [name] => lookup(name),
        [name, sub, ..] => lookup(name).and_then(|parent| {
            if parent.subcommands.is_empty() {
                Some(parent)
            } else {
                parent.subcommands.iter().find(|s| {
                    s.name
                        .split_once('|')
                        .is_some_and(|(_, n)| n.as_bytes().eq_ignore_ascii_case(sub))
                })
            }
        }),
        [] => None,
    };
    let Some(spec) = found else {
        return Reply::Error(Error::InvalidCommand);
    };
    let meta = meta(spec.name);
    let has_keys = match meta {
        Some(m) => m.key_specs.iter().any(|ks| !ks.flags.contains(&"not_key")),
        None => spec.keys.first != 0,
    };
    if !has_keys {
        return Reply::Error(Error::NoKeyArguments);
    }
    if !spec.arity_ok(line.len()) {
        return Reply::Error(Error::InvalidCommandArgCount);
    }
    let keys = match meta {
        Some(m) => keys_by_specs(m.key_specs, line).map(|positions| {
            positions
                .into_iter()
                .filter_map(|i| line.get(i).copied())
                .collect()
        }),
        None => Some(spec.keys(line)),
    };
    match keys {
        Some(keys) if !keys.is_empty() => {
            Reply::Array(keys.into_iter().map(|k| Reply::Bulk(k.to_vec())).collect())
        }
        _ if meta.is_some_and(|m| m.flags.contains(&"no_mandatory_keys")) => {
            Reply::Array(Vec::new())
        }
        _ => Reply::Error(Error::InvalidCommandArgs),
    }
}

/// Redis 7.0's `getKeysUsingKeySpecs`: the positions of the keys of
/// `argv` (the command line, name first), in key-spec order; `None` when
/// a spec cannot locate its keys (a count past the arguments).
fn keys_by_specs(specs: &[Ks], argv: &[&[u8]]) -> Option<Vec<usize>> {
    let argc = i64::try_from(argv.len()).ok()?;
    let mut out = Vec::new();
    for spec in specs {
        if spec.flags.contains(&"not_key") {
            continue;
        }
        let first = match spec.bs {
            Bs::Index(i) => i64::from(i),
            Bs::Keyword(word, from) => {
                let from = i64::from(from);
                let (start, end) = if from > 0 {
                    (from, argc - 1)
                } else {
                    (argc + from, 0)
                };
                let mut i = start;
                let mut found = None;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    let arg = usize::try_from(i).ok().and_then(|i| argv.get(i))?;
                    if is(arg, word) {
                        found = Some(i + 1);
                        break;
                    }
                    i += if start <= end { 1 } else { -1 };
                }
                match found {
                    Some(first) => first,
                    None => continue,
                }
            }
            Bs::Unknown => return None,
        };
        let (first, last, step) = match spec.fk {
            Fk::Range(lastkey, step, limit) => {
                let (lastkey, limit) = (i64::from(lastkey), i64::from(limit));
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (first, last, i64::from(step))
            }
            Fk::Keynum(idx, firstkey, step) => {
                let at = first + i64::from(idx);
                if at >= argc || at < 0 {
                    return None;
                }
                let count = usize::try_from(at)
                    .ok()
                    .and_then(|at| argv.get(at))
                    .and_then(|a| crate::number::parse_i64(a))
                    .filter(|&n| n >= 0)?;
                let first = first + i64::from(firstkey);
                (first, first.checked_add(count)? - 1, i64::from(step))
            }
            Fk::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc || step <= 0 {
            return None;
        }
        let mut i = first;
        while i <= last {
            out.push(usize::try_from(i).ok()?);
            i += step;
        }
    }
    Some(out)
}

/// `COMMAND HELP`.
pub(super) fn help(_store: &Store, _argv: &[&[u8]]) -> Reply {
    let lines = [
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "HELP",
        "    Prints this help.",
    ];
    Reply::Array(lines.into_iter().map(Reply::Simple).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_redis_metadata() {
        let mut wrong = Vec::new();
        for spec in all_specs() {
            let Some(m) = meta(spec.name) else {
                wrong.push(format!("no Redis metadata for {}", spec.name));
                continue;
            };
            if spec.arity != m.arity {
                wrong.push(format!(
                    "arity of {}: {} vs {}",
                    spec.name, spec.arity, m.arity
                ));
            }
            if legacy_range(spec.keys) != m.range {
                wrong.push(format!("keys of {}", spec.name));
            }
            if flag_names(spec, Some(m)) != m.flags {
                wrong.push(format!(
                    "flags of {}: {:?} vs Redis {:?}",
                    spec.name,
                    flag_names(spec, Some(m)),
                    m.flags
                ));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn key_specs_find_keys_like_redis() {
        let specs = meta("zunionstore").expect("meta").key_specs;
        let argv: Vec<&[u8]> = vec![b"zunionstore", b"d", b"2", b"a", b"b", b"WEIGHTS"];
        assert_eq!(keys_by_specs(specs, &argv), Some(vec![1, 3, 4]));
        let argv: Vec<&[u8]> = vec![b"zunionstore", b"d", b"5", b"a", b"b"];
        assert_eq!(keys_by_specs(specs, &argv), None);
        let specs = meta("mset").expect("meta").key_specs;
        let argv: Vec<&[u8]> = vec![b"mset", b"a", b"1", b"b", b"2"];
        assert_eq!(keys_by_specs(specs, &argv), Some(vec![1, 3]));
        let specs = meta("xread").expect("meta").key_specs;
        let argv: Vec<&[u8]> = vec![
            b"xread", b"COUNT", b"1", b"STREAMS", b"s1", b"s2", b"0", b"0",
        ];
        assert_eq!(keys_by_specs(specs, &argv), Some(vec![4, 5]));
    }
}
