//! Building the root: a constructor (`Heap::new`'s closure) that fills Eden
//! is followed by a minor GC inside `Heap::new`, so the program's first
//! `collect_debt` does not copy the whole initial heap; a small build stays
//! in Eden until its first minor GC.

use gc_core::{Config, Gc, Heap, Rootable};

type R = Rootable!['gc => Vec<Gc<'gc, u64>>];

const EDEN: usize = 64 << 10;

fn config() -> Config {
    Config::builder()
        .eden_size(EDEN)
        .minor_pause_target(None)
        .verify(true)
        .build()
        .unwrap()
}

fn build(n: u64) -> Heap<R> {
    Heap::<R>::with_config(config(), |m| (0..n).map(|i| Gc::new(m, i)).collect()).unwrap()
}

fn check(heap: &Heap<R>, n: u64) {
    heap.mutate(|_, root| {
        assert_eq!(root.len() as u64, n);
        assert!(root.iter().enumerate().all(|(i, v)| **v == i as u64));
    });
}

#[test]
fn a_build_that_fills_eden_ends_with_a_minor_gc() {
    let n: u64 = if cfg!(miri) { 4_500 } else { 40_000 };
    let mut heap = build(n);
    let stats = heap.stats();
    assert_eq!(stats.minor_collections, 1, "Heap::new ran one");
    assert_eq!(stats.eden_bytes, 0, "and left Eden empty");
    assert_eq!(stats.last_minor.copied_objects as u64, n);
    check(&heap, n);
    heap.collect_debt();
    assert_eq!(
        heap.stats().minor_collections,
        1,
        "nothing left for the first safe point"
    );
    heap.collect_full();
    check(&heap, n);
}

#[test]
fn a_small_build_stays_young() {
    let mut heap = build(100);
    assert_eq!(heap.stats().minor_collections, 0);
    assert!(heap.stats().eden_bytes > 0);
    heap.collect_minor();
    assert_eq!(heap.stats().last_minor.copied_objects, 100);
    check(&heap, 100);
}
