//! Sweeping the old generation (step 7 of an object's life).
//!
//! When marking ends, the current white flips (see `header::Colour`): every
//! old object still painted the *previous* white was not reached and is
//! garbage. The sweeper walks old-space blocks and the large object list in
//! bounded steps. In each cell it finds either garbage (drop it, put the cell
//! on its block's free list) or a survivor (repaint it the current white, ready
//! for the next cycle). Objects allocated while sweeping are born the current
//! white, so the sweeper never frees them, whether their block was swept
//! already or not.
//!
//! When the last block is swept, blocks left entirely free go back to the
//! system, and the collector returns to `Phase::Idle`.
//!
//! A garbage object's `Drop` that panics is caught and the step goes on (see
//! `object/unwind`); the hub resumes the panic once the step is over.

use crate::space::old::{OldSpace, SweepTally};
use crate::state::GcState;

/// Where the incremental sweep has got to (safe points only).
#[derive(Default, Debug, Clone)]
pub(crate) struct Sweeper {
    /// Size class being swept.
    class: usize,
    /// Next block of that class.
    block: usize,
    /// Next large object (after every class is done).
    large: usize,
    /// Blocks per size class when the sweep began: blocks allocated during
    /// the sweep hold only objects born the current white, so they are not
    /// swept.
    blocks_at_start: Vec<usize>,
    /// Totals for this sweep.
    pub(crate) tally: SweepTally,
}

impl Sweeper {
    /// A sweep of the blocks `old` holds now, from the first.
    pub(crate) fn start(old: &OldSpace) -> Sweeper {
        Sweeper {
            blocks_at_start: (0..old.class_count())
                .map(|class| old.blocks_in_class(class))
                .collect(),
            ..Sweeper::default()
        }
    }

    /// The number of blocks of the current class to sweep.
    fn limit(&self, old: &OldSpace) -> usize {
        let now = old.blocks_in_class(self.class);
        self.blocks_at_start
            .get(self.class)
            .map_or(now, |&start| start.min(now))
    }

    /// Sweeps `state`'s old space, then its large objects, until `budget`
    /// cells have been visited or everything is swept. Returns true when the
    /// sweep is complete. Survivors are repainted the current white; the
    /// other white is garbage. A `Drop` panic is caught into
    /// `state.deferred_panic`.
    pub(crate) fn step(&mut self, state: &mut GcState, budget: usize, poison: bool) -> bool {
        let current_white = state.current_white.get();
        let old = state.old.get_mut();
        let large = state.large.get_mut();
        let deferred = &mut state.deferred_panic;
        let dead = current_white.flip();
        let mut visited = 0;
        while visited < budget && self.class < old.class_count() {
            if self.block < self.limit(old) {
                let tally = old.sweep_block(
                    self.class,
                    self.block,
                    dead,
                    current_white,
                    poison,
                    deferred,
                );
                visited += tally.cells;
                self.add(tally);
                self.block += 1;
            } else {
                self.class += 1;
                self.block = 0;
            }
        }
        if visited < budget && self.large < large.len() {
            let (tally, next) =
                large.sweep(self.large, budget - visited, dead, current_white, deferred);
            self.add(tally);
            self.large = next;
        }
        self.class >= old.class_count() && self.large >= large.len()
    }

    fn add(&mut self, tally: SweepTally) {
        self.tally.freed_bytes += tally.freed_bytes;
        self.tally.freed_objects += tally.freed_objects;
        self.tally.cells += tally.cells;
    }
}

#[cfg(test)]
mod tests {
    //! The sweep cursor on real objects: cells of the largest size class (eight
    //! to a 64 KiB block, so a few blocks stay cheap under Miri) and objects
    //! too big for a cell (the large object space), allocated through
    //! `GcState` with the young generation off. "Marking" is done by hand:
    //! survivors are painted black, the dead keep the old white.

    use std::cell::RefCell;
    use std::ptr::NonNull;
    use std::rc::Rc;

    use super::*;
    use crate::object::header::{Colour, Header};
    use crate::object::trace::{Trace, Tracer};
    use crate::space::old::{BLOCK_BYTES, MAX_CELL_BYTES};
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

    /// Lands in the largest cell class (8 KiB cells).
    type Cell = Logged<7900>;

    const CELLS_PER_BLOCK: usize = BLOCK_BYTES / MAX_CELL_BYTES;

    /// The white survivors are repainted; the other white is garbage.
    const LIVE: Colour = Colour::White1;

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

        /// Allocates `count` objects of type `Logged<N>`. Before the whites flip,
        /// those with `dead(id)` keep the old white and the rest are "marked"
        /// black; after it (while sweeping), objects keep the white they are born.
        fn add<const N: usize>(&mut self, count: usize, dead: impl Fn(u32) -> bool) {
            for _ in 0..count {
                let id = self.objects.len() as u32;
                let value = Logged::<N> {
                    id,
                    log: self.log.clone(),
                    _padding: [0; N],
                };
                let object = self.state.allocate(value).unwrap().cast::<Header>();
                // SAFETY: just allocated; the state owns it until swept.
                let header = unsafe { object.as_ref() };
                let white = self.state.current_white.get();
                assert_eq!(header.colour(), white, "born the current white");
                if white != LIVE && !dead(id) {
                    header.set_colour(Colour::Black);
                }
                self.objects.push(object);
            }
        }

        fn sweeper(&self) -> Sweeper {
            Sweeper::start(&self.state.old.borrow())
        }

        fn step(&mut self, sweeper: &mut Sweeper, budget: usize) -> bool {
            self.state.current_white.set(LIVE);
            sweeper.step(&mut self.state, budget, false)
        }

        fn dropped(&self) -> Vec<u32> {
            let mut ids = self.log.borrow().clone();
            ids.sort_unstable();
            ids
        }

        fn colour(&self, id: usize) -> Colour {
            // SAFETY: only called for objects that are still alive.
            unsafe { self.objects[id].as_ref() }.colour()
        }
    }

    /// The size class of `Cell` objects, where the cursor spends its time.
    fn cell_class() -> usize {
        crate::space::old::class_of(std::mem::size_of::<crate::object::header::GcBox<Cell>>())
    }

    #[test]
    fn the_fixture_fills_blocks_of_eight_in_allocation_order() {
        let mut fixture = Fixture::new();
        fixture.add::<7900>(20, |_| false);
        let class = cell_class();
        assert_eq!(CELLS_PER_BLOCK, 8);
        assert_eq!(fixture.state.old.borrow().blocks_in_class(class), 3);
        assert_eq!(fixture.state.large.borrow().len(), 0);
        fixture.add::<8300>(1, |_| false);
        assert_eq!(fixture.state.large.borrow().len(), 1);
    }

    #[test]
    fn a_small_budget_sweeps_one_whole_block_and_the_next_step_resumes_after_it() {
        let mut fixture = Fixture::new();
        // Blocks: ids 0..8, 8..16, 16..20 (and four free cells). Odd ids die.
        fixture.add::<7900>(20, |id| id % 2 == 1);
        let class = cell_class();
        let mut sweeper = fixture.sweeper();
        assert!(!fixture.step(&mut sweeper, 1));
        // A block is the unit: the step never stops inside one.
        assert_eq!((sweeper.class, sweeper.block), (class, 1));
        assert_eq!(sweeper.tally.cells, CELLS_PER_BLOCK);
        assert_eq!(fixture.dropped(), [1, 3, 5, 7]);
        assert!((0..8).step_by(2).all(|id| fixture.colour(id) == LIVE));
        assert_eq!(fixture.colour(8), Colour::Black, "block 1 not reached");
        // Exactly one more block's worth: block 1 only.
        assert!(!fixture.step(&mut sweeper, CELLS_PER_BLOCK));
        assert_eq!((sweeper.class, sweeper.block), (class, 2));
        assert_eq!(fixture.dropped(), [1, 3, 5, 7, 9, 11, 13, 15]);
        assert_eq!(fixture.colour(16), Colour::Black, "block 2 not reached");
        // One cell over a block: the last block, then the sweep is over.
        assert!(fixture.step(&mut sweeper, CELLS_PER_BLOCK + 1));
        assert_eq!(sweeper.tally.cells, 3 * CELLS_PER_BLOCK, "free cells count");
        assert_eq!(fixture.dropped().len(), 10);
        assert_eq!(sweeper.tally.freed_objects, 10);
        assert_eq!(sweeper.tally.freed_bytes, 10 * MAX_CELL_BYTES);
    }

    #[test]
    fn a_budget_spent_on_the_last_block_ends_the_sweep_at_the_next_step() {
        let mut fixture = Fixture::new();
        fixture.add::<7900>(8, |id| id == 0);
        let mut sweeper = fixture.sweeper();
        // The last block uses the budget up, so the step cannot tell it was the last.
        assert!(!fixture.step(&mut sweeper, CELLS_PER_BLOCK));
        assert_eq!(fixture.dropped(), [0]);
        // The next step finds no block left, visits nothing and reports the end.
        assert!(fixture.step(&mut sweeper, 1));
        assert_eq!(sweeper.tally.cells, CELLS_PER_BLOCK);
        assert!(fixture.step(&mut sweeper, 1), "stays done");
        assert_eq!(sweeper.tally.cells, CELLS_PER_BLOCK);
    }

    #[test]
    fn an_empty_heap_is_swept_in_one_step() {
        let mut fixture = Fixture::new();
        let mut sweeper = fixture.sweeper();
        assert!(fixture.step(&mut sweeper, 1));
        assert_eq!(sweeper.tally, SweepTally::default());
    }

    #[test]
    fn no_cell_or_large_object_is_visited_twice_whatever_the_budgets() {
        let budgets: [&[usize]; 4] = [&[1], &[7, 9], &[CELLS_PER_BLOCK, 3, 17], &[usize::MAX]];
        for pattern in budgets {
            let mut fixture = Fixture::new();
            fixture.add::<7900>(19, |id| id % 3 == 0);
            fixture.add::<8300>(5, |id| id % 2 == 0);
            let dead: Vec<u32> = (0..19).filter(|id| id % 3 == 0).chain([20, 22]).collect();
            let bytes_before = fixture.state.old_bytes();
            let mut sweeper = fixture.sweeper();
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
            // Three blocks of cells and five large objects, each visited once.
            assert_eq!(sweeper.tally.cells, 3 * CELLS_PER_BLOCK + 5, "{pattern:?}");
            assert_eq!(sweeper.tally.freed_objects, dead.len());
            let freed = bytes_before - fixture.state.old_bytes();
            assert_eq!(sweeper.tally.freed_bytes, freed, "{pattern:?}");
            for id in (0..24).filter(|id| !dead.contains(&(*id as u32))) {
                assert_eq!(fixture.colour(id), LIVE, "{pattern:?}: survivor {id}");
            }
            assert_eq!(fixture.state.large.borrow().len(), 3);
        }
    }

    #[test]
    fn large_objects_resume_where_the_budget_stopped() {
        let mut fixture = Fixture::new();
        // Freeing swaps the last object into the freed slot: 0 dies, 4 moves
        // to slot 0 and must still be visited (as must 2 and 3 after it).
        fixture.add::<8300>(5, |id| [0, 2, 3].contains(&id));
        let mut sweeper = fixture.sweeper();
        let mut steps = 0;
        while !fixture.step(&mut sweeper, 1) {
            steps += 1;
            assert_eq!(sweeper.tally.cells, steps, "one object per step");
        }
        assert_eq!(sweeper.tally.cells, 5);
        assert_eq!(fixture.dropped(), [0, 2, 3]);
        assert_eq!(fixture.colour(1), LIVE);
        assert_eq!(fixture.colour(4), LIVE);
        assert_eq!(sweeper.large, 2);
    }

    #[test]
    fn blocks_born_during_the_sweep_are_skipped() {
        let mut fixture = Fixture::new();
        fixture.add::<7900>(8, |id| id % 2 == 0);
        let mut sweeper = fixture.sweeper();
        // Sweeping: the current white is the new one, so new objects are born it.
        fixture.state.current_white.set(LIVE);
        fixture.add::<7900>(2 * CELLS_PER_BLOCK, |_| unreachable!());
        for id in 8..fixture.objects.len() {
            // Painted the dead white: a sweep that visited them would free them.
            // SAFETY: just allocated and alive.
            unsafe { fixture.objects[id].as_ref() }.set_colour(LIVE.flip());
        }
        assert_eq!(fixture.state.old.borrow().blocks_in_class(cell_class()), 3);
        while !fixture.step(&mut sweeper, 1) {}
        assert_eq!(sweeper.tally.cells, CELLS_PER_BLOCK, "the first block only");
        assert_eq!(fixture.dropped(), [0, 2, 4, 6]);
    }

    #[test]
    fn large_objects_born_during_the_sweep_are_visited_and_kept() {
        let mut fixture = Fixture::new();
        fixture.add::<8300>(3, |id| id == 0);
        let mut sweeper = fixture.sweeper();
        assert!(!fixture.step(&mut sweeper, 1));
        fixture.state.current_white.set(LIVE);
        fixture.add::<8300>(1, |_| unreachable!());
        assert_eq!(fixture.colour(3), LIVE, "born the current white");
        while !fixture.step(&mut sweeper, 1) {}
        assert_eq!(sweeper.tally.cells, 4, "the list is walked to its end");
        assert_eq!(fixture.dropped(), [0]);
        assert_eq!(fixture.colour(3), LIVE);
    }
}
