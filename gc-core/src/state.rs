//! The heap's state and the allocation path.
//!
//! `GcState` holds every space and every piece of collector state. During a
//! `mutate` call the program sees it only through `&Mutation`, i.e. `&GcState`,
//! so everything the mutator changes (Eden's bump pointer, the remembered set,
//! the gray-again list, counters) sits in a `Cell`/`RefCell`. Everything else
//! (survivor spaces, the gray stack, the pacer) is touched only at safe points,
//! through `&mut GcState`, by the collector.
//!
//! Allocation (`allocate`) is where an object's life begins:
//! 1. young-eligible objects (at most the large-object threshold, alignment at
//!    most 16) are bump-allocated in Eden with a fresh header;
//! 2. others, and all objects when the young generation is off, take the cold
//!    path into an old-space cell or the large object space. While a major
//!    cycle is marking they are born gray and queued, so the marker scans them
//!    before marking ends (they are live by construction: the program holds them).

use std::alloc::Layout;
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use crate::collector::Phase;
use crate::eden::Eden;
use crate::error::AllocError;
use crate::header::{Colour, GcBox, Header, InfoOf, Space, TypeInfo};
use crate::large::LargeSpace;
use crate::old::{OldSpace, CELL_ALIGN, MAX_CELL_BYTES};
use crate::stash::SharedStash;
use crate::survivor::Survivors;
use crate::trace::Trace;

/// Counters the mutator bumps; folded into the totals at each safe point.
#[derive(Default)]
pub(crate) struct Counters {
    /// Bytes allocated since the last safe point (the GC debt's base).
    pub(crate) bytes_since_safe_point: Cell<usize>,
    /// Objects allocated since the last safe point.
    pub(crate) objects_since_safe_point: Cell<usize>,
    /// Objects re-grayed by the write barrier (whole run).
    pub(crate) barrier_regrays: Cell<u64>,
}

/// Everything a heap owns except its root.
pub(crate) struct GcState {
    /// Whether new objects start young (fixed when the heap is built).
    pub(crate) generational: bool,
    /// The nursery.
    pub(crate) eden: Eden,
    /// Old-generation cells (written by promotion and direct old allocation).
    pub(crate) old: RefCell<OldSpace>,
    /// Large objects.
    pub(crate) large: RefCell<LargeSpace>,
    /// Survivor semispaces (safe points only).
    pub(crate) survivors: Survivors,
    /// The remembered set: old objects that may hold young pointers (I2).
    /// Appended by the barrier, rebuilt by each minor GC.
    pub(crate) remembered: RefCell<Vec<NonNull<Header>>>,
    /// Old objects the barrier re-grayed while marking. As in Lua, they are
    /// rescanned only at mark termination: an object written often (a VM's
    /// stack, a big table) is then scanned once more, not after every write.
    pub(crate) gray_again: RefCell<Vec<NonNull<Header>>>,
    /// Old objects born gray while marking; the next mark step scans them.
    pub(crate) gray_new: RefCell<Vec<NonNull<Header>>>,
    /// The collector's phase (written only by the collector at safe points).
    pub(crate) phase: Cell<Phase>,
    /// The white that means "not reached" in the current or next cycle;
    /// flipped when marking finishes (see `Colour`).
    pub(crate) current_white: Cell<Colour>,
    /// Objects larger than this many bytes go to the large object space.
    pub(crate) large_threshold: Cell<usize>,
    /// Allocation beyond this many bytes since the last safe point exceeds the
    /// hard cap (`usize::MAX` when there is none). Set at each safe point.
    pub(crate) alloc_limit: Cell<usize>,
    /// The hard cap itself, for error messages (`usize::MAX` when none).
    pub(crate) max_heap: Cell<usize>,
    /// `debt_due` turns true once this many bytes were allocated since the last
    /// safe point. Set at each safe point from Eden's room and the pacer.
    pub(crate) debt_limit: Cell<usize>,
    /// Mutator-side counters.
    pub(crate) counters: Counters,
    /// Stashed handles (a root).
    pub(crate) stash: SharedStash,
    /// Outside-heap bytes reported by `Trace` impls at the last full trace.
    pub(crate) external_bytes: Cell<usize>,
    /// Major cycles started (object pools rotate once per cycle).
    pub(crate) cycle: Cell<u64>,
    /// Traversals that settle weak containers (each minor GC and each mark
    /// termination); lets a container skip entries already settled.
    pub(crate) trace_epoch: Cell<u64>,
}

impl GcState {
    pub(crate) fn new(
        generational: bool,
        eden_bytes: usize,
        survivor_bytes: usize,
        large_threshold: usize,
    ) -> GcState {
        GcState {
            generational,
            eden: Eden::new(eden_bytes),
            old: RefCell::new(OldSpace::new()),
            large: RefCell::new(LargeSpace::new()),
            survivors: Survivors::new(survivor_bytes),
            remembered: RefCell::new(Vec::new()),
            gray_again: RefCell::new(Vec::new()),
            gray_new: RefCell::new(Vec::new()),
            phase: Cell::new(Phase::Idle),
            current_white: Cell::new(Colour::White0),
            large_threshold: Cell::new(large_threshold),
            alloc_limit: Cell::new(usize::MAX),
            max_heap: Cell::new(usize::MAX),
            debt_limit: Cell::new(usize::MAX),
            counters: Counters::default(),
            stash: SharedStash::default(),
            external_bytes: Cell::new(0),
            cycle: Cell::new(0),
            trace_epoch: Cell::new(0),
        }
    }

    /// True while a major cycle is marking (the barrier's second job is on).
    #[inline]
    pub(crate) fn is_marking(&self) -> bool {
        self.phase.get() == Phase::Marking
    }

    /// Starts a traversal that settles weak containers; returns its epoch.
    pub(crate) fn next_trace_epoch(&self) -> u64 {
        self.trace_epoch.set(self.trace_epoch.get() + 1);
        self.trace_epoch.get()
    }

    /// True once the program should return to a safe point.
    #[inline]
    pub(crate) fn debt_due(&self) -> bool {
        self.counters.bytes_since_safe_point.get() >= self.debt_limit.get()
    }

    /// Bytes in the heap now: young, old, large, and reported outside bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.young_bytes() + self.old_bytes() + self.external_bytes.get()
    }

    /// Bytes in Eden and the survivor from-space.
    pub(crate) fn young_bytes(&self) -> usize {
        self.eden.used() + self.survivors.occupied().used
    }

    /// Bytes in old cells and large objects.
    pub(crate) fn old_bytes(&self) -> usize {
        self.old.borrow().bytes_in_use + self.large.borrow().bytes
    }

    /// Allocates a managed object holding `value`.
    #[inline]
    pub(crate) fn allocate<T: Trace>(&self, value: T) -> Result<NonNull<GcBox<T>>, AllocError> {
        self.allocate_with(&InfoOf::<T>::INFO, value)
    }

    /// Allocates `value` described by `info` (which must describe `GcBox<T>`).
    #[inline]
    pub(crate) fn allocate_with<T>(
        &self,
        info: &'static TypeInfo,
        value: T,
    ) -> Result<NonNull<GcBox<T>>, AllocError> {
        debug_assert_eq!(info.size, std::mem::size_of::<GcBox<T>>());
        let (ptr, header) = self.reserve(info)?;
        let ptr = ptr.cast::<GcBox<T>>();
        // SAFETY: `reserve` returned fresh, unaliased memory of `info.size`
        // bytes aligned to `info.align`, which is GcBox<T>'s layout.
        unsafe { ptr.as_ptr().write(GcBox { header, value }) };
        self.after_allocate(ptr.cast(), info);
        Ok(ptr)
    }

    /// Finds room for an object and builds its header.
    #[inline]
    fn reserve(&self, info: &'static TypeInfo) -> Result<(NonNull<u8>, Header), AllocError> {
        let counters = &self.counters;
        let since = counters.bytes_since_safe_point.get() + info.size;
        if since > self.alloc_limit.get() {
            return Err(self.heap_limit_error(info.size));
        }
        counters.bytes_since_safe_point.set(since);
        counters
            .objects_since_safe_point
            .set(counters.objects_since_safe_point.get() + 1);
        if self.generational && info.size <= self.large_threshold.get() && info.align <= CELL_ALIGN
        {
            let layout = layout_of(info);
            if let Some(ptr) = self.eden.alloc(layout) {
                return Ok((ptr, Header::new(info, Space::Eden, Colour::White0)));
            }
            return Err(AllocError::OutOfMemory {
                requested: info.size,
            });
        }
        self.reserve_old(info)
    }

    /// The cold path: an old-space cell or a large object.
    #[cold]
    #[inline(never)]
    fn reserve_old(&self, info: &'static TypeInfo) -> Result<(NonNull<u8>, Header), AllocError> {
        let is_large =
            info.size > self.large_threshold.get().min(MAX_CELL_BYTES) || info.align > CELL_ALIGN;
        let (ptr, space) = if is_large {
            (self.large.borrow_mut().alloc(layout_of(info)), Space::Large)
        } else {
            (self.old.borrow_mut().alloc(info.size), Space::Old)
        };
        let ptr = ptr.ok_or(AllocError::OutOfMemory {
            requested: info.size,
        })?;
        let colour = if self.is_marking() {
            Colour::Gray
        } else {
            self.current_white.get()
        };
        Ok((ptr, Header::new(info, space, colour)))
    }

    /// Records what a new object's space needs to know about it.
    #[inline]
    fn after_allocate(&self, object: NonNull<Header>, info: &'static TypeInfo) {
        // SAFETY: the header was just written.
        let header = unsafe { object.as_ref() };
        if header.space() == Space::Eden {
            if info.drop.is_some() {
                self.eden.record_needs_drop(object);
            }
        } else if header.colour() == Colour::Gray {
            self.gray_new.borrow_mut().push(object);
        }
    }

    /// Drops every young object that needs it (the heap is being dropped).
    pub(crate) fn drop_young_objects(&mut self) {
        let eden = self.eden.take_needs_drop();
        crate::evacuate::drop_dead(&eden);
        let (from, to) = self.survivors.split();
        crate::evacuate::drop_dead(&std::mem::take(&mut from.needs_drop));
        crate::evacuate::drop_dead(&std::mem::take(&mut to.needs_drop));
    }

    #[cold]
    fn heap_limit_error(&self, requested: usize) -> AllocError {
        AllocError::HeapLimit {
            requested,
            heap_bytes: self.heap_bytes(),
            max_heap: self.max_heap.get(),
        }
    }
}

/// The layout of a `GcBox` described by `info`.
#[inline]
pub(crate) fn layout_of(info: &TypeInfo) -> Layout {
    // SAFETY: `size` and `align` were taken from a real type's layout
    // (`size_of`/`align_of` of GcBox<T>), so they form a valid Layout.
    unsafe { Layout::from_size_align_unchecked(info.size, info.align) }
}
