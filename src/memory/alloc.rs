//! Allocation sizes as the allocator hands them out (placeholder: exact
//! requested sizes until the size classes land), and what the allocator
//! and the operating system report about the process's memory.

/// The bytes an allocation of `request` bytes really takes.
#[inline]
pub(crate) fn alloc_size(request: usize) -> usize {
    request
}

/// The allocator's name as `INFO memory` prints it (`mem_allocator`):
/// `jemalloc-<version>` with the `jemalloc` feature, `libc` without.
pub(crate) fn allocator_name() -> String {
    "libc".to_owned()
}

/// The allocator's own counters, process-wide (jemalloc's `stats.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct AllocatorStats {
    /// Bytes handed out to the program (`stats.allocated`).
    pub(crate) allocated: usize,
    /// Bytes in pages holding allocations (`stats.active`).
    pub(crate) active: usize,
    /// Bytes of the allocator's pages resident in memory (`stats.resident`).
    pub(crate) resident: usize,
}

/// The allocator's counters, when it keeps them (jemalloc); `None` for
/// the system allocator.
pub(crate) fn allocator_stats() -> Option<AllocatorStats> {
    None
}

/// The process's resident set size in bytes (`/proc/self/statm`'s second
/// field times the page size); 0 when it cannot be read.
pub(crate) fn process_rss() -> usize {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(0);
    pages.saturating_mul(page_size())
}

/// The system's page size in bytes (4096 when it cannot be read).
fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions; it returns -1 on error.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .unwrap_or(4096)
}

/// The machine's physical memory in bytes (`total_system_memory`); 0 when
/// it cannot be read.
pub(crate) fn total_system_memory() -> u64 {
    // SAFETY: sysconf has no preconditions; it returns -1 on error.
    let pages = unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) };
    let page = u64::try_from(page_size()).unwrap_or(4096);
    u64::try_from(pages).unwrap_or(0).saturating_mul(page)
}

/// The allocator's statistics report (`MEMORY MALLOC-STATS`): jemalloc's
/// `malloc_stats_print` text with the `jemalloc` feature; `None` for the
/// system allocator.
pub(crate) fn malloc_stats_text() -> Option<String> {
    None
}

/// Asks the allocator to return unused dirty pages to the system
/// (`MEMORY PURGE`): jemalloc's `arena.<all>.purge`; nothing for the
/// system allocator.
pub(crate) fn purge() {}
