//! Managed arrays and `GcVec`: the indexed barrier, the card remembered set
//! and the minor GC's card scan, small enough for Miri.

use gc_core::{__dirty_cards, Array, Gc, GcVec, Heap, Rootable};
use gc_derive::Trace;

#[derive(Trace, Debug)]
struct Leaf {
    value: u64,
}

#[derive(Trace)]
struct Root<'gc> {
    array: Option<Gc<'gc, Array<Option<Gc<'gc, Leaf>>>>>,
    vec: Option<GcVec<'gc, Option<Gc<'gc, Leaf>>>>,
}

type R = Rootable!['gc => Root<'gc>];

fn new_heap() -> Heap<R> {
    Heap::<R>::new(|_| Root {
        array: None,
        vec: None,
    })
}

/// Slots per 512-byte card for pointer-sized slots.
const PER_CARD: usize = 64;
/// Four cards; under Miri too (the array is what is tested).
const LEN: usize = 4 * PER_CARD;

fn values(heap: &Heap<R>) -> Vec<Option<u64>> {
    heap.mutate(|_, root| {
        let array = root.array.unwrap();
        array
            .iter()
            .map(|slot| slot.map(|leaf| leaf.value))
            .collect()
    })
}

fn dirty(heap: &Heap<R>) -> usize {
    heap.mutate(|_, root| __dirty_cards(root.array.unwrap()))
}

#[test]
fn a_young_array_is_copied_with_its_targets() {
    let mut heap = new_heap();
    heap.mutate_root(|m, root| {
        let leaves = (0..8).map(|i| Some(Gc::new(m, Leaf { value: i as u64 })));
        root.array = Some(Gc::new_array(m, leaves));
    });
    heap.collect_minor();
    heap.verify().unwrap();
    assert_eq!(values(&heap), (0..8).map(Some).collect::<Vec<_>>());
    heap.collect_full();
    heap.verify().unwrap();
    assert_eq!(values(&heap), (0..8).map(Some).collect::<Vec<_>>());
    assert_eq!(dirty(&heap), 0, "promoted without young pointers: clean");
}

#[test]
fn an_old_array_remembers_only_the_written_cards() {
    let mut heap = new_heap();
    heap.mutate_root(|m, root| root.array = Some(Gc::new_array_filled(m, LEN, None)));
    heap.collect_full();
    assert_eq!(dirty(&heap), 0);
    // Young leaves into card 0 (twice) and card 2.
    heap.mutate(|m, root| {
        let array = root.array.unwrap();
        array.set(m, 1, Some(Gc::new(m, Leaf { value: 1 })));
        array.set(m, 3, Some(Gc::new(m, Leaf { value: 3 })));
        array.set(m, 2 * PER_CARD + 5, Some(Gc::new(m, Leaf { value: 5 })));
    });
    assert_eq!(dirty(&heap), 2);
    heap.verify().unwrap();
    // The minor GC finds them through the two cards, moves them to the
    // survivor space and rewrites the slots; the cards stay dirty (their
    // targets are still young).
    heap.collect_minor();
    heap.verify().unwrap();
    assert_eq!(dirty(&heap), 2);
    let expect = |heap: &Heap<R>| {
        let got = values(heap);
        assert_eq!(
            (got[1], got[3], got[2 * PER_CARD + 5]),
            (Some(1), Some(3), Some(5))
        );
        assert_eq!(got.iter().filter(|v| v.is_some()).count(), 3);
    };
    expect(&heap);
    // Overwriting card 2's only young pointer cleans it at the next scan.
    heap.mutate(|m, root| root.array.unwrap().set(m, 2 * PER_CARD + 5, None));
    heap.collect_minor();
    heap.verify().unwrap();
    assert_eq!(dirty(&heap), 1);
    // Once the targets are old, no card is dirty.
    heap.collect_full();
    heap.verify().unwrap();
    assert_eq!(dirty(&heap), 0);
    let got = values(&heap);
    assert_eq!(
        (got[1], got[3], got[2 * PER_CARD + 5]),
        (Some(1), Some(3), None)
    );
}

#[test]
fn whole_object_writes_and_promotion_leave_precise_cards() {
    let mut heap = new_heap();
    heap.mutate_root(|m, root| root.array = Some(Gc::new_array_filled(m, LEN, None)));
    heap.collect_full();
    // `Gc::write` runs the object barrier: the array is remembered whole,
    // and the minor GC turns that into its precise cards.
    heap.mutate(|m, root| {
        let array = root.array.unwrap();
        Gc::write(m, array).set(PER_CARD + 1, Some(Gc::new(m, Leaf { value: 9 })));
    });
    heap.collect_minor();
    heap.verify().unwrap();
    assert_eq!(dirty(&heap), 1);
    assert_eq!(values(&heap)[PER_CARD + 1], Some(9));

    // A young array holding young pointers, promoted by age.
    let mut heap = new_heap();
    heap.mutate_root(|m, root| {
        let array = Gc::new_array_filled(m, LEN, None);
        array.set(m, LEN - 1, Some(Gc::new(m, Leaf { value: 4 })));
        root.array = Some(array);
    });
    for _ in 0..16 {
        heap.mutate(|m, root| {
            // A fresh young target each time, so the promoted array holds one.
            root.array
                .unwrap()
                .set(m, 0, Some(Gc::new(m, Leaf { value: 0 })));
        });
        heap.collect_minor();
        heap.verify().unwrap();
    }
    let got = values(&heap);
    assert_eq!((got[0], got[LEN - 1]), (Some(0), Some(4)));
    assert!(dirty(&heap) <= 2);
}

#[test]
fn the_indexed_barrier_regrays_a_black_array_while_marking() {
    let mut heap = new_heap();
    heap.mutate_root(|m, root| root.array = Some(Gc::new_array_filled(m, 8, None)));
    heap.collect_full();
    heap.start_marking();
    while heap.mark_step(1 << 20) > 0 {}
    let before = heap.stats().barrier_regrays;
    heap.mutate(|m, root| {
        let array = root.array.unwrap();
        array.set(m, 2, Some(Gc::new(m, Leaf { value: 2 })));
        array.set(m, 3, Some(Gc::new(m, Leaf { value: 3 })));
    });
    assert_eq!(heap.stats().barrier_regrays, before + 1, "re-grayed once");
    heap.finish_marking();
    while !heap.sweep_step(1 << 20) {}
    heap.verify().unwrap();
    heap.collect_full();
    heap.verify().unwrap();
    let got = values(&heap);
    assert_eq!((got[2], got[3]), (Some(2), Some(3)));
}

#[test]
fn a_gc_vec_grows_by_swapping_managed_buffers() {
    let mut heap = new_heap();
    let n = if cfg!(miri) { 40 } else { 1000 };
    heap.mutate_root(|m, root| root.vec = Some(GcVec::new(m)));
    for round in 0..2 {
        heap.mutate(|m, root| {
            let vec = root.vec.unwrap();
            for i in 0..n / 2 {
                vec.push(
                    m,
                    Some(Gc::new(
                        m,
                        Leaf {
                            value: (round * n / 2 + i) as u64,
                        },
                    )),
                );
            }
        });
        heap.collect_minor();
        heap.verify().unwrap();
    }
    heap.collect_full();
    heap.verify().unwrap();
    heap.mutate(|m, root| {
        let vec = root.vec.unwrap();
        assert_eq!(vec.len(), n);
        assert!(vec.capacity() >= n);
        let got: Vec<u64> = vec.iter().map(|leaf| leaf.unwrap().value).collect();
        assert_eq!(got, (0..n as u64).collect::<Vec<_>>());
        // An old vector's buffer is old: a store dirties one card.
        vec.set(m, 0, Some(Gc::new(m, Leaf { value: 77 })));
        assert_eq!(__dirty_cards(vec.buffer()), 1);
        assert_eq!(vec.pop(m).unwrap().unwrap().value, n as u64 - 1);
        assert_eq!(vec.get(n - 1), None, "popped");
        assert_eq!(vec.buffer().get(n - 1), Some(None), "its slot was reset");
    });
    heap.collect_minor();
    heap.verify().unwrap();
    heap.mutate(|m, root| {
        let vec = root.vec.unwrap();
        assert_eq!(vec.get(0).unwrap().unwrap().value, 77);
        vec.clear(m);
        assert!(vec.is_empty());
    });
    heap.collect_full();
    heap.verify().unwrap();
}

#[test]
fn out_of_bounds_stores_are_refused() {
    let heap = new_heap();
    heap.mutate(|m, _| {
        let array: Gc<Array<u32>> = Gc::new_array(m, [1, 2]);
        assert_eq!(array.try_set(m, 2, 9), Err(9));
        assert_eq!(array.get(2), None);
        assert_eq!(format!("{:?}", &*array), "[1, 2]");
        let empty: Gc<Array<u32>> = Gc::new_array(m, []);
        assert!(empty.is_empty());
    });
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        heap.mutate(|m, _| Gc::new_array(m, [1u8]).set(m, 5, 0));
    }));
    let message = *result.unwrap_err().downcast::<String>().unwrap();
    assert_eq!(
        message,
        "index 5 out of bounds for a managed array of length 1"
    );
}

#[test]
fn a_born_old_array_written_by_index_is_scanned_once() {
    // Over the 8 KiB large-object threshold: born old, remembered whole,
    // and then also carded by an indexed store before the first minor GC.
    let mut heap = new_heap();
    let len = 1100;
    heap.mutate_root(|m, root| {
        let array = Gc::new_array_filled(m, len, None);
        array.set(m, len - 1, Some(Gc::new(m, Leaf { value: 11 })));
        root.array = Some(array);
    });
    assert_eq!(heap.stats().large_objects, 1);
    heap.collect_minor();
    heap.verify().unwrap();
    assert_eq!(dirty(&heap), 1);
    assert_eq!(values(&heap)[len - 1], Some(11));
    heap.collect_minor();
    heap.verify().unwrap();
    assert_eq!(values(&heap)[len - 1], Some(11));
}
