//! Helpers shared by the integration tests.
//!
//! Each test binary that says `mod common;` compiles this module on its own,
//! and none uses every helper, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod commands;
pub mod dataset;
pub mod dump;
pub mod redis;
pub mod rng;
#[cfg(feature = "server")]
pub mod server;
pub mod watchdog;

use std::sync::Mutex;

use kvstore::{Config, ManualClock, Store, WriteObserver};

/// A store on a manual clock standing at `start_ms`, with `shards` shards and
/// no background expiry (tests drive time and reclaiming themselves).
pub fn manual_store(start_ms: i64, shards: usize) -> (Store, ManualClock) {
    let clock = ManualClock::new(start_ms);
    let config = Config::builder()
        .clock(clock.clone())
        .active_expire(false)
        .shards(shards)
        .build();
    let store = Store::open(config).expect("open");
    (store, clock)
}

/// Records every propagated command.
#[derive(Default)]
pub struct Recorder(Mutex<Vec<Vec<String>>>);

impl WriteObserver for Recorder {
    fn on_write(&self, argv: &[&[u8]]) {
        let cmd = argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        self.0.lock().expect("recorder").push(cmd);
    }
}

impl Recorder {
    pub fn take(&self) -> Vec<Vec<String>> {
        std::mem::take(&mut *self.0.lock().expect("recorder"))
    }
}

/// The files of the log's manifest, as (kind, name) in manifest order,
/// from the `file … seq … type b|i` lines Redis 7.0 writes.
pub fn manifest_files(dir: &std::path::Path) -> Vec<(char, String)> {
    let path = dir.join("appendonlydir").join("appendonly.aof.manifest");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let name = words
                .iter()
                .position(|w| *w == "file")
                .and_then(|i| words.get(i + 1))?;
            let kind = words
                .iter()
                .position(|w| *w == "type")
                .and_then(|i| words.get(i + 1))?;
            Some((kind.chars().next()?, (*name).to_owned()))
        })
        .collect()
}
