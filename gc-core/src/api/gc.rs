//! `Gc<'gc, T>`: the managed pointer.
//!
//! A `Gc` is a `Copy` pointer to a managed object's header, one word for
//! every payload, sized or not (`object/payload.rs`: `str`, `[T]`,
//! `WithTail`, managed arrays and `dyn` host objects find their value and
//! length from the object itself). It is
//! branded with the invariant lifetime `'gc` of one `mutate` call, so the
//! compiler stops it from leaving that call (invariant I4: at a safe point no
//! `Gc` exists outside the root, the stash and the heap itself). That is what
//! lets the collector move young objects between `mutate` calls: every pointer
//! it must update is one it can find.
//!
//! Identity survives moves: [`Gc::ptr_eq`] compares addresses (valid because
//! nothing moves during `mutate`), and `Hash` uses the identity hash kept in
//! the header. There is deliberately no `Ord` by address.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;

use crate::api::lock::Write;
use crate::api::mutation::Mutation;
use crate::api::weak::GcWeak;
use crate::collect::barrier;
use crate::object::header::{GcBox, Header};
use crate::object::payload::Payload;
use crate::object::trace::{Trace, Tracer};
use crate::state::error::AllocError;

/// Makes a lifetime invariant: `'gc` can be neither shortened nor lengthened,
/// so pointers branded by two different `mutate` calls never unify.
pub(crate) type Invariant<'gc> = PhantomData<std::cell::Cell<&'gc ()>>;

/// A pointer to a managed object of type `T`, valid for one `mutate` call.
///
/// `T` may be unsized (`str`, `[T]`, [`WithTail`](crate::WithTail),
/// [`Array`](crate::Array), a `dyn Trait` declared with
/// [`gc_dyn!`](crate::gc_dyn)); the pointer is one word whatever `T` is.
pub struct Gc<'gc, T: ?Sized> {
    /// The object's header; the value follows it (see `Payload`).
    ptr: NonNull<Header>,
    _type: PhantomData<*const T>,
    _brand: Invariant<'gc>,
}

impl<'gc, T: ?Sized> Copy for Gc<'gc, T> {}

impl<'gc, T: ?Sized> Clone for Gc<'gc, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'gc, T: Trace + 'gc> Gc<'gc, T> {
    /// Allocates `value` in the heap (in Eden when the young generation is on).
    ///
    /// # Panics
    /// If the heap's hard cap (`Config::max_heap`) would be exceeded; use
    /// [`Gc::try_new`] to handle that as an error instead.
    #[inline]
    pub fn new(m: &Mutation<'gc>, value: T) -> Gc<'gc, T> {
        match m.state().allocate(value) {
            Ok(ptr) => Gc::from_box(ptr),
            Err(error) => alloc_failed(error),
        }
    }

    /// Allocates `value` directly in the old generation, for an object the
    /// embedder knows will live long (a global table, an interned string):
    /// it is never copied by a minor GC. Placed as any old allocation
    /// (born white, or gray while marking). With the young generation off it
    /// is the same as [`Gc::new`]. Types whose objects survive are also
    /// pretenured automatically (`Config::pretenuring`).
    ///
    /// # Panics
    /// As [`Gc::new`].
    pub fn new_old(m: &Mutation<'gc>, value: T) -> Gc<'gc, T> {
        match m.state().allocate_in_old(value) {
            Ok(ptr) => Gc::from_box(ptr),
            Err(error) => alloc_failed(error),
        }
    }

    /// Allocates `value`, or returns [`AllocError`] if the heap's hard cap
    /// (`Config::max_heap`) would be exceeded.
    pub fn try_new(m: &Mutation<'gc>, value: T) -> Result<Gc<'gc, T>, AllocError> {
        m.state().allocate(value).map(Gc::from_box)
    }
}

#[cold]
#[inline(never)]
fn alloc_failed(error: AllocError) -> ! {
    panic!("{error}")
}

impl<'gc, T: 'gc> Gc<'gc, T> {
    #[inline]
    pub(crate) fn from_box(ptr: NonNull<GcBox<T>>) -> Self {
        // SAFETY: a GcBox<T> allocated by the heap is a live T object.
        unsafe { Gc::from_header(ptr.cast()) }
    }
}

impl<'gc, T: ?Sized + 'gc> Gc<'gc, T> {
    /// The header pointer (for the collector and the stash).
    #[inline]
    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    /// Rebuilds a `Gc` from a header pointer.
    ///
    /// # Safety
    /// `header` must head a live object allocated as a `T` payload in the
    /// heap that `'gc` brands.
    #[inline]
    pub(crate) unsafe fn from_header(header: NonNull<Header>) -> Self {
        Gc {
            ptr: header,
            _type: PhantomData,
            _brand: PhantomData,
        }
    }

    #[inline]
    pub(crate) fn header(self) -> &'gc Header {
        // SAFETY: a Gc always points at a live object for its whole 'gc
        // (invariant I4), and the header is at offset 0.
        unsafe { &*self.ptr.as_ptr() }
    }

    /// True if `a` and `b` are the same object.
    #[inline]
    pub fn ptr_eq(a: Gc<'gc, T>, b: Gc<'gc, T>) -> bool {
        a.ptr == b.ptr
    }

    /// The object's identity hash: stable for the object's whole life, even
    /// as the collector moves it.
    #[inline]
    pub fn identity_hash(this: Gc<'gc, T>) -> u32 {
        this.header().identity_hash()
    }
}

impl<'gc, T: ?Sized + Payload + 'gc> Gc<'gc, T> {
    /// The object's current address. Stable only within one `mutate` call:
    /// a minor GC may move a young object.
    #[inline]
    pub fn as_ptr(this: Gc<'gc, T>) -> *const T {
        // SAFETY: the object is live (I4) and was allocated as a T payload
        // (the only ways to make a Gc<T>); finding the value reads only the
        // object's own length or type descriptor.
        unsafe { T::value_ptr(this.ptr.cast()) }.as_ptr()
    }

    /// Runs the write barrier for `this` and returns write access to it: the
    /// only way to reach the setters of the `Lock`/`RefLock` cells inside.
    ///
    /// The barrier records `this` in the remembered set if it is old (so a
    /// minor GC sees the young pointers about to be stored, invariant I2) and
    /// re-grays it if it is black while marking (so the tri-colour invariant
    /// I1 survives the store).
    #[inline]
    pub fn write(m: &Mutation<'gc>, this: Gc<'gc, T>) -> &'gc Write<T> {
        barrier::write_barrier(m.state(), this.header_ptr());
        // SAFETY: the barrier for `this` has just run, so the object may be
        // mutated through `Write` for the rest of 'gc (no collection can run
        // before 'gc ends, so its colour and generation cannot change).
        unsafe { Write::assume(this.as_ref_gc()) }
    }

    /// Borrows the value for the whole `'gc` lifetime.
    #[inline]
    pub fn as_ref_gc(self) -> &'gc T {
        // SAFETY: the object is live for 'gc (I4) and the collector does not
        // run during 'gc, so nothing moves or frees it meanwhile.
        unsafe { &*Gc::as_ptr(self) }
    }
}

impl<'gc, T: ?Sized + 'gc> Gc<'gc, T> {
    /// A weak reference to `this` (see [`GcWeak`]).
    pub fn downgrade(m: &Mutation<'gc>, this: Gc<'gc, T>) -> GcWeak<'gc, T> {
        GcWeak::new(m, this)
    }
}

impl<'gc, T: ?Sized + Payload + 'gc> Deref for Gc<'gc, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        self.as_ref_gc()
    }
}

impl<'gc, T: ?Sized + 'gc> PartialEq for Gc<'gc, T> {
    fn eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(*self, *other)
    }
}

impl<'gc, T: ?Sized + 'gc> Eq for Gc<'gc, T> {}

impl<'gc, T: ?Sized + 'gc> Hash for Gc<'gc, T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u32(Gc::identity_hash(*self));
    }
}

impl<'gc, T: ?Sized + Payload + fmt::Debug + 'gc> fmt::Debug for Gc<'gc, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<'gc, T: ?Sized + Payload + fmt::Display + 'gc> fmt::Display for Gc<'gc, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

// SAFETY: passes its own pointer field by `&mut` (clause 1); the cast keeps
// the address and only erases the type.
unsafe impl<'gc, T: ?Sized> Trace for Gc<'gc, T> {
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        // The slot is the header pointer itself, for every payload: a moving
        // collection rewrites it, and the value (and, for an unsized payload,
        // its length or vtable) is found from the new address.
        tracer.visit(&mut self.ptr);
    }
}
