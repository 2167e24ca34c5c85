//! Timing collector work: every pause and step is measured by wall clock.

use std::time::{Duration, Instant};

use crate::policy::config::Config;

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

/// Time a drop, sweep or weak-cell step takes at most: a quarter of the 1 ms
/// a safe point should stay under, so a safe point that runs a young drop
/// step and an old sweep step still stays well inside it. 1,024 dead call
/// frames took 0.05 ms to drop, but over a millisecond when their frees made
/// glibc consolidate its free lists.
pub(crate) const STEP_TIME: Duration = Duration::from_micros(250);

/// Time the work of one safe point (`collect_debt`) should take at most: its
/// minor GC, then its mark or sweep step, which gets only what the minor GC
/// left of this (and always some minimum work, so the major cycle keeps
/// moving). 750 us leaves a quarter of the 1 ms pause bar for a minor GC that
/// overshoots its 600 us target; a whole mark step (64 KiB of work, 200-350
/// us on a loaded VM) after the minor GC made balanced-tree's and intern's
/// safe points 0.9-1.2 ms.
pub(crate) const SAFE_POINT_TIME: Duration = Duration::from_micros(750);

/// The time budget of one step of incremental work (a drop step, a sweep
/// step). Such a step is paced in units of work (entries, cells), but a unit's
/// cost is not the collector's to know: a `Drop` may free a big buffer, or
/// make the allocator consolidate its free lists (glibc's
/// `malloc_consolidate` made 1,024 frees take over a millisecond). So the
/// step also reads this clock between units and stops once its time is
/// spent; the work left over is carried to the next step, as an incremental
/// collector's deadline-bounded steps do (V8 bounds its idle-time tasks by a
/// deadline the same way).
#[derive(Clone, Copy, Debug)]
pub(crate) struct StepClock {
    /// When the step began.
    start: Instant,
    /// How long the step may take.
    budget: Duration,
}

impl StepClock {
    /// A clock for a step of at most `budget`, starting now.
    pub(crate) fn start(budget: Duration) -> StepClock {
        StepClock {
            start: Instant::now(),
            budget,
        }
    }

    /// A clock for a step of at most `budget`; under
    /// [`Config::deterministic`] one that is never spent, so the step ends by
    /// its work budget alone and does the same work on every run.
    pub(crate) fn for_step(budget: Duration, config: &Config) -> StepClock {
        StepClock::start(if config.deterministic {
            Duration::MAX
        } else {
            budget
        })
    }

    /// True once the step has used its budget.
    pub(crate) fn spent(&self) -> bool {
        self.start.elapsed() >= self.budget
    }

    /// The time left of the budget (zero once it is spent).
    pub(crate) fn left(&self) -> Duration {
        self.budget.saturating_sub(self.start.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_clock_is_spent_only_after_its_budget() {
        assert!(!StepClock::start(Duration::from_secs(3600)).spent());
        let clock = StepClock::start(Duration::ZERO);
        assert!(clock.spent());
        let clock = StepClock::start(Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(2));
        assert!(clock.spent());
    }

    #[test]
    fn a_step_clock_tells_the_time_left() {
        let hour = Duration::from_secs(3600);
        let left = StepClock::start(hour).left();
        assert!(left <= hour && left > hour - Duration::from_secs(60));
        assert_eq!(StepClock::start(Duration::ZERO).left(), Duration::ZERO);
    }
}
