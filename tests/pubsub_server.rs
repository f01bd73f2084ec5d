//! Pub/sub over the RESP server: the `redis` crate and redis-py as
//! subscribers, RESP3 pushes, pipelining, keyspace events, and a
//! subscriber that never reads.
#![cfg(feature = "server")]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::server::{FrameConn, Running, bulk, items};
use kvstore::resp::Frame;
use kvstore::server::ServerConfig;
use kvstore::{OutputBufferLimit, Store};

fn push(kind: &[&str], last: Frame) -> Frame {
    Frame::Push(items(kind, last))
}

fn array(kind: &[&str], last: Frame) -> Frame {
    Frame::Array(items(kind, last))
}

fn publish(conn: &mut FrameConn, channel: &str, data: &[u8]) -> i64 {
    match conn.call(&[b"PUBLISH".as_slice(), channel.as_bytes(), data]) {
        Ok(Frame::Integer(n)) => n,
        other => panic!("PUBLISH answered {other:?}"),
    }
}

#[test]
fn the_redis_crate_subscribes_to_channels_and_patterns() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let client = redis::Client::open(server.url()).unwrap();
    let mut sub_con = client.get_connection().unwrap();
    let mut publisher = client.get_connection().unwrap();
    let mut sub = sub_con.as_pubsub();
    sub.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    sub.subscribe("news").unwrap();
    sub.psubscribe("user:*").unwrap();

    let count = |con: &mut redis::Connection, channel: &str, data: &str| -> i64 {
        redis::cmd("PUBLISH")
            .arg(channel)
            .arg(data)
            .query(con)
            .unwrap()
    };
    assert_eq!(count(&mut publisher, "news", "hello"), 1);
    assert_eq!(count(&mut publisher, "user:7", "logged in"), 1);
    assert_eq!(count(&mut publisher, "elsewhere", "nobody"), 0);
    let numsub: (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg("news")
        .query(&mut publisher)
        .unwrap();
    assert_eq!(numsub, ("news".into(), 1));

    let m = sub.get_message().unwrap();
    assert_eq!(m.get_channel_name(), "news");
    assert_eq!(m.get_payload::<String>().unwrap(), "hello");
    assert!(!m.from_pattern());
    let m = sub.get_message().unwrap();
    assert_eq!(m.get_channel_name(), "user:7");
    assert_eq!(m.get_pattern::<String>().unwrap(), "user:*");
    assert_eq!(m.get_payload::<String>().unwrap(), "logged in");

    // A PING in subscribed mode, through the crate.
    let pong: Vec<String> = sub.ping().unwrap();
    assert_eq!(pong, ["pong", ""]);

    sub.unsubscribe("news").unwrap();
    assert_eq!(count(&mut publisher, "news", "late"), 0);
    assert_eq!(count(&mut publisher, "user:8", "still"), 1);
    let m = sub.get_message().unwrap();
    assert_eq!(m.get_payload::<String>().unwrap(), "still");
    sub.punsubscribe("user:*").unwrap();
    assert_eq!(count(&mut publisher, "user:9", "gone"), 0);
    drop(sub);
    // Out of pub/sub mode, the connection runs commands again.
    let pong: String = redis::cmd("PING").query(&mut sub_con).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn resp3_messages_are_pushes_and_any_command_runs() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let mut sub = server.frames();
    let mut publisher = server.frames();
    assert!(matches!(sub.call(&["HELLO", "3"]).unwrap(), Frame::Map(_)));
    assert_eq!(
        sub.call(&["SUBSCRIBE", "a"]).unwrap(),
        push(&["subscribe", "a"], Frame::Integer(1))
    );
    assert_eq!(
        sub.call(&["PSUBSCRIBE", "a*"]).unwrap(),
        push(&["psubscribe", "a*"], Frame::Integer(2))
    );
    assert_eq!(publish(&mut publisher, "ab", b"x"), 1);
    assert_eq!(publish(&mut publisher, "a", b"y"), 2);
    assert_eq!(
        sub.frame().unwrap().0,
        push(&["pmessage", "a*", "ab"], bulk("x"))
    );
    assert_eq!(sub.frame().unwrap().0, push(&["message", "a"], bulk("y")));
    assert_eq!(
        sub.frame().unwrap().0,
        push(&["pmessage", "a*", "a"], bulk("y"))
    );
    // Any command, with its plain reply.
    assert_eq!(
        sub.call(&["SET", "k", "v"]).unwrap(),
        Frame::Simple(b"OK".to_vec())
    );
    assert_eq!(
        sub.call(&["PING"]).unwrap(),
        Frame::Simple(b"PONG".to_vec())
    );
    assert_eq!(
        sub.call(&["UNSUBSCRIBE"]).unwrap(),
        push(&["unsubscribe", "a"], Frame::Integer(1))
    );
    assert_eq!(
        sub.call(&["UNSUBSCRIBE"]).unwrap(),
        Frame::Push(vec![bulk("unsubscribe"), Frame::Null, Frame::Integer(1)])
    );
}

#[test]
fn pipelined_subscribe_and_ping_stay_in_order() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let mut sub = server.frames();
    let mut wire = Vec::new();
    for argv in [
        &["SUBSCRIBE", "a", "b"][..],
        &["PING"],
        &["PUBLISH", "a", "refused"],
        &["PSUBSCRIBE", "c*"],
        &["PING", "last"],
    ] {
        kvstore::resp::encode_command(argv, &mut wire);
    }
    sub.stream.write_all(&wire).unwrap();
    let expected = [
        array(&["subscribe", "a"], Frame::Integer(1)),
        array(&["subscribe", "b"], Frame::Integer(2)),
        array(&["pong"], bulk("")),
        Frame::Error(
            b"ERR Can't execute 'publish': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context".to_vec(),
        ),
        array(&["psubscribe", "c*"], Frame::Integer(3)),
        array(&["pong"], bulk("last")),
    ];
    for frame in expected {
        assert_eq!(sub.frame().unwrap().0, frame);
    }
}

#[test]
fn client_list_and_info_show_subscriptions() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let mut sub = server.frames();
    let mut other = server.frames();
    sub.send(&["SUBSCRIBE", "x", "y"]).unwrap();
    sub.send(&["PSUBSCRIBE", "p*"]).unwrap();
    sub.send(&["SSUBSCRIBE", "s"]).unwrap();
    sub.bytes(4).unwrap();
    let Frame::Bulk(list) = other.call(&["CLIENT", "LIST", "TYPE", "pubsub"]).unwrap() else {
        panic!("CLIENT LIST is a bulk string in RESP2");
    };
    let list = String::from_utf8_lossy(&list).into_owned();
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(
        list.contains(" flags=P db=0 sub=2 psub=1 ssub=1 "),
        "{list}"
    );
    let Frame::Bulk(info) = other.call(&["INFO", "stats"]).unwrap() else {
        panic!("INFO is a bulk string");
    };
    let info = String::from_utf8_lossy(&info).into_owned();
    for field in [
        "pubsub_channels:2\r\n",
        "pubsub_patterns:1\r\n",
        "pubsubshard_channels:1\r\n",
    ] {
        assert!(info.contains(field), "{field} in {info}");
    }
}

#[test]
fn keyspace_events_over_the_wire() {
    let store = Store::new();
    let config = ServerConfig::new().notify_keyspace_events("KEA").unwrap();
    let server = Running::start(&store, config);
    let mut sub = server.frames();
    let mut writer = server.frames();
    sub.send(&["PSUBSCRIBE", "__key*@0__:*"]).unwrap();
    sub.frame().unwrap();
    writer.call(&["SET", "k", "v"]).unwrap();
    writer.call(&["DEL", "k"]).unwrap();
    let expected = [
        ("__keyspace@0__:k", "set"),
        ("__keyevent@0__:set", "k"),
        ("__keyspace@0__:k", "del"),
        ("__keyevent@0__:del", "k"),
    ];
    for (channel, data) in expected {
        assert_eq!(
            sub.frame().unwrap().0,
            array(&["pmessage", "__key*@0__:*", channel], bulk(data))
        );
    }
    // A RESP3 client gets its own events before the command's reply.
    let mut own = server.frames();
    own.call(&["HELLO", "3"]).unwrap();
    own.call(&["SUBSCRIBE", "__keyevent@0__:set"]).unwrap();
    own.send(&["SET", "j", "v"]).unwrap();
    assert_eq!(
        own.frame().unwrap().0,
        push(&["message", "__keyevent@0__:set"], bulk("j"))
    );
    assert_eq!(own.frame().unwrap().0, Frame::Simple(b"OK".to_vec()));
}

#[test]
fn a_slow_reader_gets_every_message_in_order() {
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let mut sub = server.frames();
    let mut publisher = server.frames();
    sub.call(&["SUBSCRIBE", "seq"]).unwrap();
    // Far more than the socket buffers hold, well under the 32 MB limit:
    // most of it waits in the subscriber's queue until the client reads.
    let payload = vec![b'x'; 2000];
    let total = 4000;
    for i in 0..total {
        let mut data = format!("{i:06}:").into_bytes();
        data.extend_from_slice(&payload);
        assert_eq!(publish(&mut publisher, "seq", &data), 1, "message {i}");
    }
    for i in 0..total {
        let Frame::Array(parts) = sub.frame().unwrap().0 else {
            panic!("a message is an array");
        };
        let Some(Frame::Bulk(data)) = parts.get(2) else {
            panic!("message {i}: {parts:?}");
        };
        assert_eq!(&data[..7], format!("{i:06}:").as_bytes());
    }
    assert_eq!(sub.call(&["PING"]).unwrap(), array(&["pong"], bulk("")));
}

/// The process's resident memory, where /proc tells it.
fn rss_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn a_subscriber_that_never_reads_is_disconnected_and_memory_stays_bounded() {
    let store = Store::new();
    let limit = OutputBufferLimit {
        hard: 4 << 20,
        soft: 0,
        soft_seconds: 0,
    };
    let config = ServerConfig::new()
        .client_output_buffer_limit(&format!("pubsub {} 0 0", limit.hard))
        .unwrap();
    let server = Running::start(&store, config);
    let mut sub = server.frames();
    let mut publisher = server.frames();
    assert_eq!(
        sub.call(&["SUBSCRIBE", "firehose"]).unwrap(),
        array(&["subscribe", "firehose"], Frame::Integer(1))
    );
    let before = rss_bytes();
    let megabyte = vec![b'z'; 1 << 20];
    let mut delivered = 0;
    let mut dropped_at = None;
    for i in 0..300 {
        match publish(&mut publisher, "firehose", &megabyte) {
            1 if dropped_at.is_none() => delivered += 1,
            0 => {
                dropped_at.get_or_insert(i);
            }
            n => panic!("publish {i} reached {n} after the subscriber was dropped"),
        }
    }
    let after = rss_bytes();
    let dropped_at = dropped_at.expect("the subscriber was never disconnected");
    assert!(dropped_at > 0, "the first publish reached the subscriber");
    // The queue's 4 MB, the output (bounded by the same limit) and the
    // kernel's socket buffers: far from the 300 MB published.
    assert!(
        delivered < 64,
        "{delivered} MB reached a client that never reads"
    );
    if let (Some(before), Some(after)) = (before, after) {
        let grown = after.saturating_sub(before);
        assert!(grown < 120 << 20, "resident memory grew by {grown} bytes");
    }
    // The server closes the connection by itself, while the client still
    // reads nothing.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !store.info(&["clients"]).contains("connected_clients:1\r\n") {
        assert!(
            Instant::now() < deadline,
            "the subscriber's connection is still open: {}",
            store.info(&["clients"])
        );
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        store.pubsub_numsub(["firehose"]),
        [(b"firehose".to_vec(), 0)]
    );
    assert!(
        sub.closed_within(Duration::from_secs(20)),
        "the client sees the end of the connection"
    );
    // The publisher's connection is unaffected.
    assert_eq!(publish(&mut publisher, "firehose", b"x"), 0);
}

/// The classic redis-py program against our server.
const REDIS_PY: &str = r#"
import sys, threading
import redis

# The socket timeout fails a hung conversation instead of hanging it.
r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), socket_timeout=20)
p = r.pubsub()
p.subscribe("test")

def publisher():
    for text in ["hello", "world", "stop"]:
        r.publish("test", text)

started = False
for item in p.listen():
    data = item["data"]
    data = data.decode() if isinstance(data, bytes) else data
    print(item["type"], item["channel"].decode(), data, flush=True)
    if not started:
        started = True
        threading.Thread(target=publisher).start()
    if data == "stop":
        break
p.unsubscribe("test")
print(r.ping())
"#;

#[test]
fn redis_py_pubsub_listen_works_unchanged() {
    let has_redis_py = Command::new("python3")
        .args(["-c", "import redis"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_redis_py {
        println!("skipped: python3 with redis-py (pip install redis) not found");
        return;
    }
    let store = Store::new();
    let server = Running::start(&store, ServerConfig::new());
    let out = Command::new("python3")
        .args(["-c", REDIS_PY, &server.port.to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "subscribe test 1\nmessage test hello\nmessage test world\nmessage test stop\nTrue\n"
    );
}
