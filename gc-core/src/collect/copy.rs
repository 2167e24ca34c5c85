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
/// `memcpy` costing more than such a copy; the common sizes are moved word by
/// word instead (as `MaybeUninit`, since padding bytes may be uninitialized).
///
/// # Safety
/// `from` and `to` are 8-aligned, valid for `size` bytes and disjoint.
#[inline(always)]
pub(crate) unsafe fn copy_object(from: *const u8, to: *mut u8, size: usize) {
    use std::mem::MaybeUninit;
    macro_rules! words {
        ($n:literal) => {{
            type Words = MaybeUninit<[u64; $n]>;
            // SAFETY: the caller's contract; `size` is `$n` words.
            unsafe { to.cast::<Words>().write(from.cast::<Words>().read()) }
        }};
    }
    match size {
        16 => words!(2),
        24 => words!(3),
        32 => words!(4),
        40 => words!(5),
        48 => words!(6),
        56 => words!(7),
        64 => words!(8),
        // SAFETY: the caller's contract.
        _ => unsafe { std::ptr::copy_nonoverlapping(from, to, size) },
    }
}
