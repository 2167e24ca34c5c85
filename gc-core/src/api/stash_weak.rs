//! Weak stashed handles: a `'static` handle that does not keep its object
//! alive (gc-arena #124).
//!
//! A host often wants to *remember* an object across `mutate` calls without
//! owning it: a cache of compiled regexes keyed by source, a debugger's list
//! of inspected objects, the DOM node a callback was registered for. A
//! [`Stashed`] handle is a root and keeps the object alive; a
//! [`StashedWeak`] is the weak counterpart.
//!
//! It is built from the two mechanisms that already exist, so the collector
//! needs no new step: `stash_weak` makes a weak cell (`weak`, a weak
//! container with one slot) pointing at the object and stashes the *cell*
//! strongly. Every collection that moves the object rewrites the cell's slot
//! (a minor GC evacuating it), and every collection that frees it clears the
//! slot (a minor GC for a young object, the end of marking for an old one),
//! exactly as for a `GcWeak` (invariant I7). The stash slot holds only the
//! small cell; dropping the handle frees the slot, and the cell becomes
//! garbage like any other object.

use std::fmt;
use std::marker::PhantomData;

use crate::api::gc::Gc;
use crate::api::mutation::Mutation;
use crate::api::root::{Root, Rootable};
use crate::api::stash::Stashed;
use crate::api::weak::{GcWeak, WeakCell};
use crate::object::trace::Trace;

/// A `'static` weak handle to a managed object of type `Root<'_, R>`: it
/// survives between `mutate` calls without keeping the object alive. Made by
/// [`Mutation::stash_weak`], read by [`Mutation::fetch_weak`].
pub struct StashedWeak<R: ?Sized> {
    /// The stash slot holding the weak cell (strongly).
    cell: Stashed<WeakCell>,
    _type: PhantomData<fn() -> Box<R>>,
}

impl<R: ?Sized> StashedWeak<R> {
    /// The stash slot of the handle's weak cell (`StashRecord::slot` in heap
    /// snapshots; the cell, not the object, is what the slot roots).
    pub fn slot(&self) -> usize {
        self.cell.slot()
    }
}

impl<R: ?Sized> Clone for StashedWeak<R> {
    /// Another handle to the same weak cell (in a slot of its own).
    fn clone(&self) -> Self {
        StashedWeak {
            cell: self.cell.clone(),
            _type: PhantomData,
        }
    }
}

impl<R: ?Sized> fmt::Debug for StashedWeak<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StashedWeak")
            .field("slot", &self.cell.slot())
            .finish()
    }
}

impl<'gc> Mutation<'gc> {
    /// Remembers `gc` across `mutate` calls *without* keeping it alive:
    /// returns a `'static` handle that a later `mutate` turns back into a
    /// `Gc` with [`Mutation::fetch_weak`], as long as the object lives.
    /// Allocates one small weak cell (see the module docs).
    ///
    /// `R` names the object's type for every brand, as for
    /// [`Mutation::stash`].
    pub fn stash_weak<R>(&self, gc: Gc<'gc, Root<'gc, R>>) -> StashedWeak<R>
    where
        R: for<'a> Rootable<'a>,
        Root<'gc, R>: Trace + Sized,
    {
        let weak = Gc::downgrade(self, gc);
        StashedWeak {
            cell: Stashed::new(&self.state().stash, weak.cell().header_ptr()),
            _type: PhantomData,
        }
    }

    /// The object behind a weak stashed handle, or `None` once a collection
    /// has freed it. The `Gc` is valid for this `mutate` call; storing it
    /// somewhere reachable keeps the object alive from then on.
    ///
    /// # Panics
    /// If the handle was stashed in a different heap.
    pub fn fetch_weak<R>(&self, handle: &StashedWeak<R>) -> Option<Gc<'gc, Root<'gc, R>>>
    where
        R: for<'a> Rootable<'a>,
        Root<'gc, R>: Trace + Sized,
    {
        let header = handle.cell.get(&self.state().stash);
        // SAFETY: the stash keeps the cell alive and at its current address
        // (a root of this heap, checked by `get`), the slot holds a weak cell
        // (only `stash_weak` makes these handles), and the cell was made by
        // `GcWeak::<Root<R>>::new` in `stash_weak`, so its target is one.
        let weak = unsafe { GcWeak::<Root<'gc, R>>::from_cell(Gc::from_header(header)) };
        weak.upgrade(self)
    }
}
