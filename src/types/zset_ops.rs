//! ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD.
//!
//! Inputs may be sorted sets or plain sets (each member scoring 1), as in
//! Redis. Union and intersection visit inputs smallest first (Redis's
//! `zuiCompareByCardinality`), weights multiply scores (a NaN product
//! counts as 0), and a NaN sum becomes 0, as Redis's aggregation does.
//! The STORE forms write a packed result when it fits the limits
//! (`zsetConvertToListpackIfNeeded`), delete the destination for an empty
//! one, and propagate as given when they stored or deleted something.

use std::collections::{HashMap, HashSet};

use crate::encoding::zorder::cmp_entry;
use crate::keyspace::entry::Slot;
use crate::pubsub::class;
use crate::types::set::set_members;
use crate::types::with_byte_slices;
use crate::types::zset::{Aggregate, score_text, store_result};
use crate::value::ValueRef;
use crate::{Error, Result, Store};

type Scored = Vec<(Vec<u8>, f64)>;

/// Which combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZOp {
    Union,
    Inter,
    Diff,
}

impl ZOp {
    fn store_name(self) -> &'static [u8] {
        match self {
            ZOp::Union => b"ZUNIONSTORE",
            ZOp::Inter => b"ZINTERSTORE",
            ZOp::Diff => b"ZDIFFSTORE",
        }
    }

    /// The event of the STORE form.
    fn store_event(self) -> &'static str {
        match self {
            ZOp::Union => "zunionstore",
            ZOp::Inter => "zinterstore",
            ZOp::Diff => "zdiffstore",
        }
    }
}

/// The members and scores of one input (`None`: missing key).
fn input_of(slot: Option<&Slot>) -> Result<Option<Scored>> {
    let Some(slot) = slot else {
        return Ok(None);
    };
    match slot.value() {
        ValueRef::ZSet(z) => Ok(Some(z.collect(0, z.len(), false))),
        ValueRef::Set(s) => Ok(Some(set_members(s).into_iter().map(|m| (m, 1.0)).collect())),
        _ => Err(Error::WrongType),
    }
}

fn aggregate(agg: Aggregate, acc: f64, v: f64) -> f64 {
    match agg {
        Aggregate::Sum => {
            let s = acc + v;
            if s.is_nan() { 0.0 } else { s }
        }
        Aggregate::Min => acc.min(v),
        Aggregate::Max => acc.max(v),
    }
}

fn weighted(score: f64, w: f64) -> f64 {
    let v = score * w;
    if v.is_nan() { 0.0 } else { v }
}

/// Combines the inputs; the result is sorted by score, then member.
pub(crate) fn combine(
    op: ZOp,
    inputs: Vec<Option<Scored>>,
    weights: Option<&[f64]>,
    agg: Aggregate,
) -> Scored {
    let mut out: Scored = match op {
        ZOp::Diff => {
            let mut it = inputs.into_iter();
            let Some(Some(first)) = it.next() else {
                return Vec::new();
            };
            let others: HashSet<Vec<u8>> = it.flatten().flatten().map(|(m, _)| m).collect();
            first
                .into_iter()
                .filter(|(m, _)| !others.contains(m))
                .collect()
        }
        ZOp::Union | ZOp::Inter => {
            let mut srcs: Vec<(Scored, f64)> = Vec::with_capacity(inputs.len());
            for (i, input) in inputs.into_iter().enumerate() {
                let w = weights.and_then(|w| w.get(i)).copied().unwrap_or(1.0);
                match input {
                    Some(v) => srcs.push((v, w)),
                    None if op == ZOp::Inter => return Vec::new(),
                    None => {}
                }
            }
            srcs.sort_by_key(|(v, _)| v.len());
            let mut it = srcs.into_iter();
            let Some((first, w0)) = it.next() else {
                return Vec::new();
            };
            let mut acc: HashMap<Vec<u8>, f64> = HashMap::with_capacity(first.len());
            let mut order: Vec<Vec<u8>> = Vec::with_capacity(first.len());
            for (m, s) in first {
                if !acc.contains_key(&m) {
                    order.push(m.clone());
                }
                acc.insert(m, weighted(s, w0));
            }
            for (src, w) in it {
                if op == ZOp::Inter {
                    let other: HashMap<Vec<u8>, f64> = src.into_iter().collect();
                    acc.retain(|m, v| match other.get(m) {
                        Some(s) => {
                            // Redis zeroes a NaN product only for the first
                            // input; here `inf * 0` goes into the aggregate,
                            // where a NaN sum becomes 0.
                            *v = aggregate(agg, *v, *s * w);
                            true
                        }
                        None => false,
                    });
                } else {
                    for (m, s) in src {
                        let s = weighted(s, w);
                        match acc.get_mut(&m) {
                            Some(v) => *v = aggregate(agg, *v, s),
                            None => {
                                order.push(m.clone());
                                acc.insert(m, s);
                            }
                        }
                    }
                }
            }
            order
                .into_iter()
                .filter_map(|m| acc.remove(&m).map(|s| (m, s)))
                .collect()
        }
    };
    out.sort_by(|a, b| cmp_entry(a.1, &a.0, b.1, &b.0));
    out
}

impl Store {
    /// Reads the inputs under their shards' read locks (up to the first of
    /// another kind, as Redis).
    fn zop_inputs(&self, keys: &[&[u8]]) -> Result<Vec<Option<Scored>>> {
        self.read_keys_until_err(keys, input_of)
    }

    /// Only the inputs' types (Redis reports WRONGTYPE before option errors).
    pub(crate) fn zop_check_types(&self, keys: &[&[u8]]) -> Result<()> {
        self.read_keys_until_err(keys, |slot| match slot.map(Slot::value) {
            None | Some(ValueRef::ZSet(_) | ValueRef::Set(_)) => Ok(()),
            Some(_) => Err(Error::WrongType),
        })
        .map(|_| ())
    }

    /// ZUNION / ZINTER / ZDIFF without a destination.
    pub(crate) fn zop(
        &self,
        op: ZOp,
        keys: &[&[u8]],
        weights: Option<&[f64]>,
        agg: Aggregate,
    ) -> Result<Scored> {
        let inputs = self.zop_inputs(keys)?;
        Ok(combine(op, inputs, weights, agg))
    }

    /// The STORE forms; `argv` is the command to propagate.
    pub(crate) fn zop_store(
        &self,
        op: ZOp,
        dst: &[u8],
        keys: &[&[u8]],
        weights: Option<&[f64]>,
        agg: Aggregate,
        argv: &[&[u8]],
    ) -> Result<usize> {
        let limits = self.zset_limits();
        let keyspace = &self.inner.keyspace;
        let dloc = keyspace.locate(dst);
        let locs: Vec<_> = keys.iter().map(|k| keyspace.locate(k)).collect();
        let n = self.write_gated_then(
            || {
                let ctx = self.ctx();
                let mut guards =
                    keyspace.write_many(locs.iter().map(|l| l.shard).chain([dloc.shard]));
                let mut inputs = Vec::with_capacity(keys.len());
                for (key, loc) in keys.iter().zip(&locs) {
                    let shard = guards.shard_mut(loc.shard);
                    let slot = shard
                        .find_live(key, loc.hash, &ctx)
                        .and_then(|i| shard.slot(i));
                    if slot.is_none() {
                        // Redis reads the inputs with `lookupKeyRead`.
                        ctx.notify(class::KEY_MISS, "keymiss", key);
                    }
                    inputs.push(input_of(slot)?);
                }
                let result = combine(op, inputs, weights, agg);
                let target = guards.shard_mut(dloc.shard);
                let command = (op.store_event(), argv);
                Ok(store_result(
                    target, dst, dloc.hash, &result, limits, &ctx, command,
                ))
            },
            |&n: &usize| {
                if n > 0 {
                    self.signal_ready(dst);
                }
            },
        )?;
        Ok(n)
    }

    fn zop_store_typed(
        &self,
        op: ZOp,
        dst: &[u8],
        keys: &[&[u8]],
        weights: Option<&[f64]>,
        agg: Aggregate,
    ) -> Result<usize> {
        check_keys(keys, op.store_name())?;
        check_weights(keys, weights)?;
        let numkeys = keys.len().to_string();
        let wtexts: Vec<Vec<u8>> = weights
            .unwrap_or_default()
            .iter()
            .map(|w| score_text(*w).into_bytes())
            .collect();
        let mut argv: Vec<&[u8]> = vec![op.store_name(), dst, numkeys.as_bytes()];
        argv.extend_from_slice(keys);
        if weights.is_some() {
            argv.push(b"WEIGHTS");
            argv.extend(wtexts.iter().map(Vec::as_slice));
        }
        if op != ZOp::Diff && agg != Aggregate::Sum {
            argv.push(b"AGGREGATE");
            argv.push(if agg == Aggregate::Min {
                b"MIN"
            } else {
                b"MAX"
            });
        }
        self.zop_store(op, dst, keys, weights, agg, &argv)
    }

    /// `ZUNION numkeys key … [WEIGHTS w …] [AGGREGATE SUM|MIN|MAX] WITHSCORES`:
    /// every member of any input, scores combined.
    ///
    /// # Errors
    ///
    /// [`Error::ZNoInputKey`] for no keys, [`Error::Syntax`] when `weights`
    /// does not match the keys, [`Error::WrongType`] for an input that is
    /// neither a sorted set nor a set.
    ///
    /// ```
    /// use kvstore::{Aggregate, Store};
    /// let store = Store::new();
    /// store.zadd("a", [(1.0, "x"), (2.0, "y")])?;
    /// store.sadd("s", ["y", "z"])?;
    /// let u = store.zunion(["a", "s"], Some(&[10.0, 1.0]), Aggregate::Sum)?;
    /// assert_eq!(u, vec![(b"z".to_vec(), 1.0), (b"x".to_vec(), 10.0), (b"y".to_vec(), 21.0)]);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zunion(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<Scored> {
        with_byte_slices(keys, |keys| {
            check_keys(keys, b"zunion")?;
            check_weights(keys, weights)?;
            self.zop(ZOp::Union, keys, weights, aggregate)
        })
    }

    /// `ZINTER …`: members found in every input, scores combined.
    ///
    /// # Errors
    ///
    /// As [`Store::zunion`].
    pub fn zinter(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<Scored> {
        with_byte_slices(keys, |keys| {
            check_keys(keys, b"zinter")?;
            check_weights(keys, weights)?;
            self.zop(ZOp::Inter, keys, weights, aggregate)
        })
    }

    /// `ZDIFF numkeys key … WITHSCORES`: members of the first input found
    /// in no other, with their scores.
    ///
    /// # Errors
    ///
    /// As [`Store::zunion`].
    pub fn zdiff(&self, keys: impl IntoIterator<Item = impl AsRef<[u8]>>) -> Result<Scored> {
        with_byte_slices(keys, |keys| {
            check_keys(keys, b"zdiff")?;
            self.zop(ZOp::Diff, keys, None, Aggregate::Sum)
        })
    }

    /// `ZUNIONSTORE destination numkeys key …`: stores [`Store::zunion`]'s
    /// result; returns its size.
    ///
    /// # Errors
    ///
    /// As [`Store::zunion`].
    pub fn zunionstore(
        &self,
        destination: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<usize> {
        with_byte_slices(keys, |keys| {
            self.zop_store_typed(ZOp::Union, destination.as_ref(), keys, weights, aggregate)
        })
    }

    /// `ZINTERSTORE destination numkeys key …`: stores [`Store::zinter`]'s
    /// result; returns its size.
    ///
    /// # Errors
    ///
    /// As [`Store::zunion`].
    pub fn zinterstore(
        &self,
        destination: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<usize> {
        with_byte_slices(keys, |keys| {
            self.zop_store_typed(ZOp::Inter, destination.as_ref(), keys, weights, aggregate)
        })
    }

    /// `ZDIFFSTORE destination numkeys key …`: stores [`Store::zdiff`]'s
    /// result; returns its size.
    ///
    /// # Errors
    ///
    /// As [`Store::zunion`].
    pub fn zdiffstore(
        &self,
        destination: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<usize> {
        with_byte_slices(keys, |keys| {
            self.zop_store_typed(ZOp::Diff, destination.as_ref(), keys, None, Aggregate::Sum)
        })
    }

    /// `ZINTERCARD numkeys key … [LIMIT limit]`: the size of the
    /// intersection, counting stops at `limit` (0: no limit).
    ///
    /// # Errors
    ///
    /// As [`Store::zunion`].
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.zadd("a", [(1.0, "x"), (2.0, "y")])?;
    /// store.zadd("b", [(1.0, "y"), (2.0, "x")])?;
    /// assert_eq!(store.zintercard(["a", "b"], 0)?, 2);
    /// assert_eq!(store.zintercard(["a", "b"], 1)?, 1);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn zintercard(
        &self,
        keys: impl IntoIterator<Item = impl AsRef<[u8]>>,
        limit: usize,
    ) -> Result<usize> {
        with_byte_slices(keys, |keys| {
            check_keys(keys, b"zintercard")?;
            let n = self.zop(ZOp::Inter, keys, None, Aggregate::Sum)?.len();
            Ok(if limit == 0 { n } else { n.min(limit) })
        })
    }
}

fn check_keys(keys: &[&[u8]], command: &[u8]) -> Result<()> {
    if keys.is_empty() {
        let name = match command.to_ascii_lowercase().as_slice() {
            b"zunion" => "zunion",
            b"zinter" => "zinter",
            b"zdiff" => "zdiff",
            b"zunionstore" => "zunionstore",
            b"zinterstore" => "zinterstore",
            b"zdiffstore" => "zdiffstore",
            _ => "zintercard",
        };
        return Err(Error::ZNoInputKey(name));
    }
    Ok(())
}

fn check_weights(keys: &[&[u8]], weights: Option<&[f64]>) -> Result<()> {
    match weights {
        Some(w) if w.len() != keys.len() || w.iter().any(|x| x.is_nan()) => Err(Error::Syntax),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[(&str, f64)]) -> Option<Scored> {
        Some(
            items
                .iter()
                .map(|(m, s)| (m.as_bytes().to_vec(), *s))
                .collect(),
        )
    }

    #[test]
    fn combine_like_redis() {
        let a = v(&[("x", 1.0), ("y", 2.0)]);
        let b = v(&[("y", 3.0), ("z", f64::INFINITY)]);
        let u = combine(
            ZOp::Union,
            vec![a.clone(), b.clone()],
            Some(&[2.0, 0.0]),
            Aggregate::Sum,
        );
        // inf * 0 is NaN, counted as 0.
        assert_eq!(
            u,
            vec![
                (b"z".to_vec(), 0.0),
                (b"x".to_vec(), 2.0),
                (b"y".to_vec(), 4.0)
            ]
        );
        let i = combine(ZOp::Inter, vec![a.clone(), b.clone()], None, Aggregate::Max);
        assert_eq!(i, vec![(b"y".to_vec(), 3.0)]);
        assert!(combine(ZOp::Inter, vec![a.clone(), None], None, Aggregate::Sum).is_empty());
        let d = combine(ZOp::Diff, vec![a.clone(), b, None], None, Aggregate::Sum);
        assert_eq!(d, vec![(b"x".to_vec(), 1.0)]);
        let s = combine(
            ZOp::Union,
            vec![v(&[("a", f64::INFINITY)]), v(&[("a", f64::NEG_INFINITY)])],
            None,
            Aggregate::Sum,
        );
        assert_eq!(s, vec![(b"a".to_vec(), 0.0)]);
    }
}
