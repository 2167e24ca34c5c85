//! Young-generation knobs: the tenuring threshold and the drop-step pacing.
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
//! Eden's size toward a pause target is [`super::eden`]; the pacing of the
//! young drop queue is here ([`drop_step_budget`]).
//!
//! Invariant: every threshold is in `1..=MAX_AGE`, or 0 after an overflow.

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
}
