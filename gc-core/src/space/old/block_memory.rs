//! Memory for old-space blocks, mapped from the operating system directly.
//!
//! A block is `BLOCK_BYTES`, aligned to its size, so that an address finds
//! its block by masking. Taken from the global allocator, a fresh block is a
//! large aligned `malloc`, and glibc answers any request of 1 KiB or more by
//! first *consolidating its fastbins*: walking and merging every small chunk
//! the program freed since the last time. The pool takes fresh blocks at
//! safe points (pre-faulting, promotion), so that walk landed in a pause: a
//! 1.9 ms safe point of `intern` that did 3 us of sweeping and committed one
//! block. Go's heap, HotSpot's and MMTk's map their memory from the OS for
//! the same reason (and to own its layout). On Unix, outside Miri, a block
//! here is an anonymous private mapping: twice the size is mapped and the
//! misaligned ends unmapped, so the block is aligned and nothing else shares
//! its pages. Elsewhere, and under Miri, it is the global allocator's.

#[cfg(not(all(unix, not(miri))))]
use std::alloc::Layout;
use std::ptr::NonNull;

use super::block::BLOCK_BYTES;

/// The layout of one block taken from the global allocator: its size,
/// aligned to its size.
#[cfg(not(all(unix, not(miri))))]
fn block_layout() -> Layout {
    // BLOCK_BYTES is a power of two: always a valid layout.
    Layout::from_size_align(BLOCK_BYTES, BLOCK_BYTES).expect("valid block layout")
}

/// A fresh block's memory (where mapped, its pages are not resident until
/// written), or `None` if the system has none.
pub(crate) fn map_block() -> Option<NonNull<u8>> {
    #[cfg(all(unix, not(miri)))]
    {
        map_aligned()
    }
    #[cfg(not(all(unix, not(miri))))]
    {
        // SAFETY: the layout has non-zero size.
        NonNull::new(unsafe { std::alloc::alloc(block_layout()) })
    }
}

/// Returns a block's memory to the system.
///
/// # Safety
/// `block` came from [`map_block`], is not yet unmapped, and nothing reads or
/// writes it afterwards (no object lives in it).
pub(crate) unsafe fn unmap_block(block: NonNull<u8>) {
    #[cfg(all(unix, not(miri)))]
    // SAFETY: the caller's contract: a live mapping of BLOCK_BYTES made by
    // `map_aligned`, no longer used. A failure only leaks the range.
    unsafe {
        libc::munmap(block.as_ptr().cast(), BLOCK_BYTES);
    }
    #[cfg(not(all(unix, not(miri))))]
    // SAFETY: the caller's contract: it came from `alloc(block_layout())`.
    unsafe {
        std::alloc::dealloc(block.as_ptr(), block_layout())
    };
}

/// Maps `2 * BLOCK_BYTES` and unmaps what lies outside the aligned block
/// within it.
#[cfg(all(unix, not(miri)))]
fn map_aligned() -> Option<NonNull<u8>> {
    let span = 2 * BLOCK_BYTES;
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing aliases nothing; the result is checked before use.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            span,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return None;
    }
    let start = base as usize;
    let aligned = start.next_multiple_of(BLOCK_BYTES);
    let head = aligned - start;
    let tail = span - head - BLOCK_BYTES;
    // SAFETY: both ranges lie inside the mapping just made, page aligned
    // (BLOCK_BYTES is a multiple of the page size, as is `start`), and
    // outside the block returned; unmapping them touches nothing else.
    unsafe {
        if head > 0 {
            libc::munmap(base, head);
        }
        if tail > 0 {
            libc::munmap((aligned + BLOCK_BYTES) as *mut libc::c_void, tail);
        }
    }
    NonNull::new(aligned as *mut u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_block_is_aligned_and_writable() {
        let block = map_block().expect("memory for one block");
        assert_eq!(block.as_ptr() as usize % BLOCK_BYTES, 0);
        // SAFETY: the block is BLOCK_BYTES of fresh memory, ours alone.
        unsafe {
            let last = block.as_ptr().add(BLOCK_BYTES - 1);
            last.write(7);
            assert_eq!(last.read(), 7);
            unmap_block(block);
        }
    }
}
