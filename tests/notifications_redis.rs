//! Keyspace notifications compared with a real `redis-server`.
//!
//! The same scripted sequence of commands runs on a private Redis 7.0 and
//! on a [`Store`]; both have `notify-keyspace-events` set alike and one
//! subscriber each on `__key*__:*`. After every step, the messages each
//! subscriber received (channel and data, in order) must be identical.
//! The script (tests/notify/script.rs) covers every write command the
//! store has, the reads that report key misses, clients blocked on a key
//! and served by a later write (another connection on Redis, another
//! thread on our side), lazily expired keys met by every kind of lookup
//! (Redis sleeps past a short TTL with its active cycle paused, our manual
//! clock is advanced) and keys reclaimed by the active expire cycle
//! (Redis's, waited for with a bound; ours, run explicitly). Runs with
//! `KEA`, narrower class sets, `m` and `n` (key misses, new keys), and
//! none at all.
//!
//! Without `redis-server` on `PATH` the test prints a `skipped:` line.
//! `KVSTORE_NOTIFY_TRACE=1` prints every step with Redis's events (run
//! with `--nocapture`).

mod common;
#[path = "notify/script.rs"]
mod script;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::redis::{RedisServer, Resp, RespClient, escape, format_argv, locate_redis_server};
use kvstore::{Config, ManualClock, MessageKind, Store, Subscriber};
use script::{Step, script};

/// One notification: channel and data.
type Event = (Vec<u8>, Vec<u8>);

/// The pattern both subscribers listen on.
const PATTERN: &str = "__key*__:*";

/// The channel Redis's subscriber also listens on: a `PUBLISH` there after
/// each step marks the end of that step's notifications.
const SYNC: &str = "notify-test-sync";

/// Longest wait for a blocking command to block.
const BLOCK_WAIT: Duration = Duration::from_secs(10);

/// Longest wait for Redis's active expire cycle to reclaim a key.
const ACTIVE_EXPIRE_WAIT: Duration = Duration::from_secs(10);

/// Reads Redis's pushed messages until the `SYNC` message with `marker`;
/// returns the keyspace messages before it.
fn redis_events(sub: &mut RespClient, marker: &str) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        let message = sub
            .read()
            .unwrap_or_else(|e| panic!("reading Redis's subscriber: {e}"));
        let Resp::Array(items) = message else {
            panic!("unexpected push from Redis: {message:?}");
        };
        match items.as_slice() {
            [
                Resp::Bulk(kind),
                Resp::Bulk(_),
                Resp::Bulk(channel),
                Resp::Bulk(data),
            ] if kind == b"pmessage" => {
                events.push((channel.clone(), data.clone()));
            }
            [Resp::Bulk(kind), Resp::Bulk(channel), Resp::Bulk(data)]
                if kind == b"message" && channel == SYNC.as_bytes() =>
            {
                if data == marker.as_bytes() {
                    return events;
                }
            }
            other => panic!("unexpected push from Redis: {other:?}"),
        }
    }
}

/// Everything our subscriber has received (all of it is there already:
/// notifications are published inside the command).
fn our_events(sub: &mut Subscriber) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some(message) = sub.get_message(Duration::ZERO).expect("subscriber") {
        assert_eq!(message.kind(), MessageKind::PMessage, "{message:?}");
        let channel = message.channel().unwrap_or_default().to_vec();
        events.push((channel, message.data().to_vec()));
    }
    events
}

fn show(events: &[Event]) -> String {
    events
        .iter()
        .map(|(c, d)| format!("  {} {}", escape(c), escape(d)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Both sides, with the notification classes `flags`.
struct Run {
    port: u16,
    redis: RespClient,
    redis_sub: RespClient,
    store: Store,
    clock: ManualClock,
    sub: Subscriber,
    step: usize,
}

impl Run {
    fn new(server: &RedisServer, flags: &str) -> Run {
        let mut redis = server.connect().expect("connect");
        assert_eq!(
            redis.call(&["FLUSHALL"]).expect("flushall"),
            Resp::Simple(b"OK".to_vec())
        );
        let set = redis
            .call(&["CONFIG", "SET", "notify-keyspace-events", flags])
            .expect("config set");
        assert_eq!(set, Resp::Simple(b"OK".to_vec()), "Redis refused {flags}");
        let mut redis_sub = server.connect().expect("connect");
        let confirmed = redis_sub
            .call(&["PSUBSCRIBE", PATTERN])
            .expect("psubscribe");
        assert!(matches!(confirmed, Resp::Array(_)), "{confirmed:?}");
        let confirmed = redis_sub.call(&["SUBSCRIBE", SYNC]).expect("subscribe");
        assert!(matches!(confirmed, Resp::Array(_)), "{confirmed:?}");

        let clock = ManualClock::new(now_ms());
        let store = Store::open(
            Config::builder()
                .clock(clock.clone())
                .active_expire(false)
                .notify_keyspace_events(flags)
                .expect("flags")
                .build(),
        )
        .expect("open");
        let mut sub = store.subscriber();
        sub.psubscribe([PATTERN]);
        let confirmation = sub.get_message(Duration::ZERO).expect("subscriber");
        assert!(confirmation.is_some_and(|m| m.kind() == MessageKind::PSubscribe));
        Run {
            port: server.port(),
            redis,
            redis_sub,
            store,
            clock,
            sub,
            step: 0,
        }
    }

    /// Ends a step: the events each side published since the last one.
    fn collect(&mut self) -> (Vec<Event>, Vec<Event>) {
        self.step += 1;
        let marker = self.step.to_string();
        let published = self
            .redis
            .call(&["PUBLISH", SYNC, &marker])
            .expect("publish");
        assert_eq!(published, Resp::Integer(1));
        let theirs = redis_events(&mut self.redis_sub, &marker);
        (theirs, our_events(&mut self.sub))
    }

    fn sleep(&mut self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
        self.clock.advance(Duration::from_millis(ms));
    }

    /// `wait` blocks on both sides, then `then` serves it.
    fn blocked(&mut self, wait: &[&'static str], then: &[&str]) {
        let mut waiter = self.server_connection();
        waiter.send(wait).expect("send");
        let started = Instant::now();
        while self.redis_blocked_clients() == 0 {
            assert!(started.elapsed() < BLOCK_WAIT, "Redis did not block");
            std::thread::sleep(Duration::from_millis(5));
        }
        let theirs = self.redis.call(then).expect("redis I/O");
        assert!(!theirs.is_error(), "{theirs:?}");
        let served = waiter.read().expect("served");
        assert!(!served.is_error(), "{served:?}");

        let store = self.store.clone();
        let argv: Vec<&'static str> = wait.to_vec();
        let ours = std::thread::spawn(move || store.execute(&argv));
        let started = Instant::now();
        while self.store.blocked_clients() == 0 {
            assert!(started.elapsed() < BLOCK_WAIT, "our store did not block");
            std::thread::sleep(Duration::from_millis(5));
        }
        let pushed = self.store.execute(then);
        assert!(!matches!(pushed, kvstore::Reply::Error(_)), "{pushed:?}");
        let served = ours.join().expect("the blocked thread");
        assert!(!matches!(served, kvstore::Reply::Error(_)), "{served:?}");
    }

    fn server_connection(&self) -> RespClient {
        RespClient::connect(self.port).expect("connect")
    }

    fn redis_blocked_clients(&mut self) -> i64 {
        let Resp::Bulk(info) = self.redis.call(&["INFO", "clients"]).expect("info") else {
            panic!("INFO did not answer a bulk string");
        };
        String::from_utf8_lossy(&info)
            .lines()
            .find_map(|l| l.strip_prefix("blocked_clients:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    }

    fn redis_dbsize(&mut self) -> i64 {
        match self.redis.call(&["DBSIZE"]).expect("dbsize") {
            Resp::Integer(n) => n,
            other => panic!("DBSIZE: {other:?}"),
        }
    }

    /// Runs one step; returns what it was, for messages.
    fn run(&mut self, step: &Step) -> String {
        match step {
            Step::Cmd(argv) => {
                let theirs = self.redis.call(argv).expect("redis I/O");
                let ours = self.store.execute(argv);
                let ours_failed = matches!(ours, kvstore::Reply::Error(_));
                assert_eq!(
                    theirs.is_error(),
                    ours_failed,
                    "{}: Redis answered {theirs:?}, we answered {ours:?}",
                    format_argv(argv)
                );
                format_argv(argv)
            }
            Step::RedisOnly(argv) => {
                let reply = self.redis.call(argv).expect("redis I/O");
                assert_eq!(reply, Resp::Simple(b"OK".to_vec()), "{}", format_argv(argv));
                format_argv(argv)
            }
            Step::Sleep(ms) => {
                self.sleep(*ms);
                format!("(sleep {ms} ms)")
            }
            Step::Blocked { wait, then } => {
                self.blocked(wait, then);
                format!("{} served by {}", format_argv(wait), format_argv(then))
            }
            Step::ActiveExpire { sleep_ms, keys } => {
                self.sleep(*sleep_ms);
                let started = Instant::now();
                while self.redis_dbsize() > *keys {
                    assert!(
                        started.elapsed() < ACTIVE_EXPIRE_WAIT,
                        "Redis's active expire cycle did not reclaim the keys"
                    );
                    std::thread::sleep(Duration::from_millis(20));
                }
                let mut rounds = 0;
                while self.store.dbsize() > usize::try_from(*keys).unwrap_or(0) {
                    self.store.active_expire_cycle();
                    rounds += 1;
                    assert!(rounds < 1000, "our active expire cycle did not finish");
                }
                "(active expire)".to_owned()
            }
        }
    }
}

fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// Runs the script with `flags` on both sides; returns how many events
/// were compared.
fn compare(server: &RedisServer, flags: &str) -> usize {
    let mut run = Run::new(server, flags);
    let mut compared = 0;
    let mut failures = Vec::new();
    let trace = std::env::var_os("KVSTORE_NOTIFY_TRACE").is_some();
    for step in script(now_ms() / 1000) {
        let what = run.run(&step);
        let (theirs, ours) = run.collect();
        if trace {
            println!("[{flags}] {what}\n{}", show(&theirs));
        }
        if theirs != ours {
            failures.push(format!(
                "{what}\n Redis:\n{}\n ours:\n{}",
                show(&theirs),
                show(&ours)
            ));
        }
        compared += theirs.len();
    }
    assert!(
        failures.is_empty(),
        "with notify-keyspace-events {flags}, {} steps differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    compared
}

fn server() -> Option<RedisServer> {
    let bin = match locate_redis_server() {
        Ok(bin) => bin,
        Err(why) => {
            println!("skipped: {why}");
            return None;
        }
    };
    Some(
        RedisServer::start(&bin, &["--enable-debug-command", "yes"])
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display())),
    )
}

#[test]
fn all_events_match_redis() {
    let Some(server) = server() else { return };
    let compared = compare(&server, "KEA");
    assert!(compared > 300, "only {compared} events compared");
}

#[test]
fn narrow_classes_match_redis() {
    let Some(server) = server() else { return };
    assert!(compare(&server, "Ex") > 0);
    assert!(compare(&server, "Elg$") > 0);
    assert!(compare(&server, "Kszh") > 0);
}

#[test]
fn key_miss_and_new_key_events_match_redis() {
    let Some(server) = server() else { return };
    assert!(compare(&server, "KEAmn") > 0);
    assert!(compare(&server, "Em") > 0);
    assert!(compare(&server, "Kn") > 0);
}

#[test]
fn nothing_is_published_with_notifications_off() {
    let Some(server) = server() else { return };
    assert_eq!(compare(&server, ""), 0);
}
