//! `PUBLISH`, `SPUBLISH` and `PUBSUB` (Redis's `pubsub.c`). The subscribe
//! commands change a connection's state and are run by the
//! [`Session`](crate::Session).

use crate::{Error, Reply, Store};

fn count(n: usize) -> Reply {
    Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// `PUBLISH channel message`.
pub(super) fn publish(store: &Store, argv: &[&[u8]]) -> Reply {
    count(store.publish(argv[1], argv[2]))
}

/// `SPUBLISH shardchannel message`.
pub(super) fn spublish(store: &Store, argv: &[&[u8]]) -> Reply {
    count(store.spublish(argv[1], argv[2]))
}

/// `PUBSUB CHANNELS|SHARDCHANNELS` take at most one pattern.
fn channels(store: &Store, argv: &[&[u8]], shard: bool) -> Reply {
    if argv.len() > 3 {
        return Reply::Error(Error::SubcommandSyntax {
            subcommand: crate::error::client_text(argv[1], 128),
            command: "PUBSUB",
        });
    }
    let pattern = argv.get(2).copied();
    let names = store.inner.pubsub.channel_names(shard, pattern);
    Reply::Array(names.into_iter().map(Reply::Bulk).collect())
}

/// `PUBSUB CHANNELS [pattern]`.
pub(super) fn pubsub_channels(store: &Store, argv: &[&[u8]]) -> Reply {
    channels(store, argv, false)
}

/// `PUBSUB SHARDCHANNELS [pattern]`.
pub(super) fn pubsub_shardchannels(store: &Store, argv: &[&[u8]]) -> Reply {
    channels(store, argv, true)
}

fn numsub(store: &Store, argv: &[&[u8]], shard: bool) -> Reply {
    let mut out = Vec::with_capacity(2 * argv.len().saturating_sub(2));
    for &channel in &argv[2..] {
        out.push(Reply::Bulk(channel.to_vec()));
        out.push(count(store.inner.pubsub.subscriber_count(shard, channel)));
    }
    Reply::Array(out)
}

/// `PUBSUB NUMSUB [channel …]`.
pub(super) fn pubsub_numsub(store: &Store, argv: &[&[u8]]) -> Reply {
    numsub(store, argv, false)
}

/// `PUBSUB SHARDNUMSUB [shardchannel …]`.
pub(super) fn pubsub_shardnumsub(store: &Store, argv: &[&[u8]]) -> Reply {
    numsub(store, argv, true)
}

/// `PUBSUB NUMPAT`.
pub(super) fn pubsub_numpat(store: &Store, _argv: &[&[u8]]) -> Reply {
    count(store.pubsub_numpat())
}

/// `PUBSUB HELP`.
pub(super) fn pubsub_help(_store: &Store, _argv: &[&[u8]]) -> Reply {
    let lines = [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ];
    Reply::Array(lines.into_iter().map(Reply::Simple).collect())
}

#[cfg(test)]
mod tests {
    use crate::{Reply, Store};

    fn bulk(s: &str) -> Reply {
        Reply::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn publish_and_introspection_replies() {
        let store = Store::new();
        assert_eq!(store.execute(&["PUBLISH", "c", "m"]), Reply::Integer(0));
        let mut sub = store.subscriber();
        sub.subscribe(["c", "d"]);
        sub.psubscribe(["c*", "x*"]);
        sub.ssubscribe(["s"]);
        assert_eq!(store.execute(&["PUBLISH", "c", "m"]), Reply::Integer(2));
        assert_eq!(store.execute(&["SPUBLISH", "s", "m"]), Reply::Integer(1));
        assert_eq!(store.execute(&["SPUBLISH", "c", "m"]), Reply::Integer(0));
        assert_eq!(
            store.execute(&["PUBSUB", "NUMSUB", "c", "zz"]),
            Reply::Array(vec![
                bulk("c"),
                Reply::Integer(1),
                bulk("zz"),
                Reply::Integer(0)
            ])
        );
        assert_eq!(store.execute(&["PUBSUB", "NUMPAT"]), Reply::Integer(2));
        assert_eq!(
            store.execute(&["PUBSUB", "CHANNELS", "d*"]),
            Reply::Array(vec![bulk("d")])
        );
        assert_eq!(
            store.execute(&["PUBSUB", "SHARDCHANNELS"]),
            Reply::Array(vec![bulk("s")])
        );
        assert_eq!(
            store.execute(&["PUBSUB", "SHARDNUMSUB", "s"]),
            Reply::Array(vec![bulk("s"), Reply::Integer(1)])
        );
        let Reply::Error(e) = store.execute(&["PUBSUB", "CHANNELS", "a", "b"]) else {
            panic!("two patterns must be refused");
        };
        assert_eq!(
            e.to_string(),
            "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."
        );
        let Reply::Error(e) = store.execute(&["PUBSUB", "foo"]) else {
            panic!("unknown subcommand");
        };
        assert_eq!(
            e.to_string(),
            "ERR unknown subcommand 'foo'. Try PUBSUB HELP."
        );
        drop(sub);
        assert_eq!(store.execute(&["PUBSUB", "NUMPAT"]), Reply::Integer(0));
        assert_eq!(store.execute(&["PUBSUB", "CHANNELS"]), Reply::Array(vec![]));
    }
}
