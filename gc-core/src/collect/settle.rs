//! Settling weak containers: the fixed point every traversal reaches (step 9).
//!
//! After a traversal's strong trace (a minor GC's Cheney loop, or draining
//! the gray stack at the end of marking), the weak containers it recorded are
//! settled until nothing changes: ephemerons trace the values of live keys,
//! then finalization queues resurrect dead watched objects, and again while a
//! queue resurrected something. Then every weak slot is swept. What the
//! containers are and the operations they provide is in `object/weak_ops.rs`.

use std::ptr::NonNull;

use crate::object::header::Header;
use crate::object::trace::Tracer;
use crate::object::weak_ops::{ops_of, FixSlot, IsAlive, SettleStage};

/// What a traversal lends the settling loop: its list of recorded
/// containers, how to finish the strong trace, and a hook run after each
/// container is settled (a minor GC re-remembers old containers there).
pub(crate) struct SettleHooks<'a> {
    /// The `index`th container recorded so far (the list grows while settling).
    pub container: &'a dyn Fn(&mut Tracer, usize) -> Option<NonNull<Header>>,
    /// Finishes the strong trace (the Cheney loop, or draining the gray stack).
    pub finish_trace: &'a dyn Fn(&mut Tracer),
    /// Runs after a container was settled, with the tracer's `saw_young` fresh.
    pub after_settle: &'a dyn Fn(&mut Tracer, NonNull<Header>),
}

/// Settles every recorded container to a fixed point: ephemerons until
/// nothing changes, then finalization queues, and again while a queue
/// resurrected something (which may make more ephemeron keys alive).
pub(crate) fn settle_to_fixed_point(
    tracer: &mut Tracer,
    hooks: &SettleHooks<'_>,
    is_alive: IsAlive<'_>,
    epoch: u64,
) {
    loop {
        while settle_pass(tracer, hooks, is_alive, epoch, SettleStage::Ephemerons) {}
        if !settle_pass(tracer, hooks, is_alive, epoch, SettleStage::Finalizers) {
            break;
        }
    }
}

/// Settles every recorded container of `stage` once; true if any traced
/// something.
fn settle_pass(
    tracer: &mut Tracer,
    hooks: &SettleHooks<'_>,
    is_alive: IsAlive<'_>,
    epoch: u64,
    stage: SettleStage,
) -> bool {
    let mut progress = false;
    let mut index = 0;
    while let Some(container) = (hooks.container)(tracer, index) {
        index += 1;
        if ops_of(container).stage != stage {
            continue;
        }
        tracer.saw_young = false;
        progress |= settle(container, tracer, is_alive, epoch);
        (hooks.after_settle)(tracer, container);
        (hooks.finish_trace)(tracer);
    }
    progress
}

/// Traces an object's strong fields: for a weak container only its strong
/// part (the caller records it for settling), for any other object its
/// `Trace` impl. Returns the container's settle stage, or `None` for an
/// object that is not a weak container.
///
/// # Safety
/// `object` must be live and the collector must have exclusive access.
pub(crate) unsafe fn trace_strong_fields(
    object: NonNull<Header>,
    tracer: &mut Tracer,
) -> Option<SettleStage> {
    // SAFETY: guaranteed by the caller.
    let info = unsafe { object.as_ref() }.info();
    if let Some(ops) = info.weak {
        // SAFETY: as above.
        unsafe { (ops.trace_strong)(object, tracer) };
        return Some(ops.stage);
    }
    if let Some(trace) = info.trace {
        // SAFETY: as above.
        unsafe { trace(object, tracer) };
    }
    None
}

/// Settles one container (see [`WeakOps::settle`]).
pub(crate) fn settle(
    container: NonNull<Header>,
    tracer: &mut Tracer,
    is_alive: IsAlive<'_>,
    epoch: u64,
) -> bool {
    let ops = ops_of(container);
    // SAFETY: containers are recorded only while live, and the collector
    // has exclusive access during a traversal.
    unsafe { (ops.settle)(container, tracer, is_alive, epoch) }
}

/// Sweeps one container's weak slots (see [`WeakOps::sweep`]).
pub(crate) fn sweep(container: NonNull<Header>, fix: FixSlot<'_>) {
    let ops = ops_of(container);
    // SAFETY: as in `settle`.
    unsafe { (ops.sweep)(container, fix) }
}
