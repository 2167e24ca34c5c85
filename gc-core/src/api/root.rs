//! Naming a root type for every `'gc` at once.
//!
//! A heap's root is a value like `Vm<'gc>` whose lifetime is the brand of
//! whichever `mutate` call is looking at it. Rust cannot name "the type
//! constructor `Vm<'_>`" directly, so [`Rootable`] projects it: a type `R`
//! implementing `for<'gc> Rootable<'gc>` stands for the family
//! `R::Root<'gc>`. The [`Rootable!`](macro@crate::Rootable) macro builds such an `R`
//! from a type written with a named lifetime: `Rootable!['gc => Vm<'gc>]`.

use std::marker::PhantomData;

/// A type-level function from a lifetime `'gc` to a root type.
pub trait Rootable<'gc>: 'static {
    /// The root type at brand `'gc`.
    type Root: 'gc;
}

/// The root type of `R` at brand `'gc`.
pub type Root<'gc, R> = <R as Rootable<'gc>>::Root;

/// The carrier type `Rootable!` expands to (hidden implementation detail).
#[doc(hidden)]
pub struct __DynRootable<T: ?Sized>(PhantomData<T>);

impl<'gc, T: ?Sized + Rootable<'gc>> Rootable<'gc> for __DynRootable<T> {
    type Root = <T as Rootable<'gc>>::Root;
}

/// Names a root type family: `Rootable!['gc => MyRoot<'gc>]`.
///
/// For a root without a `'gc` lifetime, `Rootable![MyRoot]` also works.
#[macro_export]
macro_rules! Rootable {
    ($gc:lifetime => $root:ty) => {
        $crate::__DynRootable::<dyn for<$gc> $crate::Rootable<$gc, Root = $root>>
    };
    ($root:ty) => {
        $crate::__DynRootable::<dyn for<'__gc> $crate::Rootable<'__gc, Root = $root>>
    };
}
