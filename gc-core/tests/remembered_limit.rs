//! The remembered set asks for a minor GC when it is full (issue 13, item 1,
//! as OCaml's ref table does): a program that writes many old objects, or
//! many cards of an old array, but allocates little runs a minor GC at the
//! next safe point once the set holds as many entries as the minor-pause
//! target allows (`pacer::remembered`), not only when Eden is full. Each
//! minor GC then scans a bounded set, and the young objects stored survive.

use std::time::Duration;

use gc_core::pacer::remembered::{remembered_limit, MIN_ENTRIES};
use gc_core::{Array, Config, Gc, Heap, Lock, Rootable};
use gc_derive::Trace;

/// A minor-pause target whose limit is the floor: a small test under Miri.
const TARGET: Duration = Duration::from_micros(10);

#[derive(Trace)]
struct Root<'gc> {
    cells: Vec<Gc<'gc, Lock<Option<Gc<'gc, u64>>>>>,
    array: Option<Gc<'gc, Array<Option<Gc<'gc, u64>>>>>,
}

type R = Rootable!['gc => Root<'gc>];

/// A heap whose 4 MiB Eden is far from full in these tests.
fn heap() -> Heap<R> {
    let config = Config::builder()
        .eden_size(4 << 20)
        .minor_pause_target(Some(TARGET))
        .build()
        .expect("valid config");
    Heap::<R>::with_config(config, |_| Root {
        cells: Vec::new(),
        array: None,
    })
    .expect("valid heap")
}

#[test]
fn the_limit_is_the_floor_for_this_target() {
    assert_eq!(remembered_limit(Some(TARGET)), MIN_ENTRIES);
}

#[test]
fn writing_many_old_objects_runs_a_minor_gc_before_eden_is_full() {
    let cells = MIN_ENTRIES + MIN_ENTRIES / 2;
    let mut heap = heap();
    heap.mutate_root(|m, root| {
        root.cells = (0..cells).map(|_| Gc::new(m, Lock::new(None))).collect();
    });
    heap.collect_full();
    let before = heap.stats();
    assert_eq!(before.remembered_set_minors, 0);
    // Fewer writes than the limit: no minor GC.
    let write = |heap: &mut Heap<R>, range: std::ops::Range<usize>| {
        heap.mutate_root(|m, root| {
            for i in range {
                let value = Some(Gc::new(m, i as u64));
                Gc::write(m, root.cells[i]).set(value);
            }
        });
        heap.collect_debt();
    };
    write(&mut heap, 0..MIN_ENTRIES / 2);
    assert_eq!(heap.stats().minor_collections, before.minor_collections);
    // Past the limit: the safe point after the call runs one.
    write(&mut heap, MIN_ENTRIES / 2..cells);
    let after = heap.stats();
    assert!(
        after.eden_bytes < after.eden_capacity / 4,
        "Eden is far from full"
    );
    assert_eq!(after.remembered_set_minors, 1);
    assert_eq!(after.minor_collections, before.minor_collections + 1);
    heap.verify().expect("heap verifies");
    heap.mutate(|_, root| {
        for (i, cell) in root.cells.iter().enumerate() {
            assert_eq!(cell.get().map(|value| *value), Some(i as u64));
        }
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "an array of 66,000 slots takes many minutes under Miri; array_miri covers the cards"
)]
fn dirtying_many_cards_of_an_old_array_runs_a_minor_gc() {
    // One slot written per 512-byte card (64 pointer slots).
    const PER_CARD: usize = 64;
    let cards = MIN_ENTRIES + 8;
    let mut heap = heap();
    heap.mutate_root(|m, root| {
        root.array = Some(Gc::new_array_filled(m, cards * PER_CARD, None));
    });
    heap.collect_full();
    let before = heap.stats();
    heap.mutate_root(|m, root| {
        let array = root.array.expect("built");
        for card in 0..cards {
            array.set(m, card * PER_CARD, Some(Gc::new(m, card as u64)));
        }
    });
    heap.collect_debt();
    let after = heap.stats();
    assert_eq!(
        after.remembered_set_minors,
        before.remembered_set_minors + 1
    );
    heap.verify().expect("heap verifies");
    heap.mutate(|_, root| {
        let array = root.array.expect("built");
        for card in 0..cards {
            let slot = array.get(card * PER_CARD).flatten().map(|value| *value);
            assert_eq!(slot, Some(card as u64));
        }
    });
}
