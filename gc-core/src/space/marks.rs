//! Where an old object's colour is kept, and its only writers.
//!
//! The tri-colour abstraction (I1, `header::Colour`) is split by how long
//! each part lives. *Marked* lasts from the moment an object is reached until
//! the sweeper has seen it, so it lives beside the object: a bit in the side
//! mark bitmap of its old-space block (found by masking the address), or, for
//! a large object, the `MARKED` bit of its own header. *Gray* lasts only while
//! the object is on a gray list, so it can live in the header (`GRAY`): when
//! marking has drained, no header has the bit, and nothing needs repainting.
//! The header's colour bits were reduced to this one bit because the write
//! barrier and the marker test "is it gray?" on the header they have already
//! loaded; "is it black?" costs one more load, from the side bitmap.
//!
//! Colour = white if unmarked, gray if marked with `GRAY`, black if marked
//! without. The legal transitions (I1) are the functions below: `shade`
//! (white -> gray), `blacken` (gray -> black), `regray` (black -> gray, the
//! barrier) and `born` (a new old object's colour); the sweeper clears marks.
//! Young objects are always white: they are roots for old-generation marking.

use std::ptr::NonNull;

use crate::object::header::{Colour, Header, Space};
use crate::space::old::{Block, OldSpace};

/// How a new old object starts the cycle.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Birth {
    /// Unmarked (no cycle is marking, or a cell born while sweeping: its
    /// block is swept already, so nothing frees it).
    White,
    /// Marked and gray (allocated while marking; queued on `gray_new`).
    Gray,
    /// Marked and black (promoted while marking and scanned by the minor
    /// GC; or a large object born while sweeping, which the large sweeper
    /// must keep and then unmark).
    Black,
}

/// The side-bitmap block and cell index of an old cell.
///
/// # Safety
/// `object` heads an object in an old-space cell.
#[inline]
unsafe fn cell_of(object: NonNull<Header>) -> (Block, usize) {
    // SAFETY: the caller guarantees an old-space cell, which lies in a live
    // block aligned to its size.
    let block = unsafe { Block::containing(object) };
    (block, block.index_of(object))
}

/// True if `object` (live, of any space) is marked this cycle.
#[inline]
pub(crate) fn is_marked(object: NonNull<Header>) -> bool {
    // SAFETY: callers pass live objects (I4).
    let header = unsafe { object.as_ref() };
    match header.space() {
        Space::Old => {
            // SAFETY: the header says it is an old-space cell.
            let (block, index) = unsafe { cell_of(object) };
            block.is_marked(index)
        }
        Space::Large => header.is_marked_bit(),
        _ => false,
    }
}

/// True if `target`, an object a weak cell still holds after mark
/// termination, is garbage the sweep has yet to free: an old cell unmarked in
/// a block not swept since the flip, or an unmarked large object. An object
/// allocated or promoted since the flip is alive: it lies in a block of the
/// new epoch (no block is swept while weak cells wait, so none is reused),
/// or is large and born marked. Outside that window (while `old`, the heap's
/// old space, does not hold lazy sweeping) nothing awaits the sweep this
/// way, and the answer is false: the large sweep may have cleared marks, and
/// a cleared cell's old target may be freed.
pub(crate) fn dead_awaiting_sweep(target: NonNull<Header>, old: &OldSpace) -> bool {
    if !old.lazy_sweep_held() {
        return false;
    }
    // SAFETY: a weak cell's target is not freed while lazy sweeping is held.
    match unsafe { target.as_ref() }.space() {
        Space::Old => old.awaits_sweep(target) && !is_marked(target),
        Space::Large => !is_marked(target),
        _ => false,
    }
}

/// The colour of a live object.
#[inline]
pub(crate) fn colour(object: NonNull<Header>) -> Colour {
    // SAFETY: callers pass live objects (I4).
    if unsafe { object.as_ref() }.is_gray() {
        Colour::Gray
    } else if is_marked(object) {
        Colour::Black
    } else {
        Colour::White
    }
}

/// Sets the mark of a live old object.
fn set_marked(object: NonNull<Header>, header: &Header) {
    match header.space() {
        Space::Old => {
            // SAFETY: the header says it is an old-space cell.
            let (block, index) = unsafe { cell_of(object) };
            block.set_marked(index);
        }
        Space::Large => header.set_marked_bit(true),
        space => unreachable!("marking a young object in {space:?}"),
    }
}

/// Shades a white old object gray; returns false (and does nothing) if it
/// is already marked. The caller pushes it on a gray list.
///
/// The marker's hottest test: the block and the cell index are computed
/// once for the test and the set (one mask, one multiply).
#[inline]
pub(crate) fn shade(object: NonNull<Header>) -> bool {
    // SAFETY: callers pass live old objects.
    let header = unsafe { object.as_ref() };
    match header.space() {
        Space::Old => {
            // SAFETY: the header says it is an old-space cell.
            let (block, index) = unsafe { cell_of(object) };
            if block.is_marked(index) {
                return false;
            }
            block.set_marked(index);
        }
        Space::Large => {
            if header.is_marked_bit() {
                return false;
            }
            header.set_marked_bit(true);
        }
        space => unreachable!("shading a young object in {space:?}"),
    }
    header.set_gray(true);
    true
}

/// Gray -> black: the marker has scanned (or is about to scan) the object.
#[inline]
pub(crate) fn blacken(object: NonNull<Header>) {
    debug_assert_eq!(colour(object), Colour::Gray, "blackening a non-gray object");
    // SAFETY: callers pass live old objects.
    unsafe { object.as_ref() }.set_gray(false);
}

/// Black -> gray: the barrier re-grays a written black object (I1).
#[inline]
pub(crate) fn regray(object: NonNull<Header>) {
    debug_assert_eq!(
        colour(object),
        Colour::Black,
        "re-graying a non-black object"
    );
    // SAFETY: callers pass live old objects.
    unsafe { object.as_ref() }.set_gray(true);
}

/// Records a new old object (just written into its cell or allocation):
/// its `Drop` bit in the side metadata and its colour at birth.
pub(crate) fn born(object: NonNull<Header>, birth: Birth) {
    // SAFETY: the caller has just written the object's header.
    let header = unsafe { object.as_ref() };
    debug_assert!(header.is_old(), "born() of a young object");
    if header.space() == Space::Old && header.info().drop.is_some() {
        // SAFETY: an old-space cell.
        let (block, index) = unsafe { cell_of(object) };
        block.set_needs_drop(index);
    }
    match birth {
        Birth::White => {}
        Birth::Gray => {
            set_marked(object, header);
            header.set_gray(true);
        }
        Birth::Black => set_marked(object, header),
    }
}

/// True if the old-space cell starting at `cell` holds an object (I5), read
/// from the side bitmap without touching the cell (for the verifier).
///
/// # Safety
/// `cell` is the start of a cell of a live old-space block.
pub(crate) unsafe fn is_allocated_cell(cell: NonNull<Header>) -> bool {
    // SAFETY: as the caller guarantees.
    let (block, index) = unsafe { cell_of(cell) };
    block.is_allocated(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::header::TypeInfo;
    use crate::space::old::OldSpace;

    static INFO: TypeInfo = TypeInfo {
        size: 48,
        align: 8,
        trace: None,
        trace_named: None,
        drop: None,
        name: || "marks test object",
        weak: None,
        shape: crate::object::header::Shape::Fixed,
        erased: None,
    };

    #[test]
    fn an_old_cell_keeps_its_mark_in_the_side_bitmap_and_gray_in_its_header() {
        let mut old = OldSpace::new();
        let cell = old.alloc(INFO.size).unwrap().cast::<Header>();
        // SAFETY: a fresh 16-aligned cell of 48 bytes.
        unsafe { cell.as_ptr().write(Header::new(&INFO, Space::Old)) };
        born(cell, Birth::White);
        assert_eq!(colour(cell), Colour::White);
        assert!(shade(cell));
        assert!(!shade(cell), "shading a marked object does nothing");
        // SAFETY: a live cell.
        let (block, index) = unsafe { cell_of(cell) };
        assert!(block.is_marked(index), "the mark is in the bitmap");
        // SAFETY: a live cell.
        assert!(unsafe { cell.as_ref() }.is_gray(), "gray is in the header");
        assert_eq!(colour(cell), Colour::Gray);
        blacken(cell);
        assert_eq!(colour(cell), Colour::Black);
        regray(cell);
        assert_eq!(colour(cell), Colour::Gray);
        blacken(cell);
        // SAFETY: a cell start of a live block.
        assert!(unsafe { is_allocated_cell(cell) });
    }

    #[test]
    fn a_large_object_keeps_its_own_mark_and_young_objects_stay_white() {
        let large = Box::new(Header::new(&INFO, Space::Large));
        let object = NonNull::from(&*large);
        born(object, Birth::Gray);
        assert_eq!(colour(object), Colour::Gray);
        assert!(large.is_marked_bit());
        blacken(object);
        assert_eq!(colour(object), Colour::Black);
        let young = Box::new(Header::new(&INFO, Space::Eden));
        assert_eq!(colour(NonNull::from(&*young)), Colour::White);
        assert!(!is_marked(NonNull::from(&*young)));
    }
}
