//! Clearing old weak cells after mark termination, in steps (the first part
//! of step 7, sweeping).
//!
//! A `GcWeak` is a small managed *weak cell* with one slot (`api/weak.rs`).
//! Every other weak container (ephemeron tables, finalization queues) must be
//! settled inside mark termination, since what they trace decides what is
//! alive. A weak cell decides nothing: its slot is only cleared when its
//! target died. Clearing 200,000 of them (an interpreter's interning table)
//! made intern's termination pauses 3-8 ms, a cache miss or two per cell. So
//! the marker keeps old weak cells apart (`Marker::weak_cells`), termination
//! hands them over here, and the sweep's steps clear them, a bounded number
//! per step, **before they sweep any block**.
//!
//! Why it is sound (invariant I7, "no weak slot points at a freed object"):
//! - **Nothing is freed while cells wait.** The old space holds allocation's
//!   lazy sweeping (`OldSpace::hold_lazy_sweep`), and the sweep steps finish
//!   the cells before they sweep a block or a large object. A dead target's
//!   memory, its mark bit and its block's epoch stay as termination left them.
//! - **A dead target is never handed out.** `GcWeak::upgrade` asks
//!   `marks::dead_awaiting_sweep` while cells wait: an old cell unmarked in an
//!   unswept block, or an unmarked large object, is gone. Objects made since
//!   termination live in fresh blocks or are born marked, so they read alive.
//! - **Minor GCs in between** leave old targets alone (they do not judge the
//!   old generation) and fix young ones as always; old cells never move.
//!
//! The price: `GcWeak::is_dropped` may say "not yet" for a target that died,
//! until the sweep reaches its cell; and allocation takes pooled or fresh
//! blocks for the few safe points the cells take.

use std::ptr::NonNull;

use crate::object::header::Header;
use crate::space::marks::dead_awaiting_sweep;
use crate::space::old::OldSpace;

/// Units of sweep work one weak cell counts as: reading the cell and its
/// target's mark costs about what sweeping 32 cells by bitmap does (a cache
/// miss or two against a few words of bitmap arithmetic).
pub(crate) const WEAK_CELL_UNITS: usize = 32;

/// Cells cleared between two reads of the step's clock.
const CELLS_PER_CLOCK_READ: usize = 64;

/// The old weak cells the last mark termination left to clear.
#[derive(Default, Debug, Clone)]
pub(crate) struct PendingWeakCells {
    /// The cells, all old (old objects never move) and marked this cycle.
    cells: Vec<NonNull<Header>>,
    /// Index of the next cell to clear; those before it are done.
    next: usize,
    /// Cells whose target had died, cleared so far.
    pub(crate) cleared: usize,
}

impl PendingWeakCells {
    /// Takes over `cells` from mark termination (after the flip) and, if
    /// there are any, holds `old`'s lazy sweeping until they are cleared.
    pub(crate) fn hand_over(cells: Vec<NonNull<Header>>, old: &mut OldSpace) -> PendingWeakCells {
        old.hold_lazy_sweep(!cells.is_empty());
        PendingWeakCells {
            cells,
            next: 0,
            cleared: 0,
        }
    }

    /// Cells not yet cleared.
    pub(crate) fn left(&self) -> usize {
        self.cells.len() - self.next
    }

    /// Clears up to `budget` cells whose target died, stopping early once
    /// `out_of_time` says so; releases `old`'s lazy sweeping after the last.
    /// Returns the cells visited.
    pub(crate) fn step(
        &mut self,
        old: &mut OldSpace,
        budget: usize,
        mut out_of_time: impl FnMut() -> bool,
    ) -> usize {
        let start = self.next;
        while self.next < self.cells.len() && self.next - start < budget {
            let done = self.next - start;
            if done > 0 && done % CELLS_PER_CLOCK_READ == 0 && out_of_time() {
                break;
            }
            let cell = self.cells[self.next];
            self.next += 1;
            let mut fix = |target: NonNull<Header>| {
                let dead = dead_awaiting_sweep(target, old);
                self.cleared += usize::from(dead);
                (!dead).then_some(target)
            };
            crate::collect::settle::sweep(cell, &mut fix);
        }
        let visited = self.next - start;
        if self.left() == 0 && old.lazy_sweep_held() {
            self.cells = Vec::new();
            self.next = 0;
            old.hold_lazy_sweep(false);
        }
        visited
    }
}
