//! `Trace` for the std types an interpreter keeps pointers in.
//!
//! Leaves (numbers, `bool`, `&'static str`, ...) have `NEEDS_TRACE = false`,
//! so containers of them are never walked. Containers forward to their
//! elements and report the memory they own outside the heap
//! ([`Tracer::external_bytes`]). Two constants keep apart what the collector
//! must not conflate: `NEEDS_TRACE` (tracing does anything at all, pointers or
//! outside bytes) and `HOLDS_GC` (the value can hold a pointer). Maps and sets
//! whose keys can hold a `Gc` are drained and rebuilt, because a key cannot be
//! reached by `&mut` in place and a moving collection must rewrite it (`Gc`
//! hashes by identity, which survives the move, so each entry lands where it
//! belongs); maps keyed by `String`, `Vec<u8>` or numbers are never rebuilt.

use crate::object::trace::{Trace, Tracer};

// SAFETY: holds no managed pointers (clause 5); reports its heap buffer.
unsafe impl Trace for String {
    const HOLDS_GC: bool = false;
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity());
    }
}

macro_rules! leaf_trace {
    ($($t:ty),* $(,)?) => {$(
        // SAFETY: holds no managed pointers and owns no outside memory.
        unsafe impl Trace for $t {
            const NEEDS_TRACE: bool = false;
            #[inline]
            fn trace(&mut self, _tracer: &mut Tracer) {}
        }
    )*};
}

leaf_trace!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    &'static str,
    std::num::NonZeroU32,
    std::num::NonZeroU64,
    std::num::NonZeroUsize,
    std::time::Duration,
    std::time::Instant,
);

// SAFETY: a static-less PhantomData holds nothing.
unsafe impl<T: ?Sized> Trace for std::marker::PhantomData<T> {
    const NEEDS_TRACE: bool = false;
    #[inline]
    fn trace(&mut self, _tracer: &mut Tracer) {}
}

// SAFETY: an `Rc<str>` / `Rc<[u8]>`-style shared buffer holds no managed
// pointers (its element type is a leaf); the bytes are shared, not owned, so
// they are not reported.
unsafe impl Trace for std::rc::Rc<str> {
    const NEEDS_TRACE: bool = false;
    #[inline]
    fn trace(&mut self, _tracer: &mut Tracer) {}
}

// SAFETY: forwards to the boxed value (clause 1) and reports the box's bytes.
unsafe impl<T: Trace> Trace for Box<T> {
    const NEEDS_TRACE: bool = true;
    const HOLDS_GC: bool = T::HOLDS_GC;
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(std::mem::size_of::<T>());
        (**self).trace(tracer);
    }
    fn trace_named(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(std::mem::size_of::<T>());
        (**self).trace_named(tracer);
    }
}

// SAFETY: forwards to the boxed elements and reports the buffer.
unsafe impl<T: Trace> Trace for Box<[T]> {
    const NEEDS_TRACE: bool = true;
    const HOLDS_GC: bool = T::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(std::mem::size_of_val::<[T]>(self));
        trace_all(self.iter_mut(), tracer);
    }
}

// SAFETY: forwards to the contained value if any.
unsafe impl<T: Trace> Trace for Option<T> {
    const NEEDS_TRACE: bool = T::NEEDS_TRACE;
    const HOLDS_GC: bool = T::HOLDS_GC;
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        if let Some(value) = self {
            value.trace(tracer);
        }
    }
}

// SAFETY: forwards to whichever side is present.
unsafe impl<T: Trace, E: Trace> Trace for Result<T, E> {
    const NEEDS_TRACE: bool = T::NEEDS_TRACE || E::NEEDS_TRACE;
    const HOLDS_GC: bool = T::HOLDS_GC || E::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        match self {
            Ok(value) => value.trace(tracer),
            Err(error) => error.trace(tracer),
        }
    }
}

/// Traces every element of a container (skipped when elements are leaves).
#[inline]
pub(super) fn trace_all<'a, T: Trace + 'a>(
    items: impl Iterator<Item = &'a mut T>,
    tracer: &mut Tracer,
) {
    if T::NEEDS_TRACE {
        for item in items {
            item.trace(tracer);
        }
    }
}

// SAFETY: forwards to every element and reports the buffer.
unsafe impl<T: Trace> Trace for Vec<T> {
    const HOLDS_GC: bool = T::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity() * std::mem::size_of::<T>());
        trace_all(self.iter_mut(), tracer);
    }
}

// SAFETY: forwards to every element and reports the buffer.
unsafe impl<T: Trace> Trace for std::collections::VecDeque<T> {
    const HOLDS_GC: bool = T::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity() * std::mem::size_of::<T>());
        trace_all(self.iter_mut(), tracer);
    }
}

// SAFETY: forwards to every element.
unsafe impl<T: Trace, const N: usize> Trace for [T; N] {
    const NEEDS_TRACE: bool = T::NEEDS_TRACE;
    const HOLDS_GC: bool = T::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        trace_all(self.iter_mut(), tracer);
    }
}

/// Approximate bytes one entry of a hashed or ordered map costs outside the
/// heap: the key, the value and a word of bookkeeping.
pub(super) fn entry_bytes<K, V>() -> usize {
    std::mem::size_of::<K>() + std::mem::size_of::<V>() + std::mem::size_of::<usize>()
}

/// Implements `Trace` for a hashed map type (std's, hashbrown's, indexmap's):
/// one body for all of them.
macro_rules! hashed_map_trace {
    ($($map:ident)::+) => {
        // SAFETY: values are traced in place. Keys cannot be reached by `&mut`
        // inside a map, so when keys can hold pointers (`K::HOLDS_GC`) the map
        // is drained and rebuilt, passing each key by `&mut` before
        // re-inserting it (clause 1); draining and re-inserting keeps an
        // ordered map's order. `Gc` hashes by identity, which survives moves,
        // so rebuilt entries land where they belong. Keys that hold no pointer
        // are never changed by a collection (clause 5) and stay in place; the
        // outside bytes they own are not walked.
        unsafe impl<K, V, S> $crate::object::trace::Trace for $($map)::+<K, V, S>
        where
            K: $crate::object::trace::Trace + Eq + std::hash::Hash,
            V: $crate::object::trace::Trace,
            S: std::hash::BuildHasher + Default,
        {
            const NEEDS_TRACE: bool = true;
            const HOLDS_GC: bool = K::HOLDS_GC || V::HOLDS_GC;
            fn trace(&mut self, tracer: &mut $crate::object::trace::Tracer) {
                tracer.external_bytes(
                    self.capacity() * $crate::object::std_impls::entry_bytes::<K, V>(),
                );
                if K::HOLDS_GC {
                    let entries = std::mem::take(self);
                    self.reserve(entries.len());
                    for (mut key, mut value) in entries {
                        key.trace(tracer);
                        value.trace(tracer);
                        self.insert(key, value);
                    }
                } else {
                    $crate::object::std_impls::trace_all(self.values_mut(), tracer);
                }
            }
        }
    };
}

/// Implements `Trace` for a hashed set type: one body for all of them.
macro_rules! hashed_set_trace {
    ($($set:ident)::+) => {
        // SAFETY: as for the hashed maps: elements are drained and rebuilt,
        // each passed by `&mut` (clause 1), when they can hold pointers.
        unsafe impl<T, S> $crate::object::trace::Trace for $($set)::+<T, S>
        where
            T: $crate::object::trace::Trace + Eq + std::hash::Hash,
            S: std::hash::BuildHasher + Default,
        {
            const NEEDS_TRACE: bool = true;
            const HOLDS_GC: bool = T::HOLDS_GC;
            fn trace(&mut self, tracer: &mut $crate::object::trace::Tracer) {
                tracer.external_bytes(
                    self.capacity() * $crate::object::std_impls::entry_bytes::<T, ()>(),
                );
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
    };
}
#[cfg(any(feature = "hashbrown", feature = "indexmap"))]
pub(crate) use {hashed_map_trace, hashed_set_trace};

hashed_map_trace!(std::collections::HashMap);
hashed_set_trace!(std::collections::HashSet);

// SAFETY: as for HashMap. (`Gc` has no `Ord`, so keys that hold pointers are
// rare here, but are still rebuilt correctly.)
unsafe impl<K: Trace + Ord, V: Trace> Trace for std::collections::BTreeMap<K, V> {
    const NEEDS_TRACE: bool = true;
    const HOLDS_GC: bool = K::HOLDS_GC || V::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.len() * entry_bytes::<K, V>());
        if K::HOLDS_GC {
            for (mut key, mut value) in std::mem::take(self) {
                key.trace(tracer);
                value.trace(tracer);
                self.insert(key, value);
            }
        } else {
            trace_all(self.values_mut(), tracer);
        }
    }
}

// SAFETY: as for BTreeMap.
unsafe impl<T: Trace + Ord> Trace for std::collections::BTreeSet<T> {
    const NEEDS_TRACE: bool = true;
    const HOLDS_GC: bool = T::HOLDS_GC;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.len() * entry_bytes::<T, ()>());
        if T::HOLDS_GC {
            for mut item in std::mem::take(self) {
                item.trace(tracer);
                self.insert(item);
            }
        }
    }
}

macro_rules! tuple_trace {
    ($($name:ident),+) => {
        // SAFETY: forwards to every member.
        unsafe impl<$($name: Trace),+> Trace for ($($name,)+) {
            const NEEDS_TRACE: bool = $($name::NEEDS_TRACE)||+;
            const HOLDS_GC: bool = $($name::HOLDS_GC)||+;
            #[allow(non_snake_case)]
            fn trace(&mut self, tracer: &mut Tracer) {
                let ($($name,)+) = self;
                $($name.trace(tracer);)+
            }
        }
    };
}

tuple_trace!(A);
tuple_trace!(A, B);
tuple_trace!(A, B, C);
tuple_trace!(A, B, C, D);
tuple_trace!(A, B, C, D, E);
tuple_trace!(A, B, C, D, E, F);
tuple_trace!(A, B, C, D, E, F, G);
tuple_trace!(A, B, C, D, E, F, G, H);
