//! Sweeping the old generation (step 5 of an object's life).
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
