//! Drop lists: the young objects whose type needs `Drop`.
//!
//! Freeing a young object costs nothing (Eden and the from-space are reset
//! whole), except for types that own resources: those are recorded on their
//! space's drop list when allocated or copied. After a minor GC every object
//! on the list that was not evacuated (its header is not forwarded) died young
//! and is dropped here.
//!
//! The minor GC calls this only once its bookkeeping is done (remembered set
//! rebuilt), and catches each `Drop`'s panic (`object/unwind`), so Eden and
//! the from-space are still reset and the survivor spaces flipped after one.

use std::ptr::NonNull;

use crate::object::header::Header;
use crate::object::unwind::{drop_object, DeferredPanic};

/// Drops every object on a needs-drop list that was not evacuated (it died
/// young), catching panics into `deferred`. Returns how many were dropped.
pub(crate) fn drop_dead(needs_drop: &[NonNull<Header>], deferred: &mut DeferredPanic) -> usize {
    let mut dropped = 0;
    for &object in needs_drop {
        // SAFETY: objects on a needs-drop list were allocated in Eden or
        // copied into the from-space and have not been freed since.
        let header = unsafe { object.as_ref() };
        if header.is_forwarded() {
            continue;
        }
        // SAFETY: the object was not reached, so it is garbage: nothing can
        // observe it, the list is consumed, and its memory is reset right after.
        if unsafe { drop_object(object, deferred) } {
            dropped += 1;
        }
    }
    dropped
}
