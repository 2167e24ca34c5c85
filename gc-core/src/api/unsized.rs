//! Constructors of unsized managed objects: `Gc<str>`, `Gc<[T]>` and
//! `Gc<WithTail<H, T>>`, each one allocation with one header (step 3 of an
//! object's life for unsized payloads; the layout is `object/shape.rs`).
//!
//! Each constructor computes the object's size from the length, takes the
//! memory (`state/alloc_unsized.rs`), writes the fixed part and then the
//! elements one by one, raising the stored length as each lands (so a panic
//! in `Clone` or in an iterator leaves a valid, shorter object that nothing
//! reaches), and then publishes the object to the collector.

use std::ptr::NonNull;

use crate::api::gc::Gc;
use crate::api::lock::{Lock, Write};
use crate::api::mutation::Mutation;
use crate::collect::cards;
use crate::object::header::{Header, TypeInfo};
use crate::object::payload::{TailInfo, WithTail, STR_INFO};
use crate::object::shape::{TailLayout, LEN_OFFSET};
use crate::object::trace::Trace;
use crate::state::error::AllocError;

/// Panics with an allocation error (the non-`try_` constructors).
#[cold]
#[inline(never)]
fn alloc_failed(error: AllocError) -> ! {
    panic!("{error}")
}

/// The size of a tail object of `len` elements, or the error for a length
/// whose object could not exist.
fn tail_size<H, T>(len: usize) -> Result<usize, AllocError> {
    TailLayout::<H, T>::size(len).ok_or(AllocError::OutOfMemory {
        requested: usize::MAX,
    })
}

/// Allocates a tail object of `info`'s type with fixed part `head` and the
/// `len` elements `elems` yields, and publishes it.
///
/// # Panics
/// If `elems` yields fewer than `len` elements (the object is then left
/// unreachable and valid, holding those it got; a managed array gets its card
/// bits for that length, since a born-gray one is still marked by them).
pub(crate) fn alloc_tail<H, T>(
    m: &Mutation<'_>,
    info: &'static TypeInfo,
    size: usize,
    head: H,
    len: usize,
    mut elems: impl Iterator<Item = T>,
) -> Result<NonNull<Header>, AllocError> {
    let state = m.state();
    let new = state.allocate_unsized(info, size)?;
    let cards = InitCards(new.object);
    let base = new.object.cast::<u8>();
    // SAFETY: the object has room for the head at VALUE_OFFSET and `len`
    // elements from TAIL_OFFSET (its size came from TailLayout for `len`);
    // both are aligned, because the object is aligned to TailLayout::ALIGN.
    unsafe {
        base.as_ptr()
            .add(TailLayout::<H, T>::VALUE_OFFSET)
            .cast::<H>()
            .write(head);
    }
    // SAFETY: as above; `len_word` is the object's length at LEN_OFFSET.
    let (data, len_word) = unsafe {
        (
            base.as_ptr()
                .add(TailLayout::<H, T>::TAIL_OFFSET)
                .cast::<T>(),
            base.as_ptr().add(LEN_OFFSET).cast::<usize>(),
        )
    };
    for index in 0..len {
        let Some(elem) = elems.next() else {
            panic!("an ExactSizeIterator promised {len} items but yielded {index}")
        };
        // SAFETY: `index < len`, so the slot is inside the object; the
        // length is raised only after the element is written.
        unsafe {
            data.add(index).write(elem);
            len_word.write(index + 1);
        }
    }
    drop(cards);
    Ok(state.publish_unsized(new))
}

/// Writes a managed array's card bits once its elements are written, or
/// when writing them panics (for the shorter length it is left with): they
/// sit after the elements the length word counts (`collect/cards.rs`).
struct InitCards(NonNull<Header>);

impl Drop for InitCards {
    fn drop(&mut self) {
        // SAFETY: the object's header and length word are written, and it is
        // not published yet, so nothing else uses it.
        if unsafe { cards::is_array(self.0) } {
            // SAFETY: as above; a managed array.
            unsafe { cards::init_cards(self.0) };
        }
    }
}

impl<'gc> Gc<'gc, str> {
    /// Allocates a copy of `s` as one managed object (header, length, bytes).
    ///
    /// ```
    /// use gc_core::{Gc, Heap, Rootable};
    /// let heap = Heap::<Rootable![()]>::new(|_| ());
    /// heap.mutate(|m, _| {
    ///     let s: Gc<str> = Gc::from_str(m, "hello");
    ///     assert_eq!(&*s, "hello");
    ///     assert_eq!(s.len(), 5);
    /// });
    /// ```
    ///
    /// # Panics
    /// If the heap's hard cap would be exceeded ([`Gc::try_from_str`] returns
    /// the error instead).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(m: &Mutation<'gc>, s: &str) -> Gc<'gc, str> {
        Gc::try_from_str(m, s).unwrap_or_else(|error| alloc_failed(error))
    }

    /// Allocates a copy of `s`, or returns [`AllocError`].
    pub fn try_from_str(m: &Mutation<'gc>, s: &str) -> Result<Gc<'gc, str>, AllocError> {
        let bytes = s.as_bytes();
        let size = tail_size::<(), u8>(bytes.len())?;
        let object = alloc_tail(m, &STR_INFO, size, (), bytes.len(), bytes.iter().copied())?;
        // SAFETY: a `str` object holding a copy of `s`'s UTF-8 bytes.
        Ok(unsafe { Gc::from_header(object) })
    }
}

impl<'gc, T: Trace + 'gc> Gc<'gc, [T]> {
    /// Allocates the elements an iterator of known length yields, inline in
    /// one object.
    ///
    /// # Panics
    /// If the iterator yields fewer items than its `len()` promised, or if
    /// the heap's hard cap would be exceeded.
    pub fn from_iter_exact<I>(m: &Mutation<'gc>, iter: I) -> Gc<'gc, [T]>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        Gc::try_from_iter_exact(m, iter).unwrap_or_else(|error| alloc_failed(error))
    }

    /// Like [`Gc::from_iter_exact`], returning [`AllocError`] instead of
    /// panicking when the heap's hard cap would be exceeded.
    pub fn try_from_iter_exact<I>(m: &Mutation<'gc>, iter: I) -> Result<Gc<'gc, [T]>, AllocError>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        let iter = iter.into_iter();
        let len = iter.len();
        let size = tail_size::<(), T>(len)?;
        let info = &TailInfo::<(), T>::SLICE_INFO;
        let object = alloc_tail(m, info, size, (), len, iter)?;
        // SAFETY: a `[T]` tail object of `len` initialised elements.
        Ok(unsafe { Gc::from_header(object) })
    }

    /// Allocates clones of `slice`'s elements.
    ///
    /// # Panics
    /// If the heap's hard cap would be exceeded.
    pub fn from_slice(m: &Mutation<'gc>, slice: &[T]) -> Gc<'gc, [T]>
    where
        T: Clone,
    {
        Gc::from_iter_exact(m, slice.iter().cloned())
    }

    /// Like [`Gc::from_slice`], returning [`AllocError`].
    pub fn try_from_slice(m: &Mutation<'gc>, slice: &[T]) -> Result<Gc<'gc, [T]>, AllocError>
    where
        T: Clone,
    {
        Gc::try_from_iter_exact(m, slice.iter().cloned())
    }

    /// Moves `vec`'s elements into one managed object.
    ///
    /// # Panics
    /// If the heap's hard cap would be exceeded.
    pub fn from_vec(m: &Mutation<'gc>, vec: Vec<T>) -> Gc<'gc, [T]> {
        Gc::from_iter_exact(m, vec)
    }

    /// Like [`Gc::from_vec`], returning [`AllocError`] (the vector is
    /// dropped).
    pub fn try_from_vec(m: &Mutation<'gc>, vec: Vec<T>) -> Result<Gc<'gc, [T]>, AllocError> {
        Gc::try_from_iter_exact(m, vec)
    }
}

impl<'gc, H: Trace + 'gc, T: Trace + 'gc> Gc<'gc, WithTail<H, T>> {
    /// Allocates a fixed part `head` and the elements `tail` yields as one
    /// object: a closure and its upvalues, a table and its array part.
    ///
    /// ```
    /// use gc_core::{Gc, Heap, Rootable, WithTail};
    /// let heap = Heap::<Rootable![()]>::new(|_| ());
    /// heap.mutate(|m, _| {
    ///     let f: Gc<WithTail<&str, u32>> = Gc::new_with_tail(m, "add", [1, 2]);
    ///     assert_eq!(f.head, "add");
    ///     assert_eq!(&f.tail, &[1, 2]);
    /// });
    /// ```
    ///
    /// # Panics
    /// If the iterator yields fewer items than its `len()` promised, or if
    /// the heap's hard cap would be exceeded.
    pub fn new_with_tail<I>(m: &Mutation<'gc>, head: H, tail: I) -> Gc<'gc, WithTail<H, T>>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        Gc::try_new_with_tail(m, head, tail).unwrap_or_else(|error| alloc_failed(error))
    }

    /// Like [`Gc::new_with_tail`], returning [`AllocError`].
    pub fn try_new_with_tail<I>(
        m: &Mutation<'gc>,
        head: H,
        tail: I,
    ) -> Result<Gc<'gc, WithTail<H, T>>, AllocError>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        let iter = tail.into_iter();
        let len = iter.len();
        let size = tail_size::<H, T>(len)?;
        let object = alloc_tail(m, &TailInfo::<H, T>::INFO, size, head, len, iter)?;
        // SAFETY: a `WithTail<H, T>` object with `len` initialised elements.
        Ok(unsafe { Gc::from_header(object) })
    }
}

impl<'gc> PartialEq<str> for Gc<'gc, str> {
    fn eq(&self, other: &str) -> bool {
        **self == *other
    }
}

impl<'gc> PartialEq<&str> for Gc<'gc, str> {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
    }
}

impl<'gc, T: PartialEq + 'gc> PartialEq<[T]> for Gc<'gc, [T]> {
    fn eq(&self, other: &[T]) -> bool {
        **self == *other
    }
}

impl<'gc> Gc<'gc, str> {
    /// True if the two strings hold the same text (`==` on `Gc` compares
    /// identity, as for every `Gc`).
    pub fn content_eq(a: Gc<'gc, str>, b: Gc<'gc, str>) -> bool {
        *a == *b
    }
}

impl<H, T> Write<WithTail<H, T>> {
    /// Write access to the fixed part (the barrier ran for the object).
    #[inline]
    pub fn head(&self) -> &Write<H> {
        // SAFETY: `head` is part of the object the barrier behind `self` covers.
        unsafe { Write::assume(&self.as_inner().head) }
    }

    /// Write access to the elements (the barrier ran for the object).
    #[inline]
    pub fn tail(&self) -> &Write<[T]> {
        // SAFETY: `tail` is part of the object the barrier behind `self` covers.
        unsafe { Write::assume(&self.as_inner().tail) }
    }
}

impl<T> Write<[T]> {
    /// Write access to element `index`, or `None` if out of bounds.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&Write<T>> {
        // SAFETY: the element is part of the object the barrier covers.
        self.as_inner()
            .get(index)
            .map(|elem| unsafe { Write::assume(elem) })
    }
}

impl<T> Write<[Lock<T>]> {
    /// Stores `value` in element `index` (the barrier already ran for the
    /// whole object).
    ///
    /// # Panics
    /// If `index` is out of bounds, as slice indexing does.
    #[inline]
    pub fn set(&self, index: usize, value: T) {
        let len = self.as_inner().len();
        match self.get(index) {
            Some(slot) => slot.set(value),
            None => panic!("index {index} out of bounds for a managed slice of length {len}"),
        }
    }
}
