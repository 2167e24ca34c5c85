//! Maps and sets under tracing: rebuilt only when their keys can hold a `Gc`.
//!
//! `Trace` has two constants: `NEEDS_TRACE` (tracing does anything: visits
//! pointers or reports outside bytes) and `HOLDS_GC` (the value can hold a
//! pointer). A `String` reports its buffer but holds no pointer, so a table
//! keyed by strings must keep its entries in place at every collection, while
//! a table keyed by `Gc` must still be rekeyed when a minor GC moves its keys.
//! (Before the split, `HashMap<String, _>` was drained and rebuilt at every
//! trace: at every minor GC, mark start and termination, issue 16.)

use std::collections::{BTreeMap, HashMap, HashSet};

use tenure::{Gc, Heap, Lock, Rootable, Trace};

/// Entries per table: enough for several buckets, small under Miri.
const N: usize = if cfg!(miri) { 16 } else { 1_000 };

#[derive(Trace)]
struct Names {
    first: String,
    last: String,
}

#[derive(Trace)]
struct Cell<'gc> {
    value: Lock<u64>,
    next: Option<Gc<'gc, Cell<'gc>>>,
}

#[test]
#[allow(clippy::assertions_on_constants)] // the constants are what is under test
fn the_constants_say_what_a_type_holds() {
    assert!(<String as Trace>::NEEDS_TRACE);
    assert!(!<String as Trace>::HOLDS_GC);
    assert!(!<u64 as Trace>::NEEDS_TRACE && !<u64 as Trace>::HOLDS_GC);
    assert!(!<Vec<String> as Trace>::HOLDS_GC);
    assert!(!<Box<Option<String>> as Trace>::HOLDS_GC);
    assert!(!<(String, u32) as Trace>::HOLDS_GC);
    assert!(!<HashMap<String, Vec<u8>> as Trace>::HOLDS_GC);
    assert!(<Names as Trace>::NEEDS_TRACE);
    assert!(
        !<Names as Trace>::HOLDS_GC,
        "derive: a struct of strings holds no Gc"
    );
    assert!(<Gc<'static, u64> as Trace>::HOLDS_GC);
    assert!(<Option<Gc<'static, u64>> as Trace>::HOLDS_GC);
    assert!(
        <Cell<'static> as Trace>::HOLDS_GC,
        "a recursive type counts as holding Gc"
    );
    assert!(<HashMap<String, Gc<'static, u64>> as Trace>::HOLDS_GC);
    assert!(<Lock<Option<Gc<'static, u64>>> as Trace>::HOLDS_GC);
}

/// The address of the key stored for `key`: a rebuilt table stores its
/// keys in a new allocation, so the address changes.
fn key_address<V>(map: &HashMap<String, V>, key: &str) -> *const String {
    map.get_key_value(key).expect("the key is in the table").0
}

#[test]
fn a_string_keyed_table_in_the_root_stays_in_place_across_collections() {
    type Table<'gc> = HashMap<String, Gc<'gc, u64>>;
    let mut heap = Heap::<Rootable!['gc => Table<'gc>]>::new(|m| {
        (0..N)
            .map(|i| (format!("key-{i}"), Gc::new(m, i as u64)))
            .collect()
    });
    let before = heap.mutate_root(|_, table| key_address(table, "key-0"));
    heap.collect_minor();
    heap.collect_minor();
    heap.collect_full();
    heap.verify().expect("the heap is sound");
    heap.mutate_root(|_, table| {
        assert_eq!(key_address(table, "key-0"), before, "the table was rebuilt");
        for i in 0..N {
            assert_eq!(
                *table[&format!("key-{i}")],
                i as u64,
                "a value moved and was not updated"
            );
        }
    });
}

#[test]
fn gc_keyed_tables_are_still_rekeyed_when_their_keys_move() {
    #[derive(Trace)]
    struct Tables<'gc> {
        map: HashMap<Gc<'gc, u64>, u64>,
        set: HashSet<Gc<'gc, u64>>,
        ordered: BTreeMap<u64, Gc<'gc, u64>>,
    }
    let mut heap = Heap::<Rootable!['gc => Tables<'gc>]>::new(|m| {
        let keys: Vec<_> = (0..N).map(|i| Gc::new(m, i as u64)).collect();
        Tables {
            map: keys.iter().map(|&k| (k, *k)).collect(),
            set: keys.iter().copied().collect(),
            ordered: keys.iter().map(|&k| (*k, k)).collect(),
        }
    });
    heap.collect_minor();
    heap.collect_minor();
    heap.collect_full();
    heap.verify().expect("the heap is sound");
    heap.mutate_root(|_, tables| {
        for (&key, &value) in &tables.ordered {
            assert_eq!(*value, key);
            assert_eq!(
                tables.map.get(&value),
                Some(&key),
                "a moved key is found again"
            );
            assert!(
                tables.set.contains(&value),
                "a moved element is found again"
            );
        }
        assert_eq!(tables.map.len(), N);
        assert_eq!(tables.set.len(), N);
    });
}
