//! A mark step's deadline: marking that stops when the safe point's time is
//! spent, not only when its budget of work is done.
//!
//! A safe point may run a minor GC and then a mark step
//! (`Collector::pay_mark_debt`). The mark step's budget is work (bytes
//! scanned), paid as the pacer's assist ratio asks; its time is whatever
//! that work costs, 200-350 us for a 64 KiB step on a loaded VM. After a
//! long minor GC the two together passed 1 ms, so the step also carries a
//! [`Deadline`]: after a minimum of work it reads the safe point's clock now
//! and then and stops once it is spent. The work it did not do stays owed
//! (the assist debt), so the cycle still finishes on the pacer's schedule.
//! Past the heap goal the step has no deadline: marking is late then, and
//! the heap grows until it ends.

use crate::telemetry::timing::StepClock;

/// A mark step's time limit: once `min_work` units are done, the step stops
/// when `clock` is spent, even with budget left (the safe point's minor GC
/// may have used most of its time, `timing::SAFE_POINT_TIME`). The minimum
/// keeps the cycle moving when every safe point runs a long minor GC.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    /// The step's clock.
    pub(crate) clock: StepClock,
    /// Work done before the clock is first read.
    pub(crate) min_work: usize,
}

/// Work between two readings of a [`Deadline`]'s clock: 4 KiB, about 10 us
/// of scanning, so a step overshoots its deadline by little while reading
/// the clock (some 25 ns) costs well under 1% of the step.
const CLOCK_CHECK_WORK: usize = 4 << 10;

/// Reads a step's [`Deadline`] (if it has one) every [`CLOCK_CHECK_WORK`]
/// units once its minimum work is done. The parts of a step (root jobs,
/// the gray stack, the gray-again list) share one reader, each counting its
/// work from zero after [`DeadlineReader::spend`] took the last part's.
pub(crate) struct DeadlineReader {
    /// The clock; None: never passed.
    clock: Option<StepClock>,
    /// The work (of the current part) at which the clock is read next.
    next_reading: usize,
}

impl DeadlineReader {
    /// A reader for a step that has done no work yet.
    pub(crate) fn new(deadline: Option<Deadline>) -> DeadlineReader {
        DeadlineReader {
            clock: deadline.map(|d| d.clock),
            next_reading: deadline.map_or(usize::MAX, |d| d.min_work),
        }
    }

    /// True once the deadline has passed, given the current part's `work`.
    pub(crate) fn passed(&mut self, work: usize) -> bool {
        if work < self.next_reading {
            return false;
        }
        match self.clock {
            Some(clock) if clock.spent() => true,
            _ => {
                self.next_reading = work.saturating_add(CLOCK_CHECK_WORK);
                false
            }
        }
    }

    /// Ends a part of the step that did `work`: the next part counts anew.
    pub(crate) fn spend(&mut self, work: usize) {
        self.next_reading = self.next_reading.saturating_sub(work);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn spent_after(min_work: usize) -> DeadlineReader {
        DeadlineReader::new(Some(Deadline {
            clock: StepClock::start(Duration::ZERO),
            min_work,
        }))
    }

    #[test]
    fn no_deadline_never_passes() {
        let mut reader = DeadlineReader::new(None);
        assert!(!reader.passed(0));
        assert!(!reader.passed(usize::MAX));
    }

    #[test]
    fn a_spent_clock_stops_the_step_only_after_its_minimum_work() {
        let mut reader = spent_after(100);
        assert!(!reader.passed(0));
        assert!(!reader.passed(99));
        assert!(reader.passed(100));
    }

    #[test]
    fn the_next_part_counts_from_zero_after_spend() {
        let mut reader = spent_after(100);
        reader.spend(60); // the root jobs did 60 units
        assert!(!reader.passed(39), "the gray stack still owes 40");
        assert!(reader.passed(40));
    }

    #[test]
    fn a_clock_with_time_left_is_read_again_a_check_later() {
        let mut reader = DeadlineReader::new(Some(Deadline {
            clock: StepClock::start(Duration::from_secs(3600)),
            min_work: 0,
        }));
        assert!(!reader.passed(0));
        assert!(
            !reader.passed(CLOCK_CHECK_WORK - 1),
            "not read before the next check"
        );
        assert!(
            !reader.passed(CLOCK_CHECK_WORK),
            "read, and an hour is left"
        );
    }
}
