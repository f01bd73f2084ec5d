//! Set commands (Redis's `t_set.c`).
