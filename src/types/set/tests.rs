//! Unit tests of the set commands.

use crate::{Reply, Store};

fn run(s: &Store, argv: &[&str]) -> Reply {
    s.execute(argv)
}

#[test]
fn smoke() {
    let s = Store::new();
    assert_eq!(run(&s, &["SADD", "s", "1", "2", "x"]), Reply::Integer(3));
    assert_eq!(s.object_encoding("s"), Ok(Some("listpack")));
    assert_eq!(run(&s, &["SCARD", "s"]), Reply::Integer(3));
}
