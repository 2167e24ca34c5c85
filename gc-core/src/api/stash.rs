//! Stashed handles: roots that outlive one `mutate` call.
//!
//! A host keeps managed objects across calls (a REPL's values, callbacks
//! registered with the host) by stashing them. The heap owns a table of
//! stashed pointers; the table is a root, traced at every collection, so a
//! moved object's slot is updated in place. The handle ([`Stashed`]) is an
//! index into that table, `'static` and free of `'gc`, so it can live anywhere.
//! Dropping it frees the slot, and the object becomes collectable.

use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::rc::Rc;

use crate::object::header::Header;
use crate::state::stash_table::SharedStash;

/// A `'static` handle to a managed object of type `Root<'_, R>`.
pub struct Stashed<R: ?Sized> {
    table: SharedStash,
    index: usize,
    _type: PhantomData<fn() -> Box<R>>,
}

impl<R: ?Sized> Stashed<R> {
    /// The handle's slot in the stash table (`StashRecord::slot` in heap
    /// snapshots).
    pub fn slot(&self) -> usize {
        self.index
    }

    pub(crate) fn new(table: &SharedStash, object: NonNull<Header>) -> Stashed<R> {
        let index = table.borrow_mut().insert(object);
        Stashed {
            table: Rc::clone(table),
            index,
            _type: PhantomData,
        }
    }

    /// The current address of the object.
    ///
    /// # Panics
    /// If the handle belongs to a different heap.
    pub(crate) fn get(&self, table: &SharedStash) -> NonNull<Header> {
        assert!(
            Rc::ptr_eq(&self.table, table),
            "Stashed handle used with a heap it was not stashed in"
        );
        self.table.borrow().get(self.index)
    }
}

impl<R: ?Sized> Clone for Stashed<R> {
    fn clone(&self) -> Self {
        let object = self.table.borrow().get(self.index);
        Stashed::new(&self.table, object)
    }
}

impl<R: ?Sized> Drop for Stashed<R> {
    fn drop(&mut self) {
        self.table.borrow_mut().remove(self.index);
    }
}

impl<R: ?Sized> fmt::Debug for Stashed<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stashed")
            .field("slot", &self.index)
            .finish()
    }
}
