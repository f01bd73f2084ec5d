//! Helpers shared by the integration tests.
//!
//! Each test binary that says `mod common;` compiles this module on its own,
//! and none uses every helper, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod commands;
pub mod redis;
pub mod rng;
pub mod watchdog;
