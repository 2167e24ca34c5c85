//! The verifier's index of the old generation by address.
//!
//! The verifier confirms that every edge it walks points at a live cell or
//! large object *before* it reads the target's header (invariants I4/I5). Old
//! space keeps its blocks per size class and large objects in allocation
//! order, so asking them directly costs O(blocks) or O(large objects) per
//! edge: about 1 s at 1 M objects, unusable at 10 M. The verifier therefore
//! builds this index once per walk, in O(blocks log blocks + large objects),
//! and each edge's check is then O(log blocks) (a binary search over the
//! blocks sorted by address) or O(1) (a hash set of large headers). A walk is
//! O(objects + edges) up to that logarithm. The index also keeps one bit
//! per old cell for "visited": a walk marks cells there instead of in a hash
//! set, at 1 bit instead of a random probe into a table of words.
//!
//! The index is a snapshot: it is valid while nothing allocates or frees,
//! which holds during a walk (the verifier has the heap exclusively).
//!
//! [`AddressSet`] is the hash set of addresses the verifier keeps (objects
//! visited, remembered objects, large headers), with a hasher for addresses:
//! a folded multiply instead of SipHash, several times faster per probe,
//! which at 10 M objects is most of the walk.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

pub(crate) use crate::space::address_hash::AddressHasher;
use std::ptr::NonNull;

use crate::object::header::Header;
use crate::space::large::LargeSpace;
use crate::space::old::OldSpace;

/// Where an address is, as far as the index knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// The start of an old-space cell, with its number in the visited bitmap.
    Cell(usize),
    /// The header of a large object.
    Large,
    /// Neither: a young object, or not an object at all.
    Elsewhere,
}

/// One old-space block in the index.
struct IndexedBlock {
    /// Address of the first cell.
    start: usize,
    /// Address just past the last cell.
    end: usize,
    cell_size: usize,
    /// Number of the block's first cell in the visited bitmap.
    first_cell: usize,
}

/// Old-space blocks and large objects, by address, and the visited bitmap.
pub(crate) struct SpaceIndex {
    /// Sorted by start; blocks never overlap.
    blocks: Vec<IndexedBlock>,
    /// One bit per old cell, set once the walk has visited it.
    visited: Vec<u64>,
    /// Header addresses of the large objects.
    large: AddressSet,
}

/// A set of object addresses.
pub(crate) type AddressSet = HashSet<usize, BuildHasherDefault<AddressHasher>>;

impl SpaceIndex {
    /// Indexes the blocks of `old` and the objects of `large` as they are now.
    pub(crate) fn new(old: &OldSpace, large: &LargeSpace) -> SpaceIndex {
        let mut ranges: Vec<_> = old.cell_ranges().collect();
        ranges.sort_unstable_by_key(|&(start, _, _)| start);
        let mut cells = 0;
        let blocks = ranges
            .into_iter()
            .map(|(start, end, cell_size)| {
                let block = IndexedBlock {
                    start,
                    end,
                    cell_size,
                    first_cell: cells,
                };
                cells += (end - start) / cell_size;
                block
            })
            .collect();
        let large = large.headers().map(|h| h.as_ptr() as usize).collect();
        SpaceIndex {
            blocks,
            visited: vec![0; cells.div_ceil(64)],
            large,
        }
    }

    /// Where `ptr` is: an old-space cell start, a large object's header, or
    /// neither. O(log blocks).
    pub(crate) fn place(&self, ptr: NonNull<Header>) -> Place {
        self.place_address(ptr.as_ptr() as usize)
    }

    fn place_address(&self, address: usize) -> Place {
        // The block holding `address` is the last one starting at or before it.
        let after = self.blocks.partition_point(|block| block.start <= address);
        if let Some(block) = after.checked_sub(1).map(|i| &self.blocks[i]) {
            let offset = address - block.start;
            if address < block.end && offset % block.cell_size == 0 {
                return Place::Cell(block.first_cell + offset / block.cell_size);
            }
        }
        if self.large.contains(&address) {
            Place::Large
        } else {
            Place::Elsewhere
        }
    }

    /// Marks cell number `cell` visited; true if it was not yet.
    pub(crate) fn first_visit(&mut self, cell: usize) -> bool {
        let (word, bit) = (cell / 64, 1u64 << (cell % 64));
        let first = self.visited[word] & bit == 0;
        self.visited[word] |= bit;
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cell_starts_only_and_numbers_them() {
        let block = |start, end, cell_size, first_cell| IndexedBlock {
            start,
            end,
            cell_size,
            first_cell,
        };
        let mut index = SpaceIndex {
            blocks: vec![block(1000, 1640, 64, 0), block(5000, 5320, 32, 10)],
            visited: vec![0],
            large: [9000].into_iter().collect(),
        };
        let at = |index: &SpaceIndex, address: usize| index.place_address(address);
        assert_eq!(at(&index, 1000), Place::Cell(0));
        assert_eq!(at(&index, 1576), Place::Cell(9));
        assert_eq!(at(&index, 5000), Place::Cell(10));
        assert_eq!(at(&index, 5288), Place::Cell(19));
        assert_eq!(at(&index, 9000), Place::Large);
        for outside in [8, 999, 1001, 1640, 4000, 5320, 9016, usize::MAX - 15] {
            assert_eq!(at(&index, outside), Place::Elsewhere, "{outside}");
        }
        assert!(index.first_visit(19));
        assert!(!index.first_visit(19));
        assert!(index.first_visit(0));
    }
}
