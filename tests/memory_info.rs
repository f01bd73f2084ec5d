//! `INFO memory`, [`Store::info_memory`], `MEMORY USAGE` and the rest of
//! the `MEMORY` command: the typed API and `execute` agree, the report has
//! every field a real redis-server 7.0 prints, in its order (compared with
//! one when `redis-server` is on `PATH`, else `skipped:`), and the figures
//! follow the data (keys, expired keys, lagging subscribers).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::redis::{RedisServer, Resp, locate_redis_server, reply_to_resp};
use kvstore::{Config, InfoMemory, MaxmemoryPolicy, Reply, Store};

/// `name:value` lines of one INFO section (the header skipped).
fn fields(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn info_text(reply: Reply) -> String {
    match reply {
        Reply::Verbatim(_, bytes) | Reply::Bulk(bytes) => String::from_utf8(bytes).expect("utf-8"),
        other => panic!("INFO answered {other:?}"),
    }
}

fn int(reply: &Reply) -> i64 {
    match reply {
        Reply::Integer(n) => *n,
        other => panic!("expected an integer, got {other:?}"),
    }
}

/// MEMORY STATS as (name, value) pairs.
fn stats_map(store: &Store) -> Vec<(String, Reply)> {
    let Reply::Map(pairs) = store.execute(&["MEMORY", "STATS"]) else {
        panic!("MEMORY STATS is a map")
    };
    pairs
        .into_iter()
        .map(|(k, v)| match k {
            Reply::Bulk(k) => (String::from_utf8(k).expect("utf-8"), v),
            other => panic!("key {other:?}"),
        })
        .collect()
}

#[test]
fn typed_report_and_execute_agree() {
    let store = Store::open(
        Config::builder()
            .maxmemory(64 << 20)
            .maxmemory_policy(MaxmemoryPolicy::AllkeysLru)
            .build(),
    )
    .expect("open");
    for i in 0..100 {
        store.set(format!("key:{i}"), "v".repeat(i)).expect("set");
    }
    let typed = store.info_memory();
    let text = info_text(store.execute(&["INFO", "memory"]));
    let wire: HashMap<String, String> = fields(&text).into_iter().collect();
    // Nothing changed in between: the store's own figures are identical.
    for (name, value) in [
        ("used_memory", typed.used_memory.to_string()),
        ("used_memory_human", typed.used_memory_human()),
        ("used_memory_dataset", typed.used_memory_dataset.to_string()),
        (
            "used_memory_overhead",
            typed.used_memory_overhead.to_string(),
        ),
        ("used_memory_startup", typed.used_memory_startup.to_string()),
        ("maxmemory", "67108864".to_owned()),
        ("maxmemory_human", "64.00M".to_owned()),
        ("maxmemory_policy", "allkeys-lru".to_owned()),
        ("mem_allocator", typed.mem_allocator.clone()),
        ("mem_clients_normal", typed.mem_clients_normal.to_string()),
        ("mem_aof_buffer", "0".to_owned()),
        ("mem_not_counted_for_evict", "0".to_owned()),
        ("total_system_memory", typed.total_system_memory.to_string()),
    ] {
        assert_eq!(wire.get(name), Some(&value), "{name}");
    }
    assert_eq!(typed.maxmemory, 64 << 20);
    assert_eq!(
        typed.used_memory,
        typed.used_memory_dataset + typed.used_memory_overhead
    );
    assert!(typed.used_memory_peak >= typed.used_memory);
    assert!(typed.used_memory > typed.used_memory_startup);
    // The typed value's text is the section, field for field.
    let names = |t: &str| -> Vec<String> { fields(t).into_iter().map(|(k, _)| k).collect() };
    assert_eq!(names(&typed.to_string()), names(&text));
    assert!(text.starts_with("# Memory\r\n") && text.ends_with("\r\n"));

    // MEMORY STATS is the same accounting.
    let stats: HashMap<String, Reply> = stats_map(&store).into_iter().collect();
    assert_eq!(int(&stats["total.allocated"]), typed.used_memory as i64);
    assert_eq!(
        int(&stats["dataset.bytes"]),
        typed.used_memory_dataset as i64
    );
    assert_eq!(
        int(&stats["overhead.total"]),
        typed.used_memory_overhead as i64
    );
    assert_eq!(
        int(&stats["startup.allocated"]),
        typed.used_memory_startup as i64
    );
    assert_eq!(int(&stats["keys.count"]), 100);
    assert!(matches!(stats["db.0"], Reply::Map(_)));

    // MEMORY USAGE through both doors.
    for key in ["key:0", "key:99", "missing"] {
        let typed = store.memory_usage(key, None).expect("usage");
        let reply = store.execute(&["MEMORY", "USAGE", key]);
        match typed {
            Some(n) => assert_eq!(reply, Reply::Integer(n as i64), "{key}"),
            None => assert_eq!(reply, Reply::Null, "{key}"),
        }
    }
}

#[test]
fn evicted_keys_is_reported_in_stats() {
    let store = Store::new();
    let m: InfoMemory = store.info_memory();
    assert_eq!(m.evicted_keys, 0);
    let stats = info_text(store.execute(&["INFO", "stats"]));
    assert!(stats.contains("\r\nevicted_keys:0\r\n"), "{stats}");
    assert!(!store.info(&["memory"]).contains("evicted_keys"));
}

#[test]
fn memory_usage_follows_the_value() {
    let (store, clock) = common::manual_store(1_000_000, 4);
    store.set("s", "x").expect("set");
    let small = store.memory_usage("s", None).expect("usage").expect("live");
    store.set("s", "x".repeat(1000)).expect("set");
    let medium = store
        .memory_usage("s", Some(0))
        .expect("usage")
        .expect("live");
    store.set("s", "x".repeat(100_000)).expect("set");
    let big = store
        .memory_usage("s", Some(5))
        .expect("usage")
        .expect("live");
    assert!(medium >= small + 999, "{small} -> {medium}");
    assert!(big >= medium + 99_000, "{medium} -> {big}");

    // Collections grow with their elements too.
    store.rpush("list", ["a"]).expect("rpush");
    let one = store
        .memory_usage("list", None)
        .expect("usage")
        .expect("live");
    let many: Vec<String> = (0..5000).map(|i| format!("element-{i}")).collect();
    store.rpush("list", &many).expect("rpush");
    let all = store
        .memory_usage("list", None)
        .expect("usage")
        .expect("live");
    assert!(all > one + 5000 * 9, "{one} -> {all}");

    // Missing and expired keys have no usage; an expired key is reclaimed.
    assert_eq!(store.memory_usage("nope", None), Ok(None));
    assert_eq!(store.execute(&["MEMORY", "USAGE", "nope"]), Reply::Null);
    store.set("ttl", "v").expect("set");
    store.pexpire("ttl", 100).expect("pexpire");
    assert!(store.memory_usage("ttl", None).expect("usage").is_some());
    clock.advance(Duration::from_millis(101));
    assert_eq!(store.execute(&["MEMORY", "USAGE", "ttl"]), Reply::Null);
    assert_eq!(store.dbsize(), 2, "the expired key was reclaimed");
}

#[test]
fn memory_usage_arguments_are_checked_as_redis_does() {
    let store = Store::new();
    store.set("k", "v").expect("set");
    let err = |argv: &[&str]| match store.execute(argv) {
        Reply::Error(e) => e.to_string(),
        other => panic!("{argv:?} answered {other:?}"),
    };
    assert_eq!(
        err(&["MEMORY", "USAGE"]),
        "ERR wrong number of arguments for 'memory|usage' command"
    );
    assert_eq!(
        err(&["MEMORY"]),
        "ERR wrong number of arguments for 'memory' command"
    );
    assert_eq!(
        err(&["MEMORY", "STATS", "x"]),
        "ERR wrong number of arguments for 'memory|stats' command"
    );
    assert_eq!(
        err(&["MEMORY", "nope"]),
        "ERR unknown subcommand 'nope'. Try MEMORY HELP."
    );
    for bad in [
        &["MEMORY", "USAGE", "k", "SAMPLES"][..],
        &["MEMORY", "USAGE", "k", "SAMPLES", "-1"],
        &["MEMORY", "USAGE", "k", "SAMPLES", "5", "extra"],
        &["MEMORY", "USAGE", "k", "bogus", "5"],
        &["MEMORY", "USAGE", "missing", "bogus", "5"],
    ] {
        assert_eq!(err(bad), "ERR syntax error", "{bad:?}");
    }
    assert_eq!(
        err(&["MEMORY", "USAGE", "k", "SAMPLES", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&["MEMORY", "USAGE", "k", "samples", "99999999999999999999"]),
        "ERR value is not an integer or out of range"
    );
    for ok in [
        &["MEMORY", "USAGE", "k", "SAMPLES", "0"][..],
        &["memory", "usage", "k", "samples", "1", "SAMPLES", "2"],
    ] {
        assert!(
            matches!(store.execute(ok), Reply::Integer(n) if n > 0),
            "{ok:?}"
        );
    }
}

#[test]
fn used_memory_grows_with_keys_and_returns_when_they_go() {
    let store = Store::open(Config::builder().active_expire(false).build()).expect("open");
    let before = store.info_memory();
    let keys: Vec<String> = (0..20_000).map(|i| format!("key:{i:08}")).collect();
    for key in &keys {
        store.set(key, "some value of a few bytes").expect("set");
    }
    let full = store.info_memory();
    assert!(
        full.used_memory > before.used_memory + 20_000 * 40,
        "{} -> {}",
        before.used_memory,
        full.used_memory
    );
    assert!(full.used_memory_dataset >= 20_000 * 40);
    assert!(full.used_memory_peak >= full.used_memory);
    for key in &keys {
        store.del([key]).expect("del");
    }
    let empty = store.info_memory();
    assert_eq!(empty.used_memory_dataset, 0);
    // Tables give their buckets back as they empty: what is left is at most
    // a sliver of the full size.
    let left = empty.used_memory.abs_diff(before.used_memory);
    assert!(
        left * 100 <= full.used_memory - before.used_memory,
        "before {} full {} after {}",
        before.used_memory,
        full.used_memory,
        empty.used_memory
    );
    assert_eq!(empty.used_memory_peak, full.used_memory_peak);
    // CONFIG RESETSTAT leaves the peak, as Redis 7.0 does.
    store.reset_stats();
    assert_eq!(store.info_memory().used_memory_peak, full.used_memory_peak);
}

#[test]
fn lagging_subscribers_count_until_they_drain() {
    let store = Store::new();
    let mut sub = store.subscriber();
    sub.subscribe(["news"]);
    // The confirmation is read: the queue is empty.
    assert!(sub.get_message(Duration::ZERO).expect("read").is_some());
    let before = store.info_memory();
    assert_eq!(before.mem_clients_normal, 0);
    let payload = "x".repeat(1000);
    for _ in 0..200 {
        assert_eq!(store.publish("news", &payload), 1);
    }
    let lagging = store.info_memory();
    assert!(
        lagging.mem_clients_normal >= 200 * 1000,
        "{}",
        lagging.mem_clients_normal
    );
    assert_eq!(
        lagging.used_memory - before.used_memory,
        lagging.mem_clients_normal
    );
    assert_eq!(
        lagging.used_memory_overhead - before.used_memory_overhead,
        lagging.mem_clients_normal
    );
    assert_eq!(lagging.used_memory_dataset, before.used_memory_dataset);
    let stats: HashMap<String, Reply> = stats_map(&store).into_iter().collect();
    assert_eq!(
        int(&stats["clients.normal"]),
        lagging.mem_clients_normal as i64
    );
    // Reading takes the messages out of the store's queue.
    let mut read = 0;
    while sub.get_message(Duration::ZERO).expect("read").is_some() {
        read += 1;
    }
    assert_eq!(read, 200);
    let drained = store.info_memory();
    assert_eq!(drained.mem_clients_normal, 0);
    assert_eq!(drained.used_memory, before.used_memory);

    // A subscriber dropped with messages queued frees them.
    for _ in 0..10 {
        store.publish("news", &payload);
    }
    assert!(store.info_memory().mem_clients_normal > 0);
    drop(sub);
    assert_eq!(store.info_memory().mem_clients_normal, 0);
}

#[test]
fn memory_help_doctor_malloc_stats_and_purge() {
    let store = Store::new();
    let Reply::Array(help) = store.execute(&["MEMORY", "HELP"]) else {
        panic!("help is an array")
    };
    assert_eq!(help.len(), 14);
    assert_eq!(
        help[0],
        Reply::Simple("MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    );
    let Reply::Verbatim("txt", doctor) = store.execute(&["MEMORY", "DOCTOR"]) else {
        panic!("doctor is verbatim text")
    };
    let doctor = String::from_utf8(doctor).expect("utf-8");
    assert!(
        doctor.starts_with("Hi Sam, this instance is empty"),
        "{doctor}"
    );
    assert_eq!(store.execute(&["MEMORY", "PURGE"]), Reply::ok());
    match store.execute(&["MEMORY", "MALLOC-STATS"]) {
        Reply::Verbatim("txt", text) => assert!(!text.is_empty()),
        Reply::Bulk(text) => assert_eq!(text, b"Stats not supported for the current allocator"),
        other => panic!("{other:?}"),
    }
}

/// The key names of a RESP2 map (a flat array), values that are maps
/// flattened as `parent/child`.
fn map_names(resp: &Resp) -> Vec<String> {
    let Resp::Array(items) = resp else {
        panic!("a map is a flat array in RESP2: {resp:?}")
    };
    let mut names = Vec::new();
    for pair in items.chunks(2) {
        let Some(Resp::Bulk(name)) = pair.first() else {
            panic!("map key {pair:?}")
        };
        let name = String::from_utf8_lossy(name).into_owned();
        if let Some(inner @ Resp::Array(_)) = pair.get(1) {
            names.extend(map_names(inner).into_iter().map(|n| format!("{name}/{n}")));
        }
        names.push(name);
    }
    names
}

#[test]
fn memory_reports_match_redis_server() {
    let bin = match locate_redis_server() {
        Ok(bin) => bin,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let redis = RedisServer::start(&bin, &[]).expect("redis-server starts");
    let mut client = redis.connect().expect("connect");
    let store = Store::new();

    // INFO memory: the same fields in the same order.
    let Resp::Bulk(theirs) = client.call(&["INFO", "memory"]).expect("info") else {
        panic!("INFO is a bulk string")
    };
    let theirs = String::from_utf8(theirs).expect("utf-8");
    let ours = info_text(store.execute(&["INFO", "memory"]));
    let names = |t: &str| -> Vec<String> { fields(t).into_iter().map(|(k, _)| k).collect() };
    assert_eq!(names(&ours), names(&theirs));
    assert_eq!(
        ours.lines().next(),
        theirs.lines().next(),
        "the section header"
    );
    // Values in the same shapes: humans with units, percentages, ratios.
    let (ours, theirs): (HashMap<_, _>, HashMap<_, _>) = (
        fields(&ours).into_iter().collect(),
        fields(&theirs).into_iter().collect(),
    );
    let shape = |v: &str| -> String {
        v.chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c })
            .collect::<String>()
            .split('9')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("9")
    };
    for name in [
        "used_memory_human",
        "used_memory_peak_perc",
        "used_memory_dataset_perc",
        "allocator_frag_ratio",
        "mem_fragmentation_ratio",
        "maxmemory_policy",
        "maxmemory_human",
    ] {
        assert_eq!(shape(&ours[name]), shape(&theirs[name]), "{name}");
    }

    // MEMORY STATS: the same names in the same order, with a key in db 0.
    assert_eq!(
        client.call(&["SET", "k", "v"]).expect("set"),
        Resp::Simple(b"OK".to_vec())
    );
    store.set("k", "v").expect("set");
    let theirs = client.call(&["MEMORY", "STATS"]).expect("stats");
    let ours = reply_to_resp(&store.execute(&["MEMORY", "STATS"]));
    assert_eq!(map_names(&ours), map_names(&theirs));

    // Replies and errors of the other subcommands.
    let mut same = |argv: &[&str]| {
        let theirs = client.call(argv).expect("call");
        let ours = reply_to_resp(&store.execute(argv));
        assert_eq!(ours, theirs, "{argv:?}");
    };
    for argv in [
        &["MEMORY", "HELP"][..],
        &["MEMORY", "DOCTOR"],
        &["MEMORY", "PURGE"],
        &["MEMORY", "USAGE", "missing"],
        &["MEMORY", "USAGE", "missing", "SAMPLES", "3"],
        &["MEMORY", "USAGE"],
        &["MEMORY"],
        &["MEMORY", "nope"],
        &["MEMORY", "STATS", "x"],
        &["MEMORY", "DOCTOR", "x"],
        &["MEMORY", "HELP", "x"],
        &["MEMORY", "PURGE", "x"],
        &["MEMORY", "MALLOC-STATS", "x"],
        &["MEMORY", "USAGE", "k", "SAMPLES"],
        &["MEMORY", "USAGE", "k", "SAMPLES", "x"],
        &["MEMORY", "USAGE", "k", "SAMPLES", "-1"],
        &["MEMORY", "USAGE", "k", "SAMPLES", "99999999999999999999"],
        &["MEMORY", "USAGE", "k", "SAMPLES", "5", "extra"],
        &["MEMORY", "USAGE", "k", "bogus", "5"],
        &["MEMORY", "USAGE", "missing", "SAMPLES", "x"],
    ] {
        same(argv);
    }
    // An existing key: a positive size on both sides (the sizes differ).
    let theirs = client.call(&["MEMORY", "USAGE", "k"]).expect("usage");
    let ours = reply_to_resp(&store.execute(&["MEMORY", "USAGE", "k"]));
    assert!(matches!(theirs, Resp::Integer(n) if n > 0));
    assert!(matches!(ours, Resp::Integer(n) if n > 0));
}

/// Waits (up to 10 s) for `done` to hold on the store's memory report: the
/// server updates its count right after it has written a reply, so the
/// client may see the reply a moment before.
#[cfg(feature = "server")]
fn eventually(store: &Store, what: &str, done: impl Fn(&InfoMemory) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let m = store.info_memory();
        if done(&m) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: mem_clients_normal is {}",
            m.mem_clients_normal
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(feature = "server")]
#[test]
fn server_connection_buffers_count_while_connected() {
    use common::server::Running;
    use kvstore::server::ServerConfig;

    let store = Store::new();
    store.set("big", "x".repeat(100_000)).expect("set");
    let running = Running::start(&store, ServerConfig::new());
    let mut client = running.client();
    let reply = client.call(&["GET", "big"]).expect("get");
    assert_eq!(reply, Resp::Bulk(vec![b'x'; 100_000]));
    // The output buffer keeps its room for the next replies.
    eventually(&store, "after a 100 KB reply", |m| {
        m.mem_clients_normal >= 100_000
    });
    let with_client = store.info_memory();
    assert!(with_client.used_memory >= with_client.used_memory_dataset + 100_000);
    drop(client);
    eventually(&store, "after the client left", |m| {
        m.mem_clients_normal == 0
    });
}
