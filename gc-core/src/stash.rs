//! Stashed handles: roots that outlive one `mutate` call.
//!
//! A host keeps managed objects across calls (a REPL's values, callbacks
//! registered with the host) by stashing them. The heap owns a table of
//! stashed pointers; the table is a root, traced at every collection, so a
//! moved object's slot is updated in place. The handle ([`Stashed`]) is an
//! index into that table, `'static` and free of `'gc`, so it can live anywhere.
//! Dropping it frees the slot, and the object becomes collectable.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::rc::Rc;

use crate::header::Header;
use crate::trace::Tracer;

/// The heap's table of stashed pointers.
#[derive(Default)]
pub(crate) struct StashTable {
    slots: Vec<Option<NonNull<Header>>>,
    free: Vec<usize>,
}

/// Shared between the heap and every handle.
pub(crate) type SharedStash = Rc<RefCell<StashTable>>;

impl StashTable {
    /// Visits every stashed pointer as a root.
    pub(crate) fn trace(&mut self, tracer: &mut Tracer) {
        for slot in self.slots.iter_mut().flatten() {
            tracer.visit(slot);
        }
    }

    /// Number of live handles.
    pub(crate) fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    fn insert(&mut self, object: NonNull<Header>) -> usize {
        match self.free.pop() {
            Some(index) => {
                self.slots[index] = Some(object);
                index
            }
            None => {
                self.slots.push(Some(object));
                self.slots.len() - 1
            }
        }
    }
}

/// A `'static` handle to a managed object of type `Root<'_, R>`.
pub struct Stashed<R: ?Sized> {
    table: SharedStash,
    index: usize,
    _type: PhantomData<fn() -> Box<R>>,
}

impl<R: ?Sized> Stashed<R> {
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
        self.table.borrow().slots[self.index].expect("a live handle's slot is occupied")
    }
}

impl<R: ?Sized> Clone for Stashed<R> {
    fn clone(&self) -> Self {
        let object =
            self.table.borrow().slots[self.index].expect("a live handle's slot is occupied");
        Stashed::new(&self.table, object)
    }
}

impl<R: ?Sized> Drop for Stashed<R> {
    fn drop(&mut self) {
        let mut table = self.table.borrow_mut();
        table.slots[self.index] = None;
        table.free.push(self.index);
    }
}

impl<R: ?Sized> fmt::Debug for Stashed<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stashed")
            .field("slot", &self.index)
            .finish()
    }
}
