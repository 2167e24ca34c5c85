//! The block pool and the scavenger: where empty old-space blocks wait.
//!
//! A block the sweeper finds empty is not handed back to the system: it goes
//! to this pool, and the next block any size class needs (for a promotion or
//! an old allocation) comes from here before new memory is faulted in. The
//! most recently freed block is reused first, as its pages are the warmest.
//!
//! Memory the program will not need soon is given back to the operating
//! system by the *scavenger* (Go's name): `scavenge` releases the oldest
//! idle blocks above a target at a bounded rate, a few blocks per call, and
//! the collector calls it from its debt steps, never inside a pause. On Unix
//! a released block keeps its address range and gets `madvise(MADV_DONTNEED)`:
//! its pages leave the resident set, and reusing it faults in zeroed pages
//! (Go's HeapReleased). Elsewhere, and under Miri, releasing returns the
//! block's allocation to the system allocator.
//!
//! The inverse, *pre-faulting* (`prefault`): when promotion is about to need
//! blocks the pool does not have, a safe point that ran no minor GC takes one
//! (a released one first, else fresh memory) and touches each of its pages,
//! so that the page faults (a third to a half of a minor GC's time while the
//! heap grows, measured on old-steps) are paid in a light pause rather than
//! inside the next minor GC's copying. The touching is bounded in time: a
//! page fault may cost far more than clearing 4 KiB (38 us a page on a VM
//! whose host was backing its memory lazily: one block, 32 pages, made a
//! 1.2 ms safe point), so a block is touched a few pages per call, the
//! block being filled waits apart (`filling`), and it joins the idle blocks
//! once every page is resident.
//!
//! Accounting: idle blocks are committed memory (the memory limit counts
//! them); released ones are not.

use std::collections::VecDeque;
use std::ptr::NonNull;

use super::block::{BLOCK_BYTES, CELLS_OFFSET};
use super::block_memory::{unmap_block, FreshBlocks};

/// Whether releasing keeps the address range (`madvise`) or frees it.
const KEEPS_RELEASED: bool = cfg!(all(unix, not(miri)));

/// Empty blocks, resident or released.
#[derive(Default)]
pub(crate) struct BlockPool {
    /// Empty, resident blocks; the oldest freed at the front.
    idle: VecDeque<NonNull<u8>>,
    /// Empty blocks whose pages were returned to the OS (address kept).
    released: Vec<NonNull<u8>>,
    /// The block being pre-faulted, and the offset of its next page to touch.
    /// Committed and empty like an idle block (counted with them).
    filling: Option<(NonNull<u8>, usize)>,
    /// Bytes released to the OS since the heap was made.
    pub(crate) released_total: u64,
    /// Blocks allocated from the system since the heap was made.
    pub(crate) fresh_blocks: u64,
    /// Blocks taken from the pool since the heap was made.
    pub(crate) reused_blocks: u64,
    /// Blocks pre-faulted since the heap was made (`prefault`).
    pub(crate) prefaulted_blocks: u64,
    /// Where fresh blocks come from (mapped a chunk at a time).
    fresh: FreshBlocks,
}

impl BlockPool {
    /// Bytes of idle (resident) blocks.
    pub(crate) fn idle_bytes(&self) -> usize {
        (self.idle.len() + usize::from(self.filling.is_some())) * BLOCK_BYTES
    }

    /// Bytes of released blocks kept for reuse.
    pub(crate) fn released_bytes(&self) -> usize {
        self.released.len() * BLOCK_BYTES
    }

    /// Every pooled block (for the verifier).
    pub(crate) fn idle_blocks(&self) -> impl Iterator<Item = NonNull<u8>> + '_ {
        let filling = self.filling.map(|(block, _)| block);
        self.idle.iter().copied().chain(filling)
    }

    /// Puts an empty block in the pool.
    pub(crate) fn put(&mut self, block: NonNull<u8>) {
        self.idle.push_back(block);
    }

    /// Memory for a block: the warmest idle block, else the one half
    /// pre-faulted, else a released one, else a fresh allocation (`None` if
    /// the system is out of memory).
    pub(crate) fn take(&mut self) -> Option<NonNull<u8>> {
        let pooled = self.idle.pop_back();
        let pooled = pooled.or_else(|| self.filling.take().map(|(block, _)| block));
        if let Some(block) = pooled.or_else(|| self.released.pop()) {
            self.reused_blocks += 1;
            return Some(block);
        }
        let block = self.fresh.take()?;
        self.fresh_blocks += 1;
        Some(block)
    }

    /// Releases idle blocks, oldest first, while idle memory exceeds
    /// `keep_bytes`, at most `max_blocks` of them. Returns the bytes released.
    pub(crate) fn scavenge(&mut self, keep_bytes: usize, max_blocks: usize) -> usize {
        let mut released = 0;
        while released < max_blocks && self.idle_bytes() > keep_bytes {
            let Some(block) = self.idle.pop_front() else {
                break;
            };
            release(block);
            if KEEPS_RELEASED {
                self.released.push(block);
            }
            released += 1;
        }
        let bytes = released * BLOCK_BYTES;
        self.released_total += bytes as u64;
        bytes
    }

    /// Makes one more block idle and resident if fewer than `want` are: a
    /// released block (paged in again) or fresh memory, every page touched,
    /// a few pages per call until `out_of_time` (read after each page) says
    /// stop. Returns true if it touched a page (false: enough blocks, or out
    /// of memory).
    pub(crate) fn prefault(&mut self, want: usize, out_of_time: impl Fn() -> bool) -> bool {
        let (block, mut offset) = match self.filling.take() {
            Some(filling) => filling,
            None if self.idle.len() >= want => return false,
            None => match self.block_to_fill() {
                Some(block) => (block, 0),
                None => return false,
            },
        };
        loop {
            offset = touch_page(block, offset);
            if offset >= BLOCK_BYTES {
                self.prefaulted_blocks += 1;
                self.idle.push_back(block);
                return true;
            }
            if out_of_time() {
                self.filling = Some((block, offset));
                return true;
            }
        }
    }

    /// A block to pre-fault: a released one, else fresh memory; its
    /// metadata zeroed (so that, like every pooled block, it reads as
    /// holding no object: the verifier checks that, I8).
    fn block_to_fill(&mut self) -> Option<NonNull<u8>> {
        let block = match self.released.pop() {
            Some(block) => block,
            None => {
                let block = self.fresh.take()?;
                self.fresh_blocks += 1;
                block
            }
        };
        // SAFETY: the block is BLOCK_BYTES of our own allocation, owned by the
        // pool and holding no object; CELLS_OFFSET < BLOCK_BYTES.
        unsafe { block.as_ptr().write_bytes(0, CELLS_OFFSET) };
        Some(block)
    }
}

/// Bytes between two writes that fault a block's pages in: 4 KiB, the
/// smallest page size of the systems tenure runs on (a bigger page is
/// touched more than once, which costs nothing more).
const PAGE_BYTES: usize = 4096;

/// Faults in the page of `block` at `offset` (its first page: the first
/// past the metadata, which `block_to_fill` wrote) by writing one byte of
/// it. Returns the offset of the next page.
fn touch_page(block: NonNull<u8>, offset: usize) -> usize {
    let page = offset.max(CELLS_OFFSET.next_multiple_of(PAGE_BYTES));
    if page < BLOCK_BYTES {
        // SAFETY: the block is BLOCK_BYTES of our own allocation, owned by
        // the pool and holding no object (any byte may be written; it is
        // formatted before use); the volatile write keeps the fault.
        unsafe { block.as_ptr().add(page).write_volatile(0) };
    }
    page + PAGE_BYTES
}

/// Gives a block's pages back to the operating system.
fn release(block: NonNull<u8>) {
    #[cfg(all(unix, not(miri)))]
    {
        // SAFETY: the block is BLOCK_BYTES of our own allocation, page
        // aligned (it is aligned to BLOCK_BYTES) and holds no object; after
        // MADV_DONTNEED its pages read as zeros, and it is formatted anew
        // before reuse. A failure only leaves the pages resident.
        unsafe {
            libc::madvise(block.as_ptr().cast(), BLOCK_BYTES, libc::MADV_DONTNEED);
        }
    }
    #[cfg(not(all(unix, not(miri))))]
    {
        // SAFETY: the block came from `FreshBlocks::take` and is no longer in the
        // pool or any class.
        unsafe { unmap_block(block) };
    }
}

impl Drop for BlockPool {
    fn drop(&mut self) {
        let filling = self.filling.take().map(|(block, _)| block);
        for block in self
            .idle
            .drain(..)
            .chain(self.released.drain(..))
            .chain(filling)
        {
            // SAFETY: every pooled block came from `FreshBlocks::take` and is owned
            // by the pool alone.
            unsafe { unmap_block(block) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warmest_idle_block_is_reused_first_then_released_ones() {
        let mut pool = BlockPool::default();
        let (a, b) = (pool.take().unwrap(), pool.take().unwrap());
        assert_eq!(pool.fresh_blocks, 2);
        assert_eq!(a.as_ptr() as usize % BLOCK_BYTES, 0, "aligned to its size");
        pool.put(a);
        pool.put(b);
        assert_eq!(pool.idle_bytes(), 2 * BLOCK_BYTES);
        assert_eq!(pool.take(), Some(b), "the last freed is the warmest");
        pool.put(b);
        // The scavenger releases the oldest (a) and keeps b.
        assert_eq!(pool.scavenge(BLOCK_BYTES, 8), BLOCK_BYTES);
        assert_eq!(pool.idle_blocks().collect::<Vec<_>>(), vec![b]);
        assert_eq!(
            pool.released_bytes(),
            usize::from(KEEPS_RELEASED) * BLOCK_BYTES
        );
        assert_eq!(pool.take(), Some(b));
        let next = pool.take().unwrap();
        if KEEPS_RELEASED {
            assert_eq!(next, a, "a released block is reused before fresh memory");
            assert_eq!(pool.fresh_blocks, 2);
        }
        pool.put(next);
        pool.put(b);
    }

    #[test]
    fn scavenging_stops_at_its_budget_and_at_the_bytes_to_keep() {
        let mut pool = BlockPool::default();
        let blocks: Vec<_> = (0..4).map(|_| pool.take().unwrap()).collect();
        blocks.into_iter().for_each(|block| pool.put(block));
        assert_eq!(pool.scavenge(0, 1), BLOCK_BYTES, "one block per call");
        assert_eq!(
            pool.scavenge(2 * BLOCK_BYTES, 8),
            BLOCK_BYTES,
            "down to the keep"
        );
        assert_eq!(pool.scavenge(2 * BLOCK_BYTES, 8), 0);
        assert_eq!(pool.idle_bytes(), 2 * BLOCK_BYTES);
        assert_eq!(pool.released_total, 2 * BLOCK_BYTES as u64);
    }
}
