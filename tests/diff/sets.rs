//! Set commands for the differential test (`tests/redis_diff.rs`): random
//! generators, the comparisons that unordered or random replies need, and a
//! fixed corpus of edge cases.
//!
//! Both sides run with `set-max-intset-entries 8` (and the store with
//! `set-max-listpack-entries 8`, `set-max-listpack-value 16`, which Redis
//! 7.0 lacks), so sets cross their encodings often. Known difference, not a
//! bug: Redis 7.0 has no listpack sets, so where it says `hashtable` we
//! (like Redis 7.2) may say `listpack`; `OBJECT ENCODING` accepts exactly
//! that pair for a key whose TYPE is `set` (tests/model_sets.rs checks our
//! set encodings precisely).
//!
//! Comparisons (`SetCheck`):
//! - SMEMBERS: exact while Redis's set is an intset (sorted integers), else
//!   as sorted lists (two hash tables order members differently).
//! - SINTER / SUNION / SDIFF: as sorted lists (duplicates would show).
//! - SRANDMEMBER: random, so only the shape: nil / empty iff Redis says so,
//!   the length Redis's count rule gives, every member from the set,
//!   distinct ones for a positive count. Errors exactly.
//! - SPOP: the members of the set are read on both sides first; each side's
//!   reply must have the right shape, be taken from the set, and what is
//!   left must be the set minus what was popped. Then the store is made
//!   equal to Redis again by adding back / removing the members the two
//!   pops chose differently (this never crosses an encoding threshold: the
//!   set only gets back members it had), so later commands compare exactly.
//!   An SPOP that leaves few members rebuilds the set from those (Redis
//!   7.0's case 3), so the encoding depends on which were kept: where
//!   Redis then has an intset and the store not, the store's set is rebuilt
//!   too (`SUNIONSTORE key key`, expire time restored).
//! - SSCAN: iterated to the end on both sides, the member sets compared;
//!   from a non-zero cursor, only that each member exists.
//!
//! Negative SRANDMEMBER counts stay small: Redis 7.0 builds the whole reply
//! in memory and was killed by `SRANDMEMBER s -9223372036854775807`.

use std::collections::BTreeSet;

use super::{Argv, BAD_INTS, Gen, Plain, Resp, Runner, SPECIAL_INTS, argv, b, is_zero_cursor};

/// Keys set commands use most of the time (`c` is also a common key of the
/// string commands, for WRONGTYPE).
pub(crate) const SET_KEYS: &[&[u8]] = &[b"s1", b"s2", b"s3", b"{s}x", b"s1", b"c"];

/// Members: integers of every intset width, integer-looking strings that
/// are not integers for Redis, short and threshold-long strings, binary.
const MEMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "-1",
    "7",
    "10",
    "100",
    "-100",
    "32767",
    "32768",
    "-32769",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "01",
    "+1",
    "-0",
    " 1",
    "1.5",
    "1e3",
    "a",
    "b",
    "c",
    "x",
    "abc",
    "",
    "a\u{0}b",
    "\u{ff}",
    "sixteen-bytes-16",
    "seventeen-bytes17",
];

/// How the runner compares a set command whose reply is unordered or random.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetCheck {
    /// SMEMBERS.
    Members,
    /// SINTER, SUNION, SDIFF.
    Unordered,
    /// SRANDMEMBER.
    RandMember,
    /// SPOP.
    Pop,
    /// SSCAN.
    Scan,
}

/// The check a set command needs, if not an exact comparison.
pub(crate) fn check_for(argv: &[Vec<u8>]) -> Option<SetCheck> {
    let name = argv.first()?.to_ascii_lowercase();
    match name.as_slice() {
        b"smembers" if argv.len() == 2 => Some(SetCheck::Members),
        b"sinter" | b"sunion" | b"sdiff" if argv.len() >= 2 => Some(SetCheck::Unordered),
        b"srandmember" if argv.len() >= 2 => Some(SetCheck::RandMember),
        b"spop" if argv.len() >= 2 => Some(SetCheck::Pop),
        b"sscan" if argv.len() >= 3 => Some(SetCheck::Scan),
        _ => None,
    }
}

impl Gen {
    pub(crate) fn set_key(&mut self) -> Vec<u8> {
        if self.rng.chance(90) {
            self.rng.pick(SET_KEYS).to_vec()
        } else {
            self.key()
        }
    }

    pub(crate) fn member(&mut self) -> Vec<u8> {
        match self.rng.below(100) {
            0..=59 => b(self.rng.pick(MEMBERS)),
            60..=79 => self.rng.range(-20, 20).to_string().into_bytes(),
            80..=84 => b(self.rng.pick(SPECIAL_INTS)),
            85..=94 => {
                let len = 14 + self.rng.below(6) as usize; // around the 16-byte limit
                self.alpha(len, b"m")
            }
            _ => {
                let len = self.rng.below(70) as usize;
                self.alpha(len, b"mn")
            }
        }
    }

    fn members(&mut self) -> Vec<Vec<u8>> {
        let n = match self.rng.below(10) {
            0..=5 => 1,
            6..=8 => self.rng.range(2, 4) as usize,
            _ => self.rng.range(5, 12) as usize,
        };
        (0..n).map(|_| self.member()).collect()
    }

    /// `numkeys` for a command given `keys` keys: mostly right, sometimes
    /// zero, negative, too big, not a number.
    pub(crate) fn numkeys(&mut self, keys: usize) -> Vec<u8> {
        match self.rng.below(20) {
            0..=15 => keys.to_string().into_bytes(),
            16 => b(self
                .rng
                .pick(&["0", "-1", "abc", "", "9223372036854775807", "2147483648"])),
            17 => (keys + 1).to_string().into_bytes(),
            _ => keys.saturating_sub(1).to_string().into_bytes(),
        }
    }

    /// A LIMIT value (SINTERCARD / ZINTERCARD).
    pub(crate) fn card_limit(&mut self) -> Vec<u8> {
        match self.rng.below(10) {
            0..=6 => self.rng.range(0, 5).to_string().into_bytes(),
            7 => b(self.rng.pick(&["-1", "9223372036854775807"])),
            _ => b(self.rng.pick(BAD_INTS)),
        }
    }

    fn gen_sintercard(&mut self) -> Vec<Argv> {
        let keys = self.rng.range(1, 3) as usize;
        let mut argv = vec![self.name("SINTERCARD"), self.numkeys(keys)];
        for _ in 0..keys {
            argv.push(self.set_key());
        }
        match self.rng.below(10) {
            0..=4 => {}
            5..=8 => {
                argv.push(self.name("LIMIT"));
                argv.push(self.card_limit());
            }
            _ => argv.push(self.bad_option()),
        }
        vec![argv]
    }

    fn gen_spop(&mut self) -> Vec<Argv> {
        let mut argv = vec![self.name("SPOP"), self.set_key()];
        match self.rng.below(10) {
            0..=3 => {}
            4..=8 => {
                let count = match self.rng.below(10) {
                    0..=6 => self.rng.range(0, 10).to_string().into_bytes(),
                    7 => b(self.rng.pick(&["-1", "9223372036854775807", "1000"])),
                    _ => b(self.rng.pick(BAD_INTS)),
                };
                argv.push(count);
            }
            _ => {
                argv.push(b"1".to_vec());
                argv.push(b"1".to_vec()); // too many arguments
            }
        }
        vec![argv]
    }

    fn gen_srandmember(&mut self) -> Vec<Argv> {
        let mut argv = vec![self.name("SRANDMEMBER"), self.set_key()];
        if self.rng.chance(25) {
            return vec![argv];
        }
        // Never a big negative count: Redis would build the whole reply.
        let count: Vec<u8> = match self.rng.below(20) {
            0..=8 => self.rng.range(0, 12).to_string().into_bytes(),
            9..=14 => self.rng.range(-12, -1).to_string().into_bytes(),
            15 => b(self
                .rng
                .pick(&["9223372036854775807", "1000", "2147483648"])),
            16 => b"-9223372036854775808".to_vec(),
            _ => b(self.rng.pick(BAD_INTS)),
        };
        argv.push(count);
        if self.rng.chance(5) {
            argv.push(self.bad_option());
        }
        vec![argv]
    }

    fn gen_sscan(&mut self) -> Vec<Argv> {
        let cursor: Vec<u8> = if self.rng.chance(85) {
            b"0".to_vec()
        } else {
            b(self
                .rng
                .pick(&["", "-1", "1", "abc", "18446744073709551616", "5"]))
        };
        let mut argv = vec![self.name("SSCAN"), self.set_key(), cursor];
        self.scan_options(&mut argv);
        vec![argv]
    }

    /// MATCH / COUNT options of SSCAN and ZSCAN, sometimes malformed.
    pub(crate) fn scan_options(&mut self, argv: &mut Argv) {
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
                        b"a*",
                        b"?",
                        b"1*",
                        b"-*",
                        b"[a-c]*",
                        b"*\x00*",
                        b"",
                        b"m*",
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
    }

    /// A key for a multi-key set command: mostly set keys.
    fn set_keys(&mut self, min: i64, max: i64) -> Vec<Vec<u8>> {
        let n = self.rng.range(min, max) as usize;
        (0..n).map(|_| self.set_key()).collect()
    }

    /// One random set command.
    pub(crate) fn gen_sets(&mut self) -> Vec<Argv> {
        match self.rng.below(100) {
            0..=21 => {
                let mut argv = vec![self.name("SADD"), self.set_key()];
                argv.extend(self.members());
                vec![argv]
            }
            22..=30 => {
                let mut argv = vec![self.name("SREM"), self.set_key()];
                argv.extend(self.members());
                vec![argv]
            }
            31..=35 => vec![vec![self.name("SMEMBERS"), self.set_key()]],
            36..=38 => vec![vec![self.name("SISMEMBER"), self.set_key(), self.member()]],
            39..=40 => {
                let mut argv = vec![self.name("SMISMEMBER"), self.set_key()];
                argv.extend(self.members());
                vec![argv]
            }
            41..=43 => vec![vec![self.name("SCARD"), self.set_key()]],
            44..=50 => self.gen_spop(),
            51..=55 => self.gen_srandmember(),
            56..=61 => {
                let src = self.set_key();
                let dst = if self.rng.chance(15) {
                    src.clone()
                } else {
                    self.set_key()
                };
                vec![vec![self.name("SMOVE"), src, dst, self.member()]]
            }
            62..=70 => {
                let cmd = *self.rng.pick(&["SINTER", "SUNION", "SDIFF"]);
                let mut argv = vec![self.name(cmd)];
                argv.extend(self.set_keys(1, 4));
                vec![argv]
            }
            71..=73 => self.gen_sintercard(),
            74..=81 => {
                let cmd = *self.rng.pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]);
                let mut argv = vec![self.name(cmd), self.set_key()];
                argv.extend(self.set_keys(1, 3));
                vec![argv]
            }
            82..=87 => self.gen_sscan(),
            88..=94 => vec![vec![
                self.name("OBJECT"),
                self.name("ENCODING"),
                self.set_key(),
            ]],
            95..=96 => vec![vec![self.name("TYPE"), self.set_key()]],
            _ => vec![vec![self.name("DEL"), self.set_key()]],
        }
    }
}

// ---------------------------------------------------------------------------
// Comparisons that need more commands.
// ---------------------------------------------------------------------------

/// The members of an array reply, or None if it is not an array of bulks.
pub(crate) fn member_set(reply: &Resp) -> Option<BTreeSet<Vec<u8>>> {
    let Resp::Array(items) = reply else {
        return None;
    };
    items
        .iter()
        .map(|r| match r {
            Resp::Bulk(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

/// Sorted items of an array reply (duplicates kept).
fn sorted(reply: &Resp) -> Option<Vec<Resp>> {
    let Resp::Array(items) = reply else {
        return None;
    };
    let mut out = items.clone();
    out.sort_by_key(|r| format!("{r:?}"));
    Some(out)
}

/// The count argument of SRANDMEMBER / SPOP as Redis parsed it.
fn count_of(argv: &[Vec<u8>], at: usize) -> Result<i64, String> {
    std::str::from_utf8(&argv[at])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "count did not parse but the reply is not an error".to_owned())
}

/// Checks an SPOP reply against the set before and after it: the members
/// popped, which the caller uses to resynchronise.
fn check_pop(
    argv: &[Vec<u8>],
    reply: &Resp,
    before: &BTreeSet<Vec<u8>>,
    after: &BTreeSet<Vec<u8>>,
) -> Result<BTreeSet<Vec<u8>>, String> {
    let popped: Vec<Vec<u8>> = if argv.len() == 2 {
        match reply {
            Resp::NullBulk if before.is_empty() => vec![],
            Resp::Bulk(m) => vec![m.clone()],
            other => return Err(format!("{other:?}: not nil or a member")),
        }
    } else {
        let count = count_of(argv, 2)?;
        let Resp::Array(items) = reply else {
            return Err(format!("not an array: {reply:?}"));
        };
        let expected = (count.max(0) as u64).min(before.len() as u64);
        if items.len() as u64 != expected {
            return Err(format!("{} items, expected {expected}", items.len()));
        }
        items
            .iter()
            .map(|r| match r {
                Resp::Bulk(m) => Ok(m.clone()),
                other => Err(format!("non-bulk member {other:?}")),
            })
            .collect::<Result<_, _>>()?
    };
    let set: BTreeSet<Vec<u8>> = popped.iter().cloned().collect();
    if set.len() != popped.len() {
        return Err("a member popped twice".into());
    }
    if let Some(m) = set.iter().find(|m| !before.contains(*m)) {
        return Err(format!("{} was not in the set", super::escape(m)));
    }
    let left: BTreeSet<Vec<u8>> = before.difference(&set).cloned().collect();
    if &left != after {
        return Err(format!(
            "the set after the pop is not the set minus the popped members: {} left, {} expected",
            after.len(),
            left.len()
        ));
    }
    Ok(set)
}

/// Outcome of a full SSCAN / ZSCAN iteration on one side.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ScanItems {
    Error(usize, Resp),
    /// Members (SSCAN) or member/score pairs (ZSCAN, as two-item vectors).
    Items(BTreeSet<Vec<Vec<u8>>>),
    Malformed(String),
}

/// Runs SSCAN / ZSCAN from `argv[2]` until the cursor comes back as "0";
/// `per` is 1 for members, 2 for member/score pairs.
pub(crate) fn scan_items(
    argv: &[Vec<u8>],
    per: usize,
    mut call: impl FnMut(&[Vec<u8>]) -> Resp,
) -> ScanItems {
    let mut items = BTreeSet::new();
    let mut args = argv.to_vec();
    for step in 0..100_000 {
        let reply = call(&args);
        let Resp::Array(parts) = &reply else {
            return if reply.is_error() {
                ScanItems::Error(step, reply)
            } else {
                ScanItems::Malformed(format!("not an array: {reply:?}"))
            };
        };
        let [Resp::Bulk(cursor), Resp::Array(page)] = parts.as_slice() else {
            return ScanItems::Malformed(format!("bad shape: {reply:?}"));
        };
        if page.len() % per != 0 {
            return ScanItems::Malformed(format!("odd page: {reply:?}"));
        }
        for chunk in page.chunks(per) {
            let mut item = Vec::new();
            for r in chunk {
                match r {
                    Resp::Bulk(x) => item.push(x.clone()),
                    other => return ScanItems::Malformed(format!("non-bulk item {other:?}")),
                }
            }
            items.insert(item);
        }
        if cursor.is_empty() || !cursor.iter().all(u8::is_ascii_digit) {
            return ScanItems::Malformed(format!("cursor {}", super::escape(cursor)));
        }
        if cursor.as_slice() == b"0" {
            return ScanItems::Items(items);
        }
        args[2] = cursor.clone();
    }
    ScanItems::Malformed("no end after 100000 calls".into())
}

impl Runner {
    fn count_reply(&mut self, argv: &[Vec<u8>], error: bool) {
        let counts = self.coverage.entry(super::coverage_name(argv)).or_default();
        if error {
            counts.1 += 1;
        } else {
            counts.0 += 1;
        }
    }

    /// OBJECT ENCODING: Redis 7.0 says `hashtable` for every set that is not
    /// an intset; we may say `listpack` (Redis 7.2's small sets).
    pub(crate) fn set_encoding_differs_as_allowed(
        &mut self,
        argv: &[Vec<u8>],
        theirs: &Resp,
        ours: &Resp,
    ) -> bool {
        *theirs == Resp::Bulk(b"hashtable".to_vec())
            && *ours == Resp::Bulk(b"listpack".to_vec())
            && argv.len() == 3
            && self.pair.redis(&[&b"TYPE"[..], &argv[2]]) == Resp::Simple(b"set".to_vec())
    }

    fn smembers_redis(&mut self, key: &[u8]) -> Option<BTreeSet<Vec<u8>>> {
        member_set(&self.pair.redis(&[&b"SMEMBERS"[..], key]))
    }

    fn smembers_ours(&mut self, key: &[u8]) -> Option<BTreeSet<Vec<u8>>> {
        member_set(&self.pair.ours(&[&b"SMEMBERS"[..], key]))
    }

    /// Runs a set command whose reply needs a [`SetCheck`].
    pub(crate) fn run_set(&mut self, argv: &[Vec<u8>], kind: SetCheck) {
        match kind {
            SetCheck::Scan => return self.run_sscan(argv),
            SetCheck::Pop => return self.run_spop(argv),
            _ => {}
        }
        let (theirs, ours) = self.pair.both(argv);
        self.count_reply(argv, theirs.is_error());
        if theirs.is_error() || ours.is_error() {
            if theirs != ours {
                self.mismatch(argv, &theirs, &ours, "replies differ");
            }
            return;
        }
        let key = argv[1].clone();
        match kind {
            SetCheck::Members => {
                let encoding = self.pair.redis(&[&b"OBJECT"[..], b"ENCODING", &key]);
                if encoding == Resp::Bulk(b"intset".to_vec()) {
                    if theirs != ours {
                        self.mismatch(argv, &theirs, &ours, "intset: sorted members differ");
                    }
                } else if sorted(&theirs) != sorted(&ours) {
                    self.mismatch(argv, &theirs, &ours, "members differ (order ignored)");
                }
            }
            SetCheck::Unordered => {
                if sorted(&theirs) != sorted(&ours) {
                    self.mismatch(argv, &theirs, &ours, "members differ (order ignored)");
                }
            }
            SetCheck::RandMember => {
                let (Some(their_set), Some(our_set)) =
                    (self.smembers_redis(&key), self.smembers_ours(&key))
                else {
                    return self.mismatch(argv, &theirs, &ours, "SMEMBERS of the key failed");
                };
                if let Err(why) = super::check_random_reply(argv, &theirs, &as_members(&their_set))
                {
                    return self.mismatch(
                        argv,
                        &theirs,
                        &ours,
                        &format!("harness: Redis's reply fails the shape check: {why}"),
                    );
                }
                if let Err(why) = super::check_random_reply(argv, &ours, &as_members(&our_set)) {
                    self.mismatch(argv, &theirs, &ours, &format!("SRANDMEMBER: {why}"));
                }
            }
            SetCheck::Pop | SetCheck::Scan => unreachable!(),
        }
    }

    fn run_spop(&mut self, argv: &[Vec<u8>]) {
        let key = argv[1].clone();
        let before_theirs = self.smembers_redis(&key);
        let before_ours = self.smembers_ours(&key);
        let (theirs, ours) = self.pair.both(argv);
        self.count_reply(argv, theirs.is_error());
        if theirs.is_error() || ours.is_error() {
            if theirs != ours {
                self.mismatch(argv, &theirs, &ours, "replies differ");
            }
            return;
        }
        let (Some(before_theirs), Some(before_ours)) = (before_theirs, before_ours) else {
            return self.mismatch(argv, &theirs, &ours, "SMEMBERS failed, SPOP did not");
        };
        let (Some(after_theirs), Some(after_ours)) =
            (self.smembers_redis(&key), self.smembers_ours(&key))
        else {
            return self.mismatch(argv, &theirs, &ours, "SMEMBERS after SPOP failed");
        };
        if let Err(why) = check_pop(argv, &theirs, &before_theirs, &after_theirs) {
            return self.mismatch(
                argv,
                &theirs,
                &ours,
                &format!("harness: Redis's SPOP fails the check: {why}"),
            );
        }
        if let Err(why) = check_pop(argv, &ours, &before_ours, &after_ours) {
            return self.mismatch(argv, &theirs, &ours, &format!("SPOP: {why}"));
        }
        // Resynchronise: the store keeps what Redis kept.
        let missing: Vec<Vec<u8>> = after_theirs.difference(&after_ours).cloned().collect();
        let extra: Vec<Vec<u8>> = after_ours.difference(&after_theirs).cloned().collect();
        for (cmd, members) in [(&b"SADD"[..], missing), (b"SREM", extra)] {
            if members.is_empty() {
                continue;
            }
            let mut fix = vec![cmd.to_vec(), key.clone()];
            fix.extend(members);
            let reply = self.pair.ours(&fix);
            if reply.is_error() {
                return self.mismatch(&fix, &Plain("resync".into()), &reply, "resync failed");
            }
        }
        // An SPOP leaving few members rebuilds the set from the ones kept
        // (Redis 7.0's case 3), so each side's encoding depends on what it
        // kept: Redis may have an intset where the store, having kept a
        // string, has a listpack that the fix above does not shrink. Then
        // the store rebuilds its set too (SUNIONSTORE gives the smallest
        // encoding that fits), keeping its expire time.
        let enc = |r: Resp| r == Resp::Bulk(b"intset".to_vec());
        let encoding = super::argv(&[b"OBJECT", b"ENCODING", &key]);
        if enc(self.pair.redis(&encoding)) && !enc(self.pair.ours(&encoding)) {
            let deadline = self.pair.ours(&super::argv(&[b"PEXPIRETIME", &key]));
            let mut fix = vec![super::argv(&[b"SUNIONSTORE", &key, &key])];
            if let Resp::Integer(at) = deadline
                && at > 0
            {
                fix.push(super::argv(&[
                    b"PEXPIREAT",
                    &key,
                    at.to_string().as_bytes(),
                ]));
            }
            for fix in fix {
                let reply = self.pair.ours(&fix);
                if reply.is_error() {
                    return self.mismatch(&fix, &Plain("resync".into()), &reply, "resync failed");
                }
            }
        }
    }

    /// Dataset comparison of one key as a set and as a sorted set: sizes,
    /// members (the right check for each), members with score strings.
    pub(crate) fn compare_set_collection(&mut self, key: &[u8]) {
        let key = key.to_vec();
        for cmd in [&b"SCARD"[..], b"SMEMBERS", b"ZCARD"] {
            self.run(&[cmd.to_vec(), key.clone()]);
        }
        self.run(&argv(&[b"ZRANGE", &key, b"0", b"-1", b"WITHSCORES"]));
    }

    fn run_sscan(&mut self, argv: &[Vec<u8>]) {
        let theirs = scan_items(argv, 1, |a| self.pair.redis(a));
        let ours = scan_items(argv, 1, |a| self.pair.ours(a));
        self.count_reply(argv, !matches!(theirs, ScanItems::Items(_)));
        let ok = match (&theirs, &ours) {
            (ScanItems::Malformed(_), _) | (_, ScanItems::Malformed(_)) => false,
            (ScanItems::Error(..), _) | (_, ScanItems::Error(..)) => theirs == ours,
            (ScanItems::Items(a), ScanItems::Items(b)) if is_zero_cursor(&argv[2]) => a == b,
            (ScanItems::Items(a), ScanItems::Items(b)) => {
                let key = argv[1].clone();
                let all_theirs = self.smembers_redis(&key).unwrap_or_default();
                let all_ours = self.smembers_ours(&key).unwrap_or_default();
                a.iter().all(|m| all_theirs.contains(&m[0]))
                    && b.iter().all(|m| all_ours.contains(&m[0]))
            }
        };
        if !ok {
            let (theirs, ours) = (Plain(format!("{theirs:?}")), Plain(format!("{ours:?}")));
            self.mismatch(argv, &theirs, &ours, "SSCAN iteration differs");
        }
    }
}

/// Edge cases every run covers, whatever the seed.
pub(crate) fn corpus() -> Vec<Argv> {
    let mut c: Vec<Argv> = Vec::new();
    let m16 = "m".repeat(16);
    let m17 = "m".repeat(17);
    for a in [
        // Missing key.
        cmd!["SMEMBERS", "ns"],
        cmd!["SISMEMBER", "ns", "a"],
        cmd!["SMISMEMBER", "ns", "a", "b"],
        cmd!["SCARD", "ns"],
        cmd!["SREM", "ns", "a"],
        cmd!["SPOP", "ns"],
        cmd!["SPOP", "ns", "0"],
        cmd!["SPOP", "ns", "3"],
        cmd!["SPOP", "ns", "-1"],
        cmd!["SPOP", "ns", "abc"],
        cmd!["SRANDMEMBER", "ns"],
        cmd!["SRANDMEMBER", "ns", "3"],
        cmd!["SRANDMEMBER", "ns", "-3"],
        cmd!["SRANDMEMBER", "ns", "-9223372036854775807"],
        cmd!["SMOVE", "ns", "ns2", "a"],
        cmd!["SINTER", "ns"],
        cmd!["SUNION", "ns", "ns2"],
        cmd!["SDIFF", "ns", "ns2"],
        cmd!["SINTERCARD", "1", "ns"],
        cmd!["SINTERSTORE", "d", "ns"],
        cmd!["SUNIONSTORE", "d", "ns"],
        cmd!["SDIFFSTORE", "d", "ns"],
        cmd!["SSCAN", "ns", "0"],
        cmd!["SSCAN", "ns", "abc"],
        cmd!["EXISTS", "ns", "ns2", "d"],
        // Intset: integers of each width, kept sorted; duplicates.
        cmd!["SADD", "i", "5", "1", "-3", "1", "5"],
        cmd!["SMEMBERS", "i"],
        cmd!["OBJECT", "ENCODING", "i"],
        cmd!["SADD", "i", "32768", "-2147483649"],
        cmd!["SMEMBERS", "i"],
        cmd!["SADD", "i", "9223372036854775807", "-9223372036854775808"],
        cmd!["SMEMBERS", "i"],
        cmd!["OBJECT", "ENCODING", "i"],
        cmd!["SISMEMBER", "i", "1"],
        cmd!["SISMEMBER", "i", "01"],
        cmd!["SISMEMBER", "i", "+1"],
        cmd!["SISMEMBER", "i", "1.0"],
        cmd!["SISMEMBER", "i", "9223372036854775808"],
        cmd!["SMISMEMBER", "i", "5", "6", "-3", "x"],
        cmd!["SREM", "i", "5", "x", "01"],
        cmd!["SMEMBERS", "i"],
        // The ninth integer converts (set-max-intset-entries 8).
        cmd!["DEL", "i"],
        cmd!["SADD", "i", "1", "2", "3", "4", "5", "6", "7", "8"],
        cmd!["OBJECT", "ENCODING", "i"],
        cmd!["SADD", "i", "8"],
        cmd!["OBJECT", "ENCODING", "i"],
        cmd!["SADD", "i", "9"],
        cmd!["OBJECT", "ENCODING", "i"],
        cmd!["SREM", "i", "1", "2", "3", "4", "5", "6", "7"],
        cmd!["OBJECT", "ENCODING", "i"],
        cmd!["SMEMBERS", "i"],
        // Integer-looking strings are not integers.
        cmd!["DEL", "i"],
        cmd!["SADD", "i", "1", "2"],
        cmd!["SADD", "i", "01"],
        cmd!["OBJECT", "ENCODING", "i"],
        cmd!["SMEMBERS", "i"],
        cmd!["DEL", "i"],
        cmd!["SADD", "i", "1"],
        cmd!["SADD", "i", "9223372036854775808"],
        cmd!["OBJECT", "ENCODING", "i"],
        cmd!["DEL", "i"],
        cmd!["SADD", "i", "-0"],
        cmd!["OBJECT", "ENCODING", "i"],
        // Strings: listpack (ours) / hashtable (Redis 7.0), long members.
        cmd!["SADD", "t", "a", "b", "c"],
        cmd!["OBJECT", "ENCODING", "t"],
        cmd!["SADD", "t", m16.as_str()],
        cmd!["OBJECT", "ENCODING", "t"],
        cmd!["SADD", "t", m17.as_str()],
        cmd!["OBJECT", "ENCODING", "t"],
        cmd!["SREM", "t", m17.as_str()],
        cmd!["OBJECT", "ENCODING", "t"],
        cmd!["SMEMBERS", "t"],
        cmd!["SADD", "t", "", "a\u{0}b", "\u{ff}"],
        cmd!["SISMEMBER", "t", ""],
        cmd!["SISMEMBER", "t", "a"],
        cmd!["SCARD", "t"],
        // SPOP / SRANDMEMBER counts.
        cmd!["SPOP", "t", "-1"],
        cmd!["SPOP", "t", "abc"],
        cmd!["SPOP", "t", "1", "2"],
        cmd!["SPOP", "t", "0"],
        cmd!["SRANDMEMBER", "t", "0"],
        cmd!["SRANDMEMBER", "t", "-1"],
        cmd!["SRANDMEMBER", "t", "-20"],
        cmd!["SRANDMEMBER", "t", "20"],
        cmd!["SRANDMEMBER", "t", "9223372036854775807"],
        cmd!["SRANDMEMBER", "t", "-9223372036854775808"],
        cmd!["SRANDMEMBER", "t", "1", "2"],
        cmd!["SRANDMEMBER", "t", "abc"],
        cmd!["SPOP", "t", "2"],
        cmd!["SPOP", "t"],
        cmd!["SPOP", "t", "100"],
        cmd!["EXISTS", "t"],
        cmd!["SADD", "t", "1", "2", "3", "4", "5", "6", "7"],
        cmd!["SPOP", "t", "6"],
        cmd!["OBJECT", "ENCODING", "t"],
        cmd!["SPOP", "t", "9223372036854775807"],
        cmd!["EXISTS", "t"],
        // SMOVE.
        cmd!["SADD", "m1", "1", "2", "a"],
        cmd!["SMOVE", "m1", "m2", "1"],
        cmd!["OBJECT", "ENCODING", "m2"],
        cmd!["SMOVE", "m1", "m2", "a"],
        cmd!["OBJECT", "ENCODING", "m2"],
        cmd!["SMOVE", "m1", "m2", "nope"],
        cmd!["SMOVE", "m1", "m1", "2"],
        cmd!["SMOVE", "m1", "m1", "nope"],
        cmd!["SMOVE", "m1", "m2", "2"],
        cmd!["EXISTS", "m1"],
        cmd!["SMEMBERS", "m2"],
        cmd!["SET", "str", "x"],
        cmd!["SMOVE", "m2", "str", "1"],
        cmd!["SMOVE", "str", "m2", "1"],
        cmd!["SMOVE", "ns", "str", "1"],
        cmd!["SMOVE", "m2", "ns", "nope"],
        cmd!["SMEMBERS", "m2"],
        // Set algebra across encodings, stores pick a fresh encoding.
        cmd!["SADD", "A", "1", "2", "3", "4", "x", "y"],
        cmd!["SADD", "B", "2", "3", "5", "y", "z"],
        cmd!["SADD", "C", "3", "4", "5", "6"],
        cmd!["SINTER", "A", "B"],
        cmd!["SINTER", "A", "B", "C"],
        cmd!["SINTER", "A", "ns"],
        cmd!["SINTER", "C", "C"],
        cmd!["SUNION", "A", "B", "C", "ns"],
        cmd!["SDIFF", "A", "B"],
        cmd!["SDIFF", "A", "B", "C"],
        cmd!["SDIFF", "ns", "A"],
        cmd!["SDIFF", "A", "A"],
        cmd!["SINTER", "A", "str"],
        cmd!["SINTER", "ns", "str"],
        cmd!["SUNION", "A", "str"],
        cmd!["SDIFF", "A", "str"],
        cmd!["SDIFF", "ns", "str"],
        cmd!["SINTERCARD", "2", "A", "B"],
        cmd!["SINTERCARD", "2", "A", "B", "LIMIT", "1"],
        cmd!["SINTERCARD", "2", "A", "B", "LIMIT", "0"],
        cmd!["SINTERCARD", "2", "A", "B", "LIMIT", "-1"],
        cmd!["SINTERCARD", "2", "A", "B", "LIMIT"],
        cmd!["SINTERCARD", "2", "A", "B", "LIMIT", "1", "LIMIT", "2"],
        cmd!["SINTERCARD", "2", "A", "B", "FOO", "1"],
        cmd!["SINTERCARD", "0", "A"],
        cmd!["SINTERCARD", "-1", "A"],
        cmd!["SINTERCARD", "3", "A", "B"],
        cmd!["SINTERCARD", "abc", "A"],
        cmd!["SINTERCARD", "1", "A", "B"],
        cmd!["SINTERCARD", "2", "A", "str"],
        cmd!["SINTERCARD", "2", "ns", "str"],
        cmd!["SINTERCARD", "2", "A", "ns"],
        cmd!["SINTERSTORE", "D", "A", "B"],
        cmd!["SMEMBERS", "D"],
        cmd!["OBJECT", "ENCODING", "D"],
        cmd!["SINTERSTORE", "D", "A", "C"],
        cmd!["SMEMBERS", "D"],
        cmd!["OBJECT", "ENCODING", "D"],
        cmd!["SUNIONSTORE", "D", "A", "B", "C"],
        cmd!["OBJECT", "ENCODING", "D"],
        cmd!["SDIFFSTORE", "D", "C", "A"],
        cmd!["SMEMBERS", "D"],
        cmd!["OBJECT", "ENCODING", "D"],
        cmd!["SINTERSTORE", "D", "A", "ns"],
        cmd!["EXISTS", "D"],
        cmd!["SET", "D", "x"],
        cmd!["SUNIONSTORE", "D", "A"],
        cmd!["TYPE", "D"],
        cmd!["SET", "D", "x"],
        cmd!["SDIFFSTORE", "D", "ns"],
        cmd!["EXISTS", "D"],
        cmd!["SINTERSTORE", "D", "A", "str"],
        cmd!["SUNIONSTORE", "A", "A", "B"],
        cmd!["SMEMBERS", "A"],
        cmd!["SDIFFSTORE", "A", "A", "A"],
        cmd!["EXISTS", "A"],
        // SSCAN options.
        cmd!["SSCAN", "B", "0", "COUNT", "0"],
        cmd!["SSCAN", "B", "0", "COUNT", "-1"],
        cmd!["SSCAN", "B", "0", "COUNT"],
        cmd!["SSCAN", "B", "0", "MATCH", "*", "COUNT", "1"],
        cmd!["SSCAN", "B", "0", "MATCH", "[yz]"],
        cmd!["SSCAN", "B", "0", "NOVALUES"],
        cmd!["SSCAN", "B", "0", "TYPE", "set"],
        cmd!["SSCAN", "B", "-1"],
        cmd!["SSCAN", "str", "0"],
        // Wrong types.
        cmd!["RPUSH", "l", "x"],
        cmd!["SADD", "str", "a"],
        cmd!["SADD", "l", "a"],
        cmd!["SMEMBERS", "l"],
        cmd!["SCARD", "str"],
        cmd!["SISMEMBER", "l", "x"],
        cmd!["SMISMEMBER", "l", "x"],
        cmd!["SREM", "str", "x"],
        cmd!["SPOP", "l"],
        cmd!["SPOP", "l", "2"],
        cmd!["SRANDMEMBER", "str", "2"],
        cmd!["LPUSH", "B", "x"],
        cmd!["HSET", "B", "f", "v"],
        cmd!["GET", "B"],
        // COPY / RENAME keep the kind and encoding.
        cmd!["COPY", "B", "B2"],
        cmd!["OBJECT", "ENCODING", "B2"],
        cmd!["SMEMBERS", "B2"],
        cmd!["RENAME", "C", "C2"],
        cmd!["OBJECT", "ENCODING", "C2"],
        cmd!["SMEMBERS", "C2"],
        cmd!["TYPE", "C2"],
    ] {
        c.push(a);
    }
    // A big set: 200 members, popped in pieces (SPOP's strategies), scanned.
    let mut add = cmd!["SADD", "big"];
    for i in 0..200 {
        add.push(format!("m{i}").into_bytes());
    }
    c.push(add);
    c.push(cmd!["SSCAN", "big", "0", "COUNT", "7"]);
    c.push(cmd!["SPOP", "big", "3"]);
    c.push(cmd!["SPOP", "big", "150"]);
    c.push(cmd!["SCARD", "big"]);
    c.push(cmd!["SRANDMEMBER", "big", "40"]);
    c.push(cmd!["SRANDMEMBER", "big", "-40"]);
    c.push(cmd!["OBJECT", "ENCODING", "big"]);
    let mut add = cmd!["SADD", "bigi"];
    for i in 0..200 {
        add.push((i * 7 - 500).to_string().into_bytes());
    }
    c.push(add);
    c.push(cmd!["SPOP", "bigi", "190"]);
    c.push(cmd!["OBJECT", "ENCODING", "bigi"]);
    c.push(cmd!["SINTER", "bigi", "big"]);
    c.push(cmd!["SINTERCARD", "2", "bigi", "bigi"]);
    c.push(cmd!["FLUSHDB"]);
    c
}

/// Redis 7.0 adds SADD's members one by one, so an intset stays an intset
/// while its distinct members fit (`SADD s 1 1 1 1 1 1 1 1 1` is an intset
/// of one member), and SMEMBERS answers them sorted. The store used to
/// size the set from the argument count first (Redis 7.2's
/// `setTypeCreate` / `setTypeMaybeConvert` size hint) and make it a
/// hashtable, which Redis 7.0 never does for integers that fit: OBJECT
/// ENCODING said `hashtable` where Redis says `intset`, and SMEMBERS lost
/// its order.
#[test]
fn regression_sadd_with_more_arguments_than_intset_entries_keeps_intset() {
    super::assert_same_replies(&[
        cmd!["SADD", "new", "1", "1", "1", "1", "1", "1", "1", "1", "1"],
        cmd!["OBJECT", "ENCODING", "new"],
        cmd!["SADD", "i", "3", "2"],
        cmd!["SADD", "i", "1", "1", "1", "1", "1", "1", "1", "1", "1"],
        cmd!["OBJECT", "ENCODING", "i"],
        cmd!["SMEMBERS", "i"],
    ]);
}

/// When SPOP's count leaves few members (`remaining * 5 <= count`, Redis
/// 7.0's "case 3"), Redis builds a new set from the members that stay, so
/// a hashtable whose remaining members are all integers becomes an intset
/// again (SMEMBERS then answers them sorted). The store used to keep the
/// hashtable. (`SADD t 1 … 10` is a hashtable with 8 intset entries at
/// most; `SPOP t 9` leaves one integer.)
#[test]
fn regression_spop_leaving_few_integers_rebuilds_an_intset() {
    super::assert_same_replies(&[
        cmd![
            "SADD", "t", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"
        ],
        cmd!["OBJECT", "ENCODING", "t"],
        cmd!["SPOP", "t", "9"],
        cmd!["OBJECT", "ENCODING", "t"],
    ]);
}

/// A set as the member -> value map `check_random_reply` takes (no values:
/// SRANDMEMBER has no WITHVALUES).
fn as_members(set: &BTreeSet<Vec<u8>>) -> std::collections::BTreeMap<Vec<u8>, Vec<u8>> {
    set.iter().map(|m| (m.clone(), Vec::new())).collect()
}
