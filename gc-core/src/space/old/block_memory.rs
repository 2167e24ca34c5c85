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
//!
//! Blocks are mapped [`CHUNK_BLOCKS`] at a time ([`FreshBlocks`]): each
//! mapping is one kernel memory region (VMA), and Linux allows a process
//! 65,530 of them (`vm.max_map_count`). Mapped one by one, each aligned
//! block was a region of its own (the misaligned ends unmapped around it
//! leave gaps), so an old generation past 8 GiB ran out of regions and the
//! next allocation failed (old-steps at 4 GiB, which peaks near 8 GiB of
//! blocks).
//!
//! On Linux a mapped chunk is also marked `MADV_NOHUGEPAGE`. The kernel
//! merges adjacent block mappings into one region, and with transparent huge
//! pages on (`enabled=always`, this machine's default) the first touch of a
//! fresh block could fault in a whole 2 MiB page and clear it: 2.6-6 ms of
//! one fault on this VM, whose host backs guest memory lazily, inside a
//! pre-faulting step bounded to 100 us (it reads its clock between pages)
//! or inside a minor GC promoting into that block (old-steps at 4 GiB). A
//! block's fault then costs a 4 KiB page, the unit the pre-faulting and
//! promotion paths are bounded by.

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

/// Blocks mapped from the system at a time: 32 (4 MiB of address space,
/// resident only as its pages are written). The global allocator's blocks
/// (elsewhere, and under Miri) come one at a time.
#[cfg_attr(not(all(unix, not(miri))), allow(dead_code))]
pub(crate) const CHUNK_BLOCKS: usize = 32;

/// Fresh blocks: the part of the last mapped chunk not yet handed out.
#[derive(Default)]
pub(crate) struct FreshBlocks {
    /// The next fresh block and how many are left from it on (`None`: the
    /// next `take` maps a new chunk).
    #[cfg_attr(not(all(unix, not(miri))), allow(dead_code))]
    next: Option<(NonNull<u8>, usize)>,
}

impl FreshBlocks {
    /// A fresh block's memory (where mapped, its pages are not resident
    /// until written), or `None` if the system has none.
    pub(crate) fn take(&mut self) -> Option<NonNull<u8>> {
        #[cfg(all(unix, not(miri)))]
        {
            let (block, left) = match self.next.take() {
                Some(next) => next,
                None => (map_aligned(CHUNK_BLOCKS * BLOCK_BYTES)?, CHUNK_BLOCKS),
            };
            if left > 1 {
                // SAFETY: `left` blocks lie from `block` on inside the chunk.
                let after = unsafe { block.add(BLOCK_BYTES) };
                self.next = Some((after, left - 1));
            }
            Some(block)
        }
        #[cfg(not(all(unix, not(miri))))]
        {
            // SAFETY: the layout has non-zero size.
            NonNull::new(unsafe { std::alloc::alloc(block_layout()) })
        }
    }
}

#[cfg(all(unix, not(miri)))]
impl Drop for FreshBlocks {
    fn drop(&mut self) {
        if let Some((block, left)) = self.next.take() {
            // SAFETY: the rest of a chunk mapped by `take`, never handed out.
            unsafe { unmap(block, left * BLOCK_BYTES) };
        }
    }
}

/// Returns a block's memory to the system.
///
/// # Safety
/// `block` came from [`FreshBlocks::take`], is not yet unmapped, and nothing
/// reads or writes it afterwards (no object lives in it).
pub(crate) unsafe fn unmap_block(block: NonNull<u8>) {
    #[cfg(all(unix, not(miri)))]
    // SAFETY: the caller's contract.
    unsafe {
        unmap(block, BLOCK_BYTES)
    };
    #[cfg(not(all(unix, not(miri))))]
    // SAFETY: the caller's contract: it came from `alloc(block_layout())`.
    unsafe {
        std::alloc::dealloc(block.as_ptr(), block_layout())
    };
}

/// Maps `bytes` (a multiple of `BLOCK_BYTES`) aligned to `BLOCK_BYTES`:
/// one block more is mapped, and what lies outside the aligned range within
/// it is unmapped.
#[cfg(all(unix, not(miri)))]
fn map_aligned(bytes: usize) -> Option<NonNull<u8>> {
    let span = bytes + BLOCK_BYTES;
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
    let tail = span - head - bytes;
    // SAFETY: both ranges lie inside the mapping just made, page aligned
    // (BLOCK_BYTES is a multiple of the page size, as is `start`), and
    // outside the range returned; unmapping them touches nothing else.
    unsafe {
        if head > 0 {
            libc::munmap(base, head);
        }
        if tail > 0 {
            libc::munmap((aligned + bytes) as *mut libc::c_void, tail);
        }
    }
    refuse_huge_pages(aligned as *mut libc::c_void, bytes);
    NonNull::new(aligned as *mut u8)
}

/// Unmaps `bytes` of block memory from `start`.
///
/// # Safety
/// The range was mapped by `map_aligned`, is not yet unmapped, and nothing
/// reads or writes it afterwards.
#[cfg(all(unix, not(miri)))]
unsafe fn unmap(start: NonNull<u8>, bytes: usize) {
    // SAFETY: the caller's contract; unmapping part of a mapping is allowed
    // (the kernel splits it). A failure only leaks the range.
    unsafe {
        libc::munmap(start.as_ptr().cast(), bytes);
    }
}

/// Asks the kernel not to back the `bytes` at `start` with transparent huge
/// pages (see the module docs). Advice only: a failure changes nothing else.
#[cfg(all(unix, not(miri)))]
fn refuse_huge_pages(start: *mut libc::c_void, bytes: usize) {
    #[cfg(target_os = "linux")]
    // SAFETY: the range is a live mapping made by `map_aligned`, page
    // aligned; `MADV_NOHUGEPAGE` changes how its pages are backed, not
    // their contents.
    unsafe {
        libc::madvise(start, bytes, libc::MADV_NOHUGEPAGE);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (start, bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_block_is_aligned_and_writable() {
        let mut fresh = FreshBlocks::default();
        let block = fresh.take().expect("memory for one block");
        assert_eq!(block.as_ptr() as usize % BLOCK_BYTES, 0);
        // SAFETY: the block is BLOCK_BYTES of fresh memory, ours alone.
        unsafe {
            let last = block.as_ptr().add(BLOCK_BYTES - 1);
            last.write(7);
            assert_eq!(last.read(), 7);
            unmap_block(block);
        }
    }

    #[test]
    fn fresh_blocks_come_a_chunk_at_a_time_each_aligned_and_apart() {
        let mut fresh = FreshBlocks::default();
        let blocks: Vec<_> = (0..CHUNK_BLOCKS + 1)
            .map(|_| fresh.take().expect("memory for a block"))
            .collect();
        let mut starts: Vec<usize> = blocks.iter().map(|b| b.as_ptr() as usize).collect();
        starts.sort_unstable();
        starts.dedup();
        assert_eq!(starts.len(), blocks.len(), "no block handed out twice");
        for block in blocks {
            assert_eq!(block.as_ptr() as usize % BLOCK_BYTES, 0);
            // SAFETY: each block is BLOCK_BYTES of fresh memory, ours alone.
            unsafe {
                block.as_ptr().write(1);
                block.as_ptr().add(BLOCK_BYTES - 1).write(2);
                unmap_block(block);
            }
        }
    }
}
