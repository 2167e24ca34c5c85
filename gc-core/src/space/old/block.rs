//! One old-space block and its side metadata (the mark bitmap).
//!
//! A block is `BLOCK_BYTES` of memory aligned to `BLOCK_BYTES`, so the block
//! holding any cell is found by masking the cell's address (as Immix lines,
//! Go's arenas and whippet's slabs are found). The block's first bytes hold
//! its [`BlockMeta`]; the cells follow at [`CELLS_OFFSET`]. The metadata is
//! *side* metadata for the cells: three bitmaps with one bit per cell.
//!
//! - `alloc`: the cell holds an object (as of the block's last sweep, plus
//!   every cell allocated since). Allocation finds a clear bit and sets it:
//!   no free list is threaded through the cells, and a free cell is never
//!   written by the collector (unless poisoning).
//! - `mark`: the object was reached this cycle (gray or black, I1). Marking
//!   sets it; nothing else does.
//! - `drop`: the object's type needs `Drop`. Only cells with this bit are
//!   visited one by one when they die.
//!
//! Sweeping a block (`sweep`) is then word arithmetic: the dead cells are
//! `alloc & !mark`, the survivors become the new `alloc`, `mark` is cleared
//! for the next cycle (the white "flip" per block), and the live count is a
//! popcount. A block whose dead cells need no `Drop` is swept without
//! reading one cell.
//!
//! Invariant I5: a cell whose `alloc` bit is set holds one initialised
//! object; a cell whose bit is clear holds nothing (its bytes are stale).
//! Invariant I8: outside marking every `mark` bit is clear, except in blocks
//! not yet swept since the last mark termination.

use std::cell::Cell;
use std::ptr::NonNull;

use crate::object::header::Header;
use crate::object::unwind::{drop_object, DeferredPanic};

/// Bytes per block, and their alignment: 128 KiB holds 15 cells of the
/// largest class once the 1.6 KiB of metadata is taken (6% lost at worst)
/// and up to 4046 of the smallest, while sweeping one block stays at most
/// 64 words of bitmap arithmetic plus its `Drop` cells.
pub(crate) const BLOCK_BYTES: usize = 128 * 1024;

/// The smallest cell (the first size class): one header and one word.
pub(crate) const SMALLEST_CELL: usize = 32;

/// Bitmap words per block: enough bits for the smallest cells.
const WORDS: usize = BLOCK_BYTES / SMALLEST_CELL / 64;

/// Side metadata at the start of every block.
#[repr(C)]
pub(crate) struct BlockMeta {
    /// Cells holding objects (I5).
    alloc: [Cell<u64>; WORDS],
    /// Cells marked this cycle.
    mark: [Cell<u64>; WORDS],
    /// Cells whose object needs `Drop`.
    drop: [Cell<u64>; WORDS],
    /// Cell size in bytes (the size class's).
    cell_size: Cell<u32>,
    /// Cells in the block.
    cells: Cell<u32>,
    /// Size class index.
    class: Cell<u32>,
    /// `ceil(2^32 / cell_size)`: a cell's index is `(offset * magic) >> 32`,
    /// exact for cell starts below `BLOCK_BYTES` (Go's `divMagic`).
    magic: Cell<u64>,
    /// Objects in the block: the popcount of `alloc`, kept up to date.
    live: Cell<u32>,
    /// Allocation resumes its search for a clear `alloc` bit at this word.
    cursor: Cell<u32>,
    /// The old space's sweep epoch when the block was last swept (or made).
    swept_epoch: Cell<u64>,
}

/// Byte offset of the first cell: the metadata, rounded up to the cell
/// alignment.
pub(crate) const CELLS_OFFSET: usize =
    std::mem::size_of::<BlockMeta>().next_multiple_of(super::CELL_ALIGN);

/// Cells of `cell_size` bytes in one block (every block of a class has as
/// many, so counting a class's cells needs no block's metadata).
pub(crate) const fn cells_per_block(cell_size: usize) -> usize {
    (BLOCK_BYTES - CELLS_OFFSET) / cell_size
}

// The metadata leaves room for a whole number of largest cells.
const _: () = assert!(CELLS_OFFSET < BLOCK_BYTES / 16);

/// What sweeping one block (or large objects) found.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SweepTally {
    /// Cell bytes freed (dead objects).
    pub freed_bytes: usize,
    /// Dead objects freed.
    pub freed_objects: usize,
    /// Units of sweep work: cells covered by the bitmaps swept plus every
    /// cell visited one by one (a `Drop` run or poisoning).
    pub cells: usize,
}

/// A handle on one block: its base address, carrying the provenance of the
/// whole block allocation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Block(NonNull<u8>);

impl Block {
    /// Takes `memory` (`BLOCK_BYTES`, aligned to them, owned by the caller)
    /// as a block of empty cells of `cell_size` bytes in class `class`.
    ///
    /// # Safety
    /// `memory` is valid for `BLOCK_BYTES` bytes, aligned to `BLOCK_BYTES`,
    /// and holds no object anyone still uses.
    pub(crate) unsafe fn format(
        memory: NonNull<u8>,
        cell_size: usize,
        class: usize,
        epoch: u64,
    ) -> Block {
        // The cast also exposes the block's provenance: cells are later
        // mapped back to their block by address alone (`containing`).
        let base = memory.as_ptr() as usize;
        assert_eq!(base % BLOCK_BYTES, 0, "blocks are aligned to their size");
        let cells = cells_per_block(cell_size);
        debug_assert!(cells <= WORDS * 64);
        let meta = memory.cast::<BlockMeta>();
        // SAFETY: the caller hands over the memory; BlockMeta is plain
        // integers in cells, so any bytes may be overwritten with it, and the
        // block's alignment exceeds BlockMeta's.
        unsafe {
            meta.as_ptr().write(BlockMeta {
                alloc: [const { Cell::new(0) }; WORDS],
                mark: [const { Cell::new(0) }; WORDS],
                drop: [const { Cell::new(0) }; WORDS],
                cell_size: Cell::new(cell_size as u32),
                cells: Cell::new(cells as u32),
                class: Cell::new(class as u32),
                magic: Cell::new((1u64 << 32).div_ceil(cell_size as u64)),
                live: Cell::new(0),
                cursor: Cell::new(0),
                swept_epoch: Cell::new(epoch),
            })
        };
        Block(memory)
    }

    /// The block holding the old-space cell at `cell`, found by masking.
    ///
    /// # Safety
    /// `cell` is the start of a cell of a live old-space block.
    #[inline]
    pub(crate) unsafe fn containing(cell: NonNull<Header>) -> Block {
        let base = cell.as_ptr() as usize & !(BLOCK_BYTES - 1);
        // SAFETY: the caller guarantees a block starts at `base` (blocks are
        // aligned to their size); its provenance was exposed by `format`.
        Block(unsafe { NonNull::new_unchecked(base as *mut u8) })
    }

    /// The block's base address.
    pub(crate) fn base(self) -> NonNull<u8> {
        self.0
    }

    #[inline]
    fn meta(&self) -> &BlockMeta {
        // SAFETY: a Block is only made by `format` (which wrote the
        // metadata) or `containing` (whose caller guarantees a live block);
        // the metadata is only ever accessed through shared references to
        // its `Cell`s.
        unsafe { self.0.cast::<BlockMeta>().as_ref() }
    }

    /// Cell size in bytes.
    pub(crate) fn cell_size(self) -> usize {
        self.meta().cell_size.get() as usize
    }

    /// Number of cells.
    pub(crate) fn cells(self) -> usize {
        self.meta().cells.get() as usize
    }

    /// Size class index.
    pub(crate) fn class(self) -> usize {
        self.meta().class.get() as usize
    }

    /// Objects in the block (allocated cells).
    pub(crate) fn live(self) -> usize {
        self.meta().live.get() as usize
    }

    /// True if every cell holds an object.
    pub(crate) fn is_full(self) -> bool {
        self.live() == self.cells()
    }

    /// The sweep epoch of the block's last sweep.
    pub(crate) fn swept_epoch(self) -> u64 {
        self.meta().swept_epoch.get()
    }

    /// Bitmap words in use (the cells rounded up to 64).
    fn words(self) -> usize {
        self.cells().div_ceil(64)
    }

    /// The header of cell `index`.
    pub(crate) fn cell(self, index: usize) -> NonNull<Header> {
        debug_assert!(index < self.cells());
        // SAFETY: index < cells, so the offset stays inside the block.
        unsafe { self.0.add(CELLS_OFFSET + index * self.cell_size()).cast() }
    }

    /// The index of the cell starting at `cell`.
    ///
    /// # Requires
    /// `cell` is a cell start of this block.
    #[inline]
    pub(crate) fn index_of(self, cell: NonNull<Header>) -> usize {
        let offset = cell.as_ptr() as usize - self.0.as_ptr() as usize - CELLS_OFFSET;
        let index = ((offset as u64 * self.meta().magic.get()) >> 32) as usize;
        debug_assert_eq!(index * self.cell_size(), offset, "not a cell start");
        index
    }

    /// True if `address` is the start of one of this block's cells.
    #[cfg(test)]
    pub(crate) fn is_cell_start(self, address: usize) -> bool {
        let start = self.0.as_ptr() as usize + CELLS_OFFSET;
        address >= start
            && address < start + self.cells() * self.cell_size()
            && (address - start) % self.cell_size() == 0
    }

    #[inline]
    fn bit(map: &[Cell<u64>; WORDS], index: usize) -> bool {
        map[index / 64].get() & (1 << (index % 64)) != 0
    }

    #[inline]
    fn set_bit(map: &[Cell<u64>; WORDS], index: usize, on: bool) {
        let word = &map[index / 64];
        let bit = 1u64 << (index % 64);
        word.set(if on {
            word.get() | bit
        } else {
            word.get() & !bit
        });
    }

    /// True if cell `index` holds an object (I5).
    pub(crate) fn is_allocated(self, index: usize) -> bool {
        Block::bit(&self.meta().alloc, index)
    }

    /// True if cell `index` is marked.
    #[inline]
    pub(crate) fn is_marked(self, index: usize) -> bool {
        Block::bit(&self.meta().mark, index)
    }

    /// Sets cell `index`'s mark bit.
    #[inline]
    pub(crate) fn set_marked(self, index: usize) {
        debug_assert!(self.is_allocated(index), "marking a free cell");
        Block::set_bit(&self.meta().mark, index, true);
    }

    /// Records that cell `index` holds an object whose type needs `Drop`.
    pub(crate) fn set_needs_drop(self, index: usize) {
        Block::set_bit(&self.meta().drop, index, true);
    }

    /// Marked cells (a popcount of the mark bitmap).
    pub(crate) fn marked_cells(self) -> usize {
        let meta = self.meta();
        (0..self.words())
            .map(|w| meta.mark[w].get().count_ones() as usize)
            .sum()
    }

    /// Allocated cells counted from the bitmap (the verifier checks `live`
    /// against it).
    pub(crate) fn allocated_cells(self) -> usize {
        let meta = self.meta();
        (0..self.words())
            .map(|w| meta.alloc[w].get().count_ones() as usize)
            .sum()
    }

    /// Bits of word `w` that stand for real cells.
    fn valid_bits(self, w: usize) -> u64 {
        let cells = self.cells();
        if (w + 1) * 64 <= cells {
            u64::MAX
        } else {
            (1u64 << (cells - w * 64)) - 1
        }
    }

    /// Takes a free cell: the first clear `alloc` bit from the cursor on.
    pub(crate) fn alloc(self) -> Option<NonNull<u8>> {
        let meta = self.meta();
        let words = self.words();
        let mut w = meta.cursor.get() as usize;
        while w < words {
            let free = !meta.alloc[w].get() & self.valid_bits(w);
            if free != 0 {
                let index = w * 64 + free.trailing_zeros() as usize;
                meta.alloc[w].set(meta.alloc[w].get() | (1 << (index % 64)));
                meta.live.set(meta.live.get() + 1);
                meta.cursor.set(w as u32);
                return Some(self.cell(index).cast());
            }
            w += 1;
        }
        meta.cursor.set(words as u32);
        None
    }

    /// True if a dead cell of this block needs its `Drop` run: the sweep
    /// would visit cells one by one (the allocator leaves such blocks to
    /// the collector's sweep steps, which may run user code).
    pub(crate) fn has_dead_drops(self) -> bool {
        let meta = self.meta();
        (0..self.words())
            .any(|w| meta.drop[w].get() & meta.alloc[w].get() & !meta.mark[w].get() != 0)
    }

    /// Sweeps the block in sweep epoch `epoch`: drops the dead objects that
    /// need it (a panic is caught into `deferred`), poisons dead cells if
    /// asked, keeps the marked ones and clears the mark bitmap. A block
    /// whose dead need no `Drop` is swept by word arithmetic alone.
    pub(crate) fn sweep(
        self,
        epoch: u64,
        poison: bool,
        deferred: &mut DeferredPanic,
    ) -> SweepTally {
        let meta = self.meta();
        debug_assert_ne!(meta.swept_epoch.get(), epoch, "block swept twice");
        let before = self.live();
        let mut visited = 0;
        let mut live = 0;
        for w in 0..self.words() {
            let mark = meta.mark[w].get();
            let dead = meta.alloc[w].get() & !mark;
            let mut visit = if poison {
                dead
            } else {
                dead & meta.drop[w].get()
            };
            while visit != 0 {
                let index = w * 64 + visit.trailing_zeros() as usize;
                visit &= visit - 1;
                visited += 1;
                self.free_dead(index, poison, deferred);
            }
            meta.alloc[w].set(mark);
            meta.drop[w].set(meta.drop[w].get() & mark);
            meta.mark[w].set(0);
            live += mark.count_ones() as usize;
        }
        meta.live.set(live as u32);
        meta.cursor.set(0);
        meta.swept_epoch.set(epoch);
        let freed = before - live;
        SweepTally {
            freed_bytes: freed * self.cell_size(),
            freed_objects: freed,
            cells: self.cells() + visited,
        }
    }

    /// Runs the dead object's `Drop` in cell `index` if it needs one (a panic
    /// is caught into `deferred`: the cell is freed all the same, so no later
    /// sweep drops the value again), and poisons the cell if asked.
    fn free_dead(self, index: usize, poison: bool, deferred: &mut DeferredPanic) {
        let cell = self.cell(index);
        if Block::bit(&self.meta().drop, index) {
            // SAFETY: the cell holds an initialised object (alloc bit, I5)
            // that is dead (unmarked after marking finished, I1), so nothing
            // can observe it being dropped; the caller frees the cell.
            unsafe { drop_object(cell, deferred) };
        }
        if poison {
            // SAFETY: the cell is `cell_size` bytes inside this block and its
            // object is dead and dropped; nothing refers to it any more.
            unsafe {
                std::ptr::write_bytes(
                    cell.as_ptr().cast::<u8>(),
                    crate::space::poison::POISON_BYTE,
                    self.cell_size(),
                )
            };
        }
    }

    /// Drops every object still in the block that needs it (the heap is
    /// being dropped), catching panics into `deferred`; the block is then
    /// empty.
    pub(crate) fn drop_all(self, deferred: &mut DeferredPanic) {
        let meta = self.meta();
        for w in 0..self.words() {
            let mut visit = meta.alloc[w].get() & meta.drop[w].get();
            while visit != 0 {
                let index = w * 64 + visit.trailing_zeros() as usize;
                visit &= visit - 1;
                // SAFETY: the heap is being dropped: no Gc can be used again,
                // and the cell is marked free right after.
                unsafe { drop_object(self.cell(index), deferred) };
            }
            meta.alloc[w].set(0);
            meta.drop[w].set(0);
            meta.mark[w].set(0);
        }
        meta.live.set(0);
    }

    /// Forgets every object without dropping it (a poisoned heap).
    pub(crate) fn leak_all(self) {
        let meta = self.meta();
        for w in 0..WORDS {
            meta.alloc[w].set(0);
            meta.drop[w].set(0);
            meta.mark[w].set(0);
        }
        meta.live.set(0);
    }
}
