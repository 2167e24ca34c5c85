//! Weak containers: the one mechanism behind every kind of weakness.
//!
//! Three kinds of managed object hold pointers the collector must *not*
//! simply follow: a weak cell (`GcWeak`), an ephemeron table (`GcWeakMap`,
//! `ephemeron`), and a finalization queue (`FinalizationQueue`, `finalize`).
//! They are **weak containers**: their type descriptor carries [`WeakOps`],
//! and every traversal treats them the same way:
//!
//! 1. When scanned, a container traces only its strong part
//!    (`trace_strong`) and is recorded in the traversal's container list.
//! 2. When the strong trace is done, the traversal **settles** the recorded
//!    containers until nothing changes (`collect/settle.rs`): an ephemeron traces the
//!    value of each entry whose key turned out alive; a finalization queue
//!    resurrects each watched object that turned out dead. Each may reach new
//!    objects (and new containers), so this repeats to a fixed point.
//! 3. Finally every weak slot is **swept** (`sweep`): rewritten if its target
//!    moved, dropped if its target is dead (invariant I7: no weak slot ever
//!    points at a freed object).
//!
//! "Alive" depends on the traversal: for a minor GC, an old object is alive
//! and a young one is alive if it was evacuated; for the end of marking, a
//! young object is alive and an old one if it is not white.
//!
//! Weak references are cleared only when the target is really freed: an
//! object resurrected by a finalization queue stays reachable through them.
//!
//! A container may also hold whole *values* weakly (a finalization queue's
//! registered keys: an interpreter's `Value` that is a heap object). Their
//! pointers are swept by tracing the value in the `FixWeak` mode
//! ([`fix_weakly`]): each edge is rewritten through the sweep's `fix`, and a
//! dead target condemns the whole value, which the container then drops.
//!
//! A container records itself by its header pointer, which stays valid for
//! the whole traversal (old objects never move; young ones were just copied),
//! and for a whole marking cycle if it is old. A bare slot in a user's
//! `Vec<GcWeak>` could move whenever the `Vec` grows; a container cannot.

use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::object::header::{GcBox, Header, TypeInfo};
use crate::object::trace::{Trace, TraceMode, Tracer};

/// Decides whether a weakly held object is alive in the current traversal.
pub(crate) type IsAlive<'a> = &'a dyn Fn(NonNull<Header>) -> bool;

/// Maps a weakly held object to its current address, or `None` if it is dead.
pub(crate) type FixSlot<'a> = &'a mut dyn FnMut(NonNull<Header>) -> Option<NonNull<Header>>;

/// When a container is settled. Ephemerons settle first, to a fixed point:
/// only then is it known which objects are really unreachable, and only
/// those may a finalization queue resurrect (Lua orders them the same way).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum SettleStage {
    /// Weak cells and ephemeron tables.
    Ephemerons,
    /// Finalization queues.
    Finalizers,
    /// Plain weak cells (`GcWeak`): nothing to settle, one slot to sweep. A
    /// major cycle does not sweep the old ones in its termination pause
    /// (intern's 200,000 made it 3-8 ms): the marker keeps them apart and the
    /// sweep phase clears them in bounded steps before it sweeps any block
    /// (`collect/sweep.rs`, invariant I7 in `docs/invariants.md`).
    SweepOnly,
}

/// How the collector handles one weak container type (see the module docs).
pub(crate) struct WeakOps {
    /// When `settle` runs (see [`SettleStage`]).
    pub stage: SettleStage,
    /// Traces the strong part of the container.
    pub trace_strong: unsafe fn(NonNull<Header>, &mut Tracer),
    /// Traces what liveness has made strong; entries already settled in
    /// traversal `epoch` are skipped. Returns true if it traced anything.
    pub settle: unsafe fn(NonNull<Header>, &mut Tracer, IsAlive<'_>, u64) -> bool,
    /// Rewrites every weak slot with `fix`, dropping those it maps to `None`.
    /// It may unwind only from user code (the `Drop` of a value it discards),
    /// and only after every slot has been rewritten: the collector catches
    /// the panic and carries on with a container it can trust.
    pub sweep: unsafe fn(NonNull<Header>, FixSlot<'_>),
}

/// A managed type that is a weak container.
///
/// # Safety
/// `OPS` must treat the container's pointers as described in the module
/// docs: strong pointers visited by `trace_strong` (and by `Trace::trace`
/// too, which the verifier uses), weak ones only by `settle` and `sweep`.
pub(crate) unsafe trait WeakContainer: Trace + Sized {
    /// The container's operations.
    const OPS: WeakOps;
}

/// The weak operations of a live weak container.
pub(crate) fn ops_of(container: NonNull<Header>) -> &'static WeakOps {
    // SAFETY: recorded containers are live objects.
    let info = unsafe { container.as_ref() }.info();
    info.weak
        .expect("only weak containers are recorded as containers")
}

/// The value of the container headed by `object`.
///
/// # Safety
/// `object` must head a live `GcBox<T>`, and the collector must have
/// exclusive access to it (a safe point).
pub(crate) unsafe fn container<'a, T>(object: NonNull<Header>) -> &'a mut T {
    // SAFETY: guaranteed by the caller; only the value is borrowed.
    unsafe { &mut (*object.cast::<GcBox<T>>().as_ptr()).value }
}

/// The descriptor of a weak container type `T`.
pub(crate) struct ContainerInfoOf<T>(PhantomData<T>);

impl<T: WeakContainer> ContainerInfoOf<T> {
    pub(crate) const INFO: TypeInfo = TypeInfo {
        weak: Some(&T::OPS),
        ..crate::object::header::InfoOf::<T>::INFO
    };
}

/// The state of a `FixWeak` traversal of one weakly held value.
struct FixWeakly<'a> {
    /// The sweep's slot fixer.
    fix: FixSlot<'a>,
    /// Set when an edge's target is dead.
    dead: bool,
}

/// Sweeps every pointer of a weakly held `value` through `fix` (see the
/// module docs): each is rewritten to its target's current address. Returns
/// false if any target is dead; the value then holds dangling pointers and
/// must be dropped without being read (only its `Drop` may run, which cannot
/// reach the heap).
pub(crate) fn fix_weakly<T: Trace>(value: &mut T, fix: FixSlot<'_>) -> bool {
    if !T::HOLDS_GC {
        return true;
    }
    let mut context = FixWeakly { fix, dead: false };
    let mut tracer = Tracer::new(TraceMode::FixWeak, &mut context, 0);
    value.trace(&mut tracer);
    tracer.finish();
    !context.dead
}

/// The `FixWeak` edge visitor: rewrites `slot`, or notes a dead target
/// (the slot is then left as it was; its value is about to be dropped).
pub(crate) fn fix_edge(tracer: &mut Tracer, slot: &mut NonNull<Header>) {
    // SAFETY: `FixWeak` tracers are created only by `fix_weakly`, with a
    // `FixWeakly` context.
    let context = unsafe { tracer.context::<FixWeakly<'_>>() };
    match (context.fix)(*slot) {
        Some(current) => *slot = current,
        None => context.dead = true,
    }
}
