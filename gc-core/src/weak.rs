//! Weak references: pointers that do not keep their target alive.
//!
//! A [`GcWeak`] points at a small managed **weak cell** that holds the target
//! address. The collector treats the cell's slot specially: tracing the cell
//! records the slot instead of marking or copying the target, and once the
//! traversal is over the recorded slots are fixed up. A minor GC rewrites
//! slots whose young target moved and clears those whose young target died;
//! the end of old-generation marking clears slots whose old target stayed
//! white (invariant I7: a weak slot never points at a freed object).
//!
//! Why a cell instead of a bare pointer inside the user's struct: the slot of
//! a cell stays at one address for a whole marking cycle (an old cell never
//! moves and cannot be freed before the cycle ends), whereas a field in a
//! user's `Vec<GcWeak>` can move whenever the `Vec` grows. The collector must
//! remember slots across `mutate` calls, so it only ever remembers cells.

use std::fmt;
use std::ptr::NonNull;

use crate::gc::Gc;
use crate::header::{GcBox, Header, TypeInfo};
use crate::mutation::Mutation;
use crate::trace::{Trace, Tracer};

/// The managed cell behind every `GcWeak`: one target slot.
pub(crate) struct WeakCell {
    pub(crate) target: Option<NonNull<Header>>,
}

/// The descriptor for weak cells (`is_weak_cell` lets the verifier and
/// profiler recognise them).
pub(crate) static WEAK_CELL_INFO: TypeInfo = TypeInfo {
    size: std::mem::size_of::<GcBox<WeakCell>>(),
    align: std::mem::align_of::<GcBox<WeakCell>>(),
    trace: Some(trace_weak_cell),
    drop: None,
    name: || "tenure::WeakCell",
    is_weak_cell: true,
};

/// Never called: every traversal recognises weak cells by
/// `TypeInfo::is_weak_cell` and records them instead of tracing them. The
/// function exists so that `trace.is_some()` still says "scan this object".
///
/// # Safety
/// None needed; it does nothing.
unsafe fn trace_weak_cell(_header: NonNull<Header>, _tracer: &mut Tracer) {}

/// The target slot of the weak cell headed by `cell`.
///
/// # Safety
/// `cell` must head a live `GcBox<WeakCell>`, and no reference to its value
/// may be live (the collector at a safe point).
pub(crate) unsafe fn weak_target(cell: NonNull<Header>) -> *mut Option<NonNull<Header>> {
    debug_assert!(
        // SAFETY: the caller guarantees a live object.
        unsafe { cell.as_ref() }.info().is_weak_cell
    );
    // SAFETY: guaranteed by the caller; a raw place projection creates no reference.
    unsafe { &raw mut (*cell.cast::<GcBox<WeakCell>>().as_ptr()).value.target }
}

/// A weak reference to a managed `T`: it does not keep the target alive.
pub struct GcWeak<'gc, T> {
    cell: Gc<'gc, WeakCell>,
    _target: std::marker::PhantomData<Gc<'gc, T>>,
}

impl<'gc, T> Copy for GcWeak<'gc, T> {}

impl<'gc, T> Clone for GcWeak<'gc, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'gc, T: 'gc> GcWeak<'gc, T> {
    pub(crate) fn new(m: &Mutation<'gc>, target: Gc<'gc, T>) -> GcWeak<'gc, T> {
        let cell = m.state().allocate_weak_cell(target.header_ptr());
        GcWeak {
            cell: Gc::from_box(cell),
            _target: std::marker::PhantomData,
        }
    }

    /// The target, or `None` if the collector has freed it.
    #[inline]
    pub fn upgrade(self, _m: &Mutation<'gc>) -> Option<Gc<'gc, T>> {
        // SAFETY: a non-empty slot points at a live object of type T (I7), at
        // its current address (slots are updated whenever the target moves).
        self.cell.target.map(|header| unsafe { Gc::from_header(header) })
    }

    /// True once the target has been collected.
    pub fn is_dropped(self) -> bool {
        self.cell.target.is_none()
    }

    /// True if both weak references point at the same object (or both are dead
    /// and came from the same `downgrade`).
    pub fn ptr_eq(a: GcWeak<'gc, T>, b: GcWeak<'gc, T>) -> bool {
        Gc::ptr_eq(a.cell, b.cell) || (a.cell.target.is_some() && a.cell.target == b.cell.target)
    }
}

impl<'gc, T> fmt::Debug for GcWeak<'gc, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cell.target {
            Some(_) => f.write_str("GcWeak(live)"),
            None => f.write_str("GcWeak(dropped)"),
        }
    }
}

// SAFETY: passes its one pointer (the cell) to the tracer by `&mut`.
unsafe impl<'gc, T> Trace for GcWeak<'gc, T> {
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        self.cell.trace(tracer);
    }
}
