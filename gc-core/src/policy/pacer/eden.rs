//! Eden sizing toward a minor-pause target (G1's young-generation sizing).
//!
//! Part of the pacer (see [`super`]); pure arithmetic, fed by the minor GC.
//! A minor pause is mostly the cost of copying survivors, which grows with
//! Eden. Given a pause target (like G1's pause goal), the [`EdenSizer`] keeps
//! a smoothed estimate of pause time per byte of Eden used, and of how much
//! that estimate wanders, and sizes Eden so that the next pause meets the
//! target even when it costs somewhat more than the average (G1 predicts a pause as
//! its mean plus a multiple of its deviation for the same reason). The minor
//! GC reports its fixed cost (roots, remembered set, drop lists) apart
//! ([`fixed_minor_cost`]), so with `pause = fixed + k * eden` the sizer aims
//! at `(target - fixed) / k`, and at the minimum when the fixed cost alone
//! exceeds the target. Eden shrinks by at most [`MAX_EDEN_STEP`] and grows by
//! at most [`MAX_EDEN_GROWTH`] per minor GC, so that one odd pause cannot
//! swing it wildly, and so that a short stretch of garbage does not grow it
//! past what the next surviving stretch can copy in time. The collector
//! starts Eden at its smallest (`young::eden_sizer`), since the first minor
//! GC comes before any measurement: a full 4 MiB Eden that all survived made
//! it 6-16 ms (balanced-tree's build). Starting small costs at most 3% in
//! instructions on gc-bench's workloads at their callgrind sizes (cache 3.1%,
//! intern 1.2%, call-frames 1.0%, the rest within 0.5%); an earlier try, with
//! a root-copy share still counted as fixed cost, kept a small Eden small and
//! cost balanced-tree 31%.
//!
//! Invariant: Eden stays in `min..=max` and a multiple of [`EDEN_GRANULE`]
//! (or exactly `min` or `max`).

use std::time::Duration;

/// Largest factor by which Eden shrinks after one minor GC. Two reaches any
/// size in `64 KiB..=1 GiB` within 14 collections, while one outlier pause
/// moves Eden at most one halving.
pub const MAX_EDEN_STEP: f64 = 2.0;

/// Largest factor by which Eden grows after one minor GC: 1.25, from its
/// sixteenth to its largest in 13 minor GCs. The cost a sizer sees is that
/// of the last few minor GCs; a program whose survival changes with its
/// phases (the Scheme binary-trees: stretches of garbage between trees that
/// outlive Eden) grew Eden by doubling over the garbage to 2.5-4 MiB, and
/// the next tree promoted all of it: 1.2-3.2 ms against the 600 us target.
/// Growing by a quarter, Eden is still near the surviving stretch's size when
/// it returns: in 6 interleaved runs, minor GCs over 1 ms of CPU fell from
/// 8 to 2 and the p99.9 step from 1.28 to 0.84 ms, with 8% more minor GCs
/// and the same wall time (and no change elsewhere in gc-bench).
pub const MAX_EDEN_GROWTH: f64 = 1.25;

/// Weight of the newest pause sample in the smoothed cost estimate, a fraction.
/// 0.3 (G1 smooths its pause predictions with the same weight) lets the estimate
/// follow a real change within about five collections and halves noise.
pub const COST_SMOOTHING: f64 = 0.3;

/// Deviations above the mean that the sizer plans each pause for: the
/// per-byte cost it sizes Eden by is the smoothed mean plus one smoothed
/// absolute deviation. Sized by the mean, half of the pauses land above the
/// target (gc-latency's minor GCs took 1.0-1.9 ms of CPU with a 1 ms target).
/// Each deviation buys fewer pauses over the target with a smaller Eden, so
/// more minor GCs and more premature promotion: call-frames ran 117 minor GCs
/// at 0, 151 at 1 and 164 at 2, with 14, 18 and 21 major cycles. One is the
/// middle; G1 predicts from a decaying mean and deviation the same way.
pub const PREDICTION_DEVIATIONS: f64 = 1.0;

/// Eden sizes are multiples of this many bytes: one 4 KiB page, so a resize
/// maps whole pages.
pub const EDEN_GRANULE: usize = 4 << 10;

/// The part of a minor GC's root scan that does not grow with Eden, from the
/// scan's time and the bytes it copied (`root_copied_bytes` of all
/// `copied_bytes` the minor GC copied or promoted): the scan's time less the
/// copied bytes' share of it. Copying what the roots point to directly grows
/// with Eden like any other copying; counting it as fixed made the sizer see
/// a gc-latency minor GC (every survivor hangs off the root) as all fixed
/// cost, and grow Eden to its largest with 4-5 ms pauses.
pub fn fixed_minor_cost(
    root_scan: Duration,
    root_copied_bytes: usize,
    copied_bytes: usize,
) -> Duration {
    if copied_bytes == 0 {
        return root_scan;
    }
    let copying = root_copied_bytes.min(copied_bytes) as f64 / copied_bytes as f64;
    root_scan.mul_f64(1.0 - copying)
}

/// What one minor GC reports to the [`EdenSizer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinorFacts {
    /// Bytes of Eden in use when the minor GC began.
    pub eden_bytes_used: usize,
    /// How long the minor GC paused the program.
    pub pause: Duration,
    /// The part of `pause` that does not grow with Eden: scanning the roots,
    /// the stash and the remembered set, and dropping the short drop lists
    /// (G1 subtracts the same costs before sizing its young generation).
    pub fixed: Duration,
}

/// Sizes Eden so that minor pauses approach a target.
#[derive(Clone, Debug, PartialEq)]
pub struct EdenSizer {
    /// Pause to aim for. Written by `new` and `set_target`.
    target: Duration,
    /// Smallest Eden, in bytes. Written by `new`.
    min: usize,
    /// Largest Eden, in bytes. Written by `new` and `set_max`.
    max: usize,
    /// Current Eden size, in bytes. Written by `record_minor` and `set_max`.
    size: usize,
    /// Smoothed pause per byte of Eden used, fixed costs excluded, in
    /// nanoseconds per byte; `None` until the first minor GC with Eden in
    /// use. Written by `record_minor`.
    cost_per_byte: Option<f64>,
    /// Smoothed absolute deviation of the per-byte samples from that
    /// estimate, in nanoseconds per byte. Written by `record_minor`.
    cost_deviation: f64,
    /// Smoothed fixed cost of a minor GC, in nanoseconds. Written by
    /// `record_minor`.
    fixed_ns: f64,
}

impl EdenSizer {
    /// A sizer starting at `initial` bytes.
    ///
    /// # Requires
    /// `0 < min <= initial <= max` and `target > 0`.
    pub fn new(initial: usize, min: usize, max: usize, target: Duration) -> EdenSizer {
        assert!(
            0 < min && min <= initial && initial <= max,
            "need 0 < min <= initial <= max"
        );
        assert!(!target.is_zero(), "the pause target must be positive");
        EdenSizer {
            target,
            min,
            max,
            size: initial,
            cost_per_byte: None,
            cost_deviation: 0.0,
            fixed_ns: 0.0,
        }
    }

    /// The Eden size to use now, in bytes.
    pub fn eden_size(&self) -> usize {
        self.size
    }

    /// The pause target.
    pub fn target(&self) -> Duration {
        self.target
    }

    /// Changes the pause target; returns the old one. Eden moves toward it from
    /// the next minor GC on.
    ///
    /// # Requires
    /// `target > 0`.
    pub fn set_target(&mut self, target: Duration) -> Duration {
        assert!(!target.is_zero(), "the pause target must be positive");
        std::mem::replace(&mut self.target, target)
    }

    /// Changes the largest Eden (for example when the memory limit shrinks);
    /// returns the old one. Eden is cut down at once if it is larger.
    ///
    /// # Requires
    /// `max >= min`.
    pub fn set_max(&mut self, max: usize) -> usize {
        assert!(max >= self.min, "max Eden {max} below min {}", self.min);
        self.size = self.size.min(max);
        std::mem::replace(&mut self.max, max)
    }

    /// Learns from one minor GC and returns the new Eden size, in bytes.
    pub fn record_minor(&mut self, facts: MinorFacts) -> usize {
        if facts.eden_bytes_used == 0 {
            return self.size;
        }
        let fixed = facts.fixed.min(facts.pause);
        let variable = facts.pause - fixed;
        let sample = variable.as_nanos() as f64 / facts.eden_bytes_used as f64;
        let fixed = fixed.as_nanos() as f64;
        let (cost, fixed) = match self.cost_per_byte {
            None => (sample, fixed),
            Some(old) => {
                let deviation = (sample - old).abs();
                self.cost_deviation += COST_SMOOTHING * (deviation - self.cost_deviation);
                (
                    old + COST_SMOOTHING * (sample - old),
                    self.fixed_ns + COST_SMOOTHING * (fixed - self.fixed_ns),
                )
            }
        };
        self.cost_per_byte = Some(cost);
        self.fixed_ns = fixed;
        self.size = self.next_size(cost + PREDICTION_DEVIATIONS * self.cost_deviation);
        self.size
    }

    /// The size that meets the target at `cost` ns per byte after the fixed
    /// cost, within one step.
    fn next_size(&self, cost: f64) -> usize {
        let current = self.size as f64;
        let budget = (self.target.as_nanos() as f64 - self.fixed_ns).max(0.0);
        let ideal = if cost > 0.0 {
            budget / cost
        } else if budget == 0.0 {
            0.0
        } else {
            f64::INFINITY
        };
        let stepped = ideal.clamp(current / MAX_EDEN_STEP, current * MAX_EDEN_GROWTH);
        let rounded = (stepped as usize) / EDEN_GRANULE * EDEN_GRANULE;
        rounded.clamp(self.min, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: usize = 1 << 10;
    const MIB: usize = 1 << 20;

    /// A minor GC whose pause is `fixed + per_byte * eden`.
    fn pause_of(eden: usize, fixed_us: u64, per_byte_ns: f64) -> Duration {
        Duration::from_micros(fixed_us) + Duration::from_nanos((eden as f64 * per_byte_ns) as u64)
    }

    #[test]
    fn eden_converges_to_the_pause_target() {
        // pause = 100 us + 0.1 ns/byte: a 1 ms target allows 9 MB of Eden.
        let mut s = EdenSizer::new(MIB, 64 * KIB, 1 << 30, Duration::from_millis(1));
        for _ in 0..40 {
            let eden = s.eden_size();
            s.record_minor(MinorFacts {
                eden_bytes_used: eden,
                pause: pause_of(eden, 100, 0.1),
                fixed: Duration::ZERO,
            });
        }
        let pause = pause_of(s.eden_size(), 100, 0.1);
        assert!(
            pause >= Duration::from_micros(950) && pause <= Duration::from_micros(1050),
            "{pause:?}"
        );
        assert_eq!(s.eden_size() % EDEN_GRANULE, 0);
    }

    #[test]
    fn a_reported_fixed_cost_is_subtracted_from_the_target() {
        // pause = 400 us fixed + 0.1 ns/byte: a 1 ms target leaves 600 us,
        // 6 MB of Eden; the sizer lands there rather than near 10 MB.
        let mut s = EdenSizer::new(MIB, 64 * KIB, 1 << 30, Duration::from_millis(1));
        for _ in 0..40 {
            let eden = s.eden_size();
            s.record_minor(MinorFacts {
                eden_bytes_used: eden,
                pause: pause_of(eden, 400, 0.1),
                fixed: Duration::from_micros(400),
            });
        }
        let eden = s.eden_size() as f64;
        assert!((eden - 6e6).abs() < 0.05 * 6e6, "{eden}");
        // A fixed cost past the target leaves Eden at its minimum.
        let mut s = EdenSizer::new(MIB, 64 * KIB, 1 << 30, Duration::from_millis(1));
        for _ in 0..20 {
            let eden = s.eden_size();
            s.record_minor(MinorFacts {
                eden_bytes_used: eden,
                pause: pause_of(eden, 1500, 0.1),
                fixed: Duration::from_micros(1500),
            });
        }
        assert_eq!(s.eden_size(), 64 * KIB);
    }

    #[test]
    fn eden_grows_by_a_quarter_and_shrinks_by_half_at_most() {
        let mut s = EdenSizer::new(MIB, 64 * KIB, 1 << 30, Duration::from_secs(1));
        let next = s.record_minor(MinorFacts {
            eden_bytes_used: MIB,
            pause: Duration::from_micros(1),
            fixed: Duration::ZERO,
        });
        assert_eq!(next, MIB + MIB / 4, "a cheap pause grows Eden by a quarter");
        let next = s.record_minor(MinorFacts {
            eden_bytes_used: next,
            pause: Duration::from_secs(100),
            fixed: Duration::ZERO,
        });
        assert_eq!(next, (MIB + MIB / 4) / 2, "a dear one halves it");
    }

    #[test]
    fn unreachable_target_shrinks_eden_to_the_minimum() {
        let mut s = EdenSizer::new(MIB, 64 * KIB, 1 << 30, Duration::from_micros(50));
        for _ in 0..20 {
            let eden = s.eden_size();
            s.record_minor(MinorFacts {
                eden_bytes_used: eden,
                pause: pause_of(eden, 100, 0.1),
                fixed: Duration::ZERO,
            });
        }
        assert_eq!(s.eden_size(), 64 * KIB);
    }

    #[test]
    fn set_max_cuts_eden_down_and_set_target_returns_the_old() {
        let mut s = EdenSizer::new(8 * MIB, 64 * KIB, 1 << 30, Duration::from_millis(1));
        assert_eq!(s.set_max(4 * MIB), 1 << 30);
        assert_eq!(s.eden_size(), 4 * MIB);
        assert_eq!(
            s.set_target(Duration::from_millis(2)),
            Duration::from_millis(1)
        );
        assert_eq!(s.target(), Duration::from_millis(2));
        // An empty Eden teaches nothing.
        assert_eq!(
            s.record_minor(MinorFacts {
                eden_bytes_used: 0,
                pause: Duration::ZERO,
                fixed: Duration::ZERO,
            }),
            4 * MIB
        );
    }

    #[test]
    fn root_copying_is_not_fixed_cost() {
        let ms = Duration::from_millis(4);
        assert_eq!(fixed_minor_cost(ms, 0, 0), ms);
        assert_eq!(fixed_minor_cost(ms, 0, MIB), ms);
        assert_eq!(fixed_minor_cost(ms, MIB / 4, MIB), Duration::from_millis(3));
        assert_eq!(fixed_minor_cost(ms, MIB, MIB), Duration::ZERO);
    }

    #[test]
    fn pauses_that_vary_get_a_smaller_eden_than_steady_ones() {
        let target = Duration::from_millis(1);
        let run = |per_byte: &dyn Fn(usize) -> f64| {
            let mut s = EdenSizer::new(MIB, 64 * KIB, 16 * MIB, target);
            for i in 0..60 {
                let eden = s.eden_size();
                s.record_minor(MinorFacts {
                    eden_bytes_used: eden,
                    pause: pause_of(eden, 0, per_byte(i)),
                    fixed: Duration::ZERO,
                });
            }
            s.eden_size()
        };
        // The same mean cost, 1 ns/byte; one run alternates 0.5 and 1.5.
        let steady = run(&|_| 1.0);
        let varying = run(&|i| if i % 2 == 0 { 0.5 } else { 1.5 });
        assert!(
            steady > 900 * KIB && steady < 1100 * KIB,
            "steady: {steady}"
        );
        assert!(
            varying < steady * 2 / 3,
            "varying {varying} vs steady {steady}"
        );
    }
}
