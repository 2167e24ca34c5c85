//! Unit tests of old space: size classes, allocation, block sweeping and the cursor.

use super::*;
use crate::object::header::{Space, TypeInfo};

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

#[test]
fn allocation_reuses_blocks_and_counts_bytes() {
    let mut old = OldSpace::new();
    let a = old.alloc(40).unwrap();
    let b = old.alloc(40).unwrap();
    assert_ne!(a, b);
    assert_eq!(old.bytes_in_use, 96);
    assert_eq!(old.block_count(), 1);
    assert!(old.contains_cell(a.cast()));
}

/// A type filling the largest cells, eight to a block.
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

const PER_BLOCK: usize = BLOCK_BYTES / MAX_CELL_BYTES;

/// Allocates `count` largest-class objects painted `colour`.
fn fill(old: &mut OldSpace, count: usize, colour: Colour) -> Vec<NonNull<Header>> {
    (0..count)
        .map(|_| {
            let cell = old.alloc(MAX_CELL_BYTES).unwrap().cast::<Header>();
            // SAFETY: a fresh cell of MAX_CELL_BYTES, 16-aligned, not in use.
            unsafe { cell.as_ptr().write(Header::new(&BIG, Space::Old, colour)) };
            cell
        })
        .collect()
}

fn cursor(old: &OldSpace) -> usize {
    old.classes[class_of(MAX_CELL_BYTES)].alloc_cursor
}

#[test]
fn allocation_moves_on_only_past_full_blocks() {
    let mut old = OldSpace::new();
    fill(&mut old, PER_BLOCK, Colour::White0);
    assert_eq!(
        (old.block_count(), cursor(&old)),
        (1, 0),
        "full, not yet passed"
    );
    fill(&mut old, 1, Colour::White0);
    assert_eq!((old.block_count(), cursor(&old)), (2, 1));
}

#[test]
fn a_swept_block_with_freed_cells_is_where_allocation_resumes() {
    let mut old = OldSpace::new();
    let class = class_of(MAX_CELL_BYTES);
    // Two full blocks and one more cell: the cursor is on block 2.
    let cells = fill(&mut old, 2 * PER_BLOCK + 1, Colour::White1);
    assert_eq!(cursor(&old), 2);
    // Block 1 loses one object (painted the dead white), block 0 none.
    let dead = cells[PER_BLOCK + 3];
    // SAFETY: the cell holds the header written by `fill`.
    unsafe { dead.as_ref() }.set_colour(Colour::White0);
    let tally = old.sweep_block(
        class,
        0,
        Colour::White0,
        Colour::White1,
        false,
        &mut DeferredPanic::default(),
    );
    assert_eq!((tally.freed_objects, tally.cells), (0, PER_BLOCK));
    assert_eq!(cursor(&old), 2, "nothing freed: the cursor stays");
    let tally = old.sweep_block(
        class,
        1,
        Colour::White0,
        Colour::White1,
        false,
        &mut DeferredPanic::default(),
    );
    assert_eq!(tally.freed_objects, 1);
    assert_eq!(cursor(&old), 1, "back to the block with room");
    assert_eq!(old.bytes_in_use, 2 * PER_BLOCK * MAX_CELL_BYTES);
    // The next allocation reuses the freed cell, and the one after it
    // moves on to block 2's free cells.
    let reused = fill(&mut old, 1, Colour::White1)[0];
    assert_eq!(reused, dead);
    let next = fill(&mut old, 1, Colour::White1)[0];
    assert!(next != dead && cursor(&old) == 2 && old.block_count() == 3);
}

#[test]
fn releasing_empty_blocks_restarts_allocation_at_the_first_block() {
    let mut old = OldSpace::new();
    let class = class_of(MAX_CELL_BYTES);
    fill(&mut old, PER_BLOCK, Colour::White1);
    fill(&mut old, PER_BLOCK, Colour::White0);
    fill(&mut old, 1, Colour::White1);
    for block in 0..3 {
        old.sweep_block(
            class,
            block,
            Colour::White0,
            Colour::White1,
            false,
            &mut DeferredPanic::default(),
        );
    }
    assert_eq!(cursor(&old), 1, "block 1 was freed whole");
    assert_eq!(old.release_empty_blocks(), BLOCK_BYTES);
    assert_eq!((old.block_count(), cursor(&old)), (2, 0));
    assert_eq!(old.objects, PER_BLOCK + 1);
}
