//! Drop lists: the young objects whose type needs `Drop`.
//!
//! Freeing a young object costs nothing (Eden and the from-space are reset
//! whole), except for types that own resources: those are recorded on their
//! space's drop list when allocated or copied. After a minor GC every object
//! on the list that was not evacuated (its header is not forwarded) died young
//! and is dropped here.

use std::ptr::NonNull;

use crate::object::header::Header;

/// Drops every object on a needs-drop list that was not evacuated (it died
/// young). Returns how many were dropped.
pub(crate) fn drop_dead(needs_drop: &[NonNull<Header>]) -> usize {
    let mut dropped = 0;
    for &object in needs_drop {
        // SAFETY: objects on a needs-drop list were allocated in Eden or
        // copied into the from-space and have not been freed since.
        let header = unsafe { object.as_ref() };
        if header.is_forwarded() {
            continue;
        }
        if let Some(drop_fn) = header.info().drop {
            // SAFETY: the object was not reached, so it is garbage: nothing
            // can observe it, and its memory is reset right after.
            unsafe { drop_fn(object) };
            dropped += 1;
        }
    }
    dropped
}
