//! `GcVec`: a growable managed vector whose buffer is a managed array.
//!
//! An interpreter's `RefLock<Vec<Gc<..>>>` keeps its buffer outside the
//! heap, so a store into it can only be remembered by its owner, whole. A
//! `GcVec` keeps its elements in an [`Array`] object, so every store goes
//! through the indexed barrier (`collect/cards.rs`) and a minor GC scans only
//! the written cards of an old vector. Growing allocates a bigger array,
//! copies the elements, and swaps the buffer pointer (through the ordinary
//! write barrier of the vector's own small object). Spare slots hold
//! `T::default()`, so a popped value is not kept alive by its old slot.

use std::cell::Cell;

use crate::api::array::Array;
use crate::api::gc::Gc;
use crate::api::lock::{Lock, Write};
use crate::api::mutation::Mutation;
use crate::object::trace::{Trace, Tracer};

/// The vector's own object: its length and its buffer.
struct VecBox<'gc, T> {
    len: Cell<usize>,
    buffer: Lock<Gc<'gc, Array<T>>>,
}

// SAFETY: traces the buffer pointer, its only managed pointer (clause 1);
// `len` holds none.
unsafe impl<'gc, T> Trace for VecBox<'gc, T> {
    fn trace(&mut self, tracer: &mut Tracer) {
        self.buffer.trace(tracer);
    }
}

/// A growable vector of `T` in the managed heap: a `Copy` handle, like `Gc`.
///
/// ```
/// use gc_core::{Gc, GcVec, Heap, Rootable};
/// let heap = Heap::<Rootable![()]>::new(|_| ());
/// heap.mutate(|m, _| {
///     let v: GcVec<Option<Gc<u32>>> = GcVec::new(m);
///     for i in 0..10 {
///         v.push(m, Some(Gc::new(m, i)));
///     }
///     v.set(m, 0, None);
///     assert_eq!(v.len(), 10);
///     assert_eq!(v.pop(m).flatten().map(|x| *x), Some(9));
///     assert_eq!(v.get(0), Some(None));
/// });
/// ```
pub struct GcVec<'gc, T: 'gc> {
    inner: Gc<'gc, VecBox<'gc, T>>,
}

impl<'gc, T> Copy for GcVec<'gc, T> {}

impl<'gc, T> Clone for GcVec<'gc, T> {
    fn clone(&self) -> Self {
        *self
    }
}

// SAFETY: passes its one pointer (the handle) to the tracer by `&mut`.
unsafe impl<'gc, T> Trace for GcVec<'gc, T> {
    fn trace(&mut self, tracer: &mut Tracer) {
        self.inner.trace(tracer);
    }
}

impl<'gc, T: Trace + Copy + Default + 'gc> GcVec<'gc, T> {
    /// An empty vector (its buffer is an empty array).
    pub fn new(m: &Mutation<'gc>) -> GcVec<'gc, T> {
        GcVec::with_capacity(m, 0)
    }

    /// An empty vector with room for `capacity` elements.
    pub fn with_capacity(m: &Mutation<'gc>, capacity: usize) -> GcVec<'gc, T> {
        let buffer = Gc::new_array_filled(m, capacity, T::default());
        let inner = Gc::new(
            m,
            VecBox {
                len: Cell::new(0),
                buffer: Lock::new(buffer),
            },
        );
        GcVec { inner }
    }

    /// Number of elements.
    #[inline]
    pub fn len(self) -> usize {
        self.inner.len.get()
    }

    /// True if there are no elements.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Number of elements the current buffer holds.
    #[inline]
    pub fn capacity(self) -> usize {
        self.buffer().len()
    }

    /// The buffer array (its first `len()` slots are the elements).
    #[inline]
    pub fn buffer(self) -> Gc<'gc, Array<T>> {
        self.inner.buffer.get()
    }

    /// Element `index`, or `None` if `index >= len()`.
    #[inline]
    pub fn get(self, index: usize) -> Option<T> {
        if index < self.len() {
            self.buffer().get(index)
        } else {
            None
        }
    }

    /// Stores `value` at `index` through the indexed barrier.
    ///
    /// # Panics
    /// If `index >= len()`.
    pub fn set(self, m: &Mutation<'gc>, index: usize, value: T) {
        let len = self.len();
        assert!(
            index < len,
            "index {index} out of bounds for a GcVec of length {len}"
        );
        self.buffer().set(m, index, value);
    }

    /// Appends `value`, growing the buffer (doubling it) when full.
    pub fn push(self, m: &Mutation<'gc>, value: T) {
        let len = self.len();
        if len == self.capacity() {
            self.grow(m, (len * 2).max(4));
        }
        self.buffer().set(m, len, value);
        self.inner.len.set(len + 1);
    }

    /// Removes and returns the last element; its slot is reset to
    /// `T::default()`.
    pub fn pop(self, m: &Mutation<'gc>) -> Option<T> {
        let len = self.len().checked_sub(1)?;
        let value = self.buffer().replace(m, len, T::default());
        self.inner.len.set(len);
        Some(value)
    }

    /// Removes every element (the buffer is kept, its slots reset).
    pub fn clear(self, m: &Mutation<'gc>) {
        while self.pop(m).is_some() {}
    }

    /// The elements, in order.
    pub fn iter(self) -> impl Iterator<Item = T> + 'gc {
        let buffer = self.buffer();
        let len = self.len();
        (0..len).filter_map(move |index| buffer.as_ref_gc().get(index))
    }

    /// Replaces the buffer by one of `capacity` slots holding the elements.
    fn grow(self, m: &Mutation<'gc>, capacity: usize) {
        let old = self.buffer();
        let len = self.len();
        let values = (0..capacity).map(|i| {
            if i < len {
                old.slots()[i].get()
            } else {
                T::default()
            }
        });
        let new = Gc::new_array(m, values);
        let write = Gc::write(m, self.inner);
        // SAFETY: `buffer` is a field of the object the barrier just covered.
        unsafe { Write::assume(&write.buffer) }.set(new);
    }
}

impl<'gc, T: Trace + Copy + Default + std::fmt::Debug + 'gc> std::fmt::Debug for GcVec<'gc, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
