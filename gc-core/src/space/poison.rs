//! Poisoning freed memory in stress mode, so a stale pointer reads garbage
//! the verifier recognises instead of a plausible old object.

use bumpalo::Bump;

/// The byte written over freed or evacuated memory in stress mode, so a stale
/// pointer reads an obviously bogus header instead of a plausible old object.
pub(crate) const POISON_BYTE: u8 = 0xDB;

/// Overwrites every allocated byte of `bump` with [`POISON_BYTE`].
pub(crate) fn poison_arena(bump: &mut Bump) {
    // SAFETY: `&mut Bump` means no allocation is in progress, and every
    // object in the arena is dead or already evacuated, so overwriting the
    // allocated bytes cannot be observed by live code.
    for (start, len) in unsafe { bump.iter_allocated_chunks_raw() } {
        // SAFETY: bumpalo reports `len` initialised-or-not bytes at `start`
        // that belong to this arena.
        unsafe { std::ptr::write_bytes(start, POISON_BYTE, len) };
    }
}
