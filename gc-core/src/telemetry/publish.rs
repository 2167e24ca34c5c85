//! Publishing a major cycle's report (`CycleReport`): as a `tracing` event on
//! target `tenure::gc`, to the program's callback, and as the gctrace line.
//! Each runs user code (a subscriber, the callback), so each is caught into
//! the collection's `DeferredPanic` and resumed once the heap is consistent.

use crate::object::unwind::DeferredPanic;
use crate::telemetry::stats::CycleReport;

/// A callback receiving each major cycle's report.
pub(crate) type CycleCallback = Box<dyn FnMut(&CycleReport)>;

/// Emits the cycle report: `tracing`, the callback, and the gctrace line,
/// each user code whose panic is caught into `deferred`.
pub(crate) fn publish(
    report: &CycleReport,
    on_cycle: Option<&mut CycleCallback>,
    gctrace: bool,
    deferred: &mut DeferredPanic,
) {
    deferred.catch(|| {
        tracing::info!(
            target: "tenure::gc",
            cycle = report.cycle,
            heap_at_start = report.heap_at_start,
            heap_at_end = report.heap_at_end,
            live_bytes = report.live_bytes,
            heap_goal = report.heap_goal,
            next_goal = report.next_goal,
            minor_collections = report.minor_collections,
            mark_pause_us = report.mark_pause_total.as_micros() as u64,
            termination_pause_us = report.termination_pause.as_micros() as u64,
            mark_work = report.mark_work,
            assist_work = report.assist_work,
            weak_cleared = report.weak_cleared,
            gc_cpu_fraction = report.gc_cpu_fraction,
            forced = report.forced,
            "{report}"
        )
    });
    if let Some(callback) = on_cycle {
        deferred.catch(|| callback(report));
    }
    if gctrace {
        deferred.catch(|| eprintln!("{report}"));
    }
}
