//! `RootVec` and the chunked stash: big roots cost what changed.
//!
//! The contents survive every kind of collection and follow moves; a minor GC
//! with a big clean `RootVec` scans only the chunks touched (counted by
//! `Stats::root_slots_scanned`); mark start scans none of it, the mark steps
//! shade it chunk by chunk, and termination rescans only the chunks touched
//! since they were shaded, which is also what keeps a moved root alive.

use gc_core::pacer::Tenuring;
use gc_core::{Config, Gc, Heap, Phase, RootVec, Rootable};

/// Slots per chunk (the unit a collection scans).
const CHUNK: usize = RootVec::<'static, u64>::CHUNK_SLOTS;

/// Elements in the big root: 16 chunks, or 3 under Miri.
#[cfg(not(miri))]
const N: usize = 16 * CHUNK;
#[cfg(miri)]
const N: usize = 3 * CHUNK - 17;

type Big = Rootable!['gc => RootVec<'gc, Gc<'gc, u64>>];

fn config(generational: bool) -> Config {
    Config::builder()
        .generational(generational)
        .tenuring(Tenuring::Fixed(2))
        .build()
        .unwrap()
}

/// Builds the root (a function, not a closure: clippy's redundant-closure
/// fix, `RootVec::new`, is not general enough over the brand).
fn new_root_vec<'gc>(m: &'gc gc_core::Mutation<'gc>) -> RootVec<'gc, Gc<'gc, u64>> {
    RootVec::new(m)
}

fn filled(generational: bool) -> Heap<Big> {
    let mut heap = Heap::<Big>::with_config(config(generational), new_root_vec).unwrap();
    heap.mutate_root(|m, root| root.extend((0..N as u64).map(|i| Gc::new(m, i))));
    heap
}

fn scanned(heap: &Heap<Big>) -> u64 {
    heap.stats().root_slots_scanned
}

fn assert_contents(heap: &Heap<Big>, expected: impl Fn(usize) -> u64) {
    heap.mutate(|_, root| {
        assert_eq!(root.len(), N);
        for (i, value) in root.iter().enumerate() {
            assert_eq!(**value, expected(i), "slot {i}");
        }
    });
}

#[test]
fn contents_survive_minor_and_major_gcs_and_follow_moves() {
    for generational in [true, false] {
        let mut heap = filled(generational);
        for round in 0..4 {
            // Young objects written into some chunks move at each minor GC.
            heap.mutate_root(|m, root| {
                for i in (round..N).step_by(97) {
                    root[i] = Gc::new(m, (i * 1000 + round) as u64);
                }
            });
            heap.collect_minor();
            heap.verify().unwrap();
            let expected = |i: usize| {
                let last = (0..=round).rev().find(|r| i >= *r && (i - r) % 97 == 0);
                last.map_or(i as u64, |r| (i * 1000 + r) as u64)
            };
            assert_contents(&heap, expected);
            if round % 2 == 1 {
                heap.collect_full();
                heap.verify().unwrap();
                assert_contents(&heap, expected);
            }
        }
    }
}

#[test]
fn a_minor_gc_with_a_big_clean_root_vec_scans_only_the_touched_slots() {
    let mut heap = filled(true);
    heap.collect_minor();
    heap.collect_full(); // everything old: no chunk holds a young pointer
    let before = scanned(&heap);
    heap.collect_minor();
    assert_eq!(scanned(&heap) - before, 0, "a clean RootVec costs nothing");

    heap.mutate_root(|m, root| root[CHUNK + 5] = Gc::new(m, 7));
    let before = scanned(&heap);
    heap.collect_minor();
    assert_eq!(scanned(&heap) - before, 1, "only the touched slot");
    // Its new object survived young: the slot is scanned again until the
    // object is promoted (at its third minor GC: tenuring threshold 2), then
    // never.
    for minor in 2..=3 {
        let before = scanned(&heap);
        heap.collect_minor();
        assert_eq!(scanned(&heap) - before, 1, "minor {minor}: young");
    }
    let before = scanned(&heap);
    heap.collect_minor();
    assert_eq!(scanned(&heap) - before, 0, "promoted: clean again");
    heap.mutate(|_, root| assert_eq!(*root[CHUNK + 5], 7));

    // Reading touches nothing; `slice_mut` touches only the slots of its
    // range, here across two chunks.
    heap.mutate(|_, root| assert_eq!(root.iter().map(|v| **v).max(), Some(N as u64 - 1)));
    heap.mutate_root(|_, root| {
        let a = root[0];
        root.slice_mut(CHUNK - 1..CHUNK + 1)[0] = a;
    });
    let before = scanned(&heap);
    heap.collect_minor();
    assert_eq!(scanned(&heap) - before, 2, "two slots");
}

#[test]
fn mark_start_scans_none_of_it_and_termination_rescans_only_what_changed() {
    let mut heap = filled(true);
    heap.collect_full();
    let before = scanned(&heap);
    heap.start_marking();
    assert_eq!(
        scanned(&heap) - before,
        0,
        "mark start: root jobs come later"
    );
    // One mark step of one unit runs one root job: one chunk.
    let before = scanned(&heap);
    heap.mark_step(1);
    assert_eq!(scanned(&heap) - before, CHUNK as u64, "one chunk per job");
    while heap.mark_step(1 << 20) > 0 {}
    assert_eq!(heap.phase(), Phase::Marking);
    let shaded = scanned(&heap) - before;
    assert_eq!(shaded, N as u64, "each chunk shaded once");

    heap.mutate_root(|m, root| root[3] = Gc::new(m, 3));
    let before = scanned(&heap);
    heap.finish_marking();
    // The touched slot by the termination's minor GC, its chunk remarked.
    assert_eq!(scanned(&heap) - before, 1 + CHUNK as u64);
    while !heap.sweep_step(usize::MAX) {}
    heap.verify().unwrap();
    assert_contents(&heap, |i| i as u64);
}

#[test]
fn a_root_moved_behind_the_cursor_is_remarked_at_termination() {
    // Without a young generation, termination is the root jobs left alone.
    let mut heap = filled(false);
    heap.collect_full();
    heap.start_marking();
    heap.mark_step(1); // shades chunk 0 only
    let last = N - 1;
    // The only pointer to the last object moves from an unshaded chunk into
    // the shaded one: the remark list must catch it.
    heap.mutate_root(|m, root| {
        let moved = root[last];
        root[0] = moved;
        root[last] = Gc::new(m, last as u64);
    });
    heap.finish_marking();
    while !heap.sweep_step(usize::MAX) {}
    heap.verify().unwrap();
    heap.mutate(|_, root| {
        assert_eq!(*root[0], last as u64, "the moved object survived");
        assert_eq!(*root[last], last as u64);
    });
}

#[test]
fn a_big_stash_costs_what_changed() {
    type One = Rootable!['gc => Option<Gc<'gc, u64>>];
    let mut heap = Heap::<One>::with_config(config(true), |_| None).unwrap();
    let handles: Vec<_> = heap.mutate(|m, _| {
        (0..N as u64)
            .map(|i| m.stash::<Rootable![u64]>(Gc::new(m, i)))
            .collect()
    });
    heap.collect_full();
    let before = heap.stats().root_slots_scanned;
    heap.collect_minor();
    assert_eq!(heap.stats().root_slots_scanned - before, 0, "clean stash");
    let extra = heap.mutate(|m, _| m.stash::<Rootable![u64]>(Gc::new(m, 7)));
    let before = heap.stats().root_slots_scanned;
    heap.collect_minor();
    let delta = heap.stats().root_slots_scanned - before;
    assert_eq!(delta, 1, "the new handle's slot alone");
    heap.collect_full();
    heap.verify().unwrap();
    heap.mutate(|m, _| {
        assert_eq!(*m.fetch(&extra), 7);
        for (i, handle) in handles.iter().enumerate() {
            assert_eq!(*m.fetch(handle), i as u64);
        }
    });
}

#[test]
fn a_dropped_root_vec_stops_being_a_root() {
    type Slot = Rootable!['gc => Option<RootVec<'gc, Gc<'gc, [u64; 4]>>>];
    let mut heap = Heap::<Slot>::with_config(config(true), |m| Some(RootVec::new(m))).unwrap();
    heap.mutate_root(|m, root| {
        let items = root.as_mut().unwrap();
        items.extend((0..N as u64).map(|i| Gc::new(m, [i; 4])));
    });
    heap.collect_full();
    let live = heap.stats().old_objects;
    assert!(live >= N, "kept: {live}");
    heap.mutate_root(|_, root| *root = None);
    heap.collect_full();
    assert!(
        heap.stats().old_objects < live - N / 2,
        "freed once dropped"
    );
    heap.verify().unwrap();
}

#[test]
fn many_touched_root_slots_ask_for_a_minor_gc_as_a_full_remembered_set_does() {
    // The remembered set's limit at the smallest pause target is its floor, 1,024
    // entries (`pacer::remembered`); touched root slots count toward it.
    let slots = 1_200;
    let config = Config::builder()
        .minor_pause_target(Some(std::time::Duration::from_micros(10)))
        .build()
        .unwrap();
    let mut heap = Heap::<Big>::with_config(config, new_root_vec).unwrap();
    heap.mutate_root(|m, root| root.extend((0..slots as u64).map(|i| Gc::new(m, i))));
    heap.collect_full();
    let minors = heap.stats().remembered_set_minors;
    // Touching slots (taking them for writing) allocates nothing, so Eden
    // stays far from full: only the touched slots ask.
    heap.mutate_root(|_, root| {
        root.slice_mut(0..slots / 2);
    });
    heap.collect_debt();
    assert_eq!(
        heap.stats().remembered_set_minors,
        minors,
        "600: under the limit"
    );
    heap.mutate_root(|_, root| {
        root.slice_mut(slots / 2..slots);
    });
    heap.collect_debt();
    assert_eq!(
        heap.stats().remembered_set_minors,
        minors + 1,
        "1,200: over it"
    );
    heap.collect_debt();
    assert_eq!(
        heap.stats().remembered_set_minors,
        minors + 1,
        "the minor GC reset the count"
    );
}
