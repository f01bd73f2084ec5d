//! List commands (Redis's `t_list.c`).
