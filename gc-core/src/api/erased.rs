//! Host objects: `Gc<'gc, dyn Trait>`, type-erased managed values, and
//! `Gc::downcast` back to the concrete type.
//!
//! A `Gc` stays one word, the header's address, even for a trait object, so
//! the tracer rewrites it like any other slot (`Trace for Gc`) and nothing
//! about a move needs the vtable. The vtable is found from the object's
//! type descriptor instead: an object allocated by [`Gc::new_dyn`] gets a
//! descriptor for its concrete type (trace, drop, size: the collector sees
//! an ordinary `GcBox<T>`) plus an [`ErasedInfo`] holding a function that
//! views the value as the trait object (made by the unsizing coercion, so
//! the vtable is the compiler's), and the `TypeId` of the value's type
//! family for `downcast`. Deref of a `Gc<dyn Trait>` reads the descriptor
//! and calls that function on the current address: no fat pointer is ever
//! stored, so no layout of fat pointers is assumed.
//!
//! A trait is declared once with [`gc_dyn!`](crate::gc_dyn), which writes
//! the two impls a `dyn` payload needs. Identity for `downcast` is a
//! `Rootable` marker (`'static` even when the value holds `Gc<'gc, _>`), so a
//! downcast can never change a value's `'gc` brand.

use std::any::TypeId;
use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::api::gc::Gc;
use crate::api::mutation::Mutation;
use crate::api::root::{__DynRootable, Root, Rootable};
use crate::object::header::{ErasedInfo, Header, InfoOf, TypeInfo};
use crate::object::payload::Payload;
use crate::object::trace::Trace;
use crate::state::error::AllocError;

/// The unsizing coercion from `T` to the trait object `Self`.
///
/// # Safety
/// `unsize` must return its argument, unsized (same address, the vtable of
/// `T`'s impl). [`gc_dyn!`](crate::gc_dyn) writes it as an implicit
/// coercion, which guarantees that; do not implement it by hand.
pub unsafe trait UnsizeFrom<T>: Payload {
    /// `ptr` as a trait object pointer.
    #[doc(hidden)]
    fn unsize(ptr: NonNull<T>) -> NonNull<Self>;
}

/// The `Rootable` marker of a `'static` type: what `new_dyn_static` and
/// `downcast` use as identity.
type StaticRoot<T> = __DynRootable<dyn for<'a> Rootable<'a, Root = T>>;

/// Views a `GcBox<T>` object as the trait object `D`.
///
/// # Safety
/// `object` must head a live `GcBox<T>`.
unsafe fn view<T, D: ?Sized + UnsizeFrom<T>>(object: NonNull<u8>) -> NonNull<D> {
    // SAFETY: as the caller guarantees.
    D::unsize(unsafe { <T as Payload>::value_ptr(object) })
}

/// The descriptor of a `T` allocated as a `D` with identity `R`.
struct DynInfoOf<T, D: ?Sized, R>(PhantomData<(T, R, *const D)>);

impl<T: Trace, D: ?Sized + UnsizeFrom<T>, R: 'static> DynInfoOf<T, D, R> {
    const ERASED: ErasedInfo = ErasedInfo {
        // SAFETY: a fn pointer transmuted to another fn pointer type (same
        // size); `dyn_value_ptr::<D>` transmutes it back to exactly this type
        // before calling it.
        view: unsafe {
            std::mem::transmute::<unsafe fn(NonNull<u8>) -> NonNull<D>, unsafe fn()>(view::<T, D>)
        },
        type_id: TypeId::of::<R>,
    };
    const INFO: TypeInfo = TypeInfo {
        erased: Some(&Self::ERASED),
        ..InfoOf::<T>::INFO
    };
}

/// The value of an erased object viewed as `D` (called by the `Payload`
/// impls that `gc_dyn!` writes).
///
/// # Safety
/// `object` must head a live object allocated by `Gc::<D>::new_dyn*`.
#[doc(hidden)]
#[inline]
pub unsafe fn __dyn_value_ptr<D: ?Sized>(object: NonNull<u8>) -> NonNull<D> {
    // SAFETY: a live object, as the caller guarantees.
    let info = unsafe { object.cast::<Header>().as_ref() }.info();
    let Some(erased) = info.erased else {
        unreachable!("a Gc<dyn _> to an object not allocated as one")
    };
    // SAFETY: `new_dyn` for this `D` stored `view::<T, D>` (its only writer,
    // `DynInfoOf<T, D, R>`), so this is the function's own type back.
    let view = unsafe {
        std::mem::transmute::<unsafe fn(), unsafe fn(NonNull<u8>) -> NonNull<D>>(erased.view)
    };
    // SAFETY: the object is the live `GcBox<T>` that `view` expects.
    unsafe { view(object) }
}

#[cold]
#[inline(never)]
fn alloc_failed(error: AllocError) -> ! {
    panic!("{error}")
}

impl<'gc, D: ?Sized + 'gc> Gc<'gc, D> {
    /// Allocates `value` as a host object seen through the trait object `D`
    /// (declared with [`gc_dyn!`](crate::gc_dyn)), with `R` (a `Rootable`
    /// marker, e.g. `Rootable!['gc => Timer<'gc>]`) as its identity for
    /// [`Gc::downcast_root`].
    ///
    /// # Panics
    /// If the heap's hard cap would be exceeded.
    pub fn new_dyn<R>(m: &Mutation<'gc>, value: Root<'gc, R>) -> Gc<'gc, D>
    where
        R: for<'a> Rootable<'a>,
        Root<'gc, R>: Trace + Sized,
        D: UnsizeFrom<Root<'gc, R>>,
    {
        Gc::try_new_dyn::<R>(m, value).unwrap_or_else(|error| alloc_failed(error))
    }

    /// Like [`Gc::new_dyn`], returning [`AllocError`].
    pub fn try_new_dyn<R>(m: &Mutation<'gc>, value: Root<'gc, R>) -> Result<Gc<'gc, D>, AllocError>
    where
        R: for<'a> Rootable<'a>,
        Root<'gc, R>: Trace + Sized,
        D: UnsizeFrom<Root<'gc, R>>,
    {
        let info = &DynInfoOf::<Root<'gc, R>, D, R>::INFO;
        let object = m.state().allocate_with(info, value)?;
        // SAFETY: a live GcBox<Root<R>> whose descriptor views it as `D`.
        Ok(unsafe { Gc::from_header(object.cast()) })
    }

    /// Allocates a `'static` value (one holding no `Gc`) as a `D`; its
    /// identity for [`Gc::downcast`] is its type.
    ///
    /// ```
    /// use gc_core::{gc_dyn, Gc, Heap, Rootable, Trace, Tracer};
    /// trait Shape { fn area(&self) -> u32; }
    /// gc_dyn!(dyn Shape);
    /// struct Square(u32);
    /// impl Shape for Square { fn area(&self) -> u32 { self.0 * self.0 } }
    /// # // SAFETY: no pointers.
    /// # unsafe impl Trace for Square { const NEEDS_TRACE: bool = false; fn trace(&mut self, _: &mut Tracer) {} }
    /// let heap = Heap::<Rootable![()]>::new(|_| ());
    /// heap.mutate(|m, _| {
    ///     let shape: Gc<dyn Shape> = Gc::new_dyn_static(m, Square(3));
    ///     assert_eq!(shape.area(), 9);
    ///     assert!(Gc::downcast::<Square>(shape).is_some());
    ///     assert!(Gc::downcast::<u32>(shape).is_none());
    /// });
    /// ```
    ///
    /// # Panics
    /// If the heap's hard cap would be exceeded.
    pub fn new_dyn_static<T>(m: &Mutation<'gc>, value: T) -> Gc<'gc, D>
    where
        T: Trace + 'static,
        D: UnsizeFrom<T>,
    {
        let info = &DynInfoOf::<T, D, StaticRoot<T>>::INFO;
        match m.state().allocate_with(info, value) {
            // SAFETY: a live GcBox<T> whose descriptor views it as `D`.
            Ok(object) => unsafe { Gc::from_header(object.cast()) },
            Err(error) => alloc_failed(error),
        }
    }

    /// The object as its concrete `'static` type `T`, or `None` if it is not
    /// a `T` allocated by [`Gc::new_dyn_static`] (or `new_dyn` with the
    /// marker `Rootable![T]`).
    pub fn downcast<T: 'static>(this: Gc<'gc, D>) -> Option<Gc<'gc, T>> {
        Gc::downcast_root::<StaticRoot<T>>(this)
    }

    /// The object as `Root<'gc, R>`, or `None` if it was not allocated with
    /// the identity `R` (see [`Gc::new_dyn`]). The result keeps the brand
    /// `'gc`: `R` names the type for every brand at once.
    pub fn downcast_root<R>(this: Gc<'gc, D>) -> Option<Gc<'gc, Root<'gc, R>>>
    where
        R: for<'a> Rootable<'a>,
        Root<'gc, R>: Sized,
    {
        let erased = this.header().info().erased?;
        // SAFETY: the same identity means the object was allocated as a
        // GcBox<Root<'gc, R>> (a `Gc<'gc, D>` is of this heap and brand).
        ((erased.type_id)() == TypeId::of::<R>())
            .then(|| unsafe { Gc::from_header(this.header_ptr()) })
    }
}

/// Declares a trait's objects as managed payloads, so that
/// `Gc<'gc, dyn Trait>` can be allocated ([`Gc::new_dyn`]) and dereferenced.
///
/// `gc_dyn!(dyn Shape)` for a trait without lifetimes;
/// `gc_dyn!(<'gc> dyn Host<'gc> + 'gc)` for one whose objects hold `Gc`s.
/// Each `Gc<dyn ..>` is one word (see `api/erased.rs`).
#[macro_export]
macro_rules! gc_dyn {
    (<$($lt:lifetime),*> dyn $($bound:tt)+) => {
        $crate::__gc_dyn_impls!([$($lt,)*] [$($bound)+] dyn $($bound)+);
    };
    // `dyn Trait` alone is `dyn Trait + 'static`: its values are 'static.
    (dyn $($bound:tt)+) => {
        $crate::__gc_dyn_impls!([] [$($bound)+ + 'static] dyn $($bound)+);
    };
}

/// The impls `gc_dyn!` writes (hidden implementation detail).
#[doc(hidden)]
#[macro_export]
macro_rules! __gc_dyn_impls {
    ([$($lt:lifetime,)*] [$($value_bound:tt)+] $dyn:ty) => {
        // SAFETY: `unsize` is the implicit unsizing coercion of its argument.
        unsafe impl<$($lt,)* __T: $($value_bound)+> $crate::UnsizeFrom<__T> for $dyn {
            #[inline]
            fn unsize(ptr: ::std::ptr::NonNull<__T>) -> ::std::ptr::NonNull<Self> {
                ptr
            }
        }
        // SAFETY: `Gc<dyn ..>` objects are made only by `Gc::new_dyn*`,
        // whose descriptors view them as this trait object.
        unsafe impl<$($lt),*> $crate::Payload for $dyn {
            #[inline]
            unsafe fn value_ptr(object: ::std::ptr::NonNull<u8>) -> ::std::ptr::NonNull<Self> {
                // SAFETY: as the caller of `value_ptr` guarantees.
                unsafe { $crate::__dyn_value_ptr::<Self>(object) }
            }
        }
    };
}
