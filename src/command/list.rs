//! Argument parsing for the list commands.
