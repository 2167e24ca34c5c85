//! Regression tests for the write a minor GC used to hide from the marker
//! (I12): an array black and re-grayed by a store of an old white object,
//! the only other pointer to it dropped, then a minor GC that cleans the
//! store's dirty card (the target is old). The marker rescans a re-grayed
//! array by its own mark cards, which no minor GC clears, so the target is
//! marked at termination (the verifier's I3 check while sweeping, and the
//! value read back after a full collection). The same for a `Gc::write`
//! store (the `REMEMBERED` bit the minor GC clears moves into the mark
//! cards), for an array born gray (also one whose element panicked: Miri
//! reads its card bits), and for a big array stored into while it is
//! marked in pieces. Small: two cards of slots (the big array: two
//! and a half 1 KiB pieces under Miri).

use gc_core::{__dirty_cards, __mark_cards, Array, Config, Gc, Heap, Rootable, __OBLET_BYTES};
use gc_derive::Trace;

#[derive(Trace, Debug)]
struct Leaf {
    value: u64,
}

type Slot<'gc> = Option<Gc<'gc, Leaf>>;
type Slots<'gc> = Gc<'gc, Array<Slot<'gc>>>;

/// The tracer visits `holder` first, so the gray stack pops `array` first:
/// one unit of marking blackens `array` and leaves `holder` unscanned.
#[derive(Trace)]
struct Root<'gc> {
    holder: Option<Slots<'gc>>,
    array: Option<Slots<'gc>>,
    born: Option<Slots<'gc>>,
}

type R = Rootable!['gc => Root<'gc>];

/// Slots per array: two 512-byte cards of pointers.
const LEN: usize = 2 * 512 / std::mem::size_of::<usize>();
/// The slot stored into: in the second card.
const SLOT: usize = LEN - 1;

/// How the old target is stored into the black array.
#[derive(Clone, Copy, Debug)]
enum Store {
    /// `Gc::set`: the indexed barrier.
    Indexed,
    /// `Gc::write` and `Write::set`: the whole-object barrier.
    Whole,
}

/// A heap whose root holds `array` (empty) and `holder` (slot 0: an old
/// leaf of `value`), both old, with marking started and `array` black.
fn heap_with_black_array(generational: bool, value: u64) -> Heap<R> {
    heap_with_black_array_of(generational, value, LEN)
}

/// `heap_with_black_array` with `array` of `len` slots (a big one is black
/// with its first piece scanned and the rest queued).
fn heap_with_black_array_of(generational: bool, value: u64, len: usize) -> Heap<R> {
    let config = Config::builder()
        .generational(generational)
        .build()
        .unwrap();
    let mut heap = Heap::<R>::with_config(config, |_| Root {
        holder: None,
        array: None,
        born: None,
    })
    .unwrap();
    heap.mutate_root(|m, root| {
        let leaf = Gc::new(m, Leaf { value });
        let holder = Gc::new_array_filled(m, LEN, None);
        holder.set(m, 0, Some(leaf));
        root.holder = Some(holder);
        root.array = Some(Gc::new_array_filled(m, len, None));
    });
    heap.collect_full();
    heap.start_marking();
    assert!(heap.mark_step(1) > 0, "one unit blackens the array");
    heap
}

/// Moves the leaf from `holder` (not scanned yet) into the black `array`;
/// checks that the store re-grayed `array` and left `holder` alone.
fn move_leaf_into_array(heap: &mut Heap<R>, store: Store) {
    move_leaf_into_slot(heap, store, SLOT);
}

/// `move_leaf_into_array` into slot `slot`.
fn move_leaf_into_slot(heap: &mut Heap<R>, store: Store, slot: usize) {
    let regrays = heap.stats().barrier_regrays;
    heap.mutate(|m, root| {
        let (holder, array) = (root.holder.unwrap(), root.array.unwrap());
        let leaf = holder.get(0).flatten();
        match store {
            Store::Indexed => array.set(m, slot, leaf),
            Store::Whole => Gc::write(m, array).set(slot, leaf),
        }
        holder.set(m, 0, None);
    });
    let regrayed = heap.stats().barrier_regrays - regrays;
    assert_eq!(regrayed, 1, "the array was black, the holder was not");
    heap.verify().unwrap();
}

/// Ends the cycle, verifying while sweeping (an unmarked reachable leaf
/// fails I3), and reads the leaf back after a full collection.
fn finish_and_read(heap: &mut Heap<R>, read: fn(&Root<'_>) -> Option<u64>) -> Option<u64> {
    heap.finish_marking();
    heap.verify().unwrap();
    while !heap.sweep_step(usize::MAX) {}
    heap.collect_full();
    heap.verify().unwrap();
    heap.mutate(|_, root| read(root))
}

fn array_leaf(root: &Root<'_>) -> Option<u64> {
    root.array
        .unwrap()
        .get(SLOT)
        .flatten()
        .map(|leaf| leaf.value)
}

#[test]
fn an_indexed_store_whose_dirty_card_a_minor_gc_cleaned_is_still_rescanned() {
    let mut heap = heap_with_black_array(true, 1);
    move_leaf_into_array(&mut heap, Store::Indexed);
    heap.collect_minor();
    heap.verify().unwrap();
    heap.mutate(|_, root| {
        let array = root.array.unwrap();
        assert_eq!(__dirty_cards(array), 0, "the minor GC cleaned the card");
        assert_eq!(__mark_cards(array), 1, "the marker's card is kept");
    });
    assert_eq!(finish_and_read(&mut heap, array_leaf), Some(1));
    heap.mutate(|_, root| assert_eq!(__mark_cards(root.array.unwrap()), 0));
}

#[test]
fn a_whole_object_store_whose_remembered_bit_a_minor_gc_cleared_is_still_rescanned() {
    let mut heap = heap_with_black_array(true, 2);
    move_leaf_into_array(&mut heap, Store::Whole);
    heap.collect_minor();
    heap.verify().unwrap();
    heap.mutate(|_, root| {
        let array = root.array.unwrap();
        assert_eq!(__dirty_cards(array), 0, "an old target dirties nothing");
        assert_eq!(__mark_cards(array), 2, "the bit moved into every mark card");
    });
    assert_eq!(finish_and_read(&mut heap, array_leaf), Some(2));
}

#[test]
fn the_mark_cards_are_cleared_by_the_rescan_not_before() {
    for store in [Store::Indexed, Store::Whole] {
        let mut heap = heap_with_black_array(true, 3);
        move_leaf_into_array(&mut heap, store);
        for _ in 0..3 {
            heap.collect_minor();
        }
        heap.mutate(|_, root| assert!(__mark_cards(root.array.unwrap()) > 0, "{store:?}"));
        while heap.mark_step(usize::MAX) > 0 {}
        heap.verify().unwrap();
        heap.mutate(|_, root| assert_eq!(__mark_cards(root.array.unwrap()), 0, "{store:?}"));
        assert_eq!(finish_and_read(&mut heap, array_leaf), Some(3));
    }
}

#[test]
fn without_a_young_generation_both_stores_are_rescanned() {
    for store in [Store::Indexed, Store::Whole] {
        let mut heap = heap_with_black_array(false, 4);
        move_leaf_into_array(&mut heap, store);
        heap.collect_minor();
        assert_eq!(finish_and_read(&mut heap, array_leaf), Some(4), "{store:?}");
    }
}

#[test]
fn an_array_born_gray_is_scanned_whole_by_its_mark_cards() {
    // Without a young generation the new array is born old, so gray while
    // marking (with `RESCAN`, as allocated black), and never remembered.
    let mut heap = heap_with_black_array(false, 5);
    heap.mutate_root(|m, root| {
        let holder = root.holder.unwrap();
        let born = Gc::new_array_filled(m, LEN, None);
        born.set(m, SLOT, holder.get(0).flatten());
        holder.set(m, 0, None);
        assert_eq!(__mark_cards(born), 2, "none of it scanned yet");
        root.born = Some(born);
    });
    heap.verify().unwrap();
    let read = |root: &Root<'_>| root.born.unwrap().get(SLOT).flatten().map(|l| l.value);
    assert_eq!(finish_and_read(&mut heap, read), Some(5));
}

#[test]
fn a_store_into_a_scanned_piece_is_rescanned_by_its_mark_card_after_the_pieces() {
    // Slot 0 is in the first piece, already scanned; the minor GC cleans its
    // dirty card; one unit per step lets the last pieces finish (`SCANNING`
    // cleared) before the re-grayed array is rescanned, by its mark card.
    let len = 5 * __OBLET_BYTES / std::mem::size_of::<usize>() / 2;
    let mut heap = heap_with_black_array_of(true, 6, len);
    move_leaf_into_slot(&mut heap, Store::Indexed, 0);
    heap.collect_minor();
    heap.mutate(|_, root| assert_eq!(__mark_cards(root.array.unwrap()), 1));
    while heap.mark_step(1) > 0 {
        heap.verify().unwrap();
    }
    heap.mutate(|_, root| assert_eq!(__mark_cards(root.array.unwrap()), 0));
    let read = |root: &Root<'_>| root.array.unwrap().get(0).flatten().map(|l| l.value);
    assert_eq!(finish_and_read(&mut heap, read), Some(6));
}

#[test]
fn an_array_born_gray_whose_element_panicked_has_its_mark_cards_for_what_it_got() {
    // The panic leaves an unreachable, shorter array on the born-gray list;
    // the marker scans it by the card bits written for the length it got.
    let mut heap = heap_with_black_array(false, 7);
    heap.mutate(|m, root| {
        let leaf = root.holder.unwrap().get(0).flatten();
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let values = (0..LEN).map(|i| {
                if i == LEN / 2 + 3 {
                    panic!("element")
                } else {
                    leaf
                }
            });
            Gc::new_array(m, values)
        }));
        assert!(built.is_err());
    });
    while heap.mark_step(1) > 0 {
        heap.verify().unwrap();
    }
    let read = |root: &Root<'_>| root.holder.unwrap().get(0).flatten().map(|l| l.value);
    assert_eq!(finish_and_read(&mut heap, read), Some(7));
}
