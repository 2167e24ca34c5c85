//! The write barrier: the one hook the mutator must call before a store.
//!
//! One barrier serves both collectors (DESIGN.md, "The safety model"):
//!
//! - **Generational** (invariant I2, "every old object that may hold a young
//!   pointer is in the remembered set"): the first write to an old object sets
//!   its `REMEMBERED` bit and appends it to the remembered set, so a minor GC
//!   finds old-to-young pointers without scanning the old generation. This is
//!   an *object-logging* barrier: it logs the object once, not every store.
//! - **Incremental** (invariant I1, "no black object points to a white one"):
//!   writing a black object while marking turns it gray again and pushes it on
//!   the gray-again list, so the marker rescans it (a Steele-style "backward"
//!   barrier: it retreats the wavefront instead of shading the new target).
//!
//! Fast path: young objects, and old objects that are already remembered and
//! not black, need nothing. It is two loads and a test of one flags word:
//! `flags & OLD == 0 || (flags & REMEMBERED != 0 && colour != Black)`.
//! Everything else takes the `#[cold]` slow path.

use std::ptr::NonNull;

use crate::object::header::{Colour, Header, OLD, REMEMBERED};
use crate::state::GcState;

/// Runs the barrier for a store into the object headed by `object`.
///
/// `object` must carry the provenance of the whole object (it comes from the
/// `Gc`), because the remembered set and the gray list later scan through it.
#[inline]
pub(crate) fn write_barrier(state: &GcState, object: NonNull<Header>) {
    // SAFETY: `object` comes from a live `Gc` of the current `mutate` call (I4).
    let header = unsafe { object.as_ref() };
    let flags = header.flags();
    if flags & OLD == 0 {
        return;
    }
    if flags & REMEMBERED != 0 && header.colour() != Colour::Black {
        return;
    }
    write_barrier_slow(state, object, header);
}

#[cold]
#[inline(never)]
fn write_barrier_slow(state: &GcState, object: NonNull<Header>, header: &Header) {
    if !header.is_remembered() {
        // With the young generation off there is nothing to remember, but the
        // bit still moves the object onto the fast path for later stores.
        header.set_remembered(true);
        if state.generational {
            state.remembered.borrow_mut().push(object);
        }
    }
    if header.colour() == Colour::Black && state.is_marking() {
        header.set_colour(Colour::Gray);
        header.set_rescan(true);
        state.gray_again.borrow_mut().push(object);
        state
            .counters
            .barrier_regrays
            .set(state.counters.barrier_regrays.get() + 1);
    }
}
