//! Unit tests of the set commands.
