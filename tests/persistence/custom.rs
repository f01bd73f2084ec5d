//! A custom [`Persistence`] (part of `tests/persistence.rs`): it sees every
//! write's canonical command in apply order, transactions as one unit,
//! commits with the tickets it handed out, refuses writes through
//! `check_writable`, and loads at open without its writes being recorded.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use kvstore::persist::Persistence;
use kvstore::{Config, Error, ManualClock, Store};

use super::T0;
use super::common::redis::format_argv;

type Argv = Vec<Vec<u8>>;

/// What the custom persistence was told, in order.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    Write(Argv),
    Transaction(Vec<Argv>),
}

/// Forwards everything to a Vec; refuses writes while `refuse` is set;
/// fails commits while `fail_commit` is set.
#[derive(Default)]
struct Forward {
    events: Mutex<Vec<Event>>,
    /// (ticket handed out by the last record call) per event.
    tickets: Mutex<Vec<u64>>,
    committed: Mutex<Vec<u64>>,
    next_ticket: AtomicU64,
    refuse: AtomicBool,
    fail_commit: AtomicBool,
    /// Own transactions (false: the trait's default, MULTI … EXEC).
    own_transactions: bool,
}

impl Forward {
    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().expect("events"))
    }

    fn ticket(&self) -> u64 {
        let t = self.next_ticket.fetch_add(1, Ordering::SeqCst) + 1;
        self.tickets.lock().expect("tickets").push(t);
        t
    }
}

impl Persistence for Forward {
    fn load(&self, store: &Store) -> kvstore::Result<()> {
        store.set("loaded-by-custom", "yes")?;
        Ok(())
    }

    fn record(&self, argv: &[&[u8]]) -> u64 {
        let argv = argv.iter().map(|a| a.to_vec()).collect();
        self.events.lock().expect("events").push(Event::Write(argv));
        self.ticket()
    }

    fn record_transaction(&self, commands: &[Vec<Vec<u8>>]) -> u64 {
        if !self.own_transactions {
            let mut ticket = self.record(&[b"MULTI"]);
            for command in commands {
                let argv: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
                ticket = ticket.max(self.record(&argv));
            }
            return ticket.max(self.record(&[b"EXEC"]));
        }
        self.events
            .lock()
            .expect("events")
            .push(Event::Transaction(commands.to_vec()));
        self.ticket()
    }

    fn commit(&self, ticket: u64) -> kvstore::Result<()> {
        self.committed.lock().expect("committed").push(ticket);
        if self.fail_commit.load(Ordering::SeqCst) {
            return Err(Error::Persistence("custom commit failed".into()));
        }
        Ok(())
    }

    fn check_writable(&self) -> kvstore::Result<()> {
        if self.refuse.load(Ordering::SeqCst) {
            return Err(Error::Misconf("custom refuses writes".into()));
        }
        Ok(())
    }
}

fn argv(parts: &[&str]) -> Argv {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

fn show(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Write(a) => format_argv(a),
            Event::Transaction(cmds) => format!(
                "TX[{}]",
                cmds.iter()
                    .map(|c| format_argv(c))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        })
        .collect()
}

fn open_with(forward: &Arc<Forward>) -> (Store, ManualClock) {
    let clock = ManualClock::new(T0);
    let config = Config::builder()
        .clock(clock.clone())
        .active_expire(false)
        .persistence(forward.clone())
        .build();
    (Store::open(config).expect("open"), clock)
}

#[test]
fn custom_persistence_sees_every_write_in_order() {
    let forward = Arc::new(Forward {
        own_transactions: true,
        ..Forward::default()
    });
    let (store, _clock) = open_with(&forward);
    // load ran, and what it wrote was not recorded back.
    assert_eq!(
        store.get("loaded-by-custom").expect("GET"),
        Some(b"yes".to_vec())
    );
    assert_eq!(
        show(&forward.take()),
        Vec::<String>::new(),
        "writes of load recorded"
    );

    store.set("a", "1").expect("SET");
    store.incr("a").expect("INCR");
    assert!(!store.execute(&["SET", "b", "x", "PX", "1000"]).is_error());
    store.rpush("l", ["x", "y"]).expect("RPUSH");
    assert_eq!(store.get("a").expect("GET"), Some(b"2".to_vec()));
    assert!(store.incr("b").is_err(), "INCR of a non-number");
    store.del(["a", "missing"]).expect("DEL");
    store.del(["missing"]).expect("DEL of nothing");
    let expected = vec![
        Event::Write(argv(&["SET", "a", "1"])),
        Event::Write(argv(&["INCR", "a"])),
        Event::Write(argv(&["SET", "b", "x", "PXAT", &(T0 + 1000).to_string()])),
        Event::Write(argv(&["RPUSH", "l", "x", "y"])),
        Event::Write(argv(&["DEL", "a"])),
    ];
    let seen = forward.take();
    assert_eq!(
        show(&seen),
        show(&expected),
        "reads, failed writes and no-ops record nothing"
    );
    assert_eq!(seen, expected);
    // Each write committed the ticket its record returned, before returning.
    let tickets = forward.tickets.lock().expect("tickets").clone();
    let committed = forward.committed.lock().expect("committed").clone();
    assert_eq!(
        committed, tickets,
        "commit(ticket) once per write, with record's ticket"
    );

    // A transaction of several writes is one unit; of one write, a write.
    let n = store
        .transaction(&["t1", "t2"], |tx| -> kvstore::Result<i64> {
            tx.set("t1", "a")?;
            tx.incr("t2")?;
            tx.incr("t2")
        })
        .expect("transaction");
    assert_eq!(n, 2);
    store
        .transaction(&["t3"], |tx| tx.set("t3", "only"))
        .expect("transaction of one write");
    let seen = forward.take();
    let expected = vec![
        Event::Transaction(vec![
            argv(&["SET", "t1", "a"]),
            argv(&["INCR", "t2"]),
            argv(&["INCR", "t2"]),
        ]),
        Event::Write(argv(&["SET", "t3", "only"])),
    ];
    assert_eq!(show(&seen), show(&expected));
    let tickets = forward.tickets.lock().expect("tickets").clone();
    let committed = forward.committed.lock().expect("committed").clone();
    assert_eq!(
        committed, tickets,
        "one commit per transaction, with its ticket"
    );

    // MULTI/EXEC through a session is a transaction too.
    let mut session = kvstore::Session::new(&store);
    for cmd in [&["MULTI"][..], &["SET", "m", "1"], &["INCR", "m"]] {
        assert!(!session.execute(cmd).is_error(), "{cmd:?}");
    }
    assert!(!session.execute(&["EXEC"]).is_error());
    let seen = forward.take();
    assert_eq!(
        show(&seen),
        show(&[Event::Transaction(vec![
            argv(&["SET", "m", "1"]),
            argv(&["INCR", "m"])
        ])])
    );
}

#[test]
fn default_record_transaction_wraps_in_multi_exec() {
    let forward = Arc::new(Forward::default());
    let (store, _clock) = open_with(&forward);
    forward.take();
    store
        .transaction(&["x", "y"], |tx| -> kvstore::Result<()> {
            tx.set("x", "1")?;
            tx.sadd("y", ["m"])?;
            Ok(())
        })
        .expect("transaction");
    assert_eq!(
        show(&forward.take()),
        ["MULTI", "SET x 1", "SADD y m", "EXEC"]
            .iter()
            .map(|s| format_argv(&s.split(' ').collect::<Vec<_>>()))
            .collect::<Vec<_>>()
    );
    // One commit, with the largest ticket of the four records.
    let tickets = forward.tickets.lock().expect("tickets").clone();
    let committed = forward.committed.lock().expect("committed").clone();
    assert_eq!(committed, vec![*tickets.iter().max().expect("tickets")]);
}

#[test]
fn custom_persistence_refuses_and_fails_writes() {
    let forward = Arc::new(Forward::default());
    let (store, _clock) = open_with(&forward);
    store.set("k", "before").expect("SET");
    forward.take();

    forward.refuse.store(true, Ordering::SeqCst);
    let err = store
        .set("k", "refused")
        .expect_err("a refused write succeeded");
    assert!(err.to_string().starts_with("MISCONF"), "{err}");
    let reply = store.execute(&["SET", "k", "refused"]);
    assert!(reply.is_error(), "{reply:?}");
    assert!(store.rpush("list", ["x"]).is_err());
    // Not applied, not recorded; reads still work.
    assert_eq!(store.get("k").expect("GET"), Some(b"before".to_vec()));
    assert_eq!(store.exists(["list"]).expect("EXISTS"), 0);
    assert!(forward.take().is_empty(), "a refused write was recorded");
    forward.refuse.store(false, Ordering::SeqCst);

    forward.fail_commit.store(true, Ordering::SeqCst);
    let err = store
        .set("k", "not durable")
        .expect_err("a failed commit was acknowledged");
    assert_eq!(err.to_string(), "ERR custom commit failed");
    let reply = store.execute(&["INCR", "counter"]);
    assert!(
        reply.is_error(),
        "INCR answered {reply:?} though its commit failed"
    );
    forward.fail_commit.store(false, Ordering::SeqCst);
    store.set("k", "after").expect("SET");
    assert_eq!(store.get("k").expect("GET"), Some(b"after".to_vec()));
}

#[test]
fn custom_persistence_sees_concurrent_writes_in_apply_order() {
    let forward = Arc::new(Forward::default());
    let (store, _clock) = open_with(&forward);
    forward.take();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            thread::spawn(move || {
                for i in 0..200 {
                    store.append("shared", format!("{t}.{i};")).expect("APPEND");
                    store
                        .rpush(format!("own:{t}"), [i.to_string()])
                        .expect("RPUSH");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer");
    }
    let events = forward.take();
    assert_eq!(events.len(), 4 * 200 * 2);
    // Replaying the APPENDs in recorded order gives the stored value.
    let mut replayed = Vec::new();
    let mut own: Vec<Vec<Vec<u8>>> = vec![Vec::new(); 4];
    for event in &events {
        let Event::Write(argv) = event else {
            panic!("unexpected {event:?}")
        };
        match argv[0].as_slice() {
            b"APPEND" => replayed.extend_from_slice(&argv[2]),
            b"RPUSH" => {
                let t: usize = String::from_utf8_lossy(&argv[1][4..])
                    .parse()
                    .expect("thread");
                own[t].push(argv[2].clone());
            }
            other => panic!("unexpected {}", String::from_utf8_lossy(other)),
        }
    }
    assert_eq!(
        store.get("shared").expect("GET"),
        Some(replayed),
        "APPENDs recorded in another order than applied"
    );
    for (t, items) in own.iter().enumerate() {
        let expected: Vec<Vec<u8>> = (0..200).map(|i| i.to_string().into_bytes()).collect();
        assert_eq!(items, &expected, "thread {t}'s writes out of order");
    }
}
