//! Managed arrays: `Gc<Array<T>>`, an inline array of `Lock<T>` slots whose
//! stores go through the **indexed** write barrier (`collect/cards.rs`).
//!
//! A `Vec` inside a `RefLock` lives outside the heap, so the barrier can only
//! remember the whole object that owns it, and each minor GC rescans all of
//! it. An `Array` is one managed object (header, length, slots, card
//! bitset), and [`Gc::set`](Gc::set) tells the barrier which slot is
//! written: an old array is remembered by the 512-byte card of that slot, and
//! the minor GC scans only dirty cards (while marking, the marker's own card
//! bit is set too, and a rescan scans only those cards). [`GcVec`](crate::GcVec) grows on top
//! of it.
//!
//! No slot can change without a barrier: a slot is a [`Lock`], whose setter
//! needs a `Write`, which only `Gc::set` (indexed barrier) or `Gc::write`
//! (whole-object barrier) hands out.

use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;

use crate::api::gc::Gc;
use crate::api::lock::{Lock, Write};
use crate::api::mutation::Mutation;
use crate::api::r#unsized::alloc_tail;
use crate::collect::cards;
use crate::object::header::TypeInfo;
use crate::object::payload::{tail_ptr, trace_elements, Payload, TailInfo};
use crate::object::shape::{len_of, Shape, TailLayout};
use crate::object::trace::Trace;
use crate::state::error::AllocError;

/// A managed array of `T` slots, each a [`Lock`]: `Gc<'gc, Array<T>>`.
///
/// Read with `get` or by indexing (`arr[i].get()`); write with
/// [`Gc::set`](Gc::set), which runs the indexed barrier.
///
/// ```
/// use gc_core::{Array, Gc, Heap, Rootable};
/// let heap = Heap::<Rootable![()]>::new(|_| ());
/// heap.mutate(|m, _| {
///     let arr: Gc<Array<u32>> = Gc::new_array(m, [1, 2, 3]);
///     arr.set(m, 1, 20);
///     assert_eq!(arr.get(1), Some(20));
///     assert_eq!(arr.iter().sum::<u32>(), 24);
/// });
/// ```
#[repr(transparent)]
pub struct Array<T> {
    slots: [Lock<T>],
}

// SAFETY: an array object is a tail object of `()` and `Lock<T>`; its value
// is the slot slice (repr(transparent)), whose length is the object's.
unsafe impl<T> Payload for Array<T> {
    #[inline(always)]
    unsafe fn value_ptr(object: NonNull<u8>) -> NonNull<Array<T>> {
        // SAFETY: a live array object, as the caller guarantees.
        unsafe {
            let len = len_of(object.cast());
            let data = tail_ptr::<(), Lock<T>>(object);
            let slots = std::ptr::slice_from_raw_parts_mut(data, len);
            NonNull::new_unchecked(slots as *mut Array<T>)
        }
    }
}

/// The descriptor of `Array<T>` objects: a tail object with a card bitset.
struct ArrayInfo<T>(PhantomData<T>);

impl<T: Trace> ArrayInfo<T> {
    const INFO: TypeInfo = TypeInfo {
        shape: Shape::Array {
            elem: std::mem::size_of::<Lock<T>>(),
            trace_range: if T::NEEDS_TRACE {
                Some(trace_elements::<(), Lock<T>>)
            } else {
                None
            },
        },
        name: std::any::type_name::<Array<T>>,
        ..TailInfo::<(), Lock<T>>::INFO
    };
}

impl<T> Array<T> {
    /// Number of slots.
    #[inline]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True if the array has no slots.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The slots, for reading (`Lock::get`); setting one needs a barrier.
    #[inline]
    pub fn slots(&self) -> &[Lock<T>] {
        &self.slots
    }
}

impl<T: Copy> Array<T> {
    /// The value in slot `index`, or `None` if out of bounds.
    #[inline]
    pub fn get(&self, index: usize) -> Option<T> {
        self.slots.get(index).map(Lock::get)
    }

    /// The values, in order.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.slots.iter().map(Lock::get)
    }
}

impl<T> Deref for Array<T> {
    type Target = [Lock<T>];

    #[inline]
    fn deref(&self) -> &[Lock<T>] {
        &self.slots
    }
}

impl<T: Copy + std::fmt::Debug> std::fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> Write<Array<T>> {
    /// Stores `value` in slot `index`; the whole-object barrier
    /// (`Gc::write`) already ran, so no indexed barrier is needed.
    ///
    /// # Panics
    /// If `index` is out of bounds.
    #[inline]
    pub fn set(&self, index: usize, value: T) {
        let len = self.len();
        let Some(slot) = self.as_inner().slots.get(index) else {
            out_of_bounds(index, len)
        };
        // SAFETY: the slot is part of the object the barrier behind `self`
        // covers.
        unsafe { Write::assume(slot) }.set(value);
    }
}

#[cold]
#[inline(never)]
fn out_of_bounds(index: usize, len: usize) -> ! {
    panic!("index {index} out of bounds for a managed array of length {len}")
}

#[cold]
#[inline(never)]
fn alloc_failed(error: AllocError) -> ! {
    panic!("{error}")
}

impl<'gc, T: Trace + 'gc> Gc<'gc, Array<T>> {
    /// Allocates an array holding the values an iterator of known length
    /// yields.
    ///
    /// # Panics
    /// If the iterator yields fewer items than its `len()` promised, or if
    /// the heap's hard cap would be exceeded.
    pub fn new_array<I>(m: &Mutation<'gc>, values: I) -> Gc<'gc, Array<T>>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        Gc::try_new_array(m, values).unwrap_or_else(|error| alloc_failed(error))
    }

    /// Like [`Gc::new_array`], returning [`AllocError`].
    pub fn try_new_array<I>(m: &Mutation<'gc>, values: I) -> Result<Gc<'gc, Array<T>>, AllocError>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        let iter = values.into_iter();
        let len = iter.len();
        let size = TailLayout::<(), Lock<T>>::array_size(len).ok_or(AllocError::OutOfMemory {
            requested: usize::MAX,
        })?;
        let info = &ArrayInfo::<T>::INFO;
        // The card bits are written by `alloc_tail` (`cards::init_cards`).
        let object = alloc_tail(m, info, size, (), len, iter.map(Lock::new))?;
        // SAFETY: an `Array<T>` object with `len` initialised slots.
        Ok(unsafe { Gc::from_header(object) })
    }

    /// Allocates an array of `len` copies of `value`.
    ///
    /// # Panics
    /// If the heap's hard cap would be exceeded.
    pub fn new_array_filled(m: &Mutation<'gc>, len: usize, value: T) -> Gc<'gc, Array<T>>
    where
        T: Copy,
    {
        Gc::new_array(m, (0..len).map(|_| value))
    }

    /// Stores `value` in slot `index`, running the indexed write barrier
    /// first: an old array remembers the card of that slot (I2), and a black
    /// array is re-grayed while marking (I1).
    ///
    /// # Panics
    /// If `index` is out of bounds (use [`Gc::try_set`] to get an error).
    #[inline]
    pub fn set(self, m: &Mutation<'gc>, index: usize, value: T) {
        if self.try_set(m, index, value).is_err() {
            out_of_bounds(index, self.len())
        }
    }

    /// Like [`Gc::set`], but returns the value back if `index` is out of
    /// bounds.
    #[inline]
    pub fn try_set(self, m: &Mutation<'gc>, index: usize, value: T) -> Result<(), T> {
        let Some(slot) = self.as_ref_gc().slots.get(index) else {
            return Err(value);
        };
        if T::HOLDS_GC {
            cards::array_barrier(m.state(), self.header_ptr(), index);
        }
        // SAFETY: the indexed barrier for this slot has just run (or the
        // slot can hold no pointer), so it may be written for the rest of
        // 'gc (no collection runs before 'gc ends).
        unsafe { Write::assume(slot) }.set(value);
        Ok(())
    }

    /// Stores `value` in slot `index` and returns the previous value.
    ///
    /// # Panics
    /// If `index` is out of bounds.
    pub fn replace(self, m: &Mutation<'gc>, index: usize, value: T) -> T {
        let len = self.len();
        let Some(slot) = self.as_ref_gc().slots.get(index) else {
            out_of_bounds(index, len)
        };
        if T::HOLDS_GC {
            cards::array_barrier(m.state(), self.header_ptr(), index);
        }
        // SAFETY: as in `try_set`.
        unsafe { Write::assume(slot) }.replace(value)
    }
}

/// Bytes of elements per marking piece (`collect/oblet.rs`), for tests of
/// oblets: 32 KiB, 1 KiB under Miri.
#[doc(hidden)]
pub const __OBLET_BYTES: usize = crate::collect::oblet::OBLET_BYTES;

/// The number of dirty cards of an array (for tests of the card set).
#[doc(hidden)]
pub fn __dirty_cards<'gc, T: 'gc>(array: Gc<'gc, Array<T>>) -> usize {
    // SAFETY: `array` is a live managed array.
    unsafe { cards::dirty_cards(array.header_ptr()) }
}

/// The number of mark cards of an array (the marker's record, for tests).
#[doc(hidden)]
pub fn __mark_cards<'gc, T: 'gc>(array: Gc<'gc, Array<T>>) -> usize {
    // SAFETY: `array` is a live managed array.
    unsafe { cards::mark_cards(array.header_ptr()) }
}
