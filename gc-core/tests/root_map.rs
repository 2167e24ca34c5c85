//! `RootMap`: a root table keyed by strings costs the entries written.
//!
//! Its values survive minor and full GCs and follow moves; a minor GC with a
//! big clean map scans none of it; removed slots are reused.

use gc_core::pacer::Tenuring;
use gc_core::{Config, Gc, Heap, RootMap, Rootable};

#[cfg(not(miri))]
const N: usize = 3000;
#[cfg(miri)]
const N: usize = 300;

type Table = Rootable!['gc => RootMap<'gc, String, Gc<'gc, u64>>];

fn new_table<'gc>(m: &'gc gc_core::Mutation<'gc>) -> RootMap<'gc, String, Gc<'gc, u64>> {
    RootMap::new(m)
}

fn key(i: usize) -> String {
    format!("key-{i}")
}

#[test]
fn a_root_map_keeps_its_values_and_costs_what_changed() {
    let config = Config::builder()
        .tenuring(Tenuring::Fixed(1))
        .build()
        .unwrap();
    let mut heap = Heap::<Table>::with_config(config, new_table).unwrap();
    heap.mutate_root(|m, table| {
        for i in 0..N {
            assert_eq!(table.insert(key(i), Gc::new(m, i as u64)), None);
        }
    });
    heap.collect_minor(); // the values move (young to survivor)
    heap.verify().unwrap();
    heap.mutate(|_, table| {
        assert_eq!(table.len(), N);
        for i in 0..N {
            assert_eq!(*table[key(i).as_str()], i as u64);
        }
    });
    heap.collect_full();
    let before = heap.stats().root_slots_scanned;
    heap.collect_minor();
    assert_eq!(
        heap.stats().root_slots_scanned,
        before,
        "a clean map costs nothing"
    );

    // One write: the next minor GC scans that value slot alone.
    heap.mutate_root(|m, table| {
        let old = table.insert(key(5), Gc::new(m, 500));
        assert_eq!(old.map(|v| *v), Some(5));
    });
    let before = heap.stats().root_slots_scanned;
    heap.collect_minor();
    assert_eq!(heap.stats().root_slots_scanned - before, 1);

    // Removal frees a slot, which the next insert reuses.
    heap.mutate_root(|m, table| {
        assert_eq!(table.remove("key-7").map(|v| *v), Some(7));
        assert!(!table.contains_key("key-7"));
        table.insert("fresh".to_string(), Gc::new(m, 1));
        assert_eq!(table.len(), N);
    });
    heap.collect_full();
    heap.verify().unwrap();
    heap.mutate(|_, table| {
        assert_eq!(*table["key-5"], 500);
        assert_eq!(*table["fresh"], 1);
        assert_eq!(table.get("key-7"), None);
        let sum: u64 = table.iter().map(|(_, v)| **v).sum();
        let expected: u64 = (0..N as u64).sum::<u64>() - 5 - 7 + 500 + 1;
        assert_eq!(sum, expected);
    });
}

#[test]
fn retain_removes_entries_and_frees_their_slots() {
    let mut heap = Heap::<Table>::new(new_table);
    heap.mutate_root(|m, table| {
        for i in 0..N {
            table.insert(key(i), Gc::new(m, i as u64));
        }
    });
    heap.collect_full();
    heap.mutate_root(|m, table| {
        table.retain(|_, value| **value % 3 == 0);
        assert_eq!(table.len(), N.div_ceil(3));
        assert!(table.iter().all(|(_, value)| **value % 3 == 0));
        // The refill goes into the freed slots.
        for i in 0..N {
            if i % 3 != 0 {
                table.insert(key(i), Gc::new(m, 10 * i as u64));
            }
        }
        assert_eq!(table.len(), N);
    });
    heap.collect_minor();
    heap.verify().unwrap();
    heap.mutate(|_, table| {
        for i in 0..N {
            let expected = if i % 3 == 0 { i } else { 10 * i };
            assert_eq!(*table[key(i).as_str()], expected as u64);
        }
    });
}

/// A purge (`retain`) of entries spread over every chunk dirties none: the
/// next minor GC scans no slot, and the removed values are collected while
/// the kept ones stay whole, through a major cycle run in steps.
#[test]
fn a_purge_dirties_no_chunk() {
    let config = Config::builder()
        .tenuring(Tenuring::Fixed(1))
        .verify(true)
        .build()
        .unwrap();
    let mut heap = Heap::<Table>::with_config(config, new_table).unwrap();
    heap.mutate_root(|m, table| {
        for i in 0..N {
            table.insert(key(i), Gc::new(m, i as u64));
        }
    });
    heap.collect_full();
    let live_before = heap.stats().live_objects;
    heap.start_marking();
    heap.mark_step(64);
    heap.mutate_root(|_, table| table.retain(|_, value| **value % 3 == 0));
    let before = heap.stats().root_slots_scanned;
    heap.collect_minor();
    assert_eq!(heap.stats().root_slots_scanned, before, "no chunk is dirty");
    heap.mark_step(usize::MAX);
    heap.finish_marking();
    while !heap.sweep_step(usize::MAX) {}
    heap.collect_full();
    let kept = N.div_ceil(3);
    assert_eq!(live_before - heap.stats().live_objects, N - kept);
    heap.mutate(|_, table| {
        assert_eq!(table.len(), kept);
        assert!(table
            .iter()
            .all(|(k, v)| **v % 3 == 0 && *k == key(**v as usize)));
    });
}
