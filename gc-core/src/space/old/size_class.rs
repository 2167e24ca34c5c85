//! Size classes of old-space cells (Go's `sizeclasses.go`, TCMalloc's table).
//!
//! An object too small for the large object space gets a cell of the
//! smallest class that fits it. The classes are spaced so that the internal
//! waste (cell bytes the object does not use) is at most 12.5% above 128
//! bytes, with one table lookup per allocation (`class_of`).

/// Alignment of every cell, in bytes: 16 (the header's size), enough for
/// every ordinary Rust type; types with larger alignment go to large space.
pub(crate) const CELL_ALIGN: usize = 16;

/// Number of size classes (see [`SIZE_CLASSES`]).
const CLASS_COUNT: usize = 46;

/// Cell sizes in bytes, from 32 to 8 KiB. Up to 128 bytes the classes step by
/// the 16-byte cell alignment; above, each step is the largest multiple of 16
/// that is at most 1/8 of the class below it, so that an object one granule
/// bigger than a class wastes at most 12.5% of its cell (Go's bound; a 1040-byte
/// object lands in a 1152-byte cell, 9.7% waste). The smallest is 32: a header and one word.
pub(crate) const SIZE_CLASSES: [usize; CLASS_COUNT] = size_classes();

const fn size_classes() -> [usize; CLASS_COUNT] {
    let mut classes = [0; CLASS_COUNT];
    classes[0] = super::block::SMALLEST_CELL;
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

/// The largest cell: 8 KiB, so that a block holds 15 of them (the last step
/// is cut short to land on it).
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
