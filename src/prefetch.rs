//! A hint that memory will be read soon, for loops whose reads land at
//! random in arrays larger than the CPU's caches (a block cache of many
//! blocks, per-node arrays of a million entries): asked for a few items
//! ahead, the reads of several items wait on memory together, not one by
//! one.

/// Asks for the cache line that holds `x`. Changes no result.
#[inline]
pub(crate) fn prefetch_line<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch only hints the cache; it reads nothing and cannot
    // fault, and the address is that of a live value.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(x as *const T as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
