//! The packed sorted-set encoding: member, score, member, score … in one
//! [`Listpack`], sorted by `(score, member)` (Redis's listpack zset).
//!
//! A score is stored the way Redis 7.0's `zzlInsertAt` stores it: an
//! integral score that `double2ll` accepts (|d| <= `LLONG_MAX / 2`, that is
//! 2^62 once compared as a double) as that integer (the listpack keeps it as
//! an integer entry; `-0` becomes `0`, as in Redis), anything else as the
//! `%.17g` text, which reads back to the same double exactly.

use crate::encoding::listpack::{self, Elem, Listpack};
use crate::encoding::sortedset::SortedSet;
use crate::encoding::zorder::cmp_entry;
use crate::number::format_double;

/// `LLONG_MAX / 2` as `double2ll` compares it: converted to a double, 2^62.
const DOUBLE2LL_MAX: f64 = 4_611_686_018_427_387_904.0;

/// The bytes a score is stored as (also ZSCAN's answer for a packed set).
pub(crate) fn score_bytes(score: f64) -> Vec<u8> {
    if score.fract() == 0.0 && score.abs() <= DOUBLE2LL_MAX {
        #[allow(clippy::cast_possible_truncation)]
        let n = score as i64;
        return itoa::Buffer::new().format(n).as_bytes().to_vec();
    }
    format_double(score).into_bytes()
}

/// Reads a stored score.
pub(crate) fn read_score(e: Elem<'_>) -> f64 {
    match e {
        #[allow(clippy::cast_precision_loss)]
        Elem::Int(n) => n as f64,
        Elem::Str(s) => std::str::from_utf8(s)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .unwrap_or(0.0),
    }
}

/// Number of members.
pub(crate) fn len(lp: &Listpack) -> usize {
    lp.len() / 2
}

/// Calls `f(offset of member, member, score)` for each member in order
/// until it returns `false`.
fn walk(lp: &Listpack, mut f: impl FnMut(usize, Elem<'_>, f64) -> bool) {
    let Some(mut at) = lp.first() else {
        return;
    };
    loop {
        let Some(s) = lp.next(at) else {
            return;
        };
        if !f(at, lp.get(at), read_score(lp.get(s))) {
            return;
        }
        match lp.next(s) {
            Some(next) => at = next,
            None => return,
        }
    }
}

/// The offset, rank and score of `member`.
pub(crate) fn find(lp: &Listpack, member: &[u8]) -> Option<(usize, usize, f64)> {
    let as_int = crate::number::parse_i64(member);
    let mut found = None;
    let mut rank = 0;
    walk(lp, |at, m, s| {
        let hit = match m {
            Elem::Str(b) => b == member,
            Elem::Int(n) => as_int == Some(n),
        };
        if hit {
            found = Some((at, rank, s));
            return false;
        }
        rank += 1;
        true
    });
    found
}

/// The score of `member`.
pub(crate) fn score(lp: &Listpack, member: &[u8]) -> Option<f64> {
    find(lp, member).map(|(_, _, s)| s)
}

/// Inserts a member that is not in the listpack, in order.
pub(crate) fn insert(lp: &mut Listpack, member: &[u8], score: f64) {
    let mut pos = lp.end();
    walk(lp, |at, m, s| {
        let after = m.with_bytes(|m| cmp_entry(s, m, score, member).is_gt());
        if after {
            pos = at;
        }
        !after
    });
    let sb = score_bytes(score);
    lp.insert_at(pos, member);
    // The score goes right after the member just written.
    if let Some(next) = lp.next(pos) {
        lp.insert_at(next, &sb);
    } else {
        lp.push_back(&sb);
    }
}

/// Removes `member`; returns its score.
pub(crate) fn remove(lp: &mut Listpack, member: &[u8]) -> Option<f64> {
    let (at, _, s) = find(lp, member)?;
    lp.remove_at(at, 2);
    Some(s)
}

/// Removes the members of ranks `lo..hi`; returns how many.
pub(crate) fn remove_range(lp: &mut Listpack, lo: usize, hi: usize) -> usize {
    let hi = hi.min(len(lp));
    if lo >= hi {
        return 0;
    }
    let Some(at) = i64::try_from(lo * 2).ok().and_then(|i| lp.seek(i)) else {
        return 0;
    };
    lp.remove_at(at, (hi - lo) * 2) / 2
}

/// Number of members for which `before` holds (a prefix of the order).
pub(crate) fn count_before(lp: &Listpack, before: impl Fn(f64, &[u8]) -> bool) -> usize {
    let mut n = 0;
    walk(lp, |_, m, s| {
        let b = m.with_bytes(|m| before(s, m));
        if b {
            n += 1;
        }
        b
    });
    n
}

/// Calls `f` on the members of ranks `lo..hi`, in order or reversed.
pub(crate) fn for_range(
    lp: &Listpack,
    lo: usize,
    hi: usize,
    rev: bool,
    mut f: impl FnMut(f64, &[u8]),
) {
    let hi = hi.min(len(lp));
    if lo >= hi {
        return;
    }
    if rev {
        let Some(mut s) = i64::try_from(hi * 2 - 1).ok().and_then(|i| lp.seek(i)) else {
            return;
        };
        for _ in lo..hi {
            let Some(m) = lp.prev(s) else {
                return;
            };
            let score = read_score(lp.get(s));
            lp.get(m).with_bytes(|b| f(score, b));
            match lp.prev(m) {
                Some(p) => s = p,
                None => return,
            }
        }
    } else {
        let Some(mut m) = i64::try_from(lo * 2).ok().and_then(|i| lp.seek(i)) else {
            return;
        };
        for _ in lo..hi {
            let Some(s) = lp.next(m) else {
                return;
            };
            let score = read_score(lp.get(s));
            lp.get(m).with_bytes(|b| f(score, b));
            match lp.next(s) {
                Some(n) => m = n,
                None => return,
            }
        }
    }
}

/// The members and scores as a big sorted set.
pub(crate) fn to_sorted_set(lp: &Listpack) -> SortedSet {
    let mut z = SortedSet::new();
    walk(lp, |_, m, s| {
        m.with_bytes(|m| z.insert_new(m, s));
        true
    });
    z
}

/// A listpack of `(member, score)` pairs already in order.
pub(crate) fn from_sorted<M: AsRef<[u8]>>(pairs: &[(M, f64)]) -> Listpack {
    let mut builder = listpack::Builder::new();
    for (m, s) in pairs {
        builder.push(m.as_ref());
        if s.fract() == 0.0 && s.abs() <= DOUBLE2LL_MAX {
            // As `score_bytes`, whose digits the listpack stores as this
            // integer.
            #[allow(clippy::cast_possible_truncation)]
            builder.push_int(*s as i64);
        } else {
            builder.push(format_double(*s).as_bytes());
        }
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_round_trip_exactly() {
        for s in [
            0.1,
            1.5,
            3.0,
            -0.0,
            1e300,
            -1e-300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            9.007_199_254_740_993e15,
            1.234_567_890_123_456_7e18,
            1e19,
            f64::MIN_POSITIVE,
            5e-324,
        ] {
            let lp = Listpack::from_items([score_bytes(s)]);
            let back = lp.first().map(|at| read_score(lp.get(at)));
            assert_eq!(back, Some(if s == 0.0 { 0.0 } else { s }), "{s}");
        }
        assert_eq!(score_bytes(-0.0), b"0");
        assert_eq!(score_bytes(3.0), b"3");
        assert_eq!(score_bytes(0.1), b"0.10000000000000001");
        // double2ll's bound, as redis-server 7.0.15 answers ZSCAN.
        assert_eq!(score_bytes(1e18), b"1000000000000000000");
        assert_eq!(
            score_bytes(4_611_686_018_427_387_904.0),
            b"4611686018427387904"
        );
        assert_eq!(
            score_bytes(-4_611_686_018_427_387_904.0),
            b"-4611686018427387904"
        );
        assert_eq!(
            score_bytes(4_611_686_018_427_388_928.0),
            b"4.6116860184273889e+18"
        );
        assert_eq!(score_bytes(5e18), b"5e+18");
        assert_eq!(score_bytes(f64::INFINITY), b"inf");
    }

    #[test]
    fn sorted_insert_remove_and_ranges() {
        let mut lp = Listpack::new();
        for (m, s) in [("c", 2.0), ("a", 2.0), ("z", -1.0), ("10", 0.5), ("b", 2.0)] {
            insert(&mut lp, m.as_bytes(), s);
        }
        let mut got = Vec::new();
        for_range(&lp, 0, 5, false, |s, m| {
            got.push((String::from_utf8_lossy(m).into_owned(), s))
        });
        assert_eq!(
            got,
            [
                ("z".into(), -1.0),
                ("10".into(), 0.5),
                ("a".into(), 2.0),
                ("b".into(), 2.0),
                ("c".into(), 2.0)
            ]
        );
        let mut rev = Vec::new();
        for_range(&lp, 1, 4, true, |_, m| rev.push(m.to_vec()));
        assert_eq!(rev, [b"b".to_vec(), b"a".to_vec(), b"10".to_vec()]);
        assert_eq!(find(&lp, b"10").map(|f| (f.1, f.2)), Some((1, 0.5)));
        assert_eq!(count_before(&lp, |s, _| s < 2.0), 2);
        assert_eq!(remove(&mut lp, b"a"), Some(2.0));
        assert_eq!(remove(&mut lp, b"a"), None);
        assert_eq!(remove_range(&mut lp, 0, 2), 2);
        assert_eq!(len(&lp), 2);
        let z = to_sorted_set(&lp);
        assert_eq!(z.len(), 2);
    }
}
