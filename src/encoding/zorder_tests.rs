//! Tests of the counted B+tree against a `BTreeSet` model.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

/// Model key: scores are small integers here, so `i64` orders them.
type Key = (i64, Vec<u8>);

fn entries(t: &ZOrder) -> Vec<Key> {
    let mut out = Vec::new();
    t.for_range(0, t.len(), false, |s, m| out.push((s as i64, m.to_vec())));
    out
}

#[derive(Debug, Clone)]
enum Op {
    Insert(i64, Vec<u8>),
    Remove(i64, Vec<u8>),
    RemoveAt(usize),
    RemoveRange(i64, i64),
}

fn member() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(b'a'..=b'e', 0..3),
        proptest::collection::vec(any::<u8>(), 20..40),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..50i64, member()).prop_map(|(s, m)| Op::Insert(s, m)),
        2 => (0..50i64, member()).prop_map(|(s, m)| Op::Remove(s, m)),
        1 => any::<usize>().prop_map(Op::RemoveAt),
        1 => (0..50i64, 0..50i64).prop_map(|(a, b)| Op::RemoveRange(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn behaves_like_a_btreeset(ops in proptest::collection::vec(op(), 1..2000)) {
        let mut t = ZOrder::new();
        let mut model: BTreeSet<Key> = BTreeSet::new();
        for op in ops {
            match op {
                Op::Insert(s, m) => {
                    if model.insert((s, m.clone())) {
                        t.insert(s as f64, &m);
                    }
                }
                Op::Remove(s, m) => {
                    prop_assert_eq!(t.remove(s as f64, &m), model.remove(&(s, m)));
                }
                Op::RemoveAt(r) => {
                    if !model.is_empty() {
                        let r = r % model.len();
                        let want = model.iter().nth(r).cloned();
                        let got = t.remove_at(r).map(|e| (e.score as i64, e.member().to_vec()));
                        prop_assert_eq!(&got, &want);
                        if let Some(k) = want {
                            model.remove(&k);
                        }
                    }
                }
                Op::RemoveRange(a, b) => {
                    let lo = t.count_before(|s, _| s < a as f64);
                    let hi = t.count_before(|s, _| s <= b as f64);
                    for _ in lo..hi.max(lo) {
                        t.remove_at(lo);
                    }
                    model.retain(|(s, _)| *s < a || *s > b);
                }
            }
        }
        t.check();
        let all: Vec<Key> = model.iter().cloned().collect();
        prop_assert_eq!(entries(&t), all.clone());
        prop_assert_eq!(t.len(), model.len());
        for (r, (s, m)) in all.iter().enumerate() {
            prop_assert_eq!(t.rank(*s as f64, m), Some(r));
            let e = t.get(r).map(|e| (e.score as i64, e.member().to_vec()));
            prop_assert_eq!(e.as_ref(), Some(&(*s, m.clone())));
        }
        for s in 0..50i64 {
            let want = all.iter().filter(|(x, _)| *x < s).count();
            prop_assert_eq!(t.count_before(|x, _| x < s as f64), want);
            prop_assert_eq!(t.rank(s as f64, b"zzz-absent"), None);
        }
        // Reverse ranges.
        let n = all.len();
        if n > 2 {
            let mut got = Vec::new();
            t.for_range(1, n - 1, true, |s, m| got.push((s as i64, m.to_vec())));
            let want: Vec<Key> = all[1..n - 1].iter().rev().cloned().collect();
            prop_assert_eq!(got, want);
        }
    }
}

#[test]
fn lex_ranges_with_equal_scores() {
    let mut t = ZOrder::new();
    let mut model = BTreeSet::new();
    for i in 0..3000u32 {
        let m = format!("m{:05}", (i * 7919) % 3000).into_bytes();
        t.insert(0.0, &m);
        model.insert(m);
    }
    let min = b"m01000".as_slice();
    let max = b"m02000".as_slice();
    let lo = t.count_before(|_, m| m < min);
    let hi = t.count_before(|_, m| m <= max);
    let want: Vec<Vec<u8>> = model.range(min.to_vec()..=max.to_vec()).cloned().collect();
    let mut got = Vec::new();
    t.for_range(lo, hi, false, |_, m| got.push(m.to_vec()));
    assert_eq!(got, want);
    t.check();
}

#[test]
fn hundred_thousand_ranks_and_ranges() {
    let n = 100_000usize;
    let mut t = ZOrder::new();
    // Scores out of order, with ties broken by member.
    for i in 0..n {
        let k = (i * 48_271) % n;
        t.insert((k / 2) as f64, format!("{k:08}").as_bytes());
    }
    t.check();
    assert_eq!(t.len(), n);
    for k in (0..n).step_by(997) {
        assert_eq!(
            t.rank((k / 2) as f64, format!("{k:08}").as_bytes()),
            Some(k)
        );
        assert_eq!(
            t.get(k).map(Entry::member),
            Some(format!("{k:08}").as_bytes())
        );
    }
    assert_eq!(t.count_before(|s, _| s < 1000.0), 2000);
    let mut got = Vec::new();
    t.for_range(2000, 2010, false, |s, _| got.push(s));
    assert_eq!(
        got,
        [
            1000.0, 1000.0, 1001.0, 1001.0, 1002.0, 1002.0, 1003.0, 1003.0, 1004.0, 1004.0
        ]
    );
    // Remove every other entry by key, then a rank range.
    for k in (0..n).step_by(2) {
        assert!(t.remove((k / 2) as f64, format!("{k:08}").as_bytes()));
    }
    assert_eq!(t.len(), n / 2);
    for _ in 0..10_000 {
        t.remove_at(100);
    }
    assert_eq!(t.len(), n / 2 - 10_000);
    t.check();
}

#[test]
fn appends_fill_leaves() {
    let mut t = ZOrder::new();
    for i in 0..10_000 {
        t.insert(f64::from(i) * 1.5, format!("member:{i:09}").as_bytes());
    }
    t.check();
    // Full leaves: one leaf per LEAF_CAP entries, plus the last partial one.
    assert!(t.census.leaves <= 10_000 / LEAF_CAP + 1);
    assert!(t.heap_bytes() < 10_000 * 40);
}

#[test]
fn zero_and_negative_zero_tie_on_member() {
    let mut t = ZOrder::new();
    t.insert(-0.0, b"b");
    t.insert(0.0, b"a");
    let mut got = Vec::new();
    t.for_range(0, 2, false, |_, m| got.push(m.to_vec()));
    assert_eq!(got, [b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(t.rank(0.0, b"b"), Some(1));
}
