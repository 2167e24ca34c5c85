//! Young-generation knobs: the tenuring threshold and adaptive Eden sizing.
//!
//! Part of the pacer (see [`super`]); pure arithmetic, fed by the minor GC.
//! A young object is born in Eden with age 0. Each minor GC that finds it alive
//! copies it into a survivor space and adds one to its age, until it is
//! **tenured** (promoted to the old generation).
//!
//! **Tenuring threshold** `t` (in minor GCs survived): a survivor whose age is
//! already `>= t` when a minor GC finds it alive is promoted instead of copied
//! again (HotSpot's meaning of `MaxTenuringThreshold`). [`Tenuring::Fixed`]
//! uses one threshold. [`Tenuring::Adaptive`] recomputes it after every minor
//! GC from the [`AgeTable`] (bytes surviving at each age), as HotSpot does: the
//! threshold is the smallest age at which the bytes of that age and younger
//! exceed `target_survivor_percent` of one survivor space, capped at `max`.
//! When survivors would overflow the space, the oldest are promoted sooner; when
//! they fit, objects stay young longer and get more chances to die young.
//! When even the youngest cohort overflows the space, the adaptive threshold
//! drops to 0 ([`overflow_threshold`]): survivors are promoted at their first
//! minor GC rather than copied twice, until a cohort fits again.
//!
//! **Eden sizing** ([`EdenSizer`]): a minor pause is mostly the cost of copying
//! survivors, which grows with Eden. Given a pause target (like G1's pause
//! goal), the sizer keeps a smoothed estimate of pause time per byte of Eden
//! used and sizes Eden so the next pause meets the target. The minor GC
//! reports its fixed cost (roots, remembered set, drop lists) apart, so with
//! `pause = fixed + k * eden` the sizer aims at `(target - fixed) / k`, and at
//! the minimum when the fixed cost alone exceeds the target. Steps are limited to a factor of
//! [`MAX_EDEN_STEP`] either way so that one odd pause cannot swing Eden wildly.
//!
//! Invariants: every threshold is in `1..=MAX_AGE`, or 0 after an overflow; Eden stays in `min..=max`
//! and a multiple of [`EDEN_GRANULE`] (or exactly `min` or `max`).

use std::time::Duration;

/// Oldest age tracked, in minor GCs survived. Four bits of the object header
/// hold the age, so 15 (HotSpot's limit for the same reason).
pub const MAX_AGE: u8 = 15;

/// How the tenuring threshold is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tenuring {
    /// Always this threshold, in `1..=MAX_AGE`.
    Fixed(u8),
    /// Recomputed from the age table after every minor GC, never above `max`
    /// (in `1..=MAX_AGE`).
    Adaptive {
        /// Largest threshold the adaptive policy may choose.
        max: u8,
    },
}

impl Default for Tenuring {
    /// `Adaptive { max: 15 }`, HotSpot's default.
    fn default() -> Tenuring {
        Tenuring::Adaptive { max: MAX_AGE }
    }
}

impl Tenuring {
    /// The threshold for the next minor GC, in `1..=MAX_AGE`.
    ///
    /// # Requires
    /// The policy's age is in `1..=MAX_AGE` and `target_survivor_percent` in `1..=100`.
    pub fn threshold(
        &self,
        ages: &AgeTable,
        survivor_capacity: usize,
        target_survivor_percent: u8,
    ) -> u8 {
        assert!(
            (1..=100).contains(&target_survivor_percent),
            "target survivor percent {target_survivor_percent} not in 1..=100"
        );
        match *self {
            Tenuring::Fixed(age) => {
                assert!(
                    (1..=MAX_AGE).contains(&age),
                    "fixed tenuring threshold {age} not in 1..=15"
                );
                age
            }
            Tenuring::Adaptive { max } => {
                adaptive_threshold(ages, survivor_capacity, target_survivor_percent, max)
            }
        }
    }
}

/// Bytes of surviving young objects by age, filled by one minor GC.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgeTable {
    /// `bytes[a]` = bytes of objects of age `a` copied into the survivor space
    /// by the last minor GC. Index 0 stays 0 (a copied object is at least 1).
    /// Cleared at the start of each minor GC, added to as objects are copied.
    bytes: [usize; MAX_AGE as usize + 1],
}

impl AgeTable {
    /// An empty table.
    pub fn new() -> AgeTable {
        AgeTable::default()
    }

    /// Forgets every entry (at the start of a minor GC).
    pub fn clear(&mut self) {
        self.bytes = [0; MAX_AGE as usize + 1];
    }

    /// Adds `bytes` of survivors of age `age` (their age after this copy).
    ///
    /// # Requires
    /// `1 <= age <= MAX_AGE`.
    pub fn record(&mut self, age: u8, bytes: usize) {
        assert!(
            (1..=MAX_AGE).contains(&age),
            "survivor age {age} not in 1..=15"
        );
        let slot = &mut self.bytes[usize::from(age)];
        *slot = slot.saturating_add(bytes);
    }

    /// Bytes of survivors of age `age` (0 for ages outside `1..=MAX_AGE`).
    pub fn bytes_at(&self, age: u8) -> usize {
        self.bytes.get(usize::from(age)).copied().unwrap_or(0)
    }

    /// Bytes of survivors of every age.
    pub fn total(&self) -> usize {
        self.bytes.iter().fold(0, |sum, &b| sum.saturating_add(b))
    }
}

/// HotSpot's adaptive tenuring threshold: the smallest age at which the bytes
/// of that age and younger exceed `target_survivor_percent`% of
/// `survivor_capacity`, capped at `max`; `max` when everything fits.
///
/// # Requires
/// `1 <= max <= MAX_AGE` and `1 <= target_survivor_percent <= 100`.
pub fn adaptive_threshold(
    ages: &AgeTable,
    survivor_capacity: usize,
    target_survivor_percent: u8,
    max: u8,
) -> u8 {
    assert!(
        (1..=MAX_AGE).contains(&max),
        "max tenuring threshold {max} not in 1..=15"
    );
    assert!(
        (1..=100).contains(&target_survivor_percent),
        "target survivor percent {target_survivor_percent} not in 1..=100"
    );
    let desired = survivor_capacity as u128 * u128::from(target_survivor_percent) / 100;
    let mut cumulative: u128 = 0;
    for age in 1..max {
        cumulative += ages.bytes_at(age) as u128;
        if cumulative > desired {
            return age;
        }
    }
    max
}

/// The threshold after a minor GC whose first cohort (the Eden objects it
/// found alive, copied or promoted) did not fit one survivor space of
/// `survivor_capacity` bytes: 0, so that the next minor GC promotes survivors
/// at once instead of copying them into the survivor space and again into old
/// space. Premature promotion is the lesser cost: a cohort that overflows
/// would mostly be promoted by the next minor GC anyway, after a second copy.
/// `None` when the cohort fits (the adaptive rule applies).
pub fn overflow_threshold(first_cohort_bytes: usize, survivor_capacity: usize) -> Option<u8> {
    (first_cohort_bytes > survivor_capacity).then_some(0)
}

/// Largest factor by which Eden grows or shrinks after one minor GC. Two is
/// enough to reach any size in `64 KiB..=1 GiB` within 14 collections, while one
/// outlier pause moves Eden at most one doubling.
pub const MAX_EDEN_STEP: f64 = 2.0;

/// Weight of the newest pause sample in the smoothed cost estimate, a fraction.
/// 0.3 (G1 smooths its pause predictions with the same weight) lets the estimate
/// follow a real change within about five collections and halves noise.
pub const COST_SMOOTHING: f64 = 0.3;

/// Eden sizes are multiples of this many bytes: one 4 KiB page, so a resize
/// maps whole pages.
pub const EDEN_GRANULE: usize = 4 << 10;

/// The copy rate the sizer assumes before its first measurement, in bytes
/// per nanosecond: 1 (1 GB/s). A minor GC in which all of Eden survives runs
/// at about that rate when promotion writes into pages not yet resident
/// (gc-latency: 4 MiB of 1 KiB messages promoted in about 5 ms), so the
/// first minor GC meets the pause target whatever survives.
pub const ASSUMED_COPY_BYTES_PER_NS: f64 = 1.0;

/// The Eden to start from for a pause `target`: what a fully surviving Eden
/// copies within the target at [`ASSUMED_COPY_BYTES_PER_NS`], in
/// `min..=max`. Eden grows from there by at most [`MAX_EDEN_STEP`] per minor
/// GC as pauses prove shorter, so a program whose young objects die pays a
/// few more minor GCs at the start, and one whose young objects all survive
/// never pays a first pause several times the target.
pub fn initial_eden(target: Duration, min: usize, max: usize) -> usize {
    let bytes = target.as_nanos() as f64 * ASSUMED_COPY_BYTES_PER_NS;
    let rounded = (bytes.min(max as f64) as usize) / EDEN_GRANULE * EDEN_GRANULE;
    rounded.clamp(min, max)
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
            Some(old) => (
                old + COST_SMOOTHING * (sample - old),
                self.fixed_ns + COST_SMOOTHING * (fixed - self.fixed_ns),
            ),
        };
        self.cost_per_byte = Some(cost);
        self.fixed_ns = fixed;
        self.size = self.next_size(cost);
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
        let stepped = ideal.clamp(current / MAX_EDEN_STEP, current * MAX_EDEN_STEP);
        let rounded = (stepped as usize) / EDEN_GRANULE * EDEN_GRANULE;
        rounded.clamp(self.min, self.max)
    }
}

/// Drop-list entries the next drop step visits (`space/drop_list`): at least
/// `min_step`, and enough that `pending` entries are done by the time
/// `allocated`-sized gaps add up to half of Eden, so a queue retired by one
/// minor GC is empty well before the next one retires another.
pub fn drop_step_budget(
    pending: usize,
    allocated: usize,
    eden_capacity: usize,
    min_step: usize,
) -> usize {
    let half = (eden_capacity / 2).max(1) as u128;
    let paced = (pending as u128 * allocated as u128).div_ceil(half);
    min_step.max(paced.min(pending as u128) as usize)
}

/// Bytes the program may allocate before the next drop step is due: half of
/// Eden shared among the `min_step`-sized steps that `pending` entries need
/// (`usize::MAX` when nothing is pending).
pub fn drop_step_room(pending: usize, eden_capacity: usize, min_step: usize) -> usize {
    if pending == 0 {
        return usize::MAX;
    }
    let steps = pending.div_ceil(min_step.max(1)) + 1;
    (eden_capacity / 2) / steps
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: usize = 1 << 10;
    const MIB: usize = 1 << 20;

    fn table(entries: &[(u8, usize)]) -> AgeTable {
        let mut t = AgeTable::new();
        for &(age, bytes) in entries {
            t.record(age, bytes);
        }
        t
    }

    #[test]
    fn an_overflowing_first_cohort_is_promoted_at_once() {
        assert_eq!(overflow_threshold(600 * KIB, 512 * KIB), Some(0));
        assert_eq!(overflow_threshold(512 * KIB, 512 * KIB), None);
        assert_eq!(overflow_threshold(0, 0), None);
    }

    #[test]
    fn drop_steps_keep_pace_with_allocation() {
        // 73,000 pending entries, 4 MiB Eden: the room spreads 73 steps of
        // 1024 over 2 MiB; a step after 64 KiB visits 1/32 of the queue.
        assert_eq!(drop_step_room(73_000, 4 * MIB, 1024), 2 * MIB / 73);
        assert_eq!(drop_step_budget(73_000, 64 * KIB, 4 * MIB, 1024), 2282);
        // Never below the minimum step, never past what is pending.
        assert_eq!(drop_step_budget(10, KIB, 4 * MIB, 1024), 1024);
        assert_eq!(drop_step_budget(5000, 8 * MIB, 4 * MIB, 1024), 5000);
        assert_eq!(drop_step_room(0, 4 * MIB, 1024), usize::MAX);
    }

    #[test]
    fn everything_fits_gives_the_max() {
        let t = table(&[(1, 10 * KIB), (2, 10 * KIB)]);
        assert_eq!(adaptive_threshold(&t, MIB, 50, 15), 15);
        assert_eq!(adaptive_threshold(&AgeTable::new(), MIB, 50, 7), 7);
    }

    #[test]
    fn first_age_past_the_target_becomes_the_threshold() {
        // Survivor space 1 MiB, target 50% = 512 KiB.
        let t = table(&[
            (1, 200 * KIB),
            (2, 200 * KIB),
            (3, 200 * KIB),
            (4, 10 * KIB),
        ]);
        assert_eq!(adaptive_threshold(&t, MIB, 50, 15), 3);
        // Exactly at the target is not past it.
        let t = table(&[(1, 256 * KIB), (2, 256 * KIB), (3, 1)]);
        assert_eq!(adaptive_threshold(&t, MIB, 50, 15), 3);
        // A lone young cohort over the target: promote after one copy.
        let t = table(&[(1, 900 * KIB)]);
        assert_eq!(adaptive_threshold(&t, MIB, 50, 15), 1);
    }

    #[test]
    fn threshold_is_capped_by_max() {
        let t = table(&[(5, 900 * KIB)]);
        assert_eq!(adaptive_threshold(&t, MIB, 50, 15), 5);
        assert_eq!(adaptive_threshold(&t, MIB, 50, 3), 3);
    }

    #[test]
    fn target_percent_moves_the_threshold() {
        let t = table(&[(1, 300 * KIB), (2, 300 * KIB), (3, 300 * KIB)]);
        assert_eq!(adaptive_threshold(&t, MIB, 25, 15), 1);
        assert_eq!(adaptive_threshold(&t, MIB, 50, 15), 2);
        assert_eq!(adaptive_threshold(&t, MIB, 100, 15), 15);
    }

    #[test]
    fn fixed_policy_ignores_the_table() {
        let t = table(&[(1, 900 * KIB)]);
        assert_eq!(Tenuring::Fixed(4).threshold(&t, MIB, 50), 4);
        assert_eq!(Tenuring::default().threshold(&t, MIB, 50), 1);
    }

    #[test]
    #[should_panic(expected = "not in 1..=15")]
    fn age_zero_cannot_be_recorded() {
        AgeTable::new().record(0, 1);
    }

    #[test]
    fn age_table_totals_and_clears() {
        let mut t = table(&[(1, 5), (15, 7), (1, 3)]);
        assert_eq!(t.bytes_at(1), 8);
        assert_eq!(t.bytes_at(16), 0);
        assert_eq!(t.total(), 15);
        t.clear();
        assert_eq!(t.total(), 0);
    }

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
    fn eden_moves_at_most_one_step_per_collection() {
        let mut s = EdenSizer::new(MIB, 64 * KIB, 1 << 30, Duration::from_secs(1));
        let next = s.record_minor(MinorFacts {
            eden_bytes_used: MIB,
            pause: Duration::from_micros(1),
            fixed: Duration::ZERO,
        });
        assert_eq!(next, 2 * MIB);
        let next = s.record_minor(MinorFacts {
            eden_bytes_used: 2 * MIB,
            pause: Duration::from_secs(100),
            fixed: Duration::ZERO,
        });
        assert!(next >= MIB, "{next}");
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
}
