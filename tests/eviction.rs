//! `maxmemory` and eviction: the limit holds, each policy evicts what it
//! says and nothing else, `noeviction` refuses, and LRU/LFU keep what is
//! used.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use kvstore::{Config, Error, MaxmemoryPolicy, Reply, Store};

const MB: u64 = 1024 * 1024;

fn store(maxmemory: u64, policy: MaxmemoryPolicy) -> Store {
    let config = Config::builder()
        .maxmemory(maxmemory)
        .maxmemory_policy(policy)
        .active_expire(false)
        .build();
    Store::open(config).expect("open")
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Zipf(s) over `0..n` by inverse transform on the precomputed CDF.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n);
        let mut total = 0.0;
        for k in 1..=n {
            total += 1.0 / (k as f64).powf(s);
            cdf.push(total);
        }
        for c in &mut cdf {
            *c /= total;
        }
        Zipf { cdf }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}

#[test]
fn allkeys_lru_holds_the_limit_through_four_times_its_size_of_writes() {
    let max = 50 * MB;
    let s = store(max, MaxmemoryPolicy::AllkeysLru);
    let value = vec![b'v'; 1000];
    // One write: the value, its key and bucket, allocator rounding.
    let one_write = 1024 + 64;
    let mut peak = 0;
    for i in 0..200_000u32 {
        s.set(format!("key:{i:08}"), &value)
            .expect("evicts instead of failing");
        let used = s.used_memory();
        peak = peak.max(used);
        assert!(
            used as u64 <= max + one_write,
            "used {used} > maxmemory {max} + one write after {i} writes"
        );
    }
    let evicted = 200_000 - s.dbsize();
    assert!(evicted > 100_000, "evicted {evicted}");
    assert!(peak as u64 > max * 9 / 10, "the limit is used: peak {peak}");
    // The most recent writes are all there.
    for i in 199_000..200_000u32 {
        assert!(
            s.get(format!("key:{i:08}")).expect("get").is_some(),
            "key {i}"
        );
    }
}

#[test]
fn small_keys_held_in_their_buckets_are_evicted_within_the_limit() {
    // Key and value fit the 32-byte bucket: evicting one frees no
    // allocation, so the tables must stop growing at the limit.
    let max = 8 * MB;
    let s = store(max, MaxmemoryPolicy::AllkeysLru);
    for i in 0..1_000_000u32 {
        s.set(format!("k{i:07}"), "sixteen-bytes-ok")
            .expect("evicts");
        if i % 1000 == 0 {
            let used = s.used_memory() as u64;
            assert!(used <= max + 4096, "used {used} after {i} writes");
        }
    }
    let kept = s.dbsize();
    // 8 MB of 32-byte buckets with their clocks, mostly full.
    assert!(kept > 150_000, "kept only {kept} keys");
    assert!(s.used_memory() as u64 <= max + 4096);
}

#[test]
fn allkeys_lru_hit_rate_is_close_to_true_lru_on_a_zipf_workload() {
    let keys = 100_000usize;
    let max = 8 * MB;
    let s = store(max, MaxmemoryPolicy::AllkeysLru);
    let zipf = Zipf::new(keys, 1.0);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let value = vec![b'x'; 200];
    let accesses = 400_000;
    let mut hits = 0usize;
    let mut counted = 0usize;
    let mut sizes = 0usize;
    for n in 0..accesses {
        let key = format!("item:{}", zipf.sample(&mut rng));
        let hit = s.get(&key).expect("get").is_some();
        if !hit {
            s.set(&key, &value).expect("set");
        }
        if n >= accesses / 2 {
            counted += 1;
            hits += usize::from(hit);
            sizes += s.dbsize();
        }
    }
    let capacity = sizes / counted;
    // The same request stream against an exact LRU cache of the same
    // number of keys.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut last_use: HashMap<usize, u64> = HashMap::new();
    let mut by_age: BTreeMap<u64, usize> = BTreeMap::new();
    let mut ideal_hits = 0usize;
    for n in 0..accesses {
        let key = zipf.sample(&mut rng);
        let tick = n as u64;
        let hit = match last_use.insert(key, tick) {
            Some(old) => {
                by_age.remove(&old);
                true
            }
            None => false,
        };
        by_age.insert(tick, key);
        if last_use.len() > capacity
            && let Some((_, oldest)) = by_age.pop_first()
        {
            last_use.remove(&oldest);
        }
        if n >= accesses / 2 {
            ideal_hits += usize::from(hit);
        }
    }
    let ours = hits as f64 / counted as f64;
    let ideal = ideal_hits as f64 / counted as f64;
    eprintln!("capacity {capacity} keys: hit rate {ours:.4} vs ideal LRU {ideal:.4}");
    assert!(
        ours >= 0.9 * ideal,
        "hit rate {ours:.4} < 90% of ideal {ideal:.4}"
    );
}

#[test]
fn volatile_policies_never_evict_keys_without_a_ttl() {
    for policy in [
        MaxmemoryPolicy::VolatileLru,
        MaxmemoryPolicy::VolatileLfu,
        MaxmemoryPolicy::VolatileRandom,
        MaxmemoryPolicy::VolatileTtl,
    ] {
        let s = store(4 * MB, policy);
        let value = vec![b'p'; 100];
        for i in 0..5_000u32 {
            s.set(format!("persistent:{i}"), &value).expect("set");
        }
        let mut refused = None;
        for i in 0..200_000u32 {
            if let Err(e) = s.setex(format!("volatile:{i}"), 10_000, &value) {
                refused = Some(e);
                break;
            }
        }
        for i in 0..5_000u32 {
            assert!(
                s.get(format!("persistent:{i}")).expect("get").is_some(),
                "{policy:?} evicted persistent:{i}"
            );
        }
        assert!(s.used_memory() as u64 <= 4 * MB + 1024, "{policy:?}");
        // Volatile keys were evicted to make room for volatile keys.
        let volatile = s.dbsize() - 5_000;
        assert!(volatile < 200_000, "{policy:?}");
        // Past the point where only persistent keys remain, writes fail.
        if let Some(e) = refused {
            assert_eq!(e, Error::OutOfMemory, "{policy:?}");
        }
        for i in 0..50_000u32 {
            if let Err(e) = s.set(format!("more-persistent:{i}"), &value) {
                assert_eq!(e, Error::OutOfMemory);
                assert_eq!(
                    e.to_string(),
                    "OOM command not allowed when used memory > 'maxmemory'."
                );
                break;
            }
            assert!(i < 49_999, "{policy:?}: never refused");
        }
    }
}

#[test]
fn volatile_ttl_evicts_the_nearest_deadlines_first() {
    let s = store(2 * MB, MaxmemoryPolicy::VolatileTtl);
    let value = vec![b't'; 200];
    // Deadlines far apart: later keys live longer.
    for i in 0..30_000u32 {
        s.setex(format!("t:{i:06}"), 1_000 + i64::from(i) * 10, &value)
            .expect("setex");
    }
    let survivors: Vec<u32> = (0..30_000u32)
        .filter(|i| s.get(format!("t:{i:06}")).expect("get").is_some())
        .collect();
    assert!(!survivors.is_empty() && survivors.len() < 30_000);
    // Sampling approximates: nearly all survivors are in the later part.
    let late = survivors.iter().filter(|&&i| i >= 15_000).count();
    assert!(
        late as f64 >= 0.9 * survivors.len() as f64,
        "{late} of {} survivors late",
        survivors.len()
    );
}

#[test]
fn noeviction_refuses_growing_writes_and_allows_the_rest() {
    let s = store(2 * MB, MaxmemoryPolicy::NoEviction);
    let value = vec![b'n'; 500];
    let mut stored = 0u32;
    let err = loop {
        match s.set(format!("n:{stored}"), &value) {
            Ok(()) => stored += 1,
            Err(e) => break e,
        }
        assert!(stored < 100_000, "never refused");
    };
    assert_eq!(err, Error::OutOfMemory);
    assert_eq!(s.dbsize(), stored as usize, "nothing evicted");
    // Through execute, with Redis's text.
    let Reply::Error(e) = s.execute(&["SET", "x", "y"]) else {
        panic!("SET accepted past maxmemory");
    };
    assert_eq!(
        e.to_string(),
        "OOM command not allowed when used memory > 'maxmemory'."
    );
    assert!(matches!(s.execute(&["LPUSH", "l", "a"]), Reply::Error(_)));
    // Reads, deletes and TTL changes still work.
    assert_eq!(s.get("n:0").expect("get").as_deref(), Some(&value[..]));
    assert!(s.expire("n:1", 100).expect("expire"));
    assert_eq!(s.execute(&["DEL", "n:0", "n:2"]), Reply::Integer(2));
    // Deleting enough makes room again.
    for i in 3..stored / 2 {
        s.del([format!("n:{i}")]).expect("del");
    }
    s.set("x", "y").expect("room again");
    // Raising the limit at run time lets writes through.
    s.config_set(&[("maxmemory", "0")]).expect("config set");
    s.set("big", vec![0u8; 100_000]).expect("no limit");
}

#[test]
fn a_transaction_is_refused_whole_under_noeviction() {
    let s = store(MB, MaxmemoryPolicy::NoEviction);
    let value = vec![b'm'; 400];
    let mut i = 0u32;
    while s.set(format!("m:{i}"), &value).is_ok() {
        i += 1;
    }
    let mut session = kvstore::Session::new(&s);
    assert_eq!(session.execute(&["MULTI"]), Reply::ok());
    let Reply::Error(e) = session.execute(&["SET", "a", "b"]) else {
        panic!("queued past maxmemory");
    };
    assert!(e.to_string().starts_with("OOM "), "{e}");
    let Reply::Error(e) = session.execute(&["EXEC"]) else {
        panic!("EXEC ran");
    };
    assert!(e.to_string().starts_with("EXECABORT"), "{e}");
    assert_eq!(s.get("a").expect("get"), None);
}

#[test]
fn allkeys_lfu_keeps_the_frequently_used_keys() {
    let s = store(4 * MB, MaxmemoryPolicy::AllkeysLfu);
    let value = vec![b'f'; 200];
    for i in 0..1_000u32 {
        s.set(format!("hot:{i}"), &value).expect("set");
    }
    for _ in 0..20 {
        for i in 0..1_000u32 {
            s.get(format!("hot:{i}")).expect("get");
        }
    }
    for i in 0..50_000u32 {
        s.set(format!("cold:{i}"), &value).expect("set");
    }
    let hot_left = (0..1_000u32)
        .filter(|i| s.get(format!("hot:{i}")).expect("get").is_some())
        .count();
    assert!(hot_left >= 950, "only {hot_left} hot keys kept");
    assert!(s.object_freq("hot:1").expect("lfu").is_some_and(|f| f > 5));
    assert_eq!(s.object_idletime("hot:1"), Err(Error::IdleTimeNotTracked));
}

#[test]
fn allkeys_random_evicts_and_holds_the_limit() {
    let s = store(16 * MB, MaxmemoryPolicy::AllkeysRandom);
    let value = vec![b'r'; 300];
    for i in 0..160_000u32 {
        s.set(format!("r:{i}"), &value).expect("set");
        let used = s.used_memory() as u64;
        assert!(used <= 16 * MB + 512, "used {used} after {i} writes");
    }
    let early = (0..80_000u32)
        .filter(|i| s.get(format!("r:{i}")).expect("get").is_some())
        .count();
    let late = (80_000..160_000u32)
        .filter(|i| s.get(format!("r:{i}")).expect("get").is_some())
        .count();
    // Random: old keys survive too, fewer than recent ones.
    assert!(early > 0 && late > early, "early {early}, late {late}");
}

#[test]
fn evictions_publish_events_count_and_propagate_as_del() {
    let config = Config::builder()
        .maxmemory(MB)
        .maxmemory_policy(MaxmemoryPolicy::AllkeysLru)
        .notify_keyspace_events("Ee")
        .expect("flags")
        .build();
    let s = Store::open(config).expect("open");
    let mut events = s.subscriber();
    events.subscribe(["__keyevent@0__:evicted"]);
    let value = vec![b'e'; 500];
    for i in 0..5_000u32 {
        s.set(format!("e:{i}"), &value).expect("set");
    }
    let evicted: HashSet<Vec<u8>> = (0..5_000u32)
        .map(|i| format!("e:{i}").into_bytes())
        .filter(|k| s.get(k).expect("get").is_none())
        .collect();
    assert!(!evicted.is_empty());
    let mut seen = HashSet::new();
    while let Some(m) = events.get_message(Duration::ZERO).expect("subscriber") {
        if !m.kind().is_confirmation() {
            seen.insert(m.data().to_vec());
        }
    }
    assert_eq!(seen, evicted);
    let info = s.info(&["stats"]);
    assert!(
        info.contains(&format!("evicted_keys:{}\r\n", evicted.len())),
        "{info}"
    );
}

#[test]
fn object_idletime_and_freq_follow_accesses() {
    let clock = kvstore::ManualClock::new(1_000_000_000);
    let config = Config::builder().clock(clock.clone()).build();
    let s = Store::open(config).expect("open");
    s.set("k", "v").expect("set");
    clock.advance(Duration::from_secs(42));
    assert_eq!(s.execute(&["OBJECT", "IDLETIME", "k"]), Reply::Integer(42));
    // OBJECT does not count as an access; GET does.
    assert_eq!(s.object_idletime("k"), Ok(Some(42)));
    s.get("k").expect("get");
    assert_eq!(s.object_idletime("k"), Ok(Some(0)));
    assert_eq!(s.execute(&["OBJECT", "IDLETIME", "missing"]), Reply::Null);
    let Reply::Error(e) = s.execute(&["OBJECT", "FREQ", "k"]) else {
        panic!("FREQ without LFU");
    };
    assert!(
        e.to_string()
            .starts_with("ERR An LFU maxmemory policy is not selected")
    );
    s.config_set(&[("maxmemory-policy", "allkeys-lfu")])
        .expect("set");
    s.set("f", "v").expect("set");
    assert_eq!(s.execute(&["OBJECT", "FREQ", "f"]), Reply::Integer(5));
    // Decay: one per minute at lfu-decay-time 1.
    clock.advance(Duration::from_secs(180));
    assert_eq!(s.object_freq("f"), Ok(Some(2)));
    // RENAME looks its source up for writing, which is an access (as in
    // Redis); the renamed key carries that clock.
    s.config_set(&[("maxmemory-policy", "allkeys-lru")])
        .expect("set");
    s.set("old", "v").expect("set");
    clock.advance(Duration::from_secs(7));
    s.rename("old", "new").expect("rename");
    clock.advance(Duration::from_secs(3));
    assert_eq!(s.object_idletime("new"), Ok(Some(3)));
}

#[test]
fn lowering_maxmemory_at_run_time_evicts_on_the_next_writes() {
    let s = store(0, MaxmemoryPolicy::AllkeysLru);
    let value = vec![b'c'; 1000];
    for i in 0..10_000u32 {
        s.set(format!("c:{i}"), &value).expect("set");
    }
    let before = s.used_memory() as u64;
    assert!(before > 10 * MB);
    s.config_set(&[("maxmemory", "5mb")]).expect("config");
    for i in 0..200u32 {
        s.set(format!("d:{i}"), &value).expect("set");
    }
    // Each write evicts a bounded number of keys; enough writes get the
    // store to the new limit (plus, at most, the last write).
    for i in 200..5_000u32 {
        s.set(format!("d:{i}"), &value).expect("set");
        if s.used_memory() as u64 <= 5 * MB + 1100 {
            return;
        }
    }
    panic!("still at {} bytes", s.used_memory());
}
