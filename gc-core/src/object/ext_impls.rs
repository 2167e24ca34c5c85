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

#[cfg(any(feature = "hashbrown", feature = "indexmap"))]
use crate::object::std_impls::entry_bytes;
use crate::object::std_impls::trace_all;
use crate::object::trace::{Trace, Tracer};

// SAFETY: values are traced in place. When keys can hold pointers the map is
// drained and rebuilt, passing each key by `&mut` before re-inserting it
// (clause 1); `Gc` hashes by identity, which survives moves, so rebuilt
// entries land where they belong. Keys that hold no pointer are never changed
// by a collection (clause 5) and stay in place.
#[cfg(feature = "hashbrown")]
unsafe impl<K, V, S> Trace for hashbrown::HashMap<K, V, S>
where
    K: Trace + Eq + std::hash::Hash,
    V: Trace,
    S: std::hash::BuildHasher + Default,
{
    const NEEDS_TRACE: bool = true;
    const HOLDS_GC: bool = K::HOLDS_GC || V::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity() * entry_bytes::<K, V>());
        if K::HOLDS_GC {
            let entries = std::mem::take(self);
            self.reserve(entries.len());
            for (mut key, mut value) in entries {
                key.trace(tracer);
                value.trace(tracer);
                self.insert(key, value);
            }
        } else {
            trace_all(self.values_mut(), tracer);
        }
    }
}

// SAFETY: as for hashbrown's HashMap: elements are rebuilt when they can hold
// pointers.
#[cfg(feature = "hashbrown")]
unsafe impl<T, S> Trace for hashbrown::HashSet<T, S>
where
    T: Trace + Eq + std::hash::Hash,
    S: std::hash::BuildHasher + Default,
{
    const NEEDS_TRACE: bool = true;
    const HOLDS_GC: bool = T::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity() * entry_bytes::<T, ()>());
        if T::HOLDS_GC {
            let items = std::mem::take(self);
            self.reserve(items.len());
            for mut item in items {
                item.trace(tracer);
                self.insert(item);
            }
        }
    }
}

// SAFETY: as for hashbrown's HashMap. The map is drained in order and
// rebuilt by appending, so each entry keeps its index (clause 1 holds as
// each key and value is passed by `&mut` before it is re-inserted).
#[cfg(feature = "indexmap")]
unsafe impl<K, V, S> Trace for indexmap::IndexMap<K, V, S>
where
    K: Trace + Eq + std::hash::Hash,
    V: Trace,
    S: std::hash::BuildHasher + Default,
{
    const NEEDS_TRACE: bool = true;
    const HOLDS_GC: bool = K::HOLDS_GC || V::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity() * entry_bytes::<K, V>());
        if K::HOLDS_GC {
            let entries = std::mem::take(self);
            self.reserve(entries.len());
            for (mut key, mut value) in entries {
                key.trace(tracer);
                value.trace(tracer);
                self.insert(key, value);
            }
        } else {
            trace_all(self.values_mut(), tracer);
        }
    }
}

// SAFETY: as for IndexMap: rebuilt in order when elements can hold pointers.
#[cfg(feature = "indexmap")]
unsafe impl<T, S> Trace for indexmap::IndexSet<T, S>
where
    T: Trace + Eq + std::hash::Hash,
    S: std::hash::BuildHasher + Default,
{
    const NEEDS_TRACE: bool = true;
    const HOLDS_GC: bool = T::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity() * entry_bytes::<T, ()>());
        if T::HOLDS_GC {
            let items = std::mem::take(self);
            self.reserve(items.len());
            for mut item in items {
                item.trace(tracer);
                self.insert(item);
            }
        }
    }
}

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
