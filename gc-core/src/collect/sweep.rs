//! Sweeping the old generation (step 7 of an object's life).
//!
//! Mark termination flips the old space (`OldSpace::start_sweep`): the sweep
//! epoch is bumped and every block becomes unswept, in O(size classes); no
//! header is repainted, because the marks live in side bitmaps and no object
//! is gray any more. A block is swept by bitmap (`old::block`): its dead cells
//! are its allocated but unmarked ones, its survivors become its allocation
//! bitmap, and its mark bitmap is cleared for the next cycle. Only dead cells
//! whose type needs `Drop` are visited one by one. Empty blocks go to the
//! block pool, full ones are set aside, partial ones become allocation space.
//!
//! Sweeping is lazy and proportional, as Go's: allocation sweeps the blocks of
//! its own size class as it needs them (never running user code: blocks with
//! `Drop` work are left to this sweeper), and each safe point sweeps in
//! proportion to the bytes allocated since the last one, at the rate set when
//! the sweep began (`Sweeper::start`): the cells to sweep over the bytes left
//! before the next trigger. So the sweep is over before the next cycle would
//! start, with at most a fixed number of cells per step. Large objects come
//! last, one per unit: unmarked ones are freed, survivors are unmarked.
//!
//! A garbage object's `Drop` that panics is caught and the step goes on (see
//! `object/unwind`); the hub resumes the panic once the step is over.

use std::ptr::NonNull;
use std::time::Duration;

use crate::collect::collector::Collector;
use crate::collect::weak_cells::{PendingWeakCells, WEAK_CELL_UNITS};
use crate::object::header::Header;
use crate::space::old::{add, OldSpace, SweepTally};
use crate::state::GcState;
use crate::telemetry::timing::{StepClock, STEP_TIME};

/// Cells of sweep work per sweep step at least: 4096 cells is one block of
/// the smallest cells or up to 273 blocks of the largest, swept by bitmap in
/// a few microseconds (plus the `Drop`s of dead cells, one unit each), far
/// below the 1 ms pause target.
pub(crate) const SWEEP_STEP_CELLS: usize = 4096;

/// A paced sweep step does at most this many multiples of `SWEEP_STEP_CELLS`
/// (the rest of the credit is carried): 64K cells, tens of microseconds
/// without `Drop`s, a few milliseconds only if every dead cell needs one.
pub(crate) const MAX_SWEEP_STEPS: usize = 16;

/// Where the incremental sweep has got to (safe points only).
#[derive(Default, Debug, Clone)]
pub(crate) struct Sweeper {
    /// Size class being swept.
    class: usize,
    /// Next large object (after every class is done).
    large: usize,
    /// Sweep work owed per byte allocated (cells per byte), set at the start.
    cells_per_byte: f64,
    /// Sweep work owed and not yet done, in cells.
    owed: f64,
    /// Totals for this sweep's steps (allocation's lazy sweeps are in
    /// `OldSpace::lazy_tally`).
    pub(crate) tally: SweepTally,
    /// Old weak cells to clear before any block is swept (`weak_cells`).
    pub(crate) weak: PendingWeakCells,
}

impl Sweeper {
    /// A sweep of the blocks `old` holds now (after `start_sweep`), and of
    /// the old weak cells termination left (`weak_cells`), to be done before
    /// `bytes_to_trigger` more bytes are allocated.
    pub(crate) fn start(
        old: &mut OldSpace,
        bytes_to_trigger: usize,
        weak_cells: Vec<NonNull<Header>>,
    ) -> Sweeper {
        let work = old.unswept_cells() + weak_cells.len() * WEAK_CELL_UNITS;
        Sweeper {
            cells_per_byte: work as f64 / bytes_to_trigger.max(1) as f64,
            weak: PendingWeakCells::hand_over(weak_cells, old),
            ..Sweeper::default()
        }
    }

    /// The sweep credit: the cells a step owes after `allocated` bytes (at
    /// least `floor`, at most `cap`: the rest is carried to the next step).
    pub(crate) fn owed(&mut self, allocated: usize, floor: usize, cap: usize) -> usize {
        self.owed += allocated as f64 * self.cells_per_byte;
        let budget = self.owed.clamp(floor as f64, cap.max(floor) as f64);
        self.owed = (self.owed - budget).max(0.0);
        budget as usize
    }

    /// Puts back the credit a timed step (`timed`) left unspent.
    fn carry(&mut self, budget: usize, visited: usize, timed: bool) {
        if timed && visited < budget {
            self.owed += (budget - visited) as f64;
        }
    }

    /// The budget of the paced sweep step after `allocated` bytes: the
    /// credit owed, between `SWEEP_STEP_CELLS` and `MAX_SWEEP_STEPS` times it.
    pub(crate) fn paced_budget(&mut self, allocated: usize) -> usize {
        self.owed(
            allocated,
            SWEEP_STEP_CELLS,
            SWEEP_STEP_CELLS * MAX_SWEEP_STEPS,
        )
    }

    /// Sweeps `state`'s old space, then its large objects, until `budget`
    /// units of work are done, `clock` is spent (read after each block), or
    /// everything is swept. Credit left when the clock stops the step is
    /// carried to the next one. Returns true when the sweep is complete. A
    /// `Drop` panic is caught into `state.deferred_panic`.
    pub(crate) fn step(
        &mut self,
        state: &mut GcState,
        budget: usize,
        clock: Option<StepClock>,
    ) -> bool {
        let old = state.old.get_mut();
        let large = state.large.get_mut();
        let deferred = &mut state.deferred_panic;
        let spent = || clock.is_some_and(|c| c.spent());
        // The clock is read only after some work: a step that starts late
        // (a slow machine, or Miri) still makes progress.
        let go_on = |visited: usize| visited == 0 || !spent();
        let mut visited = 0;
        if self.weak.left() > 0 {
            let cells = budget.div_ceil(WEAK_CELL_UNITS);
            visited += self.weak.step(old, cells, spent) * WEAK_CELL_UNITS;
            if self.weak.left() > 0 {
                self.carry(budget, visited, clock.is_some());
                return false;
            }
        }
        while visited < budget && self.class < old.class_count() && go_on(visited) {
            match old.sweep_next(self.class, deferred) {
                Some(tally) => {
                    visited += tally.cells;
                    add(&mut self.tally, tally);
                }
                None => self.class += 1,
            }
        }
        if visited < budget && self.large < large.len() && go_on(visited) {
            let (tally, next) = large.sweep(self.large, budget - visited, deferred);
            visited += tally.cells;
            add(&mut self.tally, tally);
            self.large = next;
        }
        self.carry(budget, visited, clock.is_some());
        self.class >= old.class_count() && self.large >= large.len()
    }
}

/// The collector's side of the sweep: its start and its paced steps.
impl Collector {
    /// Mark termination, after the flip: a sweep of everything unswept and of
    /// the old weak cells the marker kept apart, before `to_trigger` bytes.
    pub(crate) fn start_sweeper(&mut self, state: &mut GcState, to_trigger: usize) {
        self.stats.weak_cells_cleared += self.sweeper.weak.cleared as u64;
        let weak_cells = std::mem::take(&mut self.marker.weak_cells);
        self.sweeper = Sweeper::start(state.old.get_mut(), to_trigger, weak_cells);
    }

    /// The sweep step of a safe point after `allocated` bytes: the sweep
    /// credit owed (`Sweeper::paced_budget`), within [`STEP_TIME`] (a block
    /// of the smallest cells whose dead all need `Drop` is thousands of
    /// frees: call-frames' steps took 1.1-1.3 ms without the clock) and
    /// within `left`, what the safe point's minor GC left of its time (a
    /// step always does some work, so a sweep still moves after a long one).
    pub(crate) fn paced_sweep(&mut self, state: &mut GcState, allocated: usize, left: Duration) {
        let budget = self.sweeper.paced_budget(allocated);
        self.sweep(
            state,
            budget,
            Some(StepClock::for_step(STEP_TIME.min(left), &self.config)),
        );
    }
}

#[cfg(test)]
mod tests {
    //! The sweep steps on real objects: cells of the largest size class
    //! (fifteen to a 128 KiB block, so a few blocks stay cheap under Miri)
    //! and objects too big for a cell (the large object space), allocated
    //! through `GcState` with the young generation off. "Marking" is done by
    //! hand: survivors are shaded and blackened, then the old space flips.

    use std::cell::RefCell;
    use std::ptr::NonNull;
    use std::rc::Rc;

    use super::*;
    use crate::object::header::Header;
    use crate::object::trace::{Trace, Tracer};
    use crate::space::marks;
    use crate::space::old::{block::CELLS_OFFSET, BLOCK_BYTES, MAX_CELL_BYTES};
    use crate::state::phase::Phase;
    use crate::state::GcState;

    /// Ids of the objects dropped, in order.
    type DropLog = Rc<RefCell<Vec<u32>>>;

    /// An object of `N` bytes of padding that logs its drop.
    struct Logged<const N: usize> {
        id: u32,
        log: DropLog,
        _padding: [u8; N],
    }

    impl<const N: usize> Drop for Logged<N> {
        fn drop(&mut self) {
            self.log.borrow_mut().push(self.id);
        }
    }

    // SAFETY: holds no managed pointer.
    unsafe impl<const N: usize> Trace for Logged<N> {
        const NEEDS_TRACE: bool = false;
        fn trace(&mut self, _: &mut Tracer) {}
    }

    const CELLS_PER_BLOCK: usize = (BLOCK_BYTES - CELLS_OFFSET) / MAX_CELL_BYTES;

    struct Fixture {
        state: GcState,
        log: DropLog,
        /// Every object allocated, by id.
        objects: Vec<NonNull<Header>>,
    }

    impl Fixture {
        fn new() -> Fixture {
            Fixture {
                state: GcState::new(false, 4096, 4096, 1 << 20),
                log: DropLog::default(),
                objects: Vec::new(),
            }
        }

        /// Allocates `count` objects of type `Logged<N>`; before the flip,
        /// those without `dead(id)` are marked.
        fn add<const N: usize>(&mut self, count: usize, dead: impl Fn(u32) -> bool) {
            for _ in 0..count {
                let id = self.objects.len() as u32;
                let value = Logged::<N> {
                    id,
                    log: self.log.clone(),
                    _padding: [0; N],
                };
                let object = self.state.allocate(value).unwrap().cast::<Header>();
                if self.state.phase.get() == Phase::Idle && !dead(id) {
                    assert!(marks::shade(object));
                    marks::blacken(object);
                }
                self.objects.push(object);
            }
        }

        /// Mark termination's flip, and a sweeper with no credit.
        fn flip(&mut self) -> Sweeper {
            self.state.old.get_mut().start_sweep(false);
            self.state.phase.set(Phase::Sweeping);
            Sweeper::start(self.state.old.get_mut(), usize::MAX, Vec::new())
        }

        fn step(&mut self, sweeper: &mut Sweeper, budget: usize) -> bool {
            sweeper.step(&mut self.state, budget, None)
        }

        fn dropped(&self) -> Vec<u32> {
            let mut ids = self.log.borrow().clone();
            ids.sort_unstable();
            ids
        }

        fn marked(&self, id: usize) -> bool {
            marks::is_marked(self.objects[id])
        }
    }

    #[test]
    fn a_small_budget_sweeps_one_whole_block_and_the_next_step_resumes_after_it() {
        let mut fixture = Fixture::new();
        // Blocks: ids 0..15, 15..30, 30..35. Odd ids die.
        fixture.add::<7900>(35, |id| id % 2 == 1);
        let mut sweeper = fixture.flip();
        assert!(!fixture.step(&mut sweeper, 1));
        // A block is the unit: the step never stops inside one.
        assert_eq!(sweeper.tally.freed_objects, fixture.dropped().len());
        let first = fixture.dropped().len();
        assert!(first > 0 && first <= 8, "one block's odd ids: {first}");
        assert!(!fixture.step(&mut sweeper, CELLS_PER_BLOCK + 7));
        assert!(fixture.step(&mut sweeper, usize::MAX));
        assert_eq!(fixture.dropped(), (1..35).step_by(2).collect::<Vec<u32>>());
        assert_eq!(sweeper.tally.freed_objects, 17);
        assert_eq!(sweeper.tally.freed_bytes, 17 * MAX_CELL_BYTES);
        // Survivors are unmarked for the next cycle; their cells kept.
        assert!((0..35).step_by(2).all(|id| !fixture.marked(id)));
        assert_eq!(fixture.state.old.borrow().objects, 18);
    }

    #[test]
    fn an_empty_heap_is_swept_in_one_step() {
        let mut fixture = Fixture::new();
        let mut sweeper = fixture.flip();
        assert!(fixture.step(&mut sweeper, 1));
        assert_eq!(sweeper.tally, SweepTally::default());
    }

    #[test]
    fn no_object_is_dropped_twice_whatever_the_budgets() {
        let budgets: [&[usize]; 4] = [&[1], &[7, 9], &[CELLS_PER_BLOCK, 3, 17], &[usize::MAX]];
        for pattern in budgets {
            let mut fixture = Fixture::new();
            fixture.add::<7900>(34, |id| id % 3 == 0);
            fixture.add::<8300>(5, |id| id % 2 == 0);
            let dead: Vec<u32> = (0..34)
                .filter(|id| id % 3 == 0)
                .chain([34, 36, 38])
                .collect();
            let bytes_before = fixture.state.old_bytes();
            let mut sweeper = fixture.flip();
            let mut steps = 0;
            while !fixture.step(&mut sweeper, pattern[steps % pattern.len()]) {
                steps += 1;
                assert!(steps < 100, "{pattern:?}: the sweep never ends");
            }
            assert_eq!(
                fixture.dropped(),
                dead,
                "{pattern:?}: each dead object once"
            );
            // Three blocks (bitmaps plus one visit per dead Drop cell) and
            // five large objects.
            let cells = 3 * CELLS_PER_BLOCK + 12 + 5;
            assert_eq!(sweeper.tally.cells, cells, "{pattern:?}");
            assert_eq!(sweeper.tally.freed_objects, dead.len());
            let freed = bytes_before - fixture.state.old_bytes();
            assert_eq!(sweeper.tally.freed_bytes, freed, "{pattern:?}");
            for id in (0..39).filter(|id| !dead.contains(&(*id as u32))) {
                assert!(!fixture.marked(id), "{pattern:?}: survivor {id} unmarked");
            }
            assert_eq!(fixture.state.large.borrow().len(), 2);
        }
    }

    #[test]
    fn large_objects_resume_where_the_budget_stopped() {
        let mut fixture = Fixture::new();
        // Freeing swaps the last object into the freed slot: 0 dies, 4 moves
        // to slot 0 and must still be visited (as must 2 and 3 after it).
        fixture.add::<8300>(5, |id| [0, 2, 3].contains(&id));
        let mut sweeper = fixture.flip();
        let mut steps = 0;
        while !fixture.step(&mut sweeper, 1) {
            steps += 1;
            assert_eq!(sweeper.tally.cells, steps, "one object per step");
        }
        assert_eq!(sweeper.tally.cells, 5);
        assert_eq!(fixture.dropped(), [0, 2, 3]);
        assert!(!fixture.marked(1) && !fixture.marked(4));
        assert_eq!(sweeper.large, 2);
    }

    #[test]
    fn blocks_filled_during_the_sweep_are_not_swept() {
        let mut fixture = Fixture::new();
        fixture.add::<7900>(CELLS_PER_BLOCK, |id| id % 2 == 0);
        let mut sweeper = fixture.flip();
        // Allocation first sweeps the one unswept block lazily (it has Drop
        // work, so it is left to the sweeper) and then takes fresh blocks.
        fixture.add::<7900>(2 * CELLS_PER_BLOCK, |_| unreachable!());
        assert!(fixture.dropped().is_empty(), "allocation runs no Drop");
        while !fixture.step(&mut sweeper, 1) {}
        assert_eq!(sweeper.tally.freed_objects, CELLS_PER_BLOCK.div_ceil(2));
        let born: Vec<u32> = fixture
            .dropped()
            .into_iter()
            .filter(|&id| id >= 15)
            .collect();
        assert!(born.is_empty(), "objects born while sweeping survive");
    }

    #[test]
    fn large_objects_born_during_the_sweep_are_kept_and_unmarked() {
        let mut fixture = Fixture::new();
        fixture.add::<8300>(3, |id| id == 0);
        let mut sweeper = fixture.flip();
        assert!(!fixture.step(&mut sweeper, 1));
        fixture.add::<8300>(1, |_| unreachable!());
        assert!(fixture.marked(3), "born marked while sweeping");
        while !fixture.step(&mut sweeper, 1) {}
        assert_eq!(sweeper.tally.cells, 4, "the list is walked to its end");
        assert_eq!(fixture.dropped(), [0]);
        assert!(!fixture.marked(3), "unmarked for the next cycle");
    }

    #[test]
    fn the_sweep_credit_spreads_the_work_over_the_bytes_to_the_trigger() {
        let mut fixture = Fixture::new();
        fixture.add::<7900>(3 * CELLS_PER_BLOCK, |_| false);
        fixture.state.old.get_mut().start_sweep(false);
        let cells = 3 * CELLS_PER_BLOCK;
        let mut sweeper = Sweeper::start(fixture.state.old.get_mut(), 3000, Vec::new());
        // 1000 bytes owe a third of the cells; the floor and cap bound a step.
        assert_eq!(sweeper.owed(1000, 0, usize::MAX), cells / 3);
        assert_eq!(sweeper.owed(1000, 0, 1), 1, "capped, the rest carried");
        assert_eq!(sweeper.owed(0, 0, usize::MAX), cells / 3 - 1);
        assert_eq!(sweeper.owed(0, 7, usize::MAX), 7, "the floor");
    }
}
