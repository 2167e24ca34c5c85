//! A big array re-grayed while marking is rescanned by its mark cards only
//! when that is sound (I12): stored into through the indexed barrier, with
//! the young generation on or off, a piece of cards at a time. A
//! `Gc::write` store (remembered whole) rescans it in full, in pieces. What
//! the stores put there survives either way. Small under Miri (1 KiB
//! pieces).

use gc_core::{__dirty_cards, __mark_cards, Array, Config, Gc, Heap, Rootable, __OBLET_BYTES};
use gc_derive::Trace;

#[derive(Trace, Debug)]
struct Leaf {
    value: u64,
}

type Slot<'gc> = Option<Gc<'gc, Leaf>>;

#[derive(Trace)]
struct Root<'gc> {
    array: Option<Gc<'gc, Array<Slot<'gc>>>>,
}

type R = Rootable!['gc => Root<'gc>];

/// Bytes of one slot (a `Lock<Option<Gc>>` is one pointer).
const SLOT: usize = std::mem::size_of::<usize>();
/// Two and a half pieces of slots.
const LEN: usize = 5 * __OBLET_BYTES / SLOT / 2;
/// Bytes of elements per card (`object/shape.rs`).
const CARD_BYTES: usize = 512;

fn marked_heap(generational: bool) -> Heap<R> {
    let config = Config::builder()
        .generational(generational)
        .build()
        .unwrap();
    let mut heap = Heap::<R>::with_config(config, |_| Root { array: None }).unwrap();
    heap.mutate_root(|m, root| root.array = Some(Gc::new_array_filled(m, LEN, None)));
    heap.collect_full();
    heap.start_marking();
    while heap.mark_step(usize::MAX) > 0 {}
    heap
}

/// Marks to the end, one unit per step; returns the largest step's work.
fn remark(heap: &mut Heap<R>) -> Vec<usize> {
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

fn finish_and_read(heap: &mut Heap<R>, index: usize) -> Option<u64> {
    heap.finish_marking();
    while !heap.sweep_step(usize::MAX) {}
    heap.verify().unwrap();
    heap.collect_full();
    heap.verify().unwrap();
    heap.mutate(|_, root| root.array.unwrap().get(index).flatten().map(|l| l.value))
}

#[test]
fn an_indexed_store_rescans_one_card() {
    let mut heap = marked_heap(true);
    heap.mutate(|m, root| {
        let leaf = Gc::new(m, Leaf { value: 1 });
        root.array.unwrap().set(m, LEN - 1, Some(leaf));
    });
    let steps = remark(&mut heap);
    assert_eq!(steps.len(), 1, "one rescan: {steps:?}");
    assert!(
        steps[0] <= 2 * CARD_BYTES,
        "one dirty card, not the array: {steps:?}"
    );
    assert_eq!(finish_and_read(&mut heap, LEN - 1), Some(1));
}

#[test]
fn a_whole_object_store_rescans_the_whole_array_in_pieces() {
    let mut heap = marked_heap(true);
    heap.mutate(|m, root| {
        let leaf = Gc::new(m, Leaf { value: 2 });
        Gc::write(m, root.array.unwrap()).set(LEN - 1, Some(leaf));
    });
    let steps = remark(&mut heap);
    let rescanned: usize = steps.iter().sum();
    assert!(rescanned >= LEN * SLOT, "the whole array: {steps:?}");
    // Each piece, the first with the fixed part and the card bitset.
    let slack = 64 + LEN / 64;
    assert!(
        steps.iter().all(|&w| w <= __OBLET_BYTES + slack),
        "in pieces: {steps:?}"
    );
    assert_eq!(finish_and_read(&mut heap, LEN - 1), Some(2));
}

#[test]
fn without_a_young_generation_the_rescan_goes_by_the_mark_cards_too() {
    let mut heap = marked_heap(false);
    heap.mutate(|m, root| {
        let leaf = Gc::new(m, Leaf { value: 3 });
        root.array.unwrap().set(m, 0, Some(leaf));
    });
    let steps = remark(&mut heap);
    // The leaf was born gray (old, allocated while marking): one step of its
    // own, besides the array's one card.
    assert!(steps.len() <= 2, "{steps:?}");
    assert!(
        steps.iter().all(|&w| w <= 2 * CARD_BYTES),
        "one mark card, not the array: {steps:?}"
    );
    assert_eq!(finish_and_read(&mut heap, 0), Some(3));
}

#[test]
fn a_card_cleaned_by_a_minor_gc_is_still_rescanned_alone() {
    let mut heap = marked_heap(true);
    // A young leaf stored into card 0: the minor GCs promote it (born black,
    // as anything promoted while marking) and then clean the dirty card; the
    // mark card is the marker's, so the rescan scans that card alone.
    heap.mutate(|m, root| {
        let leaf = Gc::new(m, Leaf { value: 4 });
        root.array.unwrap().set(m, 0, Some(leaf));
    });
    for _ in 0..16 {
        heap.collect_minor();
    }
    heap.verify().unwrap();
    heap.mutate(|_, root| {
        let array = root.array.unwrap();
        assert_eq!(__dirty_cards(array), 0, "the minor GCs cleaned the card");
        assert_eq!(__mark_cards(array), 1, "the marker's card is kept");
    });
    let steps = remark(&mut heap);
    assert!(steps.iter().all(|&w| w <= 2 * CARD_BYTES), "{steps:?}");
    assert_eq!(finish_and_read(&mut heap, 0), Some(4));
}

#[test]
fn stores_into_every_card_are_rescanned_a_piece_at_a_time() {
    let mut heap = marked_heap(true);
    let per_card = CARD_BYTES / SLOT;
    heap.mutate(|m, root| {
        let array = root.array.unwrap();
        let leaf = Gc::new(m, Leaf { value: 5 });
        for index in (0..LEN).step_by(per_card) {
            array.set(m, index, Some(leaf));
        }
        assert_eq!(__mark_cards(array), LEN.div_ceil(per_card));
    });
    let steps = remark(&mut heap);
    let rescanned: usize = steps.iter().sum();
    assert!(rescanned >= LEN * SLOT, "every card: {steps:?}");
    assert!(
        steps.len() >= 3,
        "two and a half pieces of cards: {steps:?}"
    );
    // A piece of cards, plus the one card that crosses it, and the header.
    assert!(
        steps.iter().all(|&w| w <= __OBLET_BYTES + CARD_BYTES + 64),
        "a piece at a time: {steps:?}"
    );
    heap.mutate(|_, root| assert_eq!(__mark_cards(root.array.unwrap()), 0));
    let last = (LEN - 1) / per_card * per_card;
    assert_eq!(finish_and_read(&mut heap, last), Some(5));
}
