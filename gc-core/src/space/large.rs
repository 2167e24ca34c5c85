//! The large object space: one system allocation per big object.
//!
//! Copying a 1 MiB array at every minor GC would cost more than it saves, and
//! a 1 MiB size class would waste most of a block, so objects above the large
//! object threshold (or with alignment above 16) skip Eden and old-space cells
//! entirely: each gets its own allocation, belongs to the old generation from
//! birth, is never moved, and is freed by the sweeper like an old cell.
//!
//! A large object has no block and so no side bitmap: it keeps its own mark
//! bit in its header (`MARKED`, see `space::marks`), which the sweeper
//! clears on every survivor.
//!
//! An object is unlinked from the list before its value is dropped, and its
//! memory is returned even if that `Drop` panics (the panic is caught, see
//! `object/unwind`), so no large object is dropped twice.

use std::alloc::{alloc, dealloc, Layout};
use std::ptr::NonNull;

use crate::object::header::Header;
use crate::object::unwind::{drop_object, DeferredPanic};
use crate::space::old::SweepTally;

/// One large object's allocation.
struct LargeObject {
    header: NonNull<Header>,
    layout: Layout,
}

/// All large objects, in allocation order.
pub(crate) struct LargeSpace {
    objects: Vec<LargeObject>,
    /// Bytes held by large objects (dead ones included until swept).
    pub(crate) bytes: usize,
}

impl LargeSpace {
    pub(crate) fn new() -> LargeSpace {
        LargeSpace {
            objects: Vec::new(),
            bytes: 0,
        }
    }

    /// Allocates room for one object; `None` if the system is out of memory.
    pub(crate) fn alloc(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        // SAFETY: every GcBox has a non-zero size (it contains a header).
        let ptr = NonNull::new(unsafe { alloc(layout) })?;
        self.objects.push(LargeObject {
            header: ptr.cast(),
            layout,
        });
        self.bytes += layout.size();
        Some(ptr)
    }

    /// Number of large objects (dead ones included until swept).
    pub(crate) fn len(&self) -> usize {
        self.objects.len()
    }

    /// Sweeps the objects from index `start` for at most `budget` objects:
    /// frees the unmarked ones, clears the mark of the rest. Returns the
    /// tally and the index to resume from (`len()` when done).
    pub(crate) fn sweep(
        &mut self,
        start: usize,
        budget: usize,
        deferred: &mut DeferredPanic,
    ) -> (SweepTally, usize) {
        let mut tally = SweepTally::default();
        let mut index = start;
        while index < self.objects.len() && tally.cells < budget {
            tally.cells += 1;
            let object = &self.objects[index];
            // SAFETY: large objects are initialised from allocation until freed here.
            let header = unsafe { object.header.as_ref() };
            debug_assert!(!header.is_gray(), "gray object at sweep");
            if !header.is_marked_bit() {
                let object = self.objects.swap_remove(index);
                tally.freed_bytes += object.layout.size();
                tally.freed_objects += 1;
                self.bytes -= object.layout.size();
                free(object, deferred);
            } else {
                header.set_marked_bit(false);
                index += 1;
            }
        }
        (tally, index)
    }

    /// The header of every large object (for an index by address).
    pub(crate) fn headers(&self) -> impl Iterator<Item = NonNull<Header>> + '_ {
        self.objects.iter().map(|object| object.header)
    }

    /// Drops and frees every object (the heap is being dropped), catching
    /// panics into `deferred`.
    pub(crate) fn drop_objects(&mut self, deferred: &mut DeferredPanic) {
        self.bytes = 0;
        for object in std::mem::take(&mut self.objects) {
            free(object, deferred);
        }
    }

    /// Frees every object's memory without dropping its value (a poisoned
    /// heap is being dropped: its values are leaked).
    pub(crate) fn leak_objects(&mut self) {
        self.bytes = 0;
        for object in std::mem::take(&mut self.objects) {
            // SAFETY: the pointer and layout are those given to `alloc`, and
            // the object is unlinked, so nothing uses the memory again.
            unsafe { dealloc(object.header.as_ptr().cast(), object.layout) };
        }
    }
}

/// Drops an unlinked large object's value (a panic is caught into
/// `deferred`) and returns its memory.
fn free(object: LargeObject, deferred: &mut DeferredPanic) {
    // SAFETY: the object is initialised and dead or the heap is being
    // dropped, so nothing can observe the value any more; it was unlinked
    // from the list, so it is dropped only here.
    unsafe { drop_object(object.header, deferred) };
    // SAFETY: the pointer and layout are those given to `alloc`.
    unsafe { dealloc(object.header.as_ptr().cast(), object.layout) };
}

impl Drop for LargeSpace {
    fn drop(&mut self) {
        // Empty unless a large space is dropped on its own (see `OldSpace`).
        let mut deferred = DeferredPanic::default();
        self.drop_objects(&mut deferred);
        deferred.resume();
    }
}
