//! ZRANDMEMBER (distinct members for a positive count, repeats for a
//! negative one, as Redis 7.0's `zrandmemberWithCountCommand`) and ZSCAN.

use std::collections::HashSet;

use crate::encoding::zpacked;
use crate::types::zset::score_text;
use crate::types::{MAX_RANDOM_REPEATS, collect_repeats};
use crate::value::ZSetRef;
use crate::{Error, Result, ScanOptions, Store, rand};

type Scored = Vec<(Vec<u8>, f64)>;

/// One page of a [`Store::zscan`].
#[derive(Debug, Clone, PartialEq)]
pub struct ZScanPage {
    /// The cursor for the next call; 0 when the iteration is complete.
    pub cursor: u64,
    /// Members and scores of this page.
    pub members: Vec<(Vec<u8>, f64)>,
}

/// The member at `rank` with its score.
fn at(z: ZSetRef<'_>, rank: usize) -> Option<(Vec<u8>, f64)> {
    z.collect(rank, rank + 1, false).into_iter().next()
}

/// `count` random members: distinct when positive, with repeats when
/// negative.
fn pick(z: ZSetRef<'_>, count: i64) -> Result<Scored> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let len = z.len();
    if count < 0 {
        let n = count.unsigned_abs();
        if n > MAX_RANDOM_REPEATS {
            return Err(Error::HashCountOutOfRange);
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        let n = usize::try_from(n).unwrap_or(0);
        return collect_repeats(n, || at(z, rand::index_below(len)), |(m, _)| m.len() + 8);
    }
    let n = usize::try_from(count).unwrap_or(usize::MAX);
    if n >= len {
        return Ok(z.collect(0, len, false));
    }
    if n.saturating_mul(3) > len {
        let mut all = z.collect(0, len, false);
        while all.len() > n {
            let i = rand::index_below(all.len());
            all.swap_remove(i);
        }
        return Ok(all);
    }
    let mut seen: HashSet<usize> = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let r = rand::index_below(len);
        if seen.insert(r)
            && let Some(e) = at(z, r)
        {
            out.push(e);
        }
    }
    Ok(out)
}

impl Store {
    /// `ZRANDMEMBER key`: one random member, or `None` for a missing key.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.zadd("z", [(1.0, "only")])?;
    /// assert_eq!(store.zrandmember("z")?, Some(b"only".to_vec()));
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zrandmember(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        self.zset_read(key.as_ref(), |z| {
            Ok(z.and_then(|z| {
                let len = z.len();
                (len > 0).then(|| at(z, rand::index_below(len))).flatten()
            })
            .map(|(m, _)| m))
        })
    }

    /// `ZRANDMEMBER key count`: up to `count` distinct random members when
    /// positive; exactly `-count` members, possibly repeated, when negative.
    ///
    /// # Errors
    ///
    /// [`Error::HashCountRange`] for `i64::MIN`; [`Error::HashCountOutOfRange`]
    /// for a negative count past 2²⁴ (as HRANDFIELD); [`Error::WrongType`].
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.zadd("z", [(1.0, "a"), (2.0, "b")])?;
    /// assert_eq!(store.zrandmember_count("z", 5)?.len(), 2);
    /// assert_eq!(store.zrandmember_count("z", -5)?.len(), 5);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zrandmember_count(&self, key: impl AsRef<[u8]>, count: i64) -> Result<Vec<Vec<u8>>> {
        let pairs = self.zrandmember_withscores_generic(key.as_ref(), count, false)?;
        Ok(pairs.into_iter().map(|(m, _)| m).collect())
    }

    /// `ZRANDMEMBER key count WITHSCORES`: as
    /// [`Store::zrandmember_count`], with scores.
    ///
    /// # Errors
    ///
    /// As [`Store::zrandmember_count`], and [`Error::HashCountOutOfRange`]
    /// past ±`i64::MAX / 2` (Redis's limit with `WITHSCORES`).
    pub fn zrandmember_withscores(&self, key: impl AsRef<[u8]>, count: i64) -> Result<Scored> {
        self.zrandmember_withscores_generic(key.as_ref(), count, true)
    }

    fn zrandmember_withscores_generic(
        &self,
        key: &[u8],
        count: i64,
        withscores: bool,
    ) -> Result<Scored> {
        if count == i64::MIN {
            return Err(Error::HashCountRange);
        }
        if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
            return Err(Error::HashCountOutOfRange);
        }
        self.zset_read(key, |z| match z {
            None => Ok(Vec::new()),
            Some(z) => pick(z, count),
        })
    }

    /// `ZSCAN key cursor [MATCH pattern] [COUNT count]`: one page of
    /// members with scores. A packed sorted set comes whole, with cursor 0.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`].
    ///
    /// ```
    /// use kvstore::{ScanOptions, Store};
    /// let store = Store::new();
    /// store.zadd("z", [(1.0, "a"), (2.0, "b")])?;
    /// let page = store.zscan("z", 0, &ScanOptions::new())?;
    /// assert_eq!(page.cursor, 0);
    /// assert_eq!(page.members.len(), 2);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zscan(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        options: &ScanOptions,
    ) -> Result<ZScanPage> {
        self.zscan_generic(key.as_ref(), cursor, || Ok(options.clone()))
            .map(|(page, _)| page)
    }

    /// ZSCAN with Redis's order of checks: WRONGTYPE before the options.
    /// The flag says whether the set is packed (see [`scan_score`]).
    pub(crate) fn zscan_generic(
        &self,
        key: &[u8],
        cursor: u64,
        options: impl FnOnce() -> Result<ScanOptions>,
    ) -> Result<(ZScanPage, bool)> {
        self.zset_read(key, |z| {
            let mut page = ZScanPage {
                cursor: 0,
                members: Vec::new(),
            };
            let Some(z) = z else {
                return Ok((page, false));
            };
            let packed = matches!(z, ZSetRef::Packed(_));
            let options = options()?;
            let members = &mut page.members;
            match z {
                ZSetRef::Packed(_) => z.for_range(0, z.len(), false, |s, m| {
                    if options.matches(m) {
                        members.push((m.to_vec(), s));
                    }
                }),
                ZSetRef::Skip(t) => {
                    let Ok(pos) = u32::try_from(cursor) else {
                        return Ok((page, packed));
                    };
                    let next = t.scan(pos, options.count_hint(), |m, s| {
                        if options.matches(m) {
                            members.push((m.to_vec(), s));
                        }
                    });
                    page.cursor = next.map_or(0, u64::from);
                }
            }
            Ok((page, packed))
        })
    }
}

/// A score as ZSCAN replies with it (a bulk string in both protocols).
/// Redis 7.0 answers a listpack's score entry as stored (`zzlInsertAt`:
/// an integer when `double2ll` takes it, else `%.17g`), so `1e18` is
/// `1000000000000000000` there, and a skiplist's score with `%.17g`
/// (`1e+18`).
pub(crate) fn scan_score(score: f64, packed: bool) -> Vec<u8> {
    if packed {
        zpacked::score_bytes(score)
    } else {
        score_text(score).into_bytes()
    }
}
