//! Memory: what the store's structures cost as the allocator hands it out,
//! Redis's `INFO memory` report, and `maxmemory` with eviction.

pub(crate) mod alloc;
pub(crate) mod policy;

pub use policy::MaxmemoryPolicy;
pub(crate) use policy::MemorySettings;
pub(crate) mod access;
mod evict;
