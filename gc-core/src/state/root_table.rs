//! The root table: every root container of the heap, type-erased.
//!
//! A root container ([`RootVec`](crate::RootVec)) registers its storage here
//! when it is built, so that the collector can scan the chunks that changed
//! (`state/root_log.rs`) directly, without tracing the user's root object, and
//! can split the shading of a big container into bounded root jobs during
//! the mark steps. The table holds an `Rc` to each container's storage; the
//! container holds the other. When the container is dropped it empties its
//! storage, and the table forgets the entry at the next collection (the `Rc`
//! count is then one). A container leaked with `mem::forget` stays a root
//! forever: its contents are kept alive, never freed under it.
//!
//! Collection code reaches the entries only through [`ChunkedRoot`], and only
//! at safe points (invariant I4: then no `mutate` call runs and no reference
//! into a container exists).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::object::trace::Tracer;

/// What the collector asks of one root container. Every method is called at
/// a safe point only, never while another method of the same container runs.
pub(crate) trait ChunkedRoot {
    /// A minor GC: scans the chunks on the minor list with `tracer` (an
    /// evacuating one). Returns the slots scanned.
    fn scan_minor(&self, tracer: &mut Tracer) -> usize;
    /// Mark start: nothing of the container is shaded yet.
    fn begin_cycle(&self);
    /// Mark termination is over.
    fn end_cycle(&self);
    /// One root job while marking: shades the next chunk to remark or at
    /// the cursor with `tracer` (a marking one). Returns the mark work done
    /// and the slots scanned, or `None` when nothing is left.
    fn mark_chunk(&self, tracer: &mut Tracer) -> Option<(usize, usize)>;
    /// True while some chunk has not been shaded this cycle.
    fn cursor_pending(&self) -> bool;
    /// Slots touched since the last minor GC (`ChunkLog::touched_slots`).
    fn touched_slots(&self) -> usize;
}

/// Every root container of one heap.
#[derive(Default)]
pub(crate) struct RootTable {
    /// The containers' storage (the container owns the other `Rc`). Pushed
    /// by the mutator (`register`), pruned at safe points.
    entries: RefCell<Vec<Rc<dyn ChunkedRoot>>>,
    /// Slots of root containers and the stash scanned by collections (whole
    /// run; `Stats::root_slots_scanned`).
    pub(crate) slots_scanned: Cell<u64>,
}

impl RootTable {
    /// Registers a container's storage.
    pub(crate) fn register(&self, entry: Rc<dyn ChunkedRoot>) {
        self.entries.borrow_mut().push(entry);
    }

    /// Forgets the containers whose owner was dropped, then runs `f` on each
    /// live one. Safe points only.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&dyn ChunkedRoot)) {
        let mut entries = self.entries.borrow_mut();
        entries.retain(|entry| Rc::strong_count(entry) > 1);
        for entry in entries.iter() {
            f(&**entry);
        }
    }

    /// Runs `f` on each live container until it returns false. Safe points only.
    pub(crate) fn any(&self, mut f: impl FnMut(&dyn ChunkedRoot) -> bool) -> bool {
        live(&self.entries.borrow()).any(&mut f)
    }

    /// Slots of every live container touched since the last minor GC: the
    /// root's share of the next minor GC's remembered set. Safe points only.
    pub(crate) fn touched_slots(&self) -> usize {
        live(&self.entries.borrow())
            .map(|entry| entry.touched_slots())
            .sum()
    }

    /// Adds `slots` to the scan counter.
    pub(crate) fn count(&self, slots: usize) {
        self.slots_scanned
            .set(self.slots_scanned.get() + slots as u64);
    }
}

/// The entries whose container is still alive (it holds the other `Rc`); a
/// dropped one's storage is empty and forgotten at the next `for_each`.
fn live(entries: &[Rc<dyn ChunkedRoot>]) -> impl Iterator<Item = &dyn ChunkedRoot> {
    entries
        .iter()
        .filter(|entry| Rc::strong_count(entry) > 1)
        .map(|entry| &**entry)
}
