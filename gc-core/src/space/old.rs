//! Old space: the non-moving home of long-lived objects.
//!
//! Objects reach old space by promotion from the young generation, or
//! directly when the young generation is off. Old space never moves an object,
//! so it is collected by mark-sweep rather than copying.
//!
//! Memory is organised as in most malloc-style collectors (Lua's, Go's
//! mspans, MMTk's mark-sweep space): **size classes** of fixed-size **cells**,
//! each class owning **blocks** of `BLOCK_BYTES`. A free cell has a null
//! `info` word in its header and links to the next free cell of its block, so
//! allocation pops a per-block free list, and sweeping rebuilds that list
//! while visiting every cell once. A block found entirely free by the sweeper
//! goes back to the system allocator.
//!
//! Invariant I5: every cell is either free (null info, on its block's free
//! list after the block's last sweep) or holds one initialised object.
//!
//! A dead object's `Drop` may panic: the sweeper catches it (`object/unwind`),
//! frees the cell as if the drop had returned and sweeps on, so the drop glue
//! of a cell runs exactly once; the panic is resumed after the collection.

use std::alloc::{alloc, dealloc, Layout};
use std::ptr::NonNull;

use crate::object::header::{Colour, Header};
use crate::object::unwind::{drop_object, DeferredPanic};

/// Bytes per block: 64 KiB holds 8 cells of the largest class (so at most
/// 1/8 of a block is lost to a partly used block of big cells) and 4096 of the
/// smallest, while a block sweep stays short (~4k cells, a few microseconds).
pub(crate) const BLOCK_BYTES: usize = 64 * 1024;

/// Alignment of every cell, in bytes: 16 (the header's size), enough for
/// every ordinary Rust type; types with larger alignment go to large space.
pub(crate) const CELL_ALIGN: usize = 16;

/// Number of size classes (see [`SIZE_CLASSES`]).
const CLASS_COUNT: usize = 46;

/// Cell sizes in bytes, from 32 to 8 KiB. Up to 128 bytes the classes step by
/// the 16-byte cell alignment; above, each step is the largest multiple of 16
/// that is at most 1/8 of the class below it, so that an object one granule
/// bigger than a class wastes at most 12.5% of its cell (Go's bound; a 1040-byte
/// object lands in a 1152-byte cell, 9.7% waste). The smallest is 32 because a
/// free cell needs its 16-byte header plus a link word.
pub(crate) const SIZE_CLASSES: [usize; CLASS_COUNT] = size_classes();

const fn size_classes() -> [usize; CLASS_COUNT] {
    let mut classes = [0; CLASS_COUNT];
    classes[0] = 32;
    let mut i = 1;
    while i < CLASS_COUNT {
        let below = classes[i - 1];
        let step = if below < 128 {
            CELL_ALIGN
        } else {
            below / 8 / CELL_ALIGN * CELL_ALIGN
        };
        let next = below + step;
        classes[i] = if next > LARGEST_CELL {
            LARGEST_CELL
        } else {
            next
        };
        i += 1;
    }
    classes
}

/// The largest cell: 8 KiB, so that a block holds 8 of them (the last step is
/// cut short to land on it).
const LARGEST_CELL: usize = 8192;

// The table reaches the largest cell exactly at its last class.
const _: () = assert!(SIZE_CLASSES[CLASS_COUNT - 1] == LARGEST_CELL);
const _: () = assert!(SIZE_CLASSES[CLASS_COUNT - 2] < LARGEST_CELL);

/// The largest object (header included) old space cells hold; bigger objects
/// go to the large object space.
pub(crate) const MAX_CELL_BYTES: usize = SIZE_CLASSES[SIZE_CLASSES.len() - 1];

/// Size class index for every size in 16-byte steps: `CLASS_OF[(size + 15) / 16]`.
const CLASS_OF: [u8; MAX_CELL_BYTES / CELL_ALIGN + 1] = class_table();

const fn class_table() -> [u8; MAX_CELL_BYTES / CELL_ALIGN + 1] {
    let mut table = [0u8; MAX_CELL_BYTES / CELL_ALIGN + 1];
    let mut granule = 0;
    let mut class = 0;
    while granule < table.len() {
        while SIZE_CLASSES[class] < granule * CELL_ALIGN {
            class += 1;
        }
        table[granule] = class as u8;
        granule += 1;
    }
    table
}

/// The size class for an object of `size` bytes (header included).
///
/// # Requires
/// `size <= MAX_CELL_BYTES`.
#[inline]
pub(crate) fn class_of(size: usize) -> usize {
    debug_assert!(size <= MAX_CELL_BYTES);
    CLASS_OF[size.div_ceil(CELL_ALIGN)] as usize
}

/// A free cell: a header whose `info` is null, then the free-list link.
#[repr(C)]
struct FreeCell {
    header: Header,
    next: Option<NonNull<FreeCell>>,
}

/// One block of equal-sized cells.
pub(crate) struct Block {
    start: NonNull<u8>,
    cell_size: usize,
    cells: usize,
    /// Head of this block's free list (rebuilt by each sweep of the block).
    free: Option<NonNull<FreeCell>>,
    /// Number of cells on the free list.
    free_cells: usize,
}

fn block_layout() -> Layout {
    // BLOCK_BYTES is a power of two and CELL_ALIGN divides it: always valid.
    Layout::from_size_align(BLOCK_BYTES, CELL_ALIGN).expect("valid block layout")
}

impl Block {
    /// A fresh block of all-free cells, or `None` if the system is out of memory.
    fn new(cell_size: usize) -> Option<Block> {
        // SAFETY: the layout has non-zero size.
        let start = NonNull::new(unsafe { alloc(block_layout()) })?;
        let cells = BLOCK_BYTES / cell_size;
        let mut block = Block {
            start,
            cell_size,
            cells,
            free: None,
            free_cells: 0,
        };
        for index in (0..cells).rev() {
            block.push_free(block.cell(index));
        }
        Some(block)
    }

    /// The header of cell `index`.
    fn cell(&self, index: usize) -> NonNull<Header> {
        debug_assert!(index < self.cells);
        // SAFETY: index < cells, so the offset stays inside the block's allocation.
        unsafe { self.start.add(index * self.cell_size).cast() }
    }

    /// Puts `cell` (not in use) on the free list.
    fn push_free(&mut self, cell: NonNull<Header>) {
        let free = cell.cast::<FreeCell>();
        // SAFETY: the cell is inside this block, CELL_ALIGN-aligned, at least
        // SIZE_CLASSES[0] bytes (enough for a FreeCell, checked at compile
        // time below) and not in use (I5), so it may be overwritten.
        unsafe {
            free.as_ptr().write(FreeCell {
                header: Header::free_cell(),
                next: self.free,
            })
        };
        self.free = Some(free);
        self.free_cells += 1;
    }

    /// Pops a free cell.
    fn pop_free(&mut self) -> Option<NonNull<u8>> {
        let cell = self.free?;
        // SAFETY: cells on the free list are FreeCells written by push_free.
        self.free = unsafe { (*cell.as_ptr()).next };
        self.free_cells -= 1;
        Some(cell.cast())
    }

    fn is_empty(&self) -> bool {
        self.free_cells == self.cells
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: `start` came from `alloc(block_layout())` in Block::new.
        unsafe { dealloc(self.start.as_ptr(), block_layout()) }
    }
}

/// Proof at compile time that a `FreeCell` fits the smallest size class.
const _: () = assert!(std::mem::size_of::<FreeCell>() <= SIZE_CLASSES[0]);

/// What sweeping one block found.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SweepTally {
    /// Cell bytes freed (dead objects).
    pub freed_bytes: usize,
    /// Dead objects freed.
    pub freed_objects: usize,
    /// Cells visited (the unit of sweep work).
    pub cells: usize,
}

/// The blocks of one size class.
struct SizeClass {
    cell_size: usize,
    blocks: Vec<Block>,
    /// Blocks before this index have been found full by allocation since the
    /// last sweep; allocation resumes here.
    alloc_cursor: usize,
}

/// The old-generation cell space.
pub(crate) struct OldSpace {
    classes: Vec<SizeClass>,
    /// Bytes of cells holding objects, dead or alive, not yet swept.
    pub(crate) bytes_in_use: usize,
    /// Objects in cells (dead ones included until swept).
    pub(crate) objects: usize,
}

impl OldSpace {
    /// An old space with no blocks yet.
    pub(crate) fn new() -> OldSpace {
        OldSpace {
            classes: SIZE_CLASSES
                .iter()
                .map(|&cell_size| SizeClass {
                    cell_size,
                    blocks: Vec::new(),
                    alloc_cursor: 0,
                })
                .collect(),
            bytes_in_use: 0,
            objects: 0,
        }
    }

    /// Allocates a cell for an object of `size` bytes; `None` if the system is
    /// out of memory.
    ///
    /// # Requires
    /// `size <= MAX_CELL_BYTES`.
    pub(crate) fn alloc(&mut self, size: usize) -> Option<NonNull<u8>> {
        let class = &mut self.classes[class_of(size)];
        let cell = class.alloc()?;
        self.bytes_in_use += class.cell_size;
        self.objects += 1;
        Some(cell)
    }

    /// The cell size that an object of `size` bytes occupies.
    pub(crate) fn cell_size_for(size: usize) -> usize {
        SIZE_CLASSES[class_of(size)]
    }

    /// Bytes of blocks held from the system.
    pub(crate) fn committed(&self) -> usize {
        self.block_count() * BLOCK_BYTES
    }

    /// Number of blocks across all classes.
    pub(crate) fn block_count(&self) -> usize {
        self.classes.iter().map(|class| class.blocks.len()).sum()
    }

    /// Number of blocks of size class `class` (the sweep cursor's bound).
    pub(crate) fn blocks_in_class(&self, class: usize) -> usize {
        self.classes[class].blocks.len()
    }

    /// Number of size classes.
    pub(crate) fn class_count(&self) -> usize {
        self.classes.len()
    }

    /// Sweeps one block: frees every cell painted `dead` (dropping its value;
    /// a panic is caught into `deferred`), repaints every other object `live`,
    /// and rebuilds the free list.
    pub(crate) fn sweep_block(
        &mut self,
        class: usize,
        block: usize,
        dead: Colour,
        live: Colour,
        poison: bool,
        deferred: &mut DeferredPanic,
    ) -> SweepTally {
        let size_class = &mut self.classes[class];
        let tally = size_class.blocks[block].sweep(dead, live, poison, deferred);
        if tally.freed_objects > 0 && block < size_class.alloc_cursor {
            // Let allocation reuse the cells just freed, rather than taking
            // fresh blocks until the whole sweep is over.
            size_class.alloc_cursor = block;
        }
        self.bytes_in_use -= tally.freed_bytes;
        self.objects -= tally.freed_objects;
        tally
    }

    /// Ends a sweep: returns wholly free blocks to the system and restarts
    /// allocation from each class's first block. Returns the bytes released.
    pub(crate) fn release_empty_blocks(&mut self) -> usize {
        let before = self.block_count();
        for class in &mut self.classes {
            class.blocks.retain(|block| !block.is_empty());
            class.alloc_cursor = 0;
        }
        (before - self.block_count()) * BLOCK_BYTES
    }

    /// Drops every object (the heap is being dropped), catching panics into
    /// `deferred`; every cell is free afterwards.
    pub(crate) fn drop_objects(&mut self, deferred: &mut DeferredPanic) {
        for class in &mut self.classes {
            for block in &mut class.blocks {
                block.drop_all(deferred);
            }
        }
    }

    /// Marks every cell free without dropping its value (a poisoned heap
    /// is being dropped: its values are leaked, its blocks still returned).
    pub(crate) fn leak_objects(&mut self) {
        for class in &mut self.classes {
            for block in &mut class.blocks {
                for index in 0..block.cells {
                    // SAFETY: every cell holds a header, free or in use (I5).
                    unsafe { block.cell(index).as_ref() }.set_free();
                }
            }
        }
    }

    /// True if `ptr` is the start of a cell in one of old space's blocks, in
    /// O(blocks): for tests; the verifier indexes `cell_ranges` instead.
    #[cfg(test)]
    pub(crate) fn contains_cell(&self, ptr: NonNull<Header>) -> bool {
        let address = ptr.as_ptr() as usize;
        self.classes.iter().any(|class| {
            class.blocks.iter().any(|block| {
                let start = block.start.as_ptr() as usize;
                address >= start
                    && address < start + block.cells * block.cell_size
                    && (address - start) % block.cell_size == 0
            })
        })
    }

    /// Every block as `(first cell address, end of its cells, cell size)`,
    /// for an index by address (the verifier's `SpaceIndex`).
    pub(crate) fn cell_ranges(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.classes
            .iter()
            .flat_map(|class| class.blocks.iter())
            .map(|block| {
                let start = block.start.as_ptr() as usize;
                (
                    start,
                    start + block.cells * block.cell_size,
                    block.cell_size,
                )
            })
    }
}

impl SizeClass {
    fn alloc(&mut self) -> Option<NonNull<u8>> {
        while let Some(block) = self.blocks.get_mut(self.alloc_cursor) {
            if let Some(cell) = block.pop_free() {
                return Some(cell);
            }
            self.alloc_cursor += 1;
        }
        let mut block = Block::new(self.cell_size)?;
        let cell = block.pop_free();
        self.blocks.push(block);
        cell
    }
}

impl Block {
    fn sweep(
        &mut self,
        dead: Colour,
        live: Colour,
        poison: bool,
        deferred: &mut DeferredPanic,
    ) -> SweepTally {
        let mut tally = SweepTally {
            cells: self.cells,
            ..SweepTally::default()
        };
        self.free = None;
        self.free_cells = 0;
        for index in (0..self.cells).rev() {
            let cell = self.cell(index);
            // SAFETY: every cell holds a header, free or in use (I5).
            let header = unsafe { cell.as_ref() };
            if header.raw_info().is_null() {
                self.push_free(cell);
                continue;
            }
            debug_assert_ne!(header.colour(), Colour::Gray, "gray object at sweep");
            if header.colour() == dead {
                self.free_dead(cell, poison, deferred);
                tally.freed_bytes += self.cell_size;
                tally.freed_objects += 1;
            } else {
                header.set_colour(live);
            }
        }
        tally
    }

    /// Drops the dead object in `cell` and puts the cell on the free list,
    /// also when its `Drop` panics (caught into `deferred`): the cell is then
    /// free, so no later sweep can drop the same value again.
    fn free_dead(&mut self, cell: NonNull<Header>, poison: bool, deferred: &mut DeferredPanic) {
        // SAFETY: the cell holds an initialised object (non-null info, I5)
        // that is dead (painted the dead white after marking finished, I1),
        // so nothing can observe it being dropped; the cell is freed below.
        unsafe { drop_object(cell, deferred) };
        if poison {
            // SAFETY: the cell is `cell_size` bytes inside this block and its
            // object has been dropped; nothing refers to it any more.
            unsafe {
                std::ptr::write_bytes(
                    cell.as_ptr().cast::<u8>(),
                    crate::space::poison::POISON_BYTE,
                    self.cell_size,
                )
            };
        }
        self.push_free(cell);
    }

    /// Drops every object still in the block (the heap is being dropped),
    /// catching panics into `deferred`, and marks each cell free.
    fn drop_all(&mut self, deferred: &mut DeferredPanic) {
        for index in 0..self.cells {
            let cell = self.cell(index);
            // SAFETY: every cell holds a header, free or in use (I5).
            let header = unsafe { cell.as_ref() };
            if !header.raw_info().is_null() {
                // SAFETY: the heap is being dropped: no Gc can be used again,
                // and the cell is marked free right after.
                unsafe { drop_object(cell, deferred) };
                header.set_free();
            }
        }
    }
}

impl Drop for OldSpace {
    fn drop(&mut self) {
        // The heap drops its objects first (`GcState::drop_objects`); this
        // only finds any if an old space is dropped on its own.
        let mut deferred = DeferredPanic::default();
        self.drop_objects(&mut deferred);
        deferred.resume();
    }
}

#[cfg(test)]
mod tests;
