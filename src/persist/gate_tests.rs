//! The write gate and the commit on every write path: a test persistence
//! that can refuse writes (`check_writable`) or fail commits, and that checks
//! that neither is asked while the asking thread holds a shard lock.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use crate::persist::Persistence;
use crate::store::Inner;
use crate::{Config, Error, ManualClock, Reply, Session, Store};

#[path = "gate_tests/typed.rs"]
mod typed;

/// The refusal the test persistence gives.
const REFUSED: &str = "test persistence refuses writes";
/// The commit failure the test persistence gives.
const NOT_DURABLE: &str = "test persistence could not sync";
/// The manual clock's time: every TTL in the fixture stays put.
const NOW_MS: i64 = 1_700_000_000_000;

fn refused() -> Error {
    Error::Misconf(REFUSED.to_owned())
}

fn not_durable() -> Error {
    Error::Persistence(NOT_DURABLE.to_owned())
}

/// A persistence whose gate and commit fail on demand.
#[derive(Default)]
pub(super) struct Switch {
    /// `check_writable` refuses.
    refuse: AtomicBool,
    /// Checks still let through while `refuse` is set (then it refuses).
    pass_first: AtomicU64,
    /// The next `record` sets `refuse`.
    refuse_on_record: AtomicBool,
    /// Every commit fails.
    fail_commits: AtomicBool,
    /// The commit of exactly this ticket fails (0: none).
    fail_ticket: AtomicU64,
    last_ticket: AtomicU64,
    records: Mutex<Vec<Vec<Vec<u8>>>>,
    commits: Mutex<Vec<u64>>,
    /// The store, to check that no shard lock is held.
    inner: Mutex<Option<Weak<Inner>>>,
    /// Gates or commits that ran while a shard lock was held.
    violations: Mutex<Vec<String>>,
    /// Gate checks made.
    checks: AtomicU64,
}

impl Switch {
    fn refuse(&self, on: bool) {
        self.pass_first.store(0, Ordering::SeqCst);
        self.refuse.store(on, Ordering::SeqCst);
    }

    /// Lets `n` more checks pass, then refuses.
    fn refuse_after(&self, n: u64) {
        self.pass_first.store(n, Ordering::SeqCst);
        self.refuse.store(true, Ordering::SeqCst);
    }

    fn fail_commits(&self, on: bool) {
        self.fail_commits.store(on, Ordering::SeqCst);
    }

    fn records(&self) -> usize {
        self.records.lock().len()
    }

    fn commits(&self) -> Vec<u64> {
        self.commits.lock().clone()
    }

    /// Whether another thread can write-lock every shard within a few
    /// seconds: if not, the calling thread (which waits meanwhile) holds
    /// one, since nothing else in these tests holds a lock for long.
    fn no_lock_held(&self, what: &str) {
        let Some(inner) = self.inner.lock().as_ref().and_then(Weak::upgrade) else {
            return;
        };
        // A write inside a transaction is gated under the transaction's
        // locks (once, at its first write): allowed.
        if what == "check" && crate::keyspace::tx::in_transaction(&inner.keyspace) {
            return;
        }
        let (done, wait) = mpsc::channel();
        std::thread::spawn(move || {
            drop(inner.keyspace.write_all());
            let _ = done.send(());
        });
        if wait.recv_timeout(Duration::from_secs(5)).is_err() {
            self.violations
                .lock()
                .push(format!("{what} under a shard lock"));
        }
    }

    fn assert_clean(&self) {
        assert_eq!(*self.violations.lock(), Vec::<String>::new());
    }
}

impl Persistence for Switch {
    fn load(&self, _store: &Store) -> crate::Result<()> {
        Ok(())
    }

    fn record(&self, argv: &[&[u8]]) -> u64 {
        if self.refuse_on_record.swap(false, Ordering::SeqCst) {
            self.refuse(true);
        }
        self.records
            .lock()
            .push(argv.iter().map(|a| a.to_vec()).collect());
        self.last_ticket.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn commit(&self, ticket: u64) -> crate::Result<()> {
        self.no_lock_held("commit");
        self.commits.lock().push(ticket);
        if self.fail_commits.load(Ordering::SeqCst)
            || self.fail_ticket.load(Ordering::SeqCst) == ticket
        {
            return Err(not_durable());
        }
        Ok(())
    }

    fn check_writable(&self) -> crate::Result<()> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        self.no_lock_held("check");
        if !self.refuse.load(Ordering::SeqCst) {
            return Ok(());
        }
        let passed = self
            .pass_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        match passed {
            Ok(_) => Ok(()),
            Err(_) => Err(refused()),
        }
    }
}

/// A store with a [`Switch`] and a manual clock.
pub(super) fn open() -> (Store, Arc<Switch>) {
    let switch = Arc::new(Switch::default());
    let config = Config::builder()
        .clock(ManualClock::new(NOW_MS))
        .active_expire(false)
        .persistence(switch.clone())
        .build();
    let store = Store::open(config).unwrap_or_default();
    *switch.inner.lock() = Some(Arc::downgrade(&store.inner));
    (store, switch)
}

fn run(store: &Store, argv: &[&str]) -> Reply {
    store.execute(argv)
}

/// One key of each kind (with TTLs on keys and on a hash field), plus the
/// sources the multi-key commands need.
const FIXTURE: &[&[&str]] = &[
    &["SET", "s", "hello"],
    &["SET", "n", "10"],
    &["SET", "f", "1.5"],
    &["SET", "t", "x", "PX", "100000"],
    &["RPUSH", "l", "a", "b", "c"],
    &["SADD", "st", "a", "b", "c"],
    &["SADD", "st2", "b", "c", "d"],
    &["HSET", "h", "f1", "v1", "f2", "2", "f3", "1.5"],
    &["HPEXPIRE", "h", "100000", "FIELDS", "1", "f1"],
    &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
    &["ZADD", "z2", "5", "b", "4", "d"],
    &["ZADD", "zl", "0", "a", "0", "b", "0", "c"],
];

pub(super) fn fill(store: &Store) {
    for argv in FIXTURE {
        let reply = run(store, argv);
        assert!(!matches!(reply, Reply::Error(_)), "{argv:?}: {reply:?}");
    }
}

/// A valid invocation of every write command, on the fixture's keys.
/// Expiry times are relative to the fixture's clock.
const WRITES: &[&[&str]] = &[
    &["SET", "s", "world"],
    &["SETNX", "new", "v"],
    &["SETEX", "s", "100", "v"],
    &["PSETEX", "s", "100000", "v"],
    &["GETSET", "s", "v"],
    &["GETDEL", "s"],
    &["GETEX", "s", "PX", "100000"],
    &["MSET", "a", "1", "b", "2"],
    &["MSETNX", "a", "1", "b", "2"],
    &["INCR", "n"],
    &["DECR", "n"],
    &["INCRBY", "n", "5"],
    &["DECRBY", "n", "5"],
    &["INCRBYFLOAT", "f", "1.5"],
    &["APPEND", "s", "x"],
    &["SETRANGE", "s", "1", "xx"],
    &["LPUSH", "l", "x"],
    &["RPUSH", "l", "x"],
    &["LPUSHX", "l", "x"],
    &["RPUSHX", "l", "x"],
    &["LPOP", "l"],
    &["RPOP", "l"],
    &["LSET", "l", "0", "z"],
    &["LREM", "l", "0", "a"],
    &["LTRIM", "l", "0", "0"],
    &["LINSERT", "l", "BEFORE", "b", "x"],
    &["LMOVE", "l", "l2", "LEFT", "RIGHT"],
    &["RPOPLPUSH", "l", "l2"],
    &["LMPOP", "1", "l", "LEFT"],
    &["BLPOP", "l", "0.01"],
    &["BRPOP", "l", "0.01"],
    &["BLMOVE", "l", "l2", "LEFT", "RIGHT", "0.01"],
    &["BRPOPLPUSH", "l", "l2", "0.01"],
    &["BLMPOP", "0.01", "1", "l", "LEFT"],
    &["ZADD", "z", "9", "x"],
    &["ZINCRBY", "z", "1", "a"],
    &["ZREM", "z", "a"],
    &["ZRANGESTORE", "dst", "z", "0", "-1"],
    &["ZREMRANGEBYRANK", "z", "0", "0"],
    &["ZREMRANGEBYSCORE", "z", "1", "1"],
    &["ZREMRANGEBYLEX", "zl", "[a", "[b"],
    &["ZPOPMIN", "z"],
    &["ZPOPMAX", "z"],
    &["ZMPOP", "1", "z", "MIN"],
    &["BZPOPMIN", "z", "0.01"],
    &["BZPOPMAX", "z", "0.01"],
    &["BZMPOP", "0.01", "1", "z", "MIN"],
    &["ZUNIONSTORE", "dst", "2", "z", "z2"],
    &["ZINTERSTORE", "dst", "2", "z", "z2"],
    &["ZDIFFSTORE", "dst", "2", "z", "z2"],
    &["DEL", "s"],
    &["UNLINK", "s"],
    &["RENAME", "s", "s2"],
    &["RENAMENX", "s", "s2"],
    &["COPY", "s", "s2"],
    &["FLUSHDB"],
    &["FLUSHALL"],
    &["EXPIRE", "s", "100"],
    &["PEXPIRE", "s", "100000"],
    &["EXPIREAT", "s", "1700000100"],
    &["PEXPIREAT", "s", "1700000100000"],
    &["PERSIST", "t"],
    &["SADD", "st", "x"],
    &["SREM", "st", "a"],
    &["SMOVE", "st", "st2", "a"],
    &["SPOP", "st"],
    &["SINTERSTORE", "dst", "st", "st2"],
    &["SUNIONSTORE", "dst", "st", "st2"],
    &["SDIFFSTORE", "dst", "st", "st2"],
    &["HSET", "h", "f9", "v"],
    &["HSETNX", "h", "f9", "v"],
    &["HMSET", "h", "f1", "x"],
    &["HDEL", "h", "f1"],
    &["HINCRBY", "h", "f2", "1"],
    &["HINCRBYFLOAT", "h", "f3", "1.5"],
    &["HEXPIRE", "h", "100", "FIELDS", "1", "f2"],
    &["HPEXPIRE", "h", "100000", "FIELDS", "1", "f2"],
    &["HEXPIREAT", "h", "1700000100", "FIELDS", "1", "f2"],
    &["HPEXPIREAT", "h", "1700000100000", "FIELDS", "1", "f2"],
    &["HPERSIST", "h", "FIELDS", "1", "f1"],
];

/// The whole keyspace as text: each key with its type, absolute deadline
/// and value (members sorted), hash fields with their deadlines.
pub(super) fn dump(store: &Store) -> Vec<String> {
    let Reply::Array(keys) = run(store, &["KEYS", "*"]) else {
        panic!("KEYS failed");
    };
    let mut keys: Vec<Vec<u8>> = keys
        .into_iter()
        .filter_map(|k| match k {
            Reply::Bulk(k) => Some(k),
            _ => None,
        })
        .collect();
    keys.sort();
    keys.iter()
        .map(|key| {
            let k: &[u8] = key;
            let kind = store.execute(&[&b"TYPE"[..], k]);
            let at = store.execute(&[&b"PEXPIRETIME"[..], k]);
            let value = match &kind {
                Reply::Simple("list") => store.execute(&[&b"LRANGE"[..], k, b"0", b"-1"]),
                Reply::Simple("set") => sorted(store.execute(&[&b"SMEMBERS"[..], k])),
                Reply::Simple("zset") => {
                    store.execute(&[&b"ZRANGE"[..], k, b"0", b"-1", b"WITHSCORES"])
                }
                Reply::Simple("hash") => hash_dump(store, k),
                _ => store.execute(&[&b"GET"[..], k]),
            };
            format!("{} {kind:?} {at:?} {value:?}", String::from_utf8_lossy(k))
        })
        .collect()
}

fn sorted(reply: Reply) -> Reply {
    match reply {
        Reply::Array(mut items) | Reply::Set(mut items) => {
            items.sort_by_key(|r| format!("{r:?}"));
            Reply::Array(items)
        }
        other => other,
    }
}

/// Fields, values and field deadlines of a hash, sorted by field.
fn hash_dump(store: &Store, key: &[u8]) -> Reply {
    let mut fields = match store.execute(&[&b"HKEYS"[..], key]) {
        Reply::Array(f) | Reply::Set(f) => f,
        other => return other,
    };
    fields.sort_by_key(|r| format!("{r:?}"));
    let items = fields
        .into_iter()
        .map(|f| {
            let Reply::Bulk(f) = f else { return f };
            let value = store.execute(&[&b"HGET"[..], key, &f]);
            let at = store.execute(&[&b"HPEXPIRETIME"[..], key, b"FIELDS", b"1", &f]);
            Reply::Array(vec![Reply::Bulk(f), value, at])
        })
        .collect();
    Reply::Array(items)
}

#[test]
fn every_write_command_has_an_invocation_here() {
    let (store, _) = open();
    let Reply::Array(names) = run(&store, &["COMMAND", "LIST"]) else {
        panic!("COMMAND LIST failed");
    };
    let mut missing = Vec::new();
    for name in names {
        let Reply::Bulk(name) = name else { continue };
        let spec = crate::command::lookup_spec(&[&name]);
        let writes = spec.is_some_and(|s| s.flags & crate::command::flags::WRITE != 0);
        let covered = WRITES
            .iter()
            .any(|argv| argv[0].as_bytes().eq_ignore_ascii_case(&name));
        if writes && !covered {
            missing.push(String::from_utf8_lossy(&name).into_owned());
        }
    }
    assert_eq!(missing, Vec::<String>::new(), "add them to WRITES");
    assert!(WRITES.len() >= 80, "{}", WRITES.len());
}

#[test]
fn every_write_command_is_refused_before_it_changes_anything() {
    for argv in WRITES {
        // The invocation is a real write when writes are accepted...
        let (store, switch) = open();
        fill(&store);
        let before = dump(&store);
        let commits = switch.commits().len();
        let reply = run(&store, argv);
        assert!(!matches!(reply, Reply::Error(_)), "{argv:?}: {reply:?}");
        assert_ne!(dump(&store), before, "{argv:?} changed nothing");
        assert_eq!(switch.commits().len(), commits + 1, "{argv:?}: one commit");
        switch.assert_clean();

        // ...and refused whole when they are not.
        let (store, switch) = open();
        fill(&store);
        let before = dump(&store);
        let (records, commits) = (switch.records(), switch.commits().len());
        switch.refuse(true);
        assert_eq!(run(&store, argv), Reply::Error(refused()), "{argv:?}");
        assert_eq!(dump(&store), before, "{argv:?}");
        assert_eq!(switch.records(), records, "{argv:?} recorded something");
        assert_eq!(switch.commits().len(), commits, "{argv:?} committed");
        switch.assert_clean();
    }
}

#[test]
fn misconf_comes_after_unknown_command_and_arity_and_before_syntax() {
    let (store, switch) = open();
    fill(&store);
    let before = dump(&store);
    switch.refuse(true);
    let unknown = run(&store, &["NOSUCH", "x"]);
    assert!(
        matches!(&unknown, Reply::Error(Error::UnknownCommand { .. })),
        "{unknown:?}"
    );
    assert_eq!(
        run(&store, &["SET", "s"]),
        Reply::Error(Error::WrongArity("set".into()))
    );
    // Bad options, numbers and types: Redis answers MISCONF first.
    for argv in [
        &["SET", "s", "v", "BOGUS"][..],
        &["ZADD", "z", "nan?", "a"],
        &["EXPIRE", "s", "soon"],
        &["LPUSH", "s", "x"],
        &["BLPOP", "missing", "0"],
        &["PING"],
    ] {
        assert_eq!(run(&store, argv), Reply::Error(refused()), "{argv:?}");
    }
    // Reads go on.
    assert_eq!(run(&store, &["GET", "s"]), Reply::Bulk(b"hello".to_vec()));
    assert_eq!(run(&store, &["LLEN", "l"]), Reply::Integer(3));
    assert_eq!(run(&store, &["ECHO", "e"]), Reply::Bulk(b"e".to_vec()));
    assert_eq!(dump(&store), before);
    // Accepted again once the persistence is.
    switch.refuse(false);
    assert_eq!(run(&store, &["PING"]), Reply::Simple("PONG"));
    assert_eq!(
        run(&store, &["SET", "s", "v", "BOGUS"]),
        Reply::Error(Error::Syntax)
    );
    assert_eq!(run(&store, &["SET", "s", "v"]), Reply::ok());
    switch.assert_clean();
}

#[test]
fn refused_commands_are_not_counted() {
    let (store, switch) = open();
    switch.refuse(true);
    let before = store.inner.stats.total_commands_processed.sum();
    assert_eq!(run(&store, &["SET", "a", "1"]), Reply::Error(refused()));
    assert_eq!(store.inner.stats.total_commands_processed.sum(), before);
}

#[test]
fn a_session_refuses_writes_and_aborts_exec_as_redis_does() {
    let (store, switch) = open();
    fill(&store);
    let before = dump(&store);
    let mut s = Session::new(&store);
    switch.refuse(true);
    assert_eq!(s.execute(&["SET", "s", "v"]), Reply::Error(refused()));
    assert_eq!(s.execute(&["GET", "s"]), Reply::Bulk(b"hello".to_vec()));

    // Refused while queueing: EXEC aborts for the earlier error.
    assert_eq!(s.execute(&["MULTI"]), Reply::ok());
    assert_eq!(s.execute(&["GET", "s"]), Reply::Simple("QUEUED"));
    assert_eq!(s.execute(&["INCR", "n"]), Reply::Error(refused()));
    assert_eq!(s.execute(&["EXEC"]), Reply::Error(Error::ExecAbort));

    // Reads only: EXEC runs.
    assert_eq!(s.execute(&["MULTI"]), Reply::ok());
    assert_eq!(s.execute(&["GET", "n"]), Reply::Simple("QUEUED"));
    assert_eq!(
        s.execute(&["EXEC"]),
        Reply::Array(vec![Reply::Bulk(b"10".to_vec())])
    );

    // Queued while accepted, refused at EXEC: discarded, naming MISCONF.
    switch.refuse(false);
    assert_eq!(s.execute(&["MULTI"]), Reply::ok());
    assert_eq!(s.execute(&["INCR", "n"]), Reply::Simple("QUEUED"));
    assert_eq!(
        s.execute(&["SET", "s", "v", "BOGUS"]),
        Reply::Simple("QUEUED")
    );
    switch.refuse(true);
    let Reply::Error(e) = s.execute(&["EXEC"]) else {
        panic!("EXEC ran");
    };
    assert_eq!(
        e.to_string(),
        format!("EXECABORT Transaction discarded because of: MISCONF {REFUSED}")
    );
    assert!(!s.in_multi(), "the transaction is discarded");
    assert_eq!(dump(&store), before);

    // Accepted at EXEC: checked once, applied whole even if the
    // persistence starts refusing in the middle.
    switch.refuse(false);
    assert_eq!(s.execute(&["MULTI"]), Reply::ok());
    for _ in 0..3 {
        assert_eq!(s.execute(&["INCR", "n"]), Reply::Simple("QUEUED"));
    }
    let commits = switch.commits().len();
    switch.refuse_after(1);
    assert_eq!(
        s.execute(&["EXEC"]),
        Reply::Array(vec![
            Reply::Integer(11),
            Reply::Integer(12),
            Reply::Integer(13)
        ])
    );
    assert_eq!(switch.commits().len(), commits + 1, "one commit for EXEC");
    switch.assert_clean();
}

#[test]
fn exec_answers_the_commit_error() {
    let (store, switch) = open();
    let mut s = Session::new(&store);
    assert_eq!(s.execute(&["MULTI"]), Reply::ok());
    assert_eq!(s.execute(&["SET", "a", "1"]), Reply::Simple("QUEUED"));
    assert_eq!(s.execute(&["SET", "b", "2"]), Reply::Simple("QUEUED"));
    switch.fail_commits(true);
    assert_eq!(s.execute(&["EXEC"]), Reply::Error(not_durable()));
    assert_eq!(switch.commits().len(), 1);
    // Plain commands too.
    assert_eq!(s.execute(&["SET", "a", "2"]), Reply::Error(not_durable()));
    assert_eq!(run(&store, &["DEL", "a"]), Reply::Error(not_durable()));
    // Reads commit nothing and do not fail.
    assert_eq!(s.execute(&["GET", "b"]), Reply::Bulk(b"2".to_vec()));
    assert_eq!(switch.commits().len(), 3);
    switch.assert_clean();
}
