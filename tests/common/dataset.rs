//! Random datasets of every kind for the persistence tests: a fixed part
//! that reaches every encoding (strings that are integers, binary or long;
//! small lists and quicklists; intsets, listpack and hashtable sets; small
//! and big hashes, with field TTLs; small and big sorted sets with `inf`,
//! `-inf` and `-0` scores; keys with TTLs), then random write commands run
//! through [`Store::execute`] so that the persistence sees every canonical
//! form (`SET … PXAT`, `SREM` for `SPOP`, `SET … KEEPTTL` for
//! `INCRBYFLOAT`, `DEL` of expired keys …), with the clock moving on.

use std::time::Duration;

use kvstore::{ManualClock, Reply, Store};

use super::rng::Rng;

/// What a dataset may contain.
#[derive(Debug, Clone, Copy)]
pub struct DataOptions {
    /// Hash field TTLs (`HPEXPIREAT`…; Redis 7.0 has none).
    pub hash_field_ttls: bool,
    /// The shortest relative TTL given, in milliseconds; with the clock
    /// advancing by up to `max_step_ms` per step, short ones expire during
    /// the run.
    pub min_ttl_ms: i64,
    /// The longest relative TTL.
    pub max_ttl_ms: i64,
    /// Largest clock step between commands (0: the clock stands still).
    pub max_step_ms: u64,
    /// Random commands after the fixed part.
    pub commands: usize,
}

impl DataOptions {
    /// Everything the store supports; TTLs short enough that some keys and
    /// fields expire while the dataset is built.
    pub fn full(commands: usize) -> DataOptions {
        DataOptions {
            hash_field_ttls: true,
            min_ttl_ms: 50,
            max_ttl_ms: 100_000,
            max_step_ms: 400,
            commands,
        }
    }

    /// What Redis 7.0 loads: no hash field TTLs, every TTL at least a day
    /// away (the store's clock and Redis's must not disagree about what is
    /// expired), the clock standing still.
    pub fn redis_7_0(commands: usize) -> DataOptions {
        DataOptions {
            hash_field_ttls: false,
            min_ttl_ms: 86_400_000,
            max_ttl_ms: 30 * 86_400_000,
            max_step_ms: 0,
            commands,
        }
    }
}

/// Builds datasets on one store.
pub struct DataGen<'a> {
    store: &'a Store,
    clock: &'a ManualClock,
    pub rng: Rng,
    options: DataOptions,
    /// Commands answered with an error (WRONGTYPE and the like are expected
    /// now and then; they must leave nothing behind).
    pub errors: usize,
    /// Commands run.
    pub ran: usize,
}

fn b(s: impl AsRef<[u8]>) -> Vec<u8> {
    s.as_ref().to_vec()
}

fn num(n: impl ToString) -> Vec<u8> {
    n.to_string().into_bytes()
}

const SCORES: &[&str] = &[
    "inf",
    "-inf",
    "+inf",
    "-0",
    "0",
    "1.5",
    "-2.25",
    "1e300",
    "-1e-300",
    "3",
    "42",
    "0.1",
    "123456789012345678",
    "-7",
];

impl<'a> DataGen<'a> {
    pub fn new(store: &'a Store, clock: &'a ManualClock, seed: u64, options: DataOptions) -> Self {
        DataGen {
            store,
            clock,
            rng: Rng::new(seed),
            options,
            errors: 0,
            ran: 0,
        }
    }

    fn now(&self) -> i64 {
        kvstore::Clock::now_ms(self.clock)
    }

    /// Runs one command; an error reply is counted, a wrong arity or an
    /// unknown command (a bug in this generator) fails the test.
    pub fn run(&mut self, argv: &[Vec<u8>]) -> Reply {
        let reply = self.store.execute(argv);
        self.note(argv, &reply);
        reply
    }

    /// Counts a command's outcome (see [`DataGen::run`]).
    fn note(&mut self, argv: &[Vec<u8>], reply: &Reply) {
        self.ran += 1;
        if let Reply::Error(e) = reply {
            let text = e.to_string();
            assert!(
                !text.contains("wrong number of arguments")
                    && !text.contains("unknown command")
                    && !text.contains("syntax error"),
                "generator bug: {} -> {text}",
                super::redis::format_argv(argv)
            );
            self.errors += 1;
        }
    }

    fn ok(&mut self, argv: &[Vec<u8>]) {
        let reply = self.run(argv);
        assert!(
            !reply.is_error(),
            "{} -> {reply:?}",
            super::redis::format_argv(argv)
        );
    }

    fn step(&mut self) {
        if self.options.max_step_ms > 0 && self.rng.chance(30) {
            let ms = self.rng.below(self.options.max_step_ms + 1);
            self.clock.advance(Duration::from_millis(ms));
        }
    }

    fn ttl_ms(&mut self) -> i64 {
        self.rng
            .range(self.options.min_ttl_ms, self.options.max_ttl_ms)
    }

    /// A string value: short, an integer, binary, empty, long, rarely big.
    pub fn value(&mut self) -> Vec<u8> {
        match self.rng.below(12) {
            0 => num(self.rng.range(-1000, 1000)),
            1 => num(*self.rng.pick(&[i64::MAX, i64::MIN, 0, -1, 4_294_967_296])),
            2 => b(""),
            3 => {
                let n = self.rng.range(1, 40) as usize;
                (0..n).map(|_| self.rng.below(256) as u8).collect()
            }
            4 => b(b"a\0b\r\n\xff\xfe"),
            5 => {
                let n = self.rng.range(45, 300) as usize;
                (0..n).map(|i| b'a' + (i % 26) as u8).collect()
            }
            6 if self.rng.chance(10) => vec![b'x'; 10_000],
            7 => num(format!(
                "{}.{}",
                self.rng.range(-99, 99),
                self.rng.below(1000)
            )),
            _ => num(format!("v{}", self.rng.below(100_000))),
        }
    }

    /// A set member: mostly integers (intsets), sometimes strings.
    fn member(&mut self) -> Vec<u8> {
        if self.rng.chance(60) {
            num(self.rng.range(-200, 200))
        } else if self.rng.chance(10) {
            vec![b'm'; 70]
        } else {
            num(format!("m{}", self.rng.below(300)))
        }
    }

    fn field(&mut self) -> Vec<u8> {
        match self.rng.below(10) {
            0 => b(b"f\0\xff"),
            1 => num(self.rng.below(50)),
            _ => num(format!("f{}", self.rng.below(40))),
        }
    }

    fn score(&mut self) -> Vec<u8> {
        if self.rng.chance(50) {
            b(self.rng.pick(SCORES))
        } else {
            num(format!("{}", self.rng.range(-1000, 1000) as f64 / 8.0))
        }
    }

    /// A key of `kind`'s small pool, or of the pool every kind shares.
    fn key(&mut self, kind: &str) -> Vec<u8> {
        match self.rng.below(20) {
            0 => num(format!("any:{}", self.rng.below(6))),
            1 => {
                let mut k = b(b"bin\0\xff\r\n:");
                k.extend_from_slice(kind.as_bytes());
                k
            }
            _ => num(format!("{kind}:{}", self.rng.below(10))),
        }
    }

    /// The fixed part: one key of each encoding and the special scores.
    pub fn fixed(&mut self) {
        let now = self.now();
        let far = now + 3 * 86_400_000;
        self.ok(&[b("SET"), b("str:int"), b("12345")]);
        self.ok(&[b("SET"), b("str:neg"), num(i64::MIN)]);
        self.ok(&[b("SET"), b("str:bin"), b(b"\0\r\n\xff*1\r\n$3")]);
        self.ok(&[b("SET"), b("str:empty"), b("")]);
        self.ok(&[b("SET"), b("str:long"), vec![b'L'; 5000]]);
        self.ok(&[b("SET"), b("str:ttl"), b("t"), b("PXAT"), num(far)]);
        self.ok(&[b("SET"), b("str:ex"), b("e"), b("EX"), b("100000")]);
        self.ok(&[b("INCRBYFLOAT"), b("str:float"), b("3.0e3")]);
        // Lists: a listpack, a quicklist of many nodes, one of big elements.
        self.ok(&[b("RPUSH"), b("list:small"), b("a"), b(""), b("1"), b(b"\0")]);
        for chunk in 0..8 {
            let mut argv = vec![b("RPUSH"), b("list:quick")];
            argv.extend((0..100).map(|i| num(format!("item-{chunk}-{i}-padding-padding"))));
            self.ok(&argv);
        }
        self.ok(&[b("LPUSH"), b("list:bigelems"), vec![b'q'; 9000], b("x")]);
        self.ok(&[b("PEXPIREAT"), b("list:quick"), num(far + 1)]);
        // Sets: intset, listpack, hashtable (by count and by member size).
        let mut argv = vec![b("SADD"), b("set:intset")];
        argv.extend((0..100).map(|i| num(i * 7 - 300)));
        self.ok(&argv);
        self.ok(&[b("SADD"), b("set:listpack"), b("a"), b("b"), b("1"), b("")]);
        let mut argv = vec![b("SADD"), b("set:table")];
        argv.extend((0..300).map(|i| num(format!("member{i}"))));
        self.ok(&argv);
        let mut argv = vec![b("SADD"), b("set:bigints")];
        argv.extend((0..600).map(num));
        self.ok(&argv);
        self.ok(&[b("SADD"), b("set:longmember"), vec![b's'; 100]]);
        // Hashes: listpack, hashtable, with field TTLs.
        self.ok(&[b("HSET"), b("hash:small"), b("f"), b("v"), b("n"), b("7")]);
        let mut argv = vec![b("HSET"), b("hash:big")];
        for i in 0..200 {
            argv.push(num(format!("field{i}")));
            argv.push(num(format!("value{i}")));
        }
        self.ok(&argv);
        self.ok(&[b("HSET"), b("hash:longvalue"), b("f"), vec![b'h'; 100]]);
        if self.options.hash_field_ttls {
            let mut argv = vec![b("HSET"), b("hash:fieldttl")];
            for i in 0..30 {
                argv.push(num(format!("f{i}")));
                argv.push(num(i));
            }
            self.ok(&argv);
            let mut argv = vec![
                b("HPEXPIREAT"),
                b("hash:fieldttl"),
                num(far),
                b("FIELDS"),
                b("10"),
            ];
            argv.extend((0..10).map(|i| num(format!("f{i}"))));
            self.ok(&argv);
            // These expire while the dataset is built (when the clock moves).
            let mut argv = vec![
                b("HPEXPIREAT"),
                b("hash:fieldttl"),
                num(now + 100),
                b("FIELDS"),
                b("3"),
            ];
            argv.extend((10..13).map(|i| num(format!("f{i}"))));
            self.ok(&argv);
            self.ok(&[
                b("HSET"),
                b("hash:fieldttl-small"),
                b("a"),
                b("1"),
                b("b"),
                b("2"),
            ]);
            self.ok(&[
                b("HPEXPIRE"),
                b("hash:fieldttl-small"),
                b("500000"),
                b("FIELDS"),
                b("1"),
                b("a"),
            ]);
            self.ok(&[b("PEXPIREAT"), b("hash:fieldttl-small"), num(far + 2)]);
        }
        // Sorted sets: special scores, a skiplist.
        let mut argv = vec![b("ZADD"), b("zset:special")];
        for (i, s) in ["inf", "-inf", "-0", "1.5", "1e300", "-1e-300", "0.1"]
            .iter()
            .enumerate()
        {
            argv.push(b(s));
            argv.push(num(format!("m{i}")));
        }
        self.ok(&argv);
        let mut argv = vec![b("ZADD"), b("zset:big")];
        for i in 0..300 {
            argv.push(num(format!("{}", f64::from(i) / 3.0)));
            argv.push(num(format!("member{i}")));
        }
        self.ok(&argv);
        self.ok(&[
            b("ZADD"),
            b("zset:skiplist-special"),
            b("-0"),
            b("z"),
            b("inf"),
            vec![b'z'; 80],
        ]);
    }

    /// One random write command.
    pub fn random_command(&mut self) -> Vec<Vec<u8>> {
        let ttl = self.ttl_ms();
        let at = self.now() + self.ttl_ms();
        match self.rng.below(60) {
            // Strings.
            0..=3 => {
                let mut argv = vec![b("SET"), self.key("str"), self.value()];
                match self.rng.below(8) {
                    0 => argv.extend([b("PX"), num(ttl)]),
                    1 => argv.extend([b("EX"), num(ttl / 1000 + 1)]),
                    2 => argv.extend([b("PXAT"), num(at)]),
                    3 => argv.push(b("KEEPTTL")),
                    4 => argv.push(b("NX")),
                    5 => argv.extend([b("XX"), b("GET")]),
                    _ => {}
                }
                argv
            }
            4 => vec![
                b("SETEX"),
                self.key("str"),
                num(ttl / 1000 + 1),
                self.value(),
            ],
            5 => vec![b("PSETEX"), self.key("str"), num(ttl), self.value()],
            6 => vec![b("GETSET"), self.key("str"), self.value()],
            7 => vec![b("GETDEL"), self.key("str")],
            8 => match self.rng.below(3) {
                0 => vec![b("GETEX"), self.key("str"), b("PX"), num(ttl)],
                1 => vec![b("GETEX"), self.key("str"), b("PERSIST")],
                _ => vec![b("GETEX"), self.key("str"), b("EXAT"), num(at / 1000 + 1)],
            },
            9 => vec![
                b("MSET"),
                self.key("str"),
                self.value(),
                self.key("str"),
                self.value(),
            ],
            10 => vec![
                b("MSETNX"),
                self.key("str"),
                self.value(),
                self.key("str"),
                self.value(),
            ],
            11 | 12 => vec![b("INCRBY"), self.key("str"), num(self.rng.range(-100, 100))],
            13 => vec![b("INCR"), self.key("str")],
            14 => vec![b("INCRBYFLOAT"), self.key("str"), b("1.25")],
            15 => vec![b("APPEND"), self.key("str"), self.value()],
            16 => vec![
                b("SETRANGE"),
                self.key("str"),
                num(self.rng.below(20)),
                self.value(),
            ],
            // Generic.
            17 => vec![b("DEL"), self.key("str"), self.key("list")],
            18 => vec![b("UNLINK"), self.key("set")],
            19 => {
                let kinds = ["str", "list", "set", "hash", "zset"];
                let kind = *self.rng.pick(&kinds);
                vec![b("RENAME"), self.key(kind), self.key(kind)]
            }
            20 => {
                let kinds = ["str", "list", "set", "hash", "zset"];
                let kind = *self.rng.pick(&kinds);
                let mut argv = vec![b("COPY"), self.key(kind), self.key(kind)];
                if self.rng.chance(50) {
                    argv.push(b("REPLACE"));
                }
                argv
            }
            21 | 22 => {
                let kinds = ["str", "list", "set", "hash", "zset"];
                let kind = *self.rng.pick(&kinds);
                let key = self.key(kind);
                match self.rng.below(5) {
                    0 => vec![b("EXPIRE"), key, num(ttl / 1000 + 1)],
                    1 => vec![b("PEXPIRE"), key, num(ttl)],
                    2 => vec![b("EXPIREAT"), key, num(at / 1000 + 1)],
                    3 => vec![b("PEXPIREAT"), key, num(at)],
                    _ => vec![b("PERSIST"), key],
                }
            }
            // Lists.
            23..=26 => {
                let name = if self.rng.chance(50) {
                    "LPUSH"
                } else {
                    "RPUSH"
                };
                let mut argv = vec![b(name), self.key("list")];
                let n = if self.rng.chance(10) {
                    150
                } else {
                    self.rng.range(1, 5)
                };
                for _ in 0..n {
                    argv.push(self.value());
                }
                argv
            }
            27 => vec![b("LPOP"), self.key("list"), num(self.rng.range(1, 3))],
            28 => vec![b("RPOP"), self.key("list")],
            29 => vec![
                b("LSET"),
                self.key("list"),
                num(self.rng.range(-3, 3)),
                self.value(),
            ],
            30 => vec![
                b("LREM"),
                self.key("list"),
                num(self.rng.range(-2, 2)),
                self.value(),
            ],
            31 => vec![
                b("LTRIM"),
                self.key("list"),
                num(self.rng.range(0, 3)),
                num(self.rng.range(-50, 200)),
            ],
            32 => vec![
                b("LINSERT"),
                self.key("list"),
                b("BEFORE"),
                b("a"),
                self.value(),
            ],
            33 => vec![
                b("LMOVE"),
                self.key("list"),
                self.key("list"),
                b("LEFT"),
                b("RIGHT"),
            ],
            34 => vec![
                b("LMPOP"),
                b("2"),
                self.key("list"),
                self.key("list"),
                b("RIGHT"),
                b("COUNT"),
                b("2"),
            ],
            // Sets.
            35..=38 => {
                let mut argv = vec![b("SADD"), self.key("set")];
                let n = if self.rng.chance(10) {
                    200
                } else {
                    self.rng.range(1, 6)
                };
                for _ in 0..n {
                    argv.push(self.member());
                }
                argv
            }
            39 => vec![b("SREM"), self.key("set"), self.member(), self.member()],
            40 => vec![b("SPOP"), self.key("set"), num(self.rng.range(1, 3))],
            41 => vec![b("SMOVE"), self.key("set"), self.key("set"), self.member()],
            42 => {
                let name = *self.rng.pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]);
                vec![b(name), self.key("set"), self.key("set"), self.key("set")]
            }
            // Hashes.
            43..=46 => {
                let mut argv = vec![b("HSET"), self.key("hash")];
                let n = if self.rng.chance(10) {
                    150
                } else {
                    self.rng.range(1, 4)
                };
                for _ in 0..n {
                    argv.push(self.field());
                    argv.push(self.value());
                }
                argv
            }
            47 => vec![b("HDEL"), self.key("hash"), self.field()],
            48 => vec![
                b("HINCRBY"),
                self.key("hash"),
                self.field(),
                num(self.rng.range(-5, 5)),
            ],
            49 => vec![b("HINCRBYFLOAT"), self.key("hash"), self.field(), b("0.5")],
            50 => vec![b("HSETNX"), self.key("hash"), self.field(), self.value()],
            51 if self.options.hash_field_ttls => {
                let (key, f1, f2) = (self.key("hash"), self.field(), self.field());
                match self.rng.below(4) {
                    0 => vec![b("HPEXPIREAT"), key, num(at), b("FIELDS"), b("2"), f1, f2],
                    1 => vec![b("HPEXPIRE"), key, num(ttl), b("FIELDS"), b("1"), f1],
                    2 => vec![
                        b("HEXPIRE"),
                        key,
                        num(ttl / 1000 + 1),
                        b("NX"),
                        b("FIELDS"),
                        b("1"),
                        f1,
                    ],
                    _ => vec![b("HPERSIST"), key, b("FIELDS"), b("1"), f1],
                }
            }
            // Sorted sets.
            52..=55 => {
                let mut argv = vec![b("ZADD"), self.key("zset")];
                if self.rng.chance(10) {
                    argv.push(b(*self.rng.pick(&["NX", "XX", "GT", "LT", "CH"])));
                }
                let n = if self.rng.chance(10) {
                    150
                } else {
                    self.rng.range(1, 4)
                };
                for _ in 0..n {
                    argv.push(self.score());
                    argv.push(self.member());
                }
                argv
            }
            56 => vec![b("ZINCRBY"), self.key("zset"), self.score(), self.member()],
            57 => vec![b("ZREM"), self.key("zset"), self.member()],
            58 => match self.rng.below(3) {
                0 => vec![b("ZPOPMIN"), self.key("zset"), b("2")],
                1 => vec![b("ZREMRANGEBYRANK"), self.key("zset"), b("0"), b("1")],
                _ => vec![
                    b("ZUNIONSTORE"),
                    self.key("zset"),
                    b("2"),
                    self.key("zset"),
                    self.key("zset"),
                ],
            },
            _ => vec![
                b("ZRANGESTORE"),
                self.key("zset"),
                self.key("zset"),
                b("0"),
                b("-1"),
            ],
        }
    }

    /// `n` random write commands, with the clock moving between them;
    /// now and then 2 or 3 of them in one transaction (`MULTI` … `EXEC` in
    /// the log).
    pub fn random(&mut self, n: usize) {
        let mut done = 0;
        while done < n {
            self.step();
            if self.rng.chance(4) {
                let count = self.rng.range(2, 3) as usize;
                let batch: Vec<Vec<Vec<u8>>> = (0..count).map(|_| self.random_command()).collect();
                let replies = self
                    .store
                    .transaction_all(|tx| -> kvstore::Result<Vec<Reply>> {
                        Ok(batch.iter().map(|argv| tx.execute(argv)).collect())
                    })
                    .expect("transaction");
                for (argv, reply) in batch.iter().zip(&replies) {
                    self.note(argv, reply);
                }
                done += count;
            } else {
                let argv = self.random_command();
                self.run(&argv);
                done += 1;
            }
        }
    }

    /// The fixed part, then the configured number of random commands.
    pub fn fill(&mut self) {
        self.fixed();
        let n = self.options.commands;
        self.random(n);
    }
}
