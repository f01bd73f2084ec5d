//! Argument parsing for the set commands.
