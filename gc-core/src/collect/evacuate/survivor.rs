//! Evacuating one survivor (Cheney's copy step, for `evacuate`): where it
//! goes (the to-space with its age + 1, or old space when it is old enough
//! or the to-space is full: **promotion**), the byte copy, the copy's header,
//! and the **forwarding pointer** left in the original.
//!
//! A minor GC does this once per surviving object, so the common case (a
//! small fixed-size object bumped into the to-space's copy buffer,
//! `space/survivor`) is straight-line code that calls nothing but, in tail
//! position, the general path. The edge visitor that calls it, and the scan
//! loop over the copies, are in `evacuate`.

use std::ptr::NonNull;

use super::Evacuation;
use crate::collect::copy::{copy_object, copy_small, SMALL};
use crate::object::header::{Header, Shape, Space, TypeInfo};
use crate::policy::pacer::young::MAX_AGE;
use crate::space::marks::{self, Birth};
use crate::state::layout_for;

/// Copies one young object; returns its new address. The common case, a
/// fixed-size object of up to `SMALL` bytes copied into the to-space's copy
/// buffer, is straight-line code; promotion, unsized or larger objects and a
/// new buffer block take `evacuate_slow`.
#[inline(never)]
pub(super) fn evacuate(evacuation: &mut Evacuation, object: NonNull<Header>) -> NonNull<Header> {
    // SAFETY: a young, unforwarded object reached by the collector is live.
    let header = unsafe { object.as_ref() };
    debug_assert_ne!(header.space(), evacuation.to.space, "edge into to-space");
    let info = header.info();
    let old_age = header.age();
    let size = info.size;
    if !matches!(info.shape, Shape::Fixed) || size > SMALL {
        return evacuate_slow(evacuation, object);
    }
    if old_age >= evacuation.promote_age {
        return promote_small(evacuation, object, info, size);
    }
    let Some(new) = evacuation.to.try_alloc_buffered(layout_for(info, size)) else {
        return evacuate_slow(evacuation, object);
    };
    // The age field has 4 bits: no overflow, and `min` keeps the cap.
    let age = (old_age + 1).min(MAX_AGE);
    evacuation.outcome.survived_bytes += size;
    evacuation.outcome.age_bytes[age as usize] += size;
    // SAFETY: as in `evacuate_slow`; a managed object has at least its
    // 16-byte header, and `size <= SMALL`.
    unsafe { copy_small(object.as_ptr().cast::<u8>(), new.as_ptr(), size) };
    let new = new.cast::<Header>();
    // SAFETY: the copy is a complete, live object now.
    unsafe { new.as_ref() }.set_copied(evacuation.to.space, age);
    header.set_forwarded(new);
    evacuation.outcome.copied_objects += 1;
    // What is left calls other functions only in tail position, so this
    // path needs no callee-saved registers (no prologue and epilogue).
    if info.drop.is_some() {
        return enqueue_young(evacuation, new, info);
    }
    if info.trace.is_some() {
        let scan = &mut evacuation.scan;
        let len = scan.len();
        if len == scan.capacity() {
            return enqueue_young(evacuation, new, info);
        }
        // SAFETY: `len < capacity`: the slot is allocated, and one more
        // element is initialized before the length grows.
        unsafe {
            scan.as_mut_ptr().add(len).write(new);
            scan.set_len(len + 1);
        }
    }
    new
}

/// The end of `evacuate` for a young copy that needs `Drop` (the to-space's
/// drop list) or whose scan list must grow.
#[inline(never)]
fn enqueue_young(
    evacuation: &mut Evacuation,
    new: NonNull<Header>,
    info: &TypeInfo,
) -> NonNull<Header> {
    if info.drop.is_some() {
        evacuation.to.needs_drop.push(new);
    }
    if info.trace.is_some() {
        evacuation.scan.push(new);
    }
    new
}

/// The end of `evacuate` for a small fixed-size object that is promoted:
/// `evacuate_slow`'s work without its size and destination lookups, since
/// promotion (a full survivor space's, or the tenuring threshold's) is
/// the common case of a minor GC whose Eden mostly survives.
#[inline(never)]
fn promote_small(
    evacuation: &mut Evacuation,
    object: NonNull<Header>,
    info: &TypeInfo,
    size: usize,
) -> NonNull<Header> {
    // SAFETY: a young, unforwarded object reached by the collector is live.
    let header = unsafe { object.as_ref() };
    let old_age = header.age();
    let new = evacuation.promote(info, size, old_age);
    // SAFETY: as in `evacuate_slow`; `16 <= size <= SMALL`.
    unsafe { copy_small(object.as_ptr().cast::<u8>(), new.as_ptr(), size) };
    let age = (old_age + 1).min(MAX_AGE);
    finish_copy(evacuation, header, info, new.cast(), Space::Old, age)
}

/// `evacuate` for every object: unsized, over `SMALL` bytes, or the first
/// of a new copy-buffer block.
#[cold]
#[inline(never)]
fn evacuate_slow(evacuation: &mut Evacuation, object: NonNull<Header>) -> NonNull<Header> {
    // SAFETY: a young, unforwarded object reached by the collector is live.
    let header = unsafe { object.as_ref() };
    let info = header.info();
    // HotSpot's rule: an object that has already survived `threshold` minor
    // GCs is promoted; younger ones are copied with their age + 1.
    let age = header.age().saturating_add(1).min(MAX_AGE);
    // SAFETY: the object is live; an unsized one's length is in its body.
    let size = unsafe { info.size_of(object) };
    let (new, space) = evacuation.destination(info, size, header.age(), age);
    // SAFETY: `new` is fresh memory of `size` bytes that does not overlap
    // the live object being copied; both are aligned to a `GcBox`'s 8 bytes.
    unsafe { copy_object(object.as_ptr().cast::<u8>(), new.as_ptr(), size) };
    finish_copy(evacuation, header, info, new.cast(), space, age)
}

/// Makes `new`, just copied from the object headed by `header`, the live
/// copy in `space` with age `age`: its header, the drop list or old space's
/// records, the forwarding pointer, and the scan list.
#[inline(always)]
fn finish_copy(
    evacuation: &mut Evacuation,
    header: &Header,
    info: &TypeInfo,
    new: NonNull<Header>,
    space: Space,
    age: u8,
) -> NonNull<Header> {
    // SAFETY: the copy is a complete, live object now.
    let new_header = unsafe { new.as_ref() };
    new_header.set_copied(space, age);
    if space.is_old() {
        // Promoted while marking: born black, and scanned below so its old
        // children are shaded (I1). Otherwise: white.
        let birth = if evacuation.marking {
            Birth::Black
        } else {
            Birth::White
        };
        marks::born(new, birth);
    } else if info.drop.is_some() {
        evacuation.to.needs_drop.push(new);
    }
    header.set_forwarded(new);
    if info.trace.is_some() {
        evacuation.scan.push(new);
    }
    evacuation.outcome.copied_objects += 1;
    new
}

impl Evacuation<'_> {
    /// Where a surviving object of `size` bytes goes: the to-space (where it
    /// will have age `new_age`), or old space if it has survived `threshold`
    /// minor GCs already (`old_age`) or the to-space is full.
    fn destination(
        &mut self,
        info: &TypeInfo,
        size: usize,
        old_age: u8,
        new_age: u8,
    ) -> (NonNull<u8>, Space) {
        if old_age < self.promote_age {
            let layout = layout_for(info, size);
            if let Some(ptr) = self.to.try_alloc(layout, self.survivor_capacity) {
                self.outcome.survived_bytes += size;
                self.outcome.age_bytes[new_age as usize] += size;
                return (ptr, self.to.space);
            }
            // The to-space overflowed: the rest of this GC's survivors are
            // promoted (HotSpot's promotion on to-space overflow), without
            // trying the full to-space for each.
            self.promote_age = 0;
        }
        (self.promote(info, size, old_age), Space::Old)
    }

    /// An old-space cell for a promoted object of `size` bytes, counted as
    /// promoted (and as premature promotion if it was not old enough).
    #[inline(always)]
    fn promote(&mut self, info: &TypeInfo, size: usize, old_age: u8) -> NonNull<u8> {
        let tenured = self.params.tenure_all;
        if old_age < self.params.tenuring_threshold && !tenured {
            self.outcome.premature_bytes += size;
        }
        // The first cohort's survivors are counted at the end (`age_bytes[1]`).
        if old_age == 0 && !tenured {
            self.outcome.first_cohort_bytes += size;
        }
        self.outcome.promoted_bytes += size;
        match self.old.alloc(size) {
            Some(ptr) => ptr,
            None => std::alloc::handle_alloc_error(layout_for(info, size)),
        }
    }
}
