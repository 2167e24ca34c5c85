//! An array allocated old whose element constructor panics holds the young
//! pointers written before the panic. It is unreachable, but while marking
//! it was born gray and queued for the marker, and outside marking the
//! sweeper drops it later: either way a minor GC must see it, as it sees any
//! old object born holding young pointers (I2), or the marker would read
//! those pointers after Eden is reset (poisoned here, in stress mode).

use gc_core::{Array, Config, Gc, Heap, Rootable};
use gc_derive::Trace;

#[derive(Trace)]
struct Leaf {
    value: u64,
}

type R = Rootable!['gc => Vec<Gc<'gc, Leaf>>];

/// Slots: 16 KiB of pointers, above the large-object threshold (old).
const LEN: usize = 2048;

fn heap() -> Heap<R> {
    let config = Config::builder()
        .stress(true)
        .pretenuring(false)
        .build()
        .expect("valid config");
    Heap::<R>::with_config(config, |_| Vec::new()).expect("valid heap")
}

/// Builds an old array of fresh young leaves whose constructor panics half way.
fn panicking_array(heap: &mut Heap<R>) {
    heap.mutate(|m, _| {
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let values = (0..LEN).map(|i| {
                if i == LEN / 2 {
                    panic!("element")
                }
                Some(Gc::new(m, Leaf { value: i as u64 }))
            });
            let array: Gc<'_, Array<Option<Gc<'_, Leaf>>>> = Gc::new_array(m, values);
            array
        }));
        assert!(built.is_err());
    });
}

#[test]
fn a_half_built_old_array_born_gray_is_not_scanned_through_a_reset_eden() {
    let mut heap = heap();
    heap.mutate_root(|m, root| root.push(Gc::new(m, Leaf { value: 1 })));
    heap.start_marking();
    panicking_array(&mut heap);
    heap.collect_minor();
    heap.verify().expect("heap verifies after the minor GC");
    while heap.mark_step(64) > 0 {
        heap.verify().expect("heap verifies while marking");
    }
    heap.collect_full();
    heap.verify().expect("heap verifies");
    heap.mutate_root(|_, root| assert_eq!(root[0].value, 1));
}

#[test]
fn a_half_built_old_array_born_white_is_swept_after_a_minor_gc() {
    let mut heap = heap();
    panicking_array(&mut heap);
    heap.collect_minor();
    heap.verify().expect("heap verifies after the minor GC");
    heap.collect_full();
    heap.verify().expect("heap verifies");
}
