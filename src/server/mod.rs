//! The RESP server (SKELETON: filled in by the main session).
