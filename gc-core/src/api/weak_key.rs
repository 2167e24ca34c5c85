//! Weak keys: one ephemeron table or finalization queue for every kind of
//! object an interpreter's value can be.
//!
//! An interpreter's value type is an enum: some variants are heap objects
//! (`Value::Pair(Gc<Pair>)`, `Value::Str(Gc<String>)`), others are not
//! (`Value::Int(i64)`, `Value::Nil`). A `GcWeakMap` keyed by `Gc<'gc, K>`
//! needs one map per kind of object; a [`WeakKey`] lets one map (or one
//! `FinalizationQueue`) take the value itself:
//!
//! - [`WeakKey::weak_key`] says which managed object a value stands for, as a
//!   type-erased [`GcKey`], or `None` if it is not a heap object. Weak tables
//!   key their entries by that object's identity, so an entry lives while the
//!   object does.
//! - Values that are not heap objects have no lifetime to be weak about:
//!   inserting or registering one is refused with [`NotAnObject`], which hands
//!   the rejected value back (an interpreter keeps such keys in an ordinary
//!   strong table beside the weak one). Lookups by them find nothing.
//!
//! A finalization queue stores the registered value itself, weakly: every
//! pointer it holds is swept like a weak slot (`object/weak_ops.rs`), and
//! `take_key` hands back the very value registered (now safe to use again).
//! The trait is safe to implement: whatever `weak_key` returns, tables only
//! compare identities, and a stored value whose pointers die is dropped.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ptr::NonNull;

use crate::api::gc::{Gc, Invariant};
use crate::object::header::Header;
use crate::object::trace::{Trace, Tracer};

/// A managed object of any type, by identity: what a weak table keys its
/// entries by. `Eq` and `Hash` are the object's identity (`Gc::ptr_eq`, the
/// identity hash), so it can key a `HashMap` too. Valid for one `mutate`
/// call, like the `Gc` it was made from.
pub struct GcKey<'gc> {
    header: NonNull<Header>,
    _brand: Invariant<'gc>,
}

impl<'gc> Copy for GcKey<'gc> {}

impl<'gc> Clone for GcKey<'gc> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'gc> GcKey<'gc> {
    /// The key of `gc`'s object.
    #[inline]
    pub fn new<T: ?Sized + 'gc>(gc: Gc<'gc, T>) -> GcKey<'gc> {
        GcKey {
            header: gc.header_ptr(),
            _brand: std::marker::PhantomData,
        }
    }

    /// The object's identity hash (the same as `Gc::identity_hash`).
    #[inline]
    pub fn identity_hash(self) -> u32 {
        // SAFETY: the key was made from a `Gc` of this 'gc, whose object is
        // live for all of 'gc (invariant I4).
        unsafe { self.header.as_ref() }.identity_hash()
    }

    /// True if both keys are the same object.
    #[inline]
    pub fn ptr_eq(a: GcKey<'gc>, b: GcKey<'gc>) -> bool {
        a.header == b.header
    }

    /// The object's header (for the weak tables).
    #[inline]
    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.header
    }
}

impl<'gc, T: ?Sized + 'gc> From<Gc<'gc, T>> for GcKey<'gc> {
    fn from(gc: Gc<'gc, T>) -> GcKey<'gc> {
        GcKey::new(gc)
    }
}

impl<'gc> PartialEq for GcKey<'gc> {
    fn eq(&self, other: &Self) -> bool {
        GcKey::ptr_eq(*self, *other)
    }
}

impl<'gc> Eq for GcKey<'gc> {}

impl<'gc> Hash for GcKey<'gc> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u32(self.identity_hash());
    }
}

impl<'gc> fmt::Debug for GcKey<'gc> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GcKey(#{:08x})", self.identity_hash())
    }
}

// SAFETY: passes its one pointer by `&mut` (clause 1): a `GcKey` stored in a
// traced value is a strong, type-erased edge.
unsafe impl<'gc> Trace for GcKey<'gc> {
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        tracer.visit(&mut self.header);
    }
}

/// A value that may stand for a managed object, and can then key a weak
/// table: `GcWeakMap`'s `*_by_key` methods and `FinalizationQueue`'s
/// `register_key`/`take_key` (see the module docs).
///
/// ```
/// # use gc_core::{Gc, GcKey, WeakKey};
/// # use gc_derive::Trace;
/// #[derive(Copy, Clone, Trace)]
/// enum Value<'gc> {
///     Int(i64),
///     Str(Gc<'gc, String>),
///     Pair(Gc<'gc, (i64, i64)>),
/// }
///
/// impl<'gc> WeakKey<'gc> for Value<'gc> {
///     fn weak_key(&self) -> Option<GcKey<'gc>> {
///         match *self {
///             Value::Int(_) => None, // numbers never die
///             Value::Str(s) => Some(GcKey::new(s)),
///             Value::Pair(p) => Some(GcKey::new(p)),
///         }
///     }
/// }
/// ```
pub trait WeakKey<'gc>: Trace {
    /// The managed object this value stands for, or `None` if it is not a
    /// heap object (it then cannot be a weak key). Must give the same answer
    /// every time for the same value.
    fn weak_key(&self) -> Option<GcKey<'gc>>;
}

impl<'gc, T: ?Sized + 'gc> WeakKey<'gc> for Gc<'gc, T> {
    #[inline]
    fn weak_key(&self) -> Option<GcKey<'gc>> {
        Some(GcKey::new(*self))
    }
}

impl<'gc> WeakKey<'gc> for GcKey<'gc> {
    #[inline]
    fn weak_key(&self) -> Option<GcKey<'gc>> {
        Some(*self)
    }
}

impl<'gc, K: WeakKey<'gc>> WeakKey<'gc> for Option<K> {
    #[inline]
    fn weak_key(&self) -> Option<GcKey<'gc>> {
        self.as_ref().and_then(K::weak_key)
    }
}

/// A weak table refused a key that is not a heap object
/// ([`WeakKey::weak_key`] returned `None`); holds what was refused, so the
/// caller can store it elsewhere.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct NotAnObject<T>(pub T);

impl<T> NotAnObject<T> {
    /// The refused value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for NotAnObject<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NotAnObject(..)")
    }
}

impl<T> fmt::Display for NotAnObject<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the key is not a heap object (WeakKey::weak_key returned None): \
             only managed objects can be weak keys; keep it in a strong table",
        )
    }
}

impl<T> std::error::Error for NotAnObject<T> {}
