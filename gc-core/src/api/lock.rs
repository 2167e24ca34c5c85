//! Interior mutability that cannot skip the write barrier.
//!
//! A managed object is shared (`Gc` derefs to `&T`), so mutating it needs a
//! cell. `Cell` and `RefCell` would let a program store a young pointer in an
//! old object, or a white pointer in a black one, without telling the
//! collector. [`Lock`] and [`RefLock`] are the same cells with their *setters*
//! locked behind [`Write`]: a `&Write<T>` exists only after the write barrier
//! ran for the object that holds `T` ([`Gc::write`](crate::Gc::write)), and
//! [`unlock!`](crate::unlock) projects it onto one field.
//!
//! Reading needs no barrier: `Lock::get` and `RefLock::borrow` are open.

use std::cell::{Cell, Ref, RefCell, RefMut};
use std::fmt;

use crate::object::trace::{Trace, Tracer};

/// Proof that the write barrier ran for the object containing this `T`.
///
/// A `&Write<T>` can only be made by [`Gc::write`](crate::Gc::write), by
/// [`unlock!`](crate::unlock) from another `&Write`, or by the unsafe
/// [`Write::assume`]. It derefs to `&T` for reading.
#[repr(transparent)]
pub struct Write<T: ?Sized> {
    // Not Send/Sync-relevant: only ever seen behind a reference.
    inner: T,
}

impl<T: ?Sized> Write<T> {
    /// Asserts that the barrier has run for the object containing `value`.
    ///
    /// # Safety
    /// The write barrier (`Gc::write`) must have run, during the current
    /// `mutate` call, for the managed object that contains `value`, or `value`
    /// must not be inside a managed object at all.
    #[inline]
    pub unsafe fn assume(value: &T) -> &Write<T> {
        // SAFETY: Write<T> is repr(transparent) over T, so the pointer cast
        // keeps layout and provenance.
        unsafe { &*(value as *const T as *const Write<T>) }
    }

    /// The plain shared reference.
    #[inline]
    pub fn as_inner(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> std::ops::Deref for Write<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

/// Projects a `&Write<Struct>` onto one field: `unlock!(write, Struct, field)`
/// gives `&Write<FieldType>`, so the field's `Lock`/`RefLock` can be set.
///
/// The field is named through a destructuring pattern, which never auto-derefs:
/// the projection cannot wander into some *other* object the struct points to.
///
/// ```
/// use gc_core::{Gc, Heap, Lock, Rootable, unlock};
/// struct Pair<'gc> { left: Lock<Option<Gc<'gc, u32>>>, right: u32 }
/// # unsafe impl<'gc> gc_core::Trace for Pair<'gc> {
/// #     fn trace(&mut self, t: &mut gc_core::Tracer) { self.left.trace(t) }
/// # }
/// let heap = Heap::<Rootable!['gc => ()]>::new(|_| ());
/// heap.mutate(|m, _| {
///     let pair = Gc::new(m, Pair { left: Lock::new(None), right: 1 });
///     let leaf = Gc::new(m, 7u32);
///     unlock!(Gc::write(m, pair), Pair, left).set(Some(leaf));
///     assert_eq!(*pair.left.get().unwrap(), 7);
/// });
/// ```
#[macro_export]
macro_rules! unlock {
    ($write:expr, $type:path, $field:tt) => {{
        let write: &$crate::Write<$type> = $write;
        let $type {
            $field: ref field, ..
        } = *write.as_inner();
        // The result is bound by `let` before it is returned, so `assume`'s
        // type parameter is the field's own type: were the call the block's
        // value, the caller's expected type could make the compiler
        // deref-coerce a `&Gc<U>` field to `&U` and hand out a `Write` for an
        // object whose barrier never ran.
        // SAFETY: `field` is a direct field of the value behind `write`
        // (named by a pattern, so no auto-deref), and the barrier that made
        // `write` covers the whole object containing it.
        let unlocked = unsafe { $crate::Write::assume(field) };
        unlocked
    }};
}

/// A `Cell` whose `set` requires the write barrier.
#[derive(Default)]
#[repr(transparent)]
pub struct Lock<T: ?Sized> {
    cell: Cell<T>,
}

impl<T> Lock<T> {
    /// A new lock holding `value`.
    pub fn new(value: T) -> Lock<T> {
        Lock {
            cell: Cell::new(value),
        }
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.cell.into_inner()
    }
}

impl<T: Copy> Lock<T> {
    /// Reads the value (no barrier needed to read).
    #[inline]
    pub fn get(&self) -> T {
        self.cell.get()
    }
}

impl<T: ?Sized> Lock<T> {
    /// Mutable access when the lock itself is owned exclusively.
    pub fn get_mut(&mut self) -> &mut T {
        self.cell.get_mut()
    }
}

impl<T> Write<Lock<T>> {
    /// Stores `value` (the barrier has already run).
    #[inline]
    pub fn set(&self, value: T) {
        self.inner.cell.set(value);
    }

    /// Stores `value`, returning the previous one.
    #[inline]
    pub fn replace(&self, value: T) -> T {
        self.inner.cell.replace(value)
    }

    /// The unlocked `Cell`, for the rest of the barrier's scope.
    pub fn as_cell(&self) -> &Cell<T> {
        &self.inner.cell
    }
}

impl<T: Copy + fmt::Debug> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Lock").field(&self.get()).finish()
    }
}

// SAFETY: the `&mut self` gives exclusive access to the cell's contents,
// which are traced in place (clause 1).
unsafe impl<T: Trace> Trace for Lock<T> {
    const NEEDS_TRACE: bool = T::NEEDS_TRACE;
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        self.cell.get_mut().trace(tracer);
    }
    fn trace_named(&mut self, tracer: &mut Tracer) {
        self.cell.get_mut().trace_named(tracer);
    }
}

/// A `RefCell` whose `borrow_mut` requires the write barrier.
#[derive(Default)]
#[repr(transparent)]
pub struct RefLock<T: ?Sized> {
    cell: RefCell<T>,
}

impl<T> RefLock<T> {
    /// A new lock holding `value`.
    pub fn new(value: T) -> RefLock<T> {
        RefLock {
            cell: RefCell::new(value),
        }
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.cell.into_inner()
    }
}

impl<T: ?Sized> RefLock<T> {
    /// Shared access (no barrier needed to read).
    ///
    /// # Panics
    /// If the value is currently borrowed mutably.
    #[inline]
    pub fn borrow(&self) -> Ref<'_, T> {
        self.cell.borrow()
    }

    /// Shared access, or an error if mutably borrowed.
    pub fn try_borrow(&self) -> Result<Ref<'_, T>, std::cell::BorrowError> {
        self.cell.try_borrow()
    }

    /// Mutable access when the lock itself is owned exclusively.
    pub fn get_mut(&mut self) -> &mut T {
        self.cell.get_mut()
    }
}

impl<T: ?Sized> Write<RefLock<T>> {
    /// Mutable access (the barrier has already run).
    ///
    /// # Panics
    /// If the value is currently borrowed.
    #[inline]
    pub fn borrow_mut(&self) -> RefMut<'_, T> {
        self.inner.cell.borrow_mut()
    }

    /// Mutable access, or an error if borrowed.
    pub fn try_borrow_mut(&self) -> Result<RefMut<'_, T>, std::cell::BorrowMutError> {
        self.inner.cell.try_borrow_mut()
    }

    /// The unlocked `RefCell`, for the rest of the barrier's scope.
    pub fn as_ref_cell(&self) -> &RefCell<T> {
        &self.inner.cell
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RefLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cell.try_borrow() {
            Ok(value) => f.debug_tuple("RefLock").field(&&*value).finish(),
            Err(_) => f.write_str("RefLock(<borrowed>)"),
        }
    }
}

// SAFETY: `&mut self` gives exclusive access to the contents (no borrow can be
// outstanding at a safe point), which are traced in place (clause 1).
unsafe impl<T: Trace> Trace for RefLock<T> {
    const NEEDS_TRACE: bool = T::NEEDS_TRACE;
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        self.cell.get_mut().trace(tracer);
    }
    fn trace_named(&mut self, tracer: &mut Tracer) {
        self.cell.get_mut().trace_named(tracer);
    }
}
