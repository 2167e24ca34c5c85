//! "Live is what was marked" (issue 11, docs/architecture.md): objects
//! allocated while a cycle marks are kept by that cycle but reported apart
//! (`Stats::allocated_black_bytes`), not counted in `live_bytes`, which sets
//! the next goal; and the old-space pool and scavenger show in `Stats`.

use gc_core::{Config, Gc, Heap, Phase, Rootable};

#[cfg(not(miri))]
const LIVE: usize = 4000;
#[cfg(miri)]
const LIVE: usize = 200;

type R = Rootable!['gc => Vec<Gc<'gc, [u64; 6]>>];

fn heap() -> Heap<R> {
    let config = Config::builder()
        .generational(false)
        .min_heap(64 << 10)
        .build()
        .unwrap();
    Heap::<R>::with_config(config, |_| Vec::new()).unwrap()
}

/// Allocates `n` objects; keeps them in the root if `keep`.
fn allocate(heap: &mut Heap<R>, n: usize, keep: bool) {
    heap.mutate_root(|m, root| {
        for i in 0..n {
            let object = Gc::new(m, [i as u64; 6]);
            if keep {
                root.push(object);
            }
        }
    });
}

#[test]
fn objects_allocated_while_marking_are_reported_apart_from_the_marked() {
    let mut heap = heap();
    allocate(&mut heap, LIVE, true);
    heap.collect_full();
    let marked = heap.stats().live_bytes;
    assert!(marked > 0);
    assert_eq!(
        heap.stats().allocated_black_bytes,
        0,
        "nothing born while marking"
    );
    heap.start_marking();
    assert_eq!(heap.phase(), Phase::Marking);
    // Garbage born during the cycle: kept by it, but not marked-reachable.
    allocate(&mut heap, LIVE, false);
    heap.finish_marking();
    let stats = heap.stats();
    assert_eq!(
        stats.live_bytes, marked,
        "the born-black garbage is not live"
    );
    assert!(
        stats.allocated_black_bytes >= LIVE * 64,
        "{} bytes born black",
        stats.allocated_black_bytes
    );
    while !heap.sweep_step(usize::MAX) {}
    heap.verify().unwrap();
}

#[test]
fn freed_blocks_are_pooled_and_counted_then_reused() {
    let mut heap = heap();
    allocate(&mut heap, 4 * LIVE, true);
    heap.collect_full();
    let committed = heap.stats().old_committed;
    heap.mutate_root(|_, root| root.clear());
    heap.collect_full();
    let stats = heap.stats();
    assert!(stats.old_idle_bytes > 0, "empty blocks wait in the pool");
    assert_eq!(stats.old_bytes, 0);
    assert!(
        stats.old_committed >= stats.old_idle_bytes,
        "the pool is committed"
    );
    assert!(stats.old_committed <= committed);
    allocate(&mut heap, 4 * LIVE, true);
    let again = heap.stats();
    assert!(
        again.old_idle_bytes < stats.old_idle_bytes,
        "pooled blocks reused first"
    );
    assert!(
        again.old_committed <= committed,
        "no fresh memory was needed"
    );
    heap.verify().unwrap();
}
