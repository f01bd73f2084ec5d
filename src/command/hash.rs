//! Argument parsing for the hash commands.
