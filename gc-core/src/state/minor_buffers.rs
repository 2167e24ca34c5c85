//! The work lists a minor GC keeps from one collection to the next.
//!
//! A minor GC builds several lists: the scan list (Cheney's scan pointer),
//! the weak containers it reached, the rebuilt remembered and card sets, the
//! to-space's drop list. Built anew each time, each grows from nothing
//! inside the pause, and the first request of 1 KiB or more makes glibc's
//! `malloc` *consolidate its fastbins*: walk and merge every small chunk the
//! program freed since the last consolidation. A program that frees many
//! small buffers between two minor GCs (an interning table dropping dead
//! symbols' `String`s) then pays for all of them inside the next pause:
//! `malloc_consolidate` and `_int_malloc` were 85% of the samples of
//! `intern`'s 3-4 ms minor GCs. HotSpot and Go keep their collectors' work
//! buffers for the same reason: here each list keeps its capacity, so a
//! minor GC allocates only when it needs more room than every one before.

use std::ptr::NonNull;

use crate::object::header::Header;

/// Emptied lists with their capacity, for the next minor GC (safe points
/// only). Invariant: every list here is empty.
#[derive(Default)]
pub(crate) struct MinorBuffers {
    /// For the scan list.
    pub(crate) scan: Vec<NonNull<Header>>,
    /// For the weak containers reached.
    pub(crate) containers: Vec<NonNull<Header>>,
    /// For the rebuilt remembered set (the last one's list, emptied).
    pub(crate) remembered: Vec<NonNull<Header>>,
    /// For the rebuilt card set (likewise).
    pub(crate) carded: Vec<NonNull<Header>>,
    /// For the to-space's drop list (the from-space's, emptied).
    pub(crate) needs_drop: Vec<NonNull<Header>>,
}

/// `list`, emptied, keeping its capacity.
pub(crate) fn emptied<T>(mut list: Vec<T>) -> Vec<T> {
    list.clear();
    list
}

impl MinorBuffers {
    /// Keeps `list`'s capacity for the next minor GC's weak containers, if
    /// it has more than the one kept.
    pub(crate) fn recycle_containers(&mut self, list: Vec<NonNull<Header>>) {
        if list.capacity() > self.containers.capacity() {
            self.containers = emptied(list);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recycled_list_keeps_its_capacity_and_no_entry() {
        let mut buffers = MinorBuffers::default();
        let list = vec![NonNull::<Header>::dangling(); 300];
        buffers.recycle_containers(list);
        assert!(buffers.containers.is_empty());
        assert!(buffers.containers.capacity() >= 300);
        buffers.recycle_containers(Vec::with_capacity(10));
        assert!(buffers.containers.capacity() >= 300, "the bigger one stays");
    }
}
