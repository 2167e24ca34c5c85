//! The heap goal: how large the heap may grow before this cycle's marking must be done.
//!
//! Part of the pacer (see [`super`]); pure arithmetic on byte counts. Two goals
//! compete and the lower one wins:
//!
//! 1. The **proportional goal** (`gc_percent`, Go's `GOGC`):
//!    `live + (live + roots) * gc_percent / 100`, where `live` is what the last
//!    mark found reachable and `roots` the bytes of roots it scanned. Roots count
//!    because they cost marking work just as heap objects do. The goal is never
//!    below the *minimum heap* `min_heap * gc_percent / 100` (Go: 4 MiB at
//!    `GOGC=100`), so that a tiny program does not collect every few kilobytes.
//!    With `gc_percent` off there is no proportional goal ([`NO_GOAL`]).
//! 2. The **memory-limit goal** (Go's `GOMEMLIMIT`): the limit, minus the bytes
//!    the heap owns that are not objects (`non_heap_bytes`: metadata, free cells,
//!    fragmentation), minus a headroom of [`LIMIT_HEADROOM_PERCENT`] (at least
//!    [`MIN_LIMIT_HEADROOM`]) for what is allocated between a decision and the next
//!    safe point.
//!
//! The **hard goal** bounds overshoot when the work estimate was wrong:
//! [`HARD_GOAL_OVERSHOOT_PERCENT`] above the goal, but never past the memory limit.
//!
//! Invariants (checked by the tests below):
//! - `live <= heap_goal`: the proportional goal is at least `live`, and a
//!   memory-limit goal below `live` is raised to `live` (it could only be met by
//!   freeing live objects; collection then runs back to back and the CPU limiter
//!   keeps the program moving).
//! - `heap_goal <= hard_goal`.
//! - No input overflows: every result saturates at [`NO_GOAL`].

/// The goal that means "no goal": the heap may grow until allocation fails. In bytes.
pub const NO_GOAL: usize = usize::MAX;

/// How far past the heap goal the heap may grow when the mark-work estimate was
/// too low, in percent of the goal. Go uses the same 10% (`maxOvershoot`): large
/// enough that assists stay moderate while the pacer catches up with a grown
/// heap, small enough that peak memory stays within 1.1x of what was asked.
pub const HARD_GOAL_OVERSHOOT_PERCENT: usize = 10;

/// Headroom kept under the memory limit, in percent of the room the limit leaves
/// the heap. Go uses 3%: the heap overshoots its goal by what is allocated
/// between two safe points, and 3% absorbs that at every heap size we target.
pub const LIMIT_HEADROOM_PERCENT: usize = 3;

/// Smallest headroom kept under the memory limit, in bytes. Go uses 1 MiB for a
/// multi-threaded runtime with per-thread caches; our single-threaded heap only
/// overshoots by one safe point's allocation, which for an interpreter loop is a
/// few KiB. 128 KiB covers that with margin and still leaves 7/8 of the smallest
/// accepted limit (1 MiB) usable.
pub const MIN_LIMIT_HEADROOM: usize = 128 << 10;

/// The proportional goal in bytes: `live + (live + roots) * gc_percent / 100`,
/// floored at `min_heap * gc_percent / 100`; [`NO_GOAL`] when `gc_percent` is off.
pub fn proportional_goal(
    live_bytes: usize,
    root_scan_bytes: usize,
    gc_percent: Option<u32>,
    min_heap: usize,
) -> usize {
    let Some(percent) = gc_percent else {
        return NO_GOAL;
    };
    let percent = u128::from(percent);
    let live = live_bytes as u128;
    let growth = (live + root_scan_bytes as u128) * percent / 100;
    let floor = min_heap as u128 * percent / 100;
    saturate((live + growth).max(floor))
}

/// The memory-limit goal in bytes: the room the limit leaves the heap's objects,
/// less the headroom; [`NO_GOAL`] when there is no limit. May be below the live
/// heap (the caller raises it, see [`heap_goal`]).
pub fn memory_limit_goal(memory_limit: Option<usize>, non_heap_bytes: usize) -> usize {
    let Some(limit) = memory_limit else {
        return NO_GOAL;
    };
    let room = limit.saturating_sub(non_heap_bytes);
    let headroom = (room / 100 * LIMIT_HEADROOM_PERCENT).max(MIN_LIMIT_HEADROOM);
    room.saturating_sub(headroom)
}

/// What the heap goal depends on. All sizes in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoalInputs {
    /// Bytes found reachable by the last completed mark (0 before the first).
    pub live_bytes: usize,
    /// Bytes of roots scanned by the last completed mark.
    pub root_scan_bytes: usize,
    /// Growth allowed per cycle, in percent of live + roots; `None` = off.
    pub gc_percent: Option<u32>,
    /// Smallest goal at `gc_percent = 100`; scaled by `gc_percent / 100`.
    pub min_heap: usize,
    /// Soft limit on the heap's whole footprint; `None` = no limit.
    pub memory_limit: Option<usize>,
    /// Bytes the heap holds that are not objects (metadata, free cells).
    pub non_heap_bytes: usize,
}

/// The heap goal in bytes: the lower of the proportional and the memory-limit
/// goals, where a memory-limit goal is never taken below the live heap.
pub fn heap_goal(inputs: &GoalInputs) -> usize {
    let proportional = proportional_goal(
        inputs.live_bytes,
        inputs.root_scan_bytes,
        inputs.gc_percent,
        inputs.min_heap,
    );
    let limited = memory_limit_goal(inputs.memory_limit, inputs.non_heap_bytes);
    if limited < proportional {
        limited.max(inputs.live_bytes)
    } else {
        proportional
    }
}

/// The hard goal in bytes: the heap goal plus [`HARD_GOAL_OVERSHOOT_PERCENT`],
/// but not past the room the memory limit leaves (`limit - non_heap_bytes`),
/// and never below the heap goal itself.
pub fn hard_goal(goal: usize, memory_limit: Option<usize>, non_heap_bytes: usize) -> usize {
    if goal == NO_GOAL {
        return NO_GOAL;
    }
    let overshoot = goal.saturating_add(goal / 100 * HARD_GOAL_OVERSHOOT_PERCENT);
    let room = memory_limit.map_or(NO_GOAL, |limit| limit.saturating_sub(non_heap_bytes));
    overshoot.min(room).max(goal)
}

/// Converts a `u128` byte count to `usize`, saturating at [`NO_GOAL`].
fn saturate(bytes: u128) -> usize {
    usize::try_from(bytes).unwrap_or(NO_GOAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    fn inputs(live: usize, gc_percent: Option<u32>, limit: Option<usize>) -> GoalInputs {
        GoalInputs {
            live_bytes: live,
            root_scan_bytes: 0,
            gc_percent,
            min_heap: 4 * MIB,
            memory_limit: limit,
            non_heap_bytes: 0,
        }
    }

    #[test]
    fn proportional_goal_doubles_live_at_100_percent() {
        assert_eq!(
            proportional_goal(100 * MIB, 0, Some(100), 4 * MIB),
            200 * MIB
        );
        assert_eq!(
            proportional_goal(100 * MIB, 0, Some(50), 4 * MIB),
            150 * MIB
        );
    }

    #[test]
    fn roots_count_toward_growth_but_not_the_base() {
        // 10 MiB live + (10 + 2) MiB * 100% = 22 MiB.
        assert_eq!(proportional_goal(10 * MIB, 2 * MIB, Some(100), 0), 22 * MIB);
    }

    #[test]
    fn min_heap_scales_with_gc_percent() {
        assert_eq!(proportional_goal(0, 0, Some(100), 4 * MIB), 4 * MIB);
        assert_eq!(proportional_goal(0, 0, Some(200), 4 * MIB), 8 * MIB);
        assert_eq!(proportional_goal(MIB, 0, Some(50), 4 * MIB), 2 * MIB);
    }

    #[test]
    fn gc_percent_off_means_no_proportional_goal() {
        assert_eq!(proportional_goal(100 * MIB, MIB, None, 4 * MIB), NO_GOAL);
        assert_eq!(heap_goal(&inputs(100 * MIB, None, None)), NO_GOAL);
    }

    #[test]
    fn huge_inputs_saturate_instead_of_overflowing() {
        assert_eq!(
            proportional_goal(usize::MAX, usize::MAX, Some(100_000), usize::MAX),
            NO_GOAL
        );
        assert_eq!(hard_goal(usize::MAX - 1, None, 0), NO_GOAL);
    }

    #[test]
    fn memory_limit_goal_keeps_headroom() {
        // 100 MiB limit: 3% headroom = 3 MiB (integer percent of whole MiB).
        let goal = memory_limit_goal(Some(100 * MIB), 0);
        assert_eq!(goal, 100 * MIB - 100 * MIB / 100 * 3);
        // Non-heap bytes come off first.
        assert_eq!(
            memory_limit_goal(Some(100 * MIB), 10 * MIB),
            90 * MIB - 90 * MIB / 100 * 3
        );
        // Small limits keep the minimum headroom.
        assert_eq!(memory_limit_goal(Some(MIB), 0), MIB - MIN_LIMIT_HEADROOM);
        // A limit below the overhead leaves nothing.
        assert_eq!(memory_limit_goal(Some(MIB), 2 * MIB), 0);
        assert_eq!(memory_limit_goal(None, 0), NO_GOAL);
    }

    #[test]
    fn the_lower_goal_wins() {
        assert_eq!(
            heap_goal(&inputs(10 * MIB, Some(100), Some(1 << 40))),
            20 * MIB
        );
        let limited = heap_goal(&inputs(10 * MIB, Some(100), Some(16 * MIB)));
        assert_eq!(limited, memory_limit_goal(Some(16 * MIB), 0));
        assert_eq!(heap_goal(&inputs(10 * MIB, None, Some(16 * MIB))), limited);
    }

    #[test]
    fn a_limit_below_the_live_heap_gives_the_live_heap() {
        assert_eq!(
            heap_goal(&inputs(40 * MIB, Some(100), Some(32 * MIB))),
            40 * MIB
        );
    }

    #[test]
    fn hard_goal_is_ten_percent_over_but_not_past_the_limit() {
        assert_eq!(hard_goal(100 * MIB, None, 0), 100 * MIB + 10 * MIB);
        assert_eq!(hard_goal(100 * MIB, Some(104 * MIB), 0), 104 * MIB);
        assert_eq!(hard_goal(100 * MIB, Some(104 * MIB), 2 * MIB), 102 * MIB);
        // Never below the goal, even when the goal is already past the limit.
        assert_eq!(hard_goal(100 * MIB, Some(90 * MIB), 0), 100 * MIB);
        assert_eq!(hard_goal(NO_GOAL, Some(90 * MIB), 0), NO_GOAL);
    }
}
