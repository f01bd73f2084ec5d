//! Hash commands for the differential test (`tests/redis_diff.rs`): random
//! generators, the comparisons that replies in hash order or random replies
//! need, and a fixed corpus of edge cases.
//!
//! Both sides run with `hash-max-listpack-entries 8` and
//! `hash-max-listpack-value 16`, so hashes become `hashtable` often, and
//! `OBJECT ENCODING` of a hash must match Redis 7.0 exactly.
//!
//! Comparisons (`HashCheck`):
//! - HGETALL / HKEYS / HVALS: in the exact order while Redis's hash is a
//!   listpack (insertion order, which ours must keep too); as multisets once
//!   it is a hashtable (two hash tables order fields differently).
//! - HRANDFIELD: random, so only the shape: nil / empty iff Redis says so,
//!   the same length, every field (and value) from the hash, distinct fields
//!   for a positive count. Errors exactly.
//! - HSCAN: iterated to the end on both sides, the (field, value) sets
//!   compared; from a non-zero cursor, only that each pair exists.
//!
//! The field-expiry commands of Redis 7.4 are not generated: Redis 7.0 lacks
//! them.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Argv, BAD_INTS, FLOATS, Gen, Plain, Resp, Runner, SPECIAL_INTS, argv, b, is_zero_cursor,
};

/// Keys hash commands use most of the time (`b` is also a common key of the
/// string commands, for WRONGTYPE).
pub(crate) const HASH_KEYS: &[&[u8]] = &[b"h1", b"h2", b"h3", b"{h}x", b"h1", b"b"];

const FIELDS: &[&str] = &[
    "f1",
    "f2",
    "f3",
    "f4",
    "f5",
    "f6",
    "f7",
    "f8",
    "f9",
    "f10",
    "f11",
    "1",
    "2",
    "-1",
    "100",
    "",
    "a\u{0}b",
    "\u{ff}",
    "sixteen-bytes-16",
    "seventeen-bytes17",
];

/// How the runner compares a hash command whose reply is ordered by the
/// hash's layout or random.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashCheck {
    /// HGETALL (pairs), HKEYS, HVALS.
    Layout { pairs: bool },
    /// HRANDFIELD.
    RandField,
    /// HSCAN.
    Scan,
}

/// The check a hash command needs, if not an exact comparison.
pub(crate) fn check_for(argv: &[Vec<u8>]) -> Option<HashCheck> {
    let name = argv.first()?.to_ascii_lowercase();
    match name.as_slice() {
        b"hgetall" if argv.len() == 2 => Some(HashCheck::Layout { pairs: true }),
        b"hkeys" | b"hvals" if argv.len() == 2 => Some(HashCheck::Layout { pairs: false }),
        b"hrandfield" if argv.len() >= 2 => Some(HashCheck::RandField),
        b"hscan" if argv.len() >= 3 => Some(HashCheck::Scan),
        _ => None,
    }
}

impl Gen {
    pub(crate) fn hash_key(&mut self) -> Vec<u8> {
        if self.rng.chance(90) {
            self.rng.pick(HASH_KEYS).to_vec()
        } else {
            self.key()
        }
    }

    fn field(&mut self) -> Vec<u8> {
        match self.rng.below(100) {
            0..=84 => b(self.rng.pick(FIELDS)),
            85..=94 => {
                let len = 14 + self.rng.below(6) as usize; // around the 16-byte limit
                self.alpha(len, b"f")
            }
            _ => {
                let len = self.rng.below(70) as usize;
                self.alpha(len, b"fg")
            }
        }
    }

    fn hash_value(&mut self) -> Vec<u8> {
        match self.rng.below(100) {
            0..=29 => self.rng.range(-20, 100).to_string().into_bytes(),
            30..=37 => b(self.rng.pick(SPECIAL_INTS)),
            38..=47 => b(self.rng.pick(FLOATS)),
            48..=74 => {
                let len = self.rng.below(8) as usize;
                self.alpha(len, b"vwxyz")
            }
            75..=89 => {
                let len = 14 + self.rng.below(6) as usize; // around the 16-byte limit
                self.alpha(len, b"v")
            }
            90..=95 => {
                let len = self.rng.below(300) as usize;
                self.alpha(len, b"vw")
            }
            _ => {
                let len = self.rng.below(6) as usize;
                self.alpha(len, b"\x00\xff\r\n ")
            }
        }
    }

    fn fields(&mut self, max: i64) -> Vec<Vec<u8>> {
        let n = self.rng.range(1, max) as usize;
        (0..n).map(|_| self.field()).collect()
    }

    fn gen_hset(&mut self) -> Vec<Argv> {
        let cmd = *self.rng.pick(&["HSET", "HSET", "HSET", "HMSET"]);
        let mut argv = vec![self.name(cmd), self.hash_key()];
        let pairs = match self.rng.below(10) {
            0..=6 => self.rng.range(1, 3),
            _ => self.rng.range(4, 10),
        };
        for _ in 0..pairs {
            argv.push(self.field());
            argv.push(self.hash_value());
        }
        if self.rng.chance(5) {
            argv.pop(); // a field without its value
        }
        vec![argv]
    }

    fn gen_hrandfield(&mut self) -> Vec<Argv> {
        let mut argv = vec![self.name("HRANDFIELD"), self.hash_key()];
        if self.rng.chance(25) {
            return vec![argv];
        }
        let with_values = self.rng.chance(40);
        // Huge negative counts without WITHVALUES make Redis build a reply
        // of that many elements: only small ones, or ones it rejects.
        let count: Vec<u8> = match self.rng.below(20) {
            0..=8 => self.rng.range(0, 12).to_string().into_bytes(),
            9..=14 => self.rng.range(-12, -1).to_string().into_bytes(),
            15 => b(self
                .rng
                .pick(&["9223372036854775807", "1000", "2147483648"])),
            16 => b"-9223372036854775808".to_vec(),
            17 if with_values => b(self.rng.pick(&[
                "-9223372036854775807",
                "-4611686018427387904",
                "4611686018427387904",
            ])),
            _ => b(self.rng.pick(BAD_INTS)),
        };
        // A negative count parsed as "-0"… are in BAD_INTS (rejected).
        argv.push(count);
        if with_values {
            argv.push(self.name("WITHVALUES"));
        } else if self.rng.chance(5) {
            argv.push(self.bad_option());
        }
        if self.rng.chance(3) {
            argv.push(self.name("WITHVALUES"));
        }
        vec![argv]
    }

    fn gen_hscan(&mut self) -> Vec<Argv> {
        let cursor: Vec<u8> = if self.rng.chance(85) {
            b"0".to_vec()
        } else {
            b(self
                .rng
                .pick(&["", "-1", "1", "abc", "18446744073709551616", "5"]))
        };
        let mut argv = vec![self.name("HSCAN"), self.hash_key(), cursor];
        for _ in 0..*self.rng.pick(&[0, 0, 1, 1, 2, 3]) {
            match self.rng.below(10) {
                0..=3 => {
                    argv.push(self.name("COUNT"));
                    let count = match self.rng.below(10) {
                        0..=7 => self.rng.range(1, 10).to_string().into_bytes(),
                        8 => b(self.rng.pick(&["0", "-1", "9223372036854775807"])),
                        _ => b(self.rng.pick(BAD_INTS)),
                    };
                    argv.push(count);
                }
                4..=7 => {
                    argv.push(self.name("MATCH"));
                    let p = *self.rng.pick(&[
                        &b"*"[..],
                        b"f*",
                        b"f?",
                        b"f1*",
                        b"[a-f]*",
                        b"*\x00*",
                        b"",
                        b"1",
                        b"?",
                    ]);
                    argv.push(p.to_vec());
                }
                8 => {
                    let o = *self.rng.pick(&["COUNT", "MATCH", "NOVALUES", "TYPE"]);
                    argv.push(self.name(o));
                }
                _ => {
                    argv.push(self.bad_option());
                    argv.push(b"x".to_vec());
                }
            }
        }
        vec![argv]
    }

    /// One random hash command.
    pub(crate) fn gen_hash(&mut self) -> Vec<Argv> {
        match self.rng.below(100) {
            0..=24 => self.gen_hset(),
            25..=29 => vec![vec![
                self.name("HSETNX"),
                self.hash_key(),
                self.field(),
                self.hash_value(),
            ]],
            30..=36 => vec![vec![self.name("HGET"), self.hash_key(), self.field()]],
            37..=40 => {
                let mut argv = vec![self.name("HMGET"), self.hash_key()];
                argv.extend(self.fields(5));
                vec![argv]
            }
            41..=48 => {
                let mut argv = vec![self.name("HDEL"), self.hash_key()];
                argv.extend(self.fields(4));
                vec![argv]
            }
            49..=51 => vec![vec![self.name("HLEN"), self.hash_key()]],
            52..=54 => vec![vec![self.name("HEXISTS"), self.hash_key(), self.field()]],
            55..=61 => {
                let cmd = *self.rng.pick(&["HGETALL", "HGETALL", "HKEYS", "HVALS"]);
                vec![vec![self.name(cmd), self.hash_key()]]
            }
            62..=68 => {
                let inc = match self.rng.below(10) {
                    0..=6 => self.rng.range(-50, 50).to_string().into_bytes(),
                    _ => self.int_arg(),
                };
                vec![vec![
                    self.name("HINCRBY"),
                    self.hash_key(),
                    self.field(),
                    inc,
                ]]
            }
            69..=76 => vec![vec![
                self.name("HINCRBYFLOAT"),
                self.hash_key(),
                self.field(),
                self.float_arg(),
            ]],
            77..=79 => vec![vec![self.name("HSTRLEN"), self.hash_key(), self.field()]],
            80..=86 => self.gen_hrandfield(),
            87..=92 => self.gen_hscan(),
            93..=96 => vec![vec![
                self.name("OBJECT"),
                self.name("ENCODING"),
                self.hash_key(),
            ]],
            _ => vec![vec![self.name("DEL"), self.hash_key()]],
        }
    }
}

// ---------------------------------------------------------------------------
// Comparisons that need more commands.
// ---------------------------------------------------------------------------

/// A side's view of one hash, from its HGETALL.
fn hash_of(reply: &Resp) -> Option<BTreeMap<Vec<u8>, Vec<u8>>> {
    let Resp::Array(items) = reply else {
        return None;
    };
    let mut map = BTreeMap::new();
    for pair in items.chunks(2) {
        match pair {
            [Resp::Bulk(f), Resp::Bulk(v)] => {
                map.insert(f.clone(), v.clone());
            }
            _ => return None,
        }
    }
    Some(map)
}

/// Sorted items of an array reply (as multisets: duplicates kept).
fn sorted_items(reply: &Resp, pairs: bool) -> Option<Vec<Vec<Resp>>> {
    let Resp::Array(items) = reply else {
        return None;
    };
    let size = if pairs { 2 } else { 1 };
    let mut out: Vec<Vec<Resp>> = items.chunks(size).map(<[Resp]>::to_vec).collect();
    out.sort_by_key(|r| format!("{r:?}"));
    Some(out)
}

/// Outcome of a full HSCAN iteration on one side.
#[derive(Debug, PartialEq, Eq)]
enum HScanOutcome {
    Error(usize, Resp),
    Pairs(BTreeSet<(Vec<u8>, Vec<u8>)>),
    Malformed(String),
}

/// Runs HSCAN from `argv[2]` until the cursor comes back as "0".
fn hscan_all(argv: &[Vec<u8>], mut call: impl FnMut(&[Vec<u8>]) -> Resp) -> HScanOutcome {
    let mut pairs = BTreeSet::new();
    let mut args = argv.to_vec();
    for step in 0..100_000 {
        let reply = call(&args);
        let Resp::Array(parts) = &reply else {
            return if reply.is_error() {
                HScanOutcome::Error(step, reply)
            } else {
                HScanOutcome::Malformed(format!("not an array: {reply:?}"))
            };
        };
        let [Resp::Bulk(cursor), Resp::Array(page)] = parts.as_slice() else {
            return HScanOutcome::Malformed(format!("bad shape: {reply:?}"));
        };
        if page.len() % 2 != 0 {
            return HScanOutcome::Malformed(format!("odd page: {reply:?}"));
        }
        for pair in page.chunks(2) {
            match pair {
                [Resp::Bulk(f), Resp::Bulk(v)] => {
                    pairs.insert((f.clone(), v.clone()));
                }
                other => return HScanOutcome::Malformed(format!("non-bulk item {other:?}")),
            }
        }
        if cursor.is_empty() || !cursor.iter().all(u8::is_ascii_digit) {
            return HScanOutcome::Malformed(format!("cursor {}", super::escape(cursor)));
        }
        if cursor.as_slice() == b"0" {
            return HScanOutcome::Pairs(pairs);
        }
        args[2] = cursor.clone();
    }
    HScanOutcome::Malformed("no end after 100000 calls".into())
}

impl Runner {
    /// Runs a hash command whose reply needs a [`HashCheck`].
    pub(crate) fn run_hash(&mut self, argv: &[Vec<u8>], kind: HashCheck) {
        if kind == HashCheck::Scan {
            return self.run_hscan(argv);
        }
        let (theirs, ours) = self.pair.both(argv);
        let counts = self.coverage.entry(super::coverage_name(argv)).or_default();
        if theirs.is_error() {
            counts.1 += 1;
        } else {
            counts.0 += 1;
        }
        if theirs.is_error() || ours.is_error() {
            if theirs != ours {
                self.mismatch(argv, &theirs, &ours, "replies differ");
            }
            return;
        }
        let key = argv[1].clone();
        match kind {
            HashCheck::Layout { pairs } => {
                let encoding = self.pair.redis(&[&b"OBJECT"[..], b"ENCODING", &key]);
                if encoding == Resp::Bulk(b"listpack".to_vec()) || theirs == ours {
                    if theirs != ours {
                        self.mismatch(
                            argv,
                            &theirs,
                            &ours,
                            "listpack hash: insertion order differs",
                        );
                    }
                } else if sorted_items(&theirs, pairs) != sorted_items(&ours, pairs) {
                    self.mismatch(
                        argv,
                        &theirs,
                        &ours,
                        "hashtable: contents differ (order ignored)",
                    );
                }
            }
            HashCheck::RandField => {
                let getall = [b"HGETALL".to_vec(), key];
                let their_hash = hash_of(&self.pair.redis(&getall));
                let our_hash = hash_of(&self.pair.ours(&getall));
                let (Some(their_hash), Some(our_hash)) = (their_hash, our_hash) else {
                    return self.mismatch(argv, &theirs, &ours, "HGETALL of the key is not a hash");
                };
                if let Err(why) = super::check_random_reply(argv, &theirs, &their_hash) {
                    // Our reading of Redis is wrong: say so rather than blame the store.
                    return self.mismatch(
                        argv,
                        &theirs,
                        &ours,
                        &format!("harness: Redis's reply fails the shape check: {why}"),
                    );
                }
                if let Err(why) = super::check_random_reply(argv, &ours, &our_hash) {
                    self.mismatch(argv, &theirs, &ours, &format!("HRANDFIELD: {why}"));
                }
            }
            HashCheck::Scan => unreachable!(),
        }
    }

    fn run_hscan(&mut self, argv: &[Vec<u8>]) {
        let theirs = hscan_all(argv, |a| self.pair.redis(a));
        let ours = hscan_all(argv, |a| self.pair.ours(a));
        let counts = self.coverage.entry(super::coverage_name(argv)).or_default();
        if matches!(theirs, HScanOutcome::Pairs(_)) {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
        let ok = match (&theirs, &ours) {
            (HScanOutcome::Malformed(_), _) | (_, HScanOutcome::Malformed(_)) => false,
            (HScanOutcome::Error(..), _) | (_, HScanOutcome::Error(..)) => theirs == ours,
            (HScanOutcome::Pairs(a), HScanOutcome::Pairs(b)) if is_zero_cursor(&argv[2]) => a == b,
            (HScanOutcome::Pairs(a), HScanOutcome::Pairs(b)) => {
                let getall = [b"HGETALL".to_vec(), argv[1].clone()];
                let all_theirs: BTreeSet<_> = hash_of(&self.pair.redis(&getall))
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                let all_ours: BTreeSet<_> = hash_of(&self.pair.ours(&getall))
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                a.is_subset(&all_theirs) && b.is_subset(&all_ours)
            }
        };
        if !ok {
            let (theirs, ours) = (Plain(format!("{theirs:?}")), Plain(format!("{ours:?}")));
            self.mismatch(argv, &theirs, &ours, "HSCAN iteration differs");
        }
    }

    /// Dataset comparison of one key beyond strings: the list's elements,
    /// the hash's fields (the right check for each), the lengths.
    pub(crate) fn compare_collection(&mut self, key: &[u8]) {
        let key = key.to_vec();
        for cmd in [&b"LLEN"[..], b"HLEN", b"HGETALL"] {
            self.run(&[cmd.to_vec(), key.clone()]);
        }
        self.run(&[b"LRANGE".to_vec(), key, b"0".to_vec(), b"-1".to_vec()]);
    }
}

/// Edge cases every run covers, whatever the seed.
pub(crate) fn corpus() -> Vec<Argv> {
    let mut c: Vec<Argv> = Vec::new();
    let v16 = "v".repeat(16);
    let v17 = "v".repeat(17);
    for a in [
        // Missing key.
        cmd!["HGET", "nh", "f"],
        cmd!["HMGET", "nh", "f", "g"],
        cmd!["HDEL", "nh", "f"],
        cmd!["HLEN", "nh"],
        cmd!["HEXISTS", "nh", "f"],
        cmd!["HGETALL", "nh"],
        cmd!["HKEYS", "nh"],
        cmd!["HVALS", "nh"],
        cmd!["HSTRLEN", "nh", "f"],
        cmd!["HRANDFIELD", "nh"],
        cmd!["HRANDFIELD", "nh", "3"],
        cmd!["HRANDFIELD", "nh", "-3", "WITHVALUES"],
        cmd!["HRANDFIELD", "nh", "abc"],
        cmd!["HSCAN", "nh", "0"],
        cmd!["HSCAN", "nh", "abc"],
        // Arguments.
        cmd!["HSET", "h", "f"],
        cmd!["HSET", "h", "f", "v", "g"],
        cmd!["HMSET", "h", "f", "v", "g"],
        cmd!["HSET", "h", "f", "v", "f", "w"],
        cmd!["HGETALL", "h"],
        cmd!["HMSET", "h", "g", "1", "f", "2"],
        cmd!["HSETNX", "h", "f", "x"],
        cmd!["HSETNX", "h", "n", "x"],
        cmd!["HDEL", "h", "n", "n", "zz"],
        cmd!["HGETALL", "h"],
        cmd!["HSTRLEN", "h", "f"],
        cmd!["HSTRLEN", "h", "zz"],
        // HINCRBY.
        cmd!["HINCRBY", "h", "i", "9223372036854775807"],
        cmd!["HINCRBY", "h", "i", "1"],
        cmd!["HINCRBY", "h", "i", "-9223372036854775808"],
        cmd!["HINCRBY", "h", "i", "-1"],
        cmd!["HINCRBY", "h", "i", "-1"],
        cmd!["HINCRBY", "h", "i", "abc"],
        cmd!["HINCRBY", "h", "i", "1.5"],
        cmd![
            "HSET",
            "h",
            "s",
            "abc",
            "sp",
            " 1",
            "big",
            "99999999999999999999"
        ],
        cmd!["HINCRBY", "h", "s", "1"],
        cmd!["HINCRBY", "h", "sp", "1"],
        cmd!["HINCRBY", "h", "big", "1"],
        cmd!["HINCRBYFLOAT", "h", "s", "1"],
        cmd!["HINCRBYFLOAT", "h", "x", "abc"],
        cmd!["HINCRBYFLOAT", "h", "x", "nan"],
        cmd!["HINCRBYFLOAT", "h", "x", "inf"],
        cmd!["HINCRBYFLOAT", "h", "x", "1e4000"],
        cmd!["HINCRBYFLOAT", "h", "x", "1.1e4932"],
        cmd!["EXISTS", "h"],
        cmd!["HGETALL", "h"],
        // HRANDFIELD counts.
        cmd!["HRANDFIELD", "h", "0"],
        cmd!["HRANDFIELD", "h", "-1"],
        cmd!["HRANDFIELD", "h", "-5", "WITHVALUES"],
        cmd!["HRANDFIELD", "h", "100", "WITHVALUES"],
        cmd!["HRANDFIELD", "h", "-9223372036854775808"],
        cmd!["HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"],
        cmd!["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"],
        // (-4611686018427387903 WITHVALUES passes the check: Redis would
        // build that many pairs, so it is never sent.)
        cmd!["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"],
        cmd!["HRANDFIELD", "h", "9223372036854775807"],
        cmd!["HRANDFIELD", "h", "1", "WITHVALUE"],
        cmd!["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
        // HSCAN options.
        cmd!["HSCAN", "h", "0", "COUNT", "0"],
        cmd!["HSCAN", "h", "0", "COUNT", "-1"],
        cmd!["HSCAN", "h", "0", "COUNT"],
        cmd!["HSCAN", "h", "0", "MATCH", "f*", "COUNT", "1"],
        cmd!["HSCAN", "h", "0", "NOVALUES"],
        cmd!["HSCAN", "h", "0", "FOO", "1"],
        cmd!["HSCAN", "h", "-1"],
        // Wrong types.
        cmd!["SET", "s", "x"],
        cmd!["RPUSH", "l", "x"],
        cmd!["HSET", "s", "f", "v"],
        cmd!["HGET", "l", "f"],
        cmd!["HGETALL", "s"],
        cmd!["HRANDFIELD", "l", "1"],
        cmd!["HSCAN", "s", "0"],
        cmd!["HINCRBYFLOAT", "l", "f", "1"],
        cmd!["LPUSH", "h", "x"],
        cmd!["LRANGE", "h", "0", "-1"],
        cmd!["BLPOP", "h", "0.01"],
        cmd!["GET", "h"],
        // Encoding thresholds: 8 entries, 16 bytes.
        cmd!["DEL", "e"],
        cmd!["HSET", "e", "f", v16],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["HSET", "e", "g", v17],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["HDEL", "e", "g"],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["DEL", "e"],
        cmd!["HSET", "e", v17, "1"],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["DEL", "e"],
        cmd![
            "HSET", "e", "1", "1", "2", "2", "3", "3", "4", "4", "5", "5", "6", "6", "7", "7", "8",
            "8"
        ],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["HSET", "e", "8", "x"],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["HSETNX", "e", "9", "9"],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["HDEL", "e", "1", "2", "3", "4", "5", "6", "7"],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["DEL", "e"],
        cmd!["HSET", "e", "f", "1"],
        cmd!["HINCRBY", "e", "f", "99999999999999999"],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["DEL", "e"],
        cmd!["HSET", "e", "f", "0.1"],
        cmd!["HINCRBYFLOAT", "e", "f", "0.2"],
        cmd!["HINCRBYFLOAT", "e", "f", "0.000000001"],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["HINCRBYFLOAT", "e", "f", "1e-10"],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["HGETALL", "e"],
        cmd!["DEL", "e"],
        cmd!["HINCRBYFLOAT", "e", v17, "1"],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["DEL", "e"],
        cmd!["HSETNX", "e", "f", v17],
        cmd!["OBJECT", "ENCODING", "e"],
        cmd!["DEL", "e"],
        cmd!["HMSET", "e", "f", "1", "g", v17],
        cmd!["OBJECT", "ENCODING", "e"],
        // COPY / RENAME keep the kind and encoding.
        cmd!["COPY", "e", "e2"],
        cmd!["OBJECT", "ENCODING", "e2"],
        cmd!["RENAME", "h", "h2"],
        cmd!["HGETALL", "h2"],
        cmd!["TYPE", "h2"],
    ] {
        c.push(a);
    }
    // Insertion order while packed, after deletes and updates.
    let mut set = cmd!["HSET", "o"];
    for f in ["z", "a", "m", "b", "1", "0"] {
        set.push(f.as_bytes().to_vec());
        set.push(b"v".to_vec());
    }
    c.push(set);
    c.push(cmd!["HDEL", "o", "m"]);
    c.push(cmd!["HSET", "o", "a", "new", "m", "again"]);
    c.push(cmd!["HGETALL", "o"]);
    c.push(cmd!["HKEYS", "o"]);
    c.push(cmd!["HVALS", "o"]);
    c.push(cmd!["HSCAN", "o", "0", "COUNT", "1"]);
    c.push(cmd!["FLUSHDB"]);
    c
}
