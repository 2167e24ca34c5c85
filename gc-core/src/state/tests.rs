//! Tests of the allocation placement rule (`GcState::allocate`): which objects
//! start in Eden, which in an old-space cell and which in the large object
//! space (by size, alignment, the young generation on or off, and the
//! large-object threshold, which is inclusive), and how an object is born:
//! its colour and gray queue while a major cycle marks or sweeps, and its
//! remembered bit when it is born old.

use std::mem::size_of;

use super::*;
use crate::object::header::Colour;
use crate::object::trace::Tracer;

/// `N` bytes and no pointers (the collector never scans it).
struct Bytes<const N: usize>([u8; N]);

// SAFETY: holds no managed pointer and owns no outside memory.
unsafe impl<const N: usize> Trace for Bytes<N> {
    const NEEDS_TRACE: bool = false;
    fn trace(&mut self, _: &mut Tracer) {}
}

/// `N` bytes in a type the collector scans (as if it could hold pointers).
struct Scanned<const N: usize>([u8; N]);

// SAFETY: holds no managed pointer, so visiting none is visiting them all.
unsafe impl<const N: usize> Trace for Scanned<N> {
    fn trace(&mut self, _: &mut Tracer) {}
}

/// Aligned like the header and a cell: allowed young.
#[repr(align(16))]
struct Align16 {
    _byte: u8,
}

/// Aligned beyond a cell: never young, never in a cell.
#[repr(align(32))]
struct Align32 {
    _byte: u8,
}

// SAFETY: no managed pointers.
unsafe impl Trace for Align16 {
    const NEEDS_TRACE: bool = false;
    fn trace(&mut self, _: &mut Tracer) {}
}

// SAFETY: no managed pointers.
unsafe impl Trace for Align32 {
    const NEEDS_TRACE: bool = false;
    fn trace(&mut self, _: &mut Tracer) {}
}

/// The bytes of `GcBox<T>`: what the rule compares with the threshold.
fn boxed<T>() -> usize {
    size_of::<GcBox<T>>()
}

/// Where and how an object was born.
#[derive(Debug, PartialEq, Eq)]
struct Birth {
    space: Space,
    colour: Colour,
    remembered: bool,
    /// On the born-gray list for the marker.
    queued: bool,
}

fn state(generational: bool, large_threshold: usize) -> GcState {
    GcState::new(generational, 64 * 1024, 4096, large_threshold)
}

fn allocate<T: Trace>(state: &GcState, value: T) -> Birth {
    let object = state.allocate(value).unwrap().cast::<Header>();
    // SAFETY: just allocated; the state owns it until it is dropped.
    let header = unsafe { object.as_ref() };
    let listed = state.remembered.borrow().contains(&object);
    assert_eq!(listed, header.is_remembered(), "bit and set agree");
    Birth {
        space: header.space(),
        colour: crate::space::marks::colour(object),
        remembered: header.is_remembered(),
        queued: state.gray_new.borrow().contains(&object),
    }
}

fn space_of<T: Trace>(state: &GcState, value: T) -> Space {
    allocate(state, value).space
}

#[test]
fn small_objects_start_in_eden_when_the_young_generation_is_on() {
    let state = state(true, 1024);
    assert_eq!(space_of(&state, 7u64), Space::Eden);
    assert_eq!(space_of(&state, Bytes([0; 200])), Space::Eden);
    assert_eq!(space_of(&state, Align16 { _byte: 1 }), Space::Eden);
    assert_eq!(
        state.eden.used(),
        boxed::<u64>() + boxed::<Bytes<200>>() + 32
    );
    assert_eq!(state.counters.objects_since_safe_point.get(), 3);
    assert_eq!(state.counters.old_bytes_since_safe_point.get(), 0);
}

#[test]
fn small_objects_start_in_old_cells_when_the_young_generation_is_off() {
    let state = state(false, 1024);
    assert_eq!(space_of(&state, 7u64), Space::Old);
    assert_eq!(space_of(&state, Bytes([0; 200])), Space::Old);
    assert_eq!(space_of(&state, Align16 { _byte: 1 }), Space::Old);
    assert_eq!(state.eden.used(), 0);
    assert_eq!(state.old.borrow().objects, 3);
    let bytes = boxed::<u64>() + boxed::<Bytes<200>>() + 32;
    assert_eq!(state.counters.old_bytes_since_safe_point.get(), bytes);
}

#[test]
fn the_large_object_threshold_is_inclusive() {
    let at = boxed::<Bytes<496>>();
    for generational in [true, false] {
        let small = if generational {
            Space::Eden
        } else {
            Space::Old
        };
        // Exactly at the threshold: large.
        assert_eq!(
            space_of(&state(generational, at), Bytes([0; 496])),
            Space::Large
        );
        // One byte under it: small.
        assert_eq!(
            space_of(&state(generational, at + 1), Bytes([0; 496])),
            small
        );
        // Above it: large.
        assert_eq!(
            space_of(&state(generational, at - 8), Bytes([0; 496])),
            Space::Large
        );
    }
}

#[test]
fn objects_too_big_for_a_cell_are_large_whatever_the_threshold() {
    // A threshold above the largest cell: what fits a cell still starts small.
    let threshold = 2 * MAX_CELL_BYTES;
    assert_eq!(boxed::<Bytes<{ MAX_CELL_BYTES - 16 }>>(), MAX_CELL_BYTES);
    for generational in [true, false] {
        let state = state(generational, threshold);
        let small = if generational {
            Space::Eden
        } else {
            Space::Old
        };
        assert_eq!(space_of(&state, Bytes([0u8; MAX_CELL_BYTES - 16])), small);
        let big = Bytes([0u8; MAX_CELL_BYTES - 8]);
        assert_eq!(space_of(&state, big), Space::Large);
        assert_eq!(state.large.borrow().len(), 1);
    }
}

#[test]
fn over_aligned_objects_are_large_whatever_their_size() {
    // The value sits at offset 32: 64 bytes, smaller than any threshold.
    assert_eq!(boxed::<Align32>(), 64);
    for generational in [true, false] {
        let state = state(generational, 1024);
        assert_eq!(space_of(&state, Align32 { _byte: 1 }), Space::Large);
        let large = state.large.borrow();
        assert_eq!(large.len(), 1);
        assert_eq!(large.bytes, 64);
    }
}

#[test]
fn old_objects_are_born_white_outside_marking_but_large_ones_marked_while_sweeping() {
    for phase in [Phase::Idle, Phase::Sweeping] {
        let state = state(false, 1024);
        state.phase.set(phase);
        let cell = allocate(&state, 1u64);
        let large = allocate(&state, Bytes([0; 2000]));
        assert_eq!(cell.colour, Colour::White, "{phase:?}: {cell:?}");
        // The large sweeper may still be walking the list: it must keep
        // (and then unmark) a large object born while it sweeps.
        let large_colour = if phase == Phase::Sweeping {
            Colour::Black
        } else {
            Colour::White
        };
        assert_eq!(large.colour, large_colour, "{phase:?}: {large:?}");
        assert!(!cell.queued && !large.queued, "{phase:?}: nothing to mark");
        assert!(state.gray_new.borrow().is_empty());
    }
}

#[test]
fn old_and_large_objects_are_born_gray_and_queued_while_marking() {
    for generational in [true, false] {
        let state = state(generational, 1024);
        state.phase.set(Phase::Marking);
        let cell = allocate(&state, Scanned([0; 100]));
        let large = allocate(&state, Bytes([0; 2000]));
        let aligned = allocate(&state, Align32 { _byte: 1 });
        for birth in [&large, &aligned] {
            assert_eq!(
                (birth.colour, birth.queued),
                (Colour::Gray, true),
                "{birth:?}"
            );
        }
        if generational {
            // Young objects are roots of marking, never gray.
            assert_eq!(cell.space, Space::Eden);
            assert!(cell.colour.is_white() && !cell.queued);
            assert_eq!(state.gray_new.borrow().len(), 2);
        } else {
            assert_eq!(cell.space, Space::Old);
            assert_eq!((cell.colour, cell.queued), (Colour::Gray, true));
            assert_eq!(state.gray_new.borrow().len(), 3);
        }
    }
}

#[test]
fn objects_born_old_are_remembered_only_if_young_pointers_could_be_in_them() {
    // Young generation on: a scanned type born old may hold young pointers from
    // its initial value (I2), so it is remembered at birth.
    let young_on = state(true, 1024);
    let expected = [
        (allocate(&young_on, Scanned([0; 2000])), Space::Large, true),
        (allocate(&young_on, Bytes([0; 2000])), Space::Large, false),
        (allocate(&young_on, Scanned([0; 100])), Space::Eden, false),
    ];
    for (birth, space, remembered) in expected {
        assert_eq!(
            (birth.space, birth.remembered),
            (space, remembered),
            "{birth:?}"
        );
    }
    assert_eq!(young_on.remembered.borrow().len(), 1);
    // Young generation off: there are no young pointers to remember.
    let young_off = state(false, 1024);
    assert!(!allocate(&young_off, Scanned([0; 100])).remembered);
    assert!(!allocate(&young_off, Scanned([0; 2000])).remembered);
    assert!(young_off.remembered.borrow().is_empty());
}
