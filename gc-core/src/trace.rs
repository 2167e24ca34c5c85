//! The `Trace` trait and the `Tracer` that collections pass to it.
//!
//! Tracing is how the collector learns an object's outgoing pointers. Each
//! managed type implements [`Trace`] (usually with `#[derive(Trace)]`), and the
//! collector calls it at a safe point with **exclusive** access, so that a
//! moving collection can rewrite every `Gc` field in place: the same call that
//! *reads* a pointer during marking *updates* it during a minor GC.
//!
//! One `Tracer` type serves every kind of traversal; its mode says what
//! visiting an edge means:
//!
//! - `Evacuate` (minor GC, `evacuate`): copy young targets to survivor or old
//!   space and rewrite the slot with the new address; shade old targets while a
//!   major cycle is marking.
//! - `Mark` (incremental marking, `mark`): shade white old targets gray.
//! - `Verify` (the heap verifier, `verify`): check that every edge is sound.
//!
//! Containers that own memory outside the heap (a `Vec`'s buffer, a
//! `String`'s bytes) report it with [`Tracer::external_bytes`], so that the
//! live heap, the heap goal and the memory limit see the program's real size.

use std::ptr::NonNull;

use crate::header::Header;

/// A type whose managed pointers the collector can find and update.
///
/// # Safety
///
/// Implementations must uphold, for every call of `trace`:
///
/// 1. Every `Gc` and `GcWeak` that `self` owns (directly, or through owned
///    containers) is passed to the tracer exactly once, by `&mut` to the value
///    stored in `self` (not a copy), because a moving collection rewrites it.
/// 2. `trace` does not read through any `Gc` (targets may be mid-move), does
///    not allocate managed objects and does not panic.
/// 3. The set of pointers visited is the set the value holds: hiding a
///    pointer from the tracer lets its target be freed while still reachable.
/// 4. If `NEEDS_TRACE` is false, the type holds no `Gc`/`GcWeak` and owns no
///    memory outside the heap worth reporting.
///
/// `#[derive(Trace)]` writes implementations that meet this contract.
pub unsafe trait Trace {
    /// False when `trace` would do nothing, so containers and the collector can
    /// skip scanning (a `Vec<u8>` inside an object needs no element walk).
    const NEEDS_TRACE: bool = true;

    /// Visit every managed pointer held by `self` (see the safety contract).
    fn trace(&mut self, tracer: &mut Tracer);
}

/// What visiting an edge means in the current traversal.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum TraceMode {
    /// Minor GC: copy young targets and rewrite slots.
    Evacuate,
    /// Old-generation marking: shade white old targets.
    Mark,
    /// Heap verification: check edges, move nothing. (A `GcPool` still
    /// catches up with its cycle when traced, as in any traversal.)
    Verify,
}

/// The visitor handed to [`Trace::trace`]. Only the collector creates one.
pub struct Tracer {
    pub(crate) mode: TraceMode,
    /// The traversal's state; which type it points at depends on `mode`
    /// (`evacuate::Evacuation`, `mark::Marking`, `verify::Verification`).
    /// Valid for the whole life of the tracer (it is created on the
    /// collector's stack and never escapes a collection).
    pub(crate) context: NonNull<()>,
    /// Set when the object being scanned was seen to hold a young pointer
    /// (minor GC uses it to rebuild the remembered set, invariant I2).
    pub(crate) saw_young: bool,
    /// Outside-heap bytes reported by the object being scanned.
    pub(crate) external: usize,
    /// The number of major cycles started when this traversal began.
    pub(crate) cycle: u64,
}

impl Tracer {
    pub(crate) fn new<C>(mode: TraceMode, context: &mut C, cycle: u64) -> Tracer {
        Tracer {
            mode,
            context: NonNull::from(context).cast(),
            saw_young: false,
            external: 0,
            cycle,
        }
    }

    /// Visits one strong edge: `slot` holds a pointer to a managed object.
    #[inline]
    pub(crate) fn visit(&mut self, slot: &mut NonNull<Header>) {
        match self.mode {
            TraceMode::Evacuate => crate::evacuate::visit_edge(self, slot),
            TraceMode::Mark => crate::mark::visit_edge(self, *slot),
            TraceMode::Verify => crate::verify::visit_edge(self, *slot),
        }
    }

    /// Ends the traversal: after this, its context may be used directly
    /// again (while a tracer lives, the context is reached only through it).
    pub(crate) fn finish(self) {}

    /// The traversal's state.
    ///
    /// # Safety
    /// `C` must be the context type this tracer was created with. The returned
    /// borrow holds the tracer, so it cannot overlap another `context` call.
    #[inline]
    pub(crate) unsafe fn context<C>(&mut self) -> &mut C {
        // SAFETY: the caller names the right type; the context outlives the
        // tracer and is reached only through it while the tracer exists.
        unsafe { self.context.cast::<C>().as_mut() }
    }

    /// Reports `bytes` of memory that the value being traced owns outside the
    /// managed heap (a `Vec`'s buffer, a `String`'s bytes). Counted in the
    /// live heap after marking and in the work a mark step does.
    #[inline]
    pub fn external_bytes(&mut self, bytes: usize) {
        self.external += bytes;
    }

    /// True if this traversal may move objects (a minor GC): `trace` must then
    /// pass the pointers it really stores, never copies of them.
    pub fn is_moving(&self) -> bool {
        self.mode == TraceMode::Evacuate
    }
}

// SAFETY: holds no managed pointers; reports its heap buffer.
unsafe impl Trace for String {
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
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(std::mem::size_of::<T>());
        (**self).trace(tracer);
    }
}

// SAFETY: forwards to the boxed elements and reports the buffer.
unsafe impl<T: Trace> Trace for Box<[T]> {
    const NEEDS_TRACE: bool = true;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(std::mem::size_of_val::<[T]>(self));
        trace_all(self.iter_mut(), tracer);
    }
}

// SAFETY: forwards to the contained value if any.
unsafe impl<T: Trace> Trace for Option<T> {
    const NEEDS_TRACE: bool = T::NEEDS_TRACE;
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
    fn trace(&mut self, tracer: &mut Tracer) {
        match self {
            Ok(value) => value.trace(tracer),
            Err(error) => error.trace(tracer),
        }
    }
}

/// Traces every element of a container (skipped when elements are leaves).
#[inline]
fn trace_all<'a, T: Trace + 'a>(items: impl Iterator<Item = &'a mut T>, tracer: &mut Tracer) {
    if T::NEEDS_TRACE {
        for item in items {
            item.trace(tracer);
        }
    }
}

// SAFETY: forwards to every element and reports the buffer.
unsafe impl<T: Trace> Trace for Vec<T> {
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity() * std::mem::size_of::<T>());
        trace_all(self.iter_mut(), tracer);
    }
}

// SAFETY: forwards to every element and reports the buffer.
unsafe impl<T: Trace> Trace for std::collections::VecDeque<T> {
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity() * std::mem::size_of::<T>());
        trace_all(self.iter_mut(), tracer);
    }
}

// SAFETY: forwards to every element.
unsafe impl<T: Trace, const N: usize> Trace for [T; N] {
    const NEEDS_TRACE: bool = T::NEEDS_TRACE;
    fn trace(&mut self, tracer: &mut Tracer) {
        trace_all(self.iter_mut(), tracer);
    }
}

/// Approximate bytes one entry of a hashed or ordered map costs outside the
/// heap: the key, the value and a word of bookkeeping.
fn entry_bytes<K, V>() -> usize {
    std::mem::size_of::<K>() + std::mem::size_of::<V>() + std::mem::size_of::<usize>()
}

// SAFETY: values are traced in place. Keys cannot be reached by `&mut` inside
// a map, so when keys hold pointers the map is drained and rebuilt, passing
// each key by `&mut` before re-inserting it (clause 1). `Gc` hashes by
// identity, which survives moves, so rebuilt entries land where they belong.
unsafe impl<K, V, S> Trace for std::collections::HashMap<K, V, S>
where
    K: Trace + Eq + std::hash::Hash,
    V: Trace,
    S: std::hash::BuildHasher + Default,
{
    const NEEDS_TRACE: bool = true;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity() * entry_bytes::<K, V>());
        if K::NEEDS_TRACE {
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

// SAFETY: as for HashMap: elements are rebuilt when they hold pointers.
unsafe impl<T, S> Trace for std::collections::HashSet<T, S>
where
    T: Trace + Eq + std::hash::Hash,
    S: std::hash::BuildHasher + Default,
{
    const NEEDS_TRACE: bool = true;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.capacity() * entry_bytes::<T, ()>());
        if T::NEEDS_TRACE {
            let items = std::mem::take(self);
            self.reserve(items.len());
            for mut item in items {
                item.trace(tracer);
                self.insert(item);
            }
        }
    }
}

// SAFETY: as for HashMap. (`Gc` has no `Ord`, so keys that hold pointers are
// rare here, but are still rebuilt correctly.)
unsafe impl<K: Trace + Ord, V: Trace> Trace for std::collections::BTreeMap<K, V> {
    const NEEDS_TRACE: bool = true;
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.len() * entry_bytes::<K, V>());
        if K::NEEDS_TRACE {
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
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.external_bytes(self.len() * entry_bytes::<T, ()>());
        if T::NEEDS_TRACE {
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
