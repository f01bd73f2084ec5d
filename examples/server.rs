//! A RESP server over a Store (SKELETON).
fn main() {}
