//! The stash table: the heap's roots that outlive one `mutate` call.
//!
//! Each stashed handle (`api/stash.rs`) owns one slot here. The table is a
//! root, traced at every collection, so a moved object's slot is updated in
//! place; a freed slot goes on a free list for the next stash.

use std::cell::RefCell;
use std::ptr::NonNull;
use std::rc::Rc;

use crate::object::header::Header;
use crate::object::trace::Tracer;

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

    /// Every occupied slot and its object (heap snapshots list them).
    pub(crate) fn entries(&self) -> impl Iterator<Item = (usize, NonNull<Header>)> + '_ {
        let slots = self.slots.iter().enumerate();
        slots.filter_map(|(index, slot)| slot.map(|object| (index, object)))
    }

    /// Number of live handles.
    pub(crate) fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Stores `object` in a free slot and returns the slot's index.
    pub(crate) fn insert(&mut self, object: NonNull<Header>) -> usize {
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

    /// The current address of the object in slot `index`.
    ///
    /// # Panics
    /// If the slot is free (a handle's slot is occupied while it lives).
    pub(crate) fn get(&self, index: usize) -> NonNull<Header> {
        self.slots[index].expect("a live handle's slot is occupied")
    }

    /// Frees slot `index`: its object is no longer a root.
    pub(crate) fn remove(&mut self, index: usize) {
        self.slots[index] = None;
        self.free.push(index);
    }
}
