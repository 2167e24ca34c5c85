//! Unwinding through the collector: user destructors whose panics are held back.
//!
//! A collection runs user code: the `Drop` of every dead object that needs it
//! (a minor GC's drop lists, the old-space and large-object sweeps, dropping
//! the heap), the values an ephemeron table discards, and the cycle callback.
//! If such a panic unwound through the collector, it would leave the heap
//! half-updated: a dead cell whose allocation bit is not yet cleared (and dropped again by
//! the next sweep step), or a minor GC's copies in a to-space the heap does
//! not yet treat as live. So the collector runs each piece of user code
//! through [`DeferredPanic::catch`], finishes its bookkeeping, and only when
//! the heap is consistent again (the end of the public call that collected)
//! resumes the first panic caught. Later panics of the same call are dropped.
//!
//! The rule that makes this sound: drop glue runs at most once per object.
//! A value whose drop glue panicked counts as dropped (Rust still drops its
//! remaining fields while unwinding), and its cell is freed as if the drop
//! had returned; nothing ever runs that object's drop glue again.
//!
//! A panic is never resumed while the thread is already unwinding (a heap
//! dropped during another panic): unwinding out of a destructor then would
//! abort the process, so the caught payload is dropped instead.
//!
//! `Trace` impls are not caught here: a panic in the middle of a traversal
//! cannot be finished for the user, so it poisons the heap (`api/heap.rs`).

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use crate::object::header::Header;

/// A caught panic's payload.
type Payload = Box<dyn Any + Send + 'static>;

/// The first panic caught from user code since the last resume.
///
/// Written by the collector while it runs user code at a safe point; emptied
/// by [`DeferredPanic::resume`] at the end of the public call.
#[derive(Default)]
pub(crate) struct DeferredPanic {
    /// The first payload caught; resumed later.
    first: Option<Payload>,
}

impl DeferredPanic {
    /// Runs `f` (user code), catching a panic. Returns `None` if it panicked.
    ///
    /// `AssertUnwindSafe` is justified by the callers: after a panic they
    /// never look at the state `f` was changing (a value being dropped, a
    /// callback's captures) except to free its memory.
    pub(crate) fn catch<R>(&mut self, f: impl FnOnce() -> R) -> Option<R> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(value) => Some(value),
            Err(payload) => {
                if self.first.is_none() {
                    self.first = Some(payload);
                } else {
                    discard(payload);
                }
                None
            }
        }
    }

    /// True if a panic is waiting to be resumed.
    #[cfg(test)]
    pub(crate) fn is_pending(&self) -> bool {
        self.first.is_some()
    }

    /// Resumes the panic caught first, if any, once the heap is consistent.
    /// While the thread is already unwinding, drops the payload instead.
    pub(crate) fn resume(&mut self) {
        let Some(payload) = self.first.take() else {
            return;
        };
        if std::thread::panicking() {
            discard(payload);
        } else {
            resume_unwind(payload);
        }
    }
}

/// Drops a payload that will not be resumed. A payload whose own `Drop`
/// panics is rare enough to be leaked rather than handled further.
fn discard(payload: Payload) {
    if let Err(nested) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(nested);
    }
}

/// Runs the drop glue of the object headed by `object`, if its type has any,
/// catching a panic into `deferred`. Returns true if the type needs `Drop`.
/// Either way the value counts as dropped afterwards.
///
/// # Safety
/// `object` heads an initialised object that is dead (no `Gc` to it will be
/// used again), and its value is never used or dropped again: the caller
/// frees the memory or marks the cell free next.
///
/// Inlined: the sweeper calls it for every dead cell, and most types need no
/// `Drop`, so the common case is one load and one branch in the sweep loop;
/// only a type with drop glue takes the out-of-line call that catches.
#[inline]
pub(crate) unsafe fn drop_object(object: NonNull<Header>, deferred: &mut DeferredPanic) -> bool {
    // SAFETY: the header is initialised (guaranteed by the caller).
    let Some(drop_fn) = unsafe { object.as_ref() }.info().drop else {
        return false;
    };
    // SAFETY: as for this function.
    unsafe { run_drop_glue(drop_fn, object, deferred) };
    true
}

/// Runs `drop_fn` on `object` under [`DeferredPanic::catch`].
///
/// # Safety
/// As for [`drop_object`], with `drop_fn` the object's own drop glue.
#[inline(never)]
unsafe fn run_drop_glue(
    drop_fn: unsafe fn(NonNull<Header>),
    object: NonNull<Header>,
    deferred: &mut DeferredPanic,
) {
    // SAFETY: the value is dead and dropped only here (guaranteed by the
    // caller); if the drop glue unwinds, the value still counts as dropped.
    deferred.catch(|| unsafe { drop_fn(object) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_panic_and_resumes_it() {
        let mut deferred = DeferredPanic::default();
        assert_eq!(deferred.catch(|| 3), Some(3));
        assert!(!deferred.is_pending());
        assert_eq!(
            deferred.catch(|| std::panic::panic_any("first")),
            None::<()>
        );
        assert_eq!(
            deferred.catch(|| std::panic::panic_any("second")),
            None::<()>
        );
        assert!(deferred.is_pending());
        let payload = catch_unwind(AssertUnwindSafe(|| deferred.resume())).unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"first"));
        assert!(!deferred.is_pending());
        deferred.resume();
    }
}
