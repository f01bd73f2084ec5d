//! List operations on a stored value, whatever its encoding, with the
//! encoding switches of Redis 7.2: a list is a [`Listpack`] while it fits
//! one chunk's bound, becomes a [`QuickList`] when a write would take it
//! past that bound (`listTypeTryConvertListpack`), and goes back when it
//! shrinks to one chunk of at most half the bound
//! (`listTypeTryConvertQuicklist`).

use crate::encoding::listpack::{Elem, Listpack};
use crate::encoding::quicklist::{Fill, QuickList, lp_bytes, lp_remove_matching};
use crate::value::{ListRef, Value};

/// Number of elements.
pub(crate) fn len(list: ListRef<'_>) -> usize {
    match list {
        ListRef::Packed(lp) => lp.len(),
        ListRef::Quick(ql) => ql.len(),
    }
}

/// Number of elements of a list value (0 for any other value).
pub(crate) fn value_len(value: &Value) -> usize {
    match value {
        Value::ListPacked(lp) => lp.len(),
        Value::List(ql) => ql.len(),
        _ => 0,
    }
}

/// A Redis list index (negative counts from the tail) as a position, if in
/// range.
pub(crate) fn position(len: usize, index: i64) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let index = if index < 0 {
        len.checked_add(index)?
    } else {
        index
    };
    if (0..len).contains(&index) {
        usize::try_from(index).ok()
    } else {
        None
    }
}

/// A new, empty list value (packed).
pub(crate) fn new_value() -> Value {
    Value::ListPacked(Listpack::new())
}

/// Converts a packed list to a quicklist if adding `elems` would take it
/// past the bound (Redis 7.2's `listTypeTryConversionAppend`: the bytes of
/// the new elements are added as they are, whatever they replace).
fn grow_check(value: &mut Value, fill: Fill, elems: &[&[u8]]) {
    let Value::ListPacked(lp) = value else {
        return;
    };
    let add = elems.iter().fold(0usize, |n, e| n.saturating_add(e.len()));
    if fill.exceeds(
        lp_bytes(lp).saturating_add(add),
        lp.len().saturating_add(elems.len()),
    ) {
        let lp = std::mem::take(lp);
        *value = Value::List(Box::new(QuickList::from_listpack(lp, fill)));
    }
}

/// Converts a quicklist back to a packed list if it is one small chunk.
fn shrink_check(value: &mut Value) {
    let small = matches!(value, Value::List(ql) if ql.fits_one_listpack());
    if !small {
        return;
    }
    if let Value::List(ql) = std::mem::replace(value, new_value()) {
        *value = Value::ListPacked(ql.into_listpack());
    }
}

/// Pushes `elems` one by one at the head (`front`) or the tail.
pub(crate) fn push(value: &mut Value, fill: Fill, elems: &[&[u8]], front: bool) {
    grow_check(value, fill, elems);
    match value {
        Value::ListPacked(lp) => {
            for e in elems {
                if front {
                    lp.push_front(e);
                } else {
                    lp.push_back(e);
                }
            }
        }
        Value::List(ql) => {
            for e in elems {
                if front {
                    ql.push_front(e);
                } else {
                    ql.push_back(e);
                }
            }
        }
        _ => {}
    }
}

/// Pops one element from the head (`front`) or the tail.
pub(crate) fn pop(value: &mut Value, front: bool) -> Option<Vec<u8>> {
    let popped = pop_unchecked(value, front);
    shrink_check(value);
    popped
}

/// Pops one element without converting the encoding afterwards.
fn pop_unchecked(value: &mut Value, front: bool) -> Option<Vec<u8>> {
    match value {
        Value::ListPacked(lp) if front => lp.pop_front(),
        Value::ListPacked(lp) => lp.pop_back(),
        Value::List(ql) if front => ql.pop_front(),
        Value::List(ql) => ql.pop_back(),
        _ => None,
    }
}

/// `LMOVE key key`: moves one element from one end to the other. As Redis
/// 7.2, the shrink check runs after the push, so a rotation never changes
/// the encoding of a list whose length it keeps.
pub(crate) fn rotate(
    value: &mut Value,
    fill: Fill,
    from_front: bool,
    to_front: bool,
) -> Option<Vec<u8>> {
    let elem = pop_unchecked(value, from_front)?;
    push(value, fill, &[&elem], to_front);
    shrink_check(value);
    Some(elem)
}

/// Pops up to `n` elements from one end, in pop order.
pub(crate) fn pop_many(value: &mut Value, front: bool, n: usize) -> Vec<Vec<u8>> {
    let n = n.min(value_len(value));
    let mut out = Vec::with_capacity(n);
    match value {
        Value::ListPacked(lp) => {
            if front {
                out.extend(lp.iter().take(n).map(Elem::to_vec));
                if let Some(at) = lp.first() {
                    lp.remove_at(at, n);
                }
            } else {
                out.extend(lp.iter().rev().take(n).map(Elem::to_vec));
                if n > 0
                    && let Some(at) = lp.seek(-(n as i64))
                {
                    lp.remove_at(at, n);
                }
            }
        }
        Value::List(ql) => {
            ql.remove_end(front, n, Some(&mut out));
        }
        _ => {}
    }
    shrink_check(value);
    out
}

/// The element at a Redis index.
pub(crate) fn get(list: ListRef<'_>, index: i64) -> Option<Vec<u8>> {
    let pos = position(len(list), index)?;
    match list {
        ListRef::Packed(lp) => lp.seek(pos as i64).map(|at| lp.get(at).to_vec()),
        ListRef::Quick(ql) => ql.get(pos).map(Elem::to_vec),
    }
}

/// `count` elements from position `start` (both already in range).
pub(crate) fn range(list: ListRef<'_>, start: usize, count: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(count.min(len(list)));
    match list {
        ListRef::Packed(lp) => {
            if let Some(at) = lp.seek(start as i64) {
                out.extend(lp.iter_from(at).take(count).map(Elem::to_vec));
            }
        }
        ListRef::Quick(ql) => out.extend(ql.iter_from(start).take(count).map(Elem::to_vec)),
    }
    out
}

/// Replaces the element at a Redis index; returns whether it was in range.
/// As Redis 7.2, the growth check runs first, even for an index out of
/// range.
pub(crate) fn set(value: &mut Value, fill: Fill, index: i64, elem: &[u8]) -> bool {
    grow_check(value, fill, &[elem]);
    let Some(pos) = position(value_len(value), index) else {
        return false;
    };
    match value {
        Value::ListPacked(lp) => {
            if let Some(at) = lp.seek(pos as i64) {
                lp.replace_at(at, elem);
            }
        }
        Value::List(ql) => {
            ql.replace(pos, elem);
        }
        _ => {}
    }
    shrink_check(value);
    true
}

/// `LREM`: removes up to `|count|` elements equal to `elem` (all for 0),
/// from the tail when `count` is negative.
pub(crate) fn remove(value: &mut Value, count: i64, elem: &[u8]) -> usize {
    let budget = match count {
        0 => usize::MAX,
        c => usize::try_from(c.unsigned_abs()).unwrap_or(usize::MAX),
    };
    let from_tail = count < 0;
    let removed = match value {
        Value::ListPacked(lp) => lp_remove_matching(lp, elem, budget, from_tail),
        Value::List(ql) => ql.remove_matching(elem, budget, from_tail),
        _ => 0,
    };
    shrink_check(value);
    removed
}

/// `LTRIM`: keeps the elements from `start` to `stop` (Redis indices);
/// returns how many were removed.
pub(crate) fn trim(value: &mut Value, start: i64, stop: i64) -> usize {
    let llen = value_len(value);
    let n = i64::try_from(llen).unwrap_or(i64::MAX);
    let mut start = if start < 0 { n + start } else { start };
    let stop = if stop < 0 { n + stop } else { stop };
    if start < 0 {
        start = 0;
    }
    let (left, right) = if start > stop || start >= n {
        (llen, 0)
    } else {
        let stop = stop.min(n - 1);
        (
            usize::try_from(start).unwrap_or(0),
            usize::try_from(n - stop - 1).unwrap_or(0),
        )
    };
    match value {
        Value::ListPacked(lp) => {
            if left > 0
                && let Some(at) = lp.first()
            {
                lp.remove_at(at, left);
            }
            if right > 0
                && let Some(at) = lp.seek(-(right as i64))
            {
                lp.remove_at(at, right);
            }
        }
        Value::List(ql) => {
            ql.remove_end(true, left, None);
            ql.remove_end(false, right, None);
        }
        _ => {}
    }
    shrink_check(value);
    left + right
}

/// `LINSERT`: inserts `elem` before or after the first `pivot`; returns the
/// new length, or `None` if the pivot is absent.
pub(crate) fn insert(
    value: &mut Value,
    fill: Fill,
    pivot: &[u8],
    elem: &[u8],
    after: bool,
) -> Option<usize> {
    // Redis 7.2 checks the growth before looking for the pivot.
    grow_check(value, fill, &[elem]);
    match value {
        Value::ListPacked(lp) => {
            let mut at = lp.first();
            while let Some(a) = at {
                if lp.get(a).eq_bytes(pivot) {
                    let target = if after {
                        lp.next(a).unwrap_or(lp.end())
                    } else {
                        a
                    };
                    lp.insert_at(target, elem);
                    return Some(lp.len());
                }
                at = lp.next(a);
            }
            None
        }
        Value::List(ql) => {
            let index = ql.iter().position(|e| e.eq_bytes(pivot))?;
            ql.insert(index + usize::from(after), elem);
            Some(ql.len())
        }
        _ => None,
    }
}

/// `LPOS` scan: positions (from the head) of matches of `elem`.
///
/// `rank` counts matches from the head (positive) or the tail (negative);
/// `limit` is how many positions to return; `maxlen` (0 = all) bounds the
/// elements compared. `rank == i64::MIN` behaves as Redis 7.0 does, whose
/// negation overflows: scan from the tail, every match counts, and a COUNT
/// never ends the scan.
pub(crate) fn positions(
    list: ListRef<'_>,
    elem: &[u8],
    rank: i64,
    limit: usize,
    maxlen: usize,
) -> Vec<usize> {
    let from_tail = rank < 0;
    let skip = if rank == i64::MIN {
        0
    } else {
        usize::try_from(rank.unsigned_abs() - 1).unwrap_or(usize::MAX)
    };
    let n = len(list);
    let scan = |it: &mut dyn Iterator<Item = Elem<'_>>| {
        let mut out = Vec::new();
        let mut matches = 0usize;
        for (i, e) in it.enumerate() {
            if maxlen != 0 && i >= maxlen {
                break;
            }
            if e.eq_bytes(elem) {
                matches += 1;
                if matches > skip {
                    out.push(if from_tail { n - 1 - i } else { i });
                    if out.len() >= limit {
                        break;
                    }
                }
            }
        }
        out
    };
    match (list, from_tail) {
        (ListRef::Packed(lp), false) => scan(&mut lp.iter()),
        (ListRef::Packed(lp), true) => scan(&mut lp.iter().rev()),
        (ListRef::Quick(ql), false) => scan(&mut ql.iter()),
        (ListRef::Quick(ql), true) => scan(&mut ql.iter().rev()),
    }
}
