//! The binaries' allocator: mimalloc, which frees and reuses the many small
//! values of grouping with less work than glibc malloc (at scale M, Q7
//! 0.19–0.25 -> 0.15 s, side by side). Its defaults are kept: never handing
//! freed memory back saved page faults on Q7 but made Q1 and Q4 slower
//! (13.6 -> 23 µs, 0.67 -> 1.17 ms), measured side by side.
//!
//! The `mimalloc` crate's own wrapper asks for every block through
//! `mi_malloc_aligned`, whose fast path gives up on many small sizes and
//! over-allocates to align (a point query's allocations cost about 130
//! instructions each, under callgrind). Every mimalloc block is a whole
//! number of words on a 16-byte-aligned page start, so a block of a type
//! aligned to a word or less is asked for plainly, as `malloc` would be.

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use libmimalloc_sys as mi;

/// The alignment every mimalloc block has.
const WORD: usize = core::mem::size_of::<usize>();

/// Whether a plain block serves `size` bytes aligned to `align`: aligned
/// to a word or less, and a whole number of its alignment long (as every
/// type's size is), since a debug build of mimalloc may place a sampled
/// block so that it ends at a guard page, aligned only as its size is.
#[inline]
fn plain(size: usize, align: usize) -> bool {
    align <= WORD && size & (align - 1) == 0
}

pub struct MiMalloc;

// SAFETY: each call forwards to mimalloc, which returns blocks of at least
// the size asked for, aligned to a word (blocks are sized in words from an
// aligned page start) or, through the `_aligned` calls, to `align`; `mi_free`
// and `mi_realloc*` take any block mimalloc returned.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match plain(layout.size(), layout.align()) {
            true => mi::mi_malloc(layout.size()) as *mut u8,
            false => mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8,
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match plain(layout.size(), layout.align()) {
            true => mi::mi_zalloc(layout.size()) as *mut u8,
            false => mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8,
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr as *mut c_void)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match plain(new_size, layout.align()) {
            true => mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8,
            false => {
                mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of every alignment up to a page, at sizes around each (some
    /// not a whole number of their alignment), come back aligned, keep
    /// their bytes through a realloc to more and then to less, and zeroed
    /// when asked.
    #[test]
    fn blocks_are_aligned_and_keep_their_bytes() {
        let a = MiMalloc;
        let aligned = |p: *mut u8, align: usize| !p.is_null() && (p as usize).is_multiple_of(align);
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 3, 7, 8, 9, 12, 24, 100, 1000, 5000, 70000] {
                let l = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let p = a.alloc(l);
                    assert!(aligned(p, align), "{size}/{align}");
                    for i in 0..size {
                        *p.add(i) = i as u8;
                    }
                    let q = a.realloc(p, l, size * 3);
                    assert!(aligned(q, align), "{size}/{align} grown");
                    assert!((0..size).all(|i| *q.add(i) == i as u8));
                    let big = Layout::from_size_align(size * 3, align).unwrap();
                    let r = a.realloc(q, big, size.div_ceil(2));
                    assert!(aligned(r, align), "{size}/{align} shrunk");
                    assert!((0..size.div_ceil(2)).all(|i| *r.add(i) == i as u8));
                    a.dealloc(r, Layout::from_size_align(size.div_ceil(2), align).unwrap());
                    let z = a.alloc_zeroed(l);
                    assert!(aligned(z, align) && (0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, l);
                }
            }
        }
    }
}
