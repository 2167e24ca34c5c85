//! Unit tests of old space: size classes, blocks found by masking, bitmap
//! allocation and sweeping, lazy sweep order, the block pool and the scavenger.

use std::cell::Cell;

use super::*;
use crate::object::header::{Space, TypeInfo};
use crate::space::marks::{self, Birth};

#[test]
fn class_table_rounds_up_to_a_class() {
    assert_eq!(SIZE_CLASSES[class_of(1)], 32);
    assert_eq!(SIZE_CLASSES[class_of(32)], 32);
    assert_eq!(SIZE_CLASSES[class_of(33)], 48);
    assert_eq!(SIZE_CLASSES[class_of(129)], 144);
    assert_eq!(SIZE_CLASSES[class_of(1040)], 1152);
    assert_eq!(SIZE_CLASSES[class_of(MAX_CELL_BYTES)], MAX_CELL_BYTES);
    for size in 1..=MAX_CELL_BYTES {
        let cell = SIZE_CLASSES[class_of(size)];
        assert!(cell >= size, "size {size} -> {cell}");
        assert_eq!(cell % CELL_ALIGN, 0, "cells keep the cell alignment");
        if size > 128 {
            // Internal waste of at most 12.5% of the cell, above the sizes
            // where the 16-byte alignment itself sets the step.
            assert!(
                (cell - size) * 8 <= cell,
                "size {size} -> {cell}: over 12.5% waste"
            );
        }
    }
}

thread_local! {
    /// Drops run by `drop_counted` on this thread.
    static DROPS: Cell<usize> = const { Cell::new(0) };
}

/// # Safety
/// Only counts; touches nothing.
unsafe fn drop_counted(_: NonNull<Header>) {
    DROPS.with(|d| d.set(d.get() + 1));
}

fn drops() -> usize {
    DROPS.with(Cell::get)
}

/// A type filling the largest cells.
static BIG: TypeInfo = TypeInfo {
    size: MAX_CELL_BYTES,
    align: CELL_ALIGN,
    shape: crate::object::header::Shape::Fixed,
    trace: None,
    trace_named: None,
    drop: None,
    name: || "big",
    weak: None,
    erased: None,
};

/// The same size, with a `Drop`.
static BIG_DROP: TypeInfo = TypeInfo {
    drop: Some(drop_counted),
    name: || "big_drop",
    ..BIG
};

/// A small type (the 32-byte class).
static SMALL: TypeInfo = TypeInfo {
    size: 32,
    name: || "small",
    ..BIG
};

/// Cells of the largest class per block.
const PER_BLOCK: usize = (BLOCK_BYTES - block::CELLS_OFFSET) / MAX_CELL_BYTES;

/// Allocates `count` objects of `info`, announced white (as outside marking).
fn fill(old: &mut OldSpace, count: usize, info: &'static TypeInfo) -> Vec<NonNull<Header>> {
    (0..count)
        .map(|_| {
            let cell = old.alloc(info.size).unwrap().cast::<Header>();
            // SAFETY: a fresh cell of at least info.size bytes, 16-aligned.
            unsafe { cell.as_ptr().write(Header::new(info, Space::Old)) };
            marks::born(cell, Birth::White);
            cell
        })
        .collect()
}

/// Marks `cells` as a finished marking would (black).
fn mark(cells: &[NonNull<Header>]) {
    for &cell in cells {
        assert!(marks::shade(cell));
        marks::blacken(cell);
    }
}

/// Runs the collector's sweep of every class to the end.
fn sweep_all(old: &mut OldSpace) -> SweepTally {
    let mut total = SweepTally::default();
    let mut deferred = DeferredPanic::default();
    for class in 0..old.class_count() {
        while let Some(tally) = old.sweep_next(class, &mut deferred) {
            add(&mut total, tally);
        }
    }
    assert!(!deferred.is_pending());
    total
}

#[test]
fn the_largest_class_fills_fifteen_cells_a_block() {
    assert_eq!(PER_BLOCK, 15);
    let mut old = OldSpace::new();
    fill(&mut old, PER_BLOCK, &BIG);
    assert_eq!(old.block_count(), 1);
    fill(&mut old, 1, &BIG);
    assert_eq!(old.block_count(), 2);
    assert_eq!(old.bytes_in_use, (PER_BLOCK + 1) * MAX_CELL_BYTES);
    assert_eq!(old.committed(), 2 * BLOCK_BYTES);
}

#[test]
fn a_cell_finds_its_block_by_masking_and_its_index_by_the_magic_divisor() {
    let mut old = OldSpace::new();
    for size in [32, 48, 144, 1152, MAX_CELL_BYTES] {
        let cells = fill(&mut old, 3, if size == 32 { &SMALL } else { &BIG });
        for (i, &cell) in cells.iter().enumerate() {
            // SAFETY: a cell just allocated in a live block.
            let block = unsafe { Block::containing(cell) };
            assert_eq!(block.base().as_ptr() as usize % BLOCK_BYTES, 0);
            assert_eq!(block.cell(block.index_of(cell)), cell);
            assert!(old.contains_cell(cell));
            if size == 32 {
                assert_eq!(block.index_of(cell), i, "allocation fills in order");
            }
        }
    }
    // The divisor is exact for every cell of every class.
    let step = if cfg!(miri) { 97 } else { 1 };
    for (class, &cell_size) in SIZE_CLASSES.iter().enumerate() {
        let memory = old.pool.take().unwrap();
        // SAFETY: pooled memory, owned by this test until put back.
        let block = unsafe { Block::format(memory, cell_size, class, 0) };
        for index in (0..block.cells()).step_by(step) {
            assert_eq!(block.index_of(block.cell(index)), index, "class {class}");
        }
        old.pool.put(memory);
    }
}

#[test]
fn allocation_takes_the_first_clear_bit_and_sweeping_keeps_only_marked_cells() {
    let mut old = OldSpace::new();
    let cells = fill(&mut old, PER_BLOCK, &BIG);
    // SAFETY: a live cell.
    let block = unsafe { Block::containing(cells[0]) };
    assert!(block.is_full() && block.live() == PER_BLOCK);
    let keep: Vec<_> = cells.iter().copied().step_by(3).collect();
    mark(&keep);
    assert_eq!(block.marked_cells(), keep.len());
    old.start_sweep(false);
    assert!(old.awaits_sweep(cells[0]));
    let tally = sweep_all(&mut old);
    assert_eq!(tally.freed_objects, PER_BLOCK - keep.len());
    assert_eq!(tally.cells, PER_BLOCK, "swept by bitmap: no cell visited");
    assert_eq!((block.live(), block.marked_cells()), (keep.len(), 0));
    assert_eq!(old.objects, keep.len());
    assert!(!old.awaits_sweep(cells[0]));
    // The freed cells are reused first, lowest first: cell 1 (0 was kept).
    let reused = fill(&mut old, 1, &BIG)[0];
    assert_eq!(reused, cells[1]);
    assert_eq!(old.block_count(), 1);
    assert!(old.check_metadata(false).is_empty());
}

#[test]
fn only_dead_cells_with_drop_are_visited() {
    let mut old = OldSpace::new();
    let before = drops();
    let plain = fill(&mut old, 4, &BIG);
    let dropped = fill(&mut old, 4, &BIG_DROP);
    mark(&[plain[0], dropped[0]]);
    old.start_sweep(false);
    let tally = sweep_all(&mut old);
    assert_eq!(drops() - before, 3, "the three dead Drop cells, once each");
    assert_eq!(tally.freed_objects, 6);
    assert_eq!(tally.cells, PER_BLOCK + 3, "bitmap plus three visits");
    // A second cycle with nothing marked drops the survivor once more only.
    old.start_sweep(false);
    sweep_all(&mut old);
    assert_eq!(drops() - before, 4);
    assert_eq!(old.objects, 0);
}

#[test]
fn allocation_sweeps_its_class_lazily_and_leaves_drop_work_to_the_collector() {
    let mut old = OldSpace::new();
    let before = drops();
    // Block A: plain objects; block B: Drop objects. Nothing survives.
    let a = fill(&mut old, PER_BLOCK, &BIG);
    let b = fill(&mut old, PER_BLOCK, &BIG_DROP);
    old.start_sweep(false);
    assert_eq!(old.unswept_blocks(), 2);
    // The next allocation pops B first (the last unswept), finds Drop work,
    // leaves it pending, then sweeps A by bitmap and allocates there.
    let cell = fill(&mut old, 1, &BIG)[0];
    // SAFETY: live cells.
    let (block_a, block_b) = unsafe { (Block::containing(a[0]), Block::containing(b[0])) };
    // A was empty: pooled, and the warmest pooled block is taken back.
    // SAFETY: a live cell.
    assert_eq!(unsafe { Block::containing(cell) }.base(), block_a.base());
    assert_eq!(drops(), before, "allocation never runs Drop");
    assert_eq!(old.unswept_blocks(), 1, "B waits for the collector");
    assert_eq!(old.lazy_tally.freed_objects, PER_BLOCK);
    assert!(old.awaits_sweep(b[0]));
    let tally = sweep_all(&mut old);
    assert_eq!(tally.freed_objects, PER_BLOCK);
    assert_eq!(drops() - before, PER_BLOCK);
    assert_eq!(old.unswept_blocks(), 0);
    assert_eq!(old.pool.idle_bytes(), BLOCK_BYTES, "B is pooled");
    assert!(old.pool.idle_blocks().any(|base| base == block_b.base()));
    assert!(old.check_metadata(false).is_empty());
}

#[test]
fn a_pooled_block_is_reused_by_another_class_before_fresh_memory() {
    let mut old = OldSpace::new();
    let big = fill(&mut old, 2, &BIG);
    old.start_sweep(false);
    sweep_all(&mut old);
    assert_eq!((old.block_count(), old.pool.idle_bytes()), (0, BLOCK_BYTES));
    assert_eq!(
        old.committed(),
        BLOCK_BYTES,
        "the limit counts pooled blocks"
    );
    let fresh = old.pool.fresh_blocks;
    let small = fill(&mut old, 5, &SMALL);
    // SAFETY: live cells.
    let (was, now) = unsafe { (Block::containing(big[0]), Block::containing(small[0])) };
    assert_eq!(was.base(), now.base(), "the same memory, reformatted");
    assert_eq!(now.cell_size(), 32);
    assert_eq!(old.pool.fresh_blocks, fresh, "nothing new faulted in");
    assert_eq!(old.pool.reused_blocks, 1);
    assert!(old.check_metadata(false).is_empty());
}

#[test]
fn the_scavenger_releases_at_most_its_budget_and_keeps_what_is_asked() {
    let mut old = OldSpace::new();
    let blocks = if cfg!(miri) { 5 } else { 12 };
    fill(&mut old, blocks * PER_BLOCK, &BIG);
    old.start_sweep(false);
    sweep_all(&mut old);
    assert_eq!(old.pool.idle_bytes(), blocks * BLOCK_BYTES);
    let keep = 2 * BLOCK_BYTES;
    let mut steps = 0;
    loop {
        let released = old.scavenge(keep, 2);
        assert!(released <= 2 * BLOCK_BYTES, "bounded per step");
        if released == 0 {
            break;
        }
        steps += 1;
    }
    assert_eq!(steps, (blocks - 2).div_ceil(2));
    assert_eq!(old.pool.idle_bytes(), keep);
    assert_eq!(old.pool.released_total, ((blocks - 2) * BLOCK_BYTES) as u64);
    assert_eq!(old.committed(), keep, "released memory is not committed");
    // Idle blocks are reused first; then released ones come back zeroed.
    fill(&mut old, (blocks + 1) * PER_BLOCK, &BIG);
    assert!(old.check_metadata(false).is_empty());
    assert_eq!(old.pool.idle_bytes(), 0);
}

#[test]
fn the_metadata_check_reports_a_mark_left_on_a_swept_block() {
    let mut old = OldSpace::new();
    let cells = fill(&mut old, 2, &BIG);
    assert!(old.check_metadata(false).is_empty());
    mark(&cells[..1]);
    assert!(
        old.check_metadata(true).is_empty(),
        "marking: marks expected"
    );
    let problems = old.check_metadata(false);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("I8"));
}
