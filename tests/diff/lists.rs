//! List commands for the differential test (`tests/redis_diff.rs`): random
//! generators and a fixed corpus of edge cases.
//!
//! Both sides run with `list-max-listpack-size 4`, so lists cross the
//! packed/quicklist boundary all the time. Known difference, not a bug:
//! Redis 7.0 answers `OBJECT ENCODING` of every list with `quicklist`,
//! while we (like Redis 7.2) say `listpack` for a list that fits one chunk;
//! `Check::ObjectEncoding` accepts exactly that pair and nothing else
//! (tests/model_lists.rs checks our list encodings precisely).
//!
//! Blocking commands use short timeouts (`0.01` mostly, or invalid ones),
//! never `0`: on an empty key both sides answer nil after ~10 ms; on a
//! non-empty key (push-then-pop) both serve at once.

use super::{Argv, BAD_INTS, FLOATS, Gen, SPECIAL_INTS, argv, assert_same_replies, b, common};

/// Keys list commands use most of the time (plus, now and then, any key of
/// the generic pool, so kinds mix and WRONGTYPE shows up).
pub(crate) const LIST_KEYS: &[&[u8]] = &[b"l1", b"l2", b"l3", b"{l}x", b"l1", b"a"];

/// Elements: duplicates on purpose (LREM, LPOS, LINSERT pivots), integers
/// (stored as integers in a listpack), the empty string, binary bytes.
const ELEMENTS: &[&str] = &[
    "a",
    "b",
    "c",
    "a",
    "b",
    "x",
    "0",
    "1",
    "-1",
    "12",
    "100",
    "",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "01",
    "+1",
    "1.5",
    " 1",
    "a\u{0}b",
    "\u{ff}",
];

/// Timeouts of blocking commands: short ones, or invalid ones. Never `0`
/// (or anything parsing as 0), which blocks forever on an empty key.
const TIMEOUTS: &[&str] = &[
    "0.01",
    "0.01",
    "0.01",
    "0.01",
    "0.005",
    "1e-5",
    "-1",
    "-0.01",
    "abc",
    "",
    "inf",
    "-inf",
    "nan",
    "0.01x",
    " 0.01",
    "9223372036854775807",
    "1e300",
];

impl Gen {
    pub(crate) fn list_key(&mut self) -> Vec<u8> {
        if self.rng.chance(90) {
            self.rng.pick(LIST_KEYS).to_vec()
        } else {
            self.key()
        }
    }

    pub(crate) fn element(&mut self) -> Vec<u8> {
        match self.rng.below(100) {
            0..=59 => b(self.rng.pick(ELEMENTS)),
            60..=74 => self.rng.range(-200, 200).to_string().into_bytes(),
            75..=84 => {
                let len = self.rng.below(24) as usize;
                self.alpha(len, b"ab")
            }
            85..=91 => {
                let len = 60 + self.rng.below(200) as usize;
                self.alpha(len, b"abc")
            }
            92..=95 => b(self.rng.pick(FLOATS)),
            96..=98 => b(self.rng.pick(SPECIAL_INTS)),
            // Past the 8 KB a packed chunk may hold.
            _ => {
                let len = 8180 + self.rng.below(40) as usize;
                self.alpha(len, b"z")
            }
        }
    }

    /// An index or range bound: mostly small, sometimes out of range,
    /// extreme or not a number.
    pub(crate) fn index_arg(&mut self) -> Vec<u8> {
        match self.rng.below(100) {
            0..=69 => self.rng.range(-8, 8).to_string().into_bytes(),
            70..=84 => self.rng.range(-100, 100).to_string().into_bytes(),
            85..=94 => b(self.rng.pick(SPECIAL_INTS)),
            _ => b(self.rng.pick(BAD_INTS)),
        }
    }

    /// A COUNT argument: 0, small, negative, huge, or not a number.
    fn count_arg(&mut self) -> Vec<u8> {
        match self.rng.below(100) {
            0..=59 => self.rng.range(1, 8).to_string().into_bytes(),
            60..=69 => b"0".to_vec(),
            70..=79 => self.rng.range(-3, -1).to_string().into_bytes(),
            80..=89 => b(self.rng.pick(&[
                "9223372036854775807",
                "2147483648",
                "1000",
                "-9223372036854775808",
                "4294967296",
            ])),
            _ => b(self.rng.pick(BAD_INTS)),
        }
    }

    fn direction(&mut self) -> Vec<u8> {
        if self.rng.chance(95) {
            let d = *self.rng.pick(&["LEFT", "RIGHT"]);
            self.name(d)
        } else {
            self.rng
                .pick(&[&b"UP"[..], b"", b"LEFT\x00", b"lefty", b"\xff"])
                .to_vec()
        }
    }

    fn timeout(&mut self) -> Vec<u8> {
        if self.rng.chance(70) {
            b"0.01".to_vec()
        } else {
            b(self.rng.pick(TIMEOUTS))
        }
    }

    fn elements(&mut self) -> Vec<Vec<u8>> {
        let n = match self.rng.below(10) {
            0..=5 => 1,
            6..=8 => self.rng.range(2, 4) as usize,
            _ => self.rng.range(5, 10) as usize,
        };
        (0..n).map(|_| self.element()).collect()
    }

    fn gen_push(&mut self) -> Vec<Argv> {
        let cmd = *self
            .rng
            .pick(&["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]);
        let mut argv = vec![self.name(cmd), self.list_key()];
        argv.extend(self.elements());
        vec![argv]
    }

    fn gen_pop(&mut self) -> Vec<Argv> {
        let cmd = *self.rng.pick(&["LPOP", "RPOP"]);
        let mut argv = vec![self.name(cmd), self.list_key()];
        match self.rng.below(10) {
            0..=4 => {}
            5..=8 => argv.push(self.count_arg()),
            _ => {
                argv.push(self.count_arg());
                argv.push(self.count_arg()); // too many arguments
            }
        }
        vec![argv]
    }

    fn gen_lpos(&mut self) -> Vec<Argv> {
        let mut argv = vec![self.name("LPOS"), self.list_key(), self.element()];
        for _ in 0..*self.rng.pick(&[0, 0, 1, 1, 1, 2, 2, 3, 4]) {
            match self.rng.below(16) {
                0..=4 => {
                    argv.push(self.name("RANK"));
                    let rank = match self.rng.below(10) {
                        0..=6 => self.rng.range(-4, 4).to_string().into_bytes(),
                        7 => b(self.rng.pick(&[
                            "-9223372036854775808",
                            "-9223372036854775807",
                            "9223372036854775807",
                        ])),
                        _ => b(self.rng.pick(BAD_INTS)),
                    };
                    argv.push(rank);
                }
                5..=9 => {
                    argv.push(self.name("COUNT"));
                    let count = match self.rng.below(10) {
                        0..=6 => self.rng.range(-1, 4).to_string().into_bytes(),
                        7 => b(self
                            .rng
                            .pick(&["9223372036854775807", "-9223372036854775808"])),
                        _ => b(self.rng.pick(BAD_INTS)),
                    };
                    argv.push(count);
                }
                10..=13 => {
                    argv.push(self.name("MAXLEN"));
                    let maxlen = match self.rng.below(10) {
                        0..=6 => self.rng.range(-1, 6).to_string().into_bytes(),
                        7 => b(self
                            .rng
                            .pick(&["9223372036854775807", "-9223372036854775808"])),
                        _ => b(self.rng.pick(BAD_INTS)),
                    };
                    argv.push(maxlen);
                }
                14 => {
                    // An option without its value.
                    let o = *self.rng.pick(&["RANK", "COUNT", "MAXLEN"]);
                    argv.push(self.name(o));
                }
                _ => argv.push(self.bad_option()),
            }
        }
        vec![argv]
    }

    fn gen_linsert(&mut self) -> Vec<Argv> {
        let position = match self.rng.below(20) {
            0..=9 => self.name("BEFORE"),
            10..=18 => self.name("AFTER"),
            _ => self.bad_option(),
        };
        // Mostly a pivot that may be there; sometimes one that is not.
        let pivot = if self.rng.chance(80) {
            b(self.rng.pick(ELEMENTS))
        } else {
            b"no-such-pivot".to_vec()
        };
        vec![vec![
            self.name("LINSERT"),
            self.list_key(),
            position,
            pivot,
            self.element(),
        ]]
    }

    fn two_list_keys(&mut self) -> (Vec<u8>, Vec<u8>) {
        let src = self.list_key();
        let dst = if self.rng.chance(25) {
            src.clone()
        } else {
            self.list_key()
        };
        (src, dst)
    }

    /// `numkeys key… LEFT|RIGHT [COUNT n]`, sometimes malformed.
    fn mpop_tail(&mut self, argv: &mut Argv) {
        let keys = self.rng.range(1, 3) as usize;
        let numkeys = match self.rng.below(20) {
            0..=15 => keys.to_string().into_bytes(),
            16 => b(self
                .rng
                .pick(&["0", "-1", "abc", "", "9223372036854775807"])),
            17 => (keys + 1).to_string().into_bytes(), // more than given
            18 => b"2147483648".to_vec(),
            _ => (keys.saturating_sub(1)).to_string().into_bytes(),
        };
        argv.push(numkeys);
        for _ in 0..keys {
            argv.push(self.list_key());
        }
        argv.push(self.direction());
        match self.rng.below(10) {
            0..=4 => {}
            5..=8 => {
                argv.push(self.name("COUNT"));
                argv.push(self.count_arg());
            }
            _ => {
                let extra = if self.rng.chance(50) {
                    self.name("COUNT")
                } else {
                    self.bad_option()
                };
                argv.push(extra);
            }
        }
    }

    fn gen_blocking(&mut self) -> Vec<Argv> {
        let argv = match self.rng.below(5) {
            0 | 1 => {
                let cmd = *self.rng.pick(&["BLPOP", "BRPOP"]);
                let mut argv = vec![self.name(cmd)];
                for _ in 0..self.rng.range(1, 3) {
                    argv.push(self.list_key());
                }
                argv.push(self.timeout());
                argv
            }
            2 => {
                let (src, dst) = self.two_list_keys();
                vec![
                    self.name("BLMOVE"),
                    src,
                    dst,
                    self.direction(),
                    self.direction(),
                    self.timeout(),
                ]
            }
            3 => {
                let (src, dst) = self.two_list_keys();
                vec![self.name("BRPOPLPUSH"), src, dst, self.timeout()]
            }
            _ => {
                let mut argv = vec![self.name("BLMPOP"), self.timeout()];
                self.mpop_tail(&mut argv);
                argv
            }
        };
        vec![argv]
    }

    /// One random list command.
    pub(crate) fn gen_list(&mut self) -> Vec<Argv> {
        match self.rng.below(100) {
            0..=21 => self.gen_push(),
            22..=33 => self.gen_pop(),
            34..=36 => vec![vec![self.name("LLEN"), self.list_key()]],
            37..=43 => vec![vec![
                self.name("LRANGE"),
                self.list_key(),
                self.index_arg(),
                self.index_arg(),
            ]],
            44..=47 => vec![vec![self.name("LINDEX"), self.list_key(), self.index_arg()]],
            48..=52 => {
                let index = if self.rng.chance(60) {
                    self.rng.range(-3, 3).to_string().into_bytes()
                } else {
                    self.index_arg()
                };
                vec![vec![
                    self.name("LSET"),
                    self.list_key(),
                    index,
                    self.element(),
                ]]
            }
            53..=57 => {
                let count = match self.rng.below(10) {
                    0..=7 => self.rng.range(-3, 3).to_string().into_bytes(),
                    _ => self.int_arg(),
                };
                vec![vec![
                    self.name("LREM"),
                    self.list_key(),
                    count,
                    self.element(),
                ]]
            }
            58..=61 => vec![vec![
                self.name("LTRIM"),
                self.list_key(),
                self.index_arg(),
                self.index_arg(),
            ]],
            62..=66 => self.gen_linsert(),
            67..=72 => self.gen_lpos(),
            73..=79 => {
                let (src, dst) = self.two_list_keys();
                vec![vec![
                    self.name("LMOVE"),
                    src,
                    dst,
                    self.direction(),
                    self.direction(),
                ]]
            }
            80..=82 => {
                let (src, dst) = self.two_list_keys();
                vec![vec![self.name("RPOPLPUSH"), src, dst]]
            }
            83..=87 => {
                let mut argv = vec![self.name("LMPOP")];
                self.mpop_tail(&mut argv);
                vec![argv]
            }
            // Each blocking call on an empty key waits 10 ms on both sides.
            88..=91 => self.gen_blocking(),
            92..=97 => vec![vec![
                self.name("OBJECT"),
                self.name("ENCODING"),
                self.list_key(),
            ]],
            _ => vec![vec![self.name("TYPE"), self.list_key()]],
        }
    }
}

/// Edge cases every run covers, whatever the seed.
pub(crate) fn corpus() -> Vec<Argv> {
    let mut c: Vec<Argv> = Vec::new();
    let big = "z".repeat(9000);
    for a in [
        // Replies on a missing key.
        cmd!["LPOP", "nl"],
        cmd!["LPOP", "nl", "0"],
        cmd!["LPOP", "nl", "2"],
        cmd!["RPOP", "nl", "-1"],
        cmd!["LRANGE", "nl", "0", "-1"],
        cmd!["LINDEX", "nl", "0"],
        cmd!["LSET", "nl", "0", "x"],
        cmd!["LREM", "nl", "0", "x"],
        cmd!["LTRIM", "nl", "0", "1"],
        cmd!["LINSERT", "nl", "BEFORE", "a", "x"],
        cmd!["LPOS", "nl", "a"],
        cmd!["LPOS", "nl", "a", "COUNT", "0"],
        cmd!["LMOVE", "nl", "l2", "LEFT", "RIGHT"],
        cmd!["RPOPLPUSH", "nl", "nl"],
        cmd!["LMPOP", "2", "nl", "nl2", "LEFT"],
        cmd!["LPUSHX", "nl", "a"],
        cmd!["EXISTS", "nl", "l2"],
        // Counts and indexes.
        cmd!["RPUSH", "l", "a", "b", "c", "d", "e", "f", "a", "b"],
        cmd!["LPOP", "l", "0"],
        cmd!["LPOP", "l", "-1"],
        cmd!["LPOP", "l", "abc"],
        cmd!["LPOP", "l", "1", "2"],
        cmd!["LRANGE", "l", "-100", "100"],
        cmd!["LRANGE", "l", "5", "2"],
        cmd!["LRANGE", "l", "9223372036854775807", "-9223372036854775808"],
        cmd!["LRANGE", "l", "-9223372036854775808", "9223372036854775807"],
        cmd!["LINDEX", "l", "-1"],
        cmd!["LINDEX", "l", "-9"],
        cmd!["LINDEX", "l", "8"],
        cmd!["LINDEX", "l", "x"],
        cmd!["LSET", "l", "8", "x"],
        cmd!["LSET", "l", "-8", "x"],
        cmd!["LSET", "l", "-9", "x"],
        cmd!["LSET", "l", "1", big],
        cmd!["LRANGE", "l", "0", "2"],
        cmd!["LPOS", "l", "a", "RANK", "0"],
        cmd!["LPOS", "l", "a", "RANK", "-1"],
        cmd!["LPOS", "l", "a", "RANK", "-9223372036854775808"],
        cmd!["LPOS", "l", "a", "RANK", "-9223372036854775807"],
        cmd!["LPOS", "l", "a", "COUNT", "0"],
        cmd!["LPOS", "l", "a", "COUNT", "-1"],
        cmd!["LPOS", "l", "a", "MAXLEN", "-1"],
        cmd!["LPOS", "l", "a", "MAXLEN", "1"],
        cmd!["LPOS", "l", "b", "RANK", "2", "COUNT", "0", "MAXLEN", "0"],
        cmd!["LPOS", "l", "a", "RANK"],
        cmd!["LPOS", "l", "a", "FOO", "1"],
        cmd!["LPOS", "l", "a", "RANK", "1", "RANK", "-1"],
        cmd!["LREM", "l", "-1", "a"],
        cmd!["LREM", "l", "0", "zz"],
        cmd!["LINSERT", "l", "AFTER", "nopivot", "x"],
        cmd!["LINSERT", "l", "MIDDLE", "a", "x"],
        cmd!["LINSERT", "l", "before", "a", "x"],
        cmd!["LRANGE", "l", "0", "-1"],
        cmd!["LTRIM", "l", "2", "1"],
        cmd!["EXISTS", "l"],
        // Integers and their text.
        cmd![
            "RPUSH",
            "n",
            "1",
            "01",
            "-0",
            "+1",
            "1.0",
            "9223372036854775807"
        ],
        cmd![
            "RPUSH",
            "n",
            "-9223372036854775808",
            "9223372036854775808",
            " 1"
        ],
        cmd!["LRANGE", "n", "0", "-1"],
        cmd!["LPOS", "n", "1", "COUNT", "0"],
        cmd!["LREM", "n", "0", "01"],
        cmd!["LRANGE", "n", "0", "-1"],
        // LMOVE / RPOPLPUSH on one key rotates it.
        cmd!["DEL", "r"],
        cmd!["RPUSH", "r", "1", "2", "3"],
        cmd!["LMOVE", "r", "r", "LEFT", "RIGHT"],
        cmd!["LMOVE", "r", "r", "RIGHT", "LEFT"],
        cmd!["LMOVE", "r", "r", "LEFT", "LEFT"],
        cmd!["RPOPLPUSH", "r", "r"],
        cmd!["LRANGE", "r", "0", "-1"],
        cmd!["LMOVE", "r", "r", "UP", "LEFT"],
        cmd!["SET", "s", "x"],
        cmd!["LMOVE", "r", "s", "LEFT", "LEFT"],
        cmd!["LMOVE", "s", "r", "LEFT", "LEFT"],
        cmd!["LMOVE", "nl", "s", "LEFT", "LEFT"],
        cmd!["LRANGE", "r", "0", "-1"],
        // LMPOP argument errors.
        cmd!["LMPOP", "0", "r", "LEFT"],
        cmd!["LMPOP", "-1", "r", "LEFT"],
        cmd!["LMPOP", "2", "r", "LEFT"],
        cmd!["LMPOP", "3", "r", "LEFT"],
        cmd!["LMPOP", "1", "r", "UP"],
        cmd!["LMPOP", "1", "r", "LEFT", "COUNT"],
        cmd!["LMPOP", "1", "r", "LEFT", "COUNT", "0"],
        cmd!["LMPOP", "1", "r", "LEFT", "COUNT", "-1"],
        cmd!["LMPOP", "1", "r", "LEFT", "COUNT", "2", "COUNT", "1"],
        cmd!["LMPOP", "1", "r", "LEFT", "FOO"],
        cmd!["LMPOP", "abc", "r", "LEFT"],
        cmd!["LMPOP", "2147483648", "r", "LEFT"],
        cmd!["LMPOP", "2", "s", "r", "LEFT"],
        cmd!["LMPOP", "2", "nl", "r", "RIGHT", "COUNT", "10"],
        cmd!["EXISTS", "r"],
        // Blocking forms: timeouts, errors, push-then-pop.
        cmd!["BLPOP", "nl", "0.01"],
        cmd!["BLPOP", "nl", "-1"],
        cmd!["BLPOP", "nl", "abc"],
        cmd!["BLPOP", "nl", "inf"],
        cmd!["BLPOP", "s", "0.01"],
        cmd!["BRPOP", "nl", "s", "0.01"],
        cmd!["RPUSH", "q", "1", "2", "3"],
        cmd!["BLPOP", "nl", "q", "0.01"],
        cmd!["BRPOP", "q", "q", "0.01"],
        cmd!["BLMOVE", "q", "q2", "LEFT", "RIGHT", "0.01"],
        cmd!["BLMOVE", "nl", "q2", "LEFT", "RIGHT", "0.01"],
        cmd!["BLMOVE", "q2", "s", "LEFT", "RIGHT", "0.01"],
        cmd!["BRPOPLPUSH", "q2", "q2", "0.01"],
        cmd!["BRPOPLPUSH", "nl", "q2", "0.01"],
        cmd!["BLMPOP", "0.01", "2", "nl", "q2", "LEFT", "COUNT", "5"],
        cmd!["BLMPOP", "0.01", "1", "nl", "LEFT"],
        cmd!["BLMPOP", "0.01", "0", "nl", "LEFT"],
        cmd!["BLMPOP", "-1", "1", "nl", "LEFT"],
        cmd!["BLMPOP", "0.01", "1", "nl", "UP"],
        cmd!["EXISTS", "q", "q2"],
        // Threshold crossings both ways (4 per chunk on both sides).
        cmd!["DEL", "t"],
        cmd!["RPUSH", "t", "1", "2", "3", "4"],
        cmd!["OBJECT", "ENCODING", "t"],
        cmd!["RPUSH", "t", "5"],
        cmd!["OBJECT", "ENCODING", "t"],
        cmd!["LINSERT", "t", "BEFORE", "3", "x"],
        cmd!["LRANGE", "t", "0", "-1"],
        cmd!["LPOP", "t", "4"],
        cmd!["OBJECT", "ENCODING", "t"],
        cmd!["LRANGE", "t", "0", "-1"],
        cmd!["RPUSH", "t", big],
        cmd!["LINDEX", "t", "-1"],
        cmd!["LRANGE", "t", "0", "-1"],
        cmd!["RPOP", "t"],
        cmd!["LTRIM", "t", "0", "0"],
        cmd!["OBJECT", "ENCODING", "t"],
        cmd!["LRANGE", "t", "0", "-1"],
    ] {
        c.push(a);
    }
    // Long lists: indexes walk several chunks.
    let mut push = cmd!["RPUSH", "long"];
    for i in 0..50 {
        push.push(i.to_string().into_bytes());
    }
    c.push(push);
    for i in [-51, -50, -26, -1, 0, 3, 4, 5, 25, 49, 50] {
        c.push(cmd!["LINDEX", "long", i.to_string()]);
    }
    c.push(cmd!["LSET", "long", "25", "x"]);
    c.push(cmd!["LINSERT", "long", "AFTER", "x", "y"]);
    c.push(cmd!["LREM", "long", "1", "y"]);
    c.push(cmd!["LPOS", "long", "49", "MAXLEN", "49"]);
    c.push(cmd!["LPOS", "long", "49", "MAXLEN", "50"]);
    c.push(cmd!["LPOS", "long", "0", "RANK", "-1"]);
    c.push(cmd!["LTRIM", "long", "3", "-3"]);
    c.push(cmd!["LRANGE", "long", "0", "-1"]);
    c.push(cmd!["LRANGE", "long", "10", "12"]);
    c.push(cmd!["FLUSHDB"]);
    c
}

/// Redis 7.0 converts the timeout's milliseconds to a `long long` without a
/// range check (`(long long) ceill(ms)`), which yields `LLONG_MIN` on x86
/// for anything past the range, so `inf`, `1e300` and
/// `9223372036854775807` seconds all answer "ERR timeout is negative"
/// (checked with redis-server 7.0.15). We answer "ERR timeout is out of
/// range" until src/blocking.rs `parse_timeout` was fixed; stays as a guard.
#[test]
fn regression_blocking_timeout_past_i64_milliseconds() {
    assert_same_replies(&[
        cmd!["BLPOP", "k", "inf"],
        cmd!["BLPOP", "k", "+inf"],
        cmd!["BRPOP", "k", "1e300"],
        cmd!["BLMOVE", "k", "d", "LEFT", "LEFT", "9223372036854775807"],
        cmd!["BLMPOP", "inf", "1", "k", "LEFT"],
    ]);
}

/// `9223372036854776` seconds is 9223372036854776000 ms, past `i64::MAX`,
/// but `i64::MAX as f64` rounds up to 2^63 and the two compare equal in
/// `parse_timeout`'s `ms > i64::MAX as f64`, so the store accepts it and
/// blocks for ~292 million years where Redis answers "ERR timeout is
/// negative". Run on its own thread under a watchdog so that the bug fails
/// the test instead of hanging it (the blocked thread is left behind).
#[test]
fn regression_blocking_timeout_just_past_i64_milliseconds_does_not_block() {
    let reply = common::watchdog::with_watchdog(
        "BLPOP k 9223372036854776",
        std::time::Duration::from_secs(5),
        || {
            let store = super::small_store();
            super::reply_to_resp(&store.execute(&["BLPOP", "k", "9223372036854776"]))
        },
    );
    assert_eq!(
        reply,
        super::Resp::Error(b"ERR timeout is negative".to_vec())
    );
}
