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
