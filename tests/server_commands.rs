//! Server commands through `Store::execute` and their typed forms: CONFIG
//! GET/SET changing behaviour at run time, INFO's text, COMMAND's
//! descriptions, PING, ECHO, TIME, FLUSHALL. Replies and error texts are
//! Redis 7.0.15's (tests/redis_diff.rs also compares them with a real
//! server).

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use common::commands::COMMANDS;
use kvstore::{Config, Error, ManualClock, Protocol, Reply, Store, WriteObserver};

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec())
}

fn err(reply: Reply) -> String {
    match reply {
        Reply::Error(e) => e.to_string(),
        other => panic!("expected an error, got {other:?}"),
    }
}

fn encoding(store: &Store, key: &str) -> Option<&'static str> {
    store.object_encoding(key).expect("OBJECT ENCODING")
}

// ---------------------------------------------------------------------------
// CONFIG
// ---------------------------------------------------------------------------

#[test]
fn config_set_changes_encoding_thresholds_at_run_time() {
    let store = Store::new();
    assert_eq!(
        store.execute(&["CONFIG", "SET", "hash-max-listpack-entries", "2"]),
        Reply::ok()
    );
    store.hset("small", [("a", "1"), ("b", "2")]).unwrap();
    assert_eq!(encoding(&store, "small"), Some("listpack"));
    store
        .hset("big", [("a", "1"), ("b", "2"), ("c", "3")])
        .unwrap();
    assert_eq!(encoding(&store, "big"), Some("hashtable"));

    // An alias sets the same value; values take memory units.
    store
        .config_set(&[
            ("zset-max-ziplist-entries", "2"),
            ("zset-max-listpack-value", "1kb"),
        ])
        .unwrap();
    assert_eq!(
        store.config_get(&["zset-max-listpack-*"]),
        vec![
            ("zset-max-listpack-entries".to_string(), "2".to_string()),
            ("zset-max-listpack-value".to_string(), "1024".to_string()),
        ]
    );
    store.execute(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    assert_eq!(encoding(&store, "z"), Some("skiplist"));

    store
        .config_set(&[("set-max-intset-entries", "2")])
        .unwrap();
    store.execute(&["SADD", "s", "1", "2"]);
    assert_eq!(encoding(&store, "s"), Some("intset"));
    store.execute(&["SADD", "s", "3"]);
    assert_ne!(encoding(&store, "s"), Some("intset"));
    store
        .config_set(&[
            ("set-max-listpack-entries", "2"),
            ("set-max-intset-entries", "512"),
        ])
        .unwrap();
    store.execute(&["SADD", "s2", "1", "2", "x"]);
    assert_eq!(encoding(&store, "s2"), Some("hashtable"));

    store
        .config_set(&[("list-max-listpack-size", "2")])
        .unwrap();
    store.execute(&["RPUSH", "l", "a", "b", "c"]);
    assert_eq!(encoding(&store, "l"), Some("quicklist"));
}

#[test]
fn config_set_proto_max_bulk_len_limits_strings() {
    let store = Store::new();
    store
        .config_set(&[("proto-max-bulk-len", "1mb")])
        .expect("1mb is the minimum");
    let past = (1 << 20).to_string();
    assert_eq!(
        store.execute(&["SETRANGE", "k", &past, "x"]),
        Reply::Error(Error::StringTooLong)
    );
    let last = ((1 << 20) - 1).to_string();
    assert_eq!(
        store.execute(&["SETRANGE", "k", &last, "x"]),
        Reply::Integer(1 << 20)
    );
    assert_eq!(
        err(store.execute(&["CONFIG", "SET", "proto-max-bulk-len", "1000"])),
        "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive"
    );
}

#[test]
fn config_set_errors_match_redis() {
    let store = Store::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["foo", "bar"],
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
        ),
        (
            &["hz", "abc"],
            "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
        ),
        (
            &["HZ", "abc"],
            "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
        ),
        (
            &["hz", "1", "HZ", "2"],
            "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter",
        ),
        (
            &["hz", "abc", "foo", "1"],
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
        ),
        (
            &["DATABASES", "1"],
            "ERR CONFIG SET failed (possibly related to argument 'DATABASES') - can't set immutable config",
        ),
        (
            &["port", "7000"],
            "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config",
        ),
        (
            &["hash-max-ziplist-entries", "-1"],
            "ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - argument must be between 0 and 9223372036854775807 inclusive",
        ),
        (
            &["list-max-listpack-size", "99999999999"],
            "ERR CONFIG SET failed (possibly related to argument 'list-max-listpack-size') - argument must be between -2147483648 and 2147483647 inclusive",
        ),
        (
            &["hash-max-listpack-value", "-1"],
            "ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-value') - argument must be a memory value",
        ),
        (
            &["maxmemory-policy", "bad"],
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
        ),
        (
            &["appendonly", "maybe"],
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'",
        ),
        (&["hz", "1", "hz"], "ERR syntax error"),
    ];
    for (args, expected) in cases {
        let mut argv = vec!["CONFIG", "SET"];
        argv.extend_from_slice(args);
        assert_eq!(err(store.execute(&argv)), *expected, "{argv:?}");
    }
    // Nothing was applied by any failed call.
    assert_eq!(store.config_get(&["hz"])[0].1, "10");
    assert_eq!(
        err(store.execute(&["CONFIG", "SET", "hz"])),
        "ERR wrong number of arguments for 'config|set' command"
    );
    assert_eq!(
        err(store.execute(&["CONFIG", "REWRITE"])),
        "ERR The server is running without a config file"
    );
    assert_eq!(
        err(store.execute(&["CONFIG", "FOO"])),
        "ERR unknown subcommand 'FOO'. Try CONFIG HELP."
    );
    assert_eq!(
        store.config_set(&[("hz", "1"), ("hz", "2")]),
        Err(Error::ConfigSetFailed {
            name: b"hz".to_vec(),
            reason: "duplicate parameter".into()
        })
    );
}

#[test]
fn config_get_is_a_map_of_names_and_patterns() {
    let store = Store::open(Config::builder().hz(20).build()).unwrap();
    let reply = store.execute(&["CONFIG", "GET", "HZ", "hz", "*max-*-entries", "nosuch"]);
    let Reply::Map(pairs) = reply else {
        panic!("CONFIG GET answers a map")
    };
    let got: BTreeMap<String, String> = pairs
        .into_iter()
        .map(|(k, v)| match (k, v) {
            (Reply::Bulk(k), Reply::Bulk(v)) => {
                (String::from_utf8(k).unwrap(), String::from_utf8(v).unwrap())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    let expected: BTreeMap<String, String> = [
        ("HZ", "20"),
        ("hash-max-listpack-entries", "512"),
        ("hash-max-ziplist-entries", "512"),
        ("set-max-intset-entries", "512"),
        ("set-max-listpack-entries", "128"),
        ("zset-max-listpack-entries", "128"),
        ("zset-max-ziplist-entries", "128"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, expected);
    let fixed = store.config_get(&[
        "databases",
        "appendonly",
        "save",
        "maxmemory",
        "maxmemory-policy",
        "port",
    ]);
    assert_eq!(
        fixed,
        [
            ("databases", "1"),
            ("appendonly", "no"),
            ("save", ""),
            ("maxmemory", "0"),
            ("maxmemory-policy", "noeviction"),
            ("port", "0"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(
        store.execute(&["CONFIG", "GET", "nosuch"]),
        Reply::Map(Vec::new())
    );
}

#[test]
fn requirepass_round_trip() {
    let store = Store::new();
    assert_eq!(store.config_get(&["requirepass"])[0].1, "");
    store.config_set(&[("requirepass", "s3cret")]).unwrap();
    assert_eq!(store.config_get(&["requirepass"])[0].1, "s3cret");
    store.config_set(&[("requirepass", "")]).unwrap();
    assert_eq!(store.config_get(&["requirepass"])[0].1, "");
}

// ---------------------------------------------------------------------------
// INFO
// ---------------------------------------------------------------------------

/// INFO's text as section → field → value.
fn parse_info(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    assert!(text.ends_with("\r\n"), "{text:?}");
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section = None;
    for (i, block) in text.split("\r\n\r\n").enumerate() {
        let mut lines = block.split("\r\n").filter(|l| !l.is_empty());
        let header = lines.next().unwrap_or_else(|| panic!("empty block {i}"));
        let name = header.strip_prefix("# ").expect("a section header");
        section = Some(name.to_lowercase());
        let fields = out.entry(name.to_lowercase()).or_default();
        for line in lines {
            let (k, v) = line.split_once(':').expect("field:value");
            assert!(
                fields.insert(k.to_string(), v.to_string()).is_none(),
                "{k} twice"
            );
        }
    }
    assert!(section.is_some());
    out
}

#[test]
fn info_has_every_section_in_redis_format() {
    let (store, _clock) = common::manual_store(1_700_000_000_000, 8);
    store.set("a", "1").unwrap();
    store.execute(&["SET", "b", "2", "EX", "100"]);
    let Reply::Verbatim(format, text) = store.execute(&["INFO"]) else {
        panic!("INFO answers verbatim text")
    };
    assert_eq!(format, "txt");
    let info = parse_info(std::str::from_utf8(&text).unwrap());
    let sections: Vec<&str> = info.keys().map(String::as_str).collect();
    for wanted in [
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "modules",
        "cluster",
        "keyspace",
    ] {
        assert!(
            sections.contains(&wanted),
            "{wanted} missing from {sections:?}"
        );
    }
    let server = &info["server"];
    assert_eq!(server["redis_version"], "7.0.15");
    assert_eq!(server["kvstore_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(server["redis_mode"], "standalone");
    assert_eq!(server["tcp_port"], "0");
    assert_eq!(server["process_id"], std::process::id().to_string());
    assert_eq!(server["run_id"].len(), 40);
    assert!(server["run_id"].bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(server["server_time_usec"], "1700000000000000");
    assert_eq!(info["keyspace"]["db0"], "keys=2,expires=1,avg_ttl=0");
    assert_eq!(info["replication"]["role"], "master");
    assert_eq!(info["replication"]["connected_slaves"], "0");
    assert_eq!(info["persistence"]["loading"], "0");
    assert_eq!(info["memory"]["maxmemory_policy"], "noeviction");
    let used: u64 = info["memory"]["used_memory"].parse().unwrap();
    let peak: u64 = info["memory"]["used_memory_peak"].parse().unwrap();
    assert!(used > 0 && peak >= used);
    assert!(info["cpu"]["used_cpu_user"].contains('.'));
    assert_eq!(info["clients"]["blocked_clients"], "0");
    assert_eq!(info["stats"]["evicted_keys"], "0");

    // Another store has another run id.
    let other = parse_info(&Store::new().info(&["server"]));
    assert_ne!(other["server"]["run_id"], server["run_id"]);
}

#[test]
fn info_sections_select_like_redis() {
    let store = Store::new();
    let text = store.info(&["CPU", "server"]);
    assert!(
        text.starts_with("# Server\r\n"),
        "Redis's order, not the request's"
    );
    assert!(text.contains("\r\n\r\n# CPU\r\n"));
    assert_eq!(text.matches("# ").count(), 2);
    assert_eq!(
        store.execute(&["INFO", "nosuch"]),
        Reply::Verbatim("txt", Vec::new())
    );
    assert_eq!(store.info(&["keyspace"]), "# Keyspace\r\n");
    let headers = |text: String| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    };
    let default = headers(store.info(&[]));
    assert_eq!(default.len(), 10);
    assert_eq!(headers(store.info(&["all"])), default);
    assert_eq!(headers(store.info(&["EVERYTHING"])), default);
    assert_eq!(headers(store.info(&["default", "cpu"])), default);
}

#[test]
fn info_in_resp2_is_a_bulk_string_and_in_resp3_verbatim() {
    let store = Store::new();
    let reply = store.execute(&["INFO", "cluster"]);
    let mut wire = Vec::new();
    reply.encode(Protocol::Resp2, &mut wire);
    assert_eq!(wire, b"$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n");
    wire.clear();
    reply.encode(Protocol::Resp3, &mut wire);
    assert_eq!(wire, b"=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
}

#[test]
fn commands_are_counted_across_threads_and_reset() {
    let store = Store::new();
    store.reset_stats();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    store.execute(&["PING"]);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Unknown commands and arity errors are not counted, as in Redis.
    store.execute(&["NOSUCH"]);
    store.execute(&["GET"]);
    let stats = parse_info(&store.info(&["stats"]));
    assert_eq!(stats["stats"]["total_commands_processed"], "8000");
    assert_eq!(store.execute(&["CONFIG", "RESETSTAT"]), Reply::ok());
    let stats = parse_info(&store.info(&["stats"]));
    // CONFIG RESETSTAT itself was counted before it reset.
    assert_eq!(stats["stats"]["total_commands_processed"], "0");
}

// ---------------------------------------------------------------------------
// COMMAND
// ---------------------------------------------------------------------------

#[test]
fn command_count_and_list_match_the_table() {
    let store = Store::new();
    assert_eq!(
        store.execute(&["COMMAND", "COUNT"]),
        Reply::Integer(COMMANDS.len() as i64)
    );
    let Reply::Array(names) = store.execute(&["COMMAND", "LIST"]) else {
        panic!()
    };
    let names: HashSet<Vec<u8>> = names
        .into_iter()
        .map(|n| match n {
            Reply::Bulk(n) => n,
            other => panic!("{other:?}"),
        })
        .collect();
    for (name, _) in COMMANDS {
        assert!(names.contains(name.as_bytes()), "{name} not listed");
    }
    assert!(names.contains(&b"config|get"[..]));
    let Reply::Array(all) = store.execute(&["COMMAND"]) else {
        panic!()
    };
    assert_eq!(all.len(), COMMANDS.len());
    // Every entry has Redis 7.0's ten elements and the table's arity.
    for entry in all {
        let Reply::Array(parts) = entry else { panic!() };
        assert_eq!(parts.len(), 10);
        let (Reply::Bulk(name), Reply::Integer(arity)) = (&parts[0], &parts[1]) else {
            panic!()
        };
        let name = std::str::from_utf8(name).unwrap();
        let expected = COMMANDS.iter().find(|(n, _)| *n == name).expect(name).1;
        assert_eq!(*arity, i64::from(expected), "{name}");
    }
    assert_eq!(
        store.execute(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "config*"]),
        Reply::Array(
            [
                "config",
                "config|get",
                "config|set",
                "config|resetstat",
                "config|rewrite",
                "config|help"
            ]
            .map(bulk)
            .to_vec()
        )
    );
    let Reply::Array(hash) = store.execute(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "HASH"])
    else {
        panic!()
    };
    assert!(hash.contains(&bulk("hset")) && hash.contains(&bulk("hexpire")));
    assert!(!hash.contains(&bulk("get")));
    assert_eq!(
        err(store.execute(&["COMMAND", "LIST", "FILTERBY", "foo", "x"])),
        "ERR syntax error"
    );
}

fn simples(items: &[&'static str]) -> Reply {
    Reply::Set(items.iter().map(|&s| Reply::Simple(s)).collect())
}

/// A key spec of Redis 7.0: flags, begin at `index`, a range.
fn range_spec(flags: &[&'static str], notes: Option<&str>, last: i64, step: i64) -> Reply {
    let mut map = Vec::new();
    if let Some(notes) = notes {
        map.push((bulk("notes"), bulk(notes)));
    }
    map.push((bulk("flags"), simples(flags)));
    map.push((
        bulk("begin_search"),
        Reply::Map(vec![
            (bulk("type"), bulk("index")),
            (
                bulk("spec"),
                Reply::Map(vec![(bulk("index"), Reply::Integer(1))]),
            ),
        ]),
    ));
    map.push((
        bulk("find_keys"),
        Reply::Map(vec![
            (bulk("type"), bulk("range")),
            (
                bulk("spec"),
                Reply::Map(vec![
                    (bulk("lastkey"), Reply::Integer(last)),
                    (bulk("keystep"), Reply::Integer(step)),
                    (bulk("limit"), Reply::Integer(0)),
                ]),
            ),
        ]),
    ));
    Reply::Map(map)
}

#[test]
fn command_info_of_get_set_mset_is_redis_7_0s() {
    let store = Store::new();
    let entry = |name: &str,
                 arity: i64,
                 flags: &[&'static str],
                 keys: (i64, i64, i64),
                 acl: &[&'static str],
                 tips: &[&str],
                 spec: Reply| {
        Reply::Array(vec![
            bulk(name),
            Reply::Integer(arity),
            simples(flags),
            Reply::Integer(keys.0),
            Reply::Integer(keys.1),
            Reply::Integer(keys.2),
            simples(acl),
            Reply::Set(tips.iter().map(|t| bulk(t)).collect()),
            Reply::Set(vec![spec]),
            Reply::Set(Vec::new()),
        ])
    };
    let expected = Reply::Array(vec![
        entry(
            "get",
            2,
            &["readonly", "fast"],
            (1, 1, 1),
            &["@read", "@string", "@fast"],
            &[],
            range_spec(&["RO", "access"], None, 0, 1),
        ),
        entry(
            "set",
            -3,
            &["write", "denyoom"],
            (1, 1, 1),
            &["@write", "@string", "@slow"],
            &[],
            range_spec(
                &["RW", "access", "update", "variable_flags"],
                Some("RW and ACCESS due to the optional `GET` argument"),
                0,
                1,
            ),
        ),
        entry(
            "mset",
            -3,
            &["write", "denyoom"],
            (1, -1, 2),
            &["@write", "@string", "@slow"],
            &[
                "request_policy:multi_shard",
                "response_policy:all_succeeded",
            ],
            range_spec(&["OW", "update"], None, -1, 2),
        ),
        Reply::Null,
    ]);
    assert_eq!(
        store.execute(&["COMMAND", "INFO", "get", "SET", "mset", "nosuch"]),
        expected
    );
    // A container lists its subcommands' entries.
    let Reply::Array(config) = store.execute(&["COMMAND", "INFO", "config"]) else {
        panic!()
    };
    let Reply::Array(entry) = &config[0] else {
        panic!()
    };
    let Reply::Array(subs) = &entry[9] else {
        panic!("subcommands are an array")
    };
    assert_eq!(subs.len(), 5);
    assert_eq!(
        store.execute(&["COMMAND", "INFO", "config|get"]),
        Reply::Array(vec![Reply::Array(vec![
            bulk("config|get"),
            Reply::Integer(-3),
            simples(&["admin", "noscript", "loading", "stale"]),
            Reply::Integer(0),
            Reply::Integer(0),
            Reply::Integer(0),
            simples(&["@admin", "@slow", "@dangerous"]),
            Reply::Set(Vec::new()),
            Reply::Set(Vec::new()),
            Reply::Set(Vec::new()),
        ])])
    );
}

/// The fields of a map reply, by key.
fn map_of(reply: &Reply) -> BTreeMap<String, Reply> {
    let Reply::Map(pairs) = reply else {
        panic!("not a map: {reply:?}")
    };
    pairs
        .iter()
        .map(|(k, v)| match k {
            Reply::Bulk(k) => (String::from_utf8(k.clone()).unwrap(), v.clone()),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn command_docs_have_the_shape_redis_cli_reads() {
    let store = Store::new();
    let all = store.execute(&["COMMAND", "DOCS"]);
    let docs = map_of(&all);
    assert_eq!(docs.len(), COMMANDS.len());
    // redis-cli 7 asserts: every value a map; summary, since and group bulk
    // strings; subcommands a map of maps.
    for (name, doc) in &docs {
        let fields = map_of(doc);
        for key in ["summary", "since", "group", "complexity"] {
            assert!(
                matches!(fields.get(key), Some(Reply::Bulk(_))),
                "{name} lacks {key}"
            );
        }
        if let Some(subs) = fields.get("subcommands") {
            for sub in map_of(subs).values() {
                assert!(matches!(map_of(sub).get("summary"), Some(Reply::Bulk(_))));
            }
        }
    }
    let get = map_of(&docs["get"]);
    assert_eq!(get["summary"], bulk("Get the value of a key"));
    assert_eq!(get["since"], bulk("1.0.0"));
    assert_eq!(get["group"], bulk("string"));
    assert_eq!(get["complexity"], bulk("O(1)"));
    let config = map_of(&docs["config"]);
    assert_eq!(map_of(&config["subcommands"]).len(), 5);
    assert_eq!(
        store.execute(&["COMMAND", "DOCS", "nosuch"]),
        Reply::Map(Vec::new())
    );
}

#[test]
fn command_getkeys_uses_key_specs() {
    let store = Store::new();
    let keys = |argv: &[&str]| {
        let mut full = vec!["COMMAND", "GETKEYS"];
        full.extend_from_slice(argv);
        store.execute(&full)
    };
    let bulks = |names: &[&str]| Reply::Array(names.iter().map(|n| bulk(n)).collect());
    assert_eq!(keys(&["mset", "a", "1", "b", "2"]), bulks(&["a", "b"]));
    assert_eq!(
        keys(&["zunionstore", "d", "2", "a", "b"]),
        bulks(&["d", "a", "b"])
    );
    assert_eq!(keys(&["lmpop", "2", "a", "b", "left"]), bulks(&["a", "b"]));
    assert_eq!(keys(&["object", "encoding", "k"]), bulks(&["k"]));
    assert_eq!(keys(&["blpop", "a", "b", "0"]), bulks(&["a", "b"]));
    assert_eq!(
        err(keys(&["zunionstore", "d", "5", "a", "b"])),
        "ERR Invalid arguments specified for command"
    );
    assert_eq!(err(keys(&["nosuch", "a"])), "ERR Invalid command specified");
    assert_eq!(
        err(keys(&["ping", "a"])),
        "ERR The command has no key arguments"
    );
    assert_eq!(
        err(keys(&["get", "a", "b"])),
        "ERR Invalid number of arguments specified for command"
    );
    assert_eq!(
        err(keys(&["get"])),
        "ERR wrong number of arguments for 'command|getkeys' command"
    );
}

#[test]
fn command_help_and_unknown_subcommands() {
    let store = Store::new();
    let Reply::Array(lines) = store.execute(&["COMMAND", "HELP"]) else {
        panic!()
    };
    assert_eq!(
        lines[0],
        Reply::Simple("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    );
    assert_eq!(
        err(store.execute(&["COMMAND", "NOSUCH"])),
        "ERR unknown subcommand 'NOSUCH'. Try COMMAND HELP."
    );
    assert_eq!(
        err(store.execute(&["COMMAND", "COUNT", "x"])),
        "ERR wrong number of arguments for 'command|count' command"
    );
}

// ---------------------------------------------------------------------------
// PING, ECHO, TIME, FLUSHALL
// ---------------------------------------------------------------------------

#[test]
fn ping_echo_time() {
    let clock = ManualClock::new(1_700_000_000_123);
    let store = Store::open(Config::builder().clock(clock.clone()).build()).unwrap();
    assert_eq!(store.execute(&["PING"]), Reply::Simple("PONG"));
    assert_eq!(store.execute(&["ping", "hi"]), bulk("hi"));
    assert_eq!(
        err(store.execute(&["PING", "a", "b"])),
        "ERR wrong number of arguments for 'ping' command"
    );
    assert_eq!(store.execute(&["ECHO", "\u{0}x"]), bulk("\u{0}x"));
    assert_eq!(
        store.execute(&["TIME"]),
        Reply::Array(vec![bulk("1700000000"), bulk("123000")])
    );
    assert_eq!(
        err(store.execute(&["TIME", "x"])),
        "ERR wrong number of arguments for 'time' command"
    );
}

struct Log(Mutex<Vec<Vec<Vec<u8>>>>);

impl WriteObserver for Log {
    fn on_write(&self, argv: &[&[u8]]) {
        let argv = argv.iter().map(|a| a.to_vec()).collect();
        self.0.lock().unwrap().push(argv);
    }
}

#[test]
fn flushall_empties_the_store_and_propagates() {
    let store = Store::new();
    let log = Arc::new(Log(Mutex::new(Vec::new())));
    store.add_write_observer(log.clone());
    store.set("a", "1").unwrap();
    assert_eq!(store.execute(&["FLUSHALL", "async"]), Reply::ok());
    assert_eq!(store.dbsize(), 0);
    assert_eq!(
        err(store.execute(&["FLUSHALL", "lazy"])),
        "ERR syntax error"
    );
    assert_eq!(
        err(store.execute(&["FLUSHALL", "ASYNC", "SYNC"])),
        "ERR syntax error"
    );
    let logged = log.0.lock().unwrap().clone();
    assert_eq!(logged.last(), Some(&vec![b"FLUSHALL".to_vec()]));
}

#[test]
fn config_values_are_read_as_c_strings() {
    // Redis parses a memory value up to its first NUL byte, an integer
    // value whole.
    let store = Store::new();
    assert_eq!(
        store.execute(&[
            &b"CONFIG"[..],
            b"SET",
            b"hash-max-ziplist-value",
            b"1\x00junk"
        ]),
        Reply::ok()
    );
    assert_eq!(
        store.config_get(&["hash-max-listpack-value"]),
        vec![("hash-max-listpack-value".to_string(), "1".to_string())]
    );
    assert!(
        store
            .execute(&[
                &b"CONFIG"[..],
                b"SET",
                b"hash-max-listpack-entries",
                b"1\x00"
            ])
            .is_error()
    );
}
