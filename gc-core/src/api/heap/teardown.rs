//! Dropping a heap: the root, the cycle callback and every managed object are
//! dropped exactly once, each destructor's panic caught and the first resumed
//! at the end; a poisoned heap (a `Trace` impl panicked) returns its memory but
//! leaks its values (see "Panics" in `docs/embedding.md`).

use std::mem::ManuallyDrop;

use super::Heap;
use crate::api::root::Rootable;

impl<R> Drop for Heap<R>
where
    R: for<'a> Rootable<'a>,
{
    fn drop(&mut self) {
        // Every destructor run here is caught, so each object is dropped
        // exactly once whatever panics; the first panic is resumed at the end
        // (or dropped if this heap is being dropped by another panic).
        let mut deferred = std::mem::take(&mut self.state.deferred_panic);
        // SAFETY: the root is dropped exactly once, here, before the spaces
        // it points into; Drop impls of traced types cannot reach the heap.
        // If its drop glue panics, the root still counts as dropped.
        deferred.catch(|| unsafe { ManuallyDrop::drop(&mut self.root) });
        deferred.catch(|| drop(self.collector.on_cycle.take()));
        if self.poisoned {
            self.state.leak_objects();
        } else {
            self.state.drop_objects(&mut deferred);
        }
        deferred.resume();
    }
}
