//! The `SUBSCRIBE` family in a [`Session`]: Redis 7.0's rules for a
//! subscribed connection, checked against the bytes redis-server 7.0.15
//! sends for the same conversation.

use std::time::Duration;

use crate::{Config, Error, OutputBufferLimit, Protocol, Reply, Session, Store};

fn wire(reply: &Reply, protocol: Protocol) -> String {
    let mut out = Vec::new();
    reply.encode(protocol, &mut out);
    String::from_utf8_lossy(&out).replace("\r\n", "|")
}

/// The RESP2 bytes of one command's reply.
fn run(session: &mut Session, argv: &[&str]) -> String {
    let reply = session.execute(argv);
    wire(&reply, session.protocol())
}

const ONLY: &str =
    "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

#[test]
fn resp2_subscribed_connection_allows_only_pubsub_commands() {
    let store = Store::new();
    let mut s = Session::new(&store);
    assert!(!s.is_subscribed());
    assert_eq!(
        run(&mut s, &["SUBSCRIBE", "a", "b"]),
        "*3|$9|subscribe|$1|a|:1|*3|$9|subscribe|$1|b|:2|"
    );
    assert!(s.is_subscribed());
    assert_eq!(
        run(&mut s, &["GET", "x"]),
        format!("-ERR Can't execute 'get': {ONLY}|")
    );
    assert_eq!(run(&mut s, &["PING"]), "*2|$4|pong|$0||");
    assert_eq!(run(&mut s, &["PING", "hi"]), "*2|$4|pong|$2|hi|");
    assert_eq!(
        run(&mut s, &["PING", "a", "b"]),
        "-ERR wrong number of arguments for 'ping' command|"
    );
    assert_eq!(
        run(&mut s, &["CLIENT", "ID"]),
        format!("-ERR Can't execute 'client|id': {ONLY}|")
    );
    // Unknown commands and arity come first, as in Redis.
    assert_eq!(
        run(&mut s, &["SUBSCRIBE"]),
        "-ERR wrong number of arguments for 'subscribe' command|"
    );
    assert_eq!(
        run(&mut s, &["CLIENT", "FOO"]),
        "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.|"
    );
    assert_eq!(
        run(&mut s, &["EXEC"]),
        format!("-EXECABORT Transaction discarded because of: Can't execute 'exec': {ONLY}|")
    );
    assert_eq!(
        run(&mut s, &["HELLO", "3"]),
        format!("-ERR Can't execute 'hello': {ONLY}|")
    );
    assert_eq!(
        run(&mut s, &["PSUBSCRIBE", "p*"]),
        "*3|$10|psubscribe|$2|p*|:3|"
    );
    // The count of channels and patterns goes down together.
    assert_eq!(
        run(&mut s, &["PUNSUBSCRIBE"]),
        "*3|$12|punsubscribe|$2|p*|:2|"
    );
    assert_eq!(
        run(&mut s, &["UNSUBSCRIBE", "b", "nope"]),
        "*3|$11|unsubscribe|$1|b|:1|*3|$11|unsubscribe|$4|nope|:1|"
    );
    assert_eq!(run(&mut s, &["UNSUBSCRIBE"]), "*3|$11|unsubscribe|$1|a|:0|");
    // With nothing left, an unsubscribe-all confirms a nil channel.
    assert_eq!(
        run(&mut s, &["PUNSUBSCRIBE"]),
        "*3|$12|punsubscribe|$-1|:0|"
    );
    assert!(!s.is_subscribed());
    assert_eq!(run(&mut s, &["GET", "x"]), "$-1|");
    assert_eq!(run(&mut s, &["PING"]), "+PONG|");
}

#[test]
fn shard_subscriptions_count_apart_but_keep_the_rules() {
    let store = Store::new();
    let mut s = Session::new(&store);
    assert_eq!(run(&mut s, &["SUBSCRIBE", "a"]), "*3|$9|subscribe|$1|a|:1|");
    assert_eq!(
        run(&mut s, &["SSUBSCRIBE", "s"]),
        "*3|$10|ssubscribe|$1|s|:1|"
    );
    assert_eq!(run(&mut s, &["UNSUBSCRIBE"]), "*3|$11|unsubscribe|$1|a|:0|");
    // Still subscribed to a shard channel.
    assert_eq!(run(&mut s, &["PING"]), "*2|$4|pong|$0||");
    assert_eq!(store.spublish("s", "m"), 1);
    let m = s.next_message(Duration::ZERO).unwrap().unwrap();
    assert_eq!((m.kind().as_str(), m.data()), ("smessage", &b"m"[..]));
    assert_eq!(
        run(&mut s, &["SUNSUBSCRIBE"]),
        "*3|$12|sunsubscribe|$1|s|:0|"
    );
    assert_eq!(run(&mut s, &["PING"]), "+PONG|");
}

#[test]
fn resp3_allows_everything_and_pushes() {
    let store = Store::new();
    let mut s = Session::new(&store);
    s.execute(&["HELLO", "3"]);
    assert_eq!(
        run(&mut s, &["SUBSCRIBE", "news"]),
        ">3|$9|subscribe|$4|news|:1|"
    );
    assert_eq!(run(&mut s, &["PING"]), "+PONG|");
    assert_eq!(run(&mut s, &["SET", "k", "v"]), "+OK|");
    assert_eq!(run(&mut s, &["PUBLISH", "news", "hi"]), ":1|");
    let m = s.next_message(Duration::ZERO).unwrap().unwrap();
    assert_eq!(
        wire(&Reply::from(&m), Protocol::Resp3),
        ">3|$7|message|$4|news|$2|hi|"
    );
    assert_eq!(s.next_message(Duration::ZERO).unwrap(), None);
    // Back to RESP2: the rules apply again.
    s.execute(&["HELLO", "2"]);
    assert_eq!(
        run(&mut s, &["GET", "k"]),
        format!("-ERR Can't execute 'get': {ONLY}|")
    );
    assert_eq!(run(&mut s, &["RESET"]), "+RESET|");
    assert_eq!(run(&mut s, &["GET", "k"]), "$1|v|");
}

#[test]
fn keyspace_events_reach_a_subscribed_session() {
    let store = Store::new();
    store
        .config_set(&[("notify-keyspace-events", "KEA")])
        .unwrap();
    let mut s = Session::new(&store);
    s.execute(&["HELLO", "3"]);
    s.execute(&["SUBSCRIBE", "__keyevent@0__:set"]);
    assert_eq!(run(&mut s, &["SET", "k", "v"]), "+OK|");
    let m = s.next_message(Duration::ZERO).unwrap().unwrap();
    assert_eq!(
        wire(&Reply::from(&m), Protocol::Resp3),
        ">3|$7|message|$18|__keyevent@0__:set|$1|k|"
    );
}

#[test]
fn subscribe_inside_multi_answers_inside_the_exec_array() {
    let store = Store::new();
    let mut s = Session::new(&store);
    run(&mut s, &["MULTI"]);
    assert_eq!(run(&mut s, &["SUBSCRIBE", "a", "b"]), "+QUEUED|");
    assert_eq!(run(&mut s, &["PING"]), "+QUEUED|");
    // Redis's bytes: the array counts two replies, SUBSCRIBE's are two
    // pushes, and PING already sees a subscribed client.
    assert_eq!(
        run(&mut s, &["EXEC"]),
        "*2|*3|$9|subscribe|$1|a|:1|*3|$9|subscribe|$1|b|:2|*2|$4|pong|$0||"
    );
    assert_eq!(
        run(&mut s, &["GET", "x"]),
        format!("-ERR Can't execute 'get': {ONLY}|")
    );

    let mut s = Session::new(&store);
    run(&mut s, &["MULTI"]);
    run(&mut s, &["SUBSCRIBE", "c"]);
    run(&mut s, &["PUBLISH", "c", "x"]);
    run(&mut s, &["SET", "kk", "v"]);
    // The message lands in the array, before PUBLISH's own reply.
    assert_eq!(
        run(&mut s, &["EXEC"]),
        "*3|*3|$9|subscribe|$1|c|:1|*3|$7|message|$1|c|$1|x|:1|+OK|"
    );

    let mut s = Session::new(&store);
    run(&mut s, &["MULTI"]);
    run(&mut s, &["SSUBSCRIBE", "a", "b"]);
    run(&mut s, &["SUNSUBSCRIBE", "a"]);
    run(&mut s, &["PING"]);
    assert_eq!(
        run(&mut s, &["EXEC"]),
        "*3|-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client|\
         *3|$12|sunsubscribe|$1|a|:0|+PONG|"
    );
    assert!(!s.is_subscribed());
}

#[test]
fn reset_leaves_without_confirming_and_keeps_earlier_messages_first() {
    let store = Store::new();
    let mut s = Session::new(&store);
    run(&mut s, &["SUBSCRIBE", "a"]);
    run(&mut s, &["PSUBSCRIBE", "a*"]);
    assert_eq!(store.publish("a", "early"), 2);
    assert_eq!(
        run(&mut s, &["RESET"]),
        "*3|$7|message|$1|a|$5|early|*4|$8|pmessage|$2|a*|$1|a|$5|early|+RESET|"
    );
    assert!(!s.is_subscribed());
    assert_eq!(store.publish("a", "late"), 0);
    assert_eq!(store.pubsub_numpat(), 0);
    assert_eq!(s.next_message(Duration::ZERO).unwrap(), None);
    assert_eq!(run(&mut s, &["RESET"]), "+RESET|");
    assert_eq!(run(&mut s, &["UNSUBSCRIBE"]), "*3|$11|unsubscribe|$-1|:0|");
}

#[test]
fn messages_before_a_confirmation_stay_before_it() {
    let store = Store::new();
    let mut s = Session::new(&store);
    run(&mut s, &["SUBSCRIBE", "a"]);
    store.publish("a", "1");
    // What arrived before the next confirmation comes with it, in order;
    // what arrives after is read with next_message.
    assert_eq!(
        run(&mut s, &["SUBSCRIBE", "b"]),
        "*3|$7|message|$1|a|$1|1|*3|$9|subscribe|$1|b|:2|"
    );
    store.publish("b", "2");
    let m = s.next_message(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!((m.channel(), m.data()), (Some(&b"b"[..]), &b"2"[..]));
}

#[test]
fn an_overflowing_session_is_closed() {
    let limit = OutputBufferLimit {
        hard: 1024,
        soft: 0,
        soft_seconds: 0,
    };
    let store = Store::open(Config::builder().pubsub_buffer_limit(limit).build()).unwrap();
    let mut s = Session::new(&store);
    run(&mut s, &["SUBSCRIBE", "a"]);
    for _ in 0..10 {
        store.publish("a", vec![b'x'; 200]);
    }
    assert_eq!(
        s.next_message(Duration::ZERO),
        Err(Error::SubscriberOverflow)
    );
    assert!(s.should_close());
    assert!(!s.is_subscribed());
    assert_eq!(store.publish("a", "gone"), 0);
}

#[test]
fn client_list_shows_subscriptions() {
    let store = Store::new();
    let mut a = Session::new(&store);
    let mut b = Session::new(&store);
    a.execute(&["HELLO", "3"]);
    a.execute(&["SUBSCRIBE", "x", "y"]);
    a.execute(&["PSUBSCRIBE", "p*"]);
    a.execute(&["SSUBSCRIBE", "s"]);
    let Reply::Verbatim(_, info) = a.execute(&["CLIENT", "INFO"]) else {
        panic!("CLIENT INFO is verbatim");
    };
    let info = String::from_utf8_lossy(&info).into_owned();
    assert!(
        info.contains(" flags=P db=0 sub=2 psub=1 ssub=1 multi=-1 "),
        "{info}"
    );
    let list = |s: &mut Session, kind: &str| match s.execute(&["CLIENT", "LIST", "TYPE", kind]) {
        Reply::Verbatim(_, text) => String::from_utf8_lossy(&text).lines().count(),
        other => panic!("{other:?}"),
    };
    assert_eq!(list(&mut b, "pubsub"), 1);
    assert_eq!(list(&mut b, "normal"), 1);
    b.execute(&["MULTI"]);
    a.execute(&["UNSUBSCRIBE"]);
    a.execute(&["PUNSUBSCRIBE"]);
    a.execute(&["SUNSUBSCRIBE"]);
    assert_eq!(list(&mut a, "pubsub"), 0);
    assert_eq!(list(&mut a, "normal"), 2);
}

#[test]
fn store_execute_confirms_but_keeps_no_subscription() {
    let store = Store::new();
    assert_eq!(
        wire(&store.execute(&["SUBSCRIBE", "a"]), Protocol::Resp2),
        "*3|$9|subscribe|$1|a|:1|"
    );
    assert_eq!(store.pubsub_numsub(["a"]), [(b"a".to_vec(), 0)]);
    assert_eq!(store.publish("a", "x"), 0);
}
