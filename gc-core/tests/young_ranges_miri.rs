//! The minor GC's address-range young check (`space/young_ranges.rs`):
//! young objects in every chunk of a grown Eden, and in the from-space, are
//! found through old arrays' dirty cards and remembered old objects, and
//! old targets are left alone (not read, not shaded) while a major cycle
//! marks. Small enough for Miri.

use gc_core::pacer::Tenuring;
use gc_core::{unlock, Array, Config, Gc, Heap, Lock, Rootable};
use gc_derive::Trace;

#[derive(Trace, Debug)]
struct Leaf {
    value: u64,
}

#[derive(Trace)]
struct Holder<'gc> {
    young: Lock<Option<Gc<'gc, Leaf>>>,
    old: Lock<Option<Gc<'gc, Leaf>>>,
}

#[derive(Trace)]
struct Root<'gc> {
    array: Gc<'gc, Array<Option<Gc<'gc, Leaf>>>>,
    holders: Vec<Gc<'gc, Holder<'gc>>>,
}

type R = Rootable!['gc => Root<'gc>];

/// Slots, holders and leaves per round; under Miri fewer.
const SLOTS: usize = if cfg!(miri) { 128 } else { 1024 };
const HOLDERS: usize = if cfg!(miri) { 8 } else { 64 };

/// A heap whose holders each point at an old leaf.
fn new_heap() -> Heap<R> {
    // A small Eden that one `mutate` outgrows, so bumpalo adds chunks; a
    // fixed threshold of 2 keeps survivors in the from-space for a minor GC.
    let config = Config::builder()
        .eden_size(64 << 10)
        .tenuring(Tenuring::Fixed(2))
        .build()
        .unwrap();
    let mut heap = Heap::<R>::with_config(config, |m| Root {
        array: Gc::new_array_filled(m, SLOTS, None),
        holders: (0..HOLDERS)
            .map(|_| {
                Gc::new(
                    m,
                    Holder {
                        young: Lock::new(None),
                        old: Lock::new(None),
                    },
                )
            })
            .collect(),
    })
    .unwrap();
    // Old targets for the holders' `old` field.
    heap.mutate(|m, root| {
        for (i, holder) in root.holders.iter().enumerate() {
            let leaf = Gc::new(m, Leaf { value: i as u64 });
            unlock!(Gc::write(m, *holder), Holder, old).set(Some(leaf));
        }
    });
    heap.collect_full();
    heap
}

/// Stores fresh leaves into every slot and every holder, with enough
/// garbage between them that Eden spans several chunks.
fn store_round(heap: &Heap<R>, round: u64) {
    heap.mutate(|m, root| {
        for slot in 0..SLOTS {
            for _ in 0..4 {
                let _garbage = Gc::new(m, Leaf { value: u64::MAX });
            }
            let value = round * 10_000 + slot as u64;
            root.array.set(m, slot, Some(Gc::new(m, Leaf { value })));
        }
        for (i, holder) in root.holders.iter().enumerate() {
            let value = round * 10_000 + i as u64;
            unlock!(Gc::write(m, *holder), Holder, young).set(Some(Gc::new(m, Leaf { value })));
        }
    });
}

/// Every slot and holder holds what `round` stored; old targets are intact.
fn check_round(heap: &Heap<R>, round: u64) {
    heap.mutate(|_, root| {
        for (slot, leaf) in root.array.iter().enumerate() {
            assert_eq!(leaf.unwrap().value, round * 10_000 + slot as u64);
        }
        for (i, holder) in root.holders.iter().enumerate() {
            assert_eq!(holder.young.get().unwrap().value, round * 10_000 + i as u64);
            assert_eq!(holder.old.get().unwrap().value, i as u64);
        }
    });
}

#[test]
fn young_objects_in_every_chunk_are_found_through_cards_and_the_remembered_set() {
    let mut heap = new_heap();
    for round in 1..=3 {
        store_round(&heap, round);
        // Survivors go to the from-space at the first minor GC, and are
        // found there (not in Eden) at the second.
        heap.collect_minor();
        heap.verify().unwrap();
        check_round(&heap, round);
        heap.collect_minor();
        heap.verify().unwrap();
        check_round(&heap, round);
    }
}

#[test]
fn minor_gcs_while_marking_keep_old_targets_alive() {
    let mut heap = new_heap();
    for round in 1..=2 {
        heap.start_marking();
        // Marking is under way while the cards and the remembered holders
        // are scanned: their old targets are the marker's to reach.
        store_round(&heap, round);
        heap.collect_minor();
        heap.mark_step(64);
        store_round(&heap, round);
        heap.collect_minor();
        heap.finish_marking();
        heap.verify().unwrap();
        check_round(&heap, round);
        // Sweeping frees what marking left white: nothing reachable.
        heap.collect_full();
        heap.verify().unwrap();
        check_round(&heap, round);
    }
}
