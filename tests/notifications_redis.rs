//! Keyspace notifications compared with a real `redis-server`.
//!
//! The same scripted sequence of commands runs on a private Redis 7.0 and
//! on a [`Store`]; both have `notify-keyspace-events` set alike and one
//! subscriber each on `__key*__:*`. After every step, the messages each
//! subscriber received (channel and data, in order) must be identical.
//! The script covers every write command the store has, the reads that
//! report key misses, lazily expired keys (Redis sleeps past a short TTL,
//! our manual clock is advanced) and keys reclaimed by the active expire
//! cycle (Redis's, waited for with a bound; ours, run explicitly).
//!
//! Without `redis-server` on `PATH` the test prints a `skipped:` line.
//! `KVSTORE_NOTIFY_TRACE=1` prints every step with Redis's events (run
//! with `--nocapture`).

mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::redis::{RedisServer, Resp, RespClient, escape, format_argv, locate_redis_server};
use kvstore::{Config, ManualClock, MessageKind, Store, Subscriber};

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

/// One step of the script.
enum Step {
    /// A command, sent to both sides.
    Cmd(Vec<String>),
    /// A command for Redis only (our side needs no counterpart).
    RedisOnly(Vec<&'static str>),
    /// Time passes: Redis sleeps this long, our clock is advanced by it.
    Sleep(u64),
    /// `wait` blocks (another client on Redis, another thread on our
    /// side) until `then` serves it.
    Blocked {
        wait: Vec<&'static str>,
        then: Vec<&'static str>,
    },
    /// Time passes (as `Sleep`) and the active expire cycle reclaims keys
    /// until the keyspace holds `keys` keys: Redis's runs on its own (we
    /// wait for it), ours is run until it has.
    ActiveExpire { sleep_ms: u64, keys: i64 },
}

fn cmd(argv: &[&str]) -> Step {
    Step::Cmd(argv.iter().map(|s| (*s).to_owned()).collect())
}

/// The script. `now_s` is the current Unix time in seconds, for absolute
/// expire times in the future.
fn script(now_s: i64) -> Vec<Step> {
    let future_s = (now_s + 100_000).to_string();
    let future_ms = ((now_s + 100_000) * 1000).to_string();
    let mut steps = vec![
        // Strings.
        cmd(&["SET", "s1", "v"]),
        cmd(&["SET", "s1", "v2", "EX", "1000"]),
        cmd(&["SET", "s1", "v3", "NX"]),
        cmd(&["SET", "s1", "v4", "XX"]),
        cmd(&["SET", "s2", "v", "XX"]),
        cmd(&["SET", "s2", "v", "NX", "PX", "1000000"]),
        cmd(&["SET", "s1", "v5", "GET"]),
        cmd(&["SET", "s1", "v6", "KEEPTTL"]),
        cmd(&["SET", "s1", "v7", "GET", "EX", "1000"]),
        cmd(&["SET", "s1", "v8", "EXAT", &future_s]),
        cmd(&["SET", "s1", "v9", "PXAT", &future_ms]),
        cmd(&["SET", "s1", "v", "PXAT", "1"]),
        cmd(&["EXISTS", "s1"]),
        cmd(&["SET", "s1", "v", "EX", "0"]),
        cmd(&["SET", "nos", "v", "GET"]),
        cmd(&["LPUSH", "alist", "x"]),
        cmd(&["SET", "alist", "v", "GET"]),
        cmd(&["SET", "alist", "v"]),
        cmd(&["SETEX", "s3", "1000", "v"]),
        cmd(&["SETEX", "s3", "-5", "v"]),
        cmd(&["PSETEX", "s4", "1000000", "v"]),
        cmd(&["SETNX", "s5", "v"]),
        cmd(&["SETNX", "s5", "w"]),
        cmd(&["MSET", "m1", "a", "m2", "b", "m1", "c"]),
        cmd(&["MSETNX", "m3", "a", "m4", "b"]),
        cmd(&["MSETNX", "m3", "x", "m5", "y"]),
        cmd(&["GETSET", "m1", "z"]),
        cmd(&["GETSET", "newgs", "z"]),
        cmd(&["GETDEL", "m2"]),
        cmd(&["GETDEL", "m2"]),
        cmd(&["GETEX", "s3", "EX", "2000"]),
        cmd(&["GETEX", "s3", "PERSIST"]),
        cmd(&["GETEX", "s3", "PERSIST"]),
        cmd(&["GETEX", "s3"]),
        cmd(&["GETEX", "s3", "PXAT", &future_ms]),
        cmd(&["GETEX", "s4", "PXAT", "1"]),
        cmd(&["GETEX", "nokey", "EX", "10"]),
        cmd(&["INCR", "n1"]),
        cmd(&["INCRBY", "n1", "5"]),
        cmd(&["DECR", "n1"]),
        cmd(&["DECRBY", "n1", "2"]),
        cmd(&["INCRBYFLOAT", "n1", "1.5"]),
        cmd(&["INCRBYFLOAT", "n2", "2"]),
        cmd(&["INCR", "s5"]),
        cmd(&["APPEND", "a1", "x"]),
        cmd(&["APPEND", "a1", "y"]),
        cmd(&["APPEND", "a1", ""]),
        cmd(&["SETRANGE", "a1", "5", "z"]),
        cmd(&["SETRANGE", "a2", "0", ""]),
        cmd(&["SETRANGE", "a1", "0", ""]),
        cmd(&["SETRANGE", "a3", "2", "q"]),
        cmd(&["STRLEN", "nokey"]),
        cmd(&["GETRANGE", "nokey", "0", "1"]),
        cmd(&["GET", "nokey"]),
        cmd(&["MGET", "a1", "nokey", "alist", "nokey2"]),
        cmd(&["LCS", "a1", "nokey"]),
        // Generic.
        cmd(&["DEL", "s5", "m1", "nokey"]),
        cmd(&["DEL", "nokey"]),
        cmd(&["UNLINK", "m3", "m4"]),
        cmd(&["EXPIRE", "a1", "1000"]),
        cmd(&["PEXPIRE", "a1", "1000000"]),
        cmd(&["EXPIREAT", "a1", &future_s]),
        cmd(&["PEXPIREAT", "a1", &future_ms]),
        cmd(&["EXPIRE", "a1", "1000", "NX"]),
        cmd(&["EXPIRE", "a1", "1000", "XX"]),
        cmd(&["EXPIRE", "nokey", "1000"]),
        cmd(&["PERSIST", "a1"]),
        cmd(&["PERSIST", "a1"]),
        cmd(&["PERSIST", "nokey"]),
        cmd(&["EXPIRE", "a1", "-1"]),
        cmd(&["EXPIREAT", "a3", "1"]),
        cmd(&["SET", "e0", "v"]),
        cmd(&["PEXPIRE", "e0", "0"]),
        cmd(&["SET", "r1", "v", "EX", "1000"]),
        cmd(&["RENAME", "r1", "r2"]),
        cmd(&["RENAME", "r2", "r2"]),
        cmd(&["SET", "r3", "w"]),
        cmd(&["RENAME", "r2", "r3"]),
        cmd(&["RENAME", "nokey", "r4"]),
        cmd(&["SET", "r5", "x"]),
        cmd(&["RENAMENX", "r3", "r5"]),
        cmd(&["RENAMENX", "r3", "r6"]),
        cmd(&["COPY", "r6", "c1"]),
        cmd(&["COPY", "r6", "c1"]),
        cmd(&["COPY", "r6", "c1", "REPLACE"]),
        cmd(&["COPY", "nokey", "c2"]),
        cmd(&["TOUCH", "c1", "nokey"]),
        cmd(&["EXISTS", "c1", "nokey"]),
        cmd(&["TYPE", "nokey"]),
        cmd(&["TTL", "nokey"]),
        cmd(&["PTTL", "nokey"]),
        cmd(&["EXPIRETIME", "nokey"]),
        cmd(&["PEXPIRETIME", "nokey"]),
        cmd(&["OBJECT", "ENCODING", "nokey"]),
        // Lists.
        cmd(&["LPUSH", "l1", "a", "b", "c"]),
        cmd(&["RPUSH", "l1", "d"]),
        cmd(&["LPUSHX", "l1", "e"]),
        cmd(&["LPUSHX", "nol", "e"]),
        cmd(&["RPUSHX", "l1", "f"]),
        cmd(&["RPUSHX", "nol", "f"]),
        cmd(&["LPOP", "l1"]),
        cmd(&["RPOP", "l1", "2"]),
        cmd(&["LPOP", "nol"]),
        cmd(&["LPOP", "l1", "0"]),
        cmd(&["LSET", "l1", "0", "x"]),
        cmd(&["LSET", "l1", "99", "x"]),
        cmd(&["LINSERT", "l1", "BEFORE", "x", "y"]),
        cmd(&["LINSERT", "l1", "AFTER", "nothere", "z"]),
        cmd(&["LINSERT", "nol", "AFTER", "x", "z"]),
        cmd(&["LREM", "l1", "0", "y"]),
        cmd(&["LREM", "l1", "0", "nothere"]),
        cmd(&["RPUSH", "l1", "g", "h", "i"]),
        cmd(&["LTRIM", "l1", "0", "2"]),
        cmd(&["LTRIM", "l1", "0", "-1"]),
        cmd(&["LMOVE", "l1", "l2", "RIGHT", "LEFT"]),
        cmd(&["LMOVE", "l1", "l2", "LEFT", "RIGHT"]),
        cmd(&["RPOPLPUSH", "l1", "l2"]),
        cmd(&["RPOPLPUSH", "l1", "l2"]),
        cmd(&["LMOVE", "l2", "l2", "LEFT", "RIGHT"]),
        cmd(&["LMOVE", "nol", "l2", "LEFT", "RIGHT"]),
        cmd(&["LMPOP", "2", "nol", "l2", "LEFT", "COUNT", "2"]),
        cmd(&["LMPOP", "2", "nol", "l2", "RIGHT", "COUNT", "10"]),
        cmd(&["LMPOP", "1", "nol", "LEFT"]),
        cmd(&["RPUSH", "l3", "a", "b"]),
        cmd(&["LPOP", "l3", "5"]),
        cmd(&["RPUSH", "l3", "a", "b"]),
        cmd(&["LTRIM", "l3", "5", "10"]),
        cmd(&["RPUSH", "l3", "a"]),
        cmd(&["LREM", "l3", "0", "a"]),
        cmd(&["RPUSH", "l3", "a", "b"]),
        cmd(&["BLPOP", "nol", "l3", "0"]),
        cmd(&["BRPOP", "l3", "0"]),
        cmd(&["RPUSH", "l3", "a", "b"]),
        cmd(&["BLMOVE", "l3", "l4", "LEFT", "LEFT", "0"]),
        cmd(&["BRPOPLPUSH", "l3", "l4", "0"]),
        cmd(&["BLMPOP", "0", "1", "l4", "RIGHT", "COUNT", "5"]),
        // Blocked clients served by a later write.
        Step::Blocked {
            wait: vec!["BLPOP", "bq", "0"],
            then: vec!["RPUSH", "bq", "a", "b"],
        },
        Step::Blocked {
            wait: vec!["BRPOP", "bq2", "0"],
            then: vec!["LPUSH", "bq2", "x"],
        },
        Step::Blocked {
            wait: vec!["BLMOVE", "bq3", "bq4", "LEFT", "RIGHT", "0"],
            then: vec!["RPUSH", "bq3", "a"],
        },
        Step::Blocked {
            wait: vec!["BRPOPLPUSH", "bq5", "bq4", "0"],
            then: vec!["RPUSH", "bq5", "a", "b"],
        },
        Step::Blocked {
            wait: vec!["BLMPOP", "0", "1", "bq6", "LEFT", "COUNT", "5"],
            then: vec!["RPUSH", "bq6", "a", "b"],
        },
        cmd(&["RPUSH", "srcq", "a", "b"]),
        Step::Blocked {
            wait: vec!["BLPOP", "bq7", "0"],
            then: vec!["LMOVE", "srcq", "bq7", "LEFT", "LEFT"],
        },
        Step::Blocked {
            wait: vec!["BZPOPMIN", "bz", "0"],
            then: vec!["ZADD", "bz", "1", "a", "2", "b"],
        },
        Step::Blocked {
            wait: vec!["BZMPOP", "0", "1", "bz2", "MAX", "COUNT", "9"],
            then: vec!["ZADD", "bz2", "1", "a"],
        },
        cmd(&["LRANGE", "nol", "0", "-1"]),
        cmd(&["LINDEX", "nol", "notanumber"]),
        cmd(&["LSET", "nol", "notanumber", "v"]),
        cmd(&["LLEN", "nol"]),
        cmd(&["LINDEX", "nol", "0"]),
        cmd(&["LPOS", "nol", "a"]),
        // Sets.
        cmd(&["SADD", "st", "a", "b", "c"]),
        cmd(&["SADD", "st", "a"]),
        cmd(&["SREM", "st", "a"]),
        cmd(&["SREM", "st", "zz"]),
        cmd(&["SREM", "nost", "zz"]),
        cmd(&["SADD", "st2", "b", "x"]),
        cmd(&["SINTERSTORE", "sd", "st", "st2"]),
        cmd(&["SINTERSTORE", "sd", "st", "nost"]),
        cmd(&["SINTERSTORE", "sd", "st", "nost"]),
        cmd(&["SUNIONSTORE", "sd", "st", "nost"]),
        cmd(&["SUNIONSTORE", "sd", "nost", "nost2"]),
        cmd(&["SUNIONSTORE", "sd2", "nost", "nost2"]),
        cmd(&["SDIFFSTORE", "sd", "st", "st2"]),
        cmd(&["SDIFFSTORE", "sd", "st", "st"]),
        cmd(&["SDIFFSTORE", "sd", "nost", "st"]),
        cmd(&["SMOVE", "st", "st3", "b"]),
        cmd(&["SMOVE", "st", "st3", "nothere"]),
        cmd(&["SMOVE", "st", "st3", "c"]),
        cmd(&["SMOVE", "st3", "st3", "c"]),
        cmd(&["SMOVE", "st3", "st2", "x"]),
        cmd(&["SMOVE", "nost", "st2", "x"]),
        cmd(&["SPOP", "nost"]),
        cmd(&["SADD", "sp", "a", "b", "c", "d"]),
        cmd(&["SPOP", "sp"]),
        cmd(&["SPOP", "sp", "1"]),
        cmd(&["SPOP", "sp", "0"]),
        cmd(&["SPOP", "sp", "5"]),
        cmd(&["SADD", "sp", "a"]),
        cmd(&["SPOP", "sp"]),
        cmd(&["SADD", "sp", "1", "2", "3", "4", "5", "6", "7", "8", "9"]),
        cmd(&["SPOP", "sp", "7"]),
        cmd(&["SPOP", "sp", "2"]),
        cmd(&["SMEMBERS", "nost"]),
        cmd(&["SISMEMBER", "nost", "a"]),
        cmd(&["SMISMEMBER", "nost", "a"]),
        cmd(&["SCARD", "nost"]),
        cmd(&["SRANDMEMBER", "nost"]),
        cmd(&["SINTER", "st2", "nost"]),
        cmd(&["SUNION", "nost", "st2", "nost2"]),
        cmd(&["SDIFF", "nost", "st2"]),
        cmd(&["SINTERCARD", "2", "nost", "st2"]),
        cmd(&["SSCAN", "nost", "0"]),
        // Hashes.
        cmd(&["HSET", "h", "f", "v", "g", "w"]),
        cmd(&["HSET", "h", "f", "v2"]),
        cmd(&["HSETNX", "h", "f", "v"]),
        cmd(&["HSETNX", "h", "x", "v"]),
        cmd(&["HSETNX", "h2", "x", "v"]),
        cmd(&["HMSET", "h", "a", "1", "b", "2"]),
        cmd(&["HDEL", "h", "f"]),
        cmd(&["HDEL", "h", "nothere"]),
        cmd(&["HDEL", "nohash", "f"]),
        cmd(&["HINCRBY", "h", "a", "5"]),
        cmd(&["HINCRBY", "h3", "a", "5"]),
        cmd(&["HINCRBYFLOAT", "h", "b", "1.5"]),
        cmd(&["HINCRBYFLOAT", "h4", "b", "1.5"]),
        cmd(&["HINCRBY", "h", "g", "1"]),
        cmd(&["HDEL", "h", "g", "x", "a", "b", "nothere"]),
        cmd(&["HDEL", "h2", "x"]),
        cmd(&["HGET", "nohash", "f"]),
        cmd(&["HMGET", "nohash", "f"]),
        cmd(&["HGETALL", "nohash"]),
        cmd(&["HKEYS", "nohash"]),
        cmd(&["HVALS", "nohash"]),
        cmd(&["HLEN", "nohash"]),
        cmd(&["HEXISTS", "nohash", "f"]),
        cmd(&["HSTRLEN", "nohash", "f"]),
        cmd(&["HRANDFIELD", "nohash"]),
        cmd(&["HSCAN", "nohash", "0"]),
        // Sorted sets.
        cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]),
        cmd(&["ZADD", "z", "NX", "1", "a"]),
        cmd(&["ZADD", "z", "XX", "5", "nothere"]),
        cmd(&["ZADD", "z", "1", "a"]),
        cmd(&["ZADD", "z", "INCR", "5", "a"]),
        cmd(&["ZADD", "z", "NX", "INCR", "5", "a"]),
        cmd(&["ZADD", "z", "CH", "7", "a"]),
        cmd(&["ZINCRBY", "z", "1", "b"]),
        cmd(&["ZINCRBY", "z2", "1", "b"]),
        cmd(&["ZREM", "z", "a"]),
        cmd(&["ZREM", "z", "nothere"]),
        cmd(&["ZREM", "z2", "b"]),
        cmd(&["ZADD", "z", "10", "d", "11", "e", "12", "f", "0", "g"]),
        cmd(&["ZREMRANGEBYSCORE", "z", "11", "11"]),
        cmd(&["ZREMRANGEBYSCORE", "z", "100", "200"]),
        cmd(&["ZREMRANGEBYRANK", "z", "0", "0"]),
        cmd(&["ZREMRANGEBYRANK", "z", "50", "60"]),
        cmd(&["ZREMRANGEBYLEX", "z", "[a", "[b"]),
        cmd(&["ZREMRANGEBYLEX", "z", "[x", "[y"]),
        cmd(&["ZREMRANGEBYLEX", "noz", "[x", "[y"]),
        cmd(&["ZPOPMIN", "z"]),
        cmd(&["ZPOPMAX", "z", "0"]),
        cmd(&["ZPOPMIN", "noz"]),
        cmd(&["ZADD", "z", "1", "a", "2", "b"]),
        cmd(&["ZPOPMAX", "z", "10"]),
        cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]),
        cmd(&["ZMPOP", "2", "noz", "z", "MIN", "COUNT", "2"]),
        cmd(&["ZMPOP", "1", "z", "MAX"]),
        cmd(&["ZMPOP", "1", "z", "MAX"]),
        cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]),
        cmd(&["BZPOPMIN", "noz", "z", "0"]),
        cmd(&["BZPOPMAX", "z", "0"]),
        cmd(&["BZMPOP", "0", "1", "z", "MIN", "COUNT", "9"]),
        cmd(&["ZADD", "za", "1", "a", "2", "b"]),
        cmd(&["ZADD", "zb", "3", "b", "4", "c"]),
        cmd(&["ZUNIONSTORE", "zd", "2", "za", "zb"]),
        cmd(&["ZINTERSTORE", "zd", "2", "za", "zb"]),
        cmd(&["ZINTERSTORE", "zd", "2", "za", "noz"]),
        cmd(&["ZINTERSTORE", "zd", "2", "za", "noz"]),
        cmd(&["ZDIFFSTORE", "zd", "2", "za", "zb"]),
        cmd(&["ZDIFFSTORE", "zd", "2", "za", "za"]),
        cmd(&["ZUNIONSTORE", "zd2", "2", "noz", "noz2"]),
        cmd(&["ZRANGESTORE", "zd", "za", "0", "-1"]),
        cmd(&["ZRANGESTORE", "zd", "za", "5", "10"]),
        cmd(&["ZRANGESTORE", "zd", "noz", "0", "-1"]),
        cmd(&["ZRANGESTORE", "zd", "za", "0", "0"]),
        cmd(&["ZSCORE", "noz", "a"]),
        cmd(&["ZMSCORE", "noz", "a"]),
        cmd(&["ZCARD", "noz"]),
        cmd(&["ZCOUNT", "noz", "0", "1"]),
        cmd(&["ZLEXCOUNT", "noz", "-", "+"]),
        cmd(&["ZRANK", "noz", "a"]),
        cmd(&["ZREVRANK", "noz", "a"]),
        cmd(&["ZRANGE", "noz", "0", "-1"]),
        cmd(&["ZRANGEBYSCORE", "noz", "0", "1"]),
        cmd(&["ZREVRANGEBYLEX", "noz", "+", "-"]),
        cmd(&["ZREVRANGE", "noz", "0", "-1"]),
        cmd(&["ZUNION", "2", "noz", "za"]),
        cmd(&["ZINTER", "2", "za", "noz"]),
        cmd(&["ZDIFF", "2", "noz", "za"]),
        cmd(&["ZINTERCARD", "2", "za", "noz"]),
        cmd(&["ZRANDMEMBER", "noz"]),
        cmd(&["ZSCAN", "noz", "0"]),
        // Wrong types write nothing.
        cmd(&["LPUSH", "za", "x"]),
        cmd(&["SADD", "za", "x"]),
        cmd(&["HSET", "za", "x", "y"]),
        cmd(&["ZADD", "l4", "1", "x"]),
        cmd(&["INCR", "za"]),
        cmd(&["GET", "za"]),
        // Reads stop at the first key of another kind.
        cmd(&["SUNION", "nost", "za", "nost2"]),
        cmd(&["SINTER", "nost", "alist", "nost2"]),
        cmd(&["SINTERSTORE", "dd", "nost", "alist", "nost2"]),
        cmd(&["ZUNION", "3", "noz", "alist", "noz2"]),
        cmd(&["ZINTERSTORE", "dd", "3", "noz", "alist", "noz2"]),
        cmd(&["ZUNION", "2", "noz", "noz2", "BOGUS"]),
        cmd(&["GETEX", "nokey", "PERSIST"]),
        // Lazy expiry: on reads and on writes (Redis's active cycle is
        // paused meanwhile, ours never runs by itself).
        Step::RedisOnly(vec!["DEBUG", "SET-ACTIVE-EXPIRE", "0"]),
        cmd(&["SET", "e1", "v", "PX", "50"]),
        cmd(&["LPUSH", "e2", "a"]),
        cmd(&["PEXPIRE", "e2", "50"]),
        cmd(&["HSET", "e3", "f", "v"]),
        cmd(&["PEXPIRE", "e3", "50"]),
        cmd(&["SET", "e4", "v", "PX", "50"]),
        cmd(&["SET", "e5", "v", "PX", "50"]),
        Step::Sleep(150),
        cmd(&["GET", "e1"]),
        cmd(&["LPUSH", "e2", "b"]),
        cmd(&["HGET", "e3", "f"]),
        cmd(&["MGET", "e4", "e5", "nokey"]),
        cmd(&["SET", "e6", "v", "PX", "50"]),
        cmd(&["SADD", "e7", "v"]),
        cmd(&["PEXPIRE", "e7", "50"]),
        cmd(&["ZADD", "e8", "1", "v"]),
        cmd(&["PEXPIRE", "e8", "50"]),
        cmd(&["SET", "e9", "v", "PX", "50"]),
        Step::Sleep(100),
        cmd(&["SET", "e6", "w"]),
        cmd(&["SADD", "e7", "w"]),
        cmd(&["ZSCORE", "e8", "v"]),
        cmd(&["TTL", "e9"]),
        // Expired keys met by every kind of lookup.
        cmd(&["SET", "xo", "v", "PX", "50"]),
        cmd(&["SET", "xt", "v", "PX", "50"]),
        cmd(&["SET", "xg", "v", "PX", "50"]),
        cmd(&["SET", "xe", "v", "PX", "50"]),
        cmd(&["SET", "xd", "v", "PX", "50"]),
        cmd(&["SET", "xr1", "v"]),
        cmd(&["SET", "xr2", "v", "PX", "50"]),
        cmd(&["SET", "xr3", "v", "PX", "50"]),
        cmd(&["SET", "xc", "v", "PX", "50"]),
        cmd(&["SADD", "xsrc", "m1", "m2"]),
        cmd(&["SADD", "xsd", "m"]),
        cmd(&["PEXPIRE", "xsd", "50"]),
        cmd(&["SADD", "xsd2", "m"]),
        cmd(&["PEXPIRE", "xsd2", "50"]),
        cmd(&["SADD", "xsm", "m"]),
        cmd(&["PEXPIRE", "xsm", "50"]),
        cmd(&["ZADD", "xzd", "1", "m"]),
        cmd(&["PEXPIRE", "xzd", "50"]),
        cmd(&["ZADD", "xzd2", "1", "m"]),
        cmd(&["PEXPIRE", "xzd2", "50"]),
        cmd(&["ZADD", "xzd3", "1", "m"]),
        cmd(&["PEXPIRE", "xzd3", "50"]),
        cmd(&["ZADD", "xzd4", "1", "m"]),
        cmd(&["PEXPIRE", "xzd4", "50"]),
        cmd(&["RPUSH", "xl", "a"]),
        cmd(&["PEXPIRE", "xl", "50"]),
        Step::Sleep(100),
        cmd(&["OBJECT", "ENCODING", "xo"]),
        cmd(&["TYPE", "xt"]),
        cmd(&["SET", "xg", "w", "GET"]),
        cmd(&["EXPIRE", "xe", "100"]),
        cmd(&["DEL", "xd"]),
        cmd(&["RENAME", "xr1", "xr2"]),
        cmd(&["RENAME", "xr3", "xr4"]),
        cmd(&["COPY", "xr2", "xc"]),
        cmd(&["SINTERSTORE", "xsd", "xsrc", "nost"]),
        cmd(&["SUNIONSTORE", "xsd2", "xsrc"]),
        cmd(&["SMOVE", "xsrc", "xsm", "m1"]),
        cmd(&["ZUNIONSTORE", "xzd", "1", "noz"]),
        cmd(&["ZUNIONSTORE", "xzd2", "1", "xsrc"]),
        cmd(&["ZRANGESTORE", "xzd3", "noz", "0", "-1"]),
        cmd(&["ZRANGESTORE", "xzd4", "xzd2", "0", "-1"]),
        cmd(&["LMOVE", "xl", "xl2", "LEFT", "LEFT"]),
        // SCAN, RANDOMKEY and KEYS meeting an expired key (alone, so that
        // the order of the keys cannot matter).
        cmd(&["FLUSHALL"]),
        cmd(&["SET", "xk", "v", "PX", "50"]),
        Step::Sleep(100),
        cmd(&["KEYS", "*"]),
        cmd(&["RANDOMKEY"]),
        cmd(&["SET", "xk", "v", "PX", "50"]),
        cmd(&["SET", "live", "v"]),
        Step::Sleep(100),
        cmd(&["SCAN", "0", "COUNT", "1000"]),
        cmd(&["SMOVE", "nost", "xsm", "m1"]),
        cmd(&["SADD", "sm1", "a", "b"]),
        cmd(&["SADD", "sm2", "a"]),
        cmd(&["SMOVE", "sm1", "sm2", "a"]),
        cmd(&["SMOVE", "sm1", "sm2", "b"]),
        Step::RedisOnly(vec!["DEBUG", "SET-ACTIVE-EXPIRE", "1"]),
        // Active expiry, one key at a time (the order in which a cycle
        // finds several keys is the hash tables').
        cmd(&["FLUSHALL"]),
        cmd(&["SET", "keep", "v"]),
        cmd(&["SET", "a1", "v", "PX", "100"]),
        Step::ActiveExpire {
            sleep_ms: 150,
            keys: 1,
        },
        cmd(&["SADD", "a2", "m"]),
        cmd(&["PEXPIRE", "a2", "100"]),
        Step::ActiveExpire {
            sleep_ms: 150,
            keys: 1,
        },
        cmd(&["GET", "a1"]),
        cmd(&["FLUSHDB"]),
    ];
    steps.push(cmd(&["DBSIZE"]));
    steps
}

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
