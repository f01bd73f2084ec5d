//! The server's settings, with redis-server's option names and values, so
//! `--port 6380 --requirepass pw --dir ./data` mean what they mean to Redis.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::persist::{AppendFsync, AppendLogOptions, SnapshotOptions};
use crate::{Config, MaxmemoryPolicy, Store};

/// How a [`Server`](super::Server) listens and whom it lets in. Built with
/// the methods below or parsed from redis-server style arguments
/// ([`ServerConfig::from_args`]).
///
/// ```
/// use kvstore::server::ServerConfig;
///
/// let config = ServerConfig::from_args(["--port", "6380", "--requirepass", "s3cret"])?;
/// assert_eq!(config, ServerConfig::new().port(6380).requirepass("s3cret"));
/// # Ok::<(), kvstore::server::OptionsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct ServerConfig {
    pub(super) bind: String,
    pub(super) port: u16,
    pub(super) dir: Option<PathBuf>,
    pub(super) requirepass: Option<String>,
    pub(super) threads: usize,
    pub(super) max_clients: usize,
    /// `save`, `dbfilename`: `None` is `save ""`.
    pub(super) snapshot: Option<SnapshotOptions>,
    /// `appendonly yes` and the `append*` options.
    pub(super) append_only: bool,
    pub(super) append_log: AppendLogOptions,
    /// `notify-keyspace-events`, as given (checked).
    pub(super) notify_keyspace_events: Option<String>,
    /// `client-output-buffer-limit` groups (`pubsub 32mb 8mb 60`), as
    /// given (checked), in order.
    pub(super) output_buffer_limits: Vec<String>,
    /// `maxmemory` in bytes, when given.
    pub(super) maxmemory: Option<u64>,
    /// `maxmemory-policy`, when given.
    pub(super) maxmemory_policy: Option<MaxmemoryPolicy>,
    /// `maxmemory-samples` (1 to 64), when given.
    pub(super) maxmemory_samples: Option<u32>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1".into(),
            port: 6379,
            dir: None,
            requirepass: None,
            threads: default_threads(),
            max_clients: 10_000,
            snapshot: Some(SnapshotOptions::new()),
            append_only: false,
            append_log: AppendLogOptions::new(),
            notify_keyspace_events: None,
            output_buffer_limits: Vec::new(),
            maxmemory: None,
            maxmemory_policy: None,
            maxmemory_samples: None,
        }
    }
}

/// Where `pubsub` is in Redis's order of output-buffer classes (`normal`,
/// `slave`, `pubsub`).
const PUBSUB_CLASS: usize = 2;

/// Half the cores, at least one: the other half is left to the clients'
/// side of the kernel's TCP work and to the application embedding the
/// server (on 2 cores with redis-benchmark beside it, one loop serves 1.2–1.5×
/// more pipelined requests than two; docs/benchmarks.md).
fn default_threads() -> usize {
    (std::thread::available_parallelism().map_or(1, usize::from) / 2).max(1)
}

/// A redis-server style option that is wrong or not supported yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsError(String);

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OptionsError {}

impl ServerConfig {
    /// The defaults: `127.0.0.1:6379`, no password, event loops on half the cores,
    /// `maxclients 10000`.
    pub fn new() -> ServerConfig {
        ServerConfig::default()
    }

    /// `bind`: the address to listen on (default `127.0.0.1`).
    pub fn bind(mut self, addr: impl Into<String>) -> Self {
        self.bind = addr.into();
        self
    }

    /// `port` (default 6379; 0 picks a free port, see
    /// [`Server::local_addr`](super::Server::local_addr)).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// `dir`: the data directory. Without one the store the server is
    /// given decides; [`ServerConfig::store_config`] turns the persistence
    /// options into a store [`Config`] using it.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// `requirepass`: clients must `AUTH` with this password first.
    pub fn requirepass(mut self, password: impl Into<String>) -> Self {
        self.requirepass = Some(password.into());
        self
    }

    /// Event-loop threads (default: half the cores, at least one).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// `maxclients` (default 10000): connections beyond it get
    /// `ERR max number of clients reached`.
    pub fn max_clients(mut self, max: usize) -> Self {
        self.max_clients = max;
        self
    }

    /// `appendonly yes|no` (default no): keep an append log in `dir`.
    pub fn append_only(mut self, on: bool) -> Self {
        self.append_only = on;
        self
    }

    /// The append log's options (`appendfsync`, `appendfilename`, …).
    pub fn append_log(mut self, options: AppendLogOptions) -> Self {
        self.append_log = options;
        self
    }

    /// `save` and `dbfilename`: the snapshot's options; `None` is
    /// `save ""` (no snapshot loaded or saved automatically). Default:
    /// Redis's save points.
    pub fn snapshot(mut self, options: Option<SnapshotOptions>) -> Self {
        self.snapshot = options;
        self
    }

    /// `notify-keyspace-events` (default none): the keyspace events writes
    /// publish, as Redis's classes (`KEA`, `Ex`, …).
    ///
    /// # Errors
    ///
    /// A character that is not an event class.
    pub fn notify_keyspace_events(mut self, classes: &str) -> Result<Self, OptionsError> {
        crate::pubsub::parse_notify_flags(classes.as_bytes())
            .map_err(|why| OptionsError(format!("option '--notify-keyspace-events': {why}")))?;
        self.notify_keyspace_events = Some(classes.to_owned());
        Ok(self)
    }

    /// `client-output-buffer-limit <class> <hard> <soft> <seconds>`
    /// (several groups may follow each other). The `pubsub` class bounds
    /// each subscriber's queue (default `32mb 8mb 60`); the others are
    /// kept for `CONFIG GET`.
    ///
    /// ```
    /// use kvstore::server::ServerConfig;
    ///
    /// let options = ServerConfig::from_args(["--client-output-buffer-limit", "pubsub", "1mb", "0", "0"])?;
    /// let store = kvstore::Store::open(options.store_config())?;
    /// assert!(store.config_get(&["client-output-buffer-limit"])[0].1.ends_with("pubsub 1048576 0 0"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Redis's reasons: a class, size or number it does not take.
    pub fn client_output_buffer_limit(mut self, limits: &str) -> Result<Self, OptionsError> {
        crate::pubsub::PubSubSettings::parse_limits(limits.as_bytes())
            .map_err(|why| OptionsError(format!("option '--client-output-buffer-limit': {why}")))?;
        self.output_buffer_limits.push(limits.to_owned());
        Ok(self)
    }

    /// `maxmemory`: the store's memory limit in bytes (0: none, the
    /// default). Past it, writes evict keys or fail, per
    /// [`maxmemory_policy`](ServerConfig::maxmemory_policy).
    ///
    /// ```
    /// use kvstore::MaxmemoryPolicy;
    /// use kvstore::server::ServerConfig;
    ///
    /// let options = ServerConfig::from_args([
    ///     "--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru", "--maxmemory-samples", "10",
    /// ])?;
    /// assert_eq!(
    ///     options,
    ///     ServerConfig::new()
    ///         .maxmemory(100 << 20)
    ///         .maxmemory_policy(MaxmemoryPolicy::AllkeysLru)
    ///         .maxmemory_samples(10)
    /// );
    /// let store = kvstore::Store::open(options.store_config())?;
    /// assert_eq!(store.config_get(&["maxmemory"]), [("maxmemory".to_string(), "104857600".to_string())]);
    /// assert_eq!(store.info_memory().maxmemory_policy, MaxmemoryPolicy::AllkeysLru);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn maxmemory(mut self, bytes: u64) -> Self {
        self.maxmemory = Some(bytes);
        self
    }

    /// `maxmemory-policy` (default `noeviction`).
    pub fn maxmemory_policy(mut self, policy: MaxmemoryPolicy) -> Self {
        self.maxmemory_policy = Some(policy);
        self
    }

    /// `maxmemory-samples`: keys sampled per eviction (1 to 64, default 5;
    /// clamped).
    pub fn maxmemory_samples(mut self, samples: u32) -> Self {
        self.maxmemory_samples = Some(samples.clamp(1, 64));
        self
    }

    /// The store [`Config`] these options ask for: with a `dir`, the
    /// snapshot (unless `save ""`) and the append log (with `appendonly
    /// yes`) in it; without one, an in-memory store. The pub/sub options
    /// (`notify-keyspace-events`, the `pubsub` output-buffer limit) are in
    /// it too.
    ///
    /// ```
    /// use kvstore::server::ServerConfig;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let dir = dir.path().to_str().expect("utf-8 path");
    /// let options = ServerConfig::from_args(["--dir", dir, "--appendonly", "yes"])?;
    /// let store = kvstore::Store::open(options.store_config())?;
    /// assert_eq!(store.config_get(&["appendonly"]), vec![("appendonly".to_string(), "yes".to_string())]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn store_config(&self) -> Config {
        let mut builder = Config::builder();
        if let Some(dir) = &self.dir {
            builder = builder.dir(dir);
            if let Some(snapshot) = &self.snapshot {
                builder = builder.snapshot(snapshot.clone());
            }
            if self.append_only {
                builder = builder.append_log(self.append_log.clone());
            }
        }
        if let Some(classes) = &self.notify_keyspace_events {
            // Checked when given.
            builder = match builder.clone().notify_keyspace_events(classes) {
                Ok(b) => b,
                Err(_) => builder,
            };
        }
        for (class, limit) in self.limits() {
            if class == PUBSUB_CLASS {
                builder = builder.pubsub_buffer_limit(limit);
            }
        }
        if let Some(bytes) = self.maxmemory {
            builder = builder.maxmemory(bytes);
        }
        if let Some(policy) = self.maxmemory_policy {
            builder = builder.maxmemory_policy(policy);
        }
        if let Some(samples) = self.maxmemory_samples {
            builder = builder.maxmemory_samples(samples);
        }
        builder.build()
    }

    /// The output-buffer limits given, by class index.
    fn limits(&self) -> Vec<(usize, crate::OutputBufferLimit)> {
        self.output_buffer_limits
            .iter()
            .filter_map(|text| crate::pubsub::PubSubSettings::parse_limits(text.as_bytes()).ok())
            .flatten()
            .collect()
    }

    /// Parses redis-server style arguments (`--port 6380 --bind 0.0.0.0`).
    /// Each `--name` takes the values up to the next `--name`. Options of
    /// features not built yet are refused with a message saying so, unless
    /// their value is the one that keeps the feature off (`--daemonize no`).
    /// Persistence options (`--save`, `--appendonly`, `--appendfsync`, …)
    /// take effect through [`ServerConfig::store_config`].
    ///
    /// # Errors
    ///
    /// An unknown option, a bad value, or a feature not available yet.
    pub fn from_args<I, S>(args: I) -> Result<ServerConfig, OptionsError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut config = ServerConfig::new();
        let mut directives: Vec<(String, Vec<String>)> = Vec::new();
        for arg in args {
            let arg = arg.as_ref();
            if let Some(name) = arg.strip_prefix("--") {
                directives.push((name.to_ascii_lowercase(), Vec::new()));
            } else if let Some((_, values)) = directives.last_mut() {
                values.push(arg.to_owned());
            } else {
                return Err(OptionsError(format!(
                    "unexpected argument '{arg}': options are --name value (a config file is not supported)"
                )));
            }
        }
        for (name, values) in directives {
            config = config.directive(&name, &values)?;
        }
        Ok(config)
    }

    fn directive(mut self, name: &str, values: &[String]) -> Result<Self, OptionsError> {
        let one = || match values {
            [v] => Ok(v.as_str()),
            _ => Err(OptionsError(format!(
                "option '--{name}' takes one value, got {}",
                values.len()
            ))),
        };
        let number = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| OptionsError(format!("option '--{name}': '{v}' is not a number")))
        };
        match name {
            "port" => {
                let v = one()?;
                self.port = v
                    .parse()
                    .map_err(|_| OptionsError(format!("option '--port': bad port '{v}'")))?;
            }
            "bind" => {
                // Redis accepts several addresses; we listen on the first.
                let first = values
                    .first()
                    .ok_or_else(|| OptionsError("option '--bind' needs an address".into()))?;
                self.bind = first.clone();
            }
            "dir" => self.dir = Some(PathBuf::from(one()?)),
            "requirepass" => {
                let v = one()?;
                self.requirepass = (!v.is_empty()).then(|| v.to_owned());
            }
            "maxclients" => self.max_clients = number(one()?)?,
            "io-threads" | "threads" => self.threads = number(one()?)?.max(1),
            "appendonly" => self.append_only = yes_no(name, one()?)?,
            "save" => self.snapshot = save_points(values, self.snapshot.take())?,
            "dbfilename" => {
                let name = one()?.to_owned();
                self.snapshot = self.snapshot.map(|s| s.file_name(name));
            }
            "appendfsync" => {
                let v = one()?;
                let policy = AppendFsync::from_name(v.as_bytes()).ok_or_else(|| {
                    OptionsError(format!("option '--appendfsync': bad value '{v}'"))
                })?;
                self.append_log = self.append_log.fsync(policy);
            }
            "appendfilename" => self.append_log = self.append_log.file_name(one()?),
            "appenddirname" => self.append_log = self.append_log.dir_name(one()?),
            "auto-aof-rewrite-percentage" => {
                self.append_log = self
                    .append_log
                    .auto_rewrite_percentage(number(one()?)? as u64);
            }
            "auto-aof-rewrite-min-size" => {
                let v = one()?;
                let bytes = crate::settings::parse_memory(v.as_bytes()).ok_or_else(|| {
                    OptionsError(format!("option '--{name}': '{v}' is not a memory value"))
                })?;
                self.append_log = self.append_log.auto_rewrite_min_size(bytes);
            }
            "notify-keyspace-events" => {
                // `--notify-keyspace-events ""` is allowed: no events.
                let v = if values.is_empty() { "" } else { one()? };
                return self.notify_keyspace_events(v);
            }
            "client-output-buffer-limit" => {
                return self.client_output_buffer_limit(&values.join(" "));
            }
            "aof-load-truncated" => {
                self.append_log = self.append_log.load_truncated(yes_no(name, one()?)?);
            }
            "maxmemory" => {
                let v = one()?;
                let bytes = crate::settings::parse_memory(v.as_bytes()).ok_or_else(|| {
                    OptionsError(format!(
                        "option '--maxmemory': '{v}': argument must be a memory value"
                    ))
                })?;
                self.maxmemory = Some(bytes);
            }
            "maxmemory-policy" => {
                let v = one()?;
                let policy = MaxmemoryPolicy::from_name(v).ok_or_else(|| {
                    OptionsError(format!(
                        "option '--maxmemory-policy': '{v}': argument(s) must be one of the following: {}",
                        MaxmemoryPolicy::names().join(", ")
                    ))
                })?;
                self.maxmemory_policy = Some(policy);
            }
            "maxmemory-samples" => {
                let v = one()?;
                let samples = v.parse::<u32>().ok().filter(|n| (1..=64).contains(n));
                let samples = samples.ok_or_else(|| {
                    OptionsError(format!(
                        "option '--maxmemory-samples': '{v}': argument must be between 1 and 64 inclusive"
                    ))
                })?;
                self.maxmemory_samples = Some(samples);
            }
            // Values that keep a feature off are what we do already.
            "daemonize" if one()? == "no" => {}
            "protected-mode" | "loglevel" | "logfile" | "databases" => {}
            "replicaof" | "slaveof" => {
                return Err(OptionsError(format!(
                    "option '--{name}' is not available yet (its feature has not landed)"
                )));
            }
            _ => {
                return Err(OptionsError(format!(
                    "Bad directive or wrong number of arguments: '--{name}'"
                )));
            }
        }
        Ok(self)
    }

    /// Puts the settings clients can see (`CONFIG GET`, `AUTH`) into the
    /// store.
    pub(super) fn apply(&self, store: &Store, port: u16) -> io::Result<()> {
        if let Some(dir) = &self.dir {
            std::fs::create_dir_all(dir)?;
        }
        store.set_server_param("port", port.to_string());
        store.set_server_param("bind", self.bind.clone());
        if let Some(dir) = &self.dir {
            store.set_server_param("dir", dir.display().to_string());
        }
        store.set_server_param("maxclients", self.max_clients.to_string());
        let set = |name: &str, value: &str| {
            store
                .config_set(&[(name, value)])
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))
        };
        if let Some(pw) = &self.requirepass {
            set("requirepass", pw)?;
        }
        // Also on a store opened without `store_config`.
        if let Some(classes) = &self.notify_keyspace_events {
            set("notify-keyspace-events", classes)?;
        }
        for limits in &self.output_buffer_limits {
            set("client-output-buffer-limit", limits)?;
        }
        if let Some(bytes) = self.maxmemory {
            set("maxmemory", &bytes.to_string())?;
        }
        if let Some(policy) = self.maxmemory_policy {
            set("maxmemory-policy", policy.as_str())?;
        }
        if let Some(samples) = self.maxmemory_samples {
            set("maxmemory-samples", &samples.to_string())?;
        }
        Ok(())
    }
}

fn yes_no(name: &str, value: &str) -> Result<bool, OptionsError> {
    match value.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(OptionsError(format!(
            "option '--{name}': argument must be 'yes' or 'no'"
        ))),
    }
}

/// `--save "3600 1 300 100"` (or the pairs as separate values); `""`
/// turns snapshots off.
fn save_points(
    values: &[String],
    current: Option<SnapshotOptions>,
) -> Result<Option<SnapshotOptions>, OptionsError> {
    let words: Vec<&str> = values.iter().flat_map(|v| v.split_whitespace()).collect();
    if words.is_empty() {
        return Ok(None);
    }
    let bad = || OptionsError("option '--save': Invalid save parameters".into());
    if !words.len().is_multiple_of(2) {
        return Err(bad());
    }
    let mut points = Vec::new();
    for pair in words.chunks(2) {
        let seconds = pair[0].parse::<u64>().map_err(|_| bad())?;
        let changes = pair[1].parse::<u64>().map_err(|_| bad())?;
        points.push((seconds, changes));
    }
    Ok(Some(current.unwrap_or_default().save_points(&points)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_server_style_arguments() {
        let c = ServerConfig::from_args([
            "--port",
            "7000",
            "--bind",
            "0.0.0.0",
            "::1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .expect("valid");
        assert_eq!(c.port, 7000);
        assert_eq!(c.bind, "0.0.0.0");
        assert!(ServerConfig::from_args(["--port", "x"]).is_err());
        assert!(ServerConfig::from_args(["--nope", "1"]).is_err());
        assert!(ServerConfig::from_args(["--appendonly", "maybe"]).is_err());
        let c = ServerConfig::from_args([
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "60 1000",
            "10",
            "5",
        ])
        .expect("valid");
        assert!(c.append_only);
        assert_eq!(c.append_log.fsync_policy(), AppendFsync::Always);
        assert_eq!(
            c.snapshot.as_ref().map(|s| s.save_points_list().len()),
            Some(2)
        );
        assert!(ServerConfig::from_args(["--save", "60"]).is_err());
        assert!(ServerConfig::from_args(["6380"]).is_err());
        let c = ServerConfig::from_args([
            "--notify-keyspace-events",
            "Ex",
            "--client-output-buffer-limit",
            "pubsub",
            "1mb",
            "512kb",
            "10",
            "--client-output-buffer-limit",
            "normal 0 0 0",
        ])
        .expect("valid");
        assert_eq!(c.notify_keyspace_events.as_deref(), Some("Ex"));
        let store = Store::open(c.store_config()).expect("open");
        assert_eq!(
            store.config_get(&["notify-keyspace-events", "client-output-buffer-limit"]),
            [
                ("notify-keyspace-events".to_string(), "xE".to_string()),
                (
                    "client-output-buffer-limit".to_string(),
                    "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 10".to_string()
                ),
            ]
        );
        assert!(ServerConfig::from_args(["--notify-keyspace-events", "KQ"]).is_err());
        assert!(ServerConfig::from_args(["--client-output-buffer-limit", "pubsub 1 2"]).is_err());
        assert!(ServerConfig::from_args(["--client-output-buffer-limit", "x 1 2 3"]).is_err());
        assert!(
            ServerConfig::from_args(["--notify-keyspace-events", ""])
                .is_ok_and(|c| c.notify_keyspace_events.as_deref() == Some(""))
        );
        assert_eq!(
            ServerConfig::from_args(["--requirepass", ""])
                .expect("ok")
                .requirepass,
            None
        );
    }

    #[test]
    fn maxmemory_options() {
        let c = ServerConfig::from_args([
            "--maxmemory",
            "1gb",
            "--maxmemory-policy",
            "VOLATILE-TTL",
            "--maxmemory-samples",
            "64",
        ])
        .expect("valid");
        assert_eq!(c.maxmemory, Some(1 << 30));
        assert_eq!(c.maxmemory_policy, Some(MaxmemoryPolicy::VolatileTtl));
        assert_eq!(c.maxmemory_samples, Some(64));
        let store = Store::open(c.store_config()).expect("open");
        assert_eq!(
            store.config_get(&["maxmemory", "maxmemory-policy", "maxmemory-samples"]),
            [
                ("maxmemory".to_string(), "1073741824".to_string()),
                ("maxmemory-policy".to_string(), "volatile-ttl".to_string()),
                ("maxmemory-samples".to_string(), "64".to_string()),
            ]
        );
        // Applied to a store opened on its own, too.
        let other = Store::new();
        c.apply(&other, 0).expect("apply");
        assert_eq!(other.info_memory().maxmemory, 1 << 30);
        // Not given: a store's own settings are left alone.
        let mine = Store::open(Config::builder().maxmemory(1000).build()).expect("open");
        ServerConfig::new().apply(&mine, 0).expect("apply");
        assert_eq!(mine.info_memory().maxmemory, 1000);

        assert_eq!(
            ServerConfig::from_args(["--maxmemory", "0"])
                .expect("valid")
                .maxmemory,
            Some(0)
        );
        for bad in [
            &["--maxmemory", "lots"][..],
            &["--maxmemory", "-1"],
            &["--maxmemory-policy", "lru"],
            &["--maxmemory-samples", "0"],
            &["--maxmemory-samples", "65"],
            &["--maxmemory", "1", "2"],
        ] {
            assert!(ServerConfig::from_args(bad).is_err(), "{bad:?}");
        }
    }
}
