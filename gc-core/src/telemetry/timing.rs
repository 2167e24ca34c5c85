//! Timing collector work: every pause and step is measured by wall clock.

use std::time::{Duration, Instant};

/// Runs `f` and returns how long it took.
pub(crate) fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// Runs `f` and returns its value and how long it took.
pub(crate) fn timed_value<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}
