//! Unit tests of the reply formatting, the line loop and help.

use super::help;
use super::*;
use crate::Error;
use crate::{Protocol, Reply, Store};

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec())
}

fn tty2(r: &Reply) -> String {
    format_reply(r, Protocol::Resp2)
}

fn tty3(r: &Reply) -> String {
    format_reply(r, Protocol::Resp3)
}

#[test]
fn strings_are_quoted_as_sdscatrepr() {
    let r = Reply::Bulk(b"a\"b\\c\n\r\t\x07\x08\x00\x01\x7f\xff~ ".to_vec());
    assert_eq!(
        tty2(&r),
        "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\x01\\x7f\\xff~ \"\n"
    );
    assert_eq!(tty2(&Reply::Bulk(Vec::new())), "\"\"\n");
}

#[test]
fn scalars() {
    assert_eq!(tty2(&Reply::ok()), "OK\n");
    assert_eq!(tty2(&Reply::Status("string".into())), "string\n");
    assert_eq!(tty2(&Reply::Integer(-7)), "(integer) -7\n");
    assert_eq!(tty2(&Reply::Null), "(nil)\n");
    assert_eq!(tty2(&Reply::NullArray), "(nil)\n");
    assert_eq!(tty3(&Reply::NullArray), "(nil)\n");
    assert_eq!(
        tty2(&Reply::Error(Error::Syntax)),
        "(error) ERR syntax error\n"
    );
    assert_eq!(tty2(&Reply::Double(-0.5)), "\"-0.5\"\n");
    assert_eq!(tty3(&Reply::Double(f64::INFINITY)), "(double) inf\n");
    assert_eq!(tty2(&Reply::Bool(true)), "(integer) 1\n");
    assert_eq!(tty3(&Reply::Bool(true)), "(true)\n");
    assert_eq!(tty3(&Reply::Bool(false)), "(false)\n");
    let v = Reply::Verbatim("txt", b"line 1\nline 2".to_vec());
    assert_eq!(tty3(&v), "line 1\nline 2\n");
    assert_eq!(tty2(&v), "\"line 1\\nline 2\"\n");
}

#[test]
fn error_text_ends_at_nul_as_c_prints_it() {
    let e = Error::UnknownCommand {
        name: b"a\0b".to_vec(),
        args: Vec::new(),
    };
    assert_eq!(tty2(&Reply::Error(e)), "(error) ERR unknown command 'a\n");
}

#[test]
fn arrays_widen_their_index_and_indent_nested_ones() {
    assert_eq!(tty2(&Reply::Array(vec![])), "(empty array)\n");
    let mut items: Vec<Reply> = (0..9).map(Reply::Integer).collect();
    items.push(Reply::Array(vec![
        bulk("a"),
        Reply::Array(vec![bulk("b"), bulk("c")]),
    ]));
    items.push(Reply::Array(vec![]));
    let expected = " 1) (integer) 0
 2) (integer) 1
 3) (integer) 2
 4) (integer) 3
 5) (integer) 4
 6) (integer) 5
 7) (integer) 6
 8) (integer) 7
 9) (integer) 8
10) 1) \"a\"
    2) 1) \"b\"
       2) \"c\"
11) (empty array)
";
    assert_eq!(tty2(&Reply::Array(items)), expected);
}

#[test]
fn resp3_aggregates_and_their_resp2_downgrades() {
    let map = Reply::Map(vec![
        (bulk("k"), bulk("v")),
        (
            bulk("n"),
            Reply::Array(vec![Reply::Integer(1), Reply::Integer(2)]),
        ),
    ]);
    assert_eq!(
        tty3(&map),
        "1# \"k\" => \"v\"\n2# \"n\" => \n   1) (integer) 1\n   2) (integer) 2\n"
    );
    assert_eq!(
        tty2(&map),
        "1) \"k\"\n2) \"v\"\n3) \"n\"\n4) 1) (integer) 1\n   2) (integer) 2\n"
    );
    // A value of one line stays on the key's line, as redis-cli keeps it.
    let one = Reply::Map(vec![(bulk("k"), Reply::Array(vec![Reply::Integer(1)]))]);
    assert_eq!(tty3(&one), "1# \"k\" => 1) (integer) 1\n");
    let deep = Reply::Map(vec![(
        bulk("k"),
        Reply::Array(vec![Reply::Array(vec![bulk("a"), bulk("b")])]),
    )]);
    assert_eq!(
        tty3(&deep),
        "1# \"k\" => \n   1) 1) \"a\"\n      2) \"b\"\n"
    );
    let empty = Reply::Map(vec![(bulk("k"), Reply::Set(vec![]))]);
    assert_eq!(tty3(&empty), "1# \"k\" => (empty set)\n");
    assert_eq!(tty3(&Reply::Map(vec![])), "(empty hash)\n");
    assert_eq!(tty2(&Reply::Map(vec![])), "(empty array)\n");
    let set = Reply::Set(vec![bulk("m")]);
    assert_eq!(tty3(&set), "1~ \"m\"\n");
    assert_eq!(tty2(&set), "1) \"m\"\n");
    assert_eq!(tty3(&Reply::Set(vec![])), "(empty set)\n");
    let pairs = Reply::Pairs(vec![(bulk("a"), Reply::Double(1.5))]);
    assert_eq!(tty3(&pairs), "1) 1) \"a\"\n   2) (double) 1.5\n");
    assert_eq!(tty2(&pairs), "1) \"a\"\n2) \"1.5\"\n");
}

#[test]
fn raw_output() {
    let raw2 = |r: &Reply| format_reply_raw(r, Protocol::Resp2);
    let raw3 = |r: &Reply| format_reply_raw(r, Protocol::Resp3);
    assert_eq!(raw2(&bulk("a\"b")), b"a\"b\n");
    assert_eq!(raw2(&Reply::Null), b"\n");
    assert_eq!(raw2(&Reply::Integer(3)), b"3\n");
    assert_eq!(raw2(&Reply::Error(Error::Syntax)), b"ERR syntax error\n\n");
    assert_eq!(raw3(&Reply::Bool(true)), b"(true)\n");
    assert_eq!(raw2(&Reply::Bool(true)), b"1\n");
    assert_eq!(raw3(&Reply::Double(2.5)), b"2.5\n");
    let map = Reply::Map(vec![(bulk("f"), bulk("v")), (bulk("g"), Reply::Integer(1))]);
    assert_eq!(raw3(&map), b"f v\ng 1\n");
    assert_eq!(raw2(&map), b"f\nv\ng\n1\n");
    let nested = Reply::Array(vec![bulk("a"), Reply::Array(vec![bulk("b"), bulk("c")])]);
    assert_eq!(raw2(&nested), b"a\nb\nc\n");
    assert_eq!(raw2(&Reply::Array(vec![])), b"\n");
}

#[test]
fn repeat_counts_read_as_strtol() {
    assert_eq!(repeat_count(b"3"), Some(Some(3)));
    assert_eq!(repeat_count(b"+3"), Some(Some(3)));
    assert_eq!(repeat_count(b" 3"), Some(Some(3)));
    assert_eq!(repeat_count(b"-1"), Some(Some(-1)));
    assert_eq!(repeat_count(b"0"), Some(Some(0)));
    assert_eq!(repeat_count(b""), Some(Some(0)));
    assert_eq!(repeat_count(b"99999999999999999999"), Some(None));
    assert_eq!(repeat_count(b"3x"), None);
    assert_eq!(repeat_count(b"GET"), None);
    assert_eq!(repeat_count(b"-"), None);
}

#[test]
fn lines() -> io::Result<()> {
    let store = Store::new();
    let mut cli = Cli::new(&store);
    let mut out = Vec::new();
    let input = b"SET k v\n\n   \r\n2 GET k\n0 GET k\nGET\nquit\nGET k\n";
    cli.run_lines(&input[..], &mut out)?;
    let expected = "OK\n\"v\"\n\"v\"\nInvalid redis-cli repeat command option value.\n\
                        (error) ERR wrong number of arguments for 'get' command\n";
    assert_eq!(String::from_utf8_lossy(&out), expected);
    assert_eq!(cli.prompt(), "kvstore> ");
    let mut out = Vec::new();
    assert_eq!(cli.run_line(b"EXIT", &mut out)?, Flow::Quit);
    assert_eq!(cli.run_line(b"3 quit", &mut out)?, Flow::Continue);
    let mut out = Vec::new();
    cli.run_line(b"help", &mut out)?;
    assert!(String::from_utf8_lossy(&out).starts_with("kvstore cli "));
    Ok(())
}

#[test]
fn some_commands_print_raw_strings() {
    assert!(raw_strings(&["INFO"]));
    assert!(raw_strings(&["info", "memory"]));
    assert!(raw_strings(&["CLIENT", "LIST"]));
    assert!(raw_strings(&["latency", "doctor"]));
    assert!(!raw_strings(&["latency", "doctor", "x"]));
    assert!(!raw_strings(&["GET", "info"]));
}

fn map(fields: Vec<(&str, Reply)>) -> Reply {
    Reply::Map(fields.into_iter().map(|(k, v)| (bulk(k), v)).collect())
}

fn arg(name: &str, typ: &str, extra: Vec<(&str, Reply)>) -> Reply {
    let mut fields = vec![("name", bulk(name)), ("type", bulk(typ))];
    fields.extend(extra);
    map(fields)
}

fn flags(f: &[&'static str]) -> Reply {
    Reply::Set(f.iter().map(|s| Reply::Simple(s)).collect())
}

fn topic(words: &[&str]) -> Vec<String> {
    words.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn help_from_command_docs() {
    let condition = Reply::Array(vec![
        arg("nx", "pure-token", vec![("token", bulk("NX"))]),
        arg("xx", "pure-token", vec![("token", bulk("XX"))]),
    ]);
    let set_args = Reply::Array(vec![
        arg("key", "key", vec![]),
        arg("value", "string", vec![]),
        arg(
            "condition",
            "oneof",
            vec![("flags", flags(&["optional"])), ("arguments", condition)],
        ),
        arg(
            "seconds",
            "integer",
            vec![("token", bulk("EX")), ("flags", flags(&["optional"]))],
        ),
    ]);
    let set_doc = map(vec![
        ("summary", bulk("Set the string value of a key")),
        ("since", bulk("1.0.0")),
        ("group", bulk("string")),
        ("arguments", set_args),
    ]);
    let keys = Reply::Array(vec![arg(
        "key",
        "key",
        vec![("flags", flags(&["multiple"]))],
    )]);
    let del_doc = map(vec![
        ("summary", bulk("Delete a key")),
        ("since", bulk("1.0.0")),
        ("group", bulk("generic")),
        ("arguments", keys),
    ]);
    let get_sub = map(vec![
        ("summary", bulk("Get")),
        ("since", bulk("2.0.0")),
        ("group", bulk("server")),
    ]);
    let config_doc = map(vec![
        ("summary", bulk("A container")),
        ("since", bulk("2.0.0")),
        ("group", bulk("server")),
        ("subcommands", map(vec![("config|get", get_sub)])),
    ]);
    let docs = map(vec![
        ("set", set_doc),
        ("del", del_doc),
        ("config", config_doc),
    ]);
    assert_eq!(
        help::from_docs(&docs, &topic(&["set"])),
        "\n  SET key value [NX | XX] [EX seconds]\n  summary: Set the string value of a key\n  \
             since: 1.0.0\n  group: string\n"
    );
    assert_eq!(
        help::from_docs(&docs, &topic(&["@generic"])),
        "\n  DEL key [key ...]\n  summary: Delete a key\n  since: 1.0.0\n"
    );
    assert_eq!(
        help::from_docs(&docs, &topic(&["config", "get"])),
        "\n  CONFIG GET\n  summary: Get\n  since: 2.0.0\n  group: server\n"
    );
    let config = help::from_docs(&docs, &topic(&["config"]));
    assert_eq!(config.matches("\n  CONFIG").count(), 2, "{config}");
    assert_eq!(help::from_docs(&docs, &topic(&["nosuch"])), "");
    // The RESP2 shape (flat arrays) reads the same.
    let flat = Reply::Array(vec![
        bulk("del"),
        Reply::Array(vec![bulk("summary"), bulk("Delete a key")]),
    ]);
    let del = help::from_docs(&flat, &topic(&["del"]));
    assert!(del.contains("summary: Delete a key"), "{del}");
}

#[test]
fn help_from_command_info() {
    let entry = |name: &str, arity: i64, first: i64| {
        Reply::Array(vec![Reply::Array(vec![
            bulk(name),
            Reply::Integer(arity),
            Reply::Set(vec![]),
            Reply::Integer(first),
        ])])
    };
    assert_eq!(
        help::from_info(&entry("get", 2, 1)).as_deref(),
        Some("\n  GET key\n  summary: Help not available\n  since: not known\n  arity: 2\n")
    );
    let mset = help::from_info(&entry("mset", -3, 1)).unwrap_or_default();
    assert!(
        mset.starts_with("\n  MSET key arg ...options...\n"),
        "{mset}"
    );
    assert_eq!(help::from_info(&Reply::Array(vec![Reply::Null])), None);
}

#[test]
fn pubsub_mode_prints_as_redis_cli() {
    let store = Store::new();
    let mut raw = Cli::new(&store).output(OutputMode::Raw);
    let mut out = Vec::new();
    raw.run_line(b"SUBSCRIBE a b", &mut out).unwrap();
    // No banner in raw mode; each confirmation on its own lines.
    assert_eq!(out, b"subscribe\na\n1\nsubscribe\nb\n2\n");
    assert!(raw.reading_messages());
    store.publish("a", "x");
    out.clear();
    assert!(raw.print_message(Duration::from_secs(1), &mut out).unwrap());
    assert_eq!(out, b"message\na\nx\n");
    assert!(!raw.print_message(Duration::ZERO, &mut out).unwrap());

    // RESP3 pushes print as arrays; an error leaves pub/sub mode.
    let mut cli = Cli::new(&store);
    cli.run_command(&["HELLO", "3"], io::sink()).unwrap();
    let mut out = Vec::new();
    cli.run_line(b"PSUBSCRIBE p*", &mut out).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out),
        "Reading messages... (press Ctrl-C to quit)\n1) \"psubscribe\"\n2) \"p*\"\n3) (integer) 1\n"
    );
    assert!(cli.reading_messages());
    let mut unsubscribed = Cli::new(&store);
    unsubscribed.run_line(b"SUBSCRIBE", io::sink()).unwrap();
    assert!(!unsubscribed.reading_messages());
    // A sequence nested in an array prints its replies as elements.
    let seq = Reply::Array(vec![Reply::Sequence(vec![bulk("a"), bulk("b")])]);
    assert_eq!(tty2(&seq), "1) \"a\"\n2) \"b\"\n");
}
