//! Weak references, and the one mechanism behind every kind of weakness.
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
//!    containers until nothing changes (`settle`): an ephemeron traces the
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
//! A container records itself by its header pointer, which stays valid for
//! the whole traversal (old objects never move; young ones were just copied),
//! and for a whole marking cycle if it is old. A bare slot in a user's
//! `Vec<GcWeak>` could move whenever the `Vec` grows; a container cannot.

use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::gc::Gc;
use crate::header::{GcBox, Header, TypeInfo};
use crate::mutation::Mutation;
use crate::trace::{Trace, Tracer};

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
/// `Trace` impl. Returns true if the object is a weak container.
///
/// # Safety
/// `object` must be live and the collector must have exclusive access.
pub(crate) unsafe fn trace_strong_fields(object: NonNull<Header>, tracer: &mut Tracer) -> bool {
    // SAFETY: guaranteed by the caller.
    let info = unsafe { object.as_ref() }.info();
    if let Some(ops) = info.weak {
        // SAFETY: as above.
        unsafe { (ops.trace_strong)(object, tracer) };
        return true;
    }
    if let Some(trace) = info.trace {
        // SAFETY: as above.
        unsafe { trace(object, tracer) };
    }
    false
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

fn ops_of(container: NonNull<Header>) -> &'static WeakOps {
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

/// The cell behind every `GcWeak`: one weak slot.
pub(crate) struct WeakCell {
    target: Option<NonNull<Header>>,
}

// SAFETY: a weak cell has no strong pointers; its slot is weak (WeakOps).
unsafe impl Trace for WeakCell {
    fn trace(&mut self, _tracer: &mut Tracer) {}
}

// SAFETY: the one slot is only settled (nothing to do) and swept.
unsafe impl WeakContainer for WeakCell {
    const OPS: WeakOps = WeakOps {
        stage: SettleStage::Ephemerons,
        trace_strong: |_, _| {},
        settle: |_, _, _, _| false,
        sweep: sweep_weak_cell,
    };
}

/// Rewrites or clears a weak cell's target.
///
/// # Safety
/// As for [`container`].
unsafe fn sweep_weak_cell(object: NonNull<Header>, fix: FixSlot<'_>) {
    // SAFETY: the caller guarantees a live weak cell at a safe point.
    let cell = unsafe { container::<WeakCell>(object) };
    cell.target = cell.target.and_then(fix);
}

/// A weak reference to a managed `T`: it does not keep the target alive.
pub struct GcWeak<'gc, T> {
    cell: Gc<'gc, WeakCell>,
    _target: PhantomData<Gc<'gc, T>>,
}

impl<'gc, T> Copy for GcWeak<'gc, T> {}

impl<'gc, T> Clone for GcWeak<'gc, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'gc, T: 'gc> GcWeak<'gc, T> {
    pub(crate) fn new(m: &Mutation<'gc>, target: Gc<'gc, T>) -> GcWeak<'gc, T> {
        let cell = WeakCell {
            target: Some(target.header_ptr()),
        };
        GcWeak {
            cell: new_container(m, cell),
            _target: PhantomData,
        }
    }

    /// The target, or `None` if the collector has freed it.
    #[inline]
    pub fn upgrade(self, _m: &Mutation<'gc>) -> Option<Gc<'gc, T>> {
        // SAFETY: a non-empty slot points at a live object of type T (I7), at
        // its current address (slots are rewritten whenever the target moves).
        self.cell
            .target
            .map(|header| unsafe { Gc::from_header(header) })
    }

    /// True once the target has been collected.
    pub fn is_dropped(self) -> bool {
        self.cell.target.is_none()
    }

    /// True if both point at the same live object (or are the same reference).
    pub fn ptr_eq(a: GcWeak<'gc, T>, b: GcWeak<'gc, T>) -> bool {
        Gc::ptr_eq(a.cell, b.cell) || (a.cell.target.is_some() && a.cell.target == b.cell.target)
    }
}

impl<'gc, T> fmt::Debug for GcWeak<'gc, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: the cell is live for 'gc (I4).
        let live = unsafe { &*Gc::as_ptr(self.cell) }.target.is_some();
        f.write_str(if live {
            "GcWeak(live)"
        } else {
            "GcWeak(dropped)"
        })
    }
}

// SAFETY: passes its one pointer (to the cell, strongly) to the tracer.
unsafe impl<'gc, T> Trace for GcWeak<'gc, T> {
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        self.cell.trace(tracer);
    }
}

/// Allocates one of the collector's weak containers.
pub(crate) fn new_container<'gc, T: WeakContainer + 'gc>(
    m: &Mutation<'gc>,
    value: T,
) -> Gc<'gc, T> {
    match m.state().allocate_with(&ContainerInfoOf::<T>::INFO, value) {
        Ok(ptr) => Gc::from_box(ptr),
        Err(error) => panic!("{error}"),
    }
}

/// The descriptor of a weak container type `T`.
pub(crate) struct ContainerInfoOf<T>(PhantomData<T>);

impl<T: WeakContainer> ContainerInfoOf<T> {
    pub(crate) const INFO: TypeInfo = TypeInfo {
        weak: Some(&T::OPS),
        ..crate::header::InfoOf::<T>::INFO
    };
}
