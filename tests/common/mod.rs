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
