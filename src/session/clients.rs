//! The store's list of live sessions, for `CLIENT LIST`.
//!
//! A session owns its state and changes it without synchronisation; it
//! publishes a snapshot of what `CLIENT LIST` shows into its entry here at
//! the end of each command (the server: of each batch of pipelined
//! commands), so listing the clients costs the listing thread, not the hot
//! path.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;

/// What `CLIENT LIST` shows of one client.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub(crate) id: u64,
    pub(crate) peer: String,
    pub(crate) local: String,
    pub(crate) name: Option<Vec<u8>>,
    pub(crate) created: Instant,
    pub(crate) last_active: Instant,
    pub(crate) last_command: &'static str,
    /// Queued commands inside `MULTI`, or -1.
    pub(crate) multi: i64,
    pub(crate) resp: u8,
    /// Channels, patterns and shard channels subscribed.
    pub(crate) subscriptions: [usize; 3],
}

impl Snapshot {
    /// The client's line, with the fields Redis prints; buffer sizes the
    /// session does not track are 0 and `fd` is -1.
    pub(crate) fn line(&self) -> String {
        // Redis's order of the flags, `N` when none.
        let mut flags = String::new();
        if self.is_pubsub() {
            flags.push('P');
        }
        if self.multi >= 0 {
            flags.push('x');
        }
        if flags.is_empty() {
            flags.push('N');
        }
        let [sub, psub, ssub] = self.subscriptions;
        format!(
            "id={} addr={} laddr={} fd=-1 name={} age={} idle={} flags={flags} db=0 sub={sub} \
             psub={psub} ssub={ssub} multi={} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 \
             rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} user=default redir=-1 resp={}\n",
            self.id,
            self.peer,
            self.local,
            String::from_utf8_lossy(self.name.as_deref().unwrap_or_default()),
            self.created.elapsed().as_secs(),
            self.last_active.elapsed().as_secs(),
            self.multi,
            self.last_command,
            self.resp,
        )
    }
}

impl Snapshot {
    /// Whether the client has a subscription (Redis's `pubsub` client
    /// type, flag `P`).
    pub(crate) fn is_pubsub(&self) -> bool {
        self.subscriptions.iter().any(|&n| n > 0)
    }
}

/// One registered client: its latest snapshot.
pub(crate) type Entry = Arc<Mutex<Snapshot>>;

/// The live sessions of a store, by id.
#[derive(Default)]
pub(crate) struct Clients {
    by_id: Mutex<BTreeMap<u64, Entry>>,
}

impl Clients {
    pub(crate) fn register(&self, snapshot: Snapshot) -> Entry {
        let id = snapshot.id;
        let entry = Arc::new(Mutex::new(snapshot));
        self.by_id.lock().insert(id, Arc::clone(&entry));
        entry
    }

    pub(crate) fn unregister(&self, id: u64) {
        self.by_id.lock().remove(&id);
    }

    /// The snapshots of every client (ascending ids), or of the given ids.
    pub(crate) fn list(&self, ids: Option<&[u64]>) -> Vec<Snapshot> {
        let entries: Vec<Entry> = {
            let by_id = self.by_id.lock();
            match ids {
                None => by_id.values().cloned().collect(),
                Some(ids) => ids.iter().filter_map(|id| by_id.get(id).cloned()).collect(),
            }
        };
        entries.iter().map(|e| e.lock().clone()).collect()
    }
}
