//! Sorted-set commands (Redis's `t_zset.c`).
