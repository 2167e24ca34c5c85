//! A program that promotes much of each Eden, and neither marks nor sweeps,
//! reaches a safe point only when Eden is full, and that safe point runs a
//! minor GC, so the blocks its promotion needs were never pre-faulted: the
//! minor GC faulted their pages in inside its pause. The collector now asks
//! for extra safe points while blocks are missing, and those fill the pool.

use gc_core::{Config, Gc, Heap, Phase, Rootable};

type R = Rootable!['gc => Vec<Gc<'gc, [u64; 6]>>];

const EDEN: usize = if cfg!(miri) { 256 << 10 } else { 1 << 20 };

fn heap() -> Heap<R> {
    let config = Config::builder()
        .eden_size(EDEN)
        .minor_pause_target(None)
        // A survivor space of 1/64 of Eden overflows: survivors are promoted
        // at their first minor GC.
        .survivor_ratio(64)
        .pretenuring(false)
        .min_heap(256 << 20)
        .build()
        .expect("valid config");
    Heap::<R>::with_config(config, |_| Vec::new()).expect("valid heap")
}

/// Allocates kept objects until the heap asks for a safe point; returns
/// the bytes allocated.
fn allocate_until_due(heap: &mut Heap<R>) -> usize {
    heap.mutate_root(|m, root| {
        while !m.debt_due() {
            root.push(Gc::new(m, [7; 6]));
        }
        m.allocated_since_safe_point()
    })
}

#[test]
fn a_promoting_program_gets_safe_points_that_prefault_its_blocks() {
    let mut heap = heap();
    // The first Eden all survives, and its minor GC promotes it.
    let first = allocate_until_due(&mut heap);
    assert!(first >= EDEN, "no safe point before Eden is full: {first}");
    heap.collect_debt();
    let stats = heap.stats();
    assert_eq!(stats.minor_collections, 1);
    assert!(stats.promoted_bytes as usize > EDEN / 2, "{stats:?}");
    assert_eq!(stats.phase, Phase::Idle, "no major cycle to pace");
    // Now blocks are missing for the next promotion: safe points come
    // sooner, and each pre-faults a block while Eden is not full.
    let idle_before = stats.old_idle_bytes;
    let next = allocate_until_due(&mut heap);
    assert!(next < EDEN / 2, "a safe point after {next} bytes");
    heap.collect_debt();
    let stats = heap.stats();
    assert_eq!(
        stats.minor_collections, 1,
        "that safe point ran no minor GC"
    );
    assert!(stats.old_idle_bytes > idle_before, "{stats:?}");
}
