//! Payloads: what a thin `Gc<T>` can point at, sized or not.
//!
//! A `Gc<'gc, T>` is one word, the header's address, for every `T`. To read
//! the value, `Deref` asks the payload type where its value is and, for an
//! unsized value, what its pointer metadata is ([`Payload::value_ptr`]):
//!
//! - a sized `T` sits right after the header (`GcBox<T>`);
//! - `[T]`, `str` and [`WithTail<H, T>`] read their length from the object
//!   (`object/shape.rs`) and build the slice pointer from it;
//! - a trait object (`dyn Trait`, declared with `gc_dyn!`) reads its vtable
//!   from the object's type descriptor (`object/dyn_info.rs`).
//!
//! The tail descriptors ([`TailInfo`]) trace the fixed part and every
//! element, and drop them, given the length stored in the object.

use std::marker::PhantomData;
use std::ops::Range;
use std::ptr::NonNull;

use crate::object::header::{GcBox, Header, TypeInfo};
use crate::object::shape::{len_of, Shape, TailLayout};
use crate::object::trace::{Trace, Tracer};

/// A type a thin `Gc` can point at: every sized type, `str`, `[T]`,
/// [`WithTail<H, T>`], managed arrays, and trait objects declared with
/// [`gc_dyn!`](crate::gc_dyn).
///
/// # Safety
/// `value_ptr` must return a pointer to the value of the object whose header
/// is at `object`, with the metadata that object was allocated with. Only the
/// crate's own impls and the ones `gc_dyn!` writes meet this; do not
/// implement it by hand.
pub unsafe trait Payload {
    /// The value of the object headed by `object`.
    ///
    /// # Safety
    /// `object` must head a live object allocated as a `Self` payload.
    #[doc(hidden)]
    unsafe fn value_ptr(object: NonNull<u8>) -> NonNull<Self>;
}

// SAFETY: a sized value is the `value` field of the repr(C) `GcBox<T>`.
unsafe impl<T> Payload for T {
    #[inline(always)]
    unsafe fn value_ptr(object: NonNull<u8>) -> NonNull<T> {
        // SAFETY: the caller guarantees a live GcBox<T>; taking the field's
        // address reads nothing.
        unsafe { NonNull::new_unchecked(&raw mut (*object.cast::<GcBox<T>>().as_ptr()).value) }
    }
}

/// A fixed part and a slice in one managed object: `Gc<'gc, WithTail<H, T>>`.
///
/// A closure with its upvalues (`H` = the code, `T` = the upvalue cells), a
/// table's array part, a function's constants: one allocation, one header,
/// the length, `head`, then the elements. Build one with
/// [`Gc::new_with_tail`](crate::Gc::new_with_tail).
#[repr(C)]
pub struct WithTail<H, T> {
    /// The fixed part.
    pub head: H,
    /// The elements.
    pub tail: [T],
}

impl<H: std::fmt::Debug, T: std::fmt::Debug> std::fmt::Debug for WithTail<H, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithTail")
            .field("head", &self.head)
            .field("tail", &&self.tail)
            .finish()
    }
}

/// The address of element 0 of a tail object.
///
/// # Safety
/// `object` must head a live object with the `TailLayout<H, T>` layout.
#[inline(always)]
pub(crate) unsafe fn tail_ptr<H, T>(object: NonNull<u8>) -> *mut T {
    // SAFETY: TAIL_OFFSET is inside the object (or one past its end when
    // the tail is empty), and the object carries the pointer's provenance.
    unsafe { object.as_ptr().add(TailLayout::<H, T>::TAIL_OFFSET).cast() }
}

// SAFETY: slices are tails with no fixed part; the length is the object's.
unsafe impl<T> Payload for [T] {
    #[inline(always)]
    unsafe fn value_ptr(object: NonNull<u8>) -> NonNull<[T]> {
        // SAFETY: a live tail object of `()` and `T`: its length is stored at
        // LEN_OFFSET and its elements start at TAIL_OFFSET.
        unsafe {
            let len = len_of(object.cast());
            let data = tail_ptr::<(), T>(object);
            NonNull::new_unchecked(std::ptr::slice_from_raw_parts_mut(data, len))
        }
    }
}

// SAFETY: a `str` object is a `[u8]` object whose bytes are UTF-8 (its only
// constructor copies a `&str`).
unsafe impl Payload for str {
    #[inline(always)]
    unsafe fn value_ptr(object: NonNull<u8>) -> NonNull<str> {
        // SAFETY: as for `[u8]`; `str` and `[u8]` share a layout.
        let bytes = unsafe { <[u8] as Payload>::value_ptr(object) };
        // SAFETY: the cast keeps the address and the length metadata.
        unsafe { NonNull::new_unchecked(bytes.as_ptr() as *mut str) }
    }
}

// SAFETY: the value of a `WithTail<H, T>` object starts at VALUE_OFFSET and
// its slice metadata is the stored length; `WithTail` is `repr(C)`, so its
// field offsets are the ones `TailLayout` computes (tested in `shape`).
unsafe impl<H, T> Payload for WithTail<H, T> {
    #[inline(always)]
    unsafe fn value_ptr(object: NonNull<u8>) -> NonNull<WithTail<H, T>> {
        // SAFETY: a live tail object of `H` and `T`.
        unsafe {
            let len = len_of(object.cast());
            let value = object.as_ptr().add(TailLayout::<H, T>::VALUE_OFFSET);
            let slice = std::ptr::slice_from_raw_parts_mut(value.cast::<T>(), len);
            NonNull::new_unchecked(slice as *mut WithTail<H, T>)
        }
    }
}

/// The type descriptors of tail objects with fixed part `H` and elements `T`.
pub(crate) struct TailInfo<H, T>(PhantomData<(H, T)>);

impl<H: Trace, T: Trace> TailInfo<H, T> {
    const NEEDS_TRACE: bool = H::NEEDS_TRACE || T::NEEDS_TRACE;
    const NEEDS_DROP: bool = std::mem::needs_drop::<H>() || std::mem::needs_drop::<T>();

    /// The descriptor of `WithTail<H, T>` objects.
    pub(crate) const INFO: TypeInfo = TypeInfo {
        size: TailLayout::<H, T>::TAIL_OFFSET,
        align: TailLayout::<H, T>::ALIGN,
        shape: Shape::Tail {
            elem: std::mem::size_of::<T>(),
            trace_range: if Self::NEEDS_TRACE {
                Some(trace_tail_piece::<H, T>)
            } else {
                None
            },
        },
        trace: if Self::NEEDS_TRACE {
            Some(trace_tail::<H, T>)
        } else {
            None
        },
        trace_named: if Self::NEEDS_TRACE {
            Some(trace_tail::<H, T>)
        } else {
            None
        },
        drop: if Self::NEEDS_DROP {
            Some(drop_tail::<H, T>)
        } else {
            None
        },
        name: std::any::type_name::<WithTail<H, T>>,
        weak: None,
        erased: None,
    };

    /// The descriptor of `[T]` objects (`H` is `()`).
    pub(crate) const SLICE_INFO: TypeInfo = TypeInfo {
        name: std::any::type_name::<[T]>,
        ..Self::INFO
    };
}

/// The descriptor of `str` objects.
pub(crate) const STR_INFO: TypeInfo = TypeInfo {
    name: std::any::type_name::<str>,
    ..TailInfo::<(), u8>::INFO
};

/// Traces the fixed part and every element of a tail object.
///
/// # Safety
/// `object` must head a live, initialised tail object of `H` and `T`, to
/// which the caller has exclusive access (the collector at a safe point).
unsafe fn trace_tail<H: Trace, T: Trace>(object: NonNull<Header>, tracer: &mut Tracer) {
    let len = if T::NEEDS_TRACE {
        // SAFETY: as the caller guarantees.
        unsafe { len_of(object) }
    } else {
        0
    };
    // SAFETY: as the caller guarantees; `0..len` is every element.
    unsafe { trace_tail_piece::<H, T>(object, 0..len, tracer) };
}

/// Traces one piece of a tail object: its fixed part if `range` starts at
/// 0, then the elements in `range` (`collect/oblet.rs`). The pieces
/// `0..a, a..b, ..., z..len` together trace what `trace_tail` does.
///
/// # Safety
/// As for `trace_tail`, and `range` must lie within `0..len`.
unsafe fn trace_tail_piece<H: Trace, T: Trace>(
    object: NonNull<Header>,
    range: Range<usize>,
    tracer: &mut Tracer,
) {
    if H::NEEDS_TRACE && range.start == 0 {
        // SAFETY: as the caller guarantees; VALUE_OFFSET is where `H` lives.
        let head = unsafe {
            &mut *object
                .cast::<u8>()
                .as_ptr()
                .add(TailLayout::<H, T>::VALUE_OFFSET)
                .cast::<H>()
        };
        head.trace(tracer);
    }
    if T::NEEDS_TRACE {
        // SAFETY: as the caller guarantees.
        unsafe { trace_elements::<H, T>(object, range, tracer) };
    }
}

/// Traces the elements `range` of a tail object.
///
/// # Safety
/// As for `trace_tail`, and `range` must lie within `0..len`.
pub(crate) unsafe fn trace_elements<H, T: Trace>(
    object: NonNull<Header>,
    range: Range<usize>,
    tracer: &mut Tracer,
) {
    // SAFETY: as the caller guarantees.
    let data = unsafe { tail_ptr::<H, T>(object.cast()) };
    for index in range {
        // SAFETY: `index < len`, so the element is initialised, and the
        // caller has exclusive access.
        unsafe { (*data.add(index)).trace(tracer) };
    }
}

/// Drops the fixed part and every element of a dead tail object.
///
/// # Safety
/// `object` must head an initialised tail object of `H` and `T` that is dead
/// to the program and never used again.
unsafe fn drop_tail<H, T>(object: NonNull<Header>) {
    // SAFETY: the caller guarantees the value is initialised and dead; `len`
    // counts the initialised elements.
    unsafe {
        let len = len_of(object);
        let value = object
            .cast::<u8>()
            .as_ptr()
            .add(TailLayout::<H, T>::VALUE_OFFSET);
        std::ptr::drop_in_place(value.cast::<H>());
        let data = tail_ptr::<H, T>(object.cast());
        std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(data, len));
    }
}
