//! `Trace` for the third-party containers interpreters keep pointers in:
//! hashbrown's `HashMap`/`HashSet`, indexmap's `IndexMap`/`IndexSet` and
//! smallvec's `SmallVec`, each behind the cargo feature of the crate's name.
//!
//! They follow the std impls (`std_impls`) exactly. Each reports the memory
//! it owns outside the heap ([`Tracer::external_bytes`]) and keeps apart the
//! two constants of [`Trace`]: `NEEDS_TRACE` (tracing does anything) and
//! `HOLDS_GC` (the value can hold a pointer). A hashed container whose keys
//! can hold a `Gc` (`K::HOLDS_GC`) is drained and rebuilt at every trace:
//! a key cannot be reached by `&mut` in place, and a moving collection (a
//! minor GC) must rewrite it. A `Gc` hashes by its identity hash, which
//! survives the move, so every rebuilt entry lands where a lookup by the
//! moved key looks. Keys that hold no `Gc` are never changed by a collection
//! (clause 5 of the contract) and stay in place: such a map is not rebuilt.
//! An `IndexMap`/`IndexSet` is rebuilt in its iteration order, so the order
//! (and every index) survives the rekeying.

#[cfg(feature = "smallvec")]
use crate::object::std_impls::trace_all;
#[cfg(any(feature = "hashbrown", feature = "indexmap"))]
use crate::object::std_impls::{hashed_map_trace, hashed_set_trace};
#[cfg(feature = "smallvec")]
use crate::object::trace::{Trace, Tracer};

#[cfg(feature = "hashbrown")]
hashed_map_trace!(hashbrown::HashMap);
#[cfg(feature = "hashbrown")]
hashed_set_trace!(hashbrown::HashSet);
#[cfg(feature = "indexmap")]
hashed_map_trace!(indexmap::IndexMap);
#[cfg(feature = "indexmap")]
hashed_set_trace!(indexmap::IndexSet);

// SAFETY: forwards to every element, inline or spilled, in place (clause 1);
// a spilled buffer is reported as outside bytes, an inline one is part of the
// object. `NEEDS_TRACE` is true even for leaf items: a spilled buffer must be
// reported.
#[cfg(feature = "smallvec")]
unsafe impl<A> Trace for smallvec::SmallVec<A>
where
    A: smallvec::Array,
    A::Item: Trace,
{
    const NEEDS_TRACE: bool = true;
    const HOLDS_GC: bool = <A::Item as Trace>::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        if self.spilled() {
            tracer.external_bytes(self.capacity() * std::mem::size_of::<A::Item>());
        }
        trace_all(self.iter_mut(), tracer);
    }
}
