//! Regression test for a verifier bug (found by the model test in 6ecd83d, fixed in
//! bc2b088, which settles ephemeron values under a fresh epoch per walk): `Heap::verify`
//! and `Heap::heap_profile` followed an ephemeron table's values only on the first walk
//! after a collection.
//!
//! The verifier settled each weak container as if every key were alive, passing the
//! fixed traversal epoch `u64::MAX`; settling records that epoch in every entry it
//! traces, and skips entries that already carry the current epoch. The next walk used
//! `u64::MAX` again, found every entry "already settled", and traced no value: objects
//! reachable only through ephemeron values were neither checked nor counted (the
//! verifier's object count and the heap profile dropped them) until a collection stamped
//! the entries with a real epoch. With `verify(true)` or stress mode, the walk after each
//! collection is the first, so every explicit `verify()` after it was the blind one.

use tenure::{Gc, GcWeakMap, Heap, Rootable, Trace};

#[derive(Trace)]
struct Node {
    id: u32,
}

#[derive(Trace)]
struct Root<'gc> {
    key: Gc<'gc, Node>,
    table: GcWeakMap<'gc, Node, Gc<'gc, Node>>,
}

fn heap() -> Heap<Rootable!['gc => Root<'gc>]> {
    let mut heap = Heap::<Rootable!['gc => Root<'gc>]>::new(|m| Root {
        key: Gc::new(m, Node { id: 1 }),
        table: GcWeakMap::new(m),
    });
    heap.mutate(|m, root| {
        // The value is reachable only through the table.
        root.table.insert(m, root.key, Gc::new(m, Node { id: 2 }));
    });
    heap.collect_full();
    heap
}

#[test]
fn every_verifier_walk_reaches_ephemeron_values() {
    let mut heap = heap();
    // The key, its value and the table.
    assert_eq!(heap.verify(), Ok(3));
    assert_eq!(
        heap.verify(),
        Ok(3),
        "the second walk reaches the value too"
    );
}

#[test]
fn the_heap_profile_counts_ephemeron_values_every_time() {
    let mut heap = heap();
    let nodes = |heap: &mut Heap<Rootable!['gc => Root<'gc>]>| {
        heap.heap_profile()
            .into_iter()
            .find(|(name, _)| name.ends_with("::Node"))
            .map_or(0, |(_, tally)| tally.objects)
    };
    assert_eq!(nodes(&mut heap), 2);
    assert_eq!(
        nodes(&mut heap),
        2,
        "the second profile counts the value too"
    );
    heap.mutate(|_, root| assert_eq!(root.table.get(root.key).map(|v| v.id), Some(2)));
}
