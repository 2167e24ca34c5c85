//! `Trace` for hashbrown, indexmap and smallvec (the facade's features of the
//! same names, on for the tests): young values and keys survive minor and
//! full collections, maps keyed by `Gc` are rekeyed when a minor GC moves
//! their keys (lookups by the moved key still work, an `IndexMap` keeps its
//! order), maps whose keys hold no `Gc` are never rebuilt, and a `SmallVec`
//! is traced both inline and spilled.

use hashbrown::{HashMap, HashSet};
use indexmap::{IndexMap, IndexSet};
use smallvec::SmallVec;
use tenure::{Gc, Heap, Rootable, Trace};

/// Entries per table: enough for several buckets, small under Miri.
const N: usize = if cfg!(miri) { 12 } else { 500 };

#[derive(Trace)]
struct Tables<'gc> {
    map: HashMap<Gc<'gc, u64>, Gc<'gc, u64>>,
    set: HashSet<Gc<'gc, u64>>,
    index_map: IndexMap<Gc<'gc, u64>, u64>,
    index_set: IndexSet<Gc<'gc, u64>>,
    /// The keys again, in allocation order, to look them up by.
    keys: Vec<Gc<'gc, u64>>,
}

fn tables_heap() -> Heap<Rootable!['gc => Tables<'gc>]> {
    Heap::new(|m| {
        let keys: Vec<_> = (0..N).map(|i| Gc::new(m, i as u64)).collect();
        // Insert the IndexMap's keys in an order that is not allocation
        // order, so that "order kept" cannot be confused with any sorting.
        let shuffled = keys.iter().rev().step_by(2).chain(keys.iter().step_by(2));
        Tables {
            map: keys.iter().map(|&k| (k, Gc::new(m, *k * 10))).collect(),
            set: keys.iter().copied().collect(),
            index_map: shuffled.clone().map(|&k| (k, *k)).collect(),
            index_set: shuffled.copied().collect(),
            keys,
        }
    })
}

/// The keys' addresses now (they change when a minor GC copies them).
fn addresses(heap: &Heap<Rootable!['gc => Tables<'gc>]>) -> Vec<usize> {
    heap.mutate(|_, t| t.keys.iter().map(|&k| Gc::as_ptr(k) as usize).collect())
}

/// The IndexMap's keys in iteration order, by value.
fn index_order(heap: &Heap<Rootable!['gc => Tables<'gc>]>) -> (Vec<u64>, Vec<u64>) {
    heap.mutate(|_, t| {
        (
            t.index_map.keys().map(|k| **k).collect(),
            t.index_set.iter().map(|k| **k).collect(),
        )
    })
}

fn check_lookups(heap: &Heap<Rootable!['gc => Tables<'gc>]>) {
    heap.mutate(|_, t| {
        assert_eq!(t.map.len(), N);
        assert_eq!(t.set.len(), N);
        assert_eq!(t.index_map.len(), N);
        assert_eq!(t.index_set.len(), N);
        for (i, &key) in t.keys.iter().enumerate() {
            assert_eq!(*key, i as u64, "a key moved and was not updated");
            let value = t.map.get(&key).expect("a moved key is found again");
            assert_eq!(**value, i as u64 * 10, "a young value was not traced");
            assert!(t.set.contains(&key), "a moved element is found again");
            assert_eq!(t.index_map.get(&key), Some(&(i as u64)));
            assert!(t.index_set.contains(&key));
            // The stored key is the moved object itself, not a stale copy.
            let (stored, _) = t.map.get_key_value(&key).unwrap();
            assert!(Gc::ptr_eq(*stored, key));
        }
    });
}

#[test]
fn young_keys_and_values_survive_and_are_found_after_they_move() {
    let mut heap = tables_heap();
    let born = addresses(&heap);
    let order = index_order(&heap);
    heap.collect_minor();
    let after_minor = addresses(&heap);
    assert!(
        born.iter().zip(&after_minor).all(|(a, b)| a != b),
        "the minor GC moved every young key (else this test proves nothing)"
    );
    check_lookups(&heap);
    assert_eq!(
        index_order(&heap),
        order,
        "rekeying kept the IndexMap's order"
    );
    heap.collect_minor();
    heap.collect_full();
    heap.verify().expect("the heap is sound");
    check_lookups(&heap);
    assert_eq!(index_order(&heap), order, "order kept after promotion");
    // New young keys added to the old tables move again at the next minor GC.
    heap.mutate_root(|m, t| {
        let key = Gc::new(m, N as u64);
        t.map.insert(key, Gc::new(m, N as u64 * 10));
        t.set.insert(key);
        t.index_map.insert(key, N as u64);
        t.index_set.insert(key);
        t.keys.push(key);
    });
    heap.collect_minor();
    heap.collect_full();
    heap.mutate(|_, t| {
        let key = *t.keys.last().unwrap();
        assert_eq!(**t.map.get(&key).unwrap(), N as u64 * 10);
        assert!(t.set.contains(&key));
        assert_eq!(t.index_map.last(), Some((&key, &(N as u64))));
        assert_eq!(t.index_set.last(), Some(&key));
    });
}

#[test]
fn dropped_entries_are_collected() {
    let mut heap = tables_heap();
    heap.collect_minor();
    heap.collect_full();
    let live_before = heap.stats().live_objects;
    heap.mutate_root(|_, t| {
        t.map.clear();
        t.map.shrink_to_fit();
    });
    heap.collect_full();
    let live_after = heap.stats().live_objects;
    assert_eq!(
        live_before - live_after,
        N,
        "the map's values (and only they) were freed"
    );
}

/// A string-keyed table is traced (its values are young `Gc`s) but never
/// rebuilt: its keys hold no `Gc`, so the stored keys stay where they were.
#[test]
fn maps_whose_keys_hold_no_gc_are_not_rebuilt() {
    #[derive(Trace)]
    struct ByName<'gc> {
        map: HashMap<String, Gc<'gc, u64>>,
        set: HashSet<String>,
        index_map: IndexMap<String, Gc<'gc, u64>>,
    }
    #[allow(clippy::assertions_on_constants)] // the constants are under test
    {
        assert!(!<HashMap<String, u64> as Trace>::HOLDS_GC);
        assert!(<HashMap<String, u64> as Trace>::NEEDS_TRACE);
        assert!(<HashMap<String, Gc<'static, u64>> as Trace>::HOLDS_GC);
        assert!(!<IndexSet<u32> as Trace>::HOLDS_GC);
        assert!(<IndexMap<Gc<'static, u64>, u8> as Trace>::HOLDS_GC);
        assert!(!<SmallVec<[String; 2]> as Trace>::HOLDS_GC);
        assert!(<SmallVec<[Gc<'static, u64>; 2]> as Trace>::HOLDS_GC);
    }
    type Addresses = (usize, usize, usize);
    fn key_addresses(t: &ByName<'_>) -> Addresses {
        let map = t.map.get_key_value("key-0").unwrap().0 as *const String;
        let set = t.set.get("key-0").unwrap() as *const String;
        let index = t.index_map.get_key_value("key-0").unwrap().0 as *const String;
        (map as usize, set as usize, index as usize)
    }
    let mut heap = Heap::<Rootable!['gc => ByName<'gc>]>::new(|m| ByName {
        map: (0..N)
            .map(|i| (format!("key-{i}"), Gc::new(m, i as u64)))
            .collect(),
        set: (0..N).map(|i| format!("key-{i}")).collect(),
        index_map: (0..N)
            .map(|i| (format!("key-{i}"), Gc::new(m, i as u64)))
            .collect(),
    });
    let before = heap.mutate(|_, t| key_addresses(t));
    heap.collect_minor();
    heap.collect_minor();
    heap.collect_full();
    heap.verify().expect("the heap is sound");
    heap.mutate(|_, t| {
        assert_eq!(key_addresses(t), before, "a table was rebuilt");
        for i in 0..N {
            let key = format!("key-{i}");
            assert_eq!(*t.map[&key], i as u64, "a value moved and was not updated");
            assert_eq!(*t.index_map[&key], i as u64);
        }
    });
}

#[test]
fn smallvecs_are_traced_inline_and_spilled() {
    #[derive(Trace)]
    struct Vectors<'gc> {
        inline: SmallVec<[Gc<'gc, u64>; 4]>,
        spilled: SmallVec<[Gc<'gc, u64>; 4]>,
        strings: SmallVec<[String; 1]>,
    }
    let spilled_len = if cfg!(miri) { 9 } else { 64 };
    let mut heap = Heap::<Rootable!['gc => Vectors<'gc>]>::new(|m| Vectors {
        inline: (0..3).map(|i| Gc::new(m, i)).collect(),
        spilled: (0..spilled_len).map(|i| Gc::new(m, 100 + i)).collect(),
        strings: ["a".repeat(1000), "b".repeat(1000)].into_iter().collect(),
    });
    let (inline_born, spilled_born) = heap.mutate(|_, v| {
        assert!(!v.inline.spilled() && v.spilled.spilled() && v.strings.spilled());
        (
            Gc::as_ptr(v.inline[0]) as usize,
            Gc::as_ptr(v.spilled[0]) as usize,
        )
    });
    heap.collect_minor();
    heap.mutate(|_, v| {
        assert_ne!(Gc::as_ptr(v.inline[0]) as usize, inline_born, "moved");
        assert_ne!(Gc::as_ptr(v.spilled[0]) as usize, spilled_born, "moved");
    });
    heap.collect_full();
    heap.verify().expect("the heap is sound");
    heap.mutate(|_, v| {
        let inline: Vec<u64> = v.inline.iter().map(|g| **g).collect();
        assert_eq!(inline, [0, 1, 2]);
        let spilled: Vec<u64> = v.spilled.iter().map(|g| **g).collect();
        assert_eq!(spilled, (100..100 + spilled_len).collect::<Vec<_>>());
    });
    let stats = heap.stats();
    // The spilled buffers are outside bytes: 64 pointers' worth at least, and
    // the two strings' 2,000 bytes.
    assert!(
        stats.external_bytes >= spilled_len as usize * 8 + 2_000,
        "spilled buffers are reported: {}",
        stats.external_bytes
    );
}
