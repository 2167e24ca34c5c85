//! Object shapes: how big one object is, for sized and unsized payloads.
//!
//! Most managed types have one size, fixed at compile time (`GcBox<T>`). An
//! unsized payload (`Gc<str>`, `Gc<[T]>`, a fixed part with a tail,
//! `WithTail<H, T>`, a managed array) is stored **inline**: one allocation,
//! one header, then its length, then the value. The length lives in the
//! object, so a `Gc` stays a thin pointer (the tracer rewrites slots as
//! `NonNull<Header>`), and the type descriptor says how to turn that length
//! into a size ([`Shape`], [`TypeInfo::size_of`]). Every place that needs an
//! object's bytes (evacuation, survivor and old placement, marking, the
//! verifier, snapshots, profiles) asks `size_of`, never `info.size`.
//!
//! Tail layout (64-bit), all offsets from the header:
//!
//! ```text
//! [ header: 16 | len: 8 | pad to align(H, T) | head: H | pad to align(T) | len x T ]
//!                                                         ^ tail_offset
//! ```
//!
//! `TypeInfo::size` holds `tail_offset` (the bytes before the first element)
//! and `Shape::Tail { elem, .. }` the element stride, so an object's size is
//! `round_up(tail_offset + len * elem, align)`. Managed arrays
//! (`Shape::Array`) append their card bitset after the elements, two bits
//! per card: the minor GC's dirty bit and the marker's (see
//! `collect/cards.rs`). The payload behind the header is a `repr(C)` value
//! whose last field is the slice, so its field offsets are exactly these
//! (checked by the tests below with `size_of_val` and `align_of_val`).

use std::marker::PhantomData;
use std::ops::Range;
use std::ptr::NonNull;

use crate::object::header::{Header, TypeInfo};
use crate::object::trace::Tracer;

/// Traces the elements in an index range of an array object.
pub(crate) type TraceRange = unsafe fn(NonNull<Header>, Range<usize>, &mut Tracer);

/// How the size of an object of one type is found.
#[derive(Copy, Clone)]
pub(crate) enum Shape {
    /// Every object is `TypeInfo::size` bytes.
    Fixed,
    /// `TypeInfo::size` bytes before the first element, then `len` elements
    /// of `elem` bytes each (`len` at [`LEN_OFFSET`]), rounded up to `align`.
    Tail {
        /// Bytes per element (`size_of::<T>()`, possibly 0).
        elem: usize,
        /// Traces one piece of the object: the fixed part if the range
        /// starts at 0, then the elements in the range (marking scans big
        /// objects in pieces, `collect/oblet.rs`); `None` when nothing in
        /// the object holds pointers.
        trace_range: Option<TraceRange>,
    },
    /// A managed array: a tail of `len` elements, then the card bitset
    /// (`collect/cards.rs`), two bits per card of [`CARD_BYTES`] of
    /// elements (dirty for the minor GC, mark for the marker).
    Array {
        /// Bytes per element.
        elem: usize,
        /// Traces the elements in an index range (the minor GC scans dirty
        /// cards only); `None` when the elements hold no pointers.
        trace_range: Option<TraceRange>,
    },
}

/// Offset of the length word of an unsized object: right after the header.
pub(crate) const LEN_OFFSET: usize = std::mem::size_of::<Header>();

/// Bytes of array elements one card covers: 512, as in HotSpot's card table.
/// A minor GC scans a dirty card's elements in full, so a store costs at most
/// 512 bytes of scanning (64 pointer-sized slots), and the bitset costs two
/// bits per 512 bytes (0.05 %): the minor GC's dirty bit and the marker's.
pub(crate) const CARD_BYTES: usize = 512;

/// Rounds `n` up to a multiple of the power of two `align`.
const fn round_up(n: usize, align: usize) -> usize {
    (n + align - 1) & !(align - 1)
}

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// The tail layout of a payload with fixed part `H` and elements `T`.
pub(crate) struct TailLayout<H, T>(PhantomData<(H, T)>);

impl<H, T> TailLayout<H, T> {
    /// Alignment of the payload value (a `repr(C)` struct of `H` and `[T]`).
    const VALUE_ALIGN: usize = max(std::mem::align_of::<H>(), std::mem::align_of::<T>());
    /// Offset of the payload value (and of `H`, its first field).
    pub(crate) const VALUE_OFFSET: usize =
        round_up(LEN_OFFSET + std::mem::size_of::<usize>(), Self::VALUE_ALIGN);
    /// Offset of the first element.
    pub(crate) const TAIL_OFFSET: usize =
        Self::VALUE_OFFSET + round_up(std::mem::size_of::<H>(), std::mem::align_of::<T>());
    /// Alignment of the whole object.
    pub(crate) const ALIGN: usize = max(std::mem::align_of::<Header>(), Self::VALUE_ALIGN);

    /// Bytes of an object with `len` elements, or `None` on overflow (or if
    /// it could not form a `Layout`).
    pub(crate) fn size(len: usize) -> Option<usize> {
        let elems = len.checked_mul(std::mem::size_of::<T>())?;
        let size = Self::TAIL_OFFSET.checked_add(elems)?;
        let rounded = size.checked_add(Self::ALIGN - 1)? & !(Self::ALIGN - 1);
        (rounded <= isize::MAX as usize).then_some(rounded)
    }

    /// Bytes of a managed array of `len` elements (with its card bitset).
    pub(crate) fn array_size(len: usize) -> Option<usize> {
        let elems = len.checked_mul(std::mem::size_of::<T>())?;
        let end = Self::TAIL_OFFSET.checked_add(elems)?;
        let cards = card_words(len, std::mem::size_of::<T>()).checked_mul(8)?;
        let size = (end.checked_add(7)? & !7).checked_add(cards)?;
        let rounded = size.checked_add(Self::ALIGN - 1)? & !(Self::ALIGN - 1);
        (rounded <= isize::MAX as usize).then_some(rounded)
    }
}

/// Elements per card for elements of `elem` bytes (at least 1).
pub(crate) fn elems_per_card(elem: usize) -> usize {
    CARD_BYTES
        .checked_div(elem)
        .map_or(usize::MAX, |n| n.max(1))
}

/// Number of cards of an array of `len` elements of `elem` bytes.
pub(crate) fn card_count(len: usize, elem: usize) -> usize {
    len.div_ceil(elems_per_card(elem))
}

/// Cards per 64-bit word of the card bitset: two bits each.
pub(crate) const CARDS_PER_WORD: usize = 32;

/// Number of 64-bit words of the card bitset.
pub(crate) fn card_words(len: usize, elem: usize) -> usize {
    card_count(len, elem).div_ceil(CARDS_PER_WORD)
}

/// Offset of an array's card bitset: the end of its elements, 8-aligned.
pub(crate) fn card_offset(info: &TypeInfo, len: usize, elem: usize) -> usize {
    round_up(info.size + len * elem, 8)
}

/// The length word of an unsized object.
///
/// # Safety
/// `object` must head a live object whose shape is not `Fixed`.
#[inline]
pub(crate) unsafe fn len_of(object: NonNull<Header>) -> usize {
    // SAFETY: unsized objects store their length at LEN_OFFSET (an 8-aligned
    // offset inside the object), written before the object is published.
    unsafe { object.cast::<u8>().add(LEN_OFFSET).cast::<usize>().read() }
}

impl TypeInfo {
    /// The size in bytes of the object headed by `object`, header included.
    ///
    /// # Safety
    /// `object` must head a live (possibly forwarded-from, never freed)
    /// object described by `self`.
    #[inline]
    pub(crate) unsafe fn size_of(&self, object: NonNull<Header>) -> usize {
        match self.shape {
            Shape::Fixed => self.size,
            // SAFETY: the caller guarantees an unsized object of this type.
            shape => self.size_for_len(unsafe { len_of(object) }, shape),
        }
    }

    /// The size of an object of this (unsized) type with `len` elements.
    fn size_for_len(&self, len: usize, shape: Shape) -> usize {
        match shape {
            Shape::Fixed => self.size,
            Shape::Tail { elem, .. } => round_up(self.size + len * elem, self.align),
            Shape::Array { elem, .. } => {
                let cards = card_words(len, elem) * 8;
                round_up(card_offset(self, len, elem) + cards, self.align)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C)]
    struct Probe<H, T> {
        head: H,
        tail: [T],
    }

    /// The offsets `TailLayout` computes are the ones the compiler gives a
    /// `repr(C)` struct whose last field is a slice.
    fn check<H, T>(len: usize) {
        let buffer: Vec<u64> = vec![0; 64];
        let data = buffer.as_ptr().cast::<T>();
        let fat = std::ptr::slice_from_raw_parts(data, len) as *const Probe<H, T>;
        // SAFETY: only metadata is read (size_of_val_raw is not stable, so
        // the value is borrowed; the buffer is big enough and aligned to 8).
        let value = unsafe { &*fat };
        let value_size = std::mem::size_of_val(value);
        let value_align = std::mem::align_of_val(value);
        let tail = std::ptr::addr_of!(value.tail) as *const u8 as usize - data as usize;
        let base = TailLayout::<H, T>::VALUE_OFFSET;
        assert_eq!(TailLayout::<H, T>::TAIL_OFFSET - base, tail);
        assert_eq!(base % value_align, 0);
        let size = TailLayout::<H, T>::size(len).unwrap();
        assert!(size >= base + value_size);
        assert_eq!(size % TailLayout::<H, T>::ALIGN, 0);
    }

    #[test]
    fn tail_offsets_match_repr_c() {
        for len in [0, 1, 3] {
            check::<(), u8>(len);
            check::<u8, u64>(len);
            check::<u64, u8>(len);
            check::<(u8, u16), u32>(len);
            check::<[u8; 3], u16>(len);
        }
    }

    #[test]
    fn sizes_round_up_and_overflow_is_caught() {
        assert_eq!(TailLayout::<(), u8>::TAIL_OFFSET, 24);
        assert_eq!(TailLayout::<(), u8>::size(0), Some(24));
        assert_eq!(TailLayout::<(), u8>::size(1), Some(32));
        assert_eq!(TailLayout::<(), u64>::size(2), Some(40));
        assert_eq!(TailLayout::<(), u64>::size(usize::MAX / 4), None);
    }

    #[test]
    fn arrays_carry_two_bits_per_card() {
        // 64 eight-byte slots per card, 32 cards per word.
        assert_eq!(card_count(0, 8), 0);
        assert_eq!(card_count(64, 8), 1);
        assert_eq!(card_count(65, 8), 2);
        assert_eq!(card_words(32 * 64, 8), 1);
        assert_eq!(card_words(32 * 64 + 1, 8), 2);
        assert_eq!(card_words(64 * 64, 8), 2);
        assert_eq!(elems_per_card(1024), 1);
        // 24 + 8 * 8 = 88 bytes of elements, one card word: 96 bytes.
        assert_eq!(TailLayout::<(), u64>::array_size(8), Some(96));
        assert_eq!(TailLayout::<(), u64>::array_size(0), Some(24));
    }
}
