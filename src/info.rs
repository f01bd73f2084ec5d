//! `INFO`: the store's state as Redis 7.0's text report, and the counters
//! behind it.
//!
//! The text is Redis's: a `# Section` header, then `field:value` lines,
//! each ending in CRLF, with a blank line between sections. Fields a client
//! may read are named and formatted as Redis names and formats them; the
//! values the store cannot know yet (persistence, replication) are the
//! fixed values Redis reports in the same situation (nothing saved, no
//! replicas), never made-up activity.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use crate::Store;

/// The version of Redis whose behaviour the store implements; clients gate
/// features on it.
pub(crate) const REDIS_VERSION: &str = "7.0.15";

/// The sections, in Redis's order, and whether `INFO` without arguments
/// (or `INFO default`) includes them.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("modules", true),
    ("cluster", true),
    ("keyspace", true),
];

/// Which sections `names` select, as Redis 7.0 reads `INFO [section …]`:
/// case-insensitive, `default`, `all` and `everything` stand for groups,
/// unknown names select nothing, no name means `default`.
fn selected(names: &[&[u8]]) -> [bool; SECTIONS.len()] {
    let mut on = [false; SECTIONS.len()];
    if names.is_empty() {
        for (i, (_, default)) in SECTIONS.iter().enumerate() {
            on[i] = *default;
        }
        return on;
    }
    for name in names {
        let name = name.to_ascii_lowercase();
        for (i, (section, default)) in SECTIONS.iter().enumerate() {
            let hit = match name.as_slice() {
                b"all" | b"everything" => true,
                b"default" => *default,
                other => other == section.as_bytes(),
            };
            on[i] |= hit;
        }
    }
    on
}

/// Redis's `bytesToHuman`: `1.63M`, `512B`.
pub(crate) fn bytes_to_human(n: u64) -> String {
    const UNITS: &[(u32, char)] = &[(1, 'K'), (2, 'M'), (3, 'G'), (4, 'T'), (5, 'P')];
    if n < 1024 {
        return format!("{n}B");
    }
    for &(power, unit) in UNITS {
        let limit = 1024u128.pow(power + 1);
        if u128::from(n) < limit {
            let d = n as f64 / 1024f64.powi(power as i32);
            return format!("{d:.2}{unit}");
        }
    }
    format!("{n}B")
}

/// CPU time of the process (`RUSAGE_SELF`) or of its waited-for children.
fn cpu_times(who: libc::c_int) -> (String, String) {
    // SAFETY: getrusage only writes the struct it is given, which is a
    // plain C struct for which all-zero bytes are a valid value.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(who, &mut usage) != 0 {
            return ("0.000000".into(), "0.000000".into());
        }
        usage
    };
    let fmt = |t: libc::timeval| format!("{}.{:06}", t.tv_sec, t.tv_usec);
    (fmt(usage.ru_stime), fmt(usage.ru_utime))
}

/// `uname -srm`, as Redis's `os:` field.
fn os_name() -> String {
    // SAFETY: uname fills the struct it is given (all-zero bytes are a
    // valid value); its fields are NUL-terminated C strings on success.
    unsafe {
        let mut name: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut name) != 0 {
            return std::env::consts::OS.to_owned();
        }
        let text = |f: &[libc::c_char]| {
            std::ffi::CStr::from_ptr(f.as_ptr())
                .to_string_lossy()
                .into_owned()
        };
        format!(
            "{} {} {}",
            text(&name.sysname),
            text(&name.release),
            text(&name.machine)
        )
    }
}

/// Appends one `field:value` line.
fn field(out: &mut String, key: &str, value: &dyn std::fmt::Display) {
    let _ = write!(out, "{key}:{value}\r\n");
}

impl Store {
    /// `INFO [section …]`: Redis 7.0's report of the server's state, as
    /// text. Sections: `server`, `clients`, `memory`, `persistence`,
    /// `stats`, `replication`, `cpu`, `modules`, `cluster`, `keyspace`;
    /// `default`, `all` and `everything` select groups (no section means
    /// `default`, which is all of them here); names are case-insensitive and
    /// unknown ones select nothing.
    ///
    /// Reports `redis_version:7.0.15` (the behaviour implemented; clients
    /// gate features on it) and `kvstore_version` (this crate's version).
    /// Values of features the store lacks yet are Redis's for a server that
    /// has none of them: nothing saved (`rdb_changes_since_last_save:0`,
    /// `aof_enabled:0`), no replicas (`role:master`, `connected_slaves:0`),
    /// no Lua (`used_memory_lua:0`); `instantaneous_ops_per_sec` is 0
    /// (not sampled) and `used_memory_peak` is the peak seen by memory
    /// reports (`INFO memory`, [`Store::info_memory`], `MEMORY STATS`).
    /// The memory section is [`InfoMemory`](crate::InfoMemory)'s text.
    /// `avg_ttl` of the keyspace line is 0 (not estimated).
    ///
    /// ```
    /// use kvstore::Store;
    ///
    /// let store = Store::new();
    /// store.set("a", "1")?;
    /// let info = store.info(&["server", "keyspace"]);
    /// assert!(info.starts_with("# Server\r\nredis_version:7.0.15\r\n"));
    /// assert!(info.ends_with("\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n"));
    /// assert!(store.info(&["no-such-section"]).is_empty());
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    #[must_use]
    pub fn info(&self, sections: &[&str]) -> String {
        let names: Vec<&[u8]> = sections.iter().map(|s| s.as_bytes()).collect();
        self.info_bytes(&names)
    }

    /// [`Store::info`] for byte section names (the `INFO` command).
    pub(crate) fn info_bytes(&self, names: &[&[u8]]) -> String {
        let on = selected(names);
        let mut out = String::new();
        let mut first = true;
        for (i, (section, _)) in SECTIONS.iter().enumerate() {
            if !on[i] {
                continue;
            }
            if !first {
                out.push_str("\r\n");
            }
            first = false;
            self.info_section(section, &mut out);
        }
        out
    }

    fn info_section(&self, section: &str, out: &mut String) {
        let inner = &self.inner;
        let stats = &inner.stats;
        let settings = &inner.settings;
        match section {
            "server" => {
                let uptime = inner.started.elapsed().as_secs();
                let now_us = inner.clock.now_ms().saturating_mul(1000);
                let exe = std::env::current_exe()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let _ = write!(out, "# Server\r\n");
                field(out, "redis_version", &REDIS_VERSION);
                field(out, "kvstore_version", &env!("CARGO_PKG_VERSION"));
                field(out, "redis_git_sha1", &"00000000");
                field(out, "redis_git_dirty", &0);
                field(out, "redis_mode", &"standalone");
                field(out, "os", &os_name());
                field(out, "arch_bits", &usize::BITS);
                field(out, "process_id", &std::process::id());
                field(out, "process_supervised", &"no");
                field(out, "run_id", &inner.run_id);
                field(out, "tcp_port", &settings.server_param("port"));
                field(out, "server_time_usec", &now_us);
                field(out, "uptime_in_seconds", &uptime);
                field(out, "uptime_in_days", &(uptime / 86_400));
                field(out, "hz", &settings.hz());
                field(out, "configured_hz", &settings.hz());
                field(out, "executable", &exe);
                field(out, "config_file", &"");
                field(out, "io_threads_active", &0);
                return;
            }
            "clients" => {
                let _ = write!(out, "# Clients\r\n");
                field(
                    out,
                    "connected_clients",
                    &stats.connected_clients.load(Ordering::Relaxed),
                );
                field(out, "cluster_connections", &0);
                field(out, "maxclients", &settings.server_param("maxclients"));
                field(out, "blocked_clients", &self.blocked_clients());
                field(out, "tracking_clients", &0);
                return;
            }
            _ => {}
        }
        match section {
            "memory" => {
                let _ = write!(out, "{}", self.info_memory());
            }
            "persistence" => {
                let _ = write!(out, "# Persistence\r\n");
                for (k, v) in self.inner.persistence_info() {
                    field(out, k, &v);
                }
            }
            "stats" => {
                let _ = write!(out, "# Stats\r\n");
                let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
                field(
                    out,
                    "total_connections_received",
                    &load(&stats.total_connections_received),
                );
                field(
                    out,
                    "total_commands_processed",
                    &stats.total_commands_processed.sum(),
                );
                // Not sampled yet.
                field(out, "instantaneous_ops_per_sec", &0);
                field(
                    out,
                    "rejected_connections",
                    &load(&stats.rejected_connections),
                );
                field(out, "expired_keys", &load(&stats.expired_keys));
                field(out, "evicted_keys", &load(&stats.evicted_keys));
                let pubsub = &self.inner.pubsub;
                field(
                    out,
                    "pubsub_channels",
                    &pubsub.channel_names(false, None).len(),
                );
                field(out, "pubsub_patterns", &pubsub.pattern_count());
                // Redis 7.0's name for it.
                field(
                    out,
                    "pubsubshard_channels",
                    &pubsub.channel_names(true, None).len(),
                );
            }
            "replication" => {
                let _ = write!(out, "# Replication\r\n");
                field(out, "role", &"master");
                field(out, "connected_slaves", &0);
                field(out, "master_failover_state", &"no-failover");
                field(out, "master_replid", &inner.run_id);
                field(out, "master_replid2", &"0".repeat(40));
                field(out, "master_repl_offset", &0);
                field(out, "second_repl_offset", &-1);
                field(out, "repl_backlog_active", &0);
            }
            "cpu" => {
                let (sys, user) = cpu_times(libc::RUSAGE_SELF);
                let (sys_children, user_children) = cpu_times(libc::RUSAGE_CHILDREN);
                let _ = write!(out, "# CPU\r\n");
                field(out, "used_cpu_sys", &sys);
                field(out, "used_cpu_user", &user);
                field(out, "used_cpu_sys_children", &sys_children);
                field(out, "used_cpu_user_children", &user_children);
            }
            "modules" => {
                let _ = write!(out, "# Modules\r\n");
            }
            "cluster" => {
                let _ = write!(out, "# Cluster\r\n");
                field(out, "cluster_enabled", &0);
            }
            "keyspace" => {
                let _ = write!(out, "# Keyspace\r\n");
                let (keys, expires) = self.keyspace_counts();
                if keys > 0 {
                    let _ = write!(out, "db0:keys={keys},expires={expires},avg_ttl=0\r\n");
                }
            }
            _ => {}
        }
    }

    /// Keys (as DBSIZE counts them) and keys with a time to live.
    fn keyspace_counts(&self) -> (usize, usize) {
        let guards = self.inner.keyspace.read_all();
        guards.iter().fold((0, 0), |(keys, expires), (_, shard)| {
            (keys + shard.len(), expires + shard.expires().len())
        })
    }

    /// `CONFIG RESETSTAT`: zeroes the counters of `INFO stats`
    /// (commands, connections, expired and evicted keys). The memory peak
    /// stays, as in Redis 7.0.
    ///
    /// ```
    /// let store = kvstore::Store::new();
    /// store.execute(&["PING"]);
    /// store.reset_stats();
    /// assert!(store.info(&["stats"]).contains("total_commands_processed:0\r\n"));
    /// ```
    pub fn reset_stats(&self) {
        let stats = &self.inner.stats;
        stats.total_commands_processed.reset();
        stats.total_connections_received.store(0, Ordering::Relaxed);
        stats.rejected_connections.store(0, Ordering::Relaxed);
        stats.expired_keys.store(0, Ordering::Relaxed);
        stats.evicted_keys.store(0, Ordering::Relaxed);
    }

    /// Counts one command run (every command `execute` dispatches to a
    /// handler).
    pub(crate) fn count_command(&self) {
        self.inner.stats.total_commands_processed.incr();
    }

    /// The RESP server accepted a connection.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn client_connected(&self) {
        let stats = &self.inner.stats;
        stats.connected_clients.fetch_add(1, Ordering::Relaxed);
        stats
            .total_connections_received
            .fetch_add(1, Ordering::Relaxed);
    }

    /// A connection the server accepted was closed.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn client_disconnected(&self) {
        let clients = &self.inner.stats.connected_clients;
        let _ = clients.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// The RESP server refused a connection (over `maxclients`).
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn connection_rejected(&self) {
        let stats = &self.inner.stats;
        stats.rejected_connections.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes_match_redis() {
        assert_eq!(bytes_to_human(0), "0B");
        assert_eq!(bytes_to_human(1023), "1023B");
        assert_eq!(bytes_to_human(1024), "1.00K");
        assert_eq!(bytes_to_human(1_707_896), "1.63M");
        assert_eq!(bytes_to_human(672_676_992), "641.51M");
        assert_eq!(bytes_to_human(25_276_502_016), "23.54G");
    }

    #[test]
    fn sections_are_selected_like_redis() {
        let all = [true; SECTIONS.len()];
        assert_eq!(selected(&[]), all);
        assert_eq!(selected(&[b"EVERYTHING"]), all);
        let on = selected(&[b"CPU", b"server", b"nope"]);
        assert_eq!(on.iter().filter(|&&b| b).count(), 2);
        assert!(on[0] && on[6]);
    }

    #[test]
    fn sections_are_separated_by_blank_lines() {
        let store = Store::new();
        let text = store.info(&["cluster", "modules"]);
        assert_eq!(text, "# Modules\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n");
        let text = store.info(&[]);
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
        assert_eq!(headers.len(), SECTIONS.len());
        assert!(text.contains("\r\nrole:master\r\n"));
        assert!(!text.contains("db0:"), "no keyspace line when empty");
    }

    #[test]
    fn connection_counters() {
        let store = Store::new();
        store.client_connected();
        store.client_connected();
        store.client_disconnected();
        store.connection_rejected();
        let text = store.info(&["clients", "stats"]);
        assert!(text.contains("connected_clients:1\r\n"));
        assert!(text.contains("total_connections_received:2\r\n"));
        assert!(text.contains("rejected_connections:1\r\n"));
        store.client_disconnected();
        store.client_disconnected();
        assert!(store.info(&["clients"]).contains("connected_clients:0\r\n"));
    }

    #[test]
    fn pubsub_counts_in_stats() {
        let store = Store::new();
        let mut a = store.subscriber();
        let mut b = store.subscriber();
        a.subscribe(["x", "y"]);
        b.subscribe(["x"]);
        a.psubscribe(["p*"]);
        b.psubscribe(["p*", "q*"]);
        b.ssubscribe(["s"]);
        let text = store.info(&["stats"]);
        assert!(text.contains("\r\npubsub_channels:2\r\n"), "{text}");
        assert!(text.contains("\r\npubsub_patterns:2\r\n"), "{text}");
        assert!(text.contains("\r\npubsubshard_channels:1\r\n"), "{text}");
        drop(b);
        let text = store.info(&["stats"]);
        assert!(text.contains("\r\npubsub_patterns:1\r\n"), "{text}");
        assert!(text.contains("\r\npubsubshard_channels:0\r\n"), "{text}");
    }
}
