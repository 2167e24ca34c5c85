//! Allocating objects whose size is known only at run time (step 3 for
//! unsized payloads: `Gc<str>`, `Gc<[T]>`, `WithTail`, managed arrays).
//!
//! The rule that picks a space is the sized path's (`allocate_with`): by the
//! object's size, young if it is small enough, else an old cell or the large
//! object space. Allocation is split in two so that building the value can
//! run user code (`Clone`, an iterator) without the collector ever seeing a
//! half-built object:
//!
//! 1. [`GcState::allocate_unsized`] takes the memory and writes a header with
//!    a length of 0, so the object is valid (empty) from the start; the
//!    caller then writes the value, raising the length as elements land.
//!    If that panics, the object stays a valid, shorter, unreachable one.
//! 2. [`GcState::publish_unsized`] registers the finished object where the
//!    sized path registers a new object at once: Eden's drop list, the
//!    remembered set (born old, I2), the marker's new-gray list (born while
//!    marking, I1), and the allocation sampler.

use std::alloc::Layout;
use std::ptr::NonNull;

use crate::object::header::{Header, Space, TypeInfo};
use crate::object::shape::LEN_OFFSET;
use crate::space::marks::{self, Birth};
use crate::space::old::{CELL_ALIGN, MAX_CELL_BYTES};
use crate::state::error::AllocError;
use crate::state::phase::Phase;
use crate::state::GcState;

/// An allocated, not yet published unsized object.
pub(crate) struct Unpublished {
    /// The object's header.
    pub(crate) object: NonNull<Header>,
    /// Its size in bytes once fully built.
    size: usize,
    /// True if the allocation sampler's gap ran out on this object.
    sample_due: bool,
}

impl GcState {
    /// Takes `size` bytes for an object of `info`'s type and writes its
    /// header and a length word of 0 (step 1 in the module docs).
    ///
    /// # Requires
    /// `info`'s shape is not `Fixed`, `size` is at least `info.size`, and
    /// `info.align` is a power of two.
    pub(crate) fn allocate_unsized(
        &self,
        info: &'static TypeInfo,
        size: usize,
    ) -> Result<Unpublished, AllocError> {
        debug_assert!(size >= info.size && size >= LEN_OFFSET + 8);
        let layout = Layout::from_size_align(size, info.align)
            .map_err(|_| AllocError::OutOfMemory { requested: size })?;
        let young_shape = size <= MAX_CELL_BYTES && info.align <= CELL_ALIGN;
        let (ptr, space, sample_due) = if young_shape && self.takes_young(size) {
            if self.eden.used() + size > self.profile.cap_young_limit.get() {
                return Err(self.heap_limit_error(size));
            }
            let sample_due = self.eden.used() + size > self.young_limit.get();
            let ptr = self
                .eden
                .alloc(layout)
                .ok_or(AllocError::OutOfMemory { requested: size })?;
            (ptr, Space::Eden, sample_due)
        } else {
            self.allocate_unsized_old(info, layout)?
        };
        let object = ptr.cast::<Header>();
        // SAFETY: fresh, unaliased memory of `size` >= LEN_OFFSET + 8 bytes,
        // aligned to at least 8 (the header's alignment divides info.align).
        unsafe {
            object.as_ptr().write(Header::new(info, space));
            ptr.as_ptr().add(LEN_OFFSET).cast::<usize>().write(0);
        }
        if space != Space::Eden {
            self.born_unsized(object, space);
        }
        let objects = &self.counters.objects_since_safe_point;
        objects.set(objects.get() + 1);
        Ok(Unpublished {
            object,
            size,
            sample_due,
        })
    }

    /// The old side of `allocate_unsized`: an old cell or a large object,
    /// counted as the sized cold path counts it; `born_unsized` gives it its
    /// mark state once the header is written.
    fn allocate_unsized_old(
        &self,
        info: &'static TypeInfo,
        layout: Layout,
    ) -> Result<(NonNull<u8>, Space, bool), AllocError> {
        let size = layout.size();
        if self.bytes_since_safe_point() + size > self.alloc_limit.get() {
            return Err(self.heap_limit_error(size));
        }
        let is_large =
            size >= self.large_threshold() || size > MAX_CELL_BYTES || info.align > CELL_ALIGN;
        let (ptr, space) = if is_large {
            (self.large.borrow_mut().alloc(layout), Space::Large)
        } else {
            (self.old.borrow_mut().alloc(size), Space::Old)
        };
        let ptr = ptr.ok_or(AllocError::OutOfMemory { requested: size })?;
        let counters = &self.counters;
        counters
            .old_bytes_since_safe_point
            .set(counters.old_bytes_since_safe_point.get() + size);
        self.young_limit
            .set(self.young_limit.get().saturating_sub(size));
        let cap = &self.profile.cap_young_limit;
        cap.set(cap.get().saturating_sub(size));
        Ok((ptr, space, true))
    }

    /// Gives a new old or large object its mark state, as `allocate_old`
    /// does for sized ones: gray and queued while marking (allocated black,
    /// so not counted as marked-reachable), black for a large object born
    /// while sweeping, else unmarked. Done at allocation, before the elements
    /// are written, so that a panicking element constructor leaves an object
    /// that the sweeper still drops (its `drop` bit is set here).
    fn born_unsized(&self, object: NonNull<Header>, space: Space) {
        let birth = if self.is_marking() {
            Birth::Gray
        } else if space == Space::Large && self.phase.get() == Phase::Sweeping {
            Birth::Black
        } else {
            Birth::White
        };
        marks::born(object, birth);
        if birth == Birth::Gray {
            // SAFETY: the header was just written.
            unsafe { object.as_ref() }.set_rescan(true);
            self.gray_new.borrow_mut().push(object);
        }
    }

    /// Registers a fully built object (step 2 in the module docs).
    ///
    /// # Requires
    /// The object's value is fully written and its length word final, so
    /// that `info.size_of` is the size it was allocated with.
    pub(crate) fn publish_unsized(&self, new: Unpublished) -> NonNull<Header> {
        let object = new.object;
        // SAFETY: the header was written by `allocate_unsized`.
        let header = unsafe { object.as_ref() };
        let info = header.info();
        // SAFETY: the object is live and its length final.
        debug_assert_eq!(unsafe { info.size_of(object) }, new.size);
        if header.is_old() {
            if self.generational && info.trace.is_some() {
                // Born old, its value may already hold young pointers (I2).
                header.set_remembered(true);
                self.remembered.borrow_mut().push(object);
            }
        } else if info.drop.is_some() {
            self.eden.record_needs_drop(object);
        }
        if new.sample_due {
            self.sample_if_due(object, info);
        }
        object
    }
}
