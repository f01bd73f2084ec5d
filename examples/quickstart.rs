//! A tour of kvstore: strings, counters, TTLs, atomic multi-key commands,
//! hashes with field expiry, a list as a work queue with a blocked consumer,
//! a sorted-set leaderboard, SCAN, the write hook and `execute`. Runs in well under a second.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kvstore::{
    Config, ExpireCondition, ManualClock, Reply, ScanOptions, SetOptions, Store, WriteObserver,
    ZRange,
};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

/// Records the canonical command of every write, as a persistence log would.
#[derive(Default)]
struct CommandLog(Mutex<Vec<String>>);

impl WriteObserver for CommandLog {
    fn on_write(&self, argv: &[&[u8]]) {
        let line: Vec<String> = argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if let Ok(mut log) = self.0.lock() {
            log.push(line.join(" "));
        }
    }
}

fn main() -> Result<(), kvstore::Error> {
    // A manual clock lets the tour show expiry without sleeping; a real
    // application uses `Store::new()` (the system clock).
    let clock = ManualClock::new(1_700_000_000_000);
    let store = Store::open(Config::builder().clock(clock.clone()).build())?;
    let log = Arc::new(CommandLog::default());
    store.add_write_observer(log.clone());

    // Strings and counters, with Redis's semantics and errors.
    store.set("greeting", "hello")?;
    store.append("greeting", ", world")?;
    println!("GET greeting      -> {}", text(store.get("greeting")?));
    println!("INCRBY visits 10  -> {}", store.incrby("visits", 10)?);
    println!(
        "INCRBYFLOAT price -> {}",
        text(Some(store.incrbyfloat("price", "10.1")?))
    );
    match store.incr("greeting") {
        Err(e) => println!("INCR greeting     -> error: {e}"),
        Ok(n) => println!("INCR greeting     -> {n}"),
    }

    // A lock with NX and a TTL, then time passes.
    let lock = store.set_with("lock:report", "worker-1", SetOptions::new().nx().ex(30))?;
    println!("SET lock NX EX 30 -> written: {}", lock.written);
    println!("TTL lock          -> {}", store.ttl("lock:report")?);
    store.expire_with("lock:report", 60, ExpireCondition::new().gt())?;
    clock.advance(Duration::from_secs(61));
    println!("after 61 s, GET   -> {}", text(store.get("lock:report")?));

    // Atomic multi-key commands, even across shards.
    store.mset([("user:1", "ada"), ("user:2", "grace"), ("user:3", "linus")])?;
    let names = store.mget(["user:1", "user:2", "missing"])?;
    println!(
        "MGET              -> {:?}",
        names.into_iter().map(text).collect::<Vec<_>>()
    );

    // Hashes, with Redis 7.4's per-field expiry.
    store.hset(
        "user:1:profile",
        [("name", "ada"), ("lang", "rust"), ("otp", "4711")],
    )?;
    store.hexpire("user:1:profile", 30, None, ["otp"])?;
    println!(
        "HTTL otp          -> {:?}",
        store.httl("user:1:profile", ["otp"])?
    );
    clock.advance(Duration::from_secs(31));
    let mut profile = store.hgetall("user:1:profile")?;
    profile.sort();
    let profile: Vec<String> = profile
        .into_iter()
        .map(|(f, v)| format!("{}={}", text(Some(f)), text(Some(v))))
        .collect();
    println!("after 31 s HGETALL-> {profile:?}");

    // A list as a work queue: a consumer blocks in BLPOP until a producer
    // pushes; the push serves it.
    let consumer = {
        let store = store.clone();
        std::thread::spawn(move || store.blpop(["jobs"], Duration::from_secs(5)))
    };
    while store.blocked_clients() == 0 {
        std::thread::yield_now();
    }
    store.rpush("jobs", ["send-welcome-email", "resize-avatar"])?;
    if let Ok(Ok(Some((key, job)))) = consumer.join() {
        println!(
            "BLPOP jobs        -> {} from {}",
            text(Some(job)),
            text(Some(key))
        );
    }
    println!(
        "LRANGE jobs 0 -1  -> {:?}",
        store
            .lrange("jobs", 0, -1)?
            .into_iter()
            .map(|j| text(Some(j)))
            .collect::<Vec<_>>()
    );

    // A leaderboard: a sorted set, ranked in O(log n).
    store.zadd(
        "board",
        [(3100.0, "ada"), (2950.0, "grace"), (3300.0, "linus")],
    )?;
    store.zincrby("board", 250.0, "grace")?;
    let top = store.zrange("board", &ZRange::by_rank(0, 2).rev())?;
    let top: Vec<String> = top
        .into_iter()
        .map(|(m, s)| format!("{}={s}", text(Some(m))))
        .collect();
    println!("ZRANGE board REV  -> {top:?}");
    println!("ZRANK board ada   -> {:?}", store.zrank("board", "ada")?);

    // SCAN walks the keyspace incrementally.
    let mut cursor = 0;
    let mut users = Vec::new();
    loop {
        let page = store.scan(cursor, &ScanOptions::new().pattern("user:*"))?;
        users.extend(page.keys.into_iter().map(|k| text(Some(k))));
        cursor = page.cursor;
        if cursor == 0 {
            break;
        }
    }
    users.sort();
    println!("SCAN MATCH user:* -> {users:?}");

    // Any command by name, answered as Redis would.
    for argv in [
        &["OBJECT", "ENCODING", "visits"][..],
        &["LCS", "user:1", "user:2"],
        &["SET", "k", "v", "NX", "XX"],
        &["GET"],
    ] {
        println!(
            "{:<17} -> {}",
            argv.join(" "),
            describe(&store.execute(argv))
        );
    }

    // What a persistence log would have recorded: relative TTLs became
    // absolute, INCRBYFLOAT became a SET, the expired lock a DEL, the
    // served BLPOP an LPOP.
    println!("\nwrite log:");
    if let Ok(log) = log.0.lock() {
        for line in log.iter() {
            println!("  {line}");
        }
    }
    Ok(())
}

fn text(value: Option<Vec<u8>>) -> String {
    value.map_or_else(
        || "(nil)".to_owned(),
        |v| String::from_utf8_lossy(&v).into_owned(),
    )
}

fn describe(reply: &Reply) -> String {
    match reply {
        Reply::Simple(s) => s.to_string(),
        Reply::Bulk(b) => format!("\"{}\"", String::from_utf8_lossy(b)),
        Reply::Integer(n) => format!("(integer) {n}"),
        Reply::Null => "(nil)".to_owned(),
        Reply::Error(e) => format!("(error) {e}"),
        other => format!("{other:?}"),
    }
}
