//! `SAVE`, `BGSAVE`, `LASTSAVE`, `BGREWRITEAOF` as commands (part of
//! `tests/persistence.rs`): Redis 7.0's replies, and `SAVE` refused inside
//! `MULTI`.

use std::time::{Duration, Instant};

use kvstore::persist::AppendFsync;
use kvstore::{ManualClock, Reply, Session, Store};

use super::common::redis::{Resp, reply_to_resp};
use super::{Mode, T0, open};

fn simple(text: &str) -> Resp {
    Resp::Simple(text.as_bytes().to_vec())
}

fn run(store: &Store, argv: &[&str]) -> Resp {
    reply_to_resp(&store.execute(argv))
}

/// Waits (bounded) until `LASTSAVE` answers `want`.
fn wait_lastsave(store: &Store, want: i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = run(store, &["LASTSAVE"]);
        if got == Resp::Integer(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "LASTSAVE still {got:?}, not {want}, 30 s after BGSAVE"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn persistence_commands_reply_as_redis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0 + 999);
    let store = open(dir.path(), &clock, Mode::Both(AppendFsync::EverySec));
    // Before any save: the open's time.
    assert_eq!(run(&store, &["LASTSAVE"]), Resp::Integer(T0 / 1000));
    store.set("k", "v").expect("SET");

    clock.advance(Duration::from_secs(10));
    assert_eq!(run(&store, &["SAVE"]), simple("OK"));
    assert_eq!(run(&store, &["LASTSAVE"]), Resp::Integer(T0 / 1000 + 10));
    assert_eq!(store.last_save(), T0 / 1000 + 10);
    assert!(
        dir.path().join("dump.kvs").is_file(),
        "SAVE wrote no dump.kvs"
    );

    clock.advance(Duration::from_secs(10));
    assert_eq!(
        run(&store, &["BGSAVE"]),
        simple("Background saving started")
    );
    wait_lastsave(&store, T0 / 1000 + 20);
    assert_eq!(
        run(&store, &["BGSAVE", "NOW"]),
        Resp::Error(b"ERR syntax error".to_vec())
    );

    assert_eq!(
        run(&store, &["BGREWRITEAOF"]),
        simple("Background append only file rewriting started")
    );
    assert!(
        run(&store, &["LASTSAVE", "x"]).is_error(),
        "LASTSAVE takes no argument"
    );
    drop(store);

    // What the commands saved loads.
    let store = open(dir.path(), &clock, Mode::Snapshot);
    assert_eq!(store.get("k").expect("GET"), Some(b"v".to_vec()));
    assert_eq!(store.load_report().source, Some("snapshot"));
}

#[test]
fn bgrewriteaof_without_a_log_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let store = open(dir.path(), &clock, Mode::Snapshot);
    assert!(run(&store, &["BGREWRITEAOF"]).is_error());
    assert!(store.bgrewriteaof().is_err());
}

#[test]
fn save_without_a_directory_is_an_error() {
    let store = Store::new();
    assert!(run(&store, &["SAVE"]).is_error());
    assert!(run(&store, &["BGSAVE"]).is_error());
    assert!(store.save().is_err());
    // LASTSAVE still answers (the start time), as Redis's does.
    assert!(matches!(store.execute(&["LASTSAVE"]), Reply::Integer(_)));
}

#[test]
fn save_is_refused_inside_multi() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(T0);
    let store = open(dir.path(), &clock, Mode::Snapshot);
    let mut session = Session::new(&store);
    let mut call = |argv: &[&str]| reply_to_resp(&session.execute(argv));
    assert_eq!(call(&["MULTI"]), simple("OK"));
    assert_eq!(call(&["SET", "k", "v"]), simple("QUEUED"));
    assert_eq!(
        call(&["SAVE"]),
        Resp::Error(b"ERR Command not allowed inside a transaction".to_vec())
    );
    assert_eq!(
        call(&["EXEC"]),
        Resp::Error(b"EXECABORT Transaction discarded because of previous errors.".to_vec())
    );
    assert_eq!(
        store.exists(["k"]).expect("EXISTS"),
        0,
        "the aborted MULTI wrote"
    );
    // BGSAVE and LASTSAVE may be queued, as in Redis.
    assert_eq!(call(&["MULTI"]), simple("OK"));
    assert_eq!(call(&["LASTSAVE"]), simple("QUEUED"));
    let exec = call(&["EXEC"]);
    assert!(
        matches!(&exec, Resp::Array(items) if items.len() == 1),
        "{exec:?}"
    );
}
