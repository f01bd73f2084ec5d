//! Embedded transactions (`Store::transaction`), optimistic locking
//! (`Store::watch`) and `MULTI`/`EXEC`/`WATCH` through a `Session`.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

mod common;

use kvstore::{Error, Reply, Session, Store};

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec())
}

#[test]
fn transfers_keep_the_total_under_concurrency() {
    let store = Store::new();
    let accounts: Vec<String> = (0..8).map(|i| format!("acct:{i}")).collect();
    for a in &accounts {
        store.set(a, "1000").unwrap();
    }
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            let accounts = accounts.clone();
            thread::spawn(move || {
                for i in 0..2000 {
                    let from = &accounts[(i + t) % accounts.len()];
                    let to = &accounts[(i * 7 + t + 1) % accounts.len()];
                    store
                        .transaction(&[from, to], |tx| -> kvstore::Result<()> {
                            tx.decrby(from, 3)?;
                            tx.incrby(to, 3)?;
                            Ok(())
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    // A reader that sees all accounts at once must always see the total.
    let reader = {
        let store = store.clone();
        let accounts = accounts.clone();
        thread::spawn(move || {
            for _ in 0..500 {
                let total: i64 = store
                    .transaction(&accounts, |tx| -> kvstore::Result<i64> {
                        Ok(accounts
                            .iter()
                            .map(|a| {
                                let v = tx.get(a).unwrap().unwrap();
                                String::from_utf8(v).unwrap().parse::<i64>().unwrap()
                            })
                            .sum())
                    })
                    .unwrap();
                assert_eq!(total, 8000);
            }
        })
    };
    for t in threads {
        t.join().unwrap();
    }
    reader.join().unwrap();
    let total: i64 = accounts
        .iter()
        .map(|a| {
            String::from_utf8(store.get(a).unwrap().unwrap())
                .unwrap()
                .parse::<i64>()
                .unwrap()
        })
        .sum();
    assert_eq!(total, 8000);
}

#[test]
fn transaction_writes_propagate_wrapped_in_multi_exec() {
    let store = Store::new();
    let log = Arc::new(common::Recorder::default());
    store.add_write_observer(log.clone());
    store
        .transaction(&["a", "b"], |tx| -> kvstore::Result<()> {
            tx.set("a", "1")?;
            tx.get("b")?;
            tx.rpush("b", ["x"])?;
            Ok(())
        })
        .unwrap();
    store.transaction(&["a"], |tx| tx.incr("a")).unwrap();
    let log = log.take();
    assert_eq!(
        log,
        vec![
            vec!["MULTI".to_string()],
            vec!["SET".into(), "a".into(), "1".into()],
            vec!["RPUSH".into(), "b".into(), "x".into()],
            vec!["EXEC".into()],
            vec!["INCR".into(), "a".into()],
        ]
    );
}

#[test]
fn blocking_commands_do_not_wait_inside_a_transaction() {
    let store = Store::new();
    let got = store.transaction(&["q"], |tx| tx.blpop(["q"], Duration::ZERO));
    assert_eq!(got, Ok(None));
}

#[test]
fn blocked_clients_are_served_after_the_transaction() {
    let store = Store::new();
    let waiter = {
        let store = store.clone();
        thread::spawn(move || store.blpop(["q"], Duration::from_secs(30)))
    };
    while store.blocked_clients() == 0 {
        thread::yield_now();
    }
    store
        .transaction(&["q"], |tx| -> kvstore::Result<()> {
            tx.rpush("q", ["a", "b"])?;
            // Still ours: the waiter is served only when the transaction ends.
            assert_eq!(tx.llen("q")?, 2);
            tx.rpop("q")?;
            Ok(())
        })
        .unwrap();
    let got = waiter.join().unwrap().unwrap();
    assert_eq!(got, Some((b"q".to_vec(), b"a".to_vec())));
    assert_eq!(store.llen("q").unwrap(), 0);
}

#[test]
#[should_panic(expected = "outside the transaction's declared keys")]
fn an_undeclared_key_is_a_bug_reported_at_once() {
    let store = Store::open(kvstore::Config::builder().shards(1024).build()).unwrap();
    // Two keys in different shards.
    let (a, b) = ("a", "b");
    let _ = store.transaction(&[a], |tx| tx.get(b));
}

#[test]
fn a_panicking_closure_releases_its_locks() {
    let store = Store::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.transaction(&["k"], |tx| -> kvstore::Result<()> {
            tx.set("k", "v")?;
            panic!("boom");
        })
    }));
    assert!(result.is_err());
    // Another thread can use the key (would hang if the lock leaked).
    let s = store.clone();
    let v = thread::spawn(move || s.get("k").unwrap()).join().unwrap();
    assert_eq!(v, Some(b"v".to_vec()));
}

#[test]
fn transaction_all_runs_keyspace_commands() {
    let store = Store::new();
    store.set("x", "1").unwrap();
    let n = store
        .transaction_all(|tx| -> kvstore::Result<usize> {
            tx.set("y", "2")?;
            Ok(tx.dbsize())
        })
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn watch_sees_writes_deletes_flushes_and_expiry() {
    let store = Store::new();
    store.set("k", "v").unwrap();

    let w = store.watch(&["k"]);
    assert!(!w.changed());
    store.sadd("other", ["m"]).unwrap();
    assert!(!w.changed(), "another key");
    store.set("k", "v").unwrap();
    assert!(w.changed(), "same value still counts, as in Redis");

    let w = store.watch(&["k"]);
    store.del(["k"]).unwrap();
    assert!(w.changed());

    let w = store.watch(&["absent"]);
    store.flushdb().unwrap();
    assert!(!w.changed(), "a flush touches only keys that existed");
    let w2 = store.watch(&["s"]);
    store.sadd("s", ["a"]).unwrap();
    let w3 = store.watch(&["s"]);
    store.sadd("s", ["a"]).unwrap();
    assert!(w2.changed());
    assert!(
        !w3.changed(),
        "a write that changes nothing touches nothing"
    );
    store.flushdb().unwrap();
    assert!(w3.changed(), "the flush removed a watched key");
    drop((w, w2));
}

#[test]
fn watch_counts_expiry_of_a_live_key_but_not_reclaim_of_an_expired_one() {
    let (store, clock) = common::manual_store(1_000_000, 16);
    store
        .set_with("t", "v", kvstore::SetOptions::new().px(30))
        .unwrap();
    let w = store.watch(&["t"]);
    clock.advance(Duration::from_millis(31));
    assert!(w.changed(), "a key alive when watched expired since");

    let (store, clock) = common::manual_store(1_000_000, 16);
    store
        .set_with("t", "v", kvstore::SetOptions::new().px(30))
        .unwrap();
    clock.advance(Duration::from_millis(31));
    let w = store.watch(&["t"]);
    assert_eq!(store.get("t").unwrap(), None);
    store.set("u", "x").unwrap();
    // The key was already expired when watched: reclaiming it is no change.
    assert_eq!(store.exists(["t"]).unwrap(), 0);
    assert!(!w.changed());
    store.set("t", "new").unwrap();
    assert!(w.changed());
}

#[test]
fn watch_transaction_is_check_and_set() {
    let store = Store::new();
    store.set("n", "0").unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            thread::spawn(move || {
                let mut retries = 0;
                for _ in 0..200 {
                    loop {
                        let w = store.watch(&["n"]);
                        let n: i64 = String::from_utf8(store.get("n").unwrap().unwrap())
                            .unwrap()
                            .parse()
                            .unwrap();
                        let done = w
                            .transaction(&["n"], |tx| tx.set("n", (n + 1).to_string()))
                            .unwrap();
                        if done.is_some() {
                            break;
                        }
                        retries += 1;
                    }
                }
                retries
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Lost updates would leave less than 800.
    assert_eq!(store.get("n").unwrap(), Some(b"800".to_vec()));
}

#[test]
fn session_multi_exec_queues_and_runs_atomically() {
    let store = Store::new();
    let mut s = Session::new(&store);
    assert_eq!(s.execute(&["MULTI"]), Reply::ok());
    assert!(s.in_multi());
    assert_eq!(s.execute(&["SET", "a", "1"]), Reply::Simple("QUEUED"));
    assert_eq!(s.execute(&["INCR", "a"]), Reply::Simple("QUEUED"));
    assert_eq!(s.execute(&["LPUSH", "a", "x"]), Reply::Simple("QUEUED"));
    assert_eq!(s.execute(&["GET", "a"]), Reply::Simple("QUEUED"));
    assert_eq!(store.get("a").unwrap(), None, "nothing runs before EXEC");
    assert_eq!(
        s.execute(&["EXEC"]),
        Reply::Array(vec![
            Reply::ok(),
            Reply::Integer(2),
            Reply::Error(Error::WrongType),
            bulk("2"),
        ])
    );
    assert!(!s.in_multi());
    assert_eq!(s.execute(&["EXEC"]), Reply::Error(Error::ExecWithoutMulti));
    assert_eq!(
        s.execute(&["DISCARD"]),
        Reply::Error(Error::DiscardWithoutMulti)
    );
}

#[test]
fn session_queueing_errors_abort_exec() {
    let store = Store::new();
    let mut s = Session::new(&store);
    s.execute(&["MULTI"]);
    assert_eq!(s.execute(&["SET", "a", "1"]), Reply::Simple("QUEUED"));
    assert!(s.execute(&["GET"]).is_error());
    assert_eq!(
        s.execute(&["MULTI"]),
        Reply::Error(Error::MultiNested),
        "nested MULTI is refused without aborting"
    );
    assert_eq!(
        s.execute(&["WATCH", "x"]),
        Reply::Error(Error::WatchInMulti)
    );
    assert_eq!(s.execute(&["EXEC"]), Reply::Error(Error::ExecAbort));
    assert_eq!(store.get("a").unwrap(), None);

    s.execute(&["MULTI"]);
    let Reply::Error(e) = s.execute(&["NOSUCHCMD", "x"]) else {
        panic!("unknown command must fail");
    };
    assert!(e.to_string().starts_with("ERR unknown command 'NOSUCHCMD'"));
    assert_eq!(s.execute(&["DISCARD"]), Reply::ok());
    assert_eq!(s.execute(&["MULTI"]), Reply::ok());
    assert_eq!(s.execute(&["EXEC"]), Reply::Array(vec![]));
}

#[test]
fn session_watch_makes_exec_nil_when_a_key_changed() {
    let store = Store::new();
    let mut s = Session::new(&store);
    let mut other = Session::new(&store);
    assert_eq!(s.execute(&["WATCH", "k", "j"]), Reply::ok());
    other.execute(&["SET", "k", "changed"]);
    s.execute(&["MULTI"]);
    s.execute(&["SET", "k", "mine"]);
    assert_eq!(s.execute(&["EXEC"]), Reply::NullArray);
    assert_eq!(store.get("k").unwrap(), Some(b"changed".to_vec()));

    // EXEC unwatched everything: the next transaction runs.
    other.execute(&["SET", "k", "again"]);
    s.execute(&["MULTI"]);
    s.execute(&["SET", "k", "mine"]);
    assert_eq!(s.execute(&["EXEC"]), Reply::Array(vec![Reply::ok()]));

    // UNWATCH forgets a change.
    s.execute(&["WATCH", "k"]);
    other.execute(&["SET", "k", "x"]);
    s.execute(&["UNWATCH"]);
    s.execute(&["MULTI"]);
    s.execute(&["GET", "k"]);
    assert_eq!(s.execute(&["EXEC"]), Reply::Array(vec![bulk("x")]));

    // The session's own writes before MULTI count too, as in Redis.
    s.execute(&["WATCH", "k"]);
    s.execute(&["SET", "k", "self"]);
    s.execute(&["MULTI"]);
    s.execute(&["GET", "k"]);
    assert_eq!(s.execute(&["EXEC"]), Reply::NullArray);
}

#[test]
fn session_blocking_commands_inside_multi_answer_at_once() {
    let store = Store::new();
    let mut s = Session::new(&store);
    s.execute(&["MULTI"]);
    s.execute(&["BLPOP", "nothing", "0"]);
    s.execute(&["BZPOPMIN", "nothing", "0"]);
    assert_eq!(
        s.execute(&["EXEC"]),
        Reply::Array(vec![Reply::NullArray, Reply::NullArray])
    );
}

#[test]
fn session_connection_commands() {
    let store = Store::new();
    let mut s = Session::new(&store);
    let id = s.id();
    assert_eq!(
        s.execute(&["CLIENT", "ID"]),
        Reply::Integer(i64::try_from(id).unwrap())
    );
    assert_eq!(s.execute(&["CLIENT", "GETNAME"]), Reply::Null);
    assert_eq!(s.execute(&["CLIENT", "SETNAME", "worker-1"]), Reply::ok());
    assert_eq!(s.execute(&["CLIENT", "GETNAME"]), bulk("worker-1"));
    assert_eq!(
        s.execute(&["CLIENT", "SETNAME", "a b"]),
        Reply::Error(Error::ClientNameInvalid)
    );
    assert_eq!(s.execute(&["SELECT", "0"]), Reply::ok());
    assert_eq!(
        s.execute(&["SELECT", "1"]),
        Reply::Error(Error::DbIndexOutOfRange)
    );
    assert_eq!(s.execute(&["HELLO", "4"]), Reply::Error(Error::NoProto));
    let Reply::Map(fields) = s.execute(&["HELLO", "3"]) else {
        panic!("HELLO answers a map");
    };
    assert_eq!(fields[2], (bulk("proto"), Reply::Integer(3)));
    assert_eq!(s.protocol(), kvstore::Protocol::Resp3);
    assert_eq!(s.execute(&["RESET"]), Reply::Simple("RESET"));
    assert_eq!(s.protocol(), kvstore::Protocol::Resp2);
    assert_eq!(s.execute(&["CLIENT", "GETNAME"]), Reply::Null);
    assert_eq!(
        s.execute(&["AUTH", "pw"]),
        Reply::Error(Error::AuthNotConfigured)
    );
    assert_eq!(s.execute(&["AUTH", "default", "anything"]), Reply::ok());
    assert_eq!(s.execute(&["QUIT"]), Reply::ok());
    assert!(s.should_close());
    assert!(Session::new(&store).id() > id);
}

#[test]
fn session_connection_commands_queued_in_multi_apply_to_the_client() {
    let store = Store::new();
    let mut s = Session::new(&store);
    s.execute(&["MULTI"]);
    assert_eq!(
        s.execute(&["CLIENT", "SETNAME", "x"]),
        Reply::Simple("QUEUED")
    );
    assert_eq!(s.execute(&["HELLO", "3"]), Reply::Simple("QUEUED"));
    let Reply::Array(replies) = s.execute(&["EXEC"]) else {
        panic!("EXEC runs")
    };
    assert_eq!(replies[0], Reply::ok());
    assert_eq!(s.execute(&["CLIENT", "GETNAME"]), bulk("x"));
    assert_eq!(s.protocol(), kvstore::Protocol::Resp3);
}

#[test]
fn client_list_shows_every_live_session() {
    let store = Store::new();
    let mut a = Session::new(&store);
    let mut b = Session::new(&store);
    b.execute(&["CLIENT", "SETNAME", "worker"]);
    b.execute(&["MULTI"]);
    b.execute(&["INCR", "n"]);
    let Reply::Verbatim(_, text) = a.execute(&["CLIENT", "LIST"]) else {
        panic!("CLIENT LIST answers text")
    };
    let text = String::from_utf8(text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with(&format!("id={} ", a.id())), "{text}");
    assert!(lines[0].contains(" cmd=client|list "), "{text}");
    assert!(lines[1].contains(" name=worker "), "{text}");
    assert!(
        lines[1].contains(" flags=x ") && lines[1].contains(" multi=1 "),
        "{text}"
    );

    let only_b = format!("{}", b.id());
    let Reply::Verbatim(_, text) = a.execute(&["CLIENT", "LIST", "ID", only_b.as_str(), "999"])
    else {
        panic!()
    };
    assert_eq!(String::from_utf8(text).unwrap().lines().count(), 1);
    assert_eq!(
        a.execute(&["CLIENT", "LIST", "TYPE", "pubsub"]),
        Reply::Verbatim("txt", Vec::new())
    );
    assert_eq!(
        a.execute(&["CLIENT", "LIST", "TYPE", "foo"]),
        Reply::Error(Error::ClientUnknownType(b"foo".to_vec()))
    );
    assert_eq!(
        Error::ClientUnknownType(b"foo".to_vec()).to_string(),
        "ERR Unknown client type 'foo'"
    );
    assert_eq!(
        a.execute(&["CLIENT", "LIST", "ID", "x"]),
        Reply::Error(Error::ClientInvalidId)
    );
    assert_eq!(
        a.execute(&["CLIENT", "LIST", "TYPE", "normal", "ID", "1"]),
        Reply::Error(Error::Syntax)
    );
    drop(b);
    let Reply::Verbatim(_, text) = a.execute(&["CLIENT", "LIST"]) else {
        panic!()
    };
    assert_eq!(
        String::from_utf8(text).unwrap().lines().count(),
        1,
        "a dropped session leaves"
    );
}
