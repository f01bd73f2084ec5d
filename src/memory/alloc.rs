//! Allocation sizes as the allocator hands them out, and what the allocator
//! and the kernel say about the process (for `INFO memory`).
//!
//! Redis counts `used_memory` as the sum of `malloc_usable_size` over its
//! live allocations: with jemalloc, each request rounded up to its size
//! class. [`alloc_size`] gives that class for any request in O(1), so every
//! structure of the store can count what it really costs (with capacity,
//! not length) and keep the count incrementally.

use std::mem;

/// Bytes of a `ThinVec`'s header (length and capacity) before its items.
const THIN_VEC_HEADER: usize = 2 * mem::size_of::<usize>();

/// Requests up to this size are rounded to the 16-byte quantum (jemalloc's
/// `LG_QUANTUM` of 4 on x86_64).
const QUANTUM_MAX: usize = 128;

/// The largest small (slab) class with 4 KiB pages (`SC_SMALL_MAXCLASS`).
const SMALL_MAX: usize = 14 * 1024;

/// jemalloc's page: large requests are rounded up to a multiple of it.
const PAGE: usize = 4096;

/// The usable size jemalloc gives for a request of `request` bytes (what
/// `malloc_usable_size`, and so Redis's `zmalloc_size`, reports on x86_64
/// Linux), for the jemalloc the `jemalloc` feature links (5.3.1, as
/// `tikv-jemalloc-sys` 0.7 bundles it): 0 for no allocation; 8; multiples
/// of 16 up to 128; then 4 classes per doubling (160, 192, 224, 256, 320,
/// 384, 448, 512, 640, …) up to 14 KiB; past that (large allocations) the
/// request rounded up to whole 4 KiB pages.
///
/// jemalloc 5.3.0, which Redis 7 ships, also used 4 classes per doubling
/// for large sizes (up to 25% over the request); 5.3.1 turned that off by
/// default (`opt.disable_large_size_classes`), so a large allocation wastes
/// less than a page. Without the feature the same figures are used as the
/// estimate of the system allocator.
///
/// A request too big for any class saturates at `usize::MAX` (no such
/// allocation can succeed).
#[inline]
pub(crate) const fn alloc_size(request: usize) -> usize {
    if request == 0 {
        return 0;
    }
    if request <= 8 {
        return 8;
    }
    let mask = if request <= QUANTUM_MAX {
        15
    } else if request <= SMALL_MAX {
        // The classes in (2^k, 2^(k+1)] are spaced 2^(k-2) apart, where
        // k = floor(log2(request - 1)) >= 7 here.
        let lg = usize::BITS - 1 - (request - 1).leading_zeros();
        (1usize << (lg - 2)) - 1
    } else {
        PAGE - 1
    };
    match request.checked_add(mask) {
        Some(up) => up & !mask,
        None => usize::MAX,
    }
}

/// Heap bytes of a `Vec<T>` or `VecDeque<T>` of capacity `capacity`.
#[inline]
pub(crate) const fn vec_bytes<T>(capacity: usize) -> usize {
    alloc_size(capacity.saturating_mul(mem::size_of::<T>()))
}

/// Heap bytes of a `Box<T>`.
#[inline]
pub(crate) const fn boxed<T>() -> usize {
    alloc_size(mem::size_of::<T>())
}

/// Heap bytes of a `ThinVec<u8>` of capacity `capacity`: its header and
/// items in one allocation, none while the capacity is 0.
#[inline]
pub(crate) const fn thin_vec_bytes(capacity: usize) -> usize {
    if capacity == 0 {
        0
    } else {
        alloc_size(THIN_VEC_HEADER.saturating_add(capacity))
    }
}

/// The allocator, as Redis's `mem_allocator` names it: `jemalloc-5.3.0`
/// with the `jemalloc` feature (the version of the jemalloc linked in),
/// `libc` without.
pub(crate) fn allocator_name() -> String {
    #[cfg(feature = "jemalloc")]
    {
        // "5.3.0-0-g54eaed1d…": Redis prints the numeric part.
        let full = tikv_jemalloc_ctl::version::read().unwrap_or("unknown");
        let numeric = full.split('-').next().unwrap_or(full);
        format!("jemalloc-{numeric}")
    }
    #[cfg(not(feature = "jemalloc"))]
    {
        String::from("libc")
    }
}

/// The allocator's own figures, in bytes (jemalloc's `stats.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AllocatorStats {
    /// Bytes allocated by the application (`stats.allocated`).
    pub allocated: usize,
    /// Bytes in pages with allocations in them (`stats.active`).
    pub active: usize,
    /// Bytes in physically resident pages the allocator maps
    /// (`stats.resident`).
    pub resident: usize,
}

/// The allocator's current figures (jemalloc, after advancing its `epoch`
/// so they are fresh); `None` without the `jemalloc` feature or when they
/// cannot be read.
pub(crate) fn allocator_stats() -> Option<AllocatorStats> {
    #[cfg(feature = "jemalloc")]
    {
        use tikv_jemalloc_ctl::{epoch, stats};
        epoch::advance().ok()?;
        Some(AllocatorStats {
            allocated: stats::allocated::read().ok()?,
            active: stats::active::read().ok()?,
            resident: stats::resident::read().ok()?,
        })
    }
    #[cfg(not(feature = "jemalloc"))]
    {
        None
    }
}

/// The process's resident set size in bytes (`/proc/self/statm` × the page
/// size); 0 when it cannot be read.
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

/// The system's page size (4096 when it cannot be asked).
fn page_size() -> usize {
    #[cfg(unix)]
    {
        // SAFETY: sysconf only reads a system setting; it has no
        // preconditions and touches no memory of ours.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size)
            .ok()
            .filter(|&s| s > 0)
            .unwrap_or(4096)
    }
    #[cfg(not(unix))]
    {
        4096
    }
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
    #[cfg(feature = "jemalloc")]
    {
        let mut text = Vec::new();
        tikv_jemalloc_ctl::stats_print::stats_print(&mut text, Default::default()).ok()?;
        Some(String::from_utf8_lossy(&text).into_owned())
    }
    #[cfg(not(feature = "jemalloc"))]
    {
        None
    }
}

/// Asks the allocator to return unused dirty pages to the system
/// (`MEMORY PURGE`): jemalloc's `arena.<all>.purge`; nothing for the
/// system allocator.
pub(crate) fn purge() {
    #[cfg(feature = "jemalloc")]
    {
        // MALLCTL_ARENAS_ALL is 4096. The control takes no value: null in
        // and out pointers.
        // SAFETY: a NUL-terminated name and null pointers, as the
        // `arena.<i>.purge` control requires; failure is only a code.
        unsafe {
            tikv_jemalloc_sys::mallctl(
                c"arena.4096.purge".as_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes_follow_jemalloc() {
        assert_eq!(alloc_size(0), 0);
        for (request, class) in [
            (1, 8),
            (8, 8),
            (9, 16),
            (16, 16),
            (17, 32),
            (33, 48),
            (49, 64),
            (65, 80),
            (81, 96),
            (97, 112),
            (113, 128),
            (128, 128),
            (129, 160),
            (161, 192),
            (193, 224),
            (225, 256),
            (257, 320),
            (321, 384),
            (385, 448),
            (449, 512),
            (513, 640),
            (4097, 5120),
            (12 * 1024 + 1, 14 * 1024),
            (14 * 1024, 14 * 1024),
            (14 * 1024 + 1, 16 * 1024),
            (16 * 1024 + 1, 20 * 1024),
            (32 * 1024 + 1, 36 * 1024),
            (1 << 20, 1 << 20),
            ((1 << 20) + 1, (1 << 20) + 4096),
            ((8 << 20) - 1, 8 << 20),
        ] {
            assert_eq!(alloc_size(request), class, "request {request}");
        }
        assert_eq!(alloc_size(usize::MAX), usize::MAX);
        assert_eq!(alloc_size(usize::MAX - 4094), usize::MAX);
    }

    #[test]
    fn classes_are_monotonic_and_never_smaller_than_the_request() {
        let mut last = 0;
        for request in (1..70_000).chain((70_000..10_000_000).step_by(997)) {
            let class = alloc_size(request);
            assert!(class >= request && class >= last, "request {request}");
            // At most 25% (or the 16-byte quantum, or a page) of waste.
            assert!(
                class - request < (request / 4).clamp(16, 4096),
                "request {request}"
            );
            assert_eq!(alloc_size(class), class, "a class is its own class");
            last = class;
        }
    }

    #[test]
    fn helpers_count_whole_allocations() {
        assert_eq!(vec_bytes::<u64>(0), 0);
        assert_eq!(vec_bytes::<u64>(3), 32);
        assert_eq!(vec_bytes::<[u8; 32]>(65), 2560);
        assert_eq!(boxed::<[u8; 40]>(), 48);
        assert_eq!(thin_vec_bytes(0), 0);
        assert_eq!(thin_vec_bytes(16), 32);
        assert_eq!(thin_vec_bytes(17), 48);
    }

    #[test]
    fn rss_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(process_rss() > 0);
            assert_eq!(process_rss() % page_size(), 0);
        }
    }

    #[test]
    fn allocator_is_named() {
        let name = allocator_name();
        if cfg!(feature = "jemalloc") {
            let version = name.strip_prefix("jemalloc-").unwrap_or_default();
            assert!(
                version.split('.').count() == 3
                    && version.split('.').all(|p| p.parse::<u32>().is_ok()),
                "{name}"
            );
        } else {
            assert_eq!(name, "libc");
            assert_eq!(allocator_stats(), None);
        }
    }

    /// The classes against jemalloc itself: every size up to 64 KiB, then
    /// each page boundary (and a stride between) up to 8 MiB.
    #[cfg(feature = "jemalloc")]
    #[test]
    fn classes_match_jemalloc_usable_size() {
        let usable = |size: usize| usable_aligned(size, 1);
        let mut sizes: Vec<usize> = (1..=65_536).collect();
        for page in (65_536..=8 << 20).step_by(4096) {
            sizes.extend([page - 1, page, page + 1]);
        }
        sizes.extend((65_536..=8 << 20).step_by(40_009));
        for size in sizes {
            assert_eq!(alloc_size(size), usable(size), "request {size}");
        }
        // The keyspace's 32-byte buckets are 32-aligned: same classes.
        for buckets in (1..2048).chain((2048..300_000).step_by(331)) {
            let size = buckets * 32;
            assert_eq!(alloc_size(size), usable_aligned(size, 32), "{buckets}");
        }
        let stats = allocator_stats().expect("jemalloc stats");
        assert!(stats.allocated > 0 && stats.active >= stats.allocated);
        assert!(stats.resident >= stats.active);
    }

    /// What jemalloc hands out for `size` bytes aligned to `align`.
    #[cfg(feature = "jemalloc")]
    fn usable_aligned(size: usize, align: usize) -> usize {
        use std::alloc::{GlobalAlloc, Layout};
        let layout = Layout::from_size_align(size, align).expect("layout");
        let jemalloc = tikv_jemallocator::Jemalloc;
        // SAFETY: a non-zero layout; the pointer is checked, measured and
        // given back to the same allocator with the same layout.
        unsafe {
            let p = jemalloc.alloc(layout);
            assert!(!p.is_null());
            let got = tikv_jemallocator::usable_size(p);
            jemalloc.dealloc(p, layout);
            got
        }
    }
}
