//! Memory: what the store's structures cost as the allocator hands it out,
//! Redis's `INFO memory` report, and `maxmemory` with eviction.

pub(crate) mod alloc;
mod info;
pub(crate) mod policy;
mod usage;

pub use info::InfoMemory;
pub(crate) use info::startup_bytes;
pub use policy::MaxmemoryPolicy;
pub(crate) use policy::MemorySettings;
pub(crate) mod access;
mod evict;
