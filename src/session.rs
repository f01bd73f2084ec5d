//! A client connection's state (SKELETON: filled in by the main session).

use crate::{Protocol, Reply, Store};

/// One client's connection state over a [`Store`]: protocol version,
/// authentication, name, `MULTI` queue and `WATCH`ed keys.
#[derive(Debug)]
pub struct Session {
    store: Store,
    protocol: Protocol,
}

impl Session {
    /// A new connection to `store`.
    #[must_use]
    pub fn new(store: &Store) -> Session {
        Session {
            store: store.clone(),
            protocol: Protocol::Resp2,
        }
    }

    /// Runs one command with this connection's state.
    pub fn execute<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Reply {
        self.store.execute(argv)
    }

    /// The protocol replies are encoded in (`HELLO 3` switches to RESP3).
    #[must_use]
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }
}
