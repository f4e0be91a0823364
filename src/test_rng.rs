//! The xorshift generator of the crate's own randomised unit tests (the
//! integration tests have `tests/common/rng.rs`): a fixed seed gives the
//! same stream on every machine.

pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
