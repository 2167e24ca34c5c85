//! `Gc<'gc, T>`: the managed pointer.
//!
//! A `Gc` is a `Copy` pointer to a [`GcBox<T>`](crate::object::header::GcBox). It is
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
use crate::object::trace::{Trace, Tracer};
use crate::state::error::AllocError;

/// Makes a lifetime invariant: `'gc` can be neither shortened nor lengthened,
/// so pointers branded by two different `mutate` calls never unify.
pub(crate) type Invariant<'gc> = PhantomData<std::cell::Cell<&'gc ()>>;

/// A pointer to a managed object of type `T`, valid for one `mutate` call.
pub struct Gc<'gc, T> {
    ptr: NonNull<GcBox<T>>,
    _brand: Invariant<'gc>,
}

impl<'gc, T> Copy for Gc<'gc, T> {}

impl<'gc, T> Clone for Gc<'gc, T> {
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
        Gc {
            ptr,
            _brand: PhantomData,
        }
    }

    /// The header pointer (for the collector and the stash).
    #[inline]
    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.ptr.cast()
    }

    /// Rebuilds a `Gc` from a header pointer.
    ///
    /// # Safety
    /// `header` must head a live `GcBox<T>` in the heap that `'gc` brands.
    #[inline]
    pub(crate) unsafe fn from_header(header: NonNull<Header>) -> Self {
        Gc::from_box(header.cast())
    }

    #[inline]
    pub(crate) fn header(self) -> &'gc Header {
        // SAFETY: a Gc always points at a live GcBox for its whole 'gc
        // (invariant I4), and the header is at offset 0.
        unsafe { &*self.ptr.cast::<Header>().as_ptr() }
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

    /// The object's current address. Stable only within one `mutate` call:
    /// a minor GC may move a young object.
    pub fn as_ptr(this: Gc<'gc, T>) -> *const T {
        // SAFETY: the GcBox is live (I4); taking a field address reads nothing.
        unsafe { &raw const (*this.ptr.as_ptr()).value }
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

    /// A weak reference to `this` (see [`GcWeak`]).
    pub fn downgrade(m: &Mutation<'gc>, this: Gc<'gc, T>) -> GcWeak<'gc, T> {
        GcWeak::new(m, this)
    }

    /// Borrows the value for the whole `'gc` lifetime.
    #[inline]
    pub fn as_ref_gc(self) -> &'gc T {
        // SAFETY: the GcBox is live for 'gc (I4) and the collector does not
        // run during 'gc, so nothing moves or frees it meanwhile.
        unsafe { &(*self.ptr.as_ptr()).value }
    }
}

impl<'gc, T: 'gc> Deref for Gc<'gc, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        self.as_ref_gc()
    }
}

impl<'gc, T: 'gc> PartialEq for Gc<'gc, T> {
    fn eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(*self, *other)
    }
}

impl<'gc, T: 'gc> Eq for Gc<'gc, T> {}

impl<'gc, T: 'gc> Hash for Gc<'gc, T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u32(Gc::identity_hash(*self));
    }
}

impl<'gc, T: fmt::Debug + 'gc> fmt::Debug for Gc<'gc, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<'gc, T: fmt::Display + 'gc> fmt::Display for Gc<'gc, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

// SAFETY: passes its own pointer field by `&mut` (clause 1); the cast keeps
// the address and only erases the type.
unsafe impl<'gc, T> Trace for Gc<'gc, T> {
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        // SAFETY: `NonNull<GcBox<T>>` and `NonNull<Header>` have the same
        // layout (a non-null thin pointer) and the header is at offset 0, so
        // the tracer may read and rewrite the slot as a header pointer.
        let slot =
            unsafe { &mut *(&mut self.ptr as *mut NonNull<GcBox<T>>).cast::<NonNull<Header>>() };
        tracer.visit(slot);
    }
}
