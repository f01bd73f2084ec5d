//! HRANDFIELD: random fields, distinct (positive count) or with repeats
//! (negative count), as Redis 7.0's `hrandfieldWithCountCommand`.

use std::collections::HashSet;

use crate::types::{MAX_RANDOM_REPEATS, collect_repeats};
use crate::value::HashRef;
use crate::{Error, Result, Store, rand};

type Pair = (Vec<u8>, Vec<u8>);

/// One live field picked uniformly (approximately, for tables).
fn pick_one(h: HashRef<'_>, now: i64) -> Option<Pair> {
    match h {
        HashRef::Packed(lp) => {
            let n = lp.len() / 2;
            if n == 0 {
                return None;
            }
            let i = i64::try_from(rand::index_below(n) * 2).ok()?;
            let at = lp.seek(i)?;
            let v = lp.next(at)?;
            Some((lp.get(at).to_vec(), lp.get(v).to_vec()))
        }
        HashRef::Table(t) => t.random_live(now).map(|(k, v)| (k.to_vec(), v.to_vec())),
    }
}

/// `count` random live fields: distinct when positive, with repeats when
/// negative.
fn pick(h: HashRef<'_>, now: i64, count: i64) -> Result<Vec<Pair>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let live = h.live_len(now);
    if count < 0 {
        let n = count.unsigned_abs();
        if n > MAX_RANDOM_REPEATS {
            return Err(Error::HashCountOutOfRange);
        }
        if live == 0 {
            return Ok(Vec::new());
        }
        let n = usize::try_from(n).unwrap_or(0);
        let size = |(k, v): &Pair| k.len() + v.len();
        return match h {
            // Small: pick by index from a copy.
            HashRef::Packed(_) => {
                let all = h.pairs(now);
                collect_repeats(n, || Some(all[rand::index_below(all.len())].clone()), size)
            }
            HashRef::Table(_) => collect_repeats(n, || pick_one(h, now), size),
        };
    }
    let n = usize::try_from(count).unwrap_or(usize::MAX);
    // The whole hash, in its order (Redis's case 1).
    if n >= live {
        return Ok(h.pairs(now));
    }
    // Many of them: drop random fields from a copy until `n` remain.
    if matches!(h, HashRef::Packed(_)) || n.saturating_mul(3) > live {
        let mut all = h.pairs(now);
        while all.len() > n {
            let i = rand::index_below(all.len());
            all.swap_remove(i);
        }
        return Ok(all);
    }
    // Few of a big table: pick until `n` distinct.
    let mut seen: HashSet<Vec<u8>> = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let Some((k, v)) = pick_one(h, now) else {
            break;
        };
        if seen.insert(k.clone()) {
            out.push((k, v));
        }
    }
    Ok(out)
}

impl Store {
    /// `HRANDFIELD key`: one random field, or `None` for a missing key.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.hset("h", [("only", "1")])?;
    /// assert_eq!(store.hrandfield("h")?, Some(b"only".to_vec()));
    /// assert_eq!(store.hrandfield("missing")?, None);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn hrandfield(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        self.hash_read(key.as_ref(), |h, now| {
            Ok(h.and_then(|h| pick_one(h, now)).map(|(k, _)| k))
        })
    }

    /// `HRANDFIELD key count`: up to `count` distinct random fields when
    /// positive; exactly `-count` fields, possibly repeated, when negative.
    ///
    /// # Errors
    ///
    /// [`Error::HashCountRange`] for `i64::MIN`;
    /// [`Error::HashCountOutOfRange`] for a negative count past 2²⁴ (a
    /// departure: Redis streams such replies); [`Error::WrongType`].
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.hset("h", [("a", "1"), ("b", "2")])?;
    /// assert_eq!(store.hrandfield_count("h", 5)?.len(), 2);
    /// assert_eq!(store.hrandfield_count("h", -5)?.len(), 5);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn hrandfield_count(&self, key: impl AsRef<[u8]>, count: i64) -> Result<Vec<Vec<u8>>> {
        if count == i64::MIN {
            return Err(Error::HashCountRange);
        }
        let pairs = self.hash_read(key.as_ref(), |h, now| match h {
            None => Ok(Vec::new()),
            Some(h) => pick(h, now, count),
        })?;
        Ok(pairs.into_iter().map(|(k, _)| k).collect())
    }

    /// `HRANDFIELD key count WITHVALUES`: as [`Store::hrandfield_count`],
    /// with each field's value.
    ///
    /// # Errors
    ///
    /// As [`Store::hrandfield_count`], and [`Error::HashCountOutOfRange`]
    /// past ±`i64::MAX / 2` (Redis's limit with `WITHVALUES`).
    pub fn hrandfield_withvalues(
        &self,
        key: impl AsRef<[u8]>,
        count: i64,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        if count == i64::MIN {
            return Err(Error::HashCountRange);
        }
        if !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
            return Err(Error::HashCountOutOfRange);
        }
        self.hash_read(key.as_ref(), |h, now| match h {
            None => Ok(Vec::new()),
            Some(h) => pick(h, now, count),
        })
    }
}
