//! Set commands against a `BTreeSet` model, with thresholds small enough
//! that sets cross every encoding boundary.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::{enc, store_with};
use crate::Store;

type Model = BTreeMap<u8, BTreeSet<Vec<u8>>>;

#[derive(Debug, Clone)]
enum Op {
    Add(u8, Vec<u8>),
    Rem(u8, Vec<u8>),
    Pop(u8, usize),
    Move(u8, u8, u8),
    Store(u8, u8, u8, u8),
}

/// Members: small integers, big integers and strings of a few lengths.
fn member(n: u8) -> Vec<u8> {
    match n % 4 {
        0 | 1 => (i64::from(n) - 30).to_string().into_bytes(),
        2 => (i64::from(n) * 1_000_000_007).to_string().into_bytes(),
        _ => "s".repeat(usize::from(n % 11)).into_bytes(),
    }
}

fn members() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0u8..60, 1..6)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..3, members()).prop_map(|(k, m)| Op::Add(k, m)),
        3 => (0u8..3, members()).prop_map(|(k, m)| Op::Rem(k, m)),
        1 => (0u8..3, 0usize..6).prop_map(|(k, n)| Op::Pop(k, n)),
        1 => (0u8..3, 0u8..3, 0u8..60).prop_map(|(a, b, m)| Op::Move(a, b, m)),
        1 => (0u8..3, 0u8..3, 0u8..3, 0u8..3).prop_map(|(o, d, a, b)| Op::Store(o, d, a, b)),
    ]
}

fn key(k: u8) -> String {
    format!("k{k}")
}

fn check(s: &Store, model: &Model) -> Result<(), TestCaseError> {
    for k in 0..3u8 {
        let want = model.get(&k).cloned().unwrap_or_default();
        let got: BTreeSet<Vec<u8>> = s.smembers(key(k)).expect("smembers").into_iter().collect();
        prop_assert_eq!(&got, &want);
        prop_assert_eq!(s.scard(key(k)).expect("scard"), want.len());
        // The encoding always fits the members (conversions are one-way, so
        // a bigger encoding than needed is fine).
        match enc(s, &key(k)) {
            None => prop_assert!(want.is_empty()),
            Some("intset") => {
                prop_assert!(want.len() <= 6);
                prop_assert!(want.iter().all(|m| crate::number::parse_i64(m).is_some()));
            }
            Some("listpack") => {
                prop_assert!(want.len() <= 4);
                prop_assert!(want.iter().all(|m| m.len() <= 8));
            }
            Some(e) => prop_assert_eq!(e, "hashtable"),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn commands_match_a_btreeset_model(ops in prop::collection::vec(op(), 1..80)) {
        let (s, _) = store_with(6, 4, 8);
        let mut model = Model::new();
        for op in ops {
            match op {
                Op::Add(k, ms) => {
                    let ms: Vec<Vec<u8>> = ms.into_iter().map(member).collect();
                    let set = model.entry(k).or_default();
                    let added = ms.iter().filter(|m| set.insert((*m).clone())).count();
                    prop_assert_eq!(s.sadd(key(k), &ms).expect("sadd"), added);
                }
                Op::Rem(k, ms) => {
                    let ms: Vec<Vec<u8>> = ms.into_iter().map(member).collect();
                    let set = model.entry(k).or_default();
                    let removed = ms.iter().filter(|m| set.remove(*m)).count();
                    prop_assert_eq!(s.srem(key(k), &ms).expect("srem"), removed);
                }
                Op::Pop(k, n) => {
                    let set = model.entry(k).or_default();
                    let popped = s.spop_count(key(k), n).expect("spop");
                    prop_assert_eq!(popped.len(), n.min(set.len()));
                    for m in popped {
                        prop_assert!(set.remove(&m), "popped a non-member");
                    }
                }
                Op::Move(a, b, m) => {
                    let m = member(m);
                    let had = model.entry(a).or_default().contains(&m);
                    prop_assert_eq!(s.smove(key(a), key(b), &m).expect("smove"), had);
                    if had && a != b {
                        model.entry(a).or_default().remove(&m);
                        model.entry(b).or_default().insert(m);
                    }
                }
                Op::Store(o, d, a, b) => {
                    let x = model.get(&a).cloned().unwrap_or_default();
                    let y = model.get(&b).cloned().unwrap_or_default();
                    let (result, n): (BTreeSet<Vec<u8>>, usize) = match o {
                        0 => {
                            let r: BTreeSet<_> = x.intersection(&y).cloned().collect();
                            let n = s.sinterstore(key(d), [key(a), key(b)]).expect("sinterstore");
                            prop_assert_eq!(s.sintercard([key(a), key(b)], 0).expect("card"), r.len());
                            (r, n)
                        }
                        1 => {
                            let r: BTreeSet<_> = x.union(&y).cloned().collect();
                            (r, s.sunionstore(key(d), [key(a), key(b)]).expect("sunionstore"))
                        }
                        _ => {
                            let r: BTreeSet<_> = x.difference(&y).cloned().collect();
                            (r, s.sdiffstore(key(d), [key(a), key(b)]).expect("sdiffstore"))
                        }
                    };
                    prop_assert_eq!(n, result.len());
                    model.insert(d, result);
                }
            }
            model.retain(|_, set| !set.is_empty());
            check(&s, &model)?;
        }
    }
}
