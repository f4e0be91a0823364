//! Reclaiming what sled's writes left for later.
//!
//! sled frees replaced pages through crossbeam's epoch-based reclamation.
//! `apply_batch` pins the epoch once for the whole batch, so everything a
//! batch replaces is deferred, and crossbeam collects deferred garbage only
//! a few bags at a time, once every 128 pins of a thread. A bulk load pins
//! once per part, so the garbage of every part piled up: loading a chain of
//! 300,000 actors peaked at 1.5 GB, and the peak grew faster than the load.
//! Pinning and flushing after each batch lets the collector keep up.

/// Crossbeam collects at most 8 bags of 64 deferred items per flush; a
/// batch of `keys` writes defers a few items per key.
fn rounds(keys: usize) -> usize {
    (keys / 4).max(64)
}

/// Gives crossbeam the chance to free what a batch of `keys` writes
/// replaced (a few microseconds per thousand keys).
pub fn collect_after(keys: usize) {
    for _ in 0..rounds(keys) {
        crossbeam_epoch::pin().flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_grow_with_the_batch_and_never_vanish() {
        assert_eq!(rounds(0), 64);
        assert_eq!(rounds(4096), 1024);
        assert!(rounds(1 << 20) > rounds(1 << 16));
        collect_after(10);
    }
}
