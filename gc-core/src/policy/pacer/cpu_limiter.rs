//! The GC CPU limiter: a leaky bucket that keeps collection from eating the program.
//!
//! Part of the pacer (see [`super`]), modelled on Go's `gcCPULimiter`. When the
//! live heap approaches the memory limit, the pacer asks for collection after
//! collection; without a brake the program would do nothing but mark (a "death
//! spiral"). The limiter is that brake: when collection has used more than its
//! share `cpu_limit` of the CPU for long enough, it reports [`CpuLimiter::limited`],
//! and the heap then skips assists and does not start cycles (the memory limit
//! is soft: the heap grows past it instead).
//!
//! The bucket holds *GC time in excess of the allowed share*, in nanoseconds:
//!
//! ```text
//! each GC nanosecond adds        (1 - cpu_limit)
//! each mutator nanosecond drains  cpu_limit
//! ```
//!
//! so its level is steady exactly when GC takes the fraction `cpu_limit` of the
//! time. It never goes below empty nor above [`BUCKET_CAPACITY`]; GC time that
//! arrives while it is full is counted as *overflow*. Time is passed in by the
//! caller; the limiter never reads a clock, so tests are deterministic.
//!
//! Invariants: `0 <= fill <= capacity`; `limited()` exactly when the bucket is
//! full; with `cpu_limit = 1.0` nothing is ever added, so it is never limited.

use std::time::Duration;

/// Size of the bucket, in nanoseconds of excess GC time. Go allows one
/// CPU-second per processor (its bucket counts `gc - mutator`, twice our units
/// at a 50% limit); for our single mutator thread 0.5 s in our units is the same
/// one second of back-to-back collection before the brake engages. That lets a
/// burst such as a full collection of a 1 GiB heap (at ~1 byte/ns) finish
/// unhindered, while a death spiral is stopped within a second.
pub const BUCKET_CAPACITY: Duration = Duration::from_millis(500);

/// The leaky bucket and the running totals of GC and mutator time.
#[derive(Clone, Debug, PartialEq)]
pub struct CpuLimiter {
    /// Largest share of CPU time for collection, a fraction in (0, 1]. Written
    /// by `new` and `set_cpu_limit`.
    cpu_limit: f64,
    /// Excess GC time in the bucket, in nanoseconds, in `0..=capacity`.
    /// Updated by every `record_*` call.
    fill: f64,
    /// GC time recorded while the bucket was full, in nanoseconds. Only grows.
    overflow: f64,
    /// All GC time recorded, in nanoseconds. Only grows.
    total_gc: u128,
    /// All mutator time recorded, in nanoseconds. Only grows.
    total_mutator: u128,
}

impl CpuLimiter {
    /// An empty bucket with the given share.
    ///
    /// # Requires
    /// `0.0 < cpu_limit <= 1.0`.
    pub fn new(cpu_limit: f64) -> CpuLimiter {
        assert_valid_limit(cpu_limit);
        CpuLimiter {
            cpu_limit,
            fill: 0.0,
            overflow: 0.0,
            total_gc: 0,
            total_mutator: 0,
        }
    }

    /// The share of CPU time collection may use, a fraction in (0, 1].
    pub fn cpu_limit(&self) -> f64 {
        self.cpu_limit
    }

    /// Changes the share; the bucket keeps its level. Returns the old share.
    ///
    /// # Requires
    /// `0.0 < cpu_limit <= 1.0`.
    pub fn set_cpu_limit(&mut self, cpu_limit: f64) -> f64 {
        assert_valid_limit(cpu_limit);
        std::mem::replace(&mut self.cpu_limit, cpu_limit)
    }

    /// Records time spent collecting (marking, sweeping, minor GCs, assists).
    pub fn record_gc_time(&mut self, time: Duration) {
        let nanos = time.as_nanos();
        self.total_gc = self.total_gc.saturating_add(nanos);
        let excess = nanos as f64 * (1.0 - self.cpu_limit);
        let capacity = BUCKET_CAPACITY.as_nanos() as f64;
        let level = self.fill + excess;
        if level > capacity {
            // Convert the excess that did not fit back into GC nanoseconds.
            self.overflow += (level - capacity) / (1.0 - self.cpu_limit);
            self.fill = capacity;
        } else {
            self.fill = level;
        }
    }

    /// Records time the program ran between collector work.
    pub fn record_mutator_time(&mut self, time: Duration) {
        let nanos = time.as_nanos();
        self.total_mutator = self.total_mutator.saturating_add(nanos);
        self.fill = (self.fill - nanos as f64 * self.cpu_limit).max(0.0);
    }

    /// Whether collection is over its share: the heap should not assist nor
    /// start a cycle now. (Minor GCs and explicit collections still run;
    /// allocation past `max_heap` fails with an error rather than collecting.)
    pub fn limited(&self) -> bool {
        self.fill >= BUCKET_CAPACITY.as_nanos() as f64
    }

    /// GC time over all time recorded, a fraction in [0, 1] (0 before any time).
    pub fn gc_cpu_fraction(&self) -> f64 {
        let total = self.total_gc.saturating_add(self.total_mutator);
        if total == 0 {
            return 0.0;
        }
        self.total_gc as f64 / total as f64
    }

    /// How full the bucket is, a fraction in [0, 1].
    pub fn fill_fraction(&self) -> f64 {
        self.fill / BUCKET_CAPACITY.as_nanos() as f64
    }

    /// GC time recorded while the bucket was full: collection beyond the limit
    /// (a sign the heap did work the limiter asked it to skip).
    pub fn overflow(&self) -> Duration {
        Duration::from_nanos(self.overflow.min(u64::MAX as f64) as u64)
    }

    /// All GC time recorded.
    pub fn total_gc_time(&self) -> Duration {
        nanos_to_duration(self.total_gc)
    }

    /// All mutator time recorded.
    pub fn total_mutator_time(&self) -> Duration {
        nanos_to_duration(self.total_mutator)
    }
}

/// Asserts the `# Requires` of the constructors: a share in (0, 1].
fn assert_valid_limit(cpu_limit: f64) {
    assert!(
        cpu_limit > 0.0 && cpu_limit <= 1.0,
        "cpu_limit {cpu_limit} must be in (0, 1]"
    );
}

/// Converts nanoseconds to a `Duration`, saturating at `u64::MAX` nanoseconds.
fn nanos_to_duration(nanos: u128) -> Duration {
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn fills_with_gc_time_and_drains_with_mutator_time() {
        let mut l = CpuLimiter::new(0.5);
        l.record_gc_time(100 * MS);
        assert!((l.fill_fraction() - 0.1).abs() < 1e-12); // 50 ms of 500
        l.record_mutator_time(40 * MS);
        assert!((l.fill_fraction() - 0.06).abs() < 1e-12);
        l.record_mutator_time(1000 * MS);
        assert_eq!(l.fill_fraction(), 0.0);
    }

    #[test]
    fn one_second_of_back_to_back_gc_engages_the_brake_at_half() {
        let mut l = CpuLimiter::new(0.5);
        l.record_gc_time(999 * MS);
        assert!(!l.limited());
        l.record_gc_time(MS);
        assert!(l.limited());
        assert_eq!(l.overflow(), Duration::ZERO);
        l.record_gc_time(10 * MS);
        assert_eq!(l.overflow(), 10 * MS);
        l.record_mutator_time(Duration::from_micros(1));
        assert!(!l.limited());
    }

    #[test]
    fn balanced_time_at_the_limit_keeps_the_level() {
        let mut l = CpuLimiter::new(0.25);
        l.record_gc_time(200 * MS);
        let level = l.fill_fraction();
        for _ in 0..100 {
            l.record_gc_time(MS);
            l.record_mutator_time(3 * MS);
        }
        assert!((l.fill_fraction() - level).abs() < 1e-9);
    }

    #[test]
    fn a_limit_of_one_never_limits() {
        let mut l = CpuLimiter::new(1.0);
        l.record_gc_time(Duration::from_secs(100));
        assert!(!l.limited());
        assert_eq!(l.gc_cpu_fraction(), 1.0);
    }

    #[test]
    fn fraction_counts_all_time() {
        let mut l = CpuLimiter::new(0.5);
        assert_eq!(l.gc_cpu_fraction(), 0.0);
        l.record_gc_time(MS);
        l.record_mutator_time(3 * MS);
        assert_eq!(l.gc_cpu_fraction(), 0.25);
        assert_eq!(l.total_gc_time(), MS);
        assert_eq!(l.total_mutator_time(), 3 * MS);
    }

    #[test]
    fn set_cpu_limit_returns_the_old_share() {
        let mut l = CpuLimiter::new(0.5);
        assert_eq!(l.set_cpu_limit(0.3), 0.5);
        assert_eq!(l.cpu_limit(), 0.3);
    }

    #[test]
    #[should_panic(expected = "must be in (0, 1]")]
    fn zero_limit_is_rejected() {
        CpuLimiter::new(0.0);
    }
}
