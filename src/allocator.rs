//! The binaries' allocator: mimalloc, which frees and reuses the many small
//! values of grouping with less work than glibc malloc (at scale M, Q7
//! 0.19–0.25 -> 0.15 s, side by side). Its defaults are kept: never handing
//! freed memory back saved page faults on Q7 but made Q1 and Q4 slower
//! (13.6 -> 23 µs, 0.67 -> 1.17 ms), measured side by side.

pub use mimalloc::MiMalloc;
