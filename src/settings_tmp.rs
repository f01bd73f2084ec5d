//! TEMPORARY (removed when the settings work of issue 5 is merged): the
//! few runtime settings the server and sessions need.

use std::sync::atomic::Ordering;

use crate::{Error, Result, Store};

impl Store {
    /// The password clients must give (`requirepass`), if any.
    pub(crate) fn requirepass(&self) -> Option<Vec<u8>> {
        self.inner.tmp_requirepass.read().clone()
    }

    /// `proto-max-bulk-len`.
    pub(crate) fn proto_max_bulk_len(&self) -> usize {
        self.inner.config.max_string_len
    }

    /// Records the server's parameters for `CONFIG GET`.
    pub(crate) fn set_server_params(&self, _port: u16, _bind: &str, _dir: Option<&str>) {}

    /// `CONFIG SET` (only `requirepass` here).
    ///
    /// # Errors
    ///
    /// An unknown parameter.
    pub fn config_set(&self, pairs: &[(&str, &str)]) -> Result<()> {
        for (name, value) in pairs {
            if *name != "requirepass" {
                return Err(Error::Syntax);
            }
            *self.inner.tmp_requirepass.write() =
                (!value.is_empty()).then(|| value.as_bytes().to_vec());
        }
        Ok(())
    }
}

impl crate::store::Stats {
    pub(crate) fn client_connected(&self) {
        self.tmp_clients.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn client_disconnected(&self) {
        self.tmp_clients.fetch_sub(1, Ordering::Relaxed);
    }
    pub(crate) fn rejected_connection(&self) {}
}
