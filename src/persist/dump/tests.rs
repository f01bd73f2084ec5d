//! Loading a dump straight into a shard (`load_dump`) gives what the
//! commands of `restore_dump` give: same keys, contents, deadlines and
//! `OBJECT ENCODING`, for random dumps around every encoding threshold,
//! duplicates and expired fields included.

use bincode::config::standard;

use super::{DumpValue, HashField, KeyDump, KeyDumpRef, dump_value};
use crate::{Config, ManualClock, Store};

const NOW: i64 = 1_700_000_000_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// Thresholds: tiny ones (every conversion happens with a few members) or
/// the defaults.
fn store(tiny: bool, fill: i64) -> Store {
    let mut config = Config::builder()
        .clock(ManualClock::new(NOW))
        .active_expire(false)
        .shards(4)
        .list_max_listpack_size(fill);
    if tiny {
        config = config
            .set_max_intset_entries(5)
            .set_max_listpack_entries(4)
            .set_max_listpack_value(6)
            .hash_max_listpack_entries(4)
            .hash_max_listpack_value(6)
            .zset_max_listpack_entries(4)
            .zset_max_listpack_value(6);
    }
    Store::open(config.build()).expect("open")
}

/// A member: small and big integers (canonical or not), short and long
/// strings, from a small pool so that duplicates happen.
fn member(rng: &mut Rng) -> Vec<u8> {
    let pool = [
        "1",
        "2",
        "-3",
        "40",
        "007",
        "-0",
        "99999",
        "65536",
        "-2147483649",
        "a",
        "b",
        "cc",
        "hello",
        "longer-than-six",
        "x1",
        "9223372036854775807",
        "",
    ];
    match rng.below(4) {
        0 => rng.next().to_string().into_bytes(),
        _ => rng.pick(&pool).as_bytes().to_vec(),
    }
}

fn members(rng: &mut Rng, distinct: bool) -> Vec<Vec<u8>> {
    let most = if rng.below(4) == 0 { 700 } else { 9 };
    let n = 1 + rng.below(most);
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(n);
    let ints_only = rng.below(3) == 0;
    while out.len() < n {
        let m = if ints_only {
            (rng.next() % 1000).to_string().into_bytes()
        } else {
            member(rng)
        };
        if distinct && out.contains(&m) {
            if out.len() > 20 || rng.below(10) == 0 {
                break;
            }
            continue;
        }
        out.push(m);
    }
    out
}

fn deadline(rng: &mut Rng) -> Option<i64> {
    match rng.below(6) {
        0 => Some(NOW - 1),
        1 => Some(NOW),
        2 => Some(NOW + 1 + rng.below(100_000) as i64),
        _ => None,
    }
}

fn random_dump(rng: &mut Rng, i: usize) -> KeyDump {
    // Collections from a real keyspace hold distinct members; a CRC-valid
    // but odd file may not.
    let distinct = rng.below(5) != 0;
    let value = match rng.below(5) {
        0 => DumpValue::String(member(rng)),
        1 => DumpValue::List(members(rng, false)),
        2 => DumpValue::Set(members(rng, distinct)),
        3 => {
            let ttls = rng.below(3) == 0;
            DumpValue::Hash(
                members(rng, distinct)
                    .into_iter()
                    .map(|field| HashField {
                        value: member(rng),
                        field,
                        expire_at_ms: if ttls { deadline(rng) } else { None },
                    })
                    .collect(),
            )
        }
        _ => {
            let mut pairs: Vec<(Vec<u8>, f64)> = members(rng, distinct)
                .into_iter()
                .map(|m| (m, (rng.below(7) as f64) * 0.5))
                .collect();
            if rng.below(3) != 0 {
                pairs.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            }
            DumpValue::ZSet(pairs)
        }
    };
    let empty = rng.below(40) == 0;
    KeyDump {
        key: format!("k{}", i % 60).into_bytes(),
        expire_at_ms: if rng.below(4) == 0 {
            deadline(rng)
        } else {
            None
        },
        value: match value {
            DumpValue::List(_) if empty => DumpValue::List(Vec::new()),
            DumpValue::Set(_) if empty => DumpValue::Set(Vec::new()),
            DumpValue::Hash(_) if empty => DumpValue::Hash(Vec::new()),
            other => other,
        },
    }
}

/// Every key with its encoding, deadline and value; a table's members are
/// sorted (its order is the hasher's), packed orders are kept.
fn contents(store: &Store) -> Vec<(Vec<u8>, &'static str, i64, DumpValue)> {
    let mut keys = store.keys("*").expect("keys");
    keys.sort();
    keys.into_iter()
        .map(|key| {
            let encoding = store.object_encoding(&key).expect("encoding").expect("key");
            let at = store.pexpiretime(&key).expect("pexpiretime");
            let mut value = store.read_key(&key, |slot| dump_value(slot.expect("slot").value()));
            if encoding == "hashtable" {
                match &mut value {
                    DumpValue::Set(m) => m.sort(),
                    DumpValue::Hash(f) => f.sort_by(|a, b| a.field.cmp(&b.field)),
                    _ => {}
                }
            }
            (key, encoding, at, value)
        })
        .collect()
}

#[test]
fn load_dump_builds_what_the_commands_build() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut seen = std::collections::BTreeSet::new();
    for round in 0..24 {
        let tiny = round % 2 == 0;
        let fill = [-2, 4, -1, 1][round / 2 % 4];
        let (direct, commands) = (store(tiny, fill), store(tiny, fill));
        for i in 0..200 {
            let dump = random_dump(&mut rng, i);
            // Through the file's bytes, as a snapshot load sees it.
            let bytes = bincode::serde::encode_to_vec(&dump, standard()).expect("encode");
            let (borrowed, used) =
                bincode::serde::borrow_decode_from_slice::<KeyDumpRef<'_>, _>(&bytes, standard())
                    .expect("decode");
            assert_eq!(used, bytes.len());
            assert_eq!(borrowed.to_owned_dump(), dump);
            let a = direct.load_dump(borrowed);
            let b = commands.restore_dump(dump.clone());
            assert_eq!(a.is_ok(), b.is_ok(), "{dump:?}: {a:?} vs {b:?}");
            let (a, b) = (contents(&direct), contents(&commands));
            seen.extend(a.iter().map(|(_, enc, _, v)| (v.type_name(), *enc)));
            let first_diff = a.iter().zip(&b).find(|(x, y)| x != y);
            assert!(
                first_diff.is_none() && a.len() == b.len(),
                "round {round} after {dump:?}: {first_diff:?}, {} vs {} keys",
                a.len(),
                b.len()
            );
        }
    }
    for kind in [
        ("list", "listpack"),
        ("list", "quicklist"),
        ("set", "intset"),
        ("set", "listpack"),
        ("set", "hashtable"),
        ("hash", "listpack"),
        ("hash", "hashtable"),
        ("zset", "listpack"),
        ("zset", "skiplist"),
    ] {
        assert!(seen.contains(&kind), "never built {kind:?}");
    }
}

#[test]
fn a_hash_whose_fields_all_expired_is_no_key() {
    let s = store(false, -2);
    s.set("h", "was here").expect("set");
    let dump = KeyDump {
        key: b"h".to_vec(),
        expire_at_ms: None,
        value: DumpValue::Hash(vec![HashField {
            field: b"f".to_vec(),
            value: b"v".to_vec(),
            expire_at_ms: Some(NOW - 1),
        }]),
    };
    s.restore_dump(dump.clone()).expect("restore");
    assert_eq!(s.exists(["h"]).expect("exists"), 0);
    s.set("h", "was here").expect("set");
    let bytes = bincode::serde::encode_to_vec(&dump, standard()).expect("encode");
    let (borrowed, _) =
        bincode::serde::borrow_decode_from_slice::<KeyDumpRef<'_>, _>(&bytes, standard())
            .expect("decode");
    s.load_dump(borrowed).expect("load");
    assert_eq!(s.exists(["h"]).expect("exists"), 0);
}

#[test]
fn loaded_field_deadlines_are_found_by_active_expiry() {
    let s = Store::open(Config::builder().clock(ManualClock::new(NOW)).build()).expect("open");
    let fields = (0..3)
        .map(|i| HashField {
            field: format!("f{i}").into_bytes(),
            value: b"v".to_vec(),
            expire_at_ms: (i == 0).then_some(NOW + 10),
        })
        .collect();
    let dump = KeyDump {
        key: b"h".to_vec(),
        expire_at_ms: None,
        value: DumpValue::Hash(fields),
    };
    let bytes = bincode::serde::encode_to_vec(&dump, standard()).expect("encode");
    let (borrowed, _) =
        bincode::serde::borrow_decode_from_slice::<KeyDumpRef<'_>, _>(&bytes, standard())
            .expect("decode");
    s.load_dump(borrowed).expect("load");
    assert_eq!(s.object_encoding("h").expect("enc"), Some("hashtable"));
    assert_eq!(s.hlen("h").expect("hlen"), 3);
    // Registered for active field expiry, as `Shard::insert` does.
    let keyspace = &s.inner.keyspace;
    let loc = keyspace.locate(b"h");
    let at = {
        let shard = keyspace.read(loc.shard);
        let index = shard.hash_ttls();
        index
            .find(b"h", loc.hash)
            .and_then(|i| index.get(i))
            .map(|e| e.at())
    };
    assert_eq!(at, Some(NOW + 10));
}
