//! `RootVec<'gc, T>`: a big root collection that costs what changed.
//!
//! A plain `Vec<Gc<..>>` in the root object needs no write barrier, because
//! the whole root is rescanned at every minor GC, at mark start and at mark
//! termination; with 200,000 entries that makes every minor GC scan 200,000
//! slots. A `RootVec` is a vector whose storage is registered with the heap's
//! root table (`state/root_table.rs`) and cut into chunks of 32 slots
//! (`state/root_log.rs`). Every `&mut` access to a slot touches it (its bit
//! in its chunk's slot mask), which is the root's write barrier:
//!
//! - a minor GC scans only the slots touched since the last one and the
//!   slots that still hold a young pointer (survivors move at every minor GC,
//!   so such a slot is rescanned until it holds none; I9);
//! - marking shades the whole vector as bounded root jobs inside the mark
//!   steps, so mark start costs nothing proportional to it;
//! - mark termination rescans only the chunks touched since they were shaded
//!   (I10).
//!
//! Its contents are roots wherever the `RootVec` lives, as stashed handles are,
//! until it is dropped: keep it in the root object. Reading is through `Deref`
//! to `[T]`; writing through the methods below, which touch the slots they
//! hand out (`slice_mut` touches only the slots of its range).
//!
//! Invariant I4: the collector reaches the storage only at safe points, where
//! no `mutate` call runs, so no reference handed out by a `RootVec` is alive.

use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, Index, IndexMut, Range};
use std::rc::Rc;

use crate::api::gc::Invariant;
use crate::api::mutation::Mutation;
use crate::object::trace::{Trace, TraceMode, Tracer};
use crate::state::root_log::{
    chunks_for, prefetch_masked_slots, scan_masked_slots, slots_of, ChunkLog, CHUNK_SLOTS,
};
use crate::state::root_table::ChunkedRoot;

/// A vector of roots whose minor-GC and marking cost is the chunks that
/// changed, not its length (see the module docs and `docs/embedding.md`,
/// "Big roots").
///
/// ```
/// use gc_core::{Gc, Heap, RootVec, Rootable};
///
/// type Items = Rootable!['gc => RootVec<'gc, Gc<'gc, u64>>];
/// let mut heap = Heap::<Items>::new(|m| RootVec::new(m));
/// heap.mutate_root(|m, items| {
///     for i in 0..1000 {
///         items.push(Gc::new(m, i));
///     }
/// });
/// heap.collect_minor(); // scans the slots pushed into
/// heap.mutate_root(|m, items| items[7] = Gc::new(m, 70)); // touches one slot
/// heap.collect_minor(); // scans that slot only
/// heap.mutate(|_, items| assert_eq!(*items[7], 70));
/// ```
pub struct RootVec<'gc, T: Trace + 'gc> {
    storage: Rc<Storage<T>>,
    _brand: Invariant<'gc>,
}

/// The registered storage: the slots and their chunk log.
struct Storage<T> {
    data: UnsafeCell<Data<T>>,
}

struct Data<T> {
    items: Vec<T>,
    log: ChunkLog,
}

impl<'gc, T: Trace + 'gc> RootVec<'gc, T> {
    /// An empty vector registered with `m`'s heap.
    pub fn new(m: &Mutation<'gc>) -> RootVec<'gc, T> {
        RootVec::with_capacity(m, 0)
    }

    /// An empty vector with room for `capacity` elements.
    pub fn with_capacity(m: &Mutation<'gc>, capacity: usize) -> RootVec<'gc, T> {
        let storage = Rc::new(Storage {
            data: UnsafeCell::new(Data {
                items: Vec::with_capacity(capacity),
                log: ChunkLog::default(),
            }),
        });
        let entry: Rc<dyn ChunkedRoot + 'gc> = storage.clone();
        // SAFETY: only the trait object's lifetime bound changes (same layout).
        // The table calls the entry at safe points only, where the brand has
        // no meaning (as for the root object's own 'static brand in `Heap`),
        // and never after the heap is gone: the table lives in the heap.
        let entry: Rc<dyn ChunkedRoot> = unsafe { std::mem::transmute(entry) };
        m.state().root_table.register(entry);
        RootVec {
            storage,
            _brand: std::marker::PhantomData,
        }
    }

    fn data(&self) -> &Data<T> {
        // SAFETY: the collector touches the storage only at safe points (I4),
        // when this borrow of `self` cannot be alive; the RootVec is the only
        // other user, and it borrows as `self` is borrowed.
        unsafe { &*self.storage.data.get() }
    }

    fn data_mut(&mut self) -> &mut Data<T> {
        // SAFETY: as in `data`, and `&mut self` excludes every other borrow.
        unsafe { &mut *self.storage.data.get() }
    }

    /// Appends `value`.
    pub fn push(&mut self, value: T) {
        let data = self.data_mut();
        data.log.touch(data.items.len());
        data.items.push(value);
    }

    /// Removes the last element. (A removed root needs no scan.)
    pub fn pop(&mut self) -> Option<T> {
        self.data_mut().items.pop()
    }

    /// The element at `index` for writing, or `None` if out of range.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let data = self.data_mut();
        if index < data.items.len() {
            data.log.touch(index);
        }
        data.items.get_mut(index)
    }

    /// Replaces the element at `index`, returning the old one, or gives
    /// `value` back if `index` is out of range.
    pub fn replace(&mut self, index: usize, value: T) -> Result<T, T> {
        match self.get_mut(index) {
            Some(slot) => Ok(std::mem::replace(slot, value)),
            None => Err(value),
        }
    }

    /// The elements in `range` for writing; touches only their chunks.
    ///
    /// # Panics
    /// If `range` is out of bounds, as slicing does.
    pub fn slice_mut(&mut self, range: Range<usize>) -> &mut [T] {
        let data = self.data_mut();
        let len = data.items.len();
        assert!(
            range.start <= range.end && range.end <= len,
            "RootVec::slice_mut: range {range:?} out of bounds for length {len}"
        );
        data.log.touch_range(range.clone());
        &mut data.items[range]
    }

    /// Every element for writing (touches every chunk: the next minor GC
    /// scans them all; prefer `get_mut` or `slice_mut`).
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        let len = self.len();
        self.slice_mut(0..len)
    }

    /// Removes `index`, moving the last element into its place.
    ///
    /// # Panics
    /// If `index` is out of bounds, as `Vec::swap_remove` does.
    pub fn swap_remove(&mut self, index: usize) -> T {
        let data = self.data_mut();
        data.log.touch(index);
        data.items.swap_remove(index)
    }

    /// Inserts `value` at `index`, shifting the rest (touches every chunk
    /// from `index` on).
    ///
    /// # Panics
    /// If `index > len`, as `Vec::insert` does.
    pub fn insert(&mut self, index: usize, value: T) {
        let data = self.data_mut();
        data.items.insert(index, value);
        data.log.touch_range(index..data.items.len());
    }

    /// Removes `index`, shifting the rest (touches every chunk from `index` on).
    ///
    /// # Panics
    /// If `index` is out of bounds, as `Vec::remove` does.
    pub fn remove(&mut self, index: usize) -> T {
        let data = self.data_mut();
        let value = data.items.remove(index);
        data.log.touch_range(index..data.items.len());
        value
    }

    /// Keeps the first `len` elements.
    pub fn truncate(&mut self, len: usize) {
        self.data_mut().items.truncate(len);
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.data_mut().items.clear();
    }

    /// The elements as a slice (also reached through `Deref`).
    pub fn as_slice(&self) -> &[T] {
        &self.data().items
    }

    /// Slots per chunk: the unit a collection scans.
    pub const CHUNK_SLOTS: usize = CHUNK_SLOTS;
}

impl<'gc, T: Trace + 'gc> RootVec<'gc, Option<T>> {
    /// Takes the value out of slot `index`, leaving `None`, or returns `None`
    /// if `index` is out of range. Touches no chunk, as `pop` does not: a
    /// store of `None` puts no pointer in, so a chunk not on the minor list
    /// still holds no young pointer (I9), and one already shaded this cycle
    /// still points only at shaded objects (I10). A purge of a table's dead
    /// entries (`RootMap::retain`) used to dirty every chunk it visited, and
    /// the next minor GC rescanned them all (4.6 ms on intern).
    pub fn take(&mut self, index: usize) -> Option<T> {
        self.data_mut().items.get_mut(index)?.take()
    }
}

impl<'gc, T: Trace + 'gc> Extend<T> for RootVec<'gc, T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            self.push(value);
        }
    }
}

impl<'gc, T: Trace + 'gc> Deref for RootVec<'gc, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<'gc, T: Trace + 'gc> Index<usize> for RootVec<'gc, T> {
    type Output = T;
    fn index(&self, index: usize) -> &T {
        &self.as_slice()[index]
    }
}

impl<'gc, T: Trace + 'gc> IndexMut<usize> for RootVec<'gc, T> {
    /// Touches the element's chunk.
    fn index_mut(&mut self, index: usize) -> &mut T {
        let len = self.len();
        match self.get_mut(index) {
            Some(slot) => slot,
            None => panic!("RootVec index {index} out of bounds for length {len}"),
        }
    }
}

impl<'gc, T: Trace + fmt::Debug + 'gc> fmt::Debug for RootVec<'gc, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'gc, T: Trace + 'gc> Drop for RootVec<'gc, T> {
    fn drop(&mut self) {
        // The contents stop being roots now; the table forgets the empty
        // storage at its next collection.
        let data = self.data_mut();
        data.log = ChunkLog::default();
        drop(std::mem::take(&mut data.items));
    }
}

// SAFETY: evacuation and marking reach the contents through the root table
// (the chunks that changed), so here they visit nothing and the value never
// changes; the heap verifier and snapshots walk every element, each `Gc` once
// and in place, through `T::trace`.
unsafe impl<'gc, T: Trace + 'gc> Trace for RootVec<'gc, T> {
    fn trace(&mut self, tracer: &mut Tracer) {
        match tracer.mode {
            // `FixWeak` rewrites moved edges, which the root table already did.
            TraceMode::Evacuate | TraceMode::Mark | TraceMode::FixWeak => {}
            TraceMode::Verify | TraceMode::Snapshot => {
                for item in self.data_mut().items.iter_mut() {
                    item.trace(tracer);
                }
            }
        }
    }
}

impl<T: Trace> Storage<T> {
    /// The storage, for the collector.
    ///
    /// # Safety
    /// Only at a safe point, by one `ChunkedRoot` method at a time: then no
    /// `RootVec` borrow of the storage is alive (I4) and no other `&mut` is.
    #[allow(clippy::mut_from_ref)]
    unsafe fn data(&self) -> &mut Data<T> {
        // SAFETY: the caller keeps the contract above.
        unsafe { &mut *self.data.get() }
    }
}

impl<T: Trace> ChunkedRoot for Storage<T> {
    fn scan_minor(&self, tracer: &mut Tracer) -> usize {
        // SAFETY: the table calls its entries at safe points, one at a time.
        let Data { items, log } = unsafe { self.data() };
        let len = items.len();
        if !T::NEEDS_TRACE {
            log.minor(chunks_for(len), |_, _| 0);
            return 0;
        }
        let mut scanned = 0;
        let first = items.as_ptr();
        let prefetch = |chunk, mask| prefetch_masked_slots(first, chunk, mask);
        log.minor_prefetching(chunks_for(len), prefetch, |chunk, mask| {
            scan_masked_slots(tracer, chunk, mask, len, |tracer, slot| {
                items[slot].trace(tracer);
                scanned += 1;
            })
        });
        scanned
    }

    fn begin_cycle(&self) {
        // SAFETY: as in `scan_minor`.
        unsafe { self.data() }.log.begin_cycle();
    }

    fn end_cycle(&self) {
        // SAFETY: as in `scan_minor`.
        unsafe { self.data() }.log.end_cycle();
    }

    fn mark_chunk(&self, tracer: &mut Tracer) -> Option<(usize, usize)> {
        // SAFETY: as in `scan_minor`.
        let Data { items, log } = unsafe { self.data() };
        let len = items.len();
        let (chunk, first) = log.next_mark_chunk(chunks_for(len))?;
        let range = slots_of(chunk, len);
        let slots = range.len();
        let before = tracer.external;
        if first && chunk == 0 {
            tracer.external += items.capacity() * std::mem::size_of::<T>();
        }
        if T::NEEDS_TRACE {
            for item in &mut items[range] {
                item.trace(tracer);
            }
        }
        let external = tracer.external - before;
        if !first {
            tracer.external = before; // outside bytes count once per cycle
        }
        Some((slots * std::mem::size_of::<T>().max(1) + external, slots))
    }

    fn cursor_pending(&self) -> bool {
        // SAFETY: as in `scan_minor`.
        let Data { items, log } = unsafe { self.data() };
        log.cursor_pending(chunks_for(items.len()))
    }

    fn touched_slots(&self) -> usize {
        // SAFETY: as in `scan_minor`.
        unsafe { self.data() }.log.touched_slots()
    }
}
