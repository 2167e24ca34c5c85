//! Oblets: an array or slice bigger than one marking piece is scanned a
//! piece per unit of mark work, and what only its last piece reaches
//! survives, whether it was there all along or stored there while marking
//! (`collect/oblet.rs`, I1 and I11). Small under Miri (1 KiB pieces).

use gc_core::{Array, Gc, Heap, Rootable, __OBLET_BYTES};
use gc_derive::Trace;

#[derive(Trace, Debug)]
struct Leaf {
    value: u64,
}

type Slot<'gc> = Option<Gc<'gc, Leaf>>;

#[derive(Trace)]
struct Root<'gc> {
    array: Option<Gc<'gc, Array<Slot<'gc>>>>,
    slice: Option<Gc<'gc, [Slot<'gc>]>>,
}

type R = Rootable!['gc => Root<'gc>];

/// Bytes of one slot (a `Lock<Option<Gc>>` is one pointer).
const SLOT: usize = std::mem::size_of::<usize>();
/// Slots per piece.
const PER_PIECE: usize = __OBLET_BYTES / SLOT;
/// Three and a half pieces: four pieces, the last one half full.
const LEN: usize = 3 * PER_PIECE + PER_PIECE / 2;

fn heap_with_array(leaves: &[(usize, u64)]) -> Heap<R> {
    let mut heap = Heap::<R>::new(|_| Root {
        array: None,
        slice: None,
    });
    heap.mutate_root(|m, root| {
        let array = Gc::new_array_filled(m, LEN, None);
        for &(index, value) in leaves {
            array.set(m, index, Some(Gc::new(m, Leaf { value })));
        }
        root.array = Some(array);
    });
    heap.collect_full();
    heap.verify().unwrap();
    heap
}

fn slot(heap: &Heap<R>, index: usize) -> Option<u64> {
    heap.mutate(|_, root| root.array.unwrap().get(index).flatten().map(|l| l.value))
}

/// Marks to the end in steps of one unit, verifying after each; returns
/// the work of each step.
fn mark_by_units(heap: &mut Heap<R>) -> Vec<usize> {
    let mut steps = Vec::new();
    loop {
        let work = heap.mark_step(1);
        if work == 0 {
            return steps;
        }
        heap.verify().unwrap();
        steps.push(work);
    }
}

/// Ends the cycle and checks the heap twice over.
fn finish(heap: &mut Heap<R>) {
    heap.finish_marking();
    while !heap.sweep_step(usize::MAX) {}
    heap.verify().unwrap();
    heap.collect_full();
    heap.verify().unwrap();
}

#[test]
fn a_big_array_is_marked_one_piece_per_step() {
    let mut heap = heap_with_array(&[(0, 10), (LEN - 1, 11)]);
    heap.start_marking();
    let steps = mark_by_units(&mut heap);
    // No step does more than one piece (plus the array's fixed part and
    // card bitset, a few words).
    let slack = 64 + LEN / 64;
    assert!(
        steps.iter().all(|&w| w <= __OBLET_BYTES + slack),
        "a step overran one piece: {steps:?}"
    );
    let pieces = steps.iter().filter(|&&w| w >= __OBLET_BYTES / 2).count();
    assert_eq!(pieces, 4, "four pieces in four steps: {steps:?}");
    assert_eq!(steps.len(), 4 + 2, "and the two leaves");
    finish(&mut heap);
    assert_eq!((slot(&heap, 0), slot(&heap, LEN - 1)), (Some(10), Some(11)));
}

#[test]
fn a_leaf_moved_into_a_scanned_piece_while_marking_survives() {
    for finish_at_once in [false, true] {
        let mut heap = heap_with_array(&[(LEN - 1, 7)]);
        heap.start_marking();
        assert!(heap.mark_step(1) >= __OBLET_BYTES, "the first piece");
        let regrays = heap.stats().barrier_regrays;
        // The leaf's only pointer moves from the unscanned last piece into
        // the scanned first one: the barrier must re-gray the array.
        heap.mutate(|m, root| {
            let array = root.array.unwrap();
            array.set(m, 0, array.get(LEN - 1).flatten());
            array.set(m, LEN - 1, None);
        });
        assert!(heap.stats().barrier_regrays > regrays, "re-grayed");
        heap.verify().unwrap();
        if !finish_at_once {
            mark_by_units(&mut heap);
        }
        // At once: termination rescans the array from piece 0 while its
        // first oblet is still queued, and takes that oblet off the list.
        finish(&mut heap);
        assert_eq!((slot(&heap, 0), slot(&heap, LEN - 1)), (Some(7), None));
    }
}

#[test]
fn a_new_leaf_stored_in_the_last_piece_while_marking_survives() {
    let mut heap = heap_with_array(&[]);
    heap.start_marking();
    assert!(heap.mark_step(1) >= __OBLET_BYTES, "the first piece");
    heap.mutate(|m, root| {
        let array = root.array.unwrap();
        array.set(m, LEN - 1, Some(Gc::new(m, Leaf { value: 3 })));
    });
    mark_by_units(&mut heap);
    finish(&mut heap);
    assert_eq!(slot(&heap, LEN - 1), Some(3));
}

#[test]
fn a_big_slice_is_marked_in_pieces_too() {
    let mut heap = Heap::<R>::new(|_| Root {
        array: None,
        slice: None,
    });
    heap.mutate_root(|m, root| {
        let mut slots: Vec<Slot<'_>> = vec![None; LEN];
        slots[LEN - 1] = Some(Gc::new(m, Leaf { value: 5 }));
        root.slice = Some(Gc::from_slice(m, &slots));
    });
    heap.collect_full();
    heap.start_marking();
    let steps = mark_by_units(&mut heap);
    let pieces = steps.iter().filter(|&&w| w >= __OBLET_BYTES / 2).count();
    assert_eq!(pieces, 4, "{steps:?}");
    assert!(steps.iter().all(|&w| w <= __OBLET_BYTES + 64), "{steps:?}");
    finish(&mut heap);
    let last = heap.mutate(|_, root| root.slice.unwrap()[LEN - 1].map(|l| l.value));
    assert_eq!(last, Some(5));
}
