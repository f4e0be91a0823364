//! A writer that stops once Ctrl-C sets the cancel flag: printing a long
//! result is a loop that can run long too, and must heed it like the query.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// The message of the error a stopped write returns (not `Interrupted`,
/// which `write_all` would retry for ever).
pub(super) const STOPPED: &str = "output stopped by Ctrl-C";

pub(super) struct StopWriter<'a, W: Write> {
    pub inner: W,
    pub flag: &'a AtomicBool,
}

impl<W: Write> StopWriter<'_, W> {
    fn check(&self) -> io::Result<()> {
        if self.flag.load(Ordering::Relaxed) {
            return Err(io::Error::other(STOPPED));
        }
        Ok(())
    }
}

impl<W: Write> Write for StopWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.check()?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_until_the_flag_is_set() {
        let flag = AtomicBool::new(false);
        let mut w = StopWriter {
            inner: Vec::new(),
            flag: &flag,
        };
        w.write_all(b"row 1\n").unwrap();
        flag.store(true, Ordering::Relaxed);
        let e = w.write_all(b"row 2\n").unwrap_err();
        assert_eq!(e.to_string(), STOPPED);
        assert!(w.flush().is_err());
        assert_eq!(w.inner, b"row 1\n");
    }
}
