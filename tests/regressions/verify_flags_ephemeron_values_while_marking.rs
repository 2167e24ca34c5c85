//! Regression test for a verifier bug (found by the model test in 6ecd83d, fixed in
//! bc2b088, which checks ephemeron values for validity only, not I1/I2): while an
//! incremental cycle was marking, the heap verifier reported an ephemeron table's values
//! as tri-colour violations (I1).
//!
//! Marking scans an ephemeron table's strong part only and leaves its values for mark
//! termination, which settles them (traces each value whose key is alive) to a fixed
//! point. A table blackened by a mark step therefore holds white values until
//! termination, by design. The verifier, though, followed the values as edges and applied
//! I1 to them, reporting "black -> white while marking (I1)". So `Heap::verify` failed on
//! a sound heap, and with `verify(true)` the mark step itself panicked. (A second walk
//! after the first could hide it: see `verify_skips_ephemeron_values_after_the_first_walk`.)

use tenure::config::Config;
use tenure::{Gc, GcWeakMap, Heap, Lock, Rootable, Trace};

#[derive(Trace)]
struct Node {
    id: u32,
}

/// Holds the value until the entry is made, so that it is old and white when marking
/// starts.
#[derive(Trace)]
struct Holder<'gc> {
    value: Lock<Option<Gc<'gc, Node>>>,
}

#[derive(Trace)]
struct Root<'gc> {
    holder: Gc<'gc, Holder<'gc>>,
    key: Gc<'gc, Node>,
    table: GcWeakMap<'gc, Node, Gc<'gc, Node>>,
}

type RootHeap = Heap<Rootable!['gc => Root<'gc>]>;

fn heap(config: Config) -> RootHeap {
    let mut heap = RootHeap::with_config(config, |m| Root {
        holder: Gc::new(
            m,
            Holder {
                value: Lock::new(Some(Gc::new(m, Node { id: 2 }))),
            },
        ),
        key: Gc::new(m, Node { id: 1 }),
        table: GcWeakMap::new(m),
    })
    .unwrap();
    heap.collect_full();
    heap.start_marking();
    // The entry is made while marking: its value is old and still white.
    heap.mutate(|m, root| {
        let value = root.holder.value.get().expect("set");
        root.table.insert(m, root.key, value);
    });
    heap
}

#[test]
fn the_verifier_accepts_unsettled_ephemeron_values_while_marking() {
    for generational in [true, false] {
        let mut heap = heap(
            Config::builder()
                .generational(generational)
                .build()
                .unwrap(),
        );
        for _ in 0..4 {
            heap.mark_step(1);
            heap.verify().expect("a sound heap verifies while marking");
        }
        heap.finish_marking();
        heap.verify().expect("a sound heap verifies after marking");
        heap.mutate(|_, root| assert_eq!(root.table.get(root.key).map(|v| v.id), Some(2)));
    }
}

#[test]
fn mark_steps_with_verify_on_do_not_panic_on_ephemerons() {
    let config = Config::builder().verify(true).build().unwrap();
    let mut heap = heap(config);
    for _ in 0..4 {
        heap.mark_step(1);
    }
    heap.finish_marking();
    heap.mutate(|_, root| assert_eq!(root.table.get(root.key).map(|v| v.id), Some(2)));
}

/// The collector itself is right: marking keeps the value (guards the tests above).
#[test]
fn an_ephemeron_value_made_while_marking_survives_the_cycle() {
    for generational in [true, false] {
        let mut heap = heap(
            Config::builder()
                .generational(generational)
                .build()
                .unwrap(),
        );
        for _ in 0..4 {
            heap.mark_step(1);
        }
        heap.finish_marking();
        while !heap.sweep_step(usize::MAX) {}
        heap.collect_full();
        heap.mutate(|_, root| assert_eq!(root.table.get(root.key).map(|v| v.id), Some(2)));
    }
}
