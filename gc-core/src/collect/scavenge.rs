//! The scavenger: returning idle old-space memory to the operating system.
//!
//! Sweeping leaves empty blocks in the block pool (`space/old/pool`), where
//! promotion and old allocation reuse them before faulting in fresh memory.
//! Keeping every one of them would hold the heap's peak footprint forever;
//! giving them all back at once would cost a long pause and fault the same
//! pages in again at the next promotion. So, like Go's background
//! scavenger, each safe point (`collect_debt`, outside the minor GC and
//! mark termination pauses) releases a few idle blocks, oldest first, above
//! what the pacer expects the heap to grow into before its goal. When the
//! committed memory is above the memory limit, it releases more per step and
//! keeps only what fits under the limit.
//!
//! Its inverse runs at the same safe points, but only those that ran no
//! minor GC: `prefault` keeps as many idle, resident blocks as the next minor
//! GC is expected to promote into (the last one's promotion), taking at most
//! one block per safe point, and only memory the heap would grow into anyway
//! (below its goal plus one reserve, and below the memory limit). The
//! reserve's allowance above the goal matters while a major cycle marks: the
//! heap is then near its goal, and a minor GC promoting a full Eden found no
//! resident block and faulted its pages in inside the pause. The scavenger
//! keeps the same allowance, so that the two never undo each other. Measured on old-steps at 1 GiB, a
//! minor GC that had to fault in fresh blocks took 0.88 ms of CPU at the
//! median, one that did not 0.33 ms.

use std::time::Duration;

use crate::space::old::BLOCK_BYTES;
use crate::state::GcState;
use crate::telemetry::timing::StepClock;

/// Old-space blocks the scavenger may release per safe point: 2 x 128 KiB,
/// two `madvise` calls of about 10 us each, so returning 1 GiB of idle
/// memory takes 4096 safe points (Go's scavenger aims at ~1% of a CPU).
pub(crate) const SCAVENGE_BLOCKS: usize = 2;

/// The same while committed memory is above the memory limit: 16 blocks
/// (2 MiB, ~100 us) per safe point.
pub(crate) const SCAVENGE_BLOCKS_OVER_LIMIT: usize = 16;

/// The idle pool bytes to keep, and the blocks to release at most, for a
/// heap of `heap` bytes with goal `goal`, `committed` bytes committed of
/// which `idle` are pooled, under `memory_limit`.
pub(crate) fn scavenge_target(
    heap: usize,
    goal: usize,
    committed: usize,
    idle: usize,
    memory_limit: Option<usize>,
) -> (usize, usize) {
    let keep = room_to_keep(heap, goal);
    match memory_limit {
        Some(limit) if committed > limit => {
            let over = committed - limit;
            (
                keep.min(idle.saturating_sub(over)),
                SCAVENGE_BLOCKS_OVER_LIMIT,
            )
        }
        _ => (keep, SCAVENGE_BLOCKS),
    }
}

/// The idle bytes the pool may hold for a heap of `heap` bytes with goal
/// `goal`: what the heap grows into before the goal, plus one pre-fault
/// reserve (the next promotion's blocks, which it needs even at its goal).
fn room_to_keep(heap: usize, goal: usize) -> usize {
    goal.saturating_sub(heap)
        .saturating_add(PREFAULT_MAX_BLOCKS * BLOCK_BYTES)
}

/// One bounded scavenger step (see the module docs). Returns the bytes released.
pub(crate) fn scavenge(state: &mut GcState, goal: usize, memory_limit: Option<usize>) -> usize {
    let heap = state.heap_bytes();
    let committed = state.committed_bytes();
    let old = state.old.get_mut();
    let (keep, blocks) =
        scavenge_target(heap, goal, committed, old.pool.idle_bytes(), memory_limit);
    old.scavenge(keep, blocks)
}

/// Most blocks kept pre-faulted for the next promotion: 16 (2 MiB), so an
/// unneeded reserve costs at most 2 MiB of RSS. A minor GC sized to the
/// default 1 ms pause target whose Eden all survives promotes 1-1.5 MiB
/// (gc-latency); with a 1 MiB reserve its last blocks were faulted in inside
/// the pause, a fifth of its time.
pub(crate) const PREFAULT_MAX_BLOCKS: usize = 16;

/// The promotion to hold blocks ready for, after a minor GC that promoted
/// `promoted` bytes when the forecast was `previous`: the largest recent
/// promotion, decaying by an eighth per minor GC. The last promotion alone
/// is a poor guide: gc-latency-array's small phase-change minor GCs set the
/// reserve near zero, and the next full one (650 KiB promoted) faulted its
/// blocks in inside the pause, 2.5-4.7 ms of it in the kernel's page
/// clearing. The decay lets the reserve shrink within some 20 minor GCs once
/// promotions stay small.
pub(crate) fn promotion_forecast(previous: usize, promoted: usize) -> usize {
    promoted.max(previous - previous / 8)
}

/// Idle blocks to hold ready when the next minor GC is expected to promote
/// `promoted_last` bytes (`promotion_forecast`), for a heap of `heap` bytes
/// with goal `goal` and `committed` bytes committed, under `memory_limit`:
/// the promotion plus a quarter, in blocks, at most `PREFAULT_MAX_BLOCKS`, and none beyond the
/// room the scavenger keeps (`room_to_keep`) or the limit.
pub(crate) fn prefault_target(
    promoted_last: usize,
    heap: usize,
    goal: usize,
    committed: usize,
    memory_limit: Option<usize>,
) -> usize {
    let expected = promoted_last.saturating_add(promoted_last / 4);
    let mut want = expected.div_ceil(BLOCK_BYTES).min(PREFAULT_MAX_BLOCKS);
    want = want.min(room_to_keep(heap, goal) / BLOCK_BYTES);
    if let Some(limit) = memory_limit {
        want = want.min(limit.saturating_sub(committed) / BLOCK_BYTES);
    }
    want
}

/// Time a pre-faulting step may take: 100 us, a tenth of a safe point's
/// bar. Touching a page usually costs well under a microsecond, so a step
/// faults a whole block in, but one VM took 38 us a page (its host backed
/// guest memory lazily), and a whole block made a 1.2 ms safe point.
pub(crate) const PREFAULT_TIME: Duration = Duration::from_micros(100);

/// One bounded pre-faulting step (see the module docs): the pages of at most
/// one block, within `budget` (at least one page). Returns true if a page
/// was faulted in.
pub(crate) fn prefault(
    state: &mut GcState,
    goal: usize,
    memory_limit: Option<usize>,
    promoted_last: usize,
    clock: StepClock,
) -> bool {
    let heap = state.heap_bytes();
    let committed = state.committed_bytes();
    let want = prefault_target(promoted_last, heap, goal, committed, memory_limit);
    want > 0 && state.old.get_mut().prefault(want, || clock.spent())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forecast_keeps_the_largest_recent_promotion_and_decays() {
        assert_eq!(promotion_forecast(0, 800), 800);
        assert_eq!(promotion_forecast(800, 10), 700, "a small one decays it");
        assert_eq!(
            promotion_forecast(800, 900),
            900,
            "a bigger one replaces it"
        );
        let mut forecast = 1 << 20;
        for _ in 0..60 {
            forecast = promotion_forecast(forecast, 0);
        }
        assert!(forecast < 1 << 10, "it fades when promotions stop");
    }

    #[test]
    fn the_reserve_covers_the_next_promotion_within_the_goal_and_the_limit() {
        let block = BLOCK_BYTES;
        // 256 KiB promoted: 320 KiB expected, three blocks.
        assert_eq!(prefault_target(2 * block, 0, 100 * MIB, 0, None), 3);
        assert_eq!(prefault_target(0, 0, 100 * MIB, 0, None), 0, "no promotion");
        assert_eq!(
            prefault_target(100 * MIB, 0, 100 * MIB, 0, None),
            PREFAULT_MAX_BLOCKS
        );
        // At the goal, a reserve is still kept; under the limit, nothing.
        assert_eq!(prefault_target(2 * block, 100 * MIB, 100 * MIB, 0, None), 3);
        assert_eq!(
            prefault_target(2 * block, 0, 100 * MIB, 50 * MIB, Some(50 * MIB)),
            0
        );
    }

    #[test]
    fn a_prefault_step_makes_one_resident_idle_block() {
        let mut state = GcState::new(false, 4096, 4096, 1 << 20);
        let hour = StepClock::start(Duration::from_secs(3600));
        assert!(prefault(&mut state, 64 * MIB, None, 2 * BLOCK_BYTES, hour));
        assert!(prefault(&mut state, 64 * MIB, None, 2 * BLOCK_BYTES, hour));
        assert!(prefault(&mut state, 64 * MIB, None, 2 * BLOCK_BYTES, hour));
        assert!(
            !prefault(&mut state, 64 * MIB, None, 2 * BLOCK_BYTES, hour),
            "three are enough"
        );
        let old = state.old.get_mut();
        assert_eq!(old.pool.idle_bytes(), 3 * BLOCK_BYTES);
        assert_eq!(old.pool.prefaulted_blocks, 3);
        // Like every pooled block, they read as holding no object (I8).
        assert_eq!(old.check_metadata(false), Vec::<String>::new());
    }

    #[test]
    fn a_step_out_of_time_touches_a_page_and_the_block_waits_half_filled() {
        let mut state = GcState::new(false, 4096, 4096, 1 << 20);
        let mut steps = 0;
        while prefault(
            &mut state,
            64 * MIB,
            None,
            1,
            StepClock::start(Duration::ZERO),
        ) {
            steps += 1;
            assert_eq!(
                state.old.get_mut().pool.idle_bytes(),
                BLOCK_BYTES,
                "counted"
            );
        }
        let old = state.old.get_mut();
        assert!(steps > 1, "a page per step: {steps} steps");
        assert_eq!(old.pool.prefaulted_blocks, 1, "then it is idle and whole");
        assert_eq!(old.check_metadata(false), Vec::<String>::new());
    }

    const MIB: usize = 1 << 20;

    /// The pre-fault reserve kept even at the goal.
    const RESERVE: usize = PREFAULT_MAX_BLOCKS * BLOCK_BYTES;

    #[test]
    fn idle_memory_up_to_the_room_below_the_goal_is_kept() {
        assert_eq!(
            scavenge_target(60 * MIB, 100 * MIB, 90 * MIB, 20 * MIB, None),
            (40 * MIB + RESERVE, 2)
        );
        assert_eq!(
            scavenge_target(120 * MIB, 100 * MIB, 130 * MIB, 8 * MIB, None),
            (RESERVE, 2)
        );
    }

    #[test]
    fn over_the_memory_limit_the_scavenger_keeps_only_what_fits_and_goes_faster() {
        // 10 MiB over the limit with 16 MiB idle: keep at most 6 MiB.
        let target = scavenge_target(60 * MIB, 100 * MIB, 110 * MIB, 16 * MIB, Some(100 * MIB));
        assert_eq!(target, (6 * MIB, SCAVENGE_BLOCKS_OVER_LIMIT));
        // Under the limit: the ordinary rate.
        let target = scavenge_target(60 * MIB, 100 * MIB, 90 * MIB, 16 * MIB, Some(100 * MIB));
        assert_eq!(target, (40 * MIB + RESERVE, SCAVENGE_BLOCKS));
    }

    #[test]
    fn a_step_releases_idle_blocks_of_a_real_heap_at_the_bounded_rate() {
        let mut state = GcState::new(false, 4096, 4096, 1 << 20);
        let old = state.old.get_mut();
        // Three blocks more than the reserve kept at the goal.
        let pooled = PREFAULT_MAX_BLOCKS + 3;
        let blocks: Vec<_> = (0..pooled).map(|_| old.pool.take().unwrap()).collect();
        for block in blocks {
            old.pool.put(block);
        }
        let released = scavenge(&mut state, 0, None);
        assert_eq!(released, SCAVENGE_BLOCKS * BLOCK_BYTES);
        assert_eq!(
            state.old.get_mut().pool.idle_bytes(),
            (pooled - SCAVENGE_BLOCKS) * BLOCK_BYTES
        );
    }
}
