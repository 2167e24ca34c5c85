//! Copying one object's bytes during evacuation (the minor GC's Cheney copy,
//! `evacuate`): the hot inner step of copying collection, once per survivor.
//!
//! A copy moves the whole `GcBox` (header and value) to memory the
//! evacuation allocated in the to-space or old space; the caller then
//! rewrites the copy's header and turns the original into a forwarding
//! pointer. Nothing here reads the value's fields: padding may be
//! uninitialized, so the bytes move as `MaybeUninit` words.

/// Copies an object of `size` bytes. Most young objects are a few words,
/// and for a size known only at run time `copy_nonoverlapping` is a call to
/// `memcpy` costing more than such a copy; an object of 16 to 64 bytes is
/// moved instead as two blocks of 16 or 32 bytes, the second one ending at
/// the object's end (they overlap for the sizes in between), with no jump
/// table: the bytes go as `MaybeUninit`, since padding may be uninitialized.
///
/// # Safety
/// `from` and `to` are 8-aligned, valid for `size` bytes and disjoint.
#[inline(always)]
pub(crate) unsafe fn copy_object(from: *const u8, to: *mut u8, size: usize) {
    if (16..=SMALL).contains(&size) {
        // SAFETY: the caller's contract, and the size is in range.
        unsafe { copy_small(from, to, size) }
    } else {
        // SAFETY: the caller's contract.
        unsafe { std::ptr::copy_nonoverlapping(from, to, size) }
    }
}

/// The largest object in bytes that `copy_small` copies.
pub(crate) const SMALL: usize = 64;

/// `copy_object` for an object of 16 to `SMALL` bytes: straight-line code
/// that calls nothing (the minor GC's fast path relies on it).
///
/// # Safety
/// As for `copy_object`, and `16 <= size <= SMALL`.
#[inline(always)]
pub(crate) unsafe fn copy_small(from: *const u8, to: *mut u8, size: usize) {
    use std::mem::MaybeUninit;
    debug_assert!((16..=SMALL).contains(&size));
    macro_rules! two_blocks {
        ($bytes:literal) => {{
            type Block = MaybeUninit<[u64; $bytes / 8]>;
            let tail = size - $bytes;
            // SAFETY: the caller's contract; `$bytes <= size`, so both
            // blocks, at 0 and at `size - $bytes`, lie inside the object.
            // They are read unaligned: `tail` need not be a multiple of 8.
            unsafe {
                let head = from.cast::<Block>().read_unaligned();
                let last = from.add(tail).cast::<Block>().read_unaligned();
                to.cast::<Block>().write_unaligned(head);
                to.add(tail).cast::<Block>().write_unaligned(last);
            }
        }};
    }
    if size <= 32 {
        two_blocks!(16);
    } else {
        two_blocks!(32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_is_copied_exactly_and_nothing_past_it() {
        let source: Vec<u64> = (0..20).map(|i| 0x0101_0101_0101_0101 * (i + 1)).collect();
        for size in (16..=80).step_by(8).chain([20, 33, 63]) {
            let mut target = vec![0u64; 20];
            // SAFETY: both buffers are 8-aligned, 160 bytes long and disjoint.
            unsafe { copy_object(source.as_ptr().cast(), target.as_mut_ptr().cast(), size) };
            // SAFETY: plain bytes of the two live buffers.
            let (from, to) = unsafe {
                (
                    std::slice::from_raw_parts(source.as_ptr().cast::<u8>(), 160),
                    std::slice::from_raw_parts(target.as_ptr().cast::<u8>(), 160),
                )
            };
            assert_eq!(&to[..size], &from[..size], "size {size}");
            assert!(
                to[size..].iter().all(|&b| b == 0),
                "past the end, size {size}"
            );
        }
    }
}
