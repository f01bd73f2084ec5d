//! SPOP and SRANDMEMBER: random members, as Redis 7.0's
//! `spopWithCountCommand` and `srandmemberWithCountCommand` answer them.
//!
//! Random changes propagate deterministically: `SPOP` as `SREM key member…`
//! (in batches of 1024 members), and a pop of the whole set as `DEL key`,
//! as Redis does.

use std::collections::HashSet;

use super::{build_set, set_len, set_members};
use crate::encoding::intset::IntSet;
use crate::types::{MAX_RANDOM_REPEATS, collect_repeats};
use crate::value::{SetRef, Value};
use crate::{Error, Result, Store, rand};

/// Members per propagated `SREM` of a `SPOP` with a count (Redis's batch).
const SREM_BATCH: usize = 1024;

/// `SPOP key count` pops one member at a time while the members left
/// outnumber `count / SPOP_MOVE_STRATEGY_MUL`, else rebuilds the set from
/// the members left (Redis 7.0's `spopWithCountCommand`, cases 2 and 3).
const SPOP_MOVE_STRATEGY_MUL: usize = 5;

/// One member picked at random (uniformly for packed sets; for tables, a
/// random bucket position's next member).
fn pick_one(set: SetRef<'_>) -> Option<Vec<u8>> {
    match set {
        SetRef::Ints(s) => {
            let n = s.len();
            (n > 0)
                .then(|| s.get(rand::index_below(n)))?
                .map(|v| itoa::Buffer::new().format(v).as_bytes().to_vec())
        }
        SetRef::Packed(lp) => {
            let n = lp.len();
            if n == 0 {
                return None;
            }
            let at = lp.seek(i64::try_from(rand::index_below(n)).ok()?)?;
            Some(lp.get(at).to_vec())
        }
        SetRef::Table(t) => t.random().map(<[u8]>::to_vec),
    }
}

/// Removes a random member from the set `value` and returns it.
fn pop_one(value: &mut Value) -> Option<Vec<u8>> {
    match value {
        Value::SetInts(s) => {
            if s.is_empty() {
                return None;
            }
            let v = s.remove_at(rand::index_below(s.len()))?;
            Some(itoa::Buffer::new().format(v).as_bytes().to_vec())
        }
        Value::SetPacked(lp) => {
            let n = lp.len();
            if n == 0 {
                return None;
            }
            let at = lp.seek(i64::try_from(rand::index_below(n)).ok()?)?;
            let m = lp.get(at).to_vec();
            lp.remove_at(at, 1);
            Some(m)
        }
        Value::Set(t) => t.pop_random(),
        _ => None,
    }
}

/// `count` random members: distinct when positive, with repeats when
/// negative (`count` is not `i64::MIN`).
fn pick(set: SetRef<'_>, count: i64) -> Result<Vec<Vec<u8>>> {
    if count < 0 {
        let n = count.unsigned_abs();
        if n > MAX_RANDOM_REPEATS {
            return Err(Error::HashCountOutOfRange);
        }
        let n = usize::try_from(n).unwrap_or(0);
        return match set {
            // Small: pick by index from a copy.
            SetRef::Ints(_) | SetRef::Packed(_) => {
                let all = set_members(set);
                if all.is_empty() {
                    return Ok(Vec::new());
                }
                collect_repeats(
                    n,
                    || Some(all[rand::index_below(all.len())].clone()),
                    Vec::len,
                )
            }
            SetRef::Table(_) => collect_repeats(n, || pick_one(set), Vec::len),
        };
    }
    let n = usize::try_from(count).unwrap_or(usize::MAX);
    let size = set.len();
    // The whole set (Redis's case 1).
    if n >= size {
        return Ok(set_members(set));
    }
    // Many of them: a partial shuffle of a copy.
    if !matches!(set, SetRef::Table(_)) || n.saturating_mul(3) > size {
        let mut all = set_members(set);
        for i in 0..n {
            let j = i + rand::index_below(all.len() - i);
            all.swap(i, j);
        }
        all.truncate(n);
        return Ok(all);
    }
    // Few of a big table: pick until `n` distinct.
    let mut seen: HashSet<Vec<u8>> = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let Some(m) = pick_one(set) else {
            break;
        };
        if seen.insert(m.clone()) {
            out.push(m);
        }
    }
    Ok(out)
}

impl Store {
    /// `SPOP key`: removes and returns a random member (`None` for a missing
    /// key). Propagated as `SREM key member`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("s", ["only"])?;
    /// assert_eq!(store.spop("s")?, Some(b"only".to_vec()));
    /// assert_eq!(store.spop("s")?, None);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn spop(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        let key = key.as_ref();
        let popped = self.set_write(key, None, |value, ctx| {
            let m = pop_one(value);
            if let Some(m) = &m {
                ctx.propagate(&[b"SREM", key, m]);
            }
            let event = m.is_some().then_some("spop");
            Ok((m, event))
        })?;
        Ok(popped.flatten())
    }

    /// `SPOP key count`: removes and returns up to `count` distinct random
    /// members. Propagated as `SREM key member…`, or `DEL key` when the
    /// whole set is popped. When at most a fifth of `count` members stay,
    /// they are rebuilt into a new set with the smallest encoding that fits
    /// them, as Redis 7.0 does (so a hashtable left with a few integers is
    /// an intset again).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] (also for a count of 0).
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("s", ["a", "b", "c"])?;
    /// assert_eq!(store.spop_count("s", 2)?.len(), 2);
    /// assert_eq!(store.spop_count("s", 5)?.len(), 1);
    /// assert_eq!(store.exists(["s"])?, 0);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn spop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<Vec<u8>>> {
        let key = key.as_ref();
        let limits = self.set_limits();
        let popped = self.set_write(key, None, |value, ctx| {
            if count == 0 {
                return Ok((Vec::new(), None));
            }
            let size = set_len(value);
            if count >= size {
                let all = match value.as_ref() {
                    crate::value::ValueRef::Set(s) => set_members(s),
                    _ => Vec::new(),
                };
                // Emptied: the caller deletes the key.
                *value = Value::SetInts(IntSet::new());
                ctx.propagate(&[b"DEL", key]);
                return Ok((all, Some("spop")));
            }
            let remaining = size - count;
            let out = if remaining.saturating_mul(SPOP_MOVE_STRATEGY_MUL) > count {
                // Few popped (Redis's case 2): one at a time.
                let mut out = Vec::with_capacity(count);
                while out.len() < count {
                    match pop_one(value) {
                        Some(m) => out.push(m),
                        None => break,
                    }
                }
                out
            } else {
                // Few left (case 3): take the members that stay and make
                // them a new set, in the smallest encoding that fits them
                // (an intset again when they are few integers); the old
                // set's other members are the reply.
                let mut keep = Vec::with_capacity(remaining);
                while keep.len() < remaining {
                    match pop_one(value) {
                        Some(m) => keep.push(m),
                        None => break,
                    }
                }
                let out = match value.as_ref() {
                    crate::value::ValueRef::Set(s) => set_members(s),
                    _ => Vec::new(),
                };
                *value = build_set(&keep, limits);
                out
            };
            if ctx.propagating() {
                for batch in out.chunks(SREM_BATCH) {
                    let mut argv: Vec<&[u8]> = Vec::with_capacity(2 + batch.len());
                    argv.extend([&b"SREM"[..], key]);
                    argv.extend(batch.iter().map(Vec::as_slice));
                    ctx.propagate(&argv);
                }
            }
            let event = (!out.is_empty()).then_some("spop");
            Ok((out, event))
        })?;
        Ok(popped.unwrap_or_default())
    }

    /// `SRANDMEMBER key`: a random member, or `None` for a missing key.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("s", ["only"])?;
    /// assert_eq!(store.srandmember("s")?, Some(b"only".to_vec()));
    /// assert_eq!(store.srandmember("missing")?, None);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn srandmember(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        self.set_read(key.as_ref(), |s| Ok(s.and_then(pick_one)))
    }

    /// `SRANDMEMBER key count`: up to `count` distinct random members when
    /// positive; exactly `-count` members, possibly repeated, when negative.
    ///
    /// # Errors
    ///
    /// [`Error::HashCountRange`] for `i64::MIN` (Redis's range message);
    /// [`Error::HashCountOutOfRange`] for a negative count past 2²⁴ (a
    /// departure, as `HRANDFIELD`: Redis streams such replies);
    /// [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.sadd("s", ["a", "b"])?;
    /// assert_eq!(store.srandmember_count("s", 5)?.len(), 2);
    /// assert_eq!(store.srandmember_count("s", -5)?.len(), 5);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn srandmember_count(&self, key: impl AsRef<[u8]>, count: i64) -> Result<Vec<Vec<u8>>> {
        if count == i64::MIN {
            return Err(Error::HashCountRange);
        }
        self.set_read(key.as_ref(), |s| match s {
            Some(s) if count != 0 => pick(s, count),
            _ => Ok(Vec::new()),
        })
    }
}
