//! Simulated time: integer nanoseconds, never the wall clock.

use std::fmt;

/// A point in simulated time, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub u64);

pub const NANOSECOND: u64 = 1;
pub const MICROSECOND: u64 = 1_000;
pub const MILLISECOND: u64 = 1_000_000;
pub const SECOND: u64 = 1_000_000_000;

impl Time {
    pub const ZERO: Time = Time(0);

    pub fn plus(self, delay_ns: u64) -> Time {
        Time(self.0.saturating_add(delay_ns))
    }
}

impl fmt::Display for Time {
    /// Seconds with microsecond precision, e.g. `1.000250s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:06}s",
            self.0 / SECOND,
            (self.0 % SECOND) / MICROSECOND
        )
    }
}
