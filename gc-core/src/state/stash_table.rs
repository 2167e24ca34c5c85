//! The stash table: the heap's roots that outlive one `mutate` call.
//!
//! Each stashed handle (`api/stash.rs`) owns one slot here. The table is a
//! root, traced at every collection, so a moved object's slot is updated in
//! place; a freed slot goes on a free list for the next stash.
//!
//! The table is a big root when a host stashes many handles, so it is
//! scanned by chunks (`root_log`): a minor GC scans only the chunks that were
//! stashed into since the last one or that still hold a young pointer (I9),
//! and marking shades the table in bounded root jobs, remarking only chunks
//! stashed into after they were shaded (I10). Unstashing needs no scan: a
//! removed root is never visited again.

use std::cell::RefCell;
use std::ptr::NonNull;
use std::rc::Rc;

use crate::object::header::Header;
use crate::object::trace::Tracer;
use crate::state::root_log::{
    chunks_for, prefetch_masked_slots, scan_masked_slots, slots_of, ChunkLog,
};

/// The heap's table of stashed pointers.
#[derive(Default)]
pub(crate) struct StashTable {
    slots: Vec<Option<NonNull<Header>>>,
    free: Vec<usize>,
    /// Which chunks of `slots` a collection must scan.
    log: ChunkLog,
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

    /// A minor GC: evacuates the slots of the chunks that changed or hold a
    /// young pointer. Returns the slots scanned.
    pub(crate) fn scan_minor(&mut self, tracer: &mut Tracer) -> usize {
        let StashTable { slots, log, .. } = self;
        let len = slots.len();
        let mut scanned = 0;
        let first = slots.as_ptr();
        let prefetch = |chunk, mask| prefetch_masked_slots(first, chunk, mask);
        log.minor_prefetching(chunks_for(len), prefetch, |chunk, mask| {
            scan_masked_slots(tracer, chunk, mask, len, |tracer, index| {
                scanned += 1;
                if let Some(slot) = &mut slots[index] {
                    tracer.visit(slot);
                }
            })
        });
        scanned
    }

    /// Mark start: no slot is shaded yet this cycle.
    pub(crate) fn begin_cycle(&mut self) {
        self.log.begin_cycle();
    }

    /// Mark termination is over.
    pub(crate) fn end_cycle(&mut self) {
        self.log.end_cycle();
    }

    /// One root job: shades the next chunk to remark or at the cursor.
    /// Returns the work done and the slots scanned, or `None` when done.
    pub(crate) fn mark_chunk(&mut self, tracer: &mut Tracer) -> Option<(usize, usize)> {
        let len = self.slots.len();
        let (chunk, _) = self.log.next_mark_chunk(chunks_for(len))?;
        let range = slots_of(chunk, len);
        let scanned = range.len();
        for slot in self.slots[range].iter_mut().flatten() {
            tracer.visit(slot);
        }
        Some((scanned * std::mem::size_of::<NonNull<Header>>(), scanned))
    }

    /// Slots touched since the last minor GC (`ChunkLog::touched_slots`).
    pub(crate) fn touched_slots(&self) -> usize {
        self.log.touched_slots()
    }

    /// True while some chunk has not been shaded this cycle.
    pub(crate) fn cursor_pending(&self) -> bool {
        self.log.cursor_pending(chunks_for(self.slots.len()))
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
        let index = self.place(object);
        self.log.touch(index);
        index
    }

    fn place(&mut self, object: NonNull<Header>) -> usize {
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
