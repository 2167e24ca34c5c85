//! Old space: the non-moving home of long-lived objects.
//!
//! Objects reach old space by promotion from the young generation, or
//! directly when the young generation is off. Old space never moves an object,
//! so it is collected by mark-sweep rather than copying.
//!
//! Memory is organised as in Go's mspans, Boehm's heap blocks and whippet's
//! nofl space: **size classes** (`size_class`) of fixed-size **cells**, each
//! class owning aligned **blocks** (`block`) whose side metadata holds an
//! allocation bitmap, a mark bitmap, a `Drop` bitmap and a live count.
//!
//! Each class keeps its blocks on lists by what the sweeper knows of them:
//! `current` (being allocated from), `partial` (swept, with free cells),
//! `full` (no free cell at the last look), `unswept` (not swept since the last
//! mark termination) and `drop_pending` (unswept, with dead cells whose `Drop`
//! must run). Mark termination's flip (`start_sweep`) is O(classes): it bumps
//! the sweep epoch and moves every swept list onto `unswept`. Then sweeping
//! is **lazy**: an allocation that runs out of free cells sweeps the next
//! unswept blocks of its class (by bitmap alone, never running user code),
//! and the collector's sweep steps sweep the rest, `Drop` cells included, in
//! proportion to allocation (`collect/sweep`). A block found empty goes to the
//! block **pool** (`pool`), reused before fresh memory is faulted in; the
//! scavenger returns pooled memory to the OS at a bounded rate.
//!
//! Invariants I5 (a cell is allocated iff its bit is set) and I8 (mark bits
//! are clear outside marking, except in unswept blocks) are stated in
//! `block`; the verifier checks both and that pooled blocks hold no object.
//!
//! A dead object's `Drop` may panic: the sweeper catches it (`object/unwind`),
//! frees the cell as if the drop had returned and sweeps on, so the drop glue
//! of a cell runs exactly once; the panic is resumed after the collection.

pub(crate) mod block;
pub(crate) mod block_memory;
pub(crate) mod pool;
pub(crate) mod size_class;

use std::ptr::NonNull;

use crate::object::header::Header;
use crate::object::unwind::DeferredPanic;

pub(crate) use block::{Block, SweepTally, BLOCK_BYTES};
use pool::BlockPool;
pub(crate) use size_class::{class_of, CELL_ALIGN, MAX_CELL_BYTES, SIZE_CLASSES};

/// An allocation sweeps at most this many unswept blocks of its class
/// before it takes a pooled or fresh block: a block's bitmap sweep is at
/// most 64 words (~50 ns), so an allocation's lazy sweep stays under a
/// microsecond while the collector's proportional steps do the rest.
const LAZY_SWEEP_BLOCKS: usize = 16;

/// The blocks of one size class (see the module docs for the lists).
struct SizeClass {
    cell_size: usize,
    current: Option<Block>,
    partial: Vec<Block>,
    full: Vec<Block>,
    unswept: Vec<Block>,
    drop_pending: Vec<Block>,
}

impl SizeClass {
    /// Every block of the class, on whatever list.
    fn blocks(&self) -> impl Iterator<Item = Block> + '_ {
        self.current
            .iter()
            .chain(&self.partial)
            .chain(&self.full)
            .chain(&self.unswept)
            .chain(&self.drop_pending)
            .copied()
    }

    fn unswept_count(&self) -> usize {
        self.unswept.len() + self.drop_pending.len()
    }
}

/// The old-generation cell space.
pub(crate) struct OldSpace {
    classes: Vec<SizeClass>,
    /// Empty blocks, idle or released.
    pub(crate) pool: BlockPool,
    /// Bumped by each mark termination (`start_sweep`): a block whose
    /// `swept_epoch` differs is unswept.
    epoch: u64,
    /// Poison freed cells (stress mode), as set for the sweep in progress.
    poison: bool,
    /// Blocks held by size classes (not pooled).
    blocks: usize,
    /// Bytes of cells holding objects, dead or alive, not yet swept.
    pub(crate) bytes_in_use: usize,
    /// Objects in cells (dead ones included until swept).
    pub(crate) objects: usize,
    /// Sweep work and frees done by allocation (lazy sweeping) since the
    /// sweep began; the collector adds it to its tally.
    pub(crate) lazy_tally: SweepTally,
    /// Bytes allocation's lazy sweeps freed since the last safe point: the
    /// heap shrinks inside `mutate` now, so the peak is `heap + this`.
    pub(crate) lazy_freed_since_safe_point: usize,
    /// While set, allocation sweeps no block (it takes pooled or fresh ones):
    /// some weak cell may still point at a dead cell, which must not be
    /// freed and reused before the cell is cleared (`collect/sweep.rs`).
    lazy_sweep_held: bool,
}

impl OldSpace {
    /// An old space with no blocks yet.
    pub(crate) fn new() -> OldSpace {
        OldSpace {
            classes: SIZE_CLASSES
                .iter()
                .map(|&cell_size| SizeClass {
                    cell_size,
                    current: None,
                    partial: Vec::new(),
                    full: Vec::new(),
                    unswept: Vec::new(),
                    drop_pending: Vec::new(),
                })
                .collect(),
            pool: BlockPool::default(),
            epoch: 0,
            poison: false,
            blocks: 0,
            bytes_in_use: 0,
            objects: 0,
            lazy_tally: SweepTally::default(),
            lazy_freed_since_safe_point: 0,
            lazy_sweep_held: false,
        }
    }

    /// Holds (or releases) allocation's lazy sweeping, see `lazy_sweep_held`.
    pub(crate) fn hold_lazy_sweep(&mut self, held: bool) {
        self.lazy_sweep_held = held;
    }

    /// True while allocation may not sweep: the sweep has not yet cleared
    /// every weak cell that may point at a dead object.
    pub(crate) fn lazy_sweep_held(&self) -> bool {
        self.lazy_sweep_held
    }

    /// Allocates a cell for an object of `size` bytes; `None` if the system is
    /// out of memory. The cell's allocation bit is set; its object must be
    /// written and announced to `space::marks::born` before the next safe point.
    ///
    /// # Requires
    /// `size <= MAX_CELL_BYTES`.
    #[inline]
    pub(crate) fn alloc(&mut self, size: usize) -> Option<NonNull<u8>> {
        let class = class_of(size);
        let cell = match self.classes[class].current.and_then(Block::alloc) {
            Some(cell) => cell,
            None => self.alloc_slow(class)?,
        };
        self.bytes_in_use += self.classes[class].cell_size;
        self.objects += 1;
        Some(cell)
    }

    /// The current block of `class` is full: take a partial block, else
    /// sweep unswept ones lazily, else take a block from the pool.
    #[cold]
    #[inline(never)]
    fn alloc_slow(&mut self, class: usize) -> Option<NonNull<u8>> {
        let mut lazy_budget = LAZY_SWEEP_BLOCKS;
        loop {
            let size_class = &mut self.classes[class];
            if let Some(block) = size_class.current.take() {
                if let Some(cell) = block.alloc() {
                    size_class.current = Some(block);
                    return Some(cell);
                }
                size_class.full.push(block);
            }
            if let Some(block) = size_class.partial.pop() {
                size_class.current = Some(block);
                continue;
            }
            if lazy_budget > 0 && !self.lazy_sweep_held {
                if let Some(block) = size_class.unswept.pop() {
                    lazy_budget -= 1;
                    if block.has_dead_drops() {
                        // User code runs only in the collector's sweep steps.
                        size_class.drop_pending.push(block);
                    } else {
                        // Files the block: partial, full or (empty) the pool,
                        // whose warmest block is the next one taken below.
                        let tally = self.sweep(block, &mut DeferredPanic::default());
                        add(&mut self.lazy_tally, tally);
                        self.lazy_freed_since_safe_point += tally.freed_bytes;
                    }
                    continue;
                }
            }
            let memory = self.pool.take()?;
            // SAFETY: the pool hands out BLOCK_BYTES aligned to BLOCK_BYTES,
            // owned by no class and holding no object.
            let block = unsafe { Block::format(memory, size_class.cell_size, class, self.epoch) };
            self.blocks += 1;
            self.classes[class].current = Some(block);
        }
    }

    /// Sweeps one unswept block and files it: empty ones to the pool, full
    /// ones aside, the rest to their class's partial list.
    fn sweep(&mut self, block: Block, deferred: &mut DeferredPanic) -> SweepTally {
        let tally = block.sweep(self.epoch, self.poison, deferred);
        self.bytes_in_use -= tally.freed_bytes;
        self.objects -= tally.freed_objects;
        let class = &mut self.classes[block.class()];
        if block.live() == 0 {
            self.pool.put(block.base());
            self.blocks -= 1;
        } else if block.is_full() {
            class.full.push(block);
        } else {
            class.partial.push(block);
        }
        tally
    }

    /// The cell size that an object of `size` bytes occupies.
    pub(crate) fn cell_size_for(size: usize) -> usize {
        SIZE_CLASSES[class_of(size)]
    }

    /// Bytes held from the system: blocks in use and idle pooled blocks
    /// (released ones are not resident).
    pub(crate) fn committed(&self) -> usize {
        self.blocks * BLOCK_BYTES + self.pool.idle_bytes()
    }

    /// Number of blocks held by size classes (pooled ones excluded).
    #[cfg(test)]
    pub(crate) fn block_count(&self) -> usize {
        self.blocks
    }

    /// Number of size classes.
    pub(crate) fn class_count(&self) -> usize {
        self.classes.len()
    }

    /// Mark termination's flip: every block becomes unswept (O(classes)).
    /// Blocks made or swept from now on belong to the new epoch.
    ///
    /// # Requires
    /// The previous sweep is complete.
    pub(crate) fn start_sweep(&mut self, poison: bool) {
        assert_eq!(
            self.unswept_blocks(),
            0,
            "a sweep started before the last ended"
        );
        self.epoch += 1;
        self.poison = poison;
        self.lazy_tally = SweepTally::default();
        for class in &mut self.classes {
            let mut unswept = std::mem::take(&mut class.full);
            unswept.append(&mut class.partial);
            unswept.extend(class.current.take());
            class.unswept = unswept;
        }
    }

    /// Blocks not yet swept since the last flip.
    pub(crate) fn unswept_blocks(&self) -> usize {
        self.classes.iter().map(SizeClass::unswept_count).sum()
    }

    /// Cells in blocks not yet swept (the sweep work left, for sweep credit).
    /// O(size classes): mark termination calls it, and reading each block's
    /// metadata would cost a cache and TLB miss per block (2.5 ms at 1 GiB).
    pub(crate) fn unswept_cells(&self) -> usize {
        self.classes
            .iter()
            .map(|class| class.unswept_count() * block::cells_per_block(class.cell_size))
            .sum()
    }

    /// Sweeps the next unswept block of `class` (blocks whose dead need
    /// `Drop` first); `None` if the class has none left.
    pub(crate) fn sweep_next(
        &mut self,
        class: usize,
        deferred: &mut DeferredPanic,
    ) -> Option<SweepTally> {
        let size_class = &mut self.classes[class];
        let block = size_class
            .drop_pending
            .pop()
            .or_else(|| size_class.unswept.pop())?;
        Some(self.sweep(block, deferred))
    }

    /// True if the cell at `cell` is in a block not swept since the last
    /// flip (so an unmarked object there is garbage the sweeper will free).
    ///
    /// # Requires
    /// `cell` is a cell start of one of this space's blocks.
    pub(crate) fn awaits_sweep(&self, cell: NonNull<Header>) -> bool {
        // SAFETY: as required.
        unsafe { Block::containing(cell) }.swept_epoch() != self.epoch
    }

    /// Returns idle pooled memory above `keep_bytes` to the OS, at most
    /// `max_blocks` blocks. Returns the bytes released.
    pub(crate) fn scavenge(&mut self, keep_bytes: usize, max_blocks: usize) -> usize {
        self.pool.scavenge(keep_bytes, max_blocks)
    }

    /// Pre-faults pages of one idle block if fewer than `want` are, until
    /// `out_of_time` (`pool::prefault`).
    pub(crate) fn prefault(&mut self, want: usize, out_of_time: impl Fn() -> bool) -> bool {
        self.pool.prefault(want, out_of_time)
    }

    /// Drops every object (the heap is being dropped), catching panics into
    /// `deferred`; every cell is free afterwards.
    pub(crate) fn drop_objects(&mut self, deferred: &mut DeferredPanic) {
        for class in &self.classes {
            for block in class.blocks() {
                block.drop_all(deferred);
            }
        }
        self.bytes_in_use = 0;
        self.objects = 0;
    }

    /// Marks every cell free without dropping its value (a poisoned heap
    /// is being dropped: its values are leaked, its blocks still returned).
    pub(crate) fn leak_objects(&mut self) {
        for class in &self.classes {
            for block in class.blocks() {
                block.leak_all();
            }
        }
        self.bytes_in_use = 0;
        self.objects = 0;
    }

    /// True if `ptr` is the start of an allocated cell of one of old space's
    /// blocks, in O(blocks): for tests; the verifier indexes `cell_ranges`.
    #[cfg(test)]
    pub(crate) fn contains_cell(&self, ptr: NonNull<Header>) -> bool {
        let address = ptr.as_ptr() as usize;
        self.classes
            .iter()
            .flat_map(SizeClass::blocks)
            .any(|block| block.is_cell_start(address) && block.is_allocated(block.index_of(ptr)))
    }

    /// Every block as `(first cell address, end of its cells, cell size)`,
    /// for an index by address (the verifier's `SpaceIndex`).
    pub(crate) fn cell_ranges(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.classes
            .iter()
            .flat_map(SizeClass::blocks)
            .map(|block| {
                let start = block.cell(0).as_ptr() as usize;
                (
                    start,
                    start + block.cells() * block.cell_size(),
                    block.cell_size(),
                )
            })
    }

    /// The side-metadata invariants, for the verifier: each block's live
    /// count equals its allocation bitmap's popcount, no swept block has a
    /// mark bit unless `marking` (I8), and no pooled block holds an object.
    pub(crate) fn check_metadata(&self, marking: bool) -> Vec<String> {
        let mut problems = Vec::new();
        for class in &self.classes {
            for block in class.blocks() {
                if block.allocated_cells() != block.live() {
                    problems.push(format!(
                        "block {:p}: live count {} but {} allocation bits",
                        block.base(),
                        block.live(),
                        block.allocated_cells()
                    ));
                }
                let swept = block.swept_epoch() == self.epoch;
                if swept && !marking && block.marked_cells() != 0 {
                    problems.push(format!(
                        "swept block {:p} keeps mark bits (I8)",
                        block.base()
                    ));
                }
            }
        }
        for base in self.pool.idle_blocks() {
            // SAFETY: an idle block keeps the metadata its last sweep left
            // (it is formatted anew only when taken from the pool), or the
            // zeroed metadata of a pre-faulted block (`pool::touch`).
            let block = unsafe { Block::containing(base.cast()) };
            if block.allocated_cells() != 0 || block.live() != 0 {
                problems.push(format!("pooled block {base:p} holds objects"));
            }
        }
        problems
    }
}

/// Adds `tally` into `total`.
pub(crate) fn add(total: &mut SweepTally, tally: SweepTally) {
    total.freed_bytes += tally.freed_bytes;
    total.freed_objects += tally.freed_objects;
    total.cells += tally.cells;
}

impl Drop for OldSpace {
    fn drop(&mut self) {
        // The heap drops its objects first (`GcState::drop_objects`); this
        // only finds any if an old space is dropped on its own.
        let mut deferred = DeferredPanic::default();
        self.drop_objects(&mut deferred);
        for class in &mut self.classes {
            let blocks: Vec<Block> = class.blocks().collect();
            for block in blocks {
                // SAFETY: every class block came from the pool's `FreshBlocks`
                // and its objects were just dropped.
                unsafe { block_memory::unmap_block(block.base()) };
            }
        }
        deferred.resume();
    }
}

#[cfg(test)]
mod tests;
