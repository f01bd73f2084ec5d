//! The typed methods, transactions and blocking pops through the gate.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{dump, fill, not_durable, open, refused};
use crate::{Aggregate, Direction, Error, Result, Store};

/// A wide sample of typed writes, each a real change on the fixture.
fn typed_writes(store: &Store) -> Vec<(&'static str, Result<()>)> {
    vec![
        ("set", store.set("s", "v")),
        ("incr", store.incr("n").map(drop)),
        ("lpush", store.lpush("l", ["x"]).map(drop)),
        ("sadd", store.sadd("st", ["x"]).map(drop)),
        ("hset", store.hset("h", [("f9", "v")]).map(drop)),
        ("zadd", store.zadd("z", [(9.0, "x")]).map(drop)),
        ("del", store.del(["s"]).map(drop)),
        ("rename", store.rename("n", "n2")),
        ("expire", store.expire("f", 100).map(drop)),
        (
            "lmove",
            store
                .lmove("l", "l2", Direction::Left, Direction::Right)
                .map(drop),
        ),
        ("smove", store.smove("st", "st2", "a").map(drop)),
        (
            "zunionstore",
            store
                .zunionstore("dst", ["z", "z2"], None, Aggregate::Sum)
                .map(drop),
        ),
        ("mset", store.mset([("a", "1"), ("b", "2")])),
        ("set_value", store.set_value("sv", &(1u8, "x"))),
        ("flushall", store.flushall()),
    ]
}

#[test]
fn typed_writes_are_refused_and_change_nothing() {
    let (store, switch) = open();
    fill(&store);
    let before = dump(&store);
    let (records, commits) = (switch.records(), switch.commits().len());
    switch.refuse(true);
    for (name, result) in typed_writes(&store) {
        assert_eq!(result, Err(refused()), "{name}");
    }
    assert_eq!(dump(&store), before);
    assert_eq!(switch.records(), records, "nothing recorded");
    assert_eq!(switch.commits().len(), commits, "nothing committed");
    // Reads are not gated.
    assert_eq!(store.get("s"), Ok(Some(b"hello".to_vec())));
    assert_eq!(store.llen("l"), Ok(3));
    switch.assert_clean();
}

#[test]
fn typed_writes_return_the_commit_error() {
    let (store, switch) = open();
    fill(&store);
    switch.fail_commits(true);
    let commits = switch.commits().len();
    let results = typed_writes(&store);
    for (name, result) in &results {
        assert_eq!(*result, Err(not_durable()), "{name}");
    }
    assert_eq!(
        switch.commits().len(),
        commits + results.len(),
        "one commit per write"
    );
    // A read commits nothing, so it cannot fail that way (FLUSHALL came
    // last, applied though not durable).
    assert_eq!(store.exists(["a"]), Ok(0));
    assert_eq!(switch.commits().len(), commits + results.len());
    switch.assert_clean();
}

#[test]
fn a_transaction_is_gated_at_its_first_write_and_committed_once() {
    let (store, switch) = open();
    fill(&store);
    let before = dump(&store);
    switch.refuse(true);
    // Reads only: runs.
    let n = store.transaction(&["n", "s"], |tx| -> Result<_> {
        Ok((tx.get("n")?, tx.strlen("s")?))
    });
    assert_eq!(n, Ok((Some(b"10".to_vec()), 5)));
    // The first write is refused: nothing was written before it.
    let mut reached = false;
    let r = store.transaction(&["n", "s"], |tx| -> Result<()> {
        tx.get("s")?;
        tx.incr("n")?;
        reached = true;
        Ok(())
    });
    assert_eq!(r, Err(refused()));
    assert!(!reached);
    assert_eq!(dump(&store), before);

    // Checked once: a persistence that starts refusing in the middle does
    // not cut the transaction in two.
    switch.refuse_after(1);
    let commits = switch.commits().len();
    let checks = switch.checks.load(Ordering::SeqCst);
    let r = store.transaction(&["n", "s"], |tx| -> Result<i64> {
        tx.set("s", "v")?;
        tx.incr("n")?;
        tx.incr("n")
    });
    assert_eq!(r, Ok(12));
    assert_eq!(switch.checks.load(Ordering::SeqCst), checks + 1);
    assert_eq!(switch.commits().len(), commits + 1, "one commit");

    // A failed commit is the transaction's result.
    switch.refuse(false);
    switch.fail_commits(true);
    let r = store.transaction_all(|tx| -> Result<usize> {
        tx.set("a", "1")?;
        tx.del(["s"])
    });
    assert_eq!(r, Err(not_durable()));
    let w = store.watch(&["a"]);
    assert_eq!(w.transaction(&["a"], |tx| tx.incr("a")), Err(not_durable()));
    // With a custom error type.
    #[derive(Debug, PartialEq)]
    enum Mine {
        Store(Error),
    }
    impl From<Error> for Mine {
        fn from(e: Error) -> Mine {
            Mine::Store(e)
        }
    }
    let r = store.transaction(&["a"], |tx| -> std::result::Result<(), Mine> {
        tx.incr("a")?;
        Ok(())
    });
    assert_eq!(r, Err(Mine::Store(not_durable())));
    switch.assert_clean();
}

#[test]
fn a_blocked_pop_is_gated_when_it_is_served() {
    let (store, switch) = open();
    let waiter = {
        let store = store.clone();
        std::thread::spawn(move || store.blpop(["q"], Duration::from_secs(30)))
    };
    while store.blocked_clients() == 0 {
        std::thread::yield_now();
    }
    // The push passes the gate; the pop it serves does not (the waiter may
    // also retry by itself before it parks: refused too, once the push is
    // recorded).
    switch.refuse_on_record.store(true, Ordering::SeqCst);
    assert_eq!(store.rpush("q", ["a"]), Ok(1));
    assert_eq!(waiter.join().ok(), Some(Err(refused())));
    assert_eq!(store.llen("q"), Ok(1), "the element stays");
    // Refused before waiting.
    assert_eq!(store.blpop(["empty"], Duration::ZERO), Err(refused()));
    switch.assert_clean();
}

#[test]
fn a_served_pop_commits_its_own_write_not_the_push() {
    let (store, switch) = open();
    let waiter = {
        let store = store.clone();
        std::thread::spawn(move || store.blpop(["q"], Duration::from_secs(30)))
    };
    while store.blocked_clients() == 0 {
        std::thread::yield_now();
    }
    // Let it park, so that the push's thread serves it (the test passes
    // either way; this makes it catch a pop committing the push's ticket).
    std::thread::sleep(Duration::from_millis(50));
    // Only the push's ticket fails to commit.
    let push = switch.last_ticket.load(Ordering::SeqCst) + 1;
    switch.fail_ticket.store(push, Ordering::SeqCst);
    assert_eq!(store.rpush("q", ["a"]), Err(not_durable()));
    assert_eq!(
        waiter.join().ok(),
        Some(Ok(Some((b"q".to_vec(), b"a".to_vec()))))
    );
    // (The waiter may also have taken it itself, committing on its thread.)
    let mut commits = switch.commits();
    commits.sort_unstable();
    assert_eq!(commits, vec![push, push + 1]);
    switch.assert_clean();
}

#[test]
fn commits_never_run_under_a_lock_on_any_path() {
    // The probe itself: a commit made while a shard is locked is reported.
    let (store, switch) = open();
    {
        let _held = store.inner.keyspace.write(0);
        let _ = crate::persist::Persistence::commit(&*switch, 1);
    }
    assert_eq!(switch.violations.lock().len(), 1);
}
