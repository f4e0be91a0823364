//! Transparent huge pages off while a bulk import runs.
//!
//! The allocator (mimalloc) asks the kernel for huge pages on its arenas, so
//! each first touch of a region makes the kernel zero two MiB. Queries gain
//! from them (fewer TLB misses over a large block cache: Q2 at scale L
//! 23.8 ms with them, 26.9 ms without). A bulk import instead allocates and
//! frees far more than it keeps: at scale M the kernel's page zeroing
//! (`clear_page_erms`) was 20% of the load's samples, and the load took
//! 2.60–2.73 s with huge pages against 2.44–2.46 s without, side by side.
//! So an import turns them off for the process (`PR_SET_THP_DISABLE`) and
//! back on when it ends; pages already mapped keep their size.

use std::sync::Mutex;

/// Imports running now, and whether huge pages were off before the first.
static STATE: Mutex<(usize, bool)> = Mutex::new((0, false));

/// Huge pages stay off while one of these lives (the last one dropped
/// restores what the process had before the first).
pub(crate) struct HugePagesOff(());

impl HugePagesOff {
    pub(crate) fn new() -> HugePagesOff {
        let mut s = STATE.lock().unwrap_or_else(|p| p.into_inner());
        if s.0 == 0 {
            s.1 = thp_disabled();
            if !s.1 {
                set_thp_disabled(true);
            }
        }
        s.0 += 1;
        HugePagesOff(())
    }
}

impl Drop for HugePagesOff {
    fn drop(&mut self) {
        let mut s = STATE.lock().unwrap_or_else(|p| p.into_inner());
        s.0 -= 1;
        if s.0 == 0 && !s.1 {
            set_thp_disabled(false);
        }
    }
}

/// Whether huge pages are off for this process (false where the kernel
/// cannot say).
#[cfg(target_os = "linux")]
fn thp_disabled() -> bool {
    // SAFETY: PR_GET_THP_DISABLE takes no pointers and only reads a flag.
    // Any mode of disabling (newer kernels have more than one) counts.
    unsafe {
        libc::prctl(
            libc::PR_GET_THP_DISABLE,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        ) > 0
    }
}

#[cfg(not(target_os = "linux"))]
fn thp_disabled() -> bool {
    false
}

/// A refused call changes nothing and costs only speed, so its error is
/// not reported.
#[cfg(target_os = "linux")]
fn set_thp_disabled(off: bool) {
    // SAFETY: PR_SET_THP_DISABLE takes no pointers and only sets a flag.
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            off as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn set_thp_disabled(_off: bool) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::test_process::in_own_process;

    #[test]
    fn huge_pages_are_off_while_an_import_runs_and_restored_after() {
        // Another test's import would flip the process's switch under it.
        if in_own_process(
            "io::import::huge_pages::tests::huge_pages_are_off_while_an_import_runs_and_restored_after",
        ) {
            return;
        }
        // The switch is inherited: start from huge pages on, so that the
        // restore is tested too.
        set_thp_disabled(false);
        let before = thp_disabled();
        if before {
            eprintln!("skipped: the kernel keeps huge pages off for this process");
            return;
        }
        {
            let _outer = HugePagesOff::new();
            assert!(thp_disabled());
            {
                let _inner = HugePagesOff::new();
                assert!(thp_disabled());
            }
            assert!(thp_disabled(), "the outer import still runs");
        }
        assert_eq!(thp_disabled(), before);
    }
}
