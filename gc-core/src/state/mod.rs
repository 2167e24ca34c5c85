//! Layer 4, state: the heap's state and the allocation path.
//!
//! `GcState` holds every space and every piece of collector state. During a
//! `mutate` call the program sees it only through `&Mutation`, i.e. `&GcState`,
//! so everything the mutator changes (Eden's bump pointer, the remembered set,
//! the gray-again list, counters) sits in a `Cell`/`RefCell`. Everything else
//! (survivor spaces, the gray stack, the pacer) is touched only at safe points,
//! through `&mut GcState`, by the collector.
//!
//! Allocation (`allocate`) is where an object's life begins (step 3):
//! 1. young-eligible objects (at most 8 KiB and below the large-object
//!    threshold, alignment at most 16) are bump-allocated in Eden with a
//!    fresh header;
//! 2. others, and all objects when the young generation is off, take the cold
//!    path: objects of at least the large-object threshold, over 8 KiB or
//!    aligned to more than 16 go to the large object space, the rest to an
//!    old-space cell (so with the young generation on, cells are filled only
//!    by promotion). While a major
//!    cycle is marking they are born gray and queued, so the marker scans them
//!    before marking ends (they are live by construction: the program holds them).

pub(crate) mod alloc_profile;
mod alloc_unsized;
pub(crate) mod error;
pub(crate) mod external;
pub(crate) mod minor_buffers;
pub(crate) mod phase;
pub(crate) mod pretenure;
pub(crate) mod root_log;
pub(crate) mod root_table;
pub(crate) mod stash_table;

use std::alloc::Layout;
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use crate::object::header::{GcBox, Header, InfoOf, Space, TypeInfo};
use crate::object::trace::Trace;
use crate::object::unwind::DeferredPanic;
use crate::space::drop_list::DropQueue;
use crate::space::eden::Eden;
use crate::space::large::LargeSpace;
use crate::space::marks::{self, Birth};
use crate::space::old::{OldSpace, CELL_ALIGN, MAX_CELL_BYTES};
use crate::space::survivor::Survivors;
use crate::state::alloc_profile::{AllocProfile, DEFAULT_PROFILE_RATE};
use crate::state::error::AllocError;
use crate::state::phase::Phase;
use crate::state::stash_table::SharedStash;

/// Counters the mutator bumps; folded into the totals at each safe point.
#[derive(Default)]
pub(crate) struct Counters {
    /// Bytes allocated in old or large space since the last safe point
    /// (young bytes are read off Eden's bump pointer).
    pub(crate) old_bytes_since_safe_point: Cell<usize>,
    /// Objects allocated since the last safe point.
    pub(crate) objects_since_safe_point: Cell<usize>,
    /// Objects re-grayed by the write barrier (whole run).
    pub(crate) barrier_regrays: Cell<u64>,
    /// Cards of old arrays the barrier turned dirty since the last minor GC
    /// (with the remembered set's length, what the next minor GC scans).
    pub(crate) cards_dirtied: Cell<usize>,
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
    /// Young arenas retired by minor GCs whose dead objects are still to be
    /// dropped (safe points only; `space/drop_list`).
    pub(crate) young_drops: DropQueue,
    /// The remembered set: old objects that may hold young pointers (I2).
    /// Appended by the barrier, rebuilt by each minor GC.
    pub(crate) remembered: RefCell<Vec<NonNull<Header>>>,
    /// The card remembered set: old managed arrays with dirty cards (I2 for
    /// arrays, `collect/cards.rs`). Appended by the indexed barrier, rebuilt
    /// by each minor GC.
    pub(crate) carded: RefCell<Vec<NonNull<Header>>>,
    /// The minor GC's work lists, kept with their capacity (safe points only).
    pub(crate) minor_buffers: minor_buffers::MinorBuffers,
    /// Old objects the barrier re-grayed while marking. As in Lua, they wait
    /// until the gray stack is empty: an object written often (a VM's stack,
    /// a big table) is then scanned once more, not after every write. The
    /// mark step that empties the gray stack rescans them within its budget,
    /// and termination those re-grayed since.
    pub(crate) gray_again: RefCell<Vec<NonNull<Header>>>,
    /// Old objects born gray while marking; the next mark step scans them.
    pub(crate) gray_new: RefCell<Vec<NonNull<Header>>>,
    /// The collector's phase (written only by the collector at safe points).
    pub(crate) phase: Cell<Phase>,
    /// Objects of at least this many bytes go to the large object space
    /// (`set_large_threshold`).
    large_threshold: Cell<usize>,
    /// Objects of fewer bytes take the young fast path with no other check:
    /// the large-object threshold, or 0 in a heap without a young generation
    /// or while any site is pretenured (every allocation then takes the
    /// checked path). One comparison instead of three on the hot path.
    young_below: Cell<usize>,
    /// Allocation beyond this many bytes since the last safe point exceeds the
    /// hard cap (`usize::MAX` when there is none). Set at each safe point.
    pub(crate) alloc_limit: Cell<usize>,
    /// The same cap as a bound on Eden's `used` bytes, so the young path
    /// checks it with one comparison. Set at each safe point, lowered by old
    /// allocations.
    pub(crate) young_limit: Cell<usize>,
    /// Eden's `used` bytes at the last safe point.
    pub(crate) eden_used_at_safe_point: Cell<usize>,
    /// The hard cap itself, for error messages (`usize::MAX` when none).
    pub(crate) max_heap: Cell<usize>,
    /// `debt_due` turns true once this many bytes were allocated since the last
    /// safe point. Set at each safe point from Eden's room and the pacer.
    pub(crate) debt_limit: Cell<usize>,
    /// While marking below the goal, the assist debt is charged in paced
    /// bytes, and the only paced bytes the mutator adds are old and large
    /// allocations: once this many were made since the last safe point, the
    /// old path drops `debt_limit` to 0 so `debt_due` asks the program back.
    /// Set at each safe point (`usize::MAX` when not marking).
    pub(crate) old_debt_limit: Cell<usize>,
    /// Mutator-side counters.
    pub(crate) counters: Counters,
    /// Stashed handles (a root).
    pub(crate) stash: SharedStash,
    /// Root containers (`RootVec`s), scanned by the chunks that changed.
    pub(crate) root_table: crate::state::root_table::RootTable,
    /// Outside-heap bytes reported by `Trace` impls at the last full trace,
    /// plus those reported by the program (`reported_external`).
    pub(crate) external_bytes: Cell<usize>,
    /// Outside-heap bytes the program reported with
    /// `Mutation::report_external` and has not released (`external`). Part of
    /// `external_bytes`; kept across collections, which cannot measure them.
    pub(crate) reported_external: Cell<usize>,
    /// Major cycles started (object pools rotate once per cycle).
    pub(crate) cycle: Cell<u64>,
    /// Traversals that settle weak containers (each minor GC and each mark
    /// termination); lets a container skip entries already settled.
    pub(crate) trace_epoch: Cell<u64>,
    /// Allocation sampling and sites for heap profiles (`alloc_profile`).
    pub(crate) profile: AllocProfile,
    /// Survival per allocation site, and the sites allocated old (`pretenure`).
    pub(crate) pretenure: pretenure::Pretenure,
    /// The first panic caught from user code (a `Drop`, the cycle callback)
    /// during the collection in progress; written at safe points, resumed
    /// and emptied by the heap when the collection's public call ends.
    pub(crate) deferred_panic: DeferredPanic,
}

impl GcState {
    pub(crate) fn new(
        generational: bool,
        eden_bytes: usize,
        survivor_bytes: usize,
        large_threshold: usize,
    ) -> GcState {
        let state = GcState {
            generational,
            eden: Eden::new(eden_bytes),
            old: RefCell::new(OldSpace::new()),
            large: RefCell::new(LargeSpace::new()),
            survivors: Survivors::new(survivor_bytes),
            young_drops: DropQueue::default(),
            remembered: RefCell::new(Vec::new()),
            carded: RefCell::new(Vec::new()),
            minor_buffers: Default::default(),
            gray_again: RefCell::new(Vec::new()),
            gray_new: RefCell::new(Vec::new()),
            phase: Cell::new(Phase::Idle),
            large_threshold: Cell::new(large_threshold),
            young_below: Cell::new(0),
            alloc_limit: Cell::new(usize::MAX),
            young_limit: Cell::new(usize::MAX),
            eden_used_at_safe_point: Cell::new(0),
            max_heap: Cell::new(usize::MAX),
            debt_limit: Cell::new(usize::MAX),
            old_debt_limit: Cell::new(usize::MAX),
            counters: Counters::default(),
            stash: SharedStash::default(),
            root_table: Default::default(),
            external_bytes: Cell::new(0),
            reported_external: Cell::new(0),
            cycle: Cell::new(0),
            trace_epoch: Cell::new(0),
            profile: AllocProfile::default(),
            pretenure: pretenure::Pretenure::default(),
            deferred_panic: DeferredPanic::default(),
        };
        state.refresh_young_below();
        state.with_profile_rate(DEFAULT_PROFILE_RATE)
    }

    fn with_profile_rate(self, rate: usize) -> GcState {
        self.profile.set_rate(rate, 0);
        self
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
        self.bytes_since_safe_point() >= self.debt_limit.get()
    }

    /// Bytes in the heap now: young, old, large, and reported outside bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.young_bytes() + self.old_bytes() + self.external_bytes.get()
    }

    /// Bytes the heap holds from the system: the arenas, the old-space
    /// blocks and the large objects.
    pub(crate) fn committed_bytes(&self) -> usize {
        let old = self.old.borrow().committed() + self.large.borrow().bytes;
        let young = self.eden.committed() + self.survivors.committed();
        young + self.young_drops.committed() + old
    }

    /// The bytes the pacer steers: the old generation, the survivors and the
    /// reported outside bytes. Eden is left out: it is emptied by minor GCs,
    /// not by major cycles, and its size is set by its own knob (it counts
    /// against the memory limit as overhead, through `committed_bytes`).
    pub(crate) fn paced_bytes(&self) -> usize {
        self.old_bytes() + self.survivors.occupied().used + self.external_bytes.get()
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
    ///
    /// The young path is the hot path: with the size, alignment and need for
    /// `Drop` known at compile time, it is one size test against
    /// `young_below` (which folds the young generation, the large-object
    /// threshold and pretenuring into one number), one bounds check against
    /// `young_limit`, Eden's pointer bump, the header and value writes, and
    /// one counter increment.
    #[inline]
    pub(crate) fn allocate_with<T>(
        &self,
        info: &'static TypeInfo,
        value: T,
    ) -> Result<NonNull<GcBox<T>>, AllocError> {
        debug_assert_eq!(info.size, std::mem::size_of::<GcBox<T>>());
        let layout = Layout::new::<GcBox<T>>();
        let young_shape = layout.size() <= MAX_CELL_BYTES && layout.align() <= CELL_ALIGN;
        if !(young_shape && layout.size() < self.young_below.get()) {
            return self.allocate_checked(info, value);
        }
        self.allocate_young(info, value)
    }

    /// Bump-allocates in Eden. The one check of the fast path: the hard heap
    /// cap and the next allocation sample both lower `young_limit` (see
    /// `alloc_profile`).
    #[inline(always)]
    fn allocate_young<T>(
        &self,
        info: &'static TypeInfo,
        value: T,
    ) -> Result<NonNull<GcBox<T>>, AllocError> {
        let layout = Layout::new::<GcBox<T>>();
        if self.eden.used() + layout.size() > self.young_limit.get() {
            return self.allocate_young_cold(info, value);
        }
        self.bump_young(info, value)
    }

    /// Bumps Eden's pointer and writes the new object there.
    #[inline(always)]
    fn bump_young<T>(
        &self,
        info: &'static TypeInfo,
        value: T,
    ) -> Result<NonNull<GcBox<T>>, AllocError> {
        let layout = Layout::new::<GcBox<T>>();
        let ptr = self
            .eden
            .alloc(layout)
            .ok_or(AllocError::OutOfMemory {
                requested: layout.size(),
            })?
            .cast::<GcBox<T>>();
        self.init_young(ptr, info, value);
        Ok(ptr)
    }

    /// The allocation path past the fast path's one size test: old space
    /// (no young generation, or too large or aligned for a cell), a
    /// pretenured site, or the young path of a heap with pretenured sites.
    #[inline(never)]
    fn allocate_checked<T>(
        &self,
        info: &'static TypeInfo,
        value: T,
    ) -> Result<NonNull<GcBox<T>>, AllocError> {
        let layout = Layout::new::<GcBox<T>>();
        let young_shape = layout.size() <= MAX_CELL_BYTES && layout.align() <= CELL_ALIGN;
        if !(young_shape && self.takes_young(layout.size())) {
            return self.allocate_old(info, value);
        }
        if self.pretenure.may_pretenure(info) {
            return self.allocate_pretenured(info, value);
        }
        self.allocate_young(info, value)
    }

    /// True if an object of `size` bytes (of a cell's shape) starts young.
    pub(crate) fn takes_young(&self, size: usize) -> bool {
        self.generational && size < self.large_threshold.get()
    }

    /// The large-object threshold (`Config::large_object_threshold`).
    pub(crate) fn large_threshold(&self) -> usize {
        self.large_threshold.get()
    }

    /// Sets the large-object threshold.
    pub(crate) fn set_large_threshold(&self, bytes: usize) {
        self.large_threshold.set(bytes);
        self.refresh_young_below();
    }

    /// Turns pretenuring on or off (`Config::pretenuring`).
    pub(crate) fn set_pretenuring(&self, enabled: bool) {
        self.pretenure.set_enabled(enabled);
        self.refresh_young_below();
    }

    /// Judges the pretenuring samples at a minor GC (`Pretenure::judge`).
    pub(crate) fn judge_pretenuring(&self, overflowing: bool, representative: bool) {
        self.pretenure.judge(overflowing, representative);
        self.refresh_young_below();
    }

    /// Recomputes `young_below` from what it summarizes.
    fn refresh_young_below(&self) {
        let fast = self.generational && !self.pretenure.any_pretenured();
        let below = if fast { self.large_threshold.get() } else { 0 };
        self.young_below.set(below);
    }

    /// Writes a new young object into fresh Eden memory `ptr`.
    #[inline(always)]
    fn init_young<T>(&self, ptr: NonNull<GcBox<T>>, info: &'static TypeInfo, value: T) {
        let header = Header::new(info, Space::Eden);
        // SAFETY: Eden returned fresh, unaliased memory with GcBox<T>'s layout.
        unsafe { ptr.as_ptr().write(GcBox { header, value }) };
        if std::mem::needs_drop::<T>() {
            self.eden.record_needs_drop(ptr.cast());
        }
        let objects = &self.counters.objects_since_safe_point;
        objects.set(objects.get() + 1);
    }

    /// The young path's cold side: `young_limit` was reached, either the
    /// hard heap cap (an error) or the next allocation sample.
    #[cold]
    #[inline(never)]
    fn allocate_young_cold<T>(
        &self,
        info: &'static TypeInfo,
        value: T,
    ) -> Result<NonNull<GcBox<T>>, AllocError> {
        let layout = Layout::new::<GcBox<T>>();
        if self.eden.used() + layout.size() > self.profile.cap_young_limit.get() {
            return Err(self.heap_limit_error(layout.size()));
        }
        let ptr = self.bump_young(info, value)?;
        self.sample_if_due(ptr.cast(), info);
        self.pretenure_sample_if_due(ptr.cast(), info);
        Ok(ptr)
    }

    /// Takes an allocation sample of the new object at `object` if the
    /// sampler's gap is used up, and stops the young path at the next one.
    fn sample_if_due(&self, object: NonNull<Header>, info: &'static TypeInfo) {
        let profile = &self.profile;
        if profile.rate.get() == 0 {
            return;
        }
        let allocated = self.bytes_since_safe_point();
        if profile.fold(allocated) == 0 {
            // The sample is keyed by the object's identity hash, assigned now
            // from the one counter every identity hash comes from (unique).
            // SAFETY: the object was just written and is not yet shared.
            let hash = unsafe { object.as_ref() }.identity_hash();
            // SAFETY: as above; an unsized object's length is written.
            let size = unsafe { info.size_of(object) };
            profile.record((info.name)(), size, allocated, hash);
        }
        self.arm_sampling();
    }

    /// Sets `young_limit` to stop at the next sample, below the hard cap's
    /// bound `cap_young_limit`.
    pub(crate) fn arm_sampling(&self) {
        let profile = &self.profile;
        let cap = profile.cap_young_limit.get();
        let limit = if profile.rate.get() == 0 {
            cap
        } else {
            let remaining = profile.fold(self.bytes_since_safe_point());
            cap.min(self.eden.used().saturating_add(remaining))
        };
        self.young_limit
            .set(limit.min(self.pretenure.next_sample_at()));
    }

    /// The safe point opens: counts what was allocated against the sampler's
    /// gap before the allocation counters are reset.
    pub(crate) fn fold_sampling(&self) {
        self.profile.fold(self.bytes_since_safe_point());
    }

    /// The safe point closes: `young_limit` was just set from the hard cap;
    /// keep it as the cap's bound and lower it to the next sample.
    pub(crate) fn rearm_sampling(&self) {
        self.profile.cap_young_limit.set(self.young_limit.get());
        self.profile.rebase(self.bytes_since_safe_point());
        self.arm_sampling();
    }

    /// Changes the sampling rate (0 = off, 1 = every allocation).
    pub(crate) fn set_profile_rate(&self, rate: usize) {
        self.profile.set_rate(rate, self.bytes_since_safe_point());
        self.arm_sampling();
    }

    /// The cold path: an old-space cell or a large object. While marking, the
    /// object is born gray and queued for the marker (see the module docs).
    #[cold]
    #[inline(never)]
    fn allocate_old<T>(
        &self,
        info: &'static TypeInfo,
        value: T,
    ) -> Result<NonNull<GcBox<T>>, AllocError> {
        let size = info.size;
        if self.bytes_since_safe_point() + size > self.alloc_limit.get() {
            return Err(self.heap_limit_error(size));
        }
        let is_large =
            size >= self.large_threshold() || size > MAX_CELL_BYTES || info.align > CELL_ALIGN;
        let (ptr, space) = if is_large {
            (self.large.borrow_mut().alloc(layout_of(info)), Space::Large)
        } else {
            (self.old.borrow_mut().alloc(size), Space::Old)
        };
        let ptr = ptr
            .ok_or(AllocError::OutOfMemory { requested: size })?
            .cast::<GcBox<T>>();
        let birth = if self.is_marking() {
            Birth::Gray
        } else if is_large && self.phase.get() == Phase::Sweeping {
            // Keeps the large sweeper, still walking the list, off it.
            Birth::Black
        } else {
            Birth::White
        };
        // SAFETY: fresh, unaliased memory of at least GcBox<T>'s size, and
        // aligned for it (cells are 16-aligned and only types aligned to at
        // most 16 get cells; large objects use the exact layout).
        unsafe {
            ptr.as_ptr().write(GcBox {
                header: Header::new(info, space),
                value,
            })
        };
        marks::born(ptr.cast(), birth);
        if birth == Birth::Gray {
            // Allocated black: its bytes are not marked-reachable (the
            // marker counts only objects without the rescan bit).
            // SAFETY: the header was just written.
            unsafe { ptr.cast::<Header>().as_ref() }.set_rescan(true);
            self.gray_new.borrow_mut().push(ptr.cast());
        }
        if self.generational && info.trace.is_some() {
            // Born old, its initial value may already hold young pointers:
            // remember it, as the barrier would (I2). The next minor GC
            // forgets it again if it holds none.
            // SAFETY: the header was just written.
            unsafe { ptr.cast::<Header>().as_ref() }.set_remembered(true);
            self.remembered.borrow_mut().push(ptr.cast());
        }
        let counters = &self.counters;
        counters
            .old_bytes_since_safe_point
            .set(counters.old_bytes_since_safe_point.get() + size);
        if counters.old_bytes_since_safe_point.get() >= self.old_debt_limit.get() {
            self.debt_limit.set(0); // a quantum of assist debt is due
        }
        counters
            .objects_since_safe_point
            .set(counters.objects_since_safe_point.get() + 1);
        self.young_limit
            .set(self.young_limit.get().saturating_sub(size));
        let cap = &self.profile.cap_young_limit;
        cap.set(cap.get().saturating_sub(size));
        self.sample_if_due(ptr.cast(), info);
        Ok(ptr)
    }

    /// Bytes allocated since the last safe point (young and old).
    pub(crate) fn bytes_since_safe_point(&self) -> usize {
        let young = self
            .eden
            .used()
            .saturating_sub(self.eden_used_at_safe_point.get());
        young + self.counters.old_bytes_since_safe_point.get()
    }

    /// Drops every object that needs it, young, old and large (the heap is
    /// being dropped), catching each panic into `deferred`: every object is
    /// dropped exactly once even if some `Drop`s panic.
    pub(crate) fn drop_objects(&mut self, deferred: &mut DeferredPanic) {
        use crate::space::drop_list::drop_dead;
        self.young_drops.drain(deferred, false);
        let eden = self.eden.take_needs_drop();
        drop_dead(&eden, deferred);
        let (from, to) = self.survivors.split();
        drop_dead(&std::mem::take(&mut from.needs_drop), deferred);
        drop_dead(&std::mem::take(&mut to.needs_drop), deferred);
        self.old.get_mut().drop_objects(deferred);
        self.large.get_mut().drop_objects(deferred);
    }

    /// Forgets every object without dropping it, returning only the memory
    /// (a poisoned heap is being dropped: its objects may be half-copied, so
    /// running their destructors could drop a value twice).
    pub(crate) fn leak_objects(&mut self) {
        self.young_drops.leak();
        self.eden.take_needs_drop();
        let (from, to) = self.survivors.split();
        from.needs_drop.clear();
        to.needs_drop.clear();
        self.old.get_mut().leak_objects();
        self.large.get_mut().leak_objects();
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

/// The layout of one object of `size` bytes (`TypeInfo::size_of`) of the
/// type `info` describes.
#[inline]
pub(crate) fn layout_for(info: &TypeInfo, size: usize) -> Layout {
    // SAFETY: `size` is the size of an object that was allocated with this
    // alignment (a valid Layout when it was allocated), so it is one still.
    unsafe { Layout::from_size_align_unchecked(size, info.align) }
}

#[cfg(test)]
mod tests;
