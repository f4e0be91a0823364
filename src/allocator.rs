//! The binaries' allocator: mimalloc, which frees and reuses the many small
//! values of aggregation and loading with less work than glibc malloc, and
//! its one setting.

pub use mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the same index in mimalloc 2 and 3,
/// `mimalloc.h`).
const PURGE_DELAY: i32 = 15;

extern "C" {
    fn mi_option_set(option: i32, value: std::ffi::c_long);
}

/// Keeps freed memory for reuse instead of returning it to the system
/// (mimalloc's default returns it after 10 ms). A query frees tens of
/// megabytes of groups and rows at its end; returned, the next query faults
/// them back in and the kernel zeroes every page again (measured at scale
/// M, six runs of Q7: 4,200 page faults by default, 3,000 with a one-second
/// delay, 430 without returning). The process keeps its peak heap, as it
/// would under glibc malloc for most of it.
pub fn tune() {
    // SAFETY: sets an option of the allocator linked in through the
    // `mimalloc` crate; -1 (never) is a documented value of this option.
    unsafe { mi_option_set(PURGE_DELAY, -1) }
}
