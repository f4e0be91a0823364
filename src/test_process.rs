//! Tests that need the whole process to themselves.

/// Runs the test `name` in a process of its own and returns true, unless
/// this is that process (then false: run the body). For tests of state
/// that is process-wide: sled defers freeing segments through crossbeam's
/// process-wide epoch and a process-wide thread pool, so other tests' sled
/// instances in the same process decide when this one's segments become
/// free (measured alone, the sizes were the same every run; in a full run
/// about 1 in 4 runs failed), and a bulk import's huge-page switch is the
/// process's.
pub(crate) fn in_own_process(name: &str) -> bool {
    const CHILD: &str = "SUPPLYGRAPH_TEST_ALONE";
    if std::env::var_os(CHILD).is_some() {
        return false;
    }
    let o = this_test(name).env(CHILD, "1").output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && out.contains("1 passed"),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    true
}

/// A command that runs the test `name` of this test binary alone, its
/// output not captured.
pub(crate) fn this_test(name: &str) -> std::process::Command {
    let mut c = std::process::Command::new(std::env::current_exe().unwrap());
    c.args([name, "--exact", "--test-threads=1", "--nocapture"]);
    c
}
