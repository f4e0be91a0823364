//! Work split between this thread and a second one: batches of record
//! reads (`Tx::with_rels`), link column builds (`link_columns::Builder`)
//! and scans over link columns (`exec::link_aggregate`).

/// Whether this machine has a second core for such work.
pub(crate) fn second_core() -> bool {
    static CORES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

/// Runs `later` on a new thread named `name` while `now` runs here, and
/// gives both outcomes. Without a thread to be had, `instead` runs here
/// after `now`; a thread that stops unexpectedly (a panic) gives the
/// error `stopped` makes.
pub(crate) fn beside<A, B: Send, E: Send>(
    name: &str,
    now: impl FnOnce() -> A,
    later: impl FnOnce() -> Result<B, E> + Send,
    instead: impl FnOnce() -> Result<B, E>,
    stopped: impl FnOnce() -> E,
) -> (A, Result<B, E>) {
    std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn_scoped(s, later);
        let a = now();
        let b = match spawned {
            Ok(h) => h.join().unwrap_or_else(|_| Err(stopped())),
            Err(_) => instead(),
        };
        (a, b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_answer_and_a_panic_is_an_error() {
        let stopped = || "stopped";
        let (a, b) = beside("t", || 1, || Ok(2), || Ok(3), stopped);
        assert_eq!((a, b), (1, Ok(2)));
        let (_, b) = beside(
            "t",
            || (),
            || -> Result<(), &str> { panic!("on purpose") },
            || Ok(()),
            stopped,
        );
        assert_eq!(b, Err("stopped"));
    }
}
