//! Argument parsing for the sorted-set commands.
