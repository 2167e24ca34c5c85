//! Scanning the big roots by what changed (steps 4 and 6 of the hub).
//!
//! The root object itself is traced whole, as ever: a plain field in it needs
//! no write barrier because every minor GC, mark start and mark termination
//! traces it again. The *root containers* (every `RootVec` in the root table)
//! and the stash table are scanned here instead, by chunks (`state/root_log`):
//!
//! - `scan_for_minor`, in each minor GC: only the chunks touched since the
//!   last one or still holding a young pointer (I9);
//! - `mark_root_jobs`, in each mark step: bounded *root jobs*, each one chunk,
//!   that first remark chunks touched since they were shaded, then advance
//!   the cursor over the chunks not shaded yet this cycle (I10). Marking may
//!   not end while the cursor has chunks left (`root_jobs_pending`); mark
//!   termination then runs only what is left: the chunks touched since.
//!
//! Every slot scanned counts in `Stats::root_slots_scanned`, so a test or a
//! reader can see that a minor GC with a big clean root scans nothing of it.

use crate::collect::deadline::DeadlineReader;
use crate::collect::mark::Marker;
use crate::object::trace::{TraceMode, Tracer};
use crate::state::root_table::RootTable;
use crate::state::stash_table::SharedStash;
use crate::state::GcState;

/// A minor GC's scan of the root containers and the stash (`tracer` is the
/// evacuating one): the chunks that changed or hold a young pointer.
pub(crate) fn scan_for_minor(tracer: &mut Tracer, stash: &SharedStash, table: &RootTable) {
    let mut slots = stash.borrow_mut().scan_minor(tracer);
    table.for_each(|entry| slots += entry.scan_minor(tracer));
    table.count(slots);
}

/// Mark start: nothing of any root container is shaded yet (O(containers)).
pub(crate) fn begin_cycle(state: &GcState) {
    state.stash.borrow_mut().begin_cycle();
    state.root_table.for_each(|entry| entry.begin_cycle());
}

/// Mark termination is over: later stores need no remark.
pub(crate) fn end_cycle(state: &GcState) {
    state.stash.borrow_mut().end_cycle();
    state.root_table.for_each(|entry| entry.end_cycle());
}

/// True while some root container has chunks not shaded this cycle: marking
/// cannot end before the root jobs have passed them.
pub(crate) fn root_jobs_pending(state: &GcState) -> bool {
    state.stash.borrow().cursor_pending() || state.root_table.any(|entry| entry.cursor_pending())
}

/// Runs root jobs until `budget` units of mark work are done, `deadline`
/// passed, or none is left; returns the work done. Outside bytes reported by
/// chunks shaded for the first time this cycle count toward the live heap.
pub(crate) fn mark_root_jobs(
    marker: &mut Marker,
    state: &GcState,
    budget: usize,
    deadline: &mut DeadlineReader,
) -> usize {
    let cycle = marker.cycle;
    let mut tracer = Tracer::new(TraceMode::Mark, marker, cycle);
    let mut work = 0;
    let mut slots = 0;
    {
        let mut stash = state.stash.borrow_mut();
        while work < budget && !deadline.passed(work) {
            let Some((done, scanned)) = stash.mark_chunk(&mut tracer) else {
                break;
            };
            work += done;
            slots += scanned;
        }
    }
    state.root_table.for_each(|entry| {
        while work < budget && !deadline.passed(work) {
            let Some((done, scanned)) = entry.mark_chunk(&mut tracer) else {
                break;
            };
            work += done;
            slots += scanned;
        }
    });
    let external = tracer.external;
    tracer.finish();
    marker.external_bytes += external;
    marker.work_done += work;
    state.root_table.count(slots);
    deadline.spend(work);
    work
}
