//! Heap snapshots for the program: `Heap::snapshot` and `Heap::walk_snapshot`.
//!
//! A snapshot is taken at a safe point (the methods take `&mut Heap`, so no
//! `mutate` call is running): every object reachable from the root and the
//! stash, with its id, type, space, colour, age, size and edges (see
//! `collect/snapshot.rs` for what each field means). Heap dumps, retaining
//! paths and in-use profiles are built on the streaming form.

use crate::api::heap::Heap;
use crate::api::root::{Root, Rootable};
use crate::collect::snapshot::{walk_snapshot, HeapSnapshot, SnapshotVisitor};
use crate::object::trace::Trace;

impl<R> Heap<R>
where
    R: for<'a> Rootable<'a>,
    Root<'static, R>: Trace,
{
    /// The whole object graph now: every reachable object, the root's edges
    /// and the stash entries. Objects are listed breadth first from the roots.
    pub fn snapshot(&mut self) -> HeapSnapshot {
        let mut snapshot = HeapSnapshot::default();
        self.walk_snapshot(&mut snapshot);
        snapshot
    }

    /// Streams the object graph to `visitor`: root edges, stash entries, then
    /// each object once. Needs memory for one id per object, not a copy of
    /// the objects, so it suits dumping large heaps.
    pub fn walk_snapshot(&mut self, visitor: &mut dyn SnapshotVisitor) {
        self.with_named_roots(|_, state, roots| walk_snapshot(state, roots, visitor));
    }
}
