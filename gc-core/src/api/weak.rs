//! Weak references: `GcWeak`, a pointer that does not keep its target alive.
//!
//! A `GcWeak` points at a small managed weak cell, a weak container
//! (`object/weak_ops.rs`) with one weak slot: each collection rewrites the slot
//! when the target moves and clears it when the target is freed (invariant I7).
//! Ephemeron tables (`ephemeron`) and finalization queues (`finalize`) are
//! built the same way; `new_container` allocates any of them.

use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::api::gc::Gc;
use crate::api::mutation::Mutation;
use crate::object::header::Header;
use crate::object::trace::{Trace, Tracer};
use crate::object::weak_ops::{
    container, ContainerInfoOf, FixSlot, SettleStage, WeakContainer, WeakOps,
};
use crate::space::marks::dead_awaiting_sweep;

/// The cell behind every `GcWeak`: one weak slot.
pub(crate) struct WeakCell {
    target: Option<NonNull<Header>>,
}

// SAFETY: a weak cell has no strong pointers; its slot is weak (WeakOps).
unsafe impl Trace for WeakCell {
    fn trace(&mut self, _tracer: &mut Tracer) {}
}

// SAFETY: the one slot is only swept (there is nothing to settle).
unsafe impl WeakContainer for WeakCell {
    const OPS: WeakOps = WeakOps {
        stage: SettleStage::SweepOnly,
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
pub struct GcWeak<'gc, T: ?Sized> {
    cell: Gc<'gc, WeakCell>,
    _target: PhantomData<Gc<'gc, T>>,
}

impl<'gc, T: ?Sized> Copy for GcWeak<'gc, T> {}

impl<'gc, T: ?Sized> Clone for GcWeak<'gc, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'gc, T: ?Sized + 'gc> GcWeak<'gc, T> {
    pub(crate) fn new(m: &Mutation<'gc>, target: Gc<'gc, T>) -> GcWeak<'gc, T> {
        let cell = WeakCell {
            target: Some(target.header_ptr()),
        };
        GcWeak {
            cell: new_container(m, cell),
            _target: PhantomData,
        }
    }

    /// The weak cell behind this reference (weak stashed handles stash it).
    pub(crate) fn cell(self) -> Gc<'gc, WeakCell> {
        self.cell
    }

    /// A weak reference through an existing cell.
    ///
    /// # Safety
    /// The cell's target, if any, must be a `T` (it was made by
    /// `GcWeak::<T>::new`).
    pub(crate) unsafe fn from_cell(cell: Gc<'gc, WeakCell>) -> GcWeak<'gc, T> {
        GcWeak {
            cell,
            _target: PhantomData,
        }
    }

    /// The target, or `None` if the collector has found it dead.
    #[inline]
    pub fn upgrade(self, m: &Mutation<'gc>) -> Option<Gc<'gc, T>> {
        let target = self.cell.target?;
        // After a mark termination, old weak cells are cleared by the sweep's
        // first steps (`collect/weak_cells.rs`): until then a dead target is
        // still in the slot, unswept, and must not be handed out.
        let old = m.state().old.borrow();
        if dead_awaiting_sweep(target, &old) {
            return None;
        }
        // SAFETY: the slot points at an object of type T that is alive (just
        // checked, I7), at its current address (slots are rewritten whenever
        // the target moves).
        Some(unsafe { Gc::from_header(target) })
    }

    /// True once the target has been collected. Right after a major cycle
    /// found it dead this may still be false for a few safe points, until
    /// the sweep clears the cell (`upgrade` already returns `None`).
    pub fn is_dropped(self) -> bool {
        self.cell.target.is_none()
    }

    /// True if both point at the same object (or are the same reference);
    /// like `is_dropped`, a target just found dead may still count.
    pub fn ptr_eq(a: GcWeak<'gc, T>, b: GcWeak<'gc, T>) -> bool {
        Gc::ptr_eq(a.cell, b.cell) || (a.cell.target.is_some() && a.cell.target == b.cell.target)
    }
}

impl<'gc, T: ?Sized> fmt::Debug for GcWeak<'gc, T> {
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
unsafe impl<'gc, T: ?Sized> Trace for GcWeak<'gc, T> {
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
