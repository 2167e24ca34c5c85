//! The assist ratio: how much marking each allocated byte owes while marking runs.
//!
//! Part of the pacer (see [`super`]). A unit of mark work is one byte of old
//! object scanned, plus each outside byte the object reports. While a cycle is marking, every allocated byte adds
//! `assist_ratio` units to the mutator's debt, and the heap pays the debt at the
//! next safe point. The ratio is recomputed from the remaining work and the
//! remaining room, so that the work runs out exactly when the heap reaches its
//! target:
//!
//! ```text
//! assist_ratio = (target_work - work_done) / (target_heap - heap_now)
//!                 units of mark work        /  bytes of allocation
//! ```
//!
//! Two regimes (as in Go's pacer, `revise`):
//!
//! - **Soft**: while the work done is within the expected work (last cycle's)
//!   and the heap is below the goal, aim the expected work at the heap goal.
//! - **Hard**: once the work done exceeds the expected work (the live heap grew)
//!   or the heap reached the goal, the estimate was wrong: aim the worst case
//!   (every byte of the old generation at mark start is live: old cells, large
//!   objects and reported outside bytes; survivors and roots are not counted)
//!   at the hard goal.
//!   Assists steepen, but because the worst case really bounds the work, marking
//!   is done before the heap passes the hard goal.
//!
//! Invariant: the ratio is finite and positive. The remaining work is floored at
//! [`MIN_REMAINING_WORK`] (an estimate a little low still gets paced) and the
//! remaining room at one byte (past the target, the next byte owes all of it).

/// Smallest remaining work assumed, in work units. Go uses 1000. A quarter of a
/// default mark step (64 KiB of work): when the estimate is a few objects short,
/// those objects are still paced over the remaining room instead of owing ~0.
pub const MIN_REMAINING_WORK: usize = 16 << 10;

/// Which target the assist ratio is aimed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// The expected work (last cycle's) is aimed at the heap goal.
    Soft,
    /// The worst-case work (the whole old generation at mark start) is aimed at the hard goal.
    Hard,
}

/// What the assist ratio of one cycle aims at. Fixed at mark start, except the
/// goals, which follow run-time changes of the knobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssistTargets {
    /// The heap goal, in heap bytes.
    pub goal: usize,
    /// The hard goal, in heap bytes (at least `goal`).
    pub hard_goal: usize,
    /// Mark work expected this cycle, in work units (last cycle's work).
    pub expected_work: usize,
    /// Mark work if everything in the old generation at mark start is live, in work units.
    pub max_work: usize,
}

impl AssistTargets {
    /// Which regime applies with `work_done` units done and `heap_now` bytes in the heap.
    pub fn regime(&self, heap_now: usize, work_done: usize) -> Regime {
        if work_done <= self.expected_work && heap_now < self.goal {
            Regime::Soft
        } else {
            Regime::Hard
        }
    }

    /// The assist ratio, in work units per allocated byte (see the module docs).
    pub fn assist_ratio(&self, heap_now: usize, work_done: usize) -> f64 {
        let (target_work, target_heap) = match self.regime(heap_now, work_done) {
            Regime::Soft => (self.expected_work, self.goal),
            Regime::Hard => (self.max_work.max(self.expected_work), self.hard_goal),
        };
        let work_left = target_work
            .saturating_sub(work_done)
            .max(MIN_REMAINING_WORK);
        let room_left = target_heap.saturating_sub(heap_now).max(1);
        work_left as f64 / room_left as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    fn targets() -> AssistTargets {
        AssistTargets {
            goal: 200 * MIB,
            hard_goal: 220 * MIB,
            expected_work: 100 * MIB,
            max_work: 180 * MIB,
        }
    }

    #[test]
    fn soft_ratio_spreads_expected_work_over_the_runway() {
        // 100 MiB of work over 20 MiB of room: 5 units per byte.
        let t = targets();
        assert_eq!(t.regime(180 * MIB, 0), Regime::Soft);
        assert_eq!(t.assist_ratio(180 * MIB, 0), 5.0);
        // Halfway through both: still 5.
        assert_eq!(t.assist_ratio(190 * MIB, 50 * MIB), 5.0);
    }

    #[test]
    fn more_work_than_expected_switches_to_the_hard_goal() {
        let t = targets();
        assert_eq!(t.regime(190 * MIB, 100 * MIB + 1), Regime::Hard);
        // (180 - 110) MiB of work over (220 - 190) MiB of room.
        let r = t.assist_ratio(190 * MIB, 110 * MIB);
        assert!((r - 70.0 / 30.0).abs() < 1e-12);
    }

    #[test]
    fn reaching_the_goal_switches_to_the_hard_goal() {
        let t = targets();
        assert_eq!(t.regime(200 * MIB, 10 * MIB), Regime::Hard);
        assert_eq!(t.assist_ratio(200 * MIB, 20 * MIB), 160.0 / 20.0);
    }

    #[test]
    fn past_the_hard_goal_the_next_byte_owes_everything() {
        let t = targets();
        assert_eq!(t.assist_ratio(230 * MIB, 30 * MIB), (150 * MIB) as f64);
    }

    #[test]
    fn remaining_work_is_floored() {
        let t = targets();
        let r = t.assist_ratio(199 * MIB, 100 * MIB);
        assert_eq!(r, MIN_REMAINING_WORK as f64 / MIB as f64);
        let r = t.assist_ratio(210 * MIB, 500 * MIB);
        assert_eq!(r, MIN_REMAINING_WORK as f64 / (10 * MIB) as f64);
    }

    #[test]
    fn no_goal_means_almost_no_assist() {
        let t = AssistTargets {
            goal: usize::MAX,
            hard_goal: usize::MAX,
            expected_work: MIB,
            max_work: MIB,
        };
        assert!(t.assist_ratio(MIB, 0) < 1e-12);
        assert!(t.assist_ratio(MIB, 2 * MIB) < 1e-12);
    }
}
